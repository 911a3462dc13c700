/**
 * Failure counters in Redis: one hash per key, `dd:fail:{<key>}` {failures, notBefore}, expiring
 * `ttlSeconds` after the last failure. The count and the delay are computed in one Lua script, so
 * concurrent failures are all counted and the delay follows the final count.
 */
import type { FailureCounterStore, FailureRecord, FailureRule } from '../../authentication/login-throttle.ts';
import { redisCall } from './call.ts';
import type { RedisClient } from './client.ts';

// KEYS[1]; ARGV: now, freeFailures, baseDelayMs, maxDelayMs, ttlSeconds. Returns {failures, notBefore}.
const RECORD_FAILURE = `
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
local notBefore = 0
local over = failures - tonumber(ARGV[2])
if over > 0 then
  notBefore = tonumber(ARGV[1]) + math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * 2 ^ (over - 1))
end
redis.call('HSET', KEYS[1], 'notBefore', notBefore)
redis.call('EXPIRE', KEYS[1], ARGV[5])
return {failures, tostring(notBefore)}`;

type ScriptedClient = RedisClient & {
  dinhdanhRecordFailure(key: string, now: number, freeFailures: number, baseDelayMs: number, maxDelayMs: number, ttlSeconds: number): Promise<[number, string]>;
};

export class RedisFailureCounterStore implements FailureCounterStore {
  readonly #redis: ScriptedClient;
  readonly #prefix: string;

  constructor(redis: RedisClient, prefix: string) {
    redis.defineCommand('dinhdanhRecordFailure', { numberOfKeys: 1, lua: RECORD_FAILURE });
    this.#redis = redis as ScriptedClient;
    this.#prefix = prefix;
  }

  #key(key: string) {
    return `${this.#prefix}fail:{${key}}`;
  }

  get(key: string): Promise<FailureRecord | undefined> {
    return redisCall(async () => {
      const fields = await this.#redis.hgetall(this.#key(key));
      return fields.failures ? { failures: Number(fields.failures), notBefore: Number(fields.notBefore ?? 0) } : undefined;
    });
  }

  recordFailure(key: string, rule: FailureRule, now: number): Promise<FailureRecord> {
    return redisCall(async () => {
      const [failures, notBefore] = await this.#redis.dinhdanhRecordFailure(this.#key(key), now, rule.freeFailures, rule.baseDelayMs, rule.maxDelayMs, rule.ttlSeconds);
      return { failures: Number(failures), notBefore: Number(notBefore) };
    });
  }

  reset(key: string): Promise<void> {
    return redisCall(async () => {
      await this.#redis.del(this.#key(key));
    });
  }
}
