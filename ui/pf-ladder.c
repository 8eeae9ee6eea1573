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
 * The model side is a list of rows built once per timeline event (the
 * timeline only grows during a run), each with its y in unzoomed pixels;
 * drawing finds the visible rows by binary search and makes their text
 * layouts on first use, so a long run costs what the screen shows.
 *
 * The arrows of the step on screen grow in step with the stage's
 * envelopes, on the stage's schedule (see schedule_step ()): an arrow
 * appears when its packet leaves and is whole when it lands. The clock
 * advances by speed × frame time, so a speed change mid-step stays
 * smooth.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-ladder"

#include "config.h"

#include "pf-ladder.h"

#include <glib/gi18n.h>
#include <math.h>

#include "pf-netspace.h"

/* The stage's schedule (pf-stage.c), in seconds at speed 1: a packet
 * flies FLIGHT_S, the next leaves STAGGER_S later, a reply when what it
 * answers has landed; a step longer than STEP_BUDGET_S flies faster, down
 * to MIN_FACTOR of the time, and a step with many more packets starts
 * them all within STEP_WINDOW_S. */
#define FLIGHT_S      1.0
#define STAGGER_S     0.35
#define STEP_BUDGET_S 1.9
#define MIN_FACTOR    0.55
#define STEP_WINDOW_S 3.0
#define NOT_ANIMATED  (-1.0e9)

/* Unzoomed pixels; text sizes follow the widget's font. */
#define MARGIN_X      8.0
#define TOP_PAD       6.0
#define BOTTOM_PAD    16.0
#define ROW_PAD       4.0
#define LABEL_GAP     3.0
#define SLANT         12.0
#define HEAD_LEN      8.0
#define HEAD_HALF     4.0
#define TAG_PAD_X     5.0
#define TAG_PAD_Y     1.0
#define HEADER_PAD    6.0
#define SELF_LOOP     48.0
#define HIT_SLOP      8.0
#define EXCERPT_CHARS 40
#define LANE_MIN_WIDTH     90.0
#define LANE_NATURAL_WIDTH 200.0
#define MIN_WIDTH_LANES    6      /* lanes that the width asked for covers */
#define HEADER_MIN_TEXT    12.0   /* a lane's name needs this much room */

typedef enum
{
  KIND_HANDSHAKE,
  KIND_DATA,
  KIND_ACK,
  KIND_TEARDOWN,
  KIND_RESET,
  KIND_UDP,
  KIND_FRAGMENT,
  KIND_OTHER,
  N_KINDS
} Kind;

/* pf_packet_kind () names, in Kind order. */
static const char *kind_names[N_KINDS] = {
  "handshake", "data", "ack", "teardown", "reset", "udp", "fragment", "other",
};

static const struct { const char *light; const char *dark; } kind_fallbacks[N_KINDS] = {
  { "#1c71d8", "#62a0ea" }, { "#26a269", "#57e389" }, { "#77767b", "#9a9996" },
  { "#c64600", "#ffa348" }, { "#c01c28", "#f66151" }, { "#813d9c", "#c061cb" },
  { "#865e3c", "#cdab8f" }, { "#865e3c", "#cdab8f" },
};

typedef enum
{
  ROW_RULE,    /* a step began */
  ROW_MARKS,   /* state changes and errors, at most one per lifeline */
  ROW_ARROW,   /* a segment */
} RowKind;

typedef struct
{
  guint        index;      /* timeline position */
  int          lane;       /* -1: no host, drawn in the middle */
  gboolean     error;
  char        *text;
  PfEvent     *event;
  PangoLayout *layout;
} Mark;

typedef struct
{
  RowKind      kind;
  guint        index;      /* timeline position of its (first) event */
  guint        arrows_before;
  double       y;          /* unzoomed, from the top of the content */
  double       height;
  double       offset;     /* animation: when it starts, in clock seconds */

  PfEvent     *event;      /* the segment or the step; a reference */
  GArray      *marks;      /* ROW_MARKS: Mark */

  /* ROW_ARROW */
  int          src_lane;
  int          dst_lane;
  Kind         color;
  gboolean     modelled;
  char        *label;      /* also "Step 3" for a rule */
  char        *excerpt;    /* NULL without payload */
  char        *src_port;
  char        *dst_port;
  char        *tooltip;

  int          layout_width;
  PangoLayout *label_layout;
  PangoLayout *excerpt_layout;
  PangoLayout *src_port_layout;
  PangoLayout *dst_port_layout;
} Row;

typedef struct
{
  char        *id;         /* NULL for an address no host has */
  char        *name;
  PfIpv4       address;    /* the scenario's */
  char        *address_text;
  char        *here;       /* "here 127.203.196.71", or NULL */
  PangoLayout *name_layout;
  PangoLayout *address_layout;
  PangoLayout *here_layout;
} Lane;

/* The ISN of one direction of a connection: the hash table's key and value. */
typedef struct
{
  PfFourTuple tuple;
  guint32     base;
} SeqBase;

