/* test-never-lose.c: every path on which a rotated refresh token could be lost
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The real bearer-cli, the session's real keyring and a server that rotates
 * refresh tokens and revokes the grant when a spent one comes back
 * (bearer-test-rotating-server.h). Each test drives one path where, before
 * issue 8, the token the server had just issued was dropped or a removed
 * profile's secrets came back: a signal after the request was sent, the
 * keyring refusing the new tokens, a removal racing a refresh, a locked
 * keyring at removal, bytes that are not UTF-8, two runtime directories.
 * After each, the proof is the same: the next refresh is accepted by the
 * server (it holds the newest refresh token), and nothing it refused was
 * sent.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsecret/secret.h>

#include "bearer-secrets.h"
#include "bearer-test-cli.h"
#include "bearer-test-keyring.h"
#include "bearer-test-rotating-server.h"

#define CLIENT_ID "never-lose-client"

static GPtrArray *created_ids;

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */

typedef struct {
  BearerTestSandbox *sandbox;
  BearerTestRotatingServer *server;
  char *id;
  char *name;
} Fixture;

static const char *
sandbox_dir (Fixture    *f,
             const char *variable)
{
  return g_environ_getenv (f->sandbox->envp, variable);
}

static BearerTestProc *
run (Fixture    *f,
     const char *input,
     ...) G_GNUC_NULL_TERMINATED;

static BearerTestProc *
run (Fixture    *f,
     const char *input,
     ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  BearerTestProc *proc;
  const char *arg;
  va_list ap;

  va_start (ap, input);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  proc = bearer_test_proc_start (f->sandbox, input, (const char * const *) args->pdata);
  bearer_test_procs_wait (&proc, 1);
  g_test_message ("bearer-cli %s: exit %d\n  stdout: %s  stderr: %s",
                  proc->argv[1], proc->status, proc->out, proc->err);
  return proc;
}

static void
expect (Fixture        *f,
        BearerTestProc *proc,
        int             status)
{
  g_assert_cmpint (proc->status, ==, status);
  bearer_test_proc_free (proc);
}

static char *
read_profile_id (Fixture    *f,
                 const char *name)
{
  g_autofree char *path = g_build_filename (sandbox_dir (f, "XDG_CONFIG_HOME"), "bearer",
                                            "profiles.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *profiles;

  if (!json_parser_load_from_file (parser, path, &error))
    return NULL;
  profiles = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                           "profiles");
  for (guint i = 0; i < json_array_get_length (profiles); i++)
    {
      JsonObject *object = json_array_get_object_element (profiles, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (object, "name", NULL), name) == 0)
        return g_strdup (json_object_get_string_member (object, "id"));
    }
  return NULL;
}

/* A profile for the rotating server, its client secret and its current
 * refresh token stored through bearer-cli, as a user would. */
static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *secret = NULL;
  g_autofree char *refresh = NULL;

  f->sandbox = bearer_test_sandbox_new ("bearer-test-never-lose", FALSE);
  f->server = bearer_test_rotating_server_new (CLIENT_ID);
  f->name = g_strdup ("prod");
  if (!bearer_test_require_session () || !bearer_test_require_keyring ())
    return;

  expect (f, run (f, NULL, "add", f->name, "--token-url", f->server->token_url, "--client-id",
                  CLIENT_ID, "--auth", "basic", NULL), 0);
  f->id = read_profile_id (f, f->name);
  g_assert_nonnull (f->id);
  g_ptr_array_add (created_ids, g_strdup (f->id));
  secret = g_strconcat (f->server->client_secret, "\n", NULL);
  refresh = g_strconcat (f->server->current, "\n", NULL);
  expect (f, run (f, secret, "set-secret", f->name, "client-secret", NULL), 0);
  expect (f, run (f, refresh, "set-secret", f->name, "refresh-token", NULL), 0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  bearer_test_delete_keyring_items (created_ids);
  bearer_test_rotating_server_free (f->server);
  bearer_test_sandbox_free (f->sandbox);
  g_free (f->id);
  g_free (f->name);
}

static BearerSecrets *
stored (const char *id)
{
  g_autoptr(GHashTable) attributes = bearer_test_keyring_attributes (id);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  BearerSecrets *secrets = bearer_secrets_new ();
  JsonObject *object;
  char *text;

  text = secret_password_lookupv_sync (bearer_secrets_get_schema (), attributes, NULL, &error);
  g_assert_no_error (error);
  if (text == NULL)
    return secrets;
  json_parser_load_from_data (parser, text, -1, &error);
  secret_password_free (text);
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  bearer_secrets_set_refresh_token (secrets, json_object_get_string_member_with_default (object, "refresh_token", NULL));
  bearer_secrets_set_client_secret (secrets, json_object_get_string_member_with_default (object, "client_secret", NULL));
  return secrets;
}

