/* pf-test-network.c: a network of two links and a router, built by hand
 *
 * "home" (10.0.0.0/24): the laptop, the phone and the router gw, three
 * hosts, so the stage draws a switch; "campus" (192.203.196.0/24): gw and
 * knuth, a line. Then the frames of a first connection through gw: an ARP
 * request the switch broadcasts to the phone and gw, gw's reply, and the
 * SYN on each of its two hops.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pf-test-network.h"
#include "pf-test-util.h"

#include <string.h>

static const char network_json[] =
  "{ \"format\": \"packetflow-scenario\", \"version\": 1,"
  "  \"title\": \"Through a router\", \"summary\": \"Two links, a router between.\","
  "  \"hosts\": ["
  "    { \"id\": \"laptop\", \"name\": \"Laptop\", \"address\": \"10.0.0.2\", \"kind\": \"laptop\" },"
  "    { \"id\": \"phone\", \"name\": \"Phone\", \"address\": \"10.0.0.3\", \"kind\": \"phone\" },"
  "    { \"id\": \"gw\", \"name\": \"Router\", \"address\": \"10.0.0.1\", \"kind\": \"router\" },"
  "    { \"id\": \"knuth\", \"name\": \"knuth.luther.edu\", \"address\": \"192.203.196.71\", \"kind\": \"server\","
  "      \"services\": [ { \"type\": \"echo\", \"port\": 80 } ] }"
  "  ],"
  "  \"steps\": ["
  "    { \"narration\": \"The frames go by.\", \"action\": \"wait\", \"milliseconds\": 1 }"
  "  ] }";

static PfLink *
link_new (const char *id,
          const char *network,
          guint       prefix_length)
{
  PfLink *link = g_new0 (PfLink, 1);

  link->id = g_strdup (id);
  link->name = g_strdup (id);
  link->network = pf_test_ip (network);
  link->prefix_length = prefix_length;
  link->latency_us = PF_LINK_DEFAULT_LATENCY_US;
  link->interfaces = g_ptr_array_new ();
  return link;
}

static void
attach (PfScenario *scenario,
        PfHost     *host,
        PfLink     *link,
        const char *address)
{
  PfInterface *iface = g_new0 (PfInterface, 1);
  guint host_index = 0;

  for (guint i = 0; i < scenario->hosts->len; i++)
    if (g_ptr_array_index (scenario->hosts, i) == host)
      host_index = i;
  if (host->interfaces == NULL)
    host->interfaces = g_ptr_array_new_with_free_func (g_free);
  iface->host = host;
  iface->link = link;
  iface->index = host->interfaces->len;
  iface->port = scenario->interfaces->len;
  iface->address = pf_test_ip (address);
  iface->prefix_length = link->prefix_length;
  iface->mac[0] = 0x02;
  iface->mac[1] = 0x50;
  iface->mac[2] = 0x46;
  iface->mac[4] = host_index;
  iface->mac[5] = iface->index;
  g_ptr_array_add (host->interfaces, iface);
  g_ptr_array_add (link->interfaces, iface);
  g_ptr_array_add (scenario->interfaces, iface);
}

/* Gives @scenario (the one of network_json, or any with hosts laptop,
 * phone, gw and knuth) its two links, as the loader will. */
void
pf_test_network_add_links (PfScenario *scenario)
{
  PfHost *laptop = g_ptr_array_index (scenario->hosts, PF_TEST_NET_LAPTOP);
  PfHost *phone = g_ptr_array_index (scenario->hosts, PF_TEST_NET_PHONE);
  PfHost *gw = g_ptr_array_index (scenario->hosts, PF_TEST_NET_GW);
  PfHost *knuth = g_ptr_array_index (scenario->hosts, PF_TEST_NET_KNUTH);
  PfLink *home = link_new ("home", "10.0.0.0", 24);
  PfLink *campus = link_new ("campus", "192.203.196.0", 24);

  /* What the loader of this branch left: none, or the implicit link. */
  if (scenario->links == NULL)
    scenario->links = g_ptr_array_new ();
  g_ptr_array_set_size (scenario->links, 0);
  if (scenario->interfaces == NULL)
    scenario->interfaces = g_ptr_array_new ();
  g_ptr_array_set_size (scenario->interfaces, 0);
  for (guint i = 0; i < scenario->hosts->len; i++)
    {
      PfHost *host = g_ptr_array_index (scenario->hosts, i);

      if (host->interfaces != NULL)
        g_ptr_array_set_size (host->interfaces, 0);
    }

  g_ptr_array_add (scenario->links, home);
  g_ptr_array_add (scenario->links, campus);
  attach (scenario, laptop, home, "10.0.0.2");
  attach (scenario, phone, home, "10.0.0.3");
  attach (scenario, gw, home, "10.0.0.1");
  attach (scenario, gw, campus, "192.203.196.1");
  attach (scenario, knuth, campus, "192.203.196.71");
  gw->is_router = TRUE;
  laptop->gateway = phone->gateway = pf_test_ip ("10.0.0.1");
  knuth->gateway = pf_test_ip ("192.203.196.1");
}

