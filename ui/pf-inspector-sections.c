/* pf-inspector-sections.c: the inspector's sections for what a packet says
 *
 * An ARP message (its operation and four addresses, and its meaning in
 * words for the Text tab), an ICMP message (type and code in words, checksum, echo identifier and
 * sequence, the datagram an error quotes) and the payload as its
 * protocol reads (pf-packet-info.c): DNS with its header, question and
 * answers; HTTP, SMTP, SSH and other text with their lines.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-inspector"

#include "config.h"

#include "pf-inspector-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pf-dns.h"
#include "pf-icmp.h"
#include "pf-packet-info.h"
#include "pf-view-util.h"

#define MAX_TEXT_LINES 24

/* "10.0.0.1 (gw)" */
static char *
describe_ipv4 (PfInspector *self,
               PfIpv4       address)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  const PfHost *host = pf_view_find_host (player, address);
  g_autofree char *text = pf_view_format_address (player, address, NULL);

  if (host != NULL)
    return g_strdup_printf ("%s (%s)", text, host->name);
  return g_steal_pointer (&text);
}

static gboolean
mac_is_zero (const guint8 mac[6])
{
  static const guint8 zero[6] = { 0 };

  return memcmp (mac, zero, 6) == 0;
}

void
pf_inspector_add_arp (PfInspector *self,
                      GListStore  *parent,
                      PfPacket    *packet)
{
  gboolean request = packet->arp_op == PF_ARP_REQUEST;
  char sha[PF_MAC_STRLEN];
  char tha[PF_MAC_STRLEN];
  PfInspectorField *section;
  GListStore *children;

  pf_mac_format (packet->arp_sha, sha);
  pf_mac_format (packet->arp_tha, tha);
  section = pf_inspector_field_add (self, parent, _("Address Resolution Protocol"),
                                    pf_packet_describe (packet));
  children = pf_inspector_field_children (section);
  pf_inspector_field_addf (self, children, _("Operation"), "%s (%u)",
                           request ? _("request") : _("reply"), packet->arp_op);
  pf_inspector_field_add (self, children, _("Sender MAC"), g_strdup (sha));
  pf_inspector_field_add (self, children, _("Sender IP"), describe_ipv4 (self, packet->arp_spa));
  if (request && mac_is_zero (packet->arp_tha))
    /* TRANSLATORS: a request's target MAC: all zeros, the one thing asked for */
    pf_inspector_field_addf (self, children, _("Target MAC"), _("%s (unknown: asked for)"), tha);
  else
    pf_inspector_field_add (self, children, _("Target MAC"), g_strdup (tha));
  pf_inspector_field_add (self, children, _("Target IP"), describe_ipv4 (self, packet->arp_tpa));
}

/* For the Text tab: tshark's words, then what they mean. */
char *
pf_inspector_arp_text (PfInspector *self,
                       PfPacket    *packet)
{
  g_autofree char *words = pf_packet_describe (packet);
  g_autofree char *sender = describe_ipv4 (self, packet->arp_spa);
  g_autofree char *target = describe_ipv4 (self, packet->arp_tpa);
  char sha[PF_MAC_STRLEN];
  char dst[PF_MAC_STRLEN];
  g_autofree char *meaning = NULL;

  pf_mac_format (packet->arp_sha, sha);
  pf_mac_format (packet->eth_dst, dst);
  if (packet->arp_op == PF_ARP_REQUEST && packet->arp_spa == packet->arp_tpa)
    meaning = g_strdup_printf (_("%s tells every host of the link that its address is at "
                                 "%s, so they can update their ARP caches; no one answers "
                                 "unless another host claims the same address."),
                               sender, sha);
  else if (packet->arp_op == PF_ARP_REQUEST)
    meaning = g_strdup_printf (_("%s has an IPv4 packet for %s but not the MAC address to "
                                 "put on its frame, so it asks every host of the link at "
                                 "once (to %s). Only the host that has %s answers; the "
                                 "others learn where %s is, at %s."),
                               sender, target, dst, target, sender, sha);
  else
    meaning = g_strdup_printf (_("%s answers the request, to the asker alone (%s): its "
                                 "address is at %s. Both keep the other's MAC in their ARP "
                                 "cache, and the IPv4 packets waiting for it can follow."),
                               sender, dst, sha);
  return g_strdup_printf ("%s\n\n%s\n\n%s", words, meaning,
                          _("ARP carries no data: its fields are in the tree, its bytes under Hex."));
}

