/**
 * After a factor succeeds: does the session reach the level this request requires (src/assurance)? Then the
 * login finishes. If not, and the account can reach it, the citizen is asked for a second factor — not the
 * password again (step-up): a code from the citizen's authenticator app (TOTP) when they have one, else (or on
 * request) a one-time code by SMS to the account's verified phone; a passkey also serves (passkey-step.ts).
 * If the account cannot reach it (a level-1 account asked for level 2), a translated page
 * explains how to reach level 2 and the relying party receives `unmet_authentication_requirements`
 * (OpenID Connect Core errata / RFC 9470) — never a token claiming the wrong level.
 */
import type { Context } from 'koa';
import type { Provider } from 'oidc-provider';
import { z } from 'zod';

import type { Account, AccountStore } from '../accounts/account.ts';
import { acrFor, amrFor, sessionLevel, type AcrValues, type AuthenticationMethod } from '../assurance/levels.ts';
import { levelOfAcr, requiredLevel } from '../assurance/required-level.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { LoginThrottle } from '../authentication/login-throttle.ts';
import type { OneTimeCodes } from '../authentication/one-time-codes.ts';
import type { Totp } from '../authentication/totp.ts';
import type { CredentialStore, TotpCredential } from '../accounts/credentials.ts';
import type { PhoneChallenges } from '../enrollment/phone-challenges.ts';
import { maskPhone } from '../enrollment/enrollment-form.ts';
import { localeOf } from '../http/locale.ts';
import type { Views } from '../http/views.ts';
import { format } from '../i18n/messages.ts';
import type { RelyingPartyStore } from '../relying-parties/relying-party.ts';
import type { CsrfTokens } from './csrf.ts';
import { parseForm } from './forms.ts';
import { passkeySignInView } from './passkey-step.ts';
import { clientDisplayName, finishInteraction, loadInteraction, type InteractionDetails } from './interaction-context.ts';

const SECOND_FACTOR_COOKIE = 'dd_second_factor';
const codeForm = z.object({ code: z.string().max(64).default(''), csrf: z.string().max(1024).default('') });
const csrfForm = z.object({ csrf: z.string().max(1024).default('') });

interface AssuranceStepDependencies {
  provider: Provider;
  views: Views;
  csrf: CsrfTokens;
  accounts: AccountStore;
  relyingParties: RelyingPartyStore;
  codes: OneTimeCodes;
  phoneChallenges: PhoneChallenges;
  throttle: LoginThrottle;
  totp: Totp;
  credentials: Pick<CredentialStore, 'listForAccount'>;
  audit: AuditLog;
  acrValues: AcrValues;
  /** Epoch milliseconds: the login's time (auth_time) on the same clock as the level's age limits. */
  clock: () => number;
}

