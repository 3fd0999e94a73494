/* bearer-cli-agent.c: asking the token agent first
 *
 * bearer-cli asks bearer-agent (D-Bus activated on the session bus) before
 * doing the work itself: the agent keeps the profiles, the tokens and
 * libsecret's session in memory, so a token still valid is one local round
 * trip. The work is done here instead when
 *
 *  - BEARER_NO_AGENT=1 is set (the benchmark compares both paths);
 *  - there is no session bus (never autolaunched: only
 *    DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus), or no agent can be
 *    started on it, or it is an older agent without the method;
 *  - the agent serves another configuration or runtime directory than
 *    this process's (OtherSession), e.g. a test's own;
 *  - the agent went away before answering (it finishes or loses nothing a
 *    direct refresh could not: the refresh transaction's lock decides).
 *
 * Errors of the work itself come back with their D-Bus error name, from
 * which the caller rebuilds the very GError the refresh transaction
 * reported (bearer-agent-protocol.c), so the messages and exit codes are
 * the same either way. GIO only: bearer-cli's front links it without core. Ctrl+C, SIGTERM or SIGHUP while
 * waiting for the agent stop the waiting only: the agent finishes a
 * refresh that reached the server and stores its tokens.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>

#include <glib-unix.h>

#include "bearer-agent-protocol.h"
#include "bearer-cli-output.h"

typedef struct {
  GMainLoop *loop;
  GCancellable *cancellable;
  GAsyncResult *result;
  int signum;
} AgentWait;

typedef struct {
  AgentWait *wait;
  int signum;
} SignalSource;

static gboolean
signal_cb (gpointer user_data)
{
  SignalSource *source = user_data;

  if (source->wait->signum == 0)
    source->wait->signum = source->signum;
  g_cancellable_cancel (source->wait->cancellable);
  return G_SOURCE_CONTINUE;
}

static void
called_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AgentWait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

/* Whether a session bus can be reached without starting one. */
static gboolean
have_session_bus (void)
{
  g_autofree char *path = NULL;

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL)
    return TRUE;
  path = g_build_filename (g_get_user_runtime_dir (), "bus", NULL);
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* D-Bus errors after which the work is done here. */
static gboolean
agent_unavailable (const GError *error)
{
  g_autofree char *name = NULL;

  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_DISCONNECTED) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_EXEC_FAILED) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_CHILD_EXITED) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_FAILED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
    return TRUE;
  name = g_dbus_error_get_remote_error (error);
  /* Anything the agent did not mean as an answer (AccessDenied from a
   * bus policy, a timeout…): do it here. */
  return name == NULL || !g_str_has_prefix (name, BEARER_AGENT_ERROR_PREFIX) ||
         g_str_equal (name, BEARER_AGENT_ERROR_OTHER_SESSION);
}

/**
 * bearer_cli_agent_call_raw:
 * @method: a method of the Agent1 interface
 * @args: (transfer floating): its arguments but the last (the options),
 *   as a tuple
 * @reply_type: (nullable): the reply's type
 * @reply: (out): the reply, when answered without error
 * @error_name: (out): the agent's D-Bus error name, when it answered one
 * @error_message: (out): and its message
 * @signum: (out): the signal that stopped the waiting
 *
 * Returns: AGENT_ANSWERED (*@reply or *@error_name set), AGENT_UNAVAILABLE
 *   (do the work here) or AGENT_INTERRUPTED (a signal stopped the waiting)
 */
AgentOutcome
bearer_cli_agent_call_raw (const char          *method,
                           GVariant            *args,
                           const GVariantType  *reply_type,
                           GVariant           **reply,
                           char               **error_name,
                           char               **error_message,
                           int                 *signum)
{
  g_autoptr(GVariant) sunk = g_variant_ref_sink (args);
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  GVariantBuilder builder;
  GVariantIter iter;
  GVariant *child;
  AgentWait wait = { NULL, NULL, NULL, 0 };
  const int signals[] = { SIGINT, SIGTERM, SIGHUP };
  SignalSource sources[G_N_ELEMENTS (signals)];
  guint ids[G_N_ELEMENTS (signals)];
  GVariant *answer;

  *reply = NULL;
  *error_name = NULL;
  *error_message = NULL;
  *signum = 0;

  if (g_strcmp0 (g_getenv ("BEARER_NO_AGENT"), "1") == 0 || !have_session_bus ())
    return AGENT_UNAVAILABLE;

  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &local_error);
  if (bus == NULL)
    {
      g_debug ("No session bus, so no agent: %s", local_error->message);
      return AGENT_UNAVAILABLE;
    }

  g_variant_builder_init (&builder, G_VARIANT_TYPE_TUPLE);
  g_variant_iter_init (&iter, sunk);
  while ((child = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_variant_builder_add_value (&builder, child);
      g_variant_unref (child);
    }
  g_variant_builder_add_value (&builder, bearer_agent_options_new ());

  cancellable = g_cancellable_new ();
  wait.loop = g_main_loop_new (NULL, FALSE);
  wait.cancellable = cancellable;
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    {
      sources[i].wait = &wait;
      sources[i].signum = signals[i];
      ids[i] = g_unix_signal_add (signals[i], signal_cb, &sources[i]);
    }

  /* No timeout: a refresh may take the server's time and its grace. */
  g_dbus_connection_call (bus, BEARER_AGENT_BUS_NAME, BEARER_AGENT_OBJECT_PATH, BEARER_AGENT_INTERFACE,
                          method, g_variant_builder_end (&builder), reply_type, G_DBUS_CALL_FLAGS_NONE,
                          G_MAXINT, cancellable, called_cb, &wait);
  g_main_loop_run (wait.loop);

  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    g_source_remove (ids[i]);
  g_main_loop_unref (wait.loop);

  answer = g_dbus_connection_call_finish (bus, wait.result, &local_error);
  g_object_unref (wait.result);

  if (wait.signum != 0)
    {
      g_clear_pointer (&answer, g_variant_unref);
      *signum = wait.signum;
      return AGENT_INTERRUPTED;
    }
  if (answer != NULL)
    {
      *reply = answer;
      return AGENT_ANSWERED;
    }
  if (agent_unavailable (local_error))
    {
      g_debug ("Doing the work here: the agent did not answer: %s", local_error->message);
      return AGENT_UNAVAILABLE;
    }

  *error_name = g_dbus_error_get_remote_error (local_error);
  g_dbus_error_strip_remote_error (local_error);
  *error_message = g_strdup (local_error->message);
  return AGENT_ANSWERED;
}
