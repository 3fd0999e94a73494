/* bearer-form.h: the form-urlencodings a token request needs (private)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* WHATWG application/x-www-form-urlencoded: A-Z a-z 0-9 * - . _ stay,
 * space becomes '+', every other byte %XX (upper-case hex). */
void   bearer_form_append_encoded     (GString    *out,
                                       const char *text);
void   bearer_form_append_encoded_len (GString    *out,
                                       const char *data,
                                       gsize       length);
char  *bearer_form_encode             (const char *text);
/* Appends "name=value", with a '&' first when out is not empty. */
void   bearer_form_append_pair        (GString    *out,
                                       const char *name,
                                       const char *value);

/* The other way: '+' is a space, %XX a byte (hex in either case), any other
 * '%' stays as it is. The result may hold NUL bytes and bytes that are not
 * UTF-8; it is NUL-terminated after @out_length bytes. */
char  *bearer_form_decode             (const char *text,
                                       gssize      length,
                                       gsize      *out_length);

/* One name=value of a form body, decoded: bytes, possibly not UTF-8 and
 * possibly with NUL bytes; each NUL-terminated after its length. */
typedef struct {
  char  *name;
  gsize  name_length;
  char  *value;
  gsize  value_length;
} BearerFormPair;

BearerFormPair *bearer_form_pair_new  (const char     *name,
                                       gsize           name_length,
                                       const char     *value,
                                       gsize           value_length);
void            bearer_form_pair_free (BearerFormPair *pair);

/* A whole body "k=v&k=v": the pairs in order (a part without '=', or
 * empty, is skipped); a GPtrArray of BearerFormPair. */
GPtrArray      *bearer_form_parse     (const char     *data,
                                       gsize           length);

G_END_DECLS
