/* pf-test-util.c: what the C tests share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "pf-test-util.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <gobject/gvaluecollector.h>

#include "pf-builtin.h"

/* Waiting */

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until @done holds, for at most @timeout_s. The
 * wake-up lets a wait that nothing ends fail at its time instead of
 * blocking until meson's own timeout kills the test. */
void
pf_test_iterate_until_at (PfTestCondition  done,
                          gpointer         data,
                          guint            timeout_s,
                          const char      *what,
                          const char      *file,
                          int              line)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;
  guint wake = g_timeout_add (100, wake_up, NULL);

  while (!done (data))
    {
      if (g_get_monotonic_time () >= deadline)
        {
          g_source_remove (wake);
          print_error ("ERROR: %s did not hold within %u s\n", what, timeout_s);
          _fail (file, line);
          return;
        }
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (wake);
}

/* Runs what is ready on the main loop (idles, results of finished work,
 * a frame that is due: the widgets lay out and draw what changed)
 * without waiting for more. At most 100 dispatches, so that a source
 * that is always ready cannot hold a test. */
void
pf_test_settle (void)
{
  for (guint i = 0; i < 100 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
}

/* Conditions for pf_test_iterate_until (): a weak pointer that was
 * cleared, an out-argument that was set, a flag that was raised. */
gboolean
pf_test_is_null (gpointer pointer_to_pointer)
{
  return *(gpointer *) pointer_to_pointer == NULL;
}

gboolean
pf_test_is_set (gpointer pointer_to_pointer)
{
  return *(gpointer *) pointer_to_pointer != NULL;
}

gboolean
pf_test_is_true (gpointer pointer_to_boolean)
{
  return *(gboolean *) pointer_to_boolean;
}

gboolean
pf_test_player_is_idle (gpointer player)
{
  return !pf_player_get_busy (player);
}

/* A player with @scenario loaded in @mode. */
PfPlayer *
pf_test_player_new (PfScenario     *scenario,
                    PfNetspaceMode  mode)
{
  g_autoptr(GError) error = NULL;
  PfPlayer *player = pf_player_new ();

  assert_non_null (scenario);
  if (!pf_player_load (player, scenario, mode, &error))
    fail_msg ("%s", error->message);
  assert_null (error);
  return player;
}

/* A player with the built-in scenario @name loaded in @mode. */
PfPlayer *
pf_test_player_new_builtin (const char     *name,
                            PfNetspaceMode  mode)
{
  g_autoptr(PfScenario) scenario = pf_builtin_load (name, NULL);

  return pf_test_player_new (scenario, mode);
}

/* A player for a scenario file of the source tree, @relative_path under
 * $PACKETFLOW_SOURCE_DIR ("tests/scenarios/icmp-unreachable.pflow.json"). */
PfPlayer *
pf_test_player_new_file (const char     *relative_path,
                         PfNetspaceMode  mode)
{
  const char *dir = g_getenv ("PACKETFLOW_SOURCE_DIR");
  g_autofree char *path = NULL;
  g_autoptr(PfScenario) scenario = NULL;
  g_autoptr(GError) error = NULL;

  if (dir == NULL)
    fail_msg ("PACKETFLOW_SOURCE_DIR must name the source tree");
  path = g_build_filename (dir, relative_path, NULL);
  scenario = pf_scenario_load_file (path, &error);
  if (scenario == NULL)
    fail_msg ("%s", error->message);
  return pf_test_player_new (scenario, mode);
}

/* An engine step */

static void
on_step_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  PfTestStep *step = user_data;

  step->ok = pf_engine_step_finish (PF_ENGINE (object), result, &step->error);
  step->done = TRUE;
}

/* Starts @engine's next step; @step is done when it has finished. */
void
pf_test_step_start (PfTestStep *step,
                    PfEngine   *engine)
{
  *step = (PfTestStep) { 0 };
  pf_engine_step_async (engine, NULL, on_step_done, step);
}

