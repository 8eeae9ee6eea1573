/* pf-packet-list.h: the segments on screen, one row each
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "pf-view.h"

G_BEGIN_DECLS

#define PF_TYPE_PACKET_LIST (pf_packet_list_get_type ())

G_DECLARE_FINAL_TYPE (PfPacketList, pf_packet_list, PF, PACKET_LIST, PfView)

GtkWidget *pf_packet_list_new        (void);
guint      pf_packet_list_get_n_rows (PfPacketList *self);

G_END_DECLS