export function createAssuranceStep({ provider, views, csrf, accounts, relyingParties, codes, phoneChallenges, throttle, totp, credentials, audit, acrValues, clock }: AssuranceStepDependencies) {
  async function requiredFor(details: InteractionDetails) {
    const clientId = String(details.params.client_id);
    const relyingParty = await relyingParties.findByClientId(clientId);
    return requiredLevel({ acrValues: details.params.acr_values, claims: details.params.claims, clientMinimum: relyingParty?.minimumLevel ?? 1 }, acrValues);
  }

  async function finish(ctx: Context, details: InteractionDetails, account: Account, methods: AuthenticationMethod[]) {
    const level = sessionLevel(account.identityLevel, methods);
    const clientId = String(details.params.client_id);
    await audit.record({ type: 'login.succeeded', accountId: account.id, clientId, ip: ctx.ip, details: { methods: methods.join(' '), level } });
    ctx.cookies.set(SECOND_FACTOR_COOKIE, null);
    // A new login result replaces the session's (oidc-provider rotates the session id on every login).
    await finishInteraction(provider, ctx, { login: { accountId: account.id, acr: acrFor(level, acrValues), amr: amrFor(methods), remember: true, ts: Math.floor(clock() / 1000) } }, false);
  }

  async function renderUnmet(ctx: Context, details: InteractionDetails) {
    const { messages } = localeOf(ctx);
    const client = await clientDisplayName(relyingParties, ctx, details.params.client_id);
    ctx.status = 403;
    views.render(ctx, 'level-unmet', {
      title: messages.assurance.unmetTitle,
      explanation: format(messages.assurance.unmetExplanation, { client }),
      back: format(messages.assurance.unmetBack, { client }),
      uid: details.uid,
      csrf: csrf.tokenFor(details.uid),
    });
  }

  async function confirmedTotpOf(account: Account): Promise<TotpCredential | undefined> {
    const found = await credentials.listForAccount(account.id, 'totp');
    return found.find((credential): credential is TotpCredential => credential.type === 'totp' && credential.confirmed);
  }

  async function renderSecondFactor(ctx: Context, details: InteractionDetails, account: Account, model: { error?: string; notice?: string; channel?: 'sms' | 'totp' } = {}) {
    const { messages } = localeOf(ctx);
    const byApp = model.channel === 'totp';
    const hasPasskey = (await credentials.listForAccount(account.id, 'passkey')).length > 0;
    views.render(ctx, 'second-factor', {
      title: messages.assurance.secondFactorTitle,
      sent: byApp ? messages.assurance.totpAsk : format(messages.assurance.smsSent, { phone: maskPhone(account.phoneNumber) }),
      byApp,
      hasPasskey,
      uid: details.uid,
      csrf: csrf.tokenFor(details.uid),
      error: model.error,
      notice: model.notice,
      ...(hasPasskey ? passkeySignInView(details.uid, messages, messages.passkey.secondFactor) : {}),
    });
  }

  /**
   * Starts the second factor, bound to this interaction and this account: the authenticator app when the
   * account has one (nothing is sent), else a code by SMS to the account's phone.
   */
  async function startSecondFactor(ctx: Context, details: InteractionDetails, account: Account, methods: AuthenticationMethod[], channel?: 'sms' | 'totp') {
    const { locale } = localeOf(ctx);
    const chosen = channel ?? ((await confirmedTotpOf(account)) ? 'totp' : 'sms');
    const { id, code } = await codes.start('login', { accountId: account.id, uid: details.uid, methods: methods.join(' '), phoneNumber: account.phoneNumber, locale, channel: chosen });
    if (chosen === 'sms') phoneChallenges.sendLater(account.phoneNumber, phoneChallenges.codeText('login', locale, code!));
    ctx.cookies.set(SECOND_FACTOR_COOKIE, id, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, signed: true, maxAge: codes.rules.flowTtlSeconds * 1000 });
    return renderSecondFactor(ctx, details, account, { channel: chosen });
  }

  /** The pending second factor of this interaction, or undefined (expired, exhausted, another interaction). */
  async function pendingChallenge(ctx: Context, details: InteractionDetails) {
    const id = ctx.cookies.get(SECOND_FACTOR_COOKIE, { signed: true });
    const challenge = id ? await phoneChallenges.find(id, 'login') : undefined;
    if (!challenge || challenge.data.uid !== details.uid) return undefined;
    const account = await accounts.findById(challenge.data.accountId!);
    return account?.status === 'active' ? { challenge, account } : undefined;
  }

  return {
    pendingSecondFactor: pendingChallenge,
    renderSecondFactor,
    async discardSecondFactor(ctx: Context, challengeId: string) {
      await codes.discard(challengeId);
      ctx.cookies.set(SECOND_FACTOR_COOKIE, null);
    },

    /**
     * Called when a factor has just succeeded (`methods` are all the factors of this login so far).
     * Finishes the login, asks for a second factor, or explains that the level cannot be reached.
     */
    async continueAfter(ctx: Context, details: InteractionDetails, account: Account, methods: AuthenticationMethod[]) {
      const required = await requiredFor(details);
      if (sessionLevel(account.identityLevel, methods) >= required) return finish(ctx, details, account, methods);
      if (account.identityLevel < required) {
        await audit.record({ type: 'login.level_unmet', accountId: account.id, clientId: String(details.params.client_id), ip: ctx.ip, details: { required, identityLevel: account.identityLevel } });
        return renderUnmet(ctx, details);
      }
      return startSecondFactor(ctx, details, account, methods);
    },

    /**
     * The login prompt for a citizen who already has a session that is too weak for this request (oidc-provider
     * asked because of `level_too_low`): step up with the second factor, without the password again.
     * Returns false when the session cannot be stepped up here (then the password page is shown).
     */
    async stepUp(ctx: Context, details: InteractionDetails): Promise<boolean> {
      const accountId = details.session?.accountId;
      if (!accountId || !details.prompt.reasons.includes('level_too_low')) return false;
      if (details.prompt.reasons.some((reason) => ['no_session', 'max_age', 'login_prompt', 'id_token_hint', 'claims_id_token_sub_value'].includes(reason))) return false;
      // A level-2 session asked to log in again has outlived LEVEL_2_MAX_AGE_SECONDS or gone idle past
      // LEVEL_2_IDLE_SECONDS: everything again, password first.
      if (levelOfAcr(details.session?.acr, acrValues) === 2) return false;
      const account = await accounts.findById(accountId);
      if (account?.status !== 'active') return false;
      const pending = await pendingChallenge(ctx, details);
      if (pending) {
        await renderSecondFactor(ctx, details, pending.account, { channel: pending.challenge.data.channel as 'sms' | 'totp' });
        return true;
      }
      // The session's methods: what the previous login recorded (amr minus "mfa").
      const methods = (details.session!.amr ?? ['pwd']).filter((method) => method !== 'mfa') as AuthenticationMethod[];
      await this.continueAfter(ctx, details, account, methods);
      return true;
    },

    async submitCode(ctx: Context) {
      const form = parseForm(ctx, codeForm);
      csrf.verify(ctx.params.uid as string, form.csrf);
      const details = await loadInteraction(provider, ctx, 'login');
      const { messages } = localeOf(ctx);
      const pending = await pendingChallenge(ctx, details);
      if (!pending) {
        ctx.status = 400;
        ctx.cookies.set(SECOND_FACTOR_COOKIE, null);
        return views.render(ctx, 'phone-expired', { title: messages.assurance.secondFactorTitle, message: messages.assurance.expired, startOverUrl: `/interaction/${details.uid}` });
      }
      const { challenge, account } = pending;
      const channel = challenge.data.channel as 'sms' | 'totp';
      const verdict = await throttle.check(account.personalId, ctx.ip);
      if (!verdict.allowed) {
        ctx.status = 429;
        return renderSecondFactor(ctx, details, account, { channel, error: verdict.reason === 'locked' ? messages.login.locked : format(messages.login.throttled, { seconds: String(verdict.retryAfterSeconds) }) });
      }
      if (channel === 'totp') {
        const credential = await confirmedTotpOf(account);
        const outcome = credential ? await totp.verify(credential, form.code) : 'wrong';
        if (outcome === 'accepted') {
          await codes.discard(challenge.id);
          await throttle.succeeded(account.personalId);
          return finish(ctx, details, account, [...(challenge.data.methods!.split(' ') as AuthenticationMethod[]), 'otp']);
        }
        // A wrong or replayed app code counts like a wrong password (throttling, lockout at 100).
        await throttle.failed(account.personalId, ctx.ip);
        await audit.record({ type: 'login.failed', accountId: account.id, clientId: String(details.params.client_id), ip: ctx.ip, details: { method: 'otp', outcome } });
        ctx.status = 400;
        return renderSecondFactor(ctx, details, account, { channel, error: outcome === 'replayed' ? messages.assurance.totpReplayed : messages.assurance.totpWrong });
      }
      const { outcome, attemptsLeft } = await codes.verify(challenge.id, form.code);
      if (outcome === 'verified' && (await codes.takeVerified(challenge.id))) {
        await throttle.succeeded(account.personalId);
        return finish(ctx, details, account, [...(challenge.data.methods!.split(' ') as AuthenticationMethod[]), 'sms']);
      }
      await throttle.failed(account.personalId, ctx.ip);
      await audit.record({ type: 'login.failed', accountId: account.id, clientId: String(details.params.client_id), ip: ctx.ip, details: { method: 'sms', outcome } });
      ctx.status = 400;
      if (outcome === 'exhausted' || outcome === 'missing') {
        ctx.cookies.set(SECOND_FACTOR_COOKIE, null);
        return views.render(ctx, 'phone-expired', { title: messages.assurance.secondFactorTitle, message: messages.assurance.expired, startOverUrl: `/interaction/${details.uid}` });
      }
      const error = outcome === 'expired' ? messages.enroll.codeExpired : format(messages.enroll.codeWrong, { attempts: String(attemptsLeft) });
      return renderSecondFactor(ctx, details, account, { channel, error });
    },

    /** "Send me an SMS code instead" on the authenticator-app page. */
    async switchToSms(ctx: Context) {
      const form = parseForm(ctx, csrfForm);
      csrf.verify(ctx.params.uid as string, form.csrf);
      const details = await loadInteraction(provider, ctx, 'login');
      const pending = await pendingChallenge(ctx, details);
      if (!pending) {
        ctx.status = 303;
        return ctx.redirect(`/interaction/${details.uid}`);
      }
      if (pending.challenge.data.channel === 'sms') return renderSecondFactor(ctx, details, pending.account, { channel: 'sms' });
      await codes.discard(pending.challenge.id);
      return startSecondFactor(ctx, details, pending.account, pending.challenge.data.methods!.split(' ') as AuthenticationMethod[], 'sms');
    },

    async resend(ctx: Context) {
      const form = parseForm(ctx, csrfForm);
      csrf.verify(ctx.params.uid as string, form.csrf);
      const details = await loadInteraction(provider, ctx, 'login');
      const { messages } = localeOf(ctx);
      const pending = await pendingChallenge(ctx, details);
      if (!pending) {
        ctx.status = 303;
        return ctx.redirect(`/interaction/${details.uid}`);
      }
      const outcome = await phoneChallenges.resend(pending.challenge.id);
      if (outcome !== 'sent') ctx.status = 429;
      const notice = { sent: messages.enroll.resent, too_soon: messages.enroll.resendTooSoon, limit: messages.enroll.resendLimit, missing: messages.assurance.expired }[outcome];
      return renderSecondFactor(ctx, details, pending.account, outcome === 'sent' ? { notice, channel: 'sms' } : { error: notice, channel: 'sms' });
    },

    /** "Back to the service" on the unmet-level page: the relying party learns why, in the standard way. */
    async leaveUnmet(ctx: Context) {
      const form = parseForm(ctx, csrfForm);
      csrf.verify(ctx.params.uid as string, form.csrf);
      await loadInteraction(provider, ctx, 'login');
      await finishInteraction(provider, ctx, { error: 'unmet_authentication_requirements', error_description: 'the account does not have the identity level this request requires' }, false);
    },
  };
}

export type AssuranceStep = ReturnType<typeof createAssuranceStep>;
