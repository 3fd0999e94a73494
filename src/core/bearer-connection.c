/* bearer-connection.c: one profile, its secrets and its token, as one object
 *
 * A connection is what the window shows and bearer-cli and the token agent
 * use: one per profile, the one place that knows
 *
 *  - the profile's settings (a BearerProfile that the form edits directly);
 *  - its secrets as the form shows them and the refresh uses them (client
 *    secret, refresh token, password);
 *  - its token state, as properties with notify: the access token, its type,
 *    expiry and scope, a state (BearerTokenState), the last error, whether
 *    the last refresh rotated the refresh token and whether the keyring took
 *    it.
 *
 * Edits are saved after a pause (BEARER_CONNECTION_SAVE_DELAY_MS) and
 * serialised: one profile write and one keyring write at a time, the next
 * starting when the previous is done, so an older write never lands after
 * a newer one. Secrets are written read-modify-write under the profile's
 * lock (bearer_profile_update_secrets_async()), only the fields edited, so a
 * token a refresh stored meanwhile (here or in another process) is kept.
 *
 * bearer_connection_refresh_async() writes the secrets typed so far, then
 * runs the refresh transaction (bearer-refresh.c) and takes its result:
 * nothing travels back through the caller. Once a refresh's request has
 * reached the server it runs to its end whatever cancels it, and the
 * connection takes its answer.
 *
 * Every write and refresh in flight holds a reference on the connection and
 * on the default GApplication (if any), so it finishes even when the window
 * that started it is closed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "bearer-connection-private.h"
#include "bearer-enum-types.h"
#include "bearer-error.h"
#include "bearer-redact.h"

struct _BearerConnection
{
  GObject parent_instance;

  BearerProfileStore *store;
  BearerProfile *profile;
  gulong changed_id;
  gboolean applying;                /* taking the stored profile: not an edit */

  BearerNowFunc now_func;
  gpointer now_data;

  /* Secrets: what the keyring said, then what the user typed. */
  char *secrets[BEARER_N_SECRETS];
  gboolean secret_dirty[BEARER_N_SECRETS];
  gboolean secrets_loaded;
  GError *secrets_error;            /* reading them failed */

  /* The token. */
  BearerTokenState state;
  char *access_token;
  char *token_type;
  gint64 expires_at;
  char *scope;
  gboolean needs_sign_in;
  BearerTokenResponse *response;
  gboolean rotated;
  gboolean stored;
  GError *error;                    /* of the last refresh */
  guint refreshing;

  /* Saving. */
  guint delay;
  guint timeout_id;
  gboolean profile_dirty;
  gboolean profile_busy;
  gboolean secrets_busy;
  GError *save_error;               /* of the last keyring write, if it failed */
  GList *waiters;                   /* GTasks of flush, close and refresh waiting for writes */
  gboolean closed;
  gboolean saved;
};

