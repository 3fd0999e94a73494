/* bearer-refresh.c: the refresh transaction
 *
 * Refresh tokens rotate: ProcessMaker revokes the old refresh and access
 * token on every refresh, and oidc-provider revokes the whole grant when a
 * spent refresh token is used again. So, per profile:
 *
 *  1. take the profile's lock (bearer-profile-lock.c), shared by every
 *     Bearer process; a profile removed meanwhile stops here, storing
 *     nothing;
 *  2. read the keyring. Tokens an earlier refresh could not store
 *     (bearer-pending.c) are moved in first. If another process refreshed
 *     after this refresh was asked for (the bundle's `updated_at` is
 *     later), use its token and spend nothing; if the stored token is
 *     valid long enough (and the refresh is not forced), done;
 *  3. otherwise ask the server. Once the request has reached the server,
 *     cancelling no longer stops it (bearer-client.c): the answer is still
 *     read and stored, and the result says it was cancelled;
 *  4. write the new tokens to the keyring, in one item, before reporting
 *     success. If that write fails, the tokens are kept in the runtime
 *     directory (bearer-pending.c) until the keyring takes them, and
 *     returned with the keyring's error: nothing is dropped;
 *  5. a dead refresh token marks the profile "sign in again" and keeps the
 *     refused token stored until the user replaces it;
 *  6. release the lock, before the result is reported.
 *
 * Every other change to a profile's secrets goes through the same lock
 * (bearer-profile-secrets.c), so a refresh never writes back a stale copy.
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
#include "bearer-dpop.h"
#include "bearer-error-private.h"
#include "bearer-pending-private.h"
#include "bearer-profile-lock-private.h"
#include "bearer-redact.h"
#include "bearer-refresh-private.h"

struct _BearerRefreshResult
{
  GObject parent_instance;

  BearerSecrets *secrets;
  BearerTokenResponse *response;
  gboolean from_other_process;
  gboolean cancelled;
  GError *store_error;
  gboolean kept_aside;
  GError *keep_aside_error;
};

G_DEFINE_FINAL_TYPE (BearerRefreshResult, bearer_refresh_result, G_TYPE_OBJECT)

static void
bearer_refresh_result_finalize (GObject *object)
{
  BearerRefreshResult *self = BEARER_REFRESH_RESULT (object);

  g_clear_pointer (&self->secrets, bearer_secrets_unref);
  g_clear_object (&self->response);
  g_clear_error (&self->store_error);
  g_clear_error (&self->keep_aside_error);

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
 * bearer_refresh_result_get_cancelled:
 *
 * Returns: whether the caller cancelled after the request had reached the
 *   server: the server's answer was still read and stored
 */
gboolean
bearer_refresh_result_get_cancelled (BearerRefreshResult *self)
{
  g_return_val_if_fail (BEARER_IS_REFRESH_RESULT (self), FALSE);
  return self->cancelled;
}

/**
 * bearer_refresh_result_get_store_error:
 *
 * Returns: (nullable): why the new tokens could not be written to the
 *   keyring. See bearer_refresh_result_get_kept_aside() for where they are.
 */
const GError *
bearer_refresh_result_get_store_error (BearerRefreshResult *self)
{
  g_return_val_if_fail (BEARER_IS_REFRESH_RESULT (self), NULL);
  return self->store_error;
}

/**
 * bearer_refresh_result_get_kept_aside:
 *
 * Returns: whether the new tokens the keyring refused are kept in this
 *   session's private runtime directory (memory, not disk) until the next
 *   transaction on the profile moves them into the keyring. When %FALSE
 *   with a store error, this result holds the only copy (see
 *   bearer_refresh_result_get_keep_aside_error()).
 */
gboolean
bearer_refresh_result_get_kept_aside (BearerRefreshResult *self)
{
  g_return_val_if_fail (BEARER_IS_REFRESH_RESULT (self), FALSE);
  return self->kept_aside;
}

const GError *
bearer_refresh_result_get_keep_aside_error (BearerRefreshResult *self)
{
  g_return_val_if_fail (BEARER_IS_REFRESH_RESULT (self), NULL);
  return self->keep_aside_error;
}

