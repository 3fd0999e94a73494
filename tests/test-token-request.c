/* test-token-request.c: what a token request puts on the wire, byte for byte
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every request goes through bearer_client_request_token_async() to the
 * SCRIPTED test server, and the test compares what the server received with
 * docs/core.md ("The wire", "Before anything is sent"). The expected
 * encodings are literal strings written from the documented rules, never
 * computed by the code under test.
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "bearer-client.h"
#include "bearer-error.h"
#include "bearer-test-server.h"
#include "bearer-token-request.h"

/* The inputs, and their WHATWG form encodings written out by hand. */
#define CLIENT_ID            "my client"
#define CLIENT_ID_FORM       "my+client"
#define CLIENT_SECRET        "a:b%c+d \xc3\xa9"
#define CLIENT_SECRET_FORM   "a%3Ab%25c%2Bd+%C3%A9"
#define REFRESH_TOKEN        "rt/with+special=chars&x \xc3\xa9"
#define REFRESH_TOKEN_FORM   "rt%2Fwith%2Bspecial%3Dchars%26x+%C3%A9"
#define USERNAME             "alice@example.com"
#define USERNAME_FORM        "alice%40example.com"
#define PASSWORD             "p&ss w=rd~!"
#define PASSWORD_FORM        "p%26ss+w%3Drd%7E%21"
#define CODE                 "c0de/AbC-_.*"
#define CODE_FORM            "c0de%2FAbC-_.*"
#define REDIRECT_URI         "http://127.0.0.1:8400/callback?x=1"
#define REDIRECT_URI_FORM    "http%3A%2F%2F127.0.0.1%3A8400%2Fcallback%3Fx%3D1"
#define CODE_VERIFIER        "verifier-._~0123456789abcdefghijklmnopqrstuvwxyzABC"
#define CODE_VERIFIER_FORM   "verifier-._%7E0123456789abcdefghijklmnopqrstuvwxyzABC"

/* base64 ("my+client:a%3Ab%25c%2Bd+%C3%A9") and base64 ("my client:a:b%c+d é") */
#define BASIC_LITERAL        "Basic bXkrY2xpZW50OmElM0FiJTI1YyUyQmQrJUMzJUE5"
#define BASIC_RAW_LITERAL    "Basic bXkgY2xpZW50OmE6YiVjK2Qgw6k="

#define FORM_TYPE            "application/x-www-form-urlencoded"
#define JSON_TYPE            "application/json"
#define USER_AGENT           "Bearer/" PACKAGE_VERSION

typedef struct {
  const char *name;
  const char *value;   /* as given */
  const char *encoded; /* as the form encoding must send it */
} Param;

static const Param refresh_params[] = {
  { "grant_type", "refresh_token", "refresh_token" },
  { "refresh_token", REFRESH_TOKEN, REFRESH_TOKEN_FORM },
  { NULL },
};
static const Param client_credentials_params[] = {
  { "grant_type", "client_credentials", "client_credentials" },
  { NULL },
};
static const Param password_params[] = {
  { "grant_type", "password", "password" },
  { "username", USERNAME, USERNAME_FORM },
  { "password", PASSWORD, PASSWORD_FORM },
  { NULL },
};
static const Param authorization_code_params[] = {
  { "grant_type", "authorization_code", "authorization_code" },
  { "code", CODE, CODE_FORM },
  { "redirect_uri", REDIRECT_URI, REDIRECT_URI_FORM },
  { "code_verifier", CODE_VERIFIER, CODE_VERIFIER_FORM },
  { NULL },
};
static const Param post_params[] = {
  { "client_id", CLIENT_ID, CLIENT_ID_FORM },
  { "client_secret", CLIENT_SECRET, CLIENT_SECRET_FORM },
  { NULL },
};
static const Param none_params[] = {
  { "client_id", CLIENT_ID, CLIENT_ID_FORM },
  { NULL },
};

static const Param *
grant_params (BearerGrantType grant)
{
  switch (grant)
    {
    case BEARER_GRANT_REFRESH_TOKEN:
      return refresh_params;
    case BEARER_GRANT_CLIENT_CREDENTIALS:
      return client_credentials_params;
    case BEARER_GRANT_PASSWORD:
      return password_params;
    case BEARER_GRANT_AUTHORIZATION_CODE:
      return authorization_code_params;
    default:
      g_assert_not_reached ();
    }
}

static const Param *
client_params (BearerClientAuth auth)
{
  static const Param nothing[] = { { NULL } };

  switch (auth)
    {
    case BEARER_CLIENT_AUTH_BASIC:
    case BEARER_CLIENT_AUTH_BASIC_RAW:
      return nothing;
    case BEARER_CLIENT_AUTH_POST:
      return post_params;
    case BEARER_CLIENT_AUTH_NONE:
      return none_params;
    default:
      g_assert_not_reached ();
    }
}

/* An ordered list of expected parameters, from several NULL-ended arrays. */
static GArray *
expected_new (void)
{
  return g_array_new (FALSE, FALSE, sizeof (Param));
}

static void
expected_add (GArray      *expected,
              const Param *params)
{
  for (; params->name != NULL; params++)
    g_array_append_vals (expected, params, 1);
}

static void
expected_add_one (GArray     *expected,
                  const char *name,
                  const char *value,
                  const char *encoded)
{
  Param param = { name, value, encoded };

  g_array_append_val (expected, param);
}

