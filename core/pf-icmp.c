/* pf-icmp.c: an ICMP message read from a captured packet
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The words are the RFCs' names as capture tools print them, in English
 * on purpose: the JSON trace writes them and tests compare them with
 * tshark's Info column.
 */

#define G_LOG_DOMAIN "pf-icmp"

#include "config.h"

#include "pf-icmp.h"

static inline guint16
get_be16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static inline guint32
get_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

gboolean
pf_icmp_type_is_error (guint8 type)
{
  return type == PF_ICMP_DEST_UNREACHABLE || type == PF_ICMP_REDIRECT ||
         type == PF_ICMP_TIME_EXCEEDED || type == PF_ICMP_PARAMETER_PROBLEM ||
         type == 4 /* source quench */;
}

/* Reads the quoted IPv4 header and the 8 bytes behind it. */
static void
decode_quote (PfIcmpMessage *out,
              const guint8  *quote,
              gsize          len)
{
  guint header_len;

  if (len < 20 || (quote[0] >> 4) != 4)
    return;
  header_len = (quote[0] & 0x0f) * 4;
  if (header_len < 20 || header_len > len)
    return;

  out->has_quote = TRUE;
  out->quoted_total_length = get_be16 (quote + 2);
  out->quoted_ip_id = get_be16 (quote + 4);
  out->quoted_protocol = quote[9];
  out->quoted_src = get_be32 (quote + 12);
  out->quoted_dst = get_be32 (quote + 16);

  if ((out->quoted_protocol == PF_IP_PROTOCOL_TCP ||
       out->quoted_protocol == PF_IP_PROTOCOL_UDP) &&
      (get_be16 (quote + 6) & 0x1fff) == 0 && len - header_len >= 4)
    {
      out->has_quoted_ports = TRUE;
      out->quoted_sport = get_be16 (quote + header_len);
      out->quoted_dport = get_be16 (quote + header_len + 2);
    }
}

/**
 * pf_icmp_decode:
 * @packet: a packet, of any protocol
 * @out: (out caller-allocates): the message
 *
 * Returns: %TRUE if @packet is an unfragmented ICMP message with its
 *   whole 8-byte header; @out is then filled, else zeroed.
 */
