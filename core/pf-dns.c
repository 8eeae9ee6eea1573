/* pf-dns.c: the few DNS messages Packet Flow sends and answers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-dns"

#include "config.h"

#include "pf-dns.h"

#include <string.h>

/* Header flags (RFC 1035, 4.1.1). */
#define FLAG_QR      0x8000
#define FLAG_AA      0x0400
#define FLAG_TC      0x0200
#define FLAG_RD      0x0100
#define FLAG_RA      0x0080
#define OPCODE(f)    (((f) >> 11) & 0x0f)
#define RCODE(f)     ((f) & 0x000f)

/* A resource record is at least a root name and ten bytes of fields. */
#define MIN_RR_SIZE  11
#define ANSWER_SIZE  16   /* pointer, type, class, TTL, length, address */

/* The name of the question, always at offset 12: what answers point to. */
#define QUESTION_NAME_POINTER 0xc00c

G_DEFINE_QUARK (pf-dns-error-quark, pf_dns_error)

static inline guint16
get_be16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static inline void
append_be16 (GByteArray *out,
             guint16     v)
{
  guint8 b[2] = { v >> 8, v & 0xff };

  g_byte_array_append (out, b, 2);
}

static inline void
append_be32 (GByteArray *out,
             guint32     v)
{
  append_be16 (out, v >> 16);
  append_be16 (out, v & 0xffff);
}

/* Bytes a label may hold here: printable ASCII, no dot, no space. DNS
 * itself allows any byte, but these names become text on screen. */
static inline gboolean
is_label_char (guint8 c)
{
  return c > 0x20 && c < 0x7f && c != '.';
}

/* Reads the name at *pos, following compression pointers. Every pointer
 * must point before the stretch of labels that holds it, so each jump
 * goes strictly backwards and the walk ends. @out: lower case, labels
 * joined by dots, no final dot; "." for the root. */
static gboolean
read_name (const guint8  *data,
           gsize          len,
           gsize         *pos,
           GString       *out,
           GError       **error)
{
  gsize p = *pos;
  gsize stretch_start = p;
  gsize after = 0;
  guint wire_len = 1;

  for (;;)
    {
      guint8 c;

      if (p >= len)
        goto truncated;

      c = data[p];

      if ((c & 0xc0) == 0xc0)
        {
          gsize target;

          if (p + 1 >= len)
            goto truncated;

          target = ((gsize) (c & 0x3f) << 8) | data[p + 1];
          if (after == 0)
            after = p + 2;
          if (target < PF_DNS_HEADER_SIZE || target >= stretch_start)
            {
              g_set_error (error, PF_DNS_ERROR, PF_DNS_ERROR_MALFORMED,
                           "A name in the DNS message has a compression "
                           "pointer to offset %" G_GSIZE_FORMAT ", which is "
                           "not an earlier name.", target);
              return FALSE;
            }

          p = stretch_start = target;
          continue;
        }

      if ((c & 0xc0) != 0)
        {
          g_set_error (error, PF_DNS_ERROR, PF_DNS_ERROR_MALFORMED,
                       "A name in the DNS message has a label of type 0x%02x, "
                       "which DNS does not use.", c & 0xc0);
          return FALSE;
        }

      if (c == 0)
        break;

      if (p + 1 + c > len)
        goto truncated;

      wire_len += 1 + c;
      if (wire_len > PF_DNS_MAX_NAME_SIZE)
        {
          g_set_error (error, PF_DNS_ERROR, PF_DNS_ERROR_MALFORMED,
                       "A name in the DNS message is longer than the "
                       "255 bytes DNS allows.");
          return FALSE;
        }

      for (guint i = 1; i <= c; i++)
        {
          if (!is_label_char (data[p + i]))
            {
              g_set_error (error, PF_DNS_ERROR, PF_DNS_ERROR_UNSUPPORTED,
                           "A name in the DNS message holds the byte 0x%02x, "
                           "which is not a printable character.", data[p + i]);
              return FALSE;
            }
          if (out != NULL)
            g_string_append_c (out, g_ascii_tolower (data[p + i]));
        }
      if (out != NULL)
        g_string_append_c (out, '.');

      p += 1 + c;
    }

  if (out != NULL)
    {
      if (out->len > 1)
        g_string_truncate (out, out->len - 1);
      else
        g_string_assign (out, ".");
    }

  *pos = after != 0 ? after : p + 1;
  return TRUE;

truncated:
  g_set_error (error, PF_DNS_ERROR, PF_DNS_ERROR_TRUNCATED,
               "The DNS message ends in the middle of a name.");
  return FALSE;
}

