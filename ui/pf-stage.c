/* pf-stage.c: the hosts, their ports, the connections and the packets moving
 *
 * The stage draws what the player has on screen: every host of the
 * scenario as a card (a pictogram of its kind, its name, its address, its
 * DNS names) with its listening ports as plugs on the card's edge; every
 * connection of the history [0, position) as a line from the client's
 * card to the server's plug, labelled with its 4-tuple; and the segments
 * of the step on screen [step_start, position) as envelopes flying along
 * those lines, one after the other, several at once.
 *
 * What it draws is cached: text layouts when the model or the font
 * changes, fractions of the stage when the model changes, geometry when
 * the size, the zoom or a host's place changes, and the still picture
 * (lines, labels, cards) as one render node when any of those or the
 * position changes; for GTK's cairo renderer, which would draw that node
 * anew every frame, as an image of its visible part too. A frame only
 * adds the envelopes in flight, each an image made once for all
 * envelopes that look alike (see PfStagePicture), so a frame costs little with
 * any renderer, the cairo one included. The tick callback runs only
 * while an envelope flies.
 *
 * Coordinates: the stage's own units are pixels at zoom 1. At zoom 1 the
 * world is the widget's size, or the room the hosts need if that is
 * larger, and then everything is drawn smaller so that it fits; the zoom
 * scales from there, and where the world is larger than the widget the
 * stage pans. A host's centre is a fraction of the world, moved in where
 * its card would cross the edge, so a resized window keeps the picture.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-stage"

#include "config.h"

#include "pf-stage.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

/* Sizes in stage units (pixels at zoom 1). */
#define CARD_PAD        10.0
#define CARD_RADIUS     10.0
#define CARD_MIN_WIDTH  150.0
#define CARD_TEXT_WIDTH 240    /* where a long name wraps */
#define ICON_SIZE       32.0
#define ICON_GAP        10.0
#define PLUG_WIDTH      12.0
#define PLUG_HEIGHT     14.0
#define PLUG_ROW_PAD    6.0
#define STAGE_MARGIN    16.0
#define GAP_X           72.0   /* room between two cards side by side, */
                               /* or a connection label's width */
#define GAP_Y           36.0   /* and one above the other */
#define LINE_WIDTH      2.0
#define SELECTED_WIDTH  4.0
#define LABEL_PAD_X     6.0
#define LABEL_PAD_Y     3.0
#define ENVELOPE_HEIGHT 22.0
#define ENVELOPE_ICON_W 14.0
#define ENVELOPE_ICON_H 10.0
#define PAIR_RULE_MAX   400    /* above, spacing by grid estimate only */
#define MAX_ARTS        512    /* envelope pictures kept */

/* Times in seconds at speed 1. An envelope flies FLIGHT_TIME; the next
 * one the same way leaves STAGGER later; one the other way leaves when
 * the last one it could answer has landed (on lo, a reply is sent after
 * what it answers arrived). A step's envelopes all land within
 * STEP_BUDGET, the player's pause between steps when it plays, by flying
 * faster (down to MIN_FACTOR of the time); a step with many more start
 * within STEP_WINDOW, and then several fly at once. */
#define FLIGHT_TIME     1.0
#define STAGGER         0.35
#define STEP_BUDGET     1.9
#define MIN_FACTOR      0.55
#define STEP_WINDOW     3.0
#define PARKED_AT       0.72   /* where a selected envelope waits, */
#define PARKED_MAX      0.9    /* at the furthest */

typedef enum
{
  KIND_HANDSHAKE,
  KIND_DATA,
  KIND_ACK,
  KIND_TEARDOWN,
  KIND_RESET,
  KIND_UDP,
  KIND_OTHER,
  N_KINDS
} PfStagePacketKind;

static const char * const kind_names[N_KINDS] = {
  "handshake", "data", "ack", "teardown", "reset", "udp", "other",
};

typedef enum
{
  ICON_LAPTOP,
  ICON_DESKTOP,
  ICON_SERVER,
  ICON_PHONE,
  ICON_ROUTER,
  N_ICONS
} PfStageIconKind;

typedef struct
{
  GdkRGBA fg;
  GdkRGBA card_base;
  GdkRGBA card_bg;
  GdkRGBA card_border;
  GdkRGBA plug;
  GdkRGBA line;
  GdkRGBA label_bg;
  GdkRGBA selection;
  GdkRGBA kinds[N_KINDS];
} PfStageColors;

typedef struct
{
  guint    index;      /* TCP: a timeline position; UDP: a step */
  gboolean listening;
} PfStagePlugChange;

typedef struct
{
  const PfService *service;
  guint16          real_port;
  PangoLayout     *layout_on;   /* listening */
  PangoLayout     *layout_off;  /* not listening */
  int              text_h;
  double           row_y;       /* the row's centre, from the card's top */
  GArray          *changes;     /* PfStagePlugChange, in order */
  gboolean         listening;   /* at the position on screen */
} PfStagePlug;

typedef struct
{
  const PfHost   *host;
  PfStageIconKind icon;
  PfIpv4          real_address;
  PangoLayout    *text;
  GPtrArray      *plugs;       /* PfStagePlug* */
  double          w, h;        /* the card */
  double          header_h;
  double          fx, fy;      /* where its centre is, fractions */
  double          x, y;        /* its top-left, stage units */
  gboolean        plugs_left;  /* plugs on the left edge */
} PfStageHost;

typedef struct
{
  PfFourTuple canon;           /* the lower endpoint first */
  guint       udp;
} PfStageConnKey;

typedef struct
{
  PfStageConnKey   key;
  PfFourTuple      tuple;      /* as the kernel has it, client → server */
  gboolean         udp;
  guint            first_index;
  int              client;     /* host index, -1: no host of the scenario */
  int              server;
  int              plug;       /* in the server's plugs, -1: none */
  guint            lane;       /* among the connections of the same hosts */
  PangoLayout     *wide;       /* the 4-tuple on one line */
  PangoLayout     *narrow;     /* on two, where one does not fit */
  PangoLayout     *label;      /* the one shown */
  int              label_w, label_h;
  int              wide_w, wide_h, narrow_w, narrow_h;
  graphene_point_t p0, c, p2;  /* a quadratic curve, client to server */
  graphene_point_t label_at;   /* the label's centre, on the curve */
  double           lands[2];   /* scheduling: when the last envelope lands,
                                * [0] server to client, [1] client to server */
} PfStageConn;

/* A drawing made once and shown often: an image of it at the scale on
 * screen is one cheap copy a frame, where its node would be drawn anew.
 * The image is a texture, or a cairo surface for GTK's cairo renderer:
 * GTK 4.8's cairo renderer converts every pixel of a texture through
 * floats each time it draws one, and copies a surface as it is. */
typedef struct
{
  GskRenderNode   *node;
  GdkTexture      *texture;
  cairo_surface_t *surface;
  double           image_scale;
  graphene_rect_t  image_pixels;  /* the node's units times image_scale */
} PfStagePicture;

typedef struct
{
  PfStagePicture picture;
  double         w, h;         /* the envelope, without its tag */
} PfStageArt;

typedef struct
{
  PfEvent     *event;
  PfStageConn *conn;
  gboolean     forward;        /* client to server */
  double       start;          /* animation seconds */
  char        *art_key;
  PfStageArt  *art;            /* owned by the stage's arts */
} PfStageFlight;

typedef enum
{
  DRAG_NONE,
  DRAG_HOST,
  DRAG_PAN,
} PfStageDragMode;

/* How wide or how tall the world must be to keep two hosts apart. */
typedef struct
{
  double w;
  double h;
} PfStagePairWorld;

struct _PfStage
{
  GtkWidget       parent_instance;

  PfPlayer       *player;
  GSignalGroup   *player_signals;
  GSignalGroup   *timeline_signals;
  double          zoom;
  double          speed;
  double          pan_x, pan_y;  /* from the centred place, in pixels */

  /* The run on screen. */
  PfEngine       *engine;        /* weak: a new one is a new run */
  PfScenario     *scenario;      /* a reference, so host pointers hold */
  GPtrArray      *hosts;         /* PfStageHost* */
  GHashTable     *host_by_address;
  GPtrArray      *conns;         /* PfStageConn*, in order of first appearance */
  GHashTable     *conn_by_key;
  GHashTable     *lanes;         /* host pair → connections so far */
  guint           scanned;       /* events [0, scanned) were read */
  guint           position;
  int             step;
  guint           step_start;
  guint           n_visible;     /* conns[0, n_visible) are in the history */
  guint           n_connections; /* of those, the ones between two hosts */

