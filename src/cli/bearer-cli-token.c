/* bearer-cli-token.c: token, refresh and curl
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib-unix.h>

#include "bearer-cli-private.h"
#include "bearer-client.h"
#include "bearer-dpop.h"


/* ---- Interruptions ------------------------------------------------------
 *
 * Ctrl+C (SIGINT), SIGTERM and SIGHUP during a refresh: until the request has
 * reached the server, they cancel it and bearer-cli exits at once. After
 * that, the server may have rotated the refresh token, and the answer is the
 * only place the new one exists: the exit waits until the answer is stored
 * (bearer-client.c bounds that wait), then bearer-cli exits 128 + the
 * signal's number, saying the tokens were kept. A second signal stops it at
 * once. SIGKILL cannot be caught: see docs/storage.md.
 */

typedef struct {
  GCancellable *cancellable;
  gboolean sent;
  int signum;                   /* the first signal received, or 0 */
} Interruption;

static Interruption *interruption;

static gboolean
interrupted_cb (gpointer user_data)
{
  int signum = GPOINTER_TO_INT (user_data);

  if (interruption->signum != 0)
    {
      if (interruption->sent)
        bearer_cli_print_error (_("Stopped before the server answered: if it replaced the refresh token, "
                                "the new one is lost and you must sign in again"));
      exit (128 + signum);
    }

  interruption->signum = signum;
  if (interruption->sent)
    bearer_cli_print_error (_("The request has reached the server: waiting for its answer so that the new "
                            "tokens are kept (interrupt again to stop at once)"));
  g_cancellable_cancel (interruption->cancellable);
  return G_SOURCE_CONTINUE;
}

static void
request_sent_cb (BearerClient *client,
                 gpointer      request,
                 Interruption *self)
{
  self->sent = TRUE;
}

void
bearer_cli_print_store_failure (BearerProfile       *profile,
                                BearerRefreshResult *result)
{
  const GError *keep_aside_error = bearer_refresh_result_get_keep_aside_error (result);

  bearer_cli_print_store_failure_parts (bearer_profile_get_name (profile),
                                        bearer_refresh_result_get_store_error (result)->message,
                                        bearer_refresh_result_get_from_server (result),
                                        bearer_refresh_result_get_kept_aside (result),
                                        keep_aside_error != NULL ? keep_aside_error->message : NULL,
                                        bearer_secrets_get_refresh_token (bearer_refresh_result_get_secrets (result)));
}

/* Runs the refresh transaction for a command, with interruptions handled
 * (above). Returns the exit code; *out holds the result when there is a
 * token to use (also with EXIT_KEYRING: the keyring refused to store it). */
static int
refresh_profile (BearerConnection     *connection,
                 BearerRefreshFlags    flags,
                 guint                 min_valid,
                 BearerRefreshResult **out)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(BearerRefreshResult) result = NULL;
  g_autoptr(GError) error = NULL;
  const int signals[] = { SIGINT, SIGTERM, SIGHUP };
  guint sources[G_N_ELEMENTS (signals)];
  Interruption self = { cancellable, FALSE, 0 };
  Waiter waiter = bearer_cli_waiter_init ();
  BearerClient *client = bearer_client_get_default ();
  BearerProfile *profile = bearer_connection_get_profile (connection);
  gboolean had_pending = bearer_profile_has_pending_tokens (profile);
  void (*saved_sigpipe) (int);
  gulong sent_id;
  int code = EXIT_OK;

  *out = NULL;
  interruption = &self;
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    sources[i] = g_unix_signal_add (signals[i], interrupted_cb, GINT_TO_POINTER (signals[i]));
  /* A closed terminal or pipe must not end us before the tokens are stored. */
  saved_sigpipe = signal (SIGPIPE, SIG_IGN);
  sent_id = g_signal_connect (client, "request-sent", G_CALLBACK (request_sent_cb), &self);

  if (flags & BEARER_REFRESH_FORCE)
    bearer_connection_refresh_async (connection, flags, cancellable, bearer_cli_waited_cb, &waiter);
  else
    bearer_connection_get_token_async (connection, min_valid, cancellable, bearer_cli_waited_cb, &waiter);
  result = bearer_connection_refresh_finish (connection, bearer_cli_wait_for (&waiter), &error);
  bearer_cli_waiter_clear (&waiter);

  g_signal_handler_disconnect (client, sent_id);
  signal (SIGPIPE, saved_sigpipe);
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    g_source_remove (sources[i]);
  interruption = NULL;

  if (result == NULL)
    {
      if (self.signum != 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          bearer_cli_print_error (_("Interrupted before anything was sent to the server"));
          return 128 + self.signum;
        }
      code = bearer_cli_fail_for (bearer_profile_get_name (profile), error);
      return self.signum != 0 ? 128 + self.signum : code;
    }

  bearer_cli_report_pending_moved (profile, had_pending);
  if (bearer_refresh_result_get_store_error (result) != NULL)
    {
      bearer_cli_print_store_failure (profile, result);
      code = EXIT_KEYRING;
    }

  if (self.signum != 0)
    {
      if (bearer_refresh_result_get_store_error (result) == NULL)
        bearer_cli_print_error (_("Interrupted after the request reached the server: its answer arrived, and "
                                "the new tokens were stored in the keyring"));
      else
        bearer_cli_print_error (_("Interrupted after the request reached the server: its answer arrived"));
      return 128 + self.signum;
    }

  *out = g_steal_pointer (&result);
  return code;
}

