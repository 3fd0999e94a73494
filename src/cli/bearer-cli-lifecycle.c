/* bearer-cli-lifecycle.c: revoke, introspect
 *
 * Both do the work here, through the connection (bearer-lifecycle.h), not
 * through the token agent: the agent learns of a revocation from the
 * profile's lock file, as of any change of secrets by another process,
 * and never hands out a token that was revoked and forgotten.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>

#include "bearer-cli-private.h"
#include "bearer-lifecycle.h"

/* What the user must set or store first is not the server's failure. */
static int
exit_code_for (const GError *error)
{
  if (error->domain == BEARER_ERROR &&
      (error->code == BEARER_ERROR_INVALID_URL || error->code == BEARER_ERROR_INSECURE_URL ||
       error->code == BEARER_ERROR_MISSING_PARAMETER || error->code == BEARER_ERROR_INVALID_PARAMETER ||
       error->code == BEARER_ERROR_CA_FILE))
    return EXIT_FAILURE_OTHER;
  if (error->domain == BEARER_PROFILE_STORE_ERROR)
    return EXIT_FAILURE_OTHER;
  return bearer_cli_exit_code_for (error);
}

static void
print_revoked (const char      *name,
               BearerTokenKind  which)
{
  switch (which)
    {
    case BEARER_TOKEN_ACCESS:
      /* Translators: after “bearer-cli revoke --access-token”; %s is the profile name. */
      g_print (_("The server revoked the access token of “%s”; it is removed from the keyring.\n"), name);
      break;
    case BEARER_TOKEN_REFRESH:
      /* Translators: after “bearer-cli revoke --refresh-token”; %s is the profile name. */
      g_print (_("The server revoked the refresh token of “%s”; it is removed from the keyring.\n"), name);
      break;
    case BEARER_TOKEN_ALL:
    default:
      /* Translators: after “bearer-cli revoke”; %s is the profile name. */
      g_print (_("Signed out of “%s”: the server revoked its tokens and they are removed from the "
                 "keyring. The client secret is kept.\n"), name);
      break;
    }
}

/* bearer-cli revoke NAME [--access-token|--refresh-token|--all] [--forget] */
int
bearer_cli_revoke (int    argc,
                   char **argv)
{
  gboolean access = FALSE;
  gboolean refresh = FALSE;
  gboolean all = FALSE;
  gboolean forget = FALSE;
  GOptionEntry entries[] = {
    { "access-token", 0, 0, G_OPTION_ARG_NONE, &access, NULL, NULL },
    { "refresh-token", 0, 0, G_OPTION_ARG_NONE, &refresh, NULL, NULL },
    { "all", 0, 0, G_OPTION_ARG_NONE, &all, NULL, NULL },
    { "forget", 0, 0, G_OPTION_ARG_NONE, &forget, NULL, NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(BearerConnectionList) list = NULL;
  g_autoptr(GError) error = NULL;
  BearerConnection *connection;
  BearerTokenKind which;
  const char *name;
  Waiter waiter;
  gboolean ok;
  int exit_code = EXIT_OK;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (context, FALSE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return bearer_cli_usage_error (error->message);
  if (argc != 2)
    return bearer_cli_usage_error (_("“revoke” takes one profile name"));
  if (access + refresh + all > 1)
    return bearer_cli_usage_error (_("Give only one of --access-token, --refresh-token and --all"));
  which = access ? BEARER_TOKEN_ACCESS : refresh ? BEARER_TOKEN_REFRESH : BEARER_TOKEN_ALL;

  if (!(list = bearer_cli_open_connections (FALSE, &exit_code)) ||
      !(connection = bearer_cli_find_connection (list, argv[1], &exit_code)))
    return exit_code;
  name = bearer_profile_get_name (bearer_connection_get_profile (connection));

  waiter = bearer_cli_waiter_init ();
  bearer_connection_revoke_async (connection, which, forget ? BEARER_REVOKE_FORGET : BEARER_REVOKE_NONE,
                                  NULL, bearer_cli_waited_cb, &waiter);
  ok = bearer_connection_revoke_finish (connection, bearer_cli_wait_for (&waiter), &error);
  bearer_cli_waiter_clear (&waiter);

  if (ok)
    {
      print_revoked (name, which);
      return EXIT_OK;
    }

  bearer_cli_print_error (error->message);
  /* The connection took the keyring's bundle: the tokens were forgotten. */
  if (forget && bearer_connection_get_secrets_loaded (connection))
    {
      g_autofree char *message =
        /* Translators: after “bearer-cli revoke --forget” when the server did
         * not revoke the tokens; %s is the profile name. */
        g_strdup_printf (_("The tokens of “%s” are removed from the keyring, but the server may "
                           "still accept them until they expire."), name);
      bearer_cli_print_error (message);
    }
  return exit_code_for (error);
}

/* bearer-cli introspect NAME [--refresh-token] */
int
bearer_cli_introspect (int    argc,
                       char **argv)
{
  gboolean refresh = FALSE;
  GOptionEntry entries[] = {
    { "refresh-token", 0, 0, G_OPTION_ARG_NONE, &refresh, NULL, NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(BearerConnectionList) list = NULL;
  g_autoptr(BearerIntrospection) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  BearerConnection *connection;
  Waiter waiter;
  int exit_code = EXIT_OK;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (context, FALSE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return bearer_cli_usage_error (error->message);
  if (argc != 2)
    return bearer_cli_usage_error (_("“introspect” takes one profile name"));

  if (!(list = bearer_cli_open_connections (FALSE, &exit_code)) ||
      !(connection = bearer_cli_find_connection (list, argv[1], &exit_code)))
    return exit_code;

  waiter = bearer_cli_waiter_init ();
  bearer_connection_introspect_async (connection, refresh ? BEARER_TOKEN_REFRESH : BEARER_TOKEN_ACCESS,
                                      NULL, bearer_cli_waited_cb, &waiter);
  answer = bearer_connection_introspect_finish (connection, bearer_cli_wait_for (&waiter), &error);
  bearer_cli_waiter_clear (&waiter);

  if (answer == NULL)
    {
      bearer_cli_print_error (error->message);
      return exit_code_for (error);
    }

  /* The server's answer, whatever it says: "active": false is an answer. */
  json = bearer_introspection_to_json (answer);
  g_print ("%s\n", json);
  return EXIT_OK;
}
