/* fuzz-service-session.c: the built-in TCP services on any bytes
 *
 * The first byte picks the service (echo, HTTP, SMTP, SSH banner, chat,
 * script), the second how the rest is cut; the rest is what the client
 * sends. pf-service-session.h promises that the answer depends on the
 * bytes only, never on how they were split: the input goes once whole
 * and once in pieces, and both sessions must say the same, close the same
 * way and, for SMTP, accept the same messages.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "pf-fuzz.h"
#include "pf-service-session.h"

enum
{
  KIND_ECHO,
  KIND_HTTP,
  KIND_SMTP,
  KIND_SSH_BANNER,
  KIND_CHAT,
  KIND_SCRIPT,
  N_KINDS
};

typedef struct
{
  GString  *sender;
  GString  *others;
  gboolean  closed;
} Transcript;

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  pf_fuzz_init ();
  return 0;
}

static PfServiceSession *
new_session (guint kind)
{
  switch (kind)
    {
    case KIND_ECHO:
      return pf_service_session_new_echo ();
    case KIND_HTTP:
      {
        g_autoptr(GBytes) index = g_bytes_new_static ("<h1>Hello</h1>\n", 15);
        g_autoptr(GBytes) notes = g_bytes_new_static ("plain text\n", 11);
        PfHttpPage pages[] = {
          { (char *) "/", NULL, index },
          { (char *) "/notes.txt", (char *) "text/plain; charset=utf-8", notes },
          { (char *) "/empty", NULL, NULL },
        };
        const PfHttpPage *list[G_N_ELEMENTS (pages)];

        for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
          list[i] = &pages[i];
        return pf_service_session_new_http (list, G_N_ELEMENTS (pages), "Knuth/1.0");
      }
    case KIND_SMTP:
      return pf_service_session_new_smtp ("mail.example.org");
    case KIND_SSH_BANNER:
      return pf_service_session_new_ssh_banner ("SSH-2.0-OpenSSH_9.2p1 Debian-2");
    case KIND_CHAT:
      return pf_service_session_new_chat ("Welcome to #lecture");
    case KIND_SCRIPT:
    default:
      {
        static const PfScriptLine lines[] = {
          { (char *) "", (char *) "+OK ready\r\n" },
          { (char *) "USER ada\r\n", (char *) "+OK\r\n" },
          { (char *) "PASS", NULL },
          { (char *) "QUIT\r\n", (char *) "+OK bye\r\n" },
        };
        const PfScriptLine *list[G_N_ELEMENTS (lines)];

        for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
          list[i] = &lines[i];
        return pf_service_session_new_script ("+OK POP3 ready\r\n", list, G_N_ELEMENTS (lines));
      }
    }
}

static void
take_reply (Transcript     *t,
            PfServiceReply *reply)
{
  /* NULL means nothing to send: never an empty GBytes. */
  if (reply->to_sender != NULL)
    {
      gsize len;
      const char *data = g_bytes_get_data (reply->to_sender, &len);

      pf_fuzz_check (len > 0);
      g_string_append_len (t->sender, data, len);
    }
  if (reply->to_others != NULL)
    {
      gsize len;
      const char *data = g_bytes_get_data (reply->to_others, &len);

      pf_fuzz_check (len > 0);
      g_string_append_len (t->others, data, len);
    }

  /* Once closed, a session stays closed. */
  if (t->closed)
    pf_fuzz_check (reply->close);
  t->closed = reply->close;
}

static void
feed (PfServiceSession *session,
      Transcript       *t,
      const guint8     *data,
      gsize             len)
{
  g_auto(PfServiceReply) reply = { 0 };
  guint8 *exact = g_memdup2 (data, len);  /* its own block: overreads show */

  pf_service_session_receive (session, exact, len, &reply);
  g_free (exact);
  take_reply (t, &reply);
  pf_fuzz_check (pf_service_session_is_closed (session) == t->closed);
}

static void
finish (PfServiceSession *session,
        Transcript       *t)
{
  g_auto(PfServiceReply) reply = { 0 };

  pf_service_session_peer_closed (session, &reply);
  take_reply (t, &reply);
  pf_fuzz_check (reply.close && pf_service_session_is_closed (session));
}

/* What SMTP accepted, what SSH heard from the client. */
static void
check_same_state (guint             kind,
                  PfServiceSession *a,
                  PfServiceSession *b)
{
  if (kind == KIND_SMTP)
    {
      const GPtrArray *ma = pf_service_session_get_messages (a);
      const GPtrArray *mb = pf_service_session_get_messages (b);

      pf_fuzz_check (ma != NULL && mb != NULL);
      pf_fuzz_check (ma->len == mb->len);
      for (guint i = 0; i < ma->len; i++)
        {
          const PfSmtpMessage *x = g_ptr_array_index (ma, i);
          const PfSmtpMessage *y = g_ptr_array_index (mb, i);

          pf_fuzz_check (g_str_equal (x->reverse_path, y->reverse_path));
          pf_fuzz_check (x->forward_paths != NULL && x->forward_paths[0] != NULL);
          pf_fuzz_check (g_strv_equal ((const char * const *) x->forward_paths,
                                       (const char * const *) y->forward_paths));
          pf_fuzz_check (g_bytes_equal (x->content, y->content));
        }
    }

  if (kind == KIND_SSH_BANNER)
    pf_fuzz_check (g_strcmp0 (pf_service_session_get_peer_ident (a),
                              pf_service_session_get_peer_ident (b)) == 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(PfServiceSession) whole_session = NULL;
  g_autoptr(PfServiceSession) split_session = NULL;
  g_autoptr(GBytes) greeting = NULL;
  Transcript whole = { g_string_new (NULL), g_string_new (NULL), FALSE };
  Transcript split = { g_string_new (NULL), g_string_new (NULL), FALSE };
  guint kind;
  guint cut;
  gsize pos;

  if (size < 2)
    goto out;

  kind = data[0] % N_KINDS;
  cut = data[1];
  data += 2;
  size -= 2;

  whole_session = new_session (kind);
  split_session = new_session (kind);
  pf_fuzz_check (whole_session != NULL && split_session != NULL);
  greeting = pf_service_session_greeting (whole_session);
  pf_fuzz_check (greeting == NULL || g_bytes_get_size (greeting) > 0);

  feed (whole_session, &whole, data, size);

  /* Pieces of 1 to 16 bytes, their sizes drawn from the second byte. */
  pos = 0;
  for (guint i = 0; pos < size; i++)
    {
      gsize n = MIN ((gsize) ((cut >> (i % 8)) & 0x0f) + 1, size - pos);

      feed (split_session, &split, data + pos, n);
      pos += n;
    }

  pf_fuzz_check (whole.sender->len == split.sender->len);
  pf_fuzz_check (memcmp (whole.sender->str, split.sender->str, whole.sender->len) == 0);
  pf_fuzz_check (whole.others->len == split.others->len);
  pf_fuzz_check (memcmp (whole.others->str, split.others->str, whole.others->len) == 0);
  pf_fuzz_check (whole.closed == split.closed);
  check_same_state (kind, whole_session, split_session);

  finish (whole_session, &whole);
  finish (split_session, &split);

out:
  g_string_free (whole.sender, TRUE);
  g_string_free (whole.others, TRUE);
  g_string_free (split.sender, TRUE);
  g_string_free (split.others, TRUE);
  return 0;
}
