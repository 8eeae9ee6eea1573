/* pf-service-session.c: what a built-in TCP service says, bytes in, bytes out
 *
 * The session and its input buffer, the public API, and the services
 * small enough to read in one go: echo, the SSH banner, chat and script.
 * HTTP is in pf-service-http.c, SMTP in pf-service-smtp.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-service-session"

#include "config.h"

#include "pf-service-session-private.h"

#include "pf-packet.h"

#include <string.h>

/* Input buffer */

static void
input_compact (PfServiceSession *self)
{
  if (self->head > 0)
    g_byte_array_remove_range (self->input, 0, self->head);
  self->head = 0;
}

/* Where the first LF in the first @limit bytes is, or -1. Searches each
 * byte once however the data arrives. */
gssize
pf_service_session_find_lf (PfServiceSession *self,
               gsize             limit)
{
  gsize len = MIN (input_len (self), limit);
  const guint8 *lf;

  if (self->scanned >= len)
    return -1;

  lf = memchr (input_data (self) + self->scanned, '\n', len - self->scanned);
  if (lf == NULL)
    {
      self->scanned = len;
      return -1;
    }

  return lf - input_data (self);
}
/* Where @needle first occurs in @haystack, or -1. */
static gssize
find_bytes (const guint8 *haystack,
            gsize         haystack_len,
            const char   *needle,
            gsize         needle_len)
{
  if (needle_len == 0)
    return 0;

  for (gsize i = 0; i + needle_len <= haystack_len; i++)
    {
      if (haystack[i] == (guint8) needle[0] &&
          memcmp (haystack + i, needle, needle_len) == 0)
        return (gssize) i;
    }

  return -1;
}

static GBytes *
string_to_bytes_or_null (GString *string)
{
  if (string->len == 0)
    {
      g_string_free (string, TRUE);
      return NULL;
    }

  return g_string_free_to_bytes (string);
}

PfServiceSession *
pf_service_session_alloc (PfServiceType kind)
{
  PfServiceSession *self = g_new0 (PfServiceSession, 1);

  self->kind = kind;
  /* Reserved now, so input->data is never NULL: input_data() adds an
   * offset to it, and NULL + 0 is undefined behaviour in C. */
  self->input = g_byte_array_sized_new (256);
  return self;
}

GBytes *
pf_service_line_bytes (const char *text)
{
  return g_string_free_to_bytes (g_string_append (g_string_new (text), "\r\n"));
}

/* SSH banner: the identification exchange of RFC 4253, 4.2, and no more. */

static void
ssh_receive (PfServiceSession *self,
             GString          *out)
{
  gssize lf;
  const guint8 *line = input_data (self);
  gsize len;

  if (self->peer_ident != NULL)
    {
      input_consume (self, input_len (self));
      return;
    }

  lf = pf_service_session_find_lf (self, PF_SSH_MAX_IDENT_LINE);
  if (lf < 0)
    {
      if (input_len (self) < PF_SSH_MAX_IDENT_LINE)
        return;
      len = 0;
    }
  else
    {
      len = strip_cr (line, lf);
    }

  if (len < 4 || memcmp (line, "SSH-", 4) != 0 ||
      memchr (line, '\0', len) != NULL || memchr (line, '\r', len) != NULL)
    {
      /* What OpenSSH's sshd answers, before it hangs up. */
      g_string_append (out, "Invalid SSH identification string.\r\n");
      self->closed = TRUE;
      return;
    }

  self->peer_ident = g_strndup ((const char *) line, len);
  g_debug ("SSH client identifies as %s", self->peer_ident);
  input_consume (self, input_len (self));
}

/* Chat: every complete line goes to the others, as it came. */

static void
chat_receive (PfServiceSession *self,
              GString          *others)
{
  for (;;)
    {
      gssize lf = pf_service_session_find_lf (self, PF_CHAT_MAX_LINE);
      gsize n;

      if (lf >= 0)
        n = lf + 1;
      else if (input_len (self) >= PF_CHAT_MAX_LINE)
        n = PF_CHAT_MAX_LINE;
      else
        return;

      g_string_append_len (others, (const char *) input_data (self), n);
      input_consume (self, n);
    }
}

