/* test-cli.c: bearer-cli as a user runs it (docs/storage.md, --help)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Spawns $BEARER_CLI (set by meson) with its own XDG_CONFIG_HOME and
 * XDG_RUNTIME_DIR for every test, secrets on standard input, against the
 * in-process test server (bearer-test-server.h) and, for `curl`, a small
 * API server of this file. Tests that store secrets need the session's
 * keyring: without one they are skipped, unless BEARER_TEST_SESSION=1.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsecret/secret.h>
#include <libsoup/soup.h>

#include "bearer-secrets.h"
#include "bearer-test-server.h"
#include "bearer-test-cli.h"
#include "bearer-test-keyring.h"

#define CLIENT_ID "bearer-test-client"
#define CLIENT_SECRET "bearer-test-secret"

static char *tmp_root;
static GPtrArray *created_ids;  /* their keyring items are deleted at the end */

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */

static gboolean
require_cli (void)
{
  if (g_getenv ("BEARER_CLI") != NULL)
    return TRUE;
  g_test_skip ("BEARER_CLI is not set (run through meson test)");
  return FALSE;
}

static gboolean
require_keyring (void)
{
  return require_cli () && bearer_test_require_keyring ();
}

/* One test's own configuration and runtime folders. */
typedef struct {
  char *config;
  char *runtime;
  char *profiles;
  GPtrArray *env;       /* extra NAME, VALUE pairs */
  GPid last_pid;
  gboolean unprivileged;        /* run as nobody when the tests run as root */
} Cli;

static Cli *
cli_new (void)
{
  static guint serial;
  g_autofree char *name = g_strdup_printf ("t%u", ++serial);
  Cli *cli = g_new0 (Cli, 1);

  cli->config = g_build_filename (tmp_root, name, "config", NULL);
  cli->runtime = g_build_filename (tmp_root, name, "runtime", NULL);
  cli->profiles = g_build_filename (cli->config, "bearer", "profiles.json", NULL);
  cli->env = g_ptr_array_new_with_free_func (g_free);
  g_assert_cmpint (g_mkdir_with_parents (cli->config, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (cli->runtime, 0700), ==, 0);
  return cli;
}

static void
cli_free (Cli *cli)
{
  g_free (cli->config);
  g_free (cli->runtime);
  g_free (cli->profiles);
  g_ptr_array_unref (cli->env);
  g_free (cli);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Cli, cli_free)

static void
cli_setenv (Cli        *cli,
            const char *name,
            const char *value)
{
  g_ptr_array_add (cli->env, g_strdup (name));
  g_ptr_array_add (cli->env, g_strdup (value));
}

static void drop_privileges_cb (gpointer user_data);

typedef struct {
  gboolean done;
  char *out;
  char *err;
  GError *error;
} Communicated;

static void
communicated_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Communicated *c = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &c->out, &c->err, &c->error);
  c->done = TRUE;
}

/* Runs bearer-cli with these arguments (NULL-terminated) and @input on
 * standard input, iterating the main context (the test servers live on
 * it). Returns the exit status. */
static int
cli_runv (Cli         *cli,
          const char  *input,
          char       **out,
          char       **err,
          const char  *first,
          va_list      args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Communicated c = { FALSE, NULL, NULL, NULL };
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  const char *ident;
  const char *arg;

  g_ptr_array_add (argv, (gpointer) g_getenv ("BEARER_CLI"));
  for (arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", cli->config, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", cli->runtime, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  for (guint i = 0; i + 1 < cli->env->len; i += 2)
    g_subprocess_launcher_setenv (launcher, g_ptr_array_index (cli->env, i),
                                  g_ptr_array_index (cli->env, i + 1), TRUE);

  if (cli->unprivileged)
    g_subprocess_launcher_set_child_setup (launcher, drop_privileges_cb, NULL, NULL);

  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  /* NULL once it has exited and been reaped (a quick usage error). */
  ident = g_subprocess_get_identifier (proc);
  cli->last_pid = ident != NULL ? atoi (ident) : 0;

  /* The input first, whole (it fits in the pipe): a command that exits
   * without reading it must not fail the exchange (EPIPE). Communicating
   * no input then closes the pipe. */
  if (input != NULL)
    g_output_stream_write_all (g_subprocess_get_stdin_pipe (proc), input, strlen (input),
                               NULL, NULL, NULL);

  g_subprocess_communicate_utf8_async (proc, NULL, NULL, communicated_cb, &c);
  while (!c.done)
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_subprocess_force_exit (proc);
          g_error ("bearer-cli %s did not finish within 60 s", first);
        }
      g_main_context_iteration (NULL, FALSE);
      if (!c.done)
        g_usleep (500);
    }
  g_assert_no_error (c.error);
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);

  if (out != NULL)
    *out = g_steal_pointer (&c.out);
  if (err != NULL)
    *err = g_steal_pointer (&c.err);
  g_free (c.out);
  g_free (c.err);

  g_assert_true (g_subprocess_get_if_exited (proc));
  return g_subprocess_get_exit_status (proc);
}

static int
cli_run (Cli         *cli,
         const char  *input,
         char       **out,
         char       **err,
         const char  *first,
         ...)
{
  va_list args;
  int status;

  va_start (args, first);
  status = cli_runv (cli, input, out, err, first, args);
  va_end (args);
  return status;
}

/* Runs bearer-cli and checks the exit status; on a mismatch shows what it
 * printed. */
static void
cli_expect (Cli         *cli,
            int          expected,
            const char  *input,
            char       **out,
            char       **err,
            const char  *first,
            ...)
{
  g_autofree char *o = NULL;
  g_autofree char *e = NULL;
  va_list args;
  int status;

  va_start (args, first);
  status = cli_runv (cli, input, &o, &e, first, args);
  va_end (args);

  if (status != expected)
    {
      g_test_message ("bearer-cli %s… exited %d, not %d\nstdout: %s\nstderr: %s",
                      first, status, expected, o, e);
      g_assert_cmpint (status, ==, expected);
    }
  if (out != NULL)
    *out = g_steal_pointer (&o);
  if (err != NULL)
    *err = g_steal_pointer (&e);
}

