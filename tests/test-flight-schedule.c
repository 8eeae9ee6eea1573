/* test-flight-schedule.c: when the packets of a step leave and land
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "pf-flight-schedule.h"
#include "pf-packet.h"
#include "pf-player.h"

#define EPSILON 1e-9

/* A laptop's port 50000 to a web server's 80, and back. */
static const PfFourTuple there = { { 0x0A000002, 50000 }, { 0xC0CBC447, 80 } };
static const PfFourTuple back = { { 0xC0CBC447, 80 }, { 0x0A000002, 50000 } };
/* A second connection from the same laptop. */
static const PfFourTuple other = { { 0x0A000002, 50001 }, { 0xC0CBC447, 80 } };

static void
assert_near (double got,
             double want)
{
  if (fabs (got - want) > EPSILON)
    fail_msg ("%.12f is not %.12f", got, want);
}

/* Nothing to fly: nothing to wait for. */
static void
test_empty (void **state)
{
  g_autoptr(PfFlightSchedule) schedule = pf_flight_schedule_new ();

  pf_flight_schedule_plan (schedule);
  assert_int_equal (pf_flight_schedule_get_n_flights (schedule), 0);
  assert_near (pf_flight_schedule_get_end (schedule), 0);
  assert_near (pf_flight_schedule_get_flight_time (schedule), 1.0);
}

/* Two the same way are staggered; each flies a whole second. */
static void
test_same_way_staggered (void **state)
{
  g_autoptr(PfFlightSchedule) schedule = pf_flight_schedule_new ();

  assert_int_equal (pf_flight_schedule_add (schedule, &there, PF_IP_PROTOCOL_TCP), 0);
  assert_int_equal (pf_flight_schedule_add (schedule, &there, PF_IP_PROTOCOL_TCP), 1);
  pf_flight_schedule_plan (schedule);

  assert_near (pf_flight_schedule_get_start (schedule, 0), 0);
  assert_near (pf_flight_schedule_get_start (schedule, 1), 0.35);
  assert_near (pf_flight_schedule_get_flight_time (schedule), 1.0);
  assert_near (pf_flight_schedule_get_end (schedule), 1.35);
}

/* A reply leaves only when what it answers has landed; a step longer
 * than the player's pause flies faster, to land within it. */
static void
test_handshake_fits_the_step (void **state)
{
  g_autoptr(PfFlightSchedule) schedule = pf_flight_schedule_new ();
  double budget = PF_PLAYER_STEP_TIME - 0.1;
  double flight;

  pf_flight_schedule_add (schedule, &there, PF_IP_PROTOCOL_TCP);   /* SYN */
  pf_flight_schedule_add (schedule, &back, PF_IP_PROTOCOL_TCP);    /* SYN-ACK */
  pf_flight_schedule_add (schedule, &there, PF_IP_PROTOCOL_TCP);   /* ACK */
  pf_flight_schedule_plan (schedule);

  /* At full time it would take 3 s: 1.9 / 3 of it. */
  flight = pf_flight_schedule_get_flight_time (schedule);
  assert_near (flight, budget / 3.0);
  assert_near (pf_flight_schedule_get_start (schedule, 0), 0);
  assert_near (pf_flight_schedule_get_start (schedule, 1), flight);
  assert_near (pf_flight_schedule_get_start (schedule, 2), 2 * flight);
  assert_near (pf_flight_schedule_get_end (schedule), budget);
  assert_true (pf_flight_schedule_get_end (schedule) < PF_PLAYER_STEP_TIME);
}

/* A packet on another connection, or of another protocol, does not wait
 * for this one's replies. */
static void
test_other_flows_do_not_wait (void **state)
{
  g_autoptr(PfFlightSchedule) schedule = pf_flight_schedule_new ();

  pf_flight_schedule_add (schedule, &there, PF_IP_PROTOCOL_TCP);
  pf_flight_schedule_add (schedule, &other, PF_IP_PROTOCOL_TCP);
  pf_flight_schedule_add (schedule, &back, PF_IP_PROTOCOL_UDP);
  pf_flight_schedule_plan (schedule);

  assert_near (pf_flight_schedule_get_start (schedule, 0), 0);
  assert_near (pf_flight_schedule_get_start (schedule, 1), 0.35);
  assert_near (pf_flight_schedule_get_start (schedule, 2), 0.70);
  assert_near (pf_flight_schedule_get_end (schedule), 1.70);
}

/* Many packets cannot be kept apart: they fly at the fastest pace and
 * all leave within the window, so a 16 MiB burst is not a minute long. */
