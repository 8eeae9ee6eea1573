/* pf-record-arena.c: room for the bytes a run records
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A run keeps every byte it saw: what each program read and, in exact
 * mode, each captured segment. That takes fresh memory, which the kernel
 * faults in and zeroes a 4 KiB page at a time: at 64 KiB messages the
 * page faults were most of the engine's time (perf), where a plain loop
 * reuses one buffer. Here the bytes are read straight into 2 MiB chunks,
 * one after the other, aligned for and advised to use transparent huge
 * pages: one fault a chunk where the kernel allows it (THP "always" or
 * "madvise"), densely packed where it does not, and no copy.
 *
 * Each GBytes holds a reference on its chunk; a chunk goes when the
 * arena has moved on from it and its last GBytes is gone. The arena is
 * for one thread; its GBytes may be dropped anywhere.
 */

#define G_LOG_DOMAIN "pf-record-arena"

#include "config.h"

#include "pf-record-arena.h"

#include <stdlib.h>
#include <sys/mman.h>

#define CHUNK_SIZE    (2 * 1024 * 1024)
#define ALIGNMENT     16   /* each GBytes starts aligned as malloc's do */

typedef struct
{
  gatomicrefcount  ref_count;
  guint8          *data;
  gsize            size;
} Chunk;

struct _PfRecordArena
{
  Chunk *chunk;   /* the one being filled, or NULL */
  gsize  used;    /* bytes of it taken */
  Chunk *large;   /* a reservation larger than half a chunk, or NULL */
};

static Chunk *
chunk_new (gsize size)
{
  Chunk *chunk = g_new0 (Chunk, 1);
  void *data = NULL;

  if (posix_memalign (&data, CHUNK_SIZE, size) != 0)
    g_error ("out of memory: %" G_GSIZE_FORMAT " bytes for recorded data", size);

#ifdef MADV_HUGEPAGE
  /* Advice only: a kernel without THP ignores it. */
  madvise (data, size, MADV_HUGEPAGE);
#endif

  g_atomic_ref_count_init (&chunk->ref_count);
  chunk->data = data;
  chunk->size = size;
  return chunk;
}

static Chunk *
chunk_ref (Chunk *chunk)
{
  g_atomic_ref_count_inc (&chunk->ref_count);
  return chunk;
}

static void
chunk_unref (gpointer data)
{
  Chunk *chunk = data;

  if (g_atomic_ref_count_dec (&chunk->ref_count))
    {
      free (chunk->data);
      g_free (chunk);
    }
}

PfRecordArena *
pf_record_arena_new (void)
{
  return g_new0 (PfRecordArena, 1);
}

void
pf_record_arena_free (PfRecordArena *arena)
{
  if (arena == NULL)
    return;

  g_clear_pointer (&arena->chunk, chunk_unref);
  g_clear_pointer (&arena->large, chunk_unref);
  g_free (arena);
}

/**
 * pf_record_arena_reserve:
 * @max_len: at most how many bytes will be written
 *
 * Room for up to @max_len bytes, to be written (by recv (), say) and
 * then kept with pf_record_arena_commit (). A reservation not committed
 * is taken by the next one. More than half a chunk gets a chunk of its
 * own, in whole chunks.
 *
 * Returns: where to write them, valid until the next call on @arena
 */
guint8 *
pf_record_arena_reserve (PfRecordArena *arena,
                         gsize          max_len)
{
  g_return_val_if_fail (arena != NULL, NULL);

  g_clear_pointer (&arena->large, chunk_unref);
  if (max_len > CHUNK_SIZE / 2)
    {
      arena->large = chunk_new ((max_len + CHUNK_SIZE - 1) / CHUNK_SIZE * CHUNK_SIZE);
      return arena->large->data;
    }

  arena->used = (arena->used + ALIGNMENT - 1) & ~(gsize) (ALIGNMENT - 1);
  if (arena->chunk == NULL || arena->used + max_len > CHUNK_SIZE)
    {
      g_clear_pointer (&arena->chunk, chunk_unref);
      arena->chunk = chunk_new (CHUNK_SIZE);
      arena->used = 0;
    }

  return arena->chunk->data + arena->used;
}

/**
 * pf_record_arena_commit:
 * @len: how many of the reserved bytes were written
 *
 * Returns: (transfer full): the first @len bytes of the last reservation
 */
GBytes *
pf_record_arena_commit (PfRecordArena *arena,
                        gsize          len)
{
  GBytes *bytes;

  g_return_val_if_fail (arena != NULL, NULL);

  if (arena->large != NULL)
    {
      Chunk *large = g_steal_pointer (&arena->large);

      g_return_val_if_fail (len <= large->size, NULL);
      return g_bytes_new_with_free_func (large->data, len, chunk_unref, large);
    }

  g_return_val_if_fail (arena->chunk != NULL, NULL);
  g_return_val_if_fail (arena->used + len <= CHUNK_SIZE, NULL);

  bytes = g_bytes_new_with_free_func (arena->chunk->data + arena->used, len,
                                      chunk_unref, chunk_ref (arena->chunk));
  arena->used += len;
  return bytes;
}
