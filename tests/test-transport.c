/* test-transport.c: how the network fails, and what the log shows
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * docs/core.md, "Transport" and "Transport errors": no redirect is followed,
 * the timeout covers the whole exchange, a body over 1 MiB is refused, TLS is
 * always verified (a request's CA file is trusted in addition), and each
 * failure has its own code. "Logging": every exchange is traced with
 * g_debug, with no secret in it.
 *
 * The TLS certificate is made at run time with the openssl command into a
 * temporary directory that main() removes.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "bearer-client.h"
#include "bearer-error.h"
#include "bearer-test-raw-server.h"
#include "bearer-test-server.h"
#include "bearer-token-request.h"

#define TEN_MIB (10 * 1024 * 1024)

/* ---------------------------------------------------------------------- */
/* The log: every message of the domain "Bearer" is kept.                 */

static GPtrArray *bearer_messages; /* char*, "LEVEL message" */

static GLogWriterOutput
recording_writer (GLogLevelFlags   log_level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         user_data)
{
  const char *domain = NULL;
  g_autofree char *message = NULL;
  gsize i;

  for (i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
        domain = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        message = fields[i].length < 0 ? g_strdup (fields[i].value)
                                       : g_strndup (fields[i].value, fields[i].length);
    }

  if (g_strcmp0 (domain, "Bearer") == 0 && message != NULL)
    g_ptr_array_add (bearer_messages,
                     g_strdup_printf ("%s %s",
                                      (log_level & G_LOG_LEVEL_DEBUG) ? "DEBUG" : "OTHER",
                                      message));

  /* Debug and info stay out of the TAP output; the rest (and fatality
   * under G_DEBUG=fatal-warnings) is GLib's business. */
  if (log_level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO))
    return G_LOG_WRITER_HANDLED;

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */

static BearerTokenRequest *
new_request (const char *url)
{
  BearerTokenRequest *request = bearer_token_request_new (BEARER_GRANT_REFRESH_TOKEN, url);

  bearer_token_request_set_client (request, "bearer-test-client", "bearer-test-secret");
  bearer_token_request_set_client_auth (request, BEARER_CLIENT_AUTH_BASIC);
  bearer_token_request_set_refresh_token (request, "transport-refresh-token");

  return request;
}

static BearerTokenResponse *
send_request (BearerTokenRequest  *request,
              GError             **error)
{
  g_autoptr(BearerClient) client = bearer_client_new ();

  return bearer_test_run_request (client, request, NULL, error);
}

/* Sends, expects exactly this Bearer error. */
static void
assert_fails_with (BearerTokenRequest *request,
                   BearerError         code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BearerTokenResponse) response = send_request (request, &error);

  if (error != NULL)
    g_test_message ("error: %s", error->message);
  g_assert_null (response);
  g_assert_error (error, BEARER_ERROR, code);
  g_assert_cmpstr (error->message, !=, "");
}

static BearerTokenRequest *
raw_request (BearerTestRawServer *raw)
{
  g_autofree char *url = bearer_test_raw_server_get_url (raw, "/oauth/token");

  return new_request (url);
}

static void
assert_raw_fails_with (BearerTestRawMode  mode,
                       const char        *reply,
                       BearerError        code)
{
  g_autoptr(BearerTestRawServer) raw = bearer_test_raw_server_new (mode);
  g_autoptr(BearerTokenRequest) request = raw_request (raw);

  bearer_test_raw_server_set_reply (raw, reply);
  bearer_token_request_set_timeout (request, 20);
  assert_fails_with (request, code);
  g_assert_cmpuint (bearer_test_raw_server_get_connection_count (raw), >=, 1);
}

static gboolean
string_contains_ci (const char *haystack,
                    const char *needle)
{
  g_autofree char *h = g_utf8_strdown (haystack, -1);
  g_autofree char *n = g_utf8_strdown (needle, -1);

  return strstr (h, n) != NULL;
}

/* ---------------------------------------------------------------------- */
/* Connection                                                             */

static void
test_connection_refused (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autofree char *url = NULL;
  guint port;

  /* A port that was free a moment ago and has nobody listening now. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, &error);
  g_assert_no_error (error);

  url = g_strdup_printf ("http://127.0.0.1:%u/oauth/token", port);
  request = new_request (url);
  assert_fails_with (request, BEARER_ERROR_CONNECTION_REFUSED);
}

/* The server reads the request and never says a word. With no grace, the
 * time-out ends it; with a grace, the answer is waited for that much
 * longer, because the server has the request (and may have spent a
 * refresh token). */
static void
test_timeout_never_answers (gconstpointer user_data)
{
  guint grace = GPOINTER_TO_UINT (user_data);
  g_autoptr(BearerTestRawServer) raw = bearer_test_raw_server_new (BEARER_TEST_RAW_NEVER_ANSWER);
  g_autoptr(BearerTokenRequest) request = raw_request (raw);
  g_autoptr(BearerClient) client = bearer_client_new ();
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  g_assert_cmpuint (bearer_client_get_reply_grace (client), ==, BEARER_CLIENT_DEFAULT_REPLY_GRACE);
  bearer_client_set_reply_grace (client, grace);
  bearer_token_request_set_timeout (request, 1);
  g_assert_cmpuint (bearer_token_request_get_timeout (request), ==, 1);
  response = bearer_test_run_request (client, request, NULL, &error);
  elapsed = g_get_monotonic_time () - start;
  g_assert_null (response);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_TIMED_OUT);

  g_test_message ("timed out after %.2f s: %s", elapsed / 1e6, error->message);
  g_assert_cmpint (elapsed, <, (10 + grace) * G_USEC_PER_SEC);
  g_assert_cmpint (elapsed, >=, (1 + grace) * G_USEC_PER_SEC - G_USEC_PER_SEC / 2);
  g_assert_cmpuint (bearer_test_raw_server_get_request_count (raw), ==, 1);
  /* The message counts the whole wait. */
  expected = g_strdup_printf ("did not answer within %u second", 1 + grace);
  g_assert_nonnull (strstr (error->message, expected));
}

