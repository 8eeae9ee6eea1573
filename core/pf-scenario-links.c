/* pf-scenario-links.c: the scenario's links, and the hosts' interfaces
 * on them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-scenario"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pf-scenario-private.h"

/* How many link ids a message lists before "…". */
#define LISTED_LINKS 8

static const char * const link_fields[] = {
  "id", "name", "network", "latency_ms", NULL
};

static const char * const interface_fields[] = { "link", "address", NULL };

static const char link_id_expected[] =
  "an identifier like \"home\" (a letter, then letters, digits, '-' or '_')";
static const char network_expected[] =
  "a network like \"10.0.0.0/24\" (an address, '/', a prefix length from 0 to 32)";
static const char latency_expected[] =
  "a number of milliseconds from 0 to 5000, like 2 or 0.5";
static const char address_expected[] = "an IPv4 address like 192.203.196.71";

void
pf_link_free (PfLink *link)
{
  if (link == NULL)
    return;

  g_free (link->id);
  g_free (link->name);
  g_clear_pointer (&link->interfaces, g_ptr_array_unref);
  g_free (link);
}

static PfIpv4
prefix_mask (guint prefix_length)
{
  return prefix_length == 0 ? 0 : G_MAXUINT32 << (32 - prefix_length);
}

static char *
network_to_string (PfIpv4 network,
                   guint  prefix_length)
{
  char text[PF_IPV4_STRLEN];

  pf_ipv4_format (network, text);
  return g_strdup_printf ("%s/%u", text, prefix_length);
}

/* "a.b.c.d/N", N from 0 to 32 without leading zeros. */
static gboolean
parse_network (const char *text,
               PfIpv4     *out_address,
               guint      *out_prefix_length)
{
  const char *slash = strchr (text, '/');
  g_autofree char *address = NULL;
  const char *digits;
  guint n = 0;

  if (slash == NULL)
    return FALSE;

  address = g_strndup (text, slash - text);
  if (!pf_ipv4_parse (address, out_address))
    return FALSE;

  digits = slash + 1;
  if (digits[0] == '\0' || strlen (digits) > 2 ||
      (digits[0] == '0' && digits[1] != '\0'))
    return FALSE;
  for (const char *p = digits; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      n = n * 10 + (guint) (*p - '0');
    }
  if (n > 32)
    return FALSE;

  *out_prefix_length = n;
  return TRUE;
}

/* "home, campus", cut after LISTED_LINKS. */
static char *
list_link_ids (PfScenario *scenario)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < scenario->links->len; i++)
    {
      const PfLink *link = g_ptr_array_index (scenario->links, i);

      if (i > 0)
        g_string_append (out, ", ");
      if (i == LISTED_LINKS)
        {
          g_string_append (out, "…");
          break;
        }
      g_string_append (out, link->id);
    }

  return g_string_free (out, FALSE);
}

static void
add_implicit_link (PfScenario *scenario)
{
  PfLink *link = g_new0 (PfLink, 1);

  link->id = g_strdup ("lan");
  link->name = network_to_string (0, 0);
  link->latency_us = PF_LINK_DEFAULT_LATENCY_US;
  link->implicit = TRUE;
  link->interfaces = g_ptr_array_new ();
  g_ptr_array_add (scenario->links, link);
  g_hash_table_insert (scenario->links_by_id, link->id, link);
}

static gboolean
read_latency (PfLoader             *loader,
              const PfLoaderObject *object,
              PfLink               *link)
{
  double ms;

  link->latency_us = PF_LINK_DEFAULT_LATENCY_US;
  if (!json_object_has_member (object->object, "latency_ms"))
    return TRUE;
  if (!pf_loader_get_number (loader, object, "latency_ms", latency_expected,
                             0.0, PF_LINK_MAX_LATENCY_US / 1000.0, &ms))
    return FALSE;

  link->latency_us = (guint) llround (ms * 1000.0);
  return TRUE;
}

