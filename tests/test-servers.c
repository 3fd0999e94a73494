/* test-servers.c: the client against the servers of HARNESS.md, end to end
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The test server emulates Laravel Passport (league/oauth2-server 8.5),
 * oidc-provider 8 and a loose "lowercase" server; each test drives the real
 * client through a whole exchange and checks what docs/core.md promises:
 * the token, rotation, and how a refusal is reported (code, server fields,
 * HTTP status, the dead-refresh-token flag).
 */
#include "config.h"

#include <string.h>

#include "bearer-client.h"
#include "bearer-error.h"
#include "bearer-redact.h"
#include "bearer-test-server.h"
#include "bearer-token-request.h"

#define TRICKY_SECRET "a:b%c+d \xc3\xa9"
#define SPACE_CLIENT  "my client"

static BearerTokenRequest *
refresh_request (BearerTestServer   *server,
                 const char         *path,
                 const char         *client_id,
                 const char         *client_secret,
                 BearerClientAuth    auth,
                 const char         *refresh_token)
{
  g_autofree char *url = bearer_test_server_get_url (server, path);
  BearerTokenRequest *request = bearer_token_request_new (BEARER_GRANT_REFRESH_TOKEN, url);

  bearer_token_request_set_client (request, client_id, client_secret);
  bearer_token_request_set_client_auth (request, auth);
  bearer_token_request_set_refresh_token (request, refresh_token);

  return request;
}

static BearerTokenResponse *
send_request (BearerTokenRequest  *request,
              GError             **error)
{
  g_autoptr(BearerClient) client = bearer_client_new ();

  return bearer_test_run_request (client, request, NULL, error);
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* The message quotes the server: it holds this text. */
static void
assert_message_has (const GError *error,
                    const char   *words)
{
  if (strstr (error->message, words) == NULL)
    {
      g_test_message ("message \"%s\" does not hold \"%s\"", error->message, words);
      g_test_fail ();
    }
}

static void
assert_expires_in (BearerTokenResponse *response,
                   gint64               before,
                   gint64               expires_in)
{
  gint64 after = now_seconds ();

  g_assert_cmpint (bearer_token_response_get_expiry_source (response), ==,
                   BEARER_EXPIRY_EXPIRES_IN);
  g_assert_cmpint (bearer_token_response_get_expires_at (response), >=, before + expires_in);
  g_assert_cmpint (bearer_token_response_get_expires_at (response), <=, after + expires_in);
}

/* ---------------------------------------------------------------------- */
/* Laravel Passport                                                       */

/* Five refreshes in a row, each with the refresh token of the last reply;
 * then a used one again: league's 401 invalid_request, and the token is
 * dead. */
static void
test_passport_rotation (gconstpointer data)
{
  BearerBodyEncoding encoding = GPOINTER_TO_INT (data);
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autofree char *current = g_strdup ("def50200initial0123456789abcdef");
  g_autoptr(GPtrArray) used = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  guint i;

  bearer_test_server_set_refresh_token (server, current);

  for (i = 0; i < 5; i++)
    {
      g_autoptr(BearerTokenRequest) step = NULL;
      g_autoptr(BearerTokenResponse) reply = NULL;
      g_autoptr(GError) step_error = NULL;
      g_autofree char *authorization = NULL;
      g_autofree char *expected_authorization = NULL;
      gint64 before = now_seconds ();

      step = refresh_request (server, "/oauth/token", "bearer-test-client", "bearer-test-secret",
                              BEARER_CLIENT_AUTH_POST, current);
      bearer_token_request_set_body_encoding (step, encoding);
      reply = send_request (step, &step_error);
      g_assert_no_error (step_error);
      g_assert_nonnull (reply);

      g_assert_cmpstr (bearer_token_response_get_access_token (reply), ==,
                       bearer_test_server_get_last_access_token (server));
      g_assert_cmpstr (bearer_token_response_get_token_type (reply), ==, "Bearer");
      assert_expires_in (reply, before, 31536000);
      g_assert_true (bearer_token_response_get_refresh_token_issued (reply));
      g_assert_true (bearer_token_response_get_refresh_token_rotated (reply));
      g_assert_cmpstr (bearer_token_response_get_refresh_token (reply), !=, current);
      g_assert_cmpstr (bearer_token_response_get_refresh_token (reply), ==,
                       bearer_test_server_get_refresh_token (server));
      g_assert_null (bearer_token_response_get_scope (reply));
      authorization = bearer_token_response_dup_authorization_header (reply);
      expected_authorization = g_strconcat ("Authorization: Bearer ",
                                            bearer_test_server_get_last_access_token (server),
                                            NULL);
      g_assert_cmpstr (authorization, ==, expected_authorization);
      bearer_secret_free (g_steal_pointer (&authorization));

      g_ptr_array_add (used, g_steal_pointer (&current));
      current = g_strdup (bearer_token_response_get_refresh_token (reply));
    }
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 5);

  /* The one used last, again. */
  request = refresh_request (server, "/oauth/token", "bearer-test-client", "bearer-test-secret",
                             BEARER_CLIENT_AUTH_POST, g_ptr_array_index (used, used->len - 1));
  bearer_token_request_set_body_encoding (request, encoding);
  response = send_request (request, &error);
  g_assert_null (response);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_REQUEST);
  g_assert_true (bearer_error_is_dead_refresh_token (error));
  g_assert_cmpstr (bearer_error_get_oauth_code (error), ==, "invalid_request");
  g_assert_cmpstr (bearer_error_get_description (error), ==, "The refresh token is invalid.");
  g_assert_cmpstr (bearer_error_get_hint (error), ==, "Token has been revoked");
  g_assert_cmpstr (bearer_error_get_server_message (error), ==, "The refresh token is invalid.");
  g_assert_cmpuint (bearer_error_get_http_status (error), ==, 401);
  assert_message_has (error, "The refresh token is invalid.");
  assert_message_has (error, "Token has been revoked");
  g_clear_error (&error);
  g_clear_object (&response);
  g_clear_object (&request);

  /* The first one, too. */
  request = refresh_request (server, "/oauth/token", "bearer-test-client", "bearer-test-secret",
                             BEARER_CLIENT_AUTH_POST, g_ptr_array_index (used, 0));
  response = send_request (request, &error);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_REQUEST);
  g_assert_true (bearer_error_is_dead_refresh_token (error));
  g_clear_error (&error);
  g_clear_object (&request);

  /* league does not revoke the chain: the newest one still works. */
  request = refresh_request (server, "/oauth/token", "bearer-test-client", "bearer-test-secret",
                             BEARER_CLIENT_AUTH_POST, current);
  response = send_request (request, &error);
  g_assert_no_error (error);
  g_assert_true (bearer_token_response_get_refresh_token_rotated (response));
}

