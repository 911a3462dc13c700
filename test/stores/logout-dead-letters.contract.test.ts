/** LogoutDeadLetterStore contract (back-channel logouts given up on) on memory and a MongoDB-protocol server. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import type { LogoutDeadLetter, LogoutDeadLetterStore } from '../../src/logout/deliveries.ts';
import { MemoryLogoutDeadLetterStore } from '../../src/stores/memory/logout-deliveries.ts';
import { MongoLogoutDeadLetterStore } from '../../src/stores/mongo/logout-dead-letters.ts';
import { durableImplementations } from './durable-implementations.ts';

function deadLetter(overrides: Partial<LogoutDeadLetter> = {}): LogoutDeadLetter {
  return {
    id: randomUUID(),
    clientId: 'tax-portal',
    accountId: randomUUID(),
    sid: randomUUID(),
    sub: 'pairwise-sub-of-the-citizen',
    attempts: 6,
    lastError: 'not reachable (ECONNREFUSED)',
    firstAttemptAt: new Date('2026-03-01T08:00:00Z'),
    lastAttemptAt: new Date('2026-03-01T08:17:40Z'),
    ...overrides,
  };
}

for (const implementation of durableImplementations<LogoutDeadLetterStore>(
  () => new MemoryLogoutDeadLetterStore(),
  (db) => new MongoLogoutDeadLetterStore(db),
)) {
  describe(`LogoutDeadLetterStore contract: ${implementation.name}`, function () {
    let store: LogoutDeadLetterStore;
    let restart: (() => Promise<void>) | undefined;
    let close: () => Promise<void>;
    before(async function () {
      ({ store, restart, close } = await implementation.create(this));
    });
    after(async () => close?.());

    it("lists a relying party's dead letters, most recent last attempt first, as recorded", async () => {
      const clientId = `portal-${randomUUID()}`;
      const older = deadLetter({ clientId, lastAttemptAt: new Date('2026-03-01T08:00:00Z') });
      const newer = deadLetter({ clientId, lastAttemptAt: new Date('2026-03-02T08:00:00Z') });
      // Given up on before any logout token was issued (the relying party was disabled): no `sub` to show.
      const withoutSub = deadLetter({ clientId, lastAttemptAt: new Date('2026-03-03T08:00:00Z'), lastError: 'the relying party is disabled' });
      delete withoutSub.sub;
      await store.record(older);
      await store.record(newer);
      await store.record(withoutSub);
      await store.record(deadLetter());
      assert.deepEqual(await store.list({ clientId }), [withoutSub, newer, older]);
      assert.deepEqual(await store.list({ clientId, limit: 1 }), [withoutSub]);
      assert.ok((await store.list()).length >= 4);
    });

    it('keeps one record per delivery when the same delivery is given up on twice', async () => {
      const clientId = `portal-${randomUUID()}`;
      const letter = deadLetter({ clientId });
      await store.record(letter);
      const again = { ...letter, attempts: 7, lastAttemptAt: new Date('2026-03-01T09:00:00Z') };
      await store.record(again);
      assert.deepEqual(await store.list({ clientId }), [again]);
    });

    it('gives a dead letter to exactly one of concurrent operators taking it', async () => {
      const letter = deadLetter();
      await store.record(letter);
      const taken = await Promise.all(Array.from({ length: 5 }, () => store.take(letter.id)));
      assert.deepEqual(taken.filter(Boolean), [letter]);
      assert.equal(await store.take(letter.id), undefined);
      assert.deepEqual(await store.list({ clientId: letter.clientId }).then((letters) => letters.filter((each) => each.id === letter.id)), []);
    });

    it('keeps dead letters across a server restart', async function () {
      if (!restart) this.skip();
      const letter = deadLetter({ clientId: `portal-${randomUUID()}` });
      await store.record(letter);
      await restart!();
      assert.deepEqual(await store.list({ clientId: letter.clientId }), [letter]);
    });
  });
}
