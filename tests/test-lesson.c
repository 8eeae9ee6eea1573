/* test-lesson.c: the lesson is part of the run, and a failure says what
 * happened (issue 12)
 *
 * Through the window's actions, as test-window.c: the lesson card over
 * the stage before step 1 and after the last step, the Lesson action at
 * any step, and the caption and step counter of a step that failed.
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
#include "pf-builtin.h"
#include "pf-lesson-card.h"
#include "pf-window.h"

static GtkWidget *
open_window (PfApplication  *app,
             PfNetspaceMode  mode)
{
  GtkWidget *window;

  g_application_activate (G_APPLICATION (app));
  window = GTK_WIDGET (gtk_application_get_active_window (GTK_APPLICATION (app)));
  pf_test_iterate_until (pf_test_widget_is_mapped, window);
  pf_window_set_mode (PF_WINDOW (window), mode);
  return window;
}

static void
step_forward (GtkWidget *window)
{
  PfPlayer *player = pf_window_get_player (PF_WINDOW (window));

  assert_true (gtk_widget_activate_action (window, "win.step-forward", NULL));
  pf_test_wait_idle (player, PF_TEST_TIMEOUT_S);
}

static PfLessonCard *
lesson_card (GtkWidget *window)
{
  return PF_LESSON_CARD (pf_test_find_descendant (window, PF_TYPE_LESSON_CARD));
}

/* Shown: its revealer reveals it, over the stage. */
static gboolean
lesson_shown (GtkWidget *window)
{
  GtkWidget *revealer = gtk_widget_get_ancestor (GTK_WIDGET (lesson_card (window)), GTK_TYPE_REVEALER);

  assert_non_null (revealer);
  return gtk_revealer_get_reveal_child (GTK_REVEALER (revealer));
}

static gboolean
card_is_shown (gpointer window)
{
  return lesson_shown (window);
}

static void
assert_contains (const char *text,
                 const char *part)
{
  if (strstr (text, part) == NULL)
    fail_msg ("“%s” is not in “%s”", part, text);
}

