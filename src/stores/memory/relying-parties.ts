import type { RelyingParty, RelyingPartyChanges, RelyingPartyStore } from '../../relying-parties/relying-party.ts';
import { DuplicateKeyError, NotFoundError } from '../errors.ts';

/** Client secrets stay in plaintext here: this memory never leaves the process (MongoDB seals them). */
export class MemoryRelyingPartyStore implements RelyingPartyStore {
  readonly #byClientId = new Map<string, RelyingParty>();

  async findByClientId(clientId: string) {
    const relyingParty = this.#byClientId.get(clientId);
    return relyingParty && structuredClone(relyingParty);
  }

  async list() {
    return [...this.#byClientId.values()]
      .sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0))
      .map((relyingParty) => structuredClone(relyingParty));
  }

  async create(relyingParty: RelyingParty) {
    if (this.#byClientId.has(relyingParty.clientId)) throw new DuplicateKeyError('relying party', 'clientId');
    this.#byClientId.set(relyingParty.clientId, structuredClone(relyingParty));
    return structuredClone(relyingParty);
  }

  async update(clientId: string, changes: RelyingPartyChanges) {
    const current = this.#byClientId.get(clientId);
    if (!current) throw new NotFoundError('relying party', clientId);
    const updated: Record<string, unknown> = { ...current };
    for (const [field, value] of Object.entries(structuredClone(changes))) {
      if (field === 'clientId') continue;
      if (value === undefined) delete updated[field];
      else updated[field] = value;
    }
    this.#byClientId.set(clientId, updated as unknown as RelyingParty);
    return structuredClone(updated as unknown as RelyingParty);
  }
}
