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
  PF_APPLICATION_NONE,  /* no payload, or bytes nothing here reads */
  PF_APPLICATION_TEXT,  /* printable text of no protocol named here */
  PF_APPLICATION_DNS,
  PF_APPLICATION_HTTP,
  PF_APPLICATION_SMTP,
  PF_APPLICATION_SSH,
} PfApplication;

PfApplication pf_packet_get_application         (const PfPacket *packet,
                                                 guint16         sport,
                                                 guint16         dport);
const char   *pf_application_to_string          (PfApplication   application);
char         *pf_packet_describe_application    (const PfPacket *packet);
char         *pf_packet_describe_application_at (const PfPacket *packet,
                                                 guint16         sport,
                                                 guint16         dport);
char         *pf_packet_describe                (const PfPacket *packet);
char         *pf_packet_describe_at             (const PfPacket *packet,
                                                 guint16         sport,
                                                 guint16         dport);

G_END_DECLS
