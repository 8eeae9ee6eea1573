/* test-ladder.c: the sequence diagram follows the player
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pf-test-gtk-util.h"

#include <gtk/gtk.h>
#include <string.h>

#include "pf-builtin.h"
#include "pf-ladder-private.h"
#include "pf-player.h"
#include "pf-test-network.h"

static PfNetspaceMode exact = PF_NETSPACE_MODE_EXACT;
static PfNetspaceMode loopback = PF_NETSPACE_MODE_LOOPBACK;

typedef struct
{
  PfPlayer  *player;
  GtkWidget *window;
  GtkWidget *box;
  GtkWidget *scrolled;
  PfLadder  *ladder;
  gpointer   weak_ladder;
} Fixture;

/* As long as these tests have always waited: twice PF_TEST_TIMEOUT_S. */
#define TIMEOUT_S 20

static gboolean
animation_done (gpointer ladder)
{
  return !pf_ladder_get_animating (ladder);
}

static void
step_forward (Fixture *f)
{
  assert_true (pf_player_can_step_forward (f->player));
  pf_player_step_forward (f->player);
  pf_test_wait_idle (f->player, TIMEOUT_S);
}

/* The newest segment in [0, position), as the ladder should highlight it. */
static int
last_segment (PfPlayer *player)
{
  PfTimeline *timeline = pf_player_get_timeline (player);

  for (guint i = pf_player_get_position (player); i > 0; i--)
    if (pf_event_get_kind (pf_timeline_get_event (timeline, i - 1)) == PF_EVENT_SEGMENT)
      return i - 1;
  return -1;
}

static guint
segments_shown (PfPlayer *player)
{
  PfTimeline *timeline = pf_player_get_timeline (player);
  guint n = 0;

  for (guint i = 0; i < pf_player_get_position (player); i++)
    n += pf_event_get_kind (pf_timeline_get_event (timeline, i)) == PF_EVENT_SEGMENT;
  return n;
}

/* The segments in [0, position) whose packet is of @kind. */
static guint
kind_shown (PfPlayer     *player,
            PfPacketKind  kind)
{
  PfTimeline *timeline = pf_player_get_timeline (player);
  guint n = 0;

  for (guint i = 0; i < pf_player_get_position (player); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      n += pf_event_get_kind (event) == PF_EVENT_SEGMENT &&
           pf_packet_get_kind (pf_event_get_packet (event)) == kind;
    }
  return n;
}

/* Web's first step: the handshake's three segments; in exact mode on
 * the wire, the ARP request and reply before the SYN, two more arrows
 * (loopback mode models no ARP). */
static guint
handshake_arrows (PfPlayer *player)
{
  PfNetspaceMode mode = pf_netspace_get_mode (pf_engine_get_netspace (pf_player_get_engine (player)));

  return mode == PF_NETSPACE_MODE_EXACT ? 5 : 3;
}

static void
assert_handshake_arrows (Fixture *f)
{
  gboolean on_wire = handshake_arrows (f->player) == 5;

  assert_int_equal (pf_ladder_get_n_arrows (f->ladder), handshake_arrows (f->player));
  assert_int_equal (kind_shown (f->player, PF_PACKET_KIND_ARP), on_wire ? 2 : 0);
  /* SYN and SYN-ACK, then the ACK. */
  assert_int_equal (kind_shown (f->player, PF_PACKET_KIND_HANDSHAKE), 2);
  assert_int_equal (kind_shown (f->player, PF_PACKET_KIND_ACK), 1);
}

static int
setup (void **state)
{
  PfNetspaceMode mode = *(PfNetspaceMode *) *state;
  Fixture *f = g_new0 (Fixture, 1);

  f->player = pf_test_player_new_builtin ("web", mode);
  /* The animation follows the speed: quicker tests. */
  pf_player_set_speed (f->player, PF_PLAYER_MAX_SPEED);

  f->window = gtk_window_new ();
  f->box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  f->scrolled = gtk_scrolled_window_new ();
  f->ladder = PF_LADDER (pf_ladder_new ());
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (f->scrolled),
                                  GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (f->scrolled), GTK_WIDGET (f->ladder));
  gtk_widget_set_hexpand (f->scrolled, TRUE);
  gtk_box_append (GTK_BOX (f->box), f->scrolled);
  gtk_window_set_child (GTK_WINDOW (f->window), f->box);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 520, 420);
  g_object_set (f->ladder, "player", f->player, NULL);

  f->weak_ladder = f->ladder;
  g_object_add_weak_pointer (G_OBJECT (f->ladder), &f->weak_ladder);
  gtk_window_present (GTK_WINDOW (f->window));
  pf_test_iterate_until_timeout (pf_test_widget_is_mapped, f->ladder, TIMEOUT_S);
  pf_test_assert_renderer (GTK_WIDGET (f->ladder));

  *state = f;
  return 0;
}

