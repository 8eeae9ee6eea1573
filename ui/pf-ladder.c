/* pf-ladder.c: the sequence diagram beside the stage
 *
 * Time runs down. Each scenario host has a lifeline; each segment in the
 * history on screen ([0, position) of the timeline) is an arrow from the
 * sender's lifeline to the receiver's, labelled with its flags, relative
 * sequence numbers (Wireshark's: relative to the ISN of the SYN seen in
 * that direction) and the first bytes of its payload. Step boundaries are
 * thin rules, socket state changes small tags on a lifeline, errors red
 * tags.
 *
 * The arrows of the step on screen grow in step with the stage's
 * envelopes, on the stage's schedule (see schedule_step ()): an arrow
 * appears when its packet leaves and is whole when it lands. The clock
 * advances by speed × frame time, so a speed change mid-step stays
 * smooth.
 *
 * The rows and lanes are made, placed and measured in
 * pf-ladder-layout.c and drawn in pf-ladder-draw.c; the three share
 * pf-ladder-private.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-ladder"

#include "config.h"

#include "pf-ladder-private.h"
#include "pf-view-util.h"

#include <glib/gi18n.h>
#include <math.h>

static void pf_ladder_scrollable_init (GtkScrollableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PfLadder, pf_ladder, PF_TYPE_VIEW,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SCROLLABLE,
                                                      pf_ladder_scrollable_init))

/* The player and the zoom are PfView's; these are GtkScrollable's. */
enum {
  PROP_0,
  PROP_HADJUSTMENT,
  PROP_VADJUSTMENT,
  PROP_HSCROLL_POLICY,
  PROP_VSCROLL_POLICY,
  PROP_SHOW_ROUTERS,
};

static void pf_ladder_stop_animation (PfLadder *self);

/* Animation */

double
pf_ladder_row_progress (PfLadder *self,
                        Row      *row)
{
  if (row->offset == NOT_ANIMATED)
    return 1.0;
  if (row->kind == ROW_ARROW)
    return CLAMP ((self->clock - row->offset) / pf_flight_schedule_get_flight_time (self->schedule),
                  0.0, 1.0);
  return self->clock >= row->offset ? 1.0 : 0.0;
}

/* The newest arrow on screen: while a step animates, the one that started
 * last. */
static Row *
highlighted_row (PfLadder *self)
{
  guint n = pf_ladder_n_shown_rows (self);

  for (guint i = n; i > 0; i--)
    {
      Row *row = g_ptr_array_index (self->rows, i - 1);

      if (row->kind == ROW_ARROW && pf_ladder_row_progress (self, row) > 0.0)
        return row;
    }
  return NULL;
}

/* Keeps the newest row on screen (the arrow moving now, the state
 * change it brought) in view. */
static void
follow_newest (PfLadder *self)
{
  Row *row = NULL;

  for (guint i = pf_ladder_n_shown_rows (self); i > 0 && row == NULL; i--)
    {
      Row *candidate = g_ptr_array_index (self->rows, i - 1);

      if (pf_ladder_row_progress (self, candidate) > 0.0)
        row = candidate;
    }
  if (row == NULL || (int) row->index == self->last_followed)
    return;
  self->last_followed = row->index;
  pf_ladder_scroll_to_row (self, row);
}

static void
update_accessible (PfLadder *self)
{
  guint n = pf_ladder_get_n_arrows (self);
  g_autofree char *run = pf_view_describe_run (pf_view_get_player (PF_VIEW (self)));
  g_autofree char *sent =
    g_strdup_printf (ngettext ("%u segment sent", "%u segments sent", n), n);
  /* The step and the selected segment, for a screen reader. */
  g_autofree char *description = run != NULL ? g_strdup_printf ("%s. %s", sent, run)
                                             : g_steal_pointer (&sent);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
}

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *frame_clock,
         gpointer       user_data)
{
  PfLadder *self = PF_LADDER (widget);
  gint64 now = gdk_frame_clock_get_frame_time (frame_clock);
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  double speed = player ? pf_player_get_speed (player) : 1.0;

  /* The clock starts at the first frame, as the stage's does. */
  if (self->last_frame_time != 0)
    self->clock += (now - self->last_frame_time) / (double) G_USEC_PER_SEC * speed;
  self->last_frame_time = now;

  follow_newest (self);
  gtk_widget_queue_draw (widget);

  if (self->clock < self->clock_end)
    return G_SOURCE_CONTINUE;

  self->tick_id = 0;
  self->last_frame_time = 0;
  return G_SOURCE_REMOVE;
}

static void
ensure_tick (PfLadder *self)
{
  if (self->tick_id == 0 && self->clock < self->clock_end)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_tick, NULL, NULL);
}

/* Scheduling */

/* The packets fly on the step's PfFlightSchedule, as the stage's
 * envelopes do (core/pf-flight-schedule.c): they leave and land together.
 * The ladder adds its other rows around them. */

