/* bearer-client-assertion.c: client assertions (RFC 7523 §2.2, OpenID Connect Core §9)
 *
 * A client that authenticates with `private_key_jwt` or `client_secret_jwt`
 * sends, instead of its secret, a short-lived JWT about itself: `iss` and
 * `sub` its client id, `aud` the endpoint (or the issuer), a random `jti`,
 * `iat` and `exp`. private_key_jwt signs it with the client's private key
 * through GnuTLS (RS256, PS256, ES256); client_secret_jwt with HMAC-SHA256
 * keyed with the client secret (HS256, GLib's GHmac).
 *
 * The private key is PEM text held in the keyring bundle. It is parsed for
 * each assertion and forgotten; no error message quotes it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <json-glib/json-glib.h>

#include "bearer-client-assertion.h"
#include "bearer-enum-types.h"
#include "bearer-error.h"
#include "bearer-pkce.h"
#include "bearer-redact.h"

typedef struct gnutls_privkey_st BearerPrivkey;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BearerPrivkey, gnutls_privkey_deinit)

#define P256_COORDINATE_SIZE 32

static void
set_key_error (GError     **error,
               const char  *message)
{
  g_set_error_literal (error, BEARER_ERROR, BEARER_ERROR_PRIVATE_KEY, message);
}

/* Parses @pem; the key is never quoted in an error. */
static gnutls_privkey_t
import_key (const char  *pem,
            GError     **error)
{
  g_autoptr(BearerPrivkey) key = NULL;
  gnutls_datum_t datum;
  int ret;

  if (pem == NULL || *pem == '\0')
    {
      set_key_error (error, _("This connection has no private key: store one first"));
      return NULL;
    }
  if (strlen (pem) > BEARER_PRIVATE_KEY_MAX_SIZE)
    {
      set_key_error (error, _("The private key is too large to be a PEM private key"));
      return NULL;
    }
  if (strstr (pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----") != NULL ||
      strstr (pem, "Proc-Type: 4,ENCRYPTED") != NULL)
    {
      set_key_error (error, _("The private key is protected by a passphrase. Store the key "
                              "without a passphrase: the keyring protects it"));
      return NULL;
    }

  if (gnutls_privkey_init (&key) < 0)
    {
      set_key_error (error, _("The private key cannot be read"));
      return NULL;
    }

  datum.data = (unsigned char *) pem;
  datum.size = strlen (pem);
  ret = gnutls_privkey_import_x509_raw (key, &datum, GNUTLS_X509_FMT_PEM, NULL, 0);
  if (ret < 0)
    {
      g_debug ("Private key not imported: %s", gnutls_strerror (ret));
      set_key_error (error, _("The private key is not a PEM private key that Bearer can read "
                              "(PKCS #8, PKCS #1 or SEC 1, without a passphrase)"));
      return NULL;
    }

  return g_steal_pointer (&key);
}

static gboolean
key_is_p256 (gnutls_privkey_t key)
{
  gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
  gnutls_datum_t x = { NULL, 0 }, y = { NULL, 0 }, k = { NULL, 0 };

  if (gnutls_privkey_export_ecc_raw2 (key, &curve, &x, &y, &k, 0) < 0)
    return FALSE;
  gnutls_free (x.data);
  gnutls_free (y.data);
  if (k.data != NULL)
    {
      explicit_bzero (k.data, k.size);
      gnutls_free (k.data);
    }
  return curve == GNUTLS_ECC_CURVE_SECP256R1;
}

/* The algorithm @key signs with when the profile leaves the choice to Bearer. */
static BearerSigningAlg
alg_for_key (gnutls_privkey_t   key,
             GError           **error)
{
  switch (gnutls_privkey_get_pk_algorithm (key, NULL))
    {
    case GNUTLS_PK_RSA:
      return BEARER_SIGNING_ALG_RS256;
    case GNUTLS_PK_RSA_PSS:
      return BEARER_SIGNING_ALG_PS256;
    case GNUTLS_PK_ECDSA:
      return BEARER_SIGNING_ALG_ES256;
    default:
      set_key_error (error, _("The private key is neither an RSA nor an EC key: use one of "
                              "those for RS256, PS256 or ES256"));
      return BEARER_SIGNING_ALG_AUTO;
    }
}

static gboolean
key_fits (gnutls_privkey_t   key,
          BearerSigningAlg   alg,
          GError           **error)
{
  unsigned int bits = 0;
  int pk = gnutls_privkey_get_pk_algorithm (key, &bits);

  switch (alg)
    {
    case BEARER_SIGNING_ALG_RS256:
    case BEARER_SIGNING_ALG_PS256:
      if (pk != GNUTLS_PK_RSA && !(pk == GNUTLS_PK_RSA_PSS && alg == BEARER_SIGNING_ALG_PS256))
        {
          g_set_error (error, BEARER_ERROR, BEARER_ERROR_PRIVATE_KEY,
                       /* Translators: %s is a signing algorithm (RS256, PS256). */
                       _("The private key is not an RSA key: %s signs with an RSA key"),
                       bearer_enum_to_nick (BEARER_TYPE_SIGNING_ALG, alg));
          return FALSE;
        }
      /* RFC 7518 §3.3 */
      if (bits < 2048)
        {
          set_key_error (error, _("The RSA private key is shorter than 2048 bits: servers "
                                  "refuse such keys"));
          return FALSE;
        }
      return TRUE;
    case BEARER_SIGNING_ALG_ES256:
      if (pk != GNUTLS_PK_ECDSA || !key_is_p256 (key))
        {
          set_key_error (error, _("The private key is not an EC key on the P-256 curve: "
                                  "ES256 signs with such a key"));
          return FALSE;
        }
      return TRUE;
    case BEARER_SIGNING_ALG_HS256:
      set_key_error (error, _("HS256 signs with the client secret, not with a private key: "
                              "choose RS256, PS256 or ES256"));
      return FALSE;
    case BEARER_SIGNING_ALG_AUTO:
    default:
      {
        BearerSigningAlg chosen = alg_for_key (key, error);

        return chosen != BEARER_SIGNING_ALG_AUTO && key_fits (key, chosen, error);
      }
    }
}

/**
 * bearer_private_key_check:
 * @pem: a private key as PEM text
 * @alg: the algorithm it is to sign with, or %BEARER_SIGNING_ALG_AUTO
 *
 * Whether @pem is a private key Bearer can sign client assertions with, and
 * with @alg: for checking a key before it is stored, and before a request is
 * sent.
 *
 * Returns: %TRUE if so; else %FALSE with %BEARER_ERROR_PRIVATE_KEY and
 *   words a user understands (never the key itself)
 */
gboolean
bearer_private_key_check (const char        *pem,
                          BearerSigningAlg   alg,
                          GError           **error)
{
  g_autoptr(BearerPrivkey) key = import_key (pem, error);

  return key != NULL && key_fits (key, alg, error);
}

/**
 * bearer_signing_alg_resolve:
 * @auth: the client authentication
 * @alg: the profile's signing algorithm
 * @key: (nullable): the private key (private_key_jwt), as PEM
 *
 * Returns: the algorithm an assertion is signed with, or
 *   %BEARER_SIGNING_ALG_AUTO with %BEARER_ERROR_PRIVATE_KEY when @alg does
 *   not go with @auth or with @key
 */
BearerSigningAlg
bearer_signing_alg_resolve (BearerClientAuth   auth,
                            BearerSigningAlg   alg,
                            const char        *key,
                            GError           **error)
{
  if (auth == BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT)
    {
      if (alg != BEARER_SIGNING_ALG_AUTO && alg != BEARER_SIGNING_ALG_HS256)
        {
          g_set_error (error, BEARER_ERROR, BEARER_ERROR_PRIVATE_KEY,
                       /* Translators: %s is a signing algorithm (RS256, PS256, ES256);
                        * client_secret_jwt is the name of a method, not translated. */
                       _("client_secret_jwt signs with HS256, not with %s: choose HS256 "
                         "or private_key_jwt"),
                       bearer_enum_to_nick (BEARER_TYPE_SIGNING_ALG, alg));
          return BEARER_SIGNING_ALG_AUTO;
        }
      return BEARER_SIGNING_ALG_HS256;
    }
  else
    {
      g_autoptr(BearerPrivkey) pk = import_key (key, error);

      if (pk == NULL || !key_fits (pk, alg, error))
        return BEARER_SIGNING_ALG_AUTO;
      if (alg == BEARER_SIGNING_ALG_AUTO)
        return alg_for_key (pk, error);
      return alg;
    }
}

/* ---- signing --------------------------------------------------------------- */

/* A DER INTEGER's magnitude as exactly @size big-endian bytes. */
static gboolean
append_fixed (GByteArray           *out,
              const gnutls_datum_t *value,
              gsize                 size)
{
  const guint8 *data = value->data;
  gsize length = value->size;
  static const guint8 zeros[P256_COORDINATE_SIZE] = { 0 };

  while (length > 0 && *data == 0)
    {
      data++;
      length--;
    }
  if (length > size || size > sizeof zeros)
    return FALSE;

  g_byte_array_append (out, zeros, size - length);
  g_byte_array_append (out, data, length);
  return TRUE;
}

/**
 * bearer_jws_sign:
 * @pem: a private key as PEM
 * @alg: RS256, PS256 or ES256
 * @input: the JWS signing input (`header.claims`, both base64url)
 *
 * Signs @input as JWS (RFC 7515) wants it: for ES256, R and S of 32 bytes
 * each, not DER. Client assertions and DPoP proofs (bearer-dpop.c) use it.
 *
 * Returns: (transfer full): the signature, or %NULL with
 *   %BEARER_ERROR_PRIVATE_KEY (never quoting the key)
 */
GBytes *
bearer_jws_sign (const char        *pem,
                 BearerSigningAlg   alg,
                 const char        *input,
                 GError           **error)
{
  g_autoptr(BearerPrivkey) key = import_key (pem, error);
  gnutls_datum_t data = { (unsigned char *) input, strlen (input) };
  gnutls_datum_t signature = { NULL, 0 };
  gnutls_sign_algorithm_t sign;
  GBytes *result = NULL;
  int ret;

  if (key == NULL || !key_fits (key, alg, error))
    return NULL;

  switch (alg)
    {
    case BEARER_SIGNING_ALG_RS256:
      sign = GNUTLS_SIGN_RSA_SHA256;
      break;
    case BEARER_SIGNING_ALG_PS256:
      sign = gnutls_privkey_get_pk_algorithm (key, NULL) == GNUTLS_PK_RSA_PSS
             ? GNUTLS_SIGN_RSA_PSS_SHA256 : GNUTLS_SIGN_RSA_PSS_RSAE_SHA256;
      break;
    case BEARER_SIGNING_ALG_ES256:
      sign = GNUTLS_SIGN_ECDSA_SHA256;
      break;
    case BEARER_SIGNING_ALG_AUTO:
    case BEARER_SIGNING_ALG_HS256:
    default:
      g_return_val_if_reached (NULL);
    }

  ret = gnutls_privkey_sign_data2 (key, sign, 0, &data, &signature);
  if (ret < 0)
    {
      g_debug ("Signing failed: %s", gnutls_strerror (ret));
      set_key_error (error, _("The private key could not sign the client assertion"));
      return NULL;
    }

  if (alg == BEARER_SIGNING_ALG_ES256)
    {
      /* RFC 7518 §3.4: R and S, each 32 bytes, not DER. */
      gnutls_datum_t r = { NULL, 0 }, s = { NULL, 0 };
      g_autoptr(GByteArray) raw = g_byte_array_new ();

      ret = gnutls_decode_rs_value (&signature, &r, &s);
      if (ret < 0 ||
          !append_fixed (raw, &r, P256_COORDINATE_SIZE) ||
          !append_fixed (raw, &s, P256_COORDINATE_SIZE))
        set_key_error (error, _("The private key could not sign the client assertion"));
      else
        result = g_byte_array_free_to_bytes (g_steal_pointer (&raw));
      gnutls_free (r.data);
      gnutls_free (s.data);
    }
  else
    result = g_bytes_new (signature.data, signature.size);

  gnutls_free (signature.data);
  return result;
}

static GBytes *
sign_with_secret (const char *secret,
                  const char *input)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret));
  guint8 digest[32];
  gsize length = sizeof digest;

  g_hmac_update (hmac, (const guchar *) input, strlen (input));
  g_hmac_get_digest (hmac, digest, &length);
  return g_bytes_new (digest, length);
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

