/* pf-stage-scene.c: what is on the stage, and where
 *
 * The hosts of the scenario with their plugs, the connections the
 * timeline's events make, the state at the position on screen; and
 * where each is: the world the hosts need, their places in it, the
 * curves between them.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-stage"

#include "config.h"

#include "pf-stage-private.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

/* Small helpers */

static PfStageIconKind
icon_kind (const char *kind)
{
  if (g_strcmp0 (kind, "laptop") == 0)
    return ICON_LAPTOP;
  if (g_strcmp0 (kind, "server") == 0)
    return ICON_SERVER;
  if (g_strcmp0 (kind, "phone") == 0)
    return ICON_PHONE;
  if (g_strcmp0 (kind, "router") == 0)
    return ICON_ROUTER;
  return ICON_DESKTOP;
}

static PfNetspace *
stage_netspace (PfStage *self)
{
  return self->engine ? pf_engine_get_netspace (self->engine) : NULL;
}

static PfIpv4
unmap_address (PfStage *self,
               PfIpv4   real)
{
  PfNetspace *netspace = stage_netspace (self);

  return netspace ? pf_netspace_unmap_address (netspace, real) : real;
}

static guint16
unmap_port (PfStage *self,
            guint16  real)
{
  PfNetspace *netspace = stage_netspace (self);

  return netspace ? pf_netspace_unmap_port (netspace, real) : real;
}

/* The host that has @real (as the kernel used it), or -1. */
static int
host_for_address (PfStage *self,
                  PfIpv4   real)
{
  gpointer value;

  if (g_hash_table_lookup_extended (self->host_by_address,
                                    GUINT_TO_POINTER (unmap_address (self, real)),
                                    NULL, &value))
    return GPOINTER_TO_INT (value);
  return -1;
}

static int
find_plug (PfStageHost *host,
           gboolean     udp,
           guint16      port)
{
  for (guint i = 0; i < host->plugs->len; i++)
    {
      PfStagePlug *plug = g_ptr_array_index (host->plugs, i);

      if (plug->service->port == port &&
          (plug->service->protocol == PF_PROTOCOL_UDP) == !!udp)
        return i;
    }
  return -1;
}

PangoLayout *
pf_stage_layout_new (PfStage    *self,
                     const char *markup)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);

  pango_layout_set_markup (layout, markup, -1);
  return layout;
}

/* Hosts */

static void
plug_free (PfStagePlug *plug)
{
  g_clear_object (&plug->layout_on);
  g_clear_object (&plug->layout_off);
  g_clear_pointer (&plug->changes, g_array_unref);
  g_free (plug);
}

void
pf_stage_host_free (PfStageHost *host)
{
  g_clear_object (&host->text);
  g_clear_pointer (&host->plugs, g_ptr_array_unref);
  g_clear_pointer (&host->peers, g_array_unref);
  g_free (host);
}

static char *
plug_markup (PfStage     *self,
             PfStagePlug *plug,
             gboolean     listening)
{
  const PfService *service = plug->service;
  g_autoptr(GString) str = g_string_new (NULL);
  g_autofree char *port = NULL;

  if (service->protocol == PF_PROTOCOL_UDP)
    port = g_strdup_printf (":%u/udp", service->port);
  else
    port = g_strdup_printf (":%u", service->port);

  g_string_append_printf (str, "<span font_family=\"monospace\" weight=\"bold\">%s</span>", port);
  if (service->name != NULL)
    {
      g_autofree char *name = g_markup_escape_text (service->name, -1);
      g_string_append_printf (str, " %s", name);
    }
  if (plug->real_port != service->port)
    {
      /* Translators: the port the kernel really uses in loopback mode */
      g_autofree char *here = g_strdup_printf (_("(here %u)"), plug->real_port);
      g_string_append_printf (str, " <span size=\"small\" alpha=\"70%%\">%s</span>", here);
    }
  if (!listening)
    g_string_append_printf (str, " <span size=\"small\" style=\"italic\" alpha=\"70%%\">%s</span>",
                            _("not listening"));

  return g_string_free (g_steal_pointer (&str), FALSE);
}

static void
build_host_layouts (PfStage     *self,
                    PfStageHost *host)
{
  const PfHost *h = host->host;
  g_autoptr(GString) markup = g_string_new (NULL);
  g_autofree char *name = g_markup_escape_text (h->name ? h->name : h->id, -1);
  char address[PF_IPV4_STRLEN];
  PangoRectangle logical;
  double text_w, plugs_w = 0, y;
  guint n_names = h->names ? g_strv_length (h->names) : 0;

  pf_ipv4_format (h->address, address);
  g_string_append_printf (markup, "<b>%s</b>\n<span font_family=\"monospace\">%s</span>",
                          name, address);
  if (host->real_address != h->address)
    {
      char real[PF_IPV4_STRLEN];

      pf_ipv4_format (host->real_address, real);
      g_string_append_printf (markup,
                              "\n<span size=\"small\" alpha=\"70%%\">%s <span font_family=\"monospace\">%s</span></span>",
                              /* Translators: "here 127.0.0.2": where the address really is */
                              _("here"), real);
    }
  for (guint i = 0; i < n_names && i < 3; i++)
    {
      g_autofree char *dns = g_markup_escape_text (h->names[i], -1);
      g_string_append_printf (markup, "\n<span size=\"small\" style=\"italic\" alpha=\"75%%\">%s</span>", dns);
    }
  if (n_names > 3)
    {
      g_autofree char *more = g_strdup_printf (_("and %u more names"), n_names - 3);
      g_string_append_printf (markup, "\n<span size=\"small\" style=\"italic\" alpha=\"75%%\">%s</span>", more);
    }

  g_clear_object (&host->text);
  host->text = pf_stage_layout_new (self, markup->str);
  pango_layout_set_width (host->text, CARD_TEXT_WIDTH * PANGO_SCALE);
  pango_layout_set_wrap (host->text, PANGO_WRAP_WORD_CHAR);
  pango_layout_get_pixel_extents (host->text, NULL, &logical);
  {
    /* With a width set, the logical width is the width: measure the lines. */
    PangoLayoutIter *iter = pango_layout_get_iter (host->text);

    text_w = 0;
    do
      {
        PangoRectangle line;

        pango_layout_iter_get_line_extents (iter, NULL, &line);
        text_w = MAX (text_w, (line.x + line.width) / (double) PANGO_SCALE);
      }
    while (pango_layout_iter_next_line (iter));
    pango_layout_iter_free (iter);
  }

  host->header_h = 2 * CARD_PAD + MAX (ICON_SIZE, logical.height);
  y = host->header_h + PLUG_ROW_PAD / 2;

  for (guint i = 0; i < host->plugs->len; i++)
    {
      PfStagePlug *plug = g_ptr_array_index (host->plugs, i);
      g_autofree char *on = plug_markup (self, plug, TRUE);
      g_autofree char *off = plug_markup (self, plug, FALSE);
      PangoRectangle r_on, r_off;

      g_clear_object (&plug->layout_on);
      g_clear_object (&plug->layout_off);
      plug->layout_on = pf_stage_layout_new (self, on);
      plug->layout_off = pf_stage_layout_new (self, off);
      pango_layout_get_pixel_extents (plug->layout_on, NULL, &r_on);
      pango_layout_get_pixel_extents (plug->layout_off, NULL, &r_off);
      plugs_w = MAX (plugs_w, MAX (r_on.width, r_off.width));
      plug->text_h = MAX (r_on.height, r_off.height);
      plug->row_y = y + (plug->text_h + PLUG_ROW_PAD) / 2;
      y += plug->text_h + PLUG_ROW_PAD;
    }

  host->h = host->plugs->len > 0 ? y + CARD_PAD / 2 : host->header_h;
  /* A few pixels of slack: text measured at zoom 1 may come out a
   * little wider at another scale. */
  host->w = MAX (CARD_MIN_WIDTH,
                 MAX (2 * CARD_PAD + ICON_SIZE + ICON_GAP + ceil (text_w) + 4,
                      2 * CARD_PAD + PLUG_WIDTH / 2 + 4 + plugs_w));
}

