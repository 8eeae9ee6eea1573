/* test-faults.c: what the engine and the player do when the world refuses
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each fault is made real, never mocked inside the engine:
 *
 *  - a port already taken: this test holds the port on 127.x first;
 *  - user namespaces refused: the real helper runs in a user namespace
 *    whose limit on new ones is 0, as under bubblewrap --disable-userns;
 *  - the helper dies: it is killed with SIGKILL, between steps and
 *    during one;
 *  - a peer resets mid-transfer: the server's socket (the engine's own
 *    descriptor, found through /proc/self/fd) is disconnected with
 *    connect (AF_UNSPEC), which makes its kernel send a real RST, as a
 *    program aborting its connection (SO_LINGER 0, close) does.
 *
 * The scenarios here use addresses no built-in scenario uses (10.66.x,
 * 192.0.2.x), so in loopback mode they never meet another test's sockets.
 * The command line's side of the same faults is in test-faults-cli.py.
 */

#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pf-test-util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pf-engine.h"
#include "pf-netspace-loopback.h"
#include "pf-netspace-namespace.h"
#include "pf-player.h"

#define STEP_LIMIT_S 15
/* A helper is reaped by GLib's worker thread a moment after it ends. */
#define REAPED_S     3

/* A client on 10.66.0.2 and a server on 192.0.2.66 whose "sink" takes
 * whatever it is sent and says nothing, and an echo; a pause in the
 * middle gives a test time to break something between two sends. */
static const char SCENARIO_TEXT[] =
  "{\n"
  "  \"format\": \"packetflow-scenario\", \"version\": 1,\n"
  "  \"title\": \"Faults\", \"summary\": \"A connection that things happen to.\",\n"
  "  \"hosts\": [\n"
  "    { \"id\": \"pc\", \"name\": \"PC\", \"address\": \"10.66.0.2\", \"kind\": \"laptop\" },\n"
  "    { \"id\": \"srv\", \"name\": \"Server\", \"address\": \"192.0.2.66\", \"kind\": \"server\",\n"
  "      \"services\": [ { \"type\": \"echo\", \"port\": 80, \"name\": \"echo\" },\n"
  "                    { \"type\": \"script\", \"port\": 9, \"name\": \"sink\" } ] }\n"
  "  ],\n"
  "  \"steps\": [\n"
  "    { \"narration\": \"Connect to the echo.\", \"action\": \"connect\", \"id\": \"e\",\n"
  "      \"from\": \"pc\", \"to\": \"srv\", \"port\": 80 },\n"
  "    { \"narration\": \"Say hello.\", \"action\": \"send\", \"connection\": \"e\", \"data\": \"hello\\n\" },\n"
  "    { \"narration\": \"Hear it back.\", \"action\": \"expect\", \"connection\": \"e\", \"data\": \"hello\\n\" },\n"
  "    { \"narration\": \"Wait.\", \"action\": \"wait\", \"milliseconds\": 1500 },\n"
  "    { \"narration\": \"Connect to the sink.\", \"action\": \"connect\", \"id\": \"s\",\n"
  "      \"from\": \"pc\", \"to\": \"srv\", \"port\": 9 },\n"
  "    { \"narration\": \"Send a lot.\", \"action\": \"send\", \"connection\": \"s\",\n"
  "      \"data\": \"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\n"
  "      \"repeat\": 262144 },\n"
  "    { \"narration\": \"Close the sink's connection.\", \"action\": \"close\", \"connection\": \"s\" },\n"
  "    { \"narration\": \"Close the echo's connection.\", \"action\": \"close\", \"connection\": \"e\" }\n"
  "  ]\n"
  "}\n";

enum
{
  STEP_CONNECT_ECHO,
  STEP_SEND,
  STEP_EXPECT,
  STEP_WAIT,
  STEP_CONNECT_SINK,
  STEP_SEND_A_LOT,
  STEP_CLOSE_SINK,
  STEP_CLOSE_ECHO,
  N_STEPS
};

#define SERVER_ADDRESS 0xC0000242u  /* 192.0.2.66 */
#define SINK_BYTES     (64u * 262144u)

