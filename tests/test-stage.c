/* test-stage.c: the stage shows the hosts, the connections and the packets
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

#include <stdlib.h>
#include <string.h>

#include <gtk/gtk.h>

#include "pf-builtin.h"
#include "pf-dns.h"
#include "pf-player.h"
#include "pf-stage-private.h"
#include "pf-test-network.h"

static gboolean
is_shown (gpointer widget)
{
  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0;
}

static gboolean
is_still (gpointer stage)
{
  return !pf_stage_is_animating (stage);
}

static gboolean
first_packet_flies (gpointer stage)
{
  graphene_rect_t bounds;

  return pf_stage_get_packet_bounds (stage, 0, &bounds);
}

static PfPlayer *
load_json (const char *json)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (json, strlen (json));
  g_autoptr(GError) error = NULL;
  g_autoptr(PfScenario) scenario = pf_scenario_load_bytes (bytes, "test.pflow.json", &error);

  assert_null (error);
  return pf_test_player_new (scenario, PF_NETSPACE_MODE_LOOPBACK);
}

/* A window with a stage on @player, shown. */
static GtkWindow *
show_stage (PfPlayer  *player,
            int        width,
            int        height,
            PfStage  **out_stage)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  GtkWidget *stage = pf_stage_new ();

  gtk_window_set_default_size (window, width, height);
  gtk_window_set_child (window, stage);
  pf_view_set_player (PF_VIEW (stage), player);
  gtk_window_present (window);
  pf_test_iterate_until (is_shown, stage);
  pf_test_assert_renderer (stage);
  *out_stage = PF_STAGE (stage);
  return window;
}

static void
step_forward (PfPlayer *player)
{
  pf_player_step_forward (player);
  pf_test_wait_idle (player, PF_TEST_TIMEOUT_S);
  assert_null (pf_player_get_error (player));
}

static void
check_handshake (PfNetspaceMode mode)
{
  g_autoptr(PfPlayer) player = pf_test_player_new_builtin ("web", mode);
  PfTimeline *timeline = pf_player_get_timeline (player);
  graphene_rect_t bounds, stage_bounds;
  PfStage *stage;
  GtkWindow *window;
  PfEvent *selected;

  pf_player_set_speed (player, PF_PLAYER_MAX_SPEED);
  window = show_stage (player, 900, 520, &stage);
  graphene_rect_init (&stage_bounds, 0, 0,
                      gtk_widget_get_width (GTK_WIDGET (stage)),
                      gtk_widget_get_height (GTK_WIDGET (stage)));

  /* Before the first step: the hosts, their listeners, nothing moves. */
  assert_int_equal (pf_stage_get_n_hosts (stage), 2);
  assert_int_equal (pf_stage_get_n_connections (stage), 0);
  assert_int_equal (pf_stage_get_n_packets (stage), 0);
  /* A file without links: no network drawn, as before links existed. */
  assert_int_equal (pf_stage_get_n_links_drawn (stage), 0);
  assert_false (pf_stage_is_animating (stage));
  for (guint i = 0; i < 2; i++)
    {
      assert_true (pf_stage_get_host_bounds (stage, i, &bounds));
      assert_true (graphene_rect_contains_rect (&stage_bounds, &bounds));
    }
  assert_false (pf_stage_get_host_bounds (stage, 2, &bounds));

  /* The handshake: one connection, three segments flying. */
  step_forward (player);
  assert_int_equal (pf_stage_get_n_hosts (stage), 2);
  assert_int_equal (pf_stage_get_n_connections (stage), 1);
  assert_int_equal (pf_stage_get_n_packets (stage), 3);
  assert_true (pf_stage_is_animating (stage));

  /* Clicking the SYN's envelope selects its event. */
  pf_test_iterate_until (first_packet_flies, stage);
  assert_true (pf_stage_get_packet_bounds (stage, 0, &bounds));
  assert_true (graphene_rect_contains_rect (&stage_bounds, &bounds));
  assert_true (pf_stage_select_at (stage,
                                   bounds.origin.x + bounds.size.width / 2,
                                   bounds.origin.y + bounds.size.height / 2));
  selected = pf_player_get_selected (player);
  assert_non_null (selected);
  assert_int_equal (pf_event_get_kind (selected), PF_EVENT_SEGMENT);
  assert_int_equal (pf_event_get_packet (selected)->flags, PF_TCP_SYN);
  assert_false (pf_stage_select_at (stage, 1, 1));
  assert_ptr_equal (pf_player_get_selected (player), selected);

  /* The animation ends and the tick goes; the lines stay, the packets do
   * not fly any more but still count for the step. */
  pf_test_iterate_until (is_still, stage);
  assert_int_equal (pf_stage_get_n_packets (stage), 3);
  assert_int_equal (pf_stage_get_n_connections (stage), 1);
  for (guint i = 0; i < 3; i++)
    assert_false (pf_stage_get_packet_bounds (stage, i, &bounds));

  /* Back before the first step: no connection, nothing of step -1 flies. */
  pf_player_step_back (player);
  assert_int_equal (pf_player_get_step (player), -1);
  assert_int_equal (pf_stage_get_n_packets (stage), 0);
  assert_int_equal (pf_stage_get_n_connections (stage), 0);
  assert_int_equal (pf_stage_get_n_hosts (stage), 2);
  assert_false (pf_stage_is_animating (stage));

  /* Forward again over the recorded history: the same picture, replayed. */
  pf_player_step_forward (player);
  assert_false (pf_player_get_busy (player));
  assert_int_equal (pf_stage_get_n_connections (stage), 1);
  assert_int_equal (pf_stage_get_n_packets (stage), 3);
  assert_true (pf_stage_is_animating (stage));
  pf_test_iterate_until (is_still, stage);
  assert_int_equal (pf_stage_get_n_packets (stage), 3);
  /* On the wire (exact mode) the ARP request and reply came before the
   * SYN: in the timeline, but a file without links draws no link for them
   * to fly along. Loopback mode models no ARP. */
  assert_int_equal (pf_timeline_count (timeline, PF_EVENT_SEGMENT, 0),
                    mode == PF_NETSPACE_MODE_EXACT ? 5 : 3);
  {
    guint n_arp = 0;

    for (guint i = 0; i < pf_player_get_position (player); i++)
      {
        PfEvent *event = pf_timeline_get_event (timeline, i);

        n_arp += pf_event_get_kind (event) == PF_EVENT_SEGMENT &&
                 pf_packet_get_kind (pf_event_get_packet (event)) == PF_PACKET_KIND_ARP;
      }
    assert_int_equal (n_arp, mode == PF_NETSPACE_MODE_EXACT ? 2 : 0);
  }

  pf_test_destroy_window (window, stage);
}

