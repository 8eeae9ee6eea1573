/* pf-packet-list.c: the segments on screen, one row each
 *
 * Like a capture tool's packet list: number, time since the run began,
 * source and destination (the scenario's addresses, with the kernel's
 * beside them in loopback mode), protocol (the application's, DNS, HTTP,
 * SMTP, SSH, when one is read), flags, payload length, what the payload
 * says (pf-packet-info.c) or its first bytes, and whether the segment was
 * captured or modelled. Selecting a row selects the segment everywhere;
 * an ICMP error and the segment it quotes mark each other ("pf-related").
 *
 * The search entry above filters the rows (Ctrl+F in the list goes to
 * it): each word must match a host's id, name or DNS name, an address
 * (the scenario's or the kernel's), a port (exactly, or its service's
 * name), TCP, UDP, ICMP or an application protocol (DNS, HTTP, SMTP,
 * SSH), a flag (SYN, ACK, FIN, RST, PSH, URG), or text in
 * the data; case does not matter. A row keeps its number among all the
 * segments. The player's selected segment stays selected while its row
 * is shown, and stays the player's while it is filtered out.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-packet-list"

#include "config.h"

#include "pf-packet-list.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pf-packet-info.h"
#include "pf-segment-model.h"
#include "pf-view-util.h"

#define INFO_MAX_CHARS 40

struct _PfPacketList
{
  PfView              parent_instance;

  PfSegmentModel     *model;
  GtkFilterListModel *filtered;   /* the rows: @model through the search */
  GtkCustomFilter    *filter;
  GStrv               terms;      /* the search's words, casefolded */

  gpointer            pushed;     /* the event this list last selected;
                                   * compared, never dereferenced */
  gboolean            syncing;
  GHashTable         *numbers;    /* bound No. labels → their event, to
                                   * mark the rows related to the
                                   * selected one (an ICMP error and what
                                   * it quotes) */

  /* Template children */
  GtkWidget          *search_entry;
  GtkWidget          *scrolled;
  GtkColumnView      *column_view;
  GtkSingleSelection *selection;
};

G_DEFINE_FINAL_TYPE (PfPacketList, pf_packet_list, PF_TYPE_VIEW)

typedef enum
{
  COLUMN_NUMBER,
  COLUMN_TIME,
  COLUMN_SOURCE,
  COLUMN_DESTINATION,
  COLUMN_PROTOCOL,
  COLUMN_FLAGS,
  COLUMN_LENGTH,
  COLUMN_INFO,
  COLUMN_ORIGIN,
  N_COLUMNS
} Column;

static const struct
{
  const char *title;
  gboolean    numeric;
  gboolean    expand;
} columns[N_COLUMNS] = {
  [COLUMN_NUMBER]      = { N_("No."), TRUE, FALSE },
  [COLUMN_TIME]        = { N_("Time (ms)"), TRUE, FALSE },
  [COLUMN_SOURCE]      = { N_("Source"), FALSE, FALSE },
  [COLUMN_DESTINATION] = { N_("Destination"), FALSE, FALSE },
  [COLUMN_PROTOCOL]    = { N_("Protocol"), FALSE, FALSE },
  [COLUMN_FLAGS]       = { N_("Flags"), FALSE, FALSE },
  [COLUMN_LENGTH]      = { N_("Data"), TRUE, FALSE },
  [COLUMN_INFO]        = { N_("Info"), FALSE, TRUE },
  [COLUMN_ORIGIN]      = { N_("Origin"), FALSE, FALSE },
};

/* The row of @event among those shown, or GTK_INVALID_LIST_POSITION. */
static guint
find_row (PfPacketList *self,
          PfEvent      *event)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));

  if (event == NULL || pf_segment_model_find (self->model, event) == GTK_INVALID_LIST_POSITION)
    return GTK_INVALID_LIST_POSITION;
  if (self->terms == NULL)
    return pf_segment_model_find (self->model, event);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PfEvent) item = g_list_model_get_item (G_LIST_MODEL (self->filtered), i);

      if (item == event)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

static void
sync_selection_from_player (PfPacketList *self,
                            gboolean      scroll)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  PfEvent *selected = player ? pf_player_get_selected (player) : NULL;
  guint index = find_row (self, selected);

  self->syncing = TRUE;
  gtk_single_selection_set_selected (self->selection, index);
  self->syncing = FALSE;

  if (index != GTK_INVALID_LIST_POSITION)
    {
      GtkWidget *list_view = pf_view_get_list_view (self->column_view);

      self->pushed = selected;
      if (scroll && list_view != NULL)
        gtk_widget_activate_action (list_view, "list.scroll-to-item", "u", index);
    }
}

