/**
 * The application's one error type and the middleware that turns any error into a translated page (browsers)
 * or an OAuth-style JSON error (APIs). Protocol errors on oidc-provider's own endpoints are rendered by
 * `renderError` in src/oidc/provider.ts through the same page. Citizens never see a stack trace; the log
 * always has one, under the reference shown on the page.
 */
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import { errors as oidcErrors } from 'oidc-provider';
import type { Logger } from 'pino';

import type { Messages } from '../i18n/messages.ts';
import { RegistryUnavailableError } from '../registry/population-registry.ts';
import { StoreUnavailableError } from '../stores/errors.ts';
import { localeOf } from './locale.ts';
import type { Views } from './views.ts';

export type ErrorMessageKey = Exclude<keyof Messages['errors'], 'title' | 'technicalDetails' | 'reference'>;

export class AppError extends Error {
  override name = 'AppError';

  constructor(
    /** Stable, machine-readable; returned as `error` in JSON responses. */
    readonly code: string,
    readonly status: number,
    /** What the citizen reads (a key of `m.errors`). */
    readonly messageKey: ErrorMessageKey,
    description?: string,
  ) {
    super(description ?? code);
  }
}

export interface Classified {
  status: number;
  code: string;
  messageKey: ErrorMessageKey;
  description: string;
  unexpected: boolean;
}

/** Finds a backend outage however deep the provider or a library wrapped it. */
function unavailableBackend(error: unknown): StoreUnavailableError | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    if (current instanceof StoreUnavailableError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function classify(error: unknown): Classified {
  if (error instanceof RegistryUnavailableError) {
    return { status: 503, code: 'temporarily_unavailable', messageKey: 'registryUnavailable', description: 'population registry unavailable', unexpected: false };
  }
  const outage = unavailableBackend(error);
  if (outage) {
    // Nothing was saved; the citizen retries from the relying party once the backend is back.
    return { status: 503, code: 'temporarily_unavailable', messageKey: 'unavailable', description: `${outage.backend} unavailable`, unexpected: false };
  }
  if (error instanceof AppError) {
    return { status: error.status, code: error.code, messageKey: error.messageKey, description: error.message, unexpected: false };
  }
  if (error instanceof oidcErrors.SessionNotFound || error instanceof oidcErrors.InvalidGrant) {
    return { status: 400, code: 'session_expired', messageKey: 'sessionExpired', description: error.error_description ?? error.message, unexpected: false };
  }
  if (error instanceof oidcErrors.OIDCProviderError) {
    return { status: error.statusCode, code: error.error, messageKey: 'oauth', description: error.error_description ?? error.message, unexpected: error.statusCode >= 500 };
  }
  const status = (error as { status?: number; expose?: boolean }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const messageKey: ErrorMessageKey = status === 413 ? 'tooLarge' : status === 404 ? 'notFound' : 'badRequest';
    const code = status === 413 ? 'request_too_large' : status === 404 ? 'not_found' : 'invalid_request';
    return { status, code, messageKey, description: (error as Error).message, unexpected: false };
  }
  return { status: 500, code: 'server_error', messageKey: 'generic', description: 'unexpected error', unexpected: true };
}

function wantsJson(ctx: Context): boolean {
  return ctx.path.startsWith('/api/') || ctx.accepts('html', 'json') === 'json';
}

export function renderErrorPage(ctx: Context, views: Views, { status, code, messageKey, description }: Omit<Classified, 'unexpected'>) {
  const { messages } = localeOf(ctx);
  ctx.status = status;
  ctx.set('cache-control', 'no-store');
  views.render(ctx, 'error', {
    title: messages.errors.title,
    message: messages.errors[messageKey],
    code,
    description,
    reference: ctx.state.requestId as string,
    returnPath: '/',
  });
}

export function requestIdMiddleware() {
  return async function assignRequestId(ctx: Context, next: Next) {
    ctx.state.requestId = randomUUID();
    ctx.set('x-request-id', ctx.state.requestId as string);
    await next();
  };
}

export function errorMiddleware(views: Views, logger: Logger) {
  return async function handleErrors(ctx: Context, next: Next) {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError('not_found', 404, 'notFound');
    } catch (error) {
      const classified = classify(error);
      const log = { err: error, requestId: ctx.state.requestId, method: ctx.method, path: ctx.path, status: classified.status };
      if (classified.unexpected || classified.status === 503) logger.error(log, 'request failed');
      else logger.info({ ...log, err: undefined, code: classified.code, description: classified.description }, 'request refused');

      if (wantsJson(ctx)) {
        ctx.status = classified.status;
        ctx.set('cache-control', 'no-store');
        ctx.body = { error: classified.code, error_description: classified.unexpected ? 'unexpected error' : classified.description };
        return;
      }
      renderErrorPage(ctx, views, { ...classified, description: classified.unexpected ? 'unexpected error' : classified.description });
    }
  };
}

/**
 * oidc-provider answers its own endpoints' failures with `500 server_error`. When the cause was a backend
 * outage (flagged by the provider's server_error listener in compose.ts), API clients get the retryable
 * `503 temporarily_unavailable` instead (RFC 6749 §4.1.2.1 names that error for exactly this).
 */
export function backendOutageMiddleware(logger: Logger) {
  return async function reportBackendOutage(ctx: Context, next: Next) {
    await next();
    if (!ctx.state.backendOutage || ctx.status !== 500 || typeof ctx.body !== 'object' || ctx.body === null) return;
    logger.error({ requestId: ctx.state.requestId, path: ctx.path }, 'backend unavailable during a protocol request');
    ctx.status = 503;
    ctx.set('retry-after', '5');
    ctx.body = { error: 'temporarily_unavailable', error_description: 'a backend is briefly unavailable; nothing was changed, retry' };
  };
}
