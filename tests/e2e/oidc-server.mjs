// SPDX-License-Identifier: GPL-3.0-or-later
//
// oidc-server.mjs: a throw-away OpenID Provider (the real, certified
// `oidc-provider` package) for Bearer's end-to-end tests.
//
//   node tests/e2e/oidc-server.mjs
//
// Listens on 127.0.0.1 only, on a free port, and prints on stdout, in order:
//
//   ISSUER http://127.0.0.1:PORT
//   REFRESH <refresh token>      a first refresh token of client bearer-e2e
//   READY
//
// The refresh token is minted through the provider's own API (a Grant, then
// a RefreshToken of that grant), as the authorization-code flow would have
// issued it, so no browser is needed. It is a test token of a test server
// that lives only as long as this process.
//
// Clients:
//   bearer-e2e   confidential, client_secret_basic, secret BEARER_E2E_SECRET
//                (default "s3cr:et%+ x": ':' '%' '+' and a space, so that the
//                RFC 6749 §2.3.1 encoding of HTTP Basic really matters)
//   bearer-post  confidential, client_secret_post, secret BEARER_E2E_POST_SECRET
//                (default "p0st:s%cr+t x")
//   bearer-native  public (token_endpoint_auth_method none), a native app
//                (RFC 8252: its loopback redirect http://127.0.0.1/callback
//                matches on any port), authorization_code with PKCE and
//                the device grant
//
//   bearer-pkjwt-rsa, bearer-pkjwt-ec  private_key_jwt, with an RSA (RS256,
//                PS256) or EC P-256 (ES256) key made at start; each public key
//                is the client's jwks
//   bearer-csjwt  client_secret_jwt (HS256), secret BEARER_E2E_JWT_SECRET
//   When BEARER_E2E_KEY_DIR names a directory, the private keys are written
//   there as pkjwt-rsa.pem and pkjwt-ec.pem (mode 0600), and a refresh token
//   of each of these clients is printed before READY:
//   CLIENT_REFRESH <client_id> <refresh token>
//
// The confidential clients may also sign in through the browser: besides
// http://127.0.0.1/cb they have the fixed loopback redirect
// http://127.0.0.1:BEARER_E2E_FIXED_PORT/fixed when that variable is set
// (web clients' redirects match exactly, port included), and the device
// grant.
//
// Refresh tokens rotate on every use; reusing a spent one revokes the whole
// grant (oidc-provider's own behaviour with rotateRefreshToken: true).
//
// Every token endpoint outcome is logged on stderr, one line each:
//   EVENT grant.success <grant_type>
//   EVENT grant.error <grant_type> <error> <error_description>
// so a test can count what the server really did.
//
// Stops cleanly (exit 0) on SIGTERM or SIGINT.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';

import Provider from 'oidc-provider';
import { logEvents, mintRefreshToken, stopOnSignals } from './provider-common.mjs';

// stdout carries only the lines above: oidc-provider's notices (printed
// with console.info) go to stderr with its warnings.
console.info = (...args) => console.error(...args);
console.log = (...args) => console.error(...args);

const HOST = '127.0.0.1';
const ACCOUNT = 'e2e-user';
const SCOPE = 'openid offline_access api:read';
const E2E_SECRET = process.env.BEARER_E2E_SECRET ?? 's3cr:et%+ x';
const POST_SECRET = process.env.BEARER_E2E_POST_SECRET ?? 'p0st:s%cr+t x';
const FIXED_PORT = process.env.BEARER_E2E_FIXED_PORT;
const JWT_SECRET = process.env.BEARER_E2E_JWT_SECRET ?? 'a client secret of 32 bytes or more, for HS256';
const KEY_DIR = process.env.BEARER_E2E_KEY_DIR;
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const confidentialRedirects = ['http://127.0.0.1/cb'];
if (FIXED_PORT) confidentialRedirects.push(`http://127.0.0.1:${FIXED_PORT}/fixed`);

// The port is chosen at listen time and the issuer depends on it: listen
// first, attach the provider afterwards (nobody knows the port before the
// ISSUER line is printed).
const server = http.createServer();

