/**
 * What an operator may register for a relying party, as one schema: every way a relying party is created or
 * changed (the CLI today, an admin API later) goes through `validateRelyingPartyMetadata`. Whatever it
 * accepts, oidc-provider accepts too (lib/helpers/client_schema.js), so a registration never breaks at the
 * first request. The secret and the disabled flag are not metadata: DinhDanh generates and switches them.
 */
import { createPublicKey } from 'node:crypto';
import { z } from 'zod';

import { claimsByScope } from '../oidc/find-account.ts';
import type { RelyingParty, SubjectType } from './relying-party.ts';

/**
 * The scopes a relying party may have: those discovery advertises (src/oidc/provider.ts `relyingPartyScopes`,
 * built from the same `claimsByScope`). The phone app's `eid_upgrade` is DinhDanh's own and not among them.
 */
export const supportedScopes: readonly string[] = [...new Set(['openid', 'offline_access', ...Object.keys(claimsByScope)])];

/** Only what production allows differs: the rest holds in every mode. */
export interface MetadataRules {
  production: boolean;
}

/** What the registry stores besides the client secret and the disabled flag, with every default applied. */
export type RelyingPartyMetadata = Omit<RelyingParty, 'clientSecret' | 'disabled' | 'subjectType'> & { subjectType: SubjectType };

