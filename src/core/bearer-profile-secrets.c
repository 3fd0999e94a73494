/* bearer-profile-secrets.c: changing and removing a profile's secrets, under its lock
 *
 * Every change to a profile's secrets other than a refresh (a pasted
 * refresh token, a new client secret) and the removal of a profile take the
 * same lock as the refresh transaction (bearer-refresh.c), so that:
 *
 *  - a refresh running in another process can never write an older copy
 *    of the secrets back over the change;
 *  - tokens a refresh could not store (bearer-pending.c) are moved into the
 *    keyring first, and are never written over a newer change;
 *  - a profile being removed waits for a refresh in flight to store its
 *    tokens, then deletes them; a refresh or a change that comes later sees
 *    the profile marked removed and stores nothing, so no secret of a
 *    removed profile is ever written back.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "bearer-pending-private.h"
#include "bearer-profile-lock-private.h"
#include "bearer-profile-secrets.h"
#include "bearer-secrets-private.h"

/* -------------------------------------------------------------------------
 * Changing secrets
 * ------------------------------------------------------------------------- */

typedef struct {
  BearerProfileLock lock;       /* first: see bearer_profile_lock_of() */
  BearerProfile *profile;
  BearerSecretsUpdateFunc func;
  gpointer func_data;
  GDestroyNotify func_data_destroy;
  BearerSecrets *secrets;
  gboolean had_pending;
} Update;

static void
update_free (Update *u)
{
  bearer_profile_lock_clear (&u->lock);
  g_clear_object (&u->profile);
  if (u->func_data_destroy != NULL)
    u->func_data_destroy (u->func_data);
  g_clear_pointer (&u->secrets, bearer_secrets_unref);
  g_free (u);
}

static void
update_stored_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  Update *u = g_task_get_task_data (task);
  GError *error = NULL;

  if (!bearer_secrets_store_finish (result, &error))
    {
      bearer_profile_lock_fail (task, error);
      return;
    }

  if (u->had_pending)
    bearer_pending_clear (bearer_profile_get_id (u->profile));

  bearer_profile_lock_release (&u->lock);
  g_task_return_pointer (task, bearer_secrets_ref (u->secrets),
                         (GDestroyNotify) bearer_secrets_unref);
  g_object_unref (task);
}

static void
update_read_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Update *u = g_task_get_task_data (task);
  const char *id = bearer_profile_get_id (u->profile);
  g_autoptr(BearerSecrets) pending = NULL;
  GError *error = NULL;

  /* A damaged item comes back with what could be read: this change
   * replaces it, so the profile can be repaired. */
  u->secrets = bearer_secrets_lookup_finish (result, &error);
  if (u->secrets == NULL)
    {
      bearer_profile_lock_fail (task, error);
      return;
    }

  pending = bearer_pending_load (id);
  if (pending != NULL)
    {
      bearer_pending_apply (u->secrets, pending);
      u->had_pending = TRUE;
    }

  u->func (u->secrets, u->func_data);
  bearer_secrets_store_async (id, bearer_profile_get_name (u->profile), u->secrets, NULL,
                              update_stored_cb, task);
}

static void
update_locked (GTask *task)
{
  Update *u = g_task_get_task_data (task);

  if (bearer_profile_lock_is_removed (&u->lock))
    {
      bearer_profile_lock_fail (task, bearer_profile_removed_error (bearer_profile_get_name (u->profile)));
      return;
    }

  bearer_secrets_lookup_repair_async (bearer_profile_get_id (u->profile),
                                      g_task_get_cancellable (task), update_read_cb, task);
}

/**
 * bearer_profile_update_secrets_async:
 * @profile: the profile
 * @func: changes the secrets as read under the lock (called once)
 * @func_data: (closure): for @func
 * @func_data_destroy: frees @func_data
 *
 * Reads the profile's secrets under the profile lock, lets @func change
 * them, and stores them, so a refresh running in another process cannot
 * write back an older copy over the change. Tokens a refresh could not
 * store are moved in first. A keyring item that cannot be read whole is
 * replaced, keeping what could be read (bearer_secrets_get_repaired()).
 */
void
bearer_profile_update_secrets_async (BearerProfile           *profile,
                                     BearerSecretsUpdateFunc  func,
                                     gpointer                 func_data,
                                     GDestroyNotify           func_data_destroy,
                                     GCancellable            *cancellable,
                                     GAsyncReadyCallback      callback,
                                     gpointer                 user_data)
{
  GTask *task;
  Update *u;

  g_return_if_fail (BEARER_IS_PROFILE (profile));
  g_return_if_fail (func != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_profile_update_secrets_async);

  u = g_new0 (Update, 1);
  u->lock = (BearerProfileLock) BEARER_PROFILE_LOCK_INIT;
  u->profile = g_object_ref (profile);
  u->func = func;
  u->func_data = func_data;
  u->func_data_destroy = func_data_destroy;
  g_task_set_task_data (task, u, (GDestroyNotify) update_free);

  bearer_profile_lock_take (task, profile, update_locked);
}