/* Closing the window finalizes the ladder; the player lives on and may
 * move without it. */
static int
teardown (void **state)
{
  Fixture *f = *state;

  gtk_window_destroy (GTK_WINDOW (f->window));
  pf_test_iterate_until_timeout (pf_test_is_null, &f->weak_ladder, TIMEOUT_S);

  if (pf_player_can_step_back (f->player))
    pf_player_step_back (f->player);
  pf_player_set_selected (f->player, NULL);
  g_object_unref (f->player);
  g_free (f);
  return 0;
}

static void
test_handshake_back_and_forward (void **state)
{
  Fixture *f = *state;
  PfTimeline *timeline = pf_player_get_timeline (f->player);
  int last;

  /* Before the first step: the listening sockets, no arrow. */
  assert_int_equal (pf_ladder_get_n_arrows (f->ladder), 0);
  assert_int_equal (pf_ladder_get_highlighted (f->ladder), -1);

  step_forward (f);
  assert_handshake_arrows (f);
  assert_int_equal (pf_timeline_count (timeline, PF_EVENT_SEGMENT, 0), handshake_arrows (f->player));
  pf_test_iterate_until_timeout (animation_done, f->ladder, TIMEOUT_S);
  last = last_segment (f->player);
  assert_true (last > 0);
  assert_int_equal (pf_ladder_get_highlighted (f->ladder), last);

  pf_player_step_back (f->player);
  assert_int_equal (pf_player_get_step (f->player), -1);
  assert_int_equal (pf_ladder_get_n_arrows (f->ladder), 0);
  assert_int_equal (pf_ladder_get_highlighted (f->ladder), -1);
  assert_false (pf_ladder_get_animating (f->ladder));

  /* Forward again replays the history: the same arrows, animated
   * again, one after the other, the last one highlighted when it moves. */
  pf_player_step_forward (f->player);
  assert_false (pf_player_get_busy (f->player));
  assert_handshake_arrows (f);
  assert_true (pf_ladder_get_animating (f->ladder));
  assert_int_not_equal (pf_ladder_get_highlighted (f->ladder), last);
  pf_test_iterate_until_timeout (animation_done, f->ladder, TIMEOUT_S);
  assert_int_equal (pf_ladder_get_highlighted (f->ladder), last);
}

static void
test_full_run (void **state)
{
  Fixture *f = *state;
  PfTimeline *timeline = pf_player_get_timeline (f->player);
  guint previous = 0;

  while (pf_player_can_step_forward (f->player))
    {
      step_forward (f);
      assert_true (pf_ladder_get_n_arrows (f->ladder) > previous);
      assert_int_equal (pf_ladder_get_n_arrows (f->ladder), segments_shown (f->player));
      previous = pf_ladder_get_n_arrows (f->ladder);
    }
  pf_test_iterate_until_timeout (animation_done, f->ladder, TIMEOUT_S);

  /* Late segments (a delayed ACK) join the last step's history. */
  assert_int_equal (pf_player_get_position (f->player), pf_timeline_get_n_events (timeline));
  assert_int_equal (pf_ladder_get_n_arrows (f->ladder),
                    pf_timeline_count (timeline, PF_EVENT_SEGMENT, -1));
  assert_true (pf_ladder_get_n_arrows (f->ladder) >= 9);
  assert_int_equal (pf_ladder_get_highlighted (f->ladder), last_segment (f->player));
}

/* The run is taller than the window: the newest arrow was scrolled into
 * view, the first one out of it. */
