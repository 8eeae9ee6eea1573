/* test-window.c: the main window opens, shows and goes away cleanly
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

#include <glib/gstdio.h>
#include <string.h>

#include "pf-application.h"
#include "pf-inspector.h"
#include "pf-ladder-private.h"
#include "pf-packet-list.h"
#include "pf-socket-table.h"
#include "pf-stage-private.h"
#include "pf-window.h"

static void
test_window_shown_and_finalized (void **state)
{
  g_autoptr(PfApplication) app = pf_test_application_start ();
  GtkWindow *window;

  g_application_activate (G_APPLICATION (app));

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  assert_non_null (window);
  assert_true (PF_IS_WINDOW (window));
  pf_test_iterate_until (pf_test_widget_is_mapped, window);

  assert_string_equal (gtk_window_get_title (window), "Packet Flow");
  assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));

  /* A second activation presents the same window rather than a new one. */
  g_application_activate (G_APPLICATION (app));
  assert_ptr_equal (gtk_application_get_active_window (GTK_APPLICATION (app)), window);
  assert_int_equal (g_list_length (gtk_application_get_windows (GTK_APPLICATION (app))), 1);

  pf_test_destroy_window (window, window);
  assert_null (gtk_application_get_windows (GTK_APPLICATION (app)));
}

static void
test_actions_and_accels (void **state)
{
  g_autoptr(PfApplication) app = pf_test_application_start ();
  g_auto(GStrv) quit_accels = NULL;
  g_auto(GStrv) help_accels = NULL;
  GtkWindow *window;
  gpointer weak;

  assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "quit"));
  assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "about"));

  quit_accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.quit");
  assert_int_equal (g_strv_length (quit_accels), 1);
  assert_string_equal (quit_accels[0], "<Control>q");

  help_accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.show-help-overlay");
  assert_int_equal (g_strv_length (help_accels), 1);

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  pf_test_iterate_until (pf_test_widget_is_mapped, window);

  /* The shortcuts window comes from the resource, through the window. */
  assert_true (g_action_group_has_action (G_ACTION_GROUP (window), "show-help-overlay"));
  assert_non_null (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));

  /* app.quit closes every window. */
  weak = window;
  g_object_add_weak_pointer (G_OBJECT (window), &weak);
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  pf_test_iterate_until (pf_test_is_null, &weak);
}

static void
activate (GtkWidget  *window,
          const char *action)
{
  assert_true (gtk_widget_activate_action (window, action, NULL));
}

/* The socket of @host in the engine's own record: the tuple the kernel
 * reported when it became ESTABLISHED. */
static const PfFourTuple *
engine_tuple (PfPlayer   *player,
              const char *host)
{
  PfTimeline *timeline = pf_player_get_timeline (player);

  for (guint i = 0; i < pf_timeline_get_n_events (timeline); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      if (pf_event_get_kind (event) == PF_EVENT_STATE &&
          pf_event_get_state (event) == PF_TCP_STATE_ESTABLISHED &&
          g_strcmp0 (pf_event_get_host_id (event), host) == 0)
        return pf_event_get_tuple (event);
    }
  return NULL;
}

typedef struct
{
  guint hosts, connections, packets, arrows;
  char *laptop_state, *knuth_state;
} Picture;

static void
take_picture (GtkWidget *window,
              PfPlayer  *player,
              Picture   *picture)
{
  PfStage *stage = PF_STAGE (pf_test_find_descendant (window, PF_TYPE_STAGE));
  PfLadder *ladder = PF_LADDER (pf_test_find_descendant (window, PF_TYPE_LADDER));
  PfSocketTable *table = PF_SOCKET_TABLE (pf_test_find_descendant (window, PF_TYPE_SOCKET_TABLE));
  const PfFourTuple *laptop = engine_tuple (player, "laptop");
  const PfFourTuple *knuth = engine_tuple (player, "knuth");

  picture->hosts = pf_stage_get_n_hosts (stage);
  picture->connections = pf_stage_get_n_connections (stage);
  picture->packets = pf_stage_get_n_packets (stage);
  picture->arrows = pf_ladder_get_n_arrows (ladder);
  picture->laptop_state = laptop == NULL ? NULL :
    g_strdup (pf_socket_table_get_state (table, "laptop", laptop->src.port, laptop->dst.port));
  picture->knuth_state = knuth == NULL ? NULL :
    g_strdup (pf_socket_table_get_state (table, "knuth", knuth->src.port, knuth->dst.port));
}

