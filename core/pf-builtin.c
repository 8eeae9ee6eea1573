/* pf-builtin.c: the scenarios that ship inside Packet Flow
 *
 * They live in data/scenarios/ and are compiled into the program as a
 * GResource of their own, read directly (not through the global
 * registry, so linking pf-builtin.o pulls the data in); index.txt there
 * gives their order (the order of the lesson).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-builtin"

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "pf-builtin.h"
#include "pf-scenarios.h"

#define SCENARIOS_PATH "/io/github/packetflow/PacketFlow/scenarios/"

/* The names of the built-in scenarios, in lesson order. */
GPtrArray *
pf_builtin_list (void)
{
  g_autoptr(GBytes) index = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);

  index = g_resource_lookup_data (pf_scenarios_get_resource (), SCENARIOS_PATH "index.txt", 0, NULL);
  g_return_val_if_fail (index != NULL, names);

  lines = g_strsplit (g_bytes_get_data (index, NULL), "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *name = g_strstrip (lines[i]);

      if (*name != '\0' && *name != '#')
        g_ptr_array_add (names, g_strdup (name));
    }

  return names;
}

PfScenario *
pf_builtin_load (const char  *name,
                 GError     **error)
{
  g_autofree char *file_name = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  file_name = g_strdup_printf ("%s.pflow.json", name);
  path = g_strconcat (SCENARIOS_PATH, file_name, NULL);
  bytes = g_resource_lookup_data (pf_scenarios_get_resource (), path, 0, NULL);
  if (bytes == NULL)
    {
      g_set_error (error, PF_SCENARIO_ERROR, PF_SCENARIO_ERROR_READ,
                   "%s: no such file, and no built-in scenario has that name "
                   "(packetflow --list shows them)", name);
      return NULL;
    }

  return pf_scenario_load_bytes (bytes, file_name, error);
}

/* A path when a file of that name exists or the text looks like a path
 * (a slash or a .json ending), else the name of a built-in scenario. */
PfScenario *
pf_builtin_load_path_or_name (const char  *path_or_name,
                              GError     **error)
{
  g_return_val_if_fail (path_or_name != NULL, NULL);

  if (strchr (path_or_name, '/') != NULL || g_str_has_suffix (path_or_name, ".json") ||
      g_file_test (path_or_name, G_FILE_TEST_EXISTS))
    return pf_scenario_load_file (path_or_name, error);

  return pf_builtin_load (path_or_name, error);
}
