/* pf-stage-private.h: what the stage's files share
 *
 * One widget over several files, each one concern: pf-stage.c the
 * widget (a PfView: its player and zoom changing, the player's signals,
 * input, the public API),
 * pf-stage-scene.c what is on the stage and where, pf-stage-flights.c
 * the step's envelopes in the air, pf-stage-draw.c what it draws, and
 * pf-stage-cache.c the pictures it keeps.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pf-flight-schedule.h"
#include "pf-stage.h"

G_BEGIN_DECLS

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
#define PF_STAGE_MAX_FIT 2.0   /* the most pf_stage_set_enlarge () draws it larger */
#define MAX_ARTS        512    /* envelope pictures kept */

#define BADGE_RISE      9.0    /* a host's failure badge, above its card */
#define LABELS_PLACED_MAX 64   /* above, labels on their curves */
#define LABEL_CLEAR       4.0    /* between a label and what it avoids */

#define PARKED_AT       0.72   /* where a selected envelope waits, of its path */
#define PARKED_HOP_AT   0.88   /* and of its hop's: past the switch */

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
  GdkRGBA kinds[PF_N_PACKET_KINDS];
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
  GArray         *peers;       /* host indices its steps talk with */
} PfStageHost;

/* A link of the scenario's own (pf-stage-links.c): a line between its
 * two hosts, or a switch wired to each of more. */
typedef struct
{
  const PfLink   *link;
  GArray         *members;     /* int: host indices, the link's order */
  GPtrArray      *addresses;   /* PangoLayout* or NULL, per member: a
                                * router's address on this link */
  gboolean        is_switch;   /* more than two hosts */
  PangoLayout    *label;       /* the name and network, under the switch */
  int             label_w, label_h;
  double          x, y;        /* the switch's centre, stage units */
} PfStageLink;

/* How a connection is drawn: live, or ended. */
typedef enum
{
  PF_STAGE_LOOK_LIVE,
  PF_STAGE_LOOK_TIME_WAIT,     /* one side waits out TIME_WAIT */
  PF_STAGE_LOOK_CLOSED,        /* both sides gone */
} PfStageConnLook;

typedef struct
{
  guint      index;            /* in the timeline */
  guint      side;             /* 0 the server's, 1 the client's, 2 both */
  PfTcpState state;
} PfStageConnChange;

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
  graphene_point_t label_at;   /* the label's centre, beside the curve */
  graphene_point_t label_for;  /* the curve's point it is beside */
  double           fly_from;   /* where an envelope's flight starts and ends, */
  double           fly_to;     /* on the curve, clear of both cards */
  GArray          *changes;    /* PfStageConnChange, in order */
  PfStageConnLook  look;       /* at the position on screen */
  PangoLayout     *tag;        /* "closed", "TIME_WAIT" or NULL */
  int              tag_w, tag_h;
  double           box_w, box_h;  /* the room kept for label and tag */
  gboolean         label_top;  /* the label at the top of that room */
} PfStageConn;

/* What the stage marks as failed in the step on screen. */
typedef struct
{
  PfStageConn *conn;           /* or NULL: then on host */
  int          host;           /* -1: nowhere */
  PangoLayout *text;
  int          text_w, text_h;
  graphene_rect_t box;         /* the mark's tag, stage units */
} PfStageFailure;

/* A box the stage draws, for tests: none should cover another. */
typedef enum
{
  PF_STAGE_BOX_CARD,
  PF_STAGE_BOX_PLUG_LABEL,
  PF_STAGE_BOX_CONN_LABEL,     /* with its closed / TIME_WAIT tag */
  PF_STAGE_BOX_PACKET,
  PF_STAGE_BOX_FAILURE,
} PfStageBoxKind;

typedef struct
{
  PfStageBoxKind  kind;
  int             host;        /* a card's or a plug's host, else -1 */
  int             conn;        /* a label's, a packet's connection, else -1 */
  graphene_rect_t rect;        /* widget coordinates */
} PfStageBox;

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
  double         below;        /* how far its "modelled" tag reaches below */
} PfStageArt;

