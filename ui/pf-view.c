/* pf-view.c: what every view of a run has: the player and the zoom
 *
 * The base of the views (the stage, the ladder, the inspector, the
 * packet list, the socket table): it holds the player they all show and
 * the zoom they draw at, clamped to the one range, and tells the
 * subclass through player_changed and zoom_changed when either really
 * changed. The player's signals reach a subclass through a GSignalGroup
 * it gets from pf_view_get_player_signals () and connects to in its
 * init: the group follows the player, so no handler outlives the player
 * it was made for. A view whose class sets zoom_scales_font has its
 * font scaled by the zoom, which its children inherit; the others draw
 * at the zoom themselves. The view sets no layout: a subclass with
 * children gives itself one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-view"

#include "config.h"

#include "pf-view.h"

typedef struct
{
  PfPlayer       *player;
  GSignalGroup   *player_signals;
  GtkCssProvider *font_zoom;        /* zoom_scales_font only */
  double          zoom;
} PfViewPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (PfView, pf_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_PLAYER,
  PROP_ZOOM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The theme gives a few descendants absolute sizes (column headers 9pt,
 * status page title 18pt, its text 11pt, its icon 96px); inside the views
 * they follow the zoomed font instead, in the theme's proportions to an
 * 11pt body. */
static const char zoom_relative_css[] =
  "pfpacketlist columnview.view > header > button > box,"
  "pfsockettable columnview.view > header > button > box { font-size: 0.82em; }"
  "pfinspector statuspage .title { font-size: 1.64em; }"
  "pfinspector statuspage .body { font-size: 1em; }"
  "pfinspector statuspage.compact .icon { -gtk-icon-size: 6.5em; }"
  "pfinspector .pf-section { font-weight: bold; }"
  "pfinspector treeexpander > expander {"
  "  min-width: 1.1em; min-height: 1.1em; -gtk-icon-size: 1.1em; }";

static void
install_display_css (GtkWidget *widget)
{
  GdkDisplay *display = gtk_widget_get_display (widget);
  g_autoptr(GtkCssProvider) provider = NULL;

  if (display == NULL || g_object_get_data (G_OBJECT (display), "pf-view-css") != NULL)
    return;

  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider, zoom_relative_css, -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_set_data_full (G_OBJECT (display), "pf-view-css",
                          g_steal_pointer (&provider), g_object_unref);
}

/* The font size of the view at its zoom: rows, headers and text views
 * grow together. */
static void
scale_font (PfView *self)
{
  PfViewPrivate *priv = pf_view_get_instance_private (self);
  char number[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *css = NULL;

  install_display_css (GTK_WIDGET (self));

  if (priv->font_zoom == NULL)
    {
      priv->font_zoom = gtk_css_provider_new ();
      gtk_style_context_add_provider (gtk_widget_get_style_context (GTK_WIDGET (self)),
                                      GTK_STYLE_PROVIDER (priv->font_zoom),
                                      GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
    }

  g_ascii_formatd (number, sizeof number, "%.3f", priv->zoom);
  css = g_strdup_printf ("* { font-size: %sem; }", number);
  gtk_css_provider_load_from_data (priv->font_zoom, css, -1);
}

/* In PfView's init the instance still has PfView's class; here it has
 * its own, which says whether the zoom scales the font. */
static void
pf_view_constructed (GObject *object)
{
  G_OBJECT_CLASS (pf_view_parent_class)->constructed (object);

  if (PF_VIEW_GET_CLASS (object)->zoom_scales_font)
    scale_font (PF_VIEW (object));
}

static void
pf_view_dispose (GObject *object)
{
  PfViewPrivate *priv = pf_view_get_instance_private (PF_VIEW (object));

  if (priv->player_signals != NULL)
    g_signal_group_set_target (priv->player_signals, NULL);
  g_clear_object (&priv->player_signals);
  g_clear_object (&priv->player);
  g_clear_object (&priv->font_zoom);

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

  object_class->constructed = pf_view_constructed;
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
  if (PF_VIEW_GET_CLASS (self)->zoom_scales_font)
    scale_font (self);
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
