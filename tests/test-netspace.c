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
#include <linux/netlink.h>
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

  netspace = pf_netspace_new (PF_NETSPACE_MODE_EXACT, list, n, NULL, &error);
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

          netspace = pf_netspace_new (modes[m], addresses, 2, &reason, &error);
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

  /* No capture in loopback mode, and that is not an error. */
  capture = pf_netspace_open_capture (netspace, &error);
  assert_null (capture);
  pf_test_assert_no_error (error);

  connection_clear (&connection);
}

/* Runs side by side: loopback mode through pf_netspace_new (), as the
 * engine makes it, with the scenario's ports reserved. */
static PfNetspace *
new_loopback_run (const PfIpv4 *addresses,
                  guint         n_addresses)
{
  g_autoptr(GError) error = NULL;
  const guint16 ports[] = { 80 };
  PfNetspace *netspace;

  netspace = pf_netspace_new (PF_NETSPACE_MODE_LOOPBACK, addresses, n_addresses, NULL, &error);
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

typedef struct
{
  guint syn;
  guint syn_ack;
  guint hello;
} Segments;

/* Counts what the capture holds for @client → @server and back, reading
 * IPv4 and TCP headers by their offsets. */
static void
read_capture (GSocket          *capture,
              const PfEndpoint *client,
              const PfEndpoint *server,
              Segments         *segments)
{
  g_autofree guint8 *buf = g_malloc (65536);

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize len = pf_netspace_capture_receive (capture, buf, 65536, &error);
      PfEndpoint src, dst;
      const guint8 *tcp;
      guint ihl, doff, total;
      guint8 flags;

      if (len < 0)
        {
          assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK));
          return;
        }
      if (len < 40 || (buf[0] >> 4) != 4 || buf[9] != 6)
        continue;

      ihl = (buf[0] & 0x0f) * 4;
      total = (buf[2] << 8) | buf[3];
      tcp = buf + ihl;
      doff = (tcp[12] >> 4) * 4;
      flags = tcp[13];
      src.address = ((PfIpv4) buf[12] << 24) | (buf[13] << 16) | (buf[14] << 8) | buf[15];
      dst.address = ((PfIpv4) buf[16] << 24) | (buf[17] << 16) | (buf[18] << 8) | buf[19];
      src.port = (tcp[0] << 8) | tcp[1];
      dst.port = (tcp[2] << 8) | tcp[3];

      if (pf_endpoint_equal (&src, client) && pf_endpoint_equal (&dst, server))
        {
          if ((flags & 0x12) == 0x02)
            segments->syn++;
          if (total - ihl - doff == 5 && memcmp (tcp + doff, "hello", 5) == 0)
            segments->hello++;
        }
      else if (pf_endpoint_equal (&src, server) && pf_endpoint_equal (&dst, client) &&
               (flags & 0x12) == 0x12)
        segments->syn_ack++;
    }
}

static void
test_exact_tcp_and_capture (void **state)
{
  static const char * const hosts[] = { "192.203.196.71", "10.0.0.2", NULL };
  g_autoptr(PfNetspace) netspace = new_exact (hosts);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) capture = NULL;
  g_autoptr(GSocket) busy = NULL;
  PfEndpoint server = { pf_test_ip ("192.203.196.71"), 80 };
  Connection connection = { 0 };
  Segments segments = { 0 };

  assert_int_equal (pf_netspace_get_mode (netspace), PF_NETSPACE_MODE_EXACT);
  assert_string_equal (pf_netspace_get_description (netspace), "exact: private network namespace");
  assert_int_equal (pf_netspace_map_address (netspace, server.address), server.address);
  assert_int_equal (pf_netspace_map_port (netspace, 80), 80);

  capture = pf_netspace_open_capture (netspace, &error);
  pf_test_assert_no_error (error);
  assert_non_null (capture);

  exchange_hello (netspace, server.address, 80, pf_test_ip ("10.0.0.2"), &connection);

  /* The kernel's own names are the scenario's: no mapping at all. */
  {
    PfEndpoint real = local_endpoint (connection.listener);
    assert_true (pf_endpoint_equal (&real, &server));
    real = local_endpoint (connection.client);
    assert_int_equal (real.address, pf_test_ip ("10.0.0.2"));
  }

  /* Each segment once: lo shows it leaving and arriving, only the
   * leaving copy is kept. */
  read_capture (capture, &connection.client_endpoint, &server, &segments);
  assert_int_equal (segments.syn, 1);
  assert_int_equal (segments.syn_ack, 1);
  assert_int_equal (segments.hello, 1);

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

