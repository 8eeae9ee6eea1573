/* pf-ladder-private.h: the ladder's insides
 *
 * The instance struct and the rows and lanes it holds, shared by the
 * widget (pf-ladder.c), its layout (pf-ladder-layout.c) and its drawing
 * (pf-ladder-draw.c); and the getters only the tests and the benchmarks
 * use.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pf-flight-schedule.h"
#include "pf-ladder.h"

G_BEGIN_DECLS

/* A row's offset when it is not animated: it is drawn whole. */
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
#define MIN_WIDTH_LANES    6      /* lanes that the minimum width covers */
#define NATURAL_MAX_WIDTH  3840   /* pixels: the widest screen */
#define HEADER_MIN_TEXT    12.0   /* a lane's name needs this much room */

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
  PfPacketKind color;
  gboolean     modelled;
  char        *label;      /* also "Step 3" for a rule */
  char        *excerpt;    /* NULL without payload */
  char        *src_port;
  char        *dst_port;
  char        *tooltip;
  guint        slot;       /* its flight in the step's schedule */

  int          layout_width;
  double       text_width; /* the label's or the excerpt's, unwrapped; 0: not yet measured */
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
  double       text_width; /* the widest of the three, unwrapped; 0: not yet measured */
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

struct _PfLadder
{
  PfView                parent_instance;

  GSignalGroup         *timeline_signals;
  PfTimeline           *timeline;      /* the run the rows were built from */

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
  GdkRGBA               kinds[PF_N_PACKET_KINDS];
  PangoLayout          *modelled_layout;

  /* animation: the schedule of the step on screen */
  guint                 tick_id;
  gint64                last_frame_time;
  double                clock;
  double                clock_end;
  PfFlightSchedule     *schedule;        /* its packets */
  guint                 anim_first_row;  /* rows with an offset: [first, end) */
  guint                 anim_end_row;
  guint                 shown_step_start;
  int                   last_followed;

  /* the network (a file with links of its own) */
  gboolean              show_routers;    /* routers as lanes: "show-routers" */
};

/* pf-ladder.c */
double        pf_ladder_row_progress       (PfLadder                   *self,
                                            Row                        *row);

/* pf-ladder-layout.c: the network */
gboolean      pf_ladder_has_links          (PfLadder                   *self);
gboolean      pf_ladder_host_is_router     (const PfHost               *host);
gboolean      pf_ladder_row_is_hop         (Row                        *row);

/* pf-ladder-layout.c: rows and lanes */
void          pf_ladder_row_free           (gpointer                    data);
void          pf_ladder_lane_free          (gpointer                    data);
guint         pf_ladder_add_lane           (PfLadder                   *self,
                                            const char                 *id,
                                            const char                 *name,
                                            PfIpv4                      address);
PangoLayout  *pf_ladder_make_layout        (PfLadder                   *self,
                                            const PangoFontDescription *font,
                                            const char                 *text);
void          pf_ladder_ensure_style       (PfLadder                   *self);
void          pf_ladder_sync_rows          (PfLadder                   *self);
guint         pf_ladder_rows_before        (PfLadder                   *self,
                                            guint                       position);
guint         pf_ladder_n_shown_rows       (PfLadder                   *self);
guint         pf_ladder_row_at_y           (PfLadder                   *self,
                                            double                      y,
                                            guint                       n_rows);
Row          *pf_ladder_arrow_row          (PfLadder                   *self,
                                            guint                       index);
double        pf_ladder_lane_x             (PfLadder                   *self,
                                            int                         lane,
                                            double                      width);
void          pf_ladder_arrow_geometry     (PfLadder                   *self,
                                            Row                        *row,
                                            double                      width,
                                            double                     *x1,
                                            double                     *x2,
                                            double                     *y1);
double        pf_ladder_header_height      (PfLadder                   *self);
void          pf_ladder_update_adjustments (PfLadder                   *self);
void          pf_ladder_scroll_to_row      (PfLadder                   *self,
                                            Row                        *row);
void          pf_ladder_measure            (GtkWidget                  *widget,
                                            GtkOrientation              orientation,
                                            int                         for_size,
                                            int                        *minimum,
                                            int                        *natural,
                                            int                        *minimum_baseline,
                                            int                        *natural_baseline);

/* pf-ladder-draw.c */
void          pf_ladder_draw_bands         (PfLadder                   *self,
                                            GtkSnapshot                *snapshot,
                                            double                      width,
                                            guint                       first,
                                            guint                       end,
                                            Row                        *highlighted);
void          pf_ladder_draw_lines         (PfLadder                   *self,
                                            GtkSnapshot                *snapshot,
                                            double                      width,
                                            double                      top,
                                            double                      bottom,
                                            guint                       first,
                                            guint                       end,
                                            Row                        *highlighted,
                                            double                      origin_y);
void          pf_ladder_draw_texts         (PfLadder                   *self,
                                            GtkSnapshot                *snapshot,
                                            double                      width,
                                            guint                       first,
                                            guint                       end);
void          pf_ladder_draw_header        (PfLadder                   *self,
                                            GtkSnapshot                *snapshot,
                                            double                      width);

/* For tests and benchmarks (pf-ladder.c). */
gboolean      pf_ladder_row_is_related     (PfLadder                   *self,
                                            Row                        *row);
gboolean      pf_ladder_get_arrow_text     (PfLadder                   *self,
                                            guint                       index,
                                            const char                **out_label,
                                            const char                **out_excerpt);
gboolean      pf_ladder_get_arrow_related  (PfLadder                   *self,
                                            guint                       index);
guint         pf_ladder_get_n_arrows       (PfLadder                   *self);
int           pf_ladder_get_highlighted    (PfLadder                   *self);
gboolean      pf_ladder_get_animating      (PfLadder                   *self);
gboolean      pf_ladder_get_arrow_bounds   (PfLadder                   *self,
                                            guint                       index,
                                            graphene_rect_t            *out_bounds);
guint         pf_ladder_get_n_moving       (PfLadder                   *self);
void          pf_ladder_hold_animation     (PfLadder                   *self,
                                            double                      seconds);

/* pf-ladder.c, for tests */
guint         pf_ladder_get_n_lanes        (PfLadder                   *self);
const char   *pf_ladder_get_lane_id        (PfLadder                   *self,
                                            guint                       lane);
guint         pf_ladder_get_n_arrows_at    (PfLadder                   *self,
                                            guint                       index);
gboolean      pf_ladder_get_arrow_lanes    (PfLadder                   *self,
                                            guint                       index,
                                            guint                       nth,
                                            int                        *out_src,
                                            int                        *out_dst,
                                            const char                **out_label);
double        pf_ladder_get_arrow_offset   (PfLadder                   *self,
                                            guint                       index,
                                            guint                       nth);
double        pf_ladder_get_flight_time    (PfLadder                   *self);

G_END_DECLS
