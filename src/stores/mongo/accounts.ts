import type { Collection, Db } from 'mongodb';

import type { Account, AccountChanges, AccountStore, NewAccount } from '../../accounts/account.ts';
import { NotFoundError } from '../errors.ts';
import { mongoCall } from './errors.ts';

type AccountDocument = Omit<Account, 'id'> & { _id: string };

const toAccount = ({ _id, ...rest }: AccountDocument): Account => ({ id: _id, ...rest });

/** Collection `accounts`; unique index on personalId (see migrations.ts). */
export class MongoAccountStore implements AccountStore {
  readonly #accounts: Collection<AccountDocument>;

  constructor(db: Db) {
    this.#accounts = db.collection<AccountDocument>('accounts');
  }

  findById(id: string) {
    return mongoCall('account', async () => {
      const document = await this.#accounts.findOne({ _id: id });
      return document ? toAccount(document) : undefined;
    });
  }

  findByPersonalId(personalId: string) {
    return mongoCall('account', async () => {
      const document = await this.#accounts.findOne({ personalId });
      return document ? toAccount(document) : undefined;
    });
  }

  create({ id, ...account }: NewAccount) {
    return mongoCall('account', async () => {
      const now = new Date();
      const document: AccountDocument = { _id: id, ...account, createdAt: now, updatedAt: now };
      await this.#accounts.insertOne(document);
      return toAccount(document);
    }, async () => ((await this.#accounts.countDocuments({ _id: id }, { limit: 1 })) ? 'id' : 'personalId'));
  }

  update(id: string, changes: AccountChanges) {
    return mongoCall('account', async () => {
      const document = await this.#accounts.findOneAndUpdate(
        { _id: id },
        { $set: { ...changes, updatedAt: new Date() } },
        { returnDocument: 'after' },
      );
      if (!document) throw new NotFoundError('account', id);
      return toAccount(document);
    });
  }
}
