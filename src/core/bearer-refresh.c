/* bearer-refresh.c: the refresh transaction
 *
 * Refresh tokens rotate: ProcessMaker revokes the old refresh and access
 * token on every refresh, and oidc-provider revokes the whole grant when a
 * spent refresh token is used again. So, per profile:
 *
 *  1. read the keyring; if the stored token is valid long enough (and the
 *     refresh is not forced), done;
 *  2. take the profile's lock, `$XDG_RUNTIME_DIR/bearer/<id>.lock` (flock,
 *     polled without blocking so the main loop runs and the wait can be
 *     cancelled), shared by every Bearer process;
 *  3. read the keyring again: if another process refreshed meanwhile, use
 *     its token and spend nothing;
 *  4. ask the server;
 *  5. write the new tokens to the keyring, in one item, before reporting
 *     success. If that write fails, the tokens are still returned, with the
 *     keyring's error, so the caller can show them: nothing is dropped;
 *  6. a dead refresh token marks the profile "sign in again" and keeps the
 *     refused token stored until the user replaces it;
 *  7. release the lock.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
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

/* ------------------------------------------------------------------------- */

typedef struct {
  BearerProfile *profile;
  BearerRefreshFlags flags;
  guint min_valid;
  BearerSecrets *before;        /* read before the lock */
  BearerSecrets *current;       /* read under the lock */
  BearerSecrets *next;          /* to be stored */
  BearerTokenResponse *response;
  GError *server_error;         /* a dead refresh token, reported after storing the mark */
  int lock_fd;
  gint64 lock_deadline;
  GSource *poll_source;
} Refresh;

static void
refresh_free (Refresh *r)
{
  if (r->poll_source != NULL)
    {
      g_source_destroy (r->poll_source);
      g_source_unref (r->poll_source);
    }
  if (r->lock_fd >= 0)
    close (r->lock_fd);         /* releases the flock */
  g_clear_object (&r->profile);
  g_clear_pointer (&r->before, bearer_secrets_unref);
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

  g_task_return_pointer (task, result, g_object_unref);
  g_object_unref (task);
}

static void
return_error (GTask  *task,
              GError *error)
{
  g_task_return_error (task, error);
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
          return_error (task, g_steal_pointer (&r->server_error));
          return;
        }

      g_debug ("The new tokens could not be stored: %s", error->message);
      return_result (task, r->next, FALSE, error);
      return;
    }

  if (r->server_error != NULL)
    return_error (task, g_steal_pointer (&r->server_error));
  else
    return_result (task, r->next, FALSE, NULL);
}

static void
store_next (GTask *task)
{
  Refresh *r = g_task_get_task_data (task);

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
          store_next (task);
          return;
        }

      return_error (task, error);
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

  store_next (task);
}

