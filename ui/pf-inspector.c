/* pf-inspector.c: the selected segment's headers and data
 *
 * The segment the player has selected, field by field as a tree (Frame,
 * IPv4, TCP or UDP, options, flags one per line), and below it the data
 * it carries, as text and as a hex dump. An ICMP message gets its own
 * section (type and code in words, the datagram an error quotes), and a
 * payload that pf-packet-info.c reads one named by its protocol (DNS:
 * the header, question and answers; HTTP, SMTP, SSH and other text: its
 * lines). A frame the wire carried shows its Ethernet header above the
 * IPv4 one and its hop (link, sender, receivers, latency); an ARP
 * message has a section of its own and its meaning in the Text tab.
 * Sequence and acknowledgment
 * numbers are shown relative to the SYN of each direction, as a lesson
 * reads them, and raw, as they are on the wire. In loopback mode the
 * scenario's addresses and ports come first and the kernel's follow.
 *
 * The fields sit left of the data, beside it, and the divider between
 * them is remembered as a fraction of the width ("inspector-divider").
 * The hex dump puts as many bytes on a line as the page shows whole
 * (16, 8 or 4), so offsets, hex and ASCII are read without scrolling.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-inspector"

#include "config.h"

#include "pf-inspector.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "pf-inspector-private.h"
#include "pf-packet-info.h"
#include "pf-view-util.h"

/* One row of the tree: a name, a value, maybe children. */

G_DECLARE_FINAL_TYPE (PfInspectorField, pf_inspector_field, PF, INSPECTOR_FIELD, GObject)

struct _PfInspectorField
{
  GObject     parent_instance;

  char       *name;
  char       *value;
  GListStore *children;   /* PfInspectorField*, or NULL for a leaf */
};

G_DEFINE_FINAL_TYPE (PfInspectorField, pf_inspector_field, G_TYPE_OBJECT)

static void
pf_inspector_field_finalize (GObject *object)
{
  PfInspectorField *self = PF_INSPECTOR_FIELD (object);

  g_free (self->name);
  g_free (self->value);
  g_clear_object (&self->children);

  G_OBJECT_CLASS (pf_inspector_field_parent_class)->finalize (object);
}

static void
pf_inspector_field_class_init (PfInspectorFieldClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pf_inspector_field_finalize;
}

static void
pf_inspector_field_init (PfInspectorField *self)
{
}

/* The inspector */

struct _PfInspector
{
  PfView             parent_instance;

  PfEvent           *shown;          /* a segment event, or NULL */
  char              *summary;
  guint              n_fields;

  GSettings         *settings;
  double             divider;        /* the fields' share of the width */
  int                divider_width;  /* the width it was last applied to */
  gboolean           allocating;     /* the paned moves itself, not the user */
  guint              hex_per_line;   /* bytes a hex line, 16, 8 or 4 */

  GListStore        *root;           /* PfInspectorField* */
  GListStore        *building;       /* the next root, filled whole */
  GtkTreeListModel  *tree;

  /* Template children */
  GtkStack          *stack;
  GtkPaned          *paned;
  GtkNoSelection    *selection;
  GtkScrolledWindow *hex_page;
  GtkTextBuffer     *text_buffer;
  GtkTextBuffer     *hex_buffer;
  GtkTextView       *hex_view;
};

G_DEFINE_FINAL_TYPE (PfInspector, pf_inspector, PF_TYPE_VIEW)

/* The longest hex line: offset, 16 bytes in two groups, their ASCII. */
#define HEX_BYTES_PER_LINE_MAX 16

static PfInspectorField *
field_add (PfInspector *self,
           GListStore  *parent,
           const char  *name,
           char        *value)     /* taken */
{
  g_autoptr(PfInspectorField) field = g_object_new (PF_TYPE_INSPECTOR_FIELD, NULL);

  field->name = g_strdup (name);
  field->value = value;
  g_list_store_append (parent, field);
  self->n_fields++;
  return field;    /* borrowed: the store holds it */
}

/* One formatter for this file and pf-inspector-sections.c. */
#define field_addf pf_inspector_field_addf

static GListStore *
field_children (PfInspectorField *field)
{
  if (field->children == NULL)
    field->children = g_list_store_new (PF_TYPE_INSPECTOR_FIELD);
  return field->children;
}

/* For pf-inspector-sections.c */

PfInspectorField *
pf_inspector_field_add (PfInspector *self,
                        GListStore  *parent,
                        const char  *name,
                        char        *value)
{
  return field_add (self, parent, name, value);
}

PfInspectorField *
pf_inspector_field_addf (PfInspector *self,
                         GListStore  *parent,
                         const char  *name,
                         const char  *format,
                         ...)
{
  va_list args;
  char *value;

  va_start (args, format);
  value = g_strdup_vprintf (format, args);
  va_end (args);

  return field_add (self, parent, name, value);
}

GListStore *
pf_inspector_field_children (PfInspectorField *field)
{
  return field_children (field);
}

static const char *
checksum_to_string (PfChecksumStatus status,
                    PfPacketOrigin   origin)
{
  if (origin == PF_PACKET_ORIGIN_MODELLED)
    return _("computed by the model (not seen on the wire)");

  switch (status)
    {
    case PF_CHECKSUM_GOOD:
      return _("correct");
    case PF_CHECKSUM_BAD:
      return _("wrong");
    case PF_CHECKSUM_OFFLOADED:
      return _("left to the network device (only the pseudo-header sum, as always on lo)");
    case PF_CHECKSUM_UNCHECKED:
    default:
      return _("not checked");
    }
}

