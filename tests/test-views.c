/* test-views.c: the packet list, the inspector and the socket table
 * follow the player through a run of "web", in both modes
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

#include <adwaita.h>

#include "pf-application.h"
#include "pf-builtin.h"
#include "pf-inspector.h"
#include "pf-ladder-private.h"
#include "pf-packet-list.h"
#include "pf-player.h"
#include "pf-socket-table.h"
#include "pf-stage-private.h"
#include "pf-test-network.h"
#include "pf-view-util.h"
#include "pf-window.h"

typedef struct
{
  PfPlayer      *player;
  GtkWindow     *window;
  PfPacketList  *packet_list;
  PfInspector   *inspector;
  PfSocketTable *socket_table;
} Fixture;

static void
step_forward (Fixture *f)
{
  pf_player_step_forward (f->player);
  pf_test_wait_idle (f->player, PF_TEST_TIMEOUT_S);
  pf_test_settle ();
}

static guint
count_css_class (GtkWidget  *widget,
                 const char *css_class)
{
  guint n = gtk_widget_has_css_class (widget, css_class) ? 1 : 0;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_css_class (child, css_class);

  return n;
}

static GtkSelectionModel *
packet_selection (Fixture *f)
{
  GtkWidget *column_view = pf_test_find_descendant (GTK_WIDGET (f->packet_list),
                                                    GTK_TYPE_COLUMN_VIEW);

  assert_non_null (column_view);
  return gtk_column_view_get_model (GTK_COLUMN_VIEW (column_view));
}

static PfEvent *
nth_segment (PfPlayer *player,
             guint     n)
{
  PfTimeline *timeline = pf_player_get_timeline (player);

  for (guint i = 0; i < pf_player_get_position (player); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      if (pf_event_get_kind (event) == PF_EVENT_SEGMENT && n-- == 0)
        return event;
    }

  return NULL;
}

static gboolean
is_arp (PfEvent *event)
{
  return pf_packet_get_kind (pf_event_get_packet (event)) == PF_PACKET_KIND_ARP;
}

/* The @n-th IP segment on screen: exact mode carries ARP frames on the
 * wire before the first IP packet to each neighbour, rows of the packet
 * list too. */
static PfEvent *
nth_ip_segment (PfPlayer *player,
                guint     n)
{
  PfEvent *event;

  for (guint i = 0; (event = nth_segment (player, i)) != NULL; i++)
    if (!is_arp (event) && n-- == 0)
      return event;
  return NULL;
}

/* The packet list's row of @segment, unfiltered: one row a segment. */
static guint
row_of (PfPlayer *player,
        PfEvent  *segment)
{
  for (guint i = 0; nth_segment (player, i) != NULL; i++)
    if (nth_segment (player, i) == segment)
      return i;
  fail_msg ("the segment is not on screen");
  return 0;
}

static guint
count_arp (PfPlayer *player)
{
  PfEvent *event;
  guint n = 0;

  for (guint i = 0; (event = nth_segment (player, i)) != NULL; i++)
    n += is_arp (event);
  return n;
}

/* The ARP frames that name @address, asking for it or answering with
 * it: the packet list's columns show it, its search finds it. */
static guint
count_arp_with (PfPlayer   *player,
                const char *address)
{
  PfIpv4 ip = pf_test_ip (address);
  PfEvent *event;
  guint n = 0;

  for (guint i = 0; (event = nth_segment (player, i)) != NULL; i++)
    n += is_arp (event) &&
         (pf_event_get_packet (event)->arp_spa == ip || pf_event_get_packet (event)->arp_tpa == ip);
  return n;
}

static gboolean
is_exact (PfPlayer *player)
{
  return pf_netspace_get_mode (pf_engine_get_netspace (pf_player_get_engine (player))) ==
         PF_NETSPACE_MODE_EXACT;
}

/* The last STATE event on screen for @host_id's connected TCP socket. */
static PfEvent *
last_state (PfPlayer   *player,
            const char *host_id)
{
  PfTimeline *timeline = pf_player_get_timeline (player);
  PfEvent *found = NULL;

  for (guint i = 0; i < pf_player_get_position (player); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      if (pf_event_get_kind (event) == PF_EVENT_STATE &&
          g_strcmp0 (pf_event_get_host_id (event), host_id) == 0 &&
          pf_event_get_tuple (event)->dst.port != 0)
        found = event;
    }

  return found;
}

static guint
count_segments (PfPlayer *player)
{
  guint n = 0;

  while (nth_segment (player, n) != NULL)
    n++;
  return n;
}

static int
setup (void       **state,
       PfNetspaceMode mode)
{
  Fixture *f = g_new0 (Fixture, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  f->player = pf_test_player_new_builtin ("web", mode);

  f->packet_list = PF_PACKET_LIST (pf_packet_list_new ());
  f->inspector = PF_INSPECTOR (pf_inspector_new ());
  f->socket_table = PF_SOCKET_TABLE (pf_socket_table_new ());
  g_object_set (f->packet_list, "player", f->player, NULL);
  g_object_set (f->inspector, "player", f->player, NULL);
  g_object_set (f->socket_table, "player", f->player, NULL);

  gtk_widget_set_vexpand (GTK_WIDGET (f->packet_list), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (f->inspector), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (f->socket_table), TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (f->socket_table));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (f->packet_list));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (f->inspector));

  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 1000, 900);
  gtk_window_set_child (f->window, box);
  gtk_window_present (f->window);
  pf_test_iterate_until (pf_test_widget_is_mapped, f->window);

  *state = f;
  return 0;
}

static int
setup_exact (void **state)
{
  return setup (state, PF_NETSPACE_MODE_EXACT);
}

static int
setup_loopback (void **state)
{
  return setup (state, PF_NETSPACE_MODE_LOOPBACK);
}

/* Closing the window finalizes every view; the player goes last. */
static int
teardown (void **state)
{
  Fixture *f = *state;
  gpointer window = f->window;
  gpointer packet_list = f->packet_list;
  gpointer inspector = f->inspector;
  gpointer socket_table = f->socket_table;
  gpointer player = f->player;

  g_object_add_weak_pointer (G_OBJECT (window), &window);
  g_object_add_weak_pointer (G_OBJECT (packet_list), &packet_list);
  g_object_add_weak_pointer (G_OBJECT (inspector), &inspector);
  g_object_add_weak_pointer (G_OBJECT (socket_table), &socket_table);
  g_object_add_weak_pointer (G_OBJECT (player), &player);

  gtk_window_destroy (f->window);
  pf_test_iterate_until (pf_test_is_null, &window);
  pf_test_iterate_until (pf_test_is_null, &packet_list);
  pf_test_iterate_until (pf_test_is_null, &inspector);
  pf_test_iterate_until (pf_test_is_null, &socket_table);

  /* The views held no reference of their own on the player. */
  g_object_unref (f->player);
  assert_null (player);

  g_free (f);
  return 0;
}

