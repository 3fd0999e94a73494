/* test-sign-in.c: signing in from zero (bearer-sign-in.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The authorization code with PKCE over the loopback redirect, with this
 * test as the browser (a SoupSession that follows the authorization URL's
 * redirect_uri), against the in-process token endpoint
 * (bearer-test-server.h, scripted), and the real keyring of the session:
 * what the authorization URL holds, that the verifier sent matches the
 * challenge, hostile callbacks (wrong state, no code, an error with a
 * description, another path, two callbacks, a browser that never comes
 * back), a fixed registered port, a pasted redirect; and the device grant's
 * polling (pending, slow_down, access_denied, expired_token).
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "bearer-connection.h"
#include "bearer-dpop.h"
#include "bearer-error.h"
#include "bearer-jwt.h"
#include "bearer-pkce.h"
#include "bearer-profile-store.h"
#include "bearer-sign-in-private.h"
#include "bearer-test-cli.h"
#include "bearer-test-keyring.h"
#include "bearer-test-keys.h"
#include "bearer-test-server.h"

#define CLIENT_ID "sign-in-client"
#define TOKEN_REPLY "{\"access_token\": \"signed-in-access\", \"token_type\": \"Bearer\", " \
                    "\"expires_in\": 3600, \"refresh_token\": \"signed-in-refresh\"}"

static char *tmp_root;
static GPtrArray *created_ids;

/* ---------------------------------------------------------------------- */

typedef struct {
  GAsyncResult *result;
} Wait;

static void
waited_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Wait *wait = user_data;

  g_assert_null (wait->result);
  wait->result = g_object_ref (result);
}

static void
iterate_until (gboolean *done)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (!*done)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Nothing happened within 30 s");
      g_main_context_iteration (NULL, TRUE);
    }
}

static GAsyncResult *
wait_for (Wait *wait)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (wait->result == NULL)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("An async call did not finish within 30 s");
      g_main_context_iteration (NULL, TRUE);
    }
  return wait->result;
}

static BearerProfile *
new_profile (BearerTestServer *server,
             const char       *scope)
{
  g_autofree char *token_url = bearer_test_server_get_url (server, "/token");
  g_autofree char *authorize_url = bearer_test_server_get_url (server, "/authorize?prompt=consent");
  BearerProfile *profile = bearer_profile_new ("sign-in test");

  bearer_profile_set_grant_type (profile, BEARER_GRANT_AUTHORIZATION_CODE);
  bearer_profile_set_token_url (profile, token_url);
  bearer_profile_set_authorization_url (profile, authorize_url);
  bearer_profile_set_client_id (profile, CLIENT_ID);
  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_NONE);
  bearer_profile_set_scope (profile, scope);
  g_ptr_array_add (created_ids, g_strdup (bearer_profile_get_id (profile)));
  return profile;
}

/* A sign-in under way, with its outcome once it ends. */
typedef struct {
  BearerSignIn *sign_in;
  GCancellable *cancellable;
  gboolean done;
  BearerRefreshResult *result;
  GError *error;
} Run;

static void
run_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Run *run = user_data;

  run->result = bearer_sign_in_run_finish (BEARER_SIGN_IN (source), result, &run->error);
  run->done = TRUE;
}

static Run *
run_start (BearerProfile      *profile,
           BearerSignInMethod  method,
           guint               timeout)
{
  Run *run = g_new0 (Run, 1);

  run->sign_in = bearer_sign_in_new (profile, method);
  run->cancellable = g_cancellable_new ();
  bearer_sign_in_set_timeout (run->sign_in, timeout);
  bearer_sign_in_set_second_ms (run->sign_in, 10);
  bearer_sign_in_run_async (run->sign_in, run->cancellable, run_done_cb, run);
  return run;
}

static void
run_free (Run *run)
{
  g_clear_object (&run->sign_in);
  g_clear_object (&run->cancellable);
  g_clear_object (&run->result);
  g_clear_error (&run->error);
  g_free (run);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Run, run_free)

static void
state_notified_cb (GObject    *object,
                   GParamSpec *pspec,
                   gpointer    user_data)
{
  *(gboolean *) user_data = TRUE;
}

static void
wait_for_state (Run               *run,
                BearerSignInState  state)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (bearer_sign_in_get_state (run->sign_in) != state && !run->done)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("The sign-in did not reach state %d within 30 s", state);
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_cmpint (bearer_sign_in_get_state (run->sign_in), ==, state);
}

static GHashTable *
url_params (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);

  g_assert_nonnull (uri);
  return g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
}

/* The browser: GET @url; returns the status, *body the page. */
static guint
browse (const char  *url,
        char       **body)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  Wait wait = { NULL };

  soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT, NULL, waited_cb, &wait);
  bytes = soup_session_send_and_read_finish (session, wait_for (&wait), &error);
  g_object_unref (wait.result);
  if (bytes == NULL)
    {
      if (body != NULL)
        *body = g_strdup (error->message);
      return 0;
    }
  if (body != NULL)
    *body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return soup_message_get_status (message);
}

/* The redirect_uri of the authorization URL with @query appended. */
static char *
callback_url (Run        *run,
              const char *query)
{
  g_autoptr(GHashTable) params = url_params (bearer_sign_in_get_authorization_url (run->sign_in));

  return g_strconcat (g_hash_table_lookup (params, "redirect_uri"), "?", query, NULL);
}