static char *real_helper;
/* Closed by the teardown if a test fails: the web server's port in every
 * block of loopback addresses, so no run can move away from it. */
static int held_ports[PF_NETSPACE_LOOPBACK_N_BLOCKS];
static guint n_held_ports;

static void
release_held_ports (void)
{
  for (guint i = 0; i < n_held_ports; i++)
    close (held_ports[i]);
  n_held_ports = 0;
}

static PfScenario *
load_scenario (void)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (SCENARIO_TEXT, sizeof SCENARIO_TEXT - 1);
  g_autoptr(GError) error = NULL;
  PfScenario *scenario = pf_scenario_load_bytes (bytes, "faults.pflow.json", &error);

  if (error != NULL)
    fail_msg ("%s", error->message);
  assert_non_null (scenario);
  return scenario;
}

/* cmocka's assert_string_equal () crashes on NULL, and a crash would
 * take the next tests' clean-up with it. */
#define assert_text(actual, expected) \
  G_STMT_START { \
    const char *actual_ = (actual); \
    assert_non_null (actual_); \
    assert_string_equal (actual_, (expected)); \
  } G_STMT_END

/* The user reads it: words, not an errno or GLib's own wording. */
static void
assert_sentence (const char *message)
{
  static const int errnos[] = { EPERM, ENOSPC, EADDRINUSE, EADDRNOTAVAIL, ECONNRESET,
                                EPIPE, ENOTCONN, ECHILD };

  assert_non_null (message);
  assert_true (strlen (message) > 30);
  assert_true (g_ascii_isupper (message[0]));
  assert_true (g_str_has_suffix (message, "."));
  for (guint i = 0; i < G_N_ELEMENTS (errnos); i++)
    {
      if (strstr (message, g_strerror (errnos[i])) != NULL)
        fail_msg ("“%s” shows an errno's text (%s)", message, g_strerror (errnos[i]));
    }
  assert_null (strstr (message, "Error receiving data"));
  assert_null (strstr (message, "Error sending data"));
}

static PfEvent *
find_error (PfTimeline       *timeline,
            const char       *host,
            PfEventErrorCode  code)
{
  for (guint i = 0; i < pf_timeline_get_n_events (timeline); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);

      if (pf_event_get_kind (event) == PF_EVENT_ERROR &&
          (host == NULL || g_strcmp0 (pf_event_get_host_id (event), host) == 0) &&
          pf_event_get_error_code (event) == code)
        return event;
    }
  return NULL;
}

/* Engine, one step at a time */

/* Runs the next step; returns its error, if any. Fails when the step
 * does not end within STEP_LIMIT_S. */
static GError *
run_step (PfEngine *engine)
{
  PfTestStep step;
  gint64 deadline = g_get_monotonic_time () + STEP_LIMIT_S * G_USEC_PER_SEC;

  pf_test_step_start (&step, engine);
  while (!step.done)
    {
      if (g_get_monotonic_time () > deadline)
        fail_msg ("step %d did not end within %d s", pf_engine_get_next_step (engine) + 1,
                  STEP_LIMIT_S);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (200);
    }
  return step.error;
}

static void
run_step_ok (PfEngine *engine)
{
  g_autoptr(GError) error = run_step (engine);

  if (error != NULL)
    fail_msg ("step %d: %s", pf_engine_get_next_step (engine), error->message);
}

static PfEngine *
start_engine (PfNetspaceMode mode)
{
  g_autoptr(GError) error = NULL;
  PfEngine *engine = pf_engine_new (load_scenario (), mode);

  if (!pf_engine_start (engine, &error))
    fail_msg ("the engine did not start: %s", error->message);
  assert_int_equal (pf_netspace_get_mode (pf_engine_get_netspace (engine)), mode);
  return engine;
}

static GPid
helper_pid (PfEngine *engine)
{
  PfNetspace *netspace = pf_engine_get_netspace (engine);
  GPid pid;

  assert_true (PF_IS_NETSPACE_NAMESPACE (netspace));
  pid = pf_netspace_namespace_get_helper_pid (PF_NETSPACE_NAMESPACE (netspace));
  assert_true (pid > 0);
  return pid;
}