static gboolean
read_link (PfLoader   *loader,
           const char *pointer,
           JsonObject *json)
{
  PfScenario *scenario = loader->scenario;
  PfLoaderObject object = { json, pointer, "a link" };
  g_autofree char *network = NULL;
  g_autofree char *network_pointer = NULL;
  PfLink *link;
  PfLink *other;
  PfIpv4 address;

  link = g_new0 (PfLink, 1);
  link->interfaces = g_ptr_array_new ();
  link->line = pf_loader_line_of (loader, pointer);
  g_ptr_array_add (scenario->links, link);

  if (!pf_loader_check_fields (loader, &object, link_fields) ||
      !pf_loader_get_identifier (loader, &object, "id", link_id_expected,
                                 TRUE, &link->id))
    return FALSE;

  other = g_hash_table_lookup (scenario->links_by_id, link->id);
  if (other != NULL)
    {
      guint index = 0;
      g_autofree char *id_pointer = pf_loader_member_pointer (&object, "id");
      g_autofree char *at = NULL;

      g_ptr_array_find (scenario->links, other, &index);
      at = pf_loader_where (loader, "/links", index, "id");
      return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, id_pointer,
                             "duplicate link id \"%s\"; the link at %s has "
                             "it already", link->id, at);
    }
  g_hash_table_insert (scenario->links_by_id, link->id, link);

  if (!pf_loader_get_text (loader, &object, "network", network_expected,
                           TRUE, TRUE, &network))
    return FALSE;
  if (!parse_network (network, &address, &link->prefix_length))
    return pf_loader_fail_value (loader, &object, "network", network_expected);

  link->network = address & prefix_mask (link->prefix_length);
  if (link->network != address)
    {
      g_autofree char *right = network_to_string (link->network,
                                                  link->prefix_length);

      network_pointer = pf_loader_member_pointer (&object, "network");
      return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, network_pointer,
                             "\"network\" %s has host bits set; expected the "
                             "network itself, %s", network, right);
    }

  if (!pf_loader_get_text (loader, &object, "name",
                           "a display name like \"Home network\"", FALSE, TRUE,
                           &link->name))
    return FALSE;
  if (link->name == NULL)
    link->name = g_strdup (network);

  return read_latency (loader, &object, link);
}

static int
compare_by_network (gconstpointer a,
                    gconstpointer b)
{
  const PfLink *x = *(const PfLink * const *) a;
  const PfLink *y = *(const PfLink * const *) b;

  if (x->network != y->network)
    return x->network < y->network ? -1 : 1;
  if (x->prefix_length != y->prefix_length)
    return x->prefix_length < y->prefix_length ? -1 : 1;
  return x->line < y->line ? -1 : x->line > y->line;
}

static gboolean
contains (const PfLink *outer,
          const PfLink *inner)
{
  return outer->prefix_length <= inner->prefix_length &&
         (inner->network & prefix_mask (outer->prefix_length)) == outer->network;
}

/* Two links whose networks overlap would make an address ambiguous.
 * Sorted by network, a link that contains another also contains every
 * link between them, so neighbours are enough. */
static gboolean
check_overlaps (PfLoader *loader)
{
  PfScenario *scenario = loader->scenario;
  g_autoptr(GPtrArray) sorted = g_ptr_array_sized_new (scenario->links->len);

  /* not g_ptr_array_copy(): the copy would free the links with it */
  for (guint i = 0; i < scenario->links->len; i++)
    g_ptr_array_add (sorted, g_ptr_array_index (scenario->links, i));
  g_ptr_array_sort (sorted, compare_by_network);

  for (guint i = 1; i < sorted->len; i++)
    {
      const PfLink *a = g_ptr_array_index (sorted, i - 1);
      const PfLink *b = g_ptr_array_index (sorted, i);
      const PfLink *first;
      const PfLink *second;
      guint first_index = 0;
      guint second_index = 0;
      g_autofree char *pointer = NULL;
      g_autofree char *at = NULL;
      g_autofree char *first_network = NULL;
      g_autofree char *second_network = NULL;

      if (!contains (a, b))
        continue;

      g_ptr_array_find (scenario->links, a, &first_index);
      g_ptr_array_find (scenario->links, b, &second_index);
      if (first_index < second_index)
        first = a, second = b;
      else
        {
          guint swap = first_index;

          first = b, second = a;
          first_index = second_index;
          second_index = swap;
        }

      first_network = network_to_string (first->network, first->prefix_length);
      second_network = network_to_string (second->network, second->prefix_length);
      pointer = g_strdup_printf ("/links/%u/network", second_index);
      at = pf_loader_where (loader, "/links", first_index, "network");
      return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, pointer,
                             "network %s of link \"%s\" overlaps network %s "
                             "of link \"%s\" (at %s); each link needs a "
                             "network of its own", second_network, second->id,
                             first_network, first->id, at);
    }

  return TRUE;
}

