/* bearer-sign-in.c: signing in from zero, through the browser or with a device code
 *
 * The browser (RFC 6749 §4.1, RFC 7636, RFC 8252): a fresh `state`, a PKCE
 * verifier (S256 unless the profile asks for plain or none) and, when the
 * scope holds `openid`, a `nonce`, all from the kernel's CSPRNG
 * (bearer-pkce.c). The redirect comes back to a SoupServer listening on
 * 127.0.0.1 only (or [::1] when the redirect URI says so), on an ephemeral
 * port unless the profile's registered loopback redirect names one. It
 * takes one redirect whose `state` matches: a request to another path (a
 * favicon) changes nothing; a redirect with another `state`, without a
 * `code`, or with an `error` ends the sign-in with its own error. The
 * browser's page waits until the tokens are stored and then says how it
 * went. A redirect URI that is not loopback: the caller asks the user for
 * the address the browser ended on and hands it to
 * bearer_sign_in_submit_redirect().
 *
 * The device grant (RFC 8628): the device authorization request with the
 * profile's client authentication; then the token endpoint is polled every
 * `interval` seconds (5 more after each `slow_down`) until the user approved
 * (`authorization_pending` goes on; `access_denied`, `expired_token` and
 * the expiry end it).
 *
 * Either way the tokens are stored as a refresh stores them, under the
 * profile's lock, keyring first, kept aside if it refuses
 * (bearer_refresh_sign_in_async()). The code exchange is sent under that
 * lock; once it (or a poll) has reached the server, cancelling no longer
 * stops it: its answer is stored.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "bearer-client-private.h"
#include "bearer-dpop.h"
#include "bearer-enum-types.h"
#include "bearer-error-private.h"
#include "bearer-pkce.h"
#include "bearer-profile-secrets.h"
#include "bearer-redact.h"
#include "bearer-refresh-private.h"
#include "bearer-secrets.h"
#include "bearer-sign-in-private.h"
#include "bearer-token-response-private.h"

G_DEFINE_QUARK (bearer-sign-in-error-quark, bearer_sign_in_error)

struct _BearerSignIn
{
  GObject parent_instance;

  BearerProfile *profile;
  BearerSignInMethod method;
  guint timeout;
  guint second_ms;
  BearerSignInState state;
  GTask *task;                      /* the run, while it runs */

  /* The browser */
  char *state_value;                /* secret */
  char *verifier;                   /* secret */
  char *nonce;
  char *redirect_uri;
  char *redirect_path;
  char *authorization_url;
  gboolean loopback;
  SoupServer *server;
  SoupServerMessage *callback;      /* paused until the tokens are stored */
  gboolean answered;                /* a redirect was taken (or ended the sign-in) */
  GSource *timeout_source;
  GTask *ending;                    /* the run, waiting for the browser to have its page */
  BearerRefreshResult *end_result;
  GError *end_error;
  GSource *page_source;             /* how long the browser may take to read it */

  /* The device grant */
  char *client_secret;              /* secret */
  char *private_key;                /* secret: PEM, private_key_jwt */
  char *client_key;                 /* secret: the client certificate's (RFC 8705) */
  char *dpop_key;                   /* secret: DPoP proofs on the polls (RFC 9449) */
  char *device_code;                /* secret */
  char *user_code;
  char *verification_uri;
  char *verification_uri_complete;
  gint64 expires_at;
  guint interval;
  GSource *poll_source;
  BearerTokenRequest *request;      /* the poll or code exchange on its way */
  gboolean in_flight;
  gulong sent_id;
  gulong cancelled_id;
};

