/* test-inspector.c: the inspector in the real window, at its default
 * size, as a person reads it: enough rows of the field tree, the hex
 * dump whole, a divider that moves and is remembered
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

#include <string.h>

#include "pf-application.h"
#include "pf-inspector.h"
#include "pf-view.h"
#include "pf-window.h"

/* The window at its default size (1100×720) with `web` at step 2 and
 * its request, the first segment that carries data, selected. */
static GtkWidget *
open_web_with_request (PfApplication *app)
{
  GtkWidget *window;
  PfPlayer *player;
  PfTimeline *timeline;
  PfEvent *request = NULL;
  int width, height;

  g_application_activate (G_APPLICATION (app));
  window = GTK_WIDGET (gtk_application_get_active_window (GTK_APPLICATION (app)));
  pf_test_iterate_until (pf_test_widget_is_mapped, window);
  pf_window_set_mode (PF_WINDOW (window), PF_NETSPACE_MODE_EXACT);
  assert_true (gtk_widget_activate_action (window, "win.open-builtin", "s", "web"));

  player = pf_window_get_player (PF_WINDOW (window));
  for (guint i = 0; i < 2; i++)
    {
      assert_true (gtk_widget_activate_action (window, "win.step-forward", NULL));
      pf_test_wait_idle (player, PF_TEST_TIMEOUT_S);
    }

  timeline = pf_player_get_timeline (player);
  for (guint i = 0; i < pf_player_get_position (player) && request == NULL; i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      if (pf_event_get_kind (event) == PF_EVENT_SEGMENT &&
          pf_packet_get_payload_length (pf_event_get_packet (event)) > 0)
        request = event;
    }
  assert_non_null (request);
  pf_player_set_selected (player, request);
  pf_test_settle ();

  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  assert_int_equal (width, 1100);
  assert_int_equal (height, 720);
  g_test_message ("the window at %d×%d", gtk_widget_get_width (window), gtk_widget_get_height (window));
  return window;
}

static GtkWidget *
find_inspector (GtkWidget *window)
{
  GtkWidget *inspector = pf_test_find_descendant (window, PF_TYPE_INSPECTOR);

  assert_non_null (inspector);
  assert_true (gtk_widget_get_mapped (inspector));
  return inspector;
}

/* At the default window size at least ten rows of the field tree are
 * on screen whole, inside the scrolled window's visible area. */
static void
test_ten_rows_visible (void **state)
{
  g_autoptr(PfApplication) app = pf_test_application_start ();
  GtkWidget *window = open_web_with_request (app);
  GtkWidget *inspector = find_inspector (window);
  GtkWidget *list = pf_test_find_descendant (inspector, GTK_TYPE_LIST_VIEW);
  GtkWidget *scrolled;
  int visible_height;
  guint whole_rows = 0;

  assert_non_null (list);
  scrolled = gtk_widget_get_ancestor (list, GTK_TYPE_SCROLLED_WINDOW);
  assert_non_null (scrolled);
  visible_height = gtk_widget_get_height (scrolled);

  for (GtkWidget *row = gtk_widget_get_first_child (list);
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      graphene_rect_t bounds;

      if (!gtk_widget_get_mapped (row) ||
          !gtk_widget_compute_bounds (row, scrolled, &bounds) ||
          bounds.size.height <= 0)
        continue;
      if (bounds.origin.y >= 0 && bounds.origin.y + bounds.size.height <= visible_height)
        whole_rows++;
    }

  g_test_message ("%u whole rows in %d px", whole_rows, visible_height);
  assert_true (whole_rows >= 10);

  /* The wire's hop sits above the IPv4 header: its line names the
   * hosts, short enough to stay one row, and its rows hold their
   * addresses on the link. */
  {
    g_autofree char *hop = pf_inspector_dup_field (PF_INSPECTOR (inspector), "Hop");
    g_autofree char *from = pf_inspector_dup_field (PF_INSPECTOR (inspector), "Hop/From");
    g_autofree char *to = pf_inspector_dup_field (PF_INSPECTOR (inspector), "Hop/To");

    assert_non_null (hop);
    assert_string_equal (hop, "Laptop → knuth.luther.edu on lan");
    assert_string_equal (from, "Laptop (10.0.0.2)");
    assert_string_equal (to, "knuth.luther.edu (192.203.196.71)");
  }

  pf_test_destroy_window (GTK_WINDOW (window), window);
}

