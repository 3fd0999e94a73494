/* bearer-dpop.c: DPoP proofs (RFC 9449) with a key of the connection's own
 *
 * A connection with DPoP on has an EC P-256 key pair of its own, made here
 * with GnuTLS the first time it is needed and kept as PEM in the keyring
 * bundle (`dpop_key`), never in a file. Each token request (and each
 * resource request made with the token) carries a proof: a JWT signed with
 * that key (ES256), whose header holds the public key as a JWK and whose
 * claims name the request (`htm`, `htu`), a random `jti`, `iat`, the hash
 * of the access token (`ath`) for resource requests, and the server's
 * latest `nonce` (§8), remembered here per key, in memory only.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <json-glib/json-glib.h>

#include "bearer-client-assertion.h"
#include "bearer-dpop.h"
#include "bearer-error.h"
#include "bearer-pkce.h"
#include "bearer-redact.h"

typedef struct gnutls_privkey_st BearerDpopPrivkey;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BearerDpopPrivkey, gnutls_privkey_deinit)
typedef struct gnutls_pubkey_st BearerDpopPubkey;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BearerDpopPubkey, gnutls_pubkey_deinit)
typedef struct gnutls_x509_privkey_int BearerDpopX509Privkey;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BearerDpopX509Privkey, gnutls_x509_privkey_deinit)

#define COORDINATE_SIZE 32

static void
set_key_error (GError     **error,
               const char  *message)
{
  g_set_error_literal (error, BEARER_ERROR, BEARER_ERROR_PRIVATE_KEY, message);
}

/**
 * bearer_dpop_key_generate:
 *
 * Makes a new EC P-256 key pair for DPoP proofs.
 *
 * Returns: (transfer full): the private key as PKCS #8 PEM, or %NULL with
 *   %BEARER_ERROR_PRIVATE_KEY; free with bearer_secret_free()
 */
char *
bearer_dpop_key_generate (GError **error)
{
  g_autoptr(BearerDpopX509Privkey) key = NULL;
  gnutls_datum_t out = { NULL, 0 };
  char *pem;
  int ret;

  if (gnutls_x509_privkey_init (&key) < 0)
    {
      set_key_error (error, _("A key for DPoP proofs could not be made"));
      return NULL;
    }
  ret = gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                      GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0);
  if (ret >= 0)
    ret = gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &out);
  if (ret < 0)
    {
      g_debug ("DPoP key not made: %s", gnutls_strerror (ret));
      set_key_error (error, _("A key for DPoP proofs could not be made"));
      return NULL;
    }

  pem = g_strndup ((const char *) out.data, out.size);
  explicit_bzero (out.data, out.size);
  gnutls_free (out.data);
  return pem;
}

/* The public half of @key_pem as the two base64url coordinates of a JWK. */
static gboolean
public_coordinates (const char  *key_pem,
                    char       **x_out,
                    char       **y_out,
                    GError     **error)
{
  g_autoptr(BearerDpopPrivkey) key = NULL;
  g_autoptr(BearerDpopPubkey) pub = NULL;
  gnutls_datum_t datum;
  gnutls_datum_t x = { NULL, 0 }, y = { NULL, 0 };
  gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
  guint8 buffer[COORDINATE_SIZE];
  gboolean ok = FALSE;

  if (key_pem == NULL || *key_pem == '\0')
    {
      set_key_error (error, _("This connection has no DPoP key"));
      return FALSE;
    }

  datum.data = (unsigned char *) key_pem;
  datum.size = strlen (key_pem);
  if (gnutls_privkey_init (&key) < 0 ||
      gnutls_privkey_import_x509_raw (key, &datum, GNUTLS_X509_FMT_PEM, NULL, 0) < 0 ||
      gnutls_pubkey_init (&pub) < 0 ||
      gnutls_pubkey_import_privkey (pub, key, 0, 0) < 0 ||
      gnutls_pubkey_export_ecc_raw2 (pub, &curve, &x, &y, GNUTLS_EXPORT_FLAG_NO_LZ) < 0 ||
      curve != GNUTLS_ECC_CURVE_SECP256R1 ||
      x.size > COORDINATE_SIZE || y.size > COORDINATE_SIZE)
    {
      set_key_error (error, _("The DPoP key of this connection is not an EC key on the P-256 "
                              "curve: remove it to let Bearer make a new one"));
      goto out;
    }

  /* RFC 7518 §6.2.1.2: each coordinate exactly 32 bytes. */
  memset (buffer, 0, sizeof buffer);
  memcpy (buffer + COORDINATE_SIZE - x.size, x.data, x.size);
  *x_out = bearer_base64url_encode (buffer, COORDINATE_SIZE);
  memset (buffer, 0, sizeof buffer);
  memcpy (buffer + COORDINATE_SIZE - y.size, y.data, y.size);
  *y_out = bearer_base64url_encode (buffer, COORDINATE_SIZE);
  ok = TRUE;

out:
  gnutls_free (x.data);
  gnutls_free (y.data);
  return ok;
}

