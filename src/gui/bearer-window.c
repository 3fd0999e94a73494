/* bearer-window.c: the main window
 *
 * A leaflet: the connections beside the selected connection's page,
 * folding to one pane with a back button when narrow. With no connection,
 * an empty state says what Bearer does.
 *
 * The window binds, it does not compute. The sidebar is a GtkListView over
 * a GtkSingleSelection of the application's BearerConnectionList: it makes
 * rows only for the connections it shows and hands them others as it
 * scrolls, each row reading everything it shows from the connection it is
 * bound to (the name, the token's state, which changes on time by itself
 * through the scheduler); the window's one clock turns dates into times
 * of day.
 *
 * GTK 4.8's list view keeps up to 200 rows alive whatever its height, and
 * makes them all as soon as it has the items: with a hundred connections,
 * a hundred rows before the first frame. So it is given the connections
 * through a slice that holds, until the first frame with the connections
 * and the page are drawn, only as many as the window can show; the slice
 * then grows by a few rows at a time while the main loop is idle.
 *
 * The list's items change only when a connection is added or
 * removed (here or by bearer-cli), so the selection is simply the
 * connection shown, and a connection that goes takes its page with it.
 *
 * A page is made the first time its connection is shown and kept while the
 * window lives (what it shows, a request under way); the saving and the
 * refreshing are the connection's, whether its page exists or not. The
 * page shown at startup is made just after the first frame that shows the
 * connections, so that frame does not wait for it (anyone asking for the
 * page before gets it made at once).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "bearer-profile-row.h"
#include "bearer-window-private.h"

G_DEFINE_FINAL_TYPE (BearerWindow, bearer_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_CONNECTIONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

void
bearer_window_toast (BearerWindow *self,
                     const char   *title)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (title));
}

/* ---- the sidebar --------------------------------------------------------- */

/* No sidebar row is less than this tall (a name and a caption line). */
#define MIN_ROW_HEIGHT 40
/* Rows the sidebar may make in one idle, once the window is drawn. */
#define ROWS_STEP 25
/* GTK_LIST_VIEW_MAX_LIST_ITEMS in GTK 4.8: it never makes more rows. */
#define LIST_VIEW_MAX_ROWS 200

/* As many rows as fit in the window's height, so the first frame shows a
 * full sidebar (a maximized window is given a tall screen's worth). */
static guint
rows_to_show_first (BearerWindow *self)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  if (g_settings_get_boolean (self->settings, "window-maximized") || height <= 0)
    height = MAX (height, 1600);
  return (guint) height / MIN_ROW_HEIGHT + 1;
}

static gboolean
grow_rows_cb (gpointer user_data)
{
  BearerWindow *self = user_data;
  guint size = gtk_slice_list_model_get_size (self->rows);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));

  /* Past what the list view makes rows for, the rest costs nothing. */
  if (size + ROWS_STEP >= MIN (n, LIST_VIEW_MAX_ROWS))
    {
      self->rows_id = 0;
      gtk_slice_list_model_set_size (self->rows, G_MAXUINT);
      return G_SOURCE_REMOVE;
    }
  gtk_slice_list_model_set_size (self->rows, size + ROWS_STEP);
  return G_SOURCE_CONTINUE;
}