static void
check_handshake (Fixture *f)
{
  PfEvent *laptop = last_state (f->player, "laptop");
  PfEvent *knuth = last_state (f->player, "knuth");
  PfFourTuple mirrored;

  /* SYN, SYN-ACK, ACK; on the wire (exact mode) the ARP request and
   * reply before them. */
  assert_int_equal (count_arp (f->player), is_exact (f->player) ? 2 : 0);
  assert_int_equal (count_segments (f->player), is_exact (f->player) ? 5 : 3);
  assert_int_equal (pf_packet_list_get_n_rows (f->packet_list), count_segments (f->player));
  assert_int_equal (pf_event_get_packet (nth_ip_segment (f->player, 0))->flags, PF_TCP_SYN);
  assert_int_equal (pf_event_get_packet (nth_ip_segment (f->player, 1))->flags, PF_TCP_SYN | PF_TCP_ACK);
  assert_int_equal (pf_event_get_packet (nth_ip_segment (f->player, 2))->flags, PF_TCP_ACK);
  assert_null (nth_ip_segment (f->player, 3));

  /* Both ends of the connection, with the tuples the engine recorded. */
  assert_non_null (laptop);
  assert_non_null (knuth);
  mirrored = pf_four_tuple_reversed (pf_event_get_tuple (laptop));
  assert_true (pf_four_tuple_equal (&mirrored, pf_event_get_tuple (knuth)));
  assert_string_equal (pf_socket_table_get_state (f->socket_table, "laptop",
                                                  pf_event_get_tuple (laptop)->src.port,
                                                  pf_event_get_tuple (laptop)->dst.port),
                       "ESTABLISHED");
  assert_string_equal (pf_socket_table_get_state (f->socket_table, "knuth",
                                                  pf_event_get_tuple (knuth)->src.port,
                                                  pf_event_get_tuple (knuth)->dst.port),
                       "ESTABLISHED");
  /* The scenario's port finds the same row as the kernel's. */
  assert_string_equal (pf_socket_table_get_state (f->socket_table, "knuth", 80,
                                                  pf_event_get_tuple (knuth)->dst.port),
                       "ESTABLISHED");
  assert_true (pf_socket_table_get_changed (f->socket_table, "laptop",
                                            pf_event_get_tuple (laptop)->src.port,
                                            pf_event_get_tuple (laptop)->dst.port));

  /* The three services listen, and did not change in this step. */
  assert_string_equal (pf_socket_table_get_state (f->socket_table, "knuth", 80, 0), "LISTEN");
  assert_string_equal (pf_socket_table_get_state (f->socket_table, "knuth", 25, 0), "LISTEN");
  assert_string_equal (pf_socket_table_get_state (f->socket_table, "knuth", 22, 0), "LISTEN");
  assert_false (pf_socket_table_get_changed (f->socket_table, "knuth", 80, 0));
  assert_null (pf_socket_table_get_state (f->socket_table, "laptop", 80, 0));
  assert_int_equal (pf_socket_table_get_n_rows (f->socket_table), 5);
  /* Both ends' rows are highlighted on screen, nothing else. */
  assert_int_equal (count_css_class (GTK_WIDGET (f->socket_table), "changed"), 2);
}

static void
assert_field (Fixture    *f,
              const char *path,
              const char *expected)
{
  g_autofree char *value = pf_inspector_dup_field (f->inspector, path);

  if (value == NULL)
    fail_msg ("no field %s", path);
  assert_string_equal (value, expected);
}

/* Sequence numbers relative to each side's SYN, and raw as sent. */
static void
check_syn_ack_fields (Fixture *f,
                      PfEvent *syn_ack)
{
  PfPacket *packet = pf_event_get_packet (syn_ack);
  PfPacket *syn = pf_event_get_packet (nth_ip_segment (f->player, 0));
  g_autofree char *raw_seq = g_strdup_printf ("%u", packet->seq);
  g_autofree char *raw_ack = g_strdup_printf ("%u", packet->ack);
  gboolean modelled = packet->origin == PF_PACKET_ORIGIN_MODELLED;

  assert_int_equal (packet->ack, syn->seq + 1);
  assert_field (f, "TCP/Sequence number", "0 (relative to this side's SYN)");
  assert_field (f, "TCP/Sequence number (raw)", raw_seq);
  assert_field (f, "TCP/Acknowledgment number", "1 (relative to the other side's SYN)");
  assert_field (f, "TCP/Acknowledgment number (raw)", raw_ack);
  assert_field (f, "TCP/Flags/Synchronize (SYN)", "set");
  assert_field (f, "TCP/Flags/Acknowledgment (ACK)", "set");
  assert_field (f, "TCP/Flags/Finish (FIN)", "not set");
  /* Loopback mode names the port the kernel used too. */
  assert_field (f, "TCP/Source port", modelled ? "80 (web; here 8080)" : "80 (web)");
  assert_field (f, "Frame", modelled ? "modelled" : "captured");
  /* The kind as a person reads it, not the trace's nick. */
  assert_field (f, "Frame/Kind", "Handshake");
  assert_null (pf_inspector_dup_field (f->inspector, "TCP/No such field"));
}

/* Selects the SYN-ACK's row as a click would, and checks the inspector. */
static void
check_syn_ack_selected (Fixture *f)
{
  PfEvent *laptop = last_state (f->player, "laptop");
  PfEngine *engine = pf_player_get_engine (f->player);
  guint16 port = pf_netspace_unmap_port (pf_engine_get_netspace (engine),
                                         pf_event_get_tuple (laptop)->src.port);
  g_autofree char *expected = NULL;
  g_autofree char *summary = NULL;
  GtkSelectionModel *selection = packet_selection (f);

  expected = g_strdup_printf ("TCP 192.203.196.71:80 → 10.0.0.2:%u SYN,ACK", port);
  assert_null (pf_player_get_selected (f->player));
  assert_true (gtk_selection_model_select_item (selection,
                                               row_of (f->player, nth_ip_segment (f->player, 1)), TRUE));
  pf_test_settle ();

  assert_ptr_equal (pf_player_get_selected (f->player), nth_ip_segment (f->player, 1));
  summary = pf_inspector_dup_summary (f->inspector);
  assert_non_null (summary);
  assert_string_equal (summary, expected);
  /* Frame, IPv4, TCP with flags and options, data: more than a handful. */
  assert_true (pf_inspector_get_n_fields (f->inspector) > 30);
  check_syn_ack_fields (f, nth_ip_segment (f->player, 1));
}