G_DEFINE_FINAL_TYPE (BearerConnection, bearer_connection, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PROFILE,
  PROP_ID,
  PROP_STATE,
  PROP_ACCESS_TOKEN,
  PROP_TOKEN_TYPE,
  PROP_EXPIRES_AT,
  PROP_SCOPE,
  PROP_RESPONSE,
  PROP_ROTATED,
  PROP_STORED,
  PROP_HAS_REFRESH_TOKEN,
  PROP_ERROR,
  PROP_SECRETS_LOADED,
  PROP_SAVED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SECRET_CHANGED,
  PROFILE_SAVED,
  PROFILE_SAVE_FAILED,
  SECRETS_SAVED,
  SECRETS_SAVE_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void save_now (BearerConnection *self);
static void update_saved (BearerConnection *self);

static gint64
real_now (gpointer user_data)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
bearer_connection_dispose (GObject *object)
{
  BearerConnection *self = BEARER_CONNECTION (object);

  /* Only reached when nothing is in flight: a write holds a reference. */
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (self->profile != NULL)
    g_clear_signal_handler (&self->changed_id, self->profile);

  G_OBJECT_CLASS (bearer_connection_parent_class)->dispose (object);
}

static void
bearer_connection_finalize (GObject *object)
{
  BearerConnection *self = BEARER_CONNECTION (object);

  g_clear_object (&self->store);
  g_clear_object (&self->profile);
  for (guint i = 0; i < BEARER_N_SECRETS; i++)
    g_clear_pointer (&self->secrets[i], bearer_secret_free);
  g_clear_error (&self->secrets_error);
  g_clear_pointer (&self->access_token, bearer_secret_free);
  g_free (self->token_type);
  g_free (self->scope);
  g_clear_object (&self->response);
  g_clear_error (&self->error);
  g_clear_error (&self->save_error);
  g_assert (self->waiters == NULL);

  G_OBJECT_CLASS (bearer_connection_parent_class)->finalize (object);
}

static void
bearer_connection_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  BearerConnection *self = BEARER_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_PROFILE:
      g_value_set_object (value, self->profile);
      break;
    case PROP_ID:
      g_value_set_string (value, bearer_connection_get_id (self));
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_ACCESS_TOKEN:
      g_value_set_string (value, self->access_token);
      break;
    case PROP_TOKEN_TYPE:
      g_value_set_string (value, bearer_connection_get_token_type (self));
      break;
    case PROP_EXPIRES_AT:
      g_value_set_int64 (value, self->expires_at);
      break;
    case PROP_SCOPE:
      g_value_set_string (value, self->scope);
      break;
    case PROP_RESPONSE:
      g_value_set_object (value, self->response);
      break;
    case PROP_ROTATED:
      g_value_set_boolean (value, self->rotated);
      break;
    case PROP_STORED:
      g_value_set_boolean (value, self->stored);
      break;
    case PROP_HAS_REFRESH_TOKEN:
      g_value_set_boolean (value, bearer_connection_get_has_refresh_token (self));
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case PROP_SECRETS_LOADED:
      g_value_set_boolean (value, self->secrets_loaded);
      break;
    case PROP_SAVED:
      g_value_set_boolean (value, self->saved);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
bearer_connection_class_init (BearerConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = bearer_connection_dispose;
  object_class->finalize = bearer_connection_finalize;
  object_class->get_property = bearer_connection_get_property;

  properties[PROP_PROFILE] = g_param_spec_object ("profile", NULL, NULL, BEARER_TYPE_PROFILE, flags);
  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, BEARER_TYPE_TOKEN_STATE,
                                              BEARER_TOKEN_STATE_LOADING, flags);
  properties[PROP_ACCESS_TOKEN] = g_param_spec_string ("access-token", NULL, NULL, NULL, flags);
  properties[PROP_TOKEN_TYPE] = g_param_spec_string ("token-type", NULL, NULL, NULL, flags);
  properties[PROP_EXPIRES_AT] = g_param_spec_int64 ("expires-at", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_SCOPE] = g_param_spec_string ("scope", NULL, NULL, NULL, flags);
  properties[PROP_RESPONSE] = g_param_spec_object ("response", NULL, NULL, BEARER_TYPE_TOKEN_RESPONSE,
                                                   flags);
  properties[PROP_ROTATED] = g_param_spec_boolean ("rotated", NULL, NULL, FALSE, flags);
  properties[PROP_STORED] = g_param_spec_boolean ("stored", NULL, NULL, TRUE, flags);
  properties[PROP_HAS_REFRESH_TOKEN] = g_param_spec_boolean ("has-refresh-token", NULL, NULL, FALSE, flags);
  properties[PROP_ERROR] = g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR, flags);
  properties[PROP_SECRETS_LOADED] = g_param_spec_boolean ("secrets-loaded", NULL, NULL, FALSE, flags);
  properties[PROP_SAVED] = g_param_spec_boolean ("saved", NULL, NULL, TRUE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * BearerConnection::secret-changed:
   * @kind: which secret
   *
   * A secret changed other than through bearer_connection_set_secret(): read
   * from the keyring, or a refresh token the server rotated.
   */
  signals[SECRET_CHANGED] =
    g_signal_new ("secret-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, BEARER_TYPE_SECRET_KIND);
  signals[PROFILE_SAVED] =
    g_signal_new ("profile-saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[PROFILE_SAVE_FAILED] =
    g_signal_new ("profile-save-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[SECRETS_SAVED] =
    g_signal_new ("secrets-saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SECRETS_SAVE_FAILED] =
    g_signal_new ("secrets-save-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
bearer_connection_init (BearerConnection *self)
{
  self->delay = BEARER_CONNECTION_SAVE_DELAY_MS;
  self->now_func = real_now;
  self->stored = TRUE;
  self->saved = TRUE;
}

/* ---- state --------------------------------------------------------------- */

static BearerTokenState
compute_state (BearerConnection *self)
{
  gint64 now;
  guint margin;
  gboolean usable;

  if (self->refreshing > 0)
    return BEARER_TOKEN_STATE_REFRESHING;
  if (!self->secrets_loaded)
    return BEARER_TOKEN_STATE_LOADING;
  if (self->needs_sign_in)
    return BEARER_TOKEN_STATE_SIGN_IN;

  now = bearer_connection_now (self);
  usable = self->access_token != NULL && (self->expires_at == 0 || self->expires_at > now);
  if (self->error != NULL && !usable)
    return BEARER_TOKEN_STATE_FAILED;
  if (self->access_token == NULL)
    return BEARER_TOKEN_STATE_NONE;
  if (self->expires_at == 0)
    return BEARER_TOKEN_STATE_VALID;
  if (now >= self->expires_at)
    return BEARER_TOKEN_STATE_EXPIRED;
  margin = bearer_profile_get_refresh_margin (self->profile);
  if (now >= self->expires_at - (gint64) margin)
    return BEARER_TOKEN_STATE_EXPIRING;
  return BEARER_TOKEN_STATE_VALID;
}

/**
 * bearer_connection_update_state:
 *
 * Works the state out again from the token and the clock (the scheduler
 * calls it when an expiry or the margin before it is reached).
 */
void
bearer_connection_update_state (BearerConnection *self)
{
  BearerTokenState state;

  g_return_if_fail (BEARER_IS_CONNECTION (self));

  state = compute_state (self);
  if (state == self->state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/**
 * bearer_connection_get_next_change:
 *
 * Returns: when (seconds since the epoch) the state changes with time alone:
 *   the token enters the margin before expiry, or expires; 0 for never
 */
gint64
bearer_connection_get_next_change (BearerConnection *self)
{
  gint64 now, expiring;

  g_return_val_if_fail (BEARER_IS_CONNECTION (self), 0);

  if (self->access_token == NULL || self->expires_at == 0 || self->needs_sign_in)
    return 0;
  now = bearer_connection_now (self);
  expiring = self->expires_at - (gint64) bearer_profile_get_refresh_margin (self->profile);
  if (now < expiring)
    return expiring;
  if (now < self->expires_at)
    return self->expires_at;
  return 0;
}

void
bearer_connection_set_now_func (BearerConnection *self,
                                BearerNowFunc     now_func,
                                gpointer          now_data)
{
  g_return_if_fail (BEARER_IS_CONNECTION (self));

  self->now_func = now_func != NULL ? now_func : real_now;
  self->now_data = now_data;
  bearer_connection_update_state (self);
}

gint64
bearer_connection_now (BearerConnection *self)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION (self), 0);
  return self->now_func (self->now_data);
}

/* ---- the token ----------------------------------------------------------- */

static gboolean
set_string (char       **field,
            const char  *value,
            gboolean     secret)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  if (secret)
    bearer_secret_free (*field);
  else
    g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

#define NOTIFY(self, prop) g_object_notify_by_pspec (G_OBJECT (self), properties[prop])

static void
set_error (BearerConnection *self,
           const GError     *error)
{
  if (self->error == NULL && error == NULL)
    return;
  g_clear_error (&self->error);
  if (error != NULL)
    self->error = g_error_copy (error);
  NOTIFY (self, PROP_ERROR);
}

/* Takes the token part of @secrets (as stored, or as a refresh returned). */
static void
take_token (BearerConnection    *self,
            const BearerSecrets *secrets)
{
  const char *access_token = bearer_secrets_get_access_token (secrets);

  g_object_freeze_notify (G_OBJECT (self));
  if (set_string (&self->access_token, access_token, TRUE))
    NOTIFY (self, PROP_ACCESS_TOKEN);
  if (set_string (&self->token_type, access_token != NULL ? bearer_secrets_get_token_type (secrets) : NULL,
                  FALSE))
    NOTIFY (self, PROP_TOKEN_TYPE);
  if (self->expires_at != bearer_secrets_get_expires_at (secrets))
    {
      self->expires_at = bearer_secrets_get_expires_at (secrets);
      NOTIFY (self, PROP_EXPIRES_AT);
    }
  if (set_string (&self->scope, bearer_secrets_get_scope (secrets), FALSE))
    NOTIFY (self, PROP_SCOPE);
  self->needs_sign_in = bearer_secrets_get_needs_sign_in (secrets);
  bearer_connection_update_state (self);
  g_object_thaw_notify (G_OBJECT (self));
}

/* A secret as read or rotated: what the user is typing is never replaced. */
static void
take_secret (BearerConnection *self,
             BearerSecretKind  kind,
             const char       *value)
{
  gboolean had_refresh_token = bearer_connection_get_has_refresh_token (self);

  if (self->secret_dirty[kind] || !set_string (&self->secrets[kind], value, TRUE))
    return;
  g_signal_emit (self, signals[SECRET_CHANGED], 0, kind);
  if (kind == BEARER_SECRET_REFRESH_TOKEN && had_refresh_token != bearer_connection_get_has_refresh_token (self))
    NOTIFY (self, PROP_HAS_REFRESH_TOKEN);
}

/**
 * bearer_connection_set_secrets:
 * @secrets: the profile's secrets, as the keyring holds them
 *
 * Takes what the keyring holds (the connection list reads all connections'
 * items in one search). Secrets being edited are kept.
 */
void
bearer_connection_set_secrets (BearerConnection    *self,
                               const BearerSecrets *secrets)
{
  g_return_if_fail (BEARER_IS_CONNECTION (self));
  g_return_if_fail (secrets != NULL);

  g_object_freeze_notify (G_OBJECT (self));
  take_secret (self, BEARER_SECRET_CLIENT_SECRET, bearer_secrets_get_client_secret (secrets));
  take_secret (self, BEARER_SECRET_REFRESH_TOKEN, bearer_secrets_get_refresh_token (secrets));
  take_secret (self, BEARER_SECRET_PASSWORD, bearer_secrets_get_password (secrets));
  take_secret (self, BEARER_SECRET_PRIVATE_KEY, bearer_secrets_get_private_key (secrets));
  take_secret (self, BEARER_SECRET_CLIENT_KEY, bearer_secrets_get_client_key (secrets));
  /* The keyring answers again, or another process brought a new token:
   * what failed before is history. */
  if (self->secrets_error != NULL ||
      g_strcmp0 (self->access_token, bearer_secrets_get_access_token (secrets)) != 0)
    set_error (self, NULL);
  g_clear_error (&self->secrets_error);
  if (!self->secrets_loaded)
    {
      self->secrets_loaded = TRUE;
      NOTIFY (self, PROP_SECRETS_LOADED);
    }
  take_token (self, secrets);
  g_object_thaw_notify (G_OBJECT (self));
}

/**
 * bearer_connection_set_secrets_error:
 *
 * The keyring could not be read (locked, absent, a damaged item).
 */
void
bearer_connection_set_secrets_error (BearerConnection *self,
                                     const GError     *error)
{
  g_return_if_fail (BEARER_IS_CONNECTION (self));
  g_return_if_fail (error != NULL);

  g_clear_error (&self->secrets_error);
  self->secrets_error = g_error_copy (error);
  set_error (self, error);
  if (!self->secrets_loaded)
    {
      /* Loaded as far as it goes: the form can be used, and the state
       * says what is wrong. */
      self->secrets_loaded = TRUE;
      NOTIFY (self, PROP_SECRETS_LOADED);
    }
  bearer_connection_update_state (self);
}

const GError *
bearer_connection_get_secrets_error (BearerConnection *self)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION (self), NULL);
  return self->secrets_error;
}

static void
reloaded_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(BearerConnection) self = user_data;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(GError) error = NULL;

  secrets = bearer_secrets_lookup_finish (result, &error);
  if (secrets != NULL)
    bearer_connection_set_secrets (self, secrets);
  else
    bearer_connection_set_secrets_error (self, error);
}

/**
 * bearer_connection_reload_secrets:
 *
 * Reads the keyring again (another process changed the profile's secrets).
 */
void
bearer_connection_reload_secrets (BearerConnection *self)
{
  g_return_if_fail (BEARER_IS_CONNECTION (self));

  bearer_secrets_lookup_async (bearer_connection_get_id (self), NULL, reloaded_cb,
                               g_object_ref (self));
}

BearerTokenState
bearer_connection_get_state (BearerConnection *self)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION (self), BEARER_TOKEN_STATE_LOADING);
  return self->state;
}

const char *
bearer_connection_get_access_token (BearerConnection *self)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION (self), NULL);
  return self->access_token;
}

