/* test-engine.c: the engine, its timeline, the TCP model and the trace
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

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

#include "pf-builtin.h"
#include "pf-engine.h"
#include "pf-enum.h"
#include "pf-tcp-model.h"
#include "pf-trace-writer.h"

#define LAPTOP 0x0A000002   /* 10.0.0.2 */
#define KNUTH  0xC0CBC447   /* 192.203.196.71 */

/* fd and child counts settle a moment after a run: GLib's worker thread
 * closes its pidfd late. */
#define COUNTS_SETTLE_S 2
#define STEP_TIMEOUT_S  15

static PfEngine *
start_engine (const char     *name,
              PfNetspaceMode  mode)
{
  g_autoptr(GError) error = NULL;
  PfScenario *scenario = pf_builtin_load (name, &error);
  PfEngine *engine;

  assert_null (error);
  assert_non_null (scenario);

  engine = pf_engine_new (scenario, mode);
  assert_true (pf_engine_start (engine, &error));
  assert_null (error);
  assert_int_equal (pf_netspace_get_mode (pf_engine_get_netspace (engine)), mode);
  return engine;
}

static void
run_one_step (PfEngine *engine)
{
  PfTestStep step;

  pf_test_step_start (&step, engine);
  pf_test_iterate_until_timeout (pf_test_step_is_done, &step, STEP_TIMEOUT_S);
  assert_true (step.ok);
  assert_null (step.error);
}

static GPtrArray *
segments_of_step (PfEngine *engine,
                  int       step)
{
  PfTimeline *timeline = pf_engine_get_timeline (engine);
  GPtrArray *segments = g_ptr_array_new ();

  for (guint i = 0; i < pf_timeline_get_n_events (timeline); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      /* The IP packets: ARP (exact mode's wire) is looked at apart. */
      if (pf_event_get_kind (event) == PF_EVENT_SEGMENT &&
          pf_packet_get_kind (pf_event_get_packet (event)) != PF_PACKET_KIND_ARP &&
          (step < 0 || pf_event_get_step (event) == step))
        g_ptr_array_add (segments, pf_event_get_packet (event));
    }
  return segments;
}

/* The last state the timeline reports for a socket of @host. */
static PfEvent *
last_state_of (PfEngine   *engine,
               const char *host)
{
  PfTimeline *timeline = pf_engine_get_timeline (engine);
  PfEvent *last = NULL;

  for (guint i = 0; i < pf_timeline_get_n_events (timeline); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      if (pf_event_get_kind (event) == PF_EVENT_STATE &&
          g_strcmp0 (pf_event_get_host_id (event), host) == 0 &&
          pf_event_get_tuple (event)->dst.port != 0)
        last = event;
    }
  return last;
}

static void
assert_segment (PfPacket   *p,
                PfIpv4      src,
                PfIpv4      dst,
                const char *flags,
                guint       len)
{
  g_autofree char *text = pf_packet_flags_to_string (p->flags);

  assert_int_equal (p->src, src);
  assert_int_equal (p->dst, dst);
  assert_string_equal (text, flags);
  assert_int_equal (pf_packet_get_payload_length (p), len);
}

static void
test_handshake_exact (void **state)
{
  g_autoptr(PfEngine) engine = start_engine ("web", PF_NETSPACE_MODE_EXACT);
  g_autoptr(GPtrArray) segments = NULL;
  PfEvent *laptop, *knuth;
  PfPacket *syn;

  run_one_step (engine);
  assert_int_equal (pf_engine_get_next_step (engine), 1);

  segments = segments_of_step (engine, 0);
  assert_int_equal (segments->len, 3);
  syn = g_ptr_array_index (segments, 0);
  assert_segment (syn, LAPTOP, KNUTH, "SYN", 0);
  assert_int_equal (syn->dport, 80);
  assert_true (syn->sport >= 1024);
  assert_true (syn->mss > 0);
  assert_segment (g_ptr_array_index (segments, 1), KNUTH, LAPTOP, "SYN,ACK", 0);
  assert_int_equal (((PfPacket *) g_ptr_array_index (segments, 1))->ack, syn->seq + 1);
  assert_segment (g_ptr_array_index (segments, 2), LAPTOP, KNUTH, "ACK", 0);
  for (guint i = 0; i < segments->len; i++)
    assert_int_equal (((PfPacket *) g_ptr_array_index (segments, i))->origin,
                      PF_PACKET_ORIGIN_CAPTURED);

  /* Both ends ESTABLISHED, each naming the other: one socket pair. */
  laptop = last_state_of (engine, "laptop");
  knuth = last_state_of (engine, "knuth");
  assert_non_null (laptop);
  assert_non_null (knuth);
  assert_int_equal (pf_event_get_state (laptop), PF_TCP_STATE_ESTABLISHED);
  assert_int_equal (pf_event_get_state (knuth), PF_TCP_STATE_ESTABLISHED);
  assert_int_equal (pf_event_get_tuple (laptop)->src.port, syn->sport);
  assert_true (pf_four_tuple_same_connection (pf_event_get_tuple (laptop),
                                              pf_event_get_tuple (knuth)));
  assert_false (pf_four_tuple_equal (pf_event_get_tuple (laptop), pf_event_get_tuple (knuth)));
}

static void
test_web_loopback_modelled (void **state)
{
  g_autoptr(PfEngine) engine = start_engine ("web", PF_NETSPACE_MODE_LOOPBACK);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) segments = NULL;
  PfNetspace *netspace = pf_engine_get_netspace (engine);
  PfIpv4 laptop = pf_netspace_map_address (netspace, LAPTOP);
  PfIpv4 knuth = pf_netspace_map_address (netspace, KNUTH);

  assert_true (pf_ipv4_is_loopback (laptop));
  assert_true (pf_ipv4_is_loopback (knuth));
  assert_int_equal (pf_netspace_map_port (netspace, 80), 8080);

  assert_true (pf_engine_run (engine, &error));
  assert_null (error);
  assert_int_equal (pf_engine_get_n_failures (engine), 0);

  segments = segments_of_step (engine, -1);
  assert_true (segments->len >= 9);
  assert_segment (g_ptr_array_index (segments, 0), laptop, knuth, "SYN", 0);
  assert_int_equal (((PfPacket *) g_ptr_array_index (segments, 0))->dport, 8080);
  for (guint i = 0; i < segments->len; i++)
    assert_int_equal (((PfPacket *) g_ptr_array_index (segments, i))->origin,
                      PF_PACKET_ORIGIN_MODELLED);
}

/* The strongest check of the model: the same scenario, run once with a
 * capture and once modelled, gives segments of the same flags, lengths
 * and directions, and consistent relative sequence numbers. */
