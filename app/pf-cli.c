/* pf-cli.c: the command-line runner (no window, no display needed)
 *
 *   packetflow --headless SCENARIO [--mode=auto|exact|loopback] [--trace=FILE|-] [--pcap=FILE|-]
 *              [--trace-payload=excerpt|full|hex|base64]
 *   packetflow --list
 *   packetflow --check FILE
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-cli"

#include "config.h"

#include <glib/gi18n.h>
#include <signal.h>
#include <stdio.h>

#include "pf-builtin.h"
#include "pf-cli.h"
#include "pf-engine.h"
#include "pf-enum.h"
#include "pf-icmp.h"
#include "pf-packet-info.h"
#include "pf-run-export.h"

typedef struct
{
  gboolean   headless;
  gboolean   list;
  char      *check;
  char      *mode;
  char      *trace;
  char      *pcap;
  char      *trace_payload;
  char     **remaining;
} PfCliOptions;

static void
pf_cli_options_clear (PfCliOptions *options)
{
  g_free (options->check);
  g_free (options->mode);
  g_free (options->trace);
  g_free (options->pcap);
  g_free (options->trace_payload);
  g_strfreev (options->remaining);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PfCliOptions, pf_cli_options_clear)

gboolean
pf_cli_wanted (int    argc,
               char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--"))
        break;
      if (g_str_equal (argv[i], "--headless") || g_str_equal (argv[i], "--list") ||
          g_str_equal (argv[i], "--check") || g_str_has_prefix (argv[i], "--check="))
        return TRUE;
    }

  return FALSE;
}

static int
pf_cli_list (void)
{
  g_autoptr(GPtrArray) names = pf_builtin_list ();

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autoptr(PfScenario) scenario = pf_builtin_load (name, NULL);

      printf ("%s\t%s\n", name, scenario ? scenario->title : "");
    }

  return PF_EXIT_OK;
}

static int
pf_cli_check (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfScenario) scenario = pf_builtin_load_path_or_name (path, &error);

  if (scenario == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return PF_EXIT_BAD_INPUT;
    }

  fprintf (stderr, "%s: OK: “%s”, %u hosts, %u steps\n", path, scenario->title,
           scenario->hosts->len, scenario->steps->len);
  return PF_EXIT_OK;
}

static void
print_hosts (PfEngine *engine)
{
  const PfScenario *scenario = pf_engine_get_scenario (engine);
  PfNetspace *netspace = pf_engine_get_netspace (engine);

  fprintf (stderr, "hosts:\n");
  for (guint i = 0; i < scenario->hosts->len; i++)
    {
      const PfHost *host = g_ptr_array_index (scenario->hosts, i);
      g_autoptr(GString) line = g_string_new (NULL);
      char address[PF_IPV4_STRLEN];
      PfIpv4 real = pf_netspace_map_address (netspace, host->address);

      pf_ipv4_format (host->address, address);
      g_string_append_printf (line, "  %-10s %-15s", host->id, address);
      if (real != host->address)
        {
          char mapped[PF_IPV4_STRLEN];

          pf_ipv4_format (real, mapped);
          g_string_append_printf (line, " (here %s)", mapped);
        }
      for (guint j = 0; host->names[j] != NULL; j++)
        g_string_append_printf (line, " %s", host->names[j]);
      for (guint j = 0; j < host->services->len; j++)
        {
          const PfService *service = g_ptr_array_index (host->services, j);
          guint16 port = pf_netspace_map_port (netspace, service->port);

          g_string_append_printf (line, "%s %s/%u %s", j == 0 ? "  listens:" : ",",
                                  pf_protocol_to_string (service->protocol), service->port,
                                  service->name);
          if (port != service->port)
            g_string_append_printf (line, " (here %u)", port);
        }
      fprintf (stderr, "%s\n", line->str);
    }
}

/* "ICMP Destination unreachable (Port unreachable) from 10.0.0.7 about
 * UDP 10.0.0.2:40000 → 10.0.0.7:9", "ARP 10.0.0.1 is at 02:50:46:00:01:00" */
