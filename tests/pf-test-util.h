/* pf-test-util.h: what the C tests share
 *
 * Waiting on the main loop and letting it settle, an engine step run on
 * it, the counts of descriptors, threads and child processes that the
 * leak checks compare, sockets and bytes in the tests' terms, and the
 * check that a property notifies exactly when it changes. Every C test
 * in tests/ links it; the GTK ones also link pf-test-gtk-util.
 *
 * The helpers that assert are macros over an _at function, so that a
 * failure names the test's line, not one in pf-test-util.c.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <string.h>

#include "pf-address.h"
#include "pf-engine.h"
#include "pf-player.h"

G_BEGIN_DECLS

/* How long a wait may take, unless a test says otherwise. */
#define PF_TEST_TIMEOUT_S 10

/* Waiting */

typedef gboolean (*PfTestCondition) (gpointer data);

#define pf_test_iterate_until(done, data) \
  pf_test_iterate_until_at ((done), (data), PF_TEST_TIMEOUT_S, #done, __FILE__, __LINE__)
#define pf_test_iterate_until_timeout(done, data, timeout_s) \
  pf_test_iterate_until_at ((done), (data), (timeout_s), #done, __FILE__, __LINE__)

void            pf_test_iterate_until_at   (PfTestCondition   done,
                                            gpointer          data,
                                            guint             timeout_s,
                                            const char       *what,
                                            const char       *file,
                                            int               line);
void            pf_test_settle             (void);

gboolean        pf_test_is_null            (gpointer          pointer_to_pointer);
gboolean        pf_test_is_set             (gpointer          pointer_to_pointer);
gboolean        pf_test_is_true            (gpointer          pointer_to_boolean);

/* Players and engine steps */

#define pf_test_wait_idle(player, timeout_s) \
  pf_test_iterate_until_at (pf_test_player_is_idle, (player), (timeout_s), \
                            "the player is idle", __FILE__, __LINE__)

typedef struct
{
  gboolean  done;
  gboolean  ok;     /* what pf_engine_step_finish () returned */
  GError   *error;  /* and its error, the caller's to free */
} PfTestStep;

PfPlayer       *pf_test_player_new         (PfScenario       *scenario,
                                            PfNetspaceMode    mode);
PfPlayer       *pf_test_player_new_builtin (const char       *name,
                                            PfNetspaceMode    mode);
PfPlayer       *pf_test_player_new_file    (const char       *relative_path,
                                            PfNetspaceMode    mode);
gboolean        pf_test_player_is_idle     (gpointer          player);

void            pf_test_step_start         (PfTestStep       *step,
                                            PfEngine         *engine);
gboolean        pf_test_step_is_done       (gpointer          step);

/* What the process holds, from /proc/self */

#define PF_TEST_ANY G_MAXUINT

#define pf_test_wait_for_counts(fds, children, timeout_s) \
  pf_test_wait_for_counts_at ((fds), (children), (timeout_s), __FILE__, __LINE__)

guint           pf_test_count_fds          (void);
guint           pf_test_count_threads      (void);
guint           pf_test_count_children     (void);
char           *pf_test_list_children      (void);
void            pf_test_wait_for_counts_at (guint             fds,
                                            guint             children,
                                            guint             timeout_s,
                                            const char       *file,
                                            int               line);

/* Sockets and bytes */

#define pf_test_assert_no_error(error) \
  pf_test_assert_no_error_at ((error), __FILE__, __LINE__)
#define pf_test_assert_bytes(bytes, expected, len) \
  pf_test_assert_bytes_at ((bytes), (expected), (len), __FILE__, __LINE__)
#define pf_test_assert_bytes_text(bytes, text) \
  pf_test_assert_bytes_at ((bytes), (text), strlen (text), __FILE__, __LINE__)

void            pf_test_assert_no_error_at (const GError     *error,
                                            const char       *file,
                                            int               line);
void            pf_test_assert_bytes_at    (GBytes           *bytes,
                                            gconstpointer     expected,
                                            gsize             len,
                                            const char       *file,
                                            int               line);

PfIpv4          pf_test_ip                 (const char       *text);
GSocketAddress *pf_test_socket_address     (PfIpv4            address,
                                            guint16           port);
PfEndpoint      pf_test_endpoint_of        (GSocketAddress   *address);
void            pf_test_make_blocking      (GSocket          *socket);

/* Property notifications */

typedef struct
{
  GObject *object;
  gulong   handler;
  guint    count;   /* notifications seen since pf_test_notify_watch () */
} PfTestNotify;

/* pf_test_property_notify (object, "zoom", 2.0, 3.0): @property is
 * G_PARAM_EXPLICIT_NOTIFY, and notifies once when set to the first
 * value (which must differ from its value now and from the second), not
 * at all when set to it again, and once when set to the second. The
 * values are of the property's type, as g_object_set () takes them. */
#define pf_test_property_notify(object, property, ...) \
  pf_test_property_notify_at (__FILE__, __LINE__, (object), (property), __VA_ARGS__)

void            pf_test_notify_watch       (PfTestNotify     *watch,
                                            gpointer          object,
                                            const char       *property);
void            pf_test_notify_clear       (PfTestNotify     *watch);
void            pf_test_property_notify_at (const char       *file,
                                            int               line,
                                            gpointer          object,
                                            const char       *property,
                                            ...);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PfTestNotify, pf_test_notify_clear)

G_END_DECLS
