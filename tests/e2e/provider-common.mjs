// SPDX-License-Identifier: GPL-3.0-or-later
//
// tests/e2e/provider-common.mjs: what the three oidc-provider servers of the
// end-to-end tests (oidc-server.mjs, oidc-mtls-server.mjs,
// oidc-dpop-server.mjs) share: the token endpoint's outcomes as EVENT lines
// on standard error, a first refresh token minted as consent would have
// made it, and a clean stop on SIGTERM or SIGINT.

// logEvents(provider, events): an `EVENT <event> <grant_type> [error
// description]` line on standard error for each of `events`, and one for
// every server_error.
export function logEvents(provider, events = ['grant.success', 'grant.error']) {
  for (const event of events) {
    provider.on(event, (ctx, err) => {
      const grant = ctx.oidc?.params?.grant_type ?? '-';
      if (err) {
        process.stderr.write(`EVENT ${event} ${grant} ${err.error ?? err.name} ${err.error_description ?? ''}\n`);
      } else {
        process.stderr.write(`EVENT ${event} ${grant}\n`);
      }
    });
  }
  provider.on('server_error', (ctx, err) => {
    process.stderr.write(`EVENT server_error ${err?.stack ?? err}\n`);
  });
}

// mintRefreshToken(provider, clientId, accountId, scope): a grant for the
// account and client, as consent would have made it, and a refresh token
// of that grant; resolves to the token's value.
export async function mintRefreshToken(provider, clientId, accountId, scope) {
  const client = await provider.Client.find(clientId);
  const grant = new provider.Grant({ accountId, clientId });
  grant.addOIDCScope(scope);
  const grantId = await grant.save();
  const token = new provider.RefreshToken({
    accountId,
    client,
    grantId,
    scope,
    gty: 'authorization_code',
    authTime: Math.floor(Date.now() / 1000),
  });
  return token.save();
}

// stopOnSignals(server): closes the server on SIGTERM or SIGINT, and exits
// within two seconds whatever a stuck connection does.
export function stopOnSignals(server) {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
