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

G_END_DECLS
