/* bearer-client-certificate.c: a TLS client certificate and its key (RFC 8705)
 *
 * The certificate is a file the profile names; its private key is the
 * profile's `client-key` secret, kept in the keyring. They meet only in
 * memory: the GTlsCertificate is made from the two PEM texts joined in a
 * buffer that is wiped afterwards, never from a file holding the key.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include <glib/gi18n-lib.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "bearer-client-certificate.h"
#include "bearer-error.h"
#include "bearer-redact.h"

/* A certificate file is small; anything larger is the wrong file. */
#define MAX_CERTIFICATE_FILE_SIZE (256 * 1024)

static gboolean
is_encrypted (const char *key_pem)
{
  return strstr (key_pem, "ENCRYPTED") != NULL;
}

/* The key, parsed; NULL with an error that never quotes it. */
static gnutls_x509_privkey_t
parse_key (const char  *key_pem,
           GError     **error)
{
  gnutls_x509_privkey_t key = NULL;
  gnutls_datum_t datum;

  if (key_pem == NULL || *key_pem == '\0')
    {
      g_set_error_literal (error, BEARER_ERROR, BEARER_ERROR_MISSING_PARAMETER,
                           _("No private key is stored for the client certificate"));
      return NULL;
    }

  if (is_encrypted (key_pem))
    {
      g_set_error_literal (error, BEARER_ERROR, BEARER_ERROR_CLIENT_CERTIFICATE,
                           _("The client key is protected by a passphrase: store it without one "
                             "(the keyring protects it)"));
      return NULL;
    }

  datum.data = (unsigned char *) key_pem;
  datum.size = strlen (key_pem);
  if (gnutls_x509_privkey_init (&key) < 0 ||
      gnutls_x509_privkey_import2 (key, &datum, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN) < 0)
    {
      if (key != NULL)
        gnutls_x509_privkey_deinit (key);
      g_set_error_literal (error, BEARER_ERROR, BEARER_ERROR_CLIENT_CERTIFICATE,
                           _("The client key is not a private key in PEM format "
                             "(“-----BEGIN PRIVATE KEY-----”)"));
      return NULL;
    }

  return key;
}

/**
 * bearer_client_key_check:
 * @key_pem: text that should be a PEM private key
 *
 * Returns: whether @key_pem is a private key a client certificate can use
 *   (PKCS #1, PKCS #8 or SEC 1, not protected by a passphrase); else
 *   %FALSE with a %BEARER_ERROR that does not quote it
 */
gboolean
bearer_client_key_check (const char  *key_pem,
                         GError     **error)
{
  gnutls_x509_privkey_t key = parse_key (key_pem, error);

  if (key == NULL)
    return FALSE;
  gnutls_x509_privkey_deinit (key);
  return TRUE;
}

static char *
read_certificate_file (const char  *path,
                       gsize       *length,
                       GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GStatBuf buf;
  char *contents = NULL;

  if (path == NULL || *path == '\0')
    {
      g_set_error_literal (error, BEARER_ERROR, BEARER_ERROR_MISSING_PARAMETER,
                           _("No client certificate file is set"));
      return NULL;
    }

  if (g_stat (path, &buf) != 0)
    {
      int saved = errno;

      g_set_error (error, BEARER_ERROR, BEARER_ERROR_CLIENT_CERTIFICATE,
                   _("The client certificate file “%s” cannot be read: %s"), path,
                   g_strerror (saved));
      return NULL;
    }

  if (buf.st_size > MAX_CERTIFICATE_FILE_SIZE)
    {
      g_set_error (error, BEARER_ERROR, BEARER_ERROR_CLIENT_CERTIFICATE,
                   /* Translators: %s is a file name. */
                   _("The client certificate file “%s” is too large to be a certificate"), path);
      return NULL;
    }

  if (!g_file_get_contents (path, &contents, length, &local_error))
    {
      g_set_error (error, BEARER_ERROR, BEARER_ERROR_CLIENT_CERTIFICATE,
                   /* Translators: the first %s is a file name, the second the system’s
                    * explanation of why it cannot be read. */
                   _("The client certificate file “%s” cannot be read: %s"), path,
                   local_error->message);
      return NULL;
    }

  return contents;
}

/* The first certificate of @pem (the client's own; the rest is its chain). */
static gboolean
parse_certificate (const char         *path,
                   const char         *pem,
                   gsize               length,
                   gnutls_x509_crt_t  *leaf,
                   GError            **error)
{
  gnutls_x509_crt_t *list = NULL;
  unsigned int count = 0;
  gnutls_datum_t datum = { (unsigned char *) pem, length };

  if (memchr (pem, '\0', length) != NULL || strstr (pem, "-----BEGIN CERTIFICATE-----") == NULL ||
      gnutls_x509_crt_list_import2 (&list, &count, &datum, GNUTLS_X509_FMT_PEM, 0) < 0 ||
      count == 0)
    {
      g_set_error (error, BEARER_ERROR, BEARER_ERROR_CLIENT_CERTIFICATE,
                   /* Translators: %s is a file name. */
                   _("The client certificate file “%s” holds no certificate in PEM format "
                     "(“-----BEGIN CERTIFICATE-----”)"), path);
      return FALSE;
    }

  *leaf = list[0];
  for (unsigned int i = 1; i < count; i++)
    gnutls_x509_crt_deinit (list[i]);
  gnutls_free (list);
  return TRUE;
}

