/* pf-scenario-steps.c: the scenario's steps, and whether they make sense
 * in order (a connection is opened before it is used, a side that has
 * closed sends no more...)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-scenario"

#include "config.h"

#include <string.h>

#include "pf-scenario-private.h"
#include "pf-service-session.h"

#define DNS_PORT 53
#define LISTED_NAMES 6

#define COMMON_STEP_FIELDS "narration", "action"

static const char * const step_fields[PF_N_STEP_ACTIONS][12] = {
  [PF_STEP_CONNECT] = { COMMON_STEP_FIELDS, "id", "from", "to", "port",
                        "source_port", "mss", NULL },
  [PF_STEP_SEND] = { COMMON_STEP_FIELDS, "connection", "side", "data", "hex",
                     "repeat", NULL },
  [PF_STEP_EXPECT] = { COMMON_STEP_FIELDS, "connection", "side", "data",
                       "contains", "hex", "repeat", NULL },
  [PF_STEP_CLOSE] = { COMMON_STEP_FIELDS, "connection", "side", "how", NULL },
  [PF_STEP_UDP] = { COMMON_STEP_FIELDS, "id", "from", "to", "port",
                    "source_port", "data", "hex", "repeat", NULL },
  [PF_STEP_LOOKUP] = { COMMON_STEP_FIELDS, "from", "name", "server", "port", NULL },
  [PF_STEP_START] = { COMMON_STEP_FIELDS, "host", "port", "protocol", NULL },
  [PF_STEP_STOP] = { COMMON_STEP_FIELDS, "host", "port", "protocol", NULL },
  [PF_STEP_WAIT] = { COMMON_STEP_FIELDS, "milliseconds", NULL },
};

static const char * const any_step_fields[] = {
  COMMON_STEP_FIELDS, "id", "from", "to", "port", "source_port", "mss",
  "connection", "side", "data", "contains", "hex", "repeat", "name", "server",
  "host", "protocol", "milliseconds", "how", NULL
};

static const char * const step_whats[PF_N_STEP_ACTIONS] = {
  [PF_STEP_CONNECT] = "a \"connect\" step",
  [PF_STEP_SEND] = "a \"send\" step",
  [PF_STEP_EXPECT] = "an \"expect\" step",
  [PF_STEP_CLOSE] = "a \"close\" step",
  [PF_STEP_UDP] = "a \"udp\" step",
  [PF_STEP_LOOKUP] = "a \"lookup\" step",
  [PF_STEP_START] = "a \"start\" step",
  [PF_STEP_STOP] = "a \"stop\" step",
  [PF_STEP_WAIT] = "a \"wait\" step",
};

static const char * const sides[] = { "client", "server", NULL };
static const char * const protocols[] = { "tcp", "udp", NULL };
static const char * const hows[] = { "both", "write", "reset", NULL };

static const char connection_expected[] =
  "a connection id like \"c1\" (the \"id\" of a \"connect\" step)";

/* Why a side of a connection is closed (the engine's programs close
 * their end as soon as the other end has closed). */
typedef enum
{
  CLOSED_BY_STEP,   /* a "close" step of that side */
  CLOSED_BY_PEER,   /* the other side closed (or shut down its sending) */
  CLOSED_BY_SERVICE, /* the service closes after its answer (HTTP
                      * "Connection: close", SMTP QUIT...) */
} ClosedWhy;

/* A TCP connection ("connect") or a named UDP socket ("udp") so far. */
typedef struct
{
  gboolean         udp;
  guint            line;            /* of the step that opened it */
  const PfHost    *from;
  const PfService *service;         /* what listens there, or NULL */
  guint            closed_line[2];  /* by PfSide; 0 while open */
  ClosedWhy        closed_why[2];
  guint            shut_line[2];    /* "how": "write" by that side; 0 if not */
  gboolean         refused;         /* nothing listens there when it connects */
  guint            reset_line;      /* "how": "reset"; 0 if not */
  PfSide           reset_side;
  PfServiceSession *session;        /* the service's, fed what the client sends */
} Connection;

static void
connection_free (gpointer data)
{
  Connection *connection = data;

  g_clear_pointer (&connection->session, pf_service_session_free);
  g_free (connection);
}

typedef struct
{
  gboolean       stopped;
  guint          line;            /* of the step that last changed it */
} ServiceState;

