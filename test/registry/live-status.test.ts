/**
 * The registry's word is live (registry issue, point 6): a death or a revoked card suspends the account at
 * the next login or release of claims (audited); identity claims come from the registry through a short
 * cache and say when the registry confirmed them. Over HTTP against the real app.
 */
import assert from 'node:assert/strict';

import { demoCitizens } from '../../src/demo/citizens.ts';
import { startTestAppOn, type TestApp } from '../helpers/app.ts';
import { ControllableRegistry, enroll, syntheticCitizen } from '../helpers/enrollment-flow.ts';
import { exchangeCode, signIn, startAuthorization, submitLogin } from '../helpers/login-flow.ts';

const personalIdNo = (serial: number) => `036197${String(serial).padStart(6, '0')}`;
const PASSWORD = 'trăng sáng trên sông Hồng';

describe('live registry status at login and at claims release', function () {
  let app: TestApp;
  let registry: ControllableRegistry;
  let now = Date.now();
  const cacheSeconds = 60;

  before(async function () {
    const citizens = Array.from({ length: 10 }, (_, serial) => syntheticCitizen({ personalId: personalIdNo(serial) }));
    registry = new ControllableRegistry([...demoCitizens.map((citizen) => citizen.record), ...citizens]);
    app = await startTestAppOn('memory', this, { REGISTRY_CLAIMS_CACHE_SECONDS: String(cacheSeconds) }, { registry, clock: () => now });
  });
  after(async () => app?.close());
  afterEach(() => {
    registry.available = true;
  });

  /** An enrolled citizen with a token carrying profile claims. */
  async function enrolledWithToken(serial: number) {
    const personalId = personalIdNo(serial);
    const fields = { personalId, fullName: 'Phạm Thị Hồng Nhung', birthDate: '1997-05-09', phoneNumber: `091${String(serial).padStart(7, '0')}` };
    assert.equal((await enroll(app, app.agent(), fields, PASSWORD)).status, 201);
    const agent = app.agent();
    const { code, pkce } = await signIn(app, agent, personalId, PASSWORD, { scope: 'openid profile address' });
    const token = await exchangeCode(app, agent, code!, pkce.verifier);
    assert.equal(token.status, 200, token.text);
    const account = (await app.dinhdanh.stores.accounts.findByPersonalId(personalId))!;
    return { personalId, account, accessToken: token.body.access_token as string, userinfo: () => agent.get('/me').set('authorization', `Bearer ${token.body.access_token}`) };
  }

  it('suspends the account of a citizen registered as deceased at the next login, audited, with the usual failure page', async () => {
    const { personalId, account } = await enrolledWithToken(1);
    registry.update(personalId, (record) => {
      record.lifeStatus = 'deceased';
    });
    const agent = app.agent();
    const { interactionPath } = await startAuthorization(app, agent);
    const response = await submitLogin(agent, interactionPath, personalId, PASSWORD);
    assert.equal(response.status, 401);

    assert.equal((await app.dinhdanh.stores.accounts.findById(account.id))!.status, 'suspended');
    const [event] = await app.dinhdanh.stores.audit.list({ accountId: account.id, type: 'account.suspended' });
    assert.deepEqual(event?.details, { reason: 'deceased', at: 'login' });
  });

  it('suspends at claims release when the card is revoked: userinfo refuses the token once the cache has expired', async () => {
    const { personalId, account, userinfo } = await enrolledWithToken(2);
    assert.equal((await userinfo()).status, 200);
    registry.update(personalId, (record) => {
      record.card.status = 'revoked';
    });
    now += (cacheSeconds + 1) * 1000;
    const refused = await userinfo();
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'invalid_token');
    assert.equal((await app.dinhdanh.stores.accounts.findById(account.id))!.status, 'suspended');
    const [event] = await app.dinhdanh.stores.audit.list({ accountId: account.id, type: 'account.suspended' });
    assert.deepEqual(event?.details, { reason: 'card_revoked', at: 'claims' });
  });

  it('reads identity claims from the registry through the configured cache, and says when the registry confirmed them', async () => {
    const { personalId, userinfo } = await enrolledWithToken(3);
    const first = await userinfo();
    assert.equal(first.body.name, 'Phạm Thị Hồng Nhung');
    assert.deepEqual(first.body.address, { formatted: 'Phường Trần Hưng Đạo, Tỉnh Nam Định', country: 'VN' });
    const confirmedAt = first.body.registry_checked_at as number;
    assert.ok(Math.abs(confirmedAt - now / 1000) <= 1);

    // A change of name in the registry (e.g. after a court decision) reaches relying parties after the cache.
    registry.update(personalId, (record) => {
      record.givenName = 'Nhàn';
    });
    const lookupsBefore = registry.calls.findCitizen;
    now += 10_000;
    const cached = await userinfo();
    assert.equal(cached.body.name, 'Phạm Thị Hồng Nhung');
    assert.equal(cached.body.registry_checked_at, confirmedAt);
    assert.equal(registry.calls.findCitizen, lookupsBefore, 'answered from the cache');

    now += cacheSeconds * 1000;
    const fresh = await userinfo();
    assert.equal(fresh.body.name, 'Phạm Thị Hồng Nhàn');
    assert.equal(fresh.body.registry_checked_at, Math.floor(now / 1000));
    assert.equal(registry.calls.findCitizen, lookupsBefore + 1);
  });

  it('releases no claims while the registry is unavailable (503), and lets a login through on the last confirmed status', async () => {
    const { personalId, userinfo } = await enrolledWithToken(4);
    registry.available = false;
    now += (cacheSeconds + 1) * 1000;
    const response = await userinfo();
    assert.equal(response.status, 503);
    assert.equal(response.body.error, 'temporarily_unavailable');

    // Login does not depend on the registry answering at that moment (the claims release does).
    const agent = app.agent();
    const { interactionPath } = await startAuthorization(app, agent);
    const login = await submitLogin(agent, interactionPath, personalId, PASSWORD);
    assert.equal(login.status, 303, login.text);
    registry.available = true;
    assert.equal((await userinfo()).status, 200);
  });
});