/* Every line bearer-cli writes to standard error starts "bearer-cli: ". */
static gboolean
stderr_lines_ok (const char *err,
                 const char *what)
{
  g_auto(GStrv) lines = g_strsplit (err, "\n", -1);
  gboolean ok = TRUE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] == '\0' && lines[i + 1] == NULL)
        break;  /* after the final newline */
      if (!g_str_has_prefix (lines[i], "bearer-cli: "))
        {
          g_test_message ("%s: stderr line %u is not \"bearer-cli: …\": \"%s\"", what, i + 1, lines[i]);
          ok = FALSE;
        }
    }
  if (*err != '\0' && !g_str_has_suffix (err, "\n"))
    {
      g_test_message ("%s: stderr does not end with a newline", what);
      ok = FALSE;
    }
  return ok;
}

static JsonObject *
profile_on_disk (Cli        *cli,
                 const char *name)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *profiles;

  json_parser_load_from_file (parser, cli->profiles, &error);
  g_assert_no_error (error);
  profiles = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                           "profiles");
  for (guint i = 0; i < json_array_get_length (profiles); i++)
    {
      JsonObject *object = json_array_get_object_element (profiles, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (object, "name", NULL), name) == 0)
        return json_object_ref (object);
    }
  return NULL;
}

static char *
profile_id (Cli        *cli,
            const char *name)
{
  g_autoptr(JsonObject) object = profile_on_disk (cli, name);

  g_assert_nonnull (object);
  return g_strdup (json_object_get_string_member (object, "id"));
}

static BearerSecrets *
stored (const char *id)
{
  g_autoptr(GHashTable) attributes = bearer_test_keyring_attributes (id);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  BearerSecrets *secrets = bearer_secrets_new ();
  char *text;
  JsonObject *object;

  text = secret_password_lookupv_sync (bearer_secrets_get_schema (), attributes, NULL, &error);
  g_assert_no_error (error);
  if (text == NULL)
    return secrets;
  json_parser_load_from_data (parser, text, -1, &error);
  secret_password_free (text);
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
#define STR(name) json_object_get_string_member_with_default (object, name, NULL)
  bearer_secrets_set_client_secret (secrets, STR ("client_secret"));
  bearer_secrets_set_refresh_token (secrets, STR ("refresh_token"));
  bearer_secrets_set_password (secrets, STR ("password"));
  bearer_secrets_set_access_token (secrets, STR ("access_token"), STR ("token_type"),
                                   json_object_get_int_member_with_default (object, "expires_at", 0),
                                   STR ("scope"));
#undef STR
  bearer_secrets_set_needs_sign_in (secrets,
                                    json_object_get_boolean_member_with_default (object, "needs_sign_in",
                                                                                 FALSE));
  return secrets;
}

/* `add NAME` for the test server's client (post), and its client secret
 * and refresh token through `set-secret`. Returns the profile id. */
static char *
add_server_profile (Cli              *cli,
                    BearerTestServer *server,
                    const char       *name,
                    const char       *refresh_token)
{
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");
  g_autofree char *out = NULL;
  char *id;

  cli_expect (cli, 0, NULL, NULL, NULL, "add", name, "--token-url", url, "--client-id", CLIENT_ID,
              "--auth", "post", NULL);
  id = profile_id (cli, name);
  g_ptr_array_add (created_ids, g_strdup (id));

  cli_expect (cli, 0, CLIENT_SECRET "\n", &out, NULL, "set-secret", name, "client-secret", NULL);
  g_assert_null (strstr (out, CLIENT_SECRET));
  if (refresh_token != NULL)
    {
      g_autofree char *input = g_strconcat (refresh_token, "\n", NULL);

      cli_expect (cli, 0, input, NULL, NULL, "set-secret", name, "refresh-token", NULL);
    }
  return id;
}

/* ---------------------------------------------------------------------- */
/* Usage                                                                  */

static void
test_help (void)
{
  g_autoptr(Cli) cli = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *commands[] = {
    "  list", "  add NAME", "  remove NAME", "  set-secret NAME", "  token NAME",
    "  refresh NAME", "  curl NAME",
  };
  const char *codes[] = {
    "  0  success", "  1  another failure", "  2  usage error", "  3  the server or the network failed",
    "  4  sign in again", "  5  the keyring is unavailable or locked",
  };

  if (!require_cli ())
    return;

  cli = cli_new ();
  cli_expect (cli, 0, NULL, &out, &err, "--help", NULL);
  g_assert_cmpstr (err, ==, "");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strstr (out, commands[i]) == NULL)
      {
        g_test_message ("--help does not list \"%s\"", commands[i]);
        g_test_fail ();
      }
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    if (strstr (out, codes[i]) == NULL)
      {
        g_test_message ("--help does not explain exit status \"%s\"", codes[i]);
        g_test_fail ();
      }
  g_clear_pointer (&out, g_free);

  cli_expect (cli, 0, NULL, &out, NULL, "help", NULL);
  g_assert_nonnull (strstr (out, "Exit status"));
}

static void
test_unknown_command (void)
{
  g_autoptr(Cli) cli = NULL;
  g_autofree char *err = NULL;

  if (!require_cli ())
    return;

  cli = cli_new ();
  cli_expect (cli, 2, NULL, NULL, &err, "frobnicate", NULL);
  g_assert_true (g_str_has_prefix (err, "bearer-cli: "));
  g_assert_nonnull (strstr (err, "frobnicate"));
  g_clear_pointer (&err, g_free);

  /* No command at all. */
  cli_expect (cli, 2, NULL, NULL, NULL, NULL);
}