/* Appends @name in wire form; FALSE when it is not a valid name. */
static gboolean
encode_name (const char *name,
             GByteArray *out)
{
  const char *p = name;
  gsize wire_len = 1;

  if (strcmp (name, ".") != 0)
    {
      while (*p != '\0')
        {
          gsize label_len = strcspn (p, ".");
          guint8 len_byte = (guint8) label_len;

          if (label_len == 0 || label_len > PF_DNS_MAX_LABEL)
            return FALSE;
          for (gsize i = 0; i < label_len; i++)
            {
              if (!is_label_char ((guint8) p[i]))
                return FALSE;
            }

          wire_len += 1 + label_len;
          if (wire_len > PF_DNS_MAX_NAME_SIZE)
            return FALSE;

          if (out != NULL)
            {
              g_byte_array_append (out, &len_byte, 1);
              g_byte_array_append (out, (const guint8 *) p, label_len);
            }

          p += label_len;
          if (*p == '.')
            p++;
        }

      if (p == name)
        return FALSE;
    }

  if (out != NULL)
    g_byte_array_append (out, (const guint8 *) "", 1);
  return TRUE;
}

static gboolean
check_header (const guint8  *data,
              gsize          len,
              gboolean       response,
              GError       **error)
{
  const char *what = response ? "response" : "query";
  guint16 flags;

  if (len < PF_DNS_HEADER_SIZE)
    {
      g_set_error (error, PF_DNS_ERROR, PF_DNS_ERROR_TRUNCATED,
                   "The DNS message is %" G_GSIZE_FORMAT " bytes long, "
                   "shorter than its 12-byte header.", len);
      return FALSE;
    }

  flags = get_be16 (data + 2);

  if (((flags & FLAG_QR) != 0) != response)
    {
      g_set_error (error, PF_DNS_ERROR, PF_DNS_ERROR_MALFORMED,
                   "The DNS message is a %s where a %s was expected.",
                   response ? "query" : "response", what);
      return FALSE;
    }

  if (OPCODE (flags) != 0)
    {
      g_set_error (error, PF_DNS_ERROR, PF_DNS_ERROR_UNSUPPORTED,
                   "The DNS %s has opcode %u; only standard queries "
                   "(opcode 0) are handled.", what, OPCODE (flags));
      return FALSE;
    }

  if (get_be16 (data + 4) != 1)
    {
      g_set_error (error, PF_DNS_ERROR, PF_DNS_ERROR_UNSUPPORTED,
                   "The DNS %s holds %u questions instead of one.",
                   what, get_be16 (data + 4));
      return FALSE;
    }

  return TRUE;
}

/* Reads the question at offset 12. *out_end: the offset just after it. */
static gboolean
read_question (const guint8  *data,
               gsize          len,
               GString       *name,
               guint16       *out_qtype,
               guint16       *out_qclass,
               gsize         *out_end,
               GError       **error)
{
  gsize pos = PF_DNS_HEADER_SIZE;

  if (!read_name (data, len, &pos, name, error))
    return FALSE;

  if (len - pos < 4)
    {
      g_set_error (error, PF_DNS_ERROR, PF_DNS_ERROR_TRUNCATED,
                   "The DNS message ends before the type and class of "
                   "its question.");
      return FALSE;
    }

  *out_qtype = get_be16 (data + pos);
  *out_qclass = get_be16 (data + pos + 2);
  *out_end = pos + 4;
  return TRUE;
}

/* A count of records that cannot all fit in the bytes left. */
static gboolean
check_count (guint          count,
             gsize          remaining,
             const char    *section,
             GError       **error)
{
  if ((gsize) count * MIN_RR_SIZE > remaining)
    {
      g_set_error (error, PF_DNS_ERROR, PF_DNS_ERROR_TRUNCATED,
                   "The DNS message announces %u %s records but has room "
                   "for fewer.", count, section);
      return FALSE;
    }

  return TRUE;
}