const char *
bearer_connection_get_token_type (BearerConnection *self)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION (self), NULL);
  return self->access_token != NULL ? (self->token_type != NULL ? self->token_type : "Bearer") : NULL;
}

gint64
bearer_connection_get_expires_at (BearerConnection *self)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION (self), 0);
  return self->expires_at;
}

const char *
bearer_connection_get_scope (BearerConnection *self)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION (self), NULL);
  return self->scope;
}

/**
 * bearer_connection_get_response:
 *
 * Returns: (transfer none) (nullable): the server's reply of the last
 *   refresh that asked it, for its claims and raw members
 */
BearerTokenResponse *
bearer_connection_get_response (BearerConnection *self)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION (self), NULL);
  return self->response;
}

/**
 * bearer_connection_get_rotated:
 *
 * Returns: whether the last refresh brought a new refresh token
 */
gboolean
bearer_connection_get_rotated (BearerConnection *self)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION (self), FALSE);
  return self->rotated;
}

/**
 * bearer_connection_get_stored:
 *
 * Returns: whether the token is in the keyring (%FALSE after a refresh
 *   whose tokens the keyring refused: see docs/storage.md)
 */
gboolean
bearer_connection_get_stored (BearerConnection *self)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION (self), FALSE);
  return self->stored;
}

