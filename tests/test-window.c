/* test-window.c: the main window opens, shows and goes away cleanly
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pf-application.h"
#include "pf-window.h"

static void
iterate_until (gboolean (*done) (gpointer), gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!done (data))
    {
      assert_true (g_get_monotonic_time () < deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

static gboolean
is_null (gpointer pointer_to_pointer)
{
  return *(gpointer *) pointer_to_pointer == NULL;
}

static PfApplication *
start_application (void)
{
  PfApplication *app = pf_application_new ();
  g_autoptr(GError) error = NULL;

  /* Tests do not want to find another instance on the session bus. */
  g_application_set_flags (G_APPLICATION (app),
                           g_application_get_flags (G_APPLICATION (app)) | G_APPLICATION_NON_UNIQUE);
  assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  assert_null (error);
  return app;
}

static void
test_window_shown_and_finalized (void **state)
{
  g_autoptr(PfApplication) app = start_application ();
  GtkWindow *window;
  gpointer weak = NULL;

  g_application_activate (G_APPLICATION (app));

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  assert_non_null (window);
  assert_true (PF_IS_WINDOW (window));
  iterate_until (is_mapped, window);

  assert_string_equal (gtk_window_get_title (window), "Packet Flow");
  assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));

  /* A second activation presents the same window rather than a new one. */
  g_application_activate (G_APPLICATION (app));
  assert_ptr_equal (gtk_application_get_active_window (GTK_APPLICATION (app)), window);
  assert_int_equal (g_list_length (gtk_application_get_windows (GTK_APPLICATION (app))), 1);

  weak = window;
  g_object_add_weak_pointer (G_OBJECT (window), &weak);
  gtk_window_destroy (window);
  iterate_until (is_null, &weak);
  assert_null (gtk_application_get_windows (GTK_APPLICATION (app)));
}

static void
test_actions_and_accels (void **state)
{
  g_autoptr(PfApplication) app = start_application ();
  g_auto(GStrv) quit_accels = NULL;
  g_auto(GStrv) help_accels = NULL;
  GtkWindow *window;
  gpointer weak;

  assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "quit"));
  assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "about"));

  quit_accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.quit");
  assert_int_equal (g_strv_length (quit_accels), 1);
  assert_string_equal (quit_accels[0], "<Control>q");

  help_accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.show-help-overlay");
  assert_int_equal (g_strv_length (help_accels), 1);

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  iterate_until (is_mapped, window);

  /* The shortcuts window comes from the resource, through the window. */
  assert_true (g_action_group_has_action (G_ACTION_GROUP (window), "show-help-overlay"));
  assert_non_null (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window)));

  /* app.quit closes every window. */
  weak = window;
  g_object_add_weak_pointer (G_OBJECT (window), &weak);
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  iterate_until (is_null, &weak);
}

static void
test_open_file_names_it (void **state)
{
  g_autoptr(PfApplication) app = start_application ();
  g_autoptr(GFile) file = g_file_new_for_path ("/tmp/example.pflow.json");
  GtkWindow *window;
  gpointer weak;

  g_application_open (G_APPLICATION (app), &file, 1, "");
  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  assert_non_null (window);
  iterate_until (is_mapped, window);

  weak = window;
  g_object_add_weak_pointer (G_OBJECT (window), &weak);
  gtk_window_destroy (window);
  iterate_until (is_null, &weak);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_window_shown_and_finalized),
    cmocka_unit_test (test_actions_and_accels),
    cmocka_unit_test (test_open_file_names_it),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