static void
set_grant_inputs (BearerTokenRequest *request,
                  BearerGrantType     grant)
{
  switch (grant)
    {
    case BEARER_GRANT_REFRESH_TOKEN:
      bearer_token_request_set_refresh_token (request, REFRESH_TOKEN);
      break;
    case BEARER_GRANT_CLIENT_CREDENTIALS:
      break;
    case BEARER_GRANT_PASSWORD:
      bearer_token_request_set_password (request, USERNAME, PASSWORD);
      break;
    case BEARER_GRANT_AUTHORIZATION_CODE:
      bearer_token_request_set_authorization_code (request, CODE, REDIRECT_URI, CODE_VERIFIER);
      break;
    default:
      g_assert_not_reached ();
    }
}

static BearerTokenRequest *
new_request_for_url (const char         *url,
                     BearerGrantType     grant,
                     BearerClientAuth    auth,
                     BearerBodyEncoding  encoding)
{
  BearerTokenRequest *request = bearer_token_request_new (grant, url);

  bearer_token_request_set_client (request, CLIENT_ID, CLIENT_SECRET);
  bearer_token_request_set_client_auth (request, auth);
  bearer_token_request_set_body_encoding (request, encoding);
  set_grant_inputs (request, grant);

  return request;
}

static BearerTokenRequest *
new_request (BearerTestServer   *server,
             BearerGrantType     grant,
             BearerClientAuth    auth,
             BearerBodyEncoding  encoding)
{
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");

  return new_request_for_url (url, grant, auth, encoding);
}

static BearerTokenResponse *
send_request (BearerTokenRequest  *request,
              GError             **error)
{
  g_autoptr(BearerClient) client = bearer_client_new ();

  return bearer_test_run_request (client, request, NULL, error);
}

/* Sends, expects the scripted token back. */
static void
send_expecting_success (BearerTokenRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BearerTokenResponse) response = send_request (request, &error);

  g_assert_no_error (error);
  g_assert_nonnull (response);
  g_assert_cmpstr (bearer_token_response_get_access_token (response), ==,
                   "scripted-access-token");
}

/* Sends, expects a Bearer error and that the server never heard of it. */
static void
assert_refused_before_sending (BearerTestServer   *server,
                               BearerTokenRequest *request,
                               BearerError         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BearerTokenResponse) response = send_request (request, &error);

  g_assert_error (error, BEARER_ERROR, code);
  g_assert_null (response);
  g_assert_nonnull (error->message);
  g_assert_cmpstr (error->message, !=, "");
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 0);
}

static char *
join_form (GArray *expected)
{
  GString *out = g_string_new (NULL);
  guint i;

  for (i = 0; i < expected->len; i++)
    {
      const Param *param = &g_array_index (expected, Param, i);

      if (i > 0)
        g_string_append_c (out, '&');
      g_string_append_printf (out, "%s=%s", param->name, param->encoded);
    }

  return g_string_free (out, FALSE);
}

static void
assert_json_body (const char *body,
                  GArray     *expected)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *object;
  GList *l;
  guint i;

  g_assert_true (g_utf8_validate (body, -1, NULL));
  json_parser_load_from_data (parser, body, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  object = json_node_get_object (json_parser_get_root (parser));

  members = json_object_get_members (object);
  g_assert_cmpuint (g_list_length (members), ==, expected->len);
  for (l = members, i = 0; l != NULL; l = l->next, i++)
    {
      const Param *param = &g_array_index (expected, Param, i);
      JsonNode *node = json_object_get_member (object, l->data);

      g_assert_cmpstr (l->data, ==, param->name);
      g_assert_true (JSON_NODE_HOLDS_VALUE (node));
      g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_STRING);
      g_assert_cmpstr (json_node_get_string (node), ==, param->value);
    }
  /* No member twice (the parser would keep only one of them). */
  for (i = 0; i < expected->len; i++)
    {
      g_autofree char *quoted = g_strdup_printf ("\"%s\":",
                                                 g_array_index (expected, Param, i).name);
      const char *first = strstr (body, quoted);
      g_autofree char *quoted_spaced = g_strdup_printf ("\"%s\" :",
                                                        g_array_index (expected, Param, i).name);

      if (first != NULL)
        g_assert_null (strstr (first + 1, quoted));
      g_assert_true (first != NULL || strstr (body, quoted_spaced) != NULL);
    }
}

/* The body the server received is exactly the expected parameters. */
static void
assert_body (BearerTestServer   *server,
             BearerBodyEncoding  encoding,
             GArray             *expected)
{
  g_autofree char *body = bearer_test_server_dup_last_body (server);
  const BearerTestRequest *received = bearer_test_server_get_last_request (server);

  g_assert_nonnull (received);
  g_assert_cmpuint (strlen (body), ==, g_bytes_get_size (received->body));
  if (encoding == BEARER_BODY_FORM)
    {
      g_autofree char *form = join_form (expected);

      g_assert_cmpstr (body, ==, form);
      g_assert_cmpstr (bearer_test_server_get_last_header (server, "Content-Type"), ==,
                       FORM_TYPE);
    }
  else
    {
      assert_json_body (body, expected);
      g_assert_cmpstr (bearer_test_server_get_last_header (server, "Content-Type"), ==,
                       JSON_TYPE);
    }
  g_assert_cmpuint (bearer_test_server_count_last_header (server, "Content-Type"), ==, 1);
}

/* Method, path, Accept, User-Agent: the same for every request. */
static void
assert_common_headers (BearerTestServer *server)
{
  const BearerTestRequest *received = bearer_test_server_get_last_request (server);

  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  g_assert_cmpstr (received->method, ==, "POST");
  g_assert_cmpstr (received->path, ==, "/oauth/token");
  g_assert_cmpstr (bearer_test_server_get_last_header (server, "Accept"), ==, "application/json");
  g_assert_cmpuint (bearer_test_server_count_last_header (server, "Accept"), ==, 1);
  g_assert_cmpstr (bearer_test_server_get_last_header (server, "User-Agent"), ==, USER_AGENT);
  g_assert_cmpuint (bearer_test_server_count_last_header (server, "User-Agent"), ==, 1);
}

