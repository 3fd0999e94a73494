/* bearer-secrets.c: a profile's secrets, in the system keyring
 *
 * One item per profile: schema `io.github.bearerapp.Bearer`, attribute
 * `profile-id`, label "Bearer: <name> (client secret and tokens)", secret a
 * JSON bundle. Only libsecret's asynchronous calls are used; inside a
 * Flatpak libsecret goes through the Secret portal by itself.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "bearer-json-private.h"
#include "bearer-redact.h"
#include "bearer-secrets.h"

G_DEFINE_QUARK (bearer-keyring-error-quark, bearer_keyring_error)

#define BUNDLE_VERSION 1

struct _BearerSecrets
{
  gatomicrefcount ref_count;

  char *client_secret;
  char *refresh_token;
  char *password;
  char *access_token;
  char *token_type;
  gint64 expires_at;
  char *scope;
  gboolean needs_sign_in;
  gint64 updated_at;
};

G_DEFINE_BOXED_TYPE (BearerSecrets, bearer_secrets, bearer_secrets_ref, bearer_secrets_unref)

/**
 * bearer_secrets_get_schema:
 *
 * Returns: the schema of Bearer's keyring items, named after the
 *   application id (the same for the development build, which shares the
 *   profiles)
 */
const SecretSchema *
bearer_secrets_get_schema (void)
{
  static const SecretSchema schema = {
    BASE_APPLICATION_ID, SECRET_SCHEMA_NONE,
    {
      { "profile-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  return &schema;
}

BearerSecrets *
bearer_secrets_new (void)
{
  BearerSecrets *self = g_new0 (BearerSecrets, 1);

  g_atomic_ref_count_init (&self->ref_count);
  return self;
}

BearerSecrets *
bearer_secrets_ref (BearerSecrets *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
bearer_secrets_unref (BearerSecrets *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  bearer_secret_free (self->client_secret);
  bearer_secret_free (self->refresh_token);
  bearer_secret_free (self->password);
  bearer_secret_free (self->access_token);
  g_free (self->token_type);
  g_free (self->scope);
  g_free (self);
}

BearerSecrets *
bearer_secrets_copy (const BearerSecrets *self)
{
  BearerSecrets *copy = bearer_secrets_new ();

  g_return_val_if_fail (self != NULL, copy);

  copy->client_secret = g_strdup (self->client_secret);
  copy->refresh_token = g_strdup (self->refresh_token);
  copy->password = g_strdup (self->password);
  copy->access_token = g_strdup (self->access_token);
  copy->token_type = g_strdup (self->token_type);
  copy->expires_at = self->expires_at;
  copy->scope = g_strdup (self->scope);
  copy->needs_sign_in = self->needs_sign_in;
  copy->updated_at = self->updated_at;
  return copy;
}

static void
replace_secret (char       **field,
                const char  *value)
{
  bearer_secret_free (*field);
  *field = (value != NULL && *value != '\0') ? g_strdup (value) : NULL;
}

#define SECRET_ACCESSORS(field) \
  const char * \
  bearer_secrets_get_##field (const BearerSecrets *self) \
  { \
    g_return_val_if_fail (self != NULL, NULL); \
    return self->field; \
  } \
  void \
  bearer_secrets_set_##field (BearerSecrets *self, \
                              const char    *value) \
  { \
    g_return_if_fail (self != NULL); \
    replace_secret (&self->field, value); \
  }

SECRET_ACCESSORS (client_secret)
SECRET_ACCESSORS (refresh_token)
SECRET_ACCESSORS (password)

const char *
bearer_secrets_get_access_token (const BearerSecrets *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->access_token;
}

const char *
bearer_secrets_get_token_type (const BearerSecrets *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->token_type != NULL ? self->token_type : "Bearer";
}

/**
 * bearer_secrets_get_expires_at:
 *
 * Returns: when the access token expires (seconds since the epoch), or 0
 *   when unknown
 */
gint64
bearer_secrets_get_expires_at (const BearerSecrets *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->expires_at;
}

const char *
bearer_secrets_get_scope (const BearerSecrets *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->scope;
}

void
bearer_secrets_set_access_token (BearerSecrets *self,
                                 const char    *access_token,
                                 const char    *token_type,
                                 gint64         expires_at,
                                 const char    *scope)
{
  g_return_if_fail (self != NULL);

  replace_secret (&self->access_token, access_token);
  g_free (self->token_type);
  self->token_type = g_strdup (token_type);
  self->expires_at = expires_at;
  g_free (self->scope);
  self->scope = g_strdup (scope);
}

/**
 * bearer_secrets_get_needs_sign_in:
 *
 * Returns: whether the server refused the stored refresh token: the user
 *   must get a new one. The refused token stays stored until replaced.
 */
gboolean
bearer_secrets_get_needs_sign_in (const BearerSecrets *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->needs_sign_in;
}

void
bearer_secrets_set_needs_sign_in (BearerSecrets *self,
                                  gboolean       needs_sign_in)
{
  g_return_if_fail (self != NULL);
  self->needs_sign_in = !!needs_sign_in;
}

gint64
bearer_secrets_get_updated_at (const BearerSecrets *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->updated_at;
}

void
bearer_secrets_set_updated_at (BearerSecrets *self,
                               gint64         updated_at)
{
  g_return_if_fail (self != NULL);
  self->updated_at = updated_at;
}

gboolean
bearer_secrets_is_empty (const BearerSecrets *self)
{
  g_return_val_if_fail (self != NULL, TRUE);
  return self->client_secret == NULL && self->refresh_token == NULL &&
         self->password == NULL && self->access_token == NULL;
}

/**
 * bearer_secrets_token_valid_for:
 * @now: seconds since the epoch
 * @seconds: how long the token must still be valid
 *
 * Returns: whether there is an access token that is valid for at least
 *   @seconds more. A token whose expiry the server did not say counts as
 *   valid: only a forced refresh replaces it. Once the refresh token was
 *   refused, no token counts as valid: servers that rotate revoke the
 *   access token together with the refresh token.
 */
gboolean
bearer_secrets_token_valid_for (const BearerSecrets *self,
                                gint64               now,
                                guint                seconds)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->access_token == NULL || self->needs_sign_in)
    return FALSE;
  if (self->expires_at == 0)
    return TRUE;
  return self->expires_at - now >= (gint64) seconds;
}

/* ------------------------------------------------------------------------- */

static char *
bundle_to_text (const BearerSecrets *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  const struct { const char *name; const char *value; } strings[] = {
    { "client_secret", self->client_secret },
    { "refresh_token", self->refresh_token },
    { "password", self->password },
    { "access_token", self->access_token },
    { "token_type", self->token_type },
    { "scope", self->scope },
  };

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, BUNDLE_VERSION);
  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    if (strings[i].value != NULL)
      {
        json_builder_set_member_name (builder, strings[i].name);
        json_builder_add_string_value (builder, strings[i].value);
      }
  json_builder_set_member_name (builder, "expires_at");
  json_builder_add_int_value (builder, self->expires_at);
  json_builder_set_member_name (builder, "needs_sign_in");
  json_builder_add_boolean_value (builder, self->needs_sign_in);
  json_builder_set_member_name (builder, "updated_at");
  json_builder_add_int_value (builder, self->updated_at);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

static BearerSecrets *
bundle_from_text (const char  *text,
                  GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(BearerSecrets) self = NULL;
  JsonObject *object;

  if (text == NULL || bearer_json_parse (text, strlen (text), &root, NULL) != BEARER_JSON_OK ||
      !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, BEARER_KEYRING_ERROR, BEARER_KEYRING_ERROR_CORRUPT,
                           _("The keyring item of this profile is not Bearer’s: store the "
                             "secrets again"));
      return NULL;
    }

  object = json_node_get_object (root);
  self = bearer_secrets_new ();
#define STR(name) g_strdup (json_object_get_string_member_with_default (object, name, NULL))
  self->client_secret = STR ("client_secret");
  self->refresh_token = STR ("refresh_token");
  self->password = STR ("password");
  self->access_token = STR ("access_token");
  self->token_type = STR ("token_type");
  self->scope = STR ("scope");
#undef STR
  self->expires_at = json_object_get_int_member_with_default (object, "expires_at", 0);
  self->needs_sign_in = json_object_get_boolean_member_with_default (object, "needs_sign_in", FALSE);
  self->updated_at = json_object_get_int_member_with_default (object, "updated_at", 0);

  return g_steal_pointer (&self);
}

