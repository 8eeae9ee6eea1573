/* test-netspace.c: exact and loopback netspaces, the helper, fallback
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The exact-mode tests need user namespaces (they work on Debian 12, for
 * root and for ordinary users) and find packetflow-netns-helper through
 * PACKETFLOW_NETNS_HELPER, which meson sets to the built helper. The
 * "refused" test needs unshare(1) from util-linux.
 */

#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pf-test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <linux/netlink.h>
#include <netinet/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "pf-netns-protocol.h"
#include "pf-netspace.h"
#include "pf-netspace-loopback.h"
#include "pf-netspace-namespace.h"
#include "pf-test-netspace.h"

#define FALLBACK_TAIL ", so Packet Flow uses loopback addresses and models the segments."

/* The helper under test: PACKETFLOW_NETNS_HELPER as the test started. */
static char *real_helper;

static PfEndpoint
local_endpoint (GSocket *socket)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = g_socket_get_local_address (socket, &error);

  pf_test_assert_no_error (error);
  return pf_test_endpoint_of (address);
}

static PfEndpoint
remote_endpoint (GSocket *socket)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = g_socket_get_remote_address (socket, &error);

  pf_test_assert_no_error (error);
  return pf_test_endpoint_of (address);
}

/* What the kernel reports, in the scenario's terms. */
static PfEndpoint
unmapped (PfNetspace *netspace,
          PfEndpoint  real)
{
  return (PfEndpoint) {
    .address = pf_netspace_unmap_address (netspace, real.address),
    .port = pf_netspace_unmap_port (netspace, real.port),
  };
}

/* GLib's worker thread lets go of a few descriptors of its own (the
 * pidfd that watched a child, a finished wait's main context) a moment
 * after the fact; count once the number holds still. */
static guint
count_settled_fds (void)
{
  guint last = pf_test_count_fds ();
  guint same = 0;

  for (guint i = 0; i < 200 && same < 5; i++)
    {
      guint now;

      g_usleep (10 * 1000);
      pf_test_settle ();
      now = pf_test_count_fds ();
      same = now == last ? same + 1 : 0;
      last = now;
    }

  return last;
}

static void
lost_cb (PfNetspace   *netspace,
         const GError *error,
         gpointer      user_data)
{
  GError **out_error = user_data;

  assert_null (*out_error);
  *out_error = g_error_copy (error);
}

typedef struct
{
  GSocket    *listener;
  GSocket    *client;
  GSocket    *accepted;
  PfEndpoint  client_endpoint; /* scenario terms */
} Connection;

static void
connection_clear (Connection *connection)
{
  g_clear_object (&connection->listener);
  g_clear_object (&connection->client);
  g_clear_object (&connection->accepted);
}

/* A client on @client_address:0 connects to a listener on
 * @server_address:@port and sends "hello"; what the kernel reports,
 * unmapped, is the scenario's addresses and ports. */
static void
exchange_hello (PfNetspace *netspace,
                PfIpv4      server_address,
                guint16     port,
                PfIpv4      client_address,
                Connection *connection)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) target = NULL;
  PfEndpoint server = { server_address, port };
  PfEndpoint endpoint;
  char buf[16] = { 0 };
  gssize len;

  connection->listener = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM,
                                                    server_address, port, &error);
  pf_test_assert_no_error (error);
  assert_false (g_socket_get_blocking (connection->listener));
  assert_true (g_socket_listen (connection->listener, &error));
  pf_test_assert_no_error (error);

  connection->client = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM,
                                                  client_address, 0, &error);
  pf_test_assert_no_error (error);
  assert_false (g_socket_get_blocking (connection->client));
  pf_test_make_blocking (connection->client);
  pf_test_make_blocking (connection->listener);

  target = pf_test_socket_address (pf_netspace_map_address (netspace, server_address),
                                   pf_netspace_map_port (netspace, port));
  assert_true (g_socket_connect (connection->client, target, NULL, &error));
  pf_test_assert_no_error (error);

  connection->accepted = g_socket_accept (connection->listener, NULL, &error);
  pf_test_assert_no_error (error);
  pf_test_make_blocking (connection->accepted);

  assert_int_equal (g_socket_send (connection->client, "hello", 5, NULL, &error), 5);
  pf_test_assert_no_error (error);
  len = g_socket_receive (connection->accepted, buf, sizeof buf, NULL, &error);
  pf_test_assert_no_error (error);
  assert_int_equal (len, 5);
  assert_string_equal (buf, "hello");

  endpoint = unmapped (netspace, local_endpoint (connection->client));
  assert_int_equal (endpoint.address, client_address);
  assert_int_not_equal (endpoint.port, 0);
  connection->client_endpoint = endpoint;

  endpoint = unmapped (netspace, remote_endpoint (connection->client));
  assert_true (pf_endpoint_equal (&endpoint, &server));

  endpoint = unmapped (netspace, local_endpoint (connection->accepted));
  assert_true (pf_endpoint_equal (&endpoint, &server));
  endpoint = unmapped (netspace, remote_endpoint (connection->accepted));
  assert_true (pf_endpoint_equal (&endpoint, &connection->client_endpoint));
}

static PfNetspace *
new_exact (const char * const *addresses)
{
  g_autoptr(GError) error = NULL;
  g_autofree PfIpv4 *list = NULL;
  guint n = g_strv_length ((char **) addresses);
  PfNetspace *netspace;

  list = g_new (PfIpv4, n);
  for (guint i = 0; i < n; i++)
    list[i] = pf_test_ip (addresses[i]);

  /* One host with every address: its sockets talk over its own lo. */
  netspace = pft_netspace_new_one (PF_NETSPACE_MODE_EXACT, list, n, NULL, &error);
  pf_test_assert_no_error (error);
  assert_non_null (netspace);
  assert_true (PF_IS_NETSPACE_NAMESPACE (netspace));
  return netspace;
}

static PfNetspace *
new_loopback (const PfIpv4 *addresses,
              guint         n_addresses)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  PfNetspace *netspace;

  /* Block 0, whoever holds it: the map's own rules, the same whatever
   * other runs are doing (test_loopback_side_by_side chooses blocks). */
  netspace = PF_NETSPACE (pf_netspace_loopback_new_in_block (addresses, n_addresses, 0, &error));
  pf_test_assert_no_error (error);
  assert_non_null (netspace);
  assert_null (reason);
  return netspace;
}

/* Mode names */

static void
test_mode_strings (void **state)
{
  static const PfNetspaceMode modes[] = {
    PF_NETSPACE_MODE_AUTO, PF_NETSPACE_MODE_EXACT, PF_NETSPACE_MODE_LOOPBACK,
  };
  PfNetspaceMode mode = PF_NETSPACE_MODE_EXACT;

  assert_string_equal (pf_netspace_mode_to_string (PF_NETSPACE_MODE_AUTO), "auto");
  assert_string_equal (pf_netspace_mode_to_string (PF_NETSPACE_MODE_EXACT), "exact");
  assert_string_equal (pf_netspace_mode_to_string (PF_NETSPACE_MODE_LOOPBACK), "loopback");

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      assert_true (pf_netspace_mode_from_string (pf_netspace_mode_to_string (modes[i]), &mode));
      assert_int_equal (mode, modes[i]);
    }

  mode = PF_NETSPACE_MODE_EXACT;
  assert_false (pf_netspace_mode_from_string ("Loopback", &mode));
  assert_false (pf_netspace_mode_from_string ("", &mode));
  assert_false (pf_netspace_mode_from_string (NULL, &mode));
  assert_int_equal (mode, PF_NETSPACE_MODE_EXACT);
}

/* Loopback maps */

static void
test_loopback_port_map (void **state)
{
  static const struct { guint16 scenario, real; } cases[] = {
    { 80, 8080 }, { 25, 8025 }, { 22, 8022 }, { 53, 8053 }, { 443, 8443 },
    { 1, 8001 }, { 1023, 9023 }, { 0, 0 }, { 1024, 1024 }, { 5000, 5000 },
    { 49152, 49152 }, { 65535, 65535 },
  };
  g_autoptr(PfNetspace) netspace = new_loopback (NULL, 0);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      assert_int_equal (pf_netspace_map_port (netspace, cases[i].scenario), cases[i].real);
      assert_int_equal (pf_netspace_unmap_port (netspace, cases[i].real), cases[i].scenario);
    }
}

