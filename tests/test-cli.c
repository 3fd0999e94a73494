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
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsecret/secret.h>
#include <libsoup/soup.h>

#include "bearer-presets.h"
#include "bearer-request-preview.h"
#include "bearer-secrets.h"
#include "bearer-test-server.h"
#include "bearer-test-cli.h"
#include "bearer-test-keyring.h"
#include "bearer-test-keys.h"

#define CLIENT_ID "bearer-test-client"
#define CLIENT_SECRET "bearer-test-secret"
/* A password in a token URL's user information, looked for in the output. */
#define URL_PASSWORD "hunter2pw"

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
  guint timeout;        /* seconds one bearer-cli may take; 0 for 60 */
  gboolean deny_memfd;  /* memfd_create() fails with ENOSYS, as on old kernels */
  gboolean unprivileged;        /* run as nobody when the tests run as root */
  char *program;                /* NULL: $BEARER_CLI */
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
  g_free (cli->program);
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

/* In the child, before exec: memfd_create() fails with ENOSYS for it and
 * everything it runs, as on a kernel older than 3.17. */
static void
deny_memfd_child_setup (gpointer user_data)
{
  struct sock_filter filter[] = {
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr)),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, __NR_memfd_create, 0, 1),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
    BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog program = { G_N_ELEMENTS (filter), filter };

  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
      prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0)
    _exit (125);
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
  guint timeout = cli->timeout != 0 ? cli->timeout : 60;
  gint64 deadline = g_get_monotonic_time () + timeout * G_USEC_PER_SEC;
  const char *ident;
  const char *arg;

  g_ptr_array_add (argv, cli->program != NULL ? cli->program : (gpointer) g_getenv ("BEARER_CLI"));
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
  if (cli->deny_memfd)
    g_subprocess_launcher_set_child_setup (launcher, deny_memfd_child_setup, NULL, NULL);

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
          g_error ("bearer-cli %s did not finish within %u s", first, timeout);
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
  bearer_secrets_set_private_key (secrets, STR ("private_key"));
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
    "  refresh NAME", "  curl NAME", "  snippet NAME", "  help", "  revoke NAME", "  introspect NAME",
    "--revoke-url URL", "--introspect-url URL",
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
  /* Every preset of the window, with the option of its input. */
  {
    guint n;
    const BearerPreset *presets = bearer_presets_get (&n);

    for (guint i = 0; i < n; i++)
      {
        g_autofree char *line = g_strdup_printf ("\n        %s", presets[i].id);
        g_autofree char *option = g_strdup_printf ("--%s", presets[i].option);

        if (strstr (out, line) == NULL || (presets[i].option != NULL && strstr (out, option) == NULL))
          {
            g_test_message ("--help does not explain --preset %s", presets[i].id);
            g_test_fail ();
          }
      }
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

/* Every preset of the window, with the same inputs, makes the same profile
 * with bearer-cli add --preset as with the window's Add a Connection (the
 * core's bearer_preset_apply()): token URL, grant, client authentication,
 * scope. */
static void
test_add_preset_parity (void)
{
  const struct {
    const char *preset;
    const char *input;          /* NULL: the option is left out */
    const char *realm;
  } cases[] = {
    { "processmaker", "acme", NULL },
    { "processmaker", "acme.processmaker.net", NULL },
    { "processmaker", "pm.example.com", NULL },
    { "processmaker", "https://pm.example.com", NULL },
    { "processmaker", "https://pm.example.com/", NULL },
    { "processmaker", "https://pm.example.com:8443/pm", NULL },
    { "processmaker", "https://pm.example.com/oauth/token", NULL },
    { "processmaker", "http://127.0.0.1:8080/oauth/token", NULL },
    { "generic", "https://auth.example.com/oauth/token", NULL },
    { "keycloak", "https://sso.example.com", "acme" },
    { "keycloak", "sso.example.com/auth/", "my realm" },
    { "entra", "contoso.onmicrosoft.com", NULL },
    { "entra", NULL, NULL },
    { "auth0", "acme.eu.auth0.com", NULL },
    { "auth0", "https://acme.eu.auth0.com/", NULL },
    { "google", NULL, NULL },
    { "gitlab", NULL, NULL },
    { "gitlab", "https://gitlab.example.com/", NULL },
  };
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(Cli) cli = NULL;
  guint n_presets;
  const BearerPreset *presets = bearer_presets_get (&n_presets);

  if (!require_cli ())
    return;

  cli = cli_new ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const BearerPreset *preset = bearer_preset_find (cases[i].preset);
      g_autoptr(BearerProfile) window = bearer_profile_new ("window");
      g_autoptr(BearerProfile) stored = NULL;
      g_autoptr(JsonObject) object = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *name = g_strdup_printf ("p%u", i);
      g_autofree char *option = NULL;

      g_assert_nonnull (preset);
      g_hash_table_add (seen, (gpointer) preset->id);
      g_test_message ("preset %s, input %s, realm %s", cases[i].preset, cases[i].input,
                      cases[i].realm);
      g_assert_true (bearer_preset_apply (preset, window, cases[i].input, cases[i].realm, &error));
      g_assert_no_error (error);

      option = preset->option != NULL ? g_strconcat ("--", preset->option, NULL) : NULL;
      cli_expect (cli, 0, NULL, NULL, NULL, "add", name, "--client-id", "c", "--preset",
                  cases[i].preset,
                  cases[i].realm != NULL ? "--realm" : "--client-id",
                  cases[i].realm != NULL ? cases[i].realm : "c",
                  cases[i].input != NULL ? option : NULL, cases[i].input, NULL);

      object = profile_on_disk (cli, name);
      g_assert_nonnull (object);
      stored = bearer_profile_new_from_json (object, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (bearer_profile_get_preset (stored), ==, bearer_profile_get_preset (window));
      g_assert_cmpstr (bearer_profile_get_token_url (stored), ==, bearer_profile_get_token_url (window));
      g_assert_cmpint (bearer_profile_get_grant_type (stored), ==, bearer_profile_get_grant_type (window));
      g_assert_cmpint (bearer_profile_get_client_auth (stored), ==, bearer_profile_get_client_auth (window));
      g_assert_cmpstr (bearer_profile_get_scope (stored), ==, bearer_profile_get_scope (window));
    }

  /* Every preset the window offers was tried. */
  g_assert_cmpuint (g_hash_table_size (seen), ==, n_presets);
  for (guint i = 0; i < n_presets; i++)
    g_assert_true (g_hash_table_contains (seen, presets[i].id));

  /* What the preset chooses gives way to what is given. */
  {
    g_autoptr(JsonObject) object = NULL;
    g_autoptr(BearerProfile) stored = NULL;
    g_autoptr(GError) error = NULL;

    cli_expect (cli, 0, NULL, NULL, NULL, "add", "own", "--client-id", "c", "--preset", "entra",
                "--grant", "refresh_token", "--auth", "basic", "--scope", "openid", NULL);
    object = profile_on_disk (cli, "own");
    stored = bearer_profile_new_from_json (object, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (bearer_profile_get_token_url (stored), ==,
                     "https://login.microsoftonline.com/common/oauth2/v2.0/token");
    g_assert_cmpint (bearer_profile_get_grant_type (stored), ==, BEARER_GRANT_REFRESH_TOKEN);
    g_assert_cmpint (bearer_profile_get_client_auth (stored), ==, BEARER_CLIENT_AUTH_BASIC);
    g_assert_cmpstr (bearer_profile_get_scope (stored), ==, "openid");
  }
}

/* A preset's inputs are checked before anything is written. */
static void
test_add_preset_usage (void)
{
  g_autoptr(Cli) cli = NULL;
  g_autofree char *err = NULL;

  if (!require_cli ())
    return;

  cli = cli_new ();
  cli_expect (cli, 2, NULL, NULL, &err, "add", "x", "--client-id", "c", "--preset", "nope", NULL);
  g_assert_nonnull (strstr (err, "gitlab"));
  g_clear_pointer (&err, g_free);
  cli_expect (cli, 2, NULL, NULL, &err, "add", "x", "--client-id", "c", "--preset", "keycloak",
              "--server", "https://sso.example.com", NULL);
  g_assert_nonnull (strstr (err, "--realm"));
  g_clear_pointer (&err, g_free);
  cli_expect (cli, 2, NULL, NULL, &err, "add", "x", "--client-id", "c", "--preset", "auth0", NULL);
  g_assert_nonnull (strstr (err, "--host"));
  g_clear_pointer (&err, g_free);
  cli_expect (cli, 2, NULL, NULL, &err, "add", "x", "--client-id", "c", "--preset", "google",
              "--instance", "acme", NULL);
  g_assert_nonnull (strstr (err, "--instance"));
  g_clear_pointer (&err, g_free);
  cli_expect (cli, 2, NULL, NULL, &err, "add", "x", "--client-id", "c", "--preset", "entra",
              "--tenant", "a/b", NULL);
  g_assert_nonnull (strstr (err, "tenant"));
  g_clear_pointer (&err, g_free);
  cli_expect (cli, 2, NULL, NULL, &err, "add", "x", "--client-id", "c", "--realm", "acme", NULL);
  g_assert_nonnull (strstr (err, "--preset"));
  g_clear_pointer (&err, g_free);
  /* A URL that may hold a password is never quoted. */
  cli_expect (cli, 2, NULL, NULL, &err, "add", "x", "--client-id", "c", "--preset", "keycloak",
              "--server", "https://admin:" URL_PASSWORD "@sso.example.com", "--realm", "r", NULL);
  g_assert_nonnull (strstr (err, "user name or password"));
  g_assert_null (strstr (err, URL_PASSWORD));
  g_assert_false (g_file_test (cli->profiles, G_FILE_TEST_EXISTS));
}

/* ---------------------------------------------------------------------- */
/* Token URLs: add refuses what every refresh would refuse                */

/* The password of a token URL's user information is nowhere. */
static void
assert_no_password (Cli        *cli,
                    const char *out,
                    const char *err)
{
  g_autofree char *profiles = NULL;

  g_assert_null (strstr (out, URL_PASSWORD));
  g_assert_null (strstr (err, URL_PASSWORD));
  if (g_file_get_contents (cli->profiles, &profiles, NULL, NULL))
    g_assert_null (strstr (profiles, URL_PASSWORD));
}

/* "Ask before other programs use this token": add --ask, set --ask and
 * --no-ask write ask_before_use; both at once is a usage error that
 * changes nothing. */
static void
test_ask_option (void)
{
  g_autoptr(Cli) cli = cli_new ();
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *err = NULL;

  cli_expect (cli, 0, NULL, NULL, NULL, "add", "asks", "--token-url", "https://auth.example.com/token",
              "--client-id", "7", "--ask", NULL);
  object = profile_on_disk (cli, "asks");
  g_assert_true (json_object_get_boolean_member (object, "ask_before_use"));
  g_clear_pointer (&object, json_object_unref);
  cli_expect (cli, 0, NULL, NULL, NULL, "add", "plain", "--token-url", "https://auth.example.com/token",
              "--client-id", "7", NULL);
  object = profile_on_disk (cli, "plain");
  g_assert_false (json_object_get_boolean_member (object, "ask_before_use"));
  g_clear_pointer (&object, json_object_unref);

  cli_expect (cli, 0, NULL, NULL, NULL, "set", "asks", "--no-ask", NULL);
  object = profile_on_disk (cli, "asks");
  g_assert_false (json_object_get_boolean_member (object, "ask_before_use"));
  g_clear_pointer (&object, json_object_unref);
  cli_expect (cli, 0, NULL, NULL, NULL, "set", "plain", "--ask", NULL);
  object = profile_on_disk (cli, "plain");
  g_assert_true (json_object_get_boolean_member (object, "ask_before_use"));
  g_clear_pointer (&object, json_object_unref);

  cli_expect (cli, 2, NULL, NULL, &err, "set", "plain", "--ask", "--no-ask", NULL);
  g_assert_nonnull (strstr (err, "Choose one of --ask and --no-ask"));
  object = profile_on_disk (cli, "plain");
  g_assert_true (json_object_get_boolean_member (object, "ask_before_use"));
}

static void
test_add_token_url (void)
{
  g_autoptr(Cli) cli = NULL;
  const struct {
    const char *url;
    const char *says;           /* in the error */
  } bad[] = {
    { "notaurl", "not a web address" },
    { "ftp://", "not a web address" },
    { "ftp://files.example.com/token", "not a web address" },
    { "http:///nohost", "names no server" },
    { "https://", "names no server" },
    { "http://auth.example.com/token", "plain http://" },
    { "http://10.0.0.1/token", "plain http://" },
    { "https://user:" URL_PASSWORD "@auth.example.com/token", "user name or password" },
    { "https://user@auth.example.com/token", "user name or password" },
    { "http://user:" URL_PASSWORD "@127.0.0.1:8080/token", "user name or password" },
    { "htp://user:" URL_PASSWORD "@auth.example.com/token", "user name or password" },
  };
  const struct {
    const char *url;
    gboolean allow_http;
  } good[] = {
    { "https://auth.example.com/oauth/token", FALSE },
    { "http://127.0.0.1:8080/oauth/token", FALSE },
    { "http://localhost/oauth/token", FALSE },
    { "http://[::1]:8080/oauth/token", FALSE },
    { "http://auth.example.com/oauth/token", TRUE },
    { "https://auth.example.com/token?tenant=a@b", FALSE },
  };

  if (!require_cli ())
    return;

  cli = cli_new ();
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_autofree char *name = g_strdup_printf ("bad%u", i);

      g_test_message ("add --token-url %s", bad[i].url);
      cli_expect (cli, 2, NULL, &out, &err, "add", name, "--token-url", bad[i].url,
                  "--client-id", "c", NULL);
      g_assert_cmpstr (out, ==, "");
      g_assert_nonnull (strstr (err, bad[i].says));
      g_assert_true (stderr_lines_ok (err, bad[i].url));
      assert_no_password (cli, out, err);
      g_assert_false (g_file_test (cli->profiles, G_FILE_TEST_EXISTS));
    }

  /* Plain http:// to a remote host names the option that allows it. */
  {
    g_autofree char *err = NULL;

    cli_expect (cli, 2, NULL, NULL, &err, "add", "remote", "--token-url",
                "http://auth.example.com/token", "--client-id", "c", NULL);
    g_assert_nonnull (strstr (err, "--allow-http"));
  }

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(JsonObject) object = NULL;
      g_autofree char *out = NULL;
      g_autofree char *name = g_strdup_printf ("good%u", i);

      g_test_message ("add --token-url %s%s", good[i].url, good[i].allow_http ? " --allow-http" : "");
      cli_expect (cli, 0, NULL, &out, NULL, "add", name, "--token-url", good[i].url,
                  "--client-id", "c", good[i].allow_http ? "--allow-http" : NULL, NULL);
      g_assert_nonnull (strstr (out, good[i].url));
      object = profile_on_disk (cli, name);
      g_assert_nonnull (object);
      g_assert_cmpstr (json_object_get_string_member (object, "token_url"), ==, good[i].url);
    }

  /* With profiles on disk: the refused ones left no trace there either. */
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_autofree char *name = g_strdup_printf ("bad%u", i);

      cli_expect (cli, 2, NULL, &out, &err, "add", name, "--token-url", bad[i].url,
                  "--client-id", "c", NULL);
      assert_no_password (cli, out, err);
      g_assert_null (profile_on_disk (cli, name));
    }
}

