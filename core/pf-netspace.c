/* pf-netspace.c: where the scenario's sockets live
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-netspace"

#include "config.h"

#include "pf-netspace.h"

#include <errno.h>
#include <string.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include <glib/gi18n-lib.h>

#include "pf-netns-protocol.h"
#include "pf-netspace-loopback.h"
#include "pf-netspace-namespace.h"
#include "pf-netspace-private.h"

typedef struct
{
  GArray *addresses; /* PfIpv4, scenario order, no duplicates */
} PfNetspacePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (PfNetspace, pf_netspace, G_TYPE_OBJECT)

G_DEFINE_QUARK (pf-netspace-error-quark, pf_netspace_error)

enum {
  LOST,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static PfIpv4
pf_netspace_real_map_address (PfNetspace *self,
                              PfIpv4      address)
{
  return address;
}

static guint16
pf_netspace_real_map_port (PfNetspace *self,
                           guint16     port)
{
  return port;
}

static guint
pf_netspace_real_get_n_ports (PfNetspace *self)
{
  return 0;
}

static GSocket *
pf_netspace_real_open_port (PfNetspace  *self,
                            guint        port,
                            GError     **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
               _("Only exact mode has a wire: in %s mode the segments are modelled."),
               pf_netspace_mode_to_string (pf_netspace_get_mode (self)));
  return NULL;
}

/* "Cause, so Packet Flow uses loopback …": the error's sentence becomes
 * the first half of the reason shown to the user. */
static char *
fallback_reason (const GError *error)
{
  g_autofree char *cause = g_strdup (error->message);
  gsize len = strlen (cause);

  if (len > 0 && cause[len - 1] == '.')
    cause[len - 1] = '\0';

  return g_strdup_printf (_("%s, so Packet Flow uses loopback addresses and models the segments."),
                          cause);
}

static void
pf_netspace_finalize (GObject *object)
{
  PfNetspace *self = PF_NETSPACE (object);
  PfNetspacePrivate *priv = pf_netspace_get_instance_private (self);

  g_clear_pointer (&priv->addresses, g_array_unref);

  G_OBJECT_CLASS (pf_netspace_parent_class)->finalize (object);
}

