/* pf-trace-writer.c: the timeline as JSON Lines
 *
 * One JSON object per event, one event per line, written through
 * json-glib. A regular file is written beside its target under a
 * temporary name and renamed into place when closed, so a failed run
 * leaves no half written trace; "-" writes to standard output as it goes,
 * and so does a path that is not a regular file (/dev/stdout, a FIFO,
 * /dev/null), which must never be replaced by a rename.
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

struct _PfTraceWriter
{
  char  *path;       /* NULL for standard output */
  char     *tmp_path;
  FILE     *file;
  gboolean  in_place;   /* a device or FIFO: written directly */
};

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
add_segment (JsonBuilder *builder,
             PfPacket    *packet)
{
  PfFourTuple tuple = pf_packet_get_four_tuple (packet);
  g_autofree char *excerpt = pf_packet_payload_excerpt (packet, PAYLOAD_EXCERPT_CHARS);

  g_autofree char *info = pf_packet_describe (packet);
  const char *application = pf_app_protocol_to_string (
      pf_packet_get_app_protocol (packet, packet->sport, packet->dport));
  PfIcmpMessage icmp;

  if (packet->protocol != PF_IP_PROTOCOL_TCP && packet->protocol != PF_IP_PROTOCOL_UDP)
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
    }

  json_builder_set_member_name (builder, "len");
  json_builder_add_int_value (builder, pf_packet_get_payload_length (packet));
  json_builder_set_member_name (builder, "origin");
  json_builder_add_string_value (builder,
                                 packet->origin == PF_PACKET_ORIGIN_CAPTURED ? "captured" : "modelled");
  json_builder_set_member_name (builder, "kind_of_segment");
  json_builder_add_string_value (builder,
                                 pf_enum_to_nick (PF_TYPE_PACKET_KIND, pf_packet_get_kind (packet)));
  json_builder_set_member_name (builder, "payload");
  json_builder_add_string_value (builder, excerpt);
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
add_deliver (JsonBuilder *builder,
             PfEvent     *event)
{
  GBytes *data = pf_event_get_data (event);
  gsize len;
  const guint8 *bytes = g_bytes_get_data (data, &len);
  g_autofree char *excerpt = pf_bytes_excerpt (bytes, len, PAYLOAD_EXCERPT_CHARS);

  json_builder_set_member_name (builder, "len");
  json_builder_add_int_value (builder, len);
  json_builder_set_member_name (builder, "payload");
  json_builder_add_string_value (builder, excerpt);
}

/* One event as one line of JSON, without the newline. */
char *
pf_trace_format_event (PfEvent *event)
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
  json_builder_add_int_value (builder, pf_event_get_step (event));
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, pf_event_kind_to_string (kind));

  switch (kind)
    {
    case PF_EVENT_STEP:
      json_builder_set_member_name (builder, "narration");
      json_builder_add_string_value (builder, pf_event_get_message (event));
      break;

    case PF_EVENT_SEGMENT:
      add_segment (builder, pf_event_get_packet (event));
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
      add_deliver (builder, event);
      break;

    case PF_EVENT_ERROR:
      add_socket (builder, event);
      json_builder_set_member_name (builder, "code");
      json_builder_add_string_value (builder, pf_enum_to_nick (PF_TYPE_EVENT_ERROR_CODE,
                                                               pf_event_get_error_code (event)));
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, pf_event_get_message (event));
      break;

    default:
      g_assert_not_reached ();
    }

  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
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
  g_autoptr(PfTraceWriter) self = g_new0 (PfTraceWriter, 1);
  GStatBuf st;
  int fd;

  g_return_val_if_fail (path != NULL, NULL);

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

  line = pf_trace_format_event (event);
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

  g_free (self->path);
  g_free (self->tmp_path);
  g_free (self);
}