/* The server answers after the time-out, within the grace: the token is
 * not lost. */
static void
test_timeout_answer_in_grace (void)
{
  g_autoptr(BearerTestRawServer) raw = bearer_test_raw_server_new (BEARER_TEST_RAW_DELAYED);
  g_autoptr(BearerTokenRequest) request = raw_request (raw);
  g_autoptr(BearerClient) client = bearer_client_new ();
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  bearer_test_raw_server_set_delay (raw, 1500);
  bearer_test_raw_server_set_reply (raw,
                                    "HTTP/1.1 200 OK\r\n"
                                    "Content-Type: application/json\r\n"
                                    "Content-Length: 72\r\n"
                                    "\r\n"
                                    "{\"access_token\":\"late-token\",\"token_type\":\"Bearer\",\"refresh_token\":\"r2\"}");
  bearer_client_set_reply_grace (client, 10);
  bearer_token_request_set_timeout (request, 1);
  response = bearer_test_run_request (client, request, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bearer_token_response_get_access_token (response), ==, "late-token");
  g_assert_cmpstr (bearer_token_response_get_refresh_token (response), ==, "r2");
}

/* A reply that trickles in, a byte every 100 ms: the socket is never idle
 * for a second, but the whole exchange takes far more than one. */
static void
test_timeout_whole_exchange (void)
{
  g_autoptr(BearerTestRawServer) raw = bearer_test_raw_server_new (BEARER_TEST_RAW_SLOW);
  g_autoptr(BearerTokenRequest) request = raw_request (raw);
  g_autoptr(BearerClient) client = bearer_client_new ();
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  bearer_test_raw_server_set_delay (raw, 100);
  bearer_test_raw_server_set_reply (raw,
                                    "HTTP/1.1 200 OK\r\n"
                                    "Content-Type: application/json\r\n"
                                    "Content-Length: 60\r\n"
                                    "\r\n"
                                    "{\"access_token\":\"slow-token\","
                                    "\"token_type\":\"Bearer\"}        ");
  bearer_client_set_reply_grace (client, 1);
  bearer_token_request_set_timeout (request, 1);
  response = bearer_test_run_request (client, request, NULL, &error);
  elapsed = g_get_monotonic_time () - start;
  g_assert_null (response);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_TIMED_OUT);

  g_test_message ("timed out after %.2f s", elapsed / 1e6);
  g_assert_cmpint (elapsed, <, 10 * G_USEC_PER_SEC);
}

/* The same trickle, fast enough: a complete reply is a token. With timeout
 * 0 (none) as well. */
static void
test_slow_but_complete (gconstpointer data)
{
  guint timeout = GPOINTER_TO_UINT (data);
  g_autoptr(BearerTestRawServer) raw = bearer_test_raw_server_new (BEARER_TEST_RAW_SLOW);
  g_autoptr(BearerTokenRequest) request = raw_request (raw);
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  bearer_test_raw_server_set_delay (raw, 8);
  bearer_test_raw_server_set_reply (raw,
                                    "HTTP/1.1 200 OK\r\n"
                                    "Content-Type: application/json\r\n"
                                    "Content-Length: 51\r\n"
                                    "\r\n"
                                    "{\"access_token\":\"slow-token\",\"token_type\":\"Bearer\"}");
  bearer_token_request_set_timeout (request, timeout);
  response = send_request (request, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bearer_token_response_get_access_token (response), ==, "slow-token");
}

static void
test_closed_mid_body (void)
{
  /* Content-Length: 1000, then 10 bytes, then the end. */
  assert_raw_fails_with (BEARER_TEST_RAW_WRITE_AND_CLOSE,
                         "HTTP/1.1 200 OK\r\n"
                         "Content-Type: application/json\r\n"
                         "Content-Length: 1000\r\n"
                         "\r\n"
                         "{\"access_t",
                         BEARER_ERROR_CONNECTION_FAILED);
}

static void
test_closed_mid_headers (void)
{
  assert_raw_fails_with (BEARER_TEST_RAW_WRITE_AND_CLOSE,
                         "HTTP/1.1 200 OK\r\nContent-Ty",
                         BEARER_ERROR_CONNECTION_FAILED);
}

static void
test_closed_mid_chunk (void)
{
  assert_raw_fails_with (BEARER_TEST_RAW_WRITE_AND_CLOSE,
                         "HTTP/1.1 200 OK\r\n"
                         "Content-Type: application/json\r\n"
                         "Transfer-Encoding: chunked\r\n"
                         "\r\n"
                         "40\r\n"
                         "{\"access_token\":\"x\"",
                         BEARER_ERROR_CONNECTION_FAILED);
}

