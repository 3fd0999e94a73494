/* bearer-window.c: the main window
 *
 * For now an empty state that says what Bearer does; the profile list and the
 * "Configure New Token" form come with the window issue.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "bearer-window.h"

struct _BearerWindow
{
  AdwApplicationWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (BearerWindow, bearer_window, ADW_TYPE_APPLICATION_WINDOW)

static void
bearer_window_class_init (BearerWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "bearer-window.ui");
}

static void
bearer_window_init (BearerWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  if (g_strcmp0 (PROFILE, "development") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

BearerWindow *
bearer_window_new (BearerApplication *application)
{
  return g_object_new (BEARER_TYPE_WINDOW, "application", application, NULL);
}
