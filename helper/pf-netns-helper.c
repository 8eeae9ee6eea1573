/* pf-netns-helper.c: packetflow-netns-helper, the socket broker of exact mode
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Packet Flow starts this program with a SOCK_SEQPACKET socket as
 * descriptor 3 and the scenario's network as arguments (hosts, their
 * interfaces and routes; see core/pf-netns-protocol.h). It moves into a
 * private user and network namespace, the wire namespace, and builds the
 * network there (pf-netns-topology.c): a network namespace per host, a
 * veth pair per interface whose host end is the host's eth<N> and whose
 * wire end stays here. It says READY and then hands out sockets, one per
 * request, by SCM_RIGHTS: TCP and UDP sockets bound to an interface's
 * address, made in the namespace of the host that has it; AF_PACKET
 * sockets on the wire ends (the ports Packet Flow carries frames
 * between); NETLINK_SOCK_DIAG sockets that read a host's socket table.
 * When the app closes its end, the helper exits and every namespace with
 * it. The protocol is in core/pf-netns-protocol.h.
 *
 * Why a separate process: unshare (CLONE_NEWUSER) refuses a
 * multi-threaded caller, and the app has threads.
 *
 * This is a small trust boundary: the helper checks every argument and
 * request and only ever binds to the addresses it was started with. It is
 * plain C, libc and libnl-route-3, single-threaded, and must never be
 * installed set-user-ID.
 */

#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pf-netns-helper.h"

#define CONTROL_FD PF_NETNS_CONTROL_FD

/* Room for a burst on a port: frames wait there until Packet Flow reads
 * them. SO_*BUFFORCE works with CAP_NET_ADMIN over the namespace, which
 * the helper has; otherwise as much as rmem_max/wmem_max allow. */
#define PORT_BUFFER_BYTES (4 * 1024 * 1024)

HelperHost      helper_hosts[PF_NETNS_MAX_HOSTS];
unsigned        helper_n_hosts;
HelperInterface helper_interfaces[PF_NETNS_MAX_INTERFACES];
unsigned        helper_n_interfaces;

/* Sends one reply, with @fd attached when it is not -1. Returns 0, or -1
 * when the app is gone. */
