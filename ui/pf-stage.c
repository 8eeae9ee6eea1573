/* pf-stage.c: the hosts, their ports, the connections and the packets moving
 *
 * The stage draws what the player has on screen: every host of the
 * scenario as a card (a pictogram of its kind, its name, its address, its
 * DNS names) with its listening ports as plugs on the card's edge; every
 * connection of the history [0, position) as a line from the client's
 * card to the server's plug, labelled with its 4-tuple; and the segments
 * of the step on screen [step_start, position) as envelopes flying along
 * those lines, one after the other, several at once.
 *
 * What it draws is cached: text layouts when the model or the font
 * changes, fractions of the stage when the model changes, geometry when
 * the size, the zoom or a host's place changes, and the still picture
 * (lines, labels, cards) as one render node when any of those or the
 * position changes; for GTK's cairo renderer, which would draw that node
 * anew every frame, as an image of its visible part too. A frame only
 * adds the envelopes in flight, each an image made once for all
 * envelopes that look alike (see PfStagePicture), so a frame costs
 * little with any renderer, the cairo one included. The tick callback
 * runs only while an envelope flies.
 *
 * Coordinates: the stage's own units are pixels at zoom 1. At zoom 1 the
 * world is the widget's size, or the room the hosts need if that is
 * larger, and then everything is drawn smaller so that it fits; the zoom
 * scales from there, and where the world is larger than the widget the
 * stage pans. A host's centre is a fraction of the world, moved in where
 * its card would cross the edge, so a resized window keeps the picture.
 *
 * This file is the widget: a PfView, which holds the player and the
 * zoom; here is what the stage does when either changes, the player's
 * signals, input and the public API. What is on the stage and where is in
 * pf-stage-scene.c, the envelopes' flights in pf-stage-flights.c, the
 * drawing in pf-stage-draw.c and the pictures kept in pf-stage-cache.c,
 * behind pf-stage-private.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-stage"

#include "config.h"

#include "pf-stage-private.h"
#include "pf-view-util.h"

#include <math.h>

#include <glib/gi18n.h>

G_DEFINE_FINAL_TYPE (PfStage, pf_stage, PF_TYPE_VIEW)

guint pf_stage_moves_changed_signal;

/* The player */

static void
on_player_changed (PfStage *self)
{
  pf_stage_sync (self);
}

static void
on_selected_changed (PfStage *self)
{
  pf_stage_update_selection (self);
  pf_stage_update_accessible (self);
  self->scene_dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_speed_changed (PfStage *self)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));

  self->speed = player ? pf_player_get_speed (player) : 1.0;
}

static void
on_timeline_items_changed (GListModel *model,
                           guint       position,
                           guint       removed,
                           guint       added,
                           PfStage    *self)
{
  /* The history is only ever appended to; anything else is a new run. */
  if (removed > 0)
    pf_stage_reset_run (self, NULL);
  pf_stage_sync (self);
}

/* Accessibility */

void
pf_stage_update_accessible (PfStage *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint n = self->hosts->len;

  if (n == 0)
    g_string_append (text, _("Network stage, empty"));
  else
    {
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "Network stage: %u host",
                                                 "Network stage: %u hosts", n), n);
      for (guint i = 0; i < n && i < 10; i++)
        {
          const PfHost *h = pf_stage_host_at (self, i)->host;
          char address[PF_IPV4_STRLEN];

          pf_ipv4_format (h->address, address);
          g_string_append_printf (text, "%s %s %s", i == 0 ? "," : ";", h->name ? h->name : h->id, address);
        }
      if (n > 10)
        g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "; and %u more",
                                                   "; and %u more", n - 10), n - 10);
      g_string_append (text, ". ");
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u connection. ",
                                                 "%u connections. ", self->n_connections),
                              self->n_connections);
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u packet in this step.",
                                                 "%u packets in this step.", self->flights->len),
                              self->flights->len);
    }

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text->str,
                                  -1);

  /* The step and the selected segment, for a screen reader. */
  {
    g_autofree char *run = pf_view_describe_run (pf_view_get_player (PF_VIEW (self)));

    if (run != NULL)
      gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, run, -1);
    else
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
  }
}

