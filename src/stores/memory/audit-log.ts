import { randomUUID } from 'node:crypto';

import type { AuditEvent, AuditLog, NewAuditEvent } from '../../audit/audit-log.ts';

export class MemoryAuditLog implements AuditLog {
  readonly #events: AuditEvent[] = [];

  async record(event: NewAuditEvent) {
    const stored: AuditEvent = { ...structuredClone(event), id: randomUUID(), at: new Date() };
    this.#events.push(stored);
    return structuredClone(stored);
  }

  async list({ accountId, type, limit = 100 }: { accountId?: string; type?: AuditEvent['type']; limit?: number } = {}) {
    return this.#events
      .filter((event) => (!accountId || event.accountId === accountId) && (!type || event.type === type))
      .slice(-limit)
      .reverse()
      .map((event) => structuredClone(event));
  }
}
