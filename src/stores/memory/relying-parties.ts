import type { RelyingParty, RelyingPartyStore } from '../../relying-parties/relying-party.ts';
import { DuplicateKeyError } from '../errors.ts';

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
}