typedef struct
{
  PfEvent     *event;
  PfStageConn *conn;           /* NULL for a hop that has none (ARP) */
  PfStageLink *link;           /* a hop along a link, else NULL */
  int          from, to;       /* a hop's sender and receiver cards */
  guint        slot;           /* its flight in the schedule: the
                                * receivers of one frame share it */
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

/* Where host @host was before a drag moved it (pf-stage-moves.c). */
typedef struct
{
  int    host;
  double fx, fy;
} PfStageMove;

/* How wide or how tall the world must be to keep two hosts apart. */
typedef struct
{
  double w;
  double h;
} PfStagePairWorld;

struct _PfStage
{
  PfView          parent_instance;

  GSignalGroup   *timeline_signals;
  double          speed;
  double          pan_x, pan_y;  /* from the centred pf_stage_place, in pixels */
  gboolean        enlarge;       /* fill the room: drawn up to PF_STAGE_MAX_FIT */

  /* The run on screen. */
  PfEngine       *engine;        /* weak: a new one is a new run */
  PfScenario     *scenario;      /* a reference, so host pointers hold */
  GPtrArray      *hosts;         /* PfStageHost* */
  GHashTable     *host_by_address;
  GPtrArray      *links;         /* PfStageLink*; empty without links of the file's own */
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
  PfFlightSchedule *schedule;    /* their times: flights[i] is its i */
  guint           first_live;
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
  PfStageLink    *parked_link;   /* a selected hop waits on its link, */
  int             parked_from, parked_to;  /* between these cards */
  GPtrArray      *hops;          /* PfEvent*: the selected packet's other hops */

  /* A failure in the step on screen. */
  PfStageFailure  failure;

  /* Caches. */
  PfStageColors   colors;
  gboolean        have_colors;
  gboolean        style_valid;   /* the colours read since css_changed */
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
  int             tag_room_w, tag_room_h;  /* the widest tag */
  double          envelope_w, envelope_h;  /* the largest envelope, estimated, */
  double          envelope_below;          /* with its tag */
  double          hop_envelope_w;          /* the largest on a link: ARP's words */

  /* Input. */
  PfStageDragMode drag_mode;
  int             drag_host;
  double          drag_dx, drag_dy;  /* pointer to host centre */
  double          drag_pan_x, drag_pan_y;
  gboolean        drag_claimed;
  PfEvent        *pressed;
  const char     *cursor;

  /* Hosts moved by hand, for Undo Move and Reset Layout. */
  GArray         *moves;         /* PfStageMove, the last on top */
  GArray         *home;          /* PfStageMove, every host before the first move */
  PfEngine       *moves_engine;  /* weak: the run they belong to */
};

static inline PfStageHost *
pf_stage_host_at (PfStage *self,
                  guint    index)
{
  return g_ptr_array_index (self->hosts, index);
}

static inline gboolean
pf_stage_conn_drawable (const PfStageConn *conn)
{
  return conn->client >= 0 && conn->server >= 0;
}

/* pf-stage.c */
void pf_stage_update_accessible (PfStage *self);

extern guint pf_stage_moves_changed_signal;

/* pf-stage-moves.c */
void pf_stage_note_move (PfStage *self,
                         int      host);

/* pf-stage-scene.c, where a label goes */
void pf_stage_conn_label_rect  (PfStage           *self,
                                const PfStageConn *conn,
                                graphene_rect_t   *out);
void pf_stage_plug_label_rect  (const PfStageHost *host,
                                const PfStagePlug *plug,
                                graphene_rect_t   *out);
void pf_stage_envelope_rect    (const PfStageArt       *art,
                                const graphene_point_t *at,
                                graphene_rect_t        *out);
void pf_stage_card_rect        (const PfStageHost *host,
                                graphene_rect_t   *out);
void pf_stage_fly_range        (PfStage           *self,
                                const PfStageConn *conn,
                                double             w,
                                double             h,
                                double             below,
                                double            *out_from,
                                double            *out_to);
void pf_stage_update_failure   (PfStage           *self);
void pf_stage_failure_badge_rect (PfStage         *self,
                                  graphene_rect_t *out);

/* pf-stage-scene.c */
PangoLayout *pf_stage_layout_new       (PfStage           *self,
                                        const char        *markup);
void         pf_stage_host_free        (PfStageHost       *host);
double       pf_stage_place            (double             fraction,
                                        double             world,
                                        double             half);
double       pf_stage_half_width       (const PfStageHost *host);
void         pf_stage_conn_free        (PfStageConn       *conn);
guint        pf_stage_conn_key_hash    (gconstpointer      key);
gboolean     pf_stage_conn_key_equal   (gconstpointer      a,
                                        gconstpointer      b);
PfStageConn *pf_stage_lookup_conn      (PfStage           *self,
                                        const PfFourTuple *tuple,
                                        gboolean           udp);
void         pf_stage_update_selection (PfStage           *self);
void         pf_stage_reset_run        (PfStage           *self,
                                        PfEngine          *engine);
void         pf_stage_sync             (PfStage           *self);
void         pf_stage_refresh_layouts  (PfStage           *self);
void         pf_stage_curve_point      (const PfStageConn *conn,
                                        double             s,
                                        graphene_point_t  *out);
void         pf_stage_update_origin    (PfStage           *self);
void         pf_stage_ensure_geometry  (PfStage           *self);

/* pf-stage-links.c */
void         pf_stage_link_free        (PfStageLink       *link);
gboolean     pf_stage_host_is_router   (const PfStageHost *host);
void         pf_stage_links_build      (PfStage           *self);
void         pf_stage_links_refresh_layouts (PfStage      *self);
PfStageLink *pf_stage_link_for_id      (PfStage           *self,
                                        const char        *id);
gboolean     pf_stage_links_layout     (PfStage           *self,
                                        GPtrArray         *free_hosts);
void         pf_stage_links_geometry   (PfStage           *self);
void         pf_stage_link_switch_rect (const PfStageLink *link,
                                        graphene_rect_t   *out);
gboolean     pf_stage_links_fit        (PfStage           *self);
void         pf_stage_links_taken      (PfStage           *self,
                                        GArray            *taken);
void         pf_stage_links_draw       (PfStage           *self,
                                        GtkSnapshot       *snapshot);
void         pf_stage_links_draw_labels (PfStage          *self,
                                        GtkSnapshot       *snapshot);
void         pf_stage_hop_point        (PfStage           *self,
                                        const PfStageLink *link,
                                        int                from,
                                        int                to,
                                        double             s,
                                        double             w,
                                        double             h,
                                        double             below,
                                        graphene_point_t  *out);
void         pf_stage_frame_receivers  (PfStage           *self,
                                        PfEvent           *event,
                                        GArray            *out);
gboolean     pf_stage_is_hop           (PfStage           *self,
                                        PfEvent           *event);
int          pf_stage_host_for_id      (PfStage           *self,
                                        const char        *id);
gboolean     pf_stage_is_arp           (const PfPacket    *packet);

/* pf-stage-flights.c */
void     pf_stage_flight_clear (PfStageFlight       *flight);
void     pf_stage_stop_tick    (PfStage             *self);
void     pf_stage_ensure_tick  (PfStage             *self);
void     pf_stage_add_flights  (PfStage             *self,
                                guint                from,
                                guint                to,
                                gboolean             restart);
gboolean pf_stage_flight_point (PfStage             *self,
                                const PfStageFlight *f,
                                graphene_point_t    *out);

/* pf-stage-draw.c */
void        pf_stage_ensure_style  (PfStage          *self);
void        pf_stage_ensure_scene  (PfStage          *self);
char       *pf_stage_packet_label_for (PfStage       *self,
                                       const PfPacket *packet);
char       *pf_stage_art_key_for   (PfStage          *self,
                                    const PfPacket   *packet);
PfStageArt *pf_stage_art_new       (PfStage          *self,
                                    const PfPacket   *packet);
void        pf_stage_parked_point  (PfStage          *self,
                                    graphene_point_t *out);
void        pf_stage_draw_flights  (PfStage          *self,
                                    GtkSnapshot      *snapshot);

/* pf-stage-cache.c */
void         pf_stage_picture_clear  (PfStagePicture        *picture);
GskRenderer *pf_stage_renderer       (PfStage               *self);
void         pf_stage_append_picture (PfStage               *self,
                                      GtkSnapshot           *snapshot,
                                      PfStagePicture        *picture,
                                      double                 x,
                                      double                 y,
                                      double                 unit,
                                      const graphene_rect_t *visible);
void         pf_stage_art_free       (PfStageArt            *art);
void         pf_stage_clear_arts     (PfStage               *self);
PfStageArt  *pf_stage_flight_art     (PfStage               *self,
                                      PfStageFlight         *f);
PfStageArt  *pf_stage_parked_art     (PfStage               *self);

/* pf-stage.c, for tests and benchmarks */
guint    pf_stage_get_n_hosts       (PfStage         *self);
guint    pf_stage_get_n_connections (PfStage         *self);
guint    pf_stage_get_n_packets     (PfStage         *self);
gboolean pf_stage_is_animating      (PfStage         *self);
gboolean pf_stage_get_host_bounds   (PfStage         *self,
                                     guint            index,
                                     graphene_rect_t *out_bounds);
gboolean pf_stage_get_packet_bounds (PfStage         *self,
                                     guint            index,
                                     graphene_rect_t *out_bounds);
gboolean pf_stage_select_at         (PfStage         *self,
                                     double           x,
                                     double           y);
guint    pf_stage_get_n_flying      (PfStage         *self);
void     pf_stage_hold_animation    (PfStage         *self,
                                     double           seconds);
GArray  *pf_stage_get_label_rects   (PfStage         *self);
PfStageConnLook pf_stage_get_conn_look (PfStage      *self,
                                     guint            index);
const char *pf_stage_get_failure    (PfStage         *self,
                                     int             *out_host,
                                     int             *out_conn);
double   pf_stage_get_anim_end      (PfStage         *self);
guint    pf_stage_get_n_links_drawn (PfStage         *self);
gboolean pf_stage_get_switch_bounds (PfStage         *self,
                                     guint            link,
                                     graphene_rect_t *out_bounds);
gboolean pf_stage_get_flight_hop    (PfStage         *self,
                                     guint            index,
                                     PfEvent        **out_event,
                                     int             *out_from,
                                     int             *out_to,
                                     double          *out_start);
double   pf_stage_get_flight_time   (PfStage         *self);
gboolean pf_stage_is_highlighted    (PfStage         *self,
                                     guint            event);
char    *pf_stage_get_packet_label  (PfStage         *self,
                                     guint            index);

/* pf-stage-moves.c, for tests */
void     pf_stage_drag_host         (PfStage         *self,
                                     guint            index,
                                     double           dx,
                                     double           dy);

G_END_DECLS