static PfStageHost *
host_new (PfStage      *self,
          const PfHost *h)
{
  PfStageHost *host = g_new0 (PfStageHost, 1);
  PfNetspace *netspace = stage_netspace (self);

  host->host = h;
  host->icon = icon_kind (h->kind);
  host->real_address = netspace ? pf_netspace_map_address (netspace, h->address) : h->address;
  host->plugs = g_ptr_array_new_with_free_func ((GDestroyNotify) plug_free);
  host->peers = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < h->services->len; i++)
    {
      const PfService *service = g_ptr_array_index (h->services, i);
      PfStagePlug *plug = g_new0 (PfStagePlug, 1);
      PfStagePlugChange start = { 0, !service->stopped };

      plug->service = service;
      /* The engine maps every service's port when it starts the run. */
      plug->real_port = netspace ? pf_netspace_map_port (netspace, service->port) : service->port;
      plug->changes = g_array_new (FALSE, FALSE, sizeof (PfStagePlugChange));
      /* UDP: running from the start unless stopped, and the steps that
       * start and stop it. TCP: what the kernel's LISTEN states say. */
      if (service->protocol == PF_PROTOCOL_UDP)
        g_array_append_val (plug->changes, start);
      g_ptr_array_add (host->plugs, plug);
    }

  build_host_layouts (self, host);
  return host;
}

static void
note_service_steps (PfStage *self)
{
  for (guint s = 0; s < self->scenario->steps->len; s++)
    {
      PfStep *step = g_ptr_array_index (self->scenario->steps, s);

      if ((step->action != PF_STEP_START && step->action != PF_STEP_STOP) ||
          step->service == NULL || step->service->protocol != PF_PROTOCOL_UDP)
        continue;

      for (guint i = 0; i < self->hosts->len; i++)
        {
          PfStageHost *host = pf_stage_host_at (self, i);

          for (guint j = 0; j < host->plugs->len; j++)
            {
              PfStagePlug *plug = g_ptr_array_index (host->plugs, j);
              PfStagePlugChange change = { s + 1, step->action == PF_STEP_START };

              if (plug->service == step->service)
                g_array_append_val (plug->changes, change);
            }
        }
    }
}

static int
host_index (GHashTable   *index,
            const PfHost *h)
{
  gpointer value;

  return h != NULL && g_hash_table_lookup_extended (index, h, NULL, &value) ? GPOINTER_TO_INT (value) : -1;
}

/* Which hosts each host talks with, from the steps: its plugs face them. */
static void
note_peers (PfStage *self)
{
  g_autoptr(GHashTable) index = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < self->hosts->len; i++)
    g_hash_table_insert (index, (gpointer) pf_stage_host_at (self, i)->host, GINT_TO_POINTER (i));
  for (guint s = 0; s < self->scenario->steps->len; s++)
    {
      PfStep *step = g_ptr_array_index (self->scenario->steps, s);
      int from = host_index (index, step->from);
      /* A lookup's peer is the server it asks, not the name's host. */
      int to = host_index (index, step->action == PF_STEP_LOOKUP ? step->host : step->to);

      if (from < 0 || to < 0 || from == to)
        continue;
      g_array_append_val (pf_stage_host_at (self, from)->peers, to);
      g_array_append_val (pf_stage_host_at (self, to)->peers, from);
    }
}

/* Places hosts the scenario did not place: clients on the left, routers
 * in the middle, servers on the right, each column evenly spaced; a
 * circle for many hosts, a grid for very many. */
static void
layout_hosts (PfStage *self)
{
  g_autoptr(GPtrArray) free_hosts = g_ptr_array_new ();
  guint n;

  for (guint i = 0; i < self->hosts->len; i++)
    {
      PfStageHost *host = pf_stage_host_at (self, i);

      if (host->host->has_position)
        {
          host->fx = CLAMP (host->host->x, 0.0, 1.0);
          host->fy = CLAMP (host->host->y, 0.0, 1.0);
        }
      else
        g_ptr_array_add (free_hosts, host);
    }

  n = free_hosts->len;
  if (n == 0)
    return;
  /* A network of the file's own: by link (pf-stage-links.c). */
  if (pf_stage_links_layout (self, free_hosts))
    return;

  if (n <= 8)
    {
      GPtrArray *columns[3];
      guint n_columns = 0, c = 0;

      for (guint i = 0; i < 3; i++)
        columns[i] = g_ptr_array_new ();
      for (guint i = 0; i < n; i++)
        {
          PfStageHost *host = g_ptr_array_index (free_hosts, i);
          guint column = host->icon == ICON_ROUTER ? 1 : host->plugs->len > 0 ? 2 : 0;

          g_ptr_array_add (columns[column], host);
        }
      for (guint i = 0; i < 3; i++)
        n_columns += columns[i]->len > 0;

      for (guint i = 0; i < 3; i++)
        {
          GPtrArray *column = columns[i];

          if (column->len == 0)
            continue;
          for (guint j = 0; j < column->len; j++)
            {
              PfStageHost *host = g_ptr_array_index (column, j);

              host->fx = n_columns == 1 ? 0.5 : 0.15 + 0.7 * c / (n_columns - 1);
              host->fy = column->len == 1 ? 0.5 : 0.12 + 0.76 * j / (column->len - 1);
            }
          c++;
        }
      for (guint i = 0; i < 3; i++)
        g_ptr_array_unref (columns[i]);
    }
  else if (n <= 16)
    {
      for (guint i = 0; i < n; i++)
        {
          PfStageHost *host = g_ptr_array_index (free_hosts, i);
          double angle = G_PI + 2 * G_PI * i / n;

          host->fx = 0.5 + 0.4 * cos (angle);
          host->fy = 0.5 + 0.4 * sin (angle);
        }
    }
  else
    {
      guint cols = (guint) ceil (sqrt (n * 1.6));
      guint rows = (n + cols - 1) / cols;

      for (guint i = 0; i < n; i++)
        {
          PfStageHost *host = g_ptr_array_index (free_hosts, i);

          host->fx = cols == 1 ? 0.5 : 0.06 + 0.88 * (i % cols) / (cols - 1);
          host->fy = rows == 1 ? 0.5 : 0.06 + 0.88 * (i / cols) / (rows - 1);
        }
    }
}

/* Where a card's centre is along one axis: the fraction of the world,
 * moved in so that the card stays inside. */
double
pf_stage_place (double fraction,
                double world,
                double half)
{
  double lo = half + STAGE_MARGIN;
  double hi = world - half - STAGE_MARGIN;

  if (hi < lo)
    return world / 2;
  return CLAMP (fraction * world, lo, hi);
}

double
pf_stage_half_width (const PfStageHost *host)
{
  return host->w / 2 + PLUG_WIDTH / 2;
}

/* The smallest world in which cards @a and @b, @need apart along one
 * axis, are: from the plain fractions, then a little more where the edge
 * moved one of them in. */
static double
pair_world (double fa,
            double ha,
            double fb,
            double hb,
            double need)
{
  double world = need / MAX (fabs (fa - fb), 1e-6);

  for (int i = 0; i < 100; i++)
    {
      if (fabs (pf_stage_place (fa, world, ha) - pf_stage_place (fb, world, hb)) >= need - 1e-6)
        break;
      world *= 1.05;
    }
  return world;
}

/* How wide a connection's label on two lines can be, from the longest
 * addresses of the scenario and of the run. */
static double
estimate_label_width (PfStage *self)
{
  char longest[PF_IPV4_STRLEN] = "", real_longest[PF_IPV4_STRLEN] = "";
  gboolean mapped = FALSE;
  g_autofree char *markup = NULL;
  g_autoptr(PangoLayout) layout = NULL;
  PangoRectangle logical;

  for (guint i = 0; i < self->hosts->len; i++)
    {
      PfStageHost *host = pf_stage_host_at (self, i);
      char address[PF_IPV4_STRLEN], real[PF_IPV4_STRLEN];

      pf_ipv4_format (host->host->address, address);
      pf_ipv4_format (host->real_address, real);
      if (strlen (address) > strlen (longest))
        strcpy (longest, address);
      if (strlen (real) > strlen (real_longest))
        strcpy (real_longest, real);
      mapped |= host->real_address != host->host->address;
    }

  /* The longest lines of build_conn_label ()'s narrow label. */
  if (mapped)
    markup = g_markup_printf_escaped ("<span font_family=\"monospace\" size=\"small\">"
                                      "→ %s:65535\n%s %s:65535\n→ %s:65535</span>",
                                      longest, _("here"), real_longest, real_longest);
  else
    markup = g_markup_printf_escaped ("<span font_family=\"monospace\" size=\"small\">"
                                      "→ %s:65535</span>", longest);
  layout = pf_stage_layout_new (self, markup);
  pango_layout_get_pixel_extents (layout, NULL, &logical);
  return logical.width;
}

