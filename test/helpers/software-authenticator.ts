/**
 * A software WebAuthn authenticator for HTTP-level tests (the browser tests use Chrome's virtual one): it
 * answers creation and request options with the JSON @simplewebauthn/browser's startRegistration() /
 * startAuthentication() would return, signed with real P-256 keys, so the server verifies them exactly as it
 * verifies a phone's. It reports its flags honestly; refusing a response without user verification is the
 * server's job.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';

interface HeldCredential {
  id: string;
  rpId: string;
  /** base64url, as the relying party gave it (user.id). */
  userHandle: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  counter: number;
}

// Authenticator data flags, WebAuthn L3 §6.1.
const UP = 0x01;
const UV = 0x04;
const BE = 0x08;
const BS = 0x10;
const AT = 0x40;

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

export class SoftwareAuthenticator {
  readonly credentials: HeldCredential[] = [];
  readonly #userVerification: boolean;
  readonly #backupEligible: boolean;

  constructor({ userVerification = true, backupEligible = false }: { userVerification?: boolean; backupEligible?: boolean } = {}) {
    this.#userVerification = userVerification;
    this.#backupEligible = backupEligible;
  }

  #flags(extra: number) {
    return UP | (this.#userVerification ? UV : 0) | (this.#backupEligible ? BE | BS : 0) | extra;
  }

  #clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string, origin: string) {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** navigator.credentials.create(): a new discoverable ES256 credential, "none" attestation (§8.7). */
  async register(options: PublicKeyCredentialCreationOptionsJSON, origin: string): Promise<RegistrationResponseJSON> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const credentialId = randomBytes(32);
    const rpId = options.rp.id ?? new URL(origin).hostname;
    const jwk = publicKey.export({ format: 'jwk' });
    // COSE_Key (RFC 9053): kty EC2, alg ES256, crv P-256, x, y.
    const coseKey = isoCBOR.encode(new Map<number, number | Uint8Array>([[1, 2], [3, -7], [-1, 1], [-2, Buffer.from(jwk.x!, 'base64url')], [-3, Buffer.from(jwk.y!, 'base64url')]]));
    const length = Buffer.alloc(2);
    length.writeUInt16BE(credentialId.length);
    // §6.5.1 attested credential data: AAGUID (zeros: "none") ‖ length ‖ credential id ‖ public key.
    const authData = Buffer.concat([sha256(rpId), Buffer.from([this.#flags(AT)]), Buffer.alloc(4), Buffer.alloc(16), length, credentialId, Buffer.from(coseKey)]);
    const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]) as never);
    this.credentials.push({ id: b64url(credentialId), rpId, userHandle: options.user.id, privateKey, publicKey, counter: 0 });
    return {
      id: b64url(credentialId),
      rawId: b64url(credentialId),
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: {
        clientDataJSON: b64url(this.#clientData('webauthn.create', options.challenge, origin)),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
        publicKeyAlgorithm: -7,
        publicKey: b64url(publicKey.export({ format: 'der', type: 'spki' })),
        authenticatorData: b64url(authData),
      },
    };
  }

  /**
   * navigator.credentials.get(): signs with one of `allowCredentials`, or (usernameless) the first
   * discoverable credential for the RP ID, or the one named by `credentialId`.
   */
  async authenticate(options: PublicKeyCredentialRequestOptionsJSON, origin: string, credentialId?: string): Promise<AuthenticationResponseJSON> {
    const rpId = options.rpId ?? new URL(origin).hostname;
    const allowed = options.allowCredentials?.map((credential) => credential.id);
    const credential = this.credentials.find(
      (held) => held.rpId === rpId && (!credentialId || held.id === credentialId) && (!allowed?.length || allowed.includes(held.id)),
    );
    if (!credential) throw new Error('NotAllowedError: no credential for this relying party');
    credential.counter += 1;
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(credential.counter);
    const authData = Buffer.concat([sha256(rpId), Buffer.from([this.#flags(0)]), counter]);
    const clientDataJSON = this.#clientData('webauthn.get', options.challenge, origin);
    // §6.3.3: the signature covers authenticatorData ‖ SHA-256(clientDataJSON); ES256 signatures are DER.
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: { clientDataJSON: b64url(clientDataJSON), authenticatorData: b64url(authData), signature: b64url(signature), userHandle: credential.userHandle },
    };
  }

  /** Simulates a cloned authenticator: the next signature carries `counter + 1`. */
  setCounter(credentialId: string, counter: number): void {
    this.credentials.find((held) => held.id === credentialId)!.counter = counter;
  }
}
