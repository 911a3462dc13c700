/**
 * The consent prompt: the citizen sees exactly which data the relying party will receive and decides.
 * The decision is stored as an oidc-provider Grant (what is granted is what is released).
 * DinhDanh's own clients (src/first-party/clients.ts) are not asked about: they are the citizen's own
 * account, and receive no personal data. Nor are portals registered with a legal basis (a statute entitles
 * them to the data): their grant is recorded with that basis, for the citizen to see.
 */
import type { Context } from 'koa';
import type { Provider } from 'oidc-provider';

import type { AccountStore } from '../accounts/account.ts';
import type { ConsentStore } from '../accounts/consents.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { format } from '../i18n/messages.ts';
import { localeOf } from '../http/locale.ts';
import type { Views } from '../http/views.ts';
import { FIRST_PARTY_CLIENT_IDS } from '../first-party/clients.ts';
import { claimsByScope, scopeOfClaim, SIGN_IN_CLAIMS } from '../oidc/find-account.ts';
import { maskPersonalId } from '../registry/personal-id.ts';
import type { RelyingPartyStore } from '../relying-parties/relying-party.ts';
import type { CsrfTokens } from './csrf.ts';
import { csrfOnlyForm, parseForm } from './forms.ts';
import { clientDisplayName, finishInteraction, loadInteraction, type InteractionDetails } from './interaction-context.ts';

interface ConsentStepDependencies {
  provider: Provider;
  views: Views;
  csrf: CsrfTokens;
  relyingParties: RelyingPartyStore;
  accounts: AccountStore;
  consents: ConsentStore;
  audit: AuditLog;
}

/**
 * What the consent page lists: the requested scopes, plus the scope of each claim asked for by name (the
 * claims parameter; provider.ts has already refused claims outside the client's registration).
 */
function requestedScopes(details: InteractionDetails): string[] {
  const scopes = String(details.params.scope ?? '').split(' ').filter(Boolean);
  const missingClaims = (details.prompt.details as { missingOIDCClaims?: string[] }).missingOIDCClaims ?? [];
  const byName = missingClaims.map(scopeOfClaim).filter((scope): scope is string => Boolean(scope));
  return [...new Set([...scopes, ...byName])];
}

export function createConsentStep({ provider, views, csrf, relyingParties, accounts, consents, audit }: ConsentStepDependencies) {
  /** Grants what the prompt found missing, records the consent and returns to the authorization endpoint. */
  async function grantAndFinish(ctx: Context, details: InteractionDetails, legalBasis?: string) {
    const accountId = details.session!.accountId;
    const clientId = String(details.params.client_id);
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId });
    if (!grant) throw new Error(`grant ${details.grantId} of interaction ${details.uid} vanished`);

    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    // Claims asked by name (the claims parameter, OIDC Core §5.5) are granted only when a scope the citizen
    // saw on this page covers them, or they describe the sign-in itself: the claims parameter cannot widen
    // what a relying party receives beyond its scopes (data minimisation; e.g. personal_id needs its scope).
    const shown = new Set(requestedScopes(details).flatMap((scope) => (claimsByScope as Record<string, readonly string[]>)[scope] ?? []));
    const claims = (missing.missingOIDCClaims ?? []).filter((claim) => shown.has(claim) || SIGN_IN_CLAIMS.has(claim));
    if (claims.length) grant.addOIDCClaims(claims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    await consents.record({ accountId, clientId, scope: grant.getOIDCScope(), grantId, ...(legalBasis ? { basis: 'legal_basis', legalBasis } : { basis: 'consent' }) });

    await audit.record({ type: 'consent.granted', accountId, clientId, ip: ctx.ip, details: { scope: (missing.missingOIDCScope ?? []).join(' '), basis: legalBasis ? 'legal_basis' : 'consent' } });
    await finishInteraction(provider, ctx, { consent: details.grantId ? {} : { grantId } }, true);
  }

  return {
    async renderConsent(ctx: Context, details: InteractionDetails) {
      if (FIRST_PARTY_CLIENT_IDS.has(String(details.params.client_id))) return grantAndFinish(ctx, details, 'DinhDanh (the citizen\'s own account)');
      // A portal the law entitles to the data (registered legalBasis): no question, the basis is recorded.
      const relyingParty = await relyingParties.findByClientId(String(details.params.client_id));
      if (relyingParty?.profile === 'portal' && relyingParty.legalBasis) return grantAndFinish(ctx, details, relyingParty.legalBasis);
      const { messages } = localeOf(ctx);
      const client = await clientDisplayName(relyingParties, ctx, details.params.client_id);
      const account = details.session?.accountId ? await accounts.findById(details.session.accountId) : undefined;
      const scopeText = messages.consent.scopes as Record<string, string>;
      const items = requestedScopes(details)
        .filter((scope) => scopeText[scope])
        .map((scope) => ({ scope, text: format(scopeText[scope]!, { client }) }));
      const uid = ctx.params.uid as string;
      views.render(ctx, 'consent', {
        title: messages.consent.title,
        // The registered logo (https, validated by the registry), next to the name the citizen reads.
        logoUri: relyingParty?.logoUri,
        intro: format(messages.consent.intro, { client }),
        signedInAs: account ? format(messages.consent.signedInAs, { personalId: maskPersonalId(account.personalId) }) : undefined,
        items,
        uid,
        csrf: csrf.tokenFor(uid),
        returnPath: `/interaction/${uid}`,
      });
    },

    async allow(ctx: Context) {
      const form = parseForm(ctx, csrfOnlyForm);
      csrf.verify(ctx.params.uid as string, form.csrf);
      await grantAndFinish(ctx, await loadInteraction(provider, ctx, 'consent'));
    },
  };
}

export type ConsentStep = ReturnType<typeof createConsentStep>;
