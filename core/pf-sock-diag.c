/* pf-sock-diag.c: the kernel's table of TCP sockets, as `ss -tan` reads it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One dump: an inet_diag_req_v2 for IPv4 TCP in every state goes to the
 * kernel, which answers with SOCK_DIAG_BY_FAMILY messages, one per
 * socket, over as many reads as it needs, and NLMSG_DONE at the end (or
 * NLMSG_ERROR instead). The engine asks from the main loop, so nothing
 * here waits longer than a second.
 */

#define G_LOG_DOMAIN "pf-sock-diag"

#include "config.h"

#include "pf-sock-diag.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>

#define DUMP_TIMEOUT_MS 1000
/* The kernel never makes a dump part bigger than 32 KiB. */
#define PART_SIZE       32768

typedef enum
{
  PART_MORE,  /* read on */
  PART_DONE,  /* NLMSG_DONE: every socket is in */
  PART_FAILED,
} PartResult;

/* Every dump has its own sequence number, so the rest of a dump that was
 * abandoned (timed out) is never mistaken for the answer to this one. */
static gint last_sequence;

static void
set_read_error (GError **error,
                int      errsv)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
               _("The kernel's table of sockets could not be read (%s)."),
               g_strerror (errsv));
}

static void
set_garbled_error (GError **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               _("The kernel's table of sockets could not be read: its answer was cut short."));
}

/* Reads and drops whatever is waiting: the rest of an abandoned dump.
 * Each read lets the kernel add the next part, so this ends with it;
 * the deadline is only a guard. */
static void
drain (int     fd,
       guint8 *buf,
       gint64  deadline)
{
  while (g_get_monotonic_time () < deadline)
    {
      gssize len = recv (fd, buf, PART_SIZE, MSG_DONTWAIT);

      if (len == 0 || (len < 0 && errno != EINTR && errno != ENOBUFS))
        return;
    }
}

/* A dump of the whole table, or with @tuple (local → remote, host order)
 * a lookup of the one socket that has it. */
static gboolean
send_request (int                fd,
              guint32            sequence,
              const PfFourTuple *tuple,
              GError           **error)
{
  struct {
    struct nlmsghdr header;
    struct inet_diag_req_v2 body;
  } request = {
    .header = {
      .nlmsg_len = sizeof request,
      .nlmsg_type = SOCK_DIAG_BY_FAMILY,
      .nlmsg_flags = NLM_F_REQUEST | (tuple == NULL ? NLM_F_DUMP : 0),
      .nlmsg_seq = sequence,
    },
    .body = {
      .sdiag_family = AF_INET,
      .sdiag_protocol = IPPROTO_TCP,
      .idiag_states = ~0u,
      .id.idiag_cookie = { INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE },
    },
  };
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  gssize sent;

  if (tuple != NULL)
    {
      request.body.id.idiag_src[0] = g_htonl (tuple->src.address);
      request.body.id.idiag_sport = g_htons (tuple->src.port);
      request.body.id.idiag_dst[0] = g_htonl (tuple->dst.address);
      request.body.id.idiag_dport = g_htons (tuple->dst.port);
    }

  do
    sent = sendto (fd, &request, sizeof request, MSG_NOSIGNAL,
                   (struct sockaddr *) &kernel, sizeof kernel);
  while (sent < 0 && errno == EINTR);

  if (sent < 0)
    {
      set_read_error (error, errno);
      return FALSE;
    }

  return TRUE;
}

