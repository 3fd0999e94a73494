/* bearer-test-keyring.c: a throw-away, lockable gnome-keyring collection
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <libsecret/secret.h>

#include "bearer-profile.h"
#include "bearer-secrets.h"
#include "bearer-test-keyring.h"

#define SECRETS_BUS_NAME "org.freedesktop.secrets"
#define SECRETS_PATH "/org/freedesktop/secrets"
#define SERVICE_IFACE "org.freedesktop.Secret.Service"
#define INTERNAL_IFACE "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface"
#define TEMP_PASSWORD "bearer-test-password"

struct _BearerTestCollection
{
  GDBusConnection *bus;
  char *session;
  char *collection;
  char *old_default;
};

static GVariant *
secrets_call (GDBusConnection  *bus,
              const char       *path,
              const char       *iface,
              const char       *method,
              GVariant         *parameters,
              const char       *reply_type,
              GError          **error)
{
  return g_dbus_connection_call_sync (bus, SECRETS_BUS_NAME, path, iface, method, parameters,
                                      G_VARIANT_TYPE (reply_type), G_DBUS_CALL_FLAGS_NONE,
                                      10000, NULL, error);
}

static GVariant *
master_secret (BearerTestCollection *self)
{
  return g_variant_new ("(o@ay@ays)", self->session,
                        g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "", 0, 1),
                        g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, TEMP_PASSWORD,
                                                   strlen (TEMP_PASSWORD), 1),
                        "text/plain");
}

/**
 * bearer_test_collection_free:
 *
 * Puts the default alias back, unlocks and deletes the collection (and
 * every item in it).
 */
void
bearer_test_collection_free (BearerTestCollection *self)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply;

  if (self == NULL)
    return;

  if (self->old_default != NULL)
    {
      reply = secrets_call (self->bus, SECRETS_PATH, SERVICE_IFACE, "SetAlias",
                            g_variant_new ("(so)", "default", self->old_default), "()", &error);
      if (reply == NULL)
        g_printerr ("# could not restore the default keyring: %s\n", error->message);
      g_clear_pointer (&reply, g_variant_unref);
      g_clear_error (&error);
    }

  if (self->collection != NULL)
    {
      reply = secrets_call (self->bus, SECRETS_PATH, INTERNAL_IFACE, "UnlockWithMasterPassword",
                            g_variant_new ("(o@(oayays))", self->collection, master_secret (self)),
                            "()", &error);
      g_clear_pointer (&reply, g_variant_unref);
      g_clear_error (&error);

      reply = secrets_call (self->bus, self->collection, "org.freedesktop.Secret.Collection",
                            "Delete", NULL, "(o)", &error);
      if (reply == NULL)
        g_printerr ("# could not delete %s: %s\n", self->collection, error->message);
      g_clear_pointer (&reply, g_variant_unref);
    }

  g_clear_object (&self->bus);
  g_free (self->session);
  g_free (self->collection);
  g_free (self->old_default);
  g_free (self);
}

/**
 * bearer_test_collection_new_default:
 *
 * Returns: (nullable): a new, unlocked collection, made the default one;
 *   %NULL with an error when the service is not gnome-keyring
 */
BearerTestCollection *
bearer_test_collection_new_default (GError **error)
{
  BearerTestCollection *self = g_new0 (BearerTestCollection, 1);
  GVariantBuilder props;
  GVariant *reply;

  self->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, error);
  if (self->bus == NULL)
    goto failed;

  reply = secrets_call (self->bus, SECRETS_PATH, SERVICE_IFACE, "OpenSession",
                        g_variant_new ("(sv)", "plain", g_variant_new_string ("")), "(vo)", error);
  if (reply == NULL)
    goto failed;
  g_variant_get (reply, "(vo)", NULL, &self->session);
  g_variant_unref (reply);

  g_variant_builder_init (&props, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&props, "{sv}", "org.freedesktop.Secret.Collection.Label",
                         g_variant_new_string ("Bearer test (locked)"));
  reply = secrets_call (self->bus, SECRETS_PATH, INTERNAL_IFACE, "CreateWithMasterPassword",
                        g_variant_new ("(a{sv}@(oayays))", &props, master_secret (self)),
                        "(o)", error);
  if (reply == NULL)
    goto failed;
  g_variant_get (reply, "(o)", &self->collection);
  g_variant_unref (reply);

  reply = secrets_call (self->bus, SECRETS_PATH, SERVICE_IFACE, "ReadAlias",
                        g_variant_new ("(s)", "default"), "(o)", error);
  if (reply == NULL)
    goto failed;
  g_variant_get (reply, "(o)", &self->old_default);
  g_variant_unref (reply);

  reply = secrets_call (self->bus, SECRETS_PATH, SERVICE_IFACE, "SetAlias",
                        g_variant_new ("(so)", "default", self->collection), "()", error);
  if (reply == NULL)
    {
      /* The alias did not move: nothing to put back. */
      g_clear_pointer (&self->old_default, g_free);
      goto failed;
    }
  g_variant_unref (reply);

  return self;

