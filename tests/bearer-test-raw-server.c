/* bearer-test-raw-server.c: a raw TCP peer for what a SoupServer cannot do
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "bearer-test-raw-server.h"

#define READ_CHUNK 4096

struct _BearerTestRawServer {
  BearerTestRawMode  mode;
  GSocketService    *service;
  guint              port;
  GBytes            *reply;
  guint              delay;
  guint              connection_count;
  guint              request_count;
  GBytes            *last_request;
  GPtrArray         *connections; /* Connection*, the open ones */
};

typedef struct {
  BearerTestRawServer *server;  /* NULL once the server was freed */
  BearerTestRawMode    mode;
  GSocketConnection   *connection;
  GCancellable        *cancellable;
  GByteArray          *request;
  gboolean             request_done;
  GBytes              *reply;
  guint                delay;
  gsize                written;
  gboolean             busy;      /* an async call is pending and owns the connection */
  guint                timeout_id;
  guint8               buffer[READ_CHUNK];
} Connection;

static void connection_read (Connection *conn);

static void
connection_free (Connection *conn)
{
  if (conn->server != NULL)
    g_ptr_array_remove (conn->server->connections, conn);
  g_clear_handle_id (&conn->timeout_id, g_source_remove);
  if (conn->connection != NULL)
    g_io_stream_close (G_IO_STREAM (conn->connection), NULL, NULL);
  g_clear_object (&conn->connection);
  g_clear_object (&conn->cancellable);
  g_clear_pointer (&conn->request, g_byte_array_unref);
  g_clear_pointer (&conn->reply, g_bytes_unref);
  g_free (conn);
}

/* After an async call: FALSE when the connection must go (the server is gone
 * or the call failed); the connection is freed then. */
static gboolean
connection_continues (Connection *conn,
                      gboolean    ok)
{
  conn->busy = FALSE;
  if (conn->server == NULL || !ok || g_cancellable_is_cancelled (conn->cancellable))
    {
      connection_free (conn);
      return FALSE;
    }
  return TRUE;
}

static const guint8 *
find_bytes (const guint8 *haystack,
            gsize         length,
            const char   *needle)
{
  gsize n = strlen (needle);
  gsize i;

  for (i = 0; i + n <= length; i++)
    if (memcmp (haystack + i, needle, n) == 0)
      return haystack + i;

  return NULL;
}

/* TRUE once the request holds its headers and its whole body. */
static gboolean
request_is_complete (GByteArray *request)
{
  const guint8 *end = find_bytes (request->data, request->len, "\r\n\r\n");
  g_autofree char *head = NULL;
  g_auto(GStrv) lines = NULL;
  gsize head_length;
  gsize body_length;
  gint64 content_length = 0;
  gboolean chunked = FALSE;
  guint i;

  if (end == NULL)
    return FALSE;

  head_length = end - request->data + 4;
  body_length = request->len - head_length;
  head = g_strndup ((const char *) request->data, head_length);
  lines = g_strsplit (head, "\r\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    {
      const char *colon = strchr (lines[i], ':');
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (colon == NULL)
        continue;
      name = g_strndup (lines[i], colon - lines[i]);
      value = g_strstrip (g_strdup (colon + 1));
      if (g_ascii_strcasecmp (name, "Content-Length") == 0)
        content_length = g_ascii_strtoll (value, NULL, 10);
      else if (g_ascii_strcasecmp (name, "Transfer-Encoding") == 0 &&
               g_ascii_strcasecmp (value, "chunked") == 0)
        chunked = TRUE;
    }

  if (chunked)
    return find_bytes (end + 4, body_length, "0\r\n\r\n") != NULL;

  return (gint64) body_length >= content_length;
}

static void
connection_close (Connection *conn)
{
  connection_free (conn);
}

static gboolean
slow_write_cb (gpointer user_data);

static void
slow_written_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Connection *conn = user_data;
  gboolean ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL);

  if (!connection_continues (conn, ok))
    return;

  conn->written++;
  if (conn->written >= g_bytes_get_size (conn->reply))
    connection_close (conn);
  else
    conn->timeout_id = g_timeout_add (conn->delay, slow_write_cb, conn);
}

static gboolean
slow_write_cb (gpointer user_data)
{
  Connection *conn = user_data;
  const guint8 *data = g_bytes_get_data (conn->reply, NULL);
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn->connection));

  conn->timeout_id = 0;
  conn->busy = TRUE;
  g_output_stream_write_all_async (out, data + conn->written, 1, G_PRIORITY_DEFAULT,
                                   conn->cancellable, slow_written_cb, conn);

  return G_SOURCE_REMOVE;
}

static void
reply_written_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Connection *conn = user_data;
  gboolean ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL);

  if (!connection_continues (conn, ok))
    return;

  connection_close (conn);
}

static gboolean
delayed_write_cb (gpointer user_data)
{
  Connection *conn = user_data;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn->connection));
  gsize length;
  const guint8 *data = g_bytes_get_data (conn->reply, &length);

  conn->timeout_id = 0;
  conn->busy = TRUE;
  g_output_stream_write_all_async (out, data, length, G_PRIORITY_DEFAULT,
                                   conn->cancellable, reply_written_cb, conn);
  return G_SOURCE_REMOVE;
}

