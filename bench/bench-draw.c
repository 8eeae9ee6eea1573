/* bench-draw.c: the cost of one frame of the stage and of the ladder with
 * packets in flight, against the same frame once they have landed
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A generated scenario: H hosts (10, 100, 1,000; every fifth a server
 * with a web service, so that cards have plugs) and one step in which
 * the first host sends 6 × P UDP datagrams to the second: in the step's
 * animation, envelopes leave one after the other, and there is a moment
 * when P of them (10, 100, 1,000) fly at once, spread along the line.
 * The run is done on real sockets, in loopback mode, before anything is
 * timed.
 *
 * The stage and the ladder (in a scrolled window, as in the app's
 * window) each fill a 1280×800 window under one player. Each is held at
 * the moment P packets fly (pf_stage_hold_animation (),
 * pf_ladder_hold_animation (); the ladder scrolled as the animation
 * scrolls it), and one frame is timed in two parts:
 *
 * - snapshot: the widget's own snapshot () into a new GtkSnapshot, made
 *   into a render node. (GTK would reuse the widget's last node when
 *   nothing changed; in an animation something always has.)
 * - render: that node drawn by a GskCairoRenderer into an offscreen
 *   texture of the widget's size. The windows use the cairo renderer
 *   too (GSK_RENDERER=cairo), so whatever the widgets prepare for their
 *   window's renderer is prepared for this one.
 *
 * The reference, timed in the same rounds, alternately before and after:
 * the same widget, hosts and step once every packet has landed, the
 * ladder scrolled to the same rows. The per-packet cost is the
 * difference over P; drawing that grows linearly with the packets costs
 * as much per packet at 1,000 as at 100.
 */

#include "config.h"

#include <stdlib.h>

#include <gtk/gtk.h>

#include "pf-bench.h"
#include "pf-ladder-private.h"
#include "pf-player.h"
#include "pf-stage-private.h"

#define WINDOW_WIDTH   1280
#define WINDOW_HEIGHT  800
#define FRAME_BUDGET   (1.0 / 60)
#define DATAGRAMS_PER  6      /* datagrams in the step per packet in flight */
#define LANDED         1.0e4  /* animation seconds: every packet has landed */
#define LINEAR_AT_MOST 2.0    /* per-packet cost at 1,000 over that at 100 */
#define DEADLINE       (60 * G_USEC_PER_SEC)

static const guint host_counts[] = { 10, 100, 1000 };
static const guint packet_counts[] = { 10, 100, 1000 };
#define N_HOST_COUNTS   G_N_ELEMENTS (host_counts)
#define N_PACKET_COUNTS G_N_ELEMENTS (packet_counts)

typedef enum
{
  WIDGET_STAGE,
  WIDGET_LADDER,
  N_WIDGETS
} WidgetKind;

static const char * const widget_names[N_WIDGETS] = { "stage", "ladder" };

typedef struct
{
  GArray *snapshot;   /* seconds, one per frame */
  GArray *render;
  GArray *total;
} Times;

/* One case: H hosts, P packets in flight. */
typedef struct
{
  guint        n_hosts;
  guint        n_packets;
  gboolean     loaded;
  gboolean     measured;
  GskRenderer *renderer;
  PfPlayer    *player;
  GtkWidget   *windows[N_WIDGETS];
  GtkWidget   *widgets[N_WIDGETS];
  int          width[N_WIDGETS];      /* the widgets' size when measured */
  int          height[N_WIDGETS];
  double       time;                  /* animation seconds held at */
  double       scroll;                /* the ladder's scroll there */
  Times        flying[N_WIDGETS];
  Times        landed[N_WIDGETS];
  GArray      *extra[N_WIDGETS];      /* flying less landed, per round */
} Case;

