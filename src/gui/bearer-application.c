/* bearer-application.c
 *
 * Owns the profile store, the connection list over it (read asynchronously
 * at startup, so the first frame does not wait for the disk or the
 * keyring, then watched: bearer-cli's changes show), and the one scheduler
 * that keeps every connection's token alive while Bearer runs; windows get
 * the list. Also the app-wide actions. A profiles file that could not be
 * read is explained once, in a dialog that says where it was kept.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "bearer-agent-protocol.h"
#include "bearer-application.h"
#include "bearer-confirm-generated.h"
#include "bearer-scheduler.h"
#include "bearer-window.h"

struct _BearerApplication
{
  AdwApplication parent_instance;

  BearerProfileStore *store;
  BearerConnectionList *connections;
  BearerScheduler *scheduler;
  gboolean loaded;
  GError *load_error;           /* to be shown once a window exists */
  BearerConfirm1 *confirm;      /* "Ask before other programs use this token" */
};

G_DEFINE_FINAL_TYPE (BearerApplication, bearer_application, ADW_TYPE_APPLICATION)

static void
show_load_error (BearerApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  g_autoptr(GError) error = NULL;
  const char *heading;
  GtkWidget *dialog;

  if (window == NULL || self->load_error == NULL)
    return;

  error = g_steal_pointer (&self->load_error);
  if (g_error_matches (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_NEWER_VERSION))
    heading = _("Your Connections Were Saved by a Newer Bearer");
  else if (g_error_matches (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_CORRUPT))
    heading = _("Your Connections Were Damaged");
  else
    heading = _("Your Connections Could Not Be Read");

  dialog = adw_message_dialog_new (window, heading, error->message);
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Connections with Keep Signed In: the token agent keeps them alive, and
 * is started now if it is not running yet (after a reboot, without the
 * systemd unit enabled). */
static void
start_agent_if_kept (BearerApplication *self)
{
  GListModel *model = G_LIST_MODEL (self->connections);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(BearerConnection) connection = g_list_model_get_item (model, i);

      if (bearer_profile_get_keep_alive (bearer_connection_get_profile (connection)))
        {
          bearer_agent_start (NULL);
          return;
        }
    }
}

static void
connections_loaded_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(BearerApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  /* A damaged file was set aside: the list is usable (empty), and the
   * error is explained. */
  if (!bearer_connection_list_load_finish (BEARER_CONNECTION_LIST (source), result, &error))
    {
      g_debug ("Loading the profiles failed: %s", error->message);
      self->load_error = g_steal_pointer (&error);
    }

  self->loaded = TRUE;
  bearer_connection_list_watch (self->connections);
  start_agent_if_kept (self);
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (BEARER_IS_WINDOW (l->data))
      bearer_window_connections_loaded (l->data);
  show_load_error (self);

  g_application_release (G_APPLICATION (self));
}

