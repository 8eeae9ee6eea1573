/* pf-window-presentation.c: the window in front of a lecture hall
 *
 * Presentation mode (F5): fullscreen, the header bar hidden until the
 * pointer touches the top edge, the lists and the inspector hidden so the
 * stage (its picture enlarged to fill the room), the ladder and a larger
 * caption have the room. In it, B or .
 * blanks the screen until the next key, and a step number typed then
 * Enter jumps there (the keys: pf-window-actions.c). Esc, or leaving
 * fullscreen any other way, ends it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-window"

#include "config.h"

#include "pf-stage.h"
#include "pf-window-private.h"

/* How close to the top edge the pointer reveals the header bar, and how
 * far below the bar it hides it again, in pixels. */
#define REVEAL_EDGE 4
#define HIDE_MARGIN 24

static void
on_motion (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           PfWindow                 *self)
{
  int bar_height;

  if (!self->presenting || self->blanked)
    return;

  bar_height = gtk_widget_get_height (GTK_WIDGET (self->header_revealer));
  if (y <= REVEAL_EDGE)
    gtk_revealer_set_reveal_child (self->header_revealer, TRUE);
  else if (y > bar_height + HIDE_MARGIN)
    gtk_revealer_set_reveal_child (self->header_revealer, FALSE);
}

/* Leaving fullscreen by other means (F11, the window manager) ends
 * presentation mode too, so the window is never left without its bar. */
static void
on_fullscreened (PfWindow *self)
{
  if (self->presenting && !gtk_window_is_fullscreen (GTK_WINDOW (self)))
    pf_window_set_presenting (self, FALSE);
}

void
pf_window_setup_presentation (PfWindow *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();

  g_signal_connect_object (motion, "motion", G_CALLBACK (on_motion), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  g_signal_connect_object (self, "notify::fullscreened",
                           G_CALLBACK (on_fullscreened), self, G_CONNECT_SWAPPED);
}

gboolean
pf_window_get_presenting (PfWindow *self)
{
  g_return_val_if_fail (PF_IS_WINDOW (self), FALSE);
  return self->presenting;
}

void
pf_window_set_presenting (PfWindow *self,
                          gboolean  presenting)
{
  g_return_if_fail (PF_IS_WINDOW (self));

  presenting = !!presenting;
  if (self->presenting == presenting)
    return;

  self->presenting = presenting;
  self->typed_step = 0;
  pf_window_update_player_bar (self);
  pf_window_set_blanked (self, FALSE);
  gtk_revealer_set_reveal_child (self->header_revealer, !presenting);
  gtk_widget_set_visible (self->bottom_paned, !presenting);
  pf_stage_set_enlarge (PF_STAGE (self->stage), presenting);
  pf_window_update_caption_css (self);

  if (presenting)
    gtk_window_fullscreen (GTK_WINDOW (self));
  else
    gtk_window_unfullscreen (GTK_WINDOW (self));

  g_object_notify (G_OBJECT (self), "presenting");
  pf_window_update_actions (self);
}

void
pf_window_set_blanked (PfWindow *self,
                       gboolean  blanked)
{
  self->blanked = blanked && self->presenting;
  gtk_widget_set_visible (self->blank_screen, self->blanked);
  if (self->blanked)
    gtk_revealer_set_reveal_child (self->header_revealer, FALSE);
}

static void
step_back_to (PfWindow *self,
              int       index)
{
  while (pf_player_get_step (self->player) > index &&
         pf_player_can_step_back (self->player))
    pf_player_step_back (self->player);
}

/* Shows step @n (1 is the first): forward runs the steps between on the
 * sockets as Right would, back replays the history. */
void
pf_window_go_to_step (PfWindow *self,
                      int       n)
{
  guint n_steps = pf_player_get_n_steps (self->player);

  if (n < 1 || n_steps == 0)
    return;

  n = MIN ((guint) n, n_steps);
  pf_player_set_playing (self->player, FALSE);
  if (n - 1 < pf_player_get_step (self->player))
    step_back_to (self, n - 1);
  else
    pf_window_advance_to (self, n);
}
