/* pf-packet-info.h: a packet in words, as a capture tool's Info column
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "pf-packet.h"

G_BEGIN_DECLS

/* The application protocols told apart by content and port. */
typedef enum /*< skip >*/
{
  PF_APP_PROTOCOL_NONE,  /* no payload, or bytes nothing here reads */
  PF_APP_PROTOCOL_TEXT,  /* printable text of no protocol named here */
  PF_APP_PROTOCOL_DNS,
  PF_APP_PROTOCOL_HTTP,
  PF_APP_PROTOCOL_SMTP,
  PF_APP_PROTOCOL_SSH,
  PF_APP_PROTOCOL_ARP,   /* an ARP message: no IP, but a protocol all the same */
} PfAppProtocol;

PfAppProtocol pf_packet_get_app_protocol         (const PfPacket *packet,
                                                 guint16         sport,
                                                 guint16         dport);
const char   *pf_app_protocol_to_string          (PfAppProtocol   application);
char         *pf_packet_describe_application    (const PfPacket *packet);
char         *pf_packet_describe_application_at (const PfPacket *packet,
                                                 guint16         sport,
                                                 guint16         dport);
char         *pf_packet_describe_application_brief_at (const PfPacket *packet,
                                                       guint16         sport,
                                                       guint16         dport);
char         *pf_packet_describe                (const PfPacket *packet);
char         *pf_packet_describe_at             (const PfPacket *packet,
                                                 guint16         sport,
                                                 guint16         dport);

G_END_DECLS