await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, HOST, resolve);
});

const { port } = server.address();
const issuer = `http://${HOST}:${port}`;

// A signing key of our own, so that the provider does not fall back to its
// published development keys (and does not warn about them).
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'e2e', use: 'sig', alg: 'RS256' };

// The private_key_jwt clients' keys: made now, never committed.
const clientKeys = {
  rsa: crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }),
  ec: crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }),
};
const publicJwk = (pair, kid) => ({ ...pair.publicKey.export({ format: 'jwk' }), kid, use: 'sig' });
const jwtClientDefaults = {
  grant_types: ['refresh_token', 'client_credentials'],
  response_types: [],
  redirect_uris: [],
  scope: SCOPE,
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'bearer-e2e',
      client_secret: E2E_SECRET,
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials', DEVICE_GRANT],
      response_types: ['code'],
      redirect_uris: confidentialRedirects,
      token_endpoint_auth_method: 'client_secret_basic',
      scope: SCOPE,
    },
    {
      client_id: 'bearer-post',
      client_secret: POST_SECRET,
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials', DEVICE_GRANT],
      response_types: ['code'],
      redirect_uris: confidentialRedirects,
      token_endpoint_auth_method: 'client_secret_post',
      scope: SCOPE,
    },
    {
      ...jwtClientDefaults,
      client_id: 'bearer-pkjwt-rsa',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [publicJwk(clientKeys.rsa, 'rsa-key')] },
    },
    {
      ...jwtClientDefaults,
      client_id: 'bearer-pkjwt-ec',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [publicJwk(clientKeys.ec, 'ec-key')] },
    },
    {
      ...jwtClientDefaults,
      client_id: 'bearer-csjwt',
      client_secret: JWT_SECRET,
      token_endpoint_auth_method: 'client_secret_jwt',
    },
    {
      client_id: 'bearer-native',
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'none',
      scope: SCOPE,
    },
  ],
  scopes: ['openid', 'offline_access', 'api:read'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return {
          sub, name: 'E2E User', email: 'e2e@example.test', email_verified: true,
        };
      },
    };
  },
  features: {
    clientCredentials: { enabled: true },
    revocation: { enabled: true },
    introspection: {
      enabled: true,
      // Any authenticated client of this test server may introspect.
      async allowedPolicy() { return true; },
    },
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
  },
  rotateRefreshToken: true,
  async issueRefreshToken(ctx, client, code) {
    return client.grantTypeAllowed('refresh_token');
  },
  jwks: { keys: [signingKey] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 60,
    ClientCredentials: 3600,
    Grant: 14 * 24 * 3600,
    IdToken: 3600,
    Interaction: 3600,
    RefreshToken: 14 * 24 * 3600,
    Session: 14 * 24 * 3600,
  },
});

logEvents(provider, ['grant.success', 'grant.error', 'device_authorization.success']);

server.on('request', provider.callback());

// The first refresh token: a grant for the account and client, as consent
// would have made it, and a refresh token of that grant.
// A second grant of its own for the revocation tests (REFRESH_REVOKE).
const mint = (clientId = 'bearer-e2e') => mintRefreshToken(provider, clientId, ACCOUNT, SCOPE);
const refreshValue = await mint();
const revokeValue = await mint();

let clientRefresh = '';
if (KEY_DIR) {
  for (const [name, pair] of Object.entries(clientKeys)) {
    fs.writeFileSync(`${KEY_DIR}/pkjwt-${name}.pem`,
      pair.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  }
  for (const id of ['bearer-pkjwt-rsa', 'bearer-pkjwt-ec', 'bearer-csjwt']) {
    clientRefresh += `CLIENT_REFRESH ${id} ${await mint(id)}\n`;
  }
}

process.stdout.write(`ISSUER ${issuer}\nREFRESH ${refreshValue}\nREFRESH_REVOKE ${revokeValue}\n${clientRefresh}READY\n`);

stopOnSignals(server);
