/* pf-packet-info.c: a packet in words, as a capture tool's Info column
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ARP is told by the frame's EtherType and worded as tshark words it.
 * The protocol is decided as tshark decides it: DNS by UDP port 53, SSH
 * by its "SSH-" version line, HTTP by a request method or a status line,
 * SMTP by port 25 or 587. Each segment is read alone: a message TCP split
 * is described where it begins, and the segments after it say
 * "Continuation" or show their first line of text. The words are English
 * on purpose: the JSON trace writes them.
 *
 * The _at () forms take the ports to judge by: in loopback mode the
 * views pass the scenario's ports, not the remapped ones on the wire.
 */

#define G_LOG_DOMAIN "pf-packet-info"

#include "config.h"

#include "pf-packet-info.h"

#include <string.h>

#include "pf-dns.h"
#include "pf-icmp.h"

#define MAX_LINE_CHARS 80

static const char *const http_methods[] = {
  "GET ", "HEAD ", "POST ", "PUT ", "DELETE ", "OPTIONS ", "PATCH ",
  "CONNECT ", "TRACE ",
};

static gboolean
has_prefix (const guint8 *data,
            gsize         len,
            const char   *prefix)
{
  gsize n = strlen (prefix);

  return len >= n && memcmp (data, prefix, n) == 0;
}

static gboolean
is_http_start (const guint8 *data,
               gsize         len)
{
  if (has_prefix (data, len, "HTTP/1.") || has_prefix (data, len, "HTTP/2"))
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (http_methods); i++)
    if (has_prefix (data, len, http_methods[i]))
      return TRUE;
  return FALSE;
}

/* Printable: UTF-8 with no control character but tab, CR and LF. */
static gboolean
is_text (const guint8 *data,
         gsize         len)
{
  if (len == 0 || !g_utf8_validate ((const char *) data, len, NULL))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if ((data[i] < 0x20 && data[i] != '\t' && data[i] != '\r' && data[i] != '\n') ||
        data[i] == 0x7f)
      return FALSE;
  return TRUE;
}

/* The first non-empty line, cut at MAX_LINE_CHARS characters; bytes
 * that are not UTF-8 (a request line may hold any) become U+FFFD, so
 * the words are always valid text for a label or the trace. */
static char *
first_line (const guint8 *data,
            gsize         len)
{
  const char *text = (const char *) data;
  const char *end = text + len;
  const char *eol;
  g_autofree char *line = NULL;

  while (text < end && (*text == '\r' || *text == '\n'))
    text++;
  for (eol = text; eol < end && *eol != '\r' && *eol != '\n'; eol++)
    ;
  if (eol == text)
    return NULL;
  line = g_utf8_make_valid (text, eol - text);
  if (g_utf8_strlen (line, -1) > MAX_LINE_CHARS)
    {
      g_autofree char *cut = g_utf8_substring (line, 0, MAX_LINE_CHARS);

      return g_strconcat (cut, "…", NULL);
    }
  return g_steal_pointer (&line);
}

/**
 * pf_packet_get_app_protocol:
 * @sport: the source port to judge by (the packet's own, or the scenario's)
 * @dport: the destination port to judge by
 *
 * Returns: which application protocol the payload is, by content and port.
 */
