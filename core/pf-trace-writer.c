/* pf-trace-writer.c: the timeline as JSON Lines
 *
 * One JSON object per event, one event per line, written through
 * json-glib. A regular file is written beside its target under a
 * temporary name and renamed into place when closed, so a failed run
 * leaves no half written trace; "-" writes to standard output as it goes,
 * and so does a path that is not a regular file (/dev/stdout, a FIFO,
 * /dev/null), which must never be replaced by a rename.
 *
 * Steps are numbered as the window numbers them: set-up is step 0, the
 * scenario's first step is step 1 (PfEvent counts from -1 for set-up).
 *
 * A TCP segment carries its window twice: "win", the raw field, and
 * "window_scaled", the raw field shifted by the window scale its sender
 * announced in its SYN, when both ends announced one (RFC 7323 2.2), as
 * tshark's tcp.window_size does; a SYN's own window is never scaled. So
 * the writer remembers, per connection, the scale each SYN announced.
 *
 * A payload is written once escaped: the JSON string holds the bytes'
 * own characters (json-glib escapes a CR as \r, once). How much of it
 * depends on PfTracePayload: an excerpt of 64 characters (a byte that is
 * not text shows as U+FFFD), or all of it as text (when it is UTF-8 with
 * no control character but CR, LF and tab), hex or base64, said by
 * "payload_encoding".
 *
 * A frame the wire carried (exact mode with a wire) has "eth" (its MACs
 * and EtherType), and, being one event for the frame's whole hop, the
 * link, the sending host, the receiving hosts and the time it was
 * delivered ("delivered_us", on the same clock as "t"). An ARP message
 * has "proto" "arp" and "arp" with its four addresses, and no IP or TCP
 * field. Every IPv4 segment has its "ttl".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-trace-writer"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pf-enum.h"
#include "pf-icmp.h"
#include "pf-packet-info.h"
#include "pf-trace-writer.h"

#define PAYLOAD_EXCERPT_CHARS 64

/* The window scales of one connection, keyed by its SYN's 4-tuple:
 * SCALE_UNSEEN until that end's SYN is written, -1 when it had none. */
#define SCALE_UNSEEN -2

typedef struct
{
  gint8 client;
  gint8 server;
} PfTraceScales;

struct _PfTraceWriter
{
  char           *path;       /* NULL for standard output */
  char           *tmp_path;
  FILE           *file;
  gboolean        in_place;   /* a device or FIFO: written directly */
  PfTracePayload  payload;
  GHashTable     *scales;     /* PfFourTuple of the SYN → PfTraceScales */
};

/* Whether the bytes read as text: UTF-8, no control character but CR, LF
 * and tab. */
static gboolean
is_text (const guint8 *data,
         gsize         len)
{
  const char *end = NULL;

  if (!g_utf8_validate ((const char *) data, len, &end))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if ((data[i] < 0x20 && data[i] != '\r' && data[i] != '\n' && data[i] != '\t') ||
        data[i] == 0x7f)
      return FALSE;
  return TRUE;
}

/* The first @max_chars characters of the payload as text: CR, LF, tab and
 * printable characters as they are, any other byte as U+FFFD, and "…"
 * after them when there is more. */
static char *
payload_excerpt (const guint8 *data,
                 gsize         len,
                 gsize         max_chars)
{
  GString *str = g_string_sized_new (MIN (len, max_chars) + 4);
  gsize chars = 0;
  gsize i = 0;

  while (i < len)
    {
      gunichar c = g_utf8_get_char_validated ((const char *) data + i, len - i);
      gsize size = 1;

      if (chars == max_chars)
        {
          g_string_append (str, "…");
          break;
        }
      if (c < 0x80 && (g_ascii_isprint (c) || c == '\r' || c == '\n' || c == '\t'))
        g_string_append_c (str, (char) c);
      else if (c >= 0x80 && c < 0xfffffffe && g_unichar_isprint (c))
        {
          size = g_utf8_skip[data[i]];
          g_string_append_len (str, (const char *) data + i, size);
        }
      else
        g_string_append_unichar (str, 0xfffd);
      i += size;
      chars++;
    }

  return g_string_free (str, FALSE);
}

