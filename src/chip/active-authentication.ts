/**
 * Active Authentication (ICAO Doc 9303 part 11 §6.1): DinhDanh sends the chip a fresh 8-byte challenge, the
 * chip signs it with a private key that never leaves it, and DinhDanh verifies the signature with the public
 * key from DG15 (which Passive Authentication has tied to the Document Signer). A copied chip has DG15 but
 * not the key, so it cannot answer a challenge it has not seen.
 *
 *   ECDSA chips: a plain (r ‖ s) signature (BSI TR-03111 §5.2.1), the hash named in DG14's
 *                ActiveAuthenticationInfo (part 11 §9.2.6; ECDSA chips must carry it).
 *   RSA chips:   ISO/IEC 9796-2 digital signature scheme 1 with partial message recovery: the chip's message
 *                representative is 6A ‖ M1 ‖ H(M1 ‖ challenge) ‖ trailer, trailer BC for SHA-1 or (hash id, CC).
 */
import { constants, createHash, createPublicKey, publicDecrypt, verify, type KeyObject } from 'node:crypto';

export const CHALLENGE_BYTES = 8;

const ECDSA_HASHES: Readonly<Record<string, string>> = {
  '1.2.840.10045.4.1': 'sha1',
  '1.2.840.10045.4.3.1': 'sha224',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

/** ISO/IEC 10118-3 hash-function identifiers used in the two-byte ISO 9796-2 trailer. */
const ISO9796_HASHES: Readonly<Record<number, { name: string; length: number }>> = {
  0x33: { name: 'sha1', length: 20 },
  0x34: { name: 'sha256', length: 32 },
  0x35: { name: 'sha512', length: 64 },
  0x36: { name: 'sha384', length: 48 },
  0x38: { name: 'sha224', length: 28 },
};

export type ActiveAuthenticationOutcome = { verified: true; keyType: 'rsa' | 'ecdsa' } | { verified: false; reason: 'bad_signature' | 'unsupported_key' };

const refused = (reason: 'bad_signature' | 'unsupported_key'): ActiveAuthenticationOutcome => ({ verified: false, reason });

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length ? BigInt(`0x${Buffer.from(bytes).toString('hex')}`) : 0n;
}

function toBytes(value: bigint, length: number): Buffer {
  return Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex');
}

/** ISO/IEC 9796-2 scheme 1 verification: the raw RSA public operation, then the representative's checks. */
function verifyIso9796(key: KeyObject, challenge: Uint8Array, signature: Uint8Array): boolean {
  const n = toBigInt(Buffer.from(key.export({ format: 'jwk' }).n!, 'base64url'));
  const length = Math.ceil(n.toString(16).length / 2);
  if (signature.length !== length || toBigInt(signature) >= n) return false;
  let m: bigint;
  try {
    m = toBigInt(publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, signature));
  } catch {
    return false;
  }
  // The signer may have sent min(s, n − s) (ISO/IEC 9796-2 §B.6): a representative always ends in nibble C.
  if ((m & 0xfn) !== 0xcn) m = n - m;
  const representative = toBytes(m, length);
  if (representative[0] !== 0x6a) return false;
  const last = representative[length - 1];
  const hash = last === 0xbc ? ISO9796_HASHES[0x33] : last === 0xcc ? ISO9796_HASHES[representative[length - 2]!] : undefined;
  if (!hash) return false;
  const trailer = last === 0xbc ? 1 : 2;
  const digest = representative.subarray(length - trailer - hash.length, length - trailer);
  const recovered = representative.subarray(1, length - trailer - hash.length);
  const expected = createHash(hash.name).update(recovered).update(challenge).digest();
  return expected.equals(digest);
}

/**
 * Verifies the chip's answer to `challenge`. `dg15PublicKeyInfo` is the DER SubjectPublicKeyInfo from DG15;
 * `dg14Algorithm` the signature algorithm OID from DG14 (ECDSA keys need it).
 */
export function verifyActiveAuthentication(dg15PublicKeyInfo: Uint8Array, dg14Algorithm: string | undefined, challenge: Uint8Array, signature: Uint8Array): ActiveAuthenticationOutcome {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(dg15PublicKeyInfo), format: 'der', type: 'spki' });
  } catch {
    return refused('unsupported_key');
  }
  if (key.asymmetricKeyType === 'rsa') return verifyIso9796(key, challenge, signature) ? { verified: true, keyType: 'rsa' } : refused('bad_signature');
  if (key.asymmetricKeyType === 'ec') {
    const hash = dg14Algorithm ? ECDSA_HASHES[dg14Algorithm] : undefined;
    if (!hash) return refused('unsupported_key');
    try {
      return verify(hash, challenge, { key, dsaEncoding: 'ieee-p1363' }, signature) ? { verified: true, keyType: 'ecdsa' } : refused('bad_signature');
    } catch {
      return refused('bad_signature');
    }
  }
  return refused('unsupported_key');
}