static void
test_handshake_loopback (void **state)
{
  check_handshake (PF_NETSPACE_MODE_LOOPBACK);
}

static void
test_handshake_exact (void **state)
{
  check_handshake (PF_NETSPACE_MODE_EXACT);
}

/* The whole web scenario; then a restart is a fresh run on the stage. */
static void
test_run_and_restart (void **state)
{
  g_autoptr(PfPlayer) player = pf_test_player_new_builtin ("web", PF_NETSPACE_MODE_LOOPBACK);
  g_autoptr(GError) error = NULL;
  PfStage *stage;
  GtkWindow *window;
  guint n_steps = pf_player_get_n_steps (player);

  pf_player_set_speed (player, PF_PLAYER_MAX_SPEED);
  window = show_stage (player, 900, 520, &stage);

  for (guint i = 0; i < n_steps; i++)
    {
      step_forward (player);
      /* One connection all along; every step sends segments. */
      assert_int_equal (pf_stage_get_n_connections (stage), 1);
      assert_true (pf_stage_get_n_packets (stage) > 0);
    }
  pf_test_iterate_until (is_still, stage);

  assert_true (pf_player_restart (player, &error));
  assert_null (error);
  assert_int_equal (pf_stage_get_n_hosts (stage), 2);
  assert_int_equal (pf_stage_get_n_connections (stage), 0);
  assert_int_equal (pf_stage_get_n_packets (stage), 0);
  assert_false (pf_stage_is_animating (stage));

  step_forward (player);
  assert_int_equal (pf_stage_get_n_connections (stage), 1);
  assert_int_equal (pf_stage_get_n_packets (stage), 3);

  /* Without a player the stage is empty. */
  pf_view_set_player (PF_VIEW (stage), NULL);
  assert_int_equal (pf_stage_get_n_hosts (stage), 0);
  assert_int_equal (pf_stage_get_n_connections (stage), 0);
  assert_int_equal (pf_stage_get_n_packets (stage), 0);
  assert_false (pf_stage_is_animating (stage));

  pf_test_destroy_window (window, stage);
}

static const char one_client_three_servers[] =
  "{ \"format\": \"packetflow-scenario\", \"version\": 1,"
  "  \"title\": \"Layout\", \"summary\": \"One client, three servers.\","
  "  \"hosts\": ["
  "    { \"id\": \"laptop\", \"name\": \"Laptop\", \"address\": \"10.0.0.2\", \"kind\": \"laptop\" },"
  "    { \"id\": \"web\", \"name\": \"Web\", \"address\": \"10.0.0.80\", \"kind\": \"server\","
  "      \"services\": [ { \"type\": \"echo\", \"port\": 80 }, { \"type\": \"echo\", \"port\": 443 } ] },"
  "    { \"id\": \"mail\", \"name\": \"Mail\", \"address\": \"10.0.0.25\", \"kind\": \"server\","
  "      \"services\": [ { \"type\": \"echo\", \"port\": 25 } ] },"
  "    { \"id\": \"ssh\", \"name\": \"Shell\", \"address\": \"10.0.0.22\", \"kind\": \"server\","
  "      \"services\": [ { \"type\": \"echo\", \"port\": 22 } ] }"
  "  ],"
  "  \"steps\": ["
  "    { \"narration\": \"One.\", \"action\": \"connect\", \"id\": \"a\", \"from\": \"laptop\", \"to\": \"web\", \"port\": 80 },"
  "    { \"narration\": \"Two.\", \"action\": \"connect\", \"id\": \"b\", \"from\": \"laptop\", \"to\": \"web\", \"port\": 443 },"
  "    { \"narration\": \"Three.\", \"action\": \"connect\", \"id\": \"c\", \"from\": \"laptop\", \"to\": \"mail\", \"port\": 25 }"
  "  ] }";

static void
assert_no_overlap (PfStage *stage)
{
  guint n = pf_stage_get_n_hosts (stage);
  graphene_rect_t all = GRAPHENE_RECT_INIT (0, 0,
                                            gtk_widget_get_width (GTK_WIDGET (stage)),
                                            gtk_widget_get_height (GTK_WIDGET (stage)));

  for (guint i = 0; i < n; i++)
    {
      graphene_rect_t a;

      assert_true (pf_stage_get_host_bounds (stage, i, &a));
      assert_true (graphene_rect_contains_rect (&all, &a));
      for (guint j = i + 1; j < n; j++)
        {
          graphene_rect_t b;

          assert_true (pf_stage_get_host_bounds (stage, j, &b));
          assert_false (graphene_rect_intersection (&a, &b, NULL));
        }
    }
}

