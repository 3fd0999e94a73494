/* bearer-dpop.h: DPoP proofs (RFC 9449) with a key of the connection's own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The header a proof travels in, and the one a server's nonce comes in. */
#define BEARER_DPOP_HEADER "DPoP"
#define BEARER_DPOP_NONCE_HEADER "DPoP-Nonce"

/* The token type of a DPoP-bound access token (RFC 9449 §5). */
#define BEARER_DPOP_TOKEN_TYPE "DPoP"

char     *bearer_dpop_key_generate      (GError      **error);
gboolean  bearer_dpop_key_check         (const char   *key_pem,
                                         GError      **error);
char     *bearer_dpop_key_thumbprint    (const char   *key_pem,
                                         GError      **error);
char     *bearer_dpop_proof_create      (const char   *key_pem,
                                         const char   *method,
                                         const char   *url,
                                         const char   *access_token,
                                         const char   *nonce,
                                         gint64        now,
                                         GError      **error);
char     *bearer_dpop_access_token_hash (const char   *access_token);
gboolean  bearer_dpop_is_token_type     (const char   *token_type);
char     *bearer_dpop_dup_token_type_warning (gboolean dpop,
                                              const char *token_type);

void      bearer_dpop_remember_nonce    (const char   *key_pem,
                                         const char   *nonce);
char     *bearer_dpop_dup_nonce         (const char   *key_pem);

G_END_DECLS
