/* bearer-cli.c: Bearer's command-line companion
 *
 * The same profiles and keyring as the window, through core only (its
 * connections, bearer-connection-list.h): no GTK, no HTTP and no libsecret
 * here. Secrets come from standard input, never from the command line, and
 * never reach standard error.
 *
 * One command per function, in a file by concern:
 *   bearer-cli.c          main, the command table, help, what they share
 *   bearer-cli-profiles.c list, add, remove
 *   bearer-cli-secrets.c  set-secret
 *   bearer-cli-token.c    token, refresh, curl (and interruptions)
 *   bearer-cli-snippet.c  snippet
 *   bearer-cli-login.c    login
 *   bearer-cli-lifecycle.c revoke, introspect
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>

#include "bearer-agent-protocol.h"
#include "bearer-cli-private.h"

static const char *usage_text =
  /* Translators: the output of “bearer-cli --help”. Translate the descriptions
   * only: commands, options, their arguments (NAME, URL, SECONDS…), grant and
   * authentication names, “processmaker” and the examples are typed as they
   * are. Keep the descriptions lined up in their column as in English, wrap at 80
   * columns, and keep the blank lines. */
  N_("Usage:\n"
     "  bearer-cli COMMAND [OPTION…]\n"
     "\n"
     "Get, refresh and hand out OAuth 2.0 access tokens, from the same profiles\n"
     "and keyring as the Bearer window.\n"
     "\n"
     "Commands:\n"
     "  list                          Profiles, their grant and their token’s state\n"
     "  add NAME --token-url URL --client-id ID [OPTION…]\n"
     "                                Add a profile\n"
     "      --grant GRANT             refresh_token (default), client_credentials,\n"
     "                                password, authorization_code or device_code\n"
     "      --authorize-url URL       Where the browser signs in (authorization_code)\n"
     "      --redirect-uri URL        The registered callback; default: 127.0.0.1 on\n"
     "                                any free port (a loopback URL with a port is\n"
     "                                listened on exactly; another is pasted back)\n"
     "      --pkce s256|plain|none    PKCE method (default s256)\n"
     "      --device-authorization-url URL\n"
     "                                Where a device code is asked for (device_code)\n"
     "      --issuer URL              Fill the endpoints by discovery (OpenID Connect,\n"
     "                                RFC 8414); the grant is authorization_code\n"
     "                                unless --grant says otherwise\n"
     "      --auth MODE               basic (default), basic-raw, post or none\n"
     "      --scope SCOPE             Scopes to ask for, separated by spaces\n"
     "      --audience AUDIENCE, --resource RESOURCE\n"
     "      --username USER           For the password grant\n"
     "      --json-body               Send the request body as JSON\n"
     "      --ca-file FILE            Also trust the certificates in FILE\n"
     "      --allow-http              Allow plain http:// to a host that is not local\n"
     "      --preset PRESET           The token URL, grant, client authentication and\n"
     "                                scope of a preset of the window, from its input:\n"
     "        processmaker --instance INSTANCE\n"
     "                                acme: https://acme.processmaker.net/oauth/token;\n"
     "                                a server: its /oauth/token; a URL with a path:\n"
     "                                as it is\n"
     "        generic --token-url URL\n"
     "        keycloak --server URL --realm REALM\n"
     "        entra [--tenant TENANT]\n"
     "                                the tenant is “common” unless given\n"
     "        auth0 --host DOMAIN\n"
     "        google\n"
     "        gitlab [--instance URL]\n"
     "                                https://gitlab.com unless given\n"
     "  remove NAME                   Remove a profile and its secrets\n"
     "  set-secret NAME client-secret|refresh-token|password\n"
     "                                Read a secret from standard input and keep it\n"
     "                                in the keyring (never give it as an argument)\n"
     "  token NAME [--min-valid SECONDS] [--header|--json|--export]\n"
     "                                Print the access token, refreshing it first when\n"
     "                                less than SECONDS (default 60) are left\n"
     "  login NAME [--device] [--no-browser] [--timeout SECONDS]\n"
     "                                Sign in: open the browser (the address is also\n"
     "                                printed), wait for it to come back (default 300\n"
     "                                seconds), and keep the tokens in the keyring;\n"
     "                                --device shows a code to enter on any device\n"
     "  refresh NAME [--header|--json|--export]\n"
     "                                Refresh now, whatever is left\n"
     "  curl NAME -- CURL-ARGUMENT…   Run curl with the Authorization header added\n"
     "                                (passed through a pipe, not the command line)\n"
     "  snippet NAME [--lang curl|python|node] [--with-secrets]\n"
     "                                Print the token request the profile sends, as a\n"
     "                                curl command (default), a Python requests or a\n"
     "                                Node.js axios script; the secrets are\n"
     "                                placeholders unless --with-secrets reads them\n"
     "                                from the keyring\n"
     "  help [COMMAND]                This text, or one command’s line of it\n"
     "\n"
     "Exit status:\n"
     "  0  success\n"
     "  1  another failure (profiles file, unknown profile, curl missing)\n"
     "  2  usage error\n"
     "  3  the server or the network failed; login timed out\n"
     "  4  sign in again: the server refused the refresh token; or login was\n"
     "     refused (access denied, the device code expired)\n"
     "  5  the keyring is unavailable or locked\n"
     "\n"
     "Examples:\n"
     "  bearer-cli add prod --preset processmaker --instance acme --client-id 3\n"
     "  bearer-cli set-secret prod client-secret < secret.txt\n"
     "  bearer-cli snippet prod --lang python > refresh.py\n"
     "  bearer-cli add dev --issuer https://id.example.com --client-id cli --auth none\n"
     "  bearer-cli login dev\n"
     "  curl -H \"$(bearer-cli token prod --header)\" https://acme.processmaker.net/api/1.0/users\n");

