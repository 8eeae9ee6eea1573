/* pf-stage-links.c: the network on the stage: links, switches, routers
 *
 * A scenario with links (not the implicit one of a file without them)
 * is drawn as its network: a link of two hosts is a line between them,
 * a link of more a switch (a small box with the link's name) wired to
 * each; a router's address on each of its links is written where that
 * link meets its card. A frame the wire carried flies along its link,
 * from its sender to each receiver (through the switch), one hop after
 * the other (pf-stage-flights.c). A file without links has none of this:
 * the stage looks as it always did.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-stage"

#include "config.h"

#include "pf-stage-private.h"

#include <math.h>

#define SWITCH_W      34.0
#define SWITCH_H      18.0
#define ADDRESS_RISE  4.0      /* a router's address, off its link's line */

static void
layout_unref (gpointer layout)
{
  if (layout != NULL)
    g_object_unref (layout);
}

void
pf_stage_link_free (PfStageLink *link)
{
  if (link == NULL)
    return;
  g_array_unref (link->members);
  g_ptr_array_unref (link->addresses);
  g_clear_object (&link->label);
  g_free (link);
}

gboolean
pf_stage_host_is_router (const PfStageHost *host)
{
  return host->host->is_router || host->icon == ICON_ROUTER;
}

static int
host_index_of (PfStage      *self,
               const PfHost *host)
{
  for (guint i = 0; i < self->hosts->len; i++)
    if (pf_stage_host_at (self, i)->host == host)
      return i;
  return -1;
}

static void
build_labels (PfStage     *self,
              PfStageLink *link)
{
  g_autofree char *network = pf_ipv4_to_string (link->link->network);
  g_autofree char *cidr = g_strdup_printf ("%s/%u", network, link->link->prefix_length);
  g_autofree char *markup = NULL;
  PangoRectangle r;

  /* The name, and the network under it when the name is not that. */
  if (link->link->name != NULL && g_strcmp0 (link->link->name, cidr) != 0)
    markup = g_markup_printf_escaped ("<span size=\"small\" weight=\"bold\">%s</span>\n"
                                      "<span size=\"x-small\">%s</span>",
                                      link->link->name, cidr);
  else
    markup = g_markup_printf_escaped ("<span size=\"small\" weight=\"bold\">%s</span>", cidr);
  g_clear_object (&link->label);
  link->label = pf_stage_layout_new (self, markup);
  pango_layout_set_alignment (link->label, PANGO_ALIGN_CENTER);
  pango_layout_get_pixel_extents (link->label, NULL, &r);
  link->label_w = r.width;
  link->label_h = r.height;

  g_ptr_array_set_size (link->addresses, 0);
  for (guint i = 0; i < link->members->len; i++)
    {
      int h = g_array_index (link->members, int, i);
      const PfStageHost *host = pf_stage_host_at (self, h);
      PangoLayout *layout = NULL;

      if (pf_stage_host_is_router (host))
        {
          const PfInterface *iface = NULL;

          for (guint j = 0; host->host->interfaces != NULL && j < host->host->interfaces->len; j++)
            if (((const PfInterface *) g_ptr_array_index (host->host->interfaces, j))->link == link->link)
              iface = g_ptr_array_index (host->host->interfaces, j);
          if (iface != NULL)
            {
              g_autofree char *address = pf_ipv4_to_string (iface->address);
              g_autofree char *text = g_markup_printf_escaped ("<span size=\"x-small\">%s</span>", address);

              layout = pf_stage_layout_new (self, text);
            }
        }
      g_ptr_array_add (link->addresses, layout);
    }
}

/* The scenario's links, when it has any of its own: an implicit link is
 * no link to draw. */
void
pf_stage_links_build (PfStage *self)
{
  g_ptr_array_set_size (self->links, 0);
  if (self->scenario == NULL || self->scenario->links == NULL)
    return;

  for (guint i = 0; i < self->scenario->links->len; i++)
    {
      const PfLink *l = g_ptr_array_index (self->scenario->links, i);
      PfStageLink *link;

      if (l->implicit)
        {
          g_ptr_array_set_size (self->links, 0);
          return;
        }
      link = g_new0 (PfStageLink, 1);
      link->link = l;
      link->members = g_array_new (FALSE, FALSE, sizeof (int));
      link->addresses = g_ptr_array_new_with_free_func (layout_unref);
      for (guint j = 0; l->interfaces != NULL && j < l->interfaces->len; j++)
        {
          const PfInterface *iface = g_ptr_array_index (l->interfaces, j);
          int h = host_index_of (self, iface->host);

          if (h >= 0)
            g_array_append_val (link->members, h);
        }
      link->is_switch = link->members->len > 2;
      build_labels (self, link);
      g_ptr_array_add (self->links, link);
    }
}