/* Script: wait for each expected text in turn, answer its reply. */

#define SCRIPT_HEARD_MAX 4096   /* of what came since the last match, kept to tell */

static void
script_hear (PfServiceSession *self,
             const guint8     *data,
             gsize             len)
{
  if (self->heard->len + len > SCRIPT_HEARD_MAX)
    return;
  g_byte_array_append (self->heard, data, len);
}

static void
script_receive (PfServiceSession *self,
                GString          *out)
{
  while (self->next_line < self->expects->len)
    {
      const char *expect = g_ptr_array_index (self->expects, self->next_line);
      const char *reply = g_ptr_array_index (self->replies, self->next_line);
      gsize expect_len = strlen (expect);
      gssize at = find_bytes (input_data (self), input_len (self), expect, expect_len);

      if (at < 0)
        {
          /* Only a tail shorter than the text can still begin a match. */
          if (input_len (self) >= expect_len)
            input_consume (self, input_len (self) - (expect_len - 1));
          return;
        }

      input_consume (self, at + expect_len);
      g_byte_array_set_size (self->heard, 0);
      g_byte_array_append (self->heard, input_data (self), MIN (input_len (self), SCRIPT_HEARD_MAX));
      if (reply != NULL)
        g_string_append (out, reply);
      self->next_line++;
    }

  input_consume (self, input_len (self));
}

/* Public */

void
pf_service_reply_clear (PfServiceReply *reply)
{
  g_return_if_fail (reply != NULL);

  g_clear_pointer (&reply->to_sender, g_bytes_unref);
  g_clear_pointer (&reply->to_others, g_bytes_unref);
  reply->close = FALSE;
}

/* Sends back exactly what arrives. */
PfServiceSession *
pf_service_session_new_echo (void)
{
  return pf_service_session_alloc (PF_SERVICE_ECHO);
}

/* Sends @banner ("SSH-2.0-OpenSSH_9.2p1", without CR LF) and reads the
 * client's identification line; what follows is ignored. */
PfServiceSession *
pf_service_session_new_ssh_banner (const char *banner)
{
  PfServiceSession *self;

  g_return_val_if_fail (banner != NULL, NULL);

  self = pf_service_session_alloc (PF_SERVICE_SSH_BANNER);
  self->greeting = pf_service_line_bytes (banner);
  return self;
}

/* A chat room: each line a client sends goes to every other client.
 * @welcome, without CR LF, is sent on accept; NULL sends nothing. */
PfServiceSession *
pf_service_session_new_chat (const char *welcome)
{
  PfServiceSession *self = pf_service_session_alloc (PF_SERVICE_CHAT);

  if (welcome != NULL)
    self->greeting = pf_service_line_bytes (welcome);
  return self;
}

/* Sends @greeting (may be NULL) on accept, then for each line in turn
 * waits until its expect text has arrived and sends its reply. An empty
 * expect matches at once: leading ones add to the greeting. Texts are
 * sent exactly as given, no CR LF added. */
PfServiceSession *
pf_service_session_new_script (const char                *greeting,
                               const PfScriptLine * const *lines,
                               guint                      n_lines)
{
  PfServiceSession *self;
  GString *first;

  g_return_val_if_fail (lines != NULL || n_lines == 0, NULL);

  self = pf_service_session_alloc (PF_SERVICE_SCRIPT);
  self->expects = g_ptr_array_new_with_free_func (g_free);
  self->replies = g_ptr_array_new_with_free_func (g_free);
  self->heard = g_byte_array_new ();

  for (guint i = 0; i < n_lines; i++)
    {
      g_ptr_array_add (self->expects, g_strdup (lines[i]->expect != NULL ? lines[i]->expect : ""));
      g_ptr_array_add (self->replies, g_strdup (lines[i]->reply));
    }

  first = g_string_new (greeting);
  script_receive (self, first);
  self->greeting = string_to_bytes_or_null (first);
  return self;
}