static void
test_layout_columns (void **state)
{
  g_autoptr(PfPlayer) player = load_json (one_client_three_servers);
  graphene_rect_t client, server[3];
  PfStage *stage;
  GtkWindow *window;

  pf_player_set_speed (player, PF_PLAYER_MAX_SPEED);
  window = show_stage (player, 1000, 640, &stage);
  assert_int_equal (pf_stage_get_n_hosts (stage), 4);
  assert_no_overlap (stage);

  /* The client on the left, the servers in a column on the right. */
  assert_true (pf_stage_get_host_bounds (stage, 0, &client));
  for (guint i = 0; i < 3; i++)
    {
      assert_true (pf_stage_get_host_bounds (stage, i + 1, &server[i]));
      assert_true (graphene_rect_get_x (&client) + graphene_rect_get_width (&client) <
                   graphene_rect_get_x (&server[i]));
      assert_float_equal (graphene_rect_get_x (&server[i]) + graphene_rect_get_width (&server[i]) / 2,
                          graphene_rect_get_x (&server[0]) + graphene_rect_get_width (&server[0]) / 2, 0.5);
    }
  assert_true (graphene_rect_get_y (&server[0]) < graphene_rect_get_y (&server[1]));
  assert_true (graphene_rect_get_y (&server[1]) < graphene_rect_get_y (&server[2]));

  /* Two connections between the same hosts, and one more. */
  for (guint i = 0; i < 3; i++)
    step_forward (player);
  assert_int_equal (pf_stage_get_n_connections (stage), 3);
  assert_int_equal (pf_stage_get_n_packets (stage), 3);

  /* A larger zoom draws larger cards; the zoom stays within its range. */
  {
    graphene_rect_t before, after;
    g_auto(PfTestNotify) zoom = { 0 };

    assert_true (pf_stage_get_host_bounds (stage, 0, &before));
    pf_test_notify_watch (&zoom, stage, "zoom");
    pf_view_set_zoom (PF_VIEW (stage), 2.0);
    assert_true (pf_stage_get_host_bounds (stage, 0, &after));
    assert_true (graphene_rect_get_width (&after) > 1.5 * graphene_rect_get_width (&before));
    pf_view_set_zoom (PF_VIEW (stage), 10.0);
    assert_float_equal (pf_view_get_zoom (PF_VIEW (stage)), PF_VIEW_MAX_ZOOM, 1e-9);
    pf_view_set_zoom (PF_VIEW (stage), 0.1);
    assert_float_equal (pf_view_get_zoom (PF_VIEW (stage)), PF_VIEW_MIN_ZOOM, 1e-9);
    pf_view_set_zoom (PF_VIEW (stage), PF_VIEW_MIN_ZOOM);
    assert_int_equal (zoom.count, 3);
  }

  pf_test_destroy_window (window, stage);
}

/* The window's stage is wide and low. Two hosts in a column on the left
 * and one on the right (the chat room) are kept apart across, where
 * there is room, not down, where there is not: the cards keep their
 * size, as in a large window. */
static void
test_layout_wide (void **state)
{
  g_autoptr(PfPlayer) player = pf_test_player_new_builtin ("chat", PF_NETSPACE_MODE_LOOPBACK);
  graphene_rect_t large[3], wide[3];
  PfStage *stage;
  GtkWindow *window;

  window = show_stage (player, 1400, 900, &stage);
  for (guint i = 0; i < 3; i++)
    assert_true (pf_stage_get_host_bounds (stage, i, &large[i]));
  pf_test_destroy_window (window, stage);

  window = show_stage (player, 790, 280, &stage);
  assert_no_overlap (stage);
  for (guint i = 0; i < 3; i++)
    {
      assert_true (pf_stage_get_host_bounds (stage, i, &wide[i]));
      assert_float_equal (graphene_rect_get_width (&wide[i]), graphene_rect_get_width (&large[i]), 1.0);
      assert_float_equal (graphene_rect_get_height (&wide[i]), graphene_rect_get_height (&large[i]), 1.0);
    }
  pf_test_destroy_window (window, stage);
}

static void
test_layout_many (void **state)
{
  g_autoptr(GString) json = g_string_new ("{ \"format\": \"packetflow-scenario\", \"version\": 1,"
                                          "  \"title\": \"Ten\", \"summary\": \"Ten hosts.\", \"hosts\": [");
  g_autoptr(PfPlayer) player = NULL;
  PfStage *stage;
  GtkWindow *window;

  for (guint i = 0; i < 10; i++)
    {
      if (i < 7)
        g_string_append_printf (json, "{ \"id\": \"h%u\", \"name\": \"Client %u\", \"address\": \"10.0.1.%u\","
                                      "  \"kind\": \"%s\" },",
                                i, i, i + 2, i % 2 ? "phone" : "desktop");
      else
        g_string_append_printf (json, "{ \"id\": \"h%u\", \"name\": \"Server %u\", \"address\": \"10.0.2.%u\","
                                      "  \"kind\": \"server\", \"names\": [\"s%u.example.org\"],"
                                      "  \"services\": [ { \"type\": \"echo\", \"port\": 7 } ] }%s",
                                i, i, i + 2, i, i < 9 ? "," : "");
    }
  g_string_append (json, "], \"steps\": [ { \"narration\": \"Go.\", \"action\": \"connect\", \"id\": \"c\","
                         " \"from\": \"h0\", \"to\": \"h9\", \"port\": 7 } ] }");

  player = load_json (json->str);

  /* Every card whole and apart, on a large stage and a small one. */
  for (guint i = 0; i < 2; i++)
    {
      window = show_stage (player, i == 0 ? 1000 : 560, i == 0 ? 640 : 360, &stage);
      assert_int_equal (pf_stage_get_n_hosts (stage), 10);
      assert_no_overlap (stage);
      pf_test_destroy_window (window, stage);
    }
}


/* Labels */

static const char *const box_kinds[] = { "card", "plug label", "connection label", "packet", "failure" };

/* Whether @a and @b must stay apart: a card's own plugs and badge are
 * on it; everything else keeps clear of everything else. */
