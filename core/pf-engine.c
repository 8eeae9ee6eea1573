/* pf-engine.c: runs a scenario on real sockets, one step at a time
 *
 * The engine owns the sockets of a run. Each step does what the scenario
 * says (connect, send, close, ...) and then runs until the network is
 * quiet: every byte written was read by the program at the other end,
 * every connect has its answer and nothing is left to read. Only then
 * does the step end, so the state on screen is the kernel's state now.
 *
 * The engine does not wait for acknowledgements: when the kernel delays
 * an ACK (up to 40 ms on lo, once a connection leaves quick-ack mode), it
 * arrives after its step ended and is appended to that step's events
 * then, as it happened. Waiting would make every step of a long exchange
 * last a delayed-ACK timeout.
 *
 * What happened is recorded as PfEvents: in exact mode the segments come
 * from the capture socket, in loopback mode from PfTcpModel, checked
 * against each socket's tcpi_segs_out. A step's events are gathered and
 * appended to the timeline, in time order, when the step ends.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-engine"

#include "config.h"

#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "pf-byte-queue.h"
#include "pf-dns.h"
#include "pf-engine.h"
#include "pf-record-arena.h"
#include "pf-service-session.h"
#include "pf-sock-diag.h"
#include "pf-tcp-model.h"

#define CAPTURE_BUFFER_SIZE  65536
#define READ_BUFFER_SIZE     65536
#define WRITE_VECTORS        1024   /* pieces of the outbox per write: IOV_MAX */
#define STEP_TIMEOUT_MS      5000
#define SETTLE_POLL_MS       1
#define LATE_SEGMENTS_MS     300   /* longer than a delayed ACK on lo */
#define LATE_POLL_MS         20

typedef struct _PfConn PfConn;
typedef struct _PfSock PfSock;

typedef enum
{
  SOCK_LISTENER,
  SOCK_CLIENT,     /* a program's end that connected */
  SOCK_SERVER,     /* a service's end that accepted */
  SOCK_UDP_CLIENT,
  SOCK_UDP_SERVER,
} SockRole;

struct _PfSock
{
  PfEngine         *engine;
  GSocket          *socket;
  GSource          *source;
  GIOCondition      watching;
  SockRole          role;
  const PfHost     *host;
  const PfService  *service;
  PfServiceSession *session;
  PfConn           *conn;
  PfFourTuple       tuple;       /* local → remote, as the kernel has them */
  PfTcpState        state;
  PfByteQueue       inbox;       /* read by the program, not yet expected */
  PfByteQueue       outbox;      /* written by the program, not yet sent */
  PfByteQueue       held;        /* a service's answer, sent next step */
  gboolean          close_held;  /* and its close after it */
  guint64           bytes_sent;
  guint64           bytes_read;
  guint32           segs_out_mark;
  guint             mss;
  gboolean          connecting;
  gboolean          eof;         /* the peer closed its side */
  gboolean          shut;        /* this side sent its FIN */
  gboolean          want_shut;   /* send the FIN once the outbox is empty */
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

  GSocket        *capture;
  GSocket        *diag;           /* the kernel's socket table, like ss(8) */
  GSource        *capture_source;
  PfRecordArena  *arena;          /* the bytes read and captured */
  gboolean        capture_due;    /* we did I/O since the last drain */

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

G_DEFINE_FINAL_TYPE (PfEngine, pf_engine, G_TYPE_OBJECT)

G_DEFINE_QUARK (pf-engine-error-quark, pf_engine_error)

static void sock_update_watch (PfSock *sock);
static void engine_drain_capture (PfEngine *self);
static void engine_drain_capture_due (PfEngine *self);
static void engine_check_capture_drops (PfEngine *self);
static void sock_flush        (PfSock *sock);
static void sock_mark_stale   (PfSock *sock);
static void engine_check      (PfEngine *self);

/* Time and recording */

/* GLib takes a source's descriptors out of the poll set while it is
 * dispatched and puts them back after, and each change wakes the main
 * context up: two writes and one more iteration for every callback.
 * The engine's callbacks never run the main loop themselves, so they
 * cannot recurse, and the descriptors may stay. */
static void
source_keep_polled (GSource *source)
{
  g_source_set_can_recurse (source, TRUE);
}

/* A timer for the whole run, armed by its ready time: no source made and
 * destroyed for every step. Each arming wakes the main context, so it
 * is armed only when it is not. */
static gboolean
timer_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs timer_funcs = { .dispatch = timer_dispatch };

static GSource *
timer_new (GSourceFunc callback,
           gpointer    user_data)
{
  GSource *timer = g_source_new (&timer_funcs, sizeof (GSource));

  g_source_set_callback (timer, callback, user_data, NULL);
  g_source_attach (timer, NULL);
  return timer;
}

static void
timer_arm (GSource *timer,
           guint    milliseconds)
{
  if (timer != NULL)
    g_source_set_ready_time (timer, g_get_monotonic_time () + milliseconds * 1000);
}

static void
timer_arm_unless_armed (GSource *timer,
                        guint    milliseconds)
{
  if (timer != NULL && g_source_get_ready_time (timer) == -1)
    timer_arm (timer, milliseconds);
}

static void
timer_disarm (GSource *timer)
{
  if (timer != NULL && g_source_get_ready_time (timer) != -1)
    g_source_set_ready_time (timer, -1);
}

static void
timer_clear (GSource **timer)
{
  if (*timer != NULL)
    {
      g_source_destroy (*timer);
      g_clear_pointer (timer, g_source_unref);
    }
}

static gint64
engine_now (PfEngine *self)
{
  return g_get_real_time () - self->start_time;
}

static void
engine_record (PfEngine *self,
               PfEvent  *event)
{
  g_ptr_array_add (self->pending, event);
}

static int
compare_events (gconstpointer a,
                gconstpointer b)
{
  PfEvent *ea = *(PfEvent **) a;
  PfEvent *eb = *(PfEvent **) b;
  gint64 ta = pf_event_get_time (ea);
  gint64 tb = pf_event_get_time (eb);

  /* The step's own event opens it, whatever the clocks say. */
  if (pf_event_get_kind (ea) == PF_EVENT_STEP)
    return -1;
  if (pf_event_get_kind (eb) == PF_EVENT_STEP)
    return 1;
  if (ta != tb)
    return (ta > tb) - (ta < tb);

  /* In the same microsecond, the segment before the state it moved:
   * modelled segments are recorded after the states polled with them,
   * and the order must not depend on which call the clock ticked in. */
  return (pf_event_get_kind (ea) == PF_EVENT_STATE && pf_event_get_kind (eb) == PF_EVENT_SEGMENT) -
         (pf_event_get_kind (ea) == PF_EVENT_SEGMENT && pf_event_get_kind (eb) == PF_EVENT_STATE);
}

static void
engine_flush_pending (PfEngine *self)
{
  /* A stable sort: events of equal time keep the order they happened in. */
  GPtrArray *events = self->pending;

  if (events->len == 0)
    return;

  for (guint i = 1; i < events->len; i++)
    {
      for (guint j = i; j > 0 && compare_events (&events->pdata[j - 1], &events->pdata[j]) > 0; j--)
        {
          gpointer tmp = events->pdata[j];

          events->pdata[j] = events->pdata[j - 1];
          events->pdata[j - 1] = tmp;
        }
    }

  /* Emptied first: a handler of ::items-changed may make the engine
   * record more. */
  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
  pf_timeline_append_all (self->timeline, events);
  g_ptr_array_unref (events);
}

static void
engine_record_error (PfEngine          *self,
                     const PfHost      *host,
                     const PfFourTuple *tuple,
                     const char        *code,
                     const char        *message)
{
  g_debug ("step %d: %s: %s", self->step, code, message);
  engine_record (self, pf_event_new_error (engine_now (self), self->step,
                                           host ? host->id : NULL, tuple, code, message));
}

static void
engine_fail (PfEngine     *self,
             const PfHost *host,
             const char   *message)
{
  self->n_failures++;
  engine_record_error (self, host, NULL, "EXPECT", message);
}

/* A step could not have the socket it needed. When the helper is gone
 * that is no fault of the scenario: the step ends with the loss
 * (engine_check), and nothing is recorded against the host. */
static void
engine_socket_failed (PfEngine     *self,
                      const PfHost *host,
                      const GError *error)
{
  if (g_error_matches (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_LOST))
    {
      self->lost = TRUE;
      return;
    }

  engine_record_error (self, host, NULL, "ESOCKET", error->message);
  self->n_failures++;
}

/* Sockets */

static PfTcpState
sock_query_tcp_info (PfSock          *sock,
                     struct tcp_info *info)
{
  socklen_t len = sizeof *info;

  memset (info, 0, sizeof *info);
  if (sock->socket == NULL ||
      getsockopt (g_socket_get_fd (sock->socket), IPPROTO_TCP, TCP_INFO, info, &len) != 0)
    return PF_TCP_STATE_NONE;