static void
iterate_until (gboolean  (*done) (gpointer),
               gpointer    data,
               const char *what)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE;

  while (!done (data))
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_printerr ("pf-bench-draw: cannot measure: timed out waiting for %s\n", what);
          exit (1);
        }
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
iterate_pending (void)
{
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static gboolean
is_shown (gpointer widget)
{
  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0 &&
         gtk_widget_get_height (widget) > 0;
}

static gboolean
is_idle (gpointer player)
{
  return !pf_player_get_busy (player);
}

/* The scenario */

static PfScenario *
scenario_new (guint    n_hosts,
              guint    n_datagrams,
              GError **error)
{
  static const char * const kinds[] = { "laptop", "server", "desktop", "phone", "router" };
  g_autoptr(GString) json = g_string_new (NULL);
  g_autoptr(GBytes) bytes = NULL;

  g_string_append (json,
                   "{ \"format\": \"packetflow-scenario\", \"version\": 1,\n"
                   "  \"title\": \"Drawing benchmark\", \"summary\": \"Many hosts, many packets.\",\n"
                   "  \"hosts\": [\n");
  for (guint i = 0; i < n_hosts; i++)
    {
      const char *kind = kinds[i % G_N_ELEMENTS (kinds)];

      g_string_append_printf (json,
                              "    { \"id\": \"h%u\", \"name\": \"Host %u\", \"address\": \"10.%u.%u.%u\","
                              " \"kind\": \"%s\"",
                              i, i + 1, (i + 2) / 65536, (i + 2) / 256 % 256, (i + 2) % 256, kind);
      if (g_str_equal (kind, "server"))
        g_string_append (json, ", \"services\": [ { \"type\": \"http\", \"port\": 80 } ]");
      g_string_append (json, i + 1 < n_hosts ? " },\n" : " } ],\n");
    }
  g_string_append_printf (json,
                          "  \"steps\": [\n"
                          "    { \"narration\": \"Many datagrams.\", \"action\": \"udp\", \"from\": \"h0\","
                          " \"to\": \"h1\", \"port\": 9999, \"data\": \"ping\", \"repeat\": %u } ] }\n",
                          n_datagrams);

  bytes = g_string_free_to_bytes (g_steal_pointer (&json));
  return pf_scenario_load_bytes (bytes, "bench-draw.pflow.json", error);
}

/* Frames */

static GtkWidget *
window_new (GtkWidget *child)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), WINDOW_WIDTH, WINDOW_HEIGHT);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static GtkAdjustment *
ladder_vadjustment (Case *c)
{
  /* A scrollable child sits in its scrolled window directly. */
  GtkWidget *scrolled = gtk_widget_get_parent (c->widgets[WIDGET_LADDER]);

  return gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
}

/* Puts @w at the moment P packets fly, or once they have landed. */
static void
set_up (Case       *c,
        WidgetKind  w,
        gboolean    landed)
{
  double seconds = landed ? LANDED : c->time;

  if (w == WIDGET_STAGE)
    pf_stage_hold_animation (PF_STAGE (c->widgets[w]), seconds);
  else
    {
      pf_ladder_hold_animation (PF_LADDER (c->widgets[w]), seconds);
      gtk_adjustment_set_value (ladder_vadjustment (c), c->scroll);
    }
}

/* One frame of @widget: its snapshot, then the cairo renderer's texture
 * of it. Returns the texture. */
static GdkTexture *
frame (Case      *c,
       GtkWidget *widget,
       double    *out_snapshot,
       double    *out_render)
{
  graphene_rect_t viewport = GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (widget),
                                                 gtk_widget_get_height (widget));
  GtkSnapshot *snapshot;
  GskRenderNode *node;
  GdkTexture *texture;
  double start, middle;

  start = pf_bench_now ();
  snapshot = gtk_snapshot_new ();
  GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    node = gsk_container_node_new (NULL, 0);
  middle = pf_bench_now ();
  texture = gsk_renderer_render_texture (c->renderer, node, &viewport);
  *out_render = pf_bench_now () - middle;
  *out_snapshot = middle - start;
  gsk_render_node_unref (node);
  return texture;
}

/* The earliest animation time at which at least @n envelopes fly, from
 * a time when fewer do; the count rises while the step's packets leave. */
static double
time_for (PfStage *stage,
          guint    n)
{
  double lo = 0, hi = 0.01;

  while (pf_stage_hold_animation (stage, hi), pf_stage_get_n_flying (stage) < n)
    {
      lo = hi;
      hi *= 2;
      if (hi > LANDED)
        return -1;
    }
  for (guint i = 0; i < 60; i++)
    {
      double mid = (lo + hi) / 2;

      pf_stage_hold_animation (stage, mid);
      if (pf_stage_get_n_flying (stage) < n)
        lo = mid;
      else
        hi = mid;
    }
  return hi;
}

static void
times_init (Times *times)
{
  times->snapshot = g_array_new (FALSE, FALSE, sizeof (double));
  times->render = g_array_new (FALSE, FALSE, sizeof (double));
  times->total = g_array_new (FALSE, FALSE, sizeof (double));
}

static void
times_clear (Times *times)
{
  g_clear_pointer (&times->snapshot, g_array_unref);
  g_clear_pointer (&times->render, g_array_unref);
  g_clear_pointer (&times->total, g_array_unref);
}

