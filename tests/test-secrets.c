/* test-secrets.c: a profile's secrets in a real keyring (docs/storage.md)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs against the Secret Service of the session bus (tools/test starts a
 * private gnome-keyring). Items are made under fresh random profile ids and
 * deleted at the end of each test. Without a secret service the keyring
 * tests are skipped, unless BEARER_TEST_SESSION=1 says one must be there.
 *
 * With BEARER_TEST_NO_KEYRING=1 (meson's test-secrets-no-keyring, on a bus
 * address where nothing listens) only the no-keyring cases run: every call
 * fails, quickly, with BEARER_KEYRING_ERROR_UNAVAILABLE.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsecret/secret.h>

#include "bearer-secrets.h"
#include "bearer-test-cli.h"
#include "bearer-test-keyring.h"

#define SCHEMA_NAME "io.github.bearerapp.Bearer"
#define NO_KEYRING_LIMIT_S 25

static char *tmp_root;
static GPtrArray *created_ids;  /* deleted at the end, whatever happened */

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */

typedef struct {
  GAsyncResult *result;
} Wait;

static void
waited_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Wait *wait = user_data;

  g_assert_null (wait->result);
  wait->result = g_object_ref (result);
}

/* Iterates the main context until the call started with waited_cb ended;
 * more than @limit_s seconds fails the test. */
static GAsyncResult *
wait_for (Wait  *wait,
          guint  limit_s)
{
  gint64 deadline = g_get_monotonic_time () + limit_s * G_USEC_PER_SEC;

  while (wait->result == NULL)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("A keyring call did not finish within %u s", limit_s);
      g_main_context_iteration (NULL, FALSE);
      if (wait->result == NULL)
        g_usleep (1000);
    }
  return wait->result;
}

/* A profile id of this test, remembered so that its item is deleted. */
static char *
new_id (void)
{
  g_autofree char *uuid = g_uuid_string_random ();
  char *id = g_strdup_printf ("bearer-test-%s", uuid);

  g_ptr_array_add (created_ids, g_strdup (id));
  return id;
}

/* Whether a secret service answers. A lookup of an id that matches nothing
 * never prompts. */
static BearerSecrets *
lookup (const char  *id,
        GError     **error)
{
  Wait wait = { NULL };
  BearerSecrets *secrets;

  bearer_secrets_lookup_async (id, NULL, waited_cb, &wait);
  secrets = bearer_secrets_lookup_finish (wait_for (&wait, 60), error);
  g_clear_object (&wait.result);
  return secrets;
}

static BearerSecrets *
lookup_ok (const char *id)
{
  g_autoptr(GError) error = NULL;
  BearerSecrets *secrets = lookup (id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (secrets);
  return secrets;
}

static gboolean
store (const char     *id,
       const char     *name,
       BearerSecrets  *secrets,
       GError        **error)
{
  Wait wait = { NULL };
  gboolean ok;

  bearer_secrets_store_async (id, name, secrets, NULL, waited_cb, &wait);
  ok = bearer_secrets_store_finish (wait_for (&wait, 60), error);
  g_clear_object (&wait.result);
  return ok;
}

static void
store_ok (const char    *id,
          const char    *name,
          BearerSecrets *secrets)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (store (id, name, secrets, &error));
  g_assert_no_error (error);
}

static gboolean
delete (const char  *id,
        GError     **error)
{
  Wait wait = { NULL };
  gboolean ok;

  bearer_secrets_delete_async (id, NULL, waited_cb, &wait);
  ok = bearer_secrets_delete_finish (wait_for (&wait, 60), error);
  g_clear_object (&wait.result);
  return ok;
}

/* Every item of Bearer's schema for this profile, through libsecret's own
 * search (not Bearer's code). */
static GList *
search_items (const char *id)
{
  g_autoptr(GHashTable) attributes = bearer_test_keyring_attributes (id);
  g_autoptr(GError) error = NULL;
  GList *items;

  items = secret_password_searchv_sync (bearer_secrets_get_schema (), attributes,
                                        SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK |
                                        SECRET_SEARCH_LOAD_SECRETS,
                                        NULL, &error);
  g_assert_no_error (error);
  return items;
}

