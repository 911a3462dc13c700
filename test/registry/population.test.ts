/**
 * The synthetic population: deterministic, structurally real numbers (province, century/sex digit, birth
 * year), unique, O(1) lookup by number, Vietnamese names in NFC with diacritics, plausible statuses.
 */
import assert from 'node:assert/strict';

import { demoCitizens } from '../../src/demo/citizens.ts';
import { checkPersonalId } from '../../src/registry/personal-id.ts';
import { createSyntheticPopulation, maximumPopulationSize } from '../../src/registry/simulator/population.ts';

describe('synthetic population', function () {
  const population = createSyntheticPopulation({ size: maximumPopulationSize, seed: 'test-seed', today: () => '2026-11-23' });

  it('is deterministic for a seed and different for another', () => {
    const again = createSyntheticPopulation({ size: 1000, seed: 'test-seed', today: () => '2026-11-23' });
    const other = createSyntheticPopulation({ size: 1000, seed: 'other-seed', today: () => '2026-11-23' });
    for (const index of [0, 1, 500, 999]) {
      assert.deepEqual(again.at(index), population.at(index));
      assert.notDeepEqual(other.at(index), population.at(index));
    }
  });

  it('gives every citizen a number with the real structure, agreeing with sex and date of birth', () => {
    for (let index = 0; index < 20_000; index += 7) {
      const citizen = population.at(index);
      assert.equal(checkPersonalId(citizen.personalId, citizen.birthDate), undefined, `${citizen.personalId} ${citizen.birthDate}`);
      const centurySex = Number(citizen.personalId[3]);
      assert.equal(centurySex % 2 === 1 ? 'female' : 'male', citizen.sex);
      assert.ok(citizen.birthDate <= '2026-01-01' && citizen.birthDate >= '1925-01-01', citizen.birthDate);
      assert.ok(citizen.card.issuedOn >= '2016-01-01' && citizen.card.issuedOn <= citizen.card.expiresOn);
    }
  });

  it('has unique numbers (200,000 checked) and finds each citizen by number in O(1)', () => {
    const seen = new Set<string>();
    for (let index = 0; index < 200_000; index += 1) seen.add(population.at(index).personalId);
    assert.equal(seen.size, 200_000);
    for (const index of [0, 1, 77_777, 999_999]) {
      const citizen = population.at(index);
      assert.deepEqual(population.get(citizen.personalId), citizen);
    }
  });

  it('knows nobody under unknown or malformed numbers', () => {
    const small = createSyntheticPopulation({ size: 100, seed: 'test-seed' });
    const outside = population.at(500_000).personalId; // exists in the large population, not in the small one
    assert.equal(small.get(outside), undefined);
    for (const number of ['', '12345', '003197000001', 'abcdefghijkl', '0011890123456']) assert.equal(population.get(number), undefined, number);
    // Same serial, another province or birth year: not the same person.
    const citizen = population.at(42);
    const otherProvince = `${citizen.personalId.slice(0, 3) === '001' ? '079' : '001'}${citizen.personalId.slice(3)}`;
    assert.equal(population.get(otherProvince), undefined);
  });

  it('writes names in NFC with Vietnamese diacritics, and has plausible life and card statuses', () => {
    const counts = { deceased: 0, revoked: 0, expired: 0, withDiacritics: 0 };
    const size = 20_000;
    for (let index = 0; index < size; index += 1) {
      const citizen = population.at(index);
      const name = `${citizen.familyName} ${citizen.middleName} ${citizen.givenName}`;
      assert.equal(name, name.normalize('NFC'));
      if (/[^\x00-\x7f]/.test(name)) counts.withDiacritics += 1;
      if (citizen.lifeStatus === 'deceased') counts.deceased += 1;
      if (citizen.card.status === 'revoked') counts.revoked += 1;
      if (citizen.card.status === 'expired') counts.expired += 1;
    }
    assert.ok(counts.withDiacritics / size > 0.8, `diacritics in ${counts.withDiacritics}`);
    assert.ok(counts.deceased > 0 && counts.deceased / size < 0.02, `deceased ${counts.deceased}`);
    assert.ok(counts.revoked > 0 && counts.revoked / size < 0.03, `revoked ${counts.revoked}`);
    assert.ok(counts.expired > 0, 'some cards expired');
  });

  it('includes the demo citizens, who shadow any synthetic twin', () => {
    const withDemo = createSyntheticPopulation({ size: 1000, seed: 'test-seed', extraCitizens: demoCitizens.map((citizen) => citizen.record) });
    for (const { record } of demoCitizens) assert.deepEqual(withDemo.get(record.personalId), record);
  });

  it('refuses impossible sizes and an empty seed', () => {
    assert.throws(() => createSyntheticPopulation({ size: 0, seed: 's' }), RangeError);
    assert.throws(() => createSyntheticPopulation({ size: maximumPopulationSize + 1, seed: 's' }), RangeError);
    assert.throws(() => createSyntheticPopulation({ size: 10, seed: '' }), RangeError);
  });
});