static void
test_loopback_address_map (void **state)
{
  static const struct { const char *scenario, *real; } cases[] = {
    /* The first octet goes, the rest stays. */
    { "192.203.196.71", "127.203.196.71" },
    { "10.0.0.2", "127.0.0.2" },
    /* 10.0.0.2 has 127.0.0.2 already, so the next one after it. */
    { "172.0.0.2", "127.0.0.3" },
    /* 127.0.0.1 is the machine's own; 127.0.0.2 and .3 are taken;
     * 127.0.0.4 is 8.0.0.4's, free before collisions are settled. */
    { "10.0.0.1", "127.0.0.5" },
    { "8.0.0.4", "127.0.0.4" },
    /* Network and broadcast addresses of 127.0.0.0/8 are skipped too,
     * wrapping around the end of the block. */
    { "200.0.0.0", "127.0.0.6" },
    { "10.255.255.255", "127.0.0.7" },
    { "10.255.255.254", "127.255.255.254" },
    /* A scenario can use loopback addresses itself. */
    { "127.0.0.9", "127.0.0.9" },
  };
  PfIpv4 addresses[G_N_ELEMENTS (cases) + 1];
  g_autoptr(PfNetspace) netspace = NULL;
  g_autoptr(PfNetspace) again = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    addresses[i] = pf_test_ip (cases[i].scenario);
  /* A duplicate counts once. */
  addresses[G_N_ELEMENTS (cases)] = pf_test_ip ("10.0.0.2");

  netspace = new_loopback (addresses, G_N_ELEMENTS (addresses));
  again = new_loopback (addresses, G_N_ELEMENTS (addresses));

  assert_int_equal (pf_netspace_get_mode (netspace), PF_NETSPACE_MODE_LOOPBACK);
  assert_string_equal (pf_netspace_get_description (netspace),
                       "loopback: addresses mapped into 127.0.0.0/8");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      PfIpv4 real = pf_netspace_map_address (netspace, pf_test_ip (cases[i].scenario));
      g_autofree char *text = pf_ipv4_to_string (real);

      assert_string_equal (text, cases[i].real);
      assert_int_equal (pf_netspace_unmap_address (netspace, real), pf_test_ip (cases[i].scenario));
      /* Same list, same order: same map. */
      assert_int_equal (pf_netspace_map_address (again, pf_test_ip (cases[i].scenario)), real);
    }

  /* An address that is no host's is mapped by the rule, but never onto a
   * host's address, and comes back unchanged. */
  assert_int_equal (pf_netspace_map_address (netspace, pf_test_ip ("203.0.113.9")),
                    pf_test_ip ("127.0.113.9"));
  assert_int_equal (pf_netspace_map_address (netspace, pf_test_ip ("99.0.0.2")),
                    pf_test_ip ("127.0.0.8"));
  assert_int_equal (pf_netspace_unmap_address (netspace, pf_test_ip ("127.0.113.9")),
                    pf_test_ip ("127.0.113.9"));
}

static void
test_invalid_addresses (void **state)
{
  static const char *invalid[] = { "0.0.0.0", "0.1.2.3", "224.0.0.1", "255.255.255.255" };

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      PfNetspaceMode modes[] = { PF_NETSPACE_MODE_LOOPBACK, PF_NETSPACE_MODE_AUTO };
      PfIpv4 addresses[] = { pf_test_ip ("10.0.0.2"), pf_test_ip (invalid[i]) };

      for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
        {
          g_autoptr(GError) error = NULL;
          g_autofree char *reason = NULL;
          g_autofree char *expected = g_strdup_printf ("%s cannot be the address of a host.",
                                                       invalid[i]);
          PfNetspace *netspace;

          netspace = pft_netspace_new_one (modes[m], addresses, 2, &reason, &error);
          assert_null (netspace);
          assert_null (reason);
          assert_true (g_error_matches (error, PF_NETSPACE_ERROR,
                                        PF_NETSPACE_ERROR_INVALID_ADDRESS));
          assert_string_equal (error->message, expected);
        }
    }
}

/* Loopback sockets */

static void
test_loopback_sockets (void **state)
{
  PfIpv4 addresses[] = { pf_test_ip ("198.51.100.77"), pf_test_ip ("203.0.113.78") };
  g_autoptr(PfNetspace) netspace = new_loopback (addresses, G_N_ELEMENTS (addresses));
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) busy = NULL;
  g_autoptr(GSocket) capture = NULL;
  Connection connection = { 0 };
  PfEndpoint real;

  exchange_hello (netspace, addresses[0], 80, addresses[1], &connection);

  /* The kernel itself says 127.51.100.77:8080 and 127.0.113.78. */
  real = local_endpoint (connection.listener);
  assert_int_equal (real.address, pf_test_ip ("127.51.100.77"));
  assert_int_equal (real.port, 8080);
  real = local_endpoint (connection.client);
  assert_int_equal (real.address, pf_test_ip ("127.0.113.78"));

  /* A second listener on the same port is refused, in words. */
  busy = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM, addresses[0], 80, &error);
  assert_null (busy);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE));
  assert_string_equal (error->message,
                       "Port 80 on 198.51.100.77 is already in use "
                       "(it is port 8080 on 127.51.100.77 on this computer).");
  g_clear_error (&error);

  /* Only the scenario's hosts have addresses. */
  busy = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM,
                                    pf_test_ip ("192.0.2.1"), 80, &error);
  assert_null (busy);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
  assert_string_equal (error->message, "192.0.2.1 is not the address of any host in this scenario.");
  g_clear_error (&error);

  /* No wire in loopback mode. */
  assert_int_equal (pf_netspace_get_n_ports (netspace), 0);
  capture = pf_netspace_open_port (netspace, 0, &error);
  assert_null (capture);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED));
  assert_string_equal (error->message,
                       "Only exact mode has a wire: in loopback mode the segments are modelled.");
  g_clear_error (&error);

  connection_clear (&connection);
}

/* Runs side by side: loopback mode through pft_netspace_new_one (), as the
 * engine makes it, with the scenario's ports reserved. */
static PfNetspace *
new_loopback_run (const PfIpv4 *addresses,
                  guint         n_addresses)
{
  g_autoptr(GError) error = NULL;
  const guint16 ports[] = { 80 };
  PfNetspace *netspace;

  netspace = pft_netspace_new_one (PF_NETSPACE_MODE_LOOPBACK, addresses, n_addresses, NULL, &error);
  pf_test_assert_no_error (error);
  assert_non_null (netspace);
  pf_netspace_reserve_ports (netspace, ports, G_N_ELEMENTS (ports));
  return netspace;
}

/* Block 1 shifts the second byte by one, ports stay. */
static void
test_loopback_block_map (void **state)
{
  PfIpv4 addresses[] = { pf_test_ip ("192.203.196.71"), pf_test_ip ("10.0.0.2") };
  g_autoptr(GError) error = NULL;
  g_autoptr(PfNetspaceLoopback) block1 =
    pf_netspace_loopback_new_in_block (addresses, G_N_ELEMENTS (addresses), 1, &error);

  pf_test_assert_no_error (error);
  assert_int_equal (pf_netspace_loopback_get_block (block1), 1);
  assert_int_equal (pf_netspace_map_address (PF_NETSPACE (block1), addresses[0]),
                    pf_test_ip ("127.204.196.71"));
  assert_int_equal (pf_netspace_map_address (PF_NETSPACE (block1), addresses[1]),
                    pf_test_ip ("127.1.0.2"));
  assert_int_equal (pf_netspace_unmap_address (PF_NETSPACE (block1), pf_test_ip ("127.204.196.71")),
                    addresses[0]);
  assert_int_equal (pf_netspace_map_port (PF_NETSPACE (block1), 80), 8080);
}

/* Two runs of one scenario at once in one process (two windows): each
 * has mapped addresses of its own, both listen on the scenario's
 * 198.18.7.1:80 and talk, and each unmaps its own addresses back. */
