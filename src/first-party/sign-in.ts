/**
 * Sign-in of DinhDanh's own web areas (the citizen's account area, the enrollment desk) through this provider,
 * as a relying party would: an authorization request with PKCE and state, then the code — redeemed here, in
 * process, with the token endpoint's checks (RFC 6749 §4.1.3, RFC 7636 §4.6) and exactly once. The area's
 * session is server-side (protocol state), never extended, and its cookie is SameSite=Strict.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { AdapterPayload, Provider } from 'oidc-provider';

import type { Account, AccountStore } from '../accounts/account.ts';
import type { AcrValues } from '../assurance/levels.ts';
import { levelOfAcr } from '../assurance/required-level.ts';
import { localeOf } from '../http/locale.ts';
import type { ProtocolStateStore } from '../oidc/protocol-state.ts';

export interface AreaSession {
  id: string;
  accountId: string;
  level: number;
  amr: string[];
}

/** What the authorization code said about the sign-in, before the area decides to open a session. */
export interface CompletedSignIn {
  account: Account;
  level: number;
  amr: string[];
}

export function createFirstPartySignIn({
  provider,
  issuer,
  clientId,
  callbackPath,
  name,
  sessionSeconds,
  protocolState,
  accounts,
  acrValues,
}: {
  provider: Provider;
  issuer: string;
  clientId: string;
  callbackPath: string;
  /** Names the cookies (`dd_<name>`) and the session model. */
  name: string;
  sessionSeconds: number;
  protocolState: ProtocolStateStore;
  accounts: Pick<AccountStore, 'findById'>;
  acrValues: AcrValues;
}) {
  const sessionCookie = `dd_${name}`;
  const pendingCookie = `dd_${name}_login`;
  const sessionModel = `AreaSession_${name}`;
  const redirectUri = `${issuer}${callbackPath}`;

  return {
    /** Redirects to the authorization endpoint; `level2` asks for acr level 2, else a fresh sign-in. */
    startSignIn(ctx: Context, { level2 = false, fresh = !level2 }: { level2?: boolean; fresh?: boolean } = {}) {
      const pending = { state: randomBytes(16).toString('base64url'), verifier: randomBytes(32).toString('base64url') };
      ctx.cookies.set(pendingCookie, JSON.stringify(pending), { httpOnly: true, sameSite: 'lax', secure: ctx.secure, signed: true, maxAge: 15 * 60_000 });
      const authorization = new URL('/auth', issuer);
      authorization.search = new URLSearchParams({
        client_id: clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope: 'openid',
        state: pending.state,
        code_challenge: createHash('sha256').update(pending.verifier).digest('base64url'),
        code_challenge_method: 'S256',
        ui_locales: localeOf(ctx).locale,
        ...(level2 ? { acr_values: acrValues.level2 } : {}),
        ...(fresh ? { prompt: 'login' } : {}),
      }).toString();
      ctx.redirect(authorization.toString());
    },

    /**
     * The callback: the sign-in the code stands for, or undefined (cancelled, another browser, replayed,
     * expired, inactive account) with `cancelled` telling a citizen's "cancel" apart from an error.
     */
    async completeSignIn(ctx: Context): Promise<{ ok: true; signIn: CompletedSignIn } | { ok: false; cancelled: boolean }> {
      ctx.set('cache-control', 'no-store');
      const raw = ctx.cookies.get(pendingCookie, { signed: true });
      ctx.cookies.set(pendingCookie, null);
      let pending: { state?: string; verifier?: string } = {};
      try {
        pending = raw ? (JSON.parse(raw) as typeof pending) : {};
      } catch {
        pending = {};
      }
      if (typeof ctx.query.error === 'string' || !pending.state || ctx.query.state !== pending.state || typeof ctx.query.code !== 'string') {
        return { ok: false, cancelled: ctx.query.error === 'access_denied' };
      }
      const code = await provider.AuthorizationCode.find(ctx.query.code);
      const verifierMatches = code?.codeChallenge === createHash('sha256').update(pending.verifier ?? '').digest('base64url');
      if (!code || code.clientId !== clientId || code.redirectUri !== redirectUri || code.isExpired || !verifierMatches || !code.accountId || !(await protocolState.consume('AuthorizationCode', code.jti))) {
        return { ok: false, cancelled: false };
      }
      const account = await accounts.findById(code.accountId);
      if (account?.status !== 'active') return { ok: false, cancelled: false };
      return { ok: true, signIn: { account, level: levelOfAcr(code.acr, acrValues) ?? 1, amr: (code.amr as string[] | undefined) ?? [] } };
    },

    async openSession(ctx: Context, { account, level, amr }: CompletedSignIn): Promise<AreaSession> {
      const session: AreaSession = { id: randomBytes(32).toString('base64url'), accountId: account.id, level, amr };
      const { id, ...payload } = session;
      await protocolState.upsert(sessionModel, id, payload as unknown as AdapterPayload, sessionSeconds);
      ctx.cookies.set(sessionCookie, id, { httpOnly: true, sameSite: 'strict', secure: ctx.secure, signed: true, maxAge: sessionSeconds * 1000 });
      return session;
    },

    async currentSession(ctx: Context): Promise<{ session: AreaSession; account: Account } | undefined> {
      ctx.set('cache-control', 'no-store');
      const id = ctx.cookies.get(sessionCookie, { signed: true });
      const stored = id ? ((await protocolState.find(sessionModel, id)) as unknown as Omit<AreaSession, 'id'> | undefined) : undefined;
      if (!id || !stored) return undefined;
      const account = await accounts.findById(stored.accountId);
      return account?.status === 'active' ? { session: { id, ...stored }, account } : undefined;
    },

    async closeSession(ctx: Context, session: AreaSession): Promise<void> {
      await protocolState.destroy(sessionModel, session.id);
      ctx.cookies.set(sessionCookie, null);
    },
  };
}

export type FirstPartySignIn = ReturnType<typeof createFirstPartySignIn>;
