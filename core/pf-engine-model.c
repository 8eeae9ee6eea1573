/* pf-engine-model.c: the segments of a run in loopback mode
 *
 * With no wire to carry them (pf-engine-wire.c), PfTcpModel makes them
 * from what the sockets did, checked against each socket's
 * tcpi_segs_out, and every one is marked modelled.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-engine"

#include "config.h"

#include <linux/tcp.h>

#include "pf-engine-private.h"
#include "pf-route.h"

/* The model, loopback mode only */

static guint
sock_mss (PfSock *sock)
{
  struct tcp_info info;

  /* Fixed once the handshake is done; asked for at each write before. */
  if (sock->mss > 0)
    return sock->mss;

  pf_engine_sock_query_tcp_info (sock, &info);
  if (info.tcpi_snd_mss == 0)
    return 536;
  if (info.tcpi_state == PF_TCP_STATE_ESTABLISHED)
    sock->mss = info.tcpi_snd_mss;
  return info.tcpi_snd_mss;
}

/* Gives the packets the model just made the time of the socket event
 * that made them, so they sort among the step's other events. */
void
pf_engine_stamp_modelled_at (PfEngine *self,
                             gint64    time_us)
{
  for (guint i = self->n_stamped; i < self->modelled->len; i++)
    ((PfPacket *) g_ptr_array_index (self->modelled, i))->time_us = time_us;
  self->n_stamped = self->modelled->len;
}

void
pf_engine_stamp_modelled (PfEngine *self)
{
  pf_engine_stamp_modelled_at (self, pf_engine_now (self));
}

gboolean
pf_engine_models (PfEngine *self)
{
  return self->wire == NULL;
}

/* The segments that carry the first @len bytes of @sock's outbox, just
 * sent. Their payload is what the program wrote, kept (the scenario's
 * data, a service's answer, an echo of what was read); only a write that
 * took several pieces at once is copied, into the arena. */
void
pf_engine_model_data (PfEngine *self,
                      PfSock   *sock,
                      gsize     len)
{
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (!pf_engine_models (self) || sock->conn == NULL || sock->conn->model == NULL || len == 0)
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
                     sock->role == PF_SOCK_CLIENT ? PF_TCP_MODEL_CLIENT : PF_TCP_MODEL_SERVER,
                     bytes, MIN (sock_mss (sock), PF_PACKET_MAX_TCP_PAYLOAD),
                     self->modelled);
  pf_engine_stamp_modelled (self);
}

void
pf_engine_model_udp (PfEngine         *self,
                     PfSock           *sock,
                     const PfEndpoint *to,
                     const guint8     *data,
                     gsize             len)
{
  if (!pf_engine_models (self))
    return;

  g_ptr_array_add (self->modelled,
                   pf_packet_new_udp (sock->tuple.src.address, sock->tuple.src.port,
                                      to->address, to->port, data, len));
  pf_engine_stamp_modelled (self);
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

/* A modelled packet of a scenario with links crosses them as exact mode's
 * would (core/pf-route.c): one frame event per link, the TTL one less
 * past each router. All of it modelled, as the packet is, and marked
 * so; on lo nothing takes time, so no latency is made up either: every
 * hop leaves and arrives when the packet was sent. */
static void
record_modelled (PfEngine *self,
                 PfPacket *packet)
{
  const PfInterface *from = NULL;
  g_autoptr(GArray) hops = NULL;

  if (pf_scenario_has_links (self->scenario))
    from = pf_scenario_find_interface (self->scenario,
                                       pf_netspace_unmap_address (self->netspace, packet->src));
  if (from != NULL)
    hops = pf_route_find (self->scenario, from->host,
                          pf_netspace_unmap_address (self->netspace, packet->dst));

  if (hops == NULL || hops->len == 0)
    {
      pf_engine_record (self, pf_event_new_segment (packet->time_us, self->step, packet));
      return;
    }

  for (guint i = 0; i < hops->len; i++)
    {
      const PfHop *hop = &g_array_index (hops, PfHop, i);
      const char *to[] = { hop->to->host->id, NULL };
      g_autoptr(PfPacket) copy = pf_packet_copy (packet);

      copy->ttl = (guint8) MAX ((int) packet->ttl - (int) i, 0);
      pf_engine_record (self, pf_event_new_frame (packet->time_us, self->step, copy,
                                                  hop->link->id, hop->from->host->id, to,
                                                  packet->time_us));
    }
}

/* Matches each socket's pure ACKs to the kernel's segment count, then
 * records the step's modelled packets. */
void
pf_engine_reconcile_model (PfEngine *self)
{
  for (guint i = 0; i < self->open->len; i++)
    {
      PfSock *sock = g_ptr_array_index (self->open, i);
      struct tcp_info info;
      PfTcpModelEnd end;
      guint modelled = 0;
      guint real;

      if (sock->conn == NULL || sock->conn->model == NULL || sock->socket == NULL ||
          (sock->role != PF_SOCK_CLIENT && sock->role != PF_SOCK_SERVER))
        continue;

      end = sock->role == PF_SOCK_CLIENT ? PF_TCP_MODEL_CLIENT : PF_TCP_MODEL_SERVER;
      if (pf_engine_sock_query_tcp_info (sock, &info) == PF_TCP_STATE_NONE)
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
      pf_engine_stamp_modelled (self);
    }

  for (guint j = 0; j < self->modelled->len; j++)
    record_modelled (self, g_ptr_array_index (self->modelled, j));

  g_ptr_array_set_size (self->modelled, 0);
  self->n_stamped = 0;
}