static void
show_all_rows (BearerWindow *self)
{
  g_clear_handle_id (&self->rows_id, g_source_remove);
  gtk_slice_list_model_set_size (self->rows, G_MAXUINT);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              BearerWindow             *self)
{
  gtk_list_item_set_child (item, bearer_profile_row_new (self->clock));
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             BearerWindow             *self)
{
  bearer_profile_row_set_connection (BEARER_PROFILE_ROW (gtk_list_item_get_child (item)),
                                     gtk_list_item_get_item (item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               BearerWindow             *self)
{
  bearer_profile_row_set_connection (BEARER_PROFILE_ROW (gtk_list_item_get_child (item)), NULL);
}

static void
select_in_sidebar (BearerWindow     *self,
                   BearerConnection *connection)
{
  guint index = bearer_connection_list_get_index (self->connections, connection);

  if (index == G_MAXUINT || gtk_single_selection_get_selected (self->selection) == index)
    return;
  if (index >= gtk_slice_list_model_get_size (self->rows))
    show_all_rows (self);
  gtk_single_selection_set_selected (self->selection, index);
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", index);
}

/* ---- the pages ----------------------------------------------------------- */

BearerProfilePage *
bearer_window_find_page (BearerWindow     *self,
                         BearerConnection *connection)
{
  GtkWidget *page = gtk_stack_get_child_by_name (self->stack, bearer_connection_get_id (connection));

  return page != NULL ? BEARER_PROFILE_PAGE (page) : NULL;
}

static BearerProfilePage *
ensure_page (BearerWindow     *self,
             BearerConnection *connection)
{
  BearerProfilePage *page = bearer_window_find_page (self, connection);

  if (page == NULL)
    {
      page = BEARER_PROFILE_PAGE (bearer_profile_page_new (connection));
      gtk_stack_add_named (self->stack, GTK_WIDGET (page), bearer_connection_get_id (connection));
    }
  return page;
}

/* The pages of connections that are gone (deleted here, or by bearer-cli). */
static void
remove_gone_pages (BearerWindow *self)
{
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->stack)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (BEARER_IS_PROFILE_PAGE (child) &&
        bearer_connection_list_get_index (self->connections,
                                          bearer_profile_page_get_connection (BEARER_PROFILE_PAGE (child)))
        == G_MAXUINT)
      g_ptr_array_add (gone, child);

  for (guint i = 0; i < gone->len; i++)
    {
      bearer_profile_page_cancel (g_ptr_array_index (gone, i));
      gtk_stack_remove (self->stack, g_ptr_array_index (gone, i));
    }
}

/* The page of the connection shown, made now if it was held back. */
static BearerProfilePage *
visible_page (BearerWindow *self)
{
  GtkWidget *child;

  if (self->selected != NULL && bearer_window_find_page (self, self->selected) == NULL)
    {
      g_clear_handle_id (&self->page_id, g_source_remove);
      gtk_stack_set_visible_child (self->stack, GTK_WIDGET (ensure_page (self, self->selected)));
    }
  child = gtk_stack_get_visible_child (self->stack);
  return BEARER_IS_PROFILE_PAGE (child) ? BEARER_PROFILE_PAGE (child) : NULL;
}

static gboolean
make_held_page_cb (gpointer user_data)
{
  BearerWindow *self = user_data;

  self->page_id = 0;
  visible_page (self);
  return G_SOURCE_REMOVE;
}

/* ---- what is shown ------------------------------------------------------- */

static void
show_empty (BearerWindow *self)
{
  g_clear_object (&self->selected);
  g_clear_pointer (&self->title_binding, g_binding_unbind);
  adw_window_title_set_title (self->content_title, "");
  gtk_stack_set_visible_child_name (self->stack, "empty");
  adw_leaflet_set_visible_child (self->leaflet, self->content);
}

void
bearer_window_show_connection (BearerWindow     *self,
                               BearerConnection *connection)
{
  if (connection != self->selected)
    {
      BearerProfilePage *page = bearer_window_find_page (self, connection);

      g_set_object (&self->selected, connection);
      g_settings_set_string (self->settings, "last-profile", bearer_connection_get_id (connection));
      g_clear_pointer (&self->title_binding, g_binding_unbind);
      self->title_binding = g_object_bind_property (bearer_connection_get_profile (connection), "name",
                                                    self->content_title, "title", G_BINDING_SYNC_CREATE);
      /* Until a frame with the connections is drawn, the page waits
       * (after_paint_cb makes it): the sidebar shows first. */
      if (page == NULL && !self->connections_drawn)
        gtk_stack_set_visible_child_name (self->stack, "loading");
      else
        {
          g_clear_handle_id (&self->page_id, g_source_remove);
          if (page == NULL)
            page = ensure_page (self, connection);
          gtk_stack_set_visible_child (self->stack, GTK_WIDGET (page));
        }
    }

  select_in_sidebar (self, connection);
}

static void
select_nearby (BearerWindow *self,
               guint         index)
{
  GListModel *model = G_LIST_MODEL (self->connections);
  guint n = g_list_model_get_n_items (model);
  g_autoptr(BearerConnection) connection = NULL;

  if (n == 0)
    {
      show_empty (self);
      return;
    }
  connection = g_list_model_get_item (model, MIN (index, n - 1));
  bearer_window_show_connection (self, connection);
}

/* A row chosen with the pointer or the keyboard. */
static void
selection_changed_cb (BearerWindow *self)
{
  BearerConnection *connection = gtk_single_selection_get_selected_item (self->selection);

  /* NULL when the selected connection went: items-changed moves on. */
  if (connection != NULL)
    bearer_window_show_connection (self, connection);
}

/* Enter on a row, or a double click. */
static void
row_activated_cb (BearerWindow *self,
                  guint         position)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

/* A click on a row opens its page when the leaflet is folded, as a list
 * box's activation did (its list item selects it right after: this runs
 * in the capture phase, before the list item claims the click). A click
 * on the row's menu button ends here with no release: the button takes
 * it. */
static void
sidebar_clicked_cb (GtkGestureClick *gesture,
                    int              n_press,
                    double           x,
                    double           y,
                    BearerWindow    *self)
{
  GtkWidget *list = GTK_WIDGET (self->list_view);
  GtkWidget *widget = gtk_widget_pick (list, x, y, GTK_PICK_DEFAULT);

  while (widget != NULL && widget != list && gtk_widget_get_parent (widget) != list)
    widget = gtk_widget_get_parent (widget);
  if (n_press == 1 && widget != NULL && widget != list)
    adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
back_clicked_cb (BearerWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

/* After the selection's own handler. The list's changes are exact, so the
 * selection follows the connection shown. */
static void
items_changed_cb (BearerWindow *self,
                  guint         position,
                  guint         removed,
                  guint         added)
{
  gtk_stack_set_visible_child_name (self->sidebar_stack,
                                    g_list_model_get_n_items (G_LIST_MODEL (self->connections)) > 0
                                    ? "list" : "placeholder");
  if (removed > 0)
    remove_gone_pages (self);
  if (!self->loaded)
    {
      /* The profiles are read, and the first load brings them all in one
       * change: show them now, in the next frame (the keyring, read next,
       * may be slow or never answer; the rows and the page follow the
       * connections' states when it does). */
      if (bearer_connection_list_get_loaded (self->connections))
        bearer_window_connections_loaded (self);
      return;
    }

  if (self->selected == NULL)
    {
      if (added > 0)
        select_nearby (self, 0);
    }
  else if (bearer_connection_list_get_index (self->connections, self->selected) == G_MAXUINT)
    {
      /* The connection shown is gone: the one that took its place. */
      g_clear_object (&self->selected);
      select_nearby (self, position);
    }
  else
    bearer_window_show_connection (self, self->selected);
}

/**
 * bearer_window_connections_loaded:
 *
 * Called once the connections have been read: shows the last connection,
 * the first one, or the empty state. The window calls it itself as soon as
 * the list has read the profiles (before the keyring answers).
 */
void
bearer_window_connections_loaded (BearerWindow *self)
{
  g_autofree char *last = NULL;
  BearerConnection *connection;

  g_return_if_fail (BEARER_IS_WINDOW (self));

  if (self->loaded)
    return;
  self->loaded = TRUE;
  last = g_settings_get_string (self->settings, "last-profile");
  connection = bearer_connection_list_find (self->connections, last);
  if (connection != NULL)
    bearer_window_show_connection (self, connection);
  else
    select_nearby (self, 0);
}

/**
 * bearer_window_show_connection_id:
 *
 * Shows the connection with this id, if there is one.
 */
void
bearer_window_show_connection_id (BearerWindow *self,
                                  const char   *id)
{
  BearerConnection *connection;

  g_return_if_fail (BEARER_IS_WINDOW (self));

  if ((connection = bearer_connection_list_find (self->connections, id)) != NULL)
    {
      bearer_window_show_connection (self, connection);
      adw_leaflet_set_visible_child (self->leaflet, self->content);
    }
}

/**
 * bearer_window_get_visible_page:
 *
 * Returns: (transfer none) (nullable): the connection's page on show
 */
BearerProfilePage *
bearer_window_get_visible_page (BearerWindow *self)
{
  g_return_val_if_fail (BEARER_IS_WINDOW (self), NULL);
  return visible_page (self);
}

/* ---- the window ---------------------------------------------------------- */

/* Makes the page held back for the first frame with the connections, and
 * tells, with G_MESSAGES_DEBUG=Bearer-GUI, when the first frame was drawn,
 * the first frame that shows the connections, and the first that shows the
 * page of the one selected (or the empty state), on the monotonic clock, so
 * a script can time launch-to-first-frame (bench/window-scale.sh). */
static void
after_paint_cb (GdkFrameClock *clock,
                BearerWindow  *self)
{
  if (!self->first_frame_drawn)
    {
      self->first_frame_drawn = TRUE;
      g_debug ("First frame drawn at monotonic time %" G_GINT64_FORMAT " µs", g_get_monotonic_time ());
    }
  if (self->loaded && !self->connections_drawn)
    {
      self->connections_drawn = TRUE;
      g_debug ("First frame with %u connections drawn at monotonic time %" G_GINT64_FORMAT " µs",
               g_list_model_get_n_items (G_LIST_MODEL (self->connections)), g_get_monotonic_time ());
      /* Once this frame is out (GDK draws at G_PRIORITY_HIGH_IDLE + 20),
       * before anything else waits for the main loop. */
      if (self->selected != NULL && bearer_window_find_page (self, self->selected) == NULL)
        self->page_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE + 30, make_held_page_cb, self, NULL);
    }
  if (self->connections_drawn && !self->page_drawn &&
      g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "loading") != 0)
    {
      self->page_drawn = TRUE;
      g_debug ("First frame with the page shown drawn at monotonic time %" G_GINT64_FORMAT " µs",
               g_get_monotonic_time ());
      if (gtk_slice_list_model_get_size (self->rows) != G_MAXUINT && self->rows_id == 0)
        self->rows_id = g_idle_add (grow_rows_cb, self);
      g_signal_handlers_disconnect_by_func (clock, after_paint_cb, self);
    }
}

static void
bearer_window_realize (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (bearer_window_parent_class)->realize (widget);

  g_signal_connect_object (gtk_widget_get_frame_clock (widget), "after-paint",
                           G_CALLBACK (after_paint_cb), widget, 0);
}

static gboolean
bearer_window_close_request (GtkWindow *window)
{
  BearerWindow *self = BEARER_WINDOW (window);
  GListModel *model = G_LIST_MODEL (self->connections);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  /* What was typed in the last moments is written now, not after the
   * pause: each write holds the application until it is done. */
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(BearerConnection) connection = g_list_model_get_item (model, i);

      if (!bearer_connection_get_saved (connection))
        bearer_connection_save_now (connection);
    }

  return GTK_WINDOW_CLASS (bearer_window_parent_class)->close_request (window);
}