  return info->tcpi_state;
}

static gboolean
sock_is_tcp (PfSock *sock)
{
  return sock->role == SOCK_LISTENER || sock->role == SOCK_CLIENT || sock->role == SOCK_SERVER;
}

static void
sock_set_state (PfSock     *sock,
                PfTcpState  state)
{
  if (state == sock->state)
    return;

  engine_record (sock->engine,
                 pf_event_new_state (engine_now (sock->engine), sock->engine->step,
                                     sock->host->id, "tcp", &sock->tuple, sock->state, state));
  sock->state = state;
}

/* What the kernel's table says of @sock's four values: its state, or
 * CLOSE when it has let the connection go. */
static PfTcpState
sock_lookup_state (PfSock *sock)
{
  g_autoptr(GError) error = NULL;
  guint8 state;

  if (!pf_sock_diag_lookup_tcp (sock->engine->diag, &sock->tuple, &state, &error))
    {
      g_debug ("socket table not read: %s", error->message);
      return sock->state;
    }

  return state != 0 ? state : PF_TCP_STATE_CLOSE;
}

/* Nothing more to see: never connected, or gone from the kernel. */
static gboolean
sock_state_is_final (PfTcpState state)
{
  return state == PF_TCP_STATE_NONE || state == PF_TCP_STATE_CLOSE;
}

/* States no segment can leave without the program seeing it: a FIN
 * (the read that finds the end), an RST (the read or write that fails),
 * or a shutdown or close of ours, each of which marks the socket stale.
 * Data coming in leaves them as they are. */
static gboolean
state_is_settled (PfTcpState state)
{
  return state == PF_TCP_STATE_ESTABLISHED || state == PF_TCP_STATE_LISTEN ||
         state == PF_TCP_STATE_CLOSE_WAIT;
}

/* @sock's TCP state, as ss(8) shows it. While the program holds the
 * socket, TCP_INFO tells (one getsockopt), except once the connection
 * has moved to a TIME_WAIT entry, which no descriptor shows (the socket
 * itself says CLOSE); after the program let go, only the kernel's table
 * knows. Those are looked up by their four values: one probe each, where
 * a dump of the table walks every bucket of the machine's connection
 * hash. TIME_WAIT only ever ends, 60 s later, so it is looked at again
 * only when @slow; a settled state only when the socket is stale. */
static void
sock_poll_state (PfSock   *sock,
                 gboolean  slow)
{
  PfEngine *self = sock->engine;
  PfTcpState state;

  if (!sock_is_tcp (sock))
    return;
  if (sock->state == PF_TCP_STATE_TIME_WAIT && !slow)
    return;
  if (state_is_settled (sock->state) && !sock->stale)
    return;
  sock->stale = FALSE;

  /* The segments that moved the state come first in the record (on lo
   * a connect () makes the whole handshake before it returns). */
  engine_drain_capture_due (self);

  if (sock->socket != NULL)
    {
      struct tcp_info info;

      state = sock_query_tcp_info (sock, &info);
      /* Bound, not yet connected: nothing to show. */
      if (state == PF_TCP_STATE_CLOSE && sock->state == PF_TCP_STATE_NONE)
        return;
      if (state == PF_TCP_STATE_CLOSE && sock->state != PF_TCP_STATE_CLOSE && self->diag != NULL)
        state = sock_lookup_state (sock);
    }
  else if (self->diag != NULL && sock->state != PF_TCP_STATE_NONE &&
           sock->state != PF_TCP_STATE_CLOSE)
    {
      state = sock_lookup_state (sock);
    }
  else
    {
      return;
    }

  sock_set_state (sock, state);
}

#define SLOW_POLL_US G_USEC_PER_SEC

/* Every TCP socket's state; the states of those in TIME_WAIT at most
 * once a second. */
static void
engine_poll_states (PfEngine *self)
{
  gint64 now = g_get_monotonic_time ();
  gboolean slow = now - self->last_slow_poll >= SLOW_POLL_US;

  /* The segments that changed the states come first. */
  engine_drain_capture_due (self);

  if (slow)
    self->last_slow_poll = now;

  for (guint i = 0; i < self->open->len; i++)
    sock_poll_state (g_ptr_array_index (self->open, i), slow);

  /* Released sockets: only as long as their state can move, so a step
   * costs the same however many connections came before it. Each list
   * keeps the order the sockets were made in. */
  for (guint i = 0; i < self->settling->len;)
    {
      PfSock *sock = g_ptr_array_index (self->settling, i);

      sock_poll_state (sock, slow);
      if (sock->state == PF_TCP_STATE_TIME_WAIT)
        g_ptr_array_add (self->time_wait, sock);
      if (sock->state == PF_TCP_STATE_TIME_WAIT || sock_state_is_final (sock->state))
        g_ptr_array_remove_index (self->settling, i);
      else
        i++;
    }

  for (guint i = 0; slow && i < self->time_wait->len;)
    {
      PfSock *sock = g_ptr_array_index (self->time_wait, i);

      sock_poll_state (sock, TRUE);
      if (sock->state != PF_TCP_STATE_TIME_WAIT)
        g_ptr_array_remove_index (self->time_wait, i);
      else
        i++;
    }
}

/* The addresses as the kernel has them (getsockname, getpeername). Not
 * for a socket whose connect is pending: GLib's getpeername wrapper would
 * collect the connect's result, and with it a refusal. */
static void
sock_read_names (PfSock *sock)
{
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (sock->socket, NULL);
  g_autoptr(GSocketAddress) remote = NULL;
  struct sockaddr_in sin;

  if (!sock->connecting)
    remote = g_socket_get_remote_address (sock->socket, NULL);

  if (local != NULL && g_socket_address_to_native (local, &sin, sizeof sin, NULL))
    {
      sock->tuple.src.address = g_ntohl (sin.sin_addr.s_addr);
      sock->tuple.src.port = g_ntohs (sin.sin_port);
    }
  if (remote != NULL && g_socket_address_to_native (remote, &sin, sizeof sin, NULL))
    {
      sock->tuple.dst.address = g_ntohl (sin.sin_addr.s_addr);
      sock->tuple.dst.port = g_ntohs (sin.sin_port);
    }
}

static PfSock *
sock_new (PfEngine     *self,
          GSocket      *socket,
          SockRole      role,
          const PfHost *host)
{
  PfSock *sock = g_new0 (PfSock, 1);

  sock->engine = self;
  sock->socket = socket;
  sock->role = role;
  sock->host = host;
  pf_byte_queue_init (&sock->inbox);
  pf_byte_queue_init (&sock->outbox);
  pf_byte_queue_init (&sock->held);
  g_socket_set_blocking (socket, FALSE);
  sock_read_names (sock);

  g_ptr_array_add (self->socks, sock);
  g_ptr_array_add (self->open, sock);
  return sock;
}

/* Closes the descriptor; the PfSock stays until the run ends, so the
 * connection's history can still name it. */
static void
sock_release (PfSock *sock)
{
  if (sock->source != NULL)
    {
      g_source_destroy (sock->source);
      g_clear_pointer (&sock->source, g_source_unref);
    }
  if (sock->socket != NULL)
    {
      g_socket_close (sock->socket, NULL);
      sock->engine->capture_due = TRUE;   /* a close may send a FIN or RST */
      g_clear_object (&sock->socket);
      sock_mark_stale (sock);
      /* In the order they were made: a poll records their states in
       * list order, and the end that acted first comes first. */
      g_ptr_array_remove (sock->engine->open, sock);
      if (sock_is_tcp (sock) && sock->state == PF_TCP_STATE_TIME_WAIT)
        g_ptr_array_add (sock->engine->time_wait, sock);
      else if (sock_is_tcp (sock) && !sock_state_is_final (sock->state))
        g_ptr_array_add (sock->engine->settling, sock);
    }
  sock->watching = 0;
}

static void
sock_free (PfSock *sock)
{
  sock_release (sock);
  g_clear_pointer (&sock->session, pf_service_session_free);
  pf_byte_queue_clear (&sock->inbox);
  pf_byte_queue_clear (&sock->outbox);
  pf_byte_queue_clear (&sock->held);
  g_free (sock);
}

static void
conn_free (PfConn *conn)
{
  g_clear_pointer (&conn->model, pf_tcp_model_free);
  g_free (conn->id);
  g_free (conn);
}

static PfSock *
sock_peer (PfSock *sock)
{
  if (sock->conn == NULL)
    return NULL;
  return sock == sock->conn->client ? sock->conn->server : sock->conn->client;
}

/* Our FIN or RST reaches the other end at once: its state moves before
 * any event of its own is heard. */
static void
sock_mark_stale (PfSock *sock)
{
  PfSock *peer = sock_peer (sock);

  sock->stale = TRUE;
  if (peer != NULL)
    peer->stale = TRUE;
}

static guint
sock_mss (PfSock *sock)
{
  struct tcp_info info;

  /* Fixed once the handshake is done; asked for at each write before. */
  if (sock->mss > 0)
    return sock->mss;

  sock_query_tcp_info (sock, &info);
  if (info.tcpi_snd_mss == 0)
    return 536;
  if (info.tcpi_state == PF_TCP_STATE_ESTABLISHED)
    sock->mss = info.tcpi_snd_mss;
  return info.tcpi_snd_mss;
}

/* The model, loopback mode only */

/* Gives the packets the model just made the time of the socket event
 * that made them, so they sort among the step's other events. */
static void
engine_stamp_modelled_at (PfEngine *self,
                          gint64    time_us)
{
  for (guint i = self->n_stamped; i < self->modelled->len; i++)
    ((PfPacket *) g_ptr_array_index (self->modelled, i))->time_us = time_us;
  self->n_stamped = self->modelled->len;
}

static void
engine_stamp_modelled (PfEngine *self)
{
  engine_stamp_modelled_at (self, engine_now (self));
}

static gboolean
engine_models (PfEngine *self)
{
  return self->capture == NULL;
}

/* The segments that carry the first @len bytes of @sock's outbox, just
 * sent. Their payload is what the program wrote, kept (the scenario's
 * data, a service's answer, an echo of what was read); only a write that
 * took several pieces at once is copied, into the arena. */
static void
engine_model_data (PfEngine *self,
                   PfSock   *sock,
                   gsize     len)
{
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (!engine_models (self) || sock->conn == NULL || sock->conn->model == NULL || len == 0)
    return;

  first = pf_byte_queue_peek (&sock->outbox);
  if (len <= g_bytes_get_size (first))
    {
      bytes = g_bytes_new_from_bytes (first, 0, len);
    }
  else
    {
      guint8 *room = pf_record_arena_reserve (self->arena, len);

      pf_byte_queue_copy_head (&sock->outbox, len, room);
      bytes = pf_record_arena_commit (self->arena, len);
    }

  /* lo's MSS (65483 with timestamps) is more than PfPacket takes. */
  pf_tcp_model_data (sock->conn->model,
                     sock->role == SOCK_CLIENT ? PF_TCP_MODEL_CLIENT : PF_TCP_MODEL_SERVER,
                     bytes, MIN (sock_mss (sock), PF_PACKET_MAX_TCP_PAYLOAD),
                     self->modelled);
  engine_stamp_modelled (self);
}

static void
engine_model_udp (PfEngine     *self,
                  PfSock       *sock,
                  const PfEndpoint *to,
                  const guint8 *data,
                  gsize         len)
{
  if (!engine_models (self))
    return;

  g_ptr_array_add (self->modelled,
                   pf_packet_new_udp (sock->tuple.src.address, sock->tuple.src.port,
                                      to->address, to->port, data, len));
  engine_stamp_modelled (self);
}

static gboolean
is_modelled_by (PfPacket *p,
                PfSock   *sock)
{
  return p->protocol == PF_IP_PROTOCOL_TCP &&
         p->src == sock->tuple.src.address && p->sport == sock->tuple.src.port;
}

/* A pure ACK, but not the handshake's third segment (which acks the
 * SYN-ACK, relative ack 1 from relative seq 1, and is always sent). */
static gboolean
is_droppable_ack (PfPacket *p)
{
  return p->flags == PF_TCP_ACK && pf_packet_get_payload_length (p) == 0 &&
         !(p->seq == 1 && p->ack == 1);
}

static int
engine_find_folded_ack (PfEngine *self,
                        PfSock   *sock)
{
  int last = -1;

  for (guint j = 0; j < self->modelled->len; j++)
    {
      PfPacket *p = g_ptr_array_index (self->modelled, j);

      if (!is_modelled_by (p, sock) || !is_droppable_ack (p))
        continue;

      last = j;
      for (guint k = j + 1; k < self->modelled->len; k++)
        {
          PfPacket *later = g_ptr_array_index (self->modelled, k);

          if (is_modelled_by (later, sock) && (later->flags & PF_TCP_ACK))
            return j;
        }
    }

  return last;
}

/* Matches each socket's pure ACKs to the kernel's segment count, then
 * records the step's modelled packets. */
static void
engine_reconcile_model (PfEngine *self)
{
  for (guint i = 0; i < self->open->len; i++)
    {
      PfSock *sock = g_ptr_array_index (self->open, i);
      struct tcp_info info;
      PfTcpModelEnd end;
      guint modelled = 0;
      guint real;

      if (sock->conn == NULL || sock->conn->model == NULL || sock->socket == NULL ||
          (sock->role != SOCK_CLIENT && sock->role != SOCK_SERVER))
        continue;

      end = sock->role == SOCK_CLIENT ? PF_TCP_MODEL_CLIENT : PF_TCP_MODEL_SERVER;
      if (sock_query_tcp_info (sock, &info) == PF_TCP_STATE_NONE)
        continue;

      /* A connection reset or disconnected starts its counters again
       * from zero: there is nothing to compare with. */
      if (info.tcpi_segs_out < sock->segs_out_mark)
        {
          sock->segs_out_mark = info.tcpi_segs_out;
          continue;
        }
      real = info.tcpi_segs_out - sock->segs_out_mark;
      sock->segs_out_mark = info.tcpi_segs_out;

      for (guint j = 0; j < self->modelled->len; j++)
        {
          PfPacket *p = g_ptr_array_index (self->modelled, j);

          if (p->protocol == PF_IP_PROTOCOL_TCP &&
              p->src == sock->tuple.src.address && p->sport == sock->tuple.src.port)
            modelled++;
        }

      /* Fewer segments than modelled: a pure ACK the kernel folded into
       * a later segment of the same end (data, a FIN, a later cumulative
       * ACK) goes first; failing that, the last one, which the kernel is
       * still delaying and which comes late if at all. */
      while (modelled > real)
        {
          int victim = engine_find_folded_ack (self, sock);

          if (victim < 0)
            break;
          g_ptr_array_remove_index (self->modelled, victim);
          modelled--;
        }

      /* More: the kernel sent pure ACKs the rules did not foresee. */
      self->n_stamped = self->modelled->len;
      for (; modelled < real; modelled++)
        pf_tcp_model_ack (sock->conn->model, end, self->modelled);
      engine_stamp_modelled (self);
    }

  for (guint j = 0; j < self->modelled->len; j++)
    {
      PfPacket *p = g_ptr_array_index (self->modelled, j);

      engine_record (self, pf_event_new_segment (p->time_us, self->step, p));
    }

  g_ptr_array_set_size (self->modelled, 0);
  self->n_stamped = 0;
}

/* Capture, exact mode only */

/* Reads every captured frame waiting. */
static void
engine_drain_capture (PfEngine *self)
{
  if (self->capture == NULL)
    return;

  self->capture_due = FALSE;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PfPacket) packet = NULL;
      g_autoptr(GBytes) frame = NULL;
      guint8 *buffer = pf_record_arena_reserve (self->arena, CAPTURE_BUFFER_SIZE);
      gssize len;

