/**
 * Index migrations, explicit and idempotent: `npm run migrate` (run automatically outside production).
 * Indexes are never created on a request path. Production checks the recorded version at start-up and
 * refuses to serve with an older schema.
 */
import type { Db, IndexDescription } from 'mongodb';

import { mongoCall } from './errors.ts';

interface Migration {
  version: number;
  description: string;
  indexes: Record<string, IndexDescription[]>;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'unique personal identification number; credentials, consents and audit lookups by account',
    indexes: {
      accounts: [{ key: { personalId: 1 }, name: 'personalId_unique', unique: true }],
      credentials: [{ key: { accountId: 1, type: 1 }, name: 'accountId_type' }],
      consents: [{ key: { accountId: 1 }, name: 'accountId' }],
      // Replay markers; older ones are deleted as newer steps are accepted (no TTL index: FerretDB v1 lacks it).
      totp_used_steps: [{ key: { credentialId: 1, step: 1 }, name: 'credentialId_step' }],
      relying_parties: [],
      audit_events: [
        { key: { accountId: 1, at: -1 }, name: 'accountId_at' },
        { key: { type: 1, at: -1 }, name: 'type_at' },
      ],
    },
  },
];

export const SCHEMA_VERSION = migrations.at(-1)!.version;
const META = 'schema_migrations';

export async function migrate(db: Db): Promise<{ from: number; to: number }> {
  return mongoCall('migration', async () => {
    const from = await currentSchemaVersion(db);
    for (const migration of migrations) {
      // Re-running a migration is harmless: creating an existing identical index is a no-op.
      for (const [collection, indexes] of Object.entries(migration.indexes)) {
        if (!(await db.listCollections({ name: collection }).hasNext())) await db.createCollection(collection);
        // One index per call: FerretDB v1 can panic on a createIndexes with several compound indexes.
        for (const index of indexes) await db.collection(collection).createIndexes([index]);
      }
      await db
        .collection<{ _id: number; description: string; appliedAt: Date }>(META)
        .updateOne({ _id: migration.version }, { $setOnInsert: { description: migration.description, appliedAt: new Date() } }, { upsert: true });
    }
    return { from, to: SCHEMA_VERSION };
  });
}

export async function currentSchemaVersion(db: Db): Promise<number> {
  return mongoCall('migration', async () => {
    const [latest] = await db.collection<{ _id: number }>(META).find().sort({ _id: -1 }).limit(1).toArray();
    return latest?._id ?? 0;
  });
}
