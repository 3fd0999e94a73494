/* test-agent.c: the token agent, D-Bus activated, and bearer-cli through it
 *
 * The agent runs as users get it: bearer-cli asks for it on the test
 * session's bus and D-Bus starts the built bearer-agent (a service file of
 * the test's own in the session's service directory, tools/test-session).
 * The bus gives activated services its activation environment, which the
 * test points at its sandbox's XDG directories for the time of each test
 * (and puts back after).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsecret/secret.h>

#include "bearer-agent-protocol.h"
#include "bearer-confirm-generated.h"
#include "bearer-connection-list.h"
#include "bearer-jwt.h"
#include "bearer-secrets.h"
#include "bearer-test-cli.h"
#include "bearer-test-keyring.h"
#include "bearer-test-rotating-server.h"
#include "bearer-test-server.h"

#define CLIENT_ID "agent-client"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BearerTestProc, bearer_test_proc_free)

typedef struct {
  BearerTestSandbox *sandbox;
  BearerTestRotatingServer *server;
  GDBusConnection *bus;
  char *service_path;
  GPtrArray *ids;               /* keyring items to delete */
  GPtrArray *states;            /* TokenChanged states seen (a{sv}) */
  guint signal_id;
  gboolean ready;
  const char *ask_timeout;      /* BEARER_AGENT_ASK_TIMEOUT for the agent, NULL: the default */
} Fixture;

static const char *activation_vars[] = {
  "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR",
};

/* ---- the bus and the agent ----------------------------------------------- */

static void
set_activation_env (Fixture    *f,
                    char      **envp,
                    const char *idle_timeout,
                    const char *g_debug)
{
  GVariantBuilder builder;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  for (guint i = 0; i < G_N_ELEMENTS (activation_vars); i++)
    {
      const char *value = g_environ_getenv (envp, activation_vars[i]);

      if (value != NULL)
        g_variant_builder_add (&builder, "{ss}", activation_vars[i], value);
    }
  g_variant_builder_add (&builder, "{ss}", "BEARER_AGENT_IDLE_TIMEOUT", idle_timeout);
  g_variant_builder_add (&builder, "{ss}", "G_DEBUG", g_debug);
  g_variant_builder_add (&builder, "{ss}", "BEARER_AGENT_ASK_TIMEOUT",
                         f->ask_timeout != NULL ? f->ask_timeout : "60");
  reply = g_dbus_connection_call_sync (f->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "UpdateActivationEnvironment",
                                       g_variant_new ("(a{ss})", &builder), NULL, G_DBUS_CALL_FLAGS_NONE,
                                       5000, NULL, &error);
  g_assert_no_error (error);
}

static guint32
agent_pid (Fixture *f)
{
  g_autoptr(GVariant) reply = NULL;
  guint32 pid = 0;

  reply = g_dbus_connection_call_sync (f->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                       g_variant_new ("(s)", BEARER_AGENT_BUS_NAME), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(u)", &pid);
  return pid;
}

static gboolean
flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (Fixture *f, gpointer data);

/* Iterates the main context until @condition holds; fails after @seconds. */
static void
wait_for (Fixture    *f,
          Condition   condition,
          gpointer    data,
          guint       seconds,
          const char *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (seconds, flag_cb, &timed_out);

  while (!condition (f, data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (timed_out)
    g_test_fail_printf ("waited %u s in vain for %s", seconds, what);
  else
    g_source_remove (id);
}

static void
name_vanished_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  *(gboolean *) user_data = TRUE;
}

static gboolean
flag_set (Fixture *f,
          gpointer data)
{
  return *(gboolean *) data;
}

/* Waits until the agent's name has no owner (at most @seconds). */
static void
wait_agent_gone (Fixture *f,
                 guint    seconds)
{
  gboolean gone = FALSE;
  guint watch = g_bus_watch_name_on_connection (f->bus, BEARER_AGENT_BUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                NULL, name_vanished_cb, &gone, NULL);

  wait_for (f, flag_set, &gone, seconds, "the agent to leave the bus");
  g_bus_unwatch_name (watch);
}

static gboolean
agent_running (Fixture *f)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (f->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", BEARER_AGENT_BUS_NAME), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, 5000, NULL, NULL);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);
  return owned;
}

static void
stop_agent (Fixture *f,
            int      signum)
{
  guint32 pid = agent_pid (f);

  if (pid == 0)
    return;
  g_assert_cmpint (kill ((pid_t) pid, signum), ==, 0);
  wait_agent_gone (f, 30);
}

static void
token_changed_cb (GDBusConnection *connection,
                  const char      *sender,
                  const char      *path,
                  const char      *interface,
                  const char      *signal,
                  GVariant        *parameters,
                  gpointer         user_data)
{
  Fixture *f = user_data;

  g_ptr_array_add (f->states, g_variant_get_child_value (parameters, 1));
}

/* ---- fixture --------------------------------------------------------------- */

static void
setup (Fixture       *f,
       gconstpointer  data)
{
  const char *agent = g_getenv ("BEARER_AGENT");
  const char *session = g_getenv ("BEARER_SESSION_DIR");
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  if (!bearer_test_require_session ())
    return;
  if (agent == NULL || session == NULL)
    {
      if (g_getenv ("BEARER_TEST_SESSION") != NULL)
        g_test_fail_printf ("BEARER_AGENT or BEARER_SESSION_DIR is not set");
      else
        g_test_skip ("the agent is D-Bus activated in tools/test-session's bus: run it through tools/test");
      return;
    }

  f->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);

  /* The built agent, activatable on the session's bus (its service
   * directory is read again when a name is not found). */
  f->service_path = g_strdup_printf ("%s/dbus-services/%s.service", session, BEARER_AGENT_BUS_NAME);
  contents = g_strdup_printf ("[D-BUS Service]\nName=%s\nExec=%s\n", BEARER_AGENT_BUS_NAME, agent);
  g_file_set_contents (f->service_path, contents, -1, &error);
  g_assert_no_error (error);

  f->sandbox = bearer_test_sandbox_new ("bearer-agent", FALSE);
  f->sandbox->envp = g_environ_unsetenv (f->sandbox->envp, "BEARER_NO_AGENT");
  /* The agent's own criticals fail the test that made it. */
  set_activation_env (f, f->sandbox->envp, "60", "fatal-criticals");
  f->server = bearer_test_rotating_server_new (CLIENT_ID);
  f->ids = g_ptr_array_new_with_free_func (g_free);
  f->states = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  f->signal_id = g_dbus_connection_signal_subscribe (f->bus, NULL, BEARER_AGENT_INTERFACE, "TokenChanged",
                                                     BEARER_AGENT_OBJECT_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                                     token_changed_cb, f, NULL);
  f->ready = TRUE;
}

static void
teardown (Fixture       *f,
          gconstpointer  data)
{
  g_auto(GStrv) own = g_get_environ ();

  if (!f->ready)
    return;
  stop_agent (f, SIGTERM);
  g_dbus_connection_signal_unsubscribe (f->bus, f->signal_id);
  /* Activated services of later tests get the session's directories (and
   * no G_DEBUG, as the session started them). */
  set_activation_env (f, own, "60", "");
  g_unlink (f->service_path);
  bearer_test_delete_keyring_items (f->ids);
  g_ptr_array_unref (f->ids);
  g_ptr_array_unref (f->states);
  bearer_test_rotating_server_free (f->server);
  bearer_test_sandbox_free (f->sandbox);
  g_free (f->service_path);
  g_object_unref (f->bus);
}

/* ---- bearer-cli -------------------------------------------------------------- */

static BearerTestProc *
start_v (Fixture    *f,
         gboolean    direct,
         const char *stdin_text,
         va_list     ap)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  BearerTestProc *proc;

  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  g_ptr_array_add (args, NULL);

  if (direct)
    f->sandbox->envp = g_environ_setenv (f->sandbox->envp, "BEARER_NO_AGENT", "1", TRUE);
  proc = bearer_test_proc_start (f->sandbox, stdin_text, (const char * const *) args->pdata);
  f->sandbox->envp = g_environ_unsetenv (f->sandbox->envp, "BEARER_NO_AGENT");
  return proc;
}

static BearerTestProc *
start (Fixture    *f,
       gboolean    direct,
       const char *stdin_text,
       ...) G_GNUC_NULL_TERMINATED;

static BearerTestProc *
start (Fixture    *f,
       gboolean    direct,
       const char *stdin_text,
       ...)
{
  va_list ap;
  BearerTestProc *proc;

  va_start (ap, stdin_text);
  proc = start_v (f, direct, stdin_text, ap);
  va_end (ap);
  return proc;
}

static BearerTestProc *
run (Fixture    *f,
     gboolean    direct,
     const char *stdin_text,
     ...) G_GNUC_NULL_TERMINATED;

static BearerTestProc *
run (Fixture    *f,
     gboolean    direct,
     const char *stdin_text,
     ...)
{
  va_list ap;
  BearerTestProc *proc;

  va_start (ap, stdin_text);
  proc = start_v (f, direct, stdin_text, ap);
  va_end (ap);
  bearer_test_procs_wait (&proc, 1);
  return proc;
}

static void
expect_status (BearerTestProc *proc,
               int             status)
{
  if (proc->status != status)
    {
      g_autofree char *argv = g_strjoinv (" ", proc->argv);
      g_autofree char *details = g_strdup_printf ("stdout:\n%s\nstderr:\n%s", proc->out, proc->err);
      g_autofree char *summary = g_strdup_printf ("%s: exit status %d, not %d", argv, proc->status, status);

      bearer_test_fail_with_details (summary, details);
    }
}

