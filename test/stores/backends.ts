/**
 * The store implementations the contract suites run against: the embedded memory default, and the real
 * Redis and MongoDB-protocol servers started for this run (test/helpers/servers.ts).
 */
import { randomBytes } from 'node:crypto';
import type { MongoClient } from 'mongodb';

import { loadConfig } from '../../src/config/load.ts';
import { createSecretBox } from '../../src/crypto/secret-box.ts';
import { createRedisClient, type RedisClient } from '../../src/stores/redis/client.ts';
import { createMongoClient } from '../../src/stores/mongo/index.ts';
import { migrate } from '../../src/stores/mongo/migrations.ts';
import { startMongo, startRedis, type TestServer } from '../helpers/servers.ts';

export const testSecretsKeys = [`test-1:${randomBytes(32).toString('base64url')}`, `test-0:${randomBytes(32).toString('base64url')}`];
export const secretBox = createSecretBox(testSecretsKeys);

const baseConfig = loadConfig({ environment: { NODE_ENV: 'test' } });

export interface RedisBackend {
  server: TestServer;
  client: RedisClient;
  /** A fresh key prefix per suite, so suites sharing a server never see each other's keys. */
  prefix: string;
  close(): Promise<void>;
}

export async function redisBackend(suite: Mocha.Context): Promise<RedisBackend> {
  const server = await startRedis(suite);
  const client = createRedisClient({ ...baseConfig.redis, url: server.url, commandTimeoutMs: 1000 });
  return {
    server,
    client,
    prefix: `t${randomBytes(4).toString('hex')}:`,
    async close() {
      client.disconnect();
      await server.stop();
    },
  };
}

export interface MongoBackend {
  server: TestServer;
  client: MongoClient;
  database: string;
  close(): Promise<void>;
}

export async function mongoBackend(suite: Mocha.Context): Promise<MongoBackend> {
  const server = await startMongo(suite);
  const database = `dinhdanh_test_${randomBytes(4).toString('hex')}`;
  const client = createMongoClient({ uri: server.url, database, timeoutMs: 3000 });
  await client.connect();
  await migrate(client.db(database));
  return {
    server,
    client,
    database,
    async close() {
      await client.db(database).dropDatabase().catch(() => undefined);
      await client.close();
      if (!server.external) await server.stop();
    },
  };
}

export { eventually } from '../helpers/eventually.ts';
