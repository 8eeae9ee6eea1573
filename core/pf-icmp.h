/* pf-icmp.h: an ICMP message read from a captured packet
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "pf-packet.h"

G_BEGIN_DECLS

#define PF_ICMP_ECHO_REPLY        0
#define PF_ICMP_DEST_UNREACHABLE  3
#define PF_ICMP_REDIRECT          5
#define PF_ICMP_ECHO_REQUEST      8
#define PF_ICMP_TIME_EXCEEDED     11
#define PF_ICMP_PARAMETER_PROBLEM 12

#define PF_ICMP_HEADER_LEN 8

/* What an ICMP message says (RFC 792, RFC 1191). The quote is the IPv4
 * header and first 8 bytes of the datagram an error is about. */
typedef struct
{
  guint8   type;
  guint8   code;
  guint16  checksum;
  guint16  identifier;      /* echo request and reply */
  guint16  sequence;
  guint16  next_hop_mtu;    /* fragmentation needed */

  gboolean has_quote;       /* an error whose quoted IPv4 header is whole */
  PfIpv4   quoted_src;
  PfIpv4   quoted_dst;
  guint8   quoted_protocol;
  guint16  quoted_ip_id;
  guint16  quoted_total_length;
  gboolean has_quoted_ports; /* a TCP or UDP quote with its ports */
  guint16  quoted_sport;
  guint16  quoted_dport;
} PfIcmpMessage;

gboolean     pf_icmp_decode          (const PfPacket      *packet,
                                      PfIcmpMessage       *out);
gboolean     pf_icmp_type_is_error   (guint8               type);
const char  *pf_icmp_type_to_string  (guint8               type);
const char  *pf_icmp_code_to_string  (guint8               type,
                                      guint8               code);
char        *pf_icmp_describe        (const PfIcmpMessage *message);
char        *pf_icmp_describe_quote  (const PfIcmpMessage *message);
gboolean     pf_icmp_quotes          (const PfPacket      *icmp,
                                      const PfPacket      *packet);

G_END_DECLS
