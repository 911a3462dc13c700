/**
 * Passkeys (WebAuthn Level 3) with @simplewebauthn/server: registration and sign-in, user verification
 * always required, discoverable credentials so a citizen can sign in without typing their ID number.
 *
 * Each ceremony's challenge is stored server-side (protocol state: Redis when configured), bound to what it
 * was issued for (an interaction, or an account adding a passkey), and taken exactly once: a captured
 * response cannot be replayed, and a challenge of one interaction cannot finish another.
 *
 * A passkey with user verification is two factors on its own (something held + a PIN or biometric the
 * authenticator checked), so it reaches level 2 for a level-2 account (src/assurance/levels.ts). RFC 8176
 * `amr`: `hwk` for a credential bound to one authenticator, `swk` for a synced (backup-eligible) one, and
 * `user` for the verified user (WebAuthn does not say whether by PIN or biometric).
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import type { AdapterPayload } from 'oidc-provider';
import { z } from 'zod';

import type { Account } from '../accounts/account.ts';
import { passkeyStoreId, type CredentialStore, type PasskeyCredential } from '../accounts/credentials.ts';
import type { AuthenticationMethod } from '../assurance/levels.ts';
import { takeOnce, type ProtocolStateStore } from '../oidc/protocol-state.ts';

const CHALLENGE_MODEL = 'WebAuthnChallenge';
/** How long a ceremony may take (WebAuthn L3 §5.4.6 `timeout`): enough to find the phone and unlock it. */
const CEREMONY_SECONDS = 300;
/** ES256, EdDSA, RS256 (COSE): what platform authenticators and security keys offer. */
const ALGORITHMS = [-7, -8, -257];
/** A citizen keeps a handful of passkeys (phone, tablet, security key); more is a sign of abuse. */
export const MAX_PASSKEYS_PER_ACCOUNT = 10;

/** What @simplewebauthn/browser's startRegistration() returns (the library checks the contents). */
const registrationResponseSchema = z.object({
  id: z.string().min(1).max(1400),
  rawId: z.string().min(1).max(1400),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: z.string().max(4096),
    attestationObject: z.string().max(16_384),
    transports: z.array(z.string().max(32)).max(10).optional(),
    authenticatorData: z.string().max(16_384).optional(),
    publicKey: z.string().max(4096).optional(),
    publicKeyAlgorithm: z.number().optional(),
  }),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
});

/** What @simplewebauthn/browser's startAuthentication() returns (the library checks the contents). */
const authenticationResponseSchema = z.object({
  id: z.string().min(1).max(1400),
  rawId: z.string().min(1).max(1400),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: z.string().max(4096),
    authenticatorData: z.string().max(4096),
    signature: z.string().max(2048),
    userHandle: z.string().max(128).optional(),
  }),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
});

/** The JSON a page's passkey.js submitted in a form field, shaped as the library expects, or undefined. */
function parseCeremonyResponse<T extends z.ZodType>(schema: T, text: string): z.infer<T> | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export const parseRegistrationResponse = (text: string): RegistrationResponseJSON | undefined => parseCeremonyResponse(registrationResponseSchema, text) as RegistrationResponseJSON | undefined;
export const parseAuthenticationResponse = (text: string): AuthenticationResponseJSON | undefined => parseCeremonyResponse(authenticationResponseSchema, text) as AuthenticationResponseJSON | undefined;

type ChallengeBinding = { purpose: 'register'; accountId: string } | { purpose: 'authenticate'; uid: string; accountId?: string };

export type PasskeyRegistration = { ok: true; credential: PasskeyCredential } | { ok: false; reason: 'invalid' | 'already_registered' | 'too_many' };
export type PasskeySignIn = { ok: true; credential: PasskeyCredential; methods: AuthenticationMethod[] } | { ok: false; reason: 'unknown_credential' | 'invalid' | 'wrong_account' };

