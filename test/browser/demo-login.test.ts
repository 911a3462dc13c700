/**
 * The newcomer's first minute, in a real browser: the demo portal → DinhDanh login → consent → back at the
 * portal with the citizen's data. Screenshots land in test-artifacts/ at phone size.
 */
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';

import { startTestApp, type TestApp } from '../helpers/app.ts';
import { launchChromium, newPhonePage, requireChromium, screenshot, seriousAccessibilityViolations } from '../helpers/browser.ts';

describe('demo portal sign-in in Chromium', function () {
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

  it('signs a demo citizen in with ID number + password and shows the portal what it received', async () => {
    const page = await newPhonePage(browser);
    await page.goto(`${app.issuer}/demo`);
    await page.getByRole('link', { name: 'Đăng nhập bằng DinhDanh' }).click();

    await page.getByLabel('Số định danh cá nhân').waitFor();
    await screenshot(page, 'login-vi');
    await page.getByLabel('Số định danh cá nhân').fill('079195123456');
    await page.getByLabel('Mật khẩu').fill('wrong-password');
    await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'không đúng' }).waitFor();
    await screenshot(page, 'login-failed-vi');

    await page.getByLabel('Mật khẩu').fill('demo-binh-2026');
    await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
    await page.getByRole('heading', { name: 'Chia sẻ thông tin' }).waitFor();
    await screenshot(page, 'consent-vi');
    await page.getByRole('button', { name: 'Đồng ý chia sẻ' }).click();

    await page.getByRole('heading', { name: 'Đăng nhập thành công' }).waitFor();
    await screenshot(page, 'demo-portal-signed-in');
    const received = await page.locator('pre.claims').textContent();
    assert.match(received!, /"name": "Trần Thị Bình"/);
    assert.match(received!, /"acr": "urn:dinhdanh:loa:1"/);

    // Logout through the provider and back to the portal.
    await page.getByRole('link', { name: 'Đăng xuất' }).click();
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await page.getByRole('link', { name: 'Đăng nhập bằng DinhDanh' }).waitFor();
  });

  it('fits a 360-px-wide screen without horizontal scrolling, in English too', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await page.goto(`${app.issuer}/demo?lang=en`);
    await page.getByRole('link', { name: 'Sign in with DinhDanh' }).click();
    await page.getByLabel('Personal identification number').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0);
    await screenshot(page, 'login-en-360');
    await context.close();
  });

  it('has no serious or critical axe-core violations on the login (with errors), consent and error pages', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${app.issuer}/demo/login`);
    await page.getByLabel('Số định danh cá nhân').waitFor();
    assert.deepEqual(await seriousAccessibilityViolations(page), [], 'login page');

    await page.getByLabel('Số định danh cá nhân').fill('123');
    await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
    await page.getByText('Có lỗi cần sửa').waitFor();
    assert.deepEqual(await seriousAccessibilityViolations(page), [], 'login page with field errors');

    await page.getByLabel('Số định danh cá nhân').fill('048202004321');
    await page.getByLabel('Mật khẩu').fill('demo-cuong-2026');
    await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
    await page.getByRole('heading', { name: 'Chia sẻ thông tin' }).waitFor();
    assert.deepEqual(await seriousAccessibilityViolations(page), [], 'consent page');

    await page.goto(`${app.issuer}/auth?client_id=unknown`);
    await page.getByRole('heading', { name: 'Không thể tiếp tục' }).waitFor();
    await screenshot(page, 'error-vi');
    assert.deepEqual(await seriousAccessibilityViolations(page), [], 'error page');
    await context.close();
  });
});