static double
times_add (Times  *times,
           double  snapshot,
           double  render)
{
  double total = snapshot + render;

  g_array_append_val (times->snapshot, snapshot);
  g_array_append_val (times->render, render);
  g_array_append_val (times->total, total);
  return total;
}

static void
save_png (Case       *c,
          GdkTexture *texture,
          const char *dir,
          WidgetKind  w,
          gboolean    landed)
{
  g_autofree char *name = g_strdup_printf ("%s-%u-hosts-%u-packets%s.png", widget_names[w],
                                           c->n_hosts, c->n_packets, landed ? "-landed" : "");
  g_autofree char *path = g_build_filename (dir, name, NULL);

  if (!gdk_texture_save_to_png (texture, path))
    g_printerr ("pf-bench-draw: could not write %s\n", path);
}

/* The windows, the run, and the moment at which P packets fly: halfway
 * between the P-th leaving and the next one. */
static gboolean
case_prepare (Case    *c,
              GError **error)
{
  g_autoptr(PfScenario) scenario = scenario_new (c->n_hosts, DATAGRAMS_PER * c->n_packets, error);
  GtkWidget *scrolled;
  PfStage *stage;
  PfLadder *ladder;
  double first, next;

  if (scenario == NULL)
    return FALSE;
  c->player = pf_player_new ();
  if (!pf_player_load (c->player, scenario, PF_NETSPACE_MODE_LOOPBACK, error))
    return FALSE;
  c->loaded = TRUE;

  c->widgets[WIDGET_STAGE] = pf_stage_new ();
  pf_view_set_player (PF_VIEW (c->widgets[WIDGET_STAGE]), c->player);
  c->windows[WIDGET_STAGE] = window_new (c->widgets[WIDGET_STAGE]);

  /* As in the app's window: no horizontal scrolling. */
  c->widgets[WIDGET_LADDER] = pf_ladder_new ();
  pf_view_set_player (PF_VIEW (c->widgets[WIDGET_LADDER]), c->player);
  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), c->widgets[WIDGET_LADDER]);
  c->windows[WIDGET_LADDER] = window_new (scrolled);

  stage = PF_STAGE (c->widgets[WIDGET_STAGE]);
  ladder = PF_LADDER (c->widgets[WIDGET_LADDER]);
  iterate_until (is_shown, stage, "the stage's window");
  iterate_until (is_shown, ladder, "the ladder's window");

  /* The engine's part, not timed. */
  pf_player_step_forward (c->player);
  iterate_until (is_idle, c->player, "the step to run");
  if (pf_player_get_error (c->player) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the step failed: %s",
                   pf_player_get_error (c->player));
      return FALSE;
    }
  iterate_pending ();

  first = time_for (stage, c->n_packets);
  next = time_for (stage, c->n_packets + 1);
  c->time = (first + next) / 2;
  pf_stage_hold_animation (stage, c->time);
  if (first < 0 || next < 0 || pf_stage_get_n_flying (stage) != c->n_packets)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "never %u packets in flight", c->n_packets);
      return FALSE;
    }

  /* The ladder follows the newest arrow down from the top. */
  gtk_adjustment_set_value (ladder_vadjustment (c), 0);
  pf_ladder_hold_animation (ladder, c->time);
  c->scroll = gtk_adjustment_get_value (ladder_vadjustment (c));
  if (pf_ladder_get_n_moving (ladder) != c->n_packets)
    pf_bench_note ("%u hosts: the ladder moves %u arrows where the stage flies %u packets",
                   c->n_hosts, pf_ladder_get_n_moving (ladder), c->n_packets);

  for (guint w = 0; w < N_WIDGETS; w++)
    {
      c->width[w] = gtk_widget_get_width (c->widgets[w]);
      c->height[w] = gtk_widget_get_height (c->widgets[w]);
    }
  return TRUE;
}

/* @n_frames rounds; in each, a frame in flight and one landed, in turn
 * first, so that neither gains from its place. */
