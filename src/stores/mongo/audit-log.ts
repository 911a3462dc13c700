import { ObjectId, type Collection, type Db } from 'mongodb';

import type { AuditEvent, AuditLog, NewAuditEvent } from '../../audit/audit-log.ts';
import { mongoCall } from './errors.ts';

type AuditDocument = Omit<AuditEvent, 'id'> & { _id: string };

const toEvent = ({ _id, ...rest }: AuditDocument): AuditEvent => ({ id: _id, ...rest });

/** Collection `audit_events`: insert-only; indexes on (accountId, at) and (type, at). */
export class MongoAuditLog implements AuditLog {
  readonly #events: Collection<AuditDocument>;

  constructor(db: Db) {
    this.#events = db.collection<AuditDocument>('audit_events');
  }

  record(event: NewAuditEvent) {
    return mongoCall('audit event', async () => {
      // ObjectId hex: time-ordered with a per-process counter, so events of one millisecond keep their order.
      const document: AuditDocument = { _id: new ObjectId().toHexString(), at: new Date(), ...event };
      await this.#events.insertOne(document);
      return toEvent(document);
    });
  }

  list({ accountId, type, limit = 100 }: { accountId?: string; type?: AuditEvent['type']; limit?: number } = {}) {
    return mongoCall('audit event', async () => {
      const filter = { ...(accountId ? { accountId } : {}), ...(type ? { type } : {}) };
      return (await this.#events.find(filter).sort({ at: -1, _id: -1 }).limit(limit).toArray()).map(toEvent);
    });
  }
}
