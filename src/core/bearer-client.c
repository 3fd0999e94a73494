/* bearer-client.c: sending token requests on one SoupSession
 *
 * A token request is not idempotent: a refresh rotates the refresh token
 * (ProcessMaker revokes the old one at once), an authorization code can be
 * spent only once. So once a request may have reached the server (libsoup
 * has written its headers), nothing on this side drops the answer:
 *
 *  - cancelling only detaches the caller's interest: the reply is still
 *    read, and the request completes with the server's answer (the caller
 *    checks its cancellable to know it had given up);
 *  - the time-out no longer cuts the exchange: the server is given
 *    bearer_client_get_reply_grace() more seconds to answer.
 *
 * Before that point, cancelling and the time-out stop the request at once.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "bearer-client-private.h"
#include "bearer-dpop.h"
#include "bearer-error-private.h"
#include "bearer-redact.h"

#define READ_CHUNK (64 * 1024)

struct _BearerClient
{
  GObject parent_instance;

  SoupSession *session;
  GHashTable *ca_databases;     /* path → GTlsDatabase */
  guint reply_grace;
};

G_DEFINE_FINAL_TYPE (BearerClient, bearer_client, G_TYPE_OBJECT)

enum {
  REQUEST_SENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct {
  BearerClient *client;
  BearerTokenRequest *request;      /* NULL for a plain exchange (bearer_client_send_async()) */
  guint timeout;
  SoupMessage *message;
  GTlsDatabase *extra_ca;
  GCancellable *cancellable;        /* ours: cancelled by the caller's or the timer */
  GCancellable *caller_cancellable;
  gulong caller_cancelled_id;
  GSource *timeout_source;
  gboolean timed_out;
  gboolean sent;                    /* the request may have reached the server */
  guint grace;                      /* seconds waited beyond the time-out */
  GTlsCertificateFlags tls_errors;
  GInputStream *stream;
  GByteArray *body;
  char **secrets;
  gboolean dpop_retried;            /* sent again with the server's DPoP nonce */
} RequestData;

static void
request_data_free (RequestData *data)
{
  if (data->timeout_source != NULL)
    {
      g_source_destroy (data->timeout_source);
      g_source_unref (data->timeout_source);
    }
  if (data->caller_cancelled_id != 0)
    g_cancellable_disconnect (data->caller_cancellable, data->caller_cancelled_id);
  g_clear_object (&data->caller_cancellable);
  g_clear_object (&data->cancellable);
  g_clear_object (&data->stream);
  if (data->message != NULL)
    g_signal_handlers_disconnect_by_data (data->message, data);
  g_clear_object (&data->message);
  g_clear_object (&data->extra_ca);
  g_clear_object (&data->request);
  g_clear_object (&data->client);
  if (data->body != NULL)
    {
      if (data->body->len > 0)
        explicit_bzero (data->body->data, data->body->len);
      g_byte_array_unref (data->body);
    }
  if (data->secrets != NULL)
    {
      for (guint i = 0; data->secrets[i] != NULL; i++)
        explicit_bzero (data->secrets[i], strlen (data->secrets[i]));
      g_strfreev (data->secrets);
    }
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RequestData, request_data_free)

static void
bearer_client_finalize (GObject *object)
{
  BearerClient *self = BEARER_CLIENT (object);

  g_clear_object (&self->session);
  g_clear_pointer (&self->ca_databases, g_hash_table_unref);

  G_OBJECT_CLASS (bearer_client_parent_class)->finalize (object);
}

static void
bearer_client_class_init (BearerClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bearer_client_finalize;

  /**
   * BearerClient::request-sent:
   * @request: the request
   *
   * The request may have reached the server: from now on it runs to its
   * end, whatever cancels it (see the top of bearer-client.c).
   */
  signals[REQUEST_SENT] = g_signal_new ("request-sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                        BEARER_TYPE_TOKEN_REQUEST);
}

static void
bearer_client_init (BearerClient *self)
{
  self->session = soup_session_new_with_options ("user-agent", "Bearer/" PACKAGE_VERSION,
                                                 "idle-timeout", 60,
                                                 NULL);
  self->ca_databases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->reply_grace = BEARER_CLIENT_DEFAULT_REPLY_GRACE;
}

/**
 * bearer_client_set_reply_grace:
 * @seconds: how much longer than the request's time-out to wait for the
 *   answer to a request that has reached the server
 */
void
bearer_client_set_reply_grace (BearerClient *self,
                               guint         seconds)
{
  g_return_if_fail (BEARER_IS_CLIENT (self));
  self->reply_grace = seconds;
}

guint
bearer_client_get_reply_grace (BearerClient *self)
{
  g_return_val_if_fail (BEARER_IS_CLIENT (self), 0);
  return self->reply_grace;
}

/**
 * bearer_client_new:
 *
 * Creates a client with its own HTTP session. Most callers want the
 * shared one: bearer_client_get_default().
 */
BearerClient *
bearer_client_new (void)
{
  return g_object_new (BEARER_TYPE_CLIENT, NULL);
}

/**
 * bearer_client_get_default:
 *
 * Returns: (transfer none): the client shared by the whole process, bound to
 *   the thread-default main context of its first caller
 */
BearerClient *
bearer_client_get_default (void)
{
  static BearerClient *instance;

  if (instance == NULL)
    instance = bearer_client_new ();

  return instance;
}

/* ------------------------------------------------------------------------- */

static char *
redact (RequestData *data,
        const char  *text)
{
  return bearer_redact (text, (const char * const *) data->secrets);
}

static GTlsDatabase *
get_ca_database (BearerClient  *self,
                 const char    *path,
                 GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  GTlsDatabase *database;
  GList *certificates;

  database = g_hash_table_lookup (self->ca_databases, path);
  if (database != NULL)
    return g_object_ref (database);

  /* A small local file, read once per path and process. */
  certificates = g_tls_certificate_list_new_from_file (path, &local_error);
  if (certificates == NULL)
    {
      if (local_error != NULL)
        /* Translators: the first %s is a file name, the second the system’s
         * explanation of why it cannot be read. */
        g_set_error (error, BEARER_ERROR, BEARER_ERROR_CA_FILE,
                     _("The CA certificate file “%s” cannot be used: %s"), path,
                     local_error->message);
      else
        /* Translators: %s is a file name. */
        g_set_error (error, BEARER_ERROR, BEARER_ERROR_CA_FILE,
                     _("The CA certificate file “%s” cannot be used: it holds no certificate"),
                     path);
      return NULL;
    }
  g_list_free_full (certificates, g_object_unref);

  database = g_tls_file_database_new (path, &local_error);
  if (database == NULL)
    {
      g_set_error (error, BEARER_ERROR, BEARER_ERROR_CA_FILE,
                   _("The CA certificate file “%s” cannot be used: %s"), path, local_error->message);
      return NULL;
    }

  g_hash_table_insert (self->ca_databases, g_strdup (path), g_object_ref (database));
  return database;
}

static gboolean
accept_certificate_cb (SoupMessage          *message,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  RequestData *data = user_data;
  g_autoptr(GSocketConnectable) identity = NULL;
  GUri *uri = soup_message_get_uri (message);
  GTlsCertificateFlags extra_errors;

  data->tls_errors = errors;

  if (data->extra_ca == NULL)
    return FALSE;

  /* The system refused the certificate; the profile's own CA may vouch for
   * it, with the same checks of name and dates. */
  identity = g_network_address_new (g_uri_get_host (uri), g_uri_get_port (uri));
  extra_errors = g_tls_database_verify_chain (data->extra_ca, certificate,
                                              G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                              identity, NULL, G_TLS_DATABASE_VERIFY_NONE,
                                              NULL, NULL);
  if (extra_errors == 0)
    {
      data->tls_errors = 0;
      return TRUE;
    }

  data->tls_errors = extra_errors;
  return FALSE;
}

/* One whole sentence for each reason, for translators. */
static GError *
describe_tls_errors (const char           *host,
                     GTlsCertificateFlags  flags)
{
  if (flags & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return g_error_new (BEARER_ERROR, BEARER_ERROR_TLS,
                        /* Translators: %s is the server’s host name. */
                        _("The certificate of “%s” is not trusted: it is not signed by an "
                          "authority this computer trusts"), host);
  if (flags & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return g_error_new (BEARER_ERROR, BEARER_ERROR_TLS,
                        /* Translators: %s is the host name the certificate was presented for. */
                        _("The certificate of “%s” is not trusted: it was issued for another "
                          "server name"), host);
  if (flags & G_TLS_CERTIFICATE_EXPIRED)
    return g_error_new (BEARER_ERROR, BEARER_ERROR_TLS,
                        /* Translators: %s is the server’s host name. */
                        _("The certificate of “%s” is not trusted: it has expired"), host);
  if (flags & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    return g_error_new (BEARER_ERROR, BEARER_ERROR_TLS,
                        /* Translators: %s is the server’s host name. */
                        _("The certificate of “%s” is not trusted: it is not valid yet"), host);
  if (flags & G_TLS_CERTIFICATE_REVOKED)
    return g_error_new (BEARER_ERROR, BEARER_ERROR_TLS,
                        /* Translators: %s is the server’s host name. */
                        _("The certificate of “%s” is not trusted: it has been revoked"), host);
  if (flags & G_TLS_CERTIFICATE_INSECURE)
    return g_error_new (BEARER_ERROR, BEARER_ERROR_TLS,
                        /* Translators: %s is the server’s host name. */
                        _("The certificate of “%s” is not trusted: it uses an insecure "
                          "algorithm"), host);
  return g_error_new (BEARER_ERROR, BEARER_ERROR_TLS,
                      /* Translators: %s is the server’s host name. */
                      _("The certificate of “%s” is not trusted: it could not be verified"),
                      host);
}

static GError *
transport_error (RequestData  *data,
                 const GError *error)
{
  GUri *uri = soup_message_get_uri (data->message);
  const char *host = g_uri_get_host (uri);
  guint timeout = data->timeout + data->grace;

  /* The timer cancels the exchange: that cancellation is the time-out. */
  if ((data->timed_out && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      if (data->timed_out)
        return g_error_new (BEARER_ERROR, BEARER_ERROR_TIMED_OUT,
                            g_dngettext (GETTEXT_PACKAGE,
                                         /* Translators: %s is the server’s host name, %u
                                          * the request’s time limit in seconds. */
                                         "The server “%s” did not answer within %u second",
                                         "The server “%s” did not answer within %u seconds",
                                         timeout),
                            host, timeout);
      return g_error_new (BEARER_ERROR, BEARER_ERROR_TIMED_OUT,
                          /* Translators: %s is the server’s host name. */
                          _("The server “%s” stopped answering"), host);
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The request was cancelled"));

  if (data->tls_errors != 0)
    return describe_tls_errors (host, data->tls_errors);

  /* RFC 8705: a server that does not take the client certificate ends the
   * handshake (with TLS 1.3 the alert may come once the request is
   * written, and the connection just closes). */
  if (bearer_token_request_message_has_client_certificate (data->message) &&
      soup_message_get_status (data->message) == SOUP_STATUS_NONE &&
      (error->domain == G_TLS_ERROR ||
       g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
       g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE) ||
       g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT)))
    return g_error_new (BEARER_ERROR, BEARER_ERROR_CLIENT_CERTIFICATE_REFUSED,
                        /* Translators: %s is the server’s host name. */
                        _("The server “%s” did not accept the client certificate: check that "
                          "it is the certificate registered for this client"), host);

  if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_CERTIFICATE_REQUIRED))
    return g_error_new (BEARER_ERROR, BEARER_ERROR_CLIENT_CERTIFICATE_REFUSED,
                        /* Translators: %s is the server’s host name. */
                        _("The server “%s” asks for a client certificate: choose TLS client "
                          "authentication and a certificate for this connection"), host);

  if (error->domain == G_TLS_ERROR)
    return g_error_new (BEARER_ERROR, BEARER_ERROR_TLS,
                        /* Translators: the first %s is the server’s host name, the second
                         * the TLS library’s explanation. */
                        _("A secure connection to “%s” could not be made: %s"), host, error->message);

  if (error->domain == G_RESOLVER_ERROR ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND))
    return g_error_new (BEARER_ERROR, BEARER_ERROR_NAME_RESOLUTION,
                        /* Translators: %s is the server’s host name. */
                        _("The server “%s” could not be found. Check the token URL and your "
                          "network connection"), host);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    return g_error_new (BEARER_ERROR, BEARER_ERROR_CONNECTION_REFUSED,
                        /* Translators: %s is the server’s host name, %d a TCP port number. */
                        _("The server “%s” refused the connection on port %d: is it running?"),
                        host, g_uri_get_port (uri));

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
    return g_error_new (BEARER_ERROR, BEARER_ERROR_CONNECTION_FAILED,
                        /* Translators: %s is the server’s host name. */
                        _("The connection to “%s” closed before the whole reply arrived"), host);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE))
    return g_error_new (BEARER_ERROR, BEARER_ERROR_CONNECTION_FAILED,
                        /* Translators: %s is the server’s host name. */
                        _("The server “%s” cannot be reached from this network"), host);

