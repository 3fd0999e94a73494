/* test-leak.c: no secret of a whole bearer-cli session leaks anywhere
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Canary secrets — a client secret `canary-secret-<hex>`, a refresh token
 * `canary-refresh-<hex>`, and every access and refresh token the test
 * server issues (`canary-access-<hex>`, `canary-refresh-<hex>`) — go through
 * a whole session of bearer-cli, each process with G_MESSAGES_DEBUG=all:
 *
 *   add, set-secret client-secret, set-secret refresh-token, set-secret
 *   client-key (a PEM key made by openssl; all on stdin), token, refresh,
 *   list, introspect, revoke, a failing refresh (a hostile server answers
 *   invalid_grant with the refresh token echoed in its error_description),
 *   remove; then a private_key_jwt profile: add, set-secret private-key (a
 *   PEM key made for the test, on stdin), refresh (client credentials with
 *   a signed client assertion, and DPoP on: a key made by bearer-cli and
 *   a proof on the request), remove.
 *
 * The private keys' canaries are the lines of their PEM bodies (the DPoP
 * key's read from the keyring once bearer-cli made it), and every client
 * assertion and DPoP proof the server receives is one too.
 *
 * Then no canary may be found in any file under the session's own
 * XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_CACHE_HOME and XDG_RUNTIME_DIR, in any
 * process's standard error (which holds the debug log), in the standard
 * output of the commands that must not print secrets (all but `token`,
 * which prints the access token by design), or in any argv. So that the
 * test cannot pass on an empty log, the debug log must show the traced
 * exchanges, and `token` must print the canary access token (the canaries
 * are found where they are).
 *
 * It needs a session bus with an unlocked secret service (tools/test makes
 * one); it skips without one unless BEARER_TEST_SESSION is set. Every
 * bearer-cli runs with XDG directories of this program's own (removed at
 * the end), and the keyring item is removed with `bearer-cli remove`.
 */
#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>
#include <libsecret/secret.h>

#include "bearer-secrets.h"
#include "bearer-test-keyring.h"

#include "bearer-test-cli.h"
#include "bearer-test-keys.h"

#define CLIENT_ID        "leak-client"
#define PROFILE_NAME          "leak"
#define JWT_PROFILE_NAME      "leak-jwt"

/* ------------------------------------------------------------------------- *
 * The session: a bearer-cli to run and a secret service to talk to
 * ------------------------------------------------------------------------- */

/* ------------------------------------------------------------------------- *
 * The server: issues canary tokens; hostile when asked to be
 * ------------------------------------------------------------------------- */

typedef struct {
  char *value;
  char *kind;                   /* what it is, to name it without printing it */
} Canary;

typedef struct {
  SoupServer *server;
  char *token_url;
  char *client_secret;
  char *current;                /* the refresh token that works */
  char *last_access_token;
  char *private_key;            /* PEM, for the private_key_jwt profile */
  guint dpop_proofs;
  gboolean hostile;
  guint requests;
  guint lifecycle_requests;     /* revocation and introspection */
  GPtrArray *canaries;          /* of Canary */
} LeakServer;


static void
canary_free (Canary *canary)
{
  g_free (canary->value);
  g_free (canary->kind);
  g_free (canary);
}

static char *
new_canary (LeakServer *self,
            const char *kind)
{
  Canary *canary = g_new0 (Canary, 1);
  g_autofree char *hex = bearer_test_random_hex (16);

  canary->value = g_strdup_printf ("canary-%s-%s", kind, hex);
  canary->kind = g_strdup_printf ("%s #%u", kind, self->canaries->len + 1);
  g_ptr_array_add (self->canaries, canary);
  return g_strdup (canary->value);
}

static void
add_canary (LeakServer *self,
            const char *value,
            const char *kind)
{
  Canary *canary = g_new0 (Canary, 1);

  canary->value = g_strdup (value);
  canary->kind = g_strdup (kind);
  g_ptr_array_add (self->canaries, canary);
}


