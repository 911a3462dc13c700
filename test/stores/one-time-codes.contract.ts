/**
 * One-time code rules (registry issue, point 7) as one function run against every store:
 * one-time-codes.contract.test.ts (memory, single Redis) and redis-topologies.test.ts (Sentinel, Cluster).
 * Single use, ≤ 5 minutes, resend throttled without resetting failures, ≤ 5 wrong codes.
 */
import assert from 'node:assert/strict';

import { createOneTimeCodes, type OneTimeCodeStore, type OneTimeCodes } from '../../src/authentication/one-time-codes.ts';

export interface OneTimeCodeImplementation {
  name: string;
  create(suite: Mocha.Context): Promise<{ store: OneTimeCodeStore; close(): Promise<void> }>;
}

const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

export function describeOneTimeCodeContract(implementation: OneTimeCodeImplementation): void {
  describe(`one-time codes: ${implementation.name}`, function () {
    let store: OneTimeCodeStore;
    let close: () => Promise<void>;
    let clock: number;
    let codes: OneTimeCodes;

    before(async function () {
      ({ store, close } = await implementation.create(this));
    });
    beforeEach(() => {
      clock = Date.now();
      codes = createOneTimeCodes(store, 'test-secret', undefined, () => clock);
    });
    after(async () => close?.());

    it('issues 6-digit codes that verify once, and are never stored in the clear', async () => {
      const { id, code } = await codes.start('enrollment', { personalId: '079195123456' });
      assert.match(code!, /^\d{6}$/);
      assert.ok(!JSON.stringify(await store.get(id)).includes(`"${code}"`));
      assert.equal((await codes.verify(id, code!)).outcome, 'verified');
      assert.equal((await codes.verify(id, code!)).outcome, 'wrong', 'a used code is refused');
      const taken = await codes.takeVerified(id);
      assert.deepEqual(taken?.data, { personalId: '079195123456' });
      assert.equal(await codes.takeVerified(id), undefined, 'the verified flow is taken once');
    });

    it('refuses a code after 5 minutes', async () => {
      const { id, code } = await codes.start('enrollment', {});
      clock += 5 * 60 * 1000 + 1;
      assert.equal((await codes.verify(id, code!)).outcome, 'expired');
    });

    it('starts over after 5 wrong codes, counting malformed ones, even when the right code comes 6th', async () => {
      const { id, code } = await codes.start('enrollment', {});
      assert.deepEqual(await codes.verify(id, wrongCode(code!)), { outcome: 'wrong', attemptsLeft: 4 });
      assert.deepEqual(await codes.verify(id, 'abc'), { outcome: 'wrong', attemptsLeft: 3 });
      await codes.verify(id, wrongCode(code!));
      await codes.verify(id, wrongCode(code!));
      assert.deepEqual(await codes.verify(id, wrongCode(code!)), { outcome: 'exhausted', attemptsLeft: 0 });
      assert.equal((await codes.verify(id, code!)).outcome, 'missing');
    });

    it('lets at most 5 of 20 parallel guesses be evaluated', async () => {
      const { id, code } = await codes.start('enrollment', {});
      const outcomes = (await Promise.all(Array.from({ length: 20 }, () => codes.verify(id, wrongCode(code!))))).map((result) => result.outcome);
      assert.equal(outcomes.filter((outcome) => outcome === 'wrong').length, 4);
      assert.equal(outcomes.filter((outcome) => outcome === 'exhausted').length, 1);
      assert.equal(outcomes.filter((outcome) => outcome === 'missing').length, 15);
    });

    it('throttles resends, keeps the failure count across them, and invalidates the previous code', async () => {
      const { id, code: first } = await codes.start('enrollment', {});
      await codes.verify(id, wrongCode(first!));
      await codes.verify(id, wrongCode(first!));
      assert.deepEqual(await codes.resend(id), { outcome: 'too_soon' });
      clock += 60_000;
      const resent = await codes.resend(id);
      assert.equal(resent.outcome, 'sent');
      assert.notEqual(resent.code, undefined);
      if (first !== resent.code) assert.notEqual((await codes.verify(id, first!)).outcome, 'verified', 'the old code no longer works');
      else await codes.verify(id, wrongCode(first!)); // the same digits by chance: spend the attempt anyway
      const { attemptsLeft } = await codes.verify(id, wrongCode(resent.code!));
      assert.equal(attemptsLeft, 1, 'the two failures before the resend still count');
    });

    it('allows at most 3 sends in one flow', async () => {
      const { id } = await codes.start('enrollment', {});
      clock += 60_000;
      assert.equal((await codes.resend(id)).outcome, 'sent');
      clock += 60_000;
      assert.equal((await codes.resend(id)).outcome, 'sent');
      clock += 60_000;
      assert.equal((await codes.resend(id)).outcome, 'limit');
    });

    it('gives a decoy challenge no code that could ever verify it', async () => {
      const { id, code } = await codes.start('enrollment', {}, { decoy: true });
      assert.equal(code, undefined);
      for (const guess of ['000000', '123456', '999999']) assert.notEqual((await codes.verify(id, guess)).outcome, 'verified');
      clock += 60_000;
      assert.deepEqual(await codes.resend(id, { decoy: true }), { outcome: 'sent' });
    });
  });
}