static char *
basic_header (const char *text)
{
  g_autofree char *encoded = g_base64_encode ((const guchar *) text, strlen (text));

  return g_strconcat ("Basic ", encoded, NULL);
}

static void
assert_authorization (BearerTestServer *server,
                      BearerClientAuth  auth)
{
  switch (auth)
    {
    case BEARER_CLIENT_AUTH_BASIC:
      {
        /* enc(id) ":" enc(secret), the encodings written out above */
        g_autofree char *expected = basic_header (CLIENT_ID_FORM ":" CLIENT_SECRET_FORM);

        g_assert_cmpstr (expected, ==, BASIC_LITERAL);
        g_assert_cmpstr (bearer_test_server_get_last_header (server, "Authorization"), ==,
                         expected);
        g_assert_cmpuint (bearer_test_server_count_last_header (server, "Authorization"), ==, 1);
      }
      break;
    case BEARER_CLIENT_AUTH_BASIC_RAW:
      {
        g_autofree char *expected = basic_header (CLIENT_ID ":" CLIENT_SECRET);

        g_assert_cmpstr (expected, ==, BASIC_RAW_LITERAL);
        g_assert_cmpstr (bearer_test_server_get_last_header (server, "Authorization"), ==,
                         expected);
        g_assert_cmpuint (bearer_test_server_count_last_header (server, "Authorization"), ==, 1);
      }
      break;
    case BEARER_CLIENT_AUTH_POST:
    case BEARER_CLIENT_AUTH_NONE:
      g_assert_null (bearer_test_server_get_last_header (server, "Authorization"));
      break;
    default:
      g_assert_not_reached ();
    }
}

/* ---------------------------------------------------------------------- */
/* The matrix: every grant x every client authentication x both bodies    */

typedef struct {
  BearerGrantType    grant;
  BearerClientAuth   auth;
  BearerBodyEncoding encoding;
} MatrixCase;

static void
test_matrix (gconstpointer data)
{
  const MatrixCase *c = data;
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerTokenRequest) request = new_request (server, c->grant, c->auth, c->encoding);
  g_autoptr(GArray) expected = expected_new ();
  const BearerTestRequest *received;

  send_expecting_success (request);

  assert_common_headers (server);
  received = bearer_test_server_get_last_request (server);
  g_assert_null (received->query);
  assert_authorization (server, c->auth);

  expected_add (expected, grant_params (c->grant));
  expected_add (expected, client_params (c->auth));
  assert_body (server, c->encoding, expected);
}

/* ---------------------------------------------------------------------- */
/* Client authentication in detail                                        */

static void
test_basic_encoded_secret (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerTokenRequest) request = new_request (server, BEARER_GRANT_CLIENT_CREDENTIALS,
                                                       BEARER_CLIENT_AUTH_BASIC,
                                                       BEARER_BODY_FORM);

  send_expecting_success (request);

  /* docs/core.md: the secret `a:b%c+d é` is sent as `a%3Ab%25c%2Bd+%C3%A9` */
  g_assert_cmpstr (bearer_test_server_get_last_header (server, "Authorization"), ==,
                   "Basic bXkrY2xpZW50OmElM0FiJTI1YyUyQmQrJUMzJUE5");
}

static void
test_basic_raw_secret (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerTokenRequest) request = new_request (server, BEARER_GRANT_CLIENT_CREDENTIALS,
                                                       BEARER_CLIENT_AUTH_BASIC_RAW,
                                                       BEARER_BODY_FORM);

  send_expecting_success (request);

  g_assert_cmpstr (bearer_test_server_get_last_header (server, "Authorization"), ==,
                   "Basic bXkgY2xpZW50OmE6YiVjK2Qgw6k=");
}

/* Only A-Z a-z 0-9 * - . _ stay; '~' and the other RFC 3986 marks do not. */
static void
test_basic_encoding_set (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");
  g_autoptr(BearerTokenRequest) request = bearer_token_request_new (BEARER_GRANT_CLIENT_CREDENTIALS,
                                                                    url);
  g_autofree char *expected = NULL;

  bearer_token_request_set_client (request, "AZaz09*-._", "~!'()/?#[]@&=;,$\"\\\t\x7f");
  bearer_token_request_set_client_auth (request, BEARER_CLIENT_AUTH_BASIC);
  send_expecting_success (request);

  expected = basic_header ("AZaz09*-._:"
                           "%7E%21%27%28%29%2F%3F%23%5B%5D%40%26%3D%3B%2C%24%22%5C%09%7F");
  g_assert_cmpstr (bearer_test_server_get_last_header (server, "Authorization"), ==, expected);
}

/* A secret-less client under `basic` still sends "id:" (RFC 7617 allows an
 * empty password); under `basic-raw` the same. The id with a space is
 * encoded in one and not in the other. */
static void
test_basic_empty_secret (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");
  g_autoptr(BearerTokenRequest) request = bearer_token_request_new (BEARER_GRANT_CLIENT_CREDENTIALS,
                                                                    url);
  g_autofree char *expected = basic_header ("my+client:");
  g_autofree char *expected_raw = basic_header ("my client:");

  bearer_token_request_set_client (request, CLIENT_ID, "");
  bearer_token_request_set_client_auth (request, BEARER_CLIENT_AUTH_BASIC);
  send_expecting_success (request);
  g_assert_cmpstr (bearer_test_server_get_last_header (server, "Authorization"), ==, expected);

  bearer_token_request_set_client_auth (request, BEARER_CLIENT_AUTH_BASIC_RAW);
  send_expecting_success (request);
  g_assert_cmpstr (bearer_test_server_get_last_header (server, "Authorization"), ==, expected_raw);
}

