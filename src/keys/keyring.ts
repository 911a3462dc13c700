/**
 * The signing key ring: one JSON file per key in `keys/`, each with a lifecycle state.
 *
 *   generated → staged (published in the JWKS, not signing) → active (signs) → previous (published, verifies
 *   tokens it signed) → retired (private part destroyed, unpublished)
 *
 * oidc-provider signs with the first key of each algorithm in its JWKS, so the order we hand it is: active,
 * then staged, then previous. Relying parties cache JWKS documents, which is why a key must be published
 * (staged) for `keys.publishLeadSeconds` before it may sign, and a demoted key stays published for the longest
 * signed-token lifetime before it may be retired.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

export type KeyState = 'generated' | 'staged' | 'active' | 'previous' | 'retired';
/** EC keys sign ES256; RSA keys (no `alg` pinned) sign RS256 and PS256 for relying parties that need them. */
export type KeyFamily = 'EC' | 'RSA';
/** `development` keys are made automatically outside production and are refused in production. */
export type KeyOrigin = 'operator' | 'development';

export interface KeyRecord {
  kid: string;
  family: KeyFamily;
  state: KeyState;
  origin: KeyOrigin;
  createdAt: string;
  stagedAt?: string;
  activatedAt?: string;
  deactivatedAt?: string;
  retiredAt?: string;
  jwk: JWK;
}

export class KeyRingError extends Error {
  override name = 'KeyRingError';
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;
const PUBLISHED: ReadonlySet<KeyState> = new Set(['active', 'staged', 'previous']);
const PUBLISH_ORDER: Record<KeyState, number> = { active: 0, staged: 1, previous: 2, generated: 3, retired: 4 };

export interface KeyRingPolicy {
  /** Seconds a staged key must have been published before it may be promoted (when another key is active). */
  publishLeadSeconds: number;
  /** Longest lifetime of anything we sign (ID tokens, JWT responses): a demoted key stays published that long. */
  longestSignedTokenSeconds: number;
  now?: () => Date;
}

export class KeyRing {
  readonly dir: string;
  readonly #policy: KeyRingPolicy;

  constructor(dir: string, policy: KeyRingPolicy) {
    this.dir = dir;
    this.#policy = policy;
  }

  #now(): Date {
    return this.#policy.now?.() ?? new Date();
  }