static void
case_measure (Case       *c,
              guint       n_frames,
              const char *png_dir)
{
  for (guint w = 0; w < N_WIDGETS; w++)
    {
      times_init (&c->flying[w]);
      times_init (&c->landed[w]);
      c->extra[w] = g_array_new (FALSE, FALSE, sizeof (double));
    }

  /* One frame of each first, not counted: it makes what the widgets
   * keep from frame to frame (text layouts, pictures). */
  for (guint w = 0; w < N_WIDGETS; w++)
    for (guint landed = 0; landed < 2; landed++)
      {
        double snapshot, render;
        g_autoptr(GdkTexture) texture = NULL;

        set_up (c, w, landed);
        texture = frame (c, c->widgets[w], &snapshot, &render);
        if (png_dir != NULL)
          save_png (c, texture, png_dir, w, landed);
      }

  for (guint round = 0; round < n_frames; round++)
    {
      for (guint w = 0; w < N_WIDGETS; w++)
        {
          double totals[2];

          for (guint i = 0; i < 2; i++)
            {
              gboolean landed = (i + round) % 2;
              double snapshot, render;

              set_up (c, w, landed);
              g_object_unref (frame (c, c->widgets[w], &snapshot, &render));
              totals[landed] = times_add (landed ? &c->landed[w] : &c->flying[w], snapshot, render);
            }
          totals[0] -= totals[1];
          g_array_append_val (c->extra[w], totals[0]);
        }
      /* Whatever the windows queued, outside the timed frames. */
      iterate_pending ();
    }
  c->measured = TRUE;
}

/* The windows and the run go; the figures stay. */
static void
case_close (Case *c)
{
  for (guint w = 0; w < N_WIDGETS; w++)
    {
      if (c->windows[w] != NULL)
        gtk_window_destroy (GTK_WINDOW (c->windows[w]));
      c->windows[w] = c->widgets[w] = NULL;
    }
  iterate_pending ();
  g_clear_object (&c->player);
}

static void
case_clear (Case *c)
{
  case_close (c);
  for (guint w = 0; w < N_WIDGETS; w++)
    {
      times_clear (&c->flying[w]);
      times_clear (&c->landed[w]);
      g_clear_pointer (&c->extra[w], g_array_unref);
    }
}

/* Reporting */

static void
report_frame (Case       *c,
              WidgetKind  w)
{
  Times *flying = &c->flying[w];
  Times *landed = &c->landed[w];
  double total = pf_bench_median (flying->total);
  double landed_total = pf_bench_median (landed->total);
  g_autofree char *what = g_strdup_printf ("%s, %u hosts, %u packets", widget_names[w],
                                           c->n_hosts, c->n_packets);
  char measured[32], reference[32], target[32];

  g_snprintf (measured, sizeof measured, "%.2f ms", total * 1000);
  g_snprintf (reference, sizeof reference, "%.2f ms", landed_total * 1000);
  g_snprintf (target, sizeof target, "< %.1f ms", FRAME_BUDGET * 1000);
  pf_bench_row (what, measured, reference, total / landed_total, target,
                total < FRAME_BUDGET ? PF_BENCH_MET : PF_BENCH_MISSED);
  pf_bench_note ("  snapshot %.2f + render %.2f ms; landed: %.2f + %.2f ms; %dx%d pixels",
                 pf_bench_median (flying->snapshot) * 1000, pf_bench_median (flying->render) * 1000,
                 pf_bench_median (landed->snapshot) * 1000, pf_bench_median (landed->render) * 1000,
                 c->width[w], c->height[w]);
}

/* Per packet, from each frame's excess over the landed one in the same
 * round; at 1,000 against at 100. */
static void
report_linearity (Case       *at_100,
                  Case       *at_1000,
                  WidgetKind  w)
{
  double per_100 = pf_bench_median (at_100->extra[w]) / 100;
  double per_1000 = pf_bench_median (at_1000->extra[w]) / 1000;
  GArray *landed = at_100->landed[w].total;
  g_autofree char *what = g_strdup_printf ("%s, %u hosts", widget_names[w], at_100->n_hosts);
  char measured[32], reference[32], target[32];
  double spread;

  /* The landed frames' own spread, between their quartiles (sorted by
   * the median taken before): 100 packets that cost less than that
   * cost nothing measurable. */
  spread = g_array_index (landed, double, landed->len * 3 / 4) -
           g_array_index (landed, double, landed->len / 4);

  g_snprintf (measured, sizeof measured, "%.2f us at 1000", per_1000 * 1e6);
  g_snprintf (reference, sizeof reference, "%.2f us at 100", per_100 * 1e6);
  g_snprintf (target, sizeof target, "<= %.1f", LINEAR_AT_MOST);
  if (per_100 * 100 <= spread)
    {
      pf_bench_row (what, measured, reference, 0, target, PF_BENCH_NO_TARGET);
      pf_bench_note ("  100 packets cost no more than the frames' own spread (%.3f ms): flat",
                     spread * 1000);
      return;
    }
  pf_bench_row (what, measured, reference, per_1000 / per_100, target,
                per_1000 / per_100 <= LINEAR_AT_MOST ? PF_BENCH_MET : PF_BENCH_MISSED);
}