static void
add_payload (JsonBuilder    *builder,
             PfTracePayload  mode,
             const guint8   *data,
             gsize           len)
{
  g_autofree char *text = NULL;
  const char *encoding = NULL;

  if (mode == PF_TRACE_PAYLOAD_FULL)
    mode = is_text (data, len) ? PF_TRACE_PAYLOAD_FULL : PF_TRACE_PAYLOAD_BASE64;

  switch (mode)
    {
    case PF_TRACE_PAYLOAD_EXCERPT:
      text = payload_excerpt (data, len, PAYLOAD_EXCERPT_CHARS);
      break;

    case PF_TRACE_PAYLOAD_FULL:
      text = len > 0 ? g_strndup ((const char *) data, len) : g_strdup ("");
      encoding = "text";
      break;

    case PF_TRACE_PAYLOAD_HEX:
      {
        GString *hex = g_string_sized_new (2 * len + 1);

        for (gsize i = 0; i < len; i++)
          g_string_append_printf (hex, "%02x", data[i]);
        text = g_string_free (hex, FALSE);
        encoding = "hex";
      }
      break;

    case PF_TRACE_PAYLOAD_BASE64:
      text = len > 0 ? g_base64_encode (data, len) : g_strdup ("");
      encoding = "base64";
      break;

    default:
      g_assert_not_reached ();
    }

  json_builder_set_member_name (builder, "payload");
  json_builder_add_string_value (builder, text);
  if (encoding != NULL)
    {
      json_builder_set_member_name (builder, "payload_encoding");
      json_builder_add_string_value (builder, encoding);
    }
}

/* The window as tshark's tcp.window_size shows it; remembers the scales
 * of SYNs. Without @scales (one event alone) the raw window. */
static guint
scaled_window (GHashTable     *scales,
               const PfPacket *packet)
{
  PfFourTuple tuple = pf_packet_get_four_tuple (packet);
  PfFourTuple reversed = pf_four_tuple_reversed (&tuple);
  PfTraceScales *found;
  gint8 shift;

  if (scales == NULL)
    return packet->window;

  if (packet->flags & PF_TCP_SYN)
    {
      if (!(packet->flags & PF_TCP_ACK))
        {
          found = g_new (PfTraceScales, 1);
          found->client = packet->wscale;
          found->server = SCALE_UNSEEN;
          g_hash_table_insert (scales, g_memdup2 (&tuple, sizeof tuple), found);
        }
      else if ((found = g_hash_table_lookup (scales, &reversed)) != NULL)
        found->server = packet->wscale;
      return packet->window;
    }

  if ((found = g_hash_table_lookup (scales, &tuple)) != NULL)
    shift = found->client;
  else if ((found = g_hash_table_lookup (scales, &reversed)) != NULL)
    shift = found->server;
  else
    return packet->window;

  if (found->client < 0 || found->server < 0)
    return packet->window;
  return (guint) packet->window << shift;
}

static void
add_endpoint (JsonBuilder      *builder,
              const char       *member,
              const PfEndpoint *endpoint)
{
  char text[PF_ENDPOINT_STRLEN];

  pf_endpoint_format (endpoint, text);
  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, text);
}

static void
add_address (JsonBuilder *builder,
             const char  *member,
             PfIpv4       address)
{
  g_autofree char *text = pf_ipv4_to_string (address);

  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, text);
}

/* ICMP and the protocols without ports: addresses only, "proto" the
 * protocol's name or number. */
static void
add_ip_segment (JsonBuilder    *builder,
                const PfPacket *packet)
{
  g_autofree char *number = g_strdup_printf ("ip-%u", packet->protocol);

  json_builder_set_member_name (builder, "proto");
  json_builder_add_string_value (builder, packet->protocol == PF_IP_PROTOCOL_ICMP ? "icmp" : number);
  add_address (builder, "src", packet->src);
  add_address (builder, "dst", packet->dst);
}

static void
add_icmp (JsonBuilder         *builder,
          const PfIcmpMessage *icmp)
{
  const char *code = pf_icmp_code_to_string (icmp->type, icmp->code);

  json_builder_set_member_name (builder, "icmp_type");
  json_builder_add_int_value (builder, icmp->type);
  json_builder_set_member_name (builder, "icmp_code");
  json_builder_add_int_value (builder, icmp->code);
  json_builder_set_member_name (builder, "icmp_type_name");
  json_builder_add_string_value (builder, pf_icmp_type_to_string (icmp->type));
  if (code != NULL)
    {
      json_builder_set_member_name (builder, "icmp_code_name");
      json_builder_add_string_value (builder, code);
    }
  if (icmp->has_quote)
    {
      json_builder_set_member_name (builder, "quoted");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "proto");
      json_builder_add_string_value (builder,
                                     icmp->quoted_protocol == PF_IP_PROTOCOL_TCP ? "tcp"
                                     : icmp->quoted_protocol == PF_IP_PROTOCOL_UDP ? "udp"
                                     : icmp->quoted_protocol == PF_IP_PROTOCOL_ICMP ? "icmp" : "ip");
      if (icmp->has_quoted_ports)
        {
          PfEndpoint src = { icmp->quoted_src, icmp->quoted_sport };
          PfEndpoint dst = { icmp->quoted_dst, icmp->quoted_dport };

          add_endpoint (builder, "src", &src);
          add_endpoint (builder, "dst", &dst);
        }
      else
        {
          add_address (builder, "src", icmp->quoted_src);
          add_address (builder, "dst", icmp->quoted_dst);
        }
      json_builder_set_member_name (builder, "ip_id");
      json_builder_add_int_value (builder, icmp->quoted_ip_id);
      json_builder_end_object (builder);
    }
}