/* Everything drawn whole at once: after a step back, or unmapped. */
static void
pf_ladder_stop_animation (PfLadder *self)
{
  for (guint i = self->anim_first_row; i < self->anim_end_row && i < self->rows->len; i++)
    ((Row *) g_ptr_array_index (self->rows, i))->offset = NOT_ANIMATED;
  self->anim_first_row = self->anim_end_row = 0;
  self->clock = self->clock_end = 0;
  pf_flight_schedule_clear (self->schedule);

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  self->last_frame_time = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The stage flies TCP and UDP between two of the scenario's hosts. */
static gboolean
row_flies (PfLadder *self,
           Row      *row)
{
  PfPacket *packet;

  if (row->kind != ROW_ARROW)
    return FALSE;
  /* A frame on a link: the stage flies each hop, ARP too. */
  if (pf_ladder_row_is_hop (row) && pf_ladder_has_links (self))
    return ((Lane *) g_ptr_array_index (self->lanes, row->src_lane))->id != NULL &&
           ((Lane *) g_ptr_array_index (self->lanes, row->dst_lane))->id != NULL;
  packet = pf_event_get_packet (row->event);
  return (packet->protocol == PF_IP_PROTOCOL_TCP || packet->protocol == PF_IP_PROTOCOL_UDP) &&
         ((Lane *) g_ptr_array_index (self->lanes, row->src_lane))->id != NULL &&
         ((Lane *) g_ptr_array_index (self->lanes, row->dst_lane))->id != NULL;
}

/* Adds @row's packet to the schedule: with the step when @late is
 * FALSE (timed by pf_flight_schedule_plan ()), else at @now at the
 * earliest. Returns its index there. */
#define HOP_LOOK_BACK 64   /* rows a hop looks back for the one before it */

static guint
schedule_row (PfLadder *self,
              guint     at,
              gboolean  late,
              double    now)
{
  Row *row = g_ptr_array_index (self->rows, at);
  PfPacket *packet = pf_event_get_packet (row->event);
  guint8 protocol;
  PfFourTuple tuple = pf_flight_schedule_packet_flow (packet, &protocol);
  guint previous = G_MAXUINT;

  /* As on the stage: the arrows of one frame (an ARP request to each
   * host of its link) leave together, and a packet's next hop once the
   * one before it landed at the router. */
  if (pf_ladder_row_is_hop (row))
    {
      for (guint i = at; i-- > self->anim_first_row && at - i <= HOP_LOOK_BACK;)
        {
          Row *before = g_ptr_array_index (self->rows, i);

          if (before->offset == NOT_ANIMATED || !pf_ladder_row_is_hop (before) || !row_flies (self, before))
            continue;
          if (before->event == row->event)
            return before->slot;
          if (pf_flight_schedule_same_packet (pf_event_get_packet (before->event), packet))
            {
              previous = before->slot;
              break;
            }
        }
    }
  if (late)
    return pf_flight_schedule_add_hop_late (self->schedule, &tuple, protocol, previous, now);
  return pf_flight_schedule_add_hop (self->schedule, &tuple, protocol, previous);
}

/* The other rows: an arrow the stage does not fly comes with the packet
 * before it, a state change or a rule when that packet has landed. None
 * ends after the last packet lands, so the stage and the ladder stop
 * together. */
static void
schedule_others (PfLadder *self,
                 guint     first,
                 guint     end,
                 double    start,
                 double    landing)
{
  double flight = pf_flight_schedule_get_flight_time (self->schedule);

  self->clock_end = MAX (self->clock_end, pf_flight_schedule_get_end (self->schedule));
  for (guint i = first; i < end; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (row_flies (self, row))
        {
          start = row->offset;
          landing = start + flight;
        }
      else
        {
          row->offset = row->kind == ROW_ARROW ? start : landing;
          self->clock_end = MAX (self->clock_end,
                                 row->offset + (row->kind == ROW_ARROW ? flight : 0));
        }
    }
}

/* The step's schedule: the packets that fly, timed together, then the
 * rows around them. */
static void
schedule_step (PfLadder *self,
               guint     first,
               guint     end)
{
  self->clock = self->clock_end = 0;
  pf_flight_schedule_clear (self->schedule);
  for (guint i = first; i < end; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (row_flies (self, row))
        {
          row->slot = schedule_row (self, i, FALSE, 0);
          row->offset = 0;   /* scheduled: a later hop finds it */
        }
    }
  pf_flight_schedule_plan (self->schedule);

  for (guint i = first; i < end; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (row_flies (self, row))
        row->offset = pf_flight_schedule_get_start (self->schedule, row->slot);
    }
  schedule_others (self, first, end, 0, 0);
}

/* Rows from timeline position @from to the position on screen move
 * again from the start (a step shown anew, forward or back), or, when
 * not @restart, after those already moving (late events of the step on
 * screen). */
static void
animate (PfLadder *self,
         guint     from,
         gboolean  restart)
{
  guint first = pf_ladder_rows_before (self, from);
  guint end = pf_ladder_n_shown_rows (self);

  if (restart)
    pf_ladder_stop_animation (self);
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)) || first >= end)
    return;

  if (restart)
    {
      self->anim_first_row = first;
      schedule_step (self, first, end);
    }
  else
    {
      /* Late ones: after those on screen, from now at the earliest. */
      for (guint i = first; i < end; i++)
        {
          Row *row = g_ptr_array_index (self->rows, i);

          if (row_flies (self, row))
            {
              row->slot = schedule_row (self, i, TRUE, self->clock);
              row->offset = pf_flight_schedule_get_start (self->schedule, row->slot);
            }
        }
      schedule_others (self, first, end, self->clock, self->clock);
    }
  self->anim_end_row = end;
  ensure_tick (self);
}