/**
 * pf_loader_read_links:
 *
 * Reads "links", or makes the implicit link of a file without them.
 * Comes before the hosts, which name the links.
 */
gboolean
pf_loader_read_links (PfLoader             *loader,
                      const PfLoaderObject *root)
{
  g_autoptr(GString) pointer = g_string_new ("/links");
  JsonArray *links;
  guint n;

  if (!pf_loader_get_array (loader, root, "links",
                            "an array of links like [{\"id\": \"home\", "
                            "\"network\": \"10.0.0.0/24\"}]", FALSE, &links))
    return FALSE;

  if (links == NULL)
    {
      add_implicit_link (loader->scenario);
      return TRUE;
    }

  n = json_array_get_length (links);
  if (n == 0)
    return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, "/links",
                           "\"links\" is empty; list at least one link, or "
                           "leave \"links\" out to put every host on one "
                           "network");
  if (n > PF_SCENARIO_MAX_HOSTS)
    return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, "/links",
                           "\"links\" has %u links; a scenario can have at "
                           "most %d", n, PF_SCENARIO_MAX_HOSTS);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (links, i);

      g_string_truncate (pointer, strlen ("/links"));
      pf_json_pointer_append_index (pointer, i);

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_autofree char *got = pf_loader_describe (loader, pointer->str);

          return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, pointer->str,
                                 "each link must be an object like "
                                 "{\"id\": \"home\", \"network\": "
                                 "\"10.0.0.0/24\"}, got %s", got);
        }

      if (!read_link (loader, pointer->str, json_node_get_object (node)))
        return FALSE;
    }

  return check_overlaps (loader);
}

/* Why @address cannot be a host's own address, or NULL if it can be. */
static const char *
unusable_address (PfIpv4 address)
{
  guint first = address >> 24;

  if (first == 0)
    return "0.x.x.x means \"this network\", not a host";
  if (first >= 224 && first <= 239)
    return "224.x.x.x to 239.x.x.x are multicast groups, not hosts";
  if (first >= 240)
    return "240.x.x.x and above are reserved (255.255.255.255 is broadcast)";
  return NULL;
}

/* "10.0.0.1 to 10.0.0.254", the addresses a host can have on @link. */
static char *
describe_host_range (const PfLink *link)
{
  PfIpv4 last = link->network | ~prefix_mask (link->prefix_length);
  PfIpv4 first = link->network;
  char a[PF_IPV4_STRLEN];
  char b[PF_IPV4_STRLEN];

  if (link->prefix_length <= 30)
    {
      first++;
      last--;
    }
  if (first == last)
    {
      pf_ipv4_format (first, a);
      return g_strdup_printf ("the address %s", a);
    }

  pf_ipv4_format (first, a);
  pf_ipv4_format (last, b);
  return g_strdup_printf ("an address from %s to %s", a, b);
}

/* An address a host can have on @link: in its prefix, and neither its
 * network nor its broadcast address (a /31 or /32 has neither). */
