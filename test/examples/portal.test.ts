/**
 * examples/portal end to end (relying-parties issue, point 8): the example portal, registered as
 * examples/portal/registration.json, signs citizens in with the real DinhDanh over HTTP — code flow + PKCE
 * with openid-client and private_key_jwt — and the citizen's browser is played across both sites.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateSync } from 'otplib';
import supertest from 'supertest';

import { loadOrCreateClientKey } from '../../examples/shared/client-key.ts';
import { SettingsError, settingsFromEnvironment } from '../../examples/shared/settings.ts';
import { createPortalApp, LEVEL_1, LEVEL_2 } from '../../examples/portal/server.ts';
import { demoCitizens } from '../../src/demo/citizens.ts';
import { validateRelyingPartyMetadata } from '../../src/relying-parties/metadata.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { CitizenBrowser, type Page } from './citizen-browser.ts';
import { startExample, type RunningExample } from './example-server.ts';
import { examplesDir } from '../../src/demo/example-relying-parties.ts';
import { localRegistration, registerExample } from './local-registration.ts';

const AN = demoCitizens[0]!; // level-2 account, authenticator app
const BINH = demoCitizens[1]!; // level-1 account

describe('examples/portal: a public-service portal signing citizens in with DinhDanh', function () {
  let app: TestApp;
  let portal: RunningExample;
  let now = Date.now();

  before(async () => {
    app = await startTestApp({}, { clock: () => now });
    portal = await startExample((publicUrl, clientKey) =>
      createPortalApp({ issuer: new URL(app.issuer), clientId: 'example-portal', publicUrl, clientKey, cookieKeys: ['test-cookie-key'], allowHttpIssuer: true }),
    );
    await registerExample(app.dinhdanh.stores.relyingParties, localRegistration('portal', portal.url, portal.clientKey.publicJwk));
  });
  after(async () => {
    await portal?.close();
    await app?.close();
  });

  const browser = () => new CitizenBrowser({ [app.issuer]: app.server, [portal.url.origin]: portal.server });
  const onPortal = (page: Page) => page.url.origin === portal.url.origin;
  const field = (page: Page, id: string) => new RegExp(`<dd id="${id}">([^<]*(?:<code>[^<]*</code>[^<]*)?)</dd>`).exec(page.text)?.[1]?.replace(/<\/?code>/g, '');

  /** DinhDanh's pages, from the login form to the redirect back to the portal: password, app code if asked, consent. */
  async function citizenSignsIn(citizen: typeof AN, browserOf: CitizenBrowser, loginPage: Page): Promise<Page> {
    let page = await browserOf.submit(loginPage, /\/login$/, { personalId: citizen.record.personalId, password: citizen.password });
    for (let step = 0; step < 5 && !onPortal(page); step += 1) {
      if (/\/second-factor"/.test(page.text)) {
        now += 31_000; // each authenticator-app code is accepted once (RFC 6238 §5.2)
        page = await browserOf.submit(page, /\/second-factor$/, { code: generateSync({ secret: citizen.totpSecret!, epoch: Math.floor(now / 1000) }) });
      } else if (/\/consent"/.test(page.text)) {
        page = await browserOf.submit(page, /\/consent$/);
      } else {
        return page;
      }
    }
    return page;
  }

  it('signs a citizen in with code flow + PKCE S256, state and nonce, and shows the verified name, acr and amr', async () => {
    const citizen = browser();
    const home = await citizen.open(portal.url);
    assert.match(home.text, /Sign in with DinhDanh/);

    const login = await citizen.open(new URL('/login', portal.url));
    assert.equal(login.url.origin, new URL(app.issuer).origin, 'sent to DinhDanh');
    assert.match(login.text, /name="personalId"/);
    const authorization = citizen.history.find((url) => url.pathname === '/auth')!;
    assert.equal(authorization.searchParams.get('client_id'), 'example-portal');
    assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorization.searchParams.get('redirect_uri'), new URL('/callback', portal.url).href);
    for (const parameter of ['code_challenge', 'state', 'nonce']) assert.ok(authorization.searchParams.get(parameter), parameter);
    assert.equal(authorization.searchParams.get('acr_values'), null, 'no level asked for by default');

    const signedIn = await citizenSignsIn(BINH, citizen, login);
    assert.equal(signedIn.url.href, portal.url.href, signedIn.text.slice(0, 500));
    assert.equal(field(signedIn, 'name'), 'Trần Thị Bình');
    assert.match(field(signedIn, 'acr')!, new RegExp(`^${LEVEL_1} \\(level 1\\)`));
    assert.equal(field(signedIn, 'amr'), 'pwd');
    const callback = citizen.history.find((url) => url.pathname === '/callback')!;
    assert.equal(callback.searchParams.get('iss'), app.issuer, 'RFC 9207: the response names its issuer');

    // Pairwise: the portal's sub is neither the account id nor the personal identification number.
    const account = await app.dinhdanh.stores.accounts.findByPersonalId(BINH.record.personalId);
    assert.notEqual(field(signedIn, 'sub'), account!.id);
    assert.doesNotMatch(signedIn.text, new RegExp(BINH.record.personalId));
  });

  it('keeps a level-1 citizen signed in at level 1 when "require level 2" ends in unmet_authentication_requirements', async () => {
    const citizen = browser();
    await citizenSignsIn(BINH, citizen, await citizen.open(new URL('/login', portal.url)));

    const unmet = await citizen.open(new URL('/login?level=2', portal.url));
    assert.equal(citizen.history.findLast((url) => url.pathname === '/auth')!.searchParams.get('acr_values'), LEVEL_2);
    assert.equal(unmet.status, 403, unmet.text.slice(0, 300));
    const back = await citizen.submit(unmet, /\/unmet$/);
    assert.ok(onPortal(back));
    assert.match(back.text, /role="alert">This service needs a level-2 DinhDanh account\.[^<]*<code>unmet_authentication_requirements<\/code>/);
    assert.equal(field(back, 'name'), 'Trần Thị Bình', 'still signed in');
    assert.match(field(back, 'acr')!, new RegExp(`^${LEVEL_1}`));
  });

  it('steps a level-2 citizen up with the authenticator app when level 2 is required: acr level 2', async () => {
    const citizen = browser();
    const login = await citizen.open(new URL('/login?level=2', portal.url));
    const signedIn = await citizenSignsIn(AN, citizen, login);
    assert.ok(onPortal(signedIn), signedIn.text.slice(0, 500));
    assert.equal(field(signedIn, 'name'), 'Nguyễn Văn An');
    assert.match(field(signedIn, 'acr')!, new RegExp(`^${LEVEL_2} \\(level 2\\)`));
    assert.match(field(signedIn, 'amr')!, /\bpwd\b.*\bmfa\b/);
    assert.doesNotMatch(signedIn.text, /Require level 2/, 'nothing left to step up to');
  });

  it('signs out at the portal and at DinhDanh (RP-initiated logout with id_token_hint), back on the portal', async () => {
    const citizen = browser();
    const signedIn = await citizenSignsIn(BINH, citizen, await citizen.open(new URL('/login', portal.url)));

    const confirm = await citizen.submit(signedIn, /^\/logout$/);
    const endSession = citizen.history.findLast((url) => url.pathname === '/session/end')!;
    assert.ok(endSession.searchParams.get('id_token_hint'), 'id_token_hint');
    assert.equal(endSession.searchParams.get('post_logout_redirect_uri'), portal.url.href);
    assert.equal(confirm.status, 200);

    const back = await citizen.submit(confirm, /\/session\/end\/confirm$/, { logout: 'yes' });
    assert.equal(back.url.href, portal.url.href);
    assert.match(back.text, /Sign in with DinhDanh/, 'signed out of the portal');
    const again = await citizen.open(new URL('/login', portal.url));
    assert.match(again.text, /name="password"/, 'and out of DinhDanh: the password is asked again');
  });

  it('refuses a sign-out posted from another site (Origin check)', async () => {
    const citizen = browser();
    const signedIn = await citizenSignsIn(BINH, citizen, await citizen.open(new URL('/login', portal.url)));
    const forged = await citizen.submit(signedIn, /^\/logout$/, {}, { origin: 'https://attacker.example' });
    assert.equal(forged.status, 403);
    assert.equal(field(await citizen.open(portal.url), 'name'), 'Trần Thị Bình', 'still signed in');
  });

  it('publishes only the public half of its ES256 key at /jwks.json, its registered jwksUri; no shared secret exists', async () => {
    const jwks = await supertest(portal.server).get('/jwks.json');
    assert.equal(jwks.status, 200);
    assert.deepEqual(Object.keys(jwks.body.keys[0]).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    assert.equal(jwks.body.keys[0].alg, 'ES256');
    const registered = await app.dinhdanh.stores.relyingParties.findByClientId('example-portal');
    assert.equal(registered!.tokenEndpointAuthMethod, 'private_key_jwt');
    assert.equal(registered!.clientSecret, undefined);
    assert.equal(registered!.jwksUri, new URL('/jwks.json', portal.url).href);
  });

  it('ships a registration file the registry accepts under the production rules', () => {
    const file = JSON.parse(readFileSync(new URL('portal/registration.json', examplesDir), 'utf8'));
    const validation = validateRelyingPartyMetadata(file, { production: true });
    assert.ok(validation.ok, JSON.stringify(validation));
    assert.equal(validation.metadata.subjectType, 'pairwise');
  });
});

