/* pf-dns.h: the few DNS messages Packet Flow sends and answers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "pf-address.h"

G_BEGIN_DECLS

#define PF_DNS_ERROR (pf_dns_error_quark ())

typedef enum
{
  PF_DNS_ERROR_TRUNCATED,    /* the message ends before what it announces */
  PF_DNS_ERROR_MALFORMED,    /* a field or a name that cannot be right */
  PF_DNS_ERROR_UNSUPPORTED,  /* valid DNS, but not a message we handle */
} PfDnsError;

#define PF_DNS_PORT          53
#define PF_DNS_HEADER_SIZE   12
#define PF_DNS_MAX_UDP_SIZE  512   /* without EDNS (RFC 1035, 4.2.1) */
#define PF_DNS_MAX_NAME_SIZE 255   /* on the wire, root label included */
#define PF_DNS_MAX_LABEL     63
#define PF_DNS_DEFAULT_TTL   300

#define PF_DNS_TYPE_A        1
#define PF_DNS_TYPE_CNAME    5
#define PF_DNS_TYPE_AAAA     28
#define PF_DNS_TYPE_ANY      255
#define PF_DNS_CLASS_IN      1
#define PF_DNS_CLASS_ANY     255

typedef enum
{
  PF_DNS_RCODE_NOERROR  = 0,
  PF_DNS_RCODE_FORMERR  = 1,
  PF_DNS_RCODE_SERVFAIL = 2,
  PF_DNS_RCODE_NXDOMAIN = 3,
  PF_DNS_RCODE_NOTIMP   = 4,
  PF_DNS_RCODE_REFUSED  = 5,
} PfDnsRcode;

GQuark       pf_dns_error_quark     (void);

gboolean     pf_dns_name_is_valid   (const char     *name);

GBytes      *pf_dns_build_query     (guint16         id,
                                     const char     *name);
gboolean     pf_dns_parse_query     (const guint8   *data,
                                     gsize           len,
                                     guint16        *out_id,
                                     char          **out_name,
                                     guint16        *out_qtype,
                                     GError        **error);

GBytes      *pf_dns_build_response  (const guint8   *query,
                                     gsize           len,
                                     const PfIpv4   *addresses,
                                     guint           n_addresses,
                                     guint32         ttl,
                                     GError        **error);
gboolean     pf_dns_parse_response  (const guint8   *data,
                                     gsize           len,
                                     guint16        *out_id,
                                     char          **out_name,
                                     GArray        **out_addresses,
                                     guint          *out_rcode,
                                     GError        **error);

const char  *pf_dns_rcode_to_string (guint           rcode);

/* A message as a capture tool shows it: header, its one question and the
 * answer section's records (authority and additional are counted only). */
typedef struct
{
  char    *name;     /* lower case, no final dot */
  guint16  type;
  guint16  klass;
  guint32  ttl;
  PfIpv4   address;  /* an A record's */
  char    *target;   /* a CNAME record's; else NULL */
} PfDnsAnswer;

typedef struct
{
  guint16  id;
  guint16  flags;        /* the raw field */
  gboolean response;
  guint    opcode;
  guint    rcode;
  char    *qname;
  guint16  qtype;
  guint16  qclass;
  GArray  *answers;      /* of PfDnsAnswer */
  guint    n_authority;
  guint    n_additional;
} PfDnsMessage;

PfDnsMessage *pf_dns_message_parse (const guint8   *data,
                                    gsize           len,
                                    GError        **error);
void          pf_dns_message_free  (PfDnsMessage   *message);
char         *pf_dns_message_flags_to_string (const PfDnsMessage *message);
const char   *pf_dns_type_to_string (guint16        type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfDnsMessage, pf_dns_message_free)

G_END_DECLS
