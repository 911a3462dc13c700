/**
 * Enrollment-desk staff: citizens' level-2 accounts that were granted roles. A staff member is identified by
 * their account (one staff record per account), signs in with that account's passkey, and acts under it, so
 * every desk action in the audit log names a real, registry-checked person.
 *
 *   officer      looks citizens up, records the checks done in person, raises an account to level 2
 *   supervisor   reverses a level-2 upgrade (with a reason)
 *   admin        grants and revokes staff roles (never their own)
 */
export const STAFF_ROLES = ['officer', 'supervisor', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface StaffMember {
  /** The staff member's own e-identity account (level 2). */
  accountId: string;
  displayName: string;
  roles: StaffRole[];
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type NewStaffMember = Omit<StaffMember, 'createdAt' | 'updatedAt'>;
export type StaffChanges = Partial<Pick<StaffMember, 'displayName' | 'roles' | 'active'>>;

export interface StaffStore {
  findByAccountId(accountId: string): Promise<StaffMember | undefined>;
  list(): Promise<StaffMember[]>;
  /** Creates or replaces the staff record of an account. */
  upsert(member: NewStaffMember): Promise<StaffMember>;
  /** @throws NotFoundError */
  update(accountId: string, changes: StaffChanges): Promise<StaffMember>;
}