/* Following the player */

/* What changed since the last look: a step shown anew animates, late
 * events of the step on screen join in. */
static void
sync_position (PfLadder *self)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  int step = player ? pf_player_get_step (player) : -1;
  guint position = player ? pf_player_get_position (player) : 0;
  guint step_start = player ? pf_player_get_step_start (player) : 0;
  gboolean restart;

  pf_ladder_sync_rows (self);

  if (step == self->shown_step && position == self->shown_position &&
      step_start == self->shown_step_start)
    return;

  restart = step != self->shown_step || step_start != self->shown_step_start ||
            position < self->shown_position;
  animate (self, restart ? step_start : self->shown_position, restart);

  self->shown_step = step;
  self->shown_position = position;
  self->shown_step_start = step_start;
  self->last_followed = -1;

  pf_ladder_update_adjustments (self);
  follow_newest (self);
  update_accessible (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

static void
rebuild (PfLadder *self)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  const PfScenario *scenario = player ? pf_player_get_scenario (player) : NULL;
  PfTimeline *timeline = player ? pf_player_get_timeline (player) : NULL;

  pf_ladder_stop_animation (self);
  g_ptr_array_set_size (self->rows, 0);
  g_ptr_array_set_size (self->lanes, 0);
  g_hash_table_remove_all (self->lanes_by_id);
  g_hash_table_remove_all (self->lanes_by_address);
  g_hash_table_remove_all (self->seq_bases);
  self->n_built = 0;
  self->n_arrows_built = 0;
  g_set_object (&self->timeline, timeline);
  g_signal_group_set_target (self->timeline_signals, timeline);

  for (guint i = 0; scenario != NULL && i < scenario->hosts->len; i++)
    {
      const PfHost *host = g_ptr_array_index (scenario->hosts, i);

      /* Routers hidden: a packet goes from its sender to its receiver. */
      if (!self->show_routers && pf_ladder_host_is_router (host) && pf_ladder_has_links (self))
        continue;
      pf_ladder_add_lane (self, host->id, host->name, host->address);
    }

  self->style_valid = FALSE;   /* the header's height may change */
  self->shown_step = player ? pf_player_get_step (player) : -1;
  self->shown_position = player ? pf_player_get_position (player) : 0;
  self->shown_step_start = player ? pf_player_get_step_start (player) : 0;
  pf_ladder_sync_rows (self);
  if (self->vadjustment != NULL)
    gtk_adjustment_set_value (self->vadjustment, 0);
  self->last_followed = -1;
  pf_ladder_update_adjustments (self);
  follow_newest (self);
  update_accessible (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/* Callbacks */

static void
on_engine_changed (PfLadder *self)
{
  rebuild (self);
}

/* The player notifies a new run's engine, timeline and position in no
 * fixed order: whichever comes first rebuilds. */
static void
on_position_changed (PfLadder *self)
{
  if (self->timeline != pf_player_get_timeline (pf_view_get_player (PF_VIEW (self))))
    rebuild (self);
  else
    sync_position (self);
  update_accessible (self);
}

static void
on_selected_changed (PfLadder *self)
{
  PfEvent *selected = pf_player_get_selected (pf_view_get_player (PF_VIEW (self)));
  PfTimeline *timeline = self->timeline;

  /* A selection made elsewhere comes into view. */
  if (selected != NULL && timeline != NULL)
    {
      guint n = pf_ladder_n_shown_rows (self);

      for (guint i = 0; i < n; i++)
        {
          Row *row = g_ptr_array_index (self->rows, i);

          if (row->kind == ROW_ARROW && row->event == selected)
            {
              pf_ladder_scroll_to_row (self, row);
              break;
            }
        }
    }
  /* The band of the selection and of the rows related to it. */
  gtk_widget_queue_draw (GTK_WIDGET (self));
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_timeline_items_changed (PfLadder   *self,
                           guint       position,
                           guint       removed,
                           guint       added,
                           GListModel *model)
{
  if (removed > 0)
    rebuild (self);
  else
    pf_ladder_sync_rows (self);
}

static void
on_adjustment_value_changed (PfLadder *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_pressed (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            PfLadder        *self)
{
  if (gtk_widget_get_focusable (GTK_WIDGET (self)))
    gtk_widget_grab_focus (GTK_WIDGET (self));
  pf_ladder_select_at (self, x, y);
}

/* Up and Down move the selection between the arrows on screen. */
static gboolean
on_key_pressed (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                PfLadder              *self)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  PfEvent *selected;
  guint n;
  int current = -1, target = -1;

  if (player == NULL || (keyval != GDK_KEY_Up && keyval != GDK_KEY_Down) ||
      (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)))
    return FALSE;

  selected = pf_player_get_selected (player);
  n = pf_ladder_n_shown_rows (self);
  for (guint i = 0; i < n && selected != NULL; i++)
    if (((Row *) g_ptr_array_index (self->rows, i))->event == selected)
      current = i;

  if (keyval == GDK_KEY_Down)
    {
      for (guint i = current + 1; i < n && target < 0; i++)
        if (((Row *) g_ptr_array_index (self->rows, i))->kind == ROW_ARROW)
          target = i;
    }
  else
    {
      for (int i = (current < 0 ? (int) n : current) - 1; i >= 0 && target < 0; i--)
        if (((Row *) g_ptr_array_index (self->rows, i))->kind == ROW_ARROW)
          target = i;
    }

  if (target < 0)
    return current >= 0;  /* at the end: keep the key, nothing to move to */

  pf_player_set_selected (player, ((Row *) g_ptr_array_index (self->rows, target))->event);
  return TRUE;
}

static gboolean
pf_ladder_query_tooltip (GtkWidget  *widget,
                         int         x,
                         int         y,
                         gboolean    keyboard_tooltip,
                         GtkTooltip *tooltip)
{
  PfLadder *self = PF_LADDER (widget);
  int index = pf_ladder_hit_test (self, x, y);
  Row *row = index >= 0 ? pf_ladder_arrow_row (self, index) : NULL;

  if (row == NULL || row->tooltip == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, row->tooltip);
  return TRUE;
}

/* Drawing: the parts are in pf-ladder-draw.c */

static void
pf_ladder_snapshot (GtkWidget   *widget,
                    GtkSnapshot *snapshot)
{
  PfLadder *self = PF_LADDER (widget);
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  double zoom = pf_view_get_zoom (PF_VIEW (self));
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  double logical_width = width / zoom;
  double header, value, top, bottom;
  guint n, first, end;
  Row *highlighted;

  if (player == NULL || pf_player_get_scenario (player) == NULL ||
      self->lanes->len == 0 || width <= 0 || height <= 0)
    return;

  pf_ladder_ensure_style (self);
  header = pf_ladder_header_height (self);
  value = self->vadjustment ? gtk_adjustment_get_value (self->vadjustment) : 0;
  top = value / zoom;
  bottom = (value + height - header) / zoom;
  n = pf_ladder_n_shown_rows (self);
  first = pf_ladder_row_at_y (self, top, n);
  end = first;
  while (end < n && ((Row *) g_ptr_array_index (self->rows, end))->y < bottom)
    end++;
  highlighted = highlighted_row (self);

  gtk_snapshot_push_clip (snapshot,
                          &GRAPHENE_RECT_INIT (0, header, width, MAX (0, height - header)));

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, header - value));
  gtk_snapshot_scale (snapshot, zoom, zoom);
  pf_ladder_draw_bands (self, snapshot, logical_width, first, end, highlighted);
  gtk_snapshot_restore (snapshot);

  if (bottom > top)
    pf_ladder_draw_lines (self, snapshot, logical_width, top, bottom, first, end, highlighted,
                          header - value);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, header - value));
  gtk_snapshot_scale (snapshot, zoom, zoom);
  pf_ladder_draw_texts (self, snapshot, logical_width, first, end);
  gtk_snapshot_restore (snapshot);

  gtk_snapshot_pop (snapshot);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_scale (snapshot, zoom, zoom);
  pf_ladder_draw_header (self, snapshot, logical_width);
  gtk_snapshot_restore (snapshot);
}