static const char *
auth_state (Run *run)
{
  static char *state;
  g_autoptr(GHashTable) params = url_params (bearer_sign_in_get_authorization_url (run->sign_in));

  g_free (state);
  state = g_strdup (g_hash_table_lookup (params, "state"));
  return state;
}

/* ---------------------------------------------------------------------- */

static void
test_browser_success (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(Run) run = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GHashTable) body_params = NULL;
  g_autofree char *url = NULL;
  g_autofree char *page = NULL;
  g_autofree char *body = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *query = NULL;
  g_autofree char *port_prefix = NULL;
  const char *redirect;

  if (!bearer_test_require_keyring ())
    return;

  profile = new_profile (server, "openid api:read");
  bearer_test_server_script (server, 200, "application/json", TOKEN_REPLY);
  run = run_start (profile, BEARER_SIGN_IN_BROWSER, 60);
  wait_for_state (run, BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER);
  g_assert_true (bearer_sign_in_get_loopback (run->sign_in));

  /* The authorization request: after the URL's own query, everything
   * RFC 6749 §4.1.1, RFC 7636 and OpenID Connect ask for. */
  url = g_strdup (bearer_sign_in_get_authorization_url (run->sign_in));
  g_assert_true (g_str_has_prefix (url, bearer_profile_get_authorization_url (profile)));
  params = url_params (url);
  g_assert_cmpstr (g_hash_table_lookup (params, "prompt"), ==, "consent");
  g_assert_cmpstr (g_hash_table_lookup (params, "response_type"), ==, "code");
  g_assert_cmpstr (g_hash_table_lookup (params, "client_id"), ==, CLIENT_ID);
  g_assert_cmpstr (g_hash_table_lookup (params, "scope"), ==, "openid api:read");
  g_assert_cmpstr (g_hash_table_lookup (params, "code_challenge_method"), ==, "S256");
  g_assert_cmpuint (strlen (g_hash_table_lookup (params, "state")), ==, 43);
  g_assert_cmpuint (strlen (g_hash_table_lookup (params, "nonce")), ==, 43);
  redirect = g_hash_table_lookup (params, "redirect_uri");
  g_assert_true (g_str_has_prefix (redirect, "http://127.0.0.1:"));
  g_assert_true (g_str_has_suffix (redirect, "/callback"));
  g_assert_cmpstr (redirect, ==, bearer_sign_in_get_redirect_uri (run->sign_in));
  port_prefix = g_strdup_printf ("http://127.0.0.1:%u/", bearer_test_server_get_port (server));
  g_assert_false (g_str_has_prefix (redirect, port_prefix));

  /* The browser comes back; its page waits until the tokens are stored. */
  query = g_strdup_printf ("code=the-code&state=%s&iss=ignored-without-issuer", auth_state (run));
  g_free (url);
  url = callback_url (run, query);
  g_assert_cmpuint (browse (url, &page), ==, 200);
  g_assert_nonnull (strstr (page, "Signed in to “sign-in test”"));
  iterate_until (&run->done);
  g_assert_no_error (run->error);
  g_assert_nonnull (run->result);
  g_assert_cmpstr (bearer_secrets_get_access_token (bearer_refresh_result_get_secrets (run->result)), ==,
                   "signed-in-access");
  g_assert_cmpstr (bearer_secrets_get_refresh_token (bearer_refresh_result_get_secrets (run->result)), ==,
                   "signed-in-refresh");
  g_assert_null (bearer_refresh_result_get_store_error (run->result));
  g_assert_cmpint (bearer_sign_in_get_state (run->sign_in), ==, BEARER_SIGN_IN_STATE_DONE);

  /* The code exchange: the code, the same redirect URI, and a verifier
   * whose S256 is the challenge. */
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  body = bearer_test_server_dup_last_body (server);
  body_params = g_uri_parse_params (body, -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
  g_assert_cmpstr (g_hash_table_lookup (body_params, "grant_type"), ==, "authorization_code");
  g_assert_cmpstr (g_hash_table_lookup (body_params, "code"), ==, "the-code");
  g_assert_cmpstr (g_hash_table_lookup (body_params, "redirect_uri"), ==, redirect);
  g_assert_cmpstr (g_hash_table_lookup (body_params, "client_id"), ==, CLIENT_ID);
  challenge = bearer_pkce_challenge (g_hash_table_lookup (body_params, "code_verifier"), BEARER_PKCE_S256);
  g_assert_cmpstr (challenge, ==, g_hash_table_lookup (params, "code_challenge"));

  /* Stored in the keyring, as a refresh stores. */
  {
    Wait wait = { NULL };
    g_autoptr(BearerSecrets) stored = NULL;
    g_autoptr(GError) error = NULL;

    bearer_secrets_lookup_async (bearer_profile_get_id (profile), NULL, waited_cb, &wait);
    stored = bearer_secrets_lookup_finish (wait_for (&wait), &error);
    g_object_unref (wait.result);
    g_assert_no_error (error);
    g_assert_cmpstr (bearer_secrets_get_refresh_token (stored), ==, "signed-in-refresh");
    g_assert_cmpstr (bearer_secrets_get_access_token (stored), ==, "signed-in-access");
  }

  /* Closed: nobody else is listened to. */
  bearer_test_spin (50);
  g_assert_cmpuint (browse (url, NULL), ==, 0);
}

