/* pf-window-actions.c: every command of the window, with its keys
 *
 * Menus, buttons, keys and tests all go through these actions. The
 * player's keys (Space, the arrows, Page Up and Down, Home) and those of
 * presentation mode are caught on the window in the capture phase, before
 * the focused widget sees them, so a teacher's clicker works from the
 * first press whatever has focus (player_keys below).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pf-stage.h"
#include "pf-window-private.h"

#define ZOOM_STEP 1.25

static void
play_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PfWindow *self = PF_WINDOW (widget);

  pf_player_set_playing (self->player, !pf_player_get_playing (self->player));
}

static void
step_forward_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  PfWindow *self = PF_WINDOW (widget);

  pf_player_set_playing (self->player, FALSE);
  pf_player_step_forward (self->player);
}

static void
step_back_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  pf_player_step_back (PF_WINDOW (widget)->player);
}

static void
restart_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  PfWindow *self = PF_WINDOW (widget);
  g_autoptr(GError) error = NULL;

  if (!pf_player_restart (self->player, &error))
    {
      AdwToast *toast = adw_toast_new (error->message);

      adw_toast_set_timeout (toast, 0);
      adw_toast_overlay_add_toast (self->toast_overlay, toast);
    }
}

static void
speed_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  PfWindow *self = PF_WINDOW (widget);
  double speed = pf_player_get_speed (self->player);

  pf_player_set_speed (self->player, g_str_equal (action_name, "win.faster") ? speed * 2 : speed / 2);
}

static void
zoom_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PfWindow *self = PF_WINDOW (widget);

  if (g_str_equal (action_name, "win.zoom-in"))
    pf_window_set_zoom (self, self->zoom * ZOOM_STEP);
  else if (g_str_equal (action_name, "win.zoom-out"))
    pf_window_set_zoom (self, self->zoom / ZOOM_STEP);
  else
    pf_window_set_zoom (self, 1.0);
}

static void
fullscreen_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  GtkWindow *window = GTK_WINDOW (widget);

  if (gtk_window_is_fullscreen (window))
    gtk_window_unfullscreen (window);
  else
    gtk_window_fullscreen (window);
}

static void
show_start_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  pf_window_show_start (PF_WINDOW (widget));
}

static void
open_builtin_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  pf_window_open_builtin (PF_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
on_open_response (GtkNativeDialog *dialog,
                  int              response,
                  PfWindow        *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      pf_window_open_file (self, file);
    }

  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

/* GtkFileDialog needs GTK 4.10: the native chooser is the 4.8 way. */
static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PfWindow *self = PF_WINDOW (widget);
  GtkFileChooserNative *dialog;
  g_autoptr(GtkFileFilter) scenarios = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  dialog = gtk_file_chooser_native_new (_("Open a Scenario"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));

  gtk_file_filter_set_name (scenarios, _("Packet Flow scenarios"));
  gtk_file_filter_add_mime_type (scenarios, "application/x-packetflow-scenario");
  gtk_file_filter_add_pattern (scenarios, "*.pflow.json");
  gtk_file_filter_add_pattern (scenarios, "*.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), scenarios);
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), all);

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_open_response), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
layout_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PfStage *stage = PF_STAGE (PF_WINDOW (widget)->stage);

  if (g_str_equal (action_name, "win.undo-move"))
    pf_stage_undo_move (stage);
  else
    pf_stage_reset_layout (stage);
}

static void
blank_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  pf_window_set_blanked (PF_WINDOW (widget), TRUE);
}

static void
go_to_step_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  pf_window_go_to_step (PF_WINDOW (widget), g_variant_get_int32 (parameter));
}

static void
lesson_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  pf_window_toggle_lesson (PF_WINDOW (widget));
}

