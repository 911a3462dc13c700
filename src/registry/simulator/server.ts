/**
 * DinhDanh's population-registry simulator as an HTTP service: the API of src/registry/registry-api.ts over a
 * synthetic population. For development and tests only: the people do not exist.
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa, { type Context } from 'koa';
import type { JWK } from 'jose';
import type { Logger } from 'pino';

import { matchesRecord } from '../matching.ts';
import { matchRequestSchema, personalIdSchema, registryAudience } from '../registry-api.ts';
import { CallerRefusedError, createCallerAuthentication } from './caller-authentication.ts';
import type { SyntheticPopulation } from './population.ts';

export interface RegistrySimulatorOptions {
  population: Pick<SyntheticPopulation, 'get'>;
  /** caller id → its public (or private: only the public part is used) ES256 JWK. */
  trustedCallers: Record<string, JWK>;
  /** The simulator's own base URL: the `aud` callers must sign for. */
  baseUrl: string;
  logger: Logger;
}

function fail(ctx: Context, status: number, error: string, description?: string) {
  ctx.status = status;
  ctx.body = description ? { error, error_description: description } : { error };
}

export async function createRegistrySimulatorApp({ population, trustedCallers, baseUrl, logger }: RegistrySimulatorOptions): Promise<Koa> {
  const authenticate = await createCallerAuthentication({ trustedCallers, audience: registryAudience(baseUrl) });
  const app = new Koa();
  const router = new Router();

  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (error instanceof CallerRefusedError) {
        ctx.set('www-authenticate', 'Bearer error="invalid_client"');
        return fail(ctx, 401, 'invalid_client', error.message);
      }
      const status = (error as { status?: number }).status;
      if (status && status >= 400 && status < 500) return fail(ctx, status, 'invalid_request', (error as Error).message);
      logger.error({ err: error }, 'registry simulator error');
      fail(ctx, 500, 'server_error');
    }
  });

  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  // Everything under /v1 needs a trusted caller.
  router.use('/v1', async (ctx, next) => {
    ctx.state.caller = await authenticate(ctx.get('authorization') || undefined);
    await next();
  });

  router.post('/v1/citizens/match', bodyParser({ enableTypes: ['json'], jsonLimit: '4kb' }), (ctx) => {
    const parsed = matchRequestSchema.safeParse((ctx.request as unknown as { body?: unknown }).body);
    if (!parsed.success) return fail(ctx, 400, 'invalid_request', parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
    const record = population.get(parsed.data.personalId);
    // Yes or no, never which field differs.
    ctx.body = { match: record ? matchesRecord(record, parsed.data) : false };
  });

  function citizenOf(ctx: Context) {
    const personalId = personalIdSchema.safeParse(ctx.params.personalId);
    if (!personalId.success) {
      fail(ctx, 400, 'invalid_request', 'personalId: must be 12 digits');
      return undefined;
    }
    const record = population.get(personalId.data);
    if (!record) fail(ctx, 404, 'not_found');
    return record;
  }

  router.get('/v1/citizens/:personalId', (ctx) => {
    const record = citizenOf(ctx);
    if (record) ctx.body = record;
  });

  router.get('/v1/citizens/:personalId/status', (ctx) => {
    const record = citizenOf(ctx);
    if (record) ctx.body = { lifeStatus: record.lifeStatus, cardStatus: record.card.status };
  });

  app.use(router.routes());
  app.use(router.allowedMethods());
  app.use((ctx) => fail(ctx, 404, 'not_found'));
  return app;
}
