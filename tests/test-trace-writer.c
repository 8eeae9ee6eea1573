/* test-trace-writer.c: what a trace line holds (issue 13)
 *
 * Step numbers as the window shows them, the scaled TCP window beside the
 * raw one, a payload escaped once, and --trace-payload's four ways of
 * writing it; each read back through json-glib from a real file.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "pf-test-util.h"
#include "pf-trace-writer.h"

#define LAPTOP 0x0A000002   /* 10.0.0.2 */
#define KNUTH  0xC0CBC447   /* 192.203.196.71 */

/* The writer's lines for @events, each parsed. */
static GPtrArray *
write_and_read (PfEvent        **events,
                guint            n_events,
                PfTracePayload   payload)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pf-trace-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "trace.jsonl", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *objects = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  PfTraceWriter *writer;

  writer = pf_trace_writer_new (path, &error);
  assert_non_null (writer);
  pf_trace_writer_set_payload (writer, payload);
  for (guint i = 0; i < n_events; i++)
    assert_true (pf_trace_writer_write (writer, events[i], &error));
  assert_true (pf_trace_writer_close (writer, &error));
  pf_trace_writer_free (writer);
  assert_null (error);

  assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  assert_int_equal (g_strv_length (lines), n_events + 1);
  assert_string_equal (lines[n_events], "");
  for (guint i = 0; i < n_events; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      assert_true (json_parser_load_from_data (parser, lines[i], -1, NULL));
      g_ptr_array_add (objects, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
    }

  g_unlink (path);
  g_rmdir (dir);
  return objects;
}

static JsonObject *
nth (GPtrArray *objects,
     guint      i)
{
  return g_ptr_array_index (objects, i);
}

/* Set-up is step 0 and PfEvent's first step (0) is step 1, as the
 * window's "Step 1 of N" and --step=1 count. */
static void
test_step_numbers (void **state)
{
  g_autoptr(PfEvent) setup = pf_event_new_step (10, -1, "Set-up.");
  g_autoptr(PfEvent) first = pf_event_new_step (20, 0, "The first step.");
  g_autoptr(PfEvent) third = pf_event_new_step (30, 2, "The third step.");
  PfEvent *events[] = { setup, first, third };
  g_autoptr(GPtrArray) lines = NULL;

  (void) state;
  lines = write_and_read (events, G_N_ELEMENTS (events), PF_TRACE_PAYLOAD_EXCERPT);
  assert_int_equal (json_object_get_int_member (nth (lines, 0), "step"), 0);
  assert_int_equal (json_object_get_int_member (nth (lines, 1), "step"), 1);
  assert_int_equal (json_object_get_int_member (nth (lines, 2), "step"), 3);
}

static PfPacket *
tcp (PfIpv4       src,
     guint16      sport,
     PfIpv4       dst,
     guint16      dport,
     guint8       flags,
     guint16      window,
     gint8        wscale)
{
  PfPacket *packet = pf_packet_new_tcp (src, sport, dst, dport, 1, 1, flags, window, NULL, 0);

  packet->wscale = wscale;
  return packet;
}

/* tshark's tcp.window_size: the raw field shifted by the sender's own
 * scale once both SYNs announced one, never on a SYN; unscaled when one
 * side announced none, or the SYNs were not seen. */
