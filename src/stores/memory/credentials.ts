import type { Credential, CredentialStore, CredentialType, NewCredential } from '../../accounts/credentials.ts';
import { DuplicateKeyError, NotFoundError } from '../errors.ts';

export class MemoryCredentialStore implements CredentialStore {
  readonly #byId = new Map<string, Credential>();

  async listForAccount(accountId: string, type?: CredentialType) {
    return [...this.#byId.values()]
      .filter((credential) => credential.accountId === accountId && (!type || credential.type === type))
      .map((credential) => structuredClone(credential));
  }

  async create(newCredential: NewCredential) {
    if (this.#byId.has(newCredential.id)) throw new DuplicateKeyError('credential', 'id');
    const now = new Date();
    const credential: Credential = { ...newCredential, createdAt: now, updatedAt: now };
    this.#byId.set(credential.id, credential);
    return structuredClone(credential);
  }

  async replaceSecret(id: string, hash: string) {
    const credential = this.#byId.get(id);
    if (!credential) throw new NotFoundError('credential', id);
    Object.assign(credential, { hash, updatedAt: new Date() });
    return structuredClone(credential);
  }

  async delete(id: string) {
    this.#byId.delete(id);
  }
}
