/**
 * Throttling and lockout of guessable factors (password, one-time codes), NIST SP 800-63B §5.2.2:
 *
 *   per personal ID number   the first 5 failures are free, then each failure makes the next attempt wait
 *                            2^(n−5) s (at most 15 minutes); 100 consecutive failures lock the password
 *                            until a password recovery (registry match + SMS code) or an operator unlocks it;
 *   per source address       the first 100 failures in an hour are free, then 1 s doubling to at most 30 s
 *                            (one address guessing many ID numbers). Generous on purpose: mobile carriers put
 *                            thousands of citizens behind one carrier-grade NAT address.
 *
 * Counters are kept per typed ID number, known or not, so a throttled or locked answer never tells whether an
 * account exists. Passkey sign-in consults none of this: whoever can type someone's ID number can lock their
 * password, never their passkeys. State lives in the failure-counter store (Redis when configured).
 */
import type { AccountStore } from '../accounts/account.ts';
import type { AuditLog } from '../audit/audit-log.ts';

export interface FailureRecord {
  failures: number;
  /** Epoch ms before which no attempt is accepted. */
  notBefore: number;
}

export interface FailureRule {
  /** Failures without delay. */
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** The counter is forgotten this long after the last failure. */
  ttlSeconds: number;
}

export interface FailureCounterStore {
  get(key: string): Promise<FailureRecord | undefined>;
  /**
   * Counts one failure atomically and sets `notBefore` = now + min(max, base · 2^(failures − free)) once the
   * free failures are used up. Concurrent failures are all counted.
   */
  recordFailure(key: string, rule: FailureRule, now: number): Promise<FailureRecord>;
  reset(key: string): Promise<void>;
}

export interface ThrottleRules {
  perAccount: FailureRule;
  perAddress: FailureRule;
  /** Consecutive failures that lock the password (NIST SP 800-63B: no more than 100). */
  lockAfter: number;
}

export const defaultThrottleRules: ThrottleRules = {
  perAccount: { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 15 * 60_000, ttlSeconds: 30 * 86_400 },
  perAddress: { freeFailures: 100, baseDelayMs: 1000, maxDelayMs: 30_000, ttlSeconds: 3600 },
  lockAfter: 100,
};

export type ThrottleVerdict = { allowed: true } | { allowed: false; reason: 'locked' } | { allowed: false; reason: 'wait'; retryAfterSeconds: number };

export function createLoginThrottle({
  store,
  accounts,
  audit,
  rules = defaultThrottleRules,
  now = Date.now,
}: {
  store: FailureCounterStore;
  accounts: Pick<AccountStore, 'findByPersonalId'>;
  audit: AuditLog;
  rules?: ThrottleRules;
  now?: () => number;
}) {
  const accountKey = (personalId: string) => `pwd:${personalId}`;
  const addressKey = (ip: string) => `ip:${ip}`;

  return {
    rules,

    /** May this ID number (from this address) try its password or code now? */
    async check(personalId: string, ip: string): Promise<ThrottleVerdict> {
      const [account, address] = await Promise.all([store.get(accountKey(personalId)), store.get(addressKey(ip))]);
      if ((account?.failures ?? 0) >= rules.lockAfter) return { allowed: false, reason: 'locked' };
      const notBefore = Math.max(account?.notBefore ?? 0, address?.notBefore ?? 0);
      const wait = notBefore - now();
      return wait > 0 ? { allowed: false, reason: 'wait', retryAfterSeconds: Math.ceil(wait / 1000) } : { allowed: true };
    },

    /** Counts a failure; the failure that reaches the limit locks the account's password (audited). */
    async failed(personalId: string, ip: string): Promise<void> {
      const [account] = await Promise.all([
        store.recordFailure(accountKey(personalId), rules.perAccount, now()),
        store.recordFailure(addressKey(ip), rules.perAddress, now()),
      ]);
      if (account.failures === rules.lockAfter) {
        const existing = await accounts.findByPersonalId(personalId);
        if (existing) await audit.record({ type: 'account.locked', accountId: existing.id, ip, details: { factor: 'pwd', failures: account.failures } });
      }
    },

    /** A successful sign-in ends the run of consecutive failures (the address counter decays on its own). */
    async succeeded(personalId: string): Promise<void> {
      await store.reset(accountKey(personalId));
    },

    /** Unlocks (password recovery, an operator); audited when there was a lock. */
    async unlock(personalId: string, accountId: string, by: 'password_recovery' | 'operator', ip?: string): Promise<void> {
      const record = await store.get(accountKey(personalId));
      await store.reset(accountKey(personalId));
      if ((record?.failures ?? 0) >= rules.lockAfter) await audit.record({ type: 'account.unlocked', accountId, ip, details: { factor: 'pwd', by } });
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;

/**
 * A plain rate limit on the same counters: the first `freeFailures` events pass, then each event makes the
 * next one wait (doubling); an event asked for while waiting is refused and not counted. Check and count are
 * two steps, so a burst of simultaneous requests can pass together once; the delay then holds. Used where an
 * action costs someone else (an SMS to a phone): starting enrollment or recovery.
 */
export function createRateLimit(store: FailureCounterStore, rule: FailureRule, now: () => number = Date.now) {
  return {
    async take(keys: string[]): Promise<{ allowed: true } | { allowed: false; retryAfterSeconds: number }> {
      const at = now();
      const records = await Promise.all(keys.map((key) => store.get(`rate:${key}`)));
      const notBefore = Math.max(0, ...records.map((record) => record?.notBefore ?? 0));
      if (notBefore > at) return { allowed: false, retryAfterSeconds: Math.ceil((notBefore - at) / 1000) };
      await Promise.all(keys.map((key) => store.recordFailure(`rate:${key}`, rule, at)));
      return { allowed: true };
    },
  };
}

export type RateLimit = ReturnType<typeof createRateLimit>;

/**
 * Starting a phone-verified flow (each may send an SMS): 5 an hour per phone number or ID number, 100 an hour
 * per source address (carrier-grade NAT again), then waits from 1 minute, doubling.
 */
export const phoneFlowStartRules = {
  perTarget: { freeFailures: 5, baseDelayMs: 60_000, maxDelayMs: 3600_000, ttlSeconds: 3600 },
  perAddress: { freeFailures: 100, baseDelayMs: 60_000, maxDelayMs: 3600_000, ttlSeconds: 3600 },
} satisfies Record<string, FailureRule>;
