/* bearer-window-actions.c: what is done to a connection from the window
 *
 * Add a Connection (the dialog adds to the connection list), and the row
 * menu's profiles.duplicate, profiles.rename and profiles.delete (each
 * with the connection's id); token.get (Ctrl+Return) and
 * token.copy-header (Ctrl+Shift+C) act on the visible page. One function
 * per action.
 *
 * Every change goes through the connection list or the connection's
 * profile; the sidebar and the pages follow their notifications, so
 * nothing here updates a widget by hand.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "bearer-new-connection-dialog.h"
#include "bearer-lifecycle.h"
#include "bearer-window-private.h"

static BearerConnection *
connection_of (BearerWindow *self,
               GVariant     *id)
{
  return bearer_connection_list_find (self->connections, g_variant_get_string (id, NULL));
}

/* ---- adding a connection ------------------------------------------------- */

static void
profile_added_cb (BearerWindow *self,
                  const char   *id)
{
  BearerProfilePage *page;

  bearer_window_show_connection_id (self, id);
  if ((page = bearer_window_get_visible_page (self)) != NULL)
    bearer_profile_page_focus_first_empty (page);
}

void
bearer_window_new_connection (BearerWindow *self)
{
  BearerNewConnectionDialog *dialog;

  g_return_if_fail (BEARER_IS_WINDOW (self));

  dialog = bearer_new_connection_dialog_new (GTK_WINDOW (self), self->connections);
  g_signal_connect_object (dialog, "profile-added", G_CALLBACK (profile_added_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- duplicate ----------------------------------------------------------- */

typedef struct {
  BearerWindow *self;
  BearerConnection *source;
} Duplicate;

static void
duplicate_free (Duplicate *d)
{
  g_object_unref (d->self);
  g_object_unref (d->source);
  g_free (d);
}

static void
duplicate_added_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Duplicate *d = user_data;
  g_autoptr(BearerConnection) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  copy = bearer_connection_list_add_finish (BEARER_CONNECTION_LIST (source), result, &error);
  if (copy == NULL)
    {
      bearer_window_toast (d->self, error->message);
      duplicate_free (d);
      return;
    }

  /* The client secret, the password, the private key and the client key, never the refresh token: two
   * connections spending one rotating refresh token would revoke each
   * other. They are saved like typed ones; the page says if that fails. */
  bearer_connection_set_secret (copy, BEARER_SECRET_CLIENT_SECRET,
                                bearer_connection_get_secret (d->source, BEARER_SECRET_CLIENT_SECRET));
  bearer_connection_set_secret (copy, BEARER_SECRET_PASSWORD,
                                bearer_connection_get_secret (d->source, BEARER_SECRET_PASSWORD));
  bearer_connection_set_secret (copy, BEARER_SECRET_PRIVATE_KEY,
                                bearer_connection_get_secret (d->source, BEARER_SECRET_PRIVATE_KEY));
  bearer_connection_set_secret (copy, BEARER_SECRET_CLIENT_KEY,
                                bearer_connection_get_secret (d->source, BEARER_SECRET_CLIENT_KEY));

  bearer_window_show_connection (d->self, copy);
  adw_leaflet_set_visible_child (d->self->leaflet, d->self->content);
  /* Translators: %s is the new connection's name */
  message = g_strdup_printf (_("Duplicated as “%s”; paste its refresh token"),
                             bearer_profile_get_name (bearer_connection_get_profile (copy)));
  bearer_window_toast (d->self, message);
  duplicate_free (d);
}

static char *
unique_name (BearerWindow *self,
             const char   *base)
{
  /* Translators: the name of a copy of the connection called %s */
  char *name = g_strdup_printf (_("%s (copy)"), base);

  for (guint n = 2; bearer_connection_list_find (self->connections, name) != NULL; n++)
    {
      g_free (name);
      /* Translators: the name of the n-th copy of the connection called %s */
      name = g_strdup_printf (_("%s (copy %u)"), base, n);
    }
  return name;
}

/* profiles.duplicate(id): the settings as they are now, saved or not. */
static void
duplicate_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  BearerWindow *self = BEARER_WINDOW (widget);
  BearerConnection *connection = connection_of (self, parameter);
  g_autoptr(BearerProfile) copy = NULL;
  g_autofree char *name = NULL;
  Duplicate *d;

  if (connection == NULL)
    return;

  name = unique_name (self, bearer_profile_get_name (bearer_connection_get_profile (connection)));
  copy = bearer_profile_duplicate (bearer_connection_get_profile (connection), name);
  d = g_new0 (Duplicate, 1);
  d->self = g_object_ref (self);
  d->source = g_object_ref (connection);
  bearer_connection_list_add_async (self->connections, copy, NULL, duplicate_added_cb, d);
}

/* ---- rename -------------------------------------------------------------- */

static void
rename_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    BearerConnection *connection)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  if (g_strcmp0 (response, "rename") != 0 || *name == '\0')
    return;

  /* The profile is the one truth: the form, the row and the title follow,
   * and the connection saves it. */
  bearer_profile_set_name (bearer_connection_get_profile (connection), name);
}

static void
rename_entry_changed_cb (GtkEditable      *entry,
                         AdwMessageDialog *dialog)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  adw_message_dialog_set_response_enabled (dialog, "rename", *name != '\0');
}