static void
test_follows_newest (void **state)
{
  Fixture *f = *state;
  GtkAdjustment *vadjustment;
  graphene_rect_t bounds;
  int height = 0;

  while (pf_player_can_step_forward (f->player))
    step_forward (f);
  pf_test_iterate_until_timeout (animation_done, f->ladder, TIMEOUT_S);
  g_main_context_iteration (NULL, FALSE);

  vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (f->ladder));
  height = gtk_widget_get_height (GTK_WIDGET (f->ladder));
  assert_true (gtk_adjustment_get_upper (vadjustment) > gtk_adjustment_get_page_size (vadjustment));
  assert_true (gtk_adjustment_get_value (vadjustment) > 0);

  assert_true (pf_ladder_get_arrow_bounds (f->ladder, last_segment (f->player), &bounds));
  assert_true (bounds.origin.y >= 0);
  assert_true (bounds.origin.y + bounds.size.height <= height);

  /* Selecting the first arrow from elsewhere brings it back into view. */
  for (guint i = 0; i < pf_player_get_position (f->player); i++)
    {
      PfEvent *event = pf_timeline_get_event (pf_player_get_timeline (f->player), i);

      if (pf_event_get_kind (event) != PF_EVENT_SEGMENT)
        continue;
      assert_true (pf_ladder_get_arrow_bounds (f->ladder, i, &bounds));
      assert_true (bounds.origin.y < 0);
      pf_player_set_selected (f->player, event);
      assert_true (pf_ladder_get_arrow_bounds (f->ladder, i, &bounds));
      assert_true (bounds.origin.y >= 0);
      break;
    }
}

static void
test_click_selects (void **state)
{
  Fixture *f = *state;
  PfTimeline *timeline = pf_player_get_timeline (f->player);
  graphene_rect_t bounds;
  guint first_syn = pf_timeline_get_step_start (timeline, 0);
  int last;
  double x, y;

  step_forward (f);
  pf_test_iterate_until_timeout (animation_done, f->ladder, TIMEOUT_S);
  /* The SYN, not the ARP before it in exact mode. */
  while (pf_event_get_kind (pf_timeline_get_event (timeline, first_syn)) != PF_EVENT_SEGMENT ||
         pf_packet_get_kind (pf_event_get_packet (pf_timeline_get_event (timeline, first_syn))) !=
           PF_PACKET_KIND_HANDSHAKE)
    first_syn++;

  /* Hit-testing the middle of an arrow finds it; a click there selects
   * its segment for every view. */
  assert_true (pf_ladder_get_arrow_bounds (f->ladder, first_syn, &bounds));
  x = bounds.origin.x + bounds.size.width / 2;
  y = bounds.origin.y + bounds.size.height / 2;
  assert_int_equal (pf_ladder_hit_test (f->ladder, x, y), first_syn);
  assert_true (pf_ladder_select_at (f->ladder, x, y));
  assert_ptr_equal (pf_player_get_selected (f->player),
                    pf_timeline_get_event (timeline, first_syn));

  /* The header is not an arrow: a click there clears the selection. */
  assert_int_equal (pf_ladder_hit_test (f->ladder, x, 2), -1);
  assert_false (pf_ladder_select_at (f->ladder, x, 2));
  assert_null (pf_player_get_selected (f->player));

  /* Far left of both lifelines, nothing either. */
  assert_int_equal (pf_ladder_hit_test (f->ladder, 0, y), -1);

  /* An arrow of the replayed step is not there before it starts moving. */
  last = last_segment (f->player);
  pf_player_step_back (f->player);
  pf_player_step_forward (f->player);
  assert_true (pf_ladder_get_animating (f->ladder));
  assert_true (pf_ladder_get_arrow_bounds (f->ladder, last, &bounds));
  assert_int_equal (pf_ladder_hit_test (f->ladder, bounds.origin.x + bounds.size.width / 2,
                                        bounds.origin.y + bounds.size.height / 2), -1);
  pf_test_iterate_until_timeout (animation_done, f->ladder, TIMEOUT_S);
  /* Once it moved the ladder followed it: with the ARP of exact mode the
   * step is taller than the window, the arrow was scrolled into view. */
  assert_true (pf_ladder_get_arrow_bounds (f->ladder, last, &bounds));
  assert_true (bounds.origin.y + bounds.size.height <= gtk_widget_get_height (GTK_WIDGET (f->ladder)));
  assert_int_equal (pf_ladder_hit_test (f->ladder, bounds.origin.x + bounds.size.width / 2,
                                        bounds.origin.y + bounds.size.height / 2), last);
}

