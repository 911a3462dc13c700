/**
 * Logic-free Mustache views with one layout. Handlers build plain view models; every string comes from the
 * message catalogue (`m`) or is pre-formatted by the handler. Templates are read once at start-up.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Context } from 'koa';
import Mustache from 'mustache';

import { localeOf } from './locale.ts';

/** HTML-escapes the five characters that matter inside text and quoted attributes (OWASP XSS rule #1/#2). */
function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

export function createViews(viewsDir: string) {
  const templates = new Map<string, string>();
  for (const file of readdirSync(viewsDir)) {
    if (file.endsWith('.mustache')) templates.set(file.slice(0, -'.mustache'.length), readFileSync(path.join(viewsDir, file), 'utf8'));
  }
  const layout = templates.get('layout');
  if (!layout) throw new Error(`no layout.mustache in ${viewsDir}`);

  const partials = Object.fromEntries(templates);

  function template(name: string): string {
    const found = templates.get(name);
    if (!found) throw new Error(`no view ${name}.mustache in ${viewsDir}`);
    return found;
  }

  function switchLanguageUrl(ctx: Context, otherLocale: string, returnPath?: string): string {
    const url = new URL(returnPath ?? (ctx.method === 'GET' ? ctx.originalUrl : '/'), 'http://placeholder');
    url.searchParams.set('lang', otherLocale);
    return `${url.pathname}${url.search}`;
  }

  return {
    /**
     * Renders `name` inside the layout as the response body.
     * `returnPath`: where the language switch leads (pages answering a POST have no URL of their own).
     */
    render(ctx: Context, name: string, model: Record<string, unknown> & { title: string; returnPath?: string }): void {
      const { locale, messages } = localeOf(ctx);
      const view = { ...model, lang: locale, m: messages };
      // Every template doubles as a partial (`{{> passkey-button}}`).
      const body = Mustache.render(template(name), view, partials, { escape: escapeHtml });
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = Mustache.render(
        layout!,
        { ...view, body, switchLanguageUrl: switchLanguageUrl(ctx, messages.app.switchLanguageLocale, model.returnPath) },
        {},
        { escape: escapeHtml },
      );
    },
  };
}

export type Views = ReturnType<typeof createViews>;