static void
leak_server_cb (SoupServer        *soup_server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  LeakServer *self = user_data;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GHashTable) form = NULL;
  g_autofree char *text = NULL;
  g_autofree char *json = NULL;
  const char *refresh_token;

  /* Revocation (200) and introspection (active, nothing echoed). */
  if (g_str_has_prefix (path, "/token/"))
    {
      self->lifecycle_requests++;
      if (g_str_equal (path, "/token/revocation"))
        soup_server_message_set_status (msg, 200, NULL);
      else
        bearer_test_reply_json (msg, 200, "{\"active\":true,\"sub\":\"leak-user\"}");
      return;
    }

  self->requests++;
  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  form = soup_form_decode (text);
  refresh_token = g_hash_table_lookup (form, "refresh_token");

  if (g_hash_table_contains (form, "client_assertion"))
    {
      /* A signed assertion is a credential while it lasts: a canary too. */
      add_canary (self, g_hash_table_lookup (form, "client_assertion"), "client assertion");
      if (soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "DPoP") != NULL)
        {
          self->dpop_proofs++;
          add_canary (self, soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                          "DPoP"), "DPoP proof");
        }
      if (g_strcmp0 (g_hash_table_lookup (form, "grant_type"), "client_credentials") != 0)
        {
          bearer_test_reply_json (msg, 400, "{\"error\":\"invalid_request\"}");
          return;
        }
      g_free (self->last_access_token);
      self->last_access_token = new_canary (self, "access");
      json = g_strdup_printf ("{\"access_token\":\"%s\",\"token_type\":\"Bearer\","
                              "\"expires_in\":3600}", self->last_access_token);
      bearer_test_reply_json (msg, 200, json);
      return;
    }

  if (self->hostile)
    {
      /* A hostile (or careless) server quotes the refused token back. */
      json = g_strdup_printf ("{\"error\":\"invalid_grant\",\"error_description\":"
                              "\"The refresh token %s has been revoked\"}",
                              refresh_token != NULL ? refresh_token : "(none)");
      bearer_test_reply_json (msg, 400, json);
      return;
    }

  if (g_strcmp0 (refresh_token, self->current) != 0)
    {
      bearer_test_reply_json (msg, 400, "{\"error\":\"invalid_grant\","
                            "\"error_description\":\"grant request is invalid\"}");
      return;
    }

  g_free (self->current);
  g_free (self->last_access_token);
  self->last_access_token = new_canary (self, "access");
  self->current = new_canary (self, "refresh");
  json = g_strdup_printf ("{\"access_token\":\"%s\",\"token_type\":\"Bearer\","
                          "\"expires_in\":3600,\"refresh_token\":\"%s\","
                          "\"scope\":\"openid offline_access\"}",
                          self->last_access_token, self->current);
  bearer_test_reply_json (msg, 200, json);
}

