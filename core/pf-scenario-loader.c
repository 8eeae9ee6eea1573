/* pf-scenario-loader.c: the scenario file's top level and its hosts
 * (their links and interfaces: pf-scenario-links.c)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-scenario"

#include "config.h"

#include <string.h>

#include "pf-scenario-private.h"

static const char * const root_fields[] = {
  "$schema", "format", "version", "title", "summary", "lesson", "links",
  "hosts", "steps", NULL
};

static const char * const host_fields[] = {
  "id", "name", "address", "link", "interfaces", "names", "kind",
  "position", "services", NULL
};

static const char * const position_fields[] = { "x", "y", NULL };

static const char * const host_kinds[] = {
  "laptop", "desktop", "server", "phone", "router", NULL
};

static const char id_expected[] =
  "an identifier like \"laptop\" (a letter, then letters, digits, '-' or '_')";
static const char name_expected[] = "a DNS name like knuth.luther.edu";

static void
dns_record_free (PfDnsRecord *record)
{
  g_free (record->name);
  g_free (record);
}

static gboolean
read_names (PfLoader             *loader,
            const PfLoaderObject *object,
            PfHost               *host)
{
  g_autofree char *pointer = pf_loader_member_pointer (object, "names");
  g_autoptr(GString) name_pointer = g_string_new (pointer);
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  GHashTable *by_name = loader->scenario->hosts_by_name;
  JsonArray *array;

  if (!pf_loader_get_array (loader, object, "names",
                            "an array of DNS names like [\"knuth.luther.edu\"]",
                            FALSE, &array))
    return FALSE;

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      const char *name;
      g_autofree char *key = NULL;
      PfHost *other;

      g_string_truncate (name_pointer, strlen (pointer));
      pf_json_pointer_append_index (name_pointer, i);

      if (!JSON_NODE_HOLDS_VALUE (node) ||
          json_node_get_value_type (node) != G_TYPE_STRING ||
          !pf_is_dns_name (json_node_get_string (node)))
        {
          g_autofree char *got = pf_loader_describe (loader, name_pointer->str);

          return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID,
                                 name_pointer->str,
                                 "each of \"names\" must be %s, got %s",
                                 name_expected, got);
        }

      name = json_node_get_string (node);
      key = g_ascii_strdown (name, -1);
      other = g_hash_table_lookup (by_name, key);
      if (other == host)
        return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, name_pointer->str,
                               "duplicate DNS name \"%s\": it is already in "
                               "this host's \"names\"", name);
      if (other != NULL)
        return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, name_pointer->str,
                               "duplicate DNS name \"%s\": it is already a "
                               "name of host \"%s\"; a name leads to one "
                               "address", name, other->id);

      g_hash_table_insert (by_name, g_steal_pointer (&key), host);
      g_strv_builder_add (names, name);
    }

  host->names = g_strv_builder_end (names);
  return TRUE;
}

static gboolean
read_position (PfLoader             *loader,
               const PfLoaderObject *object,
               PfHost               *host)
{
  g_autofree char *pointer = pf_loader_member_pointer (object, "position");
  PfLoaderObject position = { NULL, pointer, "a position" };

  if (!pf_loader_get_object (loader, object, "position",
                             "an object like {\"x\": 0.25, \"y\": 0.5} "
                             "(fractions of the stage)", &position.object))
    return FALSE;
  if (position.object == NULL)
    return TRUE;

  host->has_position = TRUE;
  return pf_loader_check_fields (loader, &position, position_fields) &&
         pf_loader_get_number (loader, &position, "x",
                               "a number from 0 (left) to 1 (right)",
                               0.0, 1.0, &host->x) &&
         pf_loader_get_number (loader, &position, "y",
                               "a number from 0 (top) to 1 (bottom)",
                               0.0, 1.0, &host->y);
}

static gboolean
read_host (PfLoader   *loader,
           const char *pointer,
           JsonObject *json,
           guint       host_index)
{
  PfScenario *scenario = loader->scenario;
  PfLoaderObject object = { json, pointer, "a host" };
  PfHost *host;
  PfHost *other;
  guint kind = 0;

  host = g_new0 (PfHost, 1);
  host->services = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_service_free);
  host->interfaces = g_ptr_array_new_with_free_func (g_free);
  host->line = pf_loader_line_of (loader, pointer);
  g_ptr_array_add (scenario->hosts, host);

  if (!pf_loader_check_fields (loader, &object, host_fields) ||
      !pf_loader_get_identifier (loader, &object, "id", id_expected, TRUE, &host->id))
    return FALSE;

  other = g_hash_table_lookup (scenario->hosts_by_id, host->id);
  if (other != NULL)
    {
      guint index = 0;
      g_autofree char *id_pointer = pf_loader_member_pointer (&object, "id");
      g_autofree char *at = NULL;

      g_ptr_array_find (scenario->hosts, other, &index);
      at = pf_loader_where (loader, "/hosts", index, "id");
      return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, id_pointer,
                             "duplicate host id \"%s\"; the host at %s has "
                             "it already", host->id, at);
    }
  g_hash_table_insert (scenario->hosts_by_id, host->id, host);

  if (!pf_loader_get_text (loader, &object, "name",
                           "a display name like \"Knuth\"", TRUE, TRUE,
                           &host->name) ||
      !pf_loader_read_interfaces (loader, &object, host, host_index) ||
      !pf_loader_get_choice (loader, &object, "kind", host_kinds, TRUE, &kind))
    return FALSE;

  host->kind = g_strdup (host_kinds[kind]);

  return read_names (loader, &object, host) &&
         read_position (loader, &object, host) &&
         pf_loader_read_services (loader, &object, host);
}

/* A DNS name that is also another host's id would make "to": "x" mean
 * two things. */