static gboolean
must_not_meet (const PfStageBox *a,
               const PfStageBox *b)
{
  if (a->kind > b->kind)
    {
      const PfStageBox *t = a;

      a = b;
      b = t;
    }
  if (a->kind == PF_STAGE_BOX_CARD &&
      (b->kind == PF_STAGE_BOX_PLUG_LABEL || b->kind == PF_STAGE_BOX_FAILURE))
    return a->host != b->host;
  /* Envelopes pass one another on their way, as on the ladder: when
   * each takes off is the flight schedule's (test-flight-schedule). */
  if (a->kind == PF_STAGE_BOX_PACKET && b->kind == PF_STAGE_BOX_PACKET)
    return FALSE;
  return TRUE;
}

static void
assert_labels_apart (PfStage    *stage,
                     const char *what)
{
  g_autoptr(GArray) boxes = pf_stage_get_label_rects (stage);
  graphene_rect_t all = GRAPHENE_RECT_INIT (0, 0,
                                            gtk_widget_get_width (GTK_WIDGET (stage)),
                                            gtk_widget_get_height (GTK_WIDGET (stage)));
  guint n_labels = 0;

  for (guint i = 0; i < boxes->len; i++)
    {
      PfStageBox *a = &g_array_index (boxes, PfStageBox, i);

      n_labels += a->kind == PF_STAGE_BOX_CONN_LABEL;
      if (!graphene_rect_contains_rect (&all, &a->rect))
        {
          print_error ("%s: the %s at %g,%g %g×%g is cut by the stage's edge (%g×%g)\n",
                       what, box_kinds[a->kind], a->rect.origin.x, a->rect.origin.y,
                       a->rect.size.width, a->rect.size.height, all.size.width, all.size.height);
          fail ();
        }
      for (guint j = i + 1; j < boxes->len; j++)
        {
          PfStageBox *b = &g_array_index (boxes, PfStageBox, j);
          graphene_rect_t r;

          if (must_not_meet (a, b) && graphene_rect_intersection (&a->rect, &b->rect, &r) &&
              r.size.width > 0.5 && r.size.height > 0.5)
            {
              print_error ("%s: the %s (host %d, connection %d) at %g,%g %g×%g covers "
                           "the %s (host %d, connection %d) at %g,%g %g×%g\n",
                           what, box_kinds[a->kind], a->host, a->conn, a->rect.origin.x, a->rect.origin.y,
                           a->rect.size.width, a->rect.size.height,
                           box_kinds[b->kind], b->host, b->conn, b->rect.origin.x, b->rect.origin.y,
                           b->rect.size.width, b->rect.size.height);
              fail ();
            }
        }
    }
  assert_int_equal (n_labels, pf_stage_get_n_connections (stage));
}

/* The first segment of the step on screen, or NULL. */
static PfEvent *
step_segment (PfPlayer *player)
{
  PfTimeline *timeline = pf_player_get_timeline (player);

  for (guint i = pf_player_get_step_start (player); i < pf_player_get_position (player); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      if (pf_event_get_kind (event) == PF_EVENT_SEGMENT)
        return event;
    }
  return NULL;
}

/* Every step of @name: still, mid-flight, and with a packet selected. */
static void
check_labels (const char     *name,
              PfNetspaceMode  mode,
              int             width,
              int             height)
{
  g_autoptr(PfPlayer) player = pf_test_player_new_builtin (name, mode);
  guint n_steps = pf_player_get_n_steps (player);
  PfStage *stage;
  GtkWindow *window;

  pf_player_set_speed (player, PF_PLAYER_MAX_SPEED);
  window = show_stage (player, width, height, &stage);
  assert_int_equal (gtk_widget_get_width (GTK_WIDGET (stage)), width);
  if (g_getenv ("GDK_SCALE") != NULL)
    assert_int_equal (gtk_widget_get_scale_factor (GTK_WIDGET (stage)), atoi (g_getenv ("GDK_SCALE")));
  {
    g_autofree char *what = g_strdup_printf ("%s (%s, %d×%d) before step 1", name,
                                             mode == PF_NETSPACE_MODE_EXACT ? "exact" : "loopback",
                                             width, height);
    assert_labels_apart (stage, what);
  }

  for (guint step = 1; step <= n_steps; step++)
    {
      double end;
      PfEvent *segment;

      pf_player_step_forward (player);
      pf_test_wait_idle (player, PF_TEST_TIMEOUT_S);
      end = pf_stage_get_anim_end (stage);
      for (guint k = 0; k <= 12; k++)
        {
          g_autofree char *what = g_strdup_printf ("%s (%s, %d×%d, scale %d) step %u at %.2f s", name,
                                                   mode == PF_NETSPACE_MODE_EXACT ? "exact" : "loopback",
                                                   width, height,
                                                   gtk_widget_get_scale_factor (GTK_WIDGET (stage)),
                                                   step, end * k / 12);

          pf_stage_hold_animation (stage, end * k / 12);
          assert_labels_apart (stage, what);
        }

      if ((segment = step_segment (player)) != NULL)
        {
          g_autofree char *what = g_strdup_printf ("%s (%s, %d×%d) step %u, a packet selected", name,
                                                   mode == PF_NETSPACE_MODE_EXACT ? "exact" : "loopback",
                                                   width, height, step);

          pf_player_set_selected (player, segment);
          assert_labels_apart (stage, what);
          pf_stage_hold_animation (stage, end / 3);
          assert_labels_apart (stage, what);
          pf_player_set_selected (player, NULL);
        }
    }

  pf_test_destroy_window (window, stage);
}

static void
check_all_labels (PfNetspaceMode mode)
{
  g_autoptr(GPtrArray) names = pf_builtin_list ();

  assert_true (names->len >= 12);
  for (guint i = 0; i < names->len; i++)
    {
      /* The stage alone in a window of the default size, and as the
       * window at its default size has it. */
      check_labels (g_ptr_array_index (names, i), mode, 1100, 720);
      check_labels (g_ptr_array_index (names, i), mode, 790, 250);
    }
}