  /* The step's envelopes. */
  GArray         *flights;       /* PfStageFlight */
  guint           first_live;
  double          gap;
  double          flight_time;
  double          anim_time;
  double          anim_end;
  gint64          last_frame;
  guint           tick_id;
  GHashTable     *arts;          /* key → PfStageArt* */

  /* The selection. */
  PfStageConn    *selected_conn;
  PfEvent        *parked;        /* selected, drawn waiting when not flying */
  PfStageConn    *parked_conn;
  gboolean        parked_forward;
  PfStageArt     *parked_art;

  /* Caches. */
  PfStageColors   colors;
  gboolean        have_colors;
  guint           pango_serial;
  PfStagePicture  icons[N_ICONS];
  int             scale_factor;
  PfStagePicture  scene;         /* a picture only with the cairo renderer */
  gboolean        scene_dirty;
  gboolean        geometry_dirty;
  int             geometry_w, geometry_h;
  int             geometry_scale_factor;
  double          geometry_zoom;
  double          world_w, world_h;
  double          min_world_w, min_world_h;
  double          base_world_w, base_world_h;  /* the largest card, with margins */
  GArray         *pair_worlds;   /* PfStagePairWorld, each pair of hosts */
  double          scale;         /* the zoom times what makes the world fit */
  double          origin_x, origin_y;

  /* Input. */
  PfStageDragMode drag_mode;
  int             drag_host;
  double          drag_dx, drag_dy;  /* pointer to host centre */
  double          drag_pan_x, drag_pan_y;
  gboolean        drag_claimed;
  PfEvent        *pressed;
  const char     *cursor;
};

