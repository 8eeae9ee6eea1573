/* pf-window.c: the main window
 *
 * Two pages: the start page lists the built-in scenarios and opens files;
 * the run page shows one run through a PfPlayer: the stage, the ladder,
 * the sockets, the packets, the inspector, the caption and the player's
 * controls. Every command is an action (pf-window-actions.c).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pf-builtin.h"
#include "pf-inspector.h"
#include "pf-ladder.h"
#include "pf-lesson-card.h"
#include "pf-packet-list.h"
#include "pf-socket-table.h"
#include "pf-stage.h"
#include "pf-view-util.h"
#include "pf-window-private.h"

G_DEFINE_FINAL_TYPE (PfWindow, pf_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_PLAYER,
  PROP_ZOOM,
  PROP_PRESENTING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const double speeds[] = { 0.25, 0.5, 1.0, 2.0, 4.0 };

void
pf_window_update_caption_css (PfWindow *self)
{
  g_autofree char *css = NULL;
  double size = 20.0 * self->zoom;

  /* The caption is read from the back of a lecture hall: 20 pt at 1×,
   * half as large again in presentation mode, where it has the room. */
  if (self->presenting)
    size *= 1.5;
  css = g_strdup_printf (".pf-caption { font-size: %.1fpt; }", size);
  gtk_css_provider_load_from_data (self->caption_css, css, -1);
  /* Past 40 pt three lines take a third of a 1080p screen: two, ellipsized,
   * so the panes above keep room (issue 12). */
  gtk_label_set_lines (self->caption, size > 40.0 ? 2 : 3);
}

static void
update_mode_badge (PfWindow *self)
{
  PfEngine *engine = pf_player_get_engine (self->player);
  g_autoptr(GString) text = NULL;
  PfNetspace *netspace;
  gboolean exact;

  /* The start page shows no run: no mode either. */
  gtk_widget_set_visible (GTK_WIDGET (self->mode_button),
                          engine != NULL && pf_window_is_running (self));
  if (engine == NULL)
    return;

  netspace = pf_engine_get_netspace (engine);
  exact = pf_netspace_get_mode (netspace) == PF_NETSPACE_MODE_EXACT;
  gtk_menu_button_set_label (self->mode_button, exact ? _("Exact") : _("Loopback"));

  text = g_string_new (NULL);
  if (exact)
    g_string_append (text, _("Exact mode: the hosts live in a private network namespace with their own addresses and ports. Every segment shown was captured from the kernel."));
  else
    g_string_append (text, _("Loopback mode: the hosts’ addresses are mapped into 127.0.0.0/8 and ports below 1024 are moved up, both shown beside the scenario’s own. The sockets are real; the segments are rebuilt from what the sockets did and marked “modelled”."));

  if (pf_engine_get_fallback_reason (engine) != NULL)
    {
      g_string_append (text, "\n\n");
      g_string_append (text, pf_engine_get_fallback_reason (engine));
    }

  gtk_label_set_label (self->mode_label, text->str);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->mode_button), text->str);
}

static void
update_titles (PfWindow *self)
{
  const PfScenario *scenario = pf_player_get_scenario (self->player);

  if (scenario == NULL || !pf_window_is_running (self))
    {
      adw_window_title_set_title (self->window_title, _("Packet Flow"));
      adw_window_title_set_subtitle (self->window_title, NULL);
      return;
    }

  adw_window_title_set_title (self->window_title, scenario->title);
  adw_window_title_set_subtitle (self->window_title, scenario->summary);
}