static gboolean
check_on_link (PfLoader     *loader,
               const char   *pointer,
               const char   *text,
               PfIpv4        address,
               const PfLink *link)
{
  PfIpv4 mask = prefix_mask (link->prefix_length);
  g_autofree char *network = NULL;
  g_autofree char *range = NULL;
  const char *which = NULL;

  if (link->implicit)
    return TRUE;

  network = network_to_string (link->network, link->prefix_length);
  range = describe_host_range (link);

  if ((address & mask) != link->network)
    return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, pointer,
                           "address %s is not on link \"%s\" (%s); expected "
                           "%s", text, link->id, network, range);

  if (link->prefix_length <= 30 && address == link->network)
    which = "network";
  else if (link->prefix_length <= 30 && address == (link->network | ~mask))
    which = "broadcast";
  if (which != NULL)
    return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, pointer,
                           "address %s is the %s address of link \"%s\" "
                           "(%s), not a host's; expected %s", text, which,
                           link->id, network, range);

  return TRUE;
}

/* The link @member of @object names. */
static gboolean
get_link (PfLoader             *loader,
          const PfLoaderObject *object,
          const char           *member,
          PfLink              **out_link)
{
  PfScenario *scenario = loader->scenario;
  g_autofree char *id = NULL;
  g_autofree char *pointer = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *closest = NULL;
  g_autofree char *all = NULL;
  g_autofree const char **ids = NULL;
  PfLink *link;

  if (!pf_loader_get_text (loader, object, member, "a link id like \"home\"",
                           TRUE, TRUE, &id))
    return FALSE;

  link = g_hash_table_lookup (scenario->links_by_id, id);
  if (link != NULL)
    {
      *out_link = link;
      return TRUE;
    }

  ids = g_new0 (const char *, scenario->links->len + 1);
  for (guint i = 0; i < scenario->links->len; i++)
    ids[i] = ((const PfLink *) g_ptr_array_index (scenario->links, i))->id;

  pointer = pf_loader_member_pointer (object, member);
  quoted = pf_loader_quote (id);
  closest = pf_closest_word (id, ids);
  if (closest != NULL)
    return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, pointer,
                           "unknown link %s in \"%s\"; did you mean \"%s\"?",
                           quoted, member, closest);

  all = list_link_ids (scenario);
  return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, pointer,
                         "unknown link %s in \"%s\"; the links are: %s",
                         quoted, member, all);
}

/* Reads "address" of @object (a host or an interface, at @line), checks
 * it against every address so far, and adds the interface on @link. */
static gboolean
add_interface (PfLoader             *loader,
               const PfLoaderObject *object,
               guint                 line,
               PfHost               *host,
               guint                 host_index,
               PfLink               *link)
{
  PfScenario *scenario = loader->scenario;
  g_autofree char *text = NULL;
  g_autofree char *pointer = pf_loader_member_pointer (object, "address");
  PfInterface *interface;
  PfInterface *other;
  const char *why;
  PfIpv4 address;

  if (!pf_loader_get_text (loader, object, "address", address_expected,
                           TRUE, TRUE, &text))
    return FALSE;
  if (!pf_ipv4_parse (text, &address))
    return pf_loader_fail_value (loader, object, "address", address_expected);

  if ((why = unusable_address (address)) != NULL)
    return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, pointer,
                           "\"address\" %s cannot belong to a host: %s",
                           text, why);

  if (!check_on_link (loader, pointer, text, address, link))
    return FALSE;

  other = g_hash_table_lookup (scenario->interfaces_by_address,
                               GUINT_TO_POINTER (address));
  /* never this host's own: its links do not overlap */
  if (other != NULL)
    return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, pointer,
                           "address %s is already host \"%s\"'s; every host "
                           "needs an address of its own", text, other->host->id);

  if (host->interfaces->len == PF_SCENARIO_MAX_HOST_INTERFACES)
    return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, object->pointer,
                           "host \"%s\" has more than %d interfaces, the most "
                           "a host can have", host->id,
                           PF_SCENARIO_MAX_HOST_INTERFACES);

  interface = g_new0 (PfInterface, 1);
  interface->host = host;
  interface->link = link;
  interface->index = host->interfaces->len;
  interface->port = scenario->interfaces->len;
  interface->address = address;
  interface->prefix_length = link->implicit ? 32 : link->prefix_length;
  interface->mac[0] = 0x02;
  interface->mac[1] = 0x50;
  interface->mac[2] = 0x46;
  interface->mac[3] = (host_index >> 8) & 0xff;
  interface->mac[4] = host_index & 0xff;
  interface->mac[5] = interface->index & 0xff;
  interface->line = line;

  g_ptr_array_add (host->interfaces, interface);
  g_ptr_array_add (link->interfaces, interface);
  g_ptr_array_add (scenario->interfaces, interface);
  g_hash_table_insert (scenario->interfaces_by_address,
                       GUINT_TO_POINTER (address), interface);

  if (host->interfaces->len == 1)
    host->address = address;
  return TRUE;
}

