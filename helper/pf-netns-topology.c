/* pf-netns-topology.c: the helper's network, made by libnl-route-3
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs inside the helper's user namespace, in its own network namespace:
 * the wire namespace. There, lo comes up and IPv6 goes off. Then, per
 * host: a new network namespace (unshare, keep /proc/self/ns/net, back
 * to the wire namespace), IPv6 off in it before any interface arrives, lo
 * up, ip_forward for a router; per interface a veth pair made in the wire
 * namespace, the host end ("eth<index>") created directly in the host's
 * namespace with its MAC, both ends up, checksum and segmentation
 * offloads off on both (a frame carried by Packet Flow must be complete
 * as it leaves: with TX checksum offload on, a re-sent frame has no
 * checksum and the receiver drops it), the address on the host end, none
 * on the wire end ("w<port>"); then the host's routes.
 *
 * One libnl socket for the wire namespace, one per host while that host
 * is set up (a netlink socket works on the namespace it was made in,
 * wherever the process is afterwards). No interface but lo and the veths
 * exists anywhere: there is no way out of the scenario.
 */

#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include "pf-netns-helper.h"

int helper_wire_ns_fd = -1;

/* libnl's error numbers are its own: back to an errno. */
static int
nl_errno (int nl_error)
{
  switch (nl_error < 0 ? -nl_error : nl_error)
    {
    case 0:
      return 0;
    case NLE_NOMEM:
      return ENOMEM;
    case NLE_EXIST:
      return EEXIST;
    case NLE_INVAL:
      return EINVAL;
    case NLE_RANGE:
      return ERANGE;
    case NLE_PERM:
      return EPERM;
    case NLE_BUSY:
      return EBUSY;
    case NLE_NOADDR:
      return EADDRNOTAVAIL;
    case NLE_OBJ_NOTFOUND:
      return ENODEV;
    case NLE_NODEV:
      return ENODEV;
    case NLE_OPNOTSUPP:
      return EOPNOTSUPP;
    case NLE_AF_NOSUPPORT:
      return EAFNOSUPPORT;
    case NLE_NOACCESS:
      return EACCES;
    default:
      return EPROTO;
    }
}

int
helper_enter (int ns_fd)
{
  return setns (ns_fd, CLONE_NEWNET) < 0 ? errno : 0;
}

/* IPv6 off for every interface, and for interfaces made later: no
 * router solicitation, MLD report or DAD probe ever reaches the wire. A
 * kernel without IPv6 has no such files, and no IPv6 either. */
static int
ipv6_off (void)
{
  static const char *const paths[] = {
    "/proc/sys/net/ipv6/conf/all/disable_ipv6",
    "/proc/sys/net/ipv6/conf/default/disable_ipv6",
  };

  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
    {
      int error = helper_write_file (paths[i], "1");

      if (error != 0 && error != ENOENT)
        return error;
    }
  return 0;
}

static struct nl_sock *
connect_route_socket (int *out_error)
{
  struct nl_sock *sk = nl_socket_alloc ();
  int error;

  if (sk == NULL)
    {
      *out_error = ENOMEM;
      return NULL;
    }
  if ((error = nl_connect (sk, NETLINK_ROUTE)) < 0)
    {
      nl_socket_free (sk);
      *out_error = nl_errno (error);
      return NULL;
    }
  *out_error = 0;
  return sk;
}

static int
find_ifindex (struct nl_sock *sk,
              const char     *name,
              int            *out_ifindex)
{
  struct rtnl_link *link = NULL;
  int error;

  if ((error = rtnl_link_get_kernel (sk, 0, name, &link)) < 0)
    return nl_errno (error);
  *out_ifindex = rtnl_link_get_ifindex (link);
  rtnl_link_put (link);
  return 0;
}

/* `ip link set IFINDEX up` */
static int
link_up (struct nl_sock *sk,
         int             ifindex)
{
  struct rtnl_link *orig = rtnl_link_alloc ();
  struct rtnl_link *change = rtnl_link_alloc ();
  int error = ENOMEM;

  if (orig != NULL && change != NULL)
    {
      rtnl_link_set_ifindex (orig, ifindex);
      rtnl_link_set_flags (change, IFF_UP);
      error = nl_errno (rtnl_link_change (sk, orig, change, 0));
    }
  if (orig != NULL)
    rtnl_link_put (orig);
  if (change != NULL)
    rtnl_link_put (change);
  return error;
}

static int
loopback_up (struct nl_sock *sk)
{
  int ifindex = 0;
  int error;

  if ((error = find_ifindex (sk, "lo", &ifindex)) != 0)
    return error;
  return link_up (sk, ifindex);
}

/* `ethtool -K NAME tx off tso off gso off gro off`, with @fd a socket of
 * the namespace NAME is in. */