/* A redirect whose query is @query_format (STATE: the right state) ends the sign-in with @code; nothing is sent to the token endpoint. */
static void
check_hostile_callback (const char *query_format,
                        int         code,
                        const char *words)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = new_profile (server, NULL);
  g_autoptr(Run) run = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autofree char *query = NULL;
  g_autofree char *url = NULL;
  g_autofree char *page = NULL;

  run = run_start (profile, BEARER_SIGN_IN_BROWSER, 60);
  wait_for_state (run, BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER);
  params = url_params (bearer_sign_in_get_authorization_url (run->sign_in));
  /* No openid in the scope: no nonce. */
  g_assert_null (g_hash_table_lookup (params, "nonce"));

  {
    GString *filled = g_string_new (query_format);

    g_string_replace (filled, "STATE", auth_state (run), 0);
    query = g_string_free (filled, FALSE);
  }
  url = callback_url (run, query);
  g_assert_cmpuint (browse (url, &page), ==, 400);
  iterate_until (&run->done);
  g_assert_error (run->error, BEARER_SIGN_IN_ERROR, code);
  if (words != NULL)
    {
      g_assert_nonnull (strstr (run->error->message, words));
      g_assert_nonnull (strstr (page, words));
    }
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 0);
}

static void
test_browser_wrong_state (void)
{
  check_hostile_callback ("code=stolen&state=not-STATE", BEARER_SIGN_IN_ERROR_STATE_MISMATCH, "state");
}

static void
test_browser_no_state (void)
{
  check_hostile_callback ("code=stolen&x=STATE", BEARER_SIGN_IN_ERROR_STATE_MISMATCH, NULL);
}

static void
test_browser_no_code (void)
{
  check_hostile_callback ("state=STATE", BEARER_SIGN_IN_ERROR_NO_CODE, NULL);
}

static void
test_browser_access_denied (void)
{
  check_hostile_callback ("error=access_denied&error_description=The+user+said+no&state=STATE",
                          BEARER_SIGN_IN_ERROR_DENIED, "The user said no");
}

static void
test_browser_server_error (void)
{
  check_hostile_callback ("error=invalid_scope&error_description=Unknown+scope+%C3%A9&state=STATE",
                          BEARER_SIGN_IN_ERROR_SERVER, "invalid_scope");
}

/* A favicon, another path, the callback path without a sign-in's answer:
 * nothing changes, and the real answer still counts. */
static void
test_browser_stray_requests (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(Run) run = NULL;
  g_autofree char *redirect = NULL;
  g_autofree char *favicon = NULL;
  g_autofree char *bare = NULL;
  g_autofree char *query = NULL;
  g_autofree char *url = NULL;

  if (!bearer_test_require_keyring ())
    return;

  profile = new_profile (server, NULL);
  bearer_test_server_script (server, 200, "application/json", TOKEN_REPLY);
  run = run_start (profile, BEARER_SIGN_IN_BROWSER, 60);
  wait_for_state (run, BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER);

  redirect = g_strdup (bearer_sign_in_get_redirect_uri (run->sign_in));
  favicon = g_strdup_printf ("%.*s/favicon.ico", (int) (strrchr (redirect, '/') - redirect), redirect);
  g_assert_cmpuint (browse (favicon, NULL), ==, 404);
  bare = g_strconcat (redirect, "?utm=1", NULL);
  g_assert_cmpuint (browse (bare, NULL), ==, 400);
  g_assert_cmpuint (browse (redirect, NULL), ==, 400);
  g_assert_false (run->done);
  g_assert_cmpint (bearer_sign_in_get_state (run->sign_in), ==, BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER);

  query = g_strdup_printf ("state=%s&code=real", auth_state (run));
  url = callback_url (run, query);
  g_assert_cmpuint (browse (url, NULL), ==, 200);
  iterate_until (&run->done);
  g_assert_no_error (run->error);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
}

typedef struct {
  guint status;
  gboolean done;
} Browsed;

static void
browsed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Browsed *browsed = user_data;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);

  browsed->status = bytes != NULL ? soup_message_get_status (soup_session_get_async_result_message (SOUP_SESSION (source), result)) : 0;
  browsed->done = TRUE;
}

/* Two answers at once: the first is taken, the second changes nothing. */
static void
test_browser_two_callbacks (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(Run) run = NULL;
  g_autoptr(SoupSession) one = soup_session_new ();
  g_autoptr(SoupSession) two = soup_session_new ();
  g_autoptr(SoupMessage) first = NULL;
  g_autoptr(SoupMessage) second = NULL;
  g_autofree char *query1 = NULL;
  g_autofree char *query2 = NULL;
  g_autofree char *url1 = NULL;
  g_autofree char *url2 = NULL;
  g_autofree char *body = NULL;
  Browsed b1 = { 0 }, b2 = { 0 };

  if (!bearer_test_require_keyring ())
    return;

  profile = new_profile (server, NULL);
  bearer_test_server_script (server, 200, "application/json", TOKEN_REPLY);
  run = run_start (profile, BEARER_SIGN_IN_BROWSER, 60);
  wait_for_state (run, BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER);

  query1 = g_strdup_printf ("state=%s&code=first", auth_state (run));
  query2 = g_strdup_printf ("state=%s&code=second", auth_state (run));
  url1 = callback_url (run, query1);
  url2 = callback_url (run, query2);
  first = soup_message_new ("GET", url1);
  second = soup_message_new ("GET", url2);
  soup_session_send_and_read_async (one, first, G_PRIORITY_DEFAULT, NULL, browsed_cb, &b1);
  /* The second leaves once the first is being answered. */
  wait_for_state (run, BEARER_SIGN_IN_STATE_EXCHANGING);
  soup_session_send_and_read_async (two, second, G_PRIORITY_DEFAULT, NULL, browsed_cb, &b2);
  iterate_until (&run->done);
  iterate_until (&b1.done);
  iterate_until (&b2.done);

  g_assert_no_error (run->error);
  g_assert_cmpuint (b1.status, ==, 200);
  g_assert_true (b2.status == 409 || b2.status == 0);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  body = bearer_test_server_dup_last_body (server);
  g_assert_nonnull (strstr (body, "code=first"));
}

