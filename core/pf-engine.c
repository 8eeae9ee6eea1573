/* pf-engine.c: runs a scenario on real sockets, one step at a time
 *
 * The engine owns the sockets of a run. Each step does what the scenario
 * says (connect, send, close, ...) and then runs until the network is
 * quiet: every byte written was read by the program at the other end,
 * every connect has its answer and nothing is left to read. Only then
 * does the step end, so the state on screen is the kernel's state now.
 *
 * The engine does not wait for acknowledgements: when the kernel delays
 * an ACK (up to 40 ms on lo, once a connection leaves quick-ack mode), it
 * arrives after its step ended and is appended to that step's events
 * then, as it happened. Waiting would make every step of a long exchange
 * last a delayed-ACK timeout.
 *
 * What happened is recorded as PfEvents: in exact mode the segments come
 * from the capture socket, in loopback mode from PfTcpModel, checked
 * against each socket's tcpi_segs_out. A step's events are gathered and
 * appended to the timeline, in time order, when the step ends.
 *
 * This file holds the object, the recording and the life of a step; the
 * sockets are in pf-engine-sockets.c, the wire in pf-engine-wire.c, the
 * model in pf-engine-model.c, the steps' actions and the services in
 * pf-engine-steps.c, all behind pf-engine-private.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-engine"

#include "config.h"

#include <linux/tcp.h>

#include "pf-engine-private.h"
#include "pf-enum.h"

#define STEP_TIMEOUT_MS      5000
#define SETTLE_POLL_MS       1
#define LATE_SEGMENTS_MS     300   /* longer than a delayed ACK on lo */
#define LATE_POLL_MS         20

G_DEFINE_FINAL_TYPE (PfEngine, pf_engine, G_TYPE_OBJECT)

G_DEFINE_QUARK (pf-engine-error-quark, pf_engine_error)

/* Sources */

/* Calls @callback when @socket is ready for @condition.
 *
 * GLib takes a source's descriptors out of the poll set while it is
 * dispatched and puts them back after, and each change wakes the main
 * context up: two writes and one more iteration for every callback.
 * The engine's callbacks never run the main loop themselves, so they
 * cannot recurse, and the descriptors may stay. */
GSource *
pf_engine_watch_socket (GSocket           *socket,
                        GIOCondition       condition,
                        GSocketSourceFunc  callback,
                        gpointer           user_data)
{
  GSource *source = g_socket_create_source (socket, condition, NULL);

  g_source_set_can_recurse (source, TRUE);
  g_source_set_callback (source, G_SOURCE_FUNC (callback), user_data, NULL);
  g_source_attach (source, NULL);
  return source;
}

/* A timer for the whole run, armed by its ready time: no source made and
 * destroyed for every step. Each arming wakes the main context, so it
 * is armed only when it is not. */
static gboolean
timer_dispatch (GSource     *source,
                GSourceFunc  callback,
                gpointer     user_data)
{
  return callback (user_data);
}

static GSourceFuncs timer_funcs = { .dispatch = timer_dispatch };

static GSource *
timer_new (GSourceFunc callback,
           gpointer    user_data)
{
  GSource *timer = g_source_new (&timer_funcs, sizeof (GSource));

  g_source_set_callback (timer, callback, user_data, NULL);
  g_source_attach (timer, NULL);
  return timer;
}

static void
timer_arm (GSource *timer,
           guint    milliseconds)
{
  if (timer != NULL)
    g_source_set_ready_time (timer, g_get_monotonic_time () + milliseconds * 1000);
}

static void
timer_arm_unless_armed (GSource *timer,
                        guint    milliseconds)
{
  if (timer != NULL && g_source_get_ready_time (timer) == -1)
    timer_arm (timer, milliseconds);
}

static void
timer_disarm (GSource *timer)
{
  if (timer != NULL && g_source_get_ready_time (timer) != -1)
    g_source_set_ready_time (timer, -1);
}

