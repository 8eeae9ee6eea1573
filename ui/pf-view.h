/* pf-view.h: what every view of a run has: the player and the zoom
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "pf-player.h"

G_BEGIN_DECLS

#define PF_TYPE_VIEW (pf_view_get_type ())

/* The one zoom range: the views', the window's (the schema's "zoom" key
 * says the same). */
#define PF_VIEW_MIN_ZOOM 0.5
#define PF_VIEW_MAX_ZOOM 3.0

G_DECLARE_DERIVABLE_TYPE (PfView, pf_view, PF, VIEW, GtkWidget)

struct _PfViewClass
{
  GtkWidgetClass parent_class;

  /* TRUE: the zoom scales the view's font, and its children's with it
   * (lists, text). FALSE: the view draws at the zoom itself. */
  gboolean zoom_scales_font;

  /* Called when the value has changed, before it is notified. */
  void (*player_changed) (PfView *self);
  void (*zoom_changed)   (PfView *self,
                          double  old_zoom);
};

PfPlayer     *pf_view_get_player         (PfView   *self);
void          pf_view_set_player         (PfView   *self,
                                          PfPlayer *player);
double        pf_view_get_zoom           (PfView   *self);
void          pf_view_set_zoom           (PfView   *self,
                                          double    zoom);
GSignalGroup *pf_view_get_player_signals (PfView   *self);

G_END_DECLS
