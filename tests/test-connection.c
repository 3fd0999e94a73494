/* test-connection.c: BearerConnection, BearerConnectionList and the scheduler
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Against the session's real keyring and the in-process test servers. The
 * profiles file is this program's own (XDG_CONFIG_HOME points at a
 * temporary folder); another process is played by a second BearerProfileStore
 * on the same file and by the real bearer-cli.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "bearer-connection-list.h"
#include "bearer-enum-types.h"
#include "bearer-error.h"
#include "bearer-lifecycle.h"
#include "bearer-scheduler.h"
#include "bearer-test-cli.h"
#include "bearer-test-keyring.h"
#include "bearer-test-server.h"

#define CLIENT_ID "bearer-test-client"
#define CLIENT_SECRET "bearer-test-secret"

static char *tmp_root;
static GPtrArray *created_ids;

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */

typedef struct {
  gint64 now;
} FakeClock;

static gint64
fake_now (gpointer data)
{
  return ((FakeClock *) data)->now;
}

static gint64
real_now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

typedef gboolean (*Condition) (gpointer data);

static void
wait_until (Condition   condition,
            gpointer    data,
            const char *what)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static char *
profiles_path (const char *name)
{
  return g_build_filename (tmp_root, name, NULL);
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  bearer_connection_list_load_finish (BEARER_CONNECTION_LIST (source), result, &error);
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static BearerConnectionList *
load_list (const char *path)
{
  g_autoptr(BearerProfileStore) store = bearer_profile_store_new (path);
  BearerConnectionList *list = bearer_connection_list_new (store);
  gboolean done = FALSE;

  bearer_connection_list_load_async (list, NULL, loaded_cb, &done);
  wait_until (is_true, &done, "the list to load");
  return list;
}

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (bearer_secrets_store_finish (result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static void
store_secrets (const char    *id,
               BearerSecrets *secrets)
{
  gboolean done = FALSE;

  g_ptr_array_add (created_ids, g_strdup (id));
  bearer_secrets_store_async (id, "connection test", secrets, NULL, stored_cb, &done);
  wait_until (is_true, &done, "the keyring write");
}

static void
lookup_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  *(BearerSecrets **) user_data = bearer_secrets_lookup_finish (result, &error);
  g_assert_no_error (error);
}

static BearerSecrets *
lookup_secrets (const char *id)
{
  BearerSecrets *secrets = NULL;

  bearer_secrets_lookup_async (id, NULL, lookup_cb, &secrets);
  wait_until (is_set, &secrets, "the keyring");
  return secrets;
}

/* A profile saved in @path (by "another process": a store of its own). */
static BearerProfile *
add_profile (const char       *path,
             const char       *name,
             BearerTestServer *server,
             BearerGrantType   grant)
{
  g_autoptr(BearerProfileStore) store = bearer_profile_store_new (path);
  g_autoptr(GError) error = NULL;
  BearerProfile *profile = bearer_profile_new (name);

  bearer_profile_store_load (store, NULL);
  if (server != NULL)
    {
      g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");

      bearer_profile_set_token_url (profile, url);
    }
  else
    bearer_profile_set_token_url (profile, "https://auth.example.com/token");
  bearer_profile_set_client_id (profile, CLIENT_ID);
  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_POST);
  bearer_profile_set_grant_type (profile, grant);
  g_assert_true (bearer_profile_store_add_profile (store, profile, &error));
  g_assert_no_error (error);
  g_ptr_array_add (created_ids, g_strdup (bearer_profile_get_id (profile)));
  return profile;
}

typedef struct {
  guint position, removed, added, calls;
} ItemsChanged;

static void
items_changed_cb (GListModel   *model,
                  guint         position,
                  guint         removed,
                  guint         added,
                  ItemsChanged *changed)
{
  changed->position = position;
  changed->removed = removed;
  changed->added = added;
  changed->calls++;
}

static void
count_cb (GObject    *object,
          GParamSpec *pspec,
          guint      *count)
{
  (*count)++;
}

static void
count_secret_cb (BearerConnection *connection,
                 BearerSecretKind  kind,
                 guint            *count)
{
  (*count)++;
}

static void
count_signal_cb (BearerConnection *connection,
                 guint            *count)
{
  (*count)++;
}

static void
count_error_cb (BearerConnection *connection,
                const GError     *error,
                guint            *count)
{
  (*count)++;
}

/* ---------------------------------------------------------------------- */
/* The connection                                                         */

static void
test_state_transitions (void)
{
  g_autofree char *path = profiles_path ("states.json");
  g_autoptr(BearerProfileStore) store = bearer_profile_store_new (path);
  g_autoptr(BearerProfile) profile = bearer_profile_new ("states");
  g_autoptr(BearerConnection) connection = NULL;
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  FakeClock clock = { 1000000 };
  guint state_notifies = 0, token_notifies = 0;

  bearer_profile_set_refresh_margin (profile, 60);
  connection = bearer_connection_new (store, profile);
  bearer_connection_set_now_func (connection, fake_now, &clock);
  g_signal_connect (connection, "notify::state", G_CALLBACK (count_cb), &state_notifies);
  g_signal_connect (connection, "notify::access-token", G_CALLBACK (count_cb), &token_notifies);
  g_assert_cmpint (bearer_connection_get_state (connection), ==, BEARER_TOKEN_STATE_LOADING);

  /* Nothing stored. */
  bearer_connection_set_secrets (connection, secrets);
  g_assert_cmpint (bearer_connection_get_state (connection), ==, BEARER_TOKEN_STATE_NONE);
  g_assert_true (bearer_connection_get_secrets_loaded (connection));
  g_assert_cmpuint (state_notifies, ==, 1);
  g_assert_cmpuint (token_notifies, ==, 0);

  /* A token for an hour: valid, then expiring at the margin, then expired. */
  bearer_secrets_set_access_token (secrets, "at-1", "Bearer", clock.now + 3600, "read");
  bearer_connection_set_secrets (connection, secrets);
  g_assert_cmpint (bearer_connection_get_state (connection), ==, BEARER_TOKEN_STATE_VALID);
  g_assert_cmpstr (bearer_connection_get_access_token (connection), ==, "at-1");
  g_assert_cmpstr (bearer_connection_get_scope (connection), ==, "read");
  g_assert_cmpuint (token_notifies, ==, 1);
  g_assert_cmpint (bearer_connection_get_next_change (connection), ==, clock.now + 3540);

  /* The same again: nothing notifies. */
  bearer_connection_set_secrets (connection, secrets);
  g_assert_cmpuint (token_notifies, ==, 1);
  g_assert_cmpuint (state_notifies, ==, 2);

  clock.now += 3539;
  bearer_connection_update_state (connection);
  g_assert_cmpint (bearer_connection_get_state (connection), ==, BEARER_TOKEN_STATE_VALID);
  clock.now += 1;
  bearer_connection_update_state (connection);
  g_assert_cmpint (bearer_connection_get_state (connection), ==, BEARER_TOKEN_STATE_EXPIRING);
  g_assert_cmpint (bearer_connection_get_next_change (connection), ==, clock.now + 60);
  clock.now += 60;
  bearer_connection_update_state (connection);
  g_assert_cmpint (bearer_connection_get_state (connection), ==, BEARER_TOKEN_STATE_EXPIRED);
  g_assert_cmpint (bearer_connection_get_next_change (connection), ==, 0);
  g_assert_cmpuint (state_notifies, ==, 4);

  /* A wider margin is expiring sooner. */
  clock.now -= 600;
  bearer_connection_update_state (connection);
  g_assert_cmpint (bearer_connection_get_state (connection), ==, BEARER_TOKEN_STATE_VALID);
  bearer_profile_set_refresh_margin (profile, 900);
  g_assert_cmpint (bearer_connection_get_state (connection), ==, BEARER_TOKEN_STATE_EXPIRING);

  /* Refused refresh token: sign in again, until a new one is pasted. */
  bearer_secrets_set_needs_sign_in (secrets, TRUE);
  bearer_connection_set_secrets (connection, secrets);
  g_assert_cmpint (bearer_connection_get_state (connection), ==, BEARER_TOKEN_STATE_SIGN_IN);
  bearer_connection_set_secret (connection, BEARER_SECRET_REFRESH_TOKEN, "def502-pasted");
  g_assert_cmpint (bearer_connection_get_state (connection), !=, BEARER_TOKEN_STATE_SIGN_IN);
  g_assert_true (bearer_connection_get_has_refresh_token (connection));
  g_assert_false (bearer_connection_get_saved (connection));

  /* Dropped, nothing written. */
  bearer_connection_close_async (connection, NULL, NULL);
  g_assert_true (bearer_connection_get_saved (connection));
}

/* The keyring was locked, then answers: the error goes, the token shows. */
static void
test_keyring_back (void)
{
  g_autofree char *path = profiles_path ("keyring-back.json");
  g_autoptr(BearerProfileStore) store = bearer_profile_store_new (path);
  g_autoptr(BearerProfile) profile = bearer_profile_new ("back");
  g_autoptr(BearerConnection) connection = bearer_connection_new (store, profile);
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  g_autoptr(GError) locked = g_error_new_literal (BEARER_KEYRING_ERROR, BEARER_KEYRING_ERROR_LOCKED,
                                                  "locked");

  bearer_connection_set_secrets_error (connection, locked);
  g_assert_cmpint (bearer_connection_get_state (connection), ==, BEARER_TOKEN_STATE_FAILED);
  g_assert_error (bearer_connection_get_error (connection), BEARER_KEYRING_ERROR,
                  BEARER_KEYRING_ERROR_LOCKED);

  bearer_secrets_set_access_token (secrets, "at", "Bearer", real_now () + 3600, NULL);
  bearer_connection_set_secrets (connection, secrets);
  g_assert_null (bearer_connection_get_error (connection));
  g_assert_null (bearer_connection_get_secrets_error (connection));
  g_assert_cmpint (bearer_connection_get_state (connection), ==, BEARER_TOKEN_STATE_VALID);
}

/* What the form typed is kept when the keyring is read again. */
static void
test_typed_secret_kept (void)
{
  g_autofree char *path = profiles_path ("typed.json");
  g_autoptr(BearerProfileStore) store = bearer_profile_store_new (path);
  g_autoptr(BearerProfile) profile = bearer_profile_new ("typed");
  g_autoptr(BearerConnection) connection = bearer_connection_new (store, profile);
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  guint changed = 0;

  g_signal_connect (connection, "secret-changed", G_CALLBACK (count_secret_cb), &changed);
  bearer_secrets_set_client_secret (secrets, "from-keyring");
  bearer_connection_set_secrets (connection, secrets);
  g_assert_cmpstr (bearer_connection_get_secret (connection, BEARER_SECRET_CLIENT_SECRET), ==, "from-keyring");
  g_assert_cmpuint (changed, ==, 1);

  bearer_connection_set_save_delay (connection, 100000);
  bearer_connection_set_secret (connection, BEARER_SECRET_CLIENT_SECRET, "typed");
  bearer_secrets_set_client_secret (secrets, "other-process");
  bearer_connection_set_secrets (connection, secrets);
  g_assert_cmpstr (bearer_connection_get_secret (connection, BEARER_SECRET_CLIENT_SECRET), ==, "typed");
  g_assert_cmpuint (changed, ==, 1);
  bearer_connection_close_async (connection, NULL, NULL);
}

static void
refreshed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GError **error = user_data;
  g_autoptr(BearerRefreshResult) refresh = NULL;

  refresh = bearer_connection_refresh_finish (BEARER_CONNECTION (source), result, error);
  if (refresh != NULL)
    *error = (GError *) 1;      /* done, no error */
}

