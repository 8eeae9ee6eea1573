/* test-record-arena.c: the bytes a run records, packed into shared chunks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "pf-record-arena.h"

static GBytes *
copy_in (PfRecordArena *arena,
         const void    *data,
         gsize          len)
{
  guint8 *room = pf_record_arena_reserve (arena, len);

  memcpy (room, data, len);
  return pf_record_arena_commit (arena, len);
}

/* What was written into a reservation comes back, byte for byte, packed
 * after the one before, and outlives the arena. */
static void
test_reserve_and_commit (void **state)
{
  g_autoptr(PfRecordArena) arena = pf_record_arena_new ();
  g_autoptr(GBytes) first = NULL;
  g_autoptr(GBytes) second = NULL;
  guint8 *room;

  room = pf_record_arena_reserve (arena, 65536);
  memcpy (room, "GET / HTTP/1.1\r\n", 16);
  first = pf_record_arena_commit (arena, 16);

  /* Reserved and not committed: the next reservation takes its room. */
  room = pf_record_arena_reserve (arena, 1024);
  assert_ptr_equal (room, pf_record_arena_reserve (arena, 65536));
  memcpy (room, "Hello", 5);
  second = pf_record_arena_commit (arena, 5);

  g_clear_pointer (&arena, pf_record_arena_free);

  assert_int_equal (g_bytes_get_size (first), 16);
  assert_memory_equal (g_bytes_get_data (first, NULL), "GET / HTTP/1.1\r\n", 16);
  assert_int_equal (g_bytes_get_size (second), 5);
  assert_memory_equal (g_bytes_get_data (second, NULL), "Hello", 5);
  assert_true ((const guint8 *) g_bytes_get_data (second, NULL) >=
               (const guint8 *) g_bytes_get_data (first, NULL) + 16);
  assert_int_equal ((guintptr) g_bytes_get_data (second, NULL) % 16, 0);
}

/* Far more than one chunk holds, and reservations larger than a chunk:
 * every GBytes keeps its own bytes. */
static void
test_many_chunks (void **state)
{
  g_autoptr(PfRecordArena) arena = pf_record_arena_new ();
  g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  static const gsize sizes[] = { 1, 100, 65536, 1024 * 1024 + 1, 5 * 1024 * 1024, 3000 };

  for (guint i = 0; i < 60; i++)
    {
      gsize size = sizes[i % G_N_ELEMENTS (sizes)];
      g_autofree guint8 *data = g_malloc (size);

      memset (data, i, size);
      g_ptr_array_add (kept, copy_in (arena, data, size));
    }

  g_clear_pointer (&arena, pf_record_arena_free);

  for (guint i = 0; i < kept->len; i++)
    {
      gsize size = sizes[i % G_N_ELEMENTS (sizes)];
      gsize len;
      const guint8 *data = g_bytes_get_data (g_ptr_array_index (kept, i), &len);

      assert_int_equal (len, size);
      assert_int_equal (data[0], (guint8) i);
      assert_int_equal (data[size / 2], (guint8) i);
      assert_int_equal (data[size - 1], (guint8) i);
    }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_reserve_and_commit),
    cmocka_unit_test (test_many_chunks),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