static void
test_loopback_side_by_side (void **state)
{
  PfIpv4 addresses[] = { pf_test_ip ("198.18.7.1"), pf_test_ip ("198.18.7.2") };
  g_autoptr(PfNetspace) first = new_loopback_run (addresses, G_N_ELEMENTS (addresses));
  g_autoptr(PfNetspace) second = new_loopback_run (addresses, G_N_ELEMENTS (addresses));
  Connection one = { 0 };
  Connection two = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (addresses); i++)
    for (guint j = 0; j < G_N_ELEMENTS (addresses); j++)
      assert_int_not_equal (pf_netspace_map_address (first, addresses[i]),
                            pf_netspace_map_address (second, addresses[j]));

  exchange_hello (first, addresses[0], 80, addresses[1], &one);
  exchange_hello (second, addresses[0], 80, addresses[1], &two);

  assert_int_equal (local_endpoint (one.listener).address, pf_netspace_map_address (first, addresses[0]));
  assert_int_equal (local_endpoint (two.listener).address, pf_netspace_map_address (second, addresses[0]));
  assert_int_equal (local_endpoint (two.listener).port, 8080);
  assert_int_equal (pf_netspace_unmap_address (first, local_endpoint (one.client).address), addresses[1]);
  assert_int_equal (pf_netspace_unmap_address (second, local_endpoint (two.client).address), addresses[1]);

  connection_clear (&one);
  connection_clear (&two);
}

/* Another program listens where block 0 puts the scenario's server
 * (127.18.7.11:8080, as before blocks): the run moves elsewhere, and
 * its server listens. */
static void
test_loopback_default_taken (void **state)
{
  PfIpv4 addresses[] = { pf_test_ip ("198.18.7.11"), pf_test_ip ("198.18.7.12") };
  struct sockaddr_in sin = {
    .sin_family = AF_INET,
    .sin_addr.s_addr = htonl (pf_test_ip ("127.18.7.11")),
    .sin_port = htons (8080),
  };
  int holder = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_autoptr(PfNetspace) netspace = NULL;
  Connection connection = { 0 };

  assert_true (holder >= 0);
  assert_int_equal (bind (holder, (struct sockaddr *) &sin, sizeof sin), 0);
  assert_int_equal (listen (holder, 1), 0);

  netspace = new_loopback_run (addresses, G_N_ELEMENTS (addresses));
  assert_int_not_equal (pf_netspace_map_address (netspace, addresses[0]), pf_test_ip ("127.18.7.11"));
  exchange_hello (netspace, addresses[0], 80, addresses[1], &connection);
  assert_int_equal (local_endpoint (connection.listener).port, 8080);
  assert_int_equal (pf_netspace_unmap_address (netspace, local_endpoint (connection.listener).address),
                    addresses[0]);

  connection_clear (&connection);
  close (holder);
}

/* Exact mode */

static int
socket_option (int fd,
               int level,
               int option)
{
  int value = -1;
  socklen_t len = sizeof value;

  assert_int_equal (getsockopt (fd, level, option, &value, &len), 0);
  return value;
}


static void
test_exact_tcp (void **state)
{
  static const char * const hosts[] = { "192.203.196.71", "10.0.0.2", NULL };
  g_autoptr(PfNetspace) netspace = new_exact (hosts);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) busy = NULL;
  PfEndpoint server = { pf_test_ip ("192.203.196.71"), 80 };
  Connection connection = { 0 };

  assert_int_equal (pf_netspace_get_mode (netspace), PF_NETSPACE_MODE_EXACT);
  assert_string_equal (pf_netspace_get_description (netspace), "exact: private network namespace");
  assert_int_equal (pf_netspace_map_address (netspace, server.address), server.address);
  assert_int_equal (pf_netspace_map_port (netspace, 80), 80);
  /* One host with two interfaces: two ports. */
  assert_int_equal (pf_netspace_get_n_ports (netspace), 2);

  exchange_hello (netspace, server.address, 80, pf_test_ip ("10.0.0.2"), &connection);

  /* The kernel's own names are the scenario's: no mapping at all. */
  {
    PfEndpoint real = local_endpoint (connection.listener);
    assert_true (pf_endpoint_equal (&real, &server));
    real = local_endpoint (connection.client);
    assert_int_equal (real.address, pf_test_ip ("10.0.0.2"));
  }

  busy = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM, server.address, 80, &error);
  assert_null (busy);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE));
  assert_string_equal (error->message, "Port 80 on 192.203.196.71 is already in use.");
  g_clear_error (&error);

  busy = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM,
                                     pf_test_ip ("203.0.113.9"), 0, &error);
  assert_null (busy);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
  g_clear_error (&error);

  connection_clear (&connection);
}

/* Two hosts on the implicit link, A 10.0.0.1 and B 10.0.0.2 */


typedef struct
{
  GSocket  *client;
  GSocket  *listener;
  gboolean  hold_syn;   /* keep the first SYN on the wire */
  guint     syns_held;
} Handshake;

/* A client on @from:0 connecting, without blocking, to a listener on
 * @to:80. */
static void
handshake_start (Handshake  *handshake,
                 PfNetspace *netspace,
                 const char *from,
                 const char *to)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) target = pf_test_socket_address (pf_test_ip (to), 80);

  handshake->listener = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM,
                                                   pf_test_ip (to), 80, &error);
  pf_test_assert_no_error (error);
  assert_true (g_socket_listen (handshake->listener, &error));
  handshake->client = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM,
                                                 pf_test_ip (from), 0, &error);
  pf_test_assert_no_error (error);
  assert_false (g_socket_connect (handshake->client, target, NULL, &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING));
}

static void
handshake_clear (Handshake *handshake)
{
  g_clear_object (&handshake->client);
  g_clear_object (&handshake->listener);
}

static gboolean
is_connected (GSocket *socket,
              int      timeout_ms)
{
  struct pollfd pfd = { g_socket_get_fd (socket), POLLOUT, 0 };
  int error = -1;
  socklen_t len = sizeof error;

  if (poll (&pfd, 1, timeout_ms) != 1)
    return FALSE;
  assert_int_equal (getsockopt (pfd.fd, SOL_SOCKET, SO_ERROR, &error, &len), 0);
  assert_int_equal (error, 0);
  return TRUE;
}

static guint8
tcp_state (GSocket *socket)
{
  struct tcp_info info = { 0 };
  socklen_t len = sizeof info;

  assert_int_equal (getsockopt (g_socket_get_fd (socket), IPPROTO_TCP, TCP_INFO, &info, &len), 0);
  return info.tcpi_state;
}

static gboolean
handshake_done (gpointer user_data)
{
  Handshake *handshake = user_data;
  struct pollfd pfd = { g_socket_get_fd (handshake->listener), POLLIN, 0 };

  /* The server has the connection once the last ACK arrived. */
  return is_connected (handshake->client, 0) && poll (&pfd, 1, 0) == 1;
}

static gboolean
carry_unless_syn (const PftFrame *frame,
                  gpointer        user_data)
{
  Handshake *handshake = user_data;

  if (handshake->hold_syn && pft_tcp_flags (frame) == PFT_TCP_SYN)
    {
      handshake->syns_held++;
      return FALSE;
    }
  return TRUE;
}

static void
assert_mac (const guint8 *p,
            const guint8  expected[6])
{
  assert_memory_equal (p, expected, 6);
}

/* The frames A and B send, read on their ports and carried by the test:
 * ARP request (broadcast), ARP reply, SYN, SYN-ACK, ACK, with the hosts'
 * MACs, and TCP checksums a receiver accepts (offloads are off). Without
 * the test carrying them, the connection does not complete. */
static void
test_wire_implicit_handshake (void **state)
{
  g_autoptr(PfNetspace) netspace = pft_new_two_hosts ();
  static const guint8 broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
  guint8 mac_a[6];
  guint8 mac_b[6];
  Handshake handshake = { 0 };
  PftWire wire;
  static const struct { guint port; guint16 ethertype; int flags; guint16 arp_op; } expected[] = {
    { 0, 0x0806, -1, 1 },
    { 1, 0x0806, -1, 2 },
    { 0, 0x0800, PFT_TCP_SYN, 0 },
    { 1, 0x0800, PFT_TCP_SYN | PFT_TCP_ACK, 0 },
    { 0, 0x0800, PFT_TCP_ACK, 0 },
  };

  pft_mac (mac_a, 0, 0);
  pft_mac (mac_b, 1, 0);
  pft_wire_init (&wire, netspace);
  handshake_start (&handshake, netspace, "10.0.0.1", "10.0.0.2");

  /* Nobody carries frames: nothing completes. */
  assert_false (is_connected (handshake.client, 300));
  assert_int_equal (tcp_state (handshake.client), TCP_SYN_SENT);

  pft_wire_link (&wire, 0, 1);
  pft_wire_run (&wire, 5000, NULL, &handshake, NULL, handshake_done);
  assert_true (handshake_done (&handshake));
  assert_int_equal (tcp_state (handshake.client), TCP_ESTABLISHED);

  assert_int_equal (wire.frames->len, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const PftFrame *frame = &g_array_index (wire.frames, PftFrame, i);
      gsize len;
      const guint8 *p = g_bytes_get_data (frame->bytes, &len);
      const guint8 *from = frame->port == 0 ? mac_a : mac_b;
      const guint8 *to = frame->port == 0 ? mac_b : mac_a;

      assert_int_equal (frame->port, expected[i].port);
      assert_int_equal (pft_ethertype (frame), expected[i].ethertype);
      assert_mac (p + 6, from);
      if (expected[i].arp_op == 1)
        assert_mac (p, broadcast);
      else
        assert_mac (p, to);

      if (expected[i].ethertype == 0x0806)
        {
          assert_true (len >= 14 + 28);
          assert_int_equal (pft_get16 (p + 14 + 6), expected[i].arp_op);
          assert_mac (p + 14 + 8, from);  /* sender hardware address */
        }
      else
        {
          assert_int_equal (pft_tcp_flags (frame), expected[i].flags);
          assert_int_equal (p[14 + 8], 64);  /* TTL: one link, no router */
          assert_true (pft_checksums_ok (frame));
        }
    }

  handshake_clear (&handshake);
  pft_wire_clear (&wire);
}