static GError *
refresh (BearerConnection   *connection,
         BearerRefreshFlags  flags)
{
  GError *error = NULL;

  bearer_connection_refresh_async (connection, flags, NULL, refreshed_cb, &error);
  g_assert_cmpint (bearer_connection_get_state (connection), ==, BEARER_TOKEN_STATE_REFRESHING);
  wait_until (is_set, &error, "the refresh");
  return error == (GError *) 1 ? NULL : error;
}

/* Typed secrets are what the refresh sends: the connection writes them and
 * refreshes, and takes the result, rotated refresh token included. */
static void
test_refresh (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autofree char *path = profiles_path ("refresh.json");
  g_autoptr(BearerProfile) added = NULL;
  g_autoptr(BearerConnectionList) list = NULL;
  g_autoptr(BearerSecrets) stored = NULL;
  g_autofree char *body = NULL;
  BearerConnection *connection;
  GError *error;
  guint secret_changes = 0;

  if (!bearer_test_require_keyring ())
    return;

  added = add_profile (path, "refresh", server, BEARER_GRANT_REFRESH_TOKEN);
  list = load_list (path);
  connection = bearer_connection_list_find (list, "refresh");
  g_assert_nonnull (connection);
  g_assert_cmpint (bearer_connection_get_state (connection), ==, BEARER_TOKEN_STATE_NONE);

  bearer_test_server_set_refresh_token (server, "def50200typed");
  bearer_connection_set_secret (connection, BEARER_SECRET_CLIENT_SECRET, CLIENT_SECRET);
  bearer_connection_set_secret (connection, BEARER_SECRET_REFRESH_TOKEN, "def50200typed");
  g_signal_connect (connection, "secret-changed", G_CALLBACK (count_secret_cb), &secret_changes);

  error = refresh (connection, BEARER_REFRESH_FORCE);
  g_assert_no_error (error);
  body = bearer_test_server_dup_last_body (server);
  g_assert_nonnull (strstr (body, "refresh_token=def50200typed"));
  g_assert_cmpint (bearer_connection_get_state (connection), ==, BEARER_TOKEN_STATE_VALID);
  g_assert_cmpstr (bearer_connection_get_access_token (connection), ==,
                   bearer_test_server_get_last_access_token (server));
  g_assert_true (bearer_connection_get_rotated (connection));
  g_assert_true (bearer_connection_get_stored (connection));
  g_assert_nonnull (bearer_connection_get_response (connection));
  g_assert_null (bearer_connection_get_error (connection));
  /* The rotated refresh token is the connection's now. */
  g_assert_cmpstr (bearer_connection_get_secret (connection, BEARER_SECRET_REFRESH_TOKEN), ==,
                   bearer_test_server_get_refresh_token (server));
  g_assert_cmpuint (secret_changes, ==, 1);
  stored = lookup_secrets (bearer_connection_get_id (connection));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (stored), ==, bearer_test_server_get_refresh_token (server));
  g_assert_cmpstr (bearer_secrets_get_client_secret (stored), ==, CLIENT_SECRET);

  /* A refused token: sign in again, with the server's words. */
  bearer_test_server_set_refresh_token (server, "something-else");
  error = refresh (connection, BEARER_REFRESH_FORCE);
  g_assert_nonnull (error);
  g_assert_cmpint (bearer_connection_get_state (connection), ==, BEARER_TOKEN_STATE_SIGN_IN);
  g_assert_nonnull (bearer_connection_get_error (connection));
  g_clear_error (&error);
}

