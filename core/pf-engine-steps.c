/* pf-engine-steps.c: what the scenario's steps and services do
 *
 * The services listen (TCP) or wait for datagrams (UDP) from the start of
 * the run or from a start step, and answer through PfServiceSession. A
 * step's action begins here; an expect step is checked when the network
 * is quiet, at the end of its step.
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

#include "pf-dns.h"
#include "pf-engine-private.h"

/* Services */

static PfConn *
engine_find_conn_by_client (PfEngine         *self,
                            const PfEndpoint *client)
{
  for (guint i = 0; i < self->open->len; i++)
    {
      PfSock *sock = g_ptr_array_index (self->open, i);
      PfConn *conn = sock->conn;

      if (sock->role == PF_SOCK_CLIENT && conn != NULL && conn->client == sock &&
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
      self->wire_due = TRUE;
      if (socket == NULL)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("accept: %s", error->message);
          return;
        }

      sock = pf_engine_sock_new (self, socket, PF_SOCK_SERVER, listener->host);
      sock->service = listener->service;
      /* Its request socket was seen in SYN_RECV when the SYN arrived. */
      if (pf_engine_take_syn_recv (self, &sock->tuple))
        sock->state = PF_TCP_STATE_SYN_RECV;
      conn = engine_find_conn_by_client (self, &sock->tuple.dst);
      if (conn == NULL)
        {
          /* Not one of the scenario's programs: nothing here talks to it. */
          g_debug ("closing a connection from outside the scenario");
          pf_engine_sock_release (sock);
          continue;
        }

      conn->server = sock;
      sock->conn = conn;
      sock->session = pf_service_session_new_for (listener->service);
      greeting = pf_service_session_greeting (sock->session);
      pf_engine_sock_hold_bytes (sock, greeting);
      pf_engine_sock_poll_state (sock, FALSE);
      pf_engine_sock_update_watch (sock);
    }
}

static gboolean
on_listener_ready (GSocket      *socket,
                   GIOCondition  condition,
                   gpointer      user_data)
{
  PfSock *listener = user_data;
  PfEngine *self = g_object_ref (listener->engine);

  pf_engine_drain_wire (self);
  listener_accept (listener);
  pf_engine_poll_states (self);
  pf_engine_check (self);
  g_object_unref (self);

  return G_SOURCE_CONTINUE;
}

/* Reads one datagram waiting on @sock into @buffer, NULL when none is:
 * its bytes, delivered to the program there; @tuple gets its sender. */
static GBytes *
udp_receive (PfSock          *sock,
             guint8          *buffer,
             gsize            size,
             GSocketAddress **from,
             PfFourTuple     *tuple)
{
  PfEngine *self = sock->engine;
  GBytes *bytes;
  struct sockaddr_in sin;
  gssize n;

  *tuple = sock->tuple;
  n = g_socket_receive_from (sock->socket, from, (char *) buffer, size, NULL, NULL);
  if (n < 0)
    return NULL;

  if (g_socket_address_to_native (*from, &sin, sizeof sin, NULL))
    {
      tuple->dst.address = g_ntohl (sin.sin_addr.s_addr);
      tuple->dst.port = g_ntohs (sin.sin_port);
    }

  bytes = g_bytes_new (buffer, n);
  pf_engine_record (self, pf_event_new_deliver (pf_engine_now (self), self->step,
                                                sock->host->id, "udp", tuple, bytes));
  if (self->udp_outstanding > 0)
    self->udp_outstanding--;
  return bytes;
}

