/**
 * The citizen's account area: sign in (through this provider, see src/first-party/clients.ts), then manage how
 * they sign in: passkeys (add, rename on creation, remove) and the authenticator app (set up by QR code with a
 * confirmation code, move to another app, remove).
 *
 * Rules that protect the account:
 * - every account-area sign-in is a fresh authentication (`prompt=login`), at the account's full level: a
 *   level-2 account steps up to level 2 before it may add a factor, because a passkey added here is itself a
 *   level-2 sign-in (NIST SP 800-63B §6.1.2.1: binding an authenticator needs authentication at the AAL it gives);
 * - the management session lives 15 minutes from that sign-in, server-side (protocol state), never extended;
 * - every change is audited; the authorization code is redeemed here, in process, exactly once, with PKCE.
 */
import { randomUUID } from 'node:crypto';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Provider } from 'oidc-provider';
import QRCode from 'qrcode';
import { z } from 'zod';

import type { Account, AccountStore } from '../accounts/account.ts';
import type { CredentialStore, PasskeyCredential, TotpCredential } from '../accounts/credentials.ts';
import type { AcrValues } from '../assurance/levels.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { MAX_PASSKEYS_PER_ACCOUNT, parseAuthenticationResponse, parseRegistrationResponse, type Passkeys } from '../authentication/passkeys.ts';
import type { Totp } from '../authentication/totp.ts';
import { AppError } from '../http/errors.ts';
import { localeOf } from '../http/locale.ts';
import type { Views } from '../http/views.ts';
import { format, type Messages } from '../i18n/messages.ts';
import type { CsrfTokens } from '../interactions/csrf.ts';
import { parseForm } from '../interactions/forms.ts';
import type { ProtocolStateStore } from '../oidc/protocol-state.ts';
import { maskPersonalId } from '../registry/personal-id.ts';
import { ACCOUNT_AREA_CLIENT_ID } from '../first-party/clients.ts';
import { createFirstPartySignIn, type AreaSession } from '../first-party/sign-in.ts';
import type { DevelopmentUpgradeSimulator } from '../identity-upgrade/development-simulator.ts';
import type { BackChannelSignIn } from '../ciba/back-channel-sign-in.ts';

export const ACCOUNT_AREA_SESSION_SECONDS = 900;

const csrfField = z.string().max(1024).default('');
const csrfForm = z.object({ csrf: csrfField });
const codeForm = z.object({ csrf: csrfField, code: z.string().max(64).default('') });
const passkeyForm = z.object({ csrf: csrfField, response: z.string().max(16_384).default(''), name: z.string().max(200).default('') });
const removeForm = z.object({ csrf: csrfField, id: z.string().max(1500).default('') });
interface AccountAreaDependencies {
  provider: Provider;
  issuer: string;
  views: Views;
  csrf: CsrfTokens;
  accounts: Pick<AccountStore, 'findById'>;
  credentials: Pick<CredentialStore, 'listForAccount' | 'create' | 'update' | 'delete' | 'findById'>;
  protocolState: ProtocolStateStore;
  passkeys: Passkeys;
  totp: Totp;
  audit: AuditLog;
  acrValues: AcrValues;
  maxFormBytes: number;
  /** Outside production only: "try the level-2 upgrade" with a synthetic card (development-simulator.ts). */
  simulateUpgrade?: DevelopmentUpgradeSimulator;
  /** Bank-initiated sign-ins waiting for the citizen (CIBA, src/ciba). */
  approvals: BackChannelSignIn;
}

