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