/* The visible label with @css_class, or whose text starts with @prefix. */
static GtkLabel *
find_label (GtkWidget  *widget,
            const char *css_class,
            const char *prefix)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_visible (widget) &&
      ((css_class != NULL && gtk_widget_has_css_class (widget, css_class)) ||
       (prefix != NULL && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (widget)), prefix))))
    return GTK_LABEL (widget);

  for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL; c = gtk_widget_get_next_sibling (c))
    {
      GtkLabel *found = find_label (c, css_class, prefix);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkLabel *
caption (GtkWidget *window)
{
  GtkLabel *label = find_label (window, "pf-caption", NULL);

  assert_non_null (label);
  return label;
}

/* Before step 1 the card shows the scenario's title, summary and lesson;
 * a step takes it away; back before step 1, and a restart, bring it back. */
static void
test_card_before_first_step (void **state)
{
  g_autoptr(PfApplication) app = pf_test_application_start ();
  g_autoptr(PfScenario) web = pf_builtin_load ("web", NULL);
  GtkWidget *window = open_window (app, PF_NETSPACE_MODE_EXACT);
  PfPlayer *player = pf_window_get_player (PF_WINDOW (window));

  assert_non_null (web);
  assert_non_null (web->lesson);
  assert_true (gtk_widget_activate_action (window, "win.open-builtin", "s", "web"));

  assert_int_equal (pf_player_get_step (player), -1);
  assert_true (lesson_shown (window));
  assert_contains (pf_lesson_card_get_text (lesson_card (window)), web->title);
  assert_contains (pf_lesson_card_get_text (lesson_card (window)), web->summary);
  assert_contains (pf_lesson_card_get_text (lesson_card (window)), web->lesson);
  /* Nothing has been seen yet. */
  assert_null (strstr (pf_lesson_card_get_text (lesson_card (window)), "TCP connection"));

  step_forward (window);
  assert_int_equal (pf_player_get_step (player), 0);
  assert_false (lesson_shown (window));

  assert_true (gtk_widget_activate_action (window, "win.step-back", NULL));
  assert_int_equal (pf_player_get_step (player), -1);
  assert_true (lesson_shown (window));

  step_forward (window);
  assert_false (lesson_shown (window));
  assert_true (gtk_widget_activate_action (window, "win.restart", NULL));
  assert_int_equal (pf_player_get_step (player), -1);
  assert_true (lesson_shown (window));

  /* The start page shows no card. */
  assert_true (gtk_widget_activate_action (window, "win.show-start", NULL));
  assert_false (lesson_shown (window));

  pf_test_destroy_window (GTK_WINDOW (window), window);
}

/* L (win.lesson) shows the lesson at any step and hides it again; the
 * next step decides afresh. */
static void
test_lesson_action (void **state)
{
  g_autoptr(PfApplication) app = pf_test_application_start ();
  g_autoptr(PfScenario) web = pf_builtin_load ("web", NULL);
  GtkWidget *window = open_window (app, PF_NETSPACE_MODE_EXACT);

  assert_true (gtk_widget_activate_action (window, "win.open-builtin", "s", "web"));
  step_forward (window);
  assert_false (lesson_shown (window));

  assert_true (gtk_widget_activate_action (window, "win.lesson", NULL));
  assert_true (lesson_shown (window));
  assert_contains (pf_lesson_card_get_text (lesson_card (window)), web->lesson);

  assert_true (gtk_widget_activate_action (window, "win.lesson", NULL));
  assert_false (lesson_shown (window));

  /* Hidden before step 1 too, by the same key. */
  assert_true (gtk_widget_activate_action (window, "win.step-back", NULL));
  assert_true (lesson_shown (window));
  assert_true (gtk_widget_activate_action (window, "win.lesson", NULL));
  assert_false (lesson_shown (window));

  assert_true (gtk_widget_activate_action (window, "win.lesson", NULL));
  step_forward (window);
  assert_false (lesson_shown (window));

  pf_test_destroy_window (GTK_WINDOW (window), window);
}

typedef struct
{
  guint segments;    /* TCP and UDP: ARP frames are counted apart */
  guint arp;
  guint modelled;
  PfFourTuple syn;   /* the first SYN's: client → server */
} Seen;

static void
count_seen (PfPlayer *player,
            Seen     *seen)
{
  PfTimeline *timeline = pf_player_get_timeline (player);
  gboolean have_syn = FALSE;

  memset (seen, 0, sizeof *seen);
  for (guint i = 0; i < pf_player_get_position (player); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);
      PfPacket *packet;

      if (pf_event_get_kind (event) != PF_EVENT_SEGMENT)
        continue;
      packet = pf_event_get_packet (event);
      if (pf_packet_get_kind (packet) == PF_PACKET_KIND_ARP)
        {
          /* On the wire, ARP comes before the first IP packet. */
          assert_int_equal (seen->segments, 0);
          seen->arp++;
          continue;
        }
      seen->segments++;
      if (packet->origin == PF_PACKET_ORIGIN_MODELLED)
        seen->modelled++;
      if (!have_syn && packet->flags == PF_TCP_SYN)
        {
          seen->syn = pf_packet_get_four_tuple (packet);
          have_syn = TRUE;
        }
    }
  assert_true (have_syn);
}

/* When the player was last seen to finish a step, and when the card
 * was last revealed, by the clock. */
typedef struct
{
  PfPlayer *player;
  gint64    idle;
  gint64    shown;
} Timing;

static void
on_busy (PfPlayer   *player,
         GParamSpec *pspec,
         Timing     *timing)
{
  if (!pf_player_get_busy (player))
    timing->idle = g_get_monotonic_time ();
}

static void
on_reveal (GtkRevealer *revealer,
           GParamSpec  *pspec,
           Timing      *timing)
{
  if (gtk_revealer_get_reveal_child (revealer))
    timing->shown = g_get_monotonic_time ();
}

