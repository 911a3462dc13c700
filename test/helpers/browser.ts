/**
 * Real-browser tests use Debian's Chromium through playwright-core (never a downloaded browser).
 * Without Chromium the suite is skipped with the install command, except under CI=true where a skipped
 * browser suite is a failure: CI must have installed it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

import { recordSkip } from './skip-report.ts';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const artifactsDir = path.resolve('test-artifacts');

export function requireChromium(suite: Mocha.Context): void {
  if (existsSync(chromiumPath)) return;
  const message = `Chromium not found at ${chromiumPath}: install it with \`sudo apt-get install -y chromium\` (or set CHROMIUM_PATH)`;
  if (process.env.CI === 'true') throw new Error(`${message}; CI must not skip the browser suite`);
  recordSkip(suite, `Chromium not found at ${chromiumPath}`, 'sudo apt-get install -y chromium');
  console.warn(`  SKIPPED browser suite: ${message}`);
  suite.skip();
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

/** A phone-sized page (390×844, iPhone 12–15 class), as citizens use DinhDanh. */
export async function newPhonePage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, bypassCSP: false });
  return context.newPage();
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Runs axe-core in the page and returns the serious and critical WCAG violations (rule id: targets). */
export async function seriousAccessibilityViolations(page: Page): Promise<string[]> {
  // The page's CSP forbids injected scripts, so the context running axe is opened with bypassCSP.
  await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, targets: violation.nodes.map((node) => node.target.join(' ')) }));
  });
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map((violation) => `${violation.id}: ${violation.targets.join(', ')}`);
}

/**
 * A phone-sized page with Chrome's virtual WebAuthn authenticator (DevTools Protocol): a platform
 * authenticator with resident keys and user verification, as a phone has; presence is simulated.
 */
export async function phonePageWithPasskeys(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, bypassCSP: true, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { context, page };
}

/** axe-core finds no serious or critical violation on the page, and the page is kept as a screenshot. */
export async function checkPage(page: Page, name: string): Promise<void> {
  const violations = await seriousAccessibilityViolations(page);
  if (violations.length) throw new Error(`${name}: serious accessibility violations:\n${violations.join('\n')}`);
  await screenshot(page, name);
}