static void
run_web (Fixture *f)
{
  GtkSelectionModel *selection = packet_selection (f);
  g_autofree char *first_summary = NULL;
  g_autofree char *again = NULL;
  guint16 laptop_port;
  PfEvent *laptop;

  /* Before the first step: the listeners, no segment. */
  assert_int_equal (pf_packet_list_get_n_rows (f->packet_list), 0);
  assert_int_equal (pf_socket_table_get_n_rows (f->socket_table), 3);
  assert_null (pf_inspector_dup_summary (f->inspector));
  assert_int_equal (pf_inspector_get_n_fields (f->inspector), 0);

  step_forward (f);
  check_handshake (f);
  check_syn_ack_selected (f);
  first_summary = pf_inspector_dup_summary (f->inspector);
  laptop_port = pf_event_get_tuple (last_state (f->player, "laptop"))->src.port;

  /* Selecting elsewhere (the player) selects the row. */
  pf_player_set_selected (f->player, nth_ip_segment (f->player, 2));
  pf_test_settle ();
  assert_int_equal (gtk_single_selection_get_selected (GTK_SINGLE_SELECTION (selection)),
                    row_of (f->player, nth_ip_segment (f->player, 2)));
  g_free (again);
  again = pf_inspector_dup_summary (f->inspector);
  assert_string_not_equal (again, first_summary);
  assert_true (g_str_has_suffix (again, " ACK"));

  /* Back: no segment, nothing selected, only the listeners. */
  pf_player_step_back (f->player);
  pf_test_settle ();
  assert_int_equal (pf_packet_list_get_n_rows (f->packet_list), 0);
  assert_null (pf_player_get_selected (f->player));
  assert_null (pf_inspector_dup_summary (f->inspector));
  assert_int_equal (pf_inspector_get_n_fields (f->inspector), 0);
  assert_int_equal (pf_socket_table_get_n_rows (f->socket_table), 3);
  assert_null (pf_socket_table_get_state (f->socket_table, "laptop", laptop_port, 0));
  assert_null (pf_socket_table_get_state (f->socket_table, "laptop", laptop_port, 80));
  assert_string_equal (pf_socket_table_get_state (f->socket_table, "knuth", 80, 0), "LISTEN");
  assert_int_equal (count_css_class (GTK_WIDGET (f->socket_table), "changed"), 0);

  /* Forward over the recorded history: the same picture. */
  step_forward (f);
  check_handshake (f);
  check_syn_ack_selected (f);
  g_free (again);
  again = pf_inspector_dup_summary (f->inspector);
  assert_string_equal (again, first_summary);

  /* The request changes no socket's state: nothing is highlighted. */
  step_forward (f);
  assert_string_equal (pf_socket_table_get_state (f->socket_table, "laptop", laptop_port, 80),
                       "ESTABLISHED");
  assert_false (pf_socket_table_get_changed (f->socket_table, "laptop", laptop_port, 80));
  assert_int_equal (count_css_class (GTK_WIDGET (f->socket_table), "changed"), 0);

  /* To the end: the laptop closed first, so it waits in TIME_WAIT. */
  while (pf_player_can_step_forward (f->player))
    step_forward (f);
  laptop = last_state (f->player, "laptop");
  assert_string_equal (pf_socket_table_get_state (f->socket_table, "laptop",
                                                  pf_event_get_tuple (laptop)->src.port,
                                                  pf_event_get_tuple (laptop)->dst.port),
                       "TIME_WAIT");
  assert_true (pf_socket_table_get_changed (f->socket_table, "laptop",
                                            pf_event_get_tuple (laptop)->src.port,
                                            pf_event_get_tuple (laptop)->dst.port));
  assert_int_equal (pf_packet_list_get_n_rows (f->packet_list), count_segments (f->player));
}

static void
test_web_run_exact (void **state)
{
  run_web (*state);
}

static void
test_web_run_loopback (void **state)
{
  run_web (*state);
}

typedef struct
{
  guint position;
  guint removed;
  guint added;
  guint n_calls;
} Change;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Change     *change)
{
  change->position = position;
  change->removed = removed;
  change->added = added;
  change->n_calls++;
}

/* A step forward appends the new rows; a step back drops only the tail. */
static void
test_incremental (void **state)
{
  Fixture *f = *state;
  GtkSelectionModel *selection = packet_selection (f);
  Change change = { 0 };
  guint after_first;
  gulong id;

  step_forward (f);
  after_first = pf_packet_list_get_n_rows (f->packet_list);
  assert_int_equal (after_first, 3);

  id = g_signal_connect (selection, "items-changed", G_CALLBACK (on_items_changed), &change);
  step_forward (f);
  assert_int_equal (change.n_calls, 1);
  assert_int_equal (change.position, after_first);
  assert_int_equal (change.removed, 0);
  assert_int_equal (change.added, pf_packet_list_get_n_rows (f->packet_list) - after_first);
  assert_true (change.added > 0);

  change.n_calls = 0;
  pf_player_step_back (f->player);
  pf_test_settle ();
  assert_int_equal (change.n_calls, 1);
  assert_int_equal (change.position, after_first);
  assert_int_equal (change.added, 0);
  assert_int_equal (pf_packet_list_get_n_rows (f->packet_list), after_first);
  g_signal_handler_disconnect (selection, id);
}

/* A restart is a new run: every view starts over with it. */
static void
test_restart (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;

  step_forward (f);
  pf_player_set_selected (f->player, nth_segment (f->player, 0));
  summary = pf_inspector_dup_summary (f->inspector);
  assert_non_null (summary);

  assert_true (pf_player_restart (f->player, &error));
  assert_null (error);
  pf_test_settle ();
  assert_int_equal (pf_packet_list_get_n_rows (f->packet_list), 0);
  assert_int_equal (pf_socket_table_get_n_rows (f->socket_table), 3);
  assert_null (pf_inspector_dup_summary (f->inspector));

  step_forward (f);
  check_handshake (f);
}

static const char udp_scenario[] =
  "{ \"format\": \"packetflow-scenario\", \"version\": 1, \"title\": \"UDP\","
  "  \"summary\": \"A datagram and its echo.\","
  "  \"hosts\": ["
  "    { \"id\": \"laptop\", \"name\": \"Laptop\", \"kind\": \"laptop\","
  "      \"address\": \"10.0.0.2\" },"
  "    { \"id\": \"knuth\", \"name\": \"Knuth\", \"kind\": \"server\","
  "      \"address\": \"192.203.196.71\","
  "      \"services\": [ { \"type\": \"echo\", \"protocol\": \"udp\", \"port\": 7 } ] } ],"
  "  \"steps\": ["
  "    { \"narration\": \"Ping.\", \"action\": \"udp\", \"from\": \"laptop\","
  "      \"to\": \"knuth\", \"port\": 7, \"data\": \"ping\" } ] }";