typedef struct
{
  PfLoader      *loader;
  PfScenario    *scenario;
  JsonArray     *steps;
  GHashTable    *connections;     /* id → Connection */
  GHashTable    *openers;         /* id → index + 1 of its first opening step */
  GHashTable    *services;        /* PfService → ServiceState */
} StepReader;

static char *
list_words (const char * const *words)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; words[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      if (i == LISTED_NAMES)
        {
          g_string_append (out, "…");
          break;
        }
      g_string_append (out, words[i]);
    }

  return g_string_free (out, FALSE);
}

static GStrv
host_ids (PfScenario *scenario)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < scenario->hosts->len; i++)
    g_strv_builder_add (builder, ((PfHost *) g_ptr_array_index (scenario->hosts, i))->id);

  return g_strv_builder_end (builder);
}

static GStrv
host_names (PfScenario *scenario)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < scenario->hosts->len; i++)
    g_strv_builder_addv (builder,
                         (const char **) ((PfHost *) g_ptr_array_index (scenario->hosts, i))->names);

  return g_strv_builder_end (builder);
}

static gboolean
fail_member (StepReader           *reader,
             const PfLoaderObject *object,
             const char           *member,
             const char           *message)
{
  g_autofree char *pointer = pf_loader_member_pointer (object, member);

  return pf_loader_fail (reader->loader, PF_SCENARIO_ERROR_INVALID, pointer,
                         "%s", message);
}

/* @member names a host by its id. */
static gboolean
get_host (StepReader           *reader,
          const PfLoaderObject *object,
          const char           *member,
          const PfHost        **out_host)
{
  g_autofree char *id = NULL;
  g_autofree char *message = NULL;
  g_autofree char *quoted = NULL;
  g_auto(GStrv) ids = NULL;
  g_autofree char *closest = NULL;
  const PfHost *host;

  if (!pf_loader_get_text (reader->loader, object, member,
                           "a host id like \"laptop\"", TRUE, TRUE, &id))
    return FALSE;

  host = pf_scenario_find_host (reader->scenario, id);
  if (host != NULL)
    {
      *out_host = host;
      return TRUE;
    }

  quoted = pf_loader_quote (id);
  host = pf_scenario_resolve_name (reader->scenario, id);
  ids = host_ids (reader->scenario);
  closest = pf_closest_word (id, (const char * const *) ids);

  if (host != NULL)
    message = g_strdup_printf ("\"%s\" must be a host id; %s is a DNS name "
                               "of host \"%s\", so write \"%s\"",
                               member, quoted, host->id, host->id);
  else if (closest != NULL)
    message = g_strdup_printf ("unknown host %s in \"%s\"; did you mean "
                               "\"%s\"?", quoted, member, closest);
  else
    {
      g_autofree char *all = list_words ((const char * const *) ids);

      message = g_strdup_printf ("unknown host %s in \"%s\"; the hosts are: %s",
                                 quoted, member, all);
    }

  return fail_member (reader, object, member, message);
}

/* "to" names a host by its id or by one of its DNS names. */
static gboolean
get_destination (StepReader           *reader,
                 const PfLoaderObject *object,
                 PfStep               *step)
{
  g_autofree char *to = NULL;
  g_autofree char *message = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *closest = NULL;
  g_auto(GStrv) ids = NULL;
  g_auto(GStrv) names = NULL;
  g_autofree char *all_ids = NULL;
  g_autofree char *all_names = NULL;

  if (!pf_loader_get_text (reader->loader, object, "to",
                           "a host id like \"knuth\" or a DNS name like "
                           "\"knuth.luther.edu\"", TRUE, TRUE, &to))
    return FALSE;

  step->to = pf_scenario_find_host (reader->scenario, to);
  if (step->to != NULL)
    return TRUE;

  step->to = pf_scenario_resolve_name (reader->scenario, to);
  if (step->to != NULL)
    {
      step->to_name = g_steal_pointer (&to);
      return TRUE;
    }

  quoted = pf_loader_quote (to);
  ids = host_ids (reader->scenario);
  names = host_names (reader->scenario);
  closest = pf_closest_word (to, (const char * const *) ids);
  if (closest == NULL)
    closest = pf_closest_word (to, (const char * const *) names);

  if (closest != NULL)
    message = g_strdup_printf ("unknown host or name %s in \"to\"; did you "
                               "mean \"%s\"?", quoted, closest);
  else
    {
      all_ids = list_words ((const char * const *) ids);
      all_names = list_words ((const char * const *) names);
      message = g_strdup_printf ("unknown host or name %s in \"to\"; "
                                 "expected a host id (%s) or a DNS name (%s)",
                                 quoted, all_ids,
                                 names[0] != NULL ? all_names : "none yet");
    }

  return fail_member (reader, object, "to", message);
}

