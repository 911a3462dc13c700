/**
 * The oidc-provider configuration: DinhDanh's protocol baseline.
 *
 * - authorization code flow only (no implicit/hybrid: RFC 9700 §2.1.2), PKCE S256 for every client
 *   (RFC 9700 §2.1.1; oidc-provider v9 has no `plain`), `iss` in authorization responses (RFC 9207),
 *   PAR (RFC 9126), refresh-token rotation (RFC 9700 §4.14.2), introspection (RFC 7662), revocation
 *   (RFC 7009), RP-initiated logout (OIDC RP-Initiated Logout 1.0), DPoP (RFC 9449);
 * - devInteractions off: the citizen-facing pages are ours (src/interactions).
 */
import { createHmac } from 'node:crypto';
import type { Context } from 'koa';
import { errors, interactionPolicy, Provider, type Adapter, type Configuration, type FindAccount, type KoaContextWithOIDC } from 'oidc-provider';

import type { IdentityLevel } from '../accounts/account.ts';
import type { AcrValues } from '../assurance/levels.ts';
import { levelOfAcr, requiredLevel } from '../assurance/required-level.ts';
import type { SessionActivity } from '../assurance/session-activity.ts';
import type { BackChannelSignIn } from '../ciba/back-channel-sign-in.ts';
import type { Config } from '../config/schema.ts';
import { format } from '../i18n/messages.ts';
import { classify, renderErrorPage } from '../http/errors.ts';
import { localeOf } from '../http/locale.ts';
import type { Views } from '../http/views.ts';
import { IDENTITY_UPGRADE_SCOPE } from '../first-party/clients.ts';
import { claimsByScope, SIGN_IN_CLAIMS } from './find-account.ts';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function fetchAllowingLoopback(input: string | URL | Request, init: RequestInit & { dispatcher?: unknown } = {}): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : input);
  if (LOOPBACK_HOSTS.has(url.hostname)) delete init.dispatcher;
  return globalThis.fetch(input, init);
}

/** FAPI 2.0 Security Profile §5.4.1: the algorithms banks may use. */
const FAPI_ALGORITHMS = ['PS256', 'ES256'];

function isBank(client: unknown): boolean {
  // Extra client metadata keeps its registered (snake_case) name on oidc-provider's Client.
  return (client as { dinhdanh_profile?: string } | undefined)?.dinhdanh_profile === 'bank';
}

/** Only asymmetric algorithms: no client secret ever doubles as a signing key. */
const SIGNING_ALGORITHMS = ['ES256', 'PS256', 'RS256'];

interface ProviderDependencies {
  config: Config;
  jwks: { keys: Record<string, unknown>[] };
  adapter: (model: string) => Adapter;
  findAccount: FindAccount;
  views: Views;
  acrValues: AcrValues;
  /** The relying party's registered minimum level (applies even when a request asks for nothing). */
  minimumLevelOf(clientId: string): Promise<IdentityLevel>;
  /** Epoch milliseconds (tests move it to age a session). */
  clock: () => number;
  sessionActivity: SessionActivity;
  /** The account's identity level now (a supervisor may have reversed level 2 since the sign-in). */
  identityLevelOf(accountId: string): Promise<IdentityLevel | undefined>;
  ciba: Pick<BackChannelSignIn, 'feature' | 'ttl'>;
}

