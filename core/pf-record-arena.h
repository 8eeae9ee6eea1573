/* pf-record-arena.h: room for the bytes a run records
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _PfRecordArena PfRecordArena;

PfRecordArena *pf_record_arena_new     (void);
void           pf_record_arena_free    (PfRecordArena *arena);

guint8        *pf_record_arena_reserve (PfRecordArena *arena,
                                        gsize          max_len);
GBytes        *pf_record_arena_commit  (PfRecordArena *arena,
                                        gsize          len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PfRecordArena, pf_record_arena_free)

G_END_DECLS
