/* bench-wire.c: what Packet Flow's wire costs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * In exact mode every frame between two hosts crosses PfWire (core/
 * pf-wire.c): read from one veth pair's far end, sent on another's. Here
 * that is measured against the same traffic over one veth pair with no
 * wire between (two network namespaces of a private user namespace,
 * made with iproute2's ip; offloads off on both ends, as the wire's
 * interfaces have them):
 *
 *   - bulk: 64 MiB in 64 KiB writes over one TCP connection, one link
 *     without latency; the rate, and the wire's count of lost frames;
 *   - per frame: UDP ping-pong of one byte; half the difference between
 *     a round trip through the wire and the median one over the veth is
 *     the time the wire adds to a frame (median, 99th percentile);
 *   - set-up: the network of 10, 100 and 1,000 hosts (pf_netspace_new in
 *     exact mode), and the kernel memory each host's namespace costs
 *     (MemAvailable before and after).
 *
 * The servers run on threads of their own, the wire on another, so each
 * side blocks on its socket as a program would.
 */

#define _GNU_SOURCE

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pf-bench.h"
#include "pf-bench-net.h"

#define CLIENT     0x0a000002u  /* 10.0.0.2 */
#define SERVER     0x0a000007u  /* 10.0.0.7 */
#define SINK_PORT  9
#define ECHO_PORT  7
#define CHUNK      (64 * 1024)
#define TOTAL      (64u * 1024 * 1024)
#define N_PINGS    4000
#define WARM_PINGS 200

/* Both sides of one measurement */

typedef struct
{
  int     fd;       /* the listener (sink) or the bound socket (echo) */
  guint64 total;    /* sink: bytes to read */
  guint   n;        /* echo: datagrams to answer */
} Server;

/* Reads @total bytes from the first connection, then answers one byte. */
static gpointer
sink_serve (gpointer data)
{
  Server *server = data;
  g_autofree guint8 *buffer = g_malloc (CHUNK);
  guint64 got = 0;
  int fd = accept (server->fd, NULL, NULL);

  if (fd < 0)
    g_error ("bench-wire: accept: %s", g_strerror (errno));
  while (got < server->total)
    {
      ssize_t n = recv (fd, buffer, CHUNK, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        g_error ("bench-wire: the sink read %" G_GUINT64_FORMAT " bytes of %" G_GUINT64_FORMAT,
                 got, server->total);
      got += (guint64) n;
    }
  pf_bench_send_all (fd, (const guint8 *) "k", 1);
  close (fd);
  return NULL;
}

static gpointer
echo_serve (gpointer data)
{
  Server *server = data;

  for (guint i = 0; i < server->n; i++)
    {
      struct sockaddr_in from;
      socklen_t from_len = sizeof from;
      char byte;
      ssize_t n = recvfrom (server->fd, &byte, 1, 0, (struct sockaddr *) &from, &from_len);

      if (n < 0 && errno == EINTR)
        {
          i--;
          continue;
        }
      if (n != 1 || sendto (server->fd, &byte, 1, 0, (struct sockaddr *) &from, from_len) != 1)
        g_error ("bench-wire: echo: %s", g_strerror (errno));
    }
  return NULL;
}

static struct sockaddr_in
socket_address (guint32 address,
                guint16 port)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons (port),
                             .sin_addr.s_addr = htonl (address) };

  return sin;
}

/* Seconds to send TOTAL bytes and hear the sink say it has them all. */
static double
bulk_send (int     fd,
           guint32 server)
{
  struct sockaddr_in to = socket_address (server, SINK_PORT);
  g_autofree guint8 *chunk = g_malloc (CHUNK);
  double start;
  char byte;

  memset (chunk, 'x', CHUNK);
  if (connect (fd, (struct sockaddr *) &to, sizeof to) != 0)
    g_error ("bench-wire: connect: %s", g_strerror (errno));
  start = pf_bench_now ();
  for (guint64 sent = 0; sent < TOTAL; sent += CHUNK)
    pf_bench_send_all (fd, chunk, CHUNK);
  if (recv (fd, &byte, 1, MSG_WAITALL) != 1)
    g_error ("bench-wire: the sink did not answer");
  return pf_bench_now () - start;
}

