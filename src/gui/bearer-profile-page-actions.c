/* bearer-profile-page-actions.c: what the page does, and how it tells
 *
 * Get New Access Token (page.get-token, Ctrl+Return through the window)
 * calls bearer_connection_refresh_async (FORCE): the connection writes what
 * was typed and runs the refresh transaction itself, and its properties
 * change (the token view and the sidebar follow them). While it runs the
 * button is insensitive, a spinner turns and Cancel (page.cancel) detaches
 * it: until its request has reached the server it stops at once; after
 * that the answer is still read and stored, and the status says so.
 *
 * A connection that signs in (the authorization code with PKCE, the device
 * grant) and has no refresh token yet, or whose refresh token the server
 * refused, signs in instead: the same button reads Sign In with Browser or
 * Sign In with a Code, and the same action runs
 * bearer_connection_sign_in_async() with a BearerSignIn. While the sign-in
 * waits for the user, the page shows it (BearerSignInView: the link, or the
 * code and its QR code) instead of the form; Cancel works as for a refresh
 * (a code exchange or a poll that reached the server is still stored).
 *
 * Discover (page.discover) fills the endpoints from the issuer
 * (bearer_discovery_fetch_async(), bearer_discovery_apply()) and says what
 * the server does not support (PKCE S256 first).
 *
 * The scheduler's refreshes show here too: the connection's state turns to
 * "refreshing" without the page having asked, and what changed meanwhile
 * (an answer from the server, a token another Bearer stored, an error)
 * says how it ended.
 *
 * The copy menu renders the request the core would send
 * (bearer_request_preview()), with placeholders or with the secrets typed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "bearer-discovery.h"
#include "bearer-enum-types.h"
#include "bearer-error.h"
#include "bearer-profile-page-private.h"
#include "bearer-redact.h"
#include "bearer-request-preview.h"
#include "bearer-secrets.h"

/* ---- the status line and the focus ---------------------------------------- */

void
bearer_profile_page_set_status (BearerProfilePage *self,
                                const char        *text)
{
  gtk_label_set_text (self->status_label, text != NULL ? text : "");
}

static gboolean
focus_cb (gpointer user_data)
{
  BearerProfilePage *self = user_data;

  self->focus_id = 0;
  if (self->focus_row != NULL && gtk_widget_get_visible (self->focus_row))
    gtk_widget_grab_focus (self->focus_row);
  return G_SOURCE_REMOVE;
}

/* Focuses @row once the banner has taken its place, so that the page
 * scrolls to it. */
void
bearer_profile_page_focus_later (BearerProfilePage *self,
                                 GtkWidget         *row)
{
  self->focus_row = row;
  g_clear_handle_id (&self->focus_id, g_source_remove);
  self->focus_id = g_timeout_add (250, focus_cb, self);
}

/* ---- errors -------------------------------------------------------------- */

const char *
bearer_keyring_error_title (const GError *error)
{
  switch (error->code)
    {
    case BEARER_KEYRING_ERROR_UNAVAILABLE:
      return _("Bearer needs a keyring");
    case BEARER_KEYRING_ERROR_LOCKED:
      return _("The keyring is locked");
    case BEARER_KEYRING_ERROR_CORRUPT:
      return _("The keyring holds something Bearer cannot read");
    case BEARER_KEYRING_ERROR_FAILED:
    default:
      return _("The keyring failed");
    }
}

static const char *
sign_in_error_title (const GError *error)
{
  switch ((BearerSignInError) error->code)
    {
    case BEARER_SIGN_IN_ERROR_DENIED:
      return _("The sign-in was refused");
    case BEARER_SIGN_IN_ERROR_EXPIRED:
      return _("The code expired");
    case BEARER_SIGN_IN_ERROR_TIMED_OUT:
      return _("The browser did not come back in time");
    case BEARER_SIGN_IN_ERROR_STATE_MISMATCH:
      return _("The browser’s answer is not this sign-in’s");
    case BEARER_SIGN_IN_ERROR_NO_CODE:
      return _("The server sent no code");
    case BEARER_SIGN_IN_ERROR_SERVER:
      return _("The server refused the sign-in");
    case BEARER_SIGN_IN_ERROR_INVALID_REDIRECT:
      return _("That is not the address the browser ended on");
    case BEARER_SIGN_IN_ERROR_LOOPBACK:
      return _("Bearer could not wait for the browser");
    case BEARER_SIGN_IN_ERROR_SETUP:
      return _("Something is missing");
    default:
      return _("Could not sign in");
    }
}