void
pf_window_update_player_bar (PfWindow *self)
{
  int step = pf_player_get_step (self->player);
  guint n_steps = pf_player_get_n_steps (self->player);
  g_autofree char *label = NULL;
  const char *narration = pf_player_get_narration (self->player);
  g_autofree char *failure = pf_window_describe_failure (self);

  /* A step number being typed in presentation mode shows instead. */
  if (self->typed_step > 0)
    label = g_strdup_printf (_("Go to step %d…"), self->typed_step);
  else if (step < 0)
    label = g_strdup_printf (_("Ready: %u steps"), n_steps);
  else if (failure != NULL)
    label = g_strdup_printf (_("Step %d of %u · failed"), step + 1, n_steps);
  else
    label = g_strdup_printf (_("Step %d of %u"), step + 1, n_steps);
  gtk_label_set_label (self->step_label, label);

  /* A failure replaces the narration, which tells what did not happen. */
  if (failure != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->caption), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->caption), "error");
  if (failure != NULL && self->typed_step == 0)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->step_label), "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (self->step_label), "error");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->step_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->step_label), "dim-label");
    }

  if (failure != NULL)
    gtk_label_set_label (self->caption, failure);
  else if (narration != NULL)
    gtk_label_set_label (self->caption, narration);
  else if (pf_player_get_scenario (self->player) != NULL)
    gtk_label_set_label (self->caption, _("Press Space to play, or the Right arrow to take one step."));
  else
    gtk_label_set_label (self->caption, "");

  gtk_button_set_icon_name (self->play_button,
                            pf_player_get_playing (self->player)
                            ? "media-playback-pause-symbolic" : "media-playback-start-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->play_button),
                               pf_player_get_playing (self->player) ? _("Pause (Space)") : _("Play (Space)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->play_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  pf_player_get_playing (self->player) ? _("Pause") : _("Play"), -1);

  pf_window_update_actions (self);
  pf_window_update_lesson (self);
}

static void
on_player_changed (PfWindow *self)
{
  pf_window_update_player_bar (self);
}

static void
on_player_engine_changed (PfWindow *self)
{
  update_titles (self);
  update_mode_badge (self);
  pf_window_update_player_bar (self);
}

/* The start page clears the last run's title and mode and puts the focus
 * on its first row, so Enter opens that scenario and the arrows move
 * along the list. */
static void
on_page_changed (PfWindow *self)
{
  update_titles (self);
  update_mode_badge (self);
  pf_window_update_actions (self);
  pf_window_update_lesson (self);

  if (!pf_window_is_running (self))
    {
      GtkListBoxRow *first = gtk_list_box_get_row_at_index (self->scenario_list, 0);

      if (first != NULL)
        gtk_widget_grab_focus (GTK_WIDGET (first));
    }
}

static void
on_speed_selected (PfWindow *self)
{
  guint selected = gtk_drop_down_get_selected (self->speed_dropdown);

  if (selected < G_N_ELEMENTS (speeds))
    pf_player_set_speed (self->player, speeds[selected]);
}

static void
on_player_speed_changed (PfWindow *self)
{
  double speed = pf_player_get_speed (self->player);

  for (guint i = 0; i < G_N_ELEMENTS (speeds); i++)
    {
      if (G_APPROX_VALUE (speeds[i], speed, 1e-6))
        gtk_drop_down_set_selected (self->speed_dropdown, i);
    }

  pf_window_update_actions (self);
}

static void
on_scenario_row_activated (GtkListBox    *list,
                           GtkListBoxRow *row,
                           PfWindow      *self)
{
  const char *name = g_object_get_data (G_OBJECT (row), "scenario-name");

  pf_window_open_builtin (self, name);
}

static void
fill_scenario_list (PfWindow *self)
{
  g_autoptr(GPtrArray) names = pf_builtin_list ();

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autoptr(PfScenario) scenario = pf_builtin_load (name, NULL);
      GtkWidget *row;

      if (scenario == NULL)
        continue;

      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), scenario->title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), scenario->summary);
      /* A cap on the lines (four hold a summary even in a narrow window)
       * lets GTK 4.8 ellipsize instead of searching for each wrapped
       * label's width over and over: the start page's first frame took
       * 400 ms instead of 240 without it (bench/bench-startup.c). */
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 1);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 4);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "scenario-name", g_strdup (name), g_free);
      gtk_list_box_append (self->scenario_list, row);
    }
}