static GError *
keyring_error (const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  if (g_error_matches (error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    return g_error_new (BEARER_KEYRING_ERROR, BEARER_KEYRING_ERROR_LOCKED,
                        /* Translators: %s is the keyring’s own explanation (libsecret’s
                         * error message). */
                        _("The keyring is locked: unlock it to use this profile’s secrets (%s)"),
                        error->message);

  if (error->domain == SECRET_ERROR)
    return g_error_new (BEARER_KEYRING_ERROR, BEARER_KEYRING_ERROR_FAILED,
                        /* Translators: %s is the keyring’s own explanation (libsecret’s
                         * error message). */
                        _("The keyring refused: %s"), error->message);

  /* D-Bus and I/O errors: there is no secret service to talk to. */
  return g_error_new (BEARER_KEYRING_ERROR, BEARER_KEYRING_ERROR_UNAVAILABLE,
                      /* Translators: %s is the system’s explanation (a D-Bus error
                       * message). “Secret Service” is the name of the freedesktop.org
                       * keyring interface. */
                      _("No keyring is available: %s. Bearer keeps client secrets and refresh "
                        "tokens only in the keyring (GNOME Keyring, KWallet or another Secret "
                        "Service)"), error->message);
}

static GHashTable *
attributes_for (const char *profile_id)
{
  GHashTable *attributes = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (attributes, (gpointer) "profile-id", (gpointer) profile_id);
  return attributes;
}

static void search_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data);

/* The usual case, in the fewest D-Bus round trips: the item is there and
 * unlocked. Nothing found may also mean "locked, and the prompt was
 * dismissed": only then ask again with a search that tells the two apart.
 * The search goes through libsecret's backend, as the lookup does: inside
 * a Flatpak that is libsecret's file backend (its key comes from the Secret
 * portal), and the desktop's Secret Service cannot be reached at all. */
static void
lookup_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  BearerSecrets *secrets;
  char *text;

  text = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, keyring_error (error));
      return;
    }

  if (text == NULL)
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      attributes = attributes_for (g_task_get_task_data (task));
      secret_password_searchv (bearer_secrets_get_schema (), attributes,
                               SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS,
                               cancellable, search_cb, g_steal_pointer (&task));
      return;
    }

  secrets = bundle_from_text (text, &error);
  secret_password_free (text);
  if (secrets == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, secrets, (GDestroyNotify) bearer_secrets_unref);
}