/* N_PINGS round trips after WARM_PINGS, each in seconds, into @rtts. */
static void
ping (int     fd,
      guint32 server,
      double *rtts)
{
  struct sockaddr_in to = socket_address (server, ECHO_PORT);

  if (connect (fd, (struct sockaddr *) &to, sizeof to) != 0)
    g_error ("bench-wire: connect: %s", g_strerror (errno));
  for (guint i = 0; i < WARM_PINGS + N_PINGS; i++)
    {
      double start = pf_bench_now ();
      char byte = 'p';

      if (send (fd, &byte, 1, 0) != 1 || recv (fd, &byte, 1, 0) != 1)
        g_error ("bench-wire: ping: %s", g_strerror (errno));
      if (i >= WARM_PINGS)
        rtts[i - WARM_PINGS] = pf_bench_now () - start;
    }
}

/* One veth pair, no wire */

typedef struct
{
  double bulk_seconds;
  double rtts[N_PINGS];
} DirectResult;

static void
write_text (const char *path,
            const char *text)
{
  int fd = open (path, O_WRONLY);

  if (fd < 0 || write (fd, text, strlen (text)) != (ssize_t) strlen (text))
    g_error ("bench-wire: %s: %s", path, g_strerror (errno));
  close (fd);
}

static void
run_ip (const char *format,
        ...) G_GNUC_PRINTF (1, 2);

static void
run_ip (const char *format,
        ...)
{
  g_autofree char *args = NULL;
  g_autofree char *command = NULL;
  va_list ap;

  va_start (ap, format);
  args = g_strdup_vprintf (format, ap);
  va_end (ap);
  command = g_strdup_printf ("ip %s", args);
  if (system (command) != 0)
    g_error ("bench-wire: %s failed", command);
}

/* TX checksum, TSO, GSO and GRO off, as on the wire's interfaces. */
static void
offloads_off (const char *name)
{
  static const guint32 commands[] = { ETHTOOL_STXCSUM, ETHTOOL_STSO, ETHTOOL_SGSO, ETHTOOL_SGRO };
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      struct ethtool_value value = { .cmd = commands[i], .data = 0 };
      struct ifreq ifr = { 0 };

      g_strlcpy (ifr.ifr_name, name, sizeof ifr.ifr_name);
      ifr.ifr_data = (char *) &value;
      if (ioctl (fd, SIOCETHTOOL, &ifr) != 0)
        g_error ("bench-wire: offloads of %s: %s", name, g_strerror (errno));
    }
  close (fd);
}

static int
bound_socket (int     type,
              guint32 address,
              guint16 port)
{
  struct sockaddr_in sin = socket_address (address, port);
  int fd = socket (AF_INET, type | SOCK_CLOEXEC, 0);

  if (fd < 0 || bind (fd, (struct sockaddr *) &sin, sizeof sin) != 0)
    g_error ("bench-wire: bind: %s", g_strerror (errno));
  return fd;
}

/* The server's namespace: its end of the pair, then a sink and an echo
 * server, one after the other. */
static void
direct_server (int ready_fd,
               int go_fd)
{
  Server sink = { .total = TOTAL }, echo = { .n = WARM_PINGS + N_PINGS };
  char byte = 0;

  if (unshare (CLONE_NEWNET) != 0)
    g_error ("bench-wire: unshare (CLONE_NEWNET): %s", g_strerror (errno));
  if (write (ready_fd, "r", 1) != 1 || read (go_fd, &byte, 1) != 1)
    _exit (1);

  run_ip ("link set lo up");
  run_ip ("addr add 10.0.0.7/24 dev vb");
  offloads_off ("vb");
  run_ip ("link set vb up");
  sink.fd = bound_socket (SOCK_STREAM, SERVER, SINK_PORT);
  echo.fd = bound_socket (SOCK_DGRAM, SERVER, ECHO_PORT);
  if (listen (sink.fd, 1) != 0)
    _exit (1);
  if (write (ready_fd, "s", 1) != 1)
    _exit (1);
  sink_serve (&sink);
  echo_serve (&echo);
  _exit (0);
}

/* In a user namespace of its own: the client's namespace with one end of
 * the pair, the server's with the other. */