static char *
profile_id (Fixture    *f,
            const char *name)
{
  g_autofree char *path = g_build_filename (g_environ_getenv (f->sandbox->envp, "XDG_CONFIG_HOME"), "bearer",
                                            "profiles.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *profiles;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  profiles = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "profiles");
  for (guint i = 0; i < json_array_get_length (profiles); i++)
    {
      JsonObject *object = json_array_get_object_element (profiles, i);

      if (g_strcmp0 (json_object_get_string_member (object, "name"), name) == 0)
        return g_strdup (json_object_get_string_member (object, "id"));
    }
  g_assert_not_reached ();
}

/* The refresh token the keyring holds for @name. */
static char *
stored_refresh_token (Fixture    *f,
                      const char *name)
{
  g_autofree char *id = profile_id (f, name);
  g_autoptr(GHashTable) attributes = bearer_test_keyring_attributes (id);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  char *text;
  char *token;

  text = secret_password_lookupv_sync (bearer_secrets_get_schema (), attributes, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (text);
  json_parser_load_from_data (parser, text, -1, &error);
  secret_password_free (text);
  g_assert_no_error (error);
  token = g_strdup (json_object_get_string_member_with_default (
                      json_node_get_object (json_parser_get_root (parser)), "refresh_token", NULL));
  return token;
}

/* A profile for the rotating server, its client secret and first refresh
 * token stored (the work done here: no agent yet). */
static void
add_profile (Fixture    *f,
             const char *name,
             const char *token_url)
{
  g_autoptr(BearerTestProc) added = NULL;
  g_autoptr(BearerTestProc) secret = NULL;
  g_autoptr(BearerTestProc) refresh = NULL;
  g_autofree char *secret_line = g_strconcat (f->server->client_secret, "\n", NULL);
  g_autofree char *refresh_line = g_strconcat (f->server->current, "\n", NULL);

  added = run (f, TRUE, NULL, "add", name, "--token-url", token_url != NULL ? token_url : f->server->token_url,
               "--client-id", CLIENT_ID, NULL);
  expect_status (added, 0);
  secret = run (f, TRUE, secret_line, "set-secret", name, "client-secret", NULL);
  expect_status (secret, 0);
  refresh = run (f, TRUE, refresh_line, "set-secret", name, "refresh-token", NULL);
  expect_status (refresh, 0);
  g_ptr_array_add (f->ids, profile_id (f, name));
}

/* ---- tests ---------------------------------------------------------------- */

/* bearer-cli token starts the agent through D-Bus; the agent answers a
 * valid token from memory afterwards, and the direct path agrees. */
static void
test_activated (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(BearerTestProc) first = NULL;
  g_autoptr(BearerTestProc) second = NULL;
  g_autoptr(BearerTestProc) direct = NULL;
  g_autofree char *expected = NULL;

  if (!f->ready)
    return;
  add_profile (f, "prod", NULL);
  g_assert_false (agent_running (f));

  first = run (f, FALSE, NULL, "token", "prod", NULL);
  expect_status (first, 0);
  g_assert_true (agent_running (f));
  g_assert_cmpuint (f->server->refreshes, ==, 1);
  expected = g_strconcat (f->server->last_access_token, "\n", NULL);
  g_assert_cmpstr (first->out, ==, expected);

  second = run (f, FALSE, NULL, "token", "prod", NULL);
  expect_status (second, 0);
  g_assert_cmpstr (second->out, ==, expected);
  direct = run (f, TRUE, NULL, "token", "prod", NULL);
  expect_status (direct, 0);
  g_assert_cmpstr (direct->out, ==, expected);
  /* One refresh in all: the agent's memory and the keyring agree. */
  g_assert_cmpuint (f->server->refreshes, ==, 1);
}

/* The state bearer-cli prints ("valid for 59 min") with its number
 * replaced: it depends on the second it was printed. */
static char *
without_time_left (const char *text)
{
  g_autoptr(GRegex) regex = g_regex_new ("valid for [0-9]+ ", 0, 0, NULL);

  return g_regex_replace_literal (regex, text, -1, 0, "valid for N ", 0, NULL);
}

/* Without expires_in, the two JSON answers are the same. */
static char *
json_without (const char *text,
              const char *member)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  json_object_remove_member (json_node_get_object (json_parser_get_root (parser)), member);
  json_generator_set_root (generator, json_parser_get_root (parser));
  return json_generator_to_data (generator, NULL);
}

static void
compare (Fixture            *f,
         const char * const *args,
         int                 status,
         gboolean            json)
{
  g_autoptr(BearerTestProc) agent = NULL;
  g_autoptr(BearerTestProc) direct = NULL;

  f->sandbox->envp = g_environ_unsetenv (f->sandbox->envp, "BEARER_NO_AGENT");
  agent = bearer_test_proc_start (f->sandbox, NULL, args);
  bearer_test_procs_wait (&agent, 1);
  f->sandbox->envp = g_environ_setenv (f->sandbox->envp, "BEARER_NO_AGENT", "1", TRUE);
  direct = bearer_test_proc_start (f->sandbox, NULL, args);
  bearer_test_procs_wait (&direct, 1);
  f->sandbox->envp = g_environ_unsetenv (f->sandbox->envp, "BEARER_NO_AGENT");

  expect_status (agent, status);
  expect_status (direct, status);
  if (json)
    {
      g_autofree char *a = json_without (agent->out, "expires_in");
      g_autofree char *b = json_without (direct->out, "expires_in");

      g_assert_cmpstr (a, ==, b);
    }
  else
    {
      /* The two ran a moment apart: "valid for 60 min" and "valid for 59
       * min" are the same answer. */
      g_autofree char *a = without_time_left (agent->out);
      g_autofree char *b = without_time_left (direct->out);

      g_assert_cmpstr (a, ==, b);
    }
  g_assert_cmpstr (agent->err, ==, direct->err);
}

/* Through the agent and with BEARER_NO_AGENT=1: the same output, the same
 * errors, the same exit status. */
static void
test_same_answers (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(BearerTestProc) first = NULL;
  g_autoptr(BearerTestProc) refreshed = NULL;
  g_autoptr(BearerTestProc) direct = NULL;
  g_autoptr(SoupServer) closed = NULL;
  g_autofree char *dead_url = NULL;
  guint refreshes;

  if (!f->ready)
    return;
  add_profile (f, "prod", NULL);
  /* A server that is gone: a port nobody listens on. */
  {
    g_autoptr(GError) error = NULL;
    GSList *uris;

    closed = soup_server_new (NULL, NULL);
    soup_server_listen_local (closed, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
    g_assert_no_error (error);
    uris = soup_server_get_uris (closed);
    dead_url = g_strdup_printf ("http://127.0.0.1:%d/token", g_uri_get_port (uris->data));
    g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
    soup_server_disconnect (closed);
  }
  add_profile (f, "gone", dead_url);

  first = run (f, FALSE, NULL, "token", "prod", NULL);
  expect_status (first, 0);
  refreshes = f->server->refreshes;

  {
    const char *bare[] = { "token", "prod", NULL };
    const char *header[] = { "token", "prod", "--format", "header", NULL };
    const char *header_alias[] = { "token", "prod", "--header", NULL };
    const char *env[] = { "token", "prod", "--format", "env", NULL };
    const char *export[] = { "token", "prod", "--export", NULL };
    const char *exec[] = { "token", "prod", "--format", "exec-credential", NULL };
    const char *json[] = { "token", "prod", "--format", "json", NULL };
    const char *json_alias[] = { "token", "prod", "--json", NULL };
    const char *min_valid[] = { "token", "prod", "--min-valid", "120", NULL };
    const char *unknown[] = { "token", "nobody", NULL };
    const char *unknown_refresh[] = { "refresh", "nobody", NULL };
    const char *usage[] = { "token", "prod", "--format", "yaml", NULL };
    const char *down[] = { "token", "gone", NULL };

    compare (f, bare, 0, FALSE);
    compare (f, header, 0, FALSE);
    compare (f, header_alias, 0, FALSE);
    compare (f, env, 0, FALSE);
    compare (f, export, 0, FALSE);
    compare (f, exec, 0, FALSE);
    compare (f, json, 0, TRUE);
    compare (f, json_alias, 0, TRUE);
    compare (f, min_valid, 0, FALSE);
    /* Valid tokens come from memory or the keyring: no refresh. */
    g_assert_cmpuint (f->server->refreshes, ==, refreshes);
    compare (f, unknown, 1, FALSE);
    compare (f, unknown_refresh, 1, FALSE);
    compare (f, usage, 2, FALSE);
    compare (f, down, 3, FALSE);
  }

  /* A forced refresh either way: each asks the server once, and says the
   * same. */
  {
    const char *refresh[] = { "refresh", "prod", NULL };

    compare (f, refresh, 0, FALSE);
    g_assert_cmpuint (f->server->refreshes, ==, refreshes + 2);
  }

  /* list, from the agent's memory and from the keyring. */
  {
    const char *list[] = { "list", NULL };

    compare (f, list, 0, FALSE);
  }

  /* The server refuses the refresh token: exit 4 and the same advice. */
  f->server->revoked = TRUE;
  {
    const char *refresh[] = { "refresh", "prod", NULL };

    compare (f, refresh, 4, FALSE);
  }
  refreshed = run (f, FALSE, NULL, "token", "prod", NULL);
  expect_status (refreshed, 4);
  direct = run (f, TRUE, NULL, "token", "prod", NULL);
  expect_status (direct, 4);
  g_assert_cmpstr (refreshed->err, ==, direct->err);
}

/* The agent and a bearer-cli doing the work itself, at once: the refresh
 * transaction's lock makes one server refresh of the two. */
static gboolean
agent_refreshing (Fixture *f,
                  gpointer data)
{
  for (guint i = 0; i < f->states->len; i++)
    {
      const char *state = NULL;

      if (g_variant_lookup (g_ptr_array_index (f->states, i), "state", "&s", &state) &&
          g_str_equal (state, "refreshing"))
        return TRUE;
    }
  return FALSE;
}

static gboolean
server_holds_one (Fixture *f,
                  gpointer data)
{
  return f->server->held->len >= 1;
}

static void
test_concurrent (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(BearerTestProc) direct = NULL;
  g_autoptr(BearerTestProc) agent = NULL;
  g_autoptr(BearerTestProc) ping = NULL;
  BearerTestProc *both[2];
  g_autofree char *expected = NULL;

  if (!f->ready)
    return;
  add_profile (f, "prod", NULL);
  /* The agent is up and has read the profile (no token yet). */
  ping = run (f, FALSE, NULL, "list", NULL);
  expect_status (ping, 0);
  g_assert_true (agent_running (f));

  /* The direct one takes the lock; its request reaches the server and is
   * held there. */
  f->server->hold = TRUE;
  direct = start (f, TRUE, NULL, "token", "prod", NULL);
  wait_for (f, server_holds_one, NULL, 30, "the direct refresh to reach the server");
  /* The agent's refresh starts, and waits for the lock. */
  agent = start (f, FALSE, NULL, "token", "prod", NULL);
  wait_for (f, agent_refreshing, NULL, 30, "the agent to start refreshing");

  f->server->hold = FALSE;
  bearer_test_rotating_server_release (f->server);
  both[0] = direct;
  both[1] = agent;
  bearer_test_procs_wait (both, 2);
  expect_status (direct, 0);
  expect_status (agent, 0);

  g_assert_cmpuint (f->server->refreshes, ==, 1);
  g_assert_cmpuint (f->server->invalid_grants, ==, 0);
  expected = g_strconcat (f->server->last_access_token, "\n", NULL);
  g_assert_cmpstr (direct->out, ==, expected);
  g_assert_cmpstr (agent->out, ==, expected);
}

/* The agent killed (SIGKILL) while its refresh is at the server: the
 * server rotated the refresh token and the answer dies with the agent.
 * What is stored is what was there before, the caller is told the truth,
 * and a new agent, activated by the next call, reads the same. */
static void
test_killed (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(BearerTestProc) refresh = NULL;
  g_autoptr(BearerTestProc) again = NULL;
  g_autoptr(BearerTestProc) list = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  guint32 first_pid;

  if (!f->ready)
    return;
  add_profile (f, "prod", NULL);
  before = stored_refresh_token (f, "prod");

  f->server->hold = TRUE;
  refresh = start (f, FALSE, NULL, "refresh", "prod", NULL);
  wait_for (f, server_holds_one, NULL, 30, "the agent's refresh to reach the server");
  first_pid = agent_pid (f);
  g_assert_cmpuint (first_pid, !=, 0);
  stop_agent (f, SIGKILL);
  f->server->hold = FALSE;
  bearer_test_rotating_server_release (f->server);
  g_assert_cmpuint (f->server->refreshes, ==, 1);

  /* The caller falls back to the work itself: the stored refresh token is
   * the one the server has just spent, which it says plainly. */
  bearer_test_procs_wait (&refresh, 1);
  expect_status (refresh, 4);
  g_assert_nonnull (strstr (refresh->err, "bearer-cli set-secret prod refresh-token"));

  /* Nothing else was lost or changed: the keyring holds what it held. */
  after = stored_refresh_token (f, "prod");
  g_assert_cmpstr (after, ==, before);

  /* The next call activates a new agent, which sees the same. */
  again = run (f, FALSE, NULL, "token", "prod", NULL);
  expect_status (again, 4);
  g_assert_true (agent_running (f));
  g_assert_cmpuint (agent_pid (f), !=, first_pid);
  list = run (f, FALSE, NULL, "list", NULL);
  expect_status (list, 0);
  g_assert_nonnull (strstr (list->out, "sign in again"));
}

/* The same, killed before the request left: nothing is spent, and the
 * next call through a new agent refreshes normally. */
static void
test_killed_before_sending (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(BearerTestProc) direct = NULL;
  g_autoptr(BearerTestProc) refresh = NULL;
  g_autoptr(BearerTestProc) again = NULL;
  g_autoptr(BearerTestProc) ping = NULL;
  g_autofree char *expected = NULL;

  if (!f->ready)
    return;
  add_profile (f, "prod", NULL);
  ping = run (f, FALSE, NULL, "list", NULL);
  expect_status (ping, 0);

  /* A direct refresh holds the lock (its answer held at the server); the
   * agent's refresh waits for the lock when it is killed. */
  f->server->hold = TRUE;
  direct = start (f, TRUE, NULL, "token", "prod", NULL);
  wait_for (f, server_holds_one, NULL, 30, "the direct refresh to reach the server");
  refresh = start (f, FALSE, NULL, "refresh", "prod", NULL);
  wait_for (f, agent_refreshing, NULL, 30, "the agent to start refreshing");
  stop_agent (f, SIGKILL);
  f->server->hold = FALSE;
  bearer_test_rotating_server_release (f->server);
  bearer_test_procs_wait (&direct, 1);
  expect_status (direct, 0);
  bearer_test_procs_wait (&refresh, 1);
  /* The caller did the work itself, after the direct one: a second
   * refresh with the newest token, which the direct one stored. */
  expect_status (refresh, 0);
  g_assert_cmpuint (f->server->invalid_grants, ==, 0);

  again = run (f, FALSE, NULL, "token", "prod", NULL);
  expect_status (again, 0);
  expected = g_strconcat (f->server->last_access_token, "\n", NULL);
  g_assert_cmpstr (again->out, ==, expected);
  g_assert_cmpuint (f->server->invalid_grants, ==, 0);
}

/* Through the agent, SIGTERM (or Ctrl+C) only stops the waiting: the agent
 * finishes the refresh and stores its tokens, which the next call gets
 * without another refresh. */
static void
test_interrupted_waiting (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(BearerTestProc) ping = NULL;
  g_autoptr(BearerTestProc) refresh = NULL;
  g_autoptr(BearerTestProc) again = NULL;
  g_autofree char *expected = NULL;

  if (!f->ready)
    return;
  add_profile (f, "prod", NULL);
  ping = run (f, FALSE, NULL, "list", NULL);
  expect_status (ping, 0);

  f->server->hold = TRUE;
  refresh = start (f, FALSE, NULL, "refresh", "prod", NULL);
  wait_for (f, server_holds_one, NULL, 30, "the agent's refresh to reach the server");
  g_subprocess_send_signal (refresh->process, SIGTERM);
  bearer_test_procs_wait (&refresh, 1);
  expect_status (refresh, 128 + SIGTERM);
  g_assert_nonnull (strstr (refresh->err, "token agent"));

  f->server->hold = FALSE;
  bearer_test_rotating_server_release (f->server);
  again = run (f, FALSE, NULL, "token", "prod", NULL);
  expect_status (again, 0);
  expected = g_strconcat (f->server->last_access_token, "\n", NULL);
  g_assert_cmpstr (again->out, ==, expected);
  g_assert_cmpuint (f->server->refreshes, ==, 1);
  g_assert_cmpuint (f->server->invalid_grants, ==, 0);
}

/* kubectl's ExecCredential, checked against the fields its schema
 * requires (client.authentication.k8s.io v1 and v1beta1). */
static void
check_exec_credential (const char *text,
                       const char *api_version,
                       const char *token)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) expiry = NULL;
  JsonObject *object, *status;
  JsonObjectIter iter;
  const char *member;
  JsonNode *node;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "apiVersion"), ==, api_version);
  g_assert_cmpstr (json_object_get_string_member (object, "kind"), ==, "ExecCredential");
  /* Only the members the type has. */
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &member, &node))
    g_assert_true (g_strv_contains ((const char *[]) { "apiVersion", "kind", "spec", "status", NULL }, member));
  status = json_object_get_object_member (object, "status");
  g_assert_nonnull (status);
  g_assert_cmpstr (json_object_get_string_member (status, "token"), ==, token);
  json_object_iter_init (&iter, status);
  while (json_object_iter_next (&iter, &member, &node))
    g_assert_true (g_strv_contains ((const char *[]) { "token", "expirationTimestamp", "clientCertificateData",
                                                       "clientKeyData", NULL }, member));
  /* RFC 3339, in UTC, about an hour ahead (expires_in 3600). */
  expiry = g_date_time_new_from_iso8601 (json_object_get_string_member (status, "expirationTimestamp"), NULL);
  g_assert_nonnull (expiry);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (status, "expirationTimestamp"), "Z"));
  g_assert_cmpint (g_date_time_to_unix (expiry) - g_get_real_time () / G_USEC_PER_SEC, >, 3500);
  g_assert_cmpint (g_date_time_to_unix (expiry) - g_get_real_time () / G_USEC_PER_SEC, <=, 3600);
}

