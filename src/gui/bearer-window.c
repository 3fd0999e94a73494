/* bearer-window.c: the main window
 *
 * A leaflet: the connections (the store, bound to a list box) beside the
 * selected connection's page, folding to one pane with a back button when
 * narrow. With no connection, an empty state says what Bearer does.
 *
 * A page is made the first time its connection is shown and kept while the
 * window lives, so its edits keep being saved and its token keeps being
 * refreshed when another connection is shown.
 *
 * The store rebuilds its list after every save (items-changed for all
 * rows), so rows are cheap and their token state comes from a cache here;
 * the selection is restored by id.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "bearer-error.h"
#include "bearer-new-connection-dialog.h"
#include "bearer-profile-page.h"
#include "bearer-profile-row.h"
#include "bearer-refresh.h"
#include "bearer-window.h"

struct _BearerWindow
{
  AdwApplicationWindow parent_instance;

  AdwToastOverlay *toast_overlay;
  AdwLeaflet *leaflet;
  GtkWidget *content;
  GtkListBox *list_box;
  AdwWindowTitle *content_title;
  GtkStack *stack;

  BearerProfileStore *store;
  GSettings *settings;
  GHashTable *token_states;     /* profile id → BearerSecrets without secrets */
  GHashTable *lookups;          /* profile ids whose keyring state is being read */
  GHashTable *background;       /* profile id → source id of its next background refresh */
  GCancellable *cancellable;
  GBinding *title_binding;
  char *selected_id;
  gboolean loaded;
  gboolean reselecting;
};

G_DEFINE_FINAL_TYPE (BearerWindow, bearer_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_STORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
toast (BearerWindow *self,
       const char   *title)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (title));
}

/* ---- token state for the rows -------------------------------------------- */

/* What a row needs to know, and nothing secret. */
static BearerSecrets *
token_state_from (const BearerSecrets *secrets)
{
  BearerSecrets *state = bearer_secrets_new ();

  if (bearer_secrets_get_access_token (secrets) != NULL)
    bearer_secrets_set_access_token (state, "-", NULL, bearer_secrets_get_expires_at (secrets), NULL);
  bearer_secrets_set_needs_sign_in (state, bearer_secrets_get_needs_sign_in (secrets));
  return state;
}

static BearerProfileRow *
find_row (BearerWindow *self,
          const char   *id,
          int          *index)
{
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (self->list_box, i)) != NULL; i++)
    if (g_strcmp0 (bearer_profile_get_id (bearer_profile_row_get_profile (BEARER_PROFILE_ROW (row))),
                   id) == 0)
      {
        if (index != NULL)
          *index = i;
        return BEARER_PROFILE_ROW (row);
      }
  return NULL;
}

/* ---- background refresh --------------------------------------------------
 *
 * A connection whose page is open refreshes itself (BearerProfilePage). The
 * others are kept alive here while the window is open: a token that is
 * still valid, of a connection with auto-refresh on, is refreshed shortly
 * before it expires, through the core's refresh transaction (so a
 * bearer-cli at the same time is safe). An expired token is left alone
 * until asked for: opening Bearer never sends a burst of requests.
 */

/* Never sooner than this after a token was seen; retried this much later
 * after a failure that is not a refused refresh token. */
#define BACKGROUND_MIN_DELAY 10
#define BACKGROUND_RETRY_DELAY 300
#define BACKGROUND_MAX_DELAY (24 * 3600)

static void set_token_state (BearerWindow        *self,
                             const char          *id,
                             const BearerSecrets *secrets);
static BearerProfilePage *find_page (BearerWindow *self,
                                     const char   *id);

typedef struct {
  BearerWindow *self;
  char *id;
} Background;

static void
background_free (gpointer data)
{
  Background *bg = data;

  g_free (bg->id);
  g_free (bg);
}

static Background *
background_new (BearerWindow *self,
                const char   *id)
{
  Background *bg = g_new0 (Background, 1);

  bg->self = self;
  bg->id = g_strdup (id);
  return bg;
}

static void
cancel_background_refresh (BearerWindow *self,
                           const char   *id)
{
  gpointer key, source_id;

  if (g_hash_table_steal_extended (self->background, id, &key, &source_id))
    {
      g_source_remove (GPOINTER_TO_UINT (source_id));
      g_free (key);
    }
}

