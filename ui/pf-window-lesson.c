/* pf-window-lesson.c: the lesson card, and what a failed step says
 *
 * The scenario's lesson is part of the run: a card over the stage shows
 * it before step 1 and again after the last step, with what the run
 * showed (its connections and segments, from the timeline); L (win.lesson)
 * shows or hides it at any step, until the next step.
 *
 * A step that went wrong leaves its narration out: the caption says in a
 * sentence what happened instead, styled as an error, and the step
 * counter says the step failed. A refusal the scenario asks for (a
 * connect to a port where it has no service, as in `refused`) is the
 * lesson, not a failure.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-window"

#include "config.h"

#include <glib/gi18n.h>

#include "pf-lesson-card.h"
#include "pf-view-util.h"
#include "pf-window-private.h"

/* What the run showed */

typedef struct
{
  PfFourTuple tuple;      /* as the kernel used it, client → server */
  gboolean    udp;
  gboolean    answered;   /* a SYN-ACK, or any segment besides the SYN and a reset */
  gboolean    reset;
  guint       n_segments;
} SeenFlow;

static SeenFlow *
find_flow (GArray            *flows,
           const PfFourTuple *tuple,
           gboolean           udp)
{
  for (guint i = 0; i < flows->len; i++)
    {
      SeenFlow *flow = &g_array_index (flows, SeenFlow, i);

      if (flow->udp == udp && pf_four_tuple_same_connection (&flow->tuple, tuple))
        return flow;
    }

  return NULL;
}

/* "Laptop 10.0.0.2:50312" */
static char *
describe_endpoint (PfWindow         *self,
                   const PfEndpoint *endpoint)
{
  const PfHost *host = pf_view_find_host (self->player, endpoint->address);
  g_autofree char *shown = pf_view_format_endpoint (self->player, endpoint, NULL);

  if (host == NULL)
    return g_steal_pointer (&shown);
  return g_strdup_printf ("%s %s", host->name, shown);
}

static void
append_flow (PfWindow       *self,
             GString        *text,
             const SeenFlow *flow)
{
  g_autofree char *src = describe_endpoint (self, &flow->tuple.src);
  g_autofree char *dst = describe_endpoint (self, &flow->tuple.dst);
  g_autofree char *here_src = NULL;
  g_autofree char *here_dst = NULL;
  g_autofree char *shown = pf_view_format_endpoint (self->player, &flow->tuple.src, &here_src);
  g_autofree char *shown_dst = pf_view_format_endpoint (self->player, &flow->tuple.dst, &here_dst);
  g_autofree char *segments = NULL;

  segments = g_strdup_printf (flow->udp
                              ? ngettext ("UDP, %u datagram", "UDP, %u datagrams", flow->n_segments)
                              : ngettext ("TCP, %u segment", "TCP, %u segments", flow->n_segments),
                              flow->n_segments);

  g_string_append_printf (text, "\n• %s → %s (%s", src, dst, segments);
  if (!flow->udp && flow->reset && !flow->answered)
    g_string_append_printf (text, ", %s", _("refused"));
  g_string_append (text, ")");
  if (here_src != NULL || here_dst != NULL)
    g_string_append_printf (text, _("; here %s → %s"),
                            here_src ? here_src : shown, here_dst ? here_dst : shown_dst);
}

/* The connections and segments in the player's history, each connection
 * by its 4-tuple: only what the timeline holds, and whether the kernel's
 * segments were captured or modelled from the sockets (loopback mode). */