static GBytes *
parse_hex (const char *text)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  const char *p = text;

  for (;;)
    {
      int high;
      int low;
      guint8 byte;

      while (*p == ' ')
        p++;
      if (*p == '\0')
        break;

      high = g_ascii_xdigit_value (p[0]);
      low = high < 0 ? -1 : g_ascii_xdigit_value (p[1]);
      if (low < 0)
        return NULL;

      byte = (guint8) (high * 16 + low);
      g_byte_array_append (bytes, &byte, 1);
      p += 2;
    }

  if (bytes->len == 0)
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}

/* "data" (text), "contains" (text, for expect) or "hex" (bytes). */
static gboolean
get_payload (StepReader           *reader,
             const PfLoaderObject *object,
             PfStep               *step)
{
  static const char * const members[] = { "data", "contains", "hex" };
  gboolean receive = step->action == PF_STEP_EXPECT;
  const char *first = NULL;
  JsonNode *node;

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      g_autofree char *message = NULL;

      if (json_object_get_member (object->object, members[i]) == NULL)
        continue;
      if (first == NULL)
        {
          first = members[i];
          continue;
        }

      message = g_strdup_printf ("%s takes one of %s, not both \"%s\" and "
                                 "\"%s\"", object->what,
                                 receive ? "\"data\", \"contains\" or \"hex\""
                                         : "\"data\" or \"hex\"",
                                 first, members[i]);
      return fail_member (reader, object, members[i], message);
    }

  if (first == NULL)
    return pf_loader_fail_missing (reader->loader, object, "data",
                                   receive ? "the text the program must "
                                             "receive (or \"contains\" with "
                                             "part of it, or \"hex\" with "
                                             "bytes)"
                                           : "the text to send (or \"hex\" "
                                             "with bytes)");

  node = json_object_get_member (object->object, first);
  if (g_str_equal (first, "hex"))
    {
      const char *expected = "bytes as pairs of hex digits, like "
                             "\"47 45 54 0d 0a\"";

      if (!JSON_NODE_HOLDS_VALUE (node) ||
          json_node_get_value_type (node) != G_TYPE_STRING ||
          (step->data = parse_hex (json_node_get_string (node))) == NULL)
        return pf_loader_fail_value (reader->loader, object, "hex", expected);
      return TRUE;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING ||
      json_node_get_string (node)[0] == '\0')
    return pf_loader_fail_value (reader->loader, object, first,
                                 receive ? "the text the program must receive, "
                                           "not empty"
                                         : "the text to send, not empty");

  step->data = g_bytes_new (json_node_get_string (node),
                            strlen (json_node_get_string (node)));
  step->match = g_str_equal (first, "contains") ? PF_MATCH_CONTAINS : PF_MATCH_EXACT;
  return TRUE;
}

static gboolean
get_repeat (StepReader           *reader,
            const PfLoaderObject *object,
            PfStep               *step)
{
  g_autofree char *expected =
    g_strdup_printf ("a count from 1 to %d", PF_SCENARIO_MAX_REPEAT);
  gint64 repeat = 1;
  gsize size = g_bytes_get_size (step->data);

  if (!pf_loader_get_integer (reader->loader, object, "repeat", expected,
                              1, PF_SCENARIO_MAX_REPEAT, FALSE, &repeat))
    return FALSE;

  if ((guint64) repeat * size > PF_SCENARIO_MAX_STEP_BYTES)
    {
      g_autofree char *message =
        g_strdup_printf ("\"repeat\" %" G_GINT64_FORMAT " times %" G_GSIZE_FORMAT
                         " bytes is more than 64 MiB, the most one step "
                         "sends", repeat, size);

      return fail_member (reader, object, "repeat", message);
    }

  step->repeat = repeat;
  return TRUE;
}

static guint
opener_line (StepReader *reader,
             const char *id)
{
  guint index = GPOINTER_TO_UINT (g_hash_table_lookup (reader->openers, id));
  g_autofree char *pointer = NULL;

  if (index == 0)
    return 0;

  pointer = g_strdup_printf ("/steps/%u", index - 1);
  return pf_loader_line_of (reader->loader, pointer);
}