      len = pf_netspace_capture_receive (self->capture, buffer, CAPTURE_BUFFER_SIZE, &error);
      if (len < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_warning ("%s", error->message);
          return;
        }
      if (len == 0)
        continue;

      frame = pf_record_arena_commit (self->arena, len);
      packet = pf_packet_decode_ipv4_bytes (frame, &error);
      if (packet == NULL)
        {
          g_debug ("captured frame not decoded: %s", error->message);
          continue;
        }

      packet->time_us = engine_now (self);
      engine_record (self, pf_event_new_segment (packet->time_us, self->step, packet));
    }
}

/* The same, where the frames that matter are our own doing: on lo a
 * segment is captured within the call that sent it, so with no socket
 * call of ours since the last drain there is nothing to read, and asking
 * costs a call that finds nothing (several a step, before each read and
 * each look at the states). What the kernel sends by itself (a delayed
 * ACK) wakes the capture source, and the forced drains at the start and
 * end of each step and of each callback take it. */
static void
engine_drain_capture_due (PfEngine *self)
{
  if (self->capture_due)
    engine_drain_capture (self);
}

/* A frame the kernel dropped is a segment the timeline does not show:
 * the record of this step is not whole, and the run says so. */
static void
engine_check_capture_drops (PfEngine *self)
{
  g_autofree char *message = NULL;
  guint drops;

  if (self->capture == NULL)
    return;

  drops = pf_netspace_capture_take_drops (self->capture);
  if (drops == 0)
    return;

  if (drops == 1)
    message = g_strdup ("A segment was sent but not captured: the capture could not keep up "
                        "with the burst, so this step shows one segment less than went over "
                        "the network.");
  else
    message = g_strdup_printf ("%u segments were sent but not captured: the capture could not "
                               "keep up with the burst, so this step shows fewer segments than "
                               "went over the network.", drops);
  self->n_failures++;
  engine_record_error (self, NULL, NULL, "CAPTURE", message);
}

/* Between steps, what the kernel still sends (a delayed ACK) belongs to
 * the step that ended and is appended at once. */
static gboolean
on_capture_readable (GSocket      *socket,
                     GIOCondition  condition,
                     gpointer      user_data)
{
  PfEngine *self = user_data;

  engine_drain_capture (self);
  if (self->task == NULL)
    engine_flush_pending (self);
  return G_SOURCE_CONTINUE;
}

/* Programs: what the scenario's clients and the services do with bytes */

static void
sock_close_when_sent (PfSock *sock)
{
  sock->want_shut = TRUE;
  sock_flush (sock);
}

static void
sock_hold_bytes (PfSock *sock,
                 GBytes *bytes)
{
  if (bytes != NULL)
    pf_byte_queue_push (&sock->held, bytes);
}

/* A service answers in the step after the one that asked, so each step
 * shows one side speaking and the narration can say who. Closing when
 * the client has closed is not an answer: that happens at once. */
static void
service_apply_reply (PfSock         *sock,
                     PfServiceReply *reply)
{
  PfEngine *self = sock->engine;

  sock_hold_bytes (sock, reply->to_sender);

  if (reply->to_others != NULL)
    {
      for (guint i = 0; i < self->open->len; i++)
        {
          PfSock *other = g_ptr_array_index (self->open, i);

          if (other != sock && other->role == SOCK_SERVER && other->service == sock->service &&
              other->socket != NULL && !other->shut)
            sock_hold_bytes (other, reply->to_others);
        }
    }

  if (reply->close)
    {
      if (pf_byte_queue_get_length (&sock->held) > 0)
        sock->close_held = TRUE;
      else
        sock_close_when_sent (sock);
    }
}

/* The open sockets as they are now, to walk while some are released;
 * valid until the next call. One array for the run: a step makes none. */
static GPtrArray *
engine_open_copy (PfEngine *self)
{
  g_ptr_array_set_size (self->open_copy, 0);
  for (guint i = 0; i < self->open->len; i++)
    g_ptr_array_add (self->open_copy, g_ptr_array_index (self->open, i));
  return self->open_copy;
}