static char *
describe_run (PfWindow *self)
{
  PfTimeline *timeline = pf_player_get_timeline (self->player);
  guint position = pf_player_get_position (self->player);
  g_autoptr(GArray) flows = g_array_new (FALSE, TRUE, sizeof (SeenFlow));
  g_autoptr(GString) text = g_string_new (NULL);
  guint n_captured = 0, n_modelled = 0, n_tcp = 0, n_udp = 0, n_refused = 0, n_arp = 0;
  g_autofree char *connections = NULL;
  g_autofree char *segments = NULL;

  if (timeline == NULL)
    return NULL;

  for (guint i = 0; i < position; i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);
      PfPacket *packet;
      PfFourTuple tuple;
      gboolean udp;
      SeenFlow *flow;

      if (pf_event_get_kind (event) != PF_EVENT_SEGMENT)
        continue;

      packet = pf_event_get_packet (event);
      /* ARP frames are the wire's own, not a connection's segments:
       * counted apart, so "segments" means what TCP and UDP sent. */
      if (pf_packet_get_kind (packet) == PF_PACKET_KIND_ARP)
        {
          n_arp++;
          continue;
        }
      if (packet->origin == PF_PACKET_ORIGIN_MODELLED)
        n_modelled++;
      else
        n_captured++;

      if (packet->protocol != PF_IP_PROTOCOL_TCP && packet->protocol != PF_IP_PROTOCOL_UDP)
        continue;

      udp = packet->protocol == PF_IP_PROTOCOL_UDP;
      tuple = pf_packet_get_four_tuple (packet);
      flow = find_flow (flows, &tuple, udp);
      if (flow == NULL)
        {
          SeenFlow added = { 0 };

          /* The first segment's sender is the client: it sent the SYN. */
          added.tuple = tuple;
          added.udp = udp;
          g_array_append_val (flows, added);
          flow = &g_array_index (flows, SeenFlow, flows->len - 1);
          if (udp)
            n_udp++;
          else
            n_tcp++;
        }

      flow->n_segments++;
      if ((packet->flags & PF_TCP_RST) != 0)
        flow->reset = TRUE;
      else if (!udp && packet->flags != PF_TCP_SYN)
        flow->answered = TRUE;
    }

  connections = g_strdup_printf (ngettext ("%u TCP connection", "%u TCP connections", n_tcp), n_tcp);
  g_string_append (text, connections);
  for (guint i = 0; i < flows->len; i++)
    {
      const SeenFlow *flow = &g_array_index (flows, SeenFlow, i);

      n_refused += !flow->udp && flow->reset && !flow->answered;
    }
  if (n_refused > 0)
    g_string_append_printf (text, _(" (%u refused)"), n_refused);
  if (n_udp > 0)
    {
      g_autofree char *udp = g_strdup_printf (ngettext ("%u UDP exchange", "%u UDP exchanges", n_udp), n_udp);

      g_string_append_printf (text, ", %s", udp);
    }

  if (n_modelled == 0)
    segments = g_strdup_printf (ngettext ("%u segment captured from the kernel",
                                          "%u segments captured from the kernel",
                                          n_captured), n_captured);
  else if (n_captured == 0)
    segments = g_strdup_printf (ngettext ("%u segment modelled from what the sockets did",
                                          "%u segments modelled from what the sockets did",
                                          n_modelled), n_modelled);
  else
    segments = g_strdup_printf (_("%u segments: %u captured from the kernel, %u modelled"),
                                n_captured + n_modelled, n_captured, n_modelled);
  g_string_append_printf (text, "; %s", segments);
  if (n_arp > 0)
    {
      g_autofree char *arp = g_strdup_printf (ngettext ("%u ARP frame", "%u ARP frames", n_arp), n_arp);

      g_string_append_printf (text, _(", and %s"), arp);
    }
  g_string_append (text, ".");

  for (guint i = 0; i < flows->len; i++)
    append_flow (self, text, &g_array_index (flows, SeenFlow, i));

  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* What went wrong */

static const PfStep *
event_step (PfWindow *self,
            PfEvent  *event)
{
  const PfScenario *scenario = pf_player_get_scenario (self->player);
  int step = pf_event_get_step (event);

  if (scenario == NULL || step < 0 || (guint) step >= scenario->steps->len)
    return NULL;
  return g_ptr_array_index (scenario->steps, step);
}