static gboolean
on_drop (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         PfWindow      *self)
{
  GFile *file = g_value_get_object (value);

  if (file == NULL)
    return FALSE;

  pf_window_open_file (self, file);
  return TRUE;
}

/* The size and the maximized state reach size_settings as they change;
 * they are written out when the window closes, not at every resize. */
static gboolean
pf_window_close_request (GtkWindow *window)
{
  g_settings_apply (PF_WINDOW (window)->size_settings);

  return GTK_WINDOW_CLASS (pf_window_parent_class)->close_request (window);
}

static void
pf_window_dispose (GObject *object)
{
  PfWindow *self = PF_WINDOW (object);

  /* The settings stop following the window and its player, which may
   * outlive it. */
  g_settings_unbind (self, "zoom");
  g_settings_unbind (self, "default-width");
  g_settings_unbind (self, "default-height");
  g_settings_unbind (self, "maximized");
  g_clear_handle_id (&self->lesson_end_source, g_source_remove);
  g_clear_handle_id (&self->layout_source, g_source_remove);
  if (self->player != NULL)
    {
      g_settings_unbind (self->player, "speed");
      pf_player_unload (self->player);
    }

  pf_window_watch_file (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), PF_TYPE_WINDOW);
  g_clear_object (&self->player_signals);
  g_clear_object (&self->player);
  g_clear_object (&self->settings);
  g_clear_object (&self->size_settings);
  g_clear_object (&self->caption_css);

  G_OBJECT_CLASS (pf_window_parent_class)->dispose (object);
}

static void
pf_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  PfWindow *self = PF_WINDOW (object);

  switch (prop_id)
    {
    case PROP_PLAYER:
      g_value_set_object (value, self->player);
      break;
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    case PROP_PRESENTING:
      g_value_set_boolean (value, self->presenting);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  PfWindow *self = PF_WINDOW (object);

  switch (prop_id)
    {
    case PROP_ZOOM:
      pf_window_set_zoom (self, g_value_get_double (value));
      break;
    case PROP_PRESENTING:
      pf_window_set_presenting (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_window_class_init (PfWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = pf_window_dispose;
  object_class->get_property = pf_window_get_property;
  object_class->set_property = pf_window_set_property;
  window_class->close_request = pf_window_close_request;
  widget_class->size_allocate = pf_window_size_allocate;

  properties[PROP_PLAYER] =
    g_param_spec_object ("player", NULL, NULL, PF_TYPE_PLAYER,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, PF_VIEW_MIN_ZOOM, PF_VIEW_MAX_ZOOM, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Presentation mode (pf-window-presentation.c): F5, the menu. */
  properties[PROP_PRESENTING] =
    g_param_spec_boolean ("presenting", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (PF_TYPE_STAGE);
  g_type_ensure (PF_TYPE_LADDER);
  g_type_ensure (PF_TYPE_LESSON_CARD);
  g_type_ensure (PF_TYPE_INSPECTOR);
  g_type_ensure (PF_TYPE_PACKET_LIST);
  g_type_ensure (PF_TYPE_SOCKET_TABLE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/packetflow/PacketFlow/ui/pf-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PfWindow, header_revealer);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, blank_screen);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, status_page);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, scenario_list);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, load_error_label);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, mode_button);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, mode_label);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, run_box);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, stage);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, lesson_revealer);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, lesson_card);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, ladder);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, socket_table);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, packet_list);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, inspector);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, bottom_paned);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, top_paned);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, ladder_scroller);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, caption);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, step_label);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, play_button);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, speed_dropdown);

  pf_window_class_add_actions (widget_class);
  pf_window_class_add_file_actions (widget_class);
}

