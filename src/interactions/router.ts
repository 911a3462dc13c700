/**
 * Routes of the citizen-facing interaction pages (`interactions.url` points here). Each step loads the
 * interaction, checks the prompt it expects and finishes with `interactionResult`.
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Provider } from 'oidc-provider';

import type { AuditLog } from '../audit/audit-log.ts';
import { AppError } from '../http/errors.ts';
import type { AssuranceStep } from './assurance-step.ts';
import type { ConsentStep } from './consent-step.ts';
import type { CsrfTokens } from './csrf.ts';
import { csrfOnlyForm, parseForm } from './forms.ts';
import { finishInteraction, loadInteraction } from './interaction-context.ts';
import type { LoginStep } from './login-step.ts';
import type { PasskeyStep } from './passkey-step.ts';

interface InteractionRouterDependencies {
  provider: Provider;
  loginStep: LoginStep;
  assuranceStep: AssuranceStep;
  consentStep: ConsentStep;
  passkeyStep: PasskeyStep;
  csrf: CsrfTokens;
  audit: AuditLog;
  maxFormBytes: number;
}

export function createInteractionRouter({ provider, loginStep, assuranceStep, consentStep, passkeyStep, csrf, audit, maxFormBytes }: InteractionRouterDependencies) {
  const router = new Router({ prefix: '/interaction' });
  // Only our own form posts are parsed here; oidc-provider parses its endpoints' bodies itself.
  const forms = bodyParser({ enableTypes: ['form'], formLimit: `${maxFormBytes}b`, encoding: 'utf-8' });

  router.get('/:uid', async (ctx: Context) => {
    const details = await loadInteraction(provider, ctx);
    switch (details.prompt.name) {
      case 'login':
        // A signed-in citizen whose session is too weak for this request steps up without the password.
        if (await assuranceStep.stepUp(ctx, details)) return;
        return loginStep.renderLogin(ctx, details.params.client_id);
      case 'consent':
        return consentStep.renderConsent(ctx, details);
      default:
        throw new AppError('invalid_request', 400, 'badRequest', `unsupported prompt ${details.prompt.name}`);
    }
  });

  router.post('/:uid/login', forms, loginStep.submit);
  router.post('/:uid/second-factor', forms, assuranceStep.submitCode);
  router.post('/:uid/second-factor/resend', forms, assuranceStep.resend);
  router.post('/:uid/second-factor/sms', forms, assuranceStep.switchToSms);
  router.post('/:uid/passkey/options', forms, passkeyStep.options);
  router.post('/:uid/passkey', forms, passkeyStep.submit);
  router.post('/:uid/unmet', forms, assuranceStep.leaveUnmet);
  router.post('/:uid/consent', forms, consentStep.allow);

  // Cancel on the login page and "do not share" on the consent page: the client receives access_denied.
  router.post('/:uid/abort', forms, async (ctx: Context) => {
    const form = parseForm(ctx, csrfOnlyForm);
    csrf.verify(ctx.params.uid as string, form.csrf);
    const details = await loadInteraction(provider, ctx);
    await audit.record({
      type: 'consent.denied',
      accountId: details.session?.accountId,
      clientId: String(details.params.client_id),
      ip: ctx.ip,
      details: { prompt: details.prompt.name },
    });
    await finishInteraction(provider, ctx, { error: 'access_denied', error_description: 'the citizen cancelled' }, false);
  });

  return router;
}
