/* pf-builtin.h: the scenarios that ship inside Packet Flow
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "pf-scenario.h"

G_BEGIN_DECLS

GPtrArray  *pf_builtin_list              (void);
PfScenario *pf_builtin_load              (const char  *name,
                                          GError     **error);
PfScenario *pf_builtin_load_path_or_name (const char  *path_or_name,
                                          GError     **error);

G_END_DECLS
