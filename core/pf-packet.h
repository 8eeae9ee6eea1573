/* pf-packet.h: one IPv4 segment or datagram, captured or modelled
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "pf-address.h"
#include "pf-core-enums.h"

G_BEGIN_DECLS

#define PF_TYPE_PACKET  (pf_packet_get_type ())
#define PF_PACKET_ERROR (pf_packet_error_quark ())

typedef enum /*< skip >*/
{
  PF_PACKET_ERROR_TRUNCATED,    /* fewer bytes than the headers announce */
  PF_PACKET_ERROR_MALFORMED,    /* a length field that cannot be right */
  PF_PACKET_ERROR_UNSUPPORTED,  /* not IPv4 */
} PfPacketError;

typedef enum /*< skip >*/
{
  PF_PACKET_ORIGIN_CAPTURED,    /* decoded from bytes the kernel sent */
  PF_PACKET_ORIGIN_MODELLED,    /* synthesized from socket events */
} PfPacketOrigin;

/* What a checksum field held when the packet was decoded. */
typedef enum /*< skip >*/
{
  PF_CHECKSUM_UNCHECKED,  /* fragments, protocols other than TCP and UDP,
                           * a UDP checksum of 0 (none) */
  PF_CHECKSUM_GOOD,
  PF_CHECKSUM_BAD,
  PF_CHECKSUM_OFFLOADED,  /* only the pseudo-header sum: the kernel left the
                           * rest to the network device, as it always does
                           * on lo */
} PfChecksumStatus;

/* What a packet does in its connection, as the views colour it. The
 * nicks are what the JSON trace writes ("kind_of_segment"); a person
 * reads pf_packet_kind_to_label (). */
typedef enum
{
  PF_PACKET_KIND_HANDSHAKE,  /*< nick=handshake >*/  /* SYN or SYN-ACK */
  PF_PACKET_KIND_DATA,       /*< nick=data >*/       /* a payload, no FIN or RST */
  PF_PACKET_KIND_ACK,        /*< nick=ack >*/        /* a pure ACK */
  PF_PACKET_KIND_TEARDOWN,   /*< nick=teardown >*/   /* FIN */
  PF_PACKET_KIND_RESET,      /*< nick=reset >*/      /* RST */
  PF_PACKET_KIND_UDP,        /*< nick=udp >*/
  PF_PACKET_KIND_FRAGMENT,   /*< nick=fragment >*/   /* any IPv4 fragment */
  PF_PACKET_KIND_ICMP,       /*< nick=icmp >*/       /* an ICMP message, whole */
  PF_PACKET_KIND_OTHER,      /*< nick=other >*/      /* any other IP protocol */
  PF_PACKET_KIND_ARP,        /*< nick=arp >*/        /* an ARP request or reply */
} PfPacketKind;

#define PF_N_PACKET_KINDS (PF_PACKET_KIND_ARP + 1)

enum
{
  PF_TCP_FIN = 0x01,
  PF_TCP_SYN = 0x02,
  PF_TCP_RST = 0x04,
  PF_TCP_PSH = 0x08,
  PF_TCP_ACK = 0x10,
  PF_TCP_URG = 0x20,
  PF_TCP_ECE = 0x40,
  PF_TCP_CWR = 0x80,
};

#define PF_IP_PROTOCOL_ICMP 1
#define PF_IP_PROTOCOL_TCP  6
#define PF_IP_PROTOCOL_UDP  17

#define PF_ETHERTYPE_IPV4   0x0800
#define PF_ETHERTYPE_ARP    0x0806
#define PF_ARP_REQUEST      1
#define PF_ARP_REPLY        2

/* 40 bytes of TCP options hold at most four SACK blocks. */
#define PF_PACKET_MAX_SACK_BLOCKS 4
/* Payload sizes that always fit a 65535-byte datagram, options included. */
#define PF_PACKET_MAX_TCP_PAYLOAD (65535 - 20 - 60)
#define PF_PACKET_MAX_UDP_PAYLOAD (65535 - 20 - 8)

typedef struct
{
  guint32 left;
  guint32 right;
} PfSackBlock;

/* PfPacket: a reference-counted boxed struct with public fields, so
 * thousands of them cost little and read simply.
 *
 * The fields are read-only once the packet is shared (given to a list
 * model, a signal, another thread). Until then its creator may set them:
 * the engine sets time_us after decoding, the model sets ip_id or options
 * on a packet it synthesized. After changing option fields by hand, call
 * pf_packet_update_lengths() so data_offset and total_length follow.
 *
 * Fields that do not apply are zero: no ports for ICMP, no TCP fields for
 * UDP. For a fragment, payload holds every byte after the IPv4 header (the
 * TCP or UDP header too, in the first fragment); the ports and TCP fields
 * of a first fragment are decoded for display when its header is whole. */
typedef struct _PfPacket PfPacket;

struct _PfPacket
{
  gint64           time_us;          /* monotonic µs; set by the engine */
  PfPacketOrigin   origin;

  /* Ethernet: a frame the wire carried (exact mode); zero otherwise */
  gboolean         has_ethernet;
  guint8           eth_dst[6];
  guint8           eth_src[6];
  guint16          ethertype;        /* PF_ETHERTYPE_IPV4, _ARP */

