/* test-rotation-stress.c: concurrent bearer-cli refreshes against a rotating server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The refresh transaction (docs/storage.md) promises that two Bearer
 * processes refreshing the same profile at the same time never spend the
 * same refresh token twice: the second one waits for the profile's lock and
 * then uses the first one's token. A server that rotates refresh tokens like
 * oidc-provider (rotateRefreshToken: true) punishes a second use of a spent
 * token by revoking the whole grant, so one slip kills the session.
 *
 * This program runs such a server in process (a SoupServer on 127.0.0.1:0,
 * iterated on the main context while the bearer-cli subprocesses run),
 * starts 2 (50 rounds) and 4 (10 rounds) `bearer-cli refresh` at the same
 * time, and checks that every process succeeds, that the server never saw a
 * spent refresh token, and that the refresh token Bearer keeps is the
 * server's current one.
 *
 * It needs a session bus with an unlocked secret service (tools/test makes
 * one); it skips without one unless BEARER_TEST_SESSION is set. Every
 * bearer-cli runs with XDG directories of this program's own (removed at
 * the end), and the keyring items are removed with `bearer-cli remove`.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "bearer-test-cli.h"
#include "bearer-test-rotating-server.h"

#define CLIENT_ID        "stress-client"

/* ------------------------------------------------------------------------- *
 * The session: a bearer-cli to run and a secret service to talk to
 * ------------------------------------------------------------------------- */

/* ------------------------------------------------------------------------- *
 * The test
 * ------------------------------------------------------------------------- */

/* Problems are collected, not asserted one by one, so that the clean-up
 * (the keyring item, the temporary directories) always runs. */
#define PROBLEM(problems, ...) g_string_append_printf ((problems), "\n  " __VA_ARGS__)

static char *
first_line (const char *text)
{
  return g_strndup (text, strcspn (text, "\n"));
}