void
bearer_cli_token_clear (BearerCliToken *token)
{
  g_clear_pointer (&token->name, g_free);
  g_clear_pointer (&token->secrets, bearer_secrets_unref);
}

/* Through the agent: the exit status, or -1 when the agent cannot do it. */
static int
token_from_agent (const char     *name,
                  gboolean        force,
                  guint           min_valid,
                  BearerCliToken *token)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) answer = NULL;
  g_autoptr(GError) error = NULL;
  const char *profile_name = name, *access_token = NULL, *type = NULL, *scope = NULL;
  const char *store_error = NULL, *keep_aside_error = NULL;
  gboolean pending_moved = FALSE, kept_aside = FALSE;
  gint64 expires_at = 0;
  AgentOutcome outcome;
  int signum;

  if (force)
    outcome = bearer_cli_agent_call ("Refresh", g_variant_new ("(s)", name), G_VARIANT_TYPE ("(a{sv})"),
                                     &reply, &error, &signum);
  else
    outcome = bearer_cli_agent_call ("GetToken", g_variant_new ("(su)", name, min_valid),
                                     G_VARIANT_TYPE ("(a{sv})"), &reply, &error, &signum);
  if (outcome == AGENT_UNAVAILABLE)
    return -1;
  if (outcome == AGENT_INTERRUPTED)
    return bearer_cli_agent_interrupted (signum);
  if (error != NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        return bearer_cli_no_such_profile (name);
      return bearer_cli_fail_for (name, error);
    }

  answer = g_variant_get_child_value (reply, 0);
  g_variant_lookup (answer, "profile-name", "&s", &profile_name);
  g_variant_lookup (answer, "access-token", "&s", &access_token);
  g_variant_lookup (answer, "token-type", "&s", &type);
  g_variant_lookup (answer, "scope", "&s", &scope);
  g_variant_lookup (answer, "expires-at", "x", &expires_at);
  g_variant_lookup (answer, "from-server", "b", &token->from_server);
  g_variant_lookup (answer, "rotated", "b", &token->rotated);
  g_variant_lookup (answer, "pending-moved", "b", &pending_moved);
  g_variant_lookup (answer, "store-error", "&s", &store_error);
  g_variant_lookup (answer, "kept-aside", "b", &kept_aside);
  g_variant_lookup (answer, "keep-aside-error", "&s", &keep_aside_error);
  if (access_token == NULL)
    return -1;

  token->name = g_strdup (profile_name);
  token->secrets = bearer_secrets_new ();
  bearer_secrets_set_access_token (token->secrets, access_token, type, expires_at, scope);
  token->stored = store_error == NULL;

  if (pending_moved)
    bearer_cli_report_pending_moved_name (profile_name);
  if (store_error != NULL)
    {
      bearer_cli_print_store_failure_parts (profile_name, store_error, token->from_server, kept_aside,
                                            keep_aside_error, NULL);
      return EXIT_KEYRING;
    }
  return EXIT_OK;
}