G_DEFINE_FINAL_TYPE (BearerSignIn, bearer_sign_in, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_AUTHORIZATION_URL,
  PROP_USER_CODE,
  PROP_INTERVAL,
  PROP_REQUEST_IN_FLIGHT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static gboolean
disconnect_server_cb (gpointer user_data)
{
  soup_server_disconnect (SOUP_SERVER (user_data));
  return G_SOURCE_REMOVE;
}

/* Closes the loopback server. Not at once: this may run inside one of its
 * own handlers, which libsoup still uses after it returns. */
static void
stop_server (BearerSignIn *self)
{
  SoupServer *server = g_steal_pointer (&self->server);

  if (server == NULL)
    return;
  soup_server_remove_handler (server, NULL);
  g_idle_add_full (G_PRIORITY_DEFAULT, disconnect_server_cb, server, g_object_unref);
}

static void
bearer_sign_in_dispose (GObject *object)
{
  BearerSignIn *self = BEARER_SIGN_IN (object);

  clear_source (&self->timeout_source);
  clear_source (&self->poll_source);
  clear_source (&self->page_source);
  g_clear_object (&self->callback);
  stop_server (self);
  g_clear_object (&self->ending);
  g_clear_object (&self->end_result);
  g_clear_error (&self->end_error);
  g_clear_signal_handler (&self->sent_id, bearer_client_get_default ());
  g_clear_object (&self->request);

  G_OBJECT_CLASS (bearer_sign_in_parent_class)->dispose (object);
}

static void
bearer_sign_in_finalize (GObject *object)
{
  BearerSignIn *self = BEARER_SIGN_IN (object);

  g_clear_object (&self->profile);
  bearer_secret_free (self->state_value);
  bearer_secret_free (self->verifier);
  g_free (self->nonce);
  g_free (self->redirect_uri);
  g_free (self->redirect_path);
  g_free (self->authorization_url);
  bearer_secret_free (self->client_secret);
  bearer_secret_free (self->private_key);
  bearer_secret_free (self->client_key);
  bearer_secret_free (self->dpop_key);
  bearer_secret_free (self->device_code);
  g_free (self->user_code);
  g_free (self->verification_uri);
  g_free (self->verification_uri_complete);

  G_OBJECT_CLASS (bearer_sign_in_parent_class)->finalize (object);
}

static void
bearer_sign_in_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  BearerSignIn *self = BEARER_SIGN_IN (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_AUTHORIZATION_URL:
      g_value_set_string (value, self->authorization_url);
      break;
    case PROP_USER_CODE:
      g_value_set_string (value, self->user_code);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval);
      break;
    case PROP_REQUEST_IN_FLIGHT:
      g_value_set_boolean (value, self->in_flight);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bearer_sign_in_class_init (BearerSignInClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = bearer_sign_in_dispose;
  object_class->finalize = bearer_sign_in_finalize;
  object_class->get_property = bearer_sign_in_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, BEARER_TYPE_SIGN_IN_STATE, BEARER_SIGN_IN_STATE_IDLE, flags);
  properties[PROP_AUTHORIZATION_URL] =
    g_param_spec_string ("authorization-url", NULL, NULL, NULL, flags);
  properties[PROP_USER_CODE] =
    g_param_spec_string ("user-code", NULL, NULL, NULL, flags);
  properties[PROP_INTERVAL] =
    g_param_spec_uint ("interval", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_REQUEST_IN_FLIGHT] =
    g_param_spec_boolean ("request-in-flight", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
bearer_sign_in_init (BearerSignIn *self)
{
  self->timeout = BEARER_SIGN_IN_DEFAULT_TIMEOUT;
  self->second_ms = 1000;
}

/**
 * bearer_sign_in_new:
 * @profile: the profile to sign in (its settings are read when the sign-in
 *   runs)
 * @method: through the browser, or with a device code
 *
 * Returns: (transfer full): a sign-in, not started
 */
BearerSignIn *
bearer_sign_in_new (BearerProfile      *profile,
                    BearerSignInMethod  method)
{
  BearerSignIn *self;

  g_return_val_if_fail (BEARER_IS_PROFILE (profile), NULL);

  self = g_object_new (BEARER_TYPE_SIGN_IN, NULL);
  self->profile = g_object_ref (profile);
  self->method = method;
  return self;
}

BearerProfile *
bearer_sign_in_get_profile (BearerSignIn *self)
{
  g_return_val_if_fail (BEARER_IS_SIGN_IN (self), NULL);
  return self->profile;
}

BearerSignInMethod
bearer_sign_in_get_method (BearerSignIn *self)
{
  g_return_val_if_fail (BEARER_IS_SIGN_IN (self), 0);
  return self->method;
}

/**
 * bearer_sign_in_set_timeout:
 * @seconds: how long the browser has to come back; 0 for no limit
 */
void
bearer_sign_in_set_timeout (BearerSignIn *self,
                            guint         seconds)
{
  g_return_if_fail (BEARER_IS_SIGN_IN (self));
  self->timeout = seconds;
}

guint
bearer_sign_in_get_timeout (BearerSignIn *self)
{
  g_return_val_if_fail (BEARER_IS_SIGN_IN (self), 0);
  return self->timeout;
}

void
bearer_sign_in_set_second_ms (BearerSignIn *self,
                              guint         milliseconds)
{
  g_return_if_fail (BEARER_IS_SIGN_IN (self));
  self->second_ms = MAX (milliseconds, 1);
}

BearerSignInState
bearer_sign_in_get_state (BearerSignIn *self)
{
  g_return_val_if_fail (BEARER_IS_SIGN_IN (self), 0);
  return self->state;
}

/**
 * bearer_sign_in_get_request_in_flight:
 *
 * Returns: whether a request that may bring tokens (a poll, the code
 *   exchange) is on its way: once it has reached the server, it runs to
 *   its end whatever cancels it
 */
gboolean
bearer_sign_in_get_request_in_flight (BearerSignIn *self)
{
  g_return_val_if_fail (BEARER_IS_SIGN_IN (self), FALSE);
  return self->in_flight;
}

/**
 * bearer_sign_in_get_authorization_url:
 *
 * Returns: (nullable): the address to open in the browser, from
 *   %BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER on
 */
const char *
bearer_sign_in_get_authorization_url (BearerSignIn *self)
{
  g_return_val_if_fail (BEARER_IS_SIGN_IN (self), NULL);
  return self->authorization_url;
}

/**
 * bearer_sign_in_get_redirect_uri:
 *
 * Returns: (nullable): where the browser comes back (with the port the
 *   loopback server listens on)
 */
const char *
bearer_sign_in_get_redirect_uri (BearerSignIn *self)
{
  g_return_val_if_fail (BEARER_IS_SIGN_IN (self), NULL);
  return self->redirect_uri;
}

/**
 * bearer_sign_in_get_loopback:
 *
 * Returns: whether the redirect comes back to this process; if not, the
 *   user pastes the address the browser ended on
 *   (bearer_sign_in_submit_redirect())
 */
gboolean
bearer_sign_in_get_loopback (BearerSignIn *self)
{
  g_return_val_if_fail (BEARER_IS_SIGN_IN (self), FALSE);
  return self->loopback;
}

const char *
bearer_sign_in_get_user_code (BearerSignIn *self)
{
  g_return_val_if_fail (BEARER_IS_SIGN_IN (self), NULL);
  return self->user_code;
}

const char *
bearer_sign_in_get_verification_uri (BearerSignIn *self)
{
  g_return_val_if_fail (BEARER_IS_SIGN_IN (self), NULL);
  return self->verification_uri;
}

const char *
bearer_sign_in_get_verification_uri_complete (BearerSignIn *self)
{
  g_return_val_if_fail (BEARER_IS_SIGN_IN (self), NULL);
  return self->verification_uri_complete;
}

/**
 * bearer_sign_in_get_expires_at:
 *
 * Returns: when the device code expires (seconds since the epoch)
 */
gint64
bearer_sign_in_get_expires_at (BearerSignIn *self)
{
  g_return_val_if_fail (BEARER_IS_SIGN_IN (self), 0);
  return self->expires_at;
}

/**
 * bearer_sign_in_get_interval:
 *
 * Returns: the seconds between two polls (grows by 5 with each slow_down)
 */
guint
bearer_sign_in_get_interval (BearerSignIn *self)
{
  g_return_val_if_fail (BEARER_IS_SIGN_IN (self), 0);
  return self->interval;
}

/* ---- the run ---------------------------------------------------------------- */

static void
set_state (BearerSignIn      *self,
           BearerSignInState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_in_flight (BearerSignIn *self,
               gboolean      in_flight)
{
  if (self->in_flight == in_flight)
    return;
  self->in_flight = in_flight;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUEST_IN_FLIGHT]);
}

static GError *
sign_in_error (BearerSignInError  code,
               const char        *format,
               ...) G_GNUC_PRINTF (2, 3);

static GError *
sign_in_error (BearerSignInError  code,
               const char        *format,
               ...)
{
  va_list args;
  GError *error;

  va_start (args, format);
  error = g_error_new_valist (BEARER_SIGN_IN_ERROR, code, format, args);
  va_end (args);
  return error;
}

static gboolean answer_browser (BearerSignIn *self,
                                const GError *error);

/* Returns the run's outcome, once the browser (if one waits) has its page. */
static void
complete (BearerSignIn *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->ending);

  clear_source (&self->page_source);
  stop_server (self);
  if (task == NULL)
    return;
  if (self->end_result != NULL)
    g_task_return_pointer (task, g_steal_pointer (&self->end_result), g_object_unref);
  else
    g_task_return_error (task, g_steal_pointer (&self->end_error));
}

