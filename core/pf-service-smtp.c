/* pf-service-smtp.c: the built-in SMTP server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-service-session"

#include "config.h"

#include "pf-service-session-private.h"

#include <string.h>

#define DEFAULT_SMTP_DOMAIN   "mail.example"

static void
smtp_message_free (gpointer data)
{
  PfSmtpMessage *message = data;

  g_free (message->reverse_path);
  g_strfreev (message->forward_paths);
  g_bytes_unref (message->content);
  g_free (message);
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

void
pf_service_smtp_receive (PfServiceSession *self,
              GString          *out)
{
  while (!self->closed)
    {
      gssize lf = pf_service_session_find_lf (self, G_MAXSIZE);
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

/* A mail server for @domain that accepts every message (see
 * pf_service_session_get_messages()). */
PfServiceSession *
pf_service_session_new_smtp (const char *domain)
{
  PfServiceSession *self = pf_service_session_alloc (PF_SERVICE_SMTP);
  g_autofree char *greeting = NULL;

  self->domain = g_strdup (domain != NULL ? domain : DEFAULT_SMTP_DOMAIN);
  self->recipients = g_ptr_array_new_with_free_func (g_free);
  self->message = g_byte_array_new ();
  self->messages = g_ptr_array_new_with_free_func (smtp_message_free);

  greeting = g_strdup_printf ("220 %s ESMTP Packet Flow", self->domain);
  self->greeting = pf_service_line_bytes (greeting);
  return self;
}
