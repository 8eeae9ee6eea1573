/* pf-stage-draw.c: what the stage draws
 *
 * The colours, from the style; the still scene (the connections' lines
 * and labels, the hosts' cards with their pictograms and plugs) as one
 * render node; and the envelopes: each one's picture, drawn once for all
 * that look alike (pf-stage-cache.c keeps them), where they fly or wait.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-stage"

#include "config.h"

#include "pf-stage-private.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "pf-enum.h"
#include "pf-packet-info.h"
#include "pf-view-util.h"

/* Small helpers */

static double
luminance (const GdkRGBA *c)
{
  return 0.2126 * c->red + 0.7152 * c->green + 0.0722 * c->blue;
}

static GdkRGBA
with_alpha (const GdkRGBA *c,
            double         alpha)
{
  GdkRGBA r = *c;

  r.alpha *= alpha;
  return r;
}

static void
cairo_rounded_rect (cairo_t *cr,
                    double   x,
                    double   y,
                    double   w,
                    double   h,
                    double   r)
{
  r = MIN (r, MIN (w, h) / 2);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

/* Style */

static void
lookup_color (GtkStyleContext *context,
              const char      *name,
              const char      *adwaita_name,
              const GdkRGBA   *fallback,
              GdkRGBA         *out)
{
  if (gtk_style_context_lookup_color (context, name, out))
    return;
  if (adwaita_name != NULL && gtk_style_context_lookup_color (context, adwaita_name, out))
    return;
  *out = *fallback;
}

static void
read_colors (PfStage       *self,
             PfStageColors *colors)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self));
  /* In PfPacketKind order; a fragment looks like any other packet. */
  static const GdkRGBA light_kinds[PF_N_PACKET_KINDS] = {
    { 0.110, 0.443, 0.847, 1 },  /* handshake: blue 4 */
    { 0.149, 0.635, 0.412, 1 },  /* data: green 5 */
    { 0.467, 0.463, 0.482, 1 },  /* ack: light 5 */
    { 0.776, 0.275, 0.000, 1 },  /* teardown: orange 5 */
    { 0.753, 0.110, 0.157, 1 },  /* reset: red 4 */
    { 0.506, 0.239, 0.612, 1 },  /* udp: purple 4 */
    { 0.525, 0.369, 0.235, 1 },  /* fragment: brown 4 */
    { 0.898, 0.647, 0.039, 1 },  /* icmp: yellow 5 */
    { 0.525, 0.369, 0.235, 1 },  /* other: brown 4 */
    { 0.129, 0.565, 0.620, 1 },  /* arp: teal */
  };
  static const GdkRGBA dark_kinds[PF_N_PACKET_KINDS] = {
    { 0.384, 0.627, 0.918, 1 },  /* blue 2 */
    { 0.341, 0.890, 0.537, 1 },  /* green 2 */
    { 0.604, 0.600, 0.588, 1 },  /* light 4 */
    { 1.000, 0.639, 0.282, 1 },  /* orange 2 */
    { 0.965, 0.380, 0.318, 1 },  /* red 1 */
    { 0.753, 0.380, 0.796, 1 },  /* purple 2 */
    { 0.804, 0.671, 0.561, 1 },  /* brown 1 */
    { 0.973, 0.894, 0.361, 1 },  /* yellow 2 */
    { 0.804, 0.671, 0.561, 1 },  /* brown 1 */
    { 0.400, 0.800, 0.820, 1 },  /* teal, light */
  };
  GdkRGBA fallback;
  gboolean dark;

  memset (colors, 0, sizeof *colors);
  gtk_style_context_get_color (context, &colors->fg);
  dark = luminance (&colors->fg) > 0.5;

  fallback = dark ? (GdkRGBA) { 0.141, 0.141, 0.141, 1 } : (GdkRGBA) { 1, 1, 1, 1 };
  lookup_color (context, "pf_stage_card_base", "window_bg_color", &fallback, &colors->card_base);
  colors->card_base.alpha = 1;
  fallback = dark ? (GdkRGBA) { 1, 1, 1, 0.08 } : (GdkRGBA) { 1, 1, 1, 1 };
  lookup_color (context, "pf_stage_card_bg", "card_bg_color", &fallback, &colors->card_bg);
  fallback = with_alpha (&colors->fg, 0.22);
  lookup_color (context, "pf_stage_card_border", NULL, &fallback, &colors->card_border);
  fallback = with_alpha (&colors->fg, 0.75);
  lookup_color (context, "pf_stage_plug", NULL, &fallback, &colors->plug);
  fallback = with_alpha (&colors->fg, 0.45);
  lookup_color (context, "pf_stage_line", NULL, &fallback, &colors->line);
  fallback = dark ? (GdkRGBA) { 0.141, 0.141, 0.141, 0.9 } : (GdkRGBA) { 0.98, 0.98, 0.98, 0.9 };
  lookup_color (context, "pf_stage_label_bg", NULL, &fallback, &colors->label_bg);
  fallback = (GdkRGBA) { 0.208, 0.518, 0.894, 1 };
  lookup_color (context, "pf_stage_selection", "accent_bg_color", &fallback, &colors->selection);

  for (guint i = 0; i < PF_N_PACKET_KINDS; i++)
    {
      g_autofree char *name = g_strdup_printf ("pf_packet_%s",
                                               pf_enum_to_nick (PF_TYPE_PACKET_KIND, i));

      lookup_color (context, name, i == PF_PACKET_KIND_FRAGMENT ? "pf_packet_other" : NULL,
                    dark ? &dark_kinds[i] : &light_kinds[i], &colors->kinds[i]);
    }
}

