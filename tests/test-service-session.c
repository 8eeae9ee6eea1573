/* test-service-session.c: the built-in services, bytes in, bytes out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pf-service-session.h"

typedef PfServiceSession *(*SessionFactory) (void);

/* Everything a session said over a run, concatenated. */
typedef struct
{
  GString  *sender;
  GString  *others;
  gboolean  closed;
  guint     n_sends;   /* replies with bytes for the sender */
} Transcript;

static void
transcript_init (Transcript *t)
{
  t->sender = g_string_new (NULL);
  t->others = g_string_new (NULL);
  t->closed = FALSE;
  t->n_sends = 0;
}

static void
transcript_clear (Transcript *t)
{
  if (t->sender != NULL)
    g_string_free (t->sender, TRUE);
  if (t->others != NULL)
    g_string_free (t->others, TRUE);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Transcript, transcript_clear)

static void
take_reply (Transcript     *t,
            PfServiceReply *reply)
{
  gsize size;
  const char *data;

  if (reply->to_sender != NULL)
    {
      data = g_bytes_get_data (reply->to_sender, &size);
      assert_true (size > 0);
      g_string_append_len (t->sender, data, size);
      t->n_sends++;
    }
  if (reply->to_others != NULL)
    {
      data = g_bytes_get_data (reply->to_others, &size);
      assert_true (size > 0);
      g_string_append_len (t->others, data, size);
    }

  /* Once closed, a session stays closed. */
  if (t->closed)
    assert_true (reply->close);
  t->closed = reply->close;
}

static void
feed (PfServiceSession *session,
      Transcript       *t,
      const void       *data,
      gsize             len)
{
  g_auto (PfServiceReply) reply = { 0 };

  pf_service_session_receive (session, data, len, &reply);
  take_reply (t, &reply);
}

static void
feed_text (PfServiceSession *session,
           Transcript       *t,
           const char       *text)
{
  feed (session, t, text, strlen (text));
}

/* Feeds @input in pieces of @chunk bytes; @chunk 0: pseudo-random sizes. */
static void
run_split (PfServiceSession *session,
           Transcript       *t,
           const char       *input,
           gsize             len,
           gsize             chunk)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (4242);
  gsize pos = 0;

  while (pos < len)
    {
      gsize n = chunk != 0 ? chunk : (gsize) g_rand_int_range (rand, 1, 40);

      n = MIN (n, len - pos);
      feed (session, t, input + pos, n);
      pos += n;
    }
}

/* However the input is cut, the session says the same. */
static void
assert_split_invariant (SessionFactory  factory,
                        const char     *input,
                        gsize           len)
{
  static const gsize chunks[] = { 1, 2, 3, 5, 7, 13, 64, 1000, 0 };
  g_autoptr (PfServiceSession) whole_session = factory ();
  g_auto (Transcript) whole = { 0 };

  transcript_init (&whole);
  feed (whole_session, &whole, input, len);

  for (guint i = 0; i < G_N_ELEMENTS (chunks); i++)
    {
      g_autoptr (PfServiceSession) session = factory ();
      g_auto (Transcript) split = { 0 };

      transcript_init (&split);
      run_split (session, &split, input, len, chunks[i]);

      assert_int_equal (split.sender->len, whole.sender->len);
      assert_memory_equal (split.sender->str, whole.sender->str, whole.sender->len);
      assert_int_equal (split.others->len, whole.others->len);
      assert_memory_equal (split.others->str, whole.others->str, whole.others->len);
      assert_int_equal (split.closed, whole.closed);
    }
}

static void
assert_greeting (PfServiceSession *session,
                 const char       *expected)
{
  g_autoptr (GBytes) greeting = pf_service_session_greeting (session);

  if (expected == NULL)
    {
      assert_null (greeting);
      return;
    }

  assert_non_null (greeting);
  assert_int_equal (g_bytes_get_size (greeting), strlen (expected));
  assert_memory_equal (g_bytes_get_data (greeting, NULL), expected, strlen (expected));
}

#define assert_said(t, text) \
  do { \
    assert_int_equal ((t)->sender->len, strlen (text)); \
    assert_memory_equal ((t)->sender->str, (text), strlen (text)); \
  } while (0)

static void
assert_peer_close (PfServiceSession *session)
{
  g_auto (PfServiceReply) reply = { 0 };
  g_auto (PfServiceReply) after = { 0 };

  pf_service_session_peer_closed (session, &reply);
  assert_null (reply.to_sender);
  assert_null (reply.to_others);
  assert_true (reply.close);
  assert_true (pf_service_session_is_closed (session));

  /* Nothing more is said after the end. */
  pf_service_session_receive (session, (const guint8 *) "QUIT\r\n", 6, &after);
  assert_null (after.to_sender);
  assert_null (after.to_others);
  assert_true (after.close);
}

/* Echo */

static void
test_echo (void **state)
{
  static const guint8 binary[] = { 'a', 0, 0xff, '\r', '\n', 0x80 };
  g_autoptr (PfServiceSession) session = pf_service_session_new_echo ();
  g_auto (Transcript) t = { 0 };
  g_auto (PfServiceReply) empty = { 0 };

  transcript_init (&t);
  assert_int_equal (pf_service_session_get_kind (session), PF_SERVICE_ECHO);
  assert_greeting (session, NULL);

  feed (session, &t, binary, sizeof binary);
  assert_int_equal (t.sender->len, sizeof binary);
  assert_memory_equal (t.sender->str, binary, sizeof binary);
  assert_false (t.closed);

  pf_service_session_receive (session, NULL, 0, &empty);
  assert_null (empty.to_sender);
  assert_false (empty.close);

  assert_peer_close (session);
}