static BearerSecrets *
full_secrets (void)
{
  BearerSecrets *secrets = bearer_secrets_new ();

  bearer_secrets_set_client_secret (secrets, "cl!ent \"secret\" \\ é");
  bearer_secrets_set_refresh_token (secrets, "def50200refresh-token-0001");
  bearer_secrets_set_password (secrets, "pass\nword\t∆");
  bearer_secrets_set_access_token (secrets, "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.sig", "Bearer",
                                   1893456000, "read write");
  bearer_secrets_set_needs_sign_in (secrets, TRUE);
  bearer_secrets_set_updated_at (secrets, 1700000000123456);
  return secrets;
}

/* ---------------------------------------------------------------------- */
/* Pure functions                                                         */

static void
test_token_valid_for (void)
{
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  gint64 now = 1700000000;

  /* No access token: never valid. */
  g_assert_false (bearer_secrets_token_valid_for (secrets, now, 0));

  /* Unknown expiry: valid, whatever is asked. */
  bearer_secrets_set_access_token (secrets, "at", "Bearer", 0, NULL);
  g_assert_true (bearer_secrets_token_valid_for (secrets, now, 0));
  g_assert_true (bearer_secrets_token_valid_for (secrets, now, 60));
  g_assert_true (bearer_secrets_token_valid_for (secrets, now, G_MAXUINT));

  /* Known expiry: valid for at least that many seconds more. */
  bearer_secrets_set_access_token (secrets, "at", "Bearer", now + 100, NULL);
  g_assert_true (bearer_secrets_token_valid_for (secrets, now, 0));
  g_assert_true (bearer_secrets_token_valid_for (secrets, now, 60));
  g_assert_true (bearer_secrets_token_valid_for (secrets, now, 100));
  g_assert_false (bearer_secrets_token_valid_for (secrets, now, 101));
  g_assert_false (bearer_secrets_token_valid_for (secrets, now + 50, 60));
  g_assert_false (bearer_secrets_token_valid_for (secrets, now + 200, 0));

  /* Expired. */
  bearer_secrets_set_access_token (secrets, "at", "Bearer", now - 1, NULL);
  g_assert_false (bearer_secrets_token_valid_for (secrets, now, 0));

  /* An empty token is no token. */
  bearer_secrets_set_access_token (secrets, "", "Bearer", now + 100, NULL);
  g_assert_null (bearer_secrets_get_access_token (secrets));
  g_assert_false (bearer_secrets_token_valid_for (secrets, now, 0));
}

static void
test_empty_and_copy (void)
{
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  g_autoptr(BearerSecrets) full = full_secrets ();
  g_autoptr(BearerSecrets) copy = NULL;

  g_assert_true (bearer_secrets_is_empty (secrets));
  g_assert_cmpstr (bearer_secrets_get_token_type (secrets), ==, "Bearer");
  g_assert_cmpint (bearer_secrets_get_expires_at (secrets), ==, 0);
  g_assert_false (bearer_secrets_get_needs_sign_in (secrets));

  /* Flags and times are no secrets. */
  bearer_secrets_set_needs_sign_in (secrets, TRUE);
  bearer_secrets_set_updated_at (secrets, 5);
  g_assert_true (bearer_secrets_is_empty (secrets));

  bearer_secrets_set_client_secret (secrets, "");
  g_assert_true (bearer_secrets_is_empty (secrets));
  bearer_secrets_set_password (secrets, "p");
  g_assert_false (bearer_secrets_is_empty (secrets));
  bearer_secrets_set_password (secrets, NULL);
  g_assert_true (bearer_secrets_is_empty (secrets));
  bearer_secrets_set_refresh_token (secrets, "r");
  g_assert_false (bearer_secrets_is_empty (secrets));

  copy = bearer_secrets_copy (full);
  g_assert_cmpstr (bearer_secrets_get_client_secret (copy), ==, bearer_secrets_get_client_secret (full));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (copy), ==, bearer_secrets_get_refresh_token (full));
  g_assert_cmpstr (bearer_secrets_get_password (copy), ==, bearer_secrets_get_password (full));
  g_assert_cmpstr (bearer_secrets_get_access_token (copy), ==, bearer_secrets_get_access_token (full));
  g_assert_cmpstr (bearer_secrets_get_scope (copy), ==, "read write");
  g_assert_cmpint (bearer_secrets_get_expires_at (copy), ==, 1893456000);
  g_assert_true (bearer_secrets_get_needs_sign_in (copy));
  g_assert_cmpint (bearer_secrets_get_updated_at (copy), ==, 1700000000123456);
  bearer_secrets_set_refresh_token (copy, "other");
  g_assert_cmpstr (bearer_secrets_get_refresh_token (full), ==, "def50200refresh-token-0001");
}

/* ---------------------------------------------------------------------- */
/* Against the keyring                                                    */

