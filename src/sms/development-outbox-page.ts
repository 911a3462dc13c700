/** DEVELOPMENT ONLY: /dev/sms lists what the development outbox "sent" (mounted only with that outbox). */
import Router from '@koa/router';
import type { Context } from 'koa';

import type { Views } from '../http/views.ts';
import type { DevelopmentSmsOutbox } from './development-outbox.ts';

export function createDevelopmentOutboxRouter(outbox: DevelopmentSmsOutbox, views: Views) {
  const router = new Router();
  router.get('/dev/sms', (ctx: Context) => {
    ctx.set('cache-control', 'no-store');
    const to = typeof ctx.query.to === 'string' ? ctx.query.to : undefined;
    views.render(ctx, 'dev-sms', {
      title: 'Development SMS outbox',
      messages: outbox.messages(to).map((message) => ({ ...message, at: message.at.toISOString() })),
    });
  });
  return router;
}
