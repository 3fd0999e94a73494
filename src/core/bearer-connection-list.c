/* bearer-connection-list.c: every connection, following profiles.json
 *
 * A GListModel of BearerConnection, one per readable profile of
 * profiles.json, in the file's order. Its items change only when a profile
 * is added or removed: an edit, a rename or a refresh changes a
 * connection's properties, not the list.
 *
 * Loading reads the file and then the keyring items of every profile in
 * one search (bearer_secrets_lookup_all_async()), so a hundred connections
 * cost one D-Bus round trip, not a hundred.
 *
 * Once watched (bearer_connection_list_watch()), it follows what other
 * processes do:
 *
 *  - profiles.json, through a GFileMonitor: a profile added, renamed,
 *    edited or removed by bearer-cli shows within a moment. A connection
 *    being edited here keeps its edit (it is written over the file's);
 *  - the profiles' lock files (bearer-profile-lock.c), through a monitor of
 *    their folder: every transaction on a profile's secrets (a refresh, a
 *    change) touches its lock file when it ends, so that is when the
 *    connection reads its keyring item again.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "bearer-connection-list.h"
#include "bearer-connection-private.h"
#include "bearer-profile-lock-private.h"
#include "bearer-profile-secrets.h"

/* Events of a file come in bursts (write, rename, close): one reload. */
#define RELOAD_DELAY_MS 100

struct _BearerConnectionList
{
  GObject parent_instance;

  BearerProfileStore *store;
  GPtrArray *connections;
  GHashTable *by_id;            /* id → BearerConnection (borrowed) */
  BearerNowFunc now_func;
  gpointer now_data;
  gboolean loaded;
  gboolean read_secrets;

  GFileMonitor *file_monitor;
  GFileMonitor *locks_monitor;
  guint reload_id;
  gboolean reloading;
  gboolean reload_again;
  GCancellable *cancellable;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BearerConnectionList, bearer_connection_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return BEARER_TYPE_CONNECTION;
}

static guint
get_n_items (GListModel *model)
{
  return BEARER_CONNECTION_LIST (model)->connections->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  BearerConnectionList *self = BEARER_CONNECTION_LIST (model);

  if (position >= self->connections->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->connections, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
bearer_connection_list_dispose (GObject *object)
{
  BearerConnectionList *self = BEARER_CONNECTION_LIST (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->reload_id, g_source_remove);
  if (self->file_monitor != NULL)
    {
      g_file_monitor_cancel (self->file_monitor);
      g_signal_handlers_disconnect_by_data (self->file_monitor, self);
      g_clear_object (&self->file_monitor);
    }
  if (self->locks_monitor != NULL)
    {
      g_file_monitor_cancel (self->locks_monitor);
      g_signal_handlers_disconnect_by_data (self->locks_monitor, self);
      g_clear_object (&self->locks_monitor);
    }

  G_OBJECT_CLASS (bearer_connection_list_parent_class)->dispose (object);
}

static void
bearer_connection_list_finalize (GObject *object)
{
  BearerConnectionList *self = BEARER_CONNECTION_LIST (object);

  g_hash_table_unref (self->by_id);
  g_ptr_array_unref (self->connections);
  g_clear_object (&self->store);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (bearer_connection_list_parent_class)->finalize (object);
}

static void
bearer_connection_list_class_init (BearerConnectionListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bearer_connection_list_dispose;
  object_class->finalize = bearer_connection_list_finalize;
}

static void
bearer_connection_list_init (BearerConnectionList *self)
{
  self->connections = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->cancellable = g_cancellable_new ();
  self->read_secrets = TRUE;
}

/**
 * bearer_connection_list_set_read_secrets:
 * @read_secrets: %FALSE to leave the keyring alone when loading
 *
 * A command that needs one profile's token reads its keyring item in its
 * refresh transaction: reading every item first would only cost time.
 */
void
bearer_connection_list_set_read_secrets (BearerConnectionList *self,
                                         gboolean              read_secrets)
{
  g_return_if_fail (BEARER_IS_CONNECTION_LIST (self));
  self->read_secrets = read_secrets;
}

/**
 * bearer_connection_list_new:
 * @store: profiles.json (not loaded yet)
 *
 * Returns: (transfer full): an empty list; load it with
 *   bearer_connection_list_load_async()
 */
BearerConnectionList *
bearer_connection_list_new (BearerProfileStore *store)
{
  BearerConnectionList *self;

  g_return_val_if_fail (BEARER_IS_PROFILE_STORE (store), NULL);

  self = g_object_new (BEARER_TYPE_CONNECTION_LIST, NULL);
  self->store = g_object_ref (store);
  return self;
}

/**
 * bearer_connection_list_get_store:
 *
 * Returns: (transfer none): the profiles file
 */
BearerProfileStore *
bearer_connection_list_get_store (BearerConnectionList *self)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION_LIST (self), NULL);
  return self->store;
}

