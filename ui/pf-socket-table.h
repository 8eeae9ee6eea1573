/* pf-socket-table.h: every socket of the run and its state, like ss(8)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "pf-view.h"

G_BEGIN_DECLS

#define PF_TYPE_SOCKET_TABLE (pf_socket_table_get_type ())

G_DECLARE_FINAL_TYPE (PfSocketTable, pf_socket_table, PF, SOCKET_TABLE, PfView)

GtkWidget  *pf_socket_table_new        (void);
guint       pf_socket_table_get_n_rows (PfSocketTable *self);
const char *pf_socket_table_get_state  (PfSocketTable *self,
                                        const char    *host_id,
                                        guint16        local_port,
                                        guint16        remote_port);
gboolean    pf_socket_table_get_changed (PfSocketTable *self,
                                         const char    *host_id,
                                         guint16        local_port,
                                         guint16        remote_port);

G_END_DECLS
