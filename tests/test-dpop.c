/* test-dpop.c: DPoP proofs (RFC 9449) on the wire and in the refresh transaction
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each proof a real SoupServer received is checked as a server checks it:
 * its signature with GnuTLS against the public key in its own `jwk` header
 * (not against the private key the test holds), and every claim. The
 * refresh-transaction tests use the real keyring of the session.
 */
#include "config.h"

#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <json-glib/json-glib.h>
#include <libsecret/secret.h>

#include "bearer-client.h"
#include "bearer-dpop.h"
#include "bearer-error.h"
#include "bearer-jwt.h"
#include "bearer-pending-private.h"
#include "bearer-pkce.h"
#include "bearer-profile.h"
#include "bearer-redact.h"
#include "bearer-refresh.h"
#include "bearer-request-preview.h"
#include "bearer-secrets.h"
#include "bearer-test-cli.h"
#include "bearer-test-keyring.h"
#include "bearer-test-server.h"
#include "bearer-token-request.h"

#define CLIENT_ID "dpop-client"
#define USE_NONCE "{\"error\":\"use_dpop_nonce\",\"error_description\":\"Authorization server requires nonce in DPoP proof\"}"

static GPtrArray *created_ids;

static GBytes *
decode_part (const char *text)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes = bearer_base64url_decode (text, strlen (text), &error);

  g_assert_no_error (error);
  return bytes;
}

/* Checks @proof as a server does (RFC 9449 §4.3): its header, and its
 * signature against the `jwk` of that header. Returns its claims; the
 * header's JWK thumbprint goes to @thumbprint_out. */
static JsonObject *
verify_proof (const char  *proof,
              char       **jwk_x_out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GBytes) x = NULL;
  g_autoptr(GBytes) y = NULL;
  g_autoptr(GBytes) signature = NULL;
  JsonObject *jwk;
  gnutls_pubkey_t pubkey;
  gnutls_datum_t dx, dy, r, s, der = { NULL, 0 }, data;
  const char *last_dot;
  g_autofree char *tampered = NULL;

  g_assert_nonnull (proof);
  g_assert_true (bearer_jwt_decode (proof, &header, &claims, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (header, "typ"), ==, "dpop+jwt");
  g_assert_cmpstr (json_object_get_string_member (header, "alg"), ==, "ES256");
  jwk = json_object_get_object_member (header, "jwk");
  g_assert_nonnull (jwk);
  g_assert_cmpstr (json_object_get_string_member (jwk, "kty"), ==, "EC");
  g_assert_cmpstr (json_object_get_string_member (jwk, "crv"), ==, "P-256");
  /* The public key only. */
  g_assert_false (json_object_has_member (jwk, "d"));

  x = decode_part (json_object_get_string_member (jwk, "x"));
  y = decode_part (json_object_get_string_member (jwk, "y"));
  g_assert_cmpuint (g_bytes_get_size (x), ==, 32);
  g_assert_cmpuint (g_bytes_get_size (y), ==, 32);

  g_assert_cmpint (gnutls_pubkey_init (&pubkey), ==, 0);
  dx.data = (unsigned char *) g_bytes_get_data (x, NULL);
  dx.size = 32;
  dy.data = (unsigned char *) g_bytes_get_data (y, NULL);
  dy.size = 32;
  g_assert_cmpint (gnutls_pubkey_import_ecc_raw (pubkey, GNUTLS_ECC_CURVE_SECP256R1, &dx, &dy), ==, 0);

  last_dot = strrchr (proof, '.');
  signature = decode_part (last_dot + 1);
  g_assert_cmpuint (g_bytes_get_size (signature), ==, 64);
  r.data = (unsigned char *) g_bytes_get_data (signature, NULL);
  r.size = 32;
  s.data = r.data + 32;
  s.size = 32;
  g_assert_cmpint (gnutls_encode_rs_value (&der, &r, &s), ==, 0);

  data.data = (unsigned char *) proof;
  data.size = last_dot - proof;
  g_assert_cmpint (gnutls_pubkey_verify_data2 (pubkey, GNUTLS_SIGN_ECDSA_SHA256, 0, &data, &der), >=, 0);
  tampered = g_strndup (proof, last_dot - proof);
  tampered[data.size - 1] ^= 1;
  data.data = (unsigned char *) tampered;
  g_assert_cmpint (gnutls_pubkey_verify_data2 (pubkey, GNUTLS_SIGN_ECDSA_SHA256, 0, &data, &der), <, 0);

  gnutls_free (der.data);
  gnutls_pubkey_deinit (pubkey);

  if (jwk_x_out != NULL)
    *jwk_x_out = g_strdup (json_object_get_string_member (jwk, "x"));
  return g_steal_pointer (&claims);
}