static char *
describe_other (const PfPacket *packet)
{
  g_autofree char *src = pf_ipv4_to_string (packet->src);
  g_autofree char *info = pf_packet_describe (packet);
  g_autofree char *quote = NULL;
  PfIcmpMessage icmp;

  /* "ARP Who has 10.0.0.1? Tell 10.0.0.2": the words name the sender. */
  if (pf_packet_get_kind (packet) == PF_PACKET_KIND_ARP)
    return g_strdup_printf ("ARP %s", info);
  if (!pf_icmp_decode (packet, &icmp))
    return g_strdup_printf ("%s from %s", info, src);
  quote = pf_icmp_describe_quote (&icmp);
  if (quote == NULL)
    return g_strdup_printf ("ICMP %s from %s", info, src);
  return g_strdup_printf ("ICMP %s from %s about %s", info, src, quote);
}

static void
print_connections (PfEngine *engine)
{
  PfTimeline *timeline = pf_engine_get_timeline (engine);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (pf_four_tuple_hash, pf_four_tuple_equal,
                                                      g_free, NULL);
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func (g_free);
  guint captured = 0, modelled = 0;

  for (guint i = 0; i < pf_timeline_get_n_events (timeline); i++)
    {
      PfEvent *event = pf_timeline_get_event (timeline, i);
      PfPacket *packet = pf_event_get_packet (event);
      PfFourTuple tuple;
      PfFourTuple reversed;
      PfFourTuple *key;
      guint count;

      if (packet == NULL)
        continue;

      if (packet->origin == PF_PACKET_ORIGIN_CAPTURED)
        captured++;
      else
        modelled++;

      /* ICMP and the rest belong to no connection: said as what they are. */
      if (packet->protocol != PF_IP_PROTOCOL_TCP && packet->protocol != PF_IP_PROTOCOL_UDP)
        {
          g_ptr_array_add (others, describe_other (packet));
          continue;
        }

      /* Count both directions under the tuple of the first segment. */
      tuple = pf_packet_get_four_tuple (packet);
      reversed = pf_four_tuple_reversed (&tuple);
      if (g_hash_table_lookup_extended (seen, &reversed, (gpointer *) &key, NULL))
        ;
      else if (!g_hash_table_lookup_extended (seen, &tuple, (gpointer *) &key, NULL))
        {
          key = g_memdup2 (&tuple, sizeof tuple);
          g_hash_table_insert (seen, key, GUINT_TO_POINTER (0));
          g_ptr_array_add (order, key);
        }
      count = GPOINTER_TO_UINT (g_hash_table_lookup (seen, key));
      g_hash_table_insert (seen, g_memdup2 (key, sizeof *key), GUINT_TO_POINTER (count + 1));
    }

  fprintf (stderr, "connections (source → destination of the first segment):\n");
  for (guint i = 0; i < order->len; i++)
    {
      PfFourTuple *tuple = g_ptr_array_index (order, i);
      g_autofree char *text = pf_four_tuple_to_string (tuple);
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (seen, tuple));

      fprintf (stderr, "  %s  %u %s\n", text, count, count == 1 ? "segment" : "segments");
    }
  if (others->len > 0)
    fprintf (stderr, "other packets:\n");
  for (guint i = 0; i < others->len; i++)
    fprintf (stderr, "  %s\n", (const char *) g_ptr_array_index (others, i));
  fprintf (stderr, "segments: %u captured, %u modelled\n", captured, modelled);
}

/* The output files are opened before the run, so a path that cannot be
 * written is reported at once, and written when it has ended. */
typedef struct
{
  PfTraceWriter *trace;
  PfPcapWriter  *pcap;
} PfCliOutputs;