/* Drawing */

static void
pf_stage_snapshot (GtkWidget   *widget,
                   GtkSnapshot *snapshot)
{
  PfStage *self = PF_STAGE (widget);

  if (self->hosts->len == 0)
    return;

  pf_stage_ensure_style (self);
  pf_stage_ensure_geometry (self);
  pf_stage_ensure_scene (self);

  /* From the stage's origin, in the widget's units: pictures are shown
   * unscaled there. */
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (self->origin_x, self->origin_y));
  /* The cairo renderer would draw every card and label anew each frame:
   * it gets the visible part as an image. Other renderers draw the node
   * fast, where an image of a large world would be a large texture. */
  if (GSK_IS_CAIRO_RENDERER (pf_stage_renderer (self)))
    {
      graphene_rect_t visible = GRAPHENE_RECT_INIT (-self->origin_x / self->scale,
                                                    -self->origin_y / self->scale,
                                                    gtk_widget_get_width (widget) / self->scale,
                                                    gtk_widget_get_height (widget) / self->scale);

      pf_stage_append_picture (self, snapshot, &self->scene, 0, 0, self->scale, &visible);
    }
  else if (self->scene.node != NULL)
    {
      gtk_snapshot_save (snapshot);
      gtk_snapshot_scale (snapshot, self->scale, self->scale);
      gtk_snapshot_append_node (snapshot, self->scene.node);
      gtk_snapshot_restore (snapshot);
    }
  pf_stage_draw_flights (self, snapshot);
  gtk_snapshot_restore (snapshot);
}

static void
pf_stage_css_changed (GtkWidget         *widget,
                      GtkCssStyleChange *change)
{
  PfStage *self = PF_STAGE (widget);

  GTK_WIDGET_CLASS (pf_stage_parent_class)->css_changed (widget, change);

  /* Dark, high contrast and a new theme come this way, as libadwaita's
   * style manager swaps the stylesheets. GTK redraws a widget only where
   * its own style changed, and the stage's colours are named colours:
   * without this, switching high contrast left the stage as it was until
   * something else redrew it (GTK 4.8.3). */
  self->style_valid = FALSE;
  gtk_widget_queue_draw (widget);
}

static void
pf_stage_measure (GtkWidget      *widget,
                  GtkOrientation  orientation,
                  int             for_size,
                  int            *minimum,
                  int            *natural,
                  int            *minimum_baseline,
                  int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 200 : 150;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 720 : 420;
}

/* Input */

static void
to_stage (PfStage          *self,
          double            x,
          double            y,
          graphene_point_t *out)
{
  out->x = (x - self->origin_x) / self->scale;
  out->y = (y - self->origin_y) / self->scale;
}

static int
host_at_point (PfStage *self,
               double   x,
               double   y)
{
  graphene_point_t p;

  if (self->hosts->len == 0)
    return -1;
  pf_stage_ensure_geometry (self);
  to_stage (self, x, y, &p);

  if (self->drag_mode == DRAG_HOST && self->drag_host >= 0)
    {
      PfStageHost *host = pf_stage_host_at (self, self->drag_host);

      if (graphene_rect_contains_point (&GRAPHENE_RECT_INIT (host->x, host->y, host->w, host->h), &p))
        return self->drag_host;
    }
  for (guint i = self->hosts->len; i-- > 0;)
    {
      PfStageHost *host = pf_stage_host_at (self, i);

      if (graphene_rect_contains_point (&GRAPHENE_RECT_INIT (host->x - PLUG_WIDTH / 2, host->y,
                                                             host->w + PLUG_WIDTH, host->h), &p))
        return i;
    }
  return -1;
}

static gboolean
art_contains (const PfStageArt       *art,
              const graphene_point_t *at,
              const graphene_point_t *p)
{
  return art != NULL &&
         graphene_rect_contains_point (&GRAPHENE_RECT_INIT (at->x - art->w / 2 - 2, at->y - art->h / 2 - 2,
                                                            art->w + 4, art->h + 4), p);
}

