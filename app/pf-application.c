/* pf-application.c: the application object
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-application"

#include "config.h"

#include <glib/gi18n.h>

#include "pf-application.h"
#include "pf-builtin.h"
#include "pf-window.h"

struct _PfApplication
{
  AdwApplication  parent_instance;

  PfNetspaceMode  mode;
  int             step;
  gboolean        bench_first_frame;
};

G_DEFINE_FINAL_TYPE (PfApplication, pf_application, ADW_TYPE_APPLICATION)

/* PACKETFLOW_BENCH_FIRST_FRAME=1 is for bench/bench-startup.c, which
 * times the launch: when the first window has painted its first frame,
 * print "first-frame" and CLOCK_MONOTONIC in microseconds, and quit. */
static void
on_bench_after_paint (GdkFrameClock *clock,
                      gpointer       user_data)
{
  PfApplication *self = user_data;

  g_signal_handlers_disconnect_by_func (clock, on_bench_after_paint, self);
  g_print ("first-frame %" G_GINT64_FORMAT "\n", g_get_monotonic_time ());
  g_application_quit (G_APPLICATION (self));
}

static void
on_bench_window_realize (GtkWidget *window,
                         gpointer   user_data)
{
  g_signal_connect_object (gtk_widget_get_frame_clock (window), "after-paint",
                           G_CALLBACK (on_bench_after_paint), user_data, 0);
}

static PfWindow *
pf_application_new_window (PfApplication *self)
{
  PfWindow *window = pf_window_new (GTK_APPLICATION (self));

  pf_window_set_mode (window, self->mode);
  if (self->bench_first_frame)
    {
      self->bench_first_frame = FALSE;   /* the first window only */
      g_signal_connect_object (window, "realize",
                               G_CALLBACK (on_bench_window_realize), self, 0);
    }
  return window;
}

static PfWindow *
pf_application_get_window (PfApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));

  if (window == NULL)
    return pf_application_new_window (self);

  return PF_WINDOW (window);
}

/* `packetflow web` opens the built-in scenario when no file has that name. */
static void
pf_application_open_one (PfApplication *self,
                         PfWindow      *window,
                         GFile         *file)
{
  g_autofree char *name = g_file_get_basename (file);
  g_autoptr(GPtrArray) builtins = pf_builtin_list ();
  guint index;

  if (!g_file_query_exists (file, NULL) &&
      g_ptr_array_find_with_equal_func (builtins, name, g_str_equal, &index))
    pf_window_open_builtin (window, name);
  else
    pf_window_open_file (window, file);

  if (self->step > 0)
    pf_window_advance_to (window, self->step);
}

static int
pf_application_handle_local_options (GApplication *application,
                                     GVariantDict *options)
{
  PfApplication *self = PF_APPLICATION (application);
  const char *mode = NULL;

  if (g_variant_dict_lookup (options, "mode", "&s", &mode) &&
      !pf_netspace_mode_from_string (mode, &self->mode))
    {
      g_printerr (_("packetflow: --mode must be auto, exact or loopback, not “%s”\n"), mode);
      return 2;
    }

  g_variant_dict_lookup (options, "step", "i", &self->step);

  return G_APPLICATION_CLASS (pf_application_parent_class)->handle_local_options (application, options);
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
        window = pf_application_new_window (self);

      pf_application_open_one (self, window, files[i]);
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
  app_class->handle_local_options = pf_application_handle_local_options;
  app_class->open = pf_application_open;
  app_class->startup = pf_application_startup;
}

static void
pf_application_init (PfApplication *self)
{
  self->bench_first_frame = g_strcmp0 (g_getenv ("PACKETFLOW_BENCH_FIRST_FRAME"), "1") == 0;
}

static const GOptionEntry options[] = {
  { "mode", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Where the sockets live: auto, exact or loopback"), N_("MODE") },
  { "step", 0, 0, G_OPTION_ARG_INT, NULL,
    N_("Run the scenario up to step N when it opens"), N_("N") },
  { NULL }
};

PfApplication *
pf_application_new (void)
{
  PfApplication *self;

  self = g_object_new (PF_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/packetflow/PacketFlow",
                       NULL);
  g_application_add_main_option_entries (G_APPLICATION (self), options);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), _("[SCENARIO…]"));
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("SCENARIO is a scenario file or the name of a built-in one (web, refused, …)."));
  g_application_set_option_context_description (G_APPLICATION (self),
                                                _("Without a window:\n"
                                                  "  packetflow --list\n"
                                                  "  packetflow --check FILE\n"
                                                  "  packetflow --headless SCENARIO [--mode=MODE] [--trace=FILE|-] [--pcap=FILE|-]\n"
                                                  "(packetflow --headless --help tells more)"));
  return self;
}