/* --grant wins over what --authorize-url or --issuer would make of a
 * profile given none: it was read before the options were parsed, so every
 * --authorize-url turned the grant into authorization_code. */
static void
test_add_grant_given (void)
{
  g_autoptr(Cli) cli = NULL;
  const struct {
    const char *grant;          /* NULL: none given */
    const char *stored;
  } cases[] = {
    { "device_code", "device_code" },
    { "client_credentials", "client_credentials" },
    { "refresh_token", "refresh_token" },
    { NULL, "authorization_code" },
  };

  if (!require_cli ())
    return;

  cli = cli_new ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) object = NULL;
      g_autofree char *name = g_strdup_printf ("grant%u", i);

      g_test_message ("add --authorize-url URL%s%s", cases[i].grant != NULL ? " --grant " : "",
                      cases[i].grant != NULL ? cases[i].grant : "");
      cli_expect (cli, 0, NULL, NULL, NULL, "add", name, "--token-url", "https://id.example/token",
                  "--authorize-url", "https://id.example/authorize",
                  "--device-authorization-url", "https://id.example/device", "--client-id", "c",
                  cases[i].grant != NULL ? "--grant" : NULL, cases[i].grant, NULL);
      object = profile_on_disk (cli, name);
      g_assert_nonnull (object);
      g_assert_cmpstr (json_object_get_string_member (object, "grant_type"), ==, cases[i].stored);
    }
}

