/**
 * The ProtocolStateStore contract (protocol-state.contract.ts) against the memory store and a single Redis;
 * redis-topologies.test.ts runs it against Sentinel and Cluster.
 */
import assert from 'node:assert/strict';

import { MemoryProtocolStateStore } from '../../src/stores/memory/protocol-state.ts';
import { StoreUnavailableError } from '../../src/stores/errors.ts';
import { createRedisClient } from '../../src/stores/redis/client.ts';
import { RedisProtocolStateStore } from '../../src/stores/redis/protocol-state.ts';
import { redisBackend, type RedisBackend } from './backends.ts';
import { describeProtocolStateContract, type ProtocolStateImplementation } from './protocol-state.contract.ts';

const implementations: ProtocolStateImplementation[] = [
  {
    name: 'memory',
    async create() {
      const store = new MemoryProtocolStateStore();
      return { store, close: () => store.close() };
    },
  },
  {
    name: 'redis',
    async create(suite) {
      const backend: RedisBackend = await redisBackend(suite);
      return { store: new RedisProtocolStateStore(backend.client, backend.prefix), restart: () => backend.server.restart(), close: () => backend.close() };
    },
  },
];

for (const implementation of implementations) describeProtocolStateContract(implementation);

describe('Redis protocol state with no server to talk to', () => {
  it('fails with StoreUnavailableError within the command timeout instead of hanging', async () => {
    const client = createRedisClient({
      url: 'redis://127.0.0.1:1', // nothing listens on port 1
      mode: 'single',
      sentinels: [],
      sentinelMaster: 'unused',
      clusterNodes: [],
      keyPrefix: 'unreachable:',
      commandTimeoutMs: 300,
    });
    try {
      const started = Date.now();
      await assert.rejects(new RedisProtocolStateStore(client, 'unreachable:').find('Session', 'nothing'), StoreUnavailableError);
      assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    } finally {
      client.disconnect();
    }
  });
});
