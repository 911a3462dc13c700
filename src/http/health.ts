/**
 * Liveness and readiness for the orchestrator (Kubernetes probes, load balancers).
 * /health/live: the process answers. /health/ready: every backend answered within its timeout.
 */
import Router from '@koa/router';
import type { Context } from 'koa';

import type { Stores } from '../stores/stores.ts';

export function createHealthRouter(stores: Pick<Stores, 'health'>) {
  const router = new Router({ prefix: '/health' });
  router.get('/live', (ctx: Context) => {
    ctx.set('cache-control', 'no-store');
    ctx.body = { status: 'live' };
  });
  router.get('/ready', async (ctx: Context) => {
    const checks = await stores.health();
    const ready = Object.values(checks).every((check) => check.ok);
    ctx.set('cache-control', 'no-store');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not ready', checks };
  });
  return router;
}
