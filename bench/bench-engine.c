/* bench-engine.c: messages per second through the engine, against a plain
 * ping-pong over the same kind of socket pair
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both sides move the same bytes through the same kernel: a client and
 * an echo server on one connection, in one thread, one message each way
 * per round.
 *
 * - plain: a C loop with no engine. The client writes a message, the
 *   server reads all of it and writes it back, the client reads the echo.
 *   The sockets come from the same PfNetspace the engine uses, so in
 *   exact mode they live in the helper's private namespace (TSO and GSO
 *   off) and in loopback mode on this computer's lo.
 * - engine: a scenario with an echo service and one `send` step per
 *   message, run step by step as the window does: the step sends the
 *   client's message and the echo the server held from the step before,
 *   records every event in the timeline, reads the socket states and, in
 *   exact mode, captures and decodes every segment.
 *
 * A message is one write of the given size, either way.
 */

#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "pf-bench.h"
#include "pf-bench-net.h"
#include "pf-engine.h"
#include "pf-netspace.h"

#define CLIENT_ADDRESS 0x0a000002u   /* 10.0.0.2 */
#define SERVER_ADDRESS 0x0a000007u   /* 10.0.0.7 */
#define ECHO_PORT      7
#define MAX_JSON_BYTES (15 * 1024 * 1024)
#define RUNS           3
/* Untimed rounds first, on both sides: the first writes after the helper
 * was started fault in pages (copy on write after its fork, and fresh
 * heap), once per run, not per message. */
#define WARM_UP(n)     ((n) / 10)

/* The plain loop */

static void
receive_all (int     fd,
             guint8 *data,
             gsize   len)
{
  while (len > 0)
    {
      ssize_t n = recv (fd, data, len, 0);

      if (n < 0)
        {
          if (errno == EAGAIN || errno == EINTR)
            {
              pf_bench_wait_for (fd, POLLIN);
              continue;
            }
          g_error ("plain loop: recv: %s", g_strerror (errno));
        }
      if (n == 0)
        g_error ("plain loop: the connection closed early");
      data += n;
      len -= n;
    }
}

static PfNetspace *
netspace_new (PfNetspaceMode mode)
{
  const PfIpv4 addresses[] = { CLIENT_ADDRESS, SERVER_ADDRESS };
  g_autoptr(GError) error = NULL;
  PfNetspace *netspace;

  netspace = pf_bench_net_new (mode, addresses, G_N_ELEMENTS (addresses), &error);
  if (netspace == NULL)
    g_error ("no %s network: %s", pf_netspace_mode_to_string (mode), error->message);
  return netspace;
}

/* Seconds for @n rounds of @size bytes there and back. */
static double
plain_run (PfNetspaceMode mode,
           gsize          size,
           guint          n)
{
  g_autoptr(PfNetspace) netspace = netspace_new (mode);
  /* Exact mode: the engine's wire, without its latency, as the
   * generated scenario's link has none. */
  PfBenchWire *wire = pf_bench_wire_start (netspace, 0);
  g_autoptr(GError) error = NULL;
  guint64 lost = 0;
  double seconds;
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GSocket) client = NULL;
  g_autoptr(GSocket) server = NULL;
  g_autoptr(GSocketAddress) target = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  g_autofree guint8 *message = g_malloc (size);
  g_autofree guint8 *buffer = g_malloc (size);
  guint32 real_address;
  double start = 0;
  int client_fd, server_fd;

  memset (message, 'x', size);

  listener = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM, SERVER_ADDRESS, ECHO_PORT, &error);
  if (listener == NULL || !g_socket_listen (listener, &error))
    g_error ("plain loop: no listener: %s", error->message);

  client = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM, CLIENT_ADDRESS, 0, &error);
  if (client == NULL)
    g_error ("plain loop: no client socket: %s", error->message);

  real_address = g_htonl (pf_netspace_map_address (netspace, SERVER_ADDRESS));
  inet = g_inet_address_new_from_bytes ((const guint8 *) &real_address, G_SOCKET_FAMILY_IPV4);
  target = g_inet_socket_address_new (inet, pf_netspace_map_port (netspace, ECHO_PORT));
  if (!g_socket_connect (client, target, NULL, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
        g_error ("plain loop: connect: %s", error->message);
      g_clear_error (&error);
      pf_bench_wait_for (g_socket_get_fd (client), POLLOUT);
      if (!g_socket_check_connect_result (client, &error))
        g_error ("plain loop: connect: %s", error->message);
    }

  pf_bench_wait_for (g_socket_get_fd (listener), POLLIN);
  server = g_socket_accept (listener, NULL, &error);
  if (server == NULL)
    g_error ("plain loop: accept: %s", error->message);

  client_fd = g_socket_get_fd (client);
  server_fd = g_socket_get_fd (server);

  for (guint i = 0; i < n + WARM_UP (n); i++)
    {
      if (i == WARM_UP (n))
        start = pf_bench_now ();
      pf_bench_send_all (client_fd, message, size);
      receive_all (server_fd, buffer, size);
      pf_bench_send_all (server_fd, buffer, size);
      receive_all (client_fd, buffer, size);
    }
  seconds = pf_bench_now () - start;
  pf_bench_wire_stop (wire, NULL, &lost);
  if (lost > 0)
    g_error ("plain loop: the wire lost %" G_GUINT64_FORMAT " frames", lost);
  return seconds;
}