static void
engine_release_held (PfEngine *self)
{
  /* A copy: a write that fails releases its socket. */
  GPtrArray *open = engine_open_copy (self);

  for (guint i = 0; i < open->len; i++)
    {
      PfSock *sock = g_ptr_array_index (open, i);

      pf_byte_queue_move (&sock->outbox, &sock->held);
      if (sock->close_held)
        {
          sock->close_held = FALSE;
          sock->want_shut = TRUE;
        }
      if (pf_byte_queue_get_length (&sock->outbox) > 0 || sock->want_shut)
        sock_flush (sock);
    }
}

static void
sock_deliver (PfSock *sock,
              GBytes *bytes)
{
  PfEngine *self = sock->engine;

  sock->bytes_read += g_bytes_get_size (bytes);
  engine_record (self, pf_event_new_deliver (engine_now (self), self->step, sock->host->id,
                                             "tcp", &sock->tuple, bytes));

  if (sock->session != NULL)
    {
      g_auto(PfServiceReply) reply = { 0 };

      pf_service_session_receive_bytes (sock->session, bytes, &reply);
      service_apply_reply (sock, &reply);
    }
  else
    {
      pf_byte_queue_push (&sock->inbox, bytes);
    }
}

static void
sock_peer_closed (PfSock *sock)
{
  sock->eof = TRUE;
  sock->stale = TRUE;   /* the FIN that ended the stream moved the state */

  /* Services close when their client does; so do the scenario's client
   * programs when the server hangs up first. */
  if (sock->session != NULL)
    {
      g_auto(PfServiceReply) reply = { 0 };

      pf_service_session_peer_closed (sock->session, &reply);
      service_apply_reply (sock, &reply);
    }

  sock_close_when_sent (sock);
}

/* The kernel ended the connection under the program: it was reset
 * (ECONNRESET, or EPIPE on a write), or the socket is no longer
 * connected. No step of a scenario does that, so something outside the
 * run did, and which end's kernel sent the RST is not known here: the
 * capture shows it in exact mode, and loopback mode models none rather
 * than guess. The run goes on without this connection; it counts as a
 * failure. The descriptor is released, so no later step or service
 * writes to it. */
static void
sock_handle_error (PfSock       *sock,
                   const GError *error)
{
  PfEngine *self = sock->engine;
  PfEndpoint remote = {
    .address = pf_netspace_unmap_address (self->netspace, sock->tuple.dst.address),
    .port = pf_netspace_unmap_port (self->netspace, sock->tuple.dst.port),
  };
  char remote_text[PF_ENDPOINT_STRLEN];
  const char *code;
  g_autofree char *message = NULL;

  pf_endpoint_format (&remote, remote_text);

  /* G_IO_ERROR_CONNECTION_CLOSED is ECONNRESET, and EPIPE too. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
    {
      code = "ECONNRESET";
      message = g_strdup_printf ("%s’s connection to %s was reset: a segment with the RST flag "
                                 "ended it at once, and the bytes still on their way were lost.",
                                 sock->host->name, remote_text);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED))
    {
      code = "ENOTCONN";
      message = g_strdup_printf ("%s’s connection to %s was cut off: its socket is no longer "
                                 "connected, so its kernel reset the connection.",
                                 sock->host->name, remote_text);
    }
  else
    {
      code = "ERROR";
      message = g_strdup_printf ("%s’s connection to %s failed: %s.",
                                 sock->host->name, remote_text, error->message);
    }

  sock->reset = TRUE;
  sock->eof = TRUE;
  sock->shut = TRUE;
  sock->want_shut = FALSE;
  sock->close_held = FALSE;
  pf_byte_queue_clear (&sock->outbox);
  pf_byte_queue_clear (&sock->held);
  self->n_failures++;
  engine_record_error (self, sock->host, &sock->tuple, code, message);

  sock_mark_stale (sock);
  sock_poll_state (sock, FALSE);
  sock_release (sock);
}

static void
sock_read (PfSock *sock)
{
  while (sock->socket != NULL && !sock->eof)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = NULL;
      guint8 *buffer;
      gssize n;

      /* Segments first: they were on the wire before the bytes arrived. */
      engine_drain_capture_due (sock->engine);

      /* Straight into what the timeline keeps (see pf-record-arena.c). */
      buffer = pf_record_arena_reserve (sock->engine->arena, READ_BUFFER_SIZE);
      n = g_socket_receive (sock->socket, (char *) buffer, READ_BUFFER_SIZE, NULL, &error);
      sock->engine->capture_due = TRUE;   /* a read may send a window update */
      if (n == 0)
        {
          sock_peer_closed (sock);
          return;
        }
      if (n < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            sock_handle_error (sock, error);
          return;
        }

      bytes = pf_record_arena_commit (sock->engine->arena, n);
      sock_deliver (sock, bytes);

      /* Less than asked for: the queue is empty, and a read to find that
       * out costs a call. The socket stays readable for anything that
       * came since, its end included. */
      if (n < READ_BUFFER_SIZE)
        return;
    }
}

/* Writes as much of the outbox as the kernel takes now, in one call:
 * how much, or -1 when the connection failed (and was released). */
static gssize
sock_write (PfSock *sock)
{
  g_autoptr(GError) error = NULL;
  GOutputVector vectors[WRITE_VECTORS];
  guint n_vectors;
  gssize n;

  n_vectors = pf_byte_queue_get_vectors (&sock->outbox, vectors, G_N_ELEMENTS (vectors));
  n = g_socket_send_message (sock->socket, NULL, vectors, n_vectors, NULL, 0,
                             G_SOCKET_MSG_NONE, NULL, &error);
  sock->engine->capture_due = TRUE;
  if (n < 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return 0;
      sock_handle_error (sock, error);
      return -1;
    }

  engine_model_data (sock->engine, sock, n);
  sock->bytes_sent += n;
  pf_byte_queue_pop (&sock->outbox, n);
  return n;
}

/* The program writes @bytes: after what it wrote before, if the kernel
 * has not taken that yet. */
static void
sock_send (PfSock *sock,
           GBytes *bytes)
{
  if (sock->socket != NULL)
    pf_byte_queue_push (&sock->outbox, bytes);
}

static void
sock_flush (PfSock *sock)
{
  while (sock->socket != NULL && pf_byte_queue_get_length (&sock->outbox) > 0 && !sock->connecting)
    {
      if (sock_write (sock) <= 0)
        break;
    }

  if (sock->socket != NULL && sock->want_shut && !sock->shut &&
      pf_byte_queue_get_length (&sock->outbox) == 0 &&
      !sock->connecting)
    {
      g_autoptr(GError) error = NULL;

      sock->engine->capture_due = TRUE;
      if (!g_socket_shutdown (sock->socket, FALSE, TRUE, &error))
        g_debug ("shutdown: %s", error->message);
      sock->shut = TRUE;
      sock_mark_stale (sock);
      if (engine_models (sock->engine) && sock->conn != NULL && sock->conn->model != NULL)
        {
          pf_tcp_model_fin (sock->conn->model,
                            sock->role == SOCK_CLIENT ? PF_TCP_MODEL_CLIENT : PF_TCP_MODEL_SERVER,
                            sock->engine->modelled);
          engine_stamp_modelled (sock->engine);
        }
    }

  sock_update_watch (sock);
}

/* Connecting */

static void
conn_failed (PfConn       *conn,
             const GError *error)
{
  PfSock *client = conn->client;
  PfEngine *self = client->engine;
  gboolean refused = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  char target[PF_ENDPOINT_STRLEN];
  g_autofree char *message = NULL;

  pf_endpoint_format (&client->tuple.dst, target);
  conn->refused = TRUE;
  client->connecting = FALSE;
  client->eof = client->shut = TRUE;

  if (refused)
    message = g_strdup_printf ("Connection refused: nothing listens on %s, so its kernel "
                               "answered the SYN with a reset.", target);
  else
    message = g_strdup_printf ("%s could not connect to %s: %s.",
                               client->host->name, target, error->message);

  /* The SYN and the reset first: they are why connect () failed. */
  engine_drain_capture_due (self);
  if (engine_models (self) && refused)
    {
      pf_tcp_model_refused (conn->model, self->modelled);
      engine_stamp_modelled_at (self, conn->connect_time);
    }

  engine_record_error (self, client->host, &client->tuple,
                       refused ? "ECONNREFUSED" : "ERROR", message);
  if (!conn->expect_refusal || !refused)
    self->n_failures++;

  sock_poll_state (client, FALSE);
  sock_release (client);
}

static void
conn_connected (PfConn *conn)
{
  PfSock *client = conn->client;
  PfEngine *self = client->engine;
  g_autoptr(GError) error = NULL;

  client->connecting = FALSE;

  if (!g_socket_check_connect_result (client->socket, &error))
    {
      conn_failed (conn, error);
      return;
    }

  sock_read_names (client);
  if (engine_models (self))
    {
      struct tcp_info info;

      sock_query_tcp_info (client, &info);
      pf_tcp_model_handshake (conn->model, &(PfTcpModelOptions) {
                                .timestamps = (info.tcpi_options & TCPI_OPT_TIMESTAMPS) != 0,
                                .sack = (info.tcpi_options & TCPI_OPT_SACK) != 0,
                                .client_wscale = info.tcpi_rcv_wscale,
                                .server_wscale = info.tcpi_snd_wscale,
                                .client_mss = info.tcpi_advmss,
                              }, self->modelled);
      engine_stamp_modelled_at (self, conn->connect_time);
    }

  sock_flush (client);
}

