/* pf-pcap-writer.h: save packets as a pcap file that Wireshark opens
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "pf-packet.h"

G_BEGIN_DECLS

#define PF_TYPE_PCAP_WRITER (pf_pcap_writer_get_type ())

G_DECLARE_FINAL_TYPE (PfPcapWriter, pf_pcap_writer, PF, PCAP_WRITER, GObject)

PfPcapWriter *pf_pcap_writer_new      (const char      *path,
                                       GError         **error);
const char   *pf_pcap_writer_get_path (PfPcapWriter    *self);
guint         pf_pcap_writer_get_n_packets (PfPcapWriter *self);
gboolean      pf_pcap_writer_get_ethernet (PfPcapWriter *self);
gboolean      pf_pcap_writer_write    (PfPcapWriter    *self,
                                       const PfPacket  *packet,
                                       gint64           wall_time_us,
                                       GError         **error);
gboolean      pf_pcap_writer_close    (PfPcapWriter    *self,
                                       GError         **error);

G_END_DECLS
