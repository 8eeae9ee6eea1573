/* pf-byte-queue.h: bytes waiting their turn, kept as the GBytes they came in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A stream of bytes held as a list of GBytes: what a program wrote and
 * the kernel has not taken yet, what it read and no step looked at.
 * Adding keeps a reference, never a copy: the bytes a scenario sends,
 * those a service answers and those a program reads are already kept
 * elsewhere (the scenario, the timeline), and a 64 KiB message copied
 * into one more array costs fresh memory the kernel must fault in. */
typedef struct
{
  GQueue chunks;   /* GBytes *, oldest first */
  gsize  offset;   /* into the first, already taken */
  gsize  length;   /* bytes in all, after offset */
} PfByteQueue;

void     pf_byte_queue_init      (PfByteQueue *queue);
void     pf_byte_queue_clear     (PfByteQueue *queue);
gsize    pf_byte_queue_get_length (const PfByteQueue *queue);
void     pf_byte_queue_push      (PfByteQueue *queue,
                                  GBytes      *bytes);
void     pf_byte_queue_move      (PfByteQueue *to,
                                  PfByteQueue *from);
GBytes  *pf_byte_queue_peek      (PfByteQueue *queue);
guint    pf_byte_queue_get_vectors (PfByteQueue   *queue,
                                  GOutputVector *vectors,
                                  guint          max_vectors);
void     pf_byte_queue_copy_head (PfByteQueue *queue,
                                  gsize        n,
                                  guint8      *dest);
void     pf_byte_queue_pop       (PfByteQueue *queue,
                                  gsize        n);
GBytes  *pf_byte_queue_flatten   (PfByteQueue *queue);

G_END_DECLS