/* `none` without a client id sends no client_id at all. */
static void
test_none_without_client_id (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");
  g_autoptr(BearerTokenRequest) request = bearer_token_request_new (BEARER_GRANT_REFRESH_TOKEN,
                                                                    url);
  g_autofree char *body = NULL;

  bearer_token_request_set_client_auth (request, BEARER_CLIENT_AUTH_NONE);
  bearer_token_request_set_refresh_token (request, "rt");
  send_expecting_success (request);

  body = bearer_test_server_dup_last_body (server);
  g_assert_cmpstr (body, ==, "grant_type=refresh_token&refresh_token=rt");
  g_assert_null (bearer_test_server_get_last_header (server, "Authorization"));
}

/* ---------------------------------------------------------------------- */
/* Optional and extra parameters                                          */

static void
set_optional (BearerTokenRequest *request)
{
  bearer_token_request_set_scope (request, "read write:all");
  bearer_token_request_set_audience (request, "https://api.example.com/");
  bearer_token_request_set_resource (request, "urn:example:resource \xc3\xa9");
}

static void
add_optional (GArray *expected)
{
  expected_add_one (expected, "scope", "read write:all", "read+write%3Aall");
  expected_add_one (expected, "audience", "https://api.example.com/",
                    "https%3A%2F%2Fapi.example.com%2F");
  expected_add_one (expected, "resource", "urn:example:resource \xc3\xa9",
                    "urn%3Aexample%3Aresource+%C3%A9");
}

static void
set_extra_body (BearerTokenRequest *request)
{
  bearer_token_request_add_parameter (request, BEARER_PARAM_BODY, "z_first", "1");
  bearer_token_request_add_parameter (request, BEARER_PARAM_BODY, "a_second", "two words & more");
  bearer_token_request_add_parameter (request, BEARER_PARAM_BODY, "tenant", "\xc3\xa9t\xc3\xa9/1");
}

static void
add_extra_body (GArray *expected)
{
  expected_add_one (expected, "z_first", "1", "1");
  expected_add_one (expected, "a_second", "two words & more", "two+words+%26+more");
}

static void
test_optional_order (gconstpointer data)
{
  BearerBodyEncoding encoding = GPOINTER_TO_INT (data);
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerTokenRequest) request = new_request (server, BEARER_GRANT_PASSWORD,
                                                       BEARER_CLIENT_AUTH_POST, encoding);
  g_autoptr(GArray) expected = expected_new ();

  set_optional (request);
  bearer_token_request_add_parameter (request, BEARER_PARAM_BODY, "z_first", "1");
  bearer_token_request_add_parameter (request, BEARER_PARAM_BODY, "a_second", "two words & more");
  send_expecting_success (request);

  assert_common_headers (server);
  expected_add (expected, password_params);
  add_optional (expected);
  expected_add (expected, post_params);
  add_extra_body (expected);
  assert_body (server, encoding, expected);
}

/* Scope, audience and resource with each grant and `basic`: between the
 * grant's own parameters and nothing. */
static void
test_optional_each_grant (void)
{
  BearerGrantType grants[] = {
    BEARER_GRANT_REFRESH_TOKEN, BEARER_GRANT_CLIENT_CREDENTIALS,
    BEARER_GRANT_PASSWORD, BEARER_GRANT_AUTHORIZATION_CODE,
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (grants); i++)
    {
      g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
      g_autoptr(BearerTokenRequest) request = new_request (server, grants[i],
                                                           BEARER_CLIENT_AUTH_BASIC,
                                                           BEARER_BODY_FORM);
      g_autoptr(GArray) expected = expected_new ();

      set_optional (request);
      send_expecting_success (request);

      expected_add (expected, grant_params (grants[i]));
      add_optional (expected);
      assert_body (server, BEARER_BODY_FORM, expected);
    }
}

/* Extra body parameters come last, in the order added. */
static void
test_extra_body (gconstpointer data)
{
  BearerBodyEncoding encoding = GPOINTER_TO_INT (data);
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerTokenRequest) request = new_request (server, BEARER_GRANT_REFRESH_TOKEN,
                                                       BEARER_CLIENT_AUTH_NONE, encoding);
  g_autoptr(GArray) expected = expected_new ();

  set_extra_body (request);
  send_expecting_success (request);

  expected_add (expected, refresh_params);
  expected_add (expected, none_params);
  add_extra_body (expected);
  expected_add_one (expected, "tenant", "\xc3\xa9t\xc3\xa9/1", "%C3%A9t%C3%A9%2F1");
  assert_body (server, encoding, expected);
  g_assert_null (bearer_test_server_get_last_request (server)->query);
}

/* Extra query parameters are appended to the token URL's own query. */
static void
test_extra_query_appended (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token?tenant=acme");
  g_autoptr(BearerTokenRequest) request = new_request_for_url (url, BEARER_GRANT_REFRESH_TOKEN,
                                                               BEARER_CLIENT_AUTH_BASIC,
                                                               BEARER_BODY_FORM);
  g_autoptr(GArray) expected = expected_new ();
  const BearerTestRequest *received;

  bearer_token_request_add_parameter (request, BEARER_PARAM_QUERY, "api-version",
                                      "2024-01 beta/\xc3\xa9");
  bearer_token_request_add_parameter (request, BEARER_PARAM_QUERY, "x", "a&b=c");
  send_expecting_success (request);

  received = bearer_test_server_get_last_request (server);
  g_assert_cmpstr (received->path, ==, "/oauth/token");
  g_assert_cmpstr (received->query, ==,
                   "tenant=acme&api-version=2024-01+beta%2F%C3%A9&x=a%26b%3Dc");
  /* and nothing of them in the body */
  expected_add (expected, refresh_params);
  assert_body (server, BEARER_BODY_FORM, expected);
  assert_authorization (server, BEARER_CLIENT_AUTH_BASIC);
}