failed:
  bearer_test_collection_free (self);
  return NULL;
}

/**
 * bearer_test_collection_lock:
 *
 * Locks the collection without a prompt (gnome-keyring answers "/" for none).
 */
gboolean
bearer_test_collection_lock (BearerTestCollection  *self,
                             GError               **error)
{
  const char *paths[] = { self->collection };
  g_autofree char *prompt = NULL;
  GVariant *reply;

  reply = secrets_call (self->bus, SECRETS_PATH, SERVICE_IFACE, "Lock",
                        g_variant_new ("(@ao)", g_variant_new_objv (paths, 1)), "(aoo)", error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(^aoo)", NULL, &prompt);
  g_variant_unref (reply);

  if (g_strcmp0 (prompt, "/") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "locking the collection asked for a prompt (%s)", prompt);
      return FALSE;
    }
  return TRUE;
}

/**
 * bearer_test_collection_locked_default:
 *
 * Returns: (nullable): a new collection, made the default one and locked:
 *   items elsewhere stay readable, nothing new can be written
 */
BearerTestCollection *
bearer_test_collection_locked_default (GError **error)
{
  BearerTestCollection *self = bearer_test_collection_new_default (error);

  if (self != NULL && !bearer_test_collection_lock (self, error))
    g_clear_pointer (&self, bearer_test_collection_free);
  return self;
}

/* ---- the test session's keyring ----------------------------------------- */

/**
 * bearer_test_keyring_attributes:
 *
 * Returns: (transfer container): the attributes of a profile's keyring item
 */
GHashTable *
bearer_test_keyring_attributes (const char *id)
{
  GHashTable *attributes = g_hash_table_new (g_str_hash, g_str_equal);

  g_hash_table_insert (attributes, (gpointer) "profile-id", (gpointer) id);
  return attributes;
}

/**
 * bearer_test_require_keyring:
 *
 * Returns: whether a secret service answers. Otherwise the test is skipped,
 *   or failed when BEARER_TEST_SESSION=1 says the session was made for it.
 */
gboolean
bearer_test_require_keyring (void)
{
  g_autoptr(GHashTable) attributes = bearer_test_keyring_attributes ("bearer-test-probe");
  g_autoptr(GError) error = NULL;
  char *value;

  value = secret_password_lookupv_sync (bearer_secrets_get_schema (), attributes, NULL, &error);
  secret_password_free (value);
  if (error == NULL)
    return TRUE;

  if (g_strcmp0 (g_getenv ("BEARER_TEST_SESSION"), "1") == 0)
    {
      g_test_message ("BEARER_TEST_SESSION=1 but no secret service answers: %s", error->message);
      g_test_fail ();
    }
  else
    g_test_skip ("No secret service on the session bus: run tools/test (or tools/test-session)");
  return FALSE;
}

/**
 * bearer_test_delete_keyring_items:
 * @ids: profile ids whose keyring items the test created; emptied
 */
void
bearer_test_delete_keyring_items (GPtrArray *ids)
{
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(GHashTable) attributes = bearer_test_keyring_attributes (g_ptr_array_index (ids, i));

      secret_password_clearv_sync (bearer_secrets_get_schema (), attributes, NULL, NULL);
    }
  g_ptr_array_set_size (ids, 0);
}

/* ---- reading and writing a profile's item, waiting ---------------------- */

typedef struct {
  GAsyncResult *result;
} KeyringWait;

static void
keyring_waited_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  ((KeyringWait *) user_data)->result = g_object_ref (result);
}

static GAsyncResult *
keyring_wait (KeyringWait *wait)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (wait->result == NULL)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("The keyring did not answer within 60 s");
      g_main_context_iteration (NULL, TRUE);
    }
  return wait->result;
}

/**
 * bearer_test_keyring_lookup:
 * @id: a profile id
 *
 * Returns: (transfer full): the secrets stored for @id; the test fails on
 *   an error or when nothing is stored
 */
BearerSecrets *
bearer_test_keyring_lookup (const char *id)
{
  g_autoptr(GError) error = NULL;
  KeyringWait wait = { NULL };
  BearerSecrets *secrets;

  bearer_secrets_lookup_async (id, NULL, keyring_waited_cb, &wait);
  secrets = bearer_secrets_lookup_finish (keyring_wait (&wait), &error);
  g_clear_object (&wait.result);
  g_assert_no_error (error);
  g_assert_nonnull (secrets);
  return secrets;
}

/**
 * bearer_test_keyring_store:
 *
 * Stores @secrets as @profile's item; the test fails on an error.
 */
void
bearer_test_keyring_store (BearerProfile *profile,
                           BearerSecrets *secrets)
{
  g_autoptr(GError) error = NULL;
  KeyringWait wait = { NULL };

  bearer_secrets_store_async (bearer_profile_get_id (profile), bearer_profile_get_name (profile),
                              secrets, NULL, keyring_waited_cb, &wait);
  g_assert_true (bearer_secrets_store_finish (keyring_wait (&wait), &error));
  g_clear_object (&wait.result);
  g_assert_no_error (error);
}