static void
test_add_processmaker_url (void)
{
  g_autoptr(Cli) cli = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (!require_cli ())
    return;

  cli = cli_new ();
  /* A full URL as --instance meets the same rules as --token-url. */
  cli_expect (cli, 2, NULL, &out, &err, "add", "pm", "--preset", "processmaker", "--instance",
              "https://admin:" URL_PASSWORD "@pm.example.com/oauth/token", "--client-id", "3", NULL);
  g_assert_nonnull (strstr (err, "user name or password"));
  assert_no_password (cli, out, err);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  cli_expect (cli, 2, NULL, NULL, &err, "add", "pm", "--preset", "processmaker", "--instance",
              "http://pm.example.com/oauth/token", "--client-id", "3", NULL);
  g_assert_nonnull (strstr (err, "plain http://"));
  g_clear_pointer (&err, g_free);
  cli_expect (cli, 2, NULL, NULL, &err, "add", "pm", "--preset", "processmaker", "--instance",
              "ftp://pm.example.com/oauth/token", "--client-id", "3", NULL);
  g_assert_nonnull (strstr (err, "not a web address"));
  g_assert_false (g_file_test (cli->profiles, G_FILE_TEST_EXISTS));

  cli_expect (cli, 0, NULL, NULL, NULL, "add", "pm", "--preset", "processmaker", "--instance",
              "http://pm.example.com/oauth/token", "--client-id", "3", "--allow-http", NULL);
  object = profile_on_disk (cli, "pm");
  g_assert_cmpstr (json_object_get_string_member (object, "token_url"), ==,
                   "http://pm.example.com/oauth/token");
}