static int
send_reply (uint16_t status,
            uint32_t serial,
            uint32_t stage,
            int      error_number,
            uint32_t address,
            uint32_t index,
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
    .index = index,
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
            uint32_t address,
            uint32_t index)
{
  send_reply (PF_NETNS_STATUS_ERROR, 0, stage, error_number, address, index, -1);
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

/* A dotted quad, then '/' and a prefix length up to 32, ending at
 * *end (',' or '\0'). */
static int
parse_prefix (const char  *text,
              uint32_t    *out_address,
              unsigned    *out_prefix_length,
              const char **out_end)
{
  const char *slash = strchr (text, '/');
  char quad[INET_ADDRSTRLEN];
  struct in_addr in;
  unsigned prefix_length = 0;
  const char *p;

  if (slash == NULL || (size_t) (slash - text) >= sizeof quad)
    return EINVAL;
  memcpy (quad, text, (size_t) (slash - text));
  quad[slash - text] = '\0';
  if (inet_pton (AF_INET, quad, &in) != 1)
    return EINVAL;

  p = slash + 1;
  if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
    return EINVAL;
  while (*p >= '0' && *p <= '9' && prefix_length <= 32)
    prefix_length = prefix_length * 10 + (unsigned) (*p++ - '0');
  if (prefix_length > 32 || (*p != ',' && *p != '\0'))
    return EINVAL;

  *out_address = ntohl (in.s_addr);
  *out_prefix_length = prefix_length;
  *out_end = p;
  return 0;
}

/* An address a host's interface can have: not 0.0.0.0/8, not multicast
 * or above. */
static int
is_host_address (uint32_t address)
{
  return (address >> 24) != 0 && address < 0xe0000000u;
}

static int
hex_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* xx:xx:xx:xx:xx:xx, unicast and not all zero. */
static int
parse_mac (const char *text,
           uint8_t     mac[6])
{
  int any = 0;

  for (int i = 0; i < 6; i++)
    {
      int high = hex_digit (text[0]);
      int low = high < 0 ? -1 : hex_digit (text[1]);

      if (low < 0 || text[2] != (i == 5 ? '\0' : ':'))
        return EINVAL;
      mac[i] = (uint8_t) (high << 4 | low);
      any |= mac[i];
      text += 3;
    }
  return any != 0 && (mac[0] & 1) == 0 ? 0 : EINVAL;
}

static int
parse_unsigned (const char *text,
                unsigned    limit,
                unsigned   *out_value)
{
  unsigned value = 0;

  if (*text < '0' || *text > '9' || (text[0] == '0' && text[1] != '\0'))
    return EINVAL;
  for (; *text >= '0' && *text <= '9'; text++)
    {
      value = value * 10 + (unsigned) (*text - '0');
      if (value > limit)
        return EINVAL;
    }
  if (*text != '\0')
    return EINVAL;
  *out_value = value;
  return 0;
}

static int
interface_with_address (uint32_t address)
{
  for (unsigned i = 0; i < helper_n_interfaces; i++)
    if (helper_interfaces[i].address == address)
      return (int) i;
  return -1;
}

/* host,ID or host,ID,forward */
static int
parse_host (const char *text)
{
  const char *end = strchr (text, ',');
  size_t len = end != NULL ? (size_t) (end - text) : strlen (text);
  HelperHost *host;

  if (helper_n_hosts >= PF_NETNS_MAX_HOSTS)
    return E2BIG;
  if (len == 0 || len > PF_NETNS_MAX_ID ||
      !((text[0] >= 'a' && text[0] <= 'z') || (text[0] >= 'A' && text[0] <= 'Z')))
    return EINVAL;
  for (size_t i = 0; i < len; i++)
    {
      char c = text[i];

      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_'))
        return EINVAL;
    }
  if (end != NULL && strcmp (end, ",forward") != 0)
    return EINVAL;

  host = &helper_hosts[helper_n_hosts++];
  memcpy (host->id, text, len);
  host->id[len] = '\0';
  host->forward = end != NULL;
  host->first_interface = helper_n_interfaces;
  host->ns_fd = -1;
  return 0;
}

/* if,ADDR/PLEN,MAC */
static int
parse_interface (const char *text)
{
  HelperInterface *interface;
  HelperHost *host;
  uint32_t address;
  unsigned prefix_length;
  const char *end;
  uint8_t mac[6];
  int error;

  if (helper_n_hosts == 0)
    return EINVAL;
  host = &helper_hosts[helper_n_hosts - 1];
  if (helper_n_interfaces >= PF_NETNS_MAX_INTERFACES ||
      host->n_interfaces >= PF_NETNS_MAX_HOST_INTERFACES)
    return E2BIG;
  if ((error = parse_prefix (text, &address, &prefix_length, &end)) != 0)
    return error;
  if (*end != ',' || prefix_length == 0 || !is_host_address (address) ||
      (error = parse_mac (end + 1, mac)) != 0)
    return EINVAL;
  if (interface_with_address (address) >= 0)
    return EEXIST;
  for (unsigned i = 0; i < helper_n_interfaces; i++)
    if (memcmp (helper_interfaces[i].mac, mac, sizeof mac) == 0)
      return EEXIST;

  interface = &helper_interfaces[helper_n_interfaces++];
  interface->address = address;
  interface->prefix_length = prefix_length;
  memcpy (interface->mac, mac, sizeof mac);
  interface->host = helper_n_hosts - 1;
  interface->index = host->n_interfaces++;
  return 0;
}

/* route,DEST/PLEN,via,GW or route,DEST/PLEN,dev,N */
static int
parse_route (const char *text)
{
  HelperRoute route = { .dev = -1 };
  HelperHost *host;
  const char *end;
  int error;

  if (helper_n_hosts == 0)
    return EINVAL;
  host = &helper_hosts[helper_n_hosts - 1];
  if (host->n_routes >= PF_NETNS_MAX_ROUTES)
    return E2BIG;
  if ((error = parse_prefix (text, &route.destination, &route.prefix_length, &end)) != 0)
    return error;
  /* The network itself, no host bits set. */
  if (route.prefix_length < 32 &&
      (route.destination & (0xffffffffu >> route.prefix_length)) != 0)
    return EINVAL;

  if (strncmp (end, ",via,", 5) == 0)
    {
      struct in_addr in;

      if (inet_pton (AF_INET, end + 5, &in) != 1)
        return EINVAL;
      route.gateway = ntohl (in.s_addr);
      if (!is_host_address (route.gateway))
        return EINVAL;
    }
  else if (strncmp (end, ",dev,", 5) == 0)
    {
      unsigned dev;

      /* An interface the host has already. */
      if (host->n_interfaces == 0 ||
          parse_unsigned (end + 5, host->n_interfaces - 1, &dev) != 0)
        return EINVAL;
      route.dev = (int) dev;
    }
  else
    return EINVAL;

  /* A gateway needs an interface to reach it. */
  if (host->n_interfaces == 0)
    return EINVAL;

  host->routes[host->n_routes++] = route;
  return 0;
}

/* The topology, every token checked. 0, or an errno with the bad
 * argument's position in *out_bad. */
static int
parse_topology (int       argc,
                char    **argv,
                uint32_t *out_bad)
{
  for (int i = 1; i < argc; i++)
    {
      const char *token = argv[i];
      int error;

      if (strncmp (token, "host,", 5) == 0)
        error = parse_host (token + 5);
      else if (strncmp (token, "if,", 3) == 0)
        error = parse_interface (token + 3);
      else if (strncmp (token, "route,", 6) == 0)
        error = parse_route (token + 6);
      else
        error = EINVAL;

      if (error != 0)
        {
          *out_bad = (uint32_t) i;
          return error;
        }
    }

  return 0;
}

int
helper_write_file (const char *path,
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
  error = helper_write_file ("/proc/self/setgroups", "deny");
  if (error != 0 && error != ENOENT)
    return error;

  snprintf (map, sizeof map, "0 %u 1", (unsigned) uid);
  if ((error = helper_write_file ("/proc/self/uid_map", map)) != 0)
    return error;

  snprintf (map, sizeof map, "0 %u 1", (unsigned) gid);
  return helper_write_file ("/proc/self/gid_map", map);
}

/* A socket (@domain, @type, @protocol) made in @ns_fd's namespace; the
 * process is back in the wire namespace afterwards. A socket stays in the
 * namespace it was made in. */
static int
socket_in (int  ns_fd,
           int  domain,
           int  type,
           int  protocol,
           int *out_fd)
{
  int fd;
  int errsv = 0;
  int error;

  if ((error = helper_enter (ns_fd)) != 0)
    return error;
  fd = socket (domain, type, protocol);
  if (fd < 0)
    errsv = errno;

  /* Never serve a request from anywhere but the wire namespace. */
  if (helper_enter (helper_wire_ns_fd) != 0)
    _exit (1);

  if (fd < 0)
    return errsv;
  *out_fd = fd;
  return 0;
}

static int
open_bound_socket (const PfNetnsRequest *request,
                   int                  *out_fd,
                   uint32_t             *out_stage)
{
  struct sockaddr_in sin = { .sin_family = AF_INET };
  int interface;
  int type;
  int fd = -1;
  int one = 1;
  int errsv;

  *out_stage = PF_NETNS_STAGE_REQUEST;
  if (request->socket_type == PF_NETNS_SOCKET_STREAM)
    type = SOCK_STREAM;
  else if (request->socket_type == PF_NETNS_SOCKET_DATAGRAM)
    type = SOCK_DGRAM;
  else
    return EINVAL;
  if ((interface = interface_with_address (request->address)) < 0)
    return EADDRNOTAVAIL;

  *out_stage = PF_NETNS_STAGE_SOCKET;
  errsv = socket_in (helper_hosts[helper_interfaces[interface].host].ns_fd,
                     AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, &fd);
  if (errsv != 0)
    return errsv;

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

/* SO_RCVBUFFORCE, else as much as SO_RCVBUF gives: only more room, never
 * an error. */
static void
set_buffer (int fd,
            int force_option,
            int option)
{
  int bytes = PORT_BUFFER_BYTES;

  if (setsockopt (fd, SOL_SOCKET, force_option, &bytes, sizeof bytes) < 0)
    (void) setsockopt (fd, SOL_SOCKET, option, &bytes, sizeof bytes);
}

/* The wire end of port @request->index: an AF_PACKET socket that reads
 * every frame the host sends on that interface and sends frames to it.
 * Made with protocol 0, so it receives nothing until it is bound to its
 * interface with ETH_P_ALL. A port is opened once: two readers would
 * each see every frame, and the wire would carry it twice. */
static int
open_port (const PfNetnsRequest *request,
           int                  *out_fd,
           uint32_t             *out_stage)
{
  HelperInterface *interface;
  struct sockaddr_ll sll = {
    .sll_family = AF_PACKET,
    .sll_protocol = htons (ETH_P_ALL),
  };
  int one = 1;
  int fd;
  int errsv;

  *out_stage = PF_NETNS_STAGE_REQUEST;
  if (request->index >= helper_n_interfaces)
    return ENODEV;
  interface = &helper_interfaces[request->index];
  if (interface->port_opened)
    return EBUSY;

  *out_stage = PF_NETNS_STAGE_SOCKET;
  fd = socket (AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return errno;

  /* Frames it sends itself are not read back. */
  if (setsockopt (fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) < 0 ||
      setsockopt (fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) < 0)
    goto fail;
  set_buffer (fd, SO_RCVBUFFORCE, SO_RCVBUF);
  set_buffer (fd, SO_SNDBUFFORCE, SO_SNDBUF);

  *out_stage = PF_NETNS_STAGE_BIND;
  sll.sll_ifindex = interface->wire_ifindex;
  if (bind (fd, (struct sockaddr *) &sll, sizeof sll) < 0)
    goto fail;

  interface->port_opened = 1;
  *out_fd = fd;
  return 0;

fail:
  errsv = errno;
  close (fd);
  return errsv;
}

/* A NETLINK_SOCK_DIAG socket: it lists the sockets of the namespace it
 * was made in, host @request->index's, wherever it is used afterwards. */
static int
open_sock_diag (const PfNetnsRequest *request,
                int                  *out_fd,
                uint32_t             *out_stage)
{
  *out_stage = PF_NETNS_STAGE_REQUEST;
  if (request->index >= helper_n_hosts)
    return ENOENT;

  *out_stage = PF_NETNS_STAGE_SOCKET;
  return socket_in (helper_hosts[request->index].ns_fd, AF_NETLINK,
                    SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_SOCK_DIAG, out_fd);
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
      request->version != PF_NETNS_VERSION)
    return 0;

  switch (request->op)
    {
    case PF_NETNS_OP_SOCKET:
      return request->index == 0;
    case PF_NETNS_OP_SOCK_DIAG:
    case PF_NETNS_OP_PORT:
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
  else if (request->op == PF_NETNS_OP_PORT)
    error = open_port (request, &fd, &stage);
  else
    error = open_sock_diag (request, &fd, &stage);

  if (error == 0)
    *out_app_gone = send_reply (PF_NETNS_STATUS_OK, request->serial, 0, 0, 0, 0, fd) < 0;
  else
    *out_app_gone = send_reply (PF_NETNS_STATUS_ERROR, request->serial, stage, error,
                                0, request->index, -1) < 0;

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
                               PF_NETNS_STAGE_REQUEST, EPROTO, 0, 0, -1) < 0;
      else
        handle_request (&request, &app_gone);

      if (app_gone)
        return 1;
    }
}

/* One descriptor per host namespace, and the ones requests make: as
 * many as the hard limit allows. */
static void
raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      (void) setrlimit (RLIMIT_NOFILE, &limit);
    }
}

