/* test-packet.c: decoding, encoding and describing PfPacket
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pf-test-util.h"

#include <string.h>

#include "pf-enum.h"
#include "pf-packet.h"

/* Fixtures: real bytes from Linux (kernel 6.18, on this Debian 12 machine).
 *
 * lo_*: captured as an unprivileged user in `unshare -rn`: lo brought up,
 * an AF_PACKET SOCK_DGRAM ETH_P_ALL socket bound to lo (outgoing copies
 * kept), a TCP connection 127.0.0.1:57096 → 127.0.0.1:8080 sending
 * "GET / HTTP/1.1\r\n\r\n", a short reply, a close, two UDP datagrams, one
 * to a closed port (hence the ICMP), and a SYN to closed port 81.
 * On lo the kernel leaves TCP and UDP checksums to the device (tx
 * checksumming is fixed on there): most lo_* segments carry only the
 * pseudo-header sum, as tcpdump and tshark show ("incorrect"). The RST and
 * the corked UDP datagram are checksummed in software, completely.
 *
 * veth_*: the same exchange, 10.0.0.1:34670 → 10.0.0.2:80, over a veth
 * pair between two namespaces with tx checksumming switched off
 * (ETHTOOL_STXCSUM), so every checksum is the kernel's own, complete;
 * tshark -o tcp.check_checksum:TRUE reports them good. */

/* SYN with MSS, SACK-permitted, timestamps, window scale: 60 bytes */
static const guint8 lo_syn[] = {
  0x45, 0x00, 0x00, 0x3c, 0xf3, 0x78, 0x40, 0x00, 0x40, 0x06, 0x49, 0x41,
  0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0xdf, 0x08, 0x1f, 0x90,
  0x99, 0xd4, 0x53, 0xbd, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xff, 0xd7,
  0xfe, 0x30, 0x00, 0x00, 0x02, 0x04, 0xff, 0xd7, 0x04, 0x02, 0x08, 0x0a,
  0x15, 0x7d, 0x52, 0x26, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};

/* SYN-ACK: 60 bytes */
static const guint8 lo_syn_ack[] = {
  0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x3c, 0xba,
  0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x1f, 0x90, 0xdf, 0x08,
  0xbd, 0xc5, 0xd6, 0x6d, 0x99, 0xd4, 0x53, 0xbe, 0xa0, 0x12, 0xff, 0xcb,
  0xfe, 0x30, 0x00, 0x00, 0x02, 0x04, 0xff, 0xd7, 0x04, 0x02, 0x08, 0x0a,
  0x48, 0x59, 0xed, 0x62, 0x15, 0x7d, 0x52, 0x26, 0x01, 0x03, 0x03, 0x0a,
};

/* the handshake's final ACK: 52 bytes */
static const guint8 lo_ack[] = {
  0x45, 0x00, 0x00, 0x34, 0xf3, 0x79, 0x40, 0x00, 0x40, 0x06, 0x49, 0x48,
  0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0xdf, 0x08, 0x1f, 0x90,
  0x99, 0xd4, 0x53, 0xbe, 0xbd, 0xc5, 0xd6, 0x6e, 0x80, 0x10, 0x00, 0x40,
  0xfe, 0x28, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x15, 0x7d, 0x52, 0x26,
  0x48, 0x59, 0xed, 0x62,
};

/* PSH,ACK carrying "GET / HTTP/1.1\r\n\r\n": 70 bytes */
static const guint8 lo_data[] = {
  0x45, 0x00, 0x00, 0x46, 0xf3, 0x7a, 0x40, 0x00, 0x40, 0x06, 0x49, 0x35,
  0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0xdf, 0x08, 0x1f, 0x90,
  0x99, 0xd4, 0x53, 0xbe, 0xbd, 0xc5, 0xd6, 0x6e, 0x80, 0x18, 0x00, 0x40,
  0xfe, 0x3a, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x15, 0x7d, 0x52, 0x26,
  0x48, 0x59, 0xed, 0x62, 0x47, 0x45, 0x54, 0x20, 0x2f, 0x20, 0x48, 0x54,
  0x54, 0x50, 0x2f, 0x31, 0x2e, 0x31, 0x0d, 0x0a, 0x0d, 0x0a,
};

/* FIN,ACK from the client: 52 bytes */
static const guint8 lo_fin[] = {
  0x45, 0x00, 0x00, 0x34, 0xf3, 0x7c, 0x40, 0x00, 0x40, 0x06, 0x49, 0x45,
  0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0xdf, 0x08, 0x1f, 0x90,
  0x99, 0xd4, 0x53, 0xd0, 0xbd, 0xc5, 0xd6, 0x94, 0x80, 0x11, 0x00, 0x40,
  0xfe, 0x28, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x15, 0x7d, 0x52, 0x26,
  0x48, 0x59, 0xed, 0x62,
};

/* RST,ACK answering a SYN to closed port 81 (checksum computed in software): 40 bytes */
static const guint8 lo_rst_ack[] = {
  0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x3c, 0xce,
  0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x00, 0x51, 0xa4, 0xe8,
  0x00, 0x00, 0x00, 0x00, 0x6e, 0x57, 0x42, 0xe7, 0x50, 0x14, 0x00, 0x00,
  0x5b, 0x56, 0x00, 0x00,
};

/* UDP "hello\n" to port 5353: 34 bytes */
static const guint8 lo_udp[] = {
  0x45, 0x00, 0x00, 0x22, 0xba, 0x6c, 0x40, 0x00, 0x40, 0x11, 0x82, 0x5c,
  0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0xbc, 0x83, 0x14, 0xe9,
  0x00, 0x0e, 0xfe, 0x21, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x0a,
};

/* UDP "dns?\r\n" sent corked (MSG_MORE): checksum computed in software: 34 bytes */
static const guint8 lo_udp_corked[] = {
  0x45, 0x00, 0x00, 0x22, 0xba, 0x6d, 0x40, 0x00, 0x40, 0x11, 0x82, 0x5b,
  0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0xbc, 0x83, 0x14, 0xe9,
  0x00, 0x0e, 0x4b, 0xab, 0x64, 0x6e, 0x73, 0x3f, 0x0d, 0x0a,
};

/* ICMP port unreachable for a UDP datagram to port 9: 60 bytes */
static const guint8 lo_icmp_unreachable[] = {
  0x45, 0xc0, 0x00, 0x3c, 0x2d, 0x28, 0x00, 0x00, 0x40, 0x01, 0x4e, 0xd7,
  0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0x03, 0x03, 0x63, 0x73,
  0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x20, 0xba, 0x6e, 0x40, 0x00,
  0x40, 0x11, 0x82, 0x5c, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01,
  0xbc, 0x83, 0x00, 0x09, 0x00, 0x0c, 0xfe, 0x1f, 0x70, 0x69, 0x6e, 0x67,
};

/* SYN: 60 bytes */
static const guint8 veth_syn[] = {
  0x45, 0x00, 0x00, 0x3c, 0xd6, 0x17, 0x40, 0x00, 0x40, 0x06, 0x50, 0xa2,
  0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x87, 0x6e, 0x00, 0x50,
  0x29, 0x63, 0x3a, 0x52, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x02, 0xfa, 0xf0,
  0xf3, 0x25, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
  0xde, 0x1c, 0x7c, 0x53, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};

/* SYN-ACK: 60 bytes */
static const guint8 veth_syn_ack[] = {
  0x45, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06, 0x26, 0xba,
  0x0a, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x50, 0x87, 0x6e,
  0x1c, 0xca, 0x2e, 0xc0, 0x29, 0x63, 0x3a, 0x53, 0xa0, 0x12, 0xfe, 0x88,
  0x4a, 0xbc, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a,
  0x88, 0x14, 0xd1, 0x21, 0xde, 0x1c, 0x7c, 0x53, 0x01, 0x03, 0x03, 0x0a,
};

/* PSH,ACK carrying "GET / HTTP/1.1\r\n\r\n": 70 bytes */
static const guint8 veth_data[] = {
  0x45, 0x00, 0x00, 0x46, 0xd6, 0x19, 0x40, 0x00, 0x40, 0x06, 0x50, 0x96,
  0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x87, 0x6e, 0x00, 0x50,
  0x29, 0x63, 0x3a, 0x53, 0x1c, 0xca, 0x2e, 0xc1, 0x80, 0x18, 0x00, 0x3f,
  0x99, 0x1a, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0xde, 0x1c, 0x7c, 0x53,
  0x88, 0x14, 0xd1, 0x21, 0x47, 0x45, 0x54, 0x20, 0x2f, 0x20, 0x48, 0x54,
  0x54, 0x50, 0x2f, 0x31, 0x2e, 0x31, 0x0d, 0x0a, 0x0d, 0x0a,
};

/* PSH,ACK carrying the server's reply: 90 bytes */
static const guint8 veth_reply[] = {
  0x45, 0x00, 0x00, 0x5a, 0x02, 0x7c, 0x40, 0x00, 0x40, 0x06, 0x24, 0x20,
  0x0a, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x50, 0x87, 0x6e,
  0x1c, 0xca, 0x2e, 0xc1, 0x29, 0x63, 0x3a, 0x65, 0x80, 0x18, 0x00, 0x40,
  0xc8, 0x95, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0x88, 0x14, 0xd1, 0x21,
  0xde, 0x1c, 0x7c, 0x53, 0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e, 0x31,
  0x20, 0x32, 0x30, 0x30, 0x20, 0x4f, 0x4b, 0x0d, 0x0a, 0x43, 0x6f, 0x6e,
  0x74, 0x65, 0x6e, 0x74, 0x2d, 0x4c, 0x65, 0x6e, 0x67, 0x74, 0x68, 0x3a,
  0x20, 0x30, 0x0d, 0x0a, 0x0d, 0x0a,
};

/* FIN,ACK from the client: 52 bytes */
static const guint8 veth_fin[] = {
  0x45, 0x00, 0x00, 0x34, 0xd6, 0x1b, 0x40, 0x00, 0x40, 0x06, 0x50, 0xa6,
  0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x87, 0x6e, 0x00, 0x50,
  0x29, 0x63, 0x3a, 0x65, 0x1c, 0xca, 0x2e, 0xe7, 0x80, 0x11, 0x00, 0x3f,
  0x77, 0x9c, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0xde, 0x1c, 0x7c, 0x53,
  0x88, 0x14, 0xd1, 0x21,
};