  list(): KeyRecord[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => {
        const file = path.join(this.dir, name);
        try {
          return JSON.parse(readFileSync(file, 'utf8')) as KeyRecord;
        } catch (error) {
          throw new KeyRingError(`${file} is not a readable key record (${(error as Error).message})`);
        }
      })
      .sort((a, b) => PUBLISH_ORDER[a.state] - PUBLISH_ORDER[b.state] || b.createdAt.localeCompare(a.createdAt));
  }

  get(kid: string): KeyRecord {
    const record = this.list().find((candidate) => candidate.kid === kid);
    if (!record) throw new KeyRingError(`no key with kid ${kid} in ${this.dir} (see \`npm run keys -- list\`)`);
    return record;
  }

  #write(record: KeyRecord): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const file = path.join(this.dir, `${record.kid}.json`);
    // Write-then-rename so a crash never leaves a half-written key file.
    writeFileSync(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }

  async generate(family: KeyFamily, origin: KeyOrigin = 'operator'): Promise<KeyRecord> {
    const { privateKey } = family === 'EC'
      ? await generateKeyPair('ES256', { extractable: true })
      : await generateKeyPair('PS256', { modulusLength: 3072, extractable: true });
    const jwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(jwk);
    const record: KeyRecord = {
      kid,
      family,
      state: 'generated',
      origin,
      createdAt: this.#now().toISOString(),
      jwk: { ...jwk, kid, use: 'sig', ...(family === 'EC' ? { alg: 'ES256' } : {}) },
    };
    this.#write(record);
    return record;
  }

  stage(kid: string): KeyRecord {
    const record = this.get(kid);
    if (record.state !== 'generated') throw new KeyRingError(`key ${kid} is ${record.state}; only a generated key can be staged`);
    const staged: KeyRecord = { ...record, state: 'staged', stagedAt: this.#now().toISOString() };
    this.#write(staged);
    return staged;
  }

  /** Makes a staged key the signing key of its family; the current one becomes `previous`. */
  promote(kid: string, { force = false } = {}): KeyRecord {
    const record = this.get(kid);
    if (record.state !== 'staged') {
      throw new KeyRingError(`key ${kid} is ${record.state}; publish it first with \`keys stage ${kid}\`, then promote it`);
    }
    const current = this.list().filter((candidate) => candidate.family === record.family && candidate.state === 'active');
    const publishedFor = (this.#now().getTime() - Date.parse(record.stagedAt!)) / 1000;
    if (current.length && !force && publishedFor < this.#policy.publishLeadSeconds) {
      const wait = Math.ceil(this.#policy.publishLeadSeconds - publishedFor);
      throw new KeyRingError(
        `key ${kid} has been published for ${Math.floor(publishedFor)} s; relying parties may still cache a JWKS without it. Wait ${wait} s more (keys.publishLeadSeconds) or pass --force.`,
      );
    }
    const at = this.#now().toISOString();
    for (const old of current) this.#write({ ...old, state: 'previous', deactivatedAt: at });
    const promoted: KeyRecord = { ...record, state: 'active', activatedAt: at };
    this.#write(promoted);
    return promoted;
  }

  /** Destroys the private part and unpublishes the key. Refused while tokens it signed may still be valid. */
  retire(kid: string, { force = false } = {}): KeyRecord {
    const record = this.get(kid);
    if (record.state === 'active') {
      throw new KeyRingError(`key ${kid} is signing; promote its successor first, then retire it after the longest token lifetime`);
    }
    if (record.state === 'retired') throw new KeyRingError(`key ${kid} is already retired`);
    if (record.state === 'previous' && !force) {
      const since = (this.#now().getTime() - Date.parse(record.deactivatedAt!)) / 1000;
      if (since < this.#policy.longestSignedTokenSeconds) {
        throw new KeyRingError(
          `key ${kid} stopped signing ${Math.floor(since)} s ago; tokens it signed stay valid for up to ${this.#policy.longestSignedTokenSeconds} s. Wait ${Math.ceil(this.#policy.longestSignedTokenSeconds - since)} s more or pass --force.`,
        );
      }
    }
    const publicJwk = Object.fromEntries(
      Object.entries(record.jwk).filter(([member]) => !(PRIVATE_MEMBERS as readonly string[]).includes(member)),
    ) as JWK;
    const retired: KeyRecord = { ...record, state: 'retired', retiredAt: this.#now().toISOString(), jwk: publicJwk };
    this.#write(retired);
    return retired;
  }

  /** Private JWKs in the order oidc-provider must see them (the first key of each algorithm signs). */
  signingJwks(): { keys: JWK[] } {
    return { keys: this.list().filter((record) => PUBLISHED.has(record.state)).map((record) => record.jwk) };
  }
}

export interface LoadedKeys {
  jwks: { keys: JWK[] };
  /** Human-readable lines for the start-up banner. */
  notices: string[];
}

/**
 * Loads the ring for the provider. Outside production an empty ring gets development keys (and says so);
 * production refuses development keys and a ring without an active key.
 */
export async function loadSigningKeys(
  ring: KeyRing,
  { production, generateMissing }: { production: boolean; generateMissing: boolean },
): Promise<LoadedKeys> {
  const notices: string[] = [];
  let records = ring.list();
  if (production) {
    const development = records.filter((record) => record.origin === 'development' && PUBLISHED.has(record.state));
    if (development.length) {
      throw new KeyRingError(
        `production refuses development signing keys (${development.map((record) => record.kid).join(', ')}) in ${ring.dir}: generate, stage and promote your own with \`npm run keys\`, then retire these.`,
      );
    }
  }
  for (const family of ['EC', 'RSA'] as const) {
    if (records.some((record) => record.family === family && record.state === 'active')) continue;
    if (production || !generateMissing) {
      if (family === 'EC') {
        throw new KeyRingError(
          `no active ES256 signing key in ${ring.dir}: run \`npm run keys -- generate --type EC\`, then \`stage\` and \`promote\` it.`,
        );
      }
      continue;
    }
    const generated = await ring.generate(family, 'development');
    ring.stage(generated.kid);
    ring.promote(generated.kid, { force: true });
    notices.push(`generated development ${family === 'EC' ? 'ES256' : 'RS256/PS256'} signing key ${generated.kid} in ${ring.dir}`);
    records = ring.list();
  }
  return { jwks: ring.signingJwks(), notices };
}
