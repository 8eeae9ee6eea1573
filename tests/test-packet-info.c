/* test-packet-info.c: ICMP decoded and packets described in words
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

#include "pf-dns.h"
#include "pf-icmp.h"
#include "pf-packet-info.h"

/* Real bytes from Linux (kernel 6.18, this Debian 12 machine), captured by
 * `packetflow --headless tests/scenarios/icmp-unreachable.pflow.json
 * --mode=exact --pcap=…` in a private namespace: a UDP datagram
 * 10.0.0.2:57545 → 10.0.0.7:9 ("Anyone there?\n"), and the ICMP port
 * unreachable 10.0.0.7 answered with, quoting it. tshark reads the second
 * as "Destination unreachable (Port unreachable)". */
static const guint8 udp_to_closed_port[] = {
  0x45, 0x00, 0x00, 0x2a, 0x46, 0xb4, 0x40, 0x00, 0x40, 0x11, 0xe0, 0x06,
  0x0a, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x07, 0xe0, 0xc9, 0x00, 0x09,
  0x00, 0x16, 0x14, 0x30, 0x41, 0x6e, 0x79, 0x6f, 0x6e, 0x65, 0x20, 0x74,
  0x68, 0x65, 0x72, 0x65, 0x3f, 0x0a,
};

static const guint8 icmp_port_unreachable[] = {
  0x45, 0xc0, 0x00, 0x46, 0x61, 0x04, 0x00, 0x00, 0x40, 0x01, 0x04, 0xeb,
  0x0a, 0x00, 0x00, 0x07, 0x0a, 0x00, 0x00, 0x02, 0x03, 0x03, 0xa4, 0x57,
  0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x2a, 0x46, 0xb4, 0x40, 0x00,
  0x40, 0x11, 0xe0, 0x06, 0x0a, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x07,
  0xe0, 0xc9, 0x00, 0x09, 0x00, 0x16, 0x14, 0x30, 0x41, 0x6e, 0x79, 0x6f,
  0x6e, 0x65, 0x20, 0x74, 0x68, 0x65, 0x72, 0x65, 0x3f, 0x0a,
};

#define ICMP_OFFSET 20  /* the ICMP header, after the IPv4 one */

static PfIpv4
ip (const char *text)
{
  PfIpv4 address = 0;

  assert_true (pf_ipv4_parse (text, &address));
  return address;
}

static PfPacket *
decode (const guint8 *data,
        gsize         len)
{
  g_autoptr(GError) error = NULL;
  PfPacket *packet = pf_packet_decode_ipv4 (data, len, &error);

  pf_test_assert_no_error (error);
  assert_non_null (packet);
  return packet;
}

/* The captured port unreachable with its ICMP type, code and rest of
 * header replaced: the decoder does not check the ICMP checksum. */
static PfPacket *
icmp_variant (guint8  type,
              guint8  code,
              guint16 rest_hi,
              guint16 rest_lo)
{
  guint8 data[sizeof icmp_port_unreachable];

  memcpy (data, icmp_port_unreachable, sizeof data);
  data[ICMP_OFFSET] = type;
  data[ICMP_OFFSET + 1] = code;
  data[ICMP_OFFSET + 4] = rest_hi >> 8;
  data[ICMP_OFFSET + 5] = rest_hi & 0xff;
  data[ICMP_OFFSET + 6] = rest_lo >> 8;
  data[ICMP_OFFSET + 7] = rest_lo & 0xff;
  return decode (data, sizeof data);
}

