/**
 * A deterministic synthetic population of up to 1,000,000 citizens that is never materialised: record i is
 * computed on demand from SHA-512(seed, i), and the personal identification number carries i (through a
 * seeded permutation of its 6-digit serial), so `get` recomputes one record in O(1) with no index in memory.
 *
 * Structure of a number (Circular 07/2016/TT-BCA, art. 7): province code of birth registration (3 digits,
 * see provinces.ts), century/sex digit (0 male / 1 female born 1900–1999, 2 / 3 born 2000–2099), the last two
 * digits of the birth year, then a 6-digit serial. The serial is a Feistel permutation of i keyed by the seed:
 * serials look random, are unique within the population and invert back to i.
 *
 * Dates are a snapshot taken on `populationSnapshotDate`, never on the clock, so a seed yields the same
 * citizens on every machine and every day; only a card's `expired` status follows today's date, as it would
 * in the real registry.
 */
import { createHash, hash } from 'node:crypto';

import type { CardStatus, CitizenRecord, Sex } from '../population-registry.ts';
import { familyNames, givenNames, middleNames, secondMiddleNames, type Weighted } from './names.ts';
import { localityKinds, localityNames, provinceCodes, provinces, type Province } from '../provinces.ts';

/** Largest population whose indexes fit the 6-digit serial. */
export const maximumPopulationSize = 1_000_000;
/** The day the synthetic registry was "photographed": births and card issues happen on or before it. */
export const populationSnapshotDate = '2026-01-01';
/**
 * A card issued at 60 or later, or within two years before 60, never expires (Luật Căn cước 2023, art. 21 §2);
 * the record still needs a date, so it carries this one.
 */
export const noExpiryDate = '2099-12-31';
/** Ages at which a card must be renewed (Luật Căn cước 2023, art. 21 §1). */
export const cardRenewalAges = [14, 25, 40, 60] as const;

export interface SyntheticPopulationOptions {
  /** Number of synthetic citizens, 1 to 1,000,000. */
  size: number;
  seed: string;
  /** Fixed records (the demo citizens) that `get` returns first and that shadow a synthetic twin. */
  extraCitizens?: readonly CitizenRecord[];
  /** Today as an ISO date, for the `expired` card status; defaults to the clock. */
  today?: () => string;
}

export interface SyntheticPopulation {
  readonly size: number;
  /** The synthetic citizen at `index` (0 ≤ index < size): a fresh object on every call. */
  at(index: number): CitizenRecord;
  /** The citizen with that number (extra citizens first), or undefined. */
  get(personalId: string): CitizenRecord | undefined;
}

/** Calendar arithmetic on day numbers (days since 1970-01-01), without Date objects: the generator's hot path. */
interface Civil {
  year: number;
  month: number;
  day: number;
}

