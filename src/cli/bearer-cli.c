/* bearer-cli.c: Bearer's command-line companion
 *
 * Profiles and their commands arrive with the profile store; for now the
 * command knows its version and its help.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>

#include "bearer-client.h"

int
main (int   argc,
      char *argv[])
{
  gboolean version = FALSE;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Get, refresh and hand out OAuth 2.0 access tokens."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bearer-cli: %s\n", error->message);
      return 2;
    }

  if (version)
    {
      g_print ("bearer-cli %s\n", PACKAGE_VERSION);
      return 0;
    }

  g_printerr ("bearer-cli: %s\n", _("no command given; see --help"));
  return 2;
}
