/* pf-flight-schedule.c: when each packet of a step leaves and lands
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-flight-schedule"

#include "config.h"

#include "pf-flight-schedule.h"
#include "pf-player.h"

#include <string.h>

/* Times in seconds at speed 1. A packet flies FLIGHT_TIME; the next one
 * the same way leaves STAGGER later; one the other way leaves when the
 * last one it could answer has landed (a reply is sent after what it
 * answers arrived). A step's packets all land within STEP_BUDGET, a
 * little less than the player's pause between steps when it plays, by
 * flying faster (down to MIN_FACTOR of the time); a step with many more
 * starts them within STEP_WINDOW, and then several fly at once. */
#define FLIGHT_TIME  1.0
#define STAGGER      0.35
#define STEP_BUDGET  (PF_PLAYER_STEP_TIME - 0.1)
#define MIN_FACTOR   0.55
#define STEP_WINDOW  3.0

/* Packets one way on one flow: what a reply waits for. */
typedef struct
{
  PfFourTuple tuple;
  guint8      protocol;
} FlowKey;

typedef struct
{
  FlowKey key;
  double  start;
  guint   after;        /* the hop it follows, or G_MAXUINT */
} Flight;

struct _PfFlightSchedule
{
  GArray     *flights;      /* Flight, in the order added */
  GHashTable *landings;     /* FlowKey* -> double*: when the last one lands */
  double      flight_time;
  double      gap;
  double      end;
};

static guint
flow_key_hash (gconstpointer key)
{
  const FlowKey *k = key;

  return pf_four_tuple_hash (&k->tuple) ^ k->protocol;
}

static gboolean
flow_key_equal (gconstpointer a,
                gconstpointer b)
{
  const FlowKey *ka = a;
  const FlowKey *kb = b;

  return ka->protocol == kb->protocol && pf_four_tuple_equal (&ka->tuple, &kb->tuple);
}

static FlowKey
flow_key_init (const PfFourTuple *tuple,
               guint8             protocol)
{
  FlowKey key;

  /* Zeroed first: the padding is hashed as part of nothing, but compared
   * keys must not differ in it either. */
  memset (&key, 0, sizeof key);
  key.tuple = *tuple;
  key.protocol = protocol;
  return key;
}

/* When the last packet on @key's flow lands; -G_MAXDOUBLE if none. */
static double *
landing_for (PfFlightSchedule *self,
             const FlowKey    *key)
{
  double *at = g_hash_table_lookup (self->landings, key);

  if (at == NULL)
    {
      at = g_new (double, 1);
      *at = -G_MAXDOUBLE;
      g_hash_table_insert (self->landings, g_memdup2 (key, sizeof *key), at);
    }
  return at;
}

/* When @flight can leave, at the earliest @earliest: @gap after the one
 * before it (@previous), and after what it could answer has landed. */
static double
schedule (PfFlightSchedule *self,
          Flight           *flight,
          double            earliest,
          double            previous)
{
  FlowKey reverse = flow_key_init (&flight->key.tuple, flight->key.protocol);
  double start = MAX (earliest, previous + self->gap);
  double *mine;

  reverse.tuple = pf_four_tuple_reversed (&flight->key.tuple);
  start = MAX (start, *landing_for (self, &reverse));
  /* A packet's next hop leaves the router once the last one landed there. */
  if (flight->after != G_MAXUINT)
    start = MAX (start, g_array_index (self->flights, Flight, flight->after).start + self->flight_time);
  mine = landing_for (self, &flight->key);
  *mine = MAX (*mine, start + self->flight_time);
  flight->start = start;
  self->end = MAX (self->end, start + self->flight_time);
  return start;
}

/**
 * pf_flight_schedule_new:
 *
 * Returns: (transfer full): an empty schedule
 */
