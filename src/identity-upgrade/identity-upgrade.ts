/**
 * Raising an account to level 2 (the level-2 issue): proof with the chip ID card, then a face comparison, on
 * the citizen's phone or at an enrollment desk; or in person at a desk.
 *
 *   1. start a check: a fresh 8-byte Active Authentication challenge, bound to the account (5 minutes);
 *   2. the chip reading: the challenge is spent on the first answer, right or wrong (a replayed answer, or a
 *      second try with the same challenge, is refused); Passive + Active Authentication + registry match;
 *   3. the face: the selfie against the verified chip's portrait, one answer per verified chip (10 minutes;
 *      a face service outage does not spend it);
 *   4. the level is raised, with the evidence in the audit log.
 *
 * State lives in the protocol-state store (Redis when configured), so any process may serve any step.
 */
import { randomBytes } from 'node:crypto';
import type { AdapterPayload } from 'oidc-provider';

import type { Account, AccountStore } from '../accounts/account.ts';
import type { CredentialStore } from '../accounts/credentials.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { FaceMatcher } from '../biometrics/face-matcher.ts';
import { CHALLENGE_BYTES } from '../chip/active-authentication.ts';
import type { ChipReading, ChipRefusal, ChipVerification } from '../chip/chip-verification.ts';
import { takeOnce, type ProtocolStateStore } from '../oidc/protocol-state.ts';

const CHECK_MODEL = 'ChipCheck';
const VERIFIED_MODEL = 'VerifiedChip';
export const CHECK_SECONDS = 300;
const FACE_SECONDS = 600;

/** Who is doing the check: the citizen on their phone, or an officer at a desk (with the desk reader). */
export type CheckChannel = { channel: 'phone' } | { channel: 'desk'; staffId: string };

interface StoredCheck {
  accountId: string;
  challenge: string;
  channel: 'phone' | 'desk';
  staffId?: string;
}

interface StoredVerifiedChip {
  accountId: string;
  facialRecord: string;
  documentSigner: string;
  cardNumber: string;
  channel: 'phone' | 'desk';
  staffId?: string;
}

export type ChipStepOutcome = { ok: true; cardExpiresOn: string; fullName: string } | { ok: false; reason: ChipRefusal | 'check_unknown' };
export type FaceStepOutcome = { ok: true; identityLevel: 2; secondFactors: string[]; faceService: string } | { ok: false; reason: 'face_mismatch' | 'check_unknown'; faceService?: string };