/* "connection" names a connection opened by an earlier step. */
static gboolean
get_connection (StepReader           *reader,
                const PfLoaderObject *object,
                PfStep               *step,
                Connection          **out_connection)
{
  g_autofree char *message = NULL;
  guint line;

  if (!pf_loader_get_identifier (reader->loader, object, "connection",
                                 connection_expected, TRUE, &step->connection))
    return FALSE;

  *out_connection = g_hash_table_lookup (reader->connections, step->connection);
  if (*out_connection != NULL)
    return TRUE;

  line = opener_line (reader, step->connection);
  if (line != 0)
    message = g_strdup_printf ("connection \"%s\" is used before it is "
                               "opened: its step is at line %u",
                               step->connection, line);
  else
    message = g_strdup_printf ("unknown connection \"%s\"; no \"connect\" "
                               "step opens it", step->connection);

  return fail_member (reader, object, "connection", message);
}

static const char *
other_side (PfSide side)
{
  return pf_side_to_string (side == PF_SIDE_CLIENT ? PF_SIDE_SERVER : PF_SIDE_CLIENT);
}

/* Why @side can no longer do @doing, when the other end's closing (or the
 * web server's "Connection: close") closed it. */
static char *
closed_with_other (PfStep     *step,
                   Connection *connection,
                   const char *doing)
{
  PfSide side = step->side;
  const char *me = pf_side_to_string (side);
  guint line = connection->closed_line[side];

  if (connection->closed_why[side] == CLOSED_BY_SERVICE &&
      connection->service->type == PF_SERVICE_HTTP)
    return g_strdup_printf ("the web server closes connection \"%s\" once it has "
                            "answered the request of line %u (its answer says "
                            "\"Connection: close\"), and the client closes its end "
                            "then too; %s", step->connection, line, doing);
  if (connection->closed_why[side] == CLOSED_BY_SERVICE)
    return g_strdup_printf ("the %s server closes connection \"%s\" once it has "
                            "answered what the client sent at line %u, and the "
                            "client closes its end then too; %s",
                            connection->service->name, step->connection, line, doing);

  return g_strdup_printf ("the %s closed connection \"%s\" at line %u, and the "
                          "%s closes its end then too; %s", other_side (side),
                          step->connection, line, me, doing);
}

/* The connection must still be usable by @step->side. */
static gboolean
check_open (StepReader           *reader,
            const PfLoaderObject *object,
            PfStep               *step,
            Connection           *connection)
{
  g_autofree char *message = NULL;
  const char *side = pf_side_to_string (step->side);
  guint closed = connection->closed_line[step->side];
  guint shut = connection->shut_line[step->side];
  gboolean by_step = closed != 0 && connection->closed_why[step->side] == CLOSED_BY_STEP;

  if (connection->refused)
    message = g_strdup_printf ("connection \"%s\" is refused at line %u (nothing "
                               "listens on that port then); no step can use it",
                               step->connection, connection->line);
  else if (connection->reset_line != 0)
    message = g_strdup_printf ("the %s reset connection \"%s\" at line %u (\"how\": "
                               "\"reset\"); a reset connection is finished, so no "
                               "step can use it", pf_side_to_string (connection->reset_side),
                               step->connection, connection->reset_line);
  else if (connection->udp)
    {
      if (step->action == PF_STEP_EXPECT)
        return TRUE;
      message = g_strdup_printf ("\"%s\" is a UDP socket (line %u); %s is for "
                                 "TCP connections", step->connection,
                                 connection->line, object->what);
    }
  /* Both closed, and not the other because this side did, just then. */
  else if (by_step && connection->closed_line[!step->side] != 0 &&
           connection->closed_line[!step->side] != closed)
    message = g_strdup_printf ("connection \"%s\" was closed by both sides "
                               "(lines %u and %u); nothing can use it any more",
                               step->connection,
                               MIN (connection->closed_line[0], connection->closed_line[1]),
                               MAX (connection->closed_line[0], connection->closed_line[1]));
  else if (by_step && step->action == PF_STEP_CLOSE)
    message = g_strdup_printf ("the %s already closed connection \"%s\" at "
                               "line %u", side, step->connection, closed);
  else if (by_step)
    message = g_strdup_printf ("the %s closed connection \"%s\" at line %u; "
                               "it can no longer %s", side, step->connection,
                               closed,
                               step->action == PF_STEP_SEND ? "send" : "receive");
  /* Closed with the other end: what came before the end can still be read. */
  else if (closed != 0 && step->action == PF_STEP_SEND)
    message = closed_with_other (step, connection, "it can no longer send");
  /* The other end closed first and this side's program closes in a step
   * of its own: until then it waits, in CLOSE_WAIT. */
  else if (closed != 0 && step->action == PF_STEP_CLOSE &&
           connection->closed_why[step->side] == CLOSED_BY_PEER)
    {
      connection->closed_line[step->side] = step->line;
      connection->closed_why[step->side] = CLOSED_BY_STEP;
      return TRUE;
    }
  else if (closed != 0 && step->action == PF_STEP_CLOSE)
    message = closed_with_other (step, connection,
                                 "this \"close\" would do nothing, so leave it out");
  else if (shut != 0 && step->action == PF_STEP_SEND)
    message = g_strdup_printf ("the %s shut down its sending side of connection "
                               "\"%s\" at line %u (\"how\": \"write\"); it can "
                               "no longer send, only receive", side,
                               step->connection, shut);
  else
    return TRUE;

  return fail_member (reader, object, "connection", message);
}

