/* pf-timeline.h: the recorded events of a run, as a list model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-event.h"

G_BEGIN_DECLS

#define PF_TYPE_TIMELINE (pf_timeline_get_type ())

G_DECLARE_FINAL_TYPE (PfTimeline, pf_timeline, PF, TIMELINE, GObject)

PfTimeline *pf_timeline_new                  (void);
void        pf_timeline_append               (PfTimeline *self,
                                              PfEvent    *event);
void        pf_timeline_append_all           (PfTimeline *self,
                                              GPtrArray  *events);
PfEvent    *pf_timeline_get_event            (PfTimeline *self,
                                              guint       position);
guint       pf_timeline_get_n_events         (PfTimeline *self);
guint       pf_timeline_count                (PfTimeline *self,
                                              PfEventKind kind,
                                              int         step);
guint       pf_timeline_get_step_start       (PfTimeline *self,
                                              int         step);
void        pf_timeline_clear                (PfTimeline *self);

G_END_DECLS