static void
timer_clear (GSource **timer)
{
  if (*timer != NULL)
    {
      g_source_destroy (*timer);
      g_clear_pointer (timer, g_source_unref);
    }
}

/* Time and recording */

gint64
pf_engine_now (PfEngine *self)
{
  return g_get_real_time () - self->start_time;
}

void
pf_engine_record (PfEngine *self,
                  PfEvent  *event)
{
  g_ptr_array_add (self->pending, event);
}

static int
compare_events (gconstpointer a,
                gconstpointer b)
{
  PfEvent *ea = *(PfEvent **) a;
  PfEvent *eb = *(PfEvent **) b;
  gint64 ta = pf_event_get_time (ea);
  gint64 tb = pf_event_get_time (eb);

  /* The step's own event opens it, whatever the clocks say. */
  if (pf_event_get_kind (ea) == PF_EVENT_STEP)
    return -1;
  if (pf_event_get_kind (eb) == PF_EVENT_STEP)
    return 1;
  if (ta != tb)
    return (ta > tb) - (ta < tb);

  /* In the same microsecond, the segment before the state it moved:
   * modelled segments are recorded after the states polled with them,
   * and the order must not depend on which call the clock ticked in. */
  return (pf_event_get_kind (ea) == PF_EVENT_STATE && pf_event_get_kind (eb) == PF_EVENT_SEGMENT) -
         (pf_event_get_kind (ea) == PF_EVENT_SEGMENT && pf_event_get_kind (eb) == PF_EVENT_STATE);
}

void
pf_engine_flush_pending (PfEngine *self)
{
  /* A stable sort: events of equal time keep the order they happened in. */
  GPtrArray *events = self->pending;

  if (events->len == 0)
    return;

  for (guint i = 1; i < events->len; i++)
    {
      for (guint j = i; j > 0 && compare_events (&events->pdata[j - 1], &events->pdata[j]) > 0; j--)
        {
          gpointer tmp = events->pdata[j];

          events->pdata[j] = events->pdata[j - 1];
          events->pdata[j - 1] = tmp;
        }
    }

  /* Emptied first: a handler of ::items-changed may make the engine
   * record more. */
  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
  pf_timeline_append_all (self->timeline, events);
  g_ptr_array_unref (events);
}

/* An error of the kernel's (refused, reset...) that the scenario may
 * expect: recorded as such, and counted as a failure of the run when it
 * was not expected. */
void
pf_engine_record_outcome (PfEngine          *self,
                          const PfHost      *host,
                          const PfFourTuple *tuple,
                          PfEventErrorCode   code,
                          gboolean           expected,
                          const char        *message)
{
  PfEvent *event = pf_event_new_error (pf_engine_now (self), self->step,
                                       host ? host->id : NULL, tuple, code, message);

  g_debug ("step %d: %s%s: %s", self->step,
           pf_enum_to_nick (PF_TYPE_EVENT_ERROR_CODE, code), expected ? " (expected)" : "",
           message);
  pf_event_set_expected (event, expected);
  if (!expected)
    self->n_failures++;
  pf_engine_record (self, event);
}

/* An error nothing in the scenario expects; the caller counts the
 * failure. */
void
pf_engine_record_error (PfEngine          *self,
                        const PfHost      *host,
                        const PfFourTuple *tuple,
                        PfEventErrorCode   code,
                        const char        *message)
{
  g_debug ("step %d: %s: %s", self->step,
           pf_enum_to_nick (PF_TYPE_EVENT_ERROR_CODE, code), message);
  pf_engine_record (self, pf_event_new_error (pf_engine_now (self), self->step,
                                              host ? host->id : NULL, tuple, code, message));
}

/* The end of a step */

/* Loopback mode's counterpart of a late capture: for a while after a
 * step, segments the kernel counts (a delayed ACK) are modelled and
 * appended to the step that ended. */