/* What came with the token agent, in a text of its own so that the
 * translations of the text above stay whole until this one is translated. */
static const char *usage_more_text =
  /* Translators: the end of “bearer-cli --help”, after the text above.
   * Translate the descriptions only: commands, options, their arguments and
   * the formats are typed as they are. Keep the descriptions lined up in
   * their column as in English, wrap at 80 columns, and keep the blank
   * lines. */
  N_("More commands and options:\n"
     "  add NAME … --keep-alive       Keep Signed In: the token agent refreshes the\n"
     "                                token before it expires, window or not\n"
     "  set NAME [OPTION…]            Change a profile’s settings:\n"
     "      --keep-alive, --no-keep-alive\n"
     "      --auto-refresh, --no-auto-refresh\n"
     "      --refresh-margin SECONDS, --token-url URL, --client-id ID, --scope SCOPE,\n"
     "      --audience AUDIENCE, --resource RESOURCE, --username USER, --auth MODE,\n"
     "      --rename NEW-NAME\n"
     "  token|refresh NAME --format FORMAT\n"
     "                                bare (token’s default), header, json, env or\n"
     "                                exec-credential (kubectl); --header, --json and\n"
     "                                --export are the same as header, json and env\n"
     "  git-credential NAME get|store|erase [--username USER]\n"
     "                                A git credential helper: the access token as the\n"
     "                                password (user oauth2) or, for git 2.46 and\n"
     "                                later, as a Bearer credential\n"
     "\n"
     "bearer-cli asks the token agent (bearer-agent, started through D-Bus) first\n"
     "and does the work itself when there is none; BEARER_NO_AGENT=1 always does.\n");

