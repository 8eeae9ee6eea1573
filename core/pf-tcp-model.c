/* pf-tcp-model.c: the segments of one TCP connection, modelled
 *
 * In loopback mode there is no capture, so the segments are rebuilt from
 * what the sockets did, by TCP's rules as Linux applies them on lo:
 *
 *  - connect: SYN, SYN-ACK, ACK; a refusal: SYN, then RST-ACK.
 *  - a write of N bytes: ceil(N / MSS) segments, PSH on the last.
 *  - a receiver in quick-ack mode (the start of every connection on lo)
 *    acknowledges each data segment at once with a pure ACK; the engine
 *    removes or adds pure ACKs afterwards so each socket's count matches
 *    the kernel's own tcpi_segs_out counter.
 *  - close: FIN-ACK, answered by an ACK.
 *  - close with SO_LINGER {on, 0}: one RST-ACK, answered by nothing.
 *
 * Sequence numbers start at 0 on both sides (the real initial numbers are
 * random and not visible without a capture), so seq and ack are the
 * relative numbers Wireshark would show. The options (timestamps, SACK,
 * window scale, MSS) are the ones the kernel reports the two ends agreed
 * on; timestamp values are 0, as the real ones are not visible. Windows
 * are 64 KiB, what Linux advertises on lo with its default buffers.
 * Every packet made here is marked PF_PACKET_ORIGIN_MODELLED.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-tcp-model"

#include "config.h"

#include "pf-tcp-model.h"

/* What Linux 6.x advertises on lo: 65495 in a SYN (never scaled), then
 * 64 KiB through the window scale. lo's MTU is 65536: the MSS option is
 * that less 40 bytes of headers. */
#define SYN_WINDOW      65495
#define WINDOW_BYTES    65536
#define LO_MSS_OPTION   65495
#define DEFAULT_WSCALE  7

struct _PfTcpModel
{
  PfFourTuple       tuple;        /* client → server */
  guint32           snd_nxt[2];   /* next sequence number each end sends */
  PfTcpModelOptions options;
};

static guint16
window_field (PfTcpModel    *self,
              PfTcpModelEnd  from)
{
  guint8 scale = from == PF_TCP_MODEL_CLIENT ? self->options.client_wscale
                                             : self->options.server_wscale;

  return MIN (WINDOW_BYTES >> MIN (scale, 14), G_MAXUINT16);
}

static PfPacket *
segment (PfTcpModel    *self,
         PfTcpModelEnd  from,
         guint8         flags,
         guint16        window,
         GBytes        *data)
{
  PfTcpModelEnd to = from == PF_TCP_MODEL_CLIENT ? PF_TCP_MODEL_SERVER : PF_TCP_MODEL_CLIENT;
  const PfEndpoint *src = from == PF_TCP_MODEL_CLIENT ? &self->tuple.src : &self->tuple.dst;
  const PfEndpoint *dst = from == PF_TCP_MODEL_CLIENT ? &self->tuple.dst : &self->tuple.src;
  guint32 ack = (flags & PF_TCP_ACK) ? self->snd_nxt[to] : 0;
  static GBytes *empty;
  PfPacket *packet;

  if (g_once_init_enter (&empty))
    g_once_init_leave (&empty, g_bytes_new_static ("", 0));

  packet = pf_packet_new_tcp_bytes (src->address, src->port, dst->address, dst->port,
                                    self->snd_nxt[from], ack, flags, window,
                                    data != NULL ? data : empty);
  if (self->options.timestamps && !(flags & (PF_TCP_SYN | PF_TCP_RST)))
    pf_packet_set_timestamps (packet, 0, 0);

  self->snd_nxt[from] += data != NULL ? g_bytes_get_size (data) : 0;
  if (flags & (PF_TCP_SYN | PF_TCP_FIN))
    self->snd_nxt[from] += 1;

  return packet;
}

PfTcpModel *
pf_tcp_model_new (const PfFourTuple *client_to_server)
{
  PfTcpModel *self = g_new0 (PfTcpModel, 1);

  self->tuple = *client_to_server;
  self->options = (PfTcpModelOptions) {
    .timestamps = TRUE,
    .sack = TRUE,
    .client_wscale = DEFAULT_WSCALE,
    .server_wscale = DEFAULT_WSCALE,
    .client_mss = LO_MSS_OPTION - 12,
    .server_mss = LO_MSS_OPTION - 12,
  };
  return self;
}

void
pf_tcp_model_free (PfTcpModel *self)
{
  g_free (self);
}

static void
set_syn_options (PfTcpModel *self,
                 PfPacket   *packet,
                 guint16     payload_mss,
                 guint8      wscale)
{
  /* The MSS option counts no TCP options; the payload MSS does. */
  guint16 mss = payload_mss + (self->options.timestamps ? 12 : 0);

  pf_packet_set_syn_options (packet, mss, wscale, self->options.sack, 0, 0);
  if (!self->options.timestamps)
    {
      packet->has_timestamps = FALSE;
      pf_packet_update_lengths (packet);
    }
}

