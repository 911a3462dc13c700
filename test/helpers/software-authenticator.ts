/**
 * A software WebAuthn authenticator for HTTP-level tests (the browser tests use Chrome's virtual one): a test
 * double of a phone's platform authenticator. It answers creation and request options with exactly the JSON
 * @simplewebauthn/browser's startRegistration() / startAuthentication() return, signed with real P-256 keys,
 * so the server verifies them as it verifies a phone's. It reports its flags honestly: refusing a response
 * without user verification, from another origin or with a counter that went backwards is the server's job.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';

/** A credential the authenticator holds. Mutable on purpose: tests that tamper may edit or share these. */
export interface HeldCredential {
  /** Credential id, base64url. */
  id: string;
  rpId: string;
  /** base64url, as the relying party gave it (options.user.id); returned as userHandle. */
  userHandle: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The last signature counter used; the next assertion carries counter + 1 (signCount 'increment'). */
  counter: number;
}

export interface SoftwareAuthenticatorOptions {
  /** Set the UV flag (the user was verified, e.g. by fingerprint). Default true. */
  userVerification?: boolean;
  /** Set BE and BS: a synced ("multi-device") passkey. Default false. */
  backupEligible?: boolean;
  /** 'zero': always report signCount 0, as synced passkeys commonly do (§6.1.1). Default 'increment'. */
  signCount?: 'increment' | 'zero';
}

// Authenticator data flags, WebAuthn L3 §6.1.
const UP = 0x01;
const UV = 0x04;
const BE = 0x08;
const BS = 0x10;
const AT = 0x40;
const ES256 = -7;

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const uint32 = (value: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
};

export class SoftwareAuthenticator {
  /** The credentials held, oldest first. */
  readonly credentials: HeldCredential[] = [];
  readonly #userVerification: boolean;
  readonly #backupEligible: boolean;
  readonly #signCount: 'increment' | 'zero';

  constructor({ userVerification = true, backupEligible = false, signCount = 'increment' }: SoftwareAuthenticatorOptions = {}) {
    this.#userVerification = userVerification;
    this.#backupEligible = backupEligible;
    this.#signCount = signCount;
  }

  /** UP is always set: the test stands in for the user's tap. */
  #flags(extra: number) {
    return UP | (this.#userVerification ? UV : 0) | (this.#backupEligible ? BE | BS : 0) | extra;
  }

  /** §5.8.1 CollectedClientData, as the browser serialises it. */
  #clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string) {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /**
   * navigator.credentials.create(): a new discoverable ES256 (P-256) credential for options.rp.id and
   * options.user.id, with "none" attestation (§8.7). `origin` goes into clientDataJSON unchecked.
   */
  async register(options: PublicKeyCredentialCreationOptionsJSON, origin: string): Promise<RegistrationResponseJSON> {
    if (options.pubKeyCredParams.length && !options.pubKeyCredParams.some((param) => param.alg === ES256)) {
      throw new DOMException('ES256 not among pubKeyCredParams', 'NotSupportedError');
    }
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const credentialId = randomBytes(32);
    const rpId = options.rp.id ?? new URL(origin).hostname;
    const jwk = publicKey.export({ format: 'jwk' });
    // COSE_Key (RFC 9053 §7.1, WebAuthn §6.5.1.1): kty EC2, alg ES256, crv P-256, x, y; integer keys need a Map.
    const coseKey = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, ES256],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    // §6.1 rpIdHash ‖ flags ‖ signCount (0: nothing signed yet), then §6.5.1 attested credential data:
    // AAGUID (zeros, as "none" attestation carries no model) ‖ credentialIdLength ‖ credentialId ‖ public key.
    const authData = Buffer.concat([sha256(rpId), Buffer.from([this.#flags(AT)]), uint32(0), Buffer.alloc(16), idLength, credentialId, coseKey]);
    // §6.5.4 attestation object; §8.7 "none": empty attStmt.
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, never>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, never>()],
        ['authData', authData],
      ]),
    );
    const id = b64url(credentialId);
    this.credentials.push({ id, rpId, userHandle: options.user.id, privateKey, publicKey, counter: 0 });
    return {
      id,
      rawId: id,
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: {
        clientDataJSON: b64url(this.#clientData('webauthn.create', options.challenge, origin)),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
        publicKeyAlgorithm: ES256,
        publicKey: b64url(publicKey.export({ format: 'der', type: 'spki' })),
        authenticatorData: b64url(authData),
      },
    };
  }

  /**
   * navigator.credentials.get(): signs with a held credential for options.rpId — one of allowCredentials when
   * given, else (usernameless) the first discoverable one; `credentialId` picks a particular one (the user's
   * choice in the account picker). Throws NotAllowedError when none fits, as the browser does.
   */
  async authenticate(options: PublicKeyCredentialRequestOptionsJSON, origin: string, credentialId?: string): Promise<AuthenticationResponseJSON> {
    const rpId = options.rpId ?? new URL(origin).hostname;
    const allowed = options.allowCredentials?.map((credential) => credential.id);
    const credential = this.credentials.find(
      (held) => held.rpId === rpId && (!credentialId || held.id === credentialId) && (!allowed?.length || allowed.includes(held.id)),
    );
    if (!credential) throw new DOMException(`no credential for ${rpId}`, 'NotAllowedError');
    if (this.#signCount === 'increment') credential.counter += 1;
    // §6.1 without attested credential data (AT clear) or extensions.
    const authData = Buffer.concat([sha256(rpId), Buffer.from([this.#flags(0)]), uint32(this.#signCount === 'increment' ? credential.counter : 0)]);
    const clientDataJSON = this.#clientData('webauthn.get', options.challenge, origin);
    // §6.3.3: the signature covers authenticatorData ‖ SHA-256(clientDataJSON); ES256 signatures are
    // DER-encoded (§6.5.5), which is node:crypto's default.
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: credential.userHandle,
      },
    };
  }

  /** Sets a credential's counter; the next assertion carries `counter + 1` (e.g. a cloned authenticator). */
  setCounter(credentialId: string, counter: number): void {
    const credential = this.credentials.find((held) => held.id === credentialId);
    if (!credential) throw new Error(`no credential ${credentialId}`);
    credential.counter = counter;
  }
}
