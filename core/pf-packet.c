/* pf-packet.c: one IPv4 segment or datagram, or an ARP message, captured
 * or modelled, alone or in the Ethernet frame the wire carried
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-packet"

#include "config.h"

#include "pf-packet.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pf-enum.h"

#define IPV4_HEADER_LEN 20
#define TCP_HEADER_LEN  20
#define UDP_HEADER_LEN  8
#define TCP_OPTIONS_MAX 40

#define ETHERNET_HEADER_LEN 14
#define ETHERNET_MIN_FRAME  60   /* without the FCS, which no socket sees */
#define ARP_MESSAGE_LEN     28   /* Ethernet and IPv4 addresses */
#define ARP_HTYPE_ETHERNET  1
#define ETHERTYPE_VLAN      0x8100
#define ETHERTYPE_QINQ      0x88a8
#define ETHERTYPE_MIN       0x0600   /* below: an IEEE 802.3 length */

#define IP_FLAG_DF     0x4000
#define IP_FLAG_MF     0x2000
#define IP_OFFSET_MASK 0x1fff

enum
{
  TCP_OPT_EOL       = 0,
  TCP_OPT_NOP       = 1,
  TCP_OPT_MSS       = 2,
  TCP_OPT_WSCALE    = 3,
  TCP_OPT_SACK_PERM = 4,
  TCP_OPT_SACK      = 5,
  TCP_OPT_TIMESTAMP = 8,
};

/* RFC 7323, 2.3: a larger shift count is taken as 14. */
#define TCP_MAX_WSCALE 14

G_DEFINE_QUARK (pf-packet-error-quark, pf_packet_error)
G_DEFINE_BOXED_TYPE (PfPacket, pf_packet, pf_packet_ref, pf_packet_unref)

static inline guint16
get_be16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static inline guint32
get_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) |
         ((guint32) p[2] << 8) | (guint32) p[3];
}

static inline void
put_be16 (guint8  *p,
          guint16  v)
{
  p[0] = v >> 8;
  p[1] = v & 0xff;
}

static inline void
put_be32 (guint8  *p,
          guint32  v)
{
  put_be16 (p, v >> 16);
  put_be16 (p + 2, v & 0xffff);
}

/* The Internet checksum (RFC 1071): a one's complement sum of 16-bit words.
 * At most 65535 bytes plus a pseudo-header: no overflow in 32 bits. */
static guint32
checksum_add (guint32       sum,
              const guint8 *data,
              gsize         len)
{
  gsize i;

  for (i = 0; i + 1 < len; i += 2)
    sum += get_be16 (data + i);
  if (len & 1)
    sum += (guint32) data[len - 1] << 8;
  return sum;
}

static guint16
checksum_fold (guint32 sum)
{
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (guint16) sum;
}

static guint32
pseudo_header_sum (PfIpv4  src,
                   PfIpv4  dst,
                   guint8  protocol,
                   gsize   len)
{
  return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) +
         protocol + (guint32) len;
}

static PfPacket *
pf_packet_alloc (void)
{
  PfPacket *packet = g_atomic_rc_box_new0 (PfPacket);

  packet->wscale = -1;
  return packet;
}

static void
pf_packet_clear (PfPacket *packet)
{
  g_clear_pointer (&packet->payload, g_bytes_unref);
  g_clear_pointer (&packet->frame, g_bytes_unref);
  g_clear_pointer (&packet->raw, g_bytes_unref);
}

PfPacket *
pf_packet_ref (PfPacket *packet)
{
  g_return_val_if_fail (packet != NULL, NULL);

  return g_atomic_rc_box_acquire (packet);
}

void
pf_packet_unref (PfPacket *packet)
{
  g_return_if_fail (packet != NULL);

  g_atomic_rc_box_release_full (packet, (GDestroyNotify) pf_packet_clear);
}

gboolean
pf_packet_is_fragment (const PfPacket *packet)
{
  g_return_val_if_fail (packet != NULL, FALSE);

  return packet->more_fragments || packet->fragment_offset != 0;
}

/* Decoding */

static void
set_payload (PfPacket *packet,
             gsize     offset,
             gsize     len)
{
  g_clear_pointer (&packet->payload, g_bytes_unref);
  packet->payload = g_bytes_new_from_bytes (packet->raw, offset, len);
}

static gboolean
check_ipv4_header (const guint8  *data,
                   gsize          len,
                   guint         *out_header_len,
                   guint         *out_total_len,
                   GError       **error)
{
  guint header_len;
  guint total_len;

  if (len == 0)
    {
      g_set_error (error, PF_PACKET_ERROR, PF_PACKET_ERROR_TRUNCATED,
                   "The packet is empty.");
      return FALSE;
    }

  if ((data[0] >> 4) != 4)
    {
      g_set_error (error, PF_PACKET_ERROR, PF_PACKET_ERROR_UNSUPPORTED,
                   "The packet is IP version %u, not IPv4.", data[0] >> 4);
      return FALSE;
    }

  if (len < IPV4_HEADER_LEN)
    {
      g_set_error (error, PF_PACKET_ERROR, PF_PACKET_ERROR_TRUNCATED,
                   "The packet is %" G_GSIZE_FORMAT " bytes long, too short "
                   "for an IPv4 header of 20 bytes.", len);
      return FALSE;
    }

  header_len = (data[0] & 0x0f) * 4;
  total_len = get_be16 (data + 2);

  if (header_len < IPV4_HEADER_LEN)
    {
      g_set_error (error, PF_PACKET_ERROR, PF_PACKET_ERROR_MALFORMED,
                   "The IPv4 header length field says %u bytes, less than "
                   "the minimum of 20.", header_len);
      return FALSE;
    }

  if (total_len < header_len)
    {
      g_set_error (error, PF_PACKET_ERROR, PF_PACKET_ERROR_MALFORMED,
                   "The IPv4 total length of %u bytes is shorter than its "
                   "own header of %u bytes.", total_len, header_len);
      return FALSE;
    }

  if (total_len > len)
    {
      g_set_error (error, PF_PACKET_ERROR, PF_PACKET_ERROR_TRUNCATED,
                   "The IPv4 header announces %u bytes but only %"
                   G_GSIZE_FORMAT " arrived.", total_len, len);
      return FALSE;
    }

  *out_header_len = header_len;
  *out_total_len = total_len;
  return TRUE;
}

