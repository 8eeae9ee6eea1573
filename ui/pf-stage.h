/* pf-stage.h: the hosts, their ports, the connections and the packets moving
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "pf-player.h"

G_BEGIN_DECLS

#define PF_TYPE_STAGE (pf_stage_get_type ())

#define PF_STAGE_MIN_ZOOM 0.5
#define PF_STAGE_MAX_ZOOM 3.0

G_DECLARE_FINAL_TYPE (PfStage, pf_stage, PF, STAGE, GtkWidget)

GtkWidget *pf_stage_new                (void);

PfPlayer  *pf_stage_get_player         (PfStage         *self);
void       pf_stage_set_player         (PfStage         *self,
                                        PfPlayer        *player);
double     pf_stage_get_zoom           (PfStage         *self);
void       pf_stage_set_zoom           (PfStage         *self,
                                        double           zoom);

G_END_DECLS
