/* pf-window.c: the main window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pf-window.h"

struct _PfWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;

  /* Template children */
  AdwWindowTitle       *window_title;
  AdwStatusPage        *status_page;
  AdwToastOverlay      *toast_overlay;
};

G_DEFINE_FINAL_TYPE (PfWindow, pf_window, ADW_TYPE_APPLICATION_WINDOW)

static void
pf_window_save_size (PfWindow *self)
{
  int width;
  int height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
}

static gboolean
pf_window_close_request (GtkWindow *window)
{
  pf_window_save_size (PF_WINDOW (window));

  return GTK_WINDOW_CLASS (pf_window_parent_class)->close_request (window);
}

static void
pf_window_dispose (GObject *object)
{
  PfWindow *self = PF_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), PF_TYPE_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (pf_window_parent_class)->dispose (object);
}

static void
pf_window_class_init (PfWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = pf_window_dispose;
  window_class->close_request = pf_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/packetflow/PacketFlow/ui/pf-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PfWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, status_page);
  gtk_widget_class_bind_template_child (widget_class, PfWindow, toast_overlay);
}

static void
pf_window_init (PfWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

PfWindow *
pf_window_new (GtkApplication *application)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);

  return g_object_new (PF_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

/* Until the stage lands, opening a file names it in the window so the
 * user sees that it arrived. */
void
pf_window_open_file (PfWindow *self,
                     GFile    *file)
{
  g_autofree char *name = NULL;

  g_return_if_fail (PF_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  name = g_file_get_basename (file);
  adw_window_title_set_subtitle (self->window_title, name);
  adw_status_page_set_title (self->status_page, name);
}