static void
test_exec_credential (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(BearerTestProc) v1 = NULL;
  g_autoptr(BearerTestProc) beta = NULL;
  g_autoptr(BearerTestProc) direct = NULL;

  if (!f->ready)
    return;
  add_profile (f, "k8s", NULL);

  f->sandbox->envp = g_environ_setenv (f->sandbox->envp, "KUBERNETES_EXEC_INFO",
                                       "{\"apiVersion\":\"client.authentication.k8s.io/v1\","
                                       "\"kind\":\"ExecCredential\",\"spec\":{\"interactive\":false}}", TRUE);
  v1 = run (f, FALSE, NULL, "token", "k8s", "--format", "exec-credential", NULL);
  expect_status (v1, 0);
  check_exec_credential (v1->out, "client.authentication.k8s.io/v1", f->server->last_access_token);
  direct = run (f, TRUE, NULL, "token", "k8s", "--format", "exec-credential", NULL);
  expect_status (direct, 0);
  check_exec_credential (direct->out, "client.authentication.k8s.io/v1", f->server->last_access_token);

  f->sandbox->envp = g_environ_setenv (f->sandbox->envp, "KUBERNETES_EXEC_INFO",
                                       "{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\","
                                       "\"kind\":\"ExecCredential\",\"spec\":{\"interactive\":true}}", TRUE);
  beta = run (f, FALSE, NULL, "token", "k8s", "--format", "exec-credential", NULL);
  expect_status (beta, 0);
  check_exec_credential (beta->out, "client.authentication.k8s.io/v1beta1", f->server->last_access_token);
  f->sandbox->envp = g_environ_unsetenv (f->sandbox->envp, "KUBERNETES_EXEC_INFO");
  g_assert_cmpuint (f->server->refreshes, ==, 1);
}

