/* pf-view-util.c: what the packet list, inspector and socket table share
 *
 * Addresses: segments and socket tuples carry what the kernel used. In
 * loopback mode that is 127.x and shifted ports; the views show the
 * scenario's address first and the real one beside it ("here …"), so
 * nothing on screen is a lie in either mode.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-view-util"

#include "config.h"

#include "pf-view-util.h"

#include <glib/gi18n.h>

#include "pf-icmp.h"
#include "pf-packet-info.h"

static PfNetspace *
player_netspace (PfPlayer *player)
{
  PfEngine *engine = player ? pf_player_get_engine (player) : NULL;

  return engine ? pf_engine_get_netspace (engine) : NULL;
}

static PfIpv4
unmap_address (PfPlayer *player,
               PfIpv4    real_address)
{
  PfNetspace *netspace = player_netspace (player);

  return netspace ? pf_netspace_unmap_address (netspace, real_address) : real_address;
}

/* The scenario's host that has @real_address (as the kernel used it). */
const PfHost *
pf_view_find_host (PfPlayer *player,
                   PfIpv4    real_address)
{
  const PfScenario *scenario;
  PfIpv4 address;

  g_return_val_if_fail (player == NULL || PF_IS_PLAYER (player), NULL);

  if (player == NULL || (scenario = pf_player_get_scenario (player)) == NULL)
    return NULL;

  address = unmap_address (player, real_address);
  for (guint i = 0; i < scenario->hosts->len; i++)
    {
      const PfHost *host = g_ptr_array_index (scenario->hosts, i);

      if (host->address == address)
        return host;
    }

  return NULL;
}

guint16
pf_view_unmap_port (PfPlayer *player,
                    guint16   real_port)
{
  PfNetspace *netspace = player_netspace (player);

  return netspace ? pf_netspace_unmap_port (netspace, real_port) : real_port;
}

/* Returns the scenario's address; *out_here gets the kernel's when it
 * differs (loopback mode), else NULL. */
char *
pf_view_format_address (PfPlayer  *player,
                        PfIpv4     real_address,
                        char     **out_here)
{
  PfIpv4 address = unmap_address (player, real_address);

  if (out_here != NULL)
    *out_here = address != real_address ? pf_ipv4_to_string (real_address) : NULL;
  return pf_ipv4_to_string (address);
}

/* "192.203.196.71:80"; *out_here gets "127.203.196.71:8080" when the
 * kernel used another address or port, else NULL. Address 0.0.0.0 with
 * port 0 (a listener's peer) is "*". */
char *
pf_view_format_endpoint (PfPlayer          *player,
                         const PfEndpoint  *real,
                         char             **out_here)
{
  PfEndpoint shown;

  g_return_val_if_fail (real != NULL, NULL);

  if (out_here != NULL)
    *out_here = NULL;
  if (real->address == 0 && real->port == 0)
    return g_strdup ("*");

  shown.address = unmap_address (player, real->address);
  shown.port = pf_view_unmap_port (player, real->port);
  if (out_here != NULL && !pf_endpoint_equal (&shown, real))
    *out_here = pf_endpoint_to_string (real);
  return pf_endpoint_to_string (&shown);
}

/* The step on screen and the selected segment, as a screen reader reads
 * them: "Step 2 of 9: narration. Selected: SYN from 10.0.0.2:37269 to
 * 192.203.196.71:80." (an ARP frame: "Selected: ARP: Who has
 * 192.203.196.71? Tell 10.0.0.2."). NULL when there is no run. */
char *
pf_view_describe_run (PfPlayer *player)
{
  g_autoptr(GString) text = NULL;
  PfEvent *selected;
  PfPacket *packet;
  int step;

  if (player == NULL || pf_player_get_scenario (player) == NULL)
    return NULL;

  text = g_string_new (NULL);
  step = pf_player_get_step (player);
  if (step < 0)
    g_string_append_printf (text, _("Ready: %u steps."), pf_player_get_n_steps (player));
  else
    {
      const char *said = pf_player_get_error (player);

      if (said == NULL)
        said = pf_player_get_narration (player);
      g_string_append_printf (text, _("Step %d of %u"), step + 1, pf_player_get_n_steps (player));
      if (said != NULL)
        g_string_append_printf (text, ": %s", said);
      if (text->len > 0 && text->str[text->len - 1] != '.')
        g_string_append_c (text, '.');
    }

  selected = pf_player_get_selected (player);
  packet = selected != NULL ? pf_event_get_packet (selected) : NULL;
  if (packet != NULL && pf_packet_get_kind (packet) == PF_PACKET_KIND_ARP)
    {
      /* An ARP frame has no ports or IPv4 header: its own words. */
      g_autofree char *said = pf_packet_describe_application (packet);

      g_string_append_c (text, ' ');
      /* Translators: "ARP: Who has 192.203.196.71? Tell 10.0.0.2" */
      g_string_append_printf (text, _("Selected: ARP: %s."), said);
    }
  else if (packet != NULL)
    {
      PfEndpoint src = { .address = packet->src, .port = packet->sport };
      PfEndpoint dst = { .address = packet->dst, .port = packet->dport };
      g_autofree char *from = pf_view_format_endpoint (player, &src, NULL);
      g_autofree char *to = pf_view_format_endpoint (player, &dst, NULL);
      g_autofree char *what = packet->protocol == PF_IP_PROTOCOL_TCP
                              ? pf_packet_flags_to_string (packet->flags) : g_strdup ("UDP");

      g_string_append_c (text, ' ');
      /* Translators: "SYN from 10.0.0.2:37269 to 192.203.196.71:80" */
      g_string_append_printf (text, _("Selected: %s from %s to %s."), what, from, to);
    }

  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* GTK 4.8 gives the button inside a GtkDropDown, the one that takes the
 * focus and that Orca reads, no name of its own (AT-SPI shows it as
 * "GtkToggleButton"): it gets @label. (A GtkMenuButton's inner button is
 * labelled by the menu button, so its accessible label is enough.) */
void
pf_view_name_inner_button (GtkWidget  *control,
                           const char *label)
{
  g_return_if_fail (GTK_IS_WIDGET (control));

  for (GtkWidget *child = gtk_widget_get_first_child (control); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_BUTTON (child))
        gtk_accessible_update_property (GTK_ACCESSIBLE (child),
                                        GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
    }
}

/* An address cell: the scenario's endpoint, and the kernel's beside it,
 * dimmed, when they differ. */
GtkWidget *
pf_view_endpoint_label_new (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *main_label = gtk_label_new (NULL);
  GtkWidget *here_label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (main_label), 0.0);
  gtk_label_set_xalign (GTK_LABEL (here_label), 0.0);
  gtk_widget_add_css_class (main_label, "numeric");
  gtk_widget_add_css_class (here_label, "numeric");
  gtk_widget_add_css_class (here_label, "dim-label");
  gtk_widget_add_css_class (here_label, "pf-here");
  gtk_widget_set_visible (here_label, FALSE);
  gtk_box_append (GTK_BOX (box), main_label);
  gtk_box_append (GTK_BOX (box), here_label);
  return box;
}

