/* pf-inspector-private.h: what the inspector's files share
 *
 * pf-inspector.c the widget and the headers' sections (Frame, Hop,
 * Ethernet II, IPv4, TCP, UDP), pf-inspector-sections.c the sections for
 * what a packet says (ARP, ICMP, DNS, HTTP, SMTP, SSH, text).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pf-inspector.h"

G_BEGIN_DECLS

#define PF_TYPE_INSPECTOR_FIELD (pf_inspector_field_get_type ())

typedef struct _PfInspectorField PfInspectorField;

GType             pf_inspector_field_get_type  (void) G_GNUC_CONST;

PfInspectorField *pf_inspector_field_add       (PfInspector      *self,
                                                GListStore       *parent,
                                                const char       *name,
                                                char             *value);
G_GNUC_PRINTF (4, 5)
PfInspectorField *pf_inspector_field_addf      (PfInspector      *self,
                                                GListStore       *parent,
                                                const char       *name,
                                                const char       *format,
                                                ...);
GListStore       *pf_inspector_field_children  (PfInspectorField *field);

void              pf_inspector_add_icmp        (PfInspector      *self,
                                                GListStore       *parent,
                                                PfPacket         *packet);
void              pf_inspector_add_arp         (PfInspector      *self,
                                                GListStore       *parent,
                                                PfPacket         *packet);
char             *pf_inspector_arp_text        (PfInspector      *self,
                                                PfPacket         *packet);
void              pf_inspector_add_application (PfInspector      *self,
                                                GListStore       *parent,
                                                PfPacket         *packet);

G_END_DECLS