static void
update_related (PfPacketList *self,
                GtkWidget    *number,
                PfEvent      *event)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  PfEvent *selected = player ? pf_player_get_selected (player) : NULL;
  gboolean related = event != NULL && pf_view_events_related (event, selected);
  GtkWidget *row = pf_view_get_row_widget (number);

  if (related)
    {
      gtk_widget_add_css_class (number, "pf-related");
      gtk_widget_set_tooltip_text (number, _("The ICMP message and the segment it is about"));
    }
  else
    {
      gtk_widget_remove_css_class (number, "pf-related");
      gtk_widget_set_tooltip_text (number, NULL);
    }
  if (row != NULL && related)
    gtk_widget_add_css_class (row, "pf-related");
  else if (row != NULL)
    gtk_widget_remove_css_class (row, "pf-related");
}

static void
update_all_related (PfPacketList *self)
{
  GHashTableIter iter;
  gpointer number, event;

  if (self->numbers == NULL)
    return;
  g_hash_table_iter_init (&iter, self->numbers);
  while (g_hash_table_iter_next (&iter, &number, &event))
    update_related (self, number, event);
}

static void
on_player_selected (PfPacketList *self)
{
  sync_selection_from_player (self, TRUE);
  update_all_related (self);
}

/* A new run: the events this list selected are gone. */
static void
on_player_engine (PfPacketList *self)
{
  self->pushed = NULL;
}

static void
on_selection_changed (PfPacketList *self)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  PfEvent *item;

  if (self->syncing || player == NULL)
    return;

  item = gtk_single_selection_get_selected_item (self->selection);
  if (item != NULL)
    {
      self->pushed = item;
      pf_player_set_selected (player, item);
    }
  else if (self->pushed != NULL && pf_player_get_selected (player) == self->pushed &&
           pf_segment_model_find (self->model, self->pushed) == GTK_INVALID_LIST_POSITION)
    {
      /* The segment went (a step back): so does the selection it made.
       * A row only filtered out leaves the player's selection be. */
      self->pushed = NULL;
      pf_player_set_selected (player, NULL);
    }
}

/* Rows come and go with the model; a selection made elsewhere (the
 * stage, the ladder) may now have its row. */
static void
on_model_items_changed (PfPacketList *self)
{
  sync_selection_from_player (self, FALSE);
}

/* Search */

static gboolean
contains_casefolded (const char *text,
                     const char *term)
{
  g_autofree char *folded = NULL;

  if (text == NULL)
    return FALSE;
  folded = g_utf8_casefold (text, -1);
  return strstr (folded, term) != NULL;
}

static gboolean
port_matches (const char *term,
              guint16     port)
{
  char text[8];

  g_snprintf (text, sizeof text, "%u", port);
  return g_str_equal (text, term);
}

/* @term in "192.203.196.71:80": any part of the address ("10.0.0",
 * "196.71"); the port only with the address ("…71:80"), since a port
 * matches whole (port_matches ()). */
static gboolean
address_matches (const char *endpoint,
                 const char *term)
{
  g_autofree char *address = NULL;
  const char *colon;

  if (endpoint == NULL)
    return FALSE;
  if (strchr (term, ':') != NULL)
    return strstr (endpoint, term) != NULL;
  colon = strrchr (endpoint, ':');
  address = colon ? g_strndup (endpoint, colon - endpoint) : g_strdup (endpoint);
  return strstr (address, term) != NULL;
}

static gboolean
host_matches (const PfHost *host,
              const char   *term)
{
  if (contains_casefolded (host->id, term) || contains_casefolded (host->name, term))
    return TRUE;
  for (guint i = 0; host->names[i] != NULL; i++)
    {
      if (contains_casefolded (host->names[i], term))
        return TRUE;
    }
  return FALSE;
}

/* Whether @term names one end of @packet: its host, address or port. */
static gboolean
endpoint_matches (PfPacketList *self,
                  PfPacket     *packet,
                  PfIpv4        address,
                  guint16       port,
                  const char   *term)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  const PfHost *host = pf_view_find_host (player, address);
  PfEndpoint endpoint = { address, port };
  g_autofree char *here = NULL;
  g_autofree char *shown = pf_view_format_endpoint (player, &endpoint, &here);
  guint16 scenario_port = pf_view_unmap_port (player, port);
  const PfService *service;
  g_autofree char *service_name = NULL;

  if (port_matches (term, port) || port_matches (term, scenario_port) ||
      address_matches (shown, term) || address_matches (here, term))
    return TRUE;
  if (host == NULL)
    return FALSE;
  if (host_matches (host, term))
    return TRUE;

  /* The service there by its name, whole: "web" is port 80. */
  service = pf_host_find_service (host, (PfProtocol) packet->protocol, scenario_port);
  if (service == NULL || service->name == NULL)
    return FALSE;
  service_name = g_utf8_casefold (service->name, -1);
  return g_str_equal (service_name, term);
}