/**
 * bearer_client_certificate_check:
 * @path: a file that should hold a PEM certificate
 *
 * Returns: whether @path can be read and holds a certificate; else %FALSE
 *   with a %BEARER_ERROR in words a user understands
 */
gboolean
bearer_client_certificate_check (const char  *path,
                                 GError     **error)
{
  g_autofree char *pem = NULL;
  gnutls_x509_crt_t leaf = NULL;
  gsize length;

  if (!(pem = read_certificate_file (path, &length, error)) ||
      !parse_certificate (path, pem, length, &leaf, error))
    return FALSE;
  gnutls_x509_crt_deinit (leaf);
  return TRUE;
}

static gboolean
key_matches (gnutls_x509_crt_t     leaf,
             gnutls_x509_privkey_t key)
{
  unsigned char crt_id[64], key_id[64];
  size_t crt_size = sizeof crt_id, key_size = sizeof key_id;

  return gnutls_x509_crt_get_key_id (leaf, GNUTLS_KEYID_USE_SHA256, crt_id, &crt_size) >= 0 &&
         gnutls_x509_privkey_get_key_id (key, GNUTLS_KEYID_USE_SHA256, key_id, &key_size) >= 0 &&
         crt_size == key_size && memcmp (crt_id, key_id, crt_size) == 0;
}

/**
 * bearer_client_certificate_load:
 * @path: the PEM file of the client certificate (and, after it, its chain)
 * @key_pem: its private key, PEM, as the keyring holds it
 *
 * Reads the certificate, checks that @key_pem is its key, and joins them in
 * memory. Nothing is written anywhere.
 *
 * Returns: (transfer full): the certificate with its key, or %NULL with a
 *   %BEARER_ERROR (%BEARER_ERROR_MISSING_PARAMETER,
 *   %BEARER_ERROR_CLIENT_CERTIFICATE) that never quotes the key
 */
GTlsCertificate *
bearer_client_certificate_load (const char  *path,
                                const char  *key_pem,
                                GError     **error)
{
  g_autofree char *pem = NULL;
  g_autoptr(GError) local_error = NULL;
  gnutls_x509_crt_t leaf = NULL;
  gnutls_x509_privkey_t key = NULL;
  gnutls_datum_t pkcs8 = { NULL, 0 };
  GTlsCertificate *certificate;
  GString *both;
  gsize length;
  gboolean matches;

  if (!(pem = read_certificate_file (path, &length, error)) ||
      !parse_certificate (path, pem, length, &leaf, error))
    return NULL;

  key = parse_key (key_pem, error);
  if (key == NULL)
    {
      gnutls_x509_crt_deinit (leaf);
      return NULL;
    }

  matches = key_matches (leaf, key);
  gnutls_x509_crt_deinit (leaf);
  if (!matches)
    {
      gnutls_x509_privkey_deinit (key);
      g_set_error (error, BEARER_ERROR, BEARER_ERROR_CLIENT_CERTIFICATE,
                   /* Translators: %s is a file name. */
                   _("The stored client key is not the key of the certificate in “%s”: store "
                     "the key that belongs to it"), path);
      return NULL;
    }

  /* GLib reads PKCS #8 and PKCS #1 only: every key is handed over as
   * PKCS #8, so an EC key in SEC 1 ("EC PRIVATE KEY") works too. */
  if (gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
                                         &pkcs8) < 0)
    {
      gnutls_x509_privkey_deinit (key);
      g_set_error_literal (error, BEARER_ERROR, BEARER_ERROR_CLIENT_CERTIFICATE,
                           _("The client key is not a private key in PEM format "
                             "(“-----BEGIN PRIVATE KEY-----”)"));
      return NULL;
    }
  gnutls_x509_privkey_deinit (key);

  both = g_string_new_len (pem, length);
  g_string_append_c (both, '\n');
  g_string_append_len (both, (const char *) pkcs8.data, pkcs8.size);
  explicit_bzero (pkcs8.data, pkcs8.size);
  gnutls_free (pkcs8.data);
  certificate = g_tls_certificate_new_from_pem (both->str, both->len, &local_error);
  explicit_bzero (both->str, both->len);
  g_string_free (both, TRUE);

  if (certificate == NULL)
    {
      /* GLib's words name the part it could not read, never its bytes. */
      g_set_error (error, BEARER_ERROR, BEARER_ERROR_CLIENT_CERTIFICATE,
                   /* Translators: the first %s is a file name, the second the TLS
                    * library’s explanation. */
                   _("The client certificate in “%s” cannot be used with its key: %s"), path,
                   local_error->message);
      return NULL;
    }

  return certificate;
}
