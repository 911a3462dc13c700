/**
 * Authenticators bound to an account, and the store interface its backends implement.
 * Passkeys join the `Credential` union with their own `type` when they arrive.
 */

interface CredentialBase {
  id: string;
  accountId: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface PasswordCredential extends CredentialBase {
  type: 'password';
  /** PHC-format argon2id hash (carries its own parameters, so they can be raised over time). */
  hash: string;
}

export interface TotpCredential extends CredentialBase {
  type: 'totp';
  /** Base32 shared secret (RFC 6238). Stores encrypt it at rest; the domain only ever sees plaintext. */
  seed: string;
  /** Set once the citizen proved the authenticator app works by entering a code. */
  confirmed: boolean;
  /** Highest accepted time step: a step is accepted at most once (RFC 6238 §5.2, replay). */
  lastUsedStep?: number;
}

export type Credential = PasswordCredential | TotpCredential;
export type CredentialType = Credential['type'];
type WithoutTimestamps<T> = T extends Credential ? Omit<T, 'createdAt' | 'updatedAt'> : never;
export type NewCredential = WithoutTimestamps<Credential>;
export type CredentialChanges = Partial<Pick<PasswordCredential, 'hash'> & Pick<TotpCredential, 'seed' | 'confirmed'>>;

export interface CredentialStore {
  findById(id: string): Promise<Credential | undefined>;
  listForAccount(accountId: string, type?: CredentialType): Promise<Credential[]>;
  /** @throws DuplicateKeyError when the id is taken. */
  create(credential: NewCredential): Promise<Credential>;
  /** @throws NotFoundError */
  update(id: string, changes: CredentialChanges): Promise<Credential>;
  /**
   * Atomically accepts TOTP time step `step` if it is later than every step accepted before.
   * Of concurrent calls with the same step, exactly one returns true.
   */
  acceptTotpStep(id: string, step: number): Promise<boolean>;
  delete(id: string): Promise<void>;
}
