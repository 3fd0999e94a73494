/* bearer-test-cli.c: running bearer-cli in a sandbox of its own, for tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "bearer-test-cli.h"

static const char *bearer_cli;   /* set by bearer_test_require_session() */

static char *
secret_service_problem (void)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GVariant) activatable = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree const char **names = NULL;
  gboolean has_owner = FALSE;

  bus = g_dbus_connection_new_for_address_sync (g_getenv ("DBUS_SESSION_BUS_ADDRESS"),
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, &error);
  if (bus == NULL)
    return g_strdup_printf ("cannot connect to the session bus: %s", error->message);

  owned = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", "org.freedesktop.secrets"),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, 5000,
                                       NULL, &error);
  if (owned != NULL)
    g_variant_get (owned, "(b)", &has_owner);
  if (!has_owner)
    {
      activatable = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus",
                                                 "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                                 "ListActivatableNames", NULL,
                                                 G_VARIANT_TYPE ("(as)"), G_DBUS_CALL_FLAGS_NONE,
                                                 5000, NULL, NULL);
      if (activatable != NULL)
        {
          g_variant_get (activatable, "(^a&s)", &names);
          has_owner = g_strv_contains (names, "org.freedesktop.secrets");
        }
    }
  g_dbus_connection_close_sync (bus, NULL, NULL);

  if (!has_owner)
    return g_strdup ("no secret service (org.freedesktop.secrets) on the session bus");
  return NULL;
}

/* TAP: the summary goes on the "not ok" line, which must stay one line;
 * every detail on a "# " line of its own. */
void
bearer_test_fail_with_details (const char *summary,
                               const char *details)
{
  g_auto(GStrv) lines = g_strsplit (details, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (*g_strstrip (lines[i]) != '\0')
      g_test_message ("  %s", lines[i]);
  g_test_fail_printf ("%s", summary);
}

/* TRUE when the test can run. Otherwise it is skipped, or failed when
 * BEARER_TEST_SESSION says the session was made for it. */
gboolean
bearer_test_require_session (void)
{
  g_autofree char *why = NULL;

  bearer_cli = g_getenv ("BEARER_CLI");
  if (bearer_cli == NULL || !g_file_test (bearer_cli, G_FILE_TEST_IS_EXECUTABLE))
    why = g_strdup ("BEARER_CLI does not name the built bearer-cli");
  else if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      /* The bus may be found through XDG_RUNTIME_DIR, which the
       * subprocesses get a private one of: name it explicitly. Never let
       * GDBus autolaunch a bus of its own. */
      g_autofree char *bus = g_build_filename (g_get_user_runtime_dir (), "bus", NULL);

      if (g_file_test (bus, G_FILE_TEST_EXISTS))
        {
          g_autofree char *address = g_strconcat ("unix:path=", bus, NULL);
          g_setenv ("DBUS_SESSION_BUS_ADDRESS", address, TRUE);
        }
      else
        why = g_strdup ("no D-Bus session bus");
    }
  if (why == NULL)
    why = secret_service_problem ();

  if (why == NULL)
    return TRUE;

  if (g_getenv ("BEARER_TEST_SESSION") != NULL)
    g_test_fail_printf ("BEARER_TEST_SESSION is set but %s", why);
  else
    g_test_skip_printf ("%s: run it through tools/test, which makes a private session "
                        "with an unlocked keyring", why);
  return FALSE;
}

/* ------------------------------------------------------------------------- *
 * A sandbox: XDG directories of our own for every bearer-cli
 * ------------------------------------------------------------------------- */