describe('examples: settings and client key', () => {
  const defaults = { port: 4000, clientId: 'example-portal', clientKeyFile: '/tmp/key.json' };

  it('defaults to DinhDanh at http://localhost:3000, port 4000 and the registered client id', () => {
    const settings = settingsFromEnvironment({}, defaults);
    assert.equal(settings.issuer.href, 'http://localhost:3000/');
    assert.equal(settings.port, 4000);
    assert.equal(settings.publicUrl.href, 'http://localhost:4000/');
    assert.equal(settings.clientId, 'example-portal');
    assert.equal(settings.allowHttpIssuer, true);
    assert.equal(settingsFromEnvironment({ ISSUER: 'https://dinhdanh.example.gov.vn', PORT: '8080', CLIENT_ID: 'thue' }, defaults).allowHttpIssuer, false);
  });

  it('refuses http outside localhost, http in production, and production without cookie keys, naming each variable', () => {
    assert.throws(() => settingsFromEnvironment({ ISSUER: 'http://dinhdanh.example.gov.vn' }, defaults), (error: SettingsError) => /^ISSUER=.*must use https/.test(error.problems[0]!));
    assert.throws(
      () => settingsFromEnvironment({ NODE_ENV: 'production', ISSUER: 'https://dinhdanh.example.gov.vn' }, defaults),
      (error: SettingsError) => error.problems.some((problem) => problem.startsWith('PUBLIC_URL=')) && error.problems.some((problem) => problem.startsWith('COOKIE_KEYS:')),
    );
    assert.throws(() => settingsFromEnvironment({ PUBLIC_URL: 'http://localhost:4000/portal' }, defaults), (error: SettingsError) => /must be an origin/.test(error.problems[0]!));
  });

  it('creates its ES256 key at first start in an owner-only file, reuses it after, and never creates one in production', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dinhdanh-example-key-test-'));
    try {
      const file = path.join(dir, '.keys', 'client-key.json');
      await assert.rejects(loadOrCreateClientKey(file, { mayCreate: false }), /ENOENT/);
      const first = await loadOrCreateClientKey(file, { mayCreate: true });
      assert.equal(first.created, true);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const second = await loadOrCreateClientKey(file, { mayCreate: true });
      assert.equal(second.created, false);
      assert.equal(second.key.kid, first.key.kid);
      assert.equal('d' in second.key.publicJwk, false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