gboolean
bearer_connection_list_get_loaded (BearerConnectionList *self)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION_LIST (self), FALSE);
  return self->loaded;
}

/* ---- following the store ------------------------------------------------- */

/* The connection's own copy of a stored profile (the id too), without a
 * trip through JSON: a thousand profiles are copied before the first frame. */
static BearerProfile *
copy_profile (BearerProfile *profile)
{
  BearerProfile *copy = g_object_new (BEARER_TYPE_PROFILE, "id", bearer_profile_get_id (profile), NULL);

  bearer_profile_update_from (copy, profile);
  return copy;
}

static BearerConnection *
connection_new (BearerConnectionList *self,
                BearerProfile        *stored)
{
  g_autoptr(BearerProfile) profile = copy_profile (stored);
  BearerConnection *connection;

  if (profile == NULL)
    return NULL;
  connection = bearer_connection_new (self->store, profile);
  if (self->now_func != NULL)
    bearer_connection_set_now_func (connection, self->now_func, self->now_data);
  return connection;
}

/* Makes the list what the store holds, with exact items-changed: removals,
 * then additions; a change of order (a hand-edited file) is one change of
 * the span that moved. Returns the connections that are new. */
static GPtrArray *
sync_from_store (BearerConnectionList *self)
{
  GListModel *store = G_LIST_MODEL (self->store);
  guint n = g_list_model_get_n_items (store);
  g_autoptr(GHashTable) wanted = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) next = g_ptr_array_new_with_free_func (g_object_unref);
  GPtrArray *added = g_ptr_array_new_with_free_func (g_object_unref);
  guint first_moved = G_MAXUINT, last_moved = 0;
  guint run_start = 0, run_added = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(BearerProfile) stored = g_list_model_get_item (store, i);
      BearerConnection *connection = g_hash_table_lookup (self->by_id, bearer_profile_get_id (stored));

      if (g_hash_table_contains (wanted, bearer_profile_get_id (stored)))
        continue;
      if (connection != NULL)
        {
          bearer_connection_take_stored_profile (connection, stored);
          g_ptr_array_add (next, g_object_ref (connection));
        }
      else if ((connection = connection_new (self, stored)) != NULL)
        {
          g_ptr_array_add (next, connection);
          g_ptr_array_add (added, g_object_ref (connection));
        }
      else
        continue;
      g_hash_table_add (wanted, (gpointer) bearer_connection_get_id (connection));
    }

  /* Removals, from the end. */
  for (guint i = self->connections->len; i > 0; i--)
    {
      BearerConnection *connection = g_ptr_array_index (self->connections, i - 1);

      if (!g_hash_table_contains (wanted, bearer_connection_get_id (connection)))
        {
          g_hash_table_remove (self->by_id, bearer_connection_get_id (connection));
          g_ptr_array_remove_index (self->connections, i - 1);
          g_list_model_items_changed (G_LIST_MODEL (self), i - 1, 1, 0);
        }
    }

  /* Additions, in order: each run of neighbours in one change (the first
   * load is one change, however many connections there are). */
  for (guint i = 0; i < next->len; i++)
    {
      BearerConnection *connection = g_ptr_array_index (next, i);
      guint at;

      if (g_hash_table_contains (self->by_id, bearer_connection_get_id (connection)))
        continue;
      at = MIN (i, self->connections->len);
      if (run_added > 0 && at != run_start + run_added)
        {
          g_list_model_items_changed (G_LIST_MODEL (self), run_start, 0, run_added);
          run_added = 0;
        }
      if (run_added == 0)
        run_start = at;
      run_added++;
      g_ptr_array_insert (self->connections, at, g_object_ref (connection));
      g_hash_table_insert (self->by_id, (gpointer) bearer_connection_get_id (connection), connection);
    }
  if (run_added > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), run_start, 0, run_added);

  /* The same set; the order may differ. */
  g_assert (self->connections->len == next->len);
  for (guint i = 0; i < next->len; i++)
    if (g_ptr_array_index (self->connections, i) != g_ptr_array_index (next, i))
      {
        first_moved = MIN (first_moved, i);
        last_moved = i;
      }
  if (first_moved != G_MAXUINT)
    {
      for (guint i = first_moved; i <= last_moved; i++)
        {
          g_object_unref (g_ptr_array_index (self->connections, i));
          self->connections->pdata[i] = g_object_ref (g_ptr_array_index (next, i));
        }
      g_list_model_items_changed (G_LIST_MODEL (self), first_moved, last_moved - first_moved + 1,
                                  last_moved - first_moved + 1);
    }

  return added;
}