/* The token's lifecycle, in a text of its own for the same reason. */
static const char *usage_lifecycle_text =
  /* Translators: more of “bearer-cli --help”, after the text above. Translate
   * the descriptions only; keep the column and the 80-column wrap. */
  N_("The token’s lifecycle:\n"
     "  add|set NAME … --revoke-url URL, --introspect-url URL\n"
     "                                The revocation (RFC 7009) and introspection\n"
     "                                (RFC 7662) endpoints; --issuer fills them\n"
     "  revoke NAME [--access-token|--refresh-token|--all] [--forget]\n"
     "                                Sign out: revoke the tokens (default all) and\n"
     "                                remove what the server revoked from the\n"
     "                                keyring; --forget removes them even when the\n"
     "                                server does not confirm\n"
     "  introspect NAME [--refresh-token]\n"
     "                                Print the server’s JSON about the access (or\n"
     "                                refresh) token: active, expiry, scope, subject\n");

/* Its own text, so that the translations of the two above stay whole. */
static const char *usage_assertion_text =
  /* Translators: more of “bearer-cli --help”, after the text above. Translate
   * the descriptions only: commands, options, their arguments, the method and
   * algorithm names are typed as they are. Keep the descriptions lined up in
   * their column as in English, wrap at 80 columns. */
  N_("Signed client assertions (RFC 7523), with add and set:\n"
     "      --auth private-key-jwt|client-secret-jwt\n"
     "                                Sign a client assertion with the private key,\n"
     "                                or with the client secret (HS256)\n"
     "      --signing-alg RS256|PS256|ES256|HS256|auto\n"
     "                                The algorithm (default auto: as the key is)\n"
     "      --key-id KID              The kid of the assertion’s header\n"
     "      --assertion-aud endpoint|issuer\n"
     "                                The assertion’s audience (default endpoint)\n"
     "  set-secret NAME private-key < key.pem\n"
     "                                Keep a PEM private key in the keyring\n");

/* Client certificates (RFC 8705), in a text of their own for the same
 * reason. */
static const char *usage_tls_text =
  /* Translators: more of “bearer-cli --help”, after the text above. Translate the
   * descriptions only: commands, options, their arguments and the modes are
   * typed as they are. Keep the descriptions lined up in their column as in
   * English, wrap at 80 columns. */
  N_("Client certificates (RFC 8705):\n"
     "  add|set NAME … --auth tls|self-signed-tls --client-cert FILE\n"
     "                                Authenticate the client with the certificate in\n"
     "                                FILE (PEM): tls for one a CA issued,\n"
     "                                self-signed-tls for a self-signed one\n"
     "  set-secret NAME client-key < KEY.pem\n"
     "                                Keep the certificate’s private key (PEM, no\n"
     "                                passphrase) in the keyring; read from a file\n"
     "                                or a pipe only\n");

/* DPoP (RFC 9449), in a text of its own for the same reason. */
static const char *usage_dpop_text =
  /* Translators: more of “bearer-cli --help”, after the text above. Translate the
   * descriptions only: commands, options, their arguments and the header
   * names are typed as they are. Keep the descriptions lined up in their
   * column as in English, wrap at 80 columns. */
  N_("Tokens bound to this computer (DPoP, RFC 9449):\n"
     "  add|set NAME … --dpop, --no-dpop\n"
     "                                Sign a proof for every token request with a\n"
     "                                key of the profile’s own, made and kept in the\n"
     "                                keyring\n"
     "  token NAME --format header --dpop-url URL [--dpop-method METHOD]\n"
     "                                Also print the DPoP: proof for a request to URL\n"
     "                                (method GET unless given)\n"
     "  curl NAME -- CURL-ARGUMENT…   With a DPoP token, also pass the proof for\n"
     "                                curl’s own method and URL\n");
/* The confirmation, in a text of its own for the same reason. */
static const char *usage_ask_text =
  /* Translators: the end of “bearer-cli --help”, after the text above.
   * Translate the descriptions only: commands and options are typed as they
   * are. Keep the descriptions lined up in their column as in English and
   * wrap at 80 columns. */
  N_("Ask before other programs use this token (add NAME … --ask, set NAME\n"
     "--ask|--no-ask): the token agent asks in Bearer’s window before it gives the\n"
     "token to a program. bearer-cli run with BEARER_NO_AGENT=1 does not ask.\n");