static const char *
host_name (PfWindow   *self,
           const char *id)
{
  const PfScenario *scenario = pf_player_get_scenario (self->player);
  const PfHost *host = scenario && id ? pf_scenario_find_host (scenario, id) : NULL;

  return host ? host->name : NULL;
}

/* The host at the other end of @step's connection, which sent what
 * @step's side received. */
static const PfHost *
expect_peer (PfWindow     *self,
             const PfStep *step)
{
  const PfScenario *scenario = pf_player_get_scenario (self->player);

  for (guint i = 0; step->connection != NULL && i < scenario->steps->len; i++)
    {
      const PfStep *other = g_ptr_array_index (scenario->steps, i);

      if (other->action == PF_STEP_CONNECT && g_strcmp0 (other->connection, step->connection) == 0)
        return step->side == PF_SIDE_CLIENT ? other->to : other->from;
    }

  return NULL;
}

/* The first line of an excerpt ("HTTP/1.1 200 OK…"): the line a text
 * protocol puts its verdict in, and short enough for the caption. */
static char *
first_line (const char *excerpt)
{
  const char *newline = strstr (excerpt, "\\n");
  const char *end = newline;

  if (newline == NULL)
    return g_strdup (excerpt);
  if (end - excerpt >= 2 && strncmp (end - 2, "\\r", 2) == 0)
    end -= 2;
  /* A line break that ends the text leaves it whole. */
  if (end == excerpt || newline[2] == '\0')
    return g_strdup (excerpt);
  return g_strdup_printf ("%.*s…", (int) (end - excerpt), excerpt);
}

/* An expectation: "Laptop expected “HTTP/1.1 404” but knuth.luther.edu
 * sent “HTTP/1.1 200 OK…”", from the step and the engine's message
 * (pf-engine-steps.c), which holds what arrived. */
static char *
describe_expect (PfWindow *self,
                 PfEvent  *event)
{
  const PfStep *step = event_step (self, event);
  const char *message = pf_event_get_message (event);
  const char *who = host_name (self, pf_event_get_host_id (event));
  const char *got = message ? strstr (message, "but received “") : NULL;
  const char *got_end = message ? g_strrstr (message, "”") : NULL;
  const PfHost *peer;
  g_autofree char *want = NULL;
  g_autofree char *received = NULL;
  gsize len;
  const guint8 *data;

  if (step == NULL || step->action != PF_STEP_EXPECT || step->data == NULL ||
      who == NULL || got == NULL || got_end == NULL)
    return NULL;

  got += strlen ("but received “");
  if (got_end < got)
    return NULL;
  {
    g_autofree char *excerpt = g_strndup (got, got_end - got);
    g_autofree char *want_excerpt = NULL;

    received = first_line (excerpt);
    data = g_bytes_get_data (step->data, &len);
    want_excerpt = pf_bytes_excerpt (data, len, 60);
    want = first_line (want_excerpt);
  }
  peer = expect_peer (self, step);

  if (received[0] == '\0' && peer != NULL)
    return g_strdup_printf (_("Step failed: %s expected “%s”, but nothing arrived from %s (scenario line %u)."),
                            who, want, peer->name, step->line);
  if (received[0] == '\0')
    return g_strdup_printf (_("Step failed: %s expected “%s”, but nothing arrived (scenario line %u)."),
                            who, want, step->line);
  if (peer != NULL)
    return g_strdup_printf (_("Step failed: %s expected “%s”, but %s sent “%s” (scenario line %u)."),
                            who, want, peer->name, received, step->line);
  return g_strdup_printf (_("Step failed: %s expected “%s” but received “%s” (scenario line %u)."),
                          who, want, received, step->line);
}