export function createIdentityUpgrade({
  protocolState,
  accounts,
  credentials,
  verifyChip,
  faceMatcher,
  audit,
}: {
  protocolState: ProtocolStateStore;
  accounts: Pick<AccountStore, 'update'>;
  credentials: Pick<CredentialStore, 'listForAccount'>;
  verifyChip: ChipVerification;
  faceMatcher: FaceMatcher;
  audit: AuditLog;
}) {
  /** The account's record, once: the first caller gets it, any other (a replay, a race) gets undefined. */
  const take = <T extends { accountId: string }>(model: string, id: string, accountId: string) => takeOnce<T>(protocolState, model, id, (record) => record.accountId === accountId);

  async function secondFactorsOf(accountId: string): Promise<string[]> {
    const held = await credentials.listForAccount(accountId);
    // The verified phone always receives codes; an app or a passkey is stronger and offered next.
    return ['sms', ...(held.some((credential) => credential.type === 'totp' && credential.confirmed) ? ['totp'] : []), ...(held.some((credential) => credential.type === 'passkey') ? ['passkey'] : [])];
  }

  return {
    async startCheck(account: Account, by: CheckChannel): Promise<{ checkId: string; challenge: Uint8Array; expiresIn: number }> {
      const checkId = randomBytes(24).toString('base64url');
      const challenge = randomBytes(CHALLENGE_BYTES);
      const stored: StoredCheck = { accountId: account.id, challenge: challenge.toString('base64'), ...by };
      await protocolState.upsert(CHECK_MODEL, checkId, stored as unknown as AdapterPayload, CHECK_SECONDS);
      return { checkId, challenge, expiresIn: CHECK_SECONDS };
    },

    async submitChip(account: Account, checkId: string, reading: ChipReading, ip?: string): Promise<ChipStepOutcome> {
      const check = await take<StoredCheck>(CHECK_MODEL, checkId, account.id);
      if (!check) return { ok: false, reason: 'check_unknown' };
      const verdict = await verifyChip(account, reading, Buffer.from(check.challenge, 'base64'));
      const actor: Record<string, string> = check.staffId ? { staffId: check.staffId } : {};
      if (!verdict.ok) {
        await audit.record({ type: 'identity.chip_refused', accountId: account.id, ip, details: { channel: check.channel, reason: verdict.reason, detail: verdict.detail.slice(0, 200), ...actor } });
        return { ok: false, reason: verdict.reason };
      }
      const { chip } = verdict;
      const verified: StoredVerifiedChip = {
        accountId: account.id,
        facialRecord: Buffer.from(chip.facialRecord).toString('base64'),
        documentSigner: `${chip.documentSigner.subject} #${chip.documentSigner.serialNumber}`,
        cardNumber: chip.cardNumber,
        channel: check.channel,
        ...actor,
      };
      await protocolState.upsert(VERIFIED_MODEL, checkId, verified as unknown as AdapterPayload, FACE_SECONDS);
      await audit.record({
        type: 'identity.chip_verified',
        accountId: account.id,
        ip,
        details: { channel: check.channel, documentSigner: verified.documentSigner, activeAuthentication: chip.activeAuthentication, cardExpiresOn: chip.cardExpiresOn, ...actor },
      });
      return { ok: true, cardExpiresOn: chip.cardExpiresOn, fullName: chip.fullName };
    },

    async submitFace(account: Account, checkId: string, selfie: Uint8Array, ip?: string): Promise<FaceStepOutcome> {
      const pending = (await protocolState.find(VERIFIED_MODEL, checkId)) as unknown as StoredVerifiedChip | undefined;
      if (pending?.accountId !== account.id) return { ok: false, reason: 'check_unknown' };
      // Compared before the verified chip is spent: a face service outage costs the citizen nothing.
      const comparison = await faceMatcher.compare(Buffer.from(pending.facialRecord, 'base64'), selfie);
      const verified = await take<StoredVerifiedChip>(VERIFIED_MODEL, checkId, account.id);
      if (!verified) return { ok: false, reason: 'check_unknown' };
      const actor: Record<string, string> = verified.staffId ? { staffId: verified.staffId } : {};
      if (!comparison.match) {
        await audit.record({ type: 'identity.face_mismatch', accountId: account.id, ip, details: { channel: verified.channel, service: comparison.service, score: comparison.score, ...actor } });
        return { ok: false, reason: 'face_mismatch', faceService: comparison.service };
      }
      await accounts.update(account.id, { identityLevel: 2 });
      await audit.record({
        type: 'account.level_raised',
        accountId: account.id,
        ip,
        details: { from: account.identityLevel, to: 2, evidence: 'chip+face', channel: verified.channel, documentSigner: verified.documentSigner, faceService: comparison.service, faceScore: comparison.score, ...actor },
      });
      return { ok: true, identityLevel: 2, secondFactors: await secondFactorsOf(account.id), faceService: comparison.service };
    },

    /**
     * At the desk, the officer checked the card and the face in person; the chip, when the desk reader could
     * read it, was verified through `submitChip` on a desk check of this officer.
     */
    async raiseAtDesk(account: Account, staffId: string, { chipCheckId, note }: { chipCheckId?: string; note?: string }, ip?: string): Promise<{ ok: true } | { ok: false; reason: 'chip_check_invalid' }> {
      let chip: StoredVerifiedChip | undefined;
      if (chipCheckId) {
        chip = await take<StoredVerifiedChip>(VERIFIED_MODEL, chipCheckId, account.id);
        if (!chip || chip.channel !== 'desk' || chip.staffId !== staffId) return { ok: false, reason: 'chip_check_invalid' };
      }
      await accounts.update(account.id, { identityLevel: 2 });
      await audit.record({
        type: 'account.level_raised',
        accountId: account.id,
        ip,
        details: {
          from: account.identityLevel,
          to: 2,
          evidence: chip ? 'chip+in_person' : 'in_person',
          channel: 'desk',
          staffId,
          ...(chip ? { documentSigner: chip.documentSigner } : {}),
          ...(note ? { note: note.slice(0, 500) } : {}),
        },
      });
      return { ok: true };
    },

    /** A supervisor reverses a level-2 upgrade (wrong person, fraud found later), with the reason. */
    async lowerAtDesk(account: Account, staffId: string, reason: string, ip?: string): Promise<void> {
      await accounts.update(account.id, { identityLevel: 1 });
      await audit.record({ type: 'account.level_lowered', accountId: account.id, ip, details: { from: account.identityLevel, to: 1, channel: 'desk', staffId, reason: reason.slice(0, 500) } });
    },
  };
}

export type IdentityUpgrade = ReturnType<typeof createIdentityUpgrade>;
