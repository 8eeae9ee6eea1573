/* test-only-loopback.c: the app listens nowhere but its own network
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every built-in scenario runs in both modes, one step at a time, and
 * every socket this process holds is inspected before the first step,
 * after each one, and every millisecond while a step runs (walking
 * /proc/self/fd: the engine's sockets are this process's descriptors):
 *
 *  - exact mode: no socket lives in this process's own network namespace
 *    (the namespace's cookie, SO_NETNS_COOKIE, and its inode, through
 *    SIOCGSKNS, compared with this process's and the helper's); the
 *    wire's packet sockets live in the helper's namespace, which holds
 *    the wire's ends; every IPv4 socket lives in the namespace of the
 *    host whose address it is bound to, one namespace per host, never
 *    the helper's, and talks only to the scenario's hosts; the socket
 *    tables live in hosts' namespaces;
 *  - loopback mode: every IPv4 socket is bound in 127.0.0.0/8 and talks
 *    only to 127.0.0.0/8, and there is no capture.
 *
 * Anything else (a wildcard bind, IPv6, a packet socket where it has no
 * business) fails the test. A check that saw no socket would prove
 * nothing, so each run must show its sockets to the inspection.
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
#include <linux/sockios.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf-builtin.h"
#include "pf-engine.h"
#include "pf-netspace-namespace.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#define STEP_LIMIT_S 30

typedef struct
{
  const char     *scenario;
  PfNetspaceMode  mode;
  PfEngine       *engine;
  guint64         own_cookie;    /* this process's network namespace */
  ino_t           own_inode;
  guint64         wire_cookie;   /* exact mode: the helper's, the first seen */
  GHashTable     *host_cookies;  /* exact mode: PfHost* → its namespace's cookie */
  ino_t           helper_inode;  /* exact mode: the helper's, 0 if unknown */
  GString        *violations;
  guint           n_inspections;
  guint           n_inet;        /* IPv4 sockets seen, all inspections */
  guint           n_packet;
} Inspector;

static guint64
netns_cookie (int fd)
{
  guint64 cookie = 0;
  socklen_t len = sizeof cookie;

  if (getsockopt (fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) != 0)
    return 0;
  return cookie;
}

/* The inode of the socket's network namespace, 0 if it cannot be had
 * (SIOCGSKNS needs CAP_NET_ADMIN over the namespace: this process has it
 * over the helper's, which its own user made, not over its own). */
static ino_t
netns_inode (int fd)
{
  struct stat st;
  int ns = ioctl (fd, SIOCGSKNS);
  ino_t inode = 0;

  if (ns < 0)
    return 0;
  if (fstat (ns, &st) == 0)
    inode = st.st_ino;
  close (ns);
  return inode;
}

static gboolean
is_loopback (guint32 address)
{
  return (address >> 24) == 127;
}

static gboolean
is_host_address (Inspector *self,
                 guint32    address)
{
  /* Any interface's: a router has one on each of its links. */
  return pf_scenario_find_interface (pf_engine_get_scenario (self->engine), address) != NULL;
}

static void G_GNUC_PRINTF (3, 4)
violation (Inspector  *self,
           int         fd,
           const char *format,
           ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  /* One line per kind of trouble is enough to read. */
  if (self->violations->len < 4000)
    g_string_append_printf (self->violations, "  %s, %s mode, step %d, fd %d: %s\n",
                            self->scenario, pf_netspace_mode_to_string (self->mode),
                            pf_engine_get_next_step (self->engine), fd, text);
}

/* Not in this process's own namespace. Returns the socket's namespace
 * cookie, 0 when it cannot be had. */
static guint64
check_private (Inspector  *self,
               int         fd,
               const char *what,
               ino_t      *out_inode)
{
  guint64 cookie = netns_cookie (fd);
  ino_t inode = netns_inode (fd);

  *out_inode = inode;
  if (cookie == 0 && inode == 0)
    {
      violation (self, fd, "%s: its network namespace cannot be told", what);
      return 0;
    }
  if (cookie != 0 && cookie == self->own_cookie)
    violation (self, fd, "%s is in this process's own network namespace", what);
  if (inode != 0 && inode == self->own_inode)
    violation (self, fd, "%s is in this process's own network namespace (inode)", what);
  return cookie;
}

/* A port of the wire: in the helper's namespace, with the veths' ends. */
static void
check_in_wire (Inspector  *self,
               int         fd,
               const char *what)
{
  ino_t inode;
  guint64 cookie = check_private (self, fd, what, &inode);

  if (inode != 0 && self->helper_inode != 0 && inode != self->helper_inode)
    violation (self, fd, "%s is in a namespace that is not the helper's", what);
  if (cookie != 0)
    {
      if (self->wire_cookie == 0)
        self->wire_cookie = cookie;
      else if (cookie != self->wire_cookie)
        violation (self, fd, "%s is in a second wire namespace", what);
    }
}

/* A host's socket: in that host's namespace, which no other host and not
 * the wire shares. @host is NULL for the socket table, whose host the
 * socket does not tell. */
