/* test-client-assertion.c: private_key_jwt and client_secret_jwt on the wire
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each request goes to a real SoupServer; the assertion it received is then
 * checked: its signature with GnuTLS (RS256, PS256, ES256) or GLib's HMAC
 * (HS256), and every claim. Keys are made at test time.
 */
#include "config.h"

#include <string.h>

#include "bearer-client.h"
#include "bearer-client-assertion.h"
#include "bearer-enum-types.h"
#include "bearer-error.h"
#include "bearer-profile.h"
#include "bearer-test-keys.h"
#include "bearer-test-server.h"
#include "bearer-token-request.h"

#define CLIENT_ID "jwt-client"
#define CLIENT_SECRET "a client secret of at least thirty-two bytes, for HS256"
#define KEY_ID "key-2026-12"

static char *rsa_key;
static char *ec_key;

static GHashTable *
last_form (BearerTestServer *server)
{
  g_autofree char *body = bearer_test_server_dup_last_body (server);
  GHashTable *form = g_uri_parse_params (body, -1, "&", G_URI_PARAMS_WWW_FORM, NULL);

  g_assert_nonnull (form);
  return form;
}

static BearerTokenRequest *
new_request (BearerTestServer *server,
             BearerGrantType   grant,
             BearerClientAuth  auth,
             BearerSigningAlg  alg,
             const char       *key)
{
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");
  BearerTokenRequest *request = bearer_token_request_new (grant, url);

  bearer_token_request_set_client (request, CLIENT_ID,
                                   auth == BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT ? key : NULL);
  bearer_token_request_set_client_auth (request, auth);
  if (auth == BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT)
    bearer_token_request_set_private_key (request, key);
  bearer_token_request_set_assertion (request, alg, KEY_ID, NULL);
  if (grant == BEARER_GRANT_REFRESH_TOKEN)
    bearer_token_request_set_refresh_token (request, "the-refresh-token");
  return request;
}

static void
send_ok (BearerTokenRequest *request)
{
  g_autoptr(BearerClient) client = bearer_client_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BearerTokenResponse) response = bearer_test_run_request (client, request, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (response);
}

/* The claims of RFC 7523 §3, for this client and audience, valid now. */
static void
assert_claims (JsonObject *claims,
               const char *audience)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 iat = json_object_get_int_member (claims, "iat");

  g_assert_cmpstr (json_object_get_string_member (claims, "iss"), ==, CLIENT_ID);
  g_assert_cmpstr (json_object_get_string_member (claims, "sub"), ==, CLIENT_ID);
  g_assert_cmpstr (json_object_get_string_member (claims, "aud"), ==, audience);
  g_assert_cmpuint (strlen (json_object_get_string_member (claims, "jti")), >=, 32);
  g_assert_cmpint (iat, <=, now);
  g_assert_cmpint (iat, >=, now - 10);
  g_assert_cmpint (json_object_get_int_member (claims, "exp"), ==, iat + BEARER_CLIENT_ASSERTION_LIFETIME);
  g_assert_cmpuint (json_object_get_size (claims), ==, 6);
}

typedef struct {
  BearerClientAuth auth;
  BearerSigningAlg alg;         /* as the profile says */
  BearerSigningAlg expected;    /* as the header says */
  char **key;
} AlgCase;

static const char *
case_key (const AlgCase *c)
{
  return c->key != NULL ? *c->key : CLIENT_SECRET;
}

