/* bearer-error.c: an extended GError that keeps the server's own words
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "bearer-error-private.h"
#include "bearer-redact.h"

typedef struct {
  char     *oauth_code;
  char     *description;
  char     *uri;
  char     *hint;
  char     *server_message;
  char     *redirect_location;
  guint     http_status;
  gboolean  dead_refresh_token;
} BearerErrorPrivate;

static void
bearer_error_private_init (BearerErrorPrivate *priv)
{
  memset (priv, 0, sizeof *priv);
}

static void
bearer_error_private_copy (const BearerErrorPrivate *src,
                           BearerErrorPrivate       *dest)
{
  dest->oauth_code = g_strdup (src->oauth_code);
  dest->description = g_strdup (src->description);
  dest->uri = g_strdup (src->uri);
  dest->hint = g_strdup (src->hint);
  dest->server_message = g_strdup (src->server_message);
  dest->redirect_location = g_strdup (src->redirect_location);
  dest->http_status = src->http_status;
  dest->dead_refresh_token = src->dead_refresh_token;
}

static void
bearer_error_private_clear (BearerErrorPrivate *priv)
{
  g_clear_pointer (&priv->oauth_code, g_free);
  g_clear_pointer (&priv->description, g_free);
  g_clear_pointer (&priv->uri, g_free);
  g_clear_pointer (&priv->hint, g_free);
  g_clear_pointer (&priv->server_message, g_free);
  g_clear_pointer (&priv->redirect_location, g_free);
}

G_DEFINE_EXTENDED_ERROR (BearerError, bearer_error)

static BearerErrorPrivate *
peek_private (const GError *error)
{
  if (error == NULL || error->domain != BEARER_ERROR)
    return NULL;
  return bearer_error_get_private (error);
}

/**
 * bearer_error_get_oauth_code:
 *
 * Returns: (nullable): the server's `error` code (`invalid_grant`, …), or
 *   %NULL when the error did not come from an OAuth error reply
 */
const char *
bearer_error_get_oauth_code (const GError *error)
{
  BearerErrorPrivate *priv = peek_private (error);
  return priv ? priv->oauth_code : NULL;
}

/**
 * bearer_error_get_description:
 *
 * Returns: (nullable): the server's `error_description`, cleaned of control
 *   characters
 */
const char *
bearer_error_get_description (const GError *error)
{
  BearerErrorPrivate *priv = peek_private (error);
  return priv ? priv->description : NULL;
}

/**
 * bearer_error_get_uri:
 *
 * Returns: (nullable): the server's `error_uri`, a page that explains the error
 */
const char *
bearer_error_get_uri (const GError *error)
{
  BearerErrorPrivate *priv = peek_private (error);
  return priv ? priv->uri : NULL;
}

/**
 * bearer_error_get_hint:
 *
 * Returns: (nullable): Laravel Passport's `hint` member
 */
const char *
bearer_error_get_hint (const GError *error)
{
  BearerErrorPrivate *priv = peek_private (error);
  return priv ? priv->hint : NULL;
}

/**
 * bearer_error_get_server_message:
 *
 * Returns: (nullable): a `message` member (Laravel), or an HTML page's title
 */
const char *
bearer_error_get_server_message (const GError *error)
{
  BearerErrorPrivate *priv = peek_private (error);
  return priv ? priv->server_message : NULL;
}

/**
 * bearer_error_get_http_status:
 *
 * Returns: the HTTP status of the reply the error came from, or 0 when no
 *   reply was received
 */
guint
bearer_error_get_http_status (const GError *error)
{
  BearerErrorPrivate *priv = peek_private (error);
  return priv ? priv->http_status : 0;
}

/**
 * bearer_error_get_redirect_location:
 *
 * Returns: (nullable): where a %BEARER_ERROR_REDIRECT pointed
 */
const char *
bearer_error_get_redirect_location (const GError *error)
{
  BearerErrorPrivate *priv = peek_private (error);
  return priv ? priv->redirect_location : NULL;
}

/**
 * bearer_error_is_dead_refresh_token:
 *
 * Whether the server refused the refresh token itself, whatever it called
 * it: the user must sign in again and paste a new one.
 */