void
pf_inspector_add_icmp (PfInspector *self,
                       GListStore  *parent,
                       PfPacket    *packet)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  PfIcmpMessage icmp;
  PfInspectorField *section;
  GListStore *children;
  const char *code;

  if (!pf_icmp_decode (packet, &icmp))
    {
      pf_inspector_field_addf (self, parent, _("ICMP"), _("%u bytes, shorter than its header"),
                  pf_packet_get_payload_length (packet));
      return;
    }

  section = pf_inspector_field_add (self, parent, _("ICMP"), pf_icmp_describe (&icmp));
  children = pf_inspector_field_children (section);
  pf_inspector_field_addf (self, children, _("Type"), "%u (%s)", icmp.type, pf_icmp_type_to_string (icmp.type));
  code = pf_icmp_code_to_string (icmp.type, icmp.code);
  if (code != NULL)
    pf_inspector_field_addf (self, children, _("Code"), "%u (%s)", icmp.code, code);
  else
    pf_inspector_field_addf (self, children, _("Code"), "%u", icmp.code);
  pf_inspector_field_addf (self, children, _("Checksum"), "0x%04x", icmp.checksum);
  if (icmp.type == PF_ICMP_ECHO_REQUEST || icmp.type == PF_ICMP_ECHO_REPLY)
    {
      pf_inspector_field_addf (self, children, _("Identifier"), "0x%04x (%u)", icmp.identifier, icmp.identifier);
      pf_inspector_field_addf (self, children, _("Sequence number"), "%u", icmp.sequence);
    }
  if (icmp.next_hop_mtu != 0)
    pf_inspector_field_addf (self, children, _("Next-hop MTU"), _("%u bytes"), icmp.next_hop_mtu);

  if (icmp.has_quote)
    {
      PfEndpoint src = { icmp.quoted_src, icmp.quoted_sport };
      PfEndpoint dst = { icmp.quoted_dst, icmp.quoted_dport };
      g_autofree char *from = icmp.has_quoted_ports ? pf_view_format_endpoint (player, &src, NULL)
                                                    : pf_view_format_address (player, icmp.quoted_src, NULL);
      g_autofree char *to = icmp.has_quoted_ports ? pf_view_format_endpoint (player, &dst, NULL)
                                                  : pf_view_format_address (player, icmp.quoted_dst, NULL);
      const char *proto = icmp.quoted_protocol == PF_IP_PROTOCOL_TCP ? "TCP"
                        : icmp.quoted_protocol == PF_IP_PROTOCOL_UDP ? "UDP"
                        : icmp.quoted_protocol == PF_IP_PROTOCOL_ICMP ? "ICMP" : "IPv4";
      PfInspectorField *quote;
      GListStore *quoted;

      /* TRANSLATORS: the header an ICMP error quotes, "UDP 10.0.0.2:40000 → 10.0.0.7:9" */
      quote = pf_inspector_field_add (self, children, _("Quoted datagram"),
                         g_strdup_printf ("%s %s → %s", proto, from, to));
      quoted = pf_inspector_field_children (quote);
      pf_inspector_field_addf (self, quoted, _("Protocol"), "%s (%u)", proto, icmp.quoted_protocol);
      pf_inspector_field_add (self, quoted, _("Source"), g_strdup (from));
      pf_inspector_field_add (self, quoted, _("Destination"), g_strdup (to));
      pf_inspector_field_addf (self, quoted, _("Identification"), "0x%04x (%u)", icmp.quoted_ip_id,
                  icmp.quoted_ip_id);
      pf_inspector_field_addf (self, quoted, _("Total length"), _("%u bytes"), icmp.quoted_total_length);
    }
}