/* Edits are saved after a pause, in one write. */
static void
test_save_debounced (void)
{
  g_autofree char *path = profiles_path ("save.json");
  g_autoptr(BearerProfile) added = add_profile (path, "save", NULL, BEARER_GRANT_CLIENT_CREDENTIALS);
  g_autoptr(BearerConnectionList) list = load_list (path);
  g_autoptr(BearerProfileStore) other = bearer_profile_store_new (path);
  BearerConnection *connection = bearer_connection_list_find (list, "save");
  BearerProfile *profile = bearer_connection_get_profile (connection);
  guint saves = 0;

  g_signal_connect (connection, "profile-saved", G_CALLBACK (count_signal_cb), &saves);
  bearer_connection_set_save_delay (connection, 50);
  bearer_profile_set_scope (profile, "r");
  bearer_profile_set_scope (profile, "re");
  bearer_profile_set_scope (profile, "read");
  g_assert_false (bearer_connection_get_saved (connection));
  wait_until ((Condition) bearer_connection_get_saved, connection, "the save");
  g_assert_cmpuint (saves, ==, 1);

  bearer_profile_store_load (other, NULL);
  g_assert_cmpstr (bearer_profile_get_scope (bearer_profile_store_find (other, "save")), ==, "read");
}

/* ---------------------------------------------------------------------- */
/* The list                                                               */

static gboolean
changed_once (gpointer data)
{
  return ((ItemsChanged *) data)->calls > 0;
}

/* Another process adds, renames and removes profiles: the list follows,
 * with exact changes, and an edit in progress here wins. */