  return g_error_new (BEARER_ERROR, BEARER_ERROR_CONNECTION_FAILED,
                      /* Translators: the first %s is the server’s host name, the second the
                       * network library’s explanation. */
                      _("The connection to “%s” failed: %s"), host, error->message);
}

static void
return_transport_error (GTask        *task,
                        const GError *error)
{
  RequestData *data = g_task_get_task_data (task);

  g_task_return_error (task, transport_error (data, error));
  g_object_unref (task);
}

static void start_exchange (BearerClient *self,
                            GTask        *task_in,
                            RequestData  *data_in,
                            const char   *ca_file,
                            GCancellable *cancellable);

/* RFC 9449 §8: nonce = 1*NQCHAR */
static gboolean
nonce_is_valid (const char *nonce)
{
  if (nonce == NULL || *nonce == '\0' || strlen (nonce) > 1024)
    return FALSE;
  for (const char *p = nonce; *p != '\0'; p++)
    if (*p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\')
      return FALSE;
  return TRUE;
}

/* The server refused the proof for want of its nonce (RFC 9449 §8): send
 * the request once more, with a new proof carrying the nonce. The server
 * refused before spending anything (a refresh token included), and the
 * answer to the second request is the answer, whatever it is: never a
 * loop. */
static void
retry_with_nonce (GTask *task)
{
  RequestData *old = g_task_get_task_data (task);
  RequestData *data = g_new0 (RequestData, 1);
  GCancellable *cancellable = old->caller_cancellable;
  GError *error = NULL;

  g_debug ("the server wants a DPoP nonce: sending the request once more with it");
  data->client = g_object_ref (old->client);
  data->request = g_object_ref (old->request);
  data->secrets = bearer_token_request_dup_secrets (old->request);
  data->timeout = old->timeout;
  data->dpop_retried = TRUE;
  data->message = bearer_token_request_build_message (old->request, &error);
  if (data->message == NULL)
    {
      request_data_free (data);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  /* start_exchange() replaces (and frees) the old data. */
  start_exchange (data->client, task, data, bearer_token_request_get_ca_file (data->request),
                  cancellable);
}

static void
finish_reply (GTask *task)
{
  RequestData *data = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *shown = NULL;
  BearerTokenResponse *response;
  SoupMessageHeaders *headers = soup_message_get_response_headers (data->message);
  guint status = soup_message_get_status (data->message);
  const char *content_type = soup_message_headers_get_content_type (headers, NULL);

  body = g_bytes_new (data->body->data, data->body->len);
  /* The whole reply is redacted first, then cut: cut first, a secret that
   * crosses the cut would be shown in part, unmasked. Not done at all when
   * nobody reads debug messages (a reply may be 1 MiB). */
  if (data->body->len > 0 && !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN) &&
      g_utf8_validate ((const char *) data->body->data, data->body->len, NULL))
    {
      g_autofree char *text = g_strndup ((const char *) data->body->data, data->body->len);
      gsize cut = 4096;

      shown = redact (data, text);
      if (strlen (shown) > cut)
        {
          while (cut > 0 && (shown[cut] & 0xc0) == 0x80)
            cut--;
          shown[cut] = '\0';
        }
      explicit_bzero (text, strlen (text));
    }
  g_debug ("reply: HTTP %u, %s, %u bytes: %s", status,
           content_type ? content_type : "no content type", data->body->len,
           shown ? shown : "(not shown)");

  if (data->request == NULL)
    {
      BearerHttpReply *reply = g_new0 (BearerHttpReply, 1);

      reply->status = status;
      reply->content_type = g_strdup (content_type);
      reply->location = g_strdup (soup_message_headers_get_one (headers, "Location"));
      reply->body = g_steal_pointer (&body);
      g_task_return_pointer (task, reply, (GDestroyNotify) bearer_http_reply_free);
      g_object_unref (task);
      return;
    }

  if (bearer_token_request_get_dpop_key (data->request) != NULL)
    {
      const char *nonce = soup_message_headers_get_one (headers, BEARER_DPOP_NONCE_HEADER);

      if (nonce_is_valid (nonce))
        bearer_dpop_remember_nonce (bearer_token_request_get_dpop_key (data->request), nonce);
      else
        nonce = NULL;

      response = bearer_token_response_parse (status, content_type, body,
                                              bearer_token_request_get_grant_type (data->request),
                                              g_get_real_time () / G_USEC_PER_SEC, &error);
      if (response == NULL && nonce != NULL && !data->dpop_retried &&
          g_strcmp0 (bearer_error_get_oauth_code (error), "use_dpop_nonce") == 0)
        {
          retry_with_nonce (task);
          return;
        }
    }
  else
    response = bearer_token_response_parse (status, content_type, body,
                                            bearer_token_request_get_grant_type (data->request),
                                            g_get_real_time () / G_USEC_PER_SEC, &error);
  if (response == NULL)
    {
      bearer_error_redact (error, (const char * const *) data->secrets);
      g_debug ("reply refused: %s", error->message);
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  if (bearer_token_request_get_grant_type (data->request) == BEARER_GRANT_REFRESH_TOKEN)
    bearer_token_response_keep_refresh_token (response,
                                              bearer_token_request_get_refresh_token (data->request));

  g_task_return_pointer (task, response, g_object_unref);
  g_object_unref (task);
}

static GError *
too_large_error (guint status)
{
  GError *error = g_error_new (BEARER_ERROR, BEARER_ERROR_BODY_TOO_LARGE,
                               /* Translators: %d is a size in kibibytes (1024 bytes); it is
                                * 1024. */
                               _("The server’s reply is larger than %d KiB: it cannot be a token"),
                               BEARER_CLIENT_MAX_BODY_SIZE / 1024);
  bearer_error_set_http_status (error, status);
  return error;
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  RequestData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) chunk = NULL;
  gsize size;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (chunk == NULL)
    {
      return_transport_error (task, error);
      return;
    }

  size = g_bytes_get_size (chunk);
  if (size == 0)
    {
      finish_reply (task);
      return;
    }

  if (data->body->len + size > BEARER_CLIENT_MAX_BODY_SIZE)
    {
      g_cancellable_cancel (data->cancellable);
      g_task_return_error (task, too_large_error (soup_message_get_status (data->message)));
      g_object_unref (task);
      return;
    }

  g_byte_array_append (data->body, g_bytes_get_data (chunk, NULL), size);

  g_input_stream_read_bytes_async (data->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   data->cancellable, read_cb, task);
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  RequestData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  guint status;
  goffset length;

  data->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (data->stream == NULL)
    {
      g_debug ("request failed: %s", error->message);
      return_transport_error (task, error);
      return;
    }

  status = soup_message_get_status (data->message);
  headers = soup_message_get_response_headers (data->message);

  /* A plain exchange reports a redirect as its reply, for the caller to judge. */
  if (SOUP_STATUS_IS_REDIRECTION (status) && data->request != NULL)
    {
      const char *location = soup_message_headers_get_one (headers, "Location");
      g_autofree char *shown = bearer_sanitize_server_text (location, -1, 500);
      GError *redirect;

      if (shown != NULL)
        redirect = g_error_new (BEARER_ERROR, BEARER_ERROR_REDIRECT,
                                /* Translators: %u is the HTTP status code (301, 302…), %s the
                                 * address the server redirects to, quoted as it sent it. */
                                _("The token URL redirects (HTTP %u) to “%s”. Redirects are not "
                                  "followed for token requests: use that address as the token URL "
                                  "if you trust it"), status, shown);
      else
        redirect = g_error_new (BEARER_ERROR, BEARER_ERROR_REDIRECT,
                                /* Translators: %u is the HTTP status code (301, 302…). */
                                _("The token URL redirects (HTTP %u) without saying where. Check "
                                  "the token URL"), status);
      bearer_error_set_http_status (redirect, status);
      bearer_error_set_redirect_location (redirect, shown);
      g_task_return_error (task, redirect);
      g_object_unref (task);
      return;
    }

  length = soup_message_headers_get_content_length (headers);
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      length > BEARER_CLIENT_MAX_BODY_SIZE)
    {
      g_cancellable_cancel (data->cancellable);
      g_task_return_error (task, too_large_error (status));
      g_object_unref (task);
      return;
    }

  data->body = g_byte_array_new ();
  g_input_stream_read_bytes_async (data->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   data->cancellable, read_cb, task);
}