static void
bearer_window_constructed (GObject *object)
{
  BearerWindow *self = BEARER_WINDOW (object);

  G_OBJECT_CLASS (bearer_window_parent_class)->constructed (object);

  g_assert (self->connections != NULL);
  /* Nothing is selected until the connections are read; the window picks
   * the one to show, and its neighbour when it goes. */
  self->rows = gtk_slice_list_model_new (g_object_ref (G_LIST_MODEL (self->connections)), 0,
                                         rows_to_show_first (self));
  self->selection = gtk_single_selection_new (NULL);
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_model (self->selection, G_LIST_MODEL (self->rows));
  g_signal_connect_object (self->selection, "notify::selected-item", G_CALLBACK (selection_changed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  /* After the selection's own handler. */
  g_signal_connect_object (self->connections, "items-changed", G_CALLBACK (items_changed_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  if (g_list_model_get_n_items (G_LIST_MODEL (self->connections)) > 0)
    gtk_stack_set_visible_child_name (self->sidebar_stack, "list");
  if (bearer_connection_list_get_loaded (self->connections))
    bearer_window_connections_loaded (self);
}

static void
bearer_window_dispose (GObject *object)
{
  BearerWindow *self = BEARER_WINDOW (object);

  g_clear_handle_id (&self->page_id, g_source_remove);
  g_clear_handle_id (&self->rows_id, g_source_remove);
  g_clear_pointer (&self->title_binding, g_binding_unbind);
  if (self->list_view != NULL)
    gtk_list_view_set_model (self->list_view, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), BEARER_TYPE_WINDOW);
  g_clear_object (&self->selection);
  g_clear_object (&self->rows);
  g_clear_object (&self->selected);

  G_OBJECT_CLASS (bearer_window_parent_class)->dispose (object);
}

static void
bearer_window_finalize (GObject *object)
{
  BearerWindow *self = BEARER_WINDOW (object);

  g_clear_object (&self->connections);
  g_clear_object (&self->clock);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (bearer_window_parent_class)->finalize (object);
}

static void
bearer_window_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_CONNECTIONS:
      g_value_set_object (value, BEARER_WINDOW (object)->connections);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bearer_window_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_CONNECTIONS:
      BEARER_WINDOW (object)->connections = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bearer_window_class_init (BearerWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = bearer_window_constructed;
  object_class->dispose = bearer_window_dispose;
  object_class->finalize = bearer_window_finalize;
  object_class->get_property = bearer_window_get_property;
  object_class->set_property = bearer_window_set_property;
  window_class->close_request = bearer_window_close_request;
  widget_class->realize = bearer_window_realize;

  properties[PROP_CONNECTIONS] =
    g_param_spec_object ("connections", NULL, NULL, BEARER_TYPE_CONNECTION_LIST,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "bearer-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BearerWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, BearerWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, BearerWindow, content);
  gtk_widget_class_bind_template_child (widget_class, BearerWindow, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, BearerWindow, list_view);
  gtk_widget_class_bind_template_child (widget_class, BearerWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, BearerWindow, stack);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);

  bearer_window_class_init_actions (widget_class);
}

static void
bearer_window_init (BearerWindow *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->clock = bearer_clock_new ();
  self->settings = g_settings_new (BASE_APPLICATION_ID);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);

  click = gtk_gesture_click_new ();
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  g_signal_connect (click, "released", G_CALLBACK (sidebar_clicked_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->list_view), GTK_EVENT_CONTROLLER (click));

  if (g_strcmp0 (PROFILE, "development") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

BearerWindow *
bearer_window_new (BearerApplication    *application,
                   BearerConnectionList *connections)
{
  return g_object_new (BEARER_TYPE_WINDOW,
                       "application", application,
                       "connections", connections,
                       NULL);
}
