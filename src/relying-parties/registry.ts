/**
 * The relying-party registry's operations: every registration and change is validated by the one metadata
 * schema (metadata.ts), applied to the store, and recorded in the audit log with who made it. Its users: the
 * CLI (cli.ts) and the admin API of the desk (src/desk/router.ts, staff with the admin role).
 */
import { randomBytes } from 'node:crypto';

import type { AuditEventType, AuditLog } from '../audit/audit-log.ts';
import { DuplicateKeyError, NotFoundError } from '../stores/errors.ts';
import { metadataOf, RESERVED_CLIENT_ID_PREFIX, validateRelyingPartyMetadata, type MetadataRules, type RelyingPartyMetadata } from './metadata.ts';
import type { RelyingParty, RelyingPartyChanges, RelyingPartyStore } from './relying-party.ts';

/** What the operator asked for cannot be done; `problems` say why, one line each, naming the field. */
export class RelyingPartyInputError extends Error {
  override name = 'RelyingPartyInputError';

  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** Who made a change, as the audit log records it (`details.by`, `details.user`). */
export interface Actor {
  /** `cli`: npm run clients (user: the OS user); `admin_api`: the desk's admin API (user: the staff account id). */
  by: 'cli' | 'admin_api';
  user: string;
}

/**
 * 256 random bits. Such a secret cannot be guessed, so a fast hash would have been enough to store it (no
 * dictionary to try); it is encrypted instead because oidc-provider needs the plaintext (see stores/mongo).
 */
export const generateClientSecret = () => randomBytes(32).toString('base64url');

const OPTIONAL_FIELDS = ['logoUri', 'jwks', 'jwksUri', 'backchannelLogoutUri', 'sectorIdentifier', 'legalBasis', 'ciba'] as const;

export function createRelyingPartyRegistry({ store, audit, rules }: { store: RelyingPartyStore; audit: AuditLog; rules: MetadataRules }) {
  function validated(input: unknown): RelyingPartyMetadata {
    const result = validateRelyingPartyMetadata(input, rules);
    if (!result.ok) throw new RelyingPartyInputError(result.problems);
    return result.metadata;
  }

  async function existing(clientId: string): Promise<RelyingParty> {
    const relyingParty = await store.findByClientId(clientId);
    if (!relyingParty) throw new RelyingPartyInputError([`clientId: no relying party "${clientId}" is registered (\`list\` shows them)`]);
    return relyingParty;
  }

  /** DinhDanh's own clients are defined in code (src/first-party/clients.ts); changing them here would break it. */
  async function changeable(clientId: string): Promise<RelyingParty> {
    if (clientId.startsWith(RESERVED_CLIENT_ID_PREFIX)) throw new RelyingPartyInputError([`clientId: "${clientId}" is DinhDanh's own client, defined in code, not in the registry`]);
    return existing(clientId);
  }

  /** Applies `changes` and records `type`; the store's NotFoundError means it vanished meanwhile. */
  async function change(clientId: string, changes: RelyingPartyChanges, type: AuditEventType, actor: Actor, details: Record<string, string | number | boolean>) {
    let updated: RelyingParty;
    try {
      updated = await store.update(clientId, changes);
    } catch (error) {
      if (error instanceof NotFoundError) throw new RelyingPartyInputError([`clientId: no relying party "${clientId}" is registered`]);
      throw error;
    }
    await audit.record({ type, clientId, details: { ...details, by: actor.by, user: actor.user } });
    return updated;
  }

  /** Every metadata field of `next`, with optional fields it lacks removed, so a file replaces the record. */
  function replacement(next: RelyingPartyMetadata): RelyingPartyChanges {
    const { clientId: _clientId, ...fields } = next;
    const changes: RelyingPartyChanges = { ...fields };
    for (const field of OPTIONAL_FIELDS) if (!(field in next)) changes[field] = undefined;
    return changes;
  }

  return {
    /** Validates and stores a new relying party; `clientSecret` is returned once, never stored in the clear elsewhere. */
    async register(input: unknown, actor: Actor): Promise<{ relyingParty: RelyingParty; clientSecret?: string }> {
      const metadata = validated(input);
      const clientSecret = metadata.tokenEndpointAuthMethod === 'client_secret_basic' ? generateClientSecret() : undefined;
      let relyingParty: RelyingParty;
      try {
        relyingParty = await store.create({ ...metadata, ...(clientSecret ? { clientSecret } : {}), disabled: false });
      } catch (error) {
        if (error instanceof DuplicateKeyError) throw new RelyingPartyInputError([`clientId: "${metadata.clientId}" is already registered (\`update\` changes it)`]);
        throw error;
      }
      await audit.record({
        type: 'client.registered',
        clientId: metadata.clientId,
        details: { by: actor.by, user: actor.user, profile: metadata.profile, tokenEndpointAuthMethod: metadata.tokenEndpointAuthMethod, minimumLevel: metadata.minimumLevel },
      });
      return { relyingParty, clientSecret };
    },

    /**
     * Replaces a relying party's metadata with `input` (a whole registration, as for `register`). The subject
     * type and sector stay as registered: changing them would change every citizen's `sub` at this service.
     * A secret is generated when the method becomes client_secret_basic and dropped when it stops being it.
     */
    async update(clientId: string, input: unknown, actor: Actor): Promise<{ relyingParty: RelyingParty; clientSecret?: string }> {
      const current = await changeable(clientId);
      const submitted = typeof input === 'object' && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : undefined;
      if (submitted?.clientId !== undefined && submitted.clientId !== clientId) {
        throw new RelyingPartyInputError([`clientId: the file is for "${String(submitted.clientId)}", not "${clientId}" (a client id never changes)`]);
      }
      // Omitted from the file, they keep their registered values; given differently, they are refused.
      const kept = { clientId, ...(current.subjectType ? { subjectType: current.subjectType } : {}), ...(current.sectorIdentifier ? { sectorIdentifier: current.sectorIdentifier } : {}) };
      const problems: string[] = [];
      if (current.subjectType && submitted?.subjectType !== undefined && submitted.subjectType !== current.subjectType) {
        problems.push(`subjectType: stays "${current.subjectType}": changing it would change every citizen's sub at this relying party`);
      }
      if (current.sectorIdentifier && submitted?.sectorIdentifier !== undefined && submitted.sectorIdentifier !== current.sectorIdentifier) {
        problems.push(`sectorIdentifier: stays "${current.sectorIdentifier}": changing it would change every citizen's pairwise sub at this relying party (OIDC Core §8.1)`);
      }
      if (problems.length) throw new RelyingPartyInputError(problems);
      const next = validated(submitted ? { ...kept, ...submitted } : input);

      const changes = replacement(next);
      let clientSecret: string | undefined;
      if (next.tokenEndpointAuthMethod !== 'client_secret_basic') changes.clientSecret = undefined;
      else if (!current.clientSecret) changes.clientSecret = clientSecret = generateClientSecret();
      const changed = Object.keys(changes).filter((field) => JSON.stringify(changes[field as keyof RelyingPartyChanges]) !== JSON.stringify(current[field as keyof RelyingParty]));
      const relyingParty = await change(clientId, changes, 'client.updated', actor, { change: 'metadata', fields: changed.filter((field) => field !== 'clientSecret').join(',') });
      return { relyingParty, clientSecret };
    },

    /** The protocol layer stops knowing the client at once: its requests get invalid_client. */
    async disable(clientId: string, actor: Actor): Promise<{ changed: boolean }> {
      const current = await changeable(clientId);
      if (current.disabled) return { changed: false };
      await change(clientId, { disabled: true }, 'client.disabled', actor, {});
      return { changed: true };
    },

    async enable(clientId: string, actor: Actor): Promise<{ changed: boolean }> {
      const current = await changeable(clientId);
      if (!current.disabled) return { changed: false };
      await change(clientId, { disabled: false }, 'client.updated', actor, { change: 'enabled' });
      return { changed: true };
    },

    /** A new secret, returned once; the old one stops working at the next request (oidc-provider reads the store). */
    async rotateSecret(clientId: string, actor: Actor): Promise<string> {
      const current = await changeable(clientId);
      if (current.tokenEndpointAuthMethod !== 'client_secret_basic') {
        throw new RelyingPartyInputError([`tokenEndpointAuthMethod: "${clientId}" authenticates with "${current.tokenEndpointAuthMethod}" and has no secret to rotate`]);
      }
      const clientSecret = generateClientSecret();
      await change(clientId, { clientSecret }, 'client.secret_rotated', actor, {});
      return clientSecret;
    },

    /** Replaces the relying party's public keys for private_key_jwt: a JWK Set, or the URI where it publishes one. */
    async setKeys(clientId: string, keys: { jwks: unknown } | { jwksUri: unknown }, actor: Actor): Promise<RelyingParty> {
      const current = await changeable(clientId);
      const { jwks: _jwks, jwksUri: _jwksUri, ...rest } = metadataOf(current);
      const next = validated({ ...rest, ...keys });
      const changes: RelyingPartyChanges = 'jwks' in keys ? { jwks: next.jwks, jwksUri: undefined } : { jwksUri: next.jwksUri, jwks: undefined };
      return change(clientId, changes, 'client.updated', actor, 'jwks' in keys ? { change: 'keys', keys: next.jwks!.keys.length } : { change: 'keys', jwksUri: next.jwksUri! });
    },

    list: () => store.list(),
    find: (clientId: string) => existing(clientId),
  };
}

export type RelyingPartyRegistry = ReturnType<typeof createRelyingPartyRegistry>;