/* A profile stored with a password in its token URL (by hand, or by an
 * older bearer-cli): no command prints it. */
static void
test_stored_url_password (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(Cli) cli = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *url = NULL;
  g_autofree char *text = NULL;
  JsonArray *profiles;
  const char *commands[][5] = {
    { "list", NULL },
    { "token", "prod", NULL },
    { "token", "prod", "--json", NULL },
    { "refresh", "prod", NULL },
    { "curl", "prod", "--", "http://127.0.0.1:9/", NULL },
    { "snippet", "prod", NULL },
    { "snippet", "prod", "--with-secrets", "--lang=python", NULL },
  };

  if (!require_keyring ())
    return;

  cli = cli_new ();
  bearer_test_server_set_refresh_token (server, "def50200userinfo");
  id = add_server_profile (cli, server, "prod", "def50200userinfo");

  /* Its token URL gets a user and password, on disk. */
  url = g_strdup_printf ("http://user:" URL_PASSWORD "@127.0.0.1:%u/oauth/token",
                         bearer_test_server_get_port (server));
  json_parser_load_from_file (parser, cli->profiles, &error);
  g_assert_no_error (error);
  profiles = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                           "profiles");
  json_object_set_string_member (json_array_get_object_element (profiles, 0), "token_url", url);
  json_generator_set_root (generator, json_parser_get_root (parser));
  text = json_generator_to_data (generator, NULL);
  g_assert_true (g_file_set_contents (cli->profiles, text, -1, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_autofree char *what = g_strjoinv (" ", (char **) commands[i]);
      int status;

      status = cli_run (cli, NULL, &out, &err, commands[i][0], commands[i][1], commands[i][2],
                        commands[i][3], NULL);
      g_test_message ("%s: exit %d\nstdout: %s\nstderr: %s", what, status, out, err);
      g_assert_null (strstr (out, URL_PASSWORD));
      g_assert_null (strstr (err, URL_PASSWORD));
    }
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 0);

  bearer_test_delete_keyring_items (created_ids);
}

/* ---------------------------------------------------------------------- */
/* snippet: the core's request preview, with the keyring's secrets        */

static BearerProfile *
profile_loaded (Cli        *cli,
                const char *name)
{
  g_autoptr(JsonObject) object = profile_on_disk (cli, name);
  g_autoptr(GError) error = NULL;
  BearerProfile *profile;

  g_assert_nonnull (object);
  profile = bearer_profile_new_from_json (object, &error);
  g_assert_no_error (error);
  return profile;
}

