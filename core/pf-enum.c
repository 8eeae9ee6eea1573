/* pf-enum.c: a GEnum's values by their nicks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-enum"

#include "config.h"

#include "pf-enum.h"

/* Returns: (nullable): @value's nick, NULL when @value is none of
 * @enum_type's. The nicks are static: a static type's class stays. */
const char *
pf_enum_to_nick (GType enum_type,
                 int   value)
{
  g_autoptr(GEnumClass) klass = NULL;
  GEnumValue *found;

  g_return_val_if_fail (G_TYPE_IS_ENUM (enum_type), NULL);

  klass = g_type_class_ref (enum_type);
  found = g_enum_get_value (klass, value);
  return found != NULL ? found->value_nick : NULL;
}

/* Returns: whether @nick is one of @enum_type's, exactly (case and all);
 * if it is, its value is put in @out_value. */
gboolean
pf_enum_from_nick (GType       enum_type,
                   const char *nick,
                   int        *out_value)
{
  g_autoptr(GEnumClass) klass = NULL;
  GEnumValue *found;

  g_return_val_if_fail (G_TYPE_IS_ENUM (enum_type), FALSE);
  g_return_val_if_fail (nick != NULL, FALSE);

  klass = g_type_class_ref (enum_type);
  found = g_enum_get_value_by_nick (klass, nick);
  if (found == NULL)
    return FALSE;
  if (out_value != NULL)
    *out_value = found->value;
  return TRUE;
}