/* A token the server never issued cannot be decrypted: still 401
 * invalid_request about the refresh token, so still dead. */
static void
test_passport_unknown_refresh_token (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  bearer_test_server_set_refresh_token (server, "def50200valid");
  request = refresh_request (server, "/oauth/token", "bearer-test-client", "bearer-test-secret",
                             BEARER_CLIENT_AUTH_BASIC_RAW, "def50200garbage");
  response = send_request (request, &error);
  g_assert_null (response);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_REQUEST);
  g_assert_true (bearer_error_is_dead_refresh_token (error));
  g_assert_cmpstr (bearer_error_get_hint (error), ==, "Cannot decrypt the refresh token");
  g_assert_cmpuint (bearer_error_get_http_status (error), ==, 401);
  assert_message_has (error, "The refresh token is invalid.");
}

/* Passport decodes HTTP Basic without URL-decoding: basic-raw works, also
 * with ':' in the secret (the header splits at the first ':'). */
static void
test_passport_basic_raw (gconstpointer data)
{
  const char *secret = data;
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *raw = g_strconcat ("7:", secret, NULL);

  bearer_test_server_set_client (server, "7", secret);
  bearer_test_server_set_refresh_token (server, "def50200first");
  request = refresh_request (server, "/oauth/token", "7", secret, BEARER_CLIENT_AUTH_BASIC_RAW,
                             "def50200first");
  response = send_request (request, &error);
  g_assert_no_error (error);
  g_assert_true (bearer_token_response_get_refresh_token_rotated (response));

  encoded = g_base64_encode ((const guchar *) raw, strlen (raw));
  expected = g_strconcat ("Basic ", encoded, NULL);
  g_assert_cmpstr (bearer_test_server_get_last_header (server, "Authorization"), ==, expected);
  g_clear_object (&response);
  g_clear_object (&request);

  /* client_credentials, the same way */
  {
    g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");

    request = bearer_token_request_new (BEARER_GRANT_CLIENT_CREDENTIALS, url);
    bearer_token_request_set_client (request, "7", secret);
    bearer_token_request_set_client_auth (request, BEARER_CLIENT_AUTH_BASIC_RAW);
    response = send_request (request, &error);
    g_assert_no_error (error);
    g_assert_false (bearer_token_response_get_refresh_token_issued (response));
    g_assert_null (bearer_token_response_get_refresh_token (response));
    g_assert_cmpint (bearer_token_response_get_expiry_source (response), ==,
                     BEARER_EXPIRY_EXPIRES_IN);
  }
}

