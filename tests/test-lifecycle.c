/* test-lifecycle.c: revoking (RFC 7009) and introspecting (RFC 7662) one token
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bearer_revoke_token_async() and bearer_introspect_token_async() against
 * the in-process test server (scripted replies): the request's bytes (a
 * form body with token and token_type_hint, the profile's client
 * authentication, its extra parameters, never its scope), and what each
 * reply means: 200, unsupported_token_type, 503, an HTML page, hostile
 * JSON, a redirect, no endpoint.
 */
#include "config.h"

#include <string.h>

#include "bearer-error.h"
#include "bearer-lifecycle.h"
#include "bearer-test-server.h"

#define CLIENT_SECRET "s3cr:et%+"
#define REFRESH_TOKEN "rt-0123456789"
#define ACCESS_TOKEN "at-abcdefghij"

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

static void
wait_for (Wait *wait)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (wait->result == NULL)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static BearerProfile *
make_profile (BearerTestServer *server,
              BearerClientAuth  auth)
{
  BearerProfile *profile = bearer_profile_new ("life");
  g_autofree char *token_url = bearer_test_server_get_url (server, "/token");
  g_autofree char *revoke_url = bearer_test_server_get_url (server, "/revoke");
  g_autofree char *introspect_url = bearer_test_server_get_url (server, "/introspect");

  bearer_profile_set_token_url (profile, token_url);
  bearer_profile_set_revocation_url (profile, revoke_url);
  bearer_profile_set_introspection_url (profile, introspect_url);
  bearer_profile_set_client_id (profile, "cli ent");
  bearer_profile_set_client_auth (profile, auth);
  bearer_profile_set_scope (profile, "openid offline_access");
  return profile;
}

static BearerSecrets *
make_secrets (void)
{
  BearerSecrets *secrets = bearer_secrets_new ();

  bearer_secrets_set_client_secret (secrets, CLIENT_SECRET);
  bearer_secrets_set_refresh_token (secrets, REFRESH_TOKEN);
  bearer_secrets_set_access_token (secrets, ACCESS_TOKEN, "Bearer", 0, NULL);
  return secrets;
}

static gboolean
do_revoke (BearerProfile    *profile,
        BearerSecrets    *secrets,
        BearerTokenKind   kind,
        GError          **error)
{
  Wait wait = { NULL };
  gboolean ok;

  bearer_revoke_token_async (profile, secrets, kind, NULL, waited_cb, &wait);
  wait_for (&wait);
  ok = bearer_revoke_token_finish (wait.result, error);
  g_object_unref (wait.result);
  return ok;
}

static BearerIntrospection *
do_introspect (BearerProfile    *profile,
            BearerSecrets    *secrets,
            BearerTokenKind   kind,
            GError          **error)
{
  Wait wait = { NULL };
  BearerIntrospection *answer;

  bearer_introspect_token_async (profile, secrets, kind, NULL, waited_cb, &wait);
  wait_for (&wait);
  answer = bearer_introspect_token_finish (wait.result, error);
  g_object_unref (wait.result);
  return answer;
}

static void
test_revoke_request_basic (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = make_profile (server, BEARER_CLIENT_AUTH_BASIC);
  g_autoptr(BearerSecrets) secrets = make_secrets ();
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *credentials = NULL;

  bearer_profile_add_parameter (profile, BEARER_PARAM_HEADER, "X-Tenant", "acme");
  bearer_test_server_script (server, 200, NULL, "");

  g_assert_true (do_revoke (profile, secrets, BEARER_TOKEN_REFRESH, &error));
  g_assert_no_error (error);

  g_assert_cmpstr (bearer_test_server_get_last_request (server)->method, ==, "POST");
  g_assert_cmpstr (bearer_test_server_get_last_request (server)->path, ==, "/revoke");
  body = bearer_test_server_dup_last_body (server);
  /* The token and its hint; no grant, no scope; basic puts the client in
   * the header, form-encoded before base64 (RFC 6749 §2.3.1). */
  g_assert_cmpstr (body, ==, "token=" REFRESH_TOKEN "&token_type_hint=refresh_token");
  g_assert_cmpstr (bearer_test_server_get_last_header (server, "Content-Type"), ==,
                   "application/x-www-form-urlencoded");
  credentials = g_base64_encode ((const guchar *) "cli+ent:s3cr%3Aet%25%2B", strlen ("cli+ent:s3cr%3Aet%25%2B"));
  expected = g_strconcat ("Basic ", credentials, NULL);
  g_assert_cmpstr (bearer_test_server_get_last_header (server, "Authorization"), ==, expected);
  g_assert_cmpstr (bearer_test_server_get_last_header (server, "X-Tenant"), ==, "acme");
}