static void arm_background_refresh (BearerWindow *self,
                                    const char   *id,
                                    gint64        delay);

/* A background refresh in flight: the window may close meanwhile, and the
 * refresh goes on until its answer is stored (the core does not drop a
 * rotated refresh token), so it holds the window and the application. */
typedef struct {
  BearerWindow *self;
  char *id;
  GApplication *application;
} InFlight;

static InFlight *
in_flight_new (BearerWindow *self,
               const char   *id)
{
  InFlight *f = g_new0 (InFlight, 1);

  f->self = g_object_ref (self);
  f->id = g_strdup (id);
  if ((f->application = g_application_get_default ()) != NULL)
    {
      g_object_ref (f->application);
      g_application_hold (f->application);
    }
  return f;
}

static void
in_flight_free (InFlight *f)
{
  g_object_unref (f->self);
  g_free (f->id);
  if (f->application != NULL)
    {
      g_application_release (f->application);
      g_object_unref (f->application);
    }
  g_free (f);
}

static void
background_refreshed_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  InFlight *bg = user_data;
  g_autoptr(BearerRefreshResult) refresh = NULL;
  g_autoptr(GError) error = NULL;

  refresh = bearer_refresh_finish (result, &error);
  if (g_cancellable_is_cancelled (bg->self->cancellable))
    ;  /* the window is gone; the tokens are stored all the same */
  else if (refresh != NULL)
    set_token_state (bg->self, bg->id, bearer_refresh_result_get_secrets (refresh));
  else if (bearer_error_is_dead_refresh_token (error))
    {
      BearerSecrets *state = g_hash_table_lookup (bg->self->token_states, bg->id);
      g_autoptr(BearerSecrets) dead = state != NULL ? bearer_secrets_copy (state) : bearer_secrets_new ();

      /* The row says "Sign in again"; nothing is scheduled any more. */
      bearer_secrets_set_needs_sign_in (dead, TRUE);
      set_token_state (bg->self, bg->id, dead);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_debug ("Background refresh failed, tried again in %d s: %s",
               BACKGROUND_RETRY_DELAY, error->message);
      arm_background_refresh (bg->self, bg->id, BACKGROUND_RETRY_DELAY);
    }

  in_flight_free (bg);
}

static gboolean
background_due_cb (gpointer user_data)
{
  Background *bg = user_data;
  BearerWindow *self = bg->self;
  BearerProfile *profile = bearer_profile_store_find (self->store, bg->id);

  g_hash_table_remove (self->background, bg->id);

  /* Due when about the margin is left: ask for a little more than the
   * margin, so the transaction does not find the token "still valid". Not
   * forced: if another process refreshed meanwhile, its token is used. */
  if (profile != NULL && bearer_profile_get_auto_refresh (profile) && find_page (self, bg->id) == NULL)
    bearer_refresh_async (profile, BEARER_REFRESH_NONE,
                          bearer_profile_get_refresh_margin (profile) + BACKGROUND_MIN_DELAY,
                          self->cancellable, background_refreshed_cb, in_flight_new (self, bg->id));

  return G_SOURCE_REMOVE;
}

static void
arm_background_refresh (BearerWindow *self,
                        const char   *id,
                        gint64        delay)
{
  guint source_id;

  cancel_background_refresh (self, id);
  source_id = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT,
                                          (guint) CLAMP (delay, BACKGROUND_MIN_DELAY, BACKGROUND_MAX_DELAY),
                                          background_due_cb, background_new (self, id), background_free);
  g_source_set_name_by_id (source_id, "[bearer] background refresh");
  g_hash_table_insert (self->background, g_strdup (id), GUINT_TO_POINTER (source_id));
}

static void
schedule_background_refresh (BearerWindow *self,
                             const char   *id)
{
  BearerSecrets *state = g_hash_table_lookup (self->token_states, id);
  BearerProfile *profile = bearer_profile_store_find (self->store, id);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 expires_at, due;

  cancel_background_refresh (self, id);

  if (state == NULL || profile == NULL || !bearer_profile_get_auto_refresh (profile) ||
      find_page (self, id) != NULL || bearer_secrets_get_needs_sign_in (state) ||
      bearer_secrets_get_access_token (state) == NULL)
    return;

  expires_at = bearer_secrets_get_expires_at (state);
  if (expires_at == 0 || expires_at <= now)
    return;

  due = expires_at - bearer_profile_get_refresh_margin (profile);
  /* A token that lives less than the margin: halfway through its life. */
  if (due - now < BACKGROUND_MIN_DELAY)
    due = now + MAX (BACKGROUND_MIN_DELAY, (expires_at - now) / 2);
  arm_background_refresh (self, id, due - now);
}