static void
test_zoom (void **state)
{
  Fixture *f = *state;
  graphene_rect_t one, two;
  int first;

  step_forward (f);
  pf_test_iterate_until_timeout (animation_done, f->ladder, TIMEOUT_S);
  first = pf_timeline_get_step_start (pf_player_get_timeline (f->player), 0);
  while (pf_event_get_kind (pf_timeline_get_event (pf_player_get_timeline (f->player), first)) !=
         PF_EVENT_SEGMENT)
    first++;

  assert_true (pf_ladder_get_arrow_bounds (f->ladder, first, &one));
  pf_view_set_zoom (PF_VIEW (f->ladder), 2.0);
  assert_true (pf_ladder_get_arrow_bounds (f->ladder, first, &two));
  assert_float_equal (two.size.height, one.size.height * 2, 0.01);

  g_object_set (f->ladder, "zoom", 3.0, NULL);
  pf_view_set_zoom (PF_VIEW (f->ladder), 10.0);
  assert_float_equal (pf_view_get_zoom (PF_VIEW (f->ladder)), PF_VIEW_MAX_ZOOM, 1e-9);
  pf_view_set_zoom (PF_VIEW (f->ladder), 0.1);
  assert_float_equal (pf_view_get_zoom (PF_VIEW (f->ladder)), PF_VIEW_MIN_ZOOM, 1e-9);
}

/* A fresh run on the same player starts an empty diagram. */
static void
test_restart (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;

  step_forward (f);
  assert_handshake_arrows (f);
  assert_true (pf_player_restart (f->player, &error));
  assert_null (error);
  assert_int_equal (pf_ladder_get_n_arrows (f->ladder), 0);
  assert_int_equal (pf_ladder_get_highlighted (f->ladder), -1);
  step_forward (f);
  assert_handshake_arrows (f);
}

/* A UDP socket's one state event is its bind: the ladder names the port
 * it listens on, never the kernel's CLOSE, which would read as a closed
 * connection. */
static void
test_udp_bind_mark (void **state)
{
  Fixture *f = *state;
  PfNetspace *netspace = pf_engine_get_netspace (pf_player_get_engine (f->player));
  PfNetspaceMode mode = pf_netspace_get_mode (netspace);
  g_autoptr(PfPlayer) dns = NULL;
  gboolean bound = FALSE;

  /* One run at a time: in loopback mode both would bind 127.x addresses. */
  pf_player_unload (f->player);
  dns = pf_test_player_new_builtin ("dns", mode);
  pf_view_set_player (PF_VIEW (f->ladder), dns);
  pf_test_settle ();

  for (guint i = 0; i < f->ladder->rows->len; i++)
    {
      Row *row = g_ptr_array_index (f->ladder->rows, i);

      for (guint j = 0; row->kind == ROW_MARKS && j < row->marks->len; j++)
        {
          Mark *mark = &g_array_index (row->marks, Mark, j);

          if (g_strcmp0 (pf_event_get_protocol (mark->event), "udp") != 0)
            continue;
          assert_string_not_equal (mark->text, "CLOSE");
          /* In loopback mode with the kernel's port: "UDP :53 (here 8053)". */
          bound |= g_str_has_prefix (mark->text, "UDP :53");
        }
    }
  assert_true (bound);
}

static void
run_all (PfPlayer *player)
{
  while (pf_player_can_step_forward (player))
    {
      pf_player_step_forward (player);
      pf_test_wait_idle (player, TIMEOUT_S);
    }
  pf_test_settle ();
}

/* The timeline position of the first segment of IP protocol @protocol
 * at or after @from, or -1. */
static int
find_segment (PfPlayer *player,
              guint8    protocol,
              guint     from)
{
  PfTimeline *timeline = pf_player_get_timeline (player);

  for (guint i = from; i < pf_player_get_position (player); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      if (pf_event_get_kind (event) == PF_EVENT_SEGMENT &&
          pf_event_get_packet (event)->protocol == protocol)
        return i;
    }
  return -1;
}