static void
test_snippet (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_PASSPORT);
  g_autoptr(Cli) cli = NULL;
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autofree char *id = NULL;
  const char *languages[] = { "curl", "python", "node" };

  if (!require_keyring ())
    return;

  cli = cli_new ();
  id = add_server_profile (cli, server, "prod", "def50200snippet");
  profile = profile_loaded (cli, "prod");
  secrets = stored (id);

  for (guint i = 0; i < G_N_ELEMENTS (languages); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *with = NULL;
      g_autofree char *expected = NULL;
      g_autofree char *expected_with = NULL;
      g_autoptr(GError) error = NULL;

      expected = bearer_request_preview (profile, NULL, i, &error);
      g_assert_no_error (error);
      expected_with = bearer_request_preview (profile, secrets, i, &error);
      g_assert_no_error (error);

      cli_expect (cli, 0, NULL, &out, NULL, "snippet", "prod", "--lang", languages[i], NULL);
      g_assert_cmpstr (out, ==, expected);
      g_assert_null (strstr (out, CLIENT_SECRET));
      g_assert_null (strstr (out, "def50200snippet"));
      g_assert_nonnull (strstr (out, BEARER_PLACEHOLDER_REFRESH_TOKEN));

      cli_expect (cli, 0, NULL, &with, NULL, "snippet", "prod", "--lang", languages[i],
                  "--with-secrets", NULL);
      g_assert_cmpstr (with, ==, expected_with);
      g_assert_nonnull (strstr (with, CLIENT_SECRET));
      g_assert_nonnull (strstr (with, "def50200snippet"));
    }

  /* cURL unless told otherwise */
  {
    g_autofree char *out = NULL;

    cli_expect (cli, 0, NULL, &out, NULL, "snippet", "prod", NULL);
    g_assert_true (g_str_has_prefix (out, "curl -X POST "));
  }

  cli_expect (cli, 2, NULL, NULL, NULL, "snippet", NULL);
  cli_expect (cli, 2, NULL, NULL, NULL, "snippet", "prod", "--lang", "ruby", NULL);
  cli_expect (cli, 2, NULL, NULL, NULL, "snippet", "prod", "extra", NULL);
  cli_expect (cli, 1, NULL, NULL, NULL, "snippet", "nope", NULL);
  /* Nothing was sent. */
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 0);

  bearer_test_delete_keyring_items (created_ids);
}

