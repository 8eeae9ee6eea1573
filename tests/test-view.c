/* test-view.c: the base of the views, through a subclass made here
 *
 * player_changed and zoom_changed run once per real change and never for
 * the value already there; so do notify::player and notify::zoom; the
 * zoom stays in the one range and scales the font of a view that asks
 * for it; a handler on the player's signal group hears the view's player
 * and only it; the view is finalized.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pf-test-gtk-util.h"
#include "pf-test-util.h"

#include <gtk/gtk.h>

#include "pf-view.h"

/* The subclass: counts what the base tells it. */

#define PF_TYPE_TEST_VIEW (pf_test_view_get_type ())

G_DECLARE_FINAL_TYPE (PfTestView, pf_test_view, PF, TEST_VIEW, PfView)

struct _PfTestView
{
  PfView  parent_instance;

  guint   n_player_changed;
  guint   n_zoom_changed;
  double  old_zoom;         /* as zoom_changed got it */
  double  zoom_seen;        /* pf_view_get_zoom () inside zoom_changed */
  guint   n_speed;          /* notify::speed of the player, through the group */
  guint   n_notify_player;
  guint   n_notify_zoom;
};

G_DEFINE_FINAL_TYPE (PfTestView, pf_test_view, PF_TYPE_VIEW)

static void
on_speed (PfTestView *self)
{
  self->n_speed++;
}

static void
on_notify_player (PfTestView *self)
{
  self->n_notify_player++;
}

static void
on_notify_zoom (PfTestView *self)
{
  self->n_notify_zoom++;
}

static void
pf_test_view_player_changed (PfView *view)
{
  PF_TEST_VIEW (view)->n_player_changed++;
}

static void
pf_test_view_zoom_changed (PfView *view,
                           double  old_zoom)
{
  PfTestView *self = PF_TEST_VIEW (view);

  self->n_zoom_changed++;
  self->old_zoom = old_zoom;
  self->zoom_seen = pf_view_get_zoom (view);
}

static void
pf_test_view_class_init (PfTestViewClass *klass)
{
  PfViewClass *view_class = PF_VIEW_CLASS (klass);

  view_class->player_changed = pf_test_view_player_changed;
  view_class->zoom_changed = pf_test_view_zoom_changed;
}

static void
pf_test_view_init (PfTestView *self)
{
  g_signal_group_connect_swapped (pf_view_get_player_signals (PF_VIEW (self)), "notify::speed",
                                  G_CALLBACK (on_speed), self);
  g_signal_connect (self, "notify::player", G_CALLBACK (on_notify_player), NULL);
  g_signal_connect (self, "notify::zoom", G_CALLBACK (on_notify_zoom), NULL);
}

/* A view whose font the zoom scales, and nothing else. */

#define PF_TYPE_TEST_TEXT_VIEW (pf_test_text_view_get_type ())

G_DECLARE_FINAL_TYPE (PfTestTextView, pf_test_text_view, PF, TEST_TEXT_VIEW, PfView)

struct _PfTestTextView
{
  PfView parent_instance;
};

G_DEFINE_FINAL_TYPE (PfTestTextView, pf_test_text_view, PF_TYPE_VIEW)

static void
pf_test_text_view_class_init (PfTestTextViewClass *klass)
{
  PF_VIEW_CLASS (klass)->zoom_scales_font = TRUE;
}

static void
pf_test_text_view_init (PfTestTextView *self)
{
}

/* The tests */

typedef struct
{
  PfTestView *view;
  PfView     *base;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);

  f->view = g_object_ref_sink (g_object_new (PF_TYPE_TEST_VIEW, NULL));
  f->base = PF_VIEW (f->view);
  *state = f;
  return 0;
}

/* Unreffed, the view is finalized: nothing else held it. */
static int
teardown (void **state)
{
  Fixture *f = *state;
  gpointer weak = f->view;

  g_object_add_weak_pointer (G_OBJECT (f->view), &weak);
  g_object_unref (f->view);
  assert_null (weak);

  g_free (f);
  return 0;
}

static void
test_defaults (void **state)
{
  Fixture *f = *state;

  assert_null (pf_view_get_player (f->base));
  assert_float_equal (pf_view_get_zoom (f->base), 1.0, 1e-12);
  assert_non_null (pf_view_get_player_signals (f->base));
  assert_int_equal (f->view->n_player_changed, 0);
  assert_int_equal (f->view->n_zoom_changed, 0);
  assert_int_equal (f->view->n_notify_player, 0);
  assert_int_equal (f->view->n_notify_zoom, 0);
}