/* "192.203.196.71 (knuth.luther.edu; here 127.203.196.71)" */
static char *
describe_address (PfInspector *self,
                  PfIpv4       real)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  const PfHost *host = pf_view_find_host (player, real);
  g_autofree char *here = NULL;
  g_autofree char *text = pf_view_format_address (player, real, &here);

  if (host != NULL && here != NULL)
    return g_strdup_printf (_("%s (%s; here %s)"), text, host->name, here);
  if (host != NULL)
    return g_strdup_printf ("%s (%s)", text, host->name);
  if (here != NULL)
    return g_strdup_printf (_("%s (here %s)"), text, here);
  return g_steal_pointer (&text);
}

/* "80 (web; here 8080)" */
static char *
describe_port (PfInspector *self,
               PfIpv4       real_address,
               guint16      real_port,
               PfProtocol   protocol)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  const PfHost *host = pf_view_find_host (player, real_address);
  guint16 port = pf_view_unmap_port (player, real_port);
  const PfService *service = host ? pf_host_find_service (host, protocol, port) : NULL;

  if (service != NULL && port != real_port)
    return g_strdup_printf (_("%u (%s; here %u)"), port, service->name, real_port);
  if (service != NULL)
    return g_strdup_printf ("%u (%s)", port, service->name);
  if (port != real_port)
    return g_strdup_printf (_("%u (here %u)"), port, real_port);
  return g_strdup_printf ("%u", port);
}

/* The initial sequence numbers of both directions of @packet's
 * connection: the SYNs recorded before @event (or @event itself). */
static void
find_isns (PfInspector *self,
           PfEvent     *event,
           gboolean    *out_have_own,
           guint32     *out_own,
           gboolean    *out_have_peer,
           guint32     *out_peer)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  PfTimeline *timeline = pf_player_get_timeline (player);
  PfFourTuple tuple = *pf_event_get_tuple (event);
  PfFourTuple reversed = pf_four_tuple_reversed (&tuple);
  guint n = timeline ? pf_timeline_get_n_events (timeline) : 0;

  *out_have_own = *out_have_peer = FALSE;
  *out_own = *out_peer = 0;

  for (guint i = 0; i < n; i++)
    {
      PfEvent *other = pf_timeline_get_event (timeline, i);
      PfPacket *packet;

      if (pf_event_get_kind (other) == PF_EVENT_SEGMENT &&
          (packet = pf_event_get_packet (other))->protocol == PF_IP_PROTOCOL_TCP &&
          (packet->flags & PF_TCP_SYN) != 0)
        {
          if (pf_four_tuple_equal (pf_event_get_tuple (other), &tuple))
            {
              *out_have_own = TRUE;
              *out_own = packet->seq;
            }
          else if (pf_four_tuple_equal (pf_event_get_tuple (other), &reversed))
            {
              *out_have_peer = TRUE;
              *out_peer = packet->seq;
            }
        }
      if (other == event)
        break;
    }
}

static void
add_frame (PfInspector *self,
           PfEvent     *event,
           PfPacket    *packet)
{
  gboolean modelled = packet->origin == PF_PACKET_ORIGIN_MODELLED;
  PfInspectorField *frame;
  GListStore *children;

  frame = field_add (self, self->building, _("Frame"),
                     g_strdup (modelled ? _("modelled") : _("captured")));
  children = field_children (frame);
  field_addf (self, children, _("Time"), _("%.3f ms since the run began"),
              pf_event_get_time (event) / 1000.0);
  if (pf_event_get_step (event) >= 0)
    field_addf (self, children, _("Step"), "%d", pf_event_get_step (event) + 1);
  field_add (self, children, _("Origin"),
             g_strdup (modelled ? _("modelled: rebuilt from socket events; not seen on the wire")
                       : packet->has_ethernet ? _("captured: as the wire carried it")
                                              : _("captured: as the kernel sent it on lo")));
  field_add (self, children, _("Kind"), g_strdup (pf_packet_kind_to_label (pf_packet_get_kind (packet))));
  if (packet->has_ethernet)
    {
      g_autoptr(GBytes) bytes = pf_packet_get_frame (packet);

      field_addf (self, children, _("Size"), _("%u bytes"), (guint) g_bytes_get_size (bytes));
    }
  else
    field_addf (self, children, _("Size"), _("%u bytes"), packet->total_length);
}

static const PfHost *
find_host (PfInspector *self,
           const char  *host_id)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  const PfScenario *scenario = player ? pf_player_get_scenario (player) : NULL;

  return scenario && host_id ? pf_scenario_find_host (scenario, host_id) : NULL;
}

/* "Laptop"; the id alone for a host the scenario lacks. */
static const char *
host_name (PfInspector *self,
           const char  *host_id)
{
  const PfHost *host = find_host (self, host_id);

  return host ? host->name : host_id;
}

/* "Laptop (10.0.0.2)", by its address on @link_id (a router has one on
 * each of its links); the id alone for a host the scenario lacks. */