/* The engine */

static PfScenario *
scenario_new (gsize size,
              guint n)
{
  g_autoptr(GString) json = g_string_sized_new (n * (size + 100) + 1024);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data = g_malloc (size + 1);
  PfScenario *scenario;

  memset (data, 'x', size);
  data[size] = '\0';

  g_string_append (json,
                   "{ \"format\": \"packetflow-scenario\", \"version\": 1,\n"
                   "  \"title\": \"Echo benchmark\", \"summary\": \"Messages to an echo server.\",\n"
                   "  \"links\": [ { \"id\": \"bench\", \"network\": \"10.0.0.0/24\", \"latency_ms\": 0 } ],\n"
                   "  \"hosts\": [\n"
                   "    { \"id\": \"laptop\", \"name\": \"Laptop\", \"address\": \"10.0.0.2\", \"kind\": \"laptop\" },\n"
                   "    { \"id\": \"echo\", \"name\": \"Echo\", \"address\": \"10.0.0.7\", \"kind\": \"server\",\n"
                   "      \"services\": [ { \"type\": \"echo\", \"port\": 7 } ] } ],\n"
                   "  \"steps\": [\n"
                   "    { \"narration\": \"Connect.\", \"action\": \"connect\", \"id\": \"c\",\n"
                   "      \"from\": \"laptop\", \"to\": \"echo\", \"port\": 7 },\n");
  for (guint i = 0; i < n; i++)
    g_string_append_printf (json,
                            "    { \"narration\": \"Send.\", \"action\": \"send\", \"connection\": \"c\","
                            " \"side\": \"client\", \"data\": \"%s\" },\n", data);
  g_string_append (json,
                   "    { \"narration\": \"Close.\", \"action\": \"close\", \"connection\": \"c\","
                   " \"side\": \"client\" } ] }\n");

  g_assert (json->len <= MAX_JSON_BYTES);
  bytes = g_string_free_to_bytes (g_steal_pointer (&json));
  scenario = pf_scenario_load_bytes (bytes, "bench-engine.pflow.json", &error);
  if (scenario == NULL)
    g_error ("the generated scenario does not load: %s", error->message);
  return scenario;
}

static void
on_step_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  if (!pf_engine_step_finish (PF_ENGINE (object), result, &error))
    g_error ("step failed: %s", error->message);
  *done = TRUE;
}