/* dns: the DNS server's plug on the side of its card facing the laptop,
 * the only host that asks it. */
static double
center_x (const graphene_rect_t *r)
{
  return r->origin.x + r->size.width / 2;
}

static void
test_plugs_face_peers (void **state)
{
  g_autoptr(PfPlayer) player = pf_test_player_new_builtin ("dns", PF_NETSPACE_MODE_LOOPBACK);
  g_autoptr(GArray) boxes = NULL;
  graphene_rect_t laptop, server;
  guint n_plugs = 0;
  PfStage *stage;
  GtkWindow *window;

  window = show_stage (player, 1100, 720, &stage);
  assert_string_equal (((PfHost *) g_ptr_array_index (pf_player_get_scenario (player)->hosts, 1))->id,
                       "resolver");
  assert_true (pf_stage_get_host_bounds (stage, 0, &laptop));
  assert_true (pf_stage_get_host_bounds (stage, 1, &server));
  assert_true (center_x (&laptop) < graphene_rect_get_x (&server));
  boxes = pf_stage_get_label_rects (stage);
  for (guint i = 0; i < boxes->len; i++)
    {
      PfStageBox *box = &g_array_index (boxes, PfStageBox, i);

      if (box->kind != PF_STAGE_BOX_PLUG_LABEL || box->host != 1)
        continue;
      assert_true (graphene_rect_get_x (&box->rect) < center_x (&server));
      n_plugs++;
    }
  assert_int_equal (n_plugs, 1);
  pf_test_destroy_window (window, stage);
}

static void
test_labels_exact (void **state)
{
  check_all_labels (PF_NETSPACE_MODE_EXACT);
}

static void
test_labels_loopback (void **state)
{
  check_all_labels (PF_NETSPACE_MODE_LOOPBACK);
}

static const char *self_path;

/* The same at a projector's scale: this program again, with GDK_SCALE=2
 * (read when GTK starts), running only the label tests. Text is laid
 * out for twice the pixels there, and measures a little differently. */
static void
test_labels_scale_2 (void **state)
{
  /* In an X server of its own, large enough for 1100×720 at scale 2. */
  const char *argv[] = { "xvfb-run", "-a", "-s", "-screen 0 2400x1600x24", self_path, "--labels-only", NULL };
  g_auto(GStrv) env = g_environ_setenv (g_get_environ (), "GDK_SCALE", "2", TRUE);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = -1;

  assert_true (g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL,
                             &out, &err, &status, &error));
  assert_null (error);
  if (!g_spawn_check_wait_status (status, NULL))
    {
      print_error ("at scale 2:\n%s\n%s\n", out, err);
      fail ();
    }
  /* It ran them. */
  assert_non_null (strstr (out, "test_labels_loopback"));
}

/* After the close step the connection looks ended: the client that
 * closed first waits out TIME_WAIT. */
static void
check_closed_look (PfNetspaceMode mode)
{
  g_autoptr(PfPlayer) player = pf_test_player_new_builtin ("web", mode);
  guint n_steps = pf_player_get_n_steps (player);
  PfStage *stage;
  GtkWindow *window;

  pf_player_set_speed (player, PF_PLAYER_MAX_SPEED);
  window = show_stage (player, 900, 520, &stage);
  for (guint i = 0; i + 1 < n_steps; i++)
    {
      step_forward (player);
      assert_int_equal (pf_stage_get_conn_look (stage, 0), PF_STAGE_LOOK_LIVE);
    }
  step_forward (player);
  assert_int_equal (pf_stage_get_conn_look (stage, 0), PF_STAGE_LOOK_TIME_WAIT);
  assert_labels_apart (stage, "web after the close");

  /* Back a step: live again. */
  pf_player_step_back (player);
  assert_int_equal (pf_stage_get_conn_look (stage, 0), PF_STAGE_LOOK_LIVE);
  pf_test_destroy_window (window, stage);
}

static void
test_closed_look_exact (void **state)
{
  check_closed_look (PF_NETSPACE_MODE_EXACT);
}

static void
test_closed_look_loopback (void **state)
{
  check_closed_look (PF_NETSPACE_MODE_LOOPBACK);
}

/* The refused connection is marked where it failed, in its step only;
 * the connection that ends refused is drawn as closed. */
static void
check_failure_mark (PfNetspaceMode mode)
{
  g_autoptr(PfPlayer) player = pf_test_player_new_builtin ("refused", mode);
  guint n_steps = pf_player_get_n_steps (player);
  gboolean marked = FALSE;
  PfStage *stage;
  GtkWindow *window;

  pf_player_set_speed (player, PF_PLAYER_MAX_SPEED);
  window = show_stage (player, 900, 520, &stage);
  for (guint step = 1; step <= n_steps; step++)
    {
      PfTimeline *timeline = pf_player_get_timeline (player);
      gboolean failed = FALSE;
      const char *text;
      int host, conn;

      pf_player_step_forward (player);
      pf_test_wait_idle (player, PF_TEST_TIMEOUT_S);
      for (guint i = pf_player_get_step_start (player); i < pf_player_get_position (player); i++)
        failed |= pf_event_get_kind (pf_timeline_get_event (timeline, i)) == PF_EVENT_ERROR;

      text = pf_stage_get_failure (stage, &host, &conn);
      if (!failed)
        {
          assert_null (text);
          continue;
        }
      assert_string_equal (text, "refused");
      /* On the connection the SYN tried, which ended there. */
      assert_int_equal (host, -1);
      assert_true (conn >= 0);
      assert_int_equal (pf_stage_get_conn_look (stage, conn), PF_STAGE_LOOK_CLOSED);
      assert_labels_apart (stage, "refused, marked");
      marked = TRUE;
    }
  assert_true (marked);
  pf_test_destroy_window (window, stage);
}

