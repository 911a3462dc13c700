/**
 * A certified relying-party library, used unmodified, completes the flows against DinhDanh: proof that a
 * portal can integrate with a standard OpenID Connect client.
 */
import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair } from 'jose';
import * as oidcClient from 'openid-client';

import { startTestApp, type TestApp } from '../helpers/app.ts';
import { csrfFrom, followToClient, pathOf } from '../helpers/login-flow.ts';

const CITIZEN = { personalId: '079195123456', password: 'demo-binh-2026' };

describe('integration with openid-client (certified RP library)', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  /** Plays the citizen's browser from the authorization URL to the redirect back to the relying party. */
  async function citizenSignsIn(authorizationUrl: URL): Promise<URL> {
    const agent = app.agent();
    const start = await agent.get(`${authorizationUrl.pathname}${authorizationUrl.search}`);
    assert.equal(start.status, 303, start.text);
    const interactionPath = pathOf(start.headers.location, app.issuer);
    const page = await agent.get(interactionPath);
    const login = await agent.post(`${interactionPath}/login`).type('form').send({ ...CITIZEN, csrf: csrfFrom(page.text) });
    assert.equal(login.status, 303, login.text);
    return followToClient(app, agent, login.headers.location!);
  }

  it('completes code flow + PKCE with client_secret_basic: tokens, ID token validation, userinfo, refresh, introspection, revocation, logout URL', async () => {
    const { portal } = app.dinhdanh.demo!;
    const configuration = await oidcClient.discovery(new URL(app.issuer), portal.clientId, undefined, oidcClient.ClientSecretBasic(portal.clientSecret), {
      execute: [oidcClient.allowInsecureRequests],
    });
    const codeVerifier = oidcClient.randomPKCECodeVerifier();
    const state = oidcClient.randomState();
    const nonce = oidcClient.randomNonce();
    const authorizationUrl = oidcClient.buildAuthorizationUrl(configuration, {
      redirect_uri: portal.redirectUri,
      scope: 'openid profile offline_access',
      prompt: 'consent',
      code_challenge: await oidcClient.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });

    const callback = await citizenSignsIn(authorizationUrl);
    const tokens = await oidcClient.authorizationCodeGrant(configuration, callback, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce });
    const claims = tokens.claims()!;
    assert.equal(claims.acr, 'urn:dinhdanh:loa:1');
    assert.deepEqual(claims.amr, ['pwd']);
    assert.equal(typeof claims.auth_time, 'number');

    const userinfo = await oidcClient.fetchUserInfo(configuration, tokens.access_token, claims.sub);
    assert.equal(userinfo.name, 'Trần Thị Bình');

    const refreshed = await oidcClient.refreshTokenGrant(configuration, tokens.refresh_token!);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    assert.equal(refreshed.claims()!.sub, claims.sub);

    const introspection = await oidcClient.tokenIntrospection(configuration, refreshed.access_token);
    assert.equal(introspection.active, true);
    await oidcClient.tokenRevocation(configuration, refreshed.access_token);
    assert.equal((await oidcClient.tokenIntrospection(configuration, refreshed.access_token)).active, false);

    const logoutUrl = oidcClient.buildEndSessionUrl(configuration, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: portal.postLogoutRedirectUri });
    assert.equal(logoutUrl.origin + logoutUrl.pathname, `${app.issuer}/session/end`);
  });

  it('completes the flow through PAR (RFC 9126) with private_key_jwt client authentication (RFC 7523)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid: 'portal-key-1', alg: 'ES256', use: 'sig' };
    await app.dinhdanh.stores.relyingParties.create({
      clientId: 'ministry-portal',
      name: { vi: 'Cổng Bộ (mẫu)', en: 'Ministry portal (demo)' },
      profile: 'portal',
      redirectUris: ['https://ministry.example.gov.vn/callback'],
      postLogoutRedirectUris: [],
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [publicJwk] },
      allowedScopes: ['openid', 'profile'],
      minimumLevel: 1,
      applicationType: 'web',
      disabled: false,
    });
    const configuration = await oidcClient.discovery(
      new URL(app.issuer),
      'ministry-portal',
      undefined,
      oidcClient.PrivateKeyJwt({ key: privateKey, kid: 'portal-key-1' }),
      { execute: [oidcClient.allowInsecureRequests] },
    );
    const codeVerifier = oidcClient.randomPKCECodeVerifier();
    const state = oidcClient.randomState();
    const authorizationUrl = await oidcClient.buildAuthorizationUrlWithPAR(configuration, {
      redirect_uri: 'https://ministry.example.gov.vn/callback',
      scope: 'openid profile',
      code_challenge: await oidcClient.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
    });
    assert.ok(authorizationUrl.searchParams.get('request_uri')?.startsWith('urn:ietf:params:oauth:request_uri:'));
    assert.equal(authorizationUrl.searchParams.get('redirect_uri'), null, 'only client_id and request_uri travel through the browser');

    const callback = await citizenSignsIn(authorizationUrl);
    assert.equal(callback.origin, 'https://ministry.example.gov.vn');
    const tokens = await oidcClient.authorizationCodeGrant(configuration, callback, { pkceCodeVerifier: codeVerifier, expectedState: state });
    assert.equal(tokens.claims()!.acr, 'urn:dinhdanh:loa:1');
  });
});
