/* pf-event.c: one thing that happened during a run
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-event"

#include "config.h"

#include "pf-event.h"

#include <glib/gi18n.h>

#include "pf-enum.h"

/* Events are immutable once made: constructors fill them, getters read. */
struct _PfEvent
{
  GObject           parent_instance;

  PfEventKind       kind;
  gint64            time_us;
  int               step;
  PfPacket         *packet;
  char             *host_id;
  const char       *protocol;   /* static string: "tcp" or "udp" */
  PfFourTuple       tuple;
  PfTcpState        old_state;
  PfTcpState        state;
  GBytes           *data;
  PfEventErrorCode  code;
  char             *message;
  gboolean          expected;   /* an error the scenario says will happen */

  /* a frame the wire carried (SEGMENT only; NULL link_id without a wire) */
  char             *link_id;
  GStrv             to_host_ids;
  gint64            delivered_us;
};

G_DEFINE_FINAL_TYPE (PfEvent, pf_event, G_TYPE_OBJECT)

static void
pf_event_finalize (GObject *object)
{
  PfEvent *self = PF_EVENT (object);

  g_clear_pointer (&self->packet, pf_packet_unref);
  g_clear_pointer (&self->data, g_bytes_unref);
  g_free (self->host_id);
  g_free (self->message);
  g_free (self->link_id);
  g_strfreev (self->to_host_ids);

  G_OBJECT_CLASS (pf_event_parent_class)->finalize (object);
}

static void
pf_event_class_init (PfEventClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pf_event_finalize;
}

static void
pf_event_init (PfEvent *self)
{
}

static PfEvent *
pf_event_new (PfEventKind kind,
              gint64      time_us,
              int         step)
{
  PfEvent *self = g_object_new (PF_TYPE_EVENT, NULL);

  self->kind = kind;
  self->time_us = time_us;
  self->step = step;
  return self;
}

static const char *
intern_protocol (const char *protocol)
{
  if (protocol == NULL)
    return NULL;
  return g_str_equal (protocol, "udp") ? "udp" : "tcp";
}

const char *
pf_event_kind_to_string (PfEventKind kind)
{
  static const char *names[] = { "step", "state", "segment", "deliver", "error" };

  g_return_val_if_fail (kind < G_N_ELEMENTS (names), NULL);
  return names[kind];
}

/* The names ss(8) and the kernel's own tables use. */
const char *
pf_tcp_state_to_string (PfTcpState state)
{
  static const char *names[] = {
    "NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
    "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
  };

  if ((guint) state >= G_N_ELEMENTS (names))
    return "UNKNOWN";
  return names[state];
}

/* For people: what went wrong, in the interface's language. */
const char *
pf_event_error_code_to_label (PfEventErrorCode code)
{
  switch (code)
    {
    case PF_EVENT_ERROR_CODE_ECONNREFUSED:
      return _("Connection refused");
    case PF_EVENT_ERROR_CODE_ECONNRESET:
      return _("Connection reset");
    case PF_EVENT_ERROR_CODE_ENOTCONN:
      return _("Connection cut off");
    case PF_EVENT_ERROR_CODE_ETIMEDOUT:
      return _("Step timed out");
    case PF_EVENT_ERROR_CODE_ESOCKET:
      return _("No socket");
    case PF_EVENT_ERROR_CODE_ESEND:
      return _("Datagram not sent");
    case PF_EVENT_ERROR_CODE_EDNS:
      return _("DNS query not answered");
    case PF_EVENT_ERROR_CODE_EXPECT:
      return _("Expectation failed");
    case PF_EVENT_ERROR_CODE_CAPTURE:
      return _("Segments not captured");
    case PF_EVENT_ERROR_CODE_OTHER:
      return _("Error");
    default:
      g_return_val_if_reached (NULL);
    }
}

PfEvent *
pf_event_new_step (gint64      time_us,
                   int         step,
                   const char *narration)
{
  PfEvent *self = pf_event_new (PF_EVENT_STEP, time_us, step);

  self->message = g_strdup (narration);
  return self;
}

