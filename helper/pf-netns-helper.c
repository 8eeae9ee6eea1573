/* pf-netns-helper.c: packetflow-netns-helper, the socket broker of exact mode
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Packet Flow starts this program with a SOCK_SEQPACKET socket as
 * descriptor 3 and the scenario's host addresses as arguments. It moves
 * into a private user and network namespace, brings lo up, puts every
 * address on lo as a /32, says READY and then hands out sockets made
 * inside that namespace, one per request, by SCM_RIGHTS: TCP and UDP
 * sockets bound to the scenario's addresses, the capture socket on lo,
 * and NETLINK_SOCK_DIAG sockets that read the namespace's socket table.
 * When the app closes its end, the helper exits. The protocol is in
 * core/pf-netns-protocol.h.
 *
 * Why a separate process: unshare (CLONE_NEWUSER) refuses a
 * multi-threaded caller, and the app has threads.
 *
 * This is a small trust boundary: the helper checks every request and
 * only ever binds to the addresses it was started with. It is plain C and
 * libc, single-threaded, and must never be installed set-user-ID.
 */

#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/filter.h>
#include <linux/sockios.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pf-netns-protocol.h"

#define CONTROL_FD PF_NETNS_CONTROL_FD

static uint32_t addresses[PF_NETNS_MAX_ADDRESSES];
static unsigned n_addresses;

/* Sends one reply, with @fd attached when it is not -1. Returns 0, or -1
 * when the app is gone. */
static int
send_reply (uint16_t status,
            uint32_t serial,
            uint32_t stage,
            int      error_number,
            uint32_t address,
            int      fd)
{
  PfNetnsReply reply = {
    .magic = PF_NETNS_MAGIC,
    .version = PF_NETNS_VERSION,
    .status = status,
    .serial = serial,
    .stage = stage,
    .error_number = error_number,
    .address = address,
  };
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE (sizeof (int))];
  } control;
  struct iovec iov = { .iov_base = &reply, .iov_len = sizeof reply };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
  ssize_t sent;

  if (fd >= 0)
    {
      struct cmsghdr *cmsg;

      memset (&control, 0, sizeof control);
      msg.msg_control = control.buf;
      msg.msg_controllen = sizeof control.buf;
      cmsg = CMSG_FIRSTHDR (&msg);
      cmsg->cmsg_level = SOL_SOCKET;
      cmsg->cmsg_type = SCM_RIGHTS;
      cmsg->cmsg_len = CMSG_LEN (sizeof (int));
      memcpy (CMSG_DATA (cmsg), &fd, sizeof (int));
    }

  do
    sent = sendmsg (CONTROL_FD, &msg, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);

  return sent == (ssize_t) sizeof reply ? 0 : -1;
}

static int
fail_setup (uint32_t stage,
            int      error_number,
            uint32_t address)
{
  send_reply (PF_NETNS_STATUS_ERROR, 0, stage, error_number, address, -1);
  return 1;
}

