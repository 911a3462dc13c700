/**
 * One-time code rules (one-time-codes.contract.ts) against the memory store and a single Redis;
 * redis-topologies.test.ts runs them against Sentinel and Cluster.
 */
import { MemoryOneTimeCodeStore } from '../../src/stores/memory/one-time-codes.ts';
import { RedisOneTimeCodeStore } from '../../src/stores/redis/one-time-codes.ts';
import { redisBackend } from './backends.ts';
import { describeOneTimeCodeContract, type OneTimeCodeImplementation } from './one-time-codes.contract.ts';

const implementations: OneTimeCodeImplementation[] = [
  { name: 'memory', create: async () => ({ store: new MemoryOneTimeCodeStore(), close: async () => undefined }) },
  {
    name: 'redis',
    async create(suite) {
      const backend = await redisBackend(suite);
      return { store: new RedisOneTimeCodeStore(backend.client, backend.prefix), close: () => backend.close() };
    },
  },
];

for (const implementation of implementations) describeOneTimeCodeContract(implementation);
