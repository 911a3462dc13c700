/**
 * Seeds the embedded default with the demo citizens' accounts and one demo public-service portal, and
 * returns what the start-up banner prints. Never runs in production (config refuses `demo.seed`).
 */
import { randomBytes, randomUUID } from 'node:crypto';

import type { AccountStore } from '../accounts/account.ts';
import type { CredentialStore } from '../accounts/credentials.ts';
import type { PasswordHasher } from '../accounts/password-hasher.ts';
import type { StaffStore } from '../desk/staff.ts';
import { registerIfMissing, type RelyingParty, type RelyingPartyStore } from '../relying-parties/relying-party.ts';
import { fullName } from '../registry/population-registry.ts';
import { DuplicateKeyError } from '../stores/errors.ts';
import { demoCitizens } from './citizens.ts';
import { exampleRelyingParties } from './example-relying-parties.ts';

export const DEMO_PORTAL_CLIENT_ID = 'demo-portal';

export interface DemoSeed {
  citizens: { personalId: string; name: string; identityLevel: number; password: string; totpSecret?: string }[];
  portal: { clientId: string; clientSecret: string; redirectUri: string; postLogoutRedirectUri: string };
}

export async function seedDemo(
  { accounts, credentials, relyingParties, staff }: { accounts: AccountStore; credentials: CredentialStore; relyingParties: RelyingPartyStore; staff: StaffStore },
  hasher: PasswordHasher,
  issuer: string,
): Promise<DemoSeed> {
  // Idempotent and safe when several processes seed one shared database at once: whoever creates an
  // account also gives it its password; the others see DuplicateKeyError and move on.
  for (const citizen of demoCitizens) {
    if (await accounts.findByPersonalId(citizen.record.personalId)) continue;
    try {
      const account = await accounts.create({
        id: randomUUID(),
        personalId: citizen.record.personalId,
        identityLevel: citizen.identityLevel,
        status: 'active',
        phoneNumber: citizen.phoneNumber,
      });
      await credentials.create({ id: randomUUID(), accountId: account.id, type: 'password', hash: await hasher.hash(citizen.password) });
      if (citizen.totpSecret) await credentials.create({ id: randomUUID(), accountId: account.id, type: 'totp', seed: citizen.totpSecret, confirmed: true });
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
    }
  }

  // The level-2 demo citizen also staffs the enrollment desk (after creating a passkey at /account).
  const deskStaff = demoCitizens.find((citizen) => citizen.identityLevel === 2)!;
  const deskAccount = await accounts.findByPersonalId(deskStaff.record.personalId);
  if (deskAccount && !(await staff.findByAccountId(deskAccount.id))) {
    await staff.upsert({ accountId: deskAccount.id, displayName: fullName(deskStaff.record), roles: ['officer', 'supervisor', 'admin'], active: true });
  }

  // A level-1-only portal: the one case where client_secret_basic is acceptable. Its secret is made when the
  // portal is first registered (per start on the embedded default, once per database otherwise).
  const portal: RelyingParty = {
    clientId: DEMO_PORTAL_CLIENT_ID,
    name: { vi: 'Cổng dịch vụ công (mẫu)', en: 'Public-service portal (demo)' },
    profile: 'portal',
    redirectUris: [`${issuer}/demo/callback`],
    postLogoutRedirectUris: [`${issuer}/demo`],
    tokenEndpointAuthMethod: 'client_secret_basic',
    clientSecret: randomBytes(32).toString('base64url'),
    allowedScopes: ['openid', 'profile', 'address', 'phone', 'offline_access'],
    minimumLevel: 1,
    applicationType: 'web',
    disabled: false,
  };
  const stored = await registerIfMissing(relyingParties, portal);
  // The examples beside `npm start` (npm run example:portal / example:bank), at their local addresses.
  for (const example of exampleRelyingParties()) await registerIfMissing(relyingParties, example);

  return {
    citizens: demoCitizens.map((citizen) => ({
      personalId: citizen.record.personalId,
      name: fullName(citizen.record),
      identityLevel: citizen.identityLevel,
      password: citizen.password,
      totpSecret: citizen.totpSecret,
    })),
    portal: {
      clientId: stored.clientId,
      clientSecret: stored.clientSecret!,
      redirectUri: stored.redirectUris[0]!,
      postLogoutRedirectUri: stored.postLogoutRedirectUris[0]!,
    },
  };
}