static void
test_extra_query_new (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerTokenRequest) request = new_request (server, BEARER_GRANT_CLIENT_CREDENTIALS,
                                                       BEARER_CLIENT_AUTH_POST,
                                                       BEARER_BODY_JSON);
  g_autoptr(GArray) expected = expected_new ();

  bearer_token_request_add_parameter (request, BEARER_PARAM_QUERY, "a", "1");
  bearer_token_request_add_parameter (request, BEARER_PARAM_QUERY, "b", "x y");
  send_expecting_success (request);

  g_assert_cmpstr (bearer_test_server_get_last_request (server)->path, ==, "/oauth/token");
  g_assert_cmpstr (bearer_test_server_get_last_request (server)->query, ==, "a=1&b=x+y");
  expected_add (expected, client_credentials_params);
  expected_add (expected, post_params);
  assert_body (server, BEARER_BODY_JSON, expected);
}

static void
test_extra_header (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerTokenRequest) request = new_request (server, BEARER_GRANT_CLIENT_CREDENTIALS,
                                                       BEARER_CLIENT_AUTH_BASIC,
                                                       BEARER_BODY_FORM);
  g_autoptr(GArray) expected = expected_new ();

  bearer_token_request_add_parameter (request, BEARER_PARAM_HEADER, "X-Tenant", "acme corp");
  bearer_token_request_add_parameter (request, BEARER_PARAM_HEADER, "X-Request-Id", "42;a=b");
  send_expecting_success (request);

  assert_common_headers (server);
  g_assert_cmpstr (bearer_test_server_get_last_header (server, "X-Tenant"), ==, "acme corp");
  g_assert_cmpuint (bearer_test_server_count_last_header (server, "X-Tenant"), ==, 1);
  g_assert_cmpstr (bearer_test_server_get_last_header (server, "X-Request-Id"), ==, "42;a=b");
  g_assert_null (bearer_test_server_get_last_request (server)->query);
  assert_authorization (server, BEARER_CLIENT_AUTH_BASIC);
  expected_add (expected, client_credentials_params);
  assert_body (server, BEARER_BODY_FORM, expected);
}

/* The code verifier is optional (no PKCE): no code_verifier member then. */
static void
test_code_without_verifier (gconstpointer data)
{
  BearerBodyEncoding encoding = GPOINTER_TO_INT (data);
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerTokenRequest) request = new_request (server, BEARER_GRANT_AUTHORIZATION_CODE,
                                                       BEARER_CLIENT_AUTH_NONE, encoding);
  g_autoptr(GArray) expected = expected_new ();

  bearer_token_request_set_authorization_code (request, CODE, REDIRECT_URI, NULL);
  send_expecting_success (request);

  expected_add_one (expected, "grant_type", "authorization_code", "authorization_code");
  expected_add_one (expected, "code", CODE, CODE_FORM);
  expected_add_one (expected, "redirect_uri", REDIRECT_URI, REDIRECT_URI_FORM);
  expected_add (expected, none_params);
  assert_body (server, encoding, expected);
}

static void
test_defaults (void)
{
  g_autoptr(BearerTokenRequest) request =
    bearer_token_request_new (BEARER_GRANT_REFRESH_TOKEN, "https://auth.example.com/token");

  g_assert_cmpint (bearer_token_request_get_grant_type (request), ==, BEARER_GRANT_REFRESH_TOKEN);
  g_assert_cmpstr (bearer_token_request_get_token_url (request), ==,
                   "https://auth.example.com/token");
  g_assert_cmpuint (bearer_token_request_get_timeout (request), ==,
                    BEARER_TOKEN_REQUEST_DEFAULT_TIMEOUT);
  g_assert_cmpuint (BEARER_TOKEN_REQUEST_DEFAULT_TIMEOUT, ==, 30);
  g_assert_null (bearer_token_request_get_ca_file (request));

  bearer_token_request_set_client (request, CLIENT_ID, CLIENT_SECRET);
  bearer_token_request_set_refresh_token (request, REFRESH_TOKEN);
  bearer_token_request_set_timeout (request, 0);
  bearer_token_request_set_client_auth (request, BEARER_CLIENT_AUTH_BASIC_RAW);
  g_assert_cmpstr (bearer_token_request_get_client_id (request), ==, CLIENT_ID);
  g_assert_cmpstr (bearer_token_request_get_refresh_token (request), ==, REFRESH_TOKEN);
  g_assert_cmpuint (bearer_token_request_get_timeout (request), ==, 0);
  g_assert_cmpint (bearer_token_request_get_client_auth (request), ==,
                   BEARER_CLIENT_AUTH_BASIC_RAW);
}

/* ---------------------------------------------------------------------- */
/* Refused before anything is sent                                        */

typedef struct {
  const char *path;
  const char *url;  /* "%u" is the server's port */
} UrlCase;

static const UrlCase invalid_urls[] = {
  { "empty", "" },
  { "relative", "/oauth/token" },
  { "not-a-url", "not a url" },
  { "no-scheme", "127.0.0.1:%u/oauth/token" },
  { "ftp", "ftp://127.0.0.1:%u/oauth/token" },
  { "file", "file:///etc/passwd" },
  { "no-host", "http:///oauth/token" },
  { "user-and-password", "http://user:pass@127.0.0.1:%u/oauth/token" },
  { "user", "http://user@127.0.0.1:%u/oauth/token" },
  { "https-user", "https://user:pass@auth.example.com/oauth/token" },
};

