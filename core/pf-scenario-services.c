/* pf-scenario-services.c: the services of a scenario's hosts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-scenario"

#include "config.h"

#include <string.h>

#include "pf-scenario-private.h"

#define DEFAULT_CONTENT_TYPE "text/html; charset=utf-8"
#define DEFAULT_SSH_BANNER   "SSH-2.0-OpenSSH_9.2p1 Debian-2"
#define DEFAULT_DNS_TTL      300

static const char * const page_fields[] = { "body", "content_type", NULL };
static const char * const dialogue_fields[] = { "expect", "reply", NULL };

/* Indexed by PfProtocol's order here, not its value. */
static const char * const protocols[] = { "tcp", "udp", NULL };

#define COMMON_SERVICE_FIELDS "type", "protocol", "port", "name", "stopped"

static const char * const service_fields[PF_N_SERVICE_TYPES][9] = {
  [PF_SERVICE_ECHO] = { COMMON_SERVICE_FIELDS, NULL },
  [PF_SERVICE_HTTP] = { COMMON_SERVICE_FIELDS, "pages", NULL },
  [PF_SERVICE_SMTP] = { COMMON_SERVICE_FIELDS, "domain", NULL },
  [PF_SERVICE_SSH_BANNER] = { COMMON_SERVICE_FIELDS, "banner", NULL },
  [PF_SERVICE_CHAT] = { COMMON_SERVICE_FIELDS, NULL },
  [PF_SERVICE_DNS] = { COMMON_SERVICE_FIELDS, "ttl", NULL },
  [PF_SERVICE_SCRIPT] = { COMMON_SERVICE_FIELDS, "greeting", "dialogue", NULL },
};

/* Every field some service takes: what a service without a valid "type"
 * is checked against, so that "typ" is caught as a typo. */
static const char * const any_service_fields[] = {
  COMMON_SERVICE_FIELDS, "pages", "domain", "banner", "ttl", "greeting",
  "dialogue", NULL
};

static const char * const service_whats[PF_N_SERVICE_TYPES] = {
  [PF_SERVICE_ECHO] = "an \"echo\" service",
  [PF_SERVICE_HTTP] = "an \"http\" service",
  [PF_SERVICE_SMTP] = "an \"smtp\" service",
  [PF_SERVICE_SSH_BANNER] = "an \"ssh-banner\" service",
  [PF_SERVICE_CHAT] = "a \"chat\" service",
  [PF_SERVICE_DNS] = "a \"dns\" service",
  [PF_SERVICE_SCRIPT] = "a \"script\" service",
};

static const char * const service_default_names[PF_N_SERVICE_TYPES] = {
  [PF_SERVICE_ECHO] = "echo",
  [PF_SERVICE_HTTP] = "web",
  [PF_SERVICE_SMTP] = "mail",
  [PF_SERVICE_SSH_BANNER] = "ssh",
  [PF_SERVICE_CHAT] = "chat",
  [PF_SERVICE_DNS] = "dns",
  [PF_SERVICE_SCRIPT] = "script",
};

static const char name_expected[] = "a DNS name like knuth.luther.edu";

static void
http_page_free (PfHttpPage *page)
{
  g_free (page->path);
  g_free (page->content_type);
  g_bytes_unref (page->body);
  g_free (page);
}

static void
script_line_free (PfScriptLine *line)
{
  g_free (line->expect);
  g_free (line->reply);
  g_free (line);
}

static gboolean
read_page (PfLoader             *loader,
           const PfLoaderObject *pages,
           const char           *path,
           PfService            *service)
{
  g_autofree char *pointer = pf_loader_member_pointer (pages, path);
  JsonNode *node = json_object_get_member (pages->object, path);
  PfHttpPage *page;

  if (path[0] != '/' || strpbrk (path, " \t\r\n?#") != NULL)
    {
      g_autofree char *quoted = pf_loader_quote (path);

      return pf_loader_fail_name (loader, pointer,
                                  "page path %s must start with \"/\" and "
                                  "have no spaces, '?' or '#', like "
                                  "\"/index.html\"", quoted);
    }

  page = g_new0 (PfHttpPage, 1);
  page->path = g_strdup (path);
  g_ptr_array_add (service->pages, page);

  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      page->body = g_bytes_new (json_node_get_string (node),
                                strlen (json_node_get_string (node)));
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      PfLoaderObject object = { json_node_get_object (node), pointer, "a page" };
      JsonNode *body;

      if (!pf_loader_check_fields (loader, &object, page_fields))
        return FALSE;

      body = json_object_get_member (object.object, "body");
      if (body == NULL)
        return pf_loader_fail_missing (loader, &object, "body", "the page's text");
      if (!JSON_NODE_HOLDS_VALUE (body) || json_node_get_value_type (body) != G_TYPE_STRING)
        return pf_loader_fail_value (loader, &object, "body", "the page's text");
      page->body = g_bytes_new (json_node_get_string (body),
                                strlen (json_node_get_string (body)));

      if (!pf_loader_get_text (loader, &object, "content_type",
                               "a media type like \"text/plain\"", FALSE, TRUE,
                               &page->content_type))
        return FALSE;
    }
  else
    {
      return pf_loader_fail_value (loader, pages, path,
                                   "the page's text, or an object like "
                                   "{\"body\": \"...\", \"content_type\": "
                                   "\"text/plain\"}");
    }

  if (page->content_type == NULL)
    page->content_type = g_strdup (DEFAULT_CONTENT_TYPE);
  return TRUE;
}

