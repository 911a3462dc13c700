/**
 * Time-based one-time passwords (RFC 6238) with otplib: 6 digits, 30-second steps, one step of clock drift
 * either way. A step is accepted at most once per credential (RFC 6238 §5.2): the store records accepted
 * steps atomically, so a code seen over someone's shoulder, or replayed by a proxy, is refused.
 */
import { generateSecret, generateURI, verify } from 'otplib';

import type { CredentialStore, TotpCredential } from '../accounts/credentials.ts';

export type TotpOutcome = 'accepted' | 'wrong' | 'replayed';

export function createTotp({ credentials, issuerName, now = Date.now }: { credentials: Pick<CredentialStore, 'acceptTotpStep'>; issuerName: string; now?: () => number }) {
  return {
    newSecret: (): string => generateSecret(),
    /** The otpauth:// URI an authenticator app reads from a QR code. */
    uri: (secret: string, label: string): string => generateURI({ issuer: issuerName, label, secret }),

    async verify(credential: TotpCredential, token: string): Promise<TotpOutcome> {
      const code = token.replace(/\s+/g, '');
      if (!/^\d{6}$/.test(code)) return 'wrong';
      const result = await verify({ secret: credential.seed, token: code, epoch: Math.floor(now() / 1000), epochTolerance: 30 });
      if (!result.valid || !('timeStep' in result)) return 'wrong';
      return (await credentials.acceptTotpStep(credential.id, result.timeStep)) ? 'accepted' : 'replayed';
    },
  };
}

export type Totp = ReturnType<typeof createTotp>;
