/**
 * `npm run clients -- <command>`: the operator's side of the relying-party registry, on the configured store
 * backend (MongoDB with `STORE_BACKEND=redis-mongo`; Redis is not needed). Every change is validated by
 * metadata.ts and written to the audit log with `by: cli` and the operating-system user.
 *
 * Exit codes: 0 done, 2 bad input (the problems are printed, one per line), 1 anything else.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';

import type { AuditLog } from '../audit/audit-log.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { createSecretBox } from '../crypto/secret-box.ts';
import { MemoryAuditLog } from '../stores/memory/audit-log.ts';
import { MemoryRelyingPartyStore } from '../stores/memory/relying-parties.ts';
import { MongoAuditLog } from '../stores/mongo/audit-log.ts';
import { createMongoClient, SchemaOutdatedError } from '../stores/mongo/index.ts';
import { currentSchemaVersion, migrate, SCHEMA_VERSION } from '../stores/mongo/migrations.ts';
import { MongoRelyingPartyStore } from '../stores/mongo/relying-parties.ts';
import { metadataOf } from './metadata.ts';
import { createRelyingPartyRegistry, RelyingPartyInputError, type Actor } from './registry.ts';
import type { RelyingParty, RelyingPartyStore } from './relying-party.ts';

const usage = `usage: npm run clients -- <command>
  add --file rp.json                     register a relying party (prints its client secret once, if it has one)
  update <clientId> --file rp.json       replace its registration with the file's (same fields as add)
  list                                   every relying party: id, profile, level, authentication, status
  show <clientId>                        its registration (never its secret)
  disable <clientId>                     its requests get invalid_client from now on
  enable <clientId>                      undo disable
  rotate-secret <clientId>               a new client secret, printed once; the old one stops working
  set-keys <clientId> --jwks keys.json   replace its public keys for private_key_jwt
  set-keys <clientId> --jwks-uri <https URI>
Exit codes: 0 done, 2 bad input (problems printed), 1 other failure.`;

/** Bad input that is not a validation problem (usage, unreadable file). */
class UsageError extends RelyingPartyInputError {}