static void
test_failure_mark_exact (void **state)
{
  check_failure_mark (PF_NETSPACE_MODE_EXACT);
}

static void
test_failure_mark_loopback (void **state)
{
  check_failure_mark (PF_NETSPACE_MODE_LOOPBACK);
}

/* In presentation mode the stage is enlarged: in a projector-sized
 * stage the picture is drawn larger than its natural size (and, not
 * enlarged, is not), and still nothing covers anything, at every step,
 * still and mid-flight. */
static void
test_enlarged (void **state)
{
  static const char *names[] = { "web", "dns", "tabs", "chat" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(PfPlayer) player = pf_test_player_new_builtin (names[i], PF_NETSPACE_MODE_EXACT);
      guint n_steps = pf_player_get_n_steps (player);
      graphene_rect_t natural, enlarged;
      PfStage *stage;
      GtkWindow *window;

      pf_player_set_speed (player, PF_PLAYER_MAX_SPEED);
      window = show_stage (player, 1840, 860, &stage);
      assert_false (pf_stage_get_enlarge (stage));
      assert_true (pf_stage_get_host_bounds (stage, 0, &natural));
      pf_stage_set_enlarge (stage, TRUE);
      assert_true (pf_stage_get_host_bounds (stage, 0, &enlarged));
      if (graphene_rect_get_width (&enlarged) < 1.4 * graphene_rect_get_width (&natural))
        {
          print_error ("%s: the first card is %g px wide, enlarged %g px\n", names[i],
                       graphene_rect_get_width (&natural), graphene_rect_get_width (&enlarged));
          fail ();
        }

      for (guint step = 1; step <= n_steps; step++)
        {
          double end;

          pf_player_step_forward (player);
          pf_test_wait_idle (player, PF_TEST_TIMEOUT_S);
          end = pf_stage_get_anim_end (stage);
          for (guint k = 0; k <= 4; k++)
            {
              g_autofree char *what = g_strdup_printf ("%s enlarged, step %u at %.2f s",
                                                       names[i], step, end * k / 4);

              pf_stage_hold_animation (stage, end * k / 4);
              assert_labels_apart (stage, what);
            }
        }

      /* And back: never larger than enlarged (as large where the labels
       * of the last step need the whole room either way). */
      assert_true (pf_stage_get_host_bounds (stage, 0, &enlarged));
      pf_stage_set_enlarge (stage, FALSE);
      assert_true (pf_stage_get_host_bounds (stage, 0, &natural));
      assert_true (graphene_rect_get_width (&natural) <= graphene_rect_get_width (&enlarged) + 0.5);
      pf_test_destroy_window (window, stage);
    }
}

/* The envelope's label says what the payload is: DNS by what it is,
 * text by its first line, other bytes escaped as before. */
static void
test_envelope_words (void **state)
{
  static const struct { const char *data; const char *label; } tcp[] = {
    { "GET / HTTP/1.1\r\nHost: knuth\r\n\r\n", "GET / HTTP/1.1" },
    { "POST /form HTTP/1.1\r\n\r\n", "POST /form HT…" },
    { "Hello, echo!\n", "Hello, echo!" },
    { "\x01\x02", "\\x01\\x02" },
  };
  g_autoptr(GBytes) query = pf_dns_build_query (0x5501, "knuth.luther.edu");
  g_autoptr(GBytes) response = NULL;
  g_autoptr(PfPacket) ask = NULL;
  g_autoptr(PfPacket) answer = NULL;
  g_autofree char *ask_key = NULL;
  g_autofree char *answer_key = NULL;
  PfIpv4 address = 0xc0cbc447;
  gsize len;
  const guint8 *data = g_bytes_get_data (query, &len);
  /* No player: the packets' own ports decide. */
  GtkWidget *stage = g_object_ref_sink (pf_stage_new ());
  PfStage *self = PF_STAGE (stage);

  response = pf_dns_build_response (data, len, &address, 1, 300, NULL);
  assert_non_null (response);
  ask = pf_packet_new_udp (0x0a000002, 40000, 0x0a000035, 53, data, len);
  data = g_bytes_get_data (response, &len);
  answer = pf_packet_new_udp (0x0a000035, 53, 0x0a000002, 40000, data, len);
  ask_key = pf_stage_art_key_for (self, ask);
  answer_key = pf_stage_art_key_for (self, answer);
  assert_true (g_str_has_suffix (ask_key, "\x1f" "DNS query"));
  assert_true (g_str_has_suffix (answer_key, "\x1f" "DNS answer"));

  for (guint i = 0; i < G_N_ELEMENTS (tcp); i++)
    {
      g_autoptr(PfPacket) packet = pf_packet_new_tcp (0x0a000002, 40000, 0x0a000007, 7, 1, 1,
                                                      PF_TCP_PSH | PF_TCP_ACK, 512,
                                                      (const guint8 *) tcp[i].data,
                                                      strlen (tcp[i].data));
      g_autofree char *key = pf_stage_art_key_for (self, packet);
      g_autofree char *expected = g_strconcat ("\x1f", tcp[i].label, NULL);

      if (!g_str_has_suffix (key, expected))
        fail_msg ("the label of %s is not %s: key %s", tcp[i].data, tcp[i].label, key);
    }
  g_object_unref (stage);
}

/* In loopback mode the kernel's DNS port is not 53: the envelope is
 * judged by the scenario's. */
