/* bearer-cli-front.c: bearer-cli's front, the program scripts run
 *
 * `bearer-cli token` is what scripts, kubectl and git run, over and over:
 * its cost is mostly starting a process. The whole of bearer-cli links core
 * and with it libsoup, libsecret and their dependencies (Kerberos,
 * libgcrypt, SQLite, nghttp2…), whose loading alone takes longer than the
 * answer. So the installed `bearer-cli` is this front, with GLib, GIO and
 * json-glib only: `token` and `refresh` are asked of the token agent
 * (bearer-cli-agent.c) and answered here; everything else, and these two
 * when there is no agent, is done by the whole program
 * (`bearer-cli-full`, in libexec), which this one becomes with execv() and
 * the same arguments. When the agent could not be asked, the whole program
 * is told so (BEARER_NO_AGENT=1), so it does not ask again.
 *
 * The front prints what the whole program would (bearer-cli-output.c),
 * and a command line the front does not understand goes to the whole
 * program untouched, which then says what is wrong with it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "bearer-agent-protocol.h"
#include "bearer-cli-output.h"

#define FULL_NAME "bearer-cli-full"

/* Next to this program (the build tree), else in libexec beside bin (an
 * installed tree, wherever it was moved: a DESTDIR, /app), else where
 * meson installed it. */