/* profiles.rename(id) */
static void
rename_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  BearerWindow *self = BEARER_WINDOW (widget);
  BearerConnection *connection = connection_of (self, parameter);
  GtkWidget *dialog, *entry;

  if (connection == NULL)
    return;

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Rename Connection"), NULL);
  entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (entry),
                         bearer_profile_get_name (bearer_connection_get_profile (connection)));
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("New name"),
                                  -1);
  g_signal_connect (entry, "changed", G_CALLBACK (rename_entry_changed_cb), dialog);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "rename", _("_Rename"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "rename",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "rename");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (rename_response_cb), connection, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

/* ---- delete -------------------------------------------------------------- */

typedef struct {
  BearerWindow *self;
  char *name;
} Delete;

static void
delete_free (Delete *d)
{
  g_object_unref (d->self);
  g_free (d->name);
  g_free (d);
}

static void
removed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Delete *d = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  /* The row and the page go with the connection (items-changed). */
  if (!bearer_connection_list_remove_finish (BEARER_CONNECTION_LIST (source), result, &error))
    message = g_strdup_printf (_("Could not delete “%s”: %s"), d->name, error->message);
  else
    message = g_strdup_printf (_("Deleted “%s”"), d->name);
  bearer_window_toast (d->self, message);
  delete_free (d);
}

static void
delete_connection (BearerWindow     *self,
                   BearerConnection *connection)
{
  BearerProfilePage *page;
  Delete *d;

  if (bearer_connection_list_get_index (self->connections, connection) == G_MAXUINT)
    return;

  /* A request the page is waiting for goes on alone; the removal waits
   * for it under the profile's lock, and deletes what it stored. */
  if ((page = bearer_window_find_page (self, connection)) != NULL)
    bearer_profile_page_cancel (page);

  d = g_new0 (Delete, 1);
  d->self = g_object_ref (self);
  d->name = g_strdup (bearer_profile_get_name (bearer_connection_get_profile (connection)));
  /* The connection drops its unsaved edits first: no late save brings it back. */
  bearer_connection_list_remove_async (self->connections, connection, NULL, removed_cb, d);
}

static void
signed_out_before_delete_cb (GObject      *source,
                             GAsyncResult *result,
                             gpointer      user_data)
{
  g_autoptr(BearerWindow) self = user_data;
  BearerConnection *connection = BEARER_CONNECTION (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  /* Deleted only once the server revoked the tokens: a failed sign-out
   * keeps everything, so that it can be tried again. */
  if (!bearer_connection_revoke_finish (connection, result, &error))
    {
      /* Translators: the first %s is a connection's name, the second why
       * the server did not revoke its tokens. */
      message = g_strdup_printf (_("Could not sign out of “%s”, so it was not deleted: %s"),
                                 bearer_profile_get_name (bearer_connection_get_profile (connection)),
                                 error->message);
      bearer_window_toast (self, message);
      return;
    }
  delete_connection (self, connection);
}

static void
delete_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    BearerConnection *connection)
{
  BearerWindow *self = BEARER_WINDOW (gtk_window_get_transient_for (GTK_WINDOW (dialog)));

  if (g_strcmp0 (response, "delete") == 0)
    delete_connection (self, connection);
  else if (g_strcmp0 (response, "sign-out-delete") == 0)
    bearer_connection_revoke_async (connection, BEARER_TOKEN_ALL, BEARER_REVOKE_NONE, NULL,
                                    signed_out_before_delete_cb, g_object_ref (self));
}

/* profiles.delete(id): asks first. */
static void
delete_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  BearerWindow *self = BEARER_WINDOW (widget);
  BearerConnection *connection = connection_of (self, parameter);
  const char *revocation_url;
  GtkWidget *dialog;

  if (connection == NULL)
    return;
  revocation_url = bearer_profile_get_revocation_url (bearer_connection_get_profile (connection));

  dialog = adw_message_dialog_new (GTK_WINDOW (self), NULL,
                                   _("Its settings, client secret, refresh token and access "
                                     "token are removed from this computer. The server is not "
                                     "told: revoke the tokens there if they may have leaked."));
  /* Translators: %s is a connection's name */
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Delete “%s”?"),
                                     bearer_profile_get_name (bearer_connection_get_profile (connection)));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "delete", _("_Delete"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  /* A refresh token the server can revoke: offer to sign out first. */
  if (bearer_connection_get_has_refresh_token (connection) && revocation_url != NULL && *revocation_url != '\0')
    {
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "sign-out-delete",
                                       _("Sign Out and D_elete"));
      adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "sign-out-delete",
                                                  ADW_RESPONSE_DESTRUCTIVE);
    }
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response_cb), connection, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- the visible page ---------------------------------------------------- */

/* token.get (Ctrl+Return) */
static void
get_token_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  BearerProfilePage *page = bearer_window_get_visible_page (BEARER_WINDOW (widget));

  if (page != NULL)
    bearer_profile_page_get_token (page);
}

/* token.copy-header (Ctrl+Shift+C) */
static void
copy_header_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  BearerProfilePage *page = bearer_window_get_visible_page (BEARER_WINDOW (widget));

  if (page != NULL)
    bearer_profile_page_copy_header (page);
}

void
bearer_window_class_init_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "profiles.duplicate", "s", duplicate_activated);
  gtk_widget_class_install_action (widget_class, "profiles.rename", "s", rename_activated);
  gtk_widget_class_install_action (widget_class, "profiles.delete", "s", delete_activated);
  gtk_widget_class_install_action (widget_class, "token.get", NULL, get_token_activated);
  gtk_widget_class_install_action (widget_class, "token.copy-header", NULL, copy_header_activated);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "token.get", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK,
                                       "token.get", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "token.copy-header", NULL);
}
