/* pf-run-export.h: a run's events to a trace (JSON Lines) and a pcap
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pf-pcap-writer.h"
#include "pf-timeline.h"
#include "pf-trace-writer.h"

G_BEGIN_DECLS

gboolean pf_run_export_write      (PfTimeline     *timeline,
                                   guint           n_events,
                                   gint64          start_wall_us,
                                   PfTraceWriter  *trace,
                                   PfPcapWriter   *pcap,
                                   GError        **error);
gboolean pf_run_export_save_trace (PfTimeline     *timeline,
                                   guint           n_events,
                                   const char     *path,
                                   GError        **error);
gboolean pf_run_export_save_pcap  (PfTimeline     *timeline,
                                   guint           n_events,
                                   gint64          start_wall_us,
                                   const char     *path,
                                   GError        **error);

G_END_DECLS