static void
add_string (JsonBuilder *builder,
            const char  *member,
            const char  *value)
{
  json_builder_set_member_name (builder, member);
  json_builder_add_string_value (builder, value);
}

static void
add_mac (JsonBuilder  *builder,
         const char   *member,
         const guint8  mac[6])
{
  char text[PF_MAC_STRLEN];

  pf_mac_format (mac, text);
  add_string (builder, member, text);
}

static void
add_ethernet (JsonBuilder    *builder,
              const PfPacket *packet)
{
  json_builder_set_member_name (builder, "eth");
  json_builder_begin_object (builder);
  add_mac (builder, "src", packet->eth_src);
  add_mac (builder, "dst", packet->eth_dst);
  add_string (builder, "type", packet->ethertype == PF_ETHERTYPE_ARP ? "arp" : "ipv4");
  json_builder_end_object (builder);
}

static void
add_arp (JsonBuilder    *builder,
         const PfPacket *packet)
{
  add_string (builder, "proto", "arp");
  json_builder_set_member_name (builder, "arp");
  json_builder_begin_object (builder);
  add_string (builder, "op", packet->arp_op == PF_ARP_REQUEST ? "request" : "reply");
  add_mac (builder, "sender_mac", packet->arp_sha);
  add_address (builder, "sender_ip", packet->arp_spa);
  add_mac (builder, "target_mac", packet->arp_tha);
  add_address (builder, "target_ip", packet->arp_tpa);
  json_builder_end_object (builder);
}