/* GtkWidget; measure () is pf_ladder_measure () in pf-ladder-layout.c */

static void
pf_ladder_size_allocate (GtkWidget *widget,
                         int        width,
                         int        height,
                         int        baseline)
{
  pf_ladder_update_adjustments (PF_LADDER (widget));
}

static void
pf_ladder_css_changed (GtkWidget         *widget,
                       GtkCssStyleChange *change)
{
  PfLadder *self = PF_LADDER (widget);

  GTK_WIDGET_CLASS (pf_ladder_parent_class)->css_changed (widget, change);

  self->style_valid = FALSE;
  gtk_widget_queue_resize (widget);
}

static void
pf_ladder_unmap (GtkWidget *widget)
{
  pf_ladder_stop_animation (PF_LADDER (widget));

  GTK_WIDGET_CLASS (pf_ladder_parent_class)->unmap (widget);
}

/* GtkScrollable */

static void
set_adjustment (PfLadder       *self,
                GtkAdjustment **slot,
                GtkAdjustment  *adjustment)
{
  if (adjustment != NULL && *slot == adjustment)
    return;

  if (*slot != NULL)
    g_signal_handlers_disconnect_by_func (*slot, on_adjustment_value_changed, self);
  g_clear_object (slot);

  if (adjustment == NULL)
    adjustment = gtk_adjustment_new (0, 0, 0, 0, 0, 0);
  *slot = g_object_ref_sink (adjustment);
  g_signal_connect_object (adjustment, "value-changed",
                           G_CALLBACK (on_adjustment_value_changed), self, G_CONNECT_SWAPPED);
  pf_ladder_update_adjustments (self);
}