#define LOCALHOST 0x7f000001u
#define VETH_CLIENT 0x0a000001u
#define VETH_SERVER 0x0a000002u
#define GET_REQUEST "GET / HTTP/1.1\r\n\r\n"

typedef struct
{
  const char   *name;
  const guint8 *data;
  gsize         len;
} Fixture;

#define FIXTURE(x) { #x, x, sizeof x }

static const Fixture fixtures[] = {
  FIXTURE (lo_syn), FIXTURE (lo_syn_ack), FIXTURE (lo_ack), FIXTURE (lo_data),
  FIXTURE (lo_fin), FIXTURE (lo_rst_ack), FIXTURE (lo_udp),
  FIXTURE (lo_udp_corked), FIXTURE (lo_icmp_unreachable),
  FIXTURE (veth_syn), FIXTURE (veth_syn_ack), FIXTURE (veth_data),
  FIXTURE (veth_reply), FIXTURE (veth_fin),
};

/* Bytes the kernel checksummed completely: encoding what they decode to
 * must give them back exactly. */
static const Fixture kernel_checksummed[] = {
  FIXTURE (lo_rst_ack), FIXTURE (lo_udp_corked), FIXTURE (lo_icmp_unreachable),
  FIXTURE (veth_syn), FIXTURE (veth_syn_ack), FIXTURE (veth_data),
  FIXTURE (veth_reply), FIXTURE (veth_fin),
};

static PfPacket *
decode_ok (const guint8 *data,
           gsize         len)
{
  g_autoptr(GError) error = NULL;
  PfPacket *packet = pf_packet_decode_ipv4 (data, len, &error);

  if (error != NULL)
    fail_msg ("decode failed: %s", error->message);
  assert_non_null (packet);
  return packet;
}

static void
assert_decode_error (const guint8 *data,
                     gsize         len,
                     PfPacketError code)
{
  g_autoptr(GError) error = NULL;
  PfPacket *packet = pf_packet_decode_ipv4 (data, len, &error);

  assert_null (packet);
  assert_non_null (error);
  assert_true (error->domain == PF_PACKET_ERROR);
  assert_int_equal (error->code, code);
  /* A sentence: a capital first, a full stop last. */
  assert_true (g_ascii_isupper (error->message[0]));
  assert_true (g_str_has_suffix (error->message, "."));
}

static void
assert_payload (const PfPacket *packet,
                const void     *expected,
                gsize           len)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (packet->payload, &size);

  assert_int_equal (size, len);
  assert_int_equal (pf_packet_get_payload_length (packet), len);
  if (len > 0)
    assert_memory_equal (data, expected, len);
}

/* Every field but the ones that tell how the packet came to be. */
static void
assert_same_fields (const PfPacket *a,
                    const PfPacket *b)
{
  assert_int_equal (a->src, b->src);
  assert_int_equal (a->dst, b->dst);
  assert_int_equal (a->tos, b->tos);
  assert_int_equal (a->ttl, b->ttl);
  assert_int_equal (a->protocol, b->protocol);
  assert_int_equal (a->ip_id, b->ip_id);
  assert_int_equal (a->total_length, b->total_length);
  assert_int_equal (a->dont_fragment, b->dont_fragment);
  assert_int_equal (a->more_fragments, b->more_fragments);
  assert_int_equal (a->fragment_offset, b->fragment_offset);
  assert_int_equal (a->sport, b->sport);
  assert_int_equal (a->dport, b->dport);
  assert_int_equal (a->seq, b->seq);
  assert_int_equal (a->ack, b->ack);
  assert_int_equal (a->flags, b->flags);
  assert_int_equal (a->data_offset, b->data_offset);
  assert_int_equal (a->window, b->window);
  assert_int_equal (a->urgent_pointer, b->urgent_pointer);
  assert_int_equal (a->mss, b->mss);
  assert_int_equal (a->wscale, b->wscale);
  assert_int_equal (a->sack_permitted, b->sack_permitted);
  assert_int_equal (a->has_timestamps, b->has_timestamps);
  assert_int_equal (a->ts_val, b->ts_val);
  assert_int_equal (a->ts_ecr, b->ts_ecr);
  assert_int_equal (a->n_sack_blocks, b->n_sack_blocks);
  for (guint i = 0; i < a->n_sack_blocks; i++)
    {
      assert_int_equal (a->sack_blocks[i].left, b->sack_blocks[i].left);
      assert_int_equal (a->sack_blocks[i].right, b->sack_blocks[i].right);
    }
  assert_true (g_bytes_equal (a->payload, b->payload));
}

/* An independent Internet checksum, to check the encoder's. */
static guint16
ones_complement_sum (guint32       sum,
                     const guint8 *data,
                     gsize         len)
{
  for (gsize i = 0; i < len; i++)
    sum += (i % 2 == 0) ? (guint32) data[i] << 8 : data[i];
  while (sum > 0xffff)
    sum = (sum >> 16) + (sum & 0xffff);
  return (guint16) sum;
}

static guint32
pseudo_header (const guint8 *ip,
               gsize         l4_len)
{
  guint32 sum = 0;

  for (int i = 12; i < 20; i += 2)
    sum += (guint32) (ip[i] << 8 | ip[i + 1]);
  return sum + ip[9] + (guint32) l4_len;
}

/* The IPv4 header checksum and, unless the datagram is a fragment, the
 * TCP or UDP checksum are right. */
static void
assert_checksums_valid (const guint8 *ip,
                        gsize         len)
{
  gsize ihl = (ip[0] & 0x0f) * 4;

  gboolean fragment = (ip[6] & 0x3f) != 0 || ip[7] != 0;

  assert_int_equal (ones_complement_sum (0, ip, ihl), 0xffff);
  if (!fragment && (ip[9] == PF_IP_PROTOCOL_TCP || ip[9] == PF_IP_PROTOCOL_UDP))
    assert_int_equal (ones_complement_sum (pseudo_header (ip, len - ihl),
                                           ip + ihl, len - ihl), 0xffff);
}

/* Decoding captured bytes */

static void
test_decode_syn (void **state)
{
  g_autoptr(PfPacket) p = decode_ok (lo_syn, sizeof lo_syn);

  (void) state;
  assert_int_equal (p->origin, PF_PACKET_ORIGIN_CAPTURED);
  assert_int_equal (p->time_us, 0);
  assert_int_equal (p->src, LOCALHOST);
  assert_int_equal (p->dst, LOCALHOST);
  assert_int_equal (p->tos, 0);
  assert_int_equal (p->ttl, 64);
  assert_int_equal (p->protocol, PF_IP_PROTOCOL_TCP);
  assert_int_equal (p->ip_id, 0xf378);
  assert_int_equal (p->total_length, 60);
  assert_true (p->dont_fragment);
  assert_false (p->more_fragments);
  assert_int_equal (p->fragment_offset, 0);
  assert_int_equal (p->ip_checksum, PF_CHECKSUM_GOOD);
  assert_int_equal (p->sport, 57096);
  assert_int_equal (p->dport, 8080);
  assert_int_equal (p->seq, 2580829117u);
  assert_int_equal (p->ack, 0);
  assert_int_equal (p->flags, PF_TCP_SYN);
  assert_int_equal (p->window, 65495);
  assert_int_equal (p->data_offset, 10);
  assert_int_equal (p->urgent_pointer, 0);
  assert_int_equal (p->mss, 65495);
  assert_int_equal (p->wscale, 10);
  assert_true (p->sack_permitted);
  assert_true (p->has_timestamps);
  assert_int_equal (p->ts_val, 360534566u);
  assert_int_equal (p->ts_ecr, 0);
  assert_int_equal (p->n_sack_blocks, 0);
  assert_payload (p, NULL, 0);
  assert_non_null (p->raw);
  pf_test_assert_bytes (p->raw, lo_syn, sizeof lo_syn);
  /* lo leaves the TCP checksum to the device: 0xfe30 is the pseudo-header
   * sum 0x7f00 + 0x0001 + 0x7f00 + 0x0001 + 6 + 40. */
  assert_int_equal (p->l4_checksum, PF_CHECKSUM_OFFLOADED);
  assert_int_equal (pf_packet_get_kind (p), PF_PACKET_KIND_HANDSHAKE);
}

static void
test_decode_syn_ack (void **state)
{
  g_autoptr(PfPacket) p = decode_ok (lo_syn_ack, sizeof lo_syn_ack);

  (void) state;
  assert_int_equal (p->ip_id, 0);
  assert_true (p->dont_fragment);
  assert_int_equal (p->sport, 8080);
  assert_int_equal (p->dport, 57096);
  assert_int_equal (p->seq, 3183859309u);
  assert_int_equal (p->ack, 2580829118u);
  assert_int_equal (p->flags, PF_TCP_SYN | PF_TCP_ACK);
  assert_int_equal (p->window, 65483);
  assert_int_equal (p->data_offset, 10);
  assert_int_equal (p->mss, 65495);
  assert_int_equal (p->wscale, 10);
  assert_true (p->sack_permitted);
  assert_true (p->has_timestamps);
  assert_int_equal (p->ts_val, 1213853026u);
  assert_int_equal (p->ts_ecr, 360534566u);
  assert_payload (p, NULL, 0);
  assert_int_equal (pf_packet_get_kind (p), PF_PACKET_KIND_HANDSHAKE);
}

static void
test_decode_ack (void **state)
{
  g_autoptr(PfPacket) p = decode_ok (lo_ack, sizeof lo_ack);

  (void) state;
  assert_int_equal (p->seq, 2580829118u);
  assert_int_equal (p->ack, 3183859310u);
  assert_int_equal (p->flags, PF_TCP_ACK);
  /* The raw field: 64 << 10 = 65536 once scaled. */
  assert_int_equal (p->window, 64);
  assert_int_equal (p->data_offset, 8);
  assert_int_equal (p->mss, 0);
  assert_int_equal (p->wscale, -1);
  assert_false (p->sack_permitted);
  assert_true (p->has_timestamps);
  assert_int_equal (p->ts_val, 360534566u);
  assert_int_equal (p->ts_ecr, 1213853026u);
  assert_payload (p, NULL, 0);
  assert_int_equal (pf_packet_get_kind (p), PF_PACKET_KIND_ACK);
}

