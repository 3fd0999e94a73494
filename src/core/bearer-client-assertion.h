/* bearer-client-assertion.h: client assertions (RFC 7523 §2.2, OpenID Connect Core §9)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "bearer-enums.h"

G_BEGIN_DECLS

/* How long an assertion is valid, from the moment it is signed. */
#define BEARER_CLIENT_ASSERTION_LIFETIME 60

/* The `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2). */
#define BEARER_CLIENT_ASSERTION_TYPE_JWT "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/* The largest private key read from a file or standard input, in bytes. */
#define BEARER_PRIVATE_KEY_MAX_SIZE (64 * 1024)

BearerSigningAlg bearer_signing_alg_resolve     (BearerClientAuth   auth,
                                                 BearerSigningAlg   alg,
                                                 const char        *key,
                                                 GError           **error);
gboolean         bearer_private_key_check       (const char        *pem,
                                                 BearerSigningAlg   alg,
                                                 GError           **error);
char            *bearer_client_assertion_create (BearerClientAuth   auth,
                                                 BearerSigningAlg   alg,
                                                 const char        *key_id,
                                                 const char        *client_id,
                                                 const char        *audience,
                                                 const char        *key,
                                                 gint64             now,
                                                 GError           **error);
GBytes          *bearer_jws_sign                (const char        *pem,
                                                 BearerSigningAlg   alg,
                                                 const char        *input,
                                                 GError           **error);

G_END_DECLS