void
pf_tcp_model_handshake (PfTcpModel              *self,
                        const PfTcpModelOptions *options,
                        GPtrArray               *out)
{
  PfPacket *syn;
  PfPacket *syn_ack;

  self->options = *options;

  if (self->options.client_mss == 0)
    self->options.client_mss = LO_MSS_OPTION - 12;
  if (self->options.server_mss == 0)
    self->options.server_mss = LO_MSS_OPTION - 12;

  syn = segment (self, PF_TCP_MODEL_CLIENT, PF_TCP_SYN, SYN_WINDOW, NULL);
  set_syn_options (self, syn, self->options.client_mss, options->client_wscale);
  g_ptr_array_add (out, syn);

  syn_ack = segment (self, PF_TCP_MODEL_SERVER, PF_TCP_SYN | PF_TCP_ACK, SYN_WINDOW, NULL);
  set_syn_options (self, syn_ack, self->options.server_mss, options->server_wscale);
  g_ptr_array_add (out, syn_ack);

  g_ptr_array_add (out, segment (self, PF_TCP_MODEL_CLIENT, PF_TCP_ACK,
                                 window_field (self, PF_TCP_MODEL_CLIENT), NULL));
}

/* Nothing listens: the peer's kernel answers the SYN with a reset that
 * acknowledges it (RFC 9293, section 3.10.7.1). */
void
pf_tcp_model_refused (PfTcpModel *self,
                      GPtrArray  *out)
{
  PfPacket *syn;

  /* No handshake finished, so the kernel reports no options: the SYN
   * carries Linux's defaults. */
  syn = segment (self, PF_TCP_MODEL_CLIENT, PF_TCP_SYN, SYN_WINDOW, NULL);
  set_syn_options (self, syn, self->options.client_mss, self->options.client_wscale);
  g_ptr_array_add (out, syn);

  g_ptr_array_add (out, segment (self, PF_TCP_MODEL_SERVER, PF_TCP_RST | PF_TCP_ACK, 0, NULL));
}

void
pf_tcp_model_data (PfTcpModel    *self,
                   PfTcpModelEnd  from,
                   GBytes        *data,
                   guint          mss,
                   GPtrArray     *out)
{
  PfTcpModelEnd to = from == PF_TCP_MODEL_CLIENT ? PF_TCP_MODEL_SERVER : PF_TCP_MODEL_CLIENT;
  gsize len = g_bytes_get_size (data);
  gsize offset = 0;

  g_return_if_fail (mss > 0);

  while (offset < len)
    {
      gsize chunk = MIN (len - offset, mss);
      g_autoptr(GBytes) payload = g_bytes_new_from_bytes (data, offset, chunk);
      guint8 flags = PF_TCP_ACK;

      if (offset + chunk == len)
        flags |= PF_TCP_PSH;

      g_ptr_array_add (out, segment (self, from, flags, window_field (self, from), payload));
      g_ptr_array_add (out, segment (self, to, PF_TCP_ACK, window_field (self, to), NULL));
      offset += chunk;
    }
}

/* A pure ACK the kernel counted but the rules above did not foresee,
 * such as a window update. */
void
pf_tcp_model_ack (PfTcpModel    *self,
                  PfTcpModelEnd  from,
                  GPtrArray     *out)
{
  g_ptr_array_add (out, segment (self, from, PF_TCP_ACK, window_field (self, from), NULL));
}

void
pf_tcp_model_fin (PfTcpModel    *self,
                  PfTcpModelEnd  from,
                  GPtrArray     *out)
{
  PfTcpModelEnd to = from == PF_TCP_MODEL_CLIENT ? PF_TCP_MODEL_SERVER : PF_TCP_MODEL_CLIENT;

  g_ptr_array_add (out, segment (self, from, PF_TCP_FIN | PF_TCP_ACK, window_field (self, from),
                                 NULL));
  g_ptr_array_add (out, segment (self, to, PF_TCP_ACK, window_field (self, to), NULL));
}

/* An abortive close (SO_LINGER {on, 0}): Linux's tcp_send_active_reset ()
 * sends RST-ACK at the next sequence number through the connection's own
 * transmit path, so with its window and timestamps (unlike the refusal's
 * RST, which no connection sends); the other end answers nothing, as a
 * reset is never acknowledged (RFC 9293, section 3.5.2). */
void
pf_tcp_model_reset (PfTcpModel    *self,
                    PfTcpModelEnd  from,
                    GPtrArray     *out)
{
  PfPacket *rst = segment (self, from, PF_TCP_RST | PF_TCP_ACK, window_field (self, from), NULL);

  if (self->options.timestamps)
    pf_packet_set_timestamps (rst, 0, 0);
  g_ptr_array_add (out, rst);
}