/* Ends the run with @result or @error (one of them). */
static void
finish (BearerSignIn        *self,
        BearerRefreshResult *result,
        GError              *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);

  clear_source (&self->timeout_source);
  clear_source (&self->poll_source);
  g_clear_signal_handler (&self->sent_id, bearer_client_get_default ());
  g_clear_object (&self->request);
  set_in_flight (self, FALSE);
  if (task == NULL)
    {
      g_clear_object (&result);
      g_clear_error (&error);
      return;
    }
  if (self->cancelled_id != 0)
    {
      g_cancellable_disconnect (g_task_get_cancellable (task), self->cancelled_id);
      self->cancelled_id = 0;
    }

  self->ending = g_steal_pointer (&task);
  self->end_result = result;
  self->end_error = error;
  set_state (self, result != NULL ? BEARER_SIGN_IN_STATE_DONE : BEARER_SIGN_IN_STATE_FAILED);
  /* A process that ends with the run must not cut the browser's page off. */
  if (!answer_browser (self, error))
    complete (self);
}

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(BearerSignIn) self = user_data;
  BearerRefreshResult *refresh;
  GError *error = NULL;

  refresh = bearer_refresh_finish (result, &error);
  finish (self, refresh, error);
}

static void
request_sent_cb (BearerClient       *client,
                 BearerTokenRequest *request,
                 BearerSignIn       *self)
{
  if (request == self->request)
    set_in_flight (self, TRUE);
}

/* Watches @request reach the server (#BearerSignIn:request-in-flight). */
static void
track_request (BearerSignIn       *self,
               BearerTokenRequest *request)
{
  g_set_object (&self->request, request);
  set_in_flight (self, FALSE);
  if (self->sent_id == 0)
    self->sent_id = g_signal_connect (bearer_client_get_default (), "request-sent",
                                      G_CALLBACK (request_sent_cb), self);
}

/* ---- the browser ---------------------------------------------------------------- */

static gboolean
host_is_loopback_literal (const char *host)
{
  return g_str_equal (host, "127.0.0.1") || g_str_equal (host, "::1") ||
         g_ascii_strcasecmp (host, "localhost") == 0;
}

/**
 * bearer_sign_in_check_redirect_uri:
 * @uri: (nullable): a redirect URI as typed; %NULL or empty is the
 *   automatic one (127.0.0.1, any port)
 *
 * Returns: whether @uri can be a redirect URI: an absolute http(s)
 *   address without a fragment or a user name
 */
gboolean
bearer_sign_in_check_redirect_uri (const char  *uri,
                                   GError     **error)
{
  g_autoptr(GUri) parsed = NULL;
  const char *scheme;

  if (uri == NULL || *uri == '\0')
    return TRUE;

  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED, NULL);
  scheme = parsed != NULL ? g_uri_get_scheme (parsed) : NULL;
  if (parsed == NULL || scheme == NULL ||
      (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0) ||
      g_uri_get_host (parsed) == NULL || *g_uri_get_host (parsed) == '\0' ||
      g_uri_get_userinfo (parsed) != NULL || g_uri_get_fragment (parsed) != NULL)
    {
      g_set_error (error, BEARER_SIGN_IN_ERROR, BEARER_SIGN_IN_ERROR_SETUP,
                   /* Translators: %s is the redirect URI as the user typed it. */
                   _("The redirect URI “%s” is not a web address the browser can come back to "
                     "(http:// or https://, with no “#” and no user name)"), uri);
      return FALSE;
    }
  return TRUE;
}

/* The page the browser shows once the sign-in is over. */
static char *
page_html (BearerSignIn *self,
           const GError *error)
{
  g_autofree char *heading = NULL;
  g_autofree char *text = NULL;
  g_autofree char *title = NULL;

  if (error == NULL)
    {
      heading = g_markup_escape_text (_("Signed In"), -1);
      /* Translators: the page the browser shows after a sign-in with Bearer;
       * %s is the connection’s name. */
      text = g_markup_printf_escaped (_("Signed in to “%s” — you can close this tab."),
                                      bearer_profile_get_name (self->profile));
    }
  else
    {
      heading = g_markup_escape_text (_("Not Signed In"), -1);
      text = g_markup_escape_text (error->message, -1);
    }
  title = g_markup_escape_text ("Bearer", -1);

  return g_strdup_printf ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                          "<meta name=\"viewport\" content=\"width=device-width\">"
                          "<title>%s — %s</title>"
                          "<style>body{font-family:system-ui,sans-serif;max-width:34em;margin:4em auto;"
                          "padding:0 1em;line-height:1.5}</style></head>"
                          "<body><h1>%s</h1><p>%s</p></body></html>\n",
                          heading, title, heading, text);
}

static void
set_page (SoupServerMessage *message,
          guint              status,
          const char        *html)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);

  soup_server_message_set_status (message, status, NULL);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  soup_message_headers_replace (headers, "Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_server_message_set_response (message, "text/html; charset=utf-8", SOUP_MEMORY_COPY,
                                    html, strlen (html));
}

static void
callback_finished_cb (SoupServerMessage *message,
                      BearerSignIn      *self)
{
  /* The browser has its page: nobody else is listened to. */
  g_signal_handlers_disconnect_by_func (message, callback_finished_cb, self);
  complete (self);
}

static gboolean
page_timed_out_cb (gpointer user_data)
{
  BearerSignIn *self = user_data;

  g_clear_pointer (&self->page_source, g_source_unref);
  complete (self);
  return G_SOURCE_REMOVE;
}

/* Tells the waiting browser how it went; the server closes once it has
 * read the page (or after 5 seconds). Returns whether a browser waits. */