// Days from/to civil dates in the proleptic Gregorian calendar (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms").
function dayFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function civilFromDay(dayNumber: number): Civil {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

function isoDate(dayNumber: number): string {
  const { year, month, day } = civilFromDay(dayNumber);
  return `${year}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

const dayOfIso = (iso: string) => dayFromCivil(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)), Number(iso.slice(8, 10)));

const snapshotDay = dayOfIso(populationSnapshotDate);
/** 12-digit numbers (and so chip cards with them) were issued from 2016 (Luật Căn cước công dân 2014). */
const firstCardDay = dayOfIso('2016-01-01');
/** Children under 14 may hold a card from 1 July 2024 (Luật Căn cước 2023, art. 46). */
const childCardsFromDay = dayOfIso('2024-07-01');
const oldestAgeDays = 36_524;

/** The day someone born on `birth` turns `years`; 29 February falls back to 28 February (Bộ luật Dân sự 2015, art. 148). */
function birthdayDay(birth: Civil, years: number): number {
  const year = birth.year + years;
  const day = birth.month === 2 && birth.day === 29 && !isLeapYear(year) ? 28 : birth.day;
  return dayFromCivil(year, birth.month, day);
}

/** The next renewal birthday more than two years after issue (a card issued within two years of one lasts to the next). */
function expiryDay(birth: Civil, issueDay: number): number | undefined {
  for (const age of cardRenewalAges) {
    if (issueDay < birthdayDay(birth, age - 2)) return birthdayDay(birth, age);
  }
  return undefined;
}

/** Today's ISO date from the clock, recomputed at most once a second. */
function clockToday(): () => string {
  let validUntil = 0;
  let today = '';
  return () => {
    const now = Date.now();
    if (now >= validUntil) {
      today = new Date(now).toISOString().slice(0, 10);
      validUntil = now + 1000;
    }
    return today;
  };
}

function weightedPicker(items: readonly Weighted[]): (unit: number) => string {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let running = 0;
  const bounds = items.map((item) => (running += item.weight) / total);
  return (unit) => {
    let low = 0;
    let high = bounds.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (unit < bounds[middle]!) high = middle;
      else low = middle + 1;
    }
    return items[low]!.value;
  };
}

const pickProvinceCode = weightedPicker(provinces.map((province) => ({ value: province.code, weight: province.weight })));
const provinceByCode = new Map(provinces.map((province) => [province.code, province]));
const pickFamilyName = weightedPicker(familyNames);
const pickMiddleName = { male: weightedPicker(middleNames.male), female: weightedPicker(middleNames.female) };
const pickGivenName = { male: weightedPicker(givenNames.male), female: weightedPicker(givenNames.female) };
const pickSecondMiddleName = weightedPicker(secondMiddleNames);

const choose = <T>(values: readonly T[], unit: number): T => values[Math.floor(unit * values.length)]!;

/** Reads uniform numbers in [0, 1) from one digest: 16-bit draws for choices, 32-bit for day counts. */
class Draws {
  #offset = 0;
  constructor(readonly bytes: Buffer) {}
  short(): number {
    const value = this.bytes.readUInt16BE(this.#offset);
    this.#offset += 2;
    return value / 0x1_0000;
  }
  long(): number {
    const value = this.bytes.readUInt32BE(this.#offset);
    this.#offset += 4;
    return value / 0x1_0000_0000;
  }
}

/** A seeded bijection on 0..999,999 (balanced Feistel network on two 3-digit halves) and its inverse. */
function serialPermutation(seed: string) {
  const rounds = Array.from({ length: 4 }, (_, round) => {
    const table = new Uint16Array(1000);
    for (let half = 0; half < 1000; half += 1) {
      table[half] = createHash('sha256').update(`${seed}\0serial\0${round}\0${half}`).digest().readUInt32BE(0) % 1000;
    }
    return table;
  });
  return {
    forward(index: number): number {
      let left = Math.floor(index / 1000);
      let right = index % 1000;
      for (const table of rounds) [left, right] = [right, (left + table[right]!) % 1000];
      return left * 1000 + right;
    },
    inverse(serial: number): number {
      let left = Math.floor(serial / 1000);
      let right = serial % 1000;
      for (let round = rounds.length - 1; round >= 0; round -= 1) {
        [left, right] = [(right - rounds[round]![left]! + 1000) % 1000, left];
      }
      return left * 1000 + right;
    },
  };
}

function address(kind: string, locality: string, province: Province): string {
  return `${kind} ${locality}, ${province.name}`;
}

export function createSyntheticPopulation({
  size,
  seed,
  extraCitizens = [],
  today = clockToday(),
}: SyntheticPopulationOptions): SyntheticPopulation {
  if (!Number.isInteger(size) || size < 1 || size > maximumPopulationSize) {
    throw new RangeError(`population size must be an integer from 1 to ${maximumPopulationSize}, got ${size}`);
  }
  if (!seed) throw new RangeError('population seed must not be empty');
  const extras = new Map(extraCitizens.map((record) => [record.personalId, structuredClone(record)]));
  const serials = serialPermutation(seed);

  function synthesize(index: number): CitizenRecord {
    // One-shot crypto.hash: half the cost of createHash() for a short input.
    const draws = new Draws(hash('sha512', `${seed}\0citizen\0${index}`, 'buffer'));

    const sex: Sex = draws.short() < 0.5 ? 'male' : 'female';
    // Density falling linearly with age: more children than centenarians, ages 0 to 100.
    const birthDay = snapshotDay - Math.floor(oldestAgeDays * (1 - Math.sqrt(draws.long())));
    const birth = civilFromDay(birthDay);
    const birthYear = birth.year;
    const provinceCode = pickProvinceCode(draws.short());
    const centurySexDigit = (birthYear >= 2000 ? 2 : 0) + (sex === 'female' ? 1 : 0);
    const personalId = `${provinceCode}${centurySexDigit}${String(birthYear % 100).padStart(2, '0')}${String(serials.forward(index)).padStart(6, '0')}`;

    const familyName = pickFamilyName(draws.short());
    const firstMiddle = pickMiddleName[sex](draws.short());
    const secondDraw = draws.short();
    const secondMiddle = secondDraw < 0.1 ? pickSecondMiddleName(secondDraw / 0.1) : undefined;
    const middleName = secondMiddle && secondMiddle !== firstMiddle ? `${firstMiddle} ${secondMiddle}` : firstMiddle;
    const givenName = pickGivenName[sex](draws.short());

    const birthProvince = provinceByCode.get(provinceCode)!;
    const originProvince = draws.short() < 0.8 ? birthProvince : provinceByCode.get(pickProvinceCode(draws.short()))!;
    const origin = address('Xã', choose(localityNames, draws.short()), originProvince);
    const residenceProvince = draws.short() < 0.7 ? birthProvince : provinceByCode.get(pickProvinceCode(draws.short()))!;
    const residence = address(choose(localityKinds, draws.short()), choose(localityNames, draws.short()), residenceProvince);

    // Cards: 12-digit ones since 2016, from 14 years old, or from birth since the 2023 law took effect.
    const earliestIssue = Math.max(firstCardDay, Math.min(birthdayDay(birth, 14), Math.max(childCardsFromDay, birthDay)));
    let issueDay = earliestIssue + Math.floor(draws.long() * (snapshotDay - earliestIssue + 1));
    let expiry = expiryDay(birth, issueDay);
    // Most citizens renew a card that expired before the snapshot; some do not and hold an expired card.
    if (expiry !== undefined && expiry <= snapshotDay && draws.short() < 0.85) {
      issueDay = expiry + Math.floor(draws.short() * (snapshotDay - expiry + 1));
      expiry = expiryDay(birth, issueDay);
    }
    const expiresOn = expiry === undefined ? noExpiryDate : isoDate(expiry);

    const deceased = draws.short() < 0.005;
    const revoked = draws.short() < 0.01;
    const status: CardStatus = revoked ? 'revoked' : expiresOn < today() ? 'expired' : 'valid';

    return {
      personalId,
      familyName,
      middleName,
      givenName,
      birthDate: isoDate(birthDay),
      sex,
      placeOfOrigin: origin,
      permanentResidence: residence,
      lifeStatus: deceased ? 'deceased' : 'alive',
      // Chip cards (CCCD) carry the personal identification number as their number.
      card: { number: personalId, issuedOn: isoDate(issueDay), expiresOn, status },
    };
  }

  function at(index: number): CitizenRecord {
    if (!Number.isInteger(index) || index < 0 || index >= size) {
      throw new RangeError(`index must be an integer from 0 to ${size - 1}, got ${index}`);
    }
    const record = synthesize(index);
    // A demo citizen that happens to share a synthetic number replaces it, so at() and get() never disagree.
    const extra = extras.get(record.personalId);
    return extra ? structuredClone(extra) : record;
  }

  function get(personalId: string): CitizenRecord | undefined {
    const extra = extras.get(personalId);
    if (extra) return structuredClone(extra);
    if (!/^\d{12}$/.test(personalId) || !provinceCodes.has(personalId.slice(0, 3)) || personalId[3]! > '3') return undefined;
    const index = serials.inverse(Number(personalId.slice(6)));
    if (index >= size) return undefined;
    const record = synthesize(index);
    return record.personalId === personalId ? record : undefined;
  }

  return { size, at, get };
}
