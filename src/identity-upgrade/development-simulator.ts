/**
 * DEVELOPMENT ONLY: plays the DinhDanh phone app for a demo citizen, so the level-2 upgrade can be tried in a
 * browser without a phone or a card. It issues a SYNTHETIC chip for the citizen's registry record with the
 * development Document Signer (trusted only outside production, CHIP_DEVELOPMENT_ISSUER), then runs the real
 * steps: challenge, chip verification (Passive + Active Authentication, registry match), face comparison
 * (with whatever face matcher is configured, which says what it is), level 2.
 */
import { randomBytes } from 'node:crypto';

import type { Account } from '../accounts/account.ts';
import { issueChip, type Authority } from '../chip/synthetic-issuer.ts';
import type { PopulationRegistry } from '../registry/population-registry.ts';
import type { IdentityUpgrade } from './identity-upgrade.ts';

export type SimulatedUpgrade = { ok: true; faceService: string } | { ok: false; step: 'registry' | 'chip' | 'face'; reason: string };

export function createDevelopmentUpgradeSimulator({ signer, registry, upgrade }: { signer: Authority; registry: Pick<PopulationRegistry, 'findCitizen'>; upgrade: IdentityUpgrade }) {
  return async function simulateUpgrade(account: Account, ip?: string): Promise<SimulatedUpgrade> {
    const citizen = await registry.findCitizen(account.personalId);
    if (!citizen) return { ok: false, step: 'registry', reason: 'citizen_not_found' };
    const chip = await issueChip(signer, citizen);
    const check = await upgrade.startCheck(account, { channel: 'phone' });
    const read = await upgrade.submitChip(account, check.checkId, { sod: chip.sod, dataGroups: chip.dataGroups, activeAuthenticationSignature: chip.activeAuthenticate(check.challenge) }, ip);
    if (!read.ok) return { ok: false, step: 'chip', reason: read.reason };
    // A JPEG-shaped synthetic "selfie" (the development matcher accepts it; a real service would not).
    const face = await upgrade.submitFace(account, check.checkId, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(64)]), ip);
    return face.ok ? { ok: true, faceService: face.faceService } : { ok: false, step: 'face', reason: face.reason };
  };
}

export type DevelopmentUpgradeSimulator = ReturnType<typeof createDevelopmentUpgradeSimulator>;
