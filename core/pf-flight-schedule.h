/* pf-flight-schedule.h: when each packet of a step leaves and lands
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "pf-address.h"
#include "pf-packet.h"

G_BEGIN_DECLS

/* The animation of one step, the same for every view that moves packets
 * (the stage's envelopes, the ladder's arrows), so they leave and land
 * together. Times are seconds since the step was shown, at speed 1: a
 * view advances its clock by the frame clock times the player's speed. */
typedef struct _PfFlightSchedule PfFlightSchedule;

PfFlightSchedule *pf_flight_schedule_new             (void);
void              pf_flight_schedule_free            (PfFlightSchedule  *self);

void              pf_flight_schedule_clear           (PfFlightSchedule  *self);
guint             pf_flight_schedule_add             (PfFlightSchedule  *self,
                                                      const PfFourTuple *tuple,
                                                      guint8             protocol);
guint             pf_flight_schedule_add_hop         (PfFlightSchedule  *self,
                                                      const PfFourTuple *tuple,
                                                      guint8             protocol,
                                                      guint              previous);
void              pf_flight_schedule_plan            (PfFlightSchedule  *self);
guint             pf_flight_schedule_add_late        (PfFlightSchedule  *self,
                                                      const PfFourTuple *tuple,
                                                      guint8             protocol,
                                                      double             now);
guint             pf_flight_schedule_add_hop_late    (PfFlightSchedule  *self,
                                                      const PfFourTuple *tuple,
                                                      guint8             protocol,
                                                      guint              previous,
                                                      double             now);
PfFourTuple       pf_flight_schedule_packet_flow     (const PfPacket    *packet,
                                                      guint8            *out_protocol);
gboolean          pf_flight_schedule_same_packet     (const PfPacket    *a,
                                                      const PfPacket    *b);

guint             pf_flight_schedule_get_n_flights   (PfFlightSchedule  *self);
double            pf_flight_schedule_get_start       (PfFlightSchedule  *self,
                                                      guint              index);
double            pf_flight_schedule_get_flight_time (PfFlightSchedule  *self);
double            pf_flight_schedule_get_end         (PfFlightSchedule  *self);
double            pf_flight_schedule_get_progress    (PfFlightSchedule  *self,
                                                      guint              index,
                                                      double             now);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfFlightSchedule, pf_flight_schedule_free)

G_END_DECLS
