/* test-player.c: stepping forward runs the engine, stepping back replays
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

#include "pf-builtin.h"
#include "pf-player.h"

static void
test_step_back_replays (void **state)
{
  g_autoptr(PfPlayer) player = pf_test_player_new_builtin ("web", PF_NETSPACE_MODE_LOOPBACK);
  PfTimeline *timeline = pf_player_get_timeline (player);
  guint after_two, recorded;
  g_autoptr(GPtrArray) history = g_ptr_array_new ();

  assert_int_equal (pf_player_get_step (player), -1);
  assert_false (pf_player_can_step_back (player));
  assert_true (pf_player_can_step_forward (player));
  assert_null (pf_player_get_narration (player));

  pf_player_step_forward (player);
  assert_true (pf_player_get_busy (player));
  assert_false (pf_player_can_step_forward (player));
  pf_test_wait_idle (player, PF_TEST_TIMEOUT_S);
  assert_int_equal (pf_player_get_step (player), 0);
  assert_string_equal (pf_player_get_narration (player),
                       ((PfStep *) g_ptr_array_index (pf_player_get_scenario (player)->steps, 0))->narration);

  pf_player_step_forward (player);
  pf_test_wait_idle (player, PF_TEST_TIMEOUT_S);
  assert_int_equal (pf_player_get_step (player), 1);
  after_two = pf_player_get_position (player);
  recorded = pf_timeline_get_n_events (timeline);
  assert_int_equal (after_two, recorded);
  for (guint i = 0; i < recorded; i++)
    g_ptr_array_add (history, pf_timeline_get_event (timeline, i));

  /* Back: the history shrinks to the end of step 0, and no socket moves. */
  pf_player_step_back (player);
  assert_false (pf_player_get_busy (player));
  assert_int_equal (pf_player_get_step (player), 0);
  assert_int_equal (pf_player_get_position (player), pf_timeline_get_step_start (timeline, 1));
  assert_true (pf_player_get_position (player) < after_two);
  assert_int_equal (pf_timeline_get_n_events (timeline), recorded);

  /* Forward again: the same events, replayed, not run again. */
  pf_player_step_forward (player);
  assert_false (pf_player_get_busy (player));
  assert_int_equal (pf_player_get_step (player), 1);
  assert_int_equal (pf_player_get_position (player), after_two);
  assert_int_equal (pf_timeline_get_n_events (timeline), recorded);
  for (guint i = 0; i < recorded; i++)
    assert_ptr_equal (pf_timeline_get_event (timeline, i), g_ptr_array_index (history, i));

  /* Back to before the first step. */
  pf_player_step_back (player);
  pf_player_step_back (player);
  assert_int_equal (pf_player_get_step (player), -1);
  assert_false (pf_player_can_step_back (player));
  assert_int_equal (pf_player_get_position (player), pf_timeline_get_step_start (timeline, 0));
}

static void
test_restart_is_a_fresh_run (void **state)
{
  g_autoptr(PfPlayer) player = pf_test_player_new_builtin ("web", PF_NETSPACE_MODE_LOOPBACK);
  PfEngine *first;
  g_autoptr(GError) error = NULL;

  pf_player_step_forward (player);
  pf_test_wait_idle (player, PF_TEST_TIMEOUT_S);
  first = pf_player_get_engine (player);
  g_object_add_weak_pointer (G_OBJECT (first), (gpointer *) &first);

  assert_true (pf_player_restart (player, &error));
  assert_null (error);
  assert_null (first);   /* the old run and its sockets are gone */
  assert_int_equal (pf_player_get_step (player), -1);
  assert_int_equal (pf_timeline_count (pf_player_get_timeline (player), PF_EVENT_SEGMENT, -1), 0);
  assert_true (pf_player_can_step_forward (player));
}

static void
test_play_runs_to_the_end (void **state)
{
  g_autoptr(PfPlayer) player = pf_test_player_new_builtin ("web", PF_NETSPACE_MODE_LOOPBACK);
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  pf_player_set_speed (player, 100.0);
  assert_true (pf_player_get_speed (player) == PF_PLAYER_MAX_SPEED);
  pf_player_set_speed (player, 0.01);
  assert_true (pf_player_get_speed (player) == PF_PLAYER_MIN_SPEED);
  pf_player_set_speed (player, PF_PLAYER_MAX_SPEED);

  pf_player_set_playing (player, TRUE);
  assert_true (pf_player_get_playing (player));
  while (pf_player_get_playing (player))
    {
      assert_true (g_get_monotonic_time () < deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  assert_int_equal (pf_player_get_step (player), (int) pf_player_get_n_steps (player) - 1);
  assert_false (pf_player_can_step_forward (player));
}

static void
test_selection_follows_history (void **state)
{
  g_autoptr(PfPlayer) player = pf_test_player_new_builtin ("web", PF_NETSPACE_MODE_LOOPBACK);
  PfTimeline *timeline = pf_player_get_timeline (player);
  PfEvent *last;

  pf_player_step_forward (player);
  pf_test_wait_idle (player, PF_TEST_TIMEOUT_S);
  pf_player_step_forward (player);
  pf_test_wait_idle (player, PF_TEST_TIMEOUT_S);

  last = pf_timeline_get_event (timeline, pf_player_get_position (player) - 1);
  pf_player_set_selected (player, last);
  assert_ptr_equal (pf_player_get_selected (player), last);

  /* Stepping back past it: the selected event is no longer on screen. */
  pf_player_step_back (player);
  assert_null (pf_player_get_selected (player));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_step_back_replays),
    cmocka_unit_test (test_restart_is_a_fresh_run),
    cmocka_unit_test (test_play_runs_to_the_end),
    cmocka_unit_test (test_selection_follows_history),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
