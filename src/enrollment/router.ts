/**
 * The enrollment pages, designed for a phone and working without JavaScript:
 *   GET/POST /enroll            identity data + mobile number
 *   GET/POST /enroll/code       the SMS code (POST /enroll/resend for a new one)
 *   GET/POST /enroll/password   the password, then the account exists
 * The flow lives in a one-time-code challenge; the browser holds only its id in a signed cookie.
 */
import { randomBytes } from 'node:crypto';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';

import { AppError } from '../http/errors.ts';
import { localeOf } from '../http/locale.ts';
import type { Views } from '../http/views.ts';
import { format } from '../i18n/messages.ts';
import type { CsrfTokens } from '../interactions/csrf.ts';
import { parseForm } from '../interactions/forms.ts';
import { RegistryUnavailableError } from '../registry/population-registry.ts';
import type { Enrollment } from './enrollment.ts';
import { maskPhone, validateEnrollmentFields, type FieldErrors } from './enrollment-form.ts';

const FLOW_COOKIE = 'dd_enroll';
const NONCE_COOKIE = 'dd_enroll_nonce';
/** Only a login in progress may be returned to: no open redirect. */
const RETURN_PATH = /^\/interaction\/[\w-]+$/;

const field = z.string().max(256);
const startForm = z.object({ personalId: field.default(''), fullName: field.default(''), birthDate: field.default(''), phoneNumber: field.default(''), csrf: field.default(''), return: field.default('') });
const codeForm = z.object({ code: field.default(''), csrf: field.default(''), return: field.default('') });
const passwordForm = z.object({ password: field.default(''), passwordConfirm: field.default(''), csrf: field.default(''), return: field.default('') });
const csrfForm = z.object({ csrf: field.default(''), return: field.default('') });

interface EnrollmentRouterDependencies {
  enrollment: Enrollment;
  views: Views;
  csrf: CsrfTokens;
  maxFormBytes: number;
  flowTtlSeconds: number;
}