static void
test_round_trip (void)
{
  g_autofree char *id = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(BearerSecrets) read = NULL;

  if (!bearer_test_require_keyring ())
    return;

  id = new_id ();
  secrets = full_secrets ();
  store_ok (id, "prod", secrets);
  read = lookup_ok (id);

  g_assert_false (bearer_secrets_is_empty (read));
  g_assert_cmpstr (bearer_secrets_get_client_secret (read), ==, "cl!ent \"secret\" \\ é");
  g_assert_cmpstr (bearer_secrets_get_refresh_token (read), ==, "def50200refresh-token-0001");
  g_assert_cmpstr (bearer_secrets_get_password (read), ==, "pass\nword\t∆");
  g_assert_cmpstr (bearer_secrets_get_access_token (read), ==, "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.sig");
  g_assert_cmpstr (bearer_secrets_get_token_type (read), ==, "Bearer");
  g_assert_cmpint (bearer_secrets_get_expires_at (read), ==, 1893456000);
  g_assert_cmpstr (bearer_secrets_get_scope (read), ==, "read write");
  g_assert_true (bearer_secrets_get_needs_sign_in (read));
  g_assert_cmpint (bearer_secrets_get_updated_at (read), ==, 1700000000123456);

  /* A token type other than Bearer, and the flag cleared. */
  bearer_secrets_set_access_token (secrets, "mac-token", "MAC", 0, NULL);
  bearer_secrets_set_needs_sign_in (secrets, FALSE);
  store_ok (id, "prod", secrets);
  g_clear_pointer (&read, bearer_secrets_unref);
  read = lookup_ok (id);
  g_assert_cmpstr (bearer_secrets_get_access_token (read), ==, "mac-token");
  g_assert_cmpstr (bearer_secrets_get_token_type (read), ==, "MAC");
  g_assert_cmpint (bearer_secrets_get_expires_at (read), ==, 0);
  g_assert_null (bearer_secrets_get_scope (read));
  g_assert_false (bearer_secrets_get_needs_sign_in (read));

  bearer_test_delete_keyring_items (created_ids);
}

static void
test_nothing_stored (void)
{
  g_autofree char *id = NULL;
  g_autoptr(BearerSecrets) read = NULL;

  if (!bearer_test_require_keyring ())
    return;

  id = new_id ();
  read = lookup_ok (id);
  g_assert_true (bearer_secrets_is_empty (read));
  g_assert_null (bearer_secrets_get_client_secret (read));
  g_assert_null (bearer_secrets_get_refresh_token (read));
  g_assert_null (bearer_secrets_get_password (read));
  g_assert_null (bearer_secrets_get_access_token (read));
  g_assert_false (bearer_secrets_get_needs_sign_in (read));
  g_assert_cmpint (bearer_secrets_get_updated_at (read), ==, 0);
  g_assert_false (bearer_secrets_token_valid_for (read, g_get_real_time () / G_USEC_PER_SEC, 0));
}

static void
test_store_replaces (void)
{
  g_autofree char *id = NULL;
  g_autoptr(BearerSecrets) full = NULL;
  g_autoptr(BearerSecrets) small = bearer_secrets_new ();
  g_autoptr(BearerSecrets) read = NULL;
  GList *items;

  if (!bearer_test_require_keyring ())
    return;

  id = new_id ();
  full = full_secrets ();
  store_ok (id, "prod", full);
  bearer_secrets_set_refresh_token (small, "only-this");
  store_ok (id, "prod", small);

  read = lookup_ok (id);
  g_assert_cmpstr (bearer_secrets_get_refresh_token (read), ==, "only-this");
  g_assert_null (bearer_secrets_get_client_secret (read));
  g_assert_null (bearer_secrets_get_password (read));
  g_assert_null (bearer_secrets_get_access_token (read));
  g_assert_null (bearer_secrets_get_scope (read));
  g_assert_cmpint (bearer_secrets_get_expires_at (read), ==, 0);
  g_assert_false (bearer_secrets_get_needs_sign_in (read));

  /* One item, not two. */
  items = search_items (id);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  g_list_free_full (items, g_object_unref);

  bearer_test_delete_keyring_items (created_ids);
}

