/* pf-engine-sockets.c: the engine's sockets
 *
 * Making them, reading and writing them as the programs at either end
 * would, and following their TCP states: TCP_INFO while the program
 * holds a socket, the kernel's socket table (sock_diag) once it let go.
 * Every socket of the run stays in the engine's table until the run ends.
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

#include "pf-engine-private.h"
#include "pf-sock-diag.h"

#define WRITE_VECTORS        1024   /* pieces of the outbox per write: IOV_MAX */

/* Sockets */

PfTcpState
pf_engine_sock_query_tcp_info (PfSock          *sock,
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
  return sock->role == PF_SOCK_LISTENER || sock->role == PF_SOCK_CLIENT ||
         sock->role == PF_SOCK_SERVER;
}

static void
sock_set_state (PfSock     *sock,
                PfTcpState  state)
{
  if (state == sock->state)
    return;

  pf_engine_record (sock->engine,
                    pf_event_new_state (pf_engine_now (sock->engine), sock->engine->step,
                                        sock->host->id, "tcp", &sock->tuple, sock->state, state));
  sock->state = state;
}

/* What the kernel's table says of @sock's four values: its state, or
 * CLOSE when it has let the connection go. */
static PfTcpState
sock_lookup_state (PfSock *sock)
{
  GSocket *diag = pf_engine_diag_for (sock->engine, sock->host);
  g_autoptr(GError) error = NULL;
  guint8 state;

  if (diag == NULL)
    return sock->state;
  if (!pf_sock_diag_lookup_tcp (diag, &sock->tuple, &state, &error))
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
void
pf_engine_sock_poll_state (PfSock   *sock,
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
  pf_engine_drain_wire_due (self);

  if (sock->socket != NULL)
    {
      struct tcp_info info;

      state = pf_engine_sock_query_tcp_info (sock, &info);
      /* Bound, not yet connected: nothing to show. */
      if (state == PF_TCP_STATE_CLOSE && sock->state == PF_TCP_STATE_NONE)
        return;
      if (state == PF_TCP_STATE_CLOSE && sock->state != PF_TCP_STATE_CLOSE &&
          pf_engine_diag_for (self, sock->host) != NULL)
        state = sock_lookup_state (sock);
    }
  else if (pf_engine_diag_for (self, sock->host) != NULL &&
           sock->state != PF_TCP_STATE_NONE && sock->state != PF_TCP_STATE_CLOSE)
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
void
pf_engine_poll_states (PfEngine *self)
{
  gint64 now = g_get_monotonic_time ();
  gboolean slow = now - self->last_slow_poll >= SLOW_POLL_US;

  /* The segments that changed the states come first. */
  pf_engine_drain_wire_due (self);

  if (slow)
    self->last_slow_poll = now;

  for (guint i = 0; i < self->open->len; i++)
    pf_engine_sock_poll_state (g_ptr_array_index (self->open, i), slow);

  /* Released sockets: only as long as their state can move, so a step
   * costs the same however many connections came before it. Each list
   * keeps the order the sockets were made in. */
  for (guint i = 0; i < self->settling->len;)
    {
      PfSock *sock = g_ptr_array_index (self->settling, i);

      pf_engine_sock_poll_state (sock, slow);
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

      pf_engine_sock_poll_state (sock, TRUE);
      if (sock->state != PF_TCP_STATE_TIME_WAIT)
        g_ptr_array_remove_index (self->time_wait, i);
      else
        i++;
    }
}

/* The addresses as the kernel has them (getsockname, getpeername). Not
 * for a socket whose connect is pending: GLib's getpeername wrapper would
 * collect the connect's result, and with it a refusal. */
void
pf_engine_sock_read_names (PfSock *sock)
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

PfSock *
pf_engine_sock_new (PfEngine     *self,
                    GSocket      *socket,
                    PfSockRole    role,
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
  pf_engine_sock_read_names (sock);

  g_ptr_array_add (self->socks, sock);
  g_ptr_array_add (self->open, sock);
  return sock;
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

/* Closes the descriptor; the PfSock stays until the run ends, so the
 * connection's history can still name it. */
void
pf_engine_sock_release (PfSock *sock)
{
  if (sock->source != NULL)
    {
      g_source_destroy (sock->source);
      g_clear_pointer (&sock->source, g_source_unref);
    }
  if (sock->socket != NULL)
    {
      g_socket_close (sock->socket, NULL);
      sock->engine->wire_due = TRUE;   /* a close may send a FIN or RST */
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

void
pf_engine_sock_free (PfSock *sock)
{
  pf_engine_sock_release (sock);
  g_clear_pointer (&sock->session, pf_service_session_free);
  pf_byte_queue_clear (&sock->inbox);
  pf_byte_queue_clear (&sock->outbox);
  pf_byte_queue_clear (&sock->held);
  g_queue_clear_full (&sock->datagrams, (GDestroyNotify) g_bytes_unref);
  g_free (sock);
}

void
pf_engine_conn_free (PfConn *conn)
{
  g_clear_pointer (&conn->model, pf_tcp_model_free);
  g_free (conn->id);
  g_free (conn);
}

/* Programs: what the scenario's clients and the services do with bytes */

void
pf_engine_sock_close_when_sent (PfSock *sock)
{
  sock->want_shut = TRUE;
  pf_engine_sock_flush (sock);
}

/* The connection ended under the program at once (a reset, sent or
 * received): nothing more is read, written or closed, and what was
 * waiting to go is dropped, as the kernel drops it. */
static void
sock_end_at_once (PfSock *sock)
{
  sock->reset = TRUE;
  sock->eof = TRUE;
  sock->shut = TRUE;
  sock->want_shut = FALSE;
  sock->close_held = FALSE;
  pf_byte_queue_clear (&sock->outbox);
  pf_byte_queue_clear (&sock->held);
}

/* A "close" with "how": "reset": SO_LINGER {on, 0}, then close (), so the
 * kernel drops what is still unsent and sends an RST instead of a FIN. The
 * socket is gone from the kernel's table at once (no TIME_WAIT); the other
 * end's program reads the reset (ECONNRESET), which the scenario expects. */
void
pf_engine_sock_reset (PfSock *sock)
{
  PfEngine *self = sock->engine;
  struct linger linger = { .l_onoff = 1, .l_linger = 0 };

  g_return_if_fail (sock->socket != NULL && sock->conn != NULL);

  if (setsockopt (g_socket_get_fd (sock->socket), SOL_SOCKET, SO_LINGER,
                  &linger, sizeof linger) < 0)
    g_debug ("SO_LINGER: %s", g_strerror (errno));

  sock->conn->reset_by = sock;
  sock_end_at_once (sock);

  /* What came before the reset first. */
  pf_engine_drain_wire_due (self);
  pf_engine_sock_release (sock);
  if (pf_engine_models (self) && sock->conn->model != NULL)
    {
      pf_tcp_model_reset (sock->conn->model,
                          sock->role == PF_SOCK_CLIENT ? PF_TCP_MODEL_CLIENT : PF_TCP_MODEL_SERVER,
                          self->modelled);
      pf_engine_stamp_modelled (self);
    }
}

void
pf_engine_sock_hold_bytes (PfSock *sock,
                           GBytes *bytes)
{
  if (bytes != NULL)
    pf_byte_queue_push (&sock->held, bytes);
}

/* A service answers in the next step about the connection that asked
 * (pf_engine_release_held ()), so each step shows one side speaking and
 * the narration can say who. Closing when
 * the client has closed is not an answer: that happens at once. */
static void
service_apply_reply (PfSock         *sock,
                     PfServiceReply *reply)
{
  PfEngine *self = sock->engine;

  pf_engine_sock_hold_bytes (sock, reply->to_sender);

  if (reply->to_others != NULL)
    {
      for (guint i = 0; i < self->open->len; i++)
        {
          PfSock *other = g_ptr_array_index (self->open, i);

          if (other != sock && other->role == PF_SOCK_SERVER && other->service == sock->service &&
              other->socket != NULL && !other->shut)
            pf_engine_sock_hold_bytes (other, reply->to_others);
        }
    }

  if (reply->close)
    {
      if (pf_byte_queue_get_length (&sock->held) > 0)
        sock->close_held = TRUE;
      else
        pf_engine_sock_close_when_sent (sock);
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

/* A service's held answer goes out in the next step that concerns its
 * connection (names it in "connection"), so it shows under a narration
 * about that connection, never under one about another. */
void
pf_engine_release_held (PfEngine     *self,
                        const PfStep *step)
{
  /* A copy: a write that fails releases its socket. */
  GPtrArray *open = engine_open_copy (self);

  if (step->connection == NULL)
    return;

  for (guint i = 0; i < open->len; i++)
    {
      PfSock *sock = g_ptr_array_index (open, i);

      if (sock->conn == NULL || g_strcmp0 (sock->conn->id, step->connection) != 0)
        continue;

      pf_byte_queue_move (&sock->outbox, &sock->held);
      if (sock->close_held)
        {
          sock->close_held = FALSE;
          sock->want_shut = TRUE;
        }
      if (pf_byte_queue_get_length (&sock->outbox) > 0 || sock->want_shut)
        pf_engine_sock_flush (sock);
    }
}

static void
sock_deliver (PfSock *sock,
              GBytes *bytes)
{
  PfEngine *self = sock->engine;

  sock->bytes_read += g_bytes_get_size (bytes);
  pf_engine_record (self, pf_event_new_deliver (pf_engine_now (self), self->step, sock->host->id,
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

/* Whether a step after the one running closes @sock's side of its
 * connection. */
static gboolean
sock_closes_later (PfSock *sock)
{
  PfEngine *self = sock->engine;
  PfSide side;

  if (sock->conn == NULL || (sock->role != PF_SOCK_CLIENT && sock->role != PF_SOCK_SERVER))
    return FALSE;

  side = sock->role == PF_SOCK_CLIENT ? PF_SIDE_CLIENT : PF_SIDE_SERVER;
  for (guint i = (guint) self->step + 1; i < self->scenario->steps->len; i++)
    {
      const PfStep *step = g_ptr_array_index (self->scenario->steps, i);

      if (step->action == PF_STEP_CLOSE && step->side == side &&
          g_strcmp0 (step->connection, sock->conn->id) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
sock_peer_closed (PfSock *sock)
{
  sock->eof = TRUE;
  sock->stale = TRUE;   /* the FIN that ended the stream moved the state */

  /* A scenario that closes this side itself, in a later step, has its
   * program wait for that step: the kernel acknowledges the FIN on its
   * own meanwhile, this end waits in CLOSE_WAIT and the other in
   * FIN_WAIT_2. */
  if (sock_closes_later (sock))
    return;

  /* Services close when their client does; so do the scenario's client
   * programs when the server hangs up first. */
  if (sock->session != NULL)
    {
      g_auto(PfServiceReply) reply = { 0 };

      pf_service_session_peer_closed (sock->session, &reply);
      service_apply_reply (sock, &reply);
    }

  pf_engine_sock_close_when_sent (sock);
}

/* The kernel ended the connection under the program: it was reset
 * (ECONNRESET, or EPIPE on a write), or the socket is no longer
 * connected. A reset the scenario asked for (the other end's "close"
 * with "how": "reset", pf_engine_sock_reset (), which also modelled the
 * RST) is expected: recorded, not a failure. Any other was done by
 * something outside the run, and which end's kernel sent the RST is not
 * known here: the capture shows it in exact mode, and loopback mode
 * models none rather than guess. The run goes on without this
 * connection; it counts as a failure. The descriptor is released, so no
 * later step or service writes to it. */
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
  PfEventErrorCode code;
  g_autofree char *message = NULL;
  /* The other end closed with "how": "reset": the scenario says so. */
  gboolean expected = sock->conn != NULL && sock->conn->reset_by != NULL &&
                      sock->conn->reset_by != sock &&
                      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);

  pf_endpoint_format (&remote, remote_text);

  /* G_IO_ERROR_CONNECTION_CLOSED is ECONNRESET, and EPIPE too. */
  if (expected)
    {
      code = PF_EVENT_ERROR_CODE_ECONNRESET;
      message = g_strdup_printf ("%s’s connection to %s was reset, as the scenario says: the "
                                 "other end closed it with a segment with the RST flag, which "
                                 "ends it at once, with no FIN and no TIME_WAIT.",
                                 sock->host->name, remote_text);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
    {
      code = PF_EVENT_ERROR_CODE_ECONNRESET;
      message = g_strdup_printf ("%s’s connection to %s was reset: a segment with the RST flag "
                                 "ended it at once, and the bytes still on their way were lost.",
                                 sock->host->name, remote_text);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED))
    {
      code = PF_EVENT_ERROR_CODE_ENOTCONN;
      message = g_strdup_printf ("%s’s connection to %s was cut off: its socket is no longer "
                                 "connected, so its kernel reset the connection.",
                                 sock->host->name, remote_text);
    }
  else
    {
      code = PF_EVENT_ERROR_CODE_OTHER;
      message = g_strdup_printf ("%s’s connection to %s failed: %s.",
                                 sock->host->name, remote_text, error->message);
    }

  sock_end_at_once (sock);
  pf_engine_record_outcome (self, sock->host, &sock->tuple, code, expected, message);

  sock_mark_stale (sock);
  pf_engine_sock_poll_state (sock, FALSE);
  pf_engine_sock_release (sock);
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
      pf_engine_drain_wire_due (sock->engine);

      /* Straight into what the timeline keeps (see pf-record-arena.c). */
      buffer = pf_record_arena_reserve (sock->engine->arena, PF_ENGINE_READ_BUFFER_SIZE);
      n = g_socket_receive (sock->socket, (char *) buffer, PF_ENGINE_READ_BUFFER_SIZE,
                            NULL, &error);
      sock->engine->wire_due = TRUE;   /* a read may send a window update */
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
      if (n < PF_ENGINE_READ_BUFFER_SIZE)
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
  sock->engine->wire_due = TRUE;
  if (n < 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return 0;
      sock_handle_error (sock, error);
      return -1;
    }

  pf_engine_model_data (sock->engine, sock, n);
  sock->bytes_sent += n;
  pf_byte_queue_pop (&sock->outbox, n);
  return n;
}

/* The program writes @bytes: after what it wrote before, if the kernel
 * has not taken that yet. */
void
pf_engine_sock_send (PfSock *sock,
                     GBytes *bytes)
{
  if (sock->socket != NULL)
    pf_byte_queue_push (&sock->outbox, bytes);
}

void
pf_engine_sock_flush (PfSock *sock)
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

      sock->engine->wire_due = TRUE;
      if (!g_socket_shutdown (sock->socket, FALSE, TRUE, &error))
        g_debug ("shutdown: %s", error->message);
      sock->shut = TRUE;
      sock_mark_stale (sock);
      if (pf_engine_models (sock->engine) && sock->conn != NULL && sock->conn->model != NULL)
        {
          pf_tcp_model_fin (sock->conn->model,
                            sock->role == PF_SOCK_CLIENT
                            ? PF_TCP_MODEL_CLIENT : PF_TCP_MODEL_SERVER,
                            sock->engine->modelled);
          pf_engine_stamp_modelled (sock->engine);
        }
    }

  pf_engine_sock_update_watch (sock);
}

/* Connecting */

void
pf_engine_conn_failed (PfConn       *conn,
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
  pf_engine_drain_wire_due (self);
  if (pf_engine_models (self) && refused)
    {
      pf_tcp_model_refused (conn->model, self->modelled);
      pf_engine_stamp_modelled_at (self, conn->connect_time);
    }

  pf_engine_record_outcome (self, client->host, &client->tuple,
                            refused ? PF_EVENT_ERROR_CODE_ECONNREFUSED : PF_EVENT_ERROR_CODE_OTHER,
                            conn->expect_refusal && refused, message);

  pf_engine_sock_poll_state (client, FALSE);
  pf_engine_sock_release (client);
}

void
pf_engine_conn_connected (PfConn *conn)
{
  PfSock *client = conn->client;
  PfEngine *self = client->engine;
  g_autoptr(GError) error = NULL;

  client->connecting = FALSE;

  if (!g_socket_check_connect_result (client->socket, &error))
    {
      pf_engine_conn_failed (conn, error);
      return;
    }

  pf_engine_sock_read_names (client);
  if (pf_engine_models (self))
    {
      struct tcp_info info;

      pf_engine_sock_query_tcp_info (client, &info);
      pf_tcp_model_handshake (conn->model, &(PfTcpModelOptions) {
                                .timestamps = (info.tcpi_options & TCPI_OPT_TIMESTAMPS) != 0,
                                .sack = (info.tcpi_options & TCPI_OPT_SACK) != 0,
                                .client_wscale = info.tcpi_rcv_wscale,
                                .server_wscale = info.tcpi_snd_wscale,
                                .client_mss = info.tcpi_advmss,
                              }, self->modelled);
      pf_engine_stamp_modelled_at (self, conn->connect_time);
    }

  pf_engine_sock_flush (client);
}

static gboolean
on_sock_ready (GSocket      *socket,
               GIOCondition  condition,
               gpointer      user_data)
{
  PfSock *sock = user_data;
  PfEngine *self = sock->engine;

  g_object_ref (self);
  pf_engine_drain_wire (self);

  if (sock->connecting)
    pf_engine_conn_connected (sock->conn);
  else
    {
      if (sock->socket != NULL && (condition & (G_IO_IN | G_IO_HUP | G_IO_ERR)))
        sock_read (sock);
      if (sock->socket != NULL)
        pf_engine_sock_flush (sock);
    }

  pf_engine_poll_states (self);
  pf_engine_check (self);
  g_object_unref (self);

  return G_SOURCE_CONTINUE;
}

void
pf_engine_sock_update_watch (PfSock *sock)
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

  sock->source = pf_engine_watch_socket (sock->socket, wanted, on_sock_ready, sock);
}

/* The end of a step: quiet sockets, closed connections */

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
  if (sock->role != PF_SOCK_CLIENT && sock->role != PF_SOCK_SERVER)
    return TRUE;
  /* The other end reset the connection: not quiet until this end's
   * program has read the reset. */
  if (sock->conn != NULL && sock->conn->reset_by != NULL && sock->conn->reset_by != sock)
    return FALSE;

  /* The program at the other end read all we sent, and our FIN if we
   * sent one, or is gone. */
  peer = sock_peer (sock);
  if (peer != NULL && peer->socket != NULL && !peer->eof && !peer->reset &&
      (peer->bytes_read < sock->bytes_sent || sock->shut))
    return FALSE;

  /* And a FIN we sent acknowledged: the other kernel may hold its ACK
   * back (a delayed ACK, 40 ms or more) hoping to send it with its own
   * program's FIN. Until it comes this end is in FIN_WAIT_1, and the step
   * shows it arrive (FIN_WAIT_2). A delayed ACK of data is left to come
   * late, after the step, as before: waiting for each would cost every
   * step of a conversation its delay. */
  if (sock->shut)
    {
      struct tcp_info info;
      PfTcpState state = pf_engine_sock_query_tcp_info (sock, &info);

      if ((state == PF_TCP_STATE_FIN_WAIT1 || state == PF_TCP_STATE_CLOSING ||
           state == PF_TCP_STATE_LAST_ACK) && info.tcpi_unacked > 0)
        return FALSE;
    }

  return TRUE;
}

gboolean
pf_engine_is_quiet (PfEngine *self)
{
  if (self->udp_outstanding > 0)
    return FALSE;
  if (!pf_engine_wire_is_idle (self))
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
void
pf_engine_release_closed (PfEngine *self)
{
  /* A copy: releasing takes sockets out of the list. */
  GPtrArray *open = engine_open_copy (self);

  for (guint i = 0; i < open->len; i++)
    {
      PfSock *sock = g_ptr_array_index (open, i);
      PfConn *conn = sock->conn;
      gboolean client_done, server_done;

      if (conn == NULL || conn->closed || conn->client == NULL ||
          conn->client->role != PF_SOCK_CLIENT)
        continue;

      /* A side that shut down only its sending holds its descriptor until
       * its plain "close". */
      client_done = conn->client->socket == NULL ||
                    (conn->client->shut && conn->client->eof && !conn->client->half_closed);
      server_done = conn->server == NULL || conn->server->socket == NULL ||
                    (conn->server->shut && conn->server->eof && !conn->server->half_closed);
      if (!client_done || !server_done)
        continue;

      conn->closed = TRUE;
      pf_engine_sock_release (conn->client);
      if (conn->server != NULL)
        pf_engine_sock_release (conn->server);
    }
}
