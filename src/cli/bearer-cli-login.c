/* bearer-cli-login.c: login, signing in from zero
 *
 *   bearer-cli login NAME [--device] [--no-browser] [--timeout SECONDS]
 *
 * The browser: the authorization URL goes to standard error alone on its
 * own line (always, so it works over SSH), and to the default web browser
 * unless --no-browser; the redirect comes back to core's loopback server,
 * or, for a redirect URI that is not loopback, the user pastes the address
 * the browser ended on. The device grant: the verification URI, the
 * verification_uri_complete when the server gives one, and the user code
 * (as the server wrote it) each alone on a line of standard error, plus a
 * QR code drawn with half blocks when standard error is a terminal.
 *
 * Exit status: 0 once the tokens are stored; 4 when the user or the server
 * refused (access_denied, an expired device code); 3 on a time-out or a
 * failure of the server or the network; 5 when the keyring refused the
 * tokens (they are kept aside); 128 + N on signal N. Signals follow
 * refresh's rule: once the code exchange (or a poll) has reached the
 * server, the answer is waited for and stored.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <qrencode.h>

#include "bearer-cli-private.h"
#include "bearer-sign-in.h"

typedef struct {
  BearerConnection *connection;
  BearerSignIn *sign_in;
  GCancellable *cancellable;
  gboolean no_browser;
  gboolean stdin_closed;
  int signum;
  GDataInputStream *input;
} Login;

static Login *current;

/* A QR code of @text on standard error, two modules per character cell
 * with the upper and lower half blocks, light on dark drawn explicitly so
 * that it reads on any terminal theme. */
static void
print_qr_code (const char *text)
{
  QRcode *code = QRcode_encodeString (text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
  g_autoptr(GString) out = NULL;
  const int quiet = 2;
  int size;

  if (code == NULL)
    return;

  size = code->width + 2 * quiet;
  out = g_string_new (NULL);
  for (int y = 0; y < size; y += 2)
    {
      g_string_append (out, "\033[40;97m");
      for (int x = 0; x < size; x++)
        {
          gboolean top_light = TRUE, bottom_light = TRUE;
          int mx = x - quiet, my = y - quiet;

          if (mx >= 0 && mx < code->width && my >= 0 && my < code->width)
            top_light = !(code->data[my * code->width + mx] & 1);
          if (mx >= 0 && mx < code->width && my + 1 >= 0 && my + 1 < code->width)
            bottom_light = !(code->data[(my + 1) * code->width + mx] & 1);
          else if (y + 1 >= size)
            bottom_light = FALSE;

          if (top_light && bottom_light)
            g_string_append (out, "\u2588");
          else if (top_light)
            g_string_append (out, "\u2580");
          else if (bottom_light)
            g_string_append (out, "\u2584");
          else
            g_string_append_c (out, ' ');
        }
      g_string_append (out, "\033[0m\n");
    }
  QRcode_free (code);
  g_printerr ("%s", out->str);
}

static void
open_in_browser (Login      *login,
                 const char *url)
{
  g_autoptr(GError) error = NULL;

  if (login->no_browser)
    return;
  if (!g_app_info_launch_default_for_uri (url, NULL, &error))
    {
      /* Translators: %s is why no browser could be started. */
      g_autofree char *message = g_strdup_printf (_("No browser could be opened (%s): open the address "
                                                    "above yourself"), error->message);
      bearer_cli_print_error (message);
    }
}

static void read_pasted_line (Login *login);

static void
line_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Login *login = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, &error);
  if (bearer_sign_in_get_state (login->sign_in) != BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER)
    return;
  if (line == NULL)
    {
      if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      /* Nothing more will come: nothing to wait for. */
      bearer_cli_print_error (_("Standard input ended before the address the browser ended on was "
                                "pasted"));
      login->stdin_closed = TRUE;
      g_cancellable_cancel (login->cancellable);
      return;
    }

  g_strstrip (line);
  if (*line != '\0' && !bearer_sign_in_submit_redirect (login->sign_in, line, &error))
    {
      bearer_cli_print_error (error->message);
      if (bearer_sign_in_get_state (login->sign_in) != BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER)
        return;
      bearer_cli_print_error (_("Paste the whole address the browser ended on:"));
    }
  if (bearer_sign_in_get_state (login->sign_in) == BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER)
    read_pasted_line (login);
}