static void
set_token_state (BearerWindow        *self,
                 const char          *id,
                 const BearerSecrets *secrets)
{
  BearerProfileRow *row;

  g_hash_table_replace (self->token_states, g_strdup (id), token_state_from (secrets));
  if ((row = find_row (self, id, NULL)) != NULL)
    bearer_profile_row_set_secrets (row, g_hash_table_lookup (self->token_states, id));
  schedule_background_refresh (self, id);
}

typedef struct {
  BearerWindow *self;
  char *id;
} Lookup;

static void
token_state_read_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  Lookup *lookup = user_data;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(GError) error = NULL;

  secrets = bearer_secrets_lookup_finish (result, &error);
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_hash_table_remove (lookup->self->lookups, lookup->id);
      if (secrets != NULL)
        set_token_state (lookup->self, lookup->id, secrets);
    }
  g_free (lookup->id);
  g_free (lookup);
}

static GtkWidget *
create_row_cb (gpointer item,
               gpointer user_data)
{
  BearerWindow *self = user_data;
  BearerProfile *profile = item;
  const char *id = bearer_profile_get_id (profile);
  GtkWidget *row = bearer_profile_row_new (profile);
  BearerSecrets *state = g_hash_table_lookup (self->token_states, id);

  if (state != NULL)
    bearer_profile_row_set_secrets (BEARER_PROFILE_ROW (row), state);
  else if (!g_hash_table_contains (self->lookups, id))
    {
      Lookup *lookup = g_new0 (Lookup, 1);

      lookup->self = self;
      lookup->id = g_strdup (id);
      g_hash_table_add (self->lookups, g_strdup (id));
      bearer_secrets_lookup_async (id, self->cancellable, token_state_read_cb, lookup);
    }
  return row;
}

/* ---- showing a connection ------------------------------------------------ */

static BearerProfilePage *
find_page (BearerWindow *self,
           const char   *id)
{
  GtkWidget *page = gtk_stack_get_child_by_name (self->stack, id);

  return page != NULL ? BEARER_PROFILE_PAGE (page) : NULL;
}

static void
page_token_changed_cb (BearerProfilePage   *page,
                       const BearerSecrets *secrets,
                       BearerWindow        *self)
{
  set_token_state (self, bearer_profile_get_id (bearer_profile_page_get_profile (page)), secrets);
}

static BearerProfilePage *
ensure_page (BearerWindow  *self,
             BearerProfile *profile)
{
  const char *id = bearer_profile_get_id (profile);
  BearerProfilePage *page = find_page (self, id);

  if (page == NULL)
    {
      page = BEARER_PROFILE_PAGE (bearer_profile_page_new (self->store, profile));
      g_signal_connect_object (page, "token-changed", G_CALLBACK (page_token_changed_cb), self, 0);
      gtk_stack_add_named (self->stack, GTK_WIDGET (page), id);
      /* The page refreshes its connection from now on. */
      cancel_background_refresh (self, id);
    }
  return page;
}

static BearerProfilePage *
visible_page (BearerWindow *self)
{
  GtkWidget *child = gtk_stack_get_visible_child (self->stack);

  return BEARER_IS_PROFILE_PAGE (child) ? BEARER_PROFILE_PAGE (child) : NULL;
}

static void
show_empty (BearerWindow *self)
{
  g_clear_pointer (&self->selected_id, g_free);
  g_clear_pointer (&self->title_binding, g_binding_unbind);
  adw_window_title_set_title (self->content_title, "");
  gtk_stack_set_visible_child_name (self->stack, "empty");
  adw_leaflet_set_visible_child (self->leaflet, self->content);
}

static void
select_row (BearerWindow *self,
            GtkListBoxRow *row)
{
  self->reselecting = TRUE;
  gtk_list_box_select_row (self->list_box, row);
  self->reselecting = FALSE;
}