static PangoLayout *
tag_layout_new (PfStage    *self,
                const char *text,
                int        *out_w,
                int        *out_h)
{
  g_autofree char *markup = g_markup_printf_escaped ("<span size=\"x-small\" weight=\"bold\">%s</span>", text);
  PangoLayout *layout = pf_stage_layout_new (self, markup);
  PangoRectangle logical;

  pango_layout_get_pixel_extents (layout, NULL, &logical);
  *out_w = logical.width;
  *out_h = logical.height;
  return layout;
}

/* A failure's few words on the stage. */
static const char *
failure_text (PfEventErrorCode code)
{
  switch (code)
    {
    case PF_EVENT_ERROR_CODE_ECONNREFUSED:
      /* Translators: a mark on the stage, where a connection was refused */
      return _("refused");
    case PF_EVENT_ERROR_CODE_ECONNRESET:
      /* Translators: a mark on the stage, where a connection was reset */
      return _("reset");
    case PF_EVENT_ERROR_CODE_ENOTCONN:
      return _("cut off");
    case PF_EVENT_ERROR_CODE_ETIMEDOUT:
      return _("timed out");
    case PF_EVENT_ERROR_CODE_ESOCKET:
      return _("no socket");
    case PF_EVENT_ERROR_CODE_ESEND:
      return _("not sent");
    case PF_EVENT_ERROR_CODE_EDNS:
      return _("no answer");
    case PF_EVENT_ERROR_CODE_EXPECT:
      /* Translators: a mark on the stage, where a step's expectation failed */
      return _("not as expected");
    case PF_EVENT_ERROR_CODE_CAPTURE:
      return _("not captured");
    case PF_EVENT_ERROR_CODE_OTHER:
    default:
      return _("failed");
    }
}

/* The room a connection's tag takes under its label, the widest one,
 * so that a label does not move when its connection ends or fails; and
 * the largest envelope, whose path labels keep clear of. */
static void
measure_marks (PfStage *self)
{
  const char *tags[] = { "TIME_WAIT", NULL };
  g_autofree char *widest = NULL;
  g_autofree char *arp = NULL;
  g_autoptr(PangoLayout) modelled = NULL;
  g_autoptr(PangoLayout) envelope = NULL;
  PangoRectangle logical;
  int w, h;

  /* Translators: a tag on the stage, on a connection that ended */
  tags[1] = _("closed");
  self->tag_room_w = 0;
  self->tag_room_h = 0;
  for (guint i = 0; i < G_N_ELEMENTS (tags) + PF_EVENT_ERROR_CODE_OTHER + 1; i++)
    {
      const char *text = i < G_N_ELEMENTS (tags) ? tags[i] : failure_text (i - G_N_ELEMENTS (tags));

      g_object_unref (tag_layout_new (self, text, &w, &h));
      self->tag_room_w = MAX (self->tag_room_w, w);
      self->tag_room_h = MAX (self->tag_room_h, h);
    }

  /* As pf_stage_art_new () draws one with 14 characters and a tag under
   * it, and the selection's ring around it. */
  widest = g_markup_printf_escaped ("<span size=\"small\" weight=\"bold\">%s…</span>", "nnnnnnnnnnnnnn");
  envelope = pf_stage_layout_new (self, widest);
  pango_layout_get_pixel_extents (envelope, NULL, &logical);
  self->envelope_w = 7 + ENVELOPE_ICON_W + 5 + logical.width + 8 + 15;
  self->envelope_h = MAX (ENVELOPE_HEIGHT, logical.height + 6) + 15;
  /* On a link an ARP envelope flies too, with its question whole
   * (packet_label () in pf-stage-draw.c). */
  g_clear_object (&envelope);
  g_free (widest);
  arp = g_strdup_printf (_("ARP: who has %s?"), "255.255.255.255");
  widest = g_markup_printf_escaped ("<span size=\"small\" weight=\"bold\">%s</span>", arp);
  envelope = pf_stage_layout_new (self, widest);
  pango_layout_get_pixel_extents (envelope, NULL, &logical);
  self->hop_envelope_w = MAX (self->envelope_w, 7 + ENVELOPE_ICON_W + 5 + logical.width + 8 + 15);
  modelled = pf_stage_layout_new (self, "<span size=\"x-small\" style=\"italic\">modelled</span>");
  pango_layout_get_pixel_extents (modelled, NULL, &logical);
  self->envelope_below = 2 + logical.height;
}

/* How large the world must be so that no two cards overlap where the
 * layout put them, and a connection's label fits between two side by
 * side. Each pair of hosts can be kept apart across (a world this wide)
 * or down (this tall); which one, fit_world () chooses for the stage's
 * shape. Only when the model changes, not while a host is dragged, so
 * the stage does not jump under the pointer. */
static void
compute_min_world (PfStage *self)
{
  guint n = self->hosts->len;
  double max_w = 0, max_h = 0;
  double gap_x = n > 1 ? MAX (GAP_X, estimate_label_width (self) + 2 * LABEL_PAD_X + 16) : GAP_X;

  g_array_set_size (self->pair_worlds, 0);
  for (guint i = 0; i < n; i++)
    {
      max_w = MAX (max_w, 2 * pf_stage_half_width (pf_stage_host_at (self, i)));
      max_h = MAX (max_h, pf_stage_host_at (self, i)->h);
    }
  self->base_world_w = max_w + 2 * STAGE_MARGIN;
  self->base_world_h = max_h + 2 * STAGE_MARGIN;

  if (n > PAIR_RULE_MAX)
    {
      guint cols = (guint) ceil (sqrt (n * 1.6));
      guint rows = (n + cols - 1) / cols;

      self->base_world_w = MAX (self->base_world_w, cols * (max_w + gap_x) / 0.88);
      self->base_world_h = MAX (self->base_world_h, rows * (max_h + GAP_Y) / 0.88);
      return;
    }

  for (guint i = 0; i < n; i++)
    for (guint j = i + 1; j < n; j++)
      {
        PfStageHost *a = pf_stage_host_at (self, i);
        PfStageHost *b = pf_stage_host_at (self, j);
        double dfx = fabs (a->fx - b->fx);
        double dfy = fabs (a->fy - b->fy);
        PfStagePairWorld pair = { G_MAXDOUBLE, G_MAXDOUBLE };

        if (dfx < 1e-6 && dfy < 1e-6)
          continue;
        if (dfx >= 1e-6)
          pair.w = pair_world (a->fx, pf_stage_half_width (a), b->fx, pf_stage_half_width (b),
                               pf_stage_half_width (a) + pf_stage_half_width (b) + gap_x);
        if (dfy >= 1e-6)
          pair.h = pair_world (a->fy, a->h / 2, b->fy, b->h / 2, (a->h + b->h) / 2 + GAP_Y);
        g_array_append_val (self->pair_worlds, pair);
      }
}

/* The world for a stage of @width × @height: each pair apart along the
 * axis that shrinks the picture less there. (Chosen without the stage's
 * shape, a pair side by side and a little apart in height was kept apart
 * down, and a wide, low stage showed everything at half size.) */
static void
fit_world (PfStage *self,
           int      width,
           int      height)
{
  double w = MAX (width, 1), h = MAX (height, 1);

  self->min_world_w = self->base_world_w;
  self->min_world_h = self->base_world_h;
  for (guint i = 0; i < self->pair_worlds->len; i++)
    {
      PfStagePairWorld *pair = &g_array_index (self->pair_worlds, PfStagePairWorld, i);

      if (pair->w / w <= pair->h / h)
        self->min_world_w = MAX (self->min_world_w, pair->w);
      else
        self->min_world_h = MAX (self->min_world_h, pair->h);
    }
}

/* Connections */

void
pf_stage_conn_free (PfStageConn *conn)
{
  g_clear_object (&conn->wide);
  g_clear_object (&conn->narrow);
  g_clear_object (&conn->tag);
  g_clear_pointer (&conn->changes, g_array_unref);
  g_free (conn);
}

guint
pf_stage_conn_key_hash (gconstpointer key)
{
  const PfStageConnKey *k = key;

  return pf_four_tuple_hash (&k->canon) ^ k->udp;
}

gboolean
pf_stage_conn_key_equal (gconstpointer a,
                         gconstpointer b)
{
  const PfStageConnKey *ka = a;
  const PfStageConnKey *kb = b;

  return ka->udp == kb->udp && pf_four_tuple_equal (&ka->canon, &kb->canon);
}