/* Colours change with the style only (dark, high contrast, a theme):
 * css_changed says so, and they are read again once, before they are
 * next used. Fonts can change without it: gtk-xft-antialias reaches the
 * Pango context and restyles nothing (seen with GTK 4.8.3), so the
 * context's serial, one look-up a frame, tells. Only a change costs. */
void
pf_stage_ensure_style (PfStage *self)
{
  guint serial = pango_context_get_serial (gtk_widget_get_pango_context (GTK_WIDGET (self)));
  PfStageColors colors;

  if (serial != self->pango_serial)
    {
      self->pango_serial = serial;
      pf_stage_refresh_layouts (self);
    }

  if (self->style_valid)
    return;
  self->style_valid = TRUE;

  read_colors (self, &colors);
  if (!self->have_colors || memcmp (&colors, &self->colors, sizeof colors) != 0)
    {
      self->colors = colors;
      self->have_colors = TRUE;
      pf_stage_clear_arts (self);
      for (guint i = 0; i < N_ICONS; i++)
        pf_stage_picture_clear (&self->icons[i]);
      self->scene_dirty = TRUE;
    }
}

/* Drawing */

static void
draw_icon (cairo_t         *cr,
           PfStageIconKind  kind,
           const GdkRGBA   *color)
{
  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, 2);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);

  switch (kind)
    {
    case ICON_LAPTOP:
      cairo_rounded_rect (cr, 6, 7, 20, 14, 2);
      cairo_stroke (cr);
      cairo_rounded_rect (cr, 2, 23, 28, 3.5, 1.5);
      cairo_fill (cr);
      break;

    case ICON_SERVER:
      cairo_set_line_width (cr, 1.8);
      for (int i = 0; i < 3; i++)
        {
          double y = 3 + i * 9.5;

          cairo_rounded_rect (cr, 6, y, 20, 7.5, 1.5);
          cairo_stroke (cr);
          cairo_move_to (cr, 10, y + 3.75);
          cairo_line_to (cr, 15, y + 3.75);
          cairo_stroke (cr);
          cairo_arc (cr, 21.5, y + 3.75, 1.3, 0, 2 * G_PI);
          cairo_fill (cr);
        }
      break;

    case ICON_PHONE:
      cairo_rounded_rect (cr, 10, 3, 12, 26, 3);
      cairo_stroke (cr);
      cairo_move_to (cr, 14.5, 25);
      cairo_line_to (cr, 17.5, 25);
      cairo_stroke (cr);
      break;

    case ICON_ROUTER:
      cairo_rounded_rect (cr, 4, 16, 24, 10, 2.5);
      cairo_stroke (cr);
      cairo_move_to (cr, 9, 16);
      cairo_line_to (cr, 7, 6);
      cairo_move_to (cr, 23, 16);
      cairo_line_to (cr, 25, 6);
      cairo_stroke (cr);
      for (int i = 0; i < 3; i++)
        {
          cairo_arc (cr, 10 + i * 4, 21, 1.3, 0, 2 * G_PI);
          cairo_fill (cr);
        }
      break;

    case ICON_DESKTOP:
    case N_ICONS:
    default:
      cairo_rounded_rect (cr, 4, 4, 24, 17, 2);
      cairo_stroke (cr);
      cairo_rectangle (cr, 14, 21, 4, 4);
      cairo_fill (cr);
      cairo_rounded_rect (cr, 9, 25, 14, 2.5, 1);
      cairo_fill (cr);
      break;
    }
}

