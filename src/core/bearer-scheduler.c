/* bearer-scheduler.c: one clock that keeps every connection's token alive
 *
 * One scheduler for a list of connections (the window's today, the token
 * agent's later), one timer:
 *
 *  - when a connection's token changes, its refresh is due the profile's
 *    margin before expiry; a token that lives less than the margin (plus
 *    BEARER_SCHEDULER_MIN_DELAY) halfway through its remaining life, never
 *    sooner than BEARER_SCHEDULER_MIN_DELAY. A token already expired, of
 *    unknown expiry, or refused (sign in again) is left alone: opening
 *    Bearer never sends a burst of requests;
 *  - only connections with auto-refresh or Keep Signed In on, and what they need to refresh
 *    (a refresh token for the refresh_token grant), are refreshed;
 *  - a refresh that failed for another reason than a refused refresh token
 *    is tried again BEARER_SCHEDULER_RETRY_DELAY later;
 *  - connections' time-based states (expiring, expired) change on time;
 *  - the timer waits at most BEARER_SCHEDULER_SLICE seconds and reads the
 *    wall clock at every wake, so a suspend and resume is noticed within a
 *    slice.
 *
 * Refreshes go through bearer_connection_refresh_async(), so through the
 * refresh transaction and its lock: a window, a token agent and bearer-cli
 * never spend one refresh token twice.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "bearer-connection-private.h"
#include "bearer-error.h"
#include "bearer-scheduler.h"

struct _BearerScheduler
{
  GObject parent_instance;

  GListModel *connections;
  GPtrArray *watched;           /* the connections whose signals are connected */
  GHashTable *due;              /* BearerConnection → gint64 *: when its refresh is due */
  GHashTable *retry;            /* BearerConnection → gint64 *: not before, after a failure */
  BearerNowFunc now_func;
  gpointer now_data;
  guint timer_id;
  gint64 next_wake;
  guint n_refreshes;
};

G_DEFINE_FINAL_TYPE (BearerScheduler, bearer_scheduler, G_TYPE_OBJECT)

static gint64
real_now (gpointer user_data)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static gint64
now (BearerScheduler *self)
{
  return self->now_func (self->now_data);
}

static void arm (BearerScheduler *self);

static void
set_due (BearerScheduler  *self,
         BearerConnection *connection,
         gint64            due)
{
  if (due == 0)
    g_hash_table_remove (self->due, connection);
  else
    {
      gint64 *value = g_new (gint64, 1);

      *value = due;
      g_hash_table_replace (self->due, connection, value);
    }
}

static gboolean
can_refresh (BearerConnection *connection)
{
  BearerProfile *profile = bearer_connection_get_profile (connection);
  BearerGrantType grant = bearer_profile_get_grant_type (profile);

  /* Keep Signed In (the token agent's reason to exist) refreshes too. */
  if (!bearer_profile_get_auto_refresh (profile) && !bearer_profile_get_keep_alive (profile))
    return FALSE;
  if ((grant == BEARER_GRANT_REFRESH_TOKEN || bearer_grant_type_is_sign_in (grant)) &&
      !bearer_connection_get_has_refresh_token (connection))
    return FALSE;
  return TRUE;
}

/* When the current token of @connection should be refreshed, or 0. */
static gint64
compute_due (BearerScheduler  *self,
             BearerConnection *connection)
{
  gint64 t = now (self);
  gint64 expires_at = bearer_connection_get_expires_at (connection);
  guint margin = bearer_profile_get_refresh_margin (bearer_connection_get_profile (connection));
  gint64 due;

  if (!can_refresh (connection) || bearer_connection_get_access_token (connection) == NULL ||
      expires_at == 0 || expires_at <= t)
    return 0;
  switch (bearer_connection_get_state (connection))
    {
    case BEARER_TOKEN_STATE_SIGN_IN:
    case BEARER_TOKEN_STATE_LOADING:
      return 0;
    default:
      break;
    }

  due = expires_at - margin;
  /* A token that lives less than the margin: halfway through its life,
   * not over and over. */
  if (due - t < BEARER_SCHEDULER_MIN_DELAY)
    due = t + MAX (BEARER_SCHEDULER_MIN_DELAY, (expires_at - t) / 2);
  return due;
}