static void
test_player_changed_once_per_change (void **state)
{
  Fixture *f = *state;
  g_autoptr(PfPlayer) first = pf_player_new ();
  g_autoptr(PfPlayer) second = pf_player_new ();
  PfPlayer *got = NULL;

  pf_view_set_player (f->base, first);
  assert_ptr_equal (pf_view_get_player (f->base), first);
  assert_int_equal (f->view->n_player_changed, 1);
  assert_int_equal (f->view->n_notify_player, 1);

  /* The same player again, by function and by property: nothing. */
  pf_view_set_player (f->base, first);
  g_object_set (f->view, "player", first, NULL);
  assert_int_equal (f->view->n_player_changed, 1);
  assert_int_equal (f->view->n_notify_player, 1);

  g_object_set (f->view, "player", second, NULL);
  g_object_get (f->view, "player", &got, NULL);
  assert_ptr_equal (got, second);
  g_clear_object (&got);
  assert_int_equal (f->view->n_player_changed, 2);
  assert_int_equal (f->view->n_notify_player, 2);

  pf_view_set_player (f->base, NULL);
  pf_view_set_player (f->base, NULL);
  assert_null (pf_view_get_player (f->base));
  assert_int_equal (f->view->n_player_changed, 3);
  assert_int_equal (f->view->n_notify_player, 3);

  /* The player was not the zoom. */
  assert_int_equal (f->view->n_zoom_changed, 0);
  assert_int_equal (f->view->n_notify_zoom, 0);
}

static void
test_zoom_changed_once_per_change (void **state)
{
  Fixture *f = *state;
  double zoom = 0.0;

  pf_view_set_zoom (f->base, 2.0);
  assert_float_equal (pf_view_get_zoom (f->base), 2.0, 1e-12);
  assert_int_equal (f->view->n_zoom_changed, 1);
  assert_float_equal (f->view->old_zoom, 1.0, 1e-12);
  assert_float_equal (f->view->zoom_seen, 2.0, 1e-12);
  assert_int_equal (f->view->n_notify_zoom, 1);

  /* The same zoom again, by function and by property: nothing. */
  pf_view_set_zoom (f->base, 2.0);
  g_object_set (f->view, "zoom", 2.0, NULL);
  assert_int_equal (f->view->n_zoom_changed, 1);
  assert_int_equal (f->view->n_notify_zoom, 1);

  g_object_set (f->view, "zoom", 1.5, NULL);
  g_object_get (f->view, "zoom", &zoom, NULL);
  assert_float_equal (zoom, 1.5, 1e-12);
  assert_int_equal (f->view->n_zoom_changed, 2);
  assert_float_equal (f->view->old_zoom, 2.0, 1e-12);
  assert_int_equal (f->view->n_notify_zoom, 2);

  /* The zoom was not the player. */
  assert_int_equal (f->view->n_player_changed, 0);
  assert_int_equal (f->view->n_notify_player, 0);
}

static void
test_zoom_clamped_to_one_range (void **state)
{
  Fixture *f = *state;
  GObjectClass *klass = G_OBJECT_GET_CLASS (f->view);
  GParamSpecDouble *pspec = G_PARAM_SPEC_DOUBLE (g_object_class_find_property (klass, "zoom"));

  /* The property's range is the one range. */
  assert_float_equal (pspec->minimum, PF_VIEW_MIN_ZOOM, 1e-12);
  assert_float_equal (pspec->maximum, PF_VIEW_MAX_ZOOM, 1e-12);
  assert_true (PF_VIEW_MIN_ZOOM < 1.0 && 1.0 < PF_VIEW_MAX_ZOOM);

  pf_view_set_zoom (f->base, 10.0);
  assert_float_equal (pf_view_get_zoom (f->base), PF_VIEW_MAX_ZOOM, 1e-12);
  assert_float_equal (f->view->zoom_seen, PF_VIEW_MAX_ZOOM, 1e-12);
  assert_int_equal (f->view->n_zoom_changed, 1);
  assert_int_equal (f->view->n_notify_zoom, 1);

  /* Beyond the end again, or at it: clamped to where it is, no change. */
  pf_view_set_zoom (f->base, 20.0);
  pf_view_set_zoom (f->base, PF_VIEW_MAX_ZOOM);
  assert_int_equal (f->view->n_zoom_changed, 1);
  assert_int_equal (f->view->n_notify_zoom, 1);

  pf_view_set_zoom (f->base, 0.01);
  assert_float_equal (pf_view_get_zoom (f->base), PF_VIEW_MIN_ZOOM, 1e-12);
  assert_float_equal (f->view->old_zoom, PF_VIEW_MAX_ZOOM, 1e-12);
  assert_int_equal (f->view->n_zoom_changed, 2);
  assert_int_equal (f->view->n_notify_zoom, 2);

  pf_view_set_zoom (f->base, -1.0);
  g_object_set (f->view, "zoom", PF_VIEW_MIN_ZOOM, NULL);
  assert_int_equal (f->view->n_zoom_changed, 2);
  assert_int_equal (f->view->n_notify_zoom, 2);
}

