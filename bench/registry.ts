/**
 * `npm run bench:registry` (also part of `npm run bench`): the synthetic population at 1,000,000 citizens.
 *
 *   generator      time and heap to compute every citizen once (nothing is kept: records are recomputed)
 *   lookups        get() by number and match() in-process
 *   over HTTP      match() through HttpPopulationRegistry against the simulator service (signed assertion
 *                  per call, concurrency 16)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { exportJWK, generateKeyPair } from 'jose';
import { pino } from 'pino';

import { HttpPopulationRegistry } from '../src/registry/http-registry.ts';
import { fullName } from '../src/registry/population-registry.ts';
import { SimulatedPopulationRegistry } from '../src/registry/simulated-registry.ts';
import { createRegistrySimulatorApp } from '../src/registry/simulator/server.ts';
import { createSyntheticPopulation, maximumPopulationSize } from '../src/registry/simulator/population.ts';

type Report = (name: string, value: string) => void;
const percentile = (sorted: number[], fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
const collect = () => (globalThis as { gc?: () => void }).gc?.();

export async function benchRegistry(report: Report, { httpSeconds = 5 } = {}): Promise<void> {
  const size = maximumPopulationSize;
  collect();
  const heapBefore = process.memoryUsage().heapUsed;
  let started = process.hrtime.bigint();
  const population = createSyntheticPopulation({ size, seed: 'bench' });
  const setupMs = Number(process.hrtime.bigint() - started) / 1e6;
  const heapAfterSetup = process.memoryUsage().heapUsed;
  let peakHeap = heapAfterSetup;
  const numbers: string[] = [];
  started = process.hrtime.bigint();
  for (let index = 0; index < size; index += 1) {
    const citizen = population.at(index);
    if (index % 1000 === 0) {
      numbers.push(citizen.personalId);
      peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }
  }
  const generateMs = Number(process.hrtime.bigint() - started) / 1e6;
  report(`population of ${size.toLocaleString('en')}: set-up (serial permutation tables)`, `${setupMs.toFixed(0)} ms, heap +${((heapAfterSetup - heapBefore) / 1024).toFixed(0)} KiB`);
  report('generate every citizen once (at(i) for all i)', `${(generateMs / 1000).toFixed(1)} s, ${(size / (generateMs / 1000)).toFixed(0)} citizens/s`);
  report('heap while generating (records are not kept)', `peak +${((peakHeap - heapBefore) / 1024 / 1024).toFixed(1)} MiB`);

  const registry = new SimulatedPopulationRegistry(population);
  const queries = numbers.map((personalId) => {
    const citizen = population.get(personalId)!;
    return { personalId, fullName: fullName(citizen), birthDate: citizen.birthDate };
  });
  const lookups = 200_000;
  started = process.hrtime.bigint();
  for (let index = 0; index < lookups; index += 1) await registry.match(queries[index % queries.length]!);
  const inProcessSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  report(`match() in-process at ${size.toLocaleString('en')}, n=${lookups}`, `${(lookups / inProcessSeconds).toFixed(0)} lookups/s`);

  // Over HTTP against the simulator service.
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const callerKey = await exportJWK(privateKey);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const logger = pino({ level: 'silent' });
  server.on('request', (await createRegistrySimulatorApp({ population, trustedCallers: { bench: callerKey }, baseUrl: url, logger })).callback());
  const client = new HttpPopulationRegistry({ baseUrl: url, callerId: 'bench', callerKey, timeoutMs: 2000, retries: 0, logger });
  const durations: number[] = [];
  const deadline = Date.now() + httpSeconds * 1000;
  let next = 0;
  started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (Date.now() < deadline) {
        const query = queries[next++ % queries.length]!;
        const at = process.hrtime.bigint();
        if (!(await client.match(query))) throw new Error('a known citizen did not match');
        durations.push(Number(process.hrtime.bigint() - at) / 1e6);
      }
    }),
  );
  const httpSeconds_ = Number(process.hrtime.bigint() - started) / 1e9;
  durations.sort((a, b) => a - b);
  report(`match() over HTTP (signed, concurrency 16), ${durations.length} calls`, `${(durations.length / httpSeconds_).toFixed(0)} lookups/s`);
  report('match() over HTTP latency p50 / p95 / p99', `${percentile(durations, 0.5).toFixed(2)} / ${percentile(durations, 0.95).toFixed(2)} / ${percentile(durations, 0.99).toFixed(2)} ms`);
  server.closeAllConnections();
  server.close();
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  console.log(`DinhDanh registry benchmark on Node ${process.version}\n`);
  await benchRegistry((name, value) => console.log(`${name.padEnd(64)} ${value}`));
}