static void
bearer_application_activate (GApplication *app)
{
  BearerApplication *self = BEARER_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    {
      window = GTK_WINDOW (bearer_window_new (self, self->connections));
      if (self->loaded)
        bearer_window_connections_loaded (BEARER_WINDOW (window));
    }

  gtk_window_present (window);
  show_load_error (self);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (user_data)));

  /* Closing (not g_application_quit) lets pending saves finish: each holds
   * the application until it is written. */
  for (GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  g_list_free (windows);
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  static const char *developers[] = { "The Bearer developers", NULL };

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", _("Bearer"),
                         "application-icon", APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "comments", _("Get, refresh and hand out OAuth 2.0 access tokens"),
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
new_connection_activated (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  BearerApplication *self = BEARER_APPLICATION (user_data);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (!BEARER_IS_WINDOW (window))
    {
      g_application_activate (G_APPLICATION (self));
      window = gtk_application_get_active_window (GTK_APPLICATION (self));
    }
  if (BEARER_IS_WINDOW (window))
    bearer_window_new_connection (BEARER_WINDOW (window));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
  { "about", about_activated, NULL, NULL, NULL, { 0 } },
  { "new-connection", new_connection_activated, NULL, NULL, NULL, { 0 } },
};

static void
bearer_application_startup (GApplication *app)
{
  BearerApplication *self = BEARER_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *new_accels[] = { "<Control>n", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };

  G_APPLICATION_CLASS (bearer_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.new-connection", new_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "window.close", close_accels);

  /* Read in a worker thread, the keyring in one search; the window shows
   * as soon as it can. */
  self->store = bearer_profile_store_new (NULL);
  self->connections = bearer_connection_list_new (self->store);
  self->scheduler = bearer_scheduler_new (G_LIST_MODEL (self->connections));
  g_application_hold (app);
  bearer_connection_list_load_async (self->connections, NULL, connections_loaded_cb, g_object_ref (self));
}

/* ---- "Ask before other programs use this token" ---------------------------
 *
 * The token agent asks here (BEARER_CONFIRM_INTERFACE, exported at
 * BEARER_CONFIRM_OBJECT_PATH) before it gives a token of a connection with
 * ask_before_use to a program; D-Bus activation starts Bearer for it when it
 * is not running. A dialog names the program; the method returns the
 * user's answer. Closing the dialog denies. */

/* One question: answered once, by a button, by closing the dialog (its
 * close response), or as a denial when the dialog goes without an answer
 * (its window was closed, Bearer quit). */
typedef struct {
  GTask *task;                  /* until answered */
} Question;

static void
question_answer (Question   *question,
                 const char *answer)
{
  if (question->task == NULL)
    return;
  g_task_return_pointer (question->task, g_strdup (answer), g_free);
  g_clear_object (&question->task);
}

static void
ask_response_cb (AdwMessageDialog *dialog,
                 const char       *response,
                 Question         *question)
{
  if (g_str_equal (response, BEARER_CONFIRM_ALLOW_ONCE) ||
      g_str_equal (response, BEARER_CONFIRM_ALLOW_TEN_MINUTES))
    question_answer (question, response);
  else
    question_answer (question, BEARER_CONFIRM_DENY);
}

static void
ask_destroyed_cb (GtkWidget *dialog,
                  Question  *question)
{
  question_answer (question, BEARER_CONFIRM_DENY);
  g_free (question);
}

/**
 * bearer_application_ask_to_use_async:
 * @connection_name: the connection whose token is asked for
 * @program: the requesting program's name, "" when it is not known
 * @parent: (nullable): the program that started it
 *
 * Asks the user, in a dialog, whether @program may have the token. The
 * answer is one of BEARER_CONFIRM_ALLOW_ONCE, _ALLOW_TEN_MINUTES, _DENY.
 */
void
bearer_application_ask_to_use_async (BearerApplication   *self,
                                     const char          *connection_name,
                                     const char          *program,
                                     const char          *parent,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  Question *question;
  GtkWindow *window;
  GtkWidget *dialog;

  g_return_if_fail (BEARER_IS_APPLICATION (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, bearer_application_ask_to_use_async);

  if (*program == '\0')
    {
      heading = g_strdup (_("Allow an Unknown Program to Use Your Token?"));
      /* Translators: %s is a connection's name. */
      body = g_strdup_printf (_("A program Bearer could not identify asks for the access token of “%s”."),
                              connection_name);
    }
  else
    {
      /* Translators: the heading of the question the token agent asks; %s
       * is a program's name, e.g. “git”. */
      heading = g_strdup_printf (_("Allow “%s” to Use Your Token?"), program);
      if (parent != NULL && *parent != '\0')
        /* Translators: the first %s is a program's name (e.g. “bearer-cli”),
         * the second the program that started it (e.g. “git”), the third a
         * connection's name. */
        body = g_strdup_printf (_("“%s”, started by “%s”, asks for the access token of “%s”."),
                                program, parent, connection_name);
      else
        /* Translators: the first %s is a program's name, the second a
         * connection's name. */
        body = g_strdup_printf (_("“%s” asks for the access token of “%s”."), program, connection_name);
    }

  /* On Bearer's window, opened for it when Bearer was started only to
   * ask (D-Bus activation). */
  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window == NULL)
    {
      g_application_activate (G_APPLICATION (self));
      window = gtk_application_get_active_window (GTK_APPLICATION (self));
    }
  dialog = adw_message_dialog_new (window, heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    BEARER_CONFIRM_DENY, _("_Deny"),
                                    BEARER_CONFIRM_ALLOW_TEN_MINUTES, _("Allow for _10 Minutes"),
                                    BEARER_CONFIRM_ALLOW_ONCE, _("_Allow Once"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), BEARER_CONFIRM_ALLOW_ONCE,
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), BEARER_CONFIRM_DENY);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), BEARER_CONFIRM_DENY);
  /* It goes with the window (a denial). */
  gtk_window_set_destroy_with_parent (GTK_WINDOW (dialog), TRUE);
  question = g_new0 (Question, 1);
  question->task = g_steal_pointer (&task);
  g_signal_connect (dialog, "response", G_CALLBACK (ask_response_cb), question);
  g_signal_connect (dialog, "destroy", G_CALLBACK (ask_destroyed_cb), question);
  gtk_window_present (GTK_WINDOW (dialog));
}

