/* main.c: bearer-agent, the token agent on the session bus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include <glib/gi18n.h>

#include "bearer-agent.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(BearerAgent) agent = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("BEARER_LOCALEDIR") ? g_getenv ("BEARER_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("bearer-agent");

  agent = bearer_agent_new ();
  return g_application_run (G_APPLICATION (agent), argc, argv);
}