/* Here, through the refresh transaction. */
static int
token_here (const char     *name,
            gboolean        force,
            guint           min_valid,
            BearerCliToken *token)
{
  g_autoptr(BearerConnectionList) list = NULL;
  g_autoptr(BearerRefreshResult) result = NULL;
  BearerConnection *connection;
  BearerTokenResponse *response;
  int code = EXIT_OK;

  if (!(list = bearer_cli_open_connections (FALSE, &code)) ||
      !(connection = bearer_cli_find_connection (list, name, &code)))
    return code;

  code = refresh_profile (connection, force ? BEARER_REFRESH_FORCE : BEARER_REFRESH_NONE, min_valid, &result);
  if (result == NULL)
    return code;

  response = bearer_refresh_result_get_response (result);
  token->name = g_strdup (bearer_profile_get_name (bearer_connection_get_profile (connection)));
  token->secrets = bearer_secrets_ref (bearer_refresh_result_get_secrets (result));
  token->from_server = bearer_refresh_result_get_from_server (result);
  token->rotated = response != NULL && bearer_token_response_get_refresh_token_rotated (response);
  token->stored = bearer_refresh_result_get_store_error (result) == NULL;
  return code;
}

/**
 * bearer_cli_get_token:
 * @force: refresh whatever is left
 * @token: (out caller-allocates): the token, when there is one to use
 *   (also with EXIT_KEYRING: the keyring refused to store it)
 *
 * Asks the agent, else does the work here. Failures are printed.
 *
 * Returns: the exit status
 */
int
bearer_cli_get_token (const char     *name,
                      gboolean        force,
                      guint           min_valid,
                      BearerCliToken *token)
{
  int code;

  memset (token, 0, sizeof *token);
  code = token_from_agent (name, force, min_valid, token);
  if (code >= 0)
    return code;
  bearer_cli_token_clear (token);
  return token_here (name, force, min_valid, token);
}

/* ---- DPoP (RFC 9449) -----------------------------------------------------
 *
 * A DPoP-bound token goes with a proof that names the method and URL of the
 * request it is sent with. The proof is made here, in this process, with the
 * connection's key read from the keyring: the agent hands out the token
 * (its answer is the same as a direct one), never the key. A resource
 * server's nonce (RFC 9449 §9) is not known here: a server that wants one
 * answers 401 with it, and the request is to be made again.
 */

/* Says so when a profile with DPoP on got a token not bound to its key. */
static void
warn_unbound (const char *name,
              const char *token_type)
{
  g_autoptr(BearerConnectionList) list = NULL;
  g_autofree char *warning = NULL;
  BearerConnection *connection;
  int code;

  if (bearer_dpop_is_token_type (token_type) ||
      !(list = bearer_cli_open_connections (FALSE, &code)) ||
      !(connection = bearer_connection_list_find (list, name)))
    return;
  warning = bearer_dpop_dup_token_type_warning (bearer_profile_get_dpop (bearer_connection_get_profile (connection)),
                                                token_type);
  if (warning != NULL)
    {
      /* Translators: a warning; %s is the reason. */
      g_autofree char *line = g_strdup_printf (_("Warning: %s"), warning);

      g_printerr ("%s\n", line);
    }
}

/* The `DPoP:` proof for a request with @token to @url. Failures are printed. */
static int
dpop_proof_for (const char  *name,
                const char  *method,
                const char  *url,
                const char  *access_token,
                char       **proof_out)
{
  g_autoptr(BearerConnectionList) list = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(GError) error = NULL;
  BearerConnection *connection;
  int code = EXIT_OK;

  *proof_out = NULL;
  if (!(list = bearer_cli_open_connections (FALSE, &code)) ||
      !(connection = bearer_cli_find_connection (list, name, &code)))
    return code;
  if (!(secrets = bearer_cli_lookup_secrets (bearer_connection_get_profile (connection), &error)))
    return bearer_cli_fail_for (name, error);
  *proof_out = bearer_dpop_proof_create (bearer_secrets_get_dpop_key (secrets), method, url,
                                         access_token, NULL, g_get_real_time () / G_USEC_PER_SEC,
                                         &error);
  if (*proof_out == NULL)
    return bearer_cli_fail_for (name, error);
  return EXIT_OK;
}

static int
not_dpop_error (const char *name)
{
  g_autofree char *message =
    /* Translators: %s is a profile name. */
    g_strdup_printf (_("The token of “%s” is not a DPoP token: it needs no proof"), name);

  bearer_cli_print_error (message);
  return EXIT_USAGE;
}