PfEvent *
pf_event_new_segment (gint64    time_us,
                      int       step,
                      PfPacket *packet)
{
  PfEvent *self;

  g_return_val_if_fail (packet != NULL, NULL);

  self = pf_event_new (PF_EVENT_SEGMENT, time_us, step);
  self->packet = pf_packet_ref (packet);
  self->protocol = packet->protocol == PF_IP_PROTOCOL_UDP ? "udp" : "tcp";
  self->tuple = pf_packet_get_four_tuple (packet);
  return self;
}

/**
 * pf_event_new_frame:
 * @time_us: when the frame left its sender, as the wire read it
 * @step: the step it belongs to
 * @packet: the frame, decoded (Ethernet, then ARP or IPv4)
 * @link_id: the link it travelled on
 * @from_host_id: the host whose interface sent it
 * @to_host_ids: (array zero-terminated=1): the hosts the wire delivered it
 *   to: one for a unicast frame, every other host of the link for a
 *   broadcast or an unknown destination
 * @delivered_us: when the wire handed it on, after the link's latency
 *
 * A SEGMENT event for a frame that Packet Flow's wire carried from one
 * host's kernel to others: the same frame is recorded once, with both
 * the time it left and the time it was delivered.
 */
PfEvent *
pf_event_new_frame (gint64              time_us,
                    int                 step,
                    PfPacket           *packet,
                    const char         *link_id,
                    const char         *from_host_id,
                    const char * const *to_host_ids,
                    gint64              delivered_us)
{
  PfEvent *self;

  g_return_val_if_fail (link_id != NULL, NULL);
  g_return_val_if_fail (to_host_ids != NULL, NULL);
  g_return_val_if_fail (delivered_us >= time_us, NULL);

  self = pf_event_new_segment (time_us, step, packet);
  self->link_id = g_strdup (link_id);
  self->host_id = g_strdup (from_host_id);
  self->to_host_ids = g_strdupv ((char **) to_host_ids);
  self->delivered_us = delivered_us;
  return self;
}

PfEvent *
pf_event_new_state (gint64             time_us,
                    int                step,
                    const char        *host_id,
                    const char        *protocol,
                    const PfFourTuple *tuple,
                    PfTcpState         old_state,
                    PfTcpState         new_state)
{
  PfEvent *self = pf_event_new (PF_EVENT_STATE, time_us, step);

  self->host_id = g_strdup (host_id);
  self->protocol = intern_protocol (protocol);
  self->tuple = *tuple;
  self->old_state = old_state;
  self->state = new_state;
  return self;
}

PfEvent *
pf_event_new_deliver (gint64             time_us,
                      int                step,
                      const char        *host_id,
                      const char        *protocol,
                      const PfFourTuple *tuple,
                      GBytes            *data)
{
  PfEvent *self = pf_event_new (PF_EVENT_DELIVER, time_us, step);

  self->host_id = g_strdup (host_id);
  self->protocol = intern_protocol (protocol);
  self->tuple = *tuple;
  self->data = g_bytes_ref (data);
  return self;
}

PfEvent *
pf_event_new_error (gint64             time_us,
                    int                step,
                    const char        *host_id,
                    const PfFourTuple *tuple,
                    PfEventErrorCode   code,
                    const char        *message)
{
  PfEvent *self;

  g_return_val_if_fail (pf_enum_to_nick (PF_TYPE_EVENT_ERROR_CODE, code) != NULL, NULL);

  self = pf_event_new (PF_EVENT_ERROR, time_us, step);
  self->host_id = g_strdup (host_id);
  if (tuple != NULL)
    self->tuple = *tuple;
  self->code = code;
  self->message = g_strdup (message);
  return self;
}

PfEventKind
pf_event_get_kind (PfEvent *self)
{
  g_return_val_if_fail (PF_IS_EVENT (self), 0);
  return self->kind;
}

gint64
pf_event_get_time (PfEvent *self)
{
  g_return_val_if_fail (PF_IS_EVENT (self), 0);
  return self->time_us;
}

