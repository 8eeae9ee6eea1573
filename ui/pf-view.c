/* pf-view.c: what every view of a run has: the player and the zoom
 *
 * The base of the views (the inspector, the packet list, the socket
 * table): it holds the player they all show and the zoom they draw at,
 * clamped to the one range, and tells the subclass through
 * player_changed and zoom_changed when either really changed. The
 * player's signals reach a subclass through a GSignalGroup it gets from
 * pf_view_get_player_signals () and connects to in its init: the group
 * follows the player, so no handler outlives the player it was made for.
 * The view sets no layout: a subclass with children gives itself one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-view"

#include "config.h"

#include "pf-view.h"

typedef struct
{
  PfPlayer     *player;
  GSignalGroup *player_signals;
  double        zoom;
} PfViewPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (PfView, pf_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_PLAYER,
  PROP_ZOOM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
pf_view_dispose (GObject *object)
{
  PfViewPrivate *priv = pf_view_get_instance_private (PF_VIEW (object));

  if (priv->player_signals != NULL)
    g_signal_group_set_target (priv->player_signals, NULL);
  g_clear_object (&priv->player_signals);
  g_clear_object (&priv->player);

  G_OBJECT_CLASS (pf_view_parent_class)->dispose (object);
}

static void
pf_view_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  PfView *self = PF_VIEW (object);

  switch (prop_id)
    {
    case PROP_PLAYER:
      g_value_set_object (value, pf_view_get_player (self));
      break;
    case PROP_ZOOM:
      g_value_set_double (value, pf_view_get_zoom (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_view_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  PfView *self = PF_VIEW (object);

  switch (prop_id)
    {
    case PROP_PLAYER:
      pf_view_set_player (self, g_value_get_object (value));
      break;
    case PROP_ZOOM:
      pf_view_set_zoom (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_view_class_init (PfViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pf_view_dispose;
  object_class->get_property = pf_view_get_property;
  object_class->set_property = pf_view_set_property;

  properties[PROP_PLAYER] =
    g_param_spec_object ("player", NULL, NULL, PF_TYPE_PLAYER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, PF_VIEW_MIN_ZOOM, PF_VIEW_MAX_ZOOM, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pf_view_init (PfView *self)
{
  PfViewPrivate *priv = pf_view_get_instance_private (self);

  priv->zoom = 1.0;
  priv->player_signals = g_signal_group_new (PF_TYPE_PLAYER);
}

PfPlayer *
pf_view_get_player (PfView *self)
{
  PfViewPrivate *priv = pf_view_get_instance_private (self);

  g_return_val_if_fail (PF_IS_VIEW (self), NULL);
  return priv->player;
}

void
pf_view_set_player (PfView   *self,
                    PfPlayer *player)
{
  PfViewPrivate *priv = pf_view_get_instance_private (self);

  g_return_if_fail (PF_IS_VIEW (self));
  g_return_if_fail (player == NULL || PF_IS_PLAYER (player));

  if (!g_set_object (&priv->player, player))
    return;

  g_signal_group_set_target (priv->player_signals, player);
  if (PF_VIEW_GET_CLASS (self)->player_changed != NULL)
    PF_VIEW_GET_CLASS (self)->player_changed (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYER]);
}

double
pf_view_get_zoom (PfView *self)
{
  PfViewPrivate *priv = pf_view_get_instance_private (self);

  g_return_val_if_fail (PF_IS_VIEW (self), 1.0);
  return priv->zoom;
}

void
pf_view_set_zoom (PfView *self,
                  double  zoom)
{
  PfViewPrivate *priv = pf_view_get_instance_private (self);
  double old_zoom;

  g_return_if_fail (PF_IS_VIEW (self));

  zoom = CLAMP (zoom, PF_VIEW_MIN_ZOOM, PF_VIEW_MAX_ZOOM);
  if (G_APPROX_VALUE (priv->zoom, zoom, 1e-9))
    return;

  old_zoom = priv->zoom;
  priv->zoom = zoom;
  if (PF_VIEW_GET_CLASS (self)->zoom_changed != NULL)
    PF_VIEW_GET_CLASS (self)->zoom_changed (self, old_zoom);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

/* The player's signals, for a subclass to connect its handlers to in its
 * init: the group's target is always the view's player. NULL after
 * dispose. */
GSignalGroup *
pf_view_get_player_signals (PfView *self)
{
  PfViewPrivate *priv = pf_view_get_instance_private (self);

  g_return_val_if_fail (PF_IS_VIEW (self), NULL);
  return priv->player_signals;
}