static gboolean
answer_browser (BearerSignIn *self,
                const GError *error)
{
  g_autoptr(SoupServerMessage) message = g_steal_pointer (&self->callback);
  g_autofree char *html = NULL;

  if (message == NULL)
    return FALSE;

  html = page_html (self, error);
  set_page (message, error == NULL ? SOUP_STATUS_OK : SOUP_STATUS_BAD_REQUEST, html);
  g_signal_connect (message, "finished", G_CALLBACK (callback_finished_cb), self);
  self->page_source = g_timeout_source_new_seconds (5);
  g_source_set_callback (self->page_source, page_timed_out_cb, self, NULL);
  g_source_attach (self->page_source, g_main_context_get_thread_default ());
  soup_server_message_unpause (message);
  return TRUE;
}

static void
exchange_code (BearerSignIn *self,
               const char   *code)
{
  g_autoptr(BearerTokenRequest) request = NULL;
  GTask *task = self->task;

  clear_source (&self->timeout_source);
  set_state (self, BEARER_SIGN_IN_STATE_EXCHANGING);

  request = bearer_profile_create_request (self->profile, BEARER_GRANT_AUTHORIZATION_CODE);
  /* The client secret is read under the profile's lock. */
  bearer_token_request_set_client (request, bearer_profile_get_client_id (self->profile), NULL);
  bearer_token_request_set_authorization_code (request, code, self->redirect_uri,
                                               bearer_profile_get_pkce_method (self->profile) != BEARER_PKCE_NONE
                                               ? self->verifier : NULL);
  track_request (self, request);
  bearer_refresh_sign_in_async (self->profile, request, NULL, g_task_get_cancellable (task),
                                stored_cb, g_object_ref (self));
}

/* The parameters of a redirect: its query, as the authorization server
 * wrote them (RFC 6749 §4.1.2). */
static GHashTable *
redirect_params (const char *query)
{
  GHashTable *params = NULL;

  if (query != NULL)
    params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
  if (params == NULL)
    params = g_hash_table_new (g_str_hash, g_str_equal);
  return params;
}

/* Judges a redirect. Returns NULL and sets *code when it is this sign-in's
 * answer with a code; else the error it is. *stray is set when it is no
 * answer of a sign-in at all (nothing in it). */
static GError *
judge_redirect (BearerSignIn  *self,
                GHashTable    *params,
                const char   **code,
                gboolean      *stray)
{
  const char *state = g_hash_table_lookup (params, "state");
  const char *error_code = g_hash_table_lookup (params, "error");
  const char *description = g_hash_table_lookup (params, "error_description");
  const char *iss = g_hash_table_lookup (params, "iss");
  const char *issuer = bearer_profile_get_issuer (self->profile);
  g_autofree char *words = NULL;
  g_autofree char *shown_code = NULL;

  *code = g_hash_table_lookup (params, "code");
  *stray = state == NULL && *code == NULL && error_code == NULL;
  if (*stray)
    return sign_in_error (BEARER_SIGN_IN_ERROR_INVALID_REDIRECT, "%s",
                          _("This address holds no answer of a sign-in (no code, state or error)"));

  if (state == NULL || self->state_value == NULL || !g_str_equal (state, self->state_value))
    return sign_in_error (BEARER_SIGN_IN_ERROR_STATE_MISMATCH, "%s",
                          _("The browser came back with an answer that does not belong to this "
                            "sign-in (its state does not match): it was not used. Sign in again"));

  /* RFC 9207: a server that names itself must be the profile's. */
  if (iss != NULL && issuer != NULL && !g_str_equal (iss, issuer))
    return sign_in_error (BEARER_SIGN_IN_ERROR_STATE_MISMATCH, "%s",
                          _("The browser came back with an answer from another server than the "
                            "profile’s issuer: it was not used"));

  words = bearer_sanitize_server_text (description, -1, BEARER_SERVER_TEXT_MAX);
  if (error_code != NULL)
    {
      shown_code = bearer_sanitize_server_text (error_code, -1, 80);
      if (g_str_equal (error_code, "access_denied"))
        {
          if (words != NULL)
            /* Translators: %s is the server’s own explanation, as it sent it. */
            return sign_in_error (BEARER_SIGN_IN_ERROR_DENIED,
                                  _("The sign-in was refused (access_denied): %s"), words);
          return sign_in_error (BEARER_SIGN_IN_ERROR_DENIED, "%s",
                                _("The sign-in was refused (access_denied)"));
        }
      if (words != NULL)
        /* Translators: the first %s is the OAuth error code the server sent
         * (invalid_scope, server_error…), not translated; the second the
         * server’s own explanation, as it sent it. */
        return sign_in_error (BEARER_SIGN_IN_ERROR_SERVER,
                              _("The server did not sign you in (%s): %s"), shown_code, words);
      /* Translators: %s is the OAuth error code the server sent
       * (invalid_scope, server_error…), not translated. */
      return sign_in_error (BEARER_SIGN_IN_ERROR_SERVER, _("The server did not sign you in (%s)"),
                            shown_code);
    }

  if (*code == NULL || **code == '\0')
    return sign_in_error (BEARER_SIGN_IN_ERROR_NO_CODE, "%s",
                          _("The browser came back without an authorization code"));

  return NULL;
}

