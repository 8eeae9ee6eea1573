/* pf-service-session.c: what a built-in TCP service says, bytes in, bytes out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-service-session"

#include "config.h"

#include "pf-service-session.h"

#include <string.h>

#define DEFAULT_SERVER_NAME   "PacketFlow"
#define DEFAULT_SMTP_DOMAIN   "mail.example"
#define DEFAULT_CONTENT_TYPE  "text/html; charset=utf-8"
#define ERROR_CONTENT_TYPE    "text/plain; charset=utf-8"

typedef struct
{
  char   *content_type;
  GBytes *body;
} HttpPage;

/* What the header section of one HTTP request said. */
typedef struct
{
  char     *method;
  char     *path;
  guint     minor;              /* HTTP/1.minor */
  guint     n_host;
  gboolean  connection_close;
  gboolean  keep_alive;
  gboolean  has_length;
  guint64   content_length;
  gboolean  chunked_or_other;   /* Transfer-Encoding: a body we cannot frame */
} HttpRequest;

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
};

static void
http_page_free (gpointer data)
{
  HttpPage *page = data;

  g_free (page->content_type);
  g_bytes_unref (page->body);
  g_free (page);
}

static void
smtp_message_free (gpointer data)
{
  PfSmtpMessage *message = data;

  g_free (message->reverse_path);
  g_strfreev (message->forward_paths);
  g_bytes_unref (message->content);
  g_free (message);
}

