/**
 * Passkey sign-in within an interaction (src/authentication/passkeys.ts does the WebAuthn part).
 *
 *   POST /interaction/:uid/passkey/options   JSON options for navigator.credentials.get(): usernameless on the
 *                                            login page; the signed-in account's passkeys when stepping up
 *   POST /interaction/:uid/passkey           the form the page's script submits with the authenticator's
 *                                            response; then the assurance step decides (finish, unmet page)
 *
 * The password throttle is not consulted: whoever can type a citizen's ID number can lock their password,
 * never their passkeys (a passkey cannot be guessed; its failures are audited). The registry's live status
 * is checked as for a password.
 */
import type { Context } from 'koa';
import type { Provider } from 'oidc-provider';
import { z } from 'zod';

import type { Account, AccountStore } from '../accounts/account.ts';
import type { AuthenticationMethod } from '../assurance/levels.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { parseAuthenticationResponse, type Passkeys } from '../authentication/passkeys.ts';
import { localeOf } from '../http/locale.ts';
import type { Messages } from '../i18n/messages.ts';
import type { AssuranceStep } from './assurance-step.ts';
import type { CsrfTokens } from './csrf.ts';
import { csrfOnlyForm, parseForm } from './forms.ts';
import { loadInteraction, type InteractionDetails } from './interaction-context.ts';
import type { LoginStep } from './login-step.ts';

const passkeyForm = z.object({ csrf: z.string().max(1024).default(''), response: z.string().max(16_384).default('') });

/** The view model of views/passkey-button.mustache for a sign-in within interaction `uid`. */
export function passkeySignInView(uid: string, messages: Messages, label: string, hint?: string) {
  return {
    scripts: ['/static/passkey.js'],
    passkeyMode: 'authenticate',
    passkeyOptionsUrl: `/interaction/${uid}/passkey/options`,
    passkeyAction: `/interaction/${uid}/passkey`,
    passkeyLabel: label,
    passkeyHint: hint,
    passkeyFailedText: messages.passkey.failed,
    passkeyOr: true,
  };
}

interface PasskeyStepDependencies {
  provider: Provider;
  passkeys: Passkeys;
  accounts: Pick<AccountStore, 'findById'>;
  registryAllowsLogin: (account: Account) => Promise<boolean>;
  csrf: CsrfTokens;
  audit: AuditLog;
  loginStep: LoginStep;
  assurance: AssuranceStep;
}

export function createPasskeyStep({ provider, passkeys, accounts, registryAllowsLogin, csrf, audit, loginStep, assurance }: PasskeyStepDependencies) {
  /** The failure page: the second-factor page when stepping up, else the login page. */
  async function refuse(ctx: Context, details: InteractionDetails, message: string) {
    ctx.status = 400;
    const pending = await assurance.pendingSecondFactor(ctx, details);
    if (pending) return assurance.renderSecondFactor(ctx, details, pending.account, { channel: pending.challenge.data.channel as 'sms' | 'totp', error: message });
    return loginStep.renderLogin(ctx, details.params.client_id, { formError: message });
  }

  return {
    async options(ctx: Context) {
      const form = parseForm(ctx, csrfOnlyForm);
      csrf.verify(ctx.params.uid as string, form.csrf);
      const details = await loadInteraction(provider, ctx, 'login');
      const pending = await assurance.pendingSecondFactor(ctx, details);
      ctx.body = await passkeys.authenticationOptions(details.uid, pending?.account.id);
    },

    /** On success the assurance step records `login.succeeded` with the methods (hwk/swk + user). */
    async submit(ctx: Context) {
      const form = parseForm(ctx, passkeyForm);
      csrf.verify(ctx.params.uid as string, form.csrf);
      const details = await loadInteraction(provider, ctx, 'login');
      const { messages } = localeOf(ctx);
      const clientId = String(details.params.client_id);
      const response = parseAuthenticationResponse(form.response);
      if (!response) return refuse(ctx, details, messages.passkey.failed);

      const outcome = await passkeys.authenticate(details.uid, response);
      const account = outcome.ok ? await accounts.findById(outcome.credential.accountId) : undefined;
      if (!outcome.ok || account?.status !== 'active' || !(await registryAllowsLogin(account))) {
        await audit.record({ type: 'login.failed', accountId: account?.id, clientId, ip: ctx.ip, details: { method: 'passkey', outcome: outcome.ok ? 'account_inactive' : outcome.reason } });
        return refuse(ctx, details, outcome.ok || outcome.reason !== 'unknown_credential' ? messages.passkey.failed : messages.passkey.unknown);
      }

      // Stepping up: the factors of this login so far, plus the passkey; the pending code is no longer needed.
      const pending = await assurance.pendingSecondFactor(ctx, details);
      let methods: AuthenticationMethod[] = outcome.methods;
      if (pending && pending.account.id === account.id) {
        methods = [...(pending.challenge.data.methods!.split(' ') as AuthenticationMethod[]), ...outcome.methods];
        await assurance.discardSecondFactor(ctx, pending.challenge.id);
      }
      await assurance.continueAfter(ctx, details, account, methods);
    },
  };
}

export type PasskeyStep = ReturnType<typeof createPasskeyStep>;