static void
test_icmp_port_unreachable (void **state)
{
  g_autoptr(PfPacket) icmp = decode (icmp_port_unreachable, sizeof icmp_port_unreachable);
  g_autoptr(PfPacket) udp = decode (udp_to_closed_port, sizeof udp_to_closed_port);
  g_autofree char *words = NULL;
  g_autofree char *quote = NULL;
  g_autofree char *info = NULL;
  PfIcmpMessage message;

  assert_true (pf_icmp_decode (icmp, &message));
  assert_int_equal (message.type, PF_ICMP_DEST_UNREACHABLE);
  assert_int_equal (message.code, 3);
  assert_int_equal (message.checksum, 0xa457);
  assert_string_equal (pf_icmp_type_to_string (message.type), "Destination unreachable");
  assert_string_equal (pf_icmp_code_to_string (message.type, message.code), "Port unreachable");

  assert_true (message.has_quote);
  assert_int_equal (message.quoted_protocol, PF_IP_PROTOCOL_UDP);
  assert_int_equal (message.quoted_src, ip ("10.0.0.2"));
  assert_int_equal (message.quoted_dst, ip ("10.0.0.7"));
  assert_int_equal (message.quoted_ip_id, 0x46b4);
  assert_int_equal (message.quoted_total_length, 42);
  assert_true (message.has_quoted_ports);
  assert_int_equal (message.quoted_sport, 57545);
  assert_int_equal (message.quoted_dport, 9);

  words = pf_icmp_describe (&message);
  assert_string_equal (words, "Destination unreachable (Port unreachable)");
  quote = pf_icmp_describe_quote (&message);
  assert_string_equal (quote, "UDP 10.0.0.2:57545 → 10.0.0.7:9");
  info = pf_packet_describe (icmp);
  assert_string_equal (info, "Destination unreachable (Port unreachable)");
  assert_null (pf_packet_describe_application (icmp));

  /* The UDP datagram is no ICMP message. */
  assert_false (pf_icmp_decode (udp, &message));
  assert_int_equal (message.type, 0);
}

static void
test_icmp_quotes (void **state)
{
  g_autoptr(PfPacket) icmp = decode (icmp_port_unreachable, sizeof icmp_port_unreachable);
  g_autoptr(PfPacket) udp = decode (udp_to_closed_port, sizeof udp_to_closed_port);
  g_autoptr(PfPacket) echo = icmp_variant (PF_ICMP_ECHO_REQUEST, 0, 1, 1);
  guint8 other[sizeof udp_to_closed_port];
  g_autoptr(PfPacket) other_id = NULL;
  g_autoptr(PfPacket) other_port = NULL;
  g_autoptr(PfPacket) modelled = NULL;

  assert_true (pf_icmp_quotes (icmp, udp));
  assert_false (pf_icmp_quotes (udp, icmp));
  assert_false (pf_icmp_quotes (icmp, icmp));
  /* An echo request quotes nothing, whatever its bytes. */
  assert_false (pf_icmp_quotes (echo, udp));

  /* Another datagram of the same flow: another IP ID. */
  memcpy (other, udp_to_closed_port, sizeof other);
  other[5] ^= 0x01;
  other_id = decode (other, sizeof other);
  assert_false (pf_icmp_quotes (icmp, other_id));

  memcpy (other, udp_to_closed_port, sizeof other);
  other[23] = 10;  /* destination port 10 */
  other_port = decode (other, sizeof other);
  assert_false (pf_icmp_quotes (icmp, other_port));

  /* A modelled packet has no IP ID of the kernel's: the tuple decides. */
  modelled = pf_packet_new_udp (ip ("10.0.0.2"), 57545, ip ("10.0.0.7"), 9,
                                (const guint8 *) "Anyone there?\n", 14);
  assert_true (pf_icmp_quotes (icmp, modelled));
  modelled->sport = 57546;
  assert_false (pf_icmp_quotes (icmp, modelled));
}