static char *
url_with_port (const char *template,
               guint       port)
{
  g_auto(GStrv) parts = g_strsplit (template, "%u", -1);
  g_autofree char *number = g_strdup_printf ("%u", port);

  return g_strjoinv (number, parts);
}

static void
test_invalid_url (gconstpointer data)
{
  const UrlCase *c = data;
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *url = NULL;
  g_autoptr(BearerTokenRequest) request = NULL;

  url = url_with_port (c->url, bearer_test_server_get_port (server));
  request = new_request_for_url (url, BEARER_GRANT_CLIENT_CREDENTIALS, BEARER_CLIENT_AUTH_POST,
                                 BEARER_BODY_FORM);
  assert_refused_before_sending (server, request, BEARER_ERROR_INVALID_URL);
}

static const UrlCase insecure_urls[] = {
  { "example-com", "http://example.com/oauth/token" },
  { "private-address", "http://10.0.0.1/oauth/token" },
  /* 0.0.0.0 reaches the local machine on Linux, but is not loopback */
  { "any-address", "http://0.0.0.0:%u/oauth/token" },
  { "loopback-lookalike", "http://127.0.0.1.example.com:%u/oauth/token" },
  { "localhost-lookalike", "http://localhost.example.com:%u/oauth/token" },
  { "ipv6-not-loopback", "http://[::2]:%u/oauth/token" },
};

static void
test_insecure_url (gconstpointer data)
{
  const UrlCase *c = data;
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *url = NULL;
  g_autoptr(BearerTokenRequest) request = NULL;

  url = url_with_port (c->url, bearer_test_server_get_port (server));
  request = new_request_for_url (url, BEARER_GRANT_CLIENT_CREDENTIALS, BEARER_CLIENT_AUTH_POST,
                                 BEARER_BODY_FORM);
  assert_refused_before_sending (server, request, BEARER_ERROR_INSECURE_URL);
}

/* set_allow_insecure_http: the same http:// URL to 0.0.0.0 goes through. */
static void
test_insecure_allowed (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *url = g_strdup_printf ("http://0.0.0.0:%u/oauth/token",
                                          bearer_test_server_get_port (server));
  g_autoptr(BearerTokenRequest) request = new_request_for_url (url, BEARER_GRANT_CLIENT_CREDENTIALS,
                                                               BEARER_CLIENT_AUTH_POST,
                                                               BEARER_BODY_FORM);

  assert_refused_before_sending (server, request, BEARER_ERROR_INSECURE_URL);

  bearer_token_request_set_allow_insecure_http (request, TRUE);
  send_expecting_success (request);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);

  bearer_token_request_set_allow_insecure_http (request, FALSE);
  bearer_test_server_reset_requests (server);
  assert_refused_before_sending (server, request, BEARER_ERROR_INSECURE_URL);
}

static void
test_loopback_localhost (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  const char *hosts[] = { "127.0.0.1", "localhost" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      g_autofree char *url = g_strdup_printf ("http://%s:%u/oauth/token", hosts[i],
                                              bearer_test_server_get_port (server));
      g_autoptr(BearerTokenRequest) request =
        new_request_for_url (url, BEARER_GRANT_CLIENT_CREDENTIALS, BEARER_CLIENT_AUTH_POST,
                             BEARER_BODY_FORM);

      g_test_message ("%s", url);
      bearer_test_server_reset_requests (server);
      send_expecting_success (request);
      g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
    }
}

/* Host names are case-insensitive (RFC 3986 §3.2.2). */
static void
test_loopback_localhost_case (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *url = g_strdup_printf ("http://LocalHost:%u/oauth/token",
                                          bearer_test_server_get_port (server));
  g_autoptr(BearerTokenRequest) request = new_request_for_url (url, BEARER_GRANT_CLIENT_CREDENTIALS,
                                                               BEARER_CLIENT_AUTH_POST,
                                                               BEARER_BODY_FORM);

  send_expecting_success (request);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
}

/* 127.0.0.0/8 is loopback: nothing listens on 127.1.2.3, so the request is
 * sent and refused by the network, not by the URL check. */
static void
test_loopback_net (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *url = g_strdup_printf ("http://127.1.2.3:%u/oauth/token",
                                          bearer_test_server_get_port (server));
  g_autoptr(BearerTokenRequest) request = new_request_for_url (url, BEARER_GRANT_CLIENT_CREDENTIALS,
                                                               BEARER_CLIENT_AUTH_POST,
                                                               BEARER_BODY_FORM);
  g_autoptr(GError) error = NULL;
  g_autoptr(BearerTokenResponse) response = send_request (request, &error);

  if (response != NULL)
    {
      /* Some systems let 127.0.0.1 listeners answer on the whole /8. */
      g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
      return;
    }
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_CONNECTION_REFUSED);
}

static void
ipv6_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  static const char body[] = "{\"access_token\":\"scripted-access-token\","
                             "\"token_type\":\"Bearer\"}";
  guint *count = user_data;

  (*count)++;
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
                                    body, strlen (body));
}

static void
test_loopback_ipv6 (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GError) listen_error = NULL;
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autofree char *url = NULL;
  GSList *uris;
  guint count = 0;

  soup_server_add_handler (server, NULL, ipv6_handler, &count, NULL);
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV6_ONLY, &listen_error))
    {
      g_test_skip_printf ("no IPv6 loopback here: %s", listen_error->message);
      return;
    }
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("http://[::1]:%d/oauth/token", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  request = new_request_for_url (url, BEARER_GRANT_CLIENT_CREDENTIALS, BEARER_CLIENT_AUTH_POST,
                                 BEARER_BODY_FORM);
  send_expecting_success (request);
  g_assert_cmpuint (count, ==, 1);
  soup_server_disconnect (server);
}

/* MISSING_PARAMETER */