static Case *
find_case (Case  *cases,
           guint  h,
           guint  n_packets)
{
  for (guint p = 0; p < N_PACKET_COUNTS; p++)
    if (packet_counts[p] == n_packets)
      return cases[h * N_PACKET_COUNTS + p].measured ? &cases[h * N_PACKET_COUNTS + p] : NULL;
  return NULL;
}

int
main (int    argc,
      char **argv)
{
  int n_frames = 31;
  int max_hosts = 1000;
  g_autofree char *png_dir = NULL;
  GOptionEntry entries[] = {
    { "frames", 0, 0, G_OPTION_ARG_INT, &n_frames, "Frames timed per case (default 31)", "N" },
    { "max-hosts", 0, 0, G_OPTION_ARG_INT, &max_hosts, "Only the host counts up to N", "N" },
    { "png", 0, 0, G_OPTION_ARG_FILENAME, &png_dir, "Save each case's frame as a PNG in DIR", "DIR" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- one frame of the stage and the ladder");
  g_autoptr(GError) error = NULL;
  g_autoptr(GskRenderer) renderer = NULL;
  g_autoptr(GPtrArray) skipped = g_ptr_array_new_with_free_func (g_free);
  Case cases[N_HOST_COUNTS * N_PACKET_COUNTS] = { { 0 } };
  guint n_measured = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  n_frames = MAX (n_frames, 1);

  /* The windows draw with the renderer that is timed. */
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);
  /* No accessibility bus to look for: under xvfb-run there is no session
   * bus, and a frame's cost does not include it. */
  g_setenv ("GTK_A11Y", "none", FALSE);
  if (!gtk_init_check ())
    {
      g_printerr ("pf-bench-draw: cannot measure: no display (run it under xvfb-run)\n");
      return 1;
    }
  if (png_dir != NULL)
    g_mkdir_with_parents (png_dir, 0755);

  renderer = gsk_cairo_renderer_new ();
  if (!gsk_renderer_realize (renderer, NULL, &error))
    {
      g_printerr ("pf-bench-draw: cannot measure: the cairo renderer: %s\n", error->message);
      return 1;
    }

  for (guint h = 0; h < N_HOST_COUNTS && host_counts[h] <= (guint) max_hosts; h++)
    for (guint p = 0; p < N_PACKET_COUNTS; p++)
      {
        Case *c = &cases[h * N_PACKET_COUNTS + p];
        g_autoptr(GError) case_error = NULL;

        c->n_hosts = host_counts[h];
        c->n_packets = packet_counts[p];
        c->renderer = renderer;
        if (case_prepare (c, &case_error))
          {
            case_measure (c, n_frames, png_dir);
            n_measured++;
          }
        else if (c->loaded)
          g_ptr_array_add (skipped, g_strdup_printf ("%u hosts, %u packets: %s", c->n_hosts,
                                                     c->n_packets, case_error->message));
        else
          {
            /* The other cases would not load either. */
            g_ptr_array_add (skipped, g_strdup_printf ("%u hosts: %s", c->n_hosts, case_error->message));
            case_close (c);
            break;
          }
        case_close (c);
      }
  if (n_measured == 0)
    {
      for (guint i = 0; i < skipped->len; i++)
        g_printerr ("pf-bench-draw: cannot measure: %s\n", (char *) g_ptr_array_index (skipped, i));
      return 1;
    }

  for (guint w = 0; w < N_WIDGETS; w++)
    {
      g_autofree char *title =
        g_strdup_printf ("Drawing: one frame of the %s with P packets in flight (snapshot + cairo render,\n"
                         "%ux%u window, median of %d), against the same frame once all have landed",
                         widget_names[w], WINDOW_WIDTH, WINDOW_HEIGHT, n_frames);

      pf_bench_section (title);
      for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
        if (cases[i].measured)
          report_frame (&cases[i], w);
      for (guint i = 0; i < skipped->len; i++)
        pf_bench_note ("not measured: %s", (char *) g_ptr_array_index (skipped, i));
    }

  pf_bench_section ("Drawing: cost per packet in flight, at 1000 packets against at 100\n"
                    "(1 = linear, 10 = quadratic, 0.1 = constant; flat = too small to measure)");
  for (guint w = 0; w < N_WIDGETS; w++)
    for (guint h = 0; h < N_HOST_COUNTS; h++)
      {
        Case *at_100 = find_case (cases, h, 100);
        Case *at_1000 = find_case (cases, h, 1000);

        if (at_100 != NULL && at_1000 != NULL)
          report_linearity (at_100, at_1000, w);
      }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    case_clear (&cases[i]);
  gsk_renderer_unrealize (renderer);
  return 0;
}