static void
engine_step (PfEngine *engine)
{
  gboolean done = FALSE;

  pf_engine_step_async (engine, NULL, on_step_done, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* Seconds for the @n send steps (the connect and close are not timed). */
static double
engine_run (PfNetspaceMode mode,
            gsize          size,
            guint          n)
{
  g_autoptr(PfEngine) engine = pf_engine_new (scenario_new (size, n + WARM_UP (n)), mode);
  g_autoptr(GError) error = NULL;
  double start, seconds;

  /* Loading megabytes of generated JSON leaves the heap with as much
   * memory freed and already faulted in, which the run would then reuse
   * for what it records; a scenario file of a few kilobytes leaves
   * none. Handed back, the run pays for fresh memory as it would. */
  malloc_trim (0);

  if (!pf_engine_start (engine, &error))
    g_error ("the engine did not start: %s", error->message);

  engine_step (engine);   /* connect */
  for (guint i = 0; i < WARM_UP (n); i++)
    engine_step (engine);
  start = pf_bench_now ();
  for (guint i = 0; i < n; i++)
    engine_step (engine);
  seconds = pf_bench_now () - start;
  engine_step (engine);   /* close */

  if (pf_engine_get_n_failures (engine) > 0)
    g_error ("the benchmark run had failures");
  pf_engine_stop (engine);
  return seconds;
}

static void
measure (PfNetspaceMode mode,
         gsize          size,
         guint          n,
         double         target)
{
  g_autoptr(GArray) plain = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) engine = g_array_new (FALSE, FALSE, sizeof (double));
  /* Both move 2n messages: the plain loop n there and n back; the
   * engine's n steps each the client's message and the echo of the one
   * before (held by the service for the next step). */
  double plain_rate, engine_rate, ratio;
  g_autofree char *what = NULL;
  char measured[32], reference[32], target_text[16];

  /* Side by side, alternating, so a busy moment hits both. */
  for (guint run = 0; run < RUNS; run++)
    {
      double seconds = plain_run (mode, size, n);
      g_array_append_val (plain, seconds);
      seconds = engine_run (mode, size, n);
      g_array_append_val (engine, seconds);
    }

  plain_rate = 2.0 * n / pf_bench_median (plain);
  engine_rate = 2.0 * n / pf_bench_median (engine);
  ratio = engine_rate / plain_rate;

  if (size >= 1024)
    what = g_strdup_printf ("%s, %zu KiB messages", pf_netspace_mode_to_string (mode), size / 1024);
  else
    what = g_strdup_printf ("%s, %zu B messages", pf_netspace_mode_to_string (mode), size);
  g_snprintf (measured, sizeof measured, "%.0f msg/s", engine_rate);
  g_snprintf (reference, sizeof reference, "%.0f msg/s", plain_rate);
  g_snprintf (target_text, sizeof target_text, ">= %.2f", target);
  pf_bench_row (what, measured, reference, ratio, target_text,
                ratio >= target ? PF_BENCH_MET : PF_BENCH_MISSED);
}

int
main (int    argc,
      char **argv)
{
  static const struct { gsize size; guint n; } sizes[] = {
    { 64, 2000 }, { 1024, 2000 }, { 64 * 1024, 200 },
  };
  g_autofree char *mode_name = NULL;
  double scale = 1.0;
  int only_size = 0;
  GOptionEntry entries[] = {
    { "size", 0, 0, G_OPTION_ARG_INT, &only_size, "Only messages of this many bytes: 64, 1024 or 65536", "BYTES" },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &mode_name, "Only this mode: loopback or exact", "MODE" },
    { "scale", 0, 0, G_OPTION_ARG_DOUBLE, &scale, "Messages, as a multiple of the default counts", "X" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- the engine against a plain loop");
  g_autoptr(GError) error = NULL;
  static const struct { PfNetspaceMode mode; double target; } modes[] = {
    { PF_NETSPACE_MODE_LOOPBACK, 0.5 }, { PF_NETSPACE_MODE_EXACT, 1.0 / 3 },
  };

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  /* Each case in a process of its own, as each run of the app is: what
   * the allocator kept from one case would change the next. */
  if (mode_name == NULL || only_size == 0)
    {
      pf_bench_section ("Engine overhead: messages per second, engine against a plain ping-pong");
      for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
        for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
          {
            g_autofree char *mode_arg = g_strdup_printf ("--mode=%s", pf_netspace_mode_to_string (modes[m].mode));
            g_autofree char *size_arg = g_strdup_printf ("--size=%zu", sizes[s].size);
            g_autofree char *scale_arg = g_strdup_printf ("--scale=%g", scale);
            const char *child_argv[] = { argv[0], mode_arg, size_arg, scale_arg, NULL };
            int status;

            if ((mode_name != NULL && g_strcmp0 (mode_name, pf_netspace_mode_to_string (modes[m].mode)) != 0) ||
                (only_size != 0 && (gsize) only_size != sizes[s].size))
              continue;
            if (!g_spawn_sync (NULL, (char **) child_argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               NULL, NULL, &status, &error) ||
                !g_spawn_check_wait_status (status, &error))
              {
                g_printerr ("pf-bench-engine: %s\n", error->message);
                return 1;
              }
          }
      return 0;
    }

  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
      if (g_strcmp0 (mode_name, pf_netspace_mode_to_string (modes[m].mode)) == 0 &&
          (gsize) only_size == sizes[s].size)
        measure (modes[m].mode, sizes[s].size, MAX (2, (guint) (sizes[s].n * scale)), modes[m].target);

  return 0;
}
