/* bearer-refresh.c: the refresh transaction
 *
 * Refresh tokens rotate: ProcessMaker revokes the old refresh and access
 * token on every refresh, and oidc-provider revokes the whole grant when a
 * spent refresh token is used again. So, per profile:
 *
 *  1. take the profile's lock, `$XDG_RUNTIME_DIR/bearer/<id>.lock` (flock,
 *     polled without blocking so the main loop runs and the wait can be
 *     cancelled), shared by every Bearer process;
 *  2. read the keyring. If another process refreshed after this refresh was
 *     asked for (the bundle's `updated_at` is later), use its token and
 *     spend nothing; if the stored token is valid long enough (and the
 *     refresh is not forced), done;
 *  3. otherwise ask the server;
 *  4. write the new tokens to the keyring, in one item, before reporting
 *     success. If that write fails, the tokens are still returned, with the
 *     keyring's error, so the caller can show them: nothing is dropped;
 *  5. a dead refresh token marks the profile "sign in again" and keeps the
 *     refused token stored until the user replaces it;
 *  6. release the lock, before the result is reported.
 *
 * Every other change to a profile's secrets (a pasted refresh token, a new
 * client secret) goes through bearer_profile_update_secrets_async(), under
 * the same lock, so a refresh can never write back a stale copy over it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "bearer-client.h"
#include "bearer-error-private.h"
#include "bearer-refresh.h"

#define LOCK_POLL_MS 10

struct _BearerRefreshResult
{
  GObject parent_instance;

  BearerSecrets *secrets;
  BearerTokenResponse *response;
  gboolean from_other_process;
  GError *store_error;
};

G_DEFINE_FINAL_TYPE (BearerRefreshResult, bearer_refresh_result, G_TYPE_OBJECT)

static void
bearer_refresh_result_finalize (GObject *object)
{
  BearerRefreshResult *self = BEARER_REFRESH_RESULT (object);

  g_clear_pointer (&self->secrets, bearer_secrets_unref);
  g_clear_object (&self->response);
  g_clear_error (&self->store_error);

  G_OBJECT_CLASS (bearer_refresh_result_parent_class)->finalize (object);
}

static void
bearer_refresh_result_class_init (BearerRefreshResultClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = bearer_refresh_result_finalize;
}

static void
bearer_refresh_result_init (BearerRefreshResult *self)
{
}

/**
 * bearer_refresh_result_get_secrets:
 *
 * Returns: (transfer none): the profile's secrets with the access token to
 *   use, as stored (or as they would have been stored, see
 *   bearer_refresh_result_get_store_error())
 */
BearerSecrets *
bearer_refresh_result_get_secrets (BearerRefreshResult *self)
{
  g_return_val_if_fail (BEARER_IS_REFRESH_RESULT (self), NULL);
  return self->secrets;
}

/**
 * bearer_refresh_result_get_response:
 *
 * Returns: (transfer none) (nullable): the server's reply, when this
 *   transaction asked the server
 */
BearerTokenResponse *
bearer_refresh_result_get_response (BearerRefreshResult *self)
{
  g_return_val_if_fail (BEARER_IS_REFRESH_RESULT (self), NULL);
  return self->response;
}

gboolean
bearer_refresh_result_get_from_server (BearerRefreshResult *self)
{
  g_return_val_if_fail (BEARER_IS_REFRESH_RESULT (self), FALSE);
  return self->response != NULL;
}

/**
 * bearer_refresh_result_get_from_other_process:
 *
 * Returns: whether another process refreshed while this one waited for the
 *   lock, and its token was used instead of spending the refresh token again
 */
gboolean
bearer_refresh_result_get_from_other_process (BearerRefreshResult *self)
{
  g_return_val_if_fail (BEARER_IS_REFRESH_RESULT (self), FALSE);
  return self->from_other_process;
}

