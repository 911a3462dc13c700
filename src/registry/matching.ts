/**
 * How typed identity data is compared with the registry's (registry issue, point 2): names after Unicode
 * NFC normalisation, case folding and whitespace folding, with diacritics significant ("Nguyễn" ≠ "Nguyen":
 * they are different names in Vietnamese); dates exactly.
 */
import type { CitizenRecord, MatchQuery } from './population-registry.ts';
import { fullName } from './population-registry.ts';

export function normaliseName(name: string): string {
  return name.normalize('NFC').toLocaleLowerCase('vi').replace(/\s+/gu, ' ').trim();
}

export function matchesRecord(record: CitizenRecord, query: MatchQuery): boolean {
  return (
    record.personalId === query.personalId &&
    record.birthDate === query.birthDate &&
    normaliseName(fullName(record)) === normaliseName(query.fullName)
  );
}