/* Reads a query whole: header and question; additional records (an
 * EDNS OPT from dig, say) are counted but not read. */
static gboolean
read_query (const guint8  *data,
            gsize          len,
            GString       *name,
            guint16       *out_qtype,
            guint16       *out_qclass,
            gsize         *out_end,
            GError       **error)
{
  if (!check_header (data, len, FALSE, error))
    return FALSE;

  if (get_be16 (data + 6) != 0 || get_be16 (data + 8) != 0)
    {
      g_set_error (error, PF_DNS_ERROR, PF_DNS_ERROR_MALFORMED,
                   "The DNS query carries answer or authority records, "
                   "which a query never has.");
      return FALSE;
    }

  if (!read_question (data, len, name, out_qtype, out_qclass, out_end, error))
    return FALSE;

  return check_count (get_be16 (data + 10), len - *out_end, "additional", error);
}

/* TRUE if @name can be asked: labels of 1 to 63 printable characters,
 * no spaces, 255 bytes at most in wire form; a final dot is allowed. */
gboolean
pf_dns_name_is_valid (const char *name)
{
  return name != NULL && encode_name (name, NULL);
}

/* A standard query for the A records of @name, recursion desired.
 * Returns NULL if @name is not valid (see pf_dns_name_is_valid()). */
GBytes *
pf_dns_build_query (guint16     id,
                    const char *name)
{
  g_autoptr (GByteArray) out = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  out = g_byte_array_sized_new (PF_DNS_HEADER_SIZE + strlen (name) + 6);
  append_be16 (out, id);
  append_be16 (out, FLAG_RD);
  append_be16 (out, 1);   /* QDCOUNT */
  append_be16 (out, 0);   /* ANCOUNT */
  append_be16 (out, 0);   /* NSCOUNT */
  append_be16 (out, 0);   /* ARCOUNT */

  if (!encode_name (name, out))
    {
      g_debug ("Not a name DNS can ask for: %s", name);
      return NULL;
    }

  append_be16 (out, PF_DNS_TYPE_A);
  append_be16 (out, PF_DNS_CLASS_IN);

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* Reads a query. @out_name: lower case, without the final dot. Outputs
 * are set only on success; each may be NULL. */
gboolean
pf_dns_parse_query (const guint8  *data,
                    gsize          len,
                    guint16       *out_id,
                    char         **out_name,
                    guint16       *out_qtype,
                    GError       **error)
{
  g_autoptr (GString) name = g_string_new (NULL);
  guint16 qtype;
  guint16 qclass;
  gsize end;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!read_query (data, len, name, &qtype, &qclass, &end, error))
    return FALSE;

  if (out_id != NULL)
    *out_id = get_be16 (data);
  if (out_name != NULL)
    *out_name = g_strdup (name->str);
  if (out_qtype != NULL)
    *out_qtype = qtype;
  return TRUE;
}

/* The authoritative answer to @query: its question copied, and one A
 * record per address (TTL @ttl, owner name a pointer to the question),
 * NXDOMAIN when @n_addresses is 0. A question for another type gets no
 * records (NODATA); a class other than IN, REFUSED. The response fits in
 * 512 bytes: addresses beyond that are left out and TC is set.
 *
 * A malformed query gives NULL and @error: the server then sends
 * nothing, as resolvers expect of garbage. */