static void
decode_ipv4_fields (PfPacket     *packet,
                    const guint8 *ip,
                    guint         header_len)
{
  guint16 frag = get_be16 (ip + 6);

  packet->tos = ip[1];
  packet->total_length = get_be16 (ip + 2);
  packet->ip_id = get_be16 (ip + 4);
  packet->dont_fragment = (frag & IP_FLAG_DF) != 0;
  packet->more_fragments = (frag & IP_FLAG_MF) != 0;
  packet->fragment_offset = (frag & IP_OFFSET_MASK) * 8;
  packet->ttl = ip[8];
  packet->protocol = ip[9];
  packet->src = get_be32 (ip + 12);
  packet->dst = get_be32 (ip + 16);
  packet->ip_checksum = checksum_fold (checksum_add (0, ip, header_len)) == 0xffff
                        ? PF_CHECKSUM_GOOD : PF_CHECKSUM_BAD;
}

/* Parsed like Linux's tcp_parse_options(): a malformed option ends the
 * parse, an option of the wrong size is skipped; neither rejects the
 * segment, since the kernel would not reject it either. */
static void
decode_tcp_options (PfPacket     *packet,
                    const guint8 *opt,
                    gsize         len)
{
  gsize i = 0;

  while (i < len)
    {
      guint8 kind = opt[i];
      guint8 size;

      if (kind == TCP_OPT_EOL)
        break;
      if (kind == TCP_OPT_NOP)
        {
          i++;
          continue;
        }
      if (i + 1 >= len)
        break;
      size = opt[i + 1];
      if (size < 2 || size > len - i)
        break;

      if (kind == TCP_OPT_MSS && size == 4)
        packet->mss = get_be16 (opt + i + 2);
      else if (kind == TCP_OPT_WSCALE && size == 3)
        packet->wscale = MIN (opt[i + 2], TCP_MAX_WSCALE);
      else if (kind == TCP_OPT_SACK_PERM && size == 2)
        packet->sack_permitted = TRUE;
      else if (kind == TCP_OPT_TIMESTAMP && size == 10)
        {
          packet->has_timestamps = TRUE;
          packet->ts_val = get_be32 (opt + i + 2);
          packet->ts_ecr = get_be32 (opt + i + 6);
        }
      else if (kind == TCP_OPT_SACK && size >= 10 && (size - 2) % 8 == 0)
        {
          guint n = MIN ((guint) (size - 2) / 8, PF_PACKET_MAX_SACK_BLOCKS);

          for (guint b = 0; b < n; b++)
            {
              packet->sack_blocks[b].left = get_be32 (opt + i + 2 + b * 8);
              packet->sack_blocks[b].right = get_be32 (opt + i + 6 + b * 8);
            }
          packet->n_sack_blocks = n;
        }

      i += size;
    }
}

static gboolean
decode_tcp (PfPacket  *packet,
            gsize      offset,
            gsize      len,
            GError   **error)
{
  const guint8 *tcp = (const guint8 *) g_bytes_get_data (packet->raw, NULL) + offset;
  guint header_len;

  if (len < TCP_HEADER_LEN)
    {
      g_set_error (error, PF_PACKET_ERROR, PF_PACKET_ERROR_TRUNCATED,
                   "The TCP header needs 20 bytes but only %" G_GSIZE_FORMAT
                   " follow the IPv4 header.", len);
      return FALSE;
    }

  header_len = (tcp[12] >> 4) * 4;
  if (header_len < TCP_HEADER_LEN || header_len > len)
    {
      g_set_error (error, PF_PACKET_ERROR, PF_PACKET_ERROR_MALFORMED,
                   "The TCP data offset says the header is %u bytes long, "
                   "but it must be between 20 and the %" G_GSIZE_FORMAT
                   " bytes of the segment.", header_len, len);
      return FALSE;
    }

  packet->sport = get_be16 (tcp);
  packet->dport = get_be16 (tcp + 2);
  packet->seq = get_be32 (tcp + 4);
  packet->ack = get_be32 (tcp + 8);
  packet->data_offset = tcp[12] >> 4;
  packet->flags = tcp[13];
  packet->window = get_be16 (tcp + 14);
  packet->urgent_pointer = get_be16 (tcp + 18);
  decode_tcp_options (packet, tcp + TCP_HEADER_LEN, header_len - TCP_HEADER_LEN);
  set_payload (packet, offset + header_len, len - header_len);
  return TRUE;
}

static gboolean
decode_udp (PfPacket  *packet,
            gsize      offset,
            gsize      len,
            GError   **error)
{
  const guint8 *udp = (const guint8 *) g_bytes_get_data (packet->raw, NULL) + offset;
  guint udp_len;

  if (len < UDP_HEADER_LEN)
    {
      g_set_error (error, PF_PACKET_ERROR, PF_PACKET_ERROR_TRUNCATED,
                   "The UDP header needs 8 bytes but only %" G_GSIZE_FORMAT
                   " follow the IPv4 header.", len);
      return FALSE;
    }

  udp_len = get_be16 (udp + 4);
  if (udp_len < UDP_HEADER_LEN || udp_len > len)
    {
      g_set_error (error, PF_PACKET_ERROR, PF_PACKET_ERROR_MALFORMED,
                   "The UDP length field says %u bytes, but it must be "
                   "between 8 and the %" G_GSIZE_FORMAT " bytes of the "
                   "datagram.", udp_len, len);
      return FALSE;
    }

  packet->sport = get_be16 (udp);
  packet->dport = get_be16 (udp + 2);
  set_payload (packet, offset + UDP_HEADER_LEN, udp_len - UDP_HEADER_LEN);
  return TRUE;
}

