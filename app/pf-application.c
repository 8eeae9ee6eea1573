/* pf-application.c: the application object
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-application"

#include "config.h"

#include <glib/gi18n.h>

#include "pf-application.h"
#include "pf-window.h"

struct _PfApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (PfApplication, pf_application, ADW_TYPE_APPLICATION)

static PfWindow *
pf_application_get_window (PfApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    window = GTK_WINDOW (pf_window_new (GTK_APPLICATION (self)));

  return PF_WINDOW (window);
}

static void
pf_application_activate (GApplication *application)
{
  gtk_window_present (GTK_WINDOW (pf_application_get_window (PF_APPLICATION (application))));
}

static void
pf_application_open (GApplication  *application,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  PfApplication *self = PF_APPLICATION (application);

  /* One window per scenario: the first goes into the active window. */
  for (int i = 0; i < n_files; i++)
    {
      PfWindow *window;

      if (i == 0)
        window = pf_application_get_window (self);
      else
        window = pf_window_new (GTK_APPLICATION (self));

      pf_window_open_file (window, files[i]);
      gtk_window_present (GTK_WINDOW (window));
    }
}

static void
pf_application_quit_action (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  PfApplication *self = user_data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  /* Close the windows so they save their size, then quit. */
  for (GList *l = windows; l != NULL; )
    {
      GtkWindow *window = l->data;

      l = l->next;
      gtk_window_close (window);
    }

  g_application_quit (G_APPLICATION (self));
}

static void
pf_application_about_action (GSimpleAction *action,
                             GVariant      *parameter,
                             gpointer       user_data)
{
  static const char *developers[] = { "Packet Flow developers", NULL };
  PfApplication *self = user_data;
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  adw_show_about_window (window,
                         "application-name", _("Packet Flow"),
                         "application-icon", APP_ID,
                         "developer-name", _("Packet Flow developers"),
                         "version", PACKAGE_VERSION,
                         "comments", _("See how programs talk over a network: the connection set-up, every message, the close and the state of every socket, from real kernel sockets."),
                         "website", "https://github.com/packetflow/packetflow",
                         "issue-url", "https://github.com/packetflow/packetflow/issues",
                         "developers", developers,
                         "copyright", "© 2026 Packet Flow developers",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static const GActionEntry app_actions[] = {
  { "quit", pf_application_quit_action },
  { "about", pf_application_about_action },
};

static void
pf_application_startup (GApplication *application)
{
  PfApplication *self = PF_APPLICATION (application);

  G_APPLICATION_CLASS (pf_application_parent_class)->startup (application);

  g_action_map_add_action_entries (G_ACTION_MAP (self),
                                   app_actions, G_N_ELEMENTS (app_actions),
                                   self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self),
                                         "app.quit",
                                         (const char *[]) { "<Control>q", NULL });
  gtk_application_set_accels_for_action (GTK_APPLICATION (self),
                                         "win.show-help-overlay",
                                         (const char *[]) { "<Control>question", NULL });
}

static void
pf_application_class_init (PfApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = pf_application_activate;
  app_class->open = pf_application_open;
  app_class->startup = pf_application_startup;
}

static void
pf_application_init (PfApplication *self)
{
}

PfApplication *
pf_application_new (void)
{
  return g_object_new (PF_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/packetflow/PacketFlow",
                       NULL);
}