static void
missing_refresh_token (BearerTokenRequest *request)
{
  bearer_token_request_set_refresh_token (request, NULL);
}

static void
missing_username (BearerTokenRequest *request)
{
  bearer_token_request_set_password (request, NULL, PASSWORD);
}

static void
missing_password (BearerTokenRequest *request)
{
  bearer_token_request_set_password (request, USERNAME, NULL);
}

static void
missing_code (BearerTokenRequest *request)
{
  bearer_token_request_set_authorization_code (request, NULL, REDIRECT_URI, CODE_VERIFIER);
}

static void
missing_redirect_uri (BearerTokenRequest *request)
{
  bearer_token_request_set_authorization_code (request, CODE, NULL, CODE_VERIFIER);
}

static void
missing_client_id (BearerTokenRequest *request)
{
  bearer_token_request_set_client (request, NULL, CLIENT_SECRET);
}

typedef struct {
  const char         *path;
  BearerGrantType     grant;
  BearerClientAuth    auth;
  void              (*spoil) (BearerTokenRequest *request);
} MissingCase;

static const MissingCase missing_cases[] = {
  { "refresh_token", BEARER_GRANT_REFRESH_TOKEN, BEARER_CLIENT_AUTH_POST, missing_refresh_token },
  { "refresh_token-none", BEARER_GRANT_REFRESH_TOKEN, BEARER_CLIENT_AUTH_NONE,
    missing_refresh_token },
  { "username", BEARER_GRANT_PASSWORD, BEARER_CLIENT_AUTH_BASIC, missing_username },
  { "password", BEARER_GRANT_PASSWORD, BEARER_CLIENT_AUTH_BASIC, missing_password },
  { "code", BEARER_GRANT_AUTHORIZATION_CODE, BEARER_CLIENT_AUTH_NONE, missing_code },
  { "redirect_uri", BEARER_GRANT_AUTHORIZATION_CODE, BEARER_CLIENT_AUTH_NONE,
    missing_redirect_uri },
  { "client_id-basic", BEARER_GRANT_CLIENT_CREDENTIALS, BEARER_CLIENT_AUTH_BASIC,
    missing_client_id },
  { "client_id-basic-raw", BEARER_GRANT_CLIENT_CREDENTIALS, BEARER_CLIENT_AUTH_BASIC_RAW,
    missing_client_id },
  { "client_id-post", BEARER_GRANT_REFRESH_TOKEN, BEARER_CLIENT_AUTH_POST, missing_client_id },
};

static void
test_missing_parameter (gconstpointer data)
{
  const MissingCase *c = data;
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerTokenRequest) request = new_request (server, c->grant, c->auth,
                                                       BEARER_BODY_FORM);

  c->spoil (request);
  assert_refused_before_sending (server, request, BEARER_ERROR_MISSING_PARAMETER);
}

/* INVALID_PARAMETER */

typedef struct {
  const char          *path;
  BearerParamLocation  location;
  const char          *name;
  const char          *value;
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  { "header-lf", BEARER_PARAM_HEADER, "X-Tenant", "acme\nX-Injected: 1" },
  { "header-cr", BEARER_PARAM_HEADER, "X-Tenant", "acme\rX-Injected: 1" },
  { "header-crlf", BEARER_PARAM_HEADER, "X-Tenant", "acme\r\nX-Injected: 1" },
  { "header-trailing-lf", BEARER_PARAM_HEADER, "X-Tenant", "acme\n" },
  { "header-name-space", BEARER_PARAM_HEADER, "X Tenant", "acme" },
  { "header-name-colon", BEARER_PARAM_HEADER, "X-Tenant:", "acme" },
  { "header-name-lf", BEARER_PARAM_HEADER, "X-Tenant\nX-Injected", "acme" },
  { "header-name-empty", BEARER_PARAM_HEADER, "", "acme" },
  { "reserved-host", BEARER_PARAM_HEADER, "Host", "evil.example.com" },
  { "reserved-content-length", BEARER_PARAM_HEADER, "content-length", "0" },
  { "reserved-transfer-encoding", BEARER_PARAM_HEADER, "Transfer-Encoding", "chunked" },
  { "reserved-connection", BEARER_PARAM_HEADER, "CONNECTION", "close" },
  { "reserved-content-type", BEARER_PARAM_HEADER, "Content-Type", "text/plain" },
  { "body-name-empty", BEARER_PARAM_BODY, "", "x" },
  { "query-name-empty", BEARER_PARAM_QUERY, "", "x" },
};

static void
test_invalid_parameter (gconstpointer data)
{
  const InvalidCase *c = data;
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerTokenRequest) request = new_request (server, BEARER_GRANT_REFRESH_TOKEN,
                                                       BEARER_CLIENT_AUTH_BASIC,
                                                       BEARER_BODY_FORM);

  bearer_token_request_add_parameter (request, c->location, c->name, c->value);
  assert_refused_before_sending (server, request, BEARER_ERROR_INVALID_PARAMETER);
}

/* A CA file that cannot be read is refused before sending, too. */
static void
test_ca_file_missing (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerTokenRequest) request = new_request (server, BEARER_GRANT_REFRESH_TOKEN,
                                                       BEARER_CLIENT_AUTH_BASIC,
                                                       BEARER_BODY_FORM);

  bearer_token_request_set_ca_file (request, "/nonexistent/bearer-test-ca.pem");
  g_assert_cmpstr (bearer_token_request_get_ca_file (request), ==,
                   "/nonexistent/bearer-test-ca.pem");
  assert_refused_before_sending (server, request, BEARER_ERROR_CA_FILE);
}

/* ---------------------------------------------------------------------- */

/* A URL that may carry a password is never quoted in an error, even when
 * it is malformed in other ways too. */