/* len: the TCP segment or the UDP datagram, headers included. */
static PfChecksumStatus
l4_checksum_status (const PfPacket *packet,
                    const guint8   *l4,
                    gsize           len)
{
  guint32 pseudo = pseudo_header_sum (packet->src, packet->dst,
                                      packet->protocol, len);
  guint16 field = get_be16 (l4 + (packet->protocol == PF_IP_PROTOCOL_TCP ? 16 : 6));

  if (packet->protocol == PF_IP_PROTOCOL_UDP && field == 0)
    return PF_CHECKSUM_UNCHECKED;
  if (checksum_fold (checksum_add (pseudo, l4, len)) == 0xffff)
    return PF_CHECKSUM_GOOD;
  if (field == checksum_fold (pseudo))
    return PF_CHECKSUM_OFFLOADED;
  return PF_CHECKSUM_BAD;
}

/* Every byte after the IPv4 header is payload; the first fragment's ports
 * and TCP header are read for display when they are whole. */
static void
decode_fragment (PfPacket *packet,
                 gsize     offset,
                 gsize     len)
{
  const guint8 *l4 = (const guint8 *) g_bytes_get_data (packet->raw, NULL) + offset;

  if (packet->fragment_offset == 0 && len >= 4 &&
      (packet->protocol == PF_IP_PROTOCOL_TCP || packet->protocol == PF_IP_PROTOCOL_UDP))
    {
      packet->sport = get_be16 (l4);
      packet->dport = get_be16 (l4 + 2);
      if (packet->protocol == PF_IP_PROTOCOL_TCP)
        decode_tcp (packet, offset, len, NULL);
    }
  set_payload (packet, offset, len);
}

/**
 * pf_packet_decode_ipv4:
 * @data: the bytes of one IPv4 datagram, as an AF_PACKET SOCK_DGRAM socket
 *   returns them
 * @len: their number
 *
 * Decodes the IPv4 header and, when the datagram is not a fragment, the
 * TCP or UDP header behind it. Bytes past the IPv4 total length (link
 * padding) are dropped. Other protocols (ICMP) decode with every byte after
 * the IPv4 header as payload. Never reads past @len, whatever the bytes say.
 *
 * Returns: (transfer full): a packet with origin CAPTURED and time_us 0,
 *   or %NULL with @error set in the %PF_PACKET_ERROR domain.
 */
/* @datagram, when given, holds @data: the packet keeps a slice of it,
 * not a copy. */
static PfPacket *
decode_ipv4 (const guint8  *data,
             gsize          len,
             GBytes        *datagram,
             GError       **error)
{
  g_autoptr(PfPacket) packet = NULL;
  guint header_len;
  guint total_len;

  if (!check_ipv4_header (data, len, &header_len, &total_len, error))
    return NULL;

  packet = pf_packet_alloc ();
  packet->origin = PF_PACKET_ORIGIN_CAPTURED;
  packet->raw = datagram != NULL ? g_bytes_new_from_bytes (datagram, 0, total_len)
                                 : g_bytes_new (data, total_len);
  decode_ipv4_fields (packet, data, header_len);

  if (pf_packet_is_fragment (packet))
    {
      decode_fragment (packet, header_len, total_len - header_len);
    }
  else if (packet->protocol == PF_IP_PROTOCOL_TCP)
    {
      if (!decode_tcp (packet, header_len, total_len - header_len, error))
        return NULL;
      packet->l4_checksum = l4_checksum_status (packet, data + header_len,
                                                total_len - header_len);
    }
  else if (packet->protocol == PF_IP_PROTOCOL_UDP)
    {
      if (!decode_udp (packet, header_len, total_len - header_len, error))
        return NULL;
      packet->l4_checksum = l4_checksum_status (packet, data + header_len,
                                                get_be16 (data + header_len + 4));
    }
  else
    {
      set_payload (packet, header_len, total_len - header_len);
    }

  return g_steal_pointer (&packet);
}

PfPacket *
pf_packet_decode_ipv4 (const guint8  *data,
                       gsize          len,
                       GError       **error)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return decode_ipv4 (data, len, NULL, error);
}

/**
 * pf_packet_decode_ipv4_bytes:
 * @datagram: an IPv4 datagram, as pf_packet_decode_ipv4 () takes it
 *
 * The same, but the packet's raw bytes and payload are slices of
 * @datagram, not copies.
 */
