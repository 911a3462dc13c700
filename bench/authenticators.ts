/**
 * `npm run bench:authenticators` (also part of `npm run bench`): the server's cost of the level-2 proofs.
 *
 *   chip verification   Passive Authentication (CMS signature, chain to the CSCA, data-group hashes) + Active
 *                       Authentication + registry match, per chip reading, for ECDSA and RSA chips
 *   passkey sign-in     challenge issued, assertion verified (@simplewebauthn/server), counter updated
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';

import { answerChallenge, generateChipFixtures } from '../scripts/chip-fixtures.ts';
import type { Account } from '../src/accounts/account.ts';
import { createPasskeys } from '../src/authentication/passkeys.ts';
import { createChipVerification } from '../src/chip/chip-verification.ts';
import { loadTrustList } from '../src/chip/trust-list.ts';
import { demoCitizens } from '../src/demo/citizens.ts';
import { InMemoryPopulationRegistry } from '../src/registry/in-memory-registry.ts';
import { MemoryCredentialStore } from '../src/stores/memory/credentials.ts';
import { MemoryProtocolStateStore } from '../src/stores/memory/protocol-state.ts';
import { SoftwareAuthenticator } from '../test/helpers/software-authenticator.ts';

type Report = (name: string, value: string) => void;
const percentile = (sorted: number[], fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;

async function timed(runs: number, operation: () => Promise<void>): Promise<{ perSecond: number; p50: number; p95: number }> {
  const durations: number[] = [];
  const started = process.hrtime.bigint();
  for (let run = 0; run < runs; run += 1) {
    const at = process.hrtime.bigint();
    await operation();
    durations.push(Number(process.hrtime.bigint() - at) / 1e6);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  durations.sort((a, b) => a - b);
  return { perSecond: runs / seconds, p50: percentile(durations, 0.5), p95: percentile(durations, 0.95) };
}

const account = (personalId: string): Account => ({ id: `bench-${personalId}`, personalId, identityLevel: 1, status: 'active', phoneNumber: '+84900000000', createdAt: new Date(), updatedAt: new Date() });

export async function benchAuthenticators(report: Report, { runs = 300 } = {}): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dinhdanh-bench-chips-'));
  const fixtures = await generateChipFixtures(dir);
  const trust = await loadTrustList(path.join(dir, 'trust'));
  const verifyChip = createChipVerification({ trustList: () => trust, registry: new InMemoryPopulationRegistry(demoCitizens.map((citizen) => citizen.record)) });
  for (const name of ['valid-ecdsa', 'valid-rsa'] as const) {
    const item = fixtures.find((fixture) => fixture.name === name)!;
    const dataGroups = new Map(Object.entries(item.dataGroups).map(([key, value]) => [Number(key.slice(2)), Buffer.from(value, 'base64')]));
    const challenge = randomBytes(8);
    const reading = { sod: Buffer.from(item.sod, 'base64'), dataGroups, activeAuthenticationSignature: await answerChallenge(item, challenge) };
    const result = await timed(runs, async () => {
      const verdict = await verifyChip(account(item.personalId), reading, challenge);
      if (!verdict.ok) throw new Error(`${name}: ${verdict.reason}`);
    });
    report(`chip verification (${name.slice(6).toUpperCase()} Active Authentication), ${runs} readings`, `${result.perSecond.toFixed(0)}/s, p50 / p95 ${result.p50.toFixed(2)} / ${result.p95.toFixed(2)} ms`);
  }

  const credentials = new MemoryCredentialStore();
  const passkeys = createPasskeys({ credentials, protocolState: new MemoryProtocolStateStore(), issuer: 'https://id.example.vn', rpName: 'DinhDanh' });
  const authenticator = new SoftwareAuthenticator();
  const citizen = account(demoCitizens[0]!.record.personalId);
  await passkeys.register(citizen, await authenticator.register(await passkeys.registrationOptions(citizen), 'https://id.example.vn'), 'bench');
  let interaction = 0;
  const result = await timed(runs, async () => {
    const uid = `bench-${(interaction += 1)}`;
    const options = await passkeys.authenticationOptions(uid);
    const outcome = await passkeys.authenticate(uid, await authenticator.authenticate(options, 'https://id.example.vn'));
    if (!outcome.ok) throw new Error(outcome.reason);
  });
  report(`passkey sign-in (options + software authenticator + verify), ${runs} runs`, `${result.perSecond.toFixed(0)}/s, p50 / p95 ${result.p50.toFixed(2)} / ${result.p95.toFixed(2)} ms`);
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  console.log(`DinhDanh authenticator benchmark on Node ${process.version}\n`);
  await benchAuthenticators((name, value) => console.log(`${name.padEnd(72)} ${value}`));
}
