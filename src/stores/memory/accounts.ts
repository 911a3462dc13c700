import type { Account, AccountChanges, AccountStore, NewAccount } from '../../accounts/account.ts';
import { DuplicateKeyError, NotFoundError } from '../errors.ts';

export class MemoryAccountStore implements AccountStore {
  readonly #byId = new Map<string, Account>();
  readonly #idByPersonalId = new Map<string, string>();

  async findById(id: string) {
    const account = this.#byId.get(id);
    return account && structuredClone(account);
  }

  async findByPersonalId(personalId: string) {
    const id = this.#idByPersonalId.get(personalId);
    return id ? this.findById(id) : undefined;
  }

  async create(newAccount: NewAccount) {
    if (this.#idByPersonalId.has(newAccount.personalId)) throw new DuplicateKeyError('account', 'personalId');
    if (this.#byId.has(newAccount.id)) throw new DuplicateKeyError('account', 'id');
    const now = new Date();
    const account: Account = { ...newAccount, createdAt: now, updatedAt: now };
    this.#byId.set(account.id, account);
    this.#idByPersonalId.set(account.personalId, account.id);
    return structuredClone(account);
  }

  async update(id: string, changes: AccountChanges) {
    const account = this.#byId.get(id);
    if (!account) throw new NotFoundError('account', id);
    Object.assign(account, changes, { updatedAt: new Date() });
    return structuredClone(account);
  }
}