G_DEFINE_FINAL_TYPE (PfStage, pf_stage, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_PLAYER,
  PROP_ZOOM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void pf_stage_sync (PfStage *self);

/* Small helpers */

static PfStagePacketKind
packet_kind (const PfPacket *packet)
{
  const char *name = pf_packet_kind (packet);

  for (guint i = 0; i < N_KINDS; i++)
    if (g_str_equal (name, kind_names[i]))
      return i;
  return KIND_OTHER;
}

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

static PfStageHost *
host_at (PfStage *self,
         guint    index)
{
  return g_ptr_array_index (self->hosts, index);
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

static PangoLayout *
layout_new (PfStage    *self,
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

static void
host_free (PfStageHost *host)
{
  g_clear_object (&host->text);
  g_clear_pointer (&host->plugs, g_ptr_array_unref);
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
  host->text = layout_new (self, markup->str);
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
      plug->layout_on = layout_new (self, on);
      plug->layout_off = layout_new (self, off);
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
          PfStageHost *host = host_at (self, i);

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
      PfStageHost *host = host_at (self, i);

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
static double
place (double fraction,
       double world,
       double half)
{
  double lo = half + STAGE_MARGIN;
  double hi = world - half - STAGE_MARGIN;

  if (hi < lo)
    return world / 2;
  return CLAMP (fraction * world, lo, hi);
}

static double
half_width (const PfStageHost *host)
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
      if (fabs (place (fa, world, ha) - place (fb, world, hb)) >= need - 1e-6)
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
      PfStageHost *host = host_at (self, i);
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
  layout = layout_new (self, markup);
  pango_layout_get_pixel_extents (layout, NULL, &logical);
  return logical.width;
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
      max_w = MAX (max_w, 2 * half_width (host_at (self, i)));
      max_h = MAX (max_h, host_at (self, i)->h);
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
        PfStageHost *a = host_at (self, i);
        PfStageHost *b = host_at (self, j);
        double dfx = fabs (a->fx - b->fx);
        double dfy = fabs (a->fy - b->fy);
        PfStagePairWorld pair = { G_MAXDOUBLE, G_MAXDOUBLE };

        if (dfx < 1e-6 && dfy < 1e-6)
          continue;
        if (dfx >= 1e-6)
          pair.w = pair_world (a->fx, half_width (a), b->fx, half_width (b),
                               half_width (a) + half_width (b) + gap_x);
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

static void
conn_free (PfStageConn *conn)
{
  g_clear_object (&conn->wide);
  g_clear_object (&conn->narrow);
  g_free (conn);
}

static guint
conn_key_hash (gconstpointer key)
{
  const PfStageConnKey *k = key;

  return pf_four_tuple_hash (&k->canon) ^ k->udp;
}

static gboolean
conn_key_equal (gconstpointer a,
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

static PfStageConn *
lookup_conn (PfStage           *self,
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

  layout = layout_new (self, markup->str);
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
}

static gboolean
endpoint_is_service (PfStage          *self,
                     const PfEndpoint *endpoint,
                     gboolean          udp)
{
  int h = host_for_address (self, endpoint->address);

  return h >= 0 &&
         pf_host_find_service (host_at (self, h)->host,
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
  PfStageConn *conn = lookup_conn (self, tuple, udp);
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
  conn->client = host_for_address (self, conn->tuple.src.address);
  conn->server = host_for_address (self, conn->tuple.dst.address);
  conn->plug = conn->server >= 0
               ? find_plug (host_at (self, conn->server), udp, unmap_port (self, conn->tuple.dst.port))
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

static gboolean
conn_drawable (const PfStageConn *conn)
{
  return conn->client >= 0 && conn->server >= 0;
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

  if (h < 0 || (p = find_plug (host_at (self, h), FALSE, unmap_port (self, tuple->src.port))) < 0)
    return;

  plug = g_ptr_array_index (host_at (self, h)->plugs, p);
  g_array_append_val (plug->changes, change);
}

/* Reads the events [scanned, @upto): connections and listeners. */
static void
scan_events (PfStage *self,
             guint    upto)
{
  PfTimeline *timeline = pf_player_get_timeline (self->player);

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
              find_or_add_conn (self, i, tuple, udp,
                                pf_event_get_state (event) != PF_TCP_STATE_SYN_RECV);
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

        case PF_EVENT_STEP:
        case PF_EVENT_DELIVER:
        case PF_EVENT_ERROR:
        default:
          break;
        }
    }

  self->scanned = MAX (self->scanned, upto);
}

/* Envelopes */

static void
flight_clear (PfStageFlight *flight)
{
  g_clear_object (&flight->event);
  g_clear_pointer (&flight->art_key, g_free);
}

static void
picture_clear (PfStagePicture *picture)
{
  g_clear_pointer (&picture->node, gsk_render_node_unref);
  g_clear_object (&picture->texture);
  g_clear_pointer (&picture->surface, cairo_surface_destroy);
}

static GskRenderer *
stage_renderer (PfStage *self)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));

  return native ? gtk_native_get_renderer (native) : NULL;
}

/* @bounds at @scale, out to whole pixels. */
static void
to_pixels (const graphene_rect_t *bounds,
           double                 scale,
           graphene_rect_t       *out)
{
  double x0 = floor (bounds->origin.x * scale);
  double y0 = floor (bounds->origin.y * scale);

  graphene_rect_init (out, x0, y0,
                      ceil ((bounds->origin.x + bounds->size.width) * scale) - x0,
                      ceil ((bounds->origin.y + bounds->size.height) * scale) - y0);
}

/* The image of @picture's node within @pixels (at @scale). */
static void
render_picture (PfStage               *self,
                PfStagePicture        *picture,
                double                 scale,
                const graphene_rect_t *pixels)
{
  GskRenderer *renderer = stage_renderer (self);

  g_clear_object (&picture->texture);
  g_clear_pointer (&picture->surface, cairo_surface_destroy);
  if (renderer == NULL || pixels->size.width < 1 || pixels->size.height < 1)
    return;

  if (GSK_IS_CAIRO_RENDERER (renderer))
    {
      cairo_t *cr;

      picture->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, pixels->size.width,
                                                     pixels->size.height);
      if (cairo_surface_status (picture->surface) != CAIRO_STATUS_SUCCESS)
        {
          g_clear_pointer (&picture->surface, cairo_surface_destroy);
          return;
        }
      cr = cairo_create (picture->surface);
      cairo_translate (cr, -pixels->origin.x, -pixels->origin.y);
      cairo_scale (cr, scale, scale);
      gsk_render_node_draw (picture->node, cr);
      cairo_destroy (cr);
    }
  else
    {
      /* At scale 1 the transform is NULL, the identity. */
      g_autoptr(GskTransform) transform = gsk_transform_scale (NULL, scale, scale);
      GskRenderNode *scaled = transform ? gsk_transform_node_new (picture->node, transform)
                                        : gsk_render_node_ref (picture->node);

      picture->texture = gsk_renderer_render_texture (renderer, scaled, pixels);
      gsk_render_node_unref (scaled);
    }
  picture->image_scale = scale;
  picture->image_pixels = *pixels;
}

/* Shows @picture with its origin at (@x, @y), stage units, on whole
 * device pixels so that its image is copied as it is; only the part
 * within @visible when that is given. @unit is the snapshot's units per
 * stage unit: 1 in the still scene, which is shown scaled, or the scale
 * where the snapshot is in the widget's units, as a cairo surface needs
 * (GTK 4.8's cairo renderer resamples a cairo node drawn under a scale
 * and loses a pixel at its edges). */
static void
append_picture (PfStage               *self,
                GtkSnapshot           *snapshot,
                PfStagePicture        *picture,
                double                 x,
                double                 y,
                double                 unit,
                const graphene_rect_t *visible)
{
  double device = self->scale * self->scale_factor;
  graphene_rect_t wanted, pixels, at;

  if (picture->node == NULL)
    return;

  gsk_render_node_get_bounds (picture->node, &wanted);
  if (visible != NULL && !graphene_rect_intersection (&wanted, visible, &wanted))
    return;
  to_pixels (&wanted, device, &pixels);
  if ((picture->texture == NULL && picture->surface == NULL) || picture->image_scale != device ||
      !graphene_rect_contains_rect (&picture->image_pixels, &pixels))
    render_picture (self, picture, device, &pixels);

  if (picture->texture == NULL && picture->surface == NULL)
    {
      gtk_snapshot_save (snapshot);
      gtk_snapshot_scale (snapshot, unit, unit);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
      gtk_snapshot_append_node (snapshot, picture->node);
      gtk_snapshot_restore (snapshot);
      return;
    }

  /* Whole device pixels from the stage's origin, which is on one. */
  x = round (x * device) * unit / device;
  y = round (y * device) * unit / device;
  graphene_rect_init (&at,
                      x + picture->image_pixels.origin.x * unit / device,
                      y + picture->image_pixels.origin.y * unit / device,
                      picture->image_pixels.size.width * unit / device,
                      picture->image_pixels.size.height * unit / device);
  if (picture->surface != NULL)
    {
      GskRenderNode *node;
      cairo_t *cr;

      g_assert (unit == self->scale);
      node = gsk_cairo_node_new (&at);
      cr = gsk_cairo_node_get_draw_context (node);
      cairo_translate (cr, at.origin.x, at.origin.y);
      cairo_scale (cr, 1.0 / self->scale_factor, 1.0 / self->scale_factor);
      cairo_set_source_surface (cr, picture->surface, 0, 0);
      cairo_paint (cr);
      cairo_destroy (cr);
      gtk_snapshot_append_node (snapshot, node);
      gsk_render_node_unref (node);
    }
  else
    gtk_snapshot_append_texture (snapshot, picture->texture, &at);
}

static void
art_free (PfStageArt *art)
{
  picture_clear (&art->picture);
  g_free (art);
}

static char *
packet_label (const PfPacket *packet)
{
  guint len = pf_packet_get_payload_length (packet);

  if (pf_packet_is_fragment (packet))
    return g_strdup (_("fragment"));
  if (packet->protocol == PF_IP_PROTOCOL_UDP)
    return len > 0 ? pf_packet_payload_excerpt (packet, 14) : g_strdup ("UDP");
  if (packet->protocol != PF_IP_PROTOCOL_TCP)
    return g_strdup ("IP");
  if (len > 0 && !(packet->flags & (PF_TCP_SYN | PF_TCP_FIN | PF_TCP_RST)))
    return pf_packet_payload_excerpt (packet, 14);
  return pf_packet_flags_to_string (packet->flags);
}

static char *
art_key_for (const PfPacket *packet)
{
  g_autofree char *label = packet_label (packet);

  return g_strdup_printf ("%d\x1f%d\x1f%s", packet_kind (packet),
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
static PfStageArt *
art_new (PfStage        *self,
         const PfPacket *packet)
{
  const PfStageColors *colors = &self->colors;
  PfStagePacketKind kind = packet_kind (packet);
  gboolean modelled = packet->origin == PF_PACKET_ORIGIN_MODELLED;
  g_autofree char *label = packet_label (packet);
  g_autofree char *markup = g_markup_printf_escaped ("<span size=\"small\" weight=\"bold\">%s</span>", label);
  g_autoptr(PangoLayout) layout = layout_new (self, markup);
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
      g_autoptr(PangoLayout) tag = layout_new (self, tag_markup);
      PangoRectangle t;
      graphene_rect_t bg;
      GskRoundedRect rounded;

      pango_layout_get_pixel_extents (tag, NULL, &t);
      bg = GRAPHENE_RECT_INIT ((art->w - t.width) / 2 - 4, art->h + 2, t.width + 8, t.height);
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

static PfStageArt *
get_art (PfStage        *self,
         const char     *key,
         const PfPacket *packet)
{
  PfStageArt *art = g_hash_table_lookup (self->arts, key);

  if (art == NULL)
    {
      art = art_new (self, packet);
      g_hash_table_insert (self->arts, g_strdup (key), art);
    }
  return art;
}

static void
clear_arts (PfStage *self)
{
  for (guint i = 0; i < self->flights->len; i++)
    g_array_index (self->flights, PfStageFlight, i).art = NULL;
  self->parked_art = NULL;
  g_hash_table_remove_all (self->arts);
}

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  PfStage *self = PF_STAGE (widget);
  gint64 now = gdk_frame_clock_get_frame_time (clock);

  if (self->last_frame != 0)
    self->anim_time += (now - self->last_frame) / (double) G_USEC_PER_SEC * self->speed;
  self->last_frame = now;

  gtk_widget_queue_draw (widget);

  if (self->anim_time >= self->anim_end)
    {
      self->tick_id = 0;
      self->last_frame = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
stop_tick (PfStage *self)
{
  if (self->tick_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
  self->tick_id = 0;
  self->last_frame = 0;
}

static void
ensure_tick (PfStage *self)
{
  if (self->tick_id == 0 && self->anim_time < self->anim_end)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_tick, NULL, NULL);
}

/* When flight @f can leave, at the earliest @earliest: after the one
 * before it, and after what it could answer has landed. */
static double
flight_schedule (PfStage       *self,
                 PfStageFlight *f,
                 double         earliest,
                 double         previous)
{
  double start = MAX (earliest, previous + self->gap);

  start = MAX (start, f->conn->lands[f->forward ? 0 : 1]);
  f->start = start;
  f->conn->lands[f->forward ? 1 : 0] = MAX (f->conn->lands[f->forward ? 1 : 0],
                                            start + self->flight_time);
  self->anim_end = MAX (self->anim_end, start + self->flight_time);
  return start;
}

/* The step's whole schedule: at full time first, then faster or closer
 * together until it fits. */
static void
schedule_flights (PfStage *self)
{
  double factor, last = 0;

  for (guint i = 0; i < self->conns->len; i++)
    {
      PfStageConn *conn = g_ptr_array_index (self->conns, i);

      conn->lands[0] = conn->lands[1] = -G_MAXDOUBLE;
    }

  self->gap = STAGGER;
  self->flight_time = FLIGHT_TIME;
  self->anim_end = 0;
  for (guint i = 0; i < self->flights->len; i++)
    last = flight_schedule (self, &g_array_index (self->flights, PfStageFlight, i), 0,
                            i == 0 ? -STAGGER : last);

  if (self->anim_end <= STEP_BUDGET)
    return;

  factor = STEP_BUDGET / self->anim_end;
  if (factor >= MIN_FACTOR)
    {
      self->flight_time = FLIGHT_TIME * factor;
      self->gap = STAGGER * factor;
    }
  else
    {
      /* Too many to keep them apart: they start within the window. */
      self->flight_time = FLIGHT_TIME * MIN_FACTOR;
      factor = last > 0 ? (STEP_WINDOW - self->flight_time) / last : 1;
      self->gap = STAGGER * factor;
    }

  for (guint i = 0; i < self->conns->len; i++)
    {
      PfStageConn *conn = g_ptr_array_index (self->conns, i);

      conn->lands[0] *= factor;
      conn->lands[1] *= factor;
    }
  for (guint i = 0; i < self->flights->len; i++)
    g_array_index (self->flights, PfStageFlight, i).start *= factor;
  self->anim_end = last * factor + self->flight_time;
}

/* The segments [from, to) take off: all of them again when @restart (a
 * step shown anew, back or forward), else after those already flying
 * (late events of the step on screen). */
static void
add_flights (PfStage  *self,
             guint     from,
             guint     to,
             gboolean  restart)
{
  PfTimeline *timeline = pf_player_get_timeline (self->player);

  to = MIN (to, pf_timeline_get_n_events (timeline));

  if (restart)
    {
      stop_tick (self);
      g_array_set_size (self->flights, 0);
      /* Every payload looks different: keep the pictures few. */
      if (g_hash_table_size (self->arts) > MAX_ARTS)
        clear_arts (self);
      self->first_live = 0;
      self->anim_time = 0;
      self->anim_end = 0;
    }

  for (guint i = from; i < to; i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);
      PfPacket *packet;
      PfFourTuple tuple;
      PfStageFlight flight = { NULL };
      PfStageConn *conn;

      if (pf_event_get_kind (event) != PF_EVENT_SEGMENT)
        continue;
      packet = pf_event_get_packet (event);
      if (packet->protocol != PF_IP_PROTOCOL_TCP && packet->protocol != PF_IP_PROTOCOL_UDP)
        continue;
      tuple = pf_packet_get_four_tuple (packet);
      conn = lookup_conn (self, &tuple, packet->protocol == PF_IP_PROTOCOL_UDP);
      if (conn == NULL || !conn_drawable (conn))
        continue;

      flight.event = g_object_ref (event);
      flight.conn = conn;
      flight.forward = pf_endpoint_equal (&tuple.src, &conn->tuple.src);
      flight.art_key = art_key_for (packet);
      if (!restart)
        {
          /* A late one: after those on screen, from now at the earliest. */
          double previous = self->flights->len > 0
                            ? g_array_index (self->flights, PfStageFlight, self->flights->len - 1).start
                            : -G_MAXDOUBLE / 2;

          flight_schedule (self, &flight, self->anim_time, previous);
        }
      g_array_append_val (self->flights, flight);
    }

  if (restart)
    schedule_flights (self);
}

/* The history on screen */

static void
update_plug_states (PfStage *self)
{
  for (guint i = 0; i < self->hosts->len; i++)
    {
      PfStageHost *host = host_at (self, i);

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

static void
update_selection (PfStage *self)
{
  PfEvent *selected = self->player ? pf_player_get_selected (self->player) : NULL;
  PfStageConn *conn = NULL;

  self->selected_conn = NULL;
  self->parked_conn = NULL;
  g_clear_object (&self->parked);
  self->parked_art = NULL;

  if (selected == NULL || self->hosts->len == 0)
    return;

  if (pf_event_get_kind (selected) == PF_EVENT_SEGMENT)
    {
      PfPacket *packet = pf_event_get_packet (selected);
      PfFourTuple tuple = pf_packet_get_four_tuple (packet);

      conn = lookup_conn (self, &tuple, packet->protocol == PF_IP_PROTOCOL_UDP);
      if (conn != NULL && conn_drawable (conn) && conn->first_index < self->position)
        {
          self->parked = g_object_ref (selected);
          self->parked_conn = conn;
          self->parked_forward = pf_endpoint_equal (&tuple.src, &conn->tuple.src);
        }
    }
  else if (pf_event_get_tuple (selected)->dst.address != 0)
    conn = lookup_conn (self, pf_event_get_tuple (selected),
                        g_strcmp0 (pf_event_get_protocol (selected), "udp") == 0);

  if (conn != NULL && conn_drawable (conn) && conn->first_index < self->position)
    self->selected_conn = conn;
}

static void
update_accessible (PfStage *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint n = self->hosts->len;

  if (n == 0)
    g_string_append (text, _("Network stage, empty"));
  else
    {
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "Network stage: %u host",
                                                 "Network stage: %u hosts", n), n);
      for (guint i = 0; i < n && i < 10; i++)
        {
          const PfHost *h = host_at (self, i)->host;
          char address[PF_IPV4_STRLEN];

          pf_ipv4_format (h->address, address);
          g_string_append_printf (text, "%s %s %s", i == 0 ? "," : ";", h->name ? h->name : h->id, address);
        }
      if (n > 10)
        g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "; and %u more",
                                                   "; and %u more", n - 10), n - 10);
      g_string_append (text, ". ");
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u connection. ",
                                                 "%u connections. ", self->n_connections),
                              self->n_connections);
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u packet in this step.",
                                                 "%u packets in this step.", self->flights->len),
                              self->flights->len);
    }

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, text->str,
                                  -1);
}