static char *
describe_host (PfInspector *self,
               const char  *host_id,
               const char  *link_id)
{
  const PfHost *host = find_host (self, host_id);
  PfIpv4 address;
  char text[PF_IPV4_STRLEN];

  if (host == NULL)
    return g_strdup (host_id);
  address = host->address;
  for (guint i = 0; host->interfaces != NULL && i < host->interfaces->len; i++)
    {
      const PfInterface *interface = g_ptr_array_index (host->interfaces, i);

      if (interface->link != NULL && g_strcmp0 (interface->link->id, link_id) == 0)
        {
          address = interface->address;
          break;
        }
    }
  pf_ipv4_format (address, text);
  return g_strdup_printf ("%s (%s)", host->name, text);
}

/* The hop of a frame the wire carried, when it left and when it was
 * delivered; nothing for a segment no wire carried. */
static void
add_hop (PfInspector *self,
         PfEvent     *event)
{
  const char *link = pf_event_get_link_id (event);
  const char * const *to = pf_event_get_to_host_ids (event);
  const char *from = pf_event_get_host_id (event);
  g_autoptr(GString) receivers = g_string_new (NULL);
  g_autoptr(GString) names = g_string_new (NULL);
  gint64 left = pf_event_get_time (event);
  gint64 delivered = pf_event_get_delivered_time (event);
  PfInspectorField *hop;
  GListStore *children;

  if (link == NULL)
    return;

  for (guint i = 0; to != NULL && to[i] != NULL; i++)
    {
      g_autofree char *host = describe_host (self, to[i], link);

      if (i > 0)
        {
          g_string_append (names, ", ");
          g_string_append (receivers, ", ");
        }
      g_string_append (names, host_name (self, to[i]));
      g_string_append (receivers, host);
    }

  /* The section's line names the hosts, as the stage does; their
   * addresses on the link are in its rows. Kept short, so it stays one
   * line in the window's default inspector (test-inspector.c). */
  /* TRANSLATORS: a frame's hop, "Laptop → gw on lan" */
  hop = field_addf (self, self->building, _("Hop"), _("%s → %s on %s"),
                    from ? host_name (self, from) : "?", names->len > 0 ? names->str : "?", link);
  children = field_children (hop);
  field_add (self, children, _("Link"), g_strdup (link));
  field_add (self, children, _("From"), from ? describe_host (self, from, link) : g_strdup ("?"));
  field_add (self, children, _("To"), g_strdup (receivers->str));
  field_addf (self, children, _("Left"), _("%.3f ms since the run began"), left / 1000.0);
  field_addf (self, children, _("Delivered"), _("%.3f ms since the run began"), delivered / 1000.0);
  field_addf (self, children, _("Latency"), _("%.3f ms"), (delivered - left) / 1000.0);
}

/* "ff:ff:ff:ff:ff:ff (broadcast)" */
static char *
describe_mac (const guint8 mac[6])
{
  char text[PF_MAC_STRLEN];

  pf_mac_format (mac, text);
  if (pf_mac_is_broadcast (mac))
    return g_strdup_printf (_("%s (broadcast)"), text);
  return g_strdup (text);
}

static void
add_ethernet (PfInspector *self,
              PfPacket    *packet)
{
  char src[PF_MAC_STRLEN];
  char dst[PF_MAC_STRLEN];
  PfInspectorField *eth;
  GListStore *children;

  pf_mac_format (packet->eth_src, src);
  pf_mac_format (packet->eth_dst, dst);
  eth = field_addf (self, self->building, _("Ethernet II"), "%s → %s", src, dst);
  children = field_children (eth);
  field_add (self, children, _("Destination"), describe_mac (packet->eth_dst));
  field_add (self, children, _("Source"), describe_mac (packet->eth_src));
  field_addf (self, children, _("Type"), "%s (0x%04x)",
              packet->ethertype == PF_ETHERTYPE_ARP ? "ARP" : "IPv4", packet->ethertype);
}

static void
add_ipv4 (PfInspector *self,
          PfPacket    *packet)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  g_autofree char *src = pf_view_format_address (player, packet->src, NULL);
  g_autofree char *dst = pf_view_format_address (player, packet->dst, NULL);
  PfInspectorField *ip;
  GListStore *children;
  const char *protocol_name;

  ip = field_add (self, self->building, _("IPv4"), g_strdup_printf ("%s → %s", src, dst));
  children = field_children (ip);
  field_add (self, children, _("Source"), describe_address (self, packet->src));
  field_add (self, children, _("Destination"), describe_address (self, packet->dst));
  field_addf (self, children, _("Time to live"), "%u", packet->ttl);
  field_addf (self, children, _("Total length"), _("%u bytes"), packet->total_length);
  field_addf (self, children, _("Identification"), "0x%04x (%u)", packet->ip_id, packet->ip_id);
  field_add (self, children, _("Don't fragment"),
             g_strdup (packet->dont_fragment ? _("set") : _("not set")));
  if (packet->more_fragments || packet->fragment_offset != 0)
    field_addf (self, children, _("Fragment"), _("offset %u bytes, more fragments: %s"),
                packet->fragment_offset, packet->more_fragments ? _("yes") : _("no"));
  protocol_name = packet->protocol == PF_IP_PROTOCOL_TCP ? "TCP"
                : packet->protocol == PF_IP_PROTOCOL_UDP ? "UDP"
                : packet->protocol == PF_IP_PROTOCOL_ICMP ? "ICMP" : _("other");
  field_addf (self, children, _("Protocol"), "%s (%u)", protocol_name, packet->protocol);
  field_add (self, children, _("Header checksum"),
             g_strdup (checksum_to_string (packet->ip_checksum, packet->origin)));
}