/** The loopback host names oidc-provider recognises (lib/consts/client_attributes.js `LOOPBACKS`). */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Never a redirect target, whatever the application (RFC 8252 §8.4 and oidc-provider's own list). */
const FORBIDDEN_SCHEMES = new Set(['javascript', 'vbscript', 'data', 'blob', 'file', 'about']);
/** Private-use schemes are reverse domain names, e.g. `vn.gov.dichvucong.app` (RFC 8252 §7.1). */
const REVERSE_DOMAIN_SCHEME = /^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/;
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
/** Lowercase, so ids compare one way everywhere (URLs, logs, audit); never a URL, so no client-id metadata document. */
const CLIENT_ID = /^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/;
/**
 * DinhDanh's own clients (src/first-party/clients.ts) are registered by code at start-up if missing: an
 * operator registering one of their ids first would receive the citizens' account area sign-ins.
 */
export const RESERVED_CLIENT_ID_PREFIX = 'dinhdanh-';
/** Members that only a private or symmetric JWK carries (RFC 7518 §6.2.2, §6.3.2, §6.4). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
/** Client assertions are verified with the provider's `clientAuthSigningAlgValues` (src/oidc/provider.ts). */
const ALGORITHMS_BY_KEY_TYPE: Record<string, readonly string[]> = { EC: ['ES256'], RSA: ['PS256', 'RS256'] };
const MIN_RSA_BITS = 2048;

const required = (what: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`) });

const displayName = z
  .string(required('a string'))
  .transform((value) => value.normalize('NFC').trim())
  .pipe(
    z
      .string()
      .min(1, 'must not be empty')
      .max(100, 'must be at most 100 characters')
      .refine((value) => !/\p{Cc}/u.test(value), 'must not contain control characters'),
  );

/** Syntax every URI we store must have; where it may point depends on the application type (below). */
function uriSyntaxProblem(value: string): string | undefined {
  const url = URL.parse(value);
  if (!url) return 'is not an absolute URI';
  // Exact string matching only (RFC 9700 §2.1): a wildcard would be compared literally, so it is a mistake.
  if (value.includes('*')) return 'must not contain a wildcard: register every URI exactly (RFC 9700 §2.1)';
  if (value.includes('#')) return 'must not contain a fragment (RFC 6749 §3.1.2)';
  if (url.username || url.password) return 'must not contain a user name or password';
  return undefined;
}

const uri = z.string(required('a URI string')).superRefine((value, ctx) => {
  const problem = uriSyntaxProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `"${value}" ${problem}` });
});

/** Fetched by the provider or shown to citizens' browsers: https, whatever the mode. */
const httpsUri = uri.refine((value) => URL.parse(value)?.protocol === 'https:', 'must be an https URI');

const uriList = (maximum: number) =>
  z
    .array(uri, required('an array of URIs'))
    .max(maximum, `must list at most ${maximum} URIs`)
    .refine((values) => new Set(values).size === values.length, 'must not list a URI twice');

const isLoopback = (url: URL) => LOOPBACK_HOSTS.has(url.hostname);

/**
 * Where a redirect (or post-logout redirect) URI may point, by application type (RFC 8252 for native apps):
 * web apps use https (http outside production only, never a loopback address); native apps use a loopback
 * address over http (§7.3, any port at run time), a claimed https URL (§7.2) or a private-use scheme (§7.1).
 */
function redirectUriProblem(value: string, applicationType: 'web' | 'native', { production }: MetadataRules): string | undefined {
  const url = URL.parse(value);
  if (!url) return undefined; // already reported by its syntax check
  const scheme = url.protocol.slice(0, -1);
  if (scheme === 'http' || scheme === 'https') {
    if (applicationType === 'web') {
      if (isLoopback(url)) return 'is a loopback address, allowed only for native apps (RFC 8252 §7.3): a web app registers its public address';
      if (scheme === 'http' && production) return 'must use https in production (OIDC Core §3.1.2.1)';
      return undefined;
    }
    if (scheme === 'http' && !isLoopback(url)) return 'uses http: a native app uses http only with a loopback address, 127.0.0.1 or [::1] (RFC 8252 §7.3)';
    if (scheme === 'https' && isLoopback(url)) return 'is a loopback address over https: a native app uses http://127.0.0.1 (RFC 8252 §7.3) or a claimed https URL (§7.2)';
    return undefined;
  }
  if (FORBIDDEN_SCHEMES.has(scheme)) return `uses the "${scheme}:" scheme, which is never a redirect target`;
  if (applicationType !== 'native') return `uses the private-use scheme "${scheme}:", allowed only for native apps (RFC 8252 §7.1): a web app uses https`;
  if (!REVERSE_DOMAIN_SCHEME.test(scheme)) {
    return `uses the private-use scheme "${scheme}:", which must be a reverse domain name the app controls, such as "vn.gov.example.app:" (RFC 8252 §7.1)`;
  }
  return undefined;
}

/** URIs the provider itself calls (back-channel logout, JWKS): reachable on the network, never DinhDanh's own host. */
function serverCalledUriProblem(value: string, { production }: MetadataRules): string | undefined {
  const url = URL.parse(value);
  if (!url) return undefined;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URI';
  if (!production) return undefined;
  if (url.protocol !== 'https:') return 'must use https in production';
  // The provider would be calling itself or its neighbours on the loopback interface (server-side request forgery).
  if (isLoopback(url)) return 'must not be a loopback address in production';
  return undefined;
}

function jwkProblems(key: unknown): string[] {
  if (typeof key !== 'object' || key === null || Array.isArray(key)) return ['must be a JSON object (a JWK)'];
  const jwk = key as Record<string, unknown>;
  const privateMembers = PRIVATE_JWK_MEMBERS.filter((member) => member in jwk);
  if (privateMembers.length) {
    return [`contains private key material (${privateMembers.map((member) => `"${member}"`).join(', ')}): register the public key only, the private key never leaves the relying party`];
  }
  const algorithms = typeof jwk.kty === 'string' ? ALGORITHMS_BY_KEY_TYPE[jwk.kty] : undefined;
  if (!algorithms) return [`has kty ${JSON.stringify(jwk.kty)}: must be "EC" (ES256) or "RSA" (PS256, RS256)`];
  const problems: string[] = [];
  if (jwk.alg !== undefined && !algorithms.includes(jwk.alg as string)) problems.push(`has alg ${JSON.stringify(jwk.alg)}: a ${jwk.kty} key signs with ${algorithms.join(' or ')}`);
  if (jwk.use !== undefined && jwk.use !== 'sig') problems.push(`has use ${JSON.stringify(jwk.use)}: client authentication keys sign ("sig")`);
  if (jwk.kty === 'EC' && jwk.crv !== 'P-256') problems.push(`has crv ${JSON.stringify(jwk.crv)}: ES256 needs "P-256"`);
  if (problems.length) return problems;
  try {
    const details = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }).asymmetricKeyDetails;
    if (jwk.kty === 'RSA' && (details?.modulusLength ?? 0) < MIN_RSA_BITS) return [`is a ${details?.modulusLength}-bit RSA key: at least ${MIN_RSA_BITS} bits`];
  } catch {
    return ['is not a valid public key (check the coordinates or modulus and exponent)'];
  }
  return [];
}

const jwksSchema = z
  .strictObject({ keys: z.array(z.unknown(), required('an array of JWKs')).min(1, 'must contain at least one key').max(10, 'must contain at most 10 keys') }, required('a JWK Set: {"keys": [...]}'))
  .superRefine(({ keys }, ctx) => {
    keys.forEach((key, index) => {
      for (const message of jwkProblems(key)) ctx.addIssue({ code: 'custom', path: ['keys', index], message });
    });
    // With several keys the relying party's assertion names one by kid (RFC 7515 §4.1.4); ambiguity would fail it.
    const kids = keys.map((key) => (key as Record<string, unknown> | null)?.kid);
    if (keys.length > 1 && (kids.some((kid) => typeof kid !== 'string' || !kid) || new Set(kids).size !== kids.length)) {
      ctx.addIssue({ code: 'custom', path: ['keys'], message: 'with several keys, each needs its own "kid"' });
    }
  })
  .transform(({ keys }) => ({ keys: keys as Record<string, unknown>[] }));

/** The schema; `rules` only changes what production refuses. */
export function relyingPartyMetadataSchema(rules: MetadataRules) {
  return z
    .strictObject(
      {
        clientId: z
          .string(required('a string'))
          .regex(CLIENT_ID, 'must be 3 to 64 characters: lowercase letters, digits and "-", starting and ending with a letter or digit')
          .refine((value) => !value.startsWith(RESERVED_CLIENT_ID_PREFIX), `must not start with "${RESERVED_CLIENT_ID_PREFIX}", reserved for DinhDanh's own clients`),
        name: z.strictObject({ vi: displayName, en: displayName }, required('an object {"vi": …, "en": …}')),
        logoUri: httpsUri.optional(),
        profile: z.enum(['portal', 'bank'], required('"portal" or "bank"')),
        applicationType: z.enum(['web', 'native'], required('"web" or "native"')).default('web'),
        redirectUris: uriList(20).refine((values) => values.length > 0, 'must list at least one URI'),
        postLogoutRedirectUris: uriList(20).default([]),
        allowedScopes: z
          .array(z.enum(supportedScopes as [string, ...string[]], { error: (issue) => `${JSON.stringify(issue.input)} is not a scope DinhDanh serves (${supportedScopes.join(', ')})` }), required('an array of scopes'))
          .refine((scopes) => scopes.includes('openid'), 'must include "openid": DinhDanh serves OpenID Connect only (OIDC Core §3.1.2.1)')
          .refine((scopes) => new Set(scopes).size === scopes.length, 'must not list a scope twice'),
        minimumLevel: z.union([z.literal(1), z.literal(2)], required('1 or 2')),
        tokenEndpointAuthMethod: z.enum(['private_key_jwt', 'client_secret_basic', 'none'], required('"private_key_jwt", "client_secret_basic" or "none"')).default('private_key_jwt'),
        jwks: jwksSchema.optional(),
        jwksUri: httpsUri.optional(),
        backchannelLogoutUri: uri.optional(),
        subjectType: z.enum(['pairwise', 'public'], required('"pairwise" or "public"')).default('pairwise'),
        sectorIdentifier: z.string(required('a host name')).regex(HOST_NAME, 'must be a host name such as "dichvucong.gov.vn" (lowercase, no scheme, no port)').optional(),
        legalBasis: z.string(required('the statute, as text')).trim().min(5, 'must name the statute (at least 5 characters)').max(200).optional(),
        ciba: z.boolean(required('true or false')).optional(),
      },
      required('a JSON object'),
    )
    .superRefine((metadata, ctx) => {
      const problem = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

      for (const field of ['redirectUris', 'postLogoutRedirectUris'] as const) {
        metadata[field].forEach((value, index) => {
          const reason = redirectUriProblem(value, metadata.applicationType, rules);
          if (reason) problem([field, index], `"${value}" ${reason}`);
        });
      }
      for (const field of ['backchannelLogoutUri', 'jwksUri'] as const) {
        const value = metadata[field];
        const reason = value && serverCalledUriProblem(value, rules);
        if (reason) problem([field], `"${value}" ${reason}`);
      }

      const { profile, minimumLevel, applicationType, tokenEndpointAuthMethod: method } = metadata;
      if (profile === 'bank' && method !== 'private_key_jwt') {
        problem(['tokenEndpointAuthMethod'], 'must be "private_key_jwt" for a bank (FAPI 2.0 Security Profile: confidential clients authenticated with private_key_jwt or mTLS)');
      } else if (method === 'client_secret_basic' && minimumLevel !== 1) {
        problem(['tokenEndpointAuthMethod'], '"client_secret_basic" is allowed only for a level-1 portal: a service with minimumLevel 2 authenticates with "private_key_jwt" (a shared secret is a copy both sides hold)');
      }
      if (method === 'none' && applicationType !== 'native') {
        problem(['tokenEndpointAuthMethod'], '"none" is allowed only for native apps, which cannot keep a secret (RFC 8252 §8.5); a web app authenticates with "private_key_jwt"');
      }
      if (method === 'private_key_jwt') {
        if (metadata.jwks && metadata.jwksUri) problem(['jwksUri'], 'give either jwks or jwksUri, not both');
        if (!metadata.jwks && !metadata.jwksUri) problem(['jwks'], 'is required with "private_key_jwt": the public keys (or jwksUri, where the relying party publishes them)');
      } else {
        for (const field of ['jwks', 'jwksUri'] as const) {
          if (metadata[field]) problem([field], `is used only with "private_key_jwt", not "${method}"`);
        }
      }

      if (metadata.ciba && profile !== 'bank') problem(['ciba'], 'is offered to banks only (approval on the citizen\'s phone, FAPI 2.0)');
      if (metadata.ciba && metadata.subjectType !== 'public' && !metadata.jwksUri) {
        problem(['jwksUri'], 'is required for a pairwise bank using CIBA: its host is the sector of the citizen\'s sub (CIBA Core §4)');
      }
      if (metadata.legalBasis && profile !== 'portal') {
        problem(['legalBasis'], 'applies only to public-service portals: a bank always asks the citizen (the law gives banks no basis to skip consent)');
      }

      if (metadata.subjectType === 'public') {
        if (metadata.sectorIdentifier) problem(['sectorIdentifier'], 'applies only to subjectType "pairwise"');
      } else if (!metadata.sectorIdentifier) {
        const reason = sectorProblem(metadata.redirectUris);
        if (reason) problem(['sectorIdentifier'], reason);
      }
    })
    .transform((metadata): RelyingPartyMetadata => {
      // Optional fields given as undefined by a program (JSON has no undefined) are simply absent.
      const { sectorIdentifier, ...rest } = Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== undefined)) as typeof metadata;
      if (metadata.subjectType === 'public') return rest;
      // Stored, not recomputed: the pairwise sub of every citizen at this relying party depends on it.
      return { ...rest, sectorIdentifier: sectorIdentifier ?? new URL(metadata.redirectUris[0]!).hostname };
    });
}

