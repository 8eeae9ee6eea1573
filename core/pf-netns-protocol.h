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
 *      hosts' addresses as arguments, dotted quads:
 *
 *        packetflow-netns-helper 192.203.196.71 10.0.0.2
 *
 *   2. The helper creates the namespace and answers with one PfNetnsReply:
 *      status READY, or status ERROR with the stage that failed and its
 *      errno, after which it exits with status 1.
 *
 *   3. After READY, every message from the app is one PfNetnsRequest and
 *      the helper answers each with one PfNetnsReply carrying the same
 *      serial. When the status is OK the new socket is attached to the
 *      reply as SCM_RIGHTS; the helper closes its own copy.
 *
 *   4. End of file on the control socket makes the helper exit with
 *      status 0.
 *
 * Every message is exactly the size of its struct. Fields are in host byte
 * order (both ends run on the same machine), addresses included.
 * Reserved fields and fields an operation does not use must be zero.
 */

#pragma once

#include <stdint.h>

#define PF_NETNS_MAGIC          0x734e6650u  /* "PfNs" read as bytes */
#define PF_NETNS_VERSION        1
#define PF_NETNS_CONTROL_FD     3
#define PF_NETNS_MAX_ADDRESSES  4096

/* PfNetnsRequest.op */
enum
{
  PF_NETNS_OP_SOCKET    = 1,  /* a socket bound to address:port */
  PF_NETNS_OP_CAPTURE   = 2,  /* an AF_PACKET socket on lo, outgoing frames */
  PF_NETNS_OP_SOCK_DIAG = 3,  /* a NETLINK_SOCK_DIAG socket (the kernel's socket
                               * table); helpers older than this op refuse
                               * it as any unknown op: ERROR, EPROTO */
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
  PF_NETNS_STAGE_ARGUMENTS   = 1,  /* bad command line, or set-id install */
  PF_NETNS_STAGE_UNSHARE     = 2,  /* unshare (CLONE_NEWUSER | CLONE_NEWNET) */
  PF_NETNS_STAGE_ID_MAP      = 3,  /* setgroups, uid_map, gid_map */
  PF_NETNS_STAGE_LOOPBACK_UP = 4,  /* bringing lo up */
  PF_NETNS_STAGE_ADD_ADDRESS = 5,  /* RTM_NEWADDR; reply.address says which */
  PF_NETNS_STAGE_REQUEST     = 6,  /* the request itself was refused */
  PF_NETNS_STAGE_SOCKET      = 7,  /* socket (), setsockopt () */
  PF_NETNS_STAGE_BIND        = 8,  /* bind () */
};

typedef struct
{
  uint32_t magic;        /* PF_NETNS_MAGIC */
  uint16_t version;      /* PF_NETNS_VERSION */
  uint16_t op;           /* PF_NETNS_OP_* */
  uint32_t serial;       /* echoed in the reply; the app counts from 1 */
  uint32_t socket_type;  /* PF_NETNS_SOCKET_*, SOCKET only */
  uint32_t address;      /* one of the helper's addresses, SOCKET only */
  uint16_t port;         /* 0 for an ephemeral port, SOCKET only */
  uint16_t reserved;
} PfNetnsRequest;

typedef struct
{
  uint32_t magic;        /* PF_NETNS_MAGIC */
  uint16_t version;      /* PF_NETNS_VERSION */
  uint16_t status;       /* PF_NETNS_STATUS_* */
  uint32_t serial;       /* the request's serial; 0 for the first reply */
  uint32_t stage;        /* PF_NETNS_STAGE_*, for ERROR */
  int32_t  error_number; /* errno, for ERROR */
  uint32_t address;      /* the address involved, for ADD_ADDRESS */
} PfNetnsReply;

_Static_assert (sizeof (PfNetnsRequest) == 24, "PfNetnsRequest is 24 bytes");
_Static_assert (sizeof (PfNetnsReply) == 24, "PfNetnsReply is 24 bytes");