static PfStagePicture *
get_icon (PfStage         *self,
          PfStageIconKind  kind)
{
  if (self->icons[kind].node == NULL)
    {
      cairo_t *cr;
      GskRenderNode *node = gsk_cairo_node_new (&GRAPHENE_RECT_INIT (0, 0, ICON_SIZE, ICON_SIZE));

      cr = gsk_cairo_node_get_draw_context (node);
      draw_icon (cr, kind, &self->colors.fg);
      cairo_destroy (cr);
      self->icons[kind].node = node;
    }
  return &self->icons[kind];
}

static void
draw_lines (PfStage     *self,
            GtkSnapshot *snapshot)
{
  static const double dashes[] = { 7.0, 5.0 };
  static const double ended[] = { 2.0, 5.0 };
  const GdkRGBA *error = &self->colors.kinds[PF_PACKET_KIND_RESET];
  double x0 = G_MAXDOUBLE, y0 = G_MAXDOUBLE, x1 = -G_MAXDOUBLE, y1 = -G_MAXDOUBLE;
  cairo_t *cr;

  if (self->n_connections == 0)
    return;

  /* A curve lies within the triangle of its points, */
  for (guint i = 0; i < self->n_visible; i++)
    {
      PfStageConn *conn = g_ptr_array_index (self->conns, i);

      if (!pf_stage_conn_drawable (conn))
        continue;
      x0 = MIN (x0, MIN (conn->p0.x, MIN (conn->c.x, conn->p2.x)));
      y0 = MIN (y0, MIN (conn->p0.y, MIN (conn->c.y, conn->p2.y)));
      x1 = MAX (x1, MAX (conn->p0.x, MAX (conn->c.x, conn->p2.x)));
      y1 = MAX (y1, MAX (conn->p0.y, MAX (conn->c.y, conn->p2.y)));
      /* and a leader ends on its label */
      x0 = MIN (x0, conn->label_at.x);
      y0 = MIN (y0, conn->label_at.y);
      x1 = MAX (x1, conn->label_at.x);
      y1 = MAX (y1, conn->label_at.y);
    }

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (floor (x0) - 8, floor (y0) - 8,
                                                                 ceil (x1 - x0) + 16, ceil (y1 - y0) + 16));
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);

  for (guint i = 0; i <= self->n_visible; i++)
    {
      /* The selected one last, on top. */
      PfStageConn *conn = i < self->n_visible ? g_ptr_array_index (self->conns, i) : self->selected_conn;
      double ax, ay, bx, by;

      if (conn == NULL || !pf_stage_conn_drawable (conn) || (i < self->n_visible && conn == self->selected_conn))
        continue;

      /* The quadratic curve as a cubic one. */
      ax = conn->p0.x + 2.0 / 3.0 * (conn->c.x - conn->p0.x);
      ay = conn->p0.y + 2.0 / 3.0 * (conn->c.y - conn->p0.y);
      bx = conn->p2.x + 2.0 / 3.0 * (conn->c.x - conn->p2.x);
      by = conn->p2.y + 2.0 / 3.0 * (conn->c.y - conn->p2.y);
      cairo_move_to (cr, conn->p0.x, conn->p0.y);
      cairo_curve_to (cr, ax, ay, bx, by, conn->p2.x, conn->p2.y);

      /* An ended connection dotted and faded, TIME_WAIT less so. */
      if (conn->look != PF_STAGE_LOOK_LIVE)
        cairo_set_dash (cr, ended, G_N_ELEMENTS (ended), 0);
      else
        cairo_set_dash (cr, conn->udp ? dashes : NULL, conn->udp ? G_N_ELEMENTS (dashes) : 0, 0);
      /* Over a network drawn, a connection is end to end, not a wire:
       * thinner, fainter, under the links' hops. */
      if (conn == self->selected_conn)
        {
          cairo_set_line_width (cr, self->links->len > 0 ? LINE_WIDTH : SELECTED_WIDTH);
          gdk_cairo_set_source_rgba (cr, &self->colors.selection);
        }
      else if (conn == self->failure.conn)
        {
          cairo_set_line_width (cr, SELECTED_WIDTH);
          gdk_cairo_set_source_rgba (cr, error);
        }
      else
        {
          GdkRGBA line = with_alpha (&self->colors.line, (conn->look == PF_STAGE_LOOK_CLOSED ? 0.5 :
                                                          conn->look == PF_STAGE_LOOK_TIME_WAIT ? 0.75 : 1) *
                                                         (self->links->len > 0 ? 0.45 : 1));

          cairo_set_line_width (cr, self->links->len > 0 ? 1.0 : LINE_WIDTH);
          gdk_cairo_set_source_rgba (cr, &line);
        }
      cairo_stroke (cr);

      /* The client's end: a dot where it leaves the card. */
      cairo_arc (cr, conn->p0.x, conn->p0.y, conn == self->selected_conn ? 4 : 3, 0, 2 * G_PI);
      cairo_fill (cr);
    }

  /* From each label to the point of its line it is beside, thin: which
   * label is whose stays plain where labels had to move away. */
  cairo_set_dash (cr, NULL, 0, 0);
  cairo_set_line_width (cr, 1);
  for (guint i = 0; i < self->n_visible; i++)
    {
      PfStageConn *conn = g_ptr_array_index (self->conns, i);
      GdkRGBA leader = with_alpha (&self->colors.line, 0.7);
      graphene_rect_t bg;
      double x, y;

      if (!pf_stage_conn_drawable (conn))
        continue;
      pf_stage_conn_label_rect (self, conn, &bg);
      x = CLAMP (conn->label_for.x, bg.origin.x, bg.origin.x + bg.size.width);
      y = CLAMP (conn->label_for.y, bg.origin.y, bg.origin.y + bg.size.height);
      gdk_cairo_set_source_rgba (cr, &leader);
      cairo_move_to (cr, conn->label_for.x, conn->label_for.y);
      cairo_line_to (cr, x, y);
      cairo_stroke (cr);
      cairo_arc (cr, conn->label_for.x, conn->label_for.y, 1.5, 0, 2 * G_PI);
      cairo_fill (cr);
    }

  cairo_destroy (cr);
}

