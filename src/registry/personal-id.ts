/**
 * The structure of the 12-digit personal identification number (Decree 137/2015/ND-CP, Circular
 * 07/2016/TT-BCA): province of birth registration (3), century and sex (1), birth year (2), serial (6).
 * Checked before any registry call, so a typo gets an immediate, specific answer without a lookup.
 */
import { provinceCodes } from './provinces.ts';

export type PersonalIdProblem = 'format' | 'province' | 'birth_year';

/** Century/sex digit: 0/1 for men/women born 1900–1999, 2/3 for 2000–2099, 4/5 for 2100–2199, … */
export function centuryOf(centurySexDigit: number): number {
  return 1900 + Math.floor(centurySexDigit / 2) * 100;
}

/**
 * Checks the number's structure, and, when the date of birth is known, that the century digit and the two
 * birth-year digits agree with it.
 */
export function checkPersonalId(personalId: string, birthDate?: string): PersonalIdProblem | undefined {
  if (!/^\d{12}$/.test(personalId)) return 'format';
  if (!provinceCodes.has(personalId.slice(0, 3))) return 'province';
  if (birthDate) {
    const year = Number(birthDate.slice(0, 4));
    const encoded = centuryOf(Number(personalId[3])) + Number(personalId.slice(4, 6));
    if (encoded !== year) return 'birth_year';
  }
  return undefined;
}

/** Shows only the last four digits: enough to recognise, not enough to copy from a shoulder. */
export function maskPersonalId(personalId: string): string {
  return `••••••••${personalId.slice(-4)}`;
}
