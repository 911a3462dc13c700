/**
 * Bank-initiated sign-in on the citizen's phone: OpenID Connect Client-Initiated Backchannel Authentication
 * (CIBA Core 1.0), poll mode. The bank's backend names the citizen (login_hint: the personal identification
 * number it holds from its own customer checks) and a binding message it also shows the customer; DinhDanh
 * texts the citizen to open DinhDanh, where the request waits in the account area (/account/approvals) with the
 * bank's name, the binding message and what would be shared. Approving takes a passkey with user
 * verification, bound to that request; declining is one tap. The bank polls the token endpoint
 * (authorization_pending → tokens, access_denied or expired_token).
 */
import type { Account, AccountStore } from '../accounts/account.ts';
import type { ConsentStore } from '../accounts/consents.ts';
import { acrFor, amrFor, sessionLevel, type AcrValues, type AuthenticationMethod } from '../assurance/levels.ts';
import { requiredLevel } from '../assurance/required-level.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Passkeys } from '../authentication/passkeys.ts';
import type { RelyingPartyStore } from '../relying-parties/relying-party.ts';
import type { ApprovalInboxStore } from './approval-inbox.ts';
import { errors, type Configuration, type Provider } from 'oidc-provider';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';

const PERSONAL_ID = /^\d{12}$/;
/** Letters (Vietnamese included), digits, spaces and a little punctuation, short enough for a phone screen. */
const BINDING_MESSAGE = /^[\p{L}\p{N} .,:#+\-/]{1,40}$/u;
/** CIBA requests wait at most 10 minutes (a bank may ask for less with requested_expiry). */
export const CIBA_MAX_SECONDS = 600;
const DEFAULT_SECONDS = 300;

/**
 * The SMS that tells the citizen a bank is waiting: no link (a link in an SMS is what phishing looks like),
 * only where to look. Without diacritics: GSM-7 fits 160 characters.
 */
export function cibaNotice(clientName: string): string {
  const name = clientName.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D');
  return `DinhDanh: ${name} de nghi ban xac nhan dang nhap. Mo ung dung DinhDanh > Yeu cau cho duyet de dong y hoac tu choi. Neu ban khong thuc hien giao dich nao, hay tu choi.`;
}

export interface PendingApproval {
  id: string;
  clientId: string;
  clientName: { vi: string; en: string };
  bindingMessage: string;
  scopes: string[];
  requiredLevel: 1 | 2;
  expiresAt: Date;
}

export type ApprovalOutcome = { ok: true } | { ok: false; reason: 'not_found' | 'passkey_failed' | 'level_too_low' };

interface Dependencies {
  provider: () => Provider;
  accounts: Pick<AccountStore, 'findByPersonalId'>;
  relyingParties: Pick<RelyingPartyStore, 'findByClientId'>;
  inbox: ApprovalInboxStore;
  consents: Pick<ConsentStore, 'record'>;
  passkeys: Passkeys;
  audit: AuditLog;
  acrValues: AcrValues;
  /** Tells the citizen there is something to approve (an SMS to the account's verified phone). */
  notify: (account: { phoneNumber: string }, clientName: string) => void;
  accountById: (accountId: string) => Promise<Account | undefined>;
  clock: () => number;
}

export function createBackChannelSignIn({ provider, accounts, relyingParties, inbox, consents, passkeys, audit, acrValues, notify, accountById, clock }: Dependencies) {
  /** The request, if it is this account's, still open (no decision yet) and not expired. */
  async function openRequest(account: Account, requestId: string) {
    const request = await provider().BackchannelAuthenticationRequest.find(requestId);
    if (!request || request.accountId !== account.id || request.grantId || request.error) return undefined;
    return request;
  }

  async function levelRequired(request: { clientId: string; params?: Record<string, unknown> }) {
    const relyingParty = await relyingParties.findByClientId(request.clientId);
    return requiredLevel({ acrValues: request.params?.acr_values, claims: request.params?.claims, clientMinimum: relyingParty?.minimumLevel ?? 1 }, acrValues);
  }

  const feature: NonNullable<NonNullable<Configuration['features']>['ciba']> = {
    enabled: true,
    deliveryModes: ['poll'],
    // CIBA Core §7.1: the bank names the citizen by the personal identification number it verified itself.
    async processLoginHint(_ctx, loginHint) {
      const account = loginHint && PERSONAL_ID.test(loginHint) ? await accounts.findByPersonalId(loginHint) : undefined;
      if (!account || account.status !== 'active') throw new errors.UnknownUserId('no active DinhDanh account for this login_hint');
      return account.id;
    },
    async validateBindingMessage(_ctx, bindingMessage) {
      // Required: it is what lets the citizen tell this request from one an attacker started at the same time.
      if (!bindingMessage || !BINDING_MESSAGE.test(bindingMessage)) {
        throw new errors.InvalidBindingMessage('binding_message is required: 1–40 letters, digits, spaces or . , : # + - /');
      }
    },
    async verifyUserCode(_ctx, _account, userCode) {
      // Not offered (backchannel_user_code_parameter_supported: false): the passkey is the citizen's proof.
      if (userCode) throw new errors.InvalidRequest('user_code is not supported');
    },
    async validateRequestContext() {},
    async triggerAuthenticationDevice(_ctx, request, account, client) {
      const citizen = await accountById(account.accountId);
      const relyingParty = await relyingParties.findByClientId(client.clientId);
      await inbox.add(account.accountId, request.jti, (request.exp ?? Math.floor(clock() / 1000) + DEFAULT_SECONDS) * 1000);
      if (citizen) notify(citizen, relyingParty?.name.vi ?? client.clientId);
      await audit.record({ type: 'ciba.requested', accountId: account.accountId, clientId: client.clientId, details: { bindingMessage: String(request.params?.binding_message ?? '') } });
    },
  };

  return {
    feature,
    /** CIBA Core §7.1 requested_expiry, capped; 5 minutes when the bank asks for nothing. */
    ttl: (ctx: { oidc?: { params?: Record<string, unknown> } } | undefined) => Math.min(CIBA_MAX_SECONDS, Number(ctx?.oidc?.params?.requested_expiry) || DEFAULT_SECONDS),

    async pendingFor(account: Account): Promise<PendingApproval[]> {
      const pending: PendingApproval[] = [];
      for (const id of await inbox.list(account.id, clock())) {
        const request = await openRequest(account, id);
        if (!request) {
          await inbox.remove(account.id, id);
          continue;
        }
        const relyingParty = await relyingParties.findByClientId(request.clientId!);
        pending.push({
          id,
          clientId: request.clientId!,
          clientName: relyingParty?.name ?? { vi: request.clientId!, en: request.clientId! },
          bindingMessage: String(request.params?.binding_message ?? ''),
          scopes: String(request.params?.scope ?? 'openid').split(' ').filter(Boolean),
          requiredLevel: await levelRequired({ clientId: request.clientId!, params: request.params as Record<string, unknown> }),
          expiresAt: new Date(request.exp! * 1000),
        });
      }
      return pending;
    },

    /** Passkey options bound to this request (the citizen's own passkeys only). */
    async approvalOptions(account: Account, requestId: string) {
      if (!(await openRequest(account, requestId))) return undefined;
      return passkeys.authenticationOptions(`ciba:${requestId}`, account.id);
    },

    async approve(account: Account, requestId: string, response: AuthenticationResponseJSON, ip?: string): Promise<ApprovalOutcome> {
      const request = await openRequest(account, requestId);
      if (!request) return { ok: false, reason: 'not_found' };
      const verified = await passkeys.authenticate(`ciba:${requestId}`, response);
      if (!verified.ok || verified.credential.accountId !== account.id) {
        await audit.record({ type: 'login.failed', accountId: account.id, clientId: request.clientId, ip, details: { method: 'passkey', flow: 'ciba', outcome: verified.ok ? 'wrong_account' : verified.reason } });
        return { ok: false, reason: 'passkey_failed' };
      }
      const methods: AuthenticationMethod[] = verified.methods;
      const level = sessionLevel(account.identityLevel, methods);
      if (level < (await levelRequired({ clientId: request.clientId!, params: request.params as Record<string, unknown> }))) {
        await this.decline(account, requestId, ip, 'the account does not have the level this request requires');
        return { ok: false, reason: 'level_too_low' };
      }
      const oidc = provider();
      const grant = new oidc.Grant({ accountId: account.id, clientId: request.clientId! });
      const scope = String(request.params?.scope ?? 'openid');
      grant.addOIDCScope(scope);
      const grantId = await grant.save();
      await oidc.backchannelResult(request, grant, { acr: acrFor(level, acrValues), amr: amrFor(methods), authTime: Math.floor(clock() / 1000) });
      await inbox.remove(account.id, requestId);
      // The approval page listed what is shared: that is the citizen's consent for this bank.
      await consents.record({ accountId: account.id, clientId: request.clientId!, scope, grantId, basis: 'consent' });
      await audit.record({ type: 'ciba.approved', accountId: account.id, clientId: request.clientId, ip, details: { level, amr: amrFor(methods).join(' ') } });
      return { ok: true };
    },

    async decline(account: Account, requestId: string, ip?: string, why = 'the citizen declined'): Promise<boolean> {
      const request = await openRequest(account, requestId);
      if (!request) return false;
      await provider().backchannelResult(request, new errors.AccessDenied(why));
      await inbox.remove(account.id, requestId);
      await audit.record({ type: 'ciba.declined', accountId: account.id, clientId: request.clientId, ip, details: { why } });
      return true;
    },
  };
}

export type BackChannelSignIn = ReturnType<typeof createBackChannelSignIn>;
