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
  GtkStack *sidebar_stack;
  GtkListView *list_view;
  AdwWindowTitle *content_title;
  GtkStack *stack;

  BearerConnectionList *connections;
  GtkSliceListModel *rows;        /* the connections the sidebar may make rows for */
  GtkSingleSelection *selection;  /* over rows: the one shown */
  BearerClock *clock;             /* the rows' time of day */
  GSettings *settings;
  BearerConnection *selected;     /* (nullable): the connection shown */
  GBinding *title_binding;
  gboolean loaded;
  guint page_id;                  /* makes the page held back for the first frame */
  guint rows_id;                  /* lets the sidebar make its other rows */
  gboolean first_frame_drawn;
  gboolean connections_drawn;     /* a frame with the connections was drawn */
  gboolean page_drawn;            /* and one with the page of the one shown */
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
