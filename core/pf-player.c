/* pf-player.c: play, pause, step and step back through a run
 *
 * The player is what the window's controls drive and what its views
 * read. It owns the run (a PfEngine) and a position in its timeline: the
 * events before the position are the history on screen. Stepping forward
 * past what was recorded asks the engine to run the next step on the real
 * sockets; stepping back, and forward again over recorded history, only
 * moves the position and touches no socket.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-player"

#include "config.h"

#include "pf-player.h"

struct _PfPlayer
{
  GObject         parent_instance;

  PfScenario     *scenario;
  PfNetspaceMode  mode;
  PfEngine       *engine;
  GCancellable   *cancellable;
  PfEvent        *selected;
  char           *error;

  int             step;        /* the step on screen, -1 before the first */
  guint           position;    /* events on screen: [0, position) */
  double          speed;
  guint           play_id;
  gboolean        playing;
  gboolean        busy;        /* the engine is running a step */
  gboolean        disposing;
};

G_DEFINE_FINAL_TYPE (PfPlayer, pf_player, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ENGINE,
  PROP_TIMELINE,
  PROP_STEP,
  PROP_N_STEPS,
  PROP_POSITION,
  PROP_PLAYING,
  PROP_SPEED,
  PROP_BUSY,
  PROP_CAN_STEP_FORWARD,
  PROP_CAN_STEP_BACK,
  PROP_NARRATION,
  PROP_ERROR,
  PROP_SELECTED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void pf_player_schedule_play (PfPlayer *self);

static int
recorded_steps (PfPlayer *self)
{
  return self->engine ? pf_engine_get_next_step (self->engine) : 0;
}

/* Where the events of @step end: the start of the next recorded step, or
 * the end of the timeline for the newest one (its late events included). */
static guint
step_end (PfPlayer *self,
          int       step)
{
  PfTimeline *timeline = pf_engine_get_timeline (self->engine);

  if (step + 1 >= recorded_steps (self))
    return pf_timeline_get_n_events (timeline);
  return pf_timeline_get_step_start (timeline, step + 1);
}

static void
notify_controls (PfPlayer *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_STEP_FORWARD]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_STEP_BACK]);
}

