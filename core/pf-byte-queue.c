/* pf-byte-queue.c: bytes waiting their turn, kept as the GBytes they came in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "pf-byte-queue"

#include "config.h"

#include "pf-byte-queue.h"

#include <string.h>

void
pf_byte_queue_init (PfByteQueue *queue)
{
  g_queue_init (&queue->chunks);
  queue->offset = 0;
  queue->length = 0;
}

void
pf_byte_queue_clear (PfByteQueue *queue)
{
  g_queue_clear_full (&queue->chunks, (GDestroyNotify) g_bytes_unref);
  queue->offset = 0;
  queue->length = 0;
}

gsize
pf_byte_queue_get_length (const PfByteQueue *queue)
{
  return queue->length;
}

/* Keeps a reference on @bytes, at the end. */
void
pf_byte_queue_push (PfByteQueue *queue,
                    GBytes      *bytes)
{
  gsize size = g_bytes_get_size (bytes);

  if (size == 0)
    return;
  g_queue_push_tail (&queue->chunks, g_bytes_ref (bytes));
  queue->length += size;
}

/* Everything in @from goes to the end of @to; @from is left empty. */
void
pf_byte_queue_move (PfByteQueue *to,
                    PfByteQueue *from)
{
  GBytes *first;

  if (from->length == 0)
    return;

  /* What @from had taken of its first chunk stays taken. */
  first = g_queue_pop_head (&from->chunks);
  g_queue_push_tail (&to->chunks,
                     g_bytes_new_from_bytes (first, from->offset,
                                             g_bytes_get_size (first) - from->offset));
  g_bytes_unref (first);
  while (!g_queue_is_empty (&from->chunks))
    g_queue_push_tail (&to->chunks, g_queue_pop_head (&from->chunks));

  to->length += from->length;
  from->offset = 0;
  from->length = 0;
}

/* The first contiguous run of bytes, without copying them, or NULL when
 * the queue is empty. */
GBytes *
pf_byte_queue_peek (PfByteQueue *queue)
{
  GBytes *first = g_queue_peek_head (&queue->chunks);

  if (first == NULL)
    return NULL;
  if (queue->offset == 0)
    return g_bytes_ref (first);
  return g_bytes_new_from_bytes (first, queue->offset, g_bytes_get_size (first) - queue->offset);
}

/* The queue's bytes as up to @max_vectors pieces, for one writev; how
 * many were filled in. Valid until the queue changes. */
guint
pf_byte_queue_get_vectors (PfByteQueue   *queue,
                           GOutputVector *vectors,
                           guint          max_vectors)
{
  guint n = 0;

  for (GList *l = queue->chunks.head; l != NULL && n < max_vectors; l = l->next, n++)
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (l->data, &size);
      gsize skip = l == queue->chunks.head ? queue->offset : 0;

      vectors[n].buffer = data + skip;
      vectors[n].size = size - skip;
    }

  return n;
}

/* Copies the first @n bytes to @dest. */
void
pf_byte_queue_copy_head (PfByteQueue *queue,
                         gsize        n,
                         guint8      *dest)
{
  gsize copied = 0;

  g_return_if_fail (n <= queue->length);

  for (GList *l = queue->chunks.head; copied < n; l = l->next)
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (l->data, &size);
      gsize skip = l == queue->chunks.head ? queue->offset : 0;
      gsize take = MIN (size - skip, n - copied);

      memcpy (dest + copied, data + skip, take);
      copied += take;
    }
}

/* Drops the first @n bytes. */
void
pf_byte_queue_pop (PfByteQueue *queue,
                   gsize        n)
{
  g_return_if_fail (n <= queue->length);

  queue->length -= n;
  while (n > 0)
    {
      GBytes *first = g_queue_peek_head (&queue->chunks);
      gsize left = g_bytes_get_size (first) - queue->offset;

      if (n < left)
        {
          queue->offset += n;
          return;
        }

      g_bytes_unref (g_queue_pop_head (&queue->chunks));
      queue->offset = 0;
      n -= left;
    }
}

/* All the bytes, in one piece (a copy when there is more than one). */
GBytes *
pf_byte_queue_flatten (PfByteQueue *queue)
{
  GByteArray *all;

  if (queue->chunks.length <= 1)
    {
      GBytes *only = pf_byte_queue_peek (queue);

      return only != NULL ? only : g_bytes_new (NULL, 0);
    }

  all = g_byte_array_sized_new (queue->length);
  for (GList *l = queue->chunks.head; l != NULL; l = l->next)
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (l->data, &size);

      if (l == queue->chunks.head)
        g_byte_array_append (all, data + queue->offset, size - queue->offset);
      else
        g_byte_array_append (all, data, size);
    }

  return g_byte_array_free_to_bytes (all);
}
