/**
 * A relying party (public-service portal or bank) registered with DinhDanh, and the store its backends
 * implement. The protocol layer (src/oidc/clients.ts) turns these records into oidc-provider client metadata,
 * so the registry stays ours and the provider never holds a second copy.
 */
import type { IdentityLevel } from '../accounts/account.ts';
import { DuplicateKeyError } from '../stores/errors.ts';

/** `portal`: public-service portals. `bank`: FAPI 2.0 profile (arrives with the relying-party issue). */
export type RelyingPartyProfile = 'portal' | 'bank';
export type TokenEndpointAuthMethod = 'private_key_jwt' | 'client_secret_basic' | 'none';

export interface RelyingParty {
  clientId: string;
  /** Display names shown to citizens on the consent page. */
  name: { vi: string; en: string };
  profile: RelyingPartyProfile;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** Only with `client_secret_basic`. Stored as given; hashed-secret support arrives with the client registry. */
  clientSecret?: string;
  /** Public keys for `private_key_jwt`. */
  jwks?: { keys: Record<string, unknown>[] };
  /** Scopes this relying party may request; anything else is refused with invalid_scope. */
  allowedScopes: string[];
  /** Level applied even when the relying party asks for none. */
  minimumLevel: IdentityLevel;
  /** `native` apps may use loopback redirect URIs (RFC 8252 §7.3). */
  applicationType: 'web' | 'native';
  disabled: boolean;
}

export interface RelyingPartyStore {
  findByClientId(clientId: string): Promise<RelyingParty | undefined>;
  list(): Promise<RelyingParty[]>;
  /** @throws DuplicateKeyError when the client id is taken. */
  create(relyingParty: RelyingParty): Promise<RelyingParty>;
}

/**
 * Registers `relyingParty` unless its client id is already registered, and returns the stored record. Safe
 * when several processes start against one database at once (the loser of the race reads the winner's).
 */
export async function registerIfMissing(store: RelyingPartyStore, relyingParty: RelyingParty): Promise<RelyingParty> {
  const stored = await store.findByClientId(relyingParty.clientId);
  if (stored) return stored;
  try {
    return await store.create(relyingParty);
  } catch (error) {
    if (!(error instanceof DuplicateKeyError)) throw error;
    return (await store.findByClientId(relyingParty.clientId))!;
  }
}
