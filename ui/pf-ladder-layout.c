/* pf-ladder-layout.c: the ladder's rows and lanes
 *
 * The model side is a list of rows built once per timeline event (the
 * timeline only grows during a run), each with its y in unzoomed pixels;
 * drawing finds the visible rows by binary search and makes their text
 * layouts on first use, so a long run costs what the screen shows.
 *
 * Here too: where the lanes stand across the width, the style the rows'
 * heights come from (fonts and their line heights, and the colours
 * looked up with them), the size the widget asks for, and the scrolling
 * geometry below the header.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-ladder"

#include "config.h"

#include "pf-ladder-private.h"

#include <glib/gi18n.h>
#include <math.h>

#include "pf-enum.h"
#include "pf-icmp.h"
#include "pf-netspace.h"
#include "pf-packet-info.h"

/* Kinds */

/* In PfPacketKind order, where the theme has no pf_packet_KIND colour. */
static const struct { const char *light; const char *dark; } kind_fallbacks[PF_N_PACKET_KINDS] = {
  { "#1c71d8", "#62a0ea" }, { "#26a269", "#57e389" }, { "#77767b", "#9a9996" },
  { "#c64600", "#ffa348" }, { "#c01c28", "#f66151" }, { "#813d9c", "#c061cb" },
  { "#865e3c", "#cdab8f" }, { "#e5a50a", "#f8e45c" }, { "#865e3c", "#cdab8f" },
  { "#21909e", "#66ccd1" },
};

/* Rows and lanes */

static void
mark_clear (gpointer data)
{
  Mark *mark = data;

  g_free (mark->text);
  g_clear_object (&mark->event);
  g_clear_object (&mark->layout);
}

static void
row_clear_layouts (Row *row)
{
  g_clear_object (&row->label_layout);
  g_clear_object (&row->excerpt_layout);
  g_clear_object (&row->src_port_layout);
  g_clear_object (&row->dst_port_layout);
  row->layout_width = -1;
  row->text_width = 0;

  for (guint i = 0; row->marks != NULL && i < row->marks->len; i++)
    g_clear_object (&g_array_index (row->marks, Mark, i).layout);
}

void
pf_ladder_row_free (gpointer data)
{
  Row *row = data;

  row_clear_layouts (row);
  g_clear_object (&row->event);
  g_clear_pointer (&row->marks, g_array_unref);
  g_free (row->label);
  g_free (row->excerpt);
  g_free (row->src_port);
  g_free (row->dst_port);
  g_free (row->tooltip);
  g_free (row);
}

static void
lane_clear_layouts (Lane *lane)
{
  g_clear_object (&lane->name_layout);
  g_clear_object (&lane->address_layout);
  g_clear_object (&lane->here_layout);
  lane->text_width = 0;
}

void
pf_ladder_lane_free (gpointer data)
{
  Lane *lane = data;

  lane_clear_layouts (lane);
  g_free (lane->id);
  g_free (lane->name);
  g_free (lane->address_text);
  g_free (lane->here);
  g_free (lane);
}

static PfNetspace *
get_netspace (PfLadder *self)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  PfEngine *engine = player ? pf_player_get_engine (player) : NULL;

  return engine ? pf_engine_get_netspace (engine) : NULL;
}

static PfIpv4
unmap_address (PfLadder *self,
               PfIpv4    real)
{
  PfNetspace *netspace = get_netspace (self);

  return netspace ? pf_netspace_unmap_address (netspace, real) : real;
}

/* ":80", or ":80 (here 8080)" when the kernel used another port. */
static char *
format_port (PfLadder *self,
             guint16   real)
{
  PfNetspace *netspace = get_netspace (self);
  guint16 port = netspace ? pf_netspace_unmap_port (netspace, real) : real;

  if (port == real)
    return g_strdup_printf (":%u", port);
  /* TRANSLATORS: a scenario's port, and the one the kernel used instead */
  return g_strdup_printf (_(":%u (here %u)"), port, real);
}

/* "10.0.0.2:44213", or "10.0.0.2:44213 (here 127.0.0.2:34179)". */
static char *
format_endpoint (PfLadder         *self,
                 const PfEndpoint *real)
{
  PfNetspace *netspace = get_netspace (self);
  PfEndpoint scenario = *real;
  char a[PF_ENDPOINT_STRLEN], b[PF_ENDPOINT_STRLEN];

  if (netspace != NULL)
    {
      scenario.address = pf_netspace_unmap_address (netspace, real->address);
      scenario.port = pf_netspace_unmap_port (netspace, real->port);
    }
  pf_endpoint_format (&scenario, a);
  if (pf_endpoint_equal (&scenario, real))
    return g_strdup (a);
  pf_endpoint_format (real, b);
  return g_strdup_printf (_("%s (here %s)"), a, b);
}

