/* bearer-profile-editor.c: what the user types, saved shortly after typing stops
 *
 * The editor owns a *draft*: a copy of the stored profile with the same id,
 * which the form writes into. The store's own profile object is refreshed
 * from the file after every save (so the sidebar follows), but the draft is
 * only ever changed by the user: nothing typed is overwritten by a save
 * that was already on its way, or lost when a save fails.
 *
 * Saves are debounced (BEARER_PROFILE_EDITOR_DELAY_MS after the last
 * change) and serialised: one profile save and one keyring write at a time
 * per editor, the next one starting when the previous one is done, so an
 * older write can never land after a newer one. Secrets are written
 * read-modify-write (the keyring's bundle is read, only the fields the user
 * changed are replaced, and it is stored again), so an access token or a
 * rotated refresh token stored meanwhile by a refresh is kept.
 *
 * A write in flight holds a reference on the editor and on the default
 * GApplication, so it finishes even when the page that started it is gone
 * and the window is closed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "bearer-profile-editor.h"
#include "bearer-redact.h"
#include "bearer-refresh.h"

struct _BearerProfileEditor
{
  GObject parent_instance;

  BearerProfileStore *store;
  BearerProfile *draft;
  guint delay;
  guint timeout_id;

  gboolean profile_dirty;
  gboolean profile_busy;
  gboolean profile_failed;

  char *secrets[BEARER_N_SECRETS];  /* what the user typed last, wiped when freed */
  gboolean secret_set[BEARER_N_SECRETS];
  gboolean secret_dirty[BEARER_N_SECRETS];
  gboolean secrets_busy;
  GError *secrets_error;            /* of the last keyring write, if it failed */

  GList *waiters;                   /* GTasks of flush and close */
  gboolean closed;
};

G_DEFINE_FINAL_TYPE (BearerProfileEditor, bearer_profile_editor, G_TYPE_OBJECT)

enum {
  PROFILE_SAVED,
  PROFILE_SAVE_FAILED,
  SECRETS_SAVED,
  SECRETS_SAVE_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void save_now (BearerProfileEditor *self);

static void
bearer_profile_editor_dispose (GObject *object)
{
  BearerProfileEditor *self = BEARER_PROFILE_EDITOR (object);

  /* Only reached when nothing is in flight: a write holds a reference. */
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (self->draft != NULL)
    g_signal_handlers_disconnect_by_data (self->draft, self);

  G_OBJECT_CLASS (bearer_profile_editor_parent_class)->dispose (object);
}

static void
bearer_profile_editor_finalize (GObject *object)
{
  BearerProfileEditor *self = BEARER_PROFILE_EDITOR (object);

  g_clear_object (&self->store);
  g_clear_object (&self->draft);
  for (guint i = 0; i < BEARER_N_SECRETS; i++)
    g_clear_pointer (&self->secrets[i], bearer_secret_free);
  g_clear_error (&self->secrets_error);
  g_assert (self->waiters == NULL);

  G_OBJECT_CLASS (bearer_profile_editor_parent_class)->finalize (object);
}

static void
bearer_profile_editor_class_init (BearerProfileEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = bearer_profile_editor_dispose;
  object_class->finalize = bearer_profile_editor_finalize;

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
bearer_profile_editor_init (BearerProfileEditor *self)
{
  self->delay = BEARER_PROFILE_EDITOR_DELAY_MS;
}

/* ------------------------------------------------------------------------- */

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
any_secret_dirty (BearerProfileEditor *self)
{
  for (guint i = 0; i < BEARER_N_SECRETS; i++)
    if (self->secret_dirty[i])
      return TRUE;
  return FALSE;
}

/* Completes the flush and close waiters once nothing is in flight. */
static void
check_idle (BearerProfileEditor *self)
{
  GList *waiters;

  if (self->profile_busy || self->secrets_busy || self->timeout_id != 0)
    return;

  waiters = g_steal_pointer (&self->waiters);
  for (GList *l = waiters; l != NULL; l = l->next)
    {
      g_autoptr(GTask) task = l->data;

      if (any_secret_dirty (self) && self->secrets_error != NULL)
        g_task_return_error (task, g_error_copy (self->secrets_error));
      else
        g_task_return_boolean (task, TRUE);
    }
  g_list_free (waiters);
}

static gboolean
timeout_cb (gpointer user_data)
{
  BearerProfileEditor *self = user_data;

  self->timeout_id = 0;
  save_now (self);
  check_idle (self);
  return G_SOURCE_REMOVE;
}

static void
schedule (BearerProfileEditor *self)
{
  if (self->closed)
    return;
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  self->timeout_id = g_timeout_add (self->delay, timeout_cb, self);
}

static void
draft_changed_cb (BearerProfileEditor *self)
{
  self->profile_dirty = TRUE;
  schedule (self);
}

/* ---- the profile --------------------------------------------------------- */

typedef struct {
  BearerProfileEditor *self;
  GApplication *app;
} Op;

static Op *
op_new (BearerProfileEditor *self)
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

static void save_profile (BearerProfileEditor *self);

static void
profile_saved_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Op *op = user_data;
  BearerProfileEditor *self = op->self;
  g_autoptr(GError) error = NULL;

  self->profile_busy = FALSE;
  if (!bearer_profile_store_save_profile_finish (BEARER_PROFILE_STORE (source), result, &error))
    {
      g_debug ("Saving the profile failed: %s", error->message);
      /* Kept dirty: the next change or flush tries again. */
      self->profile_dirty = TRUE;
      self->profile_failed = TRUE;
      g_signal_emit (self, signals[PROFILE_SAVE_FAILED], 0, error);
    }
  else
    {
      self->profile_failed = FALSE;
      g_signal_emit (self, signals[PROFILE_SAVED], 0);
      /* Changed while saving, and no timer will save it: save it now. */
      if (self->profile_dirty && self->timeout_id == 0)
        save_profile (self);
    }

  check_idle (self);
  op_free (op);
}

static void
save_profile (BearerProfileEditor *self)
{
  if (self->closed || self->profile_busy || !self->profile_dirty)
    return;

  self->profile_busy = TRUE;
  self->profile_dirty = FALSE;
  bearer_profile_store_save_profile_async (self->store, self->draft, NULL,
                                           profile_saved_cb, op_new (self));
}

/* ---- the secrets --------------------------------------------------------- */

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

static void save_secrets (BearerProfileEditor *self);

static void
secrets_done (SecretsOp *sop,
              GError    *error)
{
  BearerProfileEditor *self = sop->op->self;

  self->secrets_busy = FALSE;
  g_clear_error (&self->secrets_error);

  if (error != NULL)
    {
      g_debug ("Saving the secrets failed: %s", error->message);
      /* What could not be written stays to be written. */
      for (guint i = 0; i < BEARER_N_SECRETS; i++)
        if (sop->set[i])
          self->secret_dirty[i] = TRUE;
      self->secrets_error = g_error_copy (error);
      g_signal_emit (self, signals[SECRETS_SAVE_FAILED], 0, error);
    }
  else
    {
      g_signal_emit (self, signals[SECRETS_SAVED], 0);
      if (any_secret_dirty (self) && self->timeout_id == 0)
        save_secrets (self);
    }

  check_idle (self);
  secrets_op_free (sop);
}

static void
secrets_updated_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(GError) error = NULL;

