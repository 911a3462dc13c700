import assert from 'node:assert/strict';

import { startTestApp, type TestApp } from '../helpers/app.ts';
import { csrfFrom, startAuthorization, submitLogin } from '../helpers/login-flow.ts';

const CITIZEN = { personalId: '079195123456', password: 'demo-binh-2026' };
const UNKNOWN_PERSONAL_ID = '001099999999';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The page without the parts that legitimately differ per request (tokens, ids, the typed number). */
function normalised(html: string): string {
  return html
    .replace(/\/interaction\/[\w-]+/g, '/interaction/UID')
    .replace(/name="csrf" value="[^"]+"/g, 'name="csrf" value="TOKEN"')
    .replace(/value="\d{12}"/g, 'value="ID"');
}

describe('the login page', () => {
  let app: TestApp;
  // Moved past any throttling delay where a test fails on purpose many times (test/interactions/lockout.test.ts).
  let now = Date.now();
  before(async () => {
    app = await startTestApp({}, { clock: () => now });
  });
  after(() => app.close());

  it('is in Vietnamese by default, with a labelled, mobile-friendly form and no inline script', async () => {
    const agent = app.agent();
    const { interactionPath } = await startAuthorization(app, agent);
    const page = await agent.get(interactionPath);
    assert.equal(page.status, 200);
    assert.match(page.text, /<html lang="vi">/);
    assert.match(page.text, /<label for="personalId">Số định danh cá nhân<\/label>/);
    assert.match(page.text, /<label for="password">Mật khẩu<\/label>/);
    assert.match(page.text, /inputmode="numeric"/);
    assert.match(page.text, /name="viewport" content="width=device-width, initial-scale=1"/);
    assert.match(page.text, /Cổng dịch vụ công \(mẫu\)/, 'names the relying party');
    // Scripts only from our origin's files (passkey sign-in); none inline, which the CSP would block anyway.
    assert.doesNotMatch(page.text, /<script(?![^>]*\bsrc="\/static\/)[^>]*>/);
    assert.match(page.text, /<script type="module" src="\/static\/passkey.js"><\/script>/);
    assert.equal(page.headers['cache-control'], 'no-store');
  });

  it('switches to English with ?lang=en and remembers the choice', async () => {
    const agent = app.agent();
    const { interactionPath } = await startAuthorization(app, agent);
    const english = await agent.get(`${interactionPath}?lang=en`);
    assert.match(english.text, /<html lang="en">/);
    assert.match(english.text, /Personal identification number/);
    const switchLink = /class="language-switch" href="([^"]+)"/.exec(english.text)![1]!;
    assert.equal(switchLink, `${interactionPath}?lang=vi`, 'offers the way back to Vietnamese');
    const again = await agent.get(interactionPath);
    assert.match(again.text, /<html lang="en">/);
  });

  it("follows the relying party's ui_locales when the citizen has not chosen", async () => {
    const agent = app.agent();
    const { interactionPath } = await startAuthorization(app, agent, { extra: { ui_locales: 'en-GB vi' } });
    assert.match((await agent.get(interactionPath)).text, /<html lang="en">/);
  });

  it('sends the security headers: CSP without inline script, no framing, no sniffing', async () => {
    const agent = app.agent();
    const { interactionPath } = await startAuthorization(app, agent);
    const page = await agent.get(interactionPath);
    const csp = page.headers['content-security-policy']!;
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['strict-transport-security'], undefined, 'HSTS only in production over https');
  });

  it('gives an unknown ID number and a wrong password the same status, message and page', async () => {
    const agent = app.agent();
    const { interactionPath } = await startAuthorization(app, agent);
    const unknown = await submitLogin(agent, interactionPath, UNKNOWN_PERSONAL_ID, 'whatever-password');
    const wrong = await submitLogin(agent, interactionPath, CITIZEN.personalId, 'wrong-password');
    assert.equal(unknown.status, 401);
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /Số định danh cá nhân hoặc mật khẩu không đúng\./);
    assert.equal(normalised(unknown.text), normalised(wrong.text));
  });

  it('takes similar time for an unknown ID number and a wrong password (both verify an argon2 hash)', async () => {
    const agent = app.agent();
    const { interactionPath } = await startAuthorization(app, agent);
    const csrf = csrfFrom((await agent.get(interactionPath)).text);
    const time = async (personalId: string) => {
      now += 16 * 60_000;
      const started = process.hrtime.bigint();
      const response = await agent.post(`${interactionPath}/login`).type('form').send({ personalId, password: 'wrong-password', csrf });
      assert.equal(response.status, 401);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let round = 0; round < 9; round += 1) {
      unknown.push(await time(UNKNOWN_PERSONAL_ID));
      wrong.push(await time(CITIZEN.personalId));
    }
    now += 16 * 60_000;
    const ratio = median(unknown) / median(wrong);
    // A missing dummy verification would make the unknown case many times faster than the hash-bound one.
    assert.ok(ratio > 0.5 && ratio < 2, `median unknown ${median(unknown).toFixed(1)} ms vs wrong ${median(wrong).toFixed(1)} ms`);
    // After the throttling delay the citizen signs in, which ends the run of failures for the next tests.
    const { interactionPath: next } = await startAuthorization(app, agent);
    assert.equal((await submitLogin(agent, next, CITIZEN.personalId, CITIZEN.password)).status, 303);
  });

  it('records failed and successful sign-ins in the audit log without the password', async () => {
    const agent = app.agent();
    const { interactionPath } = await startAuthorization(app, agent);
    await submitLogin(agent, interactionPath, CITIZEN.personalId, 'wrong-password');
    const success = await submitLogin(agent, interactionPath, CITIZEN.personalId, CITIZEN.password);
    assert.equal(success.status, 303);
    const account = await app.dinhdanh.stores.accounts.findByPersonalId(CITIZEN.personalId);
    const events = await app.dinhdanh.stores.audit.list({ accountId: account!.id, limit: 2 });
    assert.deepEqual(events.map((event) => event.type), ['login.succeeded', 'login.failed']);
    assert.equal(events[0]!.clientId, 'demo-portal');
    assert.ok(!JSON.stringify(events).includes(CITIZEN.password));
    assert.ok(!JSON.stringify(events).includes('wrong-password'));
  });

  it('explains a malformed ID number next to the field, keeps what was typed, and signs nobody in', async () => {
    const agent = app.agent();
    const { interactionPath } = await startAuthorization(app, agent);
    for (const personalId of ['12345', '07919512345a', '0791951234567']) {
      const response = await submitLogin(agent, interactionPath, personalId, 'x');
      assert.equal(response.status, 400, personalId);
      assert.match(response.text, /id="personalId-error">Số định danh cá nhân gồm đúng 12 chữ số\./);
      assert.match(response.text, /aria-describedby="personalId-hint personalId-error"/);
      assert.match(response.text, /aria-invalid="true"/);
    }
    const empty = await submitLogin(agent, interactionPath, CITIZEN.personalId, '');
    assert.equal(empty.status, 400);
    assert.match(empty.text, /id="password-error">Vui lòng nhập mật khẩu\./);
    assert.match(empty.text, new RegExp(`value="${CITIZEN.personalId}"`));
  });

  it('refuses a post without the CSRF token, or with another interaction\'s token, with a translated 403', async () => {
    const agent = app.agent();
    const first = await startAuthorization(app, agent);
    const second = await startAuthorization(app, agent);
    const otherToken = csrfFrom((await agent.get(second.interactionPath)).text);
    const missing = await agent.post(`${first.interactionPath}/login`).type('form').send({ ...CITIZEN });
    const foreign = await agent.post(`${first.interactionPath}/login`).type('form').send({ ...CITIZEN, csrf: otherToken });
    for (const response of [missing, foreign]) {
      assert.equal(response.status, 403);
      assert.match(response.text, /Biểu mẫu đã hết hạn/);
    }
  });

  it('refuses repeated form fields with a translated 400 and signs nobody in', async () => {
    const agent = app.agent();
    const { interactionPath } = await startAuthorization(app, agent);
    const csrf = csrfFrom((await agent.get(interactionPath)).text);
    const response = await agent
      .post(`${interactionPath}/login`)
      .type('form')
      .send(`personalId=${CITIZEN.personalId}&personalId=001089012345&password=${CITIZEN.password}&csrf=${csrf}`);
    assert.equal(response.status, 400);
    assert.match(response.text, /Yêu cầu không hợp lệ/);
  });

  it('refuses an oversized form with a translated 413', async () => {
    const agent = app.agent();
    const { interactionPath } = await startAuthorization(app, agent);
    const csrf = csrfFrom((await agent.get(interactionPath)).text);
    const response = await agent
      .post(`${interactionPath}/login`)
      .type('form')
      .send({ personalId: CITIZEN.personalId, password: 'x'.repeat(50_000), csrf });
    assert.equal(response.status, 413);
    assert.match(response.text, /Dữ liệu gửi lên quá lớn/);
  });

  it('answers an unknown or expired interaction with a translated "start again" page', async () => {
    const response = await app.agent().get('/interaction/does-not-exist');
    assert.equal(response.status, 400);
    assert.match(response.text, /Phiên đăng nhập đã hết hạn/);
    assert.doesNotMatch(response.text, /\s+at \S+ \(/);
  });

  it('sends access_denied to the relying party when the citizen cancels', async () => {
    const agent = app.agent();
    const { interactionPath } = await startAuthorization(app, agent, { extra: { state: 'cancel-me' } });
    const csrf = csrfFrom((await agent.get(interactionPath)).text);
    const abort = await agent.post(`${interactionPath}/abort`).type('form').send({ csrf });
    assert.equal(abort.status, 303);
    const back = await agent.get(abort.headers.location!.replace(app.issuer, ''));
    const location = new URL(back.headers.location!);
    assert.equal(location.searchParams.get('error'), 'access_denied');
    assert.equal(location.searchParams.get('state'), 'cancel-me');
  });

  it('treats a suspended account like a wrong password', async () => {
    const agent = app.agent();
    const account = await app.dinhdanh.stores.accounts.findByPersonalId('048202004321');
    await app.dinhdanh.stores.accounts.update(account!.id, { status: 'suspended' });
    try {
      const { interactionPath } = await startAuthorization(app, agent);
      const response = await submitLogin(agent, interactionPath, '048202004321', 'demo-cuong-2026');
      assert.equal(response.status, 401);
      assert.match(response.text, /Số định danh cá nhân hoặc mật khẩu không đúng\./);
    } finally {
      await app.dinhdanh.stores.accounts.update(account!.id, { status: 'active' });
    }
  });
});