static void
add_dns (PfInspector  *self,
         GListStore   *children,
         const guint8 *data,
         gsize         len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfDnsMessage) message = pf_dns_message_parse (data, len, &error);
  const char *qtype;
  PfInspectorField *answers;
  GListStore *list;

  if (message == NULL)
    {
      pf_inspector_field_add (self, children, _("Error"), g_strdup (error->message));
      return;
    }

  pf_inspector_field_addf (self, children, _("Transaction ID"), "0x%04x", message->id);
  pf_inspector_field_add (self, children, _("Flags"), pf_dns_message_flags_to_string (message));
  qtype = pf_dns_type_to_string (message->qtype);
  pf_inspector_field_addf (self, children, _("Question"), _("%s, type %s, class %s"), message->qname,
              qtype ? qtype : "?", message->qclass == PF_DNS_CLASS_IN ? "IN" : "?");
  answers = pf_inspector_field_addf (self, children, _("Answers"), "%u", message->answers->len);
  list = pf_inspector_field_children (answers);
  for (guint i = 0; i < message->answers->len; i++)
    {
      const PfDnsAnswer *answer = &g_array_index (message->answers, PfDnsAnswer, i);
      const char *type = pf_dns_type_to_string (answer->type);
      g_autofree char *data_text = answer->type == PF_DNS_TYPE_A ? pf_ipv4_to_string (answer->address)
                                 : g_strdup (answer->target ? answer->target : "");
      g_autofree char *name = g_strdup_printf (_("Answer %u"), i + 1);

      pf_inspector_field_addf (self, list, name, _("%s, type %s, TTL %u s, %s"), answer->name,
                  type ? type : "?", answer->ttl, data_text);
    }
  if (message->n_authority > 0 || message->n_additional > 0)
    pf_inspector_field_addf (self, children, _("Other records"), _("%u authority, %u additional"),
                message->n_authority, message->n_additional);
}

static void
add_text_lines (PfInspector  *self,
                GListStore   *children,
                const guint8 *data,
                gsize         len)
{
  g_autofree char *text = g_strndup ((const char *) data, len);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint shown = 0;

  for (guint i = 0; lines[i] != NULL && shown < MAX_TEXT_LINES; i++)
    {
      g_autofree char *name = NULL;

      g_strdelimit (lines[i], "\r", ' ');
      g_strchomp (lines[i]);
      if (lines[i][0] == '\0' && lines[i + 1] == NULL)
        break;
      name = g_strdup_printf (_("Line %u"), i + 1);
      pf_inspector_field_add (self, children, name, pf_bytes_excerpt ((const guint8 *) lines[i],
                                                         strlen (lines[i]), 200));
      shown++;
    }
}

/* What the payload says, in a section named by its protocol. */
void
pf_inspector_add_application (PfInspector *self,
                              GListStore  *parent,
                              PfPacket    *packet)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  guint16 sport = pf_view_unmap_port (player, packet->sport);
  guint16 dport = pf_view_unmap_port (player, packet->dport);
  PfAppProtocol app = pf_packet_get_app_protocol (packet, sport, dport);
  PfInspectorField *section;
  GListStore *children;
  const guint8 *data;
  gsize len;

  if (app == PF_APP_PROTOCOL_NONE)
    return;

  data = g_bytes_get_data (packet->payload, &len);
  section = pf_inspector_field_add (self, parent,
                       app == PF_APP_PROTOCOL_TEXT ? _("Text") : pf_app_protocol_to_string (app),
                       pf_packet_describe_application_at (packet, sport, dport));
  children = pf_inspector_field_children (section);
  if (app == PF_APP_PROTOCOL_DNS)
    add_dns (self, children, data, len);
  else if (g_utf8_validate ((const char *) data, len, NULL))
    add_text_lines (self, children, data, len);
}
