/**
 * A citizen's whole journey on a phone-sized Chromium: a portal sends them to DinhDanh, they have no account,
 * enroll (the SMS code read from the development outbox page, as a tester would from their phone), create a
 * password, come back to the same login and reach the portal. Every page is checked with axe-core.
 */
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';

import { demoCitizens } from '../../src/demo/citizens.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { launchChromium, requireChromium, screenshot, seriousAccessibilityViolations } from '../helpers/browser.ts';
import { ControllableRegistry, syntheticCitizen } from '../helpers/enrollment-flow.ts';

describe('level-1 enrollment in Chromium on a phone screen', function () {
  let app: TestApp;
  let browser: Browser;

  before(async function () {
    requireChromium(this);
    const registry = new ControllableRegistry([...demoCitizens.map((citizen) => citizen.record), syntheticCitizen({ personalId: '036197000001' })]);
    app = await startTestApp({}, { registry });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('goes from "no account yet" on the login page to signed in at the portal, accessible at every step', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, bypassCSP: true, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const checkPage = async (name: string) => {
      assert.deepEqual(await seriousAccessibilityViolations(page), [], name);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.equal(overflow, 0, `${name} fits 360 px`);
      await screenshot(page, name);
    };

    await page.goto(`${app.issuer}/demo`);
    await page.getByRole('link', { name: 'Đăng nhập bằng DinhDanh' }).click();
    await page.getByRole('link', { name: 'Chưa có tài khoản? Tạo tài khoản định danh điện tử' }).click();

    await page.getByRole('heading', { name: 'Tạo tài khoản định danh điện tử' }).waitFor();
    await checkPage('enroll-start-vi');
    await page.getByLabel('Số định danh cá nhân').fill('036297000001');
    await page.getByLabel('Họ và tên').fill('Phạm Thị Hồng Nhung');
    await page.getByLabel('Ngày sinh').fill('1997-05-09');
    await page.getByLabel('Số điện thoại di động').fill('0987 654 321');
    await page.getByRole('button', { name: 'Tiếp tục' }).click();
    await page.getByText('Có lỗi cần sửa').waitFor();
    await page.getByText('Chữ số thứ 4 đến 6 không khớp với năm sinh.').first().waitFor();
    await checkPage('enroll-start-errors-vi');
    assert.equal(await page.getByLabel('Họ và tên').inputValue(), 'Phạm Thị Hồng Nhung', 'what was typed is kept');

    await page.getByLabel('Số định danh cá nhân').fill('036197000001');
    await page.getByRole('button', { name: 'Tiếp tục' }).click();
    await page.getByRole('heading', { name: 'Nhập mã xác minh' }).waitFor();
    assert.match((await page.locator('main').textContent())!, /\+84•••••4321/);
    await checkPage('enroll-code-vi');

    // The "phone": the development outbox page.
    const phone = await context.newPage();
    await phone.goto(`${app.issuer}/dev/sms?to=${encodeURIComponent('+84987654321')}`);
    const sms = await phone.locator('.sms-text').first().textContent();
    const code = /\b(\d{6})\b/.exec(sms!)![1]!;
    await phone.close();

    await page.getByLabel('Mã xác minh').fill(code);
    await page.getByRole('button', { name: 'Xác minh' }).click();
    await page.getByRole('heading', { name: 'Tạo mật khẩu' }).waitFor();
    await page.getByLabel('Mật khẩu mới').fill('12345678');
    await page.getByLabel('Nhập lại mật khẩu').fill('12345678');
    await page.getByRole('button', { name: 'Tạo tài khoản' }).click();
    await page.getByRole('alert').filter({ hasText: 'quá phổ biến' }).waitFor();
    await checkPage('enroll-password-refused-vi');

    await page.getByLabel('Mật khẩu mới').fill('hoa sen nở giữa hồ');
    await page.getByLabel('Nhập lại mật khẩu').fill('hoa sen nở giữa hồ');
    await page.getByRole('button', { name: 'Tạo tài khoản' }).click();
    await page.getByRole('heading', { name: 'Tài khoản đã sẵn sàng' }).waitFor();
    await checkPage('enroll-done-vi');

    // Back to the login the portal started, with the new account.
    await page.getByRole('link', { name: 'Tiếp tục đăng nhập' }).click();
    await page.getByLabel('Số định danh cá nhân').fill('036197000001');
    await page.getByLabel('Mật khẩu').fill('hoa sen nở giữa hồ');
    await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
    await page.getByRole('button', { name: 'Đồng ý chia sẻ' }).click();
    await page.getByRole('heading', { name: 'Đăng nhập thành công' }).waitFor();
    assert.match((await page.locator('pre.claims').textContent())!, /"name": "Phạm Thị Hồng Nhung"/);
    await context.close();
  });
});