static void
test_signed (gconstpointer data)
{
  const AlgCase *c = data;
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(GHashTable) form = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(JsonObject) header = NULL;
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");

  request = new_request (server, BEARER_GRANT_REFRESH_TOKEN, c->auth, c->alg, case_key (c));
  send_ok (request);

  form = last_form (server);
  g_assert_cmpstr (g_hash_table_lookup (form, "grant_type"), ==, "refresh_token");
  g_assert_cmpstr (g_hash_table_lookup (form, "client_id"), ==, CLIENT_ID);
  g_assert_cmpstr (g_hash_table_lookup (form, "client_assertion_type"), ==,
                   "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  g_assert_false (g_hash_table_contains (form, "client_secret"));
  g_assert_null (bearer_test_server_get_last_header (server, "Authorization"));

  claims = bearer_test_assertion_verify (g_hash_table_lookup (form, "client_assertion"),
                                         c->expected, case_key (c), &header);
  g_assert_cmpstr (json_object_get_string_member (header, "kid"), ==, KEY_ID);
  g_assert_cmpuint (json_object_get_size (header), ==, 3);
  assert_claims (claims, url);
}

/* Each message gets its own assertion: a server refuses a jti it saw. */
static void
test_fresh_jti (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(GHashTable) first = NULL;
  g_autoptr(GHashTable) second = NULL;
  g_autoptr(JsonObject) claims1 = NULL;
  g_autoptr(JsonObject) claims2 = NULL;

  request = new_request (server, BEARER_GRANT_CLIENT_CREDENTIALS, BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT,
                         BEARER_SIGNING_ALG_AUTO, CLIENT_SECRET);
  send_ok (request);
  first = last_form (server);
  send_ok (request);
  second = last_form (server);

  claims1 = bearer_test_assertion_verify (g_hash_table_lookup (first, "client_assertion"),
                                          BEARER_SIGNING_ALG_HS256, CLIENT_SECRET, NULL);
  claims2 = bearer_test_assertion_verify (g_hash_table_lookup (second, "client_assertion"),
                                          BEARER_SIGNING_ALG_HS256, CLIENT_SECRET, NULL);
  g_assert_cmpstr (json_object_get_string_member (claims1, "jti"), !=,
                   json_object_get_string_member (claims2, "jti"));
}

/* No kid when the profile names none; a JSON body carries the assertion too. */
static void
test_no_kid_json_body (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autofree char *body = NULL;
  JsonObject *object;

  request = new_request (server, BEARER_GRANT_CLIENT_CREDENTIALS, BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT,
                         BEARER_SIGNING_ALG_ES256, ec_key);
  bearer_token_request_set_assertion (request, BEARER_SIGNING_ALG_ES256, NULL, NULL);
  bearer_token_request_set_body_encoding (request, BEARER_BODY_JSON);
  send_ok (request);

  body = bearer_test_server_dup_last_body (server);
  g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  claims = bearer_test_assertion_verify (json_object_get_string_member (object, "client_assertion"),
                                         BEARER_SIGNING_ALG_ES256, ec_key, &header);
  g_assert_false (json_object_has_member (header, "kid"));
}

/* The profile can say the issuer is the audience; the device authorization
 * request's audience is its own endpoint. */
static void
test_audience (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = bearer_profile_new ("issuer audience");
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autoptr(GHashTable) form = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");
  g_autofree char *device_url = bearer_test_server_get_url (server, "/device");
  GBytes *body;
  g_autofree char *text = NULL;

  bearer_profile_set_token_url (profile, url);
  bearer_profile_set_issuer (profile, "https://issuer.example");
  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT);
  bearer_profile_set_assertion_audience_issuer (profile, TRUE);
  request = bearer_profile_create_request (profile, BEARER_GRANT_CLIENT_CREDENTIALS);
  bearer_token_request_set_client (request, CLIENT_ID, CLIENT_SECRET);
  send_ok (request);
  form = last_form (server);
  claims = bearer_test_assertion_verify (g_hash_table_lookup (form, "client_assertion"),
                                         BEARER_SIGNING_ALG_HS256, CLIENT_SECRET, NULL);
  g_assert_cmpstr (json_object_get_string_member (claims, "aud"), ==, "https://issuer.example");

  g_clear_pointer (&claims, json_object_unref);
  g_clear_pointer (&form, g_hash_table_unref);
  bearer_profile_set_assertion_audience_issuer (profile, FALSE);
  g_clear_object (&request);
  request = bearer_profile_create_request (profile, BEARER_GRANT_DEVICE_CODE);
  bearer_token_request_set_client (request, CLIENT_ID, CLIENT_SECRET);
  message = bearer_token_request_build_device_authorization (request, device_url, &error);
  g_assert_no_error (error);
  body = bearer_token_request_peek_message_body (message);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  form = g_uri_parse_params (text, -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
  claims = bearer_test_assertion_verify (g_hash_table_lookup (form, "client_assertion"),
                                         BEARER_SIGNING_ALG_HS256, CLIENT_SECRET, NULL);
  assert_claims (claims, device_url);
}

typedef struct {
  const char *name;
  BearerClientAuth auth;
  BearerSigningAlg alg;
  BearerTestKeyKind kind;       /* when key is NULL */
  const char *key;
  BearerError code;
} BadCase;

static const char encrypted_key[] =
  "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
  "MIIFLTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQIZmFrZWZha2UCAggA\n"
  "-----END ENCRYPTED PRIVATE KEY-----\n";

static const char not_a_key[] =
  "-----BEGIN PRIVATE KEY-----\n"
  "bm90IGEga2V5IGF0IGFsbCwganVzdCB0ZXh0IGluIGEgUEVNIGFybW91cg==\n"
  "-----END PRIVATE KEY-----\n";

static const BadCase bad_cases[] = {
  { "no-key", BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT, BEARER_SIGNING_ALG_AUTO, 0, "", BEARER_ERROR_PRIVATE_KEY },
  { "garbage", BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT, BEARER_SIGNING_ALG_AUTO, 0, not_a_key, BEARER_ERROR_PRIVATE_KEY },
  { "plain-text", BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT, BEARER_SIGNING_ALG_RS256, 0, "my secret", BEARER_ERROR_PRIVATE_KEY },
  { "encrypted", BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT, BEARER_SIGNING_ALG_RS256, 0, encrypted_key, BEARER_ERROR_PRIVATE_KEY },
  { "ec-key-rs256", BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT, BEARER_SIGNING_ALG_RS256, BEARER_TEST_KEY_EC_P256, NULL, BEARER_ERROR_PRIVATE_KEY },
  { "ec-key-ps256", BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT, BEARER_SIGNING_ALG_PS256, BEARER_TEST_KEY_EC_P256, NULL, BEARER_ERROR_PRIVATE_KEY },
  { "rsa-key-es256", BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT, BEARER_SIGNING_ALG_ES256, BEARER_TEST_KEY_RSA_2048, NULL, BEARER_ERROR_PRIVATE_KEY },
  { "p384-key-es256", BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT, BEARER_SIGNING_ALG_ES256, BEARER_TEST_KEY_EC_P384, NULL, BEARER_ERROR_PRIVATE_KEY },
  { "p384-key-auto", BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT, BEARER_SIGNING_ALG_AUTO, BEARER_TEST_KEY_EC_P384, NULL, BEARER_ERROR_PRIVATE_KEY },
  { "ed25519-key", BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT, BEARER_SIGNING_ALG_AUTO, BEARER_TEST_KEY_ED25519, NULL, BEARER_ERROR_PRIVATE_KEY },
  { "rsa-1024", BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT, BEARER_SIGNING_ALG_RS256, BEARER_TEST_KEY_RSA_1024, NULL, BEARER_ERROR_PRIVATE_KEY },
  { "hs256-with-key", BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT, BEARER_SIGNING_ALG_HS256, BEARER_TEST_KEY_RSA_2048, NULL, BEARER_ERROR_PRIVATE_KEY },
  { "secret-rs256", BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT, BEARER_SIGNING_ALG_RS256, 0, CLIENT_SECRET, BEARER_ERROR_PRIVATE_KEY },
  { "no-secret", BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT, BEARER_SIGNING_ALG_HS256, 0, "", BEARER_ERROR_MISSING_PARAMETER },
};

/* A key that cannot sign, or does not fit the algorithm, is a clear error
 * before anything is sent, and the error never quotes the key. */
static void
test_bad_key (gconstpointer data)
{
  const BadCase *c = data;
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(BearerClient) client = bearer_client_new ();
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *made = c->key == NULL ? bearer_test_key_new_pem (c->kind) : NULL;
  const char *key = c->key != NULL ? c->key : made;

  request = new_request (server, BEARER_GRANT_CLIENT_CREDENTIALS, c->auth, c->alg, key);
  response = bearer_test_run_request (client, request, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, BEARER_ERROR, c->code);
  g_test_message ("%s: %s", c->name, error->message);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 0);
  g_assert_null (strstr (error->message, "PRIVATE KEY"));
  if (*key != '\0')
    g_assert_null (strstr (error->message, key));

  /* The same verdict when the key is checked on its own, before it is stored. */
  if (c->auth == BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT)
    {
      g_autoptr(GError) check_error = NULL;

      g_assert_false (bearer_private_key_check (key, c->alg, &check_error));
      g_assert_error (check_error, BEARER_ERROR, BEARER_ERROR_PRIVATE_KEY);
    }
}

