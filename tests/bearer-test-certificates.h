/* bearer-test-certificates.h: client and server certificates for the mutual
 * TLS tests (RFC 8705), made at run time
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * In a temporary directory, removed by bearer_test_certificates_free(), with
 * the openssl command (no private key is ever committed):
 *   server.pem/key  the HTTPS server's (127.0.0.1), its own CA file
 *   ca.pem/key      a CA for client certificates
 *   a.pem/key       a client certificate issued by the CA (tls_client_auth)
 *   b.pem/key       a self-signed EC client certificate (self_signed_tls_client_auth);
 *                   b-sec1.key is the same key as SEC 1 ("EC PRIVATE KEY")
 *   c.pem/key       a self-signed certificate no server knows
 *   a-encrypted.key a.key under a passphrase; a.csr a request, not a certificate
 */
#pragma once

#include "bearer-test-server.h"

G_BEGIN_DECLS

typedef struct {
  char *dir;
  GTlsCertificate *server;      /* server.pem with its key */
} BearerTestCertificates;

BearerTestCertificates *bearer_test_certificates_new         (void);
void                    bearer_test_certificates_free        (BearerTestCertificates *self);
char                   *bearer_test_certificates_path        (BearerTestCertificates *self,
                                                              const char             *name);
char                   *bearer_test_certificates_read        (BearerTestCertificates *self,
                                                              const char             *name);
GTlsCertificate        *bearer_test_certificates_load_public (BearerTestCertificates *self,
                                                              const char             *name);
/* An HTTPS test server that wants a client certificate: one issued by
 * ca.pem, or the self-signed b.pem (registered); c.pem is unknown to it. */
BearerTestServer       *bearer_test_certificates_new_server  (BearerTestCertificates *self,
                                                              BearerTestServerMode    mode,
                                                              GTlsAuthenticationMode  auth_mode);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BearerTestCertificates, bearer_test_certificates_free)

G_END_DECLS