/**
 * pf_service_session_new_for:
 * @service: a TCP service of a scenario
 *
 * A session of the kind @service is, with its fields: what the engine
 * answers each accepted connection with, and what the loader runs a
 * connection's requests through to learn when the service closes.
 *
 * Returns: (transfer full): the session
 */
PfServiceSession *
pf_service_session_new_for (const PfService *service)
{
  g_return_val_if_fail (service != NULL, NULL);

  switch (service->type)
    {
    case PF_SERVICE_ECHO:
      return pf_service_session_new_echo ();
    case PF_SERVICE_HTTP:
      return pf_service_session_new_http ((const PfHttpPage * const *) service->pages->pdata,
                                          service->pages->len, "Packet Flow");
    case PF_SERVICE_SMTP:
      return pf_service_session_new_smtp (service->domain);
    case PF_SERVICE_SSH_BANNER:
      return pf_service_session_new_ssh_banner (service->banner);
    case PF_SERVICE_CHAT:
      return pf_service_session_new_chat (NULL);
    case PF_SERVICE_SCRIPT:
      return pf_service_session_new_script (service->greeting,
                                            (const PfScriptLine * const *) service->dialogue->pdata,
                                            service->dialogue->len);
    case PF_SERVICE_DNS:
    default:
      g_return_val_if_reached (NULL);
    }
}

void
pf_service_session_free (PfServiceSession *session)
{
  if (session == NULL)
    return;

  g_clear_pointer (&session->greeting, g_bytes_unref);
  g_clear_pointer (&session->input, g_byte_array_unref);
  g_clear_pointer (&session->pages, g_hash_table_unref);
  g_clear_pointer (&session->server_name, g_free);
  g_clear_pointer (&session->domain, g_free);
  g_clear_pointer (&session->reverse_path, g_free);
  g_clear_pointer (&session->recipients, g_ptr_array_unref);
  g_clear_pointer (&session->message, g_byte_array_unref);
  g_clear_pointer (&session->messages, g_ptr_array_unref);
  g_clear_pointer (&session->peer_ident, g_free);
  g_clear_pointer (&session->expects, g_ptr_array_unref);
  g_clear_pointer (&session->replies, g_ptr_array_unref);
  g_clear_pointer (&session->heard, g_byte_array_unref);
  g_free (session);
}

PfServiceType
pf_service_session_get_kind (PfServiceSession *session)
{
  g_return_val_if_fail (session != NULL, PF_SERVICE_ECHO);

  return session->kind;
}

/* What the server sends on accept, before it reads anything, or NULL. */
GBytes *
pf_service_session_greeting (PfServiceSession *session)
{
  g_return_val_if_fail (session != NULL, NULL);

  return session->greeting != NULL ? g_bytes_ref (session->greeting) : NULL;
}

/* Feeds what the socket read. @reply must be empty; it receives what to
 * send and whether to close. Once the session has asked to close, more
 * input is ignored and close stays TRUE. */
void
pf_service_session_receive (PfServiceSession *session,
                            const guint8     *data,
                            gsize             len,
                            PfServiceReply   *reply)
{
  GString *out;
  GString *others;

  g_return_if_fail (session != NULL);
  g_return_if_fail (data != NULL || len == 0);
  g_return_if_fail (reply != NULL);
  g_return_if_fail (reply->to_sender == NULL && reply->to_others == NULL);

  reply->close = session->closed;
  if (session->closed)
    return;

  out = g_string_new (NULL);
  others = g_string_new (NULL);

  if (session->kind == PF_SERVICE_ECHO)
    g_string_append_len (out, (const char *) data, len);
  else
    g_byte_array_append (session->input, data, len);
  if (session->kind == PF_SERVICE_SCRIPT)
    script_hear (session, data, len);

  switch (session->kind)
    {
    case PF_SERVICE_ECHO:       break;
    case PF_SERVICE_HTTP:       pf_service_http_receive (session, out); break;
    case PF_SERVICE_SMTP:       pf_service_smtp_receive (session, out); break;
    case PF_SERVICE_SSH_BANNER: ssh_receive (session, out); break;
    case PF_SERVICE_CHAT:       chat_receive (session, others); break;
    case PF_SERVICE_SCRIPT:     script_receive (session, out); break;
    case PF_SERVICE_DNS:
    default:                    g_assert_not_reached ();
    }

  if (session->closed)
    input_consume (session, input_len (session));
  input_compact (session);

  reply->to_sender = string_to_bytes_or_null (out);
  reply->to_others = string_to_bytes_or_null (others);
  reply->close = session->closed;
}

