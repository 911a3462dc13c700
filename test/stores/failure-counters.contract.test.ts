/**
 * Failure counters behind throttling and lockout, the same file against the memory and Redis stores:
 * counting, progressive delay, expiry, reset, and every concurrent failure counted.
 */
import assert from 'node:assert/strict';

import type { FailureCounterStore, FailureRule } from '../../src/authentication/login-throttle.ts';
import { MemoryFailureCounterStore } from '../../src/stores/memory/failure-counters.ts';
import { RedisFailureCounterStore } from '../../src/stores/redis/failure-counters.ts';
import { redisBackend } from './backends.ts';

const implementations: { name: string; create(suite: Mocha.Context): Promise<{ store: FailureCounterStore; close(): Promise<void> }> }[] = [
  { name: 'memory', create: async () => ({ store: new MemoryFailureCounterStore(), close: async () => undefined }) },
  {
    name: 'redis',
    async create(suite) {
      const backend = await redisBackend(suite);
      return { store: new RedisFailureCounterStore(backend.client, backend.prefix), close: () => backend.close() };
    },
  },
];

const rule: FailureRule = { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 8000, ttlSeconds: 60 };
let keys = 0;
const freshKey = () => `test-${process.pid}-${(keys += 1)}`;

for (const implementation of implementations) {
  describe(`failure counters: ${implementation.name}`, function () {
    let store: FailureCounterStore;
    let close: () => Promise<void>;
    before(async function () {
      ({ store, close } = await implementation.create(this));
    });
    after(async () => close?.());

    it('counts failures, free at first, then doubling delays up to the maximum', async () => {
      const key = freshKey();
      const now = 1_000_000;
      assert.equal(await store.get(key), undefined);
      const delays: number[] = [];
      for (let failure = 1; failure <= 8; failure += 1) {
        const record = await store.recordFailure(key, rule, now);
        assert.equal(record.failures, failure);
        delays.push(record.notBefore === 0 ? 0 : record.notBefore - now);
      }
      assert.deepEqual(delays, [0, 0, 0, 1000, 2000, 4000, 8000, 8000]);
      assert.deepEqual(await store.get(key), { failures: 8, notBefore: now + 8000 });
    });

    it('forgets a key on reset, and keys are independent', async () => {
      const [first, second] = [freshKey(), freshKey()];
      await store.recordFailure(first, rule, 0);
      await store.recordFailure(second, rule, 0);
      await store.reset(first);
      assert.equal(await store.get(first), undefined);
      assert.equal((await store.get(second))?.failures, 1);
    });

    it('forgets a counter ttlSeconds after its last failure', async () => {
      const key = freshKey();
      await store.recordFailure(key, { ...rule, ttlSeconds: 1 }, 0);
      assert.equal((await store.get(key))?.failures, 1);
      await new Promise((resolve) => setTimeout(resolve, 1200));
      assert.equal(await store.get(key), undefined);
    });

    it('counts every one of many concurrent failures', async () => {
      const key = freshKey();
      const records = await Promise.all(Array.from({ length: 50 }, () => store.recordFailure(key, rule, 0)));
      assert.deepEqual(records.map((record) => record.failures).sort((a, b) => a - b), Array.from({ length: 50 }, (_, index) => index + 1));
      assert.equal((await store.get(key))?.failures, 50);
    });
  });
}