void
bearer_test_remove_tree (const char *path)
{
  GDir *dir;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      if ((dir = g_dir_open (path, 0, NULL)) != NULL)
        {
          while ((name = g_dir_read_name (dir)) != NULL)
            {
              g_autofree char *child = g_build_filename (path, name, NULL);
              bearer_test_remove_tree (child);
            }
          g_dir_close (dir);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

BearerTestSandbox *
bearer_test_sandbox_new (const char *prefix,
                         gboolean    debug_logs)
{
  BearerTestSandbox *sandbox = g_new0 (BearerTestSandbox, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *template = g_strconcat (prefix, "-XXXXXX", NULL);
  const char *dirs[][2] = {
    { "XDG_CONFIG_HOME", "config" },
    { "XDG_DATA_HOME", "data" },
    { "XDG_CACHE_HOME", "cache" },
    { "XDG_RUNTIME_DIR", "runtime" },
  };

  sandbox->root = g_dir_make_tmp (template, &error);
  g_assert_no_error (error);
  sandbox->envp = g_get_environ ();
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = g_build_filename (sandbox->root, dirs[i][1], NULL);

      g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
      sandbox->envp = g_environ_setenv (sandbox->envp, dirs[i][0], path, TRUE);
    }
  sandbox->out = g_build_filename (sandbox->root, "out", NULL);
  g_assert_cmpint (g_mkdir (sandbox->out, 0700), ==, 0);
  /* Every debug message of every domain, when asked: the log must then hold
   * no secret. Otherwise none, whatever the caller's environment says. */
  if (debug_logs)
    sandbox->envp = g_environ_setenv (sandbox->envp, "G_MESSAGES_DEBUG", "all", TRUE);
  else
    sandbox->envp = g_environ_unsetenv (sandbox->envp, "G_MESSAGES_DEBUG");
  return sandbox;
}

void
bearer_test_sandbox_free (BearerTestSandbox *sandbox)
{
  bearer_test_remove_tree (sandbox->root);
  g_free (sandbox->root);
  g_free (sandbox->out);
  g_strfreev (sandbox->envp);
  g_free (sandbox);
}

/* ------------------------------------------------------------------------- *
 * bearer-cli subprocesses, run while the main context (and so the server)
 * is iterated
 * ------------------------------------------------------------------------- */


void
bearer_test_proc_free (BearerTestProc *proc)
{
  g_clear_object (&proc->process);
  g_strfreev (proc->argv);
  g_clear_pointer (&proc->cmdline, g_bytes_unref);
  g_free (proc->out_path);
  g_free (proc->err_path);
  g_free (proc->out);
  g_free (proc->err);
  g_free (proc);
}

static void
proc_waited_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  BearerTestProc *proc = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  proc->done = TRUE;
}

/* Starts `bearer-cli ARGV…`, with STDIN_TEXT (if any) on its standard input. */
BearerTestProc *
bearer_test_proc_start (BearerTestSandbox  *sandbox,
                        const char         *stdin_text,
                        const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  BearerTestProc *proc = g_new0 (BearerTestProc, 1);
  guint n = sandbox->serial++;

  g_ptr_array_add (argv, (gpointer) bearer_cli);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  proc->out_path = g_strdup_printf ("%s/%u.out", sandbox->out, n);
  proc->err_path = g_strdup_printf ("%s/%u.err", sandbox->out, n);

  launcher = g_subprocess_launcher_new (stdin_text != NULL ? G_SUBPROCESS_FLAGS_STDIN_PIPE
                                                           : G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_environ (launcher, sandbox->envp);
  g_subprocess_launcher_set_stdout_file_path (launcher, proc->out_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, proc->err_path);
  proc->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                &error);
  g_assert_no_error (error);
  proc->argv = g_strdupv ((char **) argv->pdata);

  /* What every user of the machine can read: the process's argv. The
   * spawn returns after the exec, so this is bearer-cli's own (empty if it
   * already ended). */
  {
    g_autofree char *path = g_strdup_printf ("/proc/%s/cmdline",
                                             g_subprocess_get_identifier (proc->process));
    char *contents = NULL;
    gsize length = 0;

    if (g_file_get_contents (path, &contents, &length, NULL))
      proc->cmdline = g_bytes_new_take (contents, length);
  }

  if (stdin_text != NULL)
    {
      GOutputStream *input = g_subprocess_get_stdin_pipe (proc->process);

      g_output_stream_write_all (input, stdin_text, strlen (stdin_text), NULL, NULL, &error);
      g_assert_no_error (error);
      g_output_stream_close (input, NULL, &error);
      g_assert_no_error (error);
    }

  g_subprocess_wait_async (proc->process, NULL, proc_waited_cb, proc);
  return proc;
}

static gboolean
flag_timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until every process ended; collects output. */
void
bearer_test_procs_wait (BearerTestProc  **procs,
                        guint   n)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add_seconds (BEARER_TEST_PROC_TIMEOUT, flag_timeout_cb, &timed_out);

  for (;;)
    {
      gboolean all_done = TRUE;

      for (guint i = 0; i < n; i++)
        all_done &= procs[i]->done;
      if (all_done)
        break;
      if (timed_out)
        {
          for (guint i = 0; i < n; i++)
            if (!procs[i]->done)
              g_subprocess_force_exit (procs[i]->process);
          timed_out = FALSE;    /* now wait for them to be reaped */
          g_test_fail_printf ("a bearer-cli did not end within %d s", BEARER_TEST_PROC_TIMEOUT);
        }
      g_main_context_iteration (NULL, TRUE);
    }
  if (!timed_out)
    g_source_remove (timeout_id);

  for (guint i = 0; i < n; i++)
    {
      BearerTestProc *proc = procs[i];

      proc->status = g_subprocess_get_if_exited (proc->process)
                     ? g_subprocess_get_exit_status (proc->process) : -1;
      if (!g_file_get_contents (proc->out_path, &proc->out, NULL, NULL))
        proc->out = g_strdup ("");
      if (!g_file_get_contents (proc->err_path, &proc->err, NULL, NULL))
        proc->err = g_strdup ("");
    }
}

/* Runs one bearer-cli to its end. */
BearerTestProc *
bearer_test_run_cli (BearerTestSandbox    *sandbox,
                     const char *stdin_text,
                     ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *arg;
  va_list ap;
  BearerTestProc *proc;

  va_start (ap, stdin_text);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);

  proc = bearer_test_proc_start (sandbox, stdin_text, (const char * const *) args->pdata);
  bearer_test_procs_wait (&proc, 1);
  return proc;
}

char *
bearer_test_random_hex (guint bytes)
{
  GString *hex = g_string_new (NULL);

  for (guint i = 0; i < bytes; i++)
    g_string_append_printf (hex, "%02x", g_random_int_range (0, 256));
  return g_string_free (hex, FALSE);
}

void
bearer_test_reply_json (SoupServerMessage *msg,
                        guint              status,
                        const char        *json)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                    json, strlen (json));
}
