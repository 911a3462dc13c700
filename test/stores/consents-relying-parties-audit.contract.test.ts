import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import type { ConsentStore } from '../../src/accounts/consents.ts';
import type { AuditLog } from '../../src/audit/audit-log.ts';
import type { RelyingParty, RelyingPartyStore } from '../../src/relying-parties/relying-party.ts';
import { DuplicateKeyError, NotFoundError } from '../../src/stores/errors.ts';
import { MemoryAuditLog } from '../../src/stores/memory/audit-log.ts';
import { MemoryConsentStore } from '../../src/stores/memory/consents.ts';
import { MemoryRelyingPartyStore } from '../../src/stores/memory/relying-parties.ts';
import { MongoAuditLog } from '../../src/stores/mongo/audit-log.ts';
import { MongoConsentStore } from '../../src/stores/mongo/consents.ts';
import { MongoRelyingPartyStore } from '../../src/stores/mongo/relying-parties.ts';
import { secretBox } from './backends.ts';
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
      await store.record({ accountId, clientId: 'portal-a', scope: 'openid', grantId: 'g1', basis: 'consent' });
      const replaced = await store.record({ accountId, clientId: 'portal-a', scope: 'openid profile', grantId: 'g2', basis: 'consent' });
      await store.record({ accountId, clientId: 'portal-b', scope: 'openid', grantId: 'g3', basis: 'legal_basis', legalBasis: 'Nghị định 59/2022/NĐ-CP' });
      const listed = await store.listForAccount(accountId);
      assert.deepEqual(listed.map((consent) => [consent.clientId, consent.scope, consent.grantId, consent.basis, consent.legalBasis]), [
        ['portal-a', 'openid profile', 'g2', 'consent', undefined],
        ['portal-b', 'openid', 'g3', 'legal_basis', 'Nghị định 59/2022/NĐ-CP'],
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

for (const implementation of durableImplementations<RelyingPartyStore>(() => new MemoryRelyingPartyStore(), (db) => new MongoRelyingPartyStore(db, secretBox))) {
  describe(`RelyingPartyStore contract: ${implementation.name}`, function () {
    let store: RelyingPartyStore;
    let db: import('mongodb').Db | undefined;
    let close: () => Promise<void>;
    before(async function () {
      ({ store, db, close } = await implementation.create(this));
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

    it('keeps the optional registry fields: logo, JWKS URI, back-channel logout URI, subject type and sector', async () => {
      const { jwks: _jwks, ...withoutKeys } = relyingParty('portal-full');
      const full: RelyingParty = {
        ...withoutKeys,
        jwksUri: 'https://portal.example.gov.vn/jwks.json',
        logoUri: 'https://portal.example.gov.vn/logo.png',
        backchannelLogoutUri: 'https://portal.example.gov.vn/logout/backchannel',
        subjectType: 'pairwise',
        sectorIdentifier: 'portal.example.gov.vn',
      };
      assert.deepEqual(await store.create(full), full);
      assert.deepEqual(await store.findByClientId('portal-full'), full);
    });

    it('updates the given fields, removes those given as undefined, and keeps the rest', async () => {
      await store.create({ ...relyingParty('portal-update'), logoUri: 'https://portal.example.gov.vn/logo.png' });
      const updated = await store.update('portal-update', { disabled: true, redirectUris: ['https://portal.example.gov.vn/cb2'], logoUri: undefined });
      const expected: RelyingParty = { ...relyingParty('portal-update'), disabled: true, redirectUris: ['https://portal.example.gov.vn/cb2'] };
      assert.deepEqual(updated, expected);
      assert.deepEqual(await store.findByClientId('portal-update'), expected);
      assert.equal('logoUri' in (await store.findByClientId('portal-update'))!, false);
      assert.deepEqual(await store.update('portal-update', {}), expected, 'an empty change returns the record as it is');
    });

    it('refuses to update an unknown client id with NotFoundError, creating nothing', async () => {
      await assert.rejects(store.update('portal-missing', { disabled: true }), NotFoundError);
      assert.equal(await store.findByClientId('portal-missing'), undefined);
    });

    it('gives back the client secret it was given, replaced on rotation and gone when removed', async () => {
      const { jwks: _jwks, ...withoutKeys } = relyingParty('portal-secret');
      await store.create({ ...withoutKeys, tokenEndpointAuthMethod: 'client_secret_basic', clientSecret: 'first-secret-0123456789abcdefghijklmnopqrstu', minimumLevel: 1 });
      assert.equal((await store.findByClientId('portal-secret'))!.clientSecret, 'first-secret-0123456789abcdefghijklmnopqrstu');
      assert.equal((await store.update('portal-secret', { clientSecret: 'second-secret-0123456789abcdefghijklmnopqrst' })).clientSecret, 'second-secret-0123456789abcdefghijklmnopqrst');
      assert.equal((await store.list()).find((entry) => entry.clientId === 'portal-secret')!.clientSecret, 'second-secret-0123456789abcdefghijklmnopqrst');
      const removed = await store.update('portal-secret', { clientSecret: undefined, tokenEndpointAuthMethod: 'private_key_jwt', jwks: relyingParty('x').jwks });
      assert.equal('clientSecret' in removed, false);
      assert.equal('clientSecret' in (await store.findByClientId('portal-secret'))!, false);
    });

    it('never writes a client secret in plaintext (sealed with the current secrets key)', async function () {
      if (!db) return this.skip(); // memory never leaves the process
      const { jwks: _jwks, ...withoutKeys } = relyingParty('portal-sealed');
      await store.create({ ...withoutKeys, tokenEndpointAuthMethod: 'client_secret_basic', clientSecret: 'sealed-secret-0123456789abcdefghijklmnopqrs', minimumLevel: 1 });
      await store.update('portal-sealed', { clientSecret: 'rotated-secret-0123456789abcdefghijklmnopqr' });
      const raw = (await db.collection('relying_parties').findOne({ _id: 'portal-sealed' as never }))!;
      assert.doesNotMatch(JSON.stringify(raw), /sealed-secret|rotated-secret/);
      assert.equal(raw.clientSecret, undefined);
      assert.equal(await secretBox.open(raw.sealedClientSecret as string), 'rotated-secret-0123456789abcdefghijklmnopqr');
      assert.equal(secretBox.needsReencryption(raw.sealedClientSecret as string), false);
    });

    it('reads a plaintext secret written before secrets were sealed, and seals it at the next change', async function () {
      if (!db) return this.skip();
      const { clientId, jwks: _jwks, ...legacy } = { ...relyingParty('portal-legacy'), tokenEndpointAuthMethod: 'client_secret_basic' as const, minimumLevel: 1 as const };
      await db.collection('relying_parties').insertOne({ _id: clientId as never, ...legacy, clientSecret: 'legacy-secret-0123456789abcdefghijklmnopqrs' });
      assert.equal((await store.findByClientId(clientId))!.clientSecret, 'legacy-secret-0123456789abcdefghijklmnopqrs');
      await store.update(clientId, { clientSecret: 'new-secret-0123456789abcdefghijklmnopqrstuvw' });
      const raw = (await db.collection('relying_parties').findOne({ _id: clientId as never }))!;
      assert.equal(raw.clientSecret, undefined);
      assert.equal((await store.findByClientId(clientId))!.clientSecret, 'new-secret-0123456789abcdefghijklmnopqrstuvw');
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
