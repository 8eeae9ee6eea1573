/* pf-service-http.c: the built-in HTTP/1.1 server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-service-session"

#include "config.h"

#include "pf-service-session-private.h"

#include <string.h>

#define DEFAULT_SERVER_NAME   "PacketFlow"
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

static void
http_page_free (gpointer data)
{
  HttpPage *page = data;

  g_free (page->content_type);
  g_bytes_unref (page->body);
  g_free (page);
}

static void
http_request_clear (HttpRequest *request)
{
  g_clear_pointer (&request->method, g_free);
  g_clear_pointer (&request->path, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HttpRequest, http_request_clear)

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

  while ((lf = pf_service_session_find_lf (self, PF_HTTP_MAX_HEADER_SIZE)) >= 0)
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

void
pf_service_http_receive (PfServiceSession *self,
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

  self = pf_service_session_alloc (PF_SERVICE_HTTP);
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
