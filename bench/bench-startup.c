/* bench-startup.c: from launch to the window's first frame, against the
 * smallest libadwaita application
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A driver: it starts a program on the display it was given (./run bench
 * runs it under xvfb-run) and times from just before the spawn to the
 * first frame the program's window paints. The programs say when that
 * was: with PACKETFLOW_BENCH_FIRST_FRAME=1, packetflow and bench-hello
 * print "first-frame" and CLOCK_MONOTONIC in microseconds from their
 * window's first "after-paint", then quit. pf_bench_now () reads the same
 * clock, so the two times subtract.
 *
 * - reference: bench-hello, one AdwApplicationWindow with a label, of
 *   packetflow's default size;
 * - packetflow as a user starts it from the build tree: the default
 *   scenario ("packetflow web", which also starts the engine and, in the
 *   default auto mode, the namespace helper), and with no argument (the
 *   start page).
 *
 * The runs alternate (reference, web, start page, reference, ...) so that
 * a busy moment on the machine hits all three; each figure is the median.
 * One round before them is not counted: it fills the page cache.
 *
 * Both programs are launched the same way, in one environment. It has no
 * session bus under xvfb-run, which a desktop would have: GLib then tries
 * and fails to start one (dbus-launch) and runs the application as not
 * unique, and dconf cannot save settings. So the driver starts its own
 * dbus-daemon for the run, as a desktop has one already running, and
 * gives the programs GSETTINGS_BACKEND=memory, so that a benchmark does
 * not rewrite the user's settings (last scenario, window size).
 */

#include "config.h"

#include <gio/gio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "pf-bench.h"

#define DEFAULT_RUNS     10
#define TIMEOUT_SECONDS  60

typedef struct
{
  const char  *what;
  const char  *program;   /* "app" or "hello" */
  const char  *argument;  /* or NULL */
  GArray      *seconds;
} Case;

typedef struct
{
  GMainLoop   *loop;
  GSubprocess *process;
  guint        timeout_id;
  char        *out;
  char        *err;
  GError      *error;
} Launch;

/* The build tree: this program is bench/pf-bench-startup in it. */
static char *
build_dir (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *bench_dir = NULL;

  if (self == NULL)
    return g_get_current_dir ();
  bench_dir = g_path_get_dirname (self);
  return g_path_get_dirname (bench_dir);
}

static void
on_communicated (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Launch *launch = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (object), result,
                                        &launch->out, &launch->err, &launch->error);
  g_main_loop_quit (launch->loop);
}

static gboolean
on_timeout (gpointer user_data)
{
  Launch *launch = user_data;

  launch->timeout_id = 0;
  g_subprocess_force_exit (launch->process);
  return G_SOURCE_REMOVE;
}

/* Seconds from just before the spawn of @argv to its first frame. */
static double
launch_once (GSubprocessLauncher  *launcher,
             const char * const   *argv)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Launch launch = { .loop = loop };
  const char *line;
  gint64 frame_us;
  double start;
  gboolean timed_out;

  start = pf_bench_now ();
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (process == NULL)
    {
      g_printerr ("startup: cannot start %s: %s\n", argv[0], error->message);
      exit (1);
    }

  launch.process = process;
  launch.timeout_id = g_timeout_add_seconds (TIMEOUT_SECONDS, on_timeout, &launch);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, on_communicated, &launch);
  g_main_loop_run (loop);
  timed_out = launch.timeout_id == 0;
  g_clear_handle_id (&launch.timeout_id, g_source_remove);
  /* communicate has read to the end of both pipes: the program has
   * closed them, and is gone or about to be. */
  g_subprocess_wait (process, NULL, NULL);

  line = launch.out != NULL ? strstr (launch.out, "first-frame ") : NULL;
  if (launch.error != NULL || line == NULL)
    {
      g_printerr ("startup: %s painted no first frame%s%s%s\n%s",
                  argv[0], timed_out ? " in " G_STRINGIFY (TIMEOUT_SECONDS) " s" : "",
                  launch.error != NULL ? ": " : "",
                  launch.error != NULL ? launch.error->message : "",
                  launch.err != NULL ? launch.err : "");
      exit (1);
    }
  frame_us = g_ascii_strtoll (line + strlen ("first-frame "), NULL, 10);

  g_free (launch.out);
  g_free (launch.err);
  return frame_us / 1e6 - start;
}

/* In the bus daemon, before it starts: a process group of its own, so
 * that stop_session_bus () also ends what the bus started (the
 * accessibility bus), and an end when this process ends, however. */