void
pf_stage_links_refresh_layouts (PfStage *self)
{
  for (guint i = 0; i < self->links->len; i++)
    build_labels (self, g_ptr_array_index (self->links, i));
}

PfStageLink *
pf_stage_link_for_id (PfStage    *self,
                      const char *id)
{
  for (guint i = 0; id != NULL && i < self->links->len; i++)
    {
      PfStageLink *link = g_ptr_array_index (self->links, i);

      if (g_strcmp0 (link->link->id, id) == 0)
        return link;
    }
  return NULL;
}

/* The first link @host is on, and the last, as indices; FALSE on none. */
static gboolean
host_links (PfStage *self,
            int      host,
            guint   *first,
            guint   *last)
{
  gboolean found = FALSE;

  for (guint i = 0; i < self->links->len; i++)
    {
      PfStageLink *link = g_ptr_array_index (self->links, i);

      for (guint j = 0; j < link->members->len; j++)
        if (g_array_index (link->members, int, j) == host)
          {
            if (!found)
              *first = i;
            *last = i;
            found = TRUE;
          }
    }
  return found;
}

/* Places the hosts the scenario did not place, by link: the links in
 * columns, left to right in file order, each link's hosts one above the
 * other in its column, a router in the column between its first and
 * last link. Returns FALSE without links (the caller lays them out). */
gboolean
pf_stage_links_layout (PfStage   *self,
                       GPtrArray *free_hosts)
{
  guint n_columns;
  g_autoptr(GPtrArray) columns = NULL;

  if (self->links->len == 0)
    return FALSE;

  n_columns = 2 * self->links->len - 1;
  columns = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  for (guint c = 0; c < n_columns; c++)
    g_ptr_array_add (columns, g_ptr_array_new ());

  for (guint i = 0; i < free_hosts->len; i++)
    {
      PfStageHost *host = g_ptr_array_index (free_hosts, i);
      int index = host_index_of (self, host->host);
      guint first = 0, last = 0, column;

      if (!host_links (self, index, &first, &last))
        column = 0;
      else if (pf_stage_host_is_router (host))
        column = first + last;   /* between 2 first and 2 last */
      else
        column = 2 * first;
      g_ptr_array_add (g_ptr_array_index (columns, column), host);
    }

  for (guint c = 0; c < n_columns; c++)
    {
      GPtrArray *column = g_ptr_array_index (columns, c);

      for (guint j = 0; j < column->len; j++)
        {
          PfStageHost *host = g_ptr_array_index (column, j);

          host->fx = n_columns == 1 ? 0.5 : 0.1 + 0.8 * c / (n_columns - 1);
          host->fy = column->len == 1 ? 0.5 : 0.1 + 0.8 * j / (column->len - 1);
        }
    }
  return TRUE;
}

static void
host_centre (const PfStageHost *host,
             graphene_point_t  *out)
{
  out->x = host->x + host->w / 2;
  out->y = host->y + host->h / 2;
}

/* Where each switch is, once the cards are: between its hosts and its
 * routers, so it follows a card moved by hand. */
void
pf_stage_links_geometry (PfStage *self)
{
  for (guint i = 0; i < self->links->len; i++)
    {
      PfStageLink *link = g_ptr_array_index (self->links, i);
      double hx = 0, hy = 0, rx = 0, ry = 0;
      guint n_hosts = 0, n_routers = 0;

      if (!link->is_switch)
        {
          /* A line: its name halfway along it. */
          graphene_point_t a = { 0 }, b = { 0 };

          if (link->members->len == 2)
            {
              host_centre (pf_stage_host_at (self, g_array_index (link->members, int, 0)), &a);
              host_centre (pf_stage_host_at (self, g_array_index (link->members, int, 1)), &b);
            }
          link->x = (a.x + b.x) / 2;
          link->y = (a.y + b.y) / 2;
          continue;
        }
      for (guint j = 0; j < link->members->len; j++)
        {
          PfStageHost *host = pf_stage_host_at (self, g_array_index (link->members, int, j));
          graphene_point_t c;

          host_centre (host, &c);
          if (pf_stage_host_is_router (host))
            {
              rx += c.x;
              ry += c.y;
              n_routers++;
            }
          else
            {
              hx += c.x;
              hy += c.y;
              n_hosts++;
            }
        }
      if (n_hosts > 0 && n_routers > 0)
        {
          link->x = (hx / n_hosts + rx / n_routers) / 2;
          link->y = (hy / n_hosts + ry / n_routers) / 2;
        }
      else
        {
          link->x = (hx + rx) / MAX (n_hosts + n_routers, 1);
          link->y = (hy + ry) / MAX (n_hosts + n_routers, 1);
        }
    }
}