export function createProvider({ config, jwks, adapter, findAccount, views, acrValues, minimumLevelOf, clock, sessionActivity, identityLevelOf, ciba }: ProviderDependencies): Provider {
  const secureCookies = new URL(config.issuer).protocol === 'https:';
  const relyingPartyScopes = ['openid', 'offline_access', ...Object.keys(claimsByScope).filter((scope) => scope !== 'openid')];
  const ttl = config.oidc.ttl;

  const configuration: Configuration = {
    adapter,
    findAccount,
    jwks: jwks as Configuration['jwks'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    // eid_upgrade: DinhDanh's phone app calling the identity-upgrade API (src/first-party/clients.ts); not
    // advertised in discovery, no relying party may ask for it.
    scopes: ['openid', 'offline_access', IDENTITY_UPGRADE_SCOPE, ...relyingPartyScopes.slice(2)],
    // acr and amr ride on `openid` so every ID token states how the citizen authenticated (OIDC Core §2).
    claims: { ...claimsByScope, openid: [...claimsByScope.openid, 'acr', 'amr'], auth_time: null, sid: null } as unknown as Configuration['claims'],
    acrValues: [acrValues.level1, acrValues.level2],
    // Pairwise by default (OIDC Core §8.1): HMAC(PAIRWISE_SUBJECT_SECRET, sector ‖ account), the sector being
    // the relying party's registered sector identifier (src/oidc/clients.ts). The registry validated it when
    // the operator registered the relying party; oidc-provider does not fetch a sector_identifier_uri.
    subjectTypes: ['public', 'pairwise'],
    sectorIdentifierUriValidate: () => false,
    async pairwiseIdentifier(_ctx, accountId, client) {
      return createHmac('sha256', config.oidc.pairwiseSecret).update(`${client.sectorIdentifier}\u0000${accountId}`).digest('base64url');
    },
    clientAuthMethods: ['private_key_jwt', 'client_secret_basic', 'none'],
    enabledJWA: {
      idTokenSigningAlgValues: SIGNING_ALGORITHMS,
      userinfoSigningAlgValues: SIGNING_ALGORITHMS,
      introspectionSigningAlgValues: SIGNING_ALGORITHMS,
      authorizationSigningAlgValues: SIGNING_ALGORITHMS,
      requestObjectSigningAlgValues: SIGNING_ALGORITHMS,
      clientAuthSigningAlgValues: SIGNING_ALGORITHMS,
      dPoPSigningAlgValues: ['ES256', 'PS256'],
    } as Configuration['enabledJWA'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'ES256',
      token_endpoint_auth_method: 'private_key_jwt',
    },
    rotateRefreshToken: true,
    // Outside production, relying parties on this machine (the examples beside `npm start`) may publish their
    // keys at a loopback jwksUri, which the registry accepts there: only those fetches skip oidc-provider's
    // SSRF guard. Production keeps the guard for every outgoing request.
    ...(config.env === 'production' ? {} : { fetch: fetchAllowingLoopback }),
    ttl: {
      // FAPI 2.0 Security Profile §5.3.2.1: authorization codes of banks live at most 60 seconds.
      AuthorizationCode: (_ctx, _code, client) => (isBank(client) ? Math.min(60, ttl.authorizationCode) : ttl.authorizationCode),
      AccessToken: ttl.accessToken,
      IdToken: ttl.idToken,
      RefreshToken: ttl.refreshToken,
      Interaction: ttl.interaction,
      Session: ttl.session,
      Grant: ttl.refreshToken,
      BackchannelAuthenticationRequest: (ctx) => ciba.ttl(ctx),
    },
    cookies: {
      keys: [...config.cookies.keys],
      names: { session: 'dd_session', interaction: 'dd_interaction', resume: 'dd_resume' },
      long: { httpOnly: true, sameSite: 'lax', secure: secureCookies },
      short: { httpOnly: true, sameSite: 'lax', secure: secureCookies },
    },
    // The relying party's profile (src/relying-parties/relying-party.ts), so per-client rules can see it.
    extraClientMetadata: { properties: ['dinhdanh_profile'] },
    async assertJwtClientAuthClaimsAndHeader(ctx, claims, header, client) {
      // FAPI 2.0 §5.3.2.1: the client assertion's audience is the issuer; §5.4.1: PS256 or ES256 only.
      // (The client itself, not ctx.oidc.isFapi: the profile may have been read before the client was known.)
      if ((ctx.oidc.isFapi('2.0') || isBank(client)) && claims.aud !== ctx.oidc.issuer) throw new errors.InvalidClientAuth('audience (aud) must equal the issuer identifier url');
      if (isBank(client) && !FAPI_ALGORITHMS.includes(String(header.alg))) throw new errors.InvalidClientAuth(`client assertions of banks are signed with ${FAPI_ALGORITHMS.join(' or ')}`);
    },
    interactions: { policy: loginPolicy({ acrValues, minimumLevelOf, clock, sessionActivity, identityLevelOf, maxAgeSeconds: config.oidc.level2MaxAgeSeconds, idleSeconds: config.oidc.level2IdleSeconds }), url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: config.oidc.devInteractions },
      // Required per client for banks (src/oidc/clients.ts), recommended for all.
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      // Banks: the FAPI 2.0 Security Profile (PKCE, aud = issuer, redirect_uri always sent; with the per-client
      // PAR, DPoP, private_key_jwt and algorithm rules around it). Signed request objects (JAR, RFC 9101)
      // carry the authorization request for the FAPI 2.0 Message Signing profile.
      fapi: { enabled: true, profile: (_ctx, client) => (isBank(client) ? '2.0' : undefined) },
      requestObjects: { enabled: true, requireSignedRequestObject: false },
      // Bank-initiated sign-in approved on the citizen's phone (CIBA poll mode; src/ciba).
      ciba: ciba.feature,
      introspection: {
        enabled: true,
        // A client may introspect only tokens issued to it (RFC 7662 §4: limit who learns about tokens).
        allowedPolicy: async (ctx, client, token) => token.clientId === client.clientId && client.clientAuthMethod !== 'none',
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx: KoaContextWithOIDC, form: string) {
          const { messages } = localeOf(ctx as unknown as Context);
          views.render(ctx as unknown as Context, 'logout', { title: messages.logout.title, form, returnPath: '/' });
        },
        async postLogoutSuccessSource(ctx: KoaContextWithOIDC) {
          const { messages } = localeOf(ctx as unknown as Context);
          const clientName = ctx.oidc.client?.clientName;
          views.render(ctx as unknown as Context, 'logged-out', {
            title: messages.logout.doneTitle,
            message: clientName ? format(messages.logout.doneClient, { client: clientName }) : messages.logout.done,
            returnPath: '/',
          });
        },
      },
      // OIDC Back-Channel Logout 1.0: every relying party of the ended session with a back-channel logout URI
      // is told, with its `sid`. DinhDanh delivers the logout tokens, with retries (src/logout/back-channel-logout.ts).
      backchannelLogout: { enabled: true },
      // The claims parameter (OIDC Core §5.5): how a relying party asks for an essential acr. It may narrow or
      // name claims, never widen: a claim outside the client's registered scopes is refused here (the consent
      // page lists the rest by scope; src/interactions/consent-step.ts).
      claimsParameter: {
        enabled: true,
        async assertClaimsParameter(_ctx, claims, client) {
          const allowed = new Set([...SIGN_IN_CLAIMS, ...String(client.scope ?? '').split(' ').flatMap((scope) => (claimsByScope as Record<string, readonly string[]>)[scope] ?? [])]);
          for (const container of ['id_token', 'userinfo'] as const) {
            for (const [claim, request] of Object.entries((claims as Record<string, Record<string, unknown> | undefined>)[container] ?? {})) {
              if (request !== null && (typeof request !== 'object' || Array.isArray(request))) throw new errors.InvalidRequest(`claims.${container} members must be null or objects`);
              if (!allowed.has(claim)) throw new errors.InvalidRequest(`claims.${container}.${claim} is not among the claims this client is registered for`);
            }
          }
        },
      },
      dPoP: { enabled: true },
      userinfo: { enabled: true },
    },
    clientBasedCORS(_ctx, origin, client) {
      // Browser-based public clients may call the token and userinfo endpoints from their own origin only.
      return client.redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) ?? false;
    },
    async renderError(ctx, out, error) {
      const classified = classify(error);
      // A backend outage inside the provider is "start again", like everywhere else; other errors are OAuth's.
      const outage = classified.status === 503;
      const status = outage ? 503 : ((error as { statusCode?: number }).statusCode ?? 500);
      renderErrorPage(ctx as unknown as Context, views, {
        status,
        code: outage ? classified.code : out.error,
        messageKey: outage ? classified.messageKey : status >= 500 ? 'generic' : 'oauth',
        description: outage ? classified.description : status >= 500 ? 'unexpected error' : (out.error_description ?? ''),
      });
    },
  };

  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.http.trustProxy;
  // oidc-provider lists every configured scope and only fills `discovery` defaults: hide the first-party
  // scope, and say that CIBA user codes are not taken (verifyUserCode refuses them).
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as { scopes_supported?: string[]; backchannel_user_code_parameter_supported?: boolean } | undefined;
    if (ctx.path === '/.well-known/openid-configuration' && Array.isArray(body?.scopes_supported)) {
      body.scopes_supported = body.scopes_supported.filter((scope) => relyingPartyScopes.includes(scope));
      if (body.backchannel_user_code_parameter_supported !== undefined) body.backchannel_user_code_parameter_supported = false;
    }
  });
  return provider;
}