/* A new run, or none: everything goes, the hosts are read anew. */
static void
reset_run (PfStage  *self,
           PfEngine *engine)
{
  stop_tick (self);
  g_array_set_size (self->flights, 0);
  self->first_live = 0;
  self->anim_time = 0;
  self->anim_end = 0;
  g_clear_object (&self->parked);
  g_clear_object (&self->pressed);
  self->parked_conn = NULL;
  self->parked_art = NULL;
  self->selected_conn = NULL;
  self->drag_mode = DRAG_NONE;

  g_hash_table_remove_all (self->conn_by_key);
  g_hash_table_remove_all (self->lanes);
  g_ptr_array_set_size (self->conns, 0);
  g_hash_table_remove_all (self->host_by_address);
  g_ptr_array_set_size (self->hosts, 0);
  g_clear_pointer (&self->scenario, pf_scenario_free);
  picture_clear (&self->scene);

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
  if (engine == NULL || pf_player_get_scenario (self->player) == NULL)
    return;

  self->scenario = pf_scenario_ref ((PfScenario *) pf_player_get_scenario (self->player));
  for (guint i = 0; i < self->scenario->hosts->len; i++)
    {
      const PfHost *h = g_ptr_array_index (self->scenario->hosts, i);

      g_ptr_array_add (self->hosts, host_new (self, h));
      if (!g_hash_table_contains (self->host_by_address, GUINT_TO_POINTER (h->address)))
        g_hash_table_insert (self->host_by_address, GUINT_TO_POINTER (h->address), GINT_TO_POINTER (i));
    }
  note_service_steps (self);
  layout_hosts (self);
  compute_min_world (self);
  self->pango_serial = pango_context_get_serial (gtk_widget_get_pango_context (GTK_WIDGET (self)));
}