static gboolean
pf_ladder_get_border (GtkScrollable *scrollable,
                      GtkBorder     *border)
{
  PfLadder *self = PF_LADDER (scrollable);

  pf_ladder_ensure_style (self);
  border->top = (gint16) ceil (pf_ladder_header_height (self));
  return TRUE;
}

static void
pf_ladder_scrollable_init (GtkScrollableInterface *iface)
{
  iface->get_border = pf_ladder_get_border;
}

/* PfView */

static void
pf_ladder_player_changed (PfView *view)
{
  rebuild (PF_LADDER (view));
}

/* Text and drawing scale together; the same part of the run stays in view. */
static void
pf_ladder_zoom_changed (PfView *view,
                        double  old_zoom)
{
  PfLadder *self = PF_LADDER (view);

  if (self->vadjustment != NULL)
    {
      double value = gtk_adjustment_get_value (self->vadjustment) *
                     pf_view_get_zoom (view) / old_zoom;

      pf_ladder_update_adjustments (self);
      gtk_adjustment_set_value (self->vadjustment, value);
    }
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

/* GObject */

/* For structs that start with their PfFourTuple key. */
static guint
tuple_key_hash (gconstpointer key)
{
  return pf_four_tuple_hash (key);
}

static gboolean
tuple_key_equal (gconstpointer a,
                 gconstpointer b)
{
  return pf_four_tuple_equal (a, b);
}

/* PfView's dispose, after this one, lets go of the player and its
 * signals; the timeline's are the ladder's own. */
static void
pf_ladder_dispose (GObject *object)
{
  PfLadder *self = PF_LADDER (object);

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  if (self->timeline_signals != NULL)
    g_signal_group_set_target (self->timeline_signals, NULL);
  g_clear_object (&self->timeline_signals);
  g_clear_object (&self->timeline);
  g_ptr_array_set_size (self->rows, 0);
  g_ptr_array_set_size (self->lanes, 0);
  g_clear_object (&self->modelled_layout);

  if (self->hadjustment != NULL)
    g_signal_handlers_disconnect_by_func (self->hadjustment, on_adjustment_value_changed, self);
  if (self->vadjustment != NULL)
    g_signal_handlers_disconnect_by_func (self->vadjustment, on_adjustment_value_changed, self);
  g_clear_object (&self->hadjustment);
  g_clear_object (&self->vadjustment);

  G_OBJECT_CLASS (pf_ladder_parent_class)->dispose (object);
}

static void
pf_ladder_finalize (GObject *object)
{
  PfLadder *self = PF_LADDER (object);

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->lanes, g_ptr_array_unref);
  g_clear_pointer (&self->lanes_by_id, g_hash_table_unref);
  g_clear_pointer (&self->lanes_by_address, g_hash_table_unref);
  g_clear_pointer (&self->seq_bases, g_hash_table_unref);
  g_clear_pointer (&self->schedule, pf_flight_schedule_free);
  g_clear_pointer (&self->label_font, pango_font_description_free);
  g_clear_pointer (&self->small_font, pango_font_description_free);
  g_clear_pointer (&self->mono_font, pango_font_description_free);
  g_clear_pointer (&self->name_font, pango_font_description_free);

  G_OBJECT_CLASS (pf_ladder_parent_class)->finalize (object);
}