/**
 * oidc-provider's prompts, with one change to login: its `essential_acr(s)` checks demand the exact acr value,
 * while DinhDanh's levels are ordered. `level_too_low` asks for a login (step-up) whenever the session's level
 * is below what the request requires: the client's minimum, `acr_values`, or an `acr` claim request
 * (src/assurance/required-level.ts). A level-2 session counts as level 2 only within its maximum age
 * (LEVEL_2_MAX_AGE_SECONDS, 12 h), while not idle (LEVEL_2_IDLE_SECONDS, 30 min without use), and while the
 * account is still level 2 (a supervisor may reverse an upgrade).
 */
function loginPolicy({
  acrValues,
  minimumLevelOf,
  clock,
  sessionActivity,
  maxAgeSeconds,
  idleSeconds,
  identityLevelOf,
}: Pick<ProviderDependencies, 'acrValues' | 'minimumLevelOf' | 'clock' | 'sessionActivity' | 'identityLevelOf'> & { maxAgeSeconds: number; idleSeconds: number }) {
  const policy = interactionPolicy.base();
  const login = policy.get('login')!;
  // max_age (OIDC Core §3.1.2.1) measured on the same clock that stamps the login (auth_time), in place.
  login.checks.get('max_age')!.check = (ctx) => {
    const { oidc } = ctx;
    if (oidc.params?.max_age === undefined) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
    if (!oidc.session?.accountId || oidc.result?.login) return !oidc.session?.accountId;
    return clock() / 1000 - (oidc.session.authTime() ?? 0) > Number(oidc.params.max_age);
  };
  login.checks.remove('essential_acrs');
  login.checks.remove('essential_acr');
  login.checks.add(
    new interactionPolicy.Check('level_too_low', 'the session is below the level this request requires', async (ctx) => {
      const { oidc } = ctx;
      if (!oidc.session?.accountId || !oidc.client) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      const required = requiredLevel({ acrValues: oidc.params?.acr_values, claims: oidc.claims, clientMinimum: await minimumLevelOf(oidc.client.clientId) }, acrValues);
      let sessionLevel = levelOfAcr(oidc.session.acr, acrValues) ?? 1;
      if (sessionLevel === 2) {
        const now = clock() / 1000;
        const signedInAt = oidc.session.authTime() ?? 0;
        const lastActive = Math.max(signedInAt, (await sessionActivity.lastSeen(oidc.session.uid)) ?? 0);
        // Too old, idle, or the account's level 2 was reversed after the sign-in.
        if (now - signedInAt > maxAgeSeconds || now - lastActive > idleSeconds || (await identityLevelOf(oidc.session.accountId)) !== 2) sessionLevel = 1;
        // Any use of a level-2 session keeps it alive, whatever level this request needs.
        else await sessionActivity.touch(oidc.session.uid);
      }
      return sessionLevel < required;
    }),
  );
  return policy;
}