static const char *
error_title (const GError *error)
{
  if (error->domain == BEARER_KEYRING_ERROR)
    return bearer_keyring_error_title (error);
  if (error->domain == BEARER_SIGN_IN_ERROR)
    return sign_in_error_title (error);
  if (error->domain != BEARER_ERROR)
    return _("Could not get a token");

  switch ((BearerError) error->code)
    {
    case BEARER_ERROR_INVALID_REQUEST:
    case BEARER_ERROR_INVALID_CLIENT:
    case BEARER_ERROR_INVALID_GRANT:
    case BEARER_ERROR_UNAUTHORIZED_CLIENT:
    case BEARER_ERROR_UNSUPPORTED_GRANT_TYPE:
    case BEARER_ERROR_INVALID_SCOPE:
    case BEARER_ERROR_OAUTH_OTHER:
      return _("The server refused the request");
    case BEARER_ERROR_HTTP_STATUS:
    case BEARER_ERROR_HTML_PAGE:
    case BEARER_ERROR_EMPTY_BODY:
    case BEARER_ERROR_MALFORMED_JSON:
    case BEARER_ERROR_NOT_AN_OBJECT:
    case BEARER_ERROR_NO_ACCESS_TOKEN:
    case BEARER_ERROR_WRONG_TYPE:
    case BEARER_ERROR_BODY_TOO_LARGE:
      return _("The server did not answer with a token");
    case BEARER_ERROR_REDIRECT:
      return _("The token URL redirects elsewhere");
    case BEARER_ERROR_TLS:
      return _("The secure connection failed");
    case BEARER_ERROR_NAME_RESOLUTION:
      return _("The server’s name is unknown");
    case BEARER_ERROR_CONNECTION_REFUSED:
      return _("The server refused the connection");
    case BEARER_ERROR_TIMED_OUT:
      return _("The server took too long to answer");
    case BEARER_ERROR_CONNECTION_FAILED:
      return _("The connection failed");
    case BEARER_ERROR_INVALID_URL:
    case BEARER_ERROR_INSECURE_URL:
      return _("Check the access token URL");
    case BEARER_ERROR_MISSING_PARAMETER:
      return _("Something is missing");
    case BEARER_ERROR_INVALID_PARAMETER:
      return _("Check the extra parameters");
    case BEARER_ERROR_CA_FILE:
      return _("The CA certificate cannot be used");
    case BEARER_ERROR_PRIVATE_KEY:
      return _("The private key cannot be used");
    default:
      return _("Could not get a token");
    }
}

/* The exchange, with placeholders for every secret. The core does not keep
 * the raw reply of a failed request, so the answer is what it parsed. A
 * sign-in's request is not the refresh the preview renders: only the
 * answer, then. */
static char *
describe_exchange (BearerProfilePage *self,
                   const GError      *error,
                   gboolean           sign_in)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *command = NULL;
  const struct { const char *name; const char *value; } fields[] = {
    { "error", bearer_error_get_oauth_code (error) },
    { "error_description", bearer_error_get_description (error) },
    { "hint", bearer_error_get_hint (error) },
    { "message", bearer_error_get_server_message (error) },
    { "error_uri", bearer_error_get_uri (error) },
    { "Location", bearer_error_get_redirect_location (error) },
  };
  guint status = bearer_error_get_http_status (error);

  if (error->domain != BEARER_ERROR)
    return NULL;

  /* No command when the core would not send the request at all. */
  if (!sign_in)
    command = bearer_request_preview (bearer_connection_get_profile (self->connection), NULL,
                                      BEARER_SNIPPET_CURL, NULL);
  if (command != NULL)
    g_string_append_printf (text, "%s\n%s\n", _("The request, secrets replaced:"), command);
  g_string_append_printf (text, "%s\n", _("The answer:"));
  if (status != 0)
    g_string_append_printf (text, "HTTP %u\n", status);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    if (fields[i].value != NULL)
      g_string_append_printf (text, "%s: %s\n", fields[i].name, fields[i].value);
  if (status == 0 && bearer_error_get_oauth_code (error) == NULL)
    g_string_append_printf (text, "%s\n", _("(no answer from the server)"));

  return bearer_redact (text->str, NULL);
}