static gboolean
flags_match (PfPacket   *packet,
             const char *term)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) flags = NULL;

  if (packet->protocol != PF_IP_PROTOCOL_TCP)
    return FALSE;
  text = pf_packet_flags_to_string (packet->flags);
  flags = g_strsplit (text, ",", -1);
  for (guint i = 0; flags[i] != NULL; i++)
    {
      if (g_ascii_strcasecmp (flags[i], term) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The payload as casefolded text, bytes that are not UTF-8 as '.'. */
static char *
payload_text (PfPacket *packet)
{
  gsize len;
  const char *data = g_bytes_get_data (packet->payload, &len);
  g_autofree char *valid = NULL;

  if (len == 0)
    return NULL;
  valid = g_utf8_make_valid (data, len);
  for (char *c = valid; *c != '\0'; c++)
    if ((guchar) *c < 0x20)
      *c = ' ';
  return g_utf8_casefold (valid, -1);
}

/* "dns", "http", "smtp", "ssh": the application protocol, as the
 * Protocol column names it. */
static gboolean
protocol_matches (PfPacketList *self,
                  PfPacket     *packet,
                  const char   *term)
{
  const char *name = pf_view_protocol_name (pf_view_get_player (PF_VIEW (self)), packet);

  return g_ascii_strcasecmp (name, term) == 0;
}

static gboolean
packet_matches (PfPacketList *self,
                PfPacket     *packet)
{
  g_autofree char *payload = NULL;
  gboolean payload_read = FALSE;

  for (guint i = 0; self->terms[i] != NULL; i++)
    {
      const char *term = self->terms[i];

      if ((g_str_equal (term, "tcp") && packet->protocol == PF_IP_PROTOCOL_TCP) ||
          (g_str_equal (term, "udp") && packet->protocol == PF_IP_PROTOCOL_UDP) ||
          (g_str_equal (term, "icmp") && packet->protocol == PF_IP_PROTOCOL_ICMP) ||
          protocol_matches (self, packet, term) ||
          flags_match (packet, term) ||
          endpoint_matches (self, packet, packet->src, packet->sport, term) ||
          endpoint_matches (self, packet, packet->dst, packet->dport, term))
        continue;

      if (!payload_read)
        {
          payload = payload_text (packet);
          payload_read = TRUE;
        }
      if (payload == NULL || strstr (payload, term) == NULL)
        return FALSE;
    }

  return TRUE;
}

static gboolean
filter_event (gpointer item,
              gpointer user_data)
{
  PfPacketList *self = user_data;

  return self->terms == NULL || packet_matches (self, pf_event_get_packet (item));
}

static void
on_search_changed (PfPacketList *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *folded = g_utf8_casefold (text, -1);
  g_auto(GStrv) words = g_strsplit_set (g_strstrip (folded), " \t", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; words[i] != NULL; i++)
    {
      if (words[i][0] != '\0')
        g_strv_builder_add (builder, words[i]);
    }

  g_clear_pointer (&self->terms, g_strfreev);
  self->terms = g_strv_builder_end (builder);
  if (self->terms[0] == NULL)
    g_clear_pointer (&self->terms, g_strfreev);

  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  sync_selection_from_player (self, TRUE);
}

/* Escape in the entry: no filter, back to the rows. */
static void
on_stop_search (PfPacketList *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_widget_grab_focus (GTK_WIDGET (self->column_view));
}

static void
find_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  PfPacketList *self = PF_PACKET_LIST (widget);

  gtk_widget_grab_focus (self->search_entry);
}

static GtkWidget *
label_new (Column column)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), columns[column].numeric ? 1.0 : 0.0);
  if (columns[column].numeric)
    gtk_widget_add_css_class (label, "numeric");
  if (column == COLUMN_INFO)
    {
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_width_chars (GTK_LABEL (label), 16);
      gtk_widget_add_css_class (label, "monospace");
    }
  return label;
}

static void
on_setup (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          PfPacketList             *self)
{
  Column column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (factory), "pf-column"));

  if (column == COLUMN_SOURCE || column == COLUMN_DESTINATION)
    gtk_list_item_set_child (item, pf_view_endpoint_label_new ());
  else
    gtk_list_item_set_child (item, label_new (column));
}

