/* pf-socket-table.c: every socket of the run and its state, like ss(8)
 *
 * One row per socket seen in the history on screen: each TCP socket the
 * kernel reported a state for (listeners too), each UDP socket from its
 * bind (a "udp" state event) or its first datagram. The TCP state is the
 * last one the kernel reported before the position; a row whose state
 * changed in the step on screen carries the CSS class "changed", and the
 * table scrolls to it. Addresses are the scenario's, with the kernel's
 * under them in loopback mode.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-socket-table"

#include "config.h"

#include "pf-socket-table.h"

#include <glib/gi18n.h>

#include "pf-view-util.h"

/* One socket: a row of the table. */

#define PF_TYPE_SOCKET_ROW (pf_socket_row_get_type ())

G_DECLARE_FINAL_TYPE (PfSocketRow, pf_socket_row, PF, SOCKET_ROW, GObject)

struct _PfSocketRow
{
  GObject      parent_instance;

  char        *key;
  char        *host_id;
  char        *host_name;
  gboolean     udp;
  PfFourTuple  tuple;        /* local → remote, as the kernel used them */
  guint16      local_port;   /* the scenario's ports */
  guint16      remote_port;
  char        *local;
  char        *local_here;
  char        *remote;
  char        *remote_here;
  PfTcpState   state;        /* NONE for UDP */
  gboolean     changed;      /* in the step on screen */
  guint        revision;
};

G_DEFINE_FINAL_TYPE (PfSocketRow, pf_socket_row, G_TYPE_OBJECT)

enum {
  ROW_PROP_0,
  ROW_PROP_REVISION,
  ROW_N_PROPS
};

static GParamSpec *row_properties[ROW_N_PROPS];

static void
pf_socket_row_finalize (GObject *object)
{
  PfSocketRow *self = PF_SOCKET_ROW (object);

  g_free (self->key);
  g_free (self->host_id);
  g_free (self->host_name);
  g_free (self->local);
  g_free (self->local_here);
  g_free (self->remote);
  g_free (self->remote_here);

  G_OBJECT_CLASS (pf_socket_row_parent_class)->finalize (object);
}