static gboolean
allocated (gpointer widget)
{
  return gtk_widget_get_width (widget) > 0;
}

/* Its text begins "0000  " and holds more than one line of dump. */
static GtkTextView *
find_hex_view (GtkWidget *widget)
{
  if (GTK_IS_TEXT_VIEW (widget))
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (widget));
      GtkTextIter start, end;
      g_autofree char *text = NULL;

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
      if (g_str_has_prefix (text, "0000  "))
        return GTK_TEXT_VIEW (widget);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkTextView *found = find_hex_view (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* A dump line: "0010  48 6f 73 74  Host": the offset, @n bytes in hex,
 * and the same @n bytes as ASCII. Returns n, or 0 if it is not one. */
static guint
parse_hex_line (const char *line)
{
  const char *p = line;
  guint n = 0;

  for (guint i = 0; i < 4; i++)
    if (!g_ascii_isxdigit (*p++))
      return 0;
  if (strncmp (p, "  ", 2) != 0)
    return 0;
  p += 2;
  while (g_ascii_isxdigit (p[0]) && g_ascii_isxdigit (p[1]) && p[2] == ' ')
    {
      n++;
      p += 3;
      if (*p == ' ' && g_ascii_isxdigit (p[1]))
        p++;          /* between the halves */
    }
  if (n == 0 || *p != ' ')
    return 0;
  p++;
  return strlen (p) == n ? n : 0;
}

/* The hex page, opened as a person would, shows the longest line whole
 * (offset, hex and ASCII) in its visible width, never wrapped, and can
 * scroll sideways where even that does not fit. */
static void
test_hex_shown_whole (void **state)
{
  g_autoptr(PfApplication) app = pf_test_application_start ();
  GtkWidget *window = open_web_with_request (app);
  GtkWidget *inspector = find_inspector (window);
  GtkWidget *notebook = pf_test_find_descendant (inspector, GTK_TYPE_NOTEBOOK);
  GtkTextView *hex;
  GtkWidget *scrolled;
  GtkTextIter start, end;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  const char *longest = NULL;
  g_autoptr(PangoLayout) layout = NULL;
  GtkPolicyType policy;
  int line_width;

  assert_non_null (notebook);
  gtk_notebook_set_current_page (GTK_NOTEBOOK (notebook), 1);

  hex = find_hex_view (inspector);
  assert_non_null (hex);
  pf_test_iterate_until (allocated, hex);
  pf_test_settle ();
  assert_true (gtk_widget_get_mapped (GTK_WIDGET (hex)));
  assert_int_equal (gtk_text_view_get_wrap_mode (hex), GTK_WRAP_NONE);
  assert_true (gtk_text_view_get_monospace (hex));
  scrolled = gtk_widget_get_parent (GTK_WIDGET (hex));
  assert_true (GTK_IS_SCROLLED_WINDOW (scrolled));
  gtk_scrolled_window_get_policy (GTK_SCROLLED_WINDOW (scrolled), &policy, NULL);
  assert_int_not_equal (policy, GTK_POLICY_NEVER);

  gtk_text_buffer_get_bounds (gtk_text_view_get_buffer (hex), &start, &end);
  text = gtk_text_buffer_get_text (gtk_text_view_get_buffer (hex), &start, &end, FALSE);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (longest == NULL || strlen (lines[i]) > strlen (longest))
      longest = lines[i];
  assert_non_null (longest);
  g_test_message ("longest hex line: \"%s\"", longest);
  assert_true (parse_hex_line (longest) >= 4);

  layout = gtk_widget_create_pango_layout (GTK_WIDGET (hex), longest);
  pango_layout_get_pixel_size (layout, &line_width, NULL);
  line_width += gtk_text_view_get_left_margin (hex) + gtk_text_view_get_right_margin (hex);
  g_test_message ("%d px of line in %d px", line_width, gtk_widget_get_width (scrolled));
  assert_true (line_width <= gtk_widget_get_width (scrolled));

  pf_test_destroy_window (GTK_WINDOW (window), window);
}


/* The divider has room to move; where it is moved to is written to the
 * setting, and a new inspector of the same width starts there. */
static void
test_divider_moves_and_is_remembered (void **state)
{
  g_autoptr(PfApplication) app = pf_test_application_start ();
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GSettingsSchema) schema = NULL;
  GtkWidget *window = open_web_with_request (app);
  GtkWidget *inspector = find_inspector (window);
  GtkPaned *paned = GTK_PANED (pf_test_find_descendant (inspector, GTK_TYPE_PANED));
  GtkWindow *second;
  GtkWidget *other;
  GtkPaned *other_paned;
  int min, max, position, width = gtk_widget_get_width (inspector);
  double fraction;

  assert_non_null (paned);
  g_object_get (paned, "min-position", &min, "max-position", &max, NULL);
  g_test_message ("the divider moves from %d to %d px", min, max);
  assert_true (max - min >= 100);

  g_object_get (settings, "settings-schema", &schema, NULL);
  assert_true (g_settings_schema_has_key (schema, "inspector-divider"));

  position = min + (max - min) / 3;
  gtk_paned_set_position (paned, position);
  pf_test_settle ();
  assert_int_equal (gtk_paned_get_position (paned), position);
  fraction = g_settings_get_double (settings, "inspector-divider");
  assert_float_equal (fraction, (double) position / width, 1e-3);

  /* The window keeps it when it is resized. */
  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 720);
  pf_test_settle ();
  assert_float_equal (g_settings_get_double (settings, "inspector-divider"), fraction, 1e-3);

  other = pf_inspector_new ();
  second = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (second, width, 300);
  gtk_window_set_child (second, other);
  gtk_window_present (second);
  other_paned = GTK_PANED (pf_test_find_descendant (other, GTK_TYPE_PANED));
  pf_test_iterate_until (allocated, other);
  pf_test_settle ();
  assert_int_equal (gtk_widget_get_width (other), width);
  g_test_message ("the new inspector's divider at %d px", gtk_paned_get_position (other_paned));
  assert_true (ABS (gtk_paned_get_position (other_paned) - position) <= 1);

  pf_test_destroy_window (second, other);
  pf_test_destroy_window (GTK_WINDOW (window), window);
}