int
pf_event_get_step (PfEvent *self)
{
  g_return_val_if_fail (PF_IS_EVENT (self), -1);
  return self->step;
}

PfPacket *
pf_event_get_packet (PfEvent *self)
{
  g_return_val_if_fail (PF_IS_EVENT (self), NULL);
  return self->packet;
}

const char *
pf_event_get_host_id (PfEvent *self)
{
  g_return_val_if_fail (PF_IS_EVENT (self), NULL);
  return self->host_id;
}

const char *
pf_event_get_protocol (PfEvent *self)
{
  g_return_val_if_fail (PF_IS_EVENT (self), NULL);
  return self->protocol;
}

const PfFourTuple *
pf_event_get_tuple (PfEvent *self)
{
  g_return_val_if_fail (PF_IS_EVENT (self), NULL);
  return &self->tuple;
}

PfTcpState
pf_event_get_old_state (PfEvent *self)
{
  g_return_val_if_fail (PF_IS_EVENT (self), 0);
  return self->old_state;
}

PfTcpState
pf_event_get_state (PfEvent *self)
{
  g_return_val_if_fail (PF_IS_EVENT (self), 0);
  return self->state;
}

GBytes *
pf_event_get_data (PfEvent *self)
{
  g_return_val_if_fail (PF_IS_EVENT (self), NULL);
  return self->data;
}

/* Only for an error event. */
PfEventErrorCode
pf_event_get_error_code (PfEvent *self)
{
  g_return_val_if_fail (PF_IS_EVENT (self), PF_EVENT_ERROR_CODE_OTHER);
  g_return_val_if_fail (self->kind == PF_EVENT_ERROR, PF_EVENT_ERROR_CODE_OTHER);
  return self->code;
}

/* Only for an error event: TRUE when the scenario says it happens (a
 * connect where nothing listens is refused; the other end's "close" with
 * "how": "reset" resets), so it is no failure of the run. The engine
 * decides it; the views only read it. */
gboolean
pf_event_get_expected (PfEvent *self)
{
  g_return_val_if_fail (PF_IS_EVENT (self), FALSE);
  g_return_val_if_fail (self->kind == PF_EVENT_ERROR, FALSE);
  return self->expected;
}

/* By its creator, before the event is shared (recorded, given to a
 * model or a signal). */
void
pf_event_set_expected (PfEvent  *self,
                       gboolean  expected)
{
  g_return_if_fail (PF_IS_EVENT (self));
  g_return_if_fail (self->kind == PF_EVENT_ERROR);
  self->expected = !!expected;
}

/* Returns: (nullable): the nick of pf_event_get_error_code (), as the
 *   trace writes it ("ECONNREFUSED", ...); NULL for an event that is not
 *   an error. For the views until they read PfEventErrorCode; new code
 *   should use that. */
const char *
pf_event_get_code (PfEvent *self)
{
  g_return_val_if_fail (PF_IS_EVENT (self), NULL);

  if (self->kind != PF_EVENT_ERROR)
    return NULL;
  return pf_enum_to_nick (PF_TYPE_EVENT_ERROR_CODE, self->code);
}

const char *
pf_event_get_message (PfEvent *self)
{
  g_return_val_if_fail (PF_IS_EVENT (self), NULL);
  return self->message;
}

/* The link a frame travelled on; NULL for a segment no wire carried
 * (loopback mode, a trace of a run without links). */
const char *
pf_event_get_link_id (PfEvent *self)
{
  g_return_val_if_fail (PF_IS_EVENT (self), NULL);

  return self->link_id;
}

/* The hosts the wire delivered a frame to; NULL without a wire. */
const char * const *
pf_event_get_to_host_ids (PfEvent *self)
{
  g_return_val_if_fail (PF_IS_EVENT (self), NULL);

  return (const char * const *) self->to_host_ids;
}

/* When the wire delivered a frame; 0 without a wire. */
gint64
pf_event_get_delivered_time (PfEvent *self)
{
  g_return_val_if_fail (PF_IS_EVENT (self), 0);

  return self->delivered_us;
}
