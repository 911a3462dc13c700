/**
 * examples/portal in Chromium: what the HTTP-level test cannot see, such as the Origin header a real browser
 * sends with the portal's own form posts under its Referrer-Policy (a `no-referrer` policy made Chromium send
 * `Origin: null`, and the portal refused its own sign-out button).
 */
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';

import { createPortalApp, LEVEL_1 } from '../../examples/portal/server.ts';
import { demoCitizens } from '../../src/demo/citizens.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { launchChromium, newPhonePage, requireChromium, screenshot } from '../helpers/browser.ts';
import { startExample, type RunningExample } from './example-server.ts';
import { localRegistration, registerExample } from './local-registration.ts';

const BINH = demoCitizens[1]!;

describe('examples/portal in Chromium', function () {
  let app: TestApp;
  let portal: RunningExample;
  let browser: Browser;

  before(async function () {
    requireChromium(this);
    app = await startTestApp();
    portal = await startExample((publicUrl, clientKey) =>
      createPortalApp({ issuer: new URL(app.issuer), clientId: 'example-portal', publicUrl, clientKey, cookieKeys: ['test-cookie-key'], allowHttpIssuer: true }),
    );
    await registerExample(app.dinhdanh.stores.relyingParties, localRegistration('portal', portal.url, portal.clientKey.publicJwk));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await portal?.close();
    await app?.close();
  });

  it('signs a citizen in, shows the verified claims, and signs out at the portal and at DinhDanh', async () => {
    const page = await newPhonePage(browser);
    page.setDefaultTimeout(10_000); // fail on the step that hangs, before mocha's 30 s
    await page.goto(portal.url.href);
    await page.getByRole('link', { name: 'Sign in with DinhDanh' }).click();

    await page.locator('#personalId').fill(BINH.record.personalId);
    await page.locator('input[name="password"]').fill(BINH.password);
    await page.locator('form[action$="/login"] button[type="submit"]').first().click();
    await page.locator('form[action$="/consent"] button[type="submit"]').click();

    await page.locator('#acr').waitFor();
    assert.equal(await page.locator('#name').textContent(), 'Trần Thị Bình');
    assert.match((await page.locator('#acr').textContent())!, new RegExp(`^${LEVEL_1}`));
    await screenshot(page, 'example-portal-signed-in');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('button[name="logout"]').click(); // DinhDanh's confirmation (RP-Initiated Logout §2)
    await page.getByRole('link', { name: 'Sign in with DinhDanh' }).waitFor();
    assert.equal(page.url(), portal.url.href);
  });
});