static void
set_error (PfPlayer   *self,
           const char *message)
{
  if (g_strcmp0 (self->error, message) == 0)
    return;

  g_free (self->error);
  self->error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

static void
set_busy (PfPlayer *self,
          gboolean  busy)
{
  if (self->busy == busy)
    return;

  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
  notify_controls (self);
}

static void
show_step (PfPlayer *self,
           int       step)
{
  guint position = self->engine ? step_end (self, step) : 0;

  g_object_freeze_notify (G_OBJECT (self));

  if (self->step != step)
    {
      self->step = step;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEP]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NARRATION]);
      notify_controls (self);
    }

  if (self->position != position)
    {
      self->position = position;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSITION]);
    }

  /* A selection the history no longer holds goes. */
  if (self->selected != NULL && self->engine != NULL)
    {
      PfTimeline *timeline = pf_engine_get_timeline (self->engine);
      gboolean shown = FALSE;

      for (guint i = 0; i < self->position && !shown; i++)
        shown = pf_timeline_get_event (timeline, i) == self->selected;
      if (!shown)
        pf_player_set_selected (self, NULL);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

/* Late events (a delayed ACK) of the newest step join the history. */
static void
on_timeline_items_changed (GListModel *model,
                           guint       position,
                           guint       removed,
                           guint       added,
                           PfPlayer   *self)
{
  if (!self->busy && self->step + 1 == recorded_steps (self))
    show_step (self, self->step);
}

static void
on_step_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(PfPlayer) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!pf_engine_step_finish (PF_ENGINE (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_error (self, error->message);
      pf_player_set_playing (self, FALSE);
    }

  if (PF_ENGINE (object) != self->engine)
    {
      set_busy (self, FALSE);
      return;
    }

  /* The new step is on screen before anyone hears the player is free. */
  show_step (self, pf_engine_get_next_step (self->engine) - 1);
  set_busy (self, FALSE);
  if (self->playing)
    pf_player_schedule_play (self);
}

static gboolean
on_play_tick (gpointer user_data)
{
  PfPlayer *self = user_data;

  self->play_id = 0;
  if (pf_player_can_step_forward (self))
    pf_player_step_forward (self);
  else
    pf_player_set_playing (self, FALSE);

  return G_SOURCE_REMOVE;
}

/* Not an animation: the pause between two steps while playing. */
static void
pf_player_schedule_play (PfPlayer *self)
{
  g_clear_handle_id (&self->play_id, g_source_remove);
  self->play_id = g_timeout_add ((guint) (PF_PLAYER_STEP_TIME * 1000 / self->speed), on_play_tick, self);
}

static void
pf_player_dispose (GObject *object)
{
  PfPlayer *self = PF_PLAYER (object);

  self->disposing = TRUE;
  pf_player_unload (self);

  G_OBJECT_CLASS (pf_player_parent_class)->dispose (object);
}

static void
pf_player_finalize (GObject *object)
{
  PfPlayer *self = PF_PLAYER (object);

  g_free (self->error);

  G_OBJECT_CLASS (pf_player_parent_class)->finalize (object);
}

static void
pf_player_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  PfPlayer *self = PF_PLAYER (object);

  switch (prop_id)
    {
    case PROP_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    case PROP_TIMELINE:
      g_value_set_object (value, pf_player_get_timeline (self));
      break;
    case PROP_STEP:
      g_value_set_int (value, self->step);
      break;
    case PROP_N_STEPS:
      g_value_set_uint (value, pf_player_get_n_steps (self));
      break;
    case PROP_POSITION:
      g_value_set_uint (value, self->position);
      break;
    case PROP_PLAYING:
      g_value_set_boolean (value, self->playing);
      break;
    case PROP_SPEED:
      g_value_set_double (value, self->speed);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    case PROP_CAN_STEP_FORWARD:
      g_value_set_boolean (value, pf_player_can_step_forward (self));
      break;
    case PROP_CAN_STEP_BACK:
      g_value_set_boolean (value, pf_player_can_step_back (self));
      break;
    case PROP_NARRATION:
      g_value_set_string (value, pf_player_get_narration (self));
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_SELECTED:
      g_value_set_object (value, self->selected);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_player_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  PfPlayer *self = PF_PLAYER (object);

  switch (prop_id)
    {
    case PROP_PLAYING:
      pf_player_set_playing (self, g_value_get_boolean (value));
      break;
    case PROP_SPEED:
      pf_player_set_speed (self, g_value_get_double (value));
      break;
    case PROP_SELECTED:
      pf_player_set_selected (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_player_class_init (PfPlayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = pf_player_dispose;
  object_class->finalize = pf_player_finalize;
  object_class->get_property = pf_player_get_property;
  object_class->set_property = pf_player_set_property;

  properties[PROP_ENGINE] = g_param_spec_object ("engine", NULL, NULL, PF_TYPE_ENGINE, ro);
  properties[PROP_TIMELINE] = g_param_spec_object ("timeline", NULL, NULL, PF_TYPE_TIMELINE, ro);
  properties[PROP_STEP] = g_param_spec_int ("step", NULL, NULL, -1, G_MAXINT, -1, ro);
  properties[PROP_N_STEPS] = g_param_spec_uint ("n-steps", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_POSITION] = g_param_spec_uint ("position", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_PLAYING] = g_param_spec_boolean ("playing", NULL, NULL, FALSE, rw);
  properties[PROP_SPEED] = g_param_spec_double ("speed", NULL, NULL,
                                                PF_PLAYER_MIN_SPEED, PF_PLAYER_MAX_SPEED, 1.0, rw);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, ro);
  properties[PROP_CAN_STEP_FORWARD] = g_param_spec_boolean ("can-step-forward", NULL, NULL, FALSE, ro);
  properties[PROP_CAN_STEP_BACK] = g_param_spec_boolean ("can-step-back", NULL, NULL, FALSE, ro);
  properties[PROP_NARRATION] = g_param_spec_string ("narration", NULL, NULL, NULL, ro);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, ro);
  properties[PROP_SELECTED] = g_param_spec_object ("selected", NULL, NULL, PF_TYPE_EVENT, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pf_player_init (PfPlayer *self)
{
  self->step = -1;
  self->speed = 1.0;
}

PfPlayer *
pf_player_new (void)
{
  return g_object_new (PF_TYPE_PLAYER, NULL);
}

/* Starts a fresh run of @scenario (a new reference is taken): the
 * private network and the services come up, no step has run. */
gboolean
pf_player_load (PfPlayer        *self,
                PfScenario      *scenario,
                PfNetspaceMode   mode,
                GError         **error)
{
  g_autoptr(PfEngine) engine = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (PF_IS_PLAYER (self), FALSE);
  g_return_val_if_fail (scenario != NULL, FALSE);

  pf_scenario_ref (scenario);
  pf_player_unload (self);
  self->scenario = scenario;
  self->mode = mode;

  /* A run that cannot start (a port taken, exact mode refused) leaves
   * the player empty, its error the sentence saying why; Restart tries
   * again. */
  engine = pf_engine_new (pf_scenario_ref (scenario), mode);
  if (!pf_engine_start (engine, &local_error))
    {
      set_error (self, local_error->message);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  self->engine = g_steal_pointer (&engine);
  self->cancellable = g_cancellable_new ();
  g_signal_connect_object (pf_engine_get_timeline (self->engine), "items-changed",
                           G_CALLBACK (on_timeline_items_changed), self, 0);

  g_object_freeze_notify (G_OBJECT (self));
  set_error (self, NULL);
  self->step = 0;        /* so show_step () notifies */
  show_step (self, -1);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMELINE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_STEPS]);
  notify_controls (self);
  g_object_thaw_notify (G_OBJECT (self));

  return TRUE;
}

/* A fresh run of the same scenario: new namespace, new sockets. */
gboolean
pf_player_restart (PfPlayer  *self,
                   GError   **error)
{
  g_autoptr(PfScenario) scenario = NULL;

  g_return_val_if_fail (PF_IS_PLAYER (self), FALSE);
  g_return_val_if_fail (self->scenario != NULL, FALSE);

  scenario = pf_scenario_ref (self->scenario);
  return pf_player_load (self, scenario, self->mode, error);
}

void
pf_player_unload (PfPlayer *self)
{
  g_return_if_fail (PF_IS_PLAYER (self));

  g_clear_handle_id (&self->play_id, g_source_remove);
  self->playing = FALSE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->selected);

  if (self->engine != NULL)
    {
      g_signal_handlers_disconnect_by_func (pf_engine_get_timeline (self->engine),
                                            on_timeline_items_changed, self);
      pf_engine_stop (self->engine);
      g_clear_object (&self->engine);
    }

  g_clear_pointer (&self->scenario, pf_scenario_free);
  self->busy = FALSE;
  self->step = -1;
  self->position = 0;

  /* Not while disposing: nobody listens any more. */
  if (!self->disposing)
    {
      g_object_freeze_notify (G_OBJECT (self));
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ENGINE]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMELINE]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STEP]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POSITION]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_STEPS]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NARRATION]);
      notify_controls (self);
      g_object_thaw_notify (G_OBJECT (self));
    }
}