static void
clear_picture (Picture *picture)
{
  g_clear_pointer (&picture->laptop_state, g_free);
  g_clear_pointer (&picture->knuth_state, g_free);
}

/* The promise: load web, step through the handshake, and every
 * view agrees with the engine; back and forward give the same picture;
 * restart gives a fresh run. All through the window's actions. */
static void
test_handshake_through_actions (void **state)
{
  g_autoptr(PfApplication) app = pf_test_application_start ();
  GtkWidget *window;
  PfPlayer *player;
  const PfFourTuple *laptop, *knuth;
  Picture first = { 0 }, back = { 0 }, again = { 0 };
  PfEngine *old_engine;
  gpointer weak;

  g_application_activate (G_APPLICATION (app));
  window = GTK_WIDGET (gtk_application_get_active_window (GTK_APPLICATION (app)));
  pf_test_iterate_until (pf_test_widget_is_mapped, window);
  player = pf_window_get_player (PF_WINDOW (window));
  pf_window_set_mode (PF_WINDOW (window), PF_NETSPACE_MODE_EXACT);

  /* The start page lists the built-in scenarios; opening one runs it. */
  assert_false (pf_window_is_running (PF_WINDOW (window)));
  assert_true (gtk_widget_activate_action (window, "win.open-builtin", "s", "web"));
  assert_true (pf_window_is_running (PF_WINDOW (window)));

  activate (window, "win.step-forward");
  pf_test_wait_idle (player, PF_TEST_TIMEOUT_S);
  assert_int_equal (pf_player_get_step (player), 0);

  take_picture (window, player, &first);
  assert_int_equal (first.hosts, 2);
  assert_int_equal (first.connections, 1);
  /* On the wire: who has 192.203.196.71, its answer, then SYN, SYN-ACK,
   * ACK; all five on the ladder. The stage of a file without links has
   * no link to fly ARP along: it flies the connection's three. */
  assert_int_equal (first.packets, 3);
  assert_int_equal (first.arrows, 5);
  assert_string_equal (first.laptop_state, "ESTABLISHED");
  assert_string_equal (first.knuth_state, "ESTABLISHED");

  /* Both rows are the engine's own socket pair, seen from each end. */
  laptop = engine_tuple (player, "laptop");
  knuth = engine_tuple (player, "knuth");
  assert_true (pf_four_tuple_same_connection (laptop, knuth));

  activate (window, "win.step-back");
  assert_int_equal (pf_player_get_step (player), -1);
  take_picture (window, player, &back);
  assert_int_equal (back.connections, 0);
  assert_int_equal (back.arrows, 0);
  assert_null (back.laptop_state);

  activate (window, "win.step-forward");
  assert_false (pf_player_get_busy (player));   /* replayed, no socket touched */
  take_picture (window, player, &again);
  assert_int_equal (again.hosts, first.hosts);
  assert_int_equal (again.connections, first.connections);
  assert_int_equal (again.packets, first.packets);
  assert_int_equal (again.arrows, first.arrows);
  assert_string_equal (again.laptop_state, first.laptop_state);
  assert_string_equal (again.knuth_state, first.knuth_state);

  old_engine = pf_player_get_engine (player);
  weak = old_engine;
  g_object_add_weak_pointer (G_OBJECT (old_engine), &weak);
  activate (window, "win.restart");
  assert_null (weak);
  assert_int_equal (pf_player_get_step (player), -1);
  assert_int_equal (pf_ladder_get_n_arrows (PF_LADDER (pf_test_find_descendant (window, PF_TYPE_LADDER))), 0);
  assert_int_equal (pf_stage_get_n_connections (PF_STAGE (pf_test_find_descendant (window, PF_TYPE_STAGE))), 0);

  clear_picture (&first);
  clear_picture (&back);
  clear_picture (&again);

  pf_test_destroy_window (GTK_WINDOW (window), window);
}