/**
 * bearer_refresh_result_get_store_error:
 *
 * Returns: (nullable): why the new tokens could not be written to the
 *   keyring. The tokens in this result are then the only copy: show them.
 */
const GError *
bearer_refresh_result_get_store_error (BearerRefreshResult *self)
{
  g_return_val_if_fail (BEARER_IS_REFRESH_RESULT (self), NULL);
  return self->store_error;
}

/* -------------------------------------------------------------------------
 * The profile lock, shared by every Bearer process
 * ------------------------------------------------------------------------- */

typedef struct {
  int fd;
  gint64 deadline;
  GSource *poll_source;
  char *profile_name;
  void (*locked) (GTask *task);
} ProfileLock;

static void
profile_lock_release (ProfileLock *lock)
{
  if (lock->poll_source != NULL)
    {
      g_source_destroy (lock->poll_source);
      g_clear_pointer (&lock->poll_source, g_source_unref);
    }
  if (lock->fd >= 0)
    {
      close (lock->fd);         /* releases the flock */
      lock->fd = -1;
    }
}

static void
profile_lock_clear (ProfileLock *lock)
{
  profile_lock_release (lock);
  g_clear_pointer (&lock->profile_name, g_free);
}

static ProfileLock *task_lock (GTask *task);

static void
fail_task (GTask  *task,
           GError *error)
{
  profile_lock_release (task_lock (task));
  g_task_return_error (task, error);
  g_object_unref (task);
}

/* TRUE when the attempt is over: locked (and the continuation called), or
 * failed (and the task finished). */
static gboolean
profile_lock_try (GTask *task)
{
  ProfileLock *lock = task_lock (task);

  if (flock (lock->fd, LOCK_EX | LOCK_NB) == 0)
    {
      if (lock->poll_source != NULL)
        {
          g_source_destroy (lock->poll_source);
          g_clear_pointer (&lock->poll_source, g_source_unref);
        }
      lock->locked (task);
      return TRUE;
    }

  if (errno != EWOULDBLOCK && errno != EINTR)
    {
      int saved = errno;
      fail_task (task, g_error_new (G_IO_ERROR, g_io_error_from_errno (saved),
                                    /* Translators: %s is the system’s explanation of the
                                     * failure. */
                                    _("Cannot lock the profile: %s"), g_strerror (saved)));
      return TRUE;
    }

  return FALSE;
}