/* The RFC 6749 encoding is what Passport does not undo: a secret with ':'
 * arrives as "%3A" and the client is refused. */
static void
test_passport_basic_encoded_refused (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  bearer_test_server_set_client (server, "7", "se:cret");
  bearer_test_server_set_refresh_token (server, "def50200first");
  request = refresh_request (server, "/oauth/token", "7", "se:cret", BEARER_CLIENT_AUTH_BASIC,
                             "def50200first");
  response = send_request (request, &error);
  g_assert_null (response);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_CLIENT);
  g_assert_false (bearer_error_is_dead_refresh_token (error));
  g_assert_cmpuint (bearer_error_get_http_status (error), ==, 401);
  g_assert_cmpstr (bearer_error_get_description (error), ==, "Client authentication failed");
  assert_message_has (error, "Client authentication failed");
  /* and the refresh token was not spent */
  g_assert_cmpstr (bearer_test_server_get_refresh_token (server), ==, "def50200first");
}

/* The tricky secret in the body, form and JSON. */
static void
test_passport_post_tricky (gconstpointer data)
{
  BearerBodyEncoding encoding = GPOINTER_TO_INT (data);
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  bearer_test_server_set_client (server, SPACE_CLIENT, TRICKY_SECRET);
  bearer_test_server_set_refresh_token (server, "def50200first");
  request = refresh_request (server, "/oauth/token", SPACE_CLIENT, TRICKY_SECRET,
                             BEARER_CLIENT_AUTH_POST, "def50200first");
  bearer_token_request_set_body_encoding (request, encoding);
  response = send_request (request, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bearer_token_response_get_refresh_token (response), ==,
                   bearer_test_server_get_refresh_token (server));
}

static void
test_passport_bad_client (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  bearer_test_server_set_refresh_token (server, "def50200first");
  request = refresh_request (server, "/oauth/token", "bearer-test-client", "wrong",
                             BEARER_CLIENT_AUTH_POST, "def50200first");
  response = send_request (request, &error);
  g_assert_null (response);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_CLIENT);
  g_assert_cmpstr (bearer_error_get_oauth_code (error), ==, "invalid_client");
  g_assert_cmpstr (bearer_error_get_server_message (error), ==, "Client authentication failed");
  g_assert_null (bearer_error_get_hint (error));
  g_assert_cmpuint (bearer_error_get_http_status (error), ==, 401);
  g_assert_false (bearer_error_is_dead_refresh_token (error));
}

static void
test_passport_password (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");
  g_autoptr(BearerTokenRequest) request = bearer_token_request_new (BEARER_GRANT_PASSWORD, url);
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  bearer_test_server_set_user (server, "alice@example.com", "p\xc3\xa4ss word");
  bearer_token_request_set_client (request, "bearer-test-client", "bearer-test-secret");
  bearer_token_request_set_client_auth (request, BEARER_CLIENT_AUTH_POST);
  bearer_token_request_set_password (request, "alice@example.com", "p\xc3\xa4ss word");
  response = send_request (request, &error);
  g_assert_no_error (error);
  g_assert_true (bearer_token_response_get_refresh_token_issued (response));
  g_assert_cmpstr (bearer_token_response_get_refresh_token (response), ==,
                   bearer_test_server_get_refresh_token (server));
  g_clear_object (&response);

  /* A wrong password is invalid_grant, but no refresh token is dead. */
  bearer_token_request_set_password (request, "alice@example.com", "wrong");
  response = send_request (request, &error);
  g_assert_null (response);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_GRANT);
  g_assert_false (bearer_error_is_dead_refresh_token (error));
  g_assert_cmpuint (bearer_error_get_http_status (error), ==, 400);
  assert_message_has (error, "The user credentials were incorrect.");
}

/* ---------------------------------------------------------------------- */
/* oidc-provider                                                          */