static void
test_revoke_request_post_json_profile (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = make_profile (server, BEARER_CLIENT_AUTH_POST);
  g_autoptr(BearerSecrets) secrets = make_secrets ();
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;

  /* A profile whose token requests are JSON still revokes with a form:
   * RFC 7009 knows no other encoding. */
  bearer_profile_set_body_encoding (profile, BEARER_BODY_JSON);
  bearer_test_server_script (server, 200, "application/json", "{}");

  g_assert_true (do_revoke (profile, secrets, BEARER_TOKEN_ACCESS, &error));
  g_assert_no_error (error);
  body = bearer_test_server_dup_last_body (server);
  g_assert_cmpstr (body, ==, "token=" ACCESS_TOKEN "&token_type_hint=access_token"
                   "&client_id=cli+ent&client_secret=s3cr%3Aet%25%2B");
  g_assert_null (bearer_test_server_get_last_header (server, "Authorization"));
}

static void
test_revoke_unsupported_token_type (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = make_profile (server, BEARER_CLIENT_AUTH_BASIC);
  g_autoptr(BearerSecrets) secrets = make_secrets ();
  g_autoptr(GError) error = NULL;

  bearer_test_server_script (server, 400, "application/json",
                             "{\"error\": \"unsupported_token_type\","
                             " \"error_description\": \"only refresh tokens\"}");
  g_assert_false (do_revoke (profile, secrets, BEARER_TOKEN_ACCESS, &error));
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_OAUTH_OTHER);
  g_assert_cmpstr (bearer_error_get_oauth_code (error), ==, "unsupported_token_type");
  g_assert_cmpuint (bearer_error_get_http_status (error), ==, 400);
  g_assert_nonnull (strstr (error->message, "does not revoke access tokens"));
  g_assert_nonnull (strstr (error->message, "only refresh tokens"));
}

static void
test_revoke_invalid_client (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = make_profile (server, BEARER_CLIENT_AUTH_BASIC);
  g_autoptr(BearerSecrets) secrets = make_secrets ();
  g_autoptr(GError) error = NULL;

  bearer_test_server_script (server, 401, "application/json",
                             "{\"error\": \"invalid_client\", \"error_description\": \"bad secret\"}");
  g_assert_false (do_revoke (profile, secrets, BEARER_TOKEN_REFRESH, &error));
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_CLIENT);
  g_assert_nonnull (strstr (error->message, "bad secret"));
  /* A refused revocation is no dead refresh token. */
  g_assert_false (bearer_error_is_dead_refresh_token (error));
  g_assert_null (strstr (error->message, CLIENT_SECRET));
}

static void
test_revoke_unavailable (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = make_profile (server, BEARER_CLIENT_AUTH_BASIC);
  g_autoptr(BearerSecrets) secrets = make_secrets ();
  g_autoptr(GError) error = NULL;

  /* RFC 7009 §2.2.1: 503 with no body; then an HTML page. */
  bearer_test_server_script (server, 503, NULL, "");
  g_assert_false (do_revoke (profile, secrets, BEARER_TOKEN_REFRESH, &error));
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_HTTP_STATUS);
  g_assert_cmpuint (bearer_error_get_http_status (error), ==, 503);
  g_clear_error (&error);

  bearer_test_server_script (server, 502, "text/html",
                             "<html><head><title>Bad Gateway</title></head><body>x</body></html>");
  g_assert_false (do_revoke (profile, secrets, BEARER_TOKEN_REFRESH, &error));
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_HTML_PAGE);
  g_assert_nonnull (strstr (error->message, "Bad Gateway"));
}

static void
test_revoke_redirect (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = make_profile (server, BEARER_CLIENT_AUTH_BASIC);
  g_autoptr(BearerSecrets) secrets = make_secrets ();
  g_autoptr(GError) error = NULL;

  bearer_test_server_script (server, 302, NULL, "");
  bearer_test_server_script_header (server, "Location", "https://elsewhere.example/revoke");
  g_assert_false (do_revoke (profile, secrets, BEARER_TOKEN_REFRESH, &error));
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_REDIRECT);
  g_assert_cmpstr (bearer_error_get_redirect_location (error), ==, "https://elsewhere.example/revoke");
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
}

static void
test_revoke_no_endpoint (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = make_profile (server, BEARER_CLIENT_AUTH_BASIC);
  g_autoptr(BearerSecrets) secrets = make_secrets ();
  g_autoptr(GError) error = NULL;

  bearer_profile_set_revocation_url (profile, NULL);
  g_assert_false (do_revoke (profile, secrets, BEARER_TOKEN_REFRESH, &error));
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_MISSING_PARAMETER);
  g_assert_nonnull (strstr (error->message, "no revocation URL"));
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 0);
  g_clear_error (&error);

  /* Nothing to revoke. */
  bearer_secrets_set_refresh_token (secrets, NULL);
  bearer_profile_set_revocation_url (profile, "http://127.0.0.1:1/revoke");
  g_assert_false (do_revoke (profile, secrets, BEARER_TOKEN_REFRESH, &error));
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_MISSING_PARAMETER);
  g_assert_nonnull (strstr (error->message, "No refresh token"));
}

