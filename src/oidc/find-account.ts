/**
 * oidc-provider's `findAccount`: who the subject is, and which claims may be released. Identity claims come
 * from the population registry at release time, never from a copy in the account (src/registry).
 */
import type { FindAccount } from 'oidc-provider';

import type { AccountStore } from '../accounts/account.ts';
import { fullName, type PopulationRegistry } from '../registry/population-registry.ts';

/** Claims per scope (OIDC Core §5.4). What a relying party may request is limited by its registration. */
export const claimsByScope = {
  openid: ['sub'],
  profile: ['name', 'family_name', 'middle_name', 'given_name', 'birthdate', 'gender'],
  phone: ['phone_number', 'phone_number_verified'],
} as const;

export function createFindAccount(accounts: AccountStore, registry: PopulationRegistry): FindAccount {
  return async (_ctx, sub) => {
    const account = await accounts.findById(sub);
    if (!account || account.status !== 'active') return undefined;
    return {
      accountId: account.id,
      // oidc-provider filters this down to the granted scopes and claims.
      async claims() {
        const citizen = await registry.findCitizen(account.personalId);
        return {
          sub: account.id,
          phone_number: account.phoneNumber,
          phone_number_verified: true,
          ...(citizen && {
            name: fullName(citizen),
            family_name: citizen.familyName,
            middle_name: citizen.middleName || undefined,
            given_name: citizen.givenName,
            birthdate: citizen.birthDate,
            gender: citizen.sex,
          }),
        };
      },
    };
  };
}