static void
show_profile (BearerWindow  *self,
              BearerProfile *profile)
{
  BearerProfilePage *page = ensure_page (self, profile);
  BearerProfileRow *row;

  g_free (self->selected_id);
  self->selected_id = g_strdup (bearer_profile_get_id (profile));
  g_settings_set_string (self->settings, "last-profile", self->selected_id);

  g_clear_pointer (&self->title_binding, g_binding_unbind);
  self->title_binding = g_object_bind_property (bearer_profile_editor_get_draft (bearer_profile_page_get_editor (page)),
                                                "name", self->content_title, "title",
                                                G_BINDING_SYNC_CREATE);
  gtk_stack_set_visible_child (self->stack, GTK_WIDGET (page));

  if ((row = find_row (self, self->selected_id, NULL)) != NULL &&
      gtk_list_box_get_selected_row (self->list_box) != GTK_LIST_BOX_ROW (row))
    select_row (self, GTK_LIST_BOX_ROW (row));
}

static void
row_selected_cb (BearerWindow  *self,
                 GtkListBoxRow *row)
{
  /* NULL while the store rebuilds the list; the selection is restored. */
  if (self->reselecting || row == NULL)
    return;
  show_profile (self, bearer_profile_row_get_profile (BEARER_PROFILE_ROW (row)));
}

static void
row_activated_cb (BearerWindow  *self,
                  GtkListBoxRow *row)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_FORWARD);
}

static void
back_clicked_cb (BearerWindow *self)
{
  adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

static void
select_nearby (BearerWindow *self,
               int           index)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  g_autoptr(BearerProfile) profile = NULL;

  if (n == 0)
    {
      show_empty (self);
      return;
    }
  profile = g_list_model_get_item (G_LIST_MODEL (self->store), MIN ((guint) MAX (index, 0), n - 1));
  show_profile (self, profile);
}

static void
items_changed_cb (BearerWindow *self)
{
  BearerProfileRow *row;

  if (!self->loaded)
    return;

  if (self->selected_id == NULL)
    {
      if (g_list_model_get_n_items (G_LIST_MODEL (self->store)) > 0 &&
          g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "empty") == 0)
        select_nearby (self, 0);
      return;
    }

  row = find_row (self, self->selected_id, NULL);
  if (row != NULL)
    select_row (self, GTK_LIST_BOX_ROW (row));
  else
    select_nearby (self, 0);
}

/**
 * bearer_window_store_loaded:
 *
 * Called once the store has been read: shows the last connection, the first
 * one, or the empty state.
 */
void
bearer_window_store_loaded (BearerWindow *self)
{
  g_autofree char *last = NULL;
  BearerProfile *profile;

  g_return_if_fail (BEARER_IS_WINDOW (self));

  self->loaded = TRUE;
  last = g_settings_get_string (self->settings, "last-profile");
  profile = bearer_profile_store_find (self->store, last);
  if (profile != NULL)
    show_profile (self, profile);
  else
    select_nearby (self, 0);
}

/**
 * bearer_window_show_profile_id:
 *
 * Shows the connection with this id, if there is one.
 */
void
bearer_window_show_profile_id (BearerWindow *self,
                               const char   *id)
{
  BearerProfile *profile;

  g_return_if_fail (BEARER_IS_WINDOW (self));

  if ((profile = bearer_profile_store_find (self->store, id)) != NULL)
    {
      show_profile (self, profile);
      adw_leaflet_set_visible_child (self->leaflet, self->content);
    }
}

/* ---- adding a connection ------------------------------------------------- */

static void
profile_added_cb (BearerWindow *self,
                  const char   *id)
{
  BearerProfilePage *page;

  bearer_window_show_profile_id (self, id);
  if ((page = visible_page (self)) != NULL)
    bearer_profile_page_focus_first_empty (page);
}