static void
test_window_scaled (void **state)
{
  g_autoptr(PfPacket) syn = tcp (LAPTOP, 40000, KNUTH, 80, PF_TCP_SYN, 65495, 7);
  g_autoptr(PfPacket) synack = tcp (KNUTH, 80, LAPTOP, 40000, PF_TCP_SYN | PF_TCP_ACK, 65483, 10);
  g_autoptr(PfPacket) ack = tcp (LAPTOP, 40000, KNUTH, 80, PF_TCP_ACK, 512, -1);
  g_autoptr(PfPacket) back = tcp (KNUTH, 80, LAPTOP, 40000, PF_TCP_ACK, 64, -1);
  /* A second connection: the server announced no scale. */
  g_autoptr(PfPacket) syn2 = tcp (LAPTOP, 40001, KNUTH, 80, PF_TCP_SYN, 65495, 7);
  g_autoptr(PfPacket) synack2 = tcp (KNUTH, 80, LAPTOP, 40001, PF_TCP_SYN | PF_TCP_ACK, 65483, -1);
  g_autoptr(PfPacket) ack2 = tcp (LAPTOP, 40001, KNUTH, 80, PF_TCP_ACK, 512, -1);
  /* A third, whose SYNs the trace never saw. */
  g_autoptr(PfPacket) orphan = tcp (LAPTOP, 40002, KNUTH, 80, PF_TCP_ACK, 512, -1);
  PfPacket *packets[] = { syn, synack, ack, back, syn2, synack2, ack2, orphan };
  const gint64 raw[] = { 65495, 65483, 512, 64, 65495, 65483, 512, 512 };
  const gint64 scaled[] = { 65495, 65483, 512 << 7, 64 << 10, 65495, 65483, 512, 512 };
  PfEvent *events[G_N_ELEMENTS (packets)];
  g_autoptr(GPtrArray) lines = NULL;

  (void) state;
  for (guint i = 0; i < G_N_ELEMENTS (packets); i++)
    events[i] = pf_event_new_segment (i, 0, packets[i]);
  lines = write_and_read (events, G_N_ELEMENTS (events), PF_TRACE_PAYLOAD_EXCERPT);
  for (guint i = 0; i < G_N_ELEMENTS (packets); i++)
    {
      assert_int_equal (json_object_get_int_member (nth (lines, i), "win"), raw[i]);
      assert_int_equal (json_object_get_int_member (nth (lines, i), "window_scaled"), scaled[i]);
      g_object_unref (events[i]);
    }
}

static PfEvent *
data_segment (const char *bytes,
              gsize       len)
{
  g_autoptr(PfPacket) packet = pf_packet_new_tcp (LAPTOP, 40000, KNUTH, 80, 1, 1,
                                                  PF_TCP_PSH | PF_TCP_ACK, 512,
                                                  (const guint8 *) bytes, len);

  return pf_event_new_segment (0, 0, packet);
}

/* The JSON text has one backslash per escape, and the string read back
 * holds the real CR LF; a byte that is not text is U+FFFD, not "\x00". */
static void
test_excerpt_escaped_once (void **state)
{
  g_autoptr(PfEvent) text = data_segment ("GET / HTTP/1.1\r\nHost: a\\b\r\n\r\n", 29);
  g_autoptr(PfEvent) binary = data_segment ("A\0\xff" "B", 4);
  g_autoptr(PfEvent) utf8 = data_segment ("caf\xc3\xa9", 5);
  g_autoptr(PfEvent) long_one = data_segment ("0123456789012345678901234567890123456789"
                                              "0123456789012345678901234567890123456789", 80);
  g_autofree char *line = pf_trace_format_event (text);
  PfEvent *events[] = { text, binary, utf8, long_one };
  g_autoptr(GPtrArray) lines = NULL;

  (void) state;
  assert_non_null (strstr (line, "\"payload\":\"GET / HTTP/1.1\\r\\nHost: a\\\\b\\r\\n\\r\\n\""));
  assert_null (strstr (line, "\\\\r"));

  lines = write_and_read (events, G_N_ELEMENTS (events), PF_TRACE_PAYLOAD_EXCERPT);
  assert_string_equal (json_object_get_string_member (nth (lines, 0), "payload"),
                       "GET / HTTP/1.1\r\nHost: a\\b\r\n\r\n");
  assert_string_equal (json_object_get_string_member (nth (lines, 1), "payload"),
                       "A\xef\xbf\xbd\xef\xbf\xbd" "B");
  assert_string_equal (json_object_get_string_member (nth (lines, 2), "payload"), "caf\xc3\xa9");
  assert_string_equal (json_object_get_string_member (nth (lines, 3), "payload"),
                       "0123456789012345678901234567890123456789012345678901234567890123…");
  assert_false (json_object_has_member (nth (lines, 0), "payload_encoding"));
}

