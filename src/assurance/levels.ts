/**
 * Where a session's level of assurance is decided.
 *
 * An account has an identity level (how its identity was proven); a session has an authentication strength
 * (which factors the citizen just used). The session's level is the highest both allow: level 2 needs a
 * level-2 account AND two independent factors. See docs/assurance-levels.md for the eIDAS / NIST 800-63
 * correspondence of the acr values.
 */
import type { IdentityLevel } from '../accounts/account.ts';

/** Authentication method references, RFC 8176 §2. */
export type AuthenticationMethod = 'pwd' | 'otp' | 'sms' | 'hwk' | 'swk' | 'user' | 'mfa';

export interface AcrValues {
  level1: string;
  level2: string;
}

const KNOWLEDGE: ReadonlySet<AuthenticationMethod> = new Set(['pwd']);
const POSSESSION: ReadonlySet<AuthenticationMethod> = new Set(['otp', 'sms', 'hwk', 'swk']);

/** Two factors = something known + something held, or a possession factor with user verification (`user`). */
export function isMultiFactor(methods: readonly AuthenticationMethod[]): boolean {
  const possession = methods.some((method) => POSSESSION.has(method));
  return possession && (methods.some((method) => KNOWLEDGE.has(method)) || methods.includes('user'));
}

export function sessionLevel(identityLevel: IdentityLevel, methods: readonly AuthenticationMethod[]): IdentityLevel {
  return identityLevel >= 2 && isMultiFactor(methods) ? 2 : 1;
}

export function acrFor(level: IdentityLevel, acrValues: AcrValues): string {
  return level === 2 ? acrValues.level2 : acrValues.level1;
}

/** The `amr` claim: the methods used, plus `mfa` when they amount to two factors (RFC 8176 §2). */
export function amrFor(methods: readonly AuthenticationMethod[]): AuthenticationMethod[] {
  const unique = [...new Set(methods.filter((method) => method !== 'mfa'))];
  return isMultiFactor(unique) ? [...unique, 'mfa'] : unique;
}
