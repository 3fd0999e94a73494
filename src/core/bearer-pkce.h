/* bearer-pkce.h: PKCE (RFC 7636) and the random values of a sign-in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "bearer-enums.h"

G_BEGIN_DECLS

/* Bytes of randomness behind a verifier, a state or a nonce: 256 bits,
 * 43 characters of base64url. */
#define BEARER_RANDOM_BYTES 32

gboolean  bearer_random_bytes          (guint8            *buffer,
                                        gsize              length,
                                        GError           **error);
char     *bearer_random_token          (GError           **error);
char     *bearer_pkce_challenge        (const char        *verifier,
                                        BearerPkceMethod   method);
const char *bearer_pkce_method_to_wire (BearerPkceMethod   method);
gboolean  bearer_pkce_verifier_is_valid (const char       *verifier);
char     *bearer_base64url_encode      (const guint8      *data,
                                        gsize              length);

G_END_DECLS