static void
test_icmp_types_and_codes (void **state)
{
  static const struct { guint8 type, code; guint16 hi, lo; const char *words; gboolean quote; } cases[] = {
    { 8, 0, 0x1234, 7, "Echo (ping) request id=0x1234, seq=7", FALSE },
    { 0, 0, 0x1234, 7, "Echo (ping) reply id=0x1234, seq=7", FALSE },
    { 3, 0, 0, 0, "Destination unreachable (Network unreachable)", TRUE },
    { 3, 1, 0, 0, "Destination unreachable (Host unreachable)", TRUE },
    { 3, 2, 0, 0, "Destination unreachable (Protocol unreachable)", TRUE },
    { 3, 4, 0, 1400, "Destination unreachable (Fragmentation needed, next-hop MTU 1400)", TRUE },
    { 3, 13, 0, 0, "Destination unreachable (Communication administratively filtered)", TRUE },
    { 3, 10, 0, 0, "Destination unreachable (Host administratively prohibited)", TRUE },
    { 3, 99, 0, 0, "Destination unreachable (Unknown code)", TRUE },
    { 11, 0, 0, 0, "Time-to-live exceeded (Time to live exceeded in transit)", TRUE },
    { 11, 1, 0, 0, "Time-to-live exceeded (Fragment reassembly time exceeded)", TRUE },
    { 42, 0, 0, 0, "Unknown ICMP type", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(PfPacket) packet = icmp_variant (cases[i].type, cases[i].code,
                                                 cases[i].hi, cases[i].lo);
      g_autofree char *words = NULL;
      PfIcmpMessage message;

      assert_true (pf_icmp_decode (packet, &message));
      words = pf_icmp_describe (&message);
      assert_string_equal (words, cases[i].words);
      assert_int_equal (message.has_quote, cases[i].quote);
      assert_int_equal (pf_icmp_type_is_error (cases[i].type), cases[i].quote);
    }
}

static void
test_icmp_short (void **state)
{
  guint8 data[ICMP_OFFSET + 8];
  g_autoptr(PfPacket) header_only = NULL;
  g_autoptr(PfPacket) cut = NULL;
  PfIcmpMessage message;

  /* The ICMP header alone: decoded, with no quote to read. */
  memcpy (data, icmp_port_unreachable, sizeof data);
  data[3] = sizeof data;
  header_only = decode (data, sizeof data);
  assert_true (pf_icmp_decode (header_only, &message));
  assert_int_equal (message.code, 3);
  assert_false (message.has_quote);
  assert_null (pf_icmp_describe_quote (&message));
  assert_false (pf_icmp_quotes (header_only, header_only));

  /* Less than the header: not decoded; described by protocol and size. */
  data[3] = sizeof data - 1;
  cut = decode (data, sizeof data - 1);
  assert_false (pf_icmp_decode (cut, &message));
  {
    g_autofree char *info = pf_packet_describe (cut);

    assert_string_equal (info, "IP protocol 1, 7 bytes");
  }
}

static PfPacket *
udp_packet (guint16     sport,
            guint16     dport,
            GBytes     *payload)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (payload, &len);

  return pf_packet_new_udp (ip ("10.0.0.2"), sport, ip ("10.0.0.53"), dport, data, len);
}

static PfPacket *
tcp_text (guint16     sport,
          guint16     dport,
          const char *text)
{
  return pf_packet_new_tcp (ip ("10.0.0.2"), sport, ip ("192.203.196.71"), dport,
                            1000, 2000, PF_TCP_PSH | PF_TCP_ACK, 512,
                            (const guint8 *) text, strlen (text));
}

static void
assert_described (PfPacket      *packet,
                  PfAppProtocol  application,
                  const char    *expected)
{
  g_autofree char *info = pf_packet_describe_application (packet);

  assert_int_equal (pf_packet_get_app_protocol (packet, packet->sport, packet->dport),
                    application);
  if (expected == NULL)
    assert_null (info);
  else
    assert_string_equal (info, expected);
}

