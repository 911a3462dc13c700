/**
 * The level-2 upgrade on the phone over HTTP (level-2 issue, point 5), on the embedded default and on Redis +
 * a MongoDB-protocol server: the phone app's access token, a fresh challenge, the chip reading (fixtures from
 * `npm run chip:fixtures`, trusted through CHIP_CSCA_DIR), the selfie, level 2. Every refusal changes nothing.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';

import { answerChallenge, generateChipFixtures, type ChipFixture } from '../../scripts/chip-fixtures.ts';
import { demoCitizens } from '../../src/demo/citizens.ts';
import { PHONE_APP_CLIENT_ID, PHONE_APP_REDIRECT_URI } from '../../src/first-party/clients.ts';
import { backends, startTestAppOn, type TestApp } from '../helpers/app.ts';
import { latestCode, outbox } from '../helpers/enrollment-flow.ts';
import { csrfFrom, exchangeCode, followToClient, signIn, startAuthorization, submitLogin, type Agent } from '../helpers/login-flow.ts';

const [AN, BINH, CUONG] = demoCitizens as [(typeof demoCitizens)[number], (typeof demoCitizens)[number], (typeof demoCitizens)[number]];
/** A JPEG's first bytes: the development face matcher checks only that the selfie is one. */
const SELFIE = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(2000)]).toString('base64');

const fixturesDir = mkdtempSync(path.join(tmpdir(), 'dinhdanh-upgrade-chips-'));
let fixtures: ChipFixture[] = [];
const fixtureNamed = (name: string) => fixtures.find((item) => item.name === name)!;

before(async function () {
  this.timeout(60_000);
  if (!fixtures.length) fixtures = await generateChipFixtures(fixturesDir);
});

/** The phone app's sign-in: code flow + PKCE as a native public client, then the token endpoint. */
async function phoneAppToken(app: TestApp, citizen: (typeof demoCitizens)[number]): Promise<string> {
  const agent = app.agent();
  const started = await startAuthorization(app, agent, { clientId: PHONE_APP_CLIENT_ID, redirectUri: PHONE_APP_REDIRECT_URI, scope: 'openid eid_upgrade' });
  const login = await submitLogin(agent, started.interactionPath, citizen.record.personalId, citizen.password);
  assert.equal(login.status, 303, login.text);
  const callback = await followToClient(app, agent, login.headers.location!);
  assert.equal(callback.protocol, 'vn.dinhdanh.app:');
  const token = await agent
    .post('/token')
    .type('form')
    .send({ grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: PHONE_APP_REDIRECT_URI, client_id: PHONE_APP_CLIENT_ID, code_verifier: started.pkce.verifier });
  assert.equal(token.status, 200, token.text);
  return token.body.access_token as string;
}

function chipBody(item: ChipFixture, signature: Uint8Array) {
  return { sod: item.sod, data_groups: item.dataGroups, active_authentication_signature: Buffer.from(signature).toString('base64') };
}

