/* test-refresh.c: the refresh transaction of docs/storage.md
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bearer_refresh_async() against the in-process test server
 * (bearer-test-server.h) and the real keyring of the session. Every profile
 * here has a fresh random id; its keyring item and lock file are removed at
 * the end. Without a secret service the tests are skipped, unless
 * BEARER_TEST_SESSION=1 says one must be there.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsecret/secret.h>

#include "bearer-error.h"
#include "bearer-profile-store.h"
#include "bearer-refresh.h"
#include "bearer-test-raw-server.h"
#include "bearer-test-server.h"
#include "bearer-test-cli.h"
#include "bearer-test-keyring.h"

#define CLIENT_ID "bearer-test-client"
#define CLIENT_SECRET "bearer-test-secret"

static char *tmp_root;
static GPtrArray *created_ids;  /* their keyring items are deleted at the end */

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

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

static void
wait_clear (Wait *wait)
{
  g_clear_object (&wait->result);
}

static GAsyncResult *
wait_for (Wait *wait)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (wait->result == NULL)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("An async call did not finish within 60 s");
      g_main_context_iteration (NULL, FALSE);
      if (wait->result == NULL)
        g_usleep (500);
    }
  return wait->result;
}

/* One refresh transaction, finished in its callback (so that nothing here
 * keeps its GAsyncResult alive). */
typedef struct {
  BearerProfile *profile;
  gboolean done;
  BearerRefreshResult *result;
  GError *error;
  char *bundle_at_finish;       /* the keyring item when the callback ran */
  gboolean lock_free_at_finish; /* whether another process could take the lock then */
} RefreshWait;

static gboolean lock_is_free (BearerProfile *profile);

static void
refreshed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  RefreshWait *wait = user_data;
  g_autoptr(GHashTable) attributes = bearer_test_keyring_attributes (bearer_profile_get_id (wait->profile));

  g_assert_false (wait->done);
  wait->result = bearer_refresh_finish (result, &wait->error);

  /* What the keyring holds at the moment the caller hears of the result,
   * read with libsecret's own (blocking) call, and whether the lock is
   * free by then. */
  wait->bundle_at_finish = secret_password_lookupv_sync (bearer_secrets_get_schema (),
                                                         attributes, NULL, NULL);
  wait->lock_free_at_finish = lock_is_free (wait->profile);
  wait->done = TRUE;
}

static void
refresh_start (RefreshWait         *wait,
               BearerProfile       *profile,
               BearerRefreshFlags   flags,
               guint                min_valid,
               GCancellable        *cancellable)
{
  memset (wait, 0, sizeof *wait);
  wait->profile = profile;
  bearer_refresh_async (profile, flags, min_valid, cancellable, refreshed_cb, wait);
}

/* Waits for the transaction; returns its result (transfer full). */
static BearerRefreshResult *
refresh_wait (RefreshWait  *wait,
              GError      **error)
{
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (!wait->done)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("A refresh did not finish within 60 s");
      g_main_context_iteration (NULL, FALSE);
      if (!wait->done)
        g_usleep (500);
    }

  if (wait->error != NULL)
    g_propagate_error (error, g_steal_pointer (&wait->error));
  return g_steal_pointer (&wait->result);
}

static void
refresh_wait_clear (RefreshWait *wait)
{
  g_clear_object (&wait->result);
  g_clear_error (&wait->error);
  secret_password_free (wait->bundle_at_finish);
  wait->bundle_at_finish = NULL;
}

static BearerRefreshResult *
refresh_full (BearerProfile       *profile,
              BearerRefreshFlags   flags,
              guint                min_valid,
              char               **bundle_at_finish,
              GError             **error)
{
  RefreshWait wait;
  BearerRefreshResult *result;

  refresh_start (&wait, profile, flags, min_valid, NULL);
  result = refresh_wait (&wait, error);
  if (bundle_at_finish != NULL)
    *bundle_at_finish = g_strdup (wait.bundle_at_finish);
  refresh_wait_clear (&wait);
  return result;
}

static BearerRefreshResult *
refresh (BearerProfile       *profile,
         BearerRefreshFlags   flags,
         guint                min_valid,
         GError             **error)
{
  return refresh_full (profile, flags, min_valid, NULL, error);
}

static BearerRefreshResult *
refresh_ok (BearerProfile      *profile,
            BearerRefreshFlags  flags,
            guint               min_valid)
{
  g_autoptr(GError) error = NULL;
  BearerRefreshResult *result = refresh (profile, flags, min_valid, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  return result;
}

/* A profile of the test server's client, with a fresh id. */
static BearerProfile *
server_profile_with_id (BearerTestServer *server,
                        BearerGrantType   grant,
                        const char       *id)
{
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");
  BearerProfile *profile;

  if (id != NULL)
    profile = g_object_new (BEARER_TYPE_PROFILE, "id", id, "name", "refresh test", NULL);
  else
    profile = bearer_profile_new ("refresh test");
  bearer_profile_set_token_url (profile, url);
  bearer_profile_set_client_id (profile, CLIENT_ID);
  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_POST);
  bearer_profile_set_grant_type (profile, grant);
  g_ptr_array_add (created_ids, g_strdup (bearer_profile_get_id (profile)));
  return profile;
}

static BearerProfile *
server_profile (BearerTestServer *server,
                BearerGrantType   grant)
{
  return server_profile_with_id (server, grant, NULL);
}

/* Client secret and refresh token; an access token that expired. */
static BearerSecrets *
expired_secrets (const char *refresh_token)
{
  BearerSecrets *secrets = bearer_secrets_new ();

  bearer_secrets_set_client_secret (secrets, CLIENT_SECRET);
  bearer_secrets_set_refresh_token (secrets, refresh_token);
  bearer_secrets_set_access_token (secrets, "expired-access-token", "Bearer", now_seconds () - 10, NULL);
  bearer_secrets_set_updated_at (secrets, g_get_real_time () - (gint64) 3600 * G_USEC_PER_SEC);
  return secrets;
}

static char *
lock_path (BearerProfile *profile)
{
  return bearer_profile_lock_path (bearer_profile_get_id (profile));
}

/* Takes the profile's lock as another Bearer process would. */
static int
hold_lock (BearerProfile *profile)
{
  g_autofree char *path = lock_path (profile);
  g_autofree char *dir = g_path_get_dirname (path);
  int fd;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (flock (fd, LOCK_EX), ==, 0);
  return fd;
}

/* Whether another process could take the profile's lock now. */
static gboolean
lock_is_free (BearerProfile *profile)
{
  g_autofree char *path = lock_path (profile);
  gboolean free_now;
  int fd;

  fd = g_open (path, O_RDWR | O_CLOEXEC, 0);
  if (fd < 0)
    return errno == ENOENT;
  free_now = flock (fd, LOCK_EX | LOCK_NB) == 0;
  close (fd);
  return free_now;
}

