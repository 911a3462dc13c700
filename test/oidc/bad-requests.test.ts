/**
 * Bad input from relying parties: the standard OAuth error, to the client where the spec allows it
 * (RFC 6749 §4.1.2.1), otherwise a translated error page; never a 500, never a stack trace.
 */
import assert from 'node:assert/strict';

import { startTestApp, type TestApp } from '../helpers/app.ts';
import { basicAuth, exchangeCode, pkcePair, signIn } from '../helpers/login-flow.ts';

const CITIZEN = { personalId: '079195123456', password: 'demo-binh-2026' };

describe('bad requests from relying parties', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  const portal = () => app.dinhdanh.demo!.portal;
  const validAuthorization = () => ({
    client_id: portal().clientId,
    redirect_uri: portal().redirectUri,
    response_type: 'code',
    scope: 'openid',
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
    state: 'xyz',
  });

  function assertErrorPage(response: { status: number; text: string; headers: Record<string, string> }, status: number, error: string) {
    assert.equal(response.status, status);
    assert.match(response.headers['content-type']!, /text\/html/);
    assert.match(response.text, /<html lang="vi">/);
    assert.match(response.text, /Không thể tiếp tục/);
    assert.ok(response.text.includes(`<code>${error}</code>`), `page names ${error}`);
    assert.doesNotMatch(response.text, /\s+at \S+ \(/, 'no stack trace');
  }

  function assertRedirectError(response: { status: number; headers: Record<string, string> }, error: string) {
    assert.equal(response.status, 303);
    const location = new URL(response.headers.location!);
    assert.equal(`${location.origin}${location.pathname}`, portal().redirectUri);
    assert.equal(location.searchParams.get('error'), error);
    assert.equal(location.searchParams.get('state'), 'xyz');
    assert.equal(location.searchParams.get('iss'), app.issuer);
  }

  it('shows a translated page (not a redirect) for an unknown client', async () => {
    const response = await app.agent().get('/auth').query({ ...validAuthorization(), client_id: 'no-such-portal' });
    assertErrorPage(response, 400, 'invalid_client');
  });

  it('shows a translated page for an unregistered redirect_uri and never redirects to it', async () => {
    const response = await app.agent().get('/auth').query({ ...validAuthorization(), redirect_uri: 'https://attacker.example/cb' });
    assertErrorPage(response, 400, 'invalid_redirect_uri');
  });

  it('compares redirect_uri exactly: a different path, port or trailing slash is refused', async () => {
    for (const variant of [`${portal().redirectUri}/`, `${portal().redirectUri}?x=1`, portal().redirectUri.replace('/callback', '/callback2')]) {
      const response = await app.agent().get('/auth').query({ ...validAuthorization(), redirect_uri: variant });
      assertErrorPage(response, 400, 'invalid_redirect_uri');
    }
  });

  it('returns invalid_request to the client when PKCE is missing', async () => {
    const { code_challenge: _challenge, code_challenge_method: _method, ...withoutPkce } = validAuthorization();
    assertRedirectError(await app.agent().get('/auth').query(withoutPkce), 'invalid_request');
  });

  it('refuses the plain PKCE method', async () => {
    assertRedirectError(await app.agent().get('/auth').query({ ...validAuthorization(), code_challenge_method: 'plain' }), 'invalid_request');
  });

  it('refuses implicit and hybrid response types with unsupported_response_type', async () => {
    for (const responseType of ['token', 'id_token', 'code id_token', 'code token']) {
      const response = await app.agent().get('/auth').query({ ...validAuthorization(), response_type: responseType, nonce: 'n' });
      assert.equal(response.status, 303, responseType);
      const location = new URL(response.headers.location!);
      const params = location.hash ? new URLSearchParams(location.hash.slice(1)) : location.searchParams;
      assert.equal(params.get('error'), 'unsupported_response_type', responseType);
    }
  });

  it('refuses a scope the relying party is not registered for with invalid_scope', async () => {
    await app.dinhdanh.stores.relyingParties.create({
      clientId: 'minimal-portal',
      name: { vi: 'Cổng tối giản', en: 'Minimal portal' },
      profile: 'portal',
      redirectUris: ['https://minimal.example.gov.vn/cb'],
      postLogoutRedirectUris: [],
      tokenEndpointAuthMethod: 'client_secret_basic',
      clientSecret: 'a-long-enough-secret-for-the-minimal-portal-0001',
      allowedScopes: ['openid'],
      minimumLevel: 1,
      applicationType: 'web',
      disabled: false,
    });
    const response = await app
      .agent()
      .get('/auth')
      .query({ ...validAuthorization(), client_id: 'minimal-portal', redirect_uri: 'https://minimal.example.gov.vn/cb', scope: 'openid profile' });
    assert.equal(response.status, 303);
    const location = new URL(response.headers.location!);
    assert.equal(location.origin, 'https://minimal.example.gov.vn');
    assert.equal(location.searchParams.get('error'), 'invalid_scope');
  });

  it('refuses repeated parameters with invalid_request', async () => {
    const query = new URLSearchParams(validAuthorization());
    query.append('scope', 'openid profile');
    assertRedirectError(await app.agent().get(`/auth?${query}`), 'invalid_request');
  });

  it('refuses a wrong PKCE verifier at the token endpoint with invalid_grant', async () => {
    const agent = app.agent();
    const { code } = await signIn(app, agent, CITIZEN.personalId, CITIZEN.password);
    const response = await exchangeCode(app, agent, code!, pkcePair().verifier);
    assert.equal(response.status, 400);
    assert.equal(response.body.error, 'invalid_grant');
  });

  it('refuses a token request without the verifier with invalid_grant or invalid_request', async () => {
    const agent = app.agent();
    const { code } = await signIn(app, agent, CITIZEN.personalId, CITIZEN.password);
    const response = await agent
      .post('/token')
      .set('authorization', basicAuth(portal().clientId, portal().clientSecret))
      .type('form')
      .send({ grant_type: 'authorization_code', code, redirect_uri: portal().redirectUri });
    assert.equal(response.status, 400);
    assert.ok(['invalid_grant', 'invalid_request'].includes(response.body.error), response.body.error);
  });

  it('refuses a wrong client secret with invalid_client (401)', async () => {
    const response = await app
      .agent()
      .post('/token')
      .set('authorization', basicAuth(portal().clientId, 'wrong'))
      .type('form')
      .send({ grant_type: 'authorization_code', code: 'x', redirect_uri: portal().redirectUri, code_verifier: pkcePair().verifier });
    assert.equal(response.status, 401);
    assert.equal(response.body.error, 'invalid_client');
  });

  it('refuses an oversized token request body with a JSON error, not a 500', async () => {
    const response = await app
      .agent()
      .post('/token')
      .set('authorization', basicAuth(portal().clientId, portal().clientSecret))
      .type('form')
      .send({ grant_type: 'authorization_code', code: 'x'.repeat(200_000) });
    assert.ok(response.status >= 400 && response.status < 500, String(response.status));
    assert.equal(response.body.error, 'invalid_request');
  });

  it('refuses malformed JSON-ish garbage at the token endpoint with invalid_request', async () => {
    const response = await app.agent().post('/token').set('content-type', 'application/x-www-form-urlencoded').send('%%%&&&===');
    assert.ok(response.status === 400 || response.status === 401, String(response.status));
    assert.ok(['invalid_request', 'invalid_client'].includes(response.body.error));
  });

  it('answers an unknown path with a translated 404 page, and with JSON for API callers', async () => {
    const page = await app.agent().get('/no-such-page');
    assertErrorPage(page, 404, 'not_found');
    const api = await app.agent().get('/no-such-page').set('accept', 'application/json');
    assert.equal(api.status, 404);
    assert.deepEqual(api.body, { error: 'not_found', error_description: 'not_found' });
  });
});