static char *
full_path (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);

  if (self != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (self);
      g_autofree char *sibling = g_build_filename (dir, FULL_NAME, NULL);
      g_autofree char *relative = g_build_filename (dir, BEARER_LIBEXEC_FROM_BIN, FULL_NAME, NULL);

      if (g_file_test (sibling, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&sibling);
      if (g_file_test (relative, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&relative);
    }
  return g_build_filename (BEARER_LIBEXECDIR, FULL_NAME, NULL);
}

static int
run_full (char     **argv,
          gboolean   no_agent)
{
  g_autofree char *path = full_path ();

  if (no_agent)
    g_setenv ("BEARER_NO_AGENT", "1", TRUE);
  execv (path, argv);

  {
    g_autofree char *message =
      /* Translators: the first %s is a program’s full name, the second the
       * system’s explanation of the failure. */
      g_strdup_printf (_("Cannot run %s: %s"), path, g_strerror (errno));

    bearer_cli_print_error (message);
  }
  return EXIT_FAILURE_OTHER;
}

/* ---- the agent's socket (bearer-agent.c): no GDBus, no thread ---------- */

static volatile sig_atomic_t socket_signal;

typedef struct {
  guint8 *data;
  gsize size;
} Wiped;

/* An answer holds a token: zeroed before it is freed. */
static void
wiped_free (gpointer user_data)
{
  Wiped *wiped = user_data;

  explicit_bzero (wiped->data, wiped->size);
  g_free (wiped->data);
  g_free (wiped);
}

static void
socket_signal_cb (int signum)
{
  if (socket_signal == 0)
    socket_signal = signum;
}

static gboolean
write_all (int           fd,
           const guint8 *data,
           gsize         length)
{
  while (length > 0)
    {
      gssize n = write (fd, data, length);

      if (n < 0 && errno == EINTR && socket_signal == 0)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      length -= (gsize) n;
    }
  return TRUE;
}

static gboolean
read_all (int     fd,
          guint8 *data,
          gsize   length)
{
  while (length > 0)
    {
      gssize n = read (fd, data, length);

      if (n < 0 && errno == EINTR && socket_signal == 0)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      length -= (gsize) n;
    }
  return TRUE;
}

/* GetToken or Refresh on the agent's socket. Like bearer_cli_agent_call_raw(),
 * but AGENT_UNAVAILABLE also means "ask on the bus" (no socket yet, an
 * agent that went away, an older one). */
static AgentOutcome
socket_call (const char  *method,
             const char  *name,
             guint32      min_valid,
             GVariant   **reply,
             char       **error_name,
             char       **error_message,
             int         *signum)
{
  g_autofree char *path = bearer_agent_socket_path ();
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  g_autoptr(GVariant) request = NULL;
  g_autoptr(GVariant) answer = NULL;
  GVariant *token = NULL;
  Wiped *wiped;
  const int signals[] = { SIGINT, SIGTERM, SIGHUP };
  struct sigaction action = { .sa_handler = socket_signal_cb }, saved[G_N_ELEMENTS (signals)];
  const char *got_name, *got_message;
  AgentOutcome outcome = AGENT_UNAVAILABLE;
  guint8 header[4];
  guint8 *data = NULL;
  gsize size = 0;
  guint32 length;
  int fd;

  *signum = 0;
  if (path == NULL || strlen (path) >= sizeof address.sun_path)
    return AGENT_UNAVAILABLE;
  memcpy (address.sun_path, path, strlen (path) + 1);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return AGENT_UNAVAILABLE;
  if (connect (fd, (struct sockaddr *) &address, sizeof address) != 0)
    {
      close (fd);
      return AGENT_UNAVAILABLE;
    }

  request = g_variant_ref_sink (g_variant_new ("(ssu@a{sv})", method, name, min_valid,
                                               bearer_agent_options_new ()));
  size = g_variant_get_size (request);
  data = g_malloc (size + 4);
  data[0] = size & 0xff;
  data[1] = (size >> 8) & 0xff;
  data[2] = (size >> 16) & 0xff;
  data[3] = (size >> 24) & 0xff;
  /* Serialised in its own (aligned) buffer, then copied after the length. */
  memcpy (data + 4, g_variant_get_data (request), size);

  /* From here a signal stops the waiting, as on the bus. */
  socket_signal = 0;
  sigemptyset (&action.sa_mask);
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    sigaction (signals[i], &action, &saved[i]);

  if (!write_all (fd, data, size + 4) || !read_all (fd, header, 4))
    goto out;
  g_clear_pointer (&data, g_free);
  length = (guint32) header[0] | (guint32) header[1] << 8 | (guint32) header[2] << 16 | (guint32) header[3] << 24;
  if (length == 0 || length > 16 * 1024 * 1024)
    goto out;
  data = g_malloc (length);
  size = length;
  if (!read_all (fd, data, length))
    goto out;

  /* The answer owns the buffer from here, and wipes it when freed. */
  wiped = g_new (Wiped, 1);
  wiped->data = g_steal_pointer (&data);
  wiped->size = length;
  answer = g_variant_ref_sink (g_variant_new_from_data (G_VARIANT_TYPE ("(ssa{sv})"), wiped->data, length, FALSE,
                                                        wiped_free, wiped));
  if (!g_variant_is_normal_form (answer))
    goto out;
  g_variant_get (answer, "(&s&s@a{sv})", &got_name, &got_message, &token);
  if (*got_name != '\0')
    {
      /* Another session's agent, or one without the method: the bus. */
      if (g_str_equal (got_name, BEARER_AGENT_ERROR_OTHER_SESSION) ||
          !g_str_has_prefix (got_name, BEARER_AGENT_ERROR_PREFIX))
        goto out;
      *error_name = g_strdup (got_name);
      *error_message = g_strdup (got_message);
    }
  else
    *reply = g_variant_ref_sink (g_variant_new_tuple (&token, 1));
  outcome = AGENT_ANSWERED;

out:
  g_clear_pointer (&token, g_variant_unref);
  g_clear_pointer (&answer, g_variant_unref);
  if (data != NULL)
    {
      explicit_bzero (data, size);
      g_free (data);
    }
  close (fd);
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    sigaction (signals[i], &saved[i], NULL);
  if (socket_signal != 0)
    {
      g_clear_pointer (reply, g_variant_unref);
      *signum = socket_signal;
      return AGENT_INTERRUPTED;
    }
  return outcome;
}

/* Whether @code ("Q<domain>.C<n>") names @domain, escaped as the agent
 * escapes it (bearer-agent-protocol.c). */
static gboolean
code_has_domain (const char *code,
                 const char *domain)
{
  g_autoptr(GString) escaped = g_string_new ("Q");

  for (const char *p = domain; *p != '\0'; p++)
    {
      if (g_ascii_isalnum (*p))
        g_string_append_c (escaped, *p);
      else
        g_string_append_printf (escaped, "_%02x", (guchar) *p);
    }
  g_string_append (escaped, ".C");
  return g_str_has_prefix (code, escaped->str);
}

/* The agent's error, printed and turned into the exit status the whole
 * program gives it (bearer_cli_fail_for()); -1 when it is none of the
 * agent's. */
static int
fail_with (const char *profile_name,
           const char *error_name,
           const char *message)
{
  const char *rest;
  gboolean sign_in;

  if (g_str_equal (error_name, BEARER_AGENT_ERROR_NO_SUCH_CONNECTION))
    return bearer_cli_no_such_profile (profile_name);
  if (!g_str_has_prefix (error_name, BEARER_AGENT_ERROR_PREFIX))
    return -1;
  rest = error_name + strlen (BEARER_AGENT_ERROR_PREFIX);
  if (g_str_has_prefix (rest, "SignIn."))
    sign_in = TRUE;
  else if (g_str_has_prefix (rest, "Failed."))
    sign_in = FALSE;
  else
    return -1;
  rest = strchr (rest, '.') + 1;

  bearer_cli_print_error (message);
  if (code_has_domain (rest, "bearer-keyring-error-quark"))
    return EXIT_KEYRING;
  if (sign_in)
    {
      bearer_cli_print_sign_in_advice (profile_name);
      return EXIT_SIGN_IN;
    }
  /* G_DEFINE_EXTENDED_ERROR names the domain after the type. */
  if (code_has_domain (rest, "BearerError"))
    return EXIT_SERVER;
  return EXIT_FAILURE_OTHER;
}

/* token and refresh through the agent: the exit status; -1 when the agent
 * cannot answer, -2 when the command line is for the whole program to
 * judge. */
static int
token_through_agent (int    argc,
                     char **argv)
{
  gboolean force = g_str_equal (argv[1], "refresh");
  gint min_valid = 60;
  gboolean header = FALSE, json = FALSE, export = FALSE;
  g_autofree char *format = NULL;
  GOptionEntry entries[] = {
    { "min-valid", 0, 0, G_OPTION_ARG_INT, &min_valid, NULL, "SECONDS" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, NULL, "FORMAT" },
    { "header", 0, 0, G_OPTION_ARG_NONE, &header, NULL, NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, NULL, NULL },
    { "export", 0, 0, G_OPTION_ARG_NONE, &export, NULL, NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_auto(GStrv) args = NULL;
  g_autofree char **parsed = NULL;
  int n = argc - 1;
  BearerCliOutput output = force ? OUTPUT_STATUS : OUTPUT_BARE;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) answer = NULL;
  g_autofree char *error_name = NULL;
  g_autofree char *error_message = NULL;
  const char *name, *profile_name, *access_token = NULL, *type = "Bearer", *scope = NULL;
  const char *store_error = NULL, *keep_aside_error = NULL;
  gboolean from_server = FALSE, rotated = FALSE, pending_moved = FALSE, kept_aside = FALSE;
  gint64 expires_at = 0;
  AgentOutcome outcome;
  int signum;
  int code;

  /* The command's own argv, parsed as bearer-cli-token.c parses it; the
   * original stays whole for execv(). */
  args = g_strdupv (argv + 1);
  parsed = g_memdup2 (args, sizeof (char *) * (gsize) (n + 1));
  g_option_context_add_main_entries (context, force ? entries + 1 : entries, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (context, FALSE);
  if (!g_option_context_parse (context, &n, &parsed, NULL) || n != 2 || min_valid < 0 ||
      header + json + export + (format != NULL) > 1 ||
      (format != NULL && !bearer_cli_output_from_format (format, &output)))
    return -2;
  if (header)
    output = OUTPUT_HEADER;
  else if (json)
    output = OUTPUT_JSON;
  else if (export)
    output = OUTPUT_ENV;
  name = parsed[1];

  /* The agent's socket first, then the bus (which starts the agent). */
  outcome = socket_call (force ? "Refresh" : "GetToken", name, (guint32) min_valid, &reply, &error_name,
                         &error_message, &signum);
  if (outcome == AGENT_UNAVAILABLE && force)
    outcome = bearer_cli_agent_call_raw ("Refresh", g_variant_new ("(s)", name), G_VARIANT_TYPE ("(a{sv})"),
                                         &reply, &error_name, &error_message, &signum);
  else if (outcome == AGENT_UNAVAILABLE)
    outcome = bearer_cli_agent_call_raw ("GetToken", g_variant_new ("(su)", name, (guint32) min_valid),
                                         G_VARIANT_TYPE ("(a{sv})"), &reply, &error_name, &error_message,
                                         &signum);
  if (outcome == AGENT_UNAVAILABLE)
    return -1;
  if (outcome == AGENT_INTERRUPTED)
    return bearer_cli_agent_interrupted (signum);
  if (error_name != NULL)
    return fail_with (name, error_name, error_message);

  answer = g_variant_get_child_value (reply, 0);
  profile_name = name;
  g_variant_lookup (answer, "profile-name", "&s", &profile_name);
  g_variant_lookup (answer, "access-token", "&s", &access_token);
  g_variant_lookup (answer, "token-type", "&s", &type);
  g_variant_lookup (answer, "scope", "&s", &scope);
  g_variant_lookup (answer, "expires-at", "x", &expires_at);
  g_variant_lookup (answer, "from-server", "b", &from_server);
  g_variant_lookup (answer, "rotated", "b", &rotated);
  g_variant_lookup (answer, "pending-moved", "b", &pending_moved);
  g_variant_lookup (answer, "store-error", "&s", &store_error);
  g_variant_lookup (answer, "kept-aside", "b", &kept_aside);
  g_variant_lookup (answer, "keep-aside-error", "&s", &keep_aside_error);
  if (access_token == NULL)
    return -1;

  code = EXIT_OK;
  if (pending_moved)
    bearer_cli_report_pending_moved_name (profile_name);
  if (store_error != NULL)
    {
      bearer_cli_print_store_failure_parts (profile_name, store_error, from_server, kept_aside, keep_aside_error,
                                            NULL);
      code = EXIT_KEYRING;
    }
  bearer_cli_print_token (profile_name, access_token, type, expires_at, scope, output, from_server, rotated,
                          store_error == NULL);
  return code;
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("BEARER_LOCALEDIR") ? g_getenv ("BEARER_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("bearer-cli");
  g_log_writer_default_set_use_stderr (TRUE);

  if (argc >= 3 && (g_str_equal (argv[1], "token") || g_str_equal (argv[1], "refresh")) &&
      g_strcmp0 (g_getenv ("BEARER_NO_AGENT"), "1") != 0)
    {
      int code = token_through_agent (argc, argv);

      if (code >= 0)
        return code;
      return run_full (argv, code == -1);
    }
  return run_full (argv, FALSE);
}
