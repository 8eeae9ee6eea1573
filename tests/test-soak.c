/* test-soak.c: many runs in one process leave nothing behind
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A lecture restarts a scenario again and again in one window. Here the
 * player restarts a scenario 500 times in loopback mode and 200 times in
 * exact mode (each a new namespace helper), playing every step each time,
 * and the process must end as it began: the same descriptors, threads and
 * child processes, and memory flat (resident set and the heap in use,
 * after a warm-up, within a small bound).
 *
 * The scenario uses addresses of its own (10.55.x, 192.0.2.55), so in
 * loopback mode it meets no other test's sockets.
 */

#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pf-test-util.h"

#include <malloc.h>
#include <string.h>
#include <unistd.h>

#include "pf-player.h"

/* AddressSanitizer keeps freed memory in quarantine and maps shadow
 * memory, so the resident set grows whatever the code does; there
 * LeakSanitizer checks the memory, and this test the rest. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define WARM_UP           20
#define LOOPBACK_RUNS     500
#define EXACT_RUNS        200
#define RSS_BOUND         (2 * 1024 * 1024)   /* bytes the resident set may grow */
#define HEAP_BOUND        (256 * 1024)        /* bytes the heap in use may grow */
#define STEP_LIMIT_S      15

/* Something of everything: a web page over TCP (greeting, request,
 * answer, close), an echo over UDP, a DNS lookup. */
static const char SCENARIO_TEXT[] =
  "{\n"
  "  \"format\": \"packetflow-scenario\", \"version\": 1,\n"
  "  \"title\": \"Soak\", \"summary\": \"The same lesson, again and again.\",\n"
  "  \"hosts\": [\n"
  "    { \"id\": \"pc\", \"name\": \"PC\", \"address\": \"10.55.0.2\", \"kind\": \"laptop\" },\n"
  "    { \"id\": \"srv\", \"name\": \"Server\", \"address\": \"192.0.2.55\", \"kind\": \"server\",\n"
  "      \"names\": [ \"soak.example.org\" ],\n"
  "      \"services\": [ { \"type\": \"http\", \"port\": 80, \"pages\": { \"/\": \"<p>again</p>\\n\" } },\n"
  "                    { \"type\": \"echo\", \"protocol\": \"udp\", \"port\": 7 },\n"
  "                    { \"type\": \"dns\", \"port\": 53 } ] }\n"
  "  ],\n"
  "  \"steps\": [\n"
  "    { \"narration\": \"Look up the name.\", \"action\": \"lookup\", \"from\": \"pc\",\n"
  "      \"name\": \"soak.example.org\", \"server\": \"srv\" },\n"
  "    { \"narration\": \"Connect.\", \"action\": \"connect\", \"id\": \"w\",\n"
  "      \"from\": \"pc\", \"to\": \"srv\", \"port\": 80 },\n"
  "    { \"narration\": \"Ask.\", \"action\": \"send\", \"connection\": \"w\",\n"
  "      \"data\": \"GET / HTTP/1.1\\r\\nHost: soak.example.org\\r\\n\\r\\n\" },\n"
  "    { \"narration\": \"Hear.\", \"action\": \"expect\", \"connection\": \"w\", \"contains\": \"again\" },\n"
  "    { \"narration\": \"Close.\", \"action\": \"close\", \"connection\": \"w\" },\n"
  "    { \"narration\": \"Echo.\", \"action\": \"udp\", \"id\": \"u\", \"from\": \"pc\", \"to\": \"srv\",\n"
  "      \"port\": 7, \"data\": \"ping\" },\n"
  "    { \"narration\": \"Echoed.\", \"action\": \"expect\", \"connection\": \"u\", \"data\": \"ping\" }\n"
  "  ]\n"
  "}\n";

typedef struct
{
  guint fds;
  guint threads;
  guint children;
  gsize rss;
  gsize heap;
} Usage;

static gsize
resident_bytes (void)
{
  g_autofree char *statm = NULL;
  g_auto(GStrv) fields = NULL;

  assert_true (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL));
  fields = g_strsplit (statm, " ", -1);
  assert_non_null (fields[1]);
  return (gsize) g_ascii_strtoull (fields[1], NULL, 10) * (gsize) sysconf (_SC_PAGESIZE);
}

static gsize
heap_in_use (void)
{
  struct mallinfo2 info = mallinfo2 ();

  return info.uordblks + info.hblkhd;
}