static gboolean
signs_in (BearerProfilePage *self)
{
  return bearer_grant_type_is_sign_in (bearer_profile_get_grant_type (bearer_connection_get_profile (self->connection)));
}

static void
show_problem (BearerProfilePage *self,
              const GError      *error,
              gboolean           sign_in)
{
  g_autofree char *details = describe_exchange (self, error, sign_in);
  const char *title = error_title (error);

  if (bearer_error_is_dead_refresh_token (error) && signs_in (self))
    {
      /* The button now signs in again; the focus goes there. */
      title = _("Sign in again");
      bearer_profile_page_focus_later (self, self->get_button);
    }
  else if (bearer_error_is_dead_refresh_token (error))
    {
      title = g_error_matches (error, BEARER_ERROR, BEARER_ERROR_MISSING_PARAMETER)
              ? _("Paste a refresh token first")
              : _("Sign in again: paste a new refresh token");
      /* The row is marked by the connection's state; the focus goes there. */
      bearer_profile_page_focus_later (self, GTK_WIDGET (self->refresh_token_row));
    }
  else if (g_error_matches (error, BEARER_ERROR, BEARER_ERROR_INVALID_URL) ||
           g_error_matches (error, BEARER_ERROR, BEARER_ERROR_INSECURE_URL))
    bearer_profile_page_focus_later (self, GTK_WIDGET (self->url_row));

  else if (g_error_matches (error, BEARER_SIGN_IN_ERROR, BEARER_SIGN_IN_ERROR_SETUP))
    {
      /* The profile lacks an address or the client ID: the first such row. */
      AdwEntryRow *rows[] = {
        self->authorization_url_row, self->device_url_row, self->client_id_row, self->redirect_row,
      };

      for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
        if (gtk_widget_get_visible (GTK_WIDGET (rows[i])) &&
            (*gtk_editable_get_text (GTK_EDITABLE (rows[i])) == '\0' ||
             gtk_widget_has_css_class (GTK_WIDGET (rows[i]), "error")))
          {
            bearer_profile_page_focus_later (self, GTK_WIDGET (rows[i]));
            break;
          }
    }

  self->banner_shows_save_error = FALSE;
  bearer_error_banner_show (self->banner, BEARER_BANNER_ERROR, title, error->message,
                            bearer_error_get_http_status (error), bearer_error_get_uri (error),
                            details);
}

void
bearer_profile_page_show_error (BearerProfilePage *self,
                                const GError      *error)
{
  show_problem (self, error, FALSE);
}

static void
show_store_failure (BearerProfilePage   *self,
                    BearerRefreshResult *result)
{
  const GError *store_error = bearer_refresh_result_get_store_error (result);
  g_autofree char *message = NULL;

  if (bearer_refresh_result_get_kept_aside (result))
    /* Translators: %s is the keyring’s explanation, without a final period. */
    message = g_strdup_printf (_("%s. Until it does, they are kept in a private temporary "
                                 "folder (in memory, emptied when you log out), and the next "
                                 "refresh of this connection moves them in once the keyring is "
                                 "unlocked."), store_error->message);
  else
    /* Translators: %s is the keyring’s explanation, without a final period. */
    message = g_strdup_printf (_("%s. The tokens are shown below and nowhere else: copy the "
                                 "refresh token before you close Bearer."), store_error->message);
  self->banner_shows_save_error = FALSE;
  bearer_error_banner_show (self->banner, BEARER_BANNER_WARNING,
                            _("The new tokens could not be saved in your keyring"),
                            message, 0, NULL, NULL);
}

/* ---- running ------------------------------------------------------------- */

/* Get New Access Token or a sign-in, until it ends or Cancel detaches it. */
struct _BearerPageRefresh {
  BearerProfilePage *self;
  GCancellable *cancellable;
  BearerSignIn *sign_in;        /* (nullable): a sign-in, not a refresh */
  gboolean detached;
};