/* The switch's box, stage units. */
void
pf_stage_link_switch_rect (const PfStageLink *link,
                           graphene_rect_t   *out)
{
  graphene_rect_init (out, link->x - SWITCH_W / 2, link->y - SWITCH_H / 2, SWITCH_W, SWITCH_H);
}

/* Where the line of @link leaves card @host: toward the switch, or the
 * link's other host. */
static void
meeting_point (PfStage           *self,
               const PfStageLink *link,
               guint              member,
               graphene_point_t  *out)
{
  PfStageHost *host = pf_stage_host_at (self, g_array_index (link->members, int, member));
  graphene_point_t toward, c;
  double dx, dy, t = G_MAXDOUBLE;

  if (link->is_switch)
    toward = GRAPHENE_POINT_INIT (link->x, link->y);
  else
    host_centre (pf_stage_host_at (self, g_array_index (link->members, int, member == 0 ? 1 : 0)), &toward);
  host_centre (host, &c);
  dx = toward.x - c.x;
  dy = toward.y - c.y;
  if (fabs (dx) > 1e-6)
    t = MIN (t, host->w / 2 / fabs (dx));
  if (fabs (dy) > 1e-6)
    t = MIN (t, host->h / 2 / fabs (dy));
  if (t == G_MAXDOUBLE)
    t = 0;
  out->x = c.x + dx * t;
  out->y = c.y + dy * t;
}

/* The lines and switches, under the cards. */
void
pf_stage_links_draw (PfStage     *self,
                     GtkSnapshot *snapshot)
{
  double x0 = G_MAXDOUBLE, y0 = G_MAXDOUBLE, x1 = -G_MAXDOUBLE, y1 = -G_MAXDOUBLE;
  GdkRGBA line = self->colors.line;
  cairo_t *cr;

  if (self->links->len == 0)
    return;

  for (guint i = 0; i < self->hosts->len; i++)
    {
      PfStageHost *host = pf_stage_host_at (self, i);

      x0 = MIN (x0, host->x);
      y0 = MIN (y0, host->y);
      x1 = MAX (x1, host->x + host->w);
      y1 = MAX (y1, host->y + host->h);
    }
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (floor (x0) - 8, floor (y0) - 8,
                                                                 ceil (x1 - x0) + 16, ceil (y1 - y0) + 16));
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_width (cr, LINE_WIDTH + 1);
  line.alpha = MIN (1.0, line.alpha * 1.4);
  gdk_cairo_set_source_rgba (cr, &line);

  for (guint i = 0; i < self->links->len; i++)
    {
      PfStageLink *link = g_ptr_array_index (self->links, i);

      if (link->members->len < 2)
        continue;
      if (link->is_switch)
        {
          for (guint j = 0; j < link->members->len; j++)
            {
              graphene_point_t c;

              host_centre (pf_stage_host_at (self, g_array_index (link->members, int, j)), &c);
              cairo_move_to (cr, link->x, link->y);
              cairo_line_to (cr, c.x, c.y);
            }
        }
      else
        {
          graphene_point_t a, b;

          host_centre (pf_stage_host_at (self, g_array_index (link->members, int, 0)), &a);
          host_centre (pf_stage_host_at (self, g_array_index (link->members, int, 1)), &b);
          cairo_move_to (cr, a.x, a.y);
          cairo_line_to (cr, b.x, b.y);
        }
      cairo_stroke (cr);
    }
  cairo_destroy (cr);

  /* Each switch a box, its link's name under it. */
  for (guint i = 0; i < self->links->len; i++)
    {
      PfStageLink *link = g_ptr_array_index (self->links, i);
      graphene_rect_t r;
      GskRoundedRect rounded;
      float widths[4] = { 1.5, 1.5, 1.5, 1.5 };
      GdkRGBA border[4] = { self->colors.fg, self->colors.fg, self->colors.fg, self->colors.fg };

      if (!link->is_switch)
        continue;
      pf_stage_link_switch_rect (link, &r);
      gsk_rounded_rect_init_from_rect (&rounded, &r, 4);
      gtk_snapshot_push_rounded_clip (snapshot, &rounded);
      gtk_snapshot_append_color (snapshot, &self->colors.card_base, &r);
      gtk_snapshot_pop (snapshot);
      gtk_snapshot_append_border (snapshot, &rounded, widths, border);
      /* Its ports: a row of small squares. */
      for (guint p = 0; p < 4; p++)
        gtk_snapshot_append_color (snapshot, &self->colors.plug,
                                   &GRAPHENE_RECT_INIT (r.origin.x + 5 + p * 7, r.origin.y + 6, 4, 6));
    }
}