/* Placeholders need no keyring; --with-secrets says when there is none. */
static void
test_snippet_no_keyring (void)
{
  g_autoptr(Cli) cli = NULL;
  g_autoptr(BearerProfile) profile = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *expected = NULL;

  if (!require_cli ())
    return;

  cli = cli_new ();
  cli_expect (cli, 0, NULL, NULL, NULL, "add", "pm", "--preset", "processmaker", "--instance", "acme",
              "--client-id", "3", NULL);
  cli_setenv (cli, "DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent");
  cli_expect (cli, 0, NULL, &out, NULL, "snippet", "pm", "--lang", "node", NULL);
  profile = profile_loaded (cli, "pm");
  expected = bearer_request_preview (profile, NULL, BEARER_SNIPPET_NODE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, expected);

  cli_expect (cli, 5, NULL, NULL, NULL, "snippet", "pm", "--with-secrets", NULL);
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

/* private_key_jwt and client_secret_jwt: the options, the key from
 * standard input (checked before it is stored), and signed requests. */
static void
test_client_assertion (void)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(Cli) cli = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GHashTable) form = NULL;
  g_autofree char *url = bearer_test_server_get_url (server, "/oauth/token");
  g_autofree char *ec_key = bearer_test_key_new_pem (BEARER_TEST_KEY_EC_P256);
  g_autofree char *rsa_key = bearer_test_key_new_pem (BEARER_TEST_KEY_RSA_2048);
  g_autofree char *id = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *body = NULL;

  if (!require_keyring ())
    return;

  cli = cli_new ();
  cli_expect (cli, 0, NULL, &out, NULL, "--help", NULL);
  g_assert_nonnull (strstr (out, "--auth private-key-jwt|client-secret-jwt"));
  g_assert_nonnull (strstr (out, "set-secret NAME private-key < key.pem"));
  g_clear_pointer (&out, g_free);
  cli_expect (cli, 2, NULL, NULL, NULL, "add", "jwt", "--token-url", url, "--client-id", CLIENT_ID,
              "--auth", "private-key-jwt", "--signing-alg", "none", NULL);
  cli_expect (cli, 2, NULL, NULL, NULL, "add", "jwt", "--token-url", url, "--client-id", CLIENT_ID,
              "--auth", "private-key-jwt", "--assertion-aud", "somewhere", NULL);
  cli_expect (cli, 0, NULL, &out, NULL, "add", "jwt", "--token-url", url, "--client-id", CLIENT_ID,
              "--grant", "client_credentials", "--auth", "private-key-jwt", "--signing-alg", "ES256",
              "--key-id", "k1", NULL);
  g_assert_nonnull (strstr (out, "set-secret jwt private-key"));
  object = profile_on_disk (cli, "jwt");
  g_assert_cmpstr (json_object_get_string_member (object, "client_auth"), ==, "private-key-jwt");
  g_assert_cmpstr (json_object_get_string_member (object, "signing_alg"), ==, "ES256");
  g_assert_cmpstr (json_object_get_string_member (object, "key_id"), ==, "k1");
  id = profile_id (cli, "jwt");
  g_ptr_array_add (created_ids, g_strdup (id));

  /* An RSA key does not sign ES256: refused, nothing stored, the key not echoed. */
  cli_expect (cli, 2, rsa_key, NULL, &err, "set-secret", "jwt", "private-key", NULL);
  g_assert_nonnull (strstr (err, "P-256"));
  g_assert_null (strstr (err, "PRIVATE KEY"));
  secrets = stored (id);
  g_assert_null (bearer_secrets_get_private_key (secrets));
  g_clear_pointer (&err, g_free);
  cli_expect (cli, 2, "not a key\n", NULL, NULL, "set-secret", "jwt", "private-key", NULL);

  g_clear_pointer (&out, g_free);
  cli_expect (cli, 0, ec_key, &out, NULL, "set-secret", "jwt", "private-key", NULL);
  g_assert_null (strstr (out, "PRIVATE KEY"));
  g_clear_pointer (&secrets, bearer_secrets_unref);
  secrets = stored (id);
  g_assert_nonnull (bearer_secrets_get_private_key (secrets));
  g_assert_true (g_str_has_prefix (ec_key, bearer_secrets_get_private_key (secrets)));

  cli_expect (cli, 0, NULL, NULL, NULL, "refresh", "jwt", NULL);
  body = bearer_test_server_dup_last_body (server);
  form = g_uri_parse_params (body, -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
  g_assert_cmpstr (g_hash_table_lookup (form, "grant_type"), ==, "client_credentials");
  claims = bearer_test_assertion_verify (g_hash_table_lookup (form, "client_assertion"),
                                         BEARER_SIGNING_ALG_ES256, ec_key, NULL);
  g_assert_cmpstr (json_object_get_string_member (claims, "aud"), ==, url);
  g_assert_cmpstr (json_object_get_string_member (claims, "sub"), ==, CLIENT_ID);

  /* client_secret_jwt, set on the same profile; RS256 does not go with it. */
  cli_expect (cli, 0, NULL, NULL, NULL, "set", "jwt", "--auth", "client-secret-jwt", "--signing-alg",
              "RS256", NULL);
  cli_expect (cli, 0, CLIENT_SECRET "\n", NULL, NULL, "set-secret", "jwt", "client-secret", NULL);
  cli_expect (cli, 1, NULL, NULL, &err, "refresh", "jwt", NULL);
  g_assert_nonnull (strstr (err, "HS256"));
  cli_expect (cli, 0, NULL, NULL, NULL, "set", "jwt", "--signing-alg", "HS256",
              "--assertion-aud", "issuer", NULL);
  g_clear_pointer (&object, json_object_unref);
  object = profile_on_disk (cli, "jwt");
  g_assert_true (json_object_get_boolean_member (object, "assertion_audience_issuer"));
  cli_expect (cli, 0, NULL, NULL, NULL, "set", "jwt", "--assertion-aud", "endpoint", NULL);
  cli_expect (cli, 0, NULL, NULL, NULL, "refresh", "jwt", NULL);
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&form, g_hash_table_unref);
  g_clear_pointer (&claims, json_object_unref);
  body = bearer_test_server_dup_last_body (server);
  form = g_uri_parse_params (body, -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
  claims = bearer_test_assertion_verify (g_hash_table_lookup (form, "client_assertion"),
                                         BEARER_SIGNING_ALG_HS256, CLIENT_SECRET, NULL);
  g_assert_false (g_hash_table_contains (form, "client_secret"));

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
  /* RFC 6749's names, and expires_at as RFC 3339 (UTC). */
  {
    g_autoptr(GDateTime) at = g_date_time_new_from_unix_utc (bearer_secrets_get_expires_at (secrets));
    g_autofree char *rfc3339 = g_date_time_format (at, "%Y-%m-%dT%H:%M:%SZ");

    g_assert_cmpstr (json_object_get_string_member (object, "expires_at"), ==, rfc3339);
  }
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

/* Tokens larger than a pipe holds (64 KiB): bearer-cli used to write the
 * header into a pipe before exec, and waited for a reader that never came.
 *
 * The API server here is a plain socket, not a SoupServer: libsoup 3.2's
 * server refuses request headers over 64 KiB. It reads a request's head,
 * looks at curl through /proc while curl waits for the answer, and answers
 * with the length of the Authorization header it got. */

typedef struct {
  GSocketService *service;
  guint port;
  Cli *cli;
  guint requests;
  char *authorization;  /* the value of the last Authorization header */
  char *cmdline;        /* curl's argv, NUL bytes made spaces */
  char *environ;
  char *fd3;            /* where curl's fd 3 points, as /proc shows it */
  char *curl_fds;       /* every fd of curl with its target, one a line */
} EchoServer;

typedef struct {
  EchoServer *echo;
  GSocketConnection *connection;
  GByteArray *request;
  guint8 buffer[64 * 1024];
} EchoConnection;

static void echo_read (EchoConnection *conn);

static void
echo_connection_free (EchoConnection *conn)
{
  g_io_stream_close (G_IO_STREAM (conn->connection), NULL, NULL);
  g_object_unref (conn->connection);
  g_byte_array_unref (conn->request);
  g_free (conn);
}

static char *
read_proc_file (int         pid,
                const char *name,
                char        nul_to)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/%s", pid, name);
  char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return NULL;
  for (gsize i = 0; i < length; i++)
    if (contents[i] == '\0')
      contents[i] = nul_to;
  return contents;
}

static char *
describe_fds (int pid)
{
  g_autofree char *fd_dir = g_strdup_printf ("/proc/%d/fd", pid);
  GString *fds = g_string_new (NULL);
  GDir *dir;
  const char *name;

  if ((dir = g_dir_open (fd_dir, 0, NULL)) != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *link = g_build_filename (fd_dir, name, NULL);
          g_autofree char *target = g_file_read_link (link, NULL);

          g_string_append_printf (fds, "%s -> %s\n", name, target != NULL ? target : "?");
        }
      g_dir_close (dir);
    }
  return g_string_free (fds, FALSE);
}

