/* bearer-window-private.h: what the window's files share
 *
 * bearer-window.c: the sidebar bound to the connections, the selection,
 *   the pages, the window's life;
 * bearer-window-actions.c: what is done to a connection from the window
 *   (add, duplicate, rename, delete) and the visible page's shortcuts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "bearer-clock.h"
#include "bearer-window.h"

G_BEGIN_DECLS

struct _BearerWindow
{
  AdwApplicationWindow parent_instance;

  AdwToastOverlay *toast_overlay;
  AdwLeaflet *leaflet;
  GtkWidget *content;
  GtkListBox *list_box;
  AdwWindowTitle *content_title;
  GtkStack *stack;

  BearerConnectionList *connections;
  BearerClock *clock;             /* the rows' time of day */
  GSettings *settings;
  BearerConnection *selected;     /* (nullable): the connection shown */
  GBinding *title_binding;
  gboolean loaded;
  guint loaded_id;                /* shows the connections once all are in */
  gboolean first_frame_drawn;
};

/* bearer-window.c */
void                bearer_window_toast          (BearerWindow     *self,
                                                  const char       *title);
BearerProfilePage  *bearer_window_find_page      (BearerWindow     *self,
                                                  BearerConnection *connection);
void                bearer_window_show_connection (BearerWindow    *self,
                                                  BearerConnection *connection);

/* bearer-window-actions.c */
void                bearer_window_class_init_actions (GtkWidgetClass *widget_class);

G_END_DECLS