void
bearer_window_new_connection (BearerWindow *self)
{
  BearerNewConnectionDialog *dialog;

  g_return_if_fail (BEARER_IS_WINDOW (self));

  dialog = bearer_new_connection_dialog_new (GTK_WINDOW (self), self->store);
  g_signal_connect_object (dialog, "profile-added", G_CALLBACK (profile_added_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- duplicate ----------------------------------------------------------- */

typedef struct {
  BearerWindow *self;
  char *source_id;
  BearerProfile *copy;
} Duplicate;

static void
duplicate_free (Duplicate *d)
{
  g_object_unref (d->self);
  g_free (d->source_id);
  g_object_unref (d->copy);
  g_free (d);
}

static void
duplicate_secrets_stored_cb (GObject      *source,
                             GAsyncResult *result,
                             gpointer      user_data)
{
  Duplicate *d = user_data;
  g_autoptr(GError) error = NULL;

  if (!bearer_secrets_store_finish (result, &error))
    toast (d->self, _("The copy has no client secret: the keyring refused it"));
  duplicate_free (d);
}

static void
duplicate_secrets_read_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  Duplicate *d = user_data;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(BearerSecrets) copied = NULL;

  secrets = bearer_secrets_lookup_finish (result, NULL);
  if (secrets == NULL || (bearer_secrets_get_client_secret (secrets) == NULL &&
                          bearer_secrets_get_password (secrets) == NULL))
    {
      duplicate_free (d);
      return;
    }

  /* The client secret and password, never the refresh token: two profiles
   * spending one rotating refresh token would revoke each other. */
  copied = bearer_secrets_new ();
  bearer_secrets_set_client_secret (copied, bearer_secrets_get_client_secret (secrets));
  bearer_secrets_set_password (copied, bearer_secrets_get_password (secrets));
  bearer_secrets_store_async (bearer_profile_get_id (d->copy), bearer_profile_get_name (d->copy),
                              copied, NULL, duplicate_secrets_stored_cb, d);
}

static void
duplicate_saved_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Duplicate *d = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (!bearer_profile_store_add_profile_finish (BEARER_PROFILE_STORE (source), result, &error))
    {
      toast (d->self, error->message);
      duplicate_free (d);
      return;
    }

  bearer_window_show_profile_id (d->self, bearer_profile_get_id (d->copy));
  /* Translators: %s is the new connection's name */
  message = g_strdup_printf (_("Duplicated as “%s”; paste its refresh token"),
                             bearer_profile_get_name (d->copy));
  toast (d->self, message);
  bearer_secrets_lookup_async (d->source_id, NULL, duplicate_secrets_read_cb, d);
}

static char *
unique_name (BearerWindow *self,
             const char   *base)
{
  /* Translators: the name of a copy of the connection called %s */
  char *name = g_strdup_printf (_("%s (copy)"), base);

  for (guint n = 2; bearer_profile_store_find (self->store, name) != NULL; n++)
    {
      g_free (name);
      /* Translators: the name of the n-th copy of the connection called %s */
      name = g_strdup_printf (_("%s (copy %u)"), base, n);
    }
  return name;
}

static void
duplicate_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  BearerWindow *self = BEARER_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  BearerProfile *profile = bearer_profile_store_find (self->store, id);
  BearerProfilePage *page = find_page (self, id);
  g_autofree char *name = NULL;
  Duplicate *d;

  if (profile == NULL)
    return;
  /* The form's latest settings, saved or not. */
  if (page != NULL)
    profile = bearer_profile_editor_get_draft (bearer_profile_page_get_editor (page));

  name = unique_name (self, bearer_profile_get_name (profile));
  d = g_new0 (Duplicate, 1);
  d->self = g_object_ref (self);
  d->source_id = g_strdup (id);
  d->copy = bearer_profile_duplicate (profile, name);
  bearer_profile_store_add_profile_async (self->store, d->copy, NULL, duplicate_saved_cb, d);
}

/* ---- rename -------------------------------------------------------------- */

static void
rename_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    BearerWindow     *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  const char *id = g_object_get_data (G_OBJECT (dialog), "bearer-profile-id");
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (entry)));
  BearerProfile *profile = bearer_profile_store_find (self->store, id);

  if (g_strcmp0 (response, "rename") != 0 || *name == '\0' || profile == NULL)
    return;

  /* Through the page, so the form and its saving stay the one truth. */
  bearer_profile_page_set_name (ensure_page (self, profile), name);
}

static void
rename_entry_changed_cb (GtkEditable      *entry,
                         AdwMessageDialog *dialog)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (entry)));

  adw_message_dialog_set_response_enabled (dialog, "rename", *name != '\0');
}

