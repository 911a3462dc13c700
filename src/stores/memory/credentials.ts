import type { Credential, CredentialChanges, CredentialStore, CredentialType, NewCredential } from '../../accounts/credentials.ts';
import { DuplicateKeyError, NotFoundError } from '../errors.ts';

export class MemoryCredentialStore implements CredentialStore {
  readonly #byId = new Map<string, Credential>();

  async findById(id: string) {
    const credential = this.#byId.get(id);
    return credential && structuredClone(credential);
  }

  async listForAccount(accountId: string, type?: CredentialType) {
    return [...this.#byId.values()]
      .filter((credential) => credential.accountId === accountId && (!type || credential.type === type))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .map((credential) => structuredClone(credential));
  }

  async create(newCredential: NewCredential) {
    if (this.#byId.has(newCredential.id)) throw new DuplicateKeyError('credential', 'id');
    const now = new Date();
    const credential = { ...structuredClone(newCredential), createdAt: now, updatedAt: now } as Credential;
    this.#byId.set(credential.id, credential);
    return structuredClone(credential);
  }

  async update(id: string, changes: CredentialChanges) {
    const credential = this.#byId.get(id);
    if (!credential) throw new NotFoundError('credential', id);
    Object.assign(credential, changes, { updatedAt: new Date() });
    return structuredClone(credential);
  }

  async acceptTotpStep(id: string, step: number) {
    const credential = this.#byId.get(id);
    if (credential?.type !== 'totp') throw new NotFoundError('TOTP credential', id);
    // Single-threaded: no other call can run between this check and the write.
    if (credential.lastUsedStep !== undefined && credential.lastUsedStep >= step) return false;
    credential.lastUsedStep = step;
    credential.updatedAt = new Date();
    return true;
  }

  async delete(id: string) {
    this.#byId.delete(id);
  }
}