static void
test_add_usage (void)
{
  g_autoptr(Cli) cli = NULL;
  const char *url = "https://auth.example.com/token";

  if (!require_cli ())
    return;

  cli = cli_new ();
  cli_expect (cli, 2, NULL, NULL, NULL, "add", NULL);
  cli_expect (cli, 2, NULL, NULL, NULL, "add", "a", "b", "--token-url", url, "--client-id", "c", NULL);
  cli_expect (cli, 2, NULL, NULL, NULL, "add", "x", "--client-id", "c", NULL);
  cli_expect (cli, 2, NULL, NULL, NULL, "add", "x", "--token-url", url, NULL);
  cli_expect (cli, 2, NULL, NULL, NULL, "add", "x", "--token-url", url, "--client-id", "c",
              "--grant", "bogus", NULL);
  cli_expect (cli, 2, NULL, NULL, NULL, "add", "x", "--token-url", url, "--client-id", "c",
              "--auth", "bogus", NULL);
  cli_expect (cli, 2, NULL, NULL, NULL, "add", "x", "--token-url", url, "--client-id", "c",
              "--frobnicate", NULL);
  cli_expect (cli, 2, NULL, NULL, NULL, "add", "x", "--client-id", "c", "--preset", "keycloak",
              "--instance", "acme", NULL);
  cli_expect (cli, 2, NULL, NULL, NULL, "add", "x", "--client-id", "c", "--preset", "processmaker", NULL);
  cli_expect (cli, 2, NULL, NULL, NULL, "add", "x", "--client-id", "c", "--instance", "acme", NULL);
  cli_expect (cli, 2, NULL, NULL, NULL, "add", "x", "--client-id", "c", "--preset", "processmaker",
              "--instance", "acme", "--token-url", url, NULL);
  cli_expect (cli, 2, NULL, NULL, NULL, "add", "x", "--client-id", "c", "--preset", "processmaker",
              "--instance", "bad name", NULL);
  cli_expect (cli, 2, NULL, NULL, NULL, "add", "x", "--client-id", "c", "--preset", "processmaker",
              "--instance", "-acme", NULL);

  /* A usage error writes nothing. */
  g_assert_false (g_file_test (cli->profiles, G_FILE_TEST_EXISTS));
}

static void
test_add_processmaker (void)
{
  g_autoptr(Cli) cli = NULL;
  g_autoptr(JsonObject) prod = NULL;
  g_autoptr(JsonObject) self_hosted = NULL;
  g_autoptr(JsonObject) basic = NULL;
  g_autofree char *out = NULL;

  if (!require_cli ())
    return;

  cli = cli_new ();
  cli_expect (cli, 0, NULL, &out, NULL, "add", "prod", "--preset", "processmaker", "--instance", "acme",
              "--client-id", "3", NULL);
  g_assert_nonnull (strstr (out, "https://acme.processmaker.net/oauth/token"));
  prod = profile_on_disk (cli, "prod");
  g_assert_nonnull (prod);
  g_assert_cmpstr (json_object_get_string_member (prod, "token_url"), ==,
                   "https://acme.processmaker.net/oauth/token");
  g_assert_cmpstr (json_object_get_string_member (prod, "client_auth"), ==, "post");
  g_assert_cmpstr (json_object_get_string_member (prod, "preset"), ==, "processmaker");
  g_assert_cmpstr (json_object_get_string_member (prod, "client_id"), ==, "3");
  g_assert_cmpstr (json_object_get_string_member (prod, "grant_type"), ==, "refresh_token");
  g_assert_nonnull (json_object_get_string_member (prod, "id"));

  cli_expect (cli, 0, NULL, NULL, NULL, "add", "self", "--preset", "processmaker", "--instance",
              "https://pm.example.com/oauth/token", "--client-id", "4", NULL);
  self_hosted = profile_on_disk (cli, "self");
  g_assert_cmpstr (json_object_get_string_member (self_hosted, "token_url"), ==,
                   "https://pm.example.com/oauth/token");
  g_assert_cmpstr (json_object_get_string_member (self_hosted, "client_auth"), ==, "post");

  /* An explicit --auth wins over the preset's. */
  cli_expect (cli, 0, NULL, NULL, NULL, "add", "basic", "--preset", "processmaker", "--instance",
              "acme-2", "--client-id", "5", "--auth", "basic", NULL);
  basic = profile_on_disk (cli, "basic");
  g_assert_cmpstr (json_object_get_string_member (basic, "client_auth"), ==, "basic");
  g_assert_cmpstr (json_object_get_string_member (basic, "token_url"), ==,
                   "https://acme-2.processmaker.net/oauth/token");

  /* The same name again: a profiles-file failure. */
  cli_expect (cli, 1, NULL, NULL, NULL, "add", "prod", "--token-url", "https://x.example/token",
              "--client-id", "3", NULL);
}

/* ---------------------------------------------------------------------- */
/* Secrets from standard input                                            */

static void
test_set_secret (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(Cli) cli = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autofree char *id = NULL;
  g_autofree char *err = NULL;

  if (!require_keyring ())
    return;

  cli = cli_new ();
  id = add_server_profile (cli, server, "prod", "def50200pasted");
  secrets = stored (id);
  g_assert_cmpstr (bearer_secrets_get_client_secret (secrets), ==, CLIENT_SECRET);
  g_assert_cmpstr (bearer_secrets_get_refresh_token (secrets), ==, "def50200pasted");

  /* Nothing on standard input: a usage error, nothing changes. */
  cli_expect (cli, 2, NULL, NULL, &err, "set-secret", "prod", "refresh-token", NULL);
  g_assert_true (g_str_has_prefix (err, "bearer-cli: "));
  g_clear_pointer (&err, g_free);
  cli_expect (cli, 2, "\n", NULL, NULL, "set-secret", "prod", "refresh-token", NULL);
  g_clear_pointer (&secrets, bearer_secrets_unref);
  secrets = stored (id);
  g_assert_cmpstr (bearer_secrets_get_refresh_token (secrets), ==, "def50200pasted");

  /* Never as an argument; unknown kinds; unknown profiles. */
  cli_expect (cli, 2, "x\n", NULL, NULL, "set-secret", "prod", "refresh-token", "def50200argv", NULL);
  cli_expect (cli, 2, "x\n", NULL, NULL, "set-secret", "prod", "access-token", NULL);
  cli_expect (cli, 1, "x\n", NULL, NULL, "set-secret", "nobody", "refresh-token", NULL);

  /* All of a pipe, less the final line break. */
  cli_expect (cli, 0, "pass word\r\n", NULL, NULL, "set-secret", "prod", "password", NULL);
  g_clear_pointer (&secrets, bearer_secrets_unref);
  secrets = stored (id);
  g_assert_cmpstr (bearer_secrets_get_password (secrets), ==, "pass word");
  g_assert_cmpstr (bearer_secrets_get_client_secret (secrets), ==, CLIENT_SECRET);

  bearer_test_delete_keyring_items (created_ids);
}

/* ---------------------------------------------------------------------- */
/* token and refresh                                                      */