/* Works out when @connection's refresh is due; after a failure, not before
 * the retry delay has passed. */
static void
schedule (BearerScheduler  *self,
          BearerConnection *connection)
{
  gint64 due = compute_due (self, connection);
  gint64 *retry = g_hash_table_lookup (self->retry, connection);

  if (due != 0 && retry != NULL && *retry > due)
    due = *retry;
  set_due (self, connection, due);
}

static void
token_changed_cb (BearerConnection *connection,
                  GParamSpec       *pspec,
                  BearerScheduler  *self)
{
  /* A refresh under way sets the next due time when it ends. */
  if (bearer_connection_get_state (connection) == BEARER_TOKEN_STATE_REFRESHING)
    return;
  /* A new token: whatever failed before is history. */
  g_hash_table_remove (self->retry, connection);
  schedule (self, connection);
  arm (self);
}

static void
settings_changed_cb (BearerProfile    *profile,
                     BearerConnection *connection)
{
  BearerScheduler *self = g_object_get_data (G_OBJECT (connection), "bearer-scheduler");

  if (self == NULL || bearer_connection_get_state (connection) == BEARER_TOKEN_STATE_REFRESHING)
    return;
  schedule (self, connection);
  arm (self);
}

static void
watch (BearerScheduler  *self,
       BearerConnection *connection)
{
  g_ptr_array_add (self->watched, g_object_ref (connection));
  g_object_set_data (G_OBJECT (connection), "bearer-scheduler", self);
  g_signal_connect_object (connection, "notify::expires-at", G_CALLBACK (token_changed_cb), self, 0);
  g_signal_connect_object (connection, "notify::access-token", G_CALLBACK (token_changed_cb), self, 0);
  g_signal_connect_object (connection, "notify::has-refresh-token", G_CALLBACK (token_changed_cb),
                           self, 0);
  g_signal_connect_object (bearer_connection_get_profile (connection), "changed",
                           G_CALLBACK (settings_changed_cb), connection, 0);
  schedule (self, connection);
}

static void
unwatch (BearerScheduler  *self,
         BearerConnection *connection)
{
  g_signal_handlers_disconnect_by_data (connection, self);
  g_signal_handlers_disconnect_by_func (bearer_connection_get_profile (connection),
                                        settings_changed_cb, connection);
  g_object_set_data (G_OBJECT (connection), "bearer-scheduler", NULL);
  g_hash_table_remove (self->due, connection);
  g_hash_table_remove (self->retry, connection);
  g_ptr_array_remove (self->watched, connection);
}

static void
items_changed_cb (GListModel      *model,
                  guint            position,
                  guint            removed,
                  guint            added,
                  BearerScheduler *self)
{
  g_autoptr(GPtrArray) now_there = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GHashTable) in_model = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) in_watched = g_hash_table_new (NULL, NULL);
  guint n = g_list_model_get_n_items (model);

  /* Sets, not searches of arrays: a list loading a thousand connections
   * emits a thousand changes. */
  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (now_there, g_list_model_get_item (model, i));
      g_hash_table_add (in_model, g_ptr_array_index (now_there, i));
    }
  for (guint i = 0; i < self->watched->len; i++)
    g_hash_table_add (in_watched, g_ptr_array_index (self->watched, i));

  /* Exact positions do not matter here: follow what is in the model. */
  for (guint i = self->watched->len; i > 0; i--)
    {
      BearerConnection *connection = g_ptr_array_index (self->watched, i - 1);

      if (!g_hash_table_contains (in_model, connection))
        unwatch (self, connection);
    }
  for (guint i = 0; i < now_there->len; i++)
    if (!g_hash_table_contains (in_watched, g_ptr_array_index (now_there, i)))
      watch (self, g_ptr_array_index (now_there, i));

  arm (self);
}

