/**
 * `npm run bench`: the speed and memory figures we track (never asserted in tests, reported in issue notes).
 *
 *   password hashing   argon2id hash and verify at the configured production parameters
 *   logins             complete authorization-code logins over HTTP (authorize → login → consent → token)
 *   enumeration        login and enrollment answers for real vs unknown people (same timing?)
 *   registry           synthetic population of 1,000,000: generator, match lookups in-process and over HTTP
 *   protocol state     Redis store upsert / find / consume round trips (when redis-server is installed)
 *
 * Options: --logins N (default 200), --ops N (default 2000), --rounds N (enumeration, default 60).
 */
import { parseArgs } from 'node:util';

import { createPasswordHasher } from '../src/accounts/password-hasher.ts';
import { loadConfig } from '../src/config/load.ts';
import { createRedisClient } from '../src/stores/redis/client.ts';
import { RedisProtocolStateStore } from '../src/stores/redis/protocol-state.ts';
import { startTestApp } from '../test/helpers/app.ts';
import { exchangeCode, signIn } from '../test/helpers/login-flow.ts';
import { startRedis } from '../test/helpers/servers.ts';
import { benchEnumerationTiming } from './enumeration.ts';
import { benchRegistry } from './registry.ts';
import { benchAuthenticators } from './authenticators.ts';

const { values } = parseArgs({ options: { logins: { type: 'string', default: '200' }, ops: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '60' } } });
const rows: [string, string][] = [];
const report = (name: string, value: string) => {
  rows.push([name, value]);
  console.log(`${name.padEnd(52)} ${value}`);
};

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

async function timeEach(count: number, operation: (index: number) => Promise<unknown>): Promise<number[]> {
  const durations: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const started = process.hrtime.bigint();
    await operation(index);
    durations.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return durations.sort((a, b) => a - b);
}

const production = loadConfig({ environment: { NODE_ENV: 'test' } }).passwords;
console.log(`DinhDanh benchmarks on Node ${process.version}\n`);

// Password hashing at the configured (production) parameters.
{
  const hasher = createPasswordHasher(production);
  const hash = await hasher.hash('correct horse battery staple');
  const hashes = await timeEach(20, () => hasher.hash('correct horse battery staple'));
  const verifies = await timeEach(20, () => hasher.verify(hash, 'correct horse battery staple'));
  report(`argon2id hash (m=${production.memoryKiB} KiB, t=${production.passes}, p=${production.parallelism}) p50`, `${percentile(hashes, 0.5).toFixed(1)} ms`);
  report('argon2id verify p50 / p95', `${percentile(verifies, 0.5).toFixed(1)} / ${percentile(verifies, 0.95).toFixed(1)} ms`);
}

// Complete logins over HTTP on the embedded default, production hashing parameters.
{
  const logins = Number(values.logins);
  const app = await startTestApp({
    ARGON2_MEMORY_KIB: String(production.memoryKiB),
    ARGON2_PASSES: String(production.passes),
    ARGON2_PARALLELISM: String(production.parallelism),
  });
  const collect = () => (globalThis as { gc?: () => void }).gc?.();
  collect();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  const durations = await timeEach(logins, async () => {
    const agent = app.agent();
    const { code, pkce } = await signIn(app, agent, '079195123456', 'demo-binh-2026');
    const token = await exchangeCode(app, agent, code!, pkce.verifier);
    if (token.status !== 200) throw new Error(`token exchange failed: ${token.text}`);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  report(`full login (memory stores), sequential, n=${logins}`, `${(logins / seconds).toFixed(1)} logins/s`);
  report('full login latency p50 / p95 / p99', `${percentile(durations, 0.5).toFixed(1)} / ${percentile(durations, 0.95).toFixed(1)} / ${percentile(durations, 0.99).toFixed(1)} ms`);
  collect();
  const perLogin = (process.memoryUsage().heapUsed - heapBefore) / logins / 1024;
  report(`heap growth per login after GC (memory stores keep sessions)`, `${perLogin.toFixed(1)} KiB`);
  report(`RSS growth over ${logins} logins (includes argon2's 19 MiB work areas)`, `${((process.memoryUsage().rss - rssBefore) / 1024 / 1024).toFixed(1)} MiB`);
  await app.close();
}

// Answers that must not reveal whether an account exists: the same timing for every case.
await benchEnumerationTiming(report, production, Number(values.rounds));

// The population registry at 1,000,000 citizens: generator, lookups in-process and over HTTP.
await benchRegistry(report);

await benchAuthenticators(report);

// Redis protocol-state round trips.
{
  const ops = Number(values.ops);
  const skipped = { skip: () => undefined, test: { parent: { title: 'bench' } } } as unknown as Mocha.Context;
  let server;
  try {
    server = await startRedis(skipped);
  } catch (error) {
    report('redis protocol state', `skipped: ${(error as Error).message}`);
  }
  if (server?.url) {
    const client = createRedisClient({ ...loadConfig({ environment: { NODE_ENV: 'test' } }).redis, url: server.url });
    const store = new RedisProtocolStateStore(client, 'bench:');
    const payload = { accountId: 'a', clientId: 'demo-portal', grantId: 'g', scope: 'openid profile', kind: 'AccessToken', jti: 'x' };
    for (const [name, operation] of [
      ['upsert', (index: number) => store.upsert('AccessToken', `t${index}`, { ...payload, jti: `t${index}` }, 600)],
      ['find', (index: number) => store.find('AccessToken', `t${index}`)],
      ['consume', (index: number) => store.consume('AccessToken', `t${index}`)],
    ] as const) {
      const durations = await timeEach(ops, operation);
      const total = durations.reduce((sum, value) => sum + value, 0) / 1000;
      report(`redis ${name}, sequential, n=${ops}`, `${(ops / total).toFixed(0)} ops/s, p99 ${percentile(durations, 0.99).toFixed(2)} ms`);
    }
    client.disconnect();
    await server.stop();
  }
}
process.exit(0);