/* Does the service close the connection once it has answered what
 * @step sends? The loader asks the service's own session (the one the
 * engine runs), so --check and the run agree: the web server after
 * "Connection: close", HTTP/1.0 or a bad request, SMTP after QUIT. */
static gboolean
service_closes (Connection   *connection,
                const PfStep *step)
{
  if (connection->session == NULL)
    return FALSE;

  for (guint i = 0; i < step->repeat; i++)
    {
      g_auto(PfServiceReply) reply = { 0 };

      pf_service_session_receive_bytes (connection->session, step->data, &reply);
      if (reply.close)
        return TRUE;
    }

  return FALSE;
}

static void
close_side (Connection *connection,
            PfSide      side,
            ClosedWhy   why,
            guint       line)
{
  if (connection->closed_line[side] != 0)
    return;
  connection->closed_line[side] = line;
  connection->closed_why[side] = why;
}

static gboolean
read_close (StepReader           *reader,
            const PfLoaderObject *object,
            PfStep               *step,
            Connection           *connection)
{
  guint how = 0;
  PfSide other = step->side == PF_SIDE_CLIENT ? PF_SIDE_SERVER : PF_SIDE_CLIENT;

  if (!pf_loader_get_choice (reader->loader, object, "how", hows, FALSE, &how))
    return FALSE;

  step->half_close = how == 1;
  step->reset = how == 2;
  if (step->reset && connection->closed_line[other] != 0)
    {
      g_autofree char *message =
        g_strdup_printf ("the %s already closed its end of connection \"%s\" at "
                         "line %u, so a reset would reach no program; a plain "
                         "\"close\" closes the rest", pf_side_to_string (other),
                         step->connection, connection->closed_line[other]);

      return fail_member (reader, object, "how", message);
    }
  if (step->reset)
    {
      /* Both ends are done at once: the other end's program reads the
       * reset (ECONNRESET) and its kernel forgets the connection. */
      connection->reset_line = step->line;
      connection->reset_side = step->side;
    }
  if (step->half_close && connection->shut_line[step->side] != 0)
    {
      g_autofree char *message =
        g_strdup_printf ("the %s already shut down its sending side of connection "
                         "\"%s\" at line %u; a plain \"close\" closes the rest",
                         pf_side_to_string (step->side), step->connection,
                         connection->shut_line[step->side]);

      return fail_member (reader, object, "how", message);
    }

  /* The program at the other end sees the end of the stream and closes
   * its end at once: the engine's services and clients all do. */
  close_side (connection, other, CLOSED_BY_PEER, step->line);
  if (step->half_close)
    connection->shut_line[step->side] = step->line;
  else
    close_side (connection, step->side, CLOSED_BY_STEP, step->line);
  return TRUE;
}

static gboolean
read_expect_repeat (StepReader           *reader,
                    const PfLoaderObject *object,
                    PfStep               *step,
                    Connection           *connection)
{
  g_autofree char *message = NULL;

  if (!get_repeat (reader, object, step))
    return FALSE;
  if (connection->udp || json_object_get_member (object->object, "repeat") == NULL)
    return TRUE;

  message = g_strdup_printf ("\"repeat\" in an \"expect\" step is for UDP sockets, "
                             "where it expects that many datagrams; TCP connection "
                             "\"%s\" carries a stream of bytes, so write all of them "
                             "in \"data\"", step->connection);
  return fail_member (reader, object, "repeat", message);
}