void
pf_window_class_add_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.play", NULL, play_action);
  gtk_widget_class_install_action (widget_class, "win.step-forward", NULL, step_forward_action);
  gtk_widget_class_install_action (widget_class, "win.step-back", NULL, step_back_action);
  gtk_widget_class_install_action (widget_class, "win.restart", NULL, restart_action);
  gtk_widget_class_install_action (widget_class, "win.faster", NULL, speed_action);
  gtk_widget_class_install_action (widget_class, "win.slower", NULL, speed_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-in", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-out", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.zoom-reset", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "win.fullscreen", NULL, fullscreen_action);
  gtk_widget_class_install_action (widget_class, "win.show-start", NULL, show_start_action);
  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.open-builtin", "s", open_builtin_action);
  gtk_widget_class_install_property_action (widget_class, "win.presentation", "presenting");
  gtk_widget_class_install_action (widget_class, "win.blank", NULL, blank_action);
  gtk_widget_class_install_action (widget_class, "win.go-to-step", "i", go_to_step_action);
  gtk_widget_class_install_action (widget_class, "win.undo-move", NULL, layout_action);
  gtk_widget_class_install_action (widget_class, "win.reset-layout", NULL, layout_action);
  gtk_widget_class_install_action (widget_class, "win.lesson", NULL, lesson_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, "win.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, GDK_CONTROL_MASK, "win.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "win.zoom-reset", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_0, GDK_CONTROL_MASK, "win.zoom-reset", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F11, 0, "win.fullscreen", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.presentation", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK, "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z, GDK_CONTROL_MASK, "win.undo-move", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Home, GDK_ALT_MASK, "win.show-start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_bracketright, 0, "win.faster", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_bracketleft, 0, "win.slower", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, 0, "win.lesson", NULL);
}

/* The keys caught before the focused widget sees them. A key of the
 * player is taken even when its action is disabled (Space at the last
 * step), so it never falls through to a focused button. */
static const struct {
  guint       keyval;
  const char *action;
  gboolean    presenting_only;
} player_keys[] = {
  { GDK_KEY_space, "win.play", FALSE },
  { GDK_KEY_KP_Space, "win.play", FALSE },
  { GDK_KEY_Right, "win.step-forward", FALSE },
  { GDK_KEY_Page_Down, "win.step-forward", FALSE },
  { GDK_KEY_Down, "win.step-forward", FALSE },
  { GDK_KEY_KP_Right, "win.step-forward", FALSE },
  { GDK_KEY_KP_Page_Down, "win.step-forward", FALSE },
  { GDK_KEY_KP_Down, "win.step-forward", FALSE },
  { GDK_KEY_Left, "win.step-back", FALSE },
  { GDK_KEY_Page_Up, "win.step-back", FALSE },
  { GDK_KEY_Up, "win.step-back", FALSE },
  { GDK_KEY_KP_Left, "win.step-back", FALSE },
  { GDK_KEY_KP_Page_Up, "win.step-back", FALSE },
  { GDK_KEY_KP_Up, "win.step-back", FALSE },
  { GDK_KEY_Home, "win.restart", FALSE },
  { GDK_KEY_KP_Home, "win.restart", FALSE },
  { GDK_KEY_Escape, "win.presentation", TRUE },
  { GDK_KEY_b, "win.blank", TRUE },
  { GDK_KEY_B, "win.blank", TRUE },
  { GDK_KEY_period, "win.blank", TRUE },
  { GDK_KEY_KP_Decimal, "win.blank", TRUE },
};

/* Presentation mode: a step number typed, then Enter (win.go-to-step). */
static gboolean
type_step (PfWindow *self,
           guint     keyval)
{
  guint32 c = gdk_keyval_to_unicode (keyval);
  int n = self->typed_step;

  if (g_unichar_isdigit (c) && g_unichar_digit_value (c) >= 0)
    {
      self->typed_step = MIN (n * 10 + g_unichar_digit_value (c), 9999);
      pf_window_update_player_bar (self);
      return TRUE;
    }

  if (n == 0)
    return FALSE;

  /* Enter goes there; any other key forgets the number, and acts. */
  self->typed_step = 0;
  pf_window_update_player_bar (self);
  if (keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter)
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "win.go-to-step", "i", n);
      return TRUE;
    }

  return FALSE;
}

/* The keys belong to a text entry with focus, to an open popover or
 * menu (its own surface, whose events pass through the window on their
 * way up), and on the start page to its list (Space and Enter open a
 * row); everywhere else on the run page, to the player. */
