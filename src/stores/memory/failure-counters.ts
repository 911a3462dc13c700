import type { FailureCounterStore, FailureRecord, FailureRule } from '../../authentication/login-throttle.ts';

/** Embedded default: counters in a Map, forgotten `ttlSeconds` after the last failure (like the Redis keys). */
export class MemoryFailureCounterStore implements FailureCounterStore {
  readonly #records = new Map<string, FailureRecord & { expiresAt: number }>();

  #live(key: string) {
    const record = this.#records.get(key);
    if (record && record.expiresAt <= Date.now()) {
      this.#records.delete(key);
      return undefined;
    }
    return record;
  }

  async get(key: string): Promise<FailureRecord | undefined> {
    const record = this.#live(key);
    return record && { failures: record.failures, notBefore: record.notBefore };
  }

  async recordFailure(key: string, rule: FailureRule, now: number): Promise<FailureRecord> {
    const failures = (this.#live(key)?.failures ?? 0) + 1;
    const notBefore = failures > rule.freeFailures ? now + Math.min(rule.maxDelayMs, rule.baseDelayMs * 2 ** (failures - rule.freeFailures - 1)) : 0;
    this.#records.set(key, { failures, notBefore, expiresAt: Date.now() + rule.ttlSeconds * 1000 });
    return { failures, notBefore };
  }

  async reset(key: string): Promise<void> {
    this.#records.delete(key);
  }
}
