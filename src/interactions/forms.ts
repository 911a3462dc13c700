/**
 * Form schemas for interaction posts. A handler receives typed values or never runs: a repeated field
 * (which the body parser turns into an array) or a missing one is a 400 with a translated page.
 */
import type { Context } from 'koa';
import { z } from 'zod';

import { AppError } from '../http/errors.ts';

const field = z.string().max(1024);

/** A missing token is the CSRF check's to refuse (403), not a malformed form (400). */
const csrf = field.default('');

export const loginForm = z.object({ personalId: field.default(''), password: field.default(''), csrf });
export const csrfOnlyForm = z.object({ csrf });

export function parseForm<T extends z.ZodType>(ctx: Context, schema: T): z.infer<T> {
  const parsed = schema.safeParse((ctx.request as unknown as { body?: unknown }).body ?? {});
  if (!parsed.success) {
    throw new AppError('invalid_request', 400, 'badRequest', `invalid form: ${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}`);
  }
  return parsed.data;
}