/**
 * bearer_client_assertion_create:
 * @auth: %BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT or %BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT
 * @alg: the profile's signing algorithm (%BEARER_SIGNING_ALG_AUTO lets the key choose)
 * @key_id: (nullable): the `kid` to put in the header
 * @client_id: the client id: `iss` and `sub`
 * @audience: `aud`: the endpoint's URL, or the issuer
 * @key: the private key as PEM (private_key_jwt) or the client secret (client_secret_jwt)
 * @now: seconds since the epoch: `iat`; `exp` is
 *   %BEARER_CLIENT_ASSERTION_LIFETIME later
 *
 * Returns: (transfer full): the signed JWT, or %NULL with
 *   %BEARER_ERROR_PRIVATE_KEY or %BEARER_ERROR_MISSING_PARAMETER; free it with
 *   bearer_secret_free()
 */
char *
bearer_client_assertion_create (BearerClientAuth   auth,
                                BearerSigningAlg   alg,
                                const char        *key_id,
                                const char        *client_id,
                                const char        *audience,
                                const char        *key,
                                gint64             now,
                                GError           **error)
{
  g_autoptr(JsonBuilder) header = json_builder_new_immutable ();
  g_autoptr(JsonBuilder) claims = json_builder_new_immutable ();
  g_autoptr(GString) input = NULL;
  g_autoptr(GBytes) signature = NULL;
  g_autofree char *jti = NULL;
  g_autofree char *encoded_header = NULL;
  g_autofree char *encoded_claims = NULL;
  g_autofree char *encoded_signature = NULL;
  BearerSigningAlg resolved;

  g_return_val_if_fail (auth == BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT ||
                        auth == BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT, NULL);
  g_return_val_if_fail (client_id != NULL && audience != NULL, NULL);

  if (auth == BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT && (key == NULL || *key == '\0'))
    {
      g_set_error_literal (error, BEARER_ERROR, BEARER_ERROR_MISSING_PARAMETER,
                           _("client_secret_jwt signs with the client secret: the request "
                             "needs one"));
      return NULL;
    }

  resolved = bearer_signing_alg_resolve (auth, alg, key, error);
  if (resolved == BEARER_SIGNING_ALG_AUTO)
    return NULL;

  if (!(jti = bearer_random_token (error)))
    return NULL;

  json_builder_begin_object (header);
  json_builder_set_member_name (header, "alg");
  json_builder_add_string_value (header, bearer_enum_to_nick (BEARER_TYPE_SIGNING_ALG, resolved));
  json_builder_set_member_name (header, "typ");
  json_builder_add_string_value (header, "JWT");
  if (key_id != NULL && *key_id != '\0')
    {
      json_builder_set_member_name (header, "kid");
      json_builder_add_string_value (header, key_id);
    }
  json_builder_end_object (header);

  json_builder_begin_object (claims);
  json_builder_set_member_name (claims, "iss");
  json_builder_add_string_value (claims, client_id);
  json_builder_set_member_name (claims, "sub");
  json_builder_add_string_value (claims, client_id);
  json_builder_set_member_name (claims, "aud");
  json_builder_add_string_value (claims, audience);
  json_builder_set_member_name (claims, "jti");
  json_builder_add_string_value (claims, jti);
  json_builder_set_member_name (claims, "iat");
  json_builder_add_int_value (claims, now);
  json_builder_set_member_name (claims, "exp");
  json_builder_add_int_value (claims, now + BEARER_CLIENT_ASSERTION_LIFETIME);
  json_builder_end_object (claims);

  encoded_header = encode_object (header);
  encoded_claims = encode_object (claims);
  input = g_string_new (encoded_header);
  g_string_append_c (input, '.');
  g_string_append (input, encoded_claims);

  if (resolved == BEARER_SIGNING_ALG_HS256)
    signature = sign_with_secret (key, input->str);
  else
    signature = bearer_jws_sign (key, resolved, input->str, error);
  if (signature == NULL)
    return NULL;

  encoded_signature = bearer_base64url_encode (g_bytes_get_data (signature, NULL),
                                               g_bytes_get_size (signature));
  g_string_append_c (input, '.');
  g_string_append (input, encoded_signature);
  return g_string_free (g_steal_pointer (&input), FALSE);
}