static void
draw_conn_labels (PfStage     *self,
                  GtkSnapshot *snapshot)
{
  const GdkRGBA *error = &self->colors.kinds[PF_PACKET_KIND_RESET];

  for (guint i = 0; i < self->n_visible; i++)
    {
      PfStageConn *conn = g_ptr_array_index (self->conns, i);
      gboolean failed = conn == self->failure.conn;
      PangoLayout *tag = failed ? self->failure.text : conn->tag;
      int tag_w = failed ? self->failure.text_w : conn->tag_w;
      GdkRGBA ink = with_alpha (&self->colors.fg, conn->look == PF_STAGE_LOOK_CLOSED ? 0.6 : 1);
      graphene_rect_t bg;
      GskRoundedRect rounded;

      if (!pf_stage_conn_drawable (conn))
        continue;

      pf_stage_conn_label_rect (self, conn, &bg);
      gsk_rounded_rect_init_from_rect (&rounded, &bg, 6);
      gtk_snapshot_push_rounded_clip (snapshot, &rounded);
      gtk_snapshot_append_color (snapshot, &self->colors.label_bg, &bg);
      gtk_snapshot_pop (snapshot);
      if (conn == self->selected_conn || failed)
        {
          const GdkRGBA *color = failed ? error : &self->colors.selection;
          float widths[4] = { 1.5, 1.5, 1.5, 1.5 };
          GdkRGBA c[4] = { *color, *color, *color, *color };

          gtk_snapshot_append_border (snapshot, &rounded, widths, c);
        }

      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (bg.origin.x + (bg.size.width - conn->label_w) / 2,
                                                              bg.origin.y + LABEL_PAD_Y));
      gtk_snapshot_append_layout (snapshot, conn->label, &ink);
      gtk_snapshot_restore (snapshot);

      /* What became of it: closed, TIME_WAIT, or what failed. */
      if (tag != NULL)
        {
          gtk_snapshot_save (snapshot);
          gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (bg.origin.x + (bg.size.width - tag_w) / 2,
                                                                  bg.origin.y + LABEL_PAD_Y + conn->label_h));
          gtk_snapshot_append_layout (snapshot, tag, failed ? error : &ink);
          gtk_snapshot_restore (snapshot);
        }
    }
}

