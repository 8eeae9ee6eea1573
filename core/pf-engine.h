/* pf-engine.h: runs a scenario on real sockets, one step at a time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-netspace.h"
#include "pf-scenario.h"
#include "pf-timeline.h"

G_BEGIN_DECLS

#define PF_ENGINE_ERROR (pf_engine_error_quark ())

typedef enum
{
  PF_ENGINE_ERROR_ENVIRONMENT,  /* no sockets could be had at all */
  PF_ENGINE_ERROR_FINISHED,     /* there is no step left to run */
  PF_ENGINE_ERROR_BUSY,         /* a step is already running */
  PF_ENGINE_ERROR_TIMEOUT,      /* a step did not finish in time */
  PF_ENGINE_ERROR_LOST,         /* the helper went away */
} PfEngineError;

#define PF_TYPE_ENGINE (pf_engine_get_type ())

G_DECLARE_FINAL_TYPE (PfEngine, pf_engine, PF, ENGINE, GObject)

GQuark            pf_engine_error_quark          (void);

PfEngine         *pf_engine_new                  (PfScenario          *scenario,
                                                  PfNetspaceMode       mode);
gboolean          pf_engine_start                (PfEngine            *self,
                                                  GError             **error);
void              pf_engine_step_async           (PfEngine            *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean          pf_engine_step_finish          (PfEngine            *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
gboolean          pf_engine_run                  (PfEngine            *self,
                                                  GError             **error);
void              pf_engine_stop                 (PfEngine            *self);

const PfScenario *pf_engine_get_scenario         (PfEngine            *self);
PfTimeline       *pf_engine_get_timeline         (PfEngine            *self);
PfNetspace       *pf_engine_get_netspace         (PfEngine            *self);
const char       *pf_engine_get_fallback_reason  (PfEngine            *self);
gint64            pf_engine_get_start_time       (PfEngine            *self);
int               pf_engine_get_next_step        (PfEngine            *self);
gboolean          pf_engine_is_finished          (PfEngine            *self);
guint             pf_engine_get_n_failures       (PfEngine            *self);

G_END_DECLS