static void
bind_endpoint (PfPacketList *self,
               GtkWidget    *child,
               PfPacket     *packet,
               PfIpv4        address,
               guint16       port)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  PfEndpoint endpoint = { address, port };
  g_autofree char *here = NULL;
  g_autofree char *text = NULL;

  /* ICMP and the rest have no ports. */
  if (packet->protocol == PF_IP_PROTOCOL_TCP || packet->protocol == PF_IP_PROTOCOL_UDP)
    text = pf_view_format_endpoint (player, &endpoint, &here);
  else
    text = pf_view_format_address (player, address, &here);

  pf_view_endpoint_label_set (child, text, here);
}

/* The application's words, the ICMP or ARP message's; the bytes, escaped,
 * when nothing reads them. The label ellipsizes; the whole line is its
 * tooltip. */
static void
bind_info (PfPacketList *self,
           GtkLabel     *label,
           PfPacket     *packet)
{
  g_autofree char *text = NULL;
  PfPlayer *player;
  PfAppProtocol app;

  /* ARP carries no data, but its words are the whole message. */
  if (pf_packet_get_payload_length (packet) == 0 &&
      pf_packet_get_kind (packet) != PF_PACKET_KIND_ARP)
    {
      gtk_label_set_text (label, _("no data"));
      gtk_widget_set_tooltip_text (GTK_WIDGET (label), NULL);
      gtk_widget_add_css_class (GTK_WIDGET (label), "dim-label");
      return;
    }

  player = pf_view_get_player (PF_VIEW (self));
  app = pf_packet_get_app_protocol (packet, pf_view_unmap_port (player, packet->sport),
                                    pf_view_unmap_port (player, packet->dport));
  if (packet->protocol == PF_IP_PROTOCOL_ICMP || app != PF_APP_PROTOCOL_NONE)
    text = pf_view_describe_packet (player, packet);
  else
    text = pf_packet_payload_excerpt (packet, INFO_MAX_CHARS);
  gtk_label_set_text (label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (label), text);
  gtk_widget_remove_css_class (GTK_WIDGET (label), "dim-label");
}

static void
bind_origin (GtkLabel *label,
             PfPacket *packet)
{
  gboolean modelled = packet->origin == PF_PACKET_ORIGIN_MODELLED;

  gtk_label_set_text (label, modelled ? _("modelled") : _("captured"));
  if (modelled)
    gtk_widget_add_css_class (GTK_WIDGET (label), "pf-modelled");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (label), "pf-modelled");
  gtk_widget_set_tooltip_text (GTK_WIDGET (label),
                               modelled
                               ? _("Rebuilt from socket events; not seen on the wire")
                               : _("Captured as the kernel sent it"));
}

static void
on_bind (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         PfPacketList             *self)
{
  Column column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (factory), "pf-column"));
  PfEvent *event = gtk_list_item_get_item (item);
  GtkWidget *child = gtk_list_item_get_child (item);
  PfPacket *packet = pf_event_get_packet (event);
  g_autofree char *text = NULL;

  switch (column)
    {
    case COLUMN_NUMBER:
      /* Its number among all the segments, filtered or not. */
      text = g_strdup_printf ("%u", pf_segment_model_find (self->model, event) + 1);
      g_hash_table_insert (self->numbers, child, event);
      update_related (self, child, event);
      break;
    case COLUMN_TIME:
      text = g_strdup_printf ("%.3f", pf_event_get_time (event) / 1000.0);
      break;
    case COLUMN_SOURCE:
      bind_endpoint (self, child, packet, packet->src, packet->sport);
      return;
    case COLUMN_DESTINATION:
      bind_endpoint (self, child, packet, packet->dst, packet->dport);
      return;
    case COLUMN_PROTOCOL:
      text = g_strdup (pf_view_protocol_name (pf_view_get_player (PF_VIEW (self)), packet));
      break;
    case COLUMN_FLAGS:
      text = packet->protocol == PF_IP_PROTOCOL_TCP ? pf_packet_flags_to_string (packet->flags)
                                                    : g_strdup ("");
      break;
    case COLUMN_LENGTH:
      {
        g_autofree char *tip = NULL;
        guint length = pf_packet_get_payload_length (packet);

        tip = g_strdup_printf (ngettext ("%u byte of data", "%u bytes of data", length), length);
        gtk_widget_set_tooltip_text (child, tip);
        text = g_strdup_printf ("%u", length);
      }
      break;
    case COLUMN_INFO:
      bind_info (self, GTK_LABEL (child), packet);
      return;
    case COLUMN_ORIGIN:
      bind_origin (GTK_LABEL (child), packet);
      return;
    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }

  gtk_label_set_text (GTK_LABEL (child), text);
}