  /* ARP, ethertype PF_ETHERTYPE_ARP only (no IPv4 or later fields then) */
  guint16          arp_op;           /* PF_ARP_REQUEST, PF_ARP_REPLY */
  guint8           arp_sha[6];       /* sender's MAC */
  PfIpv4           arp_spa;          /* sender's address */
  guint8           arp_tha[6];       /* target's MAC; zero in a request */
  PfIpv4           arp_tpa;          /* target's address */

  /* IPv4 */
  PfIpv4           src;              /* host byte order */
  PfIpv4           dst;
  guint8           tos;
  guint8           ttl;
  guint8           protocol;         /* PF_IP_PROTOCOL_TCP, _UDP, other */
  guint16          ip_id;
  guint16          total_length;
  gboolean         dont_fragment;
  gboolean         more_fragments;
  guint16          fragment_offset;  /* in bytes */
  PfChecksumStatus ip_checksum;

  /* TCP and UDP */
  guint16          sport;
  guint16          dport;
  PfChecksumStatus l4_checksum;

  /* TCP */
  guint32          seq;
  guint32          ack;
  guint8           flags;            /* PF_TCP_* */
  guint8           data_offset;      /* header length in 32-bit words */
  guint16          window;           /* the raw field, not yet scaled */
  guint16          urgent_pointer;

  /* TCP options */
  guint16          mss;              /* 0: absent */
  gint8            wscale;           /* -1: absent; at most 14 (RFC 7323) */
  gboolean         sack_permitted;
  gboolean         has_timestamps;
  guint32          ts_val;
  guint32          ts_ecr;
  guint            n_sack_blocks;
  PfSackBlock      sack_blocks[PF_PACKET_MAX_SACK_BLOCKS];

  GBytes          *payload;          /* never NULL; empty without data */
  GBytes          *frame;            /* the whole Ethernet frame as the wire
                                      * carried it; NULL without Ethernet */
  GBytes          *raw;              /* captured: the datagram's bytes as
                                      * captured, up to total_length;
                                      * modelled: NULL */
};

GQuark       pf_packet_error_quark        (void);
GType        pf_packet_get_type           (void) G_GNUC_CONST;

PfPacket    *pf_packet_ref                (PfPacket       *packet);
void         pf_packet_unref              (PfPacket       *packet);
PfPacket    *pf_packet_copy               (const PfPacket *packet);

PfPacket    *pf_packet_decode_ipv4        (const guint8   *data,
                                           gsize           len,
                                           GError        **error);
PfPacket    *pf_packet_decode_ipv4_bytes  (GBytes         *datagram,
                                           GError        **error);

PfPacket    *pf_packet_decode_ethernet_bytes (GBytes      *frame,
                                             GError     **error);

PfPacket    *pf_packet_new_tcp            (PfIpv4          src,
                                           guint16         sport,
                                           PfIpv4          dst,
                                           guint16         dport,
                                           guint32         seq,
                                           guint32         ack,
                                           guint8          flags,
                                           guint16         window,
                                           const guint8   *payload,
                                           gsize           payload_len);
PfPacket    *pf_packet_new_tcp_bytes      (PfIpv4          src,
                                           guint16         sport,
                                           PfIpv4          dst,
                                           guint16         dport,
                                           guint32         seq,
                                           guint32         ack,
                                           guint8          flags,
                                           guint16         window,
                                           GBytes         *payload);
PfPacket    *pf_packet_new_udp            (PfIpv4          src,
                                           guint16         sport,
                                           PfIpv4          dst,
                                           guint16         dport,
                                           const guint8   *payload,
                                           gsize           payload_len);
PfPacket    *pf_packet_new_arp            (guint16         op,
                                           const guint8    sha[6],
                                           PfIpv4          spa,
                                           const guint8    tha[6],
                                           PfIpv4          tpa);
void         pf_packet_set_ethernet       (PfPacket       *packet,
                                           const guint8    src[6],
                                           const guint8    dst[6]);
void         pf_packet_set_syn_options    (PfPacket       *packet,
                                           guint16         mss,
                                           gint8           wscale,
                                           gboolean        sack_permitted,
                                           guint32         ts_val,
                                           guint32         ts_ecr);
void         pf_packet_set_timestamps     (PfPacket       *packet,
                                           guint32         ts_val,
                                           guint32         ts_ecr);
void         pf_packet_update_lengths     (PfPacket       *packet);

GBytes      *pf_packet_encode_ipv4        (const PfPacket *packet);
GBytes      *pf_packet_get_bytes          (const PfPacket *packet);
GBytes      *pf_packet_get_frame          (const PfPacket *packet);

guint        pf_packet_get_payload_length (const PfPacket *packet);
PfFourTuple  pf_packet_get_four_tuple     (const PfPacket *packet);
gboolean     pf_packet_is_fragment        (const PfPacket *packet);
PfPacketKind pf_packet_get_kind           (const PfPacket *packet);
const char  *pf_packet_kind_to_label      (PfPacketKind    kind);

char        *pf_packet_flags_to_string    (guint8          flags);
char        *pf_packet_payload_excerpt    (const PfPacket *packet,
                                           gsize           max_chars);
char        *pf_bytes_excerpt             (const guint8   *data,
                                           gsize           len,
                                           gsize           max_chars);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfPacket, pf_packet_unref)

G_END_DECLS