/* Every command is reachable from the keyboard: each action has a key. */
static void
test_keyboard_reaches_every_action (void **state)
{
  g_autoptr(PfApplication) app = pf_test_application_start ();
  GtkWidget *window;
  double zoom;

  g_application_activate (G_APPLICATION (app));
  window = GTK_WIDGET (gtk_application_get_active_window (GTK_APPLICATION (app)));
  pf_test_iterate_until (pf_test_widget_is_mapped, window);

  zoom = pf_window_get_zoom (PF_WINDOW (window));
  activate (window, "win.zoom-in");
  assert_true (pf_window_get_zoom (PF_WINDOW (window)) > zoom);
  activate (window, "win.zoom-reset");
  assert_true (pf_window_get_zoom (PF_WINDOW (window)) == 1.0);
  activate (window, "win.zoom-out");
  assert_true (pf_window_get_zoom (PF_WINDOW (window)) < 1.0);
  activate (window, "win.zoom-reset");

  pf_test_destroy_window (GTK_WINDOW (window), window);
}

/* Every view shows the window's player at the window's zoom, bound in
 * the template; the zoom setting follows the window and leads it. */
static void
test_views_follow_window (void **state)
{
  g_autoptr(PfApplication) app = pf_test_application_start ();
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  const GType views[] = {
    PF_TYPE_STAGE, PF_TYPE_LADDER, PF_TYPE_SOCKET_TABLE, PF_TYPE_PACKET_LIST, PF_TYPE_INSPECTOR,
  };
  const double zooms[] = { 1.25, 2.0, 1.0 };
  GtkWidget *window;

  g_application_activate (G_APPLICATION (app));
  window = GTK_WIDGET (gtk_application_get_active_window (GTK_APPLICATION (app)));
  pf_test_iterate_until (pf_test_widget_is_mapped, window);

  for (guint z = 0; z < G_N_ELEMENTS (zooms); z++)
    {
      if (z == 0)
        activate (window, "win.zoom-in");
      else
        g_settings_set_double (settings, "zoom", zooms[z]);
      while (g_main_context_iteration (NULL, FALSE));

      assert_float_equal (pf_window_get_zoom (PF_WINDOW (window)), zooms[z], 1e-9);
      assert_float_equal (g_settings_get_double (settings, "zoom"), zooms[z], 1e-9);
      for (guint i = 0; i < G_N_ELEMENTS (views); i++)
        {
          GtkWidget *view = pf_test_find_descendant (window, views[i]);
          g_autoptr(PfPlayer) player = NULL;
          double zoom = 0.0;

          assert_non_null (view);
          g_object_get (view, "player", &player, "zoom", &zoom, NULL);
          assert_ptr_equal (player, pf_window_get_player (PF_WINDOW (window)));
          assert_float_equal (zoom, zooms[z], 1e-9);
        }
    }

  pf_test_destroy_window (GTK_WINDOW (window), window);
}

/* A bad file shows the loader's FILE:LINE:COLUMN line; the app goes on. */
static void
test_bad_file_shows_message (void **state)
{
  g_autoptr(PfApplication) app = pf_test_application_start ();
  g_autofree char *dir = g_dir_make_tmp ("pf-window-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "bad.pflow.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  GtkWindow *window;

  assert_true (g_file_set_contents (path, "{\n  \"format\": 7\n}\n", -1, NULL));
  g_application_open (G_APPLICATION (app), &file, 1, "");
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  assert_non_null (window);
  pf_test_iterate_until (pf_test_widget_is_mapped, window);

  assert_false (pf_window_is_running (PF_WINDOW (window)));
  {
    /* The message label is the one carrying the file's name. */
    gboolean found = FALSE;
    GPtrArray *todo = g_ptr_array_new ();

    g_ptr_array_add (todo, window);
    while (todo->len > 0 && !found)
      {
        GtkWidget *w = g_ptr_array_steal_index (todo, todo->len - 1);

        if (GTK_IS_LABEL (w) && gtk_widget_get_visible (w) &&
            g_str_has_prefix (gtk_label_get_label (GTK_LABEL (w)), path))
          {
            assert_non_null (strstr (gtk_label_get_label (GTK_LABEL (w)), ":2:"));
            found = TRUE;
          }
        for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
          g_ptr_array_add (todo, c);
      }
    g_ptr_array_unref (todo);
    assert_true (found);
  }

  pf_test_destroy_window (window, window);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_window_shown_and_finalized),
    cmocka_unit_test (test_actions_and_accels),
    cmocka_unit_test (test_handshake_through_actions),
    cmocka_unit_test (test_keyboard_reaches_every_action),
    cmocka_unit_test (test_views_follow_window),
    cmocka_unit_test (test_bad_file_shows_message),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