/* How many descriptors of this process are open on the lock file. */
static guint
count_lock_fds (BearerProfile *profile)
{
  g_autofree char *path = lock_path (profile);
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *link = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (link, NULL);

      if (g_strcmp0 (target, path) == 0)
        n++;
    }
  return n;
}

/* Iterates the main context until the transaction has opened the lock file
 * (and so is polling it), 10 s at most. */
static void
wait_until_polling (BearerProfile *profile)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (count_lock_fds (profile) < 2)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
assert_expires_in (gint64 expires_at,
                   gint64 before,
                   gint64 expires_in)
{
  g_assert_cmpint (expires_at, >=, before + expires_in);
  g_assert_cmpint (expires_at, <=, now_seconds () + expires_in);
}

/* ---------------------------------------------------------------------- */
/* (a) No access token stored                                             */

static void
test_no_access_token (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  g_autoptr(BearerSecrets) after = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *bundle = NULL;
  g_autofree char *body = NULL;
  BearerSecrets *got;
  JsonObject *object;
  gint64 before = now_seconds ();

  if (!bearer_test_require_keyring ())
    return;

  profile = server_profile (server, BEARER_GRANT_REFRESH_TOKEN);
  bearer_test_server_set_refresh_token (server, "def50200first");
  bearer_secrets_set_client_secret (secrets, CLIENT_SECRET);
  bearer_secrets_set_refresh_token (secrets, "def50200first");
  bearer_test_keyring_store (profile, secrets);

  result = refresh_full (profile, BEARER_REFRESH_NONE, 60, &bundle, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  body = bearer_test_server_dup_last_body (server);
  g_assert_nonnull (strstr (body, "grant_type=refresh_token"));
  g_assert_nonnull (strstr (body, "refresh_token=def50200first"));

  g_assert_true (bearer_refresh_result_get_from_server (result));
  g_assert_false (bearer_refresh_result_get_from_other_process (result));
  g_assert_null (bearer_refresh_result_get_store_error (result));
  g_assert_nonnull (bearer_refresh_result_get_response (result));
  got = bearer_refresh_result_get_secrets (result);
  g_assert_cmpstr (bearer_secrets_get_access_token (got), ==,
                   bearer_test_server_get_last_access_token (server));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (got), ==,
                   bearer_test_server_get_refresh_token (server));
  g_assert_cmpstr (bearer_secrets_get_client_secret (got), ==, CLIENT_SECRET);
  assert_expires_in (bearer_secrets_get_expires_at (got), before, 31536000);

  /* Both tokens were in the keyring when the callback ran. */
  g_assert_nonnull (bundle);
  json_parser_load_from_data (parser, bundle, -1, &error);
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "access_token"), ==,
                   bearer_test_server_get_last_access_token (server));
  g_assert_cmpstr (json_object_get_string_member (object, "refresh_token"), ==,
                   bearer_test_server_get_refresh_token (server));
  g_assert_cmpstr (json_object_get_string_member (object, "client_secret"), ==, CLIENT_SECRET);

  after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_cmpstr (bearer_secrets_get_access_token (after), ==,
                   bearer_test_server_get_last_access_token (server));
  g_assert_cmpstr (bearer_secrets_get_token_type (after), ==, "Bearer");
  g_assert_cmpint (bearer_secrets_get_expires_at (after), ==, bearer_secrets_get_expires_at (got));
  g_assert_false (bearer_secrets_get_needs_sign_in (after));
  g_assert_cmpint (bearer_secrets_get_updated_at (after), >=, before * G_USEC_PER_SEC);

  bearer_test_delete_keyring_items (created_ids);
}

/* Nothing at all stored: no request, and "sign in" (paste a token). */
static void
test_no_refresh_token (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (!bearer_test_require_keyring ())
    return;

  profile = server_profile (server, BEARER_GRANT_REFRESH_TOKEN);
  result = refresh (profile, BEARER_REFRESH_FORCE, 60, &error);
  g_assert_null (result);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_MISSING_PARAMETER);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 0);
}

/* ---------------------------------------------------------------------- */
/* (b), (c) A valid stored token                                          */

static void
test_valid_token (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(BearerSecrets) after = NULL;

  if (!bearer_test_require_keyring ())
    return;

  profile = server_profile (server, BEARER_GRANT_REFRESH_TOKEN);
  bearer_test_server_set_refresh_token (server, "def50200valid");
  secrets = expired_secrets ("def50200valid");
  bearer_secrets_set_access_token (secrets, "still-good", "Bearer", now_seconds () + 3600, "s");
  bearer_test_keyring_store (profile, secrets);

  result = refresh_ok (profile, BEARER_REFRESH_NONE, 60);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 0);
  g_assert_false (bearer_refresh_result_get_from_server (result));
  g_assert_false (bearer_refresh_result_get_from_other_process (result));
  g_assert_null (bearer_refresh_result_get_response (result));
  g_assert_cmpstr (bearer_secrets_get_access_token (bearer_refresh_result_get_secrets (result)), ==,
                   "still-good");
  g_clear_object (&result);

  /* Valid for less than asked: the server is asked. */
  result = refresh_ok (profile, BEARER_REFRESH_NONE, 7200);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  g_assert_true (bearer_refresh_result_get_from_server (result));
  g_clear_object (&result);

  /* An expiry the server never said: used as it is. */
  g_clear_pointer (&secrets, bearer_secrets_unref);
  secrets = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  bearer_secrets_set_access_token (secrets, "no-expiry", "Bearer", 0, NULL);
  bearer_test_keyring_store (profile, secrets);
  result = refresh_ok (profile, BEARER_REFRESH_NONE, 60);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  g_assert_cmpstr (bearer_secrets_get_access_token (bearer_refresh_result_get_secrets (result)), ==,
                   "no-expiry");
  g_clear_object (&result);

  after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_cmpstr (bearer_secrets_get_access_token (after), ==, "no-expiry");

  bearer_test_delete_keyring_items (created_ids);
}

static void
test_force (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(BearerSecrets) after = NULL;

  if (!bearer_test_require_keyring ())
    return;

  profile = server_profile (server, BEARER_GRANT_REFRESH_TOKEN);
  bearer_test_server_set_refresh_token (server, "def50200force");
  secrets = expired_secrets ("def50200force");
  bearer_secrets_set_access_token (secrets, "still-good", "Bearer", now_seconds () + 3600, NULL);
  bearer_test_keyring_store (profile, secrets);

  result = refresh_ok (profile, BEARER_REFRESH_FORCE, 60);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  g_assert_true (bearer_refresh_result_get_from_server (result));
  g_assert_false (bearer_refresh_result_get_from_other_process (result));
  g_assert_cmpstr (bearer_secrets_get_access_token (bearer_refresh_result_get_secrets (result)), !=,
                   "still-good");

  after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_cmpstr (bearer_secrets_get_access_token (after), ==,
                   bearer_test_server_get_last_access_token (server));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (after), ==,
                   bearer_test_server_get_refresh_token (server));

  bearer_test_delete_keyring_items (created_ids);
}