PfAppProtocol
pf_packet_get_app_protocol (const PfPacket *packet,
                           guint16         sport,
                           guint16         dport)
{
  const guint8 *data;
  gsize len;

  g_return_val_if_fail (packet != NULL, PF_APP_PROTOCOL_NONE);

  if (pf_packet_get_kind (packet) == PF_PACKET_KIND_ARP)
    return PF_APP_PROTOCOL_ARP;
  if (pf_packet_is_fragment (packet) ||
      (packet->protocol != PF_IP_PROTOCOL_TCP && packet->protocol != PF_IP_PROTOCOL_UDP))
    return PF_APP_PROTOCOL_NONE;
  data = g_bytes_get_data (packet->payload, &len);
  if (len == 0)
    return PF_APP_PROTOCOL_NONE;

  if (packet->protocol == PF_IP_PROTOCOL_UDP && (sport == PF_DNS_PORT || dport == PF_DNS_PORT))
    return PF_APP_PROTOCOL_DNS;
  if (has_prefix (data, len, "SSH-"))
    return PF_APP_PROTOCOL_SSH;
  if (is_http_start (data, len))
    return PF_APP_PROTOCOL_HTTP;
  if (packet->protocol == PF_IP_PROTOCOL_TCP &&
      (sport == 25 || dport == 25 || sport == 587 || dport == 587))
    return PF_APP_PROTOCOL_SMTP;
  if (is_text (data, len))
    return PF_APP_PROTOCOL_TEXT;
  return PF_APP_PROTOCOL_NONE;
}

/* For the trace and the packet list's Protocol column; NULL for NONE. */
const char *
pf_app_protocol_to_string (PfAppProtocol application)
{
  switch (application)
    {
    case PF_APP_PROTOCOL_NONE: return NULL;
    case PF_APP_PROTOCOL_TEXT: return "text";
    case PF_APP_PROTOCOL_DNS:  return "DNS";
    case PF_APP_PROTOCOL_HTTP: return "HTTP";
    case PF_APP_PROTOCOL_SMTP: return "SMTP";
    case PF_APP_PROTOCOL_SSH:  return "SSH";
    case PF_APP_PROTOCOL_ARP:  return "ARP";
    default:
      g_return_val_if_reached (NULL);
    }
}

/* The few words a narrow diagram has room for: "query A
 * knuth.luther.edu", "answer A 192.203.196.71" (the name is in the
 * query above it), "answer: no such name". */
static char *
describe_dns_brief (const PfDnsMessage *message,
                    const char         *qtype)
{
  GString *str;

  if (!message->response)
    return g_strdup_printf ("query %s %s", qtype, message->qname);
  if (message->rcode == PF_DNS_RCODE_NXDOMAIN)
    return g_strdup ("answer: no such name");
  if (message->rcode != PF_DNS_RCODE_NOERROR)
    return g_strdup_printf ("answer: %s", pf_dns_rcode_to_string (message->rcode));
  if (message->answers->len == 0)
    return g_strdup ("answer: no records");

  str = g_string_new ("answer");
  for (guint i = 0; i < message->answers->len; i++)
    {
      const PfDnsAnswer *record = &g_array_index (message->answers, PfDnsAnswer, i);

      if (record->type == PF_DNS_TYPE_A)
        {
          g_autofree char *address = pf_ipv4_to_string (record->address);

          g_string_append_printf (str, " A %s", address);
        }
      else if (record->type == PF_DNS_TYPE_CNAME && record->target != NULL)
        g_string_append_printf (str, " CNAME %s", record->target);
      else
        g_string_append_printf (str, " %s", pf_dns_type_to_string (record->type) ?: "?");
    }
  return g_string_free (str, FALSE);
}

