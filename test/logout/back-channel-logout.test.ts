/**
 * Back-channel logout (OpenID Connect Back-Channel Logout 1.0) against real local HTTP servers playing the
 * relying parties' back-channel logout endpoints: a citizen signed in to two relying parties logs out at one
 * (RP-initiated logout with id_token_hint) and both are told; one that is briefly down gets it on a retry,
 * one that stays down becomes a dead letter an operator can send again. The test clock replaces the waits.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';

import { demoCitizens } from '../../src/demo/citizens.ts';
import { RETRY_DELAYS_MS } from '../../src/logout/back-channel-logout.ts';
import { BACKCHANNEL_LOGOUT_EVENT, postLogoutToken } from '../../src/logout/logout-token.ts';
import { backends, startTestApp, startTestAppOn, type TestApp } from '../helpers/app.ts';
import { eventually } from '../helpers/eventually.ts';
import { basicAuth, followToClient, signIn, startAuthorization, type Agent } from '../helpers/login-flow.ts';
import { startMongo, startRedis } from '../helpers/servers.ts';

const BINH = demoCitizens[1]!;

/**
 * A relying party's back-channel logout endpoint: records each logout token it is sent and answers with the
 * next of `statuses` (then 200). `hang` never answers at all.
 */
async function startLogoutEndpoint({ statuses = [] as number[], hang = false } = {}) {
  const received: string[] = [];
  const contentTypes: (string | undefined)[] = [];
  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', () => {
      if (hang) return;
      received.push(new URLSearchParams(raw).get('logout_token') ?? '');
      contentTypes.push(request.headers['content-type']);
      response.writeHead(statuses.shift() ?? 200, { 'cache-control': 'no-store' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/logout/back-channel`,
    received,
    contentTypes,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The URL of a relying party that is down: a loopback port nobody listens on (connection refused). */
async function unreachableUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/logout/back-channel`;
}

interface TestRelyingParty {
  clientId: string;
  secret: string;
}

/** A portal like the demo one (same redirect URIs, client_secret_basic) in its own sector, with a back-channel logout URI. */
async function registerRelyingParty(app: TestApp, name: string, backchannelLogoutUri: string): Promise<TestRelyingParty> {
  const portal = (await app.dinhdanh.stores.relyingParties.findByClientId('demo-portal'))!;
  const clientId = `${name}-${randomBytes(4).toString('hex')}`;
  const secret = randomBytes(32).toString('base64url');
  await app.dinhdanh.stores.relyingParties.create({
    ...portal,
    clientId,
    clientSecret: secret,
    name: { vi: `Cổng ${name}`, en: `${name} portal` },
    sectorIdentifier: `${clientId}.example.gov.vn`,
    backchannelLogoutUri,
  });
  return { clientId, secret };
}

async function idTokenFor(app: TestApp, agent: Agent, relyingParty: TestRelyingParty, code: string, verifier: string) {
  const token = await agent
    .post('/token')
    .set('authorization', basicAuth(relyingParty.clientId, relyingParty.secret))
    .type('form')
    .send({ grant_type: 'authorization_code', code, redirect_uri: app.dinhdanh.demo!.portal.redirectUri, code_verifier: verifier });
  assert.equal(token.status, 200, token.text);
  return { raw: token.body.id_token as string, claims: decodeJwt(token.body.id_token as string) };
}

/** The citizen signs in at `first` (password), then at `second` in the same browser (single sign-on, consent). */
async function signInToBoth(app: TestApp, agent: Agent, first: TestRelyingParty, second: TestRelyingParty) {
  const atFirst = await signIn(app, agent, BINH.record.personalId, BINH.password, { clientId: first.clientId });
  const firstIdToken = await idTokenFor(app, agent, first, atFirst.code!, atFirst.pkce.verifier);
  const started = await startAuthorization(app, agent, { clientId: second.clientId });
  const callback = await followToClient(app, agent, started.interactionPath);
  const secondIdToken = await idTokenFor(app, agent, second, callback.searchParams.get('code')!, started.pkce.verifier);
  return { firstIdToken, secondIdToken };
}

/** RP-initiated logout at the relying party whose ID token is `idTokenHint`, confirmed by the citizen. */
async function logOut(app: TestApp, agent: Agent, idTokenHint: string) {
  const { postLogoutRedirectUri } = app.dinhdanh.demo!.portal;
  const page = await agent.get('/session/end').query({ id_token_hint: idTokenHint, post_logout_redirect_uri: postLogoutRedirectUri, state: 'bye' });
  assert.equal(page.status, 200, page.text);
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.text)![1]!;
  const done = await agent.post('/session/end/confirm').type('form').send({ xsrf, logout: 'yes' });
  assert.equal(done.status, 303, done.text);
  assert.equal(done.headers.location, `${postLogoutRedirectUri}?state=bye`);
}

for (const backend of backends) describe(`back-channel logout (${backend} stores)`, function () {
  let app: TestApp;
  let now = Date.now();
  const endpoints: { close(): Promise<void> }[] = [];
  before(async function () {
    app = await startTestAppOn(backend, this, {}, { clock: () => now });
  });
  after(async () => {
    await Promise.all(endpoints.map((endpoint) => endpoint.close()));
    await app?.close();
  });

  async function endpoint(options?: Parameters<typeof startLogoutEndpoint>[0]) {
    const started = await startLogoutEndpoint(options);
    endpoints.push(started);
    return started;
  }

  /** Verifies a logout token against the provider's published keys (§2.6) and returns its claims. */
  async function verifiedLogoutToken(token: string, relyingParty: TestRelyingParty): Promise<JWTPayload> {
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(`${app.issuer}/jwks`)), {
      issuer: app.issuer,
      audience: relyingParty.clientId,
      typ: 'logout+jwt',
      maxTokenAge: '2 minutes',
    });
    assert.equal(protectedHeader.alg, 'ES256');
    return payload;
  }

  const audited = async (type: 'logout.backchannel_delivered' | 'logout.backchannel_failed', clientId: string) =>
    (await app.dinhdanh.stores.audit.list({ type, limit: 1000 })).filter((event) => event.clientId === clientId);

  it('advertises back-channel logout with sid in discovery (§2.1)', async () => {
    const { body } = await app.agent().get('/.well-known/openid-configuration');
    assert.equal(body.backchannel_logout_supported, true);
    assert.equal(body.backchannel_logout_session_supported, true);
  });

  it('tells every relying party of the session, each with a logout token it can verify: iss, aud, sub, sid, events, no nonce', async () => {
    const [taxEndpoint, landEndpoint] = [await endpoint(), await endpoint()];
    const tax = await registerRelyingParty(app, 'tax', taxEndpoint.url);
    const land = await registerRelyingParty(app, 'land', landEndpoint.url);
    const agent = app.agent();
    const { firstIdToken, secondIdToken } = await signInToBoth(app, agent, tax, land);
    // backchannel_logout_session_required: ID tokens carry the sid the logout token will name (§2.4).
    assert.ok(firstIdToken.claims.sid && secondIdToken.claims.sid);
    assert.notEqual(firstIdToken.claims.sub, secondIdToken.claims.sub, 'pairwise: another sector, another sub');

    await logOut(app, agent, firstIdToken.raw);

    for (const [relyingParty, received, idToken] of [
      [tax, taxEndpoint, firstIdToken],
      [land, landEndpoint, secondIdToken],
    ] as const) {
      assert.equal(received.received.length, 1, `${relyingParty.clientId} is told once, before the citizen sees the result`);
      assert.equal(received.contentTypes[0], 'application/x-www-form-urlencoded');
      const claims = await verifiedLogoutToken(received.received[0]!, relyingParty);
      assert.equal(claims.sub, idToken.claims.sub);
      assert.equal(claims.sid, idToken.claims.sid);
      assert.deepEqual(claims.events, { [BACKCHANNEL_LOGOUT_EVENT]: {} });
      assert.equal(typeof claims.jti, 'string');
      assert.equal('nonce' in claims, false, 'a logout token never carries a nonce (§2.4)');
      const [delivered] = await audited('logout.backchannel_delivered', relyingParty.clientId);
      assert.deepEqual(delivered?.details, { sid: idToken.claims.sid, attempts: 1 });
      assert.equal(delivered?.accountId, (await app.dinhdanh.stores.accounts.findByPersonalId(BINH.record.personalId))!.id);
    }
    assert.equal(await app.dinhdanh.backChannelLogout.runDueDeliveries(), 0, 'nothing left to retry');
  });

  it('retries a relying party that answered 503: the third attempt, 40 seconds later, delivers a fresh logout token', async () => {
    const flakyEndpoint = await endpoint({ statuses: [503, 503] });
    const steadyEndpoint = await endpoint();
    const flaky = await registerRelyingParty(app, 'flaky', flakyEndpoint.url);
    const steady = await registerRelyingParty(app, 'steady', steadyEndpoint.url);
    const agent = app.agent();
    const { firstIdToken, secondIdToken } = await signInToBoth(app, agent, steady, flaky);

    await logOut(app, agent, firstIdToken.raw);
    assert.equal(flakyEndpoint.received.length, 1);
    assert.equal(await app.dinhdanh.backChannelLogout.runDueDeliveries(), 0, 'not due yet');

    now += RETRY_DELAYS_MS[0]!;
    await app.dinhdanh.backChannelLogout.runDueDeliveries();
    assert.equal(flakyEndpoint.received.length, 2, 'second attempt 10 s after the first');
    assert.deepEqual(await audited('logout.backchannel_delivered', flaky.clientId), []);

    now += RETRY_DELAYS_MS[1]!;
    await app.dinhdanh.backChannelLogout.runDueDeliveries();
    assert.equal(flakyEndpoint.received.length, 3, 'third attempt 30 s after the second');

    const tokens = await Promise.all(flakyEndpoint.received.map((token) => verifiedLogoutToken(token, flaky)));
    assert.equal(new Set(tokens.map((claims) => claims.jti)).size, 3, 'each attempt is a new logout token');
    for (const claims of tokens) {
      assert.equal(claims.sid, secondIdToken.claims.sid);
      assert.equal(claims.sub, secondIdToken.claims.sub);
    }
    const delivered = await audited('logout.backchannel_delivered', flaky.clientId);
    assert.deepEqual(delivered.map((event) => event.details), [{ sid: secondIdToken.claims.sid, attempts: 3 }]);
    assert.deepEqual(await audited('logout.backchannel_failed', flaky.clientId), []);
    assert.equal(steadyEndpoint.received.length, 1, 'the other relying party was told once, at logout');

    now += 60 * 60_000;
    assert.equal(await app.dinhdanh.backChannelLogout.runDueDeliveries(), 0, 'nothing left to retry');
    assert.equal(flakyEndpoint.received.length, 3);
  });

  it('records a dead letter after the last retry to a relying party that is down, and sends it again at the operator’s request', async () => {
    const steadyEndpoint = await endpoint();
    const steady = await registerRelyingParty(app, 'steady', steadyEndpoint.url);
    const down = await registerRelyingParty(app, 'down', await unreachableUrl());
    const agent = app.agent();
    const { firstIdToken, secondIdToken } = await signInToBoth(app, agent, steady, down);
    const loggedOutAt = now;

    await logOut(app, agent, firstIdToken.raw);
    assert.equal(steadyEndpoint.received.length, 1, 'a relying party that is down holds up no other');
    const deadLetters = () => app.dinhdanh.stores.logoutDeliveries.deadLetters.list({ clientId: down.clientId });
    for (const [index, wait] of RETRY_DELAYS_MS.entries()) {
      assert.deepEqual(await deadLetters(), [], `no dead letter before retry ${index + 1}`);
      now += wait;
      assert.equal(await app.dinhdanh.backChannelLogout.runDueDeliveries(), 1, `retry ${index + 1} is due`);
    }

    const [letter, ...others] = await deadLetters();
    assert.deepEqual(others, []);
    const account = (await app.dinhdanh.stores.accounts.findByPersonalId(BINH.record.personalId))!;
    const { id: _id, lastError, ...recorded } = letter!;
    assert.deepEqual(recorded, {
      clientId: down.clientId,
      accountId: account.id,
      sid: secondIdToken.claims.sid,
      sub: secondIdToken.claims.sub,
      attempts: RETRY_DELAYS_MS.length + 1,
      firstAttemptAt: new Date(loggedOutAt),
      lastAttemptAt: new Date(now),
    });
    assert.match(lastError, /not reachable \(ECONNREFUSED\)/);
    const [failed, ...moreFailures] = await audited('logout.backchannel_failed', down.clientId);
    assert.deepEqual(moreFailures, []);
    assert.deepEqual(failed?.details, { sid: secondIdToken.claims.sid, attempts: RETRY_DELAYS_MS.length + 1, error: lastError });
    now += 60 * 60_000;
    assert.equal(await app.dinhdanh.backChannelLogout.runDueDeliveries(), 0, 'given up: no more retries');

    // The relying party is back (at a new address); an operator sends the dead letter again.
    const backEndpoint = await endpoint();
    await app.dinhdanh.stores.relyingParties.update(down.clientId, { backchannelLogoutUri: backEndpoint.url });
    assert.equal(await app.dinhdanh.backChannelLogout.redeliver(letter!.id), true);
    assert.equal(await app.dinhdanh.backChannelLogout.redeliver(letter!.id), false, 'taken once');
    await app.dinhdanh.backChannelLogout.runDueDeliveries();
    assert.equal(backEndpoint.received.length, 1);
    const claims = await verifiedLogoutToken(backEndpoint.received[0]!, down);
    assert.equal(claims.sid, secondIdToken.claims.sid);
    assert.equal(claims.sub, secondIdToken.claims.sub);
    assert.deepEqual(await deadLetters(), []);
    assert.equal((await audited('logout.backchannel_delivered', down.clientId)).length, 1);
  });
});