static void
echo_answer (EchoConnection *conn,
             gsize           head_length)
{
  EchoServer *echo = conn->echo;
  int pid = (int) echo->cli->last_pid;
  g_autofree char *head = g_strndup ((const char *) conn->request->data, head_length);
  g_autofree char *fd3 = g_strdup_printf ("/proc/%d/fd/3", pid);
  g_autofree char *body = NULL;
  g_autofree char *reply = NULL;
  g_auto(GStrv) lines = g_strsplit (head, "\r\n", -1);

  echo->requests++;
  g_clear_pointer (&echo->authorization, g_free);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_ascii_strncasecmp (lines[i], "Authorization:", strlen ("Authorization:")) == 0)
      echo->authorization = g_strdup (g_strstrip (lines[i] + strlen ("Authorization:")));

  /* bearer-cli has become curl (exec), which waits for this answer. */
  g_free (echo->cmdline);
  echo->cmdline = read_proc_file (pid, "cmdline", ' ');
  g_free (echo->environ);
  echo->environ = read_proc_file (pid, "environ", '\n');
  g_free (echo->fd3);
  echo->fd3 = g_file_read_link (fd3, NULL);
  g_free (echo->curl_fds);
  echo->curl_fds = describe_fds (pid);

  body = g_strdup_printf ("%" G_GSIZE_FORMAT "\n",
                          echo->authorization != NULL ? strlen (echo->authorization) : 0);
  reply = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %"
                           G_GSIZE_FORMAT "\r\nConnection: close\r\n\r\n%s", strlen (body), body);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn->connection)),
                             reply, strlen (reply), NULL, NULL, NULL);
  echo_connection_free (conn);
}

static void
echo_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  EchoConnection *conn = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  const guint8 *end;

  if (n <= 0)
    {
      echo_connection_free (conn);
      return;
    }
  g_byte_array_append (conn->request, conn->buffer, (guint) n);
  /* A GET: the request ends with its head. */
  end = memmem (conn->request->data, conn->request->len, "\r\n\r\n", 4);
  if (end == NULL)
    echo_read (conn);
  else
    echo_answer (conn, (gsize) (end - conn->request->data));
}

static void
echo_read (EchoConnection *conn)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (conn->connection)),
                             conn->buffer, sizeof conn->buffer, G_PRIORITY_DEFAULT, NULL,
                             echo_read_cb, conn);
}

static gboolean
echo_incoming_cb (GSocketService    *service,
                  GSocketConnection *connection,
                  GObject           *source,
                  gpointer           user_data)
{
  EchoConnection *conn = g_new0 (EchoConnection, 1);

  conn->echo = user_data;
  conn->connection = g_object_ref (connection);
  conn->request = g_byte_array_new ();
  echo_read (conn);
  return TRUE;
}

static void
echo_server_start (EchoServer *echo,
                   Cli        *cli)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  echo->cli = cli;
  echo->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (echo->service), address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
  g_assert_no_error (error);
  echo->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_signal_connect (echo->service, "incoming", G_CALLBACK (echo_incoming_cb), echo);
  g_socket_service_start (echo->service);
}

static void
echo_server_clear (EchoServer *echo)
{
  g_socket_service_stop (echo->service);
  g_socket_listener_close (G_SOCKET_LISTENER (echo->service));
  g_clear_object (&echo->service);
  g_clear_pointer (&echo->authorization, g_free);
  g_clear_pointer (&echo->cmdline, g_free);
  g_clear_pointer (&echo->environ, g_free);
  g_clear_pointer (&echo->fd3, g_free);
  g_clear_pointer (&echo->curl_fds, g_free);
}

