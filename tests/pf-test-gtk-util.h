/* pf-test-gtk-util.h: what the GTK tests share, beyond pf-test-util.h
 *
 * Kept apart, as GNOME Console keeps kgx-test-gtk-utils.c, so that the
 * tests of core/ build without GTK as core/ does.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "pf-application.h"
#include "pf-test-util.h"

G_BEGIN_DECLS

gboolean   pf_test_widget_is_mapped   (gpointer    widget);
GtkWidget *pf_test_find_descendant    (GtkWidget  *widget,
                                       GType       type);
PfApplication *pf_test_application_start (void);

#define pf_test_destroy_window(window, watched) \
  pf_test_destroy_window_at ((window), (watched), __FILE__, __LINE__)
#define pf_test_assert_renderer(widget) \
  pf_test_assert_renderer_at ((widget), __FILE__, __LINE__)

void       pf_test_destroy_window_at  (GtkWindow  *window,
                                       gpointer    watched,
                                       const char *file,
                                       int         line);
void       pf_test_assert_renderer_at (GtkWidget  *widget,
                                       const char *file,
                                       int         line);

G_END_DECLS
