/* pf-netns-protocol.h: what the app and packetflow-netns-helper say
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by core/pf-netspace-namespace.c (GLib) and helper/pf-netns-helper.c
 * (plain libc), so this header uses <stdint.h> types only.
 *
 * The conversation:
 *
 *   1. The app makes a socketpair (AF_UNIX, SOCK_SEQPACKET) and starts
 *      the helper with one end as descriptor PF_NETNS_CONTROL_FD and the
 *      scenario's network as arguments, one token per argument, in order:
 *
 *        host,ID             a host: a network namespace of its own (ID: a
 *                            letter, then letters, digits, '-', '_'; at
 *                            most 63 bytes; for messages only)
 *        host,ID,forward     a router: the same, with net.ipv4.ip_forward=1
 *        if,ADDR/PLEN,MAC    an interface of the last host: eth0, eth1, ...
 *                            on the host, one end of a veth pair whose
 *                            other end ("w<port>") stays in the helper's
 *                            own namespace, the wire namespace. Its port
 *                            number is the count of interfaces before it,
 *                            every host included.
 *        route,DEST/PLEN,via,GW   a route of the last host through GW
 *        route,DEST/PLEN,dev,N    a route of the last host out of its ethN,
 *                            no gateway (0.0.0.0/0 dev 0: the implicit
 *                            link, where every host has a /32 and every
 *                            address is on the link)
 *
 *        packetflow-netns-helper host,alice if,10.0.0.1/32,02:50:46:00:00:00 \
 *            route,0.0.0.0/0,dev,0 host,bob if,10.0.0.2/32,02:50:46:00:01:00 \
 *            route,0.0.0.0/0,dev,0
 *
 *      At most PF_NETNS_MAX_HOSTS hosts, PF_NETNS_MAX_INTERFACES
 *      interfaces (PF_NETNS_MAX_HOST_INTERFACES on one host) and
 *      PF_NETNS_MAX_ROUTES routes per host; every interface
 *      address is a different one.
 *
 *   2. The helper sets the network up and answers with one PfNetnsReply:
 *      status READY, or status ERROR with the stage that failed and its
 *      errno, after which it exits with status 1.
 *
 *   3. After READY, every message from the app is one PfNetnsRequest and
 *      the helper answers each with one PfNetnsReply carrying the same
 *      serial. When the status is OK the new socket is attached to the
 *      reply as SCM_RIGHTS; the helper closes its own copy.
 *
 *   4. End of file on the control socket makes the helper exit with
 *      status 0; every namespace it made goes with it.
 *
 * Every message is exactly the size of its struct. Fields are in host byte
 * order (both ends run on the same machine), addresses included.
 * Reserved fields and fields an operation does not use must be zero.
 */

#pragma once

#include <stdint.h>

#define PF_NETNS_MAGIC          0x734e6650u  /* "PfNs" read as bytes */
#define PF_NETNS_VERSION        2
#define PF_NETNS_CONTROL_FD     3
#define PF_NETNS_MAX_ADDRESSES  4096  /* interface addresses, every host's */
#define PF_NETNS_MAX_HOSTS      4096
#define PF_NETNS_MAX_INTERFACES 4096  /* every host's together: the ports */
#define PF_NETNS_MAX_HOST_INTERFACES 64  /* per host */
#define PF_NETNS_MAX_ROUTES     16    /* per host */
#define PF_NETNS_MAX_ID         63    /* bytes of a host,ID */

/* PfNetnsRequest.op */
enum
{
  PF_NETNS_OP_SOCKET    = 1,  /* a socket bound to address:port, made in
                               * the namespace of the host that has it */
  /* 2 was CAPTURE (version 1): refused as any unknown op, ERROR EPROTO */
  PF_NETNS_OP_SOCK_DIAG = 3,  /* a NETLINK_SOCK_DIAG socket (the kernel's socket
                               * table) in the namespace of host `index` */
  PF_NETNS_OP_PORT      = 4,  /* an AF_PACKET socket (SOCK_RAW, ETH_P_ALL) on
                               * the wire end of port `index`: every frame
                               * the host sends on that interface is read
                               * there, a frame sent there reaches it.
                               * Each port can be opened once. */
};

