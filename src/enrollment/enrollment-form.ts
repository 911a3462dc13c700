/**
 * The enrollment form's syntax checks: everything that can be said without asking the registry, so a typo
 * gets a specific answer next to its field, immediately. (Whether the data is *true* is the registry's.)
 */
import type { Messages } from '../i18n/messages.ts';
import { checkPersonalId } from '../registry/personal-id.ts';

export interface EnrollmentFields {
  personalId: string;
  fullName: string;
  birthDate: string;
  phoneNumber: string;
}

export type FieldErrors = Partial<Record<keyof EnrollmentFields, string>>;

/** Vietnamese mobile numbers: 0 or +84, then 3/5/7/8/9 and 8 more digits. Returns E.164 or undefined. */
export function toE164(phone: string): string | undefined {
  const compact = phone.replace(/[\s.()-]/g, '');
  const national = /^(?:\+84|84|0)([35789]\d{8})$/.exec(compact);
  return national ? `+84${national[1]}` : undefined;
}

/**
 * The date field is `type=date` (the browser sends YYYY-MM-DD); where the browser offers a plain text box
 * instead, citizens type the Vietnamese way, day/month/year.
 */
export function toIsoDate(typed: string): string {
  const dayFirst = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(typed.trim());
  return dayFirst ? `${dayFirst[3]}-${dayFirst[2]!.padStart(2, '0')}-${dayFirst[1]!.padStart(2, '0')}` : typed.trim();
}

function isRealDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** Checks the identity fields, and the mobile number unless `askPhone` is false (recovery uses the account's). */
export function validateEnrollmentFields(
  raw: EnrollmentFields,
  messages: Messages['enroll'],
  { askPhone = true, today = new Date().toISOString().slice(0, 10) }: { askPhone?: boolean; today?: string } = {},
): { fields: EnrollmentFields; errors: FieldErrors } {
  const fields: EnrollmentFields = {
    personalId: raw.personalId.replace(/\s+/g, ''),
    fullName: raw.fullName.normalize('NFC').replace(/\s+/gu, ' ').trim(),
    birthDate: toIsoDate(raw.birthDate),
    phoneNumber: raw.phoneNumber.trim(),
  };
  const errors: FieldErrors = {};

  if (!isRealDate(fields.birthDate) || fields.birthDate < '1900-01-01') errors.birthDate = messages.birthDateInvalid;
  else if (fields.birthDate > today) errors.birthDate = messages.birthDateFuture;

  const idProblem = checkPersonalId(fields.personalId, errors.birthDate ? undefined : fields.birthDate);
  if (idProblem === 'format') errors.personalId = messages.personalIdFormat;
  else if (idProblem === 'province') errors.personalId = messages.personalIdProvince;
  else if (idProblem === 'birth_year') errors.personalId = messages.personalIdBirthYear;

  // Letters (any script, with their combining marks), spaces, apostrophes and hyphens; 2–100 characters.
  if (!/^[\p{L}\p{M}][\p{L}\p{M}' -]{1,99}$/u.test(fields.fullName)) errors.fullName = messages.fullNameRequired;

  if (askPhone) {
    const e164 = toE164(fields.phoneNumber);
    if (!e164) errors.phoneNumber = messages.phoneNumberInvalid;
    else fields.phoneNumber = e164;
  }

  return { fields, errors };
}

/** +84912345678 → +84•••••5678: enough for the citizen to recognise their number. */
export function maskPhone(e164: string): string {
  return `${e164.slice(0, 3)}•••••${e164.slice(-4)}`;
}
