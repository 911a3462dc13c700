/**
 * Data minimisation (relying-parties issue, point 2): a relying party receives only what its registration
 * allows and the citizen was shown. The personal identification number is its own scope; the claims
 * parameter cannot ask beyond the registration, and what it names is listed on the consent page.
 */
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';

import type { RelyingParty } from '../../src/relying-parties/relying-party.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { basicAuth, csrfFrom, followToClient, startAuthorization, submitLogin } from '../helpers/login-flow.ts';

const BINH = { personalId: '079195123456', password: 'demo-binh-2026' };
const TAX = { clientId: 'tax-portal', secret: 'tax-portal-secret-0123456789abcdefghijklmnop' };

describe('data minimisation: scopes, the personal identification number, the claims parameter', function () {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    const portal = (await app.dinhdanh.stores.relyingParties.findByClientId('demo-portal'))!;
    const tax: RelyingParty = { ...portal, clientId: TAX.clientId, clientSecret: TAX.secret, name: { vi: 'Cổng thuế (mẫu)', en: 'Tax portal (demo)' }, logoUri: 'https://thue.example.gov.vn/logo.png', allowedScopes: ['openid', 'profile', 'personal_id'] };
    await app.dinhdanh.stores.relyingParties.create(tax);
    await app.dinhdanh.stores.relyingParties.create({ ...tax, clientId: 'health-portal', sectorIdentifier: 'health.example.vn', allowedScopes: ['openid'] });
    await app.dinhdanh.stores.relyingParties.create({ ...tax, clientId: 'public-sub-portal', subjectType: 'public', allowedScopes: ['openid'] });
    await app.dinhdanh.stores.relyingParties.create({ ...tax, clientId: 'insurance-portal', legalBasis: 'Luật Bảo hiểm xã hội 2024, Điều 22', allowedScopes: ['openid', 'profile'] });
  });
  after(async () => app?.close());

  /** Sign-in → consent page (returned) → allow → tokens. */
  async function signInAs(clientId: string, secret: string, scope: string, extra: Record<string, string> = {}) {
    const agent = app.agent();
    const started = await startAuthorization(app, agent, { clientId, scope, extra });
    const login = await submitLogin(agent, started.interactionPath, BINH.personalId, BINH.password);
    let consentPage = await agent.get(pathOnly(login.headers.location!));
    while ([302, 303].includes(consentPage.status)) consentPage = await agent.get(pathOnly(consentPage.headers.location!));
    const consentAction = /action="(\/interaction\/[\w-]+\/consent)"/.exec(consentPage.text)?.[1];
    assert.ok(consentAction, 'the consent page');
    const allowed = await agent.post(consentAction).type('form').send({ csrf: csrfFrom(consentPage.text) });
    const callback = await followToClient(app, agent, allowed.headers.location!);
    const token = await agent
      .post('/token')
      .set('authorization', basicAuth(clientId, secret))
      .type('form')
      .send({ grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: app.dinhdanh.demo!.portal.redirectUri, code_verifier: started.pkce.verifier });
    assert.equal(token.status, 200, token.text);
    const userinfo = await agent.get('/me').set('authorization', `Bearer ${token.body.access_token}`);
    return { consentPage: consentPage.text, idToken: decodeJwt(token.body.id_token), userinfo: userinfo.body as Record<string, unknown> };
  }

  const pathOnly = (location: string) => location.replace(app.issuer, '');

  it('refuses a scope the relying party is not registered for (invalid_scope), before any page', async () => {
    const response = await app.agent().get('/auth').query({
      client_id: 'demo-portal',
      redirect_uri: app.dinhdanh.demo!.portal.redirectUri,
      response_type: 'code',
      scope: 'openid personal_id',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    assert.equal(response.status, 303);
    assert.match(response.headers.location!, /error=invalid_scope/);
  });

  it('gives the personal identification number only through its scope, named on the consent page', async () => {
    const { consentPage, userinfo } = await signInAs(TAX.clientId, TAX.secret, 'openid profile personal_id');
    assert.match(consentPage, /Số định danh cá nhân \(12 chữ số\)/);
    assert.match(consentPage, /<img class="client-logo" src="https:\/\/thue\.example\.gov\.vn\/logo\.png" alt=""/, 'the registered logo');
    assert.equal(userinfo.personal_id, BINH.personalId);
    const withoutScope = await signInAs(TAX.clientId, TAX.secret, 'openid profile');
    assert.equal(withoutScope.userinfo.personal_id, undefined);
    assert.doesNotMatch(withoutScope.consentPage, /12 chữ số/);
  });

  it('refuses a claims parameter asking for a claim outside the registration, and lists claims asked by name on the consent page', async () => {
    const outside = await app.agent().get('/auth').query({
      client_id: 'demo-portal',
      redirect_uri: app.dinhdanh.demo!.portal.redirectUri,
      response_type: 'code',
      scope: 'openid profile',
      claims: JSON.stringify({ id_token: { personal_id: { essential: true } } }),
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    const error = new URL(outside.headers.location!);
    assert.equal(error.searchParams.get('error'), 'invalid_request');
    assert.match(error.searchParams.get('error_description')!, /personal_id is not among the claims this client is registered for/);

    // phone_number is within the portal's registration (phone scope) but not in the requested scopes: asked by
    // name, it is shown on the consent page like its scope, then released; address, not asked, is not.
    const claims = JSON.stringify({ id_token: { acr: null }, userinfo: { phone_number: null } });
    const { consentPage, idToken, userinfo } = await signInAs('demo-portal', app.dinhdanh.demo!.portal.clientSecret, 'openid profile', { claims });
    assert.match(consentPage, /Số điện thoại di động đã xác minh/);
    assert.equal(userinfo.phone_number, '+84912000002');
    assert.equal(userinfo.address, undefined);
    assert.equal(userinfo.name, 'Trần Thị Bình');
    assert.ok(idToken.acr, 'claims about the sign-in itself may be asked for');

    // A relying party registered for personal_id, with the scope shown, may ask it in the ID token.
    const tax = await signInAs(TAX.clientId, TAX.secret, 'openid personal_id', { claims: JSON.stringify({ id_token: { personal_id: { essential: true } } }) });
    assert.equal(tax.idToken.personal_id, BINH.personalId);
  });

  it('gives each sector its own stable sub (pairwise by default), and the account id only to an explicitly public client', async () => {
    const account = (await app.dinhdanh.stores.accounts.findByPersonalId(BINH.personalId))!;
    const portalSecret = app.dinhdanh.demo!.portal.clientSecret;
    const first = (await signInAs('demo-portal', portalSecret, 'openid')).idToken.sub;
    const again = (await signInAs('demo-portal', portalSecret, 'openid')).idToken.sub;
    const sameSector = (await signInAs(TAX.clientId, TAX.secret, 'openid')).idToken.sub;
    const otherSector = (await signInAs('health-portal', TAX.secret, 'openid')).idToken.sub;
    const publicSub = (await signInAs('public-sub-portal', TAX.secret, 'openid')).idToken.sub;
    assert.equal(again, first, 'stable within a relying party');
    assert.equal(sameSector, first, 'the same sector (redirect host) gets the same sub');
    assert.notEqual(otherSector, first, 'another sector gets another sub');
    assert.ok(![first, otherSector].includes(account.id), 'a pairwise sub is not the account id');
    assert.equal(publicSub, account.id, 'public only by explicit registration');
  });

  it('skips the consent page for a portal registered with a legal basis, and records that basis for the citizen', async () => {
    const agent = app.agent();
    const started = await startAuthorization(app, agent, { clientId: 'insurance-portal', scope: 'openid profile' });
    const login = await submitLogin(agent, started.interactionPath, BINH.personalId, BINH.password);
    const callback = await followToClient(app, agent, login.headers.location!);
    assert.ok(callback.searchParams.get('code'), 'no consent page on the way');
    const account = (await app.dinhdanh.stores.accounts.findByPersonalId(BINH.personalId))!;
    const consent = (await app.dinhdanh.stores.consents.listForAccount(account.id)).find((entry) => entry.clientId === 'insurance-portal');
    assert.deepEqual([consent?.basis, consent?.legalBasis, consent?.scope], ['legal_basis', 'Luật Bảo hiểm xã hội 2024, Điều 22', 'openid profile']);
    const ordinary = (await app.dinhdanh.stores.consents.listForAccount(account.id)).find((entry) => entry.clientId === TAX.clientId);
    assert.equal(ordinary?.basis, 'consent');
  });
});