static void
test_revoke_insecure_url (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = make_profile (server, BEARER_CLIENT_AUTH_BASIC);
  g_autoptr(BearerSecrets) secrets = make_secrets ();
  g_autoptr(GError) error = NULL;

  /* The token URL's rules hold for the revocation URL: no secret crosses
   * the network in the clear. */
  bearer_profile_set_revocation_url (profile, "http://id.example.com/revoke");
  g_assert_false (do_revoke (profile, secrets, BEARER_TOKEN_REFRESH, &error));
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_INSECURE_URL);
  g_assert_true (g_str_has_prefix (error->message, "The revocation URL uses plain http://"));
  g_clear_error (&error);

  /* A password in the URL is refused, and never quoted. */
  bearer_profile_set_revocation_url (profile, "https://user:hunter2@id.example.com/revoke");
  g_assert_false (do_revoke (profile, secrets, BEARER_TOKEN_REFRESH, &error));
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_URL);
  g_assert_null (strstr (error->message, "hunter2"));
  g_assert_nonnull (strstr (error->message, "revocation URL"));
}

static void
test_introspect_active (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = make_profile (server, BEARER_CLIENT_AUTH_BASIC);
  g_autoptr(BearerSecrets) secrets = make_secrets ();
  g_autoptr(BearerIntrospection) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  g_autofree char *json = NULL;

  bearer_test_server_script (server, 200, "application/json; charset=utf-8",
                             "{\"active\": true, \"exp\": 1900000000, \"iat\": 1800000000,"
                             " \"scope\": \"openid offline_access\", \"client_id\": \"cli ent\","
                             " \"sub\": \"user-1\", \"username\": \"jane\","
                             " \"token_type\": \"Bearer\", \"aud\": [\"api\"]}");
  answer = do_introspect (profile, secrets, BEARER_TOKEN_ACCESS, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bearer_test_server_get_last_request (server)->path, ==, "/introspect");
  body = bearer_test_server_dup_last_body (server);
  g_assert_cmpstr (body, ==, "token=" ACCESS_TOKEN "&token_type_hint=access_token");
  g_assert_true (g_str_has_prefix (bearer_test_server_get_last_header (server, "Authorization"), "Basic "));

  g_assert_true (bearer_introspection_get_active (answer));
  g_assert_cmpint (bearer_introspection_get_exp (answer), ==, 1900000000);
  g_assert_cmpint (bearer_introspection_get_iat (answer), ==, 1800000000);
  g_assert_cmpstr (bearer_introspection_get_scope (answer), ==, "openid offline_access");
  g_assert_cmpstr (bearer_introspection_get_client_id (answer), ==, "cli ent");
  g_assert_cmpstr (bearer_introspection_get_sub (answer), ==, "user-1");
  g_assert_cmpstr (bearer_introspection_get_username (answer), ==, "jane");
  g_assert_cmpstr (bearer_introspection_get_token_type (answer), ==, "Bearer");
  g_assert_true (json_object_has_member (bearer_introspection_get_fields (answer), "aud"));
  json = bearer_introspection_to_json (answer);
  g_assert_nonnull (strstr (json, "\"sub\" : \"user-1\""));
}

static void
test_introspect_inactive_refresh (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = make_profile (server, BEARER_CLIENT_AUTH_NONE);
  g_autoptr(BearerSecrets) secrets = make_secrets ();
  g_autoptr(BearerIntrospection) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;

  bearer_test_server_script (server, 200, "application/json", "{\"active\": false}");
  answer = do_introspect (profile, secrets, BEARER_TOKEN_REFRESH, &error);
  g_assert_no_error (error);
  body = bearer_test_server_dup_last_body (server);
  g_assert_cmpstr (body, ==, "token=" REFRESH_TOKEN "&token_type_hint=refresh_token&client_id=cli+ent");
  g_assert_false (bearer_introspection_get_active (answer));
  g_assert_cmpint (bearer_introspection_get_exp (answer), ==, 0);
  g_assert_null (bearer_introspection_get_sub (answer));
}