gboolean
pf_icmp_decode (const PfPacket *packet,
                PfIcmpMessage  *out)
{
  const guint8 *data;
  gsize len;

  g_return_val_if_fail (packet != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  *out = (PfIcmpMessage) { 0 };
  if (packet->protocol != PF_IP_PROTOCOL_ICMP || pf_packet_is_fragment (packet))
    return FALSE;

  data = g_bytes_get_data (packet->payload, &len);
  if (len < PF_ICMP_HEADER_LEN)
    return FALSE;

  out->type = data[0];
  out->code = data[1];
  out->checksum = get_be16 (data + 2);
  if (out->type == PF_ICMP_ECHO_REQUEST || out->type == PF_ICMP_ECHO_REPLY)
    {
      out->identifier = get_be16 (data + 4);
      out->sequence = get_be16 (data + 6);
    }
  if (out->type == PF_ICMP_DEST_UNREACHABLE && out->code == 4)
    out->next_hop_mtu = get_be16 (data + 6);
  if (pf_icmp_type_is_error (out->type))
    decode_quote (out, data + PF_ICMP_HEADER_LEN, len - PF_ICMP_HEADER_LEN);
  return TRUE;
}

const char *
pf_icmp_type_to_string (guint8 type)
{
  switch (type)
    {
    case PF_ICMP_ECHO_REPLY:        return "Echo (ping) reply";
    case PF_ICMP_DEST_UNREACHABLE:  return "Destination unreachable";
    case 4:                         return "Source quench";
    case PF_ICMP_REDIRECT:          return "Redirect";
    case PF_ICMP_ECHO_REQUEST:      return "Echo (ping) request";
    case PF_ICMP_TIME_EXCEEDED:     return "Time-to-live exceeded";
    case PF_ICMP_PARAMETER_PROBLEM: return "Parameter problem";
    case 13:                        return "Timestamp request";
    case 14:                        return "Timestamp reply";
    default:                        return "Unknown ICMP type";
    }
}

/* NULL where the type has no codes to tell apart. */
const char *
pf_icmp_code_to_string (guint8 type,
                        guint8 code)
{
  static const char *const unreachable[] = {
    "Network unreachable", "Host unreachable", "Protocol unreachable",
    "Port unreachable", "Fragmentation needed", "Source route failed",
    "Destination network unknown", "Destination host unknown",
    "Source host isolated", "Network administratively prohibited",
    "Host administratively prohibited", "Network unreachable for TOS",
    "Host unreachable for TOS", "Communication administratively filtered",
    "Host precedence violation", "Precedence cutoff in effect",
  };

  switch (type)
    {
    case PF_ICMP_DEST_UNREACHABLE:
      return code < G_N_ELEMENTS (unreachable) ? unreachable[code] : "Unknown code";
    case PF_ICMP_TIME_EXCEEDED:
      return code == 0 ? "Time to live exceeded in transit"
           : code == 1 ? "Fragment reassembly time exceeded" : "Unknown code";
    case PF_ICMP_REDIRECT:
      return code == 0 ? "Redirect for network" : code == 1 ? "Redirect for host"
           : code == 2 ? "Redirect for TOS and network"
           : code == 3 ? "Redirect for TOS and host" : "Unknown code";
    default:
      return NULL;
    }
}

/* One line, as tshark's Info column has it: "Destination unreachable
 * (Port unreachable)", "Echo (ping) request id=0x0001, seq=1". */
char *
pf_icmp_describe (const PfIcmpMessage *message)
{
  const char *code;

  g_return_val_if_fail (message != NULL, NULL);

  if (message->type == PF_ICMP_ECHO_REQUEST || message->type == PF_ICMP_ECHO_REPLY)
    return g_strdup_printf ("%s id=0x%04x, seq=%u", pf_icmp_type_to_string (message->type),
                            message->identifier, message->sequence);
  if (message->type == PF_ICMP_TIME_EXCEEDED)
    return g_strdup_printf ("%s (%s)", pf_icmp_type_to_string (message->type),
                            message->code == 1 ? "Fragment reassembly time exceeded"
                                               : "Time to live exceeded in transit");
  code = pf_icmp_code_to_string (message->type, message->code);
  if (code == NULL)
    return g_strdup (pf_icmp_type_to_string (message->type));
  if (message->next_hop_mtu != 0)
    return g_strdup_printf ("%s (%s, next-hop MTU %u)", pf_icmp_type_to_string (message->type),
                            code, message->next_hop_mtu);
  return g_strdup_printf ("%s (%s)", pf_icmp_type_to_string (message->type), code);
}

/* "UDP 10.0.0.7:40000 → 10.0.0.3:9": what an error is about; NULL
 * without a quote. */
char *
pf_icmp_describe_quote (const PfIcmpMessage *message)
{
  g_autofree char *src = NULL;
  g_autofree char *dst = NULL;
  const char *proto;

  g_return_val_if_fail (message != NULL, NULL);

  if (!message->has_quote)
    return NULL;
  src = pf_ipv4_to_string (message->quoted_src);
  dst = pf_ipv4_to_string (message->quoted_dst);
  proto = message->quoted_protocol == PF_IP_PROTOCOL_TCP ? "TCP"
        : message->quoted_protocol == PF_IP_PROTOCOL_UDP ? "UDP"
        : message->quoted_protocol == PF_IP_PROTOCOL_ICMP ? "ICMP" : NULL;
  if (message->has_quoted_ports)
    return g_strdup_printf ("%s %s:%u → %s:%u", proto, src, message->quoted_sport,
                            dst, message->quoted_dport);
  if (proto != NULL)
    return g_strdup_printf ("%s %s → %s", proto, src, dst);
  return g_strdup_printf ("IP protocol %u %s → %s", message->quoted_protocol, src, dst);
}

/**
 * pf_icmp_quotes:
 * @icmp: a packet, of any protocol
 * @packet: another
 *
 * Returns: %TRUE if @icmp is an ICMP error about @packet: its quote names
 *   the same protocol, addresses and (for TCP and UDP) ports, and, when
 *   @packet was captured, the same IP identification.
 */
gboolean
pf_icmp_quotes (const PfPacket *icmp,
                const PfPacket *packet)
{
  PfIcmpMessage message;

  g_return_val_if_fail (icmp != NULL, FALSE);
  g_return_val_if_fail (packet != NULL, FALSE);

  if (!pf_icmp_decode (icmp, &message) || !message.has_quote)
    return FALSE;
  if (message.quoted_protocol != packet->protocol ||
      message.quoted_src != packet->src || message.quoted_dst != packet->dst)
    return FALSE;
  if (message.has_quoted_ports &&
      (message.quoted_sport != packet->sport || message.quoted_dport != packet->dport))
    return FALSE;
  if (packet->origin == PF_PACKET_ORIGIN_CAPTURED && message.quoted_ip_id != packet->ip_id)
    return FALSE;
  return TRUE;
}
