/**
 * Throttling and lockout of password sign-in over HTTP (authenticators issue, point 4; NIST SP 800-63B
 * §5.2.2): progressive delays per ID number and per source address, the lock at exactly 100 consecutive
 * failures (audited), the same answers for ID numbers without an account, and unlock by password recovery.
 * The clock is injected: delays are skipped by moving it, never by sleeping.
 */
import assert from 'node:assert/strict';

import { demoCitizens } from '../../src/demo/citizens.ts';
import { startTestAppOn, type TestApp } from '../helpers/app.ts';
import { latestCode } from '../helpers/enrollment-flow.ts';
import { csrfFrom, startAuthorization } from '../helpers/login-flow.ts';

const AN = demoCitizens[0]!;
const BINH = demoCitizens[1]!;
const CUONG = demoCitizens[2]!;
const LONG_AFTER = 16 * 60_000; // beyond the longest delay

describe('password throttling and lockout', function () {
  let app: TestApp;
  let now = Date.now();
  before(async function () {
    app = await startTestAppOn('memory', this, { TRUST_PROXY: 'true' }, { clock: () => now });
  });
  after(async () => app?.close());

  /** One sign-in attempt from `ip`: authorization request, login page, form post. */
  async function attempt(personalId: string, password: string, ip: string) {
    const agent = app.agent();
    const { interactionPath } = await startAuthorization(app, agent);
    const page = await agent.get(interactionPath).set('x-forwarded-for', ip);
    return agent.post(`${interactionPath}/login?lang=en`).set('x-forwarded-for', ip).type('form').send({ personalId, password, csrf: csrfFrom(page.text) });
  }

  it('lets 5 failures pass free, then makes each attempt wait longer, even with the right password; success resets', async () => {
    for (let failure = 1; failure <= 6; failure += 1) assert.equal((await attempt(BINH.record.personalId, 'wrong password', '10.0.0.1')).status, 401);
    const throttled = await attempt(BINH.record.personalId, BINH.password, '10.0.0.1');
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers['retry-after'], '1');
    assert.match(throttled.text, /Too many failed attempts\. Please try again in 1 seconds/);

    assert.equal((await attempt(BINH.record.personalId, 'wrong password', '10.0.0.1')).status, 429, 'still waiting');
    now += 1000;
    assert.equal((await attempt(BINH.record.personalId, 'wrong password', '10.0.0.1')).status, 401);
    const longer = await attempt(BINH.record.personalId, BINH.password, '10.0.0.1');
    assert.equal(longer.headers['retry-after'], '2', 'the wait doubles');
    now += 2000;
    assert.equal((await attempt(BINH.record.personalId, BINH.password, '10.0.0.1')).status, 303, 'the right password after the wait');
    assert.equal((await attempt(BINH.record.personalId, 'wrong password', '10.0.0.1')).status, 401, 'success ended the run of failures');
    const throttledEvents = await app.dinhdanh.stores.audit.list({ type: 'login.throttled' });
    assert.ok(throttledEvents.length >= 3);
  });

  it('answers an ID number without an account exactly like a real one', async () => {
    const answers = [];
    for (const personalId of [CUONG.record.personalId, '048202999999']) {
      for (let failure = 1; failure <= 6; failure += 1) await attempt(personalId, 'wrong password', '10.0.0.2');
      const response = await attempt(personalId, 'any password', '10.0.0.2');
      answers.push([response.status, response.headers['retry-after'], /class="alert"[^>]*>([^<]+)/.exec(response.text)?.[1]]);
    }
    assert.deepEqual(answers[0], answers[1]);
    assert.equal(answers[0]![0], 429);
    now += LONG_AFTER;
  });

  it('locks the password at exactly 100 consecutive failures (audited), and password recovery unlocks it', async () => {
    const account = (await app.dinhdanh.stores.accounts.findByPersonalId(AN.record.personalId))!;
    for (let failure = 1; failure <= 99; failure += 1) {
      const response = await attempt(AN.record.personalId, 'wrong password', `10.1.${Math.floor(failure / 20)}.${failure}`);
      assert.equal(response.status, 401, `failure ${failure}`);
      now += LONG_AFTER;
    }
    assert.equal((await app.dinhdanh.stores.audit.list({ accountId: account.id, type: 'account.locked' })).length, 0, 'not locked at 99');
    assert.equal((await attempt(AN.record.personalId, 'wrong password', '10.2.0.1')).status, 401, 'the 100th failure is still an ordinary failure');
    now += LONG_AFTER;

    const locked = await attempt(AN.record.personalId, AN.password, '10.2.0.2');
    assert.equal(locked.status, 429);
    assert.equal(locked.headers['retry-after'], undefined, 'no waiting ends a lock');
    assert.match(locked.text, /Password sign-in is locked for this ID number/);
    const [lockEvent] = await app.dinhdanh.stores.audit.list({ accountId: account.id, type: 'account.locked' });
    assert.deepEqual(lockEvent?.details, { factor: 'pwd', failures: 100 });

    // Unlock: registry match + a code to the account's phone + a new password.
    const agent = app.agent();
    const form = await agent.get('/account/recover');
    await agent.post('/account/recover').type('form').send({ personalId: AN.record.personalId, fullName: 'Nguyễn Văn An', birthDate: AN.record.birthDate, csrf: csrfFrom(form.text) });
    const codePage = await agent.get('/account/recover/code');
    await agent.post('/account/recover/code').type('form').send({ code: await latestCode(app, AN.phoneNumber), csrf: csrfFrom(codePage.text) });
    const passwordPage = await agent.get('/account/recover/password');
    const changed = await agent.post('/account/recover/password').type('form').send({ password: 'sóng vỗ bờ cát trắng', passwordConfirm: 'sóng vỗ bờ cát trắng', csrf: csrfFrom(passwordPage.text) });
    assert.equal(changed.status, 200, changed.text);
    const [unlockEvent] = await app.dinhdanh.stores.audit.list({ accountId: account.id, type: 'account.unlocked' });
    assert.deepEqual(unlockEvent?.details, { factor: 'pwd', by: 'password_recovery' });
    assert.equal((await attempt(AN.record.personalId, 'sóng vỗ bờ cát trắng', '10.2.0.3')).status, 303);
  });

  it('slows down one address trying many ID numbers, without touching other addresses', async () => {
    for (let index = 0; index < 101; index += 1) {
      assert.equal((await attempt(`001089${String(500_000 + index)}`, 'wrong password', '10.9.9.9')).status, 401);
    }
    assert.equal((await attempt(BINH.record.personalId, BINH.password, '10.9.9.9')).status, 429, 'this address waits, whatever the ID');
    assert.equal((await attempt(BINH.record.personalId, BINH.password, '10.9.9.10')).status, 303, 'another address does not');
  });
});