static gboolean
keys_belong_to_player (PfWindow           *self,
                       GtkEventController *controller)
{
  GdkEvent *event = gtk_event_controller_get_current_event (controller);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  GtkNative *native = GTK_NATIVE (self);

  if (event != NULL && gdk_event_get_surface (event) != gtk_native_get_surface (native))
    return FALSE;
  if (focus != NULL && (GTK_IS_EDITABLE (focus) || GTK_IS_TEXT_VIEW (focus)))
    return FALSE;

  return TRUE;
}

static gboolean
on_key_pressed (GtkEventControllerKey *key,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                PfWindow              *self)
{
  if (!keys_belong_to_player (self, GTK_EVENT_CONTROLLER (key)))
    return FALSE;

  /* Any key brings a blanked screen back, and does nothing else. */
  if (self->blanked)
    {
      pf_window_set_blanked (self, FALSE);
      return TRUE;
    }

  if ((state & gtk_accelerator_get_default_mod_mask ()) != 0)
    return FALSE;

  if (self->presenting && pf_window_is_running (self) && type_step (self, keyval))
    return TRUE;

  for (guint i = 0; i < G_N_ELEMENTS (player_keys); i++)
    {
      if (player_keys[i].keyval != keyval)
        continue;
      if (player_keys[i].presenting_only ? !self->presenting : !pf_window_is_running (self))
        return FALSE;

      gtk_widget_activate_action (GTK_WIDGET (self), player_keys[i].action, NULL);
      return TRUE;
    }

  return FALSE;
}

void
pf_window_setup_shortcuts (PfWindow *self)
{
  GtkEventController *key = gtk_event_controller_key_new ();

  gtk_event_controller_set_propagation_phase (key, GTK_PHASE_CAPTURE);
  g_signal_connect_object (key, "key-pressed", G_CALLBACK (on_key_pressed), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self), key);

  g_signal_connect_object (self->stage, "moves-changed", G_CALLBACK (pf_window_update_actions),
                           self, G_CONNECT_SWAPPED);

  /* Show Routers: the ladder's routers as lanes, or a packet through one
   * as a single arrow "via" it (a file with links; none else). */
  {
    g_autoptr(GPropertyAction) routers = g_property_action_new ("ladder-routers", self->ladder, "show-routers");

    g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (routers));
  }
}

void
pf_window_update_actions (PfWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean running = pf_window_is_running (self);
  double speed = pf_player_get_speed (self->player);

  gtk_widget_action_set_enabled (widget, "win.play",
                                 running && (pf_player_get_playing (self->player) ||
                                             pf_player_can_step_forward (self->player)));
  gtk_widget_action_set_enabled (widget, "win.step-forward",
                                 running && pf_player_can_step_forward (self->player));
  gtk_widget_action_set_enabled (widget, "win.step-back",
                                 running && pf_player_can_step_back (self->player));
  gtk_widget_action_set_enabled (widget, "win.restart", running && pf_player_get_scenario (self->player) != NULL);
  gtk_widget_action_set_enabled (widget, "win.faster", speed < PF_PLAYER_MAX_SPEED);
  gtk_widget_action_set_enabled (widget, "win.slower", speed > PF_PLAYER_MIN_SPEED);
  gtk_widget_action_set_enabled (widget, "win.zoom-in", self->zoom < PF_VIEW_MAX_ZOOM);
  gtk_widget_action_set_enabled (widget, "win.zoom-out", self->zoom > PF_VIEW_MIN_ZOOM);
  gtk_widget_action_set_enabled (widget, "win.show-start", running);
  gtk_widget_action_set_enabled (widget, "win.blank", self->presenting);
  gtk_widget_action_set_enabled (widget, "win.go-to-step", running && pf_player_get_n_steps (self->player) > 0);
  gtk_widget_action_set_enabled (widget, "win.undo-move",
                                 running && pf_stage_can_undo_move (PF_STAGE (self->stage)));
  gtk_widget_action_set_enabled (widget, "win.reset-layout",
                                 running && pf_stage_can_reset_layout (PF_STAGE (self->stage)));
  pf_window_update_file_actions (self);
}
