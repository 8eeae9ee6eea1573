/* test-sock-diag.c: the kernel's table of TCP sockets, in both modes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A connection is opened, half-closed from each side and closed, and at
 * every step the kernel's table must say what `ss -tan` would. The exact
 * mode tests need user namespaces and find packetflow-netns-helper
 * through PACKETFLOW_NETNS_HELPER, as test-netspace does.
 */

#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pf-test-util.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include "pf-netspace.h"
#include "pf-sock-diag.h"
#include "pf-test-netspace.h"

/* An inet_diag dump request, as pf_sock_diag_dump_tcp () sends it. */
typedef struct
{
  struct nlmsghdr         header;
  struct inet_diag_req_v2 body;
} Request;

/* local → remote, as the kernel names them; remote 0.0.0.0:0 if none. */
static PfFourTuple
tuple_of (GSocket *socket)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, &error);
  g_autoptr(GSocketAddress) remote = NULL;
  PfFourTuple tuple = { 0 };

  pf_test_assert_no_error (error);
  tuple.src = pf_test_endpoint_of (local);
  remote = g_socket_get_remote_address (socket, NULL);
  if (remote != NULL)
    tuple.dst = pf_test_endpoint_of (remote);
  return tuple;
}

static guint32
inode_of (GSocket *socket)
{
  struct stat st;

  assert_int_equal (fstat (g_socket_get_fd (socket), &st), 0);
  return (guint32) st.st_ino;
}

static GArray *
dump (GSocket *diag)
{
  g_autoptr(GError) error = NULL;
  GArray *entries = pf_sock_diag_dump_tcp (diag, &error);

  pf_test_assert_no_error (error);
  assert_non_null (entries);
  return entries;
}

/* The entry whose tuple is exactly @tuple, or NULL; there is never more
 * than one. */
static const PfSockDiagEntry *
find (GArray            *entries,
      const PfFourTuple *tuple)
{
  const PfSockDiagEntry *found = NULL;

  for (guint i = 0; i < entries->len; i++)
    {
      const PfSockDiagEntry *entry = &g_array_index (entries, PfSockDiagEntry, i);

      if (pf_four_tuple_equal (&entry->tuple, tuple))
        {
          assert_null (found);
          found = entry;
        }
    }

  return found;
}

/* The entry for @tuple, which must be there. */
static PfSockDiagEntry
get (GArray            *entries,
     const PfFourTuple *tuple)
{
  const PfSockDiagEntry *entry = find (entries, tuple);
  g_autofree char *text = NULL;

  if (entry != NULL)
    return *entry;

  text = pf_four_tuple_to_string (tuple);
  fail_msg ("%s is not in the kernel's table", text);
  return (PfSockDiagEntry) { 0 };
}

static guint8
state_of (GArray            *entries,
          const PfFourTuple *tuple)
{
  return get (entries, tuple).state;
}

static void
assert_state (GArray            *entries,
              const PfFourTuple *tuple,
              guint8             state,
              guint32            inode)
{
  PfSockDiagEntry entry = get (entries, tuple);

  assert_int_equal (entry.state, state);
  assert_int_equal (entry.inode, inode);
}

static gboolean
has_local (GArray           *entries,
           const PfEndpoint *local)
{
  for (guint i = 0; i < entries->len; i++)
    if (pf_endpoint_equal (&g_array_index (entries, PfSockDiagEntry, i).tuple.src, local))
      return TRUE;
  return FALSE;
}

/* A listener on 127.0.0.1 in the test's own network namespace. */
static GSocket *
host_listener (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) any = pf_test_socket_address (pf_test_ip ("127.0.0.1"), 0);
  g_autoptr(GSocket) socket = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, &error);
  pf_test_assert_no_error (error);
  assert_true (g_socket_bind (socket, any, FALSE, &error));
  assert_true (g_socket_listen (socket, &error));
  pf_test_assert_no_error (error);
  return g_steal_pointer (&socket);
}

typedef struct
{
  GSocket    *listener;
  GSocket    *client;
  GSocket    *accepted;
  PfFourTuple listening;  /* the listener's: local → 0.0.0.0:0 */
  PfFourTuple outbound;   /* the client's: client → server */
} Connection;

