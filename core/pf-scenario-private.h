/* pf-scenario-private.h: what the scenario loader's files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "pf-json-locator.h"
#include "pf-scenario.h"

G_BEGIN_DECLS

#define PF_N_SERVICE_TYPES (PF_SERVICE_SCRIPT + 1)
#define PF_N_STEP_ACTIONS  (PF_STEP_WAIT + 1)

/* NULL-terminated, indexed by PfServiceType and PfStepAction. */
extern const char * const pf_service_type_names[PF_N_SERVICE_TYPES + 1];
extern const char * const pf_step_action_names[PF_N_STEP_ACTIONS + 1];

/* One load: the file's name for messages, where its values are, the
 * scenario being filled in, and the first error. */
typedef struct
{
  const char     *display_name;
  PfJsonLocator  *locator;
  PfScenario     *scenario;
  GError         *error;
} PfLoader;

/* The MAC's last byte is the interface's index on its host. */
#define PF_SCENARIO_MAX_HOST_INTERFACES 256

/* An object of the file: the JSON pointer to it, and what it is for
 * messages ("a host", "a \"send\" step"). */
typedef struct
{
  JsonObject     *object;
  const char     *pointer;
  const char     *what;
} PfLoaderObject;

gboolean     pf_loader_fail               (PfLoader              *loader,
                                           int                    code,
                                           const char            *pointer,
                                           const char            *format,
                                           ...) G_GNUC_PRINTF (4, 5);
gboolean     pf_loader_fail_name          (PfLoader              *loader,
                                           const char            *pointer,
                                           const char            *format,
                                           ...) G_GNUC_PRINTF (3, 4);
char        *pf_loader_member_pointer     (const PfLoaderObject  *object,
                                           const char            *member);
char        *pf_loader_describe           (PfLoader              *loader,
                                           const char            *pointer);
char        *pf_loader_quote              (const char            *text);
char        *pf_loader_where              (PfLoader              *loader,
                                           const char            *array_pointer,
                                           guint                  index,
                                           const char            *member);
guint        pf_loader_line_of            (PfLoader              *loader,
                                           const char            *pointer);

gboolean     pf_loader_check_fields       (PfLoader              *loader,
                                           const PfLoaderObject  *object,
                                           const char * const    *allowed);
gboolean     pf_loader_fail_missing       (PfLoader              *loader,
                                           const PfLoaderObject  *object,
                                           const char            *member,
                                           const char            *expected);
gboolean     pf_loader_fail_value         (PfLoader              *loader,
                                           const PfLoaderObject  *object,
                                           const char            *member,
                                           const char            *expected);
gboolean     pf_loader_get_text           (PfLoader              *loader,
                                           const PfLoaderObject  *object,
                                           const char            *member,
                                           const char            *expected,
                                           gboolean               required,
                                           gboolean               one_line,
                                           char                 **out_text);
gboolean     pf_loader_get_integer        (PfLoader              *loader,
                                           const PfLoaderObject  *object,
                                           const char            *member,
                                           const char            *expected,
                                           gint64                 min,
                                           gint64                 max,
                                           gboolean               required,
                                           gint64                *out_value);
gboolean     pf_loader_get_port           (PfLoader              *loader,
                                           const PfLoaderObject  *object,
                                           const char            *member,
                                           gboolean               required,
                                           guint16               *out_port);
gboolean     pf_loader_get_number         (PfLoader              *loader,
                                           const PfLoaderObject  *object,
                                           const char            *member,
                                           const char            *expected,
                                           double                 min,
                                           double                 max,
                                           double                *out_value);
gboolean     pf_loader_get_boolean        (PfLoader              *loader,
                                           const PfLoaderObject  *object,
                                           const char            *member,
                                           gboolean              *out_value);
gboolean     pf_loader_get_choice         (PfLoader              *loader,
                                           const PfLoaderObject  *object,
                                           const char            *member,
                                           const char * const    *choices,
                                           gboolean               required,
                                           guint                 *out_index);
gboolean     pf_loader_get_identifier     (PfLoader              *loader,
                                           const PfLoaderObject  *object,
                                           const char            *member,
                                           const char            *expected,
                                           gboolean               required,
                                           char                 **out_id);
gboolean     pf_loader_get_array          (PfLoader              *loader,
                                           const PfLoaderObject  *object,
                                           const char            *member,
                                           const char            *expected,
                                           gboolean               required,
                                           JsonArray            **out_array);
gboolean     pf_loader_get_object         (PfLoader              *loader,
                                           const PfLoaderObject  *object,
                                           const char            *member,
                                           const char            *expected,
                                           JsonObject           **out_object);

PfScenario  *pf_loader_load               (GBytes                *bytes,
                                           const char            *display_name,
                                           GError               **error);
gboolean     pf_loader_read_links         (PfLoader              *loader,
                                           const PfLoaderObject  *root);
gboolean     pf_loader_read_interfaces    (PfLoader              *loader,
                                           const PfLoaderObject  *host_object,
                                           PfHost                *host,
                                           guint                  host_index);
gboolean     pf_loader_check_links        (PfLoader              *loader);
gboolean     pf_loader_read_hosts         (PfLoader              *loader,
                                           const PfLoaderObject  *root);
gboolean     pf_loader_read_services      (PfLoader              *loader,
                                           const PfLoaderObject  *host_object,
                                           PfHost                *host);
gboolean     pf_loader_read_steps         (PfLoader              *loader,
                                           const PfLoaderObject  *root);

gboolean     pf_is_identifier             (const char            *text);
gboolean     pf_is_dns_name               (const char            *text);
char        *pf_closest_word              (const char            *word,
                                           const char * const    *candidates);

PfScenario  *pf_scenario_new              (const char            *filename);
void         pf_link_free                 (PfLink                *link);
void         pf_host_free                 (PfHost                *host);
void         pf_service_free              (PfService             *service);
void         pf_step_free                 (PfStep                *step);

G_END_DECLS
