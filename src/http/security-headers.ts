/**
 * Response headers that keep the citizen's pages from being framed, sniffed or scripted by others.
 * Pages carry no inline script or style, so the CSP can forbid both.
 */
import type { Context, Next } from 'koa';

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // https: for relying parties' registered logos on the consent page (images only; no script, no frame).
  "img-src 'self' data: https:",
  "connect-src 'self'",
  "base-uri 'none'",
  // No form-action: after a form post the browser follows redirects to the relying party's redirect_uri.
  "frame-ancestors 'none'",
].join('; ');

export function securityHeadersMiddleware({ hsts }: { hsts: boolean }) {
  return async function setSecurityHeaders(ctx: Context, next: Next) {
    await next();
    // oidc-provider sets its own CSP where it renders a self-submitting form (form_post response mode).
    if (!ctx.response.get('content-security-policy')) ctx.set('content-security-policy', CONTENT_SECURITY_POLICY);
    ctx.set('x-content-type-options', 'nosniff');
    ctx.set('x-frame-options', 'DENY');
    ctx.set('referrer-policy', 'no-referrer');
    ctx.set('cross-origin-opener-policy', 'same-origin');
    if (hsts) ctx.set('strict-transport-security', 'max-age=63072000; includeSubDomains');
  };
}