static void
connection_answer (Connection *conn)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (conn->connection));
  gsize length;
  const guint8 *data = g_bytes_get_data (conn->reply, &length);

  switch (conn->mode)
    {
    case BEARER_TEST_RAW_WRITE_AND_CLOSE:
      if (length == 0)
        {
          connection_close (conn);
          return;
        }
      conn->busy = TRUE;
      g_output_stream_write_all_async (out, data, length, G_PRIORITY_DEFAULT,
                                       conn->cancellable, reply_written_cb, conn);
      break;

    case BEARER_TEST_RAW_SLOW:
      if (length == 0)
        {
          connection_close (conn);
          return;
        }
      conn->timeout_id = g_timeout_add (conn->delay, slow_write_cb, conn);
      break;

    case BEARER_TEST_RAW_DELAYED:
      conn->timeout_id = g_timeout_add (conn->delay, delayed_write_cb, conn);
      break;

    case BEARER_TEST_RAW_NEVER_ANSWER:
      /* Keep reading (and dropping) until the peer goes away. */
      connection_read (conn);
      break;

    case BEARER_TEST_RAW_CLOSE_AFTER_REQUEST:
    case BEARER_TEST_RAW_CLOSE_AT_ONCE:
      connection_close (conn);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Connection *conn = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (!connection_continues (conn, n > 0))
    return;

  if (conn->request_done)
    {
      connection_read (conn);
      return;
    }

  g_byte_array_append (conn->request, conn->buffer, n);
  if (!request_is_complete (conn->request))
    {
      connection_read (conn);
      return;
    }

  conn->request_done = TRUE;
  conn->server->request_count++;
  g_clear_pointer (&conn->server->last_request, g_bytes_unref);
  conn->server->last_request = g_bytes_new (conn->request->data, conn->request->len);
  connection_answer (conn);
}

static void
connection_read (Connection *conn)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn->connection));

  conn->busy = TRUE;
  g_input_stream_read_async (in, conn->buffer, sizeof conn->buffer, G_PRIORITY_DEFAULT,
                             conn->cancellable, read_cb, conn);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  BearerTestRawServer *self = user_data;
  Connection *conn;

  self->connection_count++;
  if (self->mode == BEARER_TEST_RAW_CLOSE_AT_ONCE)
    {
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return TRUE;
    }

  conn = g_new0 (Connection, 1);
  conn->server = self;
  conn->mode = self->mode;
  conn->connection = g_object_ref (connection);
  conn->cancellable = g_cancellable_new ();
  conn->request = g_byte_array_new ();
  conn->reply = g_bytes_ref (self->reply);
  conn->delay = self->delay;
  g_ptr_array_add (self->connections, conn);

  connection_read (conn);

  return TRUE;
}

BearerTestRawServer *
bearer_test_raw_server_new (BearerTestRawMode mode)
{
  BearerTestRawServer *self = g_new0 (BearerTestRawServer, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  self->mode = mode;
  self->delay = 50;
  self->reply = g_bytes_new (NULL, 0);
  self->connections = g_ptr_array_new ();
  self->service = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, &effective, &error))
    g_error ("The raw test server cannot listen on 127.0.0.1: %s", error->message);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);
  g_socket_service_start (self->service);

  return self;
}

void
bearer_test_raw_server_free (BearerTestRawServer *self)
{
  if (self == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->service, self);
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_clear_object (&self->service);

  while (self->connections->len > 0)
    {
      Connection *conn = g_ptr_array_steal_index (self->connections,
                                                  self->connections->len - 1);

      conn->server = NULL;
      g_cancellable_cancel (conn->cancellable);
      /* The socket itself: closing the stream fails while a call is pending. */
      g_socket_close (g_socket_connection_get_socket (conn->connection), NULL);
      if (!conn->busy)
        connection_free (conn);
      /* else the pending call ends (cancelled) and frees it */
    }

  g_ptr_array_unref (self->connections);
  g_clear_pointer (&self->reply, g_bytes_unref);
  g_clear_pointer (&self->last_request, g_bytes_unref);
  g_free (self);
}

void
bearer_test_raw_server_set_reply_bytes (BearerTestRawServer *self,
                                        GBytes              *reply)
{
  g_clear_pointer (&self->reply, g_bytes_unref);
  self->reply = reply != NULL ? g_bytes_ref (reply) : g_bytes_new (NULL, 0);
}

void
bearer_test_raw_server_set_reply (BearerTestRawServer *self,
                                  const char          *reply)
{
  g_autoptr(GBytes) bytes = g_bytes_new (reply != NULL ? reply : "",
                                         reply != NULL ? strlen (reply) : 0);

  bearer_test_raw_server_set_reply_bytes (self, bytes);
}

void
bearer_test_raw_server_set_delay (BearerTestRawServer *self,
                                  guint                milliseconds)
{
  self->delay = milliseconds;
}

guint
bearer_test_raw_server_get_port (BearerTestRawServer *self)
{
  return self->port;
}

char *
bearer_test_raw_server_get_url (BearerTestRawServer *self,
                                const char          *path)
{
  return g_strdup_printf ("http://127.0.0.1:%u%s", self->port, path);
}

guint
bearer_test_raw_server_get_connection_count (BearerTestRawServer *self)
{
  return self->connection_count;
}

guint
bearer_test_raw_server_get_request_count (BearerTestRawServer *self)
{
  return self->request_count;
}

GBytes *
bearer_test_raw_server_get_last_request (BearerTestRawServer *self)
{
  return self->last_request;
}

guint
bearer_test_raw_server_get_open_connections (BearerTestRawServer *self)
{
  return self->connections->len;
}