/* ---------------------------------------------------------------------- */
/* (d) Rotation                                                           */

static void
test_rotation (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autofree char *previous = g_strdup ("def50200rotate0");

  if (!bearer_test_require_keyring ())
    return;

  profile = server_profile (server, BEARER_GRANT_REFRESH_TOKEN);
  bearer_test_server_set_refresh_token (server, previous);
  secrets = expired_secrets (previous);
  bearer_test_keyring_store (profile, secrets);

  for (guint i = 1; i <= 5; i++)
    {
      g_autoptr(BearerRefreshResult) result = refresh_ok (profile, BEARER_REFRESH_FORCE, 60);
      g_autoptr(BearerSecrets) after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
      const char *newest = bearer_test_server_get_refresh_token (server);
      BearerTokenResponse *response = bearer_refresh_result_get_response (result);

      g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, i);
      g_assert_true (bearer_token_response_get_refresh_token_rotated (response));
      g_assert_cmpstr (newest, !=, previous);
      g_assert_cmpstr (bearer_secrets_get_refresh_token (after), ==, newest);
      g_assert_cmpstr (bearer_secrets_get_access_token (after), ==,
                       bearer_test_server_get_last_access_token (server));
      g_assert_cmpstr (bearer_secrets_get_client_secret (after), ==, CLIENT_SECRET);
      g_free (previous);
      previous = g_strdup (newest);
    }

  bearer_test_delete_keyring_items (created_ids);
}

/* ---------------------------------------------------------------------- */
/* (e) No refresh token in the reply                                      */

static void
test_reply_without_refresh_token (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(BearerSecrets) after = NULL;
  gint64 before = now_seconds ();

  if (!bearer_test_require_keyring ())
    return;

  profile = server_profile (server, BEARER_GRANT_REFRESH_TOKEN);
  secrets = expired_secrets ("keep-me");
  bearer_test_keyring_store (profile, secrets);
  bearer_test_server_script (server, 200, "application/json",
                             "{\"access_token\":\"new-access\",\"token_type\":\"bearer\","
                             "\"expires_in\":3600,\"scope\":\"a b\"}");

  result = refresh_ok (profile, BEARER_REFRESH_NONE, 60);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  g_assert_cmpstr (bearer_secrets_get_refresh_token (bearer_refresh_result_get_secrets (result)), ==,
                   "keep-me");

  after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (after), ==, "keep-me");
  g_assert_cmpstr (bearer_secrets_get_access_token (after), ==, "new-access");
  g_assert_cmpstr (bearer_secrets_get_token_type (after), ==, "Bearer");
  g_assert_cmpstr (bearer_secrets_get_scope (after), ==, "a b");
  assert_expires_in (bearer_secrets_get_expires_at (after), before, 3600);

  bearer_test_delete_keyring_items (created_ids);
}

/* ---------------------------------------------------------------------- */
/* (f) A dead refresh token                                               */

static void
assert_dead_and_kept (BearerTestServer *server,
                      BearerProfile    *profile,
                      const char       *refused)
{
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(BearerSecrets) after = NULL;
  g_autoptr(GError) error = NULL;
  guint count;

  result = refresh (profile, BEARER_REFRESH_NONE, 60, &error);
  g_assert_null (result);
  g_assert_nonnull (error);
  g_assert_true (error->domain == BEARER_ERROR);
  g_assert_true (bearer_error_is_dead_refresh_token (error));
  count = bearer_test_server_get_request_count (server);
  g_assert_cmpuint (count, ==, 1);

  after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (after), ==, refused);
  g_assert_true (bearer_secrets_get_needs_sign_in (after));
  g_assert_cmpstr (bearer_secrets_get_client_secret (after), ==, CLIENT_SECRET);

  /* Again, not forced: refused at once, the server is not asked. */
  g_clear_error (&error);
  result = refresh (profile, BEARER_REFRESH_NONE, 60, &error);
  g_assert_null (result);
  g_assert_nonnull (error);
  g_assert_true (bearer_error_is_dead_refresh_token (error));
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, count);

  g_clear_pointer (&after, bearer_secrets_unref);
  after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (after), ==, refused);
  g_assert_true (bearer_secrets_get_needs_sign_in (after));
}

static void
test_dead_invalid_grant (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (!bearer_test_require_keyring ())
    return;

  profile = server_profile (server, BEARER_GRANT_REFRESH_TOKEN);
  secrets = expired_secrets ("revoked-token");
  bearer_test_keyring_store (profile, secrets);
  bearer_test_server_script (server, 400, "application/json",
                             "{\"error\":\"invalid_grant\","
                             "\"error_description\":\"Token has been revoked\"}");

  assert_dead_and_kept (server, profile, "revoked-token");

  /* Signed in again: a new refresh token clears the mark, and it works. */
  g_clear_pointer (&secrets, bearer_secrets_unref);
  secrets = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  bearer_secrets_set_refresh_token (secrets, "pasted-anew");
  bearer_secrets_set_needs_sign_in (secrets, FALSE);
  bearer_test_keyring_store (profile, secrets);
  bearer_test_server_script (server, 200, "application/json",
                             "{\"access_token\":\"after-sign-in\",\"refresh_token\":\"next\"}");
  result = refresh (profile, BEARER_REFRESH_NONE, 60, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (bearer_secrets_get_access_token (bearer_refresh_result_get_secrets (result)), ==,
                   "after-sign-in");
  g_clear_pointer (&secrets, bearer_secrets_unref);
  secrets = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_false (bearer_secrets_get_needs_sign_in (secrets));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (secrets), ==, "next");

  bearer_test_delete_keyring_items (created_ids);
}

/* league/oauth2-server 8.5: 401 invalid_request "The refresh token is
 * invalid." for a revoked refresh token. */
static void
test_dead_passport (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(BearerRefreshResult) first = NULL;

  if (!bearer_test_require_keyring ())
    return;

  profile = server_profile (server, BEARER_GRANT_REFRESH_TOKEN);
  bearer_test_server_set_refresh_token (server, "def50200spent");
  secrets = expired_secrets ("def50200spent");
  bearer_test_keyring_store (profile, secrets);

  /* Someone else spent it: the server rotated, our copy is revoked. */
  first = refresh_ok (profile, BEARER_REFRESH_FORCE, 60);
  bearer_test_keyring_store (profile, secrets);
  bearer_test_server_reset_requests (server);

  assert_dead_and_kept (server, profile, "def50200spent");

  bearer_test_delete_keyring_items (created_ids);
}