/* A link's name: under its switch, or under the middle of its line. */
static void
switch_label_rect (const PfStageLink *link,
                   graphene_rect_t   *out)
{
  graphene_rect_init (out, link->x - link->label_w / 2.0 - LABEL_PAD_X,
                      link->y + (link->is_switch ? SWITCH_H / 2 + 3 : 6),
                      link->label_w + 2 * LABEL_PAD_X, link->label_h + 2 * LABEL_PAD_Y);
}

/* Where router address @member of @link is written: just outside the
 * card, along the link's line, above it. FALSE for none. */
static gboolean
address_rect (PfStage           *self,
              const PfStageLink *link,
              guint              member,
              graphene_rect_t   *out)
{
  PangoLayout *address = g_ptr_array_index (link->addresses, member);
  PfStageHost *host = pf_stage_host_at (self, g_array_index (link->members, int, member));
  graphene_point_t at, c;
  PangoRectangle r;
  double dx, dy, len;

  if (address == NULL || link->members->len < 2)
    return FALSE;
  meeting_point (self, link, member, &at);
  host_centre (host, &c);
  dx = at.x - c.x;
  dy = at.y - c.y;
  len = MAX (hypot (dx, dy), 1e-6);
  pango_layout_get_pixel_extents (address, NULL, &r);
  at.x += dx / len * (r.width / 2.0 + LABEL_PAD_X + ADDRESS_RISE);
  at.y += dy / len * (r.height / 2.0 + LABEL_PAD_Y + ADDRESS_RISE);
  at.y -= r.height / 2.0 + LABEL_PAD_Y + ADDRESS_RISE;
  graphene_rect_init (out, at.x - r.width / 2.0 - LABEL_PAD_X, at.y - r.height / 2.0 - LABEL_PAD_Y,
                      r.width + 2 * LABEL_PAD_X, r.height + 2 * LABEL_PAD_Y);
  return TRUE;
}

/* Where envelopes fly on @link, as boxes along its lines: hop by hop
 * they take the link, not the connections' curves, so the labels keep
 * clear of it as of those. As large as the largest envelope on a link,
 * selected (the estimates have the ring). */
static void
hop_paths_taken (PfStage           *self,
                 const PfStageLink *link,
                 GArray            *taken)
{
  double ew = self->hop_envelope_w, eh = self->envelope_h, below = self->envelope_below;

  if (link->members->len < 2)
    return;
  /* A line: from one card to the other. Through a switch: from each
   * card to the switch, the first half of a hop to any other member. */
  for (guint j = 0; j < (link->is_switch ? link->members->len : 1u); j++)
    {
      int from = g_array_index (link->members, int, j);
      int to = g_array_index (link->members, int, j == 0 ? 1 : 0);
      double until = link->is_switch ? 0.5 : 1.0;

      for (guint k = 0; k <= 24; k++)
        {
          graphene_point_t p;
          graphene_rect_t r;

          pf_stage_hop_point (self, link, from, to, until * k / 24.0, ew, eh, below, &p);
          r = GRAPHENE_RECT_INIT (p.x - ew / 2, p.y - eh / 2, ew, eh + below);
          g_array_append_val (taken, r);
        }
    }
}

/* What the network takes on the stage, for the connections' labels to
 * keep clear of: the switches, their labels, the routers' addresses,
 * the envelopes' paths along the links. */