typedef struct {
  BearerScheduler *self;
  BearerConnection *connection;
} Refresh;

static void
refreshed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Refresh *r = user_data;
  BearerConnection *connection = BEARER_CONNECTION (source);
  g_autoptr(BearerRefreshResult) refresh = NULL;
  g_autoptr(GError) error = NULL;

  refresh = bearer_connection_refresh_finish (connection, result, &error);
  if (r->self != NULL && g_ptr_array_find (r->self->watched, connection, NULL))
    {
      if (refresh != NULL || bearer_error_is_dead_refresh_token (error))
        g_hash_table_remove (r->self->retry, connection);
      else
        {
          gint64 *retry = g_new (gint64, 1);

          g_debug ("Automatic refresh of %s failed, tried again in %d s: %s",
                   bearer_connection_get_id (connection), BEARER_SCHEDULER_RETRY_DELAY, error->message);
          *retry = now (r->self) + BEARER_SCHEDULER_RETRY_DELAY;
          g_hash_table_replace (r->self->retry, connection, retry);
        }
      schedule (r->self, connection);
      arm (r->self);
    }

  g_clear_weak_pointer (&r->self);
  g_object_unref (r->connection);
  g_free (r);
}

static void
start_refresh (BearerScheduler  *self,
               BearerConnection *connection)
{
  Refresh *r = g_new0 (Refresh, 1);

  g_set_weak_pointer (&r->self, self);
  r->connection = g_object_ref (connection);
  self->n_refreshes++;
  /* Not forced: a token another process refreshed meanwhile is used. */
  bearer_connection_refresh_async (connection, BEARER_REFRESH_NONE, NULL, refreshed_cb, r);
}

/**
 * bearer_scheduler_tick:
 *
 * Brings every connection's state up to the clock, starts the refreshes
 * that are due, and sets the timer for the next event. The timer calls it;
 * so may a caller that knows the clock jumped (a resume, a test's clock).
 */
void
bearer_scheduler_tick (BearerScheduler *self)
{
  g_autoptr(GPtrArray) connections = NULL;
  gint64 t;

  g_return_if_fail (BEARER_IS_SCHEDULER (self));

  t = now (self);
  connections = g_ptr_array_new_full (self->watched->len, g_object_unref);
  for (guint i = 0; i < self->watched->len; i++)
    g_ptr_array_add (connections, g_object_ref (g_ptr_array_index (self->watched, i)));

  for (guint i = 0; i < connections->len; i++)
    {
      BearerConnection *connection = g_ptr_array_index (connections, i);
      gint64 *due = g_hash_table_lookup (self->due, connection);

      bearer_connection_update_state (connection);
      if (due != NULL && *due <= t &&
          bearer_connection_get_state (connection) != BEARER_TOKEN_STATE_REFRESHING)
        {
          g_hash_table_remove (self->due, connection);
          if (can_refresh (connection))
            start_refresh (self, connection);
        }
    }

  arm (self);
}

static gboolean
timer_cb (gpointer user_data)
{
  BearerScheduler *self = user_data;

  self->timer_id = 0;
  bearer_scheduler_tick (self);
  return G_SOURCE_REMOVE;
}

/* Sets the one timer for the earliest event, in slices. */
static void
arm (BearerScheduler *self)
{
  GHashTableIter iter;
  gpointer key, value;
  gint64 t = now (self);
  gint64 next = 0;
  gint64 wait;

  g_clear_handle_id (&self->timer_id, g_source_remove);

  g_hash_table_iter_init (&iter, self->due);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (next == 0 || *(gint64 *) value < next)
      next = *(gint64 *) value;
  for (guint i = 0; i < self->watched->len; i++)
    {
      gint64 change = bearer_connection_get_next_change (g_ptr_array_index (self->watched, i));

      if (change != 0 && (next == 0 || change < next))
        next = change;
    }

  self->next_wake = next;
  if (next == 0)
    return;

  wait = CLAMP (next - t, 1, BEARER_SCHEDULER_SLICE);
  self->timer_id = g_timeout_add_seconds ((guint) wait, timer_cb, self);
  g_source_set_name_by_id (self->timer_id, "[bearer] scheduler");
}

