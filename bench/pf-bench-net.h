/* pf-bench-net.h: the benchmarks' plain loops on Packet Flow's network
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pf-netspace.h"
#include "pf-wire.h"

G_BEGIN_DECLS

typedef struct _PfBenchWire PfBenchWire;

PfNetspace  *pf_bench_net_new        (PfNetspaceMode  mode,
                                      const PfIpv4   *addresses,
                                      guint           n_hosts,
                                      GError        **error);
PfBenchWire *pf_bench_wire_start     (PfNetspace     *netspace,
                                      guint           latency_us);
void         pf_bench_wire_stop      (PfBenchWire    *wire,
                                      guint64        *out_frames,
                                      guint64        *out_lost);

G_END_DECLS