/* "10.0.0.2", or "10.0.0.2 (here 127.0.0.2)". */
static char *
format_address (PfLadder *self,
                PfIpv4    real)
{
  PfNetspace *netspace = get_netspace (self);
  PfIpv4 scenario = netspace ? pf_netspace_unmap_address (netspace, real) : real;
  g_autofree char *a = pf_ipv4_to_string (scenario);
  g_autofree char *b = NULL;

  if (scenario == real)
    return g_steal_pointer (&a);
  b = pf_ipv4_to_string (real);
  return g_strdup_printf (_("%s (here %s)"), a, b);
}

guint
pf_ladder_add_lane (PfLadder   *self,
                    const char *id,
                    const char *name,
                    PfIpv4      address)
{
  PfNetspace *netspace = get_netspace (self);
  Lane *lane = g_new0 (Lane, 1);
  PfIpv4 real = netspace ? pf_netspace_map_address (netspace, address) : address;

  lane->id = g_strdup (id);
  lane->address = address;
  lane->address_text = pf_ipv4_to_string (address);
  lane->name = g_strdup (name ? name : lane->address_text);
  if (real != address)
    {
      g_autofree char *text = pf_ipv4_to_string (real);

      /* TRANSLATORS: the address the kernel uses for a host, in loopback mode */
      lane->here = g_strdup_printf (_("here %s"), text);
    }

  g_ptr_array_add (self->lanes, lane);
  if (id != NULL)
    g_hash_table_insert (self->lanes_by_id, lane->id, GUINT_TO_POINTER (self->lanes->len));
  if (!g_hash_table_contains (self->lanes_by_address, GUINT_TO_POINTER (address)))
    g_hash_table_insert (self->lanes_by_address, GUINT_TO_POINTER (address),
                         GUINT_TO_POINTER (self->lanes->len));
  return self->lanes->len - 1;
}

/* The lane of an address the kernel used; one is added for an address no
 * host of the scenario has, so that no segment is left out. */
static int
lane_for_address (PfLadder *self,
                  PfIpv4    real)
{
  PfIpv4 address = unmap_address (self, real);
  guint lane = GPOINTER_TO_UINT (g_hash_table_lookup (self->lanes_by_address,
                                                      GUINT_TO_POINTER (address)));

  if (lane > 0)
    return lane - 1;

  lane = pf_ladder_add_lane (self, NULL, NULL, address);
  self->style_valid = FALSE;   /* the header may need a "here" line */
  gtk_widget_queue_resize (GTK_WIDGET (self));
  return lane;
}

static int
lane_for_host (PfLadder   *self,
               const char *host_id)
{
  if (host_id == NULL)
    return -1;
  return (int) GPOINTER_TO_UINT (g_hash_table_lookup (self->lanes_by_id, host_id)) - 1;
}

/* Style */

static void
lookup_color (PfLadder      *self,
              const char    *name,
              const char    *fallback_name,
              const GdkRGBA *fallback,
              GdkRGBA       *out)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self));

  if (gtk_style_context_lookup_color (context, name, out))
    return;
  if (fallback_name != NULL && gtk_style_context_lookup_color (context, fallback_name, out))
    return;
  *out = *fallback;
}

static PangoFontDescription *
derive_font (const PangoFontDescription *base,
             double                      scale,
             const char                 *family,
             PangoWeight                 weight,
             PangoStyle                  style)
{
  PangoFontDescription *font = pango_font_description_copy (base);
  int size = pango_font_description_get_size (base);

  if (size <= 0)
    size = 10 * PANGO_SCALE;
  size = (int) (size * scale);
  if (pango_font_description_get_size_is_absolute (base))
    pango_font_description_set_absolute_size (font, size);
  else
    pango_font_description_set_size (font, size);
  if (family != NULL)
    pango_font_description_set_family (font, family);
  pango_font_description_set_weight (font, weight);
  pango_font_description_set_style (font, style);
  return font;
}

PangoLayout *
pf_ladder_make_layout (PfLadder                   *self,
                       const PangoFontDescription *font,
                       const char                 *text)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);

  pango_layout_set_font_description (layout, font);
  return layout;
}

static double
line_height (PfLadder                   *self,
             const PangoFontDescription *font)
{
  g_autoptr(PangoLayout) layout = pf_ladder_make_layout (self, font, "Ag");
  int height;

  pango_layout_get_pixel_size (layout, NULL, &height);
  return height;
}

static double
row_height (PfLadder *self,
            Row      *row)
{
  switch (row->kind)
    {
    case ROW_RULE:
      return self->small_h + 2 * ROW_PAD + 4;
    case ROW_MARKS:
      return self->small_h + 2 * TAG_PAD_Y + 2 * ROW_PAD;
    case ROW_ARROW:
    default:
      return 2 * ROW_PAD + self->label_h + (row->excerpt ? self->mono_h : 0) +
             LABEL_GAP + SLANT + 2 + self->small_h;
    }
}