static void
test_delete (void)
{
  g_autofree char *id = NULL;
  g_autofree char *other = NULL;
  g_autoptr(BearerSecrets) full = NULL;
  g_autoptr(BearerSecrets) read = NULL;
  g_autoptr(GError) error = NULL;
  GList *items;

  if (!bearer_test_require_keyring ())
    return;

  id = new_id ();
  other = new_id ();
  full = full_secrets ();
  store_ok (id, "one", full);
  store_ok (other, "two", full);

  g_assert_true (delete (id, &error));
  g_assert_no_error (error);
  read = lookup_ok (id);
  g_assert_true (bearer_secrets_is_empty (read));
  items = search_items (id);
  g_assert_null (items);

  /* The other profile keeps its secrets. */
  g_clear_pointer (&read, bearer_secrets_unref);
  read = lookup_ok (other);
  g_assert_cmpstr (bearer_secrets_get_refresh_token (read), ==, "def50200refresh-token-0001");

  /* Deleting again, or what never was, is no error. */
  g_assert_true (delete (id, &error));
  g_assert_no_error (error);

  bearer_test_delete_keyring_items (created_ids);
}

static void
test_delete_nothing (void)
{
  g_autofree char *id = NULL;
  g_autoptr(GError) error = NULL;

  if (!bearer_test_require_keyring ())
    return;

  id = new_id ();
  g_assert_true (delete (id, &error));
  g_assert_no_error (error);
}