describe('back-channel logout: the worker', function () {
  it('sends due retries by itself, every few seconds, without anyone calling it', async function () {
    let now = Date.now();
    const app = await startTestApp({}, { clock: () => now });
    const flakyEndpoint = await startLogoutEndpoint({ statuses: [503] });
    const steadyEndpoint = await startLogoutEndpoint();
    try {
      const steady = await registerRelyingParty(app, 'steady', steadyEndpoint.url);
      const flaky = await registerRelyingParty(app, 'flaky', flakyEndpoint.url);
      const agent = app.agent();
      const { firstIdToken } = await signInToBoth(app, agent, steady, flaky);
      await logOut(app, agent, firstIdToken.raw);
      assert.equal(flakyEndpoint.received.length, 1);
      now += RETRY_DELAYS_MS[0]!;
      await eventually(async () => assert.equal(flakyEndpoint.received.length, 2), 15_000);
    } finally {
      await app.close();
      await flakyEndpoint.close();
      await steadyEndpoint.close();
    }
  });
});

describe('back-channel logout: one request', function () {
  it('counts any 2xx as acknowledged, and a redirect, an error status or no answer in time as not', async () => {
    const answers = await startLogoutEndpoint({ statuses: [204, 302, 400] });
    const silent = await startLogoutEndpoint({ hang: true });
    try {
      await postLogoutToken(answers.url, 'logout.token.jwt', 2000);
      await assert.rejects(postLogoutToken(answers.url, 'logout.token.jwt', 2000), /answered HTTP 302/);
      await assert.rejects(postLogoutToken(answers.url, 'logout.token.jwt', 2000), /answered HTTP 400/);
      await assert.rejects(postLogoutToken(silent.url, 'logout.token.jwt', 200), /no answer within 200 ms/);
      assert.deepEqual(answers.received, ['logout.token.jwt', 'logout.token.jwt', 'logout.token.jwt']);
    } finally {
      await answers.close();
      await silent.close();
    }
  });
});

