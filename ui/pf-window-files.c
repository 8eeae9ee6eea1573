/* pf-window-files.c: the window's files beside the run
 *
 * Save capture… (pcap) and Save trace… (JSON Lines) write the events on
 * screen, through the loop `packetflow --headless --pcap --trace` uses
 * (core/pf-run-export.c). A scenario opened from a file is watched: when
 * a teacher edits it beside the window, it is read again, and a file
 * that no longer loads leaves the run as it was and says why.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pf-run-export.h"
#include "pf-window-private.h"

/* An editor saves in several events (write, close, rename): one reload
 * for them all, after they have settled. */
#define RELOAD_DELAY_MS 150

static void
show_toast (PfWindow   *self,
            const char *message,
            gboolean    error)
{
  /* A toast's title is markup in libadwaita 1.2; a path may hold a '&'. */
  g_autofree char *escaped = g_markup_escape_text (message, -1);
  AdwToast *toast = adw_toast_new (escaped);

  /* An error stays until it is dismissed, and pushes aside a toast on
   * screen rather than waiting behind it. */
  if (error)
    {
      adw_toast_set_timeout (toast, 0);
      adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
    }
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static gboolean
get_local_path (GFile   *file,
                char   **out_path,
                GError **error)
{
  *out_path = g_file_get_path (file);
  if (*out_path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("%s: only local files can be written"), uri);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_run (PfWindow  *self,
           GError   **error)
{
  if (pf_player_get_engine (self->player) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                           _("Nothing is loaded to save"));
      return FALSE;
    }
  return TRUE;
}

/**
 * pf_window_save_capture:
 * @self: a window
 * @file: where to write
 *
 * Writes the segments on screen (the player's timeline up to its
 * position) to @file in pcap format.
 */
gboolean
pf_window_save_capture (PfWindow  *self,
                        GFile     *file,
                        GError   **error)
{
  g_autofree char *path = NULL;
  PfEngine *engine;

  g_return_val_if_fail (PF_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (!check_run (self, error) || !get_local_path (file, &path, error))
    return FALSE;

  engine = pf_player_get_engine (self->player);
  return pf_run_export_save_pcap (pf_player_get_timeline (self->player),
                                  pf_player_get_position (self->player),
                                  pf_engine_get_start_time (engine), path, error);
}

/**
 * pf_window_save_trace:
 * @self: a window
 * @file: where to write
 *
 * Writes the events on screen to @file as JSON Lines, as
 * `packetflow --headless --trace` does for a whole run.
 */
gboolean
pf_window_save_trace (PfWindow  *self,
                      GFile     *file,
                      GError   **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (PF_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (!check_run (self, error) || !get_local_path (file, &path, error))
    return FALSE;

  return pf_run_export_save_trace (pf_player_get_timeline (self->player),
                                   pf_player_get_position (self->player), path, error);
}

/* What the save dialogs do with the file chosen: an error, which names
 * the file and the reason, is a toast. */
gboolean
pf_window_save_as (PfWindow *self,
                   GFile    *file,
                   gboolean  trace)
{
  g_autoptr(GError) error = NULL;
  gboolean saved = trace ? pf_window_save_trace (self, file, &error)
                         : pf_window_save_capture (self, file, &error);

  if (!saved)
    {
      g_warning ("%s", error->message);
      show_toast (self, error->message, TRUE);
    }
  return saved;
}

static void
on_save_response (GtkNativeDialog *dialog,
                  int              response,
                  PfWindow        *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      gboolean trace = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "pf-trace"));

      pf_window_save_as (self, file, trace);
    }

  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

/* GtkFileDialog needs GTK 4.10: the native chooser is the 4.8 way. */
static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PfWindow *self = PF_WINDOW (widget);
  gboolean trace = g_str_equal (action_name, "win.save-trace");
  const PfScenario *scenario = pf_player_get_scenario (self->player);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *name = NULL;
  GtkFileChooserNative *dialog;

  dialog = gtk_file_chooser_native_new (trace ? _("Save Trace") : _("Save Capture"),
                                        GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Save"), _("_Cancel"));
  if (trace)
    {
      gtk_file_filter_set_name (filter, _("JSON Lines traces"));
      gtk_file_filter_add_pattern (filter, "*.jsonl");
    }
  else
    {
      gtk_file_filter_set_name (filter, _("pcap captures"));
      gtk_file_filter_add_mime_type (filter, "application/vnd.tcpdump.pcap");
      gtk_file_filter_add_pattern (filter, "*.pcap");
    }
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);

  name = g_strdup_printf ("%s.%s", scenario != NULL ? scenario->title : "packetflow",
                          trace ? "jsonl" : "pcap");
  g_strdelimit (name, G_DIR_SEPARATOR_S, '-');   /* a title is no path */
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);

  g_object_set_data (G_OBJECT (dialog), "pf-trace", GINT_TO_POINTER (trace));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_save_response), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