static void
pf_netspace_class_init (PfNetspaceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pf_netspace_finalize;

  klass->map_address = pf_netspace_real_map_address;
  klass->unmap_address = pf_netspace_real_map_address;
  klass->map_port = pf_netspace_real_map_port;
  klass->unmap_port = pf_netspace_real_map_port;
  klass->get_n_ports = pf_netspace_real_get_n_ports;
  klass->open_port = pf_netspace_real_open_port;

  /**
   * PfNetspace::lost:
   * @error: what happened, as a sentence (PF_NETSPACE_ERROR_LOST)
   *
   * The private network's helper went away during a run. Sockets already
   * handed out keep working; new ones cannot be made.
   */
  signals[LOST] =
    g_signal_new ("lost",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  G_STRUCT_OFFSET (PfNetspaceClass, lost),
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
pf_netspace_init (PfNetspace *self)
{
  PfNetspacePrivate *priv = pf_netspace_get_instance_private (self);

  priv->addresses = g_array_new (FALSE, FALSE, sizeof (PfIpv4));
}

/* Private API for the backends */

gboolean
pf_netspace_set_addresses (PfNetspace    *self,
                           const PfIpv4  *addresses,
                           guint          n_addresses,
                           GError       **error)
{
  PfNetspacePrivate *priv = pf_netspace_get_instance_private (self);

  g_return_val_if_fail (PF_IS_NETSPACE (self), FALSE);
  g_return_val_if_fail (addresses != NULL || n_addresses == 0, FALSE);

  g_array_set_size (priv->addresses, 0);

  for (guint i = 0; i < n_addresses; i++)
    {
      char text[PF_IPV4_STRLEN];

      pf_ipv4_format (addresses[i], text);

      if ((addresses[i] >> 24) == 0 || addresses[i] >= 0xe0000000u)
        {
          g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_INVALID_ADDRESS,
                       _("%s cannot be the address of a host."), text);
          return FALSE;
        }

      if (pf_netspace_has_address (self, addresses[i]))
        continue;

      if (priv->addresses->len >= PF_NETNS_MAX_ADDRESSES)
        {
          g_set_error (error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_INVALID_ADDRESS,
                       _("A scenario can have at most %u host addresses."),
                       PF_NETNS_MAX_ADDRESSES);
          return FALSE;
        }

      g_array_append_val (priv->addresses, addresses[i]);
    }

  return TRUE;
}

const PfIpv4 *
pf_netspace_get_addresses (PfNetspace *self,
                           guint      *out_n_addresses)
{
  PfNetspacePrivate *priv = pf_netspace_get_instance_private (self);

  g_return_val_if_fail (PF_IS_NETSPACE (self), NULL);

  if (out_n_addresses != NULL)
    *out_n_addresses = priv->addresses->len;
  return (const PfIpv4 *) (gpointer) priv->addresses->data;
}

gboolean
pf_netspace_has_address (PfNetspace *self,
                         PfIpv4      scenario_address)
{
  PfNetspacePrivate *priv = pf_netspace_get_instance_private (self);

  for (guint i = 0; i < priv->addresses->len; i++)
    if (g_array_index (priv->addresses, PfIpv4, i) == scenario_address)
      return TRUE;
  return FALSE;
}

/* One sentence for a socket () or bind () that failed with @errsv,
 * naming the scenario's address and port, and the real ones when the
 * backend maps them elsewhere. */
void
pf_netspace_set_socket_error (PfNetspace  *self,
                              GError     **error,
                              int          errsv,
                              PfIpv4       scenario_address,
                              guint16      scenario_port)
{
  PfIpv4 real_address = pf_netspace_map_address (self, scenario_address);
  guint16 real_port = pf_netspace_map_port (self, scenario_port);
  gboolean mapped = real_address != scenario_address || real_port != scenario_port;
  GIOErrorEnum code = g_io_error_from_errno (errsv);
  char address[PF_IPV4_STRLEN];
  char real[PF_IPV4_STRLEN];

  pf_ipv4_format (scenario_address, address);
  pf_ipv4_format (real_address, real);

  switch (errsv)
    {
    case EADDRINUSE:
      if (scenario_port == 0)
        g_set_error (error, G_IO_ERROR, code,
                     _("No free port is left on %s."), address);
      else if (mapped)
        g_set_error (error, G_IO_ERROR, code,
                     _("Port %u on %s is already in use (it is port %u on %s on this computer)."),
                     scenario_port, address, real_port, real);
      else
        g_set_error (error, G_IO_ERROR, code,
                     _("Port %u on %s is already in use."), scenario_port, address);
      break;

    case EADDRNOTAVAIL:
    case ENETUNREACH:
      /* Loopback mode: 127.0.0.0/8 is only there while lo is up (a new
       * network namespace starts with it down). */
      if (real_address != scenario_address)
        g_set_error (error, G_IO_ERROR, code,
                     _("The address %s cannot be used here: this computer does not accept "
                       "%s, which stands in for it, because its loopback interface is down "
                       "or has no 127.0.0.0/8 addresses."),
                     address, real);
      else if (errsv == EADDRNOTAVAIL)
        g_set_error (error, G_IO_ERROR, code,
                     _("The address %s cannot be used here."), address);
      else
        g_set_error (error, G_IO_ERROR, code,
                     _("The address %s cannot be reached here."), address);
      break;

    case EACCES:
    case EPERM:
      g_set_error (error, G_IO_ERROR, code,
                   _("Port %u on %s needs privileges that Packet Flow does not have."),
                   real_port, real);
      break;

    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
      g_set_error (error, G_IO_ERROR, code,
                   _("Packet Flow has too many sockets open to open another on %s."),
                   address);
      break;

    default:
      g_set_error (error, G_IO_ERROR, code,
                   _("A socket on %s port %u could not be opened: %s."),
                   address, scenario_port, g_strerror (errsv));
      break;
    }
}

/* Takes @fd, even on failure (GSocket closes it). */
GSocket *
pf_netspace_socket_from_fd (int      fd,
                            GError **error)
{
  g_autoptr(GError) local_error = NULL;
  GSocket *socket;

  socket = g_socket_new_from_fd (fd, &local_error);
  if (socket == NULL)
    {
      g_set_error (error, G_IO_ERROR, local_error->code,
                   _("A new socket could not be used: %s."), local_error->message);
      return NULL;
    }

  /* The descriptor is non-blocking already; this makes GSocket's own
   * calls return G_IO_ERROR_WOULD_BLOCK instead of waiting. */
  g_socket_set_blocking (socket, FALSE);
  return socket;
}

void
pf_netspace_emit_lost (PfNetspace   *self,
                       const GError *error)
{
  g_return_if_fail (PF_IS_NETSPACE (self));
  g_return_if_fail (error != NULL);

  g_signal_emit (self, signals[LOST], 0, error);
}

/* Public API */

const char *
pf_netspace_mode_to_string (PfNetspaceMode mode)
{
  switch (mode)
    {
    case PF_NETSPACE_MODE_AUTO:
      return "auto";
    case PF_NETSPACE_MODE_EXACT:
      return "exact";
    case PF_NETSPACE_MODE_LOOPBACK:
      return "loopback";
    default:
      g_return_val_if_reached (NULL);
    }
}

gboolean
pf_netspace_mode_from_string (const char     *text,
                              PfNetspaceMode *out_mode)
{
  static const PfNetspaceMode modes[] = {
    PF_NETSPACE_MODE_AUTO, PF_NETSPACE_MODE_EXACT, PF_NETSPACE_MODE_LOOPBACK,
  };

  g_return_val_if_fail (out_mode != NULL, FALSE);

  if (text == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      if (g_str_equal (text, pf_netspace_mode_to_string (modes[i])))
        {
          *out_mode = modes[i];
          return TRUE;
        }
    }

  return FALSE;
}

/* Every interface's address, host after host: loopback mode's list. */
static GArray *
every_address (const PfNetspaceHost *hosts,
               guint                 n_hosts)
{
  GArray *addresses = g_array_new (FALSE, FALSE, sizeof (PfIpv4));

  for (guint i = 0; i < n_hosts; i++)
    for (guint j = 0; j < hosts[i].n_interfaces; j++)
      g_array_append_val (addresses, hosts[i].interfaces[j].address);
  return addresses;
}

/**
 * pf_netspace_new:
 * @mode: AUTO tries exact mode and falls back to loopback; EXACT fails
 *   when exact mode is not available; LOOPBACK never tries exact mode
 * @hosts: (array length=n_hosts): the scenario's hosts, in order (their
 *   interfaces' ports are numbered in that order); see
 *   pf_netspace_hosts_from_scenario ()
 * @n_hosts: how many
 * @out_fallback_reason: (out) (optional) (transfer full): set to a
 *   sentence for the user when AUTO fell back to loopback, else to %NULL
 * @error: a PF_NETSPACE_ERROR
 *
 * Loopback mode takes every interface's address (a router's several
 * too); a duplicate counts once there. Exact mode refuses one address on
 * two interfaces (PF_NETSPACE_ERROR_INVALID_ADDRESS).
 *
 * Returns: (transfer full): the netspace, or %NULL with @error set
 */
PfNetspace *
pf_netspace_new (PfNetspaceMode         mode,
                 const PfNetspaceHost  *hosts,
                 guint                  n_hosts,
                 char                 **out_fallback_reason,
                 GError               **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GArray) addresses = NULL;
  PfNetspaceNamespace *exact;

  g_return_val_if_fail (mode == PF_NETSPACE_MODE_AUTO ||
                        mode == PF_NETSPACE_MODE_EXACT ||
                        mode == PF_NETSPACE_MODE_LOOPBACK, NULL);
  g_return_val_if_fail (hosts != NULL || n_hosts == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (out_fallback_reason != NULL)
    *out_fallback_reason = NULL;

  addresses = every_address (hosts, n_hosts);

  if (mode == PF_NETSPACE_MODE_LOOPBACK)
    return PF_NETSPACE (pf_netspace_loopback_new ((const PfIpv4 *) (gpointer) addresses->data,
                                                  addresses->len, error));

  exact = pf_netspace_namespace_new (hosts, n_hosts, &local_error);
  if (exact != NULL)
    return PF_NETSPACE (exact);

  if (g_error_matches (local_error, PF_NETSPACE_ERROR, PF_NETSPACE_ERROR_INVALID_ADDRESS))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (mode == PF_NETSPACE_MODE_EXACT)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  _("Exact mode is not available. "));
      return NULL;
    }

  g_debug ("Exact mode is not available, using loopback: %s", local_error->message);

  if (out_fallback_reason != NULL)
    *out_fallback_reason = fallback_reason (local_error);

  return PF_NETSPACE (pf_netspace_loopback_new ((const PfIpv4 *) (gpointer) addresses->data,
                                                addresses->len, error));
}