static void
conn_key_init (PfStageConnKey    *key,
               const PfFourTuple *tuple,
               gboolean           udp)
{
  const PfEndpoint *a = &tuple->src;
  const PfEndpoint *b = &tuple->dst;

  memset (key, 0, sizeof *key);
  key->udp = !!udp;
  if (a->address > b->address || (a->address == b->address && a->port > b->port))
    key->canon = pf_four_tuple_reversed (tuple);
  else
    key->canon = *tuple;
}

PfStageConn *
pf_stage_lookup_conn (PfStage           *self,
                      const PfFourTuple *tuple,
                      gboolean           udp)
{
  PfStageConnKey key;

  conn_key_init (&key, tuple, udp);
  return g_hash_table_lookup (self->conn_by_key, &key);
}

static void
format_endpoint (PfStage          *self,
                 const PfEndpoint *real,
                 char             *scenario,
                 char             *here)
{
  PfEndpoint mapped = { unmap_address (self, real->address), unmap_port (self, real->port) };

  pf_endpoint_format (&mapped, scenario);
  pf_endpoint_format (real, here);
}

static PangoLayout *
conn_label_new (PfStage     *self,
                PfStageConn *conn,
                const char  *separator,
                int         *out_w,
                int         *out_h)
{
  char src[PF_ENDPOINT_STRLEN], dst[PF_ENDPOINT_STRLEN];
  char real_src[PF_ENDPOINT_STRLEN], real_dst[PF_ENDPOINT_STRLEN];
  g_autoptr(GString) markup = g_string_new ("<span font_family=\"monospace\" size=\"small\">");
  PangoLayout *layout;
  PangoRectangle logical;

  format_endpoint (self, &conn->tuple.src, src, real_src);
  format_endpoint (self, &conn->tuple.dst, dst, real_dst);

  if (conn->udp)
    g_string_append (markup, "UDP ");
  g_string_append_printf (markup, "%s%s→ %s", src, separator, dst);
  if (strcmp (src, real_src) != 0 || strcmp (dst, real_dst) != 0)
    g_string_append_printf (markup, "\n<span alpha=\"70%%\">%s %s%s→ %s</span>",
                            _("here"), real_src, separator, real_dst);
  g_string_append (markup, "</span>");

  layout = pf_stage_layout_new (self, markup->str);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_get_pixel_extents (layout, NULL, &logical);
  *out_w = logical.width;
  *out_h = logical.height;
  return layout;
}

static void
build_conn_label (PfStage     *self,
                  PfStageConn *conn)
{
  g_clear_object (&conn->wide);
  g_clear_object (&conn->narrow);
  conn->wide = conn_label_new (self, conn, " ", &conn->wide_w, &conn->wide_h);
  conn->narrow = conn_label_new (self, conn, "\n", &conn->narrow_w, &conn->narrow_h);
  conn->label = conn->wide;
  conn->label_w = conn->wide_w;
  conn->label_h = conn->wide_h;
  g_clear_object (&conn->tag);
  conn->look = PF_STAGE_LOOK_LIVE;
}

static gboolean
endpoint_is_service (PfStage          *self,
                     const PfEndpoint *endpoint,
                     gboolean          udp)
{
  int h = host_for_address (self, endpoint->address);

  return h >= 0 &&
         pf_host_find_service (pf_stage_host_at (self, h)->host,
                               udp ? PF_PROTOCOL_UDP : PF_PROTOCOL_TCP,
                               unmap_port (self, endpoint->port)) != NULL;
}

/* The connection @tuple belongs to, made when first seen. The client is
 * the side whose peer is a service of the scenario; when that does not
 * tell, @src_is_client does (the sender of a SYN, the first sender). */
static PfStageConn *
find_or_add_conn (PfStage           *self,
                  guint              index,
                  const PfFourTuple *tuple,
                  gboolean           udp,
                  gboolean           src_is_client)
{
  PfStageConn *conn = pf_stage_lookup_conn (self, tuple, udp);
  gboolean src_service, dst_service;
  gint64 pair;
  gpointer count;

  if (conn != NULL)
    return conn;

  src_service = endpoint_is_service (self, &tuple->src, udp);
  dst_service = endpoint_is_service (self, &tuple->dst, udp);
  if (dst_service && !src_service)
    src_is_client = TRUE;
  else if (src_service && !dst_service)
    src_is_client = FALSE;

  conn = g_new0 (PfStageConn, 1);
  conn_key_init (&conn->key, tuple, udp);
  conn->tuple = src_is_client ? *tuple : pf_four_tuple_reversed (tuple);
  conn->udp = !!udp;
  conn->first_index = index;
  conn->changes = g_array_new (FALSE, FALSE, sizeof (PfStageConnChange));
  conn->client = host_for_address (self, conn->tuple.src.address);
  conn->server = host_for_address (self, conn->tuple.dst.address);
  conn->plug = conn->server >= 0
               ? find_plug (pf_stage_host_at (self, conn->server), udp,
                            unmap_port (self, conn->tuple.dst.port))
               : -1;

  if (conn->client >= 0 && conn->server >= 0)
    {
      pair = (gint64) MIN (conn->client, conn->server) << 32 | MAX (conn->client, conn->server);
      count = g_hash_table_lookup (self->lanes, &pair);
      conn->lane = GPOINTER_TO_UINT (count);
      g_hash_table_replace (self->lanes, g_memdup2 (&pair, sizeof pair),
                            GUINT_TO_POINTER (conn->lane + 1));
    }

  build_conn_label (self, conn);
  g_ptr_array_add (self->conns, conn);
  g_hash_table_add (self->conn_by_key, conn);
  self->geometry_dirty = TRUE;
  return conn;
}

static void
note_listener (PfStage           *self,
               guint              index,
               const PfFourTuple *tuple,
               PfTcpState         state)
{
  int h = host_for_address (self, tuple->src.address);
  int p;
  PfStagePlug *plug;
  PfStagePlugChange change = { index, state == PF_TCP_STATE_LISTEN };

  if (h < 0 || (p = find_plug (pf_stage_host_at (self, h), FALSE, unmap_port (self, tuple->src.port))) < 0)
    return;

  plug = g_ptr_array_index (pf_stage_host_at (self, h)->plugs, p);
  g_array_append_val (plug->changes, change);
}

/* Reads the events [scanned, @upto): connections and listeners. */
static void
scan_events (PfStage *self,
             guint    upto)
{
  PfTimeline *timeline = pf_player_get_timeline (pf_view_get_player (PF_VIEW (self)));

  upto = MIN (upto, pf_timeline_get_n_events (timeline));

  for (guint i = self->scanned; i < upto; i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      switch (pf_event_get_kind (event))
        {
        case PF_EVENT_STATE:
          {
            const PfFourTuple *tuple = pf_event_get_tuple (event);
            gboolean udp = g_strcmp0 (pf_event_get_protocol (event), "udp") == 0;

            if (tuple->dst.address == 0 && tuple->dst.port == 0)
              {
                if (!udp)
                  note_listener (self, i, tuple, pf_event_get_state (event));
              }
            else
              {
                PfStageConn *conn = find_or_add_conn (self, i, tuple, udp,
                                                      pf_event_get_state (event) != PF_TCP_STATE_SYN_RECV);
                PfStageConnChange change = { i, pf_endpoint_equal (&tuple->src, &conn->tuple.src) ? 1 : 0,
                                             pf_event_get_state (event) };

                g_array_append_val (conn->changes, change);
              }
          }
          break;

        case PF_EVENT_SEGMENT:
          {
            PfPacket *packet = pf_event_get_packet (event);
            PfFourTuple tuple;

            if (packet->protocol != PF_IP_PROTOCOL_TCP && packet->protocol != PF_IP_PROTOCOL_UDP)
              break;
            tuple = pf_packet_get_four_tuple (packet);
            find_or_add_conn (self, i, &tuple, packet->protocol == PF_IP_PROTOCOL_UDP,
                              (packet->flags & (PF_TCP_SYN | PF_TCP_ACK)) != (PF_TCP_SYN | PF_TCP_ACK));
          }
          break;

        case PF_EVENT_ERROR:
          {
            /* A refused or reset connection ends there, both sides. */
            PfEventErrorCode code = pf_event_get_error_code (event);
            const PfFourTuple *tuple = pf_event_get_tuple (event);
            PfStageConn *conn;

            if ((code == PF_EVENT_ERROR_CODE_ECONNREFUSED || code == PF_EVENT_ERROR_CODE_ECONNRESET) &&
                tuple != NULL && (conn = pf_stage_lookup_conn (self, tuple, FALSE)) != NULL)
              {
                PfStageConnChange change = { i, 2, PF_TCP_STATE_CLOSE };

                g_array_append_val (conn->changes, change);
              }
          }
          break;

        case PF_EVENT_STEP:
        case PF_EVENT_DELIVER:
        default:
          break;
        }
    }

  self->scanned = MAX (self->scanned, upto);
}