static gboolean
read_use (StepReader           *reader,
          const PfLoaderObject *object,
          PfStep               *step)
{
  Connection *connection;
  guint side = PF_SIDE_CLIENT;

  if (!get_connection (reader, object, step, &connection) ||
      !pf_loader_get_choice (reader->loader, object, "side", sides, FALSE, &side))
    return FALSE;

  step->side = side;
  if (!check_open (reader, object, step, connection))
    return FALSE;

  switch (step->action)
    {
    case PF_STEP_SEND:
      if (!get_payload (reader, object, step) ||
          !get_repeat (reader, object, step))
        return FALSE;
      if (side == PF_SIDE_CLIENT && service_closes (connection, step))
        {
          close_side (connection, PF_SIDE_SERVER, CLOSED_BY_SERVICE, step->line);
          close_side (connection, PF_SIDE_CLIENT, CLOSED_BY_SERVICE, step->line);
        }
      return TRUE;
    case PF_STEP_EXPECT:
      return get_payload (reader, object, step) &&
             read_expect_repeat (reader, object, step, connection);
    case PF_STEP_CLOSE:
      return read_close (reader, object, step, connection);
    default:
      g_assert_not_reached ();
    }
}

static gboolean
read_new_id (StepReader           *reader,
             const PfLoaderObject *object,
             PfStep               *step,
             gboolean              required)
{
  Connection *connection;
  g_autofree char *message = NULL;

  if (!pf_loader_get_identifier (reader->loader, object, "id",
                                 "an identifier like \"c1\" that later steps "
                                 "use as \"connection\"", required,
                                 &step->connection))
    return FALSE;
  if (step->connection == NULL)
    return TRUE;

  connection = g_hash_table_lookup (reader->connections, step->connection);
  if (connection == NULL)
    return TRUE;

  if (step->action == PF_STEP_UDP && connection->udp)
    {
      /* another datagram from the same socket */
      if (connection->from != step->from)
        message = g_strdup_printf ("UDP socket \"%s\" belongs to host \"%s\" "
                                   "(line %u); \"from\" must be \"%s\"",
                                   step->connection, connection->from->id,
                                   connection->line, connection->from->id);
      else if (json_object_get_member (object->object, "source_port") != NULL)
        message = g_strdup_printf ("UDP socket \"%s\" got its port at line "
                                   "%u; \"source_port\" goes there only",
                                   step->connection, connection->line);
      else
        return TRUE;
    }
  else
    message = g_strdup_printf ("duplicate connection id \"%s\"; the step at "
                               "line %u uses it already", step->connection,
                               connection->line);

  return fail_member (reader, object, "id", message);
}

static void
add_connection (StepReader *reader,
                PfStep     *step)
{
  Connection *connection;

  if (step->connection == NULL ||
      g_hash_table_contains (reader->connections, step->connection))
    return;

  connection = g_new0 (Connection, 1);
  connection->udp = step->action == PF_STEP_UDP;
  connection->line = step->line;
  connection->from = step->from;
  connection->service = step->service;
  connection->refused = step->refused;
  /* The service's own logic, to know when it hangs up (echo and chat
   * never do, and would copy every byte for nothing). */
  if (!connection->udp && !step->refused && step->service != NULL &&
      step->service->type != PF_SERVICE_ECHO && step->service->type != PF_SERVICE_CHAT)
    connection->session = pf_service_session_new_for (step->service);
  g_hash_table_insert (reader->connections, step->connection, connection);
}

static gboolean
read_connect (StepReader           *reader,
              const PfLoaderObject *object,
              PfStep               *step)
{
  gint64 mss = 0;

  step->protocol = PF_PROTOCOL_TCP;
  if (!read_new_id (reader, object, step, TRUE) ||
      !get_host (reader, object, "from", &step->from) ||
      !get_destination (reader, object, step) ||
      !pf_loader_get_port (reader->loader, object, "port", TRUE, &step->port) ||
      !pf_loader_get_port (reader->loader, object, "source_port", FALSE,
                           &step->source_port) ||
      !pf_loader_get_integer (reader->loader, object, "mss",
                              "a segment size from 88 to 32767 bytes (the "
                              "TCP_MAXSEG socket option)",
                              PF_SCENARIO_MIN_MSS, PF_SCENARIO_MAX_MSS,
                              FALSE, &mss))
    return FALSE;

  step->mss = mss;
  step->service = pf_host_find_service (step->to, PF_PROTOCOL_TCP, step->port);
  if (step->service == NULL)
    step->refused = TRUE;
  else
    {
      ServiceState *state = g_hash_table_lookup (reader->services, step->service);

      /* as start and stop steps before this one left it */
      step->refused = state != NULL ? state->stopped : step->service->stopped;
    }
  add_connection (reader, step);
  return TRUE;
}