/* The envelope drawn on top at (@x, @y), in widget coordinates. */
static PfEvent *
envelope_at_point (PfStage *self,
                   double   x,
                   double   y)
{
  graphene_point_t p, at;
  gboolean selected_flying = FALSE;

  if (self->hosts->len == 0 || !self->have_colors)
    return NULL;
  pf_stage_ensure_geometry (self);
  to_stage (self, x, y, &p);

  for (guint i = self->first_live; i < self->flights->len; i++)
    selected_flying |= g_array_index (self->flights, PfStageFlight, i).event == self->parked &&
                       pf_stage_flight_point (self, &g_array_index (self->flights, PfStageFlight, i), &at);

  if (self->parked != NULL && !selected_flying)
    {
      pf_stage_parked_point (self, &at);
      if (art_contains (pf_stage_parked_art (self), &at, &p))
        return self->parked;
    }

  for (guint i = self->flights->len; i-- > self->first_live;)
    {
      PfStageFlight *f = &g_array_index (self->flights, PfStageFlight, i);

      if (pf_stage_flight_point (self, f, &at) && art_contains (pf_stage_flight_art (self, f), &at, &p))
        return f->event;
    }
  return NULL;
}

static void
set_cursor (PfStage    *self,
            const char *name)
{
  if (g_strcmp0 (self->cursor, name) == 0)
    return;
  self->cursor = name;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), name);
}

static void
on_motion (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           PfStage                  *self)
{
  if (self->drag_mode != DRAG_NONE)
    return;
  if (envelope_at_point (self, x, y) != NULL)
    set_cursor (self, "pointer");
  else if (host_at_point (self, x, y) >= 0)
    set_cursor (self, "grab");
  else
    set_cursor (self, NULL);
}

static void
on_click_pressed (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  PfStage         *self)
{
  PfEvent *event = envelope_at_point (self, x, y);

  g_set_object (&self->pressed, event);
}

static void
on_click_released (GtkGestureClick *gesture,
                   int              n_press,
                   double           x,
                   double           y,
                   PfStage         *self)
{
  g_autoptr(PfEvent) event = g_steal_pointer (&self->pressed);
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));

  if (event != NULL && player != NULL && n_press == 1)
    pf_player_set_selected (player, event);
}