static void
test_echo_split (void **state)
{
  static const char input[] = "hello\r\nworld\n\0binary";

  assert_split_invariant (pf_service_session_new_echo, input, sizeof input);
}

/* HTTP */

static PfServiceSession *
new_http (void)
{
  g_autoptr (GBytes) index = g_bytes_new_static ("<p>Hello</p>\n", 13);
  g_autoptr (GBytes) css = g_bytes_new_static ("p{}", 3);
  g_autoptr (GBytes) other = g_bytes_new_static ("shadowed", 8);
  PfHttpPage pages[] = {
    { (char *) "/", (char *) "text/html; charset=utf-8", index },
    { (char *) "/style.css", (char *) "text/css", css },
    { (char *) "/", (char *) "text/plain", other },  /* the first one wins */
    { (char *) "/empty", NULL, NULL },
  };
  const PfHttpPage *list[G_N_ELEMENTS (pages)];

  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    list[i] = &pages[i];

  return pf_service_session_new_http (list, G_N_ELEMENTS (pages), "Knuth/1.0");
}

#define HTTP_200_INDEX \
  "HTTP/1.1 200 OK\r\n" \
  "Server: Knuth/1.0\r\n" \
  "Content-Type: text/html; charset=utf-8\r\n" \
  "Content-Length: 13\r\n" \
  "\r\n" \
  "<p>Hello</p>\n"

/* Given what was read as GBytes, an echo answers with those very bytes,
 * no copy; another service answers as from the bytes' data. */
static void
test_receive_bytes (void **state)
{
  g_autoptr (PfServiceSession) echo = pf_service_session_new_echo ();
  g_autoptr (PfServiceSession) http = new_http ();
  static const char line[] = "Hello, echo!\n";
  g_autoptr (GBytes) hello = g_bytes_new_static (line, sizeof line - 1);
  static const char request[] = "GET / HTTP/1.1\r\nHost: knuth\r\n\r\n";
  g_autoptr (GBytes) get = g_bytes_new_static (request, sizeof request - 1);
  g_auto (PfServiceReply) echoed = { 0 };
  g_auto (PfServiceReply) served = { 0 };

  pf_service_session_receive_bytes (echo, hello, &echoed);
  assert_ptr_equal (echoed.to_sender, hello);
  assert_false (echoed.close);

  pf_service_session_receive_bytes (http, get, &served);
  assert_non_null (served.to_sender);
  assert_int_equal (g_bytes_get_size (served.to_sender), strlen (HTTP_200_INDEX));
  assert_memory_equal (g_bytes_get_data (served.to_sender, NULL), HTTP_200_INDEX, strlen (HTTP_200_INDEX));
}

#define HTTP_200_CSS \
  "HTTP/1.1 200 OK\r\n" \
  "Server: Knuth/1.0\r\n" \
  "Content-Type: text/css\r\n" \
  "Content-Length: 3\r\n" \
  "\r\n" \
  "p{}"

#define HTTP_404 \
  "HTTP/1.1 404 Not Found\r\n" \
  "Server: Knuth/1.0\r\n" \
  "Content-Type: text/plain; charset=utf-8\r\n" \
  "Content-Length: 14\r\n" \
  "\r\n" \
  "404 Not Found\n"

#define HTTP_400 \
  "HTTP/1.1 400 Bad Request\r\n" \
  "Server: Knuth/1.0\r\n" \
  "Content-Type: text/plain; charset=utf-8\r\n" \
  "Content-Length: 16\r\n" \
  "Connection: close\r\n" \
  "\r\n" \
  "400 Bad Request\n"

static void
assert_http (const char *request,
             const char *expected,
             gboolean    closed)
{
  g_autoptr (PfServiceSession) session = new_http ();
  g_auto (Transcript) t = { 0 };

  transcript_init (&t);
  feed_text (session, &t, request);
  assert_said (&t, expected);
  assert_int_equal (t.closed, closed);
  assert_split_invariant (new_http, request, strlen (request));
}

static void
test_http_get (void **state)
{
  g_autoptr (PfServiceSession) session = new_http ();

  assert_int_equal (pf_service_session_get_kind (session), PF_SERVICE_HTTP);
  assert_greeting (session, NULL);

  assert_http ("GET / HTTP/1.1\r\nHost: knuth.example\r\n\r\n", HTTP_200_INDEX, FALSE);
  assert_http ("GET /style.css?v=2 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n",
               HTTP_200_CSS, FALSE);
  assert_http ("GET http://knuth.example/style.css HTTP/1.1\r\nHost: knuth.example\r\n\r\n",
               HTTP_200_CSS, FALSE);
  /* Bare LF line ends, and empty lines before the request line. */
  assert_http ("\r\n\nGET / HTTP/1.1\nHost: a\n\n", HTTP_200_INDEX, FALSE);
  assert_http ("GET /empty HTTP/1.1\r\nHost: a\r\n\r\n",
               "HTTP/1.1 200 OK\r\n"
               "Server: Knuth/1.0\r\n"
               "Content-Type: text/html; charset=utf-8\r\n"
               "Content-Length: 0\r\n"
               "\r\n", FALSE);
}