static void
connection_clear (Connection *connection)
{
  g_clear_object (&connection->listener);
  g_clear_object (&connection->client);
  g_clear_object (&connection->accepted);
}

static void
receive_eof (GSocket *socket)
{
  g_autoptr(GError) error = NULL;
  char byte;

  assert_int_equal (g_socket_receive (socket, &byte, 1, NULL, &error), 0);
  pf_test_assert_no_error (error);
}

/* Dumps until the accepted end has left the table, or is CLOSE there (a
 * socket still bound to its port), for at most two seconds: the
 * client's last ACK may still be on its way. */
static void
assert_server_closes (GSocket           *diag,
                      const PfFourTuple *inbound)
{
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(GArray) entries = dump (diag);
      const PfSockDiagEntry *entry = find (entries, inbound);

      if (entry == NULL || entry->state == TCP_CLOSE)
        return;
      assert_int_equal (entry->state, TCP_LAST_ACK);
      g_usleep (10 * 1000);
    }

  fail_msg ("the server's end stayed in LAST_ACK");
}

/* Listen, connect, half-close from the client, then from the server,
 * close the client: at each step the table tells the states of `ss`. */
static void
check_connection (PfNetspace *netspace,
                  GSocket    *diag,
                  PfIpv4      server,
                  guint16     port,
                  PfIpv4      client,
                  Connection *connection)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) target = NULL;
  g_autoptr(GArray) entries = NULL;
  PfFourTuple inbound;
  PfFourTuple accepted;
  guint32 client_inode;
  guint32 accepted_inode;

  connection->listener = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM,
                                                    server, port, &error);
  pf_test_assert_no_error (error);
  assert_true (g_socket_listen (connection->listener, &error));
  pf_test_assert_no_error (error);
  pf_test_make_blocking (connection->listener);
  connection->listening = tuple_of (connection->listener);
  assert_int_equal (connection->listening.src.address, pf_netspace_map_address (netspace, server));
  assert_int_equal (connection->listening.src.port, pf_netspace_map_port (netspace, port));

  entries = dump (diag);
  assert_state (entries, &connection->listening, TCP_LISTEN, inode_of (connection->listener));
  g_clear_pointer (&entries, g_array_unref);

  connection->client = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM,
                                                  client, 0, &error);
  pf_test_assert_no_error (error);
  pf_test_make_blocking (connection->client);
  target = pf_test_socket_address (connection->listening.src.address,
                                   connection->listening.src.port);
  assert_true (g_socket_connect (connection->client, target, NULL, &error));
  pf_test_assert_no_error (error);
  connection->accepted = g_socket_accept (connection->listener, NULL, &error);
  pf_test_assert_no_error (error);
  pf_test_make_blocking (connection->accepted);
  client_inode = inode_of (connection->client);
  accepted_inode = inode_of (connection->accepted);

  /* Both ends ESTABLISHED, each under its own name for the connection. */
  connection->outbound = tuple_of (connection->client);
  inbound = pf_four_tuple_reversed (&connection->outbound);
  accepted = tuple_of (connection->accepted);
  assert_true (pf_four_tuple_equal (&accepted, &inbound));

  entries = dump (diag);
  assert_state (entries, &connection->listening, TCP_LISTEN, inode_of (connection->listener));
  assert_state (entries, &connection->outbound, TCP_ESTABLISHED, client_inode);
  assert_state (entries, &inbound, TCP_ESTABLISHED, accepted_inode);
  g_clear_pointer (&entries, g_array_unref);

  /* The client closes first: its FIN reaches the server, which reads
   * end of file and is left in CLOSE_WAIT. */
  assert_true (g_socket_shutdown (connection->client, FALSE, TRUE, &error));
  pf_test_assert_no_error (error);
  receive_eof (connection->accepted);

  entries = dump (diag);
  assert_state (entries, &inbound, TCP_CLOSE_WAIT, accepted_inode);
  {
    guint8 client_state = state_of (entries, &connection->outbound);

    assert_true (client_state == TCP_FIN_WAIT1 || client_state == TCP_FIN_WAIT2);
  }
  g_clear_pointer (&entries, g_array_unref);

  /* Then the server: the client, first to close, waits in TIME_WAIT, a
   * socket of the kernel's own that no descriptor has (inode 0). */
  assert_true (g_socket_shutdown (connection->accepted, FALSE, TRUE, &error));
  pf_test_assert_no_error (error);
  receive_eof (connection->client);

  entries = dump (diag);
  assert_state (entries, &connection->outbound, TCP_TIME_WAIT, 0);
  g_clear_pointer (&entries, g_array_unref);

  /* It stays there after the client's descriptor is closed. */
  assert_true (g_socket_close (connection->client, &error));
  pf_test_assert_no_error (error);
  g_clear_object (&connection->client);

  entries = dump (diag);
  assert_state (entries, &connection->outbound, TCP_TIME_WAIT, 0);
  assert_state (entries, &connection->listening, TCP_LISTEN, inode_of (connection->listener));
  g_clear_pointer (&entries, g_array_unref);

  assert_server_closes (diag, &inbound);
}