/* The agent leaves after its idle time with nothing kept signed in; a
 * connection with Keep Signed In keeps it, and it refreshes that
 * connection's token before it expires, with no window and no caller. */
static gboolean
refreshed_twice (Fixture *f,
                 gpointer data)
{
  return f->server->refreshes >= 2;
}

static void
test_idle_and_keep_alive (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(BearerTestProc) first = NULL;
  g_autoptr(BearerTestProc) set = NULL;
  g_autoptr(BearerTestProc) last = NULL;
  g_autofree char *expected = NULL;

  if (!f->ready)
    return;
  set_activation_env (f, f->sandbox->envp, "1", "fatal-criticals");
  add_profile (f, "prod", NULL);

  first = run (f, FALSE, NULL, "token", "prod", NULL);
  expect_status (first, 0);
  /* Nothing to keep alive: gone a second after the call. */
  wait_agent_gone (f, 30);

  /* Keep Signed In, with a margin that makes the one-hour token due for
   * a refresh ten seconds after it was issued: `set` starts the agent,
   * which stays past its idle time and refreshes it. */
  set = run (f, FALSE, NULL, "set", "prod", "--keep-alive", "--refresh-margin", "3590", NULL);
  expect_status (set, 0);
  g_assert_true (agent_running (f));
  wait_for (f, refreshed_twice, NULL, 60, "the agent to refresh the token kept alive");
  g_assert_true (agent_running (f));
  g_assert_cmpuint (f->server->invalid_grants, ==, 0);

  last = run (f, TRUE, NULL, "token", "prod", "--min-valid", "0", NULL);
  expect_status (last, 0);
  expected = g_strconcat (f->server->last_access_token, "\n", NULL);
  g_assert_cmpstr (last->out, ==, expected);
}

/* The agent's socket takes untrusted bytes: whatever comes, the agent
 * closes that connection and goes on answering. */
static void
send_raw (Fixture      *f,
          const guint8 *data,
          gsize         length,
          gboolean      read_answer)
{
  g_autofree char *runtime = g_strdup (g_environ_getenv (f->sandbox->envp, "XDG_RUNTIME_DIR"));
  g_autofree char *path = g_build_filename (runtime, "bearer", BEARER_AGENT_SOCKET_NAME, NULL);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  guint8 buffer[256];

  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), data, length, NULL, NULL,
                             &error);
  g_assert_no_error (error);
  if (read_answer)
    {
      /* The agent closes without an answer: end of stream. */
      gssize n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)), buffer,
                                      sizeof buffer, NULL, NULL);
      g_assert_cmpint (n, <=, 0);
    }
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
}

static void
test_socket_hostile (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(BearerTestProc) first = NULL;
  g_autoptr(BearerTestProc) second = NULL;
  g_autofree char *expected = NULL;
  const guint8 huge[] = { 0xff, 0xff, 0xff, 0xff };
  const guint8 empty[] = { 0, 0, 0, 0 };
  const guint8 junk[] = { 9, 0, 0, 0, 'n', 'o', 't', ' ', 'a', ' ', 'v', 'a', 'r' };
  guint32 pid;

  if (!f->ready)
    return;
  add_profile (f, "prod", NULL);
  first = run (f, FALSE, NULL, "token", "prod", NULL);
  expect_status (first, 0);
  pid = agent_pid (f);
  g_assert_cmpuint (pid, !=, 0);

  send_raw (f, huge, sizeof huge, TRUE);
  send_raw (f, empty, sizeof empty, TRUE);
  send_raw (f, junk, sizeof junk, TRUE);
  send_raw (f, junk, 6, FALSE);          /* a request cut short, then gone */
  {
    /* A well-formed request of another type. */
    g_autoptr(GVariant) wrong = g_variant_ref_sink (g_variant_new ("(sss)", "GetToken", "prod", "x"));
    gsize size = g_variant_get_size (wrong);
    g_autofree guint8 *buffer = g_malloc (size + 4);

    buffer[0] = size & 0xff;
    buffer[1] = (size >> 8) & 0xff;
    buffer[2] = (size >> 16) & 0xff;
    buffer[3] = (size >> 24) & 0xff;
    memcpy (buffer + 4, g_variant_get_data (wrong), size);
    send_raw (f, buffer, size + 4, TRUE);
  }

  second = run (f, FALSE, NULL, "token", "prod", NULL);
  expect_status (second, 0);
  expected = g_strconcat (f->server->last_access_token, "\n", NULL);
  g_assert_cmpstr (second->out, ==, expected);
  g_assert_cmpuint (agent_pid (f), ==, pid);
  g_assert_cmpuint (f->server->refreshes, ==, 1);
}

/* ---- git ------------------------------------------------------------------------ */

/* git-credential directly: git 2.46's authtype capability, erase. */
static void
test_git_credential_helper (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(BearerTestProc) basic = NULL;
  g_autoptr(BearerTestProc) bearer = NULL;
  g_autoptr(BearerTestProc) erase = NULL;
  g_autoptr(BearerTestProc) again = NULL;
  g_autoptr(BearerTestProc) store = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *token = NULL;

  if (!f->ready)
    return;
  add_profile (f, "git", NULL);

  basic = run (f, FALSE, "protocol=https\nhost=git.example.com\n\n", "git-credential", "git", "get", NULL);
  expect_status (basic, 0);
  token = g_strdup (f->server->last_access_token);
  expected = g_strdup_printf ("username=oauth2\npassword=%s\npassword_expiry_utc=", token);
  g_assert_true (g_str_has_prefix (basic->out, expected));
  g_clear_pointer (&expected, g_free);

  bearer = run (f, FALSE, "capability[]=authtype\nprotocol=https\nhost=git.example.com\n\n",
                "git-credential", "git", "get", "--username", "me", NULL);
  expect_status (bearer, 0);
  expected = g_strdup_printf ("capability[]=authtype\nauthtype=Bearer\ncredential=%s\nephemeral=true\n"
                              "password_expiry_utc=", token);
  g_assert_true (g_str_has_prefix (bearer->out, expected));
  g_assert_cmpuint (f->server->refreshes, ==, 1);

  store = run (f, FALSE, "protocol=https\nhost=git.example.com\nusername=oauth2\npassword=x\n\n",
               "git-credential", "git", "store", NULL);
  expect_status (store, 0);
  g_assert_cmpstr (store->out, ==, "");

  /* erase: the token was refused; the next get refreshes. */
  erase = run (f, FALSE, "protocol=https\nhost=git.example.com\n\n", "git-credential", "git", "erase", NULL);
  expect_status (erase, 0);
  again = run (f, FALSE, "protocol=https\nhost=git.example.com\n\n", "git-credential", "git", "get", NULL);
  expect_status (again, 0);
  g_assert_cmpuint (f->server->refreshes, ==, 2);
  g_assert_nonnull (strstr (again->out, f->server->last_access_token));
}

/* A Git smart-HTTP server in miniature: git http-backend (CGI) behind a
 * SoupServer that wants Basic oauth2:<token> or Bearer <token>, the
 * rotating server's newest access token. */
typedef struct {
  Fixture *f;
  char *root;
  guint unauthorized;
  guint served;
} GitServer;

static void
git_server_cb (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  GitServer *git = user_data;
  const char *authorization = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                            "Authorization");
  const char *token = git->f->server->last_access_token;
  g_autofree char *basic_credentials = g_strconcat ("oauth2:", token != NULL ? token : "", NULL);
  g_autofree char *basic64 = g_base64_encode ((const guchar *) basic_credentials, strlen (basic_credentials));
  g_autofree char *basic = g_strconcat ("Basic ", basic64, NULL);
  g_autofree char *bearer = g_strconcat ("Bearer ", token != NULL ? token : "", NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) cgi = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;
  GUri *uri = soup_server_message_get_uri (msg);
  const char *raw;
  gsize length;
  const char *end;
  g_auto(GStrv) header_lines = NULL;

  if (token == NULL || authorization == NULL ||
      (!g_str_equal (authorization, basic) && !g_str_equal (authorization, bearer)))
    {
      git->unauthorized++;
      soup_server_message_set_status (msg, 401, NULL);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "WWW-Authenticate",
                                    "Basic realm=\"bearer-test\"");
      return;
    }

  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "GIT_PROJECT_ROOT", git->root, TRUE);
  g_subprocess_launcher_setenv (launcher, "GIT_HTTP_EXPORT_ALL", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "PATH_INFO", path, TRUE);
  g_subprocess_launcher_setenv (launcher, "QUERY_STRING", g_uri_get_query (uri) ? g_uri_get_query (uri) : "",
                                TRUE);
  g_subprocess_launcher_setenv (launcher, "REQUEST_METHOD", soup_server_message_get_method (msg), TRUE);
  g_subprocess_launcher_setenv (launcher, "REMOTE_USER", "oauth2", TRUE);
  if (soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL))
    g_subprocess_launcher_setenv (launcher, "CONTENT_TYPE",
                                  soup_message_headers_get_content_type (
                                    soup_server_message_get_request_headers (msg), NULL), TRUE);
  {
    g_autofree char *content_length = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (body));
    g_subprocess_launcher_setenv (launcher, "CONTENT_LENGTH", content_length, TRUE);
  }
  cgi = g_subprocess_launcher_spawn (launcher, &error, "git", "http-backend", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate (cgi, body, NULL, &out, NULL, &error);
  g_assert_no_error (error);

  /* CGI: headers, an empty line, the body. */
  raw = g_bytes_get_data (out, &length);
  end = g_strstr_len (raw, length, "\r\n\r\n");
  g_assert_nonnull (end);
  {
    g_autofree char *headers = g_strndup (raw, end - raw);

    header_lines = g_strsplit (headers, "\r\n", -1);
  }
  soup_server_message_set_status (msg, 200, NULL);
  for (guint i = 0; header_lines[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (header_lines[i], ": ", 2);

      if (pair[0] == NULL || pair[1] == NULL)
        continue;
      if (g_ascii_strcasecmp (pair[0], "Status") == 0)
        soup_server_message_set_status (msg, (guint) g_ascii_strtoull (pair[1], NULL, 10), NULL);
      else
        soup_message_headers_replace (soup_server_message_get_response_headers (msg), pair[0], pair[1]);
    }
  soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_COPY, end + 4,
                            length - (gsize) (end + 4 - raw));
  git->served++;
}