/* A server failure is no dead token: nothing changes in the keyring. */
static void
test_server_error (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(BearerSecrets) after = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (!bearer_test_require_keyring ())
    return;

  profile = server_profile (server, BEARER_GRANT_REFRESH_TOKEN);
  secrets = expired_secrets ("still-mine");
  bearer_test_keyring_store (profile, secrets);
  bearer_test_server_script (server, 500, "application/json", "{\"message\":\"Server Error\"}");

  result = refresh (profile, BEARER_REFRESH_NONE, 60, &error);
  g_assert_null (result);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_HTTP_STATUS);
  g_assert_false (bearer_error_is_dead_refresh_token (error));

  after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (after), ==, "still-mine");
  g_assert_cmpstr (bearer_secrets_get_access_token (after), ==, "expired-access-token");
  g_assert_false (bearer_secrets_get_needs_sign_in (after));
  g_assert_cmpint (bearer_secrets_get_updated_at (after), ==, bearer_secrets_get_updated_at (secrets));

  /* The next refresh asks again. */
  g_clear_error (&error);
  result = refresh (profile, BEARER_REFRESH_NONE, 60, &error);
  g_assert_null (result);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 2);

  bearer_test_delete_keyring_items (created_ids);
}

/* ---------------------------------------------------------------------- */
/* (g) Another process refreshed while we waited                          */

static void
run_other_process (gboolean rotate)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(BearerSecrets) theirs = NULL;
  g_autoptr(BearerSecrets) after = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(GError) error = NULL;
  RefreshWait wait;
  BearerSecrets *got;
  int fd;

  if (!bearer_test_require_keyring ())
    return;

  profile = server_profile (server, BEARER_GRANT_REFRESH_TOKEN);
  bearer_test_server_set_refresh_token (server, "def50200ours");
  secrets = expired_secrets ("def50200ours");
  bearer_test_keyring_store (profile, secrets);

  fd = hold_lock (profile);
  refresh_start (&wait, profile, BEARER_REFRESH_NONE, 60, NULL);
  wait_until_polling (profile);
  g_assert_false (wait.done);

  /* The other process's refresh, as it would store it. */
  theirs = bearer_secrets_copy (secrets);
  bearer_secrets_set_refresh_token (theirs, rotate ? "def50200theirs" : "def50200ours");
  bearer_secrets_set_access_token (theirs, "their-access-token", "Bearer", now_seconds () + 3600, NULL);
  bearer_secrets_set_updated_at (theirs, g_get_real_time ());
  {
    Wait stored_wait = { NULL };

    bearer_secrets_store_async (bearer_profile_get_id (profile), bearer_profile_get_name (profile),
                                theirs, NULL, waited_cb, &stored_wait);
    g_assert_true (bearer_secrets_store_finish (wait_for (&stored_wait), NULL));
    wait_clear (&stored_wait);
  }
  g_assert_false (wait.done);

  g_assert_cmpint (close (fd), ==, 0);
  result = refresh_wait (&wait, &error);
  refresh_wait_clear (&wait);
  g_assert_no_error (error);
  g_assert_nonnull (result);

  g_assert_true (bearer_refresh_result_get_from_other_process (result));
  g_assert_false (bearer_refresh_result_get_from_server (result));
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 0);
  got = bearer_refresh_result_get_secrets (result);
  g_assert_cmpstr (bearer_secrets_get_access_token (got), ==, "their-access-token");

  after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_cmpstr (bearer_secrets_get_access_token (after), ==, "their-access-token");
  g_assert_cmpstr (bearer_secrets_get_refresh_token (after), ==,
                   rotate ? "def50200theirs" : "def50200ours");

  /* The transaction closed its descriptor of the lock. */
  g_assert_cmpuint (count_lock_fds (profile), ==, 0);

  bearer_test_delete_keyring_items (created_ids);
}

static void
test_other_process (void)
{
  run_other_process (TRUE);
}

static void
test_other_process_same_refresh_token (void)
{
  run_other_process (FALSE);
}

/* Two transactions of this process at once: one asks, the other uses its
 * token. */
static void
test_two_at_once (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(BearerRefreshResult) r1 = NULL;
  g_autoptr(BearerRefreshResult) r2 = NULL;
  g_autoptr(BearerSecrets) after = NULL;
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  RefreshWait w1, w2;

  if (!bearer_test_require_keyring ())
    return;

  profile = server_profile (server, BEARER_GRANT_REFRESH_TOKEN);
  bearer_test_server_set_refresh_token (server, "def50200both");
  secrets = expired_secrets ("def50200both");
  bearer_test_keyring_store (profile, secrets);

  refresh_start (&w1, profile, BEARER_REFRESH_NONE, 60, NULL);
  refresh_start (&w2, profile, BEARER_REFRESH_NONE, 60, NULL);
  r1 = refresh_wait (&w1, &e1);
  r2 = refresh_wait (&w2, &e2);
  refresh_wait_clear (&w1);
  refresh_wait_clear (&w2);
  g_assert_no_error (e1);
  g_assert_no_error (e2);

  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  g_assert_cmpstr (bearer_secrets_get_access_token (bearer_refresh_result_get_secrets (r1)), ==,
                   bearer_secrets_get_access_token (bearer_refresh_result_get_secrets (r2)));
  g_assert_true (bearer_refresh_result_get_from_server (r1) != bearer_refresh_result_get_from_server (r2));
  g_assert_true (bearer_refresh_result_get_from_other_process (r1) ||
                 bearer_refresh_result_get_from_other_process (r2));

  after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (after), ==,
                   bearer_test_server_get_refresh_token (server));

  bearer_test_delete_keyring_items (created_ids);
}

/* Step 7: when the caller hears of the result, the lock is released, so
 * another process never waits on a caller that keeps the result (a binding
 * with a garbage collector, say). */
static void
test_lock_released_on_result (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(GError) error = NULL;
  RefreshWait wait;

  if (!bearer_test_require_keyring ())
    return;

  profile = server_profile (server, BEARER_GRANT_REFRESH_TOKEN);
  bearer_test_server_set_refresh_token (server, "def50200lock");
  secrets = expired_secrets ("def50200lock");
  bearer_test_keyring_store (profile, secrets);

  refresh_start (&wait, profile, BEARER_REFRESH_FORCE, 60, NULL);
  result = refresh_wait (&wait, &error);
  g_assert_no_error (error);
  g_assert_true (bearer_refresh_result_get_from_server (result));
  if (!wait.lock_free_at_finish)
    {
      g_test_message ("the profile's lock was still held when the callback ran");
      g_test_fail ();
    }
  refresh_wait_clear (&wait);

  bearer_test_delete_keyring_items (created_ids);
}