static void
server_request_cb (SoupServer        *server,
                   SoupServerMessage *message,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  BearerSignIn *self = user_data;
  g_autoptr(GHashTable) params = NULL;
  g_autofree char *html = NULL;
  GError *error = NULL;
  const char *code = NULL;
  const char *method = soup_server_message_get_method (message);
  gboolean stray;

  if (g_strcmp0 (method, SOUP_METHOD_GET) != 0 || g_strcmp0 (path, self->redirect_path) != 0)
    {
      /* A favicon, a probe: changes nothing. */
      soup_server_message_set_status (message, g_strcmp0 (path, self->redirect_path) != 0
                                      ? SOUP_STATUS_NOT_FOUND : SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  if (self->answered || self->state != BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER)
    {
      g_autoptr(GError) done = sign_in_error (BEARER_SIGN_IN_ERROR_INVALID_REDIRECT, "%s",
                                              _("This sign-in has already had its answer"));
      html = page_html (self, done);
      set_page (message, SOUP_STATUS_CONFLICT, html);
      return;
    }

  params = redirect_params (g_uri_get_query (soup_server_message_get_uri (message)));
  error = judge_redirect (self, params, &code, &stray);
  if (stray)
    {
      html = page_html (self, error);
      set_page (message, SOUP_STATUS_BAD_REQUEST, html);
      g_clear_error (&error);
      return;
    }

  /* This browser waits for the outcome. */
  self->answered = TRUE;
  self->callback = g_object_ref (message);
  soup_server_message_pause (message);

  if (error != NULL)
    {
      finish (self, NULL, error);
      return;
    }

  exchange_code (self, code);
}

/**
 * bearer_sign_in_submit_redirect:
 * @address: the address the browser ended on, as the user pasted it
 *
 * For a redirect URI that is not loopback (and as a fallback for one that
 * is, when the browser runs on another computer): takes the code from
 * @address after checking its `state`. A wrong or stale address leaves the
 * sign-in waiting, so the user can paste again; the server's refusal ends
 * it.
 *
 * Returns: whether the code was taken; else why not
 */
gboolean
bearer_sign_in_submit_redirect (BearerSignIn  *self,
                                const char    *address,
                                GError       **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autofree char *stripped = NULL;
  GError *local_error = NULL;
  const char *code = NULL;
  gboolean stray;

  g_return_val_if_fail (BEARER_IS_SIGN_IN (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  if (self->state != BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER || self->answered)
    {
      g_set_error_literal (error, BEARER_SIGN_IN_ERROR, BEARER_SIGN_IN_ERROR_INVALID_REDIRECT,
                           _("This sign-in is not waiting for the browser"));
      return FALSE;
    }

  stripped = g_strstrip (g_strdup (address));
  uri = g_uri_parse (stripped, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    {
      g_set_error_literal (error, BEARER_SIGN_IN_ERROR, BEARER_SIGN_IN_ERROR_INVALID_REDIRECT,
                           _("That is not a web address: paste the whole address the browser "
                             "ended on"));
      return FALSE;
    }

  params = redirect_params (g_uri_get_query (uri));
  local_error = judge_redirect (self, params, &code, &stray);
  if (local_error != NULL)
    {
      gboolean ends = local_error->code == BEARER_SIGN_IN_ERROR_DENIED ||
                      local_error->code == BEARER_SIGN_IN_ERROR_SERVER;

      if (ends)
        {
          self->answered = TRUE;
          g_propagate_error (error, g_error_copy (local_error));
          finish (self, NULL, local_error);
        }
      else
        g_propagate_error (error, local_error);
      return FALSE;
    }

  self->answered = TRUE;
  exchange_code (self, code);
  return TRUE;
}

static gboolean
browser_timed_out_cb (gpointer user_data)
{
  BearerSignIn *self = user_data;
  GError *error;

  g_clear_pointer (&self->timeout_source, g_source_unref);
  if (self->timeout % 60 == 0)
    error = sign_in_error (BEARER_SIGN_IN_ERROR_TIMED_OUT,
                           g_dngettext (GETTEXT_PACKAGE,
                                        /* Translators: %u is a number of minutes. */
                                        "The browser did not come back within %u minute: the "
                                        "sign-in was given up",
                                        "The browser did not come back within %u minutes: the "
                                        "sign-in was given up", self->timeout / 60),
                           self->timeout / 60);
  else
    error = sign_in_error (BEARER_SIGN_IN_ERROR_TIMED_OUT,
                           g_dngettext (GETTEXT_PACKAGE,
                                        /* Translators: %u is a number of seconds. */
                                        "The browser did not come back within %u second: the "
                                        "sign-in was given up",
                                        "The browser did not come back within %u seconds: the "
                                        "sign-in was given up", self->timeout),
                           self->timeout);
  self->answered = TRUE;
  finish (self, NULL, error);
  return G_SOURCE_REMOVE;
}

static gboolean
listen_loopback (BearerSignIn  *self,
                 GUri          *redirect,
                 GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GSList) uris = NULL;
  const char *host = redirect != NULL ? g_uri_get_host (redirect) : "127.0.0.1";
  int port = redirect != NULL ? g_uri_get_port (redirect) : -1;
  const char *path = redirect != NULL ? g_uri_get_path (redirect) : BEARER_SIGN_IN_DEFAULT_REDIRECT_PATH;
  const char *query = redirect != NULL ? g_uri_get_query (redirect) : NULL;
  gboolean ipv6 = g_str_equal (host, "::1");
  g_autoptr(GInetAddress) address = g_inet_address_new_loopback (ipv6 ? G_SOCKET_FAMILY_IPV6
                                                                        : G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) socket_address = g_inet_socket_address_new (address, port > 0 ? port : 0);
  guint bound_port = 0;

  if (*path == '\0')
    path = "/";
  self->server = soup_server_new ("server-header", "Bearer/" PACKAGE_VERSION " ", NULL);
  soup_server_add_handler (self->server, NULL, server_request_cb, self, NULL);

  if (!soup_server_listen (self->server, socket_address, 0, &local_error))
    {
      g_set_error (error, BEARER_SIGN_IN_ERROR, BEARER_SIGN_IN_ERROR_LOOPBACK,
                   /* Translators: the first %s is an address (127.0.0.1 or ::1), %d a
                    * port number, the last %s the system’s explanation. */
                   _("Bearer cannot listen on %s port %d for the browser’s answer: %s"),
                   ipv6 ? "::1" : "127.0.0.1", port > 0 ? port : 0, local_error->message);
      g_clear_object (&self->server);
      return FALSE;
    }

  /* "localhost" with a fixed port: the browser may resolve it to either. */
  if (!ipv6 && port > 0 && g_ascii_strcasecmp (host, "localhost") == 0)
    {
      g_autoptr(GInetAddress) v6 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
      g_autoptr(GSocketAddress) v6_address = g_inet_socket_address_new (v6, port);

      soup_server_listen (self->server, v6_address, 0, NULL);
    }

  uris = soup_server_get_uris (self->server);
  if (uris != NULL)
    bound_port = g_uri_get_port (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  self->redirect_path = g_strdup (path);
  self->redirect_uri = g_uri_join (G_URI_FLAGS_ENCODED, "http", NULL, host, (int) bound_port, path,
                                   query, NULL);
  self->loopback = TRUE;
  return TRUE;
}

static void
start_browser (BearerSignIn *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) redirect = NULL;
  g_autoptr(GString) url = NULL;
  const char *configured = bearer_profile_get_redirect_uri (self->profile);
  const char *authorize = bearer_profile_get_authorization_url (self->profile);
  const char *scope = bearer_profile_get_scope (self->profile);
  BearerPkceMethod pkce = bearer_profile_get_pkce_method (self->profile);
  g_autofree char *challenge = NULL;

  if (authorize == NULL)
    {
      finish (self, NULL, sign_in_error (BEARER_SIGN_IN_ERROR_SETUP,
                                         /* Translators: %s is the profile’s name. */
                                         _("“%s” has no authorization URL: signing in with the "
                                           "browser needs one"),
                                         bearer_profile_get_name (self->profile)));
      return;
    }
  if (!bearer_token_url_check (authorize, bearer_profile_get_allow_insecure_http (self->profile), &error) ||
      !bearer_token_url_check (bearer_profile_get_token_url (self->profile),
                               bearer_profile_get_allow_insecure_http (self->profile), &error) ||
      !bearer_sign_in_check_redirect_uri (configured, &error))
    {
      finish (self, NULL, g_steal_pointer (&error));
      return;
    }

  /* Only a plain http:// address of this computer is listened on. */
  if (configured != NULL)
    {
      redirect = g_uri_parse (configured, G_URI_FLAGS_ENCODED, NULL);
      if (g_ascii_strcasecmp (g_uri_get_scheme (redirect), "http") != 0 ||
          !host_is_loopback_literal (g_uri_get_host (redirect)))
        g_clear_pointer (&redirect, g_uri_unref);
    }

  if (configured == NULL || redirect != NULL)
    {
      if (!listen_loopback (self, redirect, &error))
        {
          finish (self, NULL, g_steal_pointer (&error));
          return;
        }
    }
  else
    {
      /* A registered https:// page: the user brings the address back. */
      self->redirect_uri = g_strdup (configured);
      self->loopback = FALSE;
    }

  if (!(self->state_value = bearer_random_token (&error)) ||
      !(self->verifier = bearer_random_token (&error)))
    {
      finish (self, NULL, g_steal_pointer (&error));
      return;
    }
  if (scope != NULL)
    {
      g_auto(GStrv) scopes = g_strsplit_set (scope, " ", -1);

      if (g_strv_contains ((const char * const *) scopes, "openid") &&
          !(self->nonce = bearer_random_token (&error)))
        {
          finish (self, NULL, g_steal_pointer (&error));
          return;
        }
    }

  /* The authorization request (RFC 6749 §4.1.1), after the URL's own query. */
  url = g_string_new (authorize);
  g_string_append_c (url, strchr (authorize, '?') != NULL ? '&' : '?');
#define PARAM(name, value) \
  G_STMT_START { \
    g_autofree char *e_ = g_uri_escape_string ((value), NULL, FALSE); \
    g_string_append_printf (url, "%s%s=%s", url->str[url->len - 1] == '?' || url->str[url->len - 1] == '&' \
                                            ? "" : "&", (name), e_); \
  } G_STMT_END
  PARAM ("response_type", "code");
  PARAM ("client_id", bearer_profile_get_client_id (self->profile));
  PARAM ("redirect_uri", self->redirect_uri);
  if (scope != NULL)
    PARAM ("scope", scope);
  PARAM ("state", self->state_value);
  if (pkce != BEARER_PKCE_NONE)
    {
      challenge = bearer_pkce_challenge (self->verifier, pkce);
      PARAM ("code_challenge", challenge);
      PARAM ("code_challenge_method", bearer_pkce_method_to_wire (pkce));
    }
  if (self->nonce != NULL)
    PARAM ("nonce", self->nonce);
  if (bearer_profile_get_audience (self->profile) != NULL)
    PARAM ("audience", bearer_profile_get_audience (self->profile));
  if (bearer_profile_get_resource (self->profile) != NULL)
    PARAM ("resource", bearer_profile_get_resource (self->profile));
#undef PARAM
  self->authorization_url = g_string_free (g_steal_pointer (&url), FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTHORIZATION_URL]);

  if (self->timeout > 0)
    {
      self->timeout_source = g_timeout_source_new_seconds (self->timeout);
      g_source_set_name (self->timeout_source, "[bearer] sign-in browser time-out");
      g_source_set_callback (self->timeout_source, browser_timed_out_cb, self, NULL);
      g_source_attach (self->timeout_source, g_main_context_get_thread_default ());
    }

  /* Now the caller opens the browser (or shows the address). */
  set_state (self, BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER);
}

/* ---- the device grant ---------------------------------------------------------- */

static void schedule_poll (BearerSignIn *self);

static BearerTokenRequest *
device_request (BearerSignIn    *self,
                BearerGrantType  grant)
{
  BearerTokenRequest *request = bearer_profile_create_request (self->profile, grant);

  bearer_token_request_set_client (request, bearer_profile_get_client_id (self->profile),
                                   self->client_secret);
  bearer_token_request_set_private_key (request, self->private_key);
  bearer_token_request_set_client_key (request, self->client_key);
  if (bearer_profile_get_dpop (self->profile))
    bearer_token_request_set_dpop_key (request, self->dpop_key);
  return request;
}

static GError *
device_expired_error (void)
{
  return sign_in_error (BEARER_SIGN_IN_ERROR_EXPIRED, "%s",
                        _("The device code expired before the sign-in was approved: sign in again"));
}

static void
polled_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(BearerSignIn) self = user_data;
  g_autoptr(BearerTokenResponse) response = NULL;
  GError *error = NULL;
  GTask *task = self->task;
  const char *code;

  response = bearer_client_request_token_finish (BEARER_CLIENT (source), result, &error);
  if (task == NULL)
    {
      g_clear_error (&error);
      return;
    }

  if (response != NULL)
    {
      /* The user approved: these tokens exist nowhere else. Stored even
       * when the caller gave up meanwhile. */
      set_state (self, BEARER_SIGN_IN_STATE_EXCHANGING);
      bearer_refresh_sign_in_async (self->profile, NULL, response, NULL, stored_cb, g_object_ref (self));
      return;
    }

  set_in_flight (self, FALSE);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      g_clear_error (&error);
      finish (self, NULL, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled")));
      return;
    }

  code = bearer_error_get_oauth_code (error);
  if (g_strcmp0 (code, "authorization_pending") == 0)
    {
      g_clear_error (&error);
      schedule_poll (self);
      return;
    }
  if (g_strcmp0 (code, "slow_down") == 0)
    {
      /* RFC 8628 §3.5: five seconds more, from now on. */
      g_clear_error (&error);
      self->interval += 5;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERVAL]);
      schedule_poll (self);
      return;
    }
  if (g_strcmp0 (code, "access_denied") == 0)
    {
      g_autofree char *words = g_strdup (bearer_error_get_description (error));

      g_clear_error (&error);
      if (words != NULL)
        error = sign_in_error (BEARER_SIGN_IN_ERROR_DENIED,
                               _("The sign-in was refused (access_denied): %s"), words);
      else
        error = sign_in_error (BEARER_SIGN_IN_ERROR_DENIED, "%s",
                               _("The sign-in was refused (access_denied)"));
    }
  else if (g_strcmp0 (code, "expired_token") == 0)
    {
      g_clear_error (&error);
      error = device_expired_error ();
    }

  finish (self, NULL, error);
}