static void
test_list_follows_disk (void)
{
  g_autofree char *path = profiles_path ("follows.json");
  g_autoptr(BearerProfile) first = add_profile (path, "first", NULL, BEARER_GRANT_CLIENT_CREDENTIALS);
  g_autoptr(BearerConnectionList) list = load_list (path);
  g_autoptr(BearerProfileStore) other = bearer_profile_store_new (path);
  g_autoptr(BearerProfile) second = NULL;
  g_autoptr(GError) error = NULL;
  ItemsChanged changed = { 0 };
  BearerConnection *connection;
  BearerProfile *theirs;
  guint name_notifies = 0;
  gint64 start;

  bearer_connection_list_watch (list);
  g_signal_connect (list, "items-changed", G_CALLBACK (items_changed_cb), &changed);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
  connection = bearer_connection_list_find (list, "first");
  g_signal_connect (bearer_connection_get_profile (connection), "notify::name", G_CALLBACK (count_cb),
                    &name_notifies);

  /* Added elsewhere: one insertion at the end, within a second. */
  start = g_get_monotonic_time ();
  second = add_profile (path, "second", NULL, BEARER_GRANT_CLIENT_CREDENTIALS);
  wait_until (changed_once, &changed, "the added profile");
  g_test_message ("seen after %.0f ms", (g_get_monotonic_time () - start) / 1e3);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_assert_cmpuint (changed.position, ==, 1);
  g_assert_cmpuint (changed.removed, ==, 0);
  g_assert_cmpuint (changed.added, ==, 1);
  g_assert_nonnull (bearer_connection_list_find (list, "second"));

  /* Renamed elsewhere: a property change, not a list change. */
  changed.calls = 0;
  bearer_profile_store_load (other, NULL);
  theirs = bearer_profile_store_find (other, bearer_profile_get_id (first));
  bearer_profile_set_name (theirs, "first renamed");
  g_assert_true (bearer_profile_store_save_profile (other, theirs, &error));
  g_assert_no_error (error);
  wait_until (is_true, &name_notifies, "the rename");
  g_assert_cmpstr (bearer_profile_get_name (bearer_connection_get_profile (connection)), ==, "first renamed");
  bearer_test_spin (300);
  g_assert_cmpuint (changed.calls, ==, 0);

  /* Edited here and elsewhere at once: the edit in progress wins. */
  bearer_connection_set_save_delay (connection, 400);
  bearer_profile_set_scope (bearer_connection_get_profile (connection), "mine");
  bearer_profile_store_load (other, NULL);
  theirs = bearer_profile_store_find (other, bearer_profile_get_id (first));
  bearer_profile_set_scope (theirs, "theirs");
  g_assert_true (bearer_profile_store_save_profile (other, theirs, &error));
  bearer_test_spin (250);
  g_assert_cmpstr (bearer_profile_get_scope (bearer_connection_get_profile (connection)), ==, "mine");
  wait_until ((Condition) bearer_connection_get_saved, connection, "the save");
  bearer_profile_store_load (other, NULL);
  g_assert_cmpstr (bearer_profile_get_scope (bearer_profile_store_find (other, bearer_profile_get_id (first))),
                   ==, "mine");

  /* Removed elsewhere: one removal. */
  changed.calls = 0;
  g_assert_true (bearer_profile_store_remove_profile (other, bearer_profile_get_id (second), &error));
  g_assert_no_error (error);
  wait_until (changed_once, &changed, "the removal");
  g_assert_cmpuint (changed.position, ==, 1);
  g_assert_cmpuint (changed.removed, ==, 1);
  g_assert_cmpuint (changed.added, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 1);
}

/* The first load announces every connection at once: one items-changed,
 * not one per connection (each costs a window's sidebar and selection a
 * pass: a thousand of them took 140 ms before the first frame). */
static void
test_list_loads_at_once (void)
{
  g_autofree char *path = profiles_path ("at-once.json");
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(BearerConnectionList) list = NULL;
  ItemsChanged changed = { 0 };
  gboolean done = FALSE;

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *name = g_strdup_printf ("at-once-%u", i);
      g_autoptr(BearerProfile) profile = add_profile (path, name, NULL, BEARER_GRANT_CLIENT_CREDENTIALS);
    }

  store = bearer_profile_store_new (path);
  list = bearer_connection_list_new (store);
  g_signal_connect (list, "items-changed", G_CALLBACK (items_changed_cb), &changed);
  bearer_connection_list_load_async (list, NULL, loaded_cb, &done);
  wait_until (is_true, &done, "the list to load");
  g_assert_cmpuint (changed.calls, ==, 1);
  g_assert_cmpuint (changed.position, ==, 0);
  g_assert_cmpuint (changed.removed, ==, 0);
  g_assert_cmpuint (changed.added, ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(BearerConnection) connection = g_list_model_get_item (G_LIST_MODEL (list), i);
      g_autofree char *name = g_strdup_printf ("at-once-%u", i);

      g_assert_cmpstr (bearer_profile_get_name (bearer_connection_get_profile (connection)), ==, name);
    }
}

/* A connection edits a copy of the stored profile, with everything in it:
 * its id, its parameters and the members this version does not know, which
 * its saves keep. */
static void
test_list_copies_profiles (void)
{
  g_autofree char *path = profiles_path ("copies.json");
  g_autoptr(BearerConnectionList) list = NULL;
  g_autoptr(BearerProfileStore) other = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  BearerConnection *connection;
  BearerProfile *profile;
  JsonObject *saved;

  g_assert_true (g_file_set_contents (path,
                                      "{\"version\": 1, \"profiles\": [\n"
                                      "  {\"id\": \"p1\", \"name\": \"one\", \"token_url\": \"https://a.example/token\",\n"
                                      "   \"grant_type\": \"client_credentials\", \"scope\": \"read\",\n"
                                      "   \"parameters\": [{\"in\": \"header\", \"name\": \"X-Tenant\", \"value\": \"acme\"}],\n"
                                      "   \"future_member\": {\"x\": \"y\"}}]}\n",
                                      -1, &error));
  g_assert_no_error (error);
  list = load_list (path);
  connection = bearer_connection_list_find (list, "one");
  g_assert_nonnull (connection);
  profile = bearer_connection_get_profile (connection);
  g_assert_cmpstr (bearer_connection_get_id (connection), ==, "p1");
  g_assert_cmpstr (bearer_profile_get_token_url (profile), ==, "https://a.example/token");
  g_assert_cmpint (bearer_profile_get_grant_type (profile), ==, BEARER_GRANT_CLIENT_CREDENTIALS);
  g_assert_cmpstr (bearer_profile_get_scope (profile), ==, "read");
  g_assert_cmpuint (bearer_profile_get_n_parameters (profile), ==, 1);

  /* Edited and saved: the unknown member is still in the file. */
  bearer_connection_set_save_delay (connection, 10);
  bearer_profile_set_scope (profile, "write");
  wait_until ((Condition) bearer_connection_get_saved, connection, "the save");
  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  saved = json_array_get_object_element (json_object_get_array_member (json_node_get_object (
                                           json_parser_get_root (parser)), "profiles"), 0);
  g_assert_cmpstr (json_object_get_string_member (saved, "id"), ==, "p1");
  g_assert_cmpstr (json_object_get_string_member (saved, "scope"), ==, "write");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (saved, "parameters")), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (saved, "future_member"), "x"),
                   ==, "y");
}

