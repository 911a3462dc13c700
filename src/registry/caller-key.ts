/**
 * DinhDanh's key for calling the registry (REGISTRY_CALLER_KEY_FILE): a private ES256 JWK. Outside production
 * a missing file is generated (mode 0600), so `npm run registry` and `npm start` find the same key; in
 * production the key is issued with the registry operator and must exist.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

export class CallerKeyError extends Error {
  override name = 'CallerKeyError';
}

export async function loadCallerKey(file: string, { generateMissing }: { generateMissing: boolean }): Promise<{ jwk: JWK; generated: boolean }> {
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new CallerKeyError(`REGISTRY_CALLER_KEY_FILE ${file} cannot be read: ${(error as Error).message}`);
  }
  if (text === undefined) {
    if (!generateMissing) throw new CallerKeyError(`REGISTRY_CALLER_KEY_FILE ${file} does not exist: install the private ES256 JWK agreed with the registry operator.`);
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), alg: 'ES256', use: 'sig', kid: randomUUID() };
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    return { jwk, generated: true };
  }
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch {
    throw new CallerKeyError(`REGISTRY_CALLER_KEY_FILE ${file} is not JSON: it must hold a private ES256 JWK.`);
  }
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d) throw new CallerKeyError(`REGISTRY_CALLER_KEY_FILE ${file} must hold a private ES256 JWK (kty EC, crv P-256, with d).`);
  return { jwk, generated: false };
}

/** The public part, for the registry's list of trusted callers. */
export function publicPart({ d: _private, ...publicJwk }: JWK): JWK {
  return publicJwk;
}