static void
pf_window_init (PfWindow *self)
{
  GtkDropTarget *drop;

  self->zoom = 1.0;
  self->lesson_step = G_MININT;
  self->player = pf_player_new ();

  /* The template binds every view's player and zoom to the window's. */
  gtk_widget_init_template (GTK_WIDGET (self));

  /* A hidden lesson card's revealer still covers the stage: it must not
   * take the pointer from the hosts being dragged beneath it. */
  g_object_bind_property (self->lesson_revealer, "reveal-child",
                          self->lesson_revealer, "can-target", G_BINDING_SYNC_CREATE);

  self->settings = g_settings_new (APP_ID);
  self->size_settings = g_settings_new (APP_ID);
  g_settings_delay (self->size_settings);
  g_settings_bind (self->size_settings, "window-width", self, "default-width",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->size_settings, "window-height", self, "default-height",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->size_settings, "window-maximized", self, "maximized",
                   G_SETTINGS_BIND_DEFAULT);

  self->caption_css = gtk_css_provider_new ();
  gtk_style_context_add_provider (gtk_widget_get_style_context (GTK_WIDGET (self->caption)),
                                  GTK_STYLE_PROVIDER (self->caption_css),
                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  pf_window_update_caption_css (self);

  self->player_signals = g_signal_group_new (PF_TYPE_PLAYER);
  g_signal_group_connect_swapped (self->player_signals, "notify::step",
                                  G_CALLBACK (on_player_changed), self);
  g_signal_group_connect_swapped (self->player_signals, "notify::playing",
                                  G_CALLBACK (on_player_changed), self);
  g_signal_group_connect_swapped (self->player_signals, "notify::busy",
                                  G_CALLBACK (on_player_changed), self);
  g_signal_group_connect_swapped (self->player_signals, "notify::error",
                                  G_CALLBACK (on_player_changed), self);
  /* Late events (a delayed ACK) may bring a failure or a segment. */
  g_signal_group_connect_swapped (self->player_signals, "notify::position",
                                  G_CALLBACK (on_player_changed), self);
  g_signal_group_connect_swapped (self->player_signals, "notify::engine",
                                  G_CALLBACK (on_player_engine_changed), self);
  g_signal_group_connect_swapped (self->player_signals, "notify::speed",
                                  G_CALLBACK (on_player_speed_changed), self);
  g_signal_group_set_target (self->player_signals, self->player);

  g_signal_connect_object (self->speed_dropdown, "notify::selected",
                           G_CALLBACK (on_speed_selected), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->scenario_list, "row-activated",
                           G_CALLBACK (on_scenario_row_activated), self, 0);
  g_signal_connect_object (self->stack, "notify::visible-child-name",
                           G_CALLBACK (on_page_changed), self, G_CONNECT_SWAPPED);

  g_settings_bind (self->settings, "playback-speed", self->player, "speed",
                   G_SETTINGS_BIND_DEFAULT);
  on_player_speed_changed (self);
  g_settings_bind (self->settings, "zoom", self, "zoom", G_SETTINGS_BIND_DEFAULT);

  drop = gtk_drop_target_new (G_TYPE_FILE, GDK_ACTION_COPY);
  g_signal_connect_object (drop, "drop", G_CALLBACK (on_drop), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  pf_view_name_inner_button (GTK_WIDGET (self->speed_dropdown), _("Playback speed"));

  fill_scenario_list (self);
  pf_window_setup_shortcuts (self);
  pf_window_setup_presentation (self);
  pf_window_setup_layout (self);
  pf_window_update_player_bar (self);
  on_page_changed (self);
}

PfWindow *
pf_window_new (GtkApplication *application)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);

  return g_object_new (PF_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

PfPlayer *
pf_window_get_player (PfWindow *self)
{
  g_return_val_if_fail (PF_IS_WINDOW (self), NULL);
  return self->player;
}

static void
show_load_error (PfWindow   *self,
                 const char *message)
{
  AdwToast *toast;

  gtk_stack_set_visible_child_name (self->stack, "start");
  gtk_label_set_label (self->load_error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->load_error_label), message != NULL);

  if (message != NULL)
    {
      toast = adw_toast_new (_("The scenario could not be opened"));
      adw_toast_set_timeout (toast, 5);
      adw_toast_overlay_add_toast (self->toast_overlay, toast);
    }
}

/* Starts a fresh run of @scenario and shows it. */
gboolean
pf_window_run_scenario (PfWindow   *self,
                        PfScenario *scenario)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (PF_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (scenario != NULL, FALSE);

  if (!pf_player_load (self->player, scenario, self->mode, &error))
    {
      g_autofree char *message = g_strdup_printf (_("%s could not start: %s"),
                                                  scenario->title, error->message);

      g_warning ("%s", message);
      show_load_error (self, message);
      return FALSE;
    }

  show_load_error (self, NULL);
  gtk_stack_set_visible_child_name (self->stack, "run");
  update_titles (self);
  update_mode_badge (self);
  pf_window_update_player_bar (self);
  return TRUE;
}

gboolean
pf_window_open_builtin (PfWindow   *self,
                        const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfScenario) scenario = NULL;

  g_return_val_if_fail (PF_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  scenario = pf_builtin_load (name, &error);
  if (scenario == NULL)
    {
      show_load_error (self, error->message);
      return FALSE;
    }

  g_settings_set_string (self->settings, "last-scenario", name);
  pf_window_watch_file (self, NULL);
  return pf_window_run_scenario (self, scenario);
}

/* A bad file shows the loader's one-line message on the start page; the
 * run on screen, if any, is left as it was only when the file is good. */
void
pf_window_open_file (PfWindow *self,
                     GFile    *file)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfScenario) scenario = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (PF_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);
      g_autofree char *message = g_strdup_printf (_("%s: only local files can be opened"), uri);

      show_load_error (self, message);
      return;
    }

  scenario = pf_scenario_load_file (path, &error);
  if (scenario == NULL)
    {
      show_load_error (self, error->message);
      return;
    }

  if (pf_window_run_scenario (self, scenario))
    pf_window_watch_file (self, file);
}