static void
test_decode_data (void **state)
{
  g_autoptr(PfPacket) p = decode_ok (lo_data, sizeof lo_data);
  PfFourTuple tuple = pf_packet_get_four_tuple (p);
  g_autofree char *text = pf_four_tuple_to_string (&tuple);

  (void) state;
  assert_int_equal (p->ip_id, 0xf37a);
  assert_int_equal (p->total_length, 70);
  assert_int_equal (p->sport, 57096);
  assert_int_equal (p->dport, 8080);
  assert_int_equal (p->seq, 2580829118u);
  assert_int_equal (p->ack, 3183859310u);
  assert_int_equal (p->flags, PF_TCP_PSH | PF_TCP_ACK);
  assert_int_equal (p->window, 64);
  assert_int_equal (p->data_offset, 8);
  assert_int_equal (p->mss, 0);
  assert_int_equal (p->wscale, -1);
  assert_false (p->sack_permitted);
  assert_true (p->has_timestamps);
  assert_int_equal (p->ts_val, 360534566u);
  assert_int_equal (p->ts_ecr, 1213853026u);
  assert_payload (p, GET_REQUEST, strlen (GET_REQUEST));
  assert_int_equal (p->l4_checksum, PF_CHECKSUM_OFFLOADED);
  assert_int_equal (pf_packet_get_kind (p), PF_PACKET_KIND_DATA);
  assert_string_equal (text, "127.0.0.1:57096 → 127.0.0.1:8080");
}

static void
test_decode_fin (void **state)
{
  g_autoptr(PfPacket) p = decode_ok (lo_fin, sizeof lo_fin);

  (void) state;
  assert_int_equal (p->ip_id, 0xf37c);
  assert_int_equal (p->seq, 2580829136u);
  assert_int_equal (p->ack, 3183859348u);
  assert_int_equal (p->flags, PF_TCP_FIN | PF_TCP_ACK);
  assert_int_equal (p->window, 64);
  assert_true (p->has_timestamps);
  assert_int_equal (p->ts_val, 360534566u);
  assert_int_equal (p->ts_ecr, 1213853026u);
  assert_payload (p, NULL, 0);
  assert_int_equal (pf_packet_get_kind (p), PF_PACKET_KIND_TEARDOWN);
}

static void
test_decode_rst (void **state)
{
  g_autoptr(PfPacket) p = decode_ok (lo_rst_ack, sizeof lo_rst_ack);

  (void) state;
  assert_int_equal (p->total_length, 40);
  assert_int_equal (p->sport, 81);
  assert_int_equal (p->dport, 42216);
  assert_int_equal (p->seq, 0);
  assert_int_equal (p->ack, 1851212519u);
  assert_int_equal (p->flags, PF_TCP_RST | PF_TCP_ACK);
  assert_int_equal (p->window, 0);
  assert_int_equal (p->data_offset, 5);
  assert_false (p->has_timestamps);
  assert_int_equal (p->wscale, -1);
  assert_int_equal (p->l4_checksum, PF_CHECKSUM_GOOD);
  assert_int_equal (pf_packet_get_kind (p), PF_PACKET_KIND_RESET);
}

static void
test_decode_udp (void **state)
{
  g_autoptr(PfPacket) p = decode_ok (lo_udp, sizeof lo_udp);
  g_autoptr(PfPacket) corked = decode_ok (lo_udp_corked, sizeof lo_udp_corked);

  (void) state;
  assert_int_equal (p->protocol, PF_IP_PROTOCOL_UDP);
  assert_int_equal (p->ip_id, 0xba6c);
  assert_int_equal (p->total_length, 34);
  assert_true (p->dont_fragment);
  assert_int_equal (p->src, LOCALHOST);
  assert_int_equal (p->sport, 48259);
  assert_int_equal (p->dport, 5353);
  assert_int_equal (p->flags, 0);
  assert_int_equal (p->seq, 0);
  assert_int_equal (p->wscale, -1);
  assert_payload (p, "hello\n", 6);
  assert_int_equal (p->l4_checksum, PF_CHECKSUM_OFFLOADED);
  assert_int_equal (pf_packet_get_kind (p), PF_PACKET_KIND_UDP);

  assert_payload (corked, "dns?\r\n", 6);
  assert_int_equal (corked->l4_checksum, PF_CHECKSUM_GOOD);
}

static void
test_decode_icmp (void **state)
{
  g_autoptr(PfPacket) p = decode_ok (lo_icmp_unreachable, sizeof lo_icmp_unreachable);

  (void) state;
  assert_int_equal (p->protocol, PF_IP_PROTOCOL_ICMP);
  assert_int_equal (p->tos, 0xc0);
  assert_false (p->dont_fragment);
  assert_int_equal (p->sport, 0);
  assert_int_equal (p->dport, 0);
  assert_int_equal (p->l4_checksum, PF_CHECKSUM_UNCHECKED);
  /* The ICMP message whole: type 3 (unreachable), code 3 (port), then the
   * offending datagram's header. */
  assert_payload (p, lo_icmp_unreachable + 20, sizeof lo_icmp_unreachable - 20);
  assert_int_equal (pf_packet_get_kind (p), PF_PACKET_KIND_ICMP);
}

static void
test_decode_veth (void **state)
{
  g_autoptr(PfPacket) syn = decode_ok (veth_syn, sizeof veth_syn);
  g_autoptr(PfPacket) data = decode_ok (veth_data, sizeof veth_data);

  (void) state;
  assert_int_equal (syn->src, VETH_CLIENT);
  assert_int_equal (syn->dst, VETH_SERVER);
  assert_int_equal (syn->sport, 34670);
  assert_int_equal (syn->dport, 80);
  assert_int_equal (syn->seq, 694368850u);
  assert_int_equal (syn->window, 64240);
  assert_int_equal (syn->mss, 1460);
  assert_int_equal (syn->wscale, 10);
  assert_true (syn->sack_permitted);
  assert_int_equal (syn->ts_val, 3726408787u);
  assert_int_equal (syn->ts_ecr, 0);
  assert_int_equal (syn->l4_checksum, PF_CHECKSUM_GOOD);
  assert_int_equal (data->l4_checksum, PF_CHECKSUM_GOOD);
  assert_payload (data, GET_REQUEST, strlen (GET_REQUEST));
}

/* Malformed and hostile input */

static void
test_decode_errors (void **state)
{
  guint8 buf[80];

  (void) state;
  assert_decode_error (NULL, 0, PF_PACKET_ERROR_TRUNCATED);
  assert_decode_error (lo_syn, 1, PF_PACKET_ERROR_TRUNCATED);
  assert_decode_error (lo_syn, 19, PF_PACKET_ERROR_TRUNCATED);
  assert_decode_error (lo_syn, sizeof lo_syn - 1, PF_PACKET_ERROR_TRUNCATED);

  /* IPv6 */
  memcpy (buf, lo_syn, sizeof lo_syn);
  buf[0] = 0x60;
  assert_decode_error (buf, sizeof lo_syn, PF_PACKET_ERROR_UNSUPPORTED);

  /* IHL of 4 words */
  buf[0] = 0x44;
  assert_decode_error (buf, sizeof lo_syn, PF_PACKET_ERROR_MALFORMED);

  /* Total length shorter than the header */
  memcpy (buf, lo_syn, sizeof lo_syn);
  buf[2] = 0;
  buf[3] = 19;
  assert_decode_error (buf, sizeof lo_syn, PF_PACKET_ERROR_MALFORMED);

  /* TCP data offset of 4 words, then of 15 (60 bytes > 40 in the segment) */
  memcpy (buf, lo_syn, sizeof lo_syn);
  buf[32] = 0x40;
  assert_decode_error (buf, sizeof lo_syn, PF_PACKET_ERROR_MALFORMED);
  buf[32] = 0xf0;
  assert_decode_error (buf, sizeof lo_syn, PF_PACKET_ERROR_MALFORMED);

  /* A TCP header cut to 19 bytes by the total length */
  memcpy (buf, lo_syn, sizeof lo_syn);
  buf[3] = 39;
  assert_decode_error (buf, 39, PF_PACKET_ERROR_TRUNCATED);

  /* UDP lengths below 8 and past the datagram */
  memcpy (buf, lo_udp, sizeof lo_udp);
  buf[25] = 7;
  assert_decode_error (buf, sizeof lo_udp, PF_PACKET_ERROR_MALFORMED);
  buf[25] = 15;
  assert_decode_error (buf, sizeof lo_udp, PF_PACKET_ERROR_MALFORMED);
  memcpy (buf, lo_udp, sizeof lo_udp);
  buf[3] = 27;
  assert_decode_error (buf, 27, PF_PACKET_ERROR_TRUNCATED);
}

static void
test_decode_error_message (void **state)
{
  g_autoptr(GError) error = NULL;
  PfPacket *p = pf_packet_decode_ipv4 (lo_syn, 40, &error);

  (void) state;
  assert_null (p);
  assert_string_equal (error->message,
                       "The IPv4 header announces 60 bytes but only 40 arrived.");
}

/* Trailing bytes past the total length (link padding) are not payload. */
static void
test_decode_trims_padding (void **state)
{
  guint8 buf[sizeof lo_fin + 6] = { 0 };
  g_autoptr(PfPacket) p = NULL;

  (void) state;
  memcpy (buf, lo_fin, sizeof lo_fin);
  memset (buf + sizeof lo_fin, 0xee, 6);
  p = decode_ok (buf, sizeof buf);
  assert_int_equal (p->total_length, sizeof lo_fin);
  assert_payload (p, NULL, 0);
  pf_test_assert_bytes (p->raw, lo_fin, sizeof lo_fin);
}

/* IP options are skipped: the TCP header is found behind them. */
static void
test_decode_ip_options (void **state)
{
  guint8 buf[sizeof lo_data + 4];
  g_autoptr(PfPacket) p = NULL;

  (void) state;
  memcpy (buf, lo_data, 20);
  memset (buf + 20, 0x01, 4);                       /* four NOP options */
  memcpy (buf + 24, lo_data + 20, sizeof lo_data - 20);
  buf[0] = 0x46;
  buf[3] = sizeof buf;
  p = decode_ok (buf, sizeof buf);
  assert_int_equal (p->ip_checksum, PF_CHECKSUM_BAD);   /* not recomputed */
  assert_int_equal (p->sport, 57096);
  assert_int_equal (p->seq, 2580829118u);
  assert_payload (p, GET_REQUEST, strlen (GET_REQUEST));
}

/* Options are read the way Linux reads them: a malformed one ends the
 * parse, one of the wrong size is skipped, the segment stays. */
