/* pf-wire.h: Packet Flow is the wire between the hosts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define PF_WIRE_MAX_FRAME 2048   /* an MTU of 1500 with offloads off: 1514 */
#define PF_WIRE_INLINE_PORTS 4

/* One frame the wire carried: read from the port it left by, held for
 * its link's latency, then sent on every port it was delivered to. */
typedef struct
{
  GBytes *bytes;         /* the frame as it left, Ethernet header first */
  guint   link;
  guint   from_port;
  gint64  left_us;       /* g_get_real_time () when the wire read it */
  gint64  delivered_us;  /* g_get_real_time () when the wire sent it on */
  guint   n_to;
  guint  *to_ports;      /* the ports it was delivered to */

  /*< private >*/
  guint   to_inline[PF_WIRE_INLINE_PORTS];  /* to_ports, when it is short */
} PfWireFrame;

#define PF_TYPE_WIRE (pf_wire_get_type ())

G_DECLARE_FINAL_TYPE (PfWire, pf_wire, PF, WIRE, GObject)

PfWire  *pf_wire_new                (void);

guint    pf_wire_add_link           (PfWire   *self,
                                     guint     latency_us);
guint    pf_wire_add_port           (PfWire   *self,
                                     guint     link,
                                     GSocket  *socket);

void     pf_wire_start              (PfWire   *self);
void     pf_wire_stop               (PfWire   *self);
void     pf_wire_poll               (PfWire   *self);

guint    pf_wire_get_n_in_flight    (PfWire   *self);
guint64  pf_wire_get_frames_in      (PfWire   *self);
guint64  pf_wire_get_frames_out     (PfWire   *self);
guint64  pf_wire_get_frames_lost    (PfWire   *self);
char    *pf_wire_take_loss_message  (PfWire   *self);

G_END_DECLS
