/**
 * Liveness, readiness and metrics for the orchestrator (Kubernetes probes, load balancers, Prometheus).
 * /health/live: the process answers. /health/ready: every backend answered within its timeout.
 * /health/metrics: Prometheus text (counts and latencies only, never personal data); keep /health off the
 * public ingress.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Registry } from 'prom-client';

import type { Stores } from '../stores/stores.ts';

export function createHealthRouter(stores: Pick<Stores, 'health'>, metrics?: Registry) {
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
  router.get('/metrics', async (ctx: Context) => {
    if (!metrics) return;
    ctx.set('cache-control', 'no-store');
    ctx.type = metrics.contentType;
    ctx.body = await metrics.metrics();
  });
  return router;
}
