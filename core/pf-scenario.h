/* pf-scenario.h: a scenario file, loaded and checked into plain structs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "pf-address.h"

G_BEGIN_DECLS

/* The format is described in docs/scenario-format.md and, for editors,
 * in data/scenario.schema.json. */
#define PF_SCENARIO_FORMAT          "packetflow-scenario"
#define PF_SCENARIO_VERSION         1

#define PF_SCENARIO_MAX_FILE_SIZE   (16 * 1024 * 1024)
#define PF_SCENARIO_MAX_HOSTS       100000
#define PF_SCENARIO_MAX_STEPS       100000
#define PF_SCENARIO_MAX_REPEAT      1000000
#define PF_SCENARIO_MAX_STEP_BYTES  (64 * 1024 * 1024)  /* data × repeat */
#define PF_SCENARIO_MAX_WAIT_MS     60000
#define PF_SCENARIO_MIN_MSS         88     /* what Linux accepts for */
#define PF_SCENARIO_MAX_MSS         32767  /* TCP_MAXSEG */

#define PF_SCENARIO_ERROR (pf_scenario_error_quark ())

/* Every error's message is one line, "FILE:LINE:COLUMN: what is wrong and
 * what was expected" ("FILE: ..." when there is no position). */
typedef enum
{
  PF_SCENARIO_ERROR_READ,     /* cannot read the file, or it is too large */
  PF_SCENARIO_ERROR_SYNTAX,   /* not UTF-8 JSON */
  PF_SCENARIO_ERROR_VERSION,  /* not "packetflow-scenario", or a version we do not read */
  PF_SCENARIO_ERROR_INVALID,  /* JSON, but not a valid scenario */
} PfScenarioError;

/* The values are the IP protocol numbers, as in an IPv4 header. */
typedef enum
{
  PF_PROTOCOL_TCP = 6,
  PF_PROTOCOL_UDP = 17,
} PfProtocol;

typedef enum
{
  PF_SERVICE_ECHO,
  PF_SERVICE_HTTP,
  PF_SERVICE_SMTP,
  PF_SERVICE_SSH_BANNER,
  PF_SERVICE_CHAT,
  PF_SERVICE_DNS,
  PF_SERVICE_SCRIPT,
} PfServiceType;

typedef enum
{
  PF_STEP_CONNECT,
  PF_STEP_SEND,
  PF_STEP_EXPECT,
  PF_STEP_CLOSE,
  PF_STEP_UDP,
  PF_STEP_LOOKUP,
  PF_STEP_START,
  PF_STEP_STOP,
  PF_STEP_WAIT,
} PfStepAction;

typedef enum
{
  PF_SIDE_CLIENT,
  PF_SIDE_SERVER,
} PfSide;

typedef enum
{
  PF_MATCH_EXACT,     /* "data" or "hex": exactly these bytes */
  PF_MATCH_CONTAINS,  /* "contains": bytes that include this text */
} PfMatch;

typedef struct _PfScenario PfScenario;
typedef struct _PfHost     PfHost;
typedef struct _PfLink     PfLink;
typedef struct _PfInterface PfInterface;
typedef struct _PfService  PfService;
typedef struct _PfStep     PfStep;

typedef struct
{
  char   *path;          /* "/", "/about.html" */
  char   *content_type;  /* "text/html; charset=utf-8" unless given */
  GBytes *body;
} PfHttpPage;

typedef struct
{
  char   *name;          /* as written in the host's "names" */
  PfIpv4  address;
} PfDnsRecord;

typedef struct
{
  char   *expect;        /* text to wait for */
  char   *reply;         /* text to send when it has arrived */
} PfScriptLine;

struct _PfService
{
  const PfHost  *host;       /* the host it runs on */
  PfProtocol     protocol;
  guint16        port;
  char          *name;       /* label: "web", "mail"; defaults by type */
  PfServiceType  type;
  gboolean       stopped;    /* starts stopped */
  guint          line;

  GPtrArray     *pages;      /* http: PfHttpPage*, in file order */
  char          *domain;     /* smtp: the name it greets with */
  char          *banner;     /* ssh-banner: the line it sends, no CR LF */
  GPtrArray     *records;    /* dns: PfDnsRecord*, every host's names */
  guint32        ttl;        /* dns: seconds */
  char          *greeting;   /* script: sent on accept, or NULL */
  GPtrArray     *dialogue;   /* script: PfScriptLine*, in order */
};

/* The wire: links and the hosts' interfaces on them.
 *
 * A file with "links" says which network each is (its prefix) and which
 * hosts are on it; a file without them gets one implicit link that every
 * host is on, with every address (network 0.0.0.0/0), as before links
 * existed. Exact mode gives every host a network namespace with one
 * interface per link it is on (eth0, eth1, ... in the order of its
 * interfaces) and Packet Flow carries every frame between them. */

#define PF_LINK_DEFAULT_LATENCY_US 2000   /* 2 ms: each TCP state lasts long enough to read */
#define PF_LINK_MAX_LATENCY_US     5000000

struct _PfInterface
{
  const PfHost  *host;
  const PfLink  *link;
  guint          index;        /* eth<index> on its host */
  guint          port;         /* index among every interface of the
                                * scenario, hosts in file order: the
                                * wire's port number */
  PfIpv4         address;
  guint          prefix_length;/* the link's; 32 on the implicit link */
  guint8         mac[6];       /* 02:50:46:HH:HH:II, locally administered:
                                * host index (16 bits), interface index */
  guint          line;
};

