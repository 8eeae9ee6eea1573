/* pf-event.h: one thing that happened during a run
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-address.h"
#include "pf-core-enums.h"
#include "pf-packet.h"

G_BEGIN_DECLS

typedef enum /*< skip >*/
{
  PF_EVENT_STEP,     /* a scenario step began */
  PF_EVENT_STATE,    /* a socket's TCP state changed, as the kernel says */
  PF_EVENT_SEGMENT,  /* a segment or datagram was sent */
  PF_EVENT_DELIVER,  /* bytes reached a program */
  PF_EVENT_ERROR,    /* the kernel refused or reset, or an expectation failed */
} PfEventKind;

/* The kernel's TCP states (include/net/tcp_states.h), same numbers. */
typedef enum /*< skip >*/
{
  PF_TCP_STATE_NONE        = 0,
  PF_TCP_STATE_ESTABLISHED = 1,
  PF_TCP_STATE_SYN_SENT,
  PF_TCP_STATE_SYN_RECV,
  PF_TCP_STATE_FIN_WAIT1,
  PF_TCP_STATE_FIN_WAIT2,
  PF_TCP_STATE_TIME_WAIT,
  PF_TCP_STATE_CLOSE,
  PF_TCP_STATE_CLOSE_WAIT,
  PF_TCP_STATE_LAST_ACK,
  PF_TCP_STATE_LISTEN,
  PF_TCP_STATE_CLOSING,
} PfTcpState;

/* What an error event says went wrong. The nicks are what the JSON trace
 * writes ("code"); a person reads pf_event_error_code_to_label (). */
typedef enum
{
  PF_EVENT_ERROR_CODE_ECONNREFUSED, /*< nick=ECONNREFUSED >*/ /* nothing listened there */
  PF_EVENT_ERROR_CODE_ECONNRESET,   /*< nick=ECONNRESET >*/   /* the connection was reset */
  PF_EVENT_ERROR_CODE_ENOTCONN,     /*< nick=ENOTCONN >*/     /* its socket was cut off */
  PF_EVENT_ERROR_CODE_ETIMEDOUT,    /*< nick=ETIMEDOUT >*/    /* a step did not finish */
  PF_EVENT_ERROR_CODE_ESOCKET,      /*< nick=ESOCKET >*/      /* a step had no socket */
  PF_EVENT_ERROR_CODE_ESEND,        /*< nick=ESEND >*/        /* a datagram was not sent */
  PF_EVENT_ERROR_CODE_EDNS,         /*< nick=EDNS >*/         /* a query had no answer */
  PF_EVENT_ERROR_CODE_EXPECT,       /*< nick=EXPECT >*/       /* not what the scenario said */
  PF_EVENT_ERROR_CODE_CAPTURE,      /*< nick=CAPTURE >*/      /* segments not captured */
  PF_EVENT_ERROR_CODE_OTHER,        /*< nick=ERROR >*/        /* any other failure */
} PfEventErrorCode;

#define PF_TYPE_EVENT (pf_event_get_type ())

G_DECLARE_FINAL_TYPE (PfEvent, pf_event, PF, EVENT, GObject)

const char  *pf_event_kind_to_string      (PfEventKind       kind);
const char  *pf_tcp_state_to_string       (PfTcpState        state);
const char  *pf_event_error_code_to_label (PfEventErrorCode  code);

PfEvent     *pf_event_new_step          (gint64          time_us,
                                         int             step,
                                         const char     *narration);
PfEvent     *pf_event_new_segment       (gint64          time_us,
                                         int             step,
                                         PfPacket       *packet);
PfEvent     *pf_event_new_frame         (gint64          time_us,
                                         int             step,
                                         PfPacket       *packet,
                                         const char     *link_id,
                                         const char     *from_host_id,
                                         const char * const *to_host_ids,
                                         gint64          delivered_us);
PfEvent     *pf_event_new_state         (gint64          time_us,
                                         int             step,
                                         const char     *host_id,
                                         const char     *protocol,
                                         const PfFourTuple *tuple,
                                         PfTcpState      old_state,
                                         PfTcpState      new_state);
PfEvent     *pf_event_new_deliver       (gint64          time_us,
                                         int             step,
                                         const char     *host_id,
                                         const char     *protocol,
                                         const PfFourTuple *tuple,
                                         GBytes         *data);
PfEvent     *pf_event_new_error         (gint64          time_us,
                                         int             step,
                                         const char     *host_id,
                                         const PfFourTuple *tuple,
                                         PfEventErrorCode code,
                                         const char     *message);

PfEventKind        pf_event_get_kind       (PfEvent *self);
gint64             pf_event_get_time       (PfEvent *self);
int                pf_event_get_step       (PfEvent *self);
PfPacket          *pf_event_get_packet     (PfEvent *self);
const char        *pf_event_get_host_id    (PfEvent *self);
const char        *pf_event_get_protocol   (PfEvent *self);
const PfFourTuple *pf_event_get_tuple      (PfEvent *self);
PfTcpState         pf_event_get_old_state  (PfEvent *self);
PfTcpState         pf_event_get_state      (PfEvent *self);
GBytes            *pf_event_get_data       (PfEvent *self);
PfEventErrorCode   pf_event_get_error_code (PfEvent *self);
const char        *pf_event_get_code       (PfEvent *self);
const char        *pf_event_get_message    (PfEvent *self);
gboolean           pf_event_get_expected   (PfEvent *self);
const char        *pf_event_get_link_id    (PfEvent *self);
const char * const *pf_event_get_to_host_ids (PfEvent *self);
gint64             pf_event_get_delivered_time (PfEvent *self);
void               pf_event_set_expected   (PfEvent *self,
                                            gboolean expected);

G_END_DECLS