static void
check_in_host (Inspector    *self,
               int           fd,
               const char   *what,
               const PfHost *host)
{
  ino_t inode;
  guint64 cookie = check_private (self, fd, what, &inode);
  GHashTableIter iter;
  gpointer key, value;

  if (inode != 0 && self->helper_inode != 0 && inode == self->helper_inode)
    violation (self, fd, "%s is in the helper's namespace, where only the wire is", what);
  if (cookie == 0 || host == NULL)
    return;

  g_hash_table_iter_init (&iter, self->host_cookies);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      guint64 seen = *(guint64 *) value;

      if (key == host && seen != cookie)
        violation (self, fd, "%s of host %s is in a second namespace", what, host->id);
      if (key != host && seen == cookie)
        violation (self, fd, "%s of host %s is in host %s's namespace", what, host->id,
                   ((PfHost *) key)->id);
    }
  if (!g_hash_table_contains (self->host_cookies, host))
    g_hash_table_insert (self->host_cookies, (gpointer) host, g_memdup2 (&cookie, sizeof cookie));
}

static void
check_inet (Inspector *self,
            int        fd)
{
  struct sockaddr_in local = { 0 }, remote = { 0 };
  socklen_t local_len = sizeof local, remote_len = sizeof remote;
  char local_text[INET_ADDRSTRLEN] = "?", remote_text[INET_ADDRSTRLEN] = "?";
  guint32 local_address, remote_address = 0;
  gboolean connected;

  if (getsockname (fd, (struct sockaddr *) &local, &local_len) != 0)
    {
      violation (self, fd, "getsockname: %s", g_strerror (errno));
      return;
    }
  connected = getpeername (fd, (struct sockaddr *) &remote, &remote_len) == 0;
  local_address = ntohl (local.sin_addr.s_addr);
  if (connected)
    remote_address = ntohl (remote.sin_addr.s_addr);
  inet_ntop (AF_INET, &local.sin_addr, local_text, sizeof local_text);
  inet_ntop (AF_INET, &remote.sin_addr, remote_text, sizeof remote_text);
  self->n_inet++;

  if (self->mode == PF_NETSPACE_MODE_EXACT)
    {
      const PfInterface *iface =
        pf_scenario_find_interface (pf_engine_get_scenario (self->engine), local_address);

      check_in_host (self, fd, "an IPv4 socket", iface != NULL ? iface->host : NULL);
      if (!is_host_address (self, local_address))
        violation (self, fd, "bound to %s:%u, not a host of the scenario",
                   local_text, ntohs (local.sin_port));
      if (connected && !is_host_address (self, remote_address))
        violation (self, fd, "connected to %s, not a host of the scenario", remote_text);
      return;
    }

  if (!is_loopback (local_address))
    violation (self, fd, "bound to %s:%u, outside 127.0.0.0/8", local_text, ntohs (local.sin_port));
  if (connected && !is_loopback (remote_address))
    violation (self, fd, "connected to %s, outside 127.0.0.0/8", remote_text);
}

static void
inspect (Inspector *self)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;

  assert_non_null (dir);
  self->n_inspections++;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      int fd = atoi (name);
      int domain = -1;
      socklen_t len = sizeof domain;
      struct stat st;

      if (fstat (fd, &st) != 0 || !S_ISSOCK (st.st_mode))
        continue;
      if (getsockopt (fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0)
        {
          violation (self, fd, "a socket whose family cannot be read");
          continue;
        }

      switch (domain)
        {
        case AF_INET:
          check_inet (self, fd);
          break;

        case AF_PACKET:
          self->n_packet++;
          if (self->mode == PF_NETSPACE_MODE_EXACT)
            check_in_wire (self, fd, "a port of the wire");
          else
            violation (self, fd, "a packet socket in loopback mode");
          break;

        case AF_NETLINK:
          /* The socket table: a host's in exact mode; this computer's
           * own, read only, in loopback mode. */
          if (self->mode == PF_NETSPACE_MODE_EXACT)
            check_in_host (self, fd, "a socket table", NULL);
          break;

        case AF_UNIX:
          break;   /* the helper's control socket: not a network */

        default:
          violation (self, fd, "a socket of family %d", domain);
          break;
        }
    }
}

static void
run_step (Inspector *self)
{
  PfTestStep step;
  gint64 deadline = g_get_monotonic_time () + STEP_LIMIT_S * G_USEC_PER_SEC;

  /* Sockets are made only in the engine's calls and callbacks: looking
   * after each of them sees every one. (A timer for it could starve the
   * engine's own sources whenever a look took longer than its period.) */
  pf_test_step_start (&step, self->engine);
  inspect (self);
  while (!step.done)
    {
      if (g_get_monotonic_time () > deadline)
        fail_msg ("%s: a step did not end within %d s", self->scenario, STEP_LIMIT_S);
      g_main_context_iteration (NULL, TRUE);
      inspect (self);
    }
  pf_test_settle ();

  if (step.error != NULL)
    fail_msg ("%s, %s mode: %s", self->scenario, pf_netspace_mode_to_string (self->mode),
              step.error->message);
  inspect (self);
}