PfFlightSchedule *
pf_flight_schedule_new (void)
{
  PfFlightSchedule *self = g_new0 (PfFlightSchedule, 1);

  self->flights = g_array_new (FALSE, FALSE, sizeof (Flight));
  self->landings = g_hash_table_new_full (flow_key_hash, flow_key_equal, g_free, g_free);
  pf_flight_schedule_clear (self);
  return self;
}

void
pf_flight_schedule_free (PfFlightSchedule *self)
{
  if (self == NULL)
    return;

  g_array_unref (self->flights);
  g_hash_table_unref (self->landings);
  g_free (self);
}

/**
 * pf_flight_schedule_clear:
 *
 * Forgets every flight: a step is shown anew.
 */
void
pf_flight_schedule_clear (PfFlightSchedule *self)
{
  g_return_if_fail (self != NULL);

  g_array_set_size (self->flights, 0);
  g_hash_table_remove_all (self->landings);
  self->flight_time = FLIGHT_TIME;
  self->gap = STAGGER;
  self->end = 0;
}

/**
 * pf_flight_schedule_add:
 * @tuple: who sends the packet, to whom
 * @protocol: %PF_IP_PROTOCOL_TCP or %PF_IP_PROTOCOL_UDP
 *
 * Adds the next packet of the step; its time is set by
 * pf_flight_schedule_plan ().
 *
 * Returns: its index
 */
guint
pf_flight_schedule_add (PfFlightSchedule  *self,
                        const PfFourTuple *tuple,
                        guint8             protocol)
{
  return pf_flight_schedule_add_hop (self, tuple, protocol, G_MAXUINT);
}

/**
 * pf_flight_schedule_add_hop:
 * @previous: the index of the same packet's hop before this one (the
 *   frame that brought it to the router that sends this one on), or
 *   %G_MAXUINT for a first hop
 *
 * Like pf_flight_schedule_add (), for a hop of a packet through routers:
 * it leaves once @previous has landed.
 *
 * Returns: its index
 */
guint
pf_flight_schedule_add_hop (PfFlightSchedule  *self,
                            const PfFourTuple *tuple,
                            guint8             protocol,
                            guint              previous)
{
  Flight flight = { flow_key_init (tuple, protocol), 0, G_MAXUINT };

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (tuple != NULL, 0);
  g_return_val_if_fail (previous == G_MAXUINT || previous < self->flights->len, 0);

  flight.after = previous;
  g_array_append_val (self->flights, flight);
  return self->flights->len - 1;
}

/**
 * pf_flight_schedule_plan:
 *
 * Times the packets added since the last clear: at full time first, then
 * faster or closer together until the step fits.
 */
void
pf_flight_schedule_plan (PfFlightSchedule *self)
{
  double factor, last = 0;
  GHashTableIter iter;
  double *at;

  g_return_if_fail (self != NULL);

  g_hash_table_remove_all (self->landings);
  self->flight_time = FLIGHT_TIME;
  self->gap = STAGGER;
  self->end = 0;
  for (guint i = 0; i < self->flights->len; i++)
    last = schedule (self, &g_array_index (self->flights, Flight, i), 0,
                     i == 0 ? -STAGGER : last);

  if (self->end <= STEP_BUDGET)
    return;

  factor = STEP_BUDGET / self->end;
  if (factor >= MIN_FACTOR)
    {
      self->flight_time = FLIGHT_TIME * factor;
      self->gap = STAGGER * factor;
    }
  else
    {
      /* Too many to keep them apart: they start within the window. */
      self->flight_time = FLIGHT_TIME * MIN_FACTOR;
      factor = last > 0 ? (STEP_WINDOW - self->flight_time) / last : 1;
      self->gap = STAGGER * factor;
    }

  g_hash_table_iter_init (&iter, self->landings);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &at))
    *at *= factor;
  for (guint i = 0; i < self->flights->len; i++)
    g_array_index (self->flights, Flight, i).start *= factor;
  self->end = last * factor + self->flight_time;
}