static void
test_describe_dns (void **state)
{
  g_autoptr(GBytes) query = pf_dns_build_query (0x5501, "knuth.luther.edu");
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GBytes) nxdomain = NULL;
  g_autoptr(PfPacket) ask = udp_packet (40000, 53, query);
  g_autoptr(PfPacket) answer = NULL;
  g_autoptr(PfPacket) none = NULL;
  g_autoptr(PfPacket) elsewhere = udp_packet (40000, 5353, query);
  g_autoptr(PfPacket) remapped = udp_packet (40000, 10053, query);
  g_autoptr(GError) error = NULL;
  g_autofree char *remapped_info = NULL;
  g_autofree char *brief_ask = NULL;
  g_autofree char *brief_answer = NULL;
  g_autofree char *brief_none = NULL;
  PfIpv4 address = ip ("192.203.196.71");
  gsize len;
  const guint8 *data = g_bytes_get_data (query, &len);

  response = pf_dns_build_response (data, len, &address, 1, 300, &error);
  pf_test_assert_no_error (error);
  nxdomain = pf_dns_build_response (data, len, NULL, 0, 300, &error);
  pf_test_assert_no_error (error);
  answer = udp_packet (53, 40000, response);
  none = udp_packet (53, 40000, nxdomain);

  assert_described (ask, PF_APP_PROTOCOL_DNS, "Standard query 0x5501 A knuth.luther.edu");
  assert_described (answer, PF_APP_PROTOCOL_DNS,
                    "Standard query response 0x5501 A knuth.luther.edu A 192.203.196.71");
  assert_described (none, PF_APP_PROTOCOL_DNS,
                    "Standard query response 0x5501 No such name A knuth.luther.edu");
  /* Not port 53: the bytes are not text either. */
  assert_described (elsewhere, PF_APP_PROTOCOL_NONE, NULL);
  /* Judged by the scenario's port, as the views do in loopback mode. */
  remapped_info = pf_packet_describe_application_at (remapped, 40000, 53);
  assert_string_equal (remapped_info, "Standard query 0x5501 A knuth.luther.edu");

  /* The ladder's few words. */
  brief_ask = pf_packet_describe_application_brief_at (ask, 40000, 53);
  assert_string_equal (brief_ask, "query A knuth.luther.edu");
  brief_answer = pf_packet_describe_application_brief_at (answer, 53, 40000);
  assert_string_equal (brief_answer, "answer A 192.203.196.71");
  brief_none = pf_packet_describe_application_brief_at (none, 53, 40000);
  assert_string_equal (brief_none, "answer: no such name");
}

static void
test_describe_dns_garbage (void **state)
{
  static const guint8 garbage[] = { 0x55, 0x01, 0x01 };
  g_autoptr(GBytes) bytes = g_bytes_new_static (garbage, sizeof garbage);
  g_autoptr(PfPacket) packet = udp_packet (40000, 53, bytes);
  g_autofree char *info = pf_packet_describe_application (packet);

  assert_true (g_str_has_prefix (info, "Malformed DNS message: "));
  assert_non_null (strstr (info, "12-byte header"));
}

static void
test_dns_message_parse (void **state)
{
  g_autoptr(GBytes) query = pf_dns_build_query (0x0102, "www.luther.edu");
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfDnsMessage) message = NULL;
  g_autofree char *flags = NULL;
  PfIpv4 addresses[2] = { ip ("192.203.196.71"), ip ("192.203.196.72") };
  const guint8 *data;
  gsize len;
  const PfDnsAnswer *second;

  data = g_bytes_get_data (query, &len);
  response = pf_dns_build_response (data, len, addresses, 2, 60, &error);
  pf_test_assert_no_error (error);
  data = g_bytes_get_data (response, &len);
  message = pf_dns_message_parse (data, len, &error);
  pf_test_assert_no_error (error);

  assert_int_equal (message->id, 0x0102);
  assert_true (message->response);
  assert_string_equal (message->qname, "www.luther.edu");
  assert_int_equal (message->qtype, PF_DNS_TYPE_A);
  assert_int_equal (message->answers->len, 2);
  second = &g_array_index (message->answers, PfDnsAnswer, 1);
  assert_string_equal (second->name, "www.luther.edu");
  assert_int_equal (second->type, PF_DNS_TYPE_A);
  assert_int_equal (second->ttl, 60);
  assert_int_equal (second->address, addresses[1]);
  flags = pf_dns_message_flags_to_string (message);
  assert_true (g_str_has_prefix (flags, "response, authoritative"));
  assert_true (g_str_has_suffix (flags, ", NOERROR"));

  g_clear_pointer (&message, pf_dns_message_free);
  message = pf_dns_message_parse (data, len - 1, &error);
  assert_null (message);
  assert_true (g_error_matches (error, PF_DNS_ERROR, PF_DNS_ERROR_TRUNCATED));
}