static void
draw_card (PfStage     *self,
           GtkSnapshot *snapshot,
           PfStageHost *host)
{
  const PfStageColors *colors = &self->colors;
  graphene_rect_t r = GRAPHENE_RECT_INIT (host->x, host->y, host->w, host->h);
  GskRoundedRect rounded;
  float widths[4] = { 1, 1, 1, 1 };
  GdkRGBA border[4] = { colors->card_border, colors->card_border, colors->card_border, colors->card_border };

  gboolean failed = self->failure.conn == NULL && self->failure.host >= 0 &&
                    pf_stage_host_at (self, self->failure.host) == host;

  if (failed)
    {
      for (guint i = 0; i < 4; i++)
        {
          widths[i] = 2.5;
          border[i] = colors->kinds[PF_PACKET_KIND_RESET];
        }
    }
  gsk_rounded_rect_init_from_rect (&rounded, &r, CARD_RADIUS);
  gtk_snapshot_push_rounded_clip (snapshot, &rounded);
  gtk_snapshot_append_color (snapshot, &colors->card_base, &r);
  if (!gdk_rgba_equal (&colors->card_base, &colors->card_bg))
    gtk_snapshot_append_color (snapshot, &colors->card_bg, &r);
  if (host->plugs->len > 0)
    gtk_snapshot_append_color (snapshot, &colors->card_border,
                               &GRAPHENE_RECT_INIT (host->x, host->y + host->header_h, host->w, 1));
  gtk_snapshot_pop (snapshot);
  gtk_snapshot_append_border (snapshot, &rounded, widths, border);

  /* The cairo renderer draws the still scene into an image once, the
   * pictogram with it; other renderers draw the scene every frame. */
  if (GSK_IS_CAIRO_RENDERER (pf_stage_renderer (self)))
    {
      double device = self->scale * self->scale_factor;

      /* On whole device pixels, as a picture would be. */
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (round ((host->x + CARD_PAD) * device) / device,
                                                              round ((host->y + CARD_PAD) * device) / device));
      gtk_snapshot_append_node (snapshot, get_icon (self, host->icon)->node);
      gtk_snapshot_restore (snapshot);
    }
  else
    pf_stage_append_picture (self, snapshot, get_icon (self, host->icon), host->x + CARD_PAD,
                             host->y + CARD_PAD, 1, NULL);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (host->x + CARD_PAD + ICON_SIZE + ICON_GAP,
                                                          host->y + CARD_PAD));
  gtk_snapshot_append_layout (snapshot, host->text, &colors->fg);
  gtk_snapshot_restore (snapshot);

  for (guint i = 0; i < host->plugs->len; i++)
    {
      PfStagePlug *plug = g_ptr_array_index (host->plugs, i);
      PangoLayout *layout = plug->listening ? plug->layout_on : plug->layout_off;
      double edge = host->plugs_left ? host->x : host->x + host->w;
      graphene_rect_t p = GRAPHENE_RECT_INIT (edge - PLUG_WIDTH / 2, host->y + plug->row_y - PLUG_HEIGHT / 2,
                                              PLUG_WIDTH, PLUG_HEIGHT);
      GskRoundedRect plug_rounded;
      graphene_rect_t text;

      gsk_rounded_rect_init_from_rect (&plug_rounded, &p, 3);
      if (plug->listening)
        {
          gtk_snapshot_push_rounded_clip (snapshot, &plug_rounded);
          gtk_snapshot_append_color (snapshot, &colors->plug, &p);
          gtk_snapshot_pop (snapshot);
        }
      else
        {
          float plug_widths[4] = { 1.5, 1.5, 1.5, 1.5 };
          GdkRGBA plug_border[4] = { colors->plug, colors->plug, colors->plug, colors->plug };

          gtk_snapshot_push_rounded_clip (snapshot, &plug_rounded);
          gtk_snapshot_append_color (snapshot, &colors->card_base, &p);
          gtk_snapshot_pop (snapshot);
          gtk_snapshot_append_border (snapshot, &plug_rounded, plug_widths, plug_border);
        }

      pf_stage_plug_label_rect (host, plug, &text);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &text.origin);
      gtk_snapshot_append_layout (snapshot, layout, &colors->fg);
      gtk_snapshot_restore (snapshot);
    }

  /* A failure on the host: a badge on its top edge, in the room the
   * labels leave it. */
  if (failed)
    {
      graphene_rect_t badge;
      GskRoundedRect badge_rounded;
      GdkRGBA white = { 1, 1, 1, 1 };

      pf_stage_failure_badge_rect (self, &badge);
      gsk_rounded_rect_init_from_rect (&badge_rounded, &badge, badge.size.height / 2);
      gtk_snapshot_push_rounded_clip (snapshot, &badge_rounded);
      gtk_snapshot_append_color (snapshot, &colors->kinds[PF_PACKET_KIND_RESET], &badge);
      gtk_snapshot_pop (snapshot);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (badge.origin.x + 6, badge.origin.y + 1));
      gtk_snapshot_append_layout (snapshot, self->failure.text, &white);
      gtk_snapshot_restore (snapshot);
    }
}

