/**
 * `npm run keys -- <command>`: the operator's side of signing-key rotation.
 *
 * Safe rotation (the provider reads the ring at start-up: restart or roll the deployment after each step):
 *   1. keys generate --type EC         create the next key (not yet published)
 *   2. keys stage <kid>                publish it in the JWKS; wait keys.publishLeadSeconds
 *   3. keys promote <kid>              make it sign; the old key stays published as "previous"
 *   4. keys retire <old kid>           after the longest token lifetime, destroy the old private key
 */
import path from 'node:path';
import { parseArgs } from 'node:util';

import { loadConfig } from '../config/load.ts';
import { KeyRing, KeyRingError, type KeyRecord } from './keyring.ts';

const usage = `usage: npm run keys -- <command>
  list                        show every key, its state and dates
  generate [--type EC|RSA]    create a key (EC = ES256, the default; RSA = RS256/PS256)
  stage <kid>                 publish a generated key in the JWKS (not signing yet)
  promote <kid> [--force]     make a staged key the signing key of its type
  retire <kid> [--force]      destroy a demoted key's private part and unpublish it
  rotate [--type EC|RSA]      generate + stage in one step (promote later)`;

const algorithmsOf = (record: Pick<KeyRecord, 'family'>) => (record.family === 'EC' ? 'ES256' : 'RS256/PS256');

function describe(record: KeyRecord): string {
  const dates = [
    `created ${record.createdAt}`,
    record.stagedAt && `staged ${record.stagedAt}`,
    record.activatedAt && `active ${record.activatedAt}`,
    record.deactivatedAt && `demoted ${record.deactivatedAt}`,
    record.retiredAt && `retired ${record.retiredAt}`,
  ].filter(Boolean);
  return `${record.kid}  ${algorithmsOf(record).padEnd(11)}  ${record.state.padEnd(9)}  ${record.origin.padEnd(11)}  ${dates.join(', ')}`;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      type: { type: 'string', default: 'EC' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const [command, kid] = positionals;
  if (values.help || !command) {
    console.log(usage);
    return command || values.help ? 0 : 1;
  }

  // The key tool serves no traffic, so production refusals about stores or SMS do not concern it.
  const config = loadConfig({ applyProductionRefusals: false });
  const ring = new KeyRing(path.resolve(config.keys.dir), {
    publishLeadSeconds: config.keys.publishLeadSeconds,
    longestSignedTokenSeconds: Math.max(config.oidc.ttl.idToken, config.oidc.ttl.accessToken),
  });
  const requireKid = (): string => {
    if (!kid) throw new KeyRingError(`"${command}" needs a key id: npm run keys -- ${command} <kid>`);
    return kid;
  };

  switch (command) {
    case 'list': {
      const records = ring.list();
      console.log(records.length ? records.map(describe).join('\n') : `no keys in ${ring.dir}`);
      return 0;
    }
    case 'generate':
    case 'rotate': {
      const family = values.type.toUpperCase();
      if (family !== 'EC' && family !== 'RSA') throw new KeyRingError(`--type must be EC or RSA, got "${values.type}"`);
      const record = await ring.generate(family);
      console.log(`generated ${record.kid} (${algorithmsOf(record)}), not yet published`);
      if (command === 'rotate') {
        ring.stage(record.kid);
        console.log(`staged ${record.kid}: promote it in ${config.keys.publishLeadSeconds} s with \`npm run keys -- promote ${record.kid}\``);
      }
      return 0;
    }
    case 'stage':
      console.log(`staged ${ring.stage(requireKid()).kid}: published in the JWKS after the next restart; promote it in ${config.keys.publishLeadSeconds} s`);
      return 0;
    case 'promote':
      console.log(`promoted ${ring.promote(requireKid(), { force: values.force }).kid}: it signs after the next restart`);
      return 0;
    case 'retire':
      console.log(`retired ${ring.retire(requireKid(), { force: values.force }).kid}: private part destroyed, no longer published`);
      return 0;
    default:
      throw new KeyRingError(`unknown command "${command}"\n${usage}`);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`keys: ${(error as Error).message}`);
  process.exitCode = 1;
}