static gboolean
on_late_tick (gpointer user_data)
{
  PfEngine *self = user_data;

  if (self->task != NULL || g_get_monotonic_time () > self->late_until)
    {
      timer_disarm (self->late);
      return G_SOURCE_CONTINUE;
    }

  pf_engine_reconcile_model (self);
  pf_engine_flush_pending (self);
  timer_arm (self->late, LATE_POLL_MS);
  return G_SOURCE_CONTINUE;
}

static void
engine_finish_step (PfEngine *self,
                    GError   *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);
  const PfStep *step = g_ptr_array_index (self->scenario->steps, self->step);

  /* A step that ended early (the helper was lost) takes its pause along,
   * so it cannot end a later step. */
  g_clear_handle_id (&self->wait_id, g_source_remove);

  pf_engine_drain_wire (self);
  pf_engine_poll_states (self);
  if (pf_engine_models (self))
    pf_engine_reconcile_model (self);
  pf_engine_check_wire_losses (self);

  if (error == NULL && step->action == PF_STEP_EXPECT)
    pf_engine_action_expect_check (self, step);

  pf_engine_release_closed (self);
  pf_engine_flush_pending (self);
  self->next_step = self->step + 1;

  if (pf_engine_models (self))
    {
      self->late_until = g_get_monotonic_time () + LATE_SEGMENTS_MS * 1000;
      timer_arm_unless_armed (self->late, LATE_POLL_MS);
    }

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static GError *
engine_lost_error (void)
{
  return g_error_new_literal (PF_ENGINE_ERROR, PF_ENGINE_ERROR_LOST,
                              "The private network went away during the run "
                              "(its helper process ended). Restart the scenario "
                              "to run it again.");
}

void
pf_engine_check (PfEngine *self)
{
  if (self->task == NULL)
    return;

  if (self->lost)
    {
      engine_finish_step (self, engine_lost_error ());
      return;
    }

  if (!self->action_done || !pf_engine_is_quiet (self))
    return;

  engine_finish_step (self, NULL);
}

static gboolean
on_settle_tick (gpointer user_data)
{
  PfEngine *self = user_data;

  /* Left armed when a step ended; asleep until the next one. */
  if (self->task == NULL)
    {
      timer_disarm (self->settle);
      return G_SOURCE_CONTINUE;
    }

  if (g_get_monotonic_time () > self->deadline)
    {
      const PfStep *step = g_ptr_array_index (self->scenario->steps, self->step);

      self->n_failures++;
      pf_engine_record_error (self, NULL, NULL, PF_EVENT_ERROR_CODE_ETIMEDOUT,
                              "The step did not finish: the network was still busy "
                              "when time ran out.");
      engine_finish_step (self, g_error_new (PF_ENGINE_ERROR, PF_ENGINE_ERROR_TIMEOUT,
                                             "Step %d (line %u) did not finish in time.",
                                             self->step + 1, step->line));
      return G_SOURCE_CONTINUE;
    }

  /* The step's callback, run from pf_engine_check (), may stop the run. */
  g_object_ref (self);
  pf_engine_drain_wire (self);
  pf_engine_poll_states (self);
  pf_engine_check (self);
  timer_arm (self->settle, SETTLE_POLL_MS);
  g_object_unref (self);
  return G_SOURCE_CONTINUE;
}

static void
on_netspace_lost (PfNetspace   *netspace,
                  const GError *error,
                  PfEngine     *self)
{
  /* Not pf_engine_check (): this may be heard in the middle of a step's
   * action. While a step runs, its settle tick ends it within 1 ms. */
  self->lost = TRUE;
}

/* GObject */

static void
pf_engine_dispose (GObject *object)
{
  PfEngine *self = PF_ENGINE (object);

  pf_engine_stop (self);
  g_clear_object (&self->timeline);

  G_OBJECT_CLASS (pf_engine_parent_class)->dispose (object);
}