gboolean
pf_test_step_is_done (gpointer step)
{
  return ((PfTestStep *) step)->done;
}

/* What the process holds */

static guint
count_entries (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  assert_non_null (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

guint
pf_test_count_fds (void)
{
  return count_entries ("/proc/self/fd");
}

guint
pf_test_count_threads (void)
{
  return count_entries ("/proc/self/task");
}

/* Every thread's child processes, zombies included (a helper not reaped
 * counts), from /proc: their pids, separated by spaces; "" when there is
 * none. */
char *
pf_test_list_children (void)
{
  g_autoptr(GDir) tasks = g_dir_open ("/proc/self/task", 0, NULL);
  GString *children = g_string_new (NULL);
  const char *task;

  assert_non_null (tasks);
  while ((task = g_dir_read_name (tasks)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/task/%s/children", task);
      g_autofree char *contents = NULL;

      if (!g_file_get_contents (path, &contents, NULL, NULL) || *g_strstrip (contents) == '\0')
        continue;
      if (children->len > 0)
        g_string_append_c (children, ' ');
      g_string_append (children, contents);
    }
  return g_string_free (children, FALSE);
}

guint
pf_test_count_children (void)
{
  g_autofree char *children = pf_test_list_children ();
  g_auto(GStrv) pids = g_strsplit (children, " ", -1);
  guint n = 0;

  for (guint i = 0; pids[i] != NULL; i++)
    n += *pids[i] != '\0';
  return n;
}

static gboolean
counts_are (guint fds,
            guint children)
{
  return (fds == PF_TEST_ANY || pf_test_count_fds () == fds) &&
         pf_test_count_children () == children;
}

/* Asserts the counts of descriptors (unless PF_TEST_ANY) and of child
 * processes, once they are those or @timeout_s has passed: they settle
 * a moment after a run, when GLib's worker thread has closed the pidfd
 * that watched a helper and reaped it. Polled, as that thread does not
 * wake the main loop when it closes a descriptor. */
void
pf_test_wait_for_counts_at (guint       fds,
                            guint       children,
                            guint       timeout_s,
                            const char *file,
                            int         line)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;

  while (!counts_are (fds, children) && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  if (fds != PF_TEST_ANY)
    _assert_int_equal (pf_test_count_fds (), fds, file, line);
  _assert_int_equal (pf_test_count_children (), children, file, line);
}

/* Sockets and bytes */

void
pf_test_assert_no_error_at (const GError *error,
                            const char   *file,
                            int           line)
{
  if (error != NULL)
    {
      print_error ("ERROR: unexpected error: %s\n", error->message);
      _fail (file, line);
      return;
    }
}

void
pf_test_assert_bytes_at (GBytes        *bytes,
                         gconstpointer  expected,
                         gsize          len,
                         const char    *file,
                         int            line)
{
  gsize size;
  gconstpointer data;

  _assert_true (bytes != NULL, "bytes != NULL", file, line);
  data = g_bytes_get_data (bytes, &size);
  _assert_int_equal (size, len, file, line);
  _assert_memory_equal (data, expected, len, file, line);
}

PfIpv4
pf_test_ip (const char *text)
{
  PfIpv4 address = 0;

  assert_true (pf_ipv4_parse (text, &address));
  return address;
}

GSocketAddress *
pf_test_socket_address (PfIpv4  address,
                        guint16 port)
{
  guint8 bytes[4] = { address >> 24, address >> 16, address >> 8, address };
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_bytes (bytes, G_SOCKET_FAMILY_IPV4);

  return g_inet_socket_address_new (inet, port);
}

PfEndpoint
pf_test_endpoint_of (GSocketAddress *address)
{
  GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (address);
  GInetAddress *host = g_inet_socket_address_get_address (inet);
  const guint8 *bytes;

  assert_int_equal (g_inet_address_get_family (host), G_SOCKET_FAMILY_IPV4);
  bytes = g_inet_address_to_bytes (host);
  return (PfEndpoint) {
    .address = ((PfIpv4) bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3],
    .port = g_inet_socket_address_get_port (inet),
  };
}

/* Blocking, for a test that reads and writes in line, with a timeout of
 * 5 s so that a read that nothing answers fails instead of hanging. */
void
pf_test_make_blocking (GSocket *socket)
{
  g_socket_set_blocking (socket, TRUE);
  g_socket_set_timeout (socket, 5);
}

/* Property notifications */

static void
on_notify (GObject      *object,
           GParamSpec   *pspec,
           PfTestNotify *watch)
{
  watch->count++;
}

/* Counts @object's notifications of @property in @watch->count, until
 * pf_test_notify_clear (). */
void
pf_test_notify_watch (PfTestNotify *watch,
                      gpointer      object,
                      const char   *property)
{
  g_autofree char *signal = g_strdup_printf ("notify::%s", property);

  *watch = (PfTestNotify) { 0 };
  g_set_weak_pointer (&watch->object, object);
  watch->handler = g_signal_connect (object, signal, G_CALLBACK (on_notify), watch);
}

void
pf_test_notify_clear (PfTestNotify *watch)
{
  if (watch->object != NULL)
    g_clear_signal_handler (&watch->handler, watch->object);
  g_clear_weak_pointer (&watch->object);
  watch->handler = 0;
}

static void
expect_notified (PfTestNotify *watch,
                 guint         count,
                 const char   *property,
                 const char   *after,
                 const char   *file,
                 int           line)
{
  if (watch->count == count)
    return;
  print_error ("ERROR: %s:%s notified %u times, not %u, %s\n",
               G_OBJECT_TYPE_NAME (watch->object), property, watch->count, count, after);
  pf_test_notify_clear (watch);
  _fail (file, line);
}

void
pf_test_property_notify_at (const char *file,
                            int         line,
                            gpointer    object,
                            const char *property,
                            ...)
{
  g_auto(GValue) now = G_VALUE_INIT;
  g_auto(GValue) first = G_VALUE_INIT;
  g_auto(GValue) second = G_VALUE_INIT;
  g_auto(PfTestNotify) watch = { 0 };
  g_autofree char *error = NULL;
  GParamSpec *pspec;
  va_list args;

  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (object), property);
  if (pspec == NULL || !(pspec->flags & G_PARAM_EXPLICIT_NOTIFY))
    {
      print_error ("ERROR: %s:%s %s\n", G_OBJECT_TYPE_NAME (object), property,
                   pspec == NULL ? "does not exist" : "is not G_PARAM_EXPLICIT_NOTIFY");
      _fail (file, line);
      return;
    }

  va_start (args, property);
  G_VALUE_COLLECT_INIT (&first, pspec->value_type, args, 0, &error);
  if (error == NULL)
    G_VALUE_COLLECT_INIT (&second, pspec->value_type, args, 0, &error);
  va_end (args);
  if (error != NULL)
    {
      print_error ("ERROR: values for %s: %s\n", property, error);
      _fail (file, line);
      return;
    }

  g_value_init (&now, pspec->value_type);
  g_object_get_property (object, property, &now);
  if (g_param_values_cmp (pspec, &now, &first) == 0 ||
      g_param_values_cmp (pspec, &first, &second) == 0)
    {
      print_error ("ERROR: %s:%s: the first value must differ from the property's and from "
                   "the second\n", G_OBJECT_TYPE_NAME (object), property);
      _fail (file, line);
      return;
    }

  pf_test_notify_watch (&watch, object, property);
  g_object_set_property (object, property, &first);
  expect_notified (&watch, 1, property, "when set to a new value", file, line);
  watch.count = 0;
  g_object_set_property (object, property, &first);
  expect_notified (&watch, 0, property, "when set to the value it had", file, line);
  g_object_set_property (object, property, &second);
  expect_notified (&watch, 1, property, "when set to another new value", file, line);
}
