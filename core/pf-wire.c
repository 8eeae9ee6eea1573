/* pf-wire.c: Packet Flow is the wire between the hosts
 *
 * In exact mode every host has a network namespace of its own, and each
 * of its interfaces is one end of a veth pair whose other end stays in
 * the helper's namespace (core/pf-netspace-namespace.c). The engine gets
 * an AF_PACKET socket on each of those other ends: a port of the wire.
 * PfWire carries every frame between them, as the links of a real
 * network would:
 *
 *   - a learning switch per link: a frame goes to the port that owns its
 *     destination MAC, once that MAC has been seen as a source on the
 *     link; a broadcast, a multicast or an unknown destination goes to
 *     every other port of the link;
 *   - the link's latency, applied for real: the frame is held that long
 *     before it is sent on, so a segment on screen has left one kernel
 *     and not yet reached the other (and TCP's states last long enough
 *     to be read);
 *   - every frame counted in and out: a frame the wire could not deliver
 *     is a loss, and the run says so.
 *
 * Frames are read in batches with recvmmsg () and a batch delivered at
 * once to one port goes out with one sendmmsg (). The "delivered" signal
 * says, after the frame was sent on, what travelled: the engine records
 * it and reads the kernel's socket states then.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define _GNU_SOURCE
#define G_LOG_DOMAIN "pf-wire"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib-unix.h>

#include "pf-netspace.h"
#include "pf-wire.h"

#define BATCH 64

typedef struct
{
  PfWire  *wire;
  guint    index;
  guint    link;
  GSocket *socket;
  int      fd;
} WirePort;

typedef struct
{
  PfWireFrame frame;
  gint64      due;          /* g_get_monotonic_time () */
} HeldFrame;

typedef struct
{
  PfWire     *wire;
  guint       index;
  guint       latency_us;
  GArray     *ports;        /* guint */
  GHashTable *macs;         /* MAC as a 48-bit integer → port index + 1 */
  GQueue      held;         /* HeldFrame*, due in order: one latency per link */
  GSource    *timer;
} WireLink;

struct _PfWire
{
  GObject    parent_instance;

  GPtrArray *links;         /* WireLink* */
  GPtrArray *ports;         /* WirePort* */
  gboolean   started;
  guint      n_in_flight;
  guint64    frames_in;
  guint64    frames_out;
  guint64    frames_lost;
  GString   *loss;          /* what was lost, for the run's error; NULL: none */
  int        epoll_fd;      /* every port, so one poll finds those with frames */
  GSource   *ready_source;  /* on epoll_fd */

  guint8    *buffers;       /* BATCH frames of PF_WIRE_MAX_FRAME */
};

