/**
 * The relying party's own signing key for private_key_jwt (RFC 7523 §2.2, OIDC Core §9): it signs the client
 * assertions that authenticate the relying party at DinhDanh's token and PAR endpoints. The private key never
 * leaves the relying party; DinhDanh reads the public half from the relying party's `jwksUri`, so rotating
 * the key needs no change at DinhDanh (publish the new key, wait for caches, then sign with it).
 *
 * Development: generated at first start into a file readable by its owner only (git-ignored).
 * Production: provision the file yourself (or mount it from a secret store); nothing is generated.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

export interface ClientKey {
  /** The private key, as a non-extractable WebCrypto key: it signs, it is never exported again. */
  privateKey: CryptoKey;
  /** Names the key in the assertion header and in the JWKS (RFC 7515 §4.1.4). */
  kid: string;
  /** What `/jwks.json` publishes: the public half only. */
  publicJwk: JWK;
}

/** ES256: accepted for portals and, with PS256, the only algorithms for banks (FAPI 2.0 Security Profile §5.4.1). */
const ALGORITHM = 'ES256';

export async function loadOrCreateClientKey(file: string, { mayCreate }: { mayCreate: boolean }): Promise<{ key: ClientKey; created: boolean }> {
  let privateJwk: JWK;
  let created = false;
  try {
    privateJwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || !mayCreate) throw new Error(`client key ${file}: ${(error as Error).message}`);
    const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
    const jwk = await exportJWK(privateKey);
    privateJwk = { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: ALGORITHM, use: 'sig' };
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    created = true;
  }
  if (privateJwk.kty !== 'EC' || privateJwk.crv !== 'P-256' || !privateJwk.d) throw new Error(`client key ${file}: must be a private P-256 JWK (ES256)`);
  const kid = privateJwk.kid ?? (await calculateJwkThumbprint(privateJwk));
  return {
    key: {
      privateKey: (await importJWK({ ...privateJwk, ext: false }, ALGORITHM)) as CryptoKey,
      kid,
      publicJwk: { kty: 'EC', crv: 'P-256', x: privateJwk.x, y: privateJwk.y, kid, alg: ALGORITHM, use: 'sig' },
    },
    created,
  };
}