static gboolean
on_sock_ready (GSocket      *socket,
               GIOCondition  condition,
               gpointer      user_data)
{
  PfSock *sock = user_data;
  PfEngine *self = sock->engine;

  g_object_ref (self);
  engine_drain_capture (self);

  if (sock->connecting)
    conn_connected (sock->conn);
  else
    {
      if (sock->socket != NULL && (condition & (G_IO_IN | G_IO_HUP | G_IO_ERR)))
        sock_read (sock);
      if (sock->socket != NULL)
        sock_flush (sock);
    }

  engine_poll_states (self);
  engine_check (self);
  g_object_unref (self);

  return G_SOURCE_CONTINUE;
}

static void
sock_update_watch (PfSock *sock)
{
  GIOCondition wanted = 0;

  if (sock->socket != NULL)
    {
      if (sock->connecting || pf_byte_queue_get_length (&sock->outbox) > 0)
        wanted |= G_IO_OUT;
      if (!sock->connecting && !sock->eof)
        wanted |= G_IO_IN;
    }

  if (wanted == sock->watching && sock->source != NULL)
    return;

  if (sock->source != NULL)
    {
      g_source_destroy (sock->source);
      g_clear_pointer (&sock->source, g_source_unref);
    }

  sock->watching = wanted;
  if (wanted == 0)
    return;

  sock->source = g_socket_create_source (sock->socket, wanted, NULL);
  source_keep_polled (sock->source);
  g_source_set_callback (sock->source, G_SOURCE_FUNC (on_sock_ready), sock, NULL);
  g_source_attach (sock->source, NULL);
}

/* Services */

static PfServiceSession *
service_session_new (const PfService *service)
{
  switch (service->type)
    {
    case PF_SERVICE_ECHO:
      return pf_service_session_new_echo ();
    case PF_SERVICE_HTTP:
      return pf_service_session_new_http ((const PfHttpPage * const *) service->pages->pdata,
                                          service->pages->len, "Packet Flow");
    case PF_SERVICE_SMTP:
      return pf_service_session_new_smtp (service->domain);
    case PF_SERVICE_SSH_BANNER:
      return pf_service_session_new_ssh_banner (service->banner);
    case PF_SERVICE_CHAT:
      return pf_service_session_new_chat (NULL);
    case PF_SERVICE_SCRIPT:
      return pf_service_session_new_script (service->greeting,
                                            (const PfScriptLine * const *) service->dialogue->pdata,
                                            service->dialogue->len);
    case PF_SERVICE_DNS:
    default:
      g_return_val_if_reached (NULL);
    }
}

static PfConn *
engine_find_conn_by_client (PfEngine         *self,
                            const PfEndpoint *client)
{
  for (guint i = 0; i < self->open->len; i++)
    {
      PfSock *sock = g_ptr_array_index (self->open, i);
      PfConn *conn = sock->conn;

      if (sock->role == SOCK_CLIENT && conn != NULL && conn->client == sock &&
          conn->server == NULL && pf_endpoint_equal (&sock->tuple.src, client))
        return conn;
    }

  return NULL;
}

static void
listener_accept (PfSock *listener)
{
  PfEngine *self = listener->engine;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) greeting = NULL;
      GSocket *socket;
      PfSock *sock;
      PfConn *conn;

      socket = g_socket_accept (listener->socket, NULL, &error);
      self->capture_due = TRUE;
      if (socket == NULL)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("accept: %s", error->message);
          return;
        }

      sock = sock_new (self, socket, SOCK_SERVER, listener->host);
      sock->service = listener->service;
      conn = engine_find_conn_by_client (self, &sock->tuple.dst);
      if (conn == NULL)
        {
          /* Not one of the scenario's programs: nothing here talks to it. */
          g_debug ("closing a connection from outside the scenario");
          sock_release (sock);
          continue;
        }

      conn->server = sock;
      sock->conn = conn;
      sock->session = service_session_new (listener->service);
      greeting = pf_service_session_greeting (sock->session);
      sock_hold_bytes (sock, greeting);
      sock_poll_state (sock, FALSE);
      sock_update_watch (sock);
    }
}

static gboolean
on_listener_ready (GSocket      *socket,
                   GIOCondition  condition,
                   gpointer      user_data)
{
  PfSock *listener = user_data;
  PfEngine *self = g_object_ref (listener->engine);

  engine_drain_capture (self);
  listener_accept (listener);
  engine_poll_states (self);
  engine_check (self);
  g_object_unref (self);

  return G_SOURCE_CONTINUE;
}

static void
udp_server_receive (PfSock *sock)
{
  PfEngine *self = sock->engine;
  guint8 buffer[READ_BUFFER_SIZE];

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketAddress) from = NULL;
      g_autoptr(GBytes) reply = NULL;
      g_autoptr(GBytes) bytes = NULL;
      struct sockaddr_in sin;
      PfFourTuple tuple = sock->tuple;
      gssize n;

      n = g_socket_receive_from (sock->socket, &from, (char *) buffer, sizeof buffer, NULL, &error);
      if (n < 0)
        return;

      if (g_socket_address_to_native (from, &sin, sizeof sin, NULL))
        {
          tuple.dst.address = g_ntohl (sin.sin_addr.s_addr);
          tuple.dst.port = g_ntohs (sin.sin_port);
        }

      bytes = g_bytes_new (buffer, n);
      engine_record (self, pf_event_new_deliver (engine_now (self), self->step, sock->host->id,
                                                 "udp", &tuple, bytes));
      if (self->udp_outstanding > 0)
        self->udp_outstanding--;

      if (sock->service->type == PF_SERVICE_DNS)
        {
          g_autoptr(GError) dns_error = NULL;
          g_autofree char *name = NULL;
          g_autoptr(GArray) addresses = g_array_new (FALSE, FALSE, sizeof (PfIpv4));
          guint16 id, qtype;

          if (pf_dns_parse_query (buffer, n, &id, &name, &qtype, &dns_error))
            {
              for (guint i = 0; i < sock->service->records->len; i++)
                {
                  PfDnsRecord *record = g_ptr_array_index (sock->service->records, i);

                  if (g_ascii_strcasecmp (record->name, name) == 0)
                    g_array_append_val (addresses, record->address);
                }
              reply = pf_dns_build_response (buffer, n, (PfIpv4 *) addresses->data,
                                             addresses->len, sock->service->ttl, &dns_error);
            }
          if (reply == NULL)
            engine_record_error (self, sock->host, &tuple, "EDNS", dns_error->message);
        }
      else if (sock->service->type == PF_SERVICE_ECHO)
        {
          reply = g_bytes_ref (bytes);
        }

      if (reply != NULL)
        {
          gsize len;
          const guint8 *data = g_bytes_get_data (reply, &len);

          self->capture_due = TRUE;
          if (g_socket_send_to (sock->socket, from, (const char *) data, len, NULL, &error) >= 0)
            {
              self->udp_outstanding++;
              engine_model_udp (self, sock, &tuple.dst, data, len);
            }
        }
    }
}

static void
udp_client_receive (PfSock *sock)
{
  PfEngine *self = sock->engine;
  guint8 buffer[READ_BUFFER_SIZE];

  for (;;)
    {
      g_autoptr(GSocketAddress) from = NULL;
      g_autoptr(GBytes) bytes = NULL;
      struct sockaddr_in sin;
      PfFourTuple tuple = sock->tuple;
      gssize n;

      n = g_socket_receive_from (sock->socket, &from, (char *) buffer, sizeof buffer, NULL, NULL);
      if (n < 0)
        return;

      if (g_socket_address_to_native (from, &sin, sizeof sin, NULL))
        {
          tuple.dst.address = g_ntohl (sin.sin_addr.s_addr);
          tuple.dst.port = g_ntohs (sin.sin_port);
        }

      bytes = g_bytes_new (buffer, n);
      engine_record (self, pf_event_new_deliver (engine_now (self), self->step, sock->host->id,
                                                 "udp", &tuple, bytes));
      pf_byte_queue_push (&sock->inbox, bytes);
      if (self->udp_outstanding > 0)
        self->udp_outstanding--;
    }
}

static gboolean
on_udp_ready (GSocket      *socket,
              GIOCondition  condition,
              gpointer      user_data)
{
  PfSock *sock = user_data;
  PfEngine *self = g_object_ref (sock->engine);

  engine_drain_capture (self);
  if (sock->role == SOCK_UDP_SERVER)
    udp_server_receive (sock);
  else
    udp_client_receive (sock);
  engine_check (self);
  g_object_unref (self);

  return G_SOURCE_CONTINUE;
}

static void
sock_watch_with (PfSock         *sock,
                 GSocketSourceFunc func)
{
  sock->watching = G_IO_IN;
  sock->source = g_socket_create_source (sock->socket, G_IO_IN, NULL);
  source_keep_polled (sock->source);
  g_source_set_callback (sock->source, G_SOURCE_FUNC (func), sock, NULL);
  g_source_attach (sock->source, NULL);
}

static PfSock *
engine_find_service_sock (PfEngine        *self,
                          const PfService *service)
{
  for (guint i = 0; i < self->open->len; i++)
    {
      PfSock *sock = g_ptr_array_index (self->open, i);

      if (sock->service == service && sock->socket != NULL &&
          (sock->role == SOCK_LISTENER || sock->role == SOCK_UDP_SERVER))
        return sock;
    }

  return NULL;
}

