/* pf-segment-model.h: the segments on screen, as a list model
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-player.h"

G_BEGIN_DECLS

#define PF_TYPE_SEGMENT_MODEL (pf_segment_model_get_type ())

G_DECLARE_FINAL_TYPE (PfSegmentModel, pf_segment_model, PF, SEGMENT_MODEL, GObject)

PfSegmentModel *pf_segment_model_new          (PfPlayer       *player);
PfPlayer       *pf_segment_model_get_player   (PfSegmentModel *self);
void            pf_segment_model_set_player   (PfSegmentModel *self,
                                               PfPlayer       *player);
guint           pf_segment_model_find         (PfSegmentModel *self,
                                               PfEvent        *event);

G_END_DECLS
