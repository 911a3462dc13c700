/**
 * X-Forwarded-* headers are trusted only when TRUST_PROXY says a TLS-terminating proxy sets them; otherwise
 * anyone could forge their source address into the audit log.
 */
import assert from 'node:assert/strict';

import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startAuthorization } from '../helpers/login-flow.ts';

async function auditedAddress(app: TestApp): Promise<string | undefined> {
  const agent = app.agent();
  const { interactionPath } = await startAuthorization(app, agent);
  const page = await agent.get(interactionPath);
  assert.equal(page.status, 200);
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)![1]!;
  await agent
    .post(`${interactionPath}/login`)
    .set('x-forwarded-for', '203.0.113.7')
    .type('form')
    .send({ personalId: '079195123456', password: 'wrong-password', csrf });
  const [event] = await app.dinhdanh.stores.audit.list({ type: 'login.failed', limit: 1 });
  return event?.ip;
}

describe('trust of X-Forwarded-* (TRUST_PROXY)', () => {
  it('ignores X-Forwarded-For by default', async () => {
    const app = await startTestApp();
    try {
      assert.match((await auditedAddress(app))!, /127\.0\.0\.1$/);
    } finally {
      await app.close();
    }
  });

  it('records the forwarded client address when TRUST_PROXY=true', async () => {
    const app = await startTestApp({ TRUST_PROXY: 'true' });
    try {
      assert.equal(await auditedAddress(app), '203.0.113.7');
      assert.equal(app.dinhdanh.provider.proxy, true);
    } finally {
      await app.close();
    }
  });

});