void
pf_view_endpoint_label_set (GtkWidget  *label_box,
                            const char *text,
                            const char *here)
{
  GtkWidget *main_label = gtk_widget_get_first_child (label_box);
  GtkWidget *here_label = gtk_widget_get_next_sibling (main_label);

  gtk_label_set_text (GTK_LABEL (main_label), text);
  gtk_widget_set_visible (here_label, here != NULL);
  if (here != NULL)
    {
      g_autofree char *markup = g_strdup_printf (_("(here %s)"), here);
      g_autofree char *tip = g_strdup_printf (_("Loopback mode: the kernel used %s for %s"),
                                              here, text);

      gtk_label_set_text (GTK_LABEL (here_label), markup);
      gtk_widget_set_tooltip_text (label_box, tip);
    }
  else
    {
      gtk_widget_set_tooltip_text (label_box, NULL);
    }
}

/* GtkColumnView has no scroll_to () before GTK 4.12; its inner list view
 * has the "list.scroll-to-item" action since 4.0. */
GtkWidget *
pf_view_get_list_view (GtkColumnView *column_view)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (column_view));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LIST_VIEW (child))
        return child;
    }

  return NULL;
}

/* The row a column view cell's child sits in (CSS nodes "cell" and "row"
 * in GTK 4.8 and later), to style whole rows: there is no row API before
 * GTK 4.12. NULL if the widget is not (yet) in a cell. */
GtkWidget *
pf_view_get_row_widget (GtkWidget *cell_child)
{
  GtkWidget *cell = gtk_widget_get_parent (cell_child);
  GtkWidget *row = cell ? gtk_widget_get_parent (cell) : NULL;

  if (row == NULL ||
      g_strcmp0 (gtk_widget_get_css_name (cell), "cell") != 0 ||
      g_strcmp0 (gtk_widget_get_css_name (row), "row") != 0)
    return NULL;
  return row;
}

/* TRUE if one of two segments is an ICMP error about the other: what the
 * views highlight together. */
gboolean
pf_view_events_related (PfEvent *a,
                        PfEvent *b)
{
  PfPacket *pa = a ? pf_event_get_packet (a) : NULL;
  PfPacket *pb = b ? pf_event_get_packet (b) : NULL;

  if (pa == NULL || pb == NULL || a == b)
    return FALSE;
  return pf_icmp_quotes (pa, pb) || pf_icmp_quotes (pb, pa);
}

/* The packet in one line, the application protocol judged by the
 * scenario's ports (in loopback mode the kernel's differ). */
char *
pf_view_describe_packet (PfPlayer *player,
                         PfPacket *packet)
{
  g_return_val_if_fail (packet != NULL, NULL);

  return pf_packet_describe_at (packet, pf_view_unmap_port (player, packet->sport),
                                pf_view_unmap_port (player, packet->dport));
}

/* "DNS", "HTTP", "SMTP", "SSH", else "TCP", "UDP", "ICMP" or "IPv4". */
const char *
pf_view_protocol_name (PfPlayer *player,
                       PfPacket *packet)
{
  PfAppProtocol app;

  g_return_val_if_fail (packet != NULL, NULL);

  app = pf_packet_get_app_protocol (packet, pf_view_unmap_port (player, packet->sport),
                                    pf_view_unmap_port (player, packet->dport));
  if (app != PF_APP_PROTOCOL_NONE && app != PF_APP_PROTOCOL_TEXT)
    return pf_app_protocol_to_string (app);
  if (pf_packet_is_fragment (packet))
    return "IPv4";
  switch (packet->protocol)
    {
    case PF_IP_PROTOCOL_TCP:  return "TCP";
    case PF_IP_PROTOCOL_UDP:  return "UDP";
    case PF_IP_PROTOCOL_ICMP: return "ICMP";
    default:                  return "IPv4";
    }
}