/* The browser never comes back. */
static void
test_browser_timeout (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = new_profile (server, NULL);
  g_autoptr(Run) run = NULL;
  g_autofree char *redirect = NULL;

  run = run_start (profile, BEARER_SIGN_IN_BROWSER, 1);
  wait_for_state (run, BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER);
  redirect = g_strdup (bearer_sign_in_get_redirect_uri (run->sign_in));
  iterate_until (&run->done);
  g_assert_error (run->error, BEARER_SIGN_IN_ERROR, BEARER_SIGN_IN_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (run->error->message, "1 second"));
  bearer_test_spin (50);
  g_assert_cmpuint (browse (redirect, NULL), ==, 0);
}

static void
test_browser_cancel (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = new_profile (server, NULL);
  g_autoptr(Run) run = NULL;

  run = run_start (profile, BEARER_SIGN_IN_BROWSER, 60);
  wait_for_state (run, BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER);
  g_cancellable_cancel (run->cancellable);
  iterate_until (&run->done);
  g_assert_error (run->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 0);
}

/* A free port, for a registered redirect with a fixed port. */
static guint
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (socket, address, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
test_browser_fixed_port (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(Run) run = NULL;
  g_autofree char *registered = NULL;
  g_autofree char *query = NULL;
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;
  g_autofree char *encoded = NULL;

  if (!bearer_test_require_keyring ())
    return;

  profile = new_profile (server, NULL);
  registered = g_strdup_printf ("http://127.0.0.1:%u/oauth/fixed", free_port ());
  bearer_profile_set_redirect_uri (profile, registered);
  bearer_test_server_script (server, 200, "application/json", TOKEN_REPLY);
  run = run_start (profile, BEARER_SIGN_IN_BROWSER, 60);
  wait_for_state (run, BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER);
  g_assert_cmpstr (bearer_sign_in_get_redirect_uri (run->sign_in), ==, registered);

  query = g_strdup_printf ("state=%s&code=fixed", auth_state (run));
  url = g_strconcat (registered, "?", query, NULL);
  g_assert_cmpuint (browse (url, NULL), ==, 200);
  iterate_until (&run->done);
  g_assert_no_error (run->error);
  body = bearer_test_server_dup_last_body (server);
  encoded = g_uri_escape_string (registered, NULL, FALSE);
  g_assert_nonnull (strstr (body, encoded));
}

/* The registered port is taken: a clear error, before any browser opens. */
static void
test_browser_port_taken (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = new_profile (server, NULL);
  g_autoptr(Run) run = NULL;
  g_autofree char *registered = NULL;

  /* The token endpoint's own port. */
  registered = g_strdup_printf ("http://127.0.0.1:%u/callback", bearer_test_server_get_port (server));
  bearer_profile_set_redirect_uri (profile, registered);
  run = run_start (profile, BEARER_SIGN_IN_BROWSER, 60);
  iterate_until (&run->done);
  g_assert_error (run->error, BEARER_SIGN_IN_ERROR, BEARER_SIGN_IN_ERROR_LOOPBACK);
  g_assert_nonnull (strstr (run->error->message, "127.0.0.1"));
  g_assert_null (bearer_sign_in_get_authorization_url (run->sign_in));
}

/* A registered https:// page: the address the browser ended on is pasted. */
static void
test_browser_pasted (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(Run) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *wrong = NULL;
  g_autofree char *right = NULL;

  if (!bearer_test_require_keyring ())
    return;

  profile = new_profile (server, NULL);
  bearer_profile_set_redirect_uri (profile, "https://app.example.com/oauth/callback");
  bearer_test_server_script (server, 200, "application/json", TOKEN_REPLY);
  run = run_start (profile, BEARER_SIGN_IN_BROWSER, 60);
  wait_for_state (run, BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER);
  g_assert_false (bearer_sign_in_get_loopback (run->sign_in));
  g_assert_cmpstr (bearer_sign_in_get_redirect_uri (run->sign_in), ==, "https://app.example.com/oauth/callback");

  /* Not an address, another attempt's: refused, still waiting. */
  g_assert_false (bearer_sign_in_submit_redirect (run->sign_in, "not an address", &error));
  g_assert_error (error, BEARER_SIGN_IN_ERROR, BEARER_SIGN_IN_ERROR_INVALID_REDIRECT);
  g_clear_error (&error);
  wrong = g_strdup_printf ("https://app.example.com/oauth/callback?code=old&state=old-%s", auth_state (run));
  g_assert_false (bearer_sign_in_submit_redirect (run->sign_in, wrong, &error));
  g_assert_error (error, BEARER_SIGN_IN_ERROR, BEARER_SIGN_IN_ERROR_STATE_MISMATCH);
  g_clear_error (&error);
  g_assert_cmpint (bearer_sign_in_get_state (run->sign_in), ==, BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER);

  right = g_strdup_printf ("  https://app.example.com/oauth/callback?code=pasted&state=%s \n", auth_state (run));
  g_assert_true (bearer_sign_in_submit_redirect (run->sign_in, right, &error));
  g_assert_no_error (error);
  iterate_until (&run->done);
  g_assert_no_error (run->error);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
}

/* ---- the device grant ------------------------------------------------- */

static BearerProfile *
device_profile (BearerTestServer *server)
{
  BearerProfile *profile = new_profile (server, "api:read");
  g_autofree char *device_url = bearer_test_server_get_url (server, "/device/auth");

  bearer_profile_set_grant_type (profile, BEARER_GRANT_DEVICE_CODE);
  bearer_profile_set_device_authorization_url (profile, device_url);
  return profile;
}

#define DEVICE_REPLY "{\"device_code\": \"dev-code-1\", \"user_code\": \"WDJB-MJHT\", " \
                     "\"verification_uri\": \"https://example.com/device\", " \
                     "\"verification_uri_complete\": \"https://example.com/device?user_code=WDJB-MJHT\", " \
                     "\"expires_in\": 600, \"interval\": 1}"

static void
test_device_polling (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(Run) run = NULL;
  g_autofree char *body = NULL;
  gboolean notified = FALSE;

  if (!bearer_test_require_keyring ())
    return;

  profile = device_profile (server);
  bearer_test_server_script (server, 200, "application/json", DEVICE_REPLY);
  bearer_test_server_script (server, 400, "application/json", "{\"error\": \"authorization_pending\"}");
  bearer_test_server_script (server, 400, "application/json", "{\"error\": \"slow_down\"}");
  bearer_test_server_script (server, 400, "application/json", "{\"error\": \"authorization_pending\"}");
  bearer_test_server_script (server, 200, "application/json", TOKEN_REPLY);

  run = run_start (profile, BEARER_SIGN_IN_DEVICE, 60);
  g_signal_connect (run->sign_in, "notify::interval", G_CALLBACK (state_notified_cb), &notified);
  wait_for_state (run, BEARER_SIGN_IN_STATE_WAITING_FOR_USER);
  g_assert_cmpstr (bearer_sign_in_get_user_code (run->sign_in), ==, "WDJB-MJHT");
  g_assert_cmpstr (bearer_sign_in_get_verification_uri (run->sign_in), ==, "https://example.com/device");
  g_assert_cmpstr (bearer_sign_in_get_verification_uri_complete (run->sign_in), ==,
                   "https://example.com/device?user_code=WDJB-MJHT");
  g_assert_cmpint (bearer_sign_in_get_expires_at (run->sign_in), >=, g_get_real_time () / G_USEC_PER_SEC + 590);
  g_assert_cmpuint (bearer_sign_in_get_interval (run->sign_in), ==, 1);

  /* The device authorization request: the client and scope, no grant. */
  body = bearer_test_server_dup_last_body (server);
  g_assert_cmpstr (bearer_test_server_get_last_request (server)->path, ==, "/device/auth");
  g_assert_null (strstr (body, "grant_type"));
  g_assert_nonnull (strstr (body, "scope=api%3Aread"));
  g_assert_nonnull (strstr (body, "client_id=" CLIENT_ID));

  iterate_until (&run->done);
  g_assert_no_error (run->error);
  /* slow_down: five (test) seconds more from then on. */
  g_assert_true (notified);
  g_assert_cmpuint (bearer_sign_in_get_interval (run->sign_in), ==, 6);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 5);
  g_clear_pointer (&body, g_free);
  body = bearer_test_server_dup_last_body (server);
  g_assert_cmpstr (bearer_test_server_get_last_request (server)->path, ==, "/token");
  g_assert_nonnull (strstr (body, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"));
  g_assert_nonnull (strstr (body, "device_code=dev-code-1"));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (bearer_refresh_result_get_secrets (run->result)), ==,
                   "signed-in-refresh");
}

/* private_key_jwt in both sign-ins: the device authorization request, the
 * device grant's token request and the code exchange each carry their own
 * assertion, signed with the key from the keyring, for their own endpoint. */
static void
store_private_key (BearerProfile *profile,
                   const char    *pem)
{
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  g_autoptr(GError) error = NULL;
  Wait wait = { NULL };

  bearer_secrets_set_private_key (secrets, pem);
  bearer_secrets_store_async (bearer_profile_get_id (profile), bearer_profile_get_name (profile), secrets,
                              NULL, waited_cb, &wait);
  g_assert_true (bearer_secrets_store_finish (wait_for (&wait), &error));
  g_assert_no_error (error);
  g_object_unref (wait.result);
}

static void
assert_assertion_for (BearerTestServer *server,
                      const char       *path,
                      const char       *key)
{
  g_autofree char *body = bearer_test_server_dup_last_body (server);
  g_autofree char *url = bearer_test_server_get_url (server, path);
  g_autoptr(GHashTable) form = g_uri_parse_params (body, -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
  g_autoptr(JsonObject) claims = NULL;

  g_assert_cmpstr (bearer_test_server_get_last_request (server)->path, ==, path);
  g_assert_cmpstr (g_hash_table_lookup (form, "client_assertion_type"), ==,
                   "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  claims = bearer_test_assertion_verify (g_hash_table_lookup (form, "client_assertion"),
                                         BEARER_SIGNING_ALG_ES256, key, NULL);
  g_assert_cmpstr (json_object_get_string_member (claims, "aud"), ==, url);
  g_assert_cmpstr (json_object_get_string_member (claims, "iss"), ==, CLIENT_ID);
}

static void
test_private_key_jwt (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) device = NULL;
  g_autoptr(BearerProfile) browser = NULL;
  g_autoptr(Run) run = NULL;
  g_autofree char *key = bearer_test_key_new_pem (BEARER_TEST_KEY_EC_P256);
  g_autofree char *query = NULL;
  g_autofree char *url = NULL;

  if (!bearer_test_require_keyring ())
    return;

  device = device_profile (server);
  bearer_profile_set_client_auth (device, BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT);
  store_private_key (device, key);
  bearer_test_server_script (server, 200, "application/json", DEVICE_REPLY);
  run = run_start (device, BEARER_SIGN_IN_DEVICE, 60);
  wait_for_state (run, BEARER_SIGN_IN_STATE_WAITING_FOR_USER);
  assert_assertion_for (server, "/device/auth", key);
  bearer_test_server_script (server, 200, "application/json", TOKEN_REPLY);
  iterate_until (&run->done);
  g_assert_no_error (run->error);
  assert_assertion_for (server, "/token", key);
  g_clear_pointer (&run, run_free);

  browser = new_profile (server, NULL);
  bearer_profile_set_client_auth (browser, BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT);
  store_private_key (browser, key);
  run = run_start (browser, BEARER_SIGN_IN_BROWSER, 60);
  wait_for_state (run, BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER);
  query = g_strdup_printf ("code=the-code&state=%s", auth_state (run));
  url = callback_url (run, query);
  g_assert_cmpuint (browse (url, NULL), ==, 200);
  iterate_until (&run->done);
  g_assert_no_error (run->error);
  assert_assertion_for (server, "/token", key);
}

/* DPoP in both sign-ins: the key is made and stored before the first token
 * request (the device grant's poll, the code exchange), each of which
 * carries a proof signed with it; the device authorization request none. */
static char *
proof_jwk_x (const char *proof)
{
  g_autoptr(JsonObject) header = NULL;

  g_assert_nonnull (proof);
  g_assert_true (bearer_jwt_decode (proof, &header, NULL, NULL));
  return g_strdup (json_object_get_string_member (json_object_get_object_member (header, "jwk"), "x"));
}

static char *
stored_key_x (BearerProfile *profile)
{
  Wait wait = { NULL };
  g_autoptr(BearerSecrets) stored = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *proof = NULL;

  bearer_secrets_lookup_async (bearer_profile_get_id (profile), NULL, waited_cb, &wait);
  stored = bearer_secrets_lookup_finish (wait_for (&wait), &error);
  g_object_unref (wait.result);
  g_assert_no_error (error);
  g_assert_nonnull (bearer_secrets_get_dpop_key (stored));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (stored), ==, "signed-in-refresh");
  proof = bearer_dpop_proof_create (bearer_secrets_get_dpop_key (stored), "GET", "https://a.example/",
                                    NULL, NULL, 0, &error);
  g_assert_no_error (error);
  return proof_jwk_x (proof);
}

