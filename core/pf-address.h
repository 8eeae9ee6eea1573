/* pf-address.h: IPv4 addresses, ports, endpoints and the 4-tuple
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An IPv4 address in host byte order: 192.203.196.71 is 0xC0CBC447. */
typedef guint32 PfIpv4;

/* "255.255.255.255" plus the terminating nul. */
#define PF_IPV4_STRLEN 16
/* "02:50:46:00:01:00" plus the terminating nul. */
#define PF_MAC_STRLEN 18
/* "255.255.255.255:65535" plus the terminating nul. */
#define PF_ENDPOINT_STRLEN 22

typedef struct
{
  PfIpv4  address;
  guint16 port;
} PfEndpoint;

/* A connection as the kernel tells it apart: who sent, who receives. */
typedef struct
{
  PfEndpoint src;
  PfEndpoint dst;
} PfFourTuple;

gboolean     pf_ipv4_parse             (const char        *text,
                                        PfIpv4            *out_address);
void         pf_ipv4_format            (PfIpv4             address,
                                        char               buf[PF_IPV4_STRLEN]);
char        *pf_ipv4_to_string         (PfIpv4             address);
gboolean     pf_ipv4_is_loopback       (PfIpv4             address);

gboolean     pf_port_parse             (const char        *text,
                                        guint16           *out_port);

gboolean     pf_endpoint_parse         (const char        *text,
                                        PfEndpoint        *out_endpoint);
void         pf_endpoint_format        (const PfEndpoint  *endpoint,
                                        char               buf[PF_ENDPOINT_STRLEN]);
char        *pf_endpoint_to_string     (const PfEndpoint  *endpoint);
gboolean     pf_endpoint_equal         (const PfEndpoint  *a,
                                        const PfEndpoint  *b);

PfFourTuple  pf_four_tuple_init        (PfIpv4             src_address,
                                        guint16            src_port,
                                        PfIpv4             dst_address,
                                        guint16            dst_port);
PfFourTuple  pf_four_tuple_reversed    (const PfFourTuple *tuple);
gboolean     pf_four_tuple_same_connection (const PfFourTuple *a,
                                            const PfFourTuple *b);
guint        pf_four_tuple_hash        (gconstpointer      tuple);
gboolean     pf_four_tuple_equal       (gconstpointer      a,
                                        gconstpointer      b);
char        *pf_four_tuple_to_string   (const PfFourTuple *tuple);

void         pf_mac_format             (const guint8       mac[6],
                                        char               buf[PF_MAC_STRLEN]);
char        *pf_mac_to_string          (const guint8       mac[6]);
gboolean     pf_mac_is_broadcast       (const guint8       mac[6]);

G_END_DECLS