void
bearer_cli_waited_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  Waiter *waiter = user_data;

  waiter->result = g_object_ref (result);
  g_main_loop_quit (waiter->loop);
}

/* Runs the main loop until the async call started with bearer_cli_waited_cb ends. */
GAsyncResult *
bearer_cli_wait_for (Waiter *waiter)
{
  g_main_loop_run (waiter->loop);
  return waiter->result;
}

void
bearer_cli_waiter_clear (Waiter *waiter)
{
  g_clear_pointer (&waiter->loop, g_main_loop_unref);
  g_clear_object (&waiter->result);
}

Waiter
bearer_cli_waiter_init (void)
{
  Waiter waiter = { g_main_loop_new (NULL, FALSE), NULL };
  return waiter;
}

int
bearer_cli_exit_code_for (const GError *error)
{
  if (error->domain == BEARER_KEYRING_ERROR)
    return EXIT_KEYRING;
  if (bearer_error_is_dead_refresh_token (error))
    return EXIT_SIGN_IN;
  /* A private key that cannot sign: nothing was sent. */
  if (g_error_matches (error, BEARER_ERROR, BEARER_ERROR_PRIVATE_KEY))
    return EXIT_FAILURE_OTHER;
  if (error->domain == BEARER_ERROR)
    return EXIT_SERVER;
  return EXIT_FAILURE_OTHER;
}

int
bearer_cli_fail_for (const char   *profile_name,
                     const GError *error)
{
  bearer_cli_print_error (error->message);
  if (bearer_error_is_dead_refresh_token (error))
    bearer_cli_print_sign_in_advice (profile_name);
  return bearer_cli_exit_code_for (error);
}

int
bearer_cli_fail (const GError *error)
{
  return bearer_cli_fail_for (NULL, error);
}

int
bearer_cli_usage_error (const char *message)
{
  bearer_cli_print_error (message);
  bearer_cli_print_error (_("Try “bearer-cli --help”."));
  return EXIT_USAGE;
}

/* bearer_cli_agent_call_raw(), with the agent's error as the GError the
 * work reported: NoSuchConnection is G_IO_ERROR_NOT_FOUND. An error name
 * that is none of the agent's means "do the work here". */
AgentOutcome
bearer_cli_agent_call (const char          *method,
                       GVariant            *args,
                       const GVariantType  *reply_type,
                       GVariant           **reply,
                       GError             **error,
                       int                 *signum)
{
  g_autofree char *name = NULL;
  g_autofree char *message = NULL;
  AgentOutcome outcome;

  outcome = bearer_cli_agent_call_raw (method, args, reply_type, reply, &name, &message, signum);
  if (outcome != AGENT_ANSWERED || name == NULL)
    return outcome;
  if (g_str_equal (name, BEARER_AGENT_ERROR_NO_SUCH_CONNECTION))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, message);
      return AGENT_ANSWERED;
    }
  *error = bearer_agent_error_from_remote (name, message);
  return *error != NULL ? AGENT_ANSWERED : AGENT_UNAVAILABLE;
}

static void
connections_loaded_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  bearer_cli_waited_cb (source, result, user_data);
}

/* The profiles, as connections; with @read_secrets, every profile's
 * keyring item too, in one search. */
BearerConnectionList *
bearer_cli_open_connections (gboolean  read_secrets,
                             int      *exit_code)
{
  g_autoptr(BearerProfileStore) store = bearer_profile_store_new (NULL);
  g_autoptr(BearerConnectionList) list = bearer_connection_list_new (store);
  g_autoptr(GError) error = NULL;
  Waiter waiter = bearer_cli_waiter_init ();

  bearer_connection_list_set_read_secrets (list, read_secrets);
  bearer_connection_list_load_async (list, NULL, connections_loaded_cb, &waiter);
  if (!bearer_connection_list_load_finish (list, bearer_cli_wait_for (&waiter), &error))
    {
      bearer_cli_print_error (error->message);
      /* A damaged file was set aside: go on with what is left (nothing). */
      if (!g_error_matches (error, BEARER_PROFILE_STORE_ERROR, BEARER_PROFILE_STORE_ERROR_CORRUPT))
        {
          bearer_cli_waiter_clear (&waiter);
          *exit_code = EXIT_FAILURE_OTHER;
          return NULL;
        }
    }
  bearer_cli_waiter_clear (&waiter);

  return g_steal_pointer (&list);
}

