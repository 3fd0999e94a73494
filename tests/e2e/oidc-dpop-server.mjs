// SPDX-License-Identifier: GPL-3.0-or-later
//
// oidc-dpop-server.mjs: a throw-away OpenID Provider (oidc-provider) with
// DPoP (RFC 9449) for Bearer's end-to-end tests.
//
//   node tests/e2e/oidc-dpop-server.mjs
//
// Listens on 127.0.0.1 only, on a free port, and prints on stdout, in order:
//
//   ISSUER http://127.0.0.1:PORT
//   REFRESH <refresh token of bearer-dpop>
//   READY
//
// One client, bearer-dpop: confidential (client_secret_post, secret
// BEARER_E2E_DPOP_SECRET, default "dp0p-s3cret"), refresh_token and
// client_credentials, with dpop_bound_access_tokens: every token request
// must carry a DPoP proof. The token endpoint requires a server nonce
// (RFC 9449 §8), so the first request of each process is answered 400
// use_dpop_nonce with a DPoP-Nonce header; the userinfo endpoint does not
// require one (a resource request made with bearer-cli curl cannot learn it
// first).
//
// Every token endpoint outcome is logged on stderr:
//   EVENT grant.success <grant_type>
//   EVENT grant.error <grant_type> <error> <error_description>
//
// Stops cleanly (exit 0) on SIGTERM or SIGINT.

import * as crypto from 'node:crypto';
import * as http from 'node:http';

import Provider from 'oidc-provider';
import { logEvents, mintRefreshToken, stopOnSignals } from './provider-common.mjs';

console.info = (...args) => console.error(...args);
console.log = (...args) => console.error(...args);

const HOST = '127.0.0.1';
const ACCOUNT = 'e2e-user';
const SCOPE = 'openid offline_access api:read';
const SECRET = process.env.BEARER_E2E_DPOP_SECRET ?? 'dp0p-s3cret';

const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, HOST, resolve);
});
const { port } = server.address();
const issuer = `http://${HOST}:${port}`;

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'e2e', use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'bearer-dpop',
      client_secret: SECRET,
      grant_types: ['refresh_token', 'client_credentials', 'authorization_code'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/cb'],
      token_endpoint_auth_method: 'client_secret_post',
      dpop_bound_access_tokens: true,
      scope: SCOPE,
    },
  ],
  scopes: ['openid', 'offline_access', 'api:read'],
  async findAccount(ctx, sub) {
    return { accountId: sub, async claims() { return { sub }; } };
  },
  features: {
    clientCredentials: { enabled: true },
    introspection: { enabled: true, async allowedPolicy() { return true; } },
    revocation: { enabled: true },
    dPoP: {
      enabled: true,
      nonceSecret: crypto.randomBytes(32),
      requireNonce(ctx) { return ctx.oidc?.route === 'token'; },
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
                     `REFRESH ${await mintRefreshToken(provider, 'bearer-dpop', ACCOUNT, SCOPE)}\n` +
                     'READY\n');

stopOnSignals(server);
