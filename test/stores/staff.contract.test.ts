/** StaffStore contract (enrollment desk roles) on memory and a MongoDB-protocol server. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import type { StaffStore } from '../../src/desk/staff.ts';
import { NotFoundError } from '../../src/stores/errors.ts';
import { MemoryStaffStore } from '../../src/stores/memory/staff.ts';
import { MongoStaffStore } from '../../src/stores/mongo/staff.ts';
import { durableImplementations } from './durable-implementations.ts';

for (const implementation of durableImplementations<StaffStore>(
  () => new MemoryStaffStore(),
  (db) => new MongoStaffStore(db),
)) {
  describe(`StaffStore contract: ${implementation.name}`, function () {
    let store: StaffStore;
    let close: () => Promise<void>;
    before(async function () {
      ({ store, close } = await implementation.create(this));
    });
    after(async () => close?.());

    it('keeps one record per account: upsert replaces roles and keeps the creation time', async () => {
      const accountId = randomUUID();
      const created = await store.upsert({ accountId, displayName: 'Nguyễn Văn An', roles: ['officer'], active: true });
      assert.deepEqual(created.roles, ['officer']);
      const replaced = await store.upsert({ accountId, displayName: 'Nguyễn Văn An', roles: ['officer', 'supervisor'], active: true });
      assert.deepEqual(replaced.roles, ['officer', 'supervisor']);
      assert.equal(replaced.createdAt.getTime(), created.createdAt.getTime());
      assert.deepEqual(await store.findByAccountId(accountId), replaced);
      assert.equal((await store.list()).filter((member) => member.accountId === accountId).length, 1);
      assert.equal(await store.findByAccountId(randomUUID()), undefined);
    });

    it('deactivates a member and reports an unknown one with NotFoundError', async () => {
      const accountId = randomUUID();
      await store.upsert({ accountId, displayName: 'Trần Thị Bình', roles: ['admin'], active: true });
      const revoked = await store.update(accountId, { active: false });
      assert.equal(revoked.active, false);
      assert.equal((await store.findByAccountId(accountId))?.active, false);
      await assert.rejects(store.update(randomUUID(), { active: false }), NotFoundError);
    });
  });
}
