/* pf-netns-helper.h: what the helper's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The topology the command line gives (pf-netns-helper.c parses it) and
 * the set-up of that network by libnl-route-3 (pf-netns-topology.c).
 */

#pragma once

#include <stdint.h>

#include "pf-netns-protocol.h"

typedef struct
{
  uint32_t address;       /* host byte order */
  unsigned prefix_length;
  uint8_t  mac[6];
  unsigned host;          /* index into hosts[] */
  unsigned index;         /* eth<index> on its host */
  int      wire_ifindex;  /* of "w<port>" in the wire namespace, once made */
  int      port_opened;   /* a PORT request was answered for it */
} HelperInterface;

typedef struct
{
  uint32_t destination;   /* host byte order */
  unsigned prefix_length;
  uint32_t gateway;       /* 0: none, out of @dev */
  int      dev;           /* eth<dev>, or -1 with a gateway */
} HelperRoute;

typedef struct
{
  char        id[PF_NETNS_MAX_ID + 1];
  int         forward;
  unsigned    first_interface;
  unsigned    n_interfaces;
  HelperRoute routes[PF_NETNS_MAX_ROUTES];
  unsigned    n_routes;
  int         ns_fd;      /* /proc/self/ns/net of its namespace, or -1 */
} HelperHost;

extern HelperHost      helper_hosts[PF_NETNS_MAX_HOSTS];
extern unsigned        helper_n_hosts;
extern HelperInterface helper_interfaces[PF_NETNS_MAX_INTERFACES];
extern unsigned        helper_n_interfaces;
extern int             helper_wire_ns_fd;

/* Sets every host up (see pf-netns-topology.c). 0, or an errno with the
 * PF_NETNS_STAGE_*, index and address of what failed. */
int helper_setup_topology (uint32_t *out_stage,
                           uint32_t *out_index,
                           uint32_t *out_address);

/* Moves this process into @ns_fd's network namespace (the wire's when
 * @ns_fd is helper_wire_ns_fd): 0 or an errno. */
int helper_enter (int ns_fd);

int helper_write_file (const char *path,
                       const char *text);