static void
rename_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  BearerWindow *self = BEARER_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  BearerProfile *profile = bearer_profile_store_find (self->store, id);
  BearerProfilePage *page = find_page (self, id);
  GtkWidget *dialog, *entry;

  if (profile == NULL)
    return;
  if (page != NULL)
    profile = bearer_profile_editor_get_draft (bearer_profile_page_get_editor (page));

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Rename Connection"), NULL);
  entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (entry), bearer_profile_get_name (profile));
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
  g_object_set_data_full (G_OBJECT (dialog), "bearer-profile-id", g_strdup (id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (rename_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (entry);
}

/* ---- delete -------------------------------------------------------------- */

typedef struct {
  BearerWindow *self;
  char *id;
  char *name;
} Delete;

static void
delete_free (Delete *d)
{
  g_object_unref (d->self);
  g_free (d->id);
  g_free (d->name);
  g_free (d);
}

static void
remove_page (BearerWindow *self,
             const char   *id)
{
  BearerProfilePage *page = find_page (self, id);

  if (page != NULL)
    gtk_stack_remove (self->stack, GTK_WIDGET (page));
}

static void
profile_removed_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Delete *d = user_data;
  BearerWindow *self = d->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (!bearer_profile_remove_finish (result, &error))
    {
      /* Nothing (or only the secrets) went: the profile stays, and a new
       * page shows it. */
      message = g_strdup_printf (_("Could not delete “%s”: %s"), d->name, error->message);
      remove_page (self, d->id);
      if (g_strcmp0 (self->selected_id, d->id) == 0)
        bearer_window_show_profile_id (self, d->id);
      toast (self, message);
      delete_free (d);
      return;
    }

  g_hash_table_remove (self->token_states, d->id);
  remove_page (self, d->id);
  if (g_strcmp0 (self->selected_id, d->id) == 0)
    {
      g_clear_pointer (&self->selected_id, g_free);
      select_nearby (self, 0);
    }

  message = g_strdup_printf (_("Deleted “%s”"), d->name);
  toast (self, message);
  delete_free (d);
}

/* Under the profile's lock (core): a refresh in flight stores first and its
 * tokens are deleted with the rest; nothing is written back afterwards. */
static void
remove_profile (Delete *d)
{
  BearerProfile *profile = bearer_profile_store_find (d->self->store, d->id);

  if (profile == NULL)
    {
      delete_free (d);
      return;
    }
  bearer_profile_remove_async (d->self->store, profile, NULL, profile_removed_cb, d);
}

static void
editor_closed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Delete *d = user_data;

  bearer_profile_editor_close_finish (BEARER_PROFILE_EDITOR (source), result, NULL);
  remove_profile (d);
}

static void
delete_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    BearerWindow     *self)
{
  const char *id = g_object_get_data (G_OBJECT (dialog), "bearer-profile-id");
  BearerProfile *profile = bearer_profile_store_find (self->store, id);
  BearerProfilePage *page = find_page (self, id);
  Delete *d;

  if (g_strcmp0 (response, "delete") != 0 || profile == NULL)
    return;

  d = g_new0 (Delete, 1);
  d->self = g_object_ref (self);
  d->id = g_strdup (id);
  d->name = g_strdup (bearer_profile_get_name (profile));

  /* No late save may bring the profile back: stop its page's editor first. */
  if (page != NULL)
    {
      bearer_profile_page_cancel (page);
      bearer_profile_editor_close_async (bearer_profile_page_get_editor (page), editor_closed_cb, d);
    }
  else
    remove_profile (d);
}