/* UDP sockets have rows without a state; datagrams show as UDP. */
static void
test_udp (void **state)
{
  Fixture *f = *state;
  g_autoptr(GBytes) bytes = g_bytes_new_static (udp_scenario, strlen (udp_scenario));
  g_autoptr(PfScenario) scenario = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *expected = NULL;
  PfPacket *ping;

  scenario = pf_scenario_load_bytes (bytes, "udp.pflow.json", &error);
  if (scenario == NULL)
    fail_msg ("%s", error->message);
  if (!pf_player_load (f->player, scenario, PF_NETSPACE_MODE_LOOPBACK, &error))
    fail_msg ("%s", error->message);
  pf_test_settle ();
  /* The echo service's socket is bound from the start, unused yet. */
  assert_int_equal (pf_packet_list_get_n_rows (f->packet_list), 0);
  assert_int_equal (pf_socket_table_get_n_rows (f->socket_table), 1);
  assert_null (pf_socket_table_get_state (f->socket_table, "knuth", 7, 0));

  step_forward (f);
  assert_int_equal (pf_packet_list_get_n_rows (f->packet_list), 2);
  ping = pf_event_get_packet (nth_segment (f->player, 0));
  assert_int_equal (ping->protocol, PF_IP_PROTOCOL_UDP);

  /* The laptop's socket is new in this step; the service's is not. */
  assert_int_equal (pf_socket_table_get_n_rows (f->socket_table), 2);
  assert_null (pf_socket_table_get_state (f->socket_table, "laptop", ping->sport, 0));
  assert_true (pf_socket_table_get_changed (f->socket_table, "laptop", ping->sport, 0));
  assert_false (pf_socket_table_get_changed (f->socket_table, "knuth", 7, 0));

  /* Back before the step: the laptop's socket was not bound yet. */
  pf_player_step_back (f->player);
  pf_test_settle ();
  assert_int_equal (pf_socket_table_get_n_rows (f->socket_table), 1);
  step_forward (f);

  pf_player_set_selected (f->player, nth_segment (f->player, 0));
  summary = pf_inspector_dup_summary (f->inspector);
  expected = g_strdup_printf ("UDP 10.0.0.2:%u → 192.203.196.71:7", ping->sport);
  assert_string_equal (summary, expected);
}

/* The labels under @widget: those with @css_class (or all, for NULL)
 * whose text is @text (or any, for NULL). */
static guint
count_labels (GtkWidget  *widget,
              const char *css_class,
              const char *text,
              char      **out_text)
{
  guint n = 0;

  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
      (css_class == NULL || gtk_widget_has_css_class (widget, css_class)) &&
      (text == NULL || g_str_equal (gtk_label_get_text (GTK_LABEL (widget)), text)))
    {
      if (out_text != NULL)
        {
          g_free (*out_text);
          *out_text = g_strdup (gtk_label_get_text (GTK_LABEL (widget)));
        }
      n++;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_labels (child, css_class, text, out_text);
  return n;
}

typedef struct
{
  GtkWidget  *widget;
  const char *text;
  guint       n;
} LabelsWait;

static gboolean
labels_are (gpointer data)
{
  LabelsWait *wait = data;

  return count_labels (wait->widget, NULL, wait->text, NULL) == wait->n;
}

/* A list's rows get their labels when it lays them out, a frame or two
 * after its model changed: waits for @n labels reading @text. */
static void
wait_for_labels (GtkWidget  *widget,
                 const char *text,
                 guint       n)
{
  LabelsWait wait = { widget, text, n };

  pf_test_iterate_until (labels_are, &wait);
  assert_int_equal (count_labels (widget, NULL, text, NULL), n);
}

static void
load_and_run (Fixture        *f,
              PfScenario     *scenario,
              PfNetspaceMode  mode)
{
  g_autoptr(GError) error = NULL;

  if (!pf_player_load (f->player, scenario, mode, &error))
    fail_msg ("%s", error->message);
  while (pf_player_can_step_forward (f->player))
    step_forward (f);
}

static void filter_packets (Fixture    *f,
                            const char *text,
                            guint       expected_rows);

static PfEvent *
first_segment_of (PfPlayer *player,
                  guint8    protocol)
{
  for (guint n = 0; nth_segment (player, n) != NULL; n++)
    if (pf_event_get_packet (nth_segment (player, n))->protocol == protocol)
      return nth_segment (player, n);
  return NULL;
}

/* An ICMP port unreachable in words in the packet list and the
 * inspector, and tied to the datagram it is about: selecting either
 * marks the other's row. Exact mode: loopback mode models no ICMP. */
