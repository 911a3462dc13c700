/**
 * Six-digit one-time codes sent by SMS (enrollment today; SMS sign-in next), with the rules of the
 * registry issue: single use, valid ≤ 5 minutes, bound to the flow that asked for it, resend throttled,
 * resending keeps the failure count, at most 5 wrong codes before the flow starts over.
 *
 * Codes are never stored, only HMAC(secret, challenge id ‖ code): a copy of Redis reveals no valid code.
 * The store applies each rule atomically (one Redis script per operation), so parallel guesses cannot
 * exceed the limit.
 */
import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

export interface Challenge {
  id: string;
  purpose: 'enrollment' | 'recovery' | 'login';
  /** What the code is bound to (personal ID number, phone number, …); returned once verified. */
  data: Record<string, string>;
  codeHash: string;
  attempts: number;
  sends: number;
  /** Epoch milliseconds. */
  lastSentAt: number;
  codeExpiresAt: number;
  verified: boolean;
}

export type AttemptOutcome = 'verified' | 'wrong' | 'expired' | 'exhausted' | 'missing';
export type ResendOutcome = 'sent' | 'too_soon' | 'limit' | 'missing';

export interface OneTimeCodeStore {
  /** The challenge disappears after `ttlSeconds` whatever happens. */
  create(challenge: Challenge, ttlSeconds: number): Promise<void>;
  get(id: string): Promise<Challenge | undefined>;
  /**
   * Counts an attempt first, then compares: the attempt that reaches `maxAttempts` wrong codes deletes the
   * challenge ('exhausted'); a correct code marks it verified (and is refused if tried again).
   */
  attempt(id: string, codeHash: string, rules: { maxAttempts: number; now: number }): Promise<{ outcome: AttemptOutcome; attemptsLeft: number }>;
  /** Replaces the code if the last one was sent at least `minIntervalMs` ago and fewer than `maxSends` were sent. Attempts are kept. */
  replaceCode(id: string, codeHash: string, rules: { now: number; minIntervalMs: number; maxSends: number; codeExpiresAt: number }): Promise<ResendOutcome>;
  /** Returns and deletes a verified challenge; undefined if missing or not verified. Of concurrent calls one wins. */
  takeVerified(id: string): Promise<Challenge | undefined>;
  delete(id: string): Promise<void>;
}

export interface OneTimeCodeRules {
  codeTtlSeconds: number;
  flowTtlSeconds: number;
  maxAttempts: number;
  resendIntervalSeconds: number;
  maxSends: number;
}

export const defaultOneTimeCodeRules: OneTimeCodeRules = {
  codeTtlSeconds: 300,
  flowTtlSeconds: 900,
  maxAttempts: 5,
  resendIntervalSeconds: 60,
  maxSends: 3,
};

export function createOneTimeCodes(store: OneTimeCodeStore, secret: string, rules: OneTimeCodeRules = defaultOneTimeCodeRules, now: () => number = Date.now) {
  const hashOf = (id: string, code: string) => createHmac('sha256', secret).update(`${id}:${code}`).digest('base64url');
  const newCode = () => String(randomInt(0, 1_000_000)).padStart(6, '0');

  return {
    rules,

    /**
     * Starts a challenge. A `decoy` behaves the same to the caller but no code is revealed, so no code can
     * ever verify it: used where telling the truth would reveal whether someone has an account.
     */
    async start(purpose: Challenge['purpose'], data: Record<string, string>, { decoy = false } = {}): Promise<{ id: string; code?: string }> {
      const id = randomBytes(24).toString('base64url');
      const code = newCode();
      const at = now();
      await store.create(
        { id, purpose, data, codeHash: hashOf(id, decoy ? `decoy:${randomBytes(16).toString('hex')}` : code), attempts: 0, sends: 1, lastSentAt: at, codeExpiresAt: at + rules.codeTtlSeconds * 1000, verified: false },
        rules.flowTtlSeconds,
      );
      return decoy ? { id } : { id, code };
    },

    async verify(id: string, code: string) {
      const normalised = code.replace(/\s+/g, '');
      if (!/^\d{6}$/.test(normalised)) {
        // A malformed code still counts: otherwise it would be a free probe of the attempt counter.
        return store.attempt(id, 'malformed', { maxAttempts: rules.maxAttempts, now: now() });
      }
      return store.attempt(id, hashOf(id, normalised), { maxAttempts: rules.maxAttempts, now: now() });
    },

    async resend(id: string, { decoy = false } = {}): Promise<{ outcome: ResendOutcome; code?: string }> {
      const code = newCode();
      const at = now();
      const outcome = await store.replaceCode(id, hashOf(id, decoy ? `decoy:${randomBytes(16).toString('hex')}` : code), {
        now: at,
        minIntervalMs: rules.resendIntervalSeconds * 1000,
        maxSends: rules.maxSends,
        codeExpiresAt: at + rules.codeTtlSeconds * 1000,
      });
      return outcome === 'sent' && !decoy ? { outcome, code } : { outcome };
    },

    get: (id: string) => store.get(id),
    takeVerified: (id: string) => store.takeVerified(id),
    discard: (id: string) => store.delete(id),
  };
}

export type OneTimeCodes = ReturnType<typeof createOneTimeCodes>;

/** Constant-time equality of two code hashes (both base64url HMACs, or a marker that never matches). */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
