/* pf-route.h: the way a packet takes between the hosts of a scenario
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pf-scenario.h"

G_BEGIN_DECLS

#define PF_ROUTE_MAX_HOPS 16

/* One link crossed: from an interface of one host to an interface of
 * the next, on the same link. */
typedef struct
{
  const PfLink      *link;
  const PfInterface *from;
  const PfInterface *to;
} PfHop;

GArray *pf_route_find (const PfScenario *scenario,
                       const PfHost     *from,
                       PfIpv4            destination);

G_END_DECLS
