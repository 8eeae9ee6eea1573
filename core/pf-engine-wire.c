/* pf-engine-wire.c: exact mode, where Packet Flow is the wire
 *
 * Every host has a network namespace of its own (core/pf-netspace-
 * namespace.c) and the engine holds a port of the wire on each of their
 * interfaces. PfWire (core/pf-wire.c) carries every frame; here each
 * delivered frame becomes a SEGMENT event that says the link, the
 * sender, the receivers, when it left and when it arrived; and, since a
 * delivery is what moves a TCP state, the states of the receivers'
 * sockets are read from their kernels right then: TCP_INFO for the
 * sockets the engine holds, the host's socket table (sock_diag) for what
 * no descriptor shows, the listener's request sockets in SYN_RECV and
 * the connections left in TIME_WAIT.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-engine"

#include "config.h"

#include "pf-engine-private.h"
#include "pf-sock-diag.h"

static guint
scenario_host_index (PfEngine     *self,
                     const PfHost *host)
{
  gpointer index;

  if (!g_hash_table_lookup_extended (self->host_index, host, NULL, &index))
    g_return_val_if_reached (0);
  return GPOINTER_TO_UINT (index);
}

/* The socket table of @host's kernel: its own in exact mode, the one
 * namespace's in loopback mode. NULL when it could not be opened. */
GSocket *
pf_engine_diag_for (PfEngine     *self,
                    const PfHost *host)
{
  if (self->diags == NULL || self->diags->len == 0)
    return NULL;
  if (self->diags->len == 1 || host == NULL)
    return g_ptr_array_index (self->diags, 0);
  return g_ptr_array_index (self->diags, scenario_host_index (self, host));
}

static void
diag_close (gpointer data)
{
  if (data == NULL)
    return;
  g_socket_close (data, NULL);
  g_object_unref (data);
}

void
pf_engine_open_diags (PfEngine *self)
{
  guint n = self->wire != NULL ? self->scenario->hosts->len : 1;

  self->diags = g_ptr_array_new_with_free_func (diag_close);
  self->host_index = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < self->scenario->hosts->len; i++)
    g_hash_table_insert (self->host_index, g_ptr_array_index (self->scenario->hosts, i),
                         GUINT_TO_POINTER (i));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      GSocket *diag = pf_netspace_open_diag (self->netspace, i, &error);

      if (diag == NULL)
        g_debug ("no socket table for host %u, its states come from TCP_INFO: %s",
                 i, error->message);
      g_ptr_array_add (self->diags, diag);
    }
}

/* A SYN reached @host: if a listener there answered it, the kernel keeps
 * a request socket in SYN_RECV until the handshake's last ACK, and no
 * descriptor shows it. */
static void
note_syn_recv (PfEngine       *self,
               const PfPacket *packet,
               const PfHost   *host)
{
  g_autoptr(GError) error = NULL;
  PfFourTuple sent, tuple;
  GSocket *diag;
  guint8 state;

  if (packet->protocol != PF_IP_PROTOCOL_TCP ||
      (packet->flags & (PF_TCP_SYN | PF_TCP_ACK)) != PF_TCP_SYN)
    return;

  sent = pf_packet_get_four_tuple (packet);
  tuple = pf_four_tuple_reversed (&sent);
  if (g_hash_table_contains (self->syn_recv, &tuple))
    return;

  diag = pf_engine_diag_for (self, host);
  if (diag == NULL)
    return;
  if (!pf_sock_diag_lookup_tcp (diag, &tuple, &state, &error))
    {
      g_debug ("socket table not read: %s", error->message);
      return;
    }
  if (state != PF_TCP_STATE_SYN_RECV)
    return;

  g_hash_table_add (self->syn_recv, g_memdup2 (&tuple, sizeof tuple));
  pf_engine_record (self, pf_event_new_state (pf_engine_now (self), self->step, host->id, "tcp",
                                              &tuple, PF_TCP_STATE_NONE,
                                              PF_TCP_STATE_SYN_RECV));
}

/* An accepted connection that was seen in SYN_RECV: its socket starts
 * from there. */
gboolean
pf_engine_take_syn_recv (PfEngine          *self,
                         const PfFourTuple *tuple)
{
  if (self->syn_recv == NULL)
    return FALSE;
  return g_hash_table_remove (self->syn_recv, tuple);
}

/* A delivery may have moved any state of the receiving host's sockets,
 * even one no program of it has looked at yet (a FIN arrived: CLOSE_WAIT). */
static void
mark_host_stale (PfEngine     *self,
                 const PfHost *host)
{
  /* The sockets whose state can still move: those held open, and those
   * let go and not yet settled (each list short, however long the run). */
  GPtrArray *lists[] = { self->open, self->settling };

  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        PfSock *sock = g_ptr_array_index (lists[l], i);

        if (sock->host == host)
          sock->stale = TRUE;
      }
}