/* Exact mode: the private network's table, and nothing else */

static void
test_exact_states (void **state)
{
  PfIpv4 addresses[] = { pf_test_ip ("192.203.196.71"), pf_test_ip ("10.0.0.2") };
  g_autoptr(PfNetspace) netspace = NULL;
  g_autoptr(GSocket) diag = NULL;
  g_autoptr(GSocket) host = host_listener ();
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  PfFourTuple host_listening = tuple_of (host);
  Connection connection = { 0 };

  netspace = pft_netspace_new_one (PF_NETSPACE_MODE_EXACT, addresses, 2, NULL, &error);
  pf_test_assert_no_error (error);
  diag = pf_netspace_open_diag (netspace, 0, &error);
  pf_test_assert_no_error (error);
  assert_non_null (diag);

  /* A fresh namespace has no TCP socket at all. */
  entries = dump (diag);
  assert_int_equal (entries->len, 0);
  g_clear_pointer (&entries, g_array_unref);

  check_connection (netspace, diag, addresses[0], 80, addresses[1], &connection);

  /* The scenario's addresses as they are, and only the namespace's
   * sockets: not the listener on 127.0.0.1 out here. */
  assert_int_equal (connection.listening.src.address, addresses[0]);
  assert_int_equal (connection.listening.src.port, 80);
  assert_int_equal (connection.outbound.src.address, addresses[1]);
  entries = dump (diag);
  assert_false (has_local (entries, &host_listening.src));
  for (guint i = 0; i < entries->len; i++)
    {
      PfIpv4 local = g_array_index (entries, PfSockDiagEntry, i).tuple.src.address;

      assert_true (local == addresses[0] || local == addresses[1]);
    }

  connection_clear (&connection);
}

/* Right after connecting, exactly the three sockets of the connection. */
static void
test_exact_only_namespace (void **state)
{
  PfIpv4 addresses[] = { pf_test_ip ("192.203.196.71"), pf_test_ip ("10.0.0.2") };
  g_autoptr(PfNetspace) netspace = NULL;
  g_autoptr(GSocket) host = host_listener ();
  g_autoptr(GSocket) diag = NULL;
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GSocket) client = NULL;
  g_autoptr(GSocket) accepted = NULL;
  g_autoptr(GSocketAddress) target = pf_test_socket_address (addresses[0], 25);
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GError) error = NULL;

  netspace = pft_netspace_new_one (PF_NETSPACE_MODE_EXACT, addresses, 2, NULL, &error);
  pf_test_assert_no_error (error);
  diag = pf_netspace_open_diag (netspace, 0, &error);
  pf_test_assert_no_error (error);

  listener = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM, addresses[0], 25, &error);
  pf_test_assert_no_error (error);
  assert_true (g_socket_listen (listener, &error));
  client = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM, addresses[1], 0, &error);
  pf_test_assert_no_error (error);
  pf_test_make_blocking (client);
  pf_test_make_blocking (listener);
  assert_true (g_socket_connect (client, target, NULL, &error));
  pf_test_assert_no_error (error);
  accepted = g_socket_accept (listener, NULL, &error);
  pf_test_assert_no_error (error);

  entries = dump (diag);
  assert_int_equal (entries->len, 3);
  assert_non_null (find (entries, &(PfFourTuple) { { addresses[0], 25 }, { 0, 0 } }));
  {
    PfFourTuple outbound = tuple_of (client);
    PfFourTuple inbound = tuple_of (accepted);

    assert_state (entries, &outbound, TCP_ESTABLISHED, inode_of (client));
    assert_state (entries, &inbound, TCP_ESTABLISHED, inode_of (accepted));
  }
}

