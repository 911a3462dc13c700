/**
 * MongoDB indexes come from an explicit, idempotent migration; production refuses an older schema.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { pino } from 'pino';

import { loadConfig } from '../../src/config/load.ts';
import { createRedisMongoStores, SchemaOutdatedError } from '../../src/stores/mongo/index.ts';
import { startMongo, startRedis, type TestServer } from '../helpers/servers.ts';

const run = promisify(execFile);

describe('MongoDB migrations (npm run migrate)', function () {
  let mongo: TestServer;
  let redis: TestServer;
  before(async function () {
    mongo = await startMongo(this);
    redis = await startRedis(this);
  });
  after(async () => {
    await redis?.stop();
    if (mongo && !mongo.external) await mongo.stop();
  });

  it('refuses a production start on an unmigrated database, migrates idempotently, then starts', async () => {
    const database = `dinhdanh_migrate_${randomBytes(4).toString('hex')}`;
    const environment = { NODE_ENV: 'production', STORE_BACKEND: 'redis-mongo', REDIS_URL: redis.url, MONGODB_URI: mongo.url, MONGODB_DATABASE: database };
    const config = loadConfig({ environment, applyProductionRefusals: false });
    await assert.rejects(createRedisMongoStores(config, pino({ level: 'silent' })), (error: unknown) => {
      assert.ok(error instanceof SchemaOutdatedError);
      assert.match(error.message, /version 0.*npm run migrate/);
      return true;
    });

    const cli = (extra: Record<string, string> = {}) =>
      run(process.execPath, ['--import', 'tsx', 'src/stores/mongo/migrate-cli.ts'], { env: { ...process.env, ...environment, ...extra } });
    assert.match((await cli()).stdout, /schema migrated from version 0 to 1/);
    assert.match((await cli()).stdout, /schema already at version 1/);

    const stores = await createRedisMongoStores(config, pino({ level: 'silent' }));
    try {
      assert.deepEqual(await stores.health(), { redis: { ok: true }, mongodb: { ok: true } });
    } finally {
      await stores.close();
    }
  });

  it('exits non-zero with a clear message when MongoDB cannot be reached', async () => {
    await assert.rejects(
      run(process.execPath, ['--import', 'tsx', 'src/stores/mongo/migrate-cli.ts'], {
        env: { ...process.env, NODE_ENV: 'test', MONGODB_URI: 'mongodb://127.0.0.1:1/', MONGODB_TIMEOUT_MS: '300' },
      }),
      (error: { code?: number; stderr?: string }) => {
        assert.equal(error.code, 1);
        assert.match(error.stderr!, /^migrate: /m);
        return true;
      },
    );
  });
});