static LeakServer *
leak_server_new (void)
{
  LeakServer *self = g_new0 (LeakServer, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *credentials = NULL;
  g_autofree char *base64 = NULL;
  GSList *uris;

  self->canaries = g_ptr_array_new_with_free_func ((GDestroyNotify) canary_free);
  self->client_secret = new_canary (self, "secret");
  self->current = new_canary (self, "refresh");
  /* The HTTP Basic credentials as sent (form encoding keeps [A-Za-z0-9-]). */
  credentials = g_strdup_printf ("%s:%s", CLIENT_ID, self->client_secret);
  base64 = g_base64_encode ((const guchar *) credentials, strlen (credentials));
  add_canary (self, base64, "HTTP Basic credentials");

  /* The private key: each line of its PEM body is secret. */
  self->private_key = bearer_test_key_new_pem (BEARER_TEST_KEY_EC_P256);
  {
    g_auto(GStrv) lines = g_strsplit (self->private_key, "\n", -1);

    for (guint i = 0; lines[i] != NULL; i++)
      if (strlen (lines[i]) >= 32 && !g_str_has_prefix (lines[i], "-----"))
        add_canary (self, lines[i], "a line of the private key");
  }

  self->server = soup_server_new ("server-header", "leak-test-server", NULL);
  soup_server_add_handler (self->server, "/token", leak_server_cb, self, NULL);
  soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);

  uris = soup_server_get_uris (self->server);
  g_assert_nonnull (uris);
  self->token_url = g_strdup_printf ("http://127.0.0.1:%d/token", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return self;
}

static void
leak_server_free (LeakServer *self)
{
  soup_server_disconnect (self->server);
  g_object_unref (self->server);
  g_free (self->token_url);
  g_free (self->client_secret);
  g_free (self->current);
  g_free (self->last_access_token);
  g_free (self->private_key);
  g_ptr_array_unref (self->canaries);
  g_free (self);
}

/* The first canary found in DATA, or NULL. */
static const Canary *
find_canary (LeakServer *server,
             const char *data,
             gsize       length)
{
  for (guint i = 0; i < server->canaries->len; i++)
    {
      const Canary *canary = g_ptr_array_index (server->canaries, i);

      if (memmem (data, length, canary->value, strlen (canary->value)) != NULL)
        return canary;
    }
  /* Also a piece of one: the common prefix of every generated canary. */
  if (memmem (data, length, "canary-", strlen ("canary-")) != NULL)
    {
      static const Canary prefix = { (char *) "canary-", (char *) "a piece of a canary" };
      return &prefix;
    }
  return NULL;
}

/* TEXT with every canary masked, so that a report names the leak without
 * repeating it. */
static char *
mask_canaries (LeakServer *server,
               const char *text)
{
  GString *out = g_string_new (text);

  for (guint i = 0; i < server->canaries->len; i++)
    {
      const Canary *canary = g_ptr_array_index (server->canaries, i);
      g_autofree char *mark = g_strdup_printf ("<CANARY %s>", canary->kind);

      g_string_replace (out, canary->value, mark, 0);
    }
  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------------- *
 * The session, run once for all the tests
 * ------------------------------------------------------------------------- */

typedef struct {
  const char *label;
  gboolean stdout_may_hold_token;       /* `token` prints it by design */
  BearerTestProc *proc;
} Step;

typedef struct {
  gboolean ran;
  gboolean available;
  LeakServer *server;
  BearerTestSandbox *sandbox;
  GPtrArray *steps;             /* of Step */
  GString *problems;            /* what went wrong in the session itself */
  guint files_scanned;
  GString *file_leaks;
  char *token_access_token;     /* the access token `token` was to print */
} Session;

static Session session;

static void
step_free (Step *step)
{
  bearer_test_proc_free (step->proc);
  g_free (step);
}

static Step *
run_step (const char *label,
          gboolean    stdout_may_hold_token,
          const char *stdin_text,
          int         expected_status,
          ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  Step *step = g_new0 (Step, 1);
  const char *arg;
  va_list ap;

  va_start (ap, expected_status);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  step->label = label;
  step->stdout_may_hold_token = stdout_may_hold_token;
  step->proc = bearer_test_proc_start (session.sandbox, stdin_text, (const char * const *) args->pdata);
  bearer_test_procs_wait (&step->proc, 1);
  g_ptr_array_add (session.steps, step);

  if (step->proc->status != expected_status)
    {
      g_autofree char *err = mask_canaries (session.server, step->proc->err);
      g_string_append_printf (session.problems, "\n  %s exited %d, not %d: %s", label,
                              step->proc->status, expected_status, err);
    }
  return step;
}

/* Reads every file under DIR; notes each one that holds a canary. */
static void
scan_tree (const char *path,
           const char *when)
{
  GDir *dir;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    return;
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      if ((dir = g_dir_open (path, 0, NULL)) == NULL)
        return;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          scan_tree (child, when);
        }
      g_dir_close (dir);
    }
  else if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *contents = NULL;
      gsize length = 0;
      const Canary *canary;

      if (!g_file_get_contents (path, &contents, &length, NULL))
        return;
      session.files_scanned++;
      if ((canary = find_canary (session.server, contents, length)) != NULL)
        g_string_append_printf (session.file_leaks, "\n  %s: %s holds the %s canary", when, path,
                                canary->kind);
    }
}

static void
scan_xdg_dirs (const char *when)
{
  const char *subdirs[] = { "config", "data", "cache", "runtime" };

  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *path = g_build_filename (session.sandbox->root, subdirs[i], NULL);
      scan_tree (path, when);
    }
}

/* A GLib debug line: "(bearer-cli:PID): Domain-DEBUG: time: message". */
static gboolean
is_debug_line (const char *line)
{
  return strstr (line, "-DEBUG: ") != NULL;
}

/* The lines of TEXT that are debug lines (or the others), joined. */
static char *
lines_of (const char *text,
          gboolean    debug)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0' && is_debug_line (lines[i]) == debug)
      g_string_append_printf (out, "%s\n", lines[i]);
  return g_string_free (out, FALSE);
}

/* The DPoP key bearer-cli made for the private_key_jwt profile, read from
 * the keyring: each line of its PEM body is a canary. */