/* Player */

static void
step_player (PfPlayer *player)
{
  assert_true (pf_player_can_step_forward (player));
  pf_player_step_forward (player);
  pf_test_wait_idle (player, STEP_LIMIT_S);
}

static void
play_to_the_end (PfPlayer *player)
{
  while (pf_player_can_step_forward (player))
    step_player (player);
  assert_null (pf_player_get_error (player));
  assert_int_equal (pf_player_get_step (player), N_STEPS - 1);
  assert_int_equal (pf_engine_get_n_failures (pf_player_get_engine (player)), 0);
}

/* A port already taken */

/* Listens on @address:@port of this computer, as another program would. */
static int
hold_port (PfIpv4  address,
           guint16 port)
{
  struct sockaddr_in sin = {
    .sin_family = AF_INET,
    .sin_addr.s_addr = htonl (address),
    .sin_port = htons (port),
  };
  int one = 1;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  assert_true (fd >= 0);
  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind (fd, (struct sockaddr *) &sin, sizeof sin) != 0)
    fail_msg ("could not hold the port: %s", g_strerror (errno));
  assert_int_equal (listen (fd, 1), 0);
  return fd;
}

static void
test_port_taken (void **state)
{
  g_autoptr(PfScenario) scenario = load_scenario ();
  g_autoptr(PfPlayer) player = pf_player_new ();
  g_autoptr(PfEngine) engine = NULL;
  g_autoptr(GError) error = NULL;
  const char *expected = "Port 80 on 192.0.2.66 is already in use "
                         "(it is port 8080 on 127.0.2.66 on this computer).";

  /* 127.0.2.66:8080 in block 0, 127.1.2.66:8080 in block 1, ... */
  for (guint i = 0; i < PF_NETSPACE_LOOPBACK_N_BLOCKS; i++)
    held_ports[n_held_ports++] = hold_port (0x7F000242u + (i << 16), 8080);

  /* The engine refuses to start, with the sentence. */
  engine = pf_engine_new (pf_scenario_ref (scenario), PF_NETSPACE_MODE_LOOPBACK);
  assert_false (pf_engine_start (engine, &error));
  assert_non_null (error);
  assert_text (error->message, expected);
  g_clear_error (&error);
  /* Gone, its addresses are free for the player's run (a live run keeps
   * its block of loopback addresses, and the next run takes another). */
  g_clear_object (&engine);

  /* The player: the load fails, and says so. */
  assert_false (pf_player_load (player, scenario, PF_NETSPACE_MODE_LOOPBACK, &error));
  assert_non_null (error);
  assert_text (error->message, expected);
  assert_text (pf_player_get_error (player), expected);
  assert_null (pf_player_get_engine (player));
  assert_false (pf_player_can_step_forward (player));
  g_clear_error (&error);

  /* Freed, the port serves the next run. */
  release_held_ports ();
  assert_true (pf_player_restart (player, &error));
  assert_null (error);
  assert_null (pf_player_get_error (player));
  play_to_the_end (player);
}

/* User namespaces refused */

static char *
write_refusing_helper (const char *dir)
{
  g_autofree char *text = NULL;
  char *path = g_build_filename (dir, "refusing-helper", NULL);

  /* The real helper, where no user namespace can be made. */
  text = g_strdup_printf ("#!/bin/sh\n"
                          "exec unshare --user --map-root-user sh -c "
                          "'echo 0 > /proc/sys/user/max_user_namespaces && exec \"$0\" \"$@\"' "
                          "'%s' \"$@\"\n", real_helper);
  assert_true (g_file_set_contents (path, text, -1, NULL));
  assert_int_equal (g_chmod (path, 0755), 0);
  return path;
}