/* ---------------------------------------------------------------------- */
/* (h) Cancelled while waiting for the lock                               */

static void
test_cancel_waiting (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(BearerSecrets) after = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  RefreshWait wait;
  gint64 cancelled_at;
  int fd;

  if (!bearer_test_require_keyring ())
    return;

  profile = server_profile (server, BEARER_GRANT_REFRESH_TOKEN);
  bearer_test_server_set_refresh_token (server, "def50200cancel");
  secrets = expired_secrets ("def50200cancel");
  bearer_test_keyring_store (profile, secrets);

  fd = hold_lock (profile);
  refresh_start (&wait, profile, BEARER_REFRESH_FORCE, 60, cancellable);
  wait_until_polling (profile);

  cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  result = refresh_wait (&wait, &error);
  refresh_wait_clear (&wait);
  g_assert_null (result);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - cancelled_at, <, G_USEC_PER_SEC);

  /* Nothing was asked, nothing changed, and only our descriptor is left. */
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 0);
  g_assert_cmpuint (count_lock_fds (profile), ==, 1);
  close (fd);
  after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (after), ==, "def50200cancel");
  g_assert_false (bearer_secrets_get_needs_sign_in (after));

  bearer_test_delete_keyring_items (created_ids);
}

/* A pasted secret goes through the same lock: while a refresh holds it,
 * the change waits, so the refresh cannot write an older copy over it. */
static void
set_pasted_refresh_token (BearerSecrets *secrets,
                          gpointer       user_data)
{
  bearer_secrets_set_refresh_token (secrets, user_data);
  bearer_secrets_set_needs_sign_in (secrets, FALSE);
}

static void
test_update_secrets_waits_for_lock (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(BearerSecrets) updated = NULL;
  g_autoptr(BearerSecrets) after = NULL;
  g_autoptr(GError) error = NULL;
  Wait wait = { NULL };
  int fd;

  if (!bearer_test_require_keyring ())
    return;

  profile = server_profile (server, BEARER_GRANT_REFRESH_TOKEN);
  secrets = expired_secrets ("def50200old");
  bearer_secrets_set_needs_sign_in (secrets, TRUE);
  bearer_test_keyring_store (profile, secrets);

  fd = hold_lock (profile);
  bearer_profile_update_secrets_async (profile, set_pasted_refresh_token, g_strdup ("def50200pasted"),
                                       g_free, NULL, waited_cb, &wait);
  wait_until_polling (profile);
  g_assert_null (wait.result);
  after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (after), ==, "def50200old");
  g_clear_pointer (&after, bearer_secrets_unref);

  g_assert_cmpint (close (fd), ==, 0);
  updated = bearer_profile_update_secrets_finish (wait_for (&wait), &error);
  wait_clear (&wait);
  g_assert_no_error (error);
  g_assert_cmpstr (bearer_secrets_get_refresh_token (updated), ==, "def50200pasted");

  after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (after), ==, "def50200pasted");
  g_assert_false (bearer_secrets_get_needs_sign_in (after));
  /* The client secret and the rest are kept. */
  g_assert_cmpstr (bearer_secrets_get_client_secret (after), ==, bearer_secrets_get_client_secret (secrets));
  g_assert_cmpuint (count_lock_fds (profile), ==, 0);

  bearer_test_delete_keyring_items (created_ids);
}

/* ---------------------------------------------------------------------- */
/* (i) Other grants                                                       */

static void
test_client_credentials (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  g_autoptr(BearerSecrets) after = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autofree char *body = NULL;

  if (!bearer_test_require_keyring ())
    return;

  profile = server_profile (server, BEARER_GRANT_CLIENT_CREDENTIALS);
  bearer_secrets_set_client_secret (secrets, CLIENT_SECRET);
  bearer_test_keyring_store (profile, secrets);

  result = refresh_ok (profile, BEARER_REFRESH_NONE, 60);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  body = bearer_test_server_dup_last_body (server);
  g_assert_nonnull (strstr (body, "grant_type=client_credentials"));
  g_assert_null (strstr (body, "refresh_token"));
  g_assert_true (bearer_refresh_result_get_from_server (result));

  after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_cmpstr (bearer_secrets_get_access_token (after), ==,
                   bearer_test_server_get_last_access_token (server));
  g_assert_null (bearer_secrets_get_refresh_token (after));
  g_assert_cmpstr (bearer_secrets_get_client_secret (after), ==, CLIENT_SECRET);
  g_clear_object (&result);

  /* Valid now: not asked again. */
  result = refresh_ok (profile, BEARER_REFRESH_NONE, 60);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);

  bearer_test_delete_keyring_items (created_ids);
}

static void
test_password (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  g_autoptr(BearerSecrets) after = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;

  if (!bearer_test_require_keyring ())
    return;

  profile = server_profile (server, BEARER_GRANT_PASSWORD);
  bearer_profile_set_username (profile, "alice");
  bearer_secrets_set_client_secret (secrets, CLIENT_SECRET);
  bearer_secrets_set_password (secrets, "wonderland");
  bearer_test_keyring_store (profile, secrets);

  result = refresh_ok (profile, BEARER_REFRESH_NONE, 60);
  body = bearer_test_server_dup_last_body (server);
  g_assert_nonnull (strstr (body, "grant_type=password"));
  g_assert_nonnull (strstr (body, "username=alice"));
  g_assert_nonnull (strstr (body, "password=wonderland"));

  after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_cmpstr (bearer_secrets_get_access_token (after), ==,
                   bearer_test_server_get_last_access_token (server));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (after), ==,
                   bearer_test_server_get_refresh_token (server));
  g_assert_cmpstr (bearer_secrets_get_password (after), ==, "wonderland");
  g_clear_object (&result);

  /* A wrong password is not a dead refresh token. */
  bearer_secrets_set_password (secrets, "wrong");
  bearer_test_keyring_store (profile, secrets);
  result = refresh (profile, BEARER_REFRESH_FORCE, 60, &error);
  g_assert_null (result);
  g_assert_error (error, BEARER_ERROR, BEARER_ERROR_INVALID_GRANT);
  g_assert_false (bearer_error_is_dead_refresh_token (error));
  g_clear_pointer (&after, bearer_secrets_unref);
  after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_false (bearer_secrets_get_needs_sign_in (after));

  bearer_test_delete_keyring_items (created_ids);
}

