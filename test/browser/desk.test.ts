/**
 * The enrollment desk in Chromium (a desk screen and a phone-sized one): the demo officer creates a passkey,
 * signs in to the desk with it (Chrome's virtual authenticator), looks a citizen up, records the in-person
 * checks and raises the account to level 2. Each page is checked with axe-core and screenshotted.
 */
import assert from 'node:assert/strict';
import { generateSync } from 'otplib';
import type { Browser, Page } from 'playwright-core';

import { demoCitizens } from '../../src/demo/citizens.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { checkPage, launchChromium, phonePageWithPasskeys, requireChromium } from '../helpers/browser.ts';

const AN = demoCitizens[0]!;
const CUONG = demoCitizens[2]!;

describe('enrollment desk in Chromium', function () {
  let app: TestApp;
  let browser: Browser;
  let page: Page;

  before(async function () {
    requireChromium(this);
    app = await startTestApp({}, {}, { issuerHost: 'localhost' });
    browser = await launchChromium();
    ({ page } = await phonePageWithPasskeys(browser));
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  const check = (name: string) => checkPage(page, name);

  it('signs the officer in with a passkey and raises a citizen to level 2 after the in-person checks', async () => {
    // The demo officer (An) first creates a passkey in the account area.
    await page.goto(`${app.issuer}/account`);
    await page.getByRole('link', { name: 'Đăng nhập để quản lý tài khoản' }).click();
    await page.getByLabel('Số định danh cá nhân').fill(AN.record.personalId);
    await page.getByLabel('Mật khẩu').fill(AN.password);
    await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
    await page.getByLabel('Mã xác minh').fill(generateSync({ secret: AN.totpSecret! }));
    await page.getByRole('button', { name: 'Xác minh' }).click();
    await page.getByRole('button', { name: 'Tạo khóa truy cập trên thiết bị này' }).click();
    await page.getByRole('status').filter({ hasText: 'Đã thêm khóa truy cập' }).waitFor();

    await page.goto(`${app.issuer}/desk`);
    await check('desk-signed-out-vi');
    await page.getByRole('link', { name: 'Đăng nhập cán bộ' }).click();
    await page.getByRole('button', { name: 'Đăng nhập bằng khóa truy cập (passkey)' }).click();
    await page.getByText('Cán bộ: Nguyễn Văn An').waitFor();
    await check('desk-home-vi');

    await page.getByLabel('Số định danh cá nhân').fill(CUONG.record.personalId);
    await page.getByRole('button', { name: 'Tra cứu' }).click();
    await page.getByText('Lê Quốc Cường').waitFor();
    await page.getByText('Mức 1 · đang hoạt động').waitFor();
    await check('desk-citizen-vi');
    await page.getByLabel('Tôi đã kiểm tra thẻ căn cước gốc (đặc điểm bảo an, không tẩy xóa)').check();
    await page.getByLabel('Tôi đã đối chiếu khuôn mặt người đến trực tiếp với ảnh trên thẻ và trong chip').check();
    await page.getByLabel('Ghi chú').fill('Đối chiếu trực tiếp');
    await page.getByRole('button', { name: 'Nâng tài khoản lên mức 2' }).click();
    await page.getByRole('status').filter({ hasText: 'Tài khoản đã được nâng lên mức 2.' }).waitFor();
    await page.getByText('Mức 2 · đang hoạt động').waitFor();
    await check('desk-citizen-upgraded-vi');
    assert.equal((await app.dinhdanh.stores.accounts.findByPersonalId(CUONG.record.personalId))!.identityLevel, 2);

    await page.getByRole('link', { name: 'Quản lý cán bộ' }).click();
    await page.getByRole('heading', { name: 'Quản lý cán bộ' }).waitFor();
    await check('desk-staff-vi');
  });
});
