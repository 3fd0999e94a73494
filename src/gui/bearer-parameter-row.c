/* bearer-parameter-row.c: one extra parameter of the token request
 *
 * A name, a value and where it goes (body, query or header), with a button
 * to remove it. Emits ::changed on every edit and ::remove when asked to go.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "bearer-parameter-row.h"

struct _BearerParameterRow
{
  AdwPreferencesRow parent_instance;

  GtkEditable *name_entry;
  GtkEditable *value_entry;
  GtkDropDown *location_dropdown;
  gboolean filling;
};

G_DEFINE_FINAL_TYPE (BearerParameterRow, bearer_parameter_row, ADW_TYPE_PREFERENCES_ROW)

enum {
  CHANGED,
  REMOVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
edited_cb (BearerParameterRow *self)
{
  if (!self->filling)
    g_signal_emit (self, signals[CHANGED], 0);
}

static void
remove_clicked_cb (BearerParameterRow *self)
{
  g_signal_emit (self, signals[REMOVE], 0);
}

static void
bearer_parameter_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), BEARER_TYPE_PARAMETER_ROW);
  G_OBJECT_CLASS (bearer_parameter_row_parent_class)->dispose (object);
}

static void
bearer_parameter_row_class_init (BearerParameterRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = bearer_parameter_row_dispose;

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[REMOVE] = g_signal_new ("remove", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "bearer-parameter-row.ui");
  gtk_widget_class_bind_template_child (widget_class, BearerParameterRow, name_entry);
  gtk_widget_class_bind_template_child (widget_class, BearerParameterRow, value_entry);
  gtk_widget_class_bind_template_child (widget_class, BearerParameterRow, location_dropdown);
  gtk_widget_class_bind_template_callback (widget_class, edited_cb);
  gtk_widget_class_bind_template_callback (widget_class, remove_clicked_cb);
}

static void
bearer_parameter_row_init (BearerParameterRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
bearer_parameter_row_new (BearerParamLocation  location,
                          const char          *name,
                          const char          *value)
{
  BearerParameterRow *self = g_object_new (BEARER_TYPE_PARAMETER_ROW, NULL);

  self->filling = TRUE;
  gtk_editable_set_text (self->name_entry, name != NULL ? name : "");
  gtk_editable_set_text (self->value_entry, value != NULL ? value : "");
  gtk_drop_down_set_selected (self->location_dropdown, location);
  self->filling = FALSE;

  return GTK_WIDGET (self);
}

BearerParamLocation
bearer_parameter_row_get_location (BearerParameterRow *self)
{
  guint selected;

  g_return_val_if_fail (BEARER_IS_PARAMETER_ROW (self), BEARER_PARAM_BODY);

  /* The list is in the enum's order: body, query, header. */
  selected = gtk_drop_down_get_selected (self->location_dropdown);
  return selected <= BEARER_PARAM_HEADER ? (BearerParamLocation) selected : BEARER_PARAM_BODY;
}

const char *
bearer_parameter_row_get_name (BearerParameterRow *self)
{
  g_return_val_if_fail (BEARER_IS_PARAMETER_ROW (self), NULL);
  return gtk_editable_get_text (self->name_entry);
}

const char *
bearer_parameter_row_get_value (BearerParameterRow *self)
{
  g_return_val_if_fail (BEARER_IS_PARAMETER_ROW (self), NULL);
  return gtk_editable_get_text (self->value_entry);
}

void
bearer_parameter_row_focus (BearerParameterRow *self)
{
  g_return_if_fail (BEARER_IS_PARAMETER_ROW (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->name_entry));
}
