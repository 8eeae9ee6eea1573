/* test-isolation.c: nothing outside the scenario is reachable from a host
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Exact mode gives each host a network namespace with lo and its veth
 * ends only, and no route out: a socket made there cannot reach this
 * computer's 127.0.0.1 (it is the namespace's own lo), nor any of this
 * computer's other addresses, nor anything else. And nothing is said on
 * the wire unasked: no IPv6 at all.
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
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "pf-netspace.h"
#include "pf-test-netspace.h"


/* A listener out here, on every address of this computer. */
static int
outside_listener (guint16 *out_port)
{
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_ANY) };
  socklen_t len = sizeof sin;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  assert_true (fd >= 0);
  assert_int_equal (bind (fd, (struct sockaddr *) &sin, sizeof sin), 0);
  assert_int_equal (listen (fd, 8), 0);
  assert_int_equal (getsockname (fd, (struct sockaddr *) &sin, &len), 0);
  *out_port = ntohs (sin.sin_port);
  return fd;
}

/* Connects without blocking from host A's address to @target:@port and
 * waits 300 ms. Returns 0 if it connected, else the error it has (or
 * ETIMEDOUT if it is still trying). */
static int
try_connect (PfNetspace *netspace,
             PfIpv4      target,
             guint16     port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) client = NULL;
  struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons (port),
                             .sin_addr.s_addr = htonl (target) };
  struct pollfd pfd;
  int so_error = 0;
  socklen_t len = sizeof so_error;

  client = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM, pf_test_ip ("10.0.0.1"),
                                      0, &error);
  pf_test_assert_no_error (error);
  pfd = (struct pollfd) { g_socket_get_fd (client), POLLOUT, 0 };

  if (connect (pfd.fd, (struct sockaddr *) &sin, sizeof sin) == 0)
    return 0;
  if (errno != EINPROGRESS)
    return errno;
  if (poll (&pfd, 1, 300) == 0)
    return ETIMEDOUT;
  assert_int_equal (getsockopt (pfd.fd, SOL_SOCKET, SO_ERROR, &so_error, &len), 0);
  return so_error;
}

static void
test_no_way_out (void **state)
{
  g_autoptr(PfNetspace) netspace = pft_new_two_hosts ();
  g_autoptr(GArray) targets = g_array_new (FALSE, FALSE, sizeof (PfIpv4));
  struct ifaddrs *addresses = NULL;
  guint16 port;
  int listener = outside_listener (&port);
  PfIpv4 target;
  int result;

  /* The test itself reaches its listener, so the listener is there. */
  {
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons (port),
                               .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };

    assert_int_equal (connect (fd, (struct sockaddr *) &sin, sizeof sin), 0);
    close (fd);
  }

  /* 127.0.0.1 from host A is A's own lo, where nothing listens. */
  result = try_connect (netspace, pf_test_ip ("127.0.0.1"), port);
  assert_int_equal (result, ECONNREFUSED);

  /* Every other address of this computer, and one of nobody's (under
   * `unshare -n` this computer has no other): nothing answers. */
  assert_int_equal (getifaddrs (&addresses), 0);
  for (struct ifaddrs *a = addresses; a != NULL; a = a->ifa_next)
    {
      if (a->ifa_addr == NULL || a->ifa_addr->sa_family != AF_INET)
        continue;
      target = ntohl (((struct sockaddr_in *) a->ifa_addr)->sin_addr.s_addr);
      if ((target >> 24) != 127)
        g_array_append_val (targets, target);
    }
  freeifaddrs (addresses);
  target = pf_test_ip ("192.0.2.1");
  g_array_append_val (targets, target);

  for (guint i = 0; i < targets->len; i++)
    {
      char text[PF_IPV4_STRLEN];

      target = g_array_index (targets, PfIpv4, i);
      pf_ipv4_format (target, text);
      result = try_connect (netspace, target, port);
      print_message ("# %s from a host: %s\n", text, g_strerror (result));
      assert_int_not_equal (result, 0);
    }

  close (listener);
}

/* A host's interfaces: lo and eth0, nothing else. */
static void
test_only_lo_and_eth (void **state)
{
  g_autoptr(PfNetspace) netspace = pft_new_two_hosts ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GString) names = g_string_new (NULL);
  struct ifreq requests[16];
  struct ifconf conf = { .ifc_len = sizeof requests, .ifc_req = requests };
  int fd;

  socket = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_DATAGRAM, pf_test_ip ("10.0.0.2"),
                                      0, &error);
  pf_test_assert_no_error (error);
  fd = g_socket_get_fd (socket);

  /* Every interface by index, addresses or not. */
  for (int index = 1; index < 64; index++)
    {
      struct ifreq ifr = { .ifr_ifindex = index };

      if (ioctl (fd, SIOCGIFNAME, &ifr) == 0)
        g_string_append_printf (names, "%s%s", names->len > 0 ? " " : "", ifr.ifr_name);
    }
  assert_string_equal (names->str, "lo eth0");

  /* And those with an IPv4 address: lo's 127.0.0.1, eth0's 10.0.0.2. */
  assert_int_equal (ioctl (fd, SIOCGIFCONF, &conf), 0);
  assert_int_equal (conf.ifc_len, 2 * sizeof (struct ifreq));
  assert_string_equal (requests[0].ifr_name, "lo");
  assert_string_equal (requests[1].ifr_name, "eth0");
  assert_int_equal (ntohl (((struct sockaddr_in *) &requests[1].ifr_addr)->sin_addr.s_addr),
                    pf_test_ip ("10.0.0.2"));
}

/* A second of quiet on the wire: no IPv6 frame (router solicitation,
 * MLD report, DAD) ever reaches a port. */
static void
test_no_ipv6 (void **state)
{
  g_autoptr(PfNetspace) netspace = pft_new_two_hosts ();
  PftWire wire;

  pft_wire_init (&wire, netspace);
  pft_wire_run (&wire, 1000, NULL, NULL, NULL, NULL);

  for (guint i = 0; i < wire.frames->len; i++)
    assert_int_not_equal (pft_ethertype (&g_array_index (wire.frames, PftFrame, i)), 0x86dd);
  print_message ("# %u frames in a second of quiet\n", wire.frames->len);
  assert_int_equal (wire.frames->len, 0);

  pft_wire_clear (&wire);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_no_way_out),
    cmocka_unit_test (test_only_lo_and_eth),
    cmocka_unit_test (test_no_ipv6),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