static void
direct_child (int result_fd)
{
  g_autofree char *uid_map = g_strdup_printf ("0 %u 1", (guint) getuid ());
  g_autofree char *gid_map = g_strdup_printf ("0 %u 1", (guint) getgid ());
  DirectResult *result = g_new0 (DirectResult, 1);
  int ready[2], go[2];
  pid_t server;
  char byte;
  int fd;

  if (unshare (CLONE_NEWUSER | CLONE_NEWNET) != 0)
    g_error ("bench-wire: unshare: %s", g_strerror (errno));
  write_text ("/proc/self/setgroups", "deny");
  write_text ("/proc/self/uid_map", uid_map);
  write_text ("/proc/self/gid_map", gid_map);

  if (pipe (ready) != 0 || pipe (go) != 0)
    _exit (1);
  server = fork ();
  if (server == 0)
    direct_server (ready[1], go[0]);
  if (read (ready[0], &byte, 1) != 1)
    _exit (1);

  run_ip ("link set lo up");
  run_ip ("link add name va type veth peer name vb");
  run_ip ("link set vb netns %d", (int) server);
  run_ip ("addr add 10.0.0.2/24 dev va");
  offloads_off ("va");
  run_ip ("link set va up");
  if (write (go[1], "g", 1) != 1 || read (ready[0], &byte, 1) != 1)
    _exit (1);

  fd = bound_socket (SOCK_STREAM, CLIENT, 0);
  result->bulk_seconds = bulk_send (fd, SERVER);
  close (fd);
  fd = bound_socket (SOCK_DGRAM, CLIENT, 0);
  ping (fd, SERVER, result->rtts);
  close (fd);

  if (write (result_fd, result, sizeof *result) != sizeof *result)
    _exit (1);
  waitpid (server, NULL, 0);
  _exit (0);
}

static DirectResult *
direct_run (void)
{
  DirectResult *result = g_new0 (DirectResult, 1);
  guint8 *into = (guint8 *) result;
  gsize got = 0;
  int status;
  int pipe_fds[2];
  pid_t child;

  if (pipe (pipe_fds) != 0)
    g_error ("bench-wire: pipe: %s", g_strerror (errno));
  child = fork ();
  if (child == 0)
    {
      close (pipe_fds[0]);
      direct_child (pipe_fds[1]);
    }
  close (pipe_fds[1]);
  while (got < sizeof *result)
    {
      ssize_t n = read (pipe_fds[0], into + got, sizeof *result - got);

      if (n <= 0)
        g_error ("bench-wire: the veth pair's run gave no result (is iproute2's ip installed?)");
      got += (gsize) n;
    }
  close (pipe_fds[0]);
  waitpid (child, &status, 0);
  return result;
}

/* Through the wire */

typedef struct
{
  double  bulk_seconds;
  double  rtts[N_PINGS];
  guint64 frames;
  guint64 lost;
} WireResult;

static int
netspace_fd (PfNetspace *netspace,
             GSocketType type,
             guint32     address,
             guint16     port)
{
  g_autoptr(GError) error = NULL;
  GSocket *socket = pf_netspace_create_socket (netspace, type, address, port, &error);
  int fd;

  if (socket == NULL)
    g_error ("bench-wire: %s", error->message);
  fd = dup (g_socket_get_fd (socket));
  g_object_unref (socket);
  /* The netspace hands sockets over non-blocking; these block. */
  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

static WireResult *
wire_run (void)
{
  const PfIpv4 addresses[] = { CLIENT, SERVER };
  g_autoptr(GError) error = NULL;
  g_autoptr(PfNetspace) netspace = pf_bench_net_new (PF_NETSPACE_MODE_EXACT, addresses, 2, &error);
  WireResult *result = g_new0 (WireResult, 1);
  Server sink = { .total = TOTAL }, echo = { .n = WARM_PINGS + N_PINGS };
  PfBenchWire *wire;
  GThread *thread;
  int fd;

  if (netspace == NULL)
    g_error ("bench-wire: no private network: %s", error->message);
  wire = pf_bench_wire_start (netspace, 0);

  sink.fd = netspace_fd (netspace, G_SOCKET_TYPE_STREAM, SERVER, SINK_PORT);
  if (listen (sink.fd, 1) != 0)
    g_error ("bench-wire: listen: %s", g_strerror (errno));
  thread = g_thread_new ("sink", sink_serve, &sink);
  fd = netspace_fd (netspace, G_SOCKET_TYPE_STREAM, CLIENT, 0);
  result->bulk_seconds = bulk_send (fd, SERVER);
  g_thread_join (thread);
  close (fd);
  close (sink.fd);

  echo.fd = netspace_fd (netspace, G_SOCKET_TYPE_DATAGRAM, SERVER, ECHO_PORT);
  thread = g_thread_new ("echo", echo_serve, &echo);
  fd = netspace_fd (netspace, G_SOCKET_TYPE_DATAGRAM, CLIENT, 0);
  ping (fd, SERVER, result->rtts);
  g_thread_join (thread);
  close (fd);
  close (echo.fd);

  pf_bench_wire_stop (wire, &result->frames, &result->lost);
  return result;
}

/* Set-up */

static gsize
mem_available_kib (void)
{
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/meminfo", &text, NULL, NULL) ||
      (line = strstr (text, "MemAvailable:")) == NULL)
    return 0;
  return (gsize) g_ascii_strtoull (line + strlen ("MemAvailable:"), NULL, 10);
}

