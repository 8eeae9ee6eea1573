/* pf-bench.c: what the benchmarks share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every figure is printed beside the reference it was measured against
 * in the same run, with the ratio of the two: absolute times drift on a
 * shared machine, ratios much less.
 */

#include "config.h"

#include "pf-bench.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

/* Seconds on the monotonic clock, which every process shares. */
double
pf_bench_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The middle of @seconds (sorted in place): one slow run of a few, when
 * the machine did something else, does not move it. */
double
pf_bench_median (GArray *seconds)
{
  guint n = seconds->len;

  g_return_val_if_fail (n > 0, 0);

  g_array_sort (seconds, compare_doubles);
  if (n % 2 == 1)
    return g_array_index (seconds, double, n / 2);
  return (g_array_index (seconds, double, n / 2 - 1) + g_array_index (seconds, double, n / 2)) / 2;
}

/* A line of /proc/self/status in KiB: "VmRSS:" (resident now) or
 * "VmHWM:" (the peak). This process image's own, where getrusage ()'s
 * ru_maxrss carries over the parent's from before an exec. 0 if unknown. */
gsize
pf_bench_status_kib (const char *field)
{
  g_autofree char *text = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &text, NULL, NULL))
    return 0;
  line = strstr (text, field);
  return line != NULL ? g_ascii_strtoull (line + strlen (field), NULL, 10) : 0;
}

/* Until @fd is ready for @events (POLLIN, POLLOUT): the plain loops'
 * sockets are non-blocking, as the engine's are. */
void
pf_bench_wait_for (int   fd,
                   short events)
{
  struct pollfd pfd = { .fd = fd, .events = events };

  while (poll (&pfd, 1, -1) < 0 && errno == EINTR)
    ;
}

void
pf_bench_section (const char *title)
{
  printf ("\n%s\n", title);
  printf ("  %-38s %-20s %-20s %8s  %-12s %s\n",
          "case", "measured", "reference", "ratio", "target", "met");
  fflush (stdout);
}

void
pf_bench_row (const char     *what,
              const char     *measured,
              const char     *reference,
              double          ratio,
              const char     *target,
              PfBenchVerdict  verdict)
{
  static const char * const verdicts[] = { "-", "yes", "NO" };
  char ratio_text[32];

  if (ratio > 0)
    g_snprintf (ratio_text, sizeof ratio_text, "%.2f", ratio);
  else
    g_strlcpy (ratio_text, "-", sizeof ratio_text);

  printf ("  %-38s %-20s %-20s %8s  %-12s %s\n",
          what, measured, reference != NULL ? reference : "-", ratio_text,
          target != NULL ? target : "-", verdicts[verdict]);
  fflush (stdout);
}

void
pf_bench_note (const char *format,
               ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  printf ("  %s\n", text);
  fflush (stdout);
}

/* Writes all of @data to the socket @fd, blocking or not, or ends the
 * benchmark with the reason. */
void
pf_bench_send_all (int           fd,
                   const guint8 *data,
                   gsize         len)
{
  while (len > 0)
    {
      ssize_t n = send (fd, data, len, MSG_NOSIGNAL);

      if (n < 0)
        {
          if (errno == EAGAIN || errno == EINTR)
            {
              pf_bench_wait_for (fd, POLLOUT);
              continue;
            }
          g_error ("bench: send: %s", g_strerror (errno));
        }
      data += n;
      len -= n;
    }
}