static gboolean
read_http (PfLoader             *loader,
           const PfLoaderObject *object,
           PfService            *service)
{
  g_autofree char *pointer = pf_loader_member_pointer (object, "pages");
  PfLoaderObject pages = { NULL, pointer, "\"pages\"" };
  g_autoptr(GList) paths = NULL;

  service->pages = g_ptr_array_new_with_free_func ((GDestroyNotify) http_page_free);

  if (!pf_loader_get_object (loader, object, "pages",
                             "an object of paths and their text, like "
                             "{\"/\": \"<h1>Hello</h1>\"}", &pages.object))
    return FALSE;
  if (pages.object == NULL)
    return TRUE;

  paths = json_object_get_members (pages.object);
  for (const GList *l = paths; l != NULL; l = l->next)
    if (!read_page (loader, &pages, l->data, service))
      return FALSE;

  return TRUE;
}

static gboolean
is_ssh_banner (const char *text)
{
  gsize n = strlen (text);

  if (!g_str_has_prefix (text, "SSH-") || n > 253)
    return FALSE;

  for (gsize i = 0; i < n; i++)
    if (text[i] < 0x20 || text[i] > 0x7e)
      return FALSE;

  return TRUE;
}

static gboolean
read_script (PfLoader             *loader,
             const PfLoaderObject *object,
             PfService            *service)
{
  g_autofree char *pointer = pf_loader_member_pointer (object, "dialogue");
  g_autoptr(GString) line_pointer = g_string_new (pointer);
  JsonArray *dialogue;

  service->dialogue = g_ptr_array_new_with_free_func ((GDestroyNotify) script_line_free);

  if (!pf_loader_get_text (loader, object, "greeting",
                           "the text sent to each new client", FALSE, FALSE,
                           &service->greeting) ||
      !pf_loader_get_array (loader, object, "dialogue",
                            "an array like [{\"expect\": \"HELLO\\r\\n\", "
                            "\"reply\": \"WELCOME\\r\\n\"}]", FALSE, &dialogue))
    return FALSE;

  for (guint i = 0; dialogue != NULL && i < json_array_get_length (dialogue); i++)
    {
      JsonNode *node = json_array_get_element (dialogue, i);
      PfLoaderObject entry = { NULL, NULL, "a dialogue entry" };
      PfScriptLine *line;

      g_string_truncate (line_pointer, strlen (pointer));
      pf_json_pointer_append_index (line_pointer, i);
      entry.pointer = line_pointer->str;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_autofree char *got = pf_loader_describe (loader, entry.pointer);

          return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, entry.pointer,
                                 "each dialogue entry must be an object like "
                                 "{\"expect\": \"HELLO\\r\\n\", \"reply\": "
                                 "\"WELCOME\\r\\n\"}, got %s", got);
        }

      entry.object = json_node_get_object (node);
      line = g_new0 (PfScriptLine, 1);
      g_ptr_array_add (service->dialogue, line);

      if (!pf_loader_check_fields (loader, &entry, dialogue_fields) ||
          !pf_loader_get_text (loader, &entry, "expect",
                               "the text to wait for", TRUE, FALSE,
                               &line->expect) ||
          !pf_loader_get_text (loader, &entry, "reply",
                               "the text to answer with", TRUE, FALSE,
                               &line->reply))
        return FALSE;
    }

  return TRUE;
}

static gboolean
read_service_type (PfLoader             *loader,
                   const PfLoaderObject *object,
                   PfService            *service)
{
  PfHost *host = (PfHost *) service->host;
  gint64 ttl = DEFAULT_DNS_TTL;

  switch (service->type)
    {
    case PF_SERVICE_HTTP:
      return read_http (loader, object, service);

    case PF_SERVICE_SMTP:
      if (!pf_loader_get_text (loader, object, "domain", name_expected,
                               FALSE, TRUE, &service->domain))
        return FALSE;
      if (service->domain != NULL && !pf_is_dns_name (service->domain))
        return pf_loader_fail_value (loader, object, "domain", name_expected);
      if (service->domain == NULL)
        service->domain = g_strdup (host->names[0] != NULL ? host->names[0] : host->id);
      return TRUE;

    case PF_SERVICE_SSH_BANNER:
      if (!pf_loader_get_text (loader, object, "banner",
                               "a version line like \"" DEFAULT_SSH_BANNER "\"",
                               FALSE, TRUE, &service->banner))
        return FALSE;
      if (service->banner != NULL && !is_ssh_banner (service->banner))
        return pf_loader_fail_value (loader, object, "banner",
                                     "a version line like \"" DEFAULT_SSH_BANNER
                                     "\" (printable ASCII starting with SSH-, "
                                     "at most 253 characters)");
      if (service->banner == NULL)
        service->banner = g_strdup (DEFAULT_SSH_BANNER);
      return TRUE;

    case PF_SERVICE_DNS:
      if (!pf_loader_get_integer (loader, object, "ttl",
                                  "a number of seconds from 0 to 2147483647",
                                  0, G_MAXINT32, FALSE, &ttl))
        return FALSE;
      service->ttl = ttl;
      return TRUE;

    case PF_SERVICE_SCRIPT:
      return read_script (loader, object, service);

    case PF_SERVICE_ECHO:
    case PF_SERVICE_CHAT:
    default:
      return TRUE;
    }
}