/* The history on screen */

static void
update_plug_states (PfStage *self)
{
  for (guint i = 0; i < self->hosts->len; i++)
    {
      PfStageHost *host = pf_stage_host_at (self, i);

      for (guint j = 0; j < host->plugs->len; j++)
        {
          PfStagePlug *plug = g_ptr_array_index (host->plugs, j);
          gboolean udp = plug->service->protocol == PF_PROTOCOL_UDP;
          gboolean listening = FALSE;

          for (guint k = plug->changes->len; k-- > 0;)
            {
              PfStagePlugChange *change = &g_array_index (plug->changes, PfStagePlugChange, k);

              /* UDP changes count steps from 1: 0 is the start. */
              if (udp ? (int) change->index <= self->step + 1 : change->index < self->position)
                {
                  listening = change->listening;
                  break;
                }
            }
          plug->listening = listening;
        }
    }
}

static gboolean
state_is_gone (PfTcpState state)
{
  return state == PF_TCP_STATE_CLOSE || state == PF_TCP_STATE_NONE;
}

/* Ended when every side the kernel told of is gone or waits out
 * TIME_WAIT. */
static PfStageConnLook
conn_look_at (const PfStageConn *conn,
              guint              position)
{
  PfTcpState side[2] = { PF_TCP_STATE_NONE, PF_TCP_STATE_NONE };
  gboolean seen[2] = { FALSE, FALSE };
  gboolean time_wait = FALSE;

  for (guint i = 0; i < conn->changes->len; i++)
    {
      const PfStageConnChange *change = &g_array_index (conn->changes, PfStageConnChange, i);

      if (change->index >= position)
        break;
      for (guint k = 0; k < 2; k++)
        if (change->side == 2 || change->side == k)
          {
            side[k] = change->state;
            seen[k] = TRUE;
          }
    }
  if (!seen[0] && !seen[1])
    return PF_STAGE_LOOK_LIVE;
  for (guint k = 0; k < 2; k++)
    {
      if (!seen[k])
        continue;
      if (side[k] == PF_TCP_STATE_TIME_WAIT)
        time_wait = TRUE;
      else if (!state_is_gone (side[k]))
        return PF_STAGE_LOOK_LIVE;
    }
  return time_wait ? PF_STAGE_LOOK_TIME_WAIT : PF_STAGE_LOOK_CLOSED;
}

static void
update_conn_looks (PfStage *self)
{
  for (guint i = 0; i < self->conns->len; i++)
    {
      PfStageConn *conn = g_ptr_array_index (self->conns, i);
      PfStageConnLook look = i < self->n_visible ? conn_look_at (conn, self->position) : PF_STAGE_LOOK_LIVE;

      if (look == conn->look && (look == PF_STAGE_LOOK_LIVE || conn->tag != NULL))
        continue;
      conn->look = look;
      g_clear_object (&conn->tag);
      if (look == PF_STAGE_LOOK_TIME_WAIT)
        conn->tag = tag_layout_new (self, "TIME_WAIT", &conn->tag_w, &conn->tag_h);
      else if (look == PF_STAGE_LOOK_CLOSED)
        conn->tag = tag_layout_new (self, _("closed"), &conn->tag_w, &conn->tag_h);
    }
}

#define host_for_id pf_stage_host_for_id

int
pf_stage_host_for_id (PfStage    *self,
                      const char *id)
{
  for (guint i = 0; id != NULL && i < self->hosts->len; i++)
    if (g_strcmp0 (pf_stage_host_at (self, i)->host->id, id) == 0)
      return i;
  return -1;
}

/* The first failure of the step on screen: on its connection where the
 * stage draws that one, else on its host. */
void
pf_stage_update_failure (PfStage *self)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  PfTimeline *timeline = player ? pf_player_get_timeline (player) : NULL;
  PfStageFailure *failure = &self->failure;
  guint end;

  g_clear_object (&failure->text);
  failure->conn = NULL;
  failure->host = -1;
  if (timeline == NULL || self->hosts->len == 0)
    return;

  end = MIN (self->position, pf_timeline_get_n_events (timeline));
  for (guint i = self->step_start; i < end && failure->text == NULL; i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);
      const PfFourTuple *tuple;
      PfStageConn *conn = NULL;

      if (pf_event_get_kind (event) != PF_EVENT_ERROR)
        continue;
      tuple = pf_event_get_tuple (event);
      if (tuple != NULL && tuple->dst.address != 0)
        {
          conn = pf_stage_lookup_conn (self, tuple, FALSE);
          if (conn == NULL)
            conn = pf_stage_lookup_conn (self, tuple, TRUE);
        }
      if (conn != NULL && pf_stage_conn_drawable (conn) && conn->first_index < self->position)
        failure->conn = conn;
      else
        failure->host = host_for_id (self, pf_event_get_host_id (event));
      if (failure->conn != NULL || failure->host >= 0)
        failure->text = tag_layout_new (self, failure_text (pf_event_get_error_code (event)),
                                        &failure->text_w, &failure->text_h);
    }
}

void
pf_stage_update_selection (PfStage *self)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  PfEvent *selected = player ? pf_player_get_selected (player) : NULL;
  PfStageConn *conn = NULL;

  self->selected_conn = NULL;
  self->parked_conn = NULL;
  g_clear_object (&self->parked);
  self->parked_art = NULL;
  self->parked_link = NULL;
  g_ptr_array_set_size (self->hops, 0);

  if (selected == NULL || self->hosts->len == 0)
    return;

  if (pf_stage_is_hop (self, selected))
    {
      PfTimeline *timeline = pf_player_get_timeline (player);
      PfPacket *packet = pf_event_get_packet (selected);
      PfFourTuple tuple = pf_packet_get_four_tuple (packet);
      g_autoptr(GArray) to = g_array_new (FALSE, FALSE, sizeof (int));
      guint n = MIN (self->position, pf_timeline_get_n_events (timeline));

      /* The same packet on its other hops, in the run so far. */
      for (guint i = 0; i < n; i++)
        {
          PfEvent *other = pf_timeline_get_event (timeline, i);

          if (other != selected && pf_stage_is_hop (self, other) &&
              pf_flight_schedule_same_packet (packet, pf_event_get_packet (other)))
            g_ptr_array_add (self->hops, g_object_ref (other));
        }

      pf_stage_frame_receivers (self, selected, to);
      if (to->len > 0)
        {
          self->parked = g_object_ref (selected);
          self->parked_link = pf_stage_link_for_id (self, pf_event_get_link_id (selected));
          self->parked_from = pf_stage_host_for_id (self, pf_event_get_host_id (selected));
          self->parked_to = g_array_index (to, int, 0);
        }
      if (packet->protocol == PF_IP_PROTOCOL_TCP || packet->protocol == PF_IP_PROTOCOL_UDP)
        conn = pf_stage_lookup_conn (self, &tuple, packet->protocol == PF_IP_PROTOCOL_UDP);
      if (conn != NULL)
        self->parked_forward = pf_endpoint_equal (&tuple.src, &conn->tuple.src);
    }
  else if (pf_event_get_kind (selected) == PF_EVENT_SEGMENT)
    {
      PfPacket *packet = pf_event_get_packet (selected);
      PfFourTuple tuple = pf_packet_get_four_tuple (packet);

      conn = pf_stage_lookup_conn (self, &tuple, packet->protocol == PF_IP_PROTOCOL_UDP);
      if (conn != NULL && pf_stage_conn_drawable (conn) && conn->first_index < self->position)
        {
          self->parked = g_object_ref (selected);
          self->parked_conn = conn;
          self->parked_forward = pf_endpoint_equal (&tuple.src, &conn->tuple.src);
        }
    }
  else if (pf_event_get_tuple (selected)->dst.address != 0)
    conn = pf_stage_lookup_conn (self, pf_event_get_tuple (selected),
                                 g_strcmp0 (pf_event_get_protocol (selected), "udp") == 0);

  if (conn != NULL && pf_stage_conn_drawable (conn) && conn->first_index < self->position)
    self->selected_conn = conn;
}