/* The hop of a frame the wire carried: nothing for any other segment. */
static void
add_hop (JsonBuilder *builder,
         PfEvent     *event)
{
  const char * const *to = pf_event_get_to_host_ids (event);

  if (pf_event_get_link_id (event) == NULL)
    return;

  add_string (builder, "link", pf_event_get_link_id (event));
  if (pf_event_get_host_id (event) != NULL)
    add_string (builder, "from", pf_event_get_host_id (event));
  json_builder_set_member_name (builder, "to");
  json_builder_begin_array (builder);
  for (guint i = 0; to != NULL && to[i] != NULL; i++)
    json_builder_add_string_value (builder, to[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "delivered_us");
  json_builder_add_int_value (builder, pf_event_get_delivered_time (event));
}

static void
add_segment (JsonBuilder    *builder,
             PfPacket       *packet,
             PfTracePayload  payload,
             GHashTable     *scales)
{
  PfFourTuple tuple = pf_packet_get_four_tuple (packet);
  gsize len;
  const guint8 *data = g_bytes_get_data (packet->payload, &len);

  g_autofree char *info = pf_packet_describe (packet);
  const char *application = pf_app_protocol_to_string (
      pf_packet_get_app_protocol (packet, packet->sport, packet->dport));
  PfIcmpMessage icmp;
  gboolean arp = pf_packet_get_kind (packet) == PF_PACKET_KIND_ARP;

  if (packet->has_ethernet)
    add_ethernet (builder, packet);

  if (arp)
    {
      add_arp (builder, packet);
    }
  else if (packet->protocol != PF_IP_PROTOCOL_TCP && packet->protocol != PF_IP_PROTOCOL_UDP)
    {
      add_ip_segment (builder, packet);
    }
  else
    {
      json_builder_set_member_name (builder, "proto");
      json_builder_add_string_value (builder, packet->protocol == PF_IP_PROTOCOL_UDP ? "udp" : "tcp");
      add_endpoint (builder, "src", &tuple.src);
      add_endpoint (builder, "dst", &tuple.dst);
    }
  if (!arp)
    {
      json_builder_set_member_name (builder, "ttl");
      json_builder_add_int_value (builder, packet->ttl);
    }
  if (pf_icmp_decode (packet, &icmp))
    add_icmp (builder, &icmp);

  if (packet->protocol == PF_IP_PROTOCOL_TCP)
    {
      g_autofree char *flags = pf_packet_flags_to_string (packet->flags);

      json_builder_set_member_name (builder, "flags");
      json_builder_add_string_value (builder, flags);
      json_builder_set_member_name (builder, "seq");
      json_builder_add_int_value (builder, packet->seq);
      json_builder_set_member_name (builder, "ack");
      json_builder_add_int_value (builder, packet->ack);
      json_builder_set_member_name (builder, "win");
      json_builder_add_int_value (builder, packet->window);
      json_builder_set_member_name (builder, "window_scaled");
      json_builder_add_int_value (builder, scaled_window (scales, packet));
    }

  json_builder_set_member_name (builder, "len");
  json_builder_add_int_value (builder, pf_packet_get_payload_length (packet));
  json_builder_set_member_name (builder, "origin");
  json_builder_add_string_value (builder,
                                 packet->origin == PF_PACKET_ORIGIN_CAPTURED ? "captured" : "modelled");
  json_builder_set_member_name (builder, "kind_of_segment");
  json_builder_add_string_value (builder,
                                 pf_enum_to_nick (PF_TYPE_PACKET_KIND, pf_packet_get_kind (packet)));
  add_payload (builder, payload, data, len);
  if (application != NULL)
    {
      g_autofree char *lower = g_ascii_strdown (application, -1);

      json_builder_set_member_name (builder, "app");
      json_builder_add_string_value (builder, lower);
    }
  json_builder_set_member_name (builder, "info");
  json_builder_add_string_value (builder, info);
}

static void
add_socket (JsonBuilder *builder,
            PfEvent     *event)
{
  const PfFourTuple *tuple = pf_event_get_tuple (event);

  if (pf_event_get_host_id (event) != NULL)
    {
      json_builder_set_member_name (builder, "host");
      json_builder_add_string_value (builder, pf_event_get_host_id (event));
    }
  if (pf_event_get_protocol (event) != NULL)
    {
      json_builder_set_member_name (builder, "proto");
      json_builder_add_string_value (builder, pf_event_get_protocol (event));
    }
  if (tuple->src.port != 0 || tuple->src.address != 0)
    add_endpoint (builder, "local", &tuple->src);
  if (tuple->dst.port != 0 || tuple->dst.address != 0)
    add_endpoint (builder, "remote", &tuple->dst);
}

static void
add_deliver (JsonBuilder    *builder,
             PfEvent        *event,
             PfTracePayload  payload)
{
  GBytes *data = pf_event_get_data (event);
  gsize len;
  const guint8 *bytes = g_bytes_get_data (data, &len);

  json_builder_set_member_name (builder, "len");
  json_builder_add_int_value (builder, len);
  add_payload (builder, payload, bytes, len);
}

static char *
format_event (PfEvent        *event,
              PfTracePayload  payload,
              GHashTable     *scales)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  PfEventKind kind;

  g_return_val_if_fail (PF_IS_EVENT (event), NULL);

  kind = pf_event_get_kind (event);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "t");
  json_builder_add_int_value (builder, pf_event_get_time (event));
  json_builder_set_member_name (builder, "step");
  json_builder_add_int_value (builder, pf_event_get_step (event) + 1);
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, pf_event_kind_to_string (kind));

  switch (kind)
    {
    case PF_EVENT_STEP:
      json_builder_set_member_name (builder, "narration");
      json_builder_add_string_value (builder, pf_event_get_message (event));
      break;

    case PF_EVENT_SEGMENT:
      add_segment (builder, pf_event_get_packet (event), payload, scales);
      add_hop (builder, event);
      break;

    case PF_EVENT_STATE:
      add_socket (builder, event);
      json_builder_set_member_name (builder, "from");
      json_builder_add_string_value (builder, pf_tcp_state_to_string (pf_event_get_old_state (event)));
      json_builder_set_member_name (builder, "to");
      json_builder_add_string_value (builder, pf_tcp_state_to_string (pf_event_get_state (event)));
      break;

    case PF_EVENT_DELIVER:
      add_socket (builder, event);
      add_deliver (builder, event, payload);
      break;

    case PF_EVENT_ERROR:
      add_socket (builder, event);
      json_builder_set_member_name (builder, "code");
      json_builder_add_string_value (builder, pf_enum_to_nick (PF_TYPE_EVENT_ERROR_CODE,
                                                               pf_event_get_error_code (event)));
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, pf_event_get_message (event));
      json_builder_set_member_name (builder, "expected");
      json_builder_add_boolean_value (builder, pf_event_get_expected (event));
      break;

    default:
      g_assert_not_reached ();
    }

  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* One event as one line of JSON, without the newline: an excerpt of the
 * payload, and a window scaled only as far as one event tells (a trace
 * writer remembers its connections' SYNs). */
char *
pf_trace_format_event (PfEvent *event)
{
  g_return_val_if_fail (PF_IS_EVENT (event), NULL);

  return format_event (event, PF_TRACE_PAYLOAD_EXCERPT, NULL);
}

static void
set_write_error (PfTraceWriter  *self,
                 int             saved_errno,
                 GError        **error)
{
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "Could not write the trace to “%s”: %s.",
               self->path ? self->path : "standard output",
               g_strerror (saved_errno));
}