static void
test_token_formats (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(Cli) cli = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autofree char *id = NULL;
  g_autofree char *out = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *token = NULL;
  JsonObject *object;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (!require_keyring ())
    return;

  cli = cli_new ();
  bearer_test_server_set_refresh_token (server, "def50200formats");
  id = add_server_profile (cli, server, "prod", "def50200formats");

  /* The token, alone on a line. */
  cli_expect (cli, 0, NULL, &out, NULL, "token", "prod", NULL);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  token = g_strdup (bearer_test_server_get_last_access_token (server));
  expected = g_strconcat (token, "\n", NULL);
  g_assert_cmpstr (out, ==, expected);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&expected, g_free);

  /* The new refresh token is in the keyring. */
  secrets = stored (id);
  g_assert_cmpstr (bearer_secrets_get_refresh_token (secrets), ==,
                   bearer_test_server_get_refresh_token (server));
  g_assert_cmpstr (bearer_secrets_get_access_token (secrets), ==, token);

  cli_expect (cli, 0, NULL, &out, NULL, "token", "prod", "--header", NULL);
  expected = g_strdup_printf ("Authorization: Bearer %s\n", token);
  g_assert_cmpstr (out, ==, expected);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&expected, g_free);

  cli_expect (cli, 0, NULL, &out, NULL, "token", "prod", "--export", NULL);
  expected = g_strdup_printf ("export BEARER_ACCESS_TOKEN='%s'\n"
                              "export BEARER_TOKEN_TYPE='Bearer'\n"
                              "export BEARER_EXPIRES_AT=%" G_GINT64_FORMAT "\n",
                              token, bearer_secrets_get_expires_at (secrets));
  g_assert_cmpstr (out, ==, expected);
  g_clear_pointer (&out, g_free);

  cli_expect (cli, 0, NULL, &out, NULL, "token", "prod", "--json", NULL);
  g_assert_true (g_str_has_suffix (out, "}\n"));
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "profile"), ==, "prod");
  g_assert_cmpstr (json_object_get_string_member (object, "access_token"), ==, token);
  g_assert_cmpstr (json_object_get_string_member (object, "token_type"), ==, "Bearer");
  g_assert_cmpint (json_object_get_int_member (object, "expires_at"), ==,
                   bearer_secrets_get_expires_at (secrets));
  g_assert_cmpint (json_object_get_int_member (object, "expires_in"), >, 31536000 - 120);
  g_assert_cmpint (json_object_get_int_member (object, "expires_in"), <=,
                   bearer_secrets_get_expires_at (secrets) - now);
  g_assert_true (json_object_has_member (object, "scope"));
  g_assert_true (json_node_is_null (json_object_get_member (object, "scope")));
  g_assert_false (json_object_get_boolean_member (object, "refreshed"));

  /* Only the first call asked the server. */
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);

  /* One format at a time. */
  cli_expect (cli, 2, NULL, NULL, NULL, "token", "prod", "--json", "--header", NULL);
  cli_expect (cli, 2, NULL, NULL, NULL, "token", NULL);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);

  bearer_test_delete_keyring_items (created_ids);
}

static void
test_min_valid (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(Cli) cli = NULL;
  g_autofree char *id = NULL;
  g_autofree char *first = NULL;
  g_autofree char *out = NULL;

  if (!require_keyring ())
    return;

  cli = cli_new ();
  bearer_test_server_set_refresh_token (server, "def50200minvalid");
  id = add_server_profile (cli, server, "prod", "def50200minvalid");

  cli_expect (cli, 0, NULL, &first, NULL, "token", "prod", NULL);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);

  /* The token is valid for a year: enough for 60 s, not for 400 days. */
  cli_expect (cli, 0, NULL, &out, NULL, "token", "prod", "--min-valid", "60", NULL);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  g_assert_cmpstr (out, ==, first);
  g_clear_pointer (&out, g_free);

  cli_expect (cli, 0, NULL, &out, NULL, "token", "prod", "--min-valid", "34560000", NULL);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 2);
  g_assert_cmpstr (out, !=, first);
  g_clear_pointer (&out, g_free);

  cli_expect (cli, 2, NULL, NULL, NULL, "token", "prod", "--min-valid", "-5", NULL);
  cli_expect (cli, 2, NULL, NULL, NULL, "token", "prod", "--min-valid", "soon", NULL);
  cli_expect (cli, 2, NULL, NULL, NULL, "refresh", "prod", "--min-valid", "60", NULL);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 2);

  bearer_test_delete_keyring_items (created_ids);
}

static void
test_refresh (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(Cli) cli = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *out = NULL;

  if (!require_keyring ())
    return;

  cli = cli_new ();
  bearer_test_server_set_refresh_token (server, "def50200refresh");
  id = add_server_profile (cli, server, "prod", "def50200refresh");

  for (guint i = 1; i <= 3; i++)
    {
      cli_expect (cli, 0, NULL, &out, NULL, "refresh", "prod", NULL);
      g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, i);
      g_assert_true (g_str_has_prefix (out, "Refreshed “prod”"));
      g_assert_nonnull (strstr (out, "rotated"));
      g_assert_null (strstr (out, bearer_test_server_get_last_access_token (server)));
      g_clear_pointer (&out, g_free);

      g_clear_pointer (&secrets, bearer_secrets_unref);
      secrets = stored (id);
      g_assert_cmpstr (bearer_secrets_get_refresh_token (secrets), ==,
                       bearer_test_server_get_refresh_token (server));
    }

  cli_expect (cli, 0, NULL, &out, NULL, "refresh", "prod", "--json", NULL);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (json_parser_get_root (parser)),
                                                 "refreshed"));

  bearer_test_delete_keyring_items (created_ids);
}

/* ---------------------------------------------------------------------- */
/* Exit codes                                                             */

static void
test_exit_server_error (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(Cli) cli = NULL;
  g_autofree char *id = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (!require_keyring ())
    return;

  cli = cli_new ();
  id = add_server_profile (cli, server, "prod", "still-mine");
  bearer_test_server_script (server, 500, "application/json", "{\"message\":\"Server Error\"}");

  cli_expect (cli, 3, NULL, &out, &err, "token", "prod", NULL);
  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_str_has_prefix (err, "bearer-cli: "));
  g_assert_nonnull (strstr (err, "Server Error"));
  g_assert_true (stderr_lines_ok (err, "token (HTTP 500)"));

  /* A refused connection is the network: 3 too. */
  bearer_test_server_free (g_steal_pointer (&server));
  cli_expect (cli, 3, NULL, NULL, NULL, "refresh", "prod", NULL);

  bearer_test_delete_keyring_items (created_ids);
}

