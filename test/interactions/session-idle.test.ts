/**
 * Level-2 session lifetime (authenticators issue, point 3): a level-2 sign-in serves level-2 requests for at
 * most 12 h (LEVEL_2_MAX_AGE_SECONDS) and only while it is used at least every 30 min (LEVEL_2_IDLE_SECONDS);
 * then the citizen authenticates again, password first. Level-1 requests are not affected. The activity
 * record lives in the protocol-state store, so this runs on the embedded default and on Redis + MongoDB.
 */
import assert from 'node:assert/strict';
import { generateSync } from 'otplib';

import { demoCitizens } from '../../src/demo/citizens.ts';
import { backends, startTestAppOn, type TestApp } from '../helpers/app.ts';
import { csrfFrom, followToClient, pathOf, pkcePair, startAuthorization, submitLogin, type Agent } from '../helpers/login-flow.ts';

const AN = demoCitizens[0]!;
const LEVEL_2 = 'urn:dinhdanh:loa:2';
const MINUTE = 60_000;

for (const backend of backends) {
  describe(`level-2 session lifetime: 12 h at most, 30 min idle (${backend})`, function () {
    let app: TestApp;
    let now = Date.now();

    before(async function () {
      app = await startTestAppOn(backend, this, {}, { clock: () => now });
    });
    after(async () => app?.close());

    /** Password + authenticator-app code at level 2, consent given: the agent holds a level-2 session. */
    async function signInAtLevel2(agent: Agent) {
      now += 31_000; // a fresh TOTP step for every sign-in
      const { interactionPath } = await startAuthorization(app, agent, { extra: { acr_values: LEVEL_2 } });
      const page = await submitLogin(agent, interactionPath, AN.record.personalId, AN.password);
      const code = generateSync({ secret: AN.totpSecret!, epoch: Math.floor(now / 1000) });
      const verified = await agent.post(`${interactionPath}/second-factor`).type('form').send({ code, csrf: csrfFrom(page.text) });
      assert.equal(verified.status, 303, verified.text);
      const callback = await followToClient(app, agent, verified.headers.location!);
      assert.ok(callback.searchParams.get('code'));
    }

    /** An authorization request with the agent's session: 'sso' (straight back to the portal) or the page shown. */
    async function authorize(agent: Agent, extra: Record<string, string> = {}): Promise<'sso' | 'password' | 'second-factor'> {
      const response = await agent.get('/auth').query({
        client_id: 'demo-portal',
        redirect_uri: app.dinhdanh.demo!.portal.redirectUri,
        response_type: 'code',
        scope: 'openid profile',
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
        ...extra,
      });
      const location = response.headers.location!;
      if (location.startsWith(app.dinhdanh.demo!.portal.redirectUri)) return 'sso';
      const page = await agent.get(pathOf(location, app.issuer));
      if (/name="password"/.test(page.text)) return 'password';
      assert.match(page.text, /second-factor/);
      return 'second-factor';
    }

    it('serves level 2 while used every 29 minutes, and asks for the password again after 31 minutes idle', async () => {
      const agent = app.agent();
      await signInAtLevel2(agent);
      now += 29 * MINUTE;
      assert.equal(await authorize(agent, { acr_values: LEVEL_2 }), 'sso');
      now += 29 * MINUTE;
      assert.equal(await authorize(agent, { acr_values: LEVEL_2 }), 'sso', 'the previous use restarted the idle timer');
      now += 29 * MINUTE;
      assert.equal(await authorize(agent), 'sso', 'a level-1 request is a use of the session too');
      now += 29 * MINUTE;
      assert.equal(await authorize(agent, { acr_values: LEVEL_2 }), 'sso');
      now += 31 * MINUTE;
      assert.equal(await authorize(agent), 'sso', 'level 1 is still served by an idle session');
    });

    it('after 31 minutes without use, a level-2 request starts over with the password', async () => {
      const agent = app.agent();
      await signInAtLevel2(agent);
      now += 31 * MINUTE;
      assert.equal(await authorize(agent, { acr_values: LEVEL_2 }), 'password', 'everything again, not only the second factor');
      // Signing in again restores level 2 with a new start for both limits.
      await signInAtLevel2(agent);
      now += 29 * MINUTE;
      assert.equal(await authorize(agent, { acr_values: LEVEL_2 }), 'sso');
    });

    it('ends level 2 after 12 hours even when used every 20 minutes', async () => {
      const agent = app.agent();
      await signInAtLevel2(agent);
      const signedInAt = now;
      while (now + 20 * MINUTE - signedInAt < 12 * 3600_000) {
        now += 20 * MINUTE;
        assert.equal(await authorize(agent, { acr_values: LEVEL_2 }), 'sso', `${Math.round((now - signedInAt) / MINUTE)} min after sign-in`);
      }
      now += 20 * MINUTE;
      assert.equal(await authorize(agent, { acr_values: LEVEL_2 }), 'password');
    });

    it('stops counting a session as level 2 once the account is no longer level 2 (a desk reversal)', async () => {
      const agent = app.agent();
      await signInAtLevel2(agent);
      now += 60_000;
      assert.equal(await authorize(agent, { acr_values: LEVEL_2 }), 'sso');
      const account = (await app.dinhdanh.stores.accounts.findByPersonalId(AN.record.personalId))!;
      await app.dinhdanh.stores.accounts.update(account.id, { identityLevel: 1 });
      try {
        assert.equal(await authorize(agent, { acr_values: LEVEL_2 }), 'password');
        assert.equal(await authorize(agent), 'sso', 'level 1 is still served');
      } finally {
        await app.dinhdanh.stores.accounts.update(account.id, { identityLevel: 2 });
      }
    });

    it('honours LEVEL_2_IDLE_SECONDS from the configuration', async function () {
      assert.equal(app.dinhdanh.config.oidc.level2IdleSeconds, 1800);
      const short = await startTestAppOn('memory', this, { LEVEL_2_IDLE_SECONDS: '300' }, { clock: () => now });
      try {
        const agent = short.agent();
        const original = app;
        app = short;
        try {
          await signInAtLevel2(agent);
          now += 4 * MINUTE;
          assert.equal(await authorize(agent, { acr_values: LEVEL_2 }), 'sso');
          now += 6 * MINUTE;
          assert.equal(await authorize(agent, { acr_values: LEVEL_2 }), 'password');
        } finally {
          app = original;
        }
      } finally {
        await short.close();
      }
    });
  });
}