static gboolean
check_names_against_ids (PfLoader *loader)
{
  GPtrArray *hosts = loader->scenario->hosts;

  for (guint i = 0; i < hosts->len; i++)
    {
      PfHost *host = g_ptr_array_index (hosts, i);

      for (guint j = 0; host->names[j] != NULL; j++)
        {
          PfHost *other = g_hash_table_lookup (loader->scenario->hosts_by_id,
                                               host->names[j]);
          g_autofree char *pointer = NULL;

          if (other == NULL || other == host)
            continue;

          pointer = g_strdup_printf ("/hosts/%u/names/%u", i, j);
          return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, pointer,
                                 "DNS name \"%s\" is also the id of host "
                                 "\"%s\"; \"to\": \"%s\" would mean two hosts",
                                 host->names[j], other->id, host->names[j]);
        }
    }

  return TRUE;
}

/* Every "dns" service answers for every name in the scenario. */
static void
fill_dns_records (PfScenario *scenario)
{
  g_autoptr(GPtrArray) records = NULL;

  records = g_ptr_array_new_with_free_func ((GDestroyNotify) dns_record_free);
  for (guint i = 0; i < scenario->hosts->len; i++)
    {
      PfHost *host = g_ptr_array_index (scenario->hosts, i);

      for (guint j = 0; host->names[j] != NULL; j++)
        {
          PfDnsRecord *record = g_new0 (PfDnsRecord, 1);

          record->name = g_strdup (host->names[j]);
          record->address = host->address;
          g_ptr_array_add (records, record);
        }
    }

  for (guint i = 0; i < scenario->hosts->len; i++)
    {
      PfHost *host = g_ptr_array_index (scenario->hosts, i);

      for (guint j = 0; j < host->services->len; j++)
        {
          PfService *service = g_ptr_array_index (host->services, j);

          if (service->type == PF_SERVICE_DNS)
            service->records = g_ptr_array_ref (records);
        }
    }
}

gboolean
pf_loader_read_hosts (PfLoader             *loader,
                      const PfLoaderObject *root)
{
  g_autoptr(GString) pointer = g_string_new ("/hosts");
  JsonArray *hosts;
  guint n;

  if (!pf_loader_get_array (loader, root, "hosts",
                            "an array of hosts like [{\"id\": \"laptop\", ...}]",
                            TRUE, &hosts))
    return FALSE;

  n = json_array_get_length (hosts);
  if (n == 0)
    return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, "/hosts",
                           "\"hosts\" is empty; a scenario needs at least "
                           "one host");
  if (n > PF_SCENARIO_MAX_HOSTS)
    return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, "/hosts",
                           "\"hosts\" has %u hosts; a scenario can have at "
                           "most %d", n, PF_SCENARIO_MAX_HOSTS);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (hosts, i);

      g_string_truncate (pointer, strlen ("/hosts"));
      pf_json_pointer_append_index (pointer, i);

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_autofree char *got = pf_loader_describe (loader, pointer->str);

          return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, pointer->str,
                                 "each host must be an object like "
                                 "{\"id\": \"laptop\", ...}, got %s", got);
        }

      if (!read_host (loader, pointer->str, json_node_get_object (node), i))
        return FALSE;
    }

  if (!pf_loader_check_links (loader) ||
      !check_names_against_ids (loader))
    return FALSE;

  fill_dns_records (loader->scenario);
  return TRUE;
}

