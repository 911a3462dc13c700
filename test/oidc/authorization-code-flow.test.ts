import assert from 'node:assert/strict';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';

import { backends, startTestAppOn, type TestApp } from '../helpers/app.ts';
import { basicAuth, exchangeCode, signIn } from '../helpers/login-flow.ts';

const LEVEL_1_CITIZEN = { personalId: '079195123456', password: 'demo-binh-2026' };
const LEVEL_2_CITIZEN = { personalId: '001089012345', password: 'demo-an-2026' };

for (const backend of backends) describe(`authorization code flow with PKCE over HTTP (${backend} stores)`, function () {
  let app: TestApp;
  before(async function () {
    app = await startTestAppOn(backend, this);
  });
  after(async () => app?.close());

  const portal = () => app.dinhdanh.demo!.portal;
  const verifyIdToken = (idToken: string, nonce: string) =>
    jwtVerify(idToken, createRemoteJWKSet(new URL(`${app.issuer}/jwks`)), { issuer: app.issuer, audience: portal().clientId }).then(
      ({ payload, protectedHeader }) => {
        assert.equal(payload.nonce, nonce);
        return { payload, protectedHeader };
      },
    );

  it('signs a citizen in with ID number + password, asks consent, and returns code, state and iss (RFC 9207)', async () => {
    const agent = app.agent();
    const { callback, state } = await signIn(app, agent, LEVEL_1_CITIZEN.personalId, LEVEL_1_CITIZEN.password);
    assert.equal(callback.origin + callback.pathname, portal().redirectUri);
    assert.ok(callback.searchParams.get('code'));
    assert.equal(callback.searchParams.get('state'), state);
    assert.equal(callback.searchParams.get('iss'), app.issuer);
  });

  it('issues an ES256 ID token carrying sub, acr, amr and auth_time, and userinfo with the registry claims', async () => {
    const agent = app.agent();
    const before = Math.floor(Date.now() / 1000);
    const { code, pkce, nonce } = await signIn(app, agent, LEVEL_1_CITIZEN.personalId, LEVEL_1_CITIZEN.password, { scope: 'openid profile phone' });
    const token = await exchangeCode(app, agent, code!, pkce.verifier);
    assert.equal(token.status, 200, token.text);
    assert.equal(token.body.token_type, 'Bearer');
    assert.equal(token.headers['cache-control'], 'no-store');

    const { payload, protectedHeader } = await verifyIdToken(token.body.id_token, nonce);
    assert.equal(protectedHeader.alg, 'ES256');
    const account = await app.dinhdanh.stores.accounts.findByPersonalId(LEVEL_1_CITIZEN.personalId);
    // Pairwise by default (OIDC Core §8): neither the account id nor the personal ID number.
    assert.match(String(payload.sub), /^[\w-]{43}$/);
    assert.notEqual(payload.sub, account!.id, 'sub is pairwise, not the internal account id');
    assert.notEqual(payload.sub, LEVEL_1_CITIZEN.personalId, 'the personal ID number is never the subject');
    assert.equal(payload.acr, 'urn:dinhdanh:loa:1');
    assert.deepEqual(payload.amr, ['pwd']);
    assert.ok(typeof payload.auth_time === 'number' && payload.auth_time >= before - 1);

    const userinfo = await agent.get('/me').set('authorization', `Bearer ${token.body.access_token}`);
    assert.equal(userinfo.status, 200, userinfo.text);
    // When the registry last confirmed the identity data (the claims come from the registry, cached briefly).
    const { registry_checked_at: checkedAt, ...claims } = userinfo.body;
    assert.ok(typeof checkedAt === 'number' && checkedAt >= before - 1 && checkedAt <= Date.now() / 1000 + 1, `registry_checked_at ${checkedAt}`);
    assert.deepEqual(claims, {
      sub: payload.sub,
      name: 'Trần Thị Bình',
      family_name: 'Trần',
      middle_name: 'Thị',
      given_name: 'Bình',
      birthdate: '1995-11-02',
      gender: 'female',
      phone_number: '+84912000002',
      phone_number_verified: true,
    });
  });

  it('gives a level-2 account only level 1 after a password alone (level 2 needs two factors)', async () => {
    const agent = app.agent();
    const { code, pkce, nonce } = await signIn(app, agent, LEVEL_2_CITIZEN.personalId, LEVEL_2_CITIZEN.password);
    const token = await exchangeCode(app, agent, code!, pkce.verifier);
    const { payload } = await verifyIdToken(token.body.id_token, nonce);
    assert.equal(payload.acr, 'urn:dinhdanh:loa:1');
  });

  it('releases only the claims of the granted scopes', async () => {
    const agent = app.agent();
    const { code, pkce } = await signIn(app, agent, LEVEL_1_CITIZEN.personalId, LEVEL_1_CITIZEN.password, { scope: 'openid' });
    const token = await exchangeCode(app, agent, code!, pkce.verifier);
    const userinfo = await agent.get('/me').set('authorization', `Bearer ${token.body.access_token}`);
    assert.deepEqual(Object.keys(userinfo.body), ['sub']);
  });

  it('refuses a second use of the authorization code (RFC 6749 §4.1.2)', async () => {
    const agent = app.agent();
    const { code, pkce } = await signIn(app, agent, LEVEL_1_CITIZEN.personalId, LEVEL_1_CITIZEN.password);
    assert.equal((await exchangeCode(app, agent, code!, pkce.verifier)).status, 200);
    const replay = await exchangeCode(app, agent, code!, pkce.verifier);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
  });

  it('introspects an active access token for its own client and reports it inactive after revocation', async () => {
    const agent = app.agent();
    const { code, pkce } = await signIn(app, agent, LEVEL_1_CITIZEN.personalId, LEVEL_1_CITIZEN.password);
    const token = await exchangeCode(app, agent, code!, pkce.verifier);
    const auth = basicAuth(portal().clientId, portal().clientSecret);

    const active = await agent.post('/token/introspection').set('authorization', auth).type('form').send({ token: token.body.access_token });
    assert.equal(active.status, 200);
    assert.equal(active.body.active, true);
    assert.equal(active.body.client_id, portal().clientId);
    assert.equal(active.body.sub, decodeJwt(token.body.id_token).sub, 'the same pairwise sub as in the ID token');

    const revoked = await agent.post('/token/revocation').set('authorization', auth).type('form').send({ token: token.body.access_token });
    assert.equal(revoked.status, 200);
    const inactive = await agent.post('/token/introspection').set('authorization', auth).type('form').send({ token: token.body.access_token });
    assert.deepEqual(inactive.body, { active: false });
    const userinfo = await agent.get('/me').set('authorization', `Bearer ${token.body.access_token}`);
    assert.equal(userinfo.status, 401);
  });

  it('rotates refresh tokens and refuses a rotated one, revoking the whole grant (RFC 9700 §4.14.2)', async () => {
    const agent = app.agent();
    const { code, pkce } = await signIn(app, agent, LEVEL_1_CITIZEN.personalId, LEVEL_1_CITIZEN.password, {
      scope: 'openid offline_access',
      extra: { prompt: 'consent' },
    });
    const token = await exchangeCode(app, agent, code!, pkce.verifier);
    assert.equal(token.status, 200, token.text);
    const first = token.body.refresh_token as string;
    assert.ok(first, 'offline_access yields a refresh token');

    const auth = basicAuth(portal().clientId, portal().clientSecret);
    const refreshed = await agent.post('/token').set('authorization', auth).type('form').send({ grant_type: 'refresh_token', refresh_token: first });
    assert.equal(refreshed.status, 200, refreshed.text);
    const second = refreshed.body.refresh_token as string;
    assert.ok(second && second !== first, 'a new refresh token replaces the old one');

    const reuse = await agent.post('/token').set('authorization', auth).type('form').send({ grant_type: 'refresh_token', refresh_token: first });
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, 'invalid_grant');
    // Reuse means theft is possible: the successor dies with the grant.
    const successor = await agent.post('/token').set('authorization', auth).type('form').send({ grant_type: 'refresh_token', refresh_token: second });
    assert.equal(successor.body.error, 'invalid_grant');
  });

  it('logs out through RP-initiated logout with id_token_hint and returns to the registered URI', async () => {
    const agent = app.agent();
    const { code, pkce } = await signIn(app, agent, LEVEL_1_CITIZEN.personalId, LEVEL_1_CITIZEN.password);
    const token = await exchangeCode(app, agent, code!, pkce.verifier);

    const confirm = await agent
      .get('/session/end')
      .query({ id_token_hint: token.body.id_token, post_logout_redirect_uri: portal().postLogoutRedirectUri, state: 'bye' });
    assert.equal(confirm.status, 200);
    assert.match(confirm.text, /Đăng xuất/);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.text)![1]!;
    const done = await agent.post('/session/end/confirm').type('form').send({ xsrf, logout: 'yes' });
    assert.equal(done.status, 303);
    assert.equal(done.headers.location, `${portal().postLogoutRedirectUri}?state=bye`);

    // The session is gone: a new authorization request asks for the login again.
    const again = await agent.get('/auth').query({
      client_id: portal().clientId,
      redirect_uri: portal().redirectUri,
      response_type: 'code',
      scope: 'openid',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
    });
    const page = await agent.get(again.headers.location!.replace(app.issuer, ''));
    assert.match(page.text, /name="personalId"/);
  });
});