static void
http_request_clear (HttpRequest *request)
{
  g_clear_pointer (&request->method, g_free);
  g_clear_pointer (&request->path, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HttpRequest, http_request_clear)

/* Input buffer */

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

static void
input_consume (PfServiceSession *self,
               gsize             n)
{
  g_assert (n <= input_len (self));

  self->head += n;
  self->scanned = self->scanned > n ? self->scanned - n : 0;
}

static void
input_compact (PfServiceSession *self)
{
  if (self->head > 0)
    g_byte_array_remove_range (self->input, 0, self->head);
  self->head = 0;
}

/* Where the first LF in the first @limit bytes is, or -1. Searches each
 * byte once however the data arrives. */
static gssize
input_find_lf (PfServiceSession *self,
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

/* A line without its LF and without the CR before it, if any. */
static gsize
strip_cr (const guint8 *line,
          gsize         len)
{
  return len > 0 && line[len - 1] == '\r' ? len - 1 : len;
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

static PfServiceSession *
session_new (PfServiceType kind)
{
  PfServiceSession *self = g_new0 (PfServiceSession, 1);

  self->kind = kind;
  /* Reserved now, so input->data is never NULL: input_data() adds an
   * offset to it, and NULL + 0 is undefined behaviour in C. */
  self->input = g_byte_array_sized_new (256);
  return self;
}

static GBytes *
line_bytes (const char *text)
{
  return g_string_free_to_bytes (g_string_append (g_string_new (text), "\r\n"));
}

/* HTTP */

static gboolean
is_tchar (guint8 c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

static gboolean
is_token (const guint8 *text,
          gsize         len)
{
  if (len == 0)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      if (!is_tchar (text[i]))
        return FALSE;
    }

  return TRUE;
}

/* The path of an origin-form ("/a?b") or absolute-form
 * ("http://host/a?b") request target, or NULL. */
static char *
http_target_path (const char *target)
{
  const char *start = target;
  gsize len;

  if (g_ascii_strncasecmp (target, "http://", 7) == 0)
    {
      start = strchr (target + 7, '/');
      if (start == NULL)
        return g_strdup ("/");
    }
  else if (strcmp (target, "*") == 0)
    {
      return g_strdup ("*");
    }
  else if (target[0] != '/')
    {
      return NULL;
    }

  len = strcspn (start, "?#");
  return g_strndup (start, len);
}

/* "METHOD SP target SP HTTP/1.x". Returns 0, or the status to answer. */
static guint
http_parse_request_line (const guint8 *line,
                         gsize         len,
                         HttpRequest  *request)
{
  const guint8 *sp1 = memchr (line, ' ', len);
  const guint8 *sp2;
  const guint8 *version;
  gsize version_len;
  g_autofree char *target = NULL;

  if (sp1 == NULL || !is_token (line, sp1 - line))
    return 400;

  sp2 = memchr (sp1 + 1, ' ', len - (sp1 + 1 - line));
  if (sp2 == NULL || sp2 == sp1 + 1)
    return 400;

  for (const guint8 *p = sp1 + 1; p < sp2; p++)
    {
      if (*p <= 0x20 || *p >= 0x7f)
        return 400;
    }

  version = sp2 + 1;
  version_len = len - (version - line);
  if (version_len != 8 || memcmp (version, "HTTP/", 5) != 0 ||
      !g_ascii_isdigit (version[5]) || version[6] != '.' ||
      !g_ascii_isdigit (version[7]))
    return 400;

  request->method = g_strndup ((const char *) line, sp1 - line);
  target = g_strndup ((const char *) sp1 + 1, sp2 - sp1 - 1);
  request->path = http_target_path (target);
  request->minor = version[7] - '0';

  if (request->path == NULL)
    return 400;
  if (version[5] != '1')
    return 505;

  return 0;
}

static gboolean
http_parse_content_length (const char *value,
                           guint64    *out_length)
{
  guint64 length = 0;

  if (*value == '\0')
    return FALSE;

  for (const char *p = value; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p) || length > (G_MAXUINT64 - 9) / 10)
        return FALSE;
      length = length * 10 + (guint64) (*p - '0');
    }

  *out_length = length;
  return TRUE;
}

static void
http_parse_connection (const char  *value,
                       HttpRequest *request)
{
  g_auto (GStrv) options = g_strsplit (value, ",", -1);

  for (guint i = 0; options[i] != NULL; i++)
    {
      g_strstrip (options[i]);
      if (g_ascii_strcasecmp (options[i], "close") == 0)
        request->connection_close = TRUE;
      else if (g_ascii_strcasecmp (options[i], "keep-alive") == 0)
        request->keep_alive = TRUE;
    }
}

/* "Name: value". Returns FALSE when the line is not a valid field. */
static gboolean
http_parse_header (const guint8 *line,
                   gsize         len,
                   HttpRequest  *request)
{
  const guint8 *colon = memchr (line, ':', len);
  g_autofree char *name = NULL;
  g_autofree char *value = NULL;
  guint64 length;

  if (colon == NULL || !is_token (line, colon - line))
    return FALSE;

  for (const guint8 *p = colon + 1; p < line + len; p++)
    {
      if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
        return FALSE;
    }

  name = g_strndup ((const char *) line, colon - line);
  value = g_strndup ((const char *) colon + 1, len - (colon + 1 - line));
  g_strstrip (value);

  if (g_ascii_strcasecmp (name, "Host") == 0)
    {
      request->n_host++;
    }
  else if (g_ascii_strcasecmp (name, "Connection") == 0)
    {
      http_parse_connection (value, request);
    }
  else if (g_ascii_strcasecmp (name, "Transfer-Encoding") == 0)
    {
      request->chunked_or_other = TRUE;
    }
  else if (g_ascii_strcasecmp (name, "Content-Length") == 0)
    {
      if (!http_parse_content_length (value, &length))
        return FALSE;
      if (request->has_length && request->content_length != length)
        return FALSE;
      request->has_length = TRUE;
      request->content_length = length;
    }

  return TRUE;
}

/* The header fields, line by line, after the request line. Returns 0 or
 * the status to answer. */
static guint
http_parse_headers (const guint8 *data,
                    gsize         len,
                    HttpRequest  *request)
{
  gsize pos = 0;

  while (pos < len)
    {
      const guint8 *lf = memchr (data + pos, '\n', len - pos);
      gsize line_len = strip_cr (data + pos, lf - (data + pos));

      if (line_len == 0)
        break;
      /* Obsolete line folding, or a bare CR inside a line. */
      if (data[pos] == ' ' || data[pos] == '\t' ||
          memchr (data + pos, '\r', line_len) != NULL)
        return 400;
      if (!http_parse_header (data + pos, line_len, request))
        return 400;

      pos = lf - data + 1;
    }

  if (request->n_host > 1 || (request->minor >= 1 && request->n_host == 0))
    return 400;
  if (request->chunked_or_other && request->has_length)
    return 400;

  return 0;
}

static const char *
http_reason (guint status)
{
  switch (status)
    {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    case 505: return "HTTP Version Not Supported";
    default:  return "Error";
    }
}

/* One response. @page NULL: a short text body saying the status.
 * @connection: "close", "keep-alive" or NULL for no Connection field. */
static void
http_respond (PfServiceSession *self,
              GString          *out,
              guint             status,
              const HttpPage   *page,
              gboolean          head,
              const char       *connection)
{
  g_autofree char *error_body = NULL;
  const char *content_type = ERROR_CONTENT_TYPE;
  const guint8 *body;
  gsize body_len;

  if (page != NULL)
    {
      content_type = page->content_type;
      body = g_bytes_get_data (page->body, &body_len);
    }
  else
    {
      error_body = g_strdup_printf ("%u %s\n", status, http_reason (status));
      body = (const guint8 *) error_body;
      body_len = strlen (error_body);
    }

  g_string_append_printf (out, "HTTP/1.1 %u %s\r\n", status, http_reason (status));
  g_string_append_printf (out, "Server: %s\r\n", self->server_name);
  if (status == 405)
    g_string_append (out, "Allow: GET, HEAD\r\n");
  g_string_append_printf (out, "Content-Type: %s\r\n", content_type);
  g_string_append_printf (out, "Content-Length: %" G_GSIZE_FORMAT "\r\n", body_len);
  if (connection != NULL)
    g_string_append_printf (out, "Connection: %s\r\n", connection);
  g_string_append (out, "\r\n");
  if (!head && body_len > 0)
    g_string_append_len (out, (const char *) body, body_len);
}

static void
http_fail (PfServiceSession *self,
           GString          *out,
           guint             status,
           gboolean          head)
{
  g_debug ("HTTP request refused: %u %s", status, http_reason (status));
  http_respond (self, out, status, NULL, head, "close");
  self->closed = TRUE;
}

/* Answers one complete request whose header section is @len bytes. */
static void
http_answer (PfServiceSession *self,
             GString          *out,
             gsize             len)
{
  g_auto (HttpRequest) request = { 0 };
  const guint8 *data = input_data (self);
  const guint8 *lf = memchr (data, '\n', len);
  gsize line_end = lf - data + 1;
  const HttpPage *page = NULL;
  gboolean head;
  gboolean keep_alive;
  guint status;

  status = http_parse_request_line (data, strip_cr (data, lf - data), &request);
  head = g_strcmp0 (request.method, "HEAD") == 0;
  if (status == 0)
    status = http_parse_headers (data + line_end, len - line_end, &request);
  input_consume (self, len);

  if (status != 0)
    {
      http_fail (self, out, status, head);
      return;
    }

  if (head || strcmp (request.method, "GET") == 0)
    {
      page = g_hash_table_lookup (self->pages, request.path);
      status = page != NULL ? 200 : 404;
    }
  else
    {
      status = 405;
    }

  keep_alive = !request.connection_close &&
               !request.chunked_or_other &&
               (request.minor >= 1 || request.keep_alive);

  g_debug ("HTTP/1.%u %s %s → %u", request.minor, request.method,
           request.path, status);

  http_respond (self, out, status, page, head,
                !keep_alive ? "close" :
                request.minor == 0 ? "keep-alive" : NULL);

  self->body_to_skip = request.has_length ? request.content_length : 0;
  self->closed = !keep_alive;
}

/* Scans the header section of the request at head. Returns its length
 * once whole, or 0: waiting for more, or answered an error. */
static gsize
http_scan_header (PfServiceSession *self,
                  GString          *out)
{
  const guint8 *data = input_data (self);
  gssize lf;

  while ((lf = input_find_lf (self, PF_HTTP_MAX_HEADER_SIZE)) >= 0)
    {
      gsize line_len = strip_cr (data + self->line_start, lf - self->line_start);
      g_auto (HttpRequest) request = { 0 };

      self->scanned = lf + 1;

      if (!self->request_line_ok)
        {
          guint status = http_parse_request_line (data, line_len, &request);

          if (status != 0)
            {
              http_fail (self, out, status, g_strcmp0 (request.method, "HEAD") == 0);
              return 0;
            }
          self->request_line_ok = TRUE;
        }
      else if (line_len == 0)
        {
          self->request_line_ok = FALSE;
          self->line_start = 0;
          return lf + 1;
        }

      self->line_start = lf + 1;
    }

  if (input_len (self) >= PF_HTTP_MAX_HEADER_SIZE)
    http_fail (self, out, 431, FALSE);

  return 0;
}

/* Skips the body of the previous request and the empty lines that may
 * come before a request line (RFC 9112, 2.2). FALSE: wait for more. */
static gboolean
http_skip_to_request (PfServiceSession *self)
{
  gsize skip = MIN (self->body_to_skip, input_len (self));

  input_consume (self, skip);
  self->body_to_skip -= skip;
  if (self->body_to_skip > 0)
    return FALSE;

  while (input_len (self) > 0 && self->line_start == 0 && self->scanned == 0)
    {
      const guint8 *data = input_data (self);

      if (data[0] == '\n')
        input_consume (self, 1);
      else if (data[0] == '\r' && input_len (self) == 1)
        return FALSE;
      else if (data[0] == '\r' && data[1] == '\n')
        input_consume (self, 2);
      else
        break;
    }

  return input_len (self) > 0;
}

static void
http_receive (PfServiceSession *self,
              GString          *out)
{
  while (!self->closed && http_skip_to_request (self))
    {
      gsize header_len = http_scan_header (self, out);

      if (header_len == 0)
        return;

      http_answer (self, out, header_len);
    }
}

/* SMTP (RFC 5321): the commands of a minimal server, answered as Postfix
 * answers them. */

static void
smtp_reply (GString    *out,
            const char *text)
{
  g_string_append (out, text);
  g_string_append (out, "\r\n");
}

static void
smtp_reset (PfServiceSession *self)
{
  g_clear_pointer (&self->reverse_path, g_free);
  g_ptr_array_set_size (self->recipients, 0);
  g_byte_array_set_size (self->message, 0);
  self->message_too_big = FALSE;
}

/* "FROM:<path> [parameters]" after the verb; parameters are ignored. */
static gboolean
smtp_parse_path (const char  *args,
                 const char  *keyword,
                 gboolean     allow_null,
                 char       **out_path)
{
  const char *p = args;
  const char *end;
  gsize keyword_len = strlen (keyword);

  if (g_ascii_strncasecmp (p, keyword, keyword_len) != 0)
    return FALSE;

  p += keyword_len;
  while (*p == ' ')
    p++;
  if (*p != '<')
    return FALSE;

  end = strchr (++p, '>');
  if (end == NULL || (end[1] != '\0' && end[1] != ' '))
    return FALSE;
  if (end == p && !allow_null)
    return FALSE;

  for (const char *q = p; q < end; q++)
    {
      if (*q == '<' || g_ascii_iscntrl (*q) || *q == ' ')
        return FALSE;
    }

  *out_path = g_strndup (p, end - p);
  return TRUE;
}

static void
smtp_mail (PfServiceSession *self,
           GString          *out,
           const char       *args)
{
  char *path = NULL;

  if (!self->greeted)
    smtp_reply (out, "503 5.5.1 Error: send HELO/EHLO first");
  else if (self->reverse_path != NULL)
    smtp_reply (out, "503 5.5.1 Error: nested MAIL command");
  else if (!smtp_parse_path (args, "FROM:", TRUE, &path))
    smtp_reply (out, "501 5.5.4 Syntax: MAIL FROM:<address>");
  else
    {
      self->reverse_path = path;
      smtp_reply (out, "250 2.1.0 Ok");
    }
}

static void
smtp_rcpt (PfServiceSession *self,
           GString          *out,
           const char       *args)
{
  char *path = NULL;

  if (self->reverse_path == NULL)
    smtp_reply (out, "503 5.5.1 Error: need MAIL command");
  else if (!smtp_parse_path (args, "TO:", FALSE, &path))
    smtp_reply (out, "501 5.5.4 Syntax: RCPT TO:<address>");
  else if (self->recipients->len >= PF_SMTP_MAX_RECIPIENTS)
    {
      g_free (path);
      smtp_reply (out, "452 4.5.3 Error: too many recipients");
    }
  else
    {
      g_ptr_array_add (self->recipients, path);
      smtp_reply (out, "250 2.1.5 Ok");
    }
}

static void
smtp_data (PfServiceSession *self,
           GString          *out,
           const char       *args)
{
  if (*args != '\0')
    smtp_reply (out, "501 5.5.4 Syntax: DATA");
  else if (self->reverse_path == NULL)
    smtp_reply (out, "503 5.5.1 Error: need MAIL command");
  else if (self->recipients->len == 0)
    smtp_reply (out, "503 5.5.1 Error: need RCPT command");
  else
    {
      self->in_data = TRUE;
      smtp_reply (out, "354 End data with <CR><LF>.<CR><LF>");
    }
}

static void
smtp_helo (PfServiceSession *self,
           GString          *out,
           gboolean          extended,
           const char       *args)
{
  if (*args == '\0')
    {
      smtp_reply (out, extended ? "501 5.5.4 Syntax: EHLO hostname"
                                : "501 5.5.4 Syntax: HELO hostname");
      return;
    }

  smtp_reset (self);
  self->greeted = TRUE;

  if (extended)
    g_string_append_printf (out,
                            "250-%s\r\n"
                            "250-PIPELINING\r\n"
                            "250-8BITMIME\r\n"
                            "250 ENHANCEDSTATUSCODES\r\n",
                            self->domain);
  else
    g_string_append_printf (out, "250 %s\r\n", self->domain);
}

static void
smtp_command (PfServiceSession *self,
              GString          *out,
              const guint8     *line,
              gsize             len)
{
  g_autofree char *text = NULL;
  const char *args;
  gsize verb_len;

  if (len == 0 || memchr (line, '\0', len) != NULL)
    {
      smtp_reply (out, "500 5.5.2 Error: bad syntax");
      return;
    }

  text = g_strndup ((const char *) line, len);
  verb_len = strcspn (text, " ");
  args = text + verb_len;
  while (*args == ' ')
    args++;
  text[verb_len] = '\0';

  g_debug ("SMTP command %s", text);

  if (g_ascii_strcasecmp (text, "HELO") == 0)
    smtp_helo (self, out, FALSE, args);
  else if (g_ascii_strcasecmp (text, "EHLO") == 0)
    smtp_helo (self, out, TRUE, args);
  else if (g_ascii_strcasecmp (text, "MAIL") == 0)
    smtp_mail (self, out, args);
  else if (g_ascii_strcasecmp (text, "RCPT") == 0)
    smtp_rcpt (self, out, args);
  else if (g_ascii_strcasecmp (text, "DATA") == 0)
    smtp_data (self, out, args);
  else if (g_ascii_strcasecmp (text, "RSET") == 0)
    {
      smtp_reset (self);
      smtp_reply (out, "250 2.0.0 Ok");
    }
  else if (g_ascii_strcasecmp (text, "NOOP") == 0)
    smtp_reply (out, "250 2.0.0 Ok");
  else if (g_ascii_strcasecmp (text, "VRFY") == 0)
    smtp_reply (out, "502 5.5.1 VRFY command is disabled");
  else if (g_ascii_strcasecmp (text, "QUIT") == 0)
    {
      smtp_reply (out, "221 2.0.0 Bye");
      self->closed = TRUE;
    }
  else
    smtp_reply (out, "502 5.5.2 Error: command not recognized");
}

static void
smtp_end_of_data (PfServiceSession *self,
                  GString          *out)
{
  PfSmtpMessage *message;

  self->in_data = FALSE;

  if (self->message_too_big)
    {
      smtp_reply (out, "552 5.3.4 Error: message file too big");
      smtp_reset (self);
      return;
    }

  g_ptr_array_add (self->recipients, NULL);

  message = g_new0 (PfSmtpMessage, 1);
  message->reverse_path = g_steal_pointer (&self->reverse_path);
  /* The strings move to the message; the array stays, empty. */
  message->forward_paths = (GStrv) g_ptr_array_steal (self->recipients, NULL);
  message->content = g_bytes_new (self->message->data, self->message->len);
  g_ptr_array_add (self->messages, message);

  smtp_reset (self);

  g_string_append_printf (out, "250 2.0.0 Ok: queued as %u\r\n", ++self->n_queued);
}

/* One line of the message: "." alone ends it, a leading dot is removed
 * (RFC 5321, 4.5.2). */
static void
smtp_data_line (PfServiceSession *self,
                GString          *out,
                const guint8     *line,
                gsize             len)
{
  if (len == 1 && line[0] == '.')
    {
      smtp_end_of_data (self, out);
      return;
    }

  if (len > 0 && line[0] == '.')
    {
      line++;
      len--;
    }

  if (self->message_too_big ||
      self->message->len + len + 2 > PF_SMTP_MAX_MESSAGE_SIZE)
    {
      self->message_too_big = TRUE;
      return;
    }

  g_byte_array_append (self->message, line, len);
  g_byte_array_append (self->message, (const guint8 *) "\r\n", 2);
}

/* No LF yet: is the line already too long to keep? */
static void
smtp_partial_line (PfServiceSession *self,
                   GString          *out)
{
  if (self->in_data && input_len (self) > PF_SMTP_MAX_MESSAGE_SIZE)
    {
      self->message_too_big = TRUE;
      self->skipping_line = TRUE;
      input_consume (self, input_len (self));
    }
  else if (!self->in_data && !self->skipping_line &&
           input_len (self) > PF_SMTP_MAX_LINE)
    {
      smtp_reply (out, "500 5.5.0 Error: line too long");
      self->closed = TRUE;
    }
}

static void
smtp_receive (PfServiceSession *self,
              GString          *out)
{
  while (!self->closed)
    {
      gssize lf = input_find_lf (self, G_MAXSIZE);
      const guint8 *line = input_data (self);
      gsize len;

      if (lf < 0)
        {
          smtp_partial_line (self, out);
          return;
        }

      len = strip_cr (line, lf);
      input_consume (self, lf + 1);

      if (self->skipping_line)
        self->skipping_line = FALSE;
      else if (self->in_data)
        smtp_data_line (self, out, line, len);
      else if ((gsize) lf > PF_SMTP_MAX_LINE)
        {
          smtp_reply (out, "500 5.5.0 Error: line too long");
          self->closed = TRUE;
        }
      else
        smtp_command (self, out, line, len);
    }
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

  lf = input_find_lf (self, PF_SSH_MAX_IDENT_LINE);
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
      gssize lf = input_find_lf (self, PF_CHAT_MAX_LINE);
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
  return session_new (PF_SERVICE_ECHO);
}

/* An HTTP/1.1 server with these pages (copied); a path given twice is
 * served from its first page. @server_name: the Server field. */
PfServiceSession *
pf_service_session_new_http (const PfHttpPage * const *pages,
                             guint                     n_pages,
                             const char               *server_name)
{
  PfServiceSession *self;

  g_return_val_if_fail (pages != NULL || n_pages == 0, NULL);
  for (guint i = 0; i < n_pages; i++)
    g_return_val_if_fail (pages[i] != NULL && pages[i]->path != NULL, NULL);

  self = session_new (PF_SERVICE_HTTP);
  self->server_name = g_strdup (server_name != NULL ? server_name : DEFAULT_SERVER_NAME);
  self->pages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, http_page_free);

  for (guint i = 0; i < n_pages; i++)
    {
      HttpPage *page;

      if (g_hash_table_contains (self->pages, pages[i]->path))
        continue;

      page = g_new0 (HttpPage, 1);
      page->content_type = g_strdup (pages[i]->content_type != NULL ?
                                     pages[i]->content_type : DEFAULT_CONTENT_TYPE);
      page->body = pages[i]->body != NULL ? g_bytes_ref (pages[i]->body)
                                          : g_bytes_new (NULL, 0);
      g_hash_table_insert (self->pages, g_strdup (pages[i]->path), page);
    }

  return self;
}