static void
test_introspect_bad_replies (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = make_profile (server, BEARER_CLIENT_AUTH_BASIC);
  g_autoptr(BearerSecrets) secrets = make_secrets ();
  g_autoptr(GString) deep = g_string_new ("{\"active\": true, \"x\": ");
  struct {
    guint status;
    const char *type;
    const char *body;
    BearerError code;
  } cases[] = {
    { 200, "application/json", "{\"exp\": 1}", BEARER_ERROR_WRONG_TYPE },
    { 200, "application/json", "{\"active\": \"true\"}", BEARER_ERROR_WRONG_TYPE },
    { 200, "application/json", "[true]", BEARER_ERROR_NOT_AN_OBJECT },
    { 200, "application/json", "{\"active\": true", BEARER_ERROR_MALFORMED_JSON },
    { 200, "application/json", "{\"active\": true, \"sub\": \"a\\u0000b\"}", BEARER_ERROR_MALFORMED_JSON },
    { 200, "application/json", "{\"active\": true} {\"active\": false}", BEARER_ERROR_MALFORMED_JSON },
    { 200, "text/html", "<html><title>Login</title></html>", BEARER_ERROR_HTML_PAGE },
    { 200, NULL, "", BEARER_ERROR_EMPTY_BODY },
    { 401, "application/json", "{\"error\": \"invalid_client\"}", BEARER_ERROR_INVALID_CLIENT },
    { 503, NULL, "", BEARER_ERROR_HTTP_STATUS },
  };

  for (guint i = 0; i < 100; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 100; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(BearerIntrospection) answer = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("case %u: %s", i, cases[i].body);
      bearer_test_server_script (server, cases[i].status, cases[i].type, cases[i].body);
      answer = do_introspect (profile, secrets, BEARER_TOKEN_ACCESS, &error);
      g_assert_null (answer);
      g_assert_error (error, BEARER_ERROR, (gint) cases[i].code);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }

  {
    g_autoptr(BearerIntrospection) answer = NULL;
    g_autoptr(GError) error = NULL;

    bearer_test_server_script (server, 200, "application/json", deep->str);
    answer = do_introspect (profile, secrets, BEARER_TOKEN_ACCESS, &error);
    g_assert_null (answer);
    g_assert_error (error, BEARER_ERROR, BEARER_ERROR_MALFORMED_JSON);
  }

  {
    g_autoptr(BearerIntrospection) answer = NULL;
    g_autoptr(GError) error = NULL;

    /* Hostile members of the wrong type are ignored, not trusted. */
    bearer_test_server_script (server, 200, "application/json",
                               "{\"active\": true, \"exp\": \"soon\", \"sub\": 7,"
                               " \"scope\": \"a\\u0007b\", \"client_id\": [\"x\"]}");
    answer = do_introspect (profile, secrets, BEARER_TOKEN_ACCESS, &error);
    g_assert_no_error (error);
    g_assert_cmpint (bearer_introspection_get_exp (answer), ==, 0);
    g_assert_null (bearer_introspection_get_sub (answer));
    g_assert_null (bearer_introspection_get_client_id (answer));
    g_assert_null (strchr (bearer_introspection_get_scope (answer), '\a'));
  }
}

static void
test_introspect_no_endpoint (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = make_profile (server, BEARER_CLIENT_AUTH_BASIC);
  g_autoptr(BearerSecrets) secrets = make_secrets ();
  g_autoptr(BearerIntrospection) answer = NULL;
  g_autoptr(GError) error = NULL;

  bearer_profile_set_introspection_url (profile, "");
  answer = do_introspect (profile, secrets, BEARER_TOKEN_ACCESS, &error);
  g_assert_null (answer);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_MISSING_PARAMETER);
  g_assert_nonnull (strstr (error->message, "no introspection URL"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bearer/lifecycle/revoke/request-basic", test_revoke_request_basic);
  g_test_add_func ("/bearer/lifecycle/revoke/request-post-json-profile", test_revoke_request_post_json_profile);
  g_test_add_func ("/bearer/lifecycle/revoke/unsupported-token-type", test_revoke_unsupported_token_type);
  g_test_add_func ("/bearer/lifecycle/revoke/invalid-client", test_revoke_invalid_client);
  g_test_add_func ("/bearer/lifecycle/revoke/unavailable", test_revoke_unavailable);
  g_test_add_func ("/bearer/lifecycle/revoke/redirect", test_revoke_redirect);
  g_test_add_func ("/bearer/lifecycle/revoke/no-endpoint", test_revoke_no_endpoint);
  g_test_add_func ("/bearer/lifecycle/revoke/insecure-url", test_revoke_insecure_url);
  g_test_add_func ("/bearer/lifecycle/introspect/active", test_introspect_active);
  g_test_add_func ("/bearer/lifecycle/introspect/inactive-refresh", test_introspect_inactive_refresh);
  g_test_add_func ("/bearer/lifecycle/introspect/bad-replies", test_introspect_bad_replies);
  g_test_add_func ("/bearer/lifecycle/introspect/no-endpoint", test_introspect_no_endpoint);

  return g_test_run ();
}