static void
add_tcp_flags (PfInspector *self,
               GListStore  *parent,
               PfPacket    *packet)
{
  /* In the order of the header's bits, high to low. */
  static const struct { guint8 flag; const char *name; } flags[] = {
    { PF_TCP_CWR, N_("Congestion window reduced (CWR)") },
    { PF_TCP_ECE, N_("ECN echo (ECE)") },
    { PF_TCP_URG, N_("Urgent (URG)") },
    { PF_TCP_ACK, N_("Acknowledgment (ACK)") },
    { PF_TCP_PSH, N_("Push (PSH)") },
    { PF_TCP_RST, N_("Reset (RST)") },
    { PF_TCP_SYN, N_("Synchronize (SYN)") },
    { PF_TCP_FIN, N_("Finish (FIN)") },
  };
  g_autofree char *names = pf_packet_flags_to_string (packet->flags);
  PfInspectorField *field;
  GListStore *children;

  field = field_addf (self, parent, _("Flags"), "0x%02x (%s)", packet->flags,
                      names[0] != '\0' ? names : _("none"));
  children = field_children (field);
  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    field_add (self, children, _(flags[i].name),
               g_strdup ((packet->flags & flags[i].flag) ? _("set") : _("not set")));
}

static void
add_tcp_options (PfInspector *self,
                 GListStore  *parent,
                 PfPacket    *packet)
{
  guint options_length = packet->data_offset * 4 > 20 ? packet->data_offset * 4 - 20 : 0;
  PfInspectorField *field;
  GListStore *children;

  if (options_length == 0)
    {
      field_add (self, parent, _("Options"), g_strdup (_("none")));
      return;
    }

  field = field_addf (self, parent, _("Options"), _("%u bytes"), options_length);
  children = field_children (field);
  if (packet->mss != 0)
    field_addf (self, children, _("Maximum segment size"), _("%u bytes"), packet->mss);
  if (packet->sack_permitted)
    field_add (self, children, _("SACK permitted"), g_strdup (_("yes")));
  if (packet->wscale >= 0)
    field_addf (self, children, _("Window scale"), _("%d (multiply by %u)"),
                packet->wscale, 1u << packet->wscale);
  if (packet->has_timestamps)
    field_addf (self, children, _("Timestamps"), _("value %u, echo reply %u"),
                packet->ts_val, packet->ts_ecr);
  for (guint i = 0; i < packet->n_sack_blocks; i++)
    field_addf (self, children, _("SACK block"), "%u–%u",
                packet->sack_blocks[i].left, packet->sack_blocks[i].right);
}

static void
add_tcp (PfInspector *self,
         PfEvent     *event,
         PfPacket    *packet)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  g_autofree char *flags = pf_packet_flags_to_string (packet->flags);
  gboolean have_own, have_peer;
  guint32 own_isn, peer_isn;
  PfInspectorField *tcp;
  GListStore *children;

  find_isns (self, event, &have_own, &own_isn, &have_peer, &peer_isn);

  tcp = field_addf (self, self->building, _("TCP"), "%u → %u %s",
                    pf_view_unmap_port (player, packet->sport),
                    pf_view_unmap_port (player, packet->dport), flags);
  children = field_children (tcp);
  field_add (self, children, _("Source port"),
             describe_port (self, packet->src, packet->sport, PF_PROTOCOL_TCP));
  field_add (self, children, _("Destination port"),
             describe_port (self, packet->dst, packet->dport, PF_PROTOCOL_TCP));

  if (have_own)
    field_addf (self, children, _("Sequence number"), _("%u (relative to this side's SYN)"),
                packet->seq - own_isn);
  else
    field_add (self, children, _("Sequence number"),
               g_strdup (_("no SYN of this side in the history")));
  field_addf (self, children, _("Sequence number (raw)"), "%u", packet->seq);

  if (!(packet->flags & PF_TCP_ACK))
    field_addf (self, children, _("Acknowledgment number"), _("not used: ACK is not set (raw %u)"),
                packet->ack);
  else
    {
      if (have_peer)
        field_addf (self, children, _("Acknowledgment number"),
                    _("%u (relative to the other side's SYN)"), packet->ack - peer_isn);
      else
        field_add (self, children, _("Acknowledgment number"),
                   g_strdup (_("no SYN of the other side in the history")));
      field_addf (self, children, _("Acknowledgment number (raw)"), "%u", packet->ack);
    }

  field_addf (self, children, _("Header length"), _("%u bytes (%u words of 4)"),
              packet->data_offset * 4u, packet->data_offset);
  add_tcp_flags (self, children, packet);
  if (packet->flags & PF_TCP_SYN)
    field_addf (self, children, _("Window"), _("%u bytes (never scaled in a SYN)"), packet->window);
  else
    field_addf (self, children, _("Window"), _("%u (the raw field, before scaling)"),
                packet->window);
  field_add (self, children, _("Checksum"),
             g_strdup (checksum_to_string (packet->l4_checksum, packet->origin)));
  if (packet->flags & PF_TCP_URG)
    field_addf (self, children, _("Urgent pointer"), "%u", packet->urgent_pointer);
  add_tcp_options (self, children, packet);
}