static gboolean
read_interface_array (PfLoader             *loader,
                      const PfLoaderObject *host_object,
                      PfHost               *host,
                      guint                 host_index)
{
  static const char expected[] =
    "an array of interfaces like [{\"link\": \"home\", \"address\": "
    "\"10.0.0.1\"}, ...]";
  g_autofree char *array_pointer = pf_loader_member_pointer (host_object,
                                                             "interfaces");
  g_autoptr(GString) pointer = g_string_new (array_pointer);
  JsonArray *array;
  guint n;

  if (!pf_loader_get_array (loader, host_object, "interfaces", expected,
                            TRUE, &array))
    return FALSE;

  n = json_array_get_length (array);
  if (n == 0)
    return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, array_pointer,
                           "\"interfaces\" is empty; a host needs at least "
                           "one, like [{\"link\": \"home\", \"address\": "
                           "\"10.0.0.1\"}]");

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      PfLoaderObject object = { NULL, NULL, "an interface" };
      PfLink *link = NULL;

      g_string_truncate (pointer, strlen (array_pointer));
      pf_json_pointer_append_index (pointer, i);
      object.pointer = pointer->str;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_autofree char *got = pf_loader_describe (loader, pointer->str);

          return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, pointer->str,
                                 "each interface must be an object like "
                                 "{\"link\": \"home\", \"address\": "
                                 "\"10.0.0.1\"}, got %s", got);
        }
      object.object = json_node_get_object (node);

      if (!pf_loader_check_fields (loader, &object, interface_fields) ||
          !get_link (loader, &object, "link", &link))
        return FALSE;

      for (guint j = 0; j < host->interfaces->len; j++)
        {
          const PfInterface *earlier = g_ptr_array_index (host->interfaces, j);
          g_autofree char *link_pointer = NULL;
          g_autofree char *at = NULL;

          if (earlier->link != link)
            continue;

          link_pointer = pf_loader_member_pointer (&object, "link");
          at = pf_loader_where (loader, array_pointer, j, "link");
          return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, link_pointer,
                                 "host \"%s\" is already on link \"%s\" (its "
                                 "interface at %s); a host has one interface "
                                 "per link", host->id, link->id, at);
        }

      if (!add_interface (loader, &object, pf_loader_line_of (loader, pointer->str),
                          host, host_index, link))
        return FALSE;
    }

  return TRUE;
}

/**
 * pf_loader_read_interfaces:
 *
 * A host's "address" (and "link"), or its "interfaces": fills
 * host->interfaces and host->address.
 */
