/* bearer-cli-snippet.c: the token request as cURL, Python or Node.js
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "bearer-cli-private.h"
#include "bearer-enum-types.h"
#include "bearer-request-preview.h"

/* bearer-cli snippet NAME [--lang curl|python|node] [--with-secrets]: the
 * token request as the core would send it (bearer-request-preview.h). The
 * keyring is read only with --with-secrets; the secrets go to standard
 * output, like a token, and never to an argument. */
int
bearer_cli_snippet (int    argc,
                    char **argv)
{
  g_autofree char *lang = NULL;
  gboolean with_secrets = FALSE;
  GOptionEntry entries[] = {
    { "lang", 0, 0, G_OPTION_ARG_STRING, &lang, NULL, "LANGUAGE" },
    { "with-secrets", 0, 0, G_OPTION_ARG_NONE, &with_secrets, NULL, NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(BearerConnectionList) list = NULL;
  BearerConnection *connection;
  g_autoptr(BearerSecrets) secrets = NULL;
  g_autoptr(GError) error = NULL;
  BearerProfile *profile;
  int language = BEARER_SNIPPET_CURL;
  int exit_code = EXIT_OK;
  char *text;

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (context, FALSE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return bearer_cli_usage_error (error->message);
  if (argc != 2)
    return bearer_cli_usage_error (_("“snippet” takes one profile name"));
  if (lang != NULL && !bearer_enum_from_nick (BEARER_TYPE_SNIPPET_LANGUAGE, lang, &language))
    return bearer_cli_usage_error (_("--lang is one of curl, python, node"));

  if (!(list = bearer_cli_open_connections (FALSE, &exit_code)) ||
                                            !(connection = bearer_cli_find_connection (list, argv[1], &exit_code)))
    return exit_code;
  profile = bearer_connection_get_profile (connection);

  if (with_secrets)
    {
      if (bearer_profile_has_pending_tokens (profile))
        secrets = bearer_cli_move_pending_tokens (profile, &error);
      else
        secrets = bearer_cli_lookup_secrets (profile, &error);
      if (secrets == NULL)
        return bearer_cli_fail_for (argv[1], error);
    }

  if (!(text = bearer_request_preview (profile, secrets, language, &error)))
    {
      bearer_cli_print_error (error->message);
      return EXIT_FAILURE_OTHER;
    }

  g_print ("%s", text);
  bearer_secret_free (text);
  return EXIT_OK;
}