/**
 * bearer_profile_update_secrets_finish:
 *
 * Returns: (transfer full): the secrets as stored, or %NULL with a
 *   %BEARER_KEYRING_ERROR, a %BEARER_PROFILE_STORE_ERROR_NOT_FOUND (the
 *   profile was removed) or a %G_IO_ERROR
 */
BearerSecrets *
bearer_profile_update_secrets_finish (GAsyncResult  *result,
                                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bearer_profile_update_secrets_async,
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* -------------------------------------------------------------------------
 * Removing a profile
 * ------------------------------------------------------------------------- */

typedef struct {
  BearerProfileLock lock;       /* first: see bearer_profile_lock_of() */
  BearerProfileStore *store;
  BearerProfile *profile;
} Remove;

static void
remove_free (Remove *d)
{
  bearer_profile_lock_clear (&d->lock);
  g_clear_object (&d->store);
  g_clear_object (&d->profile);
  g_free (d);
}

static void
removed_from_store_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GTask *task = user_data;
  Remove *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!bearer_profile_store_remove_profile_finish (d->store, result, &error) &&
      !g_error_matches (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_NOT_FOUND))
    {
      bearer_profile_lock_fail (task,
                                g_error_new (error->domain, error->code,
                                             /* Translators: the first %s is a profile’s name,
                                              * the second the reason. */
                                             _("The secrets of “%s” were deleted, but the profile "
                                               "could not be removed: %s"),
                                             bearer_profile_get_name (d->profile), error->message));
      return;
    }

  /* Whoever waits for this lock now stores nothing for the profile. */
  if (!bearer_profile_lock_mark_removed (&d->lock, &error))
    g_debug ("%s", error->message);

  bearer_profile_lock_release (&d->lock);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
secrets_deleted_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  Remove *d = g_task_get_task_data (task);
  GError *error = NULL;

  /* Secrets first: a profile whose secrets could not be deleted (no
   * keyring, or a locked one) is kept, so it can be removed again later and
   * nothing is left behind unlisted. */
  if (!bearer_secrets_delete_finish (result, &error))
    {
      bearer_profile_lock_fail (task, error);
      return;
    }

  bearer_pending_clear (bearer_profile_get_id (d->profile));
  bearer_profile_store_remove_profile_async (d->store, bearer_profile_get_id (d->profile), NULL,
                                             removed_from_store_cb, task);
}

static void
remove_locked (GTask *task)
{
  Remove *d = g_task_get_task_data (task);

  bearer_secrets_delete_async (bearer_profile_get_id (d->profile), g_task_get_cancellable (task),
                               secrets_deleted_cb, task);
}

/**
 * bearer_profile_remove_async:
 * @store: the profiles file to remove it from
 * @profile: the profile
 *
 * Removes @profile and its secrets, under the profile's lock: a refresh in
 * flight stores its tokens first, and they are deleted with the rest; a
 * refresh or a change of secrets waiting for the lock afterwards stores
 * nothing. If the secrets cannot be deleted (a locked keyring), nothing is
 * removed.
 */
void
bearer_profile_remove_async (BearerProfileStore  *store,
                             BearerProfile       *profile,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;
  Remove *d;

  g_return_if_fail (BEARER_IS_PROFILE_STORE (store));
  g_return_if_fail (BEARER_IS_PROFILE (profile));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_profile_remove_async);

  d = g_new0 (Remove, 1);
  d->lock = (BearerProfileLock) BEARER_PROFILE_LOCK_INIT;
  d->store = g_object_ref (store);
  d->profile = g_object_ref (profile);
  g_task_set_task_data (task, d, (GDestroyNotify) remove_free);

  bearer_profile_lock_take (task, profile, remove_locked);
}

/**
 * bearer_profile_remove_finish:
 *
 * Returns: %TRUE when the profile and its secrets are gone; %FALSE with a
 *   %BEARER_KEYRING_ERROR (nothing was removed), a
 *   %BEARER_PROFILE_STORE_ERROR (the secrets are gone, the profile is
 *   still listed) or a %G_IO_ERROR
 */
gboolean
bearer_profile_remove_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bearer_profile_remove_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