/* A SYN the wire holds is a packet in flight: the client stays in
 * SYN_SENT until it is delivered. */
static void
test_wire_syn_held (void **state)
{
  g_autoptr(PfNetspace) netspace = pft_new_two_hosts ();
  g_autoptr(GArray) held = g_array_new (FALSE, TRUE, sizeof (PftFrame));
  Handshake handshake = { .hold_syn = TRUE };
  PftWire wire;

  g_array_set_clear_func (held, pft_frame_clear);
  pft_wire_init (&wire, netspace);
  pft_wire_link (&wire, 0, 1);
  handshake_start (&handshake, netspace, "10.0.0.1", "10.0.0.2");

  /* 300 ms: well inside the SYN's first retransmission timeout (1 s). */
  pft_wire_run (&wire, 300, carry_unless_syn, &handshake, held, NULL);
  assert_int_equal (handshake.syns_held, 1);
  assert_int_equal (held->len, 1);
  assert_int_equal (tcp_state (handshake.client), TCP_SYN_SENT);
  assert_false (is_connected (handshake.client, 0));

  handshake.hold_syn = FALSE;
  pft_wire_release (&wire, held);
  pft_wire_run (&wire, 5000, carry_unless_syn, &handshake, held, handshake_done);
  assert_true (handshake_done (&handshake));
  assert_int_equal (tcp_state (handshake.client), TCP_ESTABLISHED);

  handshake_clear (&handshake);
  pft_wire_clear (&wire);
}

/* A router between two links: A 10.1.0.2/24 via 10.1.0.1, R 10.1.0.1/24
 * and 10.2.0.1/24 forwarding, B 10.2.0.2/24 via 10.2.0.1. Ports: A 0,
 * R 1 and 2, B 3. The SYN crosses R: TTL 64 on the first link, 63 on the
 * second, with R's eth1 as its sender there. */
static void
test_wire_router (void **state)
{
  g_autoptr(GArray) hosts = pft_hosts_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PfNetspace) netspace = NULL;
  PfIpv4 a[] = { pf_test_ip ("10.1.0.2") };
  PfIpv4 r[] = { pf_test_ip ("10.1.0.1"), pf_test_ip ("10.2.0.1") };
  PfIpv4 b[] = { pf_test_ip ("10.2.0.2") };
  guint prefixes[] = { 24, 24 };
  Handshake handshake = { 0 };
  PftWire wire;
  guint syn_ttl[4] = { 0 };
  guint8 mac_r1[6];
  guint8 mac_b[6];

  pft_hosts_add (hosts, "alice", FALSE, r[0], FALSE, a, prefixes, 1);
  pft_hosts_add (hosts, "router", TRUE, 0, FALSE, r, prefixes, 2);
  pft_hosts_add (hosts, "bob", FALSE, r[1], FALSE, b, prefixes, 1);
  netspace = pft_netspace_new_hosts (PF_NETSPACE_MODE_EXACT, hosts, &error);
  pf_test_assert_no_error (error);
  assert_int_equal (pf_netspace_get_n_ports (netspace), 4);
  pft_mac (mac_r1, 1, 1);
  pft_mac (mac_b, 2, 0);

  pft_wire_init (&wire, netspace);
  pft_wire_link (&wire, 0, 1);
  pft_wire_link (&wire, 2, 3);
  handshake_start (&handshake, netspace, "10.1.0.2", "10.2.0.2");
  pft_wire_run (&wire, 5000, NULL, &handshake, NULL, handshake_done);
  assert_true (handshake_done (&handshake));

  for (guint i = 0; i < wire.frames->len; i++)
    {
      const PftFrame *frame = &g_array_index (wire.frames, PftFrame, i);
      const guint8 *p = g_bytes_get_data (frame->bytes, NULL);

      if (pft_tcp_flags (frame) != PFT_TCP_SYN)
        continue;
      syn_ttl[frame->port] = p[14 + 8];
      assert_true (pft_checksums_ok (frame));
      if (frame->port == 2)
        {
          assert_mac (p + 6, mac_r1);
          assert_mac (p, mac_b);
        }
    }
  assert_int_equal (syn_ttl[0], 64);
  assert_int_equal (syn_ttl[1], 0);
  assert_int_equal (syn_ttl[2], 63);
  assert_int_equal (syn_ttl[3], 0);

  handshake_clear (&handshake);
  pft_wire_clear (&wire);
}

/* A port opens once, within the wire; its drops are counted once. */
static void
test_wire_ports (void **state)
{
  g_autoptr(PfNetspace) netspace = pft_new_two_hosts ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) port = NULL;
  g_autoptr(GSocket) again = NULL;
  g_autoptr(GSocket) client = NULL;
  g_autoptr(GSocketAddress) broadcast = pf_test_socket_address (pf_test_ip ("255.255.255.255"), 9);
  char datagram[1000] = { 0 };
  int value = 0;
  socklen_t len = sizeof value;
  guint drops;

  port = pf_netspace_open_port (netspace, 0, &error);
  pf_test_assert_no_error (error);
  assert_non_null (port);
  assert_int_equal (socket_option (g_socket_get_fd (port), SOL_SOCKET, SO_DOMAIN), AF_PACKET);
  assert_int_equal (getsockopt (g_socket_get_fd (port), SOL_PACKET, PACKET_QDISC_BYPASS, &value, &len), 0);
  assert_int_equal (value, 1);
  assert_true (fcntl (g_socket_get_fd (port), F_GETFD) & FD_CLOEXEC);
  assert_true (fcntl (g_socket_get_fd (port), F_GETFL) & O_NONBLOCK);

  again = pf_netspace_open_port (netspace, 0, &error);
  assert_null (again);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY));
  assert_string_equal (error->message, "Port 0 of the wire is open already.");
  g_clear_error (&error);
  again = pf_netspace_open_port (netspace, 2, &error);
  assert_null (again);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
  assert_string_equal (error->message, "There is no port 2: the wire has 2.");
  g_clear_error (&error);

  /* Room for a few frames, and 200 broadcasts from A (no ARP needed),
   * none read. */
  client = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_DATAGRAM,
                                      pf_test_ip ("10.0.0.1"), 0, &error);
  pf_test_assert_no_error (error);
  g_socket_set_broadcast (client, TRUE);
  assert_int_equal (pf_netspace_port_take_drops (port), 0);
  value = 4096;
  assert_int_equal (setsockopt (g_socket_get_fd (port), SOL_SOCKET, SO_RCVBUF, &value, sizeof value), 0);
  for (guint i = 0; i < 200; i++)
    assert_int_equal (g_socket_send_to (client, broadcast, datagram, sizeof datagram, NULL, &error),
                      sizeof datagram);
  pf_test_assert_no_error (error);

  drops = pf_netspace_port_take_drops (port);
  assert_true (drops > 100 && drops < 200);
  assert_int_equal (pf_netspace_port_take_drops (port), 0);
}

/* Offloads off on both ends of a veth pair, read back with SIOCETHTOOL:
 * the host end through a socket made in the host's namespace, the wire
 * end through its port. */
static guint32
ethtool_get (int         fd,
             const char *name,
             guint32     command)
{
  struct ethtool_value value = { .cmd = command };
  struct ifreq ifr = { 0 };

  g_strlcpy (ifr.ifr_name, name, sizeof ifr.ifr_name);
  ifr.ifr_data = (char *) &value;
  assert_int_equal (ioctl (fd, SIOCETHTOOL, &ifr), 0);
  return value.data;
}

