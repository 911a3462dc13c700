/**
 * `npm start`: load the configuration, compose DinhDanh, listen, print the banner. Configuration problems
 * stop the process with a message naming each setting and its fix.
 */
import { createServer } from 'node:http';

import { createDinhDanh, type DinhDanh } from './compose.ts';
import { ConfigError, loadConfig } from './config/load.ts';
import { KeyRingError } from './keys/keyring.ts';
import { demoNewcomer } from './demo/citizens.ts';
import { fullName } from './registry/population-registry.ts';
import { StoreUnavailableError } from './stores/errors.ts';
import { SchemaOutdatedError } from './stores/mongo/index.ts';

function banner(dinhdanh: DinhDanh): string {
  const { config, demo, notices } = dinhdanh;
  const lines = [
    '',
    `DinhDanh is running at ${config.issuer}  (${config.env} mode)`,
    `  discovery: ${config.issuer}/.well-known/openid-configuration`,
    ...notices.map((notice) => `  note: ${notice}`),
  ];
  if (config.stores.backend === 'memory') {
    lines.push('  storage: IN MEMORY (embedded default): every account, session and token is lost on restart.');
  }
  if (demo) {
    lines.push(
      '',
      `Try it: open ${config.issuer}/demo and sign in as a synthetic demo citizen:`,
      ...demo.citizens.map(
        (citizen) =>
          `  ${citizen.personalId}  password ${citizen.password.padEnd(16)} level ${citizen.identityLevel} account  (${citizen.name})` +
          (citizen.totpSecret ? `\n                authenticator app secret ${citizen.totpSecret} (add it to any TOTP app)` : ''),
      ),
      '  (a password alone gives a level-1 session; "Sign in at level 2" on the demo portal also asks the level-2',
      `   citizen for a code sent by SMS: it appears at ${config.issuer}/dev/sms)`,
      `Passkeys and the authenticator app: ${config.issuer}/account (sign in, "Create a passkey on this device").`,
      `Enrollment desk: ${config.issuer}/desk (the level-2 demo citizen is staff: create a passkey at /account first).`,
      'Example relying parties: `npm run example:portal` (localhost:4000) and `npm run example:bank` (localhost:4001).',
      '',
      `Try enrollment: ${config.issuer}/enroll as ${fullName(demoNewcomer)}, ${demoNewcomer.personalId}, born ${demoNewcomer.birthDate}, any mobile number;`,
      `  the SMS code appears at ${config.issuer}/dev/sms (development outbox: nothing reaches a phone).`,
      '',
      'Demo relying party (a public-service portal):',
      `  client_id      ${demo.portal.clientId}`,
      `  client_secret  ${demo.portal.clientSecret}   (client_secret_basic; new on every start)`,
      `  redirect_uri   ${demo.portal.redirectUri}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

try {
  const config = loadConfig();
  const dinhdanh = await createDinhDanh(config);
  const server = createServer(dinhdanh.app.callback());
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  await new Promise<void>((resolve) => server.listen(config.http.port, config.http.host || undefined, resolve));
  process.stdout.write(banner(dinhdanh));
  dinhdanh.logger.info({ issuer: config.issuer, port: config.http.port }, 'listening');

  const shutdown = (signal: string) => {
    dinhdanh.logger.info({ signal }, 'shutting down');
    server.close(() => void dinhdanh.close().then(() => process.exit(0)));
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  if (error instanceof ConfigError || error instanceof KeyRingError || error instanceof SchemaOutdatedError) {
    console.error(error.message);
    process.exit(78); // EX_CONFIG
  }
  if (error instanceof StoreUnavailableError) {
    console.error(`DinhDanh cannot start: ${error.message}. Check REDIS_URL / MONGODB_URI and that the server is reachable.`);
    process.exit(69); // EX_UNAVAILABLE
  }
  throw error;
}
