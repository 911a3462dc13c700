/**
 * The durable stores' implementations for the contract suites: memory and MongoDB (a real
 * MongoDB-protocol server). Each suite gets a fresh, migrated database.
 */
import type { Db } from 'mongodb';

import { mongoBackend } from './backends.ts';

export interface DurableImplementation<Store> {
  name: string;
  create(suite: Mocha.Context): Promise<{ store: Store; db?: Db; restart?: () => Promise<void>; close(): Promise<void> }>;
}

export function durableImplementations<Store>(memory: () => Store, mongo: (db: Db) => Store): DurableImplementation<Store>[] {
  return [
    { name: 'memory', create: async () => ({ store: memory(), close: async () => undefined }) },
    {
      name: 'mongodb',
      async create(suite) {
        const backend = await mongoBackend(suite);
        const db = backend.client.db(backend.database);
        return {
          store: mongo(db),
          db,
          restart: backend.server.external ? undefined : () => backend.server.restart(),
          close: () => backend.close(),
        };
      },
    },
  ];
}
