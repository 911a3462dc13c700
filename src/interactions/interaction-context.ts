/**
 * What every interaction step needs to know about the login in progress (OIDC Core §3.1.2.3): loaded from
 * oidc-provider, checked against the URL and the prompt the step expects, marked uncacheable.
 */
import type { Context } from 'koa';
import type { Provider, KoaContextWithOIDC } from 'oidc-provider';

import { AppError } from '../http/errors.ts';
import { applyUiLocales, localeOf } from '../http/locale.ts';
import type { RelyingPartyStore } from '../relying-parties/relying-party.ts';

export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

export async function loadInteraction(
  provider: Provider,
  ctx: Context,
  expectedPrompt?: 'login' | 'consent',
): Promise<InteractionDetails> {
  ctx.set('cache-control', 'no-store');
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== ctx.params.uid) throw new AppError('session_expired', 400, 'sessionExpired', 'interaction does not match the cookie');
  applyUiLocales(ctx, details.params.ui_locales);
  if (expectedPrompt && details.prompt.name !== expectedPrompt) {
    throw new AppError('invalid_request', 400, 'badRequest', `expected the ${expectedPrompt} step, the interaction is at ${details.prompt.name}`);
  }
  return details;
}

/** The relying party's name in the citizen's language, for "continue to …" and consent. */
export async function clientDisplayName(relyingParties: RelyingPartyStore, ctx: Context, clientId: unknown): Promise<string> {
  const relyingParty = typeof clientId === 'string' ? await relyingParties.findByClientId(clientId) : undefined;
  return relyingParty?.name[localeOf(ctx).locale] ?? String(clientId);
}

/** Finishes the interaction and sends the browser back to the authorization endpoint (303 after a POST). */
export async function finishInteraction(
  provider: Provider,
  ctx: Context,
  result: Parameters<Provider['interactionResult']>[2],
  mergeWithLastSubmission: boolean,
): Promise<void> {
  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

export type { KoaContextWithOIDC };
