/* pf-json-locator.c: where every value of a JSON document starts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-json-locator"

#include "config.h"

#include <string.h>

#include "pf-json-locator.h"

/* json-glib builds a tree but forgets where each node came from, and
 * json-glib 1.6 is lenient: it accepts comments, 'single quotes', 0x10,
 * 01 and a second document after the first, reads \x41 as "x41", cuts a
 * string at \u0000, wraps 99999999999999999999 to -1, and overflows its
 * stack on deep nesting.  So the locator goes first: one pass over the
 * bytes that checks strict RFC 8259 JSON (plus: UTF-8, no NUL, no
 * duplicate member names, at most PF_JSON_LOCATOR_MAX_DEPTH levels) and
 * records where every value (and every member name) starts.  A value is
 * then found by its JSON pointer (RFC 6901), "/hosts/0/address".
 *
 * Memory: 16 bytes per value plus 4 per array element or member, and one
 * offset per line; the text itself is shared through the GBytes. */

#define NO_NAME G_MAXUINT32

typedef struct
{
  guint32 offset;       /* first byte of the value */
  guint32 name_offset;  /* opening quote of its member name, or NO_NAME */
  guint32 first_child;  /* index into ->children */
  guint32 n_children;
} Node;

struct _PfJsonLocator
{
  GBytes     *json;
  const char *text;
  gsize       length;
  GArray     *nodes;        /* Node, in document order; the root is 0 */
  GArray     *children;     /* guint32; each container's run is contiguous */
  GArray     *line_starts;  /* guint32; line 1 starts after a BOM */

  /* Columns are counted in characters from the line start; positions are
   * mostly asked in document order, so remember the last one. */
  gsize       cached_offset;
  guint       cached_line;
  guint       cached_column;
};

typedef struct
{
  PfJsonLocator  *self;
  const char     *text;
  gsize           length;
  gsize           pos;
  guint           depth;
  GArray         *members[PF_JSON_LOCATOR_MAX_DEPTH];
  GHashTable     *names[PF_JSON_LOCATOR_MAX_DEPTH];
  gsize           error_offset;
  GError         *error;
} Scanner;

G_DEFINE_QUARK (pf-json-locator-error-quark, pf_json_locator_error)

static const char value_kinds[] =
  "a value: an object, array, string, number, true, false or null";

static gboolean G_GNUC_PRINTF (4, 5)
scanner_fail (Scanner    *s,
              gsize       offset,
              int         code,
              const char *format,
              ...)
{
  va_list args;

  if (s->error != NULL)
    return FALSE;

  va_start (args, format);
  s->error = g_error_new_valist (PF_JSON_LOCATOR_ERROR, code, format, args);
  va_end (args);
  s->error_offset = offset;
  return FALSE;
}

static gboolean
is_word_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '.' || c == '+' || c == '-';
}

/* What stands at @pos, for "expected X, got Y". */
static char *
describe_at (Scanner *s,
             gsize    pos)
{
  const char *p = s->text + pos;
  gsize n = 0;

  if (pos >= s->length)
    return g_strdup ("the end of the file");
  if (*p == '"')
    return g_strdup ("a string");

  while (pos + n < s->length && n < 24 && is_word_char (p[n]))
    n++;
  if (n == 0)
    n = g_utf8_next_char (p) - p;

  return g_strdup_printf ("'%.*s'", (int) n, p);
}

static gboolean
fail_unexpected (Scanner    *s,
                 gsize       pos,
                 const char *expected)
{
  g_autofree char *got = NULL;

  if (pos + 1 < s->length && s->text[pos] == '/' &&
      (s->text[pos + 1] == '/' || s->text[pos + 1] == '*'))
    return scanner_fail (s, pos, PF_JSON_LOCATOR_ERROR_SYNTAX,
                         "comments are not allowed in JSON");
  if (pos < s->length && s->text[pos] == '\'')
    return scanner_fail (s, pos, PF_JSON_LOCATOR_ERROR_SYNTAX,
                         "strings must be in double quotes \"like this\", "
                         "not single quotes");

  got = describe_at (s, pos);
  return scanner_fail (s, pos, PF_JSON_LOCATOR_ERROR_SYNTAX,
                       "expected %s, got %s", expected, got);
}