static void
assert_claims (JsonObject *claims,
               const char *htm,
               const char *htu,
               const char *access_token,
               const char *nonce)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_cmpstr (json_object_get_string_member (claims, "htm"), ==, htm);
  g_assert_cmpstr (json_object_get_string_member (claims, "htu"), ==, htu);
  g_assert_cmpuint (strlen (json_object_get_string_member (claims, "jti")), >=, 32);
  g_assert_cmpint (ABS (json_object_get_int_member (claims, "iat") - now), <=, 5);
  if (access_token != NULL)
    {
      /* ath: base64url of the SHA-256 of the token, computed here by hand. */
      g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
      guint8 digest[32];
      gsize length = sizeof digest;
      g_autofree char *ath = NULL;

      g_checksum_update (checksum, (const guchar *) access_token, -1);
      g_checksum_get_digest (checksum, digest, &length);
      ath = bearer_base64url_encode (digest, length);
      g_assert_cmpstr (json_object_get_string_member (claims, "ath"), ==, ath);
    }
  else
    g_assert_false (json_object_has_member (claims, "ath"));
  if (nonce != NULL)
    g_assert_cmpstr (json_object_get_string_member (claims, "nonce"), ==, nonce);
  else
    g_assert_false (json_object_has_member (claims, "nonce"));
}

static void
test_proof (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = bearer_dpop_key_generate (&error);
  g_autofree char *proof1 = NULL;
  g_autofree char *proof2 = NULL;
  g_autofree char *x1 = NULL;
  g_autofree char *x2 = NULL;
  g_autoptr(JsonObject) claims1 = NULL;
  g_autoptr(JsonObject) claims2 = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_no_error (error);
  g_assert_nonnull (strstr (key, "-----BEGIN PRIVATE KEY-----"));
  g_assert_true (bearer_dpop_key_check (key, NULL));

  proof1 = bearer_dpop_proof_create (key, "get", "https://api.example.com/v1/me?x=1#top",
                                     "an-access-token", "server-nonce-1", now, &error);
  g_assert_no_error (error);
  claims1 = verify_proof (proof1, &x1);
  assert_claims (claims1, "GET", "https://api.example.com/v1/me", "an-access-token", "server-nonce-1");
  g_assert_null (strstr (proof1, "an-access-token"));

  proof2 = bearer_dpop_proof_create (key, "POST", "https://as.example.com/token", NULL, NULL, now, &error);
  g_assert_no_error (error);
  claims2 = verify_proof (proof2, &x2);
  assert_claims (claims2, "POST", "https://as.example.com/token", NULL, NULL);
  /* The same key, a fresh jti. */
  g_assert_cmpstr (x1, ==, x2);
  g_assert_cmpstr (json_object_get_string_member (claims1, "jti"), !=,
                   json_object_get_string_member (claims2, "jti"));
}

static void
test_bad_input (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = bearer_dpop_key_generate (NULL);
  char *proof;

  proof = bearer_dpop_proof_create (NULL, "GET", "https://a.example/", NULL, NULL, 0, &error);
  g_assert_null (proof);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_PRIVATE_KEY);
  g_clear_error (&error);

  proof = bearer_dpop_proof_create ("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",
                                    "GET", "https://a.example/", NULL, NULL, 0, &error);
  g_assert_null (proof);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_PRIVATE_KEY);
  g_assert_null (strstr (error->message, "bm90IGEga2V5"));
  g_clear_error (&error);

  proof = bearer_dpop_proof_create (key, "GET", "ftp://a.example/", NULL, NULL, 0, &error);
  g_assert_null (proof);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_URL);
}