static PfPacket *
arp_new (guint16     op,
         const char *sender,
         const char *target)
{
  /* No ARP constructor yet: an empty packet, made ARP. */
  PfPacket *packet = pf_packet_new_udp (0, 0, 0, 0, NULL, 0);

  packet->protocol = 0;
  packet->has_ethernet = TRUE;
  packet->ethertype = PF_ETHERTYPE_ARP;
  packet->arp_op = op;
  packet->arp_spa = pf_test_ip (sender);
  packet->arp_tpa = pf_test_ip (target);
  memset (packet->eth_dst, op == PF_ARP_REQUEST ? 0xff : 0x02, 6);
  return packet;
}

static PfPacket *
syn_new (guint8 ttl)
{
  PfPacket *packet = pf_packet_new_tcp (pf_test_ip ("10.0.0.2"), 40000, pf_test_ip ("192.203.196.71"), 80,
                                        1000, 0, PF_TCP_SYN, 64240, NULL, 0);

  packet->ip_id = 4242;
  packet->ttl = ttl;
  packet->has_ethernet = TRUE;
  packet->ethertype = PF_ETHERTYPE_IPV4;
  return packet;
}

static void
append_frame (PfTimeline         *timeline,
              gint64              time_us,
              PfPacket           *packet,
              const char         *link,
              const char         *from,
              const char * const *to)
{
  g_autoptr(PfEvent) event = pf_event_new_frame (time_us, 0, packet, link, from, to, time_us + 2000);

  pf_packet_unref (packet);
  pf_timeline_append (timeline, event);
}

/* A player on the network, its one step run, the frames appended to it,
 * and the step shown anew (so the views plan it whole). The first frame's
 * position in the timeline goes to @out_first_frame. */
PfPlayer *
pf_test_network_player_new (guint *out_first_frame)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (network_json, strlen (network_json));
  g_autoptr(GError) error = NULL;
  g_autoptr(PfScenario) scenario = pf_scenario_load_bytes (bytes, "network.pflow.json", &error);
  static const char * const phone_and_gw[] = { "phone", "gw", NULL };
  static const char * const laptop[] = { "laptop", NULL };
  static const char * const gw[] = { "gw", NULL };
  static const char * const knuth[] = { "knuth", NULL };
  PfPlayer *player;
  PfTimeline *timeline;
  gint64 t = 1000000;

  pf_test_assert_no_error (error);
  pf_test_network_add_links (scenario);
  player = pf_test_player_new (scenario, PF_NETSPACE_MODE_LOOPBACK);
  pf_player_set_speed (player, PF_PLAYER_MAX_SPEED);
  pf_player_step_forward (player);
  pf_test_wait_idle (player, PF_TEST_TIMEOUT_S);
  g_assert_null (pf_player_get_error (player));

  timeline = pf_player_get_timeline (player);
  *out_first_frame = pf_timeline_get_n_events (timeline);
  append_frame (timeline, t, arp_new (PF_ARP_REQUEST, "10.0.0.2", "10.0.0.1"), "home", "laptop", phone_and_gw);
  append_frame (timeline, t + 3000, arp_new (PF_ARP_REPLY, "10.0.0.1", "10.0.0.2"), "home", "gw", laptop);
  append_frame (timeline, t + 6000, syn_new (64), "home", "laptop", gw);
  append_frame (timeline, t + 8100, syn_new (63), "campus", "gw", knuth);
  g_assert_cmpuint (pf_player_get_position (player), ==, *out_first_frame + PF_TEST_NET_N_FRAMES);

  pf_player_step_back (player);
  pf_test_wait_idle (player, PF_TEST_TIMEOUT_S);
  pf_player_step_forward (player);
  pf_test_wait_idle (player, PF_TEST_TIMEOUT_S);
  g_assert_cmpuint (pf_player_get_position (player), ==, *out_first_frame + PF_TEST_NET_N_FRAMES);
  return player;
}
