/**
 * Authenticators bound to an account, and the store interface its backends implement.
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

/**
 * A WebAuthn credential (passkey). Its store id is derived from the WebAuthn credential ID
 * (`passkeyStoreId`), so the store's unique id is what keeps one credential ID from being registered twice
 * and what finds the credential in a usernameless sign-in (WebAuthn L3 §7.2 step 6).
 */
export interface PasskeyCredential extends CredentialBase {
  type: 'passkey';
  /** WebAuthn credential ID, base64url. */
  credentialId: string;
  /** COSE public key (WebAuthn L3 §6.5.1), base64url. */
  publicKey: string;
  /** Signature counter (§6.1.1): a value that does not grow is refused, it may betray a cloned authenticator. */
  counter: number;
  transports: string[];
  /** `multiDevice`: backup eligible, a synced passkey (BE flag, §6.1); `singleDevice`: bound to one authenticator. */
  deviceType: 'singleDevice' | 'multiDevice';
  /** Backup state (BS flag): the passkey is currently backed up (synced). */
  backedUp: boolean;
  /** Authenticator model identifier (all zeros with "none" attestation). */
  aaguid: string;
  /** The citizen's own name for it ("Điện thoại của tôi"). */
  name: string;
  lastUsedAt?: Date;
}

export type Credential = PasswordCredential | TotpCredential | PasskeyCredential;
export type CredentialType = Credential['type'];
type WithoutTimestamps<T> = T extends Credential ? Omit<T, 'createdAt' | 'updatedAt'> : never;
export type NewCredential = WithoutTimestamps<Credential>;
export type CredentialChanges = Partial<
  Pick<PasswordCredential, 'hash'> & Pick<TotpCredential, 'seed' | 'confirmed'> & Pick<PasskeyCredential, 'counter' | 'backedUp' | 'name' | 'lastUsedAt'>
>;

/** The store id of the passkey with this WebAuthn credential ID. */
export function passkeyStoreId(credentialId: string): string {
  return `passkey:${credentialId}`;
}

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
