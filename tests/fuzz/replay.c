/* replay.c: feed saved inputs to a fuzz harness, without libFuzzer
 *
 *   fuzz-TARGET-replay PATH...
 *
 * Each PATH is a file or a directory whose files (sorted by name, not
 * recursively) are each passed once to LLVMFuzzerTestOneInput(). A missing
 * PATH is skipped (regressions/TARGET may not exist yet), but at least one
 * input must be found. A crash, an assertion or a GLib warning or critical
 * ends the program, which fails the test; the name of the input is on
 * standard error just before.
 *
 * This makes the seed corpus and every crash found by tools/fuzz a
 * permanent regression test of the ordinary (gcc, and ASan) builds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "fuzz-common.h"

/* Harnesses without an initialiser link too. */
#pragma weak LLVMFuzzerInitialize

static gboolean
replay_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      fprintf (stderr, "replay: %s\n", error->message);
      return FALSE;
    }

  fprintf (stderr, "replay: %s (%zu bytes)\n", path, (size_t) length);
  LLVMFuzzerTestOneInput ((const uint8_t *) contents, length);
  return TRUE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

int
main (int   argc,
      char *argv[])
{
  guint replayed = 0;
  guint failed = 0;

  /* Whatever the harness sets up, warnings and criticals stay fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s FILE-OR-DIRECTORY...\n", argv[0]);
      return 2;
    }

  if (LLVMFuzzerInitialize != NULL)
    LLVMFuzzerInitialize (&argc, &argv);

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GDir) dir = NULL;
      g_autoptr(GPtrArray) names = NULL;
      const char *name;

      if (!g_file_test (argv[i], G_FILE_TEST_EXISTS))
        {
          fprintf (stderr, "replay: %s does not exist, skipped\n", argv[i]);
          continue;
        }
      if (!g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        {
          if (replay_file (argv[i]))
            replayed++;
          else
            failed++;
          continue;
        }

      dir = g_dir_open (argv[i], 0, NULL);
      if (dir == NULL)
        {
          failed++;
          continue;
        }
      names = g_ptr_array_new_with_free_func (g_free);
      while ((name = g_dir_read_name (dir)) != NULL)
        if (name[0] != '.')
          g_ptr_array_add (names, g_build_filename (argv[i], name, NULL));
      g_ptr_array_sort (names, compare_names);

      for (guint n = 0; n < names->len; n++)
        {
          if (g_file_test (names->pdata[n], G_FILE_TEST_IS_DIR))
            continue;
          if (replay_file (names->pdata[n]))
            replayed++;
          else
            failed++;
        }
    }

  printf ("replayed %u inputs, %u unreadable\n", replayed, failed);
  if (replayed == 0)
    {
      fprintf (stderr, "replay: no input found\n");
      return 1;
    }
  return failed == 0 ? 0 : 1;
}