/**
 * bearer_profile_page_needs_sign_in:
 *
 * Returns: whether Get New Access Token signs in: a connection that signs
 *   in (browser, device code) with no refresh token yet, or one the server
 *   refused
 */
gboolean
bearer_profile_page_needs_sign_in (BearerProfilePage *self)
{
  if (!signs_in (self))
    return FALSE;
  return !bearer_connection_get_has_refresh_token (self->connection) ||
         bearer_connection_get_state (self->connection) == BEARER_TOKEN_STATE_SIGN_IN;
}

/* The main button says what it will do. */
static void
update_get_button (BearerProfilePage *self)
{
  BearerGrantType grant = bearer_profile_get_grant_type (bearer_connection_get_profile (self->connection));
  const char *label = _("Get New Access Token");
  const char *tooltip = _("Ask the server for a new access token (Ctrl+Return)");

  if (bearer_profile_page_needs_sign_in (self) && grant == BEARER_GRANT_DEVICE_CODE)
    {
      label = _("Sign In with a Code");
      tooltip = _("Get a code to sign in with on any device (Ctrl+Return)");
    }
  else if (bearer_profile_page_needs_sign_in (self))
    {
      label = _("Sign In with Browser");
      tooltip = _("Sign in through your web browser to get the first tokens (Ctrl+Return)");
    }
  if (g_strcmp0 (gtk_button_get_label (GTK_BUTTON (self->get_button)), label) != 0)
    gtk_button_set_label (GTK_BUTTON (self->get_button), label);
  gtk_widget_set_tooltip_text (self->get_button, tooltip);
}

static void
update_running (BearerProfilePage *self)
{
  gboolean own = self->refresh != NULL;
  gboolean busy = own || self->automatic;
  BearerProfile *profile = bearer_connection_get_profile (self->connection);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.get-token", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.cancel", own);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.discover",
                                 !own && self->discovery == NULL && bearer_profile_get_issuer (profile) != NULL);
  gtk_widget_set_visible (self->cancel_button, own);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->discover_spinner), self->discovery != NULL);
  gtk_spinner_set_spinning (self->discover_spinner, self->discovery != NULL);
}

static void
page_refresh_free (BearerPageRefresh *r)
{
  if (r->self->refresh == r)
    r->self->refresh = NULL;
  if (r->sign_in != NULL)
    g_signal_handlers_disconnect_by_data (r->sign_in, r->self);
  g_object_unref (r->self);
  g_object_unref (r->cancellable);
  g_clear_object (&r->sign_in);
  g_free (r);
}

/* The form again, once a sign-in no longer waits for the user. */
static void
show_form (BearerProfilePage *self)
{
  gtk_stack_set_visible_child_name (self->content_stack, "form");
  bearer_sign_in_view_set_sign_in (self->sign_in_view, NULL);
}

static void
refresh_finished (BearerProfilePage   *self,
                  BearerRefreshResult *result,
                  const GError        *error)
{
  if (result == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          bearer_profile_page_set_status (self, _("Cancelled"));
          return;
        }
      bearer_profile_page_set_status (self, NULL);
      bearer_profile_page_show_error (self, error);
      return;
    }

  if (bearer_refresh_result_get_store_error (result) != NULL)
    show_store_failure (self, result);
  else
    bearer_error_banner_hide (self->banner);

  if (bearer_refresh_result_get_from_other_process (result))
    bearer_profile_page_set_status (self, _("Another Bearer had just refreshed this token"));
  else if (!bearer_refresh_result_get_from_server (result))
    bearer_profile_page_set_status (self, _("The stored token is still valid"));
  else
    bearer_profile_page_set_status (self, NULL);

  bearer_token_view_focus_copy (self->token_view);
}

/* The answer to a refresh that Cancel detached from the page. */
static void
detached_refresh_finished (BearerProfilePage   *self,
                           BearerRefreshResult *result,
                           const GError        *error)
{
  if (result == NULL)
    {
      /* The spent refresh token was refused: that is news. A cancelled
       * request, or another failure nobody waits for any more, is not. */
      if (bearer_error_is_dead_refresh_token (error))
        bearer_profile_page_show_error (self, error);
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("A cancelled refresh failed: %s", error->message);
      return;
    }

  if (bearer_refresh_result_get_store_error (result) != NULL)
    show_store_failure (self, result);
  if (self->refresh == NULL && !self->automatic)
    bearer_profile_page_set_status (self, _("Cancelled — the server’s answer was still saved"));
}