static gboolean
profile_lock_poll_cb (gpointer user_data)
{
  GTask *task = user_data;
  ProfileLock *lock = task_lock (task);

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      fail_task (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled")));
      return G_SOURCE_REMOVE;
    }

  if (profile_lock_try (task))
    return G_SOURCE_REMOVE;

  if (g_get_monotonic_time () > lock->deadline)
    {
      fail_task (task, g_error_new (G_IO_ERROR, G_IO_ERROR_BUSY,
                                    g_dngettext (GETTEXT_PACKAGE,
                                                 /* Translators: %s is a profile’s name,
                                                  * %d a number of seconds (120). */
                                                 "Another Bearer process has been refreshing "
                                                 "“%s” for more than %d second",
                                                 "Another Bearer process has been refreshing "
                                                 "“%s” for more than %d seconds",
                                                 BEARER_REFRESH_LOCK_TIMEOUT),
                                    lock->profile_name, BEARER_REFRESH_LOCK_TIMEOUT));
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

/* Takes the lock of @profile for @task, then calls @locked; the task's
 * data must start with its ProfileLock. */
static void
profile_lock_take (GTask          *task,
                   BearerProfile  *profile,
                   void          (*locked) (GTask *task))
{
  ProfileLock *lock = task_lock (task);
  g_autofree char *dir = g_build_filename (g_get_user_runtime_dir (), "bearer", NULL);
  g_autofree char *name = g_strconcat (bearer_profile_get_id (profile), ".lock", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);

  lock->locked = locked;
  lock->profile_name = g_strdup (bearer_profile_get_name (profile));

  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      (lock->fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
    {
      int saved = errno;
      fail_task (task, g_error_new (G_IO_ERROR, g_io_error_from_errno (saved),
                                    /* Translators: the first %s is a file name, the second
                                     * the system’s explanation of the failure. */
                                    _("Cannot create the lock file “%s”: %s"), path,
                                    g_strerror (saved)));
      return;
    }

  if (profile_lock_try (task))
    return;

  lock->deadline = g_get_monotonic_time () + BEARER_REFRESH_LOCK_TIMEOUT * G_USEC_PER_SEC;
  lock->poll_source = g_timeout_source_new (LOCK_POLL_MS);
  g_source_set_name (lock->poll_source, "[bearer] profile lock");
  g_source_set_callback (lock->poll_source, profile_lock_poll_cb, task, NULL);
  g_source_attach (lock->poll_source, g_main_context_get_thread_default ());
}

/* -------------------------------------------------------------------------
 * The refresh
 * ------------------------------------------------------------------------- */

typedef struct {
  ProfileLock lock;             /* first: see task_lock() */
  BearerProfile *profile;
  BearerRefreshFlags flags;
  guint min_valid;
  gint64 asked_at;              /* g_get_real_time() when the refresh was asked for */
  BearerSecrets *current;       /* read under the lock */
  BearerSecrets *next;          /* to be stored */
  BearerTokenResponse *response;
  GError *server_error;         /* a dead refresh token, reported after storing the mark */
} Refresh;

static ProfileLock *
task_lock (GTask *task)
{
  return g_task_get_task_data (task);
}

static void
refresh_free (Refresh *r)
{
  profile_lock_clear (&r->lock);
  g_clear_object (&r->profile);
  g_clear_pointer (&r->current, bearer_secrets_unref);
  g_clear_pointer (&r->next, bearer_secrets_unref);
  g_clear_object (&r->response);
  g_clear_error (&r->server_error);
  g_free (r);
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
return_result (GTask         *task,
               BearerSecrets *secrets,
               gboolean       from_other_process,
               GError        *store_error)
{
  Refresh *r = g_task_get_task_data (task);
  BearerRefreshResult *result = g_object_new (BEARER_TYPE_REFRESH_RESULT, NULL);

  result->secrets = bearer_secrets_ref (secrets);
  result->response = r->response != NULL ? g_object_ref (r->response) : NULL;
  result->from_other_process = from_other_process;
  result->store_error = store_error;

  /* Let the next refresh in, whatever the caller does with the result. */
  profile_lock_release (&r->lock);
  g_task_return_pointer (task, result, g_object_unref);
  g_object_unref (task);
}

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  Refresh *r = g_task_get_task_data (task);
  GError *error = NULL;

  if (!bearer_secrets_store_finish (result, &error))
    {
      if (r->server_error != NULL)
        {
          /* Could not even mark "sign in again": the server's word matters more. */
          g_debug ("Could not mark the profile as needing sign-in: %s", error->message);
          g_error_free (error);
          fail_task (task, g_steal_pointer (&r->server_error));
          return;
        }

      g_debug ("The new tokens could not be stored: %s", error->message);
      return_result (task, r->next, FALSE, error);
      return;
    }

  if (r->server_error != NULL)
    fail_task (task, g_steal_pointer (&r->server_error));
  else
    return_result (task, r->next, FALSE, NULL);
}

static void
store_next (GTask *task,
            gboolean refreshed)
{
  Refresh *r = g_task_get_task_data (task);

  if (refreshed)
    bearer_secrets_set_updated_at (r->next, g_get_real_time ());
  /* Not cancellable: once the server rotated the token, it must be kept. */
  bearer_secrets_store_async (bearer_profile_get_id (r->profile),
                              bearer_profile_get_name (r->profile),
                              r->next, NULL, stored_cb, task);
}

static void
token_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  GTask *task = user_data;
  Refresh *r = g_task_get_task_data (task);
  GError *error = NULL;

  r->response = bearer_client_request_token_finish (BEARER_CLIENT (source), result, &error);
  if (r->response == NULL)
    {
      if (bearer_error_is_dead_refresh_token (error))
        {
          r->server_error = error;
          r->next = bearer_secrets_copy (r->current);
          bearer_secrets_set_needs_sign_in (r->next, TRUE);
          store_next (task, FALSE);
          return;
        }

      fail_task (task, error);
      return;
    }

  r->next = bearer_secrets_copy (r->current);
  bearer_secrets_set_access_token (r->next,
                                   bearer_token_response_get_access_token (r->response),
                                   bearer_token_response_get_token_type (r->response),
                                   bearer_token_response_get_expires_at (r->response),
                                   bearer_token_response_get_scope (r->response));
  if (bearer_token_response_get_refresh_token (r->response) != NULL)
    bearer_secrets_set_refresh_token (r->next, bearer_token_response_get_refresh_token (r->response));
  bearer_secrets_set_needs_sign_in (r->next, FALSE);

  store_next (task, TRUE);
}

static GError *
sign_in_error (BearerError  code,
               const char  *format,
               ...) G_GNUC_PRINTF (2, 3);

static GError *
sign_in_error (BearerError  code,
               const char  *format,
               ...)
{
  va_list args;
  GError *error;

  va_start (args, format);
  error = g_error_new_valist (BEARER_ERROR, code, format, args);
  va_end (args);

  bearer_error_set_dead_refresh_token (error, TRUE);
  return error;
}

static void
ask_server (GTask *task)
{
  Refresh *r = g_task_get_task_data (task);
  g_autoptr(BearerTokenRequest) request = NULL;
  BearerGrantType grant = bearer_profile_get_grant_type (r->profile);
  const char *name = bearer_profile_get_name (r->profile);

  /* A profile signed in through the browser keeps itself alive with its
   * refresh token. */
  if (grant == BEARER_GRANT_AUTHORIZATION_CODE)
    grant = BEARER_GRANT_REFRESH_TOKEN;

  if (grant == BEARER_GRANT_REFRESH_TOKEN)
    {
      if (bearer_secrets_get_refresh_token (r->current) == NULL)
        {
          fail_task (task, sign_in_error (BEARER_ERROR_MISSING_PARAMETER,
                                          /* Translators: %s is a profile’s name. */
                                          _("No refresh token is stored for “%s”: paste one "
                                            "first"), name));
          return;
        }

      if (bearer_secrets_get_needs_sign_in (r->current) && !(r->flags & BEARER_REFRESH_FORCE))
        {
          fail_task (task, sign_in_error (BEARER_ERROR_INVALID_GRANT,
                                          /* Translators: %s is a profile’s name. */
                                          _("The server refused the refresh token of “%s” "
                                            "earlier: sign in again and paste a new one"),
                                          name));
          return;
        }
    }

  request = bearer_profile_create_request (r->profile, grant);
  bearer_token_request_set_client (request, bearer_profile_get_client_id (r->profile),
                                   bearer_secrets_get_client_secret (r->current));
  bearer_token_request_set_refresh_token (request, bearer_secrets_get_refresh_token (r->current));
  if (grant == BEARER_GRANT_PASSWORD)
    bearer_token_request_set_password (request, bearer_profile_get_username (r->profile),
                                       bearer_secrets_get_password (r->current));

  bearer_client_request_token_async (bearer_client_get_default (), request,
                                     g_task_get_cancellable (task), token_cb, task);
}

static void
current_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  Refresh *r = g_task_get_task_data (task);
  GError *error = NULL;
  gint64 now = now_seconds ();

  r->current = bearer_secrets_lookup_finish (result, &error);
  if (r->current == NULL)
    {
      fail_task (task, error);
      return;
    }

  /* Another process refreshed after we were asked to: its token is ours,
   * and the refresh token we would have spent is already spent. */
  if (bearer_secrets_get_updated_at (r->current) > r->asked_at &&
      bearer_secrets_token_valid_for (r->current, now, 1))
    {
      return_result (task, r->current, TRUE, NULL);
      return;
    }

  if (!(r->flags & BEARER_REFRESH_FORCE) &&
      bearer_secrets_token_valid_for (r->current, now, r->min_valid))
    {
      return_result (task, r->current, FALSE, NULL);
      return;
    }

  ask_server (task);
}

static void
refresh_locked (GTask *task)
{
  Refresh *r = g_task_get_task_data (task);

  bearer_secrets_lookup_async (bearer_profile_get_id (r->profile),
                               g_task_get_cancellable (task), current_cb, task);
}

/**
 * bearer_refresh_async:
 * @profile: the profile
 * @flags: %BEARER_REFRESH_FORCE to ask the server whatever the stored token
 * @min_valid: without FORCE, a stored token valid for at least this many
 *   seconds is used as it is
 *
 * Gets a valid access token for @profile, refreshing it when needed, safely
 * against every other Bearer process (see the top of this file).
 */
void
bearer_refresh_async (BearerProfile       *profile,
                      BearerRefreshFlags   flags,
                      guint                min_valid,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *task;
  Refresh *r;

  g_return_if_fail (BEARER_IS_PROFILE (profile));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_refresh_async);

  r = g_new0 (Refresh, 1);
  r->lock.fd = -1;
  r->profile = g_object_ref (profile);
  r->flags = flags;
  r->min_valid = min_valid;
  r->asked_at = g_get_real_time ();
  g_task_set_task_data (task, r, (GDestroyNotify) refresh_free);

  profile_lock_take (task, profile, refresh_locked);
}

