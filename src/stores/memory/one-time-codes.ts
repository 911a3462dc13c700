import { sameHash, type Challenge, type OneTimeCodeStore } from '../../authentication/one-time-codes.ts';

/** One-time code challenges in memory. Each method runs without awaiting, so it is atomic in Node. */
export class MemoryOneTimeCodeStore implements OneTimeCodeStore {
  readonly #challenges = new Map<string, { challenge: Challenge; expiresAt: number }>();

  #live(id: string): Challenge | undefined {
    const entry = this.#challenges.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#challenges.delete(id);
      return undefined;
    }
    return entry.challenge;
  }

  async create(challenge: Challenge, ttlSeconds: number) {
    // Bound memory: expired flows are dropped whenever a new one starts.
    for (const [id, entry] of this.#challenges) if (entry.expiresAt <= Date.now()) this.#challenges.delete(id);
    this.#challenges.set(challenge.id, { challenge: structuredClone(challenge), expiresAt: Date.now() + ttlSeconds * 1000 });
  }

  async get(id: string) {
    const challenge = this.#live(id);
    return challenge && structuredClone(challenge);
  }

  async attempt(id: string, codeHash: string, { maxAttempts, now }: { maxAttempts: number; now: number }) {
    const challenge = this.#live(id);
    if (!challenge) return { outcome: 'missing' as const, attemptsLeft: 0 };
    challenge.attempts += 1;
    const attemptsLeft = Math.max(0, maxAttempts - challenge.attempts);
    if (challenge.verified) return { outcome: 'wrong' as const, attemptsLeft };
    if (now > challenge.codeExpiresAt) return { outcome: 'expired' as const, attemptsLeft };
    if (sameHash(challenge.codeHash, codeHash)) {
      challenge.verified = true;
      return { outcome: 'verified' as const, attemptsLeft };
    }
    if (challenge.attempts >= maxAttempts) {
      this.#challenges.delete(id);
      return { outcome: 'exhausted' as const, attemptsLeft: 0 };
    }
    return { outcome: 'wrong' as const, attemptsLeft };
  }

  async replaceCode(id: string, codeHash: string, { now, minIntervalMs, maxSends, codeExpiresAt }: { now: number; minIntervalMs: number; maxSends: number; codeExpiresAt: number }) {
    const challenge = this.#live(id);
    if (!challenge || challenge.verified) return 'missing' as const;
    if (challenge.sends >= maxSends) return 'limit' as const;
    if (now - challenge.lastSentAt < minIntervalMs) return 'too_soon' as const;
    Object.assign(challenge, { codeHash, sends: challenge.sends + 1, lastSentAt: now, codeExpiresAt });
    return 'sent' as const;
  }

  async takeVerified(id: string) {
    const challenge = this.#live(id);
    if (!challenge?.verified) return undefined;
    this.#challenges.delete(id);
    return challenge;
  }

  async delete(id: string) {
    this.#challenges.delete(id);
  }
}