static void
test_namespaces_refused (void **state)
{
  g_autofree char *dir = g_dir_make_tmp ("pf-faults-XXXXXX", NULL);
  g_autofree char *helper = write_refusing_helper (dir);
  g_autoptr(PfScenario) scenario = load_scenario ();
  g_autoptr(PfPlayer) player = pf_player_new ();
  g_autoptr(GError) error = NULL;
  PfEngine *engine;
  const char *reason;

  g_setenv ("PACKETFLOW_NETNS_HELPER", helper, TRUE);

  /* Asked for exact mode only: no run, and the sentence says why. */
  assert_false (pf_player_load (player, scenario, PF_NETSPACE_MODE_EXACT, &error));
  assert_text (error->message,
                       "Exact mode is not available. User namespaces are not allowed here "
                       "(the limit on user namespaces is reached or set to zero).");
  assert_text (pf_player_get_error (player), error->message);
  g_clear_error (&error);

  /* Automatic: the run goes on in loopback mode and says why. */
  assert_true (pf_player_load (player, scenario, PF_NETSPACE_MODE_AUTO, &error));
  assert_null (error);
  assert_null (pf_player_get_error (player));
  engine = pf_player_get_engine (player);
  assert_int_equal (pf_netspace_get_mode (pf_engine_get_netspace (engine)), PF_NETSPACE_MODE_LOOPBACK);
  reason = pf_engine_get_fallback_reason (engine);
  assert_text (reason,
                       "User namespaces are not allowed here (the limit on user namespaces is "
                       "reached or set to zero), so Packet Flow uses loopback addresses and "
                       "models the segments.");
  play_to_the_end (player);

  g_unlink (helper);
  g_rmdir (dir);
}

/* The helper dies */

static const char LOST_MESSAGE[] =
  "The private network went away during the run (its helper process ended). "
  "Restart the scenario to run it again.";

static void
on_lost (PfNetspace   *netspace,
         const GError *error,
         gpointer      user_data)
{
  gboolean *lost = user_data;

  *lost = TRUE;
}

/* Kills the helper and waits until the engine has heard: a window
 * whose user clicks Step a moment later. */
static void
kill_helper (PfEngine *engine)
{
  PfNetspace *netspace = pf_engine_get_netspace (engine);
  gboolean lost = FALSE;
  gulong id = g_signal_connect (netspace, "lost", G_CALLBACK (on_lost), &lost);

  assert_int_equal (kill (helper_pid (engine), SIGKILL), 0);
  pf_test_iterate_until_timeout (pf_test_is_true, &lost, 3);
  g_signal_handler_disconnect (netspace, id);
}

/* Killed between two steps: the next step says so at once, touches no
 * socket, and every later one too; stopping and a new run work. */
static void
test_helper_dies_between_steps (void **state)
{
  guint children = pf_test_count_children ();
  g_autoptr(PfEngine) engine = start_engine (PF_NETSPACE_MODE_EXACT);
  g_autoptr(GError) error = NULL;
  guint n_events;

  run_step_ok (engine);
  assert_int_equal (pf_test_count_children (), children + 1);
  kill_helper (engine);
  pf_test_wait_for_counts (PF_TEST_ANY, children, REAPED_S);

  n_events = pf_timeline_get_n_events (pf_engine_get_timeline (engine));
  error = run_step (engine);
  assert_true (g_error_matches (error, PF_ENGINE_ERROR, PF_ENGINE_ERROR_LOST));
  assert_text (error->message, LOST_MESSAGE);
  assert_sentence (error->message);
  /* Nothing ran: no step event, no failed socket. */
  assert_int_equal (pf_timeline_get_n_events (pf_engine_get_timeline (engine)), n_events);
  assert_int_equal (pf_engine_get_n_failures (engine), 0);
  g_clear_error (&error);

  error = run_step (engine);
  assert_true (g_error_matches (error, PF_ENGINE_ERROR, PF_ENGINE_ERROR_LOST));
  g_clear_error (&error);

  assert_false (pf_engine_run (engine, &error));
  assert_true (g_error_matches (error, PF_ENGINE_ERROR, PF_ENGINE_ERROR_LOST));
  g_clear_error (&error);

  pf_engine_stop (engine);
  g_clear_object (&engine);
  pf_test_wait_for_counts (PF_TEST_ANY, children, REAPED_S);

  engine = start_engine (PF_NETSPACE_MODE_EXACT);
  assert_true (pf_engine_run (engine, &error));
  assert_null (error);
  assert_int_equal (pf_engine_get_n_failures (engine), 0);
  g_clear_object (&engine);
  pf_test_wait_for_counts (PF_TEST_ANY, children, REAPED_S);
}