void
pf_stage_links_taken (PfStage *self,
                      GArray  *taken)
{
  for (guint i = 0; i < self->links->len; i++)
    {
      PfStageLink *link = g_ptr_array_index (self->links, i);
      graphene_rect_t r;

      hop_paths_taken (self, link, taken);

      if (link->is_switch)
        {
          pf_stage_link_switch_rect (link, &r);
          g_array_append_val (taken, r);
        }
      if (link->members->len >= 2)
        {
          switch_label_rect (link, &r);
          g_array_append_val (taken, r);
        }
      for (guint j = 0; j < link->members->len; j++)
        if (address_rect (self, link, j, &r))
          g_array_append_val (taken, r);
    }
}

/* What is written on top of the cards' edges: the switches' labels and
 * the routers' addresses, each on a background of its own. */
void
pf_stage_links_draw_labels (PfStage     *self,
                            GtkSnapshot *snapshot)
{
  for (guint i = 0; i < self->links->len; i++)
    {
      PfStageLink *link = g_ptr_array_index (self->links, i);

      if (link->members->len >= 2)
        {
          graphene_rect_t bg;
          GskRoundedRect rounded;

          switch_label_rect (link, &bg);
          gsk_rounded_rect_init_from_rect (&rounded, &bg, 6);
          gtk_snapshot_push_rounded_clip (snapshot, &rounded);
          gtk_snapshot_append_color (snapshot, &self->colors.label_bg, &bg);
          gtk_snapshot_pop (snapshot);
          gtk_snapshot_save (snapshot);
          gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (bg.origin.x + LABEL_PAD_X,
                                                                  bg.origin.y + LABEL_PAD_Y));
          gtk_snapshot_append_layout (snapshot, link->label, &self->colors.fg);
          gtk_snapshot_restore (snapshot);
        }

      for (guint j = 0; j < link->members->len; j++)
        {
          graphene_rect_t bg;
          GskRoundedRect rounded;

          if (!address_rect (self, link, j, &bg))
            continue;
          gsk_rounded_rect_init_from_rect (&rounded, &bg, 5);
          gtk_snapshot_push_rounded_clip (snapshot, &rounded);
          gtk_snapshot_append_color (snapshot, &self->colors.label_bg, &bg);
          gtk_snapshot_pop (snapshot);
          gtk_snapshot_save (snapshot);
          gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (bg.origin.x + LABEL_PAD_X,
                                                                  bg.origin.y + LABEL_PAD_Y));
          gtk_snapshot_append_layout (snapshot, g_ptr_array_index (link->addresses, j), &self->colors.fg);
          gtk_snapshot_restore (snapshot);
        }
    }
}

/* The path of a hop from card @from to card @to on @link: out of the
 * sender's card, through the switch where there is one, into the
 * receiver's. @n_points is 2 or 3. */
static guint
hop_path (PfStage           *self,
          const PfStageLink *link,
          int                from,
          int                to,
          graphene_point_t   points[3])
{
  PfStageHost *a = pf_stage_host_at (self, from);
  PfStageHost *b = pf_stage_host_at (self, to);
  guint n = 0;

  host_centre (a, &points[n++]);
  if (link != NULL && link->is_switch)
    points[n++] = GRAPHENE_POINT_INIT (link->x, link->y);
  host_centre (b, &points[n++]);
  return n;
}

/* How far along a segment from the centre of @host an envelope of
 * @w × @h (and @below, under its middle's @h / 2) is clear of its card,
 * at most the whole segment. */
static double
card_exit (const PfStageHost      *host,
           const graphene_point_t *c,
           const graphene_point_t *toward,
           double                  w,
           double                  h,
           double                  below)
{
  double dx = toward->x - c->x, dy = toward->y - c->y;
  double t = G_MAXDOUBLE, len = hypot (dx, dy);

  /* The card grown by half an envelope, and its tag above the card:
   * it never covers the card. */
  if (fabs (dx) > 1e-6)
    t = MIN (t, (host->w / 2 + PLUG_WIDTH / 2 + w / 2) / fabs (dx));
  if (fabs (dy) > 1e-6)
    t = MIN (t, (host->h / 2 + h / 2 + (dy < 0 ? below : 0)) / fabs (dy));
  if (t == G_MAXDOUBLE)
    t = 0;
  return MIN (t, 1.0) * len;
}

/* Where an envelope of @w × @h, and @below under it (its tag: the
 * point is the middle of @h), is at @s (0 at the sender, 1 at the
 * receiver) on its hop, clear of both cards. */