GBytes *
pf_dns_build_response (const guint8  *query,
                       gsize          len,
                       const PfIpv4  *addresses,
                       guint          n_addresses,
                       guint32        ttl,
                       GError       **error)
{
  g_autoptr (GByteArray) out = NULL;
  guint16 qtype;
  guint16 qclass;
  gsize end;
  guint16 flags;
  guint n_answers = 0;
  PfDnsRcode rcode;

  g_return_val_if_fail (query != NULL || len == 0, NULL);
  g_return_val_if_fail (addresses != NULL || n_addresses == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!read_query (query, len, NULL, &qtype, &qclass, &end, error))
    return NULL;

  if (qclass != PF_DNS_CLASS_IN && qclass != PF_DNS_CLASS_ANY)
    rcode = PF_DNS_RCODE_REFUSED;
  else if (n_addresses == 0)
    rcode = PF_DNS_RCODE_NXDOMAIN;
  else
    rcode = PF_DNS_RCODE_NOERROR;

  flags = FLAG_QR | FLAG_RA | (get_be16 (query + 2) & FLAG_RD) | rcode;
  if (rcode != PF_DNS_RCODE_REFUSED)
    flags |= FLAG_AA;

  if (rcode == PF_DNS_RCODE_NOERROR &&
      (qtype == PF_DNS_TYPE_A || qtype == PF_DNS_TYPE_ANY))
    {
      n_answers = MIN (n_addresses, (PF_DNS_MAX_UDP_SIZE - end) / ANSWER_SIZE);
      if (n_answers < n_addresses)
        flags |= FLAG_TC;
    }

  out = g_byte_array_sized_new (end + n_answers * ANSWER_SIZE);
  g_byte_array_append (out, query, 2);  /* ID */
  append_be16 (out, flags);
  append_be16 (out, 1);
  append_be16 (out, n_answers);
  append_be16 (out, 0);
  append_be16 (out, 0);
  g_byte_array_append (out, query + PF_DNS_HEADER_SIZE, end - PF_DNS_HEADER_SIZE);

  for (guint i = 0; i < n_answers; i++)
    {
      append_be16 (out, QUESTION_NAME_POINTER);
      append_be16 (out, PF_DNS_TYPE_A);
      append_be16 (out, PF_DNS_CLASS_IN);
      append_be32 (out, ttl);
      append_be16 (out, 4);
      append_be32 (out, addresses[i]);
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* One answer record. Follows @alias through CNAME records and keeps the
 * IN A records of the name asked or of its aliases. */
static gboolean
read_answer (const guint8  *data,
             gsize          len,
             gsize         *pos,
             GString       *alias,
             GArray        *addresses,
             GError       **error)
{
  g_autoptr (GString) owner = g_string_new (NULL);
  guint16 type;
  guint16 klass;
  gsize rdlength;
  gsize rdata;
  gboolean ours;

  if (!read_name (data, len, pos, owner, error))
    return FALSE;

  if (len - *pos < 10)
    {
      g_set_error (error, PF_DNS_ERROR, PF_DNS_ERROR_TRUNCATED,
                   "The DNS message ends in the middle of a record.");
      return FALSE;
    }

  type = get_be16 (data + *pos);
  klass = get_be16 (data + *pos + 2);
  rdlength = get_be16 (data + *pos + 8);
  rdata = *pos + 10;

  if (len - rdata < rdlength)
    {
      g_set_error (error, PF_DNS_ERROR, PF_DNS_ERROR_TRUNCATED,
                   "The DNS message ends before the %" G_GSIZE_FORMAT
                   " bytes of data its record announces.", rdlength);
      return FALSE;
    }

  *pos = rdata + rdlength;
  ours = klass == PF_DNS_CLASS_IN && g_string_equal (owner, alias);

  if (type == PF_DNS_TYPE_A)
    {
      if (rdlength != 4)
        {
          g_set_error (error, PF_DNS_ERROR, PF_DNS_ERROR_MALFORMED,
                       "An A record in the DNS message holds %" G_GSIZE_FORMAT
                       " bytes instead of an IPv4 address's 4.", rdlength);
          return FALSE;
        }
      if (ours)
        {
          PfIpv4 address = ((PfIpv4) data[rdata] << 24) |
                           ((PfIpv4) data[rdata + 1] << 16) |
                           ((PfIpv4) data[rdata + 2] << 8) |
                           (PfIpv4) data[rdata + 3];

          g_array_append_val (addresses, address);
        }
    }
  else if (type == PF_DNS_TYPE_CNAME)
    {
      g_autoptr (GString) target = g_string_new (NULL);
      gsize name_end = rdata;

      if (!read_name (data, rdata + rdlength, &name_end, target, error))
        return FALSE;
      if (name_end != rdata + rdlength)
        {
          g_set_error (error, PF_DNS_ERROR, PF_DNS_ERROR_MALFORMED,
                       "A CNAME record in the DNS message has bytes after "
                       "its name.");
          return FALSE;
        }
      if (ours)
        g_string_assign (alias, target->str);
    }

  return TRUE;
}

/* Reads a response to a standard query: its ID, the name asked (lower
 * case, no final dot), the IPv4 addresses of the answer section (of the
 * name or, through CNAME records, its aliases) and the RCODE. Authority
 * and additional records are not read. Outputs are set only on success;
 * each may be NULL. */
gboolean
pf_dns_parse_response (const guint8  *data,
                       gsize          len,
                       guint16       *out_id,
                       char         **out_name,
                       GArray       **out_addresses,
                       guint         *out_rcode,
                       GError       **error)
{
  g_autoptr (GString) name = g_string_new (NULL);
  g_autoptr (GString) alias = NULL;
  g_autoptr (GArray) addresses = g_array_new (FALSE, FALSE, sizeof (PfIpv4));
  guint16 qtype;
  guint16 qclass;
  guint n_answers;
  gsize pos;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_header (data, len, TRUE, error))
    return FALSE;
  if (!read_question (data, len, name, &qtype, &qclass, &pos, error))
    return FALSE;

  n_answers = get_be16 (data + 6);
  if (!check_count (n_answers, len - pos, "answer", error))
    return FALSE;

  alias = g_string_new (name->str);
  for (guint i = 0; i < n_answers; i++)
    {
      if (!read_answer (data, len, &pos, alias, addresses, error))
        return FALSE;
    }

  if (out_id != NULL)
    *out_id = get_be16 (data);
  if (out_name != NULL)
    *out_name = g_strdup (name->str);
  if (out_addresses != NULL)
    *out_addresses = g_steal_pointer (&addresses);
  if (out_rcode != NULL)
    *out_rcode = RCODE (get_be16 (data + 2));
  return TRUE;
}

const char *
pf_dns_rcode_to_string (guint rcode)
{
  switch (rcode)
    {
    case PF_DNS_RCODE_NOERROR:  return "NOERROR";
    case PF_DNS_RCODE_FORMERR:  return "FORMERR";
    case PF_DNS_RCODE_SERVFAIL: return "SERVFAIL";
    case PF_DNS_RCODE_NXDOMAIN: return "NXDOMAIN";
    case PF_DNS_RCODE_NOTIMP:   return "NOTIMP";
    case PF_DNS_RCODE_REFUSED:  return "REFUSED";
    default:                    return "unknown";
    }
}

/* Reading any message, for display */

const char *
pf_dns_type_to_string (guint16 type)
{
  switch (type)
    {
    case PF_DNS_TYPE_A:     return "A";
    case 2:                 return "NS";
    case PF_DNS_TYPE_CNAME: return "CNAME";
    case 6:                 return "SOA";
    case 12:                return "PTR";
    case 15:                return "MX";
    case 16:                return "TXT";
    case PF_DNS_TYPE_AAAA:  return "AAAA";
    case 33:                return "SRV";
    case 41:                return "OPT";
    case PF_DNS_TYPE_ANY:   return "ANY";
    default:                return NULL;
    }
}

static void
clear_record (gpointer data)
{
  PfDnsAnswer *record = data;

  g_free (record->name);
  g_free (record->target);
}

void
pf_dns_message_free (PfDnsMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->qname);
  g_clear_pointer (&message->answers, g_array_unref);
  g_free (message);
}