/* Killed just before a step that needs a new socket, too soon for
 * anyone to have heard: the helper's silence tells the step, which ends
 * with the same sentence and blames no host. */
static void
test_helper_dies_before_connect (void **state)
{
  guint children = pf_test_count_children ();
  g_autoptr(PfEngine) engine = start_engine (PF_NETSPACE_MODE_EXACT);
  g_autoptr(GError) error = NULL;
  PfTimeline *timeline = pf_engine_get_timeline (engine);
  GPid pid = helper_pid (engine);
  int status;

  while (pf_engine_get_next_step (engine) < STEP_CONNECT_SINK)
    run_step_ok (engine);

  /* Dead and gone before GLib's worker can tell anyone. */
  assert_int_equal (kill (pid, SIGKILL), 0);
  while (waitid (P_PID, pid, NULL, WEXITED | WNOWAIT) != 0 && errno == EINTR)
    ;

  error = run_step (engine);
  assert_true (g_error_matches (error, PF_ENGINE_ERROR, PF_ENGINE_ERROR_LOST));
  assert_text (error->message, LOST_MESSAGE);
  assert_null (find_error (timeline, NULL, PF_EVENT_ERROR_CODE_ESOCKET));
  assert_int_equal (pf_engine_get_n_failures (engine), 0);

  g_clear_object (&engine);
  pf_test_wait_for_counts (PF_TEST_ANY, children, REAPED_S);
  assert_int_equal (waitpid (pid, &status, WNOHANG), -1);
}

static gboolean
kill_helper_cb (gpointer user_data)
{
  GPid *pid = user_data;

  g_assert_cmpint (kill (*pid, SIGKILL), ==, 0);
  return G_SOURCE_REMOVE;
}

/* Killed during a step (the pause): the step ends at once with the
 * sentence, not when the pause is over. */
static void
test_helper_dies_during_step (void **state)
{
  guint children = pf_test_count_children ();
  g_autoptr(PfEngine) engine = start_engine (PF_NETSPACE_MODE_EXACT);
  g_autoptr(GError) error = NULL;
  GPid pid = helper_pid (engine);
  gint64 start;

  while (pf_engine_get_next_step (engine) < STEP_WAIT)
    run_step_ok (engine);

  g_timeout_add (100, kill_helper_cb, &pid);
  start = g_get_monotonic_time ();
  error = run_step (engine);
  assert_true (g_error_matches (error, PF_ENGINE_ERROR, PF_ENGINE_ERROR_LOST));
  assert_text (error->message, LOST_MESSAGE);
  assert_true (g_get_monotonic_time () - start < 1000 * 1000);
  assert_int_equal (pf_engine_get_next_step (engine), STEP_WAIT + 1);
  g_clear_error (&error);

  /* After the pause would have ended, nothing stirs. */
  g_usleep (1600 * 1000);
  pf_test_settle ();
  error = run_step (engine);
  assert_true (g_error_matches (error, PF_ENGINE_ERROR, PF_ENGINE_ERROR_LOST));
  assert_int_equal (pf_engine_get_next_step (engine), STEP_WAIT + 1);

  g_clear_object (&engine);
  pf_test_wait_for_counts (PF_TEST_ANY, children, REAPED_S);
}

/* The window's view of it: the player shows the sentence, stays usable,
 * and Restart is a fresh run that works. */