static void
test_model_matches_capture (void **state)
{
  g_autoptr(PfEngine) exact = start_engine ("web", PF_NETSPACE_MODE_EXACT);
  g_autoptr(PfEngine) loopback = start_engine ("web", PF_NETSPACE_MODE_LOOPBACK);
  g_autoptr(GPtrArray) captured = NULL;
  g_autoptr(GPtrArray) modelled = NULL;
  PfPacket *first_c, *first_m;

  assert_true (pf_engine_run (exact, NULL));
  assert_true (pf_engine_run (loopback, NULL));

  captured = segments_of_step (exact, -1);
  modelled = segments_of_step (loopback, -1);
  assert_int_equal (captured->len, modelled->len);

  first_c = g_ptr_array_index (captured, 0);
  first_m = g_ptr_array_index (modelled, 0);
  for (guint i = 0; i < captured->len; i++)
    {
      PfPacket *c = g_ptr_array_index (captured, i);
      PfPacket *m = g_ptr_array_index (modelled, i);
      gboolean c_forward = c->src == first_c->src;
      gboolean m_forward = m->src == first_m->src;

      assert_int_equal (c_forward, m_forward);
      assert_int_equal (c->flags, m->flags);
      assert_int_equal (pf_packet_get_payload_length (c), pf_packet_get_payload_length (m));
      assert_int_equal (c->total_length, m->total_length);
    }
}

/* The states of one host's sockets, in the order the timeline has them
 * (listeners left out), as "SYN_SENT ESTABLISHED ...". */
static char *
states_of (PfEngine   *engine,
           const char *host)
{
  PfTimeline *timeline = pf_engine_get_timeline (engine);
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < pf_timeline_get_n_events (timeline); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      if (pf_event_get_kind (event) != PF_EVENT_STATE ||
          g_strcmp0 (pf_event_get_host_id (event), host) != 0 ||
          pf_event_get_tuple (event)->dst.port == 0)
        continue;
      if (text->len > 0)
        g_string_append_c (text, ' ');
      g_string_append (text, pf_tcp_state_to_string (pf_event_get_state (event)));
    }
  return g_string_free (text, FALSE);
}

/* The index in the timeline of the first segment of @flags from @src. */
static guint
find_segment (PfEngine   *engine,
              PfIpv4      src,
              const char *flags)
{
  PfTimeline *timeline = pf_engine_get_timeline (engine);

  for (guint i = 0; i < pf_timeline_get_n_events (timeline); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);
      PfPacket *p;
      g_autofree char *text = NULL;

      if (pf_event_get_kind (event) != PF_EVENT_SEGMENT)
        continue;
      p = pf_event_get_packet (event);
      if (p->protocol != PF_IP_PROTOCOL_TCP || p->src != src)
        continue;
      text = pf_packet_flags_to_string (p->flags);
      if (g_strcmp0 (text, flags) == 0)
        return i;
    }
  fail_msg ("no %s segment", flags);
  return 0;
}

static guint
find_state (PfEngine   *engine,
            const char *host,
            PfTcpState  state)
{
  PfTimeline *timeline = pf_engine_get_timeline (engine);

  for (guint i = 0; i < pf_timeline_get_n_events (timeline); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      if (pf_event_get_kind (event) == PF_EVENT_STATE &&
          g_strcmp0 (pf_event_get_host_id (event), host) == 0 &&
          pf_event_get_state (event) == state)
        return i;
    }
  fail_msg ("%s never in %s", host, pf_tcp_state_to_string (state));
  return 0;
}

/* The side that closes first waits in TIME_WAIT; the kernel's socket
 * table shows it although no descriptor is left. */
static void
test_time_wait_on_closer (void **state)
{
  for (PfNetspaceMode mode = PF_NETSPACE_MODE_EXACT; mode <= PF_NETSPACE_MODE_LOOPBACK; mode++)
    {
      g_autoptr(PfEngine) engine = start_engine ("web", mode);
      PfEvent *laptop, *knuth;

      assert_true (pf_engine_run (engine, NULL));

      laptop = last_state_of (engine, "laptop");
      knuth = last_state_of (engine, "knuth");
      assert_int_equal (pf_event_get_state (laptop), PF_TCP_STATE_TIME_WAIT);
      assert_int_equal (pf_event_get_state (knuth), PF_TCP_STATE_CLOSE);
    }
}

/* On the wire every state of both ends is read from their kernels, each
 * at the delivery that moved it: the client in SYN_SENT while its SYN
 * travels, the server's request socket in SYN_RECV from the SYN to the
 * last ACK of the handshake, and at the close FIN_WAIT_2 (the server's
 * kernel acknowledged the FIN before its program closed), LAST_ACK and
 * TIME_WAIT. */
static void
test_every_state_exact (void **state)
{
  g_autoptr(PfEngine) engine = start_engine ("web", PF_NETSPACE_MODE_EXACT);
  g_autofree char *laptop = NULL;
  g_autofree char *knuth = NULL;
  guint syn, syn_ack, ack;

  assert_true (pf_engine_run (engine, NULL));
  assert_int_equal (pf_engine_get_n_failures (engine), 0);

  laptop = states_of (engine, "laptop");
  knuth = states_of (engine, "knuth");
  assert_string_equal (laptop, "SYN_SENT ESTABLISHED FIN_WAIT1 FIN_WAIT2 TIME_WAIT");
  assert_string_equal (knuth, "SYN_RECV ESTABLISHED CLOSE_WAIT LAST_ACK CLOSE");

  syn = find_segment (engine, LAPTOP, "SYN");
  syn_ack = find_segment (engine, KNUTH, "SYN,ACK");
  ack = find_segment (engine, LAPTOP, "ACK");
  assert_true (find_state (engine, "laptop", PF_TCP_STATE_SYN_SENT) < syn_ack);
  assert_true (find_state (engine, "laptop", PF_TCP_STATE_ESTABLISHED) > syn_ack);
  assert_true (find_state (engine, "knuth", PF_TCP_STATE_SYN_RECV) > syn);
  assert_true (find_state (engine, "knuth", PF_TCP_STATE_SYN_RECV) < ack);
  assert_true (find_state (engine, "knuth", PF_TCP_STATE_ESTABLISHED) > ack);
}

/* A frame on the wire is recorded once, with its link, its sender, its
 * receivers, and the moments it left and arrived, the link's latency
 * apart; the first IP packet waits for ARP, and the second finds the
 * answer in the ARP cache. */
static void
test_frames_on_the_wire (void **state)
{
  g_autoptr(PfEngine) engine = start_engine ("web", PF_NETSPACE_MODE_EXACT);
  PfTimeline *timeline = pf_engine_get_timeline (engine);
  guint n_arp = 0, n_ip = 0;
  gint64 first_ip = -1;

  assert_true (pf_engine_run (engine, NULL));

  for (guint i = 0; i < pf_timeline_get_n_events (timeline); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);
      PfPacket *p;
      const char * const *to;

      if (pf_event_get_kind (event) != PF_EVENT_SEGMENT)
        continue;
      p = pf_event_get_packet (event);
      to = pf_event_get_to_host_ids (event);
      assert_string_equal (pf_event_get_link_id (event), "lan");
      assert_non_null (to);
      assert_non_null (to[0]);
      assert_null (to[1]);
      assert_string_not_equal (to[0], pf_event_get_host_id (event));
      assert_true (pf_event_get_delivered_time (event) - pf_event_get_time (event) >=
                   PF_LINK_DEFAULT_LATENCY_US);
      assert_true (p->has_ethernet);
      assert_int_equal (p->origin, PF_PACKET_ORIGIN_CAPTURED);

      if (pf_packet_get_kind (p) == PF_PACKET_KIND_ARP)
        {
          assert_int_equal (p->ethertype, PF_ETHERTYPE_ARP);
          assert_int_equal (first_ip, -1);
          n_arp++;
        }
      else
        {
          assert_int_equal (p->ethertype, PF_ETHERTYPE_IPV4);
          assert_int_equal (p->ttl, 64);
          if (first_ip < 0)
            first_ip = i;
          n_ip++;
        }
    }
  /* Who has 192.203.196.71, and its answer; none after. */
  assert_int_equal (n_arp, 2);
  assert_true (n_ip >= 10);
}