void
pf_stage_hop_point (PfStage           *self,
                    const PfStageLink *link,
                    int                from,
                    int                to,
                    double             s,
                    double             w,
                    double             h,
                    double             below,
                    graphene_point_t  *out)
{
  graphene_point_t p[3];
  guint n = hop_path (self, link, from, to, p);
  double lengths[2], total = 0, start, end, d;

  for (guint i = 0; i + 1 < n; i++)
    total += lengths[i] = graphene_point_distance (&p[i], &p[i + 1], NULL, NULL);
  if (total < 1e-6)
    {
      *out = p[0];
      return;
    }
  /* Where the cards leave no room (pf_stage_links_fit () says so, and a
   * larger world gives some), halfway. */
  start = card_exit (pf_stage_host_at (self, from), &p[0], &p[1], w, h, below);
  end = total - card_exit (pf_stage_host_at (self, to), &p[n - 1], &p[n - 2], w, h, below);
  if (end < start)
    start = end = total / 2;
  s = CLAMP (s, 0, 1);
  /* Through a switch: to it in the first half, from it in the second, so
   * that the copies of a broadcast travel as one until the switch and
   * part there. */
  if (n == 3 && start < lengths[0] && end > lengths[0])
    d = s < 0.5 ? start + (lengths[0] - start) * s * 2 : lengths[0] + (end - lengths[0]) * (s - 0.5) * 2;
  else
    d = start + (end - start) * s;
  for (guint i = 0; i + 1 < n; i++)
    {
      if (d <= lengths[i] || i + 2 == n)
        {
          double t = lengths[i] > 1e-6 ? CLAMP (d / lengths[i], 0, 1) : 0;

          out->x = p[i].x + (p[i + 1].x - p[i].x) * t;
          out->y = p[i].y + (p[i + 1].y - p[i].y) * t;
          return;
        }
      d -= lengths[i];
    }
}

/* Whether the largest envelope on a link leaves its sender's card whole
 * before it reaches its receiver's (on a line) or the switch (through
 * one): where the cards are too close for that, a larger world gives
 * them room (pf_stage_ensure_geometry ()). */
gboolean
pf_stage_links_fit (PfStage *self)
{
  double w = self->hop_envelope_w, h = self->envelope_h, below = self->envelope_below;

  for (guint i = 0; i < self->links->len; i++)
    {
      PfStageLink *link = g_ptr_array_index (self->links, i);

      if (link->members->len < 2)
        continue;
      for (guint j = 0; j < (link->is_switch ? link->members->len : 1u); j++)
        {
          int from = g_array_index (link->members, int, j);
          int to = g_array_index (link->members, int, j == 0 ? 1 : 0);
          graphene_point_t p[3];
          guint n = hop_path (self, link, from, to, p);
          double length = graphene_point_distance (&p[0], &p[1], NULL, NULL);
          double taken = card_exit (pf_stage_host_at (self, from), &p[0], &p[1], w, h, below);

          /* On a line, the other card takes its end of it too. */
          if (n == 2)
            taken += card_exit (pf_stage_host_at (self, to), &p[1], &p[0], w, h, below);
          if (taken > length)
            return FALSE;
        }
    }
  return TRUE;
}

/* The receivers of frame @event as stage host indices, into @out. */
void
pf_stage_frame_receivers (PfStage *self,
                          PfEvent *event,
                          GArray  *out)
{
  const char * const *to = pf_event_get_to_host_ids (event);

  g_array_set_size (out, 0);
  for (guint i = 0; to != NULL && to[i] != NULL; i++)
    {
      int h = pf_stage_host_for_id (self, to[i]);

      if (h >= 0)
        g_array_append_val (out, h);
    }
}

/* Whether @event is a frame the stage flies along a link. */
gboolean
pf_stage_is_hop (PfStage *self,
                 PfEvent *event)
{
  return self->links->len > 0 && pf_event_get_kind (event) == PF_EVENT_SEGMENT &&
         pf_stage_link_for_id (self, pf_event_get_link_id (event)) != NULL &&
         pf_stage_host_for_id (self, pf_event_get_host_id (event)) >= 0;
}

/* Whether @packet is an ARP frame: the decoder's kind may not say so
 * everywhere yet, its EtherType does. */
gboolean
pf_stage_is_arp (const PfPacket *packet)
{
  return packet->has_ethernet && packet->ethertype == PF_ETHERTYPE_ARP;
}
