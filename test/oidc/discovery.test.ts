import assert from 'node:assert/strict';

import { startTestApp, type TestApp } from '../helpers/app.ts';

describe('discovery and JWKS', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  it('advertises exactly the enabled baseline: code flow, S256 PKCE, iss parameter, PAR, introspection, revocation, logout', async () => {
    const { body, status } = await app.agent().get('/.well-known/openid-configuration');
    assert.equal(status, 200);
    assert.equal(body.issuer, app.issuer);
    assert.deepEqual(body.response_types_supported, ['code']);
    assert.deepEqual(body.grant_types_supported, ['authorization_code', 'refresh_token', 'urn:openid:params:grant-type:ciba']);
    // CIBA for banks (poll mode), and signed request objects (JAR) for the FAPI 2.0 Message Signing profile.
    assert.equal(body.backchannel_authentication_endpoint, `${app.issuer}/backchannel`);
    assert.deepEqual(body.backchannel_token_delivery_modes_supported, ['poll']);
    assert.equal(body.backchannel_user_code_parameter_supported, false);
    assert.equal(body.request_parameter_supported, true);
    assert.deepEqual(body.code_challenge_methods_supported, ['S256']);
    assert.equal(body.authorization_response_iss_parameter_supported, true);
    assert.equal(body.pushed_authorization_request_endpoint, `${app.issuer}/request`);
    assert.equal(body.require_pushed_authorization_requests, undefined, 'PAR is offered, not (yet) required for everyone');
    assert.equal(body.introspection_endpoint, `${app.issuer}/token/introspection`);
    assert.equal(body.revocation_endpoint, `${app.issuer}/token/revocation`);
    assert.equal(body.end_session_endpoint, `${app.issuer}/session/end`);
    assert.equal(body.userinfo_endpoint, `${app.issuer}/me`);
    assert.deepEqual(body.token_endpoint_auth_methods_supported, ['private_key_jwt', 'client_secret_basic', 'none']);
    assert.deepEqual([...body.id_token_signing_alg_values_supported].sort(), ['ES256', 'PS256', 'RS256']);
    assert.deepEqual(body.acr_values_supported, ['urn:dinhdanh:loa:1', 'urn:dinhdanh:loa:2']);
    assert.deepEqual(body.subject_types_supported, ['public', 'pairwise']);
    assert.deepEqual(body.scopes_supported, ['openid', 'offline_access', 'profile', 'address', 'phone', 'personal_id']);
    assert.equal(body.claims_parameter_supported, true, 'how a relying party asks for an essential acr');
    for (const claim of ['sub', 'acr', 'amr', 'auth_time', 'name', 'birthdate']) assert.ok(body.claims_supported.includes(claim), claim);
  });

  it('advertises nothing that is switched off (no registration, device flow, client credentials, implicit)', async () => {
    const { body } = await app.agent().get('/.well-known/openid-configuration');
    for (const absent of ['registration_endpoint', 'device_authorization_endpoint']) {
      assert.equal(body[absent], undefined, absent);
    }
    assert.ok(!body.grant_types_supported.includes('implicit'));
    assert.ok(!body.grant_types_supported.includes('client_credentials'));
    assert.ok(!body.code_challenge_methods_supported.includes('plain'));
    assert.ok(!body.token_endpoint_auth_methods_supported.includes('client_secret_post'));
    assert.ok(!body.token_endpoint_auth_methods_supported.includes('client_secret_jwt'));
  });

  it('publishes only the public parts of the signing keys', async () => {
    const { body, status, headers } = await app.agent().get('/jwks');
    assert.equal(status, 200);
    assert.match(headers['content-type']!, /application\/jwk-set\+json/);
    assert.ok(body.keys.length >= 2);
    for (const key of body.keys) {
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(key[secret], undefined, `${key.kid} leaks ${secret}`);
      assert.ok(key.kid);
      assert.equal(key.use, 'sig');
    }
    assert.ok(body.keys.some((key: { kty: string; alg?: string }) => key.kty === 'EC' && key.alg === 'ES256'));
    assert.ok(body.keys.some((key: { kty: string }) => key.kty === 'RSA'));
  });
});