static void
test_closed_at_once (void)
{
  assert_raw_fails_with (BEARER_TEST_RAW_CLOSE_AT_ONCE, NULL, BEARER_ERROR_CONNECTION_FAILED);
}

static void
test_closed_after_request (void)
{
  assert_raw_fails_with (BEARER_TEST_RAW_CLOSE_AFTER_REQUEST, NULL,
                         BEARER_ERROR_CONNECTION_FAILED);
}

/* ---------------------------------------------------------------------- */
/* Redirects are reported, never followed                                 */

static void
test_redirect (gconstpointer data)
{
  guint status = GPOINTER_TO_UINT (data);
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");
  g_autofree char *location = bearer_test_server_get_url (server, "/moved/token");
  g_autoptr(BearerTokenRequest) request = new_request (url);
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  bearer_test_server_script (server, status, "text/html",
                             "<html><head><title>Moved</title></head></html>");
  bearer_test_server_script_header (server, "Location", location);
  /* Were it followed, this would be the answer. */
  bearer_test_server_script (server, SOUP_STATUS_OK, "application/json",
                             "{\"access_token\":\"followed\",\"token_type\":\"Bearer\"}");

  response = send_request (request, &error);
  g_assert_null (response);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_REDIRECT);
  g_assert_cmpstr (bearer_error_get_redirect_location (error), ==, location);
  g_assert_cmpuint (bearer_error_get_http_status (error), ==, status);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  g_assert_cmpstr (bearer_test_server_get_last_request (server)->path, ==, "/oauth/token");
}

/* ---------------------------------------------------------------------- */
/* Bodies over 1 MiB                                                      */

static GBytes *
big_token_body (gsize size)
{
  static const char head[] = "{\"access_token\":\"big\",\"token_type\":\"Bearer\",\"padding\":\"";
  static const char tail[] = "\"}";
  GByteArray *body = g_byte_array_sized_new (size);
  gsize fill;

  g_assert_cmpuint (size, >, strlen (head) + strlen (tail));
  fill = size - strlen (head) - strlen (tail);
  g_byte_array_append (body, (const guint8 *) head, strlen (head));
  g_byte_array_set_size (body, strlen (head) + fill);
  memset (body->data + strlen (head), 'a', fill);
  g_byte_array_append (body, (const guint8 *) tail, strlen (tail));
  g_assert_cmpuint (body->len, ==, size);

  return g_byte_array_free_to_bytes (body);
}

static void
test_too_large (gconstpointer data)
{
  const char *how = data;
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");
  g_autoptr(BearerTokenRequest) request = new_request (url);
  gsize size = strcmp (how, "just-over") == 0 ? BEARER_CLIENT_MAX_BODY_SIZE + 1 : TEN_MIB;
  g_autoptr(GBytes) body = big_token_body (size);

  bearer_test_server_script_bytes (server, SOUP_STATUS_OK, "application/json", body);
  if (strcmp (how, "chunked") == 0)
    bearer_test_server_script_chunked (server);

  assert_fails_with (request, BEARER_ERROR_BODY_TOO_LARGE);
}

/* No Content-Length, not chunked: the body ends when the connection does. */
static void
test_too_large_until_close (void)
{
  static const char head[] = "HTTP/1.1 200 OK\r\n"
                             "Content-Type: application/json\r\n"
                             "Connection: close\r\n"
                             "\r\n";
  g_autoptr(BearerTestRawServer) raw = bearer_test_raw_server_new (BEARER_TEST_RAW_WRITE_AND_CLOSE);
  g_autoptr(BearerTokenRequest) request = raw_request (raw);
  g_autoptr(GBytes) body = big_token_body (TEN_MIB);
  GByteArray *reply = g_byte_array_new ();
  g_autoptr(GBytes) reply_bytes = NULL;

  g_byte_array_append (reply, (const guint8 *) head, strlen (head));
  g_byte_array_append (reply, g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  reply_bytes = g_byte_array_free_to_bytes (reply);
  bearer_test_raw_server_set_reply_bytes (raw, reply_bytes);

  assert_fails_with (request, BEARER_ERROR_BODY_TOO_LARGE);
}

/* Exactly 1 MiB is not over it. */
static void
test_exactly_max (gconstpointer data)
{
  const char *how = data;
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");
  g_autoptr(BearerTokenRequest) request = new_request (url);
  g_autoptr(GBytes) body = big_token_body (BEARER_CLIENT_MAX_BODY_SIZE);
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (BEARER_CLIENT_MAX_BODY_SIZE, ==, 1024 * 1024);
  bearer_test_server_script_bytes (server, SOUP_STATUS_OK, "application/json", body);
  if (strcmp (how, "chunked") == 0)
    bearer_test_server_script_chunked (server);

  response = send_request (request, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bearer_token_response_get_access_token (response), ==, "big");
}

/* ---------------------------------------------------------------------- */
/* Cancellation                                                           */

typedef struct {
  guint                calls;
  BearerTokenResponse *response;
  GError              *error;
} CancelData;

static void
cancel_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  CancelData *data = user_data;

  data->calls++;
  if (data->calls == 1)
    data->response = bearer_client_request_token_finish (BEARER_CLIENT (source), result,
                                                         &data->error);
}