static void
run_to_end (GtkWidget *window)
{
  PfPlayer *player = pf_window_get_player (PF_WINDOW (window));
  GtkWidget *revealer = gtk_widget_get_ancestor (GTK_WIDGET (lesson_card (window)), GTK_TYPE_REVEALER);
  Timing timing = { player, 0, 0 };
  gulong busy_id = g_signal_connect (player, "notify::busy", G_CALLBACK (on_busy), &timing);
  gulong reveal_id = g_signal_connect (revealer, "notify::reveal-child", G_CALLBACK (on_reveal), &timing);

  while (pf_player_can_step_forward (player))
    {
      step_forward (window);
      if (pf_player_can_step_forward (player))
        assert_false (lesson_shown (window));
    }
  assert_int_equal (pf_player_get_step (player), (int) pf_player_get_n_steps (player) - 1);

  /* The last step plays first (the close is not to be hidden), then the
   * card comes back: not before the step's time has passed since its
   * events were all in (however long the engine took over them). */
  pf_test_iterate_until (card_is_shown, window);
  g_signal_handler_disconnect (player, busy_id);
  g_signal_handler_disconnect (revealer, reveal_id);
  assert_true (timing.idle > 0 && timing.shown > 0);
  if (timing.shown - timing.idle < (gint64) (PF_PLAYER_STEP_TIME * G_USEC_PER_SEC))
    {
      print_error ("the card came back %.2f s after the last step's events were in\n",
                   (timing.shown - timing.idle) / (double) G_USEC_PER_SEC);
      fail ();
    }
}

/* After the last step the card comes back with what the run showed: the
 * counts and the connection's 4-tuple with its host names, as captured. */
static void
test_card_after_last_step (void **state)
{
  g_autoptr(PfApplication) app = pf_test_application_start ();
  g_autoptr(PfScenario) web = pf_builtin_load ("web", NULL);
  GtkWidget *window = open_window (app, PF_NETSPACE_MODE_EXACT);
  PfPlayer *player = pf_window_get_player (PF_WINDOW (window));
  g_autofree char *segments = NULL;
  g_autofree char *tuple = NULL;
  const char *text;
  Seen seen;

  assert_true (gtk_widget_activate_action (window, "win.open-builtin", "s", "web"));
  run_to_end (window);
  pf_test_settle ();

  assert_true (lesson_shown (window));
  count_seen (player, &seen);
  assert_true (seen.segments >= 10);
  assert_int_equal (seen.modelled, 0);
  /* The laptop asks for knuth's MAC, and knuth answers: at least the
   * request and the reply, both captured, before the SYN. */
  assert_true (seen.arp >= 2);

  text = pf_lesson_card_get_text (lesson_card (window));
  assert_contains (text, web->lesson);
  assert_contains (text, "1 TCP connection;");
  segments = g_strdup_printf ("%u segments captured from the kernel, and %u ARP frames.",
                              seen.segments, seen.arp);
  assert_contains (text, segments);
  tuple = g_strdup_printf ("Laptop 10.0.0.2:%u → knuth.luther.edu 192.203.196.71:80 (TCP, %u segments)",
                           seen.syn.src.port, seen.segments);
  assert_contains (text, tuple);

  /* One step back, and what was seen goes with the card. */
  assert_true (gtk_widget_activate_action (window, "win.step-back", NULL));
  assert_false (lesson_shown (window));
  assert_null (strstr (pf_lesson_card_get_text (lesson_card (window)), "TCP connection"));

  pf_test_destroy_window (GTK_WINDOW (window), window);
}

/* In loopback mode the segments are modelled, and the card says so; the
 * scenario's addresses come first, the kernel's beside them. */
static void
test_card_after_last_step_loopback (void **state)
{
  g_autoptr(PfApplication) app = pf_test_application_start ();
  GtkWidget *window = open_window (app, PF_NETSPACE_MODE_LOOPBACK);
  PfPlayer *player = pf_window_get_player (PF_WINDOW (window));
  g_autofree char *segments = NULL;
  g_autofree char *here = NULL;
  char src[PF_ENDPOINT_STRLEN], dst[PF_ENDPOINT_STRLEN];
  const char *text;
  Seen seen;

  assert_true (gtk_widget_activate_action (window, "win.open-builtin", "s", "web"));
  run_to_end (window);
  pf_test_settle ();

  assert_true (lesson_shown (window));
  count_seen (player, &seen);
  assert_int_equal (seen.modelled, seen.segments);
  /* One lo, no ARP: none is invented. */
  assert_int_equal (seen.arp, 0);

  text = pf_lesson_card_get_text (lesson_card (window));
  assert_null (strstr (pf_lesson_card_get_text (lesson_card (window)), "ARP"));
  segments = g_strdup_printf ("%u segments modelled from what the sockets did.", seen.segments);
  assert_contains (text, segments);
  assert_contains (text, "→ knuth.luther.edu 192.203.196.71:80 (TCP,");
  pf_endpoint_format (&seen.syn.src, src);
  pf_endpoint_format (&seen.syn.dst, dst);
  here = g_strdup_printf ("; here %s → %s", src, dst);
  assert_contains (text, here);

  pf_test_destroy_window (GTK_WINDOW (window), window);
}