export function createPasskeys({
  credentials,
  protocolState,
  issuer,
  rpName,
  now = Date.now,
}: {
  credentials: Pick<CredentialStore, 'findById' | 'listForAccount' | 'create' | 'update'>;
  protocolState: ProtocolStateStore;
  issuer: string;
  rpName: string;
  now?: () => number;
}) {
  // The RP ID is the issuer's host (§5.1.2); an IP address is not a valid RP ID, so develop on `localhost`.
  const rpID = new URL(issuer).hostname;
  const origin = new URL(issuer).origin;

  async function issueChallenge(challenge: string, binding: ChallengeBinding) {
    await protocolState.upsert(CHALLENGE_MODEL, challenge, binding as unknown as AdapterPayload, CEREMONY_SECONDS);
  }

  /** The challenge's binding, once: a second call with the same challenge gets undefined. */
  const takeChallenge = (challenge: string) => takeOnce<ChallengeBinding>(protocolState, CHALLENGE_MODEL, challenge);

  async function passkeysOf(accountId: string): Promise<PasskeyCredential[]> {
    return (await credentials.listForAccount(accountId, 'passkey')) as PasskeyCredential[];
  }

  return {
    rpID,
    origin,
    passkeysOf,

    /** Options for navigator.credentials.create() for an account adding a passkey. */
    async registrationOptions(account: Account): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const existing = await passkeysOf(account.id);
      const options = await generateRegistrationOptions({
        rpName,
        rpID,
        userName: account.personalId,
        // The user handle is the account id, never the ID number: it is stored on the authenticator (§14.6.1).
        userID: new TextEncoder().encode(account.id),
        userDisplayName: account.personalId,
        attestationType: 'none',
        // The same authenticator twice would add nothing but confusion.
        excludeCredentials: existing.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        supportedAlgorithmIDs: ALGORITHMS,
        timeout: CEREMONY_SECONDS * 1000,
      });
      await issueChallenge(options.challenge, { purpose: 'register', accountId: account.id });
      return options;
    },

    async register(account: Account, response: RegistrationResponseJSON, name: string): Promise<PasskeyRegistration> {
      if ((await passkeysOf(account.id)).length >= MAX_PASSKEYS_PER_ACCOUNT) return { ok: false, reason: 'too_many' };
      let verification;
      try {
        verification = await verifyRegistrationResponse({
          response,
          expectedChallenge: async (challenge) => {
            const binding = await takeChallenge(challenge);
            return binding?.purpose === 'register' && binding.accountId === account.id;
          },
          expectedOrigin: origin,
          expectedRPID: rpID,
          requireUserVerification: true,
          supportedAlgorithmIDs: ALGORITHMS,
        });
      } catch {
        return { ok: false, reason: 'invalid' };
      }
      if (!verification.verified) return { ok: false, reason: 'invalid' };
      const info = verification.registrationInfo;
      const id = passkeyStoreId(info.credential.id);
      if (await credentials.findById(id)) return { ok: false, reason: 'already_registered' };
      const credential = await credentials.create({
        id,
        accountId: account.id,
        type: 'passkey',
        credentialId: info.credential.id,
        publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
        counter: info.credential.counter,
        transports: info.credential.transports ?? [],
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        aaguid: info.aaguid,
        name,
      });
      return { ok: true, credential: credential as PasskeyCredential };
    },

    /**
     * Options for navigator.credentials.get() within interaction `uid`. Without an account: usernameless (the
     * authenticator offers its discoverable credentials). With one (step-up): only that account's passkeys.
     */
    async authenticationOptions(uid: string, accountId?: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const allowCredentials = accountId ? (await passkeysOf(accountId)).map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })) : undefined;
      const options = await generateAuthenticationOptions({ rpID, userVerification: 'required', allowCredentials, timeout: CEREMONY_SECONDS * 1000 });
      await issueChallenge(options.challenge, { purpose: 'authenticate', uid, ...(accountId ? { accountId } : {}) });
      return options;
    },

    async authenticate(uid: string, response: AuthenticationResponseJSON): Promise<PasskeySignIn> {
      const stored = await credentials.findById(passkeyStoreId(response.id));
      if (stored?.type !== 'passkey') return { ok: false, reason: 'unknown_credential' };
      // §7.2 step 6: the user handle, when the authenticator returns one, must be the credential's account.
      const userHandle = response.response.userHandle;
      if (userHandle && isoBase64URL.toUTF8String(userHandle) !== stored.accountId) return { ok: false, reason: 'invalid' };
      let boundAccount: string | undefined;
      let verification;
      try {
        verification = await verifyAuthenticationResponse({
          response,
          expectedChallenge: async (challenge) => {
            const binding = await takeChallenge(challenge);
            if (binding?.purpose !== 'authenticate' || binding.uid !== uid) return false;
            boundAccount = binding.accountId;
            return true;
          },
          expectedOrigin: origin,
          expectedRPID: rpID,
          credential: { id: stored.credentialId, publicKey: isoBase64URL.toBuffer(stored.publicKey), counter: stored.counter, transports: stored.transports as never },
          requireUserVerification: true,
        });
      } catch {
        // A bad signature, origin or RP ID, a missing UV flag, a counter that went backwards, a used challenge.
        return { ok: false, reason: 'invalid' };
      }
      if (!verification.verified) return { ok: false, reason: 'invalid' };
      if (boundAccount && boundAccount !== stored.accountId) return { ok: false, reason: 'wrong_account' };
      const info = verification.authenticationInfo;
      const credential = (await credentials.update(stored.id, { counter: info.newCounter, backedUp: info.credentialBackedUp, lastUsedAt: new Date(now()) })) as PasskeyCredential;
      return { ok: true, credential, methods: [credential.deviceType === 'multiDevice' ? 'swk' : 'hwk', 'user'] };
    },
  };
}

export type Passkeys = ReturnType<typeof createPasskeys>;