/* DNS and HTTP in words under their arrows, not as escaped bytes; in
 * loopback mode too, where the kernel's ports are not 53 and 80. */
static void
test_application_words (void **state)
{
  Fixture *f = *state;
  PfNetspaceMode mode = pf_netspace_get_mode (pf_engine_get_netspace (pf_player_get_engine (f->player)));
  g_autoptr(PfPlayer) dns = NULL;
  const char *label = NULL, *excerpt = NULL;
  int query, response;
  guint n_get = 0;

  pf_player_unload (f->player);
  dns = pf_test_player_new_builtin ("dns", mode);
  pf_view_set_player (PF_VIEW (f->ladder), dns);
  run_all (dns);

  query = find_segment (dns, PF_IP_PROTOCOL_UDP, 0);
  assert_true (query >= 0);
  response = find_segment (dns, PF_IP_PROTOCOL_UDP, query + 1);
  assert_true (response > query);

  assert_true (pf_ladder_get_arrow_text (f->ladder, query, &label, &excerpt));
  assert_non_null (excerpt);
  /* In the few words the ladder has room for: the name asked, the
   * address answered, whole (the packet list has tshark's whole line). */
  assert_string_equal (excerpt, "query A knuth.luther.edu");
  assert_true (pf_ladder_get_arrow_text (f->ladder, response, &label, &excerpt));
  assert_string_equal (excerpt, "answer A 192.203.196.71");

  for (int i = find_segment (dns, PF_IP_PROTOCOL_TCP, 0); i >= 0;
       i = find_segment (dns, PF_IP_PROTOCOL_TCP, i + 1))
    {
      assert_true (pf_ladder_get_arrow_text (f->ladder, i, &label, &excerpt));
      n_get += g_strcmp0 (excerpt, "GET / HTTP/1.1") == 0;
    }
  assert_int_equal (n_get, 1);
  pf_view_set_player (PF_VIEW (f->ladder), NULL);
}

/* An ICMP port unreachable in words, and tied to the datagram it quotes:
 * selecting one bands the other. Exact mode only: loopback mode models
 * no ICMP. */
static void
test_icmp_related (void **state)
{
  Fixture *f = *state;
  g_autoptr(PfPlayer) icmp_run = NULL;
  g_autofree char *about = NULL;
  const char *label = NULL, *excerpt = NULL;
  PfTimeline *timeline;
  PfPacket *datagram;
  int udp, icmp;

  pf_player_unload (f->player);
  icmp_run = pf_test_player_new_file ("tests/scenarios/icmp-unreachable.pflow.json",
                                      PF_NETSPACE_MODE_EXACT);
  pf_view_set_player (PF_VIEW (f->ladder), icmp_run);
  run_all (icmp_run);
  timeline = pf_player_get_timeline (icmp_run);

  udp = find_segment (icmp_run, PF_IP_PROTOCOL_UDP, 0);
  icmp = find_segment (icmp_run, PF_IP_PROTOCOL_ICMP, 0);
  assert_true (udp >= 0);
  assert_true (icmp > udp);
  datagram = pf_event_get_packet (pf_timeline_get_event (timeline, udp));

  assert_true (pf_ladder_get_arrow_text (f->ladder, icmp, &label, &excerpt));
  assert_string_equal (label, "ICMP Destination unreachable (Port unreachable)");
  about = g_strdup_printf ("about UDP 10.0.0.2:%u → 10.0.0.7:9", datagram->sport);
  assert_string_equal (excerpt, about);
  /* Its own colour, and its tooltip names addresses, no ports. */
  assert_int_equal (pf_ladder_arrow_row (f->ladder, icmp)->color, PF_PACKET_KIND_ICMP);
  assert_non_null (strstr (pf_ladder_arrow_row (f->ladder, icmp)->tooltip, "\n10.0.0.7 → 10.0.0.2\n"));
  assert_null (strstr (pf_ladder_arrow_row (f->ladder, icmp)->tooltip, ":0"));

  assert_false (pf_ladder_get_arrow_related (f->ladder, udp));
  assert_false (pf_ladder_get_arrow_related (f->ladder, icmp));
  pf_player_set_selected (icmp_run, pf_timeline_get_event (timeline, icmp));
  assert_true (pf_ladder_get_arrow_related (f->ladder, udp));
  assert_false (pf_ladder_get_arrow_related (f->ladder, icmp));
  pf_player_set_selected (icmp_run, pf_timeline_get_event (timeline, udp));
  assert_true (pf_ladder_get_arrow_related (f->ladder, icmp));
  assert_false (pf_ladder_get_arrow_related (f->ladder, udp));
  pf_test_settle ();
  pf_player_set_selected (icmp_run, NULL);
  assert_false (pf_ladder_get_arrow_related (f->ladder, icmp));
  pf_view_set_player (PF_VIEW (f->ladder), NULL);
}