static void
test_wire_offloads_off (void **state)
{
  static const guint32 commands[] = {
    ETHTOOL_GTXCSUM, ETHTOOL_GTSO, ETHTOOL_GGSO, ETHTOOL_GGRO,
  };
  g_autoptr(PfNetspace) netspace = pft_new_two_hosts ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) host = NULL;
  g_autoptr(GSocket) port = NULL;

  host = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_DATAGRAM, pf_test_ip ("10.0.0.2"),
                                    0, &error);
  pf_test_assert_no_error (error);
  port = pf_netspace_open_port (netspace, 1, &error);
  pf_test_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      assert_int_equal (ethtool_get (g_socket_get_fd (host), "eth0", commands[i]), 0);
      assert_int_equal (ethtool_get (g_socket_get_fd (port), "w1", commands[i]), 0);
    }
}

/* 100 hosts are ready well within a second. */
static void
test_exact_setup_time (void **state)
{
  g_autoptr(GArray) hosts = pft_hosts_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PfNetspace) netspace = NULL;
  gint64 start;
  double seconds;

  for (guint i = 0; i < 100; i++)
    {
      PfIpv4 address = pf_test_ip ("10.0.0.1") + i;

      pft_hosts_add (hosts, NULL, FALSE, 0, TRUE, &address, NULL, 1);
    }

  start = g_get_monotonic_time ();
  netspace = pft_netspace_new_hosts (PF_NETSPACE_MODE_EXACT, hosts, &error);
  seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  pf_test_assert_no_error (error);
  assert_int_equal (pf_netspace_get_n_ports (netspace), 100);
  print_message ("# 100 hosts set up in %.3f s\n", seconds);
  assert_true (seconds < 0.8);
}

/* 500 netspaces made and gone: not one descriptor or child more. */
static void
test_exact_many_runs (void **state)
{
  PfIpv4 addresses[] = { pf_test_ip ("10.0.0.1"), pf_test_ip ("10.0.0.2") };
  g_autoptr(GArray) hosts = pft_hosts_implicit (addresses, 2);
  g_autofree char *children = NULL;
  guint before;

  g_object_unref (pft_new_two_hosts ());
  before = count_settled_fds ();

  for (guint i = 0; i < 500; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PfNetspace) netspace = pft_netspace_new_hosts (PF_NETSPACE_MODE_EXACT, hosts, &error);
      g_autoptr(GSocket) port = NULL;

      pf_test_assert_no_error (error);
      port = pf_netspace_open_port (netspace, i % 2, &error);
      pf_test_assert_no_error (error);
    }

  assert_int_equal (count_settled_fds (), before);
  children = pf_test_list_children ();
  assert_string_equal (children, "");
}

static void
test_exact_udp (void **state)
{
  static const char * const hosts[] = { "192.203.196.71", "10.0.0.2", NULL };
  g_autoptr(PfNetspace) netspace = new_exact (hosts);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) server = NULL;
  g_autoptr(GSocket) client = NULL;
  g_autoptr(GSocket) busy = NULL;
  g_autoptr(GSocketAddress) target = pf_test_socket_address (pf_test_ip ("192.203.196.71"), 53);
  g_autoptr(GSocketAddress) from = NULL;
  PfEndpoint sender;
  PfEndpoint client_endpoint;
  char buf[16] = { 0 };

  server = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_DATAGRAM,
                                      pf_test_ip ("192.203.196.71"), 53, &error);
  pf_test_assert_no_error (error);
  client = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_DATAGRAM,
                                      pf_test_ip ("10.0.0.2"), 0, &error);
  pf_test_assert_no_error (error);
  pf_test_make_blocking (server);

  assert_int_equal (g_socket_send_to (client, target, "query", 5, NULL, &error), 5);
  pf_test_assert_no_error (error);
  assert_int_equal (g_socket_receive_from (server, &from, buf, sizeof buf, NULL, &error), 5);
  pf_test_assert_no_error (error);
  assert_string_equal (buf, "query");

  sender = pf_test_endpoint_of (from);
  client_endpoint = local_endpoint (client);
  assert_true (pf_endpoint_equal (&sender, &client_endpoint));
  assert_int_equal (sender.address, pf_test_ip ("10.0.0.2"));

  busy = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_DATAGRAM,
                                    pf_test_ip ("192.203.196.71"), 53, &error);
  assert_null (busy);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE));
  assert_string_equal (error->message, "Port 53 on 192.203.196.71 is already in use.");
}

static void
test_exact_lost (void **state)
{
  static const char * const hosts[] = { "192.203.196.71", "10.0.0.2", NULL };
  g_autoptr(PfNetspace) netspace = new_exact (hosts);
  g_autoptr(GError) lost_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) late = NULL;
  GPid pid;

  g_signal_connect (netspace, "lost", G_CALLBACK (lost_cb), &lost_error);

  pid = pf_netspace_namespace_get_helper_pid (PF_NETSPACE_NAMESPACE (netspace));
  assert_true (pid > 0);
  assert_int_equal (kill (pid, SIGKILL), 0);

  pf_test_iterate_until_timeout (pf_test_is_set, &lost_error, 5);
  assert_true (g_error_matches (lost_error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_LOST));
  assert_non_null (strstr (lost_error->message, "signal 9"));

  /* Reaped, and no new sockets. */
  assert_int_equal (kill (pid, 0), -1);
  assert_int_equal (errno, ESRCH);
  late = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM,
                                    pf_test_ip ("10.0.0.2"), 0, &error);
  assert_null (late);
  assert_true (g_error_matches (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_LOST));
}

/* Sockets made before the helper died still work: they hold the
 * namespace, not the helper. */
static void
test_exact_sockets_outlive_helper (void **state)
{
  static const char * const hosts[] = { "192.203.196.71", "10.0.0.2", NULL };
  g_autoptr(PfNetspace) netspace = new_exact (hosts);
  g_autoptr(GError) lost_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GSocket) client = NULL;
  g_autoptr(GSocket) accepted = NULL;
  g_autoptr(GSocketAddress) target = pf_test_socket_address (pf_test_ip ("192.203.196.71"), 25);

  g_signal_connect (netspace, "lost", G_CALLBACK (lost_cb), &lost_error);

  listener = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM,
                                        pf_test_ip ("192.203.196.71"), 25, &error);
  pf_test_assert_no_error (error);
  assert_true (g_socket_listen (listener, &error));
  client = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM,
                                      pf_test_ip ("10.0.0.2"), 0, &error);
  pf_test_assert_no_error (error);

  assert_int_equal (kill (pf_netspace_namespace_get_helper_pid (PF_NETSPACE_NAMESPACE (netspace)), SIGKILL), 0);
  pf_test_iterate_until_timeout (pf_test_is_set, &lost_error, 5);

  pf_test_make_blocking (client);
  pf_test_make_blocking (listener);
  assert_true (g_socket_connect (client, target, NULL, &error));
  pf_test_assert_no_error (error);
  accepted = g_socket_accept (listener, NULL, &error);
  pf_test_assert_no_error (error);
  assert_non_null (accepted);
}

/* After the netspace is gone: no helper process, no zombie, not one
 * descriptor more than before, and no "lost". */
static void
test_exact_cleanup (void **state)
{
  static const char * const hosts[] = { "192.203.196.71", "10.0.0.2", NULL };
  g_autoptr(GError) lost_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *children = NULL;
  g_autofree char *proc = NULL;
  PfNetspace *netspace;
  GSocket *sockets[3];
  guint before;
  GPid pid;

  /* GLib opens a few descriptors of its own the first time it spawns;
   * let it, then count. */
  g_object_unref (new_exact (hosts));
  before = count_settled_fds ();

  netspace = new_exact (hosts);
  g_object_add_weak_pointer (G_OBJECT (netspace), (gpointer *) &netspace);
  g_signal_connect (netspace, "lost", G_CALLBACK (lost_cb), &lost_error);
  pid = pf_netspace_namespace_get_helper_pid (PF_NETSPACE_NAMESPACE (netspace));
  assert_true (pid > 0);

  sockets[0] = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM,
                                          pf_test_ip ("192.203.196.71"), 80, &error);
  pf_test_assert_no_error (error);
  sockets[1] = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_DATAGRAM,
                                          pf_test_ip ("10.0.0.2"), 0, &error);
  pf_test_assert_no_error (error);
  sockets[2] = pf_netspace_open_port (netspace, 0, &error);
  pf_test_assert_no_error (error);
  /* The control socket and three sockets (GLib may add a pidfd of its
   * own to watch the helper). */
  assert_true (pf_test_count_fds () >= before + 1 + 3);

  for (guint i = 0; i < G_N_ELEMENTS (sockets); i++)
    g_object_unref (sockets[i]);
  g_object_unref (netspace);
  assert_null (netspace);

  assert_int_equal (count_settled_fds (), before);
  assert_null (lost_error);

  assert_int_equal (kill (pid, 0), -1);
  assert_int_equal (errno, ESRCH);
  proc = g_strdup_printf ("/proc/%d", (int) pid);
  assert_false (g_file_test (proc, G_FILE_TEST_EXISTS));
  children = pf_test_list_children ();
  assert_string_equal (children, "");
}

