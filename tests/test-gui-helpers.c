/* test-gui-helpers.c: the window's pure helpers: expiry texts
 *
 * (The request as cURL, Python and Node.js is the core's now:
 * tests/test-request-preview.c.)
 *
 * No display needed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>

#include "bearer-token-view.h"

static void
test_expiry_text (void)
{
  const gint64 now = 1700000000;
  const struct { gint64 expires_at; const char *text; } cases[] = {
    { 0, "The server gave no expiry" },
    { now - 5, "Expired" },
    { now, "Expired" },
    { now + 1, "Expires in 1 second" },
    { now + 59, "Expires in 59 seconds" },
    { now + 119, "Expires in 119 seconds" },
    { now + 720, "Expires in 12 minutes" },
    { now + 719, "Expires in 12 minutes" },
    { now + 3 * 3600, "Expires in 3 hours" },
    { now + 365 * 86400, "Expires in 365 days" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = bearer_format_expiry (cases[i].expires_at, now);
      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

int
main (int   argc,
      char *argv[])
{
  /* The untranslated strings are what the tests compare. */
  setlocale (LC_ALL, "C.UTF-8");
  g_setenv ("LANGUAGE", "", TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/bearer/token-view/expiry-text", test_expiry_text);

  return g_test_run ();
}