static void
run_inspected (Inspector      *self,
               const char     *name,
               PfNetspaceMode  mode)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfEngine) engine = NULL;
  PfScenario *scenario = pf_builtin_load (name, &error);
  guint n_inet = self->n_inet;

  if (scenario == NULL)
    fail_msg ("%s: %s", name, error->message);

  self->scenario = name;
  self->mode = mode;
  self->wire_cookie = 0;
  g_clear_pointer (&self->host_cookies, g_hash_table_unref);
  self->host_cookies = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->helper_inode = 0;
  engine = pf_engine_new (scenario, mode);
  self->engine = engine;
  if (!pf_engine_start (engine, &error))
    fail_msg ("%s, %s mode: %s", name, pf_netspace_mode_to_string (mode), error->message);
  assert_int_equal (pf_netspace_get_mode (pf_engine_get_netspace (engine)), mode);

  if (mode == PF_NETSPACE_MODE_EXACT)
    {
      PfNetspace *netspace = pf_engine_get_netspace (engine);
      GPid pid = pf_netspace_namespace_get_helper_pid (PF_NETSPACE_NAMESPACE (netspace));
      g_autofree char *path = g_strdup_printf ("/proc/%d/ns/net", (int) pid);
      struct stat st;

      if (stat (path, &st) == 0)
        {
          self->helper_inode = st.st_ino;
          assert_true (self->helper_inode != self->own_inode);
        }
    }

  inspect (self);
  while (!pf_engine_is_finished (engine))
    run_step (self);

  /* Not one inspection without the run's sockets in it. */
  assert_true (self->n_inet > n_inet);
  self->engine = NULL;
}

static void
assert_only_here (PfNetspaceMode mode)
{
  g_autoptr(GPtrArray) names = pf_builtin_list ();
  Inspector self = { 0 };
  struct stat st;
  int probe;

  /* This process's own network namespace. */
  probe = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  assert_true (probe >= 0);
  self.own_cookie = netns_cookie (probe);
  close (probe);
  assert_int_equal (stat ("/proc/self/ns/net", &st), 0);
  self.own_inode = st.st_ino;
  self.violations = g_string_new (NULL);

  assert_true (names->len > 0);
  for (guint i = 0; i < names->len; i++)
    run_inspected (&self, g_ptr_array_index (names, i), mode);

  print_message ("# %s mode: %u scenarios, %u inspections, %u IPv4 and %u packet sockets seen\n",
                 pf_netspace_mode_to_string (mode), names->len, self.n_inspections,
                 self.n_inet, self.n_packet);
  if (mode == PF_NETSPACE_MODE_EXACT)
    assert_true (self.n_packet > 0);   /* the wire's ports were inspected too */
  if (self.violations->len > 0)
    fail_msg ("sockets outside where they belong:\n%s", self.violations->str);
  g_string_free (self.violations, TRUE);
  g_clear_pointer (&self.host_cookies, g_hash_table_unref);
}

static void
test_exact_only_in_namespace (void **state)
{
  assert_only_here (PF_NETSPACE_MODE_EXACT);
}

static void
test_loopback_only_in_127 (void **state)
{
  assert_only_here (PF_NETSPACE_MODE_LOOPBACK);
}

/* The inspection itself: it sees a socket bound outside 127.0.0.0/8 and
 * one in this process's namespace where exact mode wants the private
 * one, so a pass above means something. */
static void
test_inspection_catches_strays (void **state)
{
  g_autoptr(PfScenario) scenario = pf_builtin_load ("web", NULL);
  g_autoptr(PfEngine) engine = pf_engine_new (pf_scenario_ref (scenario), PF_NETSPACE_MODE_LOOPBACK);
  struct sockaddr_in any = { .sin_family = AF_INET };
  Inspector self = { .engine = engine, .scenario = "stray", .violations = g_string_new (NULL) };
  struct stat st;
  int stray = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  assert_true (stray >= 0);
  assert_int_equal (bind (stray, (struct sockaddr *) &any, sizeof any), 0);
  self.own_cookie = netns_cookie (stray);
  assert_int_equal (stat ("/proc/self/ns/net", &st), 0);
  self.own_inode = st.st_ino;

  self.mode = PF_NETSPACE_MODE_LOOPBACK;
  inspect (&self);
  assert_non_null (strstr (self.violations->str, "bound to 0.0.0.0"));
  g_string_truncate (self.violations, 0);

  self.mode = PF_NETSPACE_MODE_EXACT;
  inspect (&self);
  assert_non_null (strstr (self.violations->str, "in this process's own network namespace"));
  assert_non_null (strstr (self.violations->str, "not a host of the scenario"));

  close (stray);
  g_string_free (self.violations, TRUE);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_inspection_catches_strays),
    cmocka_unit_test (test_exact_only_in_namespace),
    cmocka_unit_test (test_loopback_only_in_127),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