static int
lane_of (PfLadder   *ladder,
         const char *id)
{
  for (guint i = 0; i < pf_ladder_get_n_lanes (ladder); i++)
    if (g_strcmp0 (pf_ladder_get_lane_id (ladder, i), id) == 0)
      return i;
  return -1;
}

static void
assert_arrow (PfLadder   *ladder,
              guint       index,
              guint       nth,
              const char *from,
              const char *to)
{
  int src, dst;

  assert_true (pf_ladder_get_arrow_lanes (ladder, index, nth, &src, &dst, NULL));
  assert_int_equal (src, lane_of (ladder, from));
  assert_int_equal (dst, lane_of (ladder, to));
}

/* A network of two links and a router: the router is a lane, an ARP
 * request an arrow to each host of its link, each hop an arrow; routers
 * hidden, a packet through one is one arrow "via" it. Selecting one hop
 * marks the other. */
static void
test_network (void **state)
{
  guint first;
  g_autoptr(PfPlayer) player = pf_test_network_player_new (&first);
  GtkWidget *window = gtk_window_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  PfLadder *ladder = PF_LADDER (pf_ladder_new ());
  PfTimeline *timeline = pf_player_get_timeline (player);
  gboolean shown = FALSE;
  const char *label = NULL;
  int src, dst;

  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (ladder));
  gtk_window_set_child (GTK_WINDOW (window), scrolled);
  gtk_window_set_default_size (GTK_WINDOW (window), 720, 420);
  g_object_set (ladder, "player", player, NULL);
  gtk_window_present (GTK_WINDOW (window));
  pf_test_iterate_until_timeout (pf_test_widget_is_mapped, ladder, TIMEOUT_S);

  /* Routers shown, by default: four lanes, the router's among them. */
  g_object_get (ladder, "show-routers", &shown, NULL);
  assert_true (shown);
  assert_int_equal (pf_ladder_get_n_lanes (ladder), 4);
  assert_true (lane_of (ladder, "gw") >= 0);
  assert_int_equal (pf_ladder_get_n_arrows_at (ladder, first + PF_TEST_NET_ARP_REQUEST), 2);
  assert_arrow (ladder, first + PF_TEST_NET_ARP_REQUEST, 0, "laptop", "phone");
  assert_arrow (ladder, first + PF_TEST_NET_ARP_REQUEST, 1, "laptop", "gw");
  assert_true (pf_ladder_get_arrow_text (ladder, first + PF_TEST_NET_ARP_REQUEST, &label, NULL));
  assert_string_equal (label, "ARP who has 10.0.0.1? tell 10.0.0.2");
  assert_arrow (ladder, first + PF_TEST_NET_ARP_REPLY, 0, "gw", "laptop");
  assert_arrow (ladder, first + PF_TEST_NET_SYN_HOP1, 0, "laptop", "gw");
  assert_arrow (ladder, first + PF_TEST_NET_SYN_HOP2, 0, "gw", "knuth");

  /* The step shown anew: as on the stage, the request's arrows leave
   * together, the reply after they landed, hop 2 after hop 1 landed. */
  pf_player_step_back (player);
  pf_test_wait_idle (player, TIMEOUT_S);
  pf_player_step_forward (player);
  pf_test_wait_idle (player, TIMEOUT_S);
  {
    double flight = pf_ladder_get_flight_time (ladder);
    double request = pf_ladder_get_arrow_offset (ladder, first + PF_TEST_NET_ARP_REQUEST, 0);
    double hop1 = pf_ladder_get_arrow_offset (ladder, first + PF_TEST_NET_SYN_HOP1, 0);

    assert_true (request > NOT_ANIMATED);
    assert_true (request == pf_ladder_get_arrow_offset (ladder, first + PF_TEST_NET_ARP_REQUEST, 1));
    assert_true (pf_ladder_get_arrow_offset (ladder, first + PF_TEST_NET_ARP_REPLY, 0) >= request + flight - 1e-9);
    assert_true (pf_ladder_get_arrow_offset (ladder, first + PF_TEST_NET_SYN_HOP2, 0) >= hop1 + flight - 1e-9);
  }
  pf_test_iterate_until_timeout (animation_done, ladder, TIMEOUT_S);

  /* The same packet on its other hop is marked; the ARP is not. */
  pf_player_set_selected (player, pf_timeline_get_event (timeline, first + PF_TEST_NET_SYN_HOP1));
  assert_true (pf_ladder_get_arrow_related (ladder, first + PF_TEST_NET_SYN_HOP2));
  assert_false (pf_ladder_get_arrow_related (ladder, first + PF_TEST_NET_ARP_REPLY));
  pf_player_set_selected (player, NULL);

  /* Routers hidden: three lanes; the request to the phone only, no reply
   * from the router, and the SYN one arrow from the laptop to knuth. */
  g_object_set (ladder, "show-routers", FALSE, NULL);
  assert_int_equal (pf_ladder_get_n_lanes (ladder), 3);
  assert_int_equal (lane_of (ladder, "gw"), -1);
  assert_int_equal (pf_ladder_get_n_arrows_at (ladder, first + PF_TEST_NET_ARP_REQUEST), 1);
  assert_arrow (ladder, first + PF_TEST_NET_ARP_REQUEST, 0, "laptop", "phone");
  assert_int_equal (pf_ladder_get_n_arrows_at (ladder, first + PF_TEST_NET_ARP_REPLY), 0);
  assert_int_equal (pf_ladder_get_n_arrows_at (ladder, first + PF_TEST_NET_SYN_HOP1), 1);
  assert_true (pf_ladder_get_arrow_lanes (ladder, first + PF_TEST_NET_SYN_HOP1, 0, &src, &dst, &label));
  assert_int_equal (src, lane_of (ladder, "laptop"));
  assert_int_equal (dst, lane_of (ladder, "knuth"));
  assert_non_null (strstr (label, "via gw"));
  assert_int_equal (pf_ladder_get_n_arrows_at (ladder, first + PF_TEST_NET_SYN_HOP2), 0);

  /* And back. */
  g_object_set (ladder, "show-routers", TRUE, NULL);
  assert_int_equal (pf_ladder_get_n_lanes (ladder), 4);
  assert_arrow (ladder, first + PF_TEST_NET_SYN_HOP2, 0, "gw", "knuth");

  gtk_window_destroy (GTK_WINDOW (window));
  pf_test_settle ();
}