static char *
describe_error (PfWindow *self,
                PfEvent  *event)
{
  const char *label = pf_event_error_code_to_label (pf_event_get_error_code (event));
  const char *who = host_name (self, pf_event_get_host_id (event));
  const char *message = pf_event_get_message (event);
  char *sentence = NULL;

  if (pf_event_get_error_code (event) == PF_EVENT_ERROR_CODE_EXPECT)
    sentence = describe_expect (self, event);
  if (sentence != NULL)
    return sentence;

  if (who != NULL)
    return g_strdup_printf (_("%s on %s: %s"), label, who, message ? message : "");
  return g_strdup_printf (_("%s: %s"), label, message ? message : "");
}

/* The first thing that went wrong in the step on screen, as a sentence,
 * or NULL when it went as the scenario says. */
char *
pf_window_describe_failure (PfWindow *self)
{
  PfTimeline *timeline = pf_player_get_timeline (self->player);
  const char *error = pf_player_get_error (self->player);
  guint position;

  if (error != NULL)
    return g_strdup (error);
  if (timeline == NULL || pf_player_get_step (self->player) < 0)
    return NULL;

  position = pf_player_get_position (self->player);
  for (guint i = pf_player_get_step_start (self->player); i < position; i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      if (pf_event_get_kind (event) == PF_EVENT_ERROR &&
          pf_event_get_step (event) == pf_player_get_step (self->player) &&
          !pf_event_get_expected (event))
        return describe_error (self, event);
    }

  return NULL;
}

/* The card */

/* After the last step the card comes back, but only once that step has
 * played: the close of a connection is not to be hidden by it. A step
 * plays for PF_PLAYER_STEP_TIME at speed 1 once its events are in; a
 * little after that. */
#define LESSON_END_DELAY_S 0.75

static gboolean
show_end_card (gpointer data)
{
  PfWindow *self = data;

  self->lesson_end_source = 0;
  self->lesson_shown = TRUE;
  pf_window_update_lesson (self);
  return G_SOURCE_REMOVE;
}

void
pf_window_update_lesson (PfWindow *self)
{
  const PfScenario *scenario = pf_player_get_scenario (self->player);
  int step = pf_player_get_step (self->player);
  int n_steps = (int) pf_player_get_n_steps (self->player);
  gboolean at_end = scenario != NULL && n_steps > 0 && step == n_steps - 1;
  g_autofree char *seen = NULL;

  /* Each step decides afresh: the card before step 1 and after the
   * last; L changes that until the next step. */
  if (step != self->lesson_step || scenario != self->lesson_scenario)
    {
      self->lesson_step = step;
      self->lesson_scenario = scenario;
      self->lesson_shown = scenario != NULL && step < 0;
      g_clear_handle_id (&self->lesson_end_source, g_source_remove);
      self->lesson_end_waiting = at_end;
    }

  /* The last step plays from when its events are all in (the engine may
   * take a while over them): its time counts from then. */
  if (self->lesson_end_waiting && !pf_player_get_busy (self->player))
    {
      double seconds = PF_PLAYER_STEP_TIME / pf_player_get_speed (self->player) + LESSON_END_DELAY_S;

      self->lesson_end_waiting = FALSE;
      self->lesson_end_source = g_timeout_add ((guint) (seconds * 1000), show_end_card, self);
    }

  pf_lesson_card_set_scenario (PF_LESSON_CARD (self->lesson_card), scenario);
  if (at_end)
    seen = describe_run (self);
  pf_lesson_card_set_seen (PF_LESSON_CARD (self->lesson_card), seen);

  gtk_revealer_set_reveal_child (self->lesson_revealer,
                                 self->lesson_shown && scenario != NULL && pf_window_is_running (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.lesson",
                                 scenario != NULL && pf_window_is_running (self));
}

void
pf_window_toggle_lesson (PfWindow *self)
{
  g_clear_handle_id (&self->lesson_end_source, g_source_remove);
  self->lesson_end_waiting = FALSE;
  self->lesson_shown = !gtk_revealer_get_reveal_child (self->lesson_revealer);
  pf_window_update_lesson (self);
}
