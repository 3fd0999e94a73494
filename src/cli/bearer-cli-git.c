/* bearer-cli-git.c: git-credential, a credential helper for git over HTTPS
 *
 *   git config credential.https://gitlab.example.com.helper '!bearer-cli git-credential NAME'
 *
 * get: reads git's key=value lines from standard input (up to an empty line
 * or the end) and answers the access token, refreshed first when it has
 * less than a minute left: as username (default oauth2, GitLab's
 * convention; --username) and password with password_expiry_utc, or, when
 * git announced capability[]=authtype (git 2.46 and later), as
 * authtype=Bearer and credential, marked ephemeral so git never stores it.
 * store: nothing (the token lives in Bearer's keyring). erase (git's answer
 * to a refused credential): drops the stored access token, so the next get
 * refreshes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bearer-cli-private.h"

/* git's request: whether it announced the authtype capability. A line
 * without '=' or an unknown key is ignored, as git's own helpers do. */
static gboolean
read_request (gboolean *authtype)
{
  char line[8192];

  *authtype = FALSE;
  while (fgets (line, sizeof line, stdin) != NULL)
    {
      gsize length = strlen (line);

      while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r'))
        line[--length] = '\0';
      if (length == 0)
        break;
      if (g_str_equal (line, "capability[]=authtype"))
        *authtype = TRUE;
      /* What git sends may hold a password: never kept. */
      explicit_bzero (line, length);
    }
  return !ferror (stdin);
}

static int
credential_get (const char *name,
                const char *username,
                gboolean    authtype)
{
  g_auto(BearerCliToken) token = { NULL, };
  const char *access_token;
  const char *type;
  gint64 expires_at;
  int code;

  code = bearer_cli_get_token (name, FALSE, 60, &token);
  if (token.secrets == NULL)
    return code;

  access_token = bearer_secrets_get_access_token (token.secrets);
  type = bearer_secrets_get_token_type (token.secrets);
  expires_at = bearer_secrets_get_expires_at (token.secrets);
  if (authtype)
    {
      g_print ("capability[]=authtype\n");
      g_print ("authtype=%s\n", type);
      g_print ("credential=%s\n", access_token);
      g_print ("ephemeral=true\n");
    }
  else
    {
      g_print ("username=%s\n", username);
      g_print ("password=%s\n", access_token);
    }
  if (expires_at > 0)
    g_print ("password_expiry_utc=%" G_GINT64_FORMAT "\n", expires_at);
  return code;
}

static void
drop_access_token (BearerSecrets *secrets,
                   gpointer       user_data)
{
  bearer_secrets_set_access_token (secrets, NULL, NULL, 0, NULL);
}

static int
credential_erase (const char *name)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(BearerConnectionList) list = NULL;
  g_autoptr(BearerSecrets) secrets = NULL;
  BearerConnection *connection;
  AgentOutcome outcome;
  Waiter waiter;
  int code = EXIT_OK;
  int signum;

  outcome = bearer_cli_agent_call ("Forget", g_variant_new ("(s)", name), NULL, &reply, &error, &signum);
  if (outcome == AGENT_INTERRUPTED)
    return bearer_cli_agent_interrupted (signum);
  if (outcome == AGENT_ANSWERED)
    {
      if (error == NULL)
        return EXIT_OK;
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        return bearer_cli_no_such_profile (name);
      return bearer_cli_fail_for (name, error);
    }

  if (!(list = bearer_cli_open_connections (FALSE, &code)) ||
      !(connection = bearer_cli_find_connection (list, name, &code)))
    return code;

  /* Under the profile's lock, as every change of its secrets. */
  waiter = bearer_cli_waiter_init ();
  bearer_profile_update_secrets_async (bearer_connection_get_profile (connection), drop_access_token, NULL, NULL,
                                       NULL, bearer_cli_waited_cb, &waiter);
  secrets = bearer_profile_update_secrets_finish (bearer_cli_wait_for (&waiter), &error);
  bearer_cli_waiter_clear (&waiter);
  if (secrets == NULL)
    return bearer_cli_fail_for (name, error);
  return EXIT_OK;
}

/* bearer-cli git-credential NAME get|store|erase [--username USER] */
int
bearer_cli_git_credential (int    argc,
                           char **argv)
{
  g_autofree char *username = NULL;
  GOptionEntry entries[] = {
    { "username", 0, 0, G_OPTION_ARG_STRING, &username, NULL, "USER" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  gboolean authtype;
  const char *operation;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (context, FALSE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return bearer_cli_usage_error (error->message);
  if (argc != 3)
    return bearer_cli_usage_error (_("“git-credential” takes a profile name and get, store or erase"));
  operation = argv[2];
  if (username != NULL && (*username == '\0' || strpbrk (username, "\r\n") != NULL))
    return bearer_cli_usage_error (_("--username must be one line of text"));

  if (!g_str_equal (operation, "get") && !g_str_equal (operation, "store") && !g_str_equal (operation, "erase"))
    /* git calls helpers with operations it may add later: ignore them, as
     * gitcredentials(7) asks. */
    return EXIT_OK;

  if (!read_request (&authtype))
    {
      bearer_cli_print_error (_("Cannot read git’s request from standard input"));
      return EXIT_FAILURE_OTHER;
    }

  if (g_str_equal (operation, "get"))
    return credential_get (argv[1], username != NULL ? username : "oauth2", authtype);
  if (g_str_equal (operation, "erase"))
    return credential_erase (argv[1]);
  return EXIT_OK;
}
