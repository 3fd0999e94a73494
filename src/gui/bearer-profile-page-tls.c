/* bearer-profile-page-tls.c: the client certificate and its key (RFC 8705)
 *
 * With the client authentication `tls` or `self-signed-tls`, the page shows
 * two rows in place of the client secret: the certificate, a PEM file the
 * profile names (chosen through the file chooser, the portal in Flatpak),
 * and its private key, read once from a file the user chooses and then kept
 * in the keyring only. The key row says whether a key is stored; it never
 * shows the key. The key file is read and checked off the main thread.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "bearer-client-certificate.h"
#include "bearer-profile-page-private.h"
#include "bearer-redact.h"

/* A PEM private key is a few KiB; anything larger is the wrong file. */
#define MAX_KEY_FILE_SIZE (64 * 1024)

static BearerProfile *
profile_of (BearerProfilePage *self)
{
  return bearer_connection_get_profile (self->connection);
}

gboolean
bearer_profile_page_client_has_secret (GBinding     *binding,
                                       const GValue *from,
                                       GValue       *to,
                                       gpointer      user_data)
{
  BearerClientAuth auth = g_value_get_enum (from);

  g_value_set_boolean (to, auth != BEARER_CLIENT_AUTH_NONE && auth != BEARER_CLIENT_AUTH_PRIVATE_KEY_JWT &&
                           !bearer_client_auth_uses_certificate (auth));
  return TRUE;
}

static gboolean
uses_certificate (GBinding     *binding,
                  const GValue *from,
                  GValue       *to,
                  gpointer      user_data)
{
  g_value_set_boolean (to, bearer_client_auth_uses_certificate (g_value_get_enum (from)));
  return TRUE;
}

static gboolean
certificate_to_subtitle (GBinding     *binding,
                         const GValue *from,
                         GValue       *to,
                         gpointer      user_data)
{
  const char *path = g_value_get_string (from);

  g_value_set_string (to, path != NULL ? path : _("No certificate chosen yet (a PEM file)"));
  return TRUE;
}

static void
update_key_row (BearerProfilePage *self)
{
  gboolean stored = bearer_connection_get_secret (self->connection, BEARER_SECRET_CLIENT_KEY) != NULL;

  adw_action_row_set_subtitle (self->client_key_row,
                               stored ? _("A private key is stored in the keyring")
                                      : _("No private key is stored yet: choose the key file"));
}

static void
secret_changed_cb (BearerProfilePage *self,
                   BearerSecretKind   kind)
{
  if (kind == BEARER_SECRET_CLIENT_KEY)
    update_key_row (self);
}

void
bearer_profile_page_bind_tls (BearerProfilePage *self)
{
  GBindingGroup *b = self->bindings;

  g_binding_group_bind_full (b, "client-auth", self->client_certificate_row, "visible",
                             G_BINDING_SYNC_CREATE, uses_certificate, NULL, NULL, NULL);
  g_binding_group_bind_full (b, "client-auth", self->client_key_row, "visible",
                             G_BINDING_SYNC_CREATE, uses_certificate, NULL, NULL, NULL);
  g_binding_group_bind_full (b, "client-certificate", self->client_certificate_row, "subtitle",
                             G_BINDING_SYNC_CREATE, certificate_to_subtitle, NULL, NULL, NULL);
  update_key_row (self);
  g_signal_connect_object (self->connection, "secret-changed", G_CALLBACK (secret_changed_cb), self,
                           G_CONNECT_SWAPPED);
}

static void
close_chooser (BearerProfilePage  *self,
               GtkNativeDialog   **chooser)
{
  if (*chooser == NULL)
    return;
  g_signal_handlers_disconnect_by_data (*chooser, self);
  gtk_native_dialog_destroy (*chooser);
  g_clear_object (chooser);
}

void
bearer_profile_page_dispose_tls (BearerProfilePage *self)
{
  close_chooser (self, &self->client_certificate_chooser);
  close_chooser (self, &self->client_key_chooser);
}

static GtkNativeDialog *
new_chooser (BearerProfilePage *self,
             const char        *title,
             const char        *filter_name,
             const char * const *patterns,
             GCallback          response_cb)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  GtkFileChooserNative *chooser;

  /* GtkFileDialog is GTK 4.10; the native chooser uses the portal in Flatpak. */
  chooser = gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Select"), _("_Cancel"));
  gtk_file_filter_set_name (filter, filter_name);
  for (guint i = 0; patterns[i] != NULL; i++)
    gtk_file_filter_add_pattern (filter, patterns[i]);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_swapped (chooser, "response", response_cb, self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
  return GTK_NATIVE_DIALOG (chooser);
}

