/**
 * Backend faults in the middle of real logins: the citizen gets a translated "start again" page, never a
 * 500 or a half-created account; the service recovers by itself; readiness tells the orchestrator.
 */
import assert from 'node:assert/strict';

import { startTestAppOn, type BackendTestApp } from '../helpers/app.ts';
import { basicAuth, csrfFrom, exchangeCode, signIn, startAuthorization } from '../helpers/login-flow.ts';
import { eventually } from './backends.ts';

const CITIZEN = { personalId: '079195123456', password: 'demo-binh-2026' };

describe('backend faults during a login', function () {
  let app: BackendTestApp;

  before(async function () {
    app = await startTestAppOn('redis-mongo', this, { REDIS_COMMAND_TIMEOUT_MS: '500', MONGODB_TIMEOUT_MS: '1000' });
  });
  after(async () => app?.close());

  it('asks the citizen to start again when Redis restarted (and lost the login) between two steps, then recovers', async () => {
    const agent = app.agent();
    const { interactionPath } = await startAuthorization(app, agent);
    const csrf = csrfFrom((await agent.get(interactionPath)).text);
    await app.redis!.restart();

    const submit = await agent.post(`${interactionPath}/login`).type('form').send({ ...CITIZEN, csrf });
    assert.equal(submit.status, 400);
    assert.match(submit.text, /<html lang="vi">/);
    assert.match(submit.text, /Phiên đăng nhập đã hết hạn.*bắt đầu lại/s);

    // No restart of DinhDanh: the next login just works.
    const fresh = app.agent();
    const { code, pkce } = await signIn(app, fresh, CITIZEN.personalId, CITIZEN.password);
    assert.equal((await exchangeCode(app, fresh, code!, pkce.verifier)).status, 200);
  });

  it('shows a translated 503 page within the timeout while Redis is down, saves nothing, and recovers when it returns', async () => {
    const agent = app.agent();
    const { interactionPath } = await startAuthorization(app, agent);
    const csrf = csrfFrom((await agent.get(interactionPath)).text);
    const eventsBefore = (await app.dinhdanh.stores.audit.list({ limit: 1000 })).length;
    await app.redis!.stop();
    try {
      const started = Date.now();
      const submit = await agent.post(`${interactionPath}/login`).type('form').send({ ...CITIZEN, csrf });
      assert.equal(submit.status, 503);
      assert.match(submit.text, /Hệ thống tạm thời gián đoạn\. Không có gì được lưu/);
      assert.ok(Date.now() - started < 5000, `answered after ${Date.now() - started} ms`);
      assert.doesNotMatch(submit.text, /\s+at \S+ \(/);

      const ready = await agent.get('/health/ready');
      assert.equal(ready.status, 503);
      assert.equal(ready.body.checks.redis.ok, false);
      assert.equal(ready.body.checks.mongodb.ok, true);

      const { portal } = app.dinhdanh.demo!;
      const token = await agent
        .post('/token')
        .set('authorization', basicAuth(portal.clientId, portal.clientSecret))
        .type('form')
        .send({ grant_type: 'authorization_code', code: 'any', redirect_uri: portal.redirectUri, code_verifier: 'v'.repeat(43) });
      assert.equal(token.status, 503, token.text);
      assert.equal(token.body.error, 'temporarily_unavailable');
      assert.equal(token.headers['retry-after'], '5');
    } finally {
      await app.redis!.start();
    }
    const eventsAfter = (await app.dinhdanh.stores.audit.list({ limit: 1000 })).length;
    assert.ok(eventsAfter - eventsBefore <= 1, 'at most the failed attempt itself was audited, no sign-in');

    const fresh = app.agent();
    await eventually(async () => assert.equal((await fresh.get('/health/ready')).status, 200), 10_000);
    const { code, pkce } = await signIn(app, fresh, CITIZEN.personalId, CITIZEN.password);
    assert.equal((await exchangeCode(app, fresh, code!, pkce.verifier)).status, 200);
  });

  it('reports not ready while MongoDB is down and answers logins within the timeout instead of hanging', async function () {
    if (app.mongo!.external) return this.skip(); // we cannot stop a server we do not control
    const agent = app.agent();
    const { interactionPath } = await startAuthorization(app, agent);
    const csrf = csrfFrom((await agent.get(interactionPath)).text);
    await app.mongo!.stop();
    try {
      const readyStarted = Date.now();
      const ready = await agent.get('/health/ready');
      assert.equal(ready.status, 503);
      assert.equal(ready.body.checks.mongodb.ok, false);
      assert.ok(Date.now() - readyStarted < 4000, `readiness took ${Date.now() - readyStarted} ms`);

      const started = Date.now();
      const direct = await agent.post(`${interactionPath}/login`).type('form').send({ ...CITIZEN, csrf });
      assert.equal(direct.status, 503);
      assert.match(direct.text, /Không có gì được lưu/);
      assert.ok(Date.now() - started < 8000, `answered after ${Date.now() - started} ms`);
    } finally {
      await app.mongo!.start();
    }
    await eventually(async () => assert.equal((await agent.get('/health/ready')).status, 200), 15_000);
  });
});