static gboolean
flag_set_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

static void
count_cb (guint *count)
{
  (*count)++;
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
run_cancelled (BearerTestRawServer *raw,
               GCancellable        *cancellable,
               CancelData          *data)
{
  g_autoptr(BearerClient) client = bearer_client_new ();
  g_autoptr(BearerTokenRequest) request = raw_request (raw);
  gint64 start = g_get_monotonic_time ();
  gboolean timed_out = FALSE;
  guint watchdog;

  bearer_client_request_token_async (client, request, cancellable, cancel_done_cb, data);
  watchdog = g_timeout_add_seconds (20, flag_set_cb, &timed_out);
  while (data->calls == 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  /* (on a time-out the assertion below ends the program: data is on the stack) */
  g_assert_cmpuint (data->calls, ==, 1);
  g_source_remove (watchdog);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);

  /* Nothing more comes later. */
  bearer_test_spin (500);
  g_assert_cmpuint (data->calls, ==, 1);
  g_assert_null (data->response);
  g_assert_error (data->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Cancelled while waiting for the reply: the request has reached the
 * server, which may have spent a refresh token, so the answer is still
 * read and returned. */
static void
test_cancel_after_sent (void)
{
  g_autoptr(BearerTestRawServer) raw = bearer_test_raw_server_new (BEARER_TEST_RAW_DELAYED);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(BearerClient) client = bearer_client_new ();
  g_autoptr(BearerTokenRequest) request = raw_request (raw);
  CancelData data = { 0 };
  gboolean timed_out = FALSE;
  guint watchdog;
  guint sent = 0;

  bearer_test_raw_server_set_delay (raw, 700);
  bearer_test_raw_server_set_reply (raw,
                                    "HTTP/1.1 200 OK\r\n"
                                    "Content-Type: application/json\r\n"
                                    "Content-Length: 74\r\n"
                                    "\r\n"
                                    "{\"access_token\":\"after-cancel\",\"token_type\":\"Bearer\",\"refresh_token\":\"r2\"}");
  g_signal_connect_swapped (client, "request-sent", G_CALLBACK (count_cb), &sent);
  bearer_client_request_token_async (client, request, cancellable, cancel_done_cb, &data);
  watchdog = g_timeout_add_seconds (20, flag_set_cb, &timed_out);
  while (bearer_test_raw_server_get_request_count (raw) == 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (sent, ==, 1);
  g_cancellable_cancel (cancellable);
  while (data.calls == 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_source_remove (watchdog);

  g_assert_no_error (data.error);
  g_assert_nonnull (data.response);
  g_assert_cmpstr (bearer_token_response_get_access_token (data.response), ==, "after-cancel");
  g_assert_cmpstr (bearer_token_response_get_refresh_token (data.response), ==, "r2");
  g_clear_object (&data.response);
}

static void
test_cancel_before_start (void)
{
  g_autoptr(BearerTestRawServer) raw = bearer_test_raw_server_new (BEARER_TEST_RAW_NEVER_ANSWER);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  CancelData data = { 0 };

  g_cancellable_cancel (cancellable);
  run_cancelled (raw, cancellable, &data);
  g_clear_error (&data.error);
}

/* Freeing the raw server closes what it holds: the client waiting for a
 * reply sees the connection close. */
static void
test_peer_goes_away (void)
{
  BearerTestRawServer *raw = bearer_test_raw_server_new (BEARER_TEST_RAW_NEVER_ANSWER);
  g_autoptr(BearerClient) client = bearer_client_new ();
  g_autoptr(BearerTokenRequest) request = raw_request (raw);
  CancelData data = { 0 };
  gboolean timed_out = FALSE;
  guint watchdog;

  bearer_token_request_set_timeout (request, 20);
  bearer_client_request_token_async (client, request, NULL, cancel_done_cb, &data);
  watchdog = g_timeout_add_seconds (10, flag_set_cb, &timed_out);
  while (bearer_test_raw_server_get_request_count (raw) == 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (timed_out);
  g_assert_cmpuint (bearer_test_raw_server_get_open_connections (raw), ==, 1);
  g_assert_cmpuint (data.calls, ==, 0);

  bearer_test_raw_server_free (raw);
  while (data.calls == 0 && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (data.calls, ==, 1);
  g_source_remove (watchdog);

  g_assert_null (data.response);
  g_assert_error (data.error, BEARER_ERROR, BEARER_ERROR_CONNECTION_FAILED);
  g_clear_error (&data.error);
}

/* ---------------------------------------------------------------------- */
/* TLS                                                                    */

static char *tls_dir;
static char *tls_cert_file;
static char *tls_key_file;
static GTlsCertificate *tls_certificate;
static gboolean tls_tried;

/* The certificate for 127.0.0.1 (an IP SAN), made once; NULL (and the test
 * skipped) when this machine cannot make or use one. */
static GTlsCertificate *
get_certificate (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  if (tls_tried)
    {
      if (tls_certificate == NULL)
        g_test_skip ("no TLS certificate (see the first TLS test)");
      return tls_certificate;
    }
  tls_tried = TRUE;

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("GIO has no TLS backend (glib-networking)");
      return NULL;
    }

  tls_dir = g_dir_make_tmp ("bearer-test-tls-XXXXXX", &error);
  g_assert_no_error (error);
  tls_cert_file = g_build_filename (tls_dir, "cert.pem", NULL);
  tls_key_file = g_build_filename (tls_dir, "key.pem", NULL);
  {
    const char *argv[] = {
      "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
      "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
      "-keyout", tls_key_file, "-out", tls_cert_file, NULL,
    };

    if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                       &out, &err, &status, &error))
      {
        g_test_skip_printf ("cannot run openssl: %s", error->message);
        return NULL;
      }
  }
  if (!g_spawn_check_wait_status (status, &error))
    {
      g_test_message ("openssl failed: %s\n%s", error->message, err);
      g_test_fail ();
      return NULL;
    }

  tls_certificate = g_tls_certificate_new_from_files (tls_cert_file, tls_key_file, &error);
  g_assert_no_error (error);

  return tls_certificate;
}

static void
remove_tls_dir (void)
{
  if (tls_dir == NULL)
    return;
  if (tls_cert_file != NULL)
    g_unlink (tls_cert_file);
  if (tls_key_file != NULL)
    g_unlink (tls_key_file);
  g_rmdir (tls_dir);
  g_clear_pointer (&tls_dir, g_free);
  g_clear_pointer (&tls_cert_file, g_free);
  g_clear_pointer (&tls_key_file, g_free);
  g_clear_object (&tls_certificate);
}

/* A self-signed certificate without a CA file: not trusted. */
static void
test_tls_untrusted (void)
{
  GTlsCertificate *certificate = get_certificate ();
  g_autoptr(BearerTestServer) server = NULL;
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  if (certificate == NULL)
    return;
  server = bearer_test_server_new_https (BEARER_TEST_SERVER_SCRIPTED, certificate);
  url = bearer_test_server_get_url (server, "/oauth/token");
  g_assert_true (g_str_has_prefix (url, "https://127.0.0.1:"));
  request = new_request (url);

  response = send_request (request, &error);
  g_assert_null (response);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_TLS);
  g_test_message ("%s", error->message);
  /* It says which problem: the issuer is not trusted. */
  g_assert_true (string_contains_ci (error->message, "trust") ||
                 string_contains_ci (error->message, "authority"));
  g_assert_false (string_contains_ci (error->message, "expired"));
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 0);
}

static void
test_tls_ca_file (void)
{
  GTlsCertificate *certificate = get_certificate ();
  g_autoptr(BearerTestServer) server = NULL;
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  if (certificate == NULL)
    return;
  server = bearer_test_server_new_https (BEARER_TEST_SERVER_SCRIPTED, certificate);
  url = bearer_test_server_get_url (server, "/oauth/token");
  request = new_request (url);
  bearer_token_request_set_ca_file (request, tls_cert_file);

  response = send_request (request, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bearer_token_response_get_access_token (response), ==,
                   "scripted-access-token");
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
}

/* The CA file is trusted for the request that names it, and only for it:
 * the next request on the same client, without it, is refused again. */
static void
test_tls_ca_file_not_shared (void)
{
  GTlsCertificate *certificate = get_certificate ();
  g_autoptr(BearerTestServer) server = NULL;
  g_autoptr(BearerClient) client = bearer_client_new ();
  g_autoptr(BearerTokenRequest) with_ca = NULL;
  g_autoptr(BearerTokenRequest) without_ca = NULL;
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  if (certificate == NULL)
    return;
  server = bearer_test_server_new_https (BEARER_TEST_SERVER_SCRIPTED, certificate);
  url = bearer_test_server_get_url (server, "/oauth/token");
  with_ca = new_request (url);
  bearer_token_request_set_ca_file (with_ca, tls_cert_file);
  without_ca = new_request (url);

  response = bearer_test_run_request (client, with_ca, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&response);

  response = bearer_test_run_request (client, without_ca, NULL, &error);
  g_assert_null (response);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_TLS);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  g_clear_error (&error);

  /* and with it again, fine */
  response = bearer_test_run_request (client, with_ca, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 2);
}

/* The certificate is for 127.0.0.1, not for "localhost". */
static void
test_tls_wrong_host (void)
{
  GTlsCertificate *certificate = get_certificate ();
  g_autoptr(BearerTestServer) server = NULL;
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  if (certificate == NULL)
    return;
  server = bearer_test_server_new_https (BEARER_TEST_SERVER_SCRIPTED, certificate);
  url = g_strdup_printf ("https://localhost:%u/oauth/token", bearer_test_server_get_port (server));
  request = new_request (url);
  bearer_token_request_set_ca_file (request, tls_cert_file);

  response = send_request (request, &error);
  g_assert_null (response);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_TLS);
  g_test_message ("%s", error->message);
  g_assert_true (string_contains_ci (error->message, "name") ||
                 string_contains_ci (error->message, "host") ||
                 string_contains_ci (error->message, "identity"));
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 0);
}