static void
test_dpop (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) device = NULL;
  g_autoptr(BearerProfile) browser = NULL;
  g_autoptr(Run) run = NULL;
  g_autofree char *query = NULL;
  g_autofree char *url = NULL;
  g_autofree char *sent_x = NULL;
  g_autofree char *stored_x = NULL;

  if (!bearer_test_require_keyring ())
    return;

  device = device_profile (server);
  bearer_profile_set_dpop (device, TRUE);
  bearer_test_server_script (server, 200, "application/json", DEVICE_REPLY);
  run = run_start (device, BEARER_SIGN_IN_DEVICE, 60);
  wait_for_state (run, BEARER_SIGN_IN_STATE_WAITING_FOR_USER);
  g_assert_null (bearer_test_server_get_last_header (server, "DPoP"));
  bearer_test_server_script (server, 200, "application/json", TOKEN_REPLY);
  iterate_until (&run->done);
  g_assert_no_error (run->error);
  g_assert_cmpstr (bearer_test_server_get_last_request (server)->path, ==, "/token");
  sent_x = proof_jwk_x (bearer_test_server_get_last_header (server, "DPoP"));
  stored_x = stored_key_x (device);
  g_assert_cmpstr (sent_x, ==, stored_x);
  g_clear_pointer (&run, run_free);
  g_clear_pointer (&sent_x, g_free);
  g_clear_pointer (&stored_x, g_free);

  browser = new_profile (server, NULL);
  bearer_profile_set_dpop (browser, TRUE);
  run = run_start (browser, BEARER_SIGN_IN_BROWSER, 60);
  wait_for_state (run, BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER);
  query = g_strdup_printf ("code=the-code&state=%s", auth_state (run));
  url = callback_url (run, query);
  g_assert_cmpuint (browse (url, NULL), ==, 200);
  iterate_until (&run->done);
  g_assert_no_error (run->error);
  sent_x = proof_jwk_x (bearer_test_server_get_last_header (server, "DPoP"));
  stored_x = stored_key_x (browser);
  g_assert_cmpstr (sent_x, ==, stored_x);
}

