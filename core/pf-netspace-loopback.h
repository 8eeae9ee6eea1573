/* pf-netspace-loopback.h: loopback mode, addresses mapped into 127.0.0.0/8
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pf-netspace.h"

G_BEGIN_DECLS

#define PF_TYPE_NETSPACE_LOOPBACK (pf_netspace_loopback_get_type ())

G_DECLARE_FINAL_TYPE (PfNetspaceLoopback, pf_netspace_loopback, PF, NETSPACE_LOOPBACK, PfNetspace)

PfNetspaceLoopback *pf_netspace_loopback_new (const PfIpv4  *addresses,
                                              guint          n_addresses,
                                              GError       **error);

G_END_DECLS
