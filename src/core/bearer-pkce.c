/* bearer-pkce.c: PKCE (RFC 7636) and the random values of a sign-in
 *
 * The verifier, the state and the nonce come from the kernel's CSPRNG
 * (getrandom(2), else /dev/urandom), never from a time-seeded generator:
 * whoever guesses them can finish someone else's sign-in.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#include <gio/gio.h>

#include "bearer-error.h"
#include "bearer-pkce.h"

static gboolean
read_urandom (guint8  *buffer,
              gsize    length)
{
  int fd = open ("/dev/urandom", O_RDONLY | O_CLOEXEC);
  gsize done = 0;

  if (fd < 0)
    return FALSE;
  while (done < length)
    {
      ssize_t n = read (fd, buffer + done, length - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          close (fd);
          return FALSE;
        }
      done += (gsize) n;
    }
  close (fd);
  return TRUE;
}

/**
 * bearer_random_bytes:
 *
 * Fills @buffer from the kernel's cryptographically secure generator.
 *
 * Returns: %FALSE (with %G_IO_ERROR_FAILED) only when the system has none
 */
gboolean
bearer_random_bytes (guint8  *buffer,
                     gsize    length,
                     GError **error)
{
  gsize done = 0;

  while (done < length)
    {
      ssize_t n = getrandom (buffer + done, length - done, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          if (read_urandom (buffer + done, length - done))
            return TRUE;
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("This system has no secure source of random numbers"));
          return FALSE;
        }
      done += (gsize) n;
    }
  return TRUE;
}

/**
 * bearer_base64url_encode:
 *
 * Returns: (transfer full): @data in base64url without padding (RFC 4648 §5)
 */
char *
bearer_base64url_encode (const guint8 *data,
                         gsize         length)
{
  char *text = g_base64_encode (data, length);
  gsize len = strlen (text);

  while (len > 0 && text[len - 1] == '=')
    text[--len] = '\0';
  for (char *p = text; *p != '\0'; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
    }
  return text;
}

/**
 * bearer_random_token:
 *
 * A PKCE code verifier (RFC 7636 §4.1: 43 characters of `[A-Za-z0-9-_]`),
 * and equally a `state` or a `nonce`: 256 random bits in base64url.
 *
 * Returns: (transfer full): the value, or %NULL with an error
 */
char *
bearer_random_token (GError **error)
{
  guint8 bytes[BEARER_RANDOM_BYTES];
  char *token;

  if (!bearer_random_bytes (bytes, sizeof bytes, error))
    return NULL;
  token = bearer_base64url_encode (bytes, sizeof bytes);
  explicit_bzero (bytes, sizeof bytes);
  return token;
}

/**
 * bearer_pkce_verifier_is_valid:
 *
 * Returns: whether @verifier is 43 to 128 unreserved characters (RFC 7636 §4.1)
 */
gboolean
bearer_pkce_verifier_is_valid (const char *verifier)
{
  gsize len;

  if (verifier == NULL)
    return FALSE;
  len = strlen (verifier);
  if (len < 43 || len > 128)
    return FALSE;
  for (const char *p = verifier; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-._~", *p) == NULL)
      return FALSE;
  return TRUE;
}

/**
 * bearer_pkce_challenge:
 * @verifier: the code verifier
 * @method: how the challenge is derived
 *
 * Returns: (transfer full) (nullable): the `code_challenge` for @method:
 *   BASE64URL(SHA256(verifier)) for S256, the verifier itself for plain,
 *   %NULL for none
 */
char *
bearer_pkce_challenge (const char       *verifier,
                       BearerPkceMethod  method)
{
  g_autoptr(GChecksum) checksum = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;

  g_return_val_if_fail (verifier != NULL, NULL);

  switch (method)
    {
    case BEARER_PKCE_PLAIN:
      return g_strdup (verifier);
    case BEARER_PKCE_NONE:
      return NULL;
    case BEARER_PKCE_S256:
    default:
      checksum = g_checksum_new (G_CHECKSUM_SHA256);
      g_checksum_update (checksum, (const guchar *) verifier, strlen (verifier));
      g_checksum_get_digest (checksum, digest, &digest_len);
      return bearer_base64url_encode (digest, digest_len);
    }
}

/**
 * bearer_pkce_method_to_wire:
 *
 * Returns: (nullable): the `code_challenge_method` (`S256`, `plain`), or
 *   %NULL for none
 */
const char *
bearer_pkce_method_to_wire (BearerPkceMethod method)
{
  switch (method)
    {
    case BEARER_PKCE_S256:
      return "S256";
    case BEARER_PKCE_PLAIN:
      return "plain";
    case BEARER_PKCE_NONE:
    default:
      return NULL;
    }
}