void
pf_player_step_forward (PfPlayer *self)
{
  g_return_if_fail (PF_IS_PLAYER (self));

  if (!pf_player_can_step_forward (self))
    return;

  /* Recorded history: replay it. */
  if (self->step + 1 < recorded_steps (self))
    {
      show_step (self, self->step + 1);
      if (self->playing)
        pf_player_schedule_play (self);
      return;
    }

  set_busy (self, TRUE);
  pf_engine_step_async (self->engine, self->cancellable, on_step_done, g_object_ref (self));
}

void
pf_player_step_back (PfPlayer *self)
{
  g_return_if_fail (PF_IS_PLAYER (self));

  if (!pf_player_can_step_back (self))
    return;

  pf_player_set_playing (self, FALSE);
  show_step (self, self->step - 1);
}

void
pf_player_set_playing (PfPlayer *self,
                       gboolean  playing)
{
  g_return_if_fail (PF_IS_PLAYER (self));

  playing = !!playing && self->engine != NULL;
  if (self->playing == playing)
    return;

  self->playing = playing;
  g_clear_handle_id (&self->play_id, g_source_remove);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLAYING]);

  /* Play starts with a step at once; the pause comes after it. */
  if (playing && !self->busy)
    {
      if (pf_player_can_step_forward (self))
        pf_player_step_forward (self);
      else
        pf_player_set_playing (self, FALSE);
    }
}

gboolean
pf_player_get_playing (PfPlayer *self)
{
  g_return_val_if_fail (PF_IS_PLAYER (self), FALSE);
  return self->playing;
}

void
pf_player_set_speed (PfPlayer *self,
                     double    speed)
{
  g_return_if_fail (PF_IS_PLAYER (self));

  speed = CLAMP (speed, PF_PLAYER_MIN_SPEED, PF_PLAYER_MAX_SPEED);
  if (G_APPROX_VALUE (self->speed, speed, 1e-9))
    return;

  self->speed = speed;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
  if (self->play_id != 0)
    pf_player_schedule_play (self);
}