void
pf_stage_ensure_scene (PfStage *self)
{
  GtkSnapshot *snapshot;
  PfStageHost *dragged = NULL;

  if (!self->scene_dirty && self->scene.node != NULL)
    return;

  self->scene_dirty = FALSE;
  pf_stage_picture_clear (&self->scene);

  snapshot = gtk_snapshot_new ();
  pf_stage_links_draw (self, snapshot);
  draw_lines (self, snapshot);
  draw_conn_labels (self, snapshot);
  if (self->drag_mode == DRAG_HOST && self->drag_host >= 0)
    dragged = pf_stage_host_at (self, self->drag_host);
  for (guint i = 0; i < self->hosts->len; i++)
    if (pf_stage_host_at (self, i) != dragged)
      draw_card (self, snapshot, pf_stage_host_at (self, i));
  if (dragged != NULL)
    draw_card (self, snapshot, dragged);
  pf_stage_links_draw_labels (self, snapshot);
  self->scene.node = gtk_snapshot_free_to_node (snapshot);
}

/* Envelopes */

#define LABEL_CHARS 14

/* The payload on an envelope: a DNS message by what it is, text by its
 * first line (pf-packet-info.c), other bytes escaped. */
static char *
payload_label (PfStage        *self,
               const PfPacket *packet)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  guint16 sport = pf_view_unmap_port (player, packet->sport);
  guint16 dport = pf_view_unmap_port (player, packet->dport);
  PfAppProtocol app = pf_packet_get_app_protocol (packet, sport, dport);
  g_autofree char *words = NULL;

  if (app == PF_APP_PROTOCOL_DNS)
    {
      const guint8 *data = g_bytes_get_data (packet->payload, NULL);

      /* The QR bit of the header's flags. */
      return g_strdup (pf_packet_get_payload_length (packet) > 2 && (data[2] & 0x80)
                       ? _("DNS answer") : _("DNS query"));
    }
  if (app == PF_APP_PROTOCOL_NONE ||
      (words = pf_packet_describe_application_at (packet, sport, dport)) == NULL)
    return pf_packet_payload_excerpt (packet, LABEL_CHARS);
  if (g_utf8_strlen (words, -1) > LABEL_CHARS)
    {
      g_autofree char *cut = g_utf8_substring (words, 0, LABEL_CHARS - 1);

      return g_strconcat (cut, "…", NULL);
    }
  return g_steal_pointer (&words);
}

static char *
packet_label (PfStage        *self,
              const PfPacket *packet)
{
  guint len;

  /* ARP says what it asks, or the answer's address. */
  if (pf_stage_is_arp (packet))
    {
      g_autofree char *target = pf_ipv4_to_string (packet->arp_tpa);
      g_autofree char *sender = pf_ipv4_to_string (packet->arp_spa);

      if (packet->arp_op == PF_ARP_REQUEST)
        return g_strdup_printf (_("ARP: who has %s?"), target);
      if (packet->arp_op == PF_ARP_REPLY)
        return g_strdup_printf (_("ARP: %s is here"), sender);
      return g_strdup ("ARP");
    }
  len = pf_packet_get_payload_length (packet);
  if (pf_packet_is_fragment (packet))
    return g_strdup (_("fragment"));
  if (packet->protocol == PF_IP_PROTOCOL_UDP)
    return len > 0 ? payload_label (self, packet) : g_strdup ("UDP");
  if (packet->protocol != PF_IP_PROTOCOL_TCP)
    return g_strdup ("IP");
  if (len > 0 && !(packet->flags & (PF_TCP_SYN | PF_TCP_FIN | PF_TCP_RST)))
    return payload_label (self, packet);
  return pf_packet_flags_to_string (packet->flags);
}