static void
clear_host (gpointer data)
{
  PfNetspaceHost *host = data;

  g_free ((gpointer) host->interfaces);
  host->interfaces = NULL;
}

/**
 * pf_netspace_hosts_from_scenario:
 * @scenario: a loaded scenario, which must outlive the array (the hosts'
 *   ids are its strings)
 *
 * The scenario's network as pf_netspace_new () takes it: one
 * PfNetspaceHost per host, in file order, its interfaces in order (so
 * port N is scenario->interfaces[N]); a router forwards; a host on the
 * implicit link has a default route on eth0 with no gateway, any other
 * its gateway if it has one. A host without interfaces (a scenario made
 * before links) gets its address on the implicit link.
 *
 * Returns: (transfer full) (element-type PfNetspaceHost): the hosts;
 *   freeing the array frees their interfaces
 */
GArray *
pf_netspace_hosts_from_scenario (const PfScenario *scenario)
{
  GArray *hosts;

  g_return_val_if_fail (scenario != NULL, NULL);

  hosts = g_array_sized_new (FALSE, TRUE, sizeof (PfNetspaceHost), scenario->hosts->len);
  g_array_set_clear_func (hosts, clear_host);

  for (guint i = 0; i < scenario->hosts->len; i++)
    {
      const PfHost *host = g_ptr_array_index (scenario->hosts, i);
      guint n = host->interfaces != NULL ? host->interfaces->len : 0;
      PfNetspaceInterface *interfaces = g_new0 (PfNetspaceInterface, MAX (n, 1));
      PfNetspaceHost entry = {
        .id = host->id,
        .forward = host->is_router,
        .gateway = host->gateway,
        .interfaces = interfaces,
        .n_interfaces = n,
      };

      /* A scenario whose loader gave no interfaces (one made before
       * links): the host's address on the implicit link, as the loader
       * would make it. */
      if (n == 0)
        {
          interfaces[0].address = host->address;
          interfaces[0].prefix_length = 32;
          interfaces[0].mac[0] = 0x02;
          interfaces[0].mac[1] = 0x50;
          interfaces[0].mac[2] = 0x46;
          interfaces[0].mac[3] = (guint8) (i >> 8);
          interfaces[0].mac[4] = (guint8) i;
          entry.n_interfaces = 1;
          entry.default_on_link = TRUE;
        }

      for (guint j = 0; j < n; j++)
        {
          const PfInterface *interface = g_ptr_array_index (host->interfaces, j);

          interfaces[j].address = interface->address;
          interfaces[j].prefix_length = interface->prefix_length;
          memcpy (interfaces[j].mac, interface->mac, sizeof interfaces[j].mac);
          if (j == 0 && interface->link != NULL && interface->link->implicit)
            entry.default_on_link = TRUE;
        }
      if (entry.default_on_link)
        entry.gateway = 0;

      g_array_append_val (hosts, entry);
    }

  return hosts;
}