static void
signed_in_finished (BearerProfilePage   *self,
                    BearerRefreshResult *result,
                    const GError        *error)
{
  if (result == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          bearer_profile_page_set_status (self, _("Cancelled"));
          return;
        }
      bearer_profile_page_set_status (self, NULL);
      show_problem (self, error, TRUE);
      return;
    }

  if (bearer_refresh_result_get_store_error (result) != NULL)
    show_store_failure (self, result);
  else
    bearer_error_banner_hide (self->banner);
  bearer_profile_page_set_status (self, _("Signed in"));
  bearer_token_view_focus_copy (self->token_view);
}

/* A refresh or a sign-in has ended: told to the page, unless it has gone,
 * or as a detached one when Cancel came after the request was sent. */
static void
page_refresh_ended (BearerPageRefresh   *r,
                    BearerRefreshResult *result,
                    const GError        *error,
                    gboolean             sign_in)
{
  BearerProfilePage *self = r->self;

  if (r->detached)
    self->detached--;
  if (self->disposed)
    ;
  else if (r->detached)
    detached_refresh_finished (self, result, error);
  else
    {
      self->refresh = NULL;
      if (sign_in)
        show_form (self);
      update_running (self);
      if (sign_in)
        signed_in_finished (self, result, error);
      else
        refresh_finished (self, result, error);
    }
  page_refresh_free (r);
}

static void
refreshed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(BearerRefreshResult) refresh = NULL;
  g_autoptr(GError) error = NULL;

  refresh = bearer_connection_refresh_finish (BEARER_CONNECTION (source), result, &error);
  page_refresh_ended (user_data, refresh, error, FALSE);
}

static void
signed_in_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(BearerRefreshResult) signed_in = NULL;
  g_autoptr(GError) error = NULL;

  signed_in = bearer_connection_sign_in_finish (BEARER_CONNECTION (source), result, &error);
  page_refresh_ended (user_data, signed_in, error, TRUE);
}

/* What the sign-in waits for shows instead of the form. */
static void
sign_in_state_changed_cb (BearerProfilePage *self,
                          GParamSpec        *pspec,
                          BearerSignIn      *sign_in)
{
  if (self->refresh == NULL || self->refresh->sign_in != sign_in || self->disposed)
    return;

  switch (bearer_sign_in_get_state (sign_in))
    {
    case BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER:
      bearer_profile_page_set_status (self, _("Waiting for the browser…"));
      gtk_stack_set_visible_child_name (self->content_stack, "sign-in");
      break;
    case BEARER_SIGN_IN_STATE_WAITING_FOR_USER:
      bearer_profile_page_set_status (self, _("Waiting for the code to be entered…"));
      gtk_stack_set_visible_child_name (self->content_stack, "sign-in");
      break;
    case BEARER_SIGN_IN_STATE_EXCHANGING:
      bearer_profile_page_set_status (self, _("Getting the tokens…"));
      show_form (self);
      break;
    case BEARER_SIGN_IN_STATE_IDLE:
    case BEARER_SIGN_IN_STATE_STARTING:
    case BEARER_SIGN_IN_STATE_DONE:
    case BEARER_SIGN_IN_STATE_FAILED:
    default:
      break;
    }
}

/* Signs in through the browser or with a device code: the connection
 * writes what was typed, then runs the sign-in and stores its tokens. */
