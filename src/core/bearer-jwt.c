/* bearer-jwt.c: decoding JWTs for display
 *
 * A JWT's signature is never checked here and nothing in it is trusted: the
 * header and claims are shown to the user, and `exp` serves only as a hint
 * of the expiry when the server did not send expires_in.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "bearer-json-private.h"
#include "bearer-jwt.h"

G_DEFINE_QUARK (bearer-jwt-error-quark, bearer_jwt_error)

static int
base64url_value (guchar c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-' || c == '+')
    return 62;
  if (c == '_' || c == '/')
    return 63;
  return -1;
}

/**
 * bearer_base64url_decode:
 * @text: base64url text (RFC 4648 §5), with or without `=` padding; the
 *   standard alphabet's `+` and `/` are accepted too
 * @length: the length of @text, or -1 when NUL-terminated
 *
 * Returns: (transfer full) (nullable): the decoded bytes, or %NULL with
 *   %BEARER_JWT_ERROR_BASE64
 */
GBytes *
bearer_base64url_decode (const char  *text,
                         gssize       length,
                         GError     **error)
{
  g_autoptr(GByteArray) out = NULL;
  guint32 acc = 0;
  int bits = 0;
  gsize len;

  g_return_val_if_fail (text != NULL, NULL);

  len = length < 0 ? strlen (text) : (gsize) length;

  /* Padding may only end the text, and never more than two of it. */
  while (len > 0 && text[len - 1] == '=')
    len--;
  if ((length < 0 ? strlen (text) : (gsize) length) - len > 2 || len % 4 == 1)
    {
      g_set_error_literal (error, BEARER_JWT_ERROR, BEARER_JWT_ERROR_BASE64,
                           _("The text has the wrong length for base64url"));
      return NULL;
    }

  out = g_byte_array_sized_new (len * 3 / 4 + 1);

  for (gsize i = 0; i < len; i++)
    {
      int v = base64url_value ((guchar) text[i]);

      if (v < 0)
        {
          g_set_error (error, BEARER_JWT_ERROR, BEARER_JWT_ERROR_BASE64,
                       /* Translators: %lu is the position of the character in the
                        * text, counted from 1. */
                       _("The text holds a character that is not base64url at position %lu"),
                       (unsigned long) (i + 1));
          return NULL;
        }

      acc = (acc << 6) | (guint32) v;
      bits += 6;
      if (bits >= 8)
        {
          guint8 byte;

          bits -= 8;
          byte = (acc >> bits) & 0xff;
          g_byte_array_append (out, &byte, 1);
        }
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

typedef enum {
  PART_HEADER,
  PART_PAYLOAD,
} Part;

static JsonObject *
decode_part (const char  *part,
             gsize        length,
             Part         which,
             GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;
  const char *data;
  gsize size;

  bytes = bearer_base64url_decode (part, length, &local_error);
  if (bytes == NULL)
    {
      if (which == PART_HEADER)
        g_set_error (error, BEARER_JWT_ERROR, BEARER_JWT_ERROR_BASE64,
                     /* Translators: the header is the first part of a JWT; %s says what
                      * is wrong with its base64url encoding. */
                     _("The token’s header is not base64url: %s"), local_error->message);
      else
        g_set_error (error, BEARER_JWT_ERROR, BEARER_JWT_ERROR_BASE64,
                     /* Translators: the payload is the second part of a JWT, its claims;
                      * %s says what is wrong with its base64url encoding. */
                     _("The token’s payload is not base64url: %s"), local_error->message);
      return NULL;
    }

  data = g_bytes_get_data (bytes, &size);
  if (bearer_json_parse (data, size, &root, NULL) != BEARER_JSON_OK)
    {
      g_set_error_literal (error, BEARER_JWT_ERROR, BEARER_JWT_ERROR_JSON,
                           which == PART_HEADER ? _("The token’s header is not JSON")
                                                : _("The token’s payload is not JSON"));
      return NULL;
    }

  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, BEARER_JWT_ERROR, BEARER_JWT_ERROR_JSON,
                           which == PART_HEADER ? _("The token’s header is not a JSON object")
                                                : _("The token’s payload is not a JSON object"));
      return NULL;
    }

  if (!bearer_json_node_is_text (root))
    {
      g_set_error_literal (error, BEARER_JWT_ERROR, BEARER_JWT_ERROR_JSON,
                           which == PART_HEADER
                           ? _("The token’s header holds text that is not valid UTF-8")
                           : _("The token’s payload holds text that is not valid UTF-8"));
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

/**
 * bearer_jwt_decode:
 * @token: (nullable): an access or ID token
 * @header: (out) (optional) (transfer full): the JOSE header
 * @payload: (out) (optional) (transfer full): the claims
 *
 * Decodes a compact JWS (`header.payload.signature`) for display. The
 * signature is not checked: nothing decoded here may be trusted.
 *
 * Returns: %TRUE when @token is a JWT whose header and payload are JSON objects
 */
gboolean
bearer_jwt_decode (const char  *token,
                   JsonObject **header,
                   JsonObject **payload,
                   GError     **error)
{
  g_autoptr(JsonObject) h = NULL;
  g_autoptr(JsonObject) p = NULL;
  const char *dot1, *dot2;
  guint dots = 0;

  if (header != NULL)
    *header = NULL;
  if (payload != NULL)
    *payload = NULL;

  if (token == NULL || *token == '\0')
    {
      g_set_error_literal (error, BEARER_JWT_ERROR, BEARER_JWT_ERROR_NOT_A_JWT,
                           _("The token is empty"));
      return FALSE;
    }

  for (const char *c = token; *c != '\0'; c++)
    if (*c == '.')
      dots++;

  if (dots == 4)
    {
      g_set_error_literal (error, BEARER_JWT_ERROR, BEARER_JWT_ERROR_ENCRYPTED,
                           _("The token is an encrypted JWT (JWE): only the server can read it"));
      return FALSE;
    }
  if (dots != 2)
    {
      g_set_error_literal (error, BEARER_JWT_ERROR, BEARER_JWT_ERROR_NOT_A_JWT,
                           _("The token is not a JWT"));
      return FALSE;
    }

  dot1 = strchr (token, '.');
  dot2 = strchr (dot1 + 1, '.');

  if (!(h = decode_part (token, dot1 - token, PART_HEADER, error)))
    return FALSE;
  if (!(p = decode_part (dot1 + 1, dot2 - dot1 - 1, PART_PAYLOAD, error)))
    return FALSE;

  if (header != NULL)
    *header = g_steal_pointer (&h);
  if (payload != NULL)
    *payload = g_steal_pointer (&p);

  return TRUE;
}

/**
 * bearer_jwt_get_exp:
 * @token: (nullable): a token that may be a JWT
 * @exp: (out): its `exp` claim, in seconds since the epoch
 *
 * Returns: %TRUE when @token is a JWT with a numeric, positive `exp`
 */
gboolean
bearer_jwt_get_exp (const char *token,
                    gint64     *exp)
{
  g_autoptr(JsonObject) payload = NULL;
  JsonNode *node;
  double value;

  g_return_val_if_fail (exp != NULL, FALSE);

  if (!bearer_jwt_decode (token, NULL, &payload, NULL))
    return FALSE;

  node = json_object_get_member (payload, "exp");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      value = json_node_get_int (node);
      break;
    case G_TYPE_DOUBLE:
      value = json_node_get_double (node);
      break;
    default:
      return FALSE;
    }

  /* From one second after the epoch up to the year 9999; anything else is
   * not an expiry (and 0 would read as "unknown"). */
  if (!(value >= 1 && value < 253402300800.0))
    return FALSE;

  *exp = (gint64) value;
  return TRUE;
}