/* The same, with what the socket read as @bytes: an echo answers with
 * those very bytes, not a copy of them. */
void
pf_service_session_receive_bytes (PfServiceSession *session,
                                  GBytes           *bytes,
                                  PfServiceReply   *reply)
{
  gsize len;
  const guint8 *data;

  g_return_if_fail (session != NULL);
  g_return_if_fail (bytes != NULL);
  g_return_if_fail (reply != NULL);
  g_return_if_fail (reply->to_sender == NULL && reply->to_others == NULL);

  data = g_bytes_get_data (bytes, &len);
  if (session->kind != PF_SERVICE_ECHO || session->closed || len == 0)
    {
      pf_service_session_receive (session, data, len, reply);
      return;
    }

  reply->to_sender = g_bytes_ref (bytes);
  reply->close = FALSE;
}

/* The client sent FIN. A partial request, line or message is dropped, as
 * real servers drop it, and the server closes its side too. */
void
pf_service_session_peer_closed (PfServiceSession *session,
                                PfServiceReply   *reply)
{
  g_return_if_fail (session != NULL);
  g_return_if_fail (reply != NULL);
  g_return_if_fail (reply->to_sender == NULL && reply->to_others == NULL);

  if (!session->closed)
    g_debug ("Peer closed; %" G_GSIZE_FORMAT " unanswered bytes dropped",
             input_len (session));

  session->closed = TRUE;
  g_byte_array_set_size (session->input, 0);
  session->head = 0;
  session->scanned = 0;
  reply->close = TRUE;
}

/* TRUE once the session has asked to close or its peer closed. */
gboolean
pf_service_session_is_closed (PfServiceSession *session)
{
  g_return_val_if_fail (session != NULL, TRUE);

  return session->closed;
}

/* SMTP: the messages accepted so far, PfSmtpMessage*, oldest first. */
const GPtrArray *
pf_service_session_get_messages (PfServiceSession *session)
{
  g_return_val_if_fail (session != NULL, NULL);
  g_return_val_if_fail (session->kind == PF_SERVICE_SMTP, NULL);

  return session->messages;
}

/* SSH banner: the client's identification line without CR LF, or NULL
 * until it has arrived. */
const char *
pf_service_session_get_peer_ident (PfServiceSession *session)
{
  g_return_val_if_fail (session != NULL, NULL);
  g_return_val_if_fail (session->kind == PF_SERVICE_SSH_BANNER, NULL);

  return session->peer_ident;
}

/**
 * pf_service_session_describe_wait:
 * @session: a session
 * @name: the service's name, as the stage labels it ("pop3")
 *
 * What a script service is still waiting for, when it waits: "the pop3
 * server is still waiting for “QUIT\r\n” (dialogue line 3); it received
 * “…”", with the texts as pf_bytes_excerpt() writes them.
 *
 * Returns: (transfer full) (nullable): that sentence, or %NULL when the
 * session waits for nothing (not a script, or its dialogue is done)
 */
char *
pf_service_session_describe_wait (PfServiceSession *session,
                                  const char       *name)
{
  const char *expect;
  g_autofree char *want = NULL;
  g_autofree char *got = NULL;

  g_return_val_if_fail (session != NULL, NULL);

  if (session->kind != PF_SERVICE_SCRIPT || session->closed ||
      session->next_line >= session->expects->len)
    return NULL;

  expect = g_ptr_array_index (session->expects, session->next_line);
  want = pf_bytes_excerpt ((const guint8 *) expect, strlen (expect), 60);
  got = pf_bytes_excerpt (session->heard->data, session->heard->len, 60);
  return g_strdup_printf ("the %s server is still waiting for “%s” (dialogue line %u); "
                          "it received “%s”", name, want, session->next_line + 1, got);
}
