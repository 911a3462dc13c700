import type { ApprovalInboxStore } from '../../ciba/approval-inbox.ts';

export class MemoryApprovalInboxStore implements ApprovalInboxStore {
  readonly #inboxes = new Map<string, Map<string, number>>();

  async add(accountId: string, requestId: string, expiresAt: number) {
    const inbox = this.#inboxes.get(accountId) ?? new Map<string, number>();
    inbox.set(requestId, expiresAt);
    this.#inboxes.set(accountId, inbox);
  }

  async list(accountId: string, now: number) {
    const inbox = this.#inboxes.get(accountId);
    if (!inbox) return [];
    for (const [requestId, expiresAt] of inbox) if (expiresAt <= now) inbox.delete(requestId);
    return [...inbox].sort((a, b) => a[1] - b[1]).map(([requestId]) => requestId);
  }

  async remove(accountId: string, requestId: string) {
    return this.#inboxes.get(accountId)?.delete(requestId) ?? false;
  }
}
