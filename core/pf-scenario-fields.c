/* pf-scenario-fields.c: reading one field of a scenario object, and the
 * one-line messages when it is wrong
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-scenario"

#include "config.h"

#include <math.h>
#include <string.h>

#include "pf-scenario-private.h"

/* Values quoted in messages are cut after this many characters. */
#define SHOWN_CHARS 40

#define MAX_ID_LENGTH 64

static gboolean
fail_at (PfLoader       *loader,
         int             code,
         PfJsonPosition  position,
         const char     *format,
         va_list         args)
{
  g_autofree char *what = NULL;

  if (loader->error != NULL)
    return FALSE;

  what = g_strdup_vprintf (format, args);
  loader->error = g_error_new (PF_SCENARIO_ERROR, code, "%s:%u:%u: %s",
                               loader->display_name, position.line,
                               position.column, what);
  return FALSE;
}

static PfJsonPosition
position_of (PfLoader   *loader,
             const char *pointer)
{
  g_autofree char *path = g_strdup (pointer);
  PfJsonPosition position = { 1, 1, 0 };

  /* a missing member has no position: use the nearest enclosing value */
  while (!pf_json_locator_lookup (loader->locator, path, &position))
    {
      char *slash = strrchr (path, '/');

      if (slash == NULL)
        break;
      *slash = '\0';
    }

  return position;
}

/* Fails with the position of the value at @pointer. Always returns FALSE. */
gboolean
pf_loader_fail (PfLoader   *loader,
                int         code,
                const char *pointer,
                const char *format,
                ...)
{
  PfJsonPosition position = position_of (loader, pointer);
  va_list args;

  va_start (args, format);
  fail_at (loader, code, position, format, args);
  va_end (args);
  return FALSE;
}

/* Fails with the position of the name of the member at @pointer. */
gboolean
pf_loader_fail_name (PfLoader   *loader,
                     const char *pointer,
                     const char *format,
                     ...)
{
  PfJsonPosition position;
  va_list args;

  if (!pf_json_locator_lookup_name (loader->locator, pointer, &position))
    position = position_of (loader, pointer);

  va_start (args, format);
  fail_at (loader, PF_SCENARIO_ERROR_INVALID, position, format, args);
  va_end (args);
  return FALSE;
}

char *
pf_loader_member_pointer (const PfLoaderObject *object,
                          const char           *member)
{
  GString *pointer = g_string_new (object->pointer);

  pf_json_pointer_append_name (pointer, member);
  return g_string_free (pointer, FALSE);
}

/* The value at @pointer as the file writes it, for "got ...". */
char *
pf_loader_describe (PfLoader   *loader,
                    const char *pointer)
{
  g_autofree char *source = pf_json_locator_dup_source (loader->locator,
                                                        pointer, SHOWN_CHARS);

  if (source == NULL)
    return g_strdup ("nothing");
  if (source[0] == '{')
    return g_strdup ("an object");
  if (source[0] == '[')
    return g_strdup ("an array");
  return g_steal_pointer (&source);
}

/* @text in double quotes, escaped as JSON would, cut if long. */
char *
pf_loader_quote (const char *text)
{
  GString *out = g_string_new ("\"");
  guint n = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p), n++)
    {
      guchar c = *p;

      if (n == SHOWN_CHARS)
        {
          g_string_append (out, "…");
          break;
        }
      if (c == '"' || c == '\\')
        g_string_append_printf (out, "\\%c", c);
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\r')
        g_string_append (out, "\\r");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c < 0x20)
        g_string_append_printf (out, "\\u%04x", c);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
    }

  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

/* Where the member @member of the @index-th element of @array_pointer is,
 * as "LINE:COLUMN", for "... (at 12:9)". */
char *
pf_loader_where (PfLoader   *loader,
                 const char *array_pointer,
                 guint       index,
                 const char *member)
{
  g_autoptr(GString) pointer = g_string_new (array_pointer);
  PfJsonPosition position = { 1, 1, 0 };

  pf_json_pointer_append_index (pointer, index);
  if (member != NULL)
    pf_json_pointer_append_name (pointer, member);
  pf_json_locator_lookup (loader->locator, pointer->str, &position);
  return g_strdup_printf ("%u:%u", position.line, position.column);
}

