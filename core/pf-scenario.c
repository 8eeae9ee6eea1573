/* pf-scenario.c: a scenario file, loaded and checked into plain structs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-scenario"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "pf-scenario.h"
#include "pf-scenario-private.h"

#define READ_CHUNK (64 * 1024)

G_DEFINE_QUARK (pf-scenario-error-quark, pf_scenario_error)

/* As the files spell them, in the order of the enums. */
const char * const pf_service_type_names[PF_N_SERVICE_TYPES + 1] = {
  "echo", "http", "smtp", "ssh-banner", "chat", "dns", "script", NULL
};

const char * const pf_step_action_names[PF_N_STEP_ACTIONS + 1] = {
  "connect", "send", "expect", "close", "udp", "lookup", "start", "stop",
  "wait", NULL
};

PfScenario *
pf_scenario_new (const char *filename)
{
  PfScenario *scenario = g_new0 (PfScenario, 1);

  g_atomic_ref_count_init (&scenario->ref_count);

  scenario->filename = g_strdup (filename);
  scenario->hosts = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_host_free);
  scenario->steps = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_step_free);
  scenario->hosts_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  scenario->hosts_by_name = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                   g_free, NULL);
  scenario->links = g_ptr_array_new_with_free_func ((GDestroyNotify) pf_link_free);
  scenario->interfaces = g_ptr_array_new ();
  scenario->links_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  scenario->interfaces_by_address = g_hash_table_new (NULL, NULL);
  return scenario;
}

void
pf_service_free (PfService *service)
{
  if (service == NULL)
    return;

  g_free (service->name);
  g_clear_pointer (&service->pages, g_ptr_array_unref);
  g_free (service->domain);
  g_free (service->banner);
  g_clear_pointer (&service->records, g_ptr_array_unref);
  g_free (service->greeting);
  g_clear_pointer (&service->dialogue, g_ptr_array_unref);
  g_free (service);
}

void
pf_host_free (PfHost *host)
{
  if (host == NULL)
    return;

  g_free (host->id);
  g_free (host->name);
  g_free (host->kind);
  g_strfreev (host->names);
  g_clear_pointer (&host->services, g_ptr_array_unref);
  g_clear_pointer (&host->interfaces, g_ptr_array_unref);
  g_free (host);
}

void
pf_step_free (PfStep *step)
{
  if (step == NULL)
    return;

  g_free (step->narration);
  g_free (step->connection);
  g_free (step->to_name);
  g_clear_pointer (&step->data, g_bytes_unref);
  g_free (step);
}

/* A scenario is read-only once loaded, so holders share it: the window
 * keeps it to restart a run while the engine runs it. */
PfScenario *
pf_scenario_ref (PfScenario *scenario)
{
  g_return_val_if_fail (scenario != NULL, NULL);

  g_atomic_ref_count_inc (&scenario->ref_count);
  return scenario;
}

/* Drops a reference; the last one frees the scenario. */
void
pf_scenario_free (PfScenario *scenario)
{
  if (scenario == NULL || !g_atomic_ref_count_dec (&scenario->ref_count))
    return;

  /* the indexes point into the hosts: drop them first */
  g_clear_pointer (&scenario->hosts_by_id, g_hash_table_unref);
  g_clear_pointer (&scenario->hosts_by_name, g_hash_table_unref);
  g_clear_pointer (&scenario->links_by_id, g_hash_table_unref);
  g_clear_pointer (&scenario->interfaces_by_address, g_hash_table_unref);
  g_clear_pointer (&scenario->interfaces, g_ptr_array_unref);
  g_clear_pointer (&scenario->steps, g_ptr_array_unref);
  g_clear_pointer (&scenario->hosts, g_ptr_array_unref);
  g_clear_pointer (&scenario->links, g_ptr_array_unref);
  g_free (scenario->filename);
  g_free (scenario->title);
  g_free (scenario->summary);
  g_free (scenario->lesson);
  g_free (scenario);
}

static gboolean
fail_read (const char  *path,
           int          saved_errno,
           GError     **error)
{
  g_set_error (error, PF_SCENARIO_ERROR, PF_SCENARIO_ERROR_READ,
               "%s: cannot read: %s", path, g_strerror (saved_errno));
  return FALSE;
}

/* Reads at most PF_SCENARIO_MAX_FILE_SIZE + 1 bytes, so that a huge file
 * (or /dev/zero) is refused without being read whole. */
static GBytes *
read_file (const char  *path,
           GError     **error)
{
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  gsize length = 0;
  int fd;

  /* O_NONBLOCK: opening a FIFO nobody writes to would otherwise wait
   * for a writer for ever (and freeze the window); reads block again. */
  fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
  if (fd < 0)
    {
      fail_read (path, errno, error);
      return NULL;
    }
  fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK);

  for (;;)
    {
      gssize n;

      g_byte_array_set_size (buffer, length + READ_CHUNK);
      n = read (fd, buffer->data + length, READ_CHUNK);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_close (fd, NULL);
          fail_read (path, saved_errno, error);
          return NULL;
        }
      if (n == 0)
        break;

      length += n;
      if (length > PF_SCENARIO_MAX_FILE_SIZE)
        {
          g_close (fd, NULL);
          g_set_error (error, PF_SCENARIO_ERROR, PF_SCENARIO_ERROR_READ,
                       "%s: the file is larger than 16 MiB, the most a "
                       "scenario can be", path);
          return NULL;
        }
    }

  g_close (fd, NULL);
  g_byte_array_set_size (buffer, length);
  return g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
}

/**
 * pf_scenario_load_file:
 * @path: the file to read; messages name it as given
 * @error: return location for a #PF_SCENARIO_ERROR
 *
 * Reads and checks a scenario.  On error, the message is one line,
 * "FILE:LINE:COLUMN: what is wrong and what was expected".
 *
 * Returns: (transfer full) (nullable): the scenario, or %NULL on error
 */
