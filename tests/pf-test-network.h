/* pf-test-network.h: a network of two links and a router, built by hand
 *
 * Until the loader reads "links", the views' tests make one: the
 * scenario's hosts get their interfaces and the scenario its links here,
 * and a timeline of frames as the wire would record them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pf-player.h"
#include "pf-scenario.h"

G_BEGIN_DECLS

/* Host indices of the network's scenario, in file order. */
enum
{
  PF_TEST_NET_LAPTOP,
  PF_TEST_NET_PHONE,
  PF_TEST_NET_GW,
  PF_TEST_NET_KNUTH,
};

/* Its frames after the step's own events, in order. */
enum
{
  PF_TEST_NET_ARP_REQUEST,   /* laptop → phone and gw, on home */
  PF_TEST_NET_ARP_REPLY,     /* gw → laptop */
  PF_TEST_NET_SYN_HOP1,      /* laptop → gw, on home, TTL 64 */
  PF_TEST_NET_SYN_HOP2,      /* gw → knuth, on campus, TTL 63 */
  PF_TEST_NET_N_FRAMES,
};

void      pf_test_network_add_links (PfScenario *scenario);
PfPlayer *pf_test_network_player_new (guint     *out_first_frame);

G_END_DECLS
