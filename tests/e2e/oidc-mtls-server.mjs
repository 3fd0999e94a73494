// SPDX-License-Identifier: GPL-3.0-or-later
//
// oidc-mtls-server.mjs: a throw-away OpenID Provider (oidc-provider) with
// mutual TLS (RFC 8705) for Bearer's end-to-end tests.
//
//   BEARER_MTLS_DIR=DIR node tests/e2e/oidc-mtls-server.mjs
//
// DIR holds what tests/e2e/test-oidc-mtls.sh made with openssl at run time:
// server.pem/key (the HTTPS server's, 127.0.0.1), ca.pem (the CA of the
// client certificates), a.pem (issued by that CA to CN=bearer-mtls) and
// b.pem (self-signed). A Node.js https server asks every client for a
// certificate (requestCert), checks it against ca.pem without refusing the
// handshake, and hands it to the provider's callback; getCertificate reads
// the peer certificate of the request's TLS socket.
//
// Listens on 127.0.0.1 only, on a free port, and prints on stdout, in order:
//
//   ISSUER https://127.0.0.1:PORT
//   REFRESH_TLS <refresh token of bearer-mtls>
//   REFRESH_SELF <refresh token of bearer-mtls-self>
//   READY
//
// Clients (both with certificate-bound access tokens, RFC 8705 §3):
//   bearer-mtls       tls_client_auth, tls_client_auth_subject_dn CN=bearer-mtls
//   bearer-mtls-self  self_signed_tls_client_auth, b.pem registered in its jwks (x5c)
//
// Every token endpoint outcome is logged on stderr:
//   EVENT grant.success <grant_type>
//   EVENT grant.error <grant_type> <error> <error_description>
//
// Stops cleanly (exit 0) on SIGTERM or SIGINT.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';

import Provider from 'oidc-provider';
import { logEvents, mintRefreshToken, stopOnSignals } from './provider-common.mjs';

console.info = (...args) => console.error(...args);
console.log = (...args) => console.error(...args);

const HOST = '127.0.0.1';
const ACCOUNT = 'e2e-user';
const SCOPE = 'openid offline_access api:read';
const dir = process.env.BEARER_MTLS_DIR;
const read = (name) => fs.readFileSync(path.join(dir, name));

const server = https.createServer({
  key: read('server.key'),
  cert: read('server.pem'),
  ca: read('ca.pem'),
  requestCert: true,
  // The provider decides: a self-signed certificate is not the CA's.
  rejectUnauthorized: false,
});

await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, HOST, resolve);
});

const { port } = server.address();
const issuer = `https://${HOST}:${port}`;

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'e2e', use: 'sig', alg: 'RS256' };

const selfSigned = new crypto.X509Certificate(read('b.pem'));
const selfSignedJwk = {
  ...selfSigned.publicKey.export({ format: 'jwk' }),
  use: 'sig',
  x5c: [selfSigned.raw.toString('base64')],
};

function peerCertificate(ctx) {
  const socket = ctx.req.socket;
  const cert = socket.getPeerX509Certificate ? socket.getPeerX509Certificate() : undefined;
  return cert ?? undefined;
}

const grantTypes = ['refresh_token', 'client_credentials', 'authorization_code'];
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'bearer-mtls',
      grant_types: grantTypes,
      response_types: ['code'],
      redirect_uris: ['https://127.0.0.1/cb'],
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=bearer-mtls',
      tls_client_certificate_bound_access_tokens: true,
      scope: SCOPE,
    },
    {
      client_id: 'bearer-mtls-self',
      grant_types: grantTypes,
      response_types: ['code'],
      redirect_uris: ['https://127.0.0.1/cb'],
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      jwks: { keys: [selfSignedJwk] },
      tls_client_certificate_bound_access_tokens: true,
      scope: SCOPE,
    },
  ],
  clientAuthMethods: ['tls_client_auth', 'self_signed_tls_client_auth'],
  scopes: ['openid', 'offline_access', 'api:read'],
  async findAccount(ctx, sub) {
    return { accountId: sub, async claims() { return { sub }; } };
  },
  features: {
    clientCredentials: { enabled: true },
    introspection: { enabled: true, async allowedPolicy() { return true; } },
    revocation: { enabled: true },
    mTLS: {
      enabled: true,
      certificateBoundAccessTokens: true,
      selfSignedTlsClientAuth: true,
      tlsClientAuth: true,
      getCertificate: peerCertificate,
      certificateAuthorized(ctx) { return ctx.req.socket.authorized === true; },
      certificateSubjectMatches(ctx, property, expected) {
        const cert = peerCertificate(ctx);
        return property === 'tls_client_auth_subject_dn' && cert !== undefined &&
          cert.subject.replace(/\n/g, ',') === expected;
      },
    },
  },
  rotateRefreshToken: true,
  async issueRefreshToken(ctx, client) {
    return client.grantTypeAllowed('refresh_token');
  },
  jwks: { keys: [signingKey] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
});

logEvents(provider);

server.on('request', provider.callback());


process.stdout.write(`ISSUER ${issuer}\n` +
                     `REFRESH_TLS ${await mintRefreshToken(provider, 'bearer-mtls', ACCOUNT, SCOPE)}\n` +
                     `REFRESH_SELF ${await mintRefreshToken(provider, 'bearer-mtls-self', ACCOUNT, SCOPE)}\n` +
                     'READY\n');

stopOnSignals(server);
