/* pf-netspace.h: where the scenario's sockets live
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A netspace answers four questions: "give me a socket bound to host H's
 * address and port P", "give me the wire end of port N" (exact mode),
 * "give me a socket that reads host H's table of TCP sockets"
 * (pf-sock-diag.h) and "how many ports are there".
 * Two backends (see DESIGN.md, "The wire: Packet Flow carries every
 * frame"):
 *
 *  - exact (PfNetspaceNamespace): packetflow-netns-helper gives every
 *    host a network namespace of its own, one interface (eth0, eth1, ...)
 *    per link it is on, each one end of a veth pair whose other end, in
 *    the helper's wire namespace, is a port: an AF_PACKET socket on it
 *    reads every frame the host sends there and delivers the frames sent
 *    to it. Nothing carries frames between ports but Packet Flow.
 *    Sockets bind to the scenario's own addresses and ports.
 *  - loopback (PfNetspaceLoopback): addresses mapped into 127.0.0.0/8,
 *    ports below 1024 moved up by 8000; no ports, segments are modelled.
 *
 * Every address and port the API takes is the scenario's; the map and
 * unmap functions convert to and from what the kernel reports
 * (g_socket_get_local_address () and friends). In exact mode they are the
 * identity.
 *
 * A netspace is used from the thread that created it, which must live as
 * long as it does (the helper dies with the thread that started it).
 */

#pragma once

#include <gio/gio.h>

#include "pf-address.h"
#include "pf-scenario.h"

G_BEGIN_DECLS

typedef enum
{
  PF_NETSPACE_MODE_AUTO,
  PF_NETSPACE_MODE_EXACT,
  PF_NETSPACE_MODE_LOOPBACK,
} PfNetspaceMode;

/* One interface of a host: eth<its index in the host's list>. */
typedef struct
{
  PfIpv4         address;
  guint          prefix_length;  /* 1..32; 32 on the implicit link */
  guint8         mac[6];         /* unicast, not all zero */
} PfNetspaceInterface;

/* One host: its own network namespace in exact mode. Its interfaces'
 * ports are numbered on from the previous hosts', in order. */
typedef struct
{
  const char                *id;               /* for messages */
  gboolean                   forward;          /* a router: ip_forward=1 */
  PfIpv4                     gateway;          /* default route's next hop; 0: none */
  gboolean                   default_on_link;  /* default route on eth0, no
                                                * gateway: the implicit link */
  const PfNetspaceInterface *interfaces;
  guint                      n_interfaces;
} PfNetspaceHost;

#define PF_NETSPACE_ERROR (pf_netspace_error_quark ())

typedef enum
{
  PF_NETSPACE_ERROR_INVALID_ADDRESS, /* an address no host can have */
  PF_NETSPACE_ERROR_NOT_ALLOWED,     /* user namespaces are refused here */
  PF_NETSPACE_ERROR_HELPER,          /* the helper is missing or misbehaved */
  PF_NETSPACE_ERROR_SETUP,           /* the private network could not be set up */
  PF_NETSPACE_ERROR_LOST,            /* the helper went away during a run */
} PfNetspaceError;

#define PF_TYPE_NETSPACE (pf_netspace_get_type ())

G_DECLARE_DERIVABLE_TYPE (PfNetspace, pf_netspace, PF, NETSPACE, GObject)

struct _PfNetspaceClass
{
  GObjectClass parent_class;

  /* signals */
  void            (*lost)            (PfNetspace   *self,
                                      const GError *error);

  /* virtual functions; the map functions default to the identity,
   * get_n_ports to 0 and open_port to G_IO_ERROR_NOT_SUPPORTED */
  PfNetspaceMode  (*get_mode)        (PfNetspace   *self);
  const char     *(*get_description) (PfNetspace   *self);
  GSocket        *(*create_socket)   (PfNetspace   *self,
                                      GSocketType   type,
                                      PfIpv4        scenario_address,
                                      guint16       scenario_port,
                                      GError      **error);
  guint           (*get_n_ports)     (PfNetspace   *self);
  GSocket        *(*open_port)       (PfNetspace   *self,
                                      guint         port,
                                      GError      **error);
  GSocket        *(*open_diag)       (PfNetspace   *self,
                                      guint         host,
                                      GError      **error);
  PfIpv4          (*map_address)     (PfNetspace   *self,
                                      PfIpv4        scenario_address);
  PfIpv4          (*unmap_address)   (PfNetspace   *self,
                                      PfIpv4        real_address);
  void            (*reserve_ports)   (PfNetspace    *self,
                                      const guint16 *ports,
                                      guint          n_ports);
  guint16         (*map_port)        (PfNetspace   *self,
                                      guint16       scenario_port);
  guint16         (*unmap_port)      (PfNetspace   *self,
                                      guint16       real_port);
};

GQuark          pf_netspace_error_quark        (void);

const char     *pf_netspace_mode_to_string     (PfNetspaceMode   mode);
gboolean        pf_netspace_mode_from_string   (const char      *text,
                                                PfNetspaceMode  *out_mode);

PfNetspace     *pf_netspace_new                (PfNetspaceMode         mode,
                                                const PfNetspaceHost  *hosts,
                                                guint                  n_hosts,
                                                char                 **out_fallback_reason,
                                                GError               **error);
GArray         *pf_netspace_hosts_from_scenario (const PfScenario     *scenario);

PfNetspaceMode  pf_netspace_get_mode           (PfNetspace      *self);
const char     *pf_netspace_get_description    (PfNetspace      *self);

GSocket        *pf_netspace_create_socket      (PfNetspace      *self,
                                                GSocketType      type,
                                                PfIpv4           scenario_address,
                                                guint16          scenario_port,
                                                GError         **error);
guint           pf_netspace_get_n_ports        (PfNetspace      *self);
GSocket        *pf_netspace_open_port          (PfNetspace      *self,
                                                guint            port,
                                                GError         **error);
guint           pf_netspace_port_take_drops    (GSocket         *port);
GSocket        *pf_netspace_open_diag          (PfNetspace      *self,
                                                guint            host,
                                                GError         **error);

PfIpv4          pf_netspace_map_address        (PfNetspace      *self,
                                                PfIpv4           scenario_address);
PfIpv4          pf_netspace_unmap_address      (PfNetspace      *self,
                                                PfIpv4           real_address);
void            pf_netspace_reserve_ports      (PfNetspace      *self,
                                                const guint16   *ports,
                                                guint            n_ports);
guint16         pf_netspace_map_port           (PfNetspace      *self,
                                                guint16          scenario_port);
guint16         pf_netspace_unmap_port         (PfNetspace      *self,
                                                guint16          real_port);

G_END_DECLS