static void
add_dpop_key_canaries (LeakServer *server)
{
  g_autofree char *path = g_build_filename (session.sandbox->root, "config", "bearer",
                                            "profiles.json", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(JsonParser) bundle = json_parser_new ();
  g_auto(GStrv) lines = NULL;
  JsonArray *profiles;
  const char *id = NULL, *key;
  char *secret;
  guint added = 0;

  if (!g_file_get_contents (path, &contents, NULL, NULL) ||
      !json_parser_load_from_data (parser, contents, -1, NULL))
    {
      g_string_append (session.problems, "\n  profiles.json could not be read to find the DPoP key");
      return;
    }
  profiles = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "profiles");
  for (guint i = 0; profiles != NULL && i < json_array_get_length (profiles); i++)
    {
      JsonObject *profile = json_array_get_object_element (profiles, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (profile, "name", ""), JWT_PROFILE_NAME) == 0)
        id = json_object_get_string_member (profile, "id");
    }
  if (id == NULL)
    {
      g_string_append (session.problems, "\n  the private_key_jwt profile is not in profiles.json");
      return;
    }

  attributes = bearer_test_keyring_attributes (id);
  secret = secret_password_lookupv_sync (bearer_secrets_get_schema (), attributes, NULL, NULL);
  if (secret == NULL || !json_parser_load_from_data (bundle, secret, -1, NULL) ||
      !(key = json_object_get_string_member_with_default (json_node_get_object (json_parser_get_root (bundle)),
                                                          "dpop_key", NULL)))
    {
      g_string_append (session.problems, "\n  the keyring holds no DPoP key for the profile with DPoP on");
      secret_password_free (secret);
      return;
    }
  lines = g_strsplit (key, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (strlen (lines[i]) >= 32 && !g_str_has_prefix (lines[i], "-----"))
      {
        add_canary (server, lines[i], "a line of the DPoP key");
        added++;
      }
  secret_password_free (secret);
  if (added == 0 || server->dpop_proofs == 0)
    g_string_append (session.problems, "\n  no DPoP key line or no DPoP proof to look for: the "
                                       "canary check itself is broken");
}