export function createEnrollmentRouter({ enrollment, views, csrf, maxFormBytes, flowTtlSeconds }: EnrollmentRouterDependencies) {
  const router = new Router({ prefix: '/enroll' });
  const forms = bodyParser({ enableTypes: ['form'], formLimit: `${maxFormBytes}b`, encoding: 'utf-8' });

  const cookieOptions = (ctx: Context) => ({ httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, signed: true, maxAge: flowTtlSeconds * 1000 });

  /** A per-browser nonce the CSRF token is bound to (the enrollment has no session before its first post). */
  function csrfToken(ctx: Context): string {
    let nonce = ctx.cookies.get(NONCE_COOKIE, { signed: true });
    if (!nonce) {
      nonce = randomBytes(16).toString('base64url');
      ctx.cookies.set(NONCE_COOKIE, nonce, { ...cookieOptions(ctx), maxAge: undefined });
    }
    return csrf.tokenFor(`enroll:${nonce}`);
  }
  function checkCsrf(ctx: Context, presented: string) {
    csrf.verify(`enroll:${ctx.cookies.get(NONCE_COOKIE, { signed: true }) ?? 'none'}`, presented);
  }
  const returnPathOf = (value: unknown) => (typeof value === 'string' && RETURN_PATH.test(value) ? value : '');
  const flowOf = (ctx: Context) => ctx.cookies.get(FLOW_COOKIE, { signed: true });
  const withReturn = (path: string, returnPath: string) => (returnPath ? `${path}?return=${encodeURIComponent(returnPath)}` : path);

  function renderStart(ctx: Context, model: { values?: Record<string, string>; errors?: FieldErrors; formError?: string; returnPath: string }) {
    const { messages } = localeOf(ctx);
    const errors = model.errors ?? {};
    views.render(ctx, 'enroll-start', {
      title: messages.enroll.title,
      csrf: csrfToken(ctx),
      values: model.values ?? {},
      errors,
      formError: model.formError,
      fieldErrors: Object.entries(errors).map(([name, text]) => ({ field: name, text })),
      hasFieldErrors: Object.keys(errors).length > 0,
      returnPath: model.returnPath,
    });
  }

  async function renderCode(ctx: Context, model: { returnPath: string; error?: string; notice?: string }) {
    const { messages } = localeOf(ctx);
    const phone = await enrollment.phoneNumberOf(flowOf(ctx) ?? '');
    if (!phone) return renderExpired(ctx, model.returnPath);
    views.render(ctx, 'enroll-code', {
      title: messages.enroll.codeTitle,
      sent: format(messages.enroll.codeSent, { phone: maskPhone(phone) }),
      csrf: csrfToken(ctx),
      error: model.error,
      notice: model.notice,
      returnField: model.returnPath,
      startOverUrl: withReturn('/enroll', model.returnPath),
    });
  }

  function renderExpired(ctx: Context, returnPath: string) {
    const { messages } = localeOf(ctx);
    ctx.cookies.set(FLOW_COOKIE, null);
    ctx.status = 400;
    views.render(ctx, 'enroll-expired', { title: messages.enroll.title, message: messages.enroll.flowExpired, startOverUrl: withReturn('/enroll', returnPath) });
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
    const { fields, errors } = validateEnrollmentFields(form, messages.enroll);
    if (Object.keys(errors).length) {
      ctx.status = 400;
      return renderStart(ctx, { values: form, errors, returnPath });
    }
    let challengeId: string;
    try {
      challengeId = await enrollment.begin({ ...fields, locale, ip: ctx.ip });
    } catch (error) {
      if (error instanceof RegistryUnavailableError) {
        throw new AppError('registry_unavailable', 503, 'registryUnavailable', error.message);
      }
      throw error;
    }
    ctx.cookies.set(FLOW_COOKIE, challengeId, cookieOptions(ctx));
    ctx.status = 303;
    ctx.redirect(withReturn('/enroll/code', returnPath));
  });

  router.get('/code', async (ctx: Context) => renderCode(ctx, { returnPath: returnPathOf(ctx.query.return) }));

  router.post('/code', forms, async (ctx: Context) => {
    const form = parseForm(ctx, codeForm);
    checkCsrf(ctx, form.csrf);
    const { messages } = localeOf(ctx);
    const returnPath = returnPathOf(form.return);
    const flow = flowOf(ctx);
    if (!flow) return renderExpired(ctx, returnPath);
    const { outcome, attemptsLeft } = await enrollment.verifyCode(flow, form.code);
    switch (outcome) {
      case 'verified':
        ctx.status = 303;
        return ctx.redirect(withReturn('/enroll/password', returnPath));
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
    const { messages } = localeOf(ctx);
    const returnPath = returnPathOf(form.return);
    const outcome = await enrollment.resend(flowOf(ctx) ?? '');
    if (outcome === 'missing') return renderExpired(ctx, returnPath);
    if (outcome !== 'sent') ctx.status = 429;
    const notice = { sent: messages.enroll.resent, too_soon: messages.enroll.resendTooSoon, limit: messages.enroll.resendLimit }[outcome];
    return renderCode(ctx, outcome === 'sent' ? { returnPath, notice } : { returnPath, error: notice });
  });

  async function renderPassword(ctx: Context, returnPath: string, error?: string) {
    const { messages } = localeOf(ctx);
    views.render(ctx, 'enroll-password', { title: messages.enroll.passwordTitle, csrf: csrfToken(ctx), error, returnField: returnPath });
  }

  router.get('/password', async (ctx: Context) => {
    const returnPath = returnPathOf(ctx.query.return);
    if (!(await enrollment.isVerified(flowOf(ctx) ?? ''))) return renderExpired(ctx, returnPath);
    return renderPassword(ctx, returnPath);
  });

  router.post('/password', forms, async (ctx: Context) => {
    const form = parseForm(ctx, passwordForm);
    checkCsrf(ctx, form.csrf);
    const { messages } = localeOf(ctx);
    const returnPath = returnPathOf(form.return);
    if (form.password !== form.passwordConfirm) {
      ctx.status = 400;
      return renderPassword(ctx, returnPath, messages.enroll.passwordMismatch);
    }
    const result = await enrollment.complete(flowOf(ctx) ?? '', form.password, ctx.ip);
    switch (result.outcome) {
      case 'weak_password': {
        ctx.status = 400;
        const problems = { too_short: messages.enroll.passwordTooShort, too_long: messages.enroll.passwordTooLong, common: messages.enroll.passwordCommon, contains_personal_data: messages.enroll.passwordPersonal };
        return renderPassword(ctx, returnPath, problems[result.problem]);
      }
      case 'not_verified':
        return renderExpired(ctx, returnPath);
      case 'already_enrolled':
        ctx.cookies.set(FLOW_COOKIE, null);
        ctx.status = 409;
        return views.render(ctx, 'enroll-expired', { title: messages.enroll.title, message: messages.enroll.alreadyEnrolled, startOverUrl: returnPath || undefined });
      case 'created':
        ctx.cookies.set(FLOW_COOKIE, null);
        ctx.status = 201;
        return views.render(ctx, 'enroll-done', { title: messages.enroll.doneTitle, continueUrl: returnPath || undefined });
    }
  });

  return router;
}
