/**
 * A bank that signs its customers in with DinhDanh under the FAPI 2.0 Security Profile
 * (docs/integrating-a-bank.md), with openid-client:
 *
 * - pushed authorization requests (RFC 9126; FAPI 2.0 §5.3.1.2: required for banks): the browser only
 *   carries `client_id` and a `request_uri`, the parameters go from server to server;
 * - client authentication with private_key_jwt, ES256, `aud` = the issuer (FAPI 2.0 §5.3.2.1, §5.4.1);
 * - DPoP (RFC 9449; FAPI 2.0 §5.3.2.2): the code (via `dpop_jkt` on the pushed request) and the tokens are
 *   bound to a key the bank holds, so a stolen access token is useless; userinfo is called with a DPoP proof;
 * - PKCE S256, `state`, `nonce`, the `iss` response parameter (RFC 9207): checked by openid-client;
 * - level 2 (`urn:dinhdanh:loa:2`, the bank's registered minimum), checked in the ID token;
 * - CIBA in poll mode (OpenID Connect Client-Initiated Backchannel Authentication Core 1.0): the bank names
 *   the customer by personal identification number, the customer confirms on their phone in DinhDanh, the
 *   bank polls the token endpoint.
 */
import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import * as oidc from 'openid-client';

import type { ClientKey } from '../shared/client-key.ts';
import { lazyDiscovery } from '../shared/dinhdanh.ts';
import { html, page } from '../shared/html.ts';
import { relyingPartyBasics } from '../shared/http.ts';
import { createSessions } from '../shared/sessions.ts';

/** DinhDanh's level 2 (docs/assurance-levels.md): what a bank must receive. */
export const LEVEL_2 = 'urn:dinhdanh:loa:2';
/** personal_id: the 12-digit personal identification number, a scope of its own (registered for banks only). */
const SCOPE = 'openid profile personal_id';
const PERSONAL_ID = /^\d{12}$/;

export interface BankOptions {
  issuer: URL;
  clientId: string;
  /** The bank's origin as browsers see it; redirect URI `<publicUrl>/callback`. */
  publicUrl: URL;
  clientKey: ClientKey;
  cookieKeys: string[];
  /** Development with a loopback DinhDanh over http only (openid-client refuses http otherwise). */
  allowHttpIssuer?: boolean;
  trustProxy?: boolean;
  /** Aborted when the bank stops: ends the CIBA polls still waiting. */
  signal?: AbortSignal;
}

/** A signed-in customer: verified claims only. */
interface Customer {
  sub: string;
  acr: string;
  amr: string[];
  name: string | undefined;
  personalId: string;
  via: 'redirect' | 'ciba';
}

interface PendingRedirect {
  codeVerifier: string;
  state: string;
  nonce: string;
  /** The DPoP key this sign-in's code and tokens are bound to. */
  dpopKeys: oidc.CryptoKeyPair;
}

interface PendingCiba {
  bindingMessage: string;
  outcome?: { customer: Customer } | { problem: string };
}

interface BankSession {
  customer?: Customer;
  pending?: PendingRedirect;
  ciba?: PendingCiba;
  problem?: string;
}

/** A sign-in that DinhDanh completed but the bank must not accept. */
class Refused extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