static void
relayout_rows (PfLadder *self)
{
  double y = TOP_PAD;

  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      row_clear_layouts (row);
      row->y = y;
      row->height = row_height (self, row);
      y += row->height;
    }
}

void
pf_ladder_ensure_style (PfLadder *self)
{
  GtkStyleContext *context = gtk_widget_get_style_context (GTK_WIDGET (self));
  const PangoFontDescription *base;
  gboolean dark;
  gboolean any_here = FALSE;

  if (self->style_valid)
    return;
  self->style_valid = TRUE;

  base = pango_context_get_font_description (gtk_widget_get_pango_context (GTK_WIDGET (self)));
  g_clear_pointer (&self->label_font, pango_font_description_free);
  g_clear_pointer (&self->small_font, pango_font_description_free);
  g_clear_pointer (&self->mono_font, pango_font_description_free);
  g_clear_pointer (&self->name_font, pango_font_description_free);
  self->label_font = derive_font (base, 0.9, NULL, PANGO_WEIGHT_NORMAL, PANGO_STYLE_NORMAL);
  self->small_font = derive_font (base, 0.8, NULL, PANGO_WEIGHT_NORMAL, PANGO_STYLE_NORMAL);
  self->mono_font = derive_font (base, 0.85, "Monospace", PANGO_WEIGHT_NORMAL, PANGO_STYLE_NORMAL);
  self->name_font = derive_font (base, 1.0, NULL, PANGO_WEIGHT_BOLD, PANGO_STYLE_NORMAL);
  self->label_h = line_height (self, self->label_font);
  self->small_h = line_height (self, self->small_font);
  self->mono_h = line_height (self, self->mono_font);
  self->name_h = line_height (self, self->name_font);

  for (guint i = 0; i < self->lanes->len; i++)
    {
      Lane *lane = g_ptr_array_index (self->lanes, i);

      lane_clear_layouts (lane);
      any_here |= lane->here != NULL;
    }
  self->header_h = 2 * HEADER_PAD + self->name_h + self->small_h * (any_here ? 2 : 1);

  g_clear_object (&self->modelled_layout);
  {
    g_autoptr(PangoFontDescription) italic =
      derive_font (base, 0.8, NULL, PANGO_WEIGHT_NORMAL, PANGO_STYLE_ITALIC);
    /* TRANSLATORS: marks a segment synthesized from socket events, not captured */
    self->modelled_layout = pf_ladder_make_layout (self, italic, _("modelled"));
  }

  gtk_style_context_get_color (context, &self->fg);
  dark = self->fg.red + self->fg.green + self->fg.blue > 1.5;
  lookup_color (self, "pf_ladder_bg", "view_bg_color",
                &(GdkRGBA) { dark ? 0.12 : 1.0, dark ? 0.12 : 1.0, dark ? 0.12 : 1.0, 1.0 },
                &self->bg);
  lookup_color (self, "pf_ladder_lifeline", NULL,
                &(GdkRGBA) { self->fg.red, self->fg.green, self->fg.blue, 0.3 }, &self->lifeline);
  lookup_color (self, "pf_ladder_rule", NULL,
                &(GdkRGBA) { self->fg.red, self->fg.green, self->fg.blue, 0.25 }, &self->rule);
  lookup_color (self, "pf_ladder_error", "error_color",
                &(GdkRGBA) { 0.75, 0.11, 0.16, 1.0 }, &self->error);
  lookup_color (self, "pf_ladder_selection", "accent_bg_color",
                &(GdkRGBA) { 0.11, 0.44, 0.85, 1.0 }, &self->selection);
  /* The stage's colours, so a packet looks the same in both. */
  for (guint i = 0; i < PF_N_PACKET_KINDS; i++)
    {
      g_autofree char *name = g_strdup_printf ("pf_packet_%s",
                                               pf_enum_to_nick (PF_TYPE_PACKET_KIND, i));
      GdkRGBA fallback;

      gdk_rgba_parse (&fallback, dark ? kind_fallbacks[i].dark : kind_fallbacks[i].light);
      lookup_color (self, name, i == PF_PACKET_KIND_FRAGMENT ? "pf_packet_other" : NULL,
                    &fallback, &self->kinds[i]);
    }

  relayout_rows (self);
}

/* Building rows from the timeline */

/* Relative to the SYN's sequence number in the same direction, as
 * Wireshark does; without a SYN, to the first segment seen. A new SYN on
 * the same 4-tuple starts a new connection. */
static guint32
relative_base (PfLadder          *self,
               const PfFourTuple *tuple,
               const PfPacket    *packet)
{
  SeqBase key = { *tuple, 0 };
  SeqBase *base = g_hash_table_lookup (self->seq_bases, &key);

  if (base == NULL)
    {
      base = g_new (SeqBase, 1);
      *base = (SeqBase) { *tuple, packet->seq };
      g_hash_table_add (self->seq_bases, base);
    }
  else if (packet->flags & PF_TCP_SYN)
    base->base = packet->seq;

  return base->base;
}