static void
test_helper_dies_player (void **state)
{
  guint children = pf_test_count_children ();
  g_autoptr(PfScenario) scenario = load_scenario ();
  g_autoptr(PfPlayer) player = pf_player_new ();
  g_autoptr(GError) error = NULL;

  assert_true (pf_player_load (player, scenario, PF_NETSPACE_MODE_EXACT, &error));
  step_player (player);
  step_player (player);
  kill_helper (pf_player_get_engine (player));

  step_player (player);
  assert_text (pf_player_get_error (player), LOST_MESSAGE);
  assert_false (pf_player_get_busy (player));
  assert_false (pf_player_can_step_forward (player));
  assert_false (pf_player_get_playing (player));
  /* The history recorded before stays viewable. */
  assert_int_equal (pf_player_get_step (player), STEP_SEND);
  assert_true (pf_player_can_step_back (player));
  pf_player_step_back (player);
  assert_int_equal (pf_player_get_step (player), STEP_CONNECT_ECHO);

  assert_true (pf_player_restart (player, &error));
  assert_null (error);
  assert_null (pf_player_get_error (player));
  assert_int_equal (pf_test_count_children (), children + 1);
  play_to_the_end (player);
  g_clear_object (&player);
  pf_test_wait_for_counts (PF_TEST_ANY, children, REAPED_S);
}

/* A peer resets mid-transfer */

static int
find_socket (const PfFourTuple *tuple)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;

  assert_non_null (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      int fd = atoi (name);
      struct sockaddr_in local, remote;
      socklen_t local_len = sizeof local, remote_len = sizeof remote;
      struct stat st;

      if (fstat (fd, &st) != 0 || !S_ISSOCK (st.st_mode) ||
          getsockname (fd, (struct sockaddr *) &local, &local_len) != 0 ||
          getpeername (fd, (struct sockaddr *) &remote, &remote_len) != 0 ||
          local.sin_family != AF_INET)
        continue;

      if (ntohl (local.sin_addr.s_addr) == tuple->src.address &&
          ntohs (local.sin_port) == tuple->src.port &&
          ntohl (remote.sin_addr.s_addr) == tuple->dst.address &&
          ntohs (remote.sin_port) == tuple->dst.port)
        return fd;
    }
  return -1;
}

/* The server's end of the sink connection, as the kernel names it. */
static PfFourTuple
sink_server_tuple (PfEngine *engine)
{
  PfTimeline *timeline = pf_engine_get_timeline (engine);
  PfIpv4 server = pf_netspace_map_address (pf_engine_get_netspace (engine), SERVER_ADDRESS);
  guint16 sink = pf_netspace_map_port (pf_engine_get_netspace (engine), 9);

  for (guint i = 0; i < pf_timeline_get_n_events (timeline); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);
      const PfFourTuple *tuple = pf_event_get_tuple (event);

      if (pf_event_get_kind (event) == PF_EVENT_STATE && tuple->src.address == server &&
          tuple->src.port == sink && tuple->dst.port != 0)
        return *tuple;
    }
  fail_msg ("no socket of the sink's connection in the timeline");
  return (PfFourTuple) { 0 };
}

typedef struct
{
  PfFourTuple tuple;
  gboolean    aborted;
  guint64     unread;
} Abort;

/* What a program does when it aborts a connection: its kernel sends RST
 * and forgets the connection. */
static gboolean
abort_cb (gpointer user_data)
{
  Abort *abort = user_data;
  struct sockaddr unspec = { .sa_family = AF_UNSPEC };
  int fd = find_socket (&abort->tuple);
  int unread = 0;

  g_assert_cmpint (fd, >=, 0);
  ioctl (fd, FIONREAD, &unread);
  abort->unread = unread;
  g_assert_cmpint (connect (fd, &unspec, sizeof unspec), ==, 0);
  abort->aborted = TRUE;
  return G_SOURCE_REMOVE;
}

