/* pf-service-session.h: what a built-in TCP service says, bytes in, bytes out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "pf-scenario.h"

G_BEGIN_DECLS

/* One PfServiceSession per accepted TCP connection. It holds the protocol
 * logic only: no socket, no main loop. The engine hands it what the socket
 * read, in whatever pieces the kernel delivered, and writes back what it
 * answers. The answer depends on the bytes only, never on how they were
 * split: one byte at a time or all at once gives the same output.
 *
 * The kinds are the scenario's PfServiceType, DNS excepted (UDP: see
 * pf-dns.h). */
typedef struct _PfServiceSession PfServiceSession;

/* What the session wants done after a read.
 *
 * to_sender: bytes for the connection that sent the data, or NULL.
 * to_others: bytes for every other connection to the same service (chat),
 *            or NULL. Never an empty GBytes: NULL means nothing to send.
 * close:     once to_sender is written, the server closes the connection.
 *
 * Start from an empty reply ({ 0 }, or one given to
 * pf_service_reply_clear()); g_auto (PfServiceReply) clears it. */
typedef struct
{
  GBytes   *to_sender;
  GBytes   *to_others;
  gboolean  close;
} PfServiceReply;

/* A message the SMTP service accepted. */
typedef struct
{
  char    *reverse_path;   /* MAIL FROM:<...>, without the brackets;
                            * "" for the null path <> */
  GStrv    forward_paths;  /* RCPT TO:<...>, in order, at least one */
  GBytes  *content;        /* headers and body, lines ending in CR LF,
                            * dots unstuffed, the final "." line removed */
} PfSmtpMessage;

/* Limits. Beyond them the service answers as a real server would. */
#define PF_HTTP_MAX_HEADER_SIZE   (64 * 1024)   /* request line + headers */
#define PF_SMTP_MAX_LINE          4096          /* a command line */
#define PF_SMTP_MAX_MESSAGE_SIZE  (1024 * 1024)
#define PF_SMTP_MAX_RECIPIENTS    100
#define PF_SSH_MAX_IDENT_LINE     255           /* RFC 4253, 4.2 */
#define PF_CHAT_MAX_LINE          4096

void              pf_service_reply_clear            (PfServiceReply         *reply);

PfServiceSession *pf_service_session_new_echo       (void);
PfServiceSession *pf_service_session_new_http       (const PfHttpPage * const *pages,
                                                     guint                   n_pages,
                                                     const char             *server_name);
PfServiceSession *pf_service_session_new_smtp       (const char             *domain);
PfServiceSession *pf_service_session_new_ssh_banner (const char             *banner);
PfServiceSession *pf_service_session_new_chat       (const char             *welcome);
PfServiceSession *pf_service_session_new_script     (const char             *greeting,
                                                     const PfScriptLine * const *lines,
                                                     guint                   n_lines);
PfServiceSession *pf_service_session_new_for        (const PfService        *service);
void              pf_service_session_free           (PfServiceSession       *session);
char             *pf_service_session_describe_wait  (PfServiceSession       *session,
                                                     const char             *name);

PfServiceType     pf_service_session_get_kind       (PfServiceSession       *session);
GBytes           *pf_service_session_greeting       (PfServiceSession       *session);
void              pf_service_session_receive        (PfServiceSession       *session,
                                                     const guint8           *data,
                                                     gsize                   len,
                                                     PfServiceReply         *reply);
void              pf_service_session_receive_bytes  (PfServiceSession       *session,
                                                     GBytes                 *bytes,
                                                     PfServiceReply         *reply);
void              pf_service_session_peer_closed    (PfServiceSession       *session,
                                                     PfServiceReply         *reply);
gboolean          pf_service_session_is_closed      (PfServiceSession       *session);

const GPtrArray  *pf_service_session_get_messages   (PfServiceSession       *session);
const char       *pf_service_session_get_peer_ident (PfServiceSession       *session);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfServiceSession, pf_service_session_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PfServiceReply, pf_service_reply_clear)

G_END_DECLS
