/**
 * The whole app with REGISTRY_MODE=http against the simulator service: a synthetic citizen enrolls and signs
 * in; when the registry goes away, enrollment shows "nothing was saved" (503) and stores nothing; the
 * registry's metrics are served at /health/metrics.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';

import { demoRegistryRecords } from '../../src/demo/citizens.ts';
import { loadCallerKey } from '../../src/registry/caller-key.ts';
import { fullName, type CitizenRecord } from '../../src/registry/population-registry.ts';
import { createRegistrySimulatorApp } from '../../src/registry/simulator/server.ts';
import { createSyntheticPopulation } from '../../src/registry/simulator/population.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { enroll, postEnrollment } from '../helpers/enrollment-flow.ts';
import { signIn } from '../helpers/login-flow.ts';

describe('the app with REGISTRY_MODE=http against the simulator service', function () {
  let app: TestApp;
  let server: Server;
  const population = createSyntheticPopulation({ size: 50_000, seed: 'app-over-http', extraCitizens: demoRegistryRecords });
  /** Living citizens with valid cards, of age: enrollable. */
  const enrollable: CitizenRecord[] = [];
  for (let index = 0; enrollable.length < 2; index += 1) {
    const citizen = population.at(index);
    if (citizen.lifeStatus === 'alive' && citizen.card.status === 'valid' && citizen.birthDate < '2008-01-01') enrollable.push(citizen);
  }

  before(async function () {
    const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'dinhdanh-caller-')), 'caller.json');
    const { jwk } = await loadCallerKey(keyFile, { generateMissing: true });
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const simulator = await createRegistrySimulatorApp({ population, trustedCallers: { dinhdanh: jwk }, baseUrl: url, logger: pino({ level: 'silent' }) });
    server.on('request', simulator.callback());
    app = await startTestApp({ REGISTRY_MODE: 'http', REGISTRY_URL: url, REGISTRY_CALLER_KEY_FILE: keyFile, REGISTRY_TIMEOUT_MS: '300', REGISTRY_RETRIES: '1' });
  });
  after(async () => {
    await app?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });

  const fieldsOf = (citizen: CitizenRecord, phoneNumber: string) => ({ personalId: citizen.personalId, fullName: fullName(citizen), birthDate: citizen.birthDate, phoneNumber });

  it('enrolls a synthetic citizen matched by the registry service, who then signs in with registry claims', async () => {
    const citizen = enrollable[0]!;
    const done = await enroll(app, app.agent(), fieldsOf(citizen, '0971000001'), 'con đò nhỏ bên bến sông');
    assert.equal(done.status, 201, done.text);
    const agent = app.agent();
    const { code } = await signIn(app, agent, citizen.personalId, 'con đò nhỏ bên bến sông');
    assert.ok(code);
    const metrics = await app.agent().get('/health/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /dinhdanh_registry_request_duration_seconds_count\{operation="match",outcome="ok"\} 1/);
    assert.match(metrics.text, /dinhdanh_registry_request_duration_seconds_count\{operation="status",outcome="ok"\}/);
  });

  it('shows "nothing was saved" when the registry service is gone, and stores nothing', async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    const citizen = enrollable[1]!;
    const response = await postEnrollment(app.agent(), fieldsOf(citizen, '0971000002'));
    assert.equal(response.status, 503);
    assert.match(response.text, /temporarily unavailable\. Nothing was saved/);
    assert.equal(await app.dinhdanh.stores.accounts.findByPersonalId(citizen.personalId), undefined);
  });
});
