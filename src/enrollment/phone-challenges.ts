/**
 * What enrollment and password recovery share once a code is on its way: checking it, resending it (with the
 * text of the flow that asked for it), and whether the phone is verified. The rules themselves (≤ 5 minutes,
 * ≤ 5 wrong codes, throttled resends that keep the failure count) live in authentication/one-time-codes.ts.
 */
import type { Logger } from 'pino';

import type { AccountStore } from '../accounts/account.ts';
import type { CredentialStore } from '../accounts/credentials.ts';
import type { PasswordHasher } from '../accounts/password-hasher.ts';
import type { PasswordPolicy } from '../accounts/password-policy.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { PopulationRegistry } from '../registry/population-registry.ts';

import type { AttemptOutcome, Challenge, OneTimeCodes, ResendOutcome } from '../authentication/one-time-codes.ts';
import { catalogue, format, type Locale } from '../i18n/messages.ts';
import type { SmsSender } from '../sms/sms-sender.ts';

/** What both phone-verified flows are built from (see enrollment.ts and recovery.ts). */
export interface PhoneFlowServices {
  registry: PopulationRegistry;
  accounts: AccountStore;
  credentials: CredentialStore;
  hasher: PasswordHasher;
  checkPassword: PasswordPolicy;
  codes: OneTimeCodes;
  phoneChallenges: PhoneChallenges;
  audit: AuditLog;
}

export function createPhoneChallenges({ codes, sms, logger }: { codes: OneTimeCodes; sms: SmsSender; logger: Logger }) {
  /** Fire and forget: the answer to the citizen never waits for (or reveals) a message being sent. */
  function sendLater(to: string, text: string) {
    sms.send({ to, text }).catch((error: unknown) => logger.error({ err: error }, 'SMS could not be sent'));
  }

  function codeText(purpose: Challenge['purpose'], locale: Locale, code: string) {
    const messages = catalogue[locale];
    const texts = { enrollment: messages.enroll.smsCode, recovery: messages.recover.smsCode, login: messages.assurance.smsCode };
    return format(texts[purpose], { code });
  }

  return {
    sendLater,
    codeText,

    verifyCode(challengeId: string, code: string): Promise<{ outcome: AttemptOutcome; attemptsLeft: number }> {
      return codes.verify(challengeId, code);
    },

    async resend(challengeId: string): Promise<ResendOutcome> {
      const challenge = await codes.get(challengeId);
      if (!challenge) return 'missing';
      const decoy = challenge.data.decoy === '1';
      const { outcome, code } = await codes.resend(challengeId, { decoy });
      if (code) sendLater(challenge.data.phoneNumber!, codeText(challenge.purpose, (challenge.data.locale ?? 'vi') as Locale, code));
      return outcome;
    },

    /** The challenge, if it exists and belongs to this flow. */
    async find(challengeId: string, purpose: Challenge['purpose']): Promise<Challenge | undefined> {
      const challenge = await codes.get(challengeId);
      return challenge?.purpose === purpose ? challenge : undefined;
    },
  };
}

export type PhoneChallenges = ReturnType<typeof createPhoneChallenges>;
