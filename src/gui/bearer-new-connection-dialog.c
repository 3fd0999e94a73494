/* bearer-new-connection-dialog.c: add a connection from a preset
 *
 * Choose a service (ProcessMaker first), type what it needs (an instance
 * name, a tenant, a realm…), see the token URL it makes, and add. The new
 * profile is added to the connection list (and so saved) at once; its
 * secrets are typed in its page. Emits ::profile-added with the new
 * profile's id.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "bearer-new-connection-dialog.h"
#include "bearer-presets.h"

struct _BearerNewConnectionDialog
{
  AdwWindow parent_instance;

  AdwComboRow *preset_row;
  AdwPreferencesGroup *server_group;
  AdwEntryRow *input_row;
  AdwEntryRow *realm_row;
  AdwActionRow *url_row;
  AdwPreferencesGroup *name_group;
  AdwEntryRow *name_row;
  GtkLabel *error_label;
  GtkWidget *add_button;

  BearerConnectionList *connections;
  char *token_url;              /* what the inputs make, or NULL */
  gboolean saving;
};

G_DEFINE_FINAL_TYPE (BearerNewConnectionDialog, bearer_new_connection_dialog, ADW_TYPE_WINDOW)

enum {
  PROFILE_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const BearerPreset *
selected_preset (BearerNewConnectionDialog *self)
{
  guint n;
  const BearerPreset *presets = bearer_presets_get (&n);
  guint i = adw_combo_row_get_selected (self->preset_row);

  return &presets[i < n ? i : 0];
}

static const char *
text_of (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

/* The name to use: the one typed, else one made from the inputs, made
 * unique among the connections. */
static char *
chosen_name (BearerNewConnectionDialog *self)
{
  g_autofree char *typed = g_strstrip (g_strdup (text_of (self->name_row)));
  g_autofree char *base = NULL;
  char *name;

  if (*typed != '\0')
    return g_steal_pointer (&typed);

  base = bearer_preset_suggest_name (selected_preset (self), text_of (self->input_row),
                                     text_of (self->realm_row));
  name = g_strdup (base);
  for (guint n = 2; bearer_connection_list_find (self->connections, name) != NULL; n++)
    {
      g_free (name);
      name = g_strdup_printf ("%s %u", base, n);
    }
  return name;
}

static void
update (BearerNewConnectionDialog *self)
{
  const BearerPreset *preset = selected_preset (self);
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *name_hint = NULL;
  gboolean typed_name;

  if (self->connections == NULL)
    return;  /* still being built */

  g_clear_pointer (&self->token_url, g_free);
  self->token_url = bearer_preset_build_token_url (preset, text_of (self->input_row),
                                                   text_of (self->realm_row), &error);

  adw_preferences_group_set_description (self->server_group, _(preset->description));
  /* The URL it makes, else an example, else what is wrong. */
  if (self->token_url != NULL)
    adw_action_row_set_subtitle (self->url_row, self->token_url);
  else if (*text_of (self->input_row) == '\0' && preset->input_hint != NULL)
    adw_action_row_set_subtitle (self->url_row, _(preset->input_hint));
  else
    adw_action_row_set_subtitle (self->url_row, error->message);
  gtk_widget_set_visible (GTK_WIDGET (self->url_row), preset->input != BEARER_PRESET_INPUT_TOKEN_URL);
  if (self->token_url == NULL && *text_of (self->input_row) != '\0')
    gtk_widget_add_css_class (GTK_WIDGET (self->input_row), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->input_row), "error");

  typed_name = *text_of (self->name_row) != '\0';
  name = chosen_name (self);
  name_hint = typed_name ? NULL : g_strdup_printf (_("Leave the name empty to call it “%s”"), name);
  adw_preferences_group_set_description (self->name_group, name_hint);
  if (bearer_connection_list_find (self->connections, name) != NULL)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->name_row), "error");
      gtk_label_set_text (self->error_label, _("Another connection already has this name"));
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->name_row), "error");
      gtk_label_set_text (self->error_label, "");
    }

  gtk_widget_set_sensitive (self->add_button, self->token_url != NULL && !self->saving &&
                                              bearer_connection_list_find (self->connections, name) == NULL);
}