for (const backend of backends) {
  describe(`level-2 upgrade with the chip ID card on the phone (${backend})`, function () {
    let app: TestApp;

    before(async function () {
      app = await startTestAppOn(backend, this, { CHIP_CSCA_DIR: path.join(fixturesDir, 'trust'), CHIP_DEVELOPMENT_ISSUER: 'false' });
    });
    after(async () => app?.close());

    const api = (token: string) => ({
      start: () => app.agent().post('/api/identity-upgrade/checks').set('authorization', `Bearer ${token}`),
      chip: (checkId: string, body: object) => app.agent().post(`/api/identity-upgrade/checks/${checkId}/chip`).set('authorization', `Bearer ${token}`).send(body),
      face: (checkId: string, selfie = SELFIE) => app.agent().post(`/api/identity-upgrade/checks/${checkId}/face`).set('authorization', `Bearer ${token}`).send({ selfie }),
    });
    const levelOf = async (citizen: typeof AN) => (await app.dinhdanh.stores.accounts.findByPersonalId(citizen.record.personalId))!.identityLevel;

    it('raises a level-1 account to level 2: challenge, chip (RSA Active Authentication), selfie; audited', async () => {
      const token = await phoneAppToken(app, BINH);
      const item = fixtureNamed('valid-rsa');
      const started = await api(token).start();
      assert.equal(started.status, 201, started.text);
      assert.equal(Buffer.from(started.body.challenge, 'base64').length, 8, 'an 8-byte challenge (ICAO 9303 part 11 §6.1)');
      assert.equal(started.body.expires_in, 300);

      const chip = await api(token).chip(started.body.check_id, chipBody(item, await answerChallenge(item, Buffer.from(started.body.challenge, 'base64'))));
      assert.equal(chip.status, 200, chip.text);
      assert.deepEqual(chip.body, { status: 'chip_verified', next: 'face', card_expires_on: BINH.record.card.expiresOn });
      assert.equal(await levelOf(BINH), 1, 'not before the face check');

      const face = await api(token).face(started.body.check_id);
      assert.equal(face.status, 200, face.text);
      assert.equal(face.body.identity_level, 2);
      assert.deepEqual(face.body.second_factors, ['sms']);
      assert.match(face.body.face_service, /DEVELOPMENT face matcher: no face comparison/, 'the development matcher says what it is');
      assert.equal(await levelOf(BINH), 2);
      const [raised] = await app.dinhdanh.stores.audit.list({ type: 'account.level_raised' });
      assert.equal(raised?.details?.evidence, 'chip+face');
      assert.equal(raised?.details?.channel, 'phone');
      assert.match(String(raised?.details?.documentSigner), /Document Signer 100/);
      assert.equal((await app.dinhdanh.stores.audit.list({ type: 'identity.chip_verified' }))[0]?.details?.activeAuthentication, 'rsa');

      // Level 2 is now reachable: password + SMS code gives acr level 2.
      const agent = app.agent();
      const level2 = await startAuthorization(app, agent, { extra: { acr_values: 'urn:dinhdanh:loa:2' } });
      const sentBefore = outbox(app).messages(BINH.phoneNumber).length;
      const page = await submitLogin(agent, level2.interactionPath, BINH.record.personalId, BINH.password);
      const code = await latestCode(app, BINH.phoneNumber, sentBefore);
      const verified = await agent.post(`${level2.interactionPath}/second-factor`).type('form').send({ code, csrf: csrfFrom(page.text) });
      const callback = await followToClient(app, agent, verified.headers.location!);
      const token2 = await exchangeCode(app, agent, callback.searchParams.get('code')!, level2.pkce.verifier);
      assert.equal(decodeJwt(token2.body.id_token).acr, 'urn:dinhdanh:loa:2');

      assert.equal((await api(token).start()).status, 409, 'a level-2 account has nothing to upgrade');
    });

    it('spends the challenge on the first answer: a replay, or an answer to another check, is refused', async () => {
      const token = await phoneAppToken(app, CUONG);
      const item = fixtureNamed('valid-rsa-sha256');
      const first = (await api(token).start()).body;
      const second = (await api(token).start()).body;
      const answer = chipBody(item, await answerChallenge(item, Buffer.from(first.challenge, 'base64')));
      assert.equal((await api(token).chip(first.check_id, answer)).status, 200);
      const replay = await api(token).chip(first.check_id, answer);
      assert.equal(replay.status, 404);
      assert.equal(replay.body.reason, 'check_unknown');
      const otherCheck = await api(token).chip(second.check_id, answer);
      assert.equal(otherCheck.status, 422);
      assert.equal(otherCheck.body.reason, 'active_authentication_failed', 'signed for another challenge');
      assert.equal((await api(token).chip(second.check_id, answer)).status, 404, 'that challenge is spent too');
      assert.equal(await levelOf(CUONG), 1);
    });

    it('refuses every broken fixture with its reason, and changes nothing', async () => {
      const token = await phoneAppToken(app, CUONG);
      for (const item of fixtures.filter((candidate) => candidate.expected !== 'ok')) {
        // The fixtures are Bình's card: for Cường's account the identity check would refuse them anyway, so
        // each is checked to fail for its own reason first (Passive Authentication runs before identity).
        const started = (await api(token).start()).body;
        const answer = await answerChallenge(item, Buffer.from(started.challenge, 'base64'));
        const response = await api(token).chip(started.check_id, chipBody(item, answer));
        assert.equal(response.status, 422, `${item.name}: ${response.text}`);
        assert.equal(response.body.error, 'chip_refused');
        assert.equal(response.body.reason, item.expected, item.name);
      }
      const foreign = fixtureNamed('valid-ecdsa'); // An's genuine card
      const started = (await api(token).start()).body;
      const response = await api(token).chip(started.check_id, chipBody(foreign, await answerChallenge(foreign, Buffer.from(started.challenge, 'base64'))));
      assert.equal(response.body.reason, 'identity_mismatch');
      assert.equal(await levelOf(CUONG), 1);
      const refused = await app.dinhdanh.stores.audit.list({ type: 'identity.chip_refused' });
      assert.ok(refused.length >= fixtures.length - 3);
    });

    it('refuses a selfie that does not match (a new check is needed) and leaves the level alone', async () => {
      const token = await phoneAppToken(app, CUONG);
      const item = fixtureNamed('valid-rsa-sha256');
      const started = (await api(token).start()).body;
      await api(token).chip(started.check_id, chipBody(item, await answerChallenge(item, Buffer.from(started.challenge, 'base64'))));
      const mismatch = await api(token).face(started.check_id, Buffer.from('not a photo').toString('base64'));
      assert.equal(mismatch.status, 422);
      assert.equal(mismatch.body.reason, 'face_mismatch');
      assert.equal((await api(token).face(started.check_id)).status, 404, 'the verified chip was spent');
      assert.equal(await levelOf(CUONG), 1);
      assert.equal((await app.dinhdanh.stores.audit.list({ type: 'identity.face_mismatch' })).length, 1);
    });

    it('answers bad requests with OAuth-style JSON errors', async () => {
      const none = await app.agent().post('/api/identity-upgrade/checks');
      assert.equal(none.status, 401);
      assert.match(none.headers['www-authenticate']!, /Bearer realm="dinhdanh", error="invalid_token", scope="eid_upgrade"/);
      const portalAgent = app.agent();
      const portalSignIn = await signIn(app, portalAgent, BINH.record.personalId, BINH.password);
      const portalToken = (await exchangeCode(app, portalAgent, portalSignIn.code!, portalSignIn.pkce.verifier)).body.access_token;
      assert.equal((await app.agent().post('/api/identity-upgrade/checks').set('authorization', `Bearer ${portalToken}`)).status, 401, "another client's token");

      const token = await phoneAppToken(app, CUONG);
      const started = (await api(token).start()).body;
      const notBase64 = await api(token).chip(started.check_id, { sod: '%%%', data_groups: {}, active_authentication_signature: '' });
      assert.equal(notBase64.status, 400);
      assert.equal(notBase64.body.error, 'invalid_request');
      assert.match(notBase64.body.error_description, /sod: must be base64/);
      const unknownGroup = await api(token).chip(started.check_id, { sod: 'AA==', data_groups: { dg99: 'AA==' }, active_authentication_signature: 'AA==' });
      assert.equal(unknownGroup.status, 400);
      assert.match(unknownGroup.body.error_description, /data_groups: Unrecognized key: "dg99"/);
      const garbageJson = await app.agent().post(`/api/identity-upgrade/checks/${started.check_id}/chip`).set('authorization', `Bearer ${token}`).set('content-type', 'application/json').send('{"sod":');
      assert.equal(garbageJson.status, 400);
      assert.equal((await api(token).chip('no-such-check', chipBody(fixtureNamed('valid-rsa-sha256'), new Uint8Array(8)))).status, 404);
    });
  });
}

