/**
 * `acr`, `amr` and `auth_time` in the ID token of every sign-in path (authenticators issue, point 8), each
 * token's signature verified against the published JWKS. One row per path; a new sign-in method adds a row.
 * `auth_time` is the second of the step that completed the login, on the provider's clock (tests move it).
 */
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { generateSync } from 'otplib';

import { demoCitizens } from '../../src/demo/citizens.ts';
import { addPasskey, passkeySignIn, signInToAccountArea } from '../helpers/account-area.ts';
import { startTestAppOn, type TestApp } from '../helpers/app.ts';
import { latestCode, outbox } from '../helpers/enrollment-flow.ts';
import { csrfFrom, exchangeCode, followToClient, pkcePair, startAuthorization, submitLogin, type Agent } from '../helpers/login-flow.ts';
import { SoftwareAuthenticator } from '../helpers/software-authenticator.ts';

const AN = demoCitizens[0]!; // level-2 account with an authenticator app
const BINH = demoCitizens[1]!; // level-1 account
const LEVEL_1 = 'urn:dinhdanh:loa:1';
const LEVEL_2 = 'urn:dinhdanh:loa:2';

describe('acr, amr and auth_time in the ID token of every sign-in path', function () {
  let app: TestApp;
  let now = Date.now();
  const deviceBound = new SoftwareAuthenticator();
  const synced = new SoftwareAuthenticator({ backupEligible: true });
  const nextAppCode = () => {
    now += 31_000; // one code per 30-second step
    return generateSync({ secret: AN.totpSecret!, epoch: Math.floor(now / 1000) });
  };

  before(async function () {
    app = await startTestAppOn('memory', this, {}, { clock: () => now });
    const agent = app.agent();
    await signInToAccountArea(app, agent, AN, nextAppCode);
    await addPasskey(app, agent, deviceBound, 'Phone');
    await addPasskey(app, agent, synced, 'Synced');
  });
  after(async () => app?.close());

  /** The verified ID token the portal receives after `location` (consent given where asked). */
  async function idToken(agent: Agent, location: string, verifier: string): Promise<JWTPayload> {
    const callback = await followToClient(app, agent, location);
    const token = await exchangeCode(app, agent, callback.searchParams.get('code')!, verifier);
    assert.equal(token.status, 200, token.text);
    const { payload } = await jwtVerify(token.body.id_token, createRemoteJWKSet(new URL(`${app.issuer}/jwks`)), { issuer: app.issuer, audience: 'demo-portal' });
    return payload;
  }

  /** Each path ends with the redirect that finishes the login; `at` is the clock when that step ran. */
  type Finished = { agent: Agent; location: string; verifier: string; at: number };

  async function password(citizen: (typeof demoCitizens)[number], extra: Record<string, string> = {}, agent = app.agent()): Promise<Finished> {
    const { interactionPath, pkce } = await startAuthorization(app, agent, { extra });
    now += 1000;
    const login = await submitLogin(agent, interactionPath, citizen.record.personalId, citizen.password);
    assert.equal(login.status, 303, login.text);
    return { agent, location: login.headers.location!, verifier: pkce.verifier, at: now };
  }

  async function passwordThenCode(channel: 'sms' | 'totp'): Promise<Finished> {
    const agent = app.agent();
    const { interactionPath, pkce } = await startAuthorization(app, agent, { extra: { acr_values: LEVEL_2 } });
    const sentBefore = outbox(app).messages(AN.phoneNumber).length;
    let page = await submitLogin(agent, interactionPath, AN.record.personalId, AN.password);
    if (channel === 'sms') page = await agent.post(`${interactionPath}/second-factor/sms`).type('form').send({ csrf: csrfFrom(page.text) });
    const code = channel === 'sms' ? await latestCode(app, AN.phoneNumber, sentBefore) : nextAppCode();
    const verified = await agent.post(`${interactionPath}/second-factor`).type('form').send({ code, csrf: csrfFrom(page.text) });
    assert.equal(verified.status, 303, verified.text);
    return { agent, location: verified.headers.location!, verifier: pkce.verifier, at: now };
  }

  async function passkey(authenticator: SoftwareAuthenticator): Promise<Finished> {
    const agent = app.agent();
    now += 1000;
    const signIn = await passkeySignIn(app, agent, authenticator, { acr_values: LEVEL_2 });
    assert.equal(signIn.result.status, 303, signIn.result.text);
    return { agent, location: signIn.result.headers.location!, verifier: signIn.pkce.verifier, at: now };
  }

  async function passwordThenPasskey(): Promise<Finished> {
    const agent = app.agent();
    const { interactionPath, pkce } = await startAuthorization(app, agent, { extra: { acr_values: LEVEL_2 } });
    const page = await submitLogin(agent, interactionPath, AN.record.personalId, AN.password);
    const csrf = csrfFrom(page.text);
    const options = await agent.post(`${interactionPath}/passkey/options`).type('form').send({ csrf });
    now += 1000;
    const response = await deviceBound.authenticate(options.body, app.issuer);
    const result = await agent.post(`${interactionPath}/passkey`).type('form').send({ csrf, response: JSON.stringify(response) });
    assert.equal(result.status, 303, result.text);
    return { agent, location: result.headers.location!, verifier: pkce.verifier, at: now };
  }

  /** Signed in at level 1 with a password, later asked for level 2: only the second factor is asked. */
  async function stepUp(): Promise<Finished> {
    const first = await password(AN);
    await idToken(first.agent, first.location, first.verifier);
    now += 5 * 60_000;
    const { interactionPath, pkce } = await startAuthorization(app, first.agent, { extra: { acr_values: LEVEL_2 } });
    const page = await first.agent.get(interactionPath);
    assert.doesNotMatch(page.text, /name="password"/, 'no password again');
    const verified = await first.agent.post(`${interactionPath}/second-factor`).type('form').send({ code: nextAppCode(), csrf: csrfFrom(page.text) });
    assert.equal(verified.status, 303, verified.text);
    return { agent: first.agent, location: verified.headers.location!, verifier: pkce.verifier, at: now };
  }

  const paths: [string, () => Promise<Finished>, string, string[]][] = [
    ['password, level-1 account', () => password(BINH), LEVEL_1, ['pwd']],
    ['password, level-2 account, level 1 asked', () => password(AN), LEVEL_1, ['pwd']],
    ['password + SMS code', () => passwordThenCode('sms'), LEVEL_2, ['pwd', 'sms', 'mfa']],
    ['password + authenticator-app code', () => passwordThenCode('totp'), LEVEL_2, ['pwd', 'otp', 'mfa']],
    ['passkey bound to one device', () => passkey(deviceBound), LEVEL_2, ['hwk', 'user', 'mfa']],
    ['synced passkey', () => passkey(synced), LEVEL_2, ['swk', 'user', 'mfa']],
    ['password + passkey', passwordThenPasskey, LEVEL_2, ['pwd', 'hwk', 'user', 'mfa']],
    ['step-up of a password session with an app code', stepUp, LEVEL_2, ['pwd', 'otp', 'mfa']],
  ];

  for (const [name, signIn, acr, amr] of paths) {
    it(`${name}: acr ${acr.slice(-1)}, amr ${amr.join(' ')}`, async () => {
      const finished = await signIn();
      now += 7000; // the token is issued later than the login: auth_time must still be the login's
      const claims = await idToken(finished.agent, finished.location, finished.verifier);
      assert.equal(claims.acr, acr);
      assert.deepEqual(claims.amr, amr);
      assert.equal(claims.auth_time, Math.floor(finished.at / 1000));
    });
  }

  it('keeps auth_time across single sign-on, and renews it with prompt=login and an exceeded max_age', async () => {
    const first = await password(BINH);
    const original = (await idToken(first.agent, first.location, first.verifier)).auth_time;

    now += 120_000;
    const pkce = pkcePair();
    const sso = await first.agent.get('/auth').query({ ...authorizationQuery(), code_challenge: pkce.challenge });
    assert.ok(sso.headers.location!.startsWith(app.dinhdanh.demo!.portal.redirectUri), 'single sign-on: no login page');
    assert.equal((await idToken(first.agent, sso.headers.location!, pkce.verifier)).auth_time, original, 'single sign-on keeps auth_time');

    const again = await password(BINH, { prompt: 'login' }, first.agent);
    assert.equal((await idToken(again.agent, again.location, again.verifier)).auth_time, Math.floor(again.at / 1000));
    assert.notEqual(Math.floor(again.at / 1000), original);

    now += 120_000;
    const aged = await password(BINH, { max_age: '60' }, first.agent);
    assert.equal((await idToken(aged.agent, aged.location, aged.verifier)).auth_time, Math.floor(aged.at / 1000));
  });

  function authorizationQuery() {
    return {
      client_id: 'demo-portal',
      redirect_uri: app.dinhdanh.demo!.portal.redirectUri,
      response_type: 'code',
      scope: 'openid profile',
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
    };
  }
});