static int
command_token (int      argc,
               char   **argv,
               gboolean force)
{
  gint min_valid = 60;
  gboolean header = FALSE, json = FALSE, export = FALSE;
  g_autofree char *format = NULL;
  g_autofree char *dpop_url = NULL;
  g_autofree char *dpop_method = NULL;
  GOptionEntry entries[] = {
    { "min-valid", 0, 0, G_OPTION_ARG_INT, &min_valid, NULL, "SECONDS" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, NULL, "FORMAT" },
    { "header", 0, 0, G_OPTION_ARG_NONE, &header, NULL, NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, NULL, NULL },
    { "export", 0, 0, G_OPTION_ARG_NONE, &export, NULL, NULL },
    { "dpop-url", 0, 0, G_OPTION_ARG_STRING, &dpop_url, NULL, "URL" },
    { "dpop-method", 0, 0, G_OPTION_ARG_STRING, &dpop_method, NULL, "METHOD" },
    { NULL }
  };
  g_autofree char *proof = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_auto(BearerCliToken) token = { NULL, };
  BearerCliOutput output = force ? OUTPUT_STATUS : OUTPUT_BARE;
  int code;

  /* refresh takes no --min-valid */
  g_option_context_add_main_entries (context, force ? entries + 1 : entries, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (context, FALSE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return bearer_cli_usage_error (error->message);
  if (argc != 2)
    return bearer_cli_usage_error (force ? _("“refresh” takes one profile name")
                                   : _("“token” takes one profile name"));
  if (min_valid < 0)
    return bearer_cli_usage_error (_("--min-valid is a number of seconds"));
  if (header + json + export > 1 || (format != NULL && header + json + export > 0))
    return bearer_cli_usage_error (format == NULL ? _("Choose one of --header, --json and --export")
                                   : _("Choose one of --format, --header, --json and --export"));
  if (format != NULL && !bearer_cli_output_from_format (format, &output))
    return bearer_cli_usage_error (_("--format is one of bare, header, json, env, exec-credential"));
  if (header)
    output = OUTPUT_HEADER;
  else if (json)
    output = OUTPUT_JSON;
  else if (export)
    output = OUTPUT_ENV;
  if (dpop_method != NULL && dpop_url == NULL)
    return bearer_cli_usage_error (_("--dpop-method goes with --dpop-url"));
  if (dpop_url != NULL && output != OUTPUT_HEADER)
    return bearer_cli_usage_error (_("--dpop-url goes with --format header: the proof is a header"));
  if (dpop_method != NULL && !soup_header_contains ("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
                                                    dpop_method))
    return bearer_cli_usage_error (_("--dpop-method is an HTTP method: GET, HEAD, POST, PUT, PATCH, "
                                     "DELETE or OPTIONS"));

  if (output == OUTPUT_EXEC_CREDENTIAL)
    {
      gboolean interactive;

      /* kubectl without a terminal: a locked keyring is an error, never a
       * prompt. */
      bearer_cli_exec_info (&interactive);
      if (!interactive)
        bearer_secrets_set_may_prompt (FALSE);
    }

  code = bearer_cli_get_token (argv[1], force, (guint) min_valid, &token);
  if (token.secrets != NULL)
    warn_unbound (token.name, bearer_secrets_get_token_type (token.secrets));
  if (token.secrets != NULL && dpop_url != NULL)
    {
      int proof_code;

      if (!bearer_dpop_is_token_type (bearer_secrets_get_token_type (token.secrets)))
        return not_dpop_error (token.name);
      proof_code = dpop_proof_for (token.name, dpop_method != NULL ? dpop_method : "GET", dpop_url,
                                   bearer_secrets_get_access_token (token.secrets), &proof);
      if (proof_code != EXIT_OK)
        return proof_code;
    }
  if (token.secrets != NULL)
    bearer_cli_print_token (token.name, bearer_secrets_get_access_token (token.secrets),
                            bearer_secrets_get_token_type (token.secrets),
                            bearer_secrets_get_expires_at (token.secrets),
                            bearer_secrets_get_scope (token.secrets), output, token.from_server, token.rotated,
                            token.stored);
  if (proof != NULL)
    g_print ("%s: %s\n", BEARER_DPOP_HEADER, proof);
  return code;
}

/* bearer-cli token NAME [--min-valid SECONDS] [--format FORMAT|--header|--json|--export] */
int
bearer_cli_token (int    argc,
                  char **argv)
{
  return command_token (argc, argv, FALSE);
}

/* bearer-cli refresh NAME [--format FORMAT|--header|--json|--export] */
int
bearer_cli_refresh (int    argc,
                    char **argv)
{
  return command_token (argc, argv, TRUE);
}

/* Writes all of @data to @fd; async-signal-safe (the pipe writer below
 * runs it between fork and _exit). */
static gboolean
write_all (int         fd,
           const char *data,
           gsize       length)
{
  while (length > 0)
    {
      gssize written = write (fd, data, length);

      if (written < 0 && errno == EINTR)
        continue;
      if (written <= 0)
        return FALSE;
      data += written;
      length -= (gsize) written;
    }
  return TRUE;
}

/* The header in anonymous memory: a sealed memfd, whatever its size, with
 * no file on disk and no process to feed it. */
static int
header_memfd_new (const char *header,
                  gsize       length)
{
  int fd = memfd_create ("bearer-authorization", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  int saved_errno;

  if (fd < 0)
    return -1;
  if (!write_all (fd, header, length) ||
      fcntl (fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
    {
      saved_errno = errno;
      close (fd);
      errno = saved_errno;
      return -1;
    }
  return fd;
}

/* Without memfd (Linux before 3.17, or a sandbox that forbids it): a pipe,
 * fed by a process of its own while curl reads it, for a header can be
 * larger than a pipe holds. The writer is a grandchild, so it is nobody's
 * zombie: curl, which this process becomes, never waits for it. Returns
 * the read end (close-on-exec). */
static int
header_pipe_new (const char *header,
                 gsize       length)
{
  int fds[2];
  int status = 0;
  int saved_errno;
  pid_t pid;

  if (pipe2 (fds, O_CLOEXEC) != 0)
    return -1;

  pid = fork ();
  if (pid == 0)
    {
      /* Only async-signal-safe calls from here: this process has threads. */
      pid_t writer = fork ();

      if (writer != 0)
        _exit (writer > 0 ? 0 : 1);
      close (fds[0]);
      /* Hold no one's output open: whoever reads curl's sees its end. */
      close (STDIN_FILENO);
      close (STDOUT_FILENO);
      close (STDERR_FILENO);
      _exit (write_all (fds[1], header, length) ? 0 : 1);
    }

  saved_errno = errno;
  close (fds[1]);
  if (pid > 0)
    {
      while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
        ;
      if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
        return fds[0];
      saved_errno = EAGAIN;
    }
  close (fds[0]);
  errno = saved_errno;
  return -1;
}

/* A descriptor curl reads @header from, or -1 with errno set. */
static int
header_fd_new (const char *header)
{
  gsize length = strlen (header);
  int fd = header_memfd_new (header, length);

  if (fd < 0)
    fd = header_pipe_new (header, length);
  return fd;
}

/* Puts @fd at @target, inherited across exec (and only there). */
static gboolean
move_fd_for_exec (int fd,
                  int target)
{
  if (fd == target)
    return fcntl (fd, F_SETFD, 0) == 0;
  if (dup2 (fd, target) < 0)
    return FALSE;
  close (fd);
  return TRUE;
}

/* curl's options whose value may look like a URL but is not the one
 * requested. */
static gboolean
takes_other_url (const char *option)
{
  const char *options[] = {
    "-x", "--proxy", "--preproxy", "-e", "--referer", "-H", "--header", "--proxy-header",
    "--connect-to", "--resolve", "-d", "--data", "--data-raw", "--data-binary",
    "--data-urlencode", "-F", "--form", "--json", "-o", "--output", "-u", "--user",
    "-A", "--user-agent", "-X", "--request", "-w", "--write-out", "-b", "--cookie",
  };

  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    if (g_str_equal (option, options[i]))
      return TRUE;
  return FALSE;
}

/* The method and URL of the request curl makes from @args, for its proof:
 * --request/-X, else HEAD for -I/--head, POST when data is sent (unless
 * -G/--get), else GET; the URL is --url's or the one http(s):// argument. */
static gboolean
curl_request (char        **args,
              int           n_args,
              const char  **method_out,
              const char  **url_out)
{
  const char *method = NULL, *url = NULL;
  gboolean data = FALSE, get = FALSE, head = FALSE;

  for (int i = 0; i < n_args; i++)
    {
      const char *arg = args[i];
      const char *next = i + 1 < n_args ? args[i + 1] : NULL;

      if ((g_str_equal (arg, "-X") || g_str_equal (arg, "--request")) && next != NULL)
        method = next;
      else if (g_str_has_prefix (arg, "-X") && arg[2] != '\0')
        method = arg + 2;
      else if (g_str_equal (arg, "-I") || g_str_equal (arg, "--head"))
        head = TRUE;
      else if (g_str_equal (arg, "-G") || g_str_equal (arg, "--get"))
        get = TRUE;
      else if (g_str_has_prefix (arg, "-d") || g_str_has_prefix (arg, "--data") ||
               g_str_equal (arg, "-F") || g_str_equal (arg, "--form") || g_str_equal (arg, "--json"))
        data = TRUE;

      if (g_str_equal (arg, "--url") && next != NULL)
        {
          if (url != NULL && !g_str_equal (url, next))
            return FALSE;
          url = next;
          i++;
          continue;
        }
      if (takes_other_url (arg))
        {
          i++;
          continue;
        }
      if (g_ascii_strncasecmp (arg, "https://", 8) == 0 || g_ascii_strncasecmp (arg, "http://", 7) == 0)
        {
          /* One proof names one request. */
          if (url != NULL && !g_str_equal (url, arg))
            return FALSE;
          url = arg;
        }
    }

  if (url == NULL)
    return FALSE;
  if (method == NULL)
    method = head ? "HEAD" : (data && !get) ? "POST" : "GET";
  *method_out = method;
  *url_out = url;
  return TRUE;
}

/* bearer-cli curl NAME -- CURL-ARGUMENT… */
int
bearer_cli_curl (int    argc,
                 char **argv)
{
  g_auto(BearerCliToken) token = { NULL, };
  g_autoptr(GPtrArray) curl_argv = NULL;
  char *header = NULL;
  BearerSecrets *secrets;
  int exit_code = EXIT_OK;
  int saved_errno;
  int fd;
  int first = 2;

  if (argc < 2)
    return bearer_cli_usage_error (_("Usage: bearer-cli curl NAME -- CURL-ARGUMENT…"));
  if (argc > 2 && g_str_equal (argv[2], "--"))
    first = 3;

  /* Curl runs with the token even when the keyring did not take it. */
  exit_code = bearer_cli_get_token (argv[1], FALSE, 60, &token);
  if (token.secrets == NULL)
    return exit_code;

  secrets = token.secrets;
  warn_unbound (token.name, bearer_secrets_get_token_type (secrets));
  if (bearer_dpop_is_token_type (bearer_secrets_get_token_type (secrets)))
    {
      /* The proof for curl's own request, on the next line of the same
       * descriptor. */
      const char *method = NULL, *url = NULL;
      g_autofree char *proof = NULL;
      int proof_code;

      if (!curl_request (argv + first, argc - first, &method, &url))
        {
          bearer_cli_print_error (_("The token is a DPoP token: its proof names the request’s "
                                    "address, and curl’s arguments must hold exactly one "
                                    "http:// or https:// address"));
          return EXIT_USAGE;
        }
      proof_code = dpop_proof_for (token.name, method, url, bearer_secrets_get_access_token (secrets),
                                   &proof);
      if (proof_code != EXIT_OK)
        return proof_code;
      header = g_strdup_printf ("Authorization: %s %s\n%s: %s\n",
                                bearer_secrets_get_token_type (secrets),
                                bearer_secrets_get_access_token (secrets), BEARER_DPOP_HEADER, proof);
    }
  else
    header = g_strdup_printf ("Authorization: %s %s\n", bearer_secrets_get_token_type (secrets),
                              bearer_secrets_get_access_token (secrets));

  /* The header goes to curl on fd 3 (-H @/dev/fd/3): a command line can be
   * read by every user of the machine, a file outlives us. Nothing waits
   * for curl to read it: a token may be larger than a pipe holds. */
  fd = header_fd_new (header);
  saved_errno = errno;
  bearer_secret_free (g_steal_pointer (&header));
  if (fd < 0 || !move_fd_for_exec (fd, 3))
    {
      /* Translators: %s is the system’s explanation of the failure. */
      g_autofree char *message = g_strdup_printf (_("Cannot hand the access token to curl: %s"),
                                                  g_strerror (fd < 0 ? saved_errno : errno));
      bearer_cli_print_error (message);
      if (fd >= 0)
        close (fd);
      return EXIT_FAILURE_OTHER;
    }

  curl_argv = g_ptr_array_new ();
  g_ptr_array_add (curl_argv, (gpointer) "curl");
  g_ptr_array_add (curl_argv, (gpointer) "-H");
  g_ptr_array_add (curl_argv, (gpointer) "@/dev/fd/3");
  for (int i = first; i < argc; i++)
    g_ptr_array_add (curl_argv, argv[i]);
  g_ptr_array_add (curl_argv, NULL);

  fflush (stdout);
  execvp ("curl", (char **) curl_argv->pdata);

  {
    /* Translators: %s is the system’s explanation of the failure. */
    g_autofree char *message = g_strdup_printf (_("Cannot run curl: %s"), g_strerror (errno));
    bearer_cli_print_error (message);
  }
  return EXIT_FAILURE_OTHER;
}