describe('back-channel logout across provider processes sharing Redis and MongoDB', function () {
  it('keeps a pending retry across a restart and sends it once when two processes run the retries together', async function () {
    this.timeout(90_000);
    const redis = await startRedis(this);
    const mongo = await startMongo(this);
    let now = Date.now();
    const environment = {
      STORE_BACKEND: 'redis-mongo',
      REDIS_URL: redis.url,
      MONGODB_URI: mongo.url,
      MONGODB_DATABASE: `dinhdanh_logout_${randomBytes(4).toString('hex')}`,
    };
    const flakyEndpoint = await startLogoutEndpoint({ statuses: [503] });
    const steadyEndpoint = await startLogoutEndpoint();
    const apps: TestApp[] = [];
    try {
      const first = await startTestApp(environment, { clock: () => now });
      apps.push(first);
      const steady = await registerRelyingParty(first, 'steady', steadyEndpoint.url);
      const flaky = await registerRelyingParty(first, 'flaky', flakyEndpoint.url);
      const agent = first.agent();
      const { firstIdToken } = await signInToBoth(first, agent, steady, flaky);
      await logOut(first, agent, firstIdToken.raw);
      assert.equal(flakyEndpoint.received.length, 1);
      await first.close();
      apps.pop();

      const [second, third] = [await startTestApp(environment, { clock: () => now }), await startTestApp(environment, { clock: () => now })];
      apps.push(second, third);
      now += RETRY_DELAYS_MS[0]!;
      const handled = await Promise.all([second.dinhdanh.backChannelLogout.runDueDeliveries(), third.dinhdanh.backChannelLogout.runDueDeliveries()]);
      assert.equal(handled[0] + handled[1], 1, 'one process claimed it');
      assert.equal(flakyEndpoint.received.length, 2, 'sent once after the restart');
      const delivered = (await second.dinhdanh.stores.audit.list({ type: 'logout.backchannel_delivered', limit: 100 })).filter((event) => event.clientId === flaky.clientId);
      assert.deepEqual(delivered.map((event) => event.details?.attempts), [2]);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
      await flakyEndpoint.close();
      await steadyEndpoint.close();
      await redis.stop();
      if (!mongo.external) await mongo.stop();
    }
  });
});