static void
bearer_scheduler_dispose (GObject *object)
{
  BearerScheduler *self = BEARER_SCHEDULER (object);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (self->connections != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->connections, self);
      while (self->watched->len > 0)
        unwatch (self, g_ptr_array_index (self->watched, self->watched->len - 1));
      g_clear_object (&self->connections);
    }

  G_OBJECT_CLASS (bearer_scheduler_parent_class)->dispose (object);
}

static void
bearer_scheduler_finalize (GObject *object)
{
  BearerScheduler *self = BEARER_SCHEDULER (object);

  g_ptr_array_unref (self->watched);
  g_hash_table_unref (self->due);
  g_hash_table_unref (self->retry);

  G_OBJECT_CLASS (bearer_scheduler_parent_class)->finalize (object);
}

static void
bearer_scheduler_class_init (BearerSchedulerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bearer_scheduler_dispose;
  object_class->finalize = bearer_scheduler_finalize;
}

static void
bearer_scheduler_init (BearerScheduler *self)
{
  self->watched = g_ptr_array_new_with_free_func (g_object_unref);
  self->due = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->retry = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->now_func = real_now;
}

/**
 * bearer_scheduler_new:
 * @connections: a #GListModel of #BearerConnection
 *
 * Returns: (transfer full): a scheduler that keeps the tokens of
 *   @connections alive while it lives
 */
BearerScheduler *
bearer_scheduler_new (GListModel *connections)
{
  BearerScheduler *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (connections), NULL);

  self = g_object_new (BEARER_TYPE_SCHEDULER, NULL);
  self->connections = g_object_ref (connections);
  g_signal_connect_object (connections, "items-changed", G_CALLBACK (items_changed_cb), self, 0);
  items_changed_cb (connections, 0, 0, g_list_model_get_n_items (connections), self);
  return self;
}

/**
 * bearer_scheduler_set_now_func:
 * @now_func: (nullable): the clock (seconds since the epoch); %NULL for
 *   the real one
 *
 * For tests: a clock of their own. The connections are given the same one
 * by their list.
 */
void
bearer_scheduler_set_now_func (BearerScheduler *self,
                               BearerNowFunc    now_func,
                               gpointer         now_data)
{
  g_return_if_fail (BEARER_IS_SCHEDULER (self));

  self->now_func = now_func != NULL ? now_func : real_now;
  self->now_data = now_data;
  for (guint i = 0; i < self->watched->len; i++)
    schedule (self, g_ptr_array_index (self->watched, i));
  arm (self);
}

/**
 * bearer_scheduler_get_due:
 *
 * Returns: when the refresh of @connection is due, or 0 for not scheduled
 */
gint64
bearer_scheduler_get_due (BearerScheduler  *self,
                          BearerConnection *connection)
{
  gint64 *due;

  g_return_val_if_fail (BEARER_IS_SCHEDULER (self), 0);

  due = g_hash_table_lookup (self->due, connection);
  return due != NULL ? *due : 0;
}

/**
 * bearer_scheduler_get_next_wake:
 *
 * Returns: the time of the next event the timer is set for (it wakes at
 *   most BEARER_SCHEDULER_SLICE seconds before), or 0 for none
 */
gint64
bearer_scheduler_get_next_wake (BearerScheduler *self)
{
  g_return_val_if_fail (BEARER_IS_SCHEDULER (self), 0);
  return self->next_wake;
}

/**
 * bearer_scheduler_get_n_refreshes:
 *
 * Returns: how many refreshes the scheduler started
 */
guint
bearer_scheduler_get_n_refreshes (BearerScheduler *self)
{
  g_return_val_if_fail (BEARER_IS_SCHEDULER (self), 0);
  return self->n_refreshes;
}