static void
return_bundle (GTask       *task,
               SecretValue *value)
{
  g_autoptr(GError) error = NULL;
  BearerSecrets *secrets;

  secrets = bundle_from_text (secret_value_get_text (value), &error);
  if (secrets == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, secrets, (GDestroyNotify) bearer_secrets_unref);
}

/* An item of libsecret's file backend (inside a Flatpak), which a lookup
 * did not find a moment ago: another process has just stored it. */
static void
retrieve_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretValue) value = NULL;

  value = secret_retrievable_retrieve_secret_finish (SECRET_RETRIEVABLE (source), result, &error);
  if (error != NULL)
    g_task_return_error (task, keyring_error (error));
  else if (value == NULL)
    g_task_return_pointer (task, bearer_secrets_new (), (GDestroyNotify) bearer_secrets_unref);
  else
    return_bundle (task, value);
}

static void
search_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretValue) value = NULL;
  GList *items;
  gpointer found;

  items = secret_password_search_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, keyring_error (error));
      return;
    }

  if (items == NULL)
    {
      g_task_return_pointer (task, bearer_secrets_new (), (GDestroyNotify) bearer_secrets_unref);
      return;
    }

  found = g_object_ref (items->data);
  g_list_free_full (items, g_object_unref);

  if (!SECRET_IS_ITEM (found))
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      secret_retrievable_retrieve_secret (found, cancellable, retrieve_cb, g_steal_pointer (&task));
      g_object_unref (found);
      return;
    }

  /* Still locked after the unlock prompt: the user said no, or there is
   * no prompter. That is not "nothing stored". */
  if (!secret_item_get_locked (found))
    value = secret_item_get_secret (found);
  g_object_unref (found);
  if (value == NULL)
    {
      g_task_return_new_error (task, BEARER_KEYRING_ERROR, BEARER_KEYRING_ERROR_LOCKED, "%s",
                               _("The keyring is locked: unlock it to use this profile’s secrets"));
      return;
    }

  return_bundle (task, value);
}


