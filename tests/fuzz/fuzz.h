/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz targets: each file defines LLVMFuzzerTestOneInput. Built two ways:
 * with libFuzzer (clang, -Dfuzzing=true, tools/fuzz.sh) to search, and with
 * replay.c as a plain regression test over the checked-in corpus
 * (tests/fuzz/corpus/<target>/) that runs in CI under the sanitizers.
 */
#ifndef CNH_TESTS_FUZZ_H
#define CNH_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Consume a __must_check result the target does not need. */
static inline void fuzz_ignore(int r)
{
	(void)r;
}

#endif