/* Part of a TCP stream, in bytes from its first. */
typedef struct
{
  guint64 start;
  guint64 end;
} Range;

static int
compare_ranges (gconstpointer a,
                gconstpointer b)
{
  const Range *x = a, *y = b;

  return (x->start > y->start) - (x->start < y->start);
}

/* A burst: 16 MiB in one step, written as a program writing 1 KiB
 * 16,384 times. Every byte reaches the echo server, and every byte is in
 * the step's segments from the client, with no hole: captured in exact
 * mode (with the socket's default buffer, 2 MiB of them were dropped),
 * modelled in loopback mode. */
static void
test_burst_whole (void **state)
{
  static const char json[] =
    "{ \"format\": \"packetflow-scenario\", \"version\": 1,"
    "  \"title\": \"Burst\", \"summary\": \"16 MiB at once.\","
    "  \"hosts\": ["
    "    { \"id\": \"laptop\", \"name\": \"Laptop\", \"address\": \"10.0.0.2\", \"kind\": \"laptop\" },"
    "    { \"id\": \"echo\", \"name\": \"Echo\", \"address\": \"10.0.0.7\", \"kind\": \"server\","
    "      \"services\": [ { \"type\": \"echo\", \"port\": 7 } ] } ],"
    "  \"steps\": ["
    "    { \"narration\": \"Connect.\", \"action\": \"connect\", \"id\": \"c\","
    "      \"from\": \"laptop\", \"to\": \"echo\", \"port\": 7 },"
    "    { \"narration\": \"Send.\", \"action\": \"send\", \"connection\": \"c\", \"side\": \"client\","
    "      \"data\": \"%s\", \"repeat\": 16384 } ] }";
  char chunk[1025];
  g_autofree char *text = NULL;

  memset (chunk, 'x', 1024);
  chunk[1024] = '\0';
  text = g_strdup_printf (json, chunk);

  for (PfNetspaceMode mode = PF_NETSPACE_MODE_EXACT; mode <= PF_NETSPACE_MODE_LOOPBACK; mode++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (text, strlen (text));
      g_autoptr(GError) error = NULL;
      PfScenario *scenario = pf_scenario_load_bytes (bytes, "burst.pflow.json", &error);
      g_autoptr(PfEngine) engine = NULL;
      g_autoptr(GPtrArray) segments = NULL;
      g_autoptr(GArray) ranges = g_array_new (FALSE, FALSE, sizeof (Range));
      PfTimeline *timeline;
      guint64 sent = 0, delivered = 0;
      guint32 first_seq = 0;

      assert_null (error);
      engine = pf_engine_new (scenario, mode);
      assert_true (pf_engine_start (engine, &error));
      assert_true (pf_engine_run (engine, &error));
      assert_null (error);
      assert_int_equal (pf_engine_get_n_failures (engine), 0);

      /* What the client's segments carry, as ranges of the stream: a
       * retransmission (the kernel may send a tail loss probe while the
       * engine has not yet read) covers a range again, a drop leaves a
       * hole. */
      segments = segments_of_step (engine, 1);
      for (guint i = 0; i < segments->len; i++)
        {
          PfPacket *p = g_ptr_array_index (segments, i);
          guint len = pf_packet_get_payload_length (p);
          Range range;

          if (len == 0 || pf_netspace_unmap_address (pf_engine_get_netspace (engine), p->src) != 0x0A000002)
            continue;
          if (ranges->len == 0)
            first_seq = p->seq;
          range.start = (guint32) (p->seq - first_seq);
          range.end = range.start + len;
          g_array_append_val (ranges, range);
        }
      g_array_sort (ranges, compare_ranges);
      for (guint i = 0; i < ranges->len; i++)
        {
          Range *range = &g_array_index (ranges, Range, i);

          assert_true (range->start <= sent);   /* no hole before it */
          sent = MAX (sent, range->end);
        }

      timeline = pf_engine_get_timeline (engine);
      for (guint i = 0; i < pf_timeline_get_n_events (timeline); i++)
        {
          PfEvent *event = pf_timeline_get_event (timeline, i);

          if (pf_event_get_kind (event) == PF_EVENT_DELIVER && pf_event_get_step (event) == 1 &&
              g_str_equal (pf_event_get_host_id (event), "echo"))
            delivered += g_bytes_get_size (pf_event_get_data (event));
        }

      assert_int_equal (delivered, 16384 * 1024);
      assert_int_equal (sent, 16384 * 1024);
    }
}

/* What a run shows, as text: each segment's flags and each state
 * change, in order, without times or ports. */
static char *
run_outline (const char     *name,
             PfNetspaceMode  mode)
{
  g_autoptr(PfEngine) engine = start_engine (name, mode);
  PfTimeline *timeline = pf_engine_get_timeline (engine);
  GString *outline = g_string_new (NULL);

  assert_true (pf_engine_run (engine, NULL));
  for (guint i = 0; i < pf_timeline_get_n_events (timeline); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      if (pf_event_get_kind (event) == PF_EVENT_SEGMENT &&
          pf_packet_get_kind (pf_event_get_packet (event)) == PF_PACKET_KIND_ARP)
        {
          g_string_append_printf (outline, "%d arp\n", pf_event_get_step (event));
        }
      else if (pf_event_get_kind (event) == PF_EVENT_SEGMENT)
        {
          g_autofree char *flags = pf_packet_flags_to_string (pf_event_get_packet (event)->flags);

          g_string_append_printf (outline, "%d segment %s\n", pf_event_get_step (event), flags);
        }
      else if (pf_event_get_kind (event) == PF_EVENT_STATE)
        {
          g_string_append_printf (outline, "%d %s %s\n", pf_event_get_step (event),
                                  pf_event_get_host_id (event),
                                  pf_tcp_state_to_string (pf_event_get_state (event)));
        }
    }
  pf_engine_stop (engine);
  return g_string_free (outline, FALSE);
}

/* The same scenario shows the same story every run, and each segment
 * before the state it moved: recorded in the same microsecond, or read
 * from the capture after the state was. */
