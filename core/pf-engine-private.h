/* pf-engine-private.h: what the engine's files share
 *
 * PfEngine is one object over four files:
 *
 *   pf-engine.c          the object, recording, the life of a step, the
 *                        public API
 *   pf-engine-sockets.c  the sockets: making, reading and writing them,
 *                        their states (TCP_INFO, sock_diag), releasing
 *   pf-engine-wire.c     exact mode: the wire carries every frame, and
 *                        each delivery is recorded with the states it
 *                        moved
 *   pf-engine-model.c    loopback mode: the segments modelled
 *   pf-engine-steps.c    what the scenario's steps and services do
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pf-byte-queue.h"
#include "pf-engine.h"
#include "pf-record-arena.h"
#include "pf-service-session.h"
#include "pf-tcp-model.h"
#include "pf-wire.h"

G_BEGIN_DECLS

#define PF_ENGINE_READ_BUFFER_SIZE 65536

struct tcp_info;

typedef struct _PfConn PfConn;
typedef struct _PfSock PfSock;

typedef enum
{
  PF_SOCK_LISTENER,
  PF_SOCK_CLIENT,     /* a program's end that connected */
  PF_SOCK_SERVER,     /* a service's end that accepted */
  PF_SOCK_UDP_CLIENT,
  PF_SOCK_UDP_SERVER,
} PfSockRole;

struct _PfSock
{
  PfEngine         *engine;
  GSocket          *socket;
  GSource          *source;
  GIOCondition      watching;
  PfSockRole        role;
  const PfHost     *host;
  const PfService  *service;
  PfServiceSession *session;
  PfConn           *conn;
  PfFourTuple       tuple;       /* local → remote, as the kernel has them */
  PfTcpState        state;
  PfByteQueue       inbox;       /* TCP: read by the program, not yet expected */
  GQueue            datagrams;   /* UDP: GBytes*, each read, not yet expected */
  PfByteQueue       outbox;      /* written by the program, not yet sent */
  PfByteQueue       held;        /* a service's answer, sent in the next step on its connection */
  gboolean          close_held;  /* and its close after it */
  guint64           bytes_sent;
  guint64           bytes_read;
  guint32           segs_out_mark;
  guint             mss;
  gboolean          connecting;
  gboolean          eof;         /* the peer closed its side */
  gboolean          shut;        /* this side sent its FIN */
  gboolean          want_shut;   /* send the FIN once the outbox is empty */
  gboolean          half_closed; /* shut by a "close" with "how": "write" */
  gboolean          reset;
  gboolean          stale;       /* its state may have changed unseen */
};

struct _PfConn
{
  char       *id;
  PfSock     *client;
  PfSock     *server;
  PfTcpModel *model;
  gboolean    refused;
  gboolean    expect_refusal;  /* the scenario has no service there */
  PfSock     *reset_by;        /* the end that closed it with "how": "reset" */
  gint64      connect_time;    /* when connect () was called */
  gboolean    closed;       /* both ends done; sockets released */
};

struct _PfEngine
{
  GObject         parent_instance;

  PfScenario     *scenario;
  PfNetspaceMode  requested_mode;
  PfNetspace     *netspace;
  char           *fallback_reason;
  PfTimeline     *timeline;

  PfWire         *wire;           /* exact mode: carries every frame */
  GPtrArray      *diags;          /* GSocket*, the kernel's socket table
                                   * (like ss(8)), one per host in exact
                                   * mode, one for all in loopback mode */
  GHashTable     *host_index;     /* PfHost* → its index in the scenario */
  GHashTable     *syn_recv;       /* PfFourTuple* (the server's view) of
                                   * connections seen in SYN_RECV, not yet
                                   * accepted */
  gboolean        delivering;     /* in the wire's "delivered" */
  PfRecordArena  *arena;          /* the bytes read */
  gboolean        wire_due;    /* we did I/O since the last drain */

  GPtrArray      *socks;          /* PfSock*, every socket of the run */
  GPtrArray      *open;           /* those with a descriptor */
  GPtrArray      *open_copy;      /* engine_open_copy ()'s */
  GPtrArray      *settling;       /* released, state still moving */
  GPtrArray      *time_wait;      /* released, in TIME_WAIT */
  GHashTable     *conns;          /* id → PfConn* */
  GPtrArray      *pending;        /* PfEvent*, this step's, not yet appended */
  GPtrArray      *modelled;       /* PfPacket*, this step's model */
  guint           n_stamped;      /* how many of them have their time */

  gint64          start_time;     /* wall clock µs at start */
  int             next_step;
  int             step;           /* the step running, -1 before the first */
  guint           n_failures;
  guint           udp_outstanding;

