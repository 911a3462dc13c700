/**
 * Which language a citizen reads: an explicit choice (`?lang=`, remembered in a cookie) wins, then the
 * relying party's `ui_locales` (OIDC Core §3.1.2.1), then the configured default (Vietnamese).
 */
import type { Context, Next } from 'koa';

import { catalogue, isLocale, type Locale, type Messages } from '../i18n/messages.ts';

export const LANGUAGE_COOKIE = 'dd_lang';

export interface LocaleState {
  locale: Locale;
  messages: Messages;
  /** True when the citizen chose the language themselves (so `ui_locales` must not override it). */
  localeChosen: boolean;
}

export function localeMiddleware(defaultLocale: Locale) {
  return async function chooseLocale(ctx: Context, next: Next) {
    const requested = ctx.query.lang;
    let chosen: Locale | undefined;
    if (isLocale(requested)) {
      chosen = requested;
      ctx.cookies.set(LANGUAGE_COOKIE, requested, {
        httpOnly: true,
        sameSite: 'lax',
        secure: ctx.secure,
        maxAge: 365 * 24 * 3600 * 1000,
        signed: false,
      });
    } else {
      const remembered = ctx.cookies.get(LANGUAGE_COOKIE, { signed: false });
      if (isLocale(remembered)) chosen = remembered;
    }
    setLocale(ctx, chosen ?? defaultLocale, Boolean(chosen));
    await next();
  };
}

export function setLocale(ctx: Context, locale: Locale, localeChosen = false): void {
  const state: LocaleState = { locale, messages: catalogue[locale], localeChosen };
  Object.assign(ctx.state, state);
}

/** Applies the relying party's `ui_locales` preference unless the citizen chose a language. */
export function applyUiLocales(ctx: Context, uiLocales: unknown): void {
  if ((ctx.state as LocaleState).localeChosen || typeof uiLocales !== 'string') return;
  const preferred = uiLocales.split(' ').map((tag) => tag.split('-')[0]).find(isLocale);
  if (preferred) setLocale(ctx, preferred);
}

export function localeOf(ctx: Context): LocaleState {
  return ctx.state as LocaleState;
}