static void
pf_socket_row_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  switch (prop_id)
    {
    case ROW_PROP_REVISION:
      g_value_set_uint (value, PF_SOCKET_ROW (object)->revision);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pf_socket_row_class_init (PfSocketRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pf_socket_row_finalize;
  object_class->get_property = pf_socket_row_get_property;

  /* Bumped whenever something shown changes, so bound cells refresh. */
  row_properties[ROW_PROP_REVISION] =
    g_param_spec_uint ("revision", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ROW_N_PROPS, row_properties);
}

static void
pf_socket_row_init (PfSocketRow *self)
{
}

/* The table */

struct _PfSocketTable
{
  PfView          parent_instance;

  GListStore     *rows;           /* PfSocketRow* */
  guint           scroll_tick;    /* a scroll to the changed rows waits */
  gboolean        scroll_waited;  /* for the frame after the next */

  /* Template children */
  GtkWidget      *scrolled;
  GtkColumnView  *column_view;
  GtkNoSelection *selection;
};

G_DEFINE_FINAL_TYPE (PfSocketTable, pf_socket_table, PF_TYPE_VIEW)

/* In the order ss(8) prints them: the state before the addresses. */
typedef enum
{
  COLUMN_HOST,
  COLUMN_PROTOCOL,
  COLUMN_STATE,
  COLUMN_LOCAL,
  COLUMN_REMOTE,
  N_COLUMNS
} Column;

static const char *column_titles[N_COLUMNS] = {
  [COLUMN_HOST]     = N_("Host"),
  [COLUMN_PROTOCOL] = N_("Protocol"),
  [COLUMN_STATE]    = N_("State"),
  [COLUMN_LOCAL]    = N_("Local address"),
  [COLUMN_REMOTE]   = N_("Remote address"),
};

/* What one pass over the history found about one socket. */
typedef struct
{
  const char  *host_id;
  gboolean     udp;
  PfFourTuple  tuple;
  PfTcpState   state;
  guint        first_seen;
  guint        changed_at;
  guint        host_index;
} Seen;

static char *
seen_key (const Seen *seen)
{
  return g_strdup_printf ("%s|%s|%08x:%u|%08x:%u", seen->host_id, seen->udp ? "udp" : "tcp",
                          seen->tuple.src.address, seen->tuple.src.port,
                          seen->tuple.dst.address, seen->tuple.dst.port);
}

static guint
host_index (const PfScenario *scenario,
            const char       *host_id)
{
  for (guint i = 0; i < scenario->hosts->len; i++)
    {
      if (g_strcmp0 (((PfHost *) g_ptr_array_index (scenario->hosts, i))->id, host_id) == 0)
        return i;
    }
  return G_MAXUINT;
}

static void
note_socket (GHashTable       *seen,
             GPtrArray        *order,
             const PfScenario *scenario,
             const char       *host_id,
             gboolean          udp,
             const PfFourTuple *tuple,
             PfTcpState        state,
             guint             index)
{
  Seen probe = { host_id, udp, *tuple };
  g_autofree char *key = seen_key (&probe);
  Seen *entry = g_hash_table_lookup (seen, key);

  if (entry == NULL)
    {
      entry = g_new0 (Seen, 1);
      *entry = probe;
      entry->first_seen = index;
      entry->changed_at = index;
      entry->host_index = host_index (scenario, host_id);
      entry->state = state;
      g_hash_table_insert (seen, g_steal_pointer (&key), entry);
      g_ptr_array_add (order, entry);
      return;
    }

  if (!udp && entry->state != state)
    {
      entry->state = state;
      entry->changed_at = index;
    }
}

static int
compare_seen (gconstpointer a,
              gconstpointer b)
{
  const Seen *x = *(const Seen **) a;
  const Seen *y = *(const Seen **) b;

  if (x->host_index != y->host_index)
    return x->host_index < y->host_index ? -1 : 1;
  return x->first_seen < y->first_seen ? -1 : x->first_seen > y->first_seen;
}

/* Every socket in [0, position), in host order, then as first seen. */
static GPtrArray *
scan_history (PfSocketTable *self,
              GHashTable    *seen)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  PfTimeline *timeline = pf_player_get_timeline (player);
  const PfScenario *scenario = pf_player_get_scenario (player);
  guint position = MIN (pf_player_get_position (player), pf_timeline_get_n_events (timeline));
  GPtrArray *order = g_ptr_array_new ();

  for (guint i = 0; i < position; i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);
      PfEventKind kind = pf_event_get_kind (event);
      gboolean udp = g_strcmp0 (pf_event_get_protocol (event), "udp") == 0;

      if (kind == PF_EVENT_STATE && !udp && pf_event_get_host_id (event) != NULL)
        {
          note_socket (seen, order, scenario, pf_event_get_host_id (event), FALSE,
                       pf_event_get_tuple (event), pf_event_get_state (event), i);
        }
      else if (kind == PF_EVENT_STATE && udp && pf_event_get_host_id (event) != NULL)
        {
          /* Bound: the engine records it when the program binds. */
          PfFourTuple local = { pf_event_get_tuple (event)->src, { 0, 0 } };

          note_socket (seen, order, scenario, pf_event_get_host_id (event), TRUE,
                       &local, PF_TCP_STATE_NONE, i);
        }
      else if (kind == PF_EVENT_DELIVER && udp && pf_event_get_host_id (event) != NULL)
        {
          PfFourTuple local = { pf_event_get_tuple (event)->src, { 0, 0 } };

          note_socket (seen, order, scenario, pf_event_get_host_id (event), TRUE,
                       &local, PF_TCP_STATE_NONE, i);
        }
      else if (kind == PF_EVENT_SEGMENT && udp)
        {
          PfPacket *packet = pf_event_get_packet (event);
          const PfHost *host = pf_view_find_host (player, packet->src);
          PfFourTuple local = { { packet->src, packet->sport }, { 0, 0 } };

          if (host != NULL)
            note_socket (seen, order, scenario, host->id, TRUE, &local, PF_TCP_STATE_NONE, i);
        }
    }

  g_ptr_array_sort (order, compare_seen);
  return order;
}