static void
test_tls_ca_file_invalid (gconstpointer data)
{
  const char *what = data;
  GTlsCertificate *certificate = get_certificate ();
  g_autoptr(BearerTestServer) server = NULL;
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autofree char *url = NULL;
  g_autofree char *text_file = NULL;
  g_autoptr(GError) error = NULL;

  if (certificate == NULL)
    return;
  server = bearer_test_server_new_https (BEARER_TEST_SERVER_SCRIPTED, certificate);
  url = bearer_test_server_get_url (server, "/oauth/token");
  request = new_request (url);

  if (strcmp (what, "text") == 0)
    {
      text_file = g_build_filename (tls_dir, "not-a-certificate.pem", NULL);
      g_file_set_contents (text_file, "This is not a certificate.\n", -1, &error);
      g_assert_no_error (error);
      bearer_token_request_set_ca_file (request, text_file);
    }
  else if (strcmp (what, "private-key") == 0)
    bearer_token_request_set_ca_file (request, tls_key_file);
  else if (strcmp (what, "directory") == 0)
    bearer_token_request_set_ca_file (request, tls_dir);
  else
    bearer_token_request_set_ca_file (request, "/nonexistent/ca.pem");

  assert_fails_with (request, BEARER_ERROR_CA_FILE);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 0);
  if (text_file != NULL)
    g_unlink (text_file);
}

