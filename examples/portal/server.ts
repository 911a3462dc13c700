/**
 * A public-service portal that signs citizens in with DinhDanh (docs/integrating-a-portal.md):
 *
 * - OpenID Connect authorization code flow (OIDC Core §3.1) with PKCE S256 (RFC 7636), `state` and `nonce`;
 *   openid-client checks the `iss` authorization response parameter (RFC 9207), the ID token and the nonce;
 * - client authentication with private_key_jwt (OIDC Core §9, RFC 7523): no shared secret to leak; DinhDanh
 *   reads this portal's public key from its `jwksUri` (GET /jwks.json below);
 * - "require level 2" with `acr_values` (OIDC Core §3.1.2.1), and a check of the `acr` actually delivered;
 * - RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2) with `id_token_hint` and a registered
 *   `post_logout_redirect_uri`.
 *
 * Tokens stay on the server; the browser holds only a session cookie.
 */
import { createServer, type Server } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import * as oidc from 'openid-client';

import type { ClientKey } from '../shared/client-key.ts';
import { lazyDiscovery } from '../shared/dinhdanh.ts';
import { html, page } from '../shared/html.ts';
import { relyingPartyBasics } from '../shared/http.ts';
import { createSessions } from '../shared/sessions.ts';

/** DinhDanh's assurance levels (docs/assurance-levels.md), as published in discovery's `acr_values_supported`. */
export const LEVEL_1 = 'urn:dinhdanh:loa:1';
export const LEVEL_2 = 'urn:dinhdanh:loa:2';

export interface PortalOptions {
  issuer: URL;
  clientId: string;
  /** The portal's origin as browsers see it; redirect URI `<publicUrl>/callback`, post-logout `<publicUrl>/`. */
  publicUrl: URL;
  clientKey: ClientKey;
  cookieKeys: string[];
  /** Development with a loopback DinhDanh over http only (openid-client refuses http otherwise). */
  allowHttpIssuer?: boolean;
  trustProxy?: boolean;
}

/** What the portal keeps about a signed-in citizen: verified claims and the ID token for logout. */
interface Citizen {
  sub: string;
  acr: string;
  amr: string[];
  authTime: number;
  name: string | undefined;
  idToken: string;
}

interface PendingLogin {
  codeVerifier: string;
  state: string;
  nonce: string;
  /** The acr this login asked for, checked against the ID token: acr_values is a request, not a promise. */
  requiredAcr?: string;
}

interface PortalSession {
  citizen?: Citizen;
  pending?: PendingLogin;
  /** The error code of the last sign-in, shown once (OIDC Core §3.1.2.6). */
  problem?: string;
}