  secrets = bearer_profile_update_secrets_finish (result, &error);
  secrets_done (user_data, error);
}

/* Runs under the profile's lock, on the bundle as stored at that moment:
 * only what the user changed is replaced, so a token that a refresh (here
 * or in bearer-cli) stored meanwhile is kept. */
static void
apply_typed_secrets (BearerSecrets *secrets,
                     gpointer       user_data)
{
  SecretsOp *sop = user_data;

  if (sop->set[BEARER_SECRET_CLIENT_SECRET])
    bearer_secrets_set_client_secret (secrets, sop->values[BEARER_SECRET_CLIENT_SECRET]);
  if (sop->set[BEARER_SECRET_PASSWORD])
    bearer_secrets_set_password (secrets, sop->values[BEARER_SECRET_PASSWORD]);
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
save_secrets (BearerProfileEditor *self)
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
  bearer_profile_update_secrets_async (self->draft, apply_typed_secrets, sop, NULL,
                                       NULL, secrets_updated_cb, sop);
}

static void
save_now (BearerProfileEditor *self)
{
  save_profile (self);
  save_secrets (self);
}

/* ---- public API ---------------------------------------------------------- */

/**
 * bearer_profile_editor_new:
 * @store: where the profile is saved
 * @profile: the stored profile to edit
 *
 * Returns: (transfer full): an editor whose draft starts as a copy of @profile
 */
BearerProfileEditor *
bearer_profile_editor_new (BearerProfileStore *store,
                           BearerProfile      *profile)
{
  BearerProfileEditor *self;
  g_autoptr(JsonObject) json = NULL;

  g_return_val_if_fail (BEARER_IS_PROFILE_STORE (store), NULL);
  g_return_val_if_fail (BEARER_IS_PROFILE (profile), NULL);

  self = g_object_new (BEARER_TYPE_PROFILE_EDITOR, NULL);
  self->store = g_object_ref (store);
  json = bearer_profile_to_json (profile);
  self->draft = bearer_profile_new_from_json (json, NULL);
  if (self->draft == NULL)
    {
      /* It was read from the same JSON: cannot happen, but never crash. */
      g_warn_if_reached ();
      self->draft = g_object_ref (profile);
    }
  g_signal_connect_swapped (self->draft, "changed", G_CALLBACK (draft_changed_cb), self);
  return self;
}