gboolean
pf_loader_read_interfaces (PfLoader             *loader,
                           const PfLoaderObject *host_object,
                           PfHost               *host,
                           guint                 host_index)
{
  PfScenario *scenario = loader->scenario;
  JsonObject *json = host_object->object;
  gboolean has_links = pf_scenario_has_links (scenario);
  PfLink *link = NULL;

  if (!has_links)
    {
      const char *member = json_object_has_member (json, "link") ? "link" :
                           json_object_has_member (json, "interfaces") ? "interfaces" :
                           NULL;

      if (member != NULL)
        {
          g_autofree char *pointer = pf_loader_member_pointer (host_object, member);

          return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, pointer,
                                 "\"%s\" names links, but this file has no "
                                 "\"links\"; list them at the top level, like "
                                 "\"links\": [{\"id\": \"home\", \"network\": "
                                 "\"10.0.0.0/24\"}], or leave \"%s\" out",
                                 member, member);
        }

      return add_interface (loader, host_object, host->line, host, host_index,
                            g_ptr_array_index (scenario->links, 0));
    }

  if (json_object_has_member (json, "interfaces"))
    {
      const char *member = json_object_has_member (json, "address") ? "address" :
                           json_object_has_member (json, "link") ? "link" :
                           NULL;

      if (member != NULL)
        {
          g_autofree char *pointer = pf_loader_member_pointer (host_object,
                                                               "interfaces");
          g_autofree char *other = pf_loader_member_pointer (host_object, member);
          PfJsonPosition position = { 1, 1, 0 };

          pf_json_locator_lookup (loader->locator, other, &position);
          return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, pointer,
                                 "a host has either \"address\" and \"link\", "
                                 "or \"interfaces\", not both; this one also "
                                 "has \"%s\" (at %u:%u)", member,
                                 position.line, position.column);
        }

      return read_interface_array (loader, host_object, host, host_index);
    }

  if (!json_object_has_member (json, "address"))
    return pf_loader_fail_missing (loader, host_object, "address",
                                   "an IPv4 address like 10.0.0.2 (with "
                                   "\"link\"), or \"interfaces\"");

  if (json_object_has_member (json, "link"))
    {
      if (!get_link (loader, host_object, "link", &link))
        return FALSE;
    }
  else if (scenario->links->len == 1)
    link = g_ptr_array_index (scenario->links, 0);
  else
    {
      g_autofree char *all = list_link_ids (scenario);
      g_autofree char *expected = g_strdup_printf ("the id of the link it is "
                                                   "on (%s)", all);

      return pf_loader_fail_missing (loader, host_object, "link", expected);
    }

  return add_interface (loader, host_object, host->line, host, host_index, link);
}

/**
 * pf_loader_check_links:
 *
 * After the hosts: every link has a host, every router is on two links
 * or more; sets is_router and the gateways.
 */
gboolean
pf_loader_check_links (PfLoader *loader)
{
  PfScenario *scenario = loader->scenario;

  if (!pf_scenario_has_links (scenario))
    return TRUE;

  for (guint i = 0; i < scenario->links->len; i++)
    {
      const PfLink *link = g_ptr_array_index (scenario->links, i);
      g_autofree char *pointer = NULL;

      if (link->interfaces->len > 0)
        continue;

      pointer = g_strdup_printf ("/links/%u", i);
      return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, pointer,
                             "link \"%s\" has no hosts; put a host on it "
                             "(\"link\": \"%s\", or an interface with it), "
                             "or leave it out", link->id, link->id);
    }

  for (guint i = 0; i < scenario->hosts->len; i++)
    {
      PfHost *host = g_ptr_array_index (scenario->hosts, i);
      g_autofree char *pointer = NULL;
      const PfInterface *only;

      if (!g_str_equal (host->kind, "router"))
        continue;
      if (host->interfaces->len >= 2)
        {
          host->is_router = TRUE;
          continue;
        }

      only = g_ptr_array_index (host->interfaces, 0);
      pointer = g_strdup_printf ("/hosts/%u", i);
      return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, pointer,
                             "host \"%s\" is a router on one link only "
                             "(\"%s\"); a router forwards between links, so "
                             "give it \"interfaces\" on two or more, or "
                             "another \"kind\"", host->id, only->link->id);
    }

  for (guint i = 0; i < scenario->hosts->len; i++)
    {
      PfHost *host = g_ptr_array_index (scenario->hosts, i);
      const PfInterface *first;

      if (host->is_router)
        continue;

      first = g_ptr_array_index (host->interfaces, 0);
      for (guint j = 0; j < first->link->interfaces->len; j++)
        {
          const PfInterface *interface = g_ptr_array_index (first->link->interfaces, j);

          if (interface->host->is_router)
            {
              host->gateway = interface->address;
              break;
            }
        }
    }

  return TRUE;
}