static gboolean
engine_start_service (PfEngine         *self,
                      const PfService  *service,
                      GError          **error)
{
  GSocket *socket;
  PfSock *sock;

  if (engine_find_service_sock (self, service) != NULL)
    return TRUE;

  socket = pf_netspace_create_socket (self->netspace,
                                      service->protocol == PF_PROTOCOL_UDP
                                      ? G_SOCKET_TYPE_DATAGRAM : G_SOCKET_TYPE_STREAM,
                                      service->host->address, service->port, error);
  if (socket == NULL)
    return FALSE;

  if (service->protocol == PF_PROTOCOL_UDP)
    {
      sock = sock_new (self, socket, SOCK_UDP_SERVER, service->host);
      sock->service = service;
      sock_watch_with (sock, on_udp_ready);
      return TRUE;
    }

  if (!g_socket_listen (socket, error))
    {
      g_object_unref (socket);
      return FALSE;
    }

  sock = sock_new (self, socket, SOCK_LISTENER, service->host);
  sock->service = service;
  sock_poll_state (sock, FALSE);
  sock_watch_with (sock, on_listener_ready);
  return TRUE;
}

static void
engine_stop_service (PfEngine        *self,
                     const PfService *service)
{
  PfSock *sock = engine_find_service_sock (self, service);

  if (sock == NULL)
    return;

  sock_poll_state (sock, FALSE);
  sock_release (sock);
  if (sock->state != PF_TCP_STATE_NONE && sock->role == SOCK_LISTENER)
    {
      engine_record (self, pf_event_new_state (engine_now (self), self->step, sock->host->id,
                                               "tcp", &sock->tuple, sock->state,
                                               PF_TCP_STATE_CLOSE));
      sock->state = PF_TCP_STATE_CLOSE;
    }
}

/* Steps */

static PfSock *
conn_side (PfConn *conn,
           PfSide  side)
{
  return side == PF_SIDE_CLIENT ? conn->client : conn->server;
}