/* EXACT or LOOPBACK, never AUTO. */
PfNetspaceMode
pf_netspace_get_mode (PfNetspace *self)
{
  g_return_val_if_fail (PF_IS_NETSPACE (self), PF_NETSPACE_MODE_LOOPBACK);

  return PF_NETSPACE_GET_CLASS (self)->get_mode (self);
}

/* "exact: private network namespace", for the badge and the CLI. */
const char *
pf_netspace_get_description (PfNetspace *self)
{
  g_return_val_if_fail (PF_IS_NETSPACE (self), NULL);

  return PF_NETSPACE_GET_CLASS (self)->get_description (self);
}

/**
 * pf_netspace_create_socket:
 * @type: %G_SOCKET_TYPE_STREAM (TCP) or %G_SOCKET_TYPE_DATAGRAM (UDP)
 * @scenario_address: one of the netspace's host addresses
 * @scenario_port: the port, or 0 for an ephemeral one
 *
 * Returns: (transfer full): a non-blocking IPv4 socket bound to the
 *   address and port as the backend maps them (stream sockets have
 *   SO_REUSEADDR), or %NULL with a G_IO_ERROR whose message names the
 *   scenario's address and port
 */
GSocket *
pf_netspace_create_socket (PfNetspace   *self,
                           GSocketType   type,
                           PfIpv4        scenario_address,
                           guint16       scenario_port,
                           GError      **error)
{
  g_return_val_if_fail (PF_IS_NETSPACE (self), NULL);
  g_return_val_if_fail (type == G_SOCKET_TYPE_STREAM || type == G_SOCKET_TYPE_DATAGRAM, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!pf_netspace_has_address (self, scenario_address))
    {
      char text[PF_IPV4_STRLEN];

      pf_ipv4_format (scenario_address, text);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%s is not the address of any host in this scenario."), text);
      return NULL;
    }

  return PF_NETSPACE_GET_CLASS (self)->create_socket (self, type, scenario_address,
                                                      scenario_port, error);
}