/* A mail server for @domain that accepts every message (see
 * pf_service_session_get_messages()). */
PfServiceSession *
pf_service_session_new_smtp (const char *domain)
{
  PfServiceSession *self = session_new (PF_SERVICE_SMTP);
  g_autofree char *greeting = NULL;

  self->domain = g_strdup (domain != NULL ? domain : DEFAULT_SMTP_DOMAIN);
  self->recipients = g_ptr_array_new_with_free_func (g_free);
  self->message = g_byte_array_new ();
  self->messages = g_ptr_array_new_with_free_func (smtp_message_free);

  greeting = g_strdup_printf ("220 %s ESMTP Packet Flow", self->domain);
  self->greeting = line_bytes (greeting);
  return self;
}

/* Sends @banner ("SSH-2.0-OpenSSH_9.2p1", without CR LF) and reads the
 * client's identification line; what follows is ignored. */
PfServiceSession *
pf_service_session_new_ssh_banner (const char *banner)
{
  PfServiceSession *self;

  g_return_val_if_fail (banner != NULL, NULL);

  self = session_new (PF_SERVICE_SSH_BANNER);
  self->greeting = line_bytes (banner);
  return self;
}

/* A chat room: each line a client sends goes to every other client.
 * @welcome, without CR LF, is sent on accept; NULL sends nothing. */
PfServiceSession *
pf_service_session_new_chat (const char *welcome)
{
  PfServiceSession *self = session_new (PF_SERVICE_CHAT);

  if (welcome != NULL)
    self->greeting = line_bytes (welcome);
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

  self = session_new (PF_SERVICE_SCRIPT);
  self->expects = g_ptr_array_new_with_free_func (g_free);
  self->replies = g_ptr_array_new_with_free_func (g_free);

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

  switch (session->kind)
    {
    case PF_SERVICE_ECHO:       break;
    case PF_SERVICE_HTTP:       http_receive (session, out); break;
    case PF_SERVICE_SMTP:       smtp_receive (session, out); break;
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
