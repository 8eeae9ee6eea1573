/* pf-sock-diag.h: the kernel's table of TCP sockets, as `ss -tan` reads it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * TCP_INFO on a descriptor only knows that descriptor's socket: once the
 * first closer's connection moves to TIME_WAIT it says CLOSE, and after
 * close () there is nothing left to ask. The kernel's own table, read
 * through NETLINK_SOCK_DIAG (inet_diag), has every socket of a network
 * namespace: LISTEN, ESTABLISHED, FIN_WAIT*, TIME_WAIT, CLOSE_WAIT,
 * LAST_ACK...
 *
 * A diag socket sees the namespace it was created in: get one from
 * pf_netspace_open_diag () (exact mode: the private network; loopback
 * mode: this computer's, shared with every other program), or from
 * pf_sock_diag_open () for the namespace this process is in.
 */

#pragma once

#include <gio/gio.h>

#include "pf-address.h"

G_BEGIN_DECLS

typedef struct
{
  PfFourTuple tuple;  /* local → remote, host order; a listener's remote is 0.0.0.0:0 */
  guint8      state;  /* the kernel's TCP state number: 1 ESTABLISHED ... 11 CLOSING */
  guint32     inode;  /* the socket's inode, as fstat () tells it; 0 in TIME_WAIT */
} PfSockDiagEntry;

GSocket *pf_sock_diag_open       (GError            **error);
GArray  *pf_sock_diag_dump_tcp   (GSocket            *diag,
                                  GError            **error);
gboolean pf_sock_diag_lookup_tcp (GSocket            *diag,
                                  const PfFourTuple  *tuple,
                                  guint8             *out_state,
                                  GError            **error);

G_END_DECLS
