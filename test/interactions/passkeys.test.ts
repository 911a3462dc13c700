/**
 * Passkeys and the account area over HTTP (authenticators issue, points 1, 4 and 8), on the embedded default
 * and on Redis + a MongoDB-protocol server. A software authenticator (test/helpers/software-authenticator.ts)
 * plays the phone; the server verifies its responses with @simplewebauthn/server as it would a real one.
 */
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { generateSync } from 'otplib';
import QRCode from 'qrcode';

import type { PasskeyCredential } from '../../src/accounts/credentials.ts';
import { demoCitizens } from '../../src/demo/citizens.ts';
import { backends, startTestAppOn, type TestApp } from '../helpers/app.ts';
import { csrfFrom, exchangeCode, followToClient, pathOf, startAuthorization, submitLogin, type Agent } from '../helpers/login-flow.ts';
import { SoftwareAuthenticator } from '../helpers/software-authenticator.ts';
import { addPasskey as addPasskeyTo, passkeySignIn as passkeySignInAt, signInToAccountArea as signInToAccountAreaOf } from '../helpers/account-area.ts';

const AN = demoCitizens[0]!; // level-2 account with an authenticator app
const BINH = demoCitizens[1]!; // level-1 account
const CUONG = demoCitizens[2]!;
const LEVEL_1 = 'urn:dinhdanh:loa:1';
const LEVEL_2 = 'urn:dinhdanh:loa:2';

