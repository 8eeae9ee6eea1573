/* pf-enum.h: a GEnum's values by their nicks
 *
 * The core's enumerations that are written to files (pf-core-enums.h,
 * made by glib-mkenums) have nicks for the files and labels for people:
 * these two go between a value and its nick, through the GEnumClass.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

const char *pf_enum_to_nick   (GType       enum_type,
                               int         value);
gboolean    pf_enum_from_nick (GType       enum_type,
                               const char *nick,
                               int        *out_value);

G_END_DECLS