static void
test_url_password_not_quoted (void)
{
  const char *urls[] = {
    "htp://user:hunter2@id.example.com/token",
    "https://user:hunter2@id.example.com/token",
    "user:hunter2@id.example.com/token",
    "http://user:hunter2@id.example.com/token",
  };

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (bearer_token_url_check (urls[i], FALSE, &error));
      g_assert_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_URL);
      g_assert_null (strstr (error->message, "hunter2"));
    }
}

int
main (int   argc,
      char *argv[])
{
  const BearerGrantType grants[] = {
    BEARER_GRANT_REFRESH_TOKEN, BEARER_GRANT_CLIENT_CREDENTIALS,
    BEARER_GRANT_PASSWORD, BEARER_GRANT_AUTHORIZATION_CODE,
  };
  const BearerClientAuth auths[] = {
    BEARER_CLIENT_AUTH_BASIC, BEARER_CLIENT_AUTH_BASIC_RAW,
    BEARER_CLIENT_AUTH_POST, BEARER_CLIENT_AUTH_NONE,
  };
  guint g, a, e, i;

  g_test_init (&argc, &argv, NULL);

  for (g = 0; g < G_N_ELEMENTS (grants); g++)
    for (a = 0; a < G_N_ELEMENTS (auths); a++)
      for (e = 0; e < 2; e++)
        {
          MatrixCase *c = g_new0 (MatrixCase, 1);
          g_autofree char *path = NULL;

          c->grant = grants[g];
          c->auth = auths[a];
          c->encoding = e == 0 ? BEARER_BODY_FORM : BEARER_BODY_JSON;
          path = g_strdup_printf ("/bearer/token-request/wire/%s/%s/%s",
                                  bearer_grant_type_to_string (c->grant),
                                  bearer_client_auth_to_string (c->auth),
                                  e == 0 ? "form" : "json");
          g_test_add_data_func_full (path, c, test_matrix, g_free);
        }

  g_test_add_func ("/bearer/token-request/basic/encoded-secret", test_basic_encoded_secret);
  g_test_add_func ("/bearer/token-request/basic-raw/raw-secret", test_basic_raw_secret);
  g_test_add_func ("/bearer/token-request/basic/encoding-set", test_basic_encoding_set);
  g_test_add_func ("/bearer/token-request/basic/empty-secret", test_basic_empty_secret);
  g_test_add_func ("/bearer/token-request/none/no-client-id", test_none_without_client_id);
  g_test_add_data_func ("/bearer/token-request/optional/order/form",
                        GINT_TO_POINTER (BEARER_BODY_FORM), test_optional_order);
  g_test_add_data_func ("/bearer/token-request/optional/order/json",
                        GINT_TO_POINTER (BEARER_BODY_JSON), test_optional_order);
  g_test_add_func ("/bearer/token-request/optional/each-grant", test_optional_each_grant);
  g_test_add_data_func ("/bearer/token-request/extra/body/form",
                        GINT_TO_POINTER (BEARER_BODY_FORM), test_extra_body);
  g_test_add_data_func ("/bearer/token-request/extra/body/json",
                        GINT_TO_POINTER (BEARER_BODY_JSON), test_extra_body);
  g_test_add_func ("/bearer/token-request/extra/query/appended", test_extra_query_appended);
  g_test_add_func ("/bearer/token-request/extra/query/new", test_extra_query_new);
  g_test_add_func ("/bearer/token-request/extra/header", test_extra_header);
  g_test_add_data_func ("/bearer/token-request/authorization_code/no-verifier/form",
                        GINT_TO_POINTER (BEARER_BODY_FORM), test_code_without_verifier);
  g_test_add_data_func ("/bearer/token-request/authorization_code/no-verifier/json",
                        GINT_TO_POINTER (BEARER_BODY_JSON), test_code_without_verifier);
  g_test_add_func ("/bearer/token-request/defaults", test_defaults);

  for (i = 0; i < G_N_ELEMENTS (invalid_urls); i++)
    {
      g_autofree char *path = g_strconcat ("/bearer/token-request/invalid-url/",
                                           invalid_urls[i].path, NULL);

      g_test_add_data_func (path, &invalid_urls[i], test_invalid_url);
    }
  for (i = 0; i < G_N_ELEMENTS (insecure_urls); i++)
    {
      g_autofree char *path = g_strconcat ("/bearer/token-request/insecure-url/",
                                           insecure_urls[i].path, NULL);

      g_test_add_data_func (path, &insecure_urls[i], test_insecure_url);
    }
  g_test_add_func ("/bearer/token-request/insecure-url/allowed", test_insecure_allowed);
  g_test_add_func ("/bearer/token-request/loopback/localhost", test_loopback_localhost);
  g_test_add_func ("/bearer/token-request/loopback/localhost-any-case",
                   test_loopback_localhost_case);
  g_test_add_func ("/bearer/token-request/loopback/127-net", test_loopback_net);
  g_test_add_func ("/bearer/token-request/loopback/ipv6", test_loopback_ipv6);
  for (i = 0; i < G_N_ELEMENTS (missing_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/bearer/token-request/missing-parameter/",
                                           missing_cases[i].path, NULL);

      g_test_add_data_func (path, &missing_cases[i], test_missing_parameter);
    }
  for (i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/bearer/token-request/invalid-parameter/",
                                           invalid_cases[i].path, NULL);

      g_test_add_data_func (path, &invalid_cases[i], test_invalid_parameter);
    }
  g_test_add_func ("/bearer/token-request/ca-file/missing", test_ca_file_missing);
  g_test_add_func ("/bearer/token-request/url/password-not-quoted", test_url_password_not_quoted);

  return g_test_run ();
}