static void
add_udp (PfInspector *self,
         PfPacket    *packet)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  guint payload = pf_packet_get_payload_length (packet);
  PfInspectorField *udp;
  GListStore *children;

  udp = field_addf (self, self->building, _("UDP"), "%u → %u",
                    pf_view_unmap_port (player, packet->sport),
                    pf_view_unmap_port (player, packet->dport));
  children = field_children (udp);
  field_add (self, children, _("Source port"),
             describe_port (self, packet->src, packet->sport, PF_PROTOCOL_UDP));
  field_add (self, children, _("Destination port"),
             describe_port (self, packet->dst, packet->dport, PF_PROTOCOL_UDP));
  field_addf (self, children, _("Length"), _("%u bytes (8 of header, %u of data)"),
              8 + payload, payload);
  field_add (self, children, _("Checksum"),
             g_strdup (checksum_to_string (packet->l4_checksum, packet->origin)));
}

/* Printable ASCII as is, the rest escaped; a newline also breaks the line. */
static char *
payload_to_text (GBytes *payload)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (payload, &len);
  GString *str;

  if (len == 0)
    return g_strdup (_("This segment carries no data."));

  str = g_string_sized_new (len + 16);

  for (gsize i = 0; i < len; i++)
    {
      switch (data[i])
        {
        case '\r': g_string_append (str, "\\r"); break;
        case '\n': g_string_append (str, "\\n\n"); break;
        case '\t': g_string_append (str, "\\t"); break;
        case '\\': g_string_append (str, "\\\\"); break;
        default:
          if (data[i] >= 0x20 && data[i] < 0x7f)
            g_string_append_c (str, (char) data[i]);
          else
            g_string_append_printf (str, "\\x%02x", data[i]);
        }
    }

  return g_string_free (str, FALSE);
}

/* A binary message an application decoder reads (DNS) in words for the
 * Text tab, where its bytes escaped would say nothing; NULL for the
 * rest, whose text is its bytes. */
static char *
application_text (PfInspector *self,
                  PfPacket    *packet)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  guint16 sport = pf_view_unmap_port (player, packet->sport);
  guint16 dport = pf_view_unmap_port (player, packet->dport);
  g_autofree char *words = NULL;

  if (pf_packet_get_kind (packet) == PF_PACKET_KIND_ARP)
    return pf_inspector_arp_text (self, packet);
  if (pf_packet_is_fragment (packet) ||
      pf_packet_get_app_protocol (packet, sport, dport) != PF_APP_PROTOCOL_DNS)
    return NULL;

  words = pf_packet_describe_application_at (packet, sport, dport);
  return g_strdup_printf ("%s\n\n%s", words,
                          _("A DNS message is binary: its fields are in the tree, its bytes under Hex."));
}

/* What the Hex tab dumps: the payload; for an ARP message, which has
 * none, the whole frame, its every byte a header field. */
static GBytes *
hex_bytes (PfPacket *packet)
{
  if (pf_packet_get_kind (packet) == PF_PACKET_KIND_ARP)
    return pf_packet_get_frame (packet);
  return g_bytes_ref (packet->payload);
}

/* The characters of a hex line of @per_line bytes: "0000  ", three a
 * byte, one between the halves, one before the ASCII, one a byte. */
static guint
hex_line_chars (guint per_line)
{
  return 6 + 3 * per_line + 1 + 1 + per_line;
}

/* "0000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 31 0d 0a  GET / HTTP/1.1.." */
static char *
payload_to_hex (GBytes *payload,
                guint   per_line)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (payload, &len);
  GString *str;

  if (len == 0)
    return g_strdup (_("This segment carries no data."));

  str = g_string_new (NULL);

  for (gsize line = 0; line < len; line += per_line)
    {
      g_string_append_printf (str, "%04" G_GSIZE_MODIFIER "x  ", line);
      for (gsize i = line; i < line + per_line; i++)
        {
          if (i < len)
            g_string_append_printf (str, "%02x ", data[i]);
          else
            g_string_append (str, "   ");
          if (i == line + per_line / 2 - 1)
            g_string_append_c (str, ' ');
        }
      g_string_append_c (str, ' ');
      for (gsize i = line; i < MIN (line + per_line, len); i++)
        g_string_append_c (str, data[i] >= 0x20 && data[i] < 0x7f ? (char) data[i] : '.');
      g_string_append_c (str, '\n');
    }

  return g_string_free (str, FALSE);
}

