/* pf-window-private.h: what pf-window.c and pf-window-actions.c share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pf-view.h"
#include "pf-window.h"

G_BEGIN_DECLS

struct _PfWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  GSettings            *size_settings;   /* delayed: written on close */
  PfPlayer             *player;
  GSignalGroup         *player_signals;
  GtkCssProvider       *caption_css;
  PfNetspaceMode        mode;
  double                zoom;
  int                   advance_to;
  gboolean              presenting;
  gboolean              blanked;
  int                   typed_step;      /* digits typed in presentation mode, or 0 */
  GFile                *watched_file;    /* the scenario file on screen, reloaded on change */
  GFileMonitor         *file_monitor;
  guint                 reload_source;
  int                   lesson_step;     /* the step the lesson card last decided for */
  const PfScenario     *lesson_scenario; /* and the scenario, not a reference */
  gboolean              lesson_shown;
  guint                 lesson_end_source; /* shows the card once the last step has played */
  gboolean              lesson_end_waiting; /* for the last step's events, before it plays */
  gboolean              allocating;
  gboolean              ladder_placed_by_hand;
  int                   ladder_position; /* top_paned's, as last placed */
  guint                 layout_source;   /* places the ladder after an allocation */

  /* Template children */
  GtkRevealer          *header_revealer;
  GtkWidget            *blank_screen;
  AdwWindowTitle       *window_title;
  AdwStatusPage        *status_page;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  GtkListBox           *scenario_list;
  GtkLabel             *load_error_label;
  GtkMenuButton        *mode_button;
  GtkLabel             *mode_label;
  GtkWidget            *run_box;
  GtkWidget            *stage;
  GtkRevealer          *lesson_revealer;
  GtkWidget            *lesson_card;
  GtkWidget            *ladder;
  GtkPaned             *top_paned;
  GtkWidget            *ladder_scroller;
  GtkWidget            *socket_table;
  GtkWidget            *packet_list;
  GtkWidget            *inspector;
  GtkWidget            *bottom_paned;
  GtkLabel             *caption;
  GtkLabel             *step_label;
  GtkButton            *play_button;
  GtkDropDown          *speed_dropdown;
};

void pf_window_class_add_actions  (GtkWidgetClass *widget_class);
void pf_window_setup_shortcuts    (PfWindow       *self);
void pf_window_update_actions     (PfWindow       *self);
void pf_window_update_caption_css (PfWindow       *self);
void pf_window_update_player_bar  (PfWindow       *self);

/* pf-window-files.c */
void pf_window_class_add_file_actions (GtkWidgetClass *widget_class);
void pf_window_update_file_actions    (PfWindow       *self);
void pf_window_watch_file             (PfWindow       *self,
                                       GFile          *file);
gboolean pf_window_save_as            (PfWindow       *self,
                                       GFile          *file,
                                       gboolean        trace);

/* pf-window-lesson.c */
void  pf_window_update_lesson    (PfWindow       *self);
void  pf_window_toggle_lesson    (PfWindow       *self);
char *pf_window_describe_failure (PfWindow       *self);

/* pf-window-layout.c */
void pf_window_setup_layout       (PfWindow       *self);
int  pf_window_ladder_width_for   (PfWindow       *self,
                                   int             width);
void pf_window_size_allocate      (GtkWidget      *widget,
                                   int             width,
                                   int             height,
                                   int             baseline);

/* pf-window-presentation.c */
void pf_window_setup_presentation (PfWindow       *self);
void pf_window_set_blanked        (PfWindow       *self,
                                   gboolean        blanked);
void pf_window_go_to_step         (PfWindow       *self,
                                   int             n);

G_END_DECLS