/* A profile signed in through the browser lives on its refresh token. */
static void
test_authorization_code (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(BearerSecrets) after = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autofree char *body = NULL;

  if (!bearer_test_require_keyring ())
    return;

  profile = server_profile (server, BEARER_GRANT_AUTHORIZATION_CODE);
  bearer_test_server_set_refresh_token (server, "def50200browser");
  secrets = expired_secrets ("def50200browser");
  bearer_test_keyring_store (profile, secrets);

  result = refresh_ok (profile, BEARER_REFRESH_NONE, 60);
  body = bearer_test_server_dup_last_body (server);
  g_assert_nonnull (strstr (body, "grant_type=refresh_token"));
  after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (after), ==,
                   bearer_test_server_get_refresh_token (server));

  bearer_test_delete_keyring_items (created_ids);
}

/* ---------------------------------------------------------------------- */
/* (j) The keyring refuses the new tokens                                 */

/* gnome-keyring cannot prompt here (no display), so a locked collection
 * stays locked. A collection of our own, made and unlocked through
 * gnome-keyring's no-prompt interface, is made the default one and locked:
 * reading the profile (in the login keyring) still works, writing to the
 * default collection fails. The parent process restores the keyring
 * whatever the child does. */

static char *
store_failure_id (pid_t parent)
{
  return g_strdup_printf ("bearer-test-store-failure-%d", (int) parent);
}

static void
store_failure_child (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autofree char *id = store_failure_id (getppid ());
  g_autoptr(BearerProfile) profile = server_profile_with_id (server, BEARER_GRANT_REFRESH_TOKEN, id);
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const GError *store_error;
  BearerSecrets *got;

  g_ptr_array_set_size (created_ids, 0);      /* the parent cleans up */
  bearer_test_server_set_refresh_token (server, "def50200before-failure");

  result = refresh (profile, BEARER_REFRESH_FORCE, 60, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  g_assert_true (bearer_refresh_result_get_from_server (result));

  store_error = bearer_refresh_result_get_store_error (result);
  g_assert_nonnull (store_error);
  g_assert_true (store_error->domain == BEARER_KEYRING_ERROR);

  /* Nothing dropped: the new tokens are in the result. */
  got = bearer_refresh_result_get_secrets (result);
  g_assert_cmpstr (bearer_secrets_get_access_token (got), ==,
                   bearer_test_server_get_last_access_token (server));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (got), ==,
                   bearer_test_server_get_refresh_token (server));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (got), !=, "def50200before-failure");

  /* …and kept where the next transaction finds them: the runtime
   * directory, private, the tokens only. */
  g_assert_true (bearer_refresh_result_get_kept_aside (result));
  g_assert_null (bearer_refresh_result_get_keep_aside_error (result));
  {
    g_autofree char *name = g_strconcat (id, ".json", NULL);
    g_autofree char *path = g_build_filename (g_getenv ("XDG_RUNTIME_DIR"), "bearer", "pending", name, NULL);
    g_autofree char *contents = NULL;
    GStatBuf st;

    g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
    g_assert_nonnull (strstr (contents, bearer_test_server_get_refresh_token (server)));
    g_assert_null (strstr (contents, CLIENT_SECRET));
    g_assert_cmpint (g_stat (path, &st), ==, 0);
    g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  }
}

static void
test_store_failure (void)
{
  g_autofree char *id = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(BearerSecrets) after = NULL;
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  BearerTestCollection *temp;

  if (g_test_subprocess ())
    {
      store_failure_child ();
      return;
    }

  if (!bearer_test_require_keyring ())
    return;

  id = store_failure_id (getpid ());
  profile = g_object_new (BEARER_TYPE_PROFILE, "id", id, "name", "refresh test", NULL);
  g_ptr_array_add (created_ids, g_strdup (id));
  secrets = expired_secrets ("def50200before-failure");
  bearer_test_keyring_store (profile, secrets);

  temp = bearer_test_collection_locked_default (&error);
  if (temp == NULL)
    {
      g_autofree char *why = g_strdup_printf ("Cannot lock a default collection: %s", error->message);

      g_test_skip (why);
      bearer_test_delete_keyring_items (created_ids);
      return;
    }

  g_test_trap_subprocess (NULL, 120 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  bearer_test_collection_free (temp);

  /* The store failed: the keyring still holds what was there. */
  after = bearer_test_keyring_lookup (id);
  g_assert_cmpstr (bearer_secrets_get_refresh_token (after), ==, "def50200before-failure");
  g_clear_pointer (&after, bearer_secrets_unref);

  /* The keyring is back: the next refresh moves the kept tokens in first,
   * and they are valid, so nothing is spent. */
  if (g_test_trap_has_passed ())
    {
      g_autoptr(BearerRefreshResult) result = NULL;
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autofree char *name = g_strconcat (id, ".json", NULL);
      g_autofree char *path = g_build_filename (g_getenv ("XDG_RUNTIME_DIR"), "bearer", "pending", name, NULL);
      g_autofree char *kept = NULL;

      g_assert_true (bearer_profile_has_pending_tokens (profile));
      json_parser_load_from_file (parser, path, &error);
      g_assert_no_error (error);
      kept = g_strdup (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                      "refresh_token"));
      g_assert_cmpstr (kept, !=, "def50200before-failure");

      result = refresh (profile, BEARER_REFRESH_NONE, 60, &error);
      g_assert_no_error (error);
      g_assert_false (bearer_refresh_result_get_from_server (result));
      after = bearer_test_keyring_lookup (id);
      g_assert_cmpstr (bearer_secrets_get_refresh_token (after), ==, kept);
      g_assert_cmpstr (bearer_secrets_get_client_secret (after), ==, CLIENT_SECRET);
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
      g_assert_false (bearer_profile_has_pending_tokens (profile));
    }
  bearer_test_delete_keyring_items (created_ids);

  if (!g_test_trap_has_passed ())
    {
      g_test_message ("the child process failed (its messages are above)");
      g_test_fail ();
    }
}

/* ---------------------------------------------------------------------- */
/* (k) The lock lives next to profiles.json                               */

/* Every process that shares the profiles shares the lock, whatever its
 * runtime directory (each instance of a Flatpak has its own). */
static void
test_lock_next_to_profiles (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *computed = NULL;
  RefreshWait wait;
  int fd;

  if (!bearer_test_require_keyring ())
    return;

  profile = server_profile (server, BEARER_GRANT_REFRESH_TOKEN);
  bearer_test_server_set_refresh_token (server, "def50200shared");
  secrets = expired_secrets ("def50200shared");
  bearer_test_keyring_store (profile, secrets);

  /* Spelled out here, not asked of the code under test. */
  name = g_strconcat (bearer_profile_get_id (profile), ".lock", NULL);
  expected = g_build_filename (g_getenv ("XDG_CONFIG_HOME"), "bearer", "locks", name, NULL);
  computed = lock_path (profile);
  g_assert_cmpstr (computed, ==, expected);

  fd = hold_lock (profile);
  refresh_start (&wait, profile, BEARER_REFRESH_FORCE, 60, NULL);
  wait_until_polling (profile);
  bearer_test_spin (200);
  g_assert_false (wait.done);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 0);
  close (fd);

  result = refresh_wait (&wait, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  bearer_test_delete_keyring_items (created_ids);
}