static gboolean
ensure_session (void)
{
  LeakServer *server;
  Step *step;
  gboolean removed;
  g_autofree char *revoke_url = NULL;
  g_autofree char *introspect_url = NULL;

  if (session.ran)
    {
      if (!session.available)
        g_test_skip ("no session (see /leak/session)");
      return session.available;
    }
  session.ran = TRUE;
  if (!(session.available = bearer_test_require_session ()))
    return FALSE;

  session.server = server = leak_server_new ();
  session.sandbox = bearer_test_sandbox_new ("bearer-leak", TRUE);
  session.steps = g_ptr_array_new_with_free_func ((GDestroyNotify) step_free);
  session.problems = g_string_new (NULL);
  session.file_leaks = g_string_new (NULL);

  revoke_url = g_strconcat (server->token_url, "/revocation", NULL);
  introspect_url = g_strconcat (server->token_url, "/introspection", NULL);
  run_step ("add", FALSE, NULL, 0, "add", PROFILE_NAME, "--token-url", server->token_url,
            "--client-id", CLIENT_ID, "--auth", "basic", "--revoke-url", revoke_url,
            "--introspect-url", introspect_url, NULL);
  run_step ("set-secret client-secret", FALSE, server->client_secret, 0,
            "set-secret", PROFILE_NAME, "client-secret", NULL);
  run_step ("set-secret refresh-token", FALSE, server->current, 0,
            "set-secret", PROFILE_NAME, "refresh-token", NULL);
  /* The private key of a client certificate (RFC 8705), made in memory by
   * openssl; a line of its base64 is the canary. */
  {
    const char *argv[] = { "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                           "ec_paramgen_curve:P-256", NULL };
    g_autofree char *key = NULL;
    g_autoptr(GError) error = NULL;
    char *line;
    int status;

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                  NULL, NULL, &key, NULL, &status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    line = g_strndup (strchr (key, '\n') + 1, 60);
    add_canary (server, line, "client key");
    g_free (line);
    run_step ("set-secret client-key", FALSE, key, 0,
              "set-secret", PROFILE_NAME, "client-key", NULL);
  }

  step = run_step ("token", TRUE, NULL, 0, "token", PROFILE_NAME, NULL);
  session.token_access_token = g_strdup (server->last_access_token);
  /* Not vacuous: the canaries are found where they are meant to be. */
  {
    g_autofree char *printed = lines_of (step->proc->out, FALSE);

    if (server->last_access_token == NULL || step->proc->status != 0 ||
        strstr (printed, server->last_access_token) == NULL ||
        find_canary (server, printed, strlen (printed)) == NULL)
      g_string_append (session.problems, "\n  token did not print the canary access token the "
                                         "server issued: the canary check itself is broken");
  }

  run_step ("refresh", FALSE, NULL, 0, "refresh", PROFILE_NAME, NULL);
  run_step ("list", FALSE, NULL, 0, "list", NULL);
  scan_xdg_dirs ("after list");

  server->hostile = TRUE;
  step = run_step ("failing refresh", FALSE, NULL, 4, "refresh", PROFILE_NAME, NULL);
  server->hostile = FALSE;
  /* The server's words, echoed token and all, reached the message: its
   * redaction is really put to the test. */
  {
    g_autofree char *messages = lines_of (step->proc->err, FALSE);

    if (strstr (messages, "invalid_grant") == NULL || strstr (messages, "has been revoked") == NULL)
      g_string_append (session.problems, "\n  the failing refresh did not report the server's "
                                         "invalid_grant and its description on standard error");
  }

  run_step ("introspect", FALSE, NULL, 0, "introspect", PROFILE_NAME, NULL);
  run_step ("revoke", FALSE, NULL, 0, "revoke", PROFILE_NAME, NULL);
  if (server->lifecycle_requests != 3)
    g_string_append_printf (session.problems, "\n  the server got %u revocation and introspection "
                            "requests, not 3", server->lifecycle_requests);

  step = run_step ("remove", FALSE, NULL, 0, "remove", PROFILE_NAME, NULL);
  removed = step->proc->status == 0;
  scan_xdg_dirs ("after remove");

  run_step ("add private-key-jwt", FALSE, NULL, 0, "add", JWT_PROFILE_NAME, "--token-url",
            server->token_url, "--client-id", CLIENT_ID, "--grant", "client_credentials",
            "--auth", "private-key-jwt", "--key-id", "leak-key", "--dpop", NULL);
  run_step ("set-secret private-key", FALSE, server->private_key, 0,
            "set-secret", JWT_PROFILE_NAME, "private-key", NULL);
  run_step ("refresh private-key-jwt", FALSE, NULL, 0, "refresh", JWT_PROFILE_NAME, NULL);
  add_dpop_key_canaries (server);
  scan_xdg_dirs ("after refresh private-key-jwt");
  step = run_step ("remove private-key-jwt", FALSE, NULL, 0, "remove", JWT_PROFILE_NAME, NULL);
  removed = removed && step->proc->status == 0;
  scan_xdg_dirs ("after remove private-key-jwt");

  if (server->requests != 4)
    g_string_append_printf (session.problems, "\n  the server got %u requests, not 4 (token, "
                            "refresh, failing refresh, private_key_jwt refresh)", server->requests);

  /* Everything the tests look at is in memory now: clean up at once, so
   * that nothing stays behind even when a failed test aborts the program. */
  if (!removed)
    {
      bearer_test_proc_free (bearer_test_run_cli (session.sandbox, NULL, "remove", PROFILE_NAME, NULL));
      bearer_test_proc_free (bearer_test_run_cli (session.sandbox, NULL, "remove", JWT_PROFILE_NAME, NULL));
    }
  g_clear_pointer (&session.sandbox, bearer_test_sandbox_free);
  return TRUE;
}

static void
session_clear (void)
{
  g_clear_pointer (&session.sandbox, bearer_test_sandbox_free);
  g_clear_pointer (&session.steps, g_ptr_array_unref);
  g_clear_pointer (&session.server, leak_server_free);
  g_clear_pointer (&session.token_access_token, g_free);
  if (session.problems != NULL)
    g_string_free (session.problems, TRUE);
  if (session.file_leaks != NULL)
    g_string_free (session.file_leaks, TRUE);
}

/* ------------------------------------------------------------------------- *
 * The tests
 * ------------------------------------------------------------------------- */

static Step *
find_step (const char *label)
{
  for (guint i = 0; i < session.steps->len; i++)
    {
      Step *step = g_ptr_array_index (session.steps, i);

      if (g_str_equal (step->label, label))
        return step;
    }
  g_assert_not_reached ();
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p != '\0'; p++)
    n += *p == '\n';
  return n;
}