static void
test_exit_invalid_grant (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(Cli) cli = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autofree char *id = NULL;
  g_autofree char *err = NULL;

  if (!require_keyring ())
    return;

  cli = cli_new ();
  id = add_server_profile (cli, server, "prod", "def50200refused");
  bearer_test_server_script (server, 400, "application/json",
                             "{\"error\":\"invalid_grant\","
                             "\"error_description\":\"Token has been revoked\"}");

  cli_expect (cli, 4, NULL, NULL, &err, "token", "prod", NULL);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  g_assert_nonnull (strstr (err, "Token has been revoked"));
  g_assert_nonnull (strstr (err, "set-secret prod refresh-token"));
  g_assert_null (strstr (err, "def50200refused"));
  g_assert_true (stderr_lines_ok (err, "token (invalid_grant)"));

  secrets = stored (id);
  g_assert_true (bearer_secrets_get_needs_sign_in (secrets));
  g_assert_cmpstr (bearer_secrets_get_refresh_token (secrets), ==, "def50200refused");

  /* Again: 4 at once, without asking the server. */
  cli_expect (cli, 4, NULL, NULL, NULL, "token", "prod", NULL);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);

  /* A new refresh token: back in business. */
  bearer_test_server_script (server, 200, "application/json",
                             "{\"access_token\":\"fresh\",\"refresh_token\":\"next\"}");
  cli_expect (cli, 0, "pasted\n", NULL, NULL, "set-secret", "prod", "refresh-token", NULL);
  cli_expect (cli, 0, NULL, NULL, NULL, "token", "prod", NULL);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 2);

  bearer_test_delete_keyring_items (created_ids);
}

static void
test_exit_unknown_profile (void)
{
  g_autoptr(Cli) cli = NULL;
  g_autofree char *err = NULL;

  if (!require_cli ())
    return;

  cli = cli_new ();
  cli_expect (cli, 1, NULL, NULL, &err, "token", "nobody", NULL);
  g_assert_true (g_str_has_prefix (err, "bearer-cli: "));
  g_assert_nonnull (strstr (err, "nobody"));
  g_assert_true (stderr_lines_ok (err, "token nobody"));
  cli_expect (cli, 1, NULL, NULL, NULL, "refresh", "nobody", NULL);
  cli_expect (cli, 1, NULL, NULL, NULL, "curl", "nobody", "--", "http://127.0.0.1:9/", NULL);
  cli_expect (cli, 1, NULL, NULL, NULL, "remove", "nobody", NULL);
}

static void
test_exit_no_keyring (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(Cli) cli = NULL;
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;

  if (!require_cli ())
    return;

  cli = cli_new ();
  cli_setenv (cli, "DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
  cli_expect (cli, 0, NULL, NULL, NULL, "add", "prod", "--token-url", url, "--client-id", CLIENT_ID, NULL);

  cli_expect (cli, 5, NULL, &out, &err, "token", "prod", NULL);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, "No keyring is available"));
  g_assert_true (stderr_lines_ok (err, "token (no keyring)"));
  g_clear_pointer (&err, g_free);

  cli_expect (cli, 5, NULL, NULL, NULL, "refresh", "prod", NULL);
  cli_expect (cli, 5, "secret\n", NULL, NULL, "set-secret", "prod", "client-secret", NULL);
  cli_expect (cli, 5, NULL, NULL, NULL, "list", NULL);
  cli_expect (cli, 5, NULL, NULL, NULL, "remove", "prod", NULL);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 0);

  /* The profile is kept when its secrets could not be deleted. */
  {
    g_autoptr(JsonObject) prod = profile_on_disk (cli, "prod");

    g_assert_nonnull (prod);
  }
}

/* ---------------------------------------------------------------------- */
/* The keyring refuses the new tokens: exit 5, the token printed anyway   */

static void
test_exit_store_failure (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(Cli) cli = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = NULL;
  BearerTestCollection *temp;
  int status;

  if (!require_keyring ())
    return;

  cli = cli_new ();
  bearer_test_server_set_refresh_token (server, "def50200unstored");
  id = add_server_profile (cli, server, "prod", "def50200unstored");

  temp = bearer_test_collection_locked_default (&error);
  if (temp == NULL)
    {
      g_autofree char *why = g_strdup_printf ("Cannot lock a default collection: %s", error->message);

      g_test_skip (why);
      bearer_test_delete_keyring_items (created_ids);
      return;
    }
  status = cli_run (cli, NULL, &out, &err, "token", "prod", "--header", NULL);
  bearer_test_collection_free (temp);

  /* Asserted only now that the keyring is as it was. */
  g_test_message ("stdout: %s\nstderr: %s", out, err);
  g_assert_cmpint (status, ==, 5);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  expected = g_strdup_printf ("Authorization: Bearer %s\n",
                              bearer_test_server_get_last_access_token (server));
  g_assert_cmpstr (out, ==, expected);
  g_assert_true (stderr_lines_ok (err, "token (keyring refused the new tokens)"));
  g_assert_null (strstr (err, bearer_test_server_get_refresh_token (server)));

  secrets = stored (id);
  g_assert_cmpstr (bearer_secrets_get_refresh_token (secrets), ==, "def50200unstored");

  bearer_test_delete_keyring_items (created_ids);
}

/* ---------------------------------------------------------------------- */
/* curl                                                                   */

typedef struct {
  SoupServer *server;
  guint port;
  Cli *cli;
  guint requests;
  char *authorization;
  char *cmdline;        /* curl's argv, NUL bytes made spaces */
  char *environ;
} ApiServer;