static void
on_click_stopped (GtkGestureClick *gesture,
                  PfStage         *self)
{
  g_clear_object (&self->pressed);
}

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               PfStage        *self)
{
  int host = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture)) == GDK_BUTTON_PRIMARY
             ? host_at_point (self, x, y) : -1;

  self->drag_claimed = FALSE;
  if (self->hosts->len == 0)
    {
      self->drag_mode = DRAG_NONE;
      return;
    }

  if (host >= 0)
    {
      PfStageHost *h = pf_stage_host_at (self, host);
      graphene_point_t p;

      to_stage (self, x, y, &p);
      self->drag_mode = DRAG_HOST;
      self->drag_host = host;
      self->drag_dx = h->x + h->w / 2 - p.x;
      self->drag_dy = h->y + h->h / 2 - p.y;
    }
  else
    {
      self->drag_mode = DRAG_PAN;
      self->drag_host = -1;
      self->drag_pan_x = self->pan_x;
      self->drag_pan_y = self->pan_y;
    }
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          offset_x,
                double          offset_y,
                PfStage        *self)
{
  double start_x, start_y;

  if (self->drag_mode == DRAG_NONE)
    return;
  if (!self->drag_claimed)
    {
      if (hypot (offset_x, offset_y) < 4)
        return;
      self->drag_claimed = TRUE;
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
      set_cursor (self, "grabbing");
      if (self->drag_mode == DRAG_HOST)
        {
          self->scene_dirty = TRUE;  /* the dragged card on top */
          pf_stage_note_move (self, self->drag_host);
        }
    }

  gtk_gesture_drag_get_start_point (gesture, &start_x, &start_y);

  if (self->drag_mode == DRAG_HOST)
    {
      PfStageHost *host = pf_stage_host_at (self, self->drag_host);
      graphene_point_t p;

      to_stage (self, start_x + offset_x, start_y + offset_y, &p);
      /* Kept as fractions, within where the card can be. */
      host->fx = pf_stage_place ((p.x + self->drag_dx) / self->world_w, self->world_w,
                                 pf_stage_half_width (host)) / self->world_w;
      host->fy = pf_stage_place ((p.y + self->drag_dy) / self->world_h, self->world_h,
                                 host->h / 2) / self->world_h;
      self->geometry_dirty = TRUE;
    }
  else
    {
      pf_stage_ensure_geometry (self);
      self->pan_x = self->drag_pan_x + offset_x;
      self->pan_y = self->drag_pan_y + offset_y;
      pf_stage_update_origin (self);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_drag_end (GtkGestureDrag *gesture,
             double          offset_x,
             double          offset_y,
             PfStage        *self)
{
  if (self->drag_mode == DRAG_HOST)
    {
      self->scene_dirty = TRUE;
      if (self->drag_claimed)
        g_signal_emit (self, pf_stage_moves_changed_signal, 0);
    }
  self->drag_mode = DRAG_NONE;
  self->drag_host = -1;
  set_cursor (self, NULL);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
on_scroll (GtkEventControllerScroll *scroll,
           double                    dx,
           double                    dy,
           PfStage                  *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (scroll));

  if (!(state & GDK_CONTROL_MASK))
    return FALSE;

  pf_view_set_zoom (PF_VIEW (self), pf_view_get_zoom (PF_VIEW (self)) * pow (1.1, -dy));
  return TRUE;
}

/* PfView */

static void
pf_stage_player_changed (PfView *view)
{
  PfStage *self = PF_STAGE (view);

  on_speed_changed (self);
  pf_stage_reset_run (self, NULL);
  pf_stage_sync (self);
  pf_stage_update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
pf_stage_zoom_changed (PfView *view,
                       double  old_zoom)
{
  PF_STAGE (view)->geometry_dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (view));
}

/**
 * pf_stage_set_enlarge:
 * @self: a stage
 * @enlarge: whether the picture fills the room it has
 *
 * At zoom 1 the stage draws its picture whole, at most at its natural
 * size. Enlarged (presentation mode, in front of a lecture hall), it
 * draws it up to PF_STAGE_MAX_FIT times larger where it has the room,
 * so cards and labels are read from the back row.
 */
void
pf_stage_set_enlarge (PfStage  *self,
                      gboolean  enlarge)
{
  g_return_if_fail (PF_IS_STAGE (self));

  enlarge = !!enlarge;
  if (self->enlarge == enlarge)
    return;
  self->enlarge = enlarge;
  self->geometry_dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
pf_stage_get_enlarge (PfStage *self)
{
  g_return_val_if_fail (PF_IS_STAGE (self), FALSE);
  return self->enlarge;
}

/* GObject */

/* PfView's dispose, after this one, lets go of the player and its
 * signals; the timeline's are the stage's own. */
static void
pf_stage_dispose (GObject *object)
{
  PfStage *self = PF_STAGE (object);

  pf_stage_stop_tick (self);
  if (self->timeline_signals != NULL)
    g_signal_group_set_target (self->timeline_signals, NULL);
  g_clear_object (&self->timeline_signals);
  g_clear_object (&self->parked);
  g_clear_object (&self->pressed);
  g_clear_object (&self->failure.text);
  if (self->hops != NULL)
    g_ptr_array_set_size (self->hops, 0);
  g_clear_weak_pointer (&self->engine);
  g_clear_weak_pointer (&self->moves_engine);

  G_OBJECT_CLASS (pf_stage_parent_class)->dispose (object);
}

static void
pf_stage_finalize (GObject *object)
{
  PfStage *self = PF_STAGE (object);

  g_clear_pointer (&self->flights, g_array_unref);
  g_clear_pointer (&self->moves, g_array_unref);
  g_clear_pointer (&self->home, g_array_unref);
  g_clear_pointer (&self->schedule, pf_flight_schedule_free);
  g_clear_pointer (&self->pair_worlds, g_array_unref);
  g_clear_pointer (&self->arts, g_hash_table_unref);
  g_clear_pointer (&self->conn_by_key, g_hash_table_unref);
  g_clear_pointer (&self->lanes, g_hash_table_unref);
  g_clear_pointer (&self->conns, g_ptr_array_unref);
  g_clear_pointer (&self->links, g_ptr_array_unref);
  g_clear_pointer (&self->hops, g_ptr_array_unref);
  g_clear_pointer (&self->host_by_address, g_hash_table_unref);
  g_clear_pointer (&self->hosts, g_ptr_array_unref);
  g_clear_pointer (&self->scenario, pf_scenario_free);
  pf_stage_picture_clear (&self->scene);
  for (guint i = 0; i < N_ICONS; i++)
    pf_stage_picture_clear (&self->icons[i]);

  G_OBJECT_CLASS (pf_stage_parent_class)->finalize (object);
}

static void
pf_stage_class_init (PfStageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  PfViewClass *view_class = PF_VIEW_CLASS (klass);

  object_class->dispose = pf_stage_dispose;
  object_class->finalize = pf_stage_finalize;

  widget_class->snapshot = pf_stage_snapshot;
  widget_class->css_changed = pf_stage_css_changed;
  widget_class->measure = pf_stage_measure;

  view_class->player_changed = pf_stage_player_changed;
  view_class->zoom_changed = pf_stage_zoom_changed;

  /* A host was moved by hand, or put back (pf-stage-moves.c). */
  pf_stage_moves_changed_signal =
    g_signal_new ("moves-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_css_name (widget_class, "stage");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
pf_stage_init (PfStage *self)
{
  GSignalGroup *player_signals = pf_view_get_player_signals (PF_VIEW (self));
  GtkGesture *click, *drag, *pan;
  GtkEventController *scroll, *motion;

  self->scale = 1.0;
  self->scale_factor = 1;
  self->pair_worlds = g_array_new (FALSE, FALSE, sizeof (PfStagePairWorld));
  self->speed = 1.0;
  self->schedule = pf_flight_schedule_new ();
  self->step = G_MININT;
  self->drag_host = -1;
  self->moves = g_array_new (FALSE, FALSE, sizeof (PfStageMove));
  self->home = g_array_new (FALSE, FALSE, sizeof (PfStageMove));
  self->failure.host = -1;
  self->hosts = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_stage_host_free);
  self->host_by_address = g_hash_table_new (NULL, NULL);
  self->conns = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_stage_conn_free);
  self->links = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_stage_link_free);
  self->hops = g_ptr_array_new_with_free_func (g_object_unref);
  self->conn_by_key = g_hash_table_new (pf_stage_conn_key_hash, pf_stage_conn_key_equal);
  self->lanes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->flights = g_array_new (FALSE, TRUE, sizeof (PfStageFlight));
  g_array_set_clear_func (self->flights, (GDestroyNotify) pf_stage_flight_clear);
  self->arts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) pf_stage_art_free);

  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  g_signal_group_connect_object (player_signals, "notify::engine",
                                 G_CALLBACK (on_player_changed), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (player_signals, "notify::step",
                                 G_CALLBACK (on_player_changed), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (player_signals, "notify::position",
                                 G_CALLBACK (on_player_changed), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (player_signals, "notify::selected",
                                 G_CALLBACK (on_selected_changed), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (player_signals, "notify::speed",
                                 G_CALLBACK (on_speed_changed), self, G_CONNECT_SWAPPED);
  self->timeline_signals = g_signal_group_new (PF_TYPE_TIMELINE);
  g_signal_group_connect_object (self->timeline_signals, "items-changed",
                                 G_CALLBACK (on_timeline_items_changed), self, 0);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_click_pressed), self);
  g_signal_connect (click, "released", G_CALLBACK (on_click_released), self);
  g_signal_connect (click, "stopped", G_CALLBACK (on_click_stopped), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  /* The middle button pans, wherever it presses. */
  pan = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (pan), GDK_BUTTON_MIDDLE);
  g_signal_connect (pan, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (pan, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (pan, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (pan));

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  pf_stage_update_accessible (self);
}

/* Public API */

GtkWidget *
pf_stage_new (void)
{
  return g_object_new (PF_TYPE_STAGE, NULL);
}

/* For tests and benchmarks */

guint
pf_stage_get_n_hosts (PfStage *self)
{
  g_return_val_if_fail (PF_IS_STAGE (self), 0);
  return self->hosts->len;
}

/* Connections in the history on screen, between two hosts of the scenario. */
guint
pf_stage_get_n_connections (PfStage *self)
{
  g_return_val_if_fail (PF_IS_STAGE (self), 0);
  return self->n_connections;
}

/* Segments of the step on screen that fly, flew or will fly. */
guint
pf_stage_get_n_packets (PfStage *self)
{
  g_return_val_if_fail (PF_IS_STAGE (self), 0);
  return self->flights->len;
}

gboolean
pf_stage_is_animating (PfStage *self)
{
  g_return_val_if_fail (PF_IS_STAGE (self), FALSE);
  return self->tick_id != 0;
}

/* Host @index's card, in widget coordinates. */
gboolean
pf_stage_get_host_bounds (PfStage         *self,
                          guint            index,
                          graphene_rect_t *out_bounds)
{
  PfStageHost *host;

  g_return_val_if_fail (PF_IS_STAGE (self), FALSE);
  g_return_val_if_fail (out_bounds != NULL, FALSE);

  if (index >= self->hosts->len)
    return FALSE;

  pf_stage_ensure_geometry (self);
  host = pf_stage_host_at (self, index);
  graphene_rect_init (out_bounds,
                      self->origin_x + host->x * self->scale, self->origin_y + host->y * self->scale,
                      host->w * self->scale, host->h * self->scale);
  return TRUE;
}

/* Packet @index's envelope now, in widget coordinates; FALSE when it is
 * not in the air. */
gboolean
pf_stage_get_packet_bounds (PfStage         *self,
                            guint            index,
                            graphene_rect_t *out_bounds)
{
  PfStageFlight *f;
  PfStageArt *art;
  graphene_point_t at;

  g_return_val_if_fail (PF_IS_STAGE (self), FALSE);
  g_return_val_if_fail (out_bounds != NULL, FALSE);

  if (index >= self->flights->len || self->hosts->len == 0)
    return FALSE;

  pf_stage_ensure_style (self);
  pf_stage_ensure_geometry (self);
  f = &g_array_index (self->flights, PfStageFlight, index);
  if (!pf_stage_flight_point (self, f, &at))
    return FALSE;
  art = pf_stage_flight_art (self, f);
  graphene_rect_init (out_bounds,
                      self->origin_x + (at.x - art->w / 2) * self->scale,
                      self->origin_y + (at.y - art->h / 2) * self->scale,
                      art->w * self->scale, art->h * self->scale);
  return TRUE;
}

/* What a click at (@x, @y) does: selects the envelope there. */
gboolean
pf_stage_select_at (PfStage *self,
                    double   x,
                    double   y)
{
  PfPlayer *player;
  PfEvent *event;

  g_return_val_if_fail (PF_IS_STAGE (self), FALSE);

  player = pf_view_get_player (PF_VIEW (self));
  if (self->hosts->len > 0)
    pf_stage_ensure_style (self);
  event = envelope_at_point (self, x, y);
  if (event == NULL || player == NULL)
    return FALSE;
  pf_player_set_selected (player, event);
  return TRUE;
}

/* Envelopes in the air now. */
guint
pf_stage_get_n_flying (PfStage *self)
{
  graphene_point_t at;
  guint n = 0;

  g_return_val_if_fail (PF_IS_STAGE (self), 0);

  for (guint i = 0; i < self->flights->len; i++)
    n += pf_stage_flight_point (self, &g_array_index (self->flights, PfStageFlight, i), &at);
  return n;
}

/* Shows the step's envelopes where they are @seconds into its animation
 * (at speed 1) and keeps them there: the tick stops, so a benchmark can
 * draw the same moment again and again. */
void
pf_stage_hold_animation (PfStage *self,
                         double   seconds)
{
  g_return_if_fail (PF_IS_STAGE (self));

  pf_stage_stop_tick (self);
  /* Back in time, envelopes that had landed fly again. */
  if (seconds < self->anim_time)
    self->first_live = 0;
  self->anim_time = seconds;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
add_box (PfStage               *self,
         GArray                *boxes,
         PfStageBoxKind         kind,
         int                    host,
         int                    conn,
         const graphene_rect_t *r)
{
  PfStageBox box = { kind, host, conn };

  graphene_rect_init (&box.rect, self->origin_x + r->origin.x * self->scale,
                      self->origin_y + r->origin.y * self->scale,
                      r->size.width * self->scale, r->size.height * self->scale);
  g_array_append_val (boxes, box);
}

static int
conn_index (PfStage     *self,
            PfStageConn *conn)
{
  guint index;

  return g_ptr_array_find (self->conns, conn, &index) ? (int) index : -1;
}

static void
add_envelope_box (PfStage                *self,
                  GArray                 *boxes,
                  PfStageArt             *art,
                  PfStageConn            *conn,
                  const graphene_point_t *at,
                  gboolean                selected)
{
  graphene_rect_t r;

  pf_stage_envelope_rect (art, at, &r);
  /* The selection's ring, as draw_art () draws it. */
  if (selected)
    graphene_rect_inset (&r, -7.5, -7.5);
  add_box (self, boxes, PF_STAGE_BOX_PACKET, -1, conn_index (self, conn), &r);
}

/* Everything with words or a shape the stage draws now, in widget
 * coordinates (PfStageBox): cards, plugs' labels, connections' labels,
 * envelopes in the air or waiting, a failure's badge. */
GArray *
pf_stage_get_label_rects (PfStage *self)
{
  GArray *boxes;
  gboolean selected_flying = FALSE;
  graphene_point_t at;
  graphene_rect_t r;

  g_return_val_if_fail (PF_IS_STAGE (self), NULL);

  boxes = g_array_new (FALSE, FALSE, sizeof (PfStageBox));
  if (self->hosts->len == 0)
    return boxes;
  pf_stage_ensure_style (self);
  pf_stage_ensure_geometry (self);

  for (guint i = 0; i < self->hosts->len; i++)
    {
      PfStageHost *host = pf_stage_host_at (self, i);

      r = GRAPHENE_RECT_INIT (host->x, host->y, host->w, host->h);
      add_box (self, boxes, PF_STAGE_BOX_CARD, i, -1, &r);
      for (guint j = 0; j < host->plugs->len; j++)
        {
          pf_stage_plug_label_rect (host, g_ptr_array_index (host->plugs, j), &r);
          add_box (self, boxes, PF_STAGE_BOX_PLUG_LABEL, i, -1, &r);
        }
    }

  for (guint i = 0; i < self->n_visible; i++)
    {
      PfStageConn *conn = g_ptr_array_index (self->conns, i);

      if (!pf_stage_conn_drawable (conn))
        continue;
      pf_stage_conn_label_rect (self, conn, &r);
      add_box (self, boxes, PF_STAGE_BOX_CONN_LABEL, -1, i, &r);
    }

  for (guint i = self->first_live; i < self->flights->len; i++)
    {
      PfStageFlight *f = &g_array_index (self->flights, PfStageFlight, i);

      if (f->start > self->anim_time)
        break;
      if (!pf_stage_flight_point (self, f, &at))
        continue;
      add_envelope_box (self, boxes, pf_stage_flight_art (self, f), f->conn, &at, f->event == self->parked);
      selected_flying |= f->event == self->parked;
    }
  if (self->parked != NULL && !selected_flying)
    {
      pf_stage_parked_point (self, &at);
      add_envelope_box (self, boxes, pf_stage_parked_art (self), self->parked_conn, &at, TRUE);
    }

  if (self->failure.text != NULL && self->failure.conn == NULL)
    {
      pf_stage_failure_badge_rect (self, &r);
      add_box (self, boxes, PF_STAGE_BOX_FAILURE, self->failure.host, -1, &r);
    }
  return boxes;
}

/* How connection @index (in the order they came) is drawn now. */
PfStageConnLook
pf_stage_get_conn_look (PfStage *self,
                        guint    index)
{
  g_return_val_if_fail (PF_IS_STAGE (self), PF_STAGE_LOOK_LIVE);

  if (index >= self->n_visible)
    return PF_STAGE_LOOK_LIVE;
  return ((PfStageConn *) g_ptr_array_index (self->conns, index))->look;
}

/* The words of the failure marked now, or NULL; where: on a host
 * (@out_host, else -1) or a connection (@out_conn, else -1). */
const char *
pf_stage_get_failure (PfStage *self,
                      int     *out_host,
                      int     *out_conn)
{
  g_return_val_if_fail (PF_IS_STAGE (self), NULL);

  *out_host = self->failure.conn == NULL ? self->failure.host : -1;
  *out_conn = self->failure.conn != NULL ? conn_index (self, self->failure.conn) : -1;
  return self->failure.text ? pango_layout_get_text (self->failure.text) : NULL;
}

/* When the step's last envelope lands, in animation seconds. */
double
pf_stage_get_anim_end (PfStage *self)
{
  g_return_val_if_fail (PF_IS_STAGE (self), 0);
  return self->anim_end;
}

/* Links drawn as the network (a line or a switch); 0 without links. */
guint
pf_stage_get_n_links_drawn (PfStage *self)
{
  g_return_val_if_fail (PF_IS_STAGE (self), 0);
  return self->links->len;
}

/* The switch of link @link in widget coordinates; FALSE for a link of
 * two hosts (a line, no switch) or none. */
gboolean
pf_stage_get_switch_bounds (PfStage         *self,
                            guint            link,
                            graphene_rect_t *out_bounds)
{
  PfStageLink *l;
  graphene_rect_t r;

  g_return_val_if_fail (PF_IS_STAGE (self), FALSE);

  if (link >= self->links->len)
    return FALSE;
  l = g_ptr_array_index (self->links, link);
  if (!l->is_switch)
    return FALSE;
  pf_stage_ensure_style (self);
  pf_stage_ensure_geometry (self);
  pf_stage_link_switch_rect (l, &r);
  graphene_rect_init (out_bounds, self->origin_x + r.origin.x * self->scale,
                      self->origin_y + r.origin.y * self->scale,
                      r.size.width * self->scale, r.size.height * self->scale);
  return TRUE;
}

/* Envelope @index of the step: its event, and for a hop its sender's
 * and receiver's cards (else -1), and when it leaves. */
gboolean
pf_stage_get_flight_hop (PfStage  *self,
                         guint     index,
                         PfEvent **out_event,
                         int      *out_from,
                         int      *out_to,
                         double   *out_start)
{
  PfStageFlight *f;

  g_return_val_if_fail (PF_IS_STAGE (self), FALSE);

  if (index >= self->flights->len)
    return FALSE;
  f = &g_array_index (self->flights, PfStageFlight, index);
  if (out_event != NULL)
    *out_event = f->event;
  if (out_from != NULL)
    *out_from = f->from;
  if (out_to != NULL)
    *out_to = f->to;
  if (out_start != NULL)
    *out_start = f->start;
  return TRUE;
}

/* How long each envelope of the step flies. */
double
pf_stage_get_flight_time (PfStage *self)
{
  g_return_val_if_fail (PF_IS_STAGE (self), 0);
  return pf_flight_schedule_get_flight_time (self->schedule);
}

/* Whether the event at @event is drawn selected: the selection, or the
 * same packet on another hop. */
gboolean
pf_stage_is_highlighted (PfStage *self,
                         guint    event)
{
  PfPlayer *player;
  PfTimeline *timeline;
  PfEvent *e;

  g_return_val_if_fail (PF_IS_STAGE (self), FALSE);

  player = pf_view_get_player (PF_VIEW (self));
  if (player == NULL || (timeline = pf_player_get_timeline (player)) == NULL ||
      event >= pf_timeline_get_n_events (timeline))
    return FALSE;
  e = pf_timeline_get_event (timeline, event);
  return e == self->parked || g_ptr_array_find (self->hops, e, NULL);
}

/* The words on envelope @index, or NULL. */
char *
pf_stage_get_packet_label (PfStage *self,
                           guint    index)
{
  g_return_val_if_fail (PF_IS_STAGE (self), NULL);

  if (index >= self->flights->len)
    return NULL;
  return pf_stage_packet_label_for (self,
                                    pf_event_get_packet (g_array_index (self->flights, PfStageFlight, index).event));
}