/* The helper, spoken to directly: it is a trust boundary */

typedef struct
{
  GSubprocess *helper;
  int          fd;
} HelperRun;

static void
helper_start (HelperRun          *run,
              const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int fds[2];

  assert_int_equal (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0);
  g_subprocess_launcher_take_fd (launcher, fds[1], PF_NETNS_CONTROL_FD);

  g_ptr_array_add (argv, real_helper);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  run->helper = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  pf_test_assert_no_error (error);
  g_subprocess_launcher_close (launcher);
  run->fd = fds[0];
}

/* One reply within 5 seconds; *out_fd gets a passed descriptor or -1. */
static PfNetnsReply
helper_receive (HelperRun *run,
                int       *out_fd)
{
  PfNetnsReply reply = { 0 };
  union { struct cmsghdr align; char buf[CMSG_SPACE (sizeof (int))]; } control;
  struct iovec iov = { &reply, sizeof reply };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                        .msg_control = control.buf, .msg_controllen = sizeof control.buf };
  struct pollfd pfd = { run->fd, POLLIN, 0 };
  struct cmsghdr *cmsg;

  assert_int_equal (poll (&pfd, 1, 5000), 1);
  assert_int_equal (recvmsg (run->fd, &msg, MSG_CMSG_CLOEXEC), sizeof reply);
  assert_int_equal (reply.magic, PF_NETNS_MAGIC);
  assert_int_equal (reply.version, PF_NETNS_VERSION);

  *out_fd = -1;
  cmsg = CMSG_FIRSTHDR (&msg);
  if (cmsg != NULL && cmsg->cmsg_type == SCM_RIGHTS)
    memcpy (out_fd, CMSG_DATA (cmsg), sizeof (int));
  return reply;
}

static void
helper_send (HelperRun  *run,
             const void *data,
             gsize       size,
             int         attached_fd)
{
  union { struct cmsghdr align; char buf[CMSG_SPACE (sizeof (int))]; } control;
  struct iovec iov = { (void *) data, size };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

  if (attached_fd >= 0)
    {
      struct cmsghdr *cmsg;

      memset (&control, 0, sizeof control);
      msg.msg_control = control.buf;
      msg.msg_controllen = sizeof control.buf;
      cmsg = CMSG_FIRSTHDR (&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (cmsg), &attached_fd, sizeof (int));
    }

  assert_int_equal (sendmsg (run->fd, &msg, MSG_NOSIGNAL), size);
}

/* Closes our end; returns the helper's exit status. */
static int
helper_finish (HelperRun *run)
{
  g_autoptr(GError) error = NULL;
  int status;

  close (run->fd);
  assert_true (g_subprocess_wait (run->helper, NULL, &error));
  pf_test_assert_no_error (error);
  assert_true (g_subprocess_get_if_exited (run->helper));
  status = g_subprocess_get_exit_status (run->helper);
  g_clear_object (&run->helper);
  return status;
}

static PfNetnsRequest
socket_request (guint32 serial,
                guint16 type,
                PfIpv4  address,
                guint16 port)
{
  return (PfNetnsRequest) {
    .magic = PF_NETNS_MAGIC,
    .version = PF_NETNS_VERSION,
    .op = PF_NETNS_OP_SOCKET,
    .serial = serial,
    .socket_type = type,
    .address = address,
    .port = port,
  };
}

static void
assert_refused (HelperRun            *run,
                const PfNetnsRequest *request,
                gsize                 size,
                int                   expected_errno)
{
  PfNetnsReply reply;
  int fd;

  helper_send (run, request, size, -1);
  reply = helper_receive (run, &fd);
  assert_int_equal (fd, -1);
  assert_int_equal (reply.status, PF_NETNS_STATUS_ERROR);
  assert_int_equal (reply.stage, PF_NETNS_STAGE_REQUEST);
  assert_int_equal (reply.error_number, expected_errno);
  if (size == sizeof *request)
    assert_int_equal (reply.serial, request->serial);
}

static PfNetnsRequest
index_request (guint32 serial,
               guint16 op,
               guint32 index)
{
  return (PfNetnsRequest) {
    .magic = PF_NETNS_MAGIC,
    .version = PF_NETNS_VERSION,
    .op = op,
    .serial = serial,
    .index = index,
  };
}

static int
request_fd (HelperRun            *run,
            const PfNetnsRequest *request)
{
  PfNetnsReply reply;
  int fd;

  helper_send (run, request, sizeof *request, -1);
  reply = helper_receive (run, &fd);
  assert_int_equal (reply.status, PF_NETNS_STATUS_OK);
  assert_int_equal (reply.serial, request->serial);
  assert_true (fd >= 0);
  return fd;
}