static gboolean
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

/* Fills @row from @entry; TRUE if anything shown changed. */
static gboolean
row_update (PfSocketTable *self,
            PfSocketRow   *row,
            const Seen    *entry,
            guint          step_start,
            guint          position)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  const PfScenario *scenario = pf_player_get_scenario (player);
  const PfHost *host = pf_scenario_find_host (scenario, entry->host_id);
  g_autofree char *local_here = NULL;
  g_autofree char *remote_here = NULL;
  g_autofree char *local = pf_view_format_endpoint (player, &entry->tuple.src, &local_here);
  g_autofree char *remote = pf_view_format_endpoint (player, &entry->tuple.dst, &remote_here);
  gboolean changed = entry->changed_at >= step_start && entry->changed_at < position;
  gboolean any = FALSE;

  any |= set_string (&row->host_id, entry->host_id);
  any |= set_string (&row->host_name, host ? host->name : entry->host_id);
  any |= set_string (&row->local, local);
  any |= set_string (&row->local_here, local_here);
  any |= set_string (&row->remote, remote);
  any |= set_string (&row->remote_here, remote_here);
  if (row->state != entry->state || row->changed != changed || row->udp != entry->udp)
    any = TRUE;

  row->udp = entry->udp;
  row->tuple = entry->tuple;
  row->local_port = pf_view_unmap_port (player, entry->tuple.src.port);
  row->remote_port = pf_view_unmap_port (player, entry->tuple.dst.port);
  row->state = entry->state;
  row->changed = changed;
  return any;
}

/* Brings the rows that changed in the step on screen into view: all of
 * them if they fit, else the first. GtkColumnView has no scroll_to ()
 * before GTK 4.12, and its list view's "list.scroll-to-item" finds no
 * row it has not laid out yet; the rows are all one height, so the
 * vertical adjustment is moved by row position × row height. */
static void
scroll_to_changed (PfSocketTable *self)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scrolled));
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->rows));
  guint first = G_MAXUINT, last = G_MAXUINT;
  double row_height, value, page, top, bottom;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PfSocketRow) row = g_list_model_get_item (G_LIST_MODEL (self->rows), i);

      if (!row->changed)
        continue;
      if (first == G_MAXUINT)
        first = i;
      last = i;
    }

  if (first == G_MAXUINT || gtk_adjustment_get_upper (adjustment) <= 0)
    return;

  row_height = gtk_adjustment_get_upper (adjustment) / n;
  value = gtk_adjustment_get_value (adjustment);
  page = gtk_adjustment_get_page_size (adjustment);
  top = first * row_height;
  bottom = (last + 1) * row_height;
  if (bottom > value + page)
    value = bottom - page;
  if (top < value)
    value = top;
  gtk_adjustment_set_value (adjustment, value);
}

/* The adjustment knows the rows just added once they are laid out, in
 * the next frame: so the scroll waits for the frame after that (and, on
 * a page not shown, until it is shown). */
static gboolean
scroll_tick (GtkWidget     *widget,
             GdkFrameClock *frame_clock,
             gpointer       user_data)
{
  PfSocketTable *self = PF_SOCKET_TABLE (widget);

  if (!self->scroll_waited)
    {
      self->scroll_waited = TRUE;
      return G_SOURCE_CONTINUE;
    }

  self->scroll_tick = 0;
  scroll_to_changed (self);
  return G_SOURCE_REMOVE;
}

