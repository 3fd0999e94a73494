/* fuzz-common.h: what every libFuzzer harness of tests/fuzz shares
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The libFuzzer entry points, defined by each fuzz-<target>.c. */
int      LLVMFuzzerInitialize        (int           *argc,
                                      char        ***argv);
int      LLVMFuzzerTestOneInput      (const uint8_t *data,
                                      size_t         size);

void     bearer_fuzz_init            (void);
gboolean bearer_fuzz_json_is_utf8    (JsonNode      *node);
void     bearer_fuzz_assert_utf8     (const char    *text);
void     bearer_fuzz_assert_message  (const char    *message);

G_END_DECLS