/* ---- the certificate ------------------------------------------------------ */

static void
client_certificate_response_cb (BearerProfilePage *self,
                                int                response)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (self->client_certificate_chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        bearer_profile_set_client_certificate (profile_of (self), path);
    }
  close_chooser (self, &self->client_certificate_chooser);
}

static void
client_certificate_choose_clicked_cb (BearerProfilePage *self)
{
  static const char * const patterns[] = { "*.pem", "*.crt", "*.cer", NULL };

  if (self->client_certificate_chooser != NULL)
    return;
  self->client_certificate_chooser = new_chooser (self, _("Choose a Client Certificate"),
                                                  _("PEM certificates"), patterns,
                                                  G_CALLBACK (client_certificate_response_cb));
}

/* ---- the key ------------------------------------------------------------- */

typedef struct {
  char *key_path;
  char *certificate_path;       /* NULL when none is chosen yet */
} KeyCheck;

static void
key_check_free (KeyCheck *check)
{
  g_free (check->key_path);
  g_free (check->certificate_path);
  g_free (check);
}

/* In a worker thread: read the key file, check it, and check it against
 * the certificate when there is one. */
static void
check_key_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  KeyCheck *check = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) joined = NULL;
  char *pem = NULL;
  gsize length = 0;

  if (!g_file_get_contents (check->key_path, &pem, &length, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (length > MAX_KEY_FILE_SIZE || memchr (pem, '\0', length) != NULL ||
      !g_utf8_validate (pem, length, NULL))
    {
      bearer_secret_free (pem);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s",
                               _("The file is not a private key in PEM format"));
      return;
    }
  if (!bearer_client_key_check (pem, &error) ||
      (check->certificate_path != NULL &&
       bearer_client_certificate_check (check->certificate_path, NULL) &&
       !(joined = bearer_client_certificate_load (check->certificate_path, pem, &error))))
    {
      bearer_secret_free (pem);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, pem, (GDestroyNotify) bearer_secret_free);
}

static void
key_checked_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  BearerProfilePage *self = BEARER_PROFILE_PAGE (source);
  g_autoptr(GError) error = NULL;
  char *pem = g_task_propagate_pointer (G_TASK (result), &error);

  if (pem == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        bearer_profile_page_show_toast (self, error->message);
      return;
    }
  if (self->disposed)
    {
      bearer_secret_free (pem);
      return;
    }

  /* Saved to the keyring like a typed secret, after a short pause. */
  bearer_connection_set_secret (self->connection, BEARER_SECRET_CLIENT_KEY, pem);
  bearer_secret_free (pem);
  update_key_row (self);
  bearer_profile_page_show_toast (self, _("The client key will be kept in the keyring"));
}

static void
client_key_response_cb (BearerProfilePage *self,
                        int                response)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (self->client_key_chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        {
          KeyCheck *check = g_new0 (KeyCheck, 1);
          g_autoptr(GTask) task = g_task_new (self, self->cancellable, key_checked_cb, NULL);

          check->key_path = g_steal_pointer (&path);
          check->certificate_path = g_strdup (bearer_profile_get_client_certificate (profile_of (self)));
          g_task_set_source_tag (task, client_key_response_cb);
          g_task_set_task_data (task, check, (GDestroyNotify) key_check_free);
          g_task_run_in_thread (task, check_key_thread);
        }
    }
  close_chooser (self, &self->client_key_chooser);
}

static void
client_key_choose_clicked_cb (BearerProfilePage *self)
{
  static const char * const patterns[] = { "*.pem", "*.key", NULL };

  if (self->client_key_chooser != NULL)
    return;
  self->client_key_chooser = new_chooser (self, _("Choose the Key of the Client Certificate"),
                                          _("PEM private keys"), patterns,
                                          G_CALLBACK (client_key_response_cb));
}

void
bearer_profile_page_class_init_tls (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, client_certificate_row);
  gtk_widget_class_bind_template_child (widget_class, BearerProfilePage, client_key_row);
  gtk_widget_class_bind_template_callback (widget_class, client_certificate_choose_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, client_key_choose_clicked_cb);
}