/* Descriptor 3 must be the app's end of an AF_UNIX SOCK_SEQPACKET pair. */
static int
control_fd_is_usable (void)
{
  int domain = 0;
  int type = 0;
  socklen_t len = sizeof domain;

  if (getsockopt (CONTROL_FD, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
    return 0;
  len = sizeof type;
  if (getsockopt (CONTROL_FD, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
    return 0;
  return domain == AF_UNIX && type == SOCK_SEQPACKET;
}

/* Host addresses: dotted quads, not 0.0.0.0/8, not multicast or above,
 * at most PF_NETNS_MAX_ADDRESSES of them. */
static int
parse_addresses (int    argc,
                 char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      struct in_addr in;
      uint32_t address;

      if (n_addresses >= PF_NETNS_MAX_ADDRESSES)
        return E2BIG;
      if (inet_pton (AF_INET, argv[i], &in) != 1)
        return EINVAL;

      address = ntohl (in.s_addr);
      if ((address >> 24) == 0 || address >= 0xe0000000u)
        return EINVAL;

      addresses[n_addresses++] = address;
    }

  return 0;
}

static int
has_address (uint32_t address)
{
  for (unsigned i = 0; i < n_addresses; i++)
    if (addresses[i] == address)
      return 1;
  return 0;
}

static int
write_file (const char *path,
            const char *text)
{
  size_t len = strlen (text);
  ssize_t written;
  int fd;
  int errsv;

  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return errno;

  written = write (fd, text, len);
  errsv = errno;
  close (fd);

  if (written < 0)
    return errsv;
  return (size_t) written == len ? 0 : EIO;
}

/* Root inside the new user namespace is the caller outside it, nobody
 * else: one uid, one gid, no supplementary groups. */
static int
map_ids (uid_t uid,
         gid_t gid)
{
  char map[64];
  int error;

  /* Kernels before 3.19 have no setgroups file; they need no "deny". */
  error = write_file ("/proc/self/setgroups", "deny");
  if (error != 0 && error != ENOENT)
    return error;

  snprintf (map, sizeof map, "0 %u 1", (unsigned) uid);
  if ((error = write_file ("/proc/self/uid_map", map)) != 0)
    return error;

  snprintf (map, sizeof map, "0 %u 1", (unsigned) gid);
  return write_file ("/proc/self/gid_map", map);
}

static int
bring_up_loopback (void)
{
  struct ifreq ifr;
  int fd;
  int error = 0;

  fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return errno;

  memset (&ifr, 0, sizeof ifr);
  strncpy (ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl (fd, SIOCGIFFLAGS, &ifr) < 0)
    error = errno;
  else
    {
      ifr.ifr_flags |= IFF_UP;
      if (ioctl (fd, SIOCSIFFLAGS, &ifr) < 0)
        error = errno;
    }

  /* Segments as a network card would send them: no TSO/GSO super-segments
   * on lo, so an MSS cuts a long write into segments the capture sees. */
  if (error == 0)
    {
      static const __u32 offloads[] = { ETHTOOL_STSO, ETHTOOL_SGSO };

      for (size_t i = 0; i < sizeof offloads / sizeof offloads[0]; i++)
        {
          struct ethtool_value value = { .cmd = offloads[i], .data = 0 };

          ifr.ifr_data = (char *) &value;
          if (ioctl (fd, SIOCETHTOOL, &ifr) < 0)
            error = errno;
        }
    }

  close (fd);
  return error;
}

static void
append_attribute (struct nlmsghdr *header,
                  unsigned short   type,
                  const void      *data,
                  size_t           len)
{
  struct rtattr *rta = (struct rtattr *) ((char *) header + NLMSG_ALIGN (header->nlmsg_len));

  rta->rta_type = type;
  rta->rta_len = RTA_LENGTH (len);
  memcpy (RTA_DATA (rta), data, len);
  header->nlmsg_len = NLMSG_ALIGN (header->nlmsg_len) + RTA_ALIGN (rta->rta_len);
}

/* Waits for the kernel's answer to request @seq: 0 or an errno. */
static int
receive_ack (int      nl,
             uint32_t seq)
{
  union {
    struct nlmsghdr align;
    char buf[4096];
  } answer;

  for (;;)
    {
      ssize_t len = recv (nl, answer.buf, sizeof answer.buf, 0);
      struct nlmsghdr *header;

      if (len < 0 && errno == EINTR)
        continue;
      if (len < 0)
        return errno;
      if (len == 0)
        return EPROTO;

      for (header = &answer.align; NLMSG_OK (header, (size_t) len);
           header = NLMSG_NEXT (header, len))
        {
          if (header->nlmsg_seq != seq)
            continue;
          if (header->nlmsg_type == NLMSG_ERROR)
            {
              const struct nlmsgerr *err = NLMSG_DATA (header);

              if (header->nlmsg_len < NLMSG_LENGTH (sizeof *err))
                return EPROTO;
              return -err->error;
            }
        }
    }
}

/* `ip address add ADDRESS/32 dev lo`, by rtnetlink. */
static int
add_address (int      nl,
             unsigned ifindex,
             uint32_t address,
             uint32_t seq)
{
  struct {
    struct nlmsghdr header;
    struct ifaddrmsg ifa;
    char attributes[2 * RTA_SPACE (sizeof (uint32_t))];
  } request;
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  uint32_t be = htonl (address);

  memset (&request, 0, sizeof request);
  request.header.nlmsg_len = NLMSG_LENGTH (sizeof (struct ifaddrmsg));
  request.header.nlmsg_type = RTM_NEWADDR;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
  request.header.nlmsg_seq = seq;
  request.ifa.ifa_family = AF_INET;
  request.ifa.ifa_prefixlen = 32;
  request.ifa.ifa_scope = (address >> 24) == 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
  request.ifa.ifa_index = ifindex;
  append_attribute (&request.header, IFA_LOCAL, &be, sizeof be);
  append_attribute (&request.header, IFA_ADDRESS, &be, sizeof be);

  if (sendto (nl, &request, request.header.nlmsg_len, 0,
              (struct sockaddr *) &kernel, sizeof kernel) < 0)
    return errno;

  return receive_ack (nl, seq);
}

static int
add_addresses (unsigned  ifindex,
               uint32_t *out_failed)
{
  int nl;
  int error = 0;

  nl = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (nl < 0)
    return errno;

  for (unsigned i = 0; i < n_addresses && error == 0; i++)
    {
      error = add_address (nl, ifindex, addresses[i], i + 1);
      if (error != 0)
        *out_failed = addresses[i];
    }

  close (nl);
  return error;
}

static int
open_bound_socket (const PfNetnsRequest *request,
                   int                  *out_fd,
                   uint32_t             *out_stage)
{
  struct sockaddr_in sin = { .sin_family = AF_INET };
  int type;
  int fd;
  int one = 1;
  int errsv;

  *out_stage = PF_NETNS_STAGE_REQUEST;
  if (request->socket_type == PF_NETNS_SOCKET_STREAM)
    type = SOCK_STREAM;
  else if (request->socket_type == PF_NETNS_SOCKET_DATAGRAM)
    type = SOCK_DGRAM;
  else
    return EINVAL;
  if (!has_address (request->address))
    return EADDRNOTAVAIL;

  *out_stage = PF_NETNS_STAGE_SOCKET;
  fd = socket (AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return errno;

  /* Listeners can come back right after a run; UDP keeps the default so
   * that a second bind to a busy port fails as it should. */
  if (type == SOCK_STREAM &&
      setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
    goto fail;

  *out_stage = PF_NETNS_STAGE_BIND;
  sin.sin_addr.s_addr = htonl (request->address);
  sin.sin_port = htons (request->port);
  if (bind (fd, (struct sockaddr *) &sin, sizeof sin) < 0)
    goto fail;

  *out_fd = fd;
  return 0;

fail:
  errsv = errno;
  close (fd);
  return errsv;
}

#define CAPTURE_BUFFER_BYTES (32 * 1024 * 1024)

/* An AF_PACKET socket on lo that keeps only PACKET_OUTGOING frames: on lo
 * every segment is seen twice, once leaving and once arriving. It is made
 * with protocol 0 so it receives nothing until the filter is on and it is
 * bound to lo with ETH_P_ALL. */
static int
open_capture (int      *out_fd,
              uint32_t *out_stage)
{
  struct sock_filter code[] = {
    BPF_STMT (BPF_LD | BPF_W | BPF_ABS, (uint32_t) (SKF_AD_OFF + SKF_AD_PKTTYPE)),
    BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 1),
    BPF_STMT (BPF_RET | BPF_K, 0x40000),
    BPF_STMT (BPF_RET | BPF_K, 0),
  };
  struct sock_fprog program = { .len = sizeof code / sizeof code[0], .filter = code };
  struct sockaddr_ll sll = {
    .sll_family = AF_PACKET,
    .sll_protocol = htons (ETH_P_ALL),
  };
  int capture_buffer = CAPTURE_BUFFER_BYTES;
  int fd;
  int errsv;

  *out_stage = PF_NETNS_STAGE_SOCKET;
  sll.sll_ifindex = (int) if_nametoindex ("lo");
  if (sll.sll_ifindex == 0)
    return errno;

  fd = socket (AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return errno;

  if (setsockopt (fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) < 0)
    goto fail;

  /* Room for a burst: one step may send megabytes before the engine
   * reads a frame, and on lo a frame holds up to 64 KiB. The default
   * (rmem_default, ~200 KiB) holds a few. Past rmem_max only with
   * CAP_NET_ADMIN outside the namespace; otherwise as much as rmem_max
   * allows. Either is only more room: not an error. */
  if (setsockopt (fd, SOL_SOCKET, SO_RCVBUFFORCE, &capture_buffer, sizeof capture_buffer) < 0)
    (void) setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &capture_buffer, sizeof capture_buffer);

  *out_stage = PF_NETNS_STAGE_BIND;
  if (bind (fd, (struct sockaddr *) &sll, sizeof sll) < 0)
    goto fail;

  *out_fd = fd;
  return 0;

fail:
  errsv = errno;
  close (fd);
  return errsv;
}

/* A NETLINK_SOCK_DIAG socket: it lists the sockets of the namespace it
 * was made in, this one, wherever it is used afterwards. */
static int
open_sock_diag (int      *out_fd,
                uint32_t *out_stage)
{
  int fd;

  *out_stage = PF_NETNS_STAGE_SOCKET;
  fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_SOCK_DIAG);
  if (fd < 0)
    return errno;

  *out_fd = fd;
  return 0;
}

/* The app sends no descriptors; any that arrive are closed unread. */
static void
close_passed_fds (struct msghdr *msg)
{
  for (struct cmsghdr *cmsg = CMSG_FIRSTHDR (msg); cmsg != NULL;
       cmsg = CMSG_NXTHDR (msg, cmsg))
    {
      if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
        continue;

      for (size_t i = 0; i < (cmsg->cmsg_len - CMSG_LEN (0)) / sizeof (int); i++)
        {
          int fd;

          memcpy (&fd, CMSG_DATA (cmsg) + i * sizeof (int), sizeof fd);
          close (fd);
        }
    }
}

static int
request_is_well_formed (const PfNetnsRequest *request)
{
  if (request->magic != PF_NETNS_MAGIC ||
      request->version != PF_NETNS_VERSION ||
      request->reserved != 0)
    return 0;

  switch (request->op)
    {
    case PF_NETNS_OP_SOCKET:
      return 1;
    case PF_NETNS_OP_CAPTURE:
    case PF_NETNS_OP_SOCK_DIAG:
      return request->socket_type == 0 && request->address == 0 && request->port == 0;
    default:
      return 0;
    }
}

static void
handle_request (const PfNetnsRequest *request,
                int                  *out_app_gone)
{
  uint32_t stage = PF_NETNS_STAGE_REQUEST;
  int fd = -1;
  int error;

  if (!request_is_well_formed (request))
    error = EPROTO;
  else if (request->op == PF_NETNS_OP_SOCKET)
    error = open_bound_socket (request, &fd, &stage);
  else if (request->op == PF_NETNS_OP_CAPTURE)
    error = open_capture (&fd, &stage);
  else
    error = open_sock_diag (&fd, &stage);

  if (error == 0)
    *out_app_gone = send_reply (PF_NETNS_STATUS_OK, request->serial, 0, 0, 0, fd) < 0;
  else
    *out_app_gone = send_reply (PF_NETNS_STATUS_ERROR, request->serial, stage, error, 0, -1) < 0;

  if (fd >= 0)
    close (fd);
}

/* Answers requests until the app closes its end. */
static int
serve (void)
{
  for (;;)
    {
      PfNetnsRequest request;
      union {
        struct cmsghdr align;
        char buf[CMSG_SPACE (16 * sizeof (int))];
      } control;
      struct iovec iov = { .iov_base = &request, .iov_len = sizeof request };
      struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buf,
        .msg_controllen = sizeof control.buf,
      };
      ssize_t len;
      int app_gone = 0;

      memset (&request, 0, sizeof request);
      len = recvmsg (CONTROL_FD, &msg, MSG_CMSG_CLOEXEC);
      if (len < 0 && errno == EINTR)
        continue;
      if (len < 0)
        return 1;
      if (len == 0)
        return 0;

      close_passed_fds (&msg);

      if (len != (ssize_t) sizeof request || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0)
        app_gone = send_reply (PF_NETNS_STATUS_ERROR, request.serial,
                               PF_NETNS_STAGE_REQUEST, EPROTO, 0, -1) < 0;
      else
        handle_request (&request, &app_gone);

      if (app_gone)
        return 1;
    }
}

int
main (int    argc,
      char **argv)
{
  uid_t uid = getuid ();
  gid_t gid = getgid ();
  pid_t parent = getppid ();
  uint32_t failed_address = 0;
  unsigned lo_index;
  int error;

  if (!control_fd_is_usable ())
    {
      fprintf (stderr,
               "packetflow-netns-helper: descriptor %d is not a SOCK_SEQPACKET socket.\n"
               "This program is started by Packet Flow; it is not meant to be run by hand.\n",
               CONTROL_FD);
      return 2;
    }

  /* Nothing but stdin, stdout, stderr and the control socket. */
  close_range (CONTROL_FD + 1, ~0u, 0);

  if (uid != geteuid () || gid != getegid ())
    return fail_setup (PF_NETNS_STAGE_ARGUMENTS, EPERM, 0);

  if ((error = parse_addresses (argc, argv)) != 0)
    return fail_setup (PF_NETNS_STAGE_ARGUMENTS, error, 0);

  if (unshare (CLONE_NEWUSER | CLONE_NEWNET) < 0)
    return fail_setup (PF_NETNS_STAGE_UNSHARE, errno, 0);

  if ((error = map_ids (uid, gid)) != 0)
    return fail_setup (PF_NETNS_STAGE_ID_MAP, error, 0);

  /* Die with the app, even if it dies too fast to close its end. Set after
   * the credentials change, which could clear it. */
  if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid () != parent)
    return 1;

  if ((error = bring_up_loopback ()) != 0)
    return fail_setup (PF_NETNS_STAGE_LOOPBACK_UP, error, 0);

  lo_index = if_nametoindex ("lo");
  if (lo_index == 0)
    return fail_setup (PF_NETNS_STAGE_LOOPBACK_UP, errno, 0);

  if ((error = add_addresses (lo_index, &failed_address)) != 0)
    return fail_setup (PF_NETNS_STAGE_ADD_ADDRESS, error, failed_address);

  if (send_reply (PF_NETNS_STATUS_READY, 0, 0, 0, 0, -1) < 0)
    return 1;

  return serve ();
}