static void
read_pasted_line (Login *login)
{
  if (login->input == NULL)
    {
      g_autoptr(GInputStream) in = g_unix_input_stream_new (STDIN_FILENO, FALSE);

      login->input = g_data_input_stream_new (in);
    }
  g_data_input_stream_read_line_async (login->input, G_PRIORITY_DEFAULT, login->cancellable,
                                       line_read_cb, login);
}

static void
state_changed_cb (BearerSignIn *sign_in,
                  GParamSpec   *pspec,
                  Login        *login)
{
  BearerProfile *profile = bearer_sign_in_get_profile (sign_in);
  const char *name = bearer_profile_get_name (profile);

  switch (bearer_sign_in_get_state (sign_in))
    {
    case BEARER_SIGN_IN_STATE_WAITING_FOR_BROWSER:
      {
        /* Translators: before the authorization URL, which follows alone on
         * the next line; %s is the profile name. */
        g_autofree char *intro = g_strdup_printf (_("Sign in to “%s” in your browser, at this address:"), name);

        g_printerr ("%s\n%s\n", intro, bearer_sign_in_get_authorization_url (sign_in));
        open_in_browser (login, bearer_sign_in_get_authorization_url (sign_in));
        if (!bearer_sign_in_get_loopback (sign_in))
          {
            g_printerr ("%s\n", _("Then paste here the address the browser ended on:"));
            read_pasted_line (login);
          }
        else
          g_printerr ("%s\n", _("Waiting for the browser to come back…"));
      }
      break;

    case BEARER_SIGN_IN_STATE_WAITING_FOR_USER:
      {
        const char *uri = bearer_sign_in_get_verification_uri (sign_in);
        const char *complete = bearer_sign_in_get_verification_uri_complete (sign_in);
        gint64 left = bearer_sign_in_get_expires_at (sign_in) - g_get_real_time () / G_USEC_PER_SEC;
        int minutes = (int) MAX ((left + 59) / 60, 1);
        /* Translators: before the verification address, which follows alone
         * on the next line; %s is the profile name. */
        g_autofree char *intro = g_strdup_printf (_("To sign in to “%s”, open this address on any device:"),
                                                  name);

        g_printerr ("%s\n%s\n", intro, uri);
        if (complete != NULL)
          g_printerr ("%s\n%s\n", _("or this one, which holds the code:"), complete);
        g_printerr ("%s\n%s\n", _("and enter this code:"), bearer_sign_in_get_user_code (sign_in));
        if (isatty (STDERR_FILENO))
          print_qr_code (complete != NULL ? complete : uri);
        g_printerr (ngettext ("The code expires in %d minute. Waiting for the sign-in…\n",
                              "The code expires in %d minutes. Waiting for the sign-in…\n", minutes),
                    minutes);
        open_in_browser (login, complete != NULL ? complete : uri);
      }
      break;

    case BEARER_SIGN_IN_STATE_IDLE:
    case BEARER_SIGN_IN_STATE_STARTING:
    case BEARER_SIGN_IN_STATE_EXCHANGING:
    case BEARER_SIGN_IN_STATE_DONE:
    case BEARER_SIGN_IN_STATE_FAILED:
    default:
      break;
    }
}

static gboolean
interrupted_cb (gpointer user_data)
{
  int signum = GPOINTER_TO_INT (user_data);
  gboolean in_flight = bearer_sign_in_get_request_in_flight (current->sign_in);

  if (current->signum != 0)
    {
      if (in_flight)
        bearer_cli_print_error (_("Stopped before the server answered: the sign-in is lost; sign in again"));
      exit (128 + signum);
    }

  current->signum = signum;
  if (in_flight)
    bearer_cli_print_error (_("The request has reached the server: waiting for its answer so that the new "
                            "tokens are kept (interrupt again to stop at once)"));
  g_cancellable_cancel (current->cancellable);
  return G_SOURCE_CONTINUE;
}

static int
exit_code_for (const GError *error)
{
  if (error->domain == BEARER_SIGN_IN_ERROR)
    switch (error->code)
      {
      case BEARER_SIGN_IN_ERROR_DENIED:
      case BEARER_SIGN_IN_ERROR_EXPIRED:
        return EXIT_SIGN_IN;
      case BEARER_SIGN_IN_ERROR_LOOPBACK:
      case BEARER_SIGN_IN_ERROR_SETUP:
        return EXIT_FAILURE_OTHER;
      default:
        return EXIT_SERVER;
      }
  if (error->domain == BEARER_ERROR &&
      (error->code == BEARER_ERROR_INVALID_URL || error->code == BEARER_ERROR_INSECURE_URL ||
       error->code == BEARER_ERROR_MISSING_PARAMETER || error->code == BEARER_ERROR_INVALID_PARAMETER ||
       error->code == BEARER_ERROR_CA_FILE))
    return EXIT_FAILURE_OTHER;
  return bearer_cli_exit_code_for (error);
}