static void
test_icmp (void **state)
{
  Fixture *f = *state;
  const char *dir = g_getenv ("PACKETFLOW_SOURCE_DIR");
  g_autofree char *path = g_build_filename (dir, "tests", "scenarios",
                                            "icmp-unreachable.pflow.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PfScenario) scenario = pf_scenario_load_file (path, &error);
  g_autofree char *related = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *value = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *expected = NULL;
  PfEvent *udp, *icmp;
  GtkWidget *list = GTK_WIDGET (f->packet_list);

  if (scenario == NULL)
    fail_msg ("%s", error->message);
  load_and_run (f, scenario, PF_NETSPACE_MODE_EXACT);
  udp = first_segment_of (f->player, PF_IP_PROTOCOL_UDP);
  icmp = first_segment_of (f->player, PF_IP_PROTOCOL_ICMP);
  assert_non_null (udp);
  assert_non_null (icmp);
  /* The datagram and the ICMP error, and the ARP the wire carried
   * before the datagram. */
  assert_true (count_arp (f->player) >= 2);
  assert_int_equal (pf_packet_list_get_n_rows (f->packet_list), 2 + count_arp (f->player));
  assert_int_equal (count_segments (f->player), 2 + count_arp (f->player));

  /* Protocol and Info columns. */
  wait_for_labels (list, "ICMP", 1);
  wait_for_labels (list, "Destination unreachable (Port unreachable)", 1);
  wait_for_labels (list, "Anyone there?", 1);
  /* ICMP's source and destination: addresses, no port 0 (its row
   * alone: the ARP rows name the addresses too). */
  filter_packets (f, "icmp", 1);
  wait_for_labels (list, "10.0.0.7", 1);
  wait_for_labels (list, "10.0.0.2", 1);
  assert_int_equal (count_labels (list, NULL, "10.0.0.7:0", NULL), 0);
  filter_packets (f, "", count_segments (f->player));

  /* Nothing selected, nothing related. */
  assert_int_equal (count_labels (list, "pf-related", NULL, NULL), 0);
  pf_player_set_selected (f->player, icmp);
  pf_test_settle ();
  assert_int_equal (count_labels (list, "pf-related", NULL, &related), 1);
  /* The No. column: the datagram's row, counted from 1. */
  g_free (expected);
  expected = g_strdup_printf ("%u", row_of (f->player, udp) + 1);
  assert_string_equal (related, expected);
  pf_player_set_selected (f->player, udp);
  pf_test_settle ();
  assert_int_equal (count_labels (list, "pf-related", NULL, &related), 1);
  g_free (expected);
  expected = g_strdup_printf ("%u", row_of (f->player, icmp) + 1);
  assert_string_equal (related, expected);
  g_clear_pointer (&expected, g_free);

  /* The inspector: the datagram's text, then the ICMP section. */
  value = pf_inspector_dup_field (f->inspector, "Text/Line 1");
  assert_string_equal (value, "Anyone there?");
  pf_player_set_selected (f->player, icmp);
  pf_test_settle ();
  summary = pf_inspector_dup_summary (f->inspector);
  assert_string_equal (summary, "ICMP 10.0.0.7 → 10.0.0.2 Destination unreachable (Port unreachable)");
  g_clear_pointer (&value, g_free);
  value = pf_inspector_dup_field (f->inspector, "ICMP/Type");
  assert_string_equal (value, "3 (Destination unreachable)");
  g_clear_pointer (&value, g_free);
  value = pf_inspector_dup_field (f->inspector, "ICMP/Code");
  assert_string_equal (value, "3 (Port unreachable)");
  quoted = pf_inspector_dup_field (f->inspector, "ICMP/Quoted datagram");
  expected = g_strdup_printf ("UDP 10.0.0.2:%u → 10.0.0.7:9", pf_event_get_packet (udp)->sport);
  assert_string_equal (quoted, expected);
  g_clear_pointer (&value, g_free);
  value = pf_inspector_dup_field (f->inspector, "ICMP/Quoted datagram/Identification");
  expected = (g_free (expected), g_strdup_printf ("0x%04x (%u)", pf_event_get_packet (udp)->ip_id,
                                                  pf_event_get_packet (udp)->ip_id));
  assert_string_equal (value, expected);
  /* The ICMP bytes are no text to read. */
  assert_null (pf_inspector_dup_field (f->inspector, "Text"));
}

/* DNS and HTTP in words: the Protocol and Info columns and the
 * inspector's sections, in loopback mode too (the kernel's ports are
 * not 53 and 80 there). */
static void
test_application (void **state)
{
  Fixture *f = *state;
  PfNetspaceMode mode = pf_netspace_get_mode (pf_engine_get_netspace (pf_player_get_engine (f->player)));
  g_autoptr(PfScenario) scenario = pf_builtin_load ("dns", NULL);
  GtkWidget *list = GTK_WIDGET (f->packet_list);
  g_autofree char *info = NULL;
  g_autofree char *value = NULL;
  PfEvent *query, *response, *get = NULL;

  load_and_run (f, scenario, mode);
  query = nth_ip_segment (f->player, 0);
  response = nth_ip_segment (f->player, 1);
  assert_int_equal (pf_event_get_packet (query)->protocol, PF_IP_PROTOCOL_UDP);

  wait_for_labels (list, "DNS", 4);
  /* The HTTP rows alone: with the ARP rows of exact mode they may be
   * below the list's fold, and rows out of view have no labels. */
  filter_packets (f, "http", 2);
  wait_for_labels (list, "HTTP", 2);
  wait_for_labels (list, "GET / HTTP/1.1", 1);
  filter_packets (f, "", count_segments (f->player));
  for (guint n = 0; nth_segment (f->player, n) != NULL; n++)
    {
      PfPacket *packet = pf_event_get_packet (nth_segment (f->player, n));

      if (packet->protocol == PF_IP_PROTOCOL_TCP && pf_packet_get_payload_length (packet) > 0 &&
          get == NULL)
        get = nth_segment (f->player, n);
    }
  assert_non_null (get);

  pf_player_set_selected (f->player, query);
  pf_test_settle ();
  info = pf_inspector_dup_field (f->inspector, "DNS");
  assert_true (g_str_has_prefix (info, "Standard query 0x"));
  assert_true (g_str_has_suffix (info, " A knuth.luther.edu"));
  wait_for_labels (list, info, 1);
  value = pf_inspector_dup_field (f->inspector, "DNS/Question");
  assert_string_equal (value, "knuth.luther.edu, type A, class IN");
  /* The Text tab says the binary message in words, not its bytes
   * escaped; the Hex tab keeps the bytes. */
  g_clear_pointer (&value, g_free);
  value = pf_inspector_dup_text (f->inspector);
  assert_true (g_str_has_prefix (value, info));
  assert_null (strstr (value, "\\x"));

  pf_player_set_selected (f->player, response);
  pf_test_settle ();
  g_clear_pointer (&value, g_free);
  value = pf_inspector_dup_field (f->inspector, "DNS/Answers/Answer 1");
  assert_string_equal (value, "knuth.luther.edu, type A, TTL 300 s, 192.203.196.71");
  g_clear_pointer (&value, g_free);
  value = pf_inspector_dup_field (f->inspector, "DNS/Flags");
  assert_true (g_str_has_prefix (value, "response, authoritative"));

  pf_player_set_selected (f->player, get);
  pf_test_settle ();
  g_clear_pointer (&value, g_free);
  value = pf_inspector_dup_field (f->inspector, "HTTP");
  assert_string_equal (value, "GET / HTTP/1.1");
  g_clear_pointer (&value, g_free);
  value = pf_inspector_dup_field (f->inspector, "HTTP/Line 1");
  assert_string_equal (value, "GET / HTTP/1.1");
  g_clear_pointer (&value, g_free);
  value = pf_inspector_dup_field (f->inspector, "HTTP/Line 2");
  assert_true (g_str_has_prefix (value, "Host: "));
}

/* The server lists first, with more listeners than the table shows. */
static const char many_listeners_scenario[] =
  "{ \"format\": \"packetflow-scenario\", \"version\": 1, \"title\": \"Listeners\","
  "  \"summary\": \"A connection below the fold.\","
  "  \"hosts\": ["
  "    { \"id\": \"knuth\", \"name\": \"Knuth\", \"kind\": \"server\","
  "      \"address\": \"192.203.196.71\","
  "      \"services\": ["
  "        { \"type\": \"echo\", \"port\": 7 }, { \"type\": \"echo\", \"port\": 9 },"
  "        { \"type\": \"echo\", \"port\": 13 }, { \"type\": \"echo\", \"port\": 17 },"
  "        { \"type\": \"echo\", \"port\": 19 }, { \"type\": \"echo\", \"port\": 21 },"
  "        { \"type\": \"echo\", \"port\": 23 }, { \"type\": \"echo\", \"port\": 80 } ] },"
  "    { \"id\": \"laptop\", \"name\": \"Laptop\", \"kind\": \"laptop\","
  "      \"address\": \"10.0.0.2\" } ],"
  "  \"steps\": ["
  "    { \"narration\": \"Connect.\", \"action\": \"connect\", \"id\": \"c\","
  "      \"from\": \"laptop\", \"to\": \"knuth\", \"port\": 80 } ] }";

static void
load_scenario (Fixture    *f,
               const char *json)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (json, strlen (json));
  g_autoptr(PfScenario) scenario = NULL;
  g_autoptr(GError) error = NULL;

  scenario = pf_scenario_load_bytes (bytes, "test.pflow.json", &error);
  if (scenario == NULL)
    fail_msg ("%s", error->message);
  if (!pf_player_load (f->player, scenario, PF_NETSPACE_MODE_LOOPBACK, &error))
    fail_msg ("%s", error->message);
  pf_test_settle ();
}