static void
test_item (void)
{
  g_autofree char *id = NULL;
  g_autoptr(BearerSecrets) full = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autofree char *label = NULL;
  g_autoptr(SecretValue) value = NULL;
  const char *members[] = {
    "version", "client_secret", "refresh_token", "password", "access_token", "token_type",
    "expires_at", "scope", "needs_sign_in", "updated_at",
  };
  SecretRetrievable *item;
  JsonObject *bundle;
  GList *items;

  if (!bearer_test_require_keyring ())
    return;

  id = new_id ();
  full = full_secrets ();
  store_ok (id, "prod é", full);

  items = search_items (id);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  item = items->data;

  label = secret_retrievable_get_label (item);
  g_assert_cmpstr (label, ==, "Bearer: prod é (client secret and tokens)");
  attributes = secret_retrievable_get_attributes (item);
  g_assert_cmpstr (g_hash_table_lookup (attributes, "profile-id"), ==, id);
  if (g_hash_table_contains (attributes, "xdg:schema"))
    g_assert_cmpstr (g_hash_table_lookup (attributes, "xdg:schema"), ==, SCHEMA_NAME);
  g_assert_cmpstr (bearer_secrets_get_schema ()->name, ==, SCHEMA_NAME);

  /* The secret is the JSON bundle of docs/storage.md. */
  value = secret_retrievable_retrieve_secret_sync (item, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (value);
  json_parser_load_from_data (parser, secret_value_get_text (value), -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  bundle = json_node_get_object (json_parser_get_root (parser));
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    if (!json_object_has_member (bundle, members[i]))
      {
        g_test_message ("the bundle has no \"%s\"", members[i]);
        g_test_fail ();
      }
  g_assert_cmpint (json_object_get_int_member (bundle, "version"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (bundle, "refresh_token"), ==, "def50200refresh-token-0001");
  g_assert_true (json_object_get_boolean_member (bundle, "needs_sign_in"));
  g_list_free_full (items, g_object_unref);

  /* A renamed profile: the label follows, still one item. */
  store_ok (id, "renamed", full);
  items = search_items (id);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  g_clear_pointer (&label, g_free);
  label = secret_retrievable_get_label (items->data);
  g_assert_cmpstr (label, ==, "Bearer: renamed (client secret and tokens)");
  g_list_free_full (items, g_object_unref);

  bearer_test_delete_keyring_items (created_ids);
}

/* An item of Bearer's schema whose secret is not Bearer's bundle. */
static void
test_corrupt_item (gconstpointer data)
{
  const char *text = data;
  g_autofree char *id = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(BearerSecrets) read = NULL;
  g_autoptr(GError) error = NULL;

  if (!bearer_test_require_keyring ())
    return;

  id = new_id ();
  attributes = bearer_test_keyring_attributes (id);
  secret_password_storev_sync (bearer_secrets_get_schema (), attributes, SECRET_COLLECTION_DEFAULT,
                               "not Bearer's", text, NULL, &error);
  g_assert_no_error (error);

  read = lookup (id, &error);
  g_assert_null (read);
  g_assert_error (error, BEARER_KEYRING_ERROR, BEARER_KEYRING_ERROR_CORRUPT);
  g_assert_null (strstr (error->message, text));

  /* It can be replaced, and deleted. */
  g_clear_error (&error);
  read = bearer_secrets_new ();
  bearer_secrets_set_refresh_token (read, "fresh");
  store_ok (id, "prod", read);
  g_clear_pointer (&read, bearer_secrets_unref);
  read = lookup_ok (id);
  g_assert_cmpstr (bearer_secrets_get_refresh_token (read), ==, "fresh");

  bearer_test_delete_keyring_items (created_ids);
}

/* ---------------------------------------------------------------------- */
/* A locked keyring                                                       */

/* A collection of the test's own is locked (bearer-test-keyring.h): the
 * unlock prompt cannot appear in the test session, so it counts as
 * dismissed. */

/* In a child process, so that the parent restores the keyring whatever the
 * child's assertions do. */
static char *
locked_id (pid_t parent)
{
  return g_strdup_printf ("bearer-test-locked-%d", (int) parent);
}

static void
locked_child (void)
{
  g_autofree char *id = locked_id (getppid ());
  g_autoptr(BearerSecrets) read = NULL;
  g_autoptr(GError) error = NULL;

  /* The item exists, in a locked collection that is not unlocked at the
   * prompt: LOCKED, not "nothing stored". */
  read = lookup (id, &error);
  if (read != NULL)
    g_printerr ("# lookup in a locked keyring gave %s secrets and no error\n",
                    bearer_secrets_is_empty (read) ? "empty" : "non-empty");
  g_assert_error (error, BEARER_KEYRING_ERROR, BEARER_KEYRING_ERROR_LOCKED);
  g_assert_null (read);
  g_clear_error (&error);
}

static void
locked_store_child (void)
{
  g_autofree char *id = locked_id (getppid ());
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  g_autoptr(GError) error = NULL;

  bearer_secrets_set_refresh_token (secrets, "new-in-locked");
  g_assert_false (store (id, "prod", secrets, &error));
  g_assert_error (error, BEARER_KEYRING_ERROR, BEARER_KEYRING_ERROR_LOCKED);
  g_assert_null (strstr (error->message, "new-in-locked"));
}

static void
run_locked (GTestFunc child,
            gboolean  item_in_locked)
{
  g_autofree char *id = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BearerSecrets) secrets = full_secrets ();
  BearerTestCollection *temp;

  if (g_test_subprocess ())
    {
      child ();
      return;
    }

  if (!bearer_test_require_keyring ())
    return;

  temp = bearer_test_collection_new_default (&error);
  if (temp == NULL)
    {
      /* Another Secret Service than gnome-keyring. */
      g_autofree char *why = g_strdup_printf ("Cannot make a lockable collection: %s",
                                              error->message);

      g_test_skip (why);
      return;
    }

  id = locked_id (getpid ());
  g_ptr_array_add (created_ids, g_strdup (id));
  if (item_in_locked)
    store_ok (id, "prod", secrets);
  g_assert_true (bearer_test_collection_lock (temp, &error));
  g_assert_no_error (error);

  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  bearer_test_collection_free (temp);
  bearer_test_delete_keyring_items (created_ids);

  /* Not g_test_trap_assert_passed (): a failure here must not stop the
   * tests after it. */
  if (!g_test_trap_has_passed ())
    {
      g_test_message ("the child process failed (its messages are above)");
      g_test_fail ();
    }
}

static void
test_locked_lookup (void)
{
  run_locked (locked_child, TRUE);
}

static void
test_locked_store (void)
{
  run_locked (locked_store_child, FALSE);
}

/* ---------------------------------------------------------------------- */
/* No keyring at all                                                      */

static void
assert_unavailable (const GError *error,
                    gint64        started)
{
  gint64 elapsed = g_get_monotonic_time () - started;

  g_assert_error (error, BEARER_KEYRING_ERROR, BEARER_KEYRING_ERROR_UNAVAILABLE);
  g_assert_true (g_str_has_prefix (error->message, "No keyring is available"));
  g_assert_cmpint (elapsed, <, NO_KEYRING_LIMIT_S * G_USEC_PER_SEC);
}

static void
test_no_keyring_lookup (void)
{
  g_autoptr(BearerSecrets) read = NULL;
  g_autoptr(GError) error = NULL;
  gint64 started = g_get_monotonic_time ();
  Wait wait = { NULL };

  bearer_secrets_lookup_async ("bearer-test-no-keyring", NULL, waited_cb, &wait);
  read = bearer_secrets_lookup_finish (wait_for (&wait, NO_KEYRING_LIMIT_S), &error);
  g_clear_object (&wait.result);
  g_assert_null (read);
  assert_unavailable (error, started);
}

static void
test_no_keyring_store (void)
{
  g_autoptr(BearerSecrets) secrets = full_secrets ();
  g_autoptr(GError) error = NULL;
  gint64 started = g_get_monotonic_time ();
  Wait wait = { NULL };

  bearer_secrets_store_async ("bearer-test-no-keyring", "prod", secrets, NULL, waited_cb, &wait);
  g_assert_false (bearer_secrets_store_finish (wait_for (&wait, NO_KEYRING_LIMIT_S), &error));
  g_clear_object (&wait.result);
  assert_unavailable (error, started);
  /* Never a secret in a message. */
  g_assert_null (strstr (error->message, "def50200refresh-token-0001"));
  g_assert_null (strstr (error->message, "cl!ent"));
}

static void
test_no_keyring_delete (void)
{
  g_autoptr(GError) error = NULL;
  gint64 started = g_get_monotonic_time ();
  Wait wait = { NULL };

  bearer_secrets_delete_async ("bearer-test-no-keyring", NULL, waited_cb, &wait);
  g_assert_false (bearer_secrets_delete_finish (wait_for (&wait, NO_KEYRING_LIMIT_S), &error));
  g_clear_object (&wait.result);
  assert_unavailable (error, started);
}

/* ---------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  g_autofree char *config = NULL;
  g_autofree char *runtime = NULL;
  g_autofree char **keep_going = NULL;
  gboolean subprocess = FALSE;
  int status;

  /* Before anything reads them. A child of g_test_trap_subprocess()
   * inherits its parent's, which the parent removes. */
  for (int i = 1; i < argc; i++)
    subprocess |= g_str_equal (argv[i], "--GTestSubprocess");
  if (!subprocess)
    {
      tmp_root = g_dir_make_tmp ("bearer-test-secrets-XXXXXX", NULL);
      g_assert_nonnull (tmp_root);
      config = g_build_filename (tmp_root, "config", NULL);
      runtime = g_build_filename (tmp_root, "runtime", NULL);
      g_mkdir_with_parents (config, 0700);
      g_mkdir_with_parents (runtime, 0700);
      g_setenv ("XDG_CONFIG_HOME", config, TRUE);
      g_setenv ("XDG_RUNTIME_DIR", runtime, TRUE);
    }
  created_ids = g_ptr_array_new_with_free_func (g_free);

  /* One failing test must not hide the others (meson passes only --tap). */
  keep_going = g_new0 (char *, argc + 2);
  for (int i = 0; i < argc; i++)
    keep_going[i] = argv[i];
  keep_going[argc++] = (char *) "--keep-going";
  argv = keep_going;

  g_test_init (&argc, &argv, NULL);

  if (g_strcmp0 (g_getenv ("BEARER_TEST_NO_KEYRING"), "1") == 0)
    {
      g_test_add_func ("/bearer/secrets/no-keyring/lookup", test_no_keyring_lookup);
      g_test_add_func ("/bearer/secrets/no-keyring/store", test_no_keyring_store);
      g_test_add_func ("/bearer/secrets/no-keyring/delete", test_no_keyring_delete);
    }
  else
    {
      g_test_add_func ("/bearer/secrets/token-valid-for", test_token_valid_for);
      g_test_add_func ("/bearer/secrets/empty-and-copy", test_empty_and_copy);
      g_test_add_func ("/bearer/secrets/round-trip", test_round_trip);
      g_test_add_func ("/bearer/secrets/nothing-stored", test_nothing_stored);
      g_test_add_func ("/bearer/secrets/store-replaces", test_store_replaces);
      g_test_add_func ("/bearer/secrets/delete", test_delete);
      g_test_add_func ("/bearer/secrets/delete-nothing", test_delete_nothing);
      g_test_add_func ("/bearer/secrets/item", test_item);
      g_test_add_data_func ("/bearer/secrets/corrupt-item/text", "not a bundle", test_corrupt_item);
      g_test_add_data_func ("/bearer/secrets/corrupt-item/array", "[\"x\"]", test_corrupt_item);
      g_test_add_func ("/bearer/secrets/locked/lookup", test_locked_lookup);
      g_test_add_func ("/bearer/secrets/locked/store", test_locked_store);
    }

  status = g_test_run ();

  bearer_test_delete_keyring_items (created_ids);
  g_ptr_array_unref (created_ids);
  if (tmp_root != NULL)
    bearer_test_remove_tree (tmp_root);
  g_free (tmp_root);
  return status;
}
