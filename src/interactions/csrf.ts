/**
 * CSRF protection for interaction form posts: a token bound to the interaction id and keyed with the cookie
 * signing key, so a page on another origin can neither read nor compute it (OWASP "HMAC-based token").
 * The interaction cookie (SameSite=Lax, path-scoped to the interaction) is the second line of defence.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

import { AppError } from '../http/errors.ts';

export function createCsrfTokens(secret: string) {
  const tokenFor = (interactionUid: string) => createHmac('sha256', secret).update(`csrf:${interactionUid}`).digest('base64url');
  return {
    tokenFor,
    /** @throws AppError (403) when the token is missing or does not belong to this interaction. */
    verify(interactionUid: string, presented: string | undefined): void {
      const expected = Buffer.from(tokenFor(interactionUid));
      const given = Buffer.from(presented ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw new AppError('csrf_failed', 403, 'csrf', 'the form token is missing or does not match this interaction');
      }
    },
  };
}

export type CsrfTokens = ReturnType<typeof createCsrfTokens>;
