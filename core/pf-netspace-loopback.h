/* pf-netspace-loopback.h: loopback mode, addresses mapped into 127.0.0.0/8
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pf-netspace.h"

G_BEGIN_DECLS

/* How many blocks of mapped addresses runs side by side can take. */
#define PF_NETSPACE_LOOPBACK_N_BLOCKS 16

#define PF_TYPE_NETSPACE_LOOPBACK (pf_netspace_loopback_get_type ())

G_DECLARE_FINAL_TYPE (PfNetspaceLoopback, pf_netspace_loopback, PF, NETSPACE_LOOPBACK, PfNetspace)

PfNetspaceLoopback *pf_netspace_loopback_new (const PfIpv4  *addresses,
                                              guint          n_addresses,
                                              GError       **error);
PfNetspaceLoopback *pf_netspace_loopback_new_in_block (const PfIpv4  *addresses,
                                                       guint          n_addresses,
                                                       guint          block,
                                                       GError       **error);
guint               pf_netspace_loopback_get_block    (PfNetspaceLoopback *self);

G_END_DECLS
