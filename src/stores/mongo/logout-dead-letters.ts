import type { Collection, Db } from 'mongodb';

import type { LogoutDeadLetter, LogoutDeadLetterStore } from '../../logout/deliveries.ts';
import { mongoCall } from './errors.ts';

type DeadLetterDocument = Omit<LogoutDeadLetter, 'id'> & { _id: string };

const toDeadLetter = ({ _id, ...rest }: DeadLetterDocument): LogoutDeadLetter => ({ id: _id, ...rest });

/**
 * Collection `logout_dead_letters`; `_id` is the delivery id, so recording a delivery twice keeps one record.
 * No index beyond `_id`: dead letters are few (each is a relying party down for a quarter of an hour), and
 * an operator lists them, no request path does.
 */
export class MongoLogoutDeadLetterStore implements LogoutDeadLetterStore {
  readonly #letters: Collection<DeadLetterDocument>;

  constructor(db: Db) {
    this.#letters = db.collection<DeadLetterDocument>('logout_dead_letters');
  }

  record({ id, ...letter }: LogoutDeadLetter) {
    return mongoCall('logout dead letter', async () => {
      // An absent `sub` stays absent (the driver would store `undefined` as null).
      const document = Object.fromEntries(Object.entries(letter).filter(([, value]) => value !== undefined)) as Omit<DeadLetterDocument, '_id'>;
      await this.#letters.replaceOne({ _id: id }, document, { upsert: true });
    });
  }

  list({ clientId, limit = 100 }: { clientId?: string; limit?: number } = {}) {
    return mongoCall('logout dead letter', async () =>
      (await this.#letters.find(clientId ? { clientId } : {}).sort({ lastAttemptAt: -1 }).limit(limit).toArray()).map(toDeadLetter),
    );
  }

  take(id: string) {
    return mongoCall('logout dead letter', async () => {
      // Read, then delete and trust only the delete's count: FerretDB v1 can hand one document to two concurrent
      // findOneAndDelete calls; deleteOne counts exactly one deletion on it and on MongoDB.
      const document = await this.#letters.findOne({ _id: id });
      if (!document) return undefined;
      const { deletedCount } = await this.#letters.deleteOne({ _id: id });
      return deletedCount === 1 ? toDeadLetter(document) : undefined;
    });
  }
}