static char *
describe_dns (const guint8 *data,
              gsize         len,
              gboolean      brief)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PfDnsMessage) message = pf_dns_message_parse (data, len, &error);
  const char *qtype;
  g_autofree char *qtype_buf = NULL;
  GString *str;

  if (message == NULL)
    return g_strdup_printf ("Malformed DNS message: %s", error->message);

  qtype = pf_dns_type_to_string (message->qtype);
  if (qtype == NULL)
    qtype = qtype_buf = g_strdup_printf ("Unknown (%u)", message->qtype);
  if (brief)
    return describe_dns_brief (message, qtype);

  str = g_string_new (message->response ? "Standard query response" : "Standard query");
  if (message->opcode != 0)
    g_string_printf (str, "%s (opcode %u)", message->response ? "Response" : "Query",
                     message->opcode);
  g_string_append_printf (str, " 0x%04x", message->id);
  if (message->response && message->rcode == PF_DNS_RCODE_NXDOMAIN)
    g_string_append (str, " No such name");
  else if (message->response && message->rcode != PF_DNS_RCODE_NOERROR)
    g_string_append_printf (str, " %s", pf_dns_rcode_to_string (message->rcode));
  g_string_append_printf (str, " %s %s", qtype, message->qname);

  for (guint i = 0; i < message->answers->len; i++)
    {
      const PfDnsAnswer *record = &g_array_index (message->answers, PfDnsAnswer, i);
      const char *type = pf_dns_type_to_string (record->type);

      if (record->type == PF_DNS_TYPE_A)
        {
          g_autofree char *address = pf_ipv4_to_string (record->address);

          g_string_append_printf (str, " A %s", address);
        }
      else if (record->type == PF_DNS_TYPE_CNAME && record->target != NULL)
        g_string_append_printf (str, " CNAME %s", record->target);
      else if (type != NULL)
        g_string_append_printf (str, " %s", type);
      else
        g_string_append_printf (str, " Unknown (%u)", record->type);
    }

  return g_string_free (str, FALSE);
}

static gboolean
mac_is_zero (const guint8 mac[6])
{
  static const guint8 zero[6] = { 0 };

  return memcmp (mac, zero, 6) == 0;
}

/* tshark's words (epan/dissectors/packet-arp.c), the same sender and
 * target address making it gratuitous; brief, the ladder's few. */
static char *
describe_arp (const PfPacket *packet,
              gboolean        brief)
{
  char spa[PF_IPV4_STRLEN];
  char tpa[PF_IPV4_STRLEN];
  char sha[PF_MAC_STRLEN];
  gboolean gratuitous = packet->arp_spa == packet->arp_tpa;

  pf_ipv4_format (packet->arp_spa, spa);
  pf_ipv4_format (packet->arp_tpa, tpa);
  pf_mac_format (packet->arp_sha, sha);

  if (packet->arp_op == PF_ARP_REQUEST)
    {
      if (brief)
        return g_strdup_printf (gratuitous ? "announce %s" : "who has %s?", tpa);
      if (gratuitous && mac_is_zero (packet->arp_tha))
        return g_strdup_printf ("ARP Announcement for %s", tpa);
      if (gratuitous)
        return g_strdup_printf ("Gratuitous ARP for %s (Request)", tpa);
      if (packet->arp_spa == 0 && mac_is_zero (packet->arp_tha))
        return g_strdup_printf ("Who has %s? (ARP Probe)", tpa);
      return g_strdup_printf ("Who has %s? Tell %s", tpa, spa);
    }
  if (brief || !gratuitous)
    return g_strdup_printf ("%s is at %s", spa, sha);
  return g_strdup_printf ("Gratuitous ARP for %s (Reply)", spa);
}

/**
 * pf_packet_describe_application_at:
 * @sport: the source port to judge by
 * @dport: the destination port to judge by
 *
 * Returns: (transfer full) (nullable): the payload in words ("Standard
 *   query 0x1234 A knuth.luther.edu", "GET / HTTP/1.1", "EHLO laptop",
 *   "SSH-2.0-…", a first line of text, "Continuation", ARP's "Who has
 *   10.0.0.1? Tell 10.0.0.2"), or %NULL when
 *   there is no payload or nothing to say about its bytes.
 */
static char *
describe_application (const PfPacket *packet,
                      guint16         sport,
                      guint16         dport,
                      gboolean        brief)
{
  PfAppProtocol application;
  const guint8 *data;
  gsize len;
  char *line;

  g_return_val_if_fail (packet != NULL, NULL);

  application = pf_packet_get_app_protocol (packet, sport, dport);
  data = g_bytes_get_data (packet->payload, &len);

  switch (application)
    {
    case PF_APP_PROTOCOL_NONE:
      return NULL;
    case PF_APP_PROTOCOL_ARP:
      return describe_arp (packet, brief);
    case PF_APP_PROTOCOL_DNS:
      return describe_dns (data, len, brief);
    case PF_APP_PROTOCOL_SMTP:
      if (!is_text (data, len))
        return g_strdup ("Continuation");
      G_GNUC_FALLTHROUGH;
    case PF_APP_PROTOCOL_TEXT:
    case PF_APP_PROTOCOL_HTTP:
    case PF_APP_PROTOCOL_SSH:
      line = first_line (data, len);
      return line != NULL ? line : g_strdup ("Continuation");
    default:
      g_return_val_if_reached (NULL);
    }
}