static void
describe_tcp (PfLadder       *self,
              Row            *row,
              const PfPacket *packet,
              GString        *tooltip)
{
  PfFourTuple tuple = pf_packet_get_four_tuple (packet);
  PfFourTuple reverse = pf_four_tuple_reversed (&tuple);
  SeqBase key = { reverse, 0 };
  SeqBase *other;
  g_autofree char *flags = pf_packet_flags_to_string (packet->flags);
  guint32 seq = packet->seq - relative_base (self, &tuple, packet);
  GString *label = g_string_new (flags[0] ? flags : "—");

  g_string_append_printf (label, " seq=%u", seq);
  g_string_append_printf (tooltip, _("Sequence number %u (raw %u)"), seq, packet->seq);

  /* Without ACK the field means nothing, as in Wireshark. */
  if (packet->flags & PF_TCP_ACK)
    {
      other = g_hash_table_lookup (self->seq_bases, &key);
      if (other != NULL)
        {
          g_string_append_printf (label, " ack=%u", packet->ack - other->base);
          g_string_append_printf (tooltip, _(", acknowledgment %u (raw %u)"),
                                  packet->ack - other->base, packet->ack);
        }
      else
        {
          /* TRANSLATORS: an acknowledgment number shown raw, not relative */
          g_string_append_printf (label, _(" ack=%u (raw)"), packet->ack);
          g_string_append_printf (tooltip, _(", acknowledgment %u (raw)"), packet->ack);
        }
    }

  g_string_append_printf (label, " len=%u", pf_packet_get_payload_length (packet));
  row->label = g_string_free (label, FALSE);
}

static guint16
scenario_port (PfLadder *self,
               guint16   real)
{
  PfNetspace *netspace = get_netspace (self);

  return netspace ? pf_netspace_unmap_port (netspace, real) : real;
}

/* The application's words, as few as say it ("query A
 * knuth.luther.edu", "GET / HTTP/1.1"), judged by the scenario's ports;
 * the bytes, escaped, when nothing reads them. The packet list and the
 * inspector have the capture tool's whole line. */
static char *
describe_payload (PfLadder *self,
                  PfPacket *packet)
{
  g_autofree char *words = pf_packet_describe_application_brief_at (packet,
                                                                    scenario_port (self, packet->sport),
                                                                    scenario_port (self, packet->dport));

  if (words == NULL)
    return pf_packet_payload_excerpt (packet, EXCERPT_CHARS);
  if (g_utf8_strlen (words, -1) > EXCERPT_CHARS)
    {
      g_autofree char *cut = g_utf8_substring (words, 0, EXCERPT_CHARS - 1);

      return g_strconcat (cut, "…", NULL);
    }
  return g_steal_pointer (&words);
}

/* "ICMP Destination unreachable (Port unreachable)", and below it what
 * the error is about. */
static void
describe_icmp (PfLadder *self,
               Row      *row,
               PfPacket *packet,
               GString  *tooltip)
{
  PfIcmpMessage icmp;
  g_autofree char *words = NULL;

  if (!pf_icmp_decode (packet, &icmp))
    {
      row->label = g_strdup_printf (_("ICMP, %u bytes"), pf_packet_get_payload_length (packet));
      return;
    }
  words = pf_icmp_describe (&icmp);
  row->label = g_strconcat ("ICMP ", words, NULL);
  g_string_append_printf (tooltip, "%s\n", row->label);
  if (icmp.has_quote)
    {
      PfEndpoint src = { icmp.quoted_src, icmp.quoted_sport };
      PfEndpoint dst = { icmp.quoted_dst, icmp.quoted_dport };
      g_autofree char *from = format_endpoint (self, &src);
      g_autofree char *to = format_endpoint (self, &dst);
      const char *proto = icmp.quoted_protocol == PF_IP_PROTOCOL_UDP ? "UDP"
                        : icmp.quoted_protocol == PF_IP_PROTOCOL_TCP ? "TCP" : "IP";

      /* TRANSLATORS: what an ICMP error is about: "about UDP 10.0.0.2:40000 → 10.0.0.7:9" */
      row->excerpt = g_strdup_printf (_("about %s %s → %s"), proto, from, to);
      g_string_append_printf (tooltip, "%s\n", row->excerpt);
    }
}