static void
test_envelope_words_loopback (void **state)
{
  g_autoptr(PfPlayer) player = pf_test_player_new_builtin ("dns", PF_NETSPACE_MODE_LOOPBACK);
  GtkWidget *stage = g_object_ref_sink (pf_stage_new ());
  PfTimeline *timeline;
  guint n_dns = 0;

  g_object_set (stage, "player", player, NULL);
  pf_player_step_forward (player);
  pf_test_wait_idle (player, PF_TEST_TIMEOUT_S);
  timeline = pf_player_get_timeline (player);
  for (guint i = 0; i < pf_player_get_position (player); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);
      PfPacket *packet = pf_event_get_packet (event);
      g_autofree char *key = NULL;

      if (packet == NULL || packet->protocol != PF_IP_PROTOCOL_UDP)
        continue;
      /* the kernel's ports: not 53 on either side */
      assert_true (packet->sport != 53 && packet->dport != 53);
      key = pf_stage_art_key_for (PF_STAGE (stage), packet);
      assert_true (g_str_has_suffix (key, "\x1f" "DNS query") || g_str_has_suffix (key, "\x1f" "DNS answer"));
      n_dns++;
    }
  assert_int_equal (n_dns, 2);
  g_object_set (stage, "player", NULL, NULL);
  g_object_unref (stage);
}

/* With PF_TEST_STAGE_PNG set, the stage as drawn goes to that file (to
 * look at it: the network's picture has no run of its own yet). */
static void
maybe_save_png (PfStage    *stage,
                const char *suffix)
{
  const char *base = g_getenv ("PF_TEST_STAGE_PNG");
  g_autofree char *path = base ? g_strconcat (base, suffix, ".png", NULL) : NULL;
  int w = gtk_widget_get_width (GTK_WIDGET (stage));
  int h = gtk_widget_get_height (GTK_WIDGET (stage));
  int sf = gtk_widget_get_scale_factor (GTK_WIDGET (stage));
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;

  if (path == NULL)
    return;
  pf_stage_ensure_style (stage);
  paintable = gtk_widget_paintable_new (GTK_WIDGET (stage));
  snapshot = gtk_snapshot_new ();
  /* In device pixels: at GDK_SCALE=2, twice as many. */
  gtk_snapshot_scale (snapshot, sf, sf);
  /* On the window's colour, as on screen. */
  gtk_snapshot_append_color (snapshot, &stage->colors.card_base, &GRAPHENE_RECT_INIT (0, 0, w, h));
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (GTK_WIDGET (stage))),
                                         node, &GRAPHENE_RECT_INIT (0, 0, w * sf, h * sf));
  assert_true (gdk_texture_save_to_png (texture, path));
}

static gboolean
stage_has_links (gpointer stage)
{
  return pf_stage_get_n_links_drawn (stage) > 0 && pf_stage_get_n_packets (stage) > 0;
}

/* A network of two links and a router: the switch where a link has three
 * hosts, each frame along its link, an ARP request to both other hosts of
 * its link at once, a packet's second hop after its first landed, and the
 * same packet highlighted on every hop. */