export function createBankApp(options: BankOptions): Koa {
  const { issuer, clientId, publicUrl, clientKey } = options;
  const redirectUri = new URL('/callback', publicUrl).href;
  const sessions = createSessions<BankSession>({ cookie: 'bank_session', secure: publicUrl.protocol === 'https:' });

  const dinhdanh = lazyDiscovery({ issuer, clientId, clientKey, allowHttpIssuer: options.allowHttpIssuer });

  /** What the bank accepts from a token response, whichever flow produced it. */
  async function customerFrom(configuration: oidc.Configuration, tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, dpop: oidc.DPoPHandle, via: Customer['via']): Promise<Customer> {
    // FAPI 2.0 §5.3.2.2: sender-constrained access tokens only.
    if (tokens.token_type.toLowerCase() !== 'dpop') throw new Refused('token_not_sender_constrained');
    const claims = tokens.claims()!;
    // The registered minimum makes DinhDanh ask for level 2; the bank still checks what it received.
    if (claims.acr !== LEVEL_2) throw new Refused('level_not_reached');
    // The access token is bound to our DPoP key: every use carries a proof signed with it.
    const userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub, { DPoP: dpop });
    return {
      sub: claims.sub,
      acr: claims.acr,
      amr: (claims.amr as string[] | undefined) ?? [],
      name: typeof userinfo.name === 'string' ? userinfo.name : undefined,
      personalId: String(userinfo.personal_id),
      via,
    };
  }

  const router = new Router();

  router.get('/', (ctx) => {
    const session = sessions.read(ctx);
    const { customer, problem } = session?.data ?? {};
    if (session && problem) sessions.update(session.id, ({ problem: _shown, ...rest }) => rest);
    ctx.body = page('Example bank', homePage(customer, problem));
  });

  // Sign-in in this browser: PAR + PKCE + DPoP, then DinhDanh's pages.
  router.get('/login', async (ctx) => {
    const configuration = await dinhdanh();
    const pending: PendingRedirect = {
      codeVerifier: oidc.randomPKCECodeVerifier(),
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      dpopKeys: await oidc.randomDPoPKeyPair('ES256'),
    };
    sessions.start(ctx, { pending });
    // Pushed with a DPoP proof: DinhDanh binds the code to this key (RFC 9449 §10), so only we can redeem it.
    const authorizationUrl = await oidc.buildAuthorizationUrlWithPAR(
      configuration,
      {
        redirect_uri: redirectUri,
        scope: SCOPE,
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
        acr_values: LEVEL_2,
      },
      { DPoP: oidc.getDPoPHandle(configuration, pending.dpopKeys) },
    );
    ctx.redirect(authorizationUrl.href);
  });

  router.get('/callback', async (ctx) => {
    const session = sessions.read(ctx);
    const pending = session?.data.pending;
    if (!session || !pending) return ctx.redirect('/');
    const configuration = await dinhdanh();
    const dpop = oidc.getDPoPHandle(configuration, pending.dpopKeys);
    try {
      // iss (RFC 9207), state, the code with the PKCE verifier and a DPoP proof, then the ID token (nonce).
      const tokens = await oidc.authorizationCodeGrant(
        configuration,
        new URL(ctx.originalUrl, publicUrl),
        { pkceCodeVerifier: pending.codeVerifier, expectedState: pending.state, expectedNonce: pending.nonce, idTokenExpected: true },
        undefined,
        { DPoP: dpop },
      );
      sessions.start(ctx, { customer: await customerFrom(configuration, tokens, dpop, 'redirect') });
    } catch (error) {
      if (!(error instanceof oidc.AuthorizationResponseError || error instanceof Refused)) throw error;
      sessions.start(ctx, { problem: error instanceof Refused ? error.code : error.error });
    }
    ctx.redirect('/');
  });

  // CIBA: the bank starts the sign-in from its own server (here from a form; at a branch or in a phone call the
  // customer's personal identification number comes from the bank's records).
  router.post('/ciba', bodyParser({ enableTypes: ['form'] }), async (ctx) => {
    const personalId = String((ctx.request.body as Record<string, unknown> | undefined)?.personalId ?? '').trim();
    if (!PERSONAL_ID.test(personalId)) {
      sessions.start(ctx, { problem: 'invalid_personal_id' });
      return ctx.redirect('/');
    }
    const configuration = await dinhdanh();
    // Shown here and on the phone: the customer approves only the request that shows the same code (CIBA Core §7.1).
    const bindingMessage = `Mã GD ${randomInt(1000, 10_000)}`;
    let request: oidc.BackchannelAuthenticationResponse;
    try {
      request = await oidc.initiateBackchannelAuthentication(configuration, {
        scope: SCOPE,
        login_hint: personalId,
        binding_message: bindingMessage,
        acr_values: LEVEL_2,
        requested_expiry: '300',
      });
    } catch (error) {
      if (!(error instanceof oidc.ResponseBodyError)) throw error;
      // unknown_user_id, invalid_binding_message, ... (CIBA Core §13)
      sessions.start(ctx, { problem: error.error });
      return ctx.redirect('/');
    }
    const id = sessions.start(ctx, { ciba: { bindingMessage } });
    // Poll in the background (a worker queue in a real bank); the waiting page reads the outcome.
    waitForApproval(configuration, request, personalId).then(
      (customer) => sessions.update(id, (data) => ({ ...data, ciba: { bindingMessage, outcome: { customer } } })),
      (error: unknown) => sessions.update(id, (data) => ({ ...data, ciba: { bindingMessage, outcome: { problem: problemCode(error) } } })),
    );
    ctx.redirect('/ciba');
  });

  async function waitForApproval(configuration: oidc.Configuration, request: oidc.BackchannelAuthenticationResponse, personalId: string): Promise<Customer> {
    const dpop = oidc.getDPoPHandle(configuration, await oidc.randomDPoPKeyPair('ES256'));
    const expiry = AbortSignal.timeout(request.expires_in * 1000);
    // Polls every `interval` seconds (5 by default): authorization_pending and slow_down are handled inside.
    const tokens = await oidc.pollBackchannelAuthenticationGrant(configuration, request, undefined, {
      DPoP: dpop,
      signal: options.signal ? AbortSignal.any([options.signal, expiry]) : expiry,
    });
    const customer = await customerFrom(configuration, tokens, dpop, 'ciba');
    // The tokens must be about the person the bank asked for.
    if (customer.personalId !== personalId) throw new Refused('wrong_person');
    return customer;
  }

  router.get('/ciba', (ctx) => {
    const session = sessions.read(ctx);
    const ciba = session?.data.ciba;
    if (!ciba) return ctx.redirect('/');
    if (!ciba.outcome) {
      ctx.body = page('Confirm on your phone', cibaWaitingPage(ciba.bindingMessage), { refreshSeconds: 2 });
      return;
    }
    // Signed in (or not) now: a new session id for the new privilege level.
    sessions.start(ctx, 'customer' in ciba.outcome ? { customer: ciba.outcome.customer } : { problem: ciba.outcome.problem });
    ctx.redirect('/');
  });

  // Signs out of the bank only. (A bank that also ends the DinhDanh session registers a post-logout redirect
  // URI and sends the customer to end_session, as examples/portal does.)
  router.post('/logout', (ctx) => {
    sessions.end(ctx);
    ctx.redirect('/');
  });

  // The bank's public key, registered as its `jwksUri`: DinhDanh verifies client assertions with it, and a
  // pairwise CIBA bank's jwksUri host is also the sector of its customers' `sub` (CIBA Core §4).
  router.get('/jwks.json', (ctx) => {
    ctx.set('cache-control', 'public, max-age=300');
    ctx.body = { keys: [clientKey.publicJwk] };
  });

  const app = new Koa({ keys: options.cookieKeys, proxy: options.trustProxy ?? false });
  app.use(relyingPartyBasics({ name: 'Example bank', issuer, publicUrl }));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

