/* pf-segment-model.c: the segments on screen, as a list model
 *
 * The PfEvent items of kind SEGMENT among the player's history on screen,
 * the timeline's events [0, position), in timeline order. Kept up to date
 * incrementally: a step forward appends only the new segments, a step back
 * removes only the tail; a new run (or a cleared timeline) starts over.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-segment-model"

#include "config.h"

#include "pf-segment-model.h"

struct _PfSegmentModel
{
  GObject       parent_instance;

  PfPlayer     *player;
  GSignalGroup *player_signals;
  GSignalGroup *timeline_signals;
  PfTimeline   *timeline;     /* the one scanned */

  GPtrArray    *segments;     /* PfEvent*, owned */
  GArray       *indices;      /* guint: each segment's timeline position */
  guint         scanned;      /* timeline events [0, scanned) looked at */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PfSegmentModel, pf_segment_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_PLAYER,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GType
pf_segment_model_get_item_type (GListModel *model)
{
  return PF_TYPE_EVENT;
}

static guint
pf_segment_model_get_n_items (GListModel *model)
{
  return PF_SEGMENT_MODEL (model)->segments->len;
}

static gpointer
pf_segment_model_get_item (GListModel *model,
                           guint       position)
{
  PfSegmentModel *self = PF_SEGMENT_MODEL (model);

  if (position >= self->segments->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->segments, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = pf_segment_model_get_item_type;
  iface->get_n_items = pf_segment_model_get_n_items;
  iface->get_item = pf_segment_model_get_item;
}

static void
emit_changed (PfSegmentModel *self,
              guint           position,
              guint           removed,
              guint           added)
{
  if (removed == 0 && added == 0)
    return;

  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
clear (PfSegmentModel *self)
{
  guint removed = self->segments->len;

  g_ptr_array_set_size (self->segments, 0);
  g_array_set_size (self->indices, 0);
  self->scanned = 0;
  emit_changed (self, 0, removed, 0);
}

/* Brings the list to the player's position: appends or drops the tail. */
static void
sync_to_player (PfSegmentModel *self)
{
  PfTimeline *timeline = self->player ? pf_player_get_timeline (self->player) : NULL;
  guint position = self->player ? pf_player_get_position (self->player) : 0;
  guint old_len = self->segments->len;

  if (timeline != self->timeline)
    {
      clear (self);
      g_set_object (&self->timeline, timeline);
      g_signal_group_set_target (self->timeline_signals, timeline);
      old_len = 0;
    }

  if (timeline == NULL)
    return;

  position = MIN (position, pf_timeline_get_n_events (timeline));

  if (position < self->scanned)
    {
      guint keep = self->segments->len;

      while (keep > 0 && g_array_index (self->indices, guint, keep - 1) >= position)
        keep--;
      g_ptr_array_set_size (self->segments, keep);
      g_array_set_size (self->indices, keep);
      self->scanned = position;
      emit_changed (self, keep, old_len - keep, 0);
      return;
    }

  for (guint i = self->scanned; i < position; i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      if (pf_event_get_kind (event) != PF_EVENT_SEGMENT)
        continue;
      g_ptr_array_add (self->segments, g_object_ref (event));
      g_array_append_val (self->indices, i);
    }
  self->scanned = position;
  emit_changed (self, old_len, 0, self->segments->len - old_len);
}

static void
on_position_changed (PfSegmentModel *self)
{
  sync_to_player (self);
}

/* A new run: start over, even if its timeline has the old address. */
static void
on_engine_changed (PfSegmentModel *self)
{
  clear (self);
  g_clear_object (&self->timeline);
  g_signal_group_set_target (self->timeline_signals, NULL);
  sync_to_player (self);
}

/* The timeline only grows during a run; a clear is a new start. */
static void
on_timeline_items_changed (PfSegmentModel *self,
                           guint           position,
                           guint           removed,
                           guint           added,
                           GListModel     *timeline)
{
  if (removed > 0)
    {
      clear (self);
      g_clear_object (&self->timeline);
      g_signal_group_set_target (self->timeline_signals, NULL);
    }
  sync_to_player (self);
}

static void
pf_segment_model_dispose (GObject *object)
{
  PfSegmentModel *self = PF_SEGMENT_MODEL (object);

  if (self->player_signals != NULL)
    g_signal_group_set_target (self->player_signals, NULL);
  if (self->timeline_signals != NULL)
    g_signal_group_set_target (self->timeline_signals, NULL);
  g_clear_object (&self->player_signals);
  g_clear_object (&self->timeline_signals);
  g_clear_object (&self->player);
  g_clear_object (&self->timeline);
  if (self->segments != NULL)
    g_ptr_array_set_size (self->segments, 0);

  G_OBJECT_CLASS (pf_segment_model_parent_class)->dispose (object);
}

static void
pf_segment_model_finalize (GObject *object)
{
  PfSegmentModel *self = PF_SEGMENT_MODEL (object);

  g_clear_pointer (&self->segments, g_ptr_array_unref);
  g_clear_pointer (&self->indices, g_array_unref);

  G_OBJECT_CLASS (pf_segment_model_parent_class)->finalize (object);
}

static void
pf_segment_model_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  PfSegmentModel *self = PF_SEGMENT_MODEL (object);

  switch (prop_id)
    {
    case PROP_PLAYER:
      g_value_set_object (value, self->player);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->segments->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_segment_model_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  PfSegmentModel *self = PF_SEGMENT_MODEL (object);

  switch (prop_id)
    {
    case PROP_PLAYER:
      pf_segment_model_set_player (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_segment_model_class_init (PfSegmentModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pf_segment_model_dispose;
  object_class->finalize = pf_segment_model_finalize;
  object_class->get_property = pf_segment_model_get_property;
  object_class->set_property = pf_segment_model_set_property;

  properties[PROP_PLAYER] =
    g_param_spec_object ("player", NULL, NULL, PF_TYPE_PLAYER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pf_segment_model_init (PfSegmentModel *self)
{
  self->segments = g_ptr_array_new_with_free_func (g_object_unref);
  self->indices = g_array_new (FALSE, FALSE, sizeof (guint));

  self->player_signals = g_signal_group_new (PF_TYPE_PLAYER);
  g_signal_group_connect_swapped (self->player_signals, "notify::position",
                                  G_CALLBACK (on_position_changed), self);
  g_signal_group_connect_swapped (self->player_signals, "notify::engine",
                                  G_CALLBACK (on_engine_changed), self);

  self->timeline_signals = g_signal_group_new (G_TYPE_LIST_MODEL);
  g_signal_group_connect_swapped (self->timeline_signals, "items-changed",
                                  G_CALLBACK (on_timeline_items_changed), self);
}

PfSegmentModel *
pf_segment_model_new (PfPlayer *player)
{
  g_return_val_if_fail (player == NULL || PF_IS_PLAYER (player), NULL);

  return g_object_new (PF_TYPE_SEGMENT_MODEL, "player", player, NULL);
}

PfPlayer *
pf_segment_model_get_player (PfSegmentModel *self)
{
  g_return_val_if_fail (PF_IS_SEGMENT_MODEL (self), NULL);
  return self->player;
}

void
pf_segment_model_set_player (PfSegmentModel *self,
                             PfPlayer       *player)
{
  g_return_if_fail (PF_IS_SEGMENT_MODEL (self));
  g_return_if_fail (player == NULL || PF_IS_PLAYER (player));

  if (!g_set_object (&self->player, player))
    return;

  g_signal_group_set_target (self->player_signals, player);
  sync_to_player (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYER]);
}

/* The position of @event in the list, or GTK's invalid position
 * (G_MAXUINT) when it is not a segment on screen. */
guint
pf_segment_model_find (PfSegmentModel *self,
                       PfEvent        *event)
{
  guint index;

  g_return_val_if_fail (PF_IS_SEGMENT_MODEL (self), G_MAXUINT);

  if (event != NULL && g_ptr_array_find (self->segments, event, &index))
    return index;
  return G_MAXUINT;
}