/* When the last packet one way on a connection lands. */
typedef struct
{
  PfFourTuple tuple;
  double      at;
} Landing;

struct _PfLadder
{
  GtkWidget             parent_instance;

  PfPlayer             *player;
  GSignalGroup         *player_signals;
  GSignalGroup         *timeline_signals;
  PfTimeline           *timeline;      /* the run the rows were built from */
  double                zoom;

  GtkAdjustment        *hadjustment;
  GtkAdjustment        *vadjustment;
  guint                 hscroll_policy : 1;
  guint                 vscroll_policy : 1;

  /* model */
  GPtrArray            *lanes;         /* Lane* */
  GHashTable           *lanes_by_id;   /* host id → lane + 1 */
  GHashTable           *lanes_by_address; /* scenario address → lane + 1 */
  GHashTable           *seq_bases;     /* SeqBase* */
  GPtrArray            *rows;          /* Row* */
  guint                 n_built;       /* timeline events made into rows */
  guint                 n_arrows_built;
  int                   shown_step;
  guint                 shown_position;

  /* style, refreshed when the CSS changes */
  gboolean              style_valid;
  PangoFontDescription *label_font;
  PangoFontDescription *small_font;
  PangoFontDescription *mono_font;
  PangoFontDescription *name_font;
  double                label_h;
  double                small_h;
  double                mono_h;
  double                name_h;
  double                header_h;
  GdkRGBA               fg;
  GdkRGBA               bg;
  GdkRGBA               lifeline;
  GdkRGBA               rule;
  GdkRGBA               error;
  GdkRGBA               selection;
  GdkRGBA               kinds[N_KINDS];
  PangoLayout          *modelled_layout;

  /* animation: the schedule of the step on screen */
  guint                 tick_id;
  gint64                last_frame_time;
  double                clock;
  double                clock_end;
  double                gap;
  double                flight;
  double                last_start;      /* of the last packet scheduled */
  double                last_landing;
  GHashTable           *landings;        /* Landing* */
  guint                 anim_first_row;  /* rows with an offset: [first, end) */
  guint                 anim_end_row;
  guint                 shown_step_start;
  int                   last_followed;
};

static void pf_ladder_scrollable_init (GtkScrollableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PfLadder, pf_ladder, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SCROLLABLE,
                                                      pf_ladder_scrollable_init))

enum {
  PROP_0,
  PROP_PLAYER,
  PROP_ZOOM,
  N_PROPS,

  PROP_HADJUSTMENT = N_PROPS,
  PROP_VADJUSTMENT,
  PROP_HSCROLL_POLICY,
  PROP_VSCROLL_POLICY,
};

static GParamSpec *properties[N_PROPS];

static void pf_ladder_stop_animation (PfLadder *self);

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

  for (guint i = 0; row->marks != NULL && i < row->marks->len; i++)
    g_clear_object (&g_array_index (row->marks, Mark, i).layout);
}

static void
row_free (gpointer data)
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
}

static void
lane_free (gpointer data)
{
  Lane *lane = data;

  lane_clear_layouts (lane);
  g_free (lane->id);
  g_free (lane->name);
  g_free (lane->address_text);
  g_free (lane->here);
  g_free (lane);
}

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