/* Gives @connections what the keyring holds, in one search. */
typedef struct {
  BearerConnectionList *self;
  GPtrArray *connections;
  GTask *task;                  /* (nullable): the load to finish */
} Secrets;

static void
secrets_free (Secrets *s)
{
  g_object_unref (s->self);
  g_ptr_array_unref (s->connections);
  g_clear_object (&s->task);
  g_free (s);
}

static void
all_secrets_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Secrets *s = user_data;
  g_autoptr(GHashTable) found = NULL;
  g_autoptr(GError) error = NULL;

  found = bearer_secrets_lookup_all_finish (result, &error);
  for (guint i = 0; i < s->connections->len; i++)
    {
      BearerConnection *connection = g_ptr_array_index (s->connections, i);
      BearerSecrets *secrets;

      if (found == NULL)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            bearer_connection_set_secrets_error (connection, error);
          continue;
        }

      secrets = g_hash_table_lookup (found, bearer_connection_get_id (connection));
      if (secrets != NULL && bearer_secrets_get_repaired (secrets))
        {
          g_autoptr(GError) damaged = g_error_new_literal (BEARER_KEYRING_ERROR,
                                                           BEARER_KEYRING_ERROR_CORRUPT,
                                                           _("The keyring item of this profile is "
                                                             "not Bearer’s: store the secrets again"));
          bearer_connection_set_secrets_error (connection, damaged);
        }
      else if (secrets != NULL)
        bearer_connection_set_secrets (connection, secrets);
      else
        {
          g_autoptr(BearerSecrets) nothing = bearer_secrets_new ();

          bearer_connection_set_secrets (connection, nothing);
        }
    }

  if (s->task != NULL)
    {
      GError *load_error = g_task_get_task_data (s->task);

      if (load_error != NULL)
        g_task_return_error (s->task, g_error_copy (load_error));
      else
        g_task_return_boolean (s->task, TRUE);
    }
  secrets_free (s);
}

