/* pf-cli.h: the command-line runner (no window, no display needed)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit codes of packetflow --headless and --check. */
typedef enum
{
  PF_EXIT_OK          = 0,  /* the scenario ran as written */
  PF_EXIT_EXPECTATION = 1,  /* it ran, but an expectation failed */
  PF_EXIT_BAD_INPUT   = 2,  /* the scenario or an option is wrong */
  PF_EXIT_ENVIRONMENT = 3,  /* no sockets, the helper died, or an output
                             * file could not be written */
} PfExitCode;

gboolean pf_cli_wanted (int    argc,
                        char **argv);
int      pf_cli_main   (int    argc,
                        char **argv);

G_END_DECLS