PfPacket *
pf_packet_decode_ipv4_bytes (GBytes  *datagram,
                             GError **error)
{
  gsize len;
  const guint8 *data;

  g_return_val_if_fail (datagram != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (datagram, &len);
  return decode_ipv4 (data, len, datagram, error);
}

/* An ARP message for IPv4 over Ethernet (RFC 826), after the Ethernet
 * header; anything else is refused, as Linux's arp_rcv () would. */
static PfPacket *
decode_arp (GBytes   *frame,
            GError  **error)
{
  g_autoptr(PfPacket) packet = NULL;
  gsize len;
  const guint8 *arp = (const guint8 *) g_bytes_get_data (frame, &len) + ETHERNET_HEADER_LEN;
  guint16 htype;
  guint16 ptype;
  guint16 op;

  len -= ETHERNET_HEADER_LEN;
  if (len < ARP_MESSAGE_LEN)
    {
      g_set_error (error, PF_PACKET_ERROR, PF_PACKET_ERROR_TRUNCATED,
                   "The ARP message needs 28 bytes but only %" G_GSIZE_FORMAT
                   " follow the Ethernet header.", len);
      return NULL;
    }

  htype = get_be16 (arp);
  ptype = get_be16 (arp + 2);
  op = get_be16 (arp + 6);
  if (htype != ARP_HTYPE_ETHERNET)
    {
      g_set_error (error, PF_PACKET_ERROR, PF_PACKET_ERROR_UNSUPPORTED,
                   "The ARP hardware type is %u, not Ethernet (1).", htype);
      return NULL;
    }
  if (ptype != PF_ETHERTYPE_IPV4)
    {
      g_set_error (error, PF_PACKET_ERROR, PF_PACKET_ERROR_UNSUPPORTED,
                   "The ARP protocol type is 0x%04x, not IPv4 (0x0800).", ptype);
      return NULL;
    }
  if (arp[4] != 6 || arp[5] != 4)
    {
      g_set_error (error, PF_PACKET_ERROR, PF_PACKET_ERROR_MALFORMED,
                   "The ARP address lengths are %u and %u bytes, not 6 (a MAC) "
                   "and 4 (an IPv4 address).", arp[4], arp[5]);
      return NULL;
    }
  if (op != PF_ARP_REQUEST && op != PF_ARP_REPLY)
    {
      g_set_error (error, PF_PACKET_ERROR, PF_PACKET_ERROR_UNSUPPORTED,
                   "The ARP operation is %u, neither a request (1) nor a "
                   "reply (2).", op);
      return NULL;
    }

  packet = pf_packet_alloc ();
  packet->origin = PF_PACKET_ORIGIN_CAPTURED;
  packet->arp_op = op;
  memcpy (packet->arp_sha, arp + 8, 6);
  packet->arp_spa = get_be32 (arp + 14);
  memcpy (packet->arp_tha, arp + 18, 6);
  packet->arp_tpa = get_be32 (arp + 24);
  /* So the views can place it: from the sender, to the address asked about. */
  packet->src = packet->arp_spa;
  packet->dst = packet->arp_tpa;
  packet->raw = g_bytes_new_from_bytes (frame, ETHERNET_HEADER_LEN, ARP_MESSAGE_LEN);
  packet->payload = g_bytes_new (NULL, 0);
  return g_steal_pointer (&packet);
}

/**
 * pf_packet_decode_ethernet_bytes:
 * @frame: one Ethernet II frame, from the destination MAC on, as an
 *   AF_PACKET SOCK_RAW socket returns it (no FCS)
 *
 * Decodes the 14-byte Ethernet header and what it carries: an IPv4
 * datagram, decoded as pf_packet_decode_ipv4_bytes () does (raw is the
 * datagram, without the padding of a short frame), or an ARP message for
 * IPv4 (kind %PF_PACKET_KIND_ARP; src and dst are its sender's and
 * target's addresses, protocol 0, no payload). A VLAN tag, an IEEE 802.3
 * length or any other EtherType is refused.
 *
 * Returns: (transfer full): a packet with has_ethernet set, frame holding
 *   @frame, origin CAPTURED and time_us 0, or %NULL with @error set in
 *   the %PF_PACKET_ERROR domain.
 */
PfPacket *
pf_packet_decode_ethernet_bytes (GBytes  *frame,
                                 GError **error)
{
  g_autoptr(PfPacket) packet = NULL;
  const guint8 *data;
  gsize len;
  guint16 ethertype;

  g_return_val_if_fail (frame != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (frame, &len);
  if (len < ETHERNET_HEADER_LEN)
    {
      g_set_error (error, PF_PACKET_ERROR, PF_PACKET_ERROR_TRUNCATED,
                   "The frame is %" G_GSIZE_FORMAT " bytes long, too short "
                   "for an Ethernet header of 14 bytes.", len);
      return NULL;
    }

  ethertype = get_be16 (data + 12);
  if (ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ)
    {
      g_set_error (error, PF_PACKET_ERROR, PF_PACKET_ERROR_UNSUPPORTED,
                   "The frame carries a VLAN tag (EtherType 0x%04x); only "
                   "untagged Ethernet II frames are read.", ethertype);
      return NULL;
    }
  if (ethertype < ETHERTYPE_MIN)
    {
      g_set_error (error, PF_PACKET_ERROR, PF_PACKET_ERROR_UNSUPPORTED,
                   "The frame is IEEE 802.3 with a length of %u, not "
                   "Ethernet II.", ethertype);
      return NULL;
    }

  if (ethertype == PF_ETHERTYPE_IPV4)
    {
      g_autoptr(GBytes) datagram = g_bytes_new_from_bytes (frame, ETHERNET_HEADER_LEN,
                                                           len - ETHERNET_HEADER_LEN);

      packet = decode_ipv4 (data + ETHERNET_HEADER_LEN, len - ETHERNET_HEADER_LEN,
                            datagram, error);
    }
  else if (ethertype == PF_ETHERTYPE_ARP)
    {
      packet = decode_arp (frame, error);
    }
  else
    {
      g_set_error (error, PF_PACKET_ERROR, PF_PACKET_ERROR_UNSUPPORTED,
                   "The frame's EtherType is 0x%04x, neither IPv4 (0x0800) "
                   "nor ARP (0x0806).", ethertype);
      return NULL;
    }
  if (packet == NULL)
    return NULL;

  packet->has_ethernet = TRUE;
  memcpy (packet->eth_dst, data, 6);
  memcpy (packet->eth_src, data + 6, 6);
  packet->ethertype = ethertype;
  packet->frame = g_bytes_ref (frame);
  return g_steal_pointer (&packet);
}

/* Synthesizing */

static PfPacket *
new_modelled (PfIpv4        src,
              guint16       sport,
              PfIpv4        dst,
              guint16       dport,
              guint8        protocol,
              GBytes       *payload)
{
  PfPacket *packet = pf_packet_alloc ();

  packet->origin = PF_PACKET_ORIGIN_MODELLED;
  packet->src = src;
  packet->dst = dst;
  packet->sport = sport;
  packet->dport = dport;
  packet->protocol = protocol;
  packet->ttl = 64;
  packet->dont_fragment = TRUE;
  packet->ip_checksum = PF_CHECKSUM_GOOD;
  packet->l4_checksum = PF_CHECKSUM_GOOD;
  packet->payload = g_bytes_ref (payload);
  return packet;
}

/**
 * pf_packet_new_tcp:
 *
 * Synthesizes a TCP segment as Linux would send it: TTL 64, DF set, no
 * options (see pf_packet_set_syn_options() and pf_packet_set_timestamps()).
 * The checksums are computed when the packet is encoded.
 *
 * Returns: (transfer full): a packet with origin MODELLED and time_us 0.
 */
PfPacket *
pf_packet_new_tcp (PfIpv4        src,
                   guint16       sport,
                   PfIpv4        dst,
                   guint16       dport,
                   guint32       seq,
                   guint32       ack,
                   guint8        flags,
                   guint16       window,
                   const guint8 *payload,
                   gsize         payload_len)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (payload != NULL || payload_len == 0, NULL);

  bytes = g_bytes_new (payload, payload_len);
  return pf_packet_new_tcp_bytes (src, sport, dst, dport, seq, ack, flags, window, bytes);
}

/* The same, with @payload kept (a reference), not copied. */
PfPacket *
pf_packet_new_tcp_bytes (PfIpv4   src,
                         guint16  sport,
                         PfIpv4   dst,
                         guint16  dport,
                         guint32  seq,
                         guint32  ack,
                         guint8   flags,
                         guint16  window,
                         GBytes  *payload)
{
  PfPacket *packet;

  g_return_val_if_fail (payload != NULL, NULL);
  g_return_val_if_fail (g_bytes_get_size (payload) <= PF_PACKET_MAX_TCP_PAYLOAD, NULL);

  packet = new_modelled (src, sport, dst, dport, PF_IP_PROTOCOL_TCP, payload);
  packet->seq = seq;
  packet->ack = ack;
  packet->flags = flags;
  packet->window = window;
  pf_packet_update_lengths (packet);
  return packet;
}

PfPacket *
pf_packet_new_udp (PfIpv4        src,
                   guint16       sport,
                   PfIpv4        dst,
                   guint16       dport,
                   const guint8 *payload,
                   gsize         payload_len)
{
  g_autoptr(GBytes) bytes = NULL;
  PfPacket *packet;

  g_return_val_if_fail (payload != NULL || payload_len == 0, NULL);
  g_return_val_if_fail (payload_len <= PF_PACKET_MAX_UDP_PAYLOAD, NULL);

  bytes = g_bytes_new (payload, payload_len);
  packet = new_modelled (src, sport, dst, dport, PF_IP_PROTOCOL_UDP, bytes);
  pf_packet_update_lengths (packet);
  return packet;
}

/**
 * pf_packet_set_syn_options:
 * @mss: 0 for none
 * @wscale: -1 for none, else 0 to 14
 *
 * Sets the options of a SYN or SYN-ACK, timestamps included (Linux sends
 * them unless net.ipv4.tcp_timestamps is 0; to model that, clear
 * has_timestamps and call pf_packet_update_lengths()).
 */
void
pf_packet_set_syn_options (PfPacket *packet,
                           guint16   mss,
                           gint8     wscale,
                           gboolean  sack_permitted,
                           guint32   ts_val,
                           guint32   ts_ecr)
{
  g_return_if_fail (packet != NULL);
  g_return_if_fail (packet->protocol == PF_IP_PROTOCOL_TCP);
  g_return_if_fail (wscale >= -1 && wscale <= TCP_MAX_WSCALE);

  packet->mss = mss;
  packet->wscale = wscale;
  packet->sack_permitted = !!sack_permitted;
  packet->has_timestamps = TRUE;
  packet->ts_val = ts_val;
  packet->ts_ecr = ts_ecr;
  pf_packet_update_lengths (packet);
}

/* The timestamps option that every segment carries once both ends have
 * agreed to it in the handshake. */
void
pf_packet_set_timestamps (PfPacket *packet,
                          guint32   ts_val,
                          guint32   ts_ecr)
{
  g_return_if_fail (packet != NULL);
  g_return_if_fail (packet->protocol == PF_IP_PROTOCOL_TCP);

  packet->has_timestamps = TRUE;
  packet->ts_val = ts_val;
  packet->ts_ecr = ts_ecr;
  pf_packet_update_lengths (packet);
}

/**
 * pf_packet_new_arp:
 * @op: %PF_ARP_REQUEST or %PF_ARP_REPLY
 * @sha: the sender's MAC
 * @spa: the sender's address
 * @tha: (nullable): the target's MAC; %NULL for a request's zeros
 * @tpa: the target's address (the one asked about, in a request)
 *
 * Synthesizes an ARP message in its Ethernet frame as Linux sends it: a
 * request to the broadcast address, a reply to the target's MAC, from the
 * sender's.
 *
 * Returns: (transfer full): a packet with origin MODELLED and time_us 0.
 */
PfPacket *
pf_packet_new_arp (guint16       op,
                   const guint8  sha[6],
                   PfIpv4        spa,
                   const guint8  tha[6],
                   PfIpv4        tpa)
{
  static const guint8 broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  PfPacket *packet;

  g_return_val_if_fail (op == PF_ARP_REQUEST || op == PF_ARP_REPLY, NULL);
  g_return_val_if_fail (sha != NULL, NULL);

  packet = pf_packet_alloc ();
  packet->origin = PF_PACKET_ORIGIN_MODELLED;
  packet->has_ethernet = TRUE;
  packet->ethertype = PF_ETHERTYPE_ARP;
  memcpy (packet->eth_src, sha, 6);
  memcpy (packet->eth_dst, op == PF_ARP_REQUEST || tha == NULL ? broadcast : tha, 6);
  packet->arp_op = op;
  memcpy (packet->arp_sha, sha, 6);
  packet->arp_spa = spa;
  if (tha != NULL)
    memcpy (packet->arp_tha, tha, 6);
  packet->arp_tpa = tpa;
  packet->src = spa;
  packet->dst = tpa;
  packet->payload = g_bytes_new (NULL, 0);
  return packet;
}

/**
 * pf_packet_set_ethernet:
 * @src: the sending interface's MAC
 * @dst: the next hop's MAC
 *
 * Puts an IPv4 packet its creator still holds in an Ethernet frame; a
 * frame it carried before is dropped, so pf_packet_get_frame () encodes
 * the new one.
 */
void
pf_packet_set_ethernet (PfPacket     *packet,
                        const guint8  src[6],
                        const guint8  dst[6])
{
  g_return_if_fail (packet != NULL);
  g_return_if_fail (src != NULL && dst != NULL);
  g_return_if_fail (packet->ethertype != PF_ETHERTYPE_ARP);

  packet->has_ethernet = TRUE;
  packet->ethertype = PF_ETHERTYPE_IPV4;
  memcpy (packet->eth_src, src, 6);
  memcpy (packet->eth_dst, dst, 6);
  g_clear_pointer (&packet->frame, g_bytes_unref);
}

/* Encoding */

/* Linux's layout (tcp_options_write()): MSS; timestamps, led by SACK-
 * permitted when both are set, else by two NOPs; SACK-permitted alone after
 * two NOPs; NOP and window scale; two NOPs and the SACK blocks that still
 * fit. Every piece is a multiple of four bytes, so no padding is needed. */
static gsize
encode_tcp_options (const PfPacket *packet,
                    guint8          opt[TCP_OPTIONS_MAX])
{
  gsize n = 0;

  if (packet->mss != 0)
    {
      opt[n++] = TCP_OPT_MSS;
      opt[n++] = 4;
      put_be16 (opt + n, packet->mss);
      n += 2;
    }

  if (packet->has_timestamps)
    {
      if (packet->sack_permitted)
        {
          opt[n++] = TCP_OPT_SACK_PERM;
          opt[n++] = 2;
        }
      else
        {
          opt[n++] = TCP_OPT_NOP;
          opt[n++] = TCP_OPT_NOP;
        }
      opt[n++] = TCP_OPT_TIMESTAMP;
      opt[n++] = 10;
      put_be32 (opt + n, packet->ts_val);
      put_be32 (opt + n + 4, packet->ts_ecr);
      n += 8;
    }
  else if (packet->sack_permitted)
    {
      opt[n++] = TCP_OPT_NOP;
      opt[n++] = TCP_OPT_NOP;
      opt[n++] = TCP_OPT_SACK_PERM;
      opt[n++] = 2;
    }

  if (packet->wscale >= 0)
    {
      opt[n++] = TCP_OPT_NOP;
      opt[n++] = TCP_OPT_WSCALE;
      opt[n++] = 3;
      opt[n++] = (guint8) MIN (packet->wscale, TCP_MAX_WSCALE);
    }

  if (packet->n_sack_blocks > 0 && TCP_OPTIONS_MAX - n >= 12)
    {
      guint blocks = MIN (MIN (packet->n_sack_blocks, PF_PACKET_MAX_SACK_BLOCKS),
                          (guint) (TCP_OPTIONS_MAX - n - 4) / 8);

      if (blocks < packet->n_sack_blocks)
        g_debug ("Only %u of %u SACK blocks fit in the TCP options",
                 blocks, packet->n_sack_blocks);
      opt[n++] = TCP_OPT_NOP;
      opt[n++] = TCP_OPT_NOP;
      opt[n++] = TCP_OPT_SACK;
      opt[n++] = 2 + blocks * 8;
      for (guint b = 0; b < blocks; b++)
        {
          put_be32 (opt + n, packet->sack_blocks[b].left);
          put_be32 (opt + n + 4, packet->sack_blocks[b].right);
          n += 8;
        }
    }

  return n;
}

/* Fragments and protocols other than TCP and UDP carry their L4 bytes in
 * the payload: no header of ours goes in front. */
static gsize
l4_header_length (const PfPacket *packet,
                  guint8          options[TCP_OPTIONS_MAX],
                  gsize          *out_options_len)
{
  gsize options_len = 0;
  gsize len = 0;

  if (pf_packet_is_fragment (packet))
    len = 0;
  else if (packet->protocol == PF_IP_PROTOCOL_TCP)
    len = TCP_HEADER_LEN + (options_len = encode_tcp_options (packet, options));
  else if (packet->protocol == PF_IP_PROTOCOL_UDP)
    len = UDP_HEADER_LEN;

  if (out_options_len != NULL)
    *out_options_len = options_len;
  return len;
}

/* Brings data_offset and total_length in line with the options and the
 * payload, as pf_packet_encode_ipv4() will write them. */
void
pf_packet_update_lengths (PfPacket *packet)
{
  guint8 options[TCP_OPTIONS_MAX];
  gsize header_len;

  g_return_if_fail (packet != NULL);

  header_len = l4_header_length (packet, options, NULL);
  if (packet->protocol == PF_IP_PROTOCOL_TCP && !pf_packet_is_fragment (packet))
    packet->data_offset = header_len / 4;
  packet->total_length = MIN (IPV4_HEADER_LEN + header_len +
                              g_bytes_get_size (packet->payload), G_MAXUINT16);
}

static void
encode_ipv4_header (const PfPacket *packet,
                    guint8         *ip,
                    guint16         total_len)
{
  guint16 frag = (packet->fragment_offset / 8) & IP_OFFSET_MASK;

  if (packet->dont_fragment)
    frag |= IP_FLAG_DF;
  if (packet->more_fragments)
    frag |= IP_FLAG_MF;

  ip[0] = 0x45;
  ip[1] = packet->tos;
  put_be16 (ip + 2, total_len);
  put_be16 (ip + 4, packet->ip_id);
  put_be16 (ip + 6, frag);
  ip[8] = packet->ttl;
  ip[9] = packet->protocol;
  put_be32 (ip + 12, packet->src);
  put_be32 (ip + 16, packet->dst);
  put_be16 (ip + 10, ~checksum_fold (checksum_add (0, ip, IPV4_HEADER_LEN)));
}

static void
encode_tcp_header (const PfPacket *packet,
                   guint8         *tcp,
                   const guint8   *options,
                   gsize           options_len)
{
  put_be16 (tcp, packet->sport);
  put_be16 (tcp + 2, packet->dport);
  put_be32 (tcp + 4, packet->seq);
  put_be32 (tcp + 8, packet->ack);
  tcp[12] = (guint8) (((TCP_HEADER_LEN + options_len) / 4) << 4);
  tcp[13] = packet->flags;
  put_be16 (tcp + 14, packet->window);
  put_be16 (tcp + 18, packet->urgent_pointer);
  memcpy (tcp + TCP_HEADER_LEN, options, options_len);
}

static void
encode_udp_header (const PfPacket *packet,
                   guint8         *udp,
                   gsize           udp_len)
{
  put_be16 (udp, packet->sport);
  put_be16 (udp + 2, packet->dport);
  put_be16 (udp + 4, (guint16) udp_len);
}

/**
 * pf_packet_encode_ipv4:
 *
 * Writes the datagram as it goes on the wire, from the fields: a 20-byte
 * IPv4 header (IP options are not kept), the TCP header with its options in
 * Linux's layout or the UDP header, the payload, and correct IPv4, TCP and
 * UDP checksums. A packet Linux sent, decoded, encodes back to the same
 * bytes, except for a checksum the kernel had left to the device.
 *
 * Returns: (transfer full): the bytes.
 */
GBytes *
pf_packet_encode_ipv4 (const PfPacket *packet)
{
  guint8 options[TCP_OPTIONS_MAX];
  gsize options_len;
  gsize header_len;
  gsize payload_len;
  gsize total_len;
  guint8 *buf;
  guint8 *l4;

  g_return_val_if_fail (packet != NULL, NULL);

  header_len = l4_header_length (packet, options, &options_len);
  payload_len = g_bytes_get_size (packet->payload);
  if (IPV4_HEADER_LEN + header_len + payload_len > G_MAXUINT16)
    {
      g_debug ("Payload cut to fit a 65535-byte datagram");
      payload_len = G_MAXUINT16 - IPV4_HEADER_LEN - header_len;
    }
  total_len = IPV4_HEADER_LEN + header_len + payload_len;

  buf = g_malloc0 (total_len);
  l4 = buf + IPV4_HEADER_LEN;
  encode_ipv4_header (packet, buf, (guint16) total_len);
  if (payload_len > 0)
    memcpy (l4 + header_len, g_bytes_get_data (packet->payload, NULL), payload_len);

  if (header_len > 0)
    {
      guint32 sum = pseudo_header_sum (packet->src, packet->dst, packet->protocol,
                                       header_len + payload_len);
      guint16 check;
      gsize check_offset;

      if (packet->protocol == PF_IP_PROTOCOL_TCP)
        {
          encode_tcp_header (packet, l4, options, options_len);
          check_offset = 16;
        }
      else
        {
          encode_udp_header (packet, l4, header_len + payload_len);
          check_offset = 6;
        }

      check = ~checksum_fold (checksum_add (sum, l4, header_len + payload_len));
      if (check == 0 && packet->protocol == PF_IP_PROTOCOL_UDP)
        check = 0xffff;
      put_be16 (l4 + check_offset, check);
    }

  return g_bytes_new_take (buf, total_len);
}

static void
encode_arp (const PfPacket *packet,
            guint8         *arp)
{
  put_be16 (arp, ARP_HTYPE_ETHERNET);
  put_be16 (arp + 2, PF_ETHERTYPE_IPV4);
  arp[4] = 6;
  arp[5] = 4;
  put_be16 (arp + 6, packet->arp_op);
  memcpy (arp + 8, packet->arp_sha, 6);
  put_be32 (arp + 14, packet->arp_spa);
  memcpy (arp + 18, packet->arp_tha, 6);
  put_be32 (arp + 24, packet->arp_tpa);
}

/**
 * pf_packet_get_frame:
 *
 * The Ethernet frame: as the wire carried it when it did, else encoded
 * from the fields (the IPv4 datagram as pf_packet_get_bytes () gives it,
 * or the ARP message), padded with zeros to Ethernet's 60-byte minimum
 * as Linux pads a short frame.
 *
 * Returns: (transfer full) (nullable): the frame, or %NULL for a packet
 *   without Ethernet.
 */
GBytes *
pf_packet_get_frame (const PfPacket *packet)
{
  g_autoptr(GBytes) body = NULL;
  const guint8 *body_data = NULL;
  gsize body_len;
  gsize len;
  guint8 *buf;

  g_return_val_if_fail (packet != NULL, NULL);

  if (packet->frame != NULL)
    return g_bytes_ref (packet->frame);
  if (!packet->has_ethernet)
    return NULL;

  if (packet->ethertype == PF_ETHERTYPE_ARP)
    body_len = ARP_MESSAGE_LEN;
  else
    {
      body = packet->raw != NULL ? g_bytes_ref (packet->raw) : pf_packet_encode_ipv4 (packet);
      body_data = g_bytes_get_data (body, &body_len);
    }

  len = MAX (ETHERNET_HEADER_LEN + body_len, ETHERNET_MIN_FRAME);
  buf = g_malloc0 (len);
  memcpy (buf, packet->eth_dst, 6);
  memcpy (buf + 6, packet->eth_src, 6);
  put_be16 (buf + 12, packet->ethertype == PF_ETHERTYPE_ARP ? PF_ETHERTYPE_ARP
                                                            : PF_ETHERTYPE_IPV4);
  if (packet->ethertype == PF_ETHERTYPE_ARP)
    encode_arp (packet, buf + ETHERNET_HEADER_LEN);
  else if (body_len > 0)
    memcpy (buf + ETHERNET_HEADER_LEN, body_data, body_len);
  return g_bytes_new_take (buf, len);
}

/* What a pcap file or a hex view should show: the Ethernet frame of a
 * packet that has one (pf_packet_get_frame ()); else the captured
 * datagram when there is one, else the encoded one. */
GBytes *
pf_packet_get_bytes (const PfPacket *packet)
{
  g_return_val_if_fail (packet != NULL, NULL);

  if (packet->has_ethernet)
    return pf_packet_get_frame (packet);
  if (packet->raw != NULL)
    return g_bytes_ref (packet->raw);
  return pf_packet_encode_ipv4 (packet);
}

/* Reading */

guint
pf_packet_get_payload_length (const PfPacket *packet)
{
  g_return_val_if_fail (packet != NULL, 0);

  return g_bytes_get_size (packet->payload);
}

PfFourTuple
pf_packet_get_four_tuple (const PfPacket *packet)
{
  g_return_val_if_fail (packet != NULL, pf_four_tuple_init (0, 0, 0, 0));

  return pf_four_tuple_init (packet->src, packet->sport, packet->dst, packet->dport);
}

/**
 * pf_packet_get_kind:
 *
 * Returns: %PF_PACKET_KIND_HANDSHAKE (SYN or SYN-ACK), _DATA (a payload,
 *   no FIN or RST), _ACK (a pure ACK), _TEARDOWN (FIN), _RESET (RST),
 *   _UDP, _FRAGMENT (any IPv4 fragment), _ICMP, _ARP (an ARP message in
 *   an Ethernet frame) or _OTHER (the rest).
 */
PfPacketKind
pf_packet_get_kind (const PfPacket *packet)
{
  g_return_val_if_fail (packet != NULL, PF_PACKET_KIND_OTHER);

  if (packet->has_ethernet && packet->ethertype == PF_ETHERTYPE_ARP)
    return PF_PACKET_KIND_ARP;
  if (pf_packet_is_fragment (packet))
    return PF_PACKET_KIND_FRAGMENT;
  if (packet->protocol == PF_IP_PROTOCOL_UDP)
    return PF_PACKET_KIND_UDP;
  if (packet->protocol == PF_IP_PROTOCOL_ICMP)
    return PF_PACKET_KIND_ICMP;
  if (packet->protocol != PF_IP_PROTOCOL_TCP)
    return PF_PACKET_KIND_OTHER;
  if (packet->flags & PF_TCP_RST)
    return PF_PACKET_KIND_RESET;
  if (packet->flags & PF_TCP_SYN)
    return PF_PACKET_KIND_HANDSHAKE;
  if (packet->flags & PF_TCP_FIN)
    return PF_PACKET_KIND_TEARDOWN;
  if (pf_packet_get_payload_length (packet) > 0)
    return PF_PACKET_KIND_DATA;
  return PF_PACKET_KIND_ACK;
}

/* For people: a name in the interface's language. */
const char *
pf_packet_kind_to_label (PfPacketKind kind)
{
  switch (kind)
    {
    case PF_PACKET_KIND_HANDSHAKE:
      return _("Handshake");
    case PF_PACKET_KIND_DATA:
      return _("Data");
    case PF_PACKET_KIND_ACK:
      return _("Acknowledgement");
    case PF_PACKET_KIND_TEARDOWN:
      return _("Teardown");
    case PF_PACKET_KIND_RESET:
      return _("Reset");
    case PF_PACKET_KIND_UDP:
      return _("UDP datagram");
    case PF_PACKET_KIND_FRAGMENT:
      return _("Fragment");
    case PF_PACKET_KIND_ICMP:
      return _("ICMP message");
    case PF_PACKET_KIND_OTHER:
      return _("Other");
    case PF_PACKET_KIND_ARP:
      return _("ARP");
    default:
      g_return_val_if_reached (NULL);
    }
}

/* In the order a lesson reads them: "SYN,ACK", "FIN,PSH,ACK", "RST,ACK". */
char *
pf_packet_flags_to_string (guint8 flags)
{
  static const struct { guint8 flag; const char *name; } names[] = {
    { PF_TCP_SYN, "SYN" }, { PF_TCP_FIN, "FIN" }, { PF_TCP_RST, "RST" },
    { PF_TCP_PSH, "PSH" }, { PF_TCP_ACK, "ACK" }, { PF_TCP_URG, "URG" },
    { PF_TCP_ECE, "ECE" }, { PF_TCP_CWR, "CWR" },
  };
  GString *str = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      if (!(flags & names[i].flag))
        continue;
      if (str->len > 0)
        g_string_append_c (str, ',');
      g_string_append (str, names[i].name);
    }

  return g_string_free (str, FALSE);
}

