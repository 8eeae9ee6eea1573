/* pf-test-netspace.h: hosts for pf_netspace_new () in tests, and a wire
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * In the test utility library with pf-test-util.c; used by test-netspace,
 * test-sock-diag, test-isolation and time-netspace.
 *
 * pft_hosts_one (): one host with every address, eth0, eth1, ...: sockets
 * on those addresses talk to each other over the host's own lo, no wire
 * needed. pft_hosts_implicit (): a host per address on the implicit link:
 * nothing reaches another host unless the test carries the frames
 * (PftWire).
 */

#pragma once

#include <gio/gio.h>

#include "pf-netspace.h"

GArray     *pft_hosts_new          (void);
void        pft_mac                (guint8           mac[6],
                                    guint            host,
                                    guint            index);
void        pft_hosts_add          (GArray          *hosts,
                                    const char      *id,
                                    gboolean         forward,
                                    PfIpv4           gateway,
                                    gboolean         default_on_link,
                                    const PfIpv4    *addresses,
                                    const guint     *prefix_lengths,
                                    guint            n);
GArray     *pft_hosts_one          (const PfIpv4    *addresses,
                                    guint            n);
GArray     *pft_hosts_implicit     (const PfIpv4    *addresses,
                                    guint            n);
PfNetspace *pft_netspace_new_one   (PfNetspaceMode   mode,
                                    const PfIpv4    *addresses,
                                    guint            n,
                                    char           **out_reason,
                                    GError         **error);
PfNetspace *pft_netspace_new_hosts (PfNetspaceMode   mode,
                                    GArray          *hosts,
                                    GError         **error);
PfNetspace *pft_new_two_hosts      (void);

/* The wire, in the test: ports and which port each one's frames go to
 * (-1: nowhere, the frame is only recorded). */

#define PFT_MAX_PORTS 8

typedef struct
{
  guint   port;   /* where it was read */
  GBytes *bytes;  /* from the Ethernet header on */
} PftFrame;

typedef struct
{
  GSocket *ports[PFT_MAX_PORTS];
  int      peer[PFT_MAX_PORTS];
  guint    n_ports;
  GArray  *frames;  /* PftFrame, every one read, in order */
} PftWire;

/* Decides whether the frame just read is carried now; FALSE holds it
 * (the wire keeps it in @held, to be sent by pft_wire_release ()). */
typedef gboolean (*PftCarry) (const PftFrame *frame,
                              gpointer        user_data);

#define PFT_TCP_FIN 0x01
#define PFT_TCP_SYN 0x02
#define PFT_TCP_RST 0x04
#define PFT_TCP_ACK 0x10

void        pft_frame_clear        (gpointer         data);
void        pft_wire_init          (PftWire         *wire,
                                    PfNetspace      *netspace);
void        pft_wire_clear         (PftWire         *wire);
void        pft_wire_link          (PftWire         *wire,
                                    guint            a,
                                    guint            b);
void        pft_wire_run           (PftWire         *wire,
                                    int              timeout_ms,
                                    PftCarry         carry,
                                    gpointer         user_data,
                                    GArray          *held,
                                    gboolean       (*done) (gpointer user_data));
void        pft_wire_release       (PftWire         *wire,
                                    GArray          *held);

/* Frame fields, by hand (Ethernet II, IPv4, TCP, ARP). */
guint16     pft_get16              (const guint8    *p);
guint16     pft_ethertype          (const PftFrame  *frame);
int         pft_tcp_flags          (const PftFrame  *frame);
gboolean    pft_checksums_ok       (const PftFrame  *frame);
