/**
 * The simulator is not an open API: every /v1 call carries a client assertion (src/registry/client-assertion.ts)
 * signed by a caller it trusts. Checked: signature (ES256 only), iss = sub = a trusted caller, aud = this
 * registry, exp present and at most 5 minutes ahead, jti present and never seen before (replay refused).
 */
import { decodeJwt, importJWK, jwtVerify, type CryptoKey, type JWK, type KeyObject } from 'jose';

const MAX_LIFETIME_SECONDS = 300;

export class CallerRefusedError extends Error {
  override name = 'CallerRefusedError';
}

export async function createCallerAuthentication({ trustedCallers, audience, now = Date.now }: { trustedCallers: Record<string, JWK>; audience: string; now?: () => number }) {
  const keys = new Map<string, CryptoKey | KeyObject | Uint8Array>();
  for (const [callerId, jwk] of Object.entries(trustedCallers)) {
    const { d: _private, ...publicJwk } = jwk;
    keys.set(callerId, await importJWK(publicJwk, 'ES256'));
  }
  /** jti → expiry (ms): a jti is remembered until its assertion could no longer be accepted anyway. */
  const seen = new Map<string, number>();

  function prune() {
    const at = now();
    for (const [jti, expiresAt] of seen) if (expiresAt <= at) seen.delete(jti);
  }

  /** @returns the caller id. @throws CallerRefusedError */
  return async function authenticate(authorization: string | undefined): Promise<string> {
    const assertion = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(authorization ?? '')?.[1];
    if (!assertion) throw new CallerRefusedError('missing bearer client assertion');
    let issuer: unknown;
    try {
      issuer = decodeJwt(assertion).iss;
    } catch {
      throw new CallerRefusedError('malformed client assertion');
    }
    const key = typeof issuer === 'string' ? keys.get(issuer) : undefined;
    if (!key) throw new CallerRefusedError('unknown caller');
    const currentDate = new Date(now());
    const { payload } = await jwtVerify(assertion, key, { algorithms: ['ES256'], audience, issuer: issuer as string, subject: issuer as string, requiredClaims: ['exp', 'jti'], currentDate }).catch(
      (error: Error) => {
        throw new CallerRefusedError(`client assertion refused: ${error.message}`);
      },
    );
    if (payload.exp! - currentDate.getTime() / 1000 > MAX_LIFETIME_SECONDS) throw new CallerRefusedError('client assertion lives too long');
    prune();
    if (seen.has(payload.jti!)) throw new CallerRefusedError('client assertion replayed');
    seen.set(payload.jti!, payload.exp! * 1000);
    return issuer as string;
  };
}