static void
add_arrow_row (PfLadder *self,
               Row      *row)
{
  PfPacket *packet = pf_event_get_packet (row->event);
  g_autoptr(GString) tooltip = g_string_new (NULL);
  g_autofree char *src = format_endpoint (self, &(PfEndpoint) { packet->src, packet->sport });
  g_autofree char *dst = format_endpoint (self, &(PfEndpoint) { packet->dst, packet->dport });
  Lane *from, *to;

  /* ICMP and the rest have no ports: the addresses alone. */
  if (packet->protocol != PF_IP_PROTOCOL_TCP && packet->protocol != PF_IP_PROTOCOL_UDP)
    {
      g_free (src);
      g_free (dst);
      src = format_address (self, packet->src);
      dst = format_address (self, packet->dst);
    }

  row->kind = ROW_ARROW;
  row->src_lane = lane_for_address (self, packet->src);
  row->dst_lane = lane_for_address (self, packet->dst);
  row->color = pf_packet_get_kind (packet);
  row->modelled = packet->origin == PF_PACKET_ORIGIN_MODELLED;
  from = g_ptr_array_index (self->lanes, row->src_lane);
  to = g_ptr_array_index (self->lanes, row->dst_lane);

  g_string_append_printf (tooltip, _("From %s to %s\n%s → %s\n"), from->name, to->name, src, dst);

  if (packet->protocol == PF_IP_PROTOCOL_TCP && !pf_packet_is_fragment (packet))
    describe_tcp (self, row, packet, tooltip);
  else if (packet->protocol == PF_IP_PROTOCOL_UDP && !pf_packet_is_fragment (packet))
    row->label = g_strdup_printf ("UDP len=%u", pf_packet_get_payload_length (packet));
  else if (pf_packet_is_fragment (packet))
    row->label = g_strdup_printf (_("fragment at %u, %u bytes"), packet->fragment_offset,
                                  pf_packet_get_payload_length (packet));
  else if (packet->protocol == PF_IP_PROTOCOL_ICMP)
    describe_icmp (self, row, packet, tooltip);
  else
    row->label = g_strdup_printf (_("IP protocol %u, %u bytes"), packet->protocol,
                                  pf_packet_get_payload_length (packet));

  if (packet->protocol == PF_IP_PROTOCOL_TCP || packet->protocol == PF_IP_PROTOCOL_UDP)
    {
      row->src_port = format_port (self, packet->sport);
      row->dst_port = format_port (self, packet->dport);
    }
  if (row->excerpt == NULL && pf_packet_get_payload_length (packet) > 0 &&
      !pf_packet_is_fragment (packet))
    row->excerpt = describe_payload (self, packet);

  if (tooltip->len > 0 && tooltip->str[tooltip->len - 1] != '\n')
    g_string_append_c (tooltip, '\n');
  g_string_append (tooltip, row->modelled
                   ? _("Modelled: made from what the sockets did, not captured")
                   : _("Captured from the network"));
  row->tooltip = g_string_free (g_steal_pointer (&tooltip), FALSE);
  self->n_arrows_built++;
}

static char *
mark_text (PfLadder *self,
           PfEvent  *event)
{
  PfTcpState state = pf_event_get_state (event);

  if (pf_event_get_kind (event) == PF_EVENT_ERROR)
    return g_strdup (pf_event_get_code (event) ? pf_event_get_code (event) : _("error"));

  /* A UDP socket's one state event is its bind: its kernel state (CLOSE)
   * would read as a closed connection. */
  if (g_strcmp0 (pf_event_get_protocol (event), "udp") == 0)
    {
      g_autofree char *port = format_port (self, pf_event_get_tuple (event)->src.port);

      /* TRANSLATORS: a UDP socket bound to a port, on the ladder */
      return g_strdup_printf (_("UDP %s"), port);
    }

  if (state == PF_TCP_STATE_LISTEN)
    {
      g_autofree char *port = format_port (self, pf_event_get_tuple (event)->src.port);

      return g_strconcat (pf_tcp_state_to_string (state), " ", port, NULL);
    }
  return g_strdup (pf_tcp_state_to_string (state));
}

/* State changes share a row while each is on another lifeline. */
static Row *
row_for_mark (PfLadder *self,
              int       lane)
{
  Row *last = self->rows->len ? g_ptr_array_index (self->rows, self->rows->len - 1) : NULL;
  Row *row;

  if (last != NULL && last->kind == ROW_MARKS)
    {
      gboolean taken = FALSE;

      for (guint i = 0; i < last->marks->len && !taken; i++)
        taken = g_array_index (last->marks, Mark, i).lane == lane;
      if (!taken)
        return last;
    }

  row = g_new0 (Row, 1);
  row->kind = ROW_MARKS;
  row->marks = g_array_new (FALSE, TRUE, sizeof (Mark));
  g_array_set_clear_func (row->marks, mark_clear);
  return row;
}

static void
append_row (PfLadder *self,
            Row      *row,
            guint     index)
{
  Row *last = self->rows->len ? g_ptr_array_index (self->rows, self->rows->len - 1) : NULL;

  row->index = index;
  row->offset = NOT_ANIMATED;
  row->layout_width = -1;
  row->y = last ? last->y + last->height : TOP_PAD;
  row->height = row_height (self, row);
  row->arrows_before = self->n_arrows_built - (row->kind == ROW_ARROW ? 1 : 0);
  g_ptr_array_add (self->rows, row);
}

/* The network */

