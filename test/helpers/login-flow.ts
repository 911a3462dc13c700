/**
 * Drives the authorization code flow over HTTP the way a browser does: follows redirects by hand, posts the
 * interaction forms with the CSRF token from the page, and returns the authorization response.
 */
import { createHash, randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import type supertest from 'supertest';

import type { TestApp } from './app.ts';

export type Agent = ReturnType<typeof supertest.agent>;

export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function csrfFrom(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  assert.ok(match, 'page has a CSRF token');
  return match[1]!;
}

export function pathOf(location: string | undefined, issuer: string): string {
  assert.ok(location, 'response has a Location header');
  return location.startsWith(issuer) ? location.slice(issuer.length) : location;
}

export interface AuthorizationRequest {
  clientId?: string;
  redirectUri?: string;
  scope?: string;
  extra?: Record<string, string>;
}

export async function startAuthorization(app: TestApp, agent: Agent, request: AuthorizationRequest = {}) {
  const demo = app.dinhdanh.demo!;
  const pkce = pkcePair();
  const state = randomBytes(8).toString('hex');
  const nonce = randomBytes(8).toString('hex');
  const response = await agent.get('/auth').query({
    client_id: request.clientId ?? demo.portal.clientId,
    redirect_uri: request.redirectUri ?? demo.portal.redirectUri,
    response_type: 'code',
    scope: request.scope ?? 'openid profile',
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    state,
    nonce,
    ...request.extra,
  });
  assert.equal(response.status, 303, `authorization request redirects to the login page: ${response.text}`);
  const interactionPath = pathOf(response.headers.location, app.issuer);
  assert.match(interactionPath, /^\/interaction\/[\w-]+$/);
  return { pkce, state, nonce, interactionPath, uid: interactionPath.split('/').pop()! };
}

export async function submitLogin(agent: Agent, interactionPath: string, personalId: string, password: string) {
  const page = await agent.get(interactionPath);
  assert.equal(page.status, 200);
  return agent.post(`${interactionPath}/login`).type('form').send({ personalId, password, csrf: csrfFrom(page.text) });
}

/** Follows the provider's redirects until the browser would leave for the client (or land on a page). */
export async function followToClient(app: TestApp, agent: Agent, location: string): Promise<URL> {
  let next = location;
  for (let hop = 0; hop < 10; hop += 1) {
    if (!next.startsWith('/') && !next.startsWith(app.issuer)) return new URL(next);
    const path = pathOf(next, app.issuer);
    if (/^\/interaction\/[\w-]+$/.test(path)) {
      const page = await agent.get(path);
      // DinhDanh's own clients' consent is implied: the interaction answers with the redirect at once.
      if ([302, 303].includes(page.status)) {
        next = page.headers.location!;
        continue;
      }
      assert.equal(page.status, 200, page.text);
      assert.match(page.text, /action="\/interaction\/[\w-]+\/consent"/, 'expected the consent page');
      const consent = await agent.post(`${path}/consent`).type('form').send({ csrf: csrfFrom(page.text) });
      assert.equal(consent.status, 303, consent.text);
      next = consent.headers.location!;
      continue;
    }
    if (path.startsWith('/demo/callback')) return new URL(next, app.issuer);
    const response = await agent.get(path);
    assert.ok([302, 303].includes(response.status), `expected a redirect from ${path}, got ${response.status}: ${response.text.slice(0, 500)}`);
    next = response.headers.location!;
  }
  throw new Error('too many redirects');
}

/** The whole browser part: authorization request → login → consent → the redirect back to the client. */
export async function signIn(app: TestApp, agent: Agent, personalId: string, password: string, request: AuthorizationRequest = {}) {
  const started = await startAuthorization(app, agent, request);
  const login = await submitLogin(agent, started.interactionPath, personalId, password);
  assert.equal(login.status, 303, `login succeeds: ${login.text.slice(0, 300)}`);
  const callback = await followToClient(app, agent, login.headers.location!);
  return { ...started, callback, code: callback.searchParams.get('code') };
}

export function basicAuth(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

export async function exchangeCode(app: TestApp, agent: Agent, code: string, verifier: string) {
  const { portal } = app.dinhdanh.demo!;
  return agent
    .post('/token')
    .set('authorization', basicAuth(portal.clientId, portal.clientSecret))
    .type('form')
    .send({ grant_type: 'authorization_code', code, redirect_uri: portal.redirectUri, code_verifier: verifier });
}