/* More sockets than one read of the dump holds: every one comes. */
static void
test_exact_many_parts (void **state)
{
  PfIpv4 addresses[] = { pf_test_ip ("192.203.196.71") };
  g_autoptr(PfNetspace) netspace = NULL;
  g_autoptr(GPtrArray) listeners = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GSocket) diag = NULL;
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  guint n = 300;  /* 88 bytes each: 26 KB, several parts of 8 KB */

  netspace = pft_netspace_new_one (PF_NETSPACE_MODE_EXACT, addresses, 1, NULL, &error);
  pf_test_assert_no_error (error);
  diag = pf_netspace_open_diag (netspace, 0, &error);
  pf_test_assert_no_error (error);

  for (guint i = 0; i < n; i++)
    {
      GSocket *listener = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM,
                                                     addresses[0], 2000 + i, &error);
      pf_test_assert_no_error (error);
      assert_true (g_socket_listen (listener, &error));
      g_ptr_array_add (listeners, listener);
    }

  /* A dump left half-read, as one that timed out leaves it: the kernel
   * will not start another on this socket until it is read to the end. */
  {
    Request request = {
      .header = {
        .nlmsg_len = sizeof request,
        .nlmsg_type = SOCK_DIAG_BY_FAMILY,
        .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
        .nlmsg_seq = 0xabcdef,
      },
      .body = { .sdiag_family = AF_INET, .sdiag_protocol = IPPROTO_TCP, .idiag_states = ~0u },
    };
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

    assert_int_equal (sendto (g_socket_get_fd (diag), &request, sizeof request, 0,
                              (struct sockaddr *) &kernel, sizeof kernel),
                      sizeof request);
  }

  /* Twice: the second dump must not see leftovers of the first. */
  for (guint round = 0; round < 2; round++)
    {
      entries = dump (diag);
      assert_int_equal (entries->len, n);
      for (guint i = 0; i < n; i++)
        {
          PfFourTuple listening = { { addresses[0], 2000 + i }, { 0, 0 } };

          assert_state (entries, &listening, TCP_LISTEN, inode_of (listeners->pdata[i]));
        }
      g_clear_pointer (&entries, g_array_unref);
    }
}

/* A table per host: each host's namespace has its own sockets only. */
static void
test_exact_table_per_host (void **state)
{
  PfIpv4 addresses[] = { pf_test_ip ("10.0.0.1"), pf_test_ip ("10.0.0.2") };
  g_autoptr(GArray) hosts = pft_hosts_implicit (addresses, 2);
  g_autoptr(PfNetspace) netspace = NULL;
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func (g_object_unref);
  GSocket *diag[2];
  GSocket *listener[2];
  g_autoptr(GSocket) none = NULL;
  g_autoptr(GError) error = NULL;

  netspace = pft_netspace_new_hosts (PF_NETSPACE_MODE_EXACT, hosts, &error);
  pf_test_assert_no_error (error);

  for (guint i = 0; i < 2; i++)
    {
      listener[i] = pf_netspace_create_socket (netspace, G_SOCKET_TYPE_STREAM, addresses[i],
                                               80 + i, &error);
      pf_test_assert_no_error (error);
      assert_true (g_socket_listen (listener[i], &error));
      diag[i] = pf_netspace_open_diag (netspace, i, &error);
      pf_test_assert_no_error (error);
      g_ptr_array_add (keep, listener[i]);
      g_ptr_array_add (keep, diag[i]);
    }

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GArray) entries = dump (diag[i]);
      PfFourTuple mine = { { addresses[i], 80 + i }, { 0, 0 } };

      assert_int_equal (entries->len, 1);
      assert_state (entries, &mine, TCP_LISTEN, inode_of (listener[i]));
    }

  none = pf_netspace_open_diag (netspace, 2, &error);
  assert_null (none);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
  assert_string_equal (error->message, "There is no host 3: the scenario has 2.");
}