/**
 * pf_flight_schedule_add_late:
 * @now: the view's clock
 *
 * Adds a packet that came after the step was planned (a late event of
 * the step on screen): it leaves after those already scheduled, from
 * @now at the earliest, at the planned pace.
 *
 * Returns: its index
 */
guint
pf_flight_schedule_add_late (PfFlightSchedule  *self,
                             const PfFourTuple *tuple,
                             guint8             protocol,
                             double             now)
{
  return pf_flight_schedule_add_hop_late (self, tuple, protocol, G_MAXUINT, now);
}

/* pf_flight_schedule_add_late () for a hop after @previous (or G_MAXUINT). */
guint
pf_flight_schedule_add_hop_late (PfFlightSchedule  *self,
                                 const PfFourTuple *tuple,
                                 guint8             protocol,
                                 guint              previous,
                                 double             now)
{
  double last;
  guint index;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (tuple != NULL, 0);

  last = self->flights->len > 0
         ? g_array_index (self->flights, Flight, self->flights->len - 1).start
         : -G_MAXDOUBLE / 2;
  index = pf_flight_schedule_add_hop (self, tuple, protocol, previous);
  schedule (self, &g_array_index (self->flights, Flight, index), now, last);
  return index;
}

guint
pf_flight_schedule_get_n_flights (PfFlightSchedule *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->flights->len;
}

/* When packet @index leaves. */
double
pf_flight_schedule_get_start (PfFlightSchedule *self,
                              guint             index)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (index < self->flights->len, 0);

  return g_array_index (self->flights, Flight, index).start;
}

/* How long each packet of the step flies. */
double
pf_flight_schedule_get_flight_time (PfFlightSchedule *self)
{
  g_return_val_if_fail (self != NULL, FLIGHT_TIME);

  return self->flight_time;
}

/* When the last packet lands; 0 with none. */
double
pf_flight_schedule_get_end (PfFlightSchedule *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->end;
}

/**
 * pf_flight_schedule_get_progress:
 * @now: the view's clock
 *
 * Returns: how far packet @index has come at @now: below 0 before it
 *   leaves, 0 to 1 in flight, above 1 once landed
 */
double
pf_flight_schedule_get_progress (PfFlightSchedule *self,
                                 guint             index,
                                 double            now)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (index < self->flights->len, 0);

  return (now - g_array_index (self->flights, Flight, index).start) / self->flight_time;
}

/**
 * pf_flight_schedule_same_packet:
 *
 * Whether frames @a and @b carry the same IP packet on two hops (through
 * a router: the same ip_id, source, destination and protocol; the TTL
 * and the MACs differ). An ARP frame is no IP packet: never.
 */
gboolean
pf_flight_schedule_same_packet (const PfPacket *a,
                                const PfPacket *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if ((a->has_ethernet && a->ethertype == PF_ETHERTYPE_ARP) ||
      (b->has_ethernet && b->ethertype == PF_ETHERTYPE_ARP))
    return FALSE;
  return a->ip_id == b->ip_id && a->src == b->src && a->dst == b->dst && a->protocol == b->protocol;
}

/**
 * pf_flight_schedule_packet_flow:
 * @out_protocol: (out): what to schedule it as
 *
 * The flow a packet is scheduled on: its 4-tuple and protocol, or for an
 * ARP frame its sender's and target's addresses (protocol 0), so that a
 * reply waits for the request it answers, in every view alike.
 */
PfFourTuple
pf_flight_schedule_packet_flow (const PfPacket *packet,
                                guint8         *out_protocol)
{
  PfFourTuple tuple;

  memset (&tuple, 0, sizeof tuple);
  g_return_val_if_fail (packet != NULL, tuple);

  if (!(packet->has_ethernet && packet->ethertype == PF_ETHERTYPE_ARP))
    {
      *out_protocol = packet->protocol;
      return pf_packet_get_four_tuple (packet);
    }
  tuple.src.address = packet->arp_spa;
  tuple.dst.address = packet->arp_tpa;
  *out_protocol = 0;
  return tuple;
}