static void
pf_cli_outputs_clear (PfCliOutputs *outputs)
{
  g_clear_pointer (&outputs->trace, pf_trace_writer_free);
  g_clear_object (&outputs->pcap);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PfCliOutputs, pf_cli_outputs_clear)

static gboolean
open_outputs (PfCliOutputs    *outputs,
              const char      *trace_path,
              PfTracePayload   trace_payload,
              const char      *pcap_path,
              GError         **error)
{
  if (trace_path != NULL && (outputs->trace = pf_trace_writer_new (trace_path, error)) == NULL)
    return FALSE;
  if (outputs->trace != NULL)
    pf_trace_writer_set_payload (outputs->trace, trace_payload);
  if (pcap_path != NULL && (outputs->pcap = pf_pcap_writer_new (pcap_path, error)) == NULL)
    return FALSE;
  return TRUE;
}

static gboolean
write_outputs (PfCliOutputs  *outputs,
               PfEngine      *engine,
               gint64         start_wall,
               GError       **error)
{
  PfTimeline *timeline = pf_engine_get_timeline (engine);

  return pf_run_export_write (timeline, pf_timeline_get_n_events (timeline), start_wall,
                              outputs->trace, outputs->pcap, error);
}

static int
pf_cli_headless (const char     *name,
                 PfNetspaceMode  mode,
                 const char     *trace_path,
                 PfTracePayload  trace_payload,
                 const char     *pcap_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PfScenario) scenario = NULL;
  g_autoptr(PfEngine) engine = NULL;
  g_auto(PfCliOutputs) outputs = { 0 };
  PfNetspace *netspace;
  gint64 start_wall;
  gboolean ran;

  scenario = pf_builtin_load_path_or_name (name, &error);
  if (scenario == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return PF_EXIT_BAD_INPUT;
    }

  /* A file that may not grow (ulimit -f) must fail the write with a
   * sentence naming it, not kill the process with SIGXFSZ. */
  signal (SIGXFSZ, SIG_IGN);

  if (!open_outputs (&outputs, trace_path, trace_payload, pcap_path, &error))
    {
      fprintf (stderr, "packetflow: %s\n", error->message);
      return PF_EXIT_BAD_INPUT;
    }

  fprintf (stderr, "Packet Flow: %s\n", scenario->title);
  engine = pf_engine_new (g_steal_pointer (&scenario), mode);
  start_wall = g_get_real_time ();
  if (!pf_engine_start (engine, &error))
    {
      fprintf (stderr, "packetflow: %s\n", error->message);
      return PF_EXIT_ENVIRONMENT;
    }

  netspace = pf_engine_get_netspace (engine);
  fprintf (stderr, "mode: %s\n", pf_netspace_get_description (netspace));
  if (pf_engine_get_fallback_reason (engine) != NULL)
    fprintf (stderr, "why: %s\n", pf_engine_get_fallback_reason (engine));

  print_hosts (engine);
  ran = pf_engine_run (engine, &error);
  pf_engine_stop (engine);
  print_connections (engine);

  {
    g_autoptr(GError) write_error = NULL;

    if (!write_outputs (&outputs, engine, start_wall, &write_error))
      {
        fprintf (stderr, "packetflow: %s\n", write_error->message);
        return PF_EXIT_ENVIRONMENT;
      }
  }

  if (!ran)
    {
      fprintf (stderr, "packetflow: %s\n", error->message);
      return g_error_matches (error, PF_ENGINE_ERROR, PF_ENGINE_ERROR_LOST)
             ? PF_EXIT_ENVIRONMENT : PF_EXIT_EXPECTATION;
    }

  if (pf_engine_get_n_failures (engine) > 0)
    {
      PfTimeline *timeline = pf_engine_get_timeline (engine);

      for (guint i = 0; i < pf_timeline_get_n_events (timeline); i++)
        {
          PfEvent *event = pf_timeline_get_event (timeline, i);

          if (pf_event_get_kind (event) == PF_EVENT_ERROR &&
              pf_event_get_error_code (event) != PF_EVENT_ERROR_CODE_ECONNREFUSED)
            fprintf (stderr, "failed: %s\n", pf_event_get_message (event));
        }
      fprintf (stderr, "result: %u expectation(s) failed\n", pf_engine_get_n_failures (engine));
      return PF_EXIT_EXPECTATION;
    }

  fprintf (stderr, "result: ran as written\n");
  return PF_EXIT_OK;
}