static void
advance (PfWindow *self)
{
  if (pf_player_get_busy (self->player))
    return;

  if (pf_player_get_step (self->player) + 1 >= self->advance_to ||
      !pf_player_can_step_forward (self->player))
    {
      g_signal_handlers_disconnect_by_func (self->player, advance, self);
      return;
    }

  pf_player_step_forward (self->player);
}

/* Runs the steps up to @n (1 is the first step) without waiting for the
 * user: for `packetflow --step=N` and for screenshots. */
void
pf_window_advance_to (PfWindow *self,
                      int       n)
{
  g_return_if_fail (PF_IS_WINDOW (self));

  self->advance_to = n;
  g_signal_handlers_disconnect_by_func (self->player, advance, self);
  g_signal_connect_object (self->player, "notify::busy", G_CALLBACK (advance), self,
                           G_CONNECT_SWAPPED);
  advance (self);
}

void
pf_window_show_start (PfWindow *self)
{
  g_return_if_fail (PF_IS_WINDOW (self));

  pf_player_set_playing (self->player, FALSE);
  gtk_stack_set_visible_child_name (self->stack, "start");
  pf_window_update_actions (self);
}

gboolean
pf_window_is_running (PfWindow *self)
{
  g_return_val_if_fail (PF_IS_WINDOW (self), FALSE);
  return g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "run") == 0;
}

void
pf_window_set_mode (PfWindow       *self,
                    PfNetspaceMode  mode)
{
  g_return_if_fail (PF_IS_WINDOW (self));
  self->mode = mode;
}

double
pf_window_get_zoom (PfWindow *self)
{
  g_return_val_if_fail (PF_IS_WINDOW (self), 1.0);
  return self->zoom;
}

/* Scales the stage, the ladder, the lists (their zoom is bound to the
 * window's) and the caption together; the setting follows. */
void
pf_window_set_zoom (PfWindow *self,
                    double    zoom)
{
  g_return_if_fail (PF_IS_WINDOW (self));

  zoom = CLAMP (zoom, PF_VIEW_MIN_ZOOM, PF_VIEW_MAX_ZOOM);
  if (G_APPROX_VALUE (self->zoom, zoom, 1e-6))
    return;

  self->zoom = zoom;
  pf_window_update_caption_css (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
  pf_window_update_actions (self);
}
