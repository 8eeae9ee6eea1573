/* pf-packet-list.h: the segments on screen, one row each
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "pf-player.h"

G_BEGIN_DECLS

#define PF_TYPE_PACKET_LIST (pf_packet_list_get_type ())

G_DECLARE_FINAL_TYPE (PfPacketList, pf_packet_list, PF, PACKET_LIST, GtkWidget)

GtkWidget *pf_packet_list_new        (void);
PfPlayer  *pf_packet_list_get_player (PfPacketList *self);
void       pf_packet_list_set_player (PfPacketList *self,
                                      PfPlayer     *player);
double     pf_packet_list_get_zoom   (PfPacketList *self);
void       pf_packet_list_set_zoom   (PfPacketList *self,
                                      double        zoom);
guint      pf_packet_list_get_n_rows (PfPacketList *self);

G_END_DECLS
