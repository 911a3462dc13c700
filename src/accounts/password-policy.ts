/**
 * Password rules from NIST SP 800-63B §5.1.1.2: at least 8 characters, at least 64 allowed (we allow 128),
 * every printable character and space allowed, no composition rules, and a check against passwords known
 * to be common or breached (config/common-passwords*.txt) and against context words (the citizen's own
 * personal identification number, phone number, birth date).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 128;

export type PasswordProblem = 'too_short' | 'too_long' | 'common' | 'contains_personal_data';

/** Length in characters (code points after NFC), not bytes: "Mật khẩu" is 8 characters. */
function length(password: string): number {
  return [...password.normalize('NFC')].length;
}

export function loadCommonPasswords(configDir: string): ReadonlySet<string> {
  const words = new Set<string>();
  for (const file of ['common-passwords.txt', 'common-passwords-vi.txt']) {
    for (const line of readFileSync(path.join(configDir, file), 'utf8').split('\n')) {
      const word = line.trim().toLowerCase();
      if (word) words.add(word);
    }
  }
  return words;
}

export function createPasswordPolicy(commonPasswords: ReadonlySet<string>) {
  return function checkPassword(password: string, context: { personalId: string; phoneNumber: string; birthDate: string }): PasswordProblem | undefined {
    const characters = length(password);
    if (characters < MIN_PASSWORD_LENGTH) return 'too_short';
    if (characters > MAX_PASSWORD_LENGTH) return 'too_long';
    const folded = password.normalize('NFC').toLowerCase();
    if (commonPasswords.has(folded)) return 'common';
    const digits = folded.replace(/\D/g, '');
    const contextDigits = [context.personalId, context.phoneNumber.replace(/^\+84/, '0'), context.birthDate.replaceAll('-', '')];
    if (contextDigits.some((value) => value && digits.length >= 8 && (digits.includes(value) || value.includes(digits)))) return 'contains_personal_data';
    return undefined;
  };
}

export type PasswordPolicy = ReturnType<typeof createPasswordPolicy>;