static gboolean
poll_cb (gpointer user_data)
{
  BearerSignIn *self = user_data;
  g_autoptr(BearerTokenRequest) request = NULL;
  BearerClient *client = bearer_client_get_default ();

  g_clear_pointer (&self->poll_source, g_source_unref);
  if (g_get_real_time () / G_USEC_PER_SEC >= self->expires_at)
    {
      finish (self, NULL, device_expired_error ());
      return G_SOURCE_REMOVE;
    }

  request = device_request (self, BEARER_GRANT_DEVICE_CODE);
  bearer_token_request_set_device_code (request, self->device_code);
  track_request (self, request);
  bearer_client_request_token_async (client, request, g_task_get_cancellable (self->task),
                                     polled_cb, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static void
schedule_poll (BearerSignIn *self)
{
  guint64 delay = (guint64) self->interval * self->second_ms;

  clear_source (&self->poll_source);
  self->poll_source = g_timeout_source_new ((guint) MIN (delay, G_MAXUINT));
  g_source_set_name (self->poll_source, "[bearer] device grant poll");
  g_source_set_callback (self->poll_source, poll_cb, self, NULL);
  g_source_attach (self->poll_source, g_main_context_get_thread_default ());
}

static const char *
object_text (JsonObject *object,
             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* A whole number of seconds, as a number or a string of digits. */
static gboolean
object_seconds (JsonObject *object,
                const char *name,
                gint64     *value)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *text;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return FALSE;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *value = json_node_get_int (node);
      return *value >= 0;
    }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      double d = json_node_get_double (node);

      *value = (gint64) d;
      return d >= 0 && d < 1e9;
    }
  text = object_text (object, name);
  return text != NULL && g_ascii_string_to_signed (text, 10, 0, G_MAXINT32, value, NULL);
}

