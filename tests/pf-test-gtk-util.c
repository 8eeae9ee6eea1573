/* pf-test-gtk-util.c: what the GTK tests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pf-test-gtk-util.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <gsk/gl/gskglrenderer.h>

gboolean
pf_test_widget_is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

/* @widget or the first of its descendants, depth first, that is a
 * @type; NULL if none is. */
GtkWidget *
pf_test_find_descendant (GtkWidget *widget,
                         GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = pf_test_find_descendant (child, type);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* Destroys @window and waits until @watched (the window itself, or a
 * widget in it) is finalized: nothing kept a reference. */
void
pf_test_destroy_window_at (GtkWindow  *window,
                           gpointer    watched,
                           const char *file,
                           int         line)
{
  gpointer weak = watched;

  g_object_add_weak_pointer (G_OBJECT (watched), &weak);
  gtk_window_destroy (window);
  pf_test_iterate_until_at (pf_test_is_null, &weak, PF_TEST_TIMEOUT_S,
                            "finalized", file, line);
}

/* The renderer @widget is drawn with is the one GSK_RENDERER names: GTK
 * falls back to another, without a word, when it cannot start that one
 * (GL without a driver), and a GL run would then test cairo again. */
void
pf_test_assert_renderer_at (GtkWidget  *widget,
                            const char *file,
                            int         line)
{
  const char *wanted = g_getenv ("GSK_RENDERER");
  GtkNative *native = gtk_widget_get_native (widget);
  GskRenderer *renderer = native != NULL ? gtk_native_get_renderer (native) : NULL;
  GType type;

  _assert_true (renderer != NULL, "the widget has a renderer", file, line);
  if (wanted == NULL)
    return;   /* GTK's own choice: any */

  if (g_ascii_strcasecmp (wanted, "cairo") == 0)
    type = GSK_TYPE_CAIRO_RENDERER;
  else if (g_ascii_strcasecmp (wanted, "gl") == 0 || g_ascii_strcasecmp (wanted, "opengl") == 0)
    type = GSK_TYPE_GL_RENDERER;
  else
    {
      print_error ("ERROR: GSK_RENDERER=%s: the tests know cairo and gl\n", wanted);
      _fail (file, line);
      return;
    }

  if (!G_TYPE_CHECK_INSTANCE_TYPE (renderer, type))
    {
      print_error ("ERROR: GSK_RENDERER=%s, but GTK draws with %s\n",
                   wanted, G_OBJECT_TYPE_NAME (renderer));
      _fail (file, line);
      return;
    }
}

/* Packet Flow's application, registered and not unique: tests do not
 * want to find another instance on the session bus. */
PfApplication *
pf_test_application_start (void)
{
  PfApplication *app = pf_application_new ();
  g_autoptr(GError) error = NULL;

  g_application_set_flags (G_APPLICATION (app),
                           g_application_get_flags (G_APPLICATION (app)) | G_APPLICATION_NON_UNIQUE);
  assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  assert_null (error);
  return app;
}