/* A burst the capture cannot hold: the kernel drops frames, and says how
 * many, once. */
static void
test_exact_capture_drops (void **state)
{
  static const char * const hosts[] = { "192.203.196.71", "10.0.0.2", NULL };
  g_autoptr(PfNetspace) netspace = new_exact (hosts);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) capture = NULL;
  g_autoptr(GSocket) server = NULL;
  g_autoptr(GSocket) client = NULL;
  g_autoptr(GSocketAddress) target = pf_test_socket_address (pf_test_ip ("192.203.196.71"), 53);
  char datagram[1000] = { 0 };
  guint drops;

  capture = pf_netspace_open_capture (netspace, &error);
  pf_test_assert_no_error (error);
  server = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_DATAGRAM,
                                      pf_test_ip ("192.203.196.71"), 53, &error);
  pf_test_assert_no_error (error);
  client = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_DATAGRAM,
                                      pf_test_ip ("10.0.0.2"), 0, &error);
  pf_test_assert_no_error (error);
  assert_int_equal (pf_netspace_capture_take_drops (capture), 0);

  /* Room for a few frames only, and 200 of them, none read. */
  g_socket_set_option (capture, SOL_SOCKET, SO_RCVBUF, 4096, &error);
  pf_test_assert_no_error (error);
  for (guint i = 0; i < 200; i++)
    assert_int_equal (g_socket_send_to (client, target, datagram, sizeof datagram, NULL, NULL),
                      sizeof datagram);

  drops = pf_netspace_capture_take_drops (capture);
  assert_true (drops > 100 && drops < 200);
  assert_int_equal (pf_netspace_capture_take_drops (capture), 0);
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
  sockets[2] = pf_netspace_open_capture (netspace, &error);
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
                guint32 type,
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

static void
test_helper_checks_requests (void **state)
{
  static const char * const args[] = { "192.203.196.71", NULL };
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

  /* Short, long, wrong magic, wrong version, reserved bits, unknown op.
   * Each reply also means the helper is done with the request before. */
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
  request.version = PF_NETNS_VERSION + 1;
  assert_refused (&run, &request, sizeof request, EPROTO);
  request = socket_request (4, PF_NETNS_SOCKET_STREAM, pf_test_ip ("192.203.196.71"), 80);
  request.reserved = 1;
  assert_refused (&run, &request, sizeof request, EPROTO);
  request = socket_request (5, PF_NETNS_SOCKET_STREAM, pf_test_ip ("192.203.196.71"), 80);
  request.op = 99;
  assert_refused (&run, &request, sizeof request, EPROTO);

  /* Only its own addresses, only TCP and UDP, capture and the table of
   * sockets take no fields. */
  request = socket_request (6, PF_NETNS_SOCKET_STREAM, pf_test_ip ("10.9.9.9"), 80);
  assert_refused (&run, &request, sizeof request, EADDRNOTAVAIL);
  request = socket_request (7, 3, pf_test_ip ("192.203.196.71"), 80);
  assert_refused (&run, &request, sizeof request, EINVAL);
  request = socket_request (8, PF_NETNS_SOCKET_STREAM, pf_test_ip ("192.203.196.71"), 0);
  request.op = PF_NETNS_OP_CAPTURE;
  assert_refused (&run, &request, sizeof request, EPROTO);
  request = socket_request (9, 0, pf_test_ip ("192.203.196.71"), 0);
  request.op = PF_NETNS_OP_SOCK_DIAG;
  assert_refused (&run, &request, sizeof request, EPROTO);

  /* The table of sockets comes as a NETLINK_SOCK_DIAG socket. */
  {
    int domain = 0;
    int protocol = 0;
    socklen_t len = sizeof domain;

    request = socket_request (10, 0, 0, 0);
    request.op = PF_NETNS_OP_SOCK_DIAG;
    helper_send (&run, &request, sizeof request, -1);
    reply = helper_receive (&run, &fd);
    assert_int_equal (reply.status, PF_NETNS_STATUS_OK);
    assert_int_equal (reply.serial, 10);
    assert_true (fd >= 0);
    assert_int_equal (getsockopt (fd, SOL_SOCKET, SO_DOMAIN, &domain, &len), 0);
    len = sizeof protocol;
    assert_int_equal (getsockopt (fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len), 0);
    assert_int_equal (domain, AF_NETLINK);
    assert_int_equal (protocol, NETLINK_SOCK_DIAG);
    close (fd);
  }

  /* It keeps nothing it handed out or was handed: only stdin, stdout,
   * stderr and the control socket are open. The helper closes a sent
   * descriptor just after sendmsg (), so give it a moment. */
  {
    g_autofree char *path = g_strdup_printf ("/proc/%s/fd",
                                             g_subprocess_get_identifier (run.helper));
    gint64 deadline = g_get_monotonic_time () + G_USEC_PER_SEC;
    guint open_fds;

    do
      {
        g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
        const char *name;

        assert_non_null (dir);
        open_fds = 0;
        while ((name = g_dir_read_name (dir)) != NULL)
          {
            guint64 fd_number = 99;

            if (g_ascii_string_to_unsigned (name, 10, 0, 31, &fd_number, NULL))
              open_fds |= 1u << fd_number;
            else
              open_fds |= 1u << 31;
          }
        if (open_fds != 0xf)
          g_usleep (1000);
      }
    while (open_fds != 0xf && g_get_monotonic_time () < deadline);

    assert_int_equal (open_fds, 0xf);
  }

  /* End of file: exit status 0. */
  assert_int_equal (helper_finish (&run), 0);
}

