/**
 * The login prompt: personal identification number + password. What follows a correct password (finish,
 * second factor, or "this level cannot be reached") is the assurance step's (assurance-step.ts).
 */
import type { Context } from 'koa';
import type { Provider } from 'oidc-provider';

import type { Account } from '../accounts/account.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { LoginThrottle } from '../authentication/login-throttle.ts';
import type { PasswordLogin } from '../authentication/password-login.ts';
import { format } from '../i18n/messages.ts';
import { localeOf } from '../http/locale.ts';
import type { Views } from '../http/views.ts';
import type { RelyingPartyStore } from '../relying-parties/relying-party.ts';
import type { AssuranceStep } from './assurance-step.ts';
import type { CsrfTokens } from './csrf.ts';
import { loginForm, parseForm } from './forms.ts';
import { passkeySignInView } from './passkey-step.ts';
import { clientDisplayName, loadInteraction } from './interaction-context.ts';

interface LoginStepDependencies {
  provider: Provider;
  views: Views;
  csrf: CsrfTokens;
  relyingParties: RelyingPartyStore;
  signInWithPassword: PasswordLogin;
  /** The registry's live status check: false when the account was just suspended. */
  registryAllowsLogin: (account: Account) => Promise<boolean>;
  throttle: LoginThrottle;
  audit: AuditLog;
  assurance: AssuranceStep;
}

interface LoginPageState {
  personalId?: string;
  /** A problem with the whole form (wrong credentials). */
  formError?: string;
  personalIdError?: string;
  passwordError?: string;
}

const PERSONAL_ID = /^\d{12}$/;

export function createLoginStep({ provider, views, csrf, relyingParties, signInWithPassword, registryAllowsLogin, throttle, audit, assurance }: LoginStepDependencies) {
  async function renderLogin(ctx: Context, clientId: unknown, state: LoginPageState = {}) {
    const { messages } = localeOf(ctx);
    const client = await clientDisplayName(relyingParties, ctx, clientId);
    const uid = ctx.params.uid as string;
    const errors = [state.personalIdError && { field: 'personalId', text: state.personalIdError }, state.passwordError && { field: 'password', text: state.passwordError }].filter(Boolean);
    views.render(ctx, 'login', {
      title: messages.login.title,
      intro: format(messages.login.intro, { client }),
      cancel: format(messages.login.cancel, { client }),
      uid,
      csrf: csrf.tokenFor(uid),
      personalId: state.personalId ?? '',
      formError: state.formError,
      personalIdError: state.personalIdError,
      passwordError: state.passwordError,
      fieldErrors: errors.length ? errors : undefined,
      enrollUrl: `/enroll?return=${encodeURIComponent(`/interaction/${uid}`)}`,
      recoverUrl: `/account/recover?return=${encodeURIComponent(`/interaction/${uid}`)}`,
      returnPath: `/interaction/${uid}`,
      // Usernameless: the authenticator offers the citizen's passkeys for this site.
      ...passkeySignInView(uid, messages, messages.passkey.signIn, messages.passkey.hint),
    });
  }

  return {
    renderLogin,

    async submit(ctx: Context) {
      const form = parseForm(ctx, loginForm);
      csrf.verify(ctx.params.uid as string, form.csrf);
      const details = await loadInteraction(provider, ctx, 'login');
      const { messages } = localeOf(ctx);
      const personalId = form.personalId.replace(/\s+/g, '');

      const state: LoginPageState = { personalId };
      if (!PERSONAL_ID.test(personalId)) state.personalIdError = messages.login.personalIdFormat;
      if (!form.password) state.passwordError = messages.login.passwordRequired;
      if (state.personalIdError || state.passwordError) {
        ctx.status = 400;
        return renderLogin(ctx, details.params.client_id, state);
      }

      const clientId = String(details.params.client_id);
      // Throttled or locked: the password is not even checked (the same answer for every ID number).
      const verdict = await throttle.check(personalId, ctx.ip);
      if (!verdict.allowed) {
        await audit.record({ type: 'login.throttled', clientId, ip: ctx.ip, details: { method: 'pwd', reason: verdict.reason } });
        ctx.status = 429;
        if (verdict.reason === 'wait') ctx.set('retry-after', String(verdict.retryAfterSeconds));
        const formError = verdict.reason === 'locked' ? messages.login.locked : format(messages.login.throttled, { seconds: String(verdict.retryAfterSeconds) });
        return renderLogin(ctx, details.params.client_id, { personalId, formError });
      }

      const outcome = await signInWithPassword(personalId, form.password);
      if (!outcome.ok) await throttle.failed(personalId, ctx.ip);
      if (!outcome.ok || !(await registryAllowsLogin(outcome.account))) {
        await audit.record({ type: 'login.failed', accountId: outcome.account?.id, clientId, ip: ctx.ip, details: { method: 'pwd' } });
        // One message and one status for unknown number, wrong password and suspended account.
        ctx.status = 401;
        return renderLogin(ctx, details.params.client_id, { personalId, formError: messages.login.failed });
      }

      await throttle.succeeded(personalId);
      // Enough for this request's level, or a second factor, or the page explaining the level cannot be reached.
      await assurance.continueAfter(ctx, details, outcome.account, ['pwd']);
    },
  };
}

export type LoginStep = ReturnType<typeof createLoginStep>;
