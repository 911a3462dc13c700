import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import type { AccountStore, NewAccount } from '../../src/accounts/account.ts';
import { DuplicateKeyError, NotFoundError } from '../../src/stores/errors.ts';
import { MemoryAccountStore } from '../../src/stores/memory/accounts.ts';
import { MongoAccountStore } from '../../src/stores/mongo/accounts.ts';
import { eventually } from './backends.ts';
import { durableImplementations } from './durable-implementations.ts';

let serial = 0;
/** A fresh, well-formed 12-digit number per call (province 001, 20th-century male, born 1990). */
const personalId = () => `001090${String(++serial + Math.floor(Math.random() * 1000) * 1000).padStart(6, '0')}`;
const newAccount = (overrides: Partial<NewAccount> = {}): NewAccount => ({
  id: randomUUID(),
  personalId: personalId(),
  identityLevel: 1,
  status: 'active',
  phoneNumber: '+84912345678',
  ...overrides,
});

for (const implementation of durableImplementations<AccountStore>(() => new MemoryAccountStore(), (db) => new MongoAccountStore(db))) {
  describe(`AccountStore contract: ${implementation.name}`, function () {
    let store: AccountStore;
    let restart: (() => Promise<void>) | undefined;
    let close: () => Promise<void>;
    before(async function () {
      ({ store, restart, close } = await implementation.create(this));
    });
    after(async () => close?.());

    it('creates an account and finds it by id and by personal identification number', async () => {
      const account = newAccount();
      const created = await store.create(account);
      assert.ok(created.createdAt instanceof Date && created.updatedAt instanceof Date);
      assert.deepEqual(await store.findById(account.id), created);
      assert.deepEqual(await store.findByPersonalId(account.personalId), created);
      assert.equal(await store.findById(randomUUID()), undefined);
      assert.equal(await store.findByPersonalId('001099000000'), undefined);
    });

    it('refuses a second account for the same personal identification number with DuplicateKeyError', async () => {
      const first = newAccount();
      await store.create(first);
      await assert.rejects(store.create(newAccount({ personalId: first.personalId })), (error: unknown) => {
        assert.ok(error instanceof DuplicateKeyError);
        assert.equal(error.field, 'personalId');
        return true;
      });
      await assert.rejects(store.create(newAccount({ id: first.id })), DuplicateKeyError);
    });

    it('lets exactly one of ten concurrent enrollments for one number create the account', async () => {
      const contested = personalId();
      const results = await Promise.allSettled(Array.from({ length: 10 }, () => store.create(newAccount({ personalId: contested }))));
      assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
      for (const result of results) if (result.status === 'rejected') assert.ok(result.reason instanceof DuplicateKeyError);
    });

    it('updates level and status, and reports an unknown account with NotFoundError', async () => {
      const account = await store.create(newAccount());
      const updated = await store.update(account.id, { identityLevel: 2, status: 'suspended' });
      assert.equal(updated.identityLevel, 2);
      assert.equal(updated.status, 'suspended');
      assert.ok(updated.updatedAt.getTime() >= account.updatedAt.getTime());
      assert.deepEqual(await store.findById(account.id), updated);
      await assert.rejects(store.update(randomUUID(), { status: 'active' }), NotFoundError);
    });

    it('keeps its data and works again after the server restarts', async function () {
      if (!restart) return this.skip();
      const account = await store.create(newAccount());
      await restart();
      assert.deepEqual(await eventually(() => store.findById(account.id)), account);
    });
  });
}
