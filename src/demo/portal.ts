/**
 * A demo public-service portal served by the provider itself in development, so a newcomer can sign in
 * end to end within a minute: /demo → DinhDanh login → /demo/callback shows what the portal received.
 * It is an ordinary relying party using `openid-client` (code flow + PKCE + userinfo) over HTTP.
 */
import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import * as oidcClient from 'openid-client';

import type { Config } from '../config/schema.ts';
import { localeOf } from '../http/locale.ts';
import type { Views } from '../http/views.ts';
import type { DemoSeed } from './seed.ts';

const COOKIE = 'dd_demo_portal';

interface PendingLogin {
  codeVerifier: string;
  state: string;
  nonce: string;
}
interface SignedIn {
  claims: Record<string, unknown>;
  idToken: string;
}

export function createDemoPortalRouter({ config, views, portal }: { config: Config; views: Views; portal: DemoSeed['portal'] }) {
  const router = new Router({ prefix: '/demo' });
  // Demo-only state, per browser, in this process: a real portal keeps it in its own session store.
  const sessions = new Map<string, PendingLogin | SignedIn>();
  let discovered: Promise<oidcClient.Configuration> | undefined;

  function relyingPartyConfiguration(): Promise<oidcClient.Configuration> {
    discovered ??= oidcClient
      .discovery(new URL(config.issuer), portal.clientId, undefined, oidcClient.ClientSecretBasic(portal.clientSecret), {
        execute: new URL(config.issuer).protocol === 'http:' ? [oidcClient.allowInsecureRequests] : [],
      })
      .catch((error: unknown) => {
        discovered = undefined;
        throw error;
      });
    return discovered;
  }

  function sessionOf(ctx: Context) {
    const id = ctx.cookies.get(COOKIE, { signed: true });
    return id ? sessions.get(id) : undefined;
  }

  function startSession(ctx: Context, value: PendingLogin | SignedIn) {
    const previous = ctx.cookies.get(COOKIE, { signed: true });
    if (previous) sessions.delete(previous);
    const id = randomBytes(16).toString('base64url');
    sessions.set(id, value);
    ctx.cookies.set(COOKIE, id, { httpOnly: true, sameSite: 'lax', signed: true, secure: ctx.secure });
  }

  router.get('/', (ctx: Context) => {
    const session = sessionOf(ctx);
    const signedIn = session && 'claims' in session ? session : undefined;
    views.render(ctx, 'demo-portal', {
      title: localeOf(ctx).messages.demo.title,
      claims: signedIn ? JSON.stringify(signedIn.claims, null, 2) : undefined,
      logoutUrl: signedIn ? '/demo/logout' : undefined,
    });
  });

  router.get('/login', async (ctx: Context) => {
    const configuration = await relyingPartyConfiguration();
    const pending: PendingLogin = {
      codeVerifier: oidcClient.randomPKCECodeVerifier(),
      state: oidcClient.randomState(),
      nonce: oidcClient.randomNonce(),
    };
    startSession(ctx, pending);
    ctx.redirect(
      oidcClient
        .buildAuthorizationUrl(configuration, {
          redirect_uri: portal.redirectUri,
          scope: 'openid profile phone',
          code_challenge: await oidcClient.calculatePKCECodeChallenge(pending.codeVerifier),
          code_challenge_method: 'S256',
          state: pending.state,
          nonce: pending.nonce,
          ui_locales: localeOf(ctx).locale,
          // /demo/login?level=2 shows how a service asks for level 2 (OIDC Core §3.1.2.1).
          ...(ctx.query.level === '2' ? { acr_values: config.oidc.acr.level2 } : {}),
        })
        .toString(),
    );
  });

  router.get('/callback', async (ctx: Context) => {
    const pending = sessionOf(ctx);
    if (!pending || !('codeVerifier' in pending)) return ctx.redirect('/demo');
    const configuration = await relyingPartyConfiguration();
    // An error answer (the citizen cancelled, the level could not be reached) is shown as the client sees it.
    const error = typeof ctx.query.error === 'string' ? ctx.query.error : undefined;
    if (error) {
      ctx.cookies.set(COOKIE, null);
      return views.render(ctx, 'demo-portal', { title: localeOf(ctx).messages.demo.title, error, errorDescription: ctx.query.error_description });
    }
    const tokens = await oidcClient.authorizationCodeGrant(configuration, new URL(ctx.href.replace(/^[^:]+:\/\/[^/]+/, config.issuer)), {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
    });
    const idTokenClaims = tokens.claims()!;
    const userinfo = await oidcClient.fetchUserInfo(configuration, tokens.access_token, idTokenClaims.sub);
    startSession(ctx, { claims: { id_token: idTokenClaims, userinfo }, idToken: tokens.id_token! });
    ctx.redirect('/demo');
  });

  router.get('/logout', async (ctx: Context) => {
    const session = sessionOf(ctx);
    if (!session || !('idToken' in session)) return ctx.redirect('/demo');
    const configuration = await relyingPartyConfiguration();
    ctx.cookies.set(COOKIE, null);
    ctx.redirect(
      oidcClient.buildEndSessionUrl(configuration, { id_token_hint: session.idToken, post_logout_redirect_uri: portal.postLogoutRedirectUri }).toString(),
    );
  });

  return router;
}