static void
test_runs_repeat (void **state)
{
  guint fds = pf_test_count_fds ();
  guint children = pf_test_count_children ();

  for (PfNetspaceMode mode = PF_NETSPACE_MODE_EXACT; mode <= PF_NETSPACE_MODE_LOOPBACK; mode++)
    {
      g_autofree char *first = run_outline ("chat", mode);

      for (guint i = 0; i < 3; i++)
        {
          g_autofree char *again = run_outline ("chat", mode);

          assert_string_equal (again, first);
        }
      if (mode == PF_NETSPACE_MODE_EXACT)
        {
          /* On the wire: ARP, then each segment and the state its
           * delivery moved, read from the kernel right then. */
          assert_non_null (strstr (first, "0 arp\n0 laptop SYN_SENT\n0 arp\n0 segment SYN\n"
                                          "0 chat SYN_RECV\n0 segment SYN,ACK\n"
                                          "0 laptop ESTABLISHED\n0 segment ACK\n"
                                          "0 chat ESTABLISHED\n"));
          assert_non_null (strstr (first, "7 segment FIN,ACK\n7 phone FIN_WAIT1\n7 chat CLOSE_WAIT\n"));
        }
      else
        {
          /* The handshake, then the states it moved (on lo it is over
           * before connect () returns, and the states are read after). */
          assert_non_null (strstr (first, "0 segment SYN\n0 segment SYN,ACK\n0 segment ACK\n"
                                          "0 laptop ESTABLISHED\n0 chat ESTABLISHED\n"));
          /* The phone closes: its FIN, then its FIN_WAIT1, then the
           * server's CLOSE_WAIT. */
          assert_non_null (strstr (first, "7 segment FIN,ACK\n7 phone FIN_WAIT1\n7 chat CLOSE_WAIT\n"));
        }
    }

  /* The helpers of the exact runs are reaped a moment later. */
  pf_test_wait_for_counts (fds, children, COUNTS_SETTLE_S);
}

static void
test_refused (void **state)
{
  g_autoptr(PfEngine) engine = start_engine ("refused", PF_NETSPACE_MODE_EXACT);
  PfTimeline *timeline = pf_engine_get_timeline (engine);
  g_autoptr(GPtrArray) segments = NULL;
  gboolean refused = FALSE;

  assert_true (pf_engine_run (engine, NULL));
  /* The scenario has no service there: the refusal is what it expects. */
  assert_int_equal (pf_engine_get_n_failures (engine), 0);

  for (guint i = 0; i < pf_timeline_get_n_events (timeline); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      if (pf_event_get_kind (event) == PF_EVENT_ERROR)
        {
          refused |= pf_event_get_error_code (event) == PF_EVENT_ERROR_CODE_ECONNREFUSED;
          /* Marked so on the event, for the views and the trace. */
          assert_true (pf_event_get_expected (event));
        }
    }
  assert_true (refused);

  segments = segments_of_step (engine, -1);
  assert_true (segments->len >= 2);
  assert_segment (g_ptr_array_index (segments, 0), LAPTOP, KNUTH, "SYN", 0);
  assert_segment (g_ptr_array_index (segments, 1), KNUTH, LAPTOP, "RST,ACK", 0);
}

#define SCENARIO_HEAD \
  "{ \"format\": \"packetflow-scenario\", \"version\": 1," \
  "  \"title\": \"T\", \"summary\": \"S.\"," \
  "  \"hosts\": [" \
  "    { \"id\": \"laptop\", \"name\": \"Laptop\", \"address\": \"10.0.0.2\", \"kind\": \"laptop\" }," \
  "    { \"id\": \"knuth\", \"name\": \"Knuth\", \"address\": \"192.203.196.71\", \"kind\": \"server\"," \
  "      \"services\": [ { \"type\": \"echo\", \"port\": 7 }," \
  "                      { \"type\": \"echo\", \"protocol\": \"udp\", \"port\": 7 }," \
  "                      { \"type\": \"script\", \"port\": 110, \"name\": \"pop3\"," \
  "                        \"greeting\": \"+OK POP3 ready\\r\\n\"," \
  "                        \"dialogue\": [ { \"expect\": \"USER ada\\r\\n\", \"reply\": \"+OK\\r\\n\" }," \
  "                                        { \"expect\": \"QUIT\\r\\n\", \"reply\": \"+OK bye\\r\\n\" } ] } ] } ]," \
  "  \"steps\": ["
#define SCENARIO_TAIL "] }"

/* Runs @steps (JSON, the inside of "steps") on the hosts above to the end. */
static PfEngine *
run_steps (const char     *steps,
           PfNetspaceMode  mode)
{
  g_autofree char *text = g_strconcat (SCENARIO_HEAD, steps, SCENARIO_TAIL, NULL);
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr(GError) error = NULL;
  PfScenario *scenario = pf_scenario_load_bytes (bytes, "t.pflow.json", &error);
  PfEngine *engine;

  pf_test_assert_no_error (error);
  engine = pf_engine_new (scenario, mode);
  assert_true (pf_engine_start (engine, &error));
  assert_true (pf_engine_run (engine, &error));
  pf_test_assert_no_error (error);
  return engine;
}

/* The messages of the run's EXPECT errors, one per line. */
static char *
expect_errors (PfEngine *engine)
{
  PfTimeline *timeline = pf_engine_get_timeline (engine);
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < pf_timeline_get_n_events (timeline); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      if (pf_event_get_kind (event) == PF_EVENT_ERROR &&
          pf_event_get_error_code (event) == PF_EVENT_ERROR_CODE_EXPECT)
        g_string_append_printf (out, "%s\n", pf_event_get_message (event));
    }
  return g_string_free (out, FALSE);
}

/* The steps in which @host's program read bytes, in order. */
static GArray *
deliver_steps (PfEngine   *engine,
               const char *host)
{
  PfTimeline *timeline = pf_engine_get_timeline (engine);
  GArray *steps = g_array_new (FALSE, FALSE, sizeof (int));

  for (guint i = 0; i < pf_timeline_get_n_events (timeline); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);
      int step = pf_event_get_step (event);

      if (pf_event_get_kind (event) == PF_EVENT_DELIVER &&
          g_strcmp0 (pf_event_get_host_id (event), host) == 0)
        g_array_append_val (steps, step);
    }
  return steps;
}

#define UDP_AGAIN(repeat) \
  "{ \"narration\": \"n\", \"action\": \"udp\", \"id\": \"q\", \"from\": \"laptop\"," \
  "  \"to\": \"knuth\", \"port\": 7, \"data\": \"again\", \"repeat\": " #repeat " },"

/* Each datagram is expected on its own: "repeat" expects that many, and
 * the datagram after them is the next one (issue 13: the next expect got
 * "againagain\xde\xad\xbe\xef"). A datagram is matched whole. */