/* A new run, or none: everything goes, the hosts are read anew. */
void
pf_stage_reset_run (PfStage  *self,
                    PfEngine *engine)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));

  pf_stage_stop_tick (self);
  g_array_set_size (self->flights, 0);
  pf_flight_schedule_clear (self->schedule);
  self->first_live = 0;
  self->anim_time = 0;
  self->anim_end = 0;
  g_clear_object (&self->parked);
  g_clear_object (&self->pressed);
  self->parked_conn = NULL;
  self->parked_art = NULL;
  self->parked_link = NULL;
  g_ptr_array_set_size (self->hops, 0);
  self->selected_conn = NULL;
  self->drag_mode = DRAG_NONE;
  g_clear_object (&self->failure.text);
  self->failure.conn = NULL;
  self->failure.host = -1;

  g_hash_table_remove_all (self->conn_by_key);
  g_hash_table_remove_all (self->lanes);
  g_ptr_array_set_size (self->conns, 0);
  g_hash_table_remove_all (self->host_by_address);
  g_ptr_array_set_size (self->links, 0);
  g_ptr_array_set_size (self->hosts, 0);
  g_clear_pointer (&self->scenario, pf_scenario_free);
  pf_stage_picture_clear (&self->scene);

  self->scanned = 0;
  self->position = 0;
  self->step = G_MININT;
  self->step_start = 0;
  self->n_visible = 0;
  self->n_connections = 0;
  self->pan_x = 0;
  self->pan_y = 0;
  self->geometry_dirty = TRUE;
  self->scene_dirty = TRUE;

  g_set_weak_pointer (&self->engine, engine);
  g_signal_group_set_target (self->timeline_signals,
                             engine ? pf_engine_get_timeline (engine) : NULL);
  if (engine == NULL || pf_player_get_scenario (player) == NULL)
    return;

  self->scenario = pf_scenario_ref ((PfScenario *) pf_player_get_scenario (player));
  for (guint i = 0; i < self->scenario->hosts->len; i++)
    {
      const PfHost *h = g_ptr_array_index (self->scenario->hosts, i);

      g_ptr_array_add (self->hosts, host_new (self, h));
      if (!g_hash_table_contains (self->host_by_address, GUINT_TO_POINTER (h->address)))
        g_hash_table_insert (self->host_by_address, GUINT_TO_POINTER (h->address), GINT_TO_POINTER (i));
    }
  note_service_steps (self);
  note_peers (self);
  pf_stage_links_build (self);
  layout_hosts (self);
  measure_marks (self);
  compute_min_world (self);
  self->pango_serial = pango_context_get_serial (gtk_widget_get_pango_context (GTK_WIDGET (self)));
}

