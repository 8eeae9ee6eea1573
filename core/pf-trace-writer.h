/* pf-trace-writer.h: the timeline as JSON Lines
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-event.h"

G_BEGIN_DECLS

typedef struct _PfTraceWriter PfTraceWriter;

/* How much of a payload a trace holds (--trace-payload=NICK). */
typedef enum
{
  PF_TRACE_PAYLOAD_EXCERPT,  /*< nick=excerpt >*/  /* the first 64 characters, as text */
  PF_TRACE_PAYLOAD_FULL,     /*< nick=full >*/     /* all of it: text, or base64 */
  PF_TRACE_PAYLOAD_HEX,      /*< nick=hex >*/      /* all of it, in hexadecimal */
  PF_TRACE_PAYLOAD_BASE64,   /*< nick=base64 >*/   /* all of it, in base64 */
} PfTracePayload;

PfTraceWriter *pf_trace_writer_new         (const char     *path,
                                            GError        **error);
gboolean       pf_trace_writer_write       (PfTraceWriter  *self,
                                            PfEvent        *event,
                                            GError        **error);
gboolean       pf_trace_writer_close       (PfTraceWriter  *self,
                                            GError        **error);
void           pf_trace_writer_free        (PfTraceWriter  *self);
void           pf_trace_writer_set_payload (PfTraceWriter  *self,
                                            PfTracePayload  payload);

char          *pf_trace_format_event       (PfEvent        *event);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfTraceWriter, pf_trace_writer_free)

G_END_DECLS