static PfNetspace *
get_netspace (PfLadder *self)
{
  PfEngine *engine = self->player ? pf_player_get_engine (self->player) : NULL;

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

static guint
add_lane (PfLadder   *self,
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

  lane = add_lane (self, NULL, NULL, address);
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

static PangoLayout *
make_layout (PfLadder                   *self,
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
  g_autoptr(PangoLayout) layout = make_layout (self, font, "Ag");
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

static void
ensure_style (PfLadder *self)
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
    self->modelled_layout = make_layout (self, italic, _("modelled"));
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
  for (guint i = 0; i < N_KINDS; i++)
    {
      g_autofree char *name = g_strdup_printf ("pf_packet_%s", kind_names[i]);
      GdkRGBA fallback;

      gdk_rgba_parse (&fallback, dark ? kind_fallbacks[i].dark : kind_fallbacks[i].light);
      lookup_color (self, name, i == KIND_FRAGMENT ? "pf_packet_other" : NULL,
                    &fallback, &self->kinds[i]);
    }

  relayout_rows (self);
}

/* Building rows from the timeline */

static Kind
kind_from_packet (const PfPacket *packet)
{
  const char *name = pf_packet_kind (packet);

  for (guint i = 0; i < N_KINDS; i++)
    if (g_str_equal (name, kind_names[i]))
      return i;
  return KIND_OTHER;
}

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

static void
add_arrow_row (PfLadder *self,
               Row      *row)
{
  PfPacket *packet = pf_event_get_packet (row->event);
  g_autoptr(GString) tooltip = g_string_new (NULL);
  g_autofree char *src = format_endpoint (self, &(PfEndpoint) { packet->src, packet->sport });
  g_autofree char *dst = format_endpoint (self, &(PfEndpoint) { packet->dst, packet->dport });
  Lane *from, *to;

  row->kind = ROW_ARROW;
  row->src_lane = lane_for_address (self, packet->src);
  row->dst_lane = lane_for_address (self, packet->dst);
  row->color = kind_from_packet (packet);
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
  else
    row->label = g_strdup_printf (_("IP protocol %u, %u bytes"), packet->protocol,
                                  pf_packet_get_payload_length (packet));

  if (packet->protocol == PF_IP_PROTOCOL_TCP || packet->protocol == PF_IP_PROTOCOL_UDP)
    {
      row->src_port = format_port (self, packet->sport);
      row->dst_port = format_port (self, packet->dport);
    }
  if (pf_packet_get_payload_length (packet) > 0 && !pf_packet_is_fragment (packet))
    row->excerpt = pf_packet_payload_excerpt (packet, EXCERPT_CHARS);

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

static void
add_event (PfLadder *self,
           PfEvent  *event,
           guint     index)
{
  PfEventKind kind = pf_event_get_kind (event);
  Row *row;

  if (kind == PF_EVENT_SEGMENT)
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

static void
sync_rows (PfLadder *self)
{
  guint n = self->timeline ? pf_timeline_get_n_events (self->timeline) : 0;

  ensure_style (self);
  for (; self->n_built < n; self->n_built++)
    add_event (self, pf_timeline_get_event (self->timeline, self->n_built), self->n_built);
}

/* Finding rows */

/* The number of rows that start before timeline position @position. */
static guint
rows_before (PfLadder *self,
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

static guint
n_shown_rows (PfLadder *self)
{
  return self->player ? rows_before (self, pf_player_get_position (self->player)) : 0;
}

/* The first row whose bottom is below @y. */
static guint
row_at_y (PfLadder *self,
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

static Row *
arrow_row (PfLadder *self,
           guint     index)
{
  guint i = rows_before (self, index + 1);
  Row *row;

  if (i == 0)
    return NULL;
  row = g_ptr_array_index (self->rows, i - 1);
  return row->kind == ROW_ARROW && row->index == index ? row : NULL;
}

static double
content_height (PfLadder *self)
{
  guint n = n_shown_rows (self);
  Row *last;

  if (n == 0)
    return TOP_PAD + BOTTOM_PAD;
  last = g_ptr_array_index (self->rows, n - 1);
  return last->y + last->height + BOTTOM_PAD;
}

/* Animation */

static double
row_progress (PfLadder *self,
              Row      *row)
{
  if (row->offset == NOT_ANIMATED)
    return 1.0;
  if (row->kind == ROW_ARROW)
    return CLAMP ((self->clock - row->offset) / self->flight, 0.0, 1.0);
  return self->clock >= row->offset ? 1.0 : 0.0;
}

/* The newest arrow on screen: while a step animates, the one that started
 * last. */
static Row *
highlighted_row (PfLadder *self)
{
  guint n = n_shown_rows (self);

  for (guint i = n; i > 0; i--)
    {
      Row *row = g_ptr_array_index (self->rows, i - 1);

      if (row->kind == ROW_ARROW && row_progress (self, row) > 0.0)
        return row;
    }
  return NULL;
}

static double
header_height (PfLadder *self)
{
  return self->header_h * self->zoom;
}

static double
page_height (PfLadder *self)
{
  return MAX (0.0, gtk_widget_get_height (GTK_WIDGET (self)) - header_height (self));
}

static void
update_adjustments (PfLadder *self)
{
  double width = gtk_widget_get_width (GTK_WIDGET (self));
  double page = page_height (self);
  double upper;

  if (self->hadjustment != NULL)
    gtk_adjustment_configure (self->hadjustment, 0, 0, width, width * 0.1, width * 0.9, width);

  if (self->vadjustment == NULL)
    return;
  upper = MAX (content_height (self) * self->zoom, page);
  gtk_adjustment_configure (self->vadjustment,
                            CLAMP (gtk_adjustment_get_value (self->vadjustment), 0, upper - page),
                            0, upper, 20 * self->zoom, page * 0.9, page);
}

/* Scrolls so that @row is in view, its bottom first. */
static void
scroll_to_row (PfLadder *self,
               Row      *row)
{
  double top, bottom, value, page;

  if (self->vadjustment == NULL || row == NULL)
    return;

  update_adjustments (self);
  top = (row->y - ROW_PAD) * self->zoom;
  bottom = (row->y + row->height + ROW_PAD) * self->zoom;
  value = gtk_adjustment_get_value (self->vadjustment);
  page = gtk_adjustment_get_page_size (self->vadjustment);
  if (bottom > value + page)
    value = bottom - page;
  if (top < value)
    value = top;
  gtk_adjustment_set_value (self->vadjustment, value);
}

/* Keeps the newest row on screen (the arrow moving now, the state
 * change it brought) in view. */
static void
follow_newest (PfLadder *self)
{
  Row *row = NULL;

  for (guint i = n_shown_rows (self); i > 0 && row == NULL; i--)
    {
      Row *candidate = g_ptr_array_index (self->rows, i - 1);

      if (row_progress (self, candidate) > 0.0)
        row = candidate;
    }
  if (row == NULL || (int) row->index == self->last_followed)
    return;
  self->last_followed = row->index;
  scroll_to_row (self, row);
}

static void
update_accessible (PfLadder *self)
{
  guint n = pf_ladder_get_n_arrows (self);
  g_autofree char *description =
    g_strdup_printf (ngettext ("%u segment sent", "%u segments sent", n), n);

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
  double speed = self->player ? pf_player_get_speed (self->player) : 1.0;

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

/* Everything drawn whole at once: after a step back, or unmapped. */
static void
pf_ladder_stop_animation (PfLadder *self)
{
  for (guint i = self->anim_first_row; i < self->anim_end_row && i < self->rows->len; i++)
    ((Row *) g_ptr_array_index (self->rows, i))->offset = NOT_ANIMATED;
  self->anim_first_row = self->anim_end_row = 0;
  self->clock = self->clock_end = 0;
  self->gap = STAGGER_S;
  self->flight = FLIGHT_S;
  self->last_start = -G_MAXDOUBLE / 2;
  g_hash_table_remove_all (self->landings);

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
  packet = pf_event_get_packet (row->event);
  return (packet->protocol == PF_IP_PROTOCOL_TCP || packet->protocol == PF_IP_PROTOCOL_UDP) &&
         ((Lane *) g_ptr_array_index (self->lanes, row->src_lane))->id != NULL &&
         ((Lane *) g_ptr_array_index (self->lanes, row->dst_lane))->id != NULL;
}

static Landing *
landing_for (PfLadder          *self,
             const PfFourTuple *tuple)
{
  Landing key = { *tuple, 0 };
  Landing *landing = g_hash_table_lookup (self->landings, &key);

  if (landing == NULL)
    {
      landing = g_new (Landing, 1);
      *landing = (Landing) { *tuple, -G_MAXDOUBLE };
      g_hash_table_add (self->landings, landing);
    }
  return landing;
}

/* When @row's packet leaves, at the earliest @earliest: @gap after the
 * one before, and after the last one the other way has landed. */
static double
schedule_packet (PfLadder *self,
                 Row      *row,
                 double    earliest,
                 double    previous)
{
  PfFourTuple tuple = pf_packet_get_four_tuple (pf_event_get_packet (row->event));
  PfFourTuple reverse = pf_four_tuple_reversed (&tuple);
  double start = MAX (earliest, previous + self->gap);
  Landing *mine;

  start = MAX (start, landing_for (self, &reverse)->at);
  mine = landing_for (self, &tuple);
  mine->at = MAX (mine->at, start + self->flight);
  row->offset = start;
  self->clock_end = MAX (self->clock_end, start + self->flight);
  return start;
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
  for (guint i = first; i < end; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (row_flies (self, row))
        {
          start = row->offset;
          landing = start + self->flight;
        }
      else
        {
          row->offset = row->kind == ROW_ARROW ? start : landing;
          self->clock_end = MAX (self->clock_end,
                                 row->offset + (row->kind == ROW_ARROW ? self->flight : 0));
        }
    }
}

/* The step's schedule, the stage's: at full time first, then faster or
 * closer together until it fits. */
static void
schedule_step (PfLadder *self,
               guint     first,
               guint     end)
{
  double factor, last = 0;
  gboolean any = FALSE;
  GHashTableIter iter;
  Landing *landing;

  self->gap = STAGGER_S;
  self->flight = FLIGHT_S;
  self->clock = self->clock_end = 0;
  g_hash_table_remove_all (self->landings);

  for (guint i = first; i < end; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (row_flies (self, row))
        {
          last = schedule_packet (self, row, 0, any ? last : -STAGGER_S);
          any = TRUE;
        }
    }

  if (self->clock_end > STEP_BUDGET_S)
    {
      factor = STEP_BUDGET_S / self->clock_end;
      if (factor >= MIN_FACTOR)
        {
          self->flight = FLIGHT_S * factor;
          self->gap = STAGGER_S * factor;
        }
      else
        {
          /* Too many to keep apart: they all leave within the window. */
          self->flight = FLIGHT_S * MIN_FACTOR;
          factor = last > 0 ? (STEP_WINDOW_S - self->flight) / last : 1;
          self->gap = STAGGER_S * factor;
        }

      g_hash_table_iter_init (&iter, self->landings);
      while (g_hash_table_iter_next (&iter, (gpointer *) &landing, NULL))
        landing->at *= factor;
      for (guint i = first; i < end; i++)
        {
          Row *row = g_ptr_array_index (self->rows, i);

          if (row_flies (self, row))
            row->offset *= factor;
        }
      last *= factor;
      self->clock_end = last + self->flight;
    }

  self->last_start = any ? last : -G_MAXDOUBLE / 2;
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
  guint first = rows_before (self, from);
  guint end = n_shown_rows (self);
  double start;

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
      start = self->last_start;
      for (guint i = first; i < end; i++)
        {
          Row *row = g_ptr_array_index (self->rows, i);

          if (row_flies (self, row))
            start = self->last_start = schedule_packet (self, row, self->clock, start);
        }
      schedule_others (self, first, end, self->clock, self->clock);
    }
  self->anim_end_row = end;
  ensure_tick (self);
}

/* What changed since the last look: a step shown anew animates, late
 * events of the step on screen join in. */
static void
sync_position (PfLadder *self)
{
  int step = self->player ? pf_player_get_step (self->player) : -1;
  guint position = self->player ? pf_player_get_position (self->player) : 0;
  guint step_start = self->player ? pf_player_get_step_start (self->player) : 0;
  gboolean restart;

  sync_rows (self);

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

  update_adjustments (self);
  follow_newest (self);
  update_accessible (self);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

static void
rebuild (PfLadder *self)
{
  const PfScenario *scenario = self->player ? pf_player_get_scenario (self->player) : NULL;
  PfTimeline *timeline = self->player ? pf_player_get_timeline (self->player) : NULL;

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

      add_lane (self, host->id, host->name, host->address);
    }

  self->style_valid = FALSE;   /* the header's height may change */
  self->shown_step = self->player ? pf_player_get_step (self->player) : -1;
  self->shown_position = self->player ? pf_player_get_position (self->player) : 0;
  self->shown_step_start = self->player ? pf_player_get_step_start (self->player) : 0;
  sync_rows (self);
  if (self->vadjustment != NULL)
    gtk_adjustment_set_value (self->vadjustment, 0);
  self->last_followed = -1;
  update_adjustments (self);
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
  if (self->timeline != pf_player_get_timeline (self->player))
    rebuild (self);
  else
    sync_position (self);
}

static void
on_selected_changed (PfLadder *self)
{
  PfEvent *selected = pf_player_get_selected (self->player);
  PfTimeline *timeline = self->timeline;

  /* A selection made elsewhere comes into view. */
  if (selected != NULL && timeline != NULL)
    {
      guint n = n_shown_rows (self);

      for (guint i = 0; i < n; i++)
        {
          Row *row = g_ptr_array_index (self->rows, i);

          if (row->kind == ROW_ARROW && row->event == selected)
            {
              scroll_to_row (self, row);
              break;
            }
        }
    }
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
    sync_rows (self);
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
  PfEvent *selected;
  guint n;
  int current = -1, target = -1;

  if (self->player == NULL || (keyval != GDK_KEY_Up && keyval != GDK_KEY_Down) ||
      (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)))
    return FALSE;

  selected = pf_player_get_selected (self->player);
  n = n_shown_rows (self);
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

  pf_player_set_selected (self->player, ((Row *) g_ptr_array_index (self->rows, target))->event);
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
  Row *row = index >= 0 ? arrow_row (self, index) : NULL;

  if (row == NULL || row->tooltip == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, row->tooltip);
  return TRUE;
}

/* Drawing */

static double
lane_x (PfLadder *self,
        int       lane,
        double    width)
{
  guint n = MAX (self->lanes->len, 1);

  if (lane < 0)
    return width / 2;
  return MARGIN_X + (width - 2 * MARGIN_X) * (lane + 0.5) / n;
}

/* The arrow's ends, in unzoomed content coordinates. */
static void
arrow_geometry (PfLadder *self,
                Row      *row,
                double    width,
                double   *x1,
                double   *x2,
                double   *y1)
{
  *x1 = lane_x (self, row->src_lane, width);
  *x2 = lane_x (self, row->dst_lane, width);
  if (row->src_lane == row->dst_lane)
    *x2 = *x1 + SELF_LOOP;
  *y1 = row->y + ROW_PAD + self->label_h + (row->excerpt ? self->mono_h : 0) + LABEL_GAP;
}

static gboolean
is_selected (PfLadder *self,
             Row      *row)
{
  return row->event != NULL && row->event == pf_player_get_selected (self->player);
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
static void
draw_lines (PfLadder    *self,
            GtkSnapshot *snapshot,
            double       width,
            double       top,
            double       bottom,
            guint        first,
            guint        end,
            Row         *highlighted,
            double       origin_y)
{
  double zoom = self->zoom;
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
      double x = round (lane_x (self, i, width)) + 0.25;

      cairo_move_to (cr, x, top);
      cairo_line_to (cr, x, bottom);
    }
  cairo_stroke (cr);

  for (guint i = first; i < end; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);
      double p = row_progress (self, row);
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

      arrow_geometry (self, row, width, &x1, &x2, &y1);
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
      row->label_layout = make_layout (self, self->label_font, row->label);
      pango_layout_set_ellipsize (row->label_layout, PANGO_ELLIPSIZE_END);
      pango_layout_set_alignment (row->label_layout, PANGO_ALIGN_CENTER);
      if (row->excerpt != NULL)
        {
          row->excerpt_layout = make_layout (self, self->mono_font, row->excerpt);
          pango_layout_set_ellipsize (row->excerpt_layout, PANGO_ELLIPSIZE_END);
          pango_layout_set_alignment (row->excerpt_layout, PANGO_ALIGN_CENTER);
        }
      if (row->src_port != NULL)
        {
          row->src_port_layout = make_layout (self, self->small_font, row->src_port);
          row->dst_port_layout = make_layout (self, self->small_font, row->dst_port);
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

  arrow_geometry (self, row, width, &x1, &x2, &y1);
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
      double x = lane_x (self, mark->lane, width);
      graphene_rect_t rect;
      int w, h;

      if (mark->index >= position)
        continue;
      if (mark->layout == NULL)
        mark->layout = make_layout (self, self->small_font, mark->text);

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
    row->label_layout = make_layout (self, self->small_font, row->label);
  pango_layout_get_pixel_size (row->label_layout, &w, &h);
  gtk_snapshot_append_color (snapshot, &self->bg,
                             &GRAPHENE_RECT_INIT (0, row->y + (row->height - h) / 2,
                                                  MARGIN_X + w + 2 * TAG_PAD_X, h));
  append_text (snapshot, row->label_layout, MARGIN_X + TAG_PAD_X,
               row->y + (row->height - h) / 2, &self->rule);
}

/* Behind everything: the selected and the newest row. */
static void
draw_bands (PfLadder    *self,
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

      if (row->kind != ROW_ARROW || row_progress (self, row) <= 0.0)
        continue;
      if (is_selected (self, row))
        {
          band = self->selection;
          band.alpha *= 0.22;
          append_rounded (snapshot, &rect, 6, &band, &self->selection);
        }
      else if (row == highlighted)
        {
          band = self->fg;
          band.alpha *= 0.07;
          append_rounded (snapshot, &rect, 6, &band, NULL);
        }
    }
}

static void
draw_texts (PfLadder    *self,
            GtkSnapshot *snapshot,
            double       width,
            guint        first,
            guint        end)
{
  guint position = pf_player_get_position (self->player);

  for (guint i = first; i < end; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);
      double p = row_progress (self, row);

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

static void
draw_header (PfLadder    *self,
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
      double left = lane_x (self, i, width) - column / 2;
      double y = HEADER_PAD;

      if (lane->name_layout == NULL)
        {
          lane->name_layout = make_layout (self, self->name_font, lane->name);
          lane->address_layout = make_layout (self, self->small_font, lane->address_text);
          pango_layout_set_ellipsize (lane->name_layout, PANGO_ELLIPSIZE_END);
          pango_layout_set_alignment (lane->name_layout, PANGO_ALIGN_CENTER);
          pango_layout_set_alignment (lane->address_layout, PANGO_ALIGN_CENTER);
          if (lane->here != NULL)
            {
              lane->here_layout = make_layout (self, self->small_font, lane->here);
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

static void
pf_ladder_snapshot (GtkWidget   *widget,
                    GtkSnapshot *snapshot)
{
  PfLadder *self = PF_LADDER (widget);
  double zoom = self->zoom;
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  double logical_width = width / zoom;
  double header, value, top, bottom;
  guint n, first, end;
  Row *highlighted;

  if (self->player == NULL || pf_player_get_scenario (self->player) == NULL ||
      self->lanes->len == 0 || width <= 0 || height <= 0)
    return;

  ensure_style (self);
  header = header_height (self);
  value = self->vadjustment ? gtk_adjustment_get_value (self->vadjustment) : 0;
  top = value / zoom;
  bottom = (value + height - header) / zoom;
  n = n_shown_rows (self);
  first = row_at_y (self, top, n);
  end = first;
  while (end < n && ((Row *) g_ptr_array_index (self->rows, end))->y < bottom)
    end++;
  highlighted = highlighted_row (self);

  gtk_snapshot_push_clip (snapshot,
                          &GRAPHENE_RECT_INIT (0, header, width, MAX (0, height - header)));

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, header - value));
  gtk_snapshot_scale (snapshot, zoom, zoom);
  draw_bands (self, snapshot, logical_width, first, end, highlighted);
  gtk_snapshot_restore (snapshot);

  if (bottom > top)
    draw_lines (self, snapshot, logical_width, top, bottom, first, end, highlighted,
                header - value);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, header - value));
  gtk_snapshot_scale (snapshot, zoom, zoom);
  draw_texts (self, snapshot, logical_width, first, end);
  gtk_snapshot_restore (snapshot);

  gtk_snapshot_pop (snapshot);

  gtk_snapshot_save (snapshot);
  gtk_snapshot_scale (snapshot, zoom, zoom);
  draw_header (self, snapshot, logical_width);
  gtk_snapshot_restore (snapshot);
}

/* GtkWidget */

static void
pf_ladder_measure (GtkWidget      *widget,
                   GtkOrientation  orientation,
                   int             for_size,
                   int            *minimum,
                   int            *natural,
                   int            *minimum_baseline,
                   int            *natural_baseline)
{
  PfLadder *self = PF_LADDER (widget);
  guint lanes = MAX (self->lanes->len, 2);

  ensure_style (self);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      /* Lanes narrow past MIN_WIDTH_LANES: a scenario with a hundred
       * hosts must not make the window a hundred lanes wide. */
      *minimum = (int) ceil (MIN (lanes, MIN_WIDTH_LANES) * LANE_MIN_WIDTH * self->zoom);
      *natural = (int) ceil (MIN (lanes, MIN_WIDTH_LANES) * LANE_NATURAL_WIDTH * self->zoom);
    }
  else
    {
      *minimum = (int) ceil (header_height (self) + 40 * self->zoom);
      *natural = MAX (*minimum,
                      (int) ceil (header_height (self) + content_height (self) * self->zoom));
    }
}

static void
pf_ladder_size_allocate (GtkWidget *widget,
                         int        width,
                         int        height,
                         int        baseline)
{
  update_adjustments (PF_LADDER (widget));
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
  update_adjustments (self);
}

static gboolean
pf_ladder_get_border (GtkScrollable *scrollable,
                      GtkBorder     *border)
{
  PfLadder *self = PF_LADDER (scrollable);

  ensure_style (self);
  border->top = (gint16) ceil (header_height (self));
  return TRUE;
}

static void
pf_ladder_scrollable_init (GtkScrollableInterface *iface)
{
  iface->get_border = pf_ladder_get_border;
}

/* GObject */

static void
pf_ladder_dispose (GObject *object)
{
  PfLadder *self = PF_LADDER (object);

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  if (self->player_signals != NULL)
    g_signal_group_set_target (self->player_signals, NULL);
  if (self->timeline_signals != NULL)
    g_signal_group_set_target (self->timeline_signals, NULL);
  g_clear_object (&self->player_signals);
  g_clear_object (&self->timeline_signals);
  g_clear_object (&self->player);
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
  g_clear_pointer (&self->landings, g_hash_table_unref);
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
    case PROP_PLAYER:
      g_value_set_object (value, self->player);
      break;
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
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
    case PROP_PLAYER:
      pf_ladder_set_player (self, g_value_get_object (value));
      break;
    case PROP_ZOOM:
      pf_ladder_set_zoom (self, g_value_get_double (value));
      break;
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
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_ladder_class_init (PfLadderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

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

  properties[PROP_PLAYER] =
    g_param_spec_object ("player", NULL, NULL, PF_TYPE_PLAYER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, PF_LADDER_MIN_ZOOM, PF_LADDER_MAX_ZOOM, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_object_class_override_property (object_class, PROP_HADJUSTMENT, "hadjustment");
  g_object_class_override_property (object_class, PROP_VADJUSTMENT, "vadjustment");
  g_object_class_override_property (object_class, PROP_HSCROLL_POLICY, "hscroll-policy");
  g_object_class_override_property (object_class, PROP_VSCROLL_POLICY, "vscroll-policy");

  gtk_widget_class_set_css_name (widget_class, "ladder");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
pf_ladder_init (PfLadder *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkEventController *keys = gtk_event_controller_key_new ();

  self->zoom = 1.0;
  self->gap = STAGGER_S;
  self->flight = FLIGHT_S;
  self->last_start = -G_MAXDOUBLE / 2;
  self->shown_step = -1;
  self->last_followed = -1;
  self->lanes = g_ptr_array_new_with_free_func (lane_free);
  self->rows = g_ptr_array_new_with_free_func (row_free);
  self->lanes_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->lanes_by_address = g_hash_table_new (NULL, NULL);
  self->seq_bases = g_hash_table_new_full (tuple_key_hash, tuple_key_equal, g_free, NULL);
  self->landings = g_hash_table_new_full (tuple_key_hash, tuple_key_equal, g_free, NULL);

  self->player_signals = g_signal_group_new (PF_TYPE_PLAYER);
  g_signal_group_connect_swapped (self->player_signals, "notify::engine",
                                  G_CALLBACK (on_engine_changed), self);
  g_signal_group_connect_swapped (self->player_signals, "notify::step",
                                  G_CALLBACK (on_position_changed), self);
  g_signal_group_connect_swapped (self->player_signals, "notify::position",
                                  G_CALLBACK (on_position_changed), self);
  g_signal_group_connect_swapped (self->player_signals, "notify::selected",
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

PfPlayer *
pf_ladder_get_player (PfLadder *self)
{
  g_return_val_if_fail (PF_IS_LADDER (self), NULL);
  return self->player;
}

void
pf_ladder_set_player (PfLadder *self,
                      PfPlayer *player)
{
  g_return_if_fail (PF_IS_LADDER (self));
  g_return_if_fail (player == NULL || PF_IS_PLAYER (player));

  if (!g_set_object (&self->player, player))
    return;

  g_signal_group_set_target (self->player_signals, player);
  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYER]);
}

double
pf_ladder_get_zoom (PfLadder *self)
{
  g_return_val_if_fail (PF_IS_LADDER (self), 1.0);
  return self->zoom;
}

/* Text and drawing scale together; the same part of the run stays in view. */
void
pf_ladder_set_zoom (PfLadder *self,
                    double    zoom)
{
  double old;

  g_return_if_fail (PF_IS_LADDER (self));

  zoom = CLAMP (zoom, PF_LADDER_MIN_ZOOM, PF_LADDER_MAX_ZOOM);
  if (G_APPROX_VALUE (self->zoom, zoom, 1e-9))
    return;

  old = self->zoom;
  self->zoom = zoom;
  if (self->vadjustment != NULL)
    {
      double value = gtk_adjustment_get_value (self->vadjustment) * zoom / old;

      update_adjustments (self);
      gtk_adjustment_set_value (self->vadjustment, value);
    }
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

/* The arrows in the history on screen, drawn or about to be. */
guint
pf_ladder_get_n_arrows (PfLadder *self)
{
  guint n;
  Row *last;

  g_return_val_if_fail (PF_IS_LADDER (self), 0);

  if (self->player == NULL || (n = n_shown_rows (self)) == 0)
    return 0;
  last = g_ptr_array_index (self->rows, n - 1);
  return last->arrows_before + (last->kind == ROW_ARROW ? 1 : 0);
}

/* The timeline position of the highlighted arrow: the newest one drawn
 * (while a step animates, the one that started last), or -1. */
int
pf_ladder_get_highlighted (PfLadder *self)
{
  Row *row;

  g_return_val_if_fail (PF_IS_LADDER (self), -1);

  row = self->player ? highlighted_row (self) : NULL;
  return row ? (int) row->index : -1;
}

gboolean
pf_ladder_get_animating (PfLadder *self)
{
  g_return_val_if_fail (PF_IS_LADDER (self), FALSE);
  return self->tick_id != 0;
}

/* The timeline position of the arrow at (@x, @y) in widget coordinates,
 * or -1. Arrows not drawn yet are not there. */
int
pf_ladder_hit_test (PfLadder *self,
                    double    x,
                    double    y)
{
  double header, cx, cy, x1, x2, y1;
  guint n, i;
  Row *row;

  g_return_val_if_fail (PF_IS_LADDER (self), -1);

  if (self->player == NULL)
    return -1;
  ensure_style (self);
  header = header_height (self);
  if (y < header)
    return -1;

  cx = x / self->zoom;
  cy = (y - header + (self->vadjustment ? gtk_adjustment_get_value (self->vadjustment) : 0)) /
       self->zoom;
  n = n_shown_rows (self);
  i = row_at_y (self, cy, n);
  if (i >= n)
    return -1;

  row = g_ptr_array_index (self->rows, i);
  if (row->kind != ROW_ARROW || cy < row->y || row_progress (self, row) <= 0.0)
    return -1;
  arrow_geometry (self, row, gtk_widget_get_width (GTK_WIDGET (self)) / self->zoom, &x1, &x2, &y1);
  if (cx < MIN (x1, x2) - HIT_SLOP || cx > MAX (x1, x2) + HIT_SLOP)
    return -1;
  return row->index;
}

/* Where the arrow of timeline position @index is, in widget coordinates
 * (it may be scrolled out of view). */
gboolean
pf_ladder_get_arrow_bounds (PfLadder        *self,
                            guint            index,
                            graphene_rect_t *out_bounds)
{
  double x1, x2, y1, value;
  Row *row;

  g_return_val_if_fail (PF_IS_LADDER (self), FALSE);
  g_return_val_if_fail (out_bounds != NULL, FALSE);

  if (self->player == NULL || index >= pf_player_get_position (self->player) ||
      (row = arrow_row (self, index)) == NULL)
    return FALSE;

  ensure_style (self);
  value = self->vadjustment ? gtk_adjustment_get_value (self->vadjustment) : 0;
  arrow_geometry (self, row, gtk_widget_get_width (GTK_WIDGET (self)) / self->zoom, &x1, &x2, &y1);
  graphene_rect_init (out_bounds,
                      MIN (x1, x2) * self->zoom,
                      header_height (self) + row->y * self->zoom - value,
                      fabs (x2 - x1) * self->zoom,
                      row->height * self->zoom);
  return TRUE;
}

/* What a click does: selects the arrow's segment everywhere, or clears
 * the selection on empty space. Returns whether an arrow was hit. */
gboolean
pf_ladder_select_at (PfLadder *self,
                     double    x,
                     double    y)
{
  int index;

  g_return_val_if_fail (PF_IS_LADDER (self), FALSE);

  if (self->player == NULL || self->timeline == NULL)
    return FALSE;

  index = pf_ladder_hit_test (self, x, y);
  pf_player_set_selected (self->player,
                          index >= 0 ? pf_timeline_get_event (self->timeline, index) : NULL);
  return index >= 0;
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
      double p = row_progress (self, row);

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