static gboolean
read_format (PfLoader             *loader,
             const PfLoaderObject *root)
{
  JsonNode *format = json_object_get_member (root->object, "format");
  JsonNode *version = json_object_get_member (root->object, "version");
  g_autofree char *got = NULL;
  g_autofree char *source = NULL;
  double number;

  if (format == NULL)
    return pf_loader_fail (loader, PF_SCENARIO_ERROR_VERSION, "",
                           "missing field \"format\" in the scenario; "
                           "expected \"" PF_SCENARIO_FORMAT "\"");
  if (!JSON_NODE_HOLDS_VALUE (format) ||
      json_node_get_value_type (format) != G_TYPE_STRING ||
      !g_str_equal (json_node_get_string (format), PF_SCENARIO_FORMAT))
    {
      got = pf_loader_describe (loader, "/format");
      return pf_loader_fail (loader, PF_SCENARIO_ERROR_VERSION, "/format",
                             "\"format\" must be \"" PF_SCENARIO_FORMAT "\", "
                             "got %s", got);
    }

  if (version == NULL)
    return pf_loader_fail (loader, PF_SCENARIO_ERROR_VERSION, "",
                           "missing field \"version\" in the scenario; "
                           "expected %d", PF_SCENARIO_VERSION);

  got = pf_loader_describe (loader, "/version");
  if (!JSON_NODE_HOLDS_VALUE (version) ||
      (json_node_get_value_type (version) != G_TYPE_INT64 &&
       json_node_get_value_type (version) != G_TYPE_DOUBLE))
    return pf_loader_fail (loader, PF_SCENARIO_ERROR_VERSION, "/version",
                           "\"version\" must be a number (supported: %d), "
                           "got %s", PF_SCENARIO_VERSION, got);

  source = pf_json_locator_dup_source (loader->locator, "/version", 0);
  number = g_ascii_strtod (source, NULL);
  if (number != PF_SCENARIO_VERSION)
    return pf_loader_fail (loader, PF_SCENARIO_ERROR_VERSION, "/version",
                           "scenario format version %s is not supported; "
                           "supported versions: %d", got, PF_SCENARIO_VERSION);

  return TRUE;
}

static gboolean
read_root (PfLoader *loader,
           JsonNode *node)
{
  PfScenario *scenario = loader->scenario;
  PfLoaderObject root = { NULL, "", "the scenario" };
  g_autofree char *schema = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autofree char *got = pf_loader_describe (loader, "");

      return pf_loader_fail (loader, PF_SCENARIO_ERROR_VERSION, "",
                             "expected a scenario object, {\"format\": \""
                             PF_SCENARIO_FORMAT "\", ...}, got %s", got);
    }

  root.object = json_node_get_object (node);

  /* the format and version first: a newer file may have newer fields */
  return read_format (loader, &root) &&
         pf_loader_check_fields (loader, &root, root_fields) &&
         pf_loader_get_text (loader, &root, "$schema", "the schema's URI",
                             FALSE, TRUE, &schema) &&
         pf_loader_get_text (loader, &root, "title", "a title, one line",
                             TRUE, TRUE, &scenario->title) &&
         pf_loader_get_text (loader, &root, "summary",
                             "a one-line summary", TRUE, TRUE,
                             &scenario->summary) &&
         pf_loader_get_text (loader, &root, "lesson", "a short paragraph",
                             FALSE, FALSE, &scenario->lesson) &&
         pf_loader_read_links (loader, &root) &&
         pf_loader_read_hosts (loader, &root) &&
         pf_loader_read_steps (loader, &root);
}

PfScenario *
pf_loader_load (GBytes      *bytes,
                const char  *display_name,
                GError     **error)
{
  g_autoptr(PfJsonLocator) locator = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  PfJsonPosition position = { 1, 1, 0 };
  PfLoader loader = { display_name, NULL, NULL, NULL };
  const char *data;
  gsize length;

  /* strict JSON, UTF-8, nesting, duplicate members: before json-glib */
  locator = pf_json_locator_new (bytes, &position, &local_error);
  if (locator == NULL)
    {
      g_set_error (error, PF_SCENARIO_ERROR, PF_SCENARIO_ERROR_SYNTAX,
                   "%s:%u:%u: %s", display_name, position.line,
                   position.column, local_error->message);
      return NULL;
    }

  data = g_bytes_get_data (bytes, &length);
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      /* the locator let it through, so json-glib should have too */
      g_set_error (error, PF_SCENARIO_ERROR, PF_SCENARIO_ERROR_SYNTAX,
                   "%s: %s", display_name, local_error->message);
      return NULL;
    }

  loader.locator = locator;
  loader.scenario = pf_scenario_new (display_name);

  if (!read_root (&loader, json_parser_get_root (parser)))
    {
      g_clear_pointer (&loader.scenario, pf_scenario_free);
      g_propagate_error (error, loader.error);
      return NULL;
    }

  g_debug ("%s: %u hosts, %u steps", display_name,
           loader.scenario->hosts->len, loader.scenario->steps->len);
  return loader.scenario;
}