gboolean
bearer_connection_get_has_refresh_token (BearerConnection *self)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION (self), FALSE);
  return self->secrets[BEARER_SECRET_REFRESH_TOKEN] != NULL &&
         *self->secrets[BEARER_SECRET_REFRESH_TOKEN] != '\0';
}

/**
 * bearer_connection_get_error:
 *
 * Returns: (nullable): why the last refresh failed, or why the keyring
 *   could not be read
 */
const GError *
bearer_connection_get_error (BearerConnection *self)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION (self), NULL);
  return self->error;
}

/**
 * bearer_connection_dup_token:
 *
 * Returns: (transfer full): the token, as secrets with the access token part
 *   only (for a token view or a row)
 */
BearerSecrets *
bearer_connection_dup_token (BearerConnection *self)
{
  BearerSecrets *token = bearer_secrets_new ();

  g_return_val_if_fail (BEARER_IS_CONNECTION (self), token);

  if (self->access_token != NULL)
    bearer_secrets_set_access_token (token, self->access_token, self->token_type, self->expires_at,
                                     self->scope);
  bearer_secrets_set_refresh_token (token, self->secrets[BEARER_SECRET_REFRESH_TOKEN]);
  bearer_secrets_set_needs_sign_in (token, self->needs_sign_in);
  return token;
}

/* ---- saving --------------------------------------------------------------- */

static GApplication *
hold_application (void)
{
  GApplication *app = g_application_get_default ();

  if (app != NULL)
    g_application_hold (g_object_ref (app));
  return app;
}

static void
release_application (GApplication *app)
{
  if (app == NULL)
    return;
  g_application_release (app);
  g_object_unref (app);
}

static gboolean
any_secret_dirty (BearerConnection *self)
{
  for (guint i = 0; i < BEARER_N_SECRETS; i++)
    if (self->secret_dirty[i])
      return TRUE;
  return FALSE;
}

static void
update_saved (BearerConnection *self)
{
  gboolean saved = !self->profile_dirty && !self->profile_busy && !self->secrets_busy &&
                   !any_secret_dirty (self) && self->timeout_id == 0;

  if (saved == self->saved)
    return;
  self->saved = saved;
  NOTIFY (self, PROP_SAVED);
}

/* Completes the waiters (flush, close, a refresh waiting for the secrets)
 * once no write is pending or in flight. */
static void
check_idle (BearerConnection *self)
{
  GList *waiters;

  update_saved (self);
  if (self->profile_busy || self->secrets_busy || self->timeout_id != 0)
    return;

  waiters = g_steal_pointer (&self->waiters);
  for (GList *l = waiters; l != NULL; l = l->next)
    {
      g_autoptr(GTask) task = l->data;

      if (any_secret_dirty (self) && self->save_error != NULL)
        g_task_return_error (task, g_error_copy (self->save_error));
      else
        g_task_return_boolean (task, TRUE);
    }
  g_list_free (waiters);
}