static void
test_decode_bad_options (void **state)
{
  guint8 buf[sizeof lo_syn];

  (void) state;

  /* MSS claiming 32 bytes: past the header; nothing after it is read */
  memcpy (buf, lo_syn, sizeof lo_syn);
  buf[41] = 32;
  {
    g_autoptr(PfPacket) p = decode_ok (buf, sizeof buf);

    assert_int_equal (p->mss, 0);
    assert_false (p->sack_permitted);
    assert_false (p->has_timestamps);
    assert_int_equal (p->wscale, -1);
    assert_int_equal (p->seq, 2580829117u);
  }

  /* A length of 1 (less than the kind and length bytes themselves) */
  buf[41] = 1;
  {
    g_autoptr(PfPacket) p = decode_ok (buf, sizeof buf);

    assert_int_equal (p->mss, 0);
    assert_false (p->has_timestamps);
  }

  /* The last option, window scale, cut to its kind byte: NOP NOP NOP WS */
  memcpy (buf, lo_syn, sizeof lo_syn);
  buf[56] = 1;
  buf[57] = 1;
  buf[58] = 1;
  buf[59] = 3;
  {
    g_autoptr(PfPacket) p = decode_ok (buf, sizeof buf);

    assert_int_equal (p->mss, 65495);
    assert_true (p->has_timestamps);
    assert_int_equal (p->wscale, -1);
  }

  /* MSS of the wrong size (3) is skipped; the options after it count */
  memcpy (buf, lo_syn, sizeof lo_syn);
  buf[41] = 3;
  buf[43] = 1;                                      /* NOP */
  {
    g_autoptr(PfPacket) p = decode_ok (buf, sizeof buf);

    assert_int_equal (p->mss, 0);
    assert_true (p->sack_permitted);
    assert_true (p->has_timestamps);
    assert_int_equal (p->wscale, 10);
  }

  /* Timestamps running past the end of the header: the payload behind it
   * is not read as option bytes. NOP ×6, then 08 0a with 6 bytes left. */
  {
    guint8 data[sizeof lo_data];
    g_autoptr(PfPacket) p = NULL;

    memcpy (data, lo_data, sizeof lo_data);
    memset (data + 40, 1, 6);
    data[46] = 8;
    data[47] = 10;
    p = decode_ok (data, sizeof data);
    assert_false (p->has_timestamps);
    assert_int_equal (p->ts_val, 0);
    assert_payload (p, GET_REQUEST, strlen (GET_REQUEST));
  }

  /* End of options list: what follows is not read */
  memcpy (buf, lo_syn, sizeof lo_syn);
  buf[44] = 0;
  {
    g_autoptr(PfPacket) p = decode_ok (buf, sizeof buf);

    assert_int_equal (p->mss, 65495);
    assert_false (p->sack_permitted);
    assert_false (p->has_timestamps);
    assert_int_equal (p->wscale, -1);
  }

  /* A window scale of 200 counts as 14 (RFC 7323) */
  memcpy (buf, lo_syn, sizeof lo_syn);
  buf[59] = 200;
  {
    g_autoptr(PfPacket) p = decode_ok (buf, sizeof buf);

    assert_int_equal (p->wscale, 14);
  }
}

static void
test_decode_fragments (void **state)
{
  guint8 buf[sizeof lo_data];

  (void) state;

  /* First fragment: more fragments follow; the TCP header is read for
   * display, and the payload is every byte after the IPv4 header. */
  memcpy (buf, lo_data, sizeof lo_data);
  buf[6] = 0x20;
  {
    g_autoptr(PfPacket) p = decode_ok (buf, sizeof buf);

    assert_true (pf_packet_is_fragment (p));
    assert_true (p->more_fragments);
    assert_false (p->dont_fragment);
    assert_int_equal (p->fragment_offset, 0);
    assert_int_equal (p->sport, 57096);
    assert_int_equal (p->dport, 8080);
    assert_int_equal (p->seq, 2580829118u);
    assert_int_equal (p->l4_checksum, PF_CHECKSUM_UNCHECKED);
    assert_payload (p, lo_data + 20, sizeof lo_data - 20);
    assert_int_equal (pf_packet_get_kind (p), PF_PACKET_KIND_FRAGMENT);
  }

  /* A later fragment, 1480 bytes in: no ports, no TCP, bytes as they are,
   * even when they would make a nonsensical TCP header. */
  buf[6] = 0x00;
  buf[7] = 185;
  buf[32] = 0x10;
  {
    g_autoptr(PfPacket) p = decode_ok (buf, sizeof buf);

    assert_true (pf_packet_is_fragment (p));
    assert_false (p->more_fragments);
    assert_int_equal (p->fragment_offset, 1480);
    assert_int_equal (p->sport, 0);
    assert_int_equal (p->dport, 0);
    assert_int_equal (p->seq, 0);
    assert_int_equal (p->flags, 0);
    assert_payload (p, buf + 20, sizeof buf - 20);
  }

  /* A first fragment too short for a TCP header still decodes. */
  memcpy (buf, lo_data, 30);
  buf[3] = 30;
  buf[6] = 0x20;
  {
    g_autoptr(PfPacket) p = decode_ok (buf, 30);

    assert_int_equal (p->sport, 57096);
    assert_int_equal (p->seq, 0);
    assert_payload (p, lo_data + 20, 10);
  }
}

/* What any decoded packet must satisfy, however odd its bytes. */
static void
assert_consistent (const guint8 *data,
                   gsize         len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfPacket) p = pf_packet_decode_ipv4 (data, len, &error);
  g_autoptr(PfPacket) again = NULL;
  g_autoptr(GBytes) encoded = NULL;
  g_autofree char *excerpt = NULL;
  g_autofree char *flags = NULL;

  assert_true ((p == NULL) != (error == NULL));
  if (p == NULL)
    {
      assert_true (error->domain == PF_PACKET_ERROR);
      assert_true (g_utf8_validate (error->message, -1, NULL));
      return;
    }

  assert_non_null (p->payload);
  assert_int_equal (g_bytes_get_size (p->raw), p->total_length);
  assert_true (p->total_length <= len);
  assert_true (pf_packet_get_payload_length (p) + 20 <= p->total_length);
  assert_true (p->n_sack_blocks <= PF_PACKET_MAX_SACK_BLOCKS);
  assert_true (p->wscale >= -1 && p->wscale <= 14);
  assert_non_null (pf_enum_to_nick (PF_TYPE_PACKET_KIND, pf_packet_get_kind (p)));
  excerpt = pf_packet_payload_excerpt (p, 64);
  assert_true (g_utf8_validate (excerpt, -1, NULL));
  flags = pf_packet_flags_to_string (p->flags);
  assert_non_null (flags);

  /* Whatever was decoded encodes, and decodes again to the same fields
   * (all but the IP options). */
  encoded = pf_packet_encode_ipv4 (p);
  assert_checksums_valid (g_bytes_get_data (encoded, NULL), g_bytes_get_size (encoded));
  again = decode_ok (g_bytes_get_data (encoded, NULL), g_bytes_get_size (encoded));
  assert_int_equal (again->protocol, p->protocol);
  assert_int_equal (again->sport, p->sport);
  assert_int_equal (again->seq, p->seq);
  assert_int_equal (again->flags, p->flags);
}

static void
test_every_truncation (void **state)
{
  (void) state;

  /* Cut short: the IPv4 total length no longer fits, always an error. */
  for (gsize len = 0; len < sizeof lo_syn; len++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PfPacket) p = pf_packet_decode_ipv4 (lo_syn, len, &error);

      assert_null (p);
      assert_non_null (error);
      assert_true (error->code == PF_PACKET_ERROR_TRUNCATED ||
                   error->code == PF_PACKET_ERROR_UNSUPPORTED);
    }

  /* Cut short with the total length saying so: the IPv4 header holds, the
   * TCP or UDP header or its options do not, at every length, for every
   * fixture. */
  for (guint f = 0; f < G_N_ELEMENTS (fixtures); f++)
    for (gsize len = 0; len <= fixtures[f].len; len++)
      {
        g_autofree guint8 *buf = g_memdup2 (fixtures[f].data, fixtures[f].len);

        if (len >= 4)
          {
            buf[2] = len >> 8;
            buf[3] = len & 0xff;
          }
        assert_consistent (buf, len);
      }
}

/* Every byte of every fixture set to values that matter to a parser. */
static void
test_every_byte_mutated (void **state)
{
  static const guint8 values[] = {
    0x00, 0x01, 0x02, 0x05, 0x0a, 0x45, 0x7f, 0x80, 0xf0, 0xff,
  };
  guint count = 0;

  (void) state;
  for (guint f = 0; f < G_N_ELEMENTS (fixtures); f++)
    for (gsize i = 0; i < fixtures[f].len; i++)
      for (guint v = 0; v < G_N_ELEMENTS (values); v++)
        {
          g_autofree guint8 *buf = g_memdup2 (fixtures[f].data, fixtures[f].len);

          buf[i] = values[v];
          assert_consistent (buf, fixtures[f].len);
          count++;
        }
  assert_true (count > 5000);
}

static void
test_checksum_status (void **state)
{
  guint8 buf[sizeof veth_data];

  (void) state;
  memcpy (buf, veth_data, sizeof buf);
  buf[sizeof buf - 1] ^= 0x01;                      /* a payload bit */
  {
    g_autoptr(PfPacket) p = decode_ok (buf, sizeof buf);

    assert_int_equal (p->ip_checksum, PF_CHECKSUM_GOOD);
    assert_int_equal (p->l4_checksum, PF_CHECKSUM_BAD);
  }

  buf[1] = 0x10;                                    /* the TOS */
  {
    g_autoptr(PfPacket) p = decode_ok (buf, sizeof buf);

    assert_int_equal (p->ip_checksum, PF_CHECKSUM_BAD);
  }

  /* A UDP checksum of zero means none was computed. */
  memcpy (buf, lo_udp, sizeof lo_udp);
  buf[26] = 0;
  buf[27] = 0;
  {
    g_autoptr(PfPacket) p = decode_ok (buf, sizeof lo_udp);

    assert_int_equal (p->l4_checksum, PF_CHECKSUM_UNCHECKED);
  }
}

/* Encoding */

/* The strongest check: what the kernel wrote, checksums complete, comes
 * back byte for byte from the decoded fields. */
