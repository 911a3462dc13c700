/**
 * Bank-initiated sign-in approved on the citizen's phone (relying-parties issue, point 6): CIBA poll mode over
 * HTTP, on the embedded default and on Redis + MongoDB. The bank's backend asks with a login hint and a
 * binding message; the citizen is texted, sees the request in the account area and confirms with a passkey
 * (or declines); the bank polls the token endpoint: authorization_pending, then tokens, access_denied or
 * expired_token.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { generateSync } from 'otplib';

import { demoCitizens } from '../../src/demo/citizens.ts';
import type { RelyingParty } from '../../src/relying-parties/relying-party.ts';
import { addPasskey, signInToAccountArea } from '../helpers/account-area.ts';
import { backends, startTestAppOn, type TestApp } from '../helpers/app.ts';
import { outbox } from '../helpers/enrollment-flow.ts';
import { csrfFrom, type Agent } from '../helpers/login-flow.ts';
import { SoftwareAuthenticator } from '../helpers/software-authenticator.ts';

const AN = demoCitizens[0]!;
const BINH = demoCitizens[1]!;
const CIBA = 'urn:openid:params:grant-type:ciba';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

for (const backend of backends) {
  describe(`CIBA: a bank's sign-in approved on the citizen's phone (${backend})`, function () {
    let app: TestApp;
    let now = Date.now();
    let bankKey: CryptoKey;
    let anPhone: Agent;
    const passkey = new SoftwareAuthenticator();
    const nextAppCode = () => {
      now += 31_000;
      return generateSync({ secret: AN.totpSecret!, epoch: Math.floor(now / 1000) });
    };

    before(async function () {
      app = await startTestAppOn(backend, this, {}, { clock: () => now });
      const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
      bankKey = privateKey;
      const bank: RelyingParty = {
        clientId: 'ciba-bank',
        name: { vi: 'Ngân hàng Mẫu', en: 'Demo Bank' },
        profile: 'bank',
        redirectUris: ['https://bank.example.vn/callback'],
        postLogoutRedirectUris: [],
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'bank-1', use: 'sig' }] },
        allowedScopes: ['openid', 'profile'],
        minimumLevel: 2,
        applicationType: 'web',
        subjectType: 'public',
        ciba: true,
        disabled: false,
      };
      await app.dinhdanh.stores.relyingParties.create(bank);
      // An's phone: the account area, signed in, with a passkey.
      anPhone = app.agent();
      await signInToAccountArea(app, anPhone, AN, nextAppCode);
      await addPasskey(app, anPhone, passkey, 'Phone');
    });
    after(async () => app?.close());

    const clientAssertion = () =>
      new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'bank-1' }).setIssuer('ciba-bank').setSubject('ciba-bank').setAudience(app.issuer).setJti(randomUUID()).setIssuedAt().setExpirationTime('1m').sign(bankKey);

    /** The bank's backend: POST /backchannel (CIBA Core §7.1). */
    async function bankAsks(params: Record<string, string>) {
      return app.agent().post('/backchannel').type('form').send({ client_id: 'ciba-bank', client_assertion_type: JWT_BEARER, client_assertion: await clientAssertion(), scope: 'openid profile', ...params });
    }

    /** A DPoP proof for the token endpoint (RFC 9449 §4.2): a bank's tokens are bound to its DPoP key. */
    let dpopKey: { privateKey: CryptoKey; jwk: Record<string, unknown> } | undefined;
    async function dpopProof() {
      if (!dpopKey) {
        const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
        dpopKey = { privateKey, jwk: await exportJWK(publicKey) };
      }
      return new SignJWT({ htm: 'POST', htu: `${app.issuer}/token` }).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: dpopKey.jwk }).setJti(randomUUID()).setIssuedAt().sign(dpopKey.privateKey);
    }

    /** The bank polls the token endpoint (CIBA Core §10.1), with its DPoP proof. */
    async function bankPolls(authReqId: string, { dpop = true } = {}) {
      const request = app.agent().post('/token').type('form');
      if (dpop) request.set('dpop', await dpopProof());
      return request.send({ grant_type: CIBA, auth_req_id: authReqId, client_id: 'ciba-bank', client_assertion_type: JWT_BEARER, client_assertion: await clientAssertion() });
    }

    it('texts the citizen, waits (authorization_pending), and gives the bank tokens once the citizen confirms with a passkey', async () => {
      const sentBefore = outbox(app).messages(AN.phoneNumber).length;
      const asked = await bankAsks({ login_hint: AN.record.personalId, binding_message: 'GD 4821' });
      assert.equal(asked.status, 200, asked.text);
      assert.ok(asked.body.auth_req_id);
      assert.equal(asked.body.expires_in, 300);

      const sms = outbox(app).messages(AN.phoneNumber).slice(sentBefore);
      assert.equal(sms.length, 1);
      assert.match(sms[0]!.text, /Ngan hang Mau de nghi ban xac nhan dang nhap/);
      assert.doesNotMatch(sms[0]!.text, /https?:/, 'no link in the SMS');

      const pending = await bankPolls(asked.body.auth_req_id);
      assert.equal(pending.status, 400);
      assert.equal(pending.body.error, 'authorization_pending');
      assert.equal((await bankPolls(asked.body.auth_req_id, { dpop: false })).body.error, 'invalid_grant', 'a bank polls with its DPoP proof');

      const overview = await anPhone.get('/account?lang=vi');
      assert.match(overview.text, /Yêu cầu đăng nhập chờ duyệt \(1\)/, overview.text.slice(0, 2000));
      const page = await anPhone.get('/account/approvals?lang=en');
      assert.match(page.text, /Demo Bank asks you to confirm a sign-in/);
      assert.match(page.text, /GD 4821/);
      assert.match(page.text, /Level 2 sign-in requested/);
      const csrf = csrfFrom(page.text);
      const options = await anPhone.post(`/account/approvals/${asked.body.auth_req_id}/options`).type('form').send({ csrf });
      assert.equal(options.status, 200, options.text);
      assert.deepEqual(options.body.allowCredentials.map((credential: { id: string }) => credential.id), [passkey.credentials[0]!.id]);
      const response = await passkey.authenticate(options.body, app.issuer);
      const approved = await anPhone.post(`/account/approvals/${asked.body.auth_req_id}?lang=en`).type('form').send({ csrf, response: JSON.stringify(response) });
      assert.equal(approved.status, 200, approved.text);
      assert.match(approved.text, /Confirmed\. Demo Bank will continue\./);

      const tokens = await bankPolls(asked.body.auth_req_id);
      assert.equal(tokens.status, 200, tokens.text);
      assert.equal(tokens.body.token_type, 'DPoP');
      const idToken = decodeJwt(tokens.body.id_token);
      assert.equal(idToken.acr, 'urn:dinhdanh:loa:2');
      assert.deepEqual(idToken.amr, ['hwk', 'user', 'mfa']);
      assert.equal(idToken.sub, (await app.dinhdanh.stores.accounts.findByPersonalId(AN.record.personalId))!.id);
      assert.equal((await bankPolls(asked.body.auth_req_id)).body.error, 'invalid_grant', 'an approved request is redeemed once');
      assert.equal((await app.dinhdanh.stores.audit.list({ type: 'ciba.approved' })).length, 1);
    });

    it('tells the bank access_denied when the citizen declines', async () => {
      const asked = await bankAsks({ login_hint: AN.record.personalId, binding_message: 'GD 9999' });
      const page = await anPhone.get('/account/approvals');
      const declined = await anPhone.post(`/account/approvals/${asked.body.auth_req_id}/decline?lang=en`).type('form').send({ csrf: csrfFrom(page.text) });
      assert.match(declined.text, /Declined\. Demo Bank is told you declined\./);
      const polled = await bankPolls(asked.body.auth_req_id);
      assert.equal(polled.body.error, 'access_denied', JSON.stringify(polled.body));
      assert.doesNotMatch((await anPhone.get('/account/approvals')).text, /GD 9999/, 'gone from the inbox');
    });

    it('tells the bank expired_token when nobody answers in time', async () => {
      const asked = await bankAsks({ login_hint: AN.record.personalId, binding_message: 'GD 0001', requested_expiry: '1' });
      assert.equal(asked.body.expires_in, 1);
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // oidc-provider's own clock decides expiry
      assert.equal((await bankPolls(asked.body.auth_req_id)).body.error, 'expired_token');
    });

    it("refuses an unknown citizen, a missing or odd binding message, a user code, and another citizen's approval", async () => {
      assert.equal((await bankAsks({ login_hint: '001099999999', binding_message: 'GD 1' })).body.error, 'unknown_user_id');
      assert.equal((await bankAsks({ login_hint: AN.record.personalId })).body.error, 'invalid_binding_message');
      assert.equal((await bankAsks({ login_hint: AN.record.personalId, binding_message: '<script>' })).body.error, 'invalid_binding_message');
      assert.equal((await bankAsks({ login_hint: AN.record.personalId, binding_message: 'GD 2', user_code: '1234' })).body.error, 'invalid_request');

      const asked = await bankAsks({ login_hint: AN.record.personalId, binding_message: 'GD 3' });
      const binh = app.agent();
      await signInToAccountArea(app, binh, BINH, nextAppCode);
      assert.doesNotMatch((await binh.get('/account/approvals')).text, /GD 3/);
      const foreign = await binh.post(`/account/approvals/${asked.body.auth_req_id}/decline`).type('form').send({ csrf: csrfFrom((await binh.get('/account')).text) });
      assert.equal(foreign.status, 404, "another citizen's request is not found");
      assert.equal((await bankPolls(asked.body.auth_req_id)).body.error, 'authorization_pending', 'still waiting for An');
    });
  });
}
