/* pf-ladder-draw.c: drawing the ladder
 *
 * The parts pf_ladder_snapshot () puts together for the rows on screen:
 * the bands behind the selected and the newest arrow, the lifelines,
 * rules and arrows, their labels and ports, the state tags, and the
 * header with the hosts' names. Text layouts are made here on first use
 * and kept until the style changes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-ladder"

#include "config.h"

#include "pf-ladder-private.h"

#include <math.h>

static gboolean
is_selected (PfLadder *self,
             Row      *row)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));

  return row->event != NULL && row->event == pf_player_get_selected (player);
}

static void
append_rounded (GtkSnapshot           *snapshot,
                const graphene_rect_t *rect,
                double                 radius,
                const GdkRGBA         *fill,
                const GdkRGBA         *border)
{
  GskRoundedRect rounded;

  gsk_rounded_rect_init_from_rect (&rounded, rect, radius);
  if (fill != NULL)
    {
      gtk_snapshot_push_rounded_clip (snapshot, &rounded);
      gtk_snapshot_append_color (snapshot, fill, rect);
      gtk_snapshot_pop (snapshot);
    }
  if (border != NULL)
    gtk_snapshot_append_border (snapshot, &rounded, (float[4]) { 1, 1, 1, 1 },
                                (GdkRGBA[4]) { *border, *border, *border, *border });
}

static void
append_text (GtkSnapshot   *snapshot,
             PangoLayout   *layout,
             double         x,
             double         y,
             const GdkRGBA *color)
{
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, color);
  gtk_snapshot_restore (snapshot);
}

static void
draw_arrow_line (cairo_t       *cr,
                 double         x1,
                 double         y1,
                 double         x2,
                 double         y2,
                 double         progress,
                 const GdkRGBA *color,
                 double         line_width,
                 gboolean       dashed)
{
  double angle = atan2 (y2 - y1, x2 - x1);
  double length = hypot (x2 - x1, y2 - y1) * progress;
  double tip_x = x1 + cos (angle) * length;
  double tip_y = y1 + sin (angle) * length;
  double head = MIN (HEAD_LEN, length);

  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, line_width);
  if (dashed)
    cairo_set_dash (cr, (double[2]) { 5, 3 }, 2, 0);
  cairo_move_to (cr, x1, y1);
  cairo_line_to (cr, tip_x - cos (angle) * head * 0.8, tip_y - sin (angle) * head * 0.8);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);

  cairo_move_to (cr, tip_x, tip_y);
  cairo_line_to (cr, tip_x - cos (angle) * head + sin (angle) * HEAD_HALF,
                 tip_y - sin (angle) * head - cos (angle) * HEAD_HALF);
  cairo_line_to (cr, tip_x - cos (angle) * head - sin (angle) * HEAD_HALF,
                 tip_y - sin (angle) * head + cos (angle) * HEAD_HALF);
  cairo_close_path (cr);
  cairo_fill (cr);
}

static void
draw_self_loop (cairo_t       *cr,
                double         x,
                double         y1,
                double         y2,
                const GdkRGBA *color,
                double         line_width,
                gboolean       dashed)
{
  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, line_width);
  if (dashed)
    cairo_set_dash (cr, (double[2]) { 5, 3 }, 2, 0);
  cairo_move_to (cr, x, y1);
  cairo_line_to (cr, x + SELF_LOOP, y1);
  cairo_line_to (cr, x + SELF_LOOP, y2);
  cairo_line_to (cr, x + HEAD_LEN, y2);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  cairo_move_to (cr, x, y2);
  cairo_line_to (cr, x + HEAD_LEN, y2 - HEAD_HALF);
  cairo_line_to (cr, x + HEAD_LEN, y2 + HEAD_HALF);
  cairo_close_path (cr);
  cairo_fill (cr);
}

/* Lifelines, rules and arrows of the visible rows, in one cairo node.
 * The node is made in widget coordinates and cairo does the scaling:
 * GTK 4.8 places a cairo node drawn under a scale and a translation
 * wrongly. */
