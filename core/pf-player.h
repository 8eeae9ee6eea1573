/* pf-player.h: play, pause, step and step back through a run
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "pf-engine.h"

G_BEGIN_DECLS

#define PF_TYPE_PLAYER (pf_player_get_type ())

G_DECLARE_FINAL_TYPE (PfPlayer, pf_player, PF, PLAYER, GObject)

#define PF_PLAYER_MIN_SPEED 0.25
#define PF_PLAYER_MAX_SPEED 4.0

/* How long a step stays on screen when playing, in seconds at speed 1;
 * a step's animation fits in it (pf-flight-schedule.c). */
#define PF_PLAYER_STEP_TIME 2.0

PfPlayer         *pf_player_new               (void);

gboolean          pf_player_load              (PfPlayer       *self,
                                               PfScenario     *scenario,
                                               PfNetspaceMode  mode,
                                               GError        **error);
gboolean          pf_player_restart           (PfPlayer       *self,
                                               GError        **error);
void              pf_player_unload            (PfPlayer       *self);

void              pf_player_step_forward      (PfPlayer       *self);
void              pf_player_step_back         (PfPlayer       *self);
void              pf_player_set_playing       (PfPlayer       *self,
                                               gboolean        playing);
gboolean          pf_player_get_playing       (PfPlayer       *self);
void              pf_player_set_speed         (PfPlayer       *self,
                                               double          speed);
double            pf_player_get_speed         (PfPlayer       *self);

PfEngine         *pf_player_get_engine        (PfPlayer       *self);
const PfScenario *pf_player_get_scenario      (PfPlayer       *self);
PfTimeline       *pf_player_get_timeline      (PfPlayer       *self);
int               pf_player_get_step          (PfPlayer       *self);
guint             pf_player_get_n_steps       (PfPlayer       *self);
guint             pf_player_get_position      (PfPlayer       *self);
guint             pf_player_get_step_start    (PfPlayer       *self);
gboolean          pf_player_get_busy          (PfPlayer       *self);
gboolean          pf_player_can_step_forward  (PfPlayer       *self);
gboolean          pf_player_can_step_back     (PfPlayer       *self);
const char       *pf_player_get_narration     (PfPlayer       *self);
const char       *pf_player_get_error         (PfPlayer       *self);

PfEvent          *pf_player_get_selected      (PfPlayer       *self);
void              pf_player_set_selected      (PfPlayer       *self,
                                               PfEvent        *event);

PfTcpState        pf_player_get_socket_state  (PfPlayer       *self,
                                               const PfFourTuple *tuple,
                                               guint          *out_changed_at);

G_END_DECLS