static gboolean
grace_over_cb (gpointer user_data)
{
  RequestData *data = user_data;

  g_debug ("no answer within the grace period either: giving up");
  g_cancellable_cancel (data->cancellable);
  g_clear_pointer (&data->timeout_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  RequestData *data = user_data;
  guint grace = data->client->reply_grace;

  data->timed_out = TRUE;
  g_clear_pointer (&data->timeout_source, g_source_unref);

  if (!data->sent || grace == 0)
    {
      g_cancellable_cancel (data->cancellable);
      return G_SOURCE_REMOVE;
    }

  /* The server has the request and may have spent a refresh token: its
   * answer is worth waiting for a while longer. */
  g_debug ("no answer yet; waiting %u more seconds, the request has reached the server", grace);
  data->grace = grace;
  data->timeout_source = g_timeout_source_new_seconds (grace);
  g_source_set_name (data->timeout_source, "[bearer] token request grace");
  g_source_set_callback (data->timeout_source, grace_over_cb, data, NULL);
  g_source_attach (data->timeout_source, g_main_context_get_thread_default ());
  return G_SOURCE_REMOVE;
}

static void
caller_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  RequestData *data = user_data;

  if (data->sent)
    {
      g_debug ("cancelled after the request reached the server: still reading the answer");
      return;
    }
  g_cancellable_cancel (data->cancellable);
}

