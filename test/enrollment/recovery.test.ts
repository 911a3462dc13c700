/**
 * Password recovery over HTTP: identity data checked against the registry, a code to the phone number the
 * account was registered with (never to a number typed now), a new password. No enumeration.
 */
import assert from 'node:assert/strict';

import { demoCitizens } from '../../src/demo/citizens.ts';
import { backends, startTestAppOn, type TestApp } from '../helpers/app.ts';
import { ControllableRegistry, latestCode, outbox, syntheticCitizen } from '../helpers/enrollment-flow.ts';
import { csrfFrom, signIn, startAuthorization, submitLogin, type Agent } from '../helpers/login-flow.ts';

const BINH = demoCitizens[1]!;
const CUONG = demoCitizens[2]!;
const NOT_ENROLLED = syntheticCitizen({ personalId: '036197000001' });
const NEW_PASSWORD = 'gió mùa đông bắc về';

async function postRecovery(agent: Agent, fields: { personalId: string; fullName: string; birthDate: string }, query = '') {
  const page = await agent.get(`/account/recover?lang=en${query}`);
  assert.equal(page.status, 200);
  assert.doesNotMatch(page.text, /name="phoneNumber"/, 'the code goes to the account’s number, so none is asked');
  return agent.post('/account/recover').type('form').send({ ...fields, csrf: csrfFrom(page.text), return: new URLSearchParams(query).get('return') ?? '' });
}

async function postStep(agent: Agent, step: 'code' | 'password', form: Record<string, string>) {
  const page = await agent.get(`/account/recover/${step}`);
  assert.equal(page.status, 200, page.text);
  return agent.post(`/account/recover/${step}`).type('form').send({ ...form, csrf: csrfFrom(page.text) });
}

for (const backend of backends) describe(`password recovery over HTTP (${backend} stores)`, function () {
  let app: TestApp;
  before(async function () {
    const registry = new ControllableRegistry([...demoCitizens.map((citizen) => citizen.record), NOT_ENROLLED]);
    app = await startTestAppOn(backend, this, {}, { registry });
  });
  after(async () => app?.close());

  it('sends the code to the registered phone, sets the new password, and the old one stops working', async () => {
    const agent = app.agent();
    const started = await postRecovery(agent, { personalId: BINH.record.personalId, fullName: 'trần thị  bình', birthDate: BINH.record.birthDate });
    assert.equal(started.status, 303);
    assert.equal(started.headers.location, '/account/recover/code');
    const codePage = await agent.get('/account/recover/code');
    assert.match(codePage.text, /sent a 6-digit code to your registered phone number/);
    assert.doesNotMatch(codePage.text, /•••/, 'the account’s number is not shown to whoever knows the identity data');

    const code = await latestCode(app, BINH.phoneNumber);
    assert.equal((await postStep(agent, 'code', { code })).status, 303);
    const weak = await postStep(agent, 'password', { password: 'password', passwordConfirm: 'password' });
    assert.equal(weak.status, 400);
    assert.match(weak.text, /too common/);
    const done = await postStep(agent, 'password', { password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD });
    assert.equal(done.status, 200, done.text);
    assert.match(done.text, /Your password has been changed/);

    const account = await app.dinhdanh.stores.accounts.findByPersonalId(BINH.record.personalId);
    const [reset] = await app.dinhdanh.stores.audit.list({ accountId: account!.id, type: 'account.password_reset' });
    assert.ok(reset, 'audited');
    const oldLogin = app.agent();
    const { interactionPath } = await startAuthorization(app, oldLogin);
    assert.equal((await submitLogin(oldLogin, interactionPath, BINH.record.personalId, BINH.password)).status, 401);
    const { code: authorizationCode } = await signIn(app, app.agent(), BINH.record.personalId, NEW_PASSWORD);
    assert.ok(authorizationCode);
  });

  it('answers no account, data that does not match and a suspended account exactly like a real reset, and sends nothing', async () => {
    const cuong = await app.dinhdanh.stores.accounts.findByPersonalId(CUONG.record.personalId);
    await app.dinhdanh.stores.accounts.update(cuong!.id, { status: 'suspended' });
    const cases = {
      'a real reset': { personalId: BINH.record.personalId, fullName: 'Trần Thị Bình', birthDate: BINH.record.birthDate },
      'no account': { personalId: NOT_ENROLLED.personalId, fullName: 'Phạm Thị Hồng Nhung', birthDate: NOT_ENROLLED.birthDate },
      'mismatched name': { personalId: BINH.record.personalId, fullName: 'Trần Thị Bính', birthDate: BINH.record.birthDate },
      'suspended account': { personalId: CUONG.record.personalId, fullName: 'Lê Quốc Cường', birthDate: CUONG.record.birthDate },
    };
    const sentBefore = outbox(app).messages().length;
    const seen: string[] = [];
    for (const fields of Object.values(cases)) {
      const agent = app.agent();
      const started = await postRecovery(agent, fields);
      const page = await agent.get('/account/recover/code');
      const wrong = await postStep(agent, 'code', { code: '000000' });
      seen.push([started.status, started.headers.location, page.status, wrong.status, page.text, wrong.text].join('\n').replace(/value="[^"]{20,}"/g, ''));
    }
    assert.equal(new Set(seen).size, 1, 'all look the same');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const sent = outbox(app).messages().slice(0, outbox(app).messages().length - sentBefore);
    assert.deepEqual(sent.map((message) => message.to), [BINH.phoneNumber], 'one SMS: the real reset’s, to the registered number');
  });

  it('is offered on the login page and leads back to the same login', async () => {
    const agent = app.agent();
    const { interactionPath } = await startAuthorization(app, agent);
    const login = await agent.get(interactionPath);
    const link = /href="(\/account\/recover\?return=[^"]+)"/.exec(login.text);
    assert.ok(link, 'a "forgot your password" link');
    const returnPath = decodeURIComponent(link[1]!.split('return=')[1]!);
    assert.equal(returnPath, interactionPath);

    const sentBefore = outbox(app).messages(BINH.phoneNumber).length;
    const started = await postRecovery(agent, { personalId: BINH.record.personalId, fullName: 'Trần Thị Bình', birthDate: BINH.record.birthDate }, `&return=${encodeURIComponent(returnPath)}`);
    assert.equal(started.headers.location, `/account/recover/code?return=${encodeURIComponent(returnPath)}`);
    const code = await latestCode(app, BINH.phoneNumber, sentBefore);
    const codePage = await agent.get(started.headers.location!);
    const verified = await agent.post('/account/recover/code').type('form').send({ code, csrf: csrfFrom(codePage.text), return: returnPath });
    assert.equal(verified.status, 303);
    const passwordPage = await agent.get(verified.headers.location!);
    const done = await agent
      .post('/account/recover/password')
      .type('form')
      .send({ password: `${NEW_PASSWORD} 2`, passwordConfirm: `${NEW_PASSWORD} 2`, csrf: csrfFrom(passwordPage.text), return: returnPath });
    assert.equal(done.status, 200);
    assert.ok(done.text.includes(`href="${returnPath}"`), 'the done page leads back to the login in progress');
    assert.equal((await submitLogin(agent, returnPath, BINH.record.personalId, `${NEW_PASSWORD} 2`)).status, 303);
  });
});