static gboolean
read_udp (StepReader           *reader,
          const PfLoaderObject *object,
          PfStep               *step)
{
  step->protocol = PF_PROTOCOL_UDP;
  if (!get_host (reader, object, "from", &step->from) ||
      !read_new_id (reader, object, step, FALSE) ||
      !get_destination (reader, object, step) ||
      !pf_loader_get_port (reader->loader, object, "port", TRUE, &step->port) ||
      !pf_loader_get_port (reader->loader, object, "source_port", FALSE,
                           &step->source_port) ||
      !get_payload (reader, object, step) ||
      !get_repeat (reader, object, step))
    return FALSE;

  step->service = pf_host_find_service (step->to, PF_PROTOCOL_UDP, step->port);
  add_connection (reader, step);
  return TRUE;
}

static gboolean
read_lookup (StepReader           *reader,
             const PfLoaderObject *object,
             PfStep               *step)
{
  const PfService *service;
  g_autofree char *message = NULL;

  step->protocol = PF_PROTOCOL_UDP;
  step->port = DNS_PORT;
  if (!get_host (reader, object, "from", &step->from) ||
      !pf_loader_get_text (reader->loader, object, "name",
                           "a DNS name like knuth.luther.edu", TRUE, TRUE,
                           &step->to_name))
    return FALSE;
  if (!pf_is_dns_name (step->to_name))
    return pf_loader_fail_value (reader->loader, object, "name",
                                 "a DNS name like knuth.luther.edu");
  if (!get_host (reader, object, "server", &step->host) ||
      !pf_loader_get_port (reader->loader, object, "port", FALSE, &step->port))
    return FALSE;

  /* a name no host has is fine: the answer is "no such name" */
  step->to = pf_scenario_resolve_name (reader->scenario, step->to_name);

  service = pf_host_find_service (step->host, PF_PROTOCOL_UDP, step->port);
  if (service == NULL || service->type != PF_SERVICE_DNS)
    {
      message = g_strdup_printf ("host \"%s\" has no \"dns\" service on udp "
                                 "port %u; a \"lookup\" asks a host that runs "
                                 "one", step->host->id, step->port);
      return fail_member (reader, object, "server", message);
    }

  step->service = service;
  return TRUE;
}

static gboolean
read_start_stop (StepReader           *reader,
                 const PfLoaderObject *object,
                 PfStep               *step)
{
  gboolean stop = step->action == PF_STEP_STOP;
  g_autofree char *message = NULL;
  guint protocol = 0;
  ServiceState *state;

  if (!get_host (reader, object, "host", &step->host) ||
      !pf_loader_get_port (reader->loader, object, "port", TRUE, &step->port) ||
      !pf_loader_get_choice (reader->loader, object, "protocol", protocols,
                             FALSE, &protocol))
    return FALSE;

  step->protocol = protocol == 1 ? PF_PROTOCOL_UDP : PF_PROTOCOL_TCP;
  step->service = pf_host_find_service (step->host, step->protocol, step->port);
  if (step->service == NULL)
    {
      message = g_strdup_printf ("host \"%s\" has no %s service on port %u "
                                 "to %s", step->host->id,
                                 pf_protocol_to_string (step->protocol),
                                 step->port, stop ? "stop" : "start");
      return fail_member (reader, object, "port", message);
    }

  state = g_hash_table_lookup (reader->services, step->service);
  if (state == NULL)
    {
      state = g_new0 (ServiceState, 1);
      state->stopped = step->service->stopped;
      g_hash_table_insert (reader->services, (gpointer) step->service, state);
    }

  if (state->stopped == stop)
    {
      g_autofree char *since = state->line != 0
        ? g_strdup_printf ("since line %u", state->line)
        : g_strdup (stop ? "it starts stopped" : "it starts running");

      message = g_strdup_printf ("the %s service on port %u of host \"%s\" "
                                 "is already %s (%s)",
                                 pf_protocol_to_string (step->protocol),
                                 step->port, step->host->id,
                                 stop ? "stopped" : "running", since);
      return fail_member (reader, object, "port", message);
    }

  state->stopped = stop;
  state->line = step->line;
  return TRUE;
}