export function createPortalApp(options: PortalOptions): Koa {
  const { issuer, clientId, publicUrl, clientKey } = options;
  const redirectUri = new URL('/callback', publicUrl).href;
  const postLogoutRedirectUri = new URL('/', publicUrl).href;
  const sessions = createSessions<PortalSession>({ cookie: 'portal_session', secure: publicUrl.protocol === 'https:' });

  const dinhdanh = lazyDiscovery({ issuer, clientId, clientKey, allowHttpIssuer: options.allowHttpIssuer });

  const router = new Router();

  router.get('/', (ctx) => {
    const session = sessions.read(ctx);
    const { citizen, problem } = session?.data ?? {};
    if (session && problem) sessions.update(session.id, ({ problem: _shown, ...rest }) => rest);
    ctx.body = page('Example public-service portal', homePage(citizen, problem));
  });

  // `/login?level=2` asks for level 2 (a service that needs it for one action asks only then).
  router.get('/login', async (ctx) => {
    const configuration = await dinhdanh();
    const requiredAcr = ctx.query.level === '2' ? LEVEL_2 : undefined;
    const pending: PendingLogin = { codeVerifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce(), requiredAcr };
    // A citizen already signed in stays signed in while stepping up (and if the step-up fails).
    const session = sessions.read(ctx);
    if (session) sessions.update(session.id, (data) => ({ ...data, pending, problem: undefined }));
    else sessions.start(ctx, { pending });
    const authorizationUrl = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUri,
      // profile: name, birthdate, gender... only what the portal was registered for (data minimisation).
      scope: 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
      ...(requiredAcr ? { acr_values: requiredAcr } : {}),
    });
    ctx.redirect(authorizationUrl.href);
  });

  router.get('/callback', async (ctx) => {
    const session = sessions.read(ctx);
    const pending = session?.data.pending;
    // No login in progress in this browser (a bookmarked or replayed callback): nothing to redeem.
    if (!session || !pending) return ctx.redirect('/');
    const configuration = await dinhdanh();
    // The URL DinhDanh redirected to, rebuilt from our configured origin: never trust the Host header.
    const currentUrl = new URL(ctx.originalUrl, publicUrl);
    let tokens;
    try {
      // Checks iss (RFC 9207), state, then redeems the code with the PKCE verifier and validates the ID token
      // (signature, iss, aud, exp, nonce: OIDC Core §3.1.3.7).
      tokens = await oidc.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      // An error answer (checked for iss and state first): unmet_authentication_requirements, access_denied...
      if (error instanceof oidc.AuthorizationResponseError) {
        sessions.update(session.id, (data) => ({ ...data, pending: undefined, problem: error.error }));
        return ctx.redirect('/');
      }
      throw error;
    }
    const claims = tokens.claims()!;
    // OIDC Core §3.1.2.1: acr_values is voluntary for the provider; the relying party checks what it got.
    if (pending.requiredAcr && claims.acr !== pending.requiredAcr) {
      sessions.update(session.id, (data) => ({ ...data, pending: undefined, problem: 'level_not_reached' }));
      return ctx.redirect('/');
    }
    // Profile claims come from userinfo (the ID token carries the sign-in claims); the subject must match.
    const userinfo = await oidc.fetchUserInfo(configuration, tokens.access_token, claims.sub);
    sessions.start(ctx, {
      citizen: {
        sub: claims.sub,
        acr: String(claims.acr),
        amr: (claims.amr as string[] | undefined) ?? [],
        authTime: Number(claims.auth_time),
        name: typeof userinfo.name === 'string' ? userinfo.name : undefined,
        idToken: tokens.id_token!,
      },
    });
    ctx.redirect('/');
  });

  // POST, so a link on another site cannot sign the citizen out (and the SameSite=Lax cookie is not sent with
  // a cross-site POST anyway).
  router.post('/logout', async (ctx) => {
    const citizen = sessions.read(ctx)?.data.citizen;
    sessions.end(ctx);
    if (!citizen) return ctx.redirect('/');
    // Ends the citizen's DinhDanh session too; DinhDanh asks for confirmation, then returns here.
    const endSessionUrl = oidc.buildEndSessionUrl(await dinhdanh(), { id_token_hint: citizen.idToken, post_logout_redirect_uri: postLogoutRedirectUri });
    ctx.redirect(endSessionUrl.href);
  });

  // The public half of the client key, registered as this portal's `jwksUri` (RFC 7517 §5). DinhDanh caches
  // it: publish a new key here before signing with it.
  router.get('/jwks.json', (ctx) => {
    ctx.set('cache-control', 'public, max-age=300');
    ctx.body = { keys: [clientKey.publicJwk] };
  });

  const app = new Koa({ keys: options.cookieKeys, proxy: options.trustProxy ?? false });
  app.use(relyingPartyBasics({ name: 'Example portal', issuer, publicUrl }));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

/** The portal as an HTTP server, for `npm run example:portal` (tests attach `createPortalApp` to their own). */
export function createPortalServer(options: PortalOptions): Server {
  const server = createServer(createPortalApp(options).callback());
  server.requestTimeout = 30_000;
  return server;
}

const LEVEL_NAMES: Record<string, string> = { [LEVEL_1]: 'level 1', [LEVEL_2]: 'level 2' };
const PROBLEMS: Record<string, string> = {
  unmet_authentication_requirements: 'This service needs a level-2 DinhDanh account. DinhDanh told you how to reach level 2.',
  level_not_reached: 'The sign-in did not reach level 2.',
  access_denied: 'You cancelled the sign-in.',
  login_required: 'Please sign in.',
};

function homePage(citizen: Citizen | undefined, problem: string | undefined) {
  const problemNotice = problem && html`<p class="problem" role="alert">${PROBLEMS[problem] ?? 'The sign-in failed.'} <code>${problem}</code></p>`;
  if (!citizen) {
    return html`<h1>Example public-service portal</h1>
${problemNotice}
<p><a href="/login">Sign in with DinhDanh</a></p>
<p><a href="/login?level=2">Sign in at level 2</a></p>`;
  }
  return html`<h1>Welcome, ${citizen.name ?? 'citizen'}</h1>
${problemNotice}
<dl>
<dt>Name</dt><dd id="name">${citizen.name}</dd>
<dt>Assurance level (acr)</dt><dd id="acr"><code>${citizen.acr}</code> (${LEVEL_NAMES[citizen.acr] ?? 'unknown'})</dd>
<dt>Authentication methods (amr)</dt><dd id="amr">${citizen.amr.join(' ')}</dd>
<dt>Signed in at</dt><dd id="auth-time">${new Date(citizen.authTime * 1000).toISOString()}</dd>
<dt>Your identifier at this portal (pairwise sub)</dt><dd id="sub"><code>${citizen.sub}</code></dd>
</dl>
${citizen.acr === LEVEL_2 ? '' : html`<p><a href="/login?level=2">Require level 2</a> (for example, to file a tax return)</p>`}
<form method="post" action="/logout"><button type="submit">Sign out</button></form>`;
}