static void
assert_peer_reset (PfNetspaceMode mode)
{
  g_autoptr(PfEngine) engine = start_engine (mode);
  g_autoptr(GError) error = NULL;
  PfTimeline *timeline = pf_engine_get_timeline (engine);
  Abort abort = { 0 };
  PfEvent *reset;
  guint64 delivered = 0;
  guint rsts = 0;
  guint n_segments = 0;

  while (pf_engine_get_next_step (engine) < STEP_SEND_A_LOT)
    run_step_ok (engine);
  abort.tuple = sink_server_tuple (engine);

  /* At the first chance, while 16 MiB are on their way. */
  g_idle_add_full (G_PRIORITY_HIGH, abort_cb, &abort, NULL);
  error = run_step (engine);
  assert_null (error);
  assert_true (abort.aborted);

  for (guint i = pf_timeline_get_step_start (timeline, STEP_SEND_A_LOT);
       i < pf_timeline_get_n_events (timeline); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);
      PfPacket *packet = pf_event_get_packet (event);

      if (pf_event_get_kind (event) == PF_EVENT_DELIVER &&
          g_strcmp0 (pf_event_get_host_id (event), "srv") == 0)
        delivered += g_bytes_get_size (pf_event_get_data (event));
      if (packet != NULL)
        {
          n_segments++;
          rsts += (packet->flags & PF_TCP_RST) != 0 && packet->src == abort.tuple.src.address &&
                  packet->sport == abort.tuple.src.port;
        }
    }

  /* Mid-transfer: most of it never reached the server. */
  assert_true (delivered < SINK_BYTES);

  /* The client hears the reset as a sentence, and the run counts it. */
  reset = find_error (timeline, "pc", PF_EVENT_ERROR_CODE_ECONNRESET);
  assert_non_null (reset);
  assert_sentence (pf_event_get_message (reset));
  assert_non_null (strstr (pf_event_get_message (reset), "reset"));
  assert_true (pf_engine_get_n_failures (engine) >= 1);

  /* The RST is on the record where the wire carried it: one for the
   * abort, and one more for each segment that was still on the wire and
   * found no connection. Loopback mode, which cannot tell which end sent
   * it, invents none. */
  if (mode == PF_NETSPACE_MODE_EXACT)
    assert_true (rsts >= 1);
  else
    assert_int_equal (rsts, 0);
  /* And nothing runs away (the model is checked against counters that
   * the reset set back to zero). */
  assert_true (n_segments < 4096);

  /* The run goes on and ends: the other connection still works. */
  run_step_ok (engine);
  run_step_ok (engine);
  assert_true (pf_engine_is_finished (engine));
  assert_null (find_error (timeline, "pc", PF_EVENT_ERROR_CODE_ETIMEDOUT));
  assert_null (find_error (timeline, NULL, PF_EVENT_ERROR_CODE_OTHER));
}

static void
test_peer_reset_exact (void **state)
{
  assert_peer_reset (PF_NETSPACE_MODE_EXACT);
}

static void
test_peer_reset_loopback (void **state)
{
  assert_peer_reset (PF_NETSPACE_MODE_LOOPBACK);
}

/* Whatever a test changed, even one that failed half way. */
static int
restore (void **state)
{
  g_setenv ("PACKETFLOW_NETNS_HELPER", real_helper, TRUE);
  release_held_ports ();
  return 0;
}

static int
setup (void **state)
{
  const char *helper = g_getenv ("PACKETFLOW_NETNS_HELPER");

  if (helper == NULL || !g_file_test (helper, G_FILE_TEST_IS_EXECUTABLE))
    {
      fprintf (stderr, "PACKETFLOW_NETNS_HELPER must name the built helper\n");
      return -1;
    }
  real_helper = g_strdup (helper);
  return 0;
}

static int
teardown (void **state)
{
  g_clear_pointer (&real_helper, g_free);
  return 0;
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_teardown (test_port_taken, restore),
    cmocka_unit_test_teardown (test_namespaces_refused, restore),
    cmocka_unit_test_teardown (test_helper_dies_between_steps, restore),
    cmocka_unit_test_teardown (test_helper_dies_before_connect, restore),
    cmocka_unit_test_teardown (test_helper_dies_during_step, restore),
    cmocka_unit_test_teardown (test_helper_dies_player, restore),
    cmocka_unit_test_teardown (test_peer_reset_exact, restore),
    cmocka_unit_test_teardown (test_peer_reset_loopback, restore),
  };

  /* A write to a socket the peer reset is an error, not a signal. */
  signal (SIGPIPE, SIG_IGN);
  return cmocka_run_group_tests (tests, setup, teardown);
}
