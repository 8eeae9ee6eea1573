/* pf-stage.h: the hosts, their ports, the connections and the packets moving
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "pf-view.h"

G_BEGIN_DECLS

#define PF_TYPE_STAGE (pf_stage_get_type ())

G_DECLARE_FINAL_TYPE (PfStage, pf_stage, PF, STAGE, PfView)

GtkWidget *pf_stage_new (void);

gboolean   pf_stage_can_undo_move    (PfStage *self);
gboolean   pf_stage_undo_move        (PfStage *self);
gboolean   pf_stage_can_reset_layout (PfStage *self);
void       pf_stage_reset_layout     (PfStage *self);
void       pf_stage_set_enlarge      (PfStage *self,
                                      gboolean enlarge);
gboolean   pf_stage_get_enlarge      (PfStage *self);

G_END_DECLS
