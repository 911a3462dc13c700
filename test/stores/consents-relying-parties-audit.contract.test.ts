import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import type { ConsentStore } from '../../src/accounts/consents.ts';
import type { AuditLog } from '../../src/audit/audit-log.ts';
import type { RelyingParty, RelyingPartyStore } from '../../src/relying-parties/relying-party.ts';
import { DuplicateKeyError } from '../../src/stores/errors.ts';
import { MemoryAuditLog } from '../../src/stores/memory/audit-log.ts';
import { MemoryConsentStore } from '../../src/stores/memory/consents.ts';
import { MemoryRelyingPartyStore } from '../../src/stores/memory/relying-parties.ts';
import { MongoAuditLog } from '../../src/stores/mongo/audit-log.ts';
import { MongoConsentStore } from '../../src/stores/mongo/consents.ts';
import { MongoRelyingPartyStore } from '../../src/stores/mongo/relying-parties.ts';
import { durableImplementations } from './durable-implementations.ts';

for (const implementation of durableImplementations<ConsentStore>(() => new MemoryConsentStore(), (db) => new MongoConsentStore(db))) {
  describe(`ConsentStore contract: ${implementation.name}`, function () {
    let store: ConsentStore;
    let close: () => Promise<void>;
    before(async function () {
      ({ store, close } = await implementation.create(this));
    });
    after(async () => close?.());

    it('keeps one consent per account and relying party, replaced by the newest decision, until withdrawn', async () => {
      const accountId = randomUUID();
      await store.record({ accountId, clientId: 'portal-a', scope: 'openid', grantId: 'g1' });
      const replaced = await store.record({ accountId, clientId: 'portal-a', scope: 'openid profile', grantId: 'g2' });
      await store.record({ accountId, clientId: 'portal-b', scope: 'openid', grantId: 'g3' });
      const listed = await store.listForAccount(accountId);
      assert.deepEqual(listed.map((consent) => [consent.clientId, consent.scope, consent.grantId]), [
        ['portal-a', 'openid profile', 'g2'],
        ['portal-b', 'openid', 'g3'],
      ]);
      assert.deepEqual(await store.withdraw(accountId, 'portal-a'), replaced);
      assert.equal(await store.withdraw(accountId, 'portal-a'), undefined);
      assert.equal((await store.listForAccount(accountId)).length, 1);
    });
  });
}

const relyingParty = (clientId: string): RelyingParty => ({
  clientId,
  name: { vi: 'Cổng thử nghiệm', en: 'Test portal' },
  profile: 'portal',
  redirectUris: ['https://portal.example.gov.vn/cb'],
  postLogoutRedirectUris: [],
  tokenEndpointAuthMethod: 'private_key_jwt',
  jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] },
  allowedScopes: ['openid', 'profile'],
  minimumLevel: 2,
  applicationType: 'web',
  disabled: false,
});

for (const implementation of durableImplementations<RelyingPartyStore>(() => new MemoryRelyingPartyStore(), (db) => new MongoRelyingPartyStore(db))) {
  describe(`RelyingPartyStore contract: ${implementation.name}`, function () {
    let store: RelyingPartyStore;
    let close: () => Promise<void>;
    before(async function () {
      ({ store, close } = await implementation.create(this));
    });
    after(async () => close?.());

    it('registers relying parties, finds them by client id, lists them in client-id order', async () => {
      await store.create(relyingParty('portal-b'));
      await store.create(relyingParty('portal-a'));
      assert.deepEqual(await store.findByClientId('portal-a'), relyingParty('portal-a'));
      assert.equal(await store.findByClientId('nope'), undefined);
      assert.deepEqual((await store.list()).map((entry) => entry.clientId), ['portal-a', 'portal-b']);
    });

    it('refuses a taken client id with DuplicateKeyError', async () => {
      await store.create(relyingParty('portal-unique'));
      await assert.rejects(store.create(relyingParty('portal-unique')), DuplicateKeyError);
    });
  });
}

for (const implementation of durableImplementations<AuditLog>(() => new MemoryAuditLog(), (db) => new MongoAuditLog(db))) {
  describe(`AuditLog contract: ${implementation.name}`, function () {
    let store: AuditLog;
    let close: () => Promise<void>;
    before(async function () {
      ({ store, close } = await implementation.create(this));
    });
    after(async () => close?.());

    it('appends events and lists them newest first, filtered by account and type, limited', async () => {
      const accountId = randomUUID();
      for (const type of ['login.failed', 'login.failed', 'login.succeeded', 'consent.granted'] as const) {
        await store.record({ type, accountId, clientId: 'demo-portal', ip: '127.0.0.1', details: { method: 'pwd' } });
      }
      await store.record({ type: 'login.failed', accountId: randomUUID() });
      const mine = await store.list({ accountId });
      assert.deepEqual(mine.map((event) => event.type), ['consent.granted', 'login.succeeded', 'login.failed', 'login.failed']);
      assert.ok(mine.every((event) => event.at instanceof Date && typeof event.id === 'string'));
      assert.deepEqual(mine[0]!.details, { method: 'pwd' });
      assert.equal((await store.list({ accountId, type: 'login.failed' })).length, 2);
      assert.equal((await store.list({ accountId, limit: 1 }))[0]!.type, 'consent.granted');
    });
  });
}
