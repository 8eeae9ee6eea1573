/* pf-ladder.h: the sequence diagram beside the stage
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "pf-player.h"

G_BEGIN_DECLS

#define PF_TYPE_LADDER (pf_ladder_get_type ())

#define PF_LADDER_MIN_ZOOM 0.5
#define PF_LADDER_MAX_ZOOM 3.0

G_DECLARE_FINAL_TYPE (PfLadder, pf_ladder, PF, LADDER, GtkWidget)

GtkWidget *pf_ladder_new               (void);

PfPlayer  *pf_ladder_get_player        (PfLadder        *self);
void       pf_ladder_set_player        (PfLadder        *self,
                                        PfPlayer        *player);
double     pf_ladder_get_zoom          (PfLadder        *self);
void       pf_ladder_set_zoom          (PfLadder        *self,
                                        double           zoom);

int        pf_ladder_hit_test          (PfLadder        *self,
                                        double           x,
                                        double           y);
gboolean   pf_ladder_select_at         (PfLadder        *self,
                                        double           x,
                                        double           y);

G_END_DECLS