/** The bank as an HTTP server, for `npm run example:bank` (tests attach `createBankApp` to their own). */
export function createBankServer(options: BankOptions): Server {
  const stop = new AbortController();
  const server = createServer(createBankApp({ ...options, signal: options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal }).callback());
  server.requestTimeout = 30_000;
  server.on('close', () => stop.abort());
  return server;
}

function problemCode(error: unknown): string {
  if (error instanceof Refused) return error.code;
  // access_denied (the customer declined), expired_token (nobody answered): CIBA Core §11.
  if (error instanceof oidc.ResponseBodyError) return error.error;
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'expired_token';
  console.error('Example bank: CIBA sign-in failed', error);
  return 'server_error';
}

const PROBLEMS: Record<string, string> = {
  access_denied: 'The sign-in was declined.',
  expired_token: 'Nobody confirmed the sign-in in time.',
  unknown_user_id: 'DinhDanh could not reach this customer (no active account for this number).',
  invalid_personal_id: 'A personal identification number has 12 digits.',
  unmet_authentication_requirements: 'The bank needs a level-2 DinhDanh account.',
  level_not_reached: 'The sign-in did not reach level 2.',
};

function homePage(customer: Customer | undefined, problem: string | undefined) {
  const problemNotice = problem && html`<p class="problem" role="alert">${PROBLEMS[problem] ?? 'The sign-in failed.'} <code>${problem}</code></p>`;
  if (!customer) {
    return html`<h1>Example bank</h1>
${problemNotice}
<p><a href="/login">Sign in with DinhDanh</a></p>
<h2>Sign in on your phone</h2>
<form method="post" action="/ciba">
<label for="personalId">Personal identification number</label>
<input id="personalId" name="personalId" inputmode="numeric" pattern="[0-9]{12}" maxlength="12" required>
<button type="submit">Send the request to my phone</button>
</form>`;
  }
  return html`<h1>Welcome, ${customer.name ?? 'customer'}</h1>
<dl>
<dt>Name</dt><dd id="name">${customer.name}</dd>
<dt>Personal identification number</dt><dd id="personal-id">${customer.personalId}</dd>
<dt>Assurance level (acr)</dt><dd id="acr"><code>${customer.acr}</code></dd>
<dt>Authentication methods (amr)</dt><dd id="amr">${customer.amr.join(' ')}</dd>
<dt>Signed in</dt><dd id="via">${customer.via === 'ciba' ? 'on the phone (CIBA)' : 'in this browser'}, with DPoP-bound tokens</dd>
<dt>Your identifier at this bank (pairwise sub)</dt><dd id="sub"><code>${customer.sub}</code></dd>
</dl>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>`;
}

function cibaWaitingPage(bindingMessage: string) {
  return html`<h1>Confirm on your phone</h1>
<p>Open DinhDanh on your phone: a sign-in request from Example bank is waiting. Confirm it only if it shows this code:</p>
<p id="binding-message"><strong>${bindingMessage}</strong></p>
<p>This page updates by itself.</p>`;
}