static void
pf_stage_sync (PfStage *self)
{
  PfEngine *engine = self->player ? pf_player_get_engine (self->player) : NULL;
  guint position, step_start;
  int step;
  gboolean restart;

  if (engine != self->engine || (engine == NULL && self->hosts->len > 0))
    {
      reset_run (self, engine);
      update_accessible (self);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  if (engine == NULL || self->hosts->len == 0)
    return;

  position = pf_player_get_position (self->player);
  step = pf_player_get_step (self->player);
  step_start = pf_player_get_step_start (self->player);
  if (position == self->position && step == self->step && step_start == self->step_start)
    return;

  if (position > self->scanned)
    scan_events (self, position);

  restart = step != self->step || step_start != self->step_start || position < self->position;
  add_flights (self, restart ? step_start : self->position, position, restart);

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
    self->n_connections += conn_drawable (g_ptr_array_index (self->conns, i));

  update_plug_states (self);
  update_selection (self);
  update_accessible (self);
  self->scene_dirty = TRUE;
  ensure_tick (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_player_changed (PfStage *self)
{
  pf_stage_sync (self);
}

static void
on_selected_changed (PfStage *self)
{
  update_selection (self);
  self->scene_dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_speed_changed (PfStage *self)
{
  self->speed = self->player ? pf_player_get_speed (self->player) : 1.0;
}

static void
on_timeline_items_changed (GListModel *model,
                           guint       position,
                           guint       removed,
                           guint       added,
                           PfStage    *self)
{
  /* The history is only ever appended to; anything else is a new run. */
  if (removed > 0)
    reset_run (self, NULL);
  pf_stage_sync (self);
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
  static const GdkRGBA light_kinds[N_KINDS] = {
    { 0.110, 0.443, 0.847, 1 },  /* handshake: blue 4 */
    { 0.149, 0.635, 0.412, 1 },  /* data: green 5 */
    { 0.467, 0.463, 0.482, 1 },  /* ack: light 5 */
    { 0.776, 0.275, 0.000, 1 },  /* teardown: orange 5 */
    { 0.753, 0.110, 0.157, 1 },  /* reset: red 4 */
    { 0.506, 0.239, 0.612, 1 },  /* udp: purple 4 */
    { 0.525, 0.369, 0.235, 1 },  /* other: brown 4 */
  };
  static const GdkRGBA dark_kinds[N_KINDS] = {
    { 0.384, 0.627, 0.918, 1 },  /* blue 2 */
    { 0.341, 0.890, 0.537, 1 },  /* green 2 */
    { 0.604, 0.600, 0.588, 1 },  /* light 4 */
    { 1.000, 0.639, 0.282, 1 },  /* orange 2 */
    { 0.965, 0.380, 0.318, 1 },  /* red 1 */
    { 0.753, 0.380, 0.796, 1 },  /* purple 2 */
    { 0.804, 0.671, 0.561, 1 },  /* brown 1 */
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

  for (guint i = 0; i < N_KINDS; i++)
    {
      g_autofree char *name = g_strdup_printf ("pf_packet_%s", kind_names[i]);

      lookup_color (context, name, NULL, dark ? &dark_kinds[i] : &light_kinds[i], &colors->kinds[i]);
    }
}

static void
refresh_layouts (PfStage *self)
{
  for (guint i = 0; i < self->hosts->len; i++)
    build_host_layouts (self, host_at (self, i));
  for (guint i = 0; i < self->conns->len; i++)
    build_conn_label (self, g_ptr_array_index (self->conns, i));
  compute_min_world (self);
  clear_arts (self);
  self->geometry_dirty = TRUE;
  self->scene_dirty = TRUE;
}

/* Colours and fonts can change under us (dark style, high contrast, text
 * scale); a few look-ups a frame tell, and only a change costs. */
static void
refresh_style (PfStage *self)
{
  guint serial = pango_context_get_serial (gtk_widget_get_pango_context (GTK_WIDGET (self)));
  PfStageColors colors;

  if (serial != self->pango_serial)
    {
      self->pango_serial = serial;
      refresh_layouts (self);
    }

  read_colors (self, &colors);
  if (!self->have_colors || memcmp (&colors, &self->colors, sizeof colors) != 0)
    {
      self->colors = colors;
      self->have_colors = TRUE;
      clear_arts (self);
      for (guint i = 0; i < N_ICONS; i++)
        picture_clear (&self->icons[i]);
      self->scene_dirty = TRUE;
    }
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

static void curve_point (const PfStageConn *conn,
                         double             s,
                         graphene_point_t  *out);

static void
conn_geometry (PfStage     *self,
               PfStageConn *conn)
{
  PfStageHost *client = host_at (self, conn->client);
  PfStageHost *server = host_at (self, conn->server);
  graphene_point_t from = { client->x + client->w / 2, client->y + client->h / 2 };
  graphene_point_t to = { server->x + server->w / 2, server->y + server->h / 2 };
  graphene_point_t a, b;
  double dx, dy, len, offset, spacing;
  graphene_point_t mid;
  guint lane = conn->lane;

  /* Room for a lane's label and an envelope beside it on the next lane. */
  spacing = MAX (conn->wide_h, conn->narrow_h) / 2.0 + LABEL_PAD_Y + ENVELOPE_HEIGHT / 2 + 14;

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
      curve_point (conn, 0.5, &mid);
      conn->label_at = GRAPHENE_POINT_INIT (mid.x, mid.y - ENVELOPE_HEIGHT / 2 - conn->label_h / 2.0 - LABEL_PAD_Y - 2);
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

  /* On its own curve, halfway: which label is whose stays plain. */
  curve_point (conn, 0.5, &conn->label_at);
}

static void
curve_point (const PfStageConn *conn,
             double             s,
             graphene_point_t  *out)
{
  double u = 1 - s;

  out->x = u * u * conn->p0.x + 2 * u * s * conn->c.x + s * s * conn->p2.x;
  out->y = u * u * conn->p0.y + 2 * u * s * conn->c.y + s * s * conn->p2.y;
}

/* Centred; panning only where the world is larger than the widget. */
static void
update_origin (PfStage *self)
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

static void
ensure_geometry (PfStage *self)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  int scale_factor = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  double sum_x = 0, fit;

  if (!self->geometry_dirty && width == self->geometry_w && height == self->geometry_h &&
      self->zoom == self->geometry_zoom && scale_factor == self->geometry_scale_factor)
    return;

  self->geometry_dirty = FALSE;
  self->geometry_w = width;
  self->geometry_h = height;
  self->geometry_zoom = self->zoom;
  self->geometry_scale_factor = scale_factor;
  self->scale_factor = MAX (scale_factor, 1);
  self->scene_dirty = TRUE;

  /* At zoom 1 the whole world fits; zoom scales from there. */
  fit_world (self, width, height);
  fit = MIN (1.0, MIN (width / self->min_world_w, height / self->min_world_h));
  self->scale = self->zoom * MAX (fit, 0.05);
  self->world_w = MAX (width / self->scale, self->min_world_w);
  self->world_h = MAX (height / self->scale, self->min_world_h);

  for (guint i = 0; i < self->hosts->len; i++)
    {
      PfStageHost *host = host_at (self, i);

      host->x = place (host->fx, self->world_w, half_width (host)) - host->w / 2;
      host->y = place (host->fy, self->world_h, host->h / 2) - host->h / 2;
      sum_x += host->x + host->w / 2;
    }

  /* Plugs face the other hosts. */
  for (guint i = 0; i < self->hosts->len; i++)
    {
      PfStageHost *host = host_at (self, i);
      double cx = host->x + host->w / 2;
      double others = self->hosts->len > 1 ? (sum_x - cx) / (self->hosts->len - 1) : self->world_w / 2;

      host->plugs_left = cx > others + 1e-6;
    }

  for (guint i = 0; i < self->conns->len; i++)
    {
      PfStageConn *conn = g_ptr_array_index (self->conns, i);

      if (conn_drawable (conn))
        conn_geometry (self, conn);
    }

  update_origin (self);
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
  double x0 = G_MAXDOUBLE, y0 = G_MAXDOUBLE, x1 = -G_MAXDOUBLE, y1 = -G_MAXDOUBLE;
  cairo_t *cr;

  if (self->n_connections == 0)
    return;

  /* A curve lies within the triangle of its points. */
  for (guint i = 0; i < self->n_visible; i++)
    {
      PfStageConn *conn = g_ptr_array_index (self->conns, i);

      if (!conn_drawable (conn))
        continue;
      x0 = MIN (x0, MIN (conn->p0.x, MIN (conn->c.x, conn->p2.x)));
      y0 = MIN (y0, MIN (conn->p0.y, MIN (conn->c.y, conn->p2.y)));
      x1 = MAX (x1, MAX (conn->p0.x, MAX (conn->c.x, conn->p2.x)));
      y1 = MAX (y1, MAX (conn->p0.y, MAX (conn->c.y, conn->p2.y)));
    }

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (floor (x0) - 8, floor (y0) - 8,
                                                                 ceil (x1 - x0) + 16, ceil (y1 - y0) + 16));
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);

  for (guint i = 0; i <= self->n_visible; i++)
    {
      /* The selected one last, on top. */
      PfStageConn *conn = i < self->n_visible ? g_ptr_array_index (self->conns, i) : self->selected_conn;
      double ax, ay, bx, by;

      if (conn == NULL || !conn_drawable (conn) || (i < self->n_visible && conn == self->selected_conn))
        continue;

      /* The quadratic curve as a cubic one. */
      ax = conn->p0.x + 2.0 / 3.0 * (conn->c.x - conn->p0.x);
      ay = conn->p0.y + 2.0 / 3.0 * (conn->c.y - conn->p0.y);
      bx = conn->p2.x + 2.0 / 3.0 * (conn->c.x - conn->p2.x);
      by = conn->p2.y + 2.0 / 3.0 * (conn->c.y - conn->p2.y);
      cairo_move_to (cr, conn->p0.x, conn->p0.y);
      cairo_curve_to (cr, ax, ay, bx, by, conn->p2.x, conn->p2.y);

      cairo_set_dash (cr, conn->udp ? dashes : NULL, conn->udp ? G_N_ELEMENTS (dashes) : 0, 0);
      if (conn == self->selected_conn)
        {
          cairo_set_line_width (cr, SELECTED_WIDTH);
          gdk_cairo_set_source_rgba (cr, &self->colors.selection);
        }
      else
        {
          cairo_set_line_width (cr, LINE_WIDTH);
          gdk_cairo_set_source_rgba (cr, &self->colors.line);
        }
      cairo_stroke (cr);

      /* The client's end: a dot where it leaves the card. */
      cairo_arc (cr, conn->p0.x, conn->p0.y, conn == self->selected_conn ? 4 : 3, 0, 2 * G_PI);
      cairo_fill (cr);
    }

  cairo_destroy (cr);
}

static void
draw_conn_labels (PfStage     *self,
                  GtkSnapshot *snapshot)
{
  for (guint i = 0; i < self->n_visible; i++)
    {
      PfStageConn *conn = g_ptr_array_index (self->conns, i);
      graphene_point_t mid = conn->label_at;
      graphene_rect_t bg;
      GskRoundedRect rounded;

      if (!conn_drawable (conn))
        continue;

      bg = GRAPHENE_RECT_INIT (mid.x - conn->label_w / 2.0 - LABEL_PAD_X,
                               mid.y - conn->label_h / 2.0 - LABEL_PAD_Y,
                               conn->label_w + 2 * LABEL_PAD_X,
                               conn->label_h + 2 * LABEL_PAD_Y);
      gsk_rounded_rect_init_from_rect (&rounded, &bg, 6);
      gtk_snapshot_push_rounded_clip (snapshot, &rounded);
      gtk_snapshot_append_color (snapshot, &self->colors.label_bg, &bg);
      gtk_snapshot_pop (snapshot);
      if (conn == self->selected_conn)
        {
          float widths[4] = { 1.5, 1.5, 1.5, 1.5 };
          GdkRGBA c[4] = { self->colors.selection, self->colors.selection,
                           self->colors.selection, self->colors.selection };

          gtk_snapshot_append_border (snapshot, &rounded, widths, c);
        }

      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (bg.origin.x + LABEL_PAD_X,
                                                              bg.origin.y + LABEL_PAD_Y));
      gtk_snapshot_append_layout (snapshot, conn->label, &self->colors.fg);
      gtk_snapshot_restore (snapshot);
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
  if (GSK_IS_CAIRO_RENDERER (stage_renderer (self)))
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
    append_picture (self, snapshot, get_icon (self, host->icon), host->x + CARD_PAD, host->y + CARD_PAD,
                    1, NULL);
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
      PangoRectangle logical;
      double text_x;

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

      pango_layout_get_pixel_extents (layout, NULL, &logical);
      text_x = host->plugs_left ? host->x + PLUG_WIDTH / 2 + 6
                                : host->x + host->w - PLUG_WIDTH / 2 - 6 - logical.width;
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (text_x, host->y + plug->row_y - logical.height / 2.0));
      gtk_snapshot_append_layout (snapshot, layout, &colors->fg);
      gtk_snapshot_restore (snapshot);
    }
}

static void
ensure_scene (PfStage *self)
{
  GtkSnapshot *snapshot;
  PfStageHost *dragged = NULL;

  if (!self->scene_dirty && self->scene.node != NULL)
    return;

  self->scene_dirty = FALSE;
  picture_clear (&self->scene);

  snapshot = gtk_snapshot_new ();
  draw_lines (self, snapshot);
  draw_conn_labels (self, snapshot);
  if (self->drag_mode == DRAG_HOST && self->drag_host >= 0)
    dragged = host_at (self, self->drag_host);
  for (guint i = 0; i < self->hosts->len; i++)
    if (host_at (self, i) != dragged)
      draw_card (self, snapshot, host_at (self, i));
  if (dragged != NULL)
    draw_card (self, snapshot, dragged);
  self->scene.node = gtk_snapshot_free_to_node (snapshot);
}

/* Where flight @f is at the animation time, or FALSE when it is not in the air. */
static gboolean
flight_point (PfStage             *self,
              const PfStageFlight *f,
              graphene_point_t    *out)
{
  double t = (self->anim_time - f->start) / self->flight_time;
  double s;

  if (t < 0 || t >= 1)
    return FALSE;

  s = t * t * (3 - 2 * t);
  curve_point (f->conn, f->forward ? s : 1 - s, out);
  return TRUE;
}

static PfStageArt *
flight_art (PfStage       *self,
            PfStageFlight *f)
{
  if (f->art == NULL)
    f->art = get_art (self, f->art_key, pf_event_get_packet (f->event));
  return f->art;
}

static PfStageArt *
parked_art (PfStage *self)
{
  if (self->parked_art == NULL)
    {
      PfPacket *packet = pf_event_get_packet (self->parked);
      g_autofree char *key = art_key_for (packet);

      self->parked_art = get_art (self, key, packet);
    }
  return self->parked_art;
}

/* A selected envelope that is not flying waits near its receiver, past
 * the connection's label where the line is long enough. */
static void
parked_point (PfStage          *self,
              graphene_point_t *out)
{
  PfStageConn *conn = self->parked_conn;
  PfStageArt *art = parked_art (self);
  double dx = conn->p2.x - conn->p0.x, dy = conn->p2.y - conn->p0.y;
  double len = MAX (hypot (dx, dy), 1);
  double label = fabs (dx) / len * (conn->label_w / 2.0 + LABEL_PAD_X) +
                 fabs (dy) / len * (conn->label_h / 2.0 + LABEL_PAD_Y);
  double along = fabs (dx) / len * art->w / 2 + fabs (dy) / len * art->h / 2;
  double s = CLAMP (0.5 + (label + along + 6) / len, PARKED_AT, PARKED_MAX);

  curve_point (conn, self->parked_forward ? s : 1 - s, out);
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
  append_picture (self, snapshot, &art->picture, x, y, scale, NULL);
}

static void
draw_flights (PfStage     *self,
              GtkSnapshot *snapshot)
{
  PfEvent *selected = self->parked;
  gboolean selected_flying = FALSE;

  /* Those that landed stay landed: the live ones are a window. */
  while (self->first_live < self->flights->len &&
         g_array_index (self->flights, PfStageFlight, self->first_live).start + self->flight_time <= self->anim_time)
    self->first_live++;

  for (guint i = self->first_live; i < self->flights->len; i++)
    {
      PfStageFlight *f = &g_array_index (self->flights, PfStageFlight, i);
      graphene_point_t at;

      if (f->start > self->anim_time)
        break;
      if (!flight_point (self, f, &at))
        continue;
      draw_art (self, snapshot, flight_art (self, f), &at, f->event == selected);
      selected_flying |= f->event == selected;
    }

  if (selected != NULL && !selected_flying)
    {
      graphene_point_t at;

      parked_point (self, &at);
      draw_art (self, snapshot, parked_art (self), &at, TRUE);
    }
}

static void
pf_stage_snapshot (GtkWidget   *widget,
                   GtkSnapshot *snapshot)
{
  PfStage *self = PF_STAGE (widget);

  if (self->hosts->len == 0)
    return;

  refresh_style (self);
  ensure_geometry (self);
  ensure_scene (self);

  /* From the stage's origin, in the widget's units: pictures are shown
   * unscaled there. */
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (self->origin_x, self->origin_y));
  /* The cairo renderer would draw every card and label anew each frame:
   * it gets the visible part as an image. Other renderers draw the node
   * fast, where an image of a large world would be a large texture. */
  if (GSK_IS_CAIRO_RENDERER (stage_renderer (self)))
    {
      graphene_rect_t visible = GRAPHENE_RECT_INIT (-self->origin_x / self->scale,
                                                    -self->origin_y / self->scale,
                                                    gtk_widget_get_width (widget) / self->scale,
                                                    gtk_widget_get_height (widget) / self->scale);

      append_picture (self, snapshot, &self->scene, 0, 0, self->scale, &visible);
    }
  else if (self->scene.node != NULL)
    {
      gtk_snapshot_save (snapshot);
      gtk_snapshot_scale (snapshot, self->scale, self->scale);
      gtk_snapshot_append_node (snapshot, self->scene.node);
      gtk_snapshot_restore (snapshot);
    }
  draw_flights (self, snapshot);
  gtk_snapshot_restore (snapshot);
}

