/* pf-stage-moves.c: hosts moved by hand, undone and put back
 *
 * A teacher drags a card out of the way and wants it back: each drag
 * pushes where the host was (Ctrl+Z pops it), and the first drag of a
 * run keeps where every host was, the scenario's layout, for Reset
 * Layout. Both belong to one run: a new engine (a restart, another
 * scenario) lays the hosts out anew and forgets them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-stage"

#include "config.h"

#include "pf-stage-private.h"

/* The player's engine, not the stage's own pointer: the window asks
 * while the player's notify::engine is on its way to the stage. */
static void
forget_stale_moves (PfStage *self)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  PfEngine *engine = player != NULL ? pf_player_get_engine (player) : NULL;

  if (engine != NULL && engine == self->moves_engine && engine == self->engine)
    return;

  g_array_set_size (self->moves, 0);
  g_array_set_size (self->home, 0);
  g_set_weak_pointer (&self->moves_engine, engine);
}

static void
put_host (PfStage           *self,
          const PfStageMove *move)
{
  PfStageHost *host;

  if (move->host < 0 || (guint) move->host >= self->hosts->len)
    return;

  host = pf_stage_host_at (self, move->host);
  host->fx = move->fx;
  host->fy = move->fy;
}

static void
moved (PfStage *self)
{
  self->geometry_dirty = TRUE;
  self->scene_dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, pf_stage_moves_changed_signal, 0);
}

/* Called as a drag takes host @index, before it moves. */
void
pf_stage_note_move (PfStage *self,
                    int      index)
{
  PfStageHost *host = pf_stage_host_at (self, index);
  PfStageMove move = { index, host->fx, host->fy };

  forget_stale_moves (self);
  if (self->home->len == 0)
    {
      for (guint i = 0; i < self->hosts->len; i++)
        {
          PfStageHost *h = pf_stage_host_at (self, i);
          PfStageMove at = { i, h->fx, h->fy };

          g_array_append_val (self->home, at);
        }
    }
  g_array_append_val (self->moves, move);
}

gboolean
pf_stage_can_undo_move (PfStage *self)
{
  g_return_val_if_fail (PF_IS_STAGE (self), FALSE);

  forget_stale_moves (self);
  return self->moves->len > 0;
}

/* Puts the host moved last back where it was; FALSE if none was moved. */
gboolean
pf_stage_undo_move (PfStage *self)
{
  g_return_val_if_fail (PF_IS_STAGE (self), FALSE);

  if (!pf_stage_can_undo_move (self))
    return FALSE;

  put_host (self, &g_array_index (self->moves, PfStageMove, self->moves->len - 1));
  g_array_set_size (self->moves, self->moves->len - 1);
  moved (self);
  return TRUE;
}

/* Whether a host is away from where the scenario put it. */
gboolean
pf_stage_can_reset_layout (PfStage *self)
{
  g_return_val_if_fail (PF_IS_STAGE (self), FALSE);

  forget_stale_moves (self);
  for (guint i = 0; i < self->home->len && i < self->hosts->len; i++)
    {
      const PfStageMove *home = &g_array_index (self->home, PfStageMove, i);
      PfStageHost *host = pf_stage_host_at (self, i);

      if (!G_APPROX_VALUE (home->fx, host->fx, 1e-9) || !G_APPROX_VALUE (home->fy, host->fy, 1e-9))
        return TRUE;
    }
  return FALSE;
}

/* Puts every host back where the scenario put it; the moves are forgotten. */
void
pf_stage_reset_layout (PfStage *self)
{
  g_return_if_fail (PF_IS_STAGE (self));

  forget_stale_moves (self);
  if (self->home->len == 0)
    return;

  for (guint i = 0; i < self->home->len; i++)
    put_host (self, &g_array_index (self->home, PfStageMove, i));
  g_array_set_size (self->moves, 0);
  moved (self);
}

/* For tests: what a drag of host @index by (@dx, @dy) pixels does. */
void
pf_stage_drag_host (PfStage *self,
                    guint    index,
                    double   dx,
                    double   dy)
{
  PfStageHost *host;
  double x, y;

  g_return_if_fail (PF_IS_STAGE (self));
  g_return_if_fail (index < self->hosts->len);

  pf_stage_ensure_geometry (self);
  host = pf_stage_host_at (self, index);
  pf_stage_note_move (self, index);
  x = host->x + host->w / 2 + dx / self->scale;
  y = host->y + host->h / 2 + dy / self->scale;
  host->fx = pf_stage_place (x / self->world_w, self->world_w, pf_stage_half_width (host)) / self->world_w;
  host->fy = pf_stage_place (y / self->world_h, self->world_h, host->h / 2) / self->world_h;
  moved (self);
}
