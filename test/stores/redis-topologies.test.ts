/**
 * The Redis stores on the two other topologies of REDIS_MODE, each made of real redis-server processes
 * (test/helpers/servers.ts): Sentinel (a master, a replica, three Sentinels) and Cluster (three masters, and
 * three more with a replica each for the failover). The same contract suites as a single Redis, then what
 * only these topologies can break: failovers (clients stuck on "Connection is closed", or still talking to a
 * master that hangs), hash slots (a grant's keys in one slot, scripts without CROSSSLOT), TLS to the
 * Sentinels, and one full login through the app on each. About 30 s.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';

import { createOneTimeCodes, type OneTimeCodes } from '../../src/authentication/one-time-codes.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { createRedisClient, type RedisClient } from '../../src/stores/redis/client.ts';
import { RedisOneTimeCodeStore } from '../../src/stores/redis/one-time-codes.ts';
import { RedisProtocolStateStore } from '../../src/stores/redis/protocol-state.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { basicAuth, exchangeCode, signIn } from '../helpers/login-flow.ts';
import {
  addressOf,
  redisCommand,
  redisCommandWithin,
  startMongo,
  startRedisCluster,
  startRedisSentinelSet,
  type RedisClusterSet,
  type RedisSentinelSet,
  type TestServer,
} from '../helpers/servers.ts';
import { eventually } from './backends.ts';
import { describeOneTimeCodeContract } from './one-time-codes.contract.ts';
import { describeProtocolStateContract, samplePayload } from './protocol-state.contract.ts';

const CITIZEN = { personalId: '079195123456', password: 'demo-binh-2026' };
const defaults = loadConfig({ environment: { NODE_ENV: 'test' } }).redis;
const freshPrefix = () => `t${randomBytes(4).toString('hex')}:`;

function sentinelSettings(set: RedisSentinelSet): Config['redis'] {
  return { ...defaults, mode: 'sentinel', sentinels: [...set.sentinelAddresses], sentinelMaster: set.masterName, commandTimeoutMs: 500 };
}

function clusterSettings(cluster: RedisClusterSet): Config['redis'] {
  return { ...defaults, mode: 'cluster', clusterNodes: [...cluster.nodeAddresses], commandTimeoutMs: 500 };
}

/** Every key under `prefix` on one node (test prefixes are fresh, so KEYS is cheap here). */
async function keysOn(node: TestServer, prefix: string): Promise<string[]> {
  return (await redisCommand(node, 'KEYS', `${prefix}*`)) as string[];
}

async function role(node: TestServer): Promise<string> {
  return ((await redisCommand(node, 'ROLE')) as [string])[0];
}

async function keySlot(node: TestServer, key: string): Promise<number> {
  return Number(await redisCommand(node, 'CLUSTER', 'KEYSLOT', key));
}

/** The protocol-state and one-time-code contracts against a client built from `settings()`. */
function describeContracts(topology: string, settings: () => Config['redis'], restart?: () => Promise<void>): void {
  describeProtocolStateContract({
    name: topology,
    async create() {
      const client = createRedisClient(settings());
      return { store: new RedisProtocolStateStore(client, freshPrefix()), restart, close: async () => client.disconnect() };
    },
  });
  describeOneTimeCodeContract({
    name: topology,
    async create() {
      const client = createRedisClient(settings());
      return { store: new RedisOneTimeCodeStore(client, freshPrefix()), close: async () => client.disconnect() };
    },
  });
}