static void
test_http_head_404_405 (void **state)
{
  assert_http ("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n",
               "HTTP/1.1 200 OK\r\n"
               "Server: Knuth/1.0\r\n"
               "Content-Type: text/html; charset=utf-8\r\n"
               "Content-Length: 13\r\n"
               "\r\n", FALSE);
  assert_http ("GET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_404, FALSE);
  assert_http ("HEAD /nowhere HTTP/1.1\r\nHost: a\r\n\r\n",
               "HTTP/1.1 404 Not Found\r\n"
               "Server: Knuth/1.0\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n"
               "Content-Length: 14\r\n"
               "\r\n", FALSE);
  /* Methods are case-sensitive: "get" is not GET. */
  assert_http ("get / HTTP/1.1\r\nHost: a\r\n\r\n",
               "HTTP/1.1 405 Method Not Allowed\r\n"
               "Server: Knuth/1.0\r\n"
               "Allow: GET, HEAD\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n"
               "Content-Length: 23\r\n"
               "\r\n"
               "405 Method Not Allowed\n", FALSE);
}

static void
test_http_body_skipped (void **state)
{
  /* The POST body is read and dropped; the next request is answered. */
  assert_http ("POST /form HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n"
               "GET / HTTP/"
               "GET /style.css HTTP/1.1\r\nHost: a\r\n\r\n",
               "HTTP/1.1 405 Method Not Allowed\r\n"
               "Server: Knuth/1.0\r\n"
               "Allow: GET, HEAD\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n"
               "Content-Length: 23\r\n"
               "\r\n"
               "405 Method Not Allowed\n"
               HTTP_200_CSS, FALSE);

  /* A body we cannot frame: answer, then close. */
  assert_http ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
               "5\r\nhello\r\n0\r\n\r\n",
               "HTTP/1.1 405 Method Not Allowed\r\n"
               "Server: Knuth/1.0\r\n"
               "Allow: GET, HEAD\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n"
               "Content-Length: 23\r\n"
               "Connection: close\r\n"
               "\r\n"
               "405 Method Not Allowed\n", TRUE);
}