static void
test_key_check (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (bearer_private_key_check (rsa_key, BEARER_SIGNING_ALG_AUTO, &error));
  g_assert_true (bearer_private_key_check (rsa_key, BEARER_SIGNING_ALG_PS256, &error));
  g_assert_true (bearer_private_key_check (ec_key, BEARER_SIGNING_ALG_ES256, &error));
  g_assert_no_error (error);
  g_assert_cmpint (bearer_signing_alg_resolve (BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT, BEARER_SIGNING_ALG_AUTO,
                                               ec_key, &error), ==, BEARER_SIGNING_ALG_ES256);
  g_assert_cmpint (bearer_signing_alg_resolve (BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT, BEARER_SIGNING_ALG_AUTO,
                                               rsa_key, &error), ==, BEARER_SIGNING_ALG_RS256);
  g_assert_no_error (error);
}

/* The profile keeps the signing algorithm, key id and audience choice. */
static void
test_profile_round_trip (void)
{
  g_autoptr(BearerProfile) profile = bearer_profile_new ("jwt");
  g_autoptr(BearerProfile) copy = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT);
  bearer_profile_set_signing_alg (profile, BEARER_SIGNING_ALG_PS256);
  bearer_profile_set_key_id (profile, KEY_ID);
  bearer_profile_set_assertion_audience_issuer (profile, TRUE);
  object = bearer_profile_to_json (profile);
  g_assert_cmpstr (json_object_get_string_member (object, "client_auth"), ==, "private-key-jwt");
  g_assert_cmpstr (json_object_get_string_member (object, "signing_alg"), ==, "PS256");
  g_assert_cmpstr (json_object_get_string_member (object, "key_id"), ==, KEY_ID);

  copy = bearer_profile_new_from_json (object, &error);
  g_assert_no_error (error);
  g_assert_cmpint (bearer_profile_get_client_auth (copy), ==, BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT);
  g_assert_cmpint (bearer_profile_get_signing_alg (copy), ==, BEARER_SIGNING_ALG_PS256);
  g_assert_cmpstr (bearer_profile_get_key_id (copy), ==, KEY_ID);
  g_assert_true (bearer_profile_get_assertion_audience_issuer (copy));

  json_object_set_string_member (object, "signing_alg", "none");
  g_clear_object (&copy);
  copy = bearer_profile_new_from_json (object, &error);
  g_assert_null (copy);
  g_assert_nonnull (error);
}