static BearerTestProc *
run_git (Fixture            *f,
         const char         *home,
         const char         *stdin_text,
         const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  BearerTestProc *proc = g_new0 (BearerTestProc, 1);
  GOutputStream *input;
  static guint serial;

  proc->out_path = g_strdup_printf ("%s/git-%u.out", f->sandbox->out, serial);
  proc->err_path = g_strdup_printf ("%s/git-%u.err", f->sandbox->out, serial++);
  proc->argv = g_strdupv ((char **) args);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_subprocess_launcher_set_environ (launcher, f->sandbox->envp);
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "GIT_CONFIG_NOSYSTEM", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "GIT_TERMINAL_PROMPT", "0", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "GIT_ASKPASS");
  g_subprocess_launcher_unsetenv (launcher, "SSH_ASKPASS");
  g_subprocess_launcher_set_stdout_file_path (launcher, proc->out_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, proc->err_path);
  proc->process = g_subprocess_launcher_spawnv (launcher, args, &error);
  g_assert_no_error (error);
  input = g_subprocess_get_stdin_pipe (proc->process);
  if (stdin_text != NULL)
    {
      g_output_stream_write_all (input, stdin_text, strlen (stdin_text), NULL, NULL, &error);
      g_assert_no_error (error);
    }
  g_output_stream_close (input, NULL, NULL);

  /* Not g_subprocess_wait(): git calls bearer-cli, whose token server
   * runs on this very main context. */
  g_subprocess_wait_async (proc->process, NULL, NULL, NULL);
  while (g_subprocess_get_identifier (proc->process) != NULL)
    g_main_context_iteration (NULL, TRUE);
  proc->status = g_subprocess_get_if_exited (proc->process) ? g_subprocess_get_exit_status (proc->process) : -1;
  if (!g_file_get_contents (proc->out_path, &proc->out, NULL, NULL))
    proc->out = g_strdup ("");
  if (!g_file_get_contents (proc->err_path, &proc->err, NULL, NULL))
    proc->err = g_strdup ("");
  return proc;
}

/* git from Debian, end to end: `git credential fill` asks bearer-cli, and
 * `git clone` over HTTP gets through a server that wants the token. */
static void
test_git_end_to_end (Fixture       *f,
                     gconstpointer  data)
{
  GitServer git = { f, NULL, 0, 0 };
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BearerTestProc) init = NULL;
  g_autoptr(BearerTestProc) fill = NULL;
  g_autoptr(BearerTestProc) clone = NULL;
  g_autofree char *home = NULL;
  g_autofree char *helper = NULL;
  g_autofree char *helper_key = NULL;
  g_autofree char *url = NULL;
  g_autofree char *repo = NULL;
  g_autofree char *checkout = NULL;
  g_autofree char *host = NULL;
  g_autofree char *fill_input = NULL;
  g_autofree char *expected = NULL;
  GSList *uris;
  int port;

  if (!f->ready)
    return;
  if (g_find_program_in_path ("git") == NULL)
    {
      g_test_fail_printf ("git is not installed (tools/install-deps --test installs it)");
      return;
    }
  add_profile (f, "forge", NULL);

  home = g_build_filename (f->sandbox->root, "git-home", NULL);
  g_assert_cmpint (g_mkdir (home, 0700), ==, 0);
  git.root = g_build_filename (f->sandbox->root, "repos", NULL);
  g_assert_cmpint (g_mkdir (git.root, 0700), ==, 0);
  repo = g_build_filename (git.root, "project.git", NULL);
  {
    g_autofree char *source = g_build_filename (f->sandbox->root, "source", NULL);
    const char *create[] = { "git", "init", "--quiet", source, NULL };
    const char *commit[] = { "git", "-C", source, "-c", "user.name=Test", "-c", "user.email=test@example.com",
                             "commit", "--quiet", "--allow-empty", "-m", "First commit", NULL };
    const char *bare[] = { "git", "clone", "--quiet", "--bare", source, repo, NULL };
    g_autoptr(BearerTestProc) created = run_git (f, home, NULL, create);
    g_autoptr(BearerTestProc) committed = run_git (f, home, NULL, commit);

    g_assert_cmpint (created->status, ==, 0);
    g_assert_cmpint (committed->status, ==, 0);
    init = run_git (f, home, NULL, bare);
    g_assert_cmpint (init->status, ==, 0);
  }

  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, git_server_cb, &git, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  host = g_strdup_printf ("127.0.0.1:%d", port);
  url = g_strdup_printf ("http://%s/project.git", host);

  /* The README's configuration, for this server's address. */
  helper = g_strdup_printf ("!%s git-credential forge", g_getenv ("BEARER_CLI"));
  helper_key = g_strdup_printf ("credential.http://%s.helper", host);
  {
    const char *config[] = { "git", "config", "--global", helper_key, helper, NULL };
    g_autoptr(BearerTestProc) configured = run_git (f, home, NULL, config);

    g_assert_cmpint (configured->status, ==, 0);
  }

  /* git credential fill: what git would send. */
  fill_input = g_strdup_printf ("protocol=http\nhost=%s\n\n", host);
  {
    const char *args[] = { "git", "credential", "fill", NULL };

    fill = run_git (f, home, fill_input, args);
    if (fill->status != 0)
      bearer_test_fail_with_details ("git credential fill failed", fill->err);
    expected = g_strdup_printf ("protocol=http\nhost=%s\nusername=oauth2\npassword=%s\n", host,
                                f->server->last_access_token);
    g_assert_true (g_str_has_prefix (fill->out, expected));
  }

  /* git clone over HTTP: refused without the token, through with it. */
  checkout = g_build_filename (f->sandbox->root, "checkout", NULL);
  {
    const char *args[] = { "git", "clone", "--quiet", url, checkout, NULL };

    clone = run_git (f, home, NULL, args);
    if (clone->status != 0)
      bearer_test_fail_with_details ("git clone over HTTP failed", clone->err);
  }
  g_assert_cmpuint (git.unauthorized, >=, 1);
  g_assert_cmpuint (git.served, >=, 2);
  {
    g_autofree char *head = g_build_filename (checkout, ".git", "HEAD", NULL);
    const char *args[] = { "git", "-C", checkout, "log", "--format=%s", NULL };
    g_autoptr(BearerTestProc) logged = NULL;

    g_assert_true (g_file_test (head, G_FILE_TEST_EXISTS));
    logged = run_git (f, home, NULL, args);
    g_assert_cmpstr (logged->out, ==, "First commit\n");
  }
  /* One refresh in all: git's second ask came from the agent's memory. */
  g_assert_cmpuint (f->server->refreshes, ==, 1);

  g_free (git.root);
}


/* ---- "Ask before other programs use this token" ----------------------------------
 *
 * A fake window on the test's bus: it owns the application's name and
 * answers the agent's AskToUse as the test says (or never). */

typedef struct {
  GDBusConnection *bus;
  BearerConfirm1 *skeleton;
  guint owner_id;
  gboolean owned;
  const char *answer;                 /* NULL: keeps the question unanswered */
  guint asked;
  char *connection_name;
  char *program;
  char *parent;
  guint pid;
  GDBusMethodInvocation *unanswered;
} FakeWindow;

static gboolean
handle_ask_to_use_cb (BearerConfirm1        *skeleton,
                      GDBusMethodInvocation *invocation,
                      const char            *connection_id,
                      const char            *connection_name,
                      const char            *program,
                      guint                  pid,
                      GVariant              *options,
                      FakeWindow            *window)
{
  const char *parent = NULL;

  window->asked++;
  g_free (window->connection_name);
  window->connection_name = g_strdup (connection_name);
  g_free (window->program);
  window->program = g_strdup (program);
  g_free (window->parent);
  window->parent = g_variant_lookup (options, "parent-program", "&s", &parent) ? g_strdup (parent) : NULL;
  window->pid = pid;
  if (window->answer != NULL)
    bearer_confirm1_complete_ask_to_use (skeleton, invocation, window->answer);
  else
    g_set_object (&window->unanswered, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
fake_window_acquired_cb (GDBusConnection *connection,
                         const char      *name,
                         gpointer         user_data)
{
  ((FakeWindow *) user_data)->owned = TRUE;
}

static FakeWindow *
fake_window_new (Fixture *f)
{
  FakeWindow *window = g_new0 (FakeWindow, 1);
  g_autoptr(GError) error = NULL;

  window->bus = g_object_ref (f->bus);
  window->skeleton = bearer_confirm1_skeleton_new ();
  g_signal_connect (window->skeleton, "handle-ask-to-use", G_CALLBACK (handle_ask_to_use_cb), window);
  g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (window->skeleton), f->bus,
                                    BEARER_CONFIRM_OBJECT_PATH, &error);
  g_assert_no_error (error);
  window->owner_id = g_bus_own_name_on_connection (f->bus, BEARER_CONFIRM_BUS_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
                                                   fake_window_acquired_cb, NULL, window, NULL);
  wait_for (f, flag_set, &window->owned, 10, "the fake window to own the application's name");
  return window;
}

static void
fake_window_free (FakeWindow *window)
{
  if (window->unanswered != NULL)
    bearer_confirm1_complete_ask_to_use (window->skeleton, window->unanswered, BEARER_CONFIRM_DENY);
  g_clear_object (&window->unanswered);
  g_bus_unown_name (window->owner_id);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (window->skeleton));
  g_object_unref (window->skeleton);
  g_object_unref (window->bus);
  g_free (window->connection_name);
  g_free (window->program);
  g_free (window->parent);
  g_free (window);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeWindow, fake_window_free)