void
pf_ladder_draw_lines (PfLadder    *self,
                      GtkSnapshot *snapshot,
                      double       width,
                      double       top,
                      double       bottom,
                      guint        first,
                      guint        end,
                      Row         *highlighted,
                      double       origin_y)
{
  double zoom = pf_view_get_zoom (PF_VIEW (self));
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot,
                                           &GRAPHENE_RECT_INIT (0, origin_y + top * zoom,
                                                                width * zoom,
                                                                (bottom - top) * zoom));

  cairo_translate (cr, 0, origin_y);
  cairo_scale (cr, zoom, zoom);
  gdk_cairo_set_source_rgba (cr, &self->lifeline);
  cairo_set_line_width (cr, 1.5);
  for (guint i = 0; i < self->lanes->len; i++)
    {
      double x = round (pf_ladder_lane_x (self, i, width)) + 0.25;

      cairo_move_to (cr, x, top);
      cairo_line_to (cr, x, bottom);
    }
  cairo_stroke (cr);

  for (guint i = first; i < end; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);
      double p = pf_ladder_row_progress (self, row);
      double x1, x2, y1, line_width;

      if (row->kind == ROW_RULE)
        {
          double y = round (row->y + row->height / 2) + 0.5;

          gdk_cairo_set_source_rgba (cr, &self->rule);
          cairo_set_line_width (cr, 1);
          cairo_move_to (cr, 0, y);
          cairo_line_to (cr, width - MARGIN_X / 2, y);
          cairo_stroke (cr);
        }
      if (row->kind != ROW_ARROW || p <= 0.0)
        continue;

      pf_ladder_arrow_geometry (self, row, width, &x1, &x2, &y1);
      line_width = is_selected (self, row) ? 3.0 : row == highlighted ? 2.5 : 1.5;
      if (row->src_lane == row->dst_lane)
        draw_self_loop (cr, x1, y1, y1 + SLANT, &self->kinds[row->color], line_width,
                        row->modelled);
      else
        draw_arrow_line (cr, x1, y1, x2, y1 + SLANT, p, &self->kinds[row->color], line_width,
                         row->modelled);
    }

  cairo_destroy (cr);
}

static void
ensure_arrow_layouts (PfLadder *self,
                      Row      *row,
                      double    span)
{
  int width = MAX (1, (int) (span - 2 * TAG_PAD_X)) * PANGO_SCALE;

  if (row->label_layout == NULL)
    {
      row->label_layout = pf_ladder_make_layout (self, self->label_font, row->label);
      pango_layout_set_ellipsize (row->label_layout, PANGO_ELLIPSIZE_END);
      pango_layout_set_alignment (row->label_layout, PANGO_ALIGN_CENTER);
      if (row->excerpt != NULL)
        {
          row->excerpt_layout = pf_ladder_make_layout (self, self->mono_font, row->excerpt);
          pango_layout_set_ellipsize (row->excerpt_layout, PANGO_ELLIPSIZE_END);
          pango_layout_set_alignment (row->excerpt_layout, PANGO_ALIGN_CENTER);
        }
      if (row->src_port != NULL)
        {
          row->src_port_layout = pf_ladder_make_layout (self, self->small_font, row->src_port);
          row->dst_port_layout = pf_ladder_make_layout (self, self->small_font, row->dst_port);
        }
    }

  if (row->layout_width != width)
    {
      row->layout_width = width;
      pango_layout_set_width (row->label_layout, width);
      if (row->excerpt_layout != NULL)
        pango_layout_set_width (row->excerpt_layout, width);
    }
}

