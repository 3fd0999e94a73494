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
#include "bearer-secrets-private.h"

G_DEFINE_QUARK (bearer-keyring-error-quark, bearer_keyring_error)

#define BUNDLE_VERSION 1

struct _BearerSecrets
{
  gatomicrefcount ref_count;

  char *client_secret;
  char *refresh_token;
  char *password;
  char *private_key;    /* PEM, for private_key_jwt */
  char *client_key;     /* PEM private key of the client certificate (RFC 8705) */
  char *dpop_key;       /* PEM private key of DPoP proofs (RFC 9449), made by Bearer */
  char *access_token;
  char *token_type;
  gint64 expires_at;
  char *scope;
  gboolean needs_sign_in;
  gint64 updated_at;
  gboolean repaired;    /* read from a damaged item: see bearer_secrets_get_repaired() */
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
  bearer_secret_free (self->private_key);
  bearer_secret_free (self->client_key);
  bearer_secret_free (self->dpop_key);
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
  copy->private_key = g_strdup (self->private_key);
  copy->client_key = g_strdup (self->client_key);
  copy->dpop_key = g_strdup (self->dpop_key);
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
SECRET_ACCESSORS (private_key)
SECRET_ACCESSORS (refresh_token)
SECRET_ACCESSORS (password)
SECRET_ACCESSORS (client_key)
SECRET_ACCESSORS (dpop_key)

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
         self->password == NULL && self->private_key == NULL && self->client_key == NULL &&
         self->dpop_key == NULL &&
         self->access_token == NULL;
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
    { "private_key", self->private_key },
    { "client_key", self->client_key },
    { "dpop_key", self->dpop_key },
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

/* A string member, NULL when absent; FALSE when it is there but is not a
 * string of valid UTF-8 (json-glib decodes a lone surrogate escape such as
 * "\ud800" to bytes that are not UTF-8). */
static gboolean
read_string (JsonObject  *object,
             const char  *name,
             char       **out)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *value;

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return FALSE;

  value = json_node_get_string (node);
  if (!g_utf8_validate (value, -1, NULL))
    return FALSE;
  *out = *value != '\0' ? g_strdup (value) : NULL;
  return TRUE;
}

static gint64
read_int (JsonObject *object,
          const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  return json_node_get_int (node);
}

static gboolean
read_boolean (JsonObject *object,
              const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;
  return json_node_get_boolean (node);
}

#define REPLACEMENT_CHARACTER "\xef\xbf\xbd"

/* Reads a bundle. Strict: any damage fails. Lenient (a damaged item about
 * to be replaced): every member that reads cleanly is kept, the rest is
 * dropped. */
static BearerSecrets *
bundle_parse (const char  *text,
              gboolean     lenient,
              GError     **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(BearerSecrets) self = bearer_secrets_new ();
  g_autofree char *valid = NULL;
  gboolean damaged = FALSE;
  JsonObject *object;
  struct { const char *name; char **field; } strings[] = {
    { "client_secret", &self->client_secret },
    { "refresh_token", &self->refresh_token },
    { "password", &self->password },
    { "private_key", &self->private_key },
    { "client_key", &self->client_key },
    { "dpop_key", &self->dpop_key },
    { "access_token", &self->access_token },
    { "token_type", &self->token_type },
    { "scope", &self->scope },
  };

  if (text != NULL && lenient && !g_utf8_validate (text, -1, NULL))
    {
      valid = g_utf8_make_valid (text, -1);
      text = valid;
      damaged = TRUE;
    }

  if (text == NULL || bearer_json_parse (text, strlen (text), &root, NULL) != BEARER_JSON_OK ||
      !JSON_NODE_HOLDS_OBJECT (root))
    {
      if (lenient)
        {
          self->repaired = TRUE;
          if (valid != NULL)
            explicit_bzero (valid, strlen (valid));
          return g_steal_pointer (&self);
        }
      g_set_error_literal (error, BEARER_KEYRING_ERROR, BEARER_KEYRING_ERROR_CORRUPT,
                           _("The keyring item of this profile is not Bearer’s: store the "
                             "secrets again"));
      return NULL;
    }

  object = json_node_get_object (root);
  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    {
      gboolean ok = read_string (object, strings[i].name, strings[i].field);

      /* A value in which bytes that were not UTF-8 were replaced is lost. */
      if (ok && damaged && *strings[i].field != NULL &&
          strstr (*strings[i].field, REPLACEMENT_CHARACTER) != NULL)
        {
          bearer_secret_free (g_steal_pointer (strings[i].field));
          ok = FALSE;
        }

      if (!ok)
        {
          if (!lenient)
            {
              g_set_error_literal (error, BEARER_KEYRING_ERROR, BEARER_KEYRING_ERROR_CORRUPT,
                                   _("The keyring item of this profile holds text that is not "
                                     "valid: store the secrets again"));
              return NULL;
            }
          damaged = TRUE;
        }
    }
  self->expires_at = read_int (object, "expires_at");
  self->needs_sign_in = read_boolean (object, "needs_sign_in");
  self->updated_at = read_int (object, "updated_at");
  self->repaired = damaged;

  if (valid != NULL)
    explicit_bzero (valid, strlen (valid));
  return g_steal_pointer (&self);
}

