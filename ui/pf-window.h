/* pf-window.h: the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "pf-player.h"

G_BEGIN_DECLS

#define PF_TYPE_WINDOW (pf_window_get_type ())

G_DECLARE_FINAL_TYPE (PfWindow, pf_window, PF, WINDOW, AdwApplicationWindow)

PfWindow *pf_window_new          (GtkApplication *application);
PfPlayer *pf_window_get_player   (PfWindow       *self);
void      pf_window_open_file    (PfWindow       *self,
                                  GFile          *file);
gboolean  pf_window_open_builtin (PfWindow       *self,
                                  const char     *name);
gboolean  pf_window_run_scenario (PfWindow       *self,
                                  PfScenario     *scenario);
void      pf_window_show_start   (PfWindow       *self);
void      pf_window_advance_to   (PfWindow       *self,
                                  int             n);
gboolean  pf_window_is_running   (PfWindow       *self);
void      pf_window_set_mode     (PfWindow       *self,
                                  PfNetspaceMode  mode);
double    pf_window_get_zoom     (PfWindow       *self);
void      pf_window_set_zoom     (PfWindow       *self,
                                  double          zoom);
gboolean  pf_window_get_presenting (PfWindow     *self);
void      pf_window_set_presenting (PfWindow     *self,
                                    gboolean      presenting);

gboolean  pf_window_save_capture (PfWindow      *self,
                                  GFile         *file,
                                  GError       **error);
gboolean  pf_window_save_trace   (PfWindow       *self,
                                  GFile          *file,
                                  GError        **error);

G_END_DECLS