/** A full login on the app with STORE_BACKEND=redis-mongo and the given Redis settings. */
function describeWholeApp(redisEnvironment: () => Record<string, string>): void {
  describe('the whole app', function () {
    let app: TestApp | undefined;
    let mongo: TestServer | undefined;

    before(async function () {
      mongo = await startMongo(this);
      app = await startTestApp({
        STORE_BACKEND: 'redis-mongo',
        MONGODB_URI: mongo.url,
        MONGODB_DATABASE: `dinhdanh_test_${randomBytes(4).toString('hex')}`,
        REDIS_KEY_PREFIX: freshPrefix(),
        ...redisEnvironment(),
      });
    });
    after(async () => {
      await app?.close();
      if (mongo && !mongo.external) await mongo.stop();
    });

    it('signs a citizen in, and revokes the tokens of a grant whose code is replayed (RFC 6749 §4.1.2)', async () => {
      const agent = app!.agent();
      const { code, pkce } = await signIn(app!, agent, CITIZEN.personalId, CITIZEN.password);
      const token = await exchangeCode(app!, agent, code!, pkce.verifier);
      assert.equal(token.status, 200, token.text);
      const userinfo = () => agent.get('/me').set('authorization', `Bearer ${token.body.access_token}`);
      assert.equal((await userinfo()).status, 200);

      const replay = await exchangeCode(app!, agent, code!, pkce.verifier);
      assert.equal(replay.status, 400);
      assert.equal(replay.body.error, 'invalid_grant');
      assert.equal((await userinfo()).status, 401, 'the access token of the replayed code is revoked');

      const { portal } = app!.dinhdanh.demo!;
      const introspection = await agent
        .post('/token/introspection')
        .set('authorization', basicAuth(portal.clientId, portal.clientSecret))
        .type('form')
        .send({ token: token.body.access_token });
      assert.equal(introspection.status, 200);
      assert.equal(introspection.body.active, false);
    });
  });
}

describe('Redis Sentinel', function () {
  let set: RedisSentinelSet;

  before(async function () {
    set = await startRedisSentinelSet(this);
  });
  after(async () => set?.stop());

  describeContracts('Redis Sentinel', () => sentinelSettings(set));

  describeWholeApp(() => ({
    REDIS_MODE: 'sentinel',
    REDIS_SENTINELS: set.sentinelAddresses.join(','),
    REDIS_SENTINEL_MASTER: set.masterName,
  }));

  describe('failover', function () {
    const prefix = freshPrefix();
    let client: RedisClient;
    let store: RedisProtocolStateStore;
    let codes: OneTimeCodes;

    before(() => {
      // One client for the whole story: recovering must never need a new one.
      client = createRedisClient(sentinelSettings(set));
      store = new RedisProtocolStateStore(client, prefix);
      codes = createOneTimeCodes(new RedisOneTimeCodeStore(client, prefix), 'test-secret');
    });
    after(() => client?.disconnect());

    it('keeps working after the master dies, on the same client, and writes to the promoted replica', async function () {
      this.timeout(20_000);
      const oldMaster = await set.currentMaster();
      const replica = set.nodes.find((node) => node !== oldMaster)!;
      const sessionBefore = randomUUID();
      await store.upsert('Session', sessionBefore, samplePayload({ kind: 'Session' }), 60);
      const challenge = await codes.start('enrollment', { personalId: CITIZEN.personalId });
      const written = (await keysOn(oldMaster, prefix)).sort();
      await eventually(async () => assert.deepEqual((await keysOn(replica, prefix)).sort(), written, 'replicated'));

      await oldMaster.stop();
      const session = randomUUID();
      await eventually(() => store.upsert('Session', session, samplePayload({ kind: 'Session' }), 60), 15_000);

      assert.equal(await role(replica), 'master');
      assert.ok((await keysOn(replica, prefix)).some((key) => key.includes(session)), 'the write is on the promoted replica');
      assert.ok(await store.find('Session', sessionBefore), 'what was replicated before the failover is still found');
      // A script the new master has never seen: EVALSHA answers NOSCRIPT and the client must send it again.
      assert.equal((await codes.verify(challenge.id, challenge.code!)).outcome, 'verified');
    });

    it('leaves a master that hangs for the replica the Sentinels promote, without waiting for it to wake up', async function () {
      this.timeout(30_000);
      const hanging = await set.currentMaster();
      const standby = set.nodes.find((node) => node !== hanging)!;
      // The master that died above comes back as a replica of the new one (what Sentinel would do after a
      // few seconds, or an operator at once), so the next failover has a replica to promote.
      await standby.start();
      const [masterHost, masterPort] = addressOf(hanging).split(':') as [string, string];
      await redisCommand(standby, 'REPLICAOF', masterHost, masterPort);
      await set.waitForMaster(hanging, [standby]);

      // When each Sentinel announces the promotion, observed independently of the client under test.
      const announcements = set.sentinels.map((sentinel) => new Redis(Number(new URL(sentinel.url).port), '127.0.0.1'));
      const announcedAt = new Map<Redis, number>();
      for (const sentinel of announcements) {
        sentinel.on('message', () => announcedAt.has(sentinel) || announcedAt.set(sentinel, Date.now()));
        await sentinel.subscribe('+switch-master');
      }
      try {
        // DEBUG SLEEP: the process hangs with its connections open, like a frozen VM or a network partition.
        // The socket never closes and commands only time out, so only the Sentinels can tell the client to
        // move. The sleep outlasts a slow failover (an election retried after 2 × failover-timeout).
        void redisCommandWithin(20_000, hanging, 'DEBUG', 'SLEEP', '15').catch(() => undefined);
        await eventually(() => assert.rejects(redisCommandWithin(200, hanging, 'PING')), 3000);

        const session = randomUUID();
        await eventually(() => store.upsert('Session', session, samplePayload({ kind: 'Session' }), 60), 20_000);
        const movedAt = Date.now();
        await assert.rejects(redisCommandWithin(200, hanging, 'PING'), Error, 'the old master is still asleep');
        assert.ok(announcedAt.size > 0, 'a Sentinel announced the promotion');
        // A Sentinel that has not heard of the promotion yet (they tell each other every 2 s) may still name
        // the old master; once all of them name the new one, the client must follow within about a command
        // timeout and a reconnection.
        if (announcedAt.size === announcements.length) {
          const lag = movedAt - Math.max(...announcedAt.values());
          assert.ok(lag < 1500, `the client moved ${lag} ms after the last Sentinel announced the new master`);
        }
        assert.equal(await role(standby), 'master');
        assert.ok((await keysOn(standby, prefix)).some((key) => key.includes(session)), 'the write is on the promoted replica');
        assert.ok(await store.find('Session', session));
      } finally {
        for (const sentinel of announcements) sentinel.disconnect();
        await hanging.stop(); // no need to wait out the sleep
      }
    });
  });
});

