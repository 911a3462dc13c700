/**
 * Proves the test-server harness (test/helpers/servers.ts) the store suites rely on: real redis-server and
 * FerretDB processes on ephemeral loopback ports that serve requests, and restarts that behave like the
 * failures the suites simulate (Redis loses its data, FerretDB keeps it, clients recover on the same port).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import { MongoClient, MongoServerError } from 'mongodb';

import { startMongo, startRedis, type TestServer } from '../helpers/servers.ts';
import { eventually } from './backends.ts';

/** PING over a raw socket: the server's own answer, with no client library in between. */
function rawPing(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('PING timed out')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.trim());
      }
    });
  });
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('test servers harness', function () {
  describe('redis-server', function () {
    let server: TestServer;
    let client: Redis | undefined;

    before(async function () {
      server = await startRedis(this);
    });

    after(async function () {
      client?.disconnect();
      await server?.stop();
    });

    it('runs on an ephemeral loopback port and answers PING over a raw socket', async function () {
      assert.match(server.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(server.external, false);
      assert.notEqual(portOf(server.url), 6379);
      assert.equal(await rawPing(portOf(server.url)), '+PONG');
    });

    it('SET/GET work; restart() loses the value and the server answers again on the same port', async function () {
      client = new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
      await client.set('harness:key', 'value');
      assert.equal(await client.get('harness:key'), 'value');

      const port = portOf(server.url);
      await server.restart();
      assert.equal(portOf(server.url), port);
      assert.equal(await rawPing(port), '+PONG');
      // The same client reconnects by itself; the data is gone, as after the crash of a cache.
      assert.equal(await eventually(() => client!.get('harness:key')), null);
      await client.set('harness:key', 'again');
      assert.equal(await client.get('harness:key'), 'again');
    });

    it('two servers get different ports', async function () {
      const other = await startRedis(this);
      try {
        assert.notEqual(portOf(other.url), portOf(server.url));
        assert.equal(await rawPing(portOf(other.url)), '+PONG');
      } finally {
        await other.stop();
      }
    });

    it('stop() is idempotent, frees the port, and start() brings it back on the same port', async function () {
      client?.disconnect();
      client = undefined;
      const port = portOf(server.url);
      await server.stop();
      await server.stop();
      assert.equal(await refusesConnections(port), true);
      await server.start();
      assert.equal(await rawPing(port), '+PONG');
    });
  });

  describe('MongoDB (FerretDB, or MONGODB_URI)', function () {
    let server: TestServer;
    let client: MongoClient | undefined;
    const database = `dinhdanh_harness_${randomBytes(4).toString('hex')}`;

    before(async function () {
      server = await startMongo(this);
      client = new MongoClient(server.url, { serverSelectionTimeoutMS: 10_000 });
      await client.connect();
    });

    after(async function () {
      await client?.db(database).dropDatabase().catch(() => undefined);
      await client?.close();
      if (server && !server.external) await server.stop();
    });

    it('inserts and reads a document', async function () {
      if (!server.external) assert.match(server.url, /^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
      const things = client!.db(database).collection<{ _id: string; n: number; nested: { list: string[] } }>('things');
      await things.insertOne({ _id: 'a', n: 1, nested: { list: ['x', 'y'] } });
      assert.deepEqual(await things.findOne({ _id: 'a' }), { _id: 'a', n: 1, nested: { list: ['x', 'y'] } });
    });

    it('enforces a unique index: a duplicate insert fails with code 11000', async function () {
      const accounts = client!.db(database).collection<{ subject: string }>('accounts');
      await accounts.createIndex({ subject: 1 }, { unique: true, name: 'subject_unique' });
      await accounts.insertOne({ subject: 'citizen-1' });
      await assert.rejects(accounts.insertOne({ subject: 'citizen-1' }), (error: unknown) => {
        assert.ok(error instanceof MongoServerError, `expected a MongoServerError, got ${String(error)}`);
        assert.equal(error.code, 11000);
        return true;
      });
      assert.equal(await accounts.countDocuments({ subject: 'citizen-1' }), 1);
    });

    it('restart() keeps the data and the same MongoClient works again', async function () {
      if (server.external) this.skip();
      const port = portOf(server.url);
      await server.restart();
      assert.equal(portOf(server.url), port);
      const things = client!.db(database).collection<{ _id: string; n: number }>('things');
      const started = Date.now();
      const found = await eventually(() => things.findOne({ _id: 'a' }), 10_000);
      assert.equal(found?.n, 1);
      assert.ok(Date.now() - started < 10_000);
      // The unique index survived the restart too.
      const accounts = client!.db(database).collection<{ subject: string }>('accounts');
      await assert.rejects(accounts.insertOne({ subject: 'citizen-1' }), { code: 11000 });
    });
  });
});