void
pf_window_class_add_file_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.save-capture", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "win.save-trace", NULL, save_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "win.save-capture", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.save-trace", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_S, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.save-trace", NULL);
}

void
pf_window_update_file_actions (PfWindow *self)
{
  gboolean loaded = pf_window_is_running (self) && pf_player_get_engine (self->player) != NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-capture", loaded);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-trace", loaded);
}

/* Reload on change */

static gboolean
reload (gpointer data)
{
  PfWindow *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfScenario) scenario = NULL;
  g_autofree char *path = g_file_get_path (self->watched_file);
  g_autofree char *name = g_file_get_basename (self->watched_file);
  g_autofree char *message = NULL;
  int step = pf_player_get_step (self->player);

  self->reload_source = 0;

  /* The start page shows no run: the file is read when it is opened. */
  if (!pf_window_is_running (self))
    return G_SOURCE_REMOVE;

  scenario = pf_scenario_load_file (path, &error);
  if (scenario == NULL)
    {
      g_debug ("Not reloading %s: %s", path, error->message);
      show_toast (self, error->message, TRUE);
      return G_SOURCE_REMOVE;
    }

  if (!pf_window_run_scenario (self, scenario))
    return G_SOURCE_REMOVE;

  /* The step on screen stays, if the new file still has it. */
  if (step >= 0 && (guint) step < scenario->steps->len)
    pf_window_advance_to (self, step + 1);

  message = g_strdup_printf (_("Reloaded %s"), name);
  show_toast (self, message, FALSE);
  return G_SOURCE_REMOVE;
}

static void
on_watched_file_changed (GFileMonitor      *monitor,
                         GFile             *file,
                         GFile             *other_file,
                         GFileMonitorEvent  event,
                         PfWindow          *self)
{
  switch (event)
    {
    case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
    case G_FILE_MONITOR_EVENT_CREATED:
    case G_FILE_MONITOR_EVENT_MOVED_IN:
    case G_FILE_MONITOR_EVENT_RENAMED:
      g_clear_handle_id (&self->reload_source, g_source_remove);
      self->reload_source = g_timeout_add (RELOAD_DELAY_MS, reload, self);
      break;
    default:
      break;
    }
}

/* Watches @file (NULL: nothing) for changes, reloading it when one comes. */
void
pf_window_watch_file (PfWindow *self,
                      GFile    *file)
{
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&self->reload_source, g_source_remove);
  if (self->file_monitor != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->file_monitor, on_watched_file_changed, self);
      g_file_monitor_cancel (self->file_monitor);
      g_clear_object (&self->file_monitor);
    }
  g_clear_object (&self->watched_file);

  if (file == NULL)
    return;

  self->file_monitor = g_file_monitor_file (file, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
  if (self->file_monitor == NULL)
    {
      g_debug ("Not watching %s: %s", g_file_peek_path (file), error->message);
      return;
    }

  self->watched_file = g_object_ref (file);
  g_signal_connect (self->file_monitor, "changed", G_CALLBACK (on_watched_file_changed), self);
}