/* full: the whole payload as text where it is text, base64 where not;
 * hex and base64 always; each says which in payload_encoding. */
static void
test_payload_full_hex_base64 (void **state)
{
  g_autoptr(GString) big = g_string_new (NULL);
  g_autoptr(PfEvent) text = NULL;
  g_autoptr(PfEvent) binary = data_segment ("A\0\xff" "B", 4);
  g_autoptr(PfEvent) empty = data_segment (NULL, 0);
  g_autoptr(GPtrArray) full = NULL;
  g_autoptr(GPtrArray) hex = NULL;
  g_autoptr(GPtrArray) base64 = NULL;
  g_autofree guchar *decoded = NULL;
  gsize decoded_len = 0;

  (void) state;
  for (guint i = 0; i < 100; i++)
    g_string_append (big, "line of text\r\n");
  text = data_segment (big->str, big->len);

  {
    PfEvent *events[] = { text, binary, empty };

    full = write_and_read (events, 3, PF_TRACE_PAYLOAD_FULL);
    hex = write_and_read (events, 3, PF_TRACE_PAYLOAD_HEX);
    base64 = write_and_read (events, 3, PF_TRACE_PAYLOAD_BASE64);
  }

  assert_string_equal (json_object_get_string_member (nth (full, 0), "payload"), big->str);
  assert_string_equal (json_object_get_string_member (nth (full, 0), "payload_encoding"), "text");
  assert_string_equal (json_object_get_string_member (nth (full, 1), "payload"), "QQD/Qg==");
  assert_string_equal (json_object_get_string_member (nth (full, 1), "payload_encoding"), "base64");
  assert_string_equal (json_object_get_string_member (nth (full, 2), "payload"), "");

  assert_string_equal (json_object_get_string_member (nth (hex, 1), "payload"), "4100ff42");
  assert_string_equal (json_object_get_string_member (nth (hex, 1), "payload_encoding"), "hex");
  assert_int_equal (strlen (json_object_get_string_member (nth (hex, 0), "payload")), 2 * big->len);
  assert_true (g_str_has_prefix (json_object_get_string_member (nth (hex, 0), "payload"),
                                 "6c696e65206f6620746578740d0a"));

  decoded = g_base64_decode (json_object_get_string_member (nth (base64, 0), "payload"), &decoded_len);
  assert_int_equal (decoded_len, big->len);
  assert_memory_equal (decoded, big->str, big->len);
  assert_string_equal (json_object_get_string_member (nth (base64, 1), "payload"), "QQD/Qg==");
  assert_string_equal (json_object_get_string_member (nth (base64, 2), "payload_encoding"), "base64");
}

/* A delivery's payload follows the same rule as a segment's. */
static void
test_deliver_payload (void **state)
{
  PfFourTuple tuple = pf_four_tuple_init (LAPTOP, 40000, KNUTH, 80);
  g_autoptr(GBytes) data = g_bytes_new_static ("HELO\r\n", 6);
  g_autoptr(PfEvent) event = pf_event_new_deliver (5, 1, "knuth", "tcp", &tuple, data);
  PfEvent *events[] = { event };
  g_autoptr(GPtrArray) excerpt = NULL;
  g_autoptr(GPtrArray) hex = NULL;

  (void) state;
  excerpt = write_and_read (events, 1, PF_TRACE_PAYLOAD_EXCERPT);
  hex = write_and_read (events, 1, PF_TRACE_PAYLOAD_HEX);
  assert_string_equal (json_object_get_string_member (nth (excerpt, 0), "payload"), "HELO\r\n");
  assert_int_equal (json_object_get_int_member (nth (excerpt, 0), "step"), 2);
  assert_string_equal (json_object_get_string_member (nth (hex, 0), "payload"), "48454c4f0d0a");
}