/* Whether the scenario has links of its own: then frames are drawn
 * between the hosts the wire carried them between, routers included. */
gboolean
pf_ladder_has_links (PfLadder *self)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  const PfScenario *scenario = player ? pf_player_get_scenario (player) : NULL;

  if (scenario == NULL || scenario->links == NULL || scenario->links->len == 0)
    return FALSE;
  for (guint i = 0; i < scenario->links->len; i++)
    if (((const PfLink *) g_ptr_array_index (scenario->links, i))->implicit)
      return FALSE;
  return TRUE;
}

gboolean
pf_ladder_host_is_router (const PfHost *host)
{
  return host->is_router || g_strcmp0 (host->kind, "router") == 0;
}

/* A frame the wire carried, on a link. */
gboolean
pf_ladder_row_is_hop (Row *row)
{
  return row->kind == ROW_ARROW && row->event != NULL && pf_event_get_link_id (row->event) != NULL;
}

static gboolean
is_arp (const PfPacket *packet)
{
  return packet->has_ethernet && packet->ethertype == PF_ETHERTYPE_ARP;
}

static const PfHost *
scenario_host (PfLadder   *self,
               const char *id)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  const PfScenario *scenario = player ? pf_player_get_scenario (player) : NULL;

  for (guint i = 0; scenario != NULL && id != NULL && i < scenario->hosts->len; i++)
    {
      const PfHost *host = g_ptr_array_index (scenario->hosts, i);

      if (g_strcmp0 (host->id, id) == 0)
        return host;
    }
  return NULL;
}

/* An ARP frame's arrow: what it asks or answers. */
static void
describe_arp (PfLadder *self,
              Row      *row,
              PfPacket *packet)
{
  g_autofree char *target = pf_ipv4_to_string (packet->arp_tpa);
  g_autofree char *sender = pf_ipv4_to_string (packet->arp_spa);
  Lane *from = g_ptr_array_index (self->lanes, row->src_lane);
  Lane *to = g_ptr_array_index (self->lanes, row->dst_lane);

  row->kind = ROW_ARROW;
  row->color = PF_PACKET_KIND_ARP;
  row->modelled = packet->origin == PF_PACKET_ORIGIN_MODELLED;
  if (packet->arp_op == PF_ARP_REQUEST)
    /* TRANSLATORS: an ARP request on the ladder: who has this address? */
    row->label = g_strdup_printf (_("ARP who has %s? tell %s"), target, sender);
  else if (packet->arp_op == PF_ARP_REPLY)
    {
      g_autofree char *mac = pf_mac_to_string (packet->arp_sha);

      /* TRANSLATORS: an ARP reply on the ladder: this address is at this MAC */
      row->label = g_strdup_printf (_("ARP %s is at %s"), sender, mac);
    }
  else
    row->label = g_strdup ("ARP");
  row->tooltip = g_strdup_printf (_("From %s to %s\n%s"), from->name, to->name, row->label);
  self->n_arrows_built++;
}

/* A frame: an arrow from its sender to each receiver, on their lanes.
 * With the routers' lanes hidden, a packet through a router is one arrow
 * from its first sender to its destination, "via" the router; its hops
 * from a router, and ARP to or from one, are not drawn. */
static void
add_frame (PfLadder *self,
           PfEvent  *event,
           guint     index)
{
  PfPacket *packet = pf_event_get_packet (event);
  const char * const *to = pf_event_get_to_host_ids (event);
  int src = lane_for_host (self, pf_event_get_host_id (event));

  if (src < 0)
    return;   /* from a router whose lane is hidden */

  for (guint i = 0; to != NULL && to[i] != NULL; i++)
    {
      int dst = lane_for_host (self, to[i]);
      const PfHost *via = NULL;
      Row *row;

      if (dst < 0 && is_arp (packet))
        continue;
      if (dst < 0)
        {
          /* To a hidden router: on to where the packet is going. */
          via = scenario_host (self, to[i]);
          if (via == NULL || !pf_ladder_host_is_router (via))
            continue;
        }

      row = g_new0 (Row, 1);
      row->event = g_object_ref (event);
      if (is_arp (packet))
        {
          row->src_lane = src;
          row->dst_lane = dst;
          describe_arp (self, row, packet);
        }
      else
        {
          add_arrow_row (self, row);
          row->src_lane = src;
          row->dst_lane = via != NULL ? lane_for_address (self, packet->dst) : dst;
          if (via != NULL)
            {
              char *label = g_strdup_printf (_("%s via %s"), row->label ? row->label : "", via->id);

              g_free (row->label);
              row->label = label;
            }
        }
      append_row (self, row, index);
    }
}

