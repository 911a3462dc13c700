/**
 * The phone-verified pages, designed for a phone and working without JavaScript. Two flows share them:
 *
 *   enrollment (/enroll)                      identity data + mobile number → code → password → level-1 account
 *   password recovery (/account/recover)      identity data → code to the account's number → new password
 *
 *   GET/POST <prefix>            the identity form
 *   GET/POST <prefix>/code       the SMS code (POST <prefix>/resend for a new one)
 *   GET/POST <prefix>/password   the password, then the flow's outcome
 *
 * A flow lives in a one-time-code challenge; the browser holds only its id in a signed cookie.
 */
import { randomBytes } from 'node:crypto';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';

import type { RateLimit } from '../authentication/login-throttle.ts';
import type { Challenge } from '../authentication/one-time-codes.ts';
import { AppError } from '../http/errors.ts';
import { localeOf } from '../http/locale.ts';
import type { Views } from '../http/views.ts';
import { format, type Locale, type Messages } from '../i18n/messages.ts';
import type { CsrfTokens } from '../interactions/csrf.ts';
import { parseForm } from '../interactions/forms.ts';
import { RegistryUnavailableError } from '../registry/population-registry.ts';
import type { Enrollment } from './enrollment.ts';
import { maskPhone, validateEnrollmentFields, type EnrollmentFields, type FieldErrors } from './enrollment-form.ts';
import type { PhoneChallenges } from './phone-challenges.ts';
import type { PasswordRecovery } from './recovery.ts';

const NONCE_COOKIE = 'dd_phone_nonce';
/** Only a login in progress may be returned to: no open redirect. */
const RETURN_PATH = /^\/interaction\/[\w-]+$/;

const field = z.string().max(256);
const startForm = z.object({ personalId: field.default(''), fullName: field.default(''), birthDate: field.default(''), phoneNumber: field.default(''), csrf: field.default(''), return: field.default('') });
const codeForm = z.object({ code: field.default(''), csrf: field.default(''), return: field.default('') });
const passwordForm = z.object({ password: field.default(''), passwordConfirm: field.default(''), csrf: field.default(''), return: field.default('') });
const csrfForm = z.object({ csrf: field.default(''), return: field.default('') });

type Outcome =
  | { page: 'done' }
  | { page: 'password'; error: string }
  | { page: 'expired' }
  | { page: 'refused'; status: number; message: string };

/** What differs between the two flows. */
interface Flow {
  purpose: Challenge['purpose'];
  prefix: string;
  cookie: string;
  askPhone: boolean;
  texts(messages: Messages): { title: string; intro: string; note?: string; passwordTitle: string; passwordIntro: string; passwordSubmit: string; doneTitle: string; done: string; flowExpired: string };
  codeSent(messages: Messages, challenge: Challenge): string;
  begin(fields: EnrollmentFields, locale: Locale, ip: string): Promise<string>;
  complete(challengeId: string, password: string, ip: string, messages: Messages): Promise<Outcome>;
}

interface PhoneFlowRouterDependencies {
  enrollment: Enrollment;
  recovery: PasswordRecovery;
  phoneChallenges: PhoneChallenges;
  views: Views;
  csrf: CsrfTokens;
  maxFormBytes: number;
  flowTtlSeconds: number;
  startLimits: { perTarget: RateLimit; perAddress: RateLimit };
}

function passwordProblemText(messages: Messages, problem: 'too_short' | 'too_long' | 'common' | 'contains_personal_data') {
  const { enroll } = messages;
  return { too_short: enroll.passwordTooShort, too_long: enroll.passwordTooLong, common: enroll.passwordCommon, contains_personal_data: enroll.passwordPersonal }[problem];
}