static void
test_many_start_within_the_window (void **state)
{
  g_autoptr(PfFlightSchedule) schedule = pf_flight_schedule_new ();
  guint n = 200;
  double previous = -1;

  for (guint i = 0; i < n; i++)
    pf_flight_schedule_add (schedule, &there, PF_IP_PROTOCOL_TCP);
  pf_flight_schedule_plan (schedule);

  assert_near (pf_flight_schedule_get_flight_time (schedule), 0.55);
  assert_near (pf_flight_schedule_get_start (schedule, 0), 0);
  assert_near (pf_flight_schedule_get_end (schedule), 3.0);
  for (guint i = 0; i < n; i++)
    {
      double start = pf_flight_schedule_get_start (schedule, i);

      assert_true (start > previous);
      previous = start;
    }
  assert_near (previous + 0.55, 3.0);
}

/* A packet that comes late joins after those scheduled, from now at the
 * earliest, and still waits for what it answers. */
static void
test_late (void **state)
{
  g_autoptr(PfFlightSchedule) schedule = pf_flight_schedule_new ();
  guint late;

  pf_flight_schedule_add (schedule, &there, PF_IP_PROTOCOL_TCP);
  pf_flight_schedule_plan (schedule);

  /* Half-way through the first flight, its answer comes in. */
  late = pf_flight_schedule_add_late (schedule, &back, PF_IP_PROTOCOL_TCP, 0.5);
  assert_int_equal (late, 1);
  assert_near (pf_flight_schedule_get_start (schedule, late), 1.0);
  assert_near (pf_flight_schedule_get_end (schedule), 2.0);

  /* Long after everything landed: it leaves now. */
  late = pf_flight_schedule_add_late (schedule, &other, PF_IP_PROTOCOL_TCP, 5.0);
  assert_near (pf_flight_schedule_get_start (schedule, late), 5.0);
  assert_near (pf_flight_schedule_get_end (schedule), 6.0);

  /* A late one into an empty schedule leaves at once. */
  pf_flight_schedule_clear (schedule);
  late = pf_flight_schedule_add_late (schedule, &there, PF_IP_PROTOCOL_TCP, 0.25);
  assert_int_equal (late, 0);
  assert_near (pf_flight_schedule_get_start (schedule, late), 0.25);
}

/* How far a packet has come: before, during and after its flight. */
static void
test_progress (void **state)
{
  g_autoptr(PfFlightSchedule) schedule = pf_flight_schedule_new ();

  pf_flight_schedule_add (schedule, &there, PF_IP_PROTOCOL_TCP);
  pf_flight_schedule_add (schedule, &there, PF_IP_PROTOCOL_TCP);
  pf_flight_schedule_plan (schedule);

  assert_true (pf_flight_schedule_get_progress (schedule, 1, 0.1) < 0);
  assert_near (pf_flight_schedule_get_progress (schedule, 1, 0.35), 0);
  assert_near (pf_flight_schedule_get_progress (schedule, 1, 0.85), 0.5);
  assert_true (pf_flight_schedule_get_progress (schedule, 1, 1.5) > 1);
}

/* A step shown anew starts from nothing; planning twice gives the same. */
static void
test_clear_and_plan_again (void **state)
{
  g_autoptr(PfFlightSchedule) schedule = pf_flight_schedule_new ();
  double end;

  for (guint i = 0; i < 10; i++)
    pf_flight_schedule_add (schedule, i % 2 ? &back : &there, PF_IP_PROTOCOL_TCP);
  pf_flight_schedule_plan (schedule);
  end = pf_flight_schedule_get_end (schedule);
  assert_true (end <= 3.0 + EPSILON);
  pf_flight_schedule_plan (schedule);
  assert_near (pf_flight_schedule_get_end (schedule), end);

  pf_flight_schedule_clear (schedule);
  assert_int_equal (pf_flight_schedule_get_n_flights (schedule), 0);
  assert_near (pf_flight_schedule_get_end (schedule), 0);
  assert_near (pf_flight_schedule_get_flight_time (schedule), 1.0);
  pf_flight_schedule_add (schedule, &back, PF_IP_PROTOCOL_TCP);
  pf_flight_schedule_plan (schedule);
  assert_near (pf_flight_schedule_get_start (schedule, 0), 0);
  assert_near (pf_flight_schedule_get_end (schedule), 1.0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_empty),
    cmocka_unit_test (test_same_way_staggered),
    cmocka_unit_test (test_handshake_fits_the_step),
    cmocka_unit_test (test_other_flows_do_not_wait),
    cmocka_unit_test (test_many_start_within_the_window),
    cmocka_unit_test (test_late),
    cmocka_unit_test (test_progress),
    cmocka_unit_test (test_clear_and_plan_again),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
