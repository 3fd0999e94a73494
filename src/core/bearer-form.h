/* bearer-form.h: the form-urlencodings a token request needs (private)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* WHATWG application/x-www-form-urlencoded: A-Z a-z 0-9 * - . _ stay,
 * space becomes '+', every other byte %XX (upper-case hex). */
void   bearer_form_append_encoded (GString    *out,
                                   const char *text);
char  *bearer_form_encode         (const char *text);
/* Appends "name=value", with a '&' first when out is not empty. */
void   bearer_form_append_pair    (GString    *out,
                                   const char *name,
                                   const char *value);

G_END_DECLS