/* PfNetnsRequest.socket_type */
enum
{
  PF_NETNS_SOCKET_STREAM   = 1,  /* TCP */
  PF_NETNS_SOCKET_DATAGRAM = 2,  /* UDP */
};

/* PfNetnsReply.status */
enum
{
  PF_NETNS_STATUS_READY = 1,
  PF_NETNS_STATUS_OK    = 2,
  PF_NETNS_STATUS_ERROR = 3,
};

/* PfNetnsReply.stage: where an ERROR happened */
enum
{
  PF_NETNS_STAGE_NONE        = 0,
  PF_NETNS_STAGE_ARGUMENTS   = 1,  /* bad command line, or set-id install;
                                    * reply.index is the bad argument's
                                    * position (argv[index]) */
  PF_NETNS_STAGE_UNSHARE     = 2,  /* unshare (CLONE_NEWUSER | CLONE_NEWNET) */
  PF_NETNS_STAGE_ID_MAP      = 3,  /* setgroups, uid_map, gid_map */
  PF_NETNS_STAGE_LOOPBACK_UP = 4,  /* bringing lo up; reply.index: the host, or
                                    * PF_NETNS_WIRE for the wire namespace */
  PF_NETNS_STAGE_ADD_ADDRESS = 5,  /* an interface's address; reply.address
                                    * says which, reply.index its port */
  PF_NETNS_STAGE_REQUEST     = 6,  /* the request itself was refused */
  PF_NETNS_STAGE_SOCKET      = 7,  /* socket (), setsockopt () */
  PF_NETNS_STAGE_BIND        = 8,  /* bind () */
  PF_NETNS_STAGE_HOST        = 9,  /* a host's namespace or its sysctls;
                                    * reply.index: the host */
  PF_NETNS_STAGE_INTERFACE   = 10, /* a veth pair, its MAC, its offloads;
                                    * reply.index: the port */
  PF_NETNS_STAGE_ROUTE       = 11, /* a route; reply.index: the host,
                                    * reply.address: the destination */
};

typedef struct
{
  uint32_t magic;        /* PF_NETNS_MAGIC */
  uint16_t version;      /* PF_NETNS_VERSION */
  uint16_t op;           /* PF_NETNS_OP_* */
  uint32_t serial;       /* echoed in the reply; the app counts from 1 */
  uint16_t socket_type;  /* PF_NETNS_SOCKET_*, SOCKET only */
  uint16_t port;         /* 0 for an ephemeral port, SOCKET only */
  uint32_t address;      /* one of the interfaces' addresses, SOCKET only */
  uint32_t index;        /* SOCK_DIAG: the host; PORT: the port number */
} PfNetnsRequest;

#define PF_NETNS_WIRE 0xffffffffu  /* reply.index: the wire namespace */

typedef struct
{
  uint32_t magic;        /* PF_NETNS_MAGIC */
  uint16_t version;      /* PF_NETNS_VERSION */
  uint16_t status;       /* PF_NETNS_STATUS_* */
  uint32_t serial;       /* the request's serial; 0 for the first reply */
  uint32_t stage;        /* PF_NETNS_STAGE_*, for ERROR */
  int32_t  error_number; /* errno, for ERROR */
  uint32_t address;      /* the address involved, for ADD_ADDRESS, ROUTE */
  uint32_t index;        /* the argument, host or port involved (see stage) */
} PfNetnsReply;

_Static_assert (sizeof (PfNetnsRequest) == 24, "PfNetnsRequest is 24 bytes");
_Static_assert (sizeof (PfNetnsReply) == 28, "PfNetnsReply is 28 bytes");