static void
test_encode_reproduces_kernel_bytes (void **state)
{
  (void) state;
  for (guint f = 0; f < G_N_ELEMENTS (kernel_checksummed); f++)
    {
      const Fixture *fx = &kernel_checksummed[f];
      g_autoptr(PfPacket) p = decode_ok (fx->data, fx->len);
      g_autoptr(GBytes) encoded = pf_packet_encode_ipv4 (p);

      assert_true (p->ip_checksum == PF_CHECKSUM_GOOD);
      assert_true (p->l4_checksum != PF_CHECKSUM_BAD);
      assert_checksums_valid (fx->data, fx->len);
      pf_test_assert_bytes (encoded, fx->data, fx->len);
    }
}

/* lo's segments come back identical but for the TCP or UDP checksum, which
 * the encoder completes as the device would have. */
static void
test_encode_completes_offloaded_checksums (void **state)
{
  static const Fixture offloaded[] = {
    FIXTURE (lo_syn), FIXTURE (lo_syn_ack), FIXTURE (lo_ack),
    FIXTURE (lo_data), FIXTURE (lo_fin), FIXTURE (lo_udp),
  };

  (void) state;
  for (guint f = 0; f < G_N_ELEMENTS (offloaded); f++)
    {
      const Fixture *fx = &offloaded[f];
      g_autoptr(PfPacket) p = decode_ok (fx->data, fx->len);
      g_autoptr(GBytes) encoded = pf_packet_encode_ipv4 (p);
      const guint8 *out = g_bytes_get_data (encoded, NULL);
      gsize check = fx->data[9] == PF_IP_PROTOCOL_TCP ? 20 + 16 : 20 + 6;

      assert_int_equal (p->l4_checksum, PF_CHECKSUM_OFFLOADED);
      assert_int_equal (g_bytes_get_size (encoded), fx->len);
      assert_memory_equal (out, fx->data, check);
      assert_memory_equal (out + check + 2, fx->data + check + 2, fx->len - check - 2);
      assert_checksums_valid (out, fx->len);
      /* The captured field held the pseudo-header sum only. */
      assert_int_equal (fx->data[check] << 8 | fx->data[check + 1],
                        ones_complement_sum (pseudo_header (fx->data, fx->len - 20),
                                             NULL, 0));
    }
}

static void
test_round_trip_fields (void **state)
{
  (void) state;
  for (guint f = 0; f < G_N_ELEMENTS (fixtures); f++)
    {
      g_autoptr(PfPacket) p = decode_ok (fixtures[f].data, fixtures[f].len);
      g_autoptr(GBytes) encoded = pf_packet_encode_ipv4 (p);
      g_autoptr(PfPacket) q = decode_ok (g_bytes_get_data (encoded, NULL),
                                         g_bytes_get_size (encoded));

      assert_same_fields (p, q);
      assert_int_equal (q->ip_checksum, PF_CHECKSUM_GOOD);
      assert_int_equal (q->l4_checksum,
                        p->l4_checksum == PF_CHECKSUM_UNCHECKED
                        ? PF_CHECKSUM_UNCHECKED : PF_CHECKSUM_GOOD);
    }
}

/* A modelled SYN, given the values the kernel chose, is the kernel's SYN. */
static void
test_new_tcp_matches_kernel (void **state)
{
  g_autoptr(PfPacket) syn = NULL;
  g_autoptr(PfPacket) data = NULL;
  g_autoptr(GBytes) syn_bytes = NULL;
  g_autoptr(GBytes) data_bytes = NULL;

  (void) state;
  syn = pf_packet_new_tcp (VETH_CLIENT, 34670, VETH_SERVER, 80,
                           694368850u, 0, PF_TCP_SYN, 64240, NULL, 0);
  assert_int_equal (syn->origin, PF_PACKET_ORIGIN_MODELLED);
  assert_null (syn->raw);
  assert_int_equal (syn->ttl, 64);
  assert_true (syn->dont_fragment);
  assert_int_equal (syn->protocol, PF_IP_PROTOCOL_TCP);
  assert_int_equal (syn->data_offset, 5);
  assert_int_equal (syn->total_length, 40);
  assert_int_equal (syn->wscale, -1);
  assert_payload (syn, NULL, 0);

  syn->ip_id = 0xd617;
  pf_packet_set_syn_options (syn, 1460, 10, TRUE, 3726408787u, 0);
  assert_int_equal (syn->data_offset, 10);
  assert_int_equal (syn->total_length, 60);
  syn_bytes = pf_packet_encode_ipv4 (syn);
  pf_test_assert_bytes (syn_bytes, veth_syn, sizeof veth_syn);

  data = pf_packet_new_tcp (VETH_CLIENT, 34670, VETH_SERVER, 80,
                            694368851u, 483012289u, PF_TCP_PSH | PF_TCP_ACK, 63,
                            (const guint8 *) GET_REQUEST, strlen (GET_REQUEST));
  data->ip_id = 0xd619;
  pf_packet_set_timestamps (data, 3726408787u, 2283065633u);
  assert_int_equal (data->data_offset, 8);
  assert_int_equal (data->total_length, sizeof veth_data);
  data_bytes = pf_packet_encode_ipv4 (data);
  pf_test_assert_bytes (data_bytes, veth_data, sizeof veth_data);
  assert_int_equal (pf_packet_get_kind (data), PF_PACKET_KIND_DATA);
}

static void
test_new_udp_matches_kernel (void **state)
{
  g_autoptr(PfPacket) p = pf_packet_new_udp (LOCALHOST, 48259, LOCALHOST, 5353,
                                             (const guint8 *) "dns?\r\n", 6);
  g_autoptr(GBytes) bytes = NULL;

  (void) state;
  assert_int_equal (p->origin, PF_PACKET_ORIGIN_MODELLED);
  assert_int_equal (p->protocol, PF_IP_PROTOCOL_UDP);
  assert_int_equal (p->total_length, 34);
  assert_int_equal (pf_packet_get_kind (p), PF_PACKET_KIND_UDP);
  p->ip_id = 0xba6d;
  bytes = pf_packet_encode_ipv4 (p);
  pf_test_assert_bytes (bytes, lo_udp_corked, sizeof lo_udp_corked);
}

/* A UDP checksum that computes to 0 is sent as 0xffff: 0 means "none". */
static void
test_udp_checksum_never_zero (void **state)
{
  guint8 payload[2] = { 0, 0 };
  g_autoptr(PfPacket) probe = pf_packet_new_udp (LOCALHOST, 1000, LOCALHOST, 53,
                                                 payload, 2);
  g_autoptr(GBytes) probe_bytes = pf_packet_encode_ipv4 (probe);
  const guint8 *probe_data = g_bytes_get_data (probe_bytes, NULL);
  g_autoptr(PfPacket) p = NULL;
  g_autoptr(GBytes) bytes = NULL;
  const guint8 *data;

  (void) state;
  /* With a zero payload the checksum is ~S; a payload word of ~S brings
   * the sum to 0xffff, whose complement is 0. */
  payload[0] = probe_data[26];
  payload[1] = probe_data[27];
  p = pf_packet_new_udp (LOCALHOST, 1000, LOCALHOST, 53, payload, 2);
  bytes = pf_packet_encode_ipv4 (p);
  data = g_bytes_get_data (bytes, NULL);
  assert_int_equal (data[26], 0xff);
  assert_int_equal (data[27], 0xff);
  assert_checksums_valid (data, g_bytes_get_size (bytes));
}

/* Options in Linux's order, whatever subset is set. */
static void
test_encode_option_layouts (void **state)
{
  static const struct {
    guint16 mss; gint8 wscale; gboolean sack; gboolean ts;
    guint8 expected[20]; gsize len;
  } cases[] = {
    { 1460, 7, TRUE, TRUE,
      { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 3, 3, 7 }, 20 },
    { 1460, 7, FALSE, TRUE,
      { 2, 4, 0x05, 0xb4, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 3, 3, 7 }, 20 },
    { 1460, -1, TRUE, FALSE, { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 }, 8 },
    { 0, 0, FALSE, FALSE, { 1, 3, 3, 0 }, 4 },
    { 536, -1, FALSE, FALSE, { 2, 4, 0x02, 0x18 }, 4 },
  };

  (void) state;
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PfPacket) p = pf_packet_new_tcp (VETH_CLIENT, 1, VETH_SERVER, 2,
                                                 100, 0, PF_TCP_SYN, 1000, NULL, 0);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(PfPacket) q = NULL;
      const guint8 *data;

      p->mss = cases[i].mss;
      p->wscale = cases[i].wscale;
      p->sack_permitted = cases[i].sack;
      p->has_timestamps = cases[i].ts;
      p->ts_val = 1;
      p->ts_ecr = 2;
      pf_packet_update_lengths (p);
      assert_int_equal (p->data_offset, 5 + cases[i].len / 4);

      bytes = pf_packet_encode_ipv4 (p);
      data = g_bytes_get_data (bytes, NULL);
      assert_int_equal (g_bytes_get_size (bytes), 40 + cases[i].len);
      assert_memory_equal (data + 40, cases[i].expected, cases[i].len);
      assert_checksums_valid (data, 40 + cases[i].len);

      q = decode_ok (data, g_bytes_get_size (bytes));
      assert_int_equal (q->mss, cases[i].mss);
      assert_int_equal (q->wscale, cases[i].wscale);
      assert_int_equal (q->sack_permitted, cases[i].sack);
      assert_int_equal (q->has_timestamps, cases[i].ts);
    }
}