static void
draw_arrow_text (PfLadder    *self,
                 GtkSnapshot *snapshot,
                 Row         *row,
                 double       width)
{
  double x1, x2, y1, left, span, y, text_left, text_width;
  GdkRGBA dim = self->fg;
  gboolean rightward;
  int w_modelled = 0;

  pf_ladder_arrow_geometry (self, row, width, &x1, &x2, &y1);
  left = MIN (x1, x2);
  span = fabs (x2 - x1);
  rightward = x2 >= x1;

  /* A row holds one arrow, so its label may use the whole width, centred
   * on the arrow; beside a self loop, what is right of it. */
  if (row->src_lane == row->dst_lane)
    {
      text_left = x2 + TAG_PAD_X;
      text_width = width - MARGIN_X - text_left;
    }
  else
    {
      double mid = left + span / 2;
      double half = MIN (mid - MARGIN_X / 2, width - MARGIN_X / 2 - mid);

      text_left = mid - half;
      text_width = 2 * half;
    }
  ensure_arrow_layouts (self, row, text_width);

  y = row->y + ROW_PAD;
  append_text (snapshot, row->label_layout, text_left + TAG_PAD_X, y, &self->fg);
  if (row->excerpt_layout != NULL)
    append_text (snapshot, row->excerpt_layout, text_left + TAG_PAD_X, y + self->label_h,
                 &self->fg);

  /* Below the arrow's lower end: the ports at their ends, "modelled"
   * between them; the ports only when none of it overlaps. */
  dim.alpha *= 0.7;
  y = y1 + SLANT + 2;
  if (row->modelled)
    {
      pango_layout_get_pixel_size (self->modelled_layout, &w_modelled, NULL);
      append_text (snapshot, self->modelled_layout, left + (span - w_modelled) / 2, y, &dim);
    }
  if (row->src_port_layout != NULL && row->src_lane != row->dst_lane)
    {
      PangoLayout *at_left = rightward ? row->src_port_layout : row->dst_port_layout;
      PangoLayout *at_right = rightward ? row->dst_port_layout : row->src_port_layout;
      double left_end, right_start;
      int w_left, w_right;

      pango_layout_get_pixel_size (at_left, &w_left, NULL);
      pango_layout_get_pixel_size (at_right, &w_right, NULL);
      left_end = left + 4 + w_left + TAG_PAD_X;
      right_start = left + span - 4 - w_right - TAG_PAD_X;
      if (w_modelled > 0 ? left_end > left + (span - w_modelled) / 2 ||
                           right_start < left + (span + w_modelled) / 2
                         : left_end > right_start)
        return;
      append_text (snapshot, at_left, left + 4, y, &dim);
      append_text (snapshot, at_right, left + span - 4 - w_right, y, &dim);
    }
}

static void
draw_marks (PfLadder    *self,
            GtkSnapshot *snapshot,
            Row         *row,
            double       width,
            guint        position)
{
  for (guint i = 0; i < row->marks->len; i++)
    {
      Mark *mark = &g_array_index (row->marks, Mark, i);
      GdkRGBA tint = self->error, border = self->fg;
      const GdkRGBA *text = mark->error ? &self->error : &self->fg;
      double x = pf_ladder_lane_x (self, mark->lane, width);
      graphene_rect_t rect;
      int w, h;

      if (mark->index >= position)
        continue;
      if (mark->layout == NULL)
        mark->layout = pf_ladder_make_layout (self, self->small_font, mark->text);

      pango_layout_get_pixel_size (mark->layout, &w, &h);
      rect = GRAPHENE_RECT_INIT (x - w / 2.0 - TAG_PAD_X, row->y + ROW_PAD,
                                 w + 2 * TAG_PAD_X, h + 2 * TAG_PAD_Y);
      tint.alpha *= 0.15;
      border.alpha *= 0.35;
      append_rounded (snapshot, &rect, rect.size.height / 2, &self->bg,
                      mark->error ? &self->error : &border);
      if (mark->error)
        append_rounded (snapshot, &rect, rect.size.height / 2, &tint, NULL);
      append_text (snapshot, mark->layout, rect.origin.x + TAG_PAD_X,
                   rect.origin.y + TAG_PAD_Y, text);
    }
}

static void
draw_rule_text (PfLadder    *self,
                GtkSnapshot *snapshot,
                Row         *row)
{
  int w, h;

  if (row->label_layout == NULL)
    row->label_layout = pf_ladder_make_layout (self, self->small_font, row->label);
  pango_layout_get_pixel_size (row->label_layout, &w, &h);
  gtk_snapshot_append_color (snapshot, &self->bg,
                             &GRAPHENE_RECT_INIT (0, row->y + (row->height - h) / 2,
                                                  MARGIN_X + w + 2 * TAG_PAD_X, h));
  append_text (snapshot, row->label_layout, MARGIN_X + TAG_PAD_X,
               row->y + (row->height - h) / 2, &self->rule);
}

/* Behind everything: the selected row, the rows related to it (an ICMP
 * error and what it quotes) and the newest row. */