for (const backend of backends) {
  describe(`passkeys and the account area (${backend})`, function () {
    let app: TestApp;
    let now = Date.now();
    /** Each authenticator-app code is accepted once per 30-second step: move on before each one. */
    const nextAppCode = (secret = AN.totpSecret!) => {
      now += 31_000;
      return generateSync({ secret, epoch: Math.floor(now / 1000) });
    };

    before(async function () {
      app = await startTestAppOn(backend, this, { TRUST_PROXY: 'true' }, { clock: () => now });
    });
    after(async () => app?.close());

    const accountOf = async (personalId: string) => (await app.dinhdanh.stores.accounts.findByPersonalId(personalId))!;
    const passkeysOf = async (personalId: string) => (await app.dinhdanh.stores.credentials.listForAccount((await accountOf(personalId)).id, 'passkey')) as PasskeyCredential[];

    const signInToAccountArea = (agent: Agent, citizen: (typeof demoCitizens)[number], totpSecret?: string) => signInToAccountAreaOf(app, agent, citizen, () => nextAppCode(totpSecret));
    const addPasskey = (agent: Agent, authenticator: SoftwareAuthenticator, name?: string) => addPasskeyTo(app, agent, authenticator, name);
    const passkeySignIn = (agent: Agent, authenticator: SoftwareAuthenticator, extra?: Record<string, string>) => passkeySignInAt(app, agent, authenticator, extra);

    async function idTokenAfter(agent: Agent, location: string, verifier: string) {
      const callback = await followToClient(app, agent, location);
      const token = await exchangeCode(app, agent, callback.searchParams.get('code')!, verifier);
      assert.equal(token.status, 200, token.text);
      return decodeJwt(token.body.id_token);
    }

    it('adds a passkey in the account area (level 2 reached first) and signs in with it, usernameless, at level 2', async () => {
      const agent = app.agent();
      const overview = await signInToAccountArea(agent, AN);
      assert.match(overview.text, /tài khoản mức 2/);
      const events = await app.dinhdanh.stores.audit.list({ type: 'account_area.signed_in', accountId: (await accountOf(AN.record.personalId)).id });
      assert.equal(events[0]?.details?.level, 2, 'a level-2 account manages its factors at level 2');

      const authenticator = new SoftwareAuthenticator();
      const { options, result } = await addPasskey(agent, authenticator, 'Điện thoại của tôi');
      assert.equal(options.authenticatorSelection.residentKey, 'required');
      assert.equal(options.authenticatorSelection.userVerification, 'required');
      assert.equal(options.rp.id, '127.0.0.1');
      assert.doesNotMatch(Buffer.from(options.user.id, 'base64url').toString(), /\d{12}/, 'the user handle is not the ID number');
      assert.equal(result.status, 200, result.text);
      assert.match(result.text, /Passkey &#34;Điện thoại của tôi&#34; added\./);
      const [stored] = await passkeysOf(AN.record.personalId);
      assert.equal(stored?.counter, 0);
      assert.equal(stored?.deviceType, 'singleDevice');
      assert.equal(stored?.backedUp, false);
      assert.equal((await app.dinhdanh.stores.audit.list({ type: 'authenticator.added' }))[0]?.details?.kind, 'passkey');

      const signIn = await passkeySignIn(app.agent(), authenticator, { acr_values: LEVEL_2 });
      assert.equal(signIn.options.allowCredentials?.length ?? 0, 0, 'usernameless: no credential list');
      assert.equal(signIn.options.userVerification, 'required');
      assert.equal(signIn.result.status, 303, signIn.result.text);
    });

    it('gives acr level 2, amr hwk + user + mfa and auth_time in the ID token of a passkey sign-in, and counts the use', async () => {
      const authenticator = new SoftwareAuthenticator();
      await addPasskey(await signedInAccountArea(AN), authenticator);
      const agent = app.agent();
      const signIn = await passkeySignIn(agent, authenticator, { acr_values: LEVEL_2 });
      assert.equal(signIn.result.status, 303, signIn.result.text);
      const claims = await idTokenAfter(agent, signIn.result.headers.location!, signIn.pkce.verifier);
      assert.equal(claims.acr, LEVEL_2);
      assert.deepEqual(claims.amr, ['hwk', 'user', 'mfa']);
      assert.equal(claims.auth_time, Math.floor(now / 1000));
      const used = (await passkeysOf(AN.record.personalId)).find((passkey) => passkey.credentialId === authenticator.credentials[0]!.id)!;
      assert.equal(used.counter, 1);
      assert.ok(used.lastUsedAt);
    });

    async function signedInAccountArea(citizen: (typeof demoCitizens)[number]) {
      const agent = app.agent();
      await signInToAccountArea(agent, citizen);
      return agent;
    }

    it('calls a synced passkey swk', async () => {
      const authenticator = new SoftwareAuthenticator({ backupEligible: true });
      await addPasskey(await signedInAccountArea(AN), authenticator, 'Synced');
      const agent = app.agent();
      const signIn = await passkeySignIn(agent, authenticator);
      const claims = await idTokenAfter(agent, signIn.result.headers.location!, signIn.pkce.verifier);
      assert.deepEqual(claims.amr, ['swk', 'user', 'mfa']);
      const stored = (await passkeysOf(AN.record.personalId)).find((passkey) => passkey.name === 'Synced')!;
      assert.equal(stored.deviceType, 'multiDevice');
      assert.equal(stored.backedUp, true);
    });

    it('refuses a replayed response, no user verification, a counter that went backwards and a tampered response', async () => {
      const authenticator = new SoftwareAuthenticator();
      await addPasskey(await signedInAccountArea(AN), authenticator);
      const first = await passkeySignIn(app.agent(), authenticator);
      assert.equal(first.result.status, 303);

      // The same response in another interaction: its challenge was taken.
      const agent = app.agent();
      const started = await startAuthorization(app, agent);
      const csrf = csrfFrom((await agent.get(started.interactionPath)).text);
      const replay = await agent.post(`${started.interactionPath}/passkey?lang=en`).type('form').send({ csrf, response: JSON.stringify(first.response) });
      assert.equal(replay.status, 400);
      assert.match(replay.text, /This passkey could not be used/);

      const withoutVerification = new SoftwareAuthenticator({ userVerification: false });
      withoutVerification.credentials.push(...authenticator.credentials);
      assert.equal((await passkeySignIn(app.agent(), withoutVerification)).result.status, 400, 'user verification is required');

      authenticator.setCounter(authenticator.credentials[0]!.id, 0);
      assert.equal((await passkeySignIn(app.agent(), authenticator)).result.status, 400, 'a counter that did not grow (a cloned authenticator?)');

      const tampered = await startAuthorization(app, agent);
      const tamperedCsrf = csrfFrom((await agent.get(tampered.interactionPath)).text);
      const options = await agent.post(`${tampered.interactionPath}/passkey/options`).type('form').send({ csrf: tamperedCsrf });
      const response = await authenticator.authenticate(options.body, 'http://evil.example');
      const wrongOrigin = await agent.post(`${tampered.interactionPath}/passkey?lang=en`).type('form').send({ csrf: tamperedCsrf, response: JSON.stringify(response) });
      assert.equal(wrongOrigin.status, 400, 'another origin (phishing)');
      const garbage = await agent.post(`${tampered.interactionPath}/passkey?lang=en`).type('form').send({ csrf: tamperedCsrf, response: '{"id":1}' });
      assert.equal(garbage.status, 400);
      assert.match(garbage.text, /This passkey could not be used/);
      const noCsrf = await agent.post(`${tampered.interactionPath}/passkey`).type('form').send({ response: JSON.stringify(response) });
      assert.equal(noCsrf.status, 403);

      const failures = await app.dinhdanh.stores.audit.list({ type: 'login.failed' });
      assert.ok(failures.filter((event) => event.details?.method === 'passkey').length >= 4);
    });

    it('refuses registration without user verification and the same authenticator twice', async () => {
      const agent = await signedInAccountArea(AN);
      const before = (await passkeysOf(AN.record.personalId)).length;
      const noUv = await addPasskey(agent, new SoftwareAuthenticator({ userVerification: false }));
      assert.equal(noUv.result.status, 400);
      assert.match(noUv.result.text, /The passkey could not be created/);
      const authenticator = new SoftwareAuthenticator();
      await addPasskey(agent, authenticator);
      const { options } = await addPasskey(agent, new SoftwareAuthenticator());
      assert.ok(options.excludeCredentials.some((credential: { id: string }) => credential.id === authenticator.credentials[0]!.id), 'registered passkeys are excluded');
      assert.equal((await passkeysOf(AN.record.personalId)).length, before + 2);
    });

    it('offers the passkey as the second factor of a password sign-in (step-up), limited to that account', async () => {
      const authenticator = new SoftwareAuthenticator();
      await addPasskey(await signedInAccountArea(AN), authenticator);
      const agent = app.agent();
      const started = await startAuthorization(app, agent, { extra: { acr_values: LEVEL_2 } });
      const page = await submitLogin(agent, started.interactionPath, AN.record.personalId, AN.password);
      assert.match(page.text, /data-passkey="authenticate"/, 'the second-factor page offers the passkey');
      const csrf = csrfFrom(page.text);
      const options = await agent.post(`${started.interactionPath}/passkey/options`).type('form').send({ csrf });
      const anPasskeys = (await passkeysOf(AN.record.personalId)).map((passkey) => passkey.credentialId).sort();
      assert.deepEqual(options.body.allowCredentials.map((credential: { id: string }) => credential.id).sort(), anPasskeys);
      const response = await authenticator.authenticate(options.body, app.issuer);
      const result = await agent.post(`${started.interactionPath}/passkey`).type('form').send({ csrf, response: JSON.stringify(response) });
      assert.equal(result.status, 303, result.text);
      const claims = await idTokenAfter(agent, result.headers.location!, started.pkce.verifier);
      assert.equal(claims.acr, LEVEL_2);
      assert.deepEqual(claims.amr, ['pwd', 'hwk', 'user', 'mfa']);
    });

    it("signs a level-1 account's passkey in at level 1, and shows the unmet page when level 2 is asked", async () => {
      const authenticator = new SoftwareAuthenticator();
      const agent = await signedInAccountArea(BINH);
      assert.equal((await addPasskey(agent, authenticator)).result.status, 200);
      const level1 = app.agent();
      const signIn = await passkeySignIn(level1, authenticator);
      const claims = await idTokenAfter(level1, signIn.result.headers.location!, signIn.pkce.verifier);
      assert.equal(claims.acr, LEVEL_1, 'a passkey does not raise the identity level');
      const unmet = await passkeySignIn(app.agent(), authenticator, { acr_values: LEVEL_2 });
      assert.equal(unmet.result.status, 403);
      assert.match(unmet.result.text, /level-2/);
    });

    it('still signs in with a passkey after 100 password failures locked the password', async () => {
      const authenticator = new SoftwareAuthenticator();
      await addPasskey(await signedInAccountArea(CUONG), authenticator);
      for (let failure = 0; failure < 100; failure += 1) {
        const agent = app.agent();
        const { interactionPath } = await startAuthorization(app, agent);
        const page = await agent.get(interactionPath);
        await agent.post(`${interactionPath}/login`).set('x-forwarded-for', `10.9.${failure}.1`).type('form').send({ personalId: CUONG.record.personalId, password: 'wrong password', csrf: csrfFrom(page.text) });
        now += 16 * 60_000; // past every delay
      }
      const agent = app.agent();
      const locked = await submitLogin(agent, (await startAuthorization(app, agent)).interactionPath, CUONG.record.personalId, CUONG.password);
      assert.equal(locked.status, 429, 'the password is locked');
      const signIn = await passkeySignIn(app.agent(), authenticator);
      assert.equal(signIn.result.status, 303, 'the passkey is not');
    });

    it('removes a passkey of ones own account only; a removed passkey no longer signs in', async () => {
      const authenticator = new SoftwareAuthenticator();
      const agent = await signedInAccountArea(BINH);
      await addPasskey(agent, authenticator, 'To remove');
      const stored = (await passkeysOf(BINH.record.personalId)).find((passkey) => passkey.name === 'To remove')!;
      const someoneElses = (await passkeysOf(AN.record.personalId))[0]!;
      const csrf = csrfFrom((await agent.get('/account')).text);

      const other = await agent.post('/account/passkeys/remove').type('form').send({ csrf, id: someoneElses.id });
      assert.equal(other.status, 404);
      assert.ok(await app.dinhdanh.stores.credentials.findById(someoneElses.id), "another account's passkey is untouched");
      assert.equal((await agent.post('/account/passkeys/remove').type('form').send({ csrf: 'forged', id: stored.id })).status, 403);

      const removed = await agent.post('/account/passkeys/remove?lang=en').type('form').send({ csrf, id: stored.id });
      assert.equal(removed.status, 200);
      assert.match(removed.text, /Passkey &#34;To remove&#34; removed\./);
      assert.equal(await app.dinhdanh.stores.credentials.findById(stored.id), undefined);
      const signIn = await passkeySignIn(app.agent(), authenticator);
      assert.equal(signIn.result.status, 400);
      assert.match(signIn.result.text, /no longer belongs to an account/);
    });

    it('sets up an authenticator app by QR code: the QR encodes the otpauth URI, a confirmation code is needed, the old app is replaced', async () => {
      const agent = await signedInAccountArea(AN);
      const account = await accountOf(AN.record.personalId);
      const [oldApp] = await app.dinhdanh.stores.credentials.listForAccount(account.id, 'totp');
      const setup = await agent.get('/account/authenticator?lang=en');
      assert.equal(setup.status, 200);
      const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(setup.text)![1]!.replace(/\s+/g, '');
      const uri = `otpauth://totp/DinhDanh:${AN.record.personalId}?secret=${secret}&issuer=DinhDanh`;
      const expectedQr = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      assert.ok(setup.text.includes(expectedQr), 'the QR code is the otpauth:// URI of the new secret');
      const csrf = csrfFrom(setup.text);

      const wrong = await agent.post('/account/authenticator?lang=en').type('form').send({ csrf, code: '12345' });
      assert.equal(wrong.status, 400);
      assert.match(wrong.text, /That code is not correct/);
      assert.ok(await app.dinhdanh.stores.credentials.findById(oldApp!.id), 'nothing replaced before confirmation');

      const code = nextAppCode(secret);
      const confirmed = await agent.post('/account/authenticator?lang=en').type('form').send({ csrf, code });
      assert.equal(confirmed.status, 200, confirmed.text);
      assert.match(confirmed.text, /Your authenticator app is ready/);
      const apps = await app.dinhdanh.stores.credentials.listForAccount(account.id, 'totp');
      assert.equal(apps.length, 1);
      assert.equal(apps[0]?.type === 'totp' && apps[0].confirmed, true);
      assert.notEqual(apps[0]?.id, oldApp!.id);

      // The code used to confirm cannot sign in again (its time step was accepted once).
      const signIn = app.agent();
      const started = await startAuthorization(app, signIn, { extra: { acr_values: LEVEL_2 } });
      const page = await submitLogin(signIn, started.interactionPath, AN.record.personalId, AN.password);
      const replay = await signIn.post(`${started.interactionPath}/second-factor?lang=en`).type('form').send({ code, csrf: csrfFrom(page.text) });
      assert.equal(replay.status, 400);
      assert.match(replay.text, /was just used/);

      // Put An's demo app back for the other tests.
      await app.dinhdanh.stores.credentials.delete(apps[0]!.id);
      await app.dinhdanh.stores.credentials.create({ id: oldApp!.id, accountId: account.id, type: 'totp', seed: AN.totpSecret!, confirmed: true });
    });

    it('redeems its authorization code once, and needs a session for every change', async () => {
      const agent = app.agent();
      let location = (await agent.get('/account/login')).headers.location!;
      let callback: string | undefined;
      for (let hop = 0; hop < 10 && !callback; hop += 1) {
        const path = pathOf(location, app.issuer);
        if (path.startsWith('/account/callback')) {
          callback = path;
          break;
        }
        const response = await agent.get(path);
        if (response.status === 200) location = (await agent.post(`${path}/login`).type('form').send({ personalId: BINH.record.personalId, password: BINH.password, csrf: csrfFrom(response.text) })).headers.location!;
        else location = response.headers.location!;
      }
      assert.ok(callback);
      const thief = app.agent();
      assert.equal((await thief.get(callback)).status, 400, 'without the browser that started it (state, PKCE)');
      assert.equal((await agent.get(callback)).status, 302);
      assert.equal((await agent.get(callback)).status, 400, 'a second redemption');

      const signedOut = app.agent();
      const options = await signedOut.post('/account/passkeys/options').type('form').send({ csrf: 'x' });
      assert.equal(options.status, 401);
      assert.deepEqual(options.body, { error: 'login_required' });
      const remove = await signedOut.post('/account/authenticator/remove?lang=en').type('form').send({ csrf: 'x' });
      assert.equal(remove.status, 401);
      assert.match(remove.text, /session has ended/);
    });
  });
}