static int
offloads_off (int         fd,
              const char *name)
{
  static const uint32_t commands[] = {
    ETHTOOL_STXCSUM, ETHTOOL_STSO, ETHTOOL_SGSO, ETHTOOL_SGRO,
  };
  struct ifreq ifr;

  memset (&ifr, 0, sizeof ifr);
  snprintf (ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);

  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    {
      struct ethtool_value value = { .cmd = commands[i], .data = 0 };

      ifr.ifr_data = (char *) &value;
      if (ioctl (fd, SIOCETHTOOL, &ifr) < 0)
        return errno;
    }
  return 0;
}

static struct nl_addr *
ipv4_nl_addr (uint32_t address,
              unsigned prefix_length)
{
  uint32_t be = htonl (address);
  struct nl_addr *addr = nl_addr_build (AF_INET, &be, sizeof be);

  if (addr != NULL)
    nl_addr_set_prefixlen (addr, (int) prefix_length);
  return addr;
}

/* The veth pair of @interface: "w<port>" here, in the wire namespace,
 * "eth<index>" in @host's, with its MAC; both down still. (Asking for
 * IFF_UP in the same message fails on Linux 6.x with ENOTCONN.) */
static int
make_veth (struct nl_sock        *wire_sk,
           const HelperHost      *host,
           const HelperInterface *interface,
           unsigned               port)
{
  struct rtnl_link *link = rtnl_link_veth_alloc ();
  struct rtnl_link *peer;
  struct nl_addr *mac;
  char name[IFNAMSIZ];
  int error;

  if (link == NULL)
    return ENOMEM;
  peer = rtnl_link_veth_get_peer (link);

  snprintf (name, sizeof name, "w%u", port);
  rtnl_link_set_name (link, name);

  snprintf (name, sizeof name, "eth%u", interface->index);
  rtnl_link_set_name (peer, name);
  rtnl_link_set_ns_fd (peer, host->ns_fd);
  mac = nl_addr_build (AF_LLC, interface->mac, sizeof interface->mac);
  if (mac == NULL)
    {
      rtnl_link_put (peer);
      rtnl_link_veth_release (link);
      return ENOMEM;
    }
  rtnl_link_set_addr (peer, mac);
  nl_addr_put (mac);

  error = nl_errno (rtnl_link_add (wire_sk, link, NLM_F_CREATE | NLM_F_EXCL));

  rtnl_link_put (peer);
  rtnl_link_veth_release (link);
  return error;
}

static int
add_address (struct nl_sock        *sk,
             int                    ifindex,
             const HelperInterface *interface)
{
  struct rtnl_addr *addr = rtnl_addr_alloc ();
  struct nl_addr *local;
  int error;

  if (addr == NULL)
    return ENOMEM;
  local = ipv4_nl_addr (interface->address, interface->prefix_length);
  if (local == NULL)
    {
      rtnl_addr_put (addr);
      return ENOMEM;
    }

  rtnl_addr_set_ifindex (addr, ifindex);
  rtnl_addr_set_family (addr, AF_INET);
  rtnl_addr_set_local (addr, local);
  error = nl_errno (rtnl_addr_add (sk, addr, 0));

  nl_addr_put (local);
  rtnl_addr_put (addr);
  return error;
}

static int
add_route (struct nl_sock    *sk,
           const HelperRoute *route,
           const int         *ifindexes)
{
  struct rtnl_route *r = rtnl_route_alloc ();
  struct rtnl_nexthop *nh = rtnl_route_nh_alloc ();
  struct nl_addr *destination = ipv4_nl_addr (route->destination, route->prefix_length);
  int error = ENOMEM;

  if (r == NULL || nh == NULL || destination == NULL)
    goto out;

  rtnl_route_set_family (r, AF_INET);
  rtnl_route_set_table (r, RT_TABLE_MAIN);
  rtnl_route_set_protocol (r, RTPROT_STATIC);
  rtnl_route_set_dst (r, destination);

  if (route->gateway != 0)
    {
      struct nl_addr *gateway = ipv4_nl_addr (route->gateway, 32);

      if (gateway == NULL)
        goto out;
      rtnl_route_nh_set_gateway (nh, gateway);
      nl_addr_put (gateway);
      rtnl_route_set_scope (r, RT_SCOPE_UNIVERSE);
    }
  else
    {
      rtnl_route_nh_set_ifindex (nh, ifindexes[route->dev]);
      rtnl_route_set_scope (r, RT_SCOPE_LINK);
    }
  rtnl_route_add_nexthop (r, nh);
  nh = NULL;  /* the route owns it */

  error = nl_errno (rtnl_route_add (sk, r, NLM_F_CREATE | NLM_F_EXCL));

out:
  if (nh != NULL)
    rtnl_route_nh_free (nh);
  if (destination != NULL)
    nl_addr_put (destination);
  if (r != NULL)
    rtnl_route_put (r);
  return error;
}

