/**
 * examples/bank end to end (relying-parties issue, point 8): the example bank, registered as
 * examples/bank/registration.json, signs customers in with the real DinhDanh over HTTP under the FAPI 2.0
 * Security Profile (PAR + private_key_jwt + DPoP, with openid-client) and with CIBA on the customer's phone.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generateSync } from 'otplib';
import supertest from 'supertest';

import { createBankApp, LEVEL_2 } from '../../examples/bank/server.ts';
import { demoCitizens } from '../../src/demo/citizens.ts';
import { validateRelyingPartyMetadata } from '../../src/relying-parties/metadata.ts';
import { addPasskey, signInToAccountArea } from '../helpers/account-area.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { csrfFrom, type Agent } from '../helpers/login-flow.ts';
import { SoftwareAuthenticator } from '../helpers/software-authenticator.ts';
import { CitizenBrowser, type Page } from './citizen-browser.ts';
import { startExample, type RunningExample } from './example-server.ts';
import { examplesDir } from '../../src/demo/example-relying-parties.ts';
import { localRegistration, registerExample } from './local-registration.ts';

const AN = demoCitizens[0]!; // level-2 account, authenticator app
const BINH = demoCitizens[1]!; // level-1 account

describe('examples/bank: a bank signing customers in with DinhDanh (FAPI 2.0, CIBA)', function () {
  let app: TestApp;
  let bank: RunningExample;
  const stopPolling = new AbortController();
  let now = Date.now();
  const nextAppCode = (citizen = AN) => {
    now += 31_000; // each authenticator-app code is accepted once (RFC 6238 §5.2)
    return generateSync({ secret: citizen.totpSecret!, epoch: Math.floor(now / 1000) });
  };

  before(async () => {
    app = await startTestApp({}, { clock: () => now });
    bank = await startExample((publicUrl, clientKey) =>
      createBankApp({ issuer: new URL(app.issuer), clientId: 'example-bank', publicUrl, clientKey, cookieKeys: ['test-cookie-key'], allowHttpIssuer: true, signal: stopPolling.signal }),
    );
    await registerExample(app.dinhdanh.stores.relyingParties, localRegistration('bank', bank.url, bank.clientKey.publicJwk));
  });
  after(async () => {
    stopPolling.abort();
    await bank?.close();
    await app?.close();
  });

  const browser = () => new CitizenBrowser({ [app.issuer]: app.server, [bank.url.origin]: bank.server });
  const onBank = (page: Page) => page.url.origin === bank.url.origin;
  const field = (page: Page, id: string) => new RegExp(`<dd id="${id}">([^<]*(?:<code>[^<]*</code>[^<]*)?)</dd>`).exec(page.text)?.[1]?.replace(/<\/?code>/g, '');

  /** DinhDanh's pages from the login form back to the bank: password, app code, consent (banks always ask). */
  async function customerSignsIn(citizen: typeof AN, customer: CitizenBrowser, loginPage: Page): Promise<Page> {
    let page = await customer.submit(loginPage, /\/login$/, { personalId: citizen.record.personalId, password: citizen.password });
    for (let step = 0; step < 5 && !onBank(page); step += 1) {
      if (/\/second-factor"/.test(page.text)) page = await customer.submit(page, /\/second-factor$/, { code: nextAppCode(citizen) });
      else if (/\/consent"/.test(page.text)) page = await customer.submit(page, /\/consent$/);
      else return page;
    }
    return page;
  }

  /** The bank's "sign in on your phone" form, then its waiting page. */
  async function bankAsksThePhone(customer: CitizenBrowser, personalId: string): Promise<Page> {
    return customer.submit(await customer.open(bank.url), /^\/ciba$/, { personalId });
  }

  /** The customer's browser waits on the bank's page (it refreshes itself) until the bank has an answer. */
  async function waitOnBank(customer: CitizenBrowser, timeoutMs = 20_000): Promise<Page> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const page = await customer.open(new URL('/ciba', bank.url));
      if (page.url.pathname === '/') return page;
      assert.ok(Date.now() < deadline, `still waiting: ${page.text.slice(0, 300)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  it('signs a customer in with PAR, private_key_jwt and DPoP-bound tokens: level 2, name and personal_id', async () => {
    const customer = browser();
    const login = await customer.open(new URL('/login', bank.url));
    assert.match(login.text, /name="personalId"/, 'at DinhDanh');
    // RFC 9126 §4: the front channel carries only the client id and the request_uri; the rest was pushed.
    const authorization = customer.history.find((url) => url.pathname === '/auth')!;
    assert.deepEqual([...authorization.searchParams.keys()].sort(), ['client_id', 'request_uri']);
    assert.match(authorization.searchParams.get('request_uri')!, /^urn:ietf:params:oauth:request_uri:/);

    const signedIn = await customerSignsIn(AN, customer, login);
    assert.equal(signedIn.url.href, bank.url.href, signedIn.text.slice(0, 500));
    assert.equal(field(signedIn, 'name'), 'Nguyễn Văn An');
    assert.equal(field(signedIn, 'personal-id'), AN.record.personalId);
    assert.equal(field(signedIn, 'acr'), LEVEL_2);
    assert.match(field(signedIn, 'via')!, /in this browser, with DPoP-bound tokens/);
    assert.equal(customer.history.find((url) => url.pathname === '/callback')!.searchParams.get('iss'), app.issuer, 'RFC 9207');
  });

  it('sends a level-1 citizen back to the bank with unmet_authentication_requirements', async () => {
    const customer = browser();
    const unmet = await customer.submit(await customer.open(new URL('/login', bank.url)), /\/login$/, { personalId: BINH.record.personalId, password: BINH.password });
    assert.equal(unmet.status, 403);
    const back = await customer.submit(unmet, /\/unmet$/);
    assert.ok(onBank(back));
    assert.match(back.text, /<code>unmet_authentication_requirements<\/code>/);
    assert.doesNotMatch(back.text, /Welcome/);
  });

  describe('CIBA: the customer confirms on the phone', () => {
    let anPhone: Agent;
    const passkey = new SoftwareAuthenticator();

    before(async () => {
      // CIBA Core §4: the provider advertises its backchannel authentication endpoint in discovery.
      const discovery = await app.agent().get('/.well-known/openid-configuration');
      assert.equal(discovery.body.backchannel_authentication_endpoint, `${app.issuer}/backchannel`);
      // An's phone: DinhDanh's account area, signed in, with a passkey (what approves a bank's request).
      anPhone = app.agent();
      await signInToAccountArea(app, anPhone, AN, nextAppCode);
      await addPasskey(app, anPhone, passkey, 'Phone');
    });

    /** On the phone: the waiting request that shows `bindingMessage`, by its id on the approvals page. */
    async function requestOnPhone(bindingMessage: string) {
      const page = await anPhone.get('/account/approvals?lang=en');
      // One card per waiting request: <section class="card" aria-labelledby="request-<auth_req_id>">.
      const card = page.text.split('<section class="card"').slice(1).find((markup) => markup.includes(bindingMessage));
      assert.ok(card, `the phone shows the same code: ${page.text.slice(0, 1500)}`);
      assert.match(card, /Example bank asks you to confirm a sign-in/);
      return { id: /aria-labelledby="request-([^"]+)"/.exec(card)![1]!, csrf: csrfFrom(page.text) };
    }

    it('signs the customer in after approval with a passkey: level 2, DPoP-bound tokens, the same sub as in the browser', async function () {
      this.timeout(60_000); // openid-client polls every 5 s (CIBA Core §7.3 default interval)
      const customer = browser();
      const inBrowser = await customerSignsIn(AN, customer, await customer.open(new URL('/login', bank.url)));
      await customer.submit(inBrowser, /^\/logout$/);

      const waiting = await bankAsksThePhone(customer, AN.record.personalId);
      assert.equal(waiting.url.pathname, '/ciba');
      const bindingMessage = /<p id="binding-message"><strong>([^<]+)<\/strong>/.exec(waiting.text)![1]!;
      assert.match(bindingMessage, /^Mã GD \d{4}$/);

      const { id, csrf } = await requestOnPhone(bindingMessage);
      const options = await anPhone.post(`/account/approvals/${id}/options`).type('form').send({ csrf });
      assert.equal(options.status, 200, options.text);
      const approved = await anPhone.post(`/account/approvals/${id}?lang=en`).type('form').send({ csrf, response: JSON.stringify(await passkey.authenticate(options.body, app.issuer)) });
      assert.match(approved.text, /Confirmed\. Example bank will continue\./);

      const signedIn = await waitOnBank(customer);
      assert.equal(field(signedIn, 'name'), 'Nguyễn Văn An', signedIn.text.slice(0, 800));
      assert.equal(field(signedIn, 'personal-id'), AN.record.personalId);
      assert.equal(field(signedIn, 'acr'), LEVEL_2);
      assert.match(field(signedIn, 'amr')!, /hwk/);
      assert.match(field(signedIn, 'via')!, /on the phone \(CIBA\), with DPoP-bound tokens/);
      assert.equal(field(signedIn, 'sub'), field(inBrowser, 'sub'), 'one customer, one sub at this bank, whichever flow');
    });

    it('tells the bank access_denied when the customer declines on the phone', async function () {
      this.timeout(60_000);
      const customer = browser();
      const waiting = await bankAsksThePhone(customer, AN.record.personalId);
      const { id, csrf } = await requestOnPhone(/<strong>([^<]+)<\/strong>/.exec(waiting.text)![1]!);
      await anPhone.post(`/account/approvals/${id}/decline`).type('form').send({ csrf });
      const answer = await waitOnBank(customer);
      assert.match(answer.text, /The sign-in was declined\.[^<]*<code>access_denied<\/code>/);
      assert.doesNotMatch(answer.text, /Welcome/);
    });

    it('answers at once for a number without an account (unknown_user_id) or that is not 12 digits', async () => {
      const unknown = await bankAsksThePhone(browser(), '001099999999');
      assert.match(unknown.text, /<code>unknown_user_id<\/code>/);
      const malformed = await bankAsksThePhone(browser(), '12345');
      assert.match(malformed.text, /<code>invalid_personal_id<\/code>/);
    });
  });

  it('publishes only the public half of its ES256 key at /jwks.json, its registered jwksUri', async () => {
    const jwks = await supertest(bank.server).get('/jwks.json');
    assert.deepEqual(Object.keys(jwks.body.keys[0]).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    const registered = await app.dinhdanh.stores.relyingParties.findByClientId('example-bank');
    assert.equal(registered!.jwksUri, new URL('/jwks.json', bank.url).href);
  });

  it('ships a registration file the registry accepts under the production rules (bank, level 2, CIBA)', () => {
    const validation = validateRelyingPartyMetadata(JSON.parse(readFileSync(new URL('bank/registration.json', examplesDir), 'utf8')), { production: true });
    assert.ok(validation.ok, JSON.stringify(validation));
    assert.equal(validation.metadata.profile, 'bank');
    assert.equal(validation.metadata.ciba, true);
  });
});
