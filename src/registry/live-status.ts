/**
 * The registry's word is live (registry issue, point 6): at every login and at every release of claims a
 * deceased citizen, a revoked card or a number the registry no longer knows suspends the account (audited).
 * Identity claims are read from the registry through a short cache (`registry.claimsCacheSeconds`), and
 * carry the time the registry last confirmed them.
 */
import type { Logger } from 'pino';

import type { Account, AccountStore } from '../accounts/account.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { RegistryUnavailableError, type CitizenRecord, type CitizenStatus, type PopulationRegistry } from './population-registry.ts';

export interface ConfirmedCitizen {
  record?: CitizenRecord;
  /** When the registry said so. */
  checkedAt: Date;
}

const MAX_CACHED = 10_000;

/** `findCitizen` with a short per-process cache; the cache never outlives `ttlSeconds`. */
export function createCitizenLookup(registry: PopulationRegistry, ttlSeconds: number, now: () => number = Date.now) {
  const cache = new Map<string, ConfirmedCitizen>();
  return async function lookUpCitizen(personalId: string): Promise<ConfirmedCitizen> {
    const cached = cache.get(personalId);
    if (cached && now() - cached.checkedAt.getTime() < ttlSeconds * 1000) return cached;
    const confirmed = { record: await registry.findCitizen(personalId), checkedAt: new Date(now()) };
    cache.delete(personalId);
    cache.set(personalId, confirmed);
    if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
    return confirmed;
  };
}

export type CitizenLookup = ReturnType<typeof createCitizenLookup>;

export type SuspensionReason = 'deceased' | 'card_revoked' | 'not_in_registry';

export function suspensionReason(status: CitizenStatus | undefined): SuspensionReason | undefined {
  if (!status) return 'not_in_registry';
  if (status.lifeStatus === 'deceased') return 'deceased';
  if (status.cardStatus === 'revoked') return 'card_revoked';
  return undefined;
}

export function createAccountSuspension(accounts: AccountStore, audit: AuditLog) {
  return async function suspend(account: Account, reason: SuspensionReason, at: 'login' | 'claims'): Promise<void> {
    await accounts.update(account.id, { status: 'suspended' });
    await audit.record({ type: 'account.suspended', accountId: account.id, details: { reason, at } });
  };
}

/**
 * At login: asks the registry for the citizen's status. If the registry does not answer, the login goes on
 * (status was confirmed at the previous login and is checked again at claims release, which does not go on
 * without the registry): a national login must not stop because one back-end is slow.
 */
export function createLoginStatusCheck(registry: PopulationRegistry, suspend: ReturnType<typeof createAccountSuspension>, logger: Logger) {
  return async function mayContinue(account: Account): Promise<boolean> {
    let status: CitizenStatus | undefined;
    try {
      status = await registry.status(account.personalId);
    } catch (error) {
      if (!(error instanceof RegistryUnavailableError)) throw error;
      logger.warn({ accountId: account.id, err: error.message }, 'registry status unavailable at login; continuing');
      return true;
    }
    const reason = suspensionReason(status);
    if (!reason) return true;
    await suspend(account, reason, 'login');
    return false;
  };
}