static void
test_oidc_basic_tricky (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_OIDC);
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  gint64 before = now_seconds ();

  bearer_test_server_set_client (server, SPACE_CLIENT, TRICKY_SECRET);
  bearer_test_server_set_refresh_token (server, "oidc-first-refresh-token");
  request = refresh_request (server, "/token", SPACE_CLIENT, TRICKY_SECRET,
                             BEARER_CLIENT_AUTH_BASIC, "oidc-first-refresh-token");
  response = send_request (request, &error);
  g_assert_no_error (error);
  g_assert_nonnull (response);

  g_assert_cmpstr (bearer_token_response_get_access_token (response), ==,
                   bearer_test_server_get_last_access_token (server));
  g_assert_cmpstr (bearer_token_response_get_token_type (response), ==, "Bearer");
  assert_expires_in (response, before, 3600);
  g_assert_true (bearer_token_response_get_refresh_token_rotated (response));
  g_assert_cmpstr (bearer_token_response_get_refresh_token (response), ==,
                   bearer_test_server_get_refresh_token (server));
  g_assert_cmpstr (bearer_token_response_get_scope (response), ==, "openid offline_access");
  g_assert_nonnull (bearer_token_response_get_id_token (response));
  g_assert_cmpstr (bearer_test_server_get_last_header (server, "Authorization"), ==,
                   "Basic bXkrY2xpZW50OmElM0FiJTI1YyUyQmQrJUMzJUE5");
}

/* basic-raw sends the '%' as is; oidc-provider cannot decode it. */
static void
test_oidc_basic_raw_percent (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_OIDC);
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  bearer_test_server_set_client (server, SPACE_CLIENT, TRICKY_SECRET);
  bearer_test_server_set_refresh_token (server, "oidc-first-refresh-token");
  request = refresh_request (server, "/token", SPACE_CLIENT, TRICKY_SECRET,
                             BEARER_CLIENT_AUTH_BASIC_RAW, "oidc-first-refresh-token");
  response = send_request (request, &error);
  g_assert_null (response);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_REQUEST);
  g_assert_cmpstr (bearer_error_get_description (error), ==,
                   "client_id and client_secret in the authorization header are not properly "
                   "encoded");
  assert_message_has (error, "not properly encoded");
  g_assert_cmpuint (bearer_error_get_http_status (error), ==, 400);
  /* A client problem: the refresh token is fine. */
  g_assert_false (bearer_error_is_dead_refresh_token (error));
  g_assert_cmpstr (bearer_test_server_get_refresh_token (server), ==, "oidc-first-refresh-token");
}

/* basic-raw with a '+' and no '%': the server reads a space, wrong secret. */
static void
test_oidc_basic_raw_plus (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_OIDC);
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  bearer_test_server_set_client (server, "client", "a+b");
  bearer_test_server_set_refresh_token (server, "oidc-first-refresh-token");
  request = refresh_request (server, "/token", "client", "a+b", BEARER_CLIENT_AUTH_BASIC_RAW,
                             "oidc-first-refresh-token");
  response = send_request (request, &error);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_CLIENT);
  g_assert_cmpuint (bearer_error_get_http_status (error), ==, 401);
  g_assert_cmpstr (bearer_error_get_description (error), ==, "client authentication failed");
  g_assert_false (bearer_error_is_dead_refresh_token (error));
  g_clear_error (&error);
  g_clear_object (&request);

  /* and `basic` sends "a%2Bb", which works */
  request = refresh_request (server, "/token", "client", "a+b", BEARER_CLIENT_AUTH_BASIC,
                             "oidc-first-refresh-token");
  response = send_request (request, &error);
  g_assert_no_error (error);
  g_assert_nonnull (response);
}

/* Reusing a consumed refresh token revokes the whole grant. */
static void
test_oidc_reuse (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_OIDC);
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *second = NULL;

  bearer_test_server_set_refresh_token (server, "oidc-first-refresh-token");
  request = refresh_request (server, "/token", "bearer-test-client", "bearer-test-secret",
                             BEARER_CLIENT_AUTH_BASIC, "oidc-first-refresh-token");
  response = send_request (request, &error);
  g_assert_no_error (error);
  g_assert_true (bearer_token_response_get_refresh_token_rotated (response));
  second = g_strdup (bearer_token_response_get_refresh_token (response));
  g_assert_cmpstr (second, !=, "oidc-first-refresh-token");
  g_clear_object (&response);

  /* the first one again */
  response = send_request (request, &error);
  g_assert_null (response);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_GRANT);
  g_assert_true (bearer_error_is_dead_refresh_token (error));
  g_assert_cmpstr (bearer_error_get_oauth_code (error), ==, "invalid_grant");
  g_assert_cmpstr (bearer_error_get_description (error), ==, "grant request is invalid");
  g_assert_cmpuint (bearer_error_get_http_status (error), ==, 400);
  assert_message_has (error, "grant request is invalid");
  g_clear_error (&error);
  g_clear_object (&request);

  /* the grant is gone: the newest one is dead too */
  request = refresh_request (server, "/token", "bearer-test-client", "bearer-test-secret",
                             BEARER_CLIENT_AUTH_BASIC, second);
  response = send_request (request, &error);
  g_assert_null (response);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_GRANT);
  g_assert_true (bearer_error_is_dead_refresh_token (error));
}

