/**
 * The back-channel logout retry queue in Redis, shared by every provider process and kept across restarts:
 * `dd:logout:{deliveries}`, a sorted set of delivery ids scored by when each is due (epoch ms), and
 * `dd:logout:{deliveries}:data`, a hash of id → the delivery as JSON. One hash tag, so both keys share a
 * Cluster slot and every script touches one slot. Claiming is one script: it moves the due deliveries' scores
 * past a lease, so concurrent claimers (several processes) never get the same delivery.
 */
import type { LogoutDeliveryQueue, PendingLogoutDelivery } from '../../logout/deliveries.ts';
import { redisCall } from './call.ts';
import type { RedisClient } from './client.ts';

// KEYS: queue, data; ARGV: id, dueAt, payload.
const SCHEDULE = `
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1`;

// KEYS: queue, data; ARGV: now, leaseEndsAt, limit. Returns the claimed payloads, earliest due first.
const CLAIM_DUE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local claimed = {}
for _, id in ipairs(ids) do
  local payload = redis.call('HGET', KEYS[2], id)
  if payload then
    redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id)
    claimed[#claimed + 1] = payload
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return claimed`;

// KEYS: queue, data; ARGV: id.
const REMOVE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return 1`;

type ScriptedClient = RedisClient & {
  dinhdanhLogoutSchedule(queue: string, data: string, id: string, dueAt: number, payload: string): Promise<number>;
  dinhdanhLogoutClaimDue(queue: string, data: string, now: number, leaseEndsAt: number, limit: number): Promise<string[]>;
  dinhdanhLogoutRemove(queue: string, data: string, id: string): Promise<number>;
};

export class RedisLogoutDeliveryQueue implements LogoutDeliveryQueue {
  readonly #redis: ScriptedClient;
  readonly #queue: string;
  readonly #data: string;

  constructor(redis: RedisClient, prefix: string) {
    redis.defineCommand('dinhdanhLogoutSchedule', { numberOfKeys: 2, lua: SCHEDULE });
    redis.defineCommand('dinhdanhLogoutClaimDue', { numberOfKeys: 2, lua: CLAIM_DUE });
    redis.defineCommand('dinhdanhLogoutRemove', { numberOfKeys: 2, lua: REMOVE });
    this.#redis = redis as ScriptedClient;
    this.#queue = `${prefix}logout:{deliveries}`;
    this.#data = `${prefix}logout:{deliveries}:data`;
  }

  async schedule(delivery: PendingLogoutDelivery, dueAt: number) {
    await redisCall(() => this.#redis.dinhdanhLogoutSchedule(this.#queue, this.#data, delivery.id, dueAt, JSON.stringify(delivery)));
  }

  async claimDue(now: number, leaseMs: number, limit: number) {
    const payloads = await redisCall(() => this.#redis.dinhdanhLogoutClaimDue(this.#queue, this.#data, now, now + leaseMs, limit));
    return payloads.map((payload) => JSON.parse(payload) as PendingLogoutDelivery);
  }

  async remove(id: string) {
    await redisCall(() => this.#redis.dinhdanhLogoutRemove(this.#queue, this.#data, id));
  }

  size() {
    return redisCall(() => this.#redis.zcard(this.#queue));
  }
}