/**
 * Without an explicit sector, a pairwise `sub` is computed for the host of the redirect URIs, which must then
 * be one host (OIDC Core §8.1). Loopback and private-use URIs name no host of the relying party's own: every
 * native app would share the sector "127.0.0.1", and so its citizens' identifiers.
 */
function sectorProblem(redirectUris: string[]): string | undefined {
  const parsed = redirectUris.map((value) => URL.parse(value));
  if (parsed.some((url) => !url)) return undefined; // the syntax problem comes first
  const urls = parsed as URL[];
  if (urls.some((url) => (url.protocol !== 'https:' && url.protocol !== 'http:') || isLoopback(url))) {
    return 'is required for a pairwise app with loopback or private-use redirect URIs: they name no host of its own (OIDC Core §8.1)';
  }
  const hosts = [...new Set(urls.map((url) => url.hostname))];
  if (hosts.length > 1) return `is required when the redirect URIs span several hosts (${hosts.join(', ')}): the host name they all belong to (OIDC Core §8.1)`;
  return undefined;
}

/** Fields the registry sets itself; a file that names them gets a pointer to the right command. */
const NOT_METADATA: Record<string, string> = {
  clientSecret: 'is generated by DinhDanh and printed once (`add`, `rotate-secret`), never supplied',
  disabled: 'is changed with the `disable` and `enable` commands',
};

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const where = issue.path.map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : `${index ? '.' : ''}${String(segment)}`)).join('');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const field = where ? `${where}.${key}` : key;
      return NOT_METADATA[key] && !where ? `${field}: ${NOT_METADATA[key]}` : `${field}: is not a relying-party setting (check the spelling against the README)`;
    });
  }
  return [`${where || '(file)'}: ${issue.message}`];
}

export type MetadataValidation = { ok: true; metadata: RelyingPartyMetadata } | { ok: false; problems: string[] };

/** Parses what an operator submitted; `problems` name the field and the fix, one line each. */
export function validateRelyingPartyMetadata(input: unknown, rules: MetadataRules): MetadataValidation {
  const parsed = relyingPartyMetadataSchema(rules).safeParse(input);
  if (parsed.success) return { ok: true, metadata: parsed.data };
  return { ok: false, problems: parsed.error.issues.flatMap(describeIssue) };
}

/** The editable part of a stored record, to revalidate it with a change applied. */
export function metadataOf({ clientSecret: _secret, disabled: _disabled, ...metadata }: RelyingParty): Record<string, unknown> {
  return metadata;
}
