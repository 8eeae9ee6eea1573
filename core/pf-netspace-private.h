/* pf-netspace-private.h: what the netspace backends share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pf-netspace.h"

G_BEGIN_DECLS

gboolean       pf_netspace_set_addresses     (PfNetspace    *self,
                                              const PfIpv4  *addresses,
                                              guint          n_addresses,
                                              GError       **error);
const PfIpv4  *pf_netspace_get_addresses     (PfNetspace    *self,
                                              guint         *out_n_addresses);
gboolean       pf_netspace_has_address       (PfNetspace    *self,
                                              PfIpv4         scenario_address);

void           pf_netspace_set_socket_error  (PfNetspace    *self,
                                              GError       **error,
                                              int            errsv,
                                              PfIpv4         scenario_address,
                                              guint16        scenario_port);
GSocket       *pf_netspace_socket_from_fd    (int            fd,
                                              GError       **error);

void           pf_netspace_emit_lost         (PfNetspace    *self,
                                              const GError  *error);

G_END_DECLS
