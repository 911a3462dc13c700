/** The CIBA approval inbox, the same file against the memory and Redis stores. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import type { ApprovalInboxStore } from '../../src/ciba/approval-inbox.ts';
import { MemoryApprovalInboxStore } from '../../src/stores/memory/approval-inbox.ts';
import { RedisApprovalInboxStore } from '../../src/stores/redis/approval-inbox.ts';
import { redisBackend } from './backends.ts';

const implementations: { name: string; create(suite: Mocha.Context): Promise<{ store: ApprovalInboxStore; close(): Promise<void> }> }[] = [
  { name: 'memory', create: async () => ({ store: new MemoryApprovalInboxStore(), close: async () => undefined }) },
  {
    name: 'redis',
    async create(suite) {
      const backend = await redisBackend(suite);
      return { store: new RedisApprovalInboxStore(backend.client, backend.prefix), close: () => backend.close() };
    },
  },
];

for (const implementation of implementations) {
  describe(`approval inbox: ${implementation.name}`, function () {
    let store: ApprovalInboxStore;
    let close: () => Promise<void>;
    before(async function () {
      ({ store, close } = await implementation.create(this));
    });
    after(async () => close?.());

    it("lists an account's unexpired requests, oldest expiry first, and only that account's", async () => {
      const account = randomUUID();
      const now = Date.now();
      await store.add(account, 'later', now + 300_000);
      await store.add(account, 'sooner', now + 60_000);
      await store.add(account, 'gone', now - 1);
      await store.add(randomUUID(), 'someone-else', now + 300_000);
      assert.deepEqual(await store.list(account, now), ['sooner', 'later']);
      assert.deepEqual(await store.list(account, now + 120_000), ['later'], 'expired ones drop out');
      assert.deepEqual(await store.list(randomUUID(), now), []);
    });

    it('removes a request exactly once, even when two devices answer at the same moment', async () => {
      const account = randomUUID();
      await store.add(account, 'request', Date.now() + 60_000);
      const removals = await Promise.all(Array.from({ length: 5 }, () => store.remove(account, 'request')));
      assert.equal(removals.filter(Boolean).length, 1);
      assert.deepEqual(await store.list(account, Date.now()), []);
    });
  });
}