static void
action_connect (PfEngine     *self,
                const PfStep *step)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  GSocket *socket;
  PfConn *conn;
  PfSock *sock;
  guint32 target = g_htonl (pf_netspace_map_address (self->netspace, step->to->address));

  socket = pf_netspace_create_socket (self->netspace, G_SOCKET_TYPE_STREAM,
                                      step->from->address, step->source_port, &error);
  if (socket == NULL)
    {
      engine_socket_failed (self, step->from, error);
      return;
    }

  if (step->mss > 0)
    {
      int mss = step->mss;

      if (setsockopt (g_socket_get_fd (socket), IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof mss) != 0)
        g_debug ("TCP_MAXSEG %d: %s", mss, g_strerror (errno));
    }

  conn = g_new0 (PfConn, 1);
  conn->id = g_strdup (step->connection);
  conn->expect_refusal = step->service == NULL || step->service->stopped;
  g_hash_table_replace (self->conns, conn->id, conn);

  sock = sock_new (self, socket, SOCK_CLIENT, step->from);
  sock->conn = conn;
  conn->client = sock;
  sock->connecting = TRUE;
  sock->tuple.dst.address = pf_netspace_map_address (self->netspace, step->to->address);
  sock->tuple.dst.port = pf_netspace_map_port (self->netspace, step->port);

  inet = g_inet_address_new_from_bytes ((const guint8 *) &target, G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (inet, sock->tuple.dst.port);

  conn->connect_time = engine_now (self);
  self->capture_due = TRUE;
  if (g_socket_connect (socket, address, NULL, &error))
    {
      sock->connecting = FALSE;
      sock_read_names (sock);
      conn->model = pf_tcp_model_new (&sock->tuple);
      conn_connected (conn);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
    {
      sock_read_names (sock);
      conn->model = pf_tcp_model_new (&sock->tuple);
      sock_poll_state (sock, FALSE);
      sock_update_watch (sock);
    }
  else
    {
      sock_read_names (sock);
      conn->model = pf_tcp_model_new (&sock->tuple);
      conn_failed (conn, error);
    }
}

static void
action_send (PfEngine     *self,
             const PfStep *step)
{
  PfConn *conn = g_hash_table_lookup (self->conns, step->connection);
  PfSock *sock = conn ? conn_side (conn, step->side) : NULL;

  if (sock == NULL || sock->socket == NULL || sock->shut)
    {
      g_autofree char *message =
        g_strdup_printf ("Cannot send on “%s”: the %s end is not open.",
                         step->connection, pf_side_to_string (step->side));
      engine_fail (self, sock ? sock->host : NULL, message);
      return;
    }

  /* As a program writing in a loop: the kernel takes as much as it can
   * in each call, and cuts it into segments as it likes. */
  for (guint i = 0; i < step->repeat; i++)
    sock_send (sock, step->data);
  sock_flush (sock);
}

static gboolean
inbox_matches (GBytes       *inbox,
               const PfStep *step,
               gsize        *out_consumed)
{
  gsize len, have;
  const guint8 *want = g_bytes_get_data (step->data, &len);
  const guint8 *got = g_bytes_get_data (inbox, &have);

  if (step->match == PF_MATCH_EXACT)
    {
      if (have < len || memcmp (got, want, len) != 0)
        return FALSE;
      *out_consumed = len;
      return TRUE;
    }

  for (gsize i = 0; len <= have && i <= have - len; i++)
    {
      if (memcmp (got + i, want, len) == 0)
        {
          *out_consumed = have;
          return TRUE;
        }
    }

  return FALSE;
}

/* Checked when the network is quiet: everything that will arrive has. */
static void
action_expect_check (PfEngine     *self,
                     const PfStep *step)
{
  PfConn *conn = g_hash_table_lookup (self->conns, step->connection);
  PfSock *sock = conn ? conn_side (conn, step->side) : NULL;
  g_autoptr(GBytes) inbox = sock != NULL ? pf_byte_queue_flatten (&sock->inbox) : g_bytes_new (NULL, 0);
  gsize consumed = 0;

  if (sock != NULL && inbox_matches (inbox, step, &consumed))
    {
      pf_byte_queue_pop (&sock->inbox, consumed);
      return;
    }

  {
    g_autofree char *want_text = NULL;
    g_autofree char *got_text = NULL;
    g_autofree char *message = NULL;
    gsize len;
    const guint8 *data = g_bytes_get_data (step->data, &len);

    want_text = pf_bytes_excerpt (data, len, 60);
    got_text = pf_bytes_excerpt (g_bytes_get_data (inbox, NULL), g_bytes_get_size (inbox), 60);
    message = g_strdup_printf ("Line %u: the %s of “%s” expected “%s” but received “%s”.",
                               step->line, pf_side_to_string (step->side), step->connection,
                               want_text, got_text);
    engine_fail (self, sock ? sock->host : NULL, message);
  }
}

static void
action_close (PfEngine     *self,
              const PfStep *step)
{
  PfConn *conn = g_hash_table_lookup (self->conns, step->connection);
  PfSock *sock = conn ? conn_side (conn, step->side) : NULL;

  if (sock == NULL || sock->socket == NULL)
    return;

  sock_close_when_sent (sock);
}

static PfSock *
engine_udp_socket (PfEngine     *self,
                   const PfStep *step)
{
  g_autoptr(GError) error = NULL;
  PfConn *conn = step->connection ? g_hash_table_lookup (self->conns, step->connection) : NULL;
  GSocket *socket;
  PfSock *sock;

  if (conn != NULL && conn->client != NULL && conn->client->socket != NULL)
    return conn->client;

  socket = pf_netspace_create_socket (self->netspace, G_SOCKET_TYPE_DATAGRAM,
                                      step->from->address, step->source_port, &error);
  if (socket == NULL)
    {
      engine_socket_failed (self, step->from, error);
      return NULL;
    }

  sock = sock_new (self, socket, SOCK_UDP_CLIENT, step->from);
  sock_watch_with (sock, on_udp_ready);

  if (step->connection != NULL)
    {
      conn = g_new0 (PfConn, 1);
      conn->id = g_strdup (step->connection);
      conn->client = sock;
      sock->conn = conn;
      g_hash_table_replace (self->conns, conn->id, conn);
    }

  return sock;
}

static void
engine_udp_send (PfEngine     *self,
                 PfSock       *sock,
                 const PfHost *to,
                 guint16       port,
                 const guint8 *data,
                 gsize         len,
                 gboolean      answered)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  PfEndpoint dst;
  guint32 target;

  dst.address = pf_netspace_map_address (self->netspace, to->address);
  dst.port = pf_netspace_map_port (self->netspace, port);
  target = g_htonl (dst.address);
  inet = g_inet_address_new_from_bytes ((const guint8 *) &target, G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (inet, dst.port);

  self->capture_due = TRUE;
  if (g_socket_send_to (sock->socket, address, (const char *) data, len, NULL, &error) < 0)
    {
      engine_record_error (self, sock->host, &sock->tuple, "ESEND", error->message);
      return;
    }

  sock_read_names (sock);
  engine_model_udp (self, sock, &dst, data, len);
  /* A service there reads it (and its answer is counted when sent). */
  if (answered)
    self->udp_outstanding++;
}

static gboolean
udp_service_answers (const PfService *service)
{
  return service != NULL && !service->stopped &&
         (service->type == PF_SERVICE_ECHO || service->type == PF_SERVICE_DNS);
}

static void
action_udp (PfEngine     *self,
            const PfStep *step)
{
  PfSock *sock = engine_udp_socket (self, step);
  gsize len;
  const guint8 *data = g_bytes_get_data (step->data, &len);
  const PfService *service = pf_host_find_service (step->to, PF_PROTOCOL_UDP, step->port);
  gboolean answered = service != NULL && engine_find_service_sock (self, service) != NULL &&
                      udp_service_answers (service);

  if (sock == NULL)
    return;

  for (guint i = 0; i < step->repeat; i++)
    engine_udp_send (self, sock, step->to, step->port, data, len, answered);
}

static void
action_lookup (PfEngine     *self,
               const PfStep *step)
{
  g_autoptr(GBytes) query = NULL;
  PfSock *sock = engine_udp_socket (self, step);
  gsize len;
  const guint8 *data;
  gboolean answered = step->service != NULL &&
                      engine_find_service_sock (self, step->service) != NULL;

  if (sock == NULL)
    return;

  query = pf_dns_build_query ((guint16) g_random_int_range (1, 65536), step->to_name);
  data = g_bytes_get_data (query, &len);
  engine_udp_send (self, sock, step->host, step->port, data, len, answered);
}

static void
action_start_stop (PfEngine     *self,
                   const PfStep *step)
{
  g_autoptr(GError) error = NULL;

  if (step->action == PF_STEP_STOP)
    {
      engine_stop_service (self, step->service);
      return;
    }

  if (!engine_start_service (self, step->service, &error))
    {
      engine_socket_failed (self, step->host, error);
    }
}

/* The end of a step */

static gboolean
sock_is_quiet (PfSock *sock)
{
  PfSock *peer;

  if (sock->socket == NULL)
    return TRUE;
  if (sock->connecting || pf_byte_queue_get_length (&sock->outbox) > 0)
    return FALSE;
  if (sock->want_shut && !sock->shut)
    return FALSE;
  if (sock->role != SOCK_CLIENT && sock->role != SOCK_SERVER)
    return TRUE;

  /* The program at the other end read all we sent, and our FIN if we
   * sent one, or is gone. */
  peer = sock_peer (sock);
  if (peer != NULL && peer->socket != NULL && !peer->eof && !peer->reset &&
      (peer->bytes_read < sock->bytes_sent || sock->shut))
    return FALSE;

  return TRUE;
}

static gboolean
engine_is_quiet (PfEngine *self)
{
  if (self->udp_outstanding > 0)
    return FALSE;

  for (guint i = 0; i < self->open->len; i++)
    {
      if (!sock_is_quiet (g_ptr_array_index (self->open, i)))
        return FALSE;
    }

  return TRUE;
}

/* A connection both of whose ends have closed is done: its descriptors
 * are released so the next run starts clean. */
static void
engine_release_closed (PfEngine *self)
{
  /* A copy: releasing takes sockets out of the list. */
  GPtrArray *open = engine_open_copy (self);

  for (guint i = 0; i < open->len; i++)
    {
      PfSock *sock = g_ptr_array_index (open, i);
      PfConn *conn = sock->conn;
      gboolean client_done, server_done;

      if (conn == NULL || conn->closed || conn->client == NULL || conn->client->role != SOCK_CLIENT)
        continue;

      client_done = conn->client->socket == NULL || (conn->client->shut && conn->client->eof);
      server_done = conn->server == NULL || conn->server->socket == NULL ||
                    (conn->server->shut && conn->server->eof);
      if (!client_done || !server_done)
        continue;

      conn->closed = TRUE;
      sock_release (conn->client);
      if (conn->server != NULL)
        sock_release (conn->server);
    }
}

/* Loopback mode's counterpart of a late capture: for a while after a
 * step, segments the kernel counts (a delayed ACK) are modelled and
 * appended to the step that ended. */
static gboolean
on_late_tick (gpointer user_data)
{
  PfEngine *self = user_data;

  if (self->task != NULL || g_get_monotonic_time () > self->late_until)
    {
      timer_disarm (self->late);
      return G_SOURCE_CONTINUE;
    }

  engine_reconcile_model (self);
  engine_flush_pending (self);
  timer_arm (self->late, LATE_POLL_MS);
  return G_SOURCE_CONTINUE;
}

static void
engine_finish_step (PfEngine *self,
                    GError   *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);
  const PfStep *step = g_ptr_array_index (self->scenario->steps, self->step);

  /* A step that ended early (the helper was lost) takes its pause along,
   * so it cannot end a later step. */
  g_clear_handle_id (&self->wait_id, g_source_remove);

  engine_drain_capture (self);
  engine_poll_states (self);
  if (engine_models (self))
    engine_reconcile_model (self);
  engine_check_capture_drops (self);

  if (error == NULL && step->action == PF_STEP_EXPECT)
    action_expect_check (self, step);

  engine_release_closed (self);
  engine_flush_pending (self);
  self->next_step = self->step + 1;

  if (engine_models (self))
    {
      self->late_until = g_get_monotonic_time () + LATE_SEGMENTS_MS * 1000;
      timer_arm_unless_armed (self->late, LATE_POLL_MS);
    }

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static GError *
engine_lost_error (void)
{
  return g_error_new_literal (PF_ENGINE_ERROR, PF_ENGINE_ERROR_LOST,
                              "The private network went away during the run "
                              "(its helper process ended). Restart the scenario "
                              "to run it again.");
}

static void
engine_check (PfEngine *self)
{
  if (self->task == NULL)
    return;

  if (self->lost)
    {
      engine_finish_step (self, engine_lost_error ());
      return;
    }

  if (!self->action_done || !engine_is_quiet (self))
    return;

  engine_finish_step (self, NULL);
}

static gboolean
on_settle_tick (gpointer user_data)
{
  PfEngine *self = user_data;

  /* Left armed when a step ended; asleep until the next one. */
  if (self->task == NULL)
    {
      timer_disarm (self->settle);
      return G_SOURCE_CONTINUE;
    }

  if (g_get_monotonic_time () > self->deadline)
    {
      const PfStep *step = g_ptr_array_index (self->scenario->steps, self->step);

      self->n_failures++;
      engine_record_error (self, NULL, NULL, "ETIMEDOUT",
                           "The step did not finish: the network was still busy when time ran out.");
      engine_finish_step (self, g_error_new (PF_ENGINE_ERROR, PF_ENGINE_ERROR_TIMEOUT,
                                             "Step %d (line %u) did not finish in time.",
                                             self->step + 1, step->line));
      return G_SOURCE_CONTINUE;
    }

  /* The step's callback, run from engine_check (), may stop the run. */
  g_object_ref (self);
  engine_drain_capture (self);
  engine_poll_states (self);
  engine_check (self);
  timer_arm (self->settle, SETTLE_POLL_MS);
  g_object_unref (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_wait_done (gpointer user_data)
{
  PfEngine *self = user_data;

  self->wait_id = 0;
  self->action_done = TRUE;
  engine_check (self);
  return G_SOURCE_REMOVE;
}

static void
on_netspace_lost (PfNetspace   *netspace,
                  const GError *error,
                  PfEngine     *self)
{
  /* Not engine_check (): this may be heard in the middle of a step's
   * action. While a step runs, its settle tick ends it within 1 ms. */
  self->lost = TRUE;
}

/* GObject */

static void
pf_engine_dispose (GObject *object)
{
  PfEngine *self = PF_ENGINE (object);

  pf_engine_stop (self);
  g_clear_object (&self->timeline);

  G_OBJECT_CLASS (pf_engine_parent_class)->dispose (object);
}

static void
pf_engine_finalize (GObject *object)
{
  PfEngine *self = PF_ENGINE (object);

  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->modelled, g_ptr_array_unref);
  g_clear_pointer (&self->open, g_ptr_array_unref);
  g_clear_pointer (&self->open_copy, g_ptr_array_unref);
  g_clear_pointer (&self->settling, g_ptr_array_unref);
  g_clear_pointer (&self->time_wait, g_ptr_array_unref);
  g_clear_pointer (&self->socks, g_ptr_array_unref);
  g_clear_pointer (&self->conns, g_hash_table_unref);
  g_clear_pointer (&self->scenario, pf_scenario_free);
  g_clear_pointer (&self->arena, pf_record_arena_free);
  g_free (self->fallback_reason);

  G_OBJECT_CLASS (pf_engine_parent_class)->finalize (object);
}

static void
pf_engine_class_init (PfEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pf_engine_dispose;
  object_class->finalize = pf_engine_finalize;
}

static void
pf_engine_init (PfEngine *self)
{
  self->timeline = pf_timeline_new ();
  self->socks = g_ptr_array_new_with_free_func ((GDestroyNotify) sock_free);
  self->open = g_ptr_array_new ();
  self->open_copy = g_ptr_array_new ();
  self->settling = g_ptr_array_new ();
  self->time_wait = g_ptr_array_new ();
  self->conns = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) conn_free);
  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
  self->modelled = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_packet_unref);
  self->arena = pf_record_arena_new ();
  self->step = -1;
}

/* Every port the scenario names, so loopback mode moves none onto them. */
static void
engine_reserve_ports (PfEngine *self)
{
  g_autoptr(GArray) ports = g_array_new (FALSE, FALSE, sizeof (guint16));

  for (guint i = 0; i < self->scenario->hosts->len; i++)
    {
      PfHost *host = g_ptr_array_index (self->scenario->hosts, i);

      for (guint j = 0; j < host->services->len; j++)
        g_array_append_val (ports, ((PfService *) g_ptr_array_index (host->services, j))->port);
    }

  for (guint i = 0; i < self->scenario->steps->len; i++)
    {
      PfStep *step = g_ptr_array_index (self->scenario->steps, i);

      g_array_append_val (ports, step->port);
      g_array_append_val (ports, step->source_port);
    }

  pf_netspace_reserve_ports (self->netspace, (const guint16 *) ports->data, ports->len);
}

/* Public API */

/**
 * pf_engine_new:
 * @scenario: (transfer full): the scenario to run
 * @mode: exact, loopback, or auto (exact where the kernel allows it)
 */