static void
check_device_refusal (const char *reply,
                      int         code)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = device_profile (server);
  g_autoptr(Run) run = NULL;

  bearer_test_server_script (server, 200, "application/json", DEVICE_REPLY);
  bearer_test_server_script (server, 400, "application/json", "{\"error\": \"authorization_pending\"}");
  bearer_test_server_script (server, 400, "application/json", reply);
  run = run_start (profile, BEARER_SIGN_IN_DEVICE, 60);
  iterate_until (&run->done);
  g_assert_error (run->error, BEARER_SIGN_IN_ERROR, code);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 3);
}

static void
test_device_denied (void)
{
  check_device_refusal ("{\"error\": \"access_denied\", \"error_description\": \"End-User aborted\"}",
                        BEARER_SIGN_IN_ERROR_DENIED);
}

static void
test_device_expired (void)
{
  check_device_refusal ("{\"error\": \"expired_token\"}", BEARER_SIGN_IN_ERROR_EXPIRED);
}

/* A device authorization reply without a user code is no sign-in. */
static void
test_device_unusable_reply (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = device_profile (server);
  g_autoptr(Run) run = NULL;

  bearer_test_server_script (server, 200, "application/json",
                             "{\"device_code\": \"d\", \"verification_uri\": \"https://example.com/d\"}");
  run = run_start (profile, BEARER_SIGN_IN_DEVICE, 60);
  iterate_until (&run->done);
  g_assert_error (run->error, BEARER_ERROR, BEARER_ERROR_WRONG_TYPE);
  g_assert_nonnull (strstr (run->error->message, "user_code"));
}

