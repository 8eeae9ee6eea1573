/* fuzz-packet.c: the packet decoders on any bytes
 *
 * pf_packet_decode_ipv4() reads what an AF_PACKET socket hands over, and
 * pf_packet_decode_ethernet_bytes() what the wire carries (every input
 * goes through both): neither may read past the bytes it was given,
 * whatever they announce. An ARP message encodes back to the bytes it
 * was decoded from.
 * A TCP or UDP datagram it decodes must also survive the trip through
 * the encoder: encoded and decoded again, it says the same. What the
 * views say of it (pf-packet-info.c, pf-icmp.c) is valid UTF-8.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "pf-enum.h"
#include "pf-fuzz.h"
#include "pf-icmp.h"
#include "pf-packet-info.h"
#include "pf-packet.h"

#define EXCERPT_CHARS 40

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  pf_fuzz_init ();
  return 0;
}

static void
check_readers (const PfPacket *packet)
{
  g_autofree char *flags = pf_packet_flags_to_string (packet->flags);
  g_autofree char *excerpt = pf_packet_payload_excerpt (packet, EXCERPT_CHARS);
  g_autoptr(GBytes) bytes = pf_packet_get_bytes (packet);
  PfFourTuple tuple = pf_packet_get_four_tuple (packet);

  pf_fuzz_check (flags != NULL &&
                 pf_enum_to_nick (PF_TYPE_PACKET_KIND, pf_packet_get_kind (packet)) != NULL);
  pf_fuzz_check (g_utf8_validate (excerpt, -1, NULL));
  pf_fuzz_check (g_utf8_strlen (excerpt, -1) <= EXCERPT_CHARS + 1);
  pf_fuzz_check (tuple.src.address == packet->src && tuple.dst.port == packet->dport);
  pf_fuzz_check (bytes != NULL &&
                 g_bytes_equal (bytes, packet->has_ethernet ? packet->frame : packet->raw));
}

/* What the views and the trace say of a packet: its Info line, its
 * application's words at the packet's ports and at DNS's, and for ICMP
 * its type, code and quote, all valid UTF-8. */
static void
check_words (const PfPacket *packet)
{
  g_autofree char *info = pf_packet_describe (packet);
  g_autofree char *words = pf_packet_describe_application (packet);
  g_autofree char *as_dns = pf_packet_describe_application_brief_at (packet, 53, 40000);
  PfIcmpMessage icmp;

  pf_fuzz_check (info != NULL && g_utf8_validate (info, -1, NULL));
  pf_fuzz_check (words == NULL || g_utf8_validate (words, -1, NULL));
  pf_fuzz_check (as_dns == NULL || g_utf8_validate (as_dns, -1, NULL));

  if (pf_icmp_decode (packet, &icmp))
    {
      g_autofree char *said = pf_icmp_describe (&icmp);

      pf_fuzz_check (packet->protocol == PF_IP_PROTOCOL_ICMP);
      pf_fuzz_check (said != NULL && g_utf8_validate (said, -1, NULL));
      pf_fuzz_check (pf_icmp_type_to_string (icmp.type) != NULL);
      if (icmp.has_quote)
        {
          g_autofree char *quote = pf_icmp_describe_quote (&icmp);

          pf_fuzz_check (quote != NULL && g_utf8_validate (quote, -1, NULL));
        }
    }
  else
    {
      pf_fuzz_check (packet->protocol != PF_IP_PROTOCOL_ICMP || pf_packet_is_fragment (packet) ||
                     g_bytes_get_size (packet->payload) < PF_ICMP_HEADER_LEN);
    }
}

/* Encoded and decoded again, a TCP or UDP datagram keeps every field the
 * encoder writes (IP options are dropped, TCP options laid out again). */
static void
check_round_trip (const PfPacket *packet)
{
  g_autoptr(GBytes) encoded = pf_packet_encode_ipv4 (packet);
  g_autoptr(GError) error = NULL;
  g_autoptr(PfPacket) again = NULL;
  gsize payload_len;
  gsize again_len;
  const guint8 *payload = g_bytes_get_data (packet->payload, &payload_len);
  const guint8 *again_payload;

  pf_fuzz_check (encoded != NULL && g_bytes_get_size (encoded) <= G_MAXUINT16);
  again = pf_packet_decode_ipv4 (g_bytes_get_data (encoded, NULL), g_bytes_get_size (encoded), &error);
  if (again == NULL)
    {
      g_printerr ("an encoded packet does not decode: %s\n", error->message);
      abort ();
    }

  pf_fuzz_check (again->src == packet->src && again->dst == packet->dst);
  pf_fuzz_check (again->protocol == packet->protocol);
  pf_fuzz_check (again->tos == packet->tos && again->ttl == packet->ttl);
  pf_fuzz_check (again->ip_id == packet->ip_id);
  pf_fuzz_check (again->dont_fragment == packet->dont_fragment);
  pf_fuzz_check (again->ip_checksum == PF_CHECKSUM_GOOD);
  pf_fuzz_check (again->l4_checksum == PF_CHECKSUM_GOOD);
  pf_fuzz_check (again->sport == packet->sport && again->dport == packet->dport);

  if (packet->protocol == PF_IP_PROTOCOL_TCP)
    {
      pf_fuzz_check (again->seq == packet->seq && again->ack == packet->ack);
      pf_fuzz_check (again->flags == packet->flags && again->window == packet->window);
      pf_fuzz_check (again->urgent_pointer == packet->urgent_pointer);
      pf_fuzz_check (again->mss == packet->mss && again->wscale == packet->wscale);
      pf_fuzz_check (again->sack_permitted == packet->sack_permitted);
      pf_fuzz_check (again->has_timestamps == packet->has_timestamps);
      if (packet->has_timestamps)
        pf_fuzz_check (again->ts_val == packet->ts_val && again->ts_ecr == packet->ts_ecr);
      /* SACK blocks go last: the ones that still fit. */
      pf_fuzz_check (again->n_sack_blocks <= packet->n_sack_blocks);
      for (guint b = 0; b < again->n_sack_blocks; b++)
        {
          pf_fuzz_check (again->sack_blocks[b].left == packet->sack_blocks[b].left);
          pf_fuzz_check (again->sack_blocks[b].right == packet->sack_blocks[b].right);
        }
    }

  /* The payload, cut only where longer options left it no room. */
  again_payload = g_bytes_get_data (again->payload, &again_len);
  pf_fuzz_check (again_len <= payload_len);
  pf_fuzz_check (again_len == 0 || memcmp (again_payload, payload, again_len) == 0);
  if (again_len < payload_len)
    pf_fuzz_check (g_bytes_get_size (encoded) == G_MAXUINT16);
}