static void
skip_space (Scanner *s)
{
  while (s->pos < s->length)
    {
      char c = s->text[s->pos];

      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        break;
      s->pos++;
    }
}

static int
hex_value (char c)
{
  if (g_ascii_isdigit (c))
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Four hex digits at @p (which has at least @avail bytes), or -1. */
static int
parse_hex4 (const char *p,
            gsize       avail)
{
  int value = 0;

  if (avail < 4)
    return -1;

  for (guint i = 0; i < 4; i++)
    {
      int digit = hex_value (p[i]);

      if (digit < 0)
        return -1;
      value = value * 16 + digit;
    }

  return value;
}

static gboolean
scan_unicode_escape (Scanner *s,
                     gsize    start,
                     GString *decoded)
{
  gsize avail = s->length - (start + 2);
  int code = parse_hex4 (s->text + start + 2, avail);
  gunichar c;

  if (code < 0)
    return scanner_fail (s, start, PF_JSON_LOCATOR_ERROR_SYNTAX,
                         "invalid escape: \\u needs four hex digits, "
                         "like \\u00e9");
  if (code == 0)
    return scanner_fail (s, start, PF_JSON_LOCATOR_ERROR_SYNTAX,
                         "\\u0000 is not allowed: a string cannot hold the "
                         "NUL character (binary data goes in \"hex\")");
  if (code >= 0xDC00 && code <= 0xDFFF)
    return scanner_fail (s, start, PF_JSON_LOCATOR_ERROR_SYNTAX,
                         "invalid escape \\u%04X: a low surrogate must "
                         "follow a high one (\\uD800 to \\uDBFF)", code);

  c = code;
  s->pos = start + 6;

  if (code >= 0xD800 && code <= 0xDBFF)
    {
      int low = -1;

      if (s->pos + 1 < s->length && s->text[s->pos] == '\\' &&
          s->text[s->pos + 1] == 'u')
        low = parse_hex4 (s->text + s->pos + 2, s->length - (s->pos + 2));
      if (low < 0xDC00 || low > 0xDFFF)
        return scanner_fail (s, start, PF_JSON_LOCATOR_ERROR_SYNTAX,
                             "invalid escape \\u%04X: a high surrogate must "
                             "be followed by a low one (\\uDC00 to \\uDFFF)",
                             code);
      c = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
      s->pos += 6;
    }

  if (decoded != NULL)
    g_string_append_unichar (decoded, c);
  return TRUE;
}

static gboolean
scan_escape (Scanner *s,
             GString *decoded)
{
  gsize start = s->pos;
  char c;
  char out;

  if (start + 1 >= s->length)
    return FALSE;  /* the caller reports the unclosed string */

  c = s->text[start + 1];
  switch (c)
    {
    case '"': case '\\': case '/':
      out = c;
      break;
    case 'b': out = '\b'; break;
    case 'f': out = '\f'; break;
    case 'n': out = '\n'; break;
    case 'r': out = '\r'; break;
    case 't': out = '\t'; break;
    case 'u':
      return scan_unicode_escape (s, start, decoded);
    default:
      {
        const char *p = s->text + start + 1;

        /* Quoting a line break or a control character would break the
         * one-line message: name it instead. */
        if ((guchar) c < 0x20 || c == 0x7f)
          return scanner_fail (s, start, PF_JSON_LOCATOR_ERROR_SYNTAX,
                               "invalid escape: '\\' followed by the control "
                               "character U+%04X in a string; JSON knows "
                               "\\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX",
                               (guint) (guchar) c);
        return scanner_fail (s, start, PF_JSON_LOCATOR_ERROR_SYNTAX,
                             "invalid escape '\\%.*s' in a string; JSON knows "
                             "\\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX",
                             (int) (g_utf8_next_char (p) - p), p);
      }
    }

  if (decoded != NULL)
    g_string_append_c (decoded, out);
  s->pos = start + 2;
  return TRUE;
}

static gboolean
scan_string (Scanner *s,
             GString *decoded)
{
  gsize open = s->pos;

  s->pos++;
  while (s->pos < s->length)
    {
      guchar c = s->text[s->pos];

      if (c == '"')
        {
          s->pos++;
          return TRUE;
        }
      else if (c == '\\')
        {
          if (!scan_escape (s, decoded))
            {
              if (s->error != NULL)
                return FALSE;
              break;
            }
        }
      else if (c == '\n' || c == '\r')
        return scanner_fail (s, open, PF_JSON_LOCATOR_ERROR_SYNTAX,
                             "this string is not closed on its line; end it "
                             "with \" (a line break inside a string is "
                             "written \\n)");
      else if (c == '\t')
        return scanner_fail (s, s->pos, PF_JSON_LOCATOR_ERROR_SYNTAX,
                             "a tab inside a string must be written \\t");
      else if (c < 0x20)
        return scanner_fail (s, s->pos, PF_JSON_LOCATOR_ERROR_SYNTAX,
                             "control character U+%04X inside a string must "
                             "be written \\u%04X", c, c);
      else
        {
          if (decoded != NULL)
            g_string_append_c (decoded, c);
          s->pos++;
        }
    }

  return scanner_fail (s, open, PF_JSON_LOCATOR_ERROR_SYNTAX,
                       "this string is not closed: the file ends before "
                       "its closing \"");
}

static gsize
skip_digits (Scanner *s,
             gsize    p)
{
  while (p < s->length && g_ascii_isdigit (s->text[p]))
    p++;
  return p;
}

static gboolean
fail_number (Scanner    *s,
             gsize       start,
             const char *why)
{
  gsize end = start;

  while (end < s->length && end - start < 24 && is_word_char (s->text[end]))
    end++;

  return scanner_fail (s, start, PF_JSON_LOCATOR_ERROR_SYNTAX,
                       "invalid number '%.*s'; %s", (int) (end - start),
                       s->text + start, why);
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static gboolean
scan_number (Scanner *s)
{
  static const char *looks = "JSON numbers look like 80, -1, 0.25 or 1e6";
  gsize start = s->pos;
  gsize p = start;
  gsize q;

  if (s->text[p] == '-')
    p++;
  if (p < s->length && s->text[p] == '0')
    {
      p++;
      if (p < s->length && g_ascii_isdigit (s->text[p]))
        return fail_number (s, start, "JSON numbers have no leading zeros");
    }
  else if ((q = skip_digits (s, p)) > p)
    p = q;
  else
    return fail_number (s, start, looks);

  if (p < s->length && s->text[p] == '.')
    {
      if ((q = skip_digits (s, p + 1)) == p + 1)
        return fail_number (s, start, looks);
      p = q;
    }

  if (p < s->length && (s->text[p] == 'e' || s->text[p] == 'E'))
    {
      p++;
      if (p < s->length && (s->text[p] == '+' || s->text[p] == '-'))
        p++;
      if ((q = skip_digits (s, p)) == p)
        return fail_number (s, start, looks);
      p = q;
    }

  if (p < s->length && is_word_char (s->text[p]))
    return fail_number (s, start, looks);

  s->pos = p;
  return TRUE;
}

static gboolean
scan_literal (Scanner *s)
{
  static const char *const words[] = { "true", "false", "null" };
  const char *p = s->text + s->pos;
  gsize n = 0;

  while (s->pos + n < s->length && g_ascii_isalnum (p[n]))
    n++;

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    {
      if (n == strlen (words[i]) && memcmp (p, words[i], n) == 0)
        {
          s->pos += n;
          return TRUE;
        }
    }

  if (n > 0)
    return scanner_fail (s, s->pos, PF_JSON_LOCATOR_ERROR_SYNTAX,
                         "unknown word '%.*s'; expected %s",
                         (int) MIN (n, 24), p, value_kinds);

  return fail_unexpected (s, s->pos, value_kinds);
}

static gboolean scan_value (Scanner *s,
                            gsize    name_offset,
                            guint32 *out_index);

static char *decode_string (const PfJsonLocator *self,
                            gsize                offset);

static gsize
node_name_offset (Scanner *s,
                  guint32  index)
{
  return g_array_index (s->self->nodes, Node, index).name_offset;
}

/* Whether the member names whose opening quotes are at @a and @b are the
 * same name: in place when neither has an escape, else decoded. */
static gboolean
names_equal (Scanner *s,
             gsize    a,
             gsize    b)
{
  const char *p = s->text + a + 1;
  const char *q = s->text + b + 1;
  g_autofree char *name_a = NULL;
  g_autofree char *name_b = NULL;

  while (*p == *q && *p != '"' && *p != '\\')
    {
      p++;
      q++;
    }
  if (*p != '\\' && *q != '\\')
    return *p == '"' && *q == '"';

  name_a = decode_string (s->self, a);
  name_b = decode_string (s->self, b);
  return g_str_equal (name_a, name_b);
}

/* Where the object being scanned already has the name that starts at
 * @start, or NO_NAME. Most objects have a few members, compared one by
 * one in place; a large one gets a table of the decoded names, filled
 * the first time it passes SMALL_OBJECT members. */
#define SMALL_OBJECT 8

static gsize
find_duplicate (Scanner *s,
                gsize    start)
{
  GArray *members = s->members[s->depth - 1];
  GHashTable *names = s->names[s->depth - 1];
  g_autofree char *name = NULL;
  gpointer first;

  if (members->len <= SMALL_OBJECT)
    {
      for (guint i = 0; i < members->len; i++)
        {
          gsize other = node_name_offset (s, g_array_index (members, guint32, i));

          if (names_equal (s, other, start))
            return other;
        }
      return NO_NAME;
    }

  for (guint i = g_hash_table_size (names); i < members->len; i++)
    {
      gsize other = node_name_offset (s, g_array_index (members, guint32, i));

      /* names already checked to be unique: insert, never replace */
      g_hash_table_insert (names, decode_string (s->self, other), GSIZE_TO_POINTER (other));
    }

  name = decode_string (s->self, start);
  if (g_hash_table_lookup_extended (names, name, NULL, &first))
    return GPOINTER_TO_SIZE (first);
  return NO_NAME;
}

static gboolean
scan_member_name (Scanner *s,
                  gsize   *out_name_offset)
{
  gsize start = s->pos;
  gsize first;

  if (start >= s->length || s->text[start] != '"')
    {
      if (start < s->length && g_ascii_isalpha (s->text[start]))
        {
          g_autofree char *got = describe_at (s, start);

          return scanner_fail (s, start, PF_JSON_LOCATOR_ERROR_SYNTAX,
                               "member names must be in double quotes, "
                               "got %s", got);
        }
      return fail_unexpected (s, start, "a member name in double quotes");
    }

  if (!scan_string (s, NULL))
    return FALSE;

  first = find_duplicate (s, start);
  if (first != NO_NAME)
    {
      PfJsonPosition at = pf_json_locator_position_at (s->self, first);

      return scanner_fail (s, start, PF_JSON_LOCATOR_ERROR_DUPLICATE,
                           "duplicate member %.*s in this object; it is "
                           "already at %u:%u",
                           (int) (s->pos - start), s->text + start,
                           at.line, at.column);
    }

  skip_space (s);
  if (s->pos >= s->length || s->text[s->pos] != ':')
    return fail_unexpected (s, s->pos, "':' after the member name");
  s->pos++;
  skip_space (s);

  *out_name_offset = start;
  return TRUE;
}

static gboolean
scan_container (Scanner *s,
                guint32  index)
{
  gsize open = s->pos;
  gboolean is_object = s->text[open] == '{';
  char close = is_object ? '}' : ']';
  const char *what = is_object ? "member" : "element";
  GArray *members;
  Node *node;

  if (s->depth == PF_JSON_LOCATOR_MAX_DEPTH)
    return scanner_fail (s, open, PF_JSON_LOCATOR_ERROR_DEPTH,
                         "arrays and objects are nested more than %d deep",
                         PF_JSON_LOCATOR_MAX_DEPTH);

  if (s->members[s->depth] == NULL)
    s->members[s->depth] = g_array_new (FALSE, FALSE, sizeof (guint32));
  members = s->members[s->depth];
  g_array_set_size (members, 0);

  if (is_object)
    {
      if (s->names[s->depth] == NULL)
        s->names[s->depth] = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                    g_free, NULL);
      if (g_hash_table_size (s->names[s->depth]) > 0)
        g_hash_table_remove_all (s->names[s->depth]);
    }

  s->depth++;
  s->pos++;
  skip_space (s);

  if (s->pos < s->length && s->text[s->pos] == close)
    s->pos++;
  else
    {
      for (;;)
        {
          gsize name_offset = NO_NAME;
          guint32 child;

          if (is_object && !scan_member_name (s, &name_offset))
            return FALSE;
          if (!scan_value (s, name_offset, &child))
            return FALSE;
          g_array_append_val (members, child);

          skip_space (s);
          if (s->pos < s->length && s->text[s->pos] == ',')
            {
              gsize comma = s->pos++;

              skip_space (s);
              if (s->pos < s->length && s->text[s->pos] == close)
                return scanner_fail (s, comma, PF_JSON_LOCATOR_ERROR_SYNTAX,
                                     "trailing comma: JSON allows no ',' "
                                     "before '%c'", close);
              continue;
            }
          if (s->pos < s->length && s->text[s->pos] == close)
            {
              s->pos++;
              break;
            }
          if (s->pos >= s->length)
            {
              PfJsonPosition at = pf_json_locator_position_at (s->self, open);

              return scanner_fail (s, s->pos, PF_JSON_LOCATOR_ERROR_SYNTAX,
                                   "the file ends inside the %s opened at "
                                   "%u:%u; expected '%c'",
                                   is_object ? "object" : "array",
                                   at.line, at.column, close);
            }
          {
            g_autofree char *expected =
              g_strdup_printf ("',' or '%c' after this %s", close, what);

            return fail_unexpected (s, s->pos, expected);
          }
        }
    }

  s->depth--;
  node = &g_array_index (s->self->nodes, Node, index);
  node->first_child = s->self->children->len;
  node->n_children = members->len;
  g_array_append_vals (s->self->children, members->data, members->len);
  return TRUE;
}

static gboolean
scan_value (Scanner *s,
            gsize    name_offset,
            guint32 *out_index)
{
  Node node = { (guint32) s->pos, (guint32) name_offset, 0, 0 };
  guint32 index = s->self->nodes->len;

  g_array_append_val (s->self->nodes, node);
  *out_index = index;

  if (s->pos >= s->length)
    return fail_unexpected (s, s->pos, value_kinds);

  switch (s->text[s->pos])
    {
    case '{':
    case '[':
      return scan_container (s, index);
    case '"':
      return scan_string (s, NULL);
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return scan_number (s);
    default:
      return scan_literal (s);
    }
}

static void
record_lines (PfJsonLocator *self,
              gsize          start)
{
  const char *p = self->text + start;
  const char *end = self->text + self->length;
  guint32 offset = start;

  g_array_append_val (self->line_starts, offset);
  while ((p = memchr (p, '\n', end - p)) != NULL)
    {
      p++;
      offset = p - self->text;
      g_array_append_val (self->line_starts, offset);
    }
}

static gboolean
scan_document (Scanner *s)
{
  const char *bad;
  guint32 root;

  if (!g_utf8_validate_len (s->text, s->length, &bad))
    {
      gsize offset = bad - s->text;

      if (*bad == '\0')
        return scanner_fail (s, offset, PF_JSON_LOCATOR_ERROR_ENCODING,
                             "the file contains a NUL byte; expected UTF-8 "
                             "text");
      return scanner_fail (s, offset, PF_JSON_LOCATOR_ERROR_ENCODING,
                           "the file is not valid UTF-8 (byte 0x%02X here); "
                           "save it as UTF-8", (guchar) *bad);
    }

  skip_space (s);
  if (s->pos >= s->length)
    return scanner_fail (s, s->pos, PF_JSON_LOCATOR_ERROR_SYNTAX,
                         "the file is empty; expected a JSON value");

  if (!scan_value (s, NO_NAME, &root))
    return FALSE;

  skip_space (s);
  if (s->pos < s->length)
    {
      if (s->text[s->pos] == '/')
        return fail_unexpected (s, s->pos, "the end of the file");
      return scanner_fail (s, s->pos, PF_JSON_LOCATOR_ERROR_SYNTAX,
                           "unexpected text after the end of the JSON "
                           "value; a file holds exactly one value");
    }

  return TRUE;
}

/**
 * pf_json_locator_new:
 * @json: the document's bytes (a reference is kept)
 * @out_error_position: (out) (optional): where the first error is
 * @error: return location for a #PF_JSON_LOCATOR_ERROR; its message says
 *   what is wrong, without a position
 *
 * Checks that @json is one strict JSON value in UTF-8 and records where
 * every value starts.
 *
 * Returns: (transfer full) (nullable): the locator, or %NULL on error
 */
PfJsonLocator *
pf_json_locator_new (GBytes          *json,
                     PfJsonPosition  *out_error_position,
                     GError         **error)
{
  g_autoptr(PfJsonLocator) self = NULL;
  Scanner s = { 0 };
  gboolean ok;
  gsize start = 0;

  g_return_val_if_fail (json != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (PfJsonLocator, 1);
  self->json = g_bytes_ref (json);
  self->text = g_bytes_get_data (json, &self->length);
  if (self->text == NULL)
    self->text = "";
  self->nodes = g_array_new (FALSE, FALSE, sizeof (Node));
  self->children = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->line_starts = g_array_new (FALSE, FALSE, sizeof (guint32));

  if (self->length >= 3 && memcmp (self->text, "\xEF\xBB\xBF", 3) == 0)
    start = 3;

  s.self = self;
  s.text = self->text;
  s.length = self->length;
  s.pos = start;

  if (self->length >= G_MAXUINT32)
    {
      guint32 first_line = start;

      g_array_append_val (self->line_starts, first_line);
      ok = scanner_fail (&s, 0, PF_JSON_LOCATOR_ERROR_TOO_LARGE,
                         "the document is larger than 4 GiB");
    }
  else
    {
      record_lines (self, start);
      ok = scan_document (&s);
    }

  for (guint i = 0; i < PF_JSON_LOCATOR_MAX_DEPTH; i++)
    {
      g_clear_pointer (&s.members[i], g_array_unref);
      g_clear_pointer (&s.names[i], g_hash_table_unref);
    }

  if (!ok)
    {
      if (out_error_position != NULL)
        *out_error_position = pf_json_locator_position_at (self,
                                                           s.error_offset);
      g_propagate_error (error, s.error);
      return NULL;
    }

  g_debug ("%u values on %u lines", self->nodes->len, self->line_starts->len);
  return g_steal_pointer (&self);
}

void
pf_json_locator_free (PfJsonLocator *self)
{
  if (self == NULL)
    return;

  g_bytes_unref (self->json);
  g_array_unref (self->nodes);
  g_array_unref (self->children);
  g_array_unref (self->line_starts);
  g_free (self);
}

static guint
count_chars (const char *p,
             const char *end)
{
  guint n = 0;

  for (; p < end; p++)
    if (((guchar) *p & 0xC0) != 0x80)
      n++;
  return n;
}

/**
 * pf_json_locator_position_at:
 * @self: a locator
 * @offset: a byte offset into the document
 *
 * Returns: the line and column (from 1) of @offset
 */
PfJsonPosition
pf_json_locator_position_at (const PfJsonLocator *self,
                             gsize                offset)
{
  PfJsonLocator *cache = (PfJsonLocator *) self;
  const guint32 *starts = (const guint32 *) (gpointer) self->line_starts->data;
  guint lo = 0;
  guint hi = self->line_starts->len;
  PfJsonPosition position = { 1, 1, offset };

  g_return_val_if_fail (self != NULL, position);

  offset = MIN (offset, self->length);
  position.offset = offset;
  if (hi == 0 || offset < starts[0])
    return position;

  /* the last line that starts at or before offset */
  while (hi - lo > 1)
    {
      guint mid = lo + (hi - lo) / 2;

      if (starts[mid] <= offset)
        lo = mid;
      else
        hi = mid;
    }

  position.line = lo + 1;
  if (cache->cached_line == position.line && cache->cached_offset <= offset)
    position.column = cache->cached_column +
                      count_chars (self->text + cache->cached_offset,
                                   self->text + offset);
  else
    position.column = 1 + count_chars (self->text + starts[lo],
                                       self->text + offset);

  cache->cached_line = position.line;
  cache->cached_offset = offset;
  cache->cached_column = position.column;
  return position;
}

/* Decodes the (already checked) string at @offset. */
static char *
decode_string (const PfJsonLocator *self,
               gsize                offset)
{
  Scanner s = { 0 };
  GString *out = g_string_new (NULL);

  s.self = (PfJsonLocator *) self;
  s.text = self->text;
  s.length = self->length;
  s.pos = offset;
  if (!scan_string (&s, out))
    g_clear_error (&s.error);  /* cannot happen: the text was checked */
  return g_string_free (out, FALSE);
}

static const Node *
node_at (const PfJsonLocator *self,
         guint32              index)
{
  return &g_array_index (self->nodes, Node, index);
}

static guint32
child_at (const PfJsonLocator *self,
          const Node          *node,
          guint32              i)
{
  return g_array_index (self->children, guint32, node->first_child + i);
}

/* Whether the member name whose opening quote is at @offset is @token.
 * A name without escapes is compared in place; one with escapes is
 * decoded first (rare, so the allocation is too). */
static gboolean
name_equals (const PfJsonLocator *self,
             gsize                offset,
             const char          *token)
{
  const char *p = self->text + offset + 1;
  const char *t = token;

  while (*p != '"' && *p != '\\')
    {
      if (*p != *t)
        return FALSE;
      p++;
      t++;
    }

  if (*p == '"')
    return *t == '\0';

  {
    g_autofree char *name = decode_string (self, offset);

    return g_str_equal (name, token);
  }
}

static gboolean
find_child (const PfJsonLocator *self,
            guint32              index,
            const char          *token,
            guint32             *out_index)
{
  const Node *node = node_at (self, index);
  char open = self->text[node->offset];

  if (open == '[')
    {
      guint64 i;

      if (token[0] == '\0' || (token[0] == '0' && token[1] != '\0'))
        return FALSE;
      for (const char *p = token; *p; p++)
        if (!g_ascii_isdigit (*p))
          return FALSE;
      i = g_ascii_strtoull (token, NULL, 10);
      if (i >= node->n_children)
        return FALSE;
      *out_index = child_at (self, node, i);
      return TRUE;
    }

  if (open == '{')
    {
      for (guint32 i = 0; i < node->n_children; i++)
        {
          guint32 child = child_at (self, node, i);

          if (name_equals (self, node_at (self, child)->name_offset, token))
            {
              *out_index = child;
              return TRUE;
            }
        }
    }

  return FALSE;
}

static gboolean
find_node (const PfJsonLocator *self,
           const char          *pointer,
           guint32             *out_index)
{
  guint32 index = 0;
  const char *p = pointer;

  if (self->nodes->len == 0 || (*p != '\0' && *p != '/'))
    return FALSE;

  while (*p == '/')
    {
      const char *end = strchr (p + 1, '/');
      g_autoptr(GString) token = g_string_new (NULL);

      if (end == NULL)
        end = p + strlen (p);

      for (const char *q = p + 1; q < end; q++)
        {
          if (*q != '~')
            g_string_append_c (token, *q);
          else if (q[1] == '0' || q[1] == '1')
            g_string_append_c (token, *++q == '0' ? '~' : '/');
          else
            return FALSE;
        }

      if (!find_child (self, index, token->str, &index))
        return FALSE;
      p = end;
    }

  *out_index = index;
  return TRUE;
}

/**
 * pf_json_locator_lookup:
 * @self: a locator
 * @pointer: a JSON pointer, like "/hosts/0/address" ("" is the root)
 * @out_position: (out): where that value's first character is
 *
 * Returns: %TRUE if the document has a value at @pointer
 */
gboolean
pf_json_locator_lookup (const PfJsonLocator *self,
                        const char          *pointer,
                        PfJsonPosition      *out_position)
{
  guint32 index;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (pointer != NULL, FALSE);
  g_return_val_if_fail (out_position != NULL, FALSE);

  if (!find_node (self, pointer, &index))
    return FALSE;

  *out_position = pf_json_locator_position_at (self, node_at (self, index)->offset);
  return TRUE;
}

/**
 * pf_json_locator_lookup_name:
 * @self: a locator
 * @pointer: a JSON pointer to an object member, like "/hosts/0/adress"
 * @out_position: (out): where the member's name (its opening quote) is
 *
 * Returns: %TRUE if @pointer names an object member
 */
gboolean
pf_json_locator_lookup_name (const PfJsonLocator *self,
                             const char          *pointer,
                             PfJsonPosition      *out_position)
{
  guint32 index;
  const Node *node;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (pointer != NULL, FALSE);
  g_return_val_if_fail (out_position != NULL, FALSE);

  if (!find_node (self, pointer, &index))
    return FALSE;

  node = node_at (self, index);
  if (node->name_offset == NO_NAME)
    return FALSE;

  *out_position = pf_json_locator_position_at (self, node->name_offset);
  return TRUE;
}

static gsize
value_end (const PfJsonLocator *self,
           gsize                offset)
{
  const char *text = self->text;
  gsize p = offset;
  guint depth = 0;

  do
    {
      char c = text[p];

      if (c == '"')
        {
          for (p++; text[p] != '"'; p++)
            if (text[p] == '\\')
              p++;
          p++;
        }
      else if (c == '{' || c == '[')
        depth++, p++;
      else if (c == '}' || c == ']')
        depth--, p++;
      else if (depth == 0)
        {
          while (p < self->length && is_word_char (text[p]))
            p++;
        }
      else
        p++;
    }
  while (depth > 0);

  return p;
}

/**
 * pf_json_locator_dup_source:
 * @self: a locator
 * @pointer: a JSON pointer
 * @max_chars: at most this many characters (then "…"), or 0 for all
 *
 * The value's text as written in the document, quotes and escapes
 * included: "192.203.196.710", 70000, true, [1, 2].
 *
 * Returns: (transfer full) (nullable): the text, or %NULL if there is no
 *   value at @pointer
 */
char *
pf_json_locator_dup_source (const PfJsonLocator *self,
                            const char          *pointer,
                            guint                max_chars)
{
  guint32 index;
  gsize start;
  gsize end;
  const char *cut;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (pointer != NULL, NULL);

  if (!find_node (self, pointer, &index))
    return NULL;

  start = node_at (self, index)->offset;
  end = value_end (self, start);

  if (max_chars == 0 || g_utf8_strlen (self->text + start, end - start) <= max_chars)
    return g_strndup (self->text + start, end - start);

  cut = g_utf8_offset_to_pointer (self->text + start, max_chars);
  return g_strdup_printf ("%.*s…", (int) (cut - (self->text + start)),
                          self->text + start);
}

/* How many values the document holds (every member and element, and the
 * root). */
guint
pf_json_locator_get_n_values (const PfJsonLocator *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->nodes->len;
}

/* Appends "/" and @name, escaped as RFC 6901 wants ("~" as "~0", "/" as
 * "~1"). */
void
pf_json_pointer_append_name (GString    *pointer,
                             const char *name)
{
  g_return_if_fail (pointer != NULL);
  g_return_if_fail (name != NULL);

  g_string_append_c (pointer, '/');
  for (const char *p = name; *p; p++)
    {
      if (*p == '~')
        g_string_append (pointer, "~0");
      else if (*p == '/')
        g_string_append (pointer, "~1");
      else
        g_string_append_c (pointer, *p);
    }
}

void
pf_json_pointer_append_index (GString *pointer,
                              guint    index)
{
  g_return_if_fail (pointer != NULL);

  g_string_append_printf (pointer, "/%u", index);
}