void
pf_ladder_draw_bands (PfLadder    *self,
                      GtkSnapshot *snapshot,
                      double       width,
                      guint        first,
                      guint        end,
                      Row         *highlighted)
{
  GdkRGBA band;

  for (guint i = first; i < end; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);
      graphene_rect_t rect = GRAPHENE_RECT_INIT (2, row->y + 1, width - 4, row->height - 2);

      if (row->kind != ROW_ARROW || pf_ladder_row_progress (self, row) <= 0.0)
        continue;
      if (is_selected (self, row))
        {
          band = self->selection;
          band.alpha *= 0.22;
          append_rounded (snapshot, &rect, 6, &band, &self->selection);
        }
      else if (pf_ladder_row_is_related (self, row))
        {
          /* An ICMP error and what it quotes: a lighter band of the
           * selection's colour, outlined too for high contrast. */
          GdkRGBA outline = self->selection;

          band = self->selection;
          band.alpha *= 0.10;
          outline.alpha *= 0.5;
          append_rounded (snapshot, &rect, 6, &band, &outline);
        }
      else if (row == highlighted)
        {
          band = self->fg;
          band.alpha *= 0.07;
          append_rounded (snapshot, &rect, 6, &band, NULL);
        }
    }
}

void
pf_ladder_draw_texts (PfLadder    *self,
                      GtkSnapshot *snapshot,
                      double       width,
                      guint        first,
                      guint        end)
{
  guint position = pf_player_get_position (pf_view_get_player (PF_VIEW (self)));

  for (guint i = first; i < end; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);
      double p = pf_ladder_row_progress (self, row);

      if (p <= 0.0)
        continue;
      if (p < 1.0)
        gtk_snapshot_push_opacity (snapshot, p);
      if (row->kind == ROW_ARROW)
        draw_arrow_text (self, snapshot, row, width);
      else if (row->kind == ROW_MARKS)
        draw_marks (self, snapshot, row, width, position);
      else
        draw_rule_text (self, snapshot, row);
      if (p < 1.0)
        gtk_snapshot_pop (snapshot);
    }
}

void
pf_ladder_draw_header (PfLadder    *self,
                       GtkSnapshot *snapshot,
                       double       width)
{
  double column = (width - 2 * MARGIN_X) / MAX (self->lanes->len, 1);
  GdkRGBA dim = self->fg, line = self->fg;

  dim.alpha *= 0.75;
  line.alpha *= 0.15;
  gtk_snapshot_append_color (snapshot, &self->bg,
                             &GRAPHENE_RECT_INIT (0, 0, width, self->header_h));
  gtk_snapshot_append_color (snapshot, &line,
                             &GRAPHENE_RECT_INIT (0, self->header_h - 1, width, 1));

  /* Too narrow for a letter: the names would only pile up on each other. */
  if (column - 4 < HEADER_MIN_TEXT)
    return;

  for (guint i = 0; i < self->lanes->len; i++)
    {
      Lane *lane = g_ptr_array_index (self->lanes, i);
      double left = pf_ladder_lane_x (self, i, width) - column / 2;
      double y = HEADER_PAD;

      if (lane->name_layout == NULL)
        {
          lane->name_layout = pf_ladder_make_layout (self, self->name_font, lane->name);
          lane->address_layout = pf_ladder_make_layout (self, self->small_font, lane->address_text);
          pango_layout_set_ellipsize (lane->name_layout, PANGO_ELLIPSIZE_END);
          /* In a narrow ladder at a large zoom, addresses side by side
           * would run into each other. */
          pango_layout_set_ellipsize (lane->address_layout, PANGO_ELLIPSIZE_END);
          pango_layout_set_alignment (lane->name_layout, PANGO_ALIGN_CENTER);
          pango_layout_set_alignment (lane->address_layout, PANGO_ALIGN_CENTER);
          if (lane->here != NULL)
            {
              lane->here_layout = pf_ladder_make_layout (self, self->small_font, lane->here);
              pango_layout_set_ellipsize (lane->here_layout, PANGO_ELLIPSIZE_END);
              pango_layout_set_alignment (lane->here_layout, PANGO_ALIGN_CENTER);
            }
        }
      pango_layout_set_width (lane->name_layout, (int) (column - 4) * PANGO_SCALE);
      pango_layout_set_width (lane->address_layout, (int) (column - 4) * PANGO_SCALE);
      append_text (snapshot, lane->name_layout, left + 2, y, &self->fg);
      y += self->name_h;
      append_text (snapshot, lane->address_layout, left + 2, y, &dim);
      y += self->small_h;
      if (lane->here_layout != NULL)
        {
          pango_layout_set_width (lane->here_layout, (int) (column - 4) * PANGO_SCALE);
          append_text (snapshot, lane->here_layout, left + 2, y, &dim);
        }
    }
}