static GError *
unusable_device_reply (const char *member)
{
  return g_error_new (BEARER_ERROR, BEARER_ERROR_WRONG_TYPE,
                      /* Translators: %s is the name of a member of the server’s reply
                       * (device_code, user_code, verification_uri), not translated. */
                      _("The server’s device authorization reply is not usable: %s is missing "
                        "or not text"), member);
}

static void
device_authorized_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(BearerSignIn) self = user_data;
  g_autoptr(BearerHttpReply) reply = NULL;
  g_autoptr(JsonObject) object = NULL;
  GError *error = NULL;
  const char *device_code, *user_code, *uri, *complete;
  gint64 expires_in = 0, interval = BEARER_SIGN_IN_DEFAULT_INTERVAL;

  if (self->task == NULL)
    return;

  reply = bearer_client_send_finish (BEARER_CLIENT (source), result, &error);
  if (reply != NULL && SOUP_STATUS_IS_REDIRECTION (reply->status))
    error = g_error_new (BEARER_ERROR, BEARER_ERROR_REDIRECT,
                         /* Translators: %u is an HTTP status code (301, 302…). */
                         _("The device authorization URL redirects (HTTP %u); redirects are not "
                           "followed: check the URL"), reply->status);
  else if (reply != NULL)
    object = bearer_reply_parse_object (reply->status, reply->content_type, reply->body,
                                        BEARER_GRANT_DEVICE_CODE, &error);
  if (object == NULL)
    {
      finish (self, NULL, error);
      return;
    }

  device_code = object_text (object, "device_code");
  user_code = object_text (object, "user_code");
  /* Google's older name. */
  uri = object_text (object, "verification_uri");
  if (uri == NULL)
    uri = object_text (object, "verification_url");
  complete = object_text (object, "verification_uri_complete");

  if (device_code == NULL || *device_code == '\0')
    error = unusable_device_reply ("device_code");
  else if (user_code == NULL || *user_code == '\0')
    error = unusable_device_reply ("user_code");
  else if (uri == NULL || !bearer_token_url_check (uri, TRUE, NULL))
    error = unusable_device_reply ("verification_uri");
  if (error != NULL)
    {
      finish (self, NULL, error);
      return;
    }
  if (complete != NULL && !bearer_token_url_check (complete, TRUE, NULL))
    complete = NULL;

  if (!object_seconds (object, "expires_in", &expires_in) || expires_in == 0)
    expires_in = 1800;
  if (!object_seconds (object, "interval", &interval) || interval < 1)
    interval = BEARER_SIGN_IN_DEFAULT_INTERVAL;

  self->device_code = g_strdup (device_code);
  self->user_code = bearer_sanitize_server_text (user_code, -1, 64);
  self->verification_uri = g_strdup (uri);
  self->verification_uri_complete = g_strdup (complete);
  self->expires_at = g_get_real_time () / G_USEC_PER_SEC + MIN (expires_in, 24 * 3600);
  self->interval = (guint) MIN (interval, 3600);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER_CODE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INTERVAL]);
  set_state (self, BEARER_SIGN_IN_STATE_WAITING_FOR_USER);
  schedule_poll (self);
}

static void
request_device_code (BearerSignIn *self)
{
  g_autoptr(BearerTokenRequest) request = device_request (self, BEARER_GRANT_DEVICE_CODE);
  g_autoptr(SoupMessage) message = NULL;
  g_auto(GStrv) secrets = NULL;
  GError *error = NULL;

  message = bearer_token_request_build_device_authorization (request,
                                                             bearer_profile_get_device_authorization_url (self->profile),
                                                             &error);
  if (message == NULL)
    {
      finish (self, NULL, error);
      return;
    }
  secrets = bearer_token_request_dup_secrets (request);
  bearer_client_send_async (bearer_client_get_default (), message, BEARER_TOKEN_REQUEST_DEFAULT_TIMEOUT,
                            bearer_profile_get_ca_file (self->profile), (const char * const *) secrets,
                            g_task_get_cancellable (self->task), device_authorized_cb, g_object_ref (self));
}

