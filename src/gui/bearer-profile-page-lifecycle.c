/* bearer-profile-page-lifecycle.c: Sign Out and Check Token
 *
 * page.sign-out asks first, then revokes the connection's tokens at its
 * revocation endpoint and forgets what the server revoked
 * (bearer_connection_revoke_async()); without a revocation URL, or when
 * the server does not confirm, the user chooses whether to forget the
 * tokens on this computer only. page.check-token asks the introspection
 * endpoint about the access token and shows the answer in the token view.
 *
 * A sign-out runs to its end when the page goes (what the server revoked
 * is forgotten); its outcome is then not shown.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "bearer-error.h"
#include "bearer-lifecycle.h"
#include "bearer-profile-page-private.h"

typedef struct {
  GWeakRef page;
  BearerConnection *connection;
  gboolean forget;
} SignOut;

static void
sign_out_free (SignOut *s)
{
  g_weak_ref_clear (&s->page);
  g_object_unref (s->connection);
  g_free (s);
}

static const char *
name_of (BearerProfilePage *self)
{
  return bearer_profile_get_name (bearer_connection_get_profile (self->connection));
}

static void start_sign_out (BearerProfilePage *self,
                            gboolean           forget);

static void
forget_response_cb (AdwMessageDialog  *dialog,
                    const char        *response,
                    BearerProfilePage *self)
{
  if (g_strcmp0 (response, "forget") == 0)
    start_sign_out (self, TRUE);
}

/* The server could not revoke (or there is no endpoint): forgetting the
 * tokens here only is the user's choice. */
static void
ask_forget (BearerProfilePage *self,
            const char        *why)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *body = NULL;
  GtkWidget *dialog;

  body = g_strdup_printf ("%s\n\n%s", why,
                          _("Forget the tokens on this computer only? The server may still accept "
                            "them until they expire."));
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, NULL, body);
  /* Translators: %s is a connection’s name. */
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("The server did not sign “%s” out"),
                                     name_of (self));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Keep Tokens"),
                                    "forget", _("_Forget Tokens"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "forget",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (forget_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
signed_out_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  SignOut *s = user_data;
  g_autoptr(BearerProfilePage) self = g_weak_ref_get (&s->page);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  gboolean ok;

  ok = bearer_connection_revoke_finish (BEARER_CONNECTION (source), result, &error);
  if (self == NULL || self->disposed)
    {
      sign_out_free (s);
      return;
    }

  if (ok)
    {
      /* Translators: %s is a connection’s name. */
      message = g_strdup_printf (_("Signed out of “%s”"), name_of (self));
      bearer_error_banner_hide (self->banner);
      bearer_profile_page_set_status (self, message);
      bearer_profile_page_show_toast (self, message);
    }
  else if (s->forget && error->domain != BEARER_KEYRING_ERROR &&
           error->domain != BEARER_PROFILE_STORE_ERROR &&
           bearer_connection_get_access_token (s->connection) == NULL &&
           !bearer_connection_get_has_refresh_token (s->connection))
    {
      /* Translators: %s is a connection’s name. */
      message = g_strdup_printf (_("Forgot the tokens of “%s” on this computer"), name_of (self));
      bearer_profile_page_set_status (self, message);
      bearer_profile_page_show_toast (self, message);
    }
  else if (!s->forget && error->domain == BEARER_ERROR &&
           !g_error_matches (error, BEARER_ERROR, BEARER_ERROR_MISSING_PARAMETER) &&
           !g_error_matches (error, BEARER_ERROR, BEARER_ERROR_INVALID_URL) &&
           !g_error_matches (error, BEARER_ERROR, BEARER_ERROR_INSECURE_URL))
    {
      bearer_profile_page_set_status (self, _("Not signed out"));
      ask_forget (self, error->message);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      bearer_profile_page_set_status (self, _("Not signed out"));
      bearer_error_banner_show (self->banner, BEARER_BANNER_ERROR, _("Could not sign out"), error->message,
                                bearer_error_get_http_status (error), bearer_error_get_uri (error), NULL);
    }

  sign_out_free (s);
}

static void
start_sign_out (BearerProfilePage *self,
                gboolean           forget)
{
  SignOut *s = g_new0 (SignOut, 1);

  g_weak_ref_init (&s->page, self);
  s->connection = g_object_ref (self->connection);
  s->forget = forget;
  bearer_profile_page_set_status (self, _("Signing out…"));
  bearer_connection_revoke_async (self->connection, BEARER_TOKEN_ALL,
                                  forget ? BEARER_REVOKE_FORGET : BEARER_REVOKE_NONE,
                                  NULL, signed_out_cb, s);
}

static void
sign_out_response_cb (AdwMessageDialog  *dialog,
                      const char        *response,
                      BearerProfilePage *self)
{
  if (g_strcmp0 (response, "sign-out") == 0)
    start_sign_out (self, FALSE);
}

static void
sign_out_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  BearerProfilePage *self = BEARER_PROFILE_PAGE (widget);
  BearerProfile *profile = bearer_connection_get_profile (self->connection);
  const char *url = bearer_profile_get_revocation_url (profile);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *dialog;

  if (url == NULL || *url == '\0')
    {
      ask_forget (self, _("This connection has no revocation URL, so the server cannot be asked to "
                          "revoke its tokens. Set one under Advanced Options if the server has one."));
      return;
    }

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, NULL,
                                   _("The server is asked to revoke the refresh token and the access "
                                     "token, and they are removed from this computer. To get a token "
                                     "again, sign in again. The client secret is kept."));
  /* Translators: %s is a connection’s name. */
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Sign out of “%s”?"), name_of (self));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "sign-out", _("_Sign Out"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "sign-out",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (sign_out_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- Check Token ------------------------------------------------------------- */