function readJsonFile(file: string, option: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError([`${option} ${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError([`${option} ${file}: is not JSON (${(error as Error).message})`]);
  }
}

function operatingSystemUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    // A container user without a passwd entry.
    return process.env.USER ?? `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

interface RegistryStores {
  relyingParties: RelyingPartyStore;
  audit: AuditLog;
  /** Nothing outlives this process (the embedded memory backend). */
  ephemeral: boolean;
  close(): Promise<void>;
}

/** The durable stores the registry needs, on the configured backend, with the app's schema rules. */
async function openStores(config: Config): Promise<RegistryStores> {
  if (config.stores.backend === 'memory') {
    console.error(
      'clients: STORE_BACKEND is memory: this process has an empty registry of its own, and every change is lost when it exits ' +
        '(a running DinhDanh never sees it; it only checks the input). Set STORE_BACKEND=redis-mongo and MONGODB_URI to manage the real registry.',
    );
    return { relyingParties: new MemoryRelyingPartyStore(), audit: new MemoryAuditLog(), ephemeral: true, close: async () => undefined };
  }
  const client = createMongoClient(config.mongodb);
  try {
    await client.connect();
    const db = client.db(config.mongodb.database);
    // As the provider does at start-up: production needs `npm run migrate` first, elsewhere it runs here.
    if (config.env === 'production') {
      const version = await currentSchemaVersion(db);
      if (version < SCHEMA_VERSION) throw new SchemaOutdatedError(`MongoDB schema is at version ${version}, this release needs ${SCHEMA_VERSION}: run \`npm run migrate\` first.`);
    } else {
      await migrate(db);
    }
    return {
      relyingParties: new MongoRelyingPartyStore(db, createSecretBox(config.secrets.keys)),
      audit: new MongoAuditLog(db),
      ephemeral: false,
      close: () => client.close(),
    };
  } catch (error) {
    await client.close();
    throw error;
  }
}

const authenticationOf = (relyingParty: RelyingParty) =>
  relyingParty.tokenEndpointAuthMethod === 'private_key_jwt' && relyingParty.jwksUri ? 'private_key_jwt (jwksUri)' : relyingParty.tokenEndpointAuthMethod;

function listing(relyingParties: RelyingParty[]): string {
  if (!relyingParties.length) return 'no relying parties registered';
  const rows = [
    ['CLIENT ID', 'PROFILE', 'LEVEL', 'AUTHENTICATION', 'STATUS', 'NAME'],
    ...relyingParties.map((entry) => [entry.clientId, entry.profile, String(entry.minimumLevel), authenticationOf(entry), entry.disabled ? 'disabled' : 'enabled', entry.name.en]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n');
}

function description(relyingParty: RelyingParty): string {
  return [
    `client id:      ${relyingParty.clientId}`,
    `status:         ${relyingParty.disabled ? 'disabled (its requests get invalid_client)' : 'enabled'}`,
    `client secret:  ${relyingParty.clientSecret ? 'set (never shown: `rotate-secret` issues a new one)' : 'none'}`,
    'registration:',
    JSON.stringify(metadataOf(relyingParty), null, 2),
  ].join('\n');
}

const printSecretOnce = (clientId: string, clientSecret: string) =>
  [
    `client_secret for ${clientId} (shown once; DinhDanh keeps it encrypted and never prints it again):`,
    `  ${clientSecret}`,
  ].join('\n');

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { file: { type: 'string' }, jwks: { type: 'string' }, 'jwks-uri': { type: 'string' }, help: { type: 'boolean', default: false } },
    });
  } catch (error) {
    throw new UsageError([`${(error as Error).message} (npm run clients -- --help lists the commands)`]);
  }
  const { positionals, values } = parsed;
  const [command, clientId, ...extra] = positionals;
  if (values.help || !command) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  const known = ['add', 'update', 'list', 'show', 'disable', 'enable', 'rotate-secret', 'set-keys'];
  if (!known.includes(command)) throw new UsageError([`unknown command "${command}" (npm run clients -- --help lists the commands)`]);
  const needsClientId = !['add', 'list'].includes(command);
  if (needsClientId && !clientId) throw new UsageError([`"${command}" needs a client id: npm run clients -- ${command} <clientId>`]);
  if ((!needsClientId && clientId) || extra.length) throw new UsageError([`unexpected argument(s) ${[...(needsClientId ? [] : [clientId]), ...extra].map((value) => `"${value}"`).join(' ')}`]);
  const file = () => {
    if (!values.file) throw new UsageError([`"${command}" needs --file <registration.json>`]);
    return readJsonFile(values.file, '--file');
  };
  // Read the input before touching the store: a bad file is reported without a backend.
  const input = command === 'add' || command === 'update' ? file() : undefined;
  let keys: { jwks: unknown } | { jwksUri: unknown } | undefined;
  if (command === 'set-keys') {
    if (Boolean(values.jwks) === Boolean(values['jwks-uri'])) throw new UsageError(['set-keys needs either --jwks <file> or --jwks-uri <https URI>']);
    keys = values.jwks ? { jwks: readJsonFile(values.jwks, '--jwks') } : { jwksUri: values['jwks-uri'] };
  }

  // The tool serves no traffic, so production refusals about the SMS gateway or signing keys do not concern it.
  const config = loadConfig({ applyProductionRefusals: false });
  const stores = await openStores(config);
  try {
    const registry = createRelyingPartyRegistry({ store: stores.relyingParties, audit: stores.audit, rules: { production: config.env === 'production' } });
    const actor: Actor = { by: 'cli', user: operatingSystemUser() };
    switch (command) {
      case 'add': {
        const { relyingParty, clientSecret } = await registry.register(input, actor);
        console.log(`registered ${relyingParty.clientId} (${relyingParty.profile}, level ${relyingParty.minimumLevel}, ${authenticationOf(relyingParty)})`);
        if (clientSecret) console.log(printSecretOnce(relyingParty.clientId, clientSecret));
        return 0;
      }
      case 'update': {
        const { relyingParty, clientSecret } = await registry.update(clientId!, input, actor);
        console.log(`updated ${relyingParty.clientId}`);
        if (clientSecret) console.log(printSecretOnce(relyingParty.clientId, clientSecret));
        return 0;
      }
      case 'list':
        console.log(listing(await registry.list()));
        return 0;
      case 'show':
        console.log(description(await registry.find(clientId!)));
        return 0;
      case 'disable':
        console.log((await registry.disable(clientId!, actor)).changed ? `disabled ${clientId}: its requests get invalid_client from now on` : `${clientId} was already disabled`);
        return 0;
      case 'enable':
        console.log((await registry.enable(clientId!, actor)).changed ? `enabled ${clientId}` : `${clientId} was already enabled`);
        return 0;
      case 'rotate-secret': {
        const clientSecret = await registry.rotateSecret(clientId!, actor);
        console.log(`rotated the secret of ${clientId}: the old one is refused from now on`);
        console.log(printSecretOnce(clientId!, clientSecret));
        return 0;
      }
      case 'set-keys': {
        const relyingParty = await registry.setKeys(clientId!, keys!, actor);
        console.log(`set the keys of ${clientId}: ${relyingParty.jwksUri ? `fetched from ${relyingParty.jwksUri}` : `${relyingParty.jwks!.keys.length} public key(s)`}`);
        return 0;
      }
    }
    return 1;
  } finally {
    if (stores.ephemeral && !['list', 'show'].includes(command)) console.error('clients: nothing was stored (STORE_BACKEND is memory).');
    await stores.close();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof RelyingPartyInputError) {
    console.error(`clients: refused, nothing was changed:\n${error.problems.map((problem) => `  - ${problem}`).join('\n')}`);
    process.exitCode = 2;
  } else {
    // ConfigError names each bad setting; a store error says which backend failed.
    console.error(`clients: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