static void
queue_scroll_to_changed (PfSocketTable *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->rows));
  gboolean any = FALSE;

  for (guint i = 0; i < n && !any; i++)
    {
      g_autoptr(PfSocketRow) row = g_list_model_get_item (G_LIST_MODEL (self->rows), i);

      any = row->changed;
    }
  if (!any)
    return;

  self->scroll_waited = FALSE;
  if (self->scroll_tick == 0)
    self->scroll_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), scroll_tick, NULL, NULL);
}

static void
refresh (PfSocketTable *self)
{
  PfPlayer *player = pf_view_get_player (PF_VIEW (self));
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) order = NULL;
  g_autoptr(GPtrArray) added = NULL;
  guint n_rows = g_list_model_get_n_items (G_LIST_MODEL (self->rows));
  guint step_start, position;
  guint i;

  if (player == NULL || pf_player_get_timeline (player) == NULL)
    {
      g_list_store_remove_all (self->rows);
      return;
    }

  order = scan_history (self, seen);
  step_start = pf_player_get_step_start (player);
  position = pf_player_get_position (player);

  /* Rows whose socket is the same stay and are updated in place. */
  for (i = 0; i < order->len && i < n_rows; i++)
    {
      g_autoptr(PfSocketRow) row = g_list_model_get_item (G_LIST_MODEL (self->rows), i);
      g_autofree char *key = seen_key (g_ptr_array_index (order, i));

      if (!g_str_equal (row->key, key))
        break;
      if (row_update (self, row, g_ptr_array_index (order, i), step_start, position))
        {
          row->revision++;
          g_object_notify_by_pspec (G_OBJECT (row), row_properties[ROW_PROP_REVISION]);
        }
    }

  added = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint j = i; j < order->len; j++)
    {
      PfSocketRow *row = g_object_new (PF_TYPE_SOCKET_ROW, NULL);

      row->key = seen_key (g_ptr_array_index (order, j));
      row_update (self, row, g_ptr_array_index (order, j), step_start, position);
      g_ptr_array_add (added, row);
    }

  if (i < n_rows || added->len > 0)
    g_list_store_splice (self->rows, i, n_rows - i, added->pdata, added->len);

  queue_scroll_to_changed (self);
}

static void
on_player_changed (PfSocketTable *self)
{
  refresh (self);
}

static void
update_row_classes (GtkWidget   *cell_child,
                    PfSocketRow *row)
{
  GtkWidget *row_widget = pf_view_get_row_widget (cell_child);

  if (row_widget == NULL)
    return;

  if (row != NULL && row->changed)
    gtk_widget_add_css_class (row_widget, "changed");
  else
    gtk_widget_remove_css_class (row_widget, "changed");

  if (row != NULL && !row->udp && row->state == PF_TCP_STATE_CLOSE)
    gtk_widget_add_css_class (row_widget, "closed");
  else
    gtk_widget_remove_css_class (row_widget, "closed");
}

/* An address cell, the kernel's address on its own line, so without
 * the parentheses of the one-line form. */
static void
endpoint_cell_set (GtkWidget  *cell,
                   const char *text,
                   const char *here)
{
  pf_view_endpoint_label_set (cell, text, here);
  if (here != NULL)
    {
      /* TRANSLATORS: the address the kernel used, in loopback mode */
      g_autofree char *line = g_strdup_printf (_("here %s"), here);

      gtk_label_set_text (GTK_LABEL (gtk_widget_get_last_child (cell)), line);
    }
}