/* An expectation that is not met: the caption says who expected what and
 * what arrived from whom, as an error, instead of the narration; the
 * step counter says the step failed. */
static void
test_failed_expect (void **state)
{
  g_autoptr(PfApplication) app = pf_test_application_start ();
  const char *dir = g_getenv ("PACKETFLOW_SOURCE_DIR");
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(PfScenario) scenario = NULL;
  GtkWidget *window = open_window (app, PF_NETSPACE_MODE_EXACT);
  PfPlayer *player = pf_window_get_player (PF_WINDOW (window));
  const PfStep *expect;
  const char *text;

  if (dir == NULL)
    fail_msg ("PACKETFLOW_SOURCE_DIR must name the source tree");
  path = g_build_filename (dir, "tests", "scenarios", "expect-mismatch.pflow.json", NULL);
  scenario = pf_scenario_load_file (path, NULL);
  assert_non_null (scenario);
  expect = g_ptr_array_index (scenario->steps, 2);
  assert_int_equal (expect->action, PF_STEP_EXPECT);

  file = g_file_new_for_path (path);
  pf_window_open_file (PF_WINDOW (window), file);
  assert_true (pf_window_is_running (PF_WINDOW (window)));

  step_forward (window);
  step_forward (window);
  assert_false (gtk_widget_has_css_class (GTK_WIDGET (caption (window)), "error"));
  assert_non_null (find_label (window, NULL, "Step 2 of 4"));
  assert_null (find_label (window, NULL, "Step 2 of 4 · failed"));

  step_forward (window);
  assert_int_equal (pf_player_get_step (player), 2);
  text = gtk_label_get_text (caption (window));
  assert_true (gtk_widget_has_css_class (GTK_WIDGET (caption (window)), "error"));
  assert_contains (text, "Laptop expected “HTTP/1.1 404 Not Found”");
  assert_contains (text, "but knuth.luther.edu sent “HTTP/1.1 200 OK…”");
  assert_null (strstr (text, expect->narration));
  assert_non_null (find_label (window, NULL, "Step 3 of 4 · failed"));
  assert_true (gtk_widget_has_css_class (GTK_WIDGET (find_label (window, NULL, "Step 3 of 4")), "error"));

  /* Back to the step that went well: its narration, no error. */
  assert_true (gtk_widget_activate_action (window, "win.step-back", NULL));
  assert_false (gtk_widget_has_css_class (GTK_WIDGET (caption (window)), "error"));
  assert_string_equal (gtk_label_get_text (caption (window)),
                       ((PfStep *) g_ptr_array_index (scenario->steps, 1))->narration);
  assert_null (find_label (window, NULL, "Step 2 of 4 · failed"));

  pf_test_destroy_window (GTK_WINDOW (window), window);
}

/* In `refused` the refusal is the lesson: the scenario has no service on
 * that port, so the step went as it says, and its narration stands. */