static gboolean
timeout_cb (gpointer user_data)
{
  BearerConnection *self = user_data;

  self->timeout_id = 0;
  save_now (self);
  check_idle (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_save (BearerConnection *self)
{
  if (self->closed)
    return;
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  self->timeout_id = g_timeout_add (self->delay, timeout_cb, self);
  update_saved (self);
}

static void
profile_changed_cb (BearerConnection *self)
{
  if (self->applying)
    return;
  self->profile_dirty = TRUE;
  schedule_save (self);
  /* The margin may have changed. */
  bearer_connection_update_state (self);
}

typedef struct {
  BearerConnection *self;
  GApplication *app;
} Op;

static Op *
op_new (BearerConnection *self)
{
  Op *op = g_new0 (Op, 1);

  op->self = g_object_ref (self);
  op->app = hold_application ();
  return op;
}

static void
op_free (Op *op)
{
  release_application (op->app);
  g_object_unref (op->self);
  g_free (op);
}

static void save_profile (BearerConnection *self);

static void
profile_saved_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Op *op = user_data;
  BearerConnection *self = op->self;
  g_autoptr(GError) error = NULL;

  self->profile_busy = FALSE;
  if (!bearer_profile_store_save_profile_finish (BEARER_PROFILE_STORE (source), result, &error))
    {
      g_debug ("Saving the profile failed: %s", error->message);
      /* A profile removed meanwhile is not brought back; anything else is
       * tried again with the next change or flush. */
      if (!g_error_matches (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_NOT_FOUND))
        self->profile_dirty = TRUE;
      g_signal_emit (self, signals[PROFILE_SAVE_FAILED], 0, error);
    }
  else
    {
      g_signal_emit (self, signals[PROFILE_SAVED], 0);
      if (self->profile_dirty && self->timeout_id == 0)
        save_profile (self);
    }

  check_idle (self);
  op_free (op);
}

static void
save_profile (BearerConnection *self)
{
  if (self->closed || self->profile_busy || !self->profile_dirty)
    return;

  self->profile_busy = TRUE;
  self->profile_dirty = FALSE;
  bearer_profile_store_save_profile_async (self->store, self->profile, NULL,
                                           profile_saved_cb, op_new (self));
}

typedef struct {
  Op *op;
  char *values[BEARER_N_SECRETS];
  gboolean set[BEARER_N_SECRETS];
} SecretsOp;

static void
secrets_op_free (SecretsOp *sop)
{
  for (guint i = 0; i < BEARER_N_SECRETS; i++)
    g_clear_pointer (&sop->values[i], bearer_secret_free);
  op_free (sop->op);
  g_free (sop);
}

static void save_secrets (BearerConnection *self);

static void
secrets_updated_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  SecretsOp *sop = user_data;
  BearerConnection *self = sop->op->self;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(GError) error = NULL;

  secrets = bearer_profile_update_secrets_finish (result, &error);
  self->secrets_busy = FALSE;
  g_clear_error (&self->save_error);

  if (secrets == NULL)
    {
      g_debug ("Saving the secrets failed: %s", error->message);
      /* What could not be written stays to be written. */
      for (guint i = 0; i < BEARER_N_SECRETS; i++)
        if (sop->set[i])
          self->secret_dirty[i] = TRUE;
      self->save_error = g_error_copy (error);
      g_signal_emit (self, signals[SECRETS_SAVE_FAILED], 0, error);
    }
  else
    {
      /* The bundle as stored: a token a refresh stored meanwhile shows. */
      take_token (self, secrets);
      if (!self->stored && bearer_secrets_get_access_token (secrets) != NULL)
        {
          self->stored = TRUE;
          NOTIFY (self, PROP_STORED);
        }
      g_signal_emit (self, signals[SECRETS_SAVED], 0);
      if (any_secret_dirty (self) && self->timeout_id == 0)
        save_secrets (self);
    }

  check_idle (self);
  secrets_op_free (sop);
}

/* Runs under the profile's lock, on the bundle as stored at that moment:
 * only what was edited is replaced. */
static void
apply_edited_secrets (BearerSecrets *secrets,
                      gpointer       user_data)
{
  SecretsOp *sop = user_data;

  if (sop->set[BEARER_SECRET_CLIENT_SECRET])
    bearer_secrets_set_client_secret (secrets, sop->values[BEARER_SECRET_CLIENT_SECRET]);
  if (sop->set[BEARER_SECRET_PASSWORD])
    bearer_secrets_set_password (secrets, sop->values[BEARER_SECRET_PASSWORD]);
  if (sop->set[BEARER_SECRET_PRIVATE_KEY])
    bearer_secrets_set_private_key (secrets, sop->values[BEARER_SECRET_PRIVATE_KEY]);
  if (sop->set[BEARER_SECRET_CLIENT_KEY])
    bearer_secrets_set_client_key (secrets, sop->values[BEARER_SECRET_CLIENT_KEY]);
  if (sop->set[BEARER_SECRET_REFRESH_TOKEN] &&
      g_strcmp0 (bearer_secrets_get_refresh_token (secrets),
                 sop->values[BEARER_SECRET_REFRESH_TOKEN]) != 0)
    {
      /* A refresh token pasted by the user is a new sign-in. */
      bearer_secrets_set_refresh_token (secrets, sop->values[BEARER_SECRET_REFRESH_TOKEN]);
      bearer_secrets_set_needs_sign_in (secrets, FALSE);
    }
}

