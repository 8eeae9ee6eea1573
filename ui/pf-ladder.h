/* pf-ladder.h: the sequence diagram beside the stage
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "pf-view.h"

G_BEGIN_DECLS

#define PF_TYPE_LADDER (pf_ladder_get_type ())

G_DECLARE_FINAL_TYPE (PfLadder, pf_ladder, PF, LADDER, PfView)

GtkWidget *pf_ladder_new               (void);

int        pf_ladder_hit_test          (PfLadder        *self,
                                        double           x,
                                        double           y);
gboolean   pf_ladder_select_at         (PfLadder        *self,
                                        double           x,
                                        double           y);

G_END_DECLS