static void
count_now (Usage *usage)
{
  pf_test_settle ();
  usage->fds = pf_test_count_fds ();
  usage->threads = pf_test_count_threads ();
  usage->children = pf_test_count_children ();
}

static gboolean
same_counts (const Usage *a,
             const Usage *b)
{
  return a->fds == b->fds && a->threads == b->threads && a->children == b->children;
}

/* After a run, GLib's worker thread closes a pidfd and reaps a helper a
 * moment later. With @expected: until the counts are those, up to 2 s.
 * Without: until they have held still for 50 ms (a baseline taken a
 * moment too soon would count what is on its way out). */
static Usage
measure (const Usage *expected)
{
  gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  Usage usage, previous;

  count_now (&previous);
  for (;;)
    {
      g_usleep (expected != NULL ? 1000 : 50 * 1000);
      count_now (&usage);
      if (g_get_monotonic_time () > deadline ||
          same_counts (&usage, expected != NULL ? expected : &previous))
        break;
      previous = usage;
    }

  malloc_trim (0);
  usage.rss = resident_bytes ();
  usage.heap = heap_in_use ();
  return usage;
}

/* One lecture's worth: restart, then every step on the sockets. */
static void
play_once (PfPlayer *player)
{
  g_autoptr(GError) error = NULL;

  if (!pf_player_restart (player, &error))
    fail_msg ("restart: %s", error->message);
  while (pf_player_can_step_forward (player))
    {
      pf_player_step_forward (player);
      pf_test_wait_idle (player, STEP_LIMIT_S);
    }
  if (pf_player_get_error (player) != NULL)
    fail_msg ("%s", pf_player_get_error (player));
  assert_int_equal (pf_player_get_step (player), (int) pf_player_get_n_steps (player) - 1);
  assert_int_equal (pf_engine_get_n_failures (pf_player_get_engine (player)), 0);
}

static void
soak (PfNetspaceMode mode,
      guint          runs)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (SCENARIO_TEXT, sizeof SCENARIO_TEXT - 1);
  g_autoptr(PfScenario) scenario = NULL;
  g_autoptr(GError) error = NULL;
  Usage before, after, empty;
  PfPlayer *player;
  gint64 start;

  scenario = pf_scenario_load_bytes (bytes, "soak.pflow.json", &error);
  if (scenario == NULL)
    fail_msg ("%s", error->message);

  /* A first run starts what GLib starts once per process (its worker
   * thread and that thread's wakeup descriptor): then unloaded, what a
   * window without a scenario holds. */
  player = pf_player_new ();
  assert_true (pf_player_load (player, scenario, mode, &error));
  assert_int_equal (pf_netspace_get_mode (pf_engine_get_netspace (pf_player_get_engine (player))),
                    mode);
  play_once (player);
  pf_player_unload (player);
  empty = measure (NULL);

  assert_true (pf_player_load (player, scenario, mode, &error));
  for (guint i = 0; i < WARM_UP; i++)
    play_once (player);
  before = measure (NULL);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < runs; i++)
    play_once (player);
  after = measure (&before);

  print_message ("# %s: %u runs in %.1f s; fds %u → %u, threads %u → %u, children %u → %u, "
                 "resident %.2f → %.2f MiB, heap %.1f → %.1f KiB\n",
                 pf_netspace_mode_to_string (mode), runs,
                 (g_get_monotonic_time () - start) / 1e6,
                 before.fds, after.fds, before.threads, after.threads,
                 before.children, after.children,
                 before.rss / 1048576.0, after.rss / 1048576.0,
                 before.heap / 1024.0, after.heap / 1024.0);

  assert_int_equal (after.fds, before.fds);
  assert_int_equal (after.threads, before.threads);
  assert_int_equal (after.children, before.children);
  if (!UNDER_ASAN)
    {
      assert_true (after.rss < before.rss + RSS_BOUND);
      assert_true (after.heap < before.heap + HEAP_BOUND);
    }

  /* Unloaded, the player gives back every descriptor, thread and child. */
  pf_player_unload (player);
  g_object_unref (player);
  after = measure (&empty);
  assert_int_equal (after.fds, empty.fds);
  assert_int_equal (after.threads, empty.threads);
  assert_int_equal (after.children, empty.children);
}

static void
test_soak_loopback (void **state)
{
  soak (PF_NETSPACE_MODE_LOOPBACK, LOOPBACK_RUNS);
}

static void
test_soak_exact (void **state)
{
  soak (PF_NETSPACE_MODE_EXACT, EXACT_RUNS);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_soak_loopback),
    cmocka_unit_test (test_soak_exact),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