/**
 * bearer_profile_editor_get_draft:
 *
 * Returns: (transfer none): the profile the form edits; every change to it
 *   is saved after a short pause
 */
BearerProfile *
bearer_profile_editor_get_draft (BearerProfileEditor *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE_EDITOR (self), NULL);
  return self->draft;
}

void
bearer_profile_editor_set_delay (BearerProfileEditor *self,
                                 guint                milliseconds)
{
  g_return_if_fail (BEARER_IS_PROFILE_EDITOR (self));
  self->delay = milliseconds;
}

/**
 * bearer_profile_editor_set_secret:
 * @value: (nullable): what the user typed; blank removes the secret
 *
 * Remembers a secret the user typed and saves it to the keyring after a
 * short pause.
 */
void
bearer_profile_editor_set_secret (BearerProfileEditor *self,
                                  BearerSecretKind     kind,
                                  const char          *value)
{
  g_return_if_fail (BEARER_IS_PROFILE_EDITOR (self));
  g_return_if_fail (kind < BEARER_N_SECRETS);

  if (self->secret_set[kind] && g_strcmp0 (self->secrets[kind], value) == 0)
    return;

  g_clear_pointer (&self->secrets[kind], bearer_secret_free);
  self->secrets[kind] = g_strdup (value);
  self->secret_set[kind] = TRUE;
  self->secret_dirty[kind] = TRUE;
  schedule (self);
}

/**
 * bearer_profile_editor_get_secret:
 *
 * Returns: (nullable): the secret the user typed, if any
 */
const char *
bearer_profile_editor_get_secret (BearerProfileEditor *self,
                                  BearerSecretKind     kind)
{
  g_return_val_if_fail (BEARER_IS_PROFILE_EDITOR (self), NULL);
  g_return_val_if_fail (kind < BEARER_N_SECRETS, NULL);
  return self->secrets[kind];
}

/**
 * bearer_profile_editor_has_secret:
 *
 * Returns: whether the user typed this secret (so it must not be replaced
 *   by what the keyring holds)
 */
gboolean
bearer_profile_editor_has_secret (BearerProfileEditor *self,
                                  BearerSecretKind     kind)
{
  g_return_val_if_fail (BEARER_IS_PROFILE_EDITOR (self), FALSE);
  g_return_val_if_fail (kind < BEARER_N_SECRETS, FALSE);
  return self->secret_set[kind];
}

/**
 * bearer_profile_editor_is_saved:
 *
 * Returns: whether every edit has been written
 */
gboolean
bearer_profile_editor_is_saved (BearerProfileEditor *self)
{
  g_return_val_if_fail (BEARER_IS_PROFILE_EDITOR (self), FALSE);
  return !self->profile_dirty && !self->profile_busy && !self->secrets_busy &&
         !any_secret_dirty (self) && self->timeout_id == 0;
}

/**
 * bearer_profile_editor_flush:
 *
 * Starts writing every pending edit now, without waiting for the pause.
 */
void
bearer_profile_editor_flush (BearerProfileEditor *self)
{
  g_return_if_fail (BEARER_IS_PROFILE_EDITOR (self));

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  save_now (self);
}

/**
 * bearer_profile_editor_flush_async:
 *
 * Writes every pending edit now and reports when all writes are done. Fails
 * with the keyring's error when a secret could not be written (the secrets
 * are then still only in the form); a profile that could not be saved is
 * reported through #BearerProfileEditor::profile-save-failed only, since
 * the draft itself is what a token request uses.
 */
void
bearer_profile_editor_flush_async (BearerProfileEditor *self,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (BEARER_IS_PROFILE_EDITOR (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, bearer_profile_editor_flush_async);
  self->waiters = g_list_append (self->waiters, task);

  /* Whatever failed before is tried again. */
  bearer_profile_editor_flush (self);
  check_idle (self);
}

gboolean
bearer_profile_editor_flush_finish (BearerProfileEditor  *self,
                                    GAsyncResult         *result,
                                    GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * bearer_profile_editor_close_async:
 *
 * Drops every pending edit and reports when the writes in flight are done:
 * call it before deleting the profile, so that no late save brings it back.
 */
void
bearer_profile_editor_close_async (BearerProfileEditor *self,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (BEARER_IS_PROFILE_EDITOR (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, bearer_profile_editor_close_async);

  self->closed = TRUE;
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  self->profile_dirty = FALSE;
  for (guint i = 0; i < BEARER_N_SECRETS; i++)
    self->secret_dirty[i] = FALSE;

  self->waiters = g_list_append (self->waiters, task);
  check_idle (self);
}

gboolean
bearer_profile_editor_close_finish (BearerProfileEditor  *self,
                                    GAsyncResult         *result,
                                    GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