static void
checked_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  BearerProfilePage *self = user_data;
  g_autoptr(BearerIntrospection) answer = NULL;
  g_autoptr(GError) error = NULL;

  answer = bearer_connection_introspect_finish (BEARER_CONNECTION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* The page is alive: its cancellable would have said otherwise. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.check-token", TRUE);
  if (answer == NULL)
    {
      bearer_profile_page_set_status (self, _("Not checked"));
      bearer_error_banner_show (self->banner, BEARER_BANNER_ERROR, _("Could not check the token"),
                                error->message, bearer_error_get_http_status (error),
                                bearer_error_get_uri (error), NULL);
      return;
    }
  bearer_profile_page_set_status (self, bearer_introspection_get_active (answer)
                                        ? _("The server says the token is active")
                                        : _("The server says the token is not active"));
  bearer_token_view_show_introspection (self->token_view, answer);
}

static void
check_token_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  BearerProfilePage *self = BEARER_PROFILE_PAGE (widget);

  gtk_widget_action_set_enabled (widget, "page.check-token", FALSE);
  bearer_profile_page_set_status (self, _("Checking the token…"));
  bearer_connection_introspect_async (self->connection, BEARER_TOKEN_ACCESS, self->cancellable,
                                      checked_cb, self);
}

/* ---- set-up ------------------------------------------------------------------- */

static void
update_sign_out (BearerProfilePage *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "page.sign-out",
                                 bearer_connection_get_has_refresh_token (self->connection) ||
                                 bearer_connection_get_access_token (self->connection) != NULL);
}

void
bearer_profile_page_class_init_lifecycle (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "page.sign-out", NULL, sign_out_activated);
  gtk_widget_class_install_action (widget_class, "page.check-token", NULL, check_token_activated);
}

void
bearer_profile_page_init_lifecycle (BearerProfilePage *self)
{
  g_signal_connect_object (self->connection, "notify::has-refresh-token", G_CALLBACK (update_sign_out), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->connection, "notify::access-token", G_CALLBACK (update_sign_out), self,
                           G_CONNECT_SWAPPED);
  update_sign_out (self);
}