/* A hand-edited id names no file outside the lock folder. */
static void
test_lock_hostile_id (void)
{
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autofree char *path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *config_dir = g_build_filename (g_getenv ("XDG_CONFIG_HOME"), "bearer", NULL);
  g_autofree char *escaped = g_build_filename (g_getenv ("XDG_CONFIG_HOME"), "x.lock", NULL);
  g_autofree char *id = g_strdup_printf ("../../x-%s", "hostile");
  g_autofree char *escaped_id = g_build_filename (config_dir, "x-hostile.lock", NULL);

  if (!bearer_test_require_keyring ())
    return;

  profile = g_object_new (BEARER_TYPE_PROFILE, "id", id, "name", "hostile", NULL);
  bearer_profile_set_token_url (profile, "https://auth.example.com/token");
  bearer_profile_set_client_id (profile, CLIENT_ID);
  g_ptr_array_add (created_ids, g_strdup (id));
  secrets = bearer_secrets_new ();
  bearer_secrets_set_access_token (secrets, "still-valid", "Bearer", now_seconds () + 3600, NULL);
  bearer_test_keyring_store (profile, secrets);

  path = lock_path (profile);
  dir = g_path_get_dirname (path);
  g_assert_true (g_str_has_suffix (dir, "/bearer/locks"));
  g_assert_null (strstr (path, ".."));

  result = refresh (profile, BEARER_REFRESH_NONE, 60, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_false (g_file_test (escaped, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (escaped_id, G_FILE_TEST_EXISTS));
  bearer_test_delete_keyring_items (created_ids);
}

/* ---------------------------------------------------------------------- */
/* (l) Cancelled once the request has reached the server                  */

static BearerProfile *
raw_profile (BearerTestRawServer *raw)
{
  g_autofree char *url = bearer_test_raw_server_get_url (raw, "/oauth/token");
  BearerProfile *profile = bearer_profile_new ("refresh test");

  bearer_profile_set_token_url (profile, url);
  bearer_profile_set_client_id (profile, CLIENT_ID);
  bearer_profile_set_client_auth (profile, BEARER_CLIENT_AUTH_POST);
  g_ptr_array_add (created_ids, g_strdup (bearer_profile_get_id (profile)));
  return profile;
}

/* A server that answers a while after the request, with a rotated token. */
static BearerTestRawServer *
slow_rotating_server (const char *new_refresh_token)
{
  BearerTestRawServer *raw = bearer_test_raw_server_new (BEARER_TEST_RAW_DELAYED);
  g_autofree char *body = g_strdup_printf ("{\"token_type\":\"Bearer\",\"expires_in\":3600,"
                                           "\"access_token\":\"at-%s\",\"refresh_token\":\"%s\"}",
                                           new_refresh_token, new_refresh_token);
  g_autofree char *reply = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                            "Content-Length: %zu\r\n\r\n%s", strlen (body), body);

  bearer_test_raw_server_set_delay (raw, 600);
  bearer_test_raw_server_set_reply (raw, reply);
  return raw;
}

static void
wait_for_raw_request (BearerTestRawServer *raw)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (bearer_test_raw_server_get_request_count (raw) == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

/* Cancel, the window going away and Ctrl+C cancel the same way: once the
 * server has the request (and ProcessMaker has revoked the refresh token
 * it carried), the answer is still read and stored. */
static void
test_cancel_after_sent (void)
{
  g_autoptr(BearerTestRawServer) raw = slow_rotating_server ("def50200after-cancel");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(BearerSecrets) after = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(GError) error = NULL;
  RefreshWait wait;

  if (!bearer_test_require_keyring ())
    return;

  profile = raw_profile (raw);
  secrets = expired_secrets ("def50200spent");
  bearer_test_keyring_store (profile, secrets);

  refresh_start (&wait, profile, BEARER_REFRESH_FORCE, 60, cancellable);
  wait_for_raw_request (raw);
  g_cancellable_cancel (cancellable);
  result = refresh_wait (&wait, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_true (bearer_refresh_result_get_cancelled (result));
  g_assert_true (bearer_refresh_result_get_from_server (result));
  g_assert_null (bearer_refresh_result_get_store_error (result));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (bearer_refresh_result_get_secrets (result)), ==,
                   "def50200after-cancel");
  after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (after), ==, "def50200after-cancel");
  g_assert_cmpstr (bearer_secrets_get_access_token (after), ==, "at-def50200after-cancel");
  g_assert_true (wait.lock_free_at_finish);
  bearer_test_delete_keyring_items (created_ids);
}

/* ---------------------------------------------------------------------- */
/* (m) A profile removed while a refresh runs                             */

typedef struct {
  gboolean done;
  gboolean ok;
  GError *error;
} RemoveWait;

static void
removed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  RemoveWait *wait = user_data;

  wait->ok = bearer_profile_remove_finish (result, &wait->error);
  wait->done = TRUE;
}

/* The removal waits for the refresh in flight, then deletes what it
 * stored; a refresh that comes after the removal stores nothing. */