static void
pf_ladder_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  PfLadder *self = PF_LADDER (object);

  switch (prop_id)
    {
    case PROP_HADJUSTMENT:
      g_value_set_object (value, self->hadjustment);
      break;
    case PROP_VADJUSTMENT:
      g_value_set_object (value, self->vadjustment);
      break;
    case PROP_HSCROLL_POLICY:
      g_value_set_enum (value, self->hscroll_policy);
      break;
    case PROP_VSCROLL_POLICY:
      g_value_set_enum (value, self->vscroll_policy);
      break;
    case PROP_SHOW_ROUTERS:
      g_value_set_boolean (value, self->show_routers);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_ladder_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  PfLadder *self = PF_LADDER (object);

  switch (prop_id)
    {
    case PROP_HADJUSTMENT:
      set_adjustment (self, &self->hadjustment, g_value_get_object (value));
      break;
    case PROP_VADJUSTMENT:
      set_adjustment (self, &self->vadjustment, g_value_get_object (value));
      break;
    case PROP_HSCROLL_POLICY:
      if (self->hscroll_policy != (guint) g_value_get_enum (value))
        {
          self->hscroll_policy = g_value_get_enum (value);
          gtk_widget_queue_resize (GTK_WIDGET (self));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_VSCROLL_POLICY:
      if (self->vscroll_policy != (guint) g_value_get_enum (value))
        {
          self->vscroll_policy = g_value_get_enum (value);
          gtk_widget_queue_resize (GTK_WIDGET (self));
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_SHOW_ROUTERS:
      if (self->show_routers != g_value_get_boolean (value))
        {
          self->show_routers = g_value_get_boolean (value);
          /* Other lanes, other arrows: the rows are made anew. */
          rebuild (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_ladder_class_init (PfLadderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  PfViewClass *view_class = PF_VIEW_CLASS (klass);

  object_class->dispose = pf_ladder_dispose;
  object_class->finalize = pf_ladder_finalize;
  object_class->get_property = pf_ladder_get_property;
  object_class->set_property = pf_ladder_set_property;

  widget_class->snapshot = pf_ladder_snapshot;
  widget_class->measure = pf_ladder_measure;
  widget_class->size_allocate = pf_ladder_size_allocate;
  widget_class->css_changed = pf_ladder_css_changed;
  widget_class->unmap = pf_ladder_unmap;
  widget_class->query_tooltip = pf_ladder_query_tooltip;

  view_class->player_changed = pf_ladder_player_changed;
  view_class->zoom_changed = pf_ladder_zoom_changed;

  g_object_class_override_property (object_class, PROP_HADJUSTMENT, "hadjustment");
  g_object_class_override_property (object_class, PROP_VADJUSTMENT, "vadjustment");
  g_object_class_override_property (object_class, PROP_HSCROLL_POLICY, "hscroll-policy");
  g_object_class_override_property (object_class, PROP_VSCROLL_POLICY, "vscroll-policy");

  /* Routers as lanes, in a file with links: else a packet through one is
   * one arrow, from its first sender to its last receiver, "via" it. */
  g_object_class_install_property (object_class, PROP_SHOW_ROUTERS,
    g_param_spec_boolean ("show-routers", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  gtk_widget_class_set_css_name (widget_class, "ladder");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
pf_ladder_init (PfLadder *self)
{
  GSignalGroup *player_signals = pf_view_get_player_signals (PF_VIEW (self));
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *keys = gtk_event_controller_key_new ();

  self->schedule = pf_flight_schedule_new ();
  self->show_routers = TRUE;
  self->shown_step = -1;
  self->last_followed = -1;
  self->lanes = g_ptr_array_new_with_free_func (pf_ladder_lane_free);
  self->rows = g_ptr_array_new_with_free_func (pf_ladder_row_free);
  self->lanes_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->lanes_by_address = g_hash_table_new (NULL, NULL);
  self->seq_bases = g_hash_table_new_full (tuple_key_hash, tuple_key_equal, g_free, NULL);

  g_signal_group_connect_swapped (player_signals, "notify::engine",
                                  G_CALLBACK (on_engine_changed), self);
  g_signal_group_connect_swapped (player_signals, "notify::step",
                                  G_CALLBACK (on_position_changed), self);
  g_signal_group_connect_swapped (player_signals, "notify::position",
                                  G_CALLBACK (on_position_changed), self);
  g_signal_group_connect_swapped (player_signals, "notify::selected",
                                  G_CALLBACK (on_selected_changed), self);

  self->timeline_signals = g_signal_group_new (PF_TYPE_TIMELINE);
  g_signal_group_connect_swapped (self->timeline_signals, "items-changed",
                                  G_CALLBACK (on_timeline_items_changed), self);

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);

  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Sequence diagram of the segments sent"),
                                  -1);

  set_adjustment (self, &self->hadjustment, NULL);
  set_adjustment (self, &self->vadjustment, NULL);
}

/* Public */

GtkWidget *
pf_ladder_new (void)
{
  return g_object_new (PF_TYPE_LADDER, NULL);
}

/* The timeline position of the arrow at (@x, @y) in widget coordinates,
 * or -1. Arrows not drawn yet are not there. */
int
pf_ladder_hit_test (PfLadder *self,
                    double    x,
                    double    y)
{
  double header, cx, cy, x1, x2, y1, zoom;
  guint n, i;
  Row *row;

  g_return_val_if_fail (PF_IS_LADDER (self), -1);

  if (pf_view_get_player (PF_VIEW (self)) == NULL)
    return -1;
  pf_ladder_ensure_style (self);
  header = pf_ladder_header_height (self);
  if (y < header)
    return -1;

  zoom = pf_view_get_zoom (PF_VIEW (self));
  cx = x / zoom;
  cy = (y - header + (self->vadjustment ? gtk_adjustment_get_value (self->vadjustment) : 0)) /
       zoom;
  n = pf_ladder_n_shown_rows (self);
  i = pf_ladder_row_at_y (self, cy, n);
  if (i >= n)
    return -1;

  row = g_ptr_array_index (self->rows, i);
  if (row->kind != ROW_ARROW || cy < row->y || pf_ladder_row_progress (self, row) <= 0.0)
    return -1;
  pf_ladder_arrow_geometry (self, row, gtk_widget_get_width (GTK_WIDGET (self)) / zoom,
                            &x1, &x2, &y1);
  if (cx < MIN (x1, x2) - HIT_SLOP || cx > MAX (x1, x2) + HIT_SLOP)
    return -1;
  return row->index;
}

/* What a click does: selects the arrow's segment everywhere, or clears
 * the selection on empty space. Returns whether an arrow was hit. */
gboolean
pf_ladder_select_at (PfLadder *self,
                     double    x,
                     double    y)
{
  PfPlayer *player;
  int index;

  g_return_val_if_fail (PF_IS_LADDER (self), FALSE);

  player = pf_view_get_player (PF_VIEW (self));
  if (player == NULL || self->timeline == NULL)
    return FALSE;

  index = pf_ladder_hit_test (self, x, y);
  pf_player_set_selected (player,
                          index >= 0 ? pf_timeline_get_event (self->timeline, index) : NULL);
  return index >= 0;
}

/* For tests and benchmarks (pf-ladder-private.h) */

/* The arrows in the history on screen, drawn or about to be. */
guint
pf_ladder_get_n_arrows (PfLadder *self)
{
  guint n;
  Row *last;

  g_return_val_if_fail (PF_IS_LADDER (self), 0);

  if (pf_view_get_player (PF_VIEW (self)) == NULL || (n = pf_ladder_n_shown_rows (self)) == 0)
    return 0;
  last = g_ptr_array_index (self->rows, n - 1);
  return last->arrows_before + (last->kind == ROW_ARROW ? 1 : 0);
}

/* An ICMP error and the segment it quotes, one of them selected. */
gboolean
pf_ladder_row_is_related (PfLadder *self,
                          Row      *row)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));

  PfEvent *selected = player ? pf_player_get_selected (player) : NULL;

  if (player == NULL || row->kind != ROW_ARROW || selected == NULL)
    return FALSE;
  /* The same packet on another hop, through a router. */
  if (pf_ladder_row_is_hop (row) && row->event != selected &&
      pf_event_get_kind (selected) == PF_EVENT_SEGMENT && pf_event_get_link_id (selected) != NULL &&
      pf_flight_schedule_same_packet (pf_event_get_packet (row->event), pf_event_get_packet (selected)))
    return TRUE;
  return pf_view_events_related (row->event, selected);
}

/* What the arrow of timeline position @index says, for the tests: its
 * label and the line under it (NULL when there is none). */
gboolean
pf_ladder_get_arrow_text (PfLadder    *self,
                          guint        index,
                          const char **out_label,
                          const char **out_excerpt)
{
  Row *row;

  g_return_val_if_fail (PF_IS_LADDER (self), FALSE);

  if (pf_view_get_player (PF_VIEW (self)) == NULL ||
      (row = pf_ladder_arrow_row (self, index)) == NULL)
    return FALSE;
  if (out_label != NULL)
    *out_label = row->label;
  if (out_excerpt != NULL)
    *out_excerpt = row->excerpt;
  return TRUE;
}

/* Whether the arrow of timeline position @index is drawn as related to
 * the selected one. */
gboolean
pf_ladder_get_arrow_related (PfLadder *self,
                             guint     index)
{
  Row *row;

  g_return_val_if_fail (PF_IS_LADDER (self), FALSE);

  if (pf_view_get_player (PF_VIEW (self)) == NULL ||
      (row = pf_ladder_arrow_row (self, index)) == NULL)
    return FALSE;
  return pf_ladder_row_is_related (self, row);
}

/* The timeline position of the highlighted arrow: the newest one drawn
 * (while a step animates, the one that started last), or -1. */
int
pf_ladder_get_highlighted (PfLadder *self)
{
  Row *row;

  g_return_val_if_fail (PF_IS_LADDER (self), -1);

  row = pf_view_get_player (PF_VIEW (self)) ? highlighted_row (self) : NULL;
  return row ? (int) row->index : -1;
}

gboolean
pf_ladder_get_animating (PfLadder *self)
{
  g_return_val_if_fail (PF_IS_LADDER (self), FALSE);
  return self->tick_id != 0;
}

/* Where the arrow of timeline position @index is, in widget coordinates
 * (it may be scrolled out of view). */
gboolean
pf_ladder_get_arrow_bounds (PfLadder        *self,
                            guint            index,
                            graphene_rect_t *out_bounds)
{
  PfPlayer *player;
  double x1, x2, y1, value, zoom;
  Row *row;

  g_return_val_if_fail (PF_IS_LADDER (self), FALSE);
  g_return_val_if_fail (out_bounds != NULL, FALSE);

  player = pf_view_get_player (PF_VIEW (self));
  if (player == NULL || index >= pf_player_get_position (player) ||
      (row = pf_ladder_arrow_row (self, index)) == NULL)
    return FALSE;

  pf_ladder_ensure_style (self);
  zoom = pf_view_get_zoom (PF_VIEW (self));
  value = self->vadjustment ? gtk_adjustment_get_value (self->vadjustment) : 0;
  pf_ladder_arrow_geometry (self, row, gtk_widget_get_width (GTK_WIDGET (self)) / zoom,
                            &x1, &x2, &y1);
  graphene_rect_init (out_bounds,
                      MIN (x1, x2) * zoom,
                      pf_ladder_header_height (self) + row->y * zoom - value,
                      fabs (x2 - x1) * zoom,
                      row->height * zoom);
  return TRUE;
}

/* Arrows of the step on screen that are growing now. */
guint
pf_ladder_get_n_moving (PfLadder *self)
{
  guint n = 0;

  g_return_val_if_fail (PF_IS_LADDER (self), 0);

  for (guint i = self->anim_first_row; i < self->anim_end_row && i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);
      double p = pf_ladder_row_progress (self, row);

      n += row->kind == ROW_ARROW && p > 0.0 && p < 1.0;
    }
  return n;
}

/* Shows the step's arrows as they are @seconds into its animation (at
 * speed 1), scrolled as the animation would have it, and keeps them
 * there: the tick stops, so a benchmark can draw the same moment again
 * and again. */
void
pf_ladder_hold_animation (PfLadder *self,
                          double    seconds)
{
  g_return_if_fail (PF_IS_LADDER (self));

  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
  self->tick_id = 0;
  self->last_frame_time = 0;
  self->clock = seconds;
  follow_newest (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Lanes, for tests. */
guint
pf_ladder_get_n_lanes (PfLadder *self)
{
  g_return_val_if_fail (PF_IS_LADDER (self), 0);
  return self->lanes->len;
}

const char *
pf_ladder_get_lane_id (PfLadder *self,
                       guint     lane)
{
  g_return_val_if_fail (PF_IS_LADDER (self), NULL);

  if (lane >= self->lanes->len)
    return NULL;
  return ((Lane *) g_ptr_array_index (self->lanes, lane))->id;
}

/* How many arrows timeline position @index is drawn as: one a receiver. */
guint
pf_ladder_get_n_arrows_at (PfLadder *self,
                           guint     index)
{
  guint n = 0;

  g_return_val_if_fail (PF_IS_LADDER (self), 0);

  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      n += row->kind == ROW_ARROW && row->index == index;
    }
  return n;
}

/* The @nth arrow of timeline position @index: its lanes and label. */
gboolean
pf_ladder_get_arrow_lanes (PfLadder    *self,
                           guint        index,
                           guint        nth,
                           int         *out_src,
                           int         *out_dst,
                           const char **out_label)
{
  g_return_val_if_fail (PF_IS_LADDER (self), FALSE);

  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (row->kind != ROW_ARROW || row->index != index || nth-- > 0)
        continue;
      *out_src = row->src_lane;
      *out_dst = row->dst_lane;
      if (out_label != NULL)
        *out_label = row->label;
      return TRUE;
    }
  return FALSE;
}

/* When the @nth arrow of timeline position @index leaves, in the step's
 * animation (seconds at speed 1); NOT_ANIMATED when it is drawn whole. */
double
pf_ladder_get_arrow_offset (PfLadder *self,
                            guint     index,
                            guint     nth)
{
  g_return_val_if_fail (PF_IS_LADDER (self), NOT_ANIMATED);

  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (row->kind == ROW_ARROW && row->index == index && nth-- == 0)
        return row->offset;
    }
  return NOT_ANIMATED;
}

/* How long each arrow of the step flies. */
double
pf_ladder_get_flight_time (PfLadder *self)
{
  g_return_val_if_fail (PF_IS_LADDER (self), 0);
  return pf_flight_schedule_get_flight_time (self->schedule);
}
