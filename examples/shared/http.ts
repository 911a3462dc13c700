/**
 * The HTTP basics every relying party page needs, in one Koa middleware: response headers, a check that form
 * posts come from our own pages, and an error page that never shows internals.
 */
import type { Middleware } from 'koa';

import { html, page } from './html.ts';

export function relyingPartyBasics({ name, issuer, publicUrl }: { name: string; issuer: URL; publicUrl: URL }): Middleware {
  return async (ctx, next) => {
    // Pages carry personal data and one-time values: never cached. No referrer to other sites: the callback
    // URL carries the authorization code (RFC 9700 §4.2.4). Not `no-referrer`: with it, browsers send
    // `Origin: null` with our own form posts (Fetch §3.2.5), and the check below would refuse them.
    ctx.set('cache-control', 'no-store');
    ctx.set('referrer-policy', 'same-origin');
    ctx.set('content-security-policy', `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${issuer.origin}; frame-ancestors 'none'`);
    // Browsers send Origin with every form post: a post from another site is a cross-site request forgery
    // (OWASP CSRF Prevention Cheat Sheet, "Verifying Origin with standard headers").
    if (ctx.method === 'POST' && ctx.get('origin') !== publicUrl.origin) {
      ctx.status = 403;
      ctx.body = page(name, html`<h1>Refused</h1><p>This form must be sent from ${publicUrl.origin}.</p>`);
      return;
    }
    try {
      await next();
    } catch (error) {
      // The citizen gets a plain page; the operator gets the detail in the log.
      console.error(`${name}: ${ctx.method} ${ctx.path} failed`, error);
      ctx.status = 500;
      ctx.body = page(name, html`<h1>Something went wrong</h1><p>Nothing was changed. Please <a href="/">start again</a>.</p>`);
    }
  };
}
