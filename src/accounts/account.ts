/**
 * A citizen's e-identity account and the store interface its backends implement.
 *
 * The account never holds identity data (name, date of birth, address): the population registry is the
 * source of truth for those and claims are read from it at release time. `id` is an opaque internal
 * identifier; the personal identification number is never used as a subject identifier.
 */

/**
 * How well the identity behind the account was proven.
 * 1: the citizen's data matched the registry and the phone was verified.
 * 2: additionally proven with the chip ID card (ICAO 9303) or in person at an enrollment desk.
 */
export type IdentityLevel = 1 | 2;

export type AccountStatus = 'active' | 'suspended';

export interface Account {
  id: string;
  /** 12-digit personal identification number from the population registry. Unique. */
  personalId: string;
  identityLevel: IdentityLevel;
  status: AccountStatus;
  /** E.164 mobile number, verified by a one-time code at enrollment. */
  phoneNumber: string;
  createdAt: Date;
  updatedAt: Date;
}

export type NewAccount = Omit<Account, 'createdAt' | 'updatedAt'>;
export type AccountChanges = Partial<Pick<Account, 'identityLevel' | 'status' | 'phoneNumber'>>;

export interface AccountStore {
  findById(id: string): Promise<Account | undefined>;
  findByPersonalId(personalId: string): Promise<Account | undefined>;
  /** @throws DuplicateKeyError when an account for this personal identification number exists. */
  create(account: NewAccount): Promise<Account>;
  /** @throws NotFoundError */
  update(id: string, changes: AccountChanges): Promise<Account>;
}
