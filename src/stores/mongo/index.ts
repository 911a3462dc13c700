/**
 * The production backend: protocol state in Redis, everything durable in MongoDB.
 */
import { MongoClient } from 'mongodb';
import type { Logger } from 'pino';

import type { Config } from '../../config/schema.ts';
import { createSecretBox } from '../../crypto/secret-box.ts';
import { createRedisClient } from '../redis/client.ts';
import { RedisFailureCounterStore } from '../redis/failure-counters.ts';
import { RedisOneTimeCodeStore } from '../redis/one-time-codes.ts';
import { RedisProtocolStateStore } from '../redis/protocol-state.ts';
import type { BackendHealth, Stores } from '../stores.ts';
import { MongoAccountStore } from './accounts.ts';
import { MongoAuditLog } from './audit-log.ts';
import { MongoConsentStore } from './consents.ts';
import { MongoCredentialStore } from './credentials.ts';
import { currentSchemaVersion, migrate, SCHEMA_VERSION } from './migrations.ts';
import { MongoRelyingPartyStore } from './relying-parties.ts';
import { MongoStaffStore } from './staff.ts';
import { RedisApprovalInboxStore } from '../redis/approval-inbox.ts';
import { RedisLogoutDeliveryQueue } from '../redis/logout-delivery-queue.ts';
import { MongoLogoutDeadLetterStore } from './logout-dead-letters.ts';

export class SchemaOutdatedError extends Error {
  override name = 'SchemaOutdatedError';
}

export function createMongoClient(settings: Config['mongodb']): MongoClient {
  return new MongoClient(settings.uri, {
    serverSelectionTimeoutMS: settings.timeoutMs,
    connectTimeoutMS: settings.timeoutMs,
    // No operation waits on a silent server longer than this (the driver then fails it, never hangs).
    socketTimeoutMS: settings.timeoutMs,
    waitQueueTimeoutMS: settings.timeoutMs,
    appName: 'dinhdanh',
  });
}

async function withTimeout(check: Promise<unknown>, timeoutMs: number): Promise<BackendHealth> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<BackendHealth>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([check.then(() => ({ ok: true })), timeout]);
  } catch (error) {
    return { ok: false, detail: (error as Error).message.replace(/\/\/[^@/]*@/g, '//***@') };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Connects both backends. Outside production the MongoDB indexes are migrated on start; in production the
 * schema must already be current (`npm run migrate`), or start-up stops with that instruction.
 */
export async function createRedisMongoStores(config: Config, logger: Logger): Promise<Stores> {
  const redis = createRedisClient(config.redis, (error) => logger.warn({ err: error.message }, 'redis connection error; reconnecting'));
  const mongo = createMongoClient(config.mongodb);
  const db = mongo.db(config.mongodb.database);
  try {
    await mongo.connect();
    if (config.env === 'production') {
      const version = await currentSchemaVersion(db);
      if (version < SCHEMA_VERSION) {
        throw new SchemaOutdatedError(`MongoDB schema is at version ${version}, this release needs ${SCHEMA_VERSION}: run \`npm run migrate\` first.`);
      }
    } else {
      await migrate(db);
    }
  } catch (error) {
    redis.disconnect();
    await mongo.close();
    throw error;
  }

  const secrets = createSecretBox(config.secrets.keys);
  return {
    accounts: new MongoAccountStore(db),
    credentials: new MongoCredentialStore(db, secrets),
    consents: new MongoConsentStore(db),
    relyingParties: new MongoRelyingPartyStore(db, secrets),
    staff: new MongoStaffStore(db),
    audit: new MongoAuditLog(db),
    protocolState: new RedisProtocolStateStore(redis, config.redis.keyPrefix),
    oneTimeCodes: new RedisOneTimeCodeStore(redis, config.redis.keyPrefix),
    failureCounters: new RedisFailureCounterStore(redis, config.redis.keyPrefix),
    approvalInbox: new RedisApprovalInboxStore(redis, config.redis.keyPrefix),
    logoutDeliveries: { queue: new RedisLogoutDeliveryQueue(redis, config.redis.keyPrefix), deadLetters: new MongoLogoutDeadLetterStore(db) },
    async health() {
      const [redisHealth, mongoHealth] = await Promise.all([
        withTimeout(redis.ping(), config.redis.commandTimeoutMs),
        withTimeout(db.command({ ping: 1 }), config.mongodb.timeoutMs),
      ]);
      return { redis: redisHealth, mongodb: mongoHealth };
    },
    async close() {
      redis.disconnect();
      await mongo.close();
    },
  };
}