static void
start_sign_in (BearerProfilePage *self)
{
  BearerProfile *profile = bearer_connection_get_profile (self->connection);
  gboolean device = bearer_profile_get_grant_type (profile) == BEARER_GRANT_DEVICE_CODE;
  BearerPageRefresh *r;

  r = g_new0 (BearerPageRefresh, 1);
  r->self = g_object_ref (self);
  r->cancellable = g_cancellable_new ();
  r->sign_in = bearer_sign_in_new (profile, device ? BEARER_SIGN_IN_DEVICE : BEARER_SIGN_IN_BROWSER);
  self->refresh = r;
  /* The view first: it opens the browser when the sign-in waits for it. */
  bearer_sign_in_view_set_sign_in (self->sign_in_view, r->sign_in);
  g_signal_connect_swapped (r->sign_in, "notify::state", G_CALLBACK (sign_in_state_changed_cb), self);
  update_running (self);
  bearer_profile_page_set_status (self, device ? _("Asking the server for a code…")
                                               : _("Preparing the sign-in…"));
  if (!self->banner_shows_save_error)
    bearer_error_banner_hide (self->banner);

  bearer_connection_sign_in_async (self->connection, r->sign_in, r->cancellable, signed_in_cb, r);
}

/**
 * bearer_profile_page_get_token:
 *
 * Get New Access Token: the connection writes what was typed and asks the
 * server (forced); or, for a connection that must sign in first, Sign In
 * with Browser or with a Code. Does nothing while a refresh or a sign-in
 * runs.
 */
void
bearer_profile_page_get_token (BearerProfilePage *self)
{
  BearerPageRefresh *r;

  g_return_if_fail (BEARER_IS_PROFILE_PAGE (self));

  /* One request at a time: a second click never sends a second request. */
  if (self->refresh != NULL || self->automatic || self->disposed)
    return;
  if (bearer_profile_page_needs_sign_in (self))
    {
      start_sign_in (self);
      return;
    }

  r = g_new0 (BearerPageRefresh, 1);
  r->self = g_object_ref (self);
  r->cancellable = g_cancellable_new ();
  self->refresh = r;
  update_running (self);
  bearer_profile_page_set_status (self, _("Asking the server…"));
  if (!self->banner_shows_save_error)
    bearer_error_banner_hide (self->banner);

  bearer_connection_refresh_async (self->connection, BEARER_REFRESH_FORCE, r->cancellable,
                                   refreshed_cb, r);
}

/**
 * bearer_profile_page_cancel:
 *
 * Cancel: the page is free at once; the refresh goes on alone if its
 * request has reached the server, and its answer is stored.
 */
void
bearer_profile_page_cancel (BearerProfilePage *self)
{
  BearerPageRefresh *r;

  g_return_if_fail (BEARER_IS_PROFILE_PAGE (self));

  if ((r = self->refresh) == NULL)
    return;
  r->detached = TRUE;
  self->detached++;
  self->refresh = NULL;
  g_cancellable_cancel (r->cancellable);
  if (!self->disposed)
    {
      if (r->sign_in != NULL)
        show_form (self);
      update_running (self);
      bearer_profile_page_set_status (self, _("Cancelled"));
    }
}

/* A sign-in waits for the user of this window: when the page leaves the
 * window (closed, its connection deleted), it is given up, so that no
 * loopback server or polling outlives the window (and the application,
 * which a sign-in holds, can quit). A code exchange or a poll that reached
 * the server still ends, and its tokens are stored. */
void
bearer_profile_page_cancel_sign_in (BearerProfilePage *self)
{
  if (self->refresh != NULL && self->refresh->sign_in != NULL)
    bearer_profile_page_cancel (self);
}

/**
 * bearer_profile_page_get_running:
 *
 * Returns: whether a refresh the page shows is under way (Get New Access
 *   Token, or the scheduler's)
 */
gboolean
bearer_profile_page_get_running (BearerProfilePage *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE_PAGE (self), FALSE);
  return self->refresh != NULL || self->automatic;
}

void
bearer_profile_page_copy_header (BearerProfilePage *self)
{
  g_return_if_fail (BEARER_IS_PROFILE_PAGE (self));
  gtk_widget_activate_action (GTK_WIDGET (self->token_view), "token.copy-header", NULL);
}

/* ---- the scheduler's refreshes ------------------------------------------- */

static void
automatic_answered_cb (BearerProfilePage *self)
{
  if (self->automatic)
    self->automatic_answered = TRUE;
}

static void
automatic_took_token_cb (BearerProfilePage *self)
{
  if (self->automatic)
    self->automatic_took_token = TRUE;
}

static void
automatic_failed_cb (BearerProfilePage *self)
{
  if (self->automatic && bearer_connection_get_error (self->connection) != NULL)
    self->automatic_failed = TRUE;
}