static void
pf_stage_measure (GtkWidget      *widget,
                  GtkOrientation  orientation,
                  int             for_size,
                  int            *minimum,
                  int            *natural,
                  int            *minimum_baseline,
                  int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 200 : 150;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 720 : 420;
}

/* Input */

static void
to_stage (PfStage          *self,
          double            x,
          double            y,
          graphene_point_t *out)
{
  out->x = (x - self->origin_x) / self->scale;
  out->y = (y - self->origin_y) / self->scale;
}

static int
host_at_point (PfStage *self,
               double   x,
               double   y)
{
  graphene_point_t p;

  if (self->hosts->len == 0)
    return -1;
  ensure_geometry (self);
  to_stage (self, x, y, &p);

  if (self->drag_mode == DRAG_HOST && self->drag_host >= 0)
    {
      PfStageHost *host = host_at (self, self->drag_host);

      if (graphene_rect_contains_point (&GRAPHENE_RECT_INIT (host->x, host->y, host->w, host->h), &p))
        return self->drag_host;
    }
  for (guint i = self->hosts->len; i-- > 0;)
    {
      PfStageHost *host = host_at (self, i);

      if (graphene_rect_contains_point (&GRAPHENE_RECT_INIT (host->x - PLUG_WIDTH / 2, host->y,
                                                             host->w + PLUG_WIDTH, host->h), &p))
        return i;
    }
  return -1;
}