/* Every string must be UTF-8 to be written: a bundle that is not could
 * never be read back. */
static gboolean
bundle_is_text (const BearerSecrets  *self,
                GError              **error)
{
  const char *strings[] = {
    self->client_secret, self->refresh_token, self->password, self->private_key,
    self->client_key, self->dpop_key, self->access_token, self->token_type, self->scope,
  };

  for (guint i = 0; i < G_N_ELEMENTS (strings); i++)
    if (strings[i] != NULL && !g_utf8_validate (strings[i], -1, NULL))
      {
        g_set_error_literal (error, BEARER_KEYRING_ERROR, BEARER_KEYRING_ERROR_INVALID,
                             _("A secret is not valid text (UTF-8): nothing was stored"));
        return FALSE;
      }
  return TRUE;
}

/**
 * bearer_secrets_to_text: (skip)
 *
 * Returns: (transfer full): the bundle as JSON text; free it with
 *   bearer_secret_free()
 */
char *
bearer_secrets_to_text (const BearerSecrets  *self,
                        GError              **error)
{
  if (!bundle_is_text (self, error))
    return NULL;
  return bundle_to_text (self);
}

/**
 * bearer_secrets_from_text: (skip)
 */
BearerSecrets *
bearer_secrets_from_text (const char  *text,
                          GError     **error)
{
  return bundle_parse (text, FALSE, error);
}

/**
 * bearer_secrets_get_repaired:
 *
 * Returns: whether these secrets were read from a damaged keyring item (one
 *   this or an older Bearer could not read whole): what could be read was
 *   kept, the rest is gone and must be stored again
 */
gboolean
bearer_secrets_get_repaired (const BearerSecrets *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->repaired;
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

typedef struct {
  char *profile_id;
  gboolean lenient;
} Lookup;

static void
lookup_free (Lookup *lookup)
{
  g_free (lookup->profile_id);
  g_free (lookup);
}

static void search_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data);

static void
return_bundle (GTask      *task,
               const char *text)
{
  Lookup *lookup = g_task_get_task_data (task);
  GError *error = NULL;
  BearerSecrets *secrets = bundle_parse (text, lookup->lenient, &error);

  if (secrets == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, secrets, (GDestroyNotify) bearer_secrets_unref);
}

static gboolean may_prompt = TRUE;

/**
 * bearer_secrets_set_may_prompt:
 * @prompt: whether a locked keyring may be unlocked through the system's
 *   prompt (the default); without it, a locked keyring is
 *   %BEARER_KEYRING_ERROR_LOCKED at once (kubectl's non-interactive exec
 *   credentials)
 */
void
bearer_secrets_set_may_prompt (gboolean prompt)
{
  may_prompt = !!prompt;
}

static SecretSearchFlags
unlock_flag (void)
{
  return may_prompt ? SECRET_SEARCH_UNLOCK : SECRET_SEARCH_NONE;
}

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

      attributes = attributes_for (((Lookup *) g_task_get_task_data (task))->profile_id);
      secret_password_searchv (bearer_secrets_get_schema (), attributes,
                               unlock_flag () | SECRET_SEARCH_LOAD_SECRETS,
                               cancellable, search_cb, g_steal_pointer (&task));
      return;
    }

  return_bundle (task, text);
  secret_password_free (text);
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
    return_bundle (task, secret_value_get_text (value));
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

  return_bundle (task, secret_value_get_text (value));
}


static void
lookup_async (const char          *profile_id,
              gboolean             lenient,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  g_autoptr(GHashTable) attributes = NULL;
  Lookup *lookup;
  GTask *task;

  g_return_if_fail (profile_id != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_secrets_lookup_async);
  lookup = g_new0 (Lookup, 1);
  lookup->profile_id = g_strdup (profile_id);
  lookup->lenient = lenient;
  g_task_set_task_data (task, lookup, (GDestroyNotify) lookup_free);
  attributes = attributes_for (profile_id);
  secret_password_lookupv (bearer_secrets_get_schema (), attributes, cancellable, lookup_cb, task);
}

/**
 * bearer_secrets_lookup_async:
 * @profile_id: the profile's id
 *
 * Reads the profile's secrets; a locked keyring is unlocked through the
 * system's prompt. A profile with nothing stored gets empty secrets. A
 * damaged item is %BEARER_KEYRING_ERROR_CORRUPT.
 */