static const guint8 mac_gw[6] = { 0x02, 0x50, 0x46, 0x00, 0x01, 0x00 };       /* 10.0.0.1 */
static const guint8 mac_laptop[6] = { 0x02, 0x50, 0x46, 0x00, 0x02, 0x00 };   /* 10.0.0.2 */
#define GATEWAY 0x0A000001   /* 10.0.0.1 */

static const char *
member_string (JsonObject *object,
               const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);

  for (guint i = 0; parts[i + 1] != NULL; i++)
    {
      if (!json_object_has_member (object, parts[i]))
        fail_msg ("no member %s in %s", parts[i], path);
      object = json_object_get_object_member (object, parts[i]);
    }
  if (!json_object_has_member (object, parts[g_strv_length (parts) - 1]))
    fail_msg ("no member %s", path);
  return json_object_get_string_member (object, parts[g_strv_length (parts) - 1]);
}

/* Frames the wire carried (pf_event_new_frame): the ARP request to every
 * other host of the link, the reply, the SYN through the gateway. Each
 * line has its hop and its Ethernet header; ARP has its addresses and no
 * IP field; the SYN keeps every field of today's IPv4 segment and its
 * TTL. A segment no wire carried has neither hop nor "eth". */
static void
test_frames (void **state)
{
  const char *everyone[] = { "gw", "printer", NULL };
  const char *laptop[] = { "laptop", NULL };
  const char *gw[] = { "gw", NULL };
  g_autoptr(PfPacket) request = pf_packet_new_arp (PF_ARP_REQUEST, mac_laptop, LAPTOP, NULL, GATEWAY);
  g_autoptr(PfPacket) reply = pf_packet_new_arp (PF_ARP_REPLY, mac_gw, GATEWAY, mac_laptop, LAPTOP);
  g_autoptr(PfPacket) syn = tcp (LAPTOP, 40000, KNUTH, 80, PF_TCP_SYN, 64240, 7);
  g_autoptr(PfPacket) plain = tcp (LAPTOP, 40000, KNUTH, 80, PF_TCP_SYN, 64240, 7);
  g_autoptr(PfEvent) e_request = NULL;
  g_autoptr(PfEvent) e_reply = NULL;
  g_autoptr(PfEvent) e_syn = NULL;
  g_autoptr(PfEvent) e_plain = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  static const char *no_ip_fields[] = { "src", "dst", "ttl", "flags", "seq", "ack", "win", "icmp_type" };
  JsonObject *o;
  JsonArray *to;

  (void) state;
  syn->ttl = 63;
  pf_packet_set_ethernet (syn, mac_laptop, mac_gw);
  e_request = pf_event_new_frame (1000, 0, request, "lan", "laptop", everyone, 1003);
  e_reply = pf_event_new_frame (1010, 0, reply, "lan", "gw", laptop, 1013);
  e_syn = pf_event_new_frame (1020, 0, syn, "lan", "laptop", gw, 1025);
  e_plain = pf_event_new_segment (1030, 0, plain);

  {
    PfEvent *events[] = { e_request, e_reply, e_syn, e_plain };

    lines = write_and_read (events, G_N_ELEMENTS (events), PF_TRACE_PAYLOAD_EXCERPT);
  }

  o = nth (lines, 0);
  assert_string_equal (member_string (o, "kind"), "segment");
  assert_string_equal (member_string (o, "proto"), "arp");
  assert_string_equal (member_string (o, "kind_of_segment"), "arp");
  assert_string_equal (member_string (o, "app"), "arp");
  assert_string_equal (member_string (o, "eth.src"), "02:50:46:00:02:00");
  assert_string_equal (member_string (o, "eth.dst"), "ff:ff:ff:ff:ff:ff");
  assert_string_equal (member_string (o, "eth.type"), "arp");
  assert_string_equal (member_string (o, "arp.op"), "request");
  assert_string_equal (member_string (o, "arp.sender_mac"), "02:50:46:00:02:00");
  assert_string_equal (member_string (o, "arp.sender_ip"), "10.0.0.2");
  assert_string_equal (member_string (o, "arp.target_mac"), "00:00:00:00:00:00");
  assert_string_equal (member_string (o, "arp.target_ip"), "10.0.0.1");
  assert_string_equal (member_string (o, "info"), "Who has 10.0.0.1? Tell 10.0.0.2");
  for (guint i = 0; i < G_N_ELEMENTS (no_ip_fields); i++)
    if (json_object_has_member (o, no_ip_fields[i]))
      fail_msg ("an ARP line has \"%s\"", no_ip_fields[i]);
  assert_string_equal (member_string (o, "link"), "lan");
  assert_string_equal (member_string (o, "from"), "laptop");
  to = json_object_get_array_member (o, "to");
  assert_int_equal (json_array_get_length (to), 2);
  assert_string_equal (json_array_get_string_element (to, 0), "gw");
  assert_string_equal (json_array_get_string_element (to, 1), "printer");
  assert_int_equal (json_object_get_int_member (o, "t"), 1000);
  assert_int_equal (json_object_get_int_member (o, "delivered_us"), 1003);

  o = nth (lines, 1);
  assert_string_equal (member_string (o, "arp.op"), "reply");
  assert_string_equal (member_string (o, "arp.sender_mac"), "02:50:46:00:01:00");
  assert_string_equal (member_string (o, "arp.target_mac"), "02:50:46:00:02:00");
  assert_string_equal (member_string (o, "eth.dst"), "02:50:46:00:02:00");
  assert_string_equal (member_string (o, "info"), "10.0.0.1 is at 02:50:46:00:01:00");
  assert_string_equal (member_string (o, "from"), "gw");
  assert_int_equal (json_array_get_length (json_object_get_array_member (o, "to")), 1);
  assert_int_equal (json_object_get_int_member (o, "delivered_us"), 1013);

  o = nth (lines, 2);
  assert_string_equal (member_string (o, "proto"), "tcp");
  assert_string_equal (member_string (o, "src"), "10.0.0.2:40000");
  assert_string_equal (member_string (o, "dst"), "192.203.196.71:80");
  assert_string_equal (member_string (o, "flags"), "SYN");
  assert_int_equal (json_object_get_int_member (o, "win"), 64240);
  assert_int_equal (json_object_get_int_member (o, "ttl"), 63);
  assert_string_equal (member_string (o, "eth.src"), "02:50:46:00:02:00");
  assert_string_equal (member_string (o, "eth.dst"), "02:50:46:00:01:00");
  assert_string_equal (member_string (o, "eth.type"), "ipv4");
  assert_string_equal (member_string (o, "kind_of_segment"), "handshake");
  assert_false (json_object_has_member (o, "arp"));
  assert_string_equal (member_string (o, "from"), "laptop");
  to = json_object_get_array_member (o, "to");
  assert_int_equal (json_array_get_length (to), 1);
  assert_string_equal (json_array_get_string_element (to, 0), "gw");
  assert_int_equal (json_object_get_int_member (o, "delivered_us"), 1025);

  o = nth (lines, 3);
  assert_int_equal (json_object_get_int_member (o, "ttl"), 64);
  assert_string_equal (member_string (o, "src"), "10.0.0.2:40000");
  for (guint i = 0; i < 5; i++)
    {
      static const char *hop[] = { "eth", "link", "from", "to", "delivered_us" };

      if (json_object_has_member (o, hop[i]))
        fail_msg ("a segment no wire carried has \"%s\"", hop[i]);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_step_numbers),
    cmocka_unit_test (test_window_scaled),
    cmocka_unit_test (test_excerpt_escaped_once),
    cmocka_unit_test (test_payload_full_hex_base64),
    cmocka_unit_test (test_deliver_payload),
    cmocka_unit_test (test_frames),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