guint
pf_loader_line_of (PfLoader   *loader,
                   const char *pointer)
{
  return position_of (loader, pointer).line;
}

/* Edits (insert, delete, change, swap two neighbours) from @a to @b,
 * ignoring case: "adress" is 1 from "address", "prot" 1 from "port". */
static guint
edit_distance (const char *a,
               const char *b)
{
  gsize la = strlen (a);
  gsize lb = strlen (b);
  gsize width = lb + 1;
  g_autofree guint *d = g_new (guint, (la + 1) * width);

  for (gsize i = 0; i <= la; i++)
    d[i * width] = i;
  for (gsize j = 0; j <= lb; j++)
    d[j] = j;

  for (gsize i = 1; i <= la; i++)
    for (gsize j = 1; j <= lb; j++)
      {
        char ca = g_ascii_tolower (a[i - 1]);
        char cb = g_ascii_tolower (b[j - 1]);
        guint best = MIN (d[(i - 1) * width + j] + 1, d[i * width + j - 1] + 1);

        best = MIN (best, d[(i - 1) * width + j - 1] + (ca != cb));
        if (i > 1 && j > 1 && ca == g_ascii_tolower (b[j - 2]) &&
            g_ascii_tolower (a[i - 2]) == cb)
          best = MIN (best, d[(i - 2) * width + j - 2] + 1);
        d[i * width + j] = best;
      }

  return d[la * width + lb];
}

/* The candidate @word is most likely a typo of, or NULL. */
char *
pf_closest_word (const char         *word,
                 const char * const *candidates)
{
  guint limit = strlen (word) <= 4 ? 1 : 2;
  const char *best = NULL;
  guint best_distance = G_MAXUINT;

  for (guint i = 0; candidates[i] != NULL; i++)
    {
      guint distance = edit_distance (word, candidates[i]);

      if (distance <= limit && distance < best_distance)
        {
          best = candidates[i];
          best_distance = distance;
        }
    }

  return g_strdup (best);
}

gboolean
pf_loader_check_fields (PfLoader             *loader,
                        const PfLoaderObject *object,
                        const char * const   *allowed)
{
  g_autoptr(GList) members = json_object_get_members (object->object);

  for (const GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      g_autofree char *pointer = NULL;
      g_autofree char *quoted = NULL;
      g_autofree char *closest = NULL;
      g_autofree char *all = NULL;

      if (g_strv_contains (allowed, name))
        continue;

      pointer = pf_loader_member_pointer (object, name);
      quoted = pf_loader_quote (name);
      closest = pf_closest_word (name, allowed);
      if (closest != NULL)
        return pf_loader_fail_name (loader, pointer,
                                    "unknown field %s in %s; did you mean "
                                    "\"%s\"?", quoted, object->what, closest);

      all = g_strjoinv (", ", (char **) allowed);
      return pf_loader_fail_name (loader, pointer,
                                  "unknown field %s in %s; expected one of: %s",
                                  quoted, object->what, all);
    }

  return TRUE;
}

gboolean
pf_loader_fail_missing (PfLoader             *loader,
                        const PfLoaderObject *object,
                        const char           *member,
                        const char           *expected)
{
  return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, object->pointer,
                         "missing field \"%s\" in %s; expected %s",
                         member, object->what, expected);
}

gboolean
pf_loader_fail_value (PfLoader             *loader,
                      const PfLoaderObject *object,
                      const char           *member,
                      const char           *expected)
{
  g_autofree char *pointer = pf_loader_member_pointer (object, member);
  g_autofree char *got = pf_loader_describe (loader, pointer);

  return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, pointer,
                         "\"%s\" must be %s, got %s", member, expected, got);
}

