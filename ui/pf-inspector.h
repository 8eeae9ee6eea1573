/* pf-inspector.h: the selected segment's headers and data
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "pf-view.h"

G_BEGIN_DECLS

#define PF_TYPE_INSPECTOR (pf_inspector_get_type ())

G_DECLARE_FINAL_TYPE (PfInspector, pf_inspector, PF, INSPECTOR, PfView)

GtkWidget *pf_inspector_new          (void);
char      *pf_inspector_dup_summary  (PfInspector *self);
guint      pf_inspector_get_n_fields (PfInspector *self);
char      *pf_inspector_dup_field    (PfInspector *self,
                                      const char  *path);
char      *pf_inspector_dup_text     (PfInspector *self);

G_END_DECLS
