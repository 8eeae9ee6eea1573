/* pf-service-session-private.h: what the built-in services' files share
 *
 * PfServiceSession is one type over three files:
 *
 *   pf-service-session.c  the session, its input buffer, the public API,
 *                         and the small services: echo, SSH banner, chat,
 *                         script
 *   pf-service-http.c     the HTTP/1.1 server
 *   pf-service-smtp.c     the SMTP server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "pf-service-session.h"

G_BEGIN_DECLS

struct _PfServiceSession
{
  PfServiceType  kind;
  GBytes        *greeting;     /* NULL: says nothing first */
  gboolean       closed;       /* asked to close: the rest is ignored */

  /* Bytes read and not yet used: input->data[head..len). Used bytes are
   * dropped once per receive, so pipelined requests cost no memmove each. */
  GByteArray    *input;
  gsize          head;
  gsize          scanned;      /* from head: bytes already searched for LF */

  /* http */
  GHashTable    *pages;        /* path → HttpPage */
  char          *server_name;
  guint64        body_to_skip; /* request body still to read and discard */
  gboolean       request_line_ok;
  gsize          line_start;   /* from head: the line being scanned */

  /* smtp */
  char          *domain;
  gboolean       greeted;      /* HELO or EHLO seen */
  char          *reverse_path; /* NULL: no mail transaction */
  GPtrArray     *recipients;
  gboolean       in_data;
  GByteArray    *message;
  gboolean       message_too_big;
  gboolean       skipping_line;
  guint          n_queued;
  GPtrArray     *messages;     /* PfSmtpMessage* */

  /* ssh-banner */
  char          *peer_ident;

  /* script */
  GPtrArray     *expects;      /* char*, "" matches at once */
  GPtrArray     *replies;      /* char*, NULL sends nothing */
  guint          next_line;
  GByteArray    *heard;        /* received since the last line matched */
};

/* Input buffer: bytes read and not yet used, input->data[head..len). */

static inline const guint8 *
input_data (PfServiceSession *self)
{
  return self->input->data + self->head;
}

static inline gsize
input_len (PfServiceSession *self)
{
  return self->input->len - self->head;
}

static inline void
input_consume (PfServiceSession *self,
               gsize             n)
{
  g_assert (n <= input_len (self));

  self->head += n;
  self->scanned = self->scanned > n ? self->scanned - n : 0;
}

/* A line without its LF and without the CR before it, if any. */
static inline gsize
strip_cr (const guint8 *line,
          gsize         len)
{
  return len > 0 && line[len - 1] == '\r' ? len - 1 : len;
}

PfServiceSession *pf_service_session_alloc   (PfServiceType     kind);
gssize            pf_service_session_find_lf (PfServiceSession *self,
                                              gsize             limit);
GBytes           *pf_service_line_bytes      (const char       *text);

void              pf_service_http_receive    (PfServiceSession *self,
                                              GString          *out);
void              pf_service_smtp_receive    (PfServiceSession *self,
                                              GString          *out);

G_END_DECLS
