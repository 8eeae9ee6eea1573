/* main.c: where Packet Flow starts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "packetflow"

#include "config.h"

#include <glib/gi18n.h>
#include <limits.h>
#include <locale.h>
#include <stdlib.h>

#include "pf-application.h"
#include "pf-cli.h"

/* Run as build/app/packetflow, the program finds its own build tree's
 * namespace helper and GSettings schemas, as `meson devenv` and the tests
 * would set them; what the environment says comes first. Only when the
 * running executable is this build's app/packetflow: an installed copy
 * never looks in the build tree it came from. Before any thread starts,
 * so setting the environment is safe. */
static void
use_own_build_tree (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  char *built = realpath (PF_BUILD_DIR "/app/packetflow", NULL);
  gboolean ours = exe != NULL && built != NULL && g_str_equal (exe, built);

  free (built);
  if (!ours)
    return;

  g_setenv ("PACKETFLOW_NETNS_HELPER", PF_BUILD_DIR "/helper/packetflow-netns-helper", FALSE);
  g_setenv ("GSETTINGS_SCHEMA_DIR", PF_BUILD_DIR "/data", FALSE);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(PfApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  use_own_build_tree ();

  /* --headless, --list and --check need no display and start no GTK. */
  if (pf_cli_wanted (argc, argv))
    return pf_cli_main (argc, argv);

  app = pf_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
