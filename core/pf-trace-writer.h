/* pf-trace-writer.h: the timeline as JSON Lines
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-event.h"

G_BEGIN_DECLS

typedef struct _PfTraceWriter PfTraceWriter;

PfTraceWriter *pf_trace_writer_new         (const char     *path,
                                            GError        **error);
gboolean       pf_trace_writer_write       (PfTraceWriter  *self,
                                            PfEvent        *event,
                                            GError        **error);
gboolean       pf_trace_writer_close       (PfTraceWriter  *self,
                                            GError        **error);
void           pf_trace_writer_free        (PfTraceWriter  *self);

char          *pf_trace_format_event       (PfEvent        *event);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfTraceWriter, pf_trace_writer_free)

G_END_DECLS