static void
check_curl_large_token (gsize    length,
                        gboolean deny_memfd)
{
  g_autoptr(BearerTestServer) server = bearer_test_server_new (BEARER_TEST_SERVER_SCRIPTED);
  g_autoptr(Cli) cli = NULL;
  g_autofree char *curl = g_find_program_in_path ("curl");
  g_autofree char *token = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *url = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *id = NULL;
  EchoServer echo = { NULL };
  const char *first;
  gint64 started;

  if (!require_keyring ())
    return;
  g_assert_nonnull (curl);      /* tools/install-deps installs it */

  /* A token of exactly @length bytes, in a reply the client accepts. */
  token = bearer_test_random_hex ((guint) (length + 1) / 2);
  token[length] = '\0';
  reply = g_strdup_printf ("{\"access_token\":\"%s\",\"token_type\":\"Bearer\",\"expires_in\":3600}",
                           token);
  g_assert_cmpuint (strlen (reply), <=, BEARER_CLIENT_MAX_BODY_SIZE);
  bearer_test_server_script (server, 200, "application/json", reply);

  cli = cli_new ();
  cli->timeout = 30;
  cli->deny_memfd = deny_memfd;
  id = add_server_profile (cli, server, "big", "def50200big");
  echo_server_start (&echo, cli);
  url = g_strdup_printf ("http://127.0.0.1:%u/api/users/1", echo.port);

  /* It ends (within cli->timeout), and curl sent the whole header. */
  started = g_get_monotonic_time ();
  cli_expect (cli, 0, NULL, &out, &err, "curl", "big", "--", "-s", "-S", url, NULL);
  g_test_message ("curl with a %" G_GSIZE_FORMAT "-byte token%s: %.2f s", length,
                  deny_memfd ? " (no memfd)" : "",
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpuint (echo.requests, ==, 1);
  g_assert_cmpuint (bearer_test_server_get_request_count (server), ==, 1);
  expected = g_strdup_printf ("%" G_GSIZE_FORMAT "\n", strlen ("Bearer ") + length);
  g_assert_cmpstr (out, ==, expected);
  g_clear_pointer (&expected, g_free);
  expected = g_strconcat ("Bearer ", token, NULL);
  g_assert_nonnull (echo.authorization);
  g_assert_true (g_str_equal (echo.authorization, expected));

  /* Never on the command line nor in the environment … */
  g_assert_nonnull (echo.cmdline);
  g_assert_true (g_str_has_prefix (echo.cmdline, "curl "));
  g_assert_null (strstr (echo.cmdline, token));
  g_assert_nonnull (echo.environ);
  g_assert_null (strstr (echo.environ, token));

  /* … nor in a file: curl read its fd 3, an anonymous memfd (a pipe when
   * there is no memfd), and holds it once. */
  g_test_message ("curl's descriptors:\n%s", echo.curl_fds);
  g_assert_nonnull (echo.fd3);
  if (deny_memfd)
    g_assert_true (g_str_has_prefix (echo.fd3, "pipe:"));
  else
    g_assert_true (g_str_has_prefix (echo.fd3, "/memfd:"));
  first = strstr (echo.curl_fds, echo.fd3);
  g_assert_nonnull (first);
  g_assert_null (strstr (first + 1, echo.fd3));

  echo_server_clear (&echo);
  bearer_test_delete_keyring_items (created_ids);
}

static void
test_curl_large_token (void)
{
  check_curl_large_token (70000, FALSE);
}

/* A megabyte: the client takes replies up to BEARER_CLIENT_MAX_BODY_SIZE
 * (1 MiB), and curl sends requests up to 1 MiB, headers included. */
#define HUGE_TOKEN_LENGTH 1000000

static void
test_curl_huge_token (void)
{
  check_curl_large_token (HUGE_TOKEN_LENGTH, FALSE);
}

static void
test_curl_large_token_no_memfd (void)
{
  check_curl_large_token (70000, TRUE);
  check_curl_large_token (HUGE_TOKEN_LENGTH, TRUE);
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

/* bearer-cli and bearer-cli-full copied into @root/bin: nobody may not
 * reach the build tree (a checkout in a private folder, as under
 * `mktemp -d`). Returns the copied bearer-cli. */
static char *
copy_programs_for_nobody (const char *root)
{
  g_autofree char *source_dir = g_path_get_dirname (g_getenv ("BEARER_CLI"));
  g_autofree char *bin = g_build_filename (root, "bin", NULL);
  const char *names[] = { "bearer-cli", "bearer-cli-full" };

  g_assert_cmpint (g_mkdir (bin, 0755), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *from = g_build_filename (source_dir, names[i], NULL);
      g_autofree char *to = g_build_filename (bin, names[i], NULL);
      g_autofree char *contents = NULL;
      gsize length;

      g_assert_true (g_file_get_contents (from, &contents, &length, NULL));
      g_assert_true (g_file_set_contents_full (to, contents, length, G_FILE_SET_CONTENTS_NONE, 0755, NULL));
    }
  return g_build_filename (bin, "bearer-cli", NULL);
}

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
  if (geteuid () == 0)
    cli->program = copy_programs_for_nobody (root);
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
  g_test_add_func ("/bearer/cli/add/token-url", test_add_token_url);
  g_test_add_func ("/bearer/cli/add-set/ask", test_ask_option);
  g_test_add_func ("/bearer/cli/add/processmaker-url", test_add_processmaker_url);
  g_test_add_func ("/bearer/cli/add/grant-given", test_add_grant_given);
  g_test_add_func ("/bearer/cli/add/preset-parity", test_add_preset_parity);
  g_test_add_func ("/bearer/cli/add/preset-usage", test_add_preset_usage);
  g_test_add_func ("/bearer/cli/stored-url-password", test_stored_url_password);
  g_test_add_func ("/bearer/cli/set-secret", test_set_secret);
  g_test_add_func ("/bearer/cli/client-assertion", test_client_assertion);
  g_test_add_func ("/bearer/cli/snippet", test_snippet);
  g_test_add_func ("/bearer/cli/snippet/no-keyring", test_snippet_no_keyring);
  g_test_add_func ("/bearer/cli/token/formats", test_token_formats);
  g_test_add_func ("/bearer/cli/token/min-valid", test_min_valid);
  g_test_add_func ("/bearer/cli/refresh", test_refresh);
  g_test_add_func ("/bearer/cli/exit/server-error", test_exit_server_error);
  g_test_add_func ("/bearer/cli/exit/invalid-grant", test_exit_invalid_grant);
  g_test_add_func ("/bearer/cli/exit/unknown-profile", test_exit_unknown_profile);
  g_test_add_func ("/bearer/cli/exit/no-keyring", test_exit_no_keyring);
  g_test_add_func ("/bearer/cli/exit/store-failure", test_exit_store_failure);
  g_test_add_func ("/bearer/cli/curl", test_curl);
  g_test_add_func ("/bearer/cli/curl/large-token", test_curl_large_token);
  g_test_add_func ("/bearer/cli/curl/huge-token", test_curl_huge_token);
  g_test_add_func ("/bearer/cli/curl/large-token-no-memfd", test_curl_large_token_no_memfd);
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