static void
pf_engine_finalize (GObject *object)
{
  PfEngine *self = PF_ENGINE (object);

  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->modelled, g_ptr_array_unref);
  g_clear_pointer (&self->open, g_ptr_array_unref);
  g_clear_pointer (&self->open_copy, g_ptr_array_unref);
  g_clear_pointer (&self->settling, g_ptr_array_unref);
  g_clear_pointer (&self->time_wait, g_ptr_array_unref);
  g_clear_pointer (&self->socks, g_ptr_array_unref);
  g_clear_pointer (&self->conns, g_hash_table_unref);
  g_clear_pointer (&self->scenario, pf_scenario_free);
  g_clear_pointer (&self->arena, pf_record_arena_free);
  g_free (self->fallback_reason);

  G_OBJECT_CLASS (pf_engine_parent_class)->finalize (object);
}

static void
pf_engine_class_init (PfEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pf_engine_dispose;
  object_class->finalize = pf_engine_finalize;
}

static void
pf_engine_init (PfEngine *self)
{
  self->timeline = pf_timeline_new ();
  self->socks = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_engine_sock_free);
  self->open = g_ptr_array_new ();
  self->open_copy = g_ptr_array_new ();
  self->settling = g_ptr_array_new ();
  self->time_wait = g_ptr_array_new ();
  self->conns = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) pf_engine_conn_free);
  self->pending = g_ptr_array_new_with_free_func (g_object_unref);
  self->modelled = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_packet_unref);
  self->arena = pf_record_arena_new ();
  self->step = -1;
}

/* Every port the scenario names, so loopback mode moves none onto them. */
static void
engine_reserve_ports (PfEngine *self)
{
  g_autoptr(GArray) ports = g_array_new (FALSE, FALSE, sizeof (guint16));
  g_autofree guint8 *seen = g_malloc0 (65536 / 8);

  /* Each port once: loopback mode tries every one on every host's
   * address, and a scenario of 20,000 steps names port 80 10,000 times. */
#define ADD_PORT(port)                                            \
  G_STMT_START {                                                  \
    guint16 p_ = (port);                                          \
    if (p_ != 0 && (seen[p_ / 8] & (1u << (p_ % 8))) == 0)        \
      {                                                           \
        seen[p_ / 8] |= (guint8) (1u << (p_ % 8));                \
        g_array_append_val (ports, p_);                           \
      }                                                           \
  } G_STMT_END

  for (guint i = 0; i < self->scenario->hosts->len; i++)
    {
      PfHost *host = g_ptr_array_index (self->scenario->hosts, i);

      for (guint j = 0; j < host->services->len; j++)
        ADD_PORT (((PfService *) g_ptr_array_index (host->services, j))->port);
    }

  for (guint i = 0; i < self->scenario->steps->len; i++)
    {
      PfStep *step = g_ptr_array_index (self->scenario->steps, i);

      ADD_PORT (step->port);
      ADD_PORT (step->source_port);
    }
#undef ADD_PORT

  pf_netspace_reserve_ports (self->netspace, (const guint16 *) ports->data, ports->len);
}

/* Public API */

/**
 * pf_engine_new:
 * @scenario: (transfer full): the scenario to run
 * @mode: exact, loopback, or auto (exact where the kernel allows it)
 */
PfEngine *
pf_engine_new (PfScenario     *scenario,
               PfNetspaceMode  mode)
{
  PfEngine *self;

  g_return_val_if_fail (scenario != NULL, NULL);

  self = g_object_new (PF_TYPE_ENGINE, NULL);
  self->scenario = scenario;
  self->requested_mode = mode;
  return self;
}

/* Sets up the hosts' addresses and starts every service that does not
 * start stopped. Nothing is recorded as a step yet. */