static gboolean
read_record (const guint8  *data,
             gsize          len,
             gsize         *pos,
             PfDnsAnswer   *record,
             GError       **error)
{
  g_autoptr (GString) owner = g_string_new (NULL);
  gsize rdlength;
  gsize rdata;

  if (!read_name (data, len, pos, owner, error))
    return FALSE;
  if (len - *pos < 10)
    {
      g_set_error (error, PF_DNS_ERROR, PF_DNS_ERROR_TRUNCATED,
                   "The DNS message ends in the middle of a record.");
      return FALSE;
    }

  record->type = get_be16 (data + *pos);
  record->klass = get_be16 (data + *pos + 2);
  record->ttl = ((guint32) get_be16 (data + *pos + 4) << 16) | get_be16 (data + *pos + 6);
  rdlength = get_be16 (data + *pos + 8);
  rdata = *pos + 10;
  if (len - rdata < rdlength)
    {
      g_set_error (error, PF_DNS_ERROR, PF_DNS_ERROR_TRUNCATED,
                   "The DNS message ends before the %" G_GSIZE_FORMAT
                   " bytes of data its record announces.", rdlength);
      return FALSE;
    }
  *pos = rdata + rdlength;
  record->name = g_string_free (g_steal_pointer (&owner), FALSE);

  if (record->type == PF_DNS_TYPE_A && rdlength == 4)
    {
      record->address = ((PfIpv4) data[rdata] << 24) | ((PfIpv4) data[rdata + 1] << 16) |
                        ((PfIpv4) data[rdata + 2] << 8) | (PfIpv4) data[rdata + 3];
    }
  else if (record->type == PF_DNS_TYPE_CNAME)
    {
      g_autoptr (GString) target = g_string_new (NULL);
      gsize name_end = rdata;

      if (!read_name (data, rdata + rdlength, &name_end, target, error))
        return FALSE;
      record->target = g_string_free (g_steal_pointer (&target), FALSE);
    }

  return TRUE;
}