static void
expect_refused (BearerTestProc *proc,
                const char     *message)
{
  expect_status (proc, 1);
  g_assert_cmpstr (proc->out, ==, "");
  if (strstr (proc->err, message) == NULL)
    bearer_test_fail_with_details ("the refusal is not said", proc->err);
}

/* A connection with ask_before_use: the agent asks the window, naming the
 * program from the caller's process id (on the bus for the first call,
 * which starts the agent; on its socket after), and gives the token only
 * when the user allows it. "Allow for 10 Minutes" lets the same program
 * have it without asking again; bearer-cli run directly is the user and is
 * not asked about. */
static void
test_ask_before_use (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(FakeWindow) window = NULL;
  g_autoptr(BearerTestProc) set = NULL;
  g_autoptr(BearerTestProc) denied = NULL;
  g_autoptr(BearerTestProc) refresh_denied = NULL;
  g_autoptr(BearerTestProc) allowed = NULL;
  g_autoptr(BearerTestProc) again = NULL;
  g_autoptr(BearerTestProc) direct = NULL;
  g_autoptr(BearerTestProc) for_a_while = NULL;
  g_autoptr(BearerTestProc) within = NULL;
  g_autoptr(BearerTestProc) other = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *socket_path = NULL;

  if (!f->ready)
    return;
  add_profile (f, "prod", NULL);
  set = run (f, TRUE, NULL, "set", "prod", "--ask", NULL);
  expect_status (set, 0);
  window = fake_window_new (f);

  /* Denied: no token, nothing asked of the server. */
  window->answer = BEARER_CONFIRM_DENY;
  denied = run (f, FALSE, NULL, "token", "prod", NULL);
  expect_refused (denied, "The request was denied in Bearer.");
  g_assert_cmpuint (window->asked, ==, 1);
  g_assert_cmpstr (window->connection_name, ==, "prod");
  g_assert_cmpstr (window->program, ==, "bearer-cli");
  g_assert_cmpstr (window->parent, ==, "test-agent");
  g_assert_cmpuint (window->pid, !=, 0);
  g_assert_cmpuint (f->server->requests, ==, 0);
  refresh_denied = run (f, FALSE, NULL, "refresh", "prod", NULL);
  expect_refused (refresh_denied, "The request was denied in Bearer.");
  g_assert_cmpuint (window->asked, ==, 2);
  g_assert_cmpuint (f->server->requests, ==, 0);

  /* Allowed once: the token, and the next call is asked about again. */
  window->answer = BEARER_CONFIRM_ALLOW_ONCE;
  allowed = run (f, FALSE, NULL, "token", "prod", NULL);
  expect_status (allowed, 0);
  expected = g_strconcat (f->server->last_access_token, "\n", NULL);
  g_assert_cmpstr (allowed->out, ==, expected);
  g_assert_cmpuint (window->asked, ==, 3);
  window->answer = BEARER_CONFIRM_DENY;
  again = run (f, FALSE, NULL, "token", "prod", NULL);
  expect_refused (again, "The request was denied in Bearer.");
  g_assert_cmpuint (window->asked, ==, 4);
  /* The agent runs and listens: that was its socket, whose peer is named
   * the same. */
  g_assert_true (agent_running (f));
  socket_path = g_build_filename (g_environ_getenv (f->sandbox->envp, "XDG_RUNTIME_DIR"), "bearer",
                                  BEARER_AGENT_SOCKET_NAME, NULL);
  g_assert_true (g_file_test (socket_path, G_FILE_TEST_EXISTS));
  g_assert_cmpstr (window->program, ==, "bearer-cli");
  g_assert_cmpstr (window->parent, ==, "test-agent");

  /* The user themself, without the agent: not asked. */
  direct = run (f, TRUE, NULL, "token", "prod", NULL);
  expect_status (direct, 0);
  g_assert_cmpstr (direct->out, ==, expected);
  g_assert_cmpuint (window->asked, ==, 4);

  /* Allowed for ten minutes: the same program is not asked again. */
  window->answer = BEARER_CONFIRM_ALLOW_TEN_MINUTES;
  for_a_while = run (f, FALSE, NULL, "token", "prod", NULL);
  expect_status (for_a_while, 0);
  g_assert_cmpuint (window->asked, ==, 5);
  window->answer = BEARER_CONFIRM_DENY;
  within = run (f, FALSE, NULL, "token", "prod", NULL);
  expect_status (within, 0);
  g_assert_cmpstr (within->out, ==, expected);
  g_assert_cmpuint (window->asked, ==, 5);

  /* The setting turned off: never asked about. */
  g_clear_pointer (&set, bearer_test_proc_free);
  set = run (f, TRUE, NULL, "set", "prod", "--no-ask", NULL);
  expect_status (set, 0);
  window->answer = BEARER_CONFIRM_DENY;
  other = run (f, FALSE, NULL, "refresh", "prod", NULL);
  expect_status (other, 0);
  g_assert_cmpuint (window->asked, ==, 5);
}

/* No answer within BEARER_AGENT_ASK_TIMEOUT, or no window to ask (nothing
 * owns the application's name and it cannot be activated here): refused,
 * never answered silently. */
static void
test_ask_time_out (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(FakeWindow) window = NULL;
  g_autoptr(BearerTestProc) set = NULL;
  g_autoptr(BearerTestProc) unanswered = NULL;
  g_autoptr(BearerTestProc) nobody = NULL;
  const char *refusal = "Bearer could not ask you whether “bearer-cli” may use this token, so the request "
                        "was refused.";
  gint64 start;

  if (!f->ready)
    return;
  f->ask_timeout = "2";
  set_activation_env (f, f->sandbox->envp, "60", "fatal-criticals");
  add_profile (f, "prod", NULL);
  set = run (f, TRUE, NULL, "add", "asks", "--token-url", f->server->token_url, "--client-id", CLIENT_ID,
             "--ask", NULL);
  expect_status (set, 0);
  g_ptr_array_add (f->ids, profile_id (f, "asks"));

  window = fake_window_new (f);
  window->answer = NULL;
  start = g_get_monotonic_time ();
  unanswered = run (f, FALSE, NULL, "token", "asks", NULL);
  expect_refused (unanswered, refusal);
  g_assert_cmpuint (window->asked, ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2 * G_USEC_PER_SEC);
  g_assert_cmpuint (f->server->requests, ==, 0);
  g_clear_pointer (&window, fake_window_free);

  nobody = run (f, FALSE, NULL, "token", "asks", NULL);
  expect_refused (nobody, refusal);
  g_assert_cmpuint (f->server->requests, ==, 0);
  f->ask_timeout = NULL;
}

/* The window and the agent refresh one connection at once against a
 * server that rotates: the refresh transaction's lock makes one server
 * refresh of the two, and both have the same new token. The "window" is
 * what the window uses: a watched BearerConnectionList in this process,
 * sharing the configuration (and so the lock files) with the agent. */
static void
connection_refreshed_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  BearerRefreshResult **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = bearer_connection_refresh_finish (BEARER_CONNECTION (source), result, &error);
  g_assert_no_error (error);
}

static void
list_loaded_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  bearer_connection_list_load_finish (BEARER_CONNECTION_LIST (source), result, &error);
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static gboolean
pointer_set (Fixture *f,
             gpointer data)
{
  return *(gpointer *) data != NULL;
}

typedef struct {
  BearerConnection *connection;
  const char *token;
} ShowsToken;

static gboolean
connection_shows (Fixture *f,
                  gpointer data)
{
  ShowsToken *shows = data;
  g_autoptr(BearerSecrets) token = bearer_connection_dup_token (shows->connection);

  return g_strcmp0 (bearer_secrets_get_access_token (token), shows->token) == 0;
}