/* How many ports the wire has: every host's interfaces together. 0 in
 * loopback mode. */
guint
pf_netspace_get_n_ports (PfNetspace *self)
{
  g_return_val_if_fail (PF_IS_NETSPACE (self), 0);

  return PF_NETSPACE_GET_CLASS (self)->get_n_ports (self);
}

/**
 * pf_netspace_open_port:
 * @port: the port number, below pf_netspace_get_n_ports (): the index of
 *   the interface among every host's (PfInterface.port)
 *
 * Exact mode: the wire end of that interface's veth pair, as an
 * AF_PACKET socket (SOCK_RAW, ETH_P_ALL), non-blocking: every frame the
 * host sends on that interface is read there, whole, from the Ethernet
 * header on, and a frame sent there (g_socket_send ()) reaches the host.
 * Frames it sends are not read back (PACKET_IGNORE_OUTGOING). Nothing
 * else carries frames: a frame no one sends on is lost. Each port can be
 * opened once (G_IO_ERROR_BUSY the second time).
 *
 * Returns: (transfer full): the socket, or %NULL with a G_IO_ERROR
 *   (%G_IO_ERROR_NOT_SUPPORTED in loopback mode) or PF_NETSPACE_ERROR_LOST
 */
GSocket *
pf_netspace_open_port (PfNetspace  *self,
                       guint        port,
                       GError     **error)
{
  g_return_val_if_fail (PF_IS_NETSPACE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return PF_NETSPACE_GET_CLASS (self)->open_port (self, port, error);
}

/**
 * pf_netspace_port_take_drops:
 * @port: a socket from pf_netspace_open_port ()
 *
 * How many frames the kernel dropped on @port since the last call,
 * because its buffer (4 MiB asked for) was full: a burst faster than it
 * was read.
 *
 * Returns: the frames dropped, 0 if none or if the kernel will not say
 */
guint
pf_netspace_port_take_drops (GSocket *port)
{
  struct tpacket_stats stats = { 0 };
  socklen_t len = sizeof stats;

  g_return_val_if_fail (G_IS_SOCKET (port), 0);

  /* Reading the counters resets them. */
  if (getsockopt (g_socket_get_fd (port), SOL_PACKET, PACKET_STATISTICS, &stats, &len) != 0)
    return 0;
  return stats.tp_drops;
}

/**
 * pf_netspace_open_diag:
 *
 * @host: the host's index among those given to pf_netspace_new ()
 *
 * A NETLINK_SOCK_DIAG socket for pf_sock_diag_lookup_tcp () and
 * pf_sock_diag_dump_tcp (). Exact mode: made in @host's namespace, so it
 * sees that host's sockets and nothing else. Loopback mode: @host is
 * ignored; made
 * here, in this computer's own network, so a dump has every program's
 * sockets; keep those whose addresses and ports are the scenario's,
 * mapped (a lookup by them finds only those).
 *
 * Returns: (transfer full): the socket, or %NULL with @error set
 *   (PF_NETSPACE_ERROR_LOST when the private network's helper is gone)
 */
GSocket *
pf_netspace_open_diag (PfNetspace  *self,
                       guint        host,
                       GError     **error)
{
  g_return_val_if_fail (PF_IS_NETSPACE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return PF_NETSPACE_GET_CLASS (self)->open_diag (self, host, error);
}

PfIpv4
pf_netspace_map_address (PfNetspace *self,
                         PfIpv4      scenario_address)
{
  g_return_val_if_fail (PF_IS_NETSPACE (self), scenario_address);

  return PF_NETSPACE_GET_CLASS (self)->map_address (self, scenario_address);
}

PfIpv4
pf_netspace_unmap_address (PfNetspace *self,
                           PfIpv4      real_address)
{
  g_return_val_if_fail (PF_IS_NETSPACE (self), real_address);

  return PF_NETSPACE_GET_CLASS (self)->unmap_address (self, real_address);
}

/**
 * pf_netspace_reserve_ports:
 * @ports: every port the scenario uses, in any order, duplicates allowed
 *
 * Tells the netspace which ports the scenario uses as they are, so no
 * port it moves (loopback mode) lands on one of them. Call it before the
 * first socket. Exact mode moves nothing and ignores it.
 */
void
pf_netspace_reserve_ports (PfNetspace    *self,
                           const guint16 *ports,
                           guint          n_ports)
{
  g_return_if_fail (PF_IS_NETSPACE (self));
  g_return_if_fail (ports != NULL || n_ports == 0);

  if (PF_NETSPACE_GET_CLASS (self)->reserve_ports != NULL)
    PF_NETSPACE_GET_CLASS (self)->reserve_ports (self, ports, n_ports);
}

guint16
pf_netspace_map_port (PfNetspace *self,
                      guint16     scenario_port)
{
  g_return_val_if_fail (PF_IS_NETSPACE (self), scenario_port);

  return PF_NETSPACE_GET_CLASS (self)->map_port (self, scenario_port);
}

guint16
pf_netspace_unmap_port (PfNetspace *self,
                        guint16     real_port)
{
  g_return_val_if_fail (PF_IS_NETSPACE (self), real_port);

  return PF_NETSPACE_GET_CLASS (self)->unmap_port (self, real_port);
}
