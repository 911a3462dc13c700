/**
 * Password recovery for a citizen who still has the phone number of their account: identity data checked
 * against the registry (as at enrollment) → one-time code to the account's registered number (never to a
 * number typed now) → new password. Someone who lost that number goes to an enrollment desk.
 *
 * The same no-enumeration rule as enrollment: no account, a suspended account and data that does not match
 * all get the code page and the same work; no code is ever sent for them.
 * A new password proves possession of the phone only: a level-2 account still needs its second factor.
 */
import type { PasswordProblem } from '../accounts/password-policy.ts';
import type { LoginThrottle } from '../authentication/login-throttle.ts';
import type { Locale } from '../i18n/messages.ts';
import type { PhoneFlowServices } from './phone-challenges.ts';

export interface RecoveryRequest {
  personalId: string;
  fullName: string;
  birthDate: string;
  locale: Locale;
  ip?: string;
}

export type RecoveryResult = { outcome: 'password_changed'; accountId: string } | { outcome: 'weak_password'; problem: PasswordProblem } | { outcome: 'not_verified' };

interface RecoveryDependencies extends PhoneFlowServices {
  throttle: LoginThrottle;
}

export function createPasswordRecovery({ registry, accounts, credentials, hasher, checkPassword, codes, phoneChallenges, throttle, audit }: RecoveryDependencies) {
  return {
    /**
     * @returns the challenge id (real or decoy: the caller cannot tell).
     * @throws RegistryUnavailableError before anything is stored.
     */
    async begin(request: RecoveryRequest): Promise<string> {
      const matches = await registry.match({ personalId: request.personalId, fullName: request.fullName, birthDate: request.birthDate });
      const account = await accounts.findByPersonalId(request.personalId);
      const eligible = matches && account?.status === 'active';
      const data = { personalId: request.personalId, birthDate: request.birthDate, locale: request.locale };

      if (eligible) {
        const { id, code } = await codes.start('recovery', { ...data, accountId: account.id, phoneNumber: account.phoneNumber });
        phoneChallenges.sendLater(account.phoneNumber, phoneChallenges.codeText('recovery', request.locale, code!));
        await audit.record({ type: 'recovery.started', accountId: account.id, ip: request.ip, details: { outcome: 'code_sent' } });
        return id;
      }
      const { id } = await codes.start('recovery', { ...data, decoy: '1' }, { decoy: true });
      await audit.record({
        type: 'recovery.started',
        accountId: matches ? account?.id : undefined,
        ip: request.ip,
        details: { outcome: !matches ? 'no_match' : account ? 'account_not_active' : 'no_account' },
      });
      return id;
    },

    /** Sets the new password once the phone is verified; the flow is taken atomically (one change per code). */
    async complete(challengeId: string, password: string, ip?: string): Promise<RecoveryResult> {
      const pending = await codes.get(challengeId);
      if (!pending?.verified || pending.purpose !== 'recovery') return { outcome: 'not_verified' };
      const { personalId, phoneNumber, birthDate, accountId } = pending.data as Record<string, string>;
      const problem = checkPassword(password, { personalId: personalId!, phoneNumber: phoneNumber!, birthDate: birthDate! });
      if (problem) return { outcome: 'weak_password', problem };
      const hash = await hasher.hash(password);

      const challenge = await codes.takeVerified(challengeId);
      if (!challenge) return { outcome: 'not_verified' };
      const [current] = await credentials.listForAccount(accountId!, 'password');
      if (current) await credentials.update(current.id, { hash });
      else await credentials.create({ id: crypto.randomUUID(), accountId: accountId!, type: 'password', hash });
      await audit.record({ type: 'account.password_reset', accountId, ip, details: { via: 'registry_match_and_sms' } });
      // A new password proven by the registry and the account's phone also ends a lockout.
      await throttle.unlock(personalId!, accountId!, 'password_recovery', ip);
      return { outcome: 'password_changed', accountId: accountId! };
    },
  };
}

export type PasswordRecovery = ReturnType<typeof createPasswordRecovery>;