static void
save_secrets (BearerConnection *self)
{
  SecretsOp *sop;

  if (self->closed || self->secrets_busy || !any_secret_dirty (self))
    return;

  sop = g_new0 (SecretsOp, 1);
  sop->op = op_new (self);
  for (guint i = 0; i < BEARER_N_SECRETS; i++)
    if (self->secret_dirty[i])
      {
        /* Blank means no secret. */
        if (self->secrets[i] != NULL && *self->secrets[i] != '\0')
          sop->values[i] = g_strdup (self->secrets[i]);
        sop->set[i] = TRUE;
        self->secret_dirty[i] = FALSE;
      }

  self->secrets_busy = TRUE;
  /* Not cancellable: once under way, the change is written. */
  bearer_profile_update_secrets_async (self->profile, apply_edited_secrets, sop, NULL,
                                       NULL, secrets_updated_cb, sop);
}

static void
save_now (BearerConnection *self)
{
  save_profile (self);
  save_secrets (self);
}

/* ---- public API ------------------------------------------------------------ */

/**
 * bearer_connection_new:
 * @store: where the profile is saved
 * @profile: the profile (the connection edits this very object)
 *
 * Returns: (transfer full): a connection whose secrets are not loaded yet:
 *   bearer_connection_set_secrets() or bearer_connection_reload_secrets()
 */
BearerConnection *
bearer_connection_new (BearerProfileStore *store,
                       BearerProfile      *profile)
{
  BearerConnection *self;

  g_return_val_if_fail (BEARER_IS_PROFILE_STORE (store), NULL);
  g_return_val_if_fail (BEARER_IS_PROFILE (profile), NULL);

  self = g_object_new (BEARER_TYPE_CONNECTION, NULL);
  self->store = g_object_ref (store);
  self->profile = g_object_ref (profile);
  self->changed_id = g_signal_connect_swapped (profile, "changed", G_CALLBACK (profile_changed_cb), self);
  return self;
}

/**
 * bearer_connection_get_profile:
 *
 * Returns: (transfer none): the profile; every change to it is saved after
 *   a short pause
 */
BearerProfile *
bearer_connection_get_profile (BearerConnection *self)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION (self), NULL);
  return self->profile;
}

const char *
bearer_connection_get_id (BearerConnection *self)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION (self), NULL);
  return bearer_profile_get_id (self->profile);
}

/**
 * bearer_connection_get_secret:
 *
 * Returns: (nullable): the secret as typed, or as the keyring holds it
 */
const char *
bearer_connection_get_secret (BearerConnection *self,
                              BearerSecretKind  kind)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (kind < BEARER_N_SECRETS, NULL);
  return self->secrets[kind];
}

/**
 * bearer_connection_set_secret:
 * @value: (nullable): what the user typed; blank removes the secret
 *
 * Saves the secret to the keyring after a short pause.
 */
void
bearer_connection_set_secret (BearerConnection *self,
                              BearerSecretKind  kind,
                              const char       *value)
{
  gboolean had_refresh_token;

  g_return_if_fail (BEARER_IS_CONNECTION (self));
  g_return_if_fail (kind < BEARER_N_SECRETS);

  if (value != NULL && *value == '\0')
    value = NULL;
  had_refresh_token = bearer_connection_get_has_refresh_token (self);
  if (!set_string (&self->secrets[kind], value, TRUE))
    return;

  self->secret_dirty[kind] = TRUE;
  if (kind == BEARER_SECRET_REFRESH_TOKEN)
    {
      /* A refresh token pasted is a new sign-in. */
      if (self->needs_sign_in)
        {
          self->needs_sign_in = FALSE;
          bearer_connection_update_state (self);
        }
      if (had_refresh_token != bearer_connection_get_has_refresh_token (self))
        NOTIFY (self, PROP_HAS_REFRESH_TOKEN);
    }
  schedule_save (self);
}

gboolean
bearer_connection_get_secrets_loaded (BearerConnection *self)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION (self), FALSE);
  return self->secrets_loaded;
}

/**
 * bearer_connection_get_saved:
 *
 * Returns: whether every edit has been written
 */
gboolean
bearer_connection_get_saved (BearerConnection *self)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION (self), FALSE);
  return self->saved;
}

/**
 * bearer_connection_get_editing:
 *
 * Returns: whether the profile has edits not yet written (a change of
 *   profiles.json on disk must not replace them)
 */
gboolean
bearer_connection_get_editing (BearerConnection *self)
{
  g_return_val_if_fail (BEARER_IS_CONNECTION (self), FALSE);
  return self->profile_dirty || self->profile_busy;
}

void
bearer_connection_set_save_delay (BearerConnection *self,
                                  guint             milliseconds)
{
  g_return_if_fail (BEARER_IS_CONNECTION (self));
  self->delay = milliseconds;
}

/**
 * bearer_connection_save_now:
 *
 * Starts writing every pending edit now, without waiting for the pause.
 */
void
bearer_connection_save_now (BearerConnection *self)
{
  g_return_if_fail (BEARER_IS_CONNECTION (self));

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  save_now (self);
  update_saved (self);
}