static BearerTokenRequest *
new_request (BearerTestServer *server,
             BearerGrantType   grant,
             const char       *key)
{
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");
  BearerTokenRequest *request = bearer_token_request_new (grant, url);

  bearer_token_request_set_client (request, CLIENT_ID, "dpop-client-secret");
  bearer_token_request_set_client_auth (request, BEARER_CLIENT_AUTH_POST);
  bearer_token_request_set_dpop_key (request, key);
  if (grant == BEARER_GRANT_REFRESH_TOKEN)
    bearer_token_request_set_refresh_token (request, "the-refresh-token");
  return request;
}

static void
test_token_request (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerClient) client = bearer_client_new ();
  g_autofree char *key = bearer_dpop_key_generate (NULL);
  g_autoptr(BearerTokenRequest) request = new_request (server, BEARER_GRANT_CLIENT_CREDENTIALS, key);
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *htu = bearer_test_server_get_url (server, "/oauth/token");

  /* A query parameter on the token request is not part of htu. */
  bearer_token_request_add_parameter (request, BEARER_PARAM_QUERY, "tenant", "t1");
  bearer_test_server_script (server, 200, "application/json",
                             "{\"access_token\":\"dpop-bound\",\"token_type\":\"dpop\",\"expires_in\":300}");

  response = bearer_test_run_request (client, request, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bearer_token_response_get_token_type (response), ==, "DPoP");
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  g_assert_cmpstr (bearer_test_server_get_last_request (server)->query, ==, "tenant=t1");
  g_assert_cmpuint (bearer_test_server_count_last_header (server, "DPoP"), ==, 1);
  claims = verify_proof (bearer_test_server_get_last_header (server, "DPoP"), NULL);
  assert_claims (claims, "POST", htu, NULL, NULL);

  {
    g_autofree char *header = bearer_token_response_dup_authorization_header (response);

    g_assert_cmpstr (header, ==, "Authorization: DPoP dpop-bound");
  }
}

static void
test_no_key_no_proof (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerClient) client = bearer_client_new ();
  g_autoptr(BearerTokenRequest) request = new_request (server, BEARER_GRANT_CLIENT_CREDENTIALS, NULL);
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = bearer_dpop_key_generate (NULL);
  g_autofree char *url = bearer_test_server_get_url (server, "/revoke");
  g_autoptr(SoupMessage) message = NULL;

  response = bearer_test_run_request (client, request, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (bearer_test_server_get_last_header (server, "DPoP"));

  /* Revocation and introspection carry no proof (RFC 9449 is about the
   * token endpoint and resources). */
  bearer_token_request_set_dpop_key (request, key);
  message = bearer_token_request_build_about_token (request, url, "a-token", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (soup_message_headers_get_one (soup_message_get_request_headers (message), "DPoP"));
}

/* RFC 9449 §8: a 400 use_dpop_nonce with a nonce is answered by one more
 * request with that nonce in its proof, and the nonce is kept for later. */
static void
test_nonce_retry (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerClient) client = bearer_client_new ();
  g_autofree char *key = bearer_dpop_key_generate (NULL);
  g_autoptr(BearerTokenRequest) request = new_request (server, BEARER_GRANT_REFRESH_TOKEN, key);
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *htu = bearer_test_server_get_url (server, "/oauth/token");
  g_autofree char *body = NULL;

  bearer_test_server_script (server, 400, "application/json", USE_NONCE);
  bearer_test_server_script_header (server, "DPoP-Nonce", "nonce-one");
  bearer_test_server_script (server, 200, "application/json",
                             "{\"access_token\":\"at-2\",\"token_type\":\"DPoP\",\"refresh_token\":\"rt-2\"}");
  bearer_test_server_script_header (server, "DPoP-Nonce", "nonce-two");

  response = bearer_test_run_request (client, request, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bearer_token_response_get_refresh_token (response), ==, "rt-2");
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 2);
  claims = verify_proof (bearer_test_server_get_last_header (server, "DPoP"), NULL);
  assert_claims (claims, "POST", htu, NULL, "nonce-one");
  body = bearer_test_server_dup_last_body (server);
  g_assert_nonnull (strstr (body, "refresh_token=the-refresh-token"));

  /* The next request starts with the latest nonce: one request only. */
  g_clear_object (&response);
  g_clear_pointer (&claims, json_object_unref);
  bearer_test_server_script (server, 200, "application/json",
                             "{\"access_token\":\"at-3\",\"token_type\":\"DPoP\"}");
  response = bearer_test_run_request (client, request, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 3);
  claims = verify_proof (bearer_test_server_get_last_header (server, "DPoP"), NULL);
  assert_claims (claims, "POST", htu, NULL, "nonce-two");
}