static void
on_unbind (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           PfPacketList             *self)
{
  Column column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (factory), "pf-column"));
  GtkWidget *child = gtk_list_item_get_child (item);

  if (column == COLUMN_NUMBER && child != NULL && self->numbers != NULL)
    {
      g_hash_table_remove (self->numbers, child);
      update_related (self, child, NULL);
    }
}

static void
add_columns (PfPacketList *self)
{
  for (guint i = 0; i < N_COLUMNS; i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      g_autoptr(GtkColumnViewColumn) column = NULL;

      g_object_set_data (G_OBJECT (factory), "pf-column", GUINT_TO_POINTER (i));
      g_signal_connect (factory, "setup", G_CALLBACK (on_setup), self);
      g_signal_connect (factory, "bind", G_CALLBACK (on_bind), self);
      g_signal_connect (factory, "unbind", G_CALLBACK (on_unbind), self);

      column = gtk_column_view_column_new (_(columns[i].title), factory);
      gtk_column_view_column_set_expand (column, columns[i].expand);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_append_column (self->column_view, column);
    }
}

static void
pf_packet_list_player_changed (PfView *view)
{
  PfPacketList *self = PF_PACKET_LIST (view);

  self->pushed = NULL;
  pf_segment_model_set_player (self->model, pf_view_get_player (view));
  sync_selection_from_player (self, TRUE);
}

static void
pf_packet_list_dispose (GObject *object)
{
  PfPacketList *self = PF_PACKET_LIST (object);

  /* The rows go while the selection is still ours to follow them. */
  if (self->model != NULL)
    pf_segment_model_set_player (self->model, NULL);
  if (self->filter != NULL)
    gtk_custom_filter_set_filter_func (self->filter, NULL, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), PF_TYPE_PACKET_LIST);
  g_clear_pointer (&self->numbers, g_hash_table_unref);
  g_clear_object (&self->filtered);
  g_clear_object (&self->filter);
  g_clear_object (&self->model);
  g_clear_pointer (&self->terms, g_strfreev);

  G_OBJECT_CLASS (pf_packet_list_parent_class)->dispose (object);
}

static void
pf_packet_list_class_init (PfPacketListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  PfViewClass *view_class = PF_VIEW_CLASS (klass);

  object_class->dispose = pf_packet_list_dispose;
  view_class->zoom_scales_font = TRUE;
  view_class->player_changed = pf_packet_list_player_changed;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/packetflow/PacketFlow/ui/pf-packet-list.ui");
  gtk_widget_class_bind_template_child (widget_class, PfPacketList, search_entry);
  gtk_widget_class_bind_template_child (widget_class, PfPacketList, scrolled);
  gtk_widget_class_bind_template_child (widget_class, PfPacketList, column_view);
  gtk_widget_class_bind_template_child (widget_class, PfPacketList, selection);
  gtk_widget_class_bind_template_callback (widget_class, on_selection_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_model_items_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_stop_search);

  /* Inside the list only: the window's keys are the player's. */
  gtk_widget_class_install_action (widget_class, "packet-list.find", NULL, find_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "packet-list.find", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "pfpacketlist");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pf_packet_list_init (PfPacketList *self)
{
  GSignalGroup *player_signals = pf_view_get_player_signals (PF_VIEW (self));

  gtk_widget_init_template (GTK_WIDGET (self));

  self->model = pf_segment_model_new (NULL);
  self->filter = gtk_custom_filter_new (filter_event, self, NULL);
  self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->model)),
                                              g_object_ref (GTK_FILTER (self->filter)));
  gtk_single_selection_set_model (self->selection, G_LIST_MODEL (self->filtered));
  self->numbers = g_hash_table_new (NULL, NULL);
  add_columns (self);

  g_signal_group_connect_swapped (player_signals, "notify::selected",
                                  G_CALLBACK (on_player_selected), self);
  g_signal_group_connect_swapped (player_signals, "notify::engine",
                                  G_CALLBACK (on_player_engine), self);
}

GtkWidget *
pf_packet_list_new (void)
{
  return g_object_new (PF_TYPE_PACKET_LIST, NULL);
}

/* For tests: the rows on screen, one per segment in the history that
 * the search lets through. */
guint
pf_packet_list_get_n_rows (PfPacketList *self)
{
  g_return_val_if_fail (PF_IS_PACKET_LIST (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->filtered));
}
