/**
 * The structure of the 12-digit personal identification number (Decree 137/2015/ND-CP, Circular
 * 07/2016/TT-BCA): province of birth registration (3), century and sex (1), birth year (2), serial (6).
 * Checked before any registry call, so a typo gets an immediate, specific answer without a lookup.
 */

/** Province/city codes of the 63 provinces (Circular 07/2016/TT-BCA, Annex). */
export const PROVINCE_CODES: ReadonlySet<string> = new Set([
  '001', '002', '004', '006', '008', '010', '011', '012', '014', '015', '017', '019', '020', '022', '024', '025',
  '026', '027', '030', '031', '033', '034', '035', '036', '037', '038', '040', '042', '044', '045', '046', '048',
  '049', '051', '052', '054', '056', '058', '060', '062', '064', '066', '067', '068', '070', '072', '074', '075',
  '077', '079', '080', '082', '083', '084', '086', '087', '089', '091', '092', '093', '094', '095', '096',
]);

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
  if (!PROVINCE_CODES.has(personalId.slice(0, 3))) return 'province';
  if (birthDate) {
    const year = Number(birthDate.slice(0, 4));
    const encoded = centuryOf(Number(personalId[3])) + Number(personalId.slice(4, 6));
    if (encoded !== year) return 'birth_year';
  }
  return undefined;
}