static void
read_secrets (BearerConnectionList *self,
              GPtrArray            *connections,
              GTask                *task)
{
  Secrets *s;

  if (connections->len == 0 || !self->read_secrets)
    {
      if (task != NULL)
        {
          GError *load_error = g_task_get_task_data (task);

          if (load_error != NULL)
            g_task_return_error (task, g_error_copy (load_error));
          else
            g_task_return_boolean (task, TRUE);
        }
      return;
    }

  s = g_new0 (Secrets, 1);
  s->self = g_object_ref (self);
  s->connections = g_ptr_array_ref (connections);
  s->task = task != NULL ? g_object_ref (task) : NULL;
  bearer_secrets_lookup_all_async (self->cancellable, all_secrets_cb, s);
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BearerConnectionList *self = g_task_get_source_object (task);
  g_autoptr(GPtrArray) added = NULL;
  GError *error = NULL;

  /* A damaged file was set aside: go on with what is left (nothing). */
  if (!bearer_profile_store_load_finish (BEARER_PROFILE_STORE (source), result, &error) &&
      !g_error_matches (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_CORRUPT))
    {
      self->reloading = FALSE;
      g_task_return_error (task, error);
      return;
    }

  /* Kept to be reported when the secrets are read. */
  if (error != NULL)
    g_task_set_task_data (task, error, (GDestroyNotify) g_error_free);
  self->loaded = TRUE;
  self->reloading = FALSE;
  added = sync_from_store (self);
  read_secrets (self, added, task);
}

/**
 * bearer_connection_list_load_async:
 *
 * Reads profiles.json and the keyring (one search for every profile), and
 * makes a connection of each profile. Loading again takes the changes.
 */