/* -------------------------------------------------------------------------
 * The refresh
 * ------------------------------------------------------------------------- */

typedef struct {
  BearerProfileLock lock;       /* first: see bearer_profile_lock_of() */
  BearerProfile *profile;
  BearerRefreshFlags flags;
  guint min_valid;
  gint64 asked_at;              /* g_get_real_time() when the refresh was asked for */
  BearerSecrets *current;       /* read under the lock */
  BearerSecrets *next;          /* to be stored */
  BearerTokenResponse *response;
  GError *server_error;         /* a dead refresh token, reported after storing the mark */
  gboolean cancelled;           /* after the request reached the server */
  gboolean sign_in;             /* bearer_refresh_sign_in_async() */
  BearerTokenRequest *sign_in_request;   /* the code exchange, to send under the lock */
} Refresh;

static void
refresh_free (Refresh *r)
{
  bearer_profile_lock_clear (&r->lock);
  g_clear_object (&r->profile);
  g_clear_pointer (&r->current, bearer_secrets_unref);
  g_clear_pointer (&r->next, bearer_secrets_unref);
  g_clear_object (&r->response);
  g_clear_error (&r->server_error);
  g_clear_object (&r->sign_in_request);
  g_free (r);
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
fail_task (GTask  *task,
           GError *error)
{
  bearer_profile_lock_fail (task, error);
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
  result->cancelled = r->cancelled;
  result->store_error = store_error;

  /* The server rotated the tokens and the keyring refused them: keep them
   * where the next transaction on this profile finds them. */
  if (store_error != NULL && r->response != NULL)
    result->kept_aside = bearer_pending_save (bearer_profile_get_id (r->profile), secrets,
                                              &result->keep_aside_error);

  /* Let the next refresh in, whatever the caller does with the result. */
  bearer_profile_lock_release (&r->lock);
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
take_response (GTask *task)
{
  Refresh *r = g_task_get_task_data (task);

  r->next = bearer_secrets_copy (r->current);
  bearer_secrets_set_access_token (r->next,
                                   bearer_token_response_get_access_token (r->response),
                                   bearer_token_response_get_token_type (r->response),
                                   bearer_token_response_get_expires_at (r->response),
                                   bearer_token_response_get_scope (r->response));
  /* A sign-in starts afresh: a refresh token of an earlier sign-in (maybe
   * another user's) is not kept when the server issued none. */
  if (r->sign_in || bearer_token_response_get_refresh_token (r->response) != NULL)
    bearer_secrets_set_refresh_token (r->next, bearer_token_response_get_refresh_token (r->response));
  bearer_secrets_set_needs_sign_in (r->next, FALSE);

  store_next (task, TRUE);
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
  /* Cancelled too late to stop the request: the answer is kept all the same. */
  r->cancelled = g_cancellable_is_cancelled (g_task_get_cancellable (task)) &&
                 !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
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

  take_response (task);
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

/**
 * bearer_refresh_build_request:
 * @profile: the profile
 * @secrets: its secrets
 *
 * The token request the refresh transaction sends for @profile: the
 * profile's grant (a profile signed in through the browser refreshes with
 * its refresh token), its settings, and the secrets of @secrets that the
 * grant and client authentication use. The request preview renders the
 * same request.
 *
 * Returns: (transfer full): the request
 */
BearerTokenRequest *
bearer_refresh_build_request (BearerProfile       *profile,
                              const BearerSecrets *secrets)
{
  BearerTokenRequest *request;
  BearerGrantType grant;

  g_return_val_if_fail (BEARER_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (secrets != NULL, NULL);

  grant = bearer_profile_get_grant_type (profile);
  if (bearer_grant_type_is_sign_in (grant))
    grant = BEARER_GRANT_REFRESH_TOKEN;

  request = bearer_profile_create_request (profile, grant);
  bearer_token_request_set_client (request, bearer_profile_get_client_id (profile),
                                   bearer_secrets_get_client_secret (secrets));
  bearer_token_request_set_private_key (request, bearer_secrets_get_private_key (secrets));
  bearer_token_request_set_client_key (request, bearer_secrets_get_client_key (secrets));
  if (bearer_profile_get_dpop (profile))
    bearer_token_request_set_dpop_key (request, bearer_secrets_get_dpop_key (secrets));
  bearer_token_request_set_refresh_token (request, bearer_secrets_get_refresh_token (secrets));
  if (grant == BEARER_GRANT_PASSWORD)
    bearer_token_request_set_password (request, bearer_profile_get_username (profile),
                                       bearer_secrets_get_password (secrets));
  return request;
}

static void
ask_server (GTask *task)
{
  Refresh *r = g_task_get_task_data (task);
  g_autoptr(BearerTokenRequest) request = NULL;
  BearerGrantType grant = bearer_profile_get_grant_type (r->profile);
  const char *name = bearer_profile_get_name (r->profile);

  /* A profile signed in through the browser or with a device code keeps
   * itself alive with its refresh token. */
  if (bearer_grant_type_is_sign_in (grant))
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

  request = bearer_refresh_build_request (r->profile, r->current);

  bearer_client_request_token_async (bearer_client_get_default (), request,
                                     g_task_get_cancellable (task), token_cb, task);
}

/* A sign-in under the lock: the tokens a device grant brought are stored
 * as they are; the code exchange is sent now, with the client secret as
 * stored, and its answer stored as a refresh's. */
static void
sign_in_locked (GTask *task)
{
  Refresh *r = g_task_get_task_data (task);

  if (r->response != NULL)
    {
      take_response (task);
      return;
    }

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      fail_task (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled")));
      return;
    }

  {
    g_autofree char *client_id = g_strdup (bearer_token_request_get_client_id (r->sign_in_request));

    bearer_token_request_set_client (r->sign_in_request, client_id,
                                     bearer_secrets_get_client_secret (r->current));
    bearer_token_request_set_private_key (r->sign_in_request,
                                          bearer_secrets_get_private_key (r->current));
    bearer_token_request_set_client_key (r->sign_in_request,
                                         bearer_secrets_get_client_key (r->current));
    if (bearer_profile_get_dpop (r->profile))
      bearer_token_request_set_dpop_key (r->sign_in_request,
                                         bearer_secrets_get_dpop_key (r->current));
  }
  bearer_client_request_token_async (bearer_client_get_default (), r->sign_in_request,
                                     g_task_get_cancellable (task), token_cb, task);
}

static void
send_locked (GTask *task)
{
  Refresh *r = g_task_get_task_data (task);

  if (r->sign_in)
    sign_in_locked (task);
  else
    ask_server (task);
}

static void
dpop_key_stored_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  /* Nothing was sent: a token bound to a key the keyring does not hold
   * would be lost with this process. */
  if (!bearer_secrets_store_finish (result, &error))
    {
      fail_task (task, error);
      return;
    }
  send_locked (task);
}

/* A profile with DPoP on gets its key the first time a request needs it:
 * made, then written to the keyring, before anything is sent with it. */
static void
send_locked_with_dpop_key (GTask *task)
{
  Refresh *r = g_task_get_task_data (task);
  BearerSecrets *with_key;
  GError *error = NULL;
  char *key;

  if (!bearer_profile_get_dpop (r->profile) || bearer_secrets_get_dpop_key (r->current) != NULL ||
      (r->sign_in && r->response != NULL))
    {
      send_locked (task);
      return;
    }

  if (!(key = bearer_dpop_key_generate (&error)))
    {
      fail_task (task, error);
      return;
    }
  g_debug ("Made a DPoP key for %s", bearer_profile_get_id (r->profile));
  with_key = bearer_secrets_copy (r->current);
  bearer_secrets_set_dpop_key (with_key, key);
  bearer_secret_free (key);
  bearer_secrets_unref (r->current);
  r->current = with_key;
  bearer_secrets_store_async (bearer_profile_get_id (r->profile),
                              bearer_profile_get_name (r->profile),
                              r->current, NULL, dpop_key_stored_cb, task);
}

static void
decide (GTask *task)
{
  Refresh *r = g_task_get_task_data (task);
  gint64 now = now_seconds ();

  if (r->sign_in)
    {
      send_locked_with_dpop_key (task);
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

  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      fail_task (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled")));
      return;
    }

  send_locked_with_dpop_key (task);
}

static void
recovered_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  Refresh *r = g_task_get_task_data (task);
  GError *error = NULL;

  /* Still refused: the tokens stay aside, and nothing is spent. */
  if (!bearer_secrets_store_finish (result, &error))
    {
      fail_task (task, error);
      return;
    }

  g_debug ("Moved the pending tokens of %s into the keyring", bearer_profile_get_id (r->profile));
  bearer_pending_clear (bearer_profile_get_id (r->profile));
  decide (task);
}

static void
current_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  Refresh *r = g_task_get_task_data (task);
  const char *id = bearer_profile_get_id (r->profile);
  g_autoptr(BearerSecrets) pending = NULL;
  GError *error = NULL;

  r->current = bearer_secrets_lookup_finish (result, &error);
  if (r->current == NULL)
    {
      fail_task (task, error);
      return;
    }

  /* Tokens an earlier refresh could not store go in first. */
  pending = bearer_pending_load (id);
  if (pending != NULL && bearer_pending_apply (r->current, pending))
    {
      /* Not cancellable: they may be the only copy. */
      bearer_secrets_store_async (id, bearer_profile_get_name (r->profile), r->current, NULL,
                                  recovered_cb, task);
      return;
    }
  if (pending != NULL)
    bearer_pending_clear (id);  /* the keyring has newer ones */

  decide (task);
}

static void
refresh_locked (GTask *task)
{
  Refresh *r = g_task_get_task_data (task);

  if (bearer_profile_lock_is_removed (&r->lock))
    {
      fail_task (task, bearer_profile_removed_error (bearer_profile_get_name (r->profile)));
      return;
    }

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
 *
 * @cancellable stops the refresh only until its request has reached the
 * server; after that the answer is still stored and returned, and
 * bearer_refresh_result_get_cancelled() says so.
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
  /* Tokens stored after a late cancel are still the result. */
  g_task_set_check_cancellable (task, FALSE);

  r = g_new0 (Refresh, 1);
  r->lock = (BearerProfileLock) BEARER_PROFILE_LOCK_INIT;
  r->profile = g_object_ref (profile);
  r->flags = flags;
  r->min_valid = min_valid;
  r->asked_at = g_get_real_time ();
  g_task_set_task_data (task, r, (GDestroyNotify) refresh_free);

  bearer_profile_lock_take (task, profile, refresh_locked);
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


/**
 * bearer_refresh_sign_in_async:
 * @profile: the profile
 * @request: (nullable): the code exchange (grant authorization_code, with
 *   the profile's client; the client secret is taken from the keyring under
 *   the lock), or %NULL when @response holds the tokens already
 * @response: (nullable): the tokens a device grant's poll brought
 *
 * Stores a sign-in's tokens the way a refresh stores them: under the
 * profile's lock, moving kept-aside tokens in first, the new access and
 * refresh tokens written to the keyring before success is reported, and
 * kept aside if the keyring refuses them (bearer_refresh_result_get_store_error()).
 * A code exchange is sent under the lock; once it has reached the server,
 * cancelling no longer stops it. Finish with bearer_refresh_finish().
 */
void
bearer_refresh_sign_in_async (BearerProfile       *profile,
                              BearerTokenRequest  *request,
                              BearerTokenResponse *response,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;
  Refresh *r;

  g_return_if_fail (BEARER_IS_PROFILE (profile));
  g_return_if_fail ((request == NULL) != (response == NULL));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_refresh_async);
  g_task_set_check_cancellable (task, FALSE);

  r = g_new0 (Refresh, 1);
  r->lock = (BearerProfileLock) BEARER_PROFILE_LOCK_INIT;
  r->profile = g_object_ref (profile);
  r->flags = BEARER_REFRESH_FORCE;
  r->asked_at = g_get_real_time ();
  r->sign_in = TRUE;
  r->sign_in_request = request != NULL ? g_object_ref (request) : NULL;
  r->response = response != NULL ? g_object_ref (response) : NULL;
  g_task_set_task_data (task, r, (GDestroyNotify) refresh_free);

  bearer_profile_lock_take (task, profile, refresh_locked);
}
