/* bearer-test-keys.c: private keys made at test time, and client assertions checked
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "bearer-enum-types.h"
#include "bearer-jwt.h"
#include "bearer-test-keys.h"

char *
bearer_test_key_new_pem (BearerTestKeyKind kind)
{
  gnutls_x509_privkey_t key;
  gnutls_datum_t out = { NULL, 0 };
  gnutls_pk_algorithm_t pk;
  unsigned int bits;
  char *pem;

  switch (kind)
    {
    case BEARER_TEST_KEY_RSA_2048:
      pk = GNUTLS_PK_RSA;
      bits = 2048;
      break;
    case BEARER_TEST_KEY_RSA_1024:
      pk = GNUTLS_PK_RSA;
      bits = 1024;
      break;
    case BEARER_TEST_KEY_EC_P256:
      pk = GNUTLS_PK_ECDSA;
      bits = GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1);
      break;
    case BEARER_TEST_KEY_EC_P384:
      pk = GNUTLS_PK_ECDSA;
      bits = GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP384R1);
      break;
    case BEARER_TEST_KEY_ED25519:
      pk = GNUTLS_PK_EDDSA_ED25519;
      bits = GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_ED25519);
      break;
    default:
      g_assert_not_reached ();
    }

  g_assert_cmpint (gnutls_x509_privkey_init (&key), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_generate (key, pk, bits, 0), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL,
                                                      GNUTLS_PKCS_PLAIN, &out), ==, 0);
  pem = g_strndup ((const char *) out.data, out.size);
  gnutls_free (out.data);
  gnutls_x509_privkey_deinit (key);
  return pem;
}

static GBytes *
decode_part (const char *start,
             gsize       length)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = bearer_base64url_decode (start, length, &error);

  g_assert_no_error (error);
  return bytes;
}

JsonObject *
bearer_test_assertion_verify (const char        *assertion,
                              BearerSigningAlg   alg,
                              const char        *key,
                              JsonObject       **header_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GBytes) signature = NULL;
  const char *last_dot;
  gsize input_length;

  g_assert_nonnull (assertion);
  g_assert_true (bearer_jwt_decode (assertion, &header, &claims, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (header, "alg"), ==,
                   bearer_enum_to_nick (BEARER_TYPE_SIGNING_ALG, alg));
  g_assert_cmpstr (json_object_get_string_member (header, "typ"), ==, "JWT");

  last_dot = strrchr (assertion, '.');
  input_length = last_dot - assertion;
  signature = decode_part (last_dot + 1, strlen (last_dot + 1));

  if (alg == BEARER_SIGNING_ALG_HS256)
    {
      g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) key, strlen (key));
      guint8 digest[32];
      gsize length = sizeof digest;

      g_hmac_update (hmac, (const guchar *) assertion, input_length);
      g_hmac_get_digest (hmac, digest, &length);
      g_assert_cmpmem (g_bytes_get_data (signature, NULL), g_bytes_get_size (signature), digest, length);
    }
  else
    {
      gnutls_privkey_t privkey;
      gnutls_pubkey_t pubkey;
      gnutls_datum_t pem = { (unsigned char *) key, strlen (key) };
      gnutls_datum_t data = { (unsigned char *) assertion, input_length };
      gnutls_datum_t sig = { (unsigned char *) g_bytes_get_data (signature, NULL),
                             g_bytes_get_size (signature) };
      gnutls_datum_t der = { NULL, 0 };
      gnutls_sign_algorithm_t sign;

      g_assert_cmpint (gnutls_privkey_init (&privkey), ==, 0);
      g_assert_cmpint (gnutls_privkey_import_x509_raw (privkey, &pem, GNUTLS_X509_FMT_PEM, NULL, 0), ==, 0);
      g_assert_cmpint (gnutls_pubkey_init (&pubkey), ==, 0);
      g_assert_cmpint (gnutls_pubkey_import_privkey (pubkey, privkey, 0, 0), ==, 0);

      switch (alg)
        {
        case BEARER_SIGNING_ALG_RS256:
          sign = GNUTLS_SIGN_RSA_SHA256;
          break;
        case BEARER_SIGNING_ALG_PS256:
          sign = GNUTLS_SIGN_RSA_PSS_RSAE_SHA256;
          break;
        case BEARER_SIGNING_ALG_ES256:
          {
            /* JOSE's R||S, each 32 bytes, back to DER for GnuTLS. */
            gnutls_datum_t r = { sig.data, 32 };
            gnutls_datum_t s = { sig.data + 32, 32 };

            g_assert_cmpuint (sig.size, ==, 64);
            g_assert_cmpint (gnutls_encode_rs_value (&der, &r, &s), ==, 0);
            sig = der;
            sign = GNUTLS_SIGN_ECDSA_SHA256;
          }
          break;
        default:
          g_assert_not_reached ();
        }

      g_assert_cmpint (gnutls_pubkey_verify_data2 (pubkey, sign, 0, &data, &sig), >=, 0);
      /* And a changed byte fails. */
      {
        g_autofree char *tampered = g_strndup (assertion, input_length);

        tampered[input_length - 1] ^= 1;
        data.data = (unsigned char *) tampered;
        g_assert_cmpint (gnutls_pubkey_verify_data2 (pubkey, sign, 0, &data, &sig), <, 0);
      }

      gnutls_free (der.data);
      gnutls_pubkey_deinit (pubkey);
      gnutls_privkey_deinit (privkey);
    }

  if (header_out != NULL)
    *header_out = g_steal_pointer (&header);
  return g_steal_pointer (&claims);
}