static void
on_wire_delivered (PfWire      *wire,
                   PfWireFrame *frame,
                   PfEngine    *self)
{
  const PfInterface *from = g_ptr_array_index (self->scenario->interfaces, frame->from_port);
  g_autoptr(GPtrArray) to_ids = g_ptr_array_new ();
  g_autoptr(PfPacket) packet = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < frame->n_to; i++)
    {
      const PfInterface *to = g_ptr_array_index (self->scenario->interfaces, frame->to_ports[i]);

      g_ptr_array_add (to_ids, to->host->id);
    }
  g_ptr_array_add (to_ids, NULL);

  packet = pf_packet_decode_ethernet_bytes (frame->bytes, &error);
  if (packet == NULL)
    {
      /* Carried all the same: only its record is missing, and says so. */
      g_debug ("a frame from %s not decoded: %s", from->host->id, error->message);
    }
  else
    {
      packet->time_us = frame->left_us - self->start_time;
      pf_engine_record (self, pf_event_new_frame (packet->time_us, self->step, packet,
                                                  from->link->id, from->host->id,
                                                  (const char * const *) to_ids->pdata,
                                                  frame->delivered_us - self->start_time));
    }

  self->delivering = TRUE;
  for (guint i = 0; i < frame->n_to; i++)
    {
      const PfInterface *to = g_ptr_array_index (self->scenario->interfaces, frame->to_ports[i]);

      mark_host_stale (self, to->host);
      if (packet != NULL)
        note_syn_recv (self, packet, to->host);
    }
  pf_engine_poll_states (self);
  self->delivering = FALSE;

  /* Between steps, what the kernel still sends (a delayed ACK) belongs
   * to the step that ended and is appended at once. */
  if (self->task == NULL)
    pf_engine_flush_pending (self);
}

/* Exact mode: a port of the wire on every interface of every host. In
 * loopback mode there is no wire (the netspace has no ports) and the
 * engine models the segments. */
gboolean
pf_engine_open_wire (PfEngine  *self,
                     GError   **error)
{
  guint n_ports = pf_netspace_get_n_ports (self->netspace);
  GPtrArray *links = self->scenario->links;

  if (n_ports == 0)
    return TRUE;

  if (n_ports != self->scenario->interfaces->len)
    {
      g_set_error (error, PF_ENGINE_ERROR, PF_ENGINE_ERROR_LOST,
                   "The private network has %u interfaces where the scenario has %u.",
                   n_ports, self->scenario->interfaces->len);
      return FALSE;
    }

  self->wire = pf_wire_new ();
  for (guint i = 0; i < links->len; i++)
    pf_wire_add_link (self->wire, ((PfLink *) g_ptr_array_index (links, i))->latency_us);

  for (guint i = 0; i < n_ports; i++)
    {
      const PfInterface *iface = g_ptr_array_index (self->scenario->interfaces, i);
      g_autoptr(GSocket) port = NULL;
      guint link = 0;

      port = pf_netspace_open_port (self->netspace, i, error);
      if (port == NULL)
        return FALSE;
      if (!g_ptr_array_find (links, iface->link, &link))
        g_return_val_if_reached (FALSE);
      pf_wire_add_port (self->wire, link, port);
    }

  self->syn_recv = g_hash_table_new_full (pf_four_tuple_hash, pf_four_tuple_equal, g_free, NULL);
  g_signal_connect (self->wire, "delivered", G_CALLBACK (on_wire_delivered), self);
  pf_wire_start (self->wire);
  return TRUE;
}

void
pf_engine_close_wire (PfEngine *self)
{
  if (self->wire != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->wire, self);
      pf_wire_stop (self->wire);
    }
  g_clear_object (&self->wire);
  g_clear_pointer (&self->syn_recv, g_hash_table_unref);
  g_clear_pointer (&self->diags, g_ptr_array_unref);
  g_clear_pointer (&self->host_index, g_hash_table_unref);
}

/* Reads every frame waiting on the wire's ports: those of a link without
 * latency are delivered (and recorded) at once, the others held. */
void
pf_engine_drain_wire (PfEngine *self)
{
  if (self->wire == NULL || self->delivering)
    return;

  self->wire_due = FALSE;
  pf_wire_poll (self->wire);
}

/* The same, only when a socket call of ours since the last drain may
 * have sent something. What the kernel sends by itself (a delayed ACK,
 * a retransmission) wakes the port's source. */
void
pf_engine_drain_wire_due (PfEngine *self)
{
  if (self->wire_due)
    pf_engine_drain_wire (self);
}

/* Nothing on the wire: no frame held for its link's latency, none
 * waiting to be read, and no handshake the server's kernel completed
 * whose connection the service has not yet accepted. */
gboolean
pf_engine_wire_is_idle (PfEngine *self)
{
  if (self->wire == NULL)
    return TRUE;

  pf_engine_drain_wire (self);
  return pf_wire_get_n_in_flight (self->wire) == 0 && g_hash_table_size (self->syn_recv) == 0;
}

/* A frame the wire did not deliver is one the timeline does not show
 * and the receiver never got: the step's record is not whole, and the
 * run says so and fails. */
void
pf_engine_check_wire_losses (PfEngine *self)
{
  g_autofree char *loss = NULL;
  g_autofree char *message = NULL;

  if (self->wire == NULL)
    return;

  loss = pf_wire_take_loss_message (self->wire);
  if (loss == NULL)
    return;

  message = g_strdup_printf ("The wire lost frames it was not asked to drop: %s", loss);
  self->n_failures++;
  pf_engine_record_error (self, NULL, NULL, PF_EVENT_ERROR_CODE_CAPTURE, message);
}
