/* bearer-test-keys.h: private keys made at test time, and client assertions checked
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No private key is committed: each test makes its own with GnuTLS.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "bearer-enums.h"

G_BEGIN_DECLS

typedef enum {
  BEARER_TEST_KEY_RSA_2048,
  BEARER_TEST_KEY_RSA_1024,
  BEARER_TEST_KEY_EC_P256,
  BEARER_TEST_KEY_EC_P384,
  BEARER_TEST_KEY_ED25519,
} BearerTestKeyKind;

/* A new private key as PEM (PKCS #8). */
char       *bearer_test_key_new_pem          (BearerTestKeyKind  kind);

/* Checks the signature of @assertion with the public half of @key_pem (RS256,
 * PS256, ES256) or with @key as the HMAC secret (HS256), and that its header
 * says @alg; returns its claims, or fails the test. */
JsonObject *bearer_test_assertion_verify     (const char        *assertion,
                                              BearerSigningAlg   alg,
                                              const char        *key,
                                              JsonObject       **header);

G_END_DECLS
