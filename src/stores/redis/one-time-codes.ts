/**
 * One-time code challenges in Redis: one hash per challenge, `dd:otp:{<id>}`, expiring with the flow.
 * (Hashes live under their own `otp:` namespace, so they never meet the string keys of protocol state.)
 * Every rule is applied inside one Lua script, so concurrent requests cannot interleave between the
 * check and the write.
 */
import type { AttemptOutcome, Challenge, OneTimeCodeStore, ResendOutcome } from '../../authentication/one-time-codes.ts';
import { redisCall } from './call.ts';
import type { RedisClient } from './client.ts';

// KEYS[1] challenge; ARGV: codeHash, maxAttempts, now. Returns {outcome, attemptsLeft}.
const ATTEMPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing', 0} end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
local left = tonumber(ARGV[2]) - attempts
if left < 0 then left = 0 end
if redis.call('HGET', KEYS[1], 'verified') == '1' then return {'wrong', left} end
if tonumber(ARGV[3]) > tonumber(redis.call('HGET', KEYS[1], 'codeExpiresAt')) then return {'expired', left} end
if redis.call('HGET', KEYS[1], 'codeHash') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'verified', '1')
  return {'verified', left}
end
if attempts >= tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
  return {'exhausted', 0}
end
return {'wrong', left}`;

// KEYS[1] challenge; ARGV: codeHash, now, minIntervalMs, maxSends, codeExpiresAt.
const REPLACE_CODE = `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HGET', KEYS[1], 'verified') == '1' then return 'missing' end
if tonumber(redis.call('HGET', KEYS[1], 'sends')) >= tonumber(ARGV[4]) then return 'limit' end
if tonumber(ARGV[2]) - tonumber(redis.call('HGET', KEYS[1], 'lastSentAt')) < tonumber(ARGV[3]) then return 'too_soon' end
redis.call('HSET', KEYS[1], 'codeHash', ARGV[1], 'lastSentAt', ARGV[2], 'codeExpiresAt', ARGV[5])
redis.call('HINCRBY', KEYS[1], 'sends', 1)
return 'sent'`;

const TAKE_VERIFIED = `
if redis.call('HGET', KEYS[1], 'verified') ~= '1' then return false end
local fields = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return fields`;

type ScriptedClient = RedisClient & {
  dinhdanhOtpAttempt(key: string, codeHash: string, maxAttempts: number, now: number): Promise<[AttemptOutcome, number]>;
  dinhdanhOtpReplace(key: string, codeHash: string, now: number, minIntervalMs: number, maxSends: number, codeExpiresAt: number): Promise<ResendOutcome>;
  dinhdanhOtpTake(key: string): Promise<string[] | null>;
};

function fromHash(fields: Record<string, string>): Challenge | undefined {
  if (!fields.id) return undefined;
  return {
    id: fields.id,
    purpose: fields.purpose as Challenge['purpose'],
    data: JSON.parse(fields.data ?? '{}') as Record<string, string>,
    codeHash: fields.codeHash!,
    attempts: Number(fields.attempts),
    sends: Number(fields.sends),
    lastSentAt: Number(fields.lastSentAt),
    codeExpiresAt: Number(fields.codeExpiresAt),
    verified: fields.verified === '1',
  };
}

export class RedisOneTimeCodeStore implements OneTimeCodeStore {
  readonly #redis: ScriptedClient;
  readonly #prefix: string;

  constructor(redis: RedisClient, prefix: string) {
    redis.defineCommand('dinhdanhOtpAttempt', { numberOfKeys: 1, lua: ATTEMPT });
    redis.defineCommand('dinhdanhOtpReplace', { numberOfKeys: 1, lua: REPLACE_CODE });
    redis.defineCommand('dinhdanhOtpTake', { numberOfKeys: 1, lua: TAKE_VERIFIED });
    this.#redis = redis as ScriptedClient;
    this.#prefix = prefix;
  }

  #key(id: string) {
    return `${this.#prefix}otp:{${id}}`;
  }

  create(challenge: Challenge, ttlSeconds: number) {
    return redisCall(async () => {
      const key = this.#key(challenge.id);
      await this.#redis
        .multi()
        .hset(key, {
          id: challenge.id,
          purpose: challenge.purpose,
          data: JSON.stringify(challenge.data),
          codeHash: challenge.codeHash,
          attempts: challenge.attempts,
          sends: challenge.sends,
          lastSentAt: challenge.lastSentAt,
          codeExpiresAt: challenge.codeExpiresAt,
          verified: challenge.verified ? '1' : '0',
        })
        .expire(key, ttlSeconds)
        .exec();
    });
  }

  get(id: string) {
    return redisCall(async () => fromHash(await this.#redis.hgetall(this.#key(id))));
  }

  attempt(id: string, codeHash: string, { maxAttempts, now }: { maxAttempts: number; now: number }) {
    return redisCall(async () => {
      const [outcome, attemptsLeft] = await this.#redis.dinhdanhOtpAttempt(this.#key(id), codeHash, maxAttempts, now);
      return { outcome, attemptsLeft: Number(attemptsLeft) };
    });
  }

  replaceCode(id: string, codeHash: string, rules: { now: number; minIntervalMs: number; maxSends: number; codeExpiresAt: number }) {
    return redisCall(() => this.#redis.dinhdanhOtpReplace(this.#key(id), codeHash, rules.now, rules.minIntervalMs, rules.maxSends, rules.codeExpiresAt));
  }

  takeVerified(id: string) {
    return redisCall(async () => {
      const flat = await this.#redis.dinhdanhOtpTake(this.#key(id));
      if (!flat) return undefined;
      const fields: Record<string, string> = {};
      for (let index = 0; index < flat.length; index += 2) fields[flat[index]!] = flat[index + 1]!;
      return fromHash(fields);
    });
  }

  delete(id: string) {
    return redisCall(async () => {
      await this.#redis.del(this.#key(id));
    });
  }
}