static void
set_dpop_key_if_none (BearerSecrets *secrets,
                      gpointer       user_data)
{
  /* Another process may have made one meanwhile: that one stays. */
  if (bearer_secrets_get_dpop_key (secrets) == NULL)
    bearer_secrets_set_dpop_key (secrets, user_data);
}

static void
dpop_key_stored_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(BearerSignIn) self = user_data;
  g_autoptr(BearerSecrets) secrets = NULL;
  GError *error = NULL;

  if (self->task == NULL)
    return;
  secrets = bearer_profile_update_secrets_finish (result, &error);
  if (secrets == NULL)
    {
      finish (self, NULL, error);
      return;
    }
  bearer_secret_free (self->dpop_key);
  self->dpop_key = g_strdup (bearer_secrets_get_dpop_key (secrets));
  request_device_code (self);
}

static void
client_secret_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(BearerSignIn) self = user_data;
  g_autoptr(BearerSecrets) secrets = NULL;
  GError *error = NULL;

  if (self->task == NULL)
    return;
  secrets = bearer_secrets_lookup_finish (result, &error);
  if (secrets == NULL)
    {
      finish (self, NULL, error);
      return;
    }
  bearer_secret_free (self->client_secret);
  self->client_secret = g_strdup (bearer_secrets_get_client_secret (secrets));
  bearer_secret_free (self->private_key);
  self->private_key = g_strdup (bearer_secrets_get_private_key (secrets));
  bearer_secret_free (self->client_key);
  self->client_key = g_strdup (bearer_secrets_get_client_key (secrets));
  bearer_secret_free (self->dpop_key);
  self->dpop_key = g_strdup (bearer_secrets_get_dpop_key (secrets));

  /* The tokens the polls bring are bound to the key of the proofs: it is
   * in the keyring before the first poll. */
  if (bearer_profile_get_dpop (self->profile) && self->dpop_key == NULL)
    {
      char *key = bearer_dpop_key_generate (&error);

      if (key == NULL)
        {
          finish (self, NULL, error);
          return;
        }
      bearer_profile_update_secrets_async (self->profile, set_dpop_key_if_none, key,
                                           (GDestroyNotify) bearer_secret_free,
                                           g_task_get_cancellable (self->task),
                                           dpop_key_stored_cb, g_object_ref (self));
      return;
    }

  request_device_code (self);
}

static void
start_device (BearerSignIn *self)
{
  const char *url = bearer_profile_get_device_authorization_url (self->profile);
  GError *error = NULL;

  if (url == NULL)
    {
      finish (self, NULL, sign_in_error (BEARER_SIGN_IN_ERROR_SETUP,
                                         /* Translators: %s is the profile’s name. */
                                         _("“%s” has no device authorization URL: the device "
                                           "grant needs one"),
                                         bearer_profile_get_name (self->profile)));
      return;
    }
  if (!bearer_token_url_check (url, bearer_profile_get_allow_insecure_http (self->profile), &error) ||
      !bearer_token_url_check (bearer_profile_get_token_url (self->profile),
                               bearer_profile_get_allow_insecure_http (self->profile), &error))
    {
      finish (self, NULL, error);
      return;
    }

  /* A confidential client authenticates every request with its secret; a
   * profile with DPoP on signs the polls with its key (made first if need be). */
  if (bearer_profile_get_client_auth (self->profile) == BEARER_CLIENT_AUTH_NONE &&
      !bearer_profile_get_dpop (self->profile))
    request_device_code (self);
  else
    bearer_secrets_lookup_async (bearer_profile_get_id (self->profile), g_task_get_cancellable (self->task),
                                 client_secret_cb, g_object_ref (self));
}

static void
cancelled_cb (GCancellable *cancellable,
              BearerSignIn *self)
{
  /* Nothing on its way: stop now (from an idle: this may run inside
   * g_cancellable_cancel() of anyone). */
  if (self->task != NULL && !self->in_flight &&
      (self->state == BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER ||
       (self->state == BEARER_SIGN_IN_STATE_WAITING_FOR_USER && self->poll_source != NULL)))
    {
      self->answered = TRUE;
      finish (self, NULL, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled")));
    }
}

static gboolean
cancelled_idle_cb (gpointer user_data)
{
  BearerSignIn *self = user_data;

  cancelled_cb (NULL, self);
  return G_SOURCE_REMOVE;
}

static void
cancelled_signal_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  g_idle_add_full (G_PRIORITY_DEFAULT, cancelled_idle_cb, g_object_ref (user_data), g_object_unref);
}

/**
 * bearer_sign_in_run_async:
 * @cancellable: (nullable): gives up the sign-in; a code exchange or a poll
 *   that has reached the server runs to its end and its tokens are stored
 *
 * Runs the sign-in. Watch #BearerSignIn:state: at
 * %BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER open the authorization URL (and
 * show it); at %BEARER_SIGN_IN_STATE_WAITING_FOR_USER show the user code and
 * the verification URI. It can run once.
 */
void
bearer_sign_in_run_async (BearerSignIn        *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;
  GError *error = NULL;

  g_return_if_fail (BEARER_IS_SIGN_IN (self));
  g_return_if_fail (self->state == BEARER_SIGN_IN_STATE_IDLE);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_sign_in_run_async);
  g_task_set_check_cancellable (task, FALSE);
  self->task = task;
  set_state (self, BEARER_SIGN_IN_STATE_STARTING);

  if (cancellable != NULL)
    self->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_signal_cb), self, NULL);

  if (bearer_profile_get_client_id (self->profile) == NULL)
    {
      finish (self, NULL, sign_in_error (BEARER_SIGN_IN_ERROR_SETUP,
                                         /* Translators: %s is the profile’s name. */
                                         _("“%s” has no client ID: signing in needs one"),
                                         bearer_profile_get_name (self->profile)));
      return;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      finish (self, NULL, error);
      return;
    }

  if (self->method == BEARER_SIGN_IN_DEVICE)
    start_device (self);
  else
    start_browser (self);
}

/**
 * bearer_sign_in_run_finish:
 *
 * Returns: (transfer full): the stored tokens, as a refresh's result (with
 *   its store error and kept-aside tokens when the keyring refused them), or
 *   %NULL with a %BEARER_SIGN_IN_ERROR, a %BEARER_ERROR from the server or
 *   the network, a %BEARER_KEYRING_ERROR, or %G_IO_ERROR_CANCELLED
 */
BearerRefreshResult *
bearer_sign_in_run_finish (BearerSignIn  *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bearer_sign_in_run_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
