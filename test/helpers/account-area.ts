/**
 * Drives the account area (/account) and passkey sign-in over HTTP the way a browser does, with the software
 * authenticator playing the phone.
 */
import assert from 'node:assert/strict';

import type { demoCitizens } from '../../src/demo/citizens.ts';
import type { TestApp } from './app.ts';
import { csrfFrom, pathOf, startAuthorization, type Agent } from './login-flow.ts';
import type { SoftwareAuthenticator } from './software-authenticator.ts';

type Citizen = (typeof demoCitizens)[number];

/**
 * /account/login → the provider's pages (password; the second factor when the account is level 2, with a
 * code from `nextAppCode`) → /account. Returns the overview page.
 */
export async function signInToAccountArea(app: TestApp, agent: Agent, citizen: Citizen, nextAppCode: () => string) {
  let location = (await agent.get('/account/login')).headers.location!;
  for (let hop = 0; hop < 15; hop += 1) {
    const path = pathOf(location, app.issuer);
    if (path === '/account') return agent.get('/account');
    const response = await agent.get(path);
    if (response.status === 200 && /\/login" novalidate/.test(response.text)) {
      const login = await agent.post(`${path}/login`).type('form').send({ personalId: citizen.record.personalId, password: citizen.password, csrf: csrfFrom(response.text) });
      location = login.headers.location!;
      assert.ok(location, `password accepted: ${login.status} ${login.text.match(/class="(alert|field-error)"[^>]*>[^<]*/g)}`);
    } else if (response.status === 200 && /\/second-factor" novalidate/.test(response.text)) {
      const code = await agent.post(`${path}/second-factor`).type('form').send({ code: nextAppCode(), csrf: csrfFrom(response.text) });
      location = code.headers.location!;
      assert.ok(location, `code accepted: ${code.status} ${code.text.slice(0, 200)}`);
    } else {
      assert.ok([302, 303].includes(response.status), `unexpected ${response.status} at ${path}: ${response.text.slice(0, 300)}`);
      location = response.headers.location!;
    }
  }
  throw new Error('too many redirects');
}

/** "Create a passkey on this device" on the overview page of a signed-in account area. */
export async function addPasskey(app: TestApp, agent: Agent, authenticator: SoftwareAuthenticator, name = 'My phone') {
  const page = await agent.get('/account');
  const csrf = csrfFrom(page.text);
  const options = await agent.post('/account/passkeys/options').type('form').send({ csrf });
  assert.equal(options.status, 200, options.text);
  const response = await authenticator.register(options.body, app.issuer);
  return { options: options.body, result: await agent.post('/account/passkeys?lang=en').type('form').send({ csrf, name, response: JSON.stringify(response) }) };
}

/** Passkey sign-in within a new authorization request: options, the authenticator, the form post. */
export async function passkeySignIn(app: TestApp, agent: Agent, authenticator: SoftwareAuthenticator, extra: Record<string, string> = {}) {
  const started = await startAuthorization(app, agent, { extra });
  const page = await agent.get(started.interactionPath);
  const csrf = csrfFrom(page.text);
  const options = await agent.post(`${started.interactionPath}/passkey/options`).type('form').send({ csrf });
  assert.equal(options.status, 200, options.text);
  const response = await authenticator.authenticate(options.body, app.issuer);
  const result = await agent.post(`${started.interactionPath}/passkey?lang=en`).type('form').send({ csrf, response: JSON.stringify(response) });
  return { ...started, options: options.body, response, result };
}