/* bearer-cli login NAME [--device] [--no-browser] [--timeout SECONDS] */
int
bearer_cli_login (int    argc,
                  char **argv)
{
  gboolean device = FALSE;
  gboolean no_browser = FALSE;
  gint timeout = BEARER_SIGN_IN_DEFAULT_TIMEOUT;
  GOptionEntry entries[] = {
    { "device", 0, 0, G_OPTION_ARG_NONE, &device, NULL, NULL },
    { "no-browser", 0, 0, G_OPTION_ARG_NONE, &no_browser, NULL, NULL },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout, NULL, "SECONDS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(BearerConnectionList) list = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(BearerSignIn) sign_in = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const int signals[] = { SIGINT, SIGTERM, SIGHUP };
  guint sources[G_N_ELEMENTS (signals)];
  void (*saved_sigpipe) (int);
  BearerConnection *connection;
  BearerProfile *profile;
  Waiter waiter;
  Login login = { 0 };
  int exit_code = EXIT_OK;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (context, FALSE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return bearer_cli_usage_error (error->message);
  if (argc != 2)
    return bearer_cli_usage_error (_("“login” takes one profile name"));
  if (timeout < 0)
    return bearer_cli_usage_error (_("--timeout is a number of seconds"));

  if (!(list = bearer_cli_open_connections (FALSE, &exit_code)) ||
      !(connection = bearer_cli_find_connection (list, argv[1], &exit_code)))
    return exit_code;
  profile = bearer_connection_get_profile (connection);

  if (bearer_profile_get_grant_type (profile) == BEARER_GRANT_DEVICE_CODE)
    device = TRUE;
  sign_in = bearer_sign_in_new (profile, device ? BEARER_SIGN_IN_DEVICE : BEARER_SIGN_IN_BROWSER);
  bearer_sign_in_set_timeout (sign_in, (guint) timeout);

  login.connection = connection;
  login.sign_in = sign_in;
  login.cancellable = cancellable;
  login.no_browser = no_browser;
  current = &login;
  g_signal_connect (sign_in, "notify::state", G_CALLBACK (state_changed_cb), &login);
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    sources[i] = g_unix_signal_add (signals[i], interrupted_cb, GINT_TO_POINTER (signals[i]));
  /* A closed terminal or pipe must not end us before the tokens are stored. */
  saved_sigpipe = signal (SIGPIPE, SIG_IGN);

  waiter = bearer_cli_waiter_init ();
  bearer_connection_sign_in_async (connection, sign_in, cancellable, bearer_cli_waited_cb, &waiter);
  result = bearer_connection_sign_in_finish (connection, bearer_cli_wait_for (&waiter), &error);
  bearer_cli_waiter_clear (&waiter);

  g_cancellable_cancel (cancellable);
  g_signal_handlers_disconnect_by_data (sign_in, &login);
  signal (SIGPIPE, saved_sigpipe);
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    g_source_remove (sources[i]);
  g_clear_object (&login.input);
  current = NULL;

  if (result == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          if (login.signum != 0)
            {
              bearer_cli_print_error (_("Interrupted: not signed in"));
              return 128 + login.signum;
            }
          return EXIT_FAILURE_OTHER;
        }
      bearer_cli_print_error (error->message);
      exit_code = exit_code_for (error);
      return login.signum != 0 ? 128 + login.signum : exit_code;
    }

  if (bearer_refresh_result_get_store_error (result) != NULL)
    {
      bearer_cli_print_store_failure (profile, result);
      exit_code = EXIT_KEYRING;
    }
  else
    {
      g_autofree char *state = bearer_cli_describe_state (bearer_refresh_result_get_secrets (result),
                                                          g_get_real_time () / G_USEC_PER_SEC);
      /* Translators: after “bearer-cli login”. The first %s is the profile
       * name, the second the token’s state (“valid for 59 min”). */
      g_print (_("Signed in to “%s”: %s; the tokens are stored in the keyring.\n"),
               bearer_profile_get_name (profile), state);
    }

  if (login.signum != 0)
    {
      bearer_cli_print_error (_("Interrupted after the request reached the server: its answer arrived"));
      return 128 + login.signum;
    }
  return exit_code;
}
