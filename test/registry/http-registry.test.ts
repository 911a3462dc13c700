/**
 * The registry over HTTP: DinhDanh's client against the real simulator service on an ephemeral port (caller
 * authentication, match, claims, status), and against small misbehaving servers (timeouts, 5xx, bad
 * answers) for retries, the circuit breaker and metrics. Also `npm run registry` as its own process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { pino } from 'pino';
import { Registry } from 'prom-client';

import { demoCitizens } from '../../src/demo/citizens.ts';
import { loadCallerKey } from '../../src/registry/caller-key.ts';
import { createClientAssertionSigner } from '../../src/registry/client-assertion.ts';
import { HttpPopulationRegistry, type HttpRegistryOptions } from '../../src/registry/http-registry.ts';
import { RegistryUnavailableError } from '../../src/registry/population-registry.ts';
import { createRegistrySimulatorApp } from '../../src/registry/simulator/server.ts';
import { createSyntheticPopulation } from '../../src/registry/simulator/population.ts';
import { eventually } from '../helpers/eventually.ts';

const logger = pino({ level: 'silent' });
const BINH = demoCitizens[1]!.record;

async function listen(handler: (request: IncomingMessage, response: ServerResponse) => void) {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function newCallerKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), alg: 'ES256' };
}

describe('population registry over HTTP', function () {
  let callerKey: JWK;
  let simulator: Awaited<ReturnType<typeof listen>>;
  const population = createSyntheticPopulation({ size: 10_000, seed: 'http-test', extraCitizens: demoCitizens.map((citizen) => citizen.record) });

  before(async () => {
    callerKey = await newCallerKey();
    // The app needs its own URL for `aud`: listen first, then hand the URL over.
    let app: ((request: IncomingMessage, response: ServerResponse) => void) | undefined;
    simulator = await listen((request, response) => app!(request, response));
    app = (await createRegistrySimulatorApp({ population, trustedCallers: { dinhdanh: callerKey }, baseUrl: simulator.url, logger })).callback();
  });
  after(async () => simulator?.close());

  const client = (options: Partial<HttpRegistryOptions> = {}) =>
    new HttpPopulationRegistry({ baseUrl: simulator.url, callerId: 'dinhdanh', callerKey, timeoutMs: 1000, retries: 2, logger, initialBackoffMs: 5, ...options });

  describe('against the simulator service', () => {
    it('matches names after NFC, case and space folding, with diacritics significant, and never says which field differs', async () => {
      const registry = client();
      assert.equal(await registry.match({ personalId: BINH.personalId, fullName: 'Trần Thị Bình', birthDate: BINH.birthDate }), true);
      assert.equal(await registry.match({ personalId: BINH.personalId, fullName: '  trần   THỊ bình '.normalize('NFD'), birthDate: BINH.birthDate }), true);
      assert.equal(await registry.match({ personalId: BINH.personalId, fullName: 'Tran Thi Binh', birthDate: BINH.birthDate }), false);
      assert.equal(await registry.match({ personalId: BINH.personalId, fullName: 'Trần Thị Bình', birthDate: '1995-11-03' }), false);
      assert.equal(await registry.match({ personalId: '079195999999', fullName: 'Trần Thị Bình', birthDate: BINH.birthDate }), false);
    });

    it('returns a synthetic citizen’s record and status exactly as the population holds them, and undefined for unknown numbers', async () => {
      const registry = client();
      const someone = population.at(1234);
      assert.deepEqual(await registry.findCitizen(someone.personalId), someone);
      assert.deepEqual(await registry.status(someone.personalId), { lifeStatus: someone.lifeStatus, cardStatus: someone.card.status });
      assert.equal(await registry.findCitizen('079195999999'), undefined);
      assert.equal(await registry.status('079195999999'), undefined);
      assert.equal(await registry.findCitizen('not-a-number'), undefined);
    });

    it('refuses callers without a valid, fresh, single-use assertion for this registry (401 invalid_client)', async () => {
      const sign = await createClientAssertionSigner(callerKey, 'dinhdanh', simulator.url);
      const call = (authorization?: string) =>
        fetch(`${simulator.url}/v1/citizens/${BINH.personalId}/status`, { headers: authorization ? { authorization } : {} });
      const good = await sign();
      assert.equal((await call(`Bearer ${good}`)).status, 200);
      const replayed = await call(`Bearer ${good}`);
      assert.equal(replayed.status, 401, 'a replayed jti');
      assert.equal((await replayed.json()).error, 'invalid_client');
      assert.match(replayed.headers.get('www-authenticate')!, /invalid_client/);
      assert.equal((await call()).status, 401, 'no assertion');
      const stranger = await createClientAssertionSigner(await newCallerKey(), 'dinhdanh', simulator.url);
      assert.equal((await call(`Bearer ${await stranger()}`)).status, 401, 'signed by another key');
      const unknown = await createClientAssertionSigner(callerKey, 'someone-else', simulator.url);
      assert.equal((await call(`Bearer ${await unknown()}`)).status, 401, 'an unknown caller');
      const elsewhere = await createClientAssertionSigner(callerKey, 'dinhdanh', 'https://registry.example');
      assert.equal((await call(`Bearer ${await elsewhere()}`)).status, 401, 'signed for another registry');
      const key = await import('jose').then(({ importJWK }) => importJWK(callerKey, 'ES256'));
      const expired = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setIssuer('dinhdanh').setSubject('dinhdanh').setAudience(simulator.url).setJti('x1').setIssuedAt(Math.floor(Date.now() / 1000) - 600).setExpirationTime(Math.floor(Date.now() / 1000) - 300).sign(key);
      assert.equal((await call(`Bearer ${expired}`)).status, 401, 'expired');
      const longLived = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setIssuer('dinhdanh').setSubject('dinhdanh').setAudience(simulator.url).setJti('x2').setIssuedAt().setExpirationTime('1d').sign(key);
      assert.equal((await call(`Bearer ${longLived}`)).status, 401, 'lives too long');
    });

    it('answers bad input with 400 invalid_request, and the client treats a refusal it caused as unavailable, not retried', async () => {
      const sign = await createClientAssertionSigner(callerKey, 'dinhdanh', simulator.url);
      const post = async (body: unknown) =>
        fetch(`${simulator.url}/v1/citizens/match`, { method: 'POST', headers: { authorization: `Bearer ${await sign()}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      for (const body of [{ personalId: '123', fullName: 'A', birthDate: '2000-01-01' }, { personalId: BINH.personalId, fullName: 'A', birthDate: '2000-02-30' }, { personalId: BINH.personalId, fullName: 'A', birthDate: '2000-01-01', extra: 1 }]) {
        const response = await post(body);
        assert.equal(response.status, 400);
        assert.equal((await response.json()).error, 'invalid_request');
      }
      await assert.rejects(client().match({ personalId: BINH.personalId, fullName: 'x'.repeat(300), birthDate: BINH.birthDate }), RegistryUnavailableError);
    });
  });

  describe('faults', () => {
    it('gives up on a registry that does not answer within the timeout (each attempt bounded)', async () => {
      const hanging = await listen(() => undefined);
      try {
        const started = Date.now();
        await assert.rejects(client({ baseUrl: hanging.url, timeoutMs: 200, retries: 1 }).status(BINH.personalId), RegistryUnavailableError);
        assert.ok(Date.now() - started < 2000, `bounded: ${Date.now() - started} ms`);
      } finally {
        await hanging.close();
      }
    });

    it('retries 503 with backoff and succeeds, and does not retry a 400', async () => {
      let calls = 0;
      const flaky = await listen((_request, response) => {
        calls += 1;
        if (calls <= 2) return response.writeHead(503).end();
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ lifeStatus: 'alive', cardStatus: 'valid' }));
      });
      const metrics = new Registry();
      try {
        assert.deepEqual(await client({ baseUrl: flaky.url, retries: 2, metrics }).status(BINH.personalId), { lifeStatus: 'alive', cardStatus: 'valid' });
        assert.equal(calls, 3);
        const text = await metrics.metrics();
        assert.match(text, /dinhdanh_registry_retries_total 2/);
        assert.match(text, /dinhdanh_registry_request_duration_seconds_count\{operation="status",outcome="ok"\} 1/);
      } finally {
        await flaky.close();
      }
      let refusals = 0;
      const refusing = await listen((_request, response) => {
        refusals += 1;
        response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_request"}');
      });
      try {
        await assert.rejects(client({ baseUrl: refusing.url, retries: 3 }).status(BINH.personalId), RegistryUnavailableError);
        assert.equal(refusals, 1, 'a 400 is not retried');
      } finally {
        await refusing.close();
      }
    });

    it('opens the circuit after 5 failed calls (then fails at once without calling), and closes after a good trial call', async () => {
      let calls = 0;
      let healthy = false;
      const server = await listen((_request, response) => {
        calls += 1;
        if (!healthy) return response.writeHead(500).end();
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ lifeStatus: 'alive', cardStatus: 'valid' }));
      });
      const metrics = new Registry();
      try {
        const registry = client({ baseUrl: server.url, retries: 0, halfOpenAfterMs: 300, metrics });
        for (let call = 0; call < 5; call += 1) await assert.rejects(registry.status(BINH.personalId), RegistryUnavailableError);
        assert.equal(calls, 5);
        assert.match(await metrics.metrics(), /dinhdanh_registry_circuit_open 1/);
        const started = Date.now();
        await assert.rejects(registry.status(BINH.personalId), /circuit open/);
        assert.equal(calls, 5, 'the open circuit did not call the registry');
        assert.ok(Date.now() - started < 50, 'and failed at once');

        healthy = true;
        await eventually(async () => assert.deepEqual(await registry.status(BINH.personalId), { lifeStatus: 'alive', cardStatus: 'valid' }), 3000);
        assert.match(await metrics.metrics(), /dinhdanh_registry_circuit_open 0/);
        assert.match(await metrics.metrics(), /outcome="circuit_open"/);
      } finally {
        await server.close();
      }
    });

    it('treats an answer that breaks the contract as unavailable, not as data', async () => {
      const liar = await listen((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"lifeStatus":"zombie"}'));
      try {
        await assert.rejects(client({ baseUrl: liar.url }).status(BINH.personalId), /does not follow the contract/);
      } finally {
        await liar.close();
      }
    });
  });

  it('runs as its own process (npm run registry) and answers a signed request', async function () {
    this.timeout(30_000);
    const keysDir = mkdtempSync(path.join(tmpdir(), 'dinhdanh-registry-'));
    const keyFile = path.join(keysDir, 'caller.json');
    const port = await listen(() => undefined).then(async (probe) => {
      await probe.close();
      return Number(new URL(probe.url).port);
    });
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/registry/simulator/main.ts'], {
      env: { ...process.env, NODE_ENV: 'development', REGISTRY_URL: url, REGISTRY_CALLER_KEY_FILE: keyFile, REGISTRY_POPULATION_SIZE: '1000', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    try {
      await eventually(async () => assert.match(output, /Population registry SIMULATOR at/), 20_000);
      assert.match(output, /synthetic people, development only/);
      const { jwk } = await loadCallerKey(keyFile, { generateMissing: false });
      const registry = client({ baseUrl: url, callerKey: jwk });
      assert.equal(await registry.match({ personalId: BINH.personalId, fullName: 'Trần Thị Bình', birthDate: BINH.birthDate }), true);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