/* Makes @host's namespace and everything in it. The process is in the
 * wire namespace before and after. */
static int
setup_host (struct nl_sock *wire_sk,
            int             wire_ioctl_fd,
            unsigned        host_index,
            uint32_t       *out_stage,
            uint32_t       *out_index,
            uint32_t       *out_address)
{
  HelperHost *host = &helper_hosts[host_index];
  int ifindexes[PF_NETNS_MAX_HOST_INTERFACES];
  struct nl_sock *sk = NULL;
  int ioctl_fd = -1;
  int error;

  *out_stage = PF_NETNS_STAGE_HOST;
  *out_index = host_index;

  if (unshare (CLONE_NEWNET) < 0)
    return errno;
  host->ns_fd = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (host->ns_fd < 0)
    error = errno;
  else if ((error = ipv6_off ()) == 0 &&
           (!host->forward ||
            (error = helper_write_file ("/proc/sys/net/ipv4/ip_forward", "1")) == 0))
    {
      sk = connect_route_socket (&error);
      if (sk != NULL)
        {
          ioctl_fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
          if (ioctl_fd < 0)
            error = errno;
        }
      if (error == 0 && (error = loopback_up (sk)) != 0)
        *out_stage = PF_NETNS_STAGE_LOOPBACK_UP;
    }

  /* Back to the wire namespace, whatever happened: requests are served
   * from there. */
  {
    int enter_error = helper_enter (helper_wire_ns_fd);

    /* Requests would be served from a host's namespace: give up. */
    if (enter_error != 0)
      {
        error = enter_error;
        goto out;
      }
  }
  if (error != 0)
    goto out;

  for (unsigned i = 0; i < host->n_interfaces; i++)
    {
      unsigned port = host->first_interface + i;
      HelperInterface *interface = &helper_interfaces[port];
      char name[IFNAMSIZ];

      *out_stage = PF_NETNS_STAGE_INTERFACE;
      *out_index = port;
      *out_address = interface->address;

      if ((error = make_veth (wire_sk, host, interface, port)) != 0)
        goto out;

      snprintf (name, sizeof name, "w%u", port);
      if ((error = find_ifindex (wire_sk, name, &interface->wire_ifindex)) != 0 ||
          (error = offloads_off (wire_ioctl_fd, name)) != 0 ||
          (error = link_up (wire_sk, interface->wire_ifindex)) != 0)
        goto out;

      snprintf (name, sizeof name, "eth%u", i);
      if ((error = find_ifindex (sk, name, &ifindexes[i])) != 0 ||
          (error = offloads_off (ioctl_fd, name)) != 0 ||
          (error = link_up (sk, ifindexes[i])) != 0)
        goto out;

      *out_stage = PF_NETNS_STAGE_ADD_ADDRESS;
      if ((error = add_address (sk, ifindexes[i], interface)) != 0)
        goto out;
    }

  *out_stage = PF_NETNS_STAGE_ROUTE;
  *out_index = host_index;
  for (unsigned i = 0; i < host->n_routes; i++)
    {
      *out_address = host->routes[i].destination;
      if ((error = add_route (sk, &host->routes[i], ifindexes)) != 0)
        goto out;
    }

  *out_stage = PF_NETNS_STAGE_NONE;
  *out_address = 0;

out:
  if (ioctl_fd >= 0)
    close (ioctl_fd);
  if (sk != NULL)
    nl_socket_free (sk);
  return error;
}

int
helper_setup_topology (uint32_t *out_stage,
                       uint32_t *out_index,
                       uint32_t *out_address)
{
  struct nl_sock *wire_sk;
  int wire_ioctl_fd;
  int error;

  *out_stage = PF_NETNS_STAGE_LOOPBACK_UP;
  *out_index = PF_NETNS_WIRE;
  *out_address = 0;

  helper_wire_ns_fd = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (helper_wire_ns_fd < 0)
    return errno;
  if ((error = ipv6_off ()) != 0)
    return error;
  wire_sk = connect_route_socket (&error);
  if (wire_sk == NULL)
    return error;
  if ((error = loopback_up (wire_sk)) != 0)
    {
      nl_socket_free (wire_sk);
      return error;
    }
  wire_ioctl_fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (wire_ioctl_fd < 0)
    {
      error = errno;
      nl_socket_free (wire_sk);
      return error;
    }

  for (unsigned h = 0; h < helper_n_hosts && error == 0; h++)
    error = setup_host (wire_sk, wire_ioctl_fd, h, out_stage, out_index, out_address);

  close (wire_ioctl_fd);
  nl_socket_free (wire_sk);
  return error;
}