static void
run_stress (guint rounds,
            guint parallel)
{
  g_autoptr(GString) problems = g_string_new (NULL);
  g_autofree char *name = g_strdup_printf ("stress-%u", parallel);
  BearerTestRotatingServer *server;
  BearerTestSandbox *sandbox;
  BearerTestProc *proc;
  guint from_server = 0, from_other = 0, failed = 0, rounds_run = 0;
  guint refreshes_before, min_per_round = G_MAXUINT, max_per_round = 0;
  gint64 started;
  gboolean added = FALSE;

  if (!bearer_test_require_session ())
    return;

  sandbox = bearer_test_sandbox_new ("bearer-rotation-stress", FALSE);
  server = bearer_test_rotating_server_new (CLIENT_ID);

  proc = bearer_test_run_cli (sandbox, NULL, "add", name, "--token-url", server->token_url,
                  "--client-id", CLIENT_ID, "--auth", "basic", NULL);
  added = proc->status == 0;
  if (proc->status != 0)
    PROBLEM (problems, "add exited %d: %s", proc->status, proc->err);
  bearer_test_proc_free (proc);

  proc = bearer_test_run_cli (sandbox, server->client_secret, "set-secret", name, "client-secret", NULL);
  if (proc->status != 0)
    PROBLEM (problems, "set-secret client-secret exited %d: %s", proc->status, proc->err);
  bearer_test_proc_free (proc);

  proc = bearer_test_run_cli (sandbox, server->current, "set-secret", name, "refresh-token", NULL);
  if (proc->status != 0)
    PROBLEM (problems, "set-secret refresh-token exited %d: %s", proc->status, proc->err);
  bearer_test_proc_free (proc);

  started = g_get_monotonic_time ();
  for (guint round = 0; round < rounds && problems->len == 0; round++)
    {
      g_autofree BearerTestProc **procs = g_new0 (BearerTestProc *, parallel);
      const char *args[] = { "refresh", name, NULL };
      guint own = 0;

      refreshes_before = server->refreshes;
      /* Started back to back, microseconds apart: they race for the lock. */
      for (guint i = 0; i < parallel; i++)
        procs[i] = bearer_test_proc_start (sandbox, NULL, args);
      bearer_test_procs_wait (procs, parallel);
      rounds_run++;

      for (guint i = 0; i < parallel; i++)
        {
          if (procs[i]->status != 0)
            {
              g_autofree char *line = first_line (procs[i]->err);

              failed++;
              PROBLEM (problems, "round %u, process %u exited %d: %s", round + 1, i + 1,
                       procs[i]->status, line);
            }
          /* The status line says when this process's own request rotated
           * the token; without it, it used another process's result. */
          else if (strstr (procs[i]->out, "the refresh token rotated") != NULL)
            own++;
          else if (strstr (procs[i]->out, "Refreshed") != NULL)
            from_other++;
          else
            PROBLEM (problems, "round %u, process %u: unexpected output “%s”", round + 1, i + 1,
                     procs[i]->out);
          bearer_test_proc_free (procs[i]);
        }

      from_server += own;
      min_per_round = MIN (min_per_round, server->refreshes - refreshes_before);
      max_per_round = MAX (max_per_round, server->refreshes - refreshes_before);
      if (server->refreshes - refreshes_before != own)
        PROBLEM (problems, "round %u: the server refreshed %u times, but %u processes say theirs "
                 "rotated the token", round + 1, server->refreshes - refreshes_before, own);
      if (server->refreshes == refreshes_before)
        PROBLEM (problems, "round %u: forced refreshes, and none reached the server", round + 1);
      if (server->invalid_grants != 0)
        PROBLEM (problems, "round %u: the server saw a spent refresh token (%u invalid_grant); "
                 "the grant is revoked", round + 1, server->invalid_grants);
    }

  g_test_message ("%u processes at once, %u of %u rounds run (%.1f s): %u processes, %u refreshes "
                  "performed by the server (%u to %u a round), %u processes used another "
                  "process's result, %u failed, %u invalid_grant, %u other server errors",
                  parallel, rounds_run, rounds, (g_get_monotonic_time () - started) / 1e6,
                  rounds_run * parallel, server->refreshes, min_per_round == G_MAXUINT ? 0 : min_per_round,
                  max_per_round, from_other, failed, server->invalid_grants, server->other_errors);

  /* Bearer kept the newest token: `token --json` hands out the last
   * access token the server issued, without asking again ... */
  if (problems->len == 0)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *object;

      refreshes_before = server->refreshes;
      proc = bearer_test_run_cli (sandbox, NULL, "token", name, "--json", NULL);
      if (proc->status != 0)
        PROBLEM (problems, "token --json exited %d: %s", proc->status, proc->err);
      else if (!json_parser_load_from_data (parser, proc->out, -1, NULL) ||
               !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        PROBLEM (problems, "token --json printed no JSON object");
      else
        {
          object = json_node_get_object (json_parser_get_root (parser));
          if (g_strcmp0 (json_object_get_string_member_with_default (object, "access_token", NULL),
                         server->last_access_token) != 0)
            PROBLEM (problems, "token --json does not hand out the last access token the server "
                     "issued");
          if (json_object_get_boolean_member_with_default (object, "refreshed", TRUE) ||
              server->refreshes != refreshes_before)
            PROBLEM (problems, "token --json refreshed although the stored token is valid for an hour");
        }
      bearer_test_proc_free (proc);

      /* ... and the refresh token it stored is the server's current one:
       * one more forced refresh works and spends nothing twice. */
      refreshes_before = server->refreshes;
      proc = bearer_test_run_cli (sandbox, NULL, "refresh", name, NULL);
      if (proc->status != 0 || server->refreshes != refreshes_before + 1 ||
          server->invalid_grants != 0)
        PROBLEM (problems, "the final forced refresh: exit %d, %u server refreshes, %u invalid_grant: %s",
                 proc->status, server->refreshes - refreshes_before, server->invalid_grants,
                 proc->err);
      bearer_test_proc_free (proc);
    }

  if (added)
    {
      proc = bearer_test_run_cli (sandbox, NULL, "remove", name, NULL);
      if (proc->status != 0)
        PROBLEM (problems, "remove exited %d: %s", proc->status, proc->err);
      bearer_test_proc_free (proc);
    }

  bearer_test_rotating_server_free (server);
  bearer_test_sandbox_free (sandbox);

  if (problems->len > 0)
    {
      g_autofree char *summary = g_strdup_printf ("%u processes at once: the refresh transaction "
                                                  "failed under concurrency", parallel);
      bearer_test_fail_with_details (summary, problems->str);
    }
}

static void
test_two_at_once (void)
{
  run_stress (50, 2);
}

static void
test_four_at_once (void)
{
  run_stress (10, 4);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();

  /* A failure in one case must not hide the other's counts. */
  for (int i = 0; i < argc; i++)
    g_ptr_array_add (args, argv[i]);
  g_ptr_array_add (args, (gpointer) "--keep-going");
  g_ptr_array_add (args, NULL);
  argc = args->len - 1;
  argv = (char **) args->pdata;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rotation-stress/two-at-once", test_two_at_once);
  g_test_add_func ("/rotation-stress/four-at-once", test_four_at_once);

  return g_test_run ();
}
