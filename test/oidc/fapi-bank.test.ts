/**
 * The bank profile = FAPI 2.0 Security Profile (relying-parties issue, points 5 and 9), driven by
 * `openid-client` as a bank's backend would: PAR, private_key_jwt, DPoP-bound tokens, PKCE S256, `iss` in the
 * response, ES256/PS256 only, 60-second codes. Each rule is also shown refusing what breaks it; portals are
 * not affected.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { generateSync } from 'otplib';
import * as oidcClient from 'openid-client';

import { demoCitizens } from '../../src/demo/citizens.ts';
import type { RelyingParty } from '../../src/relying-parties/relying-party.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { csrfFrom, pathOf, pkcePair, signIn, type Agent } from '../helpers/login-flow.ts';

const AN = demoCitizens[0]!;
const REDIRECT_URI = 'https://bank.example.vn/callback';

describe('bank profile: FAPI 2.0 Security Profile', function () {
  let app: TestApp;
  let now = Date.now();
  let bankKey: CryptoKey | KeyObject;
  let rsaBankKey: CryptoKey | KeyObject;

  before(async () => {
    // Portals' codes live 5 minutes here, so the banks' 60 seconds is visibly their own rule.
    app = await startTestApp({ TTL_AUTHORIZATION_CODE: '300' }, { clock: () => now });
    const bank = async (clientId: string, alg: 'ES256' | 'PS256') => {
      // RSA as a KeyObject, so the same key can also try RS256 (a WebCrypto key is bound to one scheme).
      const { publicKey, privateKey } = alg === 'ES256' ? await generateKeyPair(alg, { extractable: true }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
      const jwk = { ...(await exportJWK(publicKey)), kid: `${clientId}-1`, use: 'sig' };
      const record: RelyingParty = {
        clientId,
        name: { vi: 'Ngân hàng mẫu', en: 'Demo bank' },
        profile: 'bank',
        redirectUris: [REDIRECT_URI],
        postLogoutRedirectUris: [],
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [jwk] },
        allowedScopes: ['openid', 'profile', 'personal_id'],
        minimumLevel: 2,
        applicationType: 'web',
        disabled: false,
      };
      await app.dinhdanh.stores.relyingParties.create(record);
      return privateKey;
    };
    bankKey = await bank('demo-bank', 'ES256');
    rsaBankKey = await bank('rsa-bank', 'PS256');
  });
  after(async () => app?.close());

  const configuration = () => oidcClient.discovery(new URL(app.issuer), 'demo-bank', {}, oidcClient.PrivateKeyJwt(bankKey as CryptoKey), { execute: [oidcClient.allowInsecureRequests] });

  /** The citizen's part in a browser: the authorization URL → password → app code → consent → the bank's redirect. */
  async function citizenApproves(agent: Agent, authorizationUrl: URL): Promise<URL> {
    let response = await agent.get(pathOf(authorizationUrl.href, app.issuer));
    for (let step = 0; step < 15; step += 1) {
      if ([302, 303].includes(response.status)) {
        const location = response.headers.location!;
        if (location.startsWith(REDIRECT_URI)) return new URL(location);
        response = await agent.get(pathOf(location, app.issuer));
        continue;
      }
      assert.equal(response.status, 200, response.text.slice(0, 300));
      const csrf = csrfFrom(response.text);
      const action = (name: string) => new RegExp(`action="(/interaction/[\\w-]+/${name})"`).exec(response.text)?.[1];
      if (action('login')) {
        response = await agent.post(action('login')!).type('form').send({ personalId: AN.record.personalId, password: AN.password, csrf });
      } else if (action('second-factor')) {
        now += 31_000;
        response = await agent.post(action('second-factor')!).type('form').send({ code: generateSync({ secret: AN.totpSecret!, epoch: Math.floor(now / 1000) }), csrf });
      } else if (action('consent')) {
        response = await agent.post(action('consent')!).type('form').send({ csrf });
      } else {
        assert.fail(`unexpected page: ${response.text.slice(0, 300)}`);
      }
    }
    throw new Error('too many steps');
  }

  it('signs a citizen in for a bank with PAR, private_key_jwt and DPoP-bound tokens (openid-client)', async () => {
    const config = await configuration();
    const dpop = oidcClient.getDPoPHandle(config, await oidcClient.randomDPoPKeyPair('ES256'));
    const pkce = pkcePair();
    const state = oidcClient.randomState();
    const nonce = oidcClient.randomNonce();
    const authorizationUrl = await oidcClient.buildAuthorizationUrlWithPAR(
      config,
      { redirect_uri: REDIRECT_URI, scope: 'openid profile personal_id', code_challenge: pkce.challenge, code_challenge_method: 'S256', state, nonce },
      { DPoP: dpop },
    );
    assert.ok(authorizationUrl.searchParams.get('request_uri')?.startsWith('urn:ietf:params:oauth:request_uri:'), 'a pushed request');

    const callback = await citizenApproves(app.agent(), authorizationUrl);
    assert.equal(callback.searchParams.get('iss'), app.issuer, 'RFC 9207');
    const stored = await app.dinhdanh.provider.AuthorizationCode.find(callback.searchParams.get('code')!);
    assert.equal(stored!.exp! - stored!.iat!, 60, 'FAPI 2.0: codes live at most 60 seconds');

    const tokens = await oidcClient.authorizationCodeGrant(config, callback, { pkceCodeVerifier: pkce.verifier, expectedState: state, expectedNonce: nonce }, undefined, { DPoP: dpop });
    assert.equal(tokens.token_type, 'dpop');
    const claims = tokens.claims()!;
    assert.equal(claims.acr, 'urn:dinhdanh:loa:2');
    const userinfo = await oidcClient.fetchUserInfo(config, tokens.access_token, claims.sub, { DPoP: dpop });
    assert.equal(userinfo.personal_id, AN.record.personalId);

    const bearer = await app.agent().get('/me').set('authorization', `Bearer ${tokens.access_token}`);
    assert.equal(bearer.status, 401, 'a DPoP-bound token is useless without its key');
  });

  it('refuses a bank authorization request that was not pushed (PAR required)', async () => {
    const pkce = pkcePair();
    const response = await app.agent().get('/auth').query({ client_id: 'demo-bank', redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid', code_challenge: pkce.challenge, code_challenge_method: 'S256', state: 'x' });
    const error = new URL(response.headers.location!);
    assert.equal(error.searchParams.get('error'), 'invalid_request');
    assert.match(error.searchParams.get('error_description')!, /Pushed Authorization Request must be used/);
  });

  /** A client assertion (RFC 7523) for the bank's token or PAR endpoint. */
  const assertion = (clientId: string, key: CryptoKey | KeyObject, alg: string, audience = app.issuer) =>
    new SignJWT({}).setProtectedHeader({ alg, kid: `${clientId}-1` }).setIssuer(clientId).setSubject(clientId).setAudience(audience).setJti(randomUUID()).setIssuedAt().setExpirationTime('1m').sign(key);

  it('refuses a shared secret, a wrong assertion audience and RS256 for banks', async () => {
    const pkce = pkcePair();
    const par = (body: Record<string, string>) => app.agent().post('/request').type('form').send({ client_id: 'demo-bank', redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid', code_challenge: pkce.challenge, code_challenge_method: 'S256', ...body });
    const basic = await app.agent().post('/request').auth('demo-bank', 'a-guessed-secret').type('form').send({ redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid', code_challenge: pkce.challenge, code_challenge_method: 'S256' });
    assert.equal(basic.status, 401);
    assert.equal(basic.body.error, 'invalid_client');

    const jwtBearer = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
    const ok = await par({ client_assertion_type: jwtBearer, client_assertion: await assertion('demo-bank', bankKey, 'ES256') });
    assert.equal(ok.status, 201, ok.text);
    const wrongAudience = await par({ client_assertion_type: jwtBearer, client_assertion: await assertion('demo-bank', bankKey, 'ES256', `${app.issuer}/token`) });
    assert.equal(wrongAudience.status, 401, 'FAPI 2.0: aud must be the issuer');

    const rsaPar = (alg: string) =>
      assertion('rsa-bank', rsaBankKey, alg).then((client_assertion) =>
        app.agent().post('/request').type('form').send({ client_id: 'rsa-bank', client_assertion_type: jwtBearer, client_assertion, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid', code_challenge: pkce.challenge, code_challenge_method: 'S256' }),
      );
    assert.equal((await rsaPar('PS256')).status, 201);
    const rs256 = await rsaPar('RS256');
    assert.equal(rs256.status, 401);
    assert.equal(rs256.body.error, 'invalid_client');
  });

  it('refuses a bank token request without a DPoP proof', async () => {
    const config = await configuration();
    const pkce = pkcePair();
    // Pushed without a DPoP proof (so the code is not bound to a key), redeemed without one either.
    const authorizationUrl = await oidcClient.buildAuthorizationUrlWithPAR(config, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: pkce.challenge, code_challenge_method: 'S256', state: 'st' });
    const callback = await citizenApproves(app.agent(), authorizationUrl);
    const token = await app
      .agent()
      .post('/token')
      .type('form')
      .send({
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code')!,
        redirect_uri: REDIRECT_URI,
        code_verifier: pkce.verifier,
        client_id: 'demo-bank',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await assertion('demo-bank', bankKey, 'ES256'),
      });
    // oidc-provider answers "DPoP proof JWT not provided" as invalid_grant (the detail stays in its logs).
    assert.equal(token.status, 400, token.text);
    assert.equal(token.body.error, 'invalid_grant');

    // The control: the same kind of request with a DPoP proof succeeds, so the proof was what was missing.
    const control = await oidcClient.buildAuthorizationUrlWithPAR(config, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: pkce.challenge, code_challenge_method: 'S256', state: 'st2' });
    const controlCallback = await citizenApproves(app.agent(), control);
    const dpop = oidcClient.getDPoPHandle(config, await oidcClient.randomDPoPKeyPair('ES256'));
    const tokens = await oidcClient.authorizationCodeGrant(config, controlCallback, { pkceCodeVerifier: pkce.verifier, expectedState: 'st2' }, undefined, { DPoP: dpop });
    assert.equal(tokens.token_type, 'dpop');
  });

  it('leaves portals on the portal profile: no PAR required, no DPoP required', async () => {
    const pkce = pkcePair();
    const response = await app.agent().get('/auth').query({ client_id: 'demo-portal', redirect_uri: app.dinhdanh.demo!.portal.redirectUri, response_type: 'code', scope: 'openid', code_challenge: pkce.challenge, code_challenge_method: 'S256' });
    assert.equal(response.status, 303);
    assert.match(response.headers.location!, /\/interaction\//);
    const { code } = await signIn(app, app.agent(), demoCitizens[1]!.record.personalId, demoCitizens[1]!.password);
    const stored = await app.dinhdanh.provider.AuthorizationCode.find(code!);
    assert.equal(stored!.exp! - stored!.iat!, 300, "a portal's code keeps the configured lifetime");
  });

  it('accepts the authorization request as a signed request object (JAR, RFC 9101) pushed with PAR, and refuses a tampered one', async () => {
    const pkce = pkcePair();
    const issuedAt = Math.floor(Date.now() / 1000);
    const requestObject = (claims: Record<string, unknown>) =>
      new SignJWT({ client_id: 'demo-bank', redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid', code_challenge: pkce.challenge, code_challenge_method: 'S256', state: 'jar', ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: 'demo-bank-1', typ: 'oauth-authz-req+jwt' })
        .setIssuer('demo-bank')
        .setAudience(app.issuer)
        .setIssuedAt(issuedAt)
        .setNotBefore(issuedAt)
        .setExpirationTime(issuedAt + 300)
        .setJti(randomUUID())
        .sign(bankKey);
    const push = async (request: string) =>
      app.agent().post('/request').type('form').send({ client_id: 'demo-bank', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await assertion('demo-bank', bankKey, 'ES256'), request });
    const pushed = await push(await requestObject({}));
    assert.equal(pushed.status, 201, pushed.text);
    assert.ok(pushed.body.request_uri);

    const signed = await requestObject({ scope: 'openid profile' });
    const [header, , signature] = signed.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ iss: 'demo-bank', aud: app.issuer, client_id: 'demo-bank', scope: 'openid personal_id', exp: issuedAt + 300, nbf: issuedAt })).toString('base64url')}.${signature}`;
    const refused = await push(forged);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_request_object');
  });
});