static gboolean
holds (JsonNode *node,
       GType     type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static gboolean
is_blank (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      return FALSE;
  return TRUE;
}

/* A string; absent leaves *out_text alone unless @required. */
gboolean
pf_loader_get_text (PfLoader             *loader,
                    const PfLoaderObject *object,
                    const char           *member,
                    const char           *expected,
                    gboolean              required,
                    gboolean              one_line,
                    char                **out_text)
{
  JsonNode *node = json_object_get_member (object->object, member);
  g_autofree char *pointer = NULL;
  const char *text;

  if (node == NULL)
    return !required || pf_loader_fail_missing (loader, object, member, expected);
  if (!holds (node, G_TYPE_STRING))
    return pf_loader_fail_value (loader, object, member, expected);

  text = json_node_get_string (node);
  if (is_blank (text))
    {
      pointer = pf_loader_member_pointer (object, member);
      return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, pointer,
                             "\"%s\" must not be empty; expected %s",
                             member, expected);
    }
  if (one_line && strpbrk (text, "\r\n") != NULL)
    {
      pointer = pf_loader_member_pointer (object, member);
      return pf_loader_fail (loader, PF_SCENARIO_ERROR_INVALID, pointer,
                             "\"%s\" must be one line, without \\n; expected %s",
                             member, expected);
    }

  g_free (*out_text);
  *out_text = g_strdup (text);
  return TRUE;
}

/* A whole number in [min, max].  Read from the file's own text, because
 * json-glib 1.6 wraps integers beyond 64 bits (99999999999999999999 is
 * -1 to it); 80.0 and 8e1 count as 80, as JSON Schema's "integer" does. */
gboolean
pf_loader_get_integer (PfLoader             *loader,
                       const PfLoaderObject *object,
                       const char           *member,
                       const char           *expected,
                       gint64                min,
                       gint64                max,
                       gboolean              required,
                       gint64               *out_value)
{
  JsonNode *node = json_object_get_member (object->object, member);
  g_autofree char *pointer = NULL;
  g_autofree char *source = NULL;
  double value;

  if (node == NULL)
    return !required || pf_loader_fail_missing (loader, object, member, expected);
  if (!holds (node, G_TYPE_INT64) && !holds (node, G_TYPE_DOUBLE))
    return pf_loader_fail_value (loader, object, member, expected);

  pointer = pf_loader_member_pointer (object, member);
  source = pf_json_locator_dup_source (loader->locator, pointer, 0);
  value = g_ascii_strtod (source, NULL);
  if (value != floor (value) || value < (double) min || value > (double) max)
    return pf_loader_fail_value (loader, object, member, expected);

  *out_value = (gint64) value;
  return TRUE;
}

gboolean
pf_loader_get_port (PfLoader             *loader,
                    const PfLoaderObject *object,
                    const char           *member,
                    gboolean              required,
                    guint16              *out_port)
{
  gint64 value = *out_port;

  if (!pf_loader_get_integer (loader, object, member,
                              "an integer from 1 to 65535", 1, G_MAXUINT16,
                              required, &value))
    return FALSE;

  *out_port = (guint16) value;
  return TRUE;
}

/* A required number in [min, max]. */
gboolean
pf_loader_get_number (PfLoader             *loader,
                      const PfLoaderObject *object,
                      const char           *member,
                      const char           *expected,
                      double                min,
                      double                max,
                      double               *out_value)
{
  JsonNode *node = json_object_get_member (object->object, member);
  double value;

  if (node == NULL)
    return pf_loader_fail_missing (loader, object, member, expected);
  if (!holds (node, G_TYPE_INT64) && !holds (node, G_TYPE_DOUBLE))
    return pf_loader_fail_value (loader, object, member, expected);

  value = json_node_get_double (node);
  if (!(value >= min && value <= max))
    return pf_loader_fail_value (loader, object, member, expected);

  *out_value = value;
  return TRUE;
}

/* An optional boolean; absent leaves *out_value alone. */
gboolean
pf_loader_get_boolean (PfLoader             *loader,
                       const PfLoaderObject *object,
                       const char           *member,
                       gboolean             *out_value)
{
  JsonNode *node = json_object_get_member (object->object, member);

  if (node == NULL)
    return TRUE;
  if (!holds (node, G_TYPE_BOOLEAN))
    return pf_loader_fail_value (loader, object, member, "true or false");

  *out_value = json_node_get_boolean (node);
  return TRUE;
}

/* "one of "a", "b" or "c"" */
static char *
describe_choices (const char * const *choices)
{
  GString *out = g_string_new (NULL);
  guint n = g_strv_length ((char **) choices);

  if (n > 2)
    g_string_append (out, "one of ");

  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (out, i == n - 1 ? " or " : ", ");
      g_string_append_printf (out, "\"%s\"", choices[i]);
    }

  return g_string_free (out, FALSE);
}

