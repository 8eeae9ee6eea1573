/* bench-hello.c: the smallest libadwaita application, the reference for
 * the start-up benchmark
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One AdwApplication, one AdwApplicationWindow with a label: what any
 * GTK 4 / libadwaita program pays to show a window on this machine.
 * bench-startup.c launches it beside packetflow, the same way, and it
 * has the same hook: with PACKETFLOW_BENCH_FIRST_FRAME=1 it prints
 * "first-frame" and CLOCK_MONOTONIC in microseconds when its window has
 * painted its first frame, and quits.
 */

#include "config.h"

#include <adwaita.h>

static void
on_after_paint (GdkFrameClock *clock,
                gpointer       user_data)
{
  GApplication *application = user_data;

  g_signal_handlers_disconnect_by_func (clock, on_after_paint, user_data);
  g_print ("first-frame %" G_GINT64_FORMAT "\n", g_get_monotonic_time ());
  g_application_quit (application);
}

static void
on_realize (GtkWidget *window,
            gpointer   user_data)
{
  g_signal_connect_object (gtk_widget_get_frame_clock (window), "after-paint",
                           G_CALLBACK (on_after_paint), user_data, 0);
}

static void
on_activate (GApplication *application)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (application));
  GtkWidget *label = gtk_label_new ("Hello");

  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), label);
  gtk_window_set_title (GTK_WINDOW (window), "Hello");
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);
  if (g_strcmp0 (g_getenv ("PACKETFLOW_BENCH_FIRST_FRAME"), "1") == 0)
    g_signal_connect_object (window, "realize", G_CALLBACK (on_realize), application, 0);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AdwApplication) application = NULL;

  application = adw_application_new ("io.github.packetflow.BenchHello", G_APPLICATION_DEFAULT_FLAGS);
  g_signal_connect (application, "activate", G_CALLBACK (on_activate), NULL);

  return g_application_run (G_APPLICATION (application), argc, argv);
}
