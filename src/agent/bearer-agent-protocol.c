/* bearer-agent-protocol.c: what bearer-agent and its callers agree on
 *
 * Errors cross the bus with their GError domain and code in the D-Bus
 * error name (see data/io.github.bearerapp.Bearer.Agent1.xml), so that a
 * caller rebuilds the very error the refresh transaction reported, and
 * prints the same words and exits with the same status as if it had done
 * the work itself.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bearer-agent-protocol.h"
#include "bearer-error-private.h"
#include "bearer-jwt.h"
#include "bearer-profile-store.h"
#include "bearer-secrets.h"
#include "bearer-sign-in.h"

/* The domains a caller may get back: registered (the extended ones with
 * their private data) before a quark string is looked up. */
static void
ensure_domains (void)
{
  (void) BEARER_ERROR;
  (void) BEARER_KEYRING_ERROR;
  (void) BEARER_PROFILE_STORE_ERROR;
  (void) BEARER_SIGN_IN_ERROR;
  (void) BEARER_JWT_ERROR;
  (void) G_IO_ERROR;
}

static void
append_escaped (GString    *out,
                const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p))
        g_string_append_c (out, *p);
      else
        g_string_append_printf (out, "_%02x", (guchar) *p);
    }
}

static char *
unescape (const char *text,
          gsize       length)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < length; i++)
    {
      if (text[i] == '_' && i + 2 < length && g_ascii_isxdigit (text[i + 1]) &&
          g_ascii_isxdigit (text[i + 2]))
        {
          g_string_append_c (out, (char) (g_ascii_xdigit_value (text[i + 1]) * 16 +
                                          g_ascii_xdigit_value (text[i + 2])));
          i += 2;
        }
      else if (g_ascii_isalnum (text[i]))
        g_string_append_c (out, text[i]);
      else
        {
          g_string_free (out, TRUE);
          return NULL;
        }
    }
  return g_string_free (out, FALSE);
}

/**
 * bearer_agent_error_code:
 *
 * Returns: (transfer full): "Q<domain>.C<code>" for @error
 */
char *
bearer_agent_error_code (const GError *error)
{
  GString *out = g_string_new ("Q");

  append_escaped (out, g_quark_to_string (error->domain));
  g_string_append_printf (out, ".C%d", error->code);
  return g_string_free (out, FALSE);
}

/**
 * bearer_agent_error_from_code:
 * @code: "Q<domain>.C<code>", as bearer_agent_error_code() writes it
 *
 * Returns: (transfer full) (nullable): the error, or %NULL when @code is
 *   not one
 */
GError *
bearer_agent_error_from_code (const char *code,
                              const char *message)
{
  const char *dot;
  g_autofree char *domain = NULL;
  char *end;
  gint64 number;
  GQuark quark;

  ensure_domains ();
  if (code[0] != 'Q' || (dot = strstr (code, ".C")) == NULL)
    return NULL;
  domain = unescape (code + 1, (gsize) (dot - code - 1));
  if (domain == NULL)
    return NULL;
  number = g_ascii_strtoll (dot + 2, &end, 10);
  if (*end != '\0' || end == dot + 2 || number < G_MININT || number > G_MAXINT)
    return NULL;
  quark = g_quark_try_string (domain);
  if (quark == 0)
    quark = g_quark_from_string (domain);
  return g_error_new_literal (quark, (int) number, message != NULL ? message : "");
}

/**
 * bearer_agent_error_name:
 *
 * Returns: (transfer full): the D-Bus error name that carries @error
 */
char *
bearer_agent_error_name (const GError *error)
{
  g_autofree char *code = bearer_agent_error_code (error);

  return g_strconcat (BEARER_AGENT_ERROR_PREFIX,
                      bearer_error_is_dead_refresh_token (error) ? "SignIn." : "Failed.",
                      code, NULL);
}

/**
 * bearer_agent_error_from_remote:
 * @name: a D-Bus error name
 * @message: its message
 *
 * Returns: (transfer full) (nullable): the error the agent meant, or
 *   %NULL when @name is not one of bearer_agent_error_name()'s
 */