/**
 * pf_dns_message_parse:
 *
 * Reads a query or a response with one question, whatever its opcode or
 * RCODE, for the views and the trace to describe: unlike
 * pf_dns_parse_query () and pf_dns_parse_response () it judges nothing
 * the bytes can say, only what it cannot read.
 *
 * Returns: (transfer full): the message, or %NULL with @error set.
 */
PfDnsMessage *
pf_dns_message_parse (const guint8  *data,
                      gsize          len,
                      GError       **error)
{
  g_autoptr (PfDnsMessage) message = g_new0 (PfDnsMessage, 1);
  g_autoptr (GString) qname = g_string_new (NULL);
  guint n_answers;
  gsize pos;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  message->answers = g_array_new (FALSE, TRUE, sizeof (PfDnsAnswer));
  g_array_set_clear_func (message->answers, clear_record);

  if (len < PF_DNS_HEADER_SIZE)
    {
      g_set_error (error, PF_DNS_ERROR, PF_DNS_ERROR_TRUNCATED,
                   "The DNS message is %" G_GSIZE_FORMAT " bytes long, "
                   "shorter than its 12-byte header.", len);
      return NULL;
    }
  message->id = get_be16 (data);
  message->flags = get_be16 (data + 2);
  message->response = (message->flags & FLAG_QR) != 0;
  message->opcode = OPCODE (message->flags);
  message->rcode = RCODE (message->flags);
  message->n_authority = get_be16 (data + 8);
  message->n_additional = get_be16 (data + 10);
  if (get_be16 (data + 4) != 1)
    {
      g_set_error (error, PF_DNS_ERROR, PF_DNS_ERROR_UNSUPPORTED,
                   "The DNS message holds %u questions instead of one.",
                   get_be16 (data + 4));
      return NULL;
    }
  if (!read_question (data, len, qname, &message->qtype, &message->qclass, &pos, error))
    return NULL;
  message->qname = g_string_free (g_steal_pointer (&qname), FALSE);

  n_answers = get_be16 (data + 6);
  if (!check_count (n_answers, len - pos, "answer", error))
    return NULL;
  for (guint i = 0; i < n_answers; i++)
    {
      PfDnsAnswer record = { 0 };

      if (!read_record (data, len, &pos, &record, error))
        {
          clear_record (&record);
          return NULL;
        }
      g_array_append_val (message->answers, record);
    }

  return g_steal_pointer (&message);
}

/* "response, authoritative, recursion desired, recursion available,
 * NXDOMAIN": the header's flags in words. */
char *
pf_dns_message_flags_to_string (const PfDnsMessage *message)
{
  GString *str;

  g_return_val_if_fail (message != NULL, NULL);

  str = g_string_new (message->response ? "response" : "query");
  if (message->opcode != 0)
    g_string_append_printf (str, ", opcode %u", message->opcode);
  if (message->flags & FLAG_AA)
    g_string_append (str, ", authoritative");
  if (message->flags & FLAG_TC)
    g_string_append (str, ", truncated");
  if (message->flags & FLAG_RD)
    g_string_append (str, ", recursion desired");
  if (message->flags & FLAG_RA)
    g_string_append (str, ", recursion available");
  if (message->response)
    g_string_append_printf (str, ", %s", pf_dns_rcode_to_string (message->rcode));
  return g_string_free (str, FALSE);
}