enum
{
  SIGNAL_DELIVERED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (PfWire, pf_wire, G_TYPE_OBJECT)

static void
frame_clear (PfWireFrame *frame)
{
  g_clear_pointer (&frame->bytes, g_bytes_unref);
  if (frame->to_ports != frame->to_inline)
    g_free (frame->to_ports);
  frame->to_ports = NULL;
}

static guint *
frame_alloc_ports (PfWireFrame *frame,
                   guint        n)
{
  if (n <= PF_WIRE_INLINE_PORTS)
    return frame->to_inline;
  return g_new (guint, n);
}

static void
held_frame_free (HeldFrame *held)
{
  frame_clear (&held->frame);
  g_free (held);
}

static void
wire_port_free (WirePort *port)
{
  g_clear_object (&port->socket);
  g_free (port);
}

static void
wire_link_free (WireLink *link)
{
  if (link->timer != NULL)
    g_source_destroy (link->timer);
  g_clear_pointer (&link->timer, g_source_unref);
  g_queue_clear_full (&link->held, (GDestroyNotify) held_frame_free);
  g_array_unref (link->ports);
  g_hash_table_unref (link->macs);
  g_free (link);
}

static void
pf_wire_finalize (GObject *object)
{
  PfWire *self = PF_WIRE (object);

  pf_wire_stop (self);
  g_ptr_array_unref (self->ports);
  g_ptr_array_unref (self->links);
  if (self->loss != NULL)
    g_string_free (self->loss, TRUE);
  g_free (self->buffers);

  G_OBJECT_CLASS (pf_wire_parent_class)->finalize (object);
}

static void
pf_wire_class_init (PfWireClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pf_wire_finalize;

  /**
   * PfWire::delivered:
   * @wire: the wire
   * @frame: (type gpointer): the PfWireFrame, valid during the emission
   *
   * A frame was sent on to every port the switch chose, after its
   * link's latency.
   */
  signals[SIGNAL_DELIVERED] =
    g_signal_new ("delivered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
pf_wire_init (PfWire *self)
{
  self->links = g_ptr_array_new_with_free_func ((GDestroyNotify) wire_link_free);
  self->ports = g_ptr_array_new_with_free_func ((GDestroyNotify) wire_port_free);
  self->buffers = g_malloc ((gsize) BATCH * PF_WIRE_MAX_FRAME);
  self->epoll_fd = -1;
}

PfWire *
pf_wire_new (void)
{
  return g_object_new (PF_TYPE_WIRE, NULL);
}

/* Returns the link's number, counting from 0. */
guint
pf_wire_add_link (PfWire *self,
                  guint   latency_us)
{
  WireLink *link;

  g_return_val_if_fail (PF_IS_WIRE (self), 0);
  g_return_val_if_fail (!self->started, 0);

  link = g_new0 (WireLink, 1);
  link->wire = self;
  link->index = self->links->len;
  link->latency_us = latency_us;
  link->ports = g_array_new (FALSE, FALSE, sizeof (guint));
  link->macs = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_queue_init (&link->held);
  g_ptr_array_add (self->links, link);
  return link->index;
}

/* Puts @socket (an AF_PACKET socket on a veth pair's wire end, or for
 * tests any datagram socket that carries one frame per message) on
 * @link. Returns the port's number, counting from 0. */
guint
pf_wire_add_port (PfWire  *self,
                  guint    link,
                  GSocket *socket)
{
  WirePort *port;
  WireLink *l;

  g_return_val_if_fail (PF_IS_WIRE (self), 0);
  g_return_val_if_fail (link < self->links->len, 0);
  g_return_val_if_fail (G_IS_SOCKET (socket), 0);
  g_return_val_if_fail (!self->started, 0);

  port = g_new0 (WirePort, 1);
  port->wire = self;
  port->index = self->ports->len;
  port->link = link;
  port->socket = g_object_ref (socket);
  port->fd = g_socket_get_fd (socket);
  g_ptr_array_add (self->ports, port);

  l = g_ptr_array_index (self->links, link);
  g_array_append_val (l->ports, port->index);
  return port->index;
}

static void
wire_lose (PfWire     *self,
           guint       n_frames,
           const char *format,
           ...) G_GNUC_PRINTF (3, 4);

static void
wire_lose (PfWire     *self,
           guint       n_frames,
           const char *format,
           ...)
{
  va_list args;

  self->frames_lost += n_frames;
  if (self->loss == NULL)
    self->loss = g_string_new (NULL);
  else
    g_string_append_c (self->loss, ' ');

  va_start (args, format);
  g_string_append_vprintf (self->loss, format, args);
  va_end (args);
}

static guint64
mac_key (const guint8 *mac)
{
  return ((guint64) mac[0] << 40) | ((guint64) mac[1] << 32) | ((guint64) mac[2] << 24) |
         ((guint64) mac[3] << 16) | ((guint64) mac[4] << 8) | (guint64) mac[5];
}

/* The switch: learns the source, chooses the ports. */
static void
link_switch (WireLink    *link,
             PfWireFrame *frame,
             const guint8 *data)
{
  const guint8 *dst = data;
  const guint8 *src = data + 6;
  guint64 src_key = mac_key (src);
  guint owner;

  /* A group address is never a source; a MAC that moved is learned anew. */
  if ((src[0] & 1) == 0 &&
      GPOINTER_TO_UINT (g_hash_table_lookup (link->macs, &src_key)) != frame->from_port + 1)
    {
      guint64 *key = g_new (guint64, 1);

      *key = src_key;
      g_hash_table_replace (link->macs, key, GUINT_TO_POINTER (frame->from_port + 1));
    }

  if ((dst[0] & 1) == 0)
    {
      guint64 dst_key = mac_key (dst);

      owner = GPOINTER_TO_UINT (g_hash_table_lookup (link->macs, &dst_key));
      if (owner != 0)
        {
          /* A frame to the port it came from goes nowhere, as on a switch. */
          frame->n_to = owner - 1 != frame->from_port ? 1 : 0;
          frame->to_ports = frame_alloc_ports (frame, 1);
          frame->to_ports[0] = owner - 1;
          return;
        }
    }

  frame->to_ports = frame_alloc_ports (frame, MAX (link->ports->len, 1));
  for (guint i = 0; i < link->ports->len; i++)
    {
      guint p = g_array_index (link->ports, guint, i);

      if (p != frame->from_port)
        frame->to_ports[frame->n_to++] = p;
    }
}

/* Sends @n_frames frames on their ports, one sendmmsg () per port,
 * then says each was delivered. */
static void
wire_deliver (PfWire       *self,
              PfWireFrame **frames,
              guint         n_frames)
{
  struct mmsghdr msgs[BATCH];
  struct iovec iovs[BATCH];
  gint64 now = g_get_real_time ();

  g_assert (n_frames <= BATCH);

  for (guint p = 0; p < self->ports->len; p++)
    {
      WirePort *port = g_ptr_array_index (self->ports, p);
      guint n = 0;
      guint sent = 0;

      for (guint f = 0; f < n_frames; f++)
        {
          gsize len;

          for (guint t = 0; t < frames[f]->n_to; t++)
            if (frames[f]->to_ports[t] == p)
              {
                iovs[n].iov_base = (void *) g_bytes_get_data (frames[f]->bytes, &len);
                iovs[n].iov_len = len;
                memset (&msgs[n], 0, sizeof msgs[n]);
                msgs[n].msg_hdr.msg_iov = &iovs[n];
                msgs[n].msg_hdr.msg_iovlen = 1;
                n++;
                break;
              }
        }

      while (sent < n)
        {
          int r = sendmmsg (port->fd, msgs + sent, n - sent, MSG_DONTWAIT);

          if (r < 0 && errno == EINTR)
            continue;
          if (r <= 0)
            {
              int errsv = errno;

              wire_lose (self, n - sent,
                         "%u frame%s could not be delivered to port %u: %s.",
                         n - sent, n - sent == 1 ? "" : "s", p,
                         r < 0 ? g_strerror (errsv) : "nothing was sent");
              break;
            }
          sent += (guint) r;
        }
      self->frames_out += sent;
    }

  if (!g_signal_has_handler_pending (self, signals[SIGNAL_DELIVERED], 0, FALSE))
    return;
  for (guint f = 0; f < n_frames; f++)
    {
      frames[f]->delivered_us = now;
      g_signal_emit (self, signals[SIGNAL_DELIVERED], 0, frames[f]);
    }
}

static void
link_arm (WireLink *link)
{
  HeldFrame *head = g_queue_peek_head (&link->held);

  g_source_set_ready_time (link->timer, head != NULL ? head->due : -1);
}

static gboolean
on_link_due (gpointer user_data)
{
  WireLink *link = user_data;
  PfWire *self = link->wire;
  gint64 now = g_get_monotonic_time ();

  g_object_ref (self);
  while (!g_queue_is_empty (&link->held) && self->started)
    {
      HeldFrame *batch[BATCH];
      PfWireFrame *frames[BATCH];
      guint n = 0;

      while (n < BATCH && !g_queue_is_empty (&link->held) &&
             ((HeldFrame *) g_queue_peek_head (&link->held))->due <= now)
        {
          batch[n] = g_queue_pop_head (&link->held);
          frames[n] = &batch[n]->frame;
          n++;
        }
      if (n == 0)
        break;

      self->n_in_flight -= n;
      wire_deliver (self, frames, n);
      for (guint i = 0; i < n; i++)
        held_frame_free (batch[i]);
    }
  if (self->started)
    link_arm (link);
  g_object_unref (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
timer_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  g_source_set_ready_time (source, -1);
  return callback (user_data);
}

static GSourceFuncs timer_funcs = { .dispatch = timer_dispatch };

/* Reads what waits on @port, one batch at a time, until it is empty.
 * Frames of a link without latency are delivered batch by batch at
 * once; the others are held. */
static void
port_drain (WirePort *port)
{
  PfWire *self = port->wire;
  WireLink *link = g_ptr_array_index (self->links, port->link);

  for (;;)
    {
      struct mmsghdr msgs[BATCH];
      struct iovec iovs[BATCH];
      PfWireFrame now_frames[BATCH];
      PfWireFrame *deliver[BATCH];
      guint n_deliver = 0;
      gint64 real_now, monotonic_now;
      gboolean listened;
      int r;

      for (guint i = 0; i < BATCH; i++)
        {
          iovs[i].iov_base = self->buffers + (gsize) i * PF_WIRE_MAX_FRAME;
          iovs[i].iov_len = PF_WIRE_MAX_FRAME;
          memset (&msgs[i], 0, sizeof msgs[i]);
          msgs[i].msg_hdr.msg_iov = &iovs[i];
          msgs[i].msg_hdr.msg_iovlen = 1;
        }

      r = recvmmsg (port->fd, msgs, BATCH, MSG_DONTWAIT | MSG_TRUNC, NULL);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          int errsv = errno;

          if (errsv != EAGAIN && errsv != EWOULDBLOCK)
            wire_lose (self, 0, "Port %u could not be read: %s.", port->index, g_strerror (errsv));
          return;
        }
      if (r == 0)
        return;

      real_now = g_get_real_time ();
      monotonic_now = g_get_monotonic_time ();
      listened = g_signal_has_handler_pending (self, signals[SIGNAL_DELIVERED], 0, FALSE);
      for (int i = 0; i < r; i++)
        {
          guint len = msgs[i].msg_len;
          const guint8 *data = iovs[i].iov_base;
          PfWireFrame *frame;

          self->frames_in++;
          if (len > PF_WIRE_MAX_FRAME || (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0)
            {
              wire_lose (self, 1, "A frame of %u bytes from port %u was larger than any "
                         "frame the links carry (%u bytes).", len, port->index,
                         PF_WIRE_MAX_FRAME);
              continue;
            }
          if (len < 14)
            {
              wire_lose (self, 1, "A frame of %u bytes from port %u was shorter than its "
                         "Ethernet header.", len, port->index);
              continue;
            }

          if (link->latency_us == 0)
            frame = &now_frames[n_deliver];
          else
            frame = &((HeldFrame *) g_new0 (HeldFrame, 1))->frame;

          memset (frame, 0, sizeof *frame);
          /* Delivered before the buffer is read into again, and kept by
           * no one: no copy. */
          if (link->latency_us == 0 && !listened)
            frame->bytes = g_bytes_new_static (data, len);
          else
            frame->bytes = g_bytes_new (data, len);
          frame->link = port->link;
          frame->from_port = port->index;
          frame->left_us = real_now;
          link_switch (link, frame, data);

          if (link->latency_us == 0)
            deliver[n_deliver++] = frame;
          else
            {
              HeldFrame *held = (HeldFrame *) frame;

              held->due = monotonic_now + link->latency_us;
              g_queue_push_tail (&link->held, held);
              self->n_in_flight++;
            }
        }

      if (n_deliver > 0)
        {
          wire_deliver (self, deliver, n_deliver);
          for (guint i = 0; i < n_deliver; i++)
            frame_clear (&now_frames[i]);
        }
      else if (link->timer != NULL)
        link_arm (link);

      if (r < BATCH)
        return;
    }
}

/* The kernel's count of frames a port's socket had no room for. */
static void
wire_check_drops (PfWire *self)
{
  for (guint p = 0; p < self->ports->len; p++)
    {
      WirePort *port = g_ptr_array_index (self->ports, p);
      guint drops = pf_netspace_port_take_drops (port->socket);

      if (drops > 0)
        wire_lose (self, drops,
                   "%u frame%s from port %u arrived faster than the wire read them and "
                   "the kernel dropped %s.", drops, drops == 1 ? "" : "s",
                   p, drops == 1 ? "it" : "them");
    }
}

/* Reads every port that has frames waiting, and only those: a network
 * of a thousand hosts has two thousand ports, and asking each in turn
 * would cost every look at the wire that many calls. */
static void
wire_drain_ready (PfWire *self)
{
  struct epoll_event events[BATCH];
  int n;

  do
    {
      n = epoll_wait (self->epoll_fd, events, BATCH, 0);
      if (n < 0 && errno == EINTR)
        continue;
      for (int i = 0; i < n && self->started; i++)
        port_drain (g_ptr_array_index (self->ports, events[i].data.u32));
    }
  while (n == BATCH && self->started);
}

static gboolean
on_ports_ready (int          fd,
                GIOCondition condition,
                gpointer     user_data)
{
  PfWire *self = g_object_ref (user_data);

  wire_drain_ready (self);
  g_object_unref (self);
  return G_SOURCE_CONTINUE;
}

/* Starts carrying frames, on the thread-default main context. */
void
pf_wire_start (PfWire *self)
{
  GMainContext *context;

  g_return_if_fail (PF_IS_WIRE (self));
  g_return_if_fail (!self->started);

  context = g_main_context_get_thread_default ();
  self->started = TRUE;

  for (guint i = 0; i < self->links->len; i++)
    {
      WireLink *link = g_ptr_array_index (self->links, i);

      if (link->latency_us == 0)
        continue;
      link->timer = g_source_new (&timer_funcs, sizeof (GSource));
      g_source_set_name (link->timer, "[packetflow] wire link");
      g_source_set_priority (link->timer, G_PRIORITY_HIGH);
      g_source_set_callback (link->timer, on_link_due, link, NULL);
      g_source_attach (link->timer, context);
    }

  self->epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  if (self->epoll_fd < 0)
    g_error ("pf-wire: epoll_create1: %s", g_strerror (errno));
  for (guint i = 0; i < self->ports->len; i++)
    {
      WirePort *port = g_ptr_array_index (self->ports, i);
      struct epoll_event event = { .events = EPOLLIN, .data.u32 = i };

      if (epoll_ctl (self->epoll_fd, EPOLL_CTL_ADD, port->fd, &event) != 0)
        g_error ("pf-wire: epoll_ctl: %s", g_strerror (errno));
    }
  self->ready_source = g_unix_fd_source_new (self->epoll_fd, G_IO_IN);
  g_source_set_name (self->ready_source, "[packetflow] wire ports");
  g_source_set_priority (self->ready_source, G_PRIORITY_HIGH);
  g_source_set_callback (self->ready_source, (GSourceFunc) (void (*) (void)) on_ports_ready,
                         self, NULL);
  g_source_attach (self->ready_source, context);
}

/* Stops carrying frames. What was still in flight goes nowhere: the run
 * is over. */
void
pf_wire_stop (PfWire *self)
{
  g_return_if_fail (PF_IS_WIRE (self));

  self->started = FALSE;
  if (self->ready_source != NULL)
    g_source_destroy (self->ready_source);
  g_clear_pointer (&self->ready_source, g_source_unref);
  if (self->epoll_fd >= 0)
    close (self->epoll_fd);
  self->epoll_fd = -1;
  for (guint i = 0; i < self->links->len; i++)
    {
      WireLink *link = g_ptr_array_index (self->links, i);

      if (link->timer != NULL)
        g_source_destroy (link->timer);
      g_clear_pointer (&link->timer, g_source_unref);
      g_queue_clear_full (&link->held, (GDestroyNotify) held_frame_free);
    }
  self->n_in_flight = 0;
}

/* Reads every frame waiting on every port now, as their sources would
 * on the next turn of the main loop: the engine calls it before it
 * decides that the network is quiet. */
void
pf_wire_poll (PfWire *self)
{
  g_return_if_fail (PF_IS_WIRE (self));

  if (!self->started)
    return;

  g_object_ref (self);
  wire_drain_ready (self);
  g_object_unref (self);
}

/* Frames read and not yet delivered: held for their link's latency. */
guint
pf_wire_get_n_in_flight (PfWire *self)
{
  g_return_val_if_fail (PF_IS_WIRE (self), 0);

  return self->n_in_flight;
}

guint64
pf_wire_get_frames_in (PfWire *self)
{
  g_return_val_if_fail (PF_IS_WIRE (self), 0);

  return self->frames_in;
}

/* Frames sent on; a broadcast counts once per port it reached. */
guint64
pf_wire_get_frames_out (PfWire *self)
{
  g_return_val_if_fail (PF_IS_WIRE (self), 0);

  return self->frames_out;
}

guint64
pf_wire_get_frames_lost (PfWire *self)
{
  g_return_val_if_fail (PF_IS_WIRE (self), 0);

  wire_check_drops (self);
  return self->frames_lost;
}

/* What was lost since the last call, in words, or NULL when nothing
 * was: the engine makes it the step's error. */
char *
pf_wire_take_loss_message (PfWire *self)
{
  g_return_val_if_fail (PF_IS_WIRE (self), NULL);

  wire_check_drops (self);
  if (self->loss == NULL)
    return NULL;
  return g_string_free (g_steal_pointer (&self->loss), FALSE);
}