static void
api_callback (SoupServer        *soup,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  ApiServer *api = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autofree char *proc_cmdline = g_strdup_printf ("/proc/%d/cmdline", (int) api->cli->last_pid);
  g_autofree char *proc_environ = g_strdup_printf ("/proc/%d/environ", (int) api->cli->last_pid);
  char *contents = NULL;
  gsize length = 0;

  api->requests++;
  g_free (api->authorization);
  api->authorization = g_strdup (soup_message_headers_get_one (headers, "Authorization"));

  /* The client is still there, waiting for this reply: bearer-cli has
   * become curl (exec), so its /proc entry shows curl's arguments. */
  if (g_file_get_contents (proc_cmdline, &contents, &length, NULL))
    {
      for (gsize i = 0; i < length; i++)
        if (contents[i] == '\0')
          contents[i] = ' ';
      g_free (api->cmdline);
      api->cmdline = contents;
    }
  if (g_file_get_contents (proc_environ, &contents, &length, NULL))
    {
      for (gsize i = 0; i < length; i++)
        if (contents[i] == '\0')
          contents[i] = '\n';
      g_free (api->environ);
      api->environ = contents;
    }

  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "api-ok\n", 7);
}

static void
test_curl (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(Cli) cli = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *curl = g_find_program_in_path ("curl");
  g_autofree char *id = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *url = NULL;
  g_autofree char *expected = NULL;
  const char *token;
  ApiServer api = { NULL };
  GSList *uris;

  if (!require_keyring ())
    return;
  if (curl == NULL)
    {
      g_test_skip ("curl is not installed");
      return;
    }

  cli = cli_new ();
  api.cli = cli;
  bearer_test_server_set_refresh_token (server, "def50200curl");
  id = add_server_profile (cli, server, "prod", "def50200curl");

  api.server = soup_server_new (NULL, NULL);
  soup_server_add_handler (api.server, "/api", api_callback, &api, NULL);
  soup_server_listen_local (api.server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (api.server);
  api.port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  url = g_strdup_printf ("http://127.0.0.1:%u/api/users/1", api.port);

  cli_expect (cli, 0, NULL, &out, &err, "curl", "prod", "--", "-s", "-S", url, NULL);
  g_assert_cmpstr (out, ==, "api-ok\n");
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpuint (api.requests, ==, 1);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);

  /* The server saw the token the profile got … */
  token = bearer_test_server_get_last_access_token (server);
  expected = g_strdup_printf ("Bearer %s", token);
  g_assert_cmpstr (api.authorization, ==, expected);

  /* … and curl's command line and environment never held it. */
  g_assert_nonnull (api.cmdline);
  g_test_message ("curl's command line: %s", api.cmdline);
  g_assert_true (g_str_has_prefix (api.cmdline, "curl "));
  g_assert_nonnull (strstr (api.cmdline, url));
  g_assert_null (strstr (api.cmdline, token));
  g_assert_null (strstr (api.cmdline, "Bearer"));
  g_assert_nonnull (api.environ);
  g_assert_null (strstr (api.environ, token));

  /* Without "--" the arguments go to curl all the same; the stored token
   * is used again. */
  g_clear_pointer (&out, g_free);
  cli_expect (cli, 0, NULL, &out, NULL, "curl", "prod", "-s", url, NULL);
  g_assert_cmpstr (out, ==, "api-ok\n");
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  g_assert_cmpstr (api.authorization, ==, expected);

  soup_server_disconnect (api.server);
  g_clear_object (&api.server);
  g_free (api.authorization);
  g_free (api.cmdline);
  g_free (api.environ);
  bearer_test_delete_keyring_items (created_ids);
}

/* ---------------------------------------------------------------------- */
/* list, remove                                                           */

static void
test_list_remove (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(Cli) cli = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autofree char *id = NULL;
  g_autofree char *out = NULL;

  if (!require_keyring ())
    return;

  cli = cli_new ();
  cli_expect (cli, 0, NULL, &out, NULL, "list", NULL);
  g_assert_true (g_str_has_prefix (out, "No profiles yet"));
  g_clear_pointer (&out, g_free);

  bearer_test_server_set_refresh_token (server, "def50200list");
  id = add_server_profile (cli, server, "prod", "def50200list");
  cli_expect (cli, 0, NULL, &out, NULL, "list", NULL);
  g_assert_nonnull (strstr (out, "prod"));
  g_assert_nonnull (strstr (out, "refresh_token"));
  g_assert_nonnull (strstr (out, "none yet (refresh token stored)"));
  g_assert_null (strstr (out, "def50200list"));
  g_clear_pointer (&out, g_free);
  cli_expect (cli, 2, NULL, NULL, NULL, "list", "extra", NULL);

  cli_expect (cli, 0, NULL, NULL, NULL, "remove", "prod", NULL);
  g_assert_null (profile_on_disk (cli, "prod"));
  secrets = stored (id);
  g_assert_true (bearer_secrets_is_empty (secrets));
  cli_expect (cli, 1, NULL, NULL, NULL, "remove", "prod", NULL);

  bearer_test_delete_keyring_items (created_ids);
}

/* ---------------------------------------------------------------------- */
/* Profile names                                                          */

/* `add` checks the NAME argument as GOption checks the options: a usage
 * error, and nothing written. */
static void
test_add_bad_names (void)
{
  g_autoptr(Cli) cli = NULL;
  const char *bad[] = { "", " ", "\t", "\xc2\xa0", "\xff\xfe", "caf\xc3", "a\nb", "a\tb",
                        "\x1b[31mred\x1b[0m", "bell\x07", "a\xc2\x85" "b" };

  if (!require_cli ())
    return;

  cli = cli_new ();
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *err = NULL;

      cli_expect (cli, 2, NULL, NULL, &err, "add", bad[i], "--token-url", "https://x.example/token",
                  "--client-id", "c", NULL);
      g_assert_true (g_utf8_validate (err, -1, NULL));
      g_assert_nonnull (strstr (err, "name"));
      g_assert_true (stderr_lines_ok (err, "add (bad name)"));
      g_assert_false (g_file_test (cli->profiles, G_FILE_TEST_EXISTS));
    }

  /* White space around other text is part of the name. */
  cli_expect (cli, 0, NULL, NULL, NULL, "add", " padded ", "--token-url", "https://x.example/token",
              "--client-id", "c", NULL);
  g_assert_nonnull (profile_on_disk (cli, " padded "));
}

