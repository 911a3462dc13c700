import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import { passkeyStoreId, type CredentialStore } from '../../src/accounts/credentials.ts';
import { DuplicateKeyError, NotFoundError } from '../../src/stores/errors.ts';
import { MemoryCredentialStore } from '../../src/stores/memory/credentials.ts';
import { MongoCredentialStore } from '../../src/stores/mongo/credentials.ts';
import { secretBox } from './backends.ts';
import { durableImplementations } from './durable-implementations.ts';

const SEED = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

for (const implementation of durableImplementations<CredentialStore>(
  () => new MemoryCredentialStore(),
  (db) => new MongoCredentialStore(db, secretBox),
)) {
  describe(`CredentialStore contract: ${implementation.name}`, function () {
    let store: CredentialStore;
    let db: import('mongodb').Db | undefined;
    let close: () => Promise<void>;
    before(async function () {
      ({ store, db, close } = await implementation.create(this));
    });
    after(async () => close?.());

    it('keeps several credentials per account and lists them by type, oldest first', async () => {
      const accountId = randomUUID();
      const password = await store.create({ id: randomUUID(), accountId, type: 'password', hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA' });
      const totp = await store.create({ id: randomUUID(), accountId, type: 'totp', seed: SEED, confirmed: false });
      await store.create({ id: randomUUID(), accountId: randomUUID(), type: 'password', hash: 'other' });

      assert.deepEqual((await store.listForAccount(accountId)).map((credential) => credential.id), [password.id, totp.id]);
      assert.deepEqual(await store.listForAccount(accountId, 'totp'), [totp]);
      assert.deepEqual(await store.findById(totp.id), totp);
      assert.equal(await store.findById(randomUUID()), undefined);
      await assert.rejects(store.create({ id: totp.id, accountId, type: 'password', hash: 'x' }), DuplicateKeyError);
    });

    it('updates a secret and reports an unknown credential with NotFoundError', async () => {
      const credential = await store.create({ id: randomUUID(), accountId: randomUUID(), type: 'password', hash: 'old' });
      const updated = await store.update(credential.id, { hash: 'new' });
      assert.equal(updated.type === 'password' && updated.hash, 'new');
      await assert.rejects(store.update(randomUUID(), { hash: 'x' }), NotFoundError);
      await store.delete(credential.id);
      assert.equal(await store.findById(credential.id), undefined);
    });

    it('keeps a passkey with its counter, backup state and last use, found by its WebAuthn credential id', async () => {
      const accountId = randomUUID();
      const credentialId = randomUUID().replaceAll('-', '');
      const passkey = await store.create({
        id: passkeyStoreId(credentialId),
        accountId,
        type: 'passkey',
        credentialId,
        publicKey: 'pQECAyYgASFYIA',
        counter: 0,
        transports: ['internal', 'hybrid'],
        deviceType: 'multiDevice',
        backedUp: false,
        aaguid: '00000000-0000-0000-0000-000000000000',
        name: 'Điện thoại của tôi',
      });
      assert.deepEqual(await store.findById(passkeyStoreId(credentialId)), passkey);
      const usedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
      const used = await store.update(passkey.id, { counter: 7, backedUp: true, lastUsedAt: usedAt });
      assert.equal(used.type === 'passkey' && used.counter, 7);
      assert.equal(used.type === 'passkey' && used.backedUp, true);
      assert.equal(used.type === 'passkey' && used.lastUsedAt?.getTime(), usedAt.getTime());
      assert.deepEqual(await store.listForAccount(accountId, 'passkey'), [used]);
      await assert.rejects(store.create({ ...passkey, accountId: randomUUID() }), DuplicateKeyError, 'one WebAuthn credential id, one passkey');
    });

    it('accepts each TOTP time step once, refuses older steps, and lets one of concurrent equal steps win', async () => {
      const totp = await store.create({ id: randomUUID(), accountId: randomUUID(), type: 'totp', seed: SEED, confirmed: true });
      assert.equal(await store.acceptTotpStep(totp.id, 1000), true);
      assert.equal(await store.acceptTotpStep(totp.id, 1000), false, 'replay of the same step');
      assert.equal(await store.acceptTotpStep(totp.id, 999), false, 'an older step');
      const results = await Promise.all(Array.from({ length: 10 }, () => store.acceptTotpStep(totp.id, 1001)));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal((await store.findById(totp.id))?.type === 'totp' && (await store.findById(totp.id) as { lastUsedStep?: number }).lastUsedStep, 1001);
      await assert.rejects(store.acceptTotpStep(randomUUID(), 1), NotFoundError);
    });

    it('never writes a TOTP seed in plaintext (sealed with the current secrets key)', async function () {
      if (!db) return this.skip(); // memory never leaves the process
      const totp = await store.create({ id: randomUUID(), accountId: randomUUID(), type: 'totp', seed: SEED, confirmed: false });
      await store.update(totp.id, { seed: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' });
      const raw = await db.collection('credentials').findOne({ _id: totp.id as never });
      assert.ok(raw);
      assert.ok(!JSON.stringify(raw).includes('GEZDGNBVGY3TQOJQ'), 'no plaintext seed at rest');
      assert.equal(raw.seed, undefined);
      assert.equal(secretBox.needsReencryption(raw.sealedSeed as string), false);
      assert.equal((await store.findById(totp.id) as { seed: string }).seed, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    });
  });
}