static void
add_event (PfLadder *self,
           PfEvent  *event,
           guint     index)
{
  PfEventKind kind = pf_event_get_kind (event);
  Row *row;

  /* A frame the wire carried: between the hosts it went between (on the
   * implicit link of a file without links too: an ARP frame has no
   * address of a lane to go by). */
  if (kind == PF_EVENT_SEGMENT && pf_event_get_link_id (event) != NULL)
    add_frame (self, event, index);
  else if (kind == PF_EVENT_SEGMENT)
    {
      row = g_new0 (Row, 1);
      row->event = g_object_ref (event);
      add_arrow_row (self, row);
      append_row (self, row, index);
    }
  else if (kind == PF_EVENT_STEP)
    {
      row = g_new0 (Row, 1);
      row->kind = ROW_RULE;
      row->event = g_object_ref (event);
      /* TRANSLATORS: the rule where a scenario step begins */
      row->label = g_strdup_printf (_("Step %d"), pf_event_get_step (event) + 1);
      append_row (self, row, index);
    }
  else if (kind == PF_EVENT_STATE || kind == PF_EVENT_ERROR)
    {
      Mark mark = { 0 };

      mark.index = index;
      mark.lane = lane_for_host (self, pf_event_get_host_id (event));
      mark.error = kind == PF_EVENT_ERROR;
      mark.text = mark_text (self, event);
      mark.event = g_object_ref (event);
      row = row_for_mark (self, mark.lane);
      g_array_append_val (row->marks, mark);
      if (row->marks->len == 1)
        append_row (self, row, index);
    }
}

void
pf_ladder_sync_rows (PfLadder *self)
{
  guint n = self->timeline ? pf_timeline_get_n_events (self->timeline) : 0;

  pf_ladder_ensure_style (self);
  for (; self->n_built < n; self->n_built++)
    add_event (self, pf_timeline_get_event (self->timeline, self->n_built), self->n_built);
}

/* Finding rows */

/* The number of rows that start before timeline position @position. */
guint
pf_ladder_rows_before (PfLadder *self,
                       guint     position)
{
  guint lo = 0, hi = self->rows->len;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (((Row *) g_ptr_array_index (self->rows, mid))->index < position)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

guint
pf_ladder_n_shown_rows (PfLadder *self)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));

  return player ? pf_ladder_rows_before (self, pf_player_get_position (player)) : 0;
}

