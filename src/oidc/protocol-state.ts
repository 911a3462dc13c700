/**
 * Short-lived protocol state (sessions, interactions, grants, codes, tokens, PAR objects, …) and the bridge
 * from our store interface to oidc-provider's adapter contract (one adapter instance per model name).
 *
 * Implementations: stores/memory (embedded default); Redis arrives with the persistence issue.
 * The contract, field by field: node-oidc-provider `example/my_adapter.js`.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';

import type { RelyingPartyStore } from '../relying-parties/relying-party.ts';
import { relyingPartyToClientMetadata } from './clients.ts';

export interface ProtocolStateStore {
  /** Stores or replaces `payload`; it disappears after `expiresInSeconds`. */
  upsert(model: string, id: string, payload: AdapterPayload, expiresInSeconds: number): Promise<void>;
  find(model: string, id: string): Promise<AdapterPayload | undefined>;
  /** Sessions are also found by their uid. */
  findByUid(model: string, uid: string): Promise<AdapterPayload | undefined>;
  /** Device-flow codes are also found by their user code. */
  findByUserCode(model: string, userCode: string): Promise<AdapterPayload | undefined>;
  /**
   * Marks a one-time artifact (authorization code, refresh token, …) as used. Atomic: of concurrent calls
   * for one id exactly one returns true.
   */
  consume(model: string, id: string): Promise<boolean>;
  destroy(model: string, id: string): Promise<void>;
  /** Removes every artifact issued under a grant (RFC 6749 §10.5/§10.4: reuse of a code or rotated token). */
  revokeByGrantId(grantId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * DinhDanh's own single-use records (a passkey challenge, a chip check): the record, once. Of concurrent
 * callers exactly one gets it (the consumption marker); a record `belongs` refuses is left untouched, so a
 * caller it is not meant for cannot spend it.
 */
export async function takeOnce<T>(store: ProtocolStateStore, model: string, id: string, belongs: (record: T) => boolean = () => true): Promise<T | undefined> {
  const record = (await store.find(model, id)) as T | undefined;
  if (!record || !belongs(record) || !(await store.consume(model, id))) return undefined;
  await store.destroy(model, id);
  return record;
}

/**
 * Records kept a little past their expiry, so the answer is "expired", not "unknown": a bank polling a CIBA
 * request that ran out must be told expired_token (CIBA Core §11) to stop polling, and oidc-provider says so
 * only for a request it still finds (its `exp` decides, not the store's TTL).
 */
const GRACE_SECONDS: Readonly<Record<string, number>> = { BackchannelAuthenticationRequest: 120 };

class ModelAdapter implements Adapter {
  constructor(
    private readonly store: ProtocolStateStore,
    private readonly model: string,
  ) {}

  upsert(id: string, payload: AdapterPayload, expiresIn: number) {
    return this.store.upsert(this.model, id, payload, expiresIn + (GRACE_SECONDS[this.model] ?? 0));
  }
  find(id: string) {
    return this.store.find(this.model, id);
  }
  findByUid(uid: string) {
    return this.store.findByUid(this.model, uid);
  }
  findByUserCode(userCode: string) {
    return this.store.findByUserCode(this.model, userCode);
  }
  async consume(id: string) {
    await this.store.consume(this.model, id);
  }
  destroy(id: string) {
    return this.store.destroy(this.model, id);
  }
  revokeByGrantId(grantId: string) {
    return this.store.revokeByGrantId(grantId);
  }
}

/** Clients are read from the relying-party registry; the provider never writes them. */
class RelyingPartyClientAdapter implements Adapter {
  constructor(private readonly relyingParties: RelyingPartyStore) {}

  async find(clientId: string) {
    const relyingParty = await this.relyingParties.findByClientId(clientId);
    if (!relyingParty || relyingParty.disabled) return undefined;
    return relyingPartyToClientMetadata(relyingParty) as AdapterPayload;
  }
  async upsert() {
    throw new Error('clients are managed through the relying-party registry, not the provider');
  }
  async findByUid() {
    return undefined;
  }
  async findByUserCode() {
    return undefined;
  }
  async consume() {}
  async destroy() {}
  async revokeByGrantId() {}
}

export function createAdapterFactory(store: ProtocolStateStore, relyingParties: RelyingPartyStore) {
  return (model: string): Adapter =>
    model === 'Client' ? new RelyingPartyClientAdapter(relyingParties) : new ModelAdapter(store, model);
}