int
main (int    argc,
      char **argv)
{
  uid_t uid = getuid ();
  gid_t gid = getgid ();
  pid_t parent = getppid ();
  uint32_t stage = 0;
  uint32_t index = 0;
  uint32_t address = 0;
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
    return fail_setup (PF_NETNS_STAGE_ARGUMENTS, EPERM, 0, 0);

  if ((error = parse_topology (argc, argv, &index)) != 0)
    return fail_setup (PF_NETNS_STAGE_ARGUMENTS, error, 0, index);

  raise_fd_limit ();

  if (unshare (CLONE_NEWUSER | CLONE_NEWNET) < 0)
    return fail_setup (PF_NETNS_STAGE_UNSHARE, errno, 0, 0);

  if ((error = map_ids (uid, gid)) != 0)
    return fail_setup (PF_NETNS_STAGE_ID_MAP, error, 0, 0);

  /* Die with the app, even if it dies too fast to close its end. Set after
   * the credentials change, which could clear it. */
  if (prctl (PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid () != parent)
    return 1;

  if ((error = helper_setup_topology (&stage, &index, &address)) != 0)
    return fail_setup (stage, error, address, index);

  if (send_reply (PF_NETNS_STATUS_READY, 0, 0, 0, 0, 0, -1) < 0)
    return 1;

  return serve ();
}
