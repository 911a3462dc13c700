/**
 * oidc-provider protocol state in Redis.
 *
 * Key layout (prefix `dd:` by default; `{…}` is a Cluster hash tag, see docs/data-model.md):
 *   dd:<Model>:{<id>}                JSON payload, string, PX = the provider's expiresIn
 *   dd:<Model>:{<id>}:consumed       consumption time, same slot and TTL as its record
 *   dd:<Model>:uid:<uid>             id of the record with that uid (sessions)
 *   dd:<Model>:userCode:<code>       id of the record with that user code (device flow)
 *   dd:grant:{<grantId>}             set of record keys issued under the grant (same slot as dd:Grant:{<grantId>})
 *
 * Every value is a plain string or set, never a hash, so no command meets a key of another type (WRONGTYPE).
 * Consumption is a separate marker written with SET NX: atomic, and the payload is never decoded and
 * re-encoded in Lua (cjson turns [] into {}, which is how consumed tokens turn into invalid_grant).
 */
import type { AdapterPayload } from 'oidc-provider';

import type { ProtocolStateStore } from '../../oidc/protocol-state.ts';
import { redisCall } from './call.ts';
import type { RedisClient } from './client.ts';

const CONSUME = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then return 0 end
local set
if ttl > 0 then set = redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ttl) else set = redis.call('SET', KEYS[2], ARGV[1], 'NX') end
if set then return 1 else return 0 end`;

// Adds a member and extends the index's life to the longest-lived member.
const INDEX_ADD = `
redis.call('SADD', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;

const INDEX_TAKE = `
local members = redis.call('SMEMBERS', KEYS[1])
redis.call('DEL', KEYS[1])
return members`;

type ScriptedClient = RedisClient & {
  dinhdanhConsume(record: string, marker: string, consumedAt: number): Promise<number>;
  dinhdanhIndexAdd(index: string, member: string, ttlMs: number): Promise<number>;
  dinhdanhIndexTake(index: string): Promise<string[]>;
};

export class RedisProtocolStateStore implements ProtocolStateStore {
  readonly #redis: ScriptedClient;
  readonly #prefix: string;

  constructor(redis: RedisClient, prefix: string) {
    redis.defineCommand('dinhdanhConsume', { numberOfKeys: 2, lua: CONSUME });
    redis.defineCommand('dinhdanhIndexAdd', { numberOfKeys: 1, lua: INDEX_ADD });
    redis.defineCommand('dinhdanhIndexTake', { numberOfKeys: 1, lua: INDEX_TAKE });
    this.#redis = redis as ScriptedClient;
    this.#prefix = prefix;
  }

  #record(model: string, id: string) {
    return `${this.#prefix}${model}:{${id}}`;
  }
  #uidKey(model: string, uid: string) {
    return `${this.#prefix}${model}:uid:${uid}`;
  }
  #userCodeKey(model: string, userCode: string) {
    return `${this.#prefix}${model}:userCode:${userCode}`;
  }
  #grantIndex(grantId: string) {
    return `${this.#prefix}grant:{${grantId}}`;
  }

  upsert(model: string, id: string, payload: AdapterPayload, expiresInSeconds: number) {
    return redisCall(async () => {
      const key = this.#record(model, id);
      const ttlMs = Math.max(1, Math.round(expiresInSeconds * 1000));
      // Separate commands, not one MULTI: in Cluster the keys live in different slots.
      const writes: Promise<unknown>[] = [this.#redis.set(key, JSON.stringify(payload), 'PX', ttlMs)];
      if (payload.uid) writes.push(this.#redis.set(this.#uidKey(model, payload.uid), id, 'PX', ttlMs));
      if (payload.userCode) writes.push(this.#redis.set(this.#userCodeKey(model, payload.userCode), id, 'PX', ttlMs));
      if (payload.grantId) writes.push(this.#redis.dinhdanhIndexAdd(this.#grantIndex(payload.grantId), key, ttlMs));
      await Promise.all(writes);
    });
  }

  find(model: string, id: string) {
    return redisCall(async () => {
      const key = this.#record(model, id);
      const [payload, consumed] = await this.#redis.mget(key, `${key}:consumed`);
      if (!payload) return undefined;
      const parsed = JSON.parse(payload) as AdapterPayload;
      return consumed ? { ...parsed, consumed: Number(consumed) } : parsed;
    });
  }

  async #findVia(model: string, lookupKey: string) {
    const id = await redisCall(() => this.#redis.get(lookupKey));
    return id ? this.find(model, id) : undefined;
  }

  findByUid(model: string, uid: string) {
    return this.#findVia(model, this.#uidKey(model, uid));
  }

  findByUserCode(model: string, userCode: string) {
    return this.#findVia(model, this.#userCodeKey(model, userCode));
  }

  consume(model: string, id: string) {
    return redisCall(async () => {
      const key = this.#record(model, id);
      return (await this.#redis.dinhdanhConsume(key, `${key}:consumed`, Math.floor(Date.now() / 1000))) === 1;
    });
  }

  destroy(model: string, id: string) {
    return redisCall(async () => {
      const key = this.#record(model, id);
      const payload = await this.#redis.get(key);
      const parsed = payload ? (JSON.parse(payload) as AdapterPayload) : undefined;
      const deletions: Promise<unknown>[] = [this.#redis.del(key, `${key}:consumed`)];
      if (parsed?.uid) deletions.push(this.#redis.del(this.#uidKey(model, parsed.uid)));
      if (parsed?.userCode) deletions.push(this.#redis.del(this.#userCodeKey(model, parsed.userCode)));
      await Promise.all(deletions);
    });
  }

  revokeByGrantId(grantId: string) {
    return redisCall(async () => {
      const keys = await this.#redis.dinhdanhIndexTake(this.#grantIndex(grantId));
      await Promise.all(keys.map((key) => this.#redis.del(key, `${key}:consumed`)));
    });
  }

  async close() {
    // The client belongs to the composition root, which closes it once for every store using it.
  }
}