/* A server that wants a nonce again and again gets exactly one retry. */
static void
test_nonce_once (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerClient) client = bearer_client_new ();
  g_autofree char *key = bearer_dpop_key_generate (NULL);
  g_autoptr(BearerTokenRequest) request = new_request (server, BEARER_GRANT_CLIENT_CREDENTIALS, key);
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  bearer_test_server_script (server, 400, "application/json", USE_NONCE);
  bearer_test_server_script_header (server, "DPoP-Nonce", "always-another");

  response = bearer_test_run_request (client, request, NULL, &error);
  g_assert_null (response);
  g_assert_nonnull (error);
  g_assert_cmpstr (bearer_error_get_oauth_code (error), ==, "use_dpop_nonce");
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 2);

  /* Without a nonce to use, no retry at all. */
  {
    g_autoptr(BearerTestServer) bare = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
    g_autofree char *other_key = bearer_dpop_key_generate (NULL);
    g_autoptr(BearerTokenRequest) other = new_request (bare, BEARER_GRANT_CLIENT_CREDENTIALS, other_key);

    g_clear_error (&error);
    bearer_test_server_script (bare, 400, "application/json", USE_NONCE);
    response = bearer_test_run_request (client, other, NULL, &error);
    g_assert_null (response);
    g_assert_cmpstr (bearer_error_get_oauth_code (error), ==, "use_dpop_nonce");
    g_assert_cmpuint (bearer_test_server_get_request_count (bare), ==, 1);
  }
}

static void
test_warning (void)
{
  g_autofree char *warning = bearer_dpop_dup_token_type_warning (TRUE, "Bearer");

  g_assert_nonnull (warning);
  g_assert_nonnull (strstr (warning, "DPoP"));
  g_assert_null (bearer_dpop_dup_token_type_warning (TRUE, "DPoP"));
  g_assert_null (bearer_dpop_dup_token_type_warning (FALSE, "Bearer"));
}

/* Tokens the keyring refused wait in a file of the runtime folder: the
 * DPoP key, a secret that is not a token, never goes there; the token type
 * DPoP does. */
static void
test_pending_file (void)
{
  g_autofree char *key = bearer_dpop_key_generate (NULL);
  g_autofree char *line = g_strndup (strchr (key, '\n') + 1, 40);
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  g_autoptr(BearerSecrets) loaded = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = bearer_pending_dir ();
  g_autoptr(GDir) d = NULL;
  const char *name;
  guint files = 0;

  bearer_secrets_set_dpop_key (secrets, key);
  bearer_secrets_set_refresh_token (secrets, "pending-refresh-token");
  bearer_secrets_set_access_token (secrets, "pending-access-token", "DPoP", 4102444800, NULL);
  g_assert_true (bearer_pending_save ("dpop-pending", secrets, &error));
  g_assert_no_error (error);

  d = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *text = NULL;

      g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
      g_assert_null (strstr (text, line));
      g_assert_null (strstr (text, "dpop_key"));
      files++;
    }
  g_assert_cmpuint (files, >, 0);

  loaded = bearer_pending_load ("dpop-pending");
  g_assert_nonnull (loaded);
  g_assert_null (bearer_secrets_get_dpop_key (loaded));
  g_assert_cmpstr (bearer_secrets_get_token_type (loaded), ==, "DPoP");
  bearer_pending_clear ("dpop-pending");
}