#define HOSTILE_NAMES_FILE \
  "{\"version\": 1, \"profiles\": [\n" \
  " {\"id\": \"n1\", \"token_url\": \"https://x.example/token\"},\n" \
  " {\"id\": \"n2\", \"name\": null},\n" \
  " {\"id\": \"n3\", \"name\": \"\"},\n" \
  " {\"id\": \"n4\", \"name\": 5},\n" \
  " {\"id\": \"n5\", \"name\": \"evil\\u001b]0;owned\\u0007\\nsecond line\"},\n" \
  " {\"id\": \"n6\", \"name\": \"right\\u202eto left\"},\n" \
  " {\"id\": \"n7\", \"name\": \"line\\u2028separator\"},\n" \
  " {\"id\": \"n8\", \"name\": \"back\\\\slash\"},\n" \
  " {\"id\": \"n9\", \"name\": \"plain é\"}\n" \
  "]}\n"

/* `list` on a file edited by hand: a profile with no name (what `add ''`
 * used to write) no longer crashes it; it is not shown, and neither is a
 * name with control characters, but a note on standard error says they
 * are kept. Names are printed with anything that could move the cursor,
 * start a new line or reorder text escaped, terminal or not. */
static void
test_list_hostile_names (void)
{
  g_autoptr(Cli) cli = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;

  if (!require_cli ())
    return;

  cli = cli_new ();
  dir = g_path_get_dirname (cli->profiles);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (cli->profiles, HOSTILE_NAMES_FILE, -1, &error);
  g_assert_no_error (error);
  cli_setenv (cli, "DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");

  /* Exit 5: the keyring is out of reach on purpose; the rows are printed. */
  cli_expect (cli, 5, NULL, &out, &err, "list", NULL);
  g_test_message ("stdout:\n%s\nstderr:\n%s", out, err);
  g_assert_true (g_utf8_validate (out, -1, NULL));
  lines = g_strsplit (out, "\n", -1);
  /* The heading, four rows, and what follows the last line break. */
  g_assert_cmpuint (g_strv_length (lines), ==, 6);
  g_assert_true (g_str_has_prefix (lines[1], "right\\u202eto left "));
  g_assert_true (g_str_has_prefix (lines[2], "line\\u2028separator "));
  g_assert_true (g_str_has_prefix (lines[3], "back\\\\slash "));
  g_assert_true (g_str_has_prefix (lines[4], "plain é "));
  for (const char *p = out; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_assert_true (c == '\n' || (g_unichar_isprint (c) && c != 0x2028 && c != 0x2029));
    }

  g_assert_nonnull (strstr (err, "5 profiles"));
  g_assert_nonnull (strstr (err, cli->profiles));
  g_assert_true (stderr_lines_ok (err, "list (hostile names)"));

  /* The others are still found by their names. */
  cli_expect (cli, 5, NULL, NULL, NULL, "token", "right\xe2\x80\xaeto left", NULL);
  cli_expect (cli, 1, NULL, NULL, NULL, "token", "", NULL);
}

/* ---------------------------------------------------------------------- */
/* A configuration folder bearer-cli cannot write                         */

/* Runs in the child between fork and exec: async-signal-safe calls only.
 * Root ignores permission bits, so a root test run (CI) becomes nobody
 * for the command; anyone else is already held back by them. */
