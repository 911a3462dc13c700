/**
 * How DinhDanh proves who it is to the population registry: a short-lived JWT signed with its ES256 key,
 * shaped like an RFC 7523 §2.2 client assertion (iss = sub = caller id, aud = the registry, jti once),
 * sent as `Authorization: Bearer <assertion>` on every call. A fresh one per request: nothing to steal that
 * lives longer than a minute.
 */
import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';

export const CLIENT_ASSERTION_LIFETIME_SECONDS = 60;

export async function createClientAssertionSigner(privateJwk: JWK, callerId: string, audience: string) {
  const key = await importJWK(privateJwk, 'ES256');
  return () =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', ...(privateJwk.kid ? { kid: privateJwk.kid } : {}) })
      .setIssuer(callerId)
      .setSubject(callerId)
      .setAudience(audience)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${CLIENT_ASSERTION_LIFETIME_SECONDS}s`)
      .sign(key);
}