void
bearer_secrets_lookup_async (const char          *profile_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  lookup_async (profile_id, FALSE, cancellable, callback, user_data);
}

/**
 * bearer_secrets_lookup_repair_async: (skip)
 *
 * Like bearer_secrets_lookup_async(), for an item that is about to be
 * replaced: a damaged item is not an error; whatever reads cleanly is
 * returned, marked with bearer_secrets_get_repaired(). Finish it with
 * bearer_secrets_lookup_finish().
 */
void
bearer_secrets_lookup_repair_async (const char          *profile_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  lookup_async (profile_id, TRUE, cancellable, callback, user_data);
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
  GError *error = NULL;
  char *text;
  GTask *task;

  g_return_if_fail (profile_id != NULL);
  g_return_if_fail (secrets != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_secrets_store_async);

  if (!bundle_is_text (secrets, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  attributes = attributes_for (profile_id);
  /* Translators: the label of a profile’s item in the keyring, as shown in
   * Passwords and Keys (Seahorse); %s is the profile’s name. */
  {
    g_autofree char *name = g_utf8_make_valid (profile_name != NULL ? profile_name : profile_id, -1);

    label = g_strdup_printf (_("Bearer: %s (client secret and tokens)"), name);
  }
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

typedef struct {
  GList *items;         /* still to delete */
  char *profile_id;
} Delete;

static void
delete_free (Delete *d)
{
  g_list_free_full (d->items, g_object_unref);
  g_free (d->profile_id);
  g_free (d);
}

/* libsecret's file backend (inside a Flatpak) has no item objects to
 * delete, and nothing in it is ever locked: it deletes by attributes. */
static void
cleared_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!secret_password_clear_finish (result, &error) && error != NULL)
    {
      g_task_return_error (task, keyring_error (error));
      g_error_free (error);
      g_object_unref (task);
      return;
    }

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void delete_next (GTask *task);

static void
item_deleted_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!secret_item_delete_finish (SECRET_ITEM (source), result, &error))
    {
      g_task_return_error (task, keyring_error (error));
      g_error_free (error);
      g_object_unref (task);
      return;
    }

  delete_next (task);
}

static void
delete_next (GTask *task)
{
  Delete *d = g_task_get_task_data (task);
  SecretItem *item;

  if (d->items == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  item = d->items->data;
  d->items = g_list_delete_link (d->items, d->items);
  secret_item_delete (item, g_task_get_cancellable (task), item_deleted_cb, task);
  g_object_unref (item);
}

static void
delete_search_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  Delete *d = g_task_get_task_data (task);
  GError *error = NULL;

  d->items = secret_password_search_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, keyring_error (error));
      g_error_free (error);
      g_object_unref (task);
      return;
    }

  if (d->items != NULL && !SECRET_IS_ITEM (d->items->data))
    {
      g_autoptr(GHashTable) attributes = attributes_for (d->profile_id);

      secret_password_clearv (bearer_secrets_get_schema (), attributes, g_task_get_cancellable (task),
                              cleared_cb, task);
      return;
    }

  /* A locked keyring hides nothing from a search, but its items cannot be
   * deleted: that is not "nothing to delete". */
  for (GList *l = d->items; l != NULL; l = l->next)
    if (secret_item_get_locked (l->data))
      {
        g_task_return_new_error (task, BEARER_KEYRING_ERROR, BEARER_KEYRING_ERROR_LOCKED, "%s",
                                 _("The keyring is locked: unlock it to remove this profile’s "
                                   "secrets"));
        g_object_unref (task);
        return;
      }

  delete_next (task);
}

/**
 * bearer_secrets_delete_async:
 * @profile_id: the profile's id
 *
 * Deletes every secret of the profile, unlocking the keyring through the
 * system's prompt when it must. Nothing stored is not an error; a keyring
 * that stays locked is %BEARER_KEYRING_ERROR_LOCKED.
 */
void
bearer_secrets_delete_async (const char          *profile_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GHashTable) attributes = NULL;
  GTask *task;
  Delete *d;

  g_return_if_fail (profile_id != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_secrets_delete_async);
  d = g_new0 (Delete, 1);
  d->profile_id = g_strdup (profile_id);
  g_task_set_task_data (task, d, (GDestroyNotify) delete_free);
  /* Through libsecret's backend, like every lookup: inside a Flatpak the
   * Secret Service cannot be reached. */
  attributes = attributes_for (d->profile_id);
  secret_password_searchv (bearer_secrets_get_schema (), attributes,
                           SECRET_SEARCH_ALL | unlock_flag (),
                           cancellable, delete_search_cb, task);
}

gboolean
bearer_secrets_delete_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bearer_secrets_delete_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------------- */