export function createPhoneFlowRouters({ enrollment, recovery, phoneChallenges, views, csrf, maxFormBytes, flowTtlSeconds, startLimits }: PhoneFlowRouterDependencies) {
  const enrollmentFlow: Flow = {
    purpose: 'enrollment',
    prefix: '/enroll',
    cookie: 'dd_enroll',
    askPhone: true,
    texts: ({ enroll }) => ({ ...enroll, note: undefined }),
    codeSent: (messages, challenge) => format(messages.enroll.codeSent, { phone: maskPhone(challenge.data.phoneNumber!) }),
    begin: (fields, locale, ip) => enrollment.begin({ ...fields, locale, ip }),
    async complete(challengeId, password, ip, messages) {
      const result = await enrollment.complete(challengeId, password, ip);
      switch (result.outcome) {
        case 'created':
          return { page: 'done' };
        case 'weak_password':
          return { page: 'password', error: passwordProblemText(messages, result.problem) };
        case 'already_enrolled':
          return { page: 'refused', status: 409, message: messages.enroll.alreadyEnrolled };
        case 'not_verified':
          return { page: 'expired' };
      }
    },
  };

  const recoveryFlow: Flow = {
    purpose: 'recovery',
    prefix: '/account/recover',
    cookie: 'dd_recover',
    askPhone: false,
    texts: ({ recover }) => recover,
    // The account's number is not shown: the form proves knowledge of identity data, not of the phone.
    codeSent: (messages) => messages.recover.codeSent,
    begin: (fields, locale, ip) => recovery.begin({ personalId: fields.personalId, fullName: fields.fullName, birthDate: fields.birthDate, locale, ip }),
    async complete(challengeId, password, ip, messages) {
      const result = await recovery.complete(challengeId, password, ip);
      switch (result.outcome) {
        case 'password_changed':
          return { page: 'done' };
        case 'weak_password':
          return { page: 'password', error: passwordProblemText(messages, result.problem) };
        case 'not_verified':
          return { page: 'expired' };
      }
    },
  };

  return [enrollmentFlow, recoveryFlow].map((flow) => createFlowRouter(flow, { phoneChallenges, views, csrf, maxFormBytes, flowTtlSeconds, startLimits }));
}