/* Without rotation the server answers the same refresh token: issued, not
 * rotated. */
static void
test_oidc_same_refresh_token (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_OIDC);
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  bearer_test_server_set_rotate_refresh_tokens (server, FALSE);
  bearer_test_server_set_refresh_token (server, "oidc-sticky-refresh-token");
  request = refresh_request (server, "/token", "bearer-test-client", "bearer-test-secret",
                             BEARER_CLIENT_AUTH_BASIC, "oidc-sticky-refresh-token");
  response = send_request (request, &error);
  g_assert_no_error (error);
  g_assert_true (bearer_token_response_get_refresh_token_issued (response));
  g_assert_false (bearer_token_response_get_refresh_token_rotated (response));
  g_assert_cmpstr (bearer_token_response_get_refresh_token (response), ==,
                   "oidc-sticky-refresh-token");
}

static void
test_oidc_wrong_secret (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_OIDC);
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  bearer_test_server_set_refresh_token (server, "oidc-first-refresh-token");
  request = refresh_request (server, "/token", "bearer-test-client", "wrong",
                             BEARER_CLIENT_AUTH_BASIC, "oidc-first-refresh-token");
  response = send_request (request, &error);
  g_assert_null (response);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_CLIENT);
  g_assert_cmpuint (bearer_error_get_http_status (error), ==, 401);
  g_assert_false (bearer_error_is_dead_refresh_token (error));
  assert_message_has (error, "client authentication failed");
}

/* ---------------------------------------------------------------------- */
/* The lower-case server                                                  */

static BearerTokenRequest *
lowercase_request (BearerTestServer *server,
                   BearerGrantType   grant,
                   const char       *client_secret)
{
  g_autofree char *url = bearer_test_server_get_url (server, "/token");
  BearerTokenRequest *request = bearer_token_request_new (grant, url);

  bearer_token_request_set_client (request, "bearer-test-client", client_secret);
  bearer_token_request_set_client_auth (request, BEARER_CLIENT_AUTH_BASIC);
  if (grant == BEARER_GRANT_REFRESH_TOKEN)
    bearer_token_request_set_refresh_token (request, "lower-refresh-token");

  return request;
}

static void
test_lowercase_token_type (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_LOWERCASE);
  g_autoptr(BearerTokenRequest) request = lowercase_request (server,
                                                             BEARER_GRANT_CLIENT_CREDENTIALS,
                                                             "bearer-test-secret");
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *authorization = NULL;
  g_autofree char *expected = NULL;

  response = send_request (request, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bearer_token_response_get_token_type (response), ==, "Bearer");
  authorization = bearer_token_response_dup_authorization_header (response);
  expected = g_strconcat ("Authorization: Bearer ",
                          bearer_test_server_get_last_access_token (server), NULL);
  g_assert_cmpstr (authorization, ==, expected);
  bearer_secret_free (g_steal_pointer (&authorization));
  g_assert_cmpint (bearer_token_response_get_expiry_source (response), ==,
                   BEARER_EXPIRY_UNKNOWN);
  g_assert_cmpint (bearer_token_response_get_expires_at (response), ==, 0);
  g_assert_false (bearer_token_response_get_refresh_token_issued (response));
}

/* No expires_in, but a JWT access token: the expiry is its exp. */
static void
test_lowercase_jwt_exp (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_LOWERCASE);
  g_autoptr(BearerTokenRequest) request = lowercase_request (server,
                                                             BEARER_GRANT_CLIENT_CREDENTIALS,
                                                             "bearer-test-secret");
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  bearer_test_server_set_jwt_access_tokens (server, TRUE);
  response = send_request (request, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bearer_token_response_get_token_type (response), ==, "Bearer");
  g_assert_cmpint (bearer_test_server_get_last_access_token_exp (server), >, 0);
  g_assert_cmpint (bearer_token_response_get_expiry_source (response), ==,
                   BEARER_EXPIRY_JWT_EXP);
  g_assert_cmpint (bearer_token_response_get_expires_at (response), ==,
                   bearer_test_server_get_last_access_token_exp (server));
}

