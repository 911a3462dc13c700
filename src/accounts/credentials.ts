/**
 * Authenticators bound to an account, and the store interface its backends implement.
 * Later authenticators (TOTP seeds, passkeys) join the `Credential` union with their own `type`.
 */

export interface PasswordCredential {
  id: string;
  accountId: string;
  type: 'password';
  /** PHC-format argon2id hash (carries its own parameters, so they can be raised over time). */
  hash: string;
  createdAt: Date;
  updatedAt: Date;
}

export type Credential = PasswordCredential;
export type CredentialType = Credential['type'];
export type NewCredential = Omit<Credential, 'createdAt' | 'updatedAt'>;

export interface CredentialStore {
  listForAccount(accountId: string, type?: CredentialType): Promise<Credential[]>;
  /** @throws DuplicateKeyError when the id is taken. */
  create(credential: NewCredential): Promise<Credential>;
  /** @throws NotFoundError */
  replaceSecret(id: string, hash: string): Promise<Credential>;
  delete(id: string): Promise<void>;
}