/* Loopback mode: this computer's table, where the engine picks its own */

static void
test_loopback_states (void **state)
{
  PfIpv4 addresses[] = { pf_test_ip ("198.18.7.10"), pf_test_ip ("198.18.7.20") };
  g_autoptr(PfNetspace) netspace = NULL;
  g_autoptr(GSocket) diag = NULL;
  g_autoptr(GSocket) own = NULL;
  g_autoptr(GSocket) host = host_listener ();
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  PfFourTuple host_listening = tuple_of (host);
  Connection connection = { 0 };

  netspace = pft_netspace_new_one (PF_NETSPACE_MODE_LOOPBACK, addresses, 2, NULL, &error);
  pf_test_assert_no_error (error);
  diag = pf_netspace_open_diag (netspace, 0, &error);
  pf_test_assert_no_error (error);
  assert_non_null (diag);

  check_connection (netspace, diag, addresses[0], 80, addresses[1], &connection);

  /* The kernel's names are the mapped ones. */
  assert_int_equal (connection.listening.src.address, pf_test_ip ("127.18.7.10"));
  assert_int_equal (connection.listening.src.port, 8080);
  assert_int_equal (connection.outbound.src.address, pf_test_ip ("127.18.7.20"));

  /* The same table as this process's own: the listener out here is in
   * it, as is everything else on this computer. */
  entries = dump (diag);
  assert_state (entries, &host_listening, TCP_LISTEN, inode_of (host));
  g_clear_pointer (&entries, g_array_unref);

  own = pf_sock_diag_open (&error);
  pf_test_assert_no_error (error);
  entries = dump (own);
  assert_state (entries, &host_listening, TCP_LISTEN, inode_of (host));
  assert_state (entries, &connection.outbound, TCP_TIME_WAIT, 0);

  connection_clear (&connection);
}

static guint8
lookup (GSocket           *diag,
        const PfFourTuple *tuple)
{
  g_autoptr(GError) error = NULL;
  guint8 state = 0xff;

  assert_true (pf_sock_diag_lookup_tcp (diag, tuple, &state, &error));
  pf_test_assert_no_error (error);
  return state;
}

/* One socket by its four values: what a dump says of it, TIME_WAIT
 * included, and nothing for four values no connection has, not even
 * the listener the kernel finds on the same local address and port. */
static void
test_lookup (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) diag = pf_sock_diag_open (&error);
  g_autoptr(GSocket) listener = host_listener ();
  g_autoptr(GSocket) client = NULL;
  g_autoptr(GSocket) accepted = NULL;
  g_autoptr(GSocketAddress) target = g_socket_get_local_address (listener, &error);
  g_autoptr(GArray) entries = NULL;
  PfFourTuple listening = tuple_of (listener);
  PfFourTuple outbound, inbound, stranger;

  pf_test_assert_no_error (error);
  client = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  pf_test_assert_no_error (error);
  pf_test_make_blocking (client);
  assert_true (g_socket_connect (client, target, NULL, &error));
  accepted = g_socket_accept (listener, NULL, &error);
  pf_test_assert_no_error (error);
  pf_test_make_blocking (accepted);
  outbound = tuple_of (client);
  inbound = tuple_of (accepted);

  assert_int_equal (lookup (diag, &listening), TCP_LISTEN);
  assert_int_equal (lookup (diag, &outbound), TCP_ESTABLISHED);
  assert_int_equal (lookup (diag, &inbound), TCP_ESTABLISHED);

  stranger = inbound;
  stranger.dst.port = inbound.dst.port == 65535 ? 65534 : inbound.dst.port + 1;
  assert_int_equal (lookup (diag, &stranger), 0);

  /* The client closes first and waits in TIME_WAIT, with no descriptor. */
  assert_true (g_socket_shutdown (client, FALSE, TRUE, &error));
  receive_eof (accepted);
  assert_int_equal (lookup (diag, &inbound), TCP_CLOSE_WAIT);
  assert_true (g_socket_close (accepted, &error));
  receive_eof (client);
  assert_true (g_socket_close (client, &error));
  pf_test_assert_no_error (error);
  assert_int_equal (lookup (diag, &outbound), TCP_TIME_WAIT);
  entries = dump (diag);
  assert_int_equal (state_of (entries, &outbound), TCP_TIME_WAIT);
}

