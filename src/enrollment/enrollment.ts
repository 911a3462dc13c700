/**
 * Level-1 enrollment (registry issue, points 3–5): data typed by the citizen → registry match → one-time
 * code by SMS to the typed number → password → level-1 account.
 *
 * No enumeration: an unknown number, data that does not match and an identity that already has an account
 * all get the same answer (a code page), the same status and the same work (registry call, account lookup,
 * a challenge — a decoy where no code should exist). Messages are sent without waiting for the gateway, so
 * sending or not sending changes no timing. The truth reaches only the phone of the account's owner.
 */
import { randomUUID } from 'node:crypto';

import type { Account } from '../accounts/account.ts';
import type { PasswordProblem } from '../accounts/password-policy.ts';
import { catalogue, format, type Locale } from '../i18n/messages.ts';
import { DuplicateKeyError } from '../stores/errors.ts';
import type { PhoneFlowServices } from './phone-challenges.ts';

export interface EnrollmentRequest {
  personalId: string;
  fullName: string;
  birthDate: string;
  /** E.164. */
  phoneNumber: string;
  locale: Locale;
  ip?: string;
}

export type CompletionResult =
  | { outcome: 'created'; account: Account }
  | { outcome: 'weak_password'; problem: PasswordProblem }
  | { outcome: 'already_enrolled' }
  | { outcome: 'not_verified' };

interface EnrollmentDependencies extends PhoneFlowServices {
  /** Where "reset your password" points in messages. */
  passwordResetUrl: string;
}

export function createEnrollment({ registry, accounts, credentials, hasher, checkPassword, codes, phoneChallenges, audit, passwordResetUrl }: EnrollmentDependencies) {
  const { sendLater } = phoneChallenges;
  return {
    /**
     * @returns the challenge id to continue with (real or decoy: the caller cannot tell, by design).
     * @throws RegistryUnavailableError before anything is stored.
     */
    async begin(request: EnrollmentRequest): Promise<string> {
      const messages = catalogue[request.locale].enroll;
      const matches = await registry.match({ personalId: request.personalId, fullName: request.fullName, birthDate: request.birthDate });
      const existing = await accounts.findByPersonalId(request.personalId);
      const data = { personalId: request.personalId, phoneNumber: request.phoneNumber, birthDate: request.birthDate, locale: request.locale };

      if (matches && !existing) {
        const { id, code } = await codes.start('enrollment', data);
        sendLater(request.phoneNumber, phoneChallenges.codeText('enrollment', request.locale, code!));
        await audit.record({ type: 'enrollment.started', ip: request.ip, details: { outcome: 'code_sent' } });
        return id;
      }

      const { id } = await codes.start('enrollment', { ...data, decoy: '1' }, { decoy: true });
      if (matches && existing) {
        // The owner learns the truth on the phone the account is registered with, the typist learns nothing.
        const ownPhone = existing.phoneNumber === request.phoneNumber;
        sendLater(existing.phoneNumber, ownPhone ? format(messages.smsAlreadyEnrolled, { url: passwordResetUrl }) : messages.smsSomeoneTried);
      }
      await audit.record({
        type: 'enrollment.started',
        accountId: existing?.id,
        ip: request.ip,
        details: { outcome: matches ? 'already_enrolled' : 'no_match' },
      });
      return id;
    },

    /**
     * Creates the account with its password. Nothing is created unless the phone was verified; the flow is
     * taken atomically (a double submit creates one account); a concurrent enrollment for the same number
     * loses cleanly to the unique index and leaves nothing behind.
     */
    async complete(challengeId: string, password: string, ip?: string): Promise<CompletionResult> {
      const pending = await codes.get(challengeId);
      if (!pending?.verified || pending.purpose !== 'enrollment') return { outcome: 'not_verified' };
      const problem = checkPassword(password, { personalId: pending.data.personalId!, phoneNumber: pending.data.phoneNumber!, birthDate: pending.data.birthDate! });
      if (problem) return { outcome: 'weak_password', problem };
      const hash = await hasher.hash(password);

      const challenge = await codes.takeVerified(challengeId);
      if (!challenge) return { outcome: 'not_verified' };
      const accountId = randomUUID();
      const credentialId = randomUUID();
      // The credential first: if the account then loses a race, deleting the orphan credential is all the
      // cleanup there is, and no account ever exists without its password.
      await credentials.create({ id: credentialId, accountId, type: 'password', hash });
      try {
        const account = await accounts.create({
          id: accountId,
          personalId: challenge.data.personalId!,
          identityLevel: 1,
          status: 'active',
          phoneNumber: challenge.data.phoneNumber!,
        });
        await audit.record({ type: 'account.created', accountId, ip, details: { identityLevel: 1, via: 'phone_enrollment' } });
        return { outcome: 'created', account };
      } catch (error) {
        await credentials.delete(credentialId);
        if (error instanceof DuplicateKeyError) return { outcome: 'already_enrolled' };
        throw error;
      }
    },
  };
}

export type Enrollment = ReturnType<typeof createEnrollment>;
