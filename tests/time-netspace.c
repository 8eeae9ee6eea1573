/* time-netspace.c: how long exact mode takes to set N hosts up, and what
 * they cost
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   PACKETFLOW_NETNS_HELPER=build/helper/packetflow-netns-helper \
 *     build/tests/time-netspace 10 100 1000
 *
 * For each N: pf_netspace_new () for N hosts on the implicit link (one
 * interface each), the helper's VmRSS, the kernel's Slab (this whole
 * computer's, so run it on a quiet one) before and after, per host, and
 * how long the netspace takes to go. Not a test: it asserts nothing.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "pf-netspace.h"
#include "pf-netspace-namespace.h"
#include "pf-test-netspace.h"

static long
meminfo_kb (const char *key)
{
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/meminfo", &text, NULL, NULL) ||
      (line = strstr (text, key)) == NULL)
    return -1;
  return strtol (line + strlen (key), NULL, 10);
}

static long
vm_rss_kb (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL) ||
      (line = strstr (text, "VmRSS:")) == NULL)
    return -1;
  return strtol (line + 6, NULL, 10);
}

int
main (int    argc,
      char **argv)
{
  for (int a = 1; a < argc; a++)
    {
      guint n = (guint) g_ascii_strtoull (argv[a], NULL, 10);
      g_autoptr(GArray) hosts = pft_hosts_new ();
      g_autoptr(GError) error = NULL;
      PfNetspace *netspace;
      long slab_before = meminfo_kb ("Slab:");
      long slab_after;
      long rss;
      gint64 start;
      double setup;
      double teardown;

      for (guint i = 0; i < n; i++)
        {
          PfIpv4 address = (10u << 24) + 1 + i;

          pft_hosts_add (hosts, NULL, FALSE, 0, TRUE, &address, NULL, 1);
        }

      start = g_get_monotonic_time ();
      netspace = pft_netspace_new_hosts (PF_NETSPACE_MODE_EXACT, hosts, &error);
      setup = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
      if (netspace == NULL)
        {
          fprintf (stderr, "%u hosts: %s\n", n, error->message);
          return 1;
        }
      slab_after = meminfo_kb ("Slab:");
      rss = vm_rss_kb (pf_netspace_namespace_get_helper_pid (PF_NETSPACE_NAMESPACE (netspace)));

      start = g_get_monotonic_time ();
      g_object_unref (netspace);
      teardown = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;

      printf ("%5u hosts: set up in %.3f s (%.2f ms a host), helper VmRSS %ld KiB, "
              "Slab +%ld KiB (%.1f KiB a host), gone in %.3f s\n",
              n, setup, setup * 1000 / MAX (n, 1), rss, slab_after - slab_before,
              (double) (slab_after - slab_before) / MAX (n, 1), teardown);
    }

  return 0;
}