static void
test_udp_datagrams (void **state)
{
  (void) state;

  for (PfNetspaceMode mode = PF_NETSPACE_MODE_EXACT; mode <= PF_NETSPACE_MODE_LOOPBACK; mode++)
    {
      g_autoptr(PfEngine) engine = run_steps (
        UDP_AGAIN (3)
        "{ \"narration\": \"n\", \"action\": \"expect\", \"connection\": \"q\", \"data\": \"again\", \"repeat\": 3 },"
        "{ \"narration\": \"n\", \"action\": \"udp\", \"id\": \"q\", \"from\": \"laptop\","
        "  \"to\": \"knuth\", \"port\": 7, \"hex\": \"de ad be ef\" },"
        "{ \"narration\": \"n\", \"action\": \"expect\", \"connection\": \"q\", \"hex\": \"de ad be ef\" }",
        mode);
      g_autofree char *errors = expect_errors (engine);
      g_autoptr(GPtrArray) segments = segments_of_step (engine, 0);

      assert_string_equal (errors, "");
      assert_int_equal (pf_engine_get_n_failures (engine), 0);
      /* one row per datagram, each with its own length, there and back */
      assert_int_equal (segments->len, 6);
      for (guint i = 0; i < segments->len; i++)
        assert_int_equal (pf_packet_get_payload_length (g_ptr_array_index (segments, i)), 5);
    }

  {
    g_autoptr(PfEngine) engine = run_steps (
      UDP_AGAIN (2)
      "{ \"narration\": \"n\", \"action\": \"expect\", \"connection\": \"q\", \"data\": \"againagain\" }",
      PF_NETSPACE_MODE_LOOPBACK);
    g_autofree char *errors = expect_errors (engine);

    assert_int_equal (pf_engine_get_n_failures (engine), 1);
    assert_string_equal (errors, "Line 1: the client of “q” expected the datagram “againagain” "
                                 "but received “again”.\n");
  }

  {
    g_autoptr(PfEngine) engine = run_steps (
      UDP_AGAIN (2)
      "{ \"narration\": \"n\", \"action\": \"expect\", \"connection\": \"q\", \"contains\": \"gain\", \"repeat\": 3 }",
      PF_NETSPACE_MODE_LOOPBACK);
    g_autofree char *errors = expect_errors (engine);

    assert_string_equal (errors, "Line 1: the client of “q” expected datagram 3 of 3 to be "
                                 "“gain” but no datagram came.\n");
  }
}

#define CONNECT(id, port) \
  "{ \"narration\": \"n\", \"action\": \"connect\", \"id\": \"" id "\", \"from\": \"laptop\"," \
  "  \"to\": \"knuth\", \"port\": " #port " },"
#define SEND(id, text) \
  "{ \"narration\": \"n\", \"action\": \"send\", \"connection\": \"" id "\", \"data\": \"" text "\" },"
#define EXPECT(id, text) \
  "{ \"narration\": \"n\", \"action\": \"expect\", \"connection\": \"" id "\", \"data\": \"" text "\" }"

/* "how": "write": the client's FIN goes out first; the echo still sends
 * back what it held, and the client still reads it. */
static void
test_half_close (void **state)
{
  g_autoptr(PfEngine) engine = run_steps (
    CONNECT ("c", 7)
    SEND ("c", "hello")
    "{ \"narration\": \"n\", \"action\": \"close\", \"connection\": \"c\", \"how\": \"write\" },"
    EXPECT ("c", "hello") ","
    "{ \"narration\": \"n\", \"action\": \"close\", \"connection\": \"c\" }",
    PF_NETSPACE_MODE_EXACT);
  g_autofree char *errors = expect_errors (engine);
  g_autoptr(GPtrArray) segments = segments_of_step (engine, 2);
  int client_fin = -1, server_data = -1, server_fin = -1;

  (void) state;
  assert_string_equal (errors, "");
  assert_int_equal (pf_engine_get_n_failures (engine), 0);

  for (guint i = 0; i < segments->len; i++)
    {
      PfPacket *p = g_ptr_array_index (segments, i);
      gboolean fin = (p->flags & PF_TCP_FIN) != 0;

      if (p->src == LAPTOP && fin && client_fin < 0)
        client_fin = i;
      if (p->src == KNUTH && pf_packet_get_payload_length (p) == 5 && server_data < 0)
        server_data = i;
      if (p->src == KNUTH && fin && server_fin < 0)
        server_fin = i;
    }
  assert_true (client_fin >= 0);
  assert_true (server_data > client_fin);
  assert_true (server_fin >= server_data);
}

/* Two connections, interleaved: each echo lands in the step about its own
 * connection (issue 13: it landed in whatever step came next). */
static void
test_reply_in_own_step (void **state)
{
  g_autoptr(PfEngine) engine = run_steps (
    CONNECT ("a", 7)
    CONNECT ("b", 7)
    SEND ("a", "one")
    SEND ("b", "two")
    EXPECT ("a", "one") ","
    EXPECT ("b", "two"),
    PF_NETSPACE_MODE_LOOPBACK);
  g_autoptr(GArray) steps = deliver_steps (engine, "laptop");

  (void) state;
  assert_int_equal (pf_engine_get_n_failures (engine), 0);
  assert_int_equal (steps->len, 2);
  assert_int_equal (g_array_index (steps, int, 0), 4);
  assert_int_equal (g_array_index (steps, int, 1), 5);
}

/* A script service stuck on its dialogue says which line it waits for. */
static void
test_script_waiting (void **state)
{
  g_autoptr(PfEngine) engine = run_steps (
    CONNECT ("p", 110)
    EXPECT ("p", "+OK POP3 ready\\r\\n") ","
    SEND ("p", "USER ada\\r\\n")
    EXPECT ("p", "+OK\\r\\n") ","
    SEND ("p", "QUTI\\r\\n")
    EXPECT ("p", "+OK bye\\r\\n"),
    PF_NETSPACE_MODE_LOOPBACK);
  g_autofree char *errors = expect_errors (engine);

  (void) state;
  assert_int_equal (pf_engine_get_n_failures (engine), 1);
  assert_string_equal (errors, "Line 1: the client of “p” expected “+OK bye\\r\\n” but received “”; "
                               "the pop3 server is still waiting for “QUIT\\r\\n” (dialogue line 2); "
                               "it received “QUTI\\r\\n”.\n");
}

/* A "close" with "how": "reset" (issue 13), by either end, in both modes:
 * one RST from the end that closed, no FIN; the other end's program reads
 * the reset, which the scenario asked for, so the run has no failure;
 * both ends go to CLOSE, the resetting one from ESTABLISHED, with no
 * TIME_WAIT anywhere. */