/* ---- bearer-cli login and signals ----------------------------------- */

/* A device grant server whose token endpoint holds its answers until the
 * test releases them. */
typedef struct {
  SoupServer *server;
  char *base;
  guint polls;
  GPtrArray *held;
} HoldingServer;

static void
holding_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  HoldingServer *self = user_data;

  if (g_str_equal (path, "/device/auth"))
    {
      bearer_test_reply_json (msg, 200, DEVICE_REPLY);
      return;
    }
  self->polls++;
  soup_server_message_pause (msg);
  g_ptr_array_add (self->held, g_object_ref (msg));
}

static HoldingServer *
holding_server_new (void)
{
  HoldingServer *self = g_new0 (HoldingServer, 1);
  g_autoptr(GSList) uris = NULL;

  self->server = soup_server_new (NULL, NULL);
  self->held = g_ptr_array_new_with_free_func (g_object_unref);
  soup_server_add_handler (self->server, NULL, holding_cb, self, NULL);
  g_assert_true (soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, NULL));
  uris = soup_server_get_uris (self->server);
  self->base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  return self;
}

static void
holding_server_release (HoldingServer *self,
                        const char    *json)
{
  for (guint i = 0; i < self->held->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (self->held, i);

      bearer_test_reply_json (msg, 200, json);
      soup_server_message_unpause (msg);
    }
  g_ptr_array_set_size (self->held, 0);
}

static void
holding_server_free (HoldingServer *self)
{
  g_ptr_array_unref (self->held);
  soup_server_disconnect (self->server);
  g_object_unref (self->server);
  g_free (self->base);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HoldingServer, holding_server_free)

static BearerTestProc *
cli_run (BearerTestSandbox *sandbox,
         const char * const *args)
{
  BearerTestProc *proc = bearer_test_proc_start (sandbox, NULL, args);

  bearer_test_procs_wait (&proc, 1);
  g_test_message ("bearer-cli %s: exit %d\n  stdout: %s  stderr: %s", args[0], proc->status,
                  proc->out, proc->err);
  return proc;
}

static gboolean
still_running_after (BearerTestProc *proc,
                     guint           milliseconds)
{
  gint64 end = g_get_monotonic_time () + milliseconds * 1000;

  while (g_get_monotonic_time () < end && !proc->done)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  return !proc->done;
}

/* SIGTERM while a poll is on its way: bearer-cli waits for the answer,
 * stores the tokens, says so, and exits 128 + SIGTERM; before that (between
 * polls) it stops at once. As refresh does. */