static void
bus_child_setup (gpointer user_data)
{
  setpgid (0, 0);
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* A session bus of our own for the run, as a desktop has one; its
 * address goes to the programs. */
static GSubprocess *
start_session_bus (GSubprocessLauncher *launcher)
{
  g_autoptr(GSubprocessLauncher) bus_launcher = NULL;
  g_autoptr(GSubprocess) daemon = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) output = NULL;
  g_autofree char *address = NULL;

  bus_launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (bus_launcher, bus_child_setup, NULL, NULL);
  daemon = g_subprocess_launcher_spawn (bus_launcher, &error,
                                        "dbus-daemon", "--session", "--nofork", "--print-address", NULL);
  if (daemon == NULL)
    {
      pf_bench_note ("no dbus-daemon (%s): the programs run without a session bus", error->message);
      return NULL;
    }

  output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (daemon));
  address = g_data_input_stream_read_line (output, NULL, NULL, &error);
  if (address == NULL)
    {
      pf_bench_note ("dbus-daemon gave no address: the programs run without a session bus");
      g_subprocess_force_exit (daemon);
      return NULL;
    }

  g_subprocess_launcher_setenv (launcher, "DBUS_SESSION_BUS_ADDRESS", g_strstrip (address), TRUE);
  return g_steal_pointer (&daemon);
}

static void
stop_session_bus (GSubprocess *daemon)
{
  const char *id = g_subprocess_get_identifier (daemon);

  if (id != NULL)
    kill (-(pid_t) g_ascii_strtoll (id, NULL, 10), SIGTERM);
  g_subprocess_wait (daemon, NULL, NULL);
}

static void
print_row (const Case *item,
           const Case *reference)
{
  double measured = pf_bench_median (item->seconds);
  double base = pf_bench_median (reference->seconds);
  char measured_text[32], reference_text[32];

  g_snprintf (measured_text, sizeof measured_text, "%.0f ms", measured * 1000);
  g_snprintf (reference_text, sizeof reference_text, "%.0f ms", base * 1000);
  if (item == reference)
    pf_bench_row (item->what, measured_text, NULL, 0, NULL, PF_BENCH_NO_TARGET);
  else
    pf_bench_row (item->what, measured_text, reference_text,
                  measured / base, NULL, PF_BENCH_NO_TARGET);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *app = NULL;
  g_autofree char *hello = NULL;
  g_autofree char *dir = build_dir ();
  g_autofree char *schema_dir = g_build_filename (dir, "data", NULL);
  g_autofree char *helper = g_build_filename (dir, "helper", "packetflow-netns-helper", NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) bus = NULL;
  g_autoptr(GOptionContext) context = g_option_context_new ("- launch to first frame, packetflow against a minimal window");
  g_autoptr(GError) error = NULL;
  gboolean no_bus = FALSE;
  int runs = DEFAULT_RUNS;
  GOptionEntry entries[] = {
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Launches of each program (default 10)", "N" },
    { "app", 0, 0, G_OPTION_ARG_FILENAME, &app, "packetflow to launch (default: the build tree's)", "PATH" },
    { "hello", 0, 0, G_OPTION_ARG_FILENAME, &hello, "The reference (default: the build tree's)", "PATH" },
    { "no-bus", 0, 0, G_OPTION_ARG_NONE, &no_bus, "Start no session bus for the programs", NULL },
    { NULL }
  };
  Case cases[] = {
    { "minimal libadwaita window", "hello", NULL, NULL },
    { "packetflow web (default scenario)", "app", "web", NULL },
    { "packetflow (start page)", "app", NULL, NULL },
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  runs = MAX (runs, 1);
  if (app == NULL)
    app = g_build_filename (dir, "app", "packetflow", NULL);
  if (hello == NULL)
    hello = g_build_filename (dir, "bench", "pf-bench-hello", NULL);

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_printerr ("startup: no display; run it under xvfb-run (./run bench does)\n");
      return 1;
    }

  pf_bench_section ("Start-up: from launch to the window's first frame");

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "PACKETFLOW_BENCH_FIRST_FRAME", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "memory", TRUE);
  /* What the build tree needs to run without being installed (as ./run
   * sets it), unless the caller said otherwise. */
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_SCHEMA_DIR", schema_dir, FALSE);
  g_subprocess_launcher_setenv (launcher, "PACKETFLOW_NETNS_HELPER", helper, FALSE);
  if (!no_bus && g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    bus = start_session_bus (launcher);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    cases[i].seconds = g_array_new (FALSE, FALSE, sizeof (double));

  /* Round 0 fills the page cache and is not counted. */
  for (int round = 0; round <= runs; round++)
    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        const char *argv_run[3] = {
          g_str_equal (cases[i].program, "app") ? app : hello,
          cases[i].argument,
          NULL,
        };
        double seconds = launch_once (launcher, argv_run);

        if (round > 0)
          g_array_append_val (cases[i].seconds, seconds);
      }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    print_row (&cases[i], &cases[0]);
  pf_bench_note ("median of %d launches each, alternating; ratio = program / minimal window", runs);
  pf_bench_note ("session bus: %s; GSETTINGS_BACKEND=memory; GSK_RENDERER %s",
                 bus != NULL ? "a dbus-daemon of the benchmark's" :
                 g_getenv ("DBUS_SESSION_BUS_ADDRESS") != NULL ? "the caller's" : "none",
                 g_getenv ("GSK_RENDERER") != NULL ? g_getenv ("GSK_RENDERER") : "GTK's default");

  if (bus != NULL)
    stop_session_bus (bus);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_array_unref (cases[i].seconds);
  return 0;
}