gboolean
bearer_error_is_dead_refresh_token (const GError *error)
{
  BearerErrorPrivate *priv = peek_private (error);
  return priv ? priv->dead_refresh_token : FALSE;
}

void
bearer_error_set_http_status (GError *error,
                              guint   status)
{
  BearerErrorPrivate *priv = peek_private (error);

  g_return_if_fail (priv != NULL);
  priv->http_status = status;
}

void
bearer_error_set_oauth (GError     *error,
                        const char *code,
                        const char *description,
                        const char *uri,
                        const char *hint,
                        const char *server_message)
{
  BearerErrorPrivate *priv = peek_private (error);

  g_return_if_fail (priv != NULL);
  g_free (priv->oauth_code);
  priv->oauth_code = g_strdup (code);
  g_free (priv->description);
  priv->description = g_strdup (description);
  g_free (priv->uri);
  priv->uri = g_strdup (uri);
  g_free (priv->hint);
  priv->hint = g_strdup (hint);
  g_free (priv->server_message);
  priv->server_message = g_strdup (server_message);
}

void
bearer_error_set_redirect_location (GError     *error,
                                    const char *location)
{
  BearerErrorPrivate *priv = peek_private (error);

  g_return_if_fail (priv != NULL);
  g_free (priv->redirect_location);
  priv->redirect_location = g_strdup (location);
}

void
bearer_error_set_dead_refresh_token (GError   *error,
                                     gboolean  dead)
{
  BearerErrorPrivate *priv = peek_private (error);

  g_return_if_fail (priv != NULL);
  priv->dead_refresh_token = !!dead;
}

static void
redact_field (char               **field,
              const char * const  *known_secrets)
{
  char *redacted;

  if (*field == NULL)
    return;
  redacted = bearer_redact (*field, known_secrets);
  g_free (*field);
  *field = redacted;
}

/**
 * bearer_error_redact:
 * @known_secrets: the secrets of the request the error answers
 *
 * A hostile or careless server may quote the refresh token it refused: mask
 * every secret in the message and the server's fields, so the error can be
 * shown, printed and logged.
 */
void
bearer_error_redact (GError             *error,
                     const char * const *known_secrets)
{
  BearerErrorPrivate *priv;

  if (error == NULL)
    return;

  redact_field (&error->message, known_secrets);

  priv = peek_private (error);
  if (priv == NULL)
    return;
  redact_field (&priv->description, known_secrets);
  redact_field (&priv->uri, known_secrets);
  redact_field (&priv->hint, known_secrets);
  redact_field (&priv->server_message, known_secrets);
  redact_field (&priv->redirect_location, known_secrets);
}

/**
 * bearer_sanitize_server_text:
 * @text: (nullable): text a server sent, in any encoding
 * @length: its length, or -1 when NUL-terminated
 * @max_chars: where to cut
 *
 * Makes text from a server fit for a message: valid UTF-8, terminal escape
 * sequences and control characters removed, runs of white space folded to one
 * space, cut at @max_chars characters with an ellipsis.
 *
 * Returns: (nullable): the cleaned text, or %NULL when nothing is left
 */
char *
bearer_sanitize_server_text (const char *text,
                             gssize      length,
                             gsize       max_chars)
{
  g_autofree char *valid = NULL;
  GString *out;
  gsize chars = 0;
  gboolean space = FALSE;

  if (text == NULL)
    return NULL;

  valid = g_utf8_make_valid (text, length);
  out = g_string_new (NULL);

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == 0x1b)
        {
          /* ESC [ parameters final-byte: a CSI sequence; skip it whole. */
          if (p[1] == '[')
            {
              p += 2;
              while (*p != '\0' && !(*p >= 0x40 && *p <= 0x7e))
                p++;
              if (*p == '\0')
                break;
            }
          continue;
        }

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c) ||
          g_unichar_type (c) == G_UNICODE_FORMAT)
        {
          space = out->len > 0;
          continue;
        }

      if (chars >= max_chars)
        {
          g_string_append (out, "…");
          break;
        }

      if (space)
        {
          g_string_append_c (out, ' ');
          chars++;
          space = FALSE;
        }
      g_string_append_unichar (out, c);
      chars++;
    }

  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }

  return g_string_free (out, FALSE);
}
