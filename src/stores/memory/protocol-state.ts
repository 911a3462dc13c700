import type { AdapterPayload } from 'oidc-provider';

import type { ProtocolStateStore } from '../../oidc/protocol-state.ts';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
}

/**
 * Protocol state in this process's memory: the embedded default. Lost on restart and invisible to other
 * processes, which is why production refuses it.
 */
export class MemoryProtocolStateStore implements ProtocolStateStore {
  readonly #entries = new Map<string, Entry>();
  /** Secondary indexes: `model:uid:<uid>` / `model:userCode:<code>` / grant id → primary keys. */
  readonly #lookups = new Map<string, string>();
  readonly #grants = new Map<string, Set<string>>();
  readonly #now: () => number;
  #writesSinceSweep = 0;

  constructor({ now = Date.now }: { now?: () => number } = {}) {
    this.#now = now;
  }

  #key(model: string, id: string) {
    return `${model}:${id}`;
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #sweep() {
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    for (const [key, target] of this.#lookups) if (!this.#entries.has(target)) this.#lookups.delete(key);
    for (const [grantId, keys] of this.#grants) {
      for (const key of keys) if (!this.#entries.has(key)) keys.delete(key);
      if (!keys.size) this.#grants.delete(grantId);
    }
  }

  async upsert(model: string, id: string, payload: AdapterPayload, expiresInSeconds: number) {
    const key = this.#key(model, id);
    this.#entries.set(key, { payload: structuredClone(payload), expiresAt: this.#now() + expiresInSeconds * 1000 });
    if (payload.uid) this.#lookups.set(`${model}:uid:${payload.uid}`, key);
    if (payload.userCode) this.#lookups.set(`${model}:userCode:${payload.userCode}`, key);
    if (payload.grantId) {
      const keys = this.#grants.get(payload.grantId) ?? new Set<string>();
      keys.add(key);
      this.#grants.set(payload.grantId, keys);
    }
    // Expired entries are dropped on read; the periodic sweep bounds memory for entries never read again.
    if (++this.#writesSinceSweep >= 1000) {
      this.#writesSinceSweep = 0;
      this.#sweep();
    }
  }

  async find(model: string, id: string) {
    const entry = this.#live(this.#key(model, id));
    return entry && structuredClone(entry.payload);
  }

  async #findBy(lookup: string) {
    const key = this.#lookups.get(lookup);
    const entry = key ? this.#live(key) : undefined;
    return entry && structuredClone(entry.payload);
  }

  findByUid(model: string, uid: string) {
    return this.#findBy(`${model}:uid:${uid}`);
  }

  findByUserCode(model: string, userCode: string) {
    return this.#findBy(`${model}:userCode:${userCode}`);
  }

  async consume(model: string, id: string) {
    // Single-threaded: the check and the write below cannot interleave with another consume.
    const entry = this.#live(this.#key(model, id));
    if (!entry || entry.payload.consumed) return false;
    entry.payload.consumed = Math.floor(this.#now() / 1000);
    return true;
  }

  async destroy(model: string, id: string) {
    this.#entries.delete(this.#key(model, id));
  }

  async revokeByGrantId(grantId: string) {
    for (const key of this.#grants.get(grantId) ?? []) this.#entries.delete(key);
    this.#grants.delete(grantId);
  }

  async close() {
    this.#entries.clear();
    this.#lookups.clear();
    this.#grants.clear();
  }
}
