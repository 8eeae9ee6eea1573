/* pf-fuzz.h: what every fuzz target in tests/fuzz/ shares
 *
 * A target is one LLVMFuzzerTestOneInput(). Built with -Dfuzzing=true
 * (clang) it links libFuzzer; otherwise fuzz-main.c replays files through
 * it, so the corpus runs in every build.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerInitialize   (int            *argc,
                            char         ***argv);
int LLVMFuzzerTestOneInput (const uint8_t  *data,
                            size_t          size);

/* A critical or a warning is a bug the input found: make it abort, as
 * G_DEBUG=fatal-criticals does in the tests. g_slice memory goes through
 * malloc so that AddressSanitizer sees every block. */
static inline void
pf_fuzz_init (void)
{
  setenv ("G_SLICE", "always-malloc", 1);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}

/* Fails the run (an abort that libFuzzer and the sanitizers report) when
 * @condition does not hold, whatever NDEBUG or G_DISABLE_ASSERT say. */
#define pf_fuzz_check(condition) \
  G_STMT_START { \
    if (G_UNLIKELY (!(condition))) \
      { \
        g_printerr ("%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
        abort (); \
      } \
  } G_STMT_END