describe('Redis Sentinel with a rediss:// URL', function () {
  it('speaks TLS to the Sentinels and never sends the password in plain text', async () => {
    // A listener in place of a Sentinel records what the client sends first. It answers nothing, so the
    // client never gets further; the data-node leg uses the same settings (enableTLSForSentinelMode).
    const firstBytes: Buffer[] = [];
    const listener = net.createServer((socket) => {
      socket.once('data', (chunk) => {
        firstBytes.push(chunk);
        socket.destroy();
      });
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as net.AddressInfo;
    const client = createRedisClient({
      ...defaults,
      url: 'rediss://:not-in-clear-text@ignored.invalid/0',
      mode: 'sentinel',
      sentinels: [`127.0.0.1:${port}`],
      sentinelMaster: 'dinhdanh',
      commandTimeoutMs: 300,
    });
    try {
      await assert.rejects(new RedisProtocolStateStore(client, freshPrefix()).find('Session', 'any'));
      await eventually(async () => assert.ok(firstBytes.length > 0, 'the client connected'), 3000);
      assert.ok(!Buffer.concat(firstBytes).includes('not-in-clear-text'), 'the password went out in plain text');
      assert.equal(firstBytes[0]![0], 0x16, 'the first record is a TLS handshake');
    } finally {
      client.disconnect();
      listener.close();
    }
  });
});

describe('Redis Cluster', function () {
  let cluster: RedisClusterSet;

  before(async function () {
    cluster = await startRedisCluster(this);
  });
  after(async () => cluster?.stop());

  describeContracts(
    'Redis Cluster',
    () => clusterSettings(cluster),
    async () => {
      await Promise.all(cluster.masters.map((master) => master.restart()));
    },
  );

  describe('hash slots', function () {
    let client: RedisClient;
    const prefix = freshPrefix();
    let store: RedisProtocolStateStore;
    let allKeys: () => Promise<string[]>;

    before(() => {
      client = createRedisClient(clusterSettings(cluster));
      store = new RedisProtocolStateStore(client, prefix);
      allKeys = async () => (await Promise.all(cluster.masters.map((master) => keysOn(master, prefix)))).flat();
    });
    after(() => client?.disconnect());

    it("keeps a grant's index, codes, tokens and consumption markers in the grant's slot", async () => {
      const grantId = randomUUID();
      const ids = { code: randomUUID(), access: randomUUID(), refresh: randomUUID() };
      await store.upsert('Grant', grantId, samplePayload({ kind: 'Grant', jti: grantId, grantId: undefined }), 60);
      await store.upsert('AuthorizationCode', ids.code, samplePayload({ grantId }), 60);
      await store.upsert('AccessToken', ids.access, samplePayload({ kind: 'AccessToken', grantId }), 60);
      await store.upsert('RefreshToken', ids.refresh, samplePayload({ kind: 'RefreshToken', grantId }), 120);
      assert.equal(await store.consume('AuthorizationCode', ids.code), true);
      assert.equal(await store.consume('RefreshToken', ids.refresh), true);

      const node = cluster.masters[0]!;
      const grantSlot = await keySlot(node, grantId);
      const keys = (await allKeys()).filter((key) => [grantId, ...Object.values(ids)].some((id) => key.includes(id)));
      // Locators (`<Model>:{<id>}:grant`) hold only the grant's id, so that a token is found by its own id;
      // everything else is the grant's data: its record, its index, each artifact and each consumption marker.
      const locators = keys.filter((key) => key.endsWith(':grant'));
      const data = keys.filter((key) => !locators.includes(key));
      assert.equal(data.length, 7, `grant, index, 3 artifacts, 2 markers: ${data.join(', ')}`);
      const slots = await Promise.all(data.map(async (key) => ({ key, slot: await keySlot(node, key) })));
      assert.deepEqual(slots.filter(({ slot }) => slot !== grantSlot), [], `every key of the grant is in slot ${grantSlot}`);
      assert.equal(locators.length, 3);
      for (const locator of locators) assert.equal(await client.get(locator), grantId);

      await store.revokeByGrantId(grantId);
      for (const [model, id] of [['AuthorizationCode', ids.code], ['AccessToken', ids.access], ['RefreshToken', ids.refresh]] as const) {
        assert.equal(await store.find(model, id), undefined);
      }
    });

    it('revokes grants whose keys are spread over every master, with no CROSSSLOT error, and nothing else', async function () {
      this.timeout(20_000);
      const grants = Array.from({ length: 60 }, () => ({ grantId: randomUUID(), access: randomUUID(), refresh: randomUUID(), code: randomUUID() }));
      await Promise.all(
        grants.map(async ({ grantId, access, refresh, code }) => {
          await store.upsert('Grant', grantId, samplePayload({ kind: 'Grant', jti: grantId, grantId: undefined }), 60);
          await store.upsert('AuthorizationCode', code, samplePayload({ grantId }), 60);
          await store.consume('AuthorizationCode', code);
          await store.upsert('AccessToken', access, samplePayload({ kind: 'AccessToken', grantId }), 60);
          await store.upsert('RefreshToken', refresh, samplePayload({ kind: 'RefreshToken', grantId }), 120);
        }),
      );
      const slotOwners = await Promise.all(cluster.masters.map(async (master) => (await keysOn(master, prefix)).length));
      assert.ok(slotOwners.every((count) => count > 0), `keys on every master: ${slotOwners.join(', ')}`);

      const [revoked, kept] = [grants.slice(0, 40), grants.slice(40)];
      await Promise.all(revoked.map(({ grantId }) => store.revokeByGrantId(grantId)));
      for (const { access, refresh, code } of revoked) {
        assert.equal(await store.find('AccessToken', access), undefined);
        assert.equal(await store.find('RefreshToken', refresh), undefined);
        assert.equal(await store.find('AuthorizationCode', code), undefined);
      }
      for (const { access, refresh, code } of kept) {
        assert.ok(await store.find('AccessToken', access));
        assert.ok(await store.find('RefreshToken', refresh));
        assert.ok((await store.find('AuthorizationCode', code))?.consumed);
      }
    });

    it('revokes a grant indexed by the earlier layout (each record in its own slot) without a cross-slot script', async () => {
      const grantId = randomUUID();
      const node = cluster.masters[0]!;
      const owners = (await redisCommand(node, 'CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      const ownerOf = async (key: string) => {
        const slot = await keySlot(node, key);
        return owners.find(([first, last]) => first <= slot && slot <= last)![2][1];
      };
      // How records of a grant were stored before they moved to its slot; one on another master than the grant.
      let record: string;
      do record = `${prefix}AccessToken:{${randomUUID()}}`;
      while ((await ownerOf(record)) === (await ownerOf(grantId)));
      await client.set(record, JSON.stringify(samplePayload({ kind: 'AccessToken', grantId })), 'EX', 60);
      await client.sadd(`${prefix}grant:{${grantId}}`, record);
      await store.revokeByGrantId(grantId);
      assert.equal(await client.exists(record), 0);
      assert.equal(await client.exists(`${prefix}grant:{${grantId}}`), 0);
    });

    it('runs the one-time-code scripts for challenges on every master', async () => {
      const codes = createOneTimeCodes(new RedisOneTimeCodeStore(client, prefix), 'test-secret');
      const challenges = await Promise.all(Array.from({ length: 30 }, () => codes.start('enrollment', { personalId: CITIZEN.personalId })));
      const owners = await Promise.all(cluster.masters.map(async (master) => (await keysOn(master, `${prefix}otp:`)).length));
      assert.ok(owners.every((count) => count > 0), `challenges on every master: ${owners.join(', ')}`);
      for (const { id, code } of challenges) {
        assert.equal((await codes.verify(id, code!)).outcome, 'verified');
        assert.equal((await codes.takeVerified(id))?.data.personalId, CITIZEN.personalId);
      }
    });
  });

  describeWholeApp(() => ({ REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: cluster.nodeAddresses.join(',') }));
});

describe('Redis Cluster failover', function () {
  let cluster: RedisClusterSet;
  let client: RedisClient;
  const prefix = freshPrefix();
  let store: RedisProtocolStateStore;

  before(async function () {
    cluster = await startRedisCluster(this, { replicas: true });
    client = createRedisClient(clusterSettings(cluster));
    store = new RedisProtocolStateStore(client, prefix);
  });
  after(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  it('keeps working after a master dies, on the same client, once its replica has taken over its slots', async function () {
    this.timeout(30_000);
    const grants = Array.from({ length: 30 }, () => ({ grantId: randomUUID(), access: randomUUID() }));
    for (const { grantId, access } of grants) await store.upsert('AccessToken', access, samplePayload({ kind: 'AccessToken', grantId }), 60);
    const [victim, heir] = [cluster.masters[0]!, cluster.replicas[0]!];
    const written = (await keysOn(victim, prefix)).sort();
    assert.ok(written.length > 0);
    await eventually(async () => assert.deepEqual((await keysOn(heir, prefix)).sort(), written, 'replicated'));

    await victim.stop();
    await eventually(async () => {
      for (const { access } of grants) assert.ok(await store.find('AccessToken', access));
    }, 20_000);
    assert.equal(await role(heir), 'master');

    // Writes and grant revocations reach the slots the heir took over.
    const onHeir = grants.filter(({ grantId }) => written.some((key) => key.includes(grantId)));
    for (const { grantId, access } of onHeir) {
      await store.upsert('RefreshToken', `${access}-refresh`, samplePayload({ kind: 'RefreshToken', grantId }), 60);
      await store.revokeByGrantId(grantId);
      assert.equal(await store.find('AccessToken', access), undefined);
      assert.equal(await store.find('RefreshToken', `${access}-refresh`), undefined);
    }
    assert.ok((await keysOn(heir, prefix)).length < written.length, 'the revocations happened on the heir');
  });
});
