/**
 * Level 2 in Chromium at 390×844: the demo portal asks for level 2 (acr_values); a level-2 citizen signs in
 * with password + SMS code (asked for instead of the authenticator app; read from the development outbox, as
 * a tester would from the phone) and the
 * portal receives acr level 2; a level-1 citizen sees the translated "unmet" page and the portal receives
 * unmet_authentication_requirements. Every page is checked with axe-core and screenshotted.
 */
import assert from 'node:assert/strict';
import { generateSync } from 'otplib';
import type { Browser, Page } from 'playwright-core';

import { startTestApp, type TestApp } from '../helpers/app.ts';
import { launchChromium, requireChromium, screenshot, seriousAccessibilityViolations } from '../helpers/browser.ts';

describe('level 2 in Chromium: step-up by SMS code, and the unmet-level page', function () {
  let app: TestApp;
  let browser: Browser;

  before(async function () {
    requireChromium(this);
    app = await startTestApp();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  async function phonePage() {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, bypassCSP: true, isMobile: true, hasTouch: true });
    return { context, page: await context.newPage() };
  }

  async function check(page: Page, name: string) {
    assert.deepEqual(await seriousAccessibilityViolations(page), [], name);
    await screenshot(page, name);
  }

  it('signs a level-2 citizen in with password + SMS code and gives the portal acr level 2', async () => {
    const { context, page } = await phonePage();
    await page.goto(`${app.issuer}/demo`);
    await page.getByRole('link', { name: 'Đăng nhập mức 2 (hai bước xác thực)' }).click();
    await page.getByLabel('Số định danh cá nhân').fill('001089012345');
    await page.getByLabel('Mật khẩu').fill('demo-an-2026');
    await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();

    // An has an authenticator app: its page comes first; the citizen asks for an SMS code instead.
    await page.getByRole('heading', { name: 'Xác minh bước hai' }).waitFor();
    await page.getByText('ứng dụng xác thực').waitFor();
    await check(page, 'second-factor-app-vi');
    await page.getByRole('button', { name: 'Gửi mã qua SMS thay thế' }).click();
    await page.getByText('Chúng tôi đã gửi mã 6 chữ số đến +84•••••0001').waitFor();
    await check(page, 'second-factor-sms-vi');
    const phone = await context.newPage();
    await phone.goto(`${app.issuer}/dev/sms?to=${encodeURIComponent('+84912000001')}`);
    const code = /\b(\d{6})\b/.exec((await phone.locator('.sms-text').first().textContent())!)![1]!;
    await phone.close();

    await page.getByLabel('Mã xác minh').fill(code === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Xác minh' }).click();
    await page.getByRole('alert').filter({ hasText: 'Mã không đúng' }).waitFor();
    await check(page, 'second-factor-wrong-vi');
    await page.getByLabel('Mã xác minh').fill(code);
    await page.getByRole('button', { name: 'Xác minh' }).click();
    await page.getByRole('button', { name: 'Đồng ý chia sẻ' }).click();
    await page.getByRole('heading', { name: 'Đăng nhập thành công' }).waitFor();
    const claims = (await page.locator('pre.claims').textContent())!;
    assert.match(claims, /"acr": "urn:dinhdanh:loa:2"/);
    assert.match(claims, /"amr": \[\s*"pwd",\s*"sms",\s*"mfa"\s*\]/);
    await context.close();
  });

  it('shows a level-1 citizen how to reach level 2, and the portal receives unmet_authentication_requirements', async () => {
    const { context, page } = await phonePage();
    await page.goto(`${app.issuer}/demo?lang=en`);
    await page.getByRole('link', { name: 'Sign in at level 2 (two factors)' }).click();
    await page.getByLabel('Personal identification number').fill('079195123456');
    await page.getByLabel('Password').fill('demo-binh-2026');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'This service needs a level-2 e-identity account' }).waitFor();
    await check(page, 'level-unmet-en');
    await page.getByRole('button', { name: /^Back to / }).click();
    await page.getByText('unmet_authentication_requirements').waitFor();
    await screenshot(page, 'demo-portal-unmet-en');
    await context.close();
  });

  it('steps a level-1 session up to level 2 with the authenticator-app code only, no password again', async () => {
    const { context, page } = await phonePage();
    await page.goto(`${app.issuer}/demo?lang=en`);
    await page.getByRole('link', { name: 'Sign in with DinhDanh' }).click();
    await page.getByLabel('Personal identification number').fill('001089012345');
    await page.getByLabel('Password').fill('demo-an-2026');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    await page.getByRole('heading', { name: 'Signed in' }).waitFor();
    assert.match((await page.locator('pre.claims').textContent())!, /"acr": "urn:dinhdanh:loa:1"/);

    // The same browser, now asked for level 2 by the portal: only the second step.
    await page.goto(`${app.issuer}/demo/login?level=2`);
    await page.getByRole('heading', { name: 'Second step of verification' }).waitFor();
    assert.equal(await page.getByLabel('Password').count(), 0, 'no password field');
    await check(page, 'step-up-second-factor-en');
    await page.getByLabel('Verification code').fill(generateSync({ secret: 'KRUGS4ZANFZSAYJAMRSW233TMVRXEZLU' }));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Signed in' }).waitFor();
    const claims = (await page.locator('pre.claims').textContent())!;
    assert.match(claims, /"acr": "urn:dinhdanh:loa:2"/);
    assert.match(claims, /"amr": \[\s*"pwd",\s*"otp",\s*"mfa"\s*\]/);
    await context.close();
  });
});
