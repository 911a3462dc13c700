/**
 * oidc-provider protocol state in Redis.
 *
 * Key layout (prefix `dd:` by default; `{…}` is a Cluster hash tag, see docs/data-model.md):
 *   dd:<Model>:{<id>}                   JSON payload of a record issued under no grant (sessions, interactions, grants, …)
 *   dd:<Model>:{<id>}:consumed          its consumption time, same slot and TTL as the record
 *   dd:<Model>:{<grantId>}:id:<id>      JSON payload of a record issued under a grant (codes, tokens, …): the grant's slot
 *   dd:<Model>:{<grantId>}:id:<id>:consumed
 *   dd:<Model>:{<id>}:grant             id of the grant a record was issued under, so it is found by id alone
 *   dd:<Model>:uid:<uid>                id of the record with that uid (sessions)
 *   dd:<Model>:userCode:<code>          id of the record with that user code (device flow)
 *   dd:grant:{<grantId>}                set of the grant's record keys (same slot as dd:Grant:{<grantId>})
 *
 * Every record of a grant lives in the grant's slot (the issue: "hash tags keep a grant's keys in one slot"),
 * so revoking a grant (RFC 6749 §4.1.2, §10.4: a replayed code or refresh token) is one script that deletes
 * the records and the index together, in Cluster too: a revocation cut short cannot leave a token alive
 * with its index gone. Finding such a record by id costs a second round trip (locator, then record).
 *
 * Every value is a plain string or set, never a hash, so no command meets a key of another type (WRONGTYPE).
 * Consumption is a separate marker written with SET NX: atomic, and the payload is never decoded and
 * re-encoded in Lua (cjson turns [] into {}, which is how consumed tokens turn into invalid_grant).
 */
import type { AdapterPayload } from 'oidc-provider';

import type { ProtocolStateStore } from '../../oidc/protocol-state.ts';
import { redisCall } from './call.ts';
import type { RedisClient } from './client.ts';

// KEYS: record, marker; ARGV: consumption time. Copies the record's TTL to the marker; 1 if this call consumed it.
const CONSUME = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then return 0 end
local set
if ttl > 0 then set = redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ttl) else set = redis.call('SET', KEYS[2], ARGV[1], 'NX') end
if set then return 1 else return 0 end`;

// KEYS: record, marker, locator (one slot: the record's id). The grant id when the record lives in its
// grant's slot (the caller consumes it there), else CONSUME.
const CONSUME_OR_LOCATE = `
local grant = redis.call('GET', KEYS[3])
if grant then return grant end
${CONSUME}`;

// KEYS: record, index (one slot: the grant's); ARGV: payload, ttlMs. Writes the record and indexes it,
// extending the index's life to its longest-lived member.
const GRANT_RECORD_SET = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], KEYS[1])
local ttl = redis.call('PTTL', KEYS[2])
if ttl < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
return 1`;

// KEYS: record, index (one slot: the grant's).
const GRANT_RECORD_DELETE = `
redis.call('DEL', KEYS[1], KEYS[1] .. ':consumed')
redis.call('SREM', KEYS[2], KEYS[1])
return 1`;

// KEYS: index; ARGV: the grant's hash tag. Deletes every record of the grant, its marker and the index in
// one step. Members outside the grant's slot (indexed before records moved into their grant's slot) are
// returned for the caller to delete, since a script may not touch another node's keys in Cluster.
const GRANT_REVOKE = `
local elsewhere = {}
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if string.find(key, ARGV[1], 1, true) then redis.call('DEL', key, key .. ':consumed') else table.insert(elsewhere, key) end
end
redis.call('DEL', KEYS[1])
return elsewhere`;

type ScriptedClient = RedisClient & {
  dinhdanhConsume(record: string, marker: string, consumedAt: number): Promise<number>;
  dinhdanhConsumeOrLocate(record: string, marker: string, locator: string, consumedAt: number): Promise<number | string>;
  dinhdanhGrantRecordSet(record: string, index: string, payload: string, ttlMs: number): Promise<number>;
  dinhdanhGrantRecordDelete(record: string, index: string): Promise<number>;
  dinhdanhGrantRevoke(index: string, hashTag: string): Promise<string[]>;
};

/** Runs a MULTI whose keys share one slot; a command that failed inside it fails the whole call. */
async function transaction(multi: ReturnType<RedisClient['multi']>): Promise<void> {
  for (const [error] of (await multi.exec()) ?? []) if (error) throw error;
}

export class RedisProtocolStateStore implements ProtocolStateStore {
  readonly #redis: ScriptedClient;
  readonly #prefix: string;