/* A profile removed elsewhere while edited here is not brought back. */
static void
test_removed_not_resaved (void)
{
  g_autofree char *path = profiles_path ("removed.json");
  g_autoptr(BearerProfile) gone = add_profile (path, "gone", NULL, BEARER_GRANT_CLIENT_CREDENTIALS);
  g_autoptr(BearerConnectionList) list = load_list (path);
  g_autoptr(BearerProfileStore) other = bearer_profile_store_new (path);
  g_autoptr(BearerConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  guint failed = 0;

  connection = g_object_ref (bearer_connection_list_find (list, "gone"));
  g_signal_connect (connection, "profile-save-failed", G_CALLBACK (count_error_cb), &failed);
  bearer_connection_set_save_delay (connection, 200);
  bearer_profile_set_scope (bearer_connection_get_profile (connection), "edited");

  bearer_profile_store_load (other, NULL);
  g_assert_true (bearer_profile_store_remove_profile (other, bearer_profile_get_id (gone), &error));
  g_assert_no_error (error);
  wait_until ((Condition) bearer_connection_get_saved, connection, "the save attempt");
  g_assert_cmpuint (failed, ==, 1);

  bearer_profile_store_load (other, NULL);
  g_assert_null (bearer_profile_store_find (other, bearer_profile_get_id (gone)));
}

static void
list_removed_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GError **error = user_data;

  if (bearer_connection_list_remove_finish (BEARER_CONNECTION_LIST (source), result, error))
    *error = (GError *) 1;
}

/* A removal the keyring refuses removes nothing, and the connection goes on
 * as it was: an edit made afterwards is still saved. */
static void
test_remove_refused_keeps_connection (void)
{
  g_autofree char *path = profiles_path ("remove-refused.json");
  g_autoptr(BearerProfile) kept = add_profile (path, "kept", NULL, BEARER_GRANT_CLIENT_CREDENTIALS);
  g_autoptr(BearerConnectionList) list = NULL;
  g_autoptr(BearerProfileStore) other = bearer_profile_store_new (path);
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  g_autoptr(GError) locking = NULL;
  BearerTestCollection *collection;
  BearerConnection *connection;
  GError *error = NULL;

  if (!bearer_test_require_keyring ())
    return;

  /* Its item in a collection of our own, which is then locked. */
  collection = bearer_test_collection_new_default (&locking);
  g_assert_no_error (locking);
  bearer_secrets_set_client_secret (secrets, CLIENT_SECRET);
  store_secrets (bearer_profile_get_id (kept), secrets);
  g_assert_true (bearer_test_collection_lock (collection, &locking));
  g_assert_no_error (locking);

  list = load_list (path);
  connection = bearer_connection_list_find (list, "kept");
  bearer_connection_list_remove_async (list, connection, NULL, list_removed_cb, &error);
  wait_until (is_set, &error, "the removal");
  g_assert_true (error != (GError *) 1);
  g_assert_error (error, BEARER_KEYRING_ERROR, BEARER_KEYRING_ERROR_LOCKED);
  g_clear_error (&error);
  bearer_test_collection_free (collection);

  g_assert_true (bearer_connection_list_find (list, "kept") == connection);
  bearer_connection_set_save_delay (connection, 10);
  bearer_profile_set_scope (bearer_connection_get_profile (connection), "still-edited");
  wait_until ((Condition) bearer_connection_get_saved, connection, "the save");
  bearer_profile_store_load (other, NULL);
  g_assert_cmpstr (bearer_profile_get_scope (bearer_profile_store_find (other, "kept")), ==, "still-edited");
}

/* Many connections, one keyring search. */
static void
test_list_loads_secrets (void)
{
  g_autofree char *path = profiles_path ("many.json");
  g_autoptr(BearerConnectionList) list = NULL;
  g_autoptr(GPtrArray) profiles = g_ptr_array_new_with_free_func (g_object_unref);

  if (!bearer_test_require_keyring ())
    return;

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *name = g_strdup_printf ("many-%u", i);
      BearerProfile *profile = add_profile (path, name, NULL, BEARER_GRANT_CLIENT_CREDENTIALS);
      g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();

      if (i % 2 == 0)
        {
          g_autofree char *token = g_strdup_printf ("at-%u", i);

          bearer_secrets_set_access_token (secrets, token, "Bearer", real_now () + 3600 + i, NULL);
          store_secrets (bearer_profile_get_id (profile), secrets);
        }
      g_ptr_array_add (profiles, profile);
    }

  list = load_list (path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 20);
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(BearerConnection) connection = g_list_model_get_item (G_LIST_MODEL (list), i);
      g_autofree char *token = g_strdup_printf ("at-%u", i);

      g_assert_true (bearer_connection_get_secrets_loaded (connection));
      if (i % 2 == 0)
        {
          g_assert_cmpstr (bearer_connection_get_access_token (connection), ==, token);
          g_assert_cmpint (bearer_connection_get_state (connection), ==, BEARER_TOKEN_STATE_VALID);
        }
      else
        g_assert_cmpint (bearer_connection_get_state (connection), ==, BEARER_TOKEN_STATE_NONE);
    }
}

static gboolean
has_access_token (gpointer data)
{
  return bearer_connection_get_access_token (data) != NULL;
}

static gboolean
has_new_access_token (gpointer data)
{
  const char *seen = g_object_get_data (data, "bearer-test-first-token");

  return g_strcmp0 (bearer_connection_get_access_token (data), seen) != 0;
}

/* bearer-cli refreshes while the list watches: the connection shows the
 * new token within a second. */