/**
 * bearer_connection_flush_async:
 *
 * Writes every pending edit now and reports when all writes are done. Fails
 * with the keyring's error when a secret could not be written.
 */
void
bearer_connection_flush_async (BearerConnection    *self,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (BEARER_IS_CONNECTION (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, bearer_connection_flush_async);
  self->waiters = g_list_append (self->waiters, task);

  bearer_connection_save_now (self);
  check_idle (self);
}

gboolean
bearer_connection_flush_finish (BearerConnection  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * bearer_connection_close_async:
 *
 * Drops every pending edit and reports when the writes in flight are done:
 * call it before removing the profile, so that no late save brings it back.
 */
void
bearer_connection_close_async (BearerConnection    *self,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (BEARER_IS_CONNECTION (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, bearer_connection_close_async);

  self->closed = TRUE;
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  self->profile_dirty = FALSE;
  for (guint i = 0; i < BEARER_N_SECRETS; i++)
    self->secret_dirty[i] = FALSE;

  self->waiters = g_list_append (self->waiters, task);
  check_idle (self);
}

gboolean
bearer_connection_close_finish (BearerConnection  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- refresh --------------------------------------------------------------- */

typedef struct {
  BearerRefreshFlags flags;
  guint min_valid;
  GApplication *app;
} RefreshData;

static void
refresh_data_free (RefreshData *data)
{
  release_application (data->app);
  g_free (data);
}

static void
refresh_started (BearerConnection *self)
{
  if (self->refreshing++ == 0)
    bearer_connection_update_state (self);
}

static void
refresh_ended (BearerConnection *self)
{
  g_assert (self->refreshing > 0);
  self->refreshing--;
  bearer_connection_update_state (self);
}

static void
take_result (BearerConnection    *self,
             BearerRefreshResult *result)
{
  BearerSecrets *secrets = bearer_refresh_result_get_secrets (result);
  BearerTokenResponse *response = bearer_refresh_result_get_response (result);
  gboolean stored = bearer_refresh_result_get_store_error (result) == NULL;
  gboolean rotated = response != NULL && bearer_token_response_get_refresh_token_rotated (response);

  g_object_freeze_notify (G_OBJECT (self));
  set_error (self, NULL);
  if (response != NULL && g_set_object (&self->response, response))
    NOTIFY (self, PROP_RESPONSE);
  if (response != NULL && rotated != self->rotated)
    {
      self->rotated = rotated;
      NOTIFY (self, PROP_ROTATED);
    }
  if (stored != self->stored)
    {
      self->stored = stored;
      NOTIFY (self, PROP_STORED);
    }
  take_secret (self, BEARER_SECRET_REFRESH_TOKEN, bearer_secrets_get_refresh_token (secrets));
  take_token (self, secrets);
  g_object_thaw_notify (G_OBJECT (self));
}

/* A refresh or a sign-in has ended: the connection takes its result (or
 * its error), then the caller hears of it. @task: (transfer full);
 * @result, @error: (transfer full), one of them set. */
static void
complete_token_task (BearerConnection    *self,
                     GTask               *task,
                     BearerRefreshResult *result,
                     GError              *error)
{
  g_object_freeze_notify (G_OBJECT (self));
  refresh_ended (self);
  if (result != NULL)
    take_result (self, result);
  else if (bearer_error_is_dead_refresh_token (error))
    {
      self->needs_sign_in = TRUE;
      set_error (self, error);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    set_error (self, error);
  bearer_connection_update_state (self);
  g_object_thaw_notify (G_OBJECT (self));

  if (result != NULL)
    g_task_return_pointer (task, result, g_object_unref);
  else
    g_task_return_error (task, error);
  g_object_unref (task);
}

static void
refreshed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  BearerConnection *self = g_task_get_source_object (task);
  BearerRefreshResult *refresh;
  GError *error = NULL;

  refresh = bearer_refresh_finish (result, &error);
  complete_token_task (self, task, refresh, error);
}

static void
secrets_written_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  BearerConnection *self = BEARER_CONNECTION (source);
  RefreshData *data = g_task_get_task_data (task);
  GError *error = NULL;

  /* What was typed could not be written: refreshing with what the keyring
   * holds would ignore it. */
  if (!bearer_connection_flush_finish (self, result, &error) ||
      g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    {
      refresh_ended (self);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  bearer_refresh_async (self->profile, data->flags, data->min_valid,
                        g_task_get_cancellable (task), refreshed_cb, task);
}

static void
start_refresh (BearerConnection    *self,
               BearerRefreshFlags   flags,
               guint                min_valid,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  GTask *task;
  RefreshData *data;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_connection_refresh_async);
  /* The answer to a request that reached the server is the result. */
  g_task_set_check_cancellable (task, FALSE);
  data = g_new0 (RefreshData, 1);
  data->flags = flags;
  data->min_valid = min_valid;
  data->app = hold_application ();
  g_task_set_task_data (task, data, (GDestroyNotify) refresh_data_free);

  refresh_started (self);
  bearer_connection_flush_async (self, secrets_written_cb, task);
}

/**
 * bearer_connection_refresh_async:
 * @flags: %BEARER_REFRESH_FORCE to ask the server whatever the stored token
 *
 * Writes what was typed, then runs the refresh transaction, and takes its
 * result (the properties change). Without FORCE, a token valid for more
 * than the profile's refresh margin (and BEARER_CONNECTION_REFRESH_SLACK) is
 * used as it is. @cancellable stops it only until its request has reached
 * the server (see bearer-refresh.c).
 */
void
bearer_connection_refresh_async (BearerConnection    *self,
                                 BearerRefreshFlags   flags,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (BEARER_IS_CONNECTION (self));

  start_refresh (self, flags,
                 bearer_profile_get_refresh_margin (self->profile) + BEARER_CONNECTION_REFRESH_SLACK,
                 cancellable, callback, user_data);
}

/**
 * bearer_connection_get_token_async:
 * @min_valid: the stored token is used if it is valid for at least this
 *   many seconds; otherwise it is refreshed
 *
 * A token for a caller that needs one now (bearer-cli token, the agent).
 * Finish with bearer_connection_refresh_finish().
 */
void
bearer_connection_get_token_async (BearerConnection    *self,
                                   guint                min_valid,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (BEARER_IS_CONNECTION (self));

  start_refresh (self, BEARER_REFRESH_NONE, min_valid, cancellable, callback, user_data);
}

/**
 * bearer_connection_refresh_finish:
 *
 * Returns: (transfer full): the refresh transaction's result, or %NULL with
 *   its error (or the keyring's, when what was typed could not be written)
 */
BearerRefreshResult *
bearer_connection_refresh_finish (BearerConnection  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bearer_connection_refresh_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- sign-in ------------------------------------------------------------------ */

static void
signed_in_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GTask *task = user_data;
  BearerConnection *self = g_task_get_source_object (task);
  BearerRefreshResult *signed_in;
  GError *error = NULL;

  signed_in = bearer_sign_in_run_finish (BEARER_SIGN_IN (source), result, &error);
  complete_token_task (self, task, signed_in, error);
}

static void
sign_in_secrets_written_cb (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  GTask *task = user_data;
  BearerConnection *self = BEARER_CONNECTION (source);
  BearerSignIn *sign_in = g_object_get_data (G_OBJECT (task), "bearer-sign-in");
  GError *error = NULL;

  /* The client secret as typed is what the sign-in must use. */
  if (!bearer_connection_flush_finish (self, result, &error) ||
      g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    {
      refresh_ended (self);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  bearer_sign_in_run_async (sign_in, g_task_get_cancellable (task), signed_in_cb, task);
}

/**
 * bearer_connection_sign_in_async:
 * @sign_in: a sign-in made for this connection's profile, not started
 *   (bearer_sign_in_new()); watch its state to open the browser or show
 *   the user code
 * @cancellable: (nullable): gives the sign-in up; a code exchange or poll
 *   that has reached the server runs to its end (see bearer-sign-in.c)
 *
 * Writes what was typed, then runs @sign_in, whose tokens are stored as a
 * refresh stores them, and takes its result as a refresh's (the properties
 * change). From then on the connection refreshes with the new refresh token.
 */
void
bearer_connection_sign_in_async (BearerConnection    *self,
                                 BearerSignIn        *sign_in,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;
  RefreshData *data;

  g_return_if_fail (BEARER_IS_CONNECTION (self));
  g_return_if_fail (BEARER_IS_SIGN_IN (sign_in));
  g_return_if_fail (bearer_sign_in_get_profile (sign_in) == self->profile);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_connection_sign_in_async);
  g_task_set_check_cancellable (task, FALSE);
  data = g_new0 (RefreshData, 1);
  data->app = hold_application ();
  g_task_set_task_data (task, data, (GDestroyNotify) refresh_data_free);
  g_object_set_data_full (G_OBJECT (task), "bearer-sign-in", g_object_ref (sign_in), g_object_unref);

  refresh_started (self);
  bearer_connection_flush_async (self, sign_in_secrets_written_cb, task);
}

/**
 * bearer_connection_sign_in_finish:
 *
 * Returns: (transfer full): the stored tokens, as a refresh's result, or
 *   %NULL with the sign-in's error (bearer_sign_in_run_finish())
 */
BearerRefreshResult *
bearer_connection_sign_in_finish (BearerConnection  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bearer_connection_sign_in_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- for the connection list ---------------------------------------------- */

/**
 * bearer_connection_take_stored_profile:
 * @stored: the profile as profiles.json holds it now
 *
 * Takes a change another process (or this one) wrote to profiles.json,
 * unless the profile is being edited here: the edit in progress wins, and
 * is written over it.
 *
 * Returns: whether it was taken
 */
gboolean
bearer_connection_take_stored_profile (BearerConnection *self,
                                       BearerProfile    *stored)
{
  g_autoptr(JsonObject) mine = NULL;
  g_autoptr(JsonObject) theirs = NULL;
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;

  g_return_val_if_fail (BEARER_IS_CONNECTION (self), FALSE);

  if (bearer_connection_get_editing (self) || self->closed)
    return FALSE;

  /* Only a real change notifies: saving here writes the file too. */
  mine = bearer_profile_to_json (self->profile);
  theirs = bearer_profile_to_json (stored);
  a = json_node_init_object (json_node_alloc (), mine);
  b = json_node_init_object (json_node_alloc (), theirs);
  if (json_node_equal (a, b))
    return TRUE;

  self->applying = TRUE;
  bearer_profile_update_from (self->profile, stored);
  self->applying = FALSE;
  bearer_connection_update_state (self);
  return TRUE;
}