static void
test_close_reset (void **state)
{
  (void) state;

  for (PfNetspaceMode mode = PF_NETSPACE_MODE_EXACT; mode <= PF_NETSPACE_MODE_LOOPBACK; mode++)
    for (PfSide side = PF_SIDE_CLIENT; side <= PF_SIDE_SERVER; side++)
      {
        g_autofree char *steps = g_strdup_printf (
          "{ \"narration\": \"n\", \"action\": \"connect\", \"id\": \"c1\", \"from\": \"laptop\","
          "  \"to\": \"knuth\", \"port\": 7 },"
          "{ \"narration\": \"n\", \"action\": \"send\", \"connection\": \"c1\", \"data\": \"hello\" },"
          "{ \"narration\": \"n\", \"action\": \"expect\", \"connection\": \"c1\", \"data\": \"hello\" },"
          "{ \"narration\": \"n\", \"action\": \"close\", \"connection\": \"c1\","
          "  \"side\": \"%s\", \"how\": \"reset\" }", pf_side_to_string (side));
        g_autoptr(PfEngine) engine = run_steps (steps, mode);
        g_autoptr(GPtrArray) all = segments_of_step (engine, -1);
        g_autoptr(GPtrArray) last = segments_of_step (engine, 3);
        PfTimeline *timeline = pf_engine_get_timeline (engine);
        const char *resetter = side == PF_SIDE_CLIENT ? "laptop" : "knuth";
        const char *other = side == PF_SIDE_CLIENT ? "knuth" : "laptop";
        PfNetspace *netspace = pf_engine_get_netspace (engine);
        PfIpv4 from = pf_netspace_map_address (netspace, side == PF_SIDE_CLIENT ? LAPTOP : KNUTH);
        PfIpv4 to = pf_netspace_map_address (netspace, side == PF_SIDE_CLIENT ? KNUTH : LAPTOP);
        guint resets = 0, other_resets = 0;
        PfEvent *event;

        assert_int_equal (pf_engine_get_n_failures (engine), 0);

        for (guint i = 0; i < all->len; i++)
          {
            PfPacket *p = g_ptr_array_index (all, i);

            assert_false (p->flags & PF_TCP_FIN);
            if (p->flags & PF_TCP_RST)
              {
                assert_segment (p, from, to, "RST,ACK", 0);
                /* Captured in exact mode, made by pf-tcp-model.c on lo,
                 * with the connection's window and timestamps both ways. */
                assert_int_equal (p->origin == PF_PACKET_ORIGIN_MODELLED,
                                  mode == PF_NETSPACE_MODE_LOOPBACK);
                assert_int_not_equal (p->window, 0);
                assert_true (p->has_timestamps);
                resets++;
              }
          }
        assert_int_equal (resets, 1);
        assert_true (last->len >= 1);
        assert_true (((PfPacket *) g_ptr_array_index (last, 0))->flags & PF_TCP_RST);

        for (guint i = 0; i < pf_timeline_get_n_events (timeline); i++)
          {
            event = pf_timeline_get_event (timeline, i);
            if (pf_event_get_kind (event) == PF_EVENT_STATE)
              assert_int_not_equal (pf_event_get_state (event), PF_TCP_STATE_TIME_WAIT);
            if (pf_event_get_kind (event) == PF_EVENT_ERROR &&
                pf_event_get_error_code (event) == PF_EVENT_ERROR_CODE_ECONNRESET)
              {
                assert_string_equal (pf_event_get_host_id (event), other);
                assert_true (pf_event_get_expected (event));
                other_resets++;
              }
          }
        assert_int_equal (other_resets, 1);

        event = last_state_of (engine, resetter);
        assert_non_null (event);
        assert_int_equal (pf_event_get_old_state (event), PF_TCP_STATE_ESTABLISHED);
        assert_int_equal (pf_event_get_state (event), PF_TCP_STATE_CLOSE);
        event = last_state_of (engine, other);
        assert_non_null (event);
        assert_int_equal (pf_event_get_state (event), PF_TCP_STATE_CLOSE);
      }
}

/* A connect after a stop step is refused, as the file says it will be:
 * recorded, not a failure; after a start step it connects. */
static void
test_refused_after_stop (void **state)
{
  g_autoptr(PfEngine) engine = run_steps (
    "{ \"narration\": \"n\", \"action\": \"stop\", \"host\": \"knuth\", \"port\": 7 },"
    CONNECT ("r", 7)
    "{ \"narration\": \"n\", \"action\": \"start\", \"host\": \"knuth\", \"port\": 7 },"
    CONNECT ("c", 7)
    SEND ("c", "back")
    EXPECT ("c", "back"),
    PF_NETSPACE_MODE_LOOPBACK);
  PfTimeline *timeline = pf_engine_get_timeline (engine);
  guint refused = 0;

  (void) state;
  for (guint i = 0; i < pf_timeline_get_n_events (timeline); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      if (pf_event_get_kind (event) == PF_EVENT_ERROR)
        {
          assert_int_equal (pf_event_get_error_code (event), PF_EVENT_ERROR_CODE_ECONNREFUSED);
          assert_int_equal (pf_event_get_step (event), 1);
          assert_true (pf_event_get_expected (event));
          refused++;
        }
    }
  assert_int_equal (refused, 1);
  assert_int_equal (pf_engine_get_n_failures (engine), 0);
}

/* Each run is a clean slate: no descriptor and no process outlives it. */
static void
test_nothing_left_behind (void **state)
{
  guint fds = pf_test_count_fds ();
  guint children = pf_test_count_children ();

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(PfEngine) engine = start_engine ("web", i % 2 ? PF_NETSPACE_MODE_LOOPBACK
                                                              : PF_NETSPACE_MODE_EXACT);

      assert_true (pf_engine_run (engine, NULL));
      assert_true (pf_test_count_fds () > fds || i % 2 == 1);
    }

  pf_test_wait_for_counts (fds, children, COUNTS_SETTLE_S);
}

static void
test_step_gated (void **state)
{
  g_autoptr(PfEngine) engine = start_engine ("web", PF_NETSPACE_MODE_LOOPBACK);
  PfTimeline *timeline = pf_engine_get_timeline (engine);
  guint before;

  /* Nothing runs until asked, however long the main loop spins. */
  before = pf_timeline_get_n_events (timeline);
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  assert_int_equal (pf_timeline_get_n_events (timeline), before);
  assert_int_equal (pf_timeline_count (timeline, PF_EVENT_SEGMENT, -1), 0);

  run_one_step (engine);
  assert_int_equal (pf_timeline_count (timeline, PF_EVENT_STEP, -1), 1);
  assert_int_equal (pf_timeline_count (timeline, PF_EVENT_SEGMENT, 0), 3);
  assert_int_equal (pf_timeline_count (timeline, PF_EVENT_SEGMENT, 1), 0);
  assert_false (pf_engine_is_finished (engine));

  while (!pf_engine_is_finished (engine))
    run_one_step (engine);
  assert_int_equal (pf_timeline_count (timeline, PF_EVENT_STEP, -1),
                    pf_engine_get_scenario (engine)->steps->len);
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  guint *n_added = user_data;

  assert_int_equal (removed, 0);
  *n_added += added;
}

static void
test_timeline_model (void **state)
{
  g_autoptr(PfTimeline) timeline = pf_timeline_new ();
  g_autoptr(PfEvent) step0 = pf_event_new_step (0, 0, "first");
  g_autoptr(PfEvent) step1 = pf_event_new_step (5, 1, "second");
  g_autoptr(PfPacket) packet = pf_packet_new_tcp (LAPTOP, 40000, KNUTH, 80, 1, 0,
                                                  PF_TCP_SYN, 65495, NULL, 0);
  g_autoptr(PfEvent) segment = pf_event_new_segment (7, 1, packet);
  g_autoptr(PfEvent) item = NULL;
  guint n_added = 0;

  g_signal_connect (timeline, "items-changed", G_CALLBACK (on_items_changed), &n_added);
  pf_timeline_append (timeline, step0);
  pf_timeline_append (timeline, step1);
  pf_timeline_append (timeline, segment);

  assert_int_equal (n_added, 3);
  assert_int_equal (g_list_model_get_n_items (G_LIST_MODEL (timeline)), 3);
  assert_true (g_list_model_get_item_type (G_LIST_MODEL (timeline)) == PF_TYPE_EVENT);
  item = g_list_model_get_item (G_LIST_MODEL (timeline), 2);
  assert_ptr_equal (item, segment);
  assert_null (g_list_model_get_item (G_LIST_MODEL (timeline), 3));

  assert_int_equal (pf_timeline_count (timeline, PF_EVENT_STEP, -1), 2);
  assert_int_equal (pf_timeline_count (timeline, PF_EVENT_SEGMENT, 1), 1);
  assert_int_equal (pf_timeline_count (timeline, PF_EVENT_SEGMENT, 0), 0);
  assert_int_equal (pf_timeline_get_step_start (timeline, 1), 1);
  assert_int_equal (pf_timeline_get_step_start (timeline, 2), 3);

  g_signal_handlers_disconnect_by_func (timeline, on_items_changed, &n_added);
  pf_timeline_clear (timeline);
  assert_int_equal (g_list_model_get_n_items (G_LIST_MODEL (timeline)), 0);
}

