/**
 * Approval inboxes in Redis: one sorted set per account, `dd:ciba:{<accountId>}`, members the request ids
 * scored by their expiry (epoch ms). Listing drops expired members; the key itself expires with its
 * longest-lived member, so an abandoned inbox leaves nothing behind. ZREM's count makes removal exactly-once.
 */
import type { ApprovalInboxStore } from '../../ciba/approval-inbox.ts';
import { redisCall } from './call.ts';
import type { RedisClient } from './client.ts';

// KEYS[1]; ARGV: expiresAt (ms), requestId. Adds the member and keeps the key alive as long as it.
const ADD = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
local left = tonumber(ARGV[1]) - tonumber(redis.call('TIME')[1]) * 1000
if ttl < left then redis.call('PEXPIRE', KEYS[1], math.max(left, 1)) end
return 1`;

type ScriptedClient = RedisClient & { dinhdanhInboxAdd(key: string, expiresAt: number, requestId: string): Promise<number> };

export class RedisApprovalInboxStore implements ApprovalInboxStore {
  readonly #redis: ScriptedClient;
  readonly #prefix: string;

  constructor(redis: RedisClient, prefix: string) {
    redis.defineCommand('dinhdanhInboxAdd', { numberOfKeys: 1, lua: ADD });
    this.#redis = redis as ScriptedClient;
    this.#prefix = prefix;
  }

  #key(accountId: string) {
    return `${this.#prefix}ciba:{${accountId}}`;
  }

  async add(accountId: string, requestId: string, expiresAt: number) {
    await redisCall(() => this.#redis.dinhdanhInboxAdd(this.#key(accountId), expiresAt, requestId));
  }

  list(accountId: string, now: number) {
    return redisCall(async () => {
      await this.#redis.zremrangebyscore(this.#key(accountId), '-inf', String(now));
      return this.#redis.zrange(this.#key(accountId), '0', '-1');
    });
  }

  remove(accountId: string, requestId: string) {
    return redisCall(async () => (await this.#redis.zrem(this.#key(accountId), requestId)) === 1);
  }
}