function createFlowRouter(flow: Flow, { phoneChallenges, views, csrf, maxFormBytes, flowTtlSeconds, startLimits }: Omit<PhoneFlowRouterDependencies, 'enrollment' | 'recovery'>) {
  const router = new Router({ prefix: flow.prefix });
  const forms = bodyParser({ enableTypes: ['form'], formLimit: `${maxFormBytes}b`, encoding: 'utf-8' });
  const { prefix } = flow;

  const cookieOptions = (ctx: Context) => ({ httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, signed: true, maxAge: flowTtlSeconds * 1000 });

  /** A per-browser nonce the CSRF token is bound to (these flows have no session before their first post). */
  function csrfToken(ctx: Context): string {
    let nonce = ctx.cookies.get(NONCE_COOKIE, { signed: true });
    if (!nonce) {
      nonce = randomBytes(16).toString('base64url');
      ctx.cookies.set(NONCE_COOKIE, nonce, { ...cookieOptions(ctx), maxAge: undefined });
    }
    return csrf.tokenFor(`phone:${nonce}`);
  }
  function checkCsrf(ctx: Context, presented: string) {
    csrf.verify(`phone:${ctx.cookies.get(NONCE_COOKIE, { signed: true }) ?? 'none'}`, presented);
  }
  const returnPathOf = (value: unknown) => (typeof value === 'string' && RETURN_PATH.test(value) ? value : '');
  const flowOf = (ctx: Context) => ctx.cookies.get(flow.cookie, { signed: true }) ?? '';
  const withReturn = (path: string, returnPath: string) => (returnPath ? `${path}?return=${encodeURIComponent(returnPath)}` : path);
  const page = (ctx: Context) => {
    const { messages } = localeOf(ctx);
    return { messages, texts: flow.texts(messages) };
  };

  function renderStart(ctx: Context, model: { values?: Record<string, string>; errors?: FieldErrors; formError?: string; returnPath: string }) {
    const { texts } = page(ctx);
    const errors = model.errors ?? {};
    views.render(ctx, 'phone-start', {
      title: texts.title,
      texts,
      prefix,
      askPhone: flow.askPhone,
      csrf: csrfToken(ctx),
      values: model.values ?? {},
      errors,
      fieldErrors: Object.entries(errors).map(([name, text]) => ({ field: name, text })),
      hasFieldErrors: Object.keys(errors).length > 0,
      formError: model.formError,
      returnPath: model.returnPath,
    });
  }

  async function renderCode(ctx: Context, model: { returnPath: string; error?: string; notice?: string }) {
    const { messages } = page(ctx);
    const challenge = await phoneChallenges.find(flowOf(ctx), flow.purpose);
    if (!challenge) return renderExpired(ctx, model.returnPath);
    if (challenge.verified) return continueToPassword(ctx, model.returnPath);
    views.render(ctx, 'phone-code', {
      title: messages.enroll.codeTitle,
      prefix,
      sent: flow.codeSent(messages, challenge),
      csrf: csrfToken(ctx),
      error: model.error,
      notice: model.notice,
      returnField: model.returnPath,
      startOverUrl: withReturn(prefix, model.returnPath),
    });
  }

  /** A verified flow (a code re-submitted with the back button, say) just goes on: nothing is verified twice. */
  function continueToPassword(ctx: Context, returnPath: string) {
    ctx.status = 303;
    ctx.redirect(withReturn(`${prefix}/password`, returnPath));
  }

  function renderExpired(ctx: Context, returnPath: string, refusal?: { status: number; message: string }) {
    const { texts } = page(ctx);
    ctx.cookies.set(flow.cookie, null);
    ctx.status = refusal?.status ?? 400;
    views.render(ctx, 'phone-expired', { title: texts.title, message: refusal?.message ?? texts.flowExpired, startOverUrl: refusal ? returnPath || undefined : withReturn(prefix, returnPath) });
  }

  function renderPassword(ctx: Context, returnPath: string, error?: string) {
    const { texts } = page(ctx);
    views.render(ctx, 'phone-password', { title: texts.passwordTitle, texts, prefix, csrf: csrfToken(ctx), error, returnField: returnPath });
  }

  router.use(async (ctx, next) => {
    ctx.set('cache-control', 'no-store');
    await next();
  });

  router.get('/', (ctx: Context) => renderStart(ctx, { returnPath: returnPathOf(ctx.query.return) }));

  router.post('/', forms, async (ctx: Context) => {
    const form = parseForm(ctx, startForm);
    checkCsrf(ctx, form.csrf);
    const { messages, locale } = localeOf(ctx);
    const returnPath = returnPathOf(form.return);
    const { fields, errors } = validateEnrollmentFields(form, messages.enroll, { askPhone: flow.askPhone });
    if (Object.keys(errors).length) {
      ctx.status = 400;
      return renderStart(ctx, { values: form, errors, returnPath });
    }
    // Each start may send an SMS: limited per phone (or ID) number and per address, counted whatever the outcome.
    const target = flow.askPhone ? `phone:${fields.phoneNumber}` : `id:${fields.personalId}`;
    const [byTarget, byAddress] = await Promise.all([startLimits.perTarget.take([`${flow.purpose}:${target}`]), startLimits.perAddress.take([`${flow.purpose}:ip:${ctx.ip}`])]);
    const refused = [byTarget, byAddress].find((verdict) => !verdict.allowed);
    if (refused && !refused.allowed) {
      ctx.status = 429;
      ctx.set('retry-after', String(refused.retryAfterSeconds));
      const minutes = String(Math.ceil(refused.retryAfterSeconds / 60));
      return renderStart(ctx, { values: form, returnPath, formError: format(messages.enroll.tooManyStarts, { minutes }) });
    }
    let challengeId: string;
    try {
      challengeId = await flow.begin(fields, locale, ctx.ip);
    } catch (error) {
      if (error instanceof RegistryUnavailableError) throw new AppError('registry_unavailable', 503, 'registryUnavailable', error.message);
      throw error;
    }
    ctx.cookies.set(flow.cookie, challengeId, cookieOptions(ctx));
    ctx.status = 303;
    ctx.redirect(withReturn(`${prefix}/code`, returnPath));
  });

  router.get('/code', async (ctx: Context) => renderCode(ctx, { returnPath: returnPathOf(ctx.query.return) }));

  router.post('/code', forms, async (ctx: Context) => {
    const form = parseForm(ctx, codeForm);
    checkCsrf(ctx, form.csrf);
    const { messages } = page(ctx);
    const returnPath = returnPathOf(form.return);
    const challenge = await phoneChallenges.find(flowOf(ctx), flow.purpose);
    if (!challenge) return renderExpired(ctx, returnPath);
    if (challenge.verified) return continueToPassword(ctx, returnPath);
    const { outcome, attemptsLeft } = await phoneChallenges.verifyCode(flowOf(ctx), form.code);
    switch (outcome) {
      case 'verified':
        return continueToPassword(ctx, returnPath);
      case 'wrong':
        ctx.status = 400;
        return renderCode(ctx, {
          returnPath,
          error: /^\s*\d{6}\s*$/.test(form.code) ? format(messages.enroll.codeWrong, { attempts: String(attemptsLeft) }) : messages.enroll.codeMalformed,
        });
      case 'expired':
        ctx.status = 400;
        return renderCode(ctx, { returnPath, error: messages.enroll.codeExpired });
      default:
        return renderExpired(ctx, returnPath);
    }
  });

  router.post('/resend', forms, async (ctx: Context) => {
    const form = parseForm(ctx, csrfForm);
    checkCsrf(ctx, form.csrf);
    const { messages } = page(ctx);
    const returnPath = returnPathOf(form.return);
    if (!(await phoneChallenges.find(flowOf(ctx), flow.purpose))) return renderExpired(ctx, returnPath);
    const outcome = await phoneChallenges.resend(flowOf(ctx));
    if (outcome === 'missing') return renderExpired(ctx, returnPath);
    if (outcome !== 'sent') ctx.status = 429;
    const notice = { sent: messages.enroll.resent, too_soon: messages.enroll.resendTooSoon, limit: messages.enroll.resendLimit }[outcome];
    return renderCode(ctx, outcome === 'sent' ? { returnPath, notice } : { returnPath, error: notice });
  });

  router.get('/password', async (ctx: Context) => {
    const returnPath = returnPathOf(ctx.query.return);
    if (!(await phoneChallenges.find(flowOf(ctx), flow.purpose))?.verified) return renderExpired(ctx, returnPath);
    return renderPassword(ctx, returnPath);
  });

  router.post('/password', forms, async (ctx: Context) => {
    const form = parseForm(ctx, passwordForm);
    checkCsrf(ctx, form.csrf);
    const { messages, texts } = page(ctx);
    const returnPath = returnPathOf(form.return);
    if (form.password !== form.passwordConfirm) {
      ctx.status = 400;
      return renderPassword(ctx, returnPath, messages.enroll.passwordMismatch);
    }
    const outcome = await flow.complete(flowOf(ctx), form.password, ctx.ip, messages);
    switch (outcome.page) {
      case 'password':
        ctx.status = 400;
        return renderPassword(ctx, returnPath, outcome.error);
      case 'expired':
        return renderExpired(ctx, returnPath);
      case 'refused':
        return renderExpired(ctx, returnPath, outcome);
      case 'done':
        ctx.cookies.set(flow.cookie, null);
        ctx.status = flow.purpose === 'enrollment' ? 201 : 200;
        return views.render(ctx, 'phone-done', { title: texts.doneTitle, texts, continueUrl: returnPath || undefined });
    }
  });

  return router;
}