char *
pf_packet_describe_application_at (const PfPacket *packet,
                                   guint16         sport,
                                   guint16         dport)
{
  return describe_application (packet, sport, dport, FALSE);
}

/**
 * pf_packet_describe_application_brief_at:
 * @sport: the source port to judge by
 * @dport: the destination port to judge by
 *
 * As pf_packet_describe_application_at(), in the fewer words a narrow
 * diagram such as the ladder has room for: DNS without the id and
 * "Standard" ("query A knuth.luther.edu", "answer A 192.203.196.71");
 * ARP as "who has 10.0.0.1?" and "10.0.0.1 is at 02:50:46:00:01:00";
 * the other protocols' first lines are already short.
 *
 * Returns: (transfer full) (nullable): the words, or %NULL
 */
char *
pf_packet_describe_application_brief_at (const PfPacket *packet,
                                         guint16         sport,
                                         guint16         dport)
{
  return describe_application (packet, sport, dport, TRUE);
}

/* By the packet's own ports. */
char *
pf_packet_describe_application (const PfPacket *packet)
{
  g_return_val_if_fail (packet != NULL, NULL);

  return pf_packet_describe_application_at (packet, packet->sport, packet->dport);
}

static char *
describe_transport (const PfPacket *packet)
{
  guint len = pf_packet_get_payload_length (packet);

  if (packet->protocol == PF_IP_PROTOCOL_TCP)
    {
      g_autofree char *names = pf_packet_flags_to_string (packet->flags);
      g_auto (GStrv) split = g_strsplit (names, ",", -1);
      g_autofree char *flags = g_strjoinv (", ", split);

      return g_strdup_printf ("%u → %u [%s] Seq=%u Ack=%u Win=%u Len=%u",
                              packet->sport, packet->dport, flags, packet->seq,
                              packet->ack, packet->window, len);
    }
  return g_strdup_printf ("%u → %u Len=%u", packet->sport, packet->dport, len);
}

/**
 * pf_packet_describe_at:
 * @sport: the source port to judge the application protocol by
 * @dport: the destination port to judge by
 *
 * Returns: (transfer full): one line for any packet: the ICMP message,
 *   the application's words, or the TCP or UDP header's.
 */
char *
pf_packet_describe_at (const PfPacket *packet,
                       guint16         sport,
                       guint16         dport)
{
  PfIcmpMessage icmp;
  char *application;

  g_return_val_if_fail (packet != NULL, NULL);

  if (pf_packet_get_kind (packet) == PF_PACKET_KIND_ARP)
    return describe_arp (packet, FALSE);
  if (pf_packet_is_fragment (packet))
    return g_strdup_printf ("Fragment of IP protocol %u (offset %u, ID 0x%04x)",
                            packet->protocol, packet->fragment_offset, packet->ip_id);
  if (pf_icmp_decode (packet, &icmp))
    return pf_icmp_describe (&icmp);
  if (packet->protocol != PF_IP_PROTOCOL_TCP && packet->protocol != PF_IP_PROTOCOL_UDP)
    return g_strdup_printf ("IP protocol %u, %u bytes", packet->protocol,
                            pf_packet_get_payload_length (packet));
  application = pf_packet_describe_application_at (packet, sport, dport);
  if (application != NULL)
    return application;
  return describe_transport (packet);
}

char *
pf_packet_describe (const PfPacket *packet)
{
  g_return_val_if_fail (packet != NULL, NULL);

  return pf_packet_describe_at (packet, packet->sport, packet->dport);
}