static void
measure_setup (guint n_hosts)
{
  g_autofree PfIpv4 *addresses = g_new (PfIpv4, n_hosts);
  g_autoptr(GError) error = NULL;
  g_autoptr(PfNetspace) netspace = NULL;
  char measured[64], reference[64], what[64];
  gsize before, after;
  double start, seconds;

  for (guint i = 0; i < n_hosts; i++)
    addresses[i] = 0x0a000000u + i + 2;

  before = mem_available_kib ();
  start = pf_bench_now ();
  netspace = pf_bench_net_new (PF_NETSPACE_MODE_EXACT, addresses, n_hosts, &error);
  if (netspace == NULL)
    g_error ("bench-wire: no network of %u hosts: %s", n_hosts, error->message);
  seconds = pf_bench_now () - start;
  after = mem_available_kib ();

  g_snprintf (what, sizeof what, "set-up, %u hosts", n_hosts);
  g_snprintf (measured, sizeof measured, "%.3f s", seconds);
  g_snprintf (reference, sizeof reference, "%.0f KiB a host",
              before > after ? (double) (before - after) / n_hosts : 0.0);
  if (n_hosts == 100)
    pf_bench_row (what, measured, reference, 0, "< 1 s",
                  seconds < 1.0 ? PF_BENCH_MET : PF_BENCH_MISSED);
  else
    pf_bench_row (what, measured, reference, 0, NULL, PF_BENCH_NO_TARGET);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- Packet Flow's wire against a veth pair");
  g_autoptr(GError) error = NULL;
  g_autofree DirectResult *direct = NULL;
  g_autofree WireResult *wired = NULL;
  g_autofree double *added = g_new (double, N_PINGS);
  char measured[64], reference[64];
  double direct_rate, wire_rate, direct_median;

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  /* Before any thread: the veth pair's run forks. */
  direct = direct_run ();
  wired = wire_run ();

  pf_bench_section ("The wire: 64 MiB in 64 KiB writes, through the wire against one veth pair");
  direct_rate = TOTAL / direct->bulk_seconds / (1024 * 1024);
  wire_rate = TOTAL / wired->bulk_seconds / (1024 * 1024);
  g_snprintf (measured, sizeof measured, "%.0f MiB/s", wire_rate);
  g_snprintf (reference, sizeof reference, "%.0f MiB/s", direct_rate);
  pf_bench_row ("bulk, one link, no latency", measured, reference, wire_rate / direct_rate,
                ">= 0.50", wire_rate / direct_rate >= 0.5 ? PF_BENCH_MET : PF_BENCH_MISSED);
  g_snprintf (measured, sizeof measured, "%" G_GUINT64_FORMAT " lost", wired->lost);
  g_snprintf (reference, sizeof reference, "%" G_GUINT64_FORMAT " frames", wired->frames);
  pf_bench_row ("frames lost, whole run", measured, reference, 0, "0",
                wired->lost == 0 ? PF_BENCH_MET : PF_BENCH_MISSED);

  pf_bench_section ("The wire: time it adds to a frame (UDP ping-pong, half the extra round trip)");
  qsort (direct->rtts, N_PINGS, sizeof (double), (int (*) (const void *, const void *)) compare_doubles);
  direct_median = direct->rtts[N_PINGS / 2];
  for (guint i = 0; i < N_PINGS; i++)
    added[i] = (wired->rtts[i] - direct_median) / 2;
  qsort (added, N_PINGS, sizeof (double), (int (*) (const void *, const void *)) compare_doubles);
  g_snprintf (measured, sizeof measured, "%.1f µs", added[N_PINGS / 2] * 1e6);
  g_snprintf (reference, sizeof reference, "%.1f µs round trip", direct_median * 1e6);
  pf_bench_row ("added per frame, median", measured, reference, 0, NULL, PF_BENCH_NO_TARGET);
  g_snprintf (measured, sizeof measured, "%.1f µs", added[N_PINGS * 99 / 100] * 1e6);
  pf_bench_row ("added per frame, 99th percentile", measured, reference, 0, "< 1 ms",
                added[N_PINGS * 99 / 100] < 1e-3 ? PF_BENCH_MET : PF_BENCH_MISSED);

  pf_bench_section ("The network: set-up of N hosts in exact mode, and kernel memory per host");
  measure_setup (10);
  measure_setup (100);
  measure_setup (1000);
  return 0;
}
