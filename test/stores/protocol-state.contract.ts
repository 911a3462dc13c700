/**
 * The ProtocolStateStore contract (oidc-provider's adapter contract plus atomic consume), as one function run
 * against every implementation: protocol-state.contract.test.ts (memory, single Redis) and
 * redis-topologies.test.ts (Sentinel, Cluster). See node-oidc-provider example/my_adapter.js for the
 * contract, field by field.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AdapterPayload } from 'oidc-provider';

import type { ProtocolStateStore } from '../../src/oidc/protocol-state.ts';
import { eventually } from './backends.ts';

export interface ProtocolStateImplementation {
  name: string;
  create(suite: Mocha.Context): Promise<{ store: ProtocolStateStore; restart?: () => Promise<void>; close(): Promise<void> }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A payload with the shapes that break naive adapters: empty arrays, nested objects, unicode. */
export function samplePayload(extra: Partial<AdapterPayload> = {}): AdapterPayload {
  return {
    accountId: randomUUID(),
    clientId: 'demo-portal',
    grantId: randomUUID(),
    scope: 'openid profile',
    claims: { id_token: { acr: { essential: true, values: ['urn:dinhdanh:loa:2'] } } },
    amr: [],
    nonce: 'Trần Thị Bình ✓',
    kind: 'AuthorizationCode',
    jti: randomUUID(),
    ...extra,
  } as AdapterPayload;
}