/* ---------------------------------------------------------------------- */
/* Name resolution                                                        */

typedef struct {
  gboolean  done;
  GError   *error;
} LookupData;

static void
lookup_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  LookupData *data = user_data;
  GList *addresses;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &data->error);
  g_resolver_free_addresses (addresses);
  data->done = TRUE;
}

/* .invalid never resolves (RFC 6761 §6.4). If this machine's resolver
 * answers that at once, the error must be NAME_RESOLUTION. If it hangs
 * instead (some sandboxes drop DNS), nothing can tell a hung lookup from
 * a slow one, and only then is TIMED_OUT accepted. */
static void
test_name_resolution (void)
{
  const char *host = "bearer-test.invalid";
  g_autoptr(GResolver) resolver = g_resolver_get_default ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  LookupData lookup = { FALSE, NULL };
  gboolean hangs;
  guint timer;

  timer = g_timeout_add_seconds (5, cancel_cb, cancellable);
  g_resolver_lookup_by_name_async (resolver, host, cancellable, lookup_done_cb, &lookup);
  while (!lookup.done)
    g_main_context_iteration (NULL, TRUE);
  if (!g_cancellable_is_cancelled (cancellable))
    g_source_remove (timer);

  if (lookup.error == NULL)
    {
      g_test_skip ("this machine's resolver answers for .invalid names");
      return;
    }
  hangs = g_error_matches (lookup.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&lookup.error);

  request = new_request ("https://bearer-test.invalid/oauth/token");
  if (hangs)
    bearer_token_request_set_timeout (request, 3);
  response = send_request (request, &error);
  g_assert_null (response);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  if (hangs && g_error_matches (error, BEARER_ERROR, BEARER_ERROR_TIMED_OUT))
    g_test_message ("the resolver hangs here; TIMED_OUT accepted");
  else
    g_assert_error (error, BEARER_ERROR, BEARER_ERROR_NAME_RESOLUTION);
}

/* ---------------------------------------------------------------------- */
/* The debug log shows each exchange and no secret                        */

#define CANARY_SECRET        "canary-secret-6a5b4c"
#define CANARY_REFRESH       "canary-refresh-2d9e1f"
#define CANARY_PASSWORD      "canary-password-3e2f1a"
#define CANARY_CODE          "canary-code-9f8e7d"
#define CANARY_VERIFIER      "canary-verifier-0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d"
#define CANARY_QUERY         "canary-query-7c6d5e"
#define CANARY_ACCESS        "canary-access-4f1d2c"
#define CANARY_NEW_REFRESH   "canary-new-refresh-8b7e3a"
#define CANARY_FORM_ACCESS   "canary-form-access-5e4d3c"
#define CANARY_JWT_SUBJECT   "canary-jwt-subject-1c2b3a"

static void
assert_no_canary (const char *text)
{
  const char *canaries[] = {
    CANARY_SECRET, CANARY_REFRESH, CANARY_PASSWORD, CANARY_CODE, CANARY_VERIFIER,
    CANARY_QUERY, CANARY_ACCESS, CANARY_NEW_REFRESH, CANARY_FORM_ACCESS,
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (canaries); i++)
    if (strstr (text, canaries[i]) != NULL)
      {
        g_test_message ("a secret reached the log: \"%s\"", text);
        g_test_fail ();
      }
}

static gboolean
log_has (const char *words)
{
  guint i;

  for (i = 0; i < bearer_messages->len; i++)
    if (strstr (g_ptr_array_index (bearer_messages, i), words) != NULL)
      return TRUE;

  return FALSE;
}

static void
assert_traced_without_canary (const char *extra_secret)
{
  guint i;

  for (i = 0; i < bearer_messages->len; i++)
    g_test_message ("log: %s", (const char *) g_ptr_array_index (bearer_messages, i));
  g_assert_cmpuint (bearer_messages->len, >, 0);
  g_assert_true (log_has ("DEBUG "));
  g_assert_true (log_has ("POST"));
  g_assert_true (log_has ("/oauth/token"));

  for (i = 0; i < bearer_messages->len; i++)
    {
      const char *line = g_ptr_array_index (bearer_messages, i);

      assert_no_canary (line);
      if (extra_secret != NULL && strstr (line, extra_secret) != NULL)
        {
          g_test_message ("a secret reached the log: \"%s\"", line);
          g_test_fail ();
        }
    }
}