static void
test_session (void)
{
  if (!ensure_session ())
    return;
  g_test_message ("%u bearer-cli processes, %u canaries, %u requests at the server",
                  session.steps->len, session.server->canaries->len, session.server->requests);
  if (session.problems->len > 0)
    bearer_test_fail_with_details ("the session did not go as planned", session.problems->str);
}

static void
test_argv (void)
{
  g_autoptr(GString) leaks = g_string_new (NULL);
  guint cmdlines = 0;

  if (!ensure_session ())
    return;

  for (guint i = 0; i < session.steps->len; i++)
    {
      Step *step = g_ptr_array_index (session.steps, i);
      const Canary *canary;

      for (guint a = 0; step->proc->argv[a] != NULL; a++)
        if ((canary = find_canary (session.server, step->proc->argv[a],
                                   strlen (step->proc->argv[a]))) != NULL)
          g_string_append_printf (leaks, "\n  %s: argv[%u] holds the %s canary", step->label, a,
                                  canary->kind);

      if (step->proc->cmdline != NULL && g_bytes_get_size (step->proc->cmdline) > 0)
        {
          cmdlines++;
          if ((canary = find_canary (session.server, g_bytes_get_data (step->proc->cmdline, NULL),
                                     g_bytes_get_size (step->proc->cmdline))) != NULL)
            g_string_append_printf (leaks, "\n  %s: /proc/PID/cmdline holds the %s canary",
                                    step->label, canary->kind);
        }
    }

  g_test_message ("%u argv checked, %u /proc/PID/cmdline read while the process ran",
                  session.steps->len, cmdlines);
  if (leaks->len > 0)
    bearer_test_fail_with_details ("secrets in a command line", leaks->str);
}

static void
test_files (void)
{
  if (!ensure_session ())
    return;

  g_test_message ("%u files read under the XDG directories (after list, and after remove)",
                  session.files_scanned);
  if (session.files_scanned == 0)
    g_test_fail_printf ("no file at all under the XDG directories: profiles.json was not written "
                        "where the test looks");
  if (session.file_leaks->len > 0)
    bearer_test_fail_with_details ("secrets in files", session.file_leaks->str);
}

/* Every line of STREAM (standard output or error) of every step that is a
 * debug line (or not, or any), except where SKIP says, must hold no canary. */
typedef enum { ANY_LINE, DEBUG_LINES, OTHER_LINES } Lines;

static void
check_stream (gboolean     use_stdout,
              Lines        which,
              gboolean     skip_token_stdout,
              const char  *what)
{
  g_autoptr(GString) leaks = g_string_new (NULL);
  guint lines = 0;

  for (guint i = 0; i < session.steps->len; i++)
    {
      Step *step = g_ptr_array_index (session.steps, i);
      g_auto(GStrv) split = NULL;

      if (use_stdout && skip_token_stdout && step->stdout_may_hold_token)
        continue;
      split = g_strsplit (use_stdout ? step->proc->out : step->proc->err, "\n", -1);
      for (guint l = 0; split[l] != NULL; l++)
        {
          const Canary *canary;

          if (*split[l] == '\0' ||
              (which == DEBUG_LINES && !is_debug_line (split[l])) ||
              (which == OTHER_LINES && is_debug_line (split[l])))
            continue;
          lines++;
          if ((canary = find_canary (session.server, split[l], strlen (split[l]))) != NULL)
            {
              g_autofree char *shown = mask_canaries (session.server, split[l]);
              g_string_append_printf (leaks, "\n  %s, %s: the %s canary in: %s", step->label,
                                      use_stdout ? "stdout" : "stderr", canary->kind, shown);
            }
        }
    }

  g_test_message ("%s: %u lines checked", what, lines);
  if (leaks->len > 0)
    {
      g_autofree char *summary = g_strdup_printf ("secrets in %s", what);
      bearer_test_fail_with_details (summary, leaks->str);
    }
}

static void
test_stdout (void)
{
  if (!ensure_session ())
    return;
  /* add, set-secret ×3, refresh, list, introspect, revoke, the failing refresh, remove */
  check_stream (TRUE, ANY_LINE, TRUE, "the standard output of every command but token");
}