/* Every row widget with @css_class lies whole inside @viewport. */
static guint
count_rows_inside (GtkWidget  *widget,
                   GtkWidget  *viewport,
                   const char *css_class)
{
  guint n = 0;

  if (gtk_widget_has_css_class (widget, css_class))
    {
      graphene_rect_t bounds;

      if (gtk_widget_get_mapped (widget) &&
          gtk_widget_compute_bounds (widget, viewport, &bounds) &&
          bounds.size.height > 0 && bounds.origin.y >= 0 &&
          bounds.origin.y + bounds.size.height <= gtk_widget_get_height (viewport) + 0.5)
        n++;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_rows_inside (child, viewport, css_class);

  return n;
}

static gboolean
changed_rows_in_view (gpointer list_view)
{
  return count_rows_inside (list_view, list_view, "changed") == 2;
}

/* A step that changes rows below the fold scrolls them into view. */
static void
test_socket_table_scrolls (void **state)
{
  Fixture *f = *state;
  GtkWidget *column_view = pf_test_find_descendant (GTK_WIDGET (f->socket_table),
                                                    GTK_TYPE_COLUMN_VIEW);
  GtkWidget *list_view = pf_view_get_list_view (GTK_COLUMN_VIEW (column_view));
  GtkWidget *scrolled = pf_test_find_descendant (GTK_WIDGET (f->socket_table),
                                                 GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *vadjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));

  /* Room for about three rows. */
  gtk_widget_set_vexpand (GTK_WIDGET (f->socket_table), FALSE);
  gtk_widget_set_size_request (GTK_WIDGET (f->socket_table), -1, 120);
  load_scenario (f, many_listeners_scenario);
  assert_int_equal (pf_socket_table_get_n_rows (f->socket_table), 8);
  assert_true (gtk_adjustment_get_value (vadjustment) == 0);

  step_forward (f);
  pf_test_settle ();
  assert_int_equal (pf_socket_table_get_n_rows (f->socket_table), 10);
  assert_true (gtk_adjustment_get_upper (vadjustment) > gtk_adjustment_get_page_size (vadjustment));
  /* Knuth's end of the connection, row 9 of 10, comes into view (in a
   * frame or two), and so does the laptop's below it. */
  pf_test_iterate_until (changed_rows_in_view, list_view);
  assert_true (gtk_adjustment_get_value (vadjustment) > 0);
  assert_int_equal (count_rows_inside (list_view, list_view, "changed"), 2);

  /* Back to the start: nothing changed, the table stays where it is. */
  pf_player_step_back (f->player);
  pf_test_settle ();
  assert_int_equal (pf_socket_table_get_n_rows (f->socket_table), 8);
}

static gboolean
window_is_allocated (gpointer window)
{
  return gtk_widget_get_width (window) > 0;
}

/* In loopback mode, at the window's default size (1100×720), the socket
 * table's columns fit the room it has: no Remote address pushed out of
 * view by the kernel's addresses beside the scenario's. */
static void
test_loopback_columns_fit (void **state)
{
  g_autoptr(PfApplication) app = pf_application_new ();
  g_autoptr(GError) error = NULL;
  GtkWidget *window, *table, *column_view, *scrolled;
  PfPlayer *player;
  int natural, width, default_width, default_height;

  g_application_set_flags (G_APPLICATION (app),
                           g_application_get_flags (G_APPLICATION (app)) | G_APPLICATION_NON_UNIQUE);
  assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_application_activate (G_APPLICATION (app));
  window = GTK_WIDGET (gtk_application_get_active_window (GTK_APPLICATION (app)));
  pf_test_iterate_until (pf_test_widget_is_mapped, window);
  pf_test_iterate_until (window_is_allocated, window);
  gtk_window_get_default_size (GTK_WINDOW (window), &default_width, &default_height);
  assert_int_equal (default_width, 1100);
  assert_int_equal (default_height, 720);

  player = pf_window_get_player (PF_WINDOW (window));
  pf_window_set_mode (PF_WINDOW (window), PF_NETSPACE_MODE_LOOPBACK);
  assert_true (gtk_widget_activate_action (window, "win.open-builtin", "s", "web"));
  for (int i = 0; i < 3; i++)
    {
      assert_true (gtk_widget_activate_action (window, "win.step-forward", NULL));
      pf_test_wait_idle (player, PF_TEST_TIMEOUT_S);
    }
  pf_test_settle ();
  assert_int_equal (pf_netspace_get_mode (pf_engine_get_netspace (pf_player_get_engine (player))),
                    PF_NETSPACE_MODE_LOOPBACK);

  table = pf_test_find_descendant (window, PF_TYPE_SOCKET_TABLE);
  assert_true (gtk_widget_get_mapped (table));
  assert_int_equal (pf_socket_table_get_n_rows (PF_SOCKET_TABLE (table)), 5);
  column_view = pf_test_find_descendant (table, GTK_TYPE_COLUMN_VIEW);
  scrolled = pf_test_find_descendant (table, GTK_TYPE_SCROLLED_WINDOW);
  gtk_widget_measure (column_view, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &natural, NULL, NULL);
  width = gtk_widget_get_width (scrolled);
  if (natural > width)
    fail_msg ("the socket table's columns want %d px, it has %d", natural, width);

  pf_test_destroy_window (GTK_WINDOW (window), window);
}

typedef struct
{
  PfPacketList *list;
  guint         rows;
} RowsWait;

static gboolean
packet_rows_are (gpointer data)
{
  RowsWait *wait = data;

  return pf_packet_list_get_n_rows (wait->list) == wait->rows;
}

/* Types @text into the packet list's search, as a person would, and
 * waits for the rows (the entry waits a moment after the last key). */