/**
 * bearer_dpop_key_check:
 * @key_pem: a DPoP key as PEM
 *
 * Returns: whether @key_pem can sign DPoP proofs (an EC P-256 private key)
 */
gboolean
bearer_dpop_key_check (const char  *key_pem,
                       GError     **error)
{
  g_autofree char *x = NULL;
  g_autofree char *y = NULL;

  return public_coordinates (key_pem, &x, &y, error);
}

/**
 * bearer_dpop_key_thumbprint:
 * @key_pem: a DPoP key as PEM
 *
 * Returns: (transfer full): the JWK SHA-256 thumbprint (RFC 7638) of its
 *   public key, base64url: what a server puts in a bound token's `cnf.jkt`
 */
char *
bearer_dpop_key_thumbprint (const char  *key_pem,
                            GError     **error)
{
  g_autofree char *x = NULL;
  g_autofree char *y = NULL;
  g_autofree char *canonical = NULL;
  guint8 digest[32];
  gsize length = sizeof digest;
  g_autoptr(GChecksum) checksum = NULL;

  if (!public_coordinates (key_pem, &x, &y, error))
    return NULL;

  /* The required members in lexicographic order, no white space. */
  canonical = g_strdup_printf ("{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", x, y);
  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, (const guchar *) canonical, -1);
  g_checksum_get_digest (checksum, digest, &length);
  return bearer_base64url_encode (digest, length);
}

/**
 * bearer_dpop_access_token_hash:
 * @access_token: an access token
 *
 * Returns: (transfer full): `ath`: the base64url SHA-256 of @access_token
 */
char *
bearer_dpop_access_token_hash (const char *access_token)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;

  g_return_val_if_fail (access_token != NULL, NULL);

  g_checksum_update (checksum, (const guchar *) access_token, -1);
  g_checksum_get_digest (checksum, digest, &length);
  return bearer_base64url_encode (digest, length);
}

/**
 * bearer_dpop_is_token_type:
 *
 * Returns: whether @token_type is `DPoP` (compared case-insensitively)
 */
gboolean
bearer_dpop_is_token_type (const char *token_type)
{
  return token_type != NULL && g_ascii_strcasecmp (token_type, BEARER_DPOP_TOKEN_TYPE) == 0;
}

/**
 * bearer_dpop_dup_token_type_warning:
 * @dpop: whether the profile has DPoP on
 * @token_type: (nullable): the type of the token the server issued
 *
 * Returns: (transfer full) (nullable): a warning, in words a user
 *   understands, when a profile with DPoP on got a token that is not bound
 *   to its key (the server ignored the proof); %NULL otherwise
 */
char *
bearer_dpop_dup_token_type_warning (gboolean    dpop,
                                    const char *token_type)
{
  if (!dpop || token_type == NULL || bearer_dpop_is_token_type (token_type))
    return NULL;
  return g_strdup_printf (/* Translators: %s is a token type, such as Bearer. */
                          _("The server issued a %s token, not a DPoP token: it ignored the DPoP "
                            "proof, so the token is not bound to this computer"), token_type);
}

static char *
encode_object (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;
  gsize length;

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);
  return bearer_base64url_encode ((const guint8 *) text, length);
}

/* `htu`: the URL without its query and fragment (RFC 9449 §4.2). */
static char *
target_uri (const char  *url,
            GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);

  if (uri == NULL || g_uri_get_scheme (uri) == NULL || g_uri_get_host (uri) == NULL ||
      (g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0 &&
       g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0))
    {
      g_set_error_literal (error, BEARER_ERROR, BEARER_ERROR_INVALID_URL,
                           _("A DPoP proof is made for an http:// or https:// address: this one "
                             "is not"));
      return NULL;
    }

  return g_uri_to_string_partial (uri, G_URI_HIDE_USERINFO | G_URI_HIDE_QUERY | G_URI_HIDE_FRAGMENT);
}

/**
 * bearer_dpop_proof_create:
 * @key_pem: the connection's DPoP key as PEM
 * @method: the HTTP method of the request the proof goes with: `htm`
 * @url: its URL: `htu` is this without query and fragment
 * @access_token: (nullable): for a resource request, the access token it
 *   carries: `ath`
 * @nonce: (nullable): the server's latest `DPoP-Nonce`
 * @now: seconds since the epoch: `iat`
 *
 * Returns: (transfer full): the proof (a signed JWT), or %NULL with a
 *   %BEARER_ERROR (never quoting the key)
 */