static void
test_sack_blocks (void **state)
{
  g_autoptr(PfPacket) p = pf_packet_new_tcp (LOCALHOST, 8080, LOCALHOST, 40000,
                                             1000, 2000, PF_TCP_ACK, 512, NULL, 0);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(PfPacket) q = NULL;
  g_autoptr(PfPacket) r = NULL;
  static const guint8 expected[] = {
    1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9,
    1, 1, 5, 18, 0, 0, 0x0b, 0xb8, 0, 0, 0x0f, 0xa0,
                 0, 0, 0x13, 0x88, 0, 0, 0x17, 0x70,
  };

  (void) state;
  p->n_sack_blocks = 2;
  p->sack_blocks[0] = (PfSackBlock) { 3000, 4000 };
  p->sack_blocks[1] = (PfSackBlock) { 5000, 6000 };
  pf_packet_set_timestamps (p, 7, 9);
  assert_int_equal (p->data_offset, 13);
  bytes = pf_packet_encode_ipv4 (p);
  assert_memory_equal ((const guint8 *) g_bytes_get_data (bytes, NULL) + 40,
                       expected, sizeof expected);
  q = decode_ok (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  assert_same_fields (p, q);

  /* With timestamps, three blocks fit in 40 bytes of options, not four. */
  p->n_sack_blocks = 4;
  p->sack_blocks[2] = (PfSackBlock) { 7000, 8000 };
  p->sack_blocks[3] = (PfSackBlock) { 9000, 10000 };
  pf_packet_update_lengths (p);
  assert_int_equal (p->data_offset, 15);
  g_clear_pointer (&bytes, g_bytes_unref);
  bytes = pf_packet_encode_ipv4 (p);
  r = decode_ok (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  assert_int_equal (r->n_sack_blocks, 3);
  assert_int_equal (r->sack_blocks[2].left, 7000);
  assert_int_equal (r->sack_blocks[2].right, 8000);
  assert_true (r->has_timestamps);
}

/* Describing */

static void
test_flags_to_string (void **state)
{
  static const struct { guint8 flags; const char *text; } cases[] = {
    { 0, "" },
    { PF_TCP_SYN, "SYN" },
    { PF_TCP_SYN | PF_TCP_ACK, "SYN,ACK" },
    { PF_TCP_ACK, "ACK" },
    { PF_TCP_PSH | PF_TCP_ACK, "PSH,ACK" },
    { PF_TCP_FIN | PF_TCP_ACK, "FIN,ACK" },
    { PF_TCP_RST, "RST" },
    { PF_TCP_RST | PF_TCP_ACK, "RST,ACK" },
    { PF_TCP_FIN | PF_TCP_PSH | PF_TCP_ACK, "FIN,PSH,ACK" },
    { PF_TCP_SYN | PF_TCP_ECE | PF_TCP_CWR, "SYN,ECE,CWR" },
    { PF_TCP_URG | PF_TCP_ACK, "ACK,URG" },
    { 0xff, "SYN,FIN,RST,PSH,ACK,URG,ECE,CWR" },
  };

  (void) state;
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = pf_packet_flags_to_string (cases[i].flags);

      assert_string_equal (text, cases[i].text);
    }
}

static void
test_payload_excerpt (void **state)
{
  static const guint8 binary[] = { 0x00, 'A', 0xff, '\t', '\\', 0x7f, 0xc3, 0xa9 };
  static const struct {
    const char *payload; gsize len; gsize max; const char *excerpt;
  } cases[] = {
    { "", 0, 10, "" },
    { GET_REQUEST, 18, 100, "GET / HTTP/1.1\\r\\n\\r\\n" },
    { GET_REQUEST, 18, 22, "GET / HTTP/1.1\\r\\n\\r\\n" },
    { GET_REQUEST, 18, 21, "GET / HTTP/1.1\\r\\n\\r…" },
    { GET_REQUEST, 18, 15, "GET / HTTP/1.1…" },
    { GET_REQUEST, 18, 5, "GET /…" },
    { GET_REQUEST, 18, 0, "…" },
    { (const char *) binary, sizeof binary, 100,
      "\\x00A\\xff\\t\\\\\\x7f\\xc3\\xa9" },
    /* an escape is not cut in half */
    { (const char *) binary, sizeof binary, 3, "…" },
    { (const char *) binary, sizeof binary, 5, "\\x00A…" },
  };

  (void) state;
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PfPacket) p = pf_packet_new_udp (LOCALHOST, 1, LOCALHOST, 2,
                                                 (const guint8 *) cases[i].payload,
                                                 cases[i].len);
      g_autofree char *excerpt = pf_packet_payload_excerpt (p, cases[i].max);

      assert_string_equal (excerpt, cases[i].excerpt);
    }
}

static void
test_payload_excerpt_all_bytes (void **state)
{
  guint8 all[256];
  g_autoptr(PfPacket) p = NULL;
  g_autofree char *excerpt = NULL;

  (void) state;
  for (guint i = 0; i < 256; i++)
    all[i] = (guint8) i;
  p = pf_packet_new_udp (LOCALHOST, 1, LOCALHOST, 2, all, sizeof all);
  excerpt = pf_packet_payload_excerpt (p, G_MAXSIZE);
  assert_true (g_utf8_validate (excerpt, -1, NULL));
  /* 95 printable, of which the backslash takes 2; 3 short escapes; the
   * other 158 bytes as \xNN. */
  assert_int_equal (strlen (excerpt), 94 + 2 + 3 * 2 + 158 * 4);
  for (const char *c = excerpt; *c; c++)
    assert_true (*c >= 0x20 && *c < 0x7f);
}

static void
test_kind (void **state)
{
  static const struct { guint8 flags; gsize payload; PfPacketKind kind; } cases[] = {
    { PF_TCP_SYN, 0, PF_PACKET_KIND_HANDSHAKE },
    { PF_TCP_SYN | PF_TCP_ACK, 0, PF_PACKET_KIND_HANDSHAKE },
    { PF_TCP_ACK, 0, PF_PACKET_KIND_ACK },
    { PF_TCP_PSH | PF_TCP_ACK, 5, PF_PACKET_KIND_DATA },
    { PF_TCP_ACK, 5, PF_PACKET_KIND_DATA },
    { PF_TCP_FIN | PF_TCP_ACK, 0, PF_PACKET_KIND_TEARDOWN },
    { PF_TCP_FIN | PF_TCP_PSH | PF_TCP_ACK, 5, PF_PACKET_KIND_TEARDOWN },
    { PF_TCP_RST, 0, PF_PACKET_KIND_RESET },
    { PF_TCP_RST | PF_TCP_ACK, 0, PF_PACKET_KIND_RESET },
  };

  (void) state;
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PfPacket) p = pf_packet_new_tcp (LOCALHOST, 1, LOCALHOST, 2, 0, 0,
                                                 cases[i].flags, 100,
                                                 (const guint8 *) "hello",
                                                 cases[i].payload);

      assert_int_equal (pf_packet_get_kind (p), cases[i].kind);
    }
}

/* Each kind has the nick the trace has always written, which the old
 * string getter still returns, and a label; nothing else is a nick. */
static void
test_kind_nicks_and_labels (void **state)
{
  static const struct { PfPacketKind kind; const char *nick; } kinds[] = {
    { PF_PACKET_KIND_HANDSHAKE, "handshake" },
    { PF_PACKET_KIND_DATA, "data" },
    { PF_PACKET_KIND_ACK, "ack" },
    { PF_PACKET_KIND_TEARDOWN, "teardown" },
    { PF_PACKET_KIND_RESET, "reset" },
    { PF_PACKET_KIND_UDP, "udp" },
    { PF_PACKET_KIND_FRAGMENT, "fragment" },
    { PF_PACKET_KIND_ICMP, "icmp" },
    { PF_PACKET_KIND_OTHER, "other" },
    { PF_PACKET_KIND_ARP, "arp" },
  };
  static const char *not_nicks[] = {
    "", "Handshake", "HANDSHAKE", "handshake ", "syn", "PF_PACKET_KIND_DATA", "Data",
  };
  g_autoptr(GEnumClass) klass = g_type_class_ref (PF_TYPE_PACKET_KIND);
  g_autoptr(PfPacket) syn = decode_ok (lo_syn, sizeof lo_syn);
  g_autoptr(PfPacket) icmp = decode_ok (lo_icmp_unreachable, sizeof lo_icmp_unreachable);
  int value = -1;

  (void) state;
  assert_int_equal (klass->n_values, G_N_ELEMENTS (kinds));
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      const char *label = pf_packet_kind_to_label (kinds[i].kind);

      assert_string_equal (pf_enum_to_nick (PF_TYPE_PACKET_KIND, kinds[i].kind), kinds[i].nick);
      assert_true (pf_enum_from_nick (PF_TYPE_PACKET_KIND, kinds[i].nick, &value));
      assert_int_equal (value, kinds[i].kind);
      assert_non_null (label);
      assert_true (label[0] != '\0');
      assert_string_not_equal (label, kinds[i].nick);
    }

  assert_int_equal (pf_packet_get_kind (syn), PF_PACKET_KIND_HANDSHAKE);
  assert_int_equal (pf_packet_get_kind (icmp), PF_PACKET_KIND_ICMP);

  for (guint i = 0; i < G_N_ELEMENTS (not_nicks); i++)
    {
      value = -1;
      assert_false (pf_enum_from_nick (PF_TYPE_PACKET_KIND, not_nicks[i], &value));
      assert_int_equal (value, -1);
    }
  assert_null (pf_enum_to_nick (PF_TYPE_PACKET_KIND, G_N_ELEMENTS (kinds)));
  assert_null (pf_enum_to_nick (PF_TYPE_PACKET_KIND, -1));
}

static void
test_four_tuple (void **state)
{
  g_autoptr(PfPacket) request = decode_ok (veth_data, sizeof veth_data);
  g_autoptr(PfPacket) reply = decode_ok (veth_reply, sizeof veth_reply);
  PfFourTuple a = pf_packet_get_four_tuple (request);
  PfFourTuple b = pf_packet_get_four_tuple (reply);

  (void) state;
  assert_int_equal (a.src.address, VETH_CLIENT);
  assert_int_equal (a.src.port, 34670);
  assert_int_equal (a.dst.address, VETH_SERVER);
  assert_int_equal (a.dst.port, 80);
  assert_false (pf_four_tuple_equal (&a, &b));
  assert_true (pf_four_tuple_same_connection (&a, &b));
}

static void
test_boxed (void **state)
{
  PfPacket *p = decode_ok (lo_data, sizeof lo_data);
  PfPacket *copy;
  g_autoptr(GBytes) bytes = NULL;

  (void) state;
  assert_string_equal (g_type_name (PF_TYPE_PACKET), "PfPacket");
  assert_true (G_TYPE_IS_BOXED (PF_TYPE_PACKET));
  copy = g_boxed_copy (PF_TYPE_PACKET, p);
  assert_ptr_equal (copy, p);                       /* a reference, not a copy */
  pf_packet_unref (p);
  assert_int_equal (copy->seq, 2580829118u);        /* still alive */
  bytes = pf_packet_get_bytes (copy);
  assert_ptr_equal (bytes, copy->raw);
  g_boxed_free (PF_TYPE_PACKET, copy);
}