static PartResult
parse_part (const guint8  *buf,
            gsize          len,
            guint32        sequence,
            GArray        *entries,
            GError       **error)
{
  const struct nlmsghdr *header = (const struct nlmsghdr *) (gconstpointer) buf;
  int remaining = (int) len;

  for (; NLMSG_OK (header, remaining); header = NLMSG_NEXT (header, remaining))
    {
      if (header->nlmsg_seq != sequence)
        continue;

      if (header->nlmsg_type == NLMSG_DONE)
        {
          int status = 0;

          /* A dump that failed half-way says why here. */
          if (header->nlmsg_len >= NLMSG_LENGTH (sizeof status))
            memcpy (&status, NLMSG_DATA (header), sizeof status);
          if (status < 0)
            {
              set_read_error (error, -status);
              return PART_FAILED;
            }
          return PART_DONE;
        }

      if (header->nlmsg_type == NLMSG_ERROR)
        {
          const struct nlmsgerr *answer = NLMSG_DATA (header);

          if (header->nlmsg_len < NLMSG_LENGTH (sizeof *answer))
            break;
          if (answer->error == 0)  /* an acknowledgement */
            continue;
          set_read_error (error, -answer->error);
          return PART_FAILED;
        }

      if (header->nlmsg_type == SOCK_DIAG_BY_FAMILY)
        {
          const struct inet_diag_msg *msg = NLMSG_DATA (header);
          PfSockDiagEntry entry;

          if (header->nlmsg_len < NLMSG_LENGTH (sizeof *msg))
            break;
          if (msg->idiag_family != AF_INET)
            continue;

          entry.tuple = pf_four_tuple_init (g_ntohl (msg->id.idiag_src[0]),
                                            g_ntohs (msg->id.idiag_sport),
                                            g_ntohl (msg->id.idiag_dst[0]),
                                            g_ntohs (msg->id.idiag_dport));
          entry.state = msg->idiag_state;
          entry.inode = msg->idiag_inode;
          g_array_append_val (entries, entry);
        }
    }

  if (remaining != 0)
    {
      set_garbled_error (error);
      return PART_FAILED;
    }

  return PART_MORE;
}

/* Reads one part within @deadline; its length, or -1 with @error set. */
static gssize
receive_part (int       fd,
              guint8   *buf,
              gsize     size,
              gint64    deadline,
              GError  **error)
{
  for (;;)
    {
      gint64 remaining_ms = (deadline - g_get_monotonic_time ()) / 1000;
      struct pollfd pfd = { .fd = fd, .events = POLLIN };
      struct sockaddr_nl from;
      struct iovec iov = { .iov_base = buf, .iov_len = size };
      struct msghdr msg = {
        .msg_name = &from,
        .msg_namelen = sizeof from,
        .msg_iov = &iov,
        .msg_iovlen = 1,
      };
      gssize len;
      int ready;

      ready = remaining_ms > 0 ? poll (&pfd, 1, (int) remaining_ms) : 0;
      if (ready == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       _("The kernel's table of sockets could not be read: "
                         "no answer came within a second."));
          return -1;
        }
      if (ready < 0 && errno == EINTR)
        continue;
      if (ready < 0)
        {
          set_read_error (error, errno);
          return -1;
        }

      memset (&from, 0, sizeof from);
      len = recvmsg (fd, &msg, MSG_DONTWAIT);
      if (len < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (len < 0)
        {
          set_read_error (error, errno);
          return -1;
        }
      if (len == 0 || (msg.msg_flags & MSG_TRUNC) != 0)
        {
          set_garbled_error (error);
          return -1;
        }

      /* Only the kernel speaks here. */
      if (msg.msg_namelen < sizeof from || from.nl_family != AF_NETLINK || from.nl_pid != 0)
        continue;

      return len;
    }
}

/**
 * pf_sock_diag_open:
 *
 * Opens a NETLINK_SOCK_DIAG socket in the network namespace this process
 * is in (loopback mode; exact mode has pf_netspace_open_diag ()).
 *
 * Returns: (transfer full): the socket, or %NULL with a G_IO_ERROR
 */
GSocket *
pf_sock_diag_open (GError **error)
{
  g_autoptr(GError) local_error = NULL;
  GSocket *diag;
  int fd;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_SOCK_DIAG);
  if (fd < 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("The kernel's table of sockets could not be opened (%s)."),
                   g_strerror (errsv));
      return NULL;
    }

  /* Takes @fd, even on failure. */
  diag = g_socket_new_from_fd (fd, &local_error);
  if (diag == NULL)
    {
      g_set_error (error, G_IO_ERROR, local_error->code,
                   _("The kernel's table of sockets could not be opened (%s)."),
                   local_error->message);
      return NULL;
    }

  g_socket_set_blocking (diag, FALSE);
  return diag;
}