char *
bearer_dpop_proof_create (const char  *key_pem,
                          const char  *method,
                          const char  *url,
                          const char  *access_token,
                          const char  *nonce,
                          gint64       now,
                          GError     **error)
{
  g_autoptr(JsonBuilder) header = json_builder_new_immutable ();
  g_autoptr(JsonBuilder) claims = json_builder_new_immutable ();
  g_autoptr(GString) input = NULL;
  g_autoptr(GBytes) signature = NULL;
  g_autofree char *x = NULL;
  g_autofree char *y = NULL;
  g_autofree char *htu = NULL;
  g_autofree char *jti = NULL;
  g_autofree char *htm = NULL;
  g_autofree char *encoded_header = NULL;
  g_autofree char *encoded_claims = NULL;
  g_autofree char *encoded_signature = NULL;

  g_return_val_if_fail (method != NULL && url != NULL, NULL);

  if (!public_coordinates (key_pem, &x, &y, error) ||
      !(htu = target_uri (url, error)) ||
      !(jti = bearer_random_token (error)))
    return NULL;
  htm = g_ascii_strup (method, -1);

  json_builder_begin_object (header);
  json_builder_set_member_name (header, "typ");
  json_builder_add_string_value (header, "dpop+jwt");
  json_builder_set_member_name (header, "alg");
  json_builder_add_string_value (header, "ES256");
  json_builder_set_member_name (header, "jwk");
  json_builder_begin_object (header);
  json_builder_set_member_name (header, "kty");
  json_builder_add_string_value (header, "EC");
  json_builder_set_member_name (header, "crv");
  json_builder_add_string_value (header, "P-256");
  json_builder_set_member_name (header, "x");
  json_builder_add_string_value (header, x);
  json_builder_set_member_name (header, "y");
  json_builder_add_string_value (header, y);
  json_builder_end_object (header);
  json_builder_end_object (header);

  json_builder_begin_object (claims);
  json_builder_set_member_name (claims, "jti");
  json_builder_add_string_value (claims, jti);
  json_builder_set_member_name (claims, "htm");
  json_builder_add_string_value (claims, htm);
  json_builder_set_member_name (claims, "htu");
  json_builder_add_string_value (claims, htu);
  json_builder_set_member_name (claims, "iat");
  json_builder_add_int_value (claims, now);
  if (access_token != NULL)
    {
      g_autofree char *ath = bearer_dpop_access_token_hash (access_token);

      json_builder_set_member_name (claims, "ath");
      json_builder_add_string_value (claims, ath);
    }
  if (nonce != NULL && *nonce != '\0')
    {
      json_builder_set_member_name (claims, "nonce");
      json_builder_add_string_value (claims, nonce);
    }
  json_builder_end_object (claims);

  encoded_header = encode_object (header);
  encoded_claims = encode_object (claims);
  input = g_string_new (encoded_header);
  g_string_append_c (input, '.');
  g_string_append (input, encoded_claims);

  if (!(signature = bearer_jws_sign (key_pem, BEARER_SIGNING_ALG_ES256, input->str, error)))
    return NULL;

  encoded_signature = bearer_base64url_encode (g_bytes_get_data (signature, NULL),
                                               g_bytes_get_size (signature));
  g_string_append_c (input, '.');
  g_string_append (input, encoded_signature);
  return g_string_free (g_steal_pointer (&input), FALSE);
}

/* ---- server nonces (RFC 9449 §8), in memory ------------------------------- */

G_LOCK_DEFINE_STATIC (nonces);
static GHashTable *nonces;      /* key thumbprint → the latest nonce */

/**
 * bearer_dpop_remember_nonce:
 * @key_pem: the DPoP key of the connection the server answered
 * @nonce: the server's `DPoP-Nonce`
 *
 * Remembers @nonce, in this process's memory, for the next proofs signed
 * with @key_pem: one key per connection, so one nonce per connection.
 */
void
bearer_dpop_remember_nonce (const char *key_pem,
                            const char *nonce)
{
  g_autofree char *thumbprint = NULL;

  if (key_pem == NULL || nonce == NULL || *nonce == '\0' ||
      !(thumbprint = bearer_dpop_key_thumbprint (key_pem, NULL)))
    return;

  G_LOCK (nonces);
  if (nonces == NULL)
    nonces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_replace (nonces, g_steal_pointer (&thumbprint), g_strdup (nonce));
  G_UNLOCK (nonces);
}

/**
 * bearer_dpop_dup_nonce:
 * @key_pem: (nullable): a DPoP key
 *
 * Returns: (transfer full) (nullable): the latest nonce a server gave for
 *   proofs of @key_pem
 */
char *
bearer_dpop_dup_nonce (const char *key_pem)
{
  g_autofree char *thumbprint = NULL;
  char *nonce = NULL;

  if (key_pem == NULL || !(thumbprint = bearer_dpop_key_thumbprint (key_pem, NULL)))
    return NULL;

  G_LOCK (nonces);
  if (nonces != NULL)
    nonce = g_strdup (g_hash_table_lookup (nonces, thumbprint));
  G_UNLOCK (nonces);
  return nonce;
}