static void
test_helper_checks_arguments (void **state)
{
  static const char * const bad[][2] = {
    { "999.1.1.1", NULL }, { "0.0.0.0", NULL }, { "224.0.0.1", NULL }, { "--help", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      HelperRun run;
      PfNetnsReply reply;
      int fd;

      helper_start (&run, bad[i]);
      reply = helper_receive (&run, &fd);
      assert_int_equal (fd, -1);
      assert_int_equal (reply.status, PF_NETNS_STATUS_ERROR);
      assert_int_equal (reply.stage, PF_NETNS_STAGE_ARGUMENTS);
      assert_int_equal (reply.error_number, EINVAL);
      assert_int_equal (helper_finish (&run), 1);
    }
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

  netspace = pf_netspace_new (PF_NETSPACE_MODE_AUTO, addresses, 2, &reason, &error);
  pf_test_assert_no_error (error);
  assert_non_null (netspace);
  assert_true (PF_IS_NETSPACE_LOOPBACK (netspace));
  assert_int_equal (pf_netspace_get_mode (netspace), PF_NETSPACE_MODE_LOOPBACK);
  assert_non_null (reason);
  assert_string_equal (reason, expected_reason);
  assert_true (g_str_has_suffix (reason, FALLBACK_TAIL));
  g_clear_object (&netspace);

  netspace = pf_netspace_new (PF_NETSPACE_MODE_EXACT, addresses, 2, NULL, &error);
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

  netspace = pf_netspace_new (PF_NETSPACE_MODE_LOOPBACK, addresses, 1, &reason, &error);
  pf_test_assert_no_error (error);
  assert_int_equal (pf_netspace_get_mode (netspace), PF_NETSPACE_MODE_LOOPBACK);
  assert_null (reason);
  assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  g_clear_object (&netspace);

  netspace = pf_netspace_new (PF_NETSPACE_MODE_AUTO, addresses, 1, &reason, &error);
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
    cmocka_unit_test (test_exact_tcp_and_capture),
    cmocka_unit_test (test_exact_capture_drops),
    cmocka_unit_test (test_exact_udp),
    cmocka_unit_test (test_exact_lost),
    cmocka_unit_test (test_exact_sockets_outlive_helper),
    cmocka_unit_test (test_exact_cleanup),
    cmocka_unit_test (test_helper_checks_requests),
    cmocka_unit_test (test_helper_checks_arguments),
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