static PfPacketKind
stage_kind (const PfPacket *packet)
{
  return pf_stage_is_arp (packet) ? PF_PACKET_KIND_ARP : pf_packet_get_kind (packet);
}

/* The words on an envelope, for tests. */
char *
pf_stage_packet_label_for (PfStage        *self,
                           const PfPacket *packet)
{
  return packet_label (self, packet);
}

char *
pf_stage_art_key_for (PfStage        *self,
                      const PfPacket *packet)
{
  g_autofree char *label = packet_label (self, packet);

  return g_strdup_printf ("%d\x1f%d\x1f%s", stage_kind (packet),
                          packet->origin == PF_PACKET_ORIGIN_MODELLED, label);
}

static void
draw_envelope_icon (cairo_t       *cr,
                    double         x,
                    double         y,
                    const GdkRGBA *color)
{
  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, 1.3);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_rectangle (cr, x, y, ENVELOPE_ICON_W, ENVELOPE_ICON_H);
  cairo_stroke (cr);
  cairo_move_to (cr, x, y);
  cairo_line_to (cr, x + ENVELOPE_ICON_W / 2, y + ENVELOPE_ICON_H * 0.6);
  cairo_line_to (cr, x + ENVELOPE_ICON_W, y);
  cairo_stroke (cr);
}

/* One envelope's picture, at its own origin: a pill in the kind's colour
 * with an envelope and the label; a modelled one has a dashed outline and
 * a "modelled" tag under it. Shared by every envelope that looks alike. */
PfStageArt *
pf_stage_art_new (PfStage        *self,
                  const PfPacket *packet)
{
  const PfStageColors *colors = &self->colors;
  PfPacketKind kind = stage_kind (packet);
  gboolean modelled = packet->origin == PF_PACKET_ORIGIN_MODELLED;
  g_autofree char *label = packet_label (self, packet);
  g_autofree char *markup = g_markup_printf_escaped ("<span size=\"small\" weight=\"bold\">%s</span>", label);
  g_autoptr(PangoLayout) layout = pf_stage_layout_new (self, markup);
  GdkRGBA fill = colors->kinds[kind];
  GdkRGBA ink;
  GtkSnapshot *snapshot;
  PangoRectangle logical;
  cairo_t *cr;
  PfStageArt *art = g_new0 (PfStageArt, 1);
  double text_x;

  if (luminance (&fill) > 0.5)
    ink = (GdkRGBA) { 0, 0, 0, 0.87 };
  else
    ink = (GdkRGBA) { 1, 1, 1, 1 };

  pango_layout_get_pixel_extents (layout, NULL, &logical);
  art->h = MAX (ENVELOPE_HEIGHT, logical.height + 6);
  text_x = 7 + ENVELOPE_ICON_W + 5;
  art->w = text_x + logical.width + 8;

  snapshot = gtk_snapshot_new ();
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (-4, -4, art->w + 8, art->h + 8));
  cairo_rounded_rect (cr, 0, 0, art->w, art->h, 6);
  gdk_cairo_set_source_rgba (cr, &fill);
  cairo_fill (cr);
  if (modelled)
    {
      static const double dashes[] = { 3.0, 2.0 };

      cairo_rounded_rect (cr, -2, -2, art->w + 4, art->h + 4, 8);
      cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0);
      cairo_set_line_width (cr, 1.5);
      gdk_cairo_set_source_rgba (cr, &colors->fg);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }
  draw_envelope_icon (cr, 7, (art->h - ENVELOPE_ICON_H) / 2, &ink);
  cairo_destroy (cr);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (text_x, (art->h - logical.height) / 2.0));
  gtk_snapshot_append_layout (snapshot, layout, &ink);
  gtk_snapshot_restore (snapshot);

  if (modelled)
    {
      g_autofree char *tag_markup = g_markup_printf_escaped ("<span size=\"x-small\" style=\"italic\">%s</span>",
                                                             _("modelled"));
      g_autoptr(PangoLayout) tag = pf_stage_layout_new (self, tag_markup);
      PangoRectangle t;
      graphene_rect_t bg;
      GskRoundedRect rounded;

      pango_layout_get_pixel_extents (tag, NULL, &t);
      bg = GRAPHENE_RECT_INIT ((art->w - t.width) / 2 - 4, art->h + 2, t.width + 8, t.height);
      art->below = 2 + t.height;
      gsk_rounded_rect_init_from_rect (&rounded, &bg, t.height / 2.0);
      gtk_snapshot_push_rounded_clip (snapshot, &rounded);
      gtk_snapshot_append_color (snapshot, &colors->label_bg, &bg);
      gtk_snapshot_pop (snapshot);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (bg.origin.x + 4, bg.origin.y));
      gtk_snapshot_append_layout (snapshot, tag, &colors->fg);
      gtk_snapshot_restore (snapshot);
    }

  art->picture.node = gtk_snapshot_free_to_node (snapshot);
  return art;
}

