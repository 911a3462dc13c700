/**
 * Server-side sessions: a random id in a signed, HttpOnly, SameSite=Lax cookie; the data stays on the server
 * (tokens never reach the browser). In memory here, like the embedded DinhDanh: a deployment with several
 * processes keeps them in its shared session store (Redis, a database) instead.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';

export interface Sessions<Data> {
  read(ctx: Context): { id: string; data: Data } | undefined;
  /**
   * Stores `data` under a NEW id and drops the old one: an id that existed before a sign-in is worthless after
   * it (session fixation, OWASP Session Management Cheat Sheet "Renew the Session ID After Any Privilege Level Change").
   */
  start(ctx: Context, data: Data): string;
  /** Changes a session by id: for work that finishes after its request (a CIBA poll). */
  update(id: string, change: (data: Data) => Data): void;
  end(ctx: Context): void;
}

export function createSessions<Data>({ cookie, secure, ttlSeconds = 8 * 3600 }: { cookie: string; secure: boolean; ttlSeconds?: number }): Sessions<Data> {
  const entries = new Map<string, { data: Data; expiresAt: number }>();
  const idOf = (ctx: Context) => ctx.cookies.get(cookie, { signed: true });

  function sweep() {
    const now = Date.now();
    for (const [id, entry] of entries) if (entry.expiresAt <= now) entries.delete(id);
  }

  return {
    read(ctx) {
      const id = idOf(ctx);
      const entry = id ? entries.get(id) : undefined;
      if (!id || !entry || entry.expiresAt <= Date.now()) return undefined;
      return { id, data: entry.data };
    },
    start(ctx, data) {
      sweep();
      const previous = idOf(ctx);
      if (previous) entries.delete(previous);
      const id = randomBytes(32).toString('base64url');
      entries.set(id, { data, expiresAt: Date.now() + ttlSeconds * 1000 });
      // SameSite=Lax: sent when DinhDanh redirects the browser back (a top-level GET), never with a cross-site POST.
      ctx.cookies.set(cookie, id, { httpOnly: true, sameSite: 'lax', secure, signed: true, maxAge: ttlSeconds * 1000 });
      return id;
    },
    update(id, change) {
      const entry = entries.get(id);
      if (entry) entry.data = change(entry.data);
    },
    end(ctx) {
      const id = idOf(ctx);
      if (id) entries.delete(id);
      ctx.cookies.set(cookie, null, { signed: true });
    },
  };
}
