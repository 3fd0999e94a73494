/* fuzz-jwt.c: the JWT decoder and base64url, on any text
 *
 * Properties: no crash on any bytes; a decoded header and payload are JSON
 * objects whose names and strings are valid UTF-8 at any depth, and which
 * serialise to valid UTF-8; an error is a BEARER_JWT_ERROR with a valid
 * UTF-8 message; an `exp` is positive and before the year 10000; base64url
 * decodes to 3/4 of its length and round-trips through GLib's base64.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "bearer-jwt.h"

#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  bearer_fuzz_init ();
  return 0;
}

static void
check_object (JsonObject *object)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  g_assert_nonnull (object);
  node = json_node_init_object (json_node_alloc (), object);
  g_assert_true (bearer_fuzz_json_is_utf8 (node));
  text = json_to_string (node, FALSE);
  g_assert_nonnull (text);
  g_assert_true (g_utf8_validate (text, -1, NULL));
}

/* base64url of @text (any length, padding or not) against GLib's base64 of
 * the same text in the standard alphabet. */
static void
check_base64url (const char *text,
                 gsize       length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = bearer_base64url_decode (text, length, &error);
  gsize stripped = length;

  while (stripped > 0 && text[stripped - 1] == '=')
    stripped--;

  if (bytes == NULL)
    {
      g_assert_error (error, BEARER_JWT_ERROR, BEARER_JWT_ERROR_BASE64);
      bearer_fuzz_assert_message (error->message);
      return;
    }

  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, stripped * 6 / 8);

  /* Re-encode with GLib and decode again: the same bytes. */
  {
    g_autofree char *standard = g_base64_encode (g_bytes_get_data (bytes, NULL),
                                                 g_bytes_get_size (bytes));
    g_autoptr(GBytes) again = bearer_base64url_decode (standard, -1, &error);

    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (bytes, again));
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) payload = NULL;
  g_autoptr(GError) error = NULL;
  gint64 exp = 0;
  gboolean has_exp;

  if (bearer_jwt_decode (text, &header, &payload, &error))
    {
      g_assert_no_error (error);
      check_object (header);
      check_object (payload);
    }
  else
    {
      g_assert_null (header);
      g_assert_null (payload);
      g_assert_nonnull (error);
      g_assert_true (error->domain == BEARER_JWT_ERROR);
      bearer_fuzz_assert_message (error->message);
    }

  has_exp = bearer_jwt_get_exp (text, &exp);
  if (has_exp)
    {
      g_assert_nonnull (payload);
      g_assert_cmpint (exp, >, 0);
      g_assert_cmpint (exp, <, G_GINT64_CONSTANT (253402300800));
    }

  /* Up to the first NUL, as the decoder sees it. */
  check_base64url (text, strlen (text));

  return 0;
}