/* Built again from its fields, an ARP message is the same 28 bytes
 * behind the same Ethernet header. */
static void
check_arp (const PfPacket *packet,
           const guint8   *data,
           gsize           size)
{
  g_autoptr(PfPacket) again = pf_packet_new_arp (packet->arp_op, packet->arp_sha, packet->arp_spa,
                                                 packet->arp_tha, packet->arp_tpa);
  g_autoptr(GBytes) frame = NULL;
  g_autofree char *brief = pf_packet_describe_application_brief_at (packet, 0, 0);
  g_autofree char *info = pf_packet_describe (packet);
  g_autofree char *words = pf_packet_describe_application (packet);

  pf_fuzz_check (pf_packet_get_kind (packet) == PF_PACKET_KIND_ARP);
  pf_fuzz_check (packet->arp_op == PF_ARP_REQUEST || packet->arp_op == PF_ARP_REPLY);
  pf_fuzz_check (packet->src == packet->arp_spa && packet->dst == packet->arp_tpa);
  pf_fuzz_check (packet->protocol == 0 && g_bytes_get_size (packet->payload) == 0);
  pf_fuzz_check (g_bytes_get_size (packet->raw) == 28 && size >= 14 + 28);
  pf_fuzz_check (pf_packet_get_app_protocol (packet, 0, 0) == PF_APP_PROTOCOL_ARP);
  pf_fuzz_check (g_strcmp0 (info, words) == 0);
  pf_fuzz_check (brief != NULL && g_utf8_validate (brief, -1, NULL));

  memcpy (again->eth_dst, packet->eth_dst, 6);
  memcpy (again->eth_src, packet->eth_src, 6);
  frame = pf_packet_get_frame (again);
  pf_fuzz_check (g_bytes_get_size (frame) == 60);
  pf_fuzz_check (memcmp (g_bytes_get_data (frame, NULL), data, 14 + 28) == 0);
}

static void
check_ethernet (const guint8 *data,
                gsize         size)
{
  g_autoptr(GBytes) input = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(PfPacket) packet = pf_packet_decode_ethernet_bytes (input, &error);
  g_autoptr(GBytes) frame = NULL;

  if (packet == NULL)
    {
      pf_fuzz_check (error != NULL && error->domain == PF_PACKET_ERROR);
      pf_fuzz_check (g_utf8_validate (error->message, -1, NULL));
      return;
    }

  pf_fuzz_check (error == NULL && packet->has_ethernet);
  pf_fuzz_check (packet->ethertype == PF_ETHERTYPE_IPV4 || packet->ethertype == PF_ETHERTYPE_ARP);
  pf_fuzz_check (memcmp (packet->eth_dst, data, 6) == 0 && memcmp (packet->eth_src, data + 6, 6) == 0);
  frame = pf_packet_get_frame (packet);
  pf_fuzz_check (frame != NULL && g_bytes_equal (frame, input));
  pf_fuzz_check (packet->raw != NULL && g_bytes_get_size (packet->raw) <= size - 14);
  check_readers (packet);
  check_words (packet);

  if (packet->ethertype == PF_ETHERTYPE_ARP)
    check_arp (packet, data, size);
  else if (!pf_packet_is_fragment (packet) &&
           (packet->protocol == PF_IP_PROTOCOL_TCP || packet->protocol == PF_IP_PROTOCOL_UDP))
    check_round_trip (packet);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfPacket) packet = NULL;

  check_ethernet (data, size);

  packet = pf_packet_decode_ipv4 (data, size, &error);
  if (packet == NULL)
    {
      pf_fuzz_check (error != NULL && error->domain == PF_PACKET_ERROR);
      pf_fuzz_check (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }

  pf_fuzz_check (error == NULL);
  pf_fuzz_check (packet->origin == PF_PACKET_ORIGIN_CAPTURED);
  pf_fuzz_check (packet->payload != NULL && packet->raw != NULL);
  pf_fuzz_check (g_bytes_get_size (packet->raw) == packet->total_length);
  pf_fuzz_check (packet->total_length <= size);
  pf_fuzz_check (g_bytes_get_size (packet->payload) <= packet->total_length);
  pf_fuzz_check (packet->wscale >= -1 && packet->wscale <= 14);
  pf_fuzz_check (packet->n_sack_blocks <= PF_PACKET_MAX_SACK_BLOCKS);
  check_readers (packet);
  check_words (packet);

  if (!pf_packet_is_fragment (packet) &&
      (packet->protocol == PF_IP_PROTOCOL_TCP || packet->protocol == PF_IP_PROTOCOL_UDP))
    check_round_trip (packet);

  return 0;
}