static void
test_window_and_agent (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *config = g_build_filename (g_get_user_config_dir (), "bearer", NULL);
  g_autoptr(BearerProfileStore) store = NULL;
  g_autoptr(BearerConnectionList) list = NULL;
  g_autoptr(BearerRefreshResult) window_result = NULL;
  g_autoptr(BearerTestProc) ping = NULL;
  g_autoptr(BearerTestProc) agent = NULL;
  g_autoptr(BearerTestProc) forced = NULL;
  g_autoptr(BearerSecrets) shown = NULL;
  g_autofree char *expected = NULL;
  BearerConnection *connection;
  ShowsToken shows;
  gboolean loaded = FALSE;

  if (!f->ready)
    return;
  /* This process's configuration is the agent's and bearer-cli's. */
  bearer_test_remove_tree (config);
  f->sandbox->envp = g_environ_setenv (f->sandbox->envp, "XDG_CONFIG_HOME", g_get_user_config_dir (), TRUE);
  set_activation_env (f, f->sandbox->envp, "60", "fatal-criticals");
  add_profile (f, "prod", NULL);

  store = bearer_profile_store_new (NULL);
  list = bearer_connection_list_new (store);
  bearer_connection_list_load_async (list, NULL, list_loaded_cb, &loaded);
  wait_for (f, flag_set, &loaded, 30, "the window's connections to load");
  bearer_connection_list_watch (list);
  connection = bearer_connection_list_find (list, "prod");
  g_assert_nonnull (connection);
  ping = run (f, FALSE, NULL, "list", NULL);
  expect_status (ping, 0);
  g_assert_true (agent_running (f));

  /* Get New Access Token in the window: its request is held at the
   * server; bearer-cli token through the agent meanwhile waits for the
   * lock, then takes the window's token. */
  f->server->hold = TRUE;
  bearer_connection_refresh_async (connection, BEARER_REFRESH_FORCE, NULL, connection_refreshed_cb,
                                   &window_result);
  wait_for (f, server_holds_one, NULL, 30, "the window's refresh to reach the server");
  agent = start (f, FALSE, NULL, "token", "prod", NULL);
  wait_for (f, agent_refreshing, NULL, 30, "the agent to start refreshing");
  f->server->hold = FALSE;
  bearer_test_rotating_server_release (f->server);
  wait_for (f, pointer_set, &window_result, 30, "the window's refresh to end");
  bearer_test_procs_wait (&agent, 1);
  expect_status (agent, 0);

  g_assert_cmpuint (f->server->refreshes, ==, 1);
  g_assert_cmpuint (f->server->invalid_grants, ==, 0);
  shown = bearer_connection_dup_token (connection);
  g_assert_cmpstr (bearer_secrets_get_access_token (shown), ==, f->server->last_access_token);
  expected = g_strconcat (f->server->last_access_token, "\n", NULL);
  g_assert_cmpstr (agent->out, ==, expected);

  /* The agent refreshes (bearer-cli refresh): the window shows its token,
   * without a refresh of its own. */
  forced = run (f, FALSE, NULL, "refresh", "prod", NULL);
  expect_status (forced, 0);
  g_assert_cmpuint (f->server->refreshes, ==, 2);
  shows.connection = connection;
  shows.token = f->server->last_access_token;
  wait_for (f, connection_shows, &shows, 10, "the window to show the agent's token");
  g_assert_cmpuint (f->server->refreshes, ==, 2);
  g_assert_cmpuint (f->server->invalid_grants, ==, 0);

  stop_agent (f, SIGTERM);
  g_clear_object (&list);
  g_clear_object (&store);
  bearer_test_remove_tree (config);
}

/* The caller's name for the question: its executable's base name, and its
 * parent's process; a process that is gone has none. */
static void
test_program_name (void)
{
  g_autofree char *own = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *gone = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  guint32 parent_pid = 0, child_pid;

  own = bearer_agent_program_name ((guint32) getpid (), &parent_pid);
  g_assert_cmpstr (own, ==, "test-agent");
  g_assert_cmpuint (parent_pid, ==, (guint32) getppid ());
  parent = bearer_agent_program_name (parent_pid, NULL);
  g_assert_nonnull (parent);

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "true", NULL);
  g_assert_no_error (error);
  child_pid = (guint32) g_ascii_strtoull (g_subprocess_get_identifier (child), NULL, 10);
  g_subprocess_wait (child, NULL, &error);
  g_assert_no_error (error);
  gone = bearer_agent_program_name (child_pid, &parent_pid);
  g_assert_null (gone);
  g_assert_cmpuint (parent_pid, ==, 0);
  g_assert_null (bearer_agent_program_name (0, NULL));
}

/* ---- revoke and introspect ------------------------------------------------ */

/* RFC 7009 and RFC 7662 endpoints on the rotating server: the client must
 * authenticate as it does for a refresh; a revoked refresh token ends the
 * grant (as oidc-provider does). */
typedef struct {
  Fixture *f;
  guint revocations;
  guint introspections;
  GPtrArray *revoked;           /* tokens */
  char *last_body;
} Lifecycle;

static void
lifecycle_cb (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  Lifecycle *l = user_data;
  BearerTestRotatingServer *rs = l->f->server;
  const char *authorization = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                            "Authorization");
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_autoptr(GHashTable) form = soup_form_decode (text);
  const char *token = g_hash_table_lookup (form, "token");
  const char *hint = g_hash_table_lookup (form, "token_type_hint");

  g_free (l->last_body);
  l->last_body = g_strdup (text);
  if (g_strcmp0 (authorization, rs->expected_authorization) != 0)
    {
      bearer_test_reply_json (msg, 401, "{\"error\":\"invalid_client\",\"error_description\":\"no client\"}");
      return;
    }
  if (token == NULL)
    {
      bearer_test_reply_json (msg, 400, "{\"error\":\"invalid_request\"}");
      return;
    }

  if (g_str_equal (path, "/revoke"))
    {
      l->revocations++;
      g_ptr_array_add (l->revoked, g_strdup (token));
      if (g_strcmp0 (token, rs->current) == 0)
        rs->revoked = TRUE;
      soup_server_message_set_status (msg, 200, NULL);
      return;
    }

  l->introspections++;
  if (g_strcmp0 (hint, "refresh_token") == 0 && g_strcmp0 (token, rs->current) == 0 && !rs->revoked)
    bearer_test_reply_json (msg, 200, "{\"active\":true,\"client_id\":\"" CLIENT_ID "\",\"sub\":\"u1\","
                                      "\"token_type\":\"refresh_token\"}");
  else if (g_strcmp0 (token, rs->last_access_token) == 0 && !rs->revoked &&
           !g_ptr_array_find_with_equal_func (l->revoked, token, g_str_equal, NULL))
    bearer_test_reply_json (msg, 200, "{\"active\":true,\"client_id\":\"" CLIENT_ID "\",\"sub\":\"u1\","
                                      "\"scope\":\"api\",\"exp\":4102444800}");
  else
    bearer_test_reply_json (msg, 200, "{\"active\":false}");
}

static char *
lifecycle_setup (Fixture   *f,
                 Lifecycle *l,
                 gboolean   with_urls)
{
  g_autoptr(BearerTestProc) set = NULL;
  g_autofree char *base = g_strdup (f->server->token_url);
  g_autofree char *revoke_url = NULL;
  g_autofree char *introspect_url = NULL;
  char *slash;

  l->f = f;
  l->revoked = g_ptr_array_new_with_free_func (g_free);
  soup_server_add_handler (f->server->server, "/revoke", lifecycle_cb, l, NULL);
  soup_server_add_handler (f->server->server, "/introspect", lifecycle_cb, l, NULL);

  /* http://127.0.0.1:PORT/token → http://127.0.0.1:PORT */
  slash = strrchr (base, '/');
  *slash = '\0';
  revoke_url = g_strconcat (base, "/revoke", NULL);
  introspect_url = g_strconcat (base, "/introspect", NULL);
  add_profile (f, "prod", NULL);
  if (with_urls)
    {
      set = run (f, TRUE, NULL, "set", "prod", "--revoke-url", revoke_url, "--introspect-url", introspect_url, NULL);
      expect_status (set, 0);
    }
  return g_strdup (base);
}

static void
lifecycle_clear (Fixture   *f,
                 Lifecycle *l)
{
  soup_server_remove_handler (f->server->server, "/revoke");
  soup_server_remove_handler (f->server->server, "/introspect");
  g_ptr_array_unref (l->revoked);
  g_free (l->last_body);
}

/* The access token the keyring holds for @name, or NULL. */
static char *
stored_access_token (Fixture    *f,
                     const char *name)
{
  g_autofree char *id = profile_id (f, name);
  g_autoptr(GHashTable) attributes = bearer_test_keyring_attributes (id);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  char *text;

  text = secret_password_lookupv_sync (bearer_secrets_get_schema (), attributes, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (text);
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (text, f->server->client_secret));   /* the client secret stays */
  secret_password_free (text);
  return g_strdup (json_object_get_string_member_with_default (
                     json_node_get_object (json_parser_get_root (parser)), "access_token", NULL));
}

/* bearer-cli revoke: the refresh token, then the access token, each with
 * its hint and the client's authentication; both forgotten; a refresh
 * then needs a new sign-in. The agent, which held the token in memory,
 * never hands it out again. */
static void
test_revoke_all (Fixture       *f,
                 gconstpointer  data)
{
  Lifecycle l = { 0 };
  g_autoptr(BearerTestProc) first = NULL;
  g_autoptr(BearerTestProc) revoke = NULL;
  g_autoptr(BearerTestProc) after = NULL;
  g_autoptr(BearerTestProc) again = NULL;
  g_autofree char *base = NULL;
  g_autofree char *access = NULL;
  g_autofree char *refresh = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *stored_refresh = NULL;

  if (!f->ready)
    return;
  base = lifecycle_setup (f, &l, TRUE);

  /* The agent holds the token in memory. */
  first = run (f, FALSE, NULL, "token", "prod", NULL);
  expect_status (first, 0);
  g_assert_true (agent_running (f));
  access = g_strdup (f->server->last_access_token);
  refresh = g_strdup (f->server->current);

  revoke = run (f, TRUE, NULL, "revoke", "prod", NULL);
  expect_status (revoke, 0);
  g_assert_nonnull (strstr (revoke->out, "Signed out of “prod”"));
  g_assert_cmpuint (l.revocations, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (l.revoked, 0), ==, refresh);
  g_assert_cmpstr (g_ptr_array_index (l.revoked, 1), ==, access);
  g_assert_nonnull (strstr (l.last_body, "token_type_hint=access_token"));
  /* No secret on the command line or in what was printed. */
  g_assert_null (strstr (revoke->out, access));
  g_assert_null (strstr (revoke->err, refresh));

  stored = stored_access_token (f, "prod");
  g_assert_null (stored);
  stored_refresh = stored_refresh_token (f, "prod");
  g_assert_null (stored_refresh);

  /* At once, through the agent: not the revoked token. */
  after = run (f, FALSE, NULL, "token", "prod", NULL);
  g_assert_cmpint (after->status, !=, 0);
  g_assert_null (strstr (after->out, access));

  /* Nothing left to revoke: said, exit 1. */
  again = run (f, TRUE, NULL, "revoke", "prod", NULL);
  expect_status (again, 1);
  g_assert_nonnull (strstr (again->err, "nothing to revoke"));

  lifecycle_clear (f, &l);
}