/* Reads the request from the other end of the pair and answers it the
 * way the kernel would end a dump, but from a process, not the kernel. */
static gpointer
impostor_thread (gpointer user_data)
{
  int fd = GPOINTER_TO_INT (user_data);
  struct pollfd pfd = { .fd = fd, .events = POLLIN };
  Request request;
  struct {
    struct nlmsghdr header;
    int status;
  } done = { 0 };

  if (poll (&pfd, 1, 5000) != 1 ||
      recv (fd, &request, sizeof request, 0) != sizeof request)
    return GINT_TO_POINTER (FALSE);

  done.header.nlmsg_len = sizeof done;
  done.header.nlmsg_type = NLMSG_DONE;
  done.header.nlmsg_flags = NLM_F_MULTI;
  done.header.nlmsg_seq = request.header.nlmsg_seq;
  return GINT_TO_POINTER (send (fd, &done, sizeof done, 0) == sizeof done);
}

/* A peer that never answers: an error after about a second, no hang. The
 * request it got is an inet_diag dump of IPv4 TCP in every state. */
static void
test_dump_times_out (void **state)
{
  g_autoptr(GSocket) diag = NULL;
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  GThread *impostor;
  Request request;
  gint64 start;
  gint64 elapsed;
  int fds[2];

  assert_int_equal (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0);
  diag = g_socket_new_from_fd (fds[0], &error);
  pf_test_assert_no_error (error);

  start = g_get_monotonic_time ();
  entries = pf_sock_diag_dump_tcp (diag, &error);
  elapsed = g_get_monotonic_time () - start;
  assert_null (entries);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));
  assert_string_equal (error->message, "The kernel's table of sockets could not be read: "
                                       "no answer came within a second.");
  assert_true (elapsed >= 900 * 1000 && elapsed < 2500 * 1000);

  assert_int_equal (recv (fds[1], &request, sizeof request, MSG_DONTWAIT), sizeof request);
  assert_int_equal (request.header.nlmsg_len, sizeof request);
  assert_int_equal (request.header.nlmsg_type, SOCK_DIAG_BY_FAMILY);
  assert_int_equal (request.header.nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
  assert_int_equal (request.body.sdiag_family, AF_INET);
  assert_int_equal (request.body.sdiag_protocol, IPPROTO_TCP);
  assert_int_equal (request.body.idiag_ext, 0);
  assert_int_equal (request.body.idiag_states, ~0u);

  /* An answer from anyone but the kernel is no answer. */
  g_clear_error (&error);
  impostor = g_thread_new ("impostor", impostor_thread, GINT_TO_POINTER (fds[1]));
  entries = pf_sock_diag_dump_tcp (diag, &error);
  assert_true (GPOINTER_TO_INT (g_thread_join (impostor)));
  assert_null (entries);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT));

  close (fds[1]);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_exact_states),
    cmocka_unit_test (test_exact_only_namespace),
    cmocka_unit_test (test_exact_many_parts),
    cmocka_unit_test (test_exact_table_per_host),
    cmocka_unit_test (test_loopback_states),
    cmocka_unit_test (test_lookup),
    cmocka_unit_test (test_dump_times_out),
  };

  if (g_getenv ("PACKETFLOW_NETNS_HELPER") == NULL)
    g_setenv ("PACKETFLOW_NETNS_HELPER", PF_LIBEXECDIR "/packetflow-netns-helper", TRUE);

  return cmocka_run_group_tests (tests, NULL, NULL);
}