static void
test_network (void **state)
{
  guint first;
  g_autoptr(PfPlayer) player = pf_test_network_player_new (&first);
  PfTimeline *timeline = pf_player_get_timeline (player);
  graphene_rect_t sw, card[4], bounds, other;
  PfEvent *events[5];
  int from[5], to[5];
  double start[5], flight;
  g_autofree char *words = NULL;
  PfStage *stage;
  GtkWindow *window;

  window = show_stage (player, 1000, 640, &stage);
  pf_test_iterate_until (stage_has_links, stage);

  /* Home has three hosts: a switch, clear of every card; campus two: a line. */
  assert_int_equal (pf_stage_get_n_links_drawn (stage), 2);
  assert_true (pf_stage_get_switch_bounds (stage, 0, &sw));
  assert_false (pf_stage_get_switch_bounds (stage, 1, &bounds));
  for (guint i = 0; i < 4; i++)
    {
      assert_true (pf_stage_get_host_bounds (stage, i, &card[i]));
      assert_false (graphene_rect_intersection (&sw, &card[i], NULL));
    }
  /* Home's hosts on the left, the router between, knuth on the right. */
  assert_true (card[PF_TEST_NET_LAPTOP].origin.x + card[PF_TEST_NET_LAPTOP].size.width < card[PF_TEST_NET_GW].origin.x);
  assert_true (card[PF_TEST_NET_PHONE].origin.x + card[PF_TEST_NET_PHONE].size.width < card[PF_TEST_NET_GW].origin.x);
  assert_true (card[PF_TEST_NET_GW].origin.x + card[PF_TEST_NET_GW].size.width < card[PF_TEST_NET_KNUTH].origin.x);
  assert_true (sw.origin.x > card[PF_TEST_NET_LAPTOP].origin.x + card[PF_TEST_NET_LAPTOP].size.width);
  assert_true (sw.origin.x + sw.size.width < card[PF_TEST_NET_GW].origin.x);

  /* Five envelopes: the request to the phone and to gw, the reply, two hops. */
  assert_int_equal (pf_stage_get_n_packets (stage), 5);
  for (guint i = 0; i < 5; i++)
    assert_true (pf_stage_get_flight_hop (stage, i, &events[i], &from[i], &to[i], &start[i]));
  flight = pf_stage_get_flight_time (stage);
  assert_true (flight > 0);

  assert_ptr_equal (events[0], pf_timeline_get_event (timeline, first + PF_TEST_NET_ARP_REQUEST));
  assert_ptr_equal (events[1], events[0]);
  assert_int_equal (from[0], PF_TEST_NET_LAPTOP);
  assert_int_equal (from[1], PF_TEST_NET_LAPTOP);
  assert_int_equal (to[0], PF_TEST_NET_PHONE);
  assert_int_equal (to[1], PF_TEST_NET_GW);
  assert_true (start[0] == start[1]);    /* the broadcast fans out at once */
  words = pf_stage_get_packet_label (stage, 0);
  assert_string_equal (words, "ARP: who has 10.0.0.1?");

  /* The reply after the request landed at gw. */
  assert_ptr_equal (events[2], pf_timeline_get_event (timeline, first + PF_TEST_NET_ARP_REPLY));
  assert_int_equal (from[2], PF_TEST_NET_GW);
  assert_int_equal (to[2], PF_TEST_NET_LAPTOP);
  assert_true (start[2] >= start[0] + flight - 1e-9);

  /* The SYN: laptop → gw, then gw → knuth once the first hop landed. */
  assert_int_equal (from[3], PF_TEST_NET_LAPTOP);
  assert_int_equal (to[3], PF_TEST_NET_GW);
  assert_int_equal (from[4], PF_TEST_NET_GW);
  assert_int_equal (to[4], PF_TEST_NET_KNUTH);
  assert_true (start[4] >= start[3] + flight - 1e-9);

  /* Mid-flight, hop 1 is between the laptop and gw; before its time hop 2 is not in the air. */
  pf_stage_hold_animation (stage, start[3] + flight / 2);
  assert_true (pf_stage_get_packet_bounds (stage, 3, &bounds));
  assert_false (pf_stage_get_packet_bounds (stage, 4, &bounds));
  pf_stage_hold_animation (stage, start[4] + flight / 2);
  assert_true (pf_stage_get_packet_bounds (stage, 4, &bounds));
  assert_true (bounds.origin.x > card[PF_TEST_NET_GW].origin.x + card[PF_TEST_NET_GW].size.width);
  assert_true (bounds.origin.x + bounds.size.width < card[PF_TEST_NET_KNUTH].origin.x);
  /* An ARP request: one envelope to the switch, two past it. */
  pf_stage_hold_animation (stage, start[0] + flight * 0.2);
  assert_true (pf_stage_get_packet_bounds (stage, 0, &bounds));
  assert_true (pf_stage_get_packet_bounds (stage, 1, &other));
  assert_true (graphene_rect_equal (&bounds, &other));
  pf_stage_hold_animation (stage, start[0] + flight * 0.8);
  assert_true (pf_stage_get_packet_bounds (stage, 0, &bounds));
  assert_true (pf_stage_get_packet_bounds (stage, 1, &other));
  assert_false (graphene_rect_equal (&bounds, &other));
  /* Their centres: past the switch's, down to the phone, right to gw. */
  assert_true (bounds.origin.y + bounds.size.height / 2 > sw.origin.y + sw.size.height);
  assert_true (other.origin.x + other.size.width / 2 > sw.origin.x + sw.size.width);
  pf_test_settle ();
  maybe_save_png (stage, "-arp");

  /* Selecting hop 1 highlights hop 2, and nothing else. */
  pf_player_set_selected (player, events[3]);
  assert_true (pf_stage_is_highlighted (stage, first + PF_TEST_NET_SYN_HOP1));
  assert_true (pf_stage_is_highlighted (stage, first + PF_TEST_NET_SYN_HOP2));
  assert_false (pf_stage_is_highlighted (stage, first + PF_TEST_NET_ARP_REQUEST));
  assert_false (pf_stage_is_highlighted (stage, first + PF_TEST_NET_ARP_REPLY));
  /* And the selected hop waits on its own link when it does not fly. */
  pf_stage_hold_animation (stage, start[4] + flight / 2);
  pf_test_settle ();
  maybe_save_png (stage, "-hops");

  /* The phone moved by hand to the right: the switch follows its hosts. */
  {
    graphene_rect_t moved;

    pf_stage_drag_host (stage, PF_TEST_NET_PHONE, 120, 0);
    assert_true (pf_stage_get_switch_bounds (stage, 0, &moved));
    assert_true (moved.origin.x > sw.origin.x);
    assert_true (G_APPROX_VALUE (moved.size.width, sw.size.width, 1e-6));
  }

  /* Clicking hop 2's envelope selects it: hop 1 is the other one then. */
  assert_true (pf_stage_get_packet_bounds (stage, 4, &bounds));
  assert_true (pf_stage_select_at (stage, bounds.origin.x + bounds.size.width / 2,
                                   bounds.origin.y + bounds.size.height / 2));
  assert_ptr_equal (pf_player_get_selected (player), events[4]);
  assert_true (pf_stage_is_highlighted (stage, first + PF_TEST_NET_SYN_HOP1));

  pf_test_destroy_window (window, stage);
}

int
main (int    argc,
      char **argv)
{
  const struct CMUnitTest labels_only[] = {
    cmocka_unit_test (test_labels_exact),
    cmocka_unit_test (test_labels_loopback),
  };
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_handshake_loopback),
    cmocka_unit_test (test_handshake_exact),
    cmocka_unit_test (test_run_and_restart),
    cmocka_unit_test (test_layout_columns),
    cmocka_unit_test (test_layout_many),
    cmocka_unit_test (test_layout_wide),
    cmocka_unit_test (test_plugs_face_peers),
    cmocka_unit_test (test_labels_exact),
    cmocka_unit_test (test_labels_loopback),
    cmocka_unit_test (test_closed_look_exact),
    cmocka_unit_test (test_closed_look_loopback),
    cmocka_unit_test (test_failure_mark_exact),
    cmocka_unit_test (test_failure_mark_loopback),
    cmocka_unit_test (test_labels_scale_2),
    cmocka_unit_test (test_enlarged),
    cmocka_unit_test (test_envelope_words),
    cmocka_unit_test (test_envelope_words_loopback),
    cmocka_unit_test (test_network),
  };

  self_path = argv[0];
  gtk_init ();
  if (argc > 1 && strcmp (argv[1], "--network-only") == 0)
    {
      const struct CMUnitTest network_only[] = { cmocka_unit_test (test_network) };

      return cmocka_run_group_tests (network_only, NULL, NULL);
    }
  if (argc > 1 && strcmp (argv[1], "--labels-only") == 0)
    return cmocka_run_group_tests (labels_only, NULL, NULL);
  return cmocka_run_group_tests (tests, NULL, NULL);
}