/**
 * bearer_refresh_finish:
 *
 * Returns: (transfer full): the result, or %NULL with the error: a
 *   %BEARER_ERROR from the server or the request (a dead refresh token has
 *   bearer_error_is_dead_refresh_token()), a %BEARER_KEYRING_ERROR, or
 *   %G_IO_ERROR_CANCELLED
 */
BearerRefreshResult *
bearer_refresh_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bearer_refresh_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* -------------------------------------------------------------------------
 * Changing secrets under the lock
 * ------------------------------------------------------------------------- */

typedef struct {
  ProfileLock lock;             /* first: see task_lock() */
  BearerProfile *profile;
  BearerSecretsUpdateFunc func;
  gpointer func_data;
  GDestroyNotify func_data_destroy;
  BearerSecrets *secrets;
} Update;

static void
update_free (Update *u)
{
  profile_lock_clear (&u->lock);
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
      fail_task (task, error);
      return;
    }

  profile_lock_release (&u->lock);
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
  GError *error = NULL;

  u->secrets = bearer_secrets_lookup_finish (result, &error);
  if (u->secrets == NULL)
    {
      fail_task (task, error);
      return;
    }

  u->func (u->secrets, u->func_data);
  bearer_secrets_store_async (bearer_profile_get_id (u->profile),
                              bearer_profile_get_name (u->profile),
                              u->secrets, NULL, update_stored_cb, task);
}

static void
update_locked (GTask *task)
{
  Update *u = g_task_get_task_data (task);

  bearer_secrets_lookup_async (bearer_profile_get_id (u->profile),
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
 * write back an older copy over the change.
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
  u->lock.fd = -1;
  u->profile = g_object_ref (profile);
  u->func = func;
  u->func_data = func_data;
  u->func_data_destroy = func_data_destroy;
  g_task_set_task_data (task, u, (GDestroyNotify) update_free);

  profile_lock_take (task, profile, update_locked);
}

/**
 * bearer_profile_update_secrets_finish:
 *
 * Returns: (transfer full): the secrets as stored, or %NULL with a
 *   %BEARER_KEYRING_ERROR or %G_IO_ERROR
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