static void
test_describe_http (void **state)
{
  g_autoptr(PfPacket) request = tcp_text (40000, 80, "GET / HTTP/1.1\r\nHost: knuth.luther.edu\r\n\r\n");
  g_autoptr(PfPacket) status = tcp_text (80, 40000, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
  g_autoptr(PfPacket) other_port = tcp_text (40000, 8080, "POST /form HTTP/1.1\r\n\r\n");
  g_autoptr(PfPacket) rest = tcp_text (80, 40000, "<html><body>second half</body></html>\n");
  g_autoptr(PfPacket) not_utf8 = tcp_text (40000, 80, "GET / HTTP/1\xff\xff\r\n");

  assert_described (request, PF_APP_PROTOCOL_HTTP, "GET / HTTP/1.1");
  assert_described (status, PF_APP_PROTOCOL_HTTP, "HTTP/1.1 200 OK");
  assert_described (other_port, PF_APP_PROTOCOL_HTTP, "POST /form HTTP/1.1");
  /* A segment that continues a message: its own first line. */
  assert_described (rest, PF_APP_PROTOCOL_TEXT, "<html><body>second half</body></html>");
  /* Bytes that are not UTF-8 in a request line (the fuzzer's find):
   * the words stay valid text, each bad byte a U+FFFD. */
  assert_described (not_utf8, PF_APP_PROTOCOL_HTTP, "GET / HTTP/1\xef\xbf\xbd\xef\xbf\xbd");
}

static void
test_describe_smtp (void **state)
{
  g_autoptr(PfPacket) greeting = tcp_text (25, 40000, "220 knuth.luther.edu ESMTP\r\n");
  g_autoptr(PfPacket) ehlo = tcp_text (40000, 25, "EHLO laptop\r\n");
  g_autoptr(PfPacket) reply = tcp_text (25, 40000, "250-knuth.luther.edu\r\n250 SIZE 1000\r\n");
  g_autoptr(PfPacket) submission = tcp_text (40000, 587, "MAIL FROM:<ada@luther.edu>\r\n");
  g_autoptr(PfPacket) binary = pf_packet_new_tcp (ip ("10.0.0.2"), 40000, ip ("10.0.0.3"), 25,
                                                  1, 1, PF_TCP_ACK, 512,
                                                  (const guint8 *) "\x01\x02", 2);

  assert_described (greeting, PF_APP_PROTOCOL_SMTP, "220 knuth.luther.edu ESMTP");
  assert_described (ehlo, PF_APP_PROTOCOL_SMTP, "EHLO laptop");
  assert_described (reply, PF_APP_PROTOCOL_SMTP, "250-knuth.luther.edu");
  assert_described (submission, PF_APP_PROTOCOL_SMTP, "MAIL FROM:<ada@luther.edu>");
  assert_described (binary, PF_APP_PROTOCOL_SMTP, "Continuation");
}

static void
test_describe_ssh_and_text (void **state)
{
  g_autoptr(PfPacket) ssh = tcp_text (22, 40000, "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
  g_autoptr(PfPacket) echo = tcp_text (40000, 7, "Hello, echo!\n");
  g_autoptr(PfPacket) blank = tcp_text (40000, 7, "\r\n\r\nsecond line\r\n");
  g_autoptr(PfPacket) only_newlines = tcp_text (40000, 7, "\n\n");
  g_autoptr(PfPacket) utf8 = tcp_text (40000, 6667, "Grüße → Bob\n");
  g_autofree char *long_text = g_strnfill (100, 'x');
  g_autoptr(PfPacket) longer = tcp_text (40000, 7, long_text);
  g_autofree char *long_info = pf_packet_describe_application (longer);
  g_autoptr(PfPacket) binary = tcp_text (40000, 7, "\x80\x81");
  g_autoptr(PfPacket) syn = pf_packet_new_tcp (ip ("10.0.0.2"), 40000, ip ("10.0.0.7"), 7,
                                               100, 0, PF_TCP_SYN, 64240, NULL, 0);
  g_autofree char *syn_info = pf_packet_describe (syn);
  g_autofree char *binary_info = pf_packet_describe (binary);

  assert_described (ssh, PF_APP_PROTOCOL_SSH, "SSH-2.0-OpenSSH_9.2p1 Debian-2");
  assert_described (echo, PF_APP_PROTOCOL_TEXT, "Hello, echo!");
  assert_described (blank, PF_APP_PROTOCOL_TEXT, "second line");
  assert_described (only_newlines, PF_APP_PROTOCOL_TEXT, "Continuation");
  assert_described (utf8, PF_APP_PROTOCOL_TEXT, "Grüße → Bob");
  assert_int_equal (g_utf8_strlen (long_info, -1), 81);
  assert_true (g_str_has_suffix (long_info, "x…"));
  assert_described (binary, PF_APP_PROTOCOL_NONE, NULL);
  assert_described (syn, PF_APP_PROTOCOL_NONE, NULL);
  assert_string_equal (syn_info, "40000 → 7 [SYN] Seq=100 Ack=0 Win=64240 Len=0");
  assert_string_equal (binary_info, "40000 → 7 [PSH, ACK] Seq=1000 Ack=2000 Win=512 Len=2");
  assert_string_equal (pf_app_protocol_to_string (PF_APP_PROTOCOL_DNS), "DNS");
  assert_null (pf_app_protocol_to_string (PF_APP_PROTOCOL_NONE));
}


/* ARP in tshark's Info words: each expected line is what tshark 4.0.17
 * (Debian 12) printed for the same message, written to a pcap. */
static void
test_describe_arp (void **state)
{
  static const guint8 mac_gw[6] = { 0x02, 0x50, 0x46, 0x00, 0x01, 0x00 };
  static const guint8 mac_laptop[6] = { 0x02, 0x50, 0x46, 0x00, 0x02, 0x00 };
  static const guint8 broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  const PfIpv4 gw = 0x0a000001, laptop = 0x0a000002;
  static const struct { const char *info; const char *brief; } expected[] = {
    { "Who has 10.0.0.1? Tell 10.0.0.2", "who has 10.0.0.1?" },
    { "10.0.0.1 is at 02:50:46:00:01:00", "10.0.0.1 is at 02:50:46:00:01:00" },
    { "ARP Announcement for 10.0.0.2", "announce 10.0.0.2" },
    { "Gratuitous ARP for 10.0.0.2 (Request)", "announce 10.0.0.2" },
    { "Gratuitous ARP for 10.0.0.2 (Reply)", "10.0.0.2 is at 02:50:46:00:02:00" },
    { "Who has 10.0.0.1? (ARP Probe)", "who has 10.0.0.1?" },
  };
  PfPacket *packets[] = {
    pf_packet_new_arp (PF_ARP_REQUEST, mac_laptop, laptop, NULL, gw),
    pf_packet_new_arp (PF_ARP_REPLY, mac_gw, gw, mac_laptop, laptop),
    pf_packet_new_arp (PF_ARP_REQUEST, mac_laptop, laptop, NULL, laptop),
    pf_packet_new_arp (PF_ARP_REQUEST, mac_laptop, laptop, broadcast, laptop),
    pf_packet_new_arp (PF_ARP_REPLY, mac_laptop, laptop, broadcast, laptop),
    pf_packet_new_arp (PF_ARP_REQUEST, mac_laptop, 0, NULL, gw),
  };

  (void) state;
  for (guint i = 0; i < G_N_ELEMENTS (packets); i++)
    {
      g_autofree char *info = pf_packet_describe (packets[i]);
      g_autofree char *at = pf_packet_describe_at (packets[i], 0, 0);
      g_autofree char *words = pf_packet_describe_application (packets[i]);
      g_autofree char *brief = pf_packet_describe_application_brief_at (packets[i], 0, 0);

      assert_int_equal (pf_packet_get_app_protocol (packets[i], 0, 0), PF_APP_PROTOCOL_ARP);
      assert_string_equal (info, expected[i].info);
      assert_string_equal (at, expected[i].info);
      assert_string_equal (words, expected[i].info);
      assert_string_equal (brief, expected[i].brief);
      pf_packet_unref (packets[i]);
    }
  assert_string_equal (pf_app_protocol_to_string (PF_APP_PROTOCOL_ARP), "ARP");
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_icmp_port_unreachable),
    cmocka_unit_test (test_icmp_quotes),
    cmocka_unit_test (test_icmp_types_and_codes),
    cmocka_unit_test (test_icmp_short),
    cmocka_unit_test (test_describe_dns),
    cmocka_unit_test (test_describe_dns_garbage),
    cmocka_unit_test (test_dns_message_parse),
    cmocka_unit_test (test_describe_http),
    cmocka_unit_test (test_describe_smtp),
    cmocka_unit_test (test_describe_ssh_and_text),
    cmocka_unit_test (test_describe_arp),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