PfScenario *
pf_scenario_load_file (const char  *path,
                       GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  bytes = read_file (path, error);
  if (bytes == NULL)
    return NULL;

  return pf_loader_load (bytes, path, error);
}

/**
 * pf_scenario_load_bytes:
 * @bytes: the file's contents
 * @display_name: (nullable): the name messages use, like "web.pflow.json"
 * @error: return location for a #PF_SCENARIO_ERROR
 *
 * Like pf_scenario_load_file(), for a file already in memory (a GResource,
 * a test).
 *
 * Returns: (transfer full) (nullable): the scenario, or %NULL on error
 */
PfScenario *
pf_scenario_load_bytes (GBytes      *bytes,
                        const char  *display_name,
                        GError     **error)
{
  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (display_name == NULL)
    display_name = "<data>";

  if (g_bytes_get_size (bytes) > PF_SCENARIO_MAX_FILE_SIZE)
    {
      g_set_error (error, PF_SCENARIO_ERROR, PF_SCENARIO_ERROR_READ,
                   "%s: the file is larger than 16 MiB, the most a "
                   "scenario can be", display_name);
      return NULL;
    }

  return pf_loader_load (bytes, display_name, error);
}

/* The host whose "id" is @id, or NULL. */
const PfHost *
pf_scenario_find_host (const PfScenario *scenario,
                       const char       *id)
{
  g_return_val_if_fail (scenario != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  return g_hash_table_lookup (scenario->hosts_by_id, id);
}

/* The host that carries the DNS name @name (compared without regard to
 * case, as DNS does), or NULL. */
const PfHost *
pf_scenario_resolve_name (const PfScenario *scenario,
                          const char       *name)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (scenario != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  key = g_ascii_strdown (name, -1);
  return g_hash_table_lookup (scenario->hosts_by_name, key);
}

/**
 * pf_scenario_get_connection_ids:
 * @scenario: a scenario
 *
 * The ids of the TCP connections ("connect" steps) and of the named UDP
 * sockets ("udp" steps with an "id"), in the order they first appear.
 *
 * Returns: (transfer full): a %NULL-terminated array; free with g_strfreev()
 */
GStrv
pf_scenario_get_connection_ids (const PfScenario *scenario)
{
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;

  g_return_val_if_fail (scenario != NULL, NULL);

  seen = g_hash_table_new (g_str_hash, g_str_equal);
  builder = g_strv_builder_new ();

  for (guint i = 0; i < scenario->steps->len; i++)
    {
      const PfStep *step = g_ptr_array_index (scenario->steps, i);

      if ((step->action == PF_STEP_CONNECT || step->action == PF_STEP_UDP) &&
          step->connection != NULL &&
          g_hash_table_add (seen, step->connection))
        g_strv_builder_add (builder, step->connection);
    }

  return g_strv_builder_end (builder);
}

/* The link whose "id" is @id ("lan" for the implicit link), or NULL. */
const PfLink *
pf_scenario_find_link (const PfScenario *scenario,
                       const char       *id)
{
  g_return_val_if_fail (scenario != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  return g_hash_table_lookup (scenario->links_by_id, id);
}

/* The interface, of any host, that has @address, or NULL. */
const PfInterface *
pf_scenario_find_interface (const PfScenario *scenario,
                            PfIpv4            address)
{
  g_return_val_if_fail (scenario != NULL, NULL);

  return g_hash_table_lookup (scenario->interfaces_by_address,
                              GUINT_TO_POINTER (address));
}

/* Whether the file has "links"; FALSE for the implicit link of a file
 * without them. */
gboolean
pf_scenario_has_links (const PfScenario *scenario)
{
  const PfLink *first;

  g_return_val_if_fail (scenario != NULL, FALSE);

  if (scenario->links->len == 0)
    return FALSE;
  first = g_ptr_array_index (scenario->links, 0);
  return !first->implicit;
}

/* @host's interface on @link, or NULL if it is not on it. */
const PfInterface *
pf_host_get_interface_on (const PfHost *host,
                          const PfLink *link)
{
  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (link != NULL, NULL);

  for (guint i = 0; i < host->interfaces->len; i++)
    {
      const PfInterface *interface = g_ptr_array_index (host->interfaces, i);

      if (interface->link == link)
        return interface;
    }

  return NULL;
}

/* The service listening on @host at @protocol / @port, or NULL. */
const PfService *
pf_host_find_service (const PfHost *host,
                      PfProtocol    protocol,
                      guint16       port)
{
  g_return_val_if_fail (host != NULL, NULL);

  for (guint i = 0; i < host->services->len; i++)
    {
      const PfService *service = g_ptr_array_index (host->services, i);

      if (service->protocol == protocol && service->port == port)
        return service;
    }

  return NULL;
}

const char *
pf_protocol_to_string (PfProtocol protocol)
{
  switch (protocol)
    {
    case PF_PROTOCOL_TCP: return "tcp";
    case PF_PROTOCOL_UDP: return "udp";
    default: g_return_val_if_reached ("unknown");
    }
}

const char *
pf_service_type_to_string (PfServiceType type)
{
  g_return_val_if_fail ((guint) type < PF_N_SERVICE_TYPES, "unknown");
  return pf_service_type_names[type];
}

const char *
pf_step_action_to_string (PfStepAction action)
{
  g_return_val_if_fail ((guint) action < PF_N_STEP_ACTIONS, "unknown");
  return pf_step_action_names[action];
}

const char *
pf_side_to_string (PfSide side)
{
  return side == PF_SIDE_SERVER ? "server" : "client";
}