/* Frames the wire carried, shown in an inspector of their own (a player
 * with no scenario, the events made by hand as the wire makes them). */
static const guint8 mac_gw[6] = { 0x02, 0x50, 0x46, 0x00, 0x01, 0x00 };       /* 10.0.0.1 */
static const guint8 mac_laptop[6] = { 0x02, 0x50, 0x46, 0x00, 0x02, 0x00 };   /* 10.0.0.2 */

typedef struct
{
  GtkWindow   *window;
  PfInspector *inspector;
  PfPlayer    *player;
} FrameInspector;

static void
frame_inspector_open (FrameInspector *fi)
{
  fi->player = pf_player_new ();
  fi->inspector = PF_INSPECTOR (pf_inspector_new ());
  pf_view_set_player (PF_VIEW (fi->inspector), fi->player);
  fi->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (fi->window, 900, 500);
  gtk_window_set_child (fi->window, GTK_WIDGET (fi->inspector));
  gtk_window_present (fi->window);
  pf_test_iterate_until (allocated, fi->inspector);
}

static void
frame_inspector_show (FrameInspector *fi,
                      PfEvent        *event)
{
  pf_player_set_selected (fi->player, event);
  pf_test_settle ();
}

static void
assert_field (PfInspector *inspector,
              const char  *path,
              const char  *expected)
{
  g_autofree char *value = pf_inspector_dup_field (inspector, path);

  if (value == NULL)
    fail_msg ("no field %s", path);
  if (!g_str_equal (value, expected))
    fail_msg ("%s is \"%s\", not \"%s\"", path, value, expected);
}

static void
frame_inspector_close (FrameInspector *fi)
{
  pf_view_set_player (PF_VIEW (fi->inspector), NULL);
  g_clear_object (&fi->player);
  pf_test_destroy_window (fi->window, GTK_WIDGET (fi->inspector));
}