static void
automatic_ended (BearerProfilePage *self)
{
  const GError *error = bearer_connection_get_error (self->connection);

  self->automatic = FALSE;
  update_running (self);

  if (self->automatic_failed && error != NULL)
    {
      bearer_profile_page_set_status (self, NULL);
      bearer_profile_page_show_error (self, error);
      return;
    }
  if (!self->banner_shows_save_error)
    bearer_error_banner_hide (self->banner);
  if (self->automatic_answered)
    bearer_profile_page_set_status (self, _("Refreshed automatically"));
  else if (self->automatic_took_token)
    bearer_profile_page_set_status (self, _("Another Bearer had just refreshed this token"));
  else
    bearer_profile_page_set_status (self, _("The stored token is still valid"));
}

/* A refresh the page did not start (the scheduler's) shows as it runs. */
static void
state_changed_cb (BearerProfilePage *self)
{
  gboolean refreshing = bearer_connection_get_state (self->connection) == BEARER_TOKEN_STATE_REFRESHING;

  if (refreshing && !self->automatic && self->refresh == NULL && self->detached == 0)
    {
      self->automatic = TRUE;
      self->automatic_answered = FALSE;
      self->automatic_took_token = FALSE;
      self->automatic_failed = FALSE;
      update_running (self);
      bearer_profile_page_set_status (self, _("Refreshing automatically…"));
    }
  else if (!refreshing && self->automatic)
    automatic_ended (self);
}

/* ---- Discover ------------------------------------------------------------ */

static void
discovered_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(BearerProfilePage) self = user_data;
  g_autoptr(BearerDiscovery) discovery = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) warnings = NULL;
  BearerProfile *profile;

  discovery = bearer_discovery_fetch_finish (result, &error);
  if (self->disposed || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->discovery);
  update_running (self);
  self->banner_shows_save_error = FALSE;

  if (discovery == NULL)
    {
      bearer_error_banner_show (self->banner, BEARER_BANNER_ERROR, _("The issuer could not be asked"),
                                error->message, bearer_error_get_http_status (error),
                                bearer_error_get_uri (error), NULL);
      bearer_profile_page_focus_later (self, GTK_WIDGET (self->issuer_row));
      return;
    }

  profile = bearer_connection_get_profile (self->connection);
  bearer_discovery_apply (discovery, profile);
  warnings = bearer_discovery_dup_warnings (discovery, profile);
  if (warnings != NULL && warnings[0] != NULL)
    {
      g_autofree char *text = g_strjoinv ("\n", warnings);

      bearer_error_banner_show (self->banner, BEARER_BANNER_WARNING,
                                _("The server’s addresses are filled in, but it may not support this sign-in"),
                                text, 0, NULL, NULL);
    }
  else
    bearer_error_banner_hide (self->banner);
  bearer_profile_page_show_toast (self, _("Filled in the server’s addresses"));
}

/* page.discover: the endpoints from the issuer's discovery document. */
static void
discover_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  BearerProfilePage *self = BEARER_PROFILE_PAGE (widget);
  BearerProfile *profile = bearer_connection_get_profile (self->connection);

  if (self->discovery != NULL || self->refresh != NULL || bearer_profile_get_issuer (profile) == NULL)
    return;
  self->discovery = g_cancellable_new ();
  update_running (self);
  bearer_discovery_fetch_async (bearer_profile_get_issuer (profile), bearer_profile_get_ca_file (profile),
                                bearer_profile_get_allow_insecure_http (profile), self->discovery,
                                discovered_cb, g_object_ref (self));
}

/* ---- copying the request as cURL, Python or Node.js ---------------------- */

/* The core renders the request it would send (bearer-request-preview.h):
 * with the secrets typed in the form, or with placeholders. */