static void
preset_selected_cb (BearerNewConnectionDialog *self)
{
  const BearerPreset *preset = selected_preset (self);

  if (self->connections == NULL)
    return;  /* still being built */

  gtk_widget_set_visible (GTK_WIDGET (self->input_row), preset->input != BEARER_PRESET_INPUT_NONE);
  if (preset->input_title != NULL)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->input_row), _(preset->input_title));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->input_row),
                               preset->input_hint != NULL ? _(preset->input_hint) : NULL);
  gtk_editable_set_text (GTK_EDITABLE (self->input_row),
                         preset->input_default != NULL ? preset->input_default : "");

  gtk_widget_set_visible (GTK_WIDGET (self->realm_row), preset->realm_title != NULL);
  if (preset->realm_title != NULL)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->realm_row), _(preset->realm_title));
  gtk_editable_set_text (GTK_EDITABLE (self->realm_row), "");

  update (self);
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(BearerNewConnectionDialog) self = user_data;
  g_autoptr(BearerConnection) connection = NULL;
  g_autoptr(GError) error = NULL;

  self->saving = FALSE;
  connection = bearer_connection_list_add_finish (BEARER_CONNECTION_LIST (source), result, &error);
  if (connection == NULL)
    {
      /* The dialog stays open with everything typed. */
      gtk_label_set_text (self->error_label, error->message);
      update (self);
      return;
    }

  g_signal_emit (self, signals[PROFILE_ADDED], 0, bearer_connection_get_id (connection));
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
add_clicked_cb (BearerNewConnectionDialog *self)
{
  const BearerPreset *preset = selected_preset (self);
  g_autofree char *name = NULL;
  g_autoptr(BearerProfile) profile = NULL;

  update (self);
  if (self->token_url == NULL || self->saving || !gtk_widget_get_sensitive (self->add_button))
    return;

  name = chosen_name (self);
  profile = bearer_profile_new (name);
  /* The core sets it up, as for bearer-cli add --preset. */
  if (!bearer_preset_apply (preset, profile, text_of (self->input_row), text_of (self->realm_row),
                            NULL))
    return;

  self->saving = TRUE;
  gtk_widget_set_sensitive (self->add_button, FALSE);
  bearer_connection_list_add_async (self->connections, profile, NULL, saved_cb, g_object_ref (self));
}

static void
bearer_new_connection_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), BEARER_TYPE_NEW_CONNECTION_DIALOG);
  G_OBJECT_CLASS (bearer_new_connection_dialog_parent_class)->dispose (object);
}

static void
bearer_new_connection_dialog_finalize (GObject *object)
{
  BearerNewConnectionDialog *self = BEARER_NEW_CONNECTION_DIALOG (object);

  g_clear_object (&self->connections);
  g_free (self->token_url);

  G_OBJECT_CLASS (bearer_new_connection_dialog_parent_class)->finalize (object);
}

static void
bearer_new_connection_dialog_class_init (BearerNewConnectionDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bearer_new_connection_dialog_dispose;
  object_class->finalize = bearer_new_connection_dialog_finalize;

  signals[PROFILE_ADDED] =
    g_signal_new ("profile-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "bearer-new-connection-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, BearerNewConnectionDialog, preset_row);
  gtk_widget_class_bind_template_child (widget_class, BearerNewConnectionDialog, server_group);
  gtk_widget_class_bind_template_child (widget_class, BearerNewConnectionDialog, input_row);
  gtk_widget_class_bind_template_child (widget_class, BearerNewConnectionDialog, realm_row);
  gtk_widget_class_bind_template_child (widget_class, BearerNewConnectionDialog, url_row);
  gtk_widget_class_bind_template_child (widget_class, BearerNewConnectionDialog, name_group);
  gtk_widget_class_bind_template_child (widget_class, BearerNewConnectionDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, BearerNewConnectionDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, BearerNewConnectionDialog, add_button);
  gtk_widget_class_bind_template_callback (widget_class, preset_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, update);
  gtk_widget_class_bind_template_callback (widget_class, add_clicked_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
bearer_new_connection_dialog_init (BearerNewConnectionDialog *self)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  guint n;
  const BearerPreset *presets = bearer_presets_get (&n);

  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < n; i++)
    gtk_string_list_append (names, _(presets[i].name));
  adw_combo_row_set_model (self->preset_row, G_LIST_MODEL (names));
  /* AdwComboRow 1.2 is both labelled and labelled-by its title: GTK 4.8
   * would read the name twice. */
  gtk_accessible_reset_relation (GTK_ACCESSIBLE (self->preset_row), GTK_ACCESSIBLE_RELATION_LABELLED_BY);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->preset_row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Service"),
                                  -1);
}

/**
 * bearer_new_connection_dialog_new:
 * @parent: the window it belongs to
 * @connections: where the new connection goes
 *
 * Returns: (transfer none): the dialog, not yet shown (GTK owns toplevels)
 */
BearerNewConnectionDialog *
bearer_new_connection_dialog_new (GtkWindow            *parent,
                                  BearerConnectionList *connections)
{
  BearerNewConnectionDialog *self;

  g_return_val_if_fail (BEARER_IS_CONNECTION_LIST (connections), NULL);

  self = g_object_new (BEARER_TYPE_NEW_CONNECTION_DIALOG,
                       "transient-for", parent,
                       NULL);
  self->connections = g_object_ref (connections);
  preset_selected_cb (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->input_row));
  return self;
}
