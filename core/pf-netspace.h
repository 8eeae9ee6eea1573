/* pf-netspace.h: where the scenario's sockets live
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A netspace answers three questions: "give me a socket bound to host H's
 * address and port P", "give me the capture socket, if there is one" and
 * "give me a socket that reads the kernel's table of TCP sockets"
 * (pf-sock-diag.h).
 * Two backends (see DESIGN.md, "The one idea that makes it honest"):
 *
 *  - exact (PfNetspaceNamespace): a private network namespace made by
 *    packetflow-netns-helper. Sockets bind to the scenario's own addresses
 *    and ports; an AF_PACKET socket on lo sees every segment.
 *  - loopback (PfNetspaceLoopback): addresses mapped into 127.0.0.0/8,
 *    ports below 1024 moved up by 8000; no capture, segments are modelled.
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

G_BEGIN_DECLS

typedef enum
{
  PF_NETSPACE_MODE_AUTO,
  PF_NETSPACE_MODE_EXACT,
  PF_NETSPACE_MODE_LOOPBACK,
} PfNetspaceMode;

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

  /* virtual functions; the map functions default to the identity and
   * open_capture to "no capture" */
  PfNetspaceMode  (*get_mode)        (PfNetspace   *self);
  const char     *(*get_description) (PfNetspace   *self);
  GSocket        *(*create_socket)   (PfNetspace   *self,
                                      GSocketType   type,
                                      PfIpv4        scenario_address,
                                      guint16       scenario_port,
                                      GError      **error);
  GSocket        *(*open_capture)    (PfNetspace   *self,
                                      GError      **error);
  GSocket        *(*open_diag)       (PfNetspace   *self,
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

PfNetspace     *pf_netspace_new                (PfNetspaceMode   mode,
                                                const PfIpv4    *addresses,
                                                guint            n_addresses,
                                                char           **out_fallback_reason,
                                                GError         **error);

PfNetspaceMode  pf_netspace_get_mode           (PfNetspace      *self);
const char     *pf_netspace_get_description    (PfNetspace      *self);

GSocket        *pf_netspace_create_socket      (PfNetspace      *self,
                                                GSocketType      type,
                                                PfIpv4           scenario_address,
                                                guint16          scenario_port,
                                                GError         **error);
GSocket        *pf_netspace_open_capture       (PfNetspace      *self,
                                                GError         **error);
gssize          pf_netspace_capture_receive    (GSocket         *capture,
                                                guint8          *buf,
                                                gsize            size,
                                                GError         **error);
guint           pf_netspace_capture_take_drops (GSocket         *capture);
GSocket        *pf_netspace_open_diag          (PfNetspace      *self,
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
