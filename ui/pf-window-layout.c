/* pf-window-layout.c: how the run page shares the window
 *
 * The panes give way so that the caption and the player bar are always
 * whole (their sizes are in pf-window.ui: small minimum sizes; at the
 * largest zooms the lists and the inspector are cut below, not scrolled).
 * Here, the width the ladder gets
 * beside the stage: what it needs to show host names and segment labels
 * whole (its natural width), but at most a share of the window that grows
 * from 30 % at 1100 pixels to 45 % at 1920 and wider, so a wide or
 * fullscreen window shows the ladder whole and a small one keeps the
 * stage. Once the divider has been moved by hand, it stays where it was
 * put (the paned then keeps the ladder's width as the window changes).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-window"

#include "config.h"

#include "pf-window-private.h"

#define NARROW_WIDTH 1100.0
#define WIDE_WIDTH   1920.0
#define NARROW_SHARE 0.30
#define WIDE_SHARE   0.45

static void
on_top_paned_position (PfWindow *self)
{
  /* The paned computes its position while it is allocated, from the one
   * set here; any other change came from its divider, dragged or moved
   * with keys. */
  if (!self->allocating && gtk_paned_get_position (self->top_paned) != self->ladder_position)
    {
      g_debug ("the ladder was placed by hand at %d", gtk_paned_get_position (self->top_paned));
      self->ladder_placed_by_hand = TRUE;
    }
}

void
pf_window_setup_layout (PfWindow *self)
{
  g_signal_connect_object (self->top_paned, "notify::position",
                           G_CALLBACK (on_top_paned_position), self, G_CONNECT_SWAPPED);
}

/* The ladder's width in a top pane @width wide. */
int
pf_window_ladder_width_for (PfWindow *self,
                            int       width)
{
  double wide = CLAMP ((width - NARROW_WIDTH) / (WIDE_WIDTH - NARROW_WIDTH), 0.0, 1.0);
  double share = NARROW_SHARE + (WIDE_SHARE - NARROW_SHARE) * wide;
  int minimum, natural;

  gtk_widget_measure (self->ladder_scroller, GTK_ORIENTATION_HORIZONTAL, -1,
                      &minimum, &natural, NULL, NULL);
  return MAX (minimum, MIN (natural, (int) (share * width)));
}

static void
place_ladder (PfWindow *self,
              int       width)
{
  /* The divider's handle is one pixel wide. */
  self->ladder_position = MAX (0, width - pf_window_ladder_width_for (self, width) - 1);
  if (gtk_paned_get_position (self->top_paned) != self->ladder_position)
    {
      self->allocating = TRUE;
      gtk_paned_set_position (self->top_paned, self->ladder_position);
      self->allocating = FALSE;
    }
}

static gboolean
place_ladder_later (gpointer data)
{
  PfWindow *self = data;
  int width = gtk_widget_get_width (GTK_WIDGET (self->top_paned));

  self->layout_source = 0;
  if (!self->ladder_placed_by_hand && width > 0)
    place_ladder (self, width);
  return G_SOURCE_REMOVE;
}

/* The ladder is placed after each allocation that leaves it elsewhere
 * than its width asks (the window resized, the ladder zoomed), from an
 * idle: a paned's position set while the window is being allocated
 * leaves the paned without an allocation, drawn blank. */
void
pf_window_size_allocate (GtkWidget *widget,
                         int        width,
                         int        height,
                         int        baseline)
{
  PfWindow *self = PF_WINDOW (widget);
  GtkWidgetClass *parent_class = g_type_class_peek (ADW_TYPE_APPLICATION_WINDOW);
  int paned_width;

  self->allocating = TRUE;
  parent_class->size_allocate (widget, width, height, baseline);
  self->allocating = FALSE;

  paned_width = gtk_widget_get_width (GTK_WIDGET (self->top_paned));
  if (self->ladder_placed_by_hand || !gtk_widget_get_visible (self->ladder_scroller) || paned_width <= 0)
    return;
  if (MAX (0, paned_width - pf_window_ladder_width_for (self, paned_width) - 1) !=
      gtk_paned_get_position (self->top_paned) && self->layout_source == 0)
    self->layout_source = g_idle_add (place_ladder_later, self);
}
