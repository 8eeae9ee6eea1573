/* pf-stage-flights.c: the step's envelopes in the air
 *
 * Which segments of the step on screen take off along their connection
 * (when, the step's PfFlightSchedule says: core/pf-flight-schedule.c,
 * the ladder's too), where each is at the animation's time, and the tick
 * that moves that time on while one flies.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-stage"

#include "config.h"

#include "pf-stage-private.h"

void
pf_stage_flight_clear (PfStageFlight *flight)
{
  g_clear_object (&flight->event);
  g_clear_pointer (&flight->art_key, g_free);
}

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  PfStage *self = PF_STAGE (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);

  if (self->last_frame != 0)
    self->anim_time += (now - self->last_frame) / (double) G_USEC_PER_SEC * self->speed;
  self->last_frame = now;

  gtk_widget_queue_draw (widget);

  if (self->anim_time >= self->anim_end)
    {
      self->tick_id = 0;
      self->last_frame = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

void
pf_stage_stop_tick (PfStage *self)
{
  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
  self->tick_id = 0;
  self->last_frame = 0;
}

void
pf_stage_ensure_tick (PfStage *self)
{
  if (self->tick_id == 0 && self->anim_time < self->anim_end)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_tick, NULL, NULL);
}

/* A frame the wire carried, @event: one envelope for each receiver, all
 * leaving together (an ARP request fans out to the whole link), after the
 * same packet's hop before it in the step has landed at its router. */
static void
add_hop (PfStage  *self,
         PfEvent  *event,
         PfPacket *packet,
         gboolean  restart)
{
  g_autoptr(GArray) to = g_array_new (FALSE, FALSE, sizeof (int));
  guint8 protocol;
  PfFourTuple tuple = pf_flight_schedule_packet_flow (packet, &protocol);
  guint previous = G_MAXUINT, slot;
  PfStageConn *conn = NULL;
  int from = pf_stage_host_for_id (self, pf_event_get_host_id (event));
  g_autofree char *art_key = NULL;

  pf_stage_frame_receivers (self, event, to);
  if (to->len == 0)
    return;

  for (guint j = self->flights->len; j-- > 0;)
    {
      PfStageFlight *f = &g_array_index (self->flights, PfStageFlight, j);

      if (f->link != NULL && f->to == from &&
          pf_flight_schedule_same_packet (pf_event_get_packet (f->event), packet))
        {
          previous = f->slot;
          break;
        }
    }
  if (restart)
    slot = pf_flight_schedule_add_hop (self->schedule, &tuple, protocol, previous);
  else
    slot = pf_flight_schedule_add_hop_late (self->schedule, &tuple, protocol, previous, self->anim_time);

  if (packet->protocol == PF_IP_PROTOCOL_TCP || packet->protocol == PF_IP_PROTOCOL_UDP)
    conn = pf_stage_lookup_conn (self, &tuple, packet->protocol == PF_IP_PROTOCOL_UDP);
  art_key = pf_stage_art_key_for (self, packet);
  for (guint j = 0; j < to->len; j++)
    {
      PfStageFlight flight = { NULL };

      flight.event = g_object_ref (event);
      flight.conn = conn;
      flight.link = pf_stage_link_for_id (self, pf_event_get_link_id (event));
      flight.from = from;
      flight.to = g_array_index (to, int, j);
      flight.slot = slot;
      flight.forward = TRUE;
      flight.art_key = g_strdup (art_key);
      g_array_append_val (self->flights, flight);
    }
}

/* The segments [from, to) take off: all of them again when @restart (a
 * step shown anew, back or forward), else after those already flying
 * (late events of the step on screen). */
