/* pf-tcp-model.h: the segments of one TCP connection, modelled
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "pf-address.h"
#include "pf-packet.h"

G_BEGIN_DECLS

typedef struct _PfTcpModel PfTcpModel;

/* Which end sends: the one that connected, or the one that accepted. */
typedef enum
{
  PF_TCP_MODEL_CLIENT,
  PF_TCP_MODEL_SERVER,
} PfTcpModelEnd;

/* What the two ends agreed in the handshake, from the kernel's TCP_INFO. */
typedef struct
{
  gboolean timestamps;
  gboolean sack;
  guint8   client_wscale;  /* the scale each end applies to the windows */
  guint8   server_wscale;  /* it advertises */
  guint16  client_mss;     /* the largest payload each end takes, TCP */
  guint16  server_mss;     /* options excluded; 0: what lo's MTU gives */
} PfTcpModelOptions;

PfTcpModel *pf_tcp_model_new        (const PfFourTuple *client_to_server);
void        pf_tcp_model_free       (PfTcpModel        *self);

void        pf_tcp_model_handshake  (PfTcpModel        *self,
                                     const PfTcpModelOptions *options,
                                     GPtrArray         *out);
void        pf_tcp_model_refused    (PfTcpModel        *self,
                                     GPtrArray         *out);
void        pf_tcp_model_data       (PfTcpModel        *self,
                                     PfTcpModelEnd      from,
                                     GBytes            *data,
                                     guint              mss,
                                     GPtrArray         *out);
void        pf_tcp_model_ack        (PfTcpModel        *self,
                                     PfTcpModelEnd      from,
                                     GPtrArray         *out);
void        pf_tcp_model_fin        (PfTcpModel        *self,
                                     PfTcpModelEnd      from,
                                     GPtrArray         *out);
void        pf_tcp_model_reset      (PfTcpModel        *self,
                                     PfTcpModelEnd      from,
                                     GPtrArray         *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfTcpModel, pf_tcp_model_free)

G_END_DECLS