static void
test_tcp_model_rules (void **state)
{
  PfFourTuple tuple = pf_four_tuple_init (0x7F000002, 40000, 0x7FCBC447, 8080);
  g_autoptr(PfTcpModel) model = pf_tcp_model_new (&tuple);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_packet_unref);
  static const struct { const char *flags; guint32 seq, ack; guint len; gboolean forward; } want[] = {
    { "SYN",     0, 0, 0, TRUE },
    { "SYN,ACK", 0, 1, 0, FALSE },
    { "ACK",     1, 1, 0, TRUE },
    /* 250 bytes with an MSS of 100: three segments, PSH on the last. */
    { "ACK",     1, 1, 100, TRUE },
    { "ACK",     1, 101, 0, FALSE },
    { "ACK",     101, 1, 100, TRUE },
    { "ACK",     1, 201, 0, FALSE },
    { "PSH,ACK", 201, 1, 50, TRUE },
    { "ACK",     1, 251, 0, FALSE },
    { "FIN,ACK", 1, 251, 0, FALSE },
    { "ACK",     251, 2, 0, TRUE },
  };
  static const guint8 data[250] = { 0 };
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, sizeof data);

  pf_tcp_model_handshake (model, &(PfTcpModelOptions) {
                            .timestamps = TRUE, .sack = TRUE,
                            .client_wscale = 7, .server_wscale = 10, .client_mss = 536 }, out);
  pf_tcp_model_data (model, PF_TCP_MODEL_CLIENT, bytes, 100, out);
  pf_tcp_model_fin (model, PF_TCP_MODEL_SERVER, out);

  assert_int_equal (out->len, G_N_ELEMENTS (want));
  for (guint i = 0; i < out->len; i++)
    {
      PfPacket *p = g_ptr_array_index (out, i);
      g_autofree char *flags = pf_packet_flags_to_string (p->flags);

      assert_string_equal (flags, want[i].flags);
      assert_int_equal (p->seq, want[i].seq);
      assert_int_equal (p->ack, want[i].ack);
      assert_int_equal (pf_packet_get_payload_length (p), want[i].len);
      assert_int_equal (p->src == tuple.src.address, want[i].forward);
      assert_int_equal (p->origin, PF_PACKET_ORIGIN_MODELLED);
    }

  /* Each end announces its own MSS; the option counts no TCP options. A
   * client with TCP_MAXSEG 536 says 548, lo's server 65495. */
  assert_int_equal (((PfPacket *) g_ptr_array_index (out, 0))->mss, 548);
  assert_int_equal (((PfPacket *) g_ptr_array_index (out, 1))->mss, 65495);
  assert_int_equal (((PfPacket *) g_ptr_array_index (out, 0))->wscale, 7);
  assert_int_equal (((PfPacket *) g_ptr_array_index (out, 1))->wscale, 10);
  /* 64 KiB through each end's own scale. */
  assert_int_equal (((PfPacket *) g_ptr_array_index (out, 2))->window, 512);
  assert_int_equal (((PfPacket *) g_ptr_array_index (out, 4))->window, 64);
  assert_true (((PfPacket *) g_ptr_array_index (out, 2))->has_timestamps);
}

static void
test_trace_line (void **state)
{
  g_autoptr(PfPacket) packet = pf_packet_new_tcp (LAPTOP, 40000, KNUTH, 80, 1, 1,
                                                  PF_TCP_PSH | PF_TCP_ACK, 512,
                                                  (const guint8 *) "GET /\r\n", 7);
  g_autoptr(PfEvent) event = pf_event_new_segment (1234, 2, packet);
  g_autofree char *line = pf_trace_format_event (event);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  assert_null (strchr (line, '\n'));
  assert_true (json_parser_load_from_data (parser, line, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));

  assert_int_equal (json_object_get_int_member (object, "t"), 1234);
  /* PfEvent's step 2 is the window's (and the trace's) step 3. */
  assert_int_equal (json_object_get_int_member (object, "step"), 3);
  assert_string_equal (json_object_get_string_member (object, "kind"), "segment");
  assert_string_equal (json_object_get_string_member (object, "proto"), "tcp");
  assert_string_equal (json_object_get_string_member (object, "src"), "10.0.0.2:40000");
  assert_string_equal (json_object_get_string_member (object, "dst"), "192.203.196.71:80");
  assert_string_equal (json_object_get_string_member (object, "flags"), "PSH,ACK");
  assert_int_equal (json_object_get_int_member (object, "seq"), 1);
  assert_int_equal (json_object_get_int_member (object, "len"), 7);
  assert_string_equal (json_object_get_string_member (object, "origin"), "modelled");
  assert_string_equal (json_object_get_string_member (object, "kind_of_segment"), "data");
  /* Escaped once: the string holds a real CR LF. */
  assert_string_equal (json_object_get_string_member (object, "payload"), "GET /\r\n");
}

/* Every error code: its nick is what the trace has always written, the
 * old string getter returns it, it reads back as the code, and it has a
 * label; nothing else is a nick. */