  GTask          *task;           /* the running step */
  GSource        *settle;         /* ticks while a step runs */
  guint           wait_id;
  GSource        *late;           /* loopback: counting late ACKs */
  gint64          late_until;
  gint64          last_slow_poll; /* TIME_WAIT states read then */
  gint64          deadline;
  gboolean        started;
  gboolean        action_done;
  gboolean        lost;
};

/* pf-engine.c */
GSource    *pf_engine_watch_socket         (GSocket           *socket,
                                            GIOCondition       condition,
                                            GSocketSourceFunc  callback,
                                            gpointer           user_data);
gint64      pf_engine_now                  (PfEngine          *self);
void        pf_engine_record               (PfEngine          *self,
                                            PfEvent           *event);
void        pf_engine_flush_pending        (PfEngine          *self);
void        pf_engine_record_error         (PfEngine          *self,
                                            const PfHost      *host,
                                            const PfFourTuple *tuple,
                                            PfEventErrorCode   code,
                                            const char        *message);
void        pf_engine_record_outcome       (PfEngine          *self,
                                            const PfHost      *host,
                                            const PfFourTuple *tuple,
                                            PfEventErrorCode   code,
                                            gboolean           expected,
                                            const char        *message);
void        pf_engine_check                (PfEngine          *self);

/* pf-engine-sockets.c */
PfTcpState  pf_engine_sock_query_tcp_info  (PfSock            *sock,
                                            struct tcp_info   *info);
void        pf_engine_sock_poll_state      (PfSock            *sock,
                                            gboolean           slow);
void        pf_engine_poll_states          (PfEngine          *self);
void        pf_engine_sock_read_names      (PfSock            *sock);
PfSock     *pf_engine_sock_new             (PfEngine          *self,
                                            GSocket           *socket,
                                            PfSockRole         role,
                                            const PfHost      *host);
void        pf_engine_sock_release         (PfSock            *sock);
void        pf_engine_sock_free            (PfSock            *sock);
void        pf_engine_conn_free            (PfConn            *conn);
void        pf_engine_sock_close_when_sent (PfSock            *sock);
void        pf_engine_sock_reset           (PfSock            *sock);
void        pf_engine_sock_hold_bytes      (PfSock            *sock,
                                            GBytes            *bytes);
void        pf_engine_release_held         (PfEngine          *self,
                                            const PfStep      *step);
void        pf_engine_sock_send            (PfSock            *sock,
                                            GBytes            *bytes);
void        pf_engine_sock_flush           (PfSock            *sock);
void        pf_engine_conn_failed          (PfConn            *conn,
                                            const GError      *error);
void        pf_engine_conn_connected       (PfConn            *conn);
void        pf_engine_sock_update_watch    (PfSock            *sock);
gboolean    pf_engine_is_quiet             (PfEngine          *self);
void        pf_engine_release_closed       (PfEngine          *self);

/* pf-engine-wire.c */
gboolean    pf_engine_open_wire            (PfEngine          *self,
                                            GError           **error);
void        pf_engine_open_diags           (PfEngine          *self);
GSocket    *pf_engine_diag_for             (PfEngine          *self,
                                            const PfHost      *host);
void        pf_engine_close_wire           (PfEngine          *self);
void        pf_engine_drain_wire           (PfEngine          *self);
void        pf_engine_drain_wire_due       (PfEngine          *self);
void        pf_engine_check_wire_losses    (PfEngine          *self);
gboolean    pf_engine_wire_is_idle         (PfEngine          *self);
gboolean    pf_engine_take_syn_recv        (PfEngine          *self,
                                            const PfFourTuple *tuple);

/* pf-engine-model.c */
gboolean    pf_engine_models               (PfEngine          *self);
void        pf_engine_stamp_modelled_at    (PfEngine          *self,
                                            gint64             time_us);
void        pf_engine_stamp_modelled       (PfEngine          *self);
void        pf_engine_model_data           (PfEngine          *self,
                                            PfSock            *sock,
                                            gsize              len);
void        pf_engine_model_udp            (PfEngine          *self,
                                            PfSock            *sock,
                                            const PfEndpoint  *to,
                                            const guint8      *data,
                                            gsize              len);
void        pf_engine_reconcile_model      (PfEngine          *self);

/* pf-engine-steps.c */
gboolean    pf_engine_start_service        (PfEngine          *self,
                                            const PfService   *service,
                                            GError           **error);
void        pf_engine_run_action           (PfEngine          *self,
                                            const PfStep      *step);
void        pf_engine_action_expect_check  (PfEngine          *self,
                                            const PfStep      *step);

G_END_DECLS