static gboolean
item_exists (const char *id)
{
  g_autoptr(GHashTable) attributes = bearer_test_keyring_attributes (id);
  g_autoptr(GError) error = NULL;
  g_autolist(SecretItem) items = NULL;

  items = secret_service_search_sync (NULL, bearer_secrets_get_schema (), attributes,
                                      SECRET_SEARCH_ALL, NULL, &error);
  g_assert_no_error (error);
  return items != NULL;
}

/* The keyring holds the server's newest refresh token, and a forced
 * refresh is accepted: nothing was lost. */
static void
assert_nothing_lost (Fixture *f)
{
  g_autoptr(BearerSecrets) secrets = stored (f->id);
  guint refreshes = f->server->refreshes;

  g_assert_cmpstr (bearer_secrets_get_refresh_token (secrets), ==, f->server->current);
  expect (f, run (f, NULL, "refresh", f->name, NULL), 0);
  g_assert_cmpuint (f->server->refreshes, ==, refreshes + 1);
  g_assert_cmpuint (f->server->invalid_grants, ==, 0);
  g_assert_false (f->server->revoked);
}

static void
wait_for_requests (Fixture *f,
                   guint    n)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (f->server->requests < n)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

/* Whether @proc still runs after the main context was iterated for
 * @milliseconds. */
static gboolean
still_running_after (BearerTestProc *proc,
                     guint           milliseconds)
{
  gint64 end = g_get_monotonic_time () + milliseconds * 1000;

  while (g_get_monotonic_time () < end && !proc->done)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  return !proc->done;
}

static BearerTestProc *
start (Fixture            *f,
       const char * const *args)
{
  return bearer_test_proc_start (f->sandbox, NULL, args);
}

/* ---------------------------------------------------------------------- */
/* A signal once the request has reached the server                       */

/* SIGTERM (and Ctrl+C's SIGINT, and SIGHUP) while the server holds the
 * request: bearer-cli waits for the answer, stores it, says so in one line,
 * and exits 128 + the signal. */
static void
test_signal_after_sent (Fixture       *f,
                        gconstpointer  data)
{
  int signum = GPOINTER_TO_INT (data);
  const char *args[] = { "refresh", f->name, NULL };
  BearerTestProc *proc;

  if (f->id == NULL)
    return;

  f->server->hold = TRUE;
  proc = start (f, args);
  wait_for_requests (f, 1);
  g_subprocess_send_signal (proc->process, signum);
  g_assert_true (still_running_after (proc, 300));
  bearer_test_rotating_server_release (f->server);
  bearer_test_procs_wait (&proc, 1);
  g_test_message ("stdout: %s\nstderr: %s", proc->out, proc->err);

  g_assert_cmpint (proc->status, ==, 128 + signum);
  g_assert_cmpstr (proc->out, ==, "");
  g_assert_nonnull (strstr (proc->err, "the new tokens were stored in the keyring"));
  g_assert_cmpuint (f->server->refreshes, ==, 1);
  bearer_test_proc_free (proc);

  assert_nothing_lost (f);
}

/* Before anything is sent (here: waiting for another process's lock), a
 * signal stops bearer-cli at once, and nothing is spent. */