int
main (int   argc,
      char *argv[])
{
  static const AlgCase alg_cases[] = {
    { BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT, BEARER_SIGNING_ALG_RS256, BEARER_SIGNING_ALG_RS256, &rsa_key },
    { BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT, BEARER_SIGNING_ALG_AUTO, BEARER_SIGNING_ALG_RS256, &rsa_key },
    { BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT, BEARER_SIGNING_ALG_PS256, BEARER_SIGNING_ALG_PS256, &rsa_key },
    { BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT, BEARER_SIGNING_ALG_ES256, BEARER_SIGNING_ALG_ES256, &ec_key },
    { BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT, BEARER_SIGNING_ALG_AUTO, BEARER_SIGNING_ALG_ES256, &ec_key },
    { BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT, BEARER_SIGNING_ALG_HS256, BEARER_SIGNING_ALG_HS256, NULL },
    { BEARER_CLIENT_AUTH_CLIENT_SECRET_JWT, BEARER_SIGNING_ALG_AUTO, BEARER_SIGNING_ALG_HS256, NULL },
  };
  int ret;

  g_test_init (&argc, &argv, NULL);

  rsa_key = bearer_test_key_new_pem (BEARER_TEST_KEY_RSA_2048);
  ec_key = bearer_test_key_new_pem (BEARER_TEST_KEY_EC_P256);

  for (guint i = 0; i < G_N_ELEMENTS (alg_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/bearer/client-assertion/%s/%s/%s",
                                               bearer_client_auth_to_string (alg_cases[i].auth),
                                               bearer_enum_to_nick (BEARER_TYPE_SIGNING_ALG, alg_cases[i].alg),
                                               alg_cases[i].key == &ec_key ? "ec" : alg_cases[i].key ? "rsa" : "secret");
      g_test_add_data_func (path, &alg_cases[i], test_signed);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/bearer/client-assertion/bad-key/%s", bad_cases[i].name);
      g_test_add_data_func (path, &bad_cases[i], test_bad_key);
    }
  g_test_add_func ("/bearer/client-assertion/fresh-jti", test_fresh_jti);
  g_test_add_func ("/bearer/client-assertion/no-kid-json-body", test_no_kid_json_body);
  g_test_add_func ("/bearer/client-assertion/audience", test_audience);
  g_test_add_func ("/bearer/client-assertion/key-check", test_key_check);
  g_test_add_func ("/bearer/client-assertion/profile-round-trip", test_profile_round_trip);

  ret = g_test_run ();
  g_free (rsa_key);
  g_free (ec_key);
  return ret;
}