/* Three exchanges full of secrets: the log shows them, and no secret. */
static void
test_debug_log (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");
  g_autoptr(BearerTokenRequest) refresh = NULL;
  g_autoptr(BearerTokenRequest) password = NULL;
  g_autoptr(BearerTokenRequest) code = NULL;
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *jwt = NULL;
  g_autofree char *jwt_reply = NULL;
  g_autofree char *basic = g_base64_encode ((const guchar *) "bearer-test-client:" CANARY_SECRET,
                                            strlen ("bearer-test-client:" CANARY_SECRET));

  g_ptr_array_set_size (bearer_messages, 0);

  /* 1. refresh_token, post, form body; a JSON reply with both tokens */
  bearer_test_server_script (server, SOUP_STATUS_OK, "application/json",
                             "{\"access_token\":\"" CANARY_ACCESS "\",\"token_type\":\"Bearer\","
                             "\"expires_in\":3600,\"refresh_token\":\"" CANARY_NEW_REFRESH "\"}");
  refresh = bearer_token_request_new (BEARER_GRANT_REFRESH_TOKEN, url);
  bearer_token_request_set_client (refresh, "bearer-test-client", CANARY_SECRET);
  bearer_token_request_set_client_auth (refresh, BEARER_CLIENT_AUTH_POST);
  bearer_token_request_set_refresh_token (refresh, CANARY_REFRESH);
  response = send_request (refresh, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bearer_token_response_get_access_token (response), ==, CANARY_ACCESS);
  g_clear_object (&response);

  /* 2. password, basic-raw, JSON body; a reply with an id_token JWT */
  jwt = bearer_test_make_jwt ("{\"sub\":\"" CANARY_JWT_SUBJECT "\",\"exp\":4102444800}");
  jwt_reply = g_strdup_printf ("{\"access_token\":\"%s\",\"token_type\":\"Bearer\","
                               "\"id_token\":\"%s\",\"refresh_token\":\"%s\"}",
                               CANARY_ACCESS, jwt, CANARY_NEW_REFRESH);
  bearer_test_server_script (server, SOUP_STATUS_OK, "application/json; charset=utf-8",
                             jwt_reply);
  password = bearer_token_request_new (BEARER_GRANT_PASSWORD, url);
  bearer_token_request_set_client (password, "bearer-test-client", CANARY_SECRET);
  bearer_token_request_set_client_auth (password, BEARER_CLIENT_AUTH_BASIC_RAW);
  bearer_token_request_set_body_encoding (password, BEARER_BODY_JSON);
  bearer_token_request_set_password (password, "alice", CANARY_PASSWORD);
  response = send_request (password, &error);
  g_assert_no_error (error);
  g_clear_object (&response);

  /* 3. authorization_code with PKCE, basic; a form-encoded reply */
  bearer_test_server_script (server, SOUP_STATUS_OK, "application/x-www-form-urlencoded",
                             "access_token=" CANARY_FORM_ACCESS "&token_type=bearer"
                             "&refresh_token=" CANARY_NEW_REFRESH);
  code = bearer_token_request_new (BEARER_GRANT_AUTHORIZATION_CODE, url);
  bearer_token_request_set_client (code, "bearer-test-client", CANARY_SECRET);
  bearer_token_request_set_client_auth (code, BEARER_CLIENT_AUTH_BASIC);
  bearer_token_request_set_authorization_code (code, CANARY_CODE, "http://127.0.0.1:8400/cb",
                                               CANARY_VERIFIER);
  response = send_request (code, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bearer_token_response_get_access_token (response), ==, CANARY_FORM_ACCESS);
  g_clear_object (&response);

  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 3);

  /* The exchanges were traced: requests and replies ... */
  assert_traced_without_canary (basic);
  g_assert_true (log_has ("grant_type"));     /* the request bodies */
  g_assert_true (log_has ("redirect_uri"));
  g_assert_true (log_has ("token_type"));     /* the reply bodies */
  g_assert_true (log_has ("200"));
  /* ... and no secret, not even JWT-shaped. */
  {
    guint i;

    for (i = 0; i < bearer_messages->len; i++)
      g_assert_null (strstr (g_ptr_array_index (bearer_messages, i), jwt));
  }
}

/* "the method and URL (query redacted)": the token URL's own query and the
 * extra query parameters. */
static void
test_debug_log_query (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token?tenant=" CANARY_QUERY);
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_set_size (bearer_messages, 0);
  request = bearer_token_request_new (BEARER_GRANT_CLIENT_CREDENTIALS, url);
  bearer_token_request_set_client (request, "bearer-test-client", CANARY_SECRET);
  bearer_token_request_set_client_auth (request, BEARER_CLIENT_AUTH_BASIC);
  bearer_token_request_add_parameter (request, BEARER_PARAM_QUERY, "region", CANARY_QUERY);
  response = send_request (request, &error);
  g_assert_no_error (error);

  assert_traced_without_canary (NULL);
}

/* A refusal that quotes the refresh token back: the request's own secret
 * is masked wherever the exchange is logged. */
