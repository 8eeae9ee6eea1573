/* test-byte-queue.c: bytes kept as the GBytes they came in, taken in order
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pf-test-util.h"

#include <string.h>

#include "pf-byte-queue.h"

static GBytes *
text (const char *s)
{
  return g_bytes_new (s, strlen (s));
}

static void
push_text (PfByteQueue *queue,
           const char  *s)
{
  g_autoptr(GBytes) bytes = text (s);

  pf_byte_queue_push (queue, bytes);
}

/* What goes in comes out in order, across pieces, whatever is taken. */
static void
test_push_pop (void **state)
{
  PfByteQueue queue;
  g_autoptr(GBytes) all = NULL;
  g_autoptr(GBytes) next = NULL;
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  guint8 head[9];

  pf_byte_queue_init (&queue);
  push_text (&queue, "Hello, ");
  pf_byte_queue_push (&queue, empty);   /* nothing: no piece */
  push_text (&queue, "echo");
  push_text (&queue, "!\n");
  assert_int_equal (pf_byte_queue_get_length (&queue), 13);
  assert_int_equal (queue.chunks.length, 3);

  all = pf_byte_queue_flatten (&queue);
  pf_test_assert_bytes_text (all, "Hello, echo!\n");

  /* Copied and taken part way into the second piece. */
  pf_byte_queue_copy_head (&queue, 9, head);
  assert_memory_equal (head, "Hello, ec", 9);
  pf_byte_queue_pop (&queue, 9);
  assert_int_equal (pf_byte_queue_get_length (&queue), 4);
  next = pf_byte_queue_peek (&queue);
  pf_test_assert_bytes_text (next, "ho");

  pf_byte_queue_pop (&queue, 4);
  assert_int_equal (pf_byte_queue_get_length (&queue), 0);
  assert_null (pf_byte_queue_peek (&queue));
  pf_byte_queue_clear (&queue);
}

/* What goes in is kept, not copied: the first piece, part taken, is the
 * piece's own memory. */
static void
test_no_copy (void **state)
{
  PfByteQueue queue;
  g_autoptr(GBytes) bytes = text ("0123456789");
  g_autoptr(GBytes) rest = NULL;

  pf_byte_queue_init (&queue);
  pf_byte_queue_push (&queue, bytes);
  pf_byte_queue_pop (&queue, 2);
  rest = pf_byte_queue_peek (&queue);
  assert_ptr_equal (g_bytes_get_data (rest, NULL), (const guint8 *) g_bytes_get_data (bytes, NULL) + 2);
  pf_test_assert_bytes_text (rest, "23456789");
  pf_byte_queue_clear (&queue);
}

/* One queue's bytes move behind another's, what was taken staying
 * taken; the vectors for one write cover them in order. */
static void
test_move_and_vectors (void **state)
{
  PfByteQueue held, outbox;
  GOutputVector vectors[2];
  g_autoptr(GBytes) all = NULL;

  pf_byte_queue_init (&held);
  pf_byte_queue_init (&outbox);
  push_text (&outbox, "GET / ");
  push_text (&held, "xxHTTP/1.1");
  push_text (&held, "\r\n");
  pf_byte_queue_pop (&held, 2);

  pf_byte_queue_move (&outbox, &held);
  assert_int_equal (pf_byte_queue_get_length (&held), 0);
  assert_int_equal (pf_byte_queue_get_length (&outbox), 16);
  all = pf_byte_queue_flatten (&outbox);
  pf_test_assert_bytes_text (all, "GET / HTTP/1.1\r\n");

  pf_byte_queue_pop (&outbox, 4);
  assert_int_equal (pf_byte_queue_get_vectors (&outbox, vectors, G_N_ELEMENTS (vectors)), 2);
  assert_int_equal (vectors[0].size, 2);
  assert_memory_equal (vectors[0].buffer, "/ ", 2);
  assert_int_equal (vectors[1].size, 8);
  assert_memory_equal (vectors[1].buffer, "HTTP/1.1", 8);

  pf_byte_queue_clear (&outbox);
  pf_byte_queue_clear (&held);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_push_pop),
    cmocka_unit_test (test_no_copy),
    cmocka_unit_test (test_move_and_vectors),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
