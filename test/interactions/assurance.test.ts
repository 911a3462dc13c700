/**
 * Relying parties get the level they ask for, or a clear refusal (authenticators issue, points 2–3): every way
 * of asking for level 2 (acr_values, an essential acr claim, the client's registered minimum) leads a
 * level-2 account through a second factor and a level-1 account to the "unmet" page and the error
 * `unmet_authentication_requirements` — never to a token claiming a level the session does not have.
 */
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { generateSync } from 'otplib';

import { demoCitizens } from '../../src/demo/citizens.ts';
import type { RelyingParty } from '../../src/relying-parties/relying-party.ts';
import { startTestAppOn, type TestApp } from '../helpers/app.ts';
import { latestCode, outbox } from '../helpers/enrollment-flow.ts';
import { basicAuth, csrfFrom, exchangeCode, followToClient, startAuthorization, submitLogin, type Agent } from '../helpers/login-flow.ts';

const AN = demoCitizens[0]!; // level-2 account
const BINH = demoCitizens[1]!; // level-1 account
const LEVEL_1 = 'urn:dinhdanh:loa:1';
const LEVEL_2 = 'urn:dinhdanh:loa:2';
const essentialLevel2 = JSON.stringify({ id_token: { acr: { essential: true, value: LEVEL_2 } } });

