/* pf-route.c: the way a packet takes between the hosts of a scenario
 *
 * The rules are the ones exact mode gives each host's kernel
 * (core/pf-netspace-namespace.c): a destination on a link the host is on
 * is reached on that link; any other through the host's gateway, the
 * router of its first link; a router forwards between the links it is
 * on and has no gateway of its own. Loopback mode, where every address
 * is on one lo, models the hops with them, and says so.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pf-route.h"

static gboolean
link_holds (const PfLink *link,
            PfIpv4        address)
{
  guint32 mask;

  if (link->implicit || link->prefix_length == 0)
    return TRUE;
  mask = link->prefix_length >= 32 ? 0xffffffffu : ~(0xffffffffu >> link->prefix_length);
  return (address & mask) == (link->network & mask);
}

static const PfInterface *
link_find_interface (const PfLink *link,
                     PfIpv4        address)
{
  for (guint i = 0; i < link->interfaces->len; i++)
    {
      const PfInterface *iface = g_ptr_array_index (link->interfaces, i);

      if (iface->address == address)
        return iface;
    }
  return NULL;
}

/* The next hop from @host towards @destination: the interface it leaves
 * by and the one it reaches, or FALSE when the host has no route (or the
 * next hop is not there: its ARP goes unanswered). */
static gboolean
next_hop (const PfHost *host,
          PfIpv4        destination,
          PfHop        *out_hop)
{
  for (guint i = 0; i < host->interfaces->len; i++)
    {
      const PfInterface *iface = g_ptr_array_index (host->interfaces, i);

      if (link_holds (iface->link, destination))
        {
          out_hop->link = iface->link;
          out_hop->from = iface;
          out_hop->to = link_find_interface (iface->link, destination);
          return out_hop->to != NULL;
        }
    }

  if (host->gateway == 0)
    return FALSE;

  for (guint i = 0; i < host->interfaces->len; i++)
    {
      const PfInterface *iface = g_ptr_array_index (host->interfaces, i);

      if (link_holds (iface->link, host->gateway))
        {
          out_hop->link = iface->link;
          out_hop->from = iface;
          out_hop->to = link_find_interface (iface->link, host->gateway);
          return out_hop->to != NULL;
        }
    }
  return FALSE;
}

/**
 * pf_route_find:
 * @scenario: the scenario
 * @from: the sending host
 * @destination: the packet's destination address
 *
 * The links a packet from @from to @destination crosses, in order. Only
 * routers pass it on: a host that is not a router and is not the
 * destination drops it, as its kernel would.
 *
 * Returns: (transfer full) (element-type PfHop): the hops; empty when
 * the destination is @from itself or cannot be reached
 */
GArray *
pf_route_find (const PfScenario *scenario,
               const PfHost     *from,
               PfIpv4            destination)
{
  GArray *hops = g_array_new (FALSE, FALSE, sizeof (PfHop));
  const PfHost *at = from;

  g_return_val_if_fail (scenario != NULL, hops);
  g_return_val_if_fail (from != NULL, hops);

  while (hops->len < PF_ROUTE_MAX_HOPS)
    {
      PfHop hop;

      for (guint i = 0; i < at->interfaces->len; i++)
        if (((PfInterface *) g_ptr_array_index (at->interfaces, i))->address == destination)
          return hops;

      if ((at != from && !at->is_router) || !next_hop (at, destination, &hop))
        break;

      g_array_append_val (hops, hop);
      at = hop.to->host;
    }

  g_array_set_size (hops, 0);
  return hops;
}