static void
test_remove_during_refresh (void)
{
  g_autoptr(BearerTestRawServer) raw = slow_rotating_server ("def50200rotated-then-removed");
  g_autofree char *profiles_path = g_build_filename (tmp_root, "remove-during-refresh.json", NULL);
  g_autoptr(BearerProfileStore) store_ = bearer_profile_store_new (profiles_path);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(BearerSecrets) after = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(BearerRefreshResult) late = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autofree char *left = NULL;
  RemoveWait removal = { FALSE, FALSE, NULL };
  RefreshWait wait;

  if (!bearer_test_require_keyring ())
    return;

  profile = raw_profile (raw);
  g_assert_true (bearer_profile_store_add_profile (store_, profile, &error));
  g_assert_no_error (error);
  secrets = expired_secrets ("def50200before-removal");
  bearer_test_keyring_store (profile, secrets);

  refresh_start (&wait, profile, BEARER_REFRESH_FORCE, 60, NULL);
  wait_for_raw_request (raw);
  bearer_profile_remove_async (store_, profile, NULL, removed_cb, &removal);
  bearer_test_spin (100);
  g_assert_false (removal.done);        /* it waits for the lock */

  result = refresh_wait (&wait, &error);
  g_assert_no_error (error);
  while (!removal.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (removal.error);
  g_assert_true (removal.ok);

  /* Nothing of it is left: not the item, not the profile. */
  attributes = bearer_test_keyring_attributes (bearer_profile_get_id (profile));
  left = secret_password_lookupv_sync (bearer_secrets_get_schema (), attributes, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (left);
  g_assert_null (bearer_profile_store_find (store_, bearer_profile_get_id (profile)));

  /* A refresh of the removed profile (another process still had it)
   * stores nothing, and asks nobody. */
  late = refresh (profile, BEARER_REFRESH_FORCE, 60, &error);
  g_assert_null (late);
  g_assert_error (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_NOT_FOUND);
  g_assert_cmpuint (bearer_test_raw_server_get_request_count (raw), ==, 1);
  g_clear_error (&error);
  left = secret_password_lookupv_sync (bearer_secrets_get_schema (), attributes, NULL, &error);
  g_assert_null (left);
}

/* ---------------------------------------------------------------------- */
/* (n) A damaged keyring item can be repaired                             */

static void
test_update_repairs_damaged_item (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BearerSecrets) repaired = NULL;
  g_autoptr(BearerSecrets) after = NULL;
  Wait w = { NULL };

  if (!bearer_test_require_keyring ())
    return;

  profile = server_profile (server, BEARER_GRANT_REFRESH_TOKEN);
  attributes = bearer_test_keyring_attributes (bearer_profile_get_id (profile));
  /* Valid text whose password json-glib decodes to bytes that are not
   * UTF-8 (a lone surrogate escape). */
  g_assert_true (secret_password_storev_sync (bearer_secrets_get_schema (), attributes,
                                              SECRET_COLLECTION_DEFAULT, "damaged",
                                              "{\"version\":1,\"client_secret\":\"" CLIENT_SECRET "\","
                                              "\"password\":\"caf\\ud800 au lait\"}", NULL, &error));
  g_assert_no_error (error);

  bearer_secrets_lookup_async (bearer_profile_get_id (profile), NULL, waited_cb, &w);
  g_assert_null (bearer_secrets_lookup_finish (wait_for (&w), &error));
  wait_clear (&w);
  g_assert_error (error, BEARER_KEYRING_ERROR, BEARER_KEYRING_ERROR_CORRUPT);
  g_clear_error (&error);

  bearer_profile_update_secrets_async (profile, set_pasted_refresh_token, g_strdup ("def50200repaired"), g_free,
                                       NULL, waited_cb, &w);
  repaired = bearer_profile_update_secrets_finish (wait_for (&w), &error);
  wait_clear (&w);
  g_assert_no_error (error);
  g_assert_true (bearer_secrets_get_repaired (repaired));

  /* What could be read is kept; the damaged value is gone. */
  after = bearer_test_keyring_lookup (bearer_profile_get_id (profile));
  g_assert_cmpstr (bearer_secrets_get_client_secret (after), ==, CLIENT_SECRET);
  g_assert_cmpstr (bearer_secrets_get_refresh_token (after), ==, "def50200repaired");
  g_assert_null (bearer_secrets_get_password (after));
  g_assert_false (bearer_secrets_get_repaired (after));
  bearer_test_delete_keyring_items (created_ids);
}

/* Secrets that are not UTF-8 are never written: they could not be read. */
static void
test_store_refuses_bad_text (void)
{
  g_autoptr(BearerSecrets) secrets = bearer_secrets_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BearerSecrets) after = NULL;
  g_autofree char *id = g_strdup_printf ("bearer-test-bad-text-%d", (int) getpid ());
  Wait w = { NULL };

  if (!bearer_test_require_keyring ())
    return;

  g_ptr_array_add (created_ids, g_strdup (id));
  bearer_secrets_set_password (secrets, "caf\xe9");
  bearer_secrets_store_async (id, "bad text", secrets, NULL, waited_cb, &w);
  g_assert_false (bearer_secrets_store_finish (wait_for (&w), &error));
  wait_clear (&w);
  g_assert_error (error, BEARER_KEYRING_ERROR, BEARER_KEYRING_ERROR_INVALID);

  after = bearer_test_keyring_lookup (id);
  g_assert_true (bearer_secrets_is_empty (after));
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
      tmp_root = g_dir_make_tmp ("bearer-test-refresh-XXXXXX", NULL);
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

  g_test_add_func ("/bearer/refresh/no-access-token", test_no_access_token);
  g_test_add_func ("/bearer/refresh/update-secrets-waits-for-lock", test_update_secrets_waits_for_lock);
  g_test_add_func ("/bearer/refresh/no-refresh-token", test_no_refresh_token);
  g_test_add_func ("/bearer/refresh/valid-token", test_valid_token);
  g_test_add_func ("/bearer/refresh/force", test_force);
  g_test_add_func ("/bearer/refresh/rotation", test_rotation);
  g_test_add_func ("/bearer/refresh/reply-without-refresh-token", test_reply_without_refresh_token);
  g_test_add_func ("/bearer/refresh/dead/invalid-grant", test_dead_invalid_grant);
  g_test_add_func ("/bearer/refresh/dead/passport", test_dead_passport);
  g_test_add_func ("/bearer/refresh/server-error", test_server_error);
  g_test_add_func ("/bearer/refresh/other-process/rotated", test_other_process);
  g_test_add_func ("/bearer/refresh/other-process/same-refresh-token",
                   test_other_process_same_refresh_token);
  g_test_add_func ("/bearer/refresh/two-at-once", test_two_at_once);
  g_test_add_func ("/bearer/refresh/cancel-waiting", test_cancel_waiting);
  g_test_add_func ("/bearer/refresh/lock-released-on-result", test_lock_released_on_result);
  g_test_add_func ("/bearer/refresh/client-credentials", test_client_credentials);
  g_test_add_func ("/bearer/refresh/password", test_password);
  g_test_add_func ("/bearer/refresh/authorization-code", test_authorization_code);
  g_test_add_func ("/bearer/refresh/store-failure", test_store_failure);
  g_test_add_func ("/bearer/refresh/lock/next-to-profiles", test_lock_next_to_profiles);
  g_test_add_func ("/bearer/refresh/lock/hostile-id", test_lock_hostile_id);
  g_test_add_func ("/bearer/refresh/cancel-after-sent", test_cancel_after_sent);
  g_test_add_func ("/bearer/refresh/remove-during-refresh", test_remove_during_refresh);
  g_test_add_func ("/bearer/refresh/update-repairs-damaged-item", test_update_repairs_damaged_item);
  g_test_add_func ("/bearer/refresh/store-refuses-bad-text", test_store_refuses_bad_text);

  status = g_test_run ();

  bearer_test_delete_keyring_items (created_ids);
  g_ptr_array_unref (created_ids);
  if (tmp_root != NULL)
    bearer_test_remove_tree (tmp_root);
  g_free (tmp_root);
  return status;
}