static void
test_signal_group_follows_player (void **state)
{
  Fixture *f = *state;
  g_autoptr(PfPlayer) first = pf_player_new ();
  g_autoptr(PfPlayer) second = pf_player_new ();
  gpointer target;

  /* No player: nobody is heard. */
  pf_player_set_speed (first, 2.0);
  assert_int_equal (f->view->n_speed, 0);

  pf_view_set_player (f->base, first);
  target = g_signal_group_dup_target (pf_view_get_player_signals (f->base));
  assert_ptr_equal (target, first);
  g_clear_object (&target);
  pf_player_set_speed (first, 0.5);
  assert_int_equal (f->view->n_speed, 1);
  pf_player_set_speed (second, 2.0);
  assert_int_equal (f->view->n_speed, 1);

  /* A new player: the old one is not heard any more. */
  pf_view_set_player (f->base, second);
  pf_player_set_speed (first, 4.0);
  assert_int_equal (f->view->n_speed, 1);
  pf_player_set_speed (second, 0.25);
  assert_int_equal (f->view->n_speed, 2);

  pf_view_set_player (f->base, NULL);
  pf_player_set_speed (second, 1.0);
  pf_player_set_speed (first, 1.0);
  assert_int_equal (f->view->n_speed, 2);
}

/* Points, as the widget's style has computed them so far. */
static double
font_size (GtkWidget *widget)
{
  PangoContext *context = gtk_widget_get_pango_context (widget);

  return pango_font_description_get_size (pango_context_get_font_description (context)) /
         (double) PANGO_SCALE;
}

typedef struct
{
  GtkWidget *widget;
  double     size;
} FontWait;

static gboolean
has_font_size (gpointer data)
{
  FontWait *wait = data;

  return G_APPROX_VALUE (font_size (wait->widget), wait->size, 1e-3);
}

/* The zoom scales the font of a view whose class says so, and only
 * that view's: a view that draws at the zoom keeps the font it had. */
static void
test_zoom_scales_font (void **state)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *text = g_object_new (PF_TYPE_TEST_TEXT_VIEW, NULL);
  GtkWidget *drawn = g_object_new (PF_TYPE_TEST_VIEW, NULL);
  FontWait wait;
  double base;

  gtk_box_append (GTK_BOX (box), text);
  gtk_box_append (GTK_BOX (box), drawn);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));
  pf_test_iterate_until (pf_test_widget_is_mapped, window);

  base = font_size (drawn);
  assert_true (base > 0.0);
  assert_float_equal (font_size (text), base, 1e-3);

  pf_view_set_zoom (PF_VIEW (text), 2.0);
  pf_view_set_zoom (PF_VIEW (drawn), 2.0);
  wait = (FontWait) { text, 2.0 * base };
  pf_test_iterate_until (has_font_size, &wait);
  assert_float_equal (font_size (drawn), base, 1e-3);

  pf_view_set_zoom (PF_VIEW (text), PF_VIEW_MIN_ZOOM);
  wait = (FontWait) { text, PF_VIEW_MIN_ZOOM * base };
  pf_test_iterate_until (has_font_size, &wait);
  assert_float_equal (font_size (drawn), base, 1e-3);

  pf_test_destroy_window (GTK_WINDOW (window), window);
}

/* In a window and holding a player, the view still goes away with the
 * window and gives its reference on the player back. */
static void
test_finalized_in_window (void **state)
{
  PfPlayer *player = pf_player_new ();
  GtkWidget *window = gtk_window_new ();
  PfTestView *view = g_object_new (PF_TYPE_TEST_VIEW, "player", player, "zoom", 2.0, NULL);
  gpointer weak_view = view;
  gpointer weak_player = player;

  assert_int_equal (view->n_player_changed, 1);
  assert_int_equal (view->n_zoom_changed, 1);
  g_object_add_weak_pointer (G_OBJECT (view), &weak_view);
  g_object_add_weak_pointer (G_OBJECT (player), &weak_player);

  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));
  gtk_window_present (GTK_WINDOW (window));
  gtk_window_destroy (GTK_WINDOW (window));
  pf_test_iterate_until (pf_test_is_null, &weak_view);

  g_object_unref (player);
  assert_null (weak_player);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_defaults, setup, teardown),
    cmocka_unit_test_setup_teardown (test_player_changed_once_per_change, setup, teardown),
    cmocka_unit_test_setup_teardown (test_zoom_changed_once_per_change, setup, teardown),
    cmocka_unit_test_setup_teardown (test_zoom_clamped_to_one_range, setup, teardown),
    cmocka_unit_test_setup_teardown (test_signal_group_follows_player, setup, teardown),
    cmocka_unit_test (test_zoom_scales_font),
    cmocka_unit_test (test_finalized_in_window),
  };

  gtk_init ();
  return cmocka_run_group_tests (tests, NULL, NULL);
}
