/* pf-netspace-namespace.h: exact mode, a network namespace per host
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pf-netspace.h"

G_BEGIN_DECLS

#define PF_TYPE_NETSPACE_NAMESPACE (pf_netspace_namespace_get_type ())

G_DECLARE_FINAL_TYPE (PfNetspaceNamespace, pf_netspace_namespace, PF, NETSPACE_NAMESPACE, PfNetspace)

PfNetspaceNamespace *pf_netspace_namespace_new             (const PfNetspaceHost *hosts,
                                                            guint                 n_hosts,
                                                            GError              **error);
const char          *pf_netspace_namespace_get_helper_path (PfNetspaceNamespace  *self);
GPid                 pf_netspace_namespace_get_helper_pid  (PfNetspaceNamespace  *self);

G_END_DECLS
