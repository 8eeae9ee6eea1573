/* pf-lesson-card.h: the scenario's lesson, on a card over the stage
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pf-scenario.h"

G_BEGIN_DECLS

#define PF_TYPE_LESSON_CARD (pf_lesson_card_get_type ())

G_DECLARE_FINAL_TYPE (PfLessonCard, pf_lesson_card, PF, LESSON_CARD, AdwBin)

GtkWidget  *pf_lesson_card_new          (void);
void        pf_lesson_card_set_scenario (PfLessonCard     *self,
                                         const PfScenario *scenario);
void        pf_lesson_card_set_seen     (PfLessonCard     *self,
                                         const char       *seen);
const char *pf_lesson_card_get_text     (PfLessonCard     *self);

G_END_DECLS