static void
test_refresh_elsewhere_seen (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autofree char *path = NULL;
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerConnectionList) list = NULL;
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  g_autoptr(BearerTestSandbox) sandbox = NULL;
  BearerTestProc *proc;
  BearerConnection *connection;
  g_autofree char *first = NULL;
  gint64 start;

  if (!bearer_test_require_session () || !bearer_test_require_keyring ())
    return;

  /* bearer-cli shares this program's configuration (and so the locks,
   * whose folder GLib has fixed for this process). */
  sandbox = bearer_test_sandbox_new ("bearer-test-connection", FALSE);
  sandbox->envp = g_environ_setenv (sandbox->envp, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  path = g_build_filename (g_get_user_config_dir (), "bearer", "profiles.json", NULL);
  profile = add_profile (path, "cli", server, BEARER_GRANT_REFRESH_TOKEN);
  bearer_test_server_set_refresh_token (server, "def50200cli");
  bearer_secrets_set_client_secret (secrets, CLIENT_SECRET);
  bearer_secrets_set_refresh_token (secrets, "def50200cli");
  store_secrets (bearer_profile_get_id (profile), secrets);

  list = load_list (path);
  bearer_connection_list_watch (list);
  connection = bearer_connection_list_find (list, "cli");
  g_assert_null (bearer_connection_get_access_token (connection));

  start = g_get_monotonic_time ();
  proc = bearer_test_run_cli (sandbox, NULL, "refresh", "cli", NULL);
  g_assert_cmpint (proc->status, ==, 0);
  bearer_test_proc_free (proc);
  wait_until (has_access_token, connection, "the token refreshed by bearer-cli");
  g_test_message ("seen %.0f ms after bearer-cli started", (g_get_monotonic_time () - start) / 1e3);
  g_assert_cmpstr (bearer_connection_get_access_token (connection), ==,
                   bearer_test_server_get_last_access_token (server));
  g_assert_cmpstr (bearer_connection_get_secret (connection, BEARER_SECRET_REFRESH_TOKEN), ==,
                   bearer_test_server_get_refresh_token (server));

  /* And again: the lock file exists now, and its transaction is seen all
   * the same. */
  first = g_strdup (bearer_connection_get_access_token (connection));
  g_object_set_data (G_OBJECT (connection), "bearer-test-first-token", first);
  start = g_get_monotonic_time ();
  proc = bearer_test_run_cli (sandbox, NULL, "refresh", "cli", NULL);
  g_assert_cmpint (proc->status, ==, 0);
  bearer_test_proc_free (proc);
  g_assert_cmpstr (bearer_test_server_get_last_access_token (server), !=, first);
  wait_until (has_new_access_token, connection, "the token of the second refresh by bearer-cli");
  g_test_message ("seen %.0f ms after bearer-cli started", (g_get_monotonic_time () - start) / 1e3);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  g_assert_cmpstr (bearer_connection_get_access_token (connection), ==,
                   bearer_test_server_get_last_access_token (server));
}

/* ---------------------------------------------------------------------- */
/* The scheduler                                                          */

static gboolean
state_is_not_refreshing (gpointer data)
{
  return bearer_connection_get_state (data) != BEARER_TOKEN_STATE_REFRESHING;
}