static void
copy_snippet (BearerProfilePage     *self,
              BearerSnippetLanguage  language,
              gboolean               with_secrets)
{
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(GError) error = NULL;
  char *text;
  const char *done;

  if (with_secrets)
    {
      secrets = bearer_secrets_new ();
      bearer_secrets_set_client_secret (secrets, bearer_connection_get_secret (self->connection,
                                                                               BEARER_SECRET_CLIENT_SECRET));
      bearer_secrets_set_refresh_token (secrets, bearer_connection_get_secret (self->connection,
                                                                               BEARER_SECRET_REFRESH_TOKEN));
      bearer_secrets_set_password (secrets, bearer_connection_get_secret (self->connection,
                                                                          BEARER_SECRET_PASSWORD));
    }

  if (!(text = bearer_request_preview (bearer_connection_get_profile (self->connection), secrets,
                                       language, &error)))
    {
      /* Translators: a toast; %s is why the request cannot be made, e.g. “The
       * request needs a client ID”. */
      g_autofree char *message = g_strdup_printf (_("Nothing copied: %s"), error->message);

      bearer_profile_page_show_toast (self, message);
      return;
    }

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
  bearer_secret_free (text);

  switch (language)
    {
    case BEARER_SNIPPET_PYTHON:
      done = with_secrets ? _("Copied Python script, with secrets") : _("Copied Python script");
      break;
    case BEARER_SNIPPET_NODE:
      done = with_secrets ? _("Copied Node.js script, with secrets") : _("Copied Node.js script");
      break;
    case BEARER_SNIPPET_CURL:
    default:
      done = with_secrets ? _("Copied cURL command, with secrets") : _("Copied cURL command");
      break;
    }
  bearer_profile_page_show_toast (self, done);
}

static BearerSnippetLanguage
snippet_language (GVariant *parameter)
{
  int language = BEARER_SNIPPET_CURL;

  bearer_enum_from_nick (BEARER_TYPE_SNIPPET_LANGUAGE, g_variant_get_string (parameter, NULL),
                         &language);
  return language;
}

/* ---- the actions --------------------------------------------------------- */

/* page.get-token */
static void
get_token_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  bearer_profile_page_get_token (BEARER_PROFILE_PAGE (widget));
}

/* page.cancel */
static void
cancel_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  bearer_profile_page_cancel (BEARER_PROFILE_PAGE (widget));
}

/* page.copy-snippet('curl'|'python'|'node') */
static void
copy_snippet_activated (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  copy_snippet (BEARER_PROFILE_PAGE (widget), snippet_language (parameter), FALSE);
}

/* page.copy-snippet-secrets('curl'|'python'|'node') */
static void
copy_snippet_secrets_activated (GtkWidget  *widget,
                                const char *action_name,
                                GVariant   *parameter)
{
  copy_snippet (BEARER_PROFILE_PAGE (widget), snippet_language (parameter), TRUE);
}

void
bearer_profile_page_class_init_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "page.get-token", NULL, get_token_activated);
  gtk_widget_class_install_action (widget_class, "page.cancel", NULL, cancel_activated);
  gtk_widget_class_install_action (widget_class, "page.discover", NULL, discover_activated);
  gtk_widget_class_install_action (widget_class, "page.copy-snippet", "s", copy_snippet_activated);
  gtk_widget_class_install_action (widget_class, "page.copy-snippet-secrets", "s",
                                   copy_snippet_secrets_activated);
}

void
bearer_profile_page_init_actions (BearerProfilePage *self)
{
  BearerProfile *profile = bearer_connection_get_profile (self->connection);

  g_signal_connect_object (self->connection, "notify::state", G_CALLBACK (state_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->connection, "notify::response", G_CALLBACK (automatic_answered_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->connection, "notify::access-token", G_CALLBACK (automatic_took_token_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->connection, "notify::expires-at", G_CALLBACK (automatic_took_token_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->connection, "notify::error", G_CALLBACK (automatic_failed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->connection, "notify::state", G_CALLBACK (update_get_button), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->connection, "notify::has-refresh-token", G_CALLBACK (update_get_button),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (profile, "notify::grant-type", G_CALLBACK (update_get_button), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (profile, "notify::issuer", G_CALLBACK (update_running), self,
                           G_CONNECT_SWAPPED);
  state_changed_cb (self);
  update_running (self);
  update_get_button (self);
}

void
bearer_profile_page_dispose_actions (BearerProfilePage *self)
{
  bearer_profile_page_cancel (self);
  g_cancellable_cancel (self->discovery);
  g_clear_object (&self->discovery);
  g_clear_handle_id (&self->focus_id, g_source_remove);
}