static void
drop_privileges_cb (gpointer user_data)
{
  if (geteuid () == 0 &&
      (setgroups (0, NULL) != 0 || setgid (65534) != 0 || setuid (65534) != 0))
    _exit (127);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static GPtrArray *
dir_names (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (handle);
  while ((name = g_dir_read_name (handle)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return names;
}

static char *
dir_listing (const char *dir)
{
  g_autoptr(GPtrArray) names = dir_names (dir);

  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

/* Reading profiles needs no write access (a shared lock on a lock file
 * that exists, none at all when it does not); a damaged file that cannot
 * be set aside is reported and left alone. */
static void
test_read_only_config (void)
{
  g_autoptr(Cli) cli = NULL;
  g_autofree char *root = NULL;
  g_autofree char *bearer_dir = NULL;
  g_autofree char *lock = NULL;
  g_autofree char *before = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *now = NULL;

  if (!require_cli ())
    return;

  /* A tree the unprivileged command can reach: tmp_root, and the
   * session's TMPDIR above it, are private. */
  root = g_strdup ("/tmp/bearer-test-cli-ro-XXXXXX");
  g_assert_nonnull (g_mkdtemp_full (root, 0755));
  cli = cli_new ();
  g_free (cli->config);
  g_free (cli->runtime);
  g_free (cli->profiles);
  /* The runtime folder (refresh locks) stays the user's own. */
  cli->runtime = g_build_filename (root, "runtime", NULL);
  g_assert_cmpint (g_mkdir (cli->runtime, 0700), ==, 0);
  if (geteuid () == 0)
    g_assert_cmpint (chown (cli->runtime, 65534, 65534), ==, 0);
  cli->config = g_build_filename (root, "config", NULL);
  cli->profiles = g_build_filename (cli->config, "bearer", "profiles.json", NULL);
  bearer_dir = g_path_get_dirname (cli->profiles);
  lock = g_strconcat (cli->profiles, ".lock", NULL);
  g_assert_cmpint (g_mkdir (cli->config, 0755), ==, 0);

  cli_expect (cli, 0, NULL, NULL, NULL, "add", "prod", "--token-url", "https://x.example/token",
              "--client-id", "c", NULL);
  g_assert_true (g_file_test (lock, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (cli->profiles, &before, NULL, NULL));
  g_assert_cmpint (g_chmod (cli->profiles, 0644), ==, 0);
  g_assert_cmpint (g_chmod (lock, 0644), ==, 0);
  g_assert_cmpint (g_chmod (bearer_dir, 0555), ==, 0);
  listing = dir_listing (bearer_dir);

  cli->unprivileged = TRUE;
  cli_setenv (cli, "DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");

  /* The lock file is there: read under a shared lock. The keyring is out
   * of reach on purpose: exit 5 means the profiles were read. */
  cli_expect (cli, 5, NULL, &out, &err, "list", NULL);
  g_assert_nonnull (strstr (out, "prod"));
  g_assert_null (strstr (err, "profiles"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  cli_expect (cli, 5, NULL, NULL, &err, "token", "prod", NULL);
  g_assert_nonnull (strstr (err, "No keyring is available"));
  g_clear_pointer (&err, g_free);

  /* No lock file, and none can be made: read without one. */
  g_assert_cmpint (g_chmod (bearer_dir, 0755), ==, 0);
  g_assert_cmpint (g_unlink (lock), ==, 0);
  g_assert_cmpint (g_chmod (bearer_dir, 0555), ==, 0);
  cli_expect (cli, 5, NULL, &out, NULL, "list", NULL);
  g_assert_nonnull (strstr (out, "prod"));
  g_clear_pointer (&out, g_free);
  g_assert_false (g_file_test (lock, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (cli->profiles, &now, NULL, NULL));
  g_assert_cmpstr (now, ==, before);
  g_clear_pointer (&now, g_free);

  /* A damaged file that cannot be set aside: said so, and left alone. */
  g_assert_cmpint (g_chmod (bearer_dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (cli->profiles, "damaged", -1, NULL));
  g_assert_cmpint (g_chmod (cli->profiles, 0644), ==, 0);
  g_assert_cmpint (g_chmod (bearer_dir, 0555), ==, 0);
  for (guint with_lock = 0; with_lock < 2; with_lock++)
    {
      g_autofree char *names = NULL;

      if (with_lock)
        {
          g_assert_cmpint (g_chmod (bearer_dir, 0755), ==, 0);
          g_assert_true (g_file_set_contents (lock, "", 0, NULL));
          g_assert_cmpint (g_chmod (lock, 0644), ==, 0);
          g_assert_cmpint (g_chmod (bearer_dir, 0555), ==, 0);
        }
      names = dir_listing (bearer_dir);
      cli_expect (cli, 1, NULL, NULL, &err, "list", NULL);
      g_test_message ("stderr: %s", err);
      g_assert_nonnull (strstr (err, "could not be set aside"));
      g_assert_nonnull (strstr (err, cli->profiles));
      g_assert_true (stderr_lines_ok (err, "list (damaged, read-only)"));
      g_clear_pointer (&err, g_free);
      g_assert_true (g_file_get_contents (cli->profiles, &now, NULL, NULL));
      g_assert_cmpstr (now, ==, "damaged");
      g_clear_pointer (&now, g_free);
      g_clear_pointer (&listing, g_free);
      listing = dir_listing (bearer_dir);
      g_assert_cmpstr (listing, ==, names);
    }

  g_assert_cmpint (g_chmod (bearer_dir, 0755), ==, 0);
  bearer_test_remove_tree (root);
}

/* ---------------------------------------------------------------------- */
/* Standard error                                                         */

/* Every message on standard error is one line starting "bearer-cli: ". */
static void
test_stderr_lines (void)
{
  g_autoptr(Cli) cli = NULL;
  const char *cases[][5] = {
    { "frobnicate", NULL },
    { "add", NULL },
    { "token", "nobody", NULL },
    { "token", "prod", "--json", "--header" },
    { "set-secret", "prod", NULL },
  };

  if (!require_cli ())
    return;

  cli = cli_new ();
  cli_expect (cli, 0, NULL, NULL, NULL, "add", "prod", "--token-url", "https://x.example/token",
              "--client-id", "c", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *err = NULL;
      g_autofree char *what = g_strjoinv (" ", (char **) cases[i]);
      int status;

      status = cli_run (cli, NULL, NULL, &err, cases[i][0], cases[i][1], cases[i][2], cases[i][3], NULL);
      g_assert_cmpint (status, !=, 0);
      g_assert_cmpstr (err, !=, "");
      if (!stderr_lines_ok (err, what))
        g_test_fail ();
    }
}

/* ---------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  g_autofree char *config = NULL;
  g_autofree char *runtime = NULL;
  g_autofree char **keep_going = NULL;
  int status;

  /* Before anything reads them. */
  tmp_root = g_dir_make_tmp ("bearer-test-cli-XXXXXX", NULL);
  g_assert_nonnull (tmp_root);
  config = g_build_filename (tmp_root, "config", NULL);
  runtime = g_build_filename (tmp_root, "runtime", NULL);
  g_mkdir_with_parents (config, 0700);
  g_mkdir_with_parents (runtime, 0700);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("XDG_RUNTIME_DIR", runtime, TRUE);
  created_ids = g_ptr_array_new_with_free_func (g_free);
  /* Writing to a child that did not read is an error, not a signal. */
  signal (SIGPIPE, SIG_IGN);

  /* One failing test must not hide the others (meson passes only --tap). */
  keep_going = g_new0 (char *, argc + 2);
  for (int i = 0; i < argc; i++)
    keep_going[i] = argv[i];
  keep_going[argc++] = (char *) "--keep-going";
  argv = keep_going;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bearer/cli/help", test_help);
  g_test_add_func ("/bearer/cli/unknown-command", test_unknown_command);
  g_test_add_func ("/bearer/cli/add/usage", test_add_usage);
  g_test_add_func ("/bearer/cli/add/processmaker", test_add_processmaker);
  g_test_add_func ("/bearer/cli/set-secret", test_set_secret);
  g_test_add_func ("/bearer/cli/token/formats", test_token_formats);
  g_test_add_func ("/bearer/cli/token/min-valid", test_min_valid);
  g_test_add_func ("/bearer/cli/refresh", test_refresh);
  g_test_add_func ("/bearer/cli/exit/server-error", test_exit_server_error);
  g_test_add_func ("/bearer/cli/exit/invalid-grant", test_exit_invalid_grant);
  g_test_add_func ("/bearer/cli/exit/unknown-profile", test_exit_unknown_profile);
  g_test_add_func ("/bearer/cli/exit/no-keyring", test_exit_no_keyring);
  g_test_add_func ("/bearer/cli/exit/store-failure", test_exit_store_failure);
  g_test_add_func ("/bearer/cli/curl", test_curl);
  g_test_add_func ("/bearer/cli/list-remove", test_list_remove);
  g_test_add_func ("/bearer/cli/add/bad-names", test_add_bad_names);
  g_test_add_func ("/bearer/cli/list/hostile-names", test_list_hostile_names);
  g_test_add_func ("/bearer/cli/read-only-config", test_read_only_config);
  g_test_add_func ("/bearer/cli/stderr-lines", test_stderr_lines);

  status = g_test_run ();

  bearer_test_delete_keyring_items (created_ids);
  g_ptr_array_unref (created_ids);
  bearer_test_remove_tree (tmp_root);
  g_free (tmp_root);
  return status;
}