static void
test_expected_refusal_is_no_failure (void **state)
{
  g_autoptr(PfApplication) app = pf_test_application_start ();
  g_autoptr(PfScenario) refused = pf_builtin_load ("refused", NULL);
  GtkWidget *window = open_window (app, PF_NETSPACE_MODE_EXACT);
  PfPlayer *player = pf_window_get_player (PF_WINDOW (window));
  PfTimeline *timeline;
  gboolean refusal = FALSE;

  assert_true (gtk_widget_activate_action (window, "win.open-builtin", "s", "refused"));
  step_forward (window);

  /* The kernel did refuse. */
  timeline = pf_player_get_timeline (player);
  for (guint i = 0; i < pf_player_get_position (player); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      refusal |= pf_event_get_kind (event) == PF_EVENT_ERROR &&
                 pf_event_get_error_code (event) == PF_EVENT_ERROR_CODE_ECONNREFUSED;
    }
  assert_true (refusal);

  assert_false (gtk_widget_has_css_class (GTK_WIDGET (caption (window)), "error"));
  assert_string_equal (gtk_label_get_text (caption (window)),
                       ((PfStep *) g_ptr_array_index (refused->steps, 0))->narration);
  assert_non_null (find_label (window, NULL, "Step 1 of 3"));
  assert_null (find_label (window, NULL, "Step 1 of 3 · failed"));

  /* At the end, the card counts the refused connection apart. */
  step_forward (window);
  step_forward (window);
  pf_test_iterate_until (card_is_shown, window);
  assert_contains (pf_lesson_card_get_text (lesson_card (window)), "2 TCP connections (1 refused);");
  /* "2 segments" (SYN, RST) as a rule; more where the run was so slow
   * (a sanitizer's) that the laptop's kernel sent its SYN again before
   * the RST came back: a real retransmission, counted as such. */
  assert_contains (pf_lesson_card_get_text (lesson_card (window)),
                   "→ knuth.luther.edu 192.203.196.71:8080 (TCP, ");
  assert_contains (pf_lesson_card_get_text (lesson_card (window)), " segments, refused)");

  pf_test_destroy_window (GTK_WINDOW (window), window);
}

/* A reset the file asks for ("how": "reset") is the step going as it
 * says: the other end's ECONNRESET is recorded, marked expected, and
 * the narration stands. */
static void
test_expected_reset_is_no_failure (void **state)
{
  g_autoptr(PfApplication) app = pf_test_application_start ();
  const char *dir = g_getenv ("PACKETFLOW_SOURCE_DIR");
  g_autofree char *path = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(PfScenario) scenario = NULL;
  GtkWidget *window = open_window (app, PF_NETSPACE_MODE_EXACT);
  PfPlayer *player = pf_window_get_player (PF_WINDOW (window));
  PfTimeline *timeline;
  guint resets = 0;

  if (dir == NULL)
    fail_msg ("PACKETFLOW_SOURCE_DIR must name the source tree");
  path = g_build_filename (dir, "tests", "scenarios", "reset.pflow.json", NULL);
  scenario = pf_scenario_load_file (path, NULL);
  assert_non_null (scenario);
  file = g_file_new_for_path (path);
  pf_window_open_file (PF_WINDOW (window), file);
  assert_true (pf_window_is_running (PF_WINDOW (window)));

  for (guint i = 0; i < scenario->steps->len; i++)
    step_forward (window);

  timeline = pf_player_get_timeline (player);
  for (guint i = 0; i < pf_player_get_position (player); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      if (pf_event_get_kind (event) == PF_EVENT_ERROR &&
          pf_event_get_error_code (event) == PF_EVENT_ERROR_CODE_ECONNRESET)
        {
          assert_true (pf_event_get_expected (event));
          resets++;
        }
    }
  assert_int_equal (resets, 1);

  assert_false (gtk_widget_has_css_class (GTK_WIDGET (caption (window)), "error"));
  assert_string_equal (gtk_label_get_text (caption (window)),
                       ((PfStep *) g_ptr_array_index (scenario->steps, 3))->narration);
  assert_non_null (find_label (window, NULL, "Step 4 of 4"));
  assert_null (find_label (window, NULL, "Step 4 of 4 · failed"));

  pf_test_destroy_window (GTK_WINDOW (window), window);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_card_before_first_step),
    cmocka_unit_test (test_lesson_action),
    cmocka_unit_test (test_card_after_last_step),
    cmocka_unit_test (test_card_after_last_step_loopback),
    cmocka_unit_test (test_failed_expect),
    cmocka_unit_test (test_expected_refusal_is_no_failure),
    cmocka_unit_test (test_expected_reset_is_no_failure),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