typedef struct {
  GList *items;                 /* SecretRetrievable, still to read */
  GHashTable *found;            /* profile id → BearerSecrets */
} LookupAll;

static void
lookup_all_free (LookupAll *all)
{
  g_list_free_full (all->items, g_object_unref);
  g_clear_pointer (&all->found, g_hash_table_unref);
  g_free (all);
}

static void lookup_all_next (GTask *task);

/* A damaged item maps to empty secrets marked "repaired": the caller says
 * so for that profile only. */
static void
lookup_all_take (GTask      *task,
                 const char *profile_id,
                 const char *text)
{
  LookupAll *all = g_task_get_task_data (task);
  BearerSecrets *secrets = bundle_parse (text, FALSE, NULL);

  if (secrets == NULL)
    {
      secrets = bearer_secrets_new ();
      secrets->repaired = TRUE;
    }
  g_hash_table_insert (all->found, g_strdup (profile_id), secrets);
}

static char *
retrievable_profile_id (SecretRetrievable *retrievable)
{
  g_autoptr(GHashTable) attributes = secret_retrievable_get_attributes (retrievable);

  return g_strdup (g_hash_table_lookup (attributes, "profile-id"));
}

static void
lookup_all_retrieved_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretValue) value = NULL;
  g_autofree char *id = retrievable_profile_id (SECRET_RETRIEVABLE (source));

  value = secret_retrievable_retrieve_secret_finish (SECRET_RETRIEVABLE (source), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, keyring_error (error));
      g_object_unref (task);
      return;
    }
  if (value != NULL && id != NULL)
    lookup_all_take (task, id, secret_value_get_text (value));
  lookup_all_next (task);
}

static void
lookup_all_next (GTask *task)
{
  LookupAll *all = g_task_get_task_data (task);
  g_autoptr(SecretRetrievable) retrievable = NULL;
  g_autoptr(SecretValue) value = NULL;
  g_autofree char *id = NULL;

  if (all->items == NULL)
    {
      g_task_return_pointer (task, g_steal_pointer (&all->found), (GDestroyNotify) g_hash_table_unref);
      g_object_unref (task);
      return;
    }

  retrievable = all->items->data;
  all->items = g_list_delete_link (all->items, all->items);
  id = retrievable_profile_id (retrievable);
  if (id == NULL || g_hash_table_contains (all->found, id))
    {
      lookup_all_next (task);
      return;
    }

  /* libsecret's file backend (inside a Flatpak) reads on demand. */
  if (!SECRET_IS_ITEM (retrievable))
    {
      secret_retrievable_retrieve_secret (retrievable, g_task_get_cancellable (task),
                                          lookup_all_retrieved_cb, task);
      return;
    }

  /* Still locked after the unlock prompt: the user said no. */
  if (!secret_item_get_locked (SECRET_ITEM (retrievable)))
    value = secret_item_get_secret (SECRET_ITEM (retrievable));
  if (value == NULL)
    {
      g_task_return_new_error (task, BEARER_KEYRING_ERROR, BEARER_KEYRING_ERROR_LOCKED, "%s",
                               _("The keyring is locked: unlock it to use this profile’s secrets"));
      g_object_unref (task);
      return;
    }
  lookup_all_take (task, id, secret_value_get_text (value));
  lookup_all_next (task);
}

static void
lookup_all_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  LookupAll *all = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  all->items = secret_password_search_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, keyring_error (error));
      g_object_unref (task);
      return;
    }
  lookup_all_next (task);
}

/**
 * bearer_secrets_lookup_all_async:
 *
 * Reads the items of every profile in one search (one D-Bus round trip
 * for any number of profiles); a locked keyring is unlocked through the
 * system's prompt.
 */
void
bearer_secrets_lookup_all_async (GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);
  LookupAll *all;
  GTask *task;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, bearer_secrets_lookup_all_async);
  all = g_new0 (LookupAll, 1);
  all->found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) bearer_secrets_unref);
  g_task_set_task_data (task, all, (GDestroyNotify) lookup_all_free);
  /* Through libsecret's backend, as every other call: inside a Flatpak
   * the desktop's Secret Service cannot be reached. */
  secret_password_searchv (bearer_secrets_get_schema (), attributes,
                           SECRET_SEARCH_ALL | unlock_flag () | SECRET_SEARCH_LOAD_SECRETS,
                           cancellable, lookup_all_cb, task);
}

/**
 * bearer_secrets_lookup_all_finish:
 *
 * Returns: (transfer full) (element-type utf8 BearerSecrets): every profile
 *   id with an item, to its secrets; a damaged item maps to empty secrets
 *   marked with bearer_secrets_get_repaired(). %NULL with a
 *   %BEARER_KEYRING_ERROR.
 */
GHashTable *
bearer_secrets_lookup_all_finish (GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == bearer_secrets_lookup_all_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