int
pf_cli_main (int    argc,
             char **argv)
{
  g_auto(PfCliOptions) options = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  PfNetspaceMode mode = PF_NETSPACE_MODE_AUTO;
  int trace_payload = PF_TRACE_PAYLOAD_EXCERPT;
  const GOptionEntry entries[] = {
    { "headless", 0, 0, G_OPTION_ARG_NONE, &options.headless,
      N_("Run every step of SCENARIO without a window"), NULL },
    { "mode", 0, 0, G_OPTION_ARG_STRING, &options.mode,
      N_("Where the sockets live: auto, exact or loopback"), N_("MODE") },
    { "trace", 0, 0, G_OPTION_ARG_FILENAME, &options.trace,
      N_("Write every event as JSON Lines to FILE (- for standard output)"), N_("FILE") },
    { "pcap", 0, 0, G_OPTION_ARG_FILENAME, &options.pcap,
      N_("Write every segment to FILE in pcap format (- for standard output)"), N_("FILE") },
    { "trace-payload", 0, 0, G_OPTION_ARG_STRING, &options.trace_payload,
      N_("How much of each payload the trace holds: excerpt, full, hex or base64"), N_("HOW") },
    { "list", 0, 0, G_OPTION_ARG_NONE, &options.list,
      N_("List the built-in scenarios"), NULL },
    { "check", 0, 0, G_OPTION_ARG_FILENAME, &options.check,
      N_("Check a scenario file and run nothing"), N_("FILE") },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &options.remaining,
      NULL, N_("SCENARIO") },
    { NULL }
  };

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                _("SCENARIO is a scenario file or the name of a built-in scenario.\n"
                                  "Exit status: 0 ran as written, 1 an expectation failed, "
                                  "2 bad input, 3 the environment refused."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "packetflow: %s\n", error->message);
      return PF_EXIT_BAD_INPUT;
    }

  if (options.mode != NULL && !pf_netspace_mode_from_string (options.mode, &mode))
    {
      fprintf (stderr, "packetflow: --mode must be auto, exact or loopback, not “%s”\n",
               options.mode);
      return PF_EXIT_BAD_INPUT;
    }

  if (options.trace_payload != NULL &&
      !pf_enum_from_nick (PF_TYPE_TRACE_PAYLOAD, options.trace_payload, &trace_payload))
    {
      fprintf (stderr, "packetflow: --trace-payload must be excerpt, full, hex or base64, not “%s”\n",
               options.trace_payload);
      return PF_EXIT_BAD_INPUT;
    }

  /* Two streams cannot share one standard output. */
  if (g_strcmp0 (options.trace, "-") == 0 && g_strcmp0 (options.pcap, "-") == 0)
    {
      fprintf (stderr, "packetflow: --trace=- and --pcap=- cannot both write to standard output; "
                       "send one of them to a file\n");
      return PF_EXIT_BAD_INPUT;
    }

  if (options.list)
    return pf_cli_list ();

  if (options.check != NULL)
    return pf_cli_check (options.check);

  if (options.remaining == NULL || g_strv_length (options.remaining) != 1)
    {
      fprintf (stderr, "packetflow: --headless needs exactly one SCENARIO (see packetflow --list)\n");
      return PF_EXIT_BAD_INPUT;
    }

  return pf_cli_headless (options.remaining[0], mode, options.trace,
                          (PfTracePayload) trace_payload, options.pcap);
}
