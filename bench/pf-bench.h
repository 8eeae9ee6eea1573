/* pf-bench.h: what the benchmarks share: timing, and the table they print
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether a figure meets its target, or has none. */
typedef enum
{
  PF_BENCH_NO_TARGET,
  PF_BENCH_MET,
  PF_BENCH_MISSED,
} PfBenchVerdict;

double  pf_bench_now            (void);
double  pf_bench_median         (GArray         *seconds);
gsize   pf_bench_status_kib     (const char     *field);
void    pf_bench_wait_for       (int             fd,
                                 short           events);

void    pf_bench_send_all       (int             fd,
                                 const guint8   *data,
                                 gsize           len);
void    pf_bench_section        (const char     *title);
void    pf_bench_row            (const char     *what,
                                 const char     *measured,
                                 const char     *reference,
                                 double          ratio,
                                 const char     *target,
                                 PfBenchVerdict  verdict);
void    pf_bench_note           (const char     *format,
                                 ...) G_GNUC_PRINTF (1, 2);

G_END_DECLS