/* Each test in both modes: exact (captured segments, the scenario's own
 * addresses) and loopback (modelled segments, mapped addresses). */
#define LADDER_TEST(test, mode) \
  { #mode ": " #test, test, setup, teardown, &mode }
#define LADDER_TESTS(mode)                          \
  LADDER_TEST (test_handshake_back_and_forward, mode), \
  LADDER_TEST (test_full_run, mode),                \
  LADDER_TEST (test_follows_newest, mode),          \
  LADDER_TEST (test_click_selects, mode),           \
  LADDER_TEST (test_zoom, mode),                    \
  LADDER_TEST (test_restart, mode),                \
  LADDER_TEST (test_udp_bind_mark, mode),           \
  LADDER_TEST (test_application_words, mode)

int
main (int    argc,
      char **argv)
{
  const struct CMUnitTest tests[] = {
    LADDER_TESTS (exact),
    LADDER_TESTS (loopback),
    LADDER_TEST (test_icmp_related, exact),
    cmocka_unit_test (test_network),
  };

  gtk_init ();
  if (argc > 1 && strcmp (argv[1], "--network-only") == 0)
    {
      const struct CMUnitTest network_only[] = { cmocka_unit_test (test_network) };

      return cmocka_run_group_tests (network_only, NULL, NULL);
    }
  return cmocka_run_group_tests (tests, NULL, NULL);
}