static void
test_cli_signal_during_poll (void)
{
  g_autoptr(BearerTestSandbox) sandbox = bearer_test_sandbox_new ("bearer-test-sign-in", FALSE);
  g_autoptr(HoldingServer) server = holding_server_new ();
  g_autofree char *device_url = g_strconcat (server->base, "/device/auth", NULL);
  g_autofree char *token_url = g_strconcat (server->base, "/token", NULL);
  const char *add[] = { "add", "tv", "--grant", "device_code", "--device-authorization-url", device_url,
                        "--token-url", token_url, "--client-id", CLIENT_ID, "--auth", "none", NULL };
  const char *login[] = { "login", "tv", "--no-browser", NULL };
  const char *token[] = { "token", "tv", NULL };
  const char *remove[] = { "remove", "tv", NULL };
  BearerTestProc *proc;
  gint64 deadline;

  if (!bearer_test_require_session () || !bearer_test_require_keyring ())
    return;

  proc = cli_run (sandbox, add);
  g_assert_cmpint (proc->status, ==, 0);
  bearer_test_proc_free (proc);

  /* Between polls: stopped at once, nothing signed in. */
  proc = bearer_test_proc_start (sandbox, NULL, login);
  g_assert_true (still_running_after (proc, 300));
  g_assert_cmpuint (server->polls, ==, 0);
  g_subprocess_send_signal (proc->process, SIGTERM);
  bearer_test_procs_wait (&proc, 1);
  g_assert_cmpint (proc->status, ==, 128 + SIGTERM);
  g_assert_nonnull (strstr (proc->err, "not signed in"));
  bearer_test_proc_free (proc);

  /* A poll on its way: its answer is waited for and stored. */
  proc = bearer_test_proc_start (sandbox, NULL, login);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (server->held->len == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  g_subprocess_send_signal (proc->process, SIGTERM);
  g_assert_true (still_running_after (proc, 300));
  holding_server_release (server, TOKEN_REPLY);
  bearer_test_procs_wait (&proc, 1);
  g_test_message ("stderr: %s", proc->err);
  g_assert_cmpint (proc->status, ==, 128 + SIGTERM);
  g_assert_nonnull (strstr (proc->err, "waiting for its answer"));
  g_assert_nonnull (strstr (proc->err, "its answer arrived"));
  bearer_test_proc_free (proc);

  proc = cli_run (sandbox, token);
  g_assert_cmpint (proc->status, ==, 0);
  g_assert_cmpstr (proc->out, ==, "signed-in-access\n");
  bearer_test_proc_free (proc);

  proc = cli_run (sandbox, remove);
  g_assert_cmpint (proc->status, ==, 0);
  bearer_test_proc_free (proc);
}

/* The connection takes a sign-in's tokens as a refresh's. */
static void
test_connection_sign_in (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *path = g_build_filename (tmp_root, "connection.json", NULL);
  g_autoptr(BearerProfileStore) store = bearer_profile_store_new (path);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerConnection) connection = NULL;
  g_autoptr(BearerSignIn) sign_in = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Wait wait = { NULL };

  if (!bearer_test_require_keyring ())
    return;

  profile = device_profile (server);
  connection = bearer_connection_new (store, profile);
  {
    g_autoptr(BearerSecrets) nothing = bearer_secrets_new ();

    /* As the connection list would: nothing stored yet. */
    bearer_connection_set_secrets (connection, nothing);
  }
  g_assert_cmpint (bearer_connection_get_state (connection), ==, BEARER_TOKEN_STATE_NONE);
  bearer_test_server_script (server, 200, "application/json", DEVICE_REPLY);
  bearer_test_server_script (server, 200, "application/json", TOKEN_REPLY);
  sign_in = bearer_sign_in_new (profile, BEARER_SIGN_IN_DEVICE);
  bearer_sign_in_set_second_ms (sign_in, 10);
  bearer_connection_sign_in_async (connection, sign_in, NULL, waited_cb, &wait);
  result = bearer_connection_sign_in_finish (connection, wait_for (&wait), &error);
  g_object_unref (wait.result);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_cmpstr (bearer_connection_get_access_token (connection), ==, "signed-in-access");
  g_assert_true (bearer_connection_get_has_refresh_token (connection));
  g_assert_cmpint (bearer_connection_get_state (connection), ==, BEARER_TOKEN_STATE_VALID);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *config = NULL;
  g_autofree char *runtime = NULL;
  int status;

  tmp_root = g_dir_make_tmp ("bearer-test-sign-in-XXXXXX", NULL);
  g_assert_nonnull (tmp_root);
  config = g_build_filename (tmp_root, "config", NULL);
  runtime = g_build_filename (tmp_root, "runtime", NULL);
  g_mkdir_with_parents (config, 0700);
  g_mkdir_with_parents (runtime, 0700);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("XDG_RUNTIME_DIR", runtime, TRUE);
  created_ids = g_ptr_array_new_with_free_func (g_free);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bearer/sign-in/browser/success", test_browser_success);
  g_test_add_func ("/bearer/sign-in/browser/wrong-state", test_browser_wrong_state);
  g_test_add_func ("/bearer/sign-in/browser/no-state", test_browser_no_state);
  g_test_add_func ("/bearer/sign-in/browser/no-code", test_browser_no_code);
  g_test_add_func ("/bearer/sign-in/browser/access-denied", test_browser_access_denied);
  g_test_add_func ("/bearer/sign-in/browser/server-error", test_browser_server_error);
  g_test_add_func ("/bearer/sign-in/browser/stray-requests", test_browser_stray_requests);
  g_test_add_func ("/bearer/sign-in/browser/two-callbacks", test_browser_two_callbacks);
  g_test_add_func ("/bearer/sign-in/browser/timeout", test_browser_timeout);
  g_test_add_func ("/bearer/sign-in/browser/cancel", test_browser_cancel);
  g_test_add_func ("/bearer/sign-in/browser/fixed-port", test_browser_fixed_port);
  g_test_add_func ("/bearer/sign-in/browser/pasted", test_browser_pasted);
  g_test_add_func ("/bearer/sign-in/browser/port-taken", test_browser_port_taken);
  g_test_add_func ("/bearer/sign-in/device/polling", test_device_polling);
  g_test_add_func ("/bearer/sign-in/dpop", test_dpop);
  g_test_add_func ("/bearer/sign-in/private-key-jwt", test_private_key_jwt);
  g_test_add_func ("/bearer/sign-in/device/denied", test_device_denied);
  g_test_add_func ("/bearer/sign-in/device/expired", test_device_expired);
  g_test_add_func ("/bearer/sign-in/device/unusable-reply", test_device_unusable_reply);
  g_test_add_func ("/bearer/sign-in/connection", test_connection_sign_in);
  g_test_add_func ("/bearer/sign-in/cli/signal-during-poll", test_cli_signal_during_poll);

  status = g_test_run ();

  bearer_test_delete_keyring_items (created_ids);
  g_ptr_array_unref (created_ids);
  bearer_test_remove_tree (tmp_root);
  g_free (tmp_root);
  return status;
}
