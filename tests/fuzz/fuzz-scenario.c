/* fuzz-scenario.c: the scenario loader on any bytes
 *
 * pf_scenario_load_bytes() must give a scenario or one error line, and
 * nothing else: no crash, no leak, no critical. What it gives is checked
 * against what pf-scenario.h promises.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "pf-fuzz.h"
#include "pf-scenario.h"

#define DISPLAY_NAME "fuzz.pflow.json"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  pf_fuzz_init ();
  return 0;
}

/* "FILE:LINE:COLUMN: what is wrong" or "FILE: what is wrong": one line of
 * valid UTF-8 (it goes to a terminal and into a GTK label), whatever the
 * bytes of the file were. */
static void
check_error (const GError *error)
{
  pf_fuzz_check (error->domain == PF_SCENARIO_ERROR);
  pf_fuzz_check (error->code >= PF_SCENARIO_ERROR_READ && error->code <= PF_SCENARIO_ERROR_INVALID);
  pf_fuzz_check (g_str_has_prefix (error->message, DISPLAY_NAME ":"));
  pf_fuzz_check (strchr (error->message, '\n') == NULL);
  pf_fuzz_check (g_utf8_validate (error->message, -1, NULL));
}

static void
check_host (const PfScenario *scenario,
            const PfHost     *host)
{
  pf_fuzz_check (host->id != NULL && host->name != NULL && host->kind != NULL);
  pf_fuzz_check (host->names != NULL && host->services != NULL);
  pf_fuzz_check (pf_scenario_find_host (scenario, host->id) == host);

  for (guint i = 0; host->names[i] != NULL; i++)
    pf_fuzz_check (pf_scenario_resolve_name (scenario, host->names[i]) == host);

  for (guint i = 0; i < host->services->len; i++)
    {
      const PfService *service = g_ptr_array_index (host->services, i);

      pf_fuzz_check (service->host == host);
      pf_fuzz_check (service->port != 0);
      pf_fuzz_check (pf_host_find_service (host, service->protocol, service->port) == service);
      pf_fuzz_check (pf_protocol_to_string (service->protocol) != NULL);
      pf_fuzz_check (pf_service_type_to_string (service->type) != NULL);
    }
}

static void
check_step (const PfStep *step)
{
  pf_fuzz_check (pf_step_action_to_string (step->action) != NULL);
  pf_fuzz_check (step->narration != NULL);

  switch (step->action)
    {
    case PF_STEP_CONNECT:
      pf_fuzz_check (step->connection != NULL && step->from != NULL && step->port != 0);
      break;
    case PF_STEP_SEND:
    case PF_STEP_UDP:
      pf_fuzz_check (step->data != NULL && step->repeat >= 1);
      pf_fuzz_check (step->repeat <= PF_SCENARIO_MAX_REPEAT);
      pf_fuzz_check ((guint64) g_bytes_get_size (step->data) * step->repeat <= PF_SCENARIO_MAX_STEP_BYTES);
      break;
    case PF_STEP_EXPECT:
      pf_fuzz_check (step->connection != NULL && step->data != NULL);
      break;
    case PF_STEP_CLOSE:
      pf_fuzz_check (step->connection != NULL);
      break;
    case PF_STEP_WAIT:
      pf_fuzz_check (step->milliseconds <= PF_SCENARIO_MAX_WAIT_MS);
      break;
    case PF_STEP_LOOKUP:
    case PF_STEP_START:
    case PF_STEP_STOP:
    default:
      break;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(PfScenario) scenario = NULL;
  g_auto(GStrv) connections = NULL;

  scenario = pf_scenario_load_bytes (bytes, DISPLAY_NAME, &error);
  if (scenario == NULL)
    {
      pf_fuzz_check (error != NULL);
      check_error (error);
      return 0;
    }

  pf_fuzz_check (error == NULL);
  pf_fuzz_check (scenario->title != NULL && scenario->summary != NULL);
  pf_fuzz_check (scenario->hosts->len <= PF_SCENARIO_MAX_HOSTS);
  pf_fuzz_check (scenario->steps->len <= PF_SCENARIO_MAX_STEPS);

  for (guint i = 0; i < scenario->hosts->len; i++)
    check_host (scenario, g_ptr_array_index (scenario->hosts, i));
  for (guint i = 0; i < scenario->steps->len; i++)
    check_step (g_ptr_array_index (scenario->steps, i));

  connections = pf_scenario_get_connection_ids (scenario);
  pf_fuzz_check (connections != NULL);

  /* A second reference outlives the first. */
  pf_scenario_free (pf_scenario_ref (scenario));
  return 0;
}
