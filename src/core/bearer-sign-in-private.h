/* bearer-sign-in-private.h: what the tests may change of a sign-in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "bearer-sign-in.h"

G_BEGIN_DECLS

/* The length of the device grant's "second" in milliseconds (1000), so a
 * test of slow_down (+5 s) runs in milliseconds. */
void bearer_sign_in_set_second_ms (BearerSignIn *self,
                                   guint         milliseconds);

G_END_DECLS