describe('assurance levels: relying parties get what they ask for, or a clear refusal', function () {
  let app: TestApp;
  let now = Date.now();
  const levelTwoClient = { clientId: 'demo-level-2-service', secret: 'level-2-service-secret-0123456789abcdef' };

  before(async function () {
    app = await startTestAppOn('memory', this, {}, { clock: () => now });
    const portal = (await app.dinhdanh.stores.relyingParties.findByClientId('demo-portal'))!;
    const service: RelyingParty = { ...portal, clientId: levelTwoClient.clientId, clientSecret: levelTwoClient.secret, minimumLevel: 2, name: { vi: 'Dịch vụ mức 2', en: 'Level-2 service' } };
    await app.dinhdanh.stores.relyingParties.create(service);
  });
  after(async () => app?.close());

  const ways: [string, Record<string, string>, string?][] = [
    ['acr_values', { acr_values: LEVEL_2 }],
    ['an essential acr claim', { claims: essentialLevel2 }],
    ['acr_values listing only level 2 among unknown values', { acr_values: `urn:example:unknown ${LEVEL_2}` }],
    ["the client's registered minimum, asking nothing", {}, 'demo-level-2-service'],
  ];

  /** The code An's authenticator app shows at the test clock's time. */
  const appCode = () => generateSync({ secret: AN.totpSecret!, epoch: Math.floor(now / 1000) });

  /**
   * Password, then the second-factor page: An has an authenticator app, so that page comes first; with
   * `channel: 'sms'` the citizen then asks for an SMS code instead. Returns the page shown.
   */
  async function passwordThenSecondFactorPage(agent: Agent, extra: Record<string, string>, clientId?: string, channel: 'sms' | 'totp' = 'sms') {
    const { interactionPath, pkce, nonce } = await startAuthorization(app, agent, { extra, clientId });
    const sentBefore = outbox(app).messages(AN.phoneNumber).length;
    let page = await submitLogin(agent, interactionPath, AN.record.personalId, AN.password);
    assert.equal(page.status, 200, page.text);
    assert.match(page.text, /action="\/interaction\/[\w-]+\/second-factor\/sms"/, 'the app first, SMS on request');
    if (channel === 'sms') page = await agent.post(`${interactionPath}/second-factor/sms`).type('form').send({ csrf: csrfFrom(page.text) });
    return { page, interactionPath, pkce, nonce, sentBefore };
  }

  async function submitSecondFactor(agent: Agent, interactionPath: string, code: string, pageText: string) {
    return agent.post(`${interactionPath}/second-factor`).type('form').send({ code, csrf: csrfFrom(pageText) });
  }

  async function tokenFor(agent: Agent, code: string, verifier: string, clientId?: string) {
    if (!clientId) return exchangeCode(app, agent, code, verifier);
    return agent
      .post('/token')
      .set('authorization', basicAuth(clientId, levelTwoClient.secret))
      .type('form')
      .send({ grant_type: 'authorization_code', code, redirect_uri: app.dinhdanh.demo!.portal.redirectUri, code_verifier: verifier });
  }

  for (const [way, extra, clientId] of ways) {
    it(`steps a level-2 account up with an SMS code when level 2 is asked by ${way}: acr level 2, amr pwd+sms+mfa`, async () => {
      const agent = app.agent();
      const { page, interactionPath, pkce, sentBefore } = await passwordThenSecondFactorPage(agent, extra, clientId);
      assert.equal(page.status, 200, 'the second-factor page, not a redirect');
      assert.match(page.text, /action="\/interaction\/[\w-]+\/second-factor"/);
      assert.match(page.text, /\+84•••••0001/);
      const code = await latestCode(app, AN.phoneNumber, sentBefore);
      const verified = await submitSecondFactor(agent, interactionPath, code, page.text);
      assert.equal(verified.status, 303, verified.text);
      const callback = await followToClient(app, agent, verified.headers.location!);
      const token = await tokenFor(agent, callback.searchParams.get('code')!, pkce.verifier, clientId);
      assert.equal(token.status, 200, token.text);
      const idToken = decodeJwt(token.body.id_token);
      assert.equal(idToken.acr, LEVEL_2);
      assert.deepEqual(idToken.amr, ['pwd', 'sms', 'mfa']);
      assert.equal(typeof idToken.auth_time, 'number');
    });

    it(`refuses a level-1 account asked for level 2 by ${way}: translated page, then unmet_authentication_requirements`, async () => {
      const agent = app.agent();
      const { interactionPath } = await startAuthorization(app, agent, { extra: { ...extra, ui_locales: 'en' }, clientId });
      const page = await submitLogin(agent, interactionPath, BINH.record.personalId, BINH.password);
      assert.equal(page.status, 403);
      assert.match(page.text, /needs a level-2 e-identity account/);
      assert.match(page.text, /chip-based citizen ID card/);
      const back = await agent.post(`${interactionPath}/unmet`).type('form').send({ csrf: csrfFrom(page.text) });
      assert.equal(back.status, 303);
      const callback = await followToClient(app, agent, back.headers.location!);
      assert.equal(callback.searchParams.get('error'), 'unmet_authentication_requirements');
      assert.equal(callback.searchParams.get('code'), null, 'no code, so no token at level 1');
      const account = await app.dinhdanh.stores.accounts.findByPersonalId(BINH.record.personalId);
      assert.equal((await app.dinhdanh.stores.audit.list({ accountId: account!.id, type: 'login.level_unmet' })).length > 0, true);
    });
  }

  it('asks a signed-in level-1 session only for the second factor when a later request needs level 2', async () => {
    const agent = app.agent();
    // A level-1 session: password only, nothing asked.
    const first = await startAuthorization(app, agent);
    const login = await submitLogin(agent, first.interactionPath, AN.record.personalId, AN.password);
    const firstCallback = await followToClient(app, agent, login.headers.location!);
    const firstToken = await exchangeCode(app, agent, firstCallback.searchParams.get('code')!, first.pkce.verifier);
    assert.equal(decodeJwt(firstToken.body.id_token).acr, LEVEL_1);

    // The same browser, a request for level 2: the interaction shows the code page directly.
    const second = await startAuthorization(app, agent, { extra: { acr_values: LEVEL_2 } });
    const page = await agent.get(second.interactionPath);
    assert.equal(page.status, 200);
    assert.match(page.text, /second-factor/);
    assert.doesNotMatch(page.text, /name="password"/, 'not the password again');
    now += 30_000;
    const verified = await submitSecondFactor(agent, second.interactionPath, appCode(), page.text);
    const callback = await followToClient(app, agent, verified.headers.location!);
    const token = await exchangeCode(app, agent, callback.searchParams.get('code')!, second.pkce.verifier);
    assert.equal(decodeJwt(token.body.id_token).acr, LEVEL_2);

    // A level-2 session serves a request for level 1 without asking anything ("at least").
    const direct = await agent.get('/auth').query({
      client_id: 'demo-portal',
      redirect_uri: app.dinhdanh.demo!.portal.redirectUri,
      response_type: 'code',
      scope: 'openid profile',
      code_challenge: first.pkce.challenge,
      code_challenge_method: 'S256',
      acr_values: LEVEL_1,
    });
    assert.equal(direct.status, 303);
    assert.ok(direct.headers.location!.startsWith(app.dinhdanh.demo!.portal.redirectUri), 'straight back to the client, no page');
    assert.ok(new URL(direct.headers.location!).searchParams.get('code'));
  });

  it('signs in with the authenticator app (TOTP): amr pwd+otp+mfa, and refuses the same code twice (RFC 6238 §5.2)', async () => {
    now += 30_000;
    const code = appCode();
    const agent = app.agent();
    const { page, interactionPath, pkce } = await passwordThenSecondFactorPage(agent, { acr_values: LEVEL_2 }, undefined, 'totp');
    assert.match(page.text, /Enter the 6-digit code shown in your authenticator app|ứng dụng xác thực/);
    const wrong = await submitSecondFactor(agent, interactionPath, code === '000000' ? '111111' : '000000', page.text);
    assert.equal(wrong.status, 400);
    const verified = await submitSecondFactor(agent, interactionPath, code, page.text);
    assert.equal(verified.status, 303, verified.text);
    const callback = await followToClient(app, agent, verified.headers.location!);
    const idToken = decodeJwt((await exchangeCode(app, agent, callback.searchParams.get('code')!, pkce.verifier)).body.id_token);
    assert.equal(idToken.acr, LEVEL_2);
    assert.deepEqual(idToken.amr, ['pwd', 'otp', 'mfa']);

    // The same code again (seen over a shoulder, replayed by a proxy): refused, even within its 30 s.
    const other = app.agent();
    const replay = await passwordThenSecondFactorPage(other, { acr_values: LEVEL_2 }, undefined, 'totp');
    const refused = await submitSecondFactor(other, replay.interactionPath, code, replay.page.text);
    assert.equal(refused.status, 400);
    assert.match(refused.text, /was just used|vừa được dùng/);
    now += 30_000;
    assert.equal((await submitSecondFactor(other, replay.interactionPath, appCode(), replay.page.text)).status, 303, 'the next code works');
  });

  it('counts wrong second-factor codes: five and the login starts over', async () => {
    const agent = app.agent();
    const { page, interactionPath, sentBefore } = await passwordThenSecondFactorPage(agent, { acr_values: LEVEL_2 });
    const code = await latestCode(app, AN.phoneNumber, sentBefore);
    const wrongCode = code === '111111' ? '222222' : '111111';
    let last;
    for (let attempt = 1; attempt <= 5; attempt += 1) last = await submitSecondFactor(agent, interactionPath, wrongCode, page.text);
    assert.equal(last!.status, 400);
    assert.match(last!.text, /too many wrong attempts|quá nhiều lần/);
    const late = await submitSecondFactor(agent, interactionPath, code, page.text);
    assert.equal(late.status, 400, 'the right code no longer helps');
  });

  it('refuses a second-factor post without its CSRF token', async () => {
    const agent = app.agent();
    const { interactionPath } = await passwordThenSecondFactorPage(agent, { acr_values: LEVEL_2 });
    const response = await agent.post(`${interactionPath}/second-factor`).type('form').send({ code: '123456' });
    assert.equal(response.status, 403);
  });
  // Last: it moves the clock 12 h ahead (and back), which would confuse TOTP steps of later tests.
  it('asks for everything again when a level-2 session is older than LEVEL_2_MAX_AGE_SECONDS (12 h), but still serves level 1', async () => {
    const agent = app.agent();
    const { page, interactionPath, pkce, sentBefore } = await passwordThenSecondFactorPage(agent, { acr_values: LEVEL_2 });
    const verified = await submitSecondFactor(agent, interactionPath, await latestCode(app, AN.phoneNumber, sentBefore), page.text);
    const callback = await followToClient(app, agent, verified.headers.location!);
    assert.equal(decodeJwt((await exchangeCode(app, agent, callback.searchParams.get('code')!, pkce.verifier)).body.id_token).acr, LEVEL_2);

    now += 12 * 3600_000 + 60_000;
    try {
      const later = await startAuthorization(app, agent, { extra: { acr_values: LEVEL_2 } });
      const login = await agent.get(later.interactionPath);
      assert.match(login.text, /name="password"/, 'the password first, then the second factor');
      const levelOne = await agent.get('/auth').query({
        client_id: 'demo-portal',
        redirect_uri: app.dinhdanh.demo!.portal.redirectUri,
        response_type: 'code',
        scope: 'openid profile',
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
      });
      assert.ok(levelOne.headers.location!.startsWith(app.dinhdanh.demo!.portal.redirectUri), 'level 1 is still served by the session');
    } finally {
      now = Date.now();
    }
  });
});