PfTraceWriter *
pf_trace_writer_new (const char  *path,
                     GError     **error)
{
  g_autoptr(PfTraceWriter) self = NULL;
  GStatBuf st;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_new0 (PfTraceWriter, 1);
  self->payload = PF_TRACE_PAYLOAD_EXCERPT;
  self->scales = g_hash_table_new_full (pf_four_tuple_hash, pf_four_tuple_equal, g_free, g_free);

  if (g_str_equal (path, "-"))
    {
      self->file = stdout;
      return g_steal_pointer (&self);
    }

  self->path = g_strdup (path);

  if (g_stat (path, &st) == 0 && !S_ISREG (st.st_mode))
    {
      self->file = fopen (path, "w");
      if (self->file == NULL)
        {
          set_write_error (self, errno, error);
          return NULL;
        }
      self->in_place = TRUE;
      return g_steal_pointer (&self);
    }

  self->tmp_path = g_strdup_printf ("%s.XXXXXX", path);
  fd = g_mkstemp (self->tmp_path);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_clear_pointer (&self->tmp_path, g_free);
      set_write_error (self, saved_errno, error);
      return NULL;
    }

  self->file = fdopen (fd, "w");
  if (self->file == NULL)
    {
      int saved_errno = errno;

      close (fd);
      set_write_error (self, saved_errno, error);
      return NULL;
    }

  return g_steal_pointer (&self);
}

gboolean
pf_trace_writer_write (PfTraceWriter  *self,
                       PfEvent        *event,
                       GError        **error)
{
  g_autofree char *line = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->file != NULL, FALSE);

  line = format_event (event, self->payload, self->scales);
  if (fputs (line, self->file) == EOF || fputc ('\n', self->file) == EOF)
    {
      set_write_error (self, errno, error);
      return FALSE;
    }

  return TRUE;
}

/* Flushes and, for a file, moves it into place. On failure nothing is
 * left at the target path. */
gboolean
pf_trace_writer_close (PfTraceWriter  *self,
                       GError        **error)
{
  FILE *file;

  g_return_val_if_fail (self != NULL, FALSE);

  file = g_steal_pointer (&self->file);
  if (file == NULL)
    return TRUE;

  if (self->path == NULL)
    {
      if (fflush (file) != 0)
        {
          set_write_error (self, errno, error);
          return FALSE;
        }
      return TRUE;
    }

  if (self->in_place)
    {
      int flushed = fflush (file);
      int saved_errno = errno;

      if (fclose (file) != 0 || flushed != 0)
        {
          set_write_error (self, flushed != 0 ? saved_errno : errno, error);
          return FALSE;
        }
      return TRUE;
    }

  if (fflush (file) != 0 || fsync (fileno (file)) != 0)
    {
      int saved_errno = errno;

      fclose (file);
      set_write_error (self, saved_errno, error);
      return FALSE;
    }

  if (fclose (file) != 0 || g_rename (self->tmp_path, self->path) != 0)
    {
      set_write_error (self, errno, error);
      return FALSE;
    }

  g_clear_pointer (&self->tmp_path, g_free);
  return TRUE;
}

/* Frees the writer; a file not closed successfully is removed. */
void
pf_trace_writer_free (PfTraceWriter *self)
{
  if (self == NULL)
    return;

  if (self->file != NULL && self->file != stdout)
    fclose (self->file);
  /* The temporary file only: a device written in place stays. */
  if (self->tmp_path != NULL)
    g_unlink (self->tmp_path);

  g_clear_pointer (&self->scales, g_hash_table_unref);
  g_free (self->path);
  g_free (self->tmp_path);
  g_free (self);
}

/* How much of each payload to write; an excerpt unless told. */
void
pf_trace_writer_set_payload (PfTraceWriter  *self,
                             PfTracePayload  payload)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (payload <= PF_TRACE_PAYLOAD_BASE64);

  self->payload = payload;
}