static void
test_error_codes (void **state)
{
  static const struct { PfEventErrorCode code; const char *nick; } codes[] = {
    { PF_EVENT_ERROR_CODE_ECONNREFUSED, "ECONNREFUSED" },
    { PF_EVENT_ERROR_CODE_ECONNRESET, "ECONNRESET" },
    { PF_EVENT_ERROR_CODE_ENOTCONN, "ENOTCONN" },
    { PF_EVENT_ERROR_CODE_ETIMEDOUT, "ETIMEDOUT" },
    { PF_EVENT_ERROR_CODE_ESOCKET, "ESOCKET" },
    { PF_EVENT_ERROR_CODE_ESEND, "ESEND" },
    { PF_EVENT_ERROR_CODE_EDNS, "EDNS" },
    { PF_EVENT_ERROR_CODE_EXPECT, "EXPECT" },
    { PF_EVENT_ERROR_CODE_CAPTURE, "CAPTURE" },
    { PF_EVENT_ERROR_CODE_OTHER, "ERROR" },
  };
  static const char *not_nicks[] = {
    "", "econnrefused", "ECONNREFUSED ", "OTHER", "EFOO", "PF_EVENT_ERROR_CODE_EDNS",
  };
  g_autoptr(GEnumClass) klass = g_type_class_ref (PF_TYPE_EVENT_ERROR_CODE);
  g_autoptr(PfEvent) step = pf_event_new_step (0, 0, "A step.");
  PfFourTuple tuple = pf_four_tuple_init (LAPTOP, 40000, KNUTH, 80);
  int value = -1;

  (void) state;
  assert_int_equal (klass->n_values, G_N_ELEMENTS (codes));
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      g_autoptr(PfEvent) event = pf_event_new_error (1234, 2, "laptop", &tuple,
                                                     codes[i].code, "It went wrong.");
      g_autofree char *line = pf_trace_format_event (event);
      g_autoptr(JsonParser) parser = json_parser_new ();
      const char *label = pf_event_error_code_to_label (codes[i].code);
      JsonObject *object;

      assert_string_equal (pf_enum_to_nick (PF_TYPE_EVENT_ERROR_CODE, codes[i].code),
                           codes[i].nick);
      assert_true (pf_enum_from_nick (PF_TYPE_EVENT_ERROR_CODE, codes[i].nick, &value));
      assert_int_equal (value, codes[i].code);
      assert_non_null (label);
      assert_true (label[0] != '\0');
      assert_string_not_equal (label, codes[i].nick);

      assert_int_equal (pf_event_get_error_code (event), codes[i].code);
      assert_string_equal (pf_event_get_code (event), codes[i].nick);
      assert_true (json_parser_load_from_data (parser, line, -1, NULL));
      object = json_node_get_object (json_parser_get_root (parser));
      assert_string_equal (json_object_get_string_member (object, "kind"), "error");
      assert_string_equal (json_object_get_string_member (object, "code"), codes[i].nick);
      assert_string_equal (json_object_get_string_member (object, "message"), "It went wrong.");
    }

  assert_null (pf_event_get_code (step));
  for (guint i = 0; i < G_N_ELEMENTS (not_nicks); i++)
    {
      value = -1;
      assert_false (pf_enum_from_nick (PF_TYPE_EVENT_ERROR_CODE, not_nicks[i], &value));
      assert_int_equal (value, -1);
    }
  assert_null (pf_enum_to_nick (PF_TYPE_EVENT_ERROR_CODE, G_N_ELEMENTS (codes)));
}

static void
test_trace_writer_leaves_nothing_on_failure (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pf-trace-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "trace.jsonl", NULL);
  g_autofree char *missing = g_build_filename (dir, "no", "such", "trace.jsonl", NULL);
  g_autoptr(PfEvent) event = pf_event_new_step (0, 0, "hello");
  PfTraceWriter *writer;
  g_autofree char *contents = NULL;

  /* Dropped without close: nothing at the path, no temporary left. */
  writer = pf_trace_writer_new (path, &error);
  assert_non_null (writer);
  assert_true (pf_trace_writer_write (writer, event, &error));
  pf_trace_writer_free (writer);
  assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  assert_int_equal (g_rmdir (dir), 0);
  assert_int_equal (g_mkdir (dir, 0700), 0);

  writer = pf_trace_writer_new (missing, &error);
  assert_null (writer);
  assert_non_null (error);
  assert_non_null (strstr (error->message, missing));
  g_clear_error (&error);

  writer = pf_trace_writer_new (path, &error);
  assert_true (pf_trace_writer_write (writer, event, &error));
  assert_true (pf_trace_writer_close (writer, &error));
  pf_trace_writer_free (writer);
  assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  assert_true (g_str_has_suffix (contents, "\"narration\":\"hello\"}\n"));
  g_unlink (path);
  g_rmdir (dir);
}

/* A device is written in place, never replaced by a rename: as root, a
 * trace to /dev/null must leave /dev/null a device. */
static void
test_trace_writer_device (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfEvent) event = pf_event_new_step (0, 0, "hello");
  PfTraceWriter *writer;
  GStatBuf st;

  writer = pf_trace_writer_new ("/dev/null", &error);
  assert_non_null (writer);
  assert_true (pf_trace_writer_write (writer, event, &error));
  assert_true (pf_trace_writer_close (writer, &error));
  pf_trace_writer_free (writer);
  assert_null (error);

  assert_int_equal (g_stat ("/dev/null", &st), 0);
  assert_true (S_ISCHR (st.st_mode));
}

/* A UDP socket is recorded when it is bound, before its first datagram:
 * dns's resolver at the start of the run, the laptop's at its first step. */
static guint
count_udp_bound (PfEngine   *engine,
                 const char *host)
{
  PfTimeline *timeline = pf_engine_get_timeline (engine);
  guint n = 0;

  for (guint i = 0; i < pf_timeline_get_n_events (timeline); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      if (pf_event_get_kind (event) == PF_EVENT_STATE &&
          g_strcmp0 (pf_event_get_protocol (event), "udp") == 0 &&
          g_strcmp0 (pf_event_get_host_id (event), host) == 0)
        {
          assert_int_equal (pf_event_get_old_state (event), PF_TCP_STATE_NONE);
          assert_int_equal (pf_event_get_state (event), PF_TCP_STATE_CLOSE);
          assert_int_not_equal (pf_event_get_tuple (event)->src.port, 0);
          assert_int_equal (pf_event_get_tuple (event)->dst.port, 0);
          n++;
        }
    }
  return n;
}

static void
test_udp_bound (void **state)
{
  g_autoptr(PfEngine) engine = start_engine ("dns", PF_NETSPACE_MODE_LOOPBACK);

  assert_int_equal (count_udp_bound (engine, "resolver"), 1);
  assert_int_equal (count_udp_bound (engine, "laptop"), 0);
  run_one_step (engine);
  assert_int_equal (count_udp_bound (engine, "resolver"), 1);
  assert_int_equal (count_udp_bound (engine, "laptop"), 1);
  pf_engine_stop (engine);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_timeline_model),
    cmocka_unit_test (test_tcp_model_rules),
    cmocka_unit_test (test_trace_line),
    cmocka_unit_test (test_error_codes),
    cmocka_unit_test (test_trace_writer_leaves_nothing_on_failure),
    cmocka_unit_test (test_trace_writer_device),
    cmocka_unit_test (test_handshake_exact),
    cmocka_unit_test (test_web_loopback_modelled),
    cmocka_unit_test (test_model_matches_capture),
    cmocka_unit_test (test_time_wait_on_closer),
    cmocka_unit_test (test_every_state_exact),
    cmocka_unit_test (test_frames_on_the_wire),
    cmocka_unit_test (test_udp_bound),
    cmocka_unit_test (test_refused),
    cmocka_unit_test (test_udp_datagrams),
    cmocka_unit_test (test_half_close),
    cmocka_unit_test (test_reply_in_own_step),
    cmocka_unit_test (test_script_waiting),
    cmocka_unit_test (test_refused_after_stop),
    cmocka_unit_test (test_close_reset),
    cmocka_unit_test (test_burst_whole),
    cmocka_unit_test (test_runs_repeat),
    cmocka_unit_test (test_step_gated),
    cmocka_unit_test (test_nothing_left_behind),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
