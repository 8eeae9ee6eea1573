/* pf-timeline.c: the recorded events of a run, as a list model
 *
 * The engine appends; the window, the trace writer and the tests read.
 * Replaying history (step back) reads this list and touches no socket.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-timeline"

#include "config.h"

#include "pf-timeline.h"

struct _PfTimeline
{
  GObject    parent_instance;

  GPtrArray *events;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PfTimeline, pf_timeline, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GType
pf_timeline_get_item_type (GListModel *model)
{
  return PF_TYPE_EVENT;
}

static guint
pf_timeline_get_n_items (GListModel *model)
{
  return PF_TIMELINE (model)->events->len;
}

static gpointer
pf_timeline_get_item (GListModel *model,
                      guint       position)
{
  PfTimeline *self = PF_TIMELINE (model);

  if (position >= self->events->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->events, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = pf_timeline_get_item_type;
  iface->get_n_items = pf_timeline_get_n_items;
  iface->get_item = pf_timeline_get_item;
}

static void
pf_timeline_finalize (GObject *object)
{
  PfTimeline *self = PF_TIMELINE (object);

  g_clear_pointer (&self->events, g_ptr_array_unref);

  G_OBJECT_CLASS (pf_timeline_parent_class)->finalize (object);
}

static void
pf_timeline_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  PfTimeline *self = PF_TIMELINE (object);

  switch (prop_id)
    {
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->events->len);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_timeline_class_init (PfTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pf_timeline_finalize;
  object_class->get_property = pf_timeline_get_property;

  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pf_timeline_init (PfTimeline *self)
{
  self->events = g_ptr_array_new_with_free_func (g_object_unref);
}

PfTimeline *
pf_timeline_new (void)
{
  return g_object_new (PF_TYPE_TIMELINE, NULL);
}

/* Takes a new reference on @event. */
void
pf_timeline_append (PfTimeline *self,
                    PfEvent    *event)
{
  g_return_if_fail (PF_IS_TIMELINE (self));
  g_return_if_fail (PF_IS_EVENT (event));

  g_ptr_array_add (self->events, g_object_ref (event));
  g_list_model_items_changed (G_LIST_MODEL (self), self->events->len - 1, 0, 1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* Takes a new reference on each of @events, appended in order; one
 * ::items-changed for all of them. */
void
pf_timeline_append_all (PfTimeline *self,
                        GPtrArray  *events)
{
  guint first;

  g_return_if_fail (PF_IS_TIMELINE (self));
  g_return_if_fail (events != NULL);

  if (events->len == 0)
    return;

  first = self->events->len;
  for (guint i = 0; i < events->len; i++)
    {
      PfEvent *event = g_ptr_array_index (events, i);

      g_return_if_fail (PF_IS_EVENT (event));
      g_ptr_array_add (self->events, g_object_ref (event));
    }

  g_list_model_items_changed (G_LIST_MODEL (self), first, 0, events->len);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* Borrowed: valid while the timeline holds it. */
PfEvent *
pf_timeline_get_event (PfTimeline *self,
                       guint       position)
{
  g_return_val_if_fail (PF_IS_TIMELINE (self), NULL);
  g_return_val_if_fail (position < self->events->len, NULL);

  return g_ptr_array_index (self->events, position);
}

guint
pf_timeline_get_n_events (PfTimeline *self)
{
  g_return_val_if_fail (PF_IS_TIMELINE (self), 0);

  return self->events->len;
}

/* How many events of @kind belong to @step; a @step of -1 counts all. */
guint
pf_timeline_count (PfTimeline  *self,
                   PfEventKind  kind,
                   int          step)
{
  guint count = 0;

  g_return_val_if_fail (PF_IS_TIMELINE (self), 0);

  for (guint i = 0; i < self->events->len; i++)
    {
      PfEvent *event = g_ptr_array_index (self->events, i);

      if (pf_event_get_kind (event) == kind &&
          (step < 0 || pf_event_get_step (event) == step))
        count++;
    }

  return count;
}

/* The position of @step's first event, or the number of events when the
 * step has not begun: everything before it is the history up to @step. */
guint
pf_timeline_get_step_start (PfTimeline *self,
                            int         step)
{
  g_return_val_if_fail (PF_IS_TIMELINE (self), 0);

  for (guint i = 0; i < self->events->len; i++)
    {
      if (pf_event_get_step (g_ptr_array_index (self->events, i)) >= step)
        return i;
    }

  return self->events->len;
}

void
pf_timeline_clear (PfTimeline *self)
{
  guint removed;

  g_return_if_fail (PF_IS_TIMELINE (self));

  removed = self->events->len;
  if (removed == 0)
    return;

  g_ptr_array_set_size (self->events, 0);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}