static void
udp_server_receive (PfSock *sock)
{
  PfEngine *self = sock->engine;
  guint8 buffer[PF_ENGINE_READ_BUFFER_SIZE];

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketAddress) from = NULL;
      g_autoptr(GBytes) reply = NULL;
      g_autoptr(GBytes) bytes = NULL;
      PfFourTuple tuple;
      gsize n;

      bytes = udp_receive (sock, buffer, sizeof buffer, &from, &tuple);
      if (bytes == NULL)
        return;
      n = g_bytes_get_size (bytes);

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
            pf_engine_record_error (self, sock->host, &tuple, PF_EVENT_ERROR_CODE_EDNS,
                                    dns_error->message);
        }
      else if (sock->service->type == PF_SERVICE_ECHO)
        {
          reply = g_bytes_ref (bytes);
        }

      if (reply != NULL)
        {
          gsize len;
          const guint8 *data = g_bytes_get_data (reply, &len);

          self->wire_due = TRUE;
          if (g_socket_send_to (sock->socket, from, (const char *) data, len, NULL, &error) >= 0)
            {
              self->udp_outstanding++;
              pf_engine_model_udp (self, sock, &tuple.dst, data, len);
            }
        }
    }
}

static void
udp_client_receive (PfSock *sock)
{
  guint8 buffer[PF_ENGINE_READ_BUFFER_SIZE];

  for (;;)
    {
      g_autoptr(GSocketAddress) from = NULL;
      g_autoptr(GBytes) bytes = NULL;
      PfFourTuple tuple;

      bytes = udp_receive (sock, buffer, sizeof buffer, &from, &tuple);
      if (bytes == NULL)
        return;
      /* One read, one datagram: its boundaries stay. */
      g_queue_push_tail (&sock->datagrams, g_steal_pointer (&bytes));
    }
}

static gboolean
on_udp_ready (GSocket      *socket,
              GIOCondition  condition,
              gpointer      user_data)
{
  PfSock *sock = user_data;
  PfEngine *self = g_object_ref (sock->engine);

  pf_engine_drain_wire (self);
  if (sock->role == PF_SOCK_UDP_SERVER)
    udp_server_receive (sock);
  else
    udp_client_receive (sock);
  pf_engine_check (self);
  g_object_unref (self);

  return G_SOURCE_CONTINUE;
}

/* A UDP socket is on the kernel's table from its bind, as ss(8) shows
 * it (UNCONN: the kernel's CLOSE, for a socket bound and not connected),
 * long before its first datagram: recorded as a "udp" state event, so
 * the socket table shows it from then on. */
static void
udp_record_bound (PfSock *sock)
{
  PfEngine *self = sock->engine;

  pf_engine_record (self, pf_event_new_state (pf_engine_now (self), self->step, sock->host->id,
                                              "udp", &sock->tuple, PF_TCP_STATE_NONE,
                                              PF_TCP_STATE_CLOSE));
}

static void
sock_watch_with (PfSock         *sock,
                 GSocketSourceFunc func)
{
  sock->watching = G_IO_IN;
  sock->source = pf_engine_watch_socket (sock->socket, G_IO_IN, func, sock);
}

static PfSock *
engine_find_service_sock (PfEngine        *self,
                          const PfService *service)
{
  for (guint i = 0; i < self->open->len; i++)
    {
      PfSock *sock = g_ptr_array_index (self->open, i);

      if (sock->service == service && sock->socket != NULL &&
          (sock->role == PF_SOCK_LISTENER || sock->role == PF_SOCK_UDP_SERVER))
        return sock;
    }

  return NULL;
}

gboolean
pf_engine_start_service (PfEngine         *self,
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
      sock = pf_engine_sock_new (self, socket, PF_SOCK_UDP_SERVER, service->host);
      sock->service = service;
      sock_watch_with (sock, on_udp_ready);
      udp_record_bound (sock);
      return TRUE;
    }

  if (!g_socket_listen (socket, error))
    {
      g_object_unref (socket);
      return FALSE;
    }

  sock = pf_engine_sock_new (self, socket, PF_SOCK_LISTENER, service->host);
  sock->service = service;
  pf_engine_sock_poll_state (sock, FALSE);
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

  pf_engine_sock_poll_state (sock, FALSE);
  pf_engine_sock_release (sock);
  if (sock->state != PF_TCP_STATE_NONE && sock->role == PF_SOCK_LISTENER)
    {
      pf_engine_record (self, pf_event_new_state (pf_engine_now (self), self->step, sock->host->id,
                                                  "tcp", &sock->tuple, sock->state,
                                                  PF_TCP_STATE_CLOSE));
      sock->state = PF_TCP_STATE_CLOSE;
    }
}