static void
delete_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  BearerWindow *self = BEARER_WINDOW (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  BearerProfile *profile = bearer_profile_store_find (self->store, id);
  GtkWidget *dialog;

  if (profile == NULL)
    return;

  dialog = adw_message_dialog_new (GTK_WINDOW (self), NULL,
                                   _("Its settings, client secret, refresh token and access "
                                     "token are removed from this computer. The server is not "
                                     "told: revoke the tokens there if they may have leaked."));
  /* Translators: %s is a connection's name */
  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Delete “%s”?"),
                                     bearer_profile_get_name (profile));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "delete", _("_Delete"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "bearer-profile-id", g_strdup (id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- the visible page's actions ------------------------------------------ */

static void
page_action_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  BearerProfilePage *page = visible_page (BEARER_WINDOW (widget));

  if (page == NULL)
    return;
  if (g_str_equal (action_name, "token.get"))
    bearer_profile_page_get_token (page);
  else if (g_str_equal (action_name, "token.copy-header"))
    bearer_profile_page_copy_header (page);
}

/* ---- the window ---------------------------------------------------------- */

/* G_MESSAGES_DEBUG=Bearer-GUI tells when the first frame was drawn, on the
 * monotonic clock, so a script can time launch-to-first-frame. */
static void
after_paint_cb (GdkFrameClock *clock,
                BearerWindow  *self)
{
  g_debug ("First frame drawn at monotonic time %" G_GINT64_FORMAT " µs", g_get_monotonic_time ());
  g_signal_handlers_disconnect_by_func (clock, after_paint_cb, self);
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
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  return GTK_WINDOW_CLASS (bearer_window_parent_class)->close_request (window);
}

static void
bearer_window_constructed (GObject *object)
{
  BearerWindow *self = BEARER_WINDOW (object);

  G_OBJECT_CLASS (bearer_window_parent_class)->constructed (object);

  if (self->store == NULL)
    self->store = bearer_profile_store_new (NULL);
  gtk_list_box_bind_model (self->list_box, G_LIST_MODEL (self->store),
                           create_row_cb, self, NULL);
  /* After the list box's own handler: the rows exist again. */
  g_signal_connect_object (self->store, "items-changed", G_CALLBACK (items_changed_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
}

static void
bearer_window_dispose (GObject *object)
{
  BearerWindow *self = BEARER_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->background != NULL)
    {
      GHashTableIter iter;
      gpointer source_id;

      g_hash_table_iter_init (&iter, self->background);
      while (g_hash_table_iter_next (&iter, NULL, &source_id))
        g_source_remove (GPOINTER_TO_UINT (source_id));
      g_hash_table_remove_all (self->background);
    }
  g_clear_pointer (&self->title_binding, g_binding_unbind);
  if (self->list_box != NULL)
    gtk_list_box_bind_model (self->list_box, NULL, NULL, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), BEARER_TYPE_WINDOW);

  G_OBJECT_CLASS (bearer_window_parent_class)->dispose (object);
}

static void
bearer_window_finalize (GObject *object)
{
  BearerWindow *self = BEARER_WINDOW (object);

  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->token_states, g_hash_table_unref);
  g_clear_pointer (&self->lookups, g_hash_table_unref);
  g_clear_pointer (&self->background, g_hash_table_unref);
  g_free (self->selected_id);

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
    case PROP_STORE:
      g_value_set_object (value, BEARER_WINDOW (object)->store);
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
    case PROP_STORE:
      BEARER_WINDOW (object)->store = g_value_dup_object (value);
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

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, BEARER_TYPE_PROFILE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_PREFIX "bearer-window.ui");
  gtk_widget_class_bind_template_child (widget_class, BearerWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, BearerWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, BearerWindow, content);
  gtk_widget_class_bind_template_child (widget_class, BearerWindow, list_box);
  gtk_widget_class_bind_template_child (widget_class, BearerWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, BearerWindow, stack);
  gtk_widget_class_bind_template_callback (widget_class, row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);

  gtk_widget_class_install_action (widget_class, "profiles.duplicate", "s", duplicate_activated);
  gtk_widget_class_install_action (widget_class, "profiles.rename", "s", rename_activated);
  gtk_widget_class_install_action (widget_class, "profiles.delete", "s", delete_activated);
  gtk_widget_class_install_action (widget_class, "token.get", NULL, page_action_activated);
  gtk_widget_class_install_action (widget_class, "token.copy-header", NULL, page_action_activated);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "token.get", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK,
                                       "token.get", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "token.copy-header", NULL);
}

static void
bearer_window_init (BearerWindow *self)
{
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->token_states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) bearer_secrets_unref);
  self->lookups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->background = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  self->settings = g_settings_new (BASE_APPLICATION_ID);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  placeholder = gtk_label_new (_("No connections yet"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 24);
  gtk_list_box_set_placeholder (self->list_box, placeholder);

  if (g_strcmp0 (PROFILE, "development") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

BearerWindow *
bearer_window_new (BearerApplication  *application,
                   BearerProfileStore *store)
{
  return g_object_new (BEARER_TYPE_WINDOW,
                       "application", application,
                       "store", store,
                       NULL);
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