static void
test_helper_checks_requests (void **state)
{
  static const char * const args[] = {
    "host,alice", "if,192.203.196.71/32,02:50:46:00:00:00", "route,0.0.0.0/0,dev,0", NULL,
  };
  HelperRun run;
  PfNetnsRequest request;
  PfNetnsReply reply;
  PfEndpoint bound;
  int pipe_fds[2];
  int fd;
  char byte;

  helper_start (&run, args);
  reply = helper_receive (&run, &fd);
  assert_int_equal (reply.status, PF_NETNS_STATUS_READY);
  assert_int_equal (fd, -1);

  /* A descriptor sent to the helper is closed there: the pipe's only
   * other writer is gone once ours is closed, so the read end sees EOF. */
  assert_int_equal (pipe (pipe_fds), 0);
  request = socket_request (1, PF_NETNS_SOCKET_STREAM, pf_test_ip ("192.203.196.71"), 80);
  helper_send (&run, &request, sizeof request, pipe_fds[1]);
  close (pipe_fds[1]);
  reply = helper_receive (&run, &fd);
  assert_int_equal (reply.status, PF_NETNS_STATUS_OK);
  assert_int_equal (reply.serial, 1);
  assert_true (fd >= 0);
  assert_int_equal (poll (&(struct pollfd) { pipe_fds[0], POLLIN, 0 }, 1, 5000), 1);
  assert_int_equal (read (pipe_fds[0], &byte, 1), 0);
  close (pipe_fds[0]);

  /* And that good request gave a socket bound where it was asked. */
  {
    g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, NULL);
    PfEndpoint expected = { pf_test_ip ("192.203.196.71"), 80 };

    assert_non_null (socket);
    bound = local_endpoint (socket);
    assert_true (pf_endpoint_equal (&bound, &expected));
    assert_int_equal (g_socket_get_socket_type (socket), G_SOCKET_TYPE_STREAM);
  }

  /* Short, long, wrong magic, wrong version, a field SOCKET does not
   * use, unknown op. Each reply also means the helper is done with the
   * request before. */
  request = socket_request (2, PF_NETNS_SOCKET_STREAM, pf_test_ip ("192.203.196.71"), 80);
  assert_refused (&run, &request, 10, EPROTO);
  {
    char longer[sizeof request + 4] = { 0 };
    memcpy (longer, &request, sizeof request);
    assert_refused (&run, (PfNetnsRequest *) longer, sizeof longer, EPROTO);
  }
  request.magic ^= 1;
  assert_refused (&run, &request, sizeof request, EPROTO);
  request = socket_request (3, PF_NETNS_SOCKET_STREAM, pf_test_ip ("192.203.196.71"), 80);
  request.version = PF_NETNS_VERSION - 1;
  assert_refused (&run, &request, sizeof request, EPROTO);
  request = socket_request (4, PF_NETNS_SOCKET_STREAM, pf_test_ip ("192.203.196.71"), 80);
  request.index = 1;
  assert_refused (&run, &request, sizeof request, EPROTO);
  request = socket_request (5, PF_NETNS_SOCKET_STREAM, pf_test_ip ("192.203.196.71"), 80);
  request.op = 99;
  assert_refused (&run, &request, sizeof request, EPROTO);

  /* Only its own addresses, only TCP and UDP; the old capture (op 2) is
   * gone; the table of sockets and the ports take an index only. */
  request = socket_request (6, PF_NETNS_SOCKET_STREAM, pf_test_ip ("10.9.9.9"), 80);
  assert_refused (&run, &request, sizeof request, EADDRNOTAVAIL);
  request = socket_request (7, 3, pf_test_ip ("192.203.196.71"), 80);
  assert_refused (&run, &request, sizeof request, EINVAL);
  request = index_request (8, 2, 0);
  assert_refused (&run, &request, sizeof request, EPROTO);
  request = socket_request (9, 0, pf_test_ip ("192.203.196.71"), 0);
  request.op = PF_NETNS_OP_SOCK_DIAG;
  assert_refused (&run, &request, sizeof request, EPROTO);
  request = socket_request (10, 0, 0, 9);
  request.op = PF_NETNS_OP_PORT;
  assert_refused (&run, &request, sizeof request, EPROTO);
  request = index_request (11, PF_NETNS_OP_SOCK_DIAG, 1);
  assert_refused (&run, &request, sizeof request, ENOENT);
  request = index_request (12, PF_NETNS_OP_PORT, 1);
  assert_refused (&run, &request, sizeof request, ENODEV);

  /* The table of sockets comes as a NETLINK_SOCK_DIAG socket. */
  request = index_request (13, PF_NETNS_OP_SOCK_DIAG, 0);
  fd = request_fd (&run, &request);
  assert_int_equal (socket_option (fd, SOL_SOCKET, SO_DOMAIN), AF_NETLINK);
  assert_int_equal (socket_option (fd, SOL_SOCKET, SO_PROTOCOL), NETLINK_SOCK_DIAG);
  close (fd);

  /* A port: AF_PACKET, raw, its own frames not read back, big buffers;
   * and only once. */
  request = index_request (14, PF_NETNS_OP_PORT, 0);
  fd = request_fd (&run, &request);
  assert_int_equal (socket_option (fd, SOL_SOCKET, SO_DOMAIN), AF_PACKET);
  assert_int_equal (socket_option (fd, SOL_SOCKET, SO_TYPE), SOCK_RAW);
  assert_int_equal (socket_option (fd, SOL_PACKET, PACKET_IGNORE_OUTGOING), 1);
  assert_int_equal (socket_option (fd, SOL_PACKET, PACKET_QDISC_BYPASS), 1);
  assert_true (socket_option (fd, SOL_SOCKET, SO_RCVBUF) >= 4 * 1024 * 1024);
  close (fd);
  request = index_request (15, PF_NETNS_OP_PORT, 0);
  assert_refused (&run, &request, sizeof request, EBUSY);

  /* It keeps nothing it handed out or was handed: only stdin, stdout,
   * stderr, the control socket and its namespaces (the wire's and the
   * one host's) are open. The helper closes a sent descriptor just after
   * sendmsg (), so give it a moment. */
  {
    g_autofree char *path = g_strdup_printf ("/proc/%s/fd",
                                             g_subprocess_get_identifier (run.helper));
    gint64 deadline = g_get_monotonic_time () + G_USEC_PER_SEC;
    guint open_fds;
    guint namespaces;
    guint others;

    do
      {
        g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
        const char *name;

        assert_non_null (dir);
        open_fds = 0;
        namespaces = 0;
        others = 0;
        while ((name = g_dir_read_name (dir)) != NULL)
          {
            g_autofree char *link_path = g_build_filename (path, name, NULL);
            g_autofree char *target = g_file_read_link (link_path, NULL);
            guint64 fd_number = 99;

            if (g_ascii_string_to_unsigned (name, 10, 0, 3, &fd_number, NULL))
              open_fds |= 1u << fd_number;
            else if (target != NULL && g_str_has_prefix (target, "net:["))
              namespaces++;
            else
              others++;
          }
        if (open_fds != 0xf || namespaces != 2 || others != 0)
          g_usleep (1000);
      }
    while ((open_fds != 0xf || namespaces != 2 || others != 0) &&
           g_get_monotonic_time () < deadline);

    assert_int_equal (open_fds, 0xf);
    assert_int_equal (namespaces, 2);
    assert_int_equal (others, 0);
  }

  /* End of file: exit status 0. */
  assert_int_equal (helper_finish (&run), 0);
}

/* Every bad token is refused before anything is made: ERROR, stage
 * ARGUMENTS, the token's position. */
static void
test_helper_checks_arguments (void **state)
{
  static const struct { const char *args[4]; guint bad; int errsv; } bad[] = {
    { { "10.0.0.2" }, 1, EINVAL },                                   /* version 1 */
    { { "--help" }, 1, EINVAL },
    { { "host," }, 1, EINVAL },
    { { "host,9lives" }, 1, EINVAL },
    { { "host,a b" }, 1, EINVAL },
    { { "host,a,fast" }, 1, EINVAL },
    { { "if,10.0.0.1/32,02:50:46:00:00:00" }, 1, EINVAL },         /* no host yet */
    { { "host,a", "if,999.0.0.1/32,02:50:46:00:00:00" }, 2, EINVAL },
    { { "host,a", "if,0.0.0.1/32,02:50:46:00:00:00" }, 2, EINVAL },
    { { "host,a", "if,224.0.0.1/32,02:50:46:00:00:00" }, 2, EINVAL },
    { { "host,a", "if,10.0.0.1/33,02:50:46:00:00:00" }, 2, EINVAL },
    { { "host,a", "if,10.0.0.1/0,02:50:46:00:00:00" }, 2, EINVAL },
    { { "host,a", "if,10.0.0.1,02:50:46:00:00:00" }, 2, EINVAL },
    { { "host,a", "if,10.0.0.1/32,03:50:46:00:00:00" }, 2, EINVAL },  /* multicast MAC */
    { { "host,a", "if,10.0.0.1/32,00:00:00:00:00:00" }, 2, EINVAL },
    { { "host,a", "if,10.0.0.1/32,02:50:46:00:00" }, 2, EINVAL },
    { { "host,a", "if,10.0.0.1/32,02:50:46:00:00:00:00" }, 2, EINVAL },
    { { "host,a", "if,10.0.0.1/32,02:50:46:00:00:00", "if,10.0.0.1/32,02:50:46:00:00:01" }, 3, EEXIST },
    { { "host,a", "if,10.0.0.1/32,02:50:46:00:00:00", "if,10.0.0.2/32,02:50:46:00:00:00" }, 3, EEXIST },
    { { "host,a", "route,0.0.0.0/0,dev,0" }, 2, EINVAL },           /* no interface yet */
    { { "host,a", "if,10.0.0.1/24,02:50:46:00:00:00", "route,0.0.0.0/0,dev,1" }, 3, EINVAL },
    { { "host,a", "if,10.0.0.1/24,02:50:46:00:00:00", "route,10.1.0.1/24,via,10.0.0.9" }, 3, EINVAL },
    { { "host,a", "if,10.0.0.1/24,02:50:46:00:00:00", "route,0.0.0.0/0,via,10.0.0" }, 3, EINVAL },
    { { "host,a", "if,10.0.0.1/24,02:50:46:00:00:00", "route,0.0.0.0/0" }, 3, EINVAL },
    { { "host,a", "if,10.0.0.1/24,02:50:46:00:00:00", "route,0.0.0.0/0,dev,01" }, 3, EINVAL },
    { { "host,a", "capture" }, 2, EINVAL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      HelperRun run;
      PfNetnsReply reply;
      int fd;

      helper_start (&run, bad[i].args);
      reply = helper_receive (&run, &fd);
      assert_int_equal (fd, -1);
      assert_int_equal (reply.status, PF_NETNS_STATUS_ERROR);
      assert_int_equal (reply.stage, PF_NETNS_STAGE_ARGUMENTS);
      assert_int_equal (reply.index, bad[i].bad);
      assert_int_equal (reply.error_number, bad[i].errsv);
      assert_int_equal (helper_finish (&run), 1);
    }
}

/* Too many hosts is refused as well, by the app before the helper. */
static void
test_netspace_checks_hosts (void **state)
{
  PfIpv4 twice[] = { pf_test_ip ("10.0.0.1"), pf_test_ip ("10.0.0.1") };
  g_autoptr(GArray) hosts = pft_hosts_implicit (twice, 2);
  g_autoptr(GError) error = NULL;
  PfNetspace *netspace;

  netspace = pft_netspace_new_hosts (PF_NETSPACE_MODE_EXACT, hosts, &error);
  assert_null (netspace);
  assert_true (g_error_matches (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_INVALID_ADDRESS));
  assert_string_equal (error->message, "10.0.0.1 is the address of two interfaces.");
}

/* Started by hand, without descriptor 3, it explains and exits 2. */
static void
test_helper_needs_control_socket (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) helper = NULL;
  g_autofree char *err_text = NULL;

  helper = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_PIPE, &error, real_helper, "10.0.0.2", NULL);
  pf_test_assert_no_error (error);
  assert_true (g_subprocess_communicate_utf8 (helper, NULL, NULL, NULL, &err_text, &error));
  pf_test_assert_no_error (error);
  assert_int_equal (g_subprocess_get_exit_status (helper), 2);
  assert_non_null (strstr (err_text, "not meant to be run by hand"));
}