BearerConnection *
bearer_cli_find_connection (BearerConnectionList *list,
                            const char           *name,
                            int                  *exit_code)
{
  BearerConnection *connection = bearer_connection_list_find (list, name);

  if (connection == NULL)
    *exit_code = bearer_cli_no_such_profile (name);
  return connection;
}

BearerSecrets *
bearer_cli_lookup_secrets (BearerProfile  *profile,
                           GError        **error)
{
  Waiter waiter = bearer_cli_waiter_init ();
  BearerSecrets *secrets;

  bearer_secrets_lookup_async (bearer_profile_get_id (profile), NULL, bearer_cli_waited_cb, &waiter);
  secrets = bearer_secrets_lookup_finish (bearer_cli_wait_for (&waiter), error);
  bearer_cli_waiter_clear (&waiter);
  return secrets;
}

/* Says so when a transaction just moved tokens that the keyring had
 * refused earlier into it (bearer_profile_has_pending_tokens()). */
void
bearer_cli_report_pending_moved (BearerProfile *profile,
                                 gboolean       had_pending)
{
  if (!had_pending || bearer_profile_has_pending_tokens (profile))
    return;
  bearer_cli_report_pending_moved_name (bearer_profile_get_name (profile));
}

static void
change_nothing (BearerSecrets *secrets,
                gpointer       user_data)
{
}

/* Moves tokens the keyring refused earlier into it, under the profile's
 * lock, and says so. */
BearerSecrets *
bearer_cli_move_pending_tokens (BearerProfile  *profile,
                                GError        **error)
{
  Waiter waiter = bearer_cli_waiter_init ();
  BearerSecrets *secrets;

  bearer_profile_update_secrets_async (profile, change_nothing, NULL, NULL, NULL, bearer_cli_waited_cb, &waiter);
  secrets = bearer_profile_update_secrets_finish (bearer_cli_wait_for (&waiter), error);
  bearer_cli_waiter_clear (&waiter);
  if (secrets != NULL)
    bearer_cli_report_pending_moved (profile, TRUE);
  return secrets;
}


/* The state of a token, in a few words: the TOKEN column of list, and
 * after a refresh (bearer-cli-output.c says it). */
char *
bearer_cli_describe_state (BearerSecrets *secrets,
                           gint64         now)
{
  return bearer_cli_describe_token_state (bearer_secrets_get_needs_sign_in (secrets),
                                          bearer_secrets_get_access_token (secrets) != NULL,
                                          bearer_secrets_get_refresh_token (secrets) != NULL,
                                          bearer_secrets_get_expires_at (secrets), now);
}

/* ---- The commands --------------------------------------------------------
 *
 * One function per command, taking the command's own argv (argv[0] is the
 * command's name), returning the exit status.
 */

static int command_help (int    argc,
                         char **argv);

typedef struct {
  const char *name;
  int       (*run) (int    argc,
                    char **argv);
  const char *help;             /* one line, translatable (N_) */
} Command;