/* The first row whose bottom is below @y. */
guint
pf_ladder_row_at_y (PfLadder *self,
                    double    y,
                    guint     n_rows)
{
  guint lo = 0, hi = n_rows;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      Row *row = g_ptr_array_index (self->rows, mid);

      if (row->y + row->height <= y)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

Row *
pf_ladder_arrow_row (PfLadder *self,
                     guint     index)
{
  guint i = pf_ladder_rows_before (self, index + 1);
  Row *row;

  if (i == 0)
    return NULL;
  row = g_ptr_array_index (self->rows, i - 1);
  return row->kind == ROW_ARROW && row->index == index ? row : NULL;
}

static double
content_height (PfLadder *self)
{
  guint n = pf_ladder_n_shown_rows (self);
  Row *last;

  if (n == 0)
    return TOP_PAD + BOTTOM_PAD;
  last = g_ptr_array_index (self->rows, n - 1);
  return last->y + last->height + BOTTOM_PAD;
}

/* Lanes across the width */

double
pf_ladder_lane_x (PfLadder *self,
                  int       lane,
                  double    width)
{
  guint n = MAX (self->lanes->len, 1);

  if (lane < 0)
    return width / 2;
  return MARGIN_X + (width - 2 * MARGIN_X) * (lane + 0.5) / n;
}

/* The arrow's ends, in unzoomed content coordinates. */
void
pf_ladder_arrow_geometry (PfLadder *self,
                          Row      *row,
                          double    width,
                          double   *x1,
                          double   *x2,
                          double   *y1)
{
  *x1 = pf_ladder_lane_x (self, row->src_lane, width);
  *x2 = pf_ladder_lane_x (self, row->dst_lane, width);
  if (row->src_lane == row->dst_lane)
    *x2 = *x1 + SELF_LOOP;
  *y1 = row->y + ROW_PAD + self->label_h + (row->excerpt ? self->mono_h : 0) + LABEL_GAP;
}

/* Measuring and scrolling */

double
pf_ladder_header_height (PfLadder *self)
{
  return self->header_h * pf_view_get_zoom (PF_VIEW (self));
}

static double
page_height (PfLadder *self)
{
  return MAX (0.0, gtk_widget_get_height (GTK_WIDGET (self)) - pf_ladder_header_height (self));
}

void
pf_ladder_update_adjustments (PfLadder *self)
{
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double zoom = pf_view_get_zoom (PF_VIEW (self));
  double page = page_height (self);
  double upper;

  if (self->hadjustment != NULL)
    gtk_adjustment_configure (self->hadjustment, 0, 0, width, width * 0.1, width * 0.9, width);

  if (self->vadjustment == NULL)
    return;
  upper = MAX (content_height (self) * zoom, page);
  gtk_adjustment_configure (self->vadjustment,
                            CLAMP (gtk_adjustment_get_value (self->vadjustment), 0, upper - page),
                            0, upper, 20 * zoom, page * 0.9, page);
}

/* Scrolls so that @row is in view, its bottom first. */
void
pf_ladder_scroll_to_row (PfLadder *self,
                         Row      *row)
{
  double zoom = pf_view_get_zoom (PF_VIEW (self));
  double top, bottom, value, page;

  if (self->vadjustment == NULL || row == NULL)
    return;

  pf_ladder_update_adjustments (self);
  top = (row->y - ROW_PAD) * zoom;
  bottom = (row->y + row->height + ROW_PAD) * zoom;
  value = gtk_adjustment_get_value (self->vadjustment);
  page = gtk_adjustment_get_page_size (self->vadjustment);
  if (bottom > value + page)
    value = bottom - page;
  if (top < value)
    value = top;
  gtk_adjustment_set_value (self->vadjustment, value);
}

static double
unwrapped_width (PfLadder                   *self,
                 const PangoFontDescription *font,
                 const char                 *text)
{
  g_autoptr(PangoLayout) layout = NULL;
  int width;

  if (text == NULL)
    return 0;
  layout = pf_ladder_make_layout (self, font, text);
  pango_layout_get_pixel_size (layout, &width, NULL);
  return width;
}

static double
lane_fraction (PfLadder *self,
               int       lane)
{
  return lane < 0 ? 0.5 : (lane + 0.5) / MAX (self->lanes->len, 1);
}

/* The width between the margins, unzoomed, that shows @row's label and
 * excerpt whole where pf_ladder_draw_texts () puts them: centred on the
 * arrow and as wide as twice the way to the nearer edge, or right of a
 * self loop. */
static double
row_wanted_width (PfLadder *self,
                  Row      *row)
{
  double text, f;

  if (row->kind != ROW_ARROW)
    return 0;
  if (row->text_width <= 0)
    row->text_width = MAX (unwrapped_width (self, self->label_font, row->label),
                           unwrapped_width (self, self->mono_font, row->excerpt)) + 1;
  text = row->text_width + 2 * TAG_PAD_X;
  if (row->src_lane == row->dst_lane)
    return (text + TAG_PAD_X + SELF_LOOP) / MAX (1.0 - lane_fraction (self, row->src_lane), 0.1);

  f = (lane_fraction (self, row->src_lane) + lane_fraction (self, row->dst_lane)) / 2;
  return MAX (text - MARGIN_X, 0) / (2 * MAX (MIN (f, 1 - f), 0.05));
}

/* The same for the header: every lane's name and addresses whole. */
static double
header_wanted_width (PfLadder *self)
{
  double widest = 0;

  for (guint i = 0; i < self->lanes->len; i++)
    {
      Lane *lane = g_ptr_array_index (self->lanes, i);

      if (lane->text_width <= 0)
        lane->text_width = MAX (unwrapped_width (self, self->name_font, lane->name),
                                MAX (unwrapped_width (self, self->small_font, lane->address_text),
                                     unwrapped_width (self, self->small_font, lane->here))) + 1;
      widest = MAX (widest, lane->text_width);
    }
  return self->lanes->len * (widest + 4);
}

void
pf_ladder_measure (GtkWidget      *widget,
                   GtkOrientation  orientation,
                   int             for_size,
                   int            *minimum,
                   int            *natural,
                   int            *minimum_baseline,
                   int            *natural_baseline)
{
  PfLadder *self = PF_LADDER (widget);
  double zoom = pf_view_get_zoom (PF_VIEW (self));
  guint lanes = MAX (self->lanes->len, 2);

  pf_ladder_ensure_style (self);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      double wanted = header_wanted_width (self);

      /* Lanes narrow past MIN_WIDTH_LANES: a scenario with a hundred
       * hosts must not make the window a hundred lanes wide. Nor does
       * the minimum grow with the zoom: at 3× the ladder gives way,
       * its names and labels shortened, rather than push the player out
       * of the window (issue 12). */
      *minimum = (int) ceil (MIN (lanes, MIN_WIDTH_LANES) * LANE_MIN_WIDTH);

      /* Its natural width shows every name and label whole, up to the
       * widest screen; the window decides how much of that it gets
       * (pf-window-layout.c). */
      for (guint i = 0; i < self->rows->len; i++)
        wanted = MAX (wanted, row_wanted_width (self, g_ptr_array_index (self->rows, i)));
      *natural = MAX (*minimum, (int) ceil ((wanted + 2 * MARGIN_X) * zoom));
      *natural = MAX (*minimum, MIN (*natural, NATURAL_MAX_WIDTH));
    }
  else
    {
      *minimum = (int) ceil (pf_ladder_header_height (self) + 40 * zoom);
      *natural = MAX (*minimum,
                      (int) ceil (pf_ladder_header_height (self) +
                                  content_height (self) * zoom));
    }
}