static void
filter_packets (Fixture    *f,
                const char *text,
                guint       expected_rows)
{
  GtkWidget *entry = pf_test_find_descendant (GTK_WIDGET (f->packet_list), GTK_TYPE_SEARCH_ENTRY);
  RowsWait wait = { f->packet_list, expected_rows };

  assert_non_null (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  print_message ("# the search \"%s\": %u rows expected\n", text, expected_rows);
  pf_test_iterate_until (packet_rows_are, &wait);
  /* and it stays so */
  pf_test_settle ();
  assert_int_equal (pf_packet_list_get_n_rows (f->packet_list), expected_rows);
}

/* The search names protocols as the Protocol column does: DNS, HTTP,
 * ICMP, whatever the case. */
static void
test_protocol_filter (void **state)
{
  Fixture *f = *state;
  g_autoptr(PfScenario) dns = pf_builtin_load ("dns", NULL);
  const char *dir = g_getenv ("PACKETFLOW_SOURCE_DIR");
  g_autofree char *path = g_build_filename (dir, "tests", "scenarios",
                                            "icmp-unreachable.pflow.json", NULL);
  g_autoptr(PfScenario) icmp = pf_scenario_load_file (path, NULL);

  assert_non_null (icmp);
  load_and_run (f, dns, PF_NETSPACE_MODE_EXACT);
  /* The four DNS messages; and the ARP frames for the address of the
   * host named "DNS server", which the word finds by its name. */
  assert_int_equal (count_arp_with (f->player, "10.0.0.53"), 2);
  filter_packets (f, "dns", 4 + count_arp_with (f->player, "10.0.0.53"));
  filter_packets (f, "HTTP", 2);
  filter_packets (f, "icmp", 0);
  filter_packets (f, "", count_segments (f->player));

  load_and_run (f, icmp, PF_NETSPACE_MODE_EXACT);
  filter_packets (f, "icmp", 1);
  filter_packets (f, "udp", 1);
  filter_packets (f, "dns", 0);
}

/* Segments whose flags include @flag, or whose payload contains @text. */
static guint
count_matching (PfPlayer   *player,
                guint8      flag,
                const char *text)
{
  guint n = 0;
  PfEvent *event;

  for (guint i = 0; (event = nth_segment (player, i)) != NULL; i++)
    {
      PfPacket *packet = pf_event_get_packet (event);
      gsize len;
      const char *data = g_bytes_get_data (packet->payload, &len);
      g_autofree char *payload = g_ascii_strdown (data ? data : "", data ? (gssize) len : 0);

      if ((flag != 0 && (packet->flags & flag) == flag) ||
          (text != NULL && strstr (payload, text) != NULL))
        n++;
    }
  return n;
}

/* The packet list's search: by host, address, port, flag and text. */
static void
test_packet_filter (void **state)
{
  Fixture *f = *state;
  guint all, fins;

  while (pf_player_can_step_forward (f->player))
    step_forward (f);
  all = count_segments (f->player);
  fins = count_matching (f->player, PF_TCP_FIN, NULL);
  assert_int_equal (pf_packet_list_get_n_rows (f->packet_list), all);
  assert_true (fins >= 2);

  /* Flags, whole: SYN finds the SYN and the SYN-ACK, "SY" nothing. */
  filter_packets (f, "SYN", 2);
  filter_packets (f, "sy", 0);
  filter_packets (f, "fin", fins);
  /* Hosts by id, name or DNS name; every segment has knuth at one end. */
  filter_packets (f, "knuth.luther", all);
  filter_packets (f, "Laptop", all);
  /* Every word must match: no SYN carries the request's text. */
  filter_packets (f, "syn laptop", 2);
  filter_packets (f, "syn host:", 0);
  filter_packets (f, "udp", 0);
  /* Addresses, the scenario's or the kernel's (loopback mode), and ports,
   * the scenario's, the kernel's, or by the service's name. */
  filter_packets (f, "192.203", all);
  {
    /* Whichever block of loopback addresses this run took. */
    PfNetspace *netspace = pf_engine_get_netspace (pf_player_get_engine (f->player));
    g_autofree char *here = pf_ipv4_to_string (pf_netspace_map_address (netspace, 0xC0CBC447));

    filter_packets (f, here, all);
  }
  filter_packets (f, "192.203.196.71:80", all);
  filter_packets (f, "80", all);
  filter_packets (f, "8080", all);
  filter_packets (f, "web", all);
  filter_packets (f, "25", 0);
  /* Text in the data. */
  filter_packets (f, "HOST:", count_matching (f->player, 0, "host:"));
  assert_int_equal (pf_packet_list_get_n_rows (f->packet_list), 1);
  filter_packets (f, "hello from", count_matching (f->player, 0, "hello"));
  assert_true (pf_packet_list_get_n_rows (f->packet_list) >= 1);
  filter_packets (f, "", all);
}

/* The selection follows the player's selected segment while its row is
 * shown, and the player's selection outlives a filter that hides it. */
static void
test_packet_filter_selection (void **state)
{
  Fixture *f = *state;
  GtkSingleSelection *selection = GTK_SINGLE_SELECTION (packet_selection (f));

  step_forward (f);
  /* The SYN and the SYN-ACK; no ARP frame says SYN. */
  filter_packets (f, "syn", 2);

  pf_player_set_selected (f->player, nth_ip_segment (f->player, 1));
  pf_test_settle ();
  assert_int_equal (gtk_single_selection_get_selected (selection), 1);

  /* The ACK is not shown: no row selected, the player's stays. */
  pf_player_set_selected (f->player, nth_ip_segment (f->player, 2));
  pf_test_settle ();
  assert_int_equal (gtk_single_selection_get_selected (selection), GTK_INVALID_LIST_POSITION);
  assert_ptr_equal (pf_player_get_selected (f->player), nth_ip_segment (f->player, 2));

  /* Shown again, it is selected again: the ARP rows before it too. */
  filter_packets (f, "", count_segments (f->player));
  assert_int_equal (gtk_single_selection_get_selected (selection),
                    row_of (f->player, nth_ip_segment (f->player, 2)));
  assert_ptr_equal (pf_player_get_selected (f->player), nth_ip_segment (f->player, 2));

  /* Hidden by the filter while selected: still the player's. */
  filter_packets (f, "syn", 2);
  assert_ptr_equal (pf_player_get_selected (f->player), nth_ip_segment (f->player, 2));

  /* A row picked in the filtered list is that segment. */
  filter_packets (f, "ack", 2);
  assert_true (gtk_selection_model_select_item (GTK_SELECTION_MODEL (selection), 0, TRUE));
  pf_test_settle ();
  assert_ptr_equal (pf_player_get_selected (f->player), nth_ip_segment (f->player, 1));

  /* A step back still takes away the selection its rows made. */
  pf_player_step_back (f->player);
  pf_test_settle ();
  assert_int_equal (pf_packet_list_get_n_rows (f->packet_list), 0);
  assert_null (pf_player_get_selected (f->player));
}

/* Ctrl+F in the list goes to the search; it is the list's own key. */
static void
test_packet_filter_key (void **state)
{
  Fixture *f = *state;
  GtkWidget *entry = pf_test_find_descendant (GTK_WIDGET (f->packet_list), GTK_TYPE_SEARCH_ENTRY);
  GtkWidget *column_view = pf_test_find_descendant (GTK_WIDGET (f->packet_list),
                                                    GTK_TYPE_COLUMN_VIEW);
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (f->packet_list));
  gboolean bound = FALSE;
  GtkWidget *focus;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && !bound; i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)) && !bound; j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          g_autofree char *trigger = gtk_shortcut_trigger_to_string (gtk_shortcut_get_trigger (shortcut));
          GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);

          bound = g_str_equal (trigger, "<Control>f") && GTK_IS_NAMED_ACTION (action) &&
                  g_str_equal (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)),
                               "packet-list.find");
        }
    }
  assert_true (bound);

  assert_true (gtk_widget_grab_focus (column_view));
  assert_true (gtk_widget_activate_action (column_view, "packet-list.find", NULL));
  pf_test_settle ();
  focus = gtk_window_get_focus (f->window);
  assert_non_null (focus);
  assert_true (focus == entry || gtk_widget_is_ancestor (focus, entry));
}

static void
test_zoom (void **state)
{
  Fixture *f = *state;
  double zoom;

  g_object_set (f->packet_list, "zoom", 2.0, NULL);
  pf_view_set_zoom (PF_VIEW (f->inspector), 10.0);
  pf_view_set_zoom (PF_VIEW (f->socket_table), 0.1);
  pf_test_settle ();

  g_object_get (f->packet_list, "zoom", &zoom, NULL);
  assert_true (G_APPROX_VALUE (zoom, 2.0, 1e-9));
  assert_true (G_APPROX_VALUE (pf_view_get_zoom (PF_VIEW (f->inspector)), 3.0, 1e-9));
  assert_true (G_APPROX_VALUE (pf_view_get_zoom (PF_VIEW (f->socket_table)), 0.5, 1e-9));
}

