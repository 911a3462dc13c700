/**
 * The level a relying party gets, or a refusal — never a token at the wrong level (authenticators issue,
 * point 3). What a request requires is the highest of:
 *   - the client's registered minimum level (applies even when the request asks for nothing);
 *   - `acr_values` (OIDC Core §3.1.2.1) and an `acr` claim request, essential or not (§5.5.1.1): any of the
 *     listed values is acceptable, so the lowest level among them is what is required.
 * A session at or above the required level satisfies it ("at least" semantics: a level-2 session serves a
 * request for level 1). Unknown acr values are ignored, as §3.1.2.1 lets an OP do.
 */
import type { IdentityLevel } from '../accounts/account.ts';
import type { AcrValues } from './levels.ts';

export function levelOfAcr(acr: unknown, acrValues: AcrValues): IdentityLevel | undefined {
  if (acr === acrValues.level2) return 2;
  if (acr === acrValues.level1) return 1;
  return undefined;
}

interface AcrClaimRequest {
  essential?: boolean;
  value?: unknown;
  values?: unknown;
}

function requestedAcrs(acrValuesParam: unknown, claims: unknown): unknown[] {
  const requested: unknown[] = typeof acrValuesParam === 'string' ? acrValuesParam.split(' ').filter(Boolean) : [];
  let parsed: unknown = claims;
  if (typeof claims === 'string') {
    try {
      parsed = JSON.parse(claims);
    } catch {
      parsed = undefined; // oidc-provider has already refused a malformed claims parameter
    }
  }
  for (const target of ['id_token', 'userinfo'] as const) {
    const acr = (parsed as Record<string, Record<string, AcrClaimRequest | null> | undefined> | undefined)?.[target]?.acr;
    if (!acr) continue;
    if (acr.value !== undefined) requested.push(acr.value);
    if (Array.isArray(acr.values)) requested.push(...acr.values);
  }
  return requested;
}

export function requiredLevel(request: { acrValues?: unknown; claims?: unknown; clientMinimum: IdentityLevel }, acrValues: AcrValues): IdentityLevel {
  const levels = requestedAcrs(request.acrValues, request.claims)
    .map((acr) => levelOfAcr(acr, acrValues))
    .filter((level): level is IdentityLevel => level !== undefined);
  const asked = levels.length ? (Math.min(...levels) as IdentityLevel) : 1;
  return Math.max(request.clientMinimum, asked) as IdentityLevel;
}