/**
 * pf_bytes_excerpt:
 * @data: (nullable): the bytes; %NULL with a @len of 0
 * @max_chars: the most characters to show, escapes included
 *
 * Printable ASCII as is; \r, \n, \t and the backslash as two-character
 * escapes; every other byte as \xNN. An escape is never cut in half; when
 * the payload does not fit, "…" follows the first @max_chars characters.
 *
 * Returns: (transfer full): valid UTF-8, "" for an empty payload.
 */
char *
pf_bytes_excerpt (const guint8 *data,
                  gsize         len,
                  gsize         max_chars)
{
  GString *str;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  str = g_string_sized_new (MIN (len, max_chars) + 4);

  for (gsize i = 0; i < len; i++)
    {
      char piece[5] = { 0 };

      switch (data[i])
        {
        case '\r': strcpy (piece, "\\r"); break;
        case '\n': strcpy (piece, "\\n"); break;
        case '\t': strcpy (piece, "\\t"); break;
        case '\\': strcpy (piece, "\\\\"); break;
        default:
          if (data[i] >= 0x20 && data[i] < 0x7f)
            piece[0] = (char) data[i];
          else
            g_snprintf (piece, sizeof piece, "\\x%02x", data[i]);
        }

      if (str->len + strlen (piece) > max_chars)
        {
          g_string_append (str, "…");
          break;
        }
      g_string_append (str, piece);
    }

  return g_string_free (str, FALSE);
}


/* The payload through pf_bytes_excerpt (). */
char *
pf_packet_payload_excerpt (const PfPacket *packet,
                           gsize           max_chars)
{
  const guint8 *data;
  gsize len;

  g_return_val_if_fail (packet != NULL, NULL);

  data = g_bytes_get_data (packet->payload, &len);
  return pf_bytes_excerpt (data, len, max_chars);
}

/* A new packet with @packet's fields, to change a few of them (a modelled
 * hop's TTL) while the first is shared; the bytes are shared too. */
PfPacket *
pf_packet_copy (const PfPacket *packet)
{
  PfPacket *copy;

  g_return_val_if_fail (packet != NULL, NULL);

  copy = (PfPacket *) g_atomic_rc_box_dup (sizeof *packet, packet);
  if (copy->payload != NULL)
    g_bytes_ref (copy->payload);
  if (copy->raw != NULL)
    g_bytes_ref (copy->raw);
  if (copy->frame != NULL)
    g_bytes_ref (copy->frame);
  return copy;
}
