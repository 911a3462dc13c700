/**
 * Passkeys and the authenticator app in Chromium at 390×844, with Chrome's virtual WebAuthn authenticator
 * (DevTools Protocol `WebAuthn.addVirtualAuthenticator`: a platform authenticator with resident keys and
 * user verification, as a phone has):
 *   - a level-2 citizen signs in to the account area (password + authenticator-app code) and creates a passkey;
 *   - the demo portal asks for level 2 and the citizen signs in with the passkey alone, without typing the ID
 *     number (usernameless): the portal receives acr level 2 and amr hwk + user + mfa;
 *   - with the password locked by 100 failures, the passkey still signs in;
 *   - a level-1 citizen sets up an authenticator app from the QR page (the test plays the app with the key
 *     printed under the QR code).
 * Every page is checked with axe-core and screenshotted.
 */
import assert from 'node:assert/strict';
import { generateSync } from 'otplib';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { defaultThrottleRules } from '../../src/authentication/login-throttle.ts';
import { demoCitizens } from '../../src/demo/citizens.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { checkPage, launchChromium, phonePageWithPasskeys, requireChromium } from '../helpers/browser.ts';

const AN = demoCitizens[0]!;
const BINH = demoCitizens[1]!;

describe('passkeys and the authenticator app in Chromium', function () {
  let app: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async function () {
    requireChromium(this);
    app = await startTestApp({}, {}, { issuerHost: 'localhost' });
    browser = await launchChromium();
    ({ context, page } = await phonePageWithPasskeys(browser));
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  const check = (name: string) => checkPage(page, name);

  it('signs a level-2 citizen in to the account area with password + app code and creates a passkey', async () => {
    await page.goto(`${app.issuer}/account`);
    await check('account-signed-out-vi');
    await page.getByRole('link', { name: 'Đăng nhập để quản lý tài khoản' }).click();
    await page.getByLabel('Số định danh cá nhân').fill(AN.record.personalId);
    await page.getByLabel('Mật khẩu').fill(AN.password);
    await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
    // A level-2 account manages its factors only at level 2: the account area steps up at once.
    await page.getByRole('heading', { name: 'Xác minh bước hai' }).waitFor();
    await page.getByLabel('Mã xác minh').fill(generateSync({ secret: AN.totpSecret! }));
    await page.getByRole('button', { name: 'Xác minh' }).click();

    await page.getByRole('heading', { name: 'Tài khoản của tôi' }).waitFor();
    await page.getByText('Số định danh ••••••••2345 · tài khoản mức 2').waitFor();
    await page.getByText('Bạn chưa có khóa truy cập nào.').waitFor();
    await check('account-vi');
    await page.getByLabel('Tên khóa truy cập').fill('Điện thoại của tôi');
    await page.getByRole('button', { name: 'Tạo khóa truy cập trên thiết bị này' }).click();
    await page.getByRole('status').filter({ hasText: 'Đã thêm khóa truy cập "Điện thoại của tôi".' }).waitFor();
    await page.getByText('Chỉ trên một thiết bị').waitFor();
    await check('account-passkey-added-vi');

    const [passkey] = await app.dinhdanh.stores.credentials.listForAccount((await app.dinhdanh.stores.accounts.findByPersonalId(AN.record.personalId))!.id, 'passkey');
    assert.equal(passkey?.type === 'passkey' && passkey.name, 'Điện thoại của tôi');
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await page.getByRole('link', { name: 'Đăng nhập để quản lý tài khoản' }).waitFor();
  });

  async function signInAtPortalWithPasskey(screenshotName: string) {
    await context.clearCookies();
    await page.goto(`${app.issuer}/demo`);
    await page.getByRole('link', { name: 'Đăng nhập mức 2 (hai bước xác thực)' }).click();
    await page.getByRole('button', { name: 'Đăng nhập bằng khóa truy cập (passkey)' }).waitFor();
    await check(screenshotName);
    await page.getByRole('button', { name: 'Đăng nhập bằng khóa truy cập (passkey)' }).click();
    await page.getByRole('button', { name: 'Đồng ý chia sẻ' }).click();
    await page.getByRole('heading', { name: 'Đăng nhập thành công' }).waitFor();
    return (await page.locator('pre.claims').textContent())!;
  }

  it('signs in at the portal at level 2 with the passkey alone, without typing the ID number', async () => {
    const claims = await signInAtPortalWithPasskey('login-passkey-vi');
    assert.match(claims, /"acr": "urn:dinhdanh:loa:2"/);
    assert.match(claims, /"amr": \[\s*"hwk",\s*"user",\s*"mfa"\s*\]/);
    assert.match(claims, /"auth_time": \d+/);
  });

  it('still signs in with the passkey when 100 failures have locked the password', async () => {
    for (let failure = 0; failure < defaultThrottleRules.lockAfter; failure += 1) {
      await app.dinhdanh.stores.failureCounters.recordFailure(`pwd:${AN.record.personalId}`, defaultThrottleRules.perAccount, 0);
    }
    await context.clearCookies();
    await page.goto(`${app.issuer}/demo`);
    await page.getByRole('link', { name: 'Đăng nhập bằng DinhDanh' }).click();
    await page.getByLabel('Số định danh cá nhân').fill(AN.record.personalId);
    await page.getByLabel('Mật khẩu').fill(AN.password);
    await page.getByRole('button', { name: 'Đăng nhập', exact: true }).click();
    await page.getByText('Đăng nhập bằng mật khẩu đã bị khóa').waitFor();
    await check('login-locked-vi');

    const claims = await signInAtPortalWithPasskey('login-passkey-after-lock-vi');
    assert.match(claims, /"acr": "urn:dinhdanh:loa:2"/);
  });

  it('lets a level-1 citizen set up an authenticator app from the QR page', async () => {
    await context.clearCookies();
    await page.goto(`${app.issuer}/account?lang=en`);
    await page.getByRole('link', { name: 'Sign in to manage your account' }).click();
    await page.getByLabel('Personal identification number').fill(BINH.record.personalId);
    await page.getByLabel('Password').fill(BINH.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText(/· level 1 account/).waitFor();
    await page.getByRole('link', { name: 'Set up an authenticator app' }).click();
    await page.getByRole('img', { name: 'QR code to add DinhDanh to an authenticator app' }).waitFor();
    await check('account-totp-setup-en');

    const secret = (await page.locator('#totp-secret').textContent())!.replace(/\s+/g, '');
    await page.getByLabel('The 6-digit code the app shows').fill(generateSync({ secret }) === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('alert').filter({ hasText: 'That code is not correct' }).waitFor();
    await check('account-totp-wrong-en');
    await page.getByLabel('The 6-digit code the app shows').fill(generateSync({ secret }));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Your authenticator app is ready').waitFor();
    await page.getByText('Set up.').waitFor();
    await check('account-totp-done-en');
  });

  it('shows the simulated level-2 upgrade in development, and says on screen that no face was compared', async () => {
    // Still Bình's account-area session (English) from the test above.
    await page.goto(`${app.issuer}/account?lang=en`);
    await page.getByRole('heading', { name: 'Try the level-2 upgrade (SIMULATED, development only)' }).waitFor();
    await page.getByRole('button', { name: 'Simulate reading the card and taking a selfie' }).click();
    await page.getByRole('status').filter({ hasText: 'Your account is now level 2. Face comparison: DEVELOPMENT face matcher: no face comparison is done (never for real identities).' }).waitFor();
    await page.getByText(/· level 2 account/).waitFor();
    await check('account-development-upgrade-en');
    assert.equal((await app.dinhdanh.stores.accounts.findByPersonalId(BINH.record.personalId))!.identityLevel, 2);
  });
});