describe('level-2 upgrade with a face comparison service over HTTP', function () {
  let app: TestApp;
  let service: Server;
  let answer: { status: number; body: object } = { status: 503, body: {} };
  const received: { authorization?: string; reference?: string; probe?: string }[] = [];

  before(async function () {
    service = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push({ authorization: request.headers.authorization, ...(JSON.parse(body) as { reference: string; probe: string }) });
        response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(service.address() as AddressInfo).port}/compare`;
    app = await startTestAppOn('memory', this, { CHIP_CSCA_DIR: path.join(fixturesDir, 'trust'), FACE_MATCHER: 'http', FACE_MATCHER_URL: url, FACE_MATCHER_TOKEN: 'face-service-token' });
  });
  after(async () => {
    await app?.close();
    service?.close();
  });

  it('sends the chip portrait and the selfie with its token; an outage spends nothing, the retry succeeds', async () => {
    const token = await phoneAppToken(app, BINH);
    const item = fixtureNamed('valid-rsa');
    const started = (await app.agent().post('/api/identity-upgrade/checks').set('authorization', `Bearer ${token}`)).body;
    const answerBody = chipBody(item, await answerChallenge(item, Buffer.from(started.challenge, 'base64')));
    assert.equal((await app.agent().post(`/api/identity-upgrade/checks/${started.check_id}/chip`).set('authorization', `Bearer ${token}`).send(answerBody)).status, 200);

    const face = () => app.agent().post(`/api/identity-upgrade/checks/${started.check_id}/face`).set('authorization', `Bearer ${token}`).send({ selfie: SELFIE });
    const outage = await face();
    assert.equal(outage.status, 503);
    assert.equal(outage.body.error, 'temporarily_unavailable');
    assert.equal((await app.dinhdanh.stores.accounts.findByPersonalId(BINH.record.personalId))!.identityLevel, 1);

    answer = { status: 200, body: { match: true, score: 0.97 } };
    const ok = await face();
    assert.equal(ok.status, 200, ok.text);
    assert.match(ok.body.face_service, /^face service at 127\.0\.0\.1:/);
    const last = received.at(-1)!;
    assert.equal(last.authorization, 'Bearer face-service-token');
    assert.ok(Buffer.from(last.reference!, 'base64').subarray(0, 4).equals(Buffer.from('FAC\u0000', 'latin1')), 'the DG2 facial record');
    assert.equal(last.probe, SELFIE);
    assert.equal((await app.dinhdanh.stores.audit.list({ type: 'account.level_raised' }))[0]?.details?.faceScore, 0.97);
  });
});