static void
test_debug_log_traced (void)
{
  g_autoptr(GString) missing = g_string_new (NULL);
  g_autofree char *post = NULL;
  const char *labels[] = { "token", "refresh", "failing refresh" };

  if (!ensure_session ())
    return;

  post = g_strdup_printf ("POST %s ", session.server->token_url);
  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    {
      BearerTestProc *proc = find_step (labels[i])->proc;
      g_autofree char *log = g_strconcat (proc->err, proc->out, NULL);
      g_autofree char *debug = lines_of (log, TRUE);
      const char *needles[] = {
        "Bearer-DEBUG", post, "request body: grant_type=refresh_token&refresh_token=",
        g_str_equal (labels[i], "failing refresh") ? "reply: HTTP 400" : "reply: HTTP 200",
      };

      for (guint n = 0; n < G_N_ELEMENTS (needles); n++)
        if (strstr (debug, needles[n]) == NULL)
          g_string_append_printf (missing, "\n  %s: no “%s” in the debug log", labels[i],
                                  needles[n]);
    }

  /* The revocation's exchanges are traced too: their redaction is tested. */
  {
    BearerTestProc *proc = find_step ("revoke")->proc;
    g_autofree char *log = g_strconcat (proc->err, proc->out, NULL);
    g_autofree char *debug = lines_of (log, TRUE);

    if (strstr (debug, "request body: token=") == NULL || strstr (debug, "token_type_hint=access_token") == NULL)
      g_string_append (missing, "\n  revoke: no “request body: token=…” for both tokens in the debug log");
  }

  if (missing->len > 0)
    bearer_test_fail_with_details ("the debug log does not trace the exchanges, so its redaction proves "
                       "nothing", missing->str);
}

static void
test_debug_log_no_secrets (void)
{
  if (!ensure_session ())
    return;
  /* Wherever the debug lines went (see /leak/debug-log/on-stderr). */
  check_stream (FALSE, DEBUG_LINES, FALSE, "the debug log on standard error");
  check_stream (TRUE, DEBUG_LINES, FALSE, "the debug log on standard output");
}

static void
test_stderr_messages_no_secrets (void)
{
  if (!ensure_session ())
    return;
  check_stream (FALSE, OTHER_LINES, FALSE, "the messages on standard error");
}

/* A command's standard output is its product (`curl -H "$(bearer-cli token
 * NAME --header)"`): the debug log belongs on standard error. */
static void
test_debug_log_on_stderr (void)
{
  g_autoptr(GString) wrong = g_string_new (NULL);
  BearerTestProc *token;

  if (!ensure_session ())
    return;

  for (guint i = 0; i < session.steps->len; i++)
    {
      Step *step = g_ptr_array_index (session.steps, i);
      g_autofree char *debug = lines_of (step->proc->out, TRUE);

      if (*debug != '\0')
        {
          g_autofree char *first = g_strndup (debug, strcspn (debug, "\n"));
          g_autofree char *shown = mask_canaries (session.server, first);
          g_string_append_printf (wrong, "\n  %s: %u debug lines on standard output, the first: %.200s",
                                  step->label, count_lines (debug), shown);
        }
    }

  token = find_step ("token")->proc;
  if (token->status == 0 && session.token_access_token != NULL)
    {
      g_autofree char *expected = g_strconcat (session.token_access_token, "\n", NULL);

      if (!g_str_equal (token->out, expected))
        g_string_append (wrong, "\n  token: standard output is not exactly the access token and "
                                "a line break");
    }

  if (wrong->len > 0)
    bearer_test_fail_with_details ("with G_MESSAGES_DEBUG set, debug messages go to standard output "
                       "(they belong on standard error)", wrong->str);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  int status;

  /* Report every check even when one fails (the session ran only once). */
  for (int i = 0; i < argc; i++)
    g_ptr_array_add (args, argv[i]);
  g_ptr_array_add (args, (gpointer) "--keep-going");
  g_ptr_array_add (args, NULL);
  argc = args->len - 1;
  argv = (char **) args->pdata;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/leak/session", test_session);
  g_test_add_func ("/leak/argv", test_argv);
  g_test_add_func ("/leak/files", test_files);
  g_test_add_func ("/leak/stdout", test_stdout);
  g_test_add_func ("/leak/debug-log/traced", test_debug_log_traced);
  g_test_add_func ("/leak/debug-log/no-secrets", test_debug_log_no_secrets);
  g_test_add_func ("/leak/debug-log/on-stderr", test_debug_log_on_stderr);
  g_test_add_func ("/leak/stderr-messages/no-secrets", test_stderr_messages_no_secrets);

  status = g_test_run ();
  session_clear ();
  return status;
}