static void
test_arp_request (void **state)
{
  g_autoptr(PfApplication) app = pf_test_application_start ();
  const char *everyone[] = { "gw", "printer", NULL };
  g_autoptr(PfPacket) request = pf_packet_new_arp (PF_ARP_REQUEST, mac_laptop, 0x0a000002,
                                                   NULL, 0x0a000001);
  g_autoptr(PfEvent) event = pf_event_new_frame (1000, 0, request, "lan", "laptop",
                                                 everyone, 3500);
  g_autofree char *text = NULL;
  g_autofree char *summary = NULL;
  FrameInspector fi = { 0 };

  (void) state;
  frame_inspector_open (&fi);
  frame_inspector_show (&fi, event);

  assert_field (fi.inspector, "Frame/Kind", "ARP");
  assert_field (fi.inspector, "Frame/Size", "60 bytes");
  assert_field (fi.inspector, "Ethernet II", "02:50:46:00:02:00 → ff:ff:ff:ff:ff:ff");
  assert_field (fi.inspector, "Ethernet II/Destination", "ff:ff:ff:ff:ff:ff (broadcast)");
  assert_field (fi.inspector, "Ethernet II/Source", "02:50:46:00:02:00");
  assert_field (fi.inspector, "Ethernet II/Type", "ARP (0x0806)");
  assert_field (fi.inspector, "Address Resolution Protocol", "Who has 10.0.0.1? Tell 10.0.0.2");
  assert_field (fi.inspector, "Address Resolution Protocol/Operation", "request (1)");
  assert_field (fi.inspector, "Address Resolution Protocol/Sender MAC", "02:50:46:00:02:00");
  assert_field (fi.inspector, "Address Resolution Protocol/Sender IP", "10.0.0.2");
  assert_field (fi.inspector, "Address Resolution Protocol/Target MAC",
                "00:00:00:00:00:00 (unknown: asked for)");
  assert_field (fi.inspector, "Address Resolution Protocol/Target IP", "10.0.0.1");
  assert_field (fi.inspector, "Hop", "laptop → gw, printer on lan");
  assert_field (fi.inspector, "Hop/Link", "lan");
  assert_field (fi.inspector, "Hop/From", "laptop");
  assert_field (fi.inspector, "Hop/To", "gw, printer");
  assert_field (fi.inspector, "Hop/Left", "1.000 ms since the run began");
  assert_field (fi.inspector, "Hop/Delivered", "3.500 ms since the run began");
  assert_field (fi.inspector, "Hop/Latency", "2.500 ms");
  /* no IP layer, no data section: ARP has neither */
  assert_null (pf_inspector_dup_field (fi.inspector, "IPv4"));
  assert_null (pf_inspector_dup_field (fi.inspector, "Data"));

  summary = pf_inspector_dup_summary (fi.inspector);
  assert_string_equal (summary, "ARP Who has 10.0.0.1? Tell 10.0.0.2");
  text = pf_inspector_dup_text (fi.inspector);
  g_test_message ("%s", text);
  assert_true (g_str_has_prefix (text, "Who has 10.0.0.1? Tell 10.0.0.2\n\n"));
  assert_non_null (strstr (text, "10.0.0.2 has an IPv4 packet for 10.0.0.1 but not the MAC address"));
  assert_non_null (strstr (text, "(to ff:ff:ff:ff:ff:ff)"));
  assert_non_null (strstr (text, "at 02:50:46:00:02:00"));

  /* ARP has no data: the Hex tab dumps the frame, from its broadcast
   * destination on. */
  {
    GtkTextView *hex_view = find_hex_view (GTK_WIDGET (fi.inspector));
    GtkTextIter start, end;
    g_autofree char *hex = NULL;

    assert_non_null (hex_view);
    gtk_text_buffer_get_bounds (gtk_text_view_get_buffer (hex_view), &start, &end);
    hex = gtk_text_buffer_get_text (gtk_text_view_get_buffer (hex_view), &start, &end, FALSE);
    g_test_message ("%s", hex);
    assert_true (g_str_has_prefix (hex, "0000  ff ff ff ff ff ff 02 50"));
    assert_non_null (strstr (hex, "08 06 00 01"));
  }

  frame_inspector_close (&fi);
}