static char *
make_summary (PfInspector *self,
              PfPacket    *packet)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  PfEndpoint src = { packet->src, packet->sport };
  PfEndpoint dst = { packet->dst, packet->dport };
  g_autofree char *from = pf_view_format_endpoint (player, &src, NULL);
  g_autofree char *to = pf_view_format_endpoint (player, &dst, NULL);
  g_autofree char *flags = NULL;

  if (pf_packet_get_kind (packet) == PF_PACKET_KIND_ARP)
    {
      g_autofree char *words = pf_packet_describe (packet);

      return g_strdup_printf ("ARP %s", words);
    }
  if (packet->protocol == PF_IP_PROTOCOL_UDP)
    return g_strdup_printf ("UDP %s → %s", from, to);
  if (packet->protocol == PF_IP_PROTOCOL_ICMP)
    {
      g_autofree char *a = pf_view_format_address (player, packet->src, NULL);
      g_autofree char *b = pf_view_format_address (player, packet->dst, NULL);
      g_autofree char *words = pf_packet_describe (packet);

      return g_strdup_printf ("ICMP %s → %s %s", a, b, words);
    }
  if (packet->protocol != PF_IP_PROTOCOL_TCP)
    return g_strdup_printf ("IPv4 %s → %s", from, to);

  flags = pf_packet_flags_to_string (packet->flags);
  if (flags[0] == '\0')
    return g_strdup_printf ("TCP %s → %s", from, to);
  return g_strdup_printf ("TCP %s → %s %s", from, to, flags);
}

static void
replace_root (PfInspector *self)
{
  g_autoptr(GListStore) fields = g_steal_pointer (&self->building);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (fields));
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (items, g_list_model_get_item (G_LIST_MODEL (fields), i));
  g_list_store_splice (self->root, 0, g_list_model_get_n_items (G_LIST_MODEL (self->root)),
                       items->pdata, items->len);
}

static void
rebuild (PfInspector *self)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  PfEvent *selected = player ? pf_player_get_selected (player) : NULL;
  PfPacket *packet;
  g_autofree char *text = NULL;
  g_autofree char *hex = NULL;

  if (selected != NULL && pf_event_get_kind (selected) != PF_EVENT_SEGMENT)
    selected = NULL;

  g_set_object (&self->shown, selected);
  g_clear_pointer (&self->summary, g_free);
  self->n_fields = 0;

  if (selected == NULL)
    {
      g_list_store_remove_all (self->root);
      gtk_text_buffer_set_text (self->text_buffer, "", -1);
      gtk_text_buffer_set_text (self->hex_buffer, "", -1);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }

  /* Sections are filled before the tree sees them, so it expands them. */
  packet = pf_event_get_packet (selected);
  self->building = g_list_store_new (PF_TYPE_INSPECTOR_FIELD);
  add_frame (self, selected, packet);
  add_hop (self, selected);
  if (packet->has_ethernet)
    add_ethernet (self, packet);
  if (pf_packet_get_kind (packet) == PF_PACKET_KIND_ARP)
    pf_inspector_add_arp (self, self->building, packet);
  else
    add_ipv4 (self, packet);
  if (pf_packet_get_kind (packet) == PF_PACKET_KIND_ARP)
    ;
  else if (packet->protocol == PF_IP_PROTOCOL_TCP)
    add_tcp (self, selected, packet);
  else if (packet->protocol == PF_IP_PROTOCOL_UDP)
    add_udp (self, packet);
  else if (packet->protocol == PF_IP_PROTOCOL_ICMP && !pf_packet_is_fragment (packet))
    pf_inspector_add_icmp (self, self->building, packet);
  if (pf_packet_get_kind (packet) != PF_PACKET_KIND_ARP)
    {
      if (!pf_packet_is_fragment (packet))
        pf_inspector_add_application (self, self->building, packet);
      field_addf (self, self->building, _("Data"), _("%u bytes"),
                  pf_packet_get_payload_length (packet));
    }
  replace_root (self);

  self->summary = make_summary (self, packet);
  text = application_text (self, packet);
  if (text == NULL)
    text = payload_to_text (packet->payload);
  {
    g_autoptr(GBytes) dumped = hex_bytes (packet);

    hex = payload_to_hex (dumped, self->hex_per_line);
  }
  gtk_text_buffer_set_text (self->text_buffer, text, -1);
  gtk_text_buffer_set_text (self->hex_buffer, hex, -1);
  gtk_stack_set_visible_child_name (self->stack, "segment");
}

static void
on_player_changed (PfInspector *self)
{
  rebuild (self);
}

/* The most bytes a hex line can hold and still be seen whole in the
 * page's @width, measured in the view's own (zoomed, monospace) font. */
static guint
hex_fitting_per_line (PfInspector *self,
                      double       width)
{
  GtkWidget *view = GTK_WIDGET (self->hex_view);
  g_autoptr(PangoLayout) layout = NULL;
  g_autofree char *line = NULL;
  int margins = gtk_text_view_get_left_margin (self->hex_view) +
                gtk_text_view_get_right_margin (self->hex_view);
  int line_width;
  guint per_line;

  for (per_line = HEX_BYTES_PER_LINE_MAX; per_line > 4; per_line /= 2)
    {
      line = g_strnfill (hex_line_chars (per_line), '0');
      layout = gtk_widget_create_pango_layout (view, line);
      pango_layout_get_pixel_size (layout, &line_width, NULL);
      if (line_width + margins <= width)
        break;
      g_clear_object (&layout);
      g_clear_pointer (&line, g_free);
    }

  return per_line;
}

/* The page's width or the font changed (both reach the adjustment):
 * the dump is laid out again if another number of bytes fits. */