static void
test_scheduler (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *path = profiles_path ("scheduler.json");
  g_autoptr(BearerConnectionList) list = NULL;
  g_autoptr(BearerScheduler) scheduler = NULL;
  g_autoptr(BearerProfile) soon = add_profile (path, "soon", server, BEARER_GRANT_CLIENT_CREDENTIALS);
  g_autoptr(BearerProfile) later = add_profile (path, "later", server, BEARER_GRANT_CLIENT_CREDENTIALS);
  g_autoptr(BearerProfile) off = add_profile (path, "off", server, BEARER_GRANT_CLIENT_CREDENTIALS);
  g_autoptr(BearerProfile) expired = add_profile (path, "expired", server, BEARER_GRANT_CLIENT_CREDENTIALS);
  g_autoptr(BearerProfile) short_lived = add_profile (path, "short", server, BEARER_GRANT_CLIENT_CREDENTIALS);
  g_autoptr(BearerProfile) no_rt = add_profile (path, "no-refresh-token", server, BEARER_GRANT_REFRESH_TOKEN);
  FakeClock clock = { real_now () };
  BearerConnection *c_soon, *c_later, *c_off, *c_expired, *c_short, *c_no_rt;
  gint64 start = clock.now;
  /* Real expiries: the refresh transaction reads the real clock, and asks
   * the server only for a token that expires within the margin (60 s) and
   * its slack. */
  struct { BearerProfile *profile; gint64 expires_in; } tokens[] = {
    { soon, 65 }, { later, 7200 }, { off, 65 }, { expired, -10 }, { short_lived, 30 }, { no_rt, 600 },
  };

  if (!bearer_test_require_keyring ())
    return;

  for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
    {
      g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();

      bearer_secrets_set_client_secret (secrets, CLIENT_SECRET);
      bearer_secrets_set_access_token (secrets, "old", "Bearer", start + tokens[i].expires_in, NULL);
      store_secrets (bearer_profile_get_id (tokens[i].profile), secrets);
    }

  list = load_list (path);
  bearer_connection_list_set_now_func (list, fake_now, &clock);
  c_soon = bearer_connection_list_find (list, "soon");
  c_later = bearer_connection_list_find (list, "later");
  c_off = bearer_connection_list_find (list, "off");
  c_expired = bearer_connection_list_find (list, "expired");
  c_short = bearer_connection_list_find (list, "short");
  c_no_rt = bearer_connection_list_find (list, "no-refresh-token");
  bearer_profile_set_auto_refresh (bearer_connection_get_profile (c_off), FALSE);

  scheduler = bearer_scheduler_new (G_LIST_MODEL (list));
  bearer_scheduler_set_now_func (scheduler, fake_now, &clock);

  /* The margin (60 s) before expiry; half the life of one shorter than the
   * margin; never for an expired token, one with auto-refresh off, or a
   * refresh_token profile without a refresh token. */
  g_assert_cmpint (bearer_scheduler_get_due (scheduler, c_soon), ==, start + 5);
  g_assert_cmpint (bearer_scheduler_get_due (scheduler, c_later), ==, start + 7140);
  g_assert_cmpint (bearer_scheduler_get_due (scheduler, c_short), ==, start + 15);
  g_assert_cmpint (bearer_scheduler_get_due (scheduler, c_off), ==, 0);
  g_assert_cmpint (bearer_scheduler_get_due (scheduler, c_expired), ==, 0);
  g_assert_cmpint (bearer_scheduler_get_due (scheduler, c_no_rt), ==, 0);
  g_assert_cmpint (bearer_scheduler_get_next_wake (scheduler), ==, start + 5);
  g_assert_cmpint (bearer_connection_get_state (c_expired), ==, BEARER_TOKEN_STATE_EXPIRED);

  /* Nothing is due yet. */
  bearer_scheduler_tick (scheduler);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 0);

  /* 5 s on: "soon" enters its margin and is refreshed; the server fails,
   * and it is tried again five minutes later, not at once. */
  bearer_test_server_script (server, 500, "application/json", "{\"error\":\"server_error\"}");
  bearer_test_server_script (server, 200, "application/json",
                             "{\"access_token\":\"scripted-access-token\",\"token_type\":\"Bearer\"}");
  clock.now = start + 5;
  bearer_scheduler_tick (scheduler);
  g_assert_cmpuint (bearer_scheduler_get_n_refreshes (scheduler), ==, 1);
  wait_until (state_is_not_refreshing, c_soon, "the failing refresh");
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  g_assert_nonnull (bearer_connection_get_error (c_soon));
  g_assert_cmpint (bearer_connection_get_state (c_soon), ==, BEARER_TOKEN_STATE_EXPIRING);
  g_assert_cmpint (bearer_scheduler_get_due (scheduler, c_soon), ==, start + 5 + BEARER_SCHEDULER_RETRY_DELAY);
  bearer_scheduler_tick (scheduler);
  g_assert_cmpuint (bearer_scheduler_get_n_refreshes (scheduler), ==, 1);

  /* 15 s: the short one is refreshed; its new token has no expiry, so
   * nothing more is due for it. */
  clock.now = start + 15;
  bearer_scheduler_tick (scheduler);
  g_assert_cmpuint (bearer_scheduler_get_n_refreshes (scheduler), ==, 2);
  wait_until (state_is_not_refreshing, c_short, "the short-lived token's refresh");
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 2);
  g_assert_cmpstr (bearer_connection_get_access_token (c_short), ==, "scripted-access-token");
  g_assert_cmpint (bearer_scheduler_get_due (scheduler, c_short), ==, 0);

  /* Time passes: "soon" expires with its refresh failed, and the states say
   * so; nothing else was asked. */
  clock.now = start + 66;
  bearer_scheduler_tick (scheduler);
  g_assert_cmpint (bearer_connection_get_state (c_soon), ==, BEARER_TOKEN_STATE_FAILED);
  g_assert_cmpint (bearer_connection_get_state (c_off), ==, BEARER_TOKEN_STATE_EXPIRED);
  g_assert_cmpint (bearer_connection_get_state (c_later), ==, BEARER_TOKEN_STATE_VALID);
  g_assert_cmpint (bearer_connection_get_state (c_short), ==, BEARER_TOKEN_STATE_VALID);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 2);

  /* Five minutes after the failure, "soon" is tried again, and works. */
  g_assert_cmpint (bearer_scheduler_get_next_wake (scheduler), ==, start + 5 + BEARER_SCHEDULER_RETRY_DELAY);
  clock.now = start + 5 + BEARER_SCHEDULER_RETRY_DELAY;
  bearer_scheduler_tick (scheduler);
  wait_until (state_is_not_refreshing, c_soon, "the second try");
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 3);
  g_assert_cmpint (bearer_connection_get_state (c_soon), ==, BEARER_TOKEN_STATE_VALID);
  g_assert_null (bearer_connection_get_error (c_soon));

  /* Next: the token without a refresh token enters its margin (a change of
   * state, not a refresh). */
  g_assert_cmpint (bearer_scheduler_get_next_wake (scheduler), ==, start + 540);
  clock.now = start + 540;
  bearer_scheduler_tick (scheduler);
  g_assert_cmpint (bearer_connection_get_state (c_no_rt), ==, BEARER_TOKEN_STATE_EXPIRING);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 3);
  g_assert_cmpint (bearer_scheduler_get_next_wake (scheduler), ==, start + 600);
}

/* ---------------------------------------------------------------------- */

/* ---- revoking on a connection ------------------------------------------------ */

typedef struct {
  const char *id;
  guint revocations;
  guint status;                 /* the answer: 200, 503… */
  gboolean swap;                /* store newer tokens while the first revocation waits */
} Revoker;

static void
swapped_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  SoupServerMessage *message = user_data;

  g_assert_true (bearer_secrets_store_finish (result, NULL));
  soup_server_message_set_status (message, 200, NULL);
  soup_server_message_unpause (message);
  g_object_unref (message);
}

static void
revoke_cb (SoupServer        *server,
           SoupServerMessage *message,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Revoker *r = user_data;

  if (r->revocations++ == 0 && r->swap)
    {
      g_autoptr(BearerSecrets) newer = bearer_secrets_new ();

      /* Another process refreshed meanwhile: newer tokens in the keyring. */
      bearer_secrets_set_client_secret (newer, CLIENT_SECRET);
      bearer_secrets_set_refresh_token (newer, "rt-newer");
      bearer_secrets_set_access_token (newer, "at-newer", "Bearer", 0, NULL);
      soup_server_message_pause (message);
      bearer_secrets_store_async (r->id, "connection test", newer, NULL, swapped_cb, g_object_ref (message));
      return;
    }
  soup_server_message_set_status (message, r->status, NULL);
}

static void
revoked_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GError **error = user_data;

  if (bearer_connection_revoke_finish (BEARER_CONNECTION (source), result, error))
    *error = (GError *) 1;
}