void
bearer_connection_list_load_async (BearerConnectionList *self,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data)
{
  GTask *task;

  g_return_if_fail (BEARER_IS_CONNECTION_LIST (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_connection_list_load_async);
  self->reloading = TRUE;
  bearer_profile_store_load_async (self->store, cancellable, loaded_cb, task);
}

/**
 * bearer_connection_list_load_finish:
 *
 * Returns: %TRUE, or %FALSE with the store's error. A damaged file that was
 *   set aside is reported here too (%BEARER_PROFILE_STORE_ERROR_CORRUPT),
 *   and the list is usable (empty).
 */
gboolean
bearer_connection_list_load_finish (BearerConnectionList  *self,
                                    GAsyncResult          *result,
                                    GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- watching other processes --------------------------------------------- */

static void
reloaded_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(BearerConnectionList) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!bearer_connection_list_load_finish (self, result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Reading profiles.json again failed: %s", error->message);

  if (self->reload_again && !g_cancellable_is_cancelled (self->cancellable))
    {
      self->reload_again = FALSE;
      bearer_connection_list_reload (self);
    }
}

/**
 * bearer_connection_list_reload:
 *
 * Reads profiles.json again (the monitor calls it when the file changes).
 */
void
bearer_connection_list_reload (BearerConnectionList *self)
{
  g_return_if_fail (BEARER_IS_CONNECTION_LIST (self));

  if (self->reloading)
    {
      self->reload_again = TRUE;
      return;
    }
  bearer_connection_list_load_async (self, self->cancellable, reloaded_cb, g_object_ref (self));
}

static gboolean
reload_due_cb (gpointer user_data)
{
  BearerConnectionList *self = user_data;

  self->reload_id = 0;
  bearer_connection_list_reload (self);
  return G_SOURCE_REMOVE;
}

static void
file_changed_cb (GFileMonitor         *monitor,
                 GFile                *file,
                 GFile                *other,
                 GFileMonitorEvent     event,
                 BearerConnectionList *self)
{
  switch (event)
    {
    case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
    case G_FILE_MONITOR_EVENT_CREATED:
    case G_FILE_MONITOR_EVENT_DELETED:
    case G_FILE_MONITOR_EVENT_MOVED_IN:
    case G_FILE_MONITOR_EVENT_RENAMED:
      g_clear_handle_id (&self->reload_id, g_source_remove);
      self->reload_id = g_timeout_add (RELOAD_DELAY_MS, reload_due_cb, self);
      break;
    default:
      break;
    }
}

static BearerConnection *
find_by_lock_name (BearerConnectionList *self,
                   const char           *name)
{
  for (guint i = 0; i < self->connections->len; i++)
    {
      BearerConnection *connection = g_ptr_array_index (self->connections, i);
      g_autofree char *lock = bearer_profile_file_name (bearer_connection_get_id (connection), ".lock");

      if (g_str_equal (lock, name))
        return connection;
    }
  return NULL;
}

static void
lock_changed_cb (GFileMonitor         *monitor,
                 GFile                *file,
                 GFile                *other,
                 GFileMonitorEvent     event,
                 BearerConnectionList *self)
{
  g_autofree char *name = NULL;
  BearerConnection *connection;

  /* A transaction on a profile's secrets creates its lock file the first
   * time, and touches it when it ends. */
  if (event != G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT && event != G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED)
    return;

  name = g_file_get_basename (file);
  connection = find_by_lock_name (self, name);
  /* A refresh of this process brings its own result. */
  if (connection != NULL && bearer_connection_get_state (connection) != BEARER_TOKEN_STATE_REFRESHING)
    bearer_connection_reload_secrets (connection);
}

/**
 * bearer_connection_list_watch:
 *
 * Follows what other processes do to the profiles and their secrets (see
 * the top of this file). Idempotent.
 */
void
bearer_connection_list_watch (BearerConnectionList *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) locks = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *any_lock = NULL;
  g_autofree char *locks_dir = NULL;

  g_return_if_fail (BEARER_IS_CONNECTION_LIST (self));

  if (self->file_monitor == NULL)
    {
      g_autofree char *folder = g_path_get_dirname (bearer_profile_store_get_path (self->store));

      /* A file in a folder that does not exist yet is only polled, every
       * few seconds: the folder is made first (as the store would). */
      g_mkdir_with_parents (folder, 0700);
      file = g_file_new_for_path (bearer_profile_store_get_path (self->store));
      self->file_monitor = g_file_monitor_file (file, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
      if (self->file_monitor == NULL)
        g_debug ("Cannot watch %s: %s", bearer_profile_store_get_path (self->store), error->message);
      else
        g_signal_connect (self->file_monitor, "changed", G_CALLBACK (file_changed_cb), self);
      g_clear_error (&error);
    }

  if (self->locks_monitor == NULL)
    {
      any_lock = bearer_profile_lock_path ("any");
      locks_dir = g_path_get_dirname (any_lock);
      g_mkdir_with_parents (locks_dir, 0700);
      locks = g_file_new_for_path (locks_dir);
      self->locks_monitor = g_file_monitor_directory (locks, G_FILE_MONITOR_NONE, NULL, &error);
      if (self->locks_monitor == NULL)
        g_debug ("Cannot watch %s: %s", locks_dir, error->message);
      else
        g_signal_connect (self->locks_monitor, "changed", G_CALLBACK (lock_changed_cb), self);
    }
}

/* ---- finding --------------------------------------------------------------- */

/**
 * bearer_connection_list_find:
 * @id_or_name: a profile's id, or its name
 *
 * Returns: (transfer none) (nullable): the connection
 */
BearerConnection *
bearer_connection_list_find (BearerConnectionList *self,
                             const char           *id_or_name)
{
  BearerConnection *connection;

  g_return_val_if_fail (BEARER_IS_CONNECTION_LIST (self), NULL);

  if (id_or_name == NULL)
    return NULL;
  if ((connection = g_hash_table_lookup (self->by_id, id_or_name)) != NULL)
    return connection;
  for (guint i = 0; i < self->connections->len; i++)
    {
      connection = g_ptr_array_index (self->connections, i);
      if (g_strcmp0 (bearer_profile_get_name (bearer_connection_get_profile (connection)), id_or_name) == 0)
        return connection;
    }
  return NULL;
}

/**
 * bearer_connection_list_get_index:
 *
 * Returns: the position of @connection, or %G_MAXUINT
 */
guint
bearer_connection_list_get_index (BearerConnectionList *self,
                                  BearerConnection     *connection)
{
  guint index;

  g_return_val_if_fail (BEARER_IS_CONNECTION_LIST (self), G_MAXUINT);

  return g_ptr_array_find (self->connections, connection, &index) ? index : G_MAXUINT;
}

/* ---- adding and removing ----------------------------------------------------- */

static void
added_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BearerConnectionList *self = g_task_get_source_object (task);
  BearerProfile *profile = g_task_get_task_data (task);
  g_autoptr(GPtrArray) added = NULL;
  GError *error = NULL;
  BearerConnection *connection;

  if (!bearer_profile_store_add_profile_finish (BEARER_PROFILE_STORE (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  added = sync_from_store (self);
  connection = g_hash_table_lookup (self->by_id, bearer_profile_get_id (profile));
  read_secrets (self, added, NULL);
  if (connection == NULL)
    g_task_return_new_error (task, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_NOT_FOUND,
                             "%s", _("The new profile cannot be read back"));
  else
    g_task_return_pointer (task, g_object_ref (connection), g_object_unref);
}

/**
 * bearer_connection_list_add_async:
 * @profile: a new profile
 *
 * Adds @profile to profiles.json, and its connection to the list.
 */
void
bearer_connection_list_add_async (BearerConnectionList *self,
                                  BearerProfile        *profile,
                                  GCancellable         *cancellable,
                                  GAsyncReadyCallback   callback,
                                  gpointer              user_data)
{
  GTask *task;

  g_return_if_fail (BEARER_IS_CONNECTION_LIST (self));
  g_return_if_fail (BEARER_IS_PROFILE (profile));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_connection_list_add_async);
  g_task_set_task_data (task, g_object_ref (profile), g_object_unref);
  bearer_profile_store_add_profile_async (self->store, profile, cancellable, added_cb, task);
}

/**
 * bearer_connection_list_add_finish:
 *
 * Returns: (transfer full): the new connection
 */
BearerConnection *
bearer_connection_list_add_finish (BearerConnectionList  *self,
                                   GAsyncResult          *result,
                                   GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
profile_removed_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  BearerConnectionList *self = g_task_get_source_object (task);
  BearerConnection *connection = g_task_get_task_data (task);
  g_autoptr(GPtrArray) added = NULL;
  GError *error = NULL;

  /* Nothing was removed: the connection goes on as it was, edits and all. */
  if (!bearer_profile_remove_finish (result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* Gone: what was still to be written is dropped (a save would fail
   * anyway, the profile being marked removed). */
  bearer_connection_close_async (connection, NULL, NULL);
  added = sync_from_store (self);
  g_task_return_boolean (task, TRUE);
}

/**
 * bearer_connection_list_remove_async:
 *
 * Removes @connection's profile and secrets (bearer_profile_remove_async():
 * under its lock, after a refresh in flight; a save or a change of secrets
 * still on its way then finds the profile gone and writes nothing). If the
 * secrets cannot be deleted, nothing is removed and the connection goes on
 * as it was.
 */
void
bearer_connection_list_remove_async (BearerConnectionList *self,
                                     BearerConnection     *connection,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data)
{
  GTask *task;

  g_return_if_fail (BEARER_IS_CONNECTION_LIST (self));
  g_return_if_fail (BEARER_IS_CONNECTION (connection));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_connection_list_remove_async);
  g_task_set_task_data (task, g_object_ref (connection), g_object_unref);
  bearer_profile_remove_async (self->store, bearer_connection_get_profile (connection), cancellable,
                               profile_removed_cb, task);
}

gboolean
bearer_connection_list_remove_finish (BearerConnectionList  *self,
                                      GAsyncResult          *result,
                                      GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * bearer_connection_list_set_now_func:
 *
 * For tests: the clock of every connection, now and later.
 */
void
bearer_connection_list_set_now_func (BearerConnectionList *self,
                                     BearerNowFunc         now_func,
                                     gpointer              now_data)
{
  g_return_if_fail (BEARER_IS_CONNECTION_LIST (self));

  self->now_func = now_func;
  self->now_data = now_data;
  for (guint i = 0; i < self->connections->len; i++)
    bearer_connection_set_now_func (g_ptr_array_index (self->connections, i), now_func, now_data);
}
