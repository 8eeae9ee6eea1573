/* pf-view-util.h: what the packet list, inspector and socket table share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "pf-player.h"

G_BEGIN_DECLS

const PfHost *pf_view_find_host          (PfPlayer          *player,
                                          PfIpv4             real_address);
guint16       pf_view_unmap_port         (PfPlayer          *player,
                                          guint16            real_port);
char         *pf_view_format_address     (PfPlayer          *player,
                                          PfIpv4             real_address,
                                          char             **out_here);
char         *pf_view_format_endpoint    (PfPlayer          *player,
                                          const PfEndpoint  *real,
                                          char             **out_here);
char         *pf_view_describe_run       (PfPlayer          *player);
gboolean      pf_view_events_related     (PfEvent           *a,
                                          PfEvent           *b);
char         *pf_view_describe_packet    (PfPlayer          *player,
                                          PfPacket          *packet);
const char   *pf_view_protocol_name      (PfPlayer          *player,
                                          PfPacket          *packet);

GtkWidget    *pf_view_endpoint_label_new (void);
void          pf_view_endpoint_label_set (GtkWidget         *label_box,
                                          const char        *text,
                                          const char        *here);
void          pf_view_name_inner_button  (GtkWidget         *control,
                                          const char        *label);
GtkWidget    *pf_view_get_list_view      (GtkColumnView     *column_view);
GtkWidget    *pf_view_get_row_widget     (GtkWidget         *cell_child);

G_END_DECLS