static void
on_hex_adjustment_changed (PfInspector   *self,
                           GtkAdjustment *adjustment)
{
  double width = gtk_adjustment_get_page_size (adjustment);
  g_autofree char *hex = NULL;
  guint per_line;

  if (width <= 0)
    return;

  per_line = hex_fitting_per_line (self, width);
  if (per_line == self->hex_per_line)
    return;

  self->hex_per_line = per_line;
  if (self->shown != NULL)
    {
      g_autoptr(GBytes) dumped = hex_bytes (pf_event_get_packet (self->shown));

      hex = payload_to_hex (dumped, per_line);
      gtk_text_buffer_set_text (self->hex_buffer, hex, -1);
    }
}

/* The user moved the divider (or a test did): remembered as a share of
 * the width. The paned's own moves while it is allocated are not. */
static void
on_paned_position (PfInspector *self)
{
  double divider;

  if (self->allocating || self->divider_width <= 0)
    return;

  divider = CLAMP ((double) gtk_paned_get_position (self->paned) / self->divider_width, 0.1, 0.9);
  if (G_APPROX_VALUE (divider, self->divider, 1e-6))
    return;

  self->divider = divider;
  g_settings_set_double (self->settings, "inspector-divider", divider);
}

static GListModel *
create_children (gpointer item,
                 gpointer user_data)
{
  PfInspectorField *field = item;

  return field->children ? g_object_ref (G_LIST_MODEL (field->children)) : NULL;
}

static void
on_setup_row (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *name = gtk_label_new (NULL);
  GtkWidget *value = gtk_label_new (NULL);

  /* Both wrap, so a narrow column wraps them rather than cutting them
   * or widening the inspector (and the window's lists beside it). */
  gtk_label_set_xalign (GTK_LABEL (name), 0.0);
  gtk_label_set_yalign (GTK_LABEL (name), 0.0);
  gtk_label_set_wrap (GTK_LABEL (name), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (name), PANGO_WRAP_WORD);
  gtk_label_set_xalign (GTK_LABEL (value), 0.0);
  gtk_label_set_yalign (GTK_LABEL (value), 0.0);
  gtk_label_set_wrap (GTK_LABEL (value), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (value), PANGO_WRAP_WORD_CHAR);
  gtk_widget_set_hexpand (value, TRUE);
  gtk_widget_add_css_class (name, "pf-field-name");
  gtk_widget_add_css_class (value, "pf-field-value");
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), value);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), box);
  gtk_list_item_set_child (item, expander);
}

static void
on_bind_row (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             gpointer                  user_data)
{
  GtkTreeListRow *row = gtk_list_item_get_item (item);
  GtkWidget *expander = gtk_list_item_get_child (item);
  PfInspectorField *field = gtk_tree_list_row_get_item (row);
  GtkWidget *box = gtk_tree_expander_get_child (GTK_TREE_EXPANDER (expander));
  GtkWidget *name = gtk_widget_get_first_child (box);
  GtkWidget *value = gtk_widget_get_next_sibling (name);
  g_autofree char *label = NULL;

  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (expander), row);
  gtk_label_set_text (GTK_LABEL (value), field->value);
  if (field->children != NULL)
    {
      /* A section: "TCP  80 → 41234 SYN,ACK" */
      gtk_label_set_text (GTK_LABEL (name), field->name);
      gtk_widget_add_css_class (name, "pf-section");
      gtk_widget_add_css_class (value, "dim-label");
    }
  else
    {
      /* A field: "Source port: 80 (web)" */
      g_autofree char *text = g_strdup_printf (_("%s:"), field->name);

      gtk_label_set_text (GTK_LABEL (name), text);
      gtk_widget_remove_css_class (name, "pf-section");
      gtk_widget_remove_css_class (value, "dim-label");
    }

  label = g_strdup_printf ("%s: %s", field->name, field->value);
  gtk_accessible_update_property (GTK_ACCESSIBLE (expander),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  g_object_unref (field);
}

static void
on_unbind_row (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (gtk_list_item_get_child (item)), NULL);
}

static void
pf_inspector_player_changed (PfView *view)
{
  rebuild (PF_INSPECTOR (view));
}

/* One child, the stack, measured and allocated whole as a GtkBinLayout
 * would; the inspector allocates itself to place its divider. */
static void
pf_inspector_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  gtk_widget_measure (GTK_WIDGET (PF_INSPECTOR (widget)->stack), orientation, for_size,
                      minimum, natural, minimum_baseline, natural_baseline);
}

/* The divider keeps its share of the width as the window changes. */
static void
pf_inspector_size_allocate (GtkWidget *widget,
                            int        width,
                            int        height,
                            int        baseline)
{
  PfInspector *self = PF_INSPECTOR (widget);

  self->allocating = TRUE;
  if (width != self->divider_width)
    {
      self->divider_width = width;
      gtk_paned_set_position (self->paned, (int) (self->divider * width + 0.5));
    }
  gtk_widget_allocate (GTK_WIDGET (self->stack), width, height, baseline, NULL);
  self->allocating = FALSE;
}

static void
pf_inspector_dispose (GObject *object)
{
  PfInspector *self = PF_INSPECTOR (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), PF_TYPE_INSPECTOR);
  g_clear_object (&self->tree);
  g_clear_object (&self->root);
  g_clear_object (&self->shown);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (pf_inspector_parent_class)->dispose (object);
}

