/**
 * Encryption of secrets at rest (TOTP seeds, recovery material): JWE compact serialisation (RFC 7516) with
 * direct AES-256-GCM and the key id in the protected header, so keys rotate: the first configured key
 * encrypts, every configured key decrypts, and `needsReencryption` tells a migration what to rewrite.
 */
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader } from 'jose';

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

/** `keys`: `<key id>:<32 bytes base64url>` entries, as in `secrets.keys`. */
export function createSecretBox(keys: readonly string[]) {
  const ring = new Map<string, Uint8Array>();
  for (const entry of keys) {
    const separator = entry.indexOf(':');
    const keyId = entry.slice(0, separator);
    const material = Buffer.from(entry.slice(separator + 1), 'base64url');
    if (separator < 1 || material.length !== 32) throw new SecretBoxError(`secrets key "${keyId}" must be 32 bytes`);
    ring.set(keyId, material);
  }
  const [currentKeyId] = ring.keys();
  if (!currentKeyId) throw new SecretBoxError('no secrets key configured');
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  return {
    currentKeyId,

    async seal(plaintext: string): Promise<string> {
      return new CompactEncrypt(encoder.encode(plaintext))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid: currentKeyId })
        .encrypt(ring.get(currentKeyId)!);
    },

    async open(sealed: string): Promise<string> {
      let keyId: string | undefined;
      try {
        keyId = decodeProtectedHeader(sealed).kid;
      } catch {
        throw new SecretBoxError('sealed secret is malformed');
      }
      const key = keyId ? ring.get(keyId) : undefined;
      if (!key) throw new SecretBoxError(`sealed with key "${keyId}", which is not configured in secrets.keys`);
      try {
        const { plaintext } = await compactDecrypt(sealed, key, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
        return decoder.decode(plaintext);
      } catch {
        throw new SecretBoxError('sealed secret failed authentication (tampered, or wrong key)');
      }
    },

    needsReencryption(sealed: string): boolean {
      return decodeProtectedHeader(sealed).kid !== currentKeyId;
    },
  };
}

export type SecretBox = ReturnType<typeof createSecretBox>;