/* Falling back */

typedef struct
{
  char *dir;
} Scratch;

static int
setup_scratch (void **state)
{
  Scratch *scratch = g_new0 (Scratch, 1);

  scratch->dir = g_dir_make_tmp ("test-netspace-XXXXXX", NULL);
  assert_non_null (scratch->dir);
  *state = scratch;
  return 0;
}

static int
teardown_scratch (void **state)
{
  Scratch *scratch = *state;
  g_autoptr(GDir) dir = g_dir_open (scratch->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (scratch->dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (scratch->dir);
  g_free (scratch->dir);
  g_free (scratch);

  g_setenv ("PACKETFLOW_NETNS_HELPER", real_helper, TRUE);
  return 0;
}

static char *
write_script (Scratch    *scratch,
              const char *name,
              const char *text)
{
  char *path = g_build_filename (scratch->dir, name, NULL);

  assert_true (g_file_set_contents (path, text, -1, NULL));
  assert_int_equal (chmod (path, 0755), 0);
  return path;
}

/* AUTO falls back with @expected_reason; EXACT fails with @code. */
static void
assert_falls_back (const char *helper,
                   const char *expected_reason,
                   int         code)
{
  PfIpv4 addresses[] = { pf_test_ip ("192.203.196.71"), pf_test_ip ("10.0.0.2") };
  g_autoptr(PfNetspace) netspace = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *expected_error = NULL;

  g_setenv ("PACKETFLOW_NETNS_HELPER", helper, TRUE);

  netspace = pft_netspace_new_one (PF_NETSPACE_MODE_AUTO, addresses, 2, &reason, &error);
  pf_test_assert_no_error (error);
  assert_non_null (netspace);
  assert_true (PF_IS_NETSPACE_LOOPBACK (netspace));
  assert_int_equal (pf_netspace_get_mode (netspace), PF_NETSPACE_MODE_LOOPBACK);
  assert_non_null (reason);
  assert_string_equal (reason, expected_reason);
  assert_true (g_str_has_suffix (reason, FALLBACK_TAIL));
  g_clear_object (&netspace);

  netspace = pft_netspace_new_one (PF_NETSPACE_MODE_EXACT, addresses, 2, NULL, &error);
  assert_null (netspace);
  assert_true (g_error_matches (error, PF_NETSPACE_ERROR, code));
  assert_true (g_str_has_prefix (error->message, "Exact mode is not available. "));
}

static void
test_fallback_helper_fails (void **state)
{
  assert_falls_back ("/bin/false",
                     "The namespace helper /bin/false stopped before the private "
                     "network was ready" FALLBACK_TAIL,
                     PF_NETSPACE_ERROR_HELPER);
}

static void
test_fallback_helper_missing (void **state)
{
  assert_falls_back ("/nonexistent/packetflow-netns-helper",
                     "The namespace helper /nonexistent/packetflow-netns-helper could not "
                     "be started (it does not exist)" FALLBACK_TAIL,
                     PF_NETSPACE_ERROR_HELPER);
}

/* Where user namespaces are refused (as in the Flatpak sandbox), the real
 * helper reports it and AUTO says so. The refusal is made real by running
 * the helper in a user namespace whose limit on new ones is 0. */
static void
test_fallback_namespaces_refused (void **state)
{
  Scratch *scratch = *state;
  g_autofree char *text = NULL;
  g_autofree char *wrapper = NULL;

  text = g_strdup_printf ("#!/bin/sh\n"
                          "exec unshare --user --map-root-user sh -c "
                          "'echo 0 > /proc/sys/user/max_user_namespaces && exec \"$0\" \"$@\"' "
                          "'%s' \"$@\"\n", real_helper);
  wrapper = write_script (scratch, "refusing-helper", text);

  assert_falls_back (wrapper,
                     "User namespaces are not allowed here (the limit on user namespaces "
                     "is reached or set to zero)" FALLBACK_TAIL,
                     PF_NETSPACE_ERROR_NOT_ALLOWED);
}

/* LOOPBACK never starts the helper; AUTO does. */
static void
test_loopback_never_tries_exact (void **state)
{
  Scratch *scratch = *state;
  PfIpv4 addresses[] = { pf_test_ip ("10.0.0.2") };
  g_autofree char *marker = g_build_filename (scratch->dir, "started", NULL);
  g_autofree char *text = g_strdup_printf ("#!/bin/sh\ntouch '%s'\nexit 1\n", marker);
  g_autofree char *helper = write_script (scratch, "marking-helper", text);
  g_autofree char *reason = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PfNetspace) netspace = NULL;

  g_setenv ("PACKETFLOW_NETNS_HELPER", helper, TRUE);

  netspace = pft_netspace_new_one (PF_NETSPACE_MODE_LOOPBACK, addresses, 1, &reason, &error);
  pf_test_assert_no_error (error);
  assert_int_equal (pf_netspace_get_mode (netspace), PF_NETSPACE_MODE_LOOPBACK);
  assert_null (reason);
  assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  g_clear_object (&netspace);

  netspace = pft_netspace_new_one (PF_NETSPACE_MODE_AUTO, addresses, 1, &reason, &error);
  pf_test_assert_no_error (error);
  assert_int_equal (pf_netspace_get_mode (netspace), PF_NETSPACE_MODE_LOOPBACK);
  assert_non_null (reason);
  assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_mode_strings),
    cmocka_unit_test (test_loopback_port_map),
    cmocka_unit_test (test_loopback_address_map),
    cmocka_unit_test (test_invalid_addresses),
    cmocka_unit_test (test_loopback_sockets),
    cmocka_unit_test (test_loopback_block_map),
    cmocka_unit_test (test_loopback_side_by_side),
    cmocka_unit_test (test_loopback_default_taken),
    cmocka_unit_test (test_exact_tcp),
    cmocka_unit_test (test_wire_implicit_handshake),
    cmocka_unit_test (test_wire_syn_held),
    cmocka_unit_test (test_wire_router),
    cmocka_unit_test (test_wire_ports),
    cmocka_unit_test (test_wire_offloads_off),
    cmocka_unit_test (test_exact_setup_time),
    cmocka_unit_test (test_exact_many_runs),
    cmocka_unit_test (test_exact_udp),
    cmocka_unit_test (test_exact_lost),
    cmocka_unit_test (test_exact_sockets_outlive_helper),
    cmocka_unit_test (test_exact_cleanup),
    cmocka_unit_test (test_helper_checks_requests),
    cmocka_unit_test (test_helper_checks_arguments),
    cmocka_unit_test (test_netspace_checks_hosts),
    cmocka_unit_test (test_helper_needs_control_socket),
    cmocka_unit_test_setup_teardown (test_fallback_helper_fails, setup_scratch, teardown_scratch),
    cmocka_unit_test_setup_teardown (test_fallback_helper_missing, setup_scratch, teardown_scratch),
    cmocka_unit_test_setup_teardown (test_fallback_namespaces_refused, setup_scratch, teardown_scratch),
    cmocka_unit_test_setup_teardown (test_loopback_never_tries_exact, setup_scratch, teardown_scratch),
  };
  const char *helper = g_getenv ("PACKETFLOW_NETNS_HELPER");

  real_helper = g_strdup (helper != NULL && helper[0] != '\0'
                          ? helper : PF_LIBEXECDIR "/packetflow-netns-helper");
  g_setenv ("PACKETFLOW_NETNS_HELPER", real_helper, TRUE);

  return cmocka_run_group_tests (tests, NULL, NULL);
}