static void
test_get_bytes_modelled (void **state)
{
  g_autoptr(PfPacket) p = pf_packet_new_udp (LOCALHOST, 48259, LOCALHOST, 5353,
                                             (const guint8 *) "dns?\r\n", 6);
  g_autoptr(GBytes) bytes = NULL;

  (void) state;
  p->ip_id = 0xba6d;
  bytes = pf_packet_get_bytes (p);
  pf_test_assert_bytes (bytes, lo_udp_corked, sizeof lo_udp_corked);
}


/* Ethernet and ARP. The MACs are the ones the wire gives: 02:50:46 (a
 * locally administered prefix), then the host's number. The ARP messages
 * are laid out as Linux's arp_create () lays them; tshark reads the same
 * bytes in test-pcap-writer.c. */

static const guint8 mac_gw[6] = { 0x02, 0x50, 0x46, 0x00, 0x01, 0x00 };       /* 10.0.0.1 */
static const guint8 mac_laptop[6] = { 0x02, 0x50, 0x46, 0x00, 0x02, 0x00 };   /* 10.0.0.2 */
static const guint8 mac_broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

#define TEN_0_0_1 0x0a000001
#define TEN_0_0_2 0x0a000002

/* "Who has 10.0.0.1? Tell 10.0.0.2", padded to 60 bytes as a NIC sends it */
static const guint8 eth_arp_request[] = {
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x50, 0x46, 0x00, 0x02, 0x00,
  0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x50,
  0x46, 0x00, 0x02, 0x00, 0x0a, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* "10.0.0.1 is at 02:50:46:00:01:00", 42 bytes as a veth carries it */
static const guint8 eth_arp_reply[] = {
  0x02, 0x50, 0x46, 0x00, 0x02, 0x00, 0x02, 0x50, 0x46, 0x00, 0x01, 0x00,
  0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x02, 0x50,
  0x46, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x01, 0x02, 0x50, 0x46, 0x00,
  0x02, 0x00, 0x0a, 0x00, 0x00, 0x02,
};

/* @body after a 14-byte header, then zeros (or @pad_byte) up to @min_len. */
static GBytes *
ethernet_frame (const guint8 *dst,
                const guint8 *src,
                guint16       ethertype,
                const guint8 *body,
                gsize         body_len,
                gsize         min_len,
                guint8        pad_byte)
{
  gsize len = MAX (14 + body_len, min_len);
  guint8 *buf = g_malloc (len);

  memcpy (buf, dst, 6);
  memcpy (buf + 6, src, 6);
  buf[12] = ethertype >> 8;
  buf[13] = ethertype & 0xff;
  memcpy (buf + 14, body, body_len);
  memset (buf + 14 + body_len, pad_byte, len - 14 - body_len);
  return g_bytes_new_take (buf, len);
}

static PfPacket *
decode_frame_ok (GBytes *frame)
{
  g_autoptr(GError) error = NULL;
  PfPacket *packet = pf_packet_decode_ethernet_bytes (frame, &error);

  if (error != NULL)
    fail_msg ("decode failed: %s", error->message);
  assert_non_null (packet);
  return packet;
}

static void
test_decode_arp_request (void **state)
{
  g_autoptr(GBytes) frame = g_bytes_new_static (eth_arp_request, sizeof eth_arp_request);
  g_autoptr(PfPacket) p = decode_frame_ok (frame);
  g_autoptr(GBytes) bytes = pf_packet_get_bytes (p);
  static const guint8 zero[6] = { 0 };

  (void) state;
  assert_true (p->has_ethernet);
  assert_memory_equal (p->eth_dst, mac_broadcast, 6);
  assert_memory_equal (p->eth_src, mac_laptop, 6);
  assert_int_equal (p->ethertype, PF_ETHERTYPE_ARP);
  assert_int_equal (p->arp_op, PF_ARP_REQUEST);
  assert_memory_equal (p->arp_sha, mac_laptop, 6);
  assert_int_equal (p->arp_spa, TEN_0_0_2);
  assert_memory_equal (p->arp_tha, zero, 6);
  assert_int_equal (p->arp_tpa, TEN_0_0_1);
  /* placed by the views as from its sender, to the address it asks about */
  assert_int_equal (p->src, TEN_0_0_2);
  assert_int_equal (p->dst, TEN_0_0_1);
  assert_int_equal (p->protocol, 0);
  assert_int_equal (p->ttl, 0);
  assert_int_equal (pf_packet_get_payload_length (p), 0);
  assert_int_equal (p->origin, PF_PACKET_ORIGIN_CAPTURED);
  assert_int_equal (pf_packet_get_kind (p), PF_PACKET_KIND_ARP);
  assert_string_equal (pf_packet_kind_to_label (PF_PACKET_KIND_ARP), "ARP");
  /* the whole frame, padding included, as the wire carried it */
  assert_ptr_equal (p->frame, frame);
  pf_test_assert_bytes (bytes, eth_arp_request, sizeof eth_arp_request);
  assert_int_equal (g_bytes_get_size (p->raw), 28);
}

static void
test_mac_strings (void **state)
{
  g_autofree char *gw = pf_mac_to_string (mac_gw);
  g_autofree char *all = pf_mac_to_string (mac_broadcast);
  static const guint8 high[6] = { 0xab, 0xcd, 0xef, 0x01, 0x23, 0xff };
  static const guint8 almost[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe };
  char buf[PF_MAC_STRLEN];

  (void) state;
  assert_string_equal (gw, "02:50:46:00:01:00");
  assert_string_equal (all, "ff:ff:ff:ff:ff:ff");
  pf_mac_format (high, buf);
  assert_string_equal (buf, "ab:cd:ef:01:23:ff");
  assert_int_equal (strlen (buf) + 1, PF_MAC_STRLEN);
  assert_true (pf_mac_is_broadcast (mac_broadcast));
  assert_false (pf_mac_is_broadcast (almost));
  assert_false (pf_mac_is_broadcast (mac_gw));
}

static void
test_decode_arp_reply (void **state)
{
  g_autoptr(GBytes) frame = g_bytes_new_static (eth_arp_reply, sizeof eth_arp_reply);
  g_autoptr(PfPacket) p = decode_frame_ok (frame);

  (void) state;
  assert_memory_equal (p->eth_dst, mac_laptop, 6);
  assert_memory_equal (p->eth_src, mac_gw, 6);
  assert_int_equal (p->arp_op, PF_ARP_REPLY);
  assert_memory_equal (p->arp_sha, mac_gw, 6);
  assert_int_equal (p->arp_spa, TEN_0_0_1);
  assert_memory_equal (p->arp_tha, mac_laptop, 6);
  assert_int_equal (p->arp_tpa, TEN_0_0_2);
  assert_int_equal (pf_packet_get_kind (p), PF_PACKET_KIND_ARP);
}

/* An IPv4 datagram in a frame decodes as it does alone; raw is the
 * datagram, frame the whole frame. */
static void
test_decode_ethernet_ipv4 (void **state)
{
  g_autoptr(GBytes) frame = ethernet_frame (mac_laptop, mac_gw, PF_ETHERTYPE_IPV4,
                                            veth_syn, sizeof veth_syn, 60, 0);
  g_autoptr(PfPacket) p = decode_frame_ok (frame);
  g_autoptr(PfPacket) alone = decode_ok (veth_syn, sizeof veth_syn);
  g_autoptr(GBytes) bytes = pf_packet_get_bytes (p);

  (void) state;
  assert_true (p->has_ethernet);
  assert_memory_equal (p->eth_dst, mac_laptop, 6);
  assert_memory_equal (p->eth_src, mac_gw, 6);
  assert_int_equal (p->ethertype, PF_ETHERTYPE_IPV4);
  assert_int_equal (p->src, alone->src);
  assert_int_equal (p->dst, alone->dst);
  assert_int_equal (p->ttl, 64);
  assert_int_equal (p->sport, 34670);
  assert_int_equal (p->dport, 80);
  assert_int_equal (p->seq, alone->seq);
  assert_int_equal (p->flags, PF_TCP_SYN);
  assert_int_equal (p->mss, 1460);
  assert_int_equal (p->l4_checksum, PF_CHECKSUM_GOOD);
  assert_int_equal (pf_packet_get_kind (p), PF_PACKET_KIND_HANDSHAKE);
  pf_test_assert_bytes (p->raw, veth_syn, sizeof veth_syn);
  assert_int_equal (g_bytes_get_size (bytes), 14 + sizeof veth_syn);
  assert_true (g_bytes_equal (bytes, frame));
  assert_int_equal (alone->has_ethernet, FALSE);
  assert_null (alone->frame);
  assert_null (pf_packet_get_frame (alone));
}

/* A 60-byte minimum frame: the padding after total_length is no payload,
 * whatever its bytes. */
static void
test_decode_ethernet_padding (void **state)
{
  g_autoptr(PfPacket) ack = pf_packet_new_tcp (TEN_0_0_2, 40000, TEN_0_0_1, 80,
                                               1, 1, PF_TCP_ACK, 502, NULL, 0);
  g_autoptr(GBytes) datagram = pf_packet_encode_ipv4 (ack);
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(PfPacket) p = NULL;

  (void) state;
  assert_int_equal (g_bytes_get_size (datagram), 40);
  frame = ethernet_frame (mac_gw, mac_laptop, PF_ETHERTYPE_IPV4,
                          g_bytes_get_data (datagram, NULL), 40, 60, 0xaa);
  p = decode_frame_ok (frame);
  assert_int_equal (g_bytes_get_size (p->frame), 60);
  assert_int_equal (g_bytes_get_size (p->raw), 40);
  assert_int_equal (p->total_length, 40);
  assert_int_equal (pf_packet_get_payload_length (p), 0);
  assert_int_equal (p->l4_checksum, PF_CHECKSUM_GOOD);
  assert_int_equal (pf_packet_get_kind (p), PF_PACKET_KIND_ACK);
}

static void
assert_frame_error (GBytes       *frame,
                    PfPacketError code,
                    const char   *message)
{
  g_autoptr(GError) error = NULL;
  PfPacket *packet = pf_packet_decode_ethernet_bytes (frame, &error);

  assert_null (packet);
  assert_non_null (error);
  assert_true (error->domain == PF_PACKET_ERROR);
  assert_int_equal (error->code, code);
  assert_string_equal (error->message, message);
}

static void
test_decode_ethernet_errors (void **state)
{
  guint8 arp[28];
  guint8 vlan[4 + 28] = { 0x00, 0x05, 0x08, 0x06 };
  g_autoptr(GBytes) short_frame = g_bytes_new_static (eth_arp_reply, 13);
  g_autoptr(GBytes) short_arp = g_bytes_new_static (eth_arp_reply, 41);
  g_autoptr(GBytes) tagged = NULL;
  g_autoptr(GBytes) ipv6 = NULL;
  g_autoptr(GBytes) llc = NULL;
  g_autoptr(GBytes) not_ipv4 = NULL;
  g_autoptr(GBytes) truncated_ipv4 = NULL;

  (void) state;
  assert_frame_error (short_frame, PF_PACKET_ERROR_TRUNCATED,
                      "The frame is 13 bytes long, too short for an Ethernet header of 14 bytes.");
  assert_frame_error (short_arp, PF_PACKET_ERROR_TRUNCATED,
                      "The ARP message needs 28 bytes but only 27 follow the Ethernet header.");

  memcpy (vlan + 4, eth_arp_request + 14, 28);
  tagged = ethernet_frame (mac_broadcast, mac_laptop, 0x8100, vlan, sizeof vlan, 60, 0);
  assert_frame_error (tagged, PF_PACKET_ERROR_UNSUPPORTED,
                      "The frame carries a VLAN tag (EtherType 0x8100); only untagged "
                      "Ethernet II frames are read.");
  ipv6 = ethernet_frame (mac_broadcast, mac_laptop, 0x86dd, vlan, sizeof vlan, 60, 0);
  assert_frame_error (ipv6, PF_PACKET_ERROR_UNSUPPORTED,
                      "The frame's EtherType is 0x86dd, neither IPv4 (0x0800) nor ARP (0x0806).");
  llc = ethernet_frame (mac_broadcast, mac_laptop, 46, vlan, sizeof vlan, 60, 0);
  assert_frame_error (llc, PF_PACKET_ERROR_UNSUPPORTED,
                      "The frame is IEEE 802.3 with a length of 46, not Ethernet II.");
  not_ipv4 = ethernet_frame (mac_gw, mac_laptop, PF_ETHERTYPE_IPV4,
                             eth_arp_request + 14, 28, 60, 0);
  assert_frame_error (not_ipv4, PF_PACKET_ERROR_UNSUPPORTED,
                      "The packet is IP version 0, not IPv4.");
  truncated_ipv4 = ethernet_frame (mac_gw, mac_laptop, PF_ETHERTYPE_IPV4,
                                   veth_syn, 40, 0, 0);
  assert_frame_error (truncated_ipv4, PF_PACKET_ERROR_TRUNCATED,
                      "The IPv4 header announces 60 bytes but only 40 arrived.");

  {
    static const struct { gsize offset; guint8 value; PfPacketError code; const char *message; } bad[] = {
      { 1, 6, PF_PACKET_ERROR_UNSUPPORTED, "The ARP hardware type is 6, not Ethernet (1)." },
      { 2, 0x86, PF_PACKET_ERROR_UNSUPPORTED, "The ARP protocol type is 0x8600, not IPv4 (0x0800)." },
      { 4, 8, PF_PACKET_ERROR_MALFORMED,
        "The ARP address lengths are 8 and 4 bytes, not 6 (a MAC) and 4 (an IPv4 address)." },
      { 5, 16, PF_PACKET_ERROR_MALFORMED,
        "The ARP address lengths are 6 and 16 bytes, not 6 (a MAC) and 4 (an IPv4 address)." },
      { 7, 3, PF_PACKET_ERROR_UNSUPPORTED,
        "The ARP operation is 3, neither a request (1) nor a reply (2)." },
      { 7, 0, PF_PACKET_ERROR_UNSUPPORTED,
        "The ARP operation is 0, neither a request (1) nor a reply (2)." },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(GBytes) frame = NULL;

        memcpy (arp, eth_arp_request + 14, sizeof arp);
        arp[bad[i].offset] = bad[i].value;
        frame = ethernet_frame (mac_broadcast, mac_laptop, PF_ETHERTYPE_ARP, arp, sizeof arp, 60, 0);
        assert_frame_error (frame, bad[i].code, bad[i].message);
      }
  }
}

/* Every prefix of a frame is refused or decoded, never read past. */
static void
test_ethernet_every_truncation (void **state)
{
  g_autoptr(GBytes) syn = ethernet_frame (mac_laptop, mac_gw, PF_ETHERTYPE_IPV4,
                                          veth_syn, sizeof veth_syn, 0, 0);
  const guint8 *data = g_bytes_get_data (syn, NULL);

  (void) state;
  for (gsize len = 0; len < g_bytes_get_size (syn); len++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *copy = g_memdup2 (data, len);
      g_autoptr(GBytes) cut = g_bytes_new_take (g_steal_pointer (&copy), len);
      g_autoptr(PfPacket) p = pf_packet_decode_ethernet_bytes (cut, &error);

      assert_null (p);
      assert_non_null (error);
      assert_int_equal (error->code, PF_PACKET_ERROR_TRUNCATED);
    }
  for (gsize len = 0; len < sizeof eth_arp_reply; len++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *copy = g_memdup2 (eth_arp_reply, len);
      g_autoptr(GBytes) cut = g_bytes_new_take (g_steal_pointer (&copy), len);
      g_autoptr(PfPacket) p = pf_packet_decode_ethernet_bytes (cut, &error);

      assert_null (p);
      assert_int_equal (error->code, PF_PACKET_ERROR_TRUNCATED);
    }
}

/* A modelled ARP message and a modelled segment put in a frame encode to
 * the bytes Linux sends, padded to 60, and decode back to themselves. */
static void
test_encode_frames (void **state)
{
  g_autoptr(PfPacket) request = pf_packet_new_arp (PF_ARP_REQUEST, mac_laptop, TEN_0_0_2,
                                                   NULL, TEN_0_0_1);
  g_autoptr(PfPacket) reply = pf_packet_new_arp (PF_ARP_REPLY, mac_gw, TEN_0_0_1,
                                                 mac_laptop, TEN_0_0_2);
  g_autoptr(PfPacket) syn = decode_ok (veth_syn, sizeof veth_syn);
  g_autoptr(GBytes) request_frame = pf_packet_get_frame (request);
  g_autoptr(GBytes) reply_frame = pf_packet_get_bytes (reply);
  g_autoptr(GBytes) syn_frame = NULL;
  g_autoptr(PfPacket) reply_back = NULL;
  g_autoptr(PfPacket) syn_back = NULL;
  g_autoptr(GBytes) expected_syn = ethernet_frame (mac_laptop, mac_gw, PF_ETHERTYPE_IPV4,
                                                   veth_syn, sizeof veth_syn, 60, 0);

  (void) state;
  assert_int_equal (request->origin, PF_PACKET_ORIGIN_MODELLED);
  assert_int_equal (pf_packet_get_kind (request), PF_PACKET_KIND_ARP);
  assert_memory_equal (request->eth_dst, mac_broadcast, 6);
  assert_memory_equal (reply->eth_dst, mac_laptop, 6);
  pf_test_assert_bytes (request_frame, eth_arp_request, sizeof eth_arp_request);
  /* a reply, padded as the request is */
  assert_int_equal (g_bytes_get_size (reply_frame), 60);
  assert_memory_equal (g_bytes_get_data (reply_frame, NULL), eth_arp_reply, sizeof eth_arp_reply);
  reply_back = decode_frame_ok (reply_frame);
  assert_int_equal (reply_back->arp_op, PF_ARP_REPLY);
  assert_int_equal (reply_back->arp_spa, TEN_0_0_1);
  assert_memory_equal (reply_back->arp_tha, mac_laptop, 6);

  pf_packet_set_ethernet (syn, mac_gw, mac_laptop);
  assert_true (syn->has_ethernet);
  assert_int_equal (syn->ethertype, PF_ETHERTYPE_IPV4);
  syn_frame = pf_packet_get_frame (syn);
  assert_true (g_bytes_equal (syn_frame, expected_syn));
  syn_back = decode_frame_ok (syn_frame);
  assert_int_equal (syn_back->seq, syn->seq);
  assert_memory_equal (syn_back->eth_src, mac_gw, 6);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_decode_syn),
    cmocka_unit_test (test_decode_syn_ack),
    cmocka_unit_test (test_decode_ack),
    cmocka_unit_test (test_decode_data),
    cmocka_unit_test (test_decode_fin),
    cmocka_unit_test (test_decode_rst),
    cmocka_unit_test (test_decode_udp),
    cmocka_unit_test (test_decode_icmp),
    cmocka_unit_test (test_decode_veth),
    cmocka_unit_test (test_decode_errors),
    cmocka_unit_test (test_decode_error_message),
    cmocka_unit_test (test_decode_trims_padding),
    cmocka_unit_test (test_decode_ip_options),
    cmocka_unit_test (test_decode_bad_options),
    cmocka_unit_test (test_decode_fragments),
    cmocka_unit_test (test_every_truncation),
    cmocka_unit_test (test_every_byte_mutated),
    cmocka_unit_test (test_checksum_status),
    cmocka_unit_test (test_encode_reproduces_kernel_bytes),
    cmocka_unit_test (test_encode_completes_offloaded_checksums),
    cmocka_unit_test (test_round_trip_fields),
    cmocka_unit_test (test_new_tcp_matches_kernel),
    cmocka_unit_test (test_new_udp_matches_kernel),
    cmocka_unit_test (test_udp_checksum_never_zero),
    cmocka_unit_test (test_encode_option_layouts),
    cmocka_unit_test (test_sack_blocks),
    cmocka_unit_test (test_flags_to_string),
    cmocka_unit_test (test_payload_excerpt),
    cmocka_unit_test (test_payload_excerpt_all_bytes),
    cmocka_unit_test (test_kind),
    cmocka_unit_test (test_kind_nicks_and_labels),
    cmocka_unit_test (test_four_tuple),
    cmocka_unit_test (test_boxed),
    cmocka_unit_test (test_get_bytes_modelled),
    cmocka_unit_test (test_decode_arp_request),
    cmocka_unit_test (test_decode_arp_reply),
    cmocka_unit_test (test_mac_strings),
    cmocka_unit_test (test_decode_ethernet_ipv4),
    cmocka_unit_test (test_decode_ethernet_padding),
    cmocka_unit_test (test_decode_ethernet_errors),
    cmocka_unit_test (test_ethernet_every_truncation),
    cmocka_unit_test (test_encode_frames),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