/**
 * bearer_secrets_lookup_async:
 * @profile_id: the profile's id
 *
 * Reads the profile's secrets; a locked keyring is unlocked through the
 * system's prompt. A profile with nothing stored gets empty secrets.
 */
void
bearer_secrets_lookup_async (const char          *profile_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GHashTable) attributes = NULL;
  GTask *task;

  g_return_if_fail (profile_id != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_secrets_lookup_async);
  g_task_set_task_data (task, g_strdup (profile_id), g_free);
  attributes = attributes_for (profile_id);
  secret_password_lookupv (bearer_secrets_get_schema (), attributes, cancellable, lookup_cb, task);
}

/**
 * bearer_secrets_lookup_finish:
 *
 * Returns: (transfer full): the secrets, or %NULL with a
 *   %BEARER_KEYRING_ERROR
 */
BearerSecrets *
bearer_secrets_lookup_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bearer_secrets_lookup_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
store_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    g_task_return_error (task, keyring_error (error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * bearer_secrets_store_async:
 * @profile_id: the profile's id
 * @profile_name: its name, for the label a person sees in Seahorse
 * @secrets: everything to keep: the item is replaced whole
 */
void
bearer_secrets_store_async (const char          *profile_id,
                            const char          *profile_name,
                            BearerSecrets       *secrets,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GHashTable) attributes = NULL;
  g_autofree char *label = NULL;
  char *text;
  GTask *task;

  g_return_if_fail (profile_id != NULL);
  g_return_if_fail (secrets != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_secrets_store_async);

  attributes = attributes_for (profile_id);
  /* Translators: the label of a profile’s item in the keyring, as shown in
   * Passwords and Keys (Seahorse); %s is the profile’s name. */
  label = g_strdup_printf (_("Bearer: %s (client secret and tokens)"),
                           profile_name != NULL ? profile_name : profile_id);
  text = bundle_to_text (secrets);
  secret_password_storev (bearer_secrets_get_schema (), attributes, SECRET_COLLECTION_DEFAULT,
                          label, text, cancellable, store_cb, task);
  bearer_secret_free (text);
}

gboolean
bearer_secrets_store_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bearer_secrets_store_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
delete_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  /* FALSE without an error: there was nothing to delete. */
  if (!secret_password_clear_finish (result, &error) && error != NULL)
    g_task_return_error (task, keyring_error (error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * bearer_secrets_delete_async:
 * @profile_id: the profile's id
 *
 * Deletes every secret of the profile. Nothing stored is not an error.
 */
void
bearer_secrets_delete_async (const char          *profile_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GHashTable) attributes = NULL;
  GTask *task;

  g_return_if_fail (profile_id != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_secrets_delete_async);
  attributes = attributes_for (profile_id);
  secret_password_clearv (bearer_secrets_get_schema (), attributes, cancellable, delete_cb, task);
}

gboolean
bearer_secrets_delete_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bearer_secrets_delete_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