struct _PfLink
{
  char          *id;           /* "home"; "lan" for the implicit link */
  char          *name;         /* display name; defaults to the network, "10.0.0.0/24" */
  PfIpv4         network;      /* host byte order; 0 for the implicit link */
  guint          prefix_length;/* 0..32; 0 for the implicit link */
  guint          latency_us;   /* one way, applied by the wire */
  gboolean       implicit;     /* made for a file without "links" */
  GPtrArray     *interfaces;   /* PfInterface*, not owned: the hosts own them */
  guint          line;
};

struct _PfHost
{
  char          *id;         /* identifier used by steps: "knuth" */
  char          *name;       /* display name: "Knuth (web server)" */
  char          *kind;       /* "laptop", "desktop", "server", "phone", "router" */
  PfIpv4         address;
  GStrv          names;      /* DNS names, never NULL, may be empty */
  gboolean       has_position;
  double         x;          /* fractions 0..1 of the stage */
  double         y;
  GPtrArray     *services;   /* PfService*, never NULL */
  GPtrArray     *interfaces; /* PfInterface*, owned, never empty; the
                              * first one's address is @address */
  gboolean       is_router;  /* kind "router" in a file with links: forwards */
  PfIpv4         gateway;    /* the default route's next hop: the router's
                              * address on the host's first link; 0 for none */
  guint          line;
};

/* One step.  Which fields mean something depends on the action; the
 * others are 0 or NULL.
 *
 *   connect  connection, from, to, to_name, port, source_port, mss,
 *            service (the TCP service at to:port, NULL if the scenario
 *            has none there: the connection will be refused)
 *   send     connection, side, data, repeat
 *   expect   connection, side, data, match
 *   close    connection, side, half_close, reset
 *   udp      connection (NULL unless the step named its socket), from,
 *            to, to_name, port, source_port, data, repeat, service
 *   lookup   from, to_name (the name asked), to (its host, NULL if no
 *            host has that name), host (the DNS server), port, service
 *   start    host, protocol, port, service
 *   stop     host, protocol, port, service
 *   wait     milliseconds
 */
struct _PfStep
{
  PfStepAction      action;
  char             *narration;
  guint             line;         /* of the step's '{' in the file */

  char             *connection;
  const PfHost     *from;
  const PfHost     *to;
  char             *to_name;
  const PfHost     *host;
  const PfService  *service;
  PfProtocol        protocol;
  guint16           port;
  guint16           source_port;  /* 0: the kernel picks one */
  guint             mss;          /* 0: the kernel's default */
  PfSide            side;
  GBytes           *data;
  PfMatch           match;
  guint             repeat;       /* at least 1 for send and udp */
  guint             milliseconds;
  gboolean          half_close;   /* close: "how": "write", shutdown (SHUT_WR) */
  gboolean          refused;      /* connect: nothing listens there then */
  gboolean          reset;        /* close: "how": "reset", SO_LINGER {1, 0}: an RST */
};

struct _PfScenario
{
  char          *filename;   /* as given to the loader, for messages */
  char          *title;
  char          *summary;
  char          *lesson;     /* NULL when the file has none */
  GPtrArray     *hosts;      /* PfHost*, in file order */
  GPtrArray     *steps;      /* PfStep*, in file order */
  GPtrArray     *links;      /* PfLink*, in file order; never empty: one
                              * implicit link for a file without "links" */
  GPtrArray     *interfaces; /* PfInterface*, not owned, by port number */

  /*< private >*/
  gatomicrefcount ref_count;
  GHashTable    *hosts_by_id;
  GHashTable    *hosts_by_name;  /* lower-case DNS name → host */
  GHashTable    *links_by_id;    /* id → PfLink */
  GHashTable    *interfaces_by_address; /* PfIpv4 → PfInterface */
};

GQuark            pf_scenario_error_quark         (void);

PfScenario       *pf_scenario_load_file           (const char        *path,
                                                   GError           **error);
PfScenario       *pf_scenario_load_bytes          (GBytes            *bytes,
                                                   const char        *display_name,
                                                   GError           **error);
PfScenario       *pf_scenario_ref                 (PfScenario        *scenario);
void              pf_scenario_free                (PfScenario        *scenario);

const PfHost     *pf_scenario_find_host           (const PfScenario  *scenario,
                                                   const char        *id);
const PfHost     *pf_scenario_resolve_name        (const PfScenario  *scenario,
                                                   const char        *name);
GStrv             pf_scenario_get_connection_ids  (const PfScenario  *scenario);

const PfLink     *pf_scenario_find_link           (const PfScenario  *scenario,
                                                   const char        *id);
const PfInterface *pf_scenario_find_interface     (const PfScenario  *scenario,
                                                   PfIpv4             address);
gboolean          pf_scenario_has_links           (const PfScenario  *scenario);
const PfInterface *pf_host_get_interface_on       (const PfHost      *host,
                                                   const PfLink      *link);

const PfService  *pf_host_find_service            (const PfHost      *host,
                                                   PfProtocol         protocol,
                                                   guint16            port);

const char       *pf_protocol_to_string           (PfProtocol         protocol);
const char       *pf_service_type_to_string       (PfServiceType      type);
const char       *pf_step_action_to_string        (PfStepAction       action);
const char       *pf_side_to_string               (PfSide             side);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfScenario, pf_scenario_free)

G_END_DECLS