static gboolean
art_contains (const PfStageArt       *art,
              const graphene_point_t *at,
              const graphene_point_t *p)
{
  return art != NULL &&
         graphene_rect_contains_point (&GRAPHENE_RECT_INIT (at->x - art->w / 2 - 2, at->y - art->h / 2 - 2,
                                                            art->w + 4, art->h + 4), p);
}

/* The envelope drawn on top at (@x, @y), in widget coordinates. */
static PfEvent *
envelope_at_point (PfStage *self,
                   double   x,
                   double   y)
{
  graphene_point_t p, at;
  gboolean selected_flying = FALSE;

  if (self->hosts->len == 0 || !self->have_colors)
    return NULL;
  ensure_geometry (self);
  to_stage (self, x, y, &p);

  for (guint i = self->first_live; i < self->flights->len; i++)
    selected_flying |= g_array_index (self->flights, PfStageFlight, i).event == self->parked &&
                       flight_point (self, &g_array_index (self->flights, PfStageFlight, i), &at);

  if (self->parked != NULL && !selected_flying)
    {
      parked_point (self, &at);
      if (art_contains (parked_art (self), &at, &p))
        return self->parked;
    }

  for (guint i = self->flights->len; i-- > self->first_live;)
    {
      PfStageFlight *f = &g_array_index (self->flights, PfStageFlight, i);

      if (flight_point (self, f, &at) && art_contains (flight_art (self, f), &at, &p))
        return f->event;
    }
  return NULL;
}

static void
set_cursor (PfStage    *self,
            const char *name)
{
  if (g_strcmp0 (self->cursor, name) == 0)
    return;
  self->cursor = name;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), name);
}

static void
on_motion (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           PfStage                  *self)
{
  if (self->drag_mode != DRAG_NONE)
    return;
  if (envelope_at_point (self, x, y) != NULL)
    set_cursor (self, "pointer");
  else if (host_at_point (self, x, y) >= 0)
    set_cursor (self, "grab");
  else
    set_cursor (self, NULL);
}

static void
on_click_pressed (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  PfStage         *self)
{
  PfEvent *event = envelope_at_point (self, x, y);

  g_set_object (&self->pressed, event);
}

static void
on_click_released (GtkGestureClick *gesture,
                   int              n_press,
                   double           x,
                   double           y,
                   PfStage         *self)
{
  g_autoptr(PfEvent) event = g_steal_pointer (&self->pressed);

  if (event != NULL && self->player != NULL && n_press == 1)
    pf_player_set_selected (self->player, event);
}

static void
on_click_stopped (GtkGestureClick *gesture,
                  PfStage         *self)
{
  g_clear_object (&self->pressed);
}

static void
on_drag_begin (GtkGestureDrag *gesture,
               double          x,
               double          y,
               PfStage        *self)
{
  int host = gtk_gesture_single_get_current_button (GTK_GESTURE_SINGLE (gesture)) == GDK_BUTTON_PRIMARY
             ? host_at_point (self, x, y) : -1;

  self->drag_claimed = FALSE;
  if (self->hosts->len == 0)
    {
      self->drag_mode = DRAG_NONE;
      return;
    }

  if (host >= 0)
    {
      PfStageHost *h = host_at (self, host);
      graphene_point_t p;

      to_stage (self, x, y, &p);
      self->drag_mode = DRAG_HOST;
      self->drag_host = host;
      self->drag_dx = h->x + h->w / 2 - p.x;
      self->drag_dy = h->y + h->h / 2 - p.y;
    }
  else
    {
      self->drag_mode = DRAG_PAN;
      self->drag_host = -1;
      self->drag_pan_x = self->pan_x;
      self->drag_pan_y = self->pan_y;
    }
}