static void
pf_inspector_finalize (GObject *object)
{
  PfInspector *self = PF_INSPECTOR (object);

  g_free (self->summary);

  G_OBJECT_CLASS (pf_inspector_parent_class)->finalize (object);
}

static void
pf_inspector_class_init (PfInspectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  PfViewClass *view_class = PF_VIEW_CLASS (klass);

  object_class->dispose = pf_inspector_dispose;
  object_class->finalize = pf_inspector_finalize;
  view_class->zoom_scales_font = TRUE;
  view_class->player_changed = pf_inspector_player_changed;
  widget_class->measure = pf_inspector_measure;
  widget_class->size_allocate = pf_inspector_size_allocate;

  g_type_ensure (ADW_TYPE_STATUS_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/packetflow/PacketFlow/ui/pf-inspector.ui");
  gtk_widget_class_bind_template_child (widget_class, PfInspector, stack);
  gtk_widget_class_bind_template_child (widget_class, PfInspector, paned);
  gtk_widget_class_bind_template_child (widget_class, PfInspector, selection);
  gtk_widget_class_bind_template_child (widget_class, PfInspector, hex_page);
  gtk_widget_class_bind_template_child (widget_class, PfInspector, text_buffer);
  gtk_widget_class_bind_template_child (widget_class, PfInspector, hex_buffer);
  gtk_widget_class_bind_template_child (widget_class, PfInspector, hex_view);
  gtk_widget_class_bind_template_callback (widget_class, on_setup_row);
  gtk_widget_class_bind_template_callback (widget_class, on_bind_row);
  gtk_widget_class_bind_template_callback (widget_class, on_unbind_row);

  gtk_widget_class_set_css_name (widget_class, "pfinspector");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pf_inspector_init (PfInspector *self)
{
  GSignalGroup *player_signals = pf_view_get_player_signals (PF_VIEW (self));

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  self->divider = g_settings_get_double (self->settings, "inspector-divider");
  self->hex_per_line = HEX_BYTES_PER_LINE_MAX;
  g_signal_connect_object (self->paned, "notify::position",
                           G_CALLBACK (on_paned_position), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_scrolled_window_get_hadjustment (self->hex_page), "changed",
                           G_CALLBACK (on_hex_adjustment_changed), self, G_CONNECT_SWAPPED);

  self->root = g_list_store_new (PF_TYPE_INSPECTOR_FIELD);
  self->tree = gtk_tree_list_model_new (g_object_ref (G_LIST_MODEL (self->root)),
                                        FALSE, TRUE, create_children, NULL, NULL);
  gtk_no_selection_set_model (self->selection, G_LIST_MODEL (self->tree));

  g_signal_group_connect_swapped (player_signals, "notify::selected",
                                  G_CALLBACK (on_player_changed), self);
  g_signal_group_connect_swapped (player_signals, "notify::engine",
                                  G_CALLBACK (on_player_changed), self);
}

GtkWidget *
pf_inspector_new (void)
{
  return g_object_new (PF_TYPE_INSPECTOR, NULL);
}

/* For tests: "TCP 10.0.0.2:41234 → 192.203.196.71:80 SYN" for the segment
 * shown (the scenario's addresses and ports), or NULL. */
char *
pf_inspector_dup_summary (PfInspector *self)
{
  g_return_val_if_fail (PF_IS_INSPECTOR (self), NULL);
  return g_strdup (self->summary);
}

/* For tests: the rows of the field tree, every section and field. */
guint
pf_inspector_get_n_fields (PfInspector *self)
{
  g_return_val_if_fail (PF_IS_INSPECTOR (self), 0);
  return self->n_fields;
}

static PfInspectorField *
find_field (GListModel  *fields,
            const char  *name)
{
  guint n = g_list_model_get_n_items (fields);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PfInspectorField) field = g_list_model_get_item (fields, i);

      if (g_str_equal (field->name, name))
        return field;    /* the model keeps it alive */
    }

  return NULL;
}

/* For tests: the value shown for the field at @path, section names and
 * the field's name joined by "/" as on screen: "TCP/Sequence number",
 * "TCP/Flags/Synchronize (SYN)". NULL if there is no such field. */
char *
pf_inspector_dup_field (PfInspector *self,
                        const char  *path)
{
  g_auto(GStrv) names = NULL;
  GListModel *fields;
  PfInspectorField *field = NULL;

  g_return_val_if_fail (PF_IS_INSPECTOR (self), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  names = g_strsplit (path, "/", -1);
  fields = G_LIST_MODEL (self->root);
  for (guint i = 0; names[i] != NULL; i++)
    {
      if (fields == NULL || (field = find_field (fields, names[i])) == NULL)
        return NULL;
      fields = field->children ? G_LIST_MODEL (field->children) : NULL;
    }

  return field ? g_strdup (field->value) : NULL;
}

/* What the Text tab shows: the payload's text, or a binary message's
 * words. */
char *
pf_inspector_dup_text (PfInspector *self)
{
  GtkTextIter start, end;

  g_return_val_if_fail (PF_IS_INSPECTOR (self), NULL);

  gtk_text_buffer_get_bounds (self->text_buffer, &start, &end);
  return gtk_text_buffer_get_text (self->text_buffer, &start, &end, FALSE);
}