static void
fill_cell (GtkWidget   *child,
           PfSocketRow *row)
{
  Column column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (child), "pf-column"));

  switch (column)
    {
    case COLUMN_HOST:
      gtk_label_set_text (GTK_LABEL (child), row->host_name);
      gtk_widget_set_tooltip_text (child, row->host_id);
      update_row_classes (child, row);
      break;
    case COLUMN_PROTOCOL:
      gtk_label_set_text (GTK_LABEL (child), row->udp ? "UDP" : "TCP");
      break;
    case COLUMN_LOCAL:
      endpoint_cell_set (child, row->local, row->local_here);
      break;
    case COLUMN_REMOTE:
      endpoint_cell_set (child, row->remote, row->remote_here);
      break;
    case COLUMN_STATE:
      if (row->udp)
        {
          gtk_label_set_text (GTK_LABEL (child), "—");
          gtk_widget_set_tooltip_text (child, _("UDP sockets have no connection state"));
        }
      else
        {
          gtk_label_set_text (GTK_LABEL (child), pf_tcp_state_to_string (row->state));
          gtk_widget_set_tooltip_text (child, row->changed ? _("Changed in this step") : NULL);
        }
      break;
    case N_COLUMNS:
    default:
      g_assert_not_reached ();
    }
}

static void
on_row_revision (PfSocketRow *row,
                 GParamSpec  *pspec,
                 GtkWidget   *child)
{
  fill_cell (child, row);
}

static void
on_setup (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          gpointer                  user_data)
{
  Column column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (factory), "pf-column"));
  GtkWidget *child;

  if (column == COLUMN_LOCAL || column == COLUMN_REMOTE)
    {
      /* The kernel's address under the scenario's, not beside it: in
       * loopback mode both in one line pushed the Remote address out of
       * a window of the default size. */
      child = pf_view_endpoint_label_new ();
      gtk_orientable_set_orientation (GTK_ORIENTABLE (child), GTK_ORIENTATION_VERTICAL);
      gtk_box_set_spacing (GTK_BOX (child), 0);
      gtk_widget_add_css_class (child, "pf-endpoint-stacked");
    }
  else
    {
      child = gtk_label_new (NULL);
      gtk_label_set_xalign (GTK_LABEL (child), 0.0);
      if (column == COLUMN_STATE)
        gtk_widget_add_css_class (child, "pf-state");
    }

  g_object_set_data (G_OBJECT (child), "pf-column", GUINT_TO_POINTER (column));
  gtk_list_item_set_child (item, child);
}

static void
on_bind (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         gpointer                  user_data)
{
  PfSocketRow *row = gtk_list_item_get_item (item);
  GtkWidget *child = gtk_list_item_get_child (item);

  fill_cell (child, row);
  g_signal_connect_object (row, "notify::revision", G_CALLBACK (on_row_revision), child, 0);
}

static void
on_unbind (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  user_data)
{
  PfSocketRow *row = gtk_list_item_get_item (item);
  GtkWidget *child = gtk_list_item_get_child (item);

  g_signal_handlers_disconnect_by_func (row, on_row_revision, child);
  if (GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (child), "pf-column")) == COLUMN_HOST)
    update_row_classes (child, NULL);
}

static void
add_columns (PfSocketTable *self)
{
  for (guint i = 0; i < N_COLUMNS; i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      g_autoptr(GtkColumnViewColumn) column = NULL;

      g_object_set_data (G_OBJECT (factory), "pf-column", GUINT_TO_POINTER (i));
      g_signal_connect (factory, "setup", G_CALLBACK (on_setup), NULL);
      g_signal_connect (factory, "bind", G_CALLBACK (on_bind), NULL);
      g_signal_connect (factory, "unbind", G_CALLBACK (on_unbind), NULL);

      column = gtk_column_view_column_new (_(column_titles[i]), factory);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_column_set_expand (column, i == COLUMN_LOCAL || i == COLUMN_REMOTE);
      gtk_column_view_append_column (self->column_view, column);
    }
}

static void
pf_socket_table_player_changed (PfView *view)
{
  refresh (PF_SOCKET_TABLE (view));
}

static void
pf_socket_table_dispose (GObject *object)
{
  PfSocketTable *self = PF_SOCKET_TABLE (object);

  if (self->scroll_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->scroll_tick);
  self->scroll_tick = 0;
  gtk_widget_dispose_template (GTK_WIDGET (self), PF_TYPE_SOCKET_TABLE);
  g_clear_object (&self->rows);

  G_OBJECT_CLASS (pf_socket_table_parent_class)->dispose (object);
}