export function describeProtocolStateContract(implementation: ProtocolStateImplementation): void {
  describe(`ProtocolStateStore contract: ${implementation.name}`, function () {
    let store: ProtocolStateStore;
    let restart: (() => Promise<void>) | undefined;
    let close: () => Promise<void>;

    before(async function () {
      ({ store, restart, close } = await implementation.create(this));
    });
    after(async () => close?.());

    it('stores and returns a payload unchanged, empty arrays and unicode included', async () => {
      const id = randomUUID();
      const payload = samplePayload();
      await store.upsert('AuthorizationCode', id, payload, 60);
      assert.deepEqual(await store.find('AuthorizationCode', id), payload);
      assert.equal(await store.find('AuthorizationCode', randomUUID()), undefined);
      assert.equal(await store.find('AccessToken', id), undefined, 'models are separate namespaces');
    });

    it('replaces a payload on a second upsert', async () => {
      const id = randomUUID();
      await store.upsert('Session', id, samplePayload({ kind: 'Session', uid: randomUUID() }), 60);
      const replacement = samplePayload({ kind: 'Session', uid: randomUUID(), accountId: 'changed' });
      await store.upsert('Session', id, replacement, 60);
      assert.deepEqual(await store.find('Session', id), replacement);
    });

    it('forgets a payload when its lifetime ends', async () => {
      const id = randomUUID();
      await store.upsert('Interaction', id, samplePayload({ kind: 'Interaction' }), 1);
      assert.ok(await store.find('Interaction', id));
      await sleep(1200);
      assert.equal(await store.find('Interaction', id), undefined);
    });

    it('finds sessions by uid and device codes by user code, and stops finding them once destroyed', async () => {
      const sessionId = randomUUID();
      const uid = randomUUID();
      await store.upsert('Session', sessionId, samplePayload({ kind: 'Session', uid }), 60);
      assert.equal((await store.findByUid('Session', uid))?.uid, uid);

      const deviceId = randomUUID();
      await store.upsert('DeviceCode', deviceId, samplePayload({ kind: 'DeviceCode', userCode: 'ABCD-EFGH' }), 60);
      assert.equal((await store.findByUserCode('DeviceCode', 'ABCD-EFGH'))?.userCode, 'ABCD-EFGH');

      await store.destroy('Session', sessionId);
      assert.equal(await store.find('Session', sessionId), undefined);
      assert.equal(await store.findByUid('Session', uid), undefined);
    });

    it('marks a consumed artifact with the consumption time and leaves the rest of the payload as it was', async () => {
      const id = randomUUID();
      const payload = samplePayload();
      await store.upsert('AuthorizationCode', id, payload, 60);
      const before = Math.floor(Date.now() / 1000);
      assert.equal(await store.consume('AuthorizationCode', id), true);
      const found = await store.find('AuthorizationCode', id);
      const { consumed, ...rest } = found!;
      assert.ok(typeof consumed === 'number' && consumed >= before - 1, `consumed = ${consumed}`);
      assert.deepEqual(rest, payload);
      assert.equal(await store.consume('AuthorizationCode', randomUUID()), false, 'nothing to consume');
    });

    it('lets exactly one of 25 parallel consumes win', async () => {
      const id = randomUUID();
      await store.upsert('RefreshToken', id, samplePayload({ kind: 'RefreshToken' }), 60);
      const results = await Promise.all(Array.from({ length: 25 }, () => store.consume('RefreshToken', id)));
      assert.equal(results.filter(Boolean).length, 1);
    });

    it('revokes every artifact of a grant and nothing else', async () => {
      const grantId = randomUUID();
      const otherGrantId = randomUUID();
      const ids = { code: randomUUID(), access: randomUUID(), refresh: randomUUID(), other: randomUUID() };
      await store.upsert('Grant', grantId, samplePayload({ kind: 'Grant', jti: grantId, grantId: undefined }), 60);
      await store.upsert('AuthorizationCode', ids.code, samplePayload({ grantId }), 60);
      await store.upsert('AccessToken', ids.access, samplePayload({ kind: 'AccessToken', grantId }), 60);
      await store.upsert('RefreshToken', ids.refresh, samplePayload({ kind: 'RefreshToken', grantId }), 120);
      await store.upsert('AccessToken', ids.other, samplePayload({ kind: 'AccessToken', grantId: otherGrantId }), 60);
      await store.consume('AuthorizationCode', ids.code);

      await store.revokeByGrantId(grantId);
      assert.equal(await store.find('AuthorizationCode', ids.code), undefined);
      assert.equal(await store.find('AccessToken', ids.access), undefined);
      assert.equal(await store.find('RefreshToken', ids.refresh), undefined);
      assert.ok(await store.find('AccessToken', ids.other), 'another grant is untouched');
      await store.revokeByGrantId(grantId); // revoking twice is harmless
    });

    it('finds a device code by id and user code after it gains its grant, and revokes it with the grant', async () => {
      const id = randomUUID();
      const grantId = randomUUID();
      const pending = samplePayload({ kind: 'DeviceCode', userCode: `U-${id.slice(0, 8)}`, grantId: undefined });
      await store.upsert('DeviceCode', id, pending, 60);
      const approved = { ...pending, grantId, accountId: 'approved' };
      await store.upsert('DeviceCode', id, approved, 60);
      assert.deepEqual(await store.find('DeviceCode', id), approved);
      assert.deepEqual(await store.findByUserCode('DeviceCode', pending.userCode!), approved);
      assert.equal(await store.consume('DeviceCode', id), true);
      assert.equal(await store.consume('DeviceCode', id), false);

      await store.revokeByGrantId(grantId);
      assert.equal(await store.find('DeviceCode', id), undefined);
    });

    it('destroys an artifact of a grant without touching the rest of the grant', async () => {
      const grantId = randomUUID();
      const [access, refresh] = [randomUUID(), randomUUID()];
      await store.upsert('AccessToken', access, samplePayload({ kind: 'AccessToken', grantId }), 60);
      await store.upsert('RefreshToken', refresh, samplePayload({ kind: 'RefreshToken', grantId }), 60);
      await store.destroy('AccessToken', access);
      assert.equal(await store.find('AccessToken', access), undefined);
      assert.ok(await store.find('RefreshToken', refresh));
      await store.revokeByGrantId(grantId);
      assert.equal(await store.find('RefreshToken', refresh), undefined);
    });

    it('works again after its server restarts, without being recreated', async function () {
      if (!restart) return this.skip(); // the memory store has no server
      await store.upsert('Session', 'before-restart', samplePayload({ kind: 'Session' }), 60);
      await restart();
      const id = randomUUID();
      await eventually(() => store.upsert('Session', id, samplePayload({ kind: 'Session' }), 60));
      assert.ok(await store.find('Session', id));
    });
  });
}
