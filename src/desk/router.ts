/**
 * The in-person enrollment desk (/desk): separate pages and API for staff, never reachable with a citizen's
 * session. Staff sign in through the provider as the first-party client `dinhdanh-desk`, at level 2 and with
 * a passkey (amr hwk/swk), freshly; the desk session lasts an hour and re-reads the staff record on every
 * request, so a revoked role stops working at once.
 *
 *   GET  /desk                                 search (officer, supervisor), or the sign-in button
 *   GET  /desk/citizens?personalId=…            registry record, account, level history, actions
 *   POST /desk/citizens/:personalId/chip-checks start a chip reading by the desk reader (officer)
 *   POST /desk/api/checks/:id/chip             the desk reader's chip reading (JSON, as the phone's; header x-csrf-token)
 *   POST /desk/citizens/:personalId/upgrade    in-person checks recorded → level 2 (officer, not self)
 *   POST /desk/citizens/:personalId/reverse    back to level 1 with a reason (supervisor, not self)
 *   GET|POST /desk/staff                       grant and revoke roles (admin, not self)
 *   /desk/api/relying-parties[/:clientId[/…]]  the relying-party registry as a JSON API (admin)
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { Provider } from 'oidc-provider';
import { z } from 'zod';

import type { Account, AccountStore } from '../accounts/account.ts';
import type { AcrValues } from '../assurance/levels.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { CsrfTokens } from '../interactions/csrf.ts';
import { parseForm } from '../interactions/forms.ts';
import { createFirstPartySignIn, type AreaSession } from '../first-party/sign-in.ts';
import { DESK_CLIENT_ID } from '../first-party/clients.ts';
import { AppError } from '../http/errors.ts';
import { localeOf } from '../http/locale.ts';
import type { Views } from '../http/views.ts';
import { format, type Messages } from '../i18n/messages.ts';
import type { IdentityUpgrade } from '../identity-upgrade/identity-upgrade.ts';
import { chipBody, parseJsonBody, problem, readingFromBody, refuseChip } from '../identity-upgrade/phone-api.ts';
import type { ProtocolStateStore } from '../oidc/protocol-state.ts';
import { fullName, type PopulationRegistry } from '../registry/population-registry.ts';
import { RelyingPartyInputError, type Actor, type RelyingPartyRegistry } from '../relying-parties/registry.ts';
import type { RelyingParty } from '../relying-parties/relying-party.ts';
import { STAFF_ROLES, type StaffMember, type StaffRole, type StaffStore } from './staff.ts';

export const DESK_SESSION_SECONDS = 3600;
const PERSONAL_ID = /^\d{12}$/;
const field = z.string().max(1024).default('');
const csrfForm = z.object({ csrf: field });
const upgradeForm = z.object({ csrf: field, chipCheckId: field, documentInspected: field, faceCompared: field, note: z.string().max(2000).default('') });
const reverseForm = z.object({ csrf: field, reason: z.string().max(2000).default('') });
const staffForm = z.object({ csrf: field, personalId: field, displayName: z.string().max(100).default(''), roles: z.union([z.string(), z.array(z.string())]).default([]) });

interface DeskDependencies {
  relyingPartyRegistry: RelyingPartyRegistry & { list(): Promise<RelyingParty[]> };
  provider: Provider;
  issuer: string;
  views: Views;
  csrf: CsrfTokens;
  accounts: Pick<AccountStore, 'findById' | 'findByPersonalId'>;
  staff: StaffStore;
  registry: Pick<PopulationRegistry, 'findCitizen'>;
  protocolState: ProtocolStateStore;
  upgrade: IdentityUpgrade;
  audit: AuditLog;
  acrValues: AcrValues;
  maxFormBytes: number;
}

interface DeskContext {
  session: AreaSession;
  account: Account;
  member: StaffMember;
}

const PASSKEY_METHODS = ['hwk', 'swk'];

export function createDeskRouter({ relyingPartyRegistry, provider, issuer, views, csrf, accounts, staff, registry, protocolState, upgrade, audit, acrValues, maxFormBytes }: DeskDependencies) {
  const router = new Router({ prefix: '/desk' });
  const forms = bodyParser({ enableTypes: ['form'], formLimit: `${maxFormBytes}b`, encoding: 'utf-8' });
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '3mb', encoding: 'utf-8' });
  const signIn = createFirstPartySignIn({ provider, issuer, clientId: DESK_CLIENT_ID, callbackPath: '/desk/callback', name: 'desk', sessionSeconds: DESK_SESSION_SECONDS, protocolState, accounts, acrValues });
  const csrfId = (session: AreaSession) => `desk:${session.id}`;

  const rolesText = (member: StaffMember, messages: Messages) => member.roles.map((role) => messages.desk.roles[role]).join(', ');

  function render(ctx: Context, model: Record<string, unknown> & { desk?: DeskContext }) {
    const { messages } = localeOf(ctx);
    const desk = model.desk;
    views.render(ctx, 'desk', {
      title: messages.desk.title,
      returnPath: '/desk',
      ...model,
      ...(desk
        ? {
            signedIn: true,
            signedInAs: format(messages.desk.signedInAs, { name: desk.member.displayName, roles: rolesText(desk.member, messages) }),
            csrf: csrf.tokenFor(csrfId(desk.session)),
            isAdmin: desk.member.roles.includes('admin'),
          }
        : { signedOut: true }),
    });
  }

  /** The desk session with an active staff record, else the signed-out page (401 after a POST). */
  async function requireStaff(ctx: Context, next: Next) {
    const current = await signIn.currentSession(ctx);
    const member = current ? await staff.findByAccountId(current.account.id) : undefined;
    if (!current || !member?.active || !member.roles.length) {
      ctx.status = ctx.method === 'GET' ? 200 : 401;
      return render(ctx, { error: ctx.method === 'GET' ? undefined : localeOf(ctx).messages.desk.expired });
    }
    ctx.state.desk = { ...current, member } satisfies DeskContext;
    await next();
  }

  const deskOf = (ctx: Context) => ctx.state.desk as DeskContext;

  function requireRole(ctx: Context, role: StaffRole): DeskContext {
    const desk = deskOf(ctx);
    if (!desk.member.roles.includes(role)) throw new AppError('forbidden', 403, 'forbidden', `the ${role} role is required`);
    return desk;
  }

  /** The citizen a desk action is about, never the officer's own account (audited when tried). */
  async function targetOf(ctx: Context, desk: DeskContext): Promise<Account | undefined> {
    const personalId = String(ctx.params.personalId ?? '');
    const account = PERSONAL_ID.test(personalId) ? await accounts.findByPersonalId(personalId) : undefined;
    if (!account) throw new AppError('not_found', 404, 'notFound', 'no account with that number');
    if (account.id === desk.account.id) {
      await audit.record({ type: 'desk.self_action_refused', accountId: account.id, ip: ctx.ip, details: { staffId: desk.member.accountId, action: ctx.path.split('/').pop()! } });
      ctx.status = 403;
      await renderCitizen(ctx, desk, account.personalId, { error: localeOf(ctx).messages.desk.selfRefused });
      return undefined;
    }
    return account;
  }

  async function renderCitizen(ctx: Context, desk: DeskContext, personalId: string, notice: { notice?: string; error?: string; chipCheck?: string } = {}) {
    const { messages, locale } = localeOf(ctx);
    const citizen = await registry.findCitizen(personalId);
    if (!citizen) {
      ctx.status = 404;
      return render(ctx, { desk, personalId, error: messages.desk.notFound });
    }
    const account = await accounts.findByPersonalId(personalId);
    const history = account
      ? [...(await audit.list({ accountId: account.id, type: 'account.level_raised' })), ...(await audit.list({ accountId: account.id, type: 'account.level_lowered' }))]
          .sort((a, b) => b.at.getTime() - a.at.getTime())
          .map((event) => `${new Intl.DateTimeFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(event.at)} · ${event.details?.from} → ${event.details?.to} · ${event.details?.evidence ?? event.details?.reason ?? ''} · ${event.details?.channel}`)
      : [];
    const own = account?.id === desk.account.id;
    render(ctx, {
      desk,
      personalId,
      citizen: {
        name: fullName(citizen),
        birthDate: citizen.birthDate,
        cardLine: format(messages.desk.cardLine, { number: citizen.card.number, expires: citizen.card.expiresOn, status: messages.desk.statuses[citizen.card.status] }),
      },
      account: account ? { line: format(messages.desk.accountLine, { level: String(account.identityLevel), status: messages.desk.statuses[account.status] }) } : undefined,
      history,
      canUpgrade: !own && account?.identityLevel === 1 && account.status === 'active' && desk.member.roles.includes('officer'),
      canReverse: !own && account?.identityLevel === 2 && desk.member.roles.includes('supervisor'),
      ...notice,
    });
  }

  router.get('/login', async (ctx: Context) => signIn.startSignIn(ctx, { level2: true, fresh: true }));

  router.get('/callback', async (ctx: Context) => {
    const { messages } = localeOf(ctx);
    const outcome = await signIn.completeSignIn(ctx);
    if (!outcome.ok) {
      ctx.status = outcome.cancelled ? 200 : 400;
      return render(ctx, { error: outcome.cancelled ? undefined : messages.desk.expired });
    }
    const { account, level, amr } = outcome.signIn;
    const member = await staff.findByAccountId(account.id);
    if (!member?.active || !member.roles.length) {
      await audit.record({ type: 'desk.access_refused', accountId: account.id, ip: ctx.ip, details: { reason: 'not_staff' } });
      ctx.status = 403;
      return render(ctx, { error: messages.desk.notStaff });
    }
    if (level < 2 || !amr.some((method) => PASSKEY_METHODS.includes(method))) {
      await audit.record({ type: 'desk.access_refused', accountId: account.id, ip: ctx.ip, details: { reason: 'not_passkey_level_2', amr: amr.join(' ') } });
      ctx.status = 403;
      return render(ctx, { error: messages.desk.passkeyRequired });
    }
    await signIn.openSession(ctx, outcome.signIn);
    await audit.record({ type: 'desk.signed_in', accountId: account.id, ip: ctx.ip, details: { roles: member.roles.join(' '), amr: amr.join(' ') } });
    ctx.redirect('/desk');
  });

  router.get('/', async (ctx: Context) => {
    const current = await signIn.currentSession(ctx);
    const member = current ? await staff.findByAccountId(current.account.id) : undefined;
    if (!current || !member?.active) return render(ctx, {});
    render(ctx, { desk: { ...current, member } });
  });

  router.post('/logout', forms, requireStaff, async (ctx: Context) => {
    const desk = deskOf(ctx);
    csrf.verify(csrfId(desk.session), parseForm(ctx, csrfForm).csrf);
    await signIn.closeSession(ctx, desk.session);
    await audit.record({ type: 'desk.signed_out', accountId: desk.account.id, ip: ctx.ip });
    ctx.status = 303;
    ctx.redirect('/desk');
  });

  router.get('/citizens', requireStaff, async (ctx: Context) => {
    const desk = deskOf(ctx);
    if (!desk.member.roles.some((role) => role === 'officer' || role === 'supervisor')) throw new AppError('forbidden', 403, 'forbidden', 'officers and supervisors look citizens up');
    const personalId = String(ctx.query.personalId ?? '').replace(/\s+/g, '');
    if (!PERSONAL_ID.test(personalId)) {
      ctx.status = 400;
      return render(ctx, { desk, personalId, error: localeOf(ctx).messages.login.personalIdFormat });
    }
    await audit.record({ type: 'desk.citizen_viewed', ip: ctx.ip, details: { staffId: desk.member.accountId, personalIdEnd: personalId.slice(-4) } });
    return renderCitizen(ctx, desk, personalId);
  });

  router.post('/citizens/:personalId/chip-checks', forms, requireStaff, async (ctx: Context) => {
    const desk = requireRole(ctx, 'officer');
    csrf.verify(csrfId(desk.session), parseForm(ctx, csrfForm).csrf);
    const account = await targetOf(ctx, desk);
    if (!account) return;
    const check = await upgrade.startCheck(account, { channel: 'desk', staffId: desk.member.accountId });
    const chipCheck = format(localeOf(ctx).messages.desk.chipCheckStarted, { id: check.checkId, challenge: Buffer.from(check.challenge).toString('base64') });
    return renderCitizen(ctx, desk, account.personalId, { chipCheck, notice: chipCheck });
  });

  // The desk reader: the same chip reading as the phone's, under the officer's desk session.
  router.post('/api/checks/:id/chip', requireStaff, json, async (ctx: Context) => {
    const desk = requireRole(ctx, 'officer');
    csrf.verify(csrfId(desk.session), ctx.get('x-csrf-token'));
    const body = parseJsonBody(ctx, chipBody);
    if (!body) return;
    const personalId = String(ctx.query.personalId ?? '');
    const account = PERSONAL_ID.test(personalId) ? await accounts.findByPersonalId(personalId) : undefined;
    if (!account || account.id === desk.account.id) return refuseChip(ctx, 'check_unknown');
    const outcome = await upgrade.submitChip(account, ctx.params.id as string, readingFromBody(body), ctx.ip);
    if (!outcome.ok) return refuseChip(ctx, outcome.reason);
    ctx.body = { status: 'chip_verified', card_expires_on: outcome.cardExpiresOn, full_name: outcome.fullName };
  });

  router.post('/citizens/:personalId/upgrade', forms, requireStaff, async (ctx: Context) => {
    const desk = requireRole(ctx, 'officer');
    const form = parseForm(ctx, upgradeForm);
    csrf.verify(csrfId(desk.session), form.csrf);
    const { messages } = localeOf(ctx);
    const account = await targetOf(ctx, desk);
    if (!account) return;
    if (account.identityLevel !== 1 || account.status !== 'active') throw new AppError('invalid_request', 409, 'badRequest', 'only an active level-1 account can be raised');
    if (form.documentInspected !== 'yes' || form.faceCompared !== 'yes') {
      ctx.status = 400;
      return renderCitizen(ctx, desk, account.personalId, { error: messages.desk.checksRequired });
    }
    const outcome = await upgrade.raiseAtDesk(account, desk.member.accountId, { chipCheckId: form.chipCheckId.trim() || undefined, note: form.note.trim() || undefined }, ctx.ip);
    if (!outcome.ok) {
      ctx.status = 400;
      return renderCitizen(ctx, desk, account.personalId, { error: messages.desk.chipCheckInvalid });
    }
    return renderCitizen(ctx, desk, account.personalId, { notice: messages.desk.upgraded });
  });

  router.post('/citizens/:personalId/reverse', forms, requireStaff, async (ctx: Context) => {
    const desk = requireRole(ctx, 'supervisor');
    const form = parseForm(ctx, reverseForm);
    csrf.verify(csrfId(desk.session), form.csrf);
    const { messages } = localeOf(ctx);
    const account = await targetOf(ctx, desk);
    if (!account) return;
    if (account.identityLevel !== 2) throw new AppError('invalid_request', 409, 'badRequest', 'the account is not at level 2');
    if (!form.reason.trim()) {
      ctx.status = 400;
      return renderCitizen(ctx, desk, account.personalId, { error: messages.desk.reasonRequired });
    }
    await upgrade.lowerAtDesk(account, desk.member.accountId, form.reason.trim(), ctx.ip);
    return renderCitizen(ctx, desk, account.personalId, { notice: messages.desk.reversed });
  });

  async function renderStaff(ctx: Context, desk: DeskContext, notice: { notice?: string; error?: string } = {}) {
    const { messages } = localeOf(ctx);
    const members = (await staff.list()).map((member) => ({ ...member, rolesText: rolesText(member, messages), self: member.accountId === desk.account.id }));
    render(ctx, { desk, staffPage: true, members, roleOptions: STAFF_ROLES.map((role) => ({ role, label: messages.desk.roles[role] })), ...notice });
  }

  // The relying-party admin API (JSON, admin role, header x-csrf-token): the registry's operations, audited
  // with the staff member as the actor. Secrets are returned once, at registration and rotation.

  const publicView = ({ clientSecret, ...relyingParty }: RelyingParty) => ({ ...relyingParty, clientSecret: clientSecret ? 'set' : undefined });

  async function adminApi(ctx: Context, operation: (actor: Actor) => Promise<unknown>) {
    const desk = requireRole(ctx, 'admin');
    csrf.verify(csrfId(desk.session), ctx.get('x-csrf-token'));
    try {
      ctx.body = await operation({ by: 'admin_api', user: desk.member.accountId });
    } catch (error) {
      if (!(error instanceof RelyingPartyInputError)) throw error;
      problem(ctx, 400, 'invalid_client_metadata', error.problems.join('; '), { problems: error.problems });
    }
  }

  router.get('/api/relying-parties', requireStaff, async (ctx: Context) => {
    requireRole(ctx, 'admin');
    ctx.body = (await relyingPartyRegistry.list()).map(publicView);
  });
  router.post('/api/relying-parties', requireStaff, json, async (ctx: Context) =>
    adminApi(ctx, async (actor) => {
      const { relyingParty, clientSecret } = await relyingPartyRegistry.register((ctx.request as unknown as { body?: unknown }).body, actor);
      ctx.status = 201;
      return { relyingParty: publicView(relyingParty), ...(clientSecret ? { clientSecret } : {}) };
    }),
  );
  router.put('/api/relying-parties/:clientId', requireStaff, json, async (ctx: Context) =>
    adminApi(ctx, async (actor) => {
      const { relyingParty, clientSecret } = await relyingPartyRegistry.update(String(ctx.params.clientId), (ctx.request as unknown as { body?: unknown }).body, actor);
      return { relyingParty: publicView(relyingParty), ...(clientSecret ? { clientSecret } : {}) };
    }),
  );
  router.post('/api/relying-parties/:clientId/disable', requireStaff, async (ctx: Context) => adminApi(ctx, (actor) => relyingPartyRegistry.disable(String(ctx.params.clientId), actor)));
  router.post('/api/relying-parties/:clientId/enable', requireStaff, async (ctx: Context) => adminApi(ctx, (actor) => relyingPartyRegistry.enable(String(ctx.params.clientId), actor)));
  router.post('/api/relying-parties/:clientId/rotate-secret', requireStaff, async (ctx: Context) =>
    adminApi(ctx, async (actor) => ({ clientSecret: await relyingPartyRegistry.rotateSecret(String(ctx.params.clientId), actor) })),
  );

  router.get('/staff', requireStaff, async (ctx: Context) => renderStaff(ctx, requireRole(ctx, 'admin')));

  router.post('/staff', forms, requireStaff, async (ctx: Context) => {
    const desk = requireRole(ctx, 'admin');
    const form = parseForm(ctx, staffForm);
    csrf.verify(csrfId(desk.session), form.csrf);
    const { messages } = localeOf(ctx);
    const roles = [form.roles].flat().filter((role): role is StaffRole => (STAFF_ROLES as readonly string[]).includes(role));
    const account = PERSONAL_ID.test(form.personalId) ? await accounts.findByPersonalId(form.personalId) : undefined;
    if (!account || account.identityLevel !== 2 || !roles.length || !form.displayName.trim()) {
      ctx.status = 400;
      return renderStaff(ctx, desk, { error: messages.desk.staffNoAccount });
    }
    if (account.id === desk.account.id) {
      ctx.status = 403;
      return renderStaff(ctx, desk, { error: messages.desk.selfRefused });
    }
    const member = await staff.upsert({ accountId: account.id, displayName: form.displayName.trim(), roles, active: true });
    await audit.record({ type: 'staff.granted', accountId: account.id, ip: ctx.ip, details: { by: desk.member.accountId, roles: roles.join(' ') } });
    return renderStaff(ctx, desk, { notice: format(messages.desk.staffAdded, { name: member.displayName }) });
  });

  router.post('/staff/:accountId/revoke', forms, requireStaff, async (ctx: Context) => {
    const desk = requireRole(ctx, 'admin');
    csrf.verify(csrfId(desk.session), parseForm(ctx, csrfForm).csrf);
    const accountId = String(ctx.params.accountId);
    if (accountId === desk.account.id) {
      ctx.status = 403;
      return renderStaff(ctx, desk, { error: localeOf(ctx).messages.desk.selfRefused });
    }
    const member = await staff.findByAccountId(accountId);
    if (!member) throw new AppError('not_found', 404, 'notFound', 'no such staff member');
    await staff.update(accountId, { active: false });
    await audit.record({ type: 'staff.revoked', accountId, ip: ctx.ip, details: { by: desk.member.accountId } });
    return renderStaff(ctx, desk, { notice: format(localeOf(ctx).messages.desk.staffDeactivated, { name: member.displayName }) });
  });

  return router;
}