/**
 * bearer_application_ask_to_use_finish:
 *
 * Returns: (transfer full): the answer
 */
char *
bearer_application_ask_to_use_finish (BearerApplication  *self,
                                      GAsyncResult       *result)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), NULL);
}

static void
asked_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autofree char *answer = bearer_application_ask_to_use_finish (BEARER_APPLICATION (source), result);

  bearer_confirm1_complete_ask_to_use (NULL, invocation, answer);
  g_application_release (G_APPLICATION (source));
}

static gboolean
handle_ask_to_use_cb (BearerConfirm1        *skeleton,
                      GDBusMethodInvocation *invocation,
                      const char            *connection_id,
                      const char            *connection_name,
                      const char            *program,
                      guint                  pid,
                      GVariant              *options,
                      BearerApplication     *self)
{
  const char *parent = NULL;

  g_variant_lookup (options, "parent-program", "&s", &parent);
  /* Held until answered, also when started only to ask. */
  g_application_hold (G_APPLICATION (self));
  bearer_application_ask_to_use_async (self, connection_name, program, parent, asked_cb,
                                       g_object_ref (invocation));
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
bearer_application_dbus_register (GApplication     *application,
                                  GDBusConnection  *connection,
                                  const char       *object_path,
                                  GError          **error)
{
  BearerApplication *self = BEARER_APPLICATION (application);

  if (!G_APPLICATION_CLASS (bearer_application_parent_class)->dbus_register (application, connection,
                                                                             object_path, error))
    return FALSE;
  return g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->confirm), connection,
                                           BEARER_CONFIRM_OBJECT_PATH, error);
}

static void
bearer_application_dbus_unregister (GApplication    *application,
                                    GDBusConnection *connection,
                                    const char      *object_path)
{
  BearerApplication *self = BEARER_APPLICATION (application);

  g_dbus_interface_skeleton_unexport_from_connection (G_DBUS_INTERFACE_SKELETON (self->confirm), connection);
  G_APPLICATION_CLASS (bearer_application_parent_class)->dbus_unregister (application, connection, object_path);
}

static void
bearer_application_finalize (GObject *object)
{
  BearerApplication *self = BEARER_APPLICATION (object);

  g_clear_object (&self->scheduler);
  g_clear_object (&self->connections);
  g_clear_object (&self->store);
  g_clear_error (&self->load_error);
  g_clear_object (&self->confirm);

  G_OBJECT_CLASS (bearer_application_parent_class)->finalize (object);
}

static void
bearer_application_class_init (BearerApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = bearer_application_finalize;
  app_class->activate = bearer_application_activate;
  app_class->startup = bearer_application_startup;
  app_class->dbus_register = bearer_application_dbus_register;
  app_class->dbus_unregister = bearer_application_dbus_unregister;
}

static void
bearer_application_init (BearerApplication *self)
{
  self->confirm = bearer_confirm1_skeleton_new ();
  g_signal_connect (self->confirm, "handle-ask-to-use", G_CALLBACK (handle_ask_to_use_cb), self);
}

BearerApplication *
bearer_application_new (void)
{
  return g_object_new (BEARER_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/bearerapp/Bearer",
                       NULL);
}

/**
 * bearer_application_get_connections:
 *
 * Returns: (transfer none): the connections, shared by every window
 */
BearerConnectionList *
bearer_application_get_connections (BearerApplication *self)
{
  g_return_val_if_fail (BEARER_IS_APPLICATION (self), NULL);
  return self->connections;
}