static void
test_http_malformed (void **state)
{
  static const char *requests[] = {
    "hello\r\n",                                        /* no method, no version */
    "GET /\r\n",                                        /* HTTP/0.9 */
    "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",               /* two spaces */
    "GET index.html HTTP/1.1\r\nHost: a\r\n\r\n",       /* not a path */
    "GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
    "GET / HTTX/1.1\r\nHost: a\r\n\r\n",
    "G(T / HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n",
    "GET / HTTP/1.1\r\n\r\n",                           /* 1.1 without Host */
    "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\r\nNo colon\r\n\r\n",
    "GET / HTTP/1.1\r\nHost : a\r\n\r\n",               /* space before colon */
    "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    assert_http (requests[i], HTTP_400, TRUE);

  /* A bad request line is refused at once, without waiting for headers,
   * and what follows is not read. */
  assert_http ("nonsense\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_400, TRUE);

  assert_http ("GET / HTTP/2.0\r\nHost: a\r\n\r\n",
               "HTTP/1.1 505 HTTP Version Not Supported\r\n"
               "Server: Knuth/1.0\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n"
               "Content-Length: 31\r\n"
               "Connection: close\r\n"
               "\r\n"
               "505 HTTP Version Not Supported\n", TRUE);
}

static void
test_http_connection (void **state)
{
  assert_http ("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
               "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
               "HTTP/1.1 200 OK\r\n"
               "Server: Knuth/1.0\r\n"
               "Content-Type: text/html; charset=utf-8\r\n"
               "Content-Length: 13\r\n"
               "Connection: close\r\n"
               "\r\n"
               "<p>Hello</p>\n", TRUE);
  assert_http ("GET / HTTP/1.1\r\nHost: a\r\nconnection: Keep-Alive, CLOSE\r\n\r\n",
               "HTTP/1.1 200 OK\r\n"
               "Server: Knuth/1.0\r\n"
               "Content-Type: text/html; charset=utf-8\r\n"
               "Content-Length: 13\r\n"
               "Connection: close\r\n"
               "\r\n"
               "<p>Hello</p>\n", TRUE);
  /* HTTP/1.0 closes unless asked to keep alive; Host is optional. */
  assert_http ("GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\n\r\n",
               "HTTP/1.1 200 OK\r\n"
               "Server: Knuth/1.0\r\n"
               "Content-Type: text/html; charset=utf-8\r\n"
               "Content-Length: 13\r\n"
               "Connection: close\r\n"
               "\r\n"
               "<p>Hello</p>\n", TRUE);
  assert_http ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /style.css HTTP/1.0\r\n\r\n",
               "HTTP/1.1 200 OK\r\n"
               "Server: Knuth/1.0\r\n"
               "Content-Type: text/html; charset=utf-8\r\n"
               "Content-Length: 13\r\n"
               "Connection: keep-alive\r\n"
               "\r\n"
               "<p>Hello</p>\n"
               "HTTP/1.1 200 OK\r\n"
               "Server: Knuth/1.0\r\n"
               "Content-Type: text/css\r\n"
               "Content-Length: 3\r\n"
               "Connection: close\r\n"
               "\r\n"
               "p{}", TRUE);
}

static void
test_http_pipelining (void **state)
{
  static const char input[] =
    "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
    "GET /nowhere HTTP/1.1\r\nHost: a\r\n\r\n"
    "GET /style.css HTTP/1.1\r\nHost: a\r\n\r\n"
    "GET / HTTP/1.1\r\nHost: a\r\n";  /* incomplete: not answered yet */
  g_autoptr (PfServiceSession) session = new_http ();
  g_auto (Transcript) t = { 0 };

  transcript_init (&t);
  feed_text (session, &t, input);
  assert_said (&t, HTTP_200_INDEX HTTP_404 HTTP_200_CSS);
  assert_int_equal (t.n_sends, 1);
  assert_false (t.closed);

  /* The end of the fourth request completes it. */
  feed_text (session, &t, "\r\n");
  assert_said (&t, HTTP_200_INDEX HTTP_404 HTTP_200_CSS HTTP_200_INDEX);

  assert_split_invariant (new_http, input, strlen (input));
  assert_peer_close (session);
}

static void
test_http_limits (void **state)
{
  g_autoptr (GString) big = g_string_new ("GET / HTTP/1.1\r\nHost: a\r\n");
  g_autoptr (GString) fits = NULL;
  g_autoptr (PfServiceSession) session = new_http ();
  g_auto (Transcript) t = { 0 };

  /* Headers that never end: refused at 64 KiB, not buffered forever. */
  while (big->len < PF_HTTP_MAX_HEADER_SIZE + 100)
    g_string_append (big, "X-Padding: 0123456789abcdef0123456789abcdef\r\n");

  transcript_init (&t);
  feed (session, &t, big->str, big->len);
  assert_true (g_str_has_prefix (t.sender->str,
                                 "HTTP/1.1 431 Request Header Fields Too Large\r\n"));
  assert_non_null (strstr (t.sender->str, "Connection: close\r\n"));
  assert_true (t.closed);
  assert_split_invariant (new_http, big->str, big->len);

  /* A header section of exactly 64 KiB is still read. */
  fits = g_string_new ("GET / HTTP/1.1\r\nHost: a\r\nX: ");
  while (fits->len < PF_HTTP_MAX_HEADER_SIZE - 4)
    g_string_append_c (fits, 'x');
  g_string_append (fits, "\r\n\r\n");
  assert_int_equal (fits->len, PF_HTTP_MAX_HEADER_SIZE);
  assert_http (fits->str, HTTP_200_INDEX, FALSE);

  /* One byte more is refused. */
  g_string_insert_c (fits, fits->len - 4, 'x');
  {
    g_autoptr (PfServiceSession) over = new_http ();
    g_auto (Transcript) t2 = { 0 };

    transcript_init (&t2);
    feed (over, &t2, fits->str, fits->len);
    assert_true (g_str_has_prefix (t2.sender->str, "HTTP/1.1 431 "));
    assert_true (t2.closed);
  }
}

static void
test_http_closed_ignores_input (void **state)
{
  g_autoptr (PfServiceSession) session = new_http ();
  g_auto (Transcript) t = { 0 };

  transcript_init (&t);
  feed_text (session, &t, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  assert_true (t.closed);
  g_string_truncate (t.sender, 0);
  feed_text (session, &t, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  assert_int_equal (t.sender->len, 0);
  assert_true (t.closed);
}

/* SMTP */

static PfServiceSession *
new_smtp (void)
{
  return pf_service_session_new_smtp ("mail.example.org");
}

static const char smtp_dialogue[] =
  "EHLO laptop.example\r\n"
  "MAIL FROM:<ada@example.org>\r\n"
  "RCPT TO:<grace@example.org>\r\n"
  "rcpt to: <alan@example.org> NOTIFY=NEVER\r\n"
  "DATA\r\n"
  "Subject: dots\r\n"
  "\r\n"
  "..leading dot\r\n"
  ". \r\n"
  "...\r\n"
  "last\n"
  ".\r\n"
  "mail from:<>\r\n"
  "RCPT TO:<ada@example.org>\r\n"
  "DATA\r\n"
  ".\r\n"
  "NOOP\r\n"
  "QUIT\r\n"
  "NOOP\r\n";

static const char smtp_transcript[] =
  "250-mail.example.org\r\n"
  "250-PIPELINING\r\n"
  "250-8BITMIME\r\n"
  "250 ENHANCEDSTATUSCODES\r\n"
  "250 2.1.0 Ok\r\n"
  "250 2.1.5 Ok\r\n"
  "250 2.1.5 Ok\r\n"
  "354 End data with <CR><LF>.<CR><LF>\r\n"
  "250 2.0.0 Ok: queued as 1\r\n"
  "250 2.1.0 Ok\r\n"
  "250 2.1.5 Ok\r\n"
  "354 End data with <CR><LF>.<CR><LF>\r\n"
  "250 2.0.0 Ok: queued as 2\r\n"
  "250 2.0.0 Ok\r\n"
  "221 2.0.0 Bye\r\n";

static void
assert_message (const PfSmtpMessage *message,
                const char          *from,
                const char * const  *to,
                const char          *content)
{
  gsize size;
  const char *data = g_bytes_get_data (message->content, &size);

  assert_string_equal (message->reverse_path, from);
  assert_int_equal (g_strv_length (message->forward_paths), g_strv_length ((GStrv) to));
  for (guint i = 0; to[i] != NULL; i++)
    assert_string_equal (message->forward_paths[i], to[i]);
  assert_int_equal (size, strlen (content));
  assert_memory_equal (data, content, size);
}

static void
test_smtp_dialogue (void **state)
{
  static const char * const to1[] = { "grace@example.org", "alan@example.org", NULL };
  static const char * const to2[] = { "ada@example.org", NULL };
  g_autoptr (PfServiceSession) session = new_smtp ();
  g_auto (Transcript) t = { 0 };
  const GPtrArray *messages;

  transcript_init (&t);
  assert_int_equal (pf_service_session_get_kind (session), PF_SERVICE_SMTP);
  assert_greeting (session, "220 mail.example.org ESMTP Packet Flow\r\n");

  feed_text (session, &t, smtp_dialogue);
  assert_said (&t, smtp_transcript);
  assert_true (t.closed);

  messages = pf_service_session_get_messages (session);
  assert_int_equal (messages->len, 2);
  assert_message (messages->pdata[0], "ada@example.org", to1,
                  "Subject: dots\r\n\r\n.leading dot\r\n \r\n..\r\nlast\r\n");
  assert_message (messages->pdata[1], "", to2, "");
}

static void
test_smtp_split (void **state)
{
  /* Byte by byte, as a person typing in telnet would send it. */
  for (gsize chunk = 1; chunk <= 4; chunk++)
    {
      g_autoptr (PfServiceSession) session = new_smtp ();
      g_auto (Transcript) t = { 0 };
      const GPtrArray *messages;

      transcript_init (&t);
      run_split (session, &t, smtp_dialogue, strlen (smtp_dialogue), chunk);
      assert_said (&t, smtp_transcript);
      assert_true (t.closed);

      messages = pf_service_session_get_messages (session);
      assert_int_equal (messages->len, 2);
    }

  assert_split_invariant (new_smtp, smtp_dialogue, strlen (smtp_dialogue));
}

static void
assert_smtp (const char *input,
             const char *expected,
             gboolean    closed)
{
  g_autoptr (PfServiceSession) session = new_smtp ();
  g_auto (Transcript) t = { 0 };

  transcript_init (&t);
  feed_text (session, &t, input);
  assert_said (&t, expected);
  assert_int_equal (t.closed, closed);
  assert_split_invariant (new_smtp, input, strlen (input));
}

static void
test_smtp_errors (void **state)
{
  assert_smtp ("MAIL FROM:<a@b>\r\n", "503 5.5.1 Error: send HELO/EHLO first\r\n", FALSE);
  assert_smtp ("HELO x\r\nRCPT TO:<a@b>\r\n",
               "250 mail.example.org\r\n"
               "503 5.5.1 Error: need MAIL command\r\n", FALSE);
  assert_smtp ("HELO x\r\nDATA\r\n",
               "250 mail.example.org\r\n"
               "503 5.5.1 Error: need MAIL command\r\n", FALSE);
  assert_smtp ("HELO x\r\nMAIL FROM:<a@b>\r\nDATA\r\nMAIL FROM:<c@d>\r\n",
               "250 mail.example.org\r\n"
               "250 2.1.0 Ok\r\n"
               "503 5.5.1 Error: need RCPT command\r\n"
               "503 5.5.1 Error: nested MAIL command\r\n", FALSE);
  assert_smtp ("HELO\r\nEHLO \r\n",
               "501 5.5.4 Syntax: HELO hostname\r\n"
               "501 5.5.4 Syntax: EHLO hostname\r\n", FALSE);
  assert_smtp ("HELO x\r\nMAIL FROM:a@b\r\nMAIL TO:<a@b>\r\nMAIL FROM:<a@b\r\n"
               "MAIL FROM:<a@b>x\r\nMAIL FROM:<a b@c>\r\n",
               "250 mail.example.org\r\n"
               "501 5.5.4 Syntax: MAIL FROM:<address>\r\n"
               "501 5.5.4 Syntax: MAIL FROM:<address>\r\n"
               "501 5.5.4 Syntax: MAIL FROM:<address>\r\n"
               "501 5.5.4 Syntax: MAIL FROM:<address>\r\n"
               "501 5.5.4 Syntax: MAIL FROM:<address>\r\n", FALSE);
  assert_smtp ("HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<>\r\nDATA now\r\n",
               "250 mail.example.org\r\n"
               "250 2.1.0 Ok\r\n"
               "501 5.5.4 Syntax: RCPT TO:<address>\r\n"
               "501 5.5.4 Syntax: DATA\r\n", FALSE);
  assert_smtp ("STARTTLS\r\nVRFY root\r\n\r\nhelp\r\n",
               "502 5.5.2 Error: command not recognized\r\n"
               "502 5.5.1 VRFY command is disabled\r\n"
               "500 5.5.2 Error: bad syntax\r\n"
               "502 5.5.2 Error: command not recognized\r\n", FALSE);
  /* RSET forgets the transaction; HELO again does too. */
  assert_smtp ("EHLO x\r\nMAIL FROM:<a@b>\r\nRSET\r\nRCPT TO:<c@d>\r\n"
               "MAIL FROM:<a@b>\r\nHELO y\r\nRCPT TO:<c@d>\r\nquit\r\n",
               "250-mail.example.org\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
               "250 ENHANCEDSTATUSCODES\r\n"
               "250 2.1.0 Ok\r\n"
               "250 2.0.0 Ok\r\n"
               "503 5.5.1 Error: need MAIL command\r\n"
               "250 2.1.0 Ok\r\n"
               "250 mail.example.org\r\n"
               "503 5.5.1 Error: need MAIL command\r\n"
               "221 2.0.0 Bye\r\n", TRUE);
}

static void
test_smtp_limits (void **state)
{
  g_autoptr (GString) line = g_string_new ("NOOP ");
  g_autoptr (GString) message = g_string_new ("HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
  g_autoptr (GString) recipients = g_string_new ("HELO x\r\nMAIL FROM:<a@b>\r\n");
  g_autoptr (PfServiceSession) session = new_smtp ();
  g_auto (Transcript) t = { 0 };
  const char *tail;

  /* A command line that never ends. */
  while (line->len <= PF_SMTP_MAX_LINE)
    g_string_append_c (line, 'x');
  assert_smtp (line->str, "500 5.5.0 Error: line too long\r\n", TRUE);
  g_string_append (line, "\r\n");
  assert_smtp (line->str, "500 5.5.0 Error: line too long\r\n", TRUE);

  /* A message too big is refused, and the session goes on. */
  for (guint i = 0; i < 2 * PF_SMTP_MAX_MESSAGE_SIZE / 64; i++)
    g_string_append (message, "0123456789012345678901234567890123456789012345678901234567890\r\n");
  g_string_append (message, ".\r\nNOOP\r\n");

  transcript_init (&t);
  feed (session, &t, message->str, message->len);
  tail = "354 End data with <CR><LF>.<CR><LF>\r\n"
         "552 5.3.4 Error: message file too big\r\n"
         "250 2.0.0 Ok\r\n";
  assert_true (g_str_has_suffix (t.sender->str, tail));
  assert_int_equal (pf_service_session_get_messages (session)->len, 0);
  assert_false (t.closed);

  /* One line longer than the limit, without an end yet: dropped as it
   * comes, not kept. */
  {
    g_autoptr (PfServiceSession) s2 = new_smtp ();
    g_autoptr (GString) huge = g_string_new ("HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
    g_auto (Transcript) t2 = { 0 };

    g_string_set_size (huge, huge->len + PF_SMTP_MAX_MESSAGE_SIZE + 10);
    memset (huge->str + huge->len - PF_SMTP_MAX_MESSAGE_SIZE - 10, 'y', PF_SMTP_MAX_MESSAGE_SIZE + 10);
    transcript_init (&t2);
    feed (s2, &t2, huge->str, huge->len);
    feed_text (s2, &t2, "yyy\r\n.\r\n");
    assert_true (g_str_has_suffix (t2.sender->str, "552 5.3.4 Error: message file too big\r\n"));
  }

  /* Recipients are capped. */
  for (guint i = 0; i <= PF_SMTP_MAX_RECIPIENTS; i++)
    g_string_append_printf (recipients, "RCPT TO:<u%u@example.org>\r\n", i);
  {
    g_autoptr (PfServiceSession) s3 = new_smtp ();
    g_auto (Transcript) t3 = { 0 };

    transcript_init (&t3);
    feed (s3, &t3, recipients->str, recipients->len);
    assert_true (g_str_has_suffix (t3.sender->str,
                                   "250 2.1.5 Ok\r\n452 4.5.3 Error: too many recipients\r\n"));
  }
}

static void
test_smtp_peer_closed_mid_message (void **state)
{
  g_autoptr (PfServiceSession) session = new_smtp ();
  g_auto (Transcript) t = { 0 };

  transcript_init (&t);
  feed_text (session, &t, "HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nhalf a message\r\n");
  assert_false (t.closed);
  assert_peer_close (session);
  /* An unfinished message is not delivered. */
  assert_int_equal (pf_service_session_get_messages (session)->len, 0);
}

/* SSH banner */

static PfServiceSession *
new_ssh (void)
{
  return pf_service_session_new_ssh_banner ("SSH-2.0-OpenSSH_9.2p1 Debian-2");
}

static void
test_ssh_banner (void **state)
{
  static const char input[] = "SSH-2.0-OpenSSH_8.9\r\n\x00\x00\x05\xdc\x0a\x14 binary key exchange";
  g_autoptr (PfServiceSession) session = new_ssh ();
  g_auto (Transcript) t = { 0 };

  transcript_init (&t);
  assert_int_equal (pf_service_session_get_kind (session), PF_SERVICE_SSH_BANNER);
  assert_greeting (session, "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
  assert_null (pf_service_session_get_peer_ident (session));

  feed_text (session, &t, "SSH-2.0-Open");
  assert_null (pf_service_session_get_peer_ident (session));
  feed (session, &t, input + 12, sizeof input - 1 - 12);
  assert_string_equal (pf_service_session_get_peer_ident (session), "SSH-2.0-OpenSSH_8.9");
  assert_int_equal (t.sender->len, 0);
  assert_false (t.closed);

  assert_split_invariant (new_ssh, input, sizeof input - 1);
  assert_peer_close (session);
}

static void
test_ssh_invalid (void **state)
{
  g_autoptr (GString) long_line = g_string_new ("SSH-2.0-");
  static const char *inputs[] = {
    "hello\r\n",
    "GET / HTTP/1.1\r\n",
    "SSH\n",
    "SSH-2.0-a\rb\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr (PfServiceSession) session = new_ssh ();
      g_auto (Transcript) t = { 0 };

      transcript_init (&t);
      feed_text (session, &t, inputs[i]);
      assert_said (&t, "Invalid SSH identification string.\r\n");
      assert_true (t.closed);
      assert_null (pf_service_session_get_peer_ident (session));
      assert_split_invariant (new_ssh, inputs[i], strlen (inputs[i]));
    }

  /* 255 bytes with CR LF is the most RFC 4253 allows. */
  while (long_line->len < PF_SSH_MAX_IDENT_LINE - 2)
    g_string_append_c (long_line, 'v');
  g_string_append (long_line, "\r\n");
  {
    g_autoptr (PfServiceSession) session = new_ssh ();
    g_auto (Transcript) t = { 0 };

    transcript_init (&t);
    feed (session, &t, long_line->str, long_line->len);
    assert_int_equal (t.sender->len, 0);
    assert_non_null (pf_service_session_get_peer_ident (session));
  }
  g_string_insert_c (long_line, 10, 'v');
  assert_split_invariant (new_ssh, long_line->str, long_line->len);
  {
    g_autoptr (PfServiceSession) session = new_ssh ();
    g_auto (Transcript) t = { 0 };

    transcript_init (&t);
    feed (session, &t, long_line->str, long_line->len);
    assert_said (&t, "Invalid SSH identification string.\r\n");
    assert_true (t.closed);
  }
}

/* Chat */

static PfServiceSession *
new_chat (void)
{
  return pf_service_session_new_chat ("Welcome to #lecture");
}

static void
test_chat (void **state)
{
  static const char input[] = "hello\r\nis anyone\nthere?\r\n\npartial";
  g_autoptr (PfServiceSession) session = new_chat ();
  g_autoptr (PfServiceSession) quiet = pf_service_session_new_chat (NULL);
  g_autoptr (GString) long_line = g_string_new (NULL);
  g_auto (Transcript) t = { 0 };

  transcript_init (&t);
  assert_int_equal (pf_service_session_get_kind (session), PF_SERVICE_CHAT);
  assert_greeting (session, "Welcome to #lecture\r\n");
  assert_greeting (quiet, NULL);

  feed_text (session, &t, input);
  assert_int_equal (t.sender->len, 0);
  assert_string_equal (t.others->str, "hello\r\nis anyone\nthere?\r\n\n");
  feed_text (session, &t, " line\n");
  assert_string_equal (t.others->str, "hello\r\nis anyone\nthere?\r\n\npartial line\n");
  assert_false (t.closed);
  assert_split_invariant (new_chat, input, strlen (input));

  /* A line that never ends is passed on in pieces, not kept forever. */
  g_string_set_size (long_line, PF_CHAT_MAX_LINE * 2 + 7);
  memset (long_line->str, 'z', long_line->len);
  {
    g_autoptr (PfServiceSession) s2 = new_chat ();
    g_auto (Transcript) t2 = { 0 };

    transcript_init (&t2);
    feed (s2, &t2, long_line->str, long_line->len);
    assert_int_equal (t2.others->len, PF_CHAT_MAX_LINE * 2);
  }
  assert_split_invariant (new_chat, long_line->str, long_line->len);

  assert_peer_close (session);
}

/* Script */

static PfServiceSession *
new_script (void)
{
  static const PfScriptLine lines[] = {
    { (char *) "", (char *) "+OK ready\r\n" },
    { (char *) "USER", (char *) "+OK user\r\n" },
    { (char *) "PASS secret\r\n", (char *) "+OK 2 messages\r\n" },
    { (char *) "", NULL },
    { (char *) "QUIT", (char *) "+OK bye\r\n" },
    { (char *) "", (char *) "(after quit)\r\n" },
  };
  const PfScriptLine *list[G_N_ELEMENTS (lines)];

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    list[i] = &lines[i];

  return pf_service_session_new_script ("* POP3 Packet Flow\r\n", list, G_N_ELEMENTS (lines));
}

/* What a stuck script says: the line it waits for, and what came since
 * the last line it matched. */
static void
test_script_describe_wait (void **state)
{
  g_autoptr (PfServiceSession) session = new_script ();
  g_autoptr (PfServiceSession) echo = pf_service_session_new_echo ();
  g_auto (Transcript) t = { 0 };
  g_autofree char *before = NULL;
  g_autofree char *stuck = NULL;
  g_autofree char *done = NULL;

  (void) state;
  transcript_init (&t);
  before = pf_service_session_describe_wait (session, "pop3");
  assert_string_equal (before, "the pop3 server is still waiting for “USER” (dialogue line 2); "
                               "it received “”");
  feed_text (session, &t, "USER ada\r\nPASS wrong\r\n");
  stuck = pf_service_session_describe_wait (session, "pop3");
  assert_string_equal (stuck, "the pop3 server is still waiting for “PASS secret\\r\\n” "
                              "(dialogue line 3); it received “ ada\\r\\nPASS wrong\\r\\n”");
  feed_text (session, &t, "PASS secret\r\nQUIT\r\n");
  done = pf_service_session_describe_wait (session, "pop3");
  assert_null (done);
  assert_null (pf_service_session_describe_wait (echo, "echo"));
}

static void
test_script (void **state)
{
  static const char input[] = "USUSER ada\r\nPASS wrong\r\nPASS secret\r\nQUIT\r\nmore QUIT";
  g_autoptr (PfServiceSession) session = new_script ();
  g_autoptr (PfServiceSession) empty = pf_service_session_new_script (NULL, NULL, 0);
  g_auto (Transcript) t = { 0 };

  transcript_init (&t);
  assert_int_equal (pf_service_session_get_kind (session), PF_SERVICE_SCRIPT);
  /* The greeting, then the replies of the leading empty expects. */
  assert_greeting (session, "* POP3 Packet Flow\r\n+OK ready\r\n");
  assert_greeting (empty, NULL);

  feed_text (session, &t, "US");
  assert_int_equal (t.sender->len, 0);
  feed_text (session, &t, "USER ada\r\nPASS wrong\r\nPASS sec");
  assert_said (&t, "+OK user\r\n");
  feed_text (session, &t, "ret\r\n");
  assert_said (&t, "+OK user\r\n+OK 2 messages\r\n");
  feed_text (session, &t, "QUIT\r\nmore QUIT");
  assert_said (&t, "+OK user\r\n+OK 2 messages\r\n+OK bye\r\n(after quit)\r\n");
  assert_false (t.closed);

  assert_split_invariant (new_script, input, strlen (input));

  /* In order: a later expect that arrives first does not count. */
  {
    g_autoptr (PfServiceSession) s2 = new_script ();
    g_auto (Transcript) t2 = { 0 };

    transcript_init (&t2);
    feed_text (s2, &t2, "PASS secret\r\nQUIT\r\n");
    assert_int_equal (t2.sender->len, 0);
    feed_text (s2, &t2, "USER");
    assert_said (&t2, "+OK user\r\n");
  }

  /* A match is used up: the same text must come again for the next. */
  {
    static const PfScriptLine ping1 = { (char *) "ping", (char *) "pong 1\n" };
    static const PfScriptLine ping2 = { (char *) "ping", (char *) "pong 2\n" };
    const PfScriptLine *pings[] = { &ping1, &ping2 };
    g_autoptr (PfServiceSession) s3 = pf_service_session_new_script (NULL, pings, 2);
    g_auto (Transcript) t3 = { 0 };

    transcript_init (&t3);
    assert_greeting (s3, NULL);
    feed_text (s3, &t3, "ping\n");
    assert_said (&t3, "pong 1\n");
    feed_text (s3, &t3, "pi");
    assert_said (&t3, "pong 1\n");
    feed_text (s3, &t3, "ng\nping\n");
    assert_said (&t3, "pong 1\npong 2\n");
  }

  assert_peer_close (session);
}

/* All of them */

/* Inputs made of protocol fragments and random bytes: whatever they are,
 * every service answers the same however they are cut. */
static void
test_random_input_split_invariant (void **state)
{
  static const char *fragments[] = {
    "GET ", "HEAD ", "POST ", "/ ", "/style.css ", "HTTP/1.1", "HTTP/1.0", "\r\n", "\n",
    "\r", "Host: a", "Connection: close", "Content-Length: 3", "Connection: keep-alive",
    "HELO x", "EHLO y", "MAIL FROM:<a@b>", "RCPT TO:<c@d>", "DATA", ".", "..", "QUIT",
    "RSET", "SSH-2.0-x", "USER", "PASS secret\r\n", "ping", " ", ":",
  };
  SessionFactory factories[] = { pf_service_session_new_echo, new_http, new_smtp,
                                 new_ssh, new_chat, new_script };
  g_autoptr (GRand) rand = g_rand_new_with_seed (1234);

  for (guint round = 0; round < 300; round++)
    {
      g_autoptr (GString) input = g_string_new (NULL);
      guint n = g_rand_int_range (rand, 1, 60);

      for (guint i = 0; i < n; i++)
        {
          if (g_rand_int_range (rand, 0, 8) == 0)
            g_string_append_c (input, (char) g_rand_int_range (rand, 0, 256));
          else
            g_string_append (input, fragments[g_rand_int_range (rand, 0, G_N_ELEMENTS (fragments))]);
        }

      for (guint f = 0; f < G_N_ELEMENTS (factories); f++)
        assert_split_invariant (factories[f], input->str, input->len);
    }
}

static void
test_peer_closed_everywhere (void **state)
{
  SessionFactory factories[] = { pf_service_session_new_echo, new_http, new_smtp,
                                 new_ssh, new_chat, new_script };

  for (guint i = 0; i < G_N_ELEMENTS (factories); i++)
    {
      g_autoptr (PfServiceSession) session = factories[i] ();
      g_auto (Transcript) t = { 0 };

      transcript_init (&t);
      feed_text (session, &t, "partial");
      assert_false (pf_service_session_is_closed (session));
      assert_peer_close (session);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_echo),
    cmocka_unit_test (test_echo_split),
    cmocka_unit_test (test_http_get),
    cmocka_unit_test (test_receive_bytes),
    cmocka_unit_test (test_http_head_404_405),
    cmocka_unit_test (test_http_body_skipped),
    cmocka_unit_test (test_http_malformed),
    cmocka_unit_test (test_http_connection),
    cmocka_unit_test (test_http_pipelining),
    cmocka_unit_test (test_http_limits),
    cmocka_unit_test (test_http_closed_ignores_input),
    cmocka_unit_test (test_smtp_dialogue),
    cmocka_unit_test (test_smtp_split),
    cmocka_unit_test (test_smtp_errors),
    cmocka_unit_test (test_smtp_limits),
    cmocka_unit_test (test_smtp_peer_closed_mid_message),
    cmocka_unit_test (test_ssh_banner),
    cmocka_unit_test (test_ssh_invalid),
    cmocka_unit_test (test_chat),
    cmocka_unit_test (test_script),
    cmocka_unit_test (test_script_describe_wait),
    cmocka_unit_test (test_random_input_split_invariant),
    cmocka_unit_test (test_peer_closed_everywhere),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