/* --access-token keeps the refresh token; --refresh-token keeps the
 * access token; no revocation URL is explained and forgets nothing
 * unless --forget. */
static void
test_revoke_which (Fixture       *f,
                   gconstpointer  data)
{
  Lifecycle l = { 0 };
  g_autoptr(BearerTestProc) first = NULL;
  g_autoptr(BearerTestProc) revoke = NULL;
  g_autoptr(BearerTestProc) unset = NULL;
  g_autoptr(BearerTestProc) no_url = NULL;
  g_autoptr(BearerTestProc) forget = NULL;
  g_autoptr(BearerTestProc) usage = NULL;
  g_autofree char *base = NULL;
  g_autofree char *refresh = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *stored_refresh = NULL;
  g_autofree char *stored_after = NULL;

  if (!f->ready)
    return;
  base = lifecycle_setup (f, &l, TRUE);

  usage = run (f, TRUE, NULL, "revoke", "prod", "--access-token", "--refresh-token", NULL);
  expect_status (usage, 2);

  first = run (f, TRUE, NULL, "refresh", "prod", NULL);
  expect_status (first, 0);
  refresh = g_strdup (f->server->current);

  revoke = run (f, TRUE, NULL, "revoke", "prod", "--access-token", NULL);
  expect_status (revoke, 0);
  g_assert_cmpuint (l.revocations, ==, 1);
  g_assert_nonnull (strstr (l.last_body, "token_type_hint=access_token"));
  stored = stored_access_token (f, "prod");
  g_assert_null (stored);
  stored_refresh = stored_refresh_token (f, "prod");
  g_assert_cmpstr (stored_refresh, ==, refresh);

  /* No revocation URL: explained, nothing forgotten. */
  unset = run (f, TRUE, NULL, "set", "prod", "--revoke-url", "", NULL);
  expect_status (unset, 0);
  no_url = run (f, TRUE, NULL, "revoke", "prod", NULL);
  expect_status (no_url, 1);
  g_assert_nonnull (strstr (no_url->err, "no revocation URL"));
  g_free (stored_refresh);
  stored_refresh = stored_refresh_token (f, "prod");
  g_assert_cmpstr (stored_refresh, ==, refresh);

  /* --forget: the user asked; removed here, and said so. */
  forget = run (f, TRUE, NULL, "revoke", "prod", "--forget", NULL);
  expect_status (forget, 1);
  g_assert_nonnull (strstr (forget->err, "removed from the keyring"));
  stored_after = stored_refresh_token (f, "prod");
  g_assert_null (stored_after);
  g_assert_cmpuint (l.revocations, ==, 1);

  lifecycle_clear (f, &l);
}

/* bearer-cli introspect prints the server's JSON, for the access token or
 * the refresh token; after a revocation the server says inactive. */
static void
test_introspect (Fixture       *f,
                 gconstpointer  data)
{
  Lifecycle l = { 0 };
  g_autoptr(BearerTestProc) first = NULL;
  g_autoptr(BearerTestProc) access = NULL;
  g_autoptr(BearerTestProc) refresh = NULL;
  g_autoptr(BearerTestProc) revoke = NULL;
  g_autoptr(BearerTestProc) inactive = NULL;
  g_autoptr(BearerTestProc) no_url = NULL;
  g_autoptr(BearerTestProc) unset = NULL;
  g_autofree char *base = NULL;

  if (!f->ready)
    return;
  base = lifecycle_setup (f, &l, TRUE);

  first = run (f, TRUE, NULL, "refresh", "prod", NULL);
  expect_status (first, 0);

  access = run (f, TRUE, NULL, "introspect", "prod", NULL);
  expect_status (access, 0);
  g_assert_nonnull (strstr (access->out, "\"active\" : true"));
  g_assert_nonnull (strstr (access->out, "\"exp\" : 4102444800"));
  g_assert_nonnull (strstr (l.last_body, "token_type_hint=access_token"));

  refresh = run (f, TRUE, NULL, "introspect", "prod", "--refresh-token", NULL);
  expect_status (refresh, 0);
  g_assert_nonnull (strstr (refresh->out, "\"active\" : true"));
  g_assert_nonnull (strstr (l.last_body, "token_type_hint=refresh_token"));

  /* Revoke the refresh token only: the server now says inactive for the
   * access token too (the grant is gone), which is an answer: exit 0. */
  revoke = run (f, TRUE, NULL, "revoke", "prod", "--refresh-token", NULL);
  expect_status (revoke, 0);
  inactive = run (f, TRUE, NULL, "introspect", "prod", NULL);
  expect_status (inactive, 0);
  g_assert_nonnull (strstr (inactive->out, "\"active\" : false"));

  unset = run (f, TRUE, NULL, "set", "prod", "--introspect-url", "", NULL);
  expect_status (unset, 0);
  no_url = run (f, TRUE, NULL, "introspect", "prod", NULL);
  expect_status (no_url, 1);
  g_assert_nonnull (strstr (no_url->err, "no introspection URL"));

  lifecycle_clear (f, &l);
}

/* A DPoP token (RFC 9449) through the agent and directly: the same header;
 * the proof for a URL is made in the bearer-cli process with the same key
 * (the agent hands out tokens, never the key). */
static void
test_dpop (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");
  g_autoptr(BearerTestProc) set = NULL;
  g_autoptr(BearerTestProc) first = NULL;
  g_autoptr(BearerTestProc) agent = NULL;
  g_autoptr(BearerTestProc) direct = NULL;
  const char *header[] = { "token", "dp", "--format", "header", NULL };
  g_autofree char *x_agent = NULL;
  g_autofree char *x_direct = NULL;

  if (!f->ready)
    return;
  bearer_test_server_script (server, 200, "application/json",
                             "{\"access_token\":\"agent-dpop-token\",\"token_type\":\"DPoP\","
                             "\"expires_in\":3600}");
  add_profile (f, "dp", url);
  set = run (f, TRUE, NULL, "set", "dp", "--dpop", NULL);
  expect_status (set, 0);

  first = run (f, FALSE, NULL, "token", "dp", NULL);
  expect_status (first, 0);
  g_assert_true (agent_running (f));
  g_assert_nonnull (bearer_test_server_get_last_header (server, "DPoP"));

  compare (f, header, 0, FALSE);

  agent = run (f, FALSE, NULL, "token", "dp", "--format", "header", "--dpop-url", "https://api.example/x", NULL);
  direct = run (f, TRUE, NULL, "token", "dp", "--format", "header", "--dpop-url", "https://api.example/x", NULL);
  expect_status (agent, 0);
  expect_status (direct, 0);
  for (guint i = 0; i < 2; i++)
    {
      BearerTestProc *proc = i == 0 ? agent : direct;
      g_auto(GStrv) lines = g_strsplit (proc->out, "\n", -1);
      g_autoptr(JsonObject) proof_header = NULL;
      g_autoptr(JsonObject) claims = NULL;

      g_assert_cmpuint (g_strv_length (lines), ==, 3);
      g_assert_cmpstr (lines[0], ==, "Authorization: DPoP agent-dpop-token");
      g_assert_true (g_str_has_prefix (lines[1], "DPoP: "));
      g_assert_true (bearer_jwt_decode (lines[1] + 6, &proof_header, &claims, NULL));
      g_assert_cmpstr (json_object_get_string_member (claims, "htu"), ==, "https://api.example/x");
      *(i == 0 ? &x_agent : &x_direct) =
        g_strdup (json_object_get_string_member (json_object_get_object_member (proof_header, "jwk"), "x"));
    }
  g_assert_cmpstr (x_agent, ==, x_direct);
  /* One token request in all. */
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, setup, func, teardown)
  ADD ("/bearer/agent/activated", test_activated);
  ADD ("/bearer/agent/same-answers", test_same_answers);
  ADD ("/bearer/agent/concurrent-with-direct", test_concurrent);
  ADD ("/bearer/agent/killed-mid-refresh", test_killed);
  ADD ("/bearer/agent/killed-before-sending", test_killed_before_sending);
  ADD ("/bearer/agent/interrupted-waiting", test_interrupted_waiting);
  ADD ("/bearer/agent/exec-credential", test_exec_credential);
  ADD ("/bearer/agent/idle-and-keep-alive", test_idle_and_keep_alive);
  ADD ("/bearer/agent/socket-hostile", test_socket_hostile);
  ADD ("/bearer/agent/git-credential-helper", test_git_credential_helper);
  ADD ("/bearer/agent/git-end-to-end", test_git_end_to_end);
  ADD ("/bearer/agent/revoke-all", test_revoke_all);
  ADD ("/bearer/agent/revoke-which", test_revoke_which);
  ADD ("/bearer/agent/introspect", test_introspect);
  ADD ("/bearer/agent/dpop", test_dpop);
  g_test_add_func ("/bearer/agent/program-name", test_program_name);
  ADD ("/bearer/agent/ask-before-use", test_ask_before_use);
  ADD ("/bearer/agent/ask-time-out", test_ask_time_out);
  ADD ("/bearer/agent/window-and-agent-at-once", test_window_and_agent);
#undef ADD

  return g_test_run ();
}