static void
pf_socket_table_class_init (PfSocketTableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  PfViewClass *view_class = PF_VIEW_CLASS (klass);

  object_class->dispose = pf_socket_table_dispose;
  view_class->zoom_scales_font = TRUE;
  view_class->player_changed = pf_socket_table_player_changed;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/packetflow/PacketFlow/ui/pf-socket-table.ui");
  gtk_widget_class_bind_template_child (widget_class, PfSocketTable, scrolled);
  gtk_widget_class_bind_template_child (widget_class, PfSocketTable, column_view);
  gtk_widget_class_bind_template_child (widget_class, PfSocketTable, selection);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "pfsockettable");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pf_socket_table_init (PfSocketTable *self)
{
  GSignalGroup *player_signals = pf_view_get_player_signals (PF_VIEW (self));

  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows = g_list_store_new (PF_TYPE_SOCKET_ROW);
  gtk_no_selection_set_model (self->selection, G_LIST_MODEL (self->rows));
  add_columns (self);

  g_signal_group_connect_swapped (player_signals, "notify::position",
                                  G_CALLBACK (on_player_changed), self);
  g_signal_group_connect_swapped (player_signals, "notify::step",
                                  G_CALLBACK (on_player_changed), self);
  g_signal_group_connect_swapped (player_signals, "notify::engine",
                                  G_CALLBACK (on_player_changed), self);
}

GtkWidget *
pf_socket_table_new (void)
{
  return g_object_new (PF_TYPE_SOCKET_TABLE, NULL);
}

/* For tests: the rows on screen. */
guint
pf_socket_table_get_n_rows (PfSocketTable *self)
{
  g_return_val_if_fail (PF_IS_SOCKET_TABLE (self), 0);
  return g_list_model_get_n_items (G_LIST_MODEL (self->rows));
}

/* The row of @host_id's socket with these ports: the scenario's ports
 * or the kernel's (in loopback mode they differ below 1024); a
 * @remote_port of 0 finds a listener or a UDP socket. */
static PfSocketRow *
find_row (PfSocketTable *self,
          const char    *host_id,
          guint16        local_port,
          guint16        remote_port)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->rows));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(PfSocketRow) row = g_list_model_get_item (G_LIST_MODEL (self->rows), i);

      if (g_strcmp0 (row->host_id, host_id) == 0 &&
          (row->local_port == local_port || row->tuple.src.port == local_port) &&
          (row->remote_port == remote_port || row->tuple.dst.port == remote_port))
        return row;    /* the store keeps it alive */
    }

  return NULL;
}

/* For tests: the TCP state shown ("ESTABLISHED", "LISTEN"), or NULL when
 * there is no such row or it is a UDP socket (no state shown). */
const char *
pf_socket_table_get_state (PfSocketTable *self,
                           const char    *host_id,
                           guint16        local_port,
                           guint16        remote_port)
{
  PfSocketRow *row;

  g_return_val_if_fail (PF_IS_SOCKET_TABLE (self), NULL);
  g_return_val_if_fail (host_id != NULL, NULL);

  row = find_row (self, host_id, local_port, remote_port);
  if (row == NULL || row->udp)
    return NULL;
  return pf_tcp_state_to_string (row->state);
}

/* For tests: whether that row is highlighted as changed in this step. */
gboolean
pf_socket_table_get_changed (PfSocketTable *self,
                             const char    *host_id,
                             guint16        local_port,
                             guint16        remote_port)
{
  PfSocketRow *row;

  g_return_val_if_fail (PF_IS_SOCKET_TABLE (self), FALSE);
  g_return_val_if_fail (host_id != NULL, FALSE);

  row = find_row (self, host_id, local_port, remote_port);
  return row != NULL && row->changed;
}