static const Command commands[] = {
  /* Translators: the one-line help of “bearer-cli list”, printed by “bearer-cli
   * help list”. */
  { "list", bearer_cli_list, N_("Profiles, their grant and their token’s state") },
  /* Translators: the one-line help of “bearer-cli add”. */
  { "add", bearer_cli_add, N_("Add a profile, by its token URL or from a preset") },
  /* Translators: the one-line help of “bearer-cli set”. */
  { "set", bearer_cli_set, N_("Change a profile’s settings, such as Keep Signed In") },
  /* Translators: the one-line help of “bearer-cli remove”. */
  { "remove", bearer_cli_remove, N_("Remove a profile and its secrets") },
  /* Translators: the one-line help of “bearer-cli set-secret”. */
  { "set-secret", bearer_cli_set_secret, N_("Read a secret from standard input and keep it in the keyring") },
  /* Translators: the one-line help of “bearer-cli token”. */
  { "token", bearer_cli_token, N_("Print the access token, refreshing it first when it is about to expire") },
  /* Translators: the one-line help of “bearer-cli refresh”. */
  { "refresh", bearer_cli_refresh, N_("Refresh the access token now") },
  /* Translators: the one-line help of “bearer-cli curl”. */
  { "curl", bearer_cli_curl, N_("Run curl with the Authorization header added") },
  /* Translators: the one-line help of “bearer-cli snippet”. */
  { "snippet", bearer_cli_snippet, N_("Print the token request as a cURL command, a Python or a Node.js script") },
  /* Translators: the one-line help of “bearer-cli git-credential”. */
  { "git-credential", bearer_cli_git_credential, N_("Hand the access token to git as a credential helper") },
  /* Translators: the one-line help of “bearer-cli login”. */
  { "login", bearer_cli_login, N_("Sign in through the browser or with a device code, and keep the tokens") },
  /* Translators: the one-line help of “bearer-cli revoke”. */
  { "revoke", bearer_cli_revoke, N_("Sign out: revoke the tokens at the server and remove them from the keyring") },
  /* Translators: the one-line help of “bearer-cli introspect”. */
  { "introspect", bearer_cli_introspect, N_("Ask the server whether the access or refresh token is active") },
  /* Translators: the one-line help of “bearer-cli help”. */
  { "help", command_help, N_("Print the help, or one command’s line of it") },
};

static const Command *
find_command (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];
  return NULL;
}

/* bearer-cli help [COMMAND] */
static int
command_help (int    argc,
              char **argv)
{
  const Command *command;

  if (argc < 2)
    {
      g_print ("%s", _(usage_text));
      g_print ("\n%s", _(usage_more_text));
      g_print ("\n%s", _(usage_lifecycle_text));
      g_print ("\n%s", _(usage_assertion_text));
      g_print ("\n%s", _(usage_tls_text));
      g_print ("\n%s", _(usage_dpop_text));
      g_print ("\n%s", _(usage_ask_text));
      return EXIT_OK;
    }
  if (argc > 2)
    return bearer_cli_usage_error (_("“help” takes at most one command"));
  if (!(command = find_command (argv[1])))
    {
      g_autofree char *message = g_strdup_printf (_("Unknown command “%s”"), argv[1]);
      return bearer_cli_usage_error (message);
    }

  g_print ("bearer-cli %s: %s\n", command->name, _(command->help));
  return EXIT_OK;
}

int
main (int   argc,
      char *argv[])
{
  const Command *command;

  setlocale (LC_ALL, "");
  /* BEARER_LOCALEDIR: the build tree's catalogs, for tests and meson devenv. */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("BEARER_LOCALEDIR") ? g_getenv ("BEARER_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("bearer-cli");
  /* Standard output is for tokens that scripts capture: debug logs go to
   * standard error. */
  g_log_writer_default_set_use_stderr (TRUE);

  if (argc < 2)
    return bearer_cli_usage_error (_("No command given"));

  if (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h"))
    return command_help (1, argv + 1);
  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("bearer-cli %s\n", PACKAGE_VERSION);
      return EXIT_OK;
    }
  /* The token agent's bus name, for scripts (bench/refresh-vs-curl.sh). */
  if (g_str_equal (argv[1], "--agent-name"))
    {
      g_print ("%s\n", BEARER_AGENT_BUS_NAME);
      return EXIT_OK;
    }

  if (!(command = find_command (argv[1])))
    {
      g_autofree char *message = g_strdup_printf (_("Unknown command “%s”"), argv[1]);
      return bearer_cli_usage_error (message);
    }

  return command->run (argc - 1, argv + 1);
}

