import type { Collection, Db } from 'mongodb';

import type { NewStaffMember, StaffChanges, StaffMember, StaffStore } from '../../desk/staff.ts';
import { NotFoundError } from '../errors.ts';
import { mongoCall } from './errors.ts';

type StaffDocument = Omit<StaffMember, 'accountId'> & { _id: string };

const toStaffMember = ({ _id, ...rest }: StaffDocument): StaffMember => ({ accountId: _id, ...rest });

/** Collection `staff`; `_id` is the staff member's account id (one record per account, by construction). */
export class MongoStaffStore implements StaffStore {
  readonly #staff: Collection<StaffDocument>;

  constructor(db: Db) {
    this.#staff = db.collection<StaffDocument>('staff');
  }

  findByAccountId(accountId: string) {
    return mongoCall('staff member', async () => {
      const document = await this.#staff.findOne({ _id: accountId });
      return document ? toStaffMember(document) : undefined;
    });
  }

  list() {
    return mongoCall('staff member', async () => (await this.#staff.find().sort({ displayName: 1 }).toArray()).map(toStaffMember));
  }

  upsert({ accountId, ...member }: NewStaffMember) {
    return mongoCall('staff member', async () => {
      const now = new Date();
      const document = await this.#staff.findOneAndUpdate(
        { _id: accountId },
        { $set: { ...member, updatedAt: now }, $setOnInsert: { createdAt: now } },
        { upsert: true, returnDocument: 'after' },
      );
      return toStaffMember(document!);
    });
  }

  update(accountId: string, changes: StaffChanges) {
    return mongoCall('staff member', async () => {
      const document = await this.#staff.findOneAndUpdate({ _id: accountId }, { $set: { ...changes, updatedAt: new Date() } }, { returnDocument: 'after' });
      if (!document) throw new NotFoundError('staff member', accountId);
      return toStaffMember(document);
    });
  }
}
