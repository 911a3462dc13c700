/**
 * oidc-provider's `findAccount`: who the subject is, and which claims may be released. Identity claims come
 * from the population registry at release time, never from a copy in the account (src/registry).
 */
import type { FindAccount } from 'oidc-provider';

import type { AccountStore } from '../accounts/account.ts';
import { suspensionReason, type CitizenLookup, type createAccountSuspension } from '../registry/live-status.ts';
import { fullName } from '../registry/population-registry.ts';

/** Claims per scope (OIDC Core §5.4). What a relying party may request is limited by its registration. */
export const claimsByScope = {
  openid: ['sub'],
  // registry_checked_at: when the population registry last confirmed these data (epoch seconds).
  profile: ['name', 'family_name', 'middle_name', 'given_name', 'birthdate', 'gender', 'registry_checked_at'],
  // Permanent residence as registered (OIDC Core §5.1.1 address claim).
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
  // The 12-digit personal identification number: its own scope, so only relying parties registered for it
  // (a legal basis to process it) can ask, and the citizen sees it named on the consent page.
  personal_id: ['personal_id'],
} as const;

/** Claims about the sign-in itself, not the citizen: any relying party may ask for them by name. */
export const SIGN_IN_CLAIMS: ReadonlySet<string> = new Set(['sub', 'acr', 'amr', 'auth_time', 'sid']);

/** The scope whose consent text covers `claim`, if any. */
export function scopeOfClaim(claim: string): string | undefined {
  return Object.entries(claimsByScope).find(([, claims]) => (claims as readonly string[]).includes(claim))?.[0];
}

export function createFindAccount(
  accounts: AccountStore,
  lookUpCitizen: CitizenLookup,
  suspend: ReturnType<typeof createAccountSuspension>,
): FindAccount {
  return async (_ctx, sub) => {
    const account = await accounts.findById(sub);
    if (!account || account.status !== 'active') return undefined;
    // Every release of claims (token, userinfo) asks the registry (through its short cache): a death or a
    // revoked card ends the account's tokens as soon as the registry says so. No answer → 503, no claims.
    const { record, checkedAt } = await lookUpCitizen(account.personalId);
    const reason = suspensionReason(record && { lifeStatus: record.lifeStatus, cardStatus: record.card.status });
    if (reason) {
      await suspend(account, reason, 'claims');
      return undefined;
    }
    return {
      accountId: account.id,
      // oidc-provider filters this down to the granted scopes and claims.
      async claims() {
        return {
          sub: account.id,
          personal_id: account.personalId,
          phone_number: account.phoneNumber,
          phone_number_verified: true,
          name: fullName(record!),
          family_name: record!.familyName,
          middle_name: record!.middleName || undefined,
          given_name: record!.givenName,
          birthdate: record!.birthDate,
          gender: record!.sex,
          address: { formatted: record!.permanentResidence, country: 'VN' },
          registry_checked_at: Math.floor(checkedAt.getTime() / 1000),
        };
      },
    };
  };
}