/* A refresh reply without refresh_token: the old one stays, not rotated. */
static void
test_lowercase_keeps_refresh_token (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_LOWERCASE);
  g_autoptr(BearerTokenRequest) request = lowercase_request (server, BEARER_GRANT_REFRESH_TOKEN,
                                                             "bearer-test-secret");
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  bearer_test_server_set_refresh_token (server, "lower-refresh-token");
  response = send_request (request, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bearer_token_response_get_refresh_token (response), ==,
                   "lower-refresh-token");
  g_assert_false (bearer_token_response_get_refresh_token_issued (response));
  g_assert_false (bearer_token_response_get_refresh_token_rotated (response));
}

static void
test_lowercase_forbidden_empty (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_LOWERCASE);
  g_autoptr(BearerTokenRequest) request = lowercase_request (server, BEARER_GRANT_REFRESH_TOKEN,
                                                             "wrong");
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  bearer_test_server_set_refresh_token (server, "lower-refresh-token");
  response = send_request (request, &error);
  g_assert_null (response);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_HTTP_STATUS);
  g_assert_cmpuint (bearer_error_get_http_status (error), ==, 403);
  g_assert_null (bearer_error_get_oauth_code (error));
  g_assert_false (bearer_error_is_dead_refresh_token (error));
  assert_message_has (error, "403");
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_data_func ("/bearer/servers/passport/rotation/form",
                        GINT_TO_POINTER (BEARER_BODY_FORM), test_passport_rotation);
  g_test_add_data_func ("/bearer/servers/passport/rotation/json",
                        GINT_TO_POINTER (BEARER_BODY_JSON), test_passport_rotation);
  g_test_add_func ("/bearer/servers/passport/unknown-refresh-token",
                   test_passport_unknown_refresh_token);
  g_test_add_data_func ("/bearer/servers/passport/basic-raw/plain", "bearer-test-secret",
                        test_passport_basic_raw);
  g_test_add_data_func ("/bearer/servers/passport/basic-raw/colon", "se:cr:et",
                        test_passport_basic_raw);
  g_test_add_data_func ("/bearer/servers/passport/basic-raw/tricky", TRICKY_SECRET,
                        test_passport_basic_raw);
  g_test_add_func ("/bearer/servers/passport/basic-encoded-refused",
                   test_passport_basic_encoded_refused);
  g_test_add_data_func ("/bearer/servers/passport/post-tricky/form",
                        GINT_TO_POINTER (BEARER_BODY_FORM), test_passport_post_tricky);
  g_test_add_data_func ("/bearer/servers/passport/post-tricky/json",
                        GINT_TO_POINTER (BEARER_BODY_JSON), test_passport_post_tricky);
  g_test_add_func ("/bearer/servers/passport/bad-client", test_passport_bad_client);
  g_test_add_func ("/bearer/servers/passport/password", test_passport_password);

  g_test_add_func ("/bearer/servers/oidc/basic-tricky-secret", test_oidc_basic_tricky);
  g_test_add_func ("/bearer/servers/oidc/basic-raw-percent", test_oidc_basic_raw_percent);
  g_test_add_func ("/bearer/servers/oidc/basic-raw-plus", test_oidc_basic_raw_plus);
  g_test_add_func ("/bearer/servers/oidc/reuse", test_oidc_reuse);
  g_test_add_func ("/bearer/servers/oidc/same-refresh-token", test_oidc_same_refresh_token);
  g_test_add_func ("/bearer/servers/oidc/wrong-secret", test_oidc_wrong_secret);

  g_test_add_func ("/bearer/servers/lowercase/token-type", test_lowercase_token_type);
  g_test_add_func ("/bearer/servers/lowercase/jwt-exp", test_lowercase_jwt_exp);
  g_test_add_func ("/bearer/servers/lowercase/keeps-refresh-token",
                   test_lowercase_keeps_refresh_token);
  g_test_add_func ("/bearer/servers/lowercase/forbidden-empty", test_lowercase_forbidden_empty);

  return g_test_run ();
}