static gboolean
read_step (StepReader *reader,
           const char *pointer,
           JsonObject *json)
{
  PfLoader *loader = reader->loader;
  PfLoaderObject object = { json, pointer, "a step" };
  PfStep *step;
  guint action = 0;
  gint64 milliseconds = 0;

  step = g_new0 (PfStep, 1);
  step->line = pf_loader_line_of (loader, pointer);
  g_ptr_array_add (reader->scenario->steps, step);

  if (json_object_get_member (json, "action") == NULL &&
      !pf_loader_check_fields (loader, &object, any_step_fields))
    return FALSE;
  if (!pf_loader_get_choice (loader, &object, "action", pf_step_action_names,
                             TRUE, &action))
    return FALSE;

  step->action = action;
  object.what = step_whats[action];
  if (!pf_loader_check_fields (loader, &object, step_fields[action]) ||
      !pf_loader_get_text (loader, &object, "narration",
                           "a sentence that tells what happens", TRUE, TRUE,
                           &step->narration))
    return FALSE;

  switch (step->action)
    {
    case PF_STEP_CONNECT:
      return read_connect (reader, &object, step);
    case PF_STEP_SEND:
    case PF_STEP_EXPECT:
    case PF_STEP_CLOSE:
      return read_use (reader, &object, step);
    case PF_STEP_UDP:
      return read_udp (reader, &object, step);
    case PF_STEP_LOOKUP:
      return read_lookup (reader, &object, step);
    case PF_STEP_START:
    case PF_STEP_STOP:
      return read_start_stop (reader, &object, step);
    case PF_STEP_WAIT:
      if (!pf_loader_get_integer (loader, &object, "milliseconds",
                                  "a time from 1 to 60000 milliseconds",
                                  1, PF_SCENARIO_MAX_WAIT_MS, TRUE,
                                  &milliseconds))
        return FALSE;
      step->milliseconds = milliseconds;
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

static const char *
string_member (JsonObject *object,
               const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Where each id is first opened, to tell "used too early" from "unknown". */
static void
find_openers (StepReader *reader)
{
  for (guint i = 0; i < json_array_get_length (reader->steps); i++)
    {
      JsonNode *node = json_array_get_element (reader->steps, i);
      const char *action;
      const char *id;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;

      action = string_member (json_node_get_object (node), "action");
      id = string_member (json_node_get_object (node), "id");
      if (action != NULL && id != NULL &&
          (g_str_equal (action, "connect") || g_str_equal (action, "udp")) &&
          !g_hash_table_contains (reader->openers, id))
        g_hash_table_insert (reader->openers, (gpointer) id, GUINT_TO_POINTER (i + 1));
    }
}

gboolean
pf_loader_read_steps (PfLoader             *loader,
                      const PfLoaderObject *root)
{
  g_autoptr(GString) pointer = g_string_new ("/steps");
  g_autoptr(GHashTable) connections = NULL;
  g_autoptr(GHashTable) openers = NULL;
  g_autoptr(GHashTable) services = NULL;
  StepReader reader = { loader, loader->scenario, NULL, NULL, NULL, NULL };
  guint n;

  if (!pf_loader_get_array (loader, root, "steps",
                            "an array of steps like [{\"narration\": \"...\", "
                            "\"action\": \"connect\", ...}]", TRUE,
                            &reader.steps))
    return FALSE;

  n = json_array_get_length (reader.steps);
  if (n == 0)
    return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, "/steps",
                           "\"steps\" is empty; a scenario needs at least "
                           "one step");
  if (n > PF_SCENARIO_MAX_STEPS)
    return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, "/steps",
                           "\"steps\" has %u steps; a scenario can have at "
                           "most %d", n, PF_SCENARIO_MAX_STEPS);

  connections = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, connection_free);
  openers = g_hash_table_new (g_str_hash, g_str_equal);
  services = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  reader.connections = connections;
  reader.openers = openers;
  reader.services = services;
  find_openers (&reader);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (reader.steps, i);

      g_string_truncate (pointer, strlen ("/steps"));
      pf_json_pointer_append_index (pointer, i);

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          g_autofree char *got = pf_loader_describe (loader, pointer->str);

          return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, pointer->str,
                                 "each step must be an object like "
                                 "{\"narration\": \"...\", \"action\": "
                                 "\"connect\", ...}, got %s", got);
        }

      if (!read_step (&reader, pointer->str, json_node_get_object (node)))
        return FALSE;
    }

  return TRUE;
}