static void
wrote_headers_cb (SoupMessage *message,
                  gpointer     user_data)
{
  RequestData *data = user_data;

  /* libsoup may still be flushing the body when the caller cancels; the
   * server may already have it. From here on, the answer is read. */
  if (data->sent)
    return;
  data->sent = TRUE;
  if (data->request != NULL)
    g_signal_emit (data->client, signals[REQUEST_SENT], 0, data->request);
}

/* Sends data->message with the transport rules of the top of this file;
 * the task completes in finish_reply() or with a transport error. */
static void
start_exchange (BearerClient *self,
                GTask        *task_in,
                RequestData  *data_in,
                const char   *ca_file,
                GCancellable *cancellable)
{
  g_autoptr(GTask) task = task_in;
  g_autoptr(RequestData) data = data_in;
  g_autoptr(GError) error = NULL;
  g_autofree char *shown_url = NULL;
  g_autofree char *shown_body = NULL;
  g_autofree char *url = NULL;
  GBytes *request_body;
  guint timeout;

  if (ca_file != NULL && !(data->extra_ca = get_ca_database (self, ca_file, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_signal_connect (data->message, "accept-certificate", G_CALLBACK (accept_certificate_cb), data);
  g_signal_connect (data->message, "wrote-headers", G_CALLBACK (wrote_headers_cb), data);

  data->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    {
      data->caller_cancellable = g_object_ref (cancellable);
      data->caller_cancelled_id = g_cancellable_connect (cancellable,
                                                         G_CALLBACK (caller_cancelled_cb),
                                                         data, NULL);
    }

  timeout = data->timeout;
  if (timeout > 0)
    {
      data->timeout_source = g_timeout_source_new (timeout * 1000);
      g_source_set_name (data->timeout_source, "[bearer] token request timeout");
      g_source_set_callback (data->timeout_source, timeout_cb, data, NULL);
      g_source_attach (data->timeout_source, g_main_context_get_thread_default ());
    }

  url = g_uri_to_string (soup_message_get_uri (data->message));
  shown_url = bearer_redact_url (url);
  request_body = bearer_token_request_peek_message_body (data->message);
  if (data->request != NULL)
    g_debug ("POST %s (grant %s, client authentication %s)", shown_url,
             bearer_grant_type_to_string (bearer_token_request_get_grant_type (data->request)),
             bearer_client_auth_to_string (bearer_token_request_get_client_auth (data->request)));
  else
    g_debug ("%s %s", soup_message_get_method (data->message), shown_url);
  if (request_body != NULL)
    {
      g_autofree char *text = g_strndup (g_bytes_get_data (request_body, NULL),
                                         g_bytes_get_size (request_body));
      shown_body = redact (data, text);
      g_debug ("request body: %s", shown_body);
      explicit_bzero (text, strlen (text));
    }

  g_task_set_task_data (task, g_steal_pointer (&data), (GDestroyNotify) request_data_free);

  {
    RequestData *d = g_task_get_task_data (task);
    soup_session_send_async (self->session, d->message, G_PRIORITY_DEFAULT, d->cancellable,
                             send_cb, g_steal_pointer (&task));
  }
}

/**
 * bearer_client_request_token_async:
 * @request: what to ask for
 * @cancellable: (nullable): cancels the request until it has reached the
 *   server (the callback then gets %G_IO_ERROR_CANCELLED); after that, the
 *   request still completes with the server's answer
 *
 * Sends @request. Nothing blocks: the callback runs on the thread-default
 * main context, once, with a token or a %BEARER_ERROR. See the top of this
 * file for what cancelling and the time-out do once the request is sent.
 */
void
bearer_client_request_token_async (BearerClient        *self,
                                   BearerTokenRequest  *request,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(RequestData) data = NULL;

  g_return_if_fail (BEARER_IS_CLIENT (self));
  g_return_if_fail (BEARER_IS_TOKEN_REQUEST (request));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_client_request_token_async);
  /* A reply read after the caller cancelled is still the answer. */
  g_task_set_check_cancellable (task, FALSE);

  data = g_new0 (RequestData, 1);
  data->client = g_object_ref (self);
  data->request = g_object_ref (request);
  data->secrets = bearer_token_request_dup_secrets (request);
  data->timeout = bearer_token_request_get_timeout (request);

  data->message = bearer_token_request_build_message (request, &error);
  if (data->message == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  start_exchange (self, g_steal_pointer (&task), g_steal_pointer (&data),
                  bearer_token_request_get_ca_file (request), cancellable);
}

/**
 * bearer_client_request_token_finish:
 *
 * Returns: (transfer full): the token, or %NULL with a %BEARER_ERROR or
 *   %G_IO_ERROR_CANCELLED
 */
BearerTokenResponse *
bearer_client_request_token_finish (BearerClient  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (BEARER_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bearer_client_request_token_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * bearer_client_send_async:
 * @message: a message to send (a GET of a discovery document, a device
 *   authorization POST); %SOUP_MESSAGE_NO_REDIRECT is set on it
 * @timeout: seconds the whole exchange may take; 0 for no limit
 * @ca_file: (nullable): a PEM file trusted in addition to the system's
 * @secrets: (nullable) (array zero-terminated=1): secrets the message
 *   carries, masked in the debug log
 *
 * Sends @message with the same rules as a token request (TLS verified, no
 * redirect followed, the body cap, the time-out; see the top of this file)
 * and hands back the reply whatever its status: a redirect is a reply with
 * its `Location`, for the caller to judge.
 */
void
bearer_client_send_async (BearerClient        *self,
                          SoupMessage         *message,
                          guint                timeout,
                          const char          *ca_file,
                          const char * const  *secrets,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;
  RequestData *data;

  g_return_if_fail (BEARER_IS_CLIENT (self));
  g_return_if_fail (SOUP_IS_MESSAGE (message));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_client_send_async);
  g_task_set_check_cancellable (task, FALSE);

  soup_message_add_flags (message, SOUP_MESSAGE_NO_REDIRECT);
  data = g_new0 (RequestData, 1);
  data->client = g_object_ref (self);
  data->message = g_object_ref (message);
  data->timeout = timeout;
  data->secrets = g_strdupv ((char **) secrets);
  if (data->secrets == NULL)
    data->secrets = g_new0 (char *, 1);

  start_exchange (self, task, data, ca_file, cancellable);
}

/**
 * bearer_client_send_finish:
 *
 * Returns: (transfer full): the reply, or %NULL with a transport
 *   %BEARER_ERROR (TLS, name resolution, refused, time-out, too large…) or
 *   %G_IO_ERROR_CANCELLED
 */
BearerHttpReply *
bearer_client_send_finish (BearerClient  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (BEARER_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bearer_client_send_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
bearer_http_reply_free (BearerHttpReply *reply)
{
  if (reply == NULL)
    return;
  g_free (reply->content_type);
  g_free (reply->location);
  g_clear_pointer (&reply->body, g_bytes_unref);
  g_free (reply);
}