/* Steps */

static void
engine_fail (PfEngine     *self,
             const PfHost *host,
             const char   *message)
{
  self->n_failures++;
  pf_engine_record_error (self, host, NULL, PF_EVENT_ERROR_CODE_EXPECT, message);
}

/* A step could not have the socket it needed. When the helper is gone
 * that is no fault of the scenario: the step ends with the loss
 * (pf_engine_check), and nothing is recorded against the host. */
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

  pf_engine_record_error (self, host, NULL, PF_EVENT_ERROR_CODE_ESOCKET, error->message);
  self->n_failures++;
}

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
  conn->expect_refusal = step->refused;
  g_hash_table_replace (self->conns, conn->id, conn);

  sock = pf_engine_sock_new (self, socket, PF_SOCK_CLIENT, step->from);
  sock->conn = conn;
  conn->client = sock;
  sock->connecting = TRUE;
  sock->tuple.dst.address = pf_netspace_map_address (self->netspace, step->to->address);
  sock->tuple.dst.port = pf_netspace_map_port (self->netspace, step->port);

  inet = g_inet_address_new_from_bytes ((const guint8 *) &target, G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (inet, sock->tuple.dst.port);

  conn->connect_time = pf_engine_now (self);
  self->wire_due = TRUE;
  if (g_socket_connect (socket, address, NULL, &error))
    {
      sock->connecting = FALSE;
      pf_engine_sock_read_names (sock);
      conn->model = pf_tcp_model_new (&sock->tuple);
      pf_engine_conn_connected (conn);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
    {
      pf_engine_sock_read_names (sock);
      conn->model = pf_tcp_model_new (&sock->tuple);
      pf_engine_sock_poll_state (sock, FALSE);
      pf_engine_sock_update_watch (sock);
    }
  else
    {
      pf_engine_sock_read_names (sock);
      conn->model = pf_tcp_model_new (&sock->tuple);
      pf_engine_conn_failed (conn, error);
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
    pf_engine_sock_send (sock, step->data);
  pf_engine_sock_flush (sock);
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

static void
expect_fail (PfEngine     *self,
             const PfStep *step,
             PfSock       *sock,
             const char   *what,
             GBytes       *got,
             const char   *waiting)
{
  g_autofree char *want_text = NULL;
  g_autofree char *got_text = NULL;
  g_autofree char *message = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (step->data, &len);

  want_text = pf_bytes_excerpt (data, len, 60);
  if (got != NULL)
    got_text = pf_bytes_excerpt (g_bytes_get_data (got, NULL), g_bytes_get_size (got), 60);
  if (got == NULL)
    message = g_strdup_printf ("Line %u: the %s of “%s” expected %s“%s” but no datagram came%s%s.",
                               step->line, pf_side_to_string (step->side), step->connection,
                               what, want_text, waiting ? "; " : "", waiting ? waiting : "");
  else
    message = g_strdup_printf ("Line %u: the %s of “%s” expected %s“%s” but received “%s”%s%s.",
                               step->line, pf_side_to_string (step->side), step->connection,
                               what, want_text, got_text, waiting ? "; " : "",
                               waiting ? waiting : "");
  engine_fail (self, sock ? sock->host : NULL, message);
}

/* A UDP socket reads datagrams: each expected one is the next one read,
 * whole ("data", "hex") or holding the text ("contains"). */
static void
expect_datagrams (PfEngine     *self,
                  const PfStep *step,
                  PfSock       *sock)
{
  for (guint i = 0; i < MAX (step->repeat, 1); i++)
    {
      g_autoptr(GBytes) datagram = g_queue_pop_head (&sock->datagrams);
      gsize consumed = 0;
      g_autofree char *what = NULL;

      if (datagram != NULL && inbox_matches (datagram, step, &consumed) &&
          consumed == g_bytes_get_size (datagram))
        continue;

      what = step->repeat > 1
        ? g_strdup_printf ("datagram %u of %u to be ", i + 1, step->repeat)
        : g_strdup ("the datagram ");
      expect_fail (self, step, sock, what, datagram, NULL);
      return;
    }
}

/* Checked when the network is quiet: everything that will arrive has. */
void
pf_engine_action_expect_check (PfEngine     *self,
                               const PfStep *step)
{
  PfConn *conn = g_hash_table_lookup (self->conns, step->connection);
  PfSock *sock = conn ? conn_side (conn, step->side) : NULL;
  PfSock *peer = conn ? conn_side (conn, step->side == PF_SIDE_CLIENT
                                         ? PF_SIDE_SERVER : PF_SIDE_CLIENT) : NULL;
  g_autoptr(GBytes) inbox = NULL;
  g_autofree char *waiting = NULL;
  gsize consumed = 0;

  if (sock != NULL && sock->role == PF_SOCK_UDP_CLIENT)
    {
      expect_datagrams (self, step, sock);
      return;
    }

  inbox = sock != NULL ? pf_byte_queue_flatten (&sock->inbox) : g_bytes_new (NULL, 0);
  if (sock != NULL && inbox_matches (inbox, step, &consumed))
    {
      pf_byte_queue_pop (&sock->inbox, consumed);
      return;
    }

  if (peer != NULL && peer->session != NULL)
    waiting = pf_service_session_describe_wait (peer->session, peer->service->name);
  expect_fail (self, step, sock, "", inbox, waiting);
}

static void
action_close (PfEngine     *self,
              const PfStep *step)
{
  PfConn *conn = g_hash_table_lookup (self->conns, step->connection);
  PfSock *sock = conn ? conn_side (conn, step->side) : NULL;

  if (sock == NULL || sock->socket == NULL)
    return;

  if (step->reset)
    {
      pf_engine_sock_reset (sock);
      return;
    }

  /* shutdown (SHUT_WR): the FIN goes out, and this side still reads
   * until its plain "close", which lets the descriptor go (at the end of
   * the step, in pf_engine_release_closed ()). */
  if (step->half_close)
    sock->half_closed = TRUE;
  else if (sock->half_closed)
    sock->half_closed = FALSE;
  pf_engine_sock_close_when_sent (sock);
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

  sock = pf_engine_sock_new (self, socket, PF_SOCK_UDP_CLIENT, step->from);
  sock_watch_with (sock, on_udp_ready);
  udp_record_bound (sock);

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

  self->wire_due = TRUE;
  if (g_socket_send_to (sock->socket, address, (const char *) data, len, NULL, &error) < 0)
    {
      pf_engine_record_error (self, sock->host, &sock->tuple, PF_EVENT_ERROR_CODE_ESEND,
                              error->message);
      return;
    }

  pf_engine_sock_read_names (sock);
  pf_engine_model_udp (self, sock, &dst, data, len);
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

  if (!pf_engine_start_service (self, step->service, &error))
    {
      engine_socket_failed (self, step->host, error);
    }
}

static gboolean
on_wait_done (gpointer user_data)
{
  PfEngine *self = user_data;

  self->wait_id = 0;
  self->action_done = TRUE;
  pf_engine_check (self);
  return G_SOURCE_REMOVE;
}

/* Does what @step says. The step ends in pf_engine_check (), once its
 * action is done (a wait's when its time is up) and the network is quiet. */
void
pf_engine_run_action (PfEngine     *self,
                      const PfStep *step)
{
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
}