/**
 * pf_sock_diag_dump_tcp:
 * @diag: a NETLINK_SOCK_DIAG socket, from pf_sock_diag_open () or
 *   pf_netspace_open_diag ()
 *
 * Lists every IPv4 TCP socket of @diag's network namespace, in every
 * state, TIME_WAIT included. Takes at most about a second: the kernel
 * answers at once, and a dump that has not ended by then fails with
 * %G_IO_ERROR_TIMED_OUT (the next dump reads past what is left of it).
 *
 * Since Linux 6.6 the table also has sockets that are bound but neither
 * listening nor connected, as CLOSE (7) with a remote of 0.0.0.0:0.
 *
 * Returns: (transfer full) (element-type PfSockDiagEntry): the sockets
 *   in the kernel's order, or %NULL with a G_IO_ERROR
 */
GArray *
pf_sock_diag_dump_tcp (GSocket  *diag,
                       GError  **error)
{
  g_autoptr(GArray) entries = NULL;
  g_autofree guint8 *buf = NULL;
  gint64 deadline;
  guint32 sequence;
  PartResult result = PART_MORE;
  int fd;

  g_return_val_if_fail (G_IS_SOCKET (diag), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  fd = g_socket_get_fd (diag);
  buf = g_malloc (PART_SIZE);
  entries = g_array_new (FALSE, TRUE, sizeof (PfSockDiagEntry));
  sequence = (guint32) g_atomic_int_add (&last_sequence, 1) + 1;
  deadline = g_get_monotonic_time () + DUMP_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  drain (fd, buf, deadline);
  if (!send_request (fd, sequence, NULL, error))
    return NULL;

  while (result == PART_MORE)
    {
      gssize len = receive_part (fd, buf, PART_SIZE, deadline, error);

      if (len < 0)
        return NULL;
      result = parse_part (buf, len, sequence, entries, error);
    }

  if (result == PART_FAILED)
    return NULL;

  g_debug ("%u TCP sockets in the kernel's table", entries->len);
  return g_steal_pointer (&entries);
}

/**
 * pf_sock_diag_lookup_tcp:
 * @diag: a NETLINK_SOCK_DIAG socket, from pf_sock_diag_open () or
 *   pf_netspace_open_diag ()
 * @tuple: local → remote, host order; a listener's remote is 0.0.0.0:0
 * @out_state: (out): the kernel's TCP state number, or 0 when the kernel
 *   has no socket with @tuple
 *
 * Looks up one socket. Where a dump walks every bucket of the kernel's
 * hash of connections, which is sized for the whole machine and shared by
 * every namespace (~100 µs, however few sockets there are), a lookup
 * costs one hash probe. It finds TIME_WAIT sockets too.
 *
 * Returns: %TRUE with @out_state set, or %FALSE with a G_IO_ERROR
 */
gboolean
pf_sock_diag_lookup_tcp (GSocket            *diag,
                         const PfFourTuple  *tuple,
                         guint8             *out_state,
                         GError            **error)
{
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GError) local_error = NULL;
  guint8 buf[PART_SIZE];
  gint64 deadline;
  guint32 sequence;
  int fd;

  g_return_val_if_fail (G_IS_SOCKET (diag), FALSE);
  g_return_val_if_fail (tuple != NULL, FALSE);
  g_return_val_if_fail (out_state != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  fd = g_socket_get_fd (diag);
  entries = g_array_new (FALSE, TRUE, sizeof (PfSockDiagEntry));
  sequence = (guint32) g_atomic_int_add (&last_sequence, 1) + 1;
  deadline = g_get_monotonic_time () + DUMP_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  if (!send_request (fd, sequence, tuple, error))
    return FALSE;

  /* One answer: the socket, or an error (ENOENT: there is none). What is
   * left of an abandoned dump is read past: its number is not ours. */
  while (entries->len == 0)
    {
      gssize len = receive_part (fd, buf, sizeof buf, deadline, error);

      if (len < 0)
        return FALSE;
      if (parse_part (buf, len, sequence, entries, &local_error) == PART_FAILED)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
            {
              *out_state = 0;
              return TRUE;
            }
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  /* With no connection of these four values, the kernel answers with
   * the listener on the local address and port, if there is one: that
   * is another socket. */
  if (!pf_four_tuple_equal (&g_array_index (entries, PfSockDiagEntry, 0).tuple, tuple))
    {
      *out_state = 0;
      return TRUE;
    }

  *out_state = g_array_index (entries, PfSockDiagEntry, 0).state;
  return TRUE;
}