/* The request preview: the proof is a placeholder, with a word on what it
 * is; the key never reaches a snippet, even with the secrets. */
static void
test_preview (void)
{
  g_autoptr(BearerProfile) profile = bearer_profile_new ("preview");
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  g_autofree char *key = bearer_dpop_key_generate (NULL);
  g_autofree char *line = g_strndup (strchr (key, '\n') + 1, 40);
  const BearerSnippetLanguage languages[] = { BEARER_SNIPPET_CURL, BEARER_SNIPPET_PYTHON, BEARER_SNIPPET_NODE };

  bearer_profile_set_token_url (profile, "https://id.example.com/token");
  bearer_profile_set_client_id (profile, CLIENT_ID);
  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_POST);
  bearer_profile_set_dpop (profile, TRUE);
  bearer_secrets_set_client_secret (secrets, "preview-secret");
  bearer_secrets_set_refresh_token (secrets, "preview-refresh");
  bearer_secrets_set_dpop_key (secrets, key);

  for (guint i = 0; i < G_N_ELEMENTS (languages); i++)
    for (guint with = 0; with < 2; with++)
      {
        g_autoptr(GError) error = NULL;
        char *text = bearer_request_preview (profile, with ? secrets : NULL, languages[i], &error);

        g_assert_no_error (error);
        g_assert_nonnull (strstr (text, "DPoP"));
        g_assert_nonnull (strstr (text, BEARER_PLACEHOLDER_DPOP_PROOF));
        g_assert_nonnull (strstr (text, "stands for a DPoP proof"));
        g_assert_null (strstr (text, line));
        g_assert_null (strstr (text, "eyJ0eXAiOiJkcG9wK2p3dCI"));
        bearer_secret_free (text);
      }

  bearer_profile_set_dpop (profile, FALSE);
  {
    char *text = bearer_request_preview (profile, NULL, BEARER_SNIPPET_CURL, NULL);

    g_assert_null (strstr (text, BEARER_PLACEHOLDER_DPOP_PROOF));
    bearer_secret_free (text);
  }
}

/* ---- the refresh transaction, with the session's keyring --------------- */

typedef struct {
  GAsyncResult *result;
} Wait;

static void
waited_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
}

static GAsyncResult *
wait_for (Wait *wait)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (wait->result == NULL)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("An async call did not finish within 60 s");
      g_main_context_iteration (NULL, TRUE);
    }
  return wait->result;
}

static BearerRefreshResult *
refresh (BearerProfile  *profile,
         GError        **error)
{
  Wait wait = { NULL };
  BearerRefreshResult *result;

  bearer_refresh_async (profile, BEARER_REFRESH_FORCE, 0, NULL, waited_cb, &wait);
  result = bearer_refresh_finish (wait_for (&wait), error);
  g_clear_object (&wait.result);
  return result;
}

static BearerProfile *
dpop_profile (BearerTestServer *server)
{
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");
  BearerProfile *profile = bearer_profile_new ("dpop test");

  bearer_profile_set_token_url (profile, url);
  bearer_profile_set_client_id (profile, CLIENT_ID);
  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_POST);
  bearer_profile_set_grant_type (profile, BEARER_GRANT_REFRESH_TOKEN);
  bearer_profile_set_dpop (profile, TRUE);
  g_ptr_array_add (created_ids, g_strdup (bearer_profile_get_id (profile)));
  return profile;
}

/* The key is made and stored on the first refresh; the nonce retry goes
 * through the same transaction and the refresh token is spent once. */