/* One of @choices (NULL-terminated); *out_index is its index.  Absent
 * leaves *out_index alone unless @required. */
gboolean
pf_loader_get_choice (PfLoader             *loader,
                      const PfLoaderObject *object,
                      const char           *member,
                      const char * const   *choices,
                      gboolean              required,
                      guint                *out_index)
{
  JsonNode *node = json_object_get_member (object->object, member);
  g_autofree char *expected = NULL;

  if (node != NULL && holds (node, G_TYPE_STRING))
    {
      const char *text = json_node_get_string (node);

      for (guint i = 0; choices[i] != NULL; i++)
        {
          if (g_str_equal (text, choices[i]))
            {
              *out_index = i;
              return TRUE;
            }
        }
    }

  /* The list of choices is written only for a message: every step has a
   * choice, and writing it each time was a sixth of a large load. */
  if (node == NULL && !required)
    return TRUE;
  expected = describe_choices (choices);
  if (node == NULL)
    return pf_loader_fail_missing (loader, object, member, expected);
  return pf_loader_fail_value (loader, object, member, expected);
}

gboolean
pf_loader_get_identifier (PfLoader             *loader,
                          const PfLoaderObject *object,
                          const char           *member,
                          const char           *expected,
                          gboolean              required,
                          char                **out_id)
{
  JsonNode *node = json_object_get_member (object->object, member);

  if (node == NULL)
    return !required || pf_loader_fail_missing (loader, object, member, expected);
  if (!holds (node, G_TYPE_STRING) || !pf_is_identifier (json_node_get_string (node)))
    return pf_loader_fail_value (loader, object, member, expected);

  g_free (*out_id);
  *out_id = g_strdup (json_node_get_string (node));
  return TRUE;
}

gboolean
pf_loader_get_array (PfLoader             *loader,
                     const PfLoaderObject *object,
                     const char           *member,
                     const char           *expected,
                     gboolean              required,
                     JsonArray           **out_array)
{
  JsonNode *node = json_object_get_member (object->object, member);

  *out_array = NULL;
  if (node == NULL)
    return !required || pf_loader_fail_missing (loader, object, member, expected);
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return pf_loader_fail_value (loader, object, member, expected);

  *out_array = json_node_get_array (node);
  return TRUE;
}

/* An optional object; absent gives NULL. */
gboolean
pf_loader_get_object (PfLoader             *loader,
                      const PfLoaderObject *object,
                      const char           *member,
                      const char           *expected,
                      JsonObject          **out_object)
{
  JsonNode *node = json_object_get_member (object->object, member);

  *out_object = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return pf_loader_fail_value (loader, object, member, expected);

  *out_object = json_node_get_object (node);
  return TRUE;
}

/* A letter, then letters, digits, '-' or '_': "laptop", "web-1". */
gboolean
pf_is_identifier (const char *text)
{
  gsize n = 0;

  if (!g_ascii_isalpha (text[0]))
    return FALSE;

  for (const char *p = text; *p != '\0'; p++, n++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;

  return n <= MAX_ID_LENGTH;
}

/* A host name as DNS writes it: labels of letters, digits and '-' (not
 * first or last), 1 to 63 characters each, 253 in all, joined by dots;
 * the last label is not all digits, so an address is never a name. */
gboolean
pf_is_dns_name (const char *text)
{
  gsize total = strlen (text);
  const char *label = text;

  if (total == 0 || total > 253)
    return FALSE;

  for (;;)
    {
      const char *end = strchr (label, '.');
      gsize length = end != NULL ? (gsize) (end - label) : strlen (label);
      gboolean all_digits = TRUE;

      if (length == 0 || length > 63 ||
          label[0] == '-' || label[length - 1] == '-')
        return FALSE;

      for (gsize i = 0; i < length; i++)
        {
          if (!g_ascii_isalnum (label[i]) && label[i] != '-')
            return FALSE;
          if (!g_ascii_isdigit (label[i]))
            all_digits = FALSE;
        }

      if (end == NULL)
        return !all_digits;
      label = end + 1;
    }
}