static void
test_debug_log_refusal (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");
  g_autoptr(BearerTokenRequest) request = NULL;
  g_autoptr(BearerTokenResponse) response = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_set_size (bearer_messages, 0);
  bearer_test_server_script (server, SOUP_STATUS_BAD_REQUEST, "application/json",
                             "{\"error\":\"invalid_grant\",\"error_description\":"
                             "\"refresh token " CANARY_REFRESH " was revoked\"}");
  request = bearer_token_request_new (BEARER_GRANT_REFRESH_TOKEN, url);
  bearer_token_request_set_client (request, "bearer-test-client", CANARY_SECRET);
  bearer_token_request_set_client_auth (request, BEARER_CLIENT_AUTH_BASIC);
  bearer_token_request_set_refresh_token (request, CANARY_REFRESH);
  response = send_request (request, &error);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_GRANT);

  assert_traced_without_canary (NULL);
  g_assert_true (log_has ("400"));
  g_assert_true (log_has ("invalid_grant"));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  /* Before anything can log. */
  g_setenv ("G_MESSAGES_DEBUG", "all", TRUE);
  bearer_messages = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (recording_writer, NULL, NULL);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bearer/transport/connection-refused", test_connection_refused);
  g_test_add_data_func ("/bearer/transport/timeout/never-answers/no-grace", GUINT_TO_POINTER (0),
                        test_timeout_never_answers);
  g_test_add_data_func ("/bearer/transport/timeout/never-answers/grace", GUINT_TO_POINTER (1),
                        test_timeout_never_answers);
  g_test_add_func ("/bearer/transport/timeout/answer-in-grace", test_timeout_answer_in_grace);
  g_test_add_func ("/bearer/transport/timeout/whole-exchange", test_timeout_whole_exchange);
  g_test_add_data_func ("/bearer/transport/slow-but-complete/default-timeout",
                        GUINT_TO_POINTER (BEARER_TOKEN_REQUEST_DEFAULT_TIMEOUT),
                        test_slow_but_complete);
  g_test_add_data_func ("/bearer/transport/slow-but-complete/no-timeout",
                        GUINT_TO_POINTER (0), test_slow_but_complete);
  g_test_add_func ("/bearer/transport/closed/mid-body", test_closed_mid_body);
  g_test_add_func ("/bearer/transport/closed/mid-headers", test_closed_mid_headers);
  g_test_add_func ("/bearer/transport/closed/mid-chunk", test_closed_mid_chunk);
  g_test_add_func ("/bearer/transport/closed/at-once", test_closed_at_once);
  g_test_add_func ("/bearer/transport/closed/after-request", test_closed_after_request);
  g_test_add_func ("/bearer/transport/closed/peer-goes-away", test_peer_goes_away);
  g_test_add_data_func ("/bearer/transport/redirect/301", GUINT_TO_POINTER (301), test_redirect);
  g_test_add_data_func ("/bearer/transport/redirect/302", GUINT_TO_POINTER (302), test_redirect);
  g_test_add_data_func ("/bearer/transport/redirect/303", GUINT_TO_POINTER (303), test_redirect);
  g_test_add_data_func ("/bearer/transport/redirect/307", GUINT_TO_POINTER (307), test_redirect);
  g_test_add_data_func ("/bearer/transport/redirect/308", GUINT_TO_POINTER (308), test_redirect);
  g_test_add_data_func ("/bearer/transport/body-too-large/content-length", "content-length",
                        test_too_large);
  g_test_add_data_func ("/bearer/transport/body-too-large/chunked", "chunked", test_too_large);
  g_test_add_data_func ("/bearer/transport/body-too-large/just-over", "just-over",
                        test_too_large);
  g_test_add_func ("/bearer/transport/body-too-large/until-close", test_too_large_until_close);
  g_test_add_data_func ("/bearer/transport/body-exactly-max/content-length", "content-length",
                        test_exactly_max);
  g_test_add_data_func ("/bearer/transport/body-exactly-max/chunked", "chunked",
                        test_exactly_max);
  g_test_add_func ("/bearer/transport/cancel/after-sent", test_cancel_after_sent);
  g_test_add_func ("/bearer/transport/cancel/before-start", test_cancel_before_start);
  g_test_add_func ("/bearer/transport/tls/untrusted", test_tls_untrusted);
  g_test_add_func ("/bearer/transport/tls/ca-file", test_tls_ca_file);
  g_test_add_func ("/bearer/transport/tls/ca-file-not-shared", test_tls_ca_file_not_shared);
  g_test_add_func ("/bearer/transport/tls/wrong-host", test_tls_wrong_host);
  g_test_add_data_func ("/bearer/transport/tls/ca-file-invalid/text", "text",
                        test_tls_ca_file_invalid);
  g_test_add_data_func ("/bearer/transport/tls/ca-file-invalid/private-key", "private-key",
                        test_tls_ca_file_invalid);
  g_test_add_data_func ("/bearer/transport/tls/ca-file-invalid/directory", "directory",
                        test_tls_ca_file_invalid);
  g_test_add_data_func ("/bearer/transport/tls/ca-file-invalid/missing", "missing",
                        test_tls_ca_file_invalid);
  g_test_add_func ("/bearer/transport/name-resolution", test_name_resolution);
  g_test_add_func ("/bearer/transport/debug-log/no-secrets", test_debug_log);
  g_test_add_func ("/bearer/transport/debug-log/query-redacted", test_debug_log_query);
  g_test_add_func ("/bearer/transport/debug-log/refusal-quoting-secret", test_debug_log_refusal);

  status = g_test_run ();

  remove_tls_dir ();
  g_ptr_array_unref (bearer_messages);

  return status;
}