double
pf_player_get_speed (PfPlayer *self)
{
  g_return_val_if_fail (PF_IS_PLAYER (self), 1.0);
  return self->speed;
}

PfEngine *
pf_player_get_engine (PfPlayer *self)
{
  g_return_val_if_fail (PF_IS_PLAYER (self), NULL);
  return self->engine;
}

const PfScenario *
pf_player_get_scenario (PfPlayer *self)
{
  g_return_val_if_fail (PF_IS_PLAYER (self), NULL);
  return self->scenario;
}

PfTimeline *
pf_player_get_timeline (PfPlayer *self)
{
  g_return_val_if_fail (PF_IS_PLAYER (self), NULL);
  return self->engine ? pf_engine_get_timeline (self->engine) : NULL;
}

int
pf_player_get_step (PfPlayer *self)
{
  g_return_val_if_fail (PF_IS_PLAYER (self), -1);
  return self->step;
}

guint
pf_player_get_n_steps (PfPlayer *self)
{
  g_return_val_if_fail (PF_IS_PLAYER (self), 0);
  return self->scenario ? self->scenario->steps->len : 0;
}

/* The number of timeline events on screen. */
guint
pf_player_get_position (PfPlayer *self)
{
  g_return_val_if_fail (PF_IS_PLAYER (self), 0);
  return self->position;
}

/* The first event of the step on screen: the events from here to the
 * position are the ones that move now. */
guint
pf_player_get_step_start (PfPlayer *self)
{
  g_return_val_if_fail (PF_IS_PLAYER (self), 0);

  if (self->engine == NULL || self->step < 0)
    return self->position;
  return pf_timeline_get_step_start (pf_engine_get_timeline (self->engine), self->step);
}

gboolean
pf_player_get_busy (PfPlayer *self)
{
  g_return_val_if_fail (PF_IS_PLAYER (self), FALSE);
  return self->busy;
}

gboolean
pf_player_can_step_forward (PfPlayer *self)
{
  g_return_val_if_fail (PF_IS_PLAYER (self), FALSE);
  return self->engine != NULL && !self->busy && self->error == NULL &&
         self->step + 1 < (int) pf_player_get_n_steps (self);
}

gboolean
pf_player_can_step_back (PfPlayer *self)
{
  g_return_val_if_fail (PF_IS_PLAYER (self), FALSE);
  return self->engine != NULL && !self->busy && self->step >= 0;
}

const char *
pf_player_get_narration (PfPlayer *self)
{
  g_return_val_if_fail (PF_IS_PLAYER (self), NULL);

  if (self->scenario == NULL || self->step < 0)
    return NULL;
  return ((PfStep *) g_ptr_array_index (self->scenario->steps, self->step))->narration;
}

const char *
pf_player_get_error (PfPlayer *self)
{
  g_return_val_if_fail (PF_IS_PLAYER (self), NULL);
  return self->error;
}

PfEvent *
pf_player_get_selected (PfPlayer *self)
{
  g_return_val_if_fail (PF_IS_PLAYER (self), NULL);
  return self->selected;
}

void
pf_player_set_selected (PfPlayer *self,
                        PfEvent  *event)
{
  g_return_if_fail (PF_IS_PLAYER (self));
  g_return_if_fail (event == NULL || PF_IS_EVENT (event));

  if (g_set_object (&self->selected, event))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
}

/* The state of the socket @tuple (local → remote) at the position on
 * screen, and the position of the event that set it. */
PfTcpState
pf_player_get_socket_state (PfPlayer          *self,
                            const PfFourTuple *tuple,
                            guint             *out_changed_at)
{
  PfTimeline *timeline;
  PfTcpState state = PF_TCP_STATE_NONE;

  g_return_val_if_fail (PF_IS_PLAYER (self), PF_TCP_STATE_NONE);
  g_return_val_if_fail (tuple != NULL, PF_TCP_STATE_NONE);

  if (out_changed_at != NULL)
    *out_changed_at = 0;
  if ((timeline = pf_player_get_timeline (self)) == NULL)
    return state;

  for (guint i = 0; i < self->position; i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      if (pf_event_get_kind (event) == PF_EVENT_STATE &&
          pf_four_tuple_equal (pf_event_get_tuple (event), tuple))
        {
          state = pf_event_get_state (event);
          if (out_changed_at != NULL)
            *out_changed_at = i;
        }
    }

  return state;
}