  constructor(redis: RedisClient, prefix: string) {
    redis.defineCommand('dinhdanhConsume', { numberOfKeys: 2, lua: CONSUME });
    redis.defineCommand('dinhdanhConsumeOrLocate', { numberOfKeys: 3, lua: CONSUME_OR_LOCATE });
    redis.defineCommand('dinhdanhGrantRecordSet', { numberOfKeys: 2, lua: GRANT_RECORD_SET });
    redis.defineCommand('dinhdanhGrantRecordDelete', { numberOfKeys: 2, lua: GRANT_RECORD_DELETE });
    redis.defineCommand('dinhdanhGrantRevoke', { numberOfKeys: 1, lua: GRANT_REVOKE });
    this.#redis = redis as ScriptedClient;
    this.#prefix = prefix;
  }

  /** A record issued under no grant (its own slot). */
  #record(model: string, id: string) {
    return `${this.#prefix}${model}:{${id}}`;
  }
  /** A record issued under a grant (the grant's slot). */
  #grantRecord(model: string, grantId: string, id: string) {
    return `${this.#prefix}${model}:{${grantId}}:id:${id}`;
  }
  #locator(model: string, id: string) {
    return `${this.#record(model, id)}:grant`;
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
      const json = JSON.stringify(payload);
      const writes: Promise<unknown>[] = [];
      if (payload.grantId) {
        // The record first, then the locator: a device code polled while it gains its grant is found as
        // its old self or its new one, never as missing. A record that gains a grant leaves its own slot.
        await this.#redis.dinhdanhGrantRecordSet(this.#grantRecord(model, payload.grantId, id), this.#grantIndex(payload.grantId), json, ttlMs);
        writes.push(transaction(this.#redis.multi().set(this.#locator(model, id), payload.grantId, 'PX', ttlMs).del(key, `${key}:consumed`)));
      } else {
        writes.push(transaction(this.#redis.multi().set(key, json, 'PX', ttlMs).del(this.#locator(model, id))));
      }
      // Lookups live in other slots in Cluster: separate commands, not part of a MULTI.
      if (payload.uid) writes.push(this.#redis.set(this.#uidKey(model, payload.uid), id, 'PX', ttlMs));
      if (payload.userCode) writes.push(this.#redis.set(this.#userCodeKey(model, payload.userCode), id, 'PX', ttlMs));
      await Promise.all(writes);
    });
  }

  /** The record's key and marker wherever it lives, with its payload and consumption time. */
  async #locate(model: string, id: string) {
    const key = this.#record(model, id);
    const [payload, consumed, grantId] = await this.#redis.mget(key, `${key}:consumed`, this.#locator(model, id));
    if (!grantId) return { key, payload, consumed, grantId: undefined };
    const grantKey = this.#grantRecord(model, grantId, id);
    const [grantPayload, grantConsumed] = await this.#redis.mget(grantKey, `${grantKey}:consumed`);
    return { key: grantKey, payload: grantPayload, consumed: grantConsumed, grantId };
  }

  find(model: string, id: string) {
    return redisCall(async () => {
      const { payload, consumed } = await this.#locate(model, id);
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
      const now = Math.floor(Date.now() / 1000);
      const result = await this.#redis.dinhdanhConsumeOrLocate(key, `${key}:consumed`, this.#locator(model, id), now);
      if (typeof result !== 'string') return result === 1;
      const grantKey = this.#grantRecord(model, result, id);
      return (await this.#redis.dinhdanhConsume(grantKey, `${grantKey}:consumed`, now)) === 1;
    });
  }

  destroy(model: string, id: string) {
    return redisCall(async () => {
      const { key, payload, grantId } = await this.#locate(model, id);
      const parsed = payload ? (JSON.parse(payload) as AdapterPayload) : undefined;
      const home = this.#record(model, id);
      const deletions: Promise<unknown>[] = [this.#redis.del(home, `${home}:consumed`, this.#locator(model, id))];
      if (grantId) deletions.push(this.#redis.dinhdanhGrantRecordDelete(key, this.#grantIndex(grantId)));
      if (parsed?.uid) deletions.push(this.#redis.del(this.#uidKey(model, parsed.uid)));
      if (parsed?.userCode) deletions.push(this.#redis.del(this.#userCodeKey(model, parsed.userCode)));
      await Promise.all(deletions);
    });
  }

  revokeByGrantId(grantId: string) {
    return redisCall(async () => {
      const elsewhere = await this.#redis.dinhdanhGrantRevoke(this.#grantIndex(grantId), `{${grantId}}`);
      await Promise.all(elsewhere.map((key) => this.#redis.del(key, `${key}:consumed`)));
    });
  }

  async close() {
    // The client belongs to the composition root, which closes it once for every store using it.
  }
}
