/* fuzz-main.c: replays files through a fuzz target, without libFuzzer
 *
 *   fuzz-TARGET FILE|DIRECTORY...
 *
 * Runs LLVMFuzzerTestOneInput() once on each file (each file of a
 * directory, in name order) and exits 0, or dies the way the target does.
 * Builds without -Dfuzzing link it into every target, so the corpus in
 * tests/fuzz/corpus/ (the crashers the fuzzers found included) is a
 * regression test in every build, the sanitizer build among them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pf-fuzz.h"

static gboolean
run_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree guint8 *exact = NULL;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      fprintf (stderr, "fuzz-main: %s\n", error->message);
      return FALSE;
    }

  /* A block of exactly the file's size, without the NUL that
   * g_file_get_contents() adds, so that reading one byte too far is
   * caught by AddressSanitizer as it is under libFuzzer. */
  exact = g_malloc (MAX (len, 1));
  memcpy (exact, contents, len);
  fprintf (stderr, "Running: %s (%" G_GSIZE_FORMAT " bytes)\n", path, len);
  LLVMFuzzerTestOneInput (exact, len);
  return TRUE;
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

static gboolean
run_directory (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  gboolean ok = TRUE;

  if (dir == NULL)
    {
      fprintf (stderr, "fuzz-main: %s\n", error->message);
      return FALSE;
    }

  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_paths);
  for (guint i = 0; i < names->len; i++)
    {
      const char *file = g_ptr_array_index (names, i);

      if (!g_file_test (file, G_FILE_TEST_IS_DIR))
        ok = run_file (file) && ok;
    }

  return ok;
}

int
main (int    argc,
      char **argv)
{
  gboolean ok = TRUE;

  LLVMFuzzerInitialize (&argc, &argv);
  if (argc < 2)
    {
      fprintf (stderr, "usage: %s FILE|DIRECTORY...\n", argv[0]);
      return 2;
    }

  for (int i = 1; i < argc; i++)
    {
      if (g_file_test (argv[i], G_FILE_TEST_IS_DIR))
        ok = run_directory (argv[i]) && ok;
      else
        ok = run_file (argv[i]) && ok;
    }

  return ok ? 0 : 1;
}