/* The network of two links and a router, in a stage and a ladder side
 * by side: a hop selected on the stage marks the packet's other hop in
 * both; the ladder's lanes follow its routers toggle. */
static void
test_network_hops (void **state)
{
  guint first;
  g_autoptr(PfPlayer) player = pf_test_network_player_new (&first);
  PfTimeline *timeline = pf_player_get_timeline (player);
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *stage = pf_stage_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *ladder = pf_ladder_new ();
  PfEvent *event = NULL;
  graphene_rect_t bounds;
  double start = 0;
  int from, to;

  gtk_widget_set_hexpand (stage, TRUE);
  gtk_widget_set_hexpand (scrolled, TRUE);
  gtk_box_append (GTK_BOX (box), stage);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), ladder);
  gtk_box_append (GTK_BOX (box), scrolled);
  gtk_window_set_child (window, box);
  gtk_window_set_default_size (window, 1400, 600);
  pf_view_set_player (PF_VIEW (stage), player);
  pf_view_set_player (PF_VIEW (ladder), player);
  gtk_window_present (window);
  pf_test_iterate_until (pf_test_widget_is_mapped, ladder);
  pf_test_iterate_until (pf_test_widget_is_mapped, stage);

  /* The step shown anew, in both: each frame leaves the stage and the
   * ladder at once. */
  pf_player_step_back (player);
  pf_test_wait_idle (player, PF_TEST_TIMEOUT_S);
  pf_player_step_forward (player);
  pf_test_wait_idle (player, PF_TEST_TIMEOUT_S);
  assert_int_equal (pf_stage_get_n_packets (PF_STAGE (stage)), 5);
  for (guint i = 0, nth = 0; i < 5; i++)
    {
      guint index;

      assert_true (pf_stage_get_flight_hop (PF_STAGE (stage), i, &event, &from, &to, &start));
      for (index = first; pf_timeline_get_event (timeline, index) != event; index++)
        ;
      nth = i == 1 ? 1 : 0;   /* the ARP request's second receiver */
      assert_true (G_APPROX_VALUE (start, pf_ladder_get_arrow_offset (PF_LADDER (ladder), index, nth), 1e-9));
    }
  assert_true (G_APPROX_VALUE (pf_stage_get_flight_time (PF_STAGE (stage)),
                               pf_ladder_get_flight_time (PF_LADDER (ladder)), 1e-9));

  /* Click the SYN's first hop on the stage, in mid-flight. */
  assert_true (pf_stage_get_flight_hop (PF_STAGE (stage), 3, &event, &from, &to, &start));
  assert_ptr_equal (event, pf_timeline_get_event (timeline, first + PF_TEST_NET_SYN_HOP1));
  pf_stage_hold_animation (PF_STAGE (stage), start + pf_stage_get_flight_time (PF_STAGE (stage)) / 2);
  assert_true (pf_stage_get_packet_bounds (PF_STAGE (stage), 3, &bounds));
  assert_true (pf_stage_select_at (PF_STAGE (stage), bounds.origin.x + bounds.size.width / 2,
                                   bounds.origin.y + bounds.size.height / 2));
  assert_ptr_equal (pf_player_get_selected (player), event);

  /* Its second hop is marked in both views; the ARP in neither. */
  assert_true (pf_stage_is_highlighted (PF_STAGE (stage), first + PF_TEST_NET_SYN_HOP2));
  assert_true (pf_ladder_get_arrow_related (PF_LADDER (ladder), first + PF_TEST_NET_SYN_HOP2));
  assert_false (pf_stage_is_highlighted (PF_STAGE (stage), first + PF_TEST_NET_ARP_REQUEST));
  assert_false (pf_ladder_get_arrow_related (PF_LADDER (ladder), first + PF_TEST_NET_ARP_REQUEST));

  /* Routers hidden on the ladder: the stage still draws the router. */
  g_object_set (ladder, "show-routers", FALSE, NULL);
  assert_int_equal (pf_ladder_get_n_lanes (PF_LADDER (ladder)), 3);
  assert_int_equal (pf_stage_get_n_hosts (PF_STAGE (stage)), 4);
  pf_player_set_selected (player, NULL);
  pf_test_destroy_window (window, stage);
}

/* The window's Show Routers: a stateful action, on by default, that the
 * ladder follows. */
static void
test_routers_action (void **state)
{
  g_autoptr(PfApplication) app = pf_test_application_start ();
  g_autoptr(GVariant) on = NULL;
  g_autoptr(GVariant) off = NULL;
  GtkWindow *window;
  GtkWidget *ladder;
  gboolean shown = TRUE;

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  pf_test_iterate_until (pf_test_widget_is_mapped, window);
  ladder = pf_test_find_descendant (GTK_WIDGET (window), PF_TYPE_LADDER);
  assert_non_null (ladder);

  assert_true (g_action_group_has_action (G_ACTION_GROUP (window), "ladder-routers"));
  on = g_action_group_get_action_state (G_ACTION_GROUP (window), "ladder-routers");
  assert_true (g_variant_is_of_type (on, G_VARIANT_TYPE_BOOLEAN));
  assert_true (g_variant_get_boolean (on));

  g_action_group_activate_action (G_ACTION_GROUP (window), "ladder-routers", NULL);
  off = g_action_group_get_action_state (G_ACTION_GROUP (window), "ladder-routers");
  assert_false (g_variant_get_boolean (off));
  g_object_get (ladder, "show-routers", &shown, NULL);
  assert_false (shown);

  pf_test_destroy_window (window, window);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_web_run_exact, setup_exact, teardown),
    cmocka_unit_test_setup_teardown (test_web_run_loopback, setup_loopback, teardown),
    cmocka_unit_test_setup_teardown (test_incremental, setup_loopback, teardown),
    cmocka_unit_test_setup_teardown (test_restart, setup_exact, teardown),
    cmocka_unit_test_setup_teardown (test_udp, setup_loopback, teardown),
    cmocka_unit_test_setup_teardown (test_socket_table_scrolls, setup_loopback, teardown),
    cmocka_unit_test_setup_teardown (test_packet_filter, setup_loopback, teardown),
    cmocka_unit_test_setup_teardown (test_packet_filter_selection, setup_exact, teardown),
    cmocka_unit_test_setup_teardown (test_packet_filter_key, setup_loopback, teardown),
    cmocka_unit_test_setup_teardown (test_zoom, setup_loopback, teardown),
    cmocka_unit_test_setup_teardown (test_icmp, setup_exact, teardown),
    cmocka_unit_test_setup_teardown (test_application, setup_exact, teardown),
    cmocka_unit_test_setup_teardown (test_application, setup_loopback, teardown),
    cmocka_unit_test_setup_teardown (test_protocol_filter, setup_exact, teardown),
    cmocka_unit_test (test_loopback_columns_fit),
    cmocka_unit_test (test_network_hops),
    cmocka_unit_test (test_routers_action),
  };

  gtk_init ();
  adw_init ();
  return cmocka_run_group_tests (tests, NULL, NULL);
}