static void
test_arp_reply_and_ipv4_frame (void **state)
{
  g_autoptr(PfApplication) app = pf_test_application_start ();
  const char *laptop[] = { "laptop", NULL };
  const char *gw[] = { "gw", NULL };
  g_autoptr(PfPacket) reply = pf_packet_new_arp (PF_ARP_REPLY, mac_gw, 0x0a000001,
                                                 mac_laptop, 0x0a000002);
  g_autoptr(PfPacket) syn = pf_packet_new_tcp (0x0a000002, 40000, 0xC0CBC447, 80, 1000, 0,
                                               PF_TCP_SYN, 64240, NULL, 0);
  g_autoptr(PfPacket) plain = pf_packet_new_tcp (0x0a000002, 40000, 0xC0CBC447, 80, 1000, 0,
                                                 PF_TCP_SYN, 64240, NULL, 0);
  g_autoptr(PfEvent) reply_event = NULL;
  g_autoptr(PfEvent) syn_event = NULL;
  g_autoptr(PfEvent) plain_event = NULL;
  g_autofree char *text = NULL;
  FrameInspector fi = { 0 };

  (void) state;
  syn->ttl = 63;
  pf_packet_set_ethernet (syn, mac_laptop, mac_gw);
  reply_event = pf_event_new_frame (2000, 0, reply, "lan", "gw", laptop, 2100);
  syn_event = pf_event_new_frame (3000, 0, syn, "lan", "laptop", gw, 3250);
  plain_event = pf_event_new_segment (4000, 0, plain);
  frame_inspector_open (&fi);

  frame_inspector_show (&fi, reply_event);
  assert_field (fi.inspector, "Ethernet II/Destination", "02:50:46:00:02:00");
  assert_field (fi.inspector, "Address Resolution Protocol", "10.0.0.1 is at 02:50:46:00:01:00");
  assert_field (fi.inspector, "Address Resolution Protocol/Operation", "reply (2)");
  assert_field (fi.inspector, "Address Resolution Protocol/Target MAC", "02:50:46:00:02:00");
  assert_field (fi.inspector, "Hop/Latency", "0.100 ms");
  text = pf_inspector_dup_text (fi.inspector);
  assert_true (g_str_has_prefix (text, "10.0.0.1 is at 02:50:46:00:01:00\n\n"));
  assert_non_null (strstr (text, "ARP cache"));

  frame_inspector_show (&fi, syn_event);
  assert_field (fi.inspector, "Frame/Kind", "Handshake");
  assert_field (fi.inspector, "Frame/Origin", "modelled: rebuilt from socket events; not seen on the wire");
  assert_field (fi.inspector, "Ethernet II/Source", "02:50:46:00:02:00");
  assert_field (fi.inspector, "Ethernet II/Destination", "02:50:46:00:01:00");
  assert_field (fi.inspector, "Ethernet II/Type", "IPv4 (0x0800)");
  assert_field (fi.inspector, "IPv4/Time to live", "63");
  assert_field (fi.inspector, "IPv4/Source", "10.0.0.2");
  assert_field (fi.inspector, "TCP/Flags/Synchronize (SYN)", "set");
  assert_field (fi.inspector, "Hop", "laptop → gw on lan");
  assert_field (fi.inspector, "Hop/Latency", "0.250 ms");
  assert_null (pf_inspector_dup_field (fi.inspector, "Address Resolution Protocol"));

  /* A segment no wire carried: no Ethernet, no hop. */
  frame_inspector_show (&fi, plain_event);
  assert_field (fi.inspector, "IPv4/Time to live", "64");
  assert_null (pf_inspector_dup_field (fi.inspector, "Ethernet II"));
  assert_null (pf_inspector_dup_field (fi.inspector, "Hop"));

  frame_inspector_close (&fi);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_ten_rows_visible),
    cmocka_unit_test (test_hex_shown_whole),
    cmocka_unit_test (test_divider_moves_and_is_remembered),
    cmocka_unit_test (test_arp_request),
    cmocka_unit_test (test_arp_reply_and_ipv4_frame),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