gboolean
pf_engine_start (PfEngine  *self,
                 GError   **error)
{
  g_autoptr(GArray) hosts = NULL;
  guint n_hosts;

  g_return_val_if_fail (PF_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (!self->started, FALSE);

  n_hosts = self->scenario->hosts->len;
  hosts = pf_netspace_hosts_from_scenario (self->scenario);
  self->netspace = pf_netspace_new (self->requested_mode,
                                    (const PfNetspaceHost *) (gpointer) hosts->data, hosts->len,
                                    &self->fallback_reason, error);
  if (self->netspace == NULL)
    return FALSE;

  engine_reserve_ports (self);
  g_signal_connect_object (self->netspace, "lost", G_CALLBACK (on_netspace_lost), self, 0);
  self->start_time = g_get_real_time ();
  self->started = TRUE;

  self->settle = timer_new (on_settle_tick, self);
  self->late = timer_new (on_late_tick, self);

  if (!pf_engine_open_wire (self, error))
    return FALSE;
  pf_engine_open_diags (self);

  for (guint i = 0; i < n_hosts; i++)
    {
      PfHost *host = g_ptr_array_index (self->scenario->hosts, i);

      for (guint j = 0; j < host->services->len; j++)
        {
          PfService *service = g_ptr_array_index (host->services, j);

          if (!service->stopped && !pf_engine_start_service (self, service, error))
            return FALSE;
        }
    }

  pf_engine_poll_states (self);
  pf_engine_flush_pending (self);
  return TRUE;
}

void
pf_engine_step_async (PfEngine            *self,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  const PfStep *step;

  g_return_if_fail (PF_IS_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pf_engine_step_async);

  if (!self->started)
    {
      g_task_return_new_error (task, PF_ENGINE_ERROR, PF_ENGINE_ERROR_FINISHED,
                               "The run has not started.");
      return;
    }
  if (self->task != NULL)
    {
      g_task_return_new_error (task, PF_ENGINE_ERROR, PF_ENGINE_ERROR_BUSY,
                               "A step is already running.");
      return;
    }
  if (pf_engine_is_finished (self))
    {
      g_task_return_new_error (task, PF_ENGINE_ERROR, PF_ENGINE_ERROR_FINISHED,
                               "Every step has run.");
      return;
    }
  /* Without its helper no socket can be made: no step runs half way. */
  if (self->lost)
    {
      g_task_return_error (task, engine_lost_error ());
      return;
    }

  /* What the last step's sockets still sent belongs to that step. */
  pf_engine_drain_wire (self);
  if (pf_engine_models (self))
    pf_engine_reconcile_model (self);
  pf_engine_poll_states (self);
  pf_engine_flush_pending (self);

  self->task = g_steal_pointer (&task);
  self->step = self->next_step;
  self->action_done = TRUE;
  self->deadline = g_get_monotonic_time () + STEP_TIMEOUT_MS * 1000;
  step = g_ptr_array_index (self->scenario->steps, self->step);

  pf_engine_record (self, pf_event_new_step (pf_engine_now (self), self->step, step->narration));
  /* A half-close shows its FIN first, then what the other side still
   * has to say: it answers after the FIN, as a program does that reads
   * until the end of the request. */
  if (step->action == PF_STEP_CLOSE && step->half_close)
    {
      pf_engine_run_action (self, step);
      pf_engine_release_held (self, step);
    }
  else
    {
      pf_engine_release_held (self, step);
      pf_engine_run_action (self, step);
    }

  pf_engine_poll_states (self);
  timer_arm_unless_armed (self->settle, SETTLE_POLL_MS);
  pf_engine_check (self);
}

gboolean
pf_engine_step_finish (PfEngine      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (PF_IS_ENGINE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_run_step_done (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GError **error = user_data;

  pf_engine_step_finish (PF_ENGINE (object), result, error);
}

static gboolean
engine_all_acked (PfEngine *self)
{
  for (guint i = 0; i < self->open->len; i++)
    {
      PfSock *sock = g_ptr_array_index (self->open, i);
      struct tcp_info info;

      if (sock->socket == NULL || (sock->role != PF_SOCK_CLIENT && sock->role != PF_SOCK_SERVER))
        continue;

      pf_engine_sock_query_tcp_info (sock, &info);
      if (info.tcpi_unacked > 0)
        return FALSE;
    }

  return TRUE;
}

/* After the last step: lets the kernel send what it still owes (a
 * delayed ACK) and records it, so a run's record is whole. */
static void
engine_linger (PfEngine *self)
{
  gint64 deadline = g_get_monotonic_time () + LATE_SEGMENTS_MS * 1000;

  while (!engine_all_acked (self) && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }

  timer_disarm (self->late);
  pf_engine_drain_wire (self);
  if (pf_engine_models (self))
    pf_engine_reconcile_model (self);
  pf_engine_poll_states (self);
  pf_engine_flush_pending (self);
}

/* Runs every remaining step on the thread-default main context. For the
 * command line and the tests; the window steps one at a time. */
gboolean
pf_engine_run (PfEngine  *self,
               GError   **error)
{
  g_return_val_if_fail (PF_IS_ENGINE (self), FALSE);

  while (!pf_engine_is_finished (self))
    {
      g_autoptr(GError) local_error = NULL;
      int step = self->next_step;

      pf_engine_step_async (self, NULL, on_run_step_done, &local_error);
      while (self->next_step == step && local_error == NULL)
        g_main_context_iteration (NULL, TRUE);

      /* Let the task's callback run. */
      while (g_main_context_pending (NULL))
        g_main_context_iteration (NULL, FALSE);

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  engine_linger (self);
  return TRUE;
}

/* Closes every socket and ends the private network. The timeline stays. */
void
pf_engine_stop (PfEngine *self)
{
  g_return_if_fail (PF_IS_ENGINE (self));

  timer_clear (&self->settle);
  timer_clear (&self->late);
  g_clear_handle_id (&self->wait_id, g_source_remove);
  if (self->task != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->task);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The run was stopped.");
    }

  pf_engine_close_wire (self);

  if (self->socks != NULL)
    {
      for (guint i = 0; i < self->socks->len; i++)
        pf_engine_sock_release (g_ptr_array_index (self->socks, i));
    }

  g_clear_object (&self->netspace);
}

const PfScenario *
pf_engine_get_scenario (PfEngine *self)
{
  g_return_val_if_fail (PF_IS_ENGINE (self), NULL);
  return self->scenario;
}

PfTimeline *
pf_engine_get_timeline (PfEngine *self)
{
  g_return_val_if_fail (PF_IS_ENGINE (self), NULL);
  return self->timeline;
}

PfNetspace *
pf_engine_get_netspace (PfEngine *self)
{
  g_return_val_if_fail (PF_IS_ENGINE (self), NULL);
  return self->netspace;
}

/* The wall clock (µs) when the run started: the events' times count
 * from it. */
gint64
pf_engine_get_start_time (PfEngine *self)
{
  g_return_val_if_fail (PF_IS_ENGINE (self), 0);
  return self->start_time;
}

const char *
pf_engine_get_fallback_reason (PfEngine *self)
{
  g_return_val_if_fail (PF_IS_ENGINE (self), NULL);
  return self->fallback_reason;
}

int
pf_engine_get_next_step (PfEngine *self)
{
  g_return_val_if_fail (PF_IS_ENGINE (self), 0);
  return self->next_step;
}

gboolean
pf_engine_is_finished (PfEngine *self)
{
  g_return_val_if_fail (PF_IS_ENGINE (self), TRUE);
  return self->next_step >= (int) self->scenario->steps->len;
}

guint
pf_engine_get_n_failures (PfEngine *self)
{
  g_return_val_if_fail (PF_IS_ENGINE (self), 0);
  return self->n_failures;
}
