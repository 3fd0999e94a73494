/* main.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>

#include "bearer-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(BearerApplication) app = NULL;

  setlocale (LC_ALL, "");
  /* BEARER_LOCALEDIR: the build tree's catalogs, for tests and meson devenv. */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("BEARER_LOCALEDIR") ? g_getenv ("BEARER_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = bearer_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
