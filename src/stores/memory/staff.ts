import type { NewStaffMember, StaffChanges, StaffMember, StaffStore } from '../../desk/staff.ts';
import { NotFoundError } from '../errors.ts';

export class MemoryStaffStore implements StaffStore {
  readonly #byAccountId = new Map<string, StaffMember>();

  async findByAccountId(accountId: string) {
    const member = this.#byAccountId.get(accountId);
    return member && structuredClone(member);
  }

  async list() {
    return [...this.#byAccountId.values()].sort((a, b) => a.displayName.localeCompare(b.displayName, 'vi')).map((member) => structuredClone(member));
  }

  async upsert(member: NewStaffMember) {
    const now = new Date();
    const stored: StaffMember = { ...structuredClone(member), createdAt: this.#byAccountId.get(member.accountId)?.createdAt ?? now, updatedAt: now };
    this.#byAccountId.set(member.accountId, stored);
    return structuredClone(stored);
  }

  async update(accountId: string, changes: StaffChanges) {
    const member = this.#byAccountId.get(accountId);
    if (!member) throw new NotFoundError('staff member', accountId);
    Object.assign(member, structuredClone(changes), { updatedAt: new Date() });
    return structuredClone(member);
  }
}