static GError *
revoke_all (BearerConnection  *connection,
            BearerRevokeFlags  flags)
{
  GError *error = NULL;

  bearer_connection_revoke_async (connection, BEARER_TOKEN_ALL, flags, NULL, revoked_cb, &error);
  wait_until (is_set, &error, "the revocation");
  return error == (GError *) 1 ? NULL : error;
}

/* Only the tokens the server revoked are forgotten: newer ones another
 * process stored meanwhile stay; a server that refuses forgets nothing,
 * unless the user asked (FORGET), and the client secret always stays. */
static void
test_revoke_forgets_what_was_revoked (void)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autofree char *path = profiles_path ("revoke.json");
  g_autoptr(BearerProfile) added = NULL;
  g_autoptr(BearerConnectionList) list = NULL;
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  g_autoptr(BearerSecrets) stored = NULL;
  g_autoptr(GError) listen_error = NULL;
  g_autofree char *url = NULL;
  BearerConnection *connection;
  Revoker r = { NULL, 0, 200, TRUE };
  GSList *uris;
  GError *error;

  if (!bearer_test_require_keyring ())
    return;

  soup_server_add_handler (server, "/revoke", revoke_cb, &r, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &listen_error);
  g_assert_no_error (listen_error);
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("http://127.0.0.1:%d/revoke", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  added = add_profile (path, "revoke", NULL, BEARER_GRANT_REFRESH_TOKEN);
  r.id = bearer_profile_get_id (added);
  bearer_secrets_set_client_secret (secrets, CLIENT_SECRET);
  bearer_secrets_set_refresh_token (secrets, "rt-old");
  bearer_secrets_set_access_token (secrets, "at-old", "Bearer", 0, NULL);
  store_secrets (r.id, secrets);
  list = load_list (path);
  connection = bearer_connection_list_find (list, "revoke");
  bearer_profile_set_revocation_url (bearer_connection_get_profile (connection), url);

  error = revoke_all (connection, BEARER_REVOKE_NONE);
  g_assert_no_error (error);
  g_assert_cmpuint (r.revocations, ==, 2);
  stored = lookup_secrets (r.id);
  g_assert_cmpstr (bearer_secrets_get_refresh_token (stored), ==, "rt-newer");
  g_assert_cmpstr (bearer_secrets_get_access_token (stored), ==, "at-newer");
  g_assert_cmpstr (bearer_connection_get_access_token (connection), ==, "at-newer");
  g_clear_pointer (&stored, bearer_secrets_unref);

  /* 503: nothing forgotten, the server's status in the error. */
  r.swap = FALSE;
  r.status = 503;
  r.revocations = 0;
  error = revoke_all (connection, BEARER_REVOKE_NONE);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_HTTP_STATUS);
  g_assert_cmpuint (bearer_error_get_http_status (error), ==, 503);
  g_clear_error (&error);
  g_assert_cmpuint (r.revocations, ==, 1);
  stored = lookup_secrets (r.id);
  g_assert_cmpstr (bearer_secrets_get_refresh_token (stored), ==, "rt-newer");
  g_clear_pointer (&stored, bearer_secrets_unref);

  /* FORGET: the error is still told, and the tokens are gone. */
  error = revoke_all (connection, BEARER_REVOKE_FORGET);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_HTTP_STATUS);
  g_clear_error (&error);
  stored = lookup_secrets (r.id);
  g_assert_null (bearer_secrets_get_refresh_token (stored));
  g_assert_null (bearer_secrets_get_access_token (stored));
  g_assert_cmpstr (bearer_secrets_get_client_secret (stored), ==, CLIENT_SECRET);
  g_assert_null (bearer_connection_get_access_token (connection));
  g_assert_false (bearer_connection_get_has_refresh_token (connection));

  /* Nothing left: said. */
  error = revoke_all (connection, BEARER_REVOKE_NONE);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_MISSING_PARAMETER);
  g_clear_error (&error);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *config = NULL;
  g_autofree char *runtime = NULL;
  int status;

  tmp_root = g_dir_make_tmp ("bearer-test-connection-XXXXXX", NULL);
  g_assert_nonnull (tmp_root);
  config = g_build_filename (tmp_root, "config", NULL);
  runtime = g_build_filename (tmp_root, "runtime", NULL);
  g_mkdir_with_parents (config, 0700);
  g_mkdir_with_parents (runtime, 0700);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("XDG_RUNTIME_DIR", runtime, TRUE);
  created_ids = g_ptr_array_new_with_free_func (g_free);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bearer/connection/state-transitions", test_state_transitions);
  g_test_add_func ("/bearer/connection/typed-secret-kept", test_typed_secret_kept);
  g_test_add_func ("/bearer/connection/keyring-back", test_keyring_back);
  g_test_add_func ("/bearer/connection/refresh", test_refresh);
  g_test_add_func ("/bearer/connection/save-debounced", test_save_debounced);
  g_test_add_func ("/bearer/connection-list/follows-disk", test_list_follows_disk);
  g_test_add_func ("/bearer/connection-list/loads-at-once", test_list_loads_at_once);
  g_test_add_func ("/bearer/connection-list/copies-profiles", test_list_copies_profiles);
  g_test_add_func ("/bearer/connection-list/removed-not-resaved", test_removed_not_resaved);
  g_test_add_func ("/bearer/connection-list/loads-secrets", test_list_loads_secrets);
  g_test_add_func ("/bearer/connection-list/remove-refused-keeps-connection",
                   test_remove_refused_keeps_connection);
  g_test_add_func ("/bearer/connection-list/refresh-elsewhere-seen", test_refresh_elsewhere_seen);
  g_test_add_func ("/bearer/scheduler/fake-clock", test_scheduler);
  g_test_add_func ("/bearer/connection/revoke-forgets-what-was-revoked", test_revoke_forgets_what_was_revoked);

  status = g_test_run ();

  bearer_test_delete_keyring_items (created_ids);
  g_ptr_array_unref (created_ids);
  bearer_test_remove_tree (tmp_root);
  g_free (tmp_root);
  return status;
}