static void
test_refresh_transaction (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  g_autoptr(BearerSecrets) after = NULL;
  g_autoptr(BearerSecrets) after2 = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(BearerRefreshResult) result2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(JsonObject) claims2 = NULL;
  g_autofree char *x1 = NULL;
  g_autofree char *x2 = NULL;
  g_autofree char *thumbprint = NULL;
  g_autofree char *body = NULL;

  if (!bearer_test_require_keyring ())
    return;

  profile = dpop_profile (server);
  bearer_secrets_set_refresh_token (secrets, "rt-1");
  bearer_test_keyring_store (profile, secrets);

  bearer_test_server_script (server, 400, "application/json", USE_NONCE);
  bearer_test_server_script_header (server, "DPoP-Nonce", "n-1");
  bearer_test_server_script (server, 200, "application/json",
                             "{\"access_token\":\"at-1\",\"token_type\":\"DPoP\",\"refresh_token\":\"rt-2\"}");

  result = refresh (profile, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 2);
  body = bearer_test_server_dup_last_body (server);
  g_assert_nonnull (strstr (body, "refresh_token=rt-1"));
  claims = verify_proof (bearer_test_server_get_last_header (server, "DPoP"), &x1);
  g_assert_cmpstr (json_object_get_string_member (claims, "nonce"), ==, "n-1");

  after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (after), ==, "rt-2");
  g_assert_cmpstr (bearer_secrets_get_access_token (after), ==, "at-1");
  g_assert_cmpstr (bearer_secrets_get_token_type (after), ==, "DPoP");
  g_assert_nonnull (bearer_secrets_get_dpop_key (after));
  thumbprint = bearer_dpop_key_thumbprint (bearer_secrets_get_dpop_key (after), &error);
  g_assert_no_error (error);
  g_assert_nonnull (thumbprint);

  /* The next refresh signs with the same stored key, and the nonce kept in
   * memory: one request. */
  bearer_test_server_script (server, 200, "application/json",
                             "{\"access_token\":\"at-2\",\"token_type\":\"DPoP\",\"refresh_token\":\"rt-3\"}");
  result2 = refresh (profile, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 3);
  claims2 = verify_proof (bearer_test_server_get_last_header (server, "DPoP"), &x2);
  g_assert_cmpstr (x1, ==, x2);
  g_assert_cmpstr (json_object_get_string_member (claims2, "nonce"), ==, "n-1");
  after2 = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_cmpstr (bearer_secrets_get_dpop_key (after2), ==, bearer_secrets_get_dpop_key (after));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (after2), ==, "rt-3");
}

/* DPoP off: no key is made, no proof is sent. */
static void
test_refresh_off (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  g_autoptr(BearerSecrets) after = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (!bearer_test_require_keyring ())
    return;

  profile = dpop_profile (server);
  bearer_profile_set_dpop (profile, FALSE);
  bearer_secrets_set_refresh_token (secrets, "rt-1");
  bearer_test_keyring_store (profile, secrets);
  result = refresh (profile, &error);
  g_assert_no_error (error);
  g_assert_null (bearer_test_server_get_last_header (server, "DPoP"));
  after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_null (bearer_secrets_get_dpop_key (after));
}

/* ---- bearer-cli --------------------------------------------------------- */

static char *
cli (BearerTestSandbox *sandbox,
     int                status,
     const char        *stdin_text,
     char             **err,
     ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  BearerTestProc *proc;
  const char *arg;
  char *out;
  va_list ap;

  va_start (ap, err);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  proc = bearer_test_proc_start (sandbox, stdin_text, (const char * const *) args->pdata);
  bearer_test_procs_wait (&proc, 1);
  if (proc->status != status)
    g_error ("bearer-cli %s: exit %d, not %d\n%s\n%s", (char *) args->pdata[0], proc->status,
             status, proc->out, proc->err);
  out = g_steal_pointer (&proc->out);
  if (err != NULL)
    *err = g_steal_pointer (&proc->err);
  bearer_test_proc_free (proc);
  return out;
}

typedef struct {
  guint requests;
  char *method;
  char *authorization;
  char *dpop;
} Api;