void
pf_stage_add_flights (PfStage  *self,
                      guint     from,
                      guint     to,
                      gboolean  restart)
{
  PfTimeline *timeline = pf_player_get_timeline (pf_view_get_player (PF_VIEW (self)));

  to = MIN (to, pf_timeline_get_n_events (timeline));

  if (restart)
    {
      pf_stage_stop_tick (self);
      g_array_set_size (self->flights, 0);
      pf_flight_schedule_clear (self->schedule);
      /* Every payload looks different: keep the pictures few. */
      if (g_hash_table_size (self->arts) > MAX_ARTS)
        pf_stage_clear_arts (self);
      self->first_live = 0;
      self->anim_time = 0;
      self->anim_end = 0;
    }

  for (guint i = from; i < to; i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);
      PfPacket *packet;
      PfFourTuple tuple;
      PfStageFlight flight = { NULL };
      PfStageConn *conn;

      if (pf_event_get_kind (event) != PF_EVENT_SEGMENT)
        continue;
      packet = pf_event_get_packet (event);
      if (pf_stage_is_hop (self, event))
        {
          add_hop (self, event, packet, restart);
          continue;
        }
      if (packet->protocol != PF_IP_PROTOCOL_TCP && packet->protocol != PF_IP_PROTOCOL_UDP)
        continue;
      tuple = pf_packet_get_four_tuple (packet);
      conn = pf_stage_lookup_conn (self, &tuple, packet->protocol == PF_IP_PROTOCOL_UDP);
      if (conn == NULL || !pf_stage_conn_drawable (conn))
        continue;

      flight.event = g_object_ref (event);
      flight.conn = conn;
      flight.from = flight.to = -1;
      flight.forward = pf_endpoint_equal (&tuple.src, &conn->tuple.src);
      flight.art_key = pf_stage_art_key_for (self, packet);
      /* A late one: after those on screen, from now at the earliest. */
      if (restart)
        flight.slot = pf_flight_schedule_add (self->schedule, &tuple, packet->protocol);
      else
        flight.slot = pf_flight_schedule_add_late (self->schedule, &tuple, packet->protocol, self->anim_time);
      g_array_append_val (self->flights, flight);
    }

  if (restart)
    pf_flight_schedule_plan (self->schedule);
  for (guint i = 0; i < self->flights->len; i++)
    g_array_index (self->flights, PfStageFlight, i).start =
      pf_flight_schedule_get_start (self->schedule, g_array_index (self->flights, PfStageFlight, i).slot);
  self->anim_end = pf_flight_schedule_get_end (self->schedule);
}

/* Where flight @f is at the animation time, or FALSE when it is not in the air. */
gboolean
pf_stage_flight_point (PfStage             *self,
                       const PfStageFlight *f,
                       graphene_point_t    *out)
{
  double t = (self->anim_time - f->start) / pf_flight_schedule_get_flight_time (self->schedule);
  double s;

  if (t < 0 || t >= 1)
    return FALSE;

  s = t * t * (3 - 2 * t);
  /* A hop: along its link, from its sender to this receiver. */
  if (f->from >= 0 && f->to >= 0)
    {
      double w = 60, h = ENVELOPE_HEIGHT, below = 0, ring = f->event == self->parked ? 15 : 0;

      if (f->art != NULL || self->have_colors)
        {
          PfStageArt *art = pf_stage_flight_art (self, (PfStageFlight *) f);

          w = art->w;
          h = art->h;
          below = art->below;
        }
      pf_stage_hop_point (self, f->link, f->from, f->to, s, w + ring, h + ring, below, out);
      return TRUE;
    }
  /* Between the cards: an envelope never covers one, nor its plugs. */
  if (f->art != NULL || self->have_colors)
    {
      PfStageArt *art = pf_stage_flight_art (self, (PfStageFlight *) f);
      double ring = f->event == self->parked ? 15 : 0;
      double from, to;

      pf_stage_fly_range (self, f->conn, art->w + ring, art->h + ring, art->below, &from, &to);
      s = f->forward ? from + (to - from) * s : to - (to - from) * s;
    }
  else if (!f->forward)
    s = 1 - s;
  pf_stage_curve_point (f->conn, s, out);
  return TRUE;
}