static void
test_signal_before_sent (Fixture       *f,
                         gconstpointer  data)
{
  const char *args[] = { "refresh", f->name, NULL };
  g_autofree char *name = g_strconcat (f->id, ".lock", NULL);
  g_autofree char *lock = NULL;
  g_autofree char *dir = NULL;
  BearerTestProc *proc;
  int fd;

  if (f->id == NULL)
    return;

  lock = g_build_filename (sandbox_dir (f, "XDG_CONFIG_HOME"), "bearer", "locks", name, NULL);
  dir = g_path_get_dirname (lock);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  fd = g_open (lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (flock (fd, LOCK_EX), ==, 0);

  proc = start (f, args);
  g_assert_true (still_running_after (proc, 300));
  g_subprocess_send_signal (proc->process, SIGTERM);
  bearer_test_procs_wait (&proc, 1);
  close (fd);

  g_assert_cmpint (proc->status, ==, 128 + SIGTERM);
  g_assert_nonnull (strstr (proc->err, "before anything was sent"));
  g_assert_cmpuint (f->server->requests, ==, 0);
  bearer_test_proc_free (proc);

  assert_nothing_lost (f);
}

/* ---------------------------------------------------------------------- */
/* The keyring refuses the new tokens                                     */

/* The keyring locks while the server rotates: bearer-cli never claims the
 * tokens were stored, keeps them in the private runtime directory (not on
 * a disk), and the next command, once the keyring is back, moves them in
 * and says so. */
static void
test_keyring_refuses_rotated (Fixture       *f,
                              gconstpointer  data)
{
  const char *args[] = { "refresh", f->name, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *pending = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *issued = NULL;
  BearerTestCollection *locked;
  BearerTestProc *proc;
  GStatBuf st;

  if (f->id == NULL)
    return;

  f->server->hold = TRUE;
  proc = start (f, args);
  wait_for_requests (f, 1);
  /* The item stays readable in its collection; writes go to a locked one. */
  locked = bearer_test_collection_locked_default (&error);
  g_assert_no_error (error);
  bearer_test_rotating_server_release (f->server);
  bearer_test_procs_wait (&proc, 1);
  bearer_test_collection_free (locked);
  g_test_message ("stdout: %s\nstderr: %s", proc->out, proc->err);

  g_assert_cmpint (proc->status, ==, 5);
  g_assert_null (strstr (proc->out, "new one is stored"));
  g_assert_nonnull (strstr (proc->out, "the keyring did not take the new one"));
  g_assert_nonnull (strstr (proc->err, "kept in a private temporary folder"));
  issued = g_strdup (f->server->current);
  g_assert_null (strstr (proc->err, issued));
  g_assert_null (strstr (proc->out, issued));
  bearer_test_proc_free (proc);

  name = g_strconcat (f->id, ".json", NULL);
  pending = g_build_filename (sandbox_dir (f, "XDG_RUNTIME_DIR"), "bearer", "pending", name, NULL);
  g_assert_true (g_file_get_contents (pending, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, issued));
  g_assert_null (strstr (contents, f->server->client_secret));
  g_assert_cmpint (g_stat (pending, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* The keyring is back: the next command moves them in, and says so. */
  proc = run (f, NULL, "token", f->name, NULL);
  g_assert_cmpint (proc->status, ==, 0);
  g_assert_nonnull (strstr (proc->err, "are now stored in it"));
  g_assert_true (g_str_has_prefix (proc->out, f->server->last_access_token));
  bearer_test_proc_free (proc);
  g_assert_false (g_file_test (pending, G_FILE_TEST_EXISTS));

  assert_nothing_lost (f);
}

/* ---------------------------------------------------------------------- */
/* Removal                                                                */

/* `remove` while a refresh is in flight waits for it, then deletes what it
 * stored: the secrets of a removed profile never come back. */
static void
test_remove_during_refresh (Fixture       *f,
                            gconstpointer  data)
{
  const char *refresh_args[] = { "refresh", f->name, NULL };
  const char *remove_args[] = { "remove", f->name, NULL };
  BearerTestProc *procs[2];

  if (f->id == NULL)
    return;

  f->server->hold = TRUE;
  procs[0] = start (f, refresh_args);
  wait_for_requests (f, 1);
  procs[1] = start (f, remove_args);
  g_assert_true (still_running_after (procs[1], 300));
  bearer_test_rotating_server_release (f->server);
  bearer_test_procs_wait (procs, 2);
  g_test_message ("refresh: %d %s %s", procs[0]->status, procs[0]->out, procs[0]->err);
  g_test_message ("remove: %d %s %s", procs[1]->status, procs[1]->out, procs[1]->err);

  g_assert_cmpint (procs[0]->status, ==, 0);
  g_assert_cmpint (procs[1]->status, ==, 0);
  g_assert_false (item_exists (f->id));
  g_assert_null (read_profile_id (f, f->name));
  bearer_test_proc_free (procs[0]);
  bearer_test_proc_free (procs[1]);
}

/* A locked keyring: `remove` removes nothing and says so. */
static void
test_remove_locked_keyring (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;
  BearerTestCollection *collection;
  BearerTestProc *proc;

  if (f->id == NULL)
    return;

  /* The profile's item in a collection of our own, which is then locked. */
  collection = bearer_test_collection_new_default (&error);
  g_assert_no_error (error);
  secret = g_strconcat (f->server->client_secret, "\n", NULL);
  expect (f, run (f, secret, "set-secret", f->name, "client-secret", NULL), 0);
  g_assert_true (bearer_test_collection_lock (collection, &error));
  g_assert_no_error (error);

  proc = run (f, NULL, "remove", f->name, NULL);
  g_assert_cmpint (proc->status, ==, 5);
  g_assert_null (strstr (proc->out, "Removed"));
  g_assert_nonnull (strstr (proc->err, "locked"));
  g_assert_nonnull (strstr (proc->err, "Nothing was removed"));
  g_assert_nonnull (read_profile_id (f, f->name));
  g_assert_true (item_exists (f->id));
  bearer_test_proc_free (proc);
  bearer_test_collection_free (collection);
}

/* ---------------------------------------------------------------------- */
/* Bytes that are not UTF-8                                               */

static void
test_not_utf8 (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  BearerTestProc *proc;

  if (f->id == NULL)
    return;

  /* Refused on the way in, and the profile still works. */
  proc = run (f, "caf\xe9", "set-secret", f->name, "password", NULL);
  g_assert_cmpint (proc->status, ==, 2);
  g_assert_nonnull (strstr (proc->err, "not valid text"));
  bearer_test_proc_free (proc);
  expect (f, run (f, NULL, "token", f->name, NULL), 0);

  /* An item damaged some other way (a lone surrogate, which json-glib
   * decodes to bytes that are not UTF-8) is explained, then repaired by
   * set-secret, keeping what could be read. */
  attributes = bearer_test_keyring_attributes (f->id);
  {
    g_autofree char *bundle = g_strdup_printf ("{\"version\":1,\"client_secret\":\"%s\","
                                               "\"refresh_token\":\"%s\",\"password\":\"caf\\ud800 au lait\"}",
                                               f->server->client_secret, f->server->current);

    g_assert_true (secret_password_storev_sync (bearer_secrets_get_schema (), attributes,
                                                SECRET_COLLECTION_DEFAULT, "damaged", bundle, NULL,
                                                &error));
    g_assert_no_error (error);
  }
  proc = run (f, NULL, "token", f->name, NULL);
  g_assert_cmpint (proc->status, ==, 5);
  g_assert_nonnull (strstr (proc->err, "store the secrets again"));
  bearer_test_proc_free (proc);

  proc = run (f, "pass word\n", "set-secret", f->name, "password", NULL);
  g_assert_cmpint (proc->status, ==, 0);
  g_assert_nonnull (strstr (proc->err, "was damaged and has been replaced"));
  bearer_test_proc_free (proc);
  secrets = stored (f->id);
  g_assert_cmpstr (bearer_secrets_get_client_secret (secrets), ==, f->server->client_secret);

  assert_nothing_lost (f);
}

/* ---------------------------------------------------------------------- */
/* Two runtime directories, one profiles file                             */

/* The window and `flatpak run --command=bearer-cli` each get a runtime
 * directory of their own: the lock must be where both see it. Both refresh
 * at once; the server sees one refresh, and nothing is refused. */
static void
test_two_runtime_dirs (Fixture       *f,
                       gconstpointer  data)
{
  const char *args[] = { "refresh", f->name, NULL };
  g_autofree char *other_runtime = g_build_filename (f->sandbox->root, "runtime-2", NULL);
  g_auto(GStrv) saved = g_strdupv (f->sandbox->envp);
  BearerTestProc *procs[2];

  if (f->id == NULL)
    return;

  g_assert_cmpint (g_mkdir (other_runtime, 0700), ==, 0);
  f->server->hold = TRUE;
  procs[0] = start (f, args);
  wait_for_requests (f, 1);
  f->sandbox->envp = g_environ_setenv (f->sandbox->envp, "XDG_RUNTIME_DIR", other_runtime, TRUE);
  procs[1] = start (f, args);
  g_strfreev (f->sandbox->envp);
  f->sandbox->envp = g_steal_pointer (&saved);
  g_assert_true (still_running_after (procs[1], 300));
  bearer_test_rotating_server_release (f->server);
  bearer_test_procs_wait (procs, 2);

  g_assert_cmpint (procs[0]->status, ==, 0);
  g_assert_cmpint (procs[1]->status, ==, 0);
  g_assert_cmpuint (f->server->refreshes, ==, 1);
  g_assert_cmpuint (f->server->invalid_grants, ==, 0);
  bearer_test_proc_free (procs[0]);
  bearer_test_proc_free (procs[1]);

  assert_nothing_lost (f);
}

/* ---------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  created_ids = g_ptr_array_new_with_free_func (g_free);

#define ADD(path, func, data) \
  g_test_add ("/bearer/never-lose/" path, Fixture, (data), fixture_set_up, (func), fixture_tear_down)
  ADD ("sigterm-after-sent", test_signal_after_sent, GINT_TO_POINTER (SIGTERM));
  ADD ("sigint-after-sent", test_signal_after_sent, GINT_TO_POINTER (SIGINT));
  ADD ("sighup-after-sent", test_signal_after_sent, GINT_TO_POINTER (SIGHUP));
  ADD ("signal-before-sent", test_signal_before_sent, NULL);
  ADD ("keyring-refuses-rotated", test_keyring_refuses_rotated, NULL);
  ADD ("remove-during-refresh", test_remove_during_refresh, NULL);
  ADD ("remove-locked-keyring", test_remove_locked_keyring, NULL);
  ADD ("not-utf8", test_not_utf8, NULL);
  ADD ("two-runtime-dirs", test_two_runtime_dirs, NULL);
#undef ADD

  status = g_test_run ();
  g_ptr_array_unref (created_ids);
  return status;
}
