/* pf-json-locator.h: where every value of a JSON document starts
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Arrays and objects nested deeper than this are refused before any
 * recursive parser sees them (json-glib 1.6 overflows its stack on about
 * 100,000 nested '['). */
#define PF_JSON_LOCATOR_MAX_DEPTH 64

#define PF_JSON_LOCATOR_ERROR (pf_json_locator_error_quark ())

typedef enum
{
  PF_JSON_LOCATOR_ERROR_ENCODING,   /* not UTF-8, or a NUL byte */
  PF_JSON_LOCATOR_ERROR_SYNTAX,     /* not strict RFC 8259 JSON */
  PF_JSON_LOCATOR_ERROR_DEPTH,      /* nested deeper than the limit */
  PF_JSON_LOCATOR_ERROR_DUPLICATE,  /* one object names a member twice */
  PF_JSON_LOCATOR_ERROR_TOO_LARGE,  /* more than 4 GiB */
} PfJsonLocatorError;

/* A place in the text: line and column count from 1; the column counts
 * characters (a tab is one), the offset counts bytes from the start. */
typedef struct
{
  guint line;
  guint column;
  gsize offset;
} PfJsonPosition;

/* A locator keeps a reference to the document and remembers the last
 * position it computed; use one from one thread at a time. */
typedef struct _PfJsonLocator PfJsonLocator;

GQuark          pf_json_locator_error_quark    (void);

PfJsonLocator  *pf_json_locator_new            (GBytes               *json,
                                                PfJsonPosition       *out_error_position,
                                                GError              **error);
void            pf_json_locator_free           (PfJsonLocator        *self);

gboolean        pf_json_locator_lookup         (const PfJsonLocator  *self,
                                                const char           *pointer,
                                                PfJsonPosition       *out_position);
gboolean        pf_json_locator_lookup_name    (const PfJsonLocator  *self,
                                                const char           *pointer,
                                                PfJsonPosition       *out_position);
char           *pf_json_locator_dup_source     (const PfJsonLocator  *self,
                                                const char           *pointer,
                                                guint                 max_chars);
PfJsonPosition  pf_json_locator_position_at    (const PfJsonLocator  *self,
                                                gsize                 offset);
guint           pf_json_locator_get_n_values   (const PfJsonLocator  *self);

void            pf_json_pointer_append_name    (GString              *pointer,
                                                const char           *name);
void            pf_json_pointer_append_index   (GString              *pointer,
                                                guint                 index);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfJsonLocator, pf_json_locator_free)

G_END_DECLS