static void
api_cb (SoupServer        *soup,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  Api *api = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  api->requests++;
  g_free (api->method);
  api->method = g_strdup (soup_server_message_get_method (msg));
  g_free (api->authorization);
  api->authorization = g_strdup (soup_message_headers_get_one (headers, "Authorization"));
  g_free (api->dpop);
  api->dpop = g_strdup (soup_message_headers_get_one (headers, "DPoP"));
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "api-ok\n", 7);
}

/* add --dpop; token --format header [--dpop-url]; curl with a proof for
 * its own request; set --no-dpop. */
static void
test_cli (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerTestSandbox) sandbox = NULL;
  g_autoptr(SoupServer) api_server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autofree char *token_url = bearer_test_server_get_url (server, "/oauth/token");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *api_url = NULL;
  g_autofree char *api_query_url = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *x1 = NULL;
  g_autofree char *x2 = NULL;
  g_autofree char *curl = g_find_program_in_path ("curl");
  g_auto(GStrv) lines = NULL;
  Api api = { 0 };
  GSList *uris;

  if (!bearer_test_require_session ())
    return;
  g_assert_nonnull (curl);

  sandbox = bearer_test_sandbox_new ("bearer-test-dpop", FALSE);
  out = cli (sandbox, 0, NULL, NULL, "help", NULL);
  g_assert_nonnull (strstr (out, "--dpop-url URL"));
  g_assert_nonnull (strstr (out, "--dpop, --no-dpop"));
  g_clear_pointer (&out, g_free);
  bearer_test_server_script (server, 200, "application/json",
                             "{\"access_token\":\"cli-dpop-token\",\"token_type\":\"DPoP\",\"expires_in\":3600}");

  g_free (cli (sandbox, 0, NULL, NULL, "add", "dp", "--token-url", token_url, "--client-id", CLIENT_ID,
               "--auth", "post", "--grant", "client_credentials", "--dpop", NULL));
  g_free (cli (sandbox, 0, "dpop-client-secret\n", NULL, "set-secret", "dp", "client-secret", NULL));

  out = cli (sandbox, 0, NULL, &err, "token", "dp", "--format", "header", NULL);
  g_assert_cmpstr (out, ==, "Authorization: DPoP cli-dpop-token\n");
  g_assert_cmpstr (err, ==, "");
  /* The token request carried a proof. */
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  g_clear_pointer (&claims, json_object_unref);
  claims = verify_proof (bearer_test_server_get_last_header (server, "DPoP"), &x1);
  assert_claims (claims, "POST", token_url, NULL, NULL);

  /* The proof for a resource request, with the same key. */
  g_clear_pointer (&out, g_free);
  out = cli (sandbox, 0, NULL, NULL, "token", "dp", "--format", "header",
             "--dpop-url", "https://api.example.com/v1/items?page=2", "--dpop-method", "DELETE", NULL);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpstr (lines[0], ==, "Authorization: DPoP cli-dpop-token");
  g_assert_true (g_str_has_prefix (lines[1], "DPoP: "));
  g_assert_cmpstr (lines[2], ==, "");
  g_clear_pointer (&claims, json_object_unref);
  claims = verify_proof (lines[1] + strlen ("DPoP: "), &x2);
  assert_claims (claims, "DELETE", "https://api.example.com/v1/items", "cli-dpop-token", NULL);
  g_assert_cmpstr (x1, ==, x2);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);

  /* Usage errors. */
  g_free (cli (sandbox, 2, NULL, NULL, "token", "dp", "--dpop-url", "https://a.example/", NULL));
  g_free (cli (sandbox, 2, NULL, NULL, "token", "dp", "--format", "header", "--dpop-method", "GET", NULL));

  /* curl: the proof names curl's own method and URL. */
  api_server = soup_server_new (NULL, NULL);
  soup_server_add_handler (api_server, "/api", api_cb, &api, NULL);
  soup_server_listen_local (api_server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (api_server);
  api_url = g_strdup_printf ("http://127.0.0.1:%u/api/users/1", g_uri_get_port (uris->data));
  api_query_url = g_strdup_printf ("%s?fields=name", api_url);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_clear_pointer (&out, g_free);
  out = cli (sandbox, 0, NULL, NULL, "curl", "dp", "--", "-s", "-S", "-H", "X-Other: https://elsewhere.example/",
             api_query_url, NULL);
  g_assert_cmpstr (out, ==, "api-ok\n");
  g_assert_cmpuint (api.requests, ==, 1);
  g_assert_cmpstr (api.authorization, ==, "DPoP cli-dpop-token");
  g_clear_pointer (&claims, json_object_unref);
  claims = verify_proof (api.dpop, NULL);
  assert_claims (claims, "GET", api_url, "cli-dpop-token", NULL);

  g_clear_pointer (&out, g_free);
  out = cli (sandbox, 0, NULL, NULL, "curl", "dp", "--", "-s", "-d", "a=b", api_url, NULL);
  g_assert_cmpstr (api.method, ==, "POST");
  g_clear_pointer (&claims, json_object_unref);
  claims = verify_proof (api.dpop, NULL);
  assert_claims (claims, "POST", api_url, "cli-dpop-token", NULL);

  /* No URL for the proof: refused before curl runs. */
  g_clear_pointer (&out, g_free);
  out = cli (sandbox, 2, NULL, NULL, "curl", "dp", "--", "-s", NULL);
  g_assert_cmpuint (api.requests, ==, 2);

  /* DPoP off, and a Bearer token back: no proof, and no warning. */
  g_free (cli (sandbox, 0, NULL, NULL, "set", "dp", "--no-dpop", NULL));
  bearer_test_server_script (server, 200, "application/json",
                             "{\"access_token\":\"plain-token\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  out = cli (sandbox, 0, NULL, &err, "refresh", "dp", "--format", "header", NULL);
  g_assert_cmpstr (out, ==, "Authorization: Bearer plain-token\n");
  g_assert_null (bearer_test_server_get_last_header (server, "DPoP"));
  g_assert_null (strstr (err, "DPoP"));

  /* DPoP on, and the server ignores it: a warning, not an error. */
  g_free (cli (sandbox, 0, NULL, NULL, "set", "dp", "--dpop", NULL));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  out = cli (sandbox, 0, NULL, &err, "refresh", "dp", "--format", "header", NULL);
  g_assert_cmpstr (out, ==, "Authorization: Bearer plain-token\n");
  g_assert_nonnull (bearer_test_server_get_last_header (server, "DPoP"));
  g_assert_nonnull (strstr (err, "Warning: "));
  g_assert_nonnull (strstr (err, "not bound"));
  expected = NULL;

  soup_server_disconnect (api_server);
  g_free (api.method);
  g_free (api.authorization);
  g_free (api.dpop);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  created_ids = g_ptr_array_new_with_free_func (g_free);

  g_test_add_func ("/bearer/dpop/proof", test_proof);
  g_test_add_func ("/bearer/dpop/bad-input", test_bad_input);
  g_test_add_func ("/bearer/dpop/token-request", test_token_request);
  g_test_add_func ("/bearer/dpop/no-key-no-proof", test_no_key_no_proof);
  g_test_add_func ("/bearer/dpop/nonce-retry", test_nonce_retry);
  g_test_add_func ("/bearer/dpop/nonce-once", test_nonce_once);
  g_test_add_func ("/bearer/dpop/warning", test_warning);
  g_test_add_func ("/bearer/dpop/pending-file", test_pending_file);
  g_test_add_func ("/bearer/dpop/preview", test_preview);
  g_test_add_func ("/bearer/dpop/refresh-transaction", test_refresh_transaction);
  g_test_add_func ("/bearer/dpop/refresh-off", test_refresh_off);
  g_test_add_func ("/bearer/dpop/cli", test_cli);

  status = g_test_run ();
  bearer_test_delete_keyring_items (created_ids);
  g_ptr_array_unref (created_ids);
  return status;
}