/* The protocols a type of service speaks: http over TCP, dns over UDP... */
static gboolean
check_protocol (PfLoader             *loader,
                const PfLoaderObject *object,
                PfService            *service,
                gboolean              given)
{
  PfProtocol only;
  g_autofree char *expected = NULL;

  switch (service->type)
    {
    case PF_SERVICE_ECHO:
    case PF_SERVICE_SCRIPT:
      return TRUE;
    case PF_SERVICE_DNS:
      only = PF_PROTOCOL_UDP;
      break;
    default:
      only = PF_PROTOCOL_TCP;
      break;
    }

  if (!given)
    service->protocol = only;
  if (service->protocol == only)
    return TRUE;

  expected = g_strdup_printf ("\"%s\" (%s runs over %s)",
                              pf_protocol_to_string (only),
                              service_whats[service->type],
                              only == PF_PROTOCOL_TCP ? "TCP" : "UDP");
  return pf_loader_fail_value (loader, object, "protocol", expected);
}

static gboolean
read_service (PfLoader   *loader,
              PfHost     *host,
              const char *pointer,
              JsonObject *json)
{
  PfLoaderObject object = { json, pointer, "a service" };
  g_autofree char *services_pointer = g_path_get_dirname (pointer);
  PfService *service;
  guint type = PF_N_SERVICE_TYPES;
  guint protocol = G_MAXUINT;

  service = g_new0 (PfService, 1);
  service->host = host;
  service->line = pf_loader_line_of (loader, pointer);
  g_ptr_array_add (host->services, service);

  if (json_object_get_member (json, "type") == NULL &&
      !pf_loader_check_fields (loader, &object, any_service_fields))
    return FALSE;
  if (!pf_loader_get_choice (loader, &object, "type", pf_service_type_names,
                             TRUE, &type))
    return FALSE;

  service->type = type;
  object.what = service_whats[type];
  if (!pf_loader_check_fields (loader, &object, service_fields[type]) ||
      !pf_loader_get_choice (loader, &object, "protocol", protocols, FALSE, &protocol))
    return FALSE;

  service->protocol = protocol == 1 ? PF_PROTOCOL_UDP : PF_PROTOCOL_TCP;
  if (!check_protocol (loader, &object, service, protocol != G_MAXUINT) ||
      !pf_loader_get_port (loader, &object, "port", TRUE, &service->port))
    return FALSE;

  for (guint i = 0; i + 1 < host->services->len; i++)
    {
      const PfService *other = g_ptr_array_index (host->services, i);

      if (other->protocol == service->protocol && other->port == service->port)
        {
          g_autofree char *port_pointer = pf_loader_member_pointer (&object, "port");
          g_autofree char *at = pf_loader_where (loader, services_pointer, i, "port");

          return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, port_pointer,
                                 "host \"%s\" already has a %s service on "
                                 "port %u (at %s); one port, one program",
                                 host->id, pf_protocol_to_string (service->protocol),
                                 service->port, at);
        }
    }

  if (!pf_loader_get_text (loader, &object, "name",
                           "a short label like \"web\"", FALSE, TRUE,
                           &service->name) ||
      !pf_loader_get_boolean (loader, &object, "stopped", &service->stopped) ||
      !read_service_type (loader, &object, service))
    return FALSE;

  if (service->name == NULL)
    service->name = g_strdup (service_default_names[type]);
  return TRUE;
}

gboolean
pf_loader_read_services (PfLoader             *loader,
                         const PfLoaderObject *object,
                         PfHost               *host)
{
  g_autofree char *pointer = pf_loader_member_pointer (object, "services");
  g_autoptr(GString) service_pointer = g_string_new (pointer);
  JsonArray *services;

  if (!pf_loader_get_array (loader, object, "services",
                            "an array of services like [{\"type\": \"http\", "
                            "\"port\": 80}]", FALSE, &services))
    return FALSE;

  for (guint i = 0; services != NULL && i < json_array_get_length (services); i++)
    {
      JsonNode *node = json_array_get_element (services, i);

      g_string_truncate (service_pointer, strlen (pointer));
      pf_json_pointer_append_index (service_pointer, i);

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_autofree char *got = pf_loader_describe (loader, service_pointer->str);

          return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID,
                                 service_pointer->str,
                                 "each service must be an object like "
                                 "{\"type\": \"http\", \"port\": 80}, got %s",
                                 got);
        }

      if (!read_service (loader, host, service_pointer->str,
                         json_node_get_object (node)))
        return FALSE;
    }

  return TRUE;
}