export function createAccountAreaRouter(dependencies: AccountAreaDependencies) {
  const { provider, issuer, views, csrf, accounts, credentials, protocolState, passkeys, totp, audit, acrValues } = dependencies;
  const router = new Router({ prefix: '/account' });
  const forms = bodyParser({ enableTypes: ['form'], formLimit: `${dependencies.maxFormBytes}b`, encoding: 'utf-8' });
  const csrfId = (session: AreaSession) => `account:${session.id}`;
  const signIn = createFirstPartySignIn({
    provider,
    issuer,
    clientId: ACCOUNT_AREA_CLIENT_ID,
    callbackPath: '/account/callback',
    name: 'account',
    sessionSeconds: ACCOUNT_AREA_SESSION_SECONDS,
    protocolState,
    accounts,
    acrValues,
  });
  const currentSession = signIn.currentSession;

  /** The session, or the signed-out page (with "your session ended" after a POST) and undefined. */
  async function requireSession(ctx: Context) {
    const current = await currentSession(ctx);
    if (!current) {
      ctx.status = ctx.method === 'GET' ? 200 : 401;
      renderSignedOut(ctx, ctx.method === 'GET' ? undefined : localeOf(ctx).messages.account.expired);
    }
    return current;
  }

  /** For the pages' JSON calls (passkey options): the session with a valid CSRF token, else 401 JSON. */
  async function jsonSession(ctx: Context) {
    const current = await currentSession(ctx);
    if (!current) {
      ctx.status = 401;
      ctx.body = { error: 'login_required' };
      return undefined;
    }
    csrf.verify(csrfId(current.session), parseForm(ctx, csrfForm).csrf);
    return current;
  }

  function renderSignedOut(ctx: Context, error?: string) {
    const { messages } = localeOf(ctx);
    views.render(ctx, 'account', { title: messages.account.title, signedOut: true, error, returnPath: '/account' });
  }

  function dateText(date: Date, locale: string) {
    return new Intl.DateTimeFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', { dateStyle: 'medium' }).format(new Date(date));
  }

  function lastUsedText(date: Date | undefined, locale: string, messages: Messages) {
    return date ? format(messages.account.passkeyLastUsed, { date: dateText(date, locale) }) : messages.account.passkeyNeverUsed;
  }

  async function renderOverview(ctx: Context, { session, account }: { session: AreaSession; account: Account }, notice?: { notice?: string; error?: string }) {
    const { locale, messages } = localeOf(ctx);
    const all = await credentials.listForAccount(account.id);
    const passkeyList = all.filter((credential): credential is PasskeyCredential => credential.type === 'passkey');
    const hasApp = all.some((credential) => credential.type === 'totp' && (credential as TotpCredential).confirmed);
    const waiting = (await dependencies.approvals.pendingFor(account)).length;
    views.render(ctx, 'account', {
      title: messages.account.title,
      signedInAs: format(messages.account.signedInAs, { personalId: maskPersonalId(account.personalId), level: String(account.identityLevel) }),
      csrf: csrf.tokenFor(csrfId(session)),
      passkeys: passkeyList.map((passkey) => ({
        id: passkey.id,
        name: passkey.name,
        kind: passkey.deviceType === 'multiDevice' ? messages.account.passkeySynced : messages.account.passkeyDeviceBound,
        dates: format(messages.account.passkeyDates, { added: dateText(passkey.createdAt, locale), used: lastUsedText(passkey.lastUsedAt, locale, messages) }),
        removeLabel: format(messages.account.removePasskey, { name: passkey.name }),
      })),
      hasApp,
      developmentUpgrade: Boolean(dependencies.simulateUpgrade) && account.identityLevel === 1,
      approvalsLink: waiting ? `${messages.approvals.link} (${waiting})` : undefined,
      returnPath: '/account',
      ...notice,
      // views/passkey-button.mustache, in registration mode.
      scripts: ['/static/passkey.js'],
      passkeyMode: 'register',
      passkeyOptionsUrl: '/account/passkeys/options',
      passkeyAction: '/account/passkeys',
      passkeyLabel: messages.account.addPasskey,
      passkeyFailedText: messages.account.passkeyFailed,
      passkeyNameField: true,
    });
  }

  router.get('/', async (ctx: Context) => {
    const current = await currentSession(ctx);
    if (!current) return renderSignedOut(ctx);
    return renderOverview(ctx, current);
  });

  /** `?level=2` is the step-up of a level-2 account right after its sign-in (only the second factor is asked). */
  router.get('/login', async (ctx: Context) => signIn.startSignIn(ctx, { level2: ctx.query.level === '2' }));

  router.get('/callback', async (ctx: Context) => {
    const outcome = await signIn.completeSignIn(ctx);
    // Cancelled on the login page: back to the signed-out page; anything else: "start again", nothing kept.
    if (!outcome.ok) {
      ctx.status = outcome.cancelled ? 200 : 400;
      return renderSignedOut(ctx, outcome.cancelled ? undefined : localeOf(ctx).messages.account.expired);
    }
    const { account, level, amr } = outcome.signIn;
    if (account.identityLevel === 2 && level < 2) return ctx.redirect('/account/login?level=2');
    await signIn.openSession(ctx, outcome.signIn);
    await audit.record({ type: 'account_area.signed_in', accountId: account.id, ip: ctx.ip, details: { level, amr: amr.join(' ') } });
    ctx.redirect('/account');
  });

  router.post('/logout', forms, async (ctx: Context) => {
    const current = await requireSession(ctx);
    if (!current) return;
    csrf.verify(csrfId(current.session), parseForm(ctx, csrfForm).csrf);
    await signIn.closeSession(ctx, current.session);
    await audit.record({ type: 'account_area.signed_out', accountId: current.account.id, ip: ctx.ip });
    ctx.status = 303;
    ctx.redirect('/account');
  });

  router.post('/development-upgrade', forms, async (ctx: Context) => {
    const current = await requireSession(ctx);
    if (!current) return;
    csrf.verify(csrfId(current.session), parseForm(ctx, csrfForm).csrf);
    const { messages } = localeOf(ctx);
    if (!dependencies.simulateUpgrade || current.account.identityLevel !== 1) throw new AppError('not_found', 404, 'notFound', 'no development upgrade here');
    const outcome = await dependencies.simulateUpgrade(current.account, ctx.ip);
    if (!outcome.ok) {
      ctx.status = 422;
      return renderOverview(ctx, current, { error: format(messages.account.developmentUpgradeFailed, { step: outcome.step, reason: outcome.reason }) });
    }
    const account = (await accounts.findById(current.account.id))!;
    return renderOverview(ctx, { session: current.session, account }, { notice: format(messages.account.developmentUpgradeDone, { service: outcome.faceService }) });
  });

  // Bank-initiated sign-ins (CIBA): list, confirm with a passkey, decline.

  const approvalForm = z.object({ csrf: csrfField, response: z.string().max(16_384).default('') });

  async function renderApprovals(ctx: Context, { session, account }: { session: AreaSession; account: Account }, notice: { notice?: string; error?: string } = {}) {
    const { locale, messages } = localeOf(ctx);
    const hasPasskey = (await credentials.listForAccount(account.id, 'passkey')).length > 0;
    const scopeText = messages.consent.scopes as Record<string, string>;
    const requests = (await dependencies.approvals.pendingFor(account)).map((request) => {
      const client = request.clientName[locale];
      return {
        id: request.id,
        title: format(messages.approvals.fromClient, { client }),
        bindingLabel: format(messages.approvals.binding, { client }),
        bindingMessage: request.bindingMessage,
        shares: format(messages.approvals.shares, { items: request.scopes.map((scope) => format(scopeText[scope] ?? scope, { client })).join('; ') }),
        level: format(messages.approvals.level, { level: String(request.requiredLevel) }),
        expires: format(messages.approvals.expires, { time: new Intl.DateTimeFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', { timeStyle: 'short' }).format(request.expiresAt) }),
        canApprove: hasPasskey,
        // views/passkey-button.mustache, one ceremony per request.
        passkeyMode: 'authenticate',
        passkeyOptionsUrl: `/account/approvals/${request.id}/options`,
        passkeyAction: `/account/approvals/${request.id}`,
        passkeyLabel: messages.approvals.approve,
        passkeyFailedText: messages.approvals.failed,
      };
    });
    views.render(ctx, 'account-approvals', { title: messages.approvals.title, csrf: csrf.tokenFor(csrfId(session)), requests, scripts: ['/static/passkey.js'], returnPath: '/account/approvals', ...notice });
  }

  router.get('/approvals', async (ctx: Context) => {
    const current = await requireSession(ctx);
    if (current) await renderApprovals(ctx, current);
  });

  router.post('/approvals/:id/options', forms, async (ctx: Context) => {
    const current = await jsonSession(ctx);
    if (!current) return;
    const options = await dependencies.approvals.approvalOptions(current.account, String(ctx.params.id));
    if (!options) {
      ctx.status = 404;
      ctx.body = { error: 'not_found' };
      return;
    }
    ctx.body = options;
  });

  router.post('/approvals/:id', forms, async (ctx: Context) => {
    const current = await requireSession(ctx);
    if (!current) return;
    const form = parseForm(ctx, approvalForm);
    csrf.verify(csrfId(current.session), form.csrf);
    const { messages, locale } = localeOf(ctx);
    const pending = (await dependencies.approvals.pendingFor(current.account)).find((request) => request.id === ctx.params.id);
    const response = parseAuthenticationResponse(form.response);
    const outcome = pending && response ? await dependencies.approvals.approve(current.account, pending.id, response, ctx.ip) : ({ ok: false, reason: pending ? 'passkey_failed' : 'not_found' } as const);
    if (outcome.ok) return renderApprovals(ctx, current, { notice: format(messages.approvals.approved, { client: pending!.clientName[locale] }) });
    ctx.status = outcome.reason === 'not_found' ? 404 : 400;
    return renderApprovals(ctx, current, { error: { not_found: messages.approvals.gone, passkey_failed: messages.approvals.failed, level_too_low: messages.approvals.levelTooLow }[outcome.reason] });
  });

  router.post('/approvals/:id/decline', forms, async (ctx: Context) => {
    const current = await requireSession(ctx);
    if (!current) return;
    csrf.verify(csrfId(current.session), parseForm(ctx, csrfForm).csrf);
    const { messages, locale } = localeOf(ctx);
    const pending = (await dependencies.approvals.pendingFor(current.account)).find((request) => request.id === ctx.params.id);
    if (!pending || !(await dependencies.approvals.decline(current.account, pending.id, ctx.ip))) {
      ctx.status = 404;
      return renderApprovals(ctx, current, { error: messages.approvals.gone });
    }
    return renderApprovals(ctx, current, { notice: format(messages.approvals.declined, { client: pending.clientName[locale] }) });
  });

  // Passkeys.

  router.post('/passkeys/options', forms, async (ctx: Context) => {
    const current = await jsonSession(ctx);
    if (!current) return;
    ctx.body = await passkeys.registrationOptions(current.account);
  });

  router.post('/passkeys', forms, async (ctx: Context) => {
    const current = await requireSession(ctx);
    if (!current) return;
    const form = parseForm(ctx, passkeyForm);
    csrf.verify(csrfId(current.session), form.csrf);
    const { messages } = localeOf(ctx);
    const response = parseRegistrationResponse(form.response);
    const name = form.name.replace(/\s+/g, ' ').trim().slice(0, 60) || messages.account.passkeyDefaultName;
    const outcome = response ? await passkeys.register(current.account, response, name) : ({ ok: false, reason: 'invalid' } as const);
    if (!outcome.ok) {
      ctx.status = 400;
      const error = {
        invalid: messages.account.passkeyFailed,
        already_registered: messages.account.passkeyAlready,
        too_many: format(messages.account.passkeyTooMany, { max: String(MAX_PASSKEYS_PER_ACCOUNT) }),
      }[outcome.reason];
      return renderOverview(ctx, current, { error });
    }
    await audit.record({ type: 'authenticator.added', accountId: current.account.id, ip: ctx.ip, details: { kind: 'passkey', synced: outcome.credential.deviceType === 'multiDevice' } });
    return renderOverview(ctx, current, { notice: format(messages.account.passkeyAdded, { name }) });
  });

  router.post('/passkeys/remove', forms, async (ctx: Context) => {
    const current = await requireSession(ctx);
    if (!current) return;
    const form = parseForm(ctx, removeForm);
    csrf.verify(csrfId(current.session), form.csrf);
    const credential = await credentials.findById(form.id);
    // Another account's credential is "not found": nothing changes, nothing is revealed.
    if (credential?.type !== 'passkey' || credential.accountId !== current.account.id) {
      ctx.status = 404;
      return renderOverview(ctx, current, { error: localeOf(ctx).messages.errors.notFound });
    }
    await credentials.delete(credential.id);
    await audit.record({ type: 'authenticator.removed', accountId: current.account.id, ip: ctx.ip, details: { kind: 'passkey' } });
    return renderOverview(ctx, current, { notice: format(localeOf(ctx).messages.account.passkeyRemoved, { name: credential.name }) });
  });

  // Authenticator app (TOTP, RFC 6238).

  async function renderTotpSetup(ctx: Context, session: AreaSession, account: Account, credential: TotpCredential, error?: string) {
    const { messages } = localeOf(ctx);
    const uri = totp.uri(credential.seed, account.personalId);
    views.render(ctx, 'account-totp', {
      title: messages.account.totpSetUp,
      qrSvg: await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
      secretGroups: credential.seed.match(/.{1,4}/g)!.join(' '),
      csrf: csrf.tokenFor(csrfId(session)),
      error,
      returnPath: '/account/authenticator',
    });
  }

  async function unconfirmedTotp(accountId: string): Promise<TotpCredential | undefined> {
    return (await credentials.listForAccount(accountId, 'totp')).find((credential): credential is TotpCredential => credential.type === 'totp' && !credential.confirmed);
  }

  router.get('/authenticator', async (ctx: Context) => {
    const current = await requireSession(ctx);
    if (!current) return;
    // A new secret each time the page is opened; an abandoned one never becomes usable (not confirmed).
    const stale = await unconfirmedTotp(current.account.id);
    if (stale) await credentials.delete(stale.id);
    const credential = (await credentials.create({ id: randomUUID(), accountId: current.account.id, type: 'totp', seed: totp.newSecret(), confirmed: false })) as TotpCredential;
    return renderTotpSetup(ctx, current.session, current.account, credential);
  });

  router.post('/authenticator', forms, async (ctx: Context) => {
    const current = await requireSession(ctx);
    if (!current) return;
    const form = parseForm(ctx, codeForm);
    csrf.verify(csrfId(current.session), form.csrf);
    const { messages } = localeOf(ctx);
    const credential = await unconfirmedTotp(current.account.id);
    if (!credential) {
      ctx.status = 400;
      return renderOverview(ctx, current, { error: messages.account.totpExpired });
    }
    const outcome = await totp.verify(credential, form.code);
    if (outcome !== 'accepted') {
      ctx.status = 400;
      return renderTotpSetup(ctx, current.session, current.account, credential, outcome === 'replayed' ? messages.assurance.totpReplayed : messages.assurance.totpWrong);
    }
    // One authenticator app per account: the confirmed new one replaces the old one.
    for (const previous of await credentials.listForAccount(current.account.id, 'totp')) {
      if (previous.id !== credential.id) await credentials.delete(previous.id);
    }
    await credentials.update(credential.id, { confirmed: true });
    await audit.record({ type: 'authenticator.added', accountId: current.account.id, ip: ctx.ip, details: { kind: 'totp' } });
    return renderOverview(ctx, current, { notice: messages.account.totpConfirmed });
  });

  router.post('/authenticator/remove', forms, async (ctx: Context) => {
    const current = await requireSession(ctx);
    if (!current) return;
    csrf.verify(csrfId(current.session), parseForm(ctx, csrfForm).csrf);
    const apps = await credentials.listForAccount(current.account.id, 'totp');
    for (const app of apps) await credentials.delete(app.id);
    if (apps.length) await audit.record({ type: 'authenticator.removed', accountId: current.account.id, ip: ctx.ip, details: { kind: 'totp' } });
    return renderOverview(ctx, current, { notice: localeOf(ctx).messages.account.totpRemoved });
  });

  return router;
}