PfEngine *
pf_engine_new (PfScenario     *scenario,
               PfNetspaceMode  mode)
{
  PfEngine *self;

  g_return_val_if_fail (scenario != NULL, NULL);

  self = g_object_new (PF_TYPE_ENGINE, NULL);
  self->scenario = scenario;
  self->requested_mode = mode;
  return self;
}

/* Sets up the hosts' addresses and starts every service that does not
 * start stopped. Nothing is recorded as a step yet. */
gboolean
pf_engine_start (PfEngine  *self,
                 GError   **error)
{
  g_autofree PfIpv4 *addresses = NULL;
  guint n_hosts;

  g_return_val_if_fail (PF_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);

  n_hosts = self->scenario->hosts->len;
  addresses = g_new (PfIpv4, MAX (n_hosts, 1));
  for (guint i = 0; i < n_hosts; i++)
    addresses[i] = ((PfHost *) g_ptr_array_index (self->scenario->hosts, i))->address;

  self->netspace = pf_netspace_new (self->requested_mode, addresses, n_hosts,
                                    &self->fallback_reason, error);
  if (self->netspace == NULL)
    return FALSE;

  engine_reserve_ports (self);
  g_signal_connect_object (self->netspace, "lost", G_CALLBACK (on_netspace_lost), self, 0);
  self->start_time = g_get_real_time ();
  self->started = TRUE;

  self->settle = timer_new (on_settle_tick, self);
  self->late = timer_new (on_late_tick, self);

  {
    g_autoptr(GError) diag_error = NULL;

    self->diag = pf_netspace_open_diag (self->netspace, &diag_error);
    if (self->diag == NULL)
      g_debug ("no socket table, states come from TCP_INFO: %s", diag_error->message);
  }

  self->capture = pf_netspace_open_capture (self->netspace, error);
  if (self->capture == NULL && pf_netspace_get_mode (self->netspace) == PF_NETSPACE_MODE_EXACT)
    return FALSE;
  g_clear_error (error);

  if (self->capture != NULL)
    {
      self->capture_source = g_socket_create_source (self->capture, G_IO_IN, NULL);
      source_keep_polled (self->capture_source);
      g_source_set_callback (self->capture_source, G_SOURCE_FUNC (on_capture_readable), self, NULL);
      g_source_attach (self->capture_source, NULL);
    }

  for (guint i = 0; i < n_hosts; i++)
    {
      PfHost *host = g_ptr_array_index (self->scenario->hosts, i);

      for (guint j = 0; j < host->services->len; j++)
        {
          PfService *service = g_ptr_array_index (host->services, j);

          if (!service->stopped && !engine_start_service (self, service, error))
            return FALSE;
        }
    }

  engine_poll_states (self);
  engine_flush_pending (self);
  return TRUE;
}

void
pf_engine_step_async (PfEngine            *self,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  const PfStep *step;

  g_return_if_fail (PF_IS_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_engine_step_async);

  if (!self->started)
    {
      g_task_return_new_error (task, PF_ENGINE_ERROR, PF_ENGINE_ERROR_FINISHED,
                               "The run has not started.");
      return;
    }
  if (self->task != NULL)
    {
      g_task_return_new_error (task, PF_ENGINE_ERROR, PF_ENGINE_ERROR_BUSY,
                               "A step is already running.");
      return;
    }
  if (pf_engine_is_finished (self))
    {
      g_task_return_new_error (task, PF_ENGINE_ERROR, PF_ENGINE_ERROR_FINISHED,
                               "Every step has run.");
      return;
    }
  /* Without its helper no socket can be made: no step runs half way. */
  if (self->lost)
    {
      g_task_return_error (task, engine_lost_error ());
      return;
    }

  /* What the last step's sockets still sent belongs to that step. */
  engine_drain_capture (self);
  if (engine_models (self))
    engine_reconcile_model (self);
  engine_poll_states (self);
  engine_flush_pending (self);

  self->task = g_steal_pointer (&task);
  self->step = self->next_step;
  self->action_done = TRUE;
  self->deadline = g_get_monotonic_time () + STEP_TIMEOUT_MS * 1000;
  step = g_ptr_array_index (self->scenario->steps, self->step);

  engine_record (self, pf_event_new_step (engine_now (self), self->step, step->narration));
  engine_release_held (self);

  switch (step->action)
    {
    case PF_STEP_CONNECT:
      action_connect (self, step);
      break;

    case PF_STEP_SEND:
      /* Large transfers get time in proportion: 1 s per MiB on top. */
      self->deadline += (gint64) g_bytes_get_size (step->data) * step->repeat;
      action_send (self, step);
      break;

    case PF_STEP_EXPECT:
      break;

    case PF_STEP_CLOSE:
      action_close (self, step);
      break;

    case PF_STEP_UDP:
      action_udp (self, step);
      break;

    case PF_STEP_LOOKUP:
      action_lookup (self, step);
      break;

    case PF_STEP_START:
    case PF_STEP_STOP:
      action_start_stop (self, step);
      break;

    case PF_STEP_WAIT:
      self->action_done = FALSE;
      self->deadline += step->milliseconds * 1000;
      self->wait_id = g_timeout_add (step->milliseconds, on_wait_done, self);
      break;

    default:
      g_assert_not_reached ();
    }

  engine_poll_states (self);
  timer_arm_unless_armed (self->settle, SETTLE_POLL_MS);
  engine_check (self);
}

gboolean
pf_engine_step_finish (PfEngine      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (PF_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_run_step_done (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GError **error = user_data;

  pf_engine_step_finish (PF_ENGINE (object), result, error);
}

static gboolean
engine_all_acked (PfEngine *self)
{
  for (guint i = 0; i < self->open->len; i++)
    {
      PfSock *sock = g_ptr_array_index (self->open, i);
      struct tcp_info info;

      if (sock->socket == NULL || (sock->role != SOCK_CLIENT && sock->role != SOCK_SERVER))
        continue;

      sock_query_tcp_info (sock, &info);
      if (info.tcpi_unacked > 0)
        return FALSE;
    }

  return TRUE;
}

/* After the last step: lets the kernel send what it still owes (a
 * delayed ACK) and records it, so a run's record is whole. */
static void
engine_linger (PfEngine *self)
{
  gint64 deadline = g_get_monotonic_time () + LATE_SEGMENTS_MS * 1000;

  while (!engine_all_acked (self) && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }

  timer_disarm (self->late);
  engine_drain_capture (self);
  if (engine_models (self))
    engine_reconcile_model (self);
  engine_poll_states (self);
  engine_flush_pending (self);
}

/* Runs every remaining step on the thread-default main context. For the
 * command line and the tests; the window steps one at a time. */
gboolean
pf_engine_run (PfEngine  *self,
               GError   **error)
{
  g_return_val_if_fail (PF_IS_ENGINE (self), FALSE);

  while (!pf_engine_is_finished (self))
    {
      g_autoptr(GError) local_error = NULL;
      int step = self->next_step;

      pf_engine_step_async (self, NULL, on_run_step_done, &local_error);
      while (self->next_step == step && local_error == NULL)
        g_main_context_iteration (NULL, TRUE);

      /* Let the task's callback run. */
      while (g_main_context_pending (NULL))
        g_main_context_iteration (NULL, FALSE);

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  engine_linger (self);
  return TRUE;
}

/* Closes every socket and ends the private network. The timeline stays. */
void
pf_engine_stop (PfEngine *self)
{
  g_return_if_fail (PF_IS_ENGINE (self));

  timer_clear (&self->settle);
  timer_clear (&self->late);
  g_clear_handle_id (&self->wait_id, g_source_remove);
  if (self->task != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->task);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The run was stopped.");
    }

  if (self->capture_source != NULL)
    {
      g_source_destroy (self->capture_source);
      g_clear_pointer (&self->capture_source, g_source_unref);
    }
  if (self->capture != NULL)
    g_socket_close (self->capture, NULL);
  g_clear_object (&self->capture);
  if (self->diag != NULL)
    g_socket_close (self->diag, NULL);
  g_clear_object (&self->diag);

  if (self->socks != NULL)
    {
      for (guint i = 0; i < self->socks->len; i++)
        sock_release (g_ptr_array_index (self->socks, i));
    }

  g_clear_object (&self->netspace);
}

const PfScenario *
pf_engine_get_scenario (PfEngine *self)
{
  g_return_val_if_fail (PF_IS_ENGINE (self), NULL);
  return self->scenario;
}

PfTimeline *
pf_engine_get_timeline (PfEngine *self)
{
  g_return_val_if_fail (PF_IS_ENGINE (self), NULL);
  return self->timeline;
}

PfNetspace *
pf_engine_get_netspace (PfEngine *self)
{
  g_return_val_if_fail (PF_IS_ENGINE (self), NULL);
  return self->netspace;
}

const char *
pf_engine_get_fallback_reason (PfEngine *self)
{
  g_return_val_if_fail (PF_IS_ENGINE (self), NULL);
  return self->fallback_reason;
}

int
pf_engine_get_next_step (PfEngine *self)
{
  g_return_val_if_fail (PF_IS_ENGINE (self), 0);
  return self->next_step;
}

gboolean
pf_engine_is_finished (PfEngine *self)
{
  g_return_val_if_fail (PF_IS_ENGINE (self), TRUE);
  return self->next_step >= (int) self->scenario->steps->len;
}

guint
pf_engine_get_n_failures (PfEngine *self)
{
  g_return_val_if_fail (PF_IS_ENGINE (self), 0);
  return self->n_failures;
}
