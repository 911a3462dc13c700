/**
 * What `npm run example:portal` and `npm run example:bank` share: read the settings, load (or, in development,
 * create) the client key, listen, and check once that DinhDanh accepts this relying party, so a missing
 * registration shows up in this terminal rather than as `invalid_client` in the browser.
 */
import type { Server } from 'node:http';
import * as oidc from 'openid-client';

import { loadOrCreateClientKey, type ClientKey } from './client-key.ts';
import { SettingsError, settingsFromEnvironment, type ExampleSettings } from './settings.ts';

export async function runExample({
  name,
  defaults,
  createServer,
}: {
  name: string;
  defaults: { port: number; clientId: string; clientKeyFile: string };
  createServer: (settings: ExampleSettings, clientKey: ClientKey) => Server;
}): Promise<void> {
  let settings: ExampleSettings;
  try {
    settings = settingsFromEnvironment(process.env, defaults);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    console.error(`${name}: cannot start:\n  ${error.problems.join('\n  ')}`);
    process.exit(78); // EX_CONFIG
  }
  const { key, created } = await loadOrCreateClientKey(settings.clientKeyFile, { mayCreate: !settings.production });
  const server = createServer(settings, key);
  await new Promise<void>((resolve) => server.listen(settings.port, resolve));
  console.log(`${name} at ${settings.publicUrl.origin}  (client_id ${settings.clientId}, DinhDanh at ${settings.issuer.origin})`);
  console.log(`  ${created ? 'created its signing key' : 'signing key'} ${settings.clientKeyFile} (kid ${key.kid}); public key at ${new URL('/jwks.json', settings.publicUrl).href}`);
  console.log(`  ${await registrationCheck(settings, key)}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => process.exit(0)));
}

/**
 * A pushed authorization request (RFC 9126 §2) authenticates the client without any citizen: it succeeds only
 * if DinhDanh knows the client id, accepts the redirect URI and verifies an assertion signed with this key
 * (which it fetches from our /jwks.json). The request_uri it returns simply expires.
 */
async function registrationCheck(settings: ExampleSettings, key: ClientKey): Promise<string> {
  let configuration: oidc.Configuration;
  try {
    configuration = await oidc.discovery(settings.issuer, settings.clientId, undefined, oidc.PrivateKeyJwt({ key: key.privateKey, kid: key.kid }), {
      execute: settings.allowHttpIssuer ? [oidc.allowInsecureRequests] : [],
    });
  } catch (error) {
    return `DinhDanh is not reachable at ${settings.issuer.href} (${(error as Error).message}): start it with \`npm start\` in another terminal; this example keeps trying at each sign-in.`;
  }
  try {
    await oidc.buildAuthorizationUrlWithPAR(configuration, {
      redirect_uri: new URL('/callback', settings.publicUrl).href,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    return `DinhDanh accepts ${settings.clientId}: open ${settings.publicUrl.origin} and sign in.`;
  } catch (error) {
    const detail = error instanceof oidc.ResponseBodyError ? `${error.error}: ${error.error_description ?? ''}` : (error as Error).message;
    return [
      `DinhDanh at ${settings.issuer.origin} does not accept ${settings.clientId} (${detail}).`,
      `  The embedded DinhDanh (\`npm start\`, DEMO_SEED=true) registers the examples at their default addresses;`,
      `  elsewhere an operator registers this relying party (docs/integrating-a-portal.md, docs/integrating-a-bank.md).`,
    ].join('\n');
  }
}
