/* pf-run-export.c: a run's events to a trace (JSON Lines) and a pcap
 *
 * One loop for `packetflow --headless --trace --pcap` (app/pf-cli.c),
 * which opens its files before the run and writes them after it, and for
 * the window's Save capture… and Save trace…, which write the events on
 * screen.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-run-export"

#include "config.h"

#include "pf-run-export.h"

/**
 * pf_run_export_write:
 * @timeline: the run's events
 * @n_events: how many of them, from the first, to write
 * @start_wall_us: the wall clock at the run's start, for the pcap's times
 * @trace: (nullable): where every event goes, as JSON Lines
 * @pcap: (nullable): where every segment goes
 *
 * Writes the first @n_events events of @timeline and closes both writers.
 */
gboolean
pf_run_export_write (PfTimeline     *timeline,
                     guint           n_events,
                     gint64          start_wall_us,
                     PfTraceWriter  *trace,
                     PfPcapWriter   *pcap,
                     GError        **error)
{
  g_return_val_if_fail (PF_IS_TIMELINE (timeline), FALSE);

  n_events = MIN (n_events, pf_timeline_get_n_events (timeline));
  for (guint i = 0; i < n_events; i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);
      PfPacket *packet = pf_event_get_packet (event);

      if (trace != NULL && !pf_trace_writer_write (trace, event, error))
        return FALSE;
      if (pcap != NULL && packet != NULL &&
          !pf_pcap_writer_write (pcap, packet, start_wall_us + pf_event_get_time (event), error))
        return FALSE;
    }

  if (trace != NULL && !pf_trace_writer_close (trace, error))
    return FALSE;
  if (pcap != NULL && !pf_pcap_writer_close (pcap, error))
    return FALSE;

  return TRUE;
}

gboolean
pf_run_export_save_trace (PfTimeline  *timeline,
                          guint        n_events,
                          const char  *path,
                          GError     **error)
{
  g_autoptr(PfTraceWriter) trace = NULL;

  g_return_val_if_fail (path != NULL, FALSE);

  trace = pf_trace_writer_new (path, error);
  if (trace == NULL)
    return FALSE;

  return pf_run_export_write (timeline, n_events, 0, trace, NULL, error);
}

gboolean
pf_run_export_save_pcap (PfTimeline  *timeline,
                         guint        n_events,
                         gint64       start_wall_us,
                         const char  *path,
                         GError     **error)
{
  g_autoptr(PfPcapWriter) pcap = NULL;

  g_return_val_if_fail (path != NULL, FALSE);

  pcap = pf_pcap_writer_new (path, error);
  if (pcap == NULL)
    return FALSE;

  return pf_run_export_write (timeline, n_events, start_wall_us, NULL, pcap, error);
}
