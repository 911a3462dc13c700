/** The back-channel logout retry queue, the same file against the memory and Redis stores. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import type { LogoutDeliveryQueue, PendingLogoutDelivery } from '../../src/logout/deliveries.ts';
import { MemoryLogoutDeliveryQueue } from '../../src/stores/memory/logout-deliveries.ts';
import { RedisLogoutDeliveryQueue } from '../../src/stores/redis/logout-delivery-queue.ts';
import { redisBackend } from './backends.ts';

const implementations: { name: string; create(suite: Mocha.Context): Promise<{ store: LogoutDeliveryQueue; close(): Promise<void> }> }[] = [
  { name: 'memory', create: async () => ({ store: new MemoryLogoutDeliveryQueue(), close: async () => undefined }) },
  {
    name: 'redis',
    async create(suite) {
      const backend = await redisBackend(suite);
      return { store: new RedisLogoutDeliveryQueue(backend.client, backend.prefix), close: () => backend.close() };
    },
  },
];

const LEASE = 60_000;

function delivery(overrides: Partial<PendingLogoutDelivery> = {}): PendingLogoutDelivery {
  return { id: randomUUID(), clientId: 'tax-portal', accountId: randomUUID(), sid: randomUUID(), attempts: 0, firstAttemptAt: 1_000, ...overrides };
}

for (const implementation of implementations) {
  describe(`logout delivery queue: ${implementation.name}`, function () {
    let store: LogoutDeliveryQueue;
    let close: () => Promise<void>;
    // Each test on its own timeline, far from the others', so deliveries left by one are never due in another.
    let epoch = 0;
    beforeEach(() => {
      epoch += 10_000_000;
    });
    before(async function () {
      ({ store, close } = await implementation.create(this));
    });
    after(async () => close?.());

    async function drain(now: number) {
      for (const left of await store.claimDue(now, LEASE, 1000)) await store.remove(left.id);
    }

    it('hands out only due deliveries, earliest first, as they were scheduled', async () => {
      const now = epoch;
      const later = delivery({ attempts: 2, lastError: 'answered HTTP 503', sub: 'pairwise-sub' });
      const sooner = delivery();
      const notYet = delivery();
      await store.schedule(later, now - 1_000);
      await store.schedule(sooner, now - 5_000);
      await store.schedule(notYet, now + 1);
      assert.deepEqual(await store.claimDue(now, LEASE, 10), [sooner, later]);
      assert.deepEqual(await store.claimDue(now + 1, LEASE, 10), [notYet]);
      await drain(now + 10 * LEASE);
    });

    it('hides a claimed delivery for the lease, then hands it out again (its claimer may have died)', async () => {
      const now = epoch;
      const pending = delivery();
      await store.schedule(pending, now);
      assert.deepEqual(await store.claimDue(now, LEASE, 10), [pending]);
      assert.deepEqual(await store.claimDue(now + LEASE - 1, LEASE, 10), [], 'hidden while claimed');
      assert.deepEqual(await store.claimDue(now + LEASE, LEASE, 10), [pending], 'back once the lease ends');
      await store.remove(pending.id);
      assert.deepEqual(await store.claimDue(now + 10 * LEASE, LEASE, 10), [], 'removed for good');
    });

    it('gives each due delivery to exactly one of concurrent claimers (several processes)', async () => {
      const now = epoch;
      const pending = Array.from({ length: 12 }, () => delivery());
      for (const each of pending) await store.schedule(each, now);
      const claims = await Promise.all(Array.from({ length: 6 }, () => store.claimDue(now, LEASE, 5)));
      const claimed = claims.flat().map((each) => each.id);
      assert.equal(claimed.length, 12);
      assert.deepEqual(new Set(claimed), new Set(pending.map((each) => each.id)));
      await drain(now + LEASE);
    });

    it('replaces a delivery scheduled again under its id (the next attempt) and counts what is queued', async () => {
      const now = epoch;
      const before = await store.size();
      const pending = delivery();
      await store.schedule(pending, now);
      const retried = { ...pending, attempts: 1, lastError: 'not reachable (ECONNREFUSED)' };
      await store.schedule(retried, now + 10_000);
      assert.equal(await store.size(), before + 1);
      assert.deepEqual(await store.claimDue(now, LEASE, 10), []);
      assert.deepEqual(await store.claimDue(now + 10_000, LEASE, 10), [retried]);
      await store.remove(pending.id);
      assert.equal(await store.size(), before);
    });

    it('limits a claim to the batch size and leaves the rest due', async () => {
      const now = epoch;
      for (let index = 0; index < 5; index += 1) await store.schedule(delivery(), now - index);
      assert.equal((await store.claimDue(now, LEASE, 3)).length, 3);
      assert.equal((await store.claimDue(now, LEASE, 3)).length, 2);
      await drain(now + LEASE);
    });
  });
}
