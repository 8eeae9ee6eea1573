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

/* Through a router: the second hop leaves once the first has landed,
 * planned or late, and the SYN-ACK waits for the last hop. */
static void
test_hops (void **state)
{
  g_autoptr(PfFlightSchedule) schedule = pf_flight_schedule_new ();
  guint hop1, hop2, reply;
  double flight;

  hop1 = pf_flight_schedule_add_hop (schedule, &there, PF_IP_PROTOCOL_TCP, G_MAXUINT);
  hop2 = pf_flight_schedule_add_hop (schedule, &there, PF_IP_PROTOCOL_TCP, hop1);
  reply = pf_flight_schedule_add (schedule, &back, PF_IP_PROTOCOL_TCP);
  pf_flight_schedule_plan (schedule);
  flight = pf_flight_schedule_get_flight_time (schedule);

  assert_near (pf_flight_schedule_get_start (schedule, hop1), 0);
  assert_true (pf_flight_schedule_get_start (schedule, hop2) >=
               pf_flight_schedule_get_start (schedule, hop1) + flight - EPSILON);
  assert_true (pf_flight_schedule_get_start (schedule, reply) >=
               pf_flight_schedule_get_start (schedule, hop2) + flight - EPSILON);
  /* Squeezed into the step, the order holds. */
  assert_true (pf_flight_schedule_get_end (schedule) <= PF_PLAYER_STEP_TIME);

  /* A late hop after one already flying: from its landing, not from now. */
  pf_flight_schedule_clear (schedule);
  hop1 = pf_flight_schedule_add_late (schedule, &other, PF_IP_PROTOCOL_TCP, 0.5);
  hop2 = pf_flight_schedule_add_hop_late (schedule, &other, PF_IP_PROTOCOL_TCP, hop1, 0.6);
  flight = pf_flight_schedule_get_flight_time (schedule);
  assert_near (pf_flight_schedule_get_start (schedule, hop1), 0.5);
  assert_near (pf_flight_schedule_get_start (schedule, hop2), 0.5 + flight);
}

/* The same IP packet on two hops (TTL and MACs differ), and what is not. */
static void
test_same_packet (void **state)
{
  g_autoptr(PfPacket) a = pf_packet_new_tcp (there.src.address, 50000, there.dst.address, 80, 1, 0,
                                             PF_TCP_SYN, 1000, NULL, 0);
  g_autoptr(PfPacket) b = pf_packet_new_tcp (there.src.address, 50000, there.dst.address, 80, 1, 0,
                                             PF_TCP_SYN, 1000, NULL, 0);
  g_autoptr(PfPacket) arp = pf_packet_new_udp (0, 0, 0, 0, NULL, 0);
  PfFourTuple flow;
  guint8 protocol = 99;

  a->ip_id = b->ip_id = 7;
  a->ttl = 64;
  b->ttl = 63;
  b->eth_src[5] = 1;
  assert_true (pf_flight_schedule_same_packet (a, b));
  b->ip_id = 8;
  assert_false (pf_flight_schedule_same_packet (a, b));

  arp->has_ethernet = TRUE;
  arp->ethertype = PF_ETHERTYPE_ARP;
  arp->protocol = 0;
  arp->arp_spa = there.src.address;
  arp->arp_tpa = there.dst.address;
  assert_false (pf_flight_schedule_same_packet (arp, arp));
  flow = pf_flight_schedule_packet_flow (arp, &protocol);
  assert_int_equal (protocol, 0);
  assert_int_equal (flow.src.address, there.src.address);
  assert_int_equal (flow.dst.address, there.dst.address);
  flow = pf_flight_schedule_packet_flow (a, &protocol);
  assert_int_equal (protocol, PF_IP_PROTOCOL_TCP);
  assert_true (pf_four_tuple_equal (&flow, &there));
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
    cmocka_unit_test (test_hops),
    cmocka_unit_test (test_same_packet),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