void
pf_stage_sync (PfStage *self)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  PfEngine *engine = player ? pf_player_get_engine (player) : NULL;
  guint position, step_start;
  int step;
  gboolean restart;

  if (engine != self->engine || (engine == NULL && self->hosts->len > 0))
    {
      pf_stage_reset_run (self, engine);
      pf_stage_update_accessible (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  if (engine == NULL || self->hosts->len == 0)
    return;

  position = pf_player_get_position (player);
  step = pf_player_get_step (player);
  step_start = pf_player_get_step_start (player);
  if (position == self->position && step == self->step && step_start == self->step_start)
    return;

  if (position > self->scanned)
    scan_events (self, position);

  restart = step != self->step || step_start != self->step_start || position < self->position;
  pf_stage_add_flights (self, restart ? step_start : self->position, position, restart);

  self->position = position;
  self->step = step;
  self->step_start = step_start;

  while (self->n_visible < self->conns->len &&
         ((PfStageConn *) g_ptr_array_index (self->conns, self->n_visible))->first_index < position)
    self->n_visible++;
  while (self->n_visible > 0 &&
         ((PfStageConn *) g_ptr_array_index (self->conns, self->n_visible - 1))->first_index >= position)
    self->n_visible--;
  self->n_connections = 0;
  for (guint i = 0; i < self->n_visible; i++)
    self->n_connections += pf_stage_conn_drawable (g_ptr_array_index (self->conns, i));

  update_plug_states (self);
  update_conn_looks (self);
  pf_stage_update_failure (self);
  pf_stage_update_selection (self);
  pf_stage_update_accessible (self);
  self->scene_dirty = TRUE;
  pf_stage_ensure_tick (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Style */

void
pf_stage_refresh_layouts (PfStage *self)
{
  for (guint i = 0; i < self->hosts->len; i++)
    build_host_layouts (self, pf_stage_host_at (self, i));
  for (guint i = 0; i < self->conns->len; i++)
    build_conn_label (self, g_ptr_array_index (self->conns, i));
  pf_stage_links_refresh_layouts (self);
  measure_marks (self);
  update_conn_looks (self);
  pf_stage_update_failure (self);
  compute_min_world (self);
  pf_stage_clear_arts (self);
  self->geometry_dirty = TRUE;
  self->scene_dirty = TRUE;
}

/* Geometry */

static void
border_point (const PfStageHost      *host,
              const graphene_point_t *toward,
              graphene_point_t       *out)
{
  double cx = host->x + host->w / 2, cy = host->y + host->h / 2;
  double dx = toward->x - cx, dy = toward->y - cy;
  double t = G_MAXDOUBLE;

  if (fabs (dx) > 1e-6)
    t = MIN (t, host->w / 2 / fabs (dx));
  if (fabs (dy) > 1e-6)
    t = MIN (t, host->h / 2 / fabs (dy));
  if (t == G_MAXDOUBLE)
    t = 0;
  out->x = cx + dx * t;
  out->y = cy + dy * t;
}

static void
plug_anchor (const PfStageHost *host,
             const PfStagePlug *plug,
             graphene_point_t  *out)
{
  out->x = host->plugs_left ? host->x - PLUG_WIDTH / 2 : host->x + host->w + PLUG_WIDTH / 2;
  out->y = host->y + plug->row_y;
}

static void conn_room (PfStage     *self,
                       PfStageConn *conn);

static void
conn_geometry (PfStage     *self,
               PfStageConn *conn)
{
  PfStageHost *client = pf_stage_host_at (self, conn->client);
  PfStageHost *server = pf_stage_host_at (self, conn->server);
  graphene_point_t from = { client->x + client->w / 2, client->y + client->h / 2 };
  graphene_point_t to = { server->x + server->w / 2, server->y + server->h / 2 };
  graphene_point_t a, b;
  double dx, dy, len, offset, spacing;
  guint lane = conn->lane;

  /* Room between two lanes for the envelopes of both; the labels go
   * where they find room. */
  spacing = self->envelope_h + self->envelope_below + 2 * LABEL_CLEAR;

  if (conn->plug >= 0)
    plug_anchor (server, g_ptr_array_index (server->plugs, conn->plug), &to);

  if (conn->client == conn->server)
    {
      /* A host talking to itself: a loop above its card. */
      conn->p0 = GRAPHENE_POINT_INIT (client->x + client->w * 0.3, client->y);
      if (conn->plug < 0)
        to = GRAPHENE_POINT_INIT (client->x + client->w * 0.7, client->y);
      conn->p2 = to;
      conn->c = GRAPHENE_POINT_INIT ((conn->p0.x + to.x) / 2,
                                     client->y - 80 - lane * spacing);
      conn->label = conn->narrow;
      conn->label_w = conn->narrow_w;
      conn->label_h = conn->narrow_h;
      conn_room (self, conn);
      return;
    }

  /* The normal points the same way for every connection of a pair. */
  a = conn->client < conn->server ? from : to;
  b = conn->client < conn->server ? to : from;
  dx = b.x - a.x;
  dy = b.y - a.y;
  len = MAX (hypot (dx, dy), 1e-6);
  offset = lane == 0 ? 0 : ((lane + 1) / 2) * spacing * (lane % 2 ? -1 : 1);

  conn->c.x = (from.x + to.x) / 2 - dy / len * 2 * offset;
  conn->c.y = (from.y + to.y) / 2 + dx / len * 2 * offset;
  border_point (client, &conn->c, &conn->p0);
  if (conn->plug >= 0)
    conn->p2 = to;
  else
    border_point (server, &conn->c, &conn->p2);

  /* One line where it fits between the cards, else two. */
  if (conn->wide_w + 2 * LABEL_PAD_X + 24 <= hypot (conn->p2.x - conn->p0.x, conn->p2.y - conn->p0.y))
    {
      conn->label = conn->wide;
      conn->label_w = conn->wide_w;
      conn->label_h = conn->wide_h;
    }
  else
    {
      conn->label = conn->narrow;
      conn->label_w = conn->narrow_w;
      conn->label_h = conn->narrow_h;
    }

  conn_room (self, conn);
}

/* Labels */

/* A card with its plugs and the badge a failure puts on it. */
void
pf_stage_card_rect (const PfStageHost *host,
                    graphene_rect_t   *out)
{
  double plug = host->plugs->len > 0 ? PLUG_WIDTH / 2 : 0;

  graphene_rect_init (out, host->x - plug, host->y - BADGE_RISE, host->w + 2 * plug, host->h + BADGE_RISE);
}

void
pf_stage_envelope_rect (const PfStageArt       *art,
                        const graphene_point_t *at,
                        graphene_rect_t        *out)
{
  graphene_rect_init (out, at->x - art->w / 2, at->y - art->h / 2, art->w, art->h + art->below);
}

/* The label and its tag as drawn, in their room beside the curve. */
void
pf_stage_conn_label_rect (PfStage           *self,
                          const PfStageConn *conn,
                          graphene_rect_t   *out)
{
  int tag_w = self->failure.conn == conn ? self->failure.text_w : conn->tag ? conn->tag_w : -1;
  double w = MAX (conn->label_w, tag_w) + 2 * LABEL_PAD_X;
  double h = conn->label_h + (tag_w >= 0 ? self->tag_room_h : 0) + 2 * LABEL_PAD_Y;
  double top = conn->label_at.y - conn->box_h / 2;

  graphene_rect_init (out, conn->label_at.x - w / 2, conn->label_top ? top : top + conn->box_h - h, w, h);
}

void
pf_stage_plug_label_rect (const PfStageHost *host,
                          const PfStagePlug *plug,
                          graphene_rect_t   *out)
{
  PangoLayout *layout = plug->listening ? plug->layout_on : plug->layout_off;
  PangoRectangle logical;
  double x;

  pango_layout_get_pixel_extents (layout, NULL, &logical);
  x = host->plugs_left ? host->x + PLUG_WIDTH / 2 + 6 : host->x + host->w - PLUG_WIDTH / 2 - 6 - logical.width;
  graphene_rect_init (out, x, host->y + plug->row_y - logical.height / 2.0, logical.width, logical.height);
}

/* A failure's badge on its host's top edge, at the right. */
void
pf_stage_failure_badge_rect (PfStage         *self,
                             graphene_rect_t *out)
{
  PfStageHost *host = pf_stage_host_at (self, self->failure.host);
  double w = self->failure.text_w + 12, h = MIN (self->failure.text_h + 2, 2 * BADGE_RISE);

  graphene_rect_init (out, host->x + host->w - CARD_RADIUS - w, host->y - BADGE_RISE, w, h);
}

static void
conn_room (PfStage     *self,
           PfStageConn *conn)
{
  conn->box_w = MAX (conn->label_w, self->tag_room_w) + 2 * LABEL_PAD_X;
  conn->box_h = conn->label_h + self->tag_room_h + 2 * LABEL_PAD_Y;
}

static gboolean
clear_of (const graphene_rect_t *card,
          const PfStageConn     *conn,
          double                 s,
          double                 w,
          double                 h,
          double                 below)
{
  graphene_point_t p;
  graphene_rect_t r;

  pf_stage_curve_point (conn, s, &p);
  r = GRAPHENE_RECT_INIT (p.x - w / 2 - 1, p.y - h / 2 - 1, w + 2, h + below + 2);
  return !graphene_rect_intersection (card, &r, NULL);
}

/* The longest stretch of @conn along which an envelope of @w × @h (and
 * @below) is clear of both cards: envelopes fly between the cards, never
 * over them or their plugs. Where there is none, the middle. */
#define FLY_SAMPLES 48

static gboolean
clear_of_both (const graphene_rect_t *client,
               const graphene_rect_t *server,
               const PfStageConn     *conn,
               double                 s,
               double                 w,
               double                 h,
               double                 below)
{
  return clear_of (client, conn, s, w, h, below) && clear_of (server, conn, s, w, h, below);
}

void
pf_stage_fly_range (PfStage           *self,
                    const PfStageConn *conn,
                    double             w,
                    double             h,
                    double             below,
                    double            *out_from,
                    double            *out_to)
{
  graphene_rect_t client, server;
  int best_start = -1, best_len = 0, start = -1;
  double lo, hi;

  pf_stage_card_rect (pf_stage_host_at (self, conn->client), &client);
  pf_stage_card_rect (pf_stage_host_at (self, conn->server), &server);

  for (int k = 0; k <= FLY_SAMPLES + 1; k++)
    {
      gboolean clear = k <= FLY_SAMPLES &&
                       clear_of_both (&client, &server, conn, k / (double) FLY_SAMPLES, w, h, below);

      if (clear && start < 0)
        start = k;
      else if (!clear && start >= 0)
        {
          if (k - start > best_len)
            best_start = start, best_len = k - start;
          start = -1;
        }
    }
  if (best_start < 0)
    {
      *out_from = *out_to = 0.5;
      return;
    }

  /* Its ends, closer. */
  lo = (best_start - 1) / (double) FLY_SAMPLES, hi = best_start / (double) FLY_SAMPLES;
  if (best_start > 0)
    for (int i = 0; i < 8; i++)
      {
        double mid = (lo + hi) / 2;

        if (clear_of_both (&client, &server, conn, mid, w, h, below))
          hi = mid;
        else
          lo = mid;
      }
  *out_from = hi;

  lo = (best_start + best_len - 1) / (double) FLY_SAMPLES, hi = (best_start + best_len) / (double) FLY_SAMPLES;
  if (best_start + best_len <= FLY_SAMPLES)
    for (int i = 0; i < 8; i++)
      {
        double mid = (lo + hi) / 2;

        if (clear_of_both (&client, &server, conn, mid, w, h, below))
          lo = mid;
        else
          hi = mid;
      }
  *out_to = lo;
}

static double
overlap (const graphene_rect_t *a,
         const graphene_rect_t *b)
{
  graphene_rect_t r;

  if (!graphene_rect_intersection (a, b, &r))
    return 0;
  return (r.size.width + 1) * (r.size.height + 1);
}

/* What a label at @r would cover, 0 for nothing: the outside of the
 * world counts most. */
static double
label_cost (PfStage               *self,
            const graphene_rect_t *r,
            GArray                *taken)
{
  graphene_rect_t world = GRAPHENE_RECT_INIT (2, 2, self->world_w - 4, self->world_h - 4);
  graphene_rect_t inside;
  double cost = 0;

  if (!graphene_rect_intersection (&world, r, &inside))
    cost += 100 * r->size.width * r->size.height;
  else
    cost += 100 * (r->size.width * r->size.height - inside.size.width * inside.size.height);
  for (guint i = 0; i < taken->len; i++)
    cost += overlap (r, &g_array_index (taken, graphene_rect_t, i));
  return cost;
}

/* Each label beside its curve, clear of the cards, of the labels placed
 * before it and of every path the envelopes take; where nothing is
 * clear, where it covers least. In the order the connections came, so
 * a new one never moves an older one's label. */
static gboolean
place_labels (PfStage *self)
{
  gboolean all_clear = TRUE;
  static const double along[] = { 0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82, 0.1, 0.9 };
  static const double extra[] = { -30, -15, 0, 10, 24, 44, 70 };
  g_autoptr(GArray) taken = g_array_new (FALSE, FALSE, sizeof (graphene_rect_t));
  double ew = self->envelope_w, eh = self->envelope_h, below = self->envelope_below;

  /* Very many: on their curves, halfway, as each costs all the others. */
  if (self->conns->len > LABELS_PLACED_MAX)
    {
      for (guint i = 0; i < self->conns->len; i++)
        {
          PfStageConn *conn = g_ptr_array_index (self->conns, i);

          if (!pf_stage_conn_drawable (conn))
            continue;
          pf_stage_curve_point (conn, 0.5, &conn->label_at);
          conn->label_for = conn->label_at;
        }
      return TRUE;
    }

  for (guint i = 0; i < self->hosts->len; i++)
    {
      graphene_rect_t r;

      pf_stage_card_rect (pf_stage_host_at (self, i), &r);
      g_array_append_val (taken, r);
    }
  pf_stage_links_taken (self, taken);

  /* The envelopes' paths, as boxes along them. */
  for (guint i = 0; i < self->conns->len; i++)
    {
      PfStageConn *conn = g_ptr_array_index (self->conns, i);
      double from, to;

      if (!pf_stage_conn_drawable (conn))
        continue;
      /* As far as the smallest envelope flies, as wide as the largest. */
      pf_stage_fly_range (self, conn, 2 * ENVELOPE_HEIGHT, ENVELOPE_HEIGHT, 0, &from, &to);
      for (guint k = 0; k <= 24; k++)
        {
          graphene_point_t p;
          graphene_rect_t r;

          pf_stage_curve_point (conn, from + (to - from) * k / 24.0, &p);
          r = GRAPHENE_RECT_INIT (p.x - ew / 2, p.y - eh / 2, ew, eh + below);
          g_array_append_val (taken, r);
        }
    }

  for (guint i = 0; i < self->conns->len; i++)
    {
      PfStageConn *conn = g_ptr_array_index (self->conns, i);
      double best = G_MAXDOUBLE;
      graphene_point_t best_at = { 0, 0 }, best_for = { 0, 0 };
      gboolean best_narrow = FALSE, best_top = FALSE;
      graphene_rect_t r;

      if (!pf_stage_conn_drawable (conn))
        continue;

      /* On one line where that fits, else on two. */
      for (guint narrow = conn->label == conn->narrow; narrow < 2 && best > 0; narrow++)
      {
      conn->label = narrow ? conn->narrow : conn->wide;
      conn->label_w = narrow ? conn->narrow_w : conn->wide_w;
      conn->label_h = narrow ? conn->narrow_h : conn->wide_h;
      conn_room (self, conn);
      for (guint a = 0; a < G_N_ELEMENTS (along) && best > 0; a++)
        for (int side = -1; side <= 1 && best > 0; side += 2)
          for (guint e = 0; e < G_N_ELEMENTS (extra) && best > 0; e++)
            {
              double s = along[a], u = 1 - s;
              double tx = 2 * u * (conn->c.x - conn->p0.x) + 2 * s * (conn->p2.x - conn->c.x);
              double ty = 2 * u * (conn->c.y - conn->p0.y) + 2 * s * (conn->p2.y - conn->c.y);
              double len = MAX (hypot (tx, ty), 1e-6);
              double nx = -ty / len, ny = tx / len, d, cost;
              graphene_point_t p;

              /* Above the line first, then below. */
              if (ny > 0 || (ny == 0 && nx > 0))
                nx = -nx, ny = -ny;
              nx *= side, ny *= side;
              d = fabs (nx) * (ew / 2 + conn->box_w / 2) + fabs (ny) * ((eh / 2 + below) + conn->box_h / 2) +
                  LABEL_CLEAR + extra[e];
              if (d < fabs (nx) * conn->box_w / 2 + fabs (ny) * conn->box_h / 2 + LABEL_CLEAR)
                continue;
              pf_stage_curve_point (conn, s, &p);
              r = GRAPHENE_RECT_INIT (p.x + nx * d - conn->box_w / 2, p.y + ny * d - conn->box_h / 2,
                                      conn->box_w, conn->box_h);
              cost = label_cost (self, &r, taken);
              if (cost < best)
                {
                  best = cost;
                  best_at = GRAPHENE_POINT_INIT (p.x + nx * d, p.y + ny * d);
                  best_for = p;
                  best_top = ny >= 0;
                  best_narrow = narrow;
                }
            }
      }

      conn->label = best_narrow ? conn->narrow : conn->wide;
      conn->label_w = best_narrow ? conn->narrow_w : conn->wide_w;
      conn->label_h = best_narrow ? conn->narrow_h : conn->wide_h;
      conn_room (self, conn);
      conn->label_top = best_top;
      conn->label_at = best_at;
      conn->label_for = best_for;
      all_clear &= best == 0;
      r = GRAPHENE_RECT_INIT (best_at.x - conn->box_w / 2 - LABEL_CLEAR, best_at.y - conn->box_h / 2 - LABEL_CLEAR,
                              conn->box_w + 2 * LABEL_CLEAR, conn->box_h + 2 * LABEL_CLEAR);
      g_array_append_val (taken, r);
    }
  return all_clear;
}

void
pf_stage_curve_point (const PfStageConn *conn,
                      double             s,
                      graphene_point_t  *out)
{
  double u = 1 - s;

  out->x = u * u * conn->p0.x + 2 * u * s * conn->c.x + s * s * conn->p2.x;
  out->y = u * u * conn->p0.y + 2 * u * s * conn->c.y + s * s * conn->p2.y;
}

/* Centred; panning only where the world is larger than the widget. */
void
pf_stage_update_origin (PfStage *self)
{
  int width = self->geometry_w, height = self->geometry_h;
  double max_pan_x = MAX (0, (self->world_w * self->scale - width) / 2);
  double max_pan_y = MAX (0, (self->world_h * self->scale - height) / 2);

  self->pan_x = CLAMP (self->pan_x, -max_pan_x, max_pan_x);
  self->pan_y = CLAMP (self->pan_y, -max_pan_y, max_pan_y);
  /* On a device pixel, so pictures placed on whole pixels stay there. */
  self->origin_x = round (((width - self->world_w * self->scale) / 2 + self->pan_x) * self->scale_factor) /
                   self->scale_factor;
  self->origin_y = round (((height - self->world_h * self->scale) / 2 + self->pan_y) * self->scale_factor) /
                   self->scale_factor;
}

void
pf_stage_ensure_geometry (PfStage *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  int scale_factor = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  double zoom = pf_view_get_zoom (PF_VIEW (self));
  double sum_x = 0, fit, max_fit;

  if (!self->geometry_dirty && width == self->geometry_w && height == self->geometry_h &&
      zoom == self->geometry_zoom && scale_factor == self->geometry_scale_factor)
    return;

  self->geometry_dirty = FALSE;
  self->geometry_w = width;
  self->geometry_h = height;
  self->geometry_zoom = zoom;
  self->geometry_scale_factor = scale_factor;
  self->scale_factor = MAX (scale_factor, 1);
  self->scene_dirty = TRUE;

  /* At zoom 1 the whole world fits (and, enlarged, fills the room up to
   * PF_STAGE_MAX_FIT); zoom scales from there. Where the labels find no
   * room, a larger world, drawn smaller, gives them some. */
  fit_world (self, width, height);
  /* Enlarged, less enlarged first, down to the natural size (in four
   * attempts), and from there as if not: never smaller than that. */
  max_fit = self->enlarge ? PF_STAGE_MAX_FIT : 1.0;
  for (guint attempt = 0; attempt < (self->enlarge ? 12u : 8u); attempt++)
  {
  sum_x = 0;
  if (attempt > 0 && max_fit > 1.0)
    max_fit = max_fit > 1.25 ? max_fit / 1.25 : 1.0;
  else if (attempt > 0)
    {
      self->min_world_w = MAX (self->min_world_w, width / self->scale) * 1.12;
      self->min_world_h = MAX (self->min_world_h, height / self->scale) * 1.12;
    }
  fit = MIN (max_fit, MIN (width / self->min_world_w, height / self->min_world_h));
  self->scale = zoom * MAX (fit, 0.05);
  self->world_w = MAX (width / self->scale, self->min_world_w);
  self->world_h = MAX (height / self->scale, self->min_world_h);

  for (guint i = 0; i < self->hosts->len; i++)
    {
      PfStageHost *host = pf_stage_host_at (self, i);

      host->x = pf_stage_place (host->fx, self->world_w, pf_stage_half_width (host)) - host->w / 2;
      host->y = pf_stage_place (host->fy, self->world_h, host->h / 2) - host->h / 2;
      sum_x += host->x + host->w / 2;
    }
  pf_stage_links_geometry (self);

  /* Plugs face the hosts that talk to them, or else all the others. */
  for (guint i = 0; i < self->hosts->len; i++)
    {
      PfStageHost *host = pf_stage_host_at (self, i);
      double cx = host->x + host->w / 2;
      double others = self->hosts->len > 1 ? (sum_x - cx) / (self->hosts->len - 1) : self->world_w / 2;

      if (host->peers->len > 0)
        {
          others = 0;
          for (guint j = 0; j < host->peers->len; j++)
            {
              PfStageHost *peer = pf_stage_host_at (self, g_array_index (host->peers, guint, j));

              others += (peer->x + peer->w / 2) / host->peers->len;
            }
        }
      host->plugs_left = cx > others + 1e-6;
    }

  for (guint i = 0; i < self->conns->len; i++)
    {
      PfStageConn *conn = g_ptr_array_index (self->conns, i);

      if (pf_stage_conn_drawable (conn))
        conn_geometry (self, conn);
    }
  /* The labels placed, and room on the links for every envelope. */
  if (place_labels (self) && pf_stage_links_fit (self))
    break;
  }

  pf_stage_update_origin (self);
}