GError *
bearer_agent_error_from_remote (const char *name,
                                const char *message)
{
  const char *rest;
  gboolean dead;
  GError *error;

  if (!g_str_has_prefix (name, BEARER_AGENT_ERROR_PREFIX))
    return NULL;
  rest = name + strlen (BEARER_AGENT_ERROR_PREFIX);
  if (g_str_has_prefix (rest, "SignIn."))
    {
      dead = TRUE;
      rest += strlen ("SignIn.");
    }
  else if (g_str_has_prefix (rest, "Failed."))
    {
      dead = FALSE;
      rest += strlen ("Failed.");
    }
  else
    return NULL;

  error = bearer_agent_error_from_code (rest, message);
  if (error != NULL && dead && error->domain == BEARER_ERROR)
    bearer_error_set_dead_refresh_token (error, TRUE);
  return error;
}

/* The base name of @pid's executable (its command line's first word when
 * the executable cannot be read), bearer-cli for bearer-cli's programs. */
static char *
program_of (guint32 pid)
{
  g_autofree char *exe_link = g_strdup_printf ("/proc/%u/exe", pid);
  g_autofree char *cmdline_path = g_strdup_printf ("/proc/%u/cmdline", pid);
  g_autofree char *exe = g_file_read_link (exe_link, NULL);
  g_autofree char *cmdline = NULL;
  g_autofree char *name = NULL;

  if (exe != NULL)
    {
      /* A replaced executable reads "…/name (deleted)". */
      if (g_str_has_suffix (exe, " (deleted)"))
        exe[strlen (exe) - strlen (" (deleted)")] = '\0';
      name = g_path_get_basename (exe);
    }
  else if (g_file_get_contents (cmdline_path, &cmdline, NULL, NULL) && cmdline[0] != '\0')
    name = g_path_get_basename (cmdline);
  else
    return NULL;

  /* bearer-cli's front becomes bearer-cli-full (docs/agent.md). */
  if (g_str_equal (name, "bearer-cli-full"))
    return g_strdup ("bearer-cli");
  if (!g_utf8_validate (name, -1, NULL))
    return g_utf8_make_valid (name, -1);
  return g_steal_pointer (&name);
}

static guint32
parent_of (guint32 pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%u/stat", pid);
  g_autofree char *stat = NULL;
  const char *end;
  char state;
  unsigned int ppid = 0;

  /* "pid (comm) state ppid …", where comm may hold anything. */
  if (!g_file_get_contents (path, &stat, NULL, NULL) || (end = strrchr (stat, ')')) == NULL ||
      sscanf (end + 1, " %c %u", &state, &ppid) != 2)
    return 0;
  return ppid;
}

/**
 * bearer_agent_program_name:
 * @pid: a process id, as the bus or the socket's credentials tell it
 * @parent_pid: (out) (optional): its parent's
 *
 * Names a program that asks the agent for a token, for the user to
 * recognise: its executable's base name.
 *
 * Returns: (transfer full) (nullable): the name, or %NULL when the process
 *   is gone or cannot be read
 */
char *
bearer_agent_program_name (guint32  pid,
                           guint32 *parent_pid)
{
  if (parent_pid != NULL)
    *parent_pid = pid != 0 ? parent_of (pid) : 0;
  if (pid == 0)
    return NULL;
  return program_of (pid);
}

/* ---- starting the agent ------------------------------------------------------ */

static void
agent_started_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("The token agent could not be started: %s", error->message);
}

static void
bus_got_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GCancellable) cancellable = user_data;
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) error = NULL;

  bus = g_bus_get_finish (result, &error);
  if (bus == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No session bus for the token agent: %s", error->message);
      return;
    }
  g_dbus_connection_call (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                          "StartServiceByName", g_variant_new ("(su)", BEARER_AGENT_BUS_NAME, 0),
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, cancellable,
                          agent_started_cb, NULL);
}

/**
 * bearer_agent_start:
 * @cancellable: (nullable): stops the asking
 *
 * Makes sure the token agent runs (D-Bus activation through the bus's
 * StartServiceByName), without waiting for it: for Keep Signed In, which
 * the agent reads from profiles.json once it runs. Without a session bus or
 * an installed agent nothing happens beyond a debug message.
 */
void
bearer_agent_start (GCancellable *cancellable)
{
  g_bus_get (G_BUS_TYPE_SESSION, cancellable, bus_got_cb, cancellable != NULL ? g_object_ref (cancellable) : NULL);
}