static void
on_drag_update (GtkGestureDrag *gesture,
                double          offset_x,
                double          offset_y,
                PfStage        *self)
{
  double start_x, start_y;

  if (self->drag_mode == DRAG_NONE)
    return;
  if (!self->drag_claimed)
    {
      if (hypot (offset_x, offset_y) < 4)
        return;
      self->drag_claimed = TRUE;
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
      set_cursor (self, "grabbing");
      if (self->drag_mode == DRAG_HOST)
        self->scene_dirty = TRUE;  /* the dragged card on top */
    }

  gtk_gesture_drag_get_start_point (gesture, &start_x, &start_y);

  if (self->drag_mode == DRAG_HOST)
    {
      PfStageHost *host = host_at (self, self->drag_host);
      graphene_point_t p;

      to_stage (self, start_x + offset_x, start_y + offset_y, &p);
      /* Kept as fractions, within where the card can be. */
      host->fx = place ((p.x + self->drag_dx) / self->world_w, self->world_w, half_width (host)) / self->world_w;
      host->fy = place ((p.y + self->drag_dy) / self->world_h, self->world_h, host->h / 2) / self->world_h;
      self->geometry_dirty = TRUE;
    }
  else
    {
      ensure_geometry (self);
      self->pan_x = self->drag_pan_x + offset_x;
      self->pan_y = self->drag_pan_y + offset_y;
      update_origin (self);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_drag_end (GtkGestureDrag *gesture,
             double          offset_x,
             double          offset_y,
             PfStage        *self)
{
  if (self->drag_mode == DRAG_HOST)
    self->scene_dirty = TRUE;
  self->drag_mode = DRAG_NONE;
  self->drag_host = -1;
  set_cursor (self, NULL);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
on_scroll (GtkEventControllerScroll *scroll,
           double                    dx,
           double                    dy,
           PfStage                  *self)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (scroll));

  if (!(state & GDK_CONTROL_MASK))
    return FALSE;

  pf_stage_set_zoom (self, self->zoom * pow (1.1, -dy));
  return TRUE;
}

/* GObject */

static void
pf_stage_dispose (GObject *object)
{
  PfStage *self = PF_STAGE (object);

  stop_tick (self);
  if (self->player_signals != NULL)
    g_signal_group_set_target (self->player_signals, NULL);
  if (self->timeline_signals != NULL)
    g_signal_group_set_target (self->timeline_signals, NULL);
  g_clear_object (&self->player_signals);
  g_clear_object (&self->timeline_signals);
  g_clear_object (&self->player);
  g_clear_object (&self->parked);
  g_clear_object (&self->pressed);
  g_clear_weak_pointer (&self->engine);

  G_OBJECT_CLASS (pf_stage_parent_class)->dispose (object);
}

static void
pf_stage_finalize (GObject *object)
{
  PfStage *self = PF_STAGE (object);

  g_clear_pointer (&self->flights, g_array_unref);
  g_clear_pointer (&self->pair_worlds, g_array_unref);
  g_clear_pointer (&self->arts, g_hash_table_unref);
  g_clear_pointer (&self->conn_by_key, g_hash_table_unref);
  g_clear_pointer (&self->lanes, g_hash_table_unref);
  g_clear_pointer (&self->conns, g_ptr_array_unref);
  g_clear_pointer (&self->host_by_address, g_hash_table_unref);
  g_clear_pointer (&self->hosts, g_ptr_array_unref);
  g_clear_pointer (&self->scenario, pf_scenario_free);
  picture_clear (&self->scene);
  for (guint i = 0; i < N_ICONS; i++)
    picture_clear (&self->icons[i]);

  G_OBJECT_CLASS (pf_stage_parent_class)->finalize (object);
}

static void
pf_stage_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  PfStage *self = PF_STAGE (object);

  switch (prop_id)
    {
    case PROP_PLAYER:
      g_value_set_object (value, self->player);
      break;
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_stage_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  PfStage *self = PF_STAGE (object);

  switch (prop_id)
    {
    case PROP_PLAYER:
      pf_stage_set_player (self, g_value_get_object (value));
      break;
    case PROP_ZOOM:
      pf_stage_set_zoom (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_stage_class_init (PfStageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pf_stage_dispose;
  object_class->finalize = pf_stage_finalize;
  object_class->get_property = pf_stage_get_property;
  object_class->set_property = pf_stage_set_property;

  widget_class->snapshot = pf_stage_snapshot;
  widget_class->measure = pf_stage_measure;

  properties[PROP_PLAYER] =
    g_param_spec_object ("player", NULL, NULL, PF_TYPE_PLAYER,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, PF_STAGE_MIN_ZOOM, PF_STAGE_MAX_ZOOM, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "stage");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
pf_stage_init (PfStage *self)
{
  GtkGesture *click, *drag, *pan;
  GtkEventController *scroll, *motion;

  self->zoom = 1.0;
  self->scale = 1.0;
  self->scale_factor = 1;
  self->pair_worlds = g_array_new (FALSE, FALSE, sizeof (PfStagePairWorld));
  self->speed = 1.0;
  self->gap = STAGGER;
  self->flight_time = FLIGHT_TIME;
  self->step = G_MININT;
  self->drag_host = -1;
  self->hosts = g_ptr_array_new_with_free_func ((GDestroyNotify) host_free);
  self->host_by_address = g_hash_table_new (NULL, NULL);
  self->conns = g_ptr_array_new_with_free_func ((GDestroyNotify) conn_free);
  self->conn_by_key = g_hash_table_new (conn_key_hash, conn_key_equal);
  self->lanes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->flights = g_array_new (FALSE, TRUE, sizeof (PfStageFlight));
  g_array_set_clear_func (self->flights, (GDestroyNotify) flight_clear);
  self->arts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) art_free);

  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);

  self->player_signals = g_signal_group_new (PF_TYPE_PLAYER);
  g_signal_group_connect_object (self->player_signals, "notify::engine",
                                 G_CALLBACK (on_player_changed), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->player_signals, "notify::step",
                                 G_CALLBACK (on_player_changed), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->player_signals, "notify::position",
                                 G_CALLBACK (on_player_changed), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->player_signals, "notify::selected",
                                 G_CALLBACK (on_selected_changed), self, G_CONNECT_SWAPPED);
  g_signal_group_connect_object (self->player_signals, "notify::speed",
                                 G_CALLBACK (on_speed_changed), self, G_CONNECT_SWAPPED);
  self->timeline_signals = g_signal_group_new (PF_TYPE_TIMELINE);
  g_signal_group_connect_object (self->timeline_signals, "items-changed",
                                 G_CALLBACK (on_timeline_items_changed), self, 0);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "pressed", G_CALLBACK (on_click_pressed), self);
  g_signal_connect (click, "released", G_CALLBACK (on_click_released), self);
  g_signal_connect (click, "stopped", G_CALLBACK (on_click_stopped), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  /* The middle button pans, wherever it presses. */
  pan = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (pan), GDK_BUTTON_MIDDLE);
  g_signal_connect (pan, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (pan, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (pan, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (pan));

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  update_accessible (self);
}

/* Public API */

GtkWidget *
pf_stage_new (void)
{
  return g_object_new (PF_TYPE_STAGE, NULL);
}

PfPlayer *
pf_stage_get_player (PfStage *self)
{
  g_return_val_if_fail (PF_IS_STAGE (self), NULL);
  return self->player;
}

void
pf_stage_set_player (PfStage  *self,
                     PfPlayer *player)
{
  g_return_if_fail (PF_IS_STAGE (self));
  g_return_if_fail (player == NULL || PF_IS_PLAYER (player));

  if (!g_set_object (&self->player, player))
    return;

  g_signal_group_set_target (self->player_signals, player);
  on_speed_changed (self);
  reset_run (self, NULL);
  pf_stage_sync (self);
  update_accessible (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYER]);
}

double
pf_stage_get_zoom (PfStage *self)
{
  g_return_val_if_fail (PF_IS_STAGE (self), 1.0);
  return self->zoom;
}

void
pf_stage_set_zoom (PfStage *self,
                   double   zoom)
{
  g_return_if_fail (PF_IS_STAGE (self));

  zoom = CLAMP (zoom, PF_STAGE_MIN_ZOOM, PF_STAGE_MAX_ZOOM);
  if (G_APPROX_VALUE (self->zoom, zoom, 1e-9))
    return;

  self->zoom = zoom;
  self->geometry_dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
}

guint
pf_stage_get_n_hosts (PfStage *self)
{
  g_return_val_if_fail (PF_IS_STAGE (self), 0);
  return self->hosts->len;
}

/* Connections in the history on screen, between two hosts of the scenario. */
guint
pf_stage_get_n_connections (PfStage *self)
{
  g_return_val_if_fail (PF_IS_STAGE (self), 0);
  return self->n_connections;
}

/* Segments of the step on screen that fly, flew or will fly. */
guint
pf_stage_get_n_packets (PfStage *self)
{
  g_return_val_if_fail (PF_IS_STAGE (self), 0);
  return self->flights->len;
}

gboolean
pf_stage_is_animating (PfStage *self)
{
  g_return_val_if_fail (PF_IS_STAGE (self), FALSE);
  return self->tick_id != 0;
}

/* Host @index's card, in widget coordinates. */
gboolean
pf_stage_get_host_bounds (PfStage         *self,
                          guint            index,
                          graphene_rect_t *out_bounds)
{
  PfStageHost *host;

  g_return_val_if_fail (PF_IS_STAGE (self), FALSE);
  g_return_val_if_fail (out_bounds != NULL, FALSE);

  if (index >= self->hosts->len)
    return FALSE;

  ensure_geometry (self);
  host = host_at (self, index);
  graphene_rect_init (out_bounds,
                      self->origin_x + host->x * self->scale, self->origin_y + host->y * self->scale,
                      host->w * self->scale, host->h * self->scale);
  return TRUE;
}

/* Packet @index's envelope now, in widget coordinates; FALSE when it is
 * not in the air. */
gboolean
pf_stage_get_packet_bounds (PfStage         *self,
                            guint            index,
                            graphene_rect_t *out_bounds)
{
  PfStageFlight *f;
  PfStageArt *art;
  graphene_point_t at;

  g_return_val_if_fail (PF_IS_STAGE (self), FALSE);
  g_return_val_if_fail (out_bounds != NULL, FALSE);

  if (index >= self->flights->len || self->hosts->len == 0)
    return FALSE;

  refresh_style (self);
  ensure_geometry (self);
  f = &g_array_index (self->flights, PfStageFlight, index);
  if (!flight_point (self, f, &at))
    return FALSE;
  art = flight_art (self, f);
  graphene_rect_init (out_bounds,
                      self->origin_x + (at.x - art->w / 2) * self->scale,
                      self->origin_y + (at.y - art->h / 2) * self->scale,
                      art->w * self->scale, art->h * self->scale);
  return TRUE;
}

/* What a click at (@x, @y) does: selects the envelope there. */
gboolean
pf_stage_select_at (PfStage *self,
                    double   x,
                    double   y)
{
  PfEvent *event;

  g_return_val_if_fail (PF_IS_STAGE (self), FALSE);

  if (self->hosts->len > 0)
    refresh_style (self);
  event = envelope_at_point (self, x, y);
  if (event == NULL || self->player == NULL)
    return FALSE;
  pf_player_set_selected (self->player, event);
  return TRUE;
}

/* Envelopes in the air now. */
guint
pf_stage_get_n_flying (PfStage *self)
{
  graphene_point_t at;
  guint n = 0;

  g_return_val_if_fail (PF_IS_STAGE (self), 0);

  for (guint i = 0; i < self->flights->len; i++)
    n += flight_point (self, &g_array_index (self->flights, PfStageFlight, i), &at);
  return n;
}

/* Shows the step's envelopes where they are @seconds into its animation
 * (at speed 1) and keeps them there: the tick stops, so a benchmark can
 * draw the same moment again and again. */
void
pf_stage_hold_animation (PfStage *self,
                         double   seconds)
{
  g_return_if_fail (PF_IS_STAGE (self));

  stop_tick (self);
  /* Back in time, envelopes that had landed fly again. */
  if (seconds < self->anim_time)
    self->first_live = 0;
  self->anim_time = seconds;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