static GError *
sign_in_error (Refresh    *r,
               BearerError code,
               const char *message)
{
  GError *error = g_error_new (BEARER_ERROR, code, "%s", message);

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
  g_autofree char *message = NULL;

  /* A profile signed in through the browser keeps itself alive with its
   * refresh token. */
  if (grant == BEARER_GRANT_AUTHORIZATION_CODE)
    grant = BEARER_GRANT_REFRESH_TOKEN;

  if (grant == BEARER_GRANT_REFRESH_TOKEN)
    {
      if (bearer_secrets_get_refresh_token (r->current) == NULL)
        {
          message = g_strdup_printf ("No refresh token is stored for “%s”: paste one first",
                                     name);
          return_error (task, sign_in_error (r, BEARER_ERROR_MISSING_PARAMETER, message));
          return;
        }

      if (bearer_secrets_get_needs_sign_in (r->current) && !(r->flags & BEARER_REFRESH_FORCE))
        {
          message = g_strdup_printf ("The server refused the refresh token of “%s” earlier: "
                                     "sign in again and paste a new one", name);
          return_error (task, sign_in_error (r, BEARER_ERROR_INVALID_GRANT, message));
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

static gboolean
refreshed_by_other (Refresh *r)
{
  return g_strcmp0 (bearer_secrets_get_refresh_token (r->before),
                    bearer_secrets_get_refresh_token (r->current)) != 0 ||
         bearer_secrets_get_updated_at (r->current) > bearer_secrets_get_updated_at (r->before);
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
      return_error (task, error);
      return;
    }

  /* Another process refreshed while we waited: its token is ours, and the
   * refresh token we read before is spent. */
  if (refreshed_by_other (r) && bearer_secrets_token_valid_for (r->current, now, 1) &&
      !bearer_secrets_get_needs_sign_in (r->current))
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

static gboolean
try_lock (GTask *task)
{
  Refresh *r = g_task_get_task_data (task);

  if (flock (r->lock_fd, LOCK_EX | LOCK_NB) == 0)
    {
      g_clear_pointer (&r->poll_source, g_source_unref);
      bearer_secrets_lookup_async (bearer_profile_get_id (r->profile),
                                   g_task_get_cancellable (task), current_cb, task);
      return TRUE;
    }

  if (errno != EWOULDBLOCK && errno != EINTR)
    {
      int saved = errno;
      g_clear_pointer (&r->poll_source, g_source_unref);
      return_error (task, g_error_new (G_IO_ERROR, g_io_error_from_errno (saved),
                                       "Cannot lock the profile for refreshing: %s",
                                       g_strerror (saved)));
      return TRUE;
    }

  return FALSE;
}

static gboolean
poll_lock_cb (gpointer user_data)
{
  GTask *task = user_data;
  Refresh *r = g_task_get_task_data (task);

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      g_clear_pointer (&r->poll_source, g_source_unref);
      return_error (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                               "The refresh was cancelled"));
      return G_SOURCE_REMOVE;
    }

  if (try_lock (task))
    return G_SOURCE_REMOVE;

  if (g_get_monotonic_time () > r->lock_deadline)
    {
      g_clear_pointer (&r->poll_source, g_source_unref);
      return_error (task, g_error_new (G_IO_ERROR, G_IO_ERROR_BUSY,
                                       "Another Bearer process has been refreshing “%s” for "
                                       "more than %d seconds", bearer_profile_get_name (r->profile),
                                       BEARER_REFRESH_LOCK_TIMEOUT));
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static void
take_lock (GTask *task)
{
  Refresh *r = g_task_get_task_data (task);
  g_autofree char *dir = g_build_filename (g_get_user_runtime_dir (), "bearer", NULL);
  g_autofree char *name = g_strconcat (bearer_profile_get_id (r->profile), ".lock", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      (r->lock_fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
    {
      int saved = errno;
      return_error (task, g_error_new (G_IO_ERROR, g_io_error_from_errno (saved),
                                       "Cannot create the lock file “%s”: %s", path,
                                       g_strerror (saved)));
      return;
    }

  if (try_lock (task))
    return;

  r->lock_deadline = g_get_monotonic_time () + BEARER_REFRESH_LOCK_TIMEOUT * G_USEC_PER_SEC;
  r->poll_source = g_timeout_source_new (LOCK_POLL_MS);
  g_source_set_name (r->poll_source, "[bearer] refresh lock");
  g_source_set_callback (r->poll_source, poll_lock_cb, task, NULL);
  g_source_attach (r->poll_source, g_main_context_get_thread_default ());
}

static void
before_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  Refresh *r = g_task_get_task_data (task);
  GError *error = NULL;

  r->before = bearer_secrets_lookup_finish (result, &error);
  if (r->before == NULL)
    {
      return_error (task, error);
      return;
    }

  if (!(r->flags & BEARER_REFRESH_FORCE) &&
      bearer_secrets_token_valid_for (r->before, now_seconds (), r->min_valid))
    {
      return_result (task, r->before, FALSE, NULL);
      return;
    }

  take_lock (task);
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
  r->profile = g_object_ref (profile);
  r->flags = flags;
  r->min_valid = min_valid;
  r->lock_fd = -1;
  g_task_set_task_data (task, r, (GDestroyNotify) refresh_free);

  bearer_secrets_lookup_async (bearer_profile_get_id (profile), cancellable, before_cb, task);
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