/* A selected envelope that is not flying waits near its receiver, past
 * the connection's label where the line is long enough. */
void
pf_stage_parked_point (PfStage          *self,
                       graphene_point_t *out)
{
  PfStageConn *conn = self->parked_conn;
  PfStageArt *art = pf_stage_parked_art (self);
  double from, to, s;

  if (self->parked_link != NULL)
    {
      pf_stage_hop_point (self, self->parked_link, self->parked_from, self->parked_to, PARKED_HOP_AT,
                          art->w + 15, art->h + 15, art->below, out);
      return;
    }
  /* Labels keep clear of the path, cards of the range: its ring too. */
  pf_stage_fly_range (self, conn, art->w + 15, art->h + 15, art->below, &from, &to);
  s = self->parked_forward ? from + (to - from) * PARKED_AT : to - (to - from) * PARKED_AT;
  pf_stage_curve_point (conn, s, out);
}

static void
draw_art (PfStage                *self,
          GtkSnapshot            *snapshot,
          PfStageArt             *art,
          const graphene_point_t *at,
          gboolean                selected)
{
  double x = at->x - art->w / 2, y = at->y - art->h / 2;
  double scale = self->scale;

  /* In the widget's units, from the stage's origin. */
  if (selected)
    {
      graphene_rect_t ring = GRAPHENE_RECT_INIT ((x - 4.5) * scale, (y - 4.5) * scale,
                                                 (art->w + 9) * scale, (art->h + 9) * scale);
      GskRoundedRect rounded;
      float widths[4] = { 3 * scale, 3 * scale, 3 * scale, 3 * scale };
      GdkRGBA c[4] = { self->colors.selection, self->colors.selection,
                       self->colors.selection, self->colors.selection };

      gsk_rounded_rect_init_from_rect (&rounded, &ring, 10 * scale);
      gtk_snapshot_append_border (snapshot, &rounded, widths, c);
    }
  pf_stage_append_picture (self, snapshot, &art->picture, x, y, scale, NULL);
}

void
pf_stage_draw_flights (PfStage     *self,
                       GtkSnapshot *snapshot)
{
  PfEvent *selected = self->parked;
  gboolean selected_flying = FALSE;

  /* Those that landed stay landed: the live ones are a window. */
  while (self->first_live < self->flights->len &&
         g_array_index (self->flights, PfStageFlight, self->first_live).start +
         pf_flight_schedule_get_flight_time (self->schedule) <= self->anim_time)
    self->first_live++;

  for (guint i = self->first_live; i < self->flights->len; i++)
    {
      PfStageFlight *f = &g_array_index (self->flights, PfStageFlight, i);
      graphene_point_t at;

      if (f->start > self->anim_time)
        break;
      if (!pf_stage_flight_point (self, f, &at))
        continue;
      draw_art (self, snapshot, pf_stage_flight_art (self, f), &at,
                f->event == selected || (self->hops->len > 0 && g_ptr_array_find (self->hops, f->event, NULL)));
      selected_flying |= f->event == selected;
    }

  if (selected != NULL && !selected_flying)
    {
      graphene_point_t at;

      pf_stage_parked_point (self, &at);
      draw_art (self, snapshot, pf_stage_parked_art (self), &at, TRUE);
    }
}
