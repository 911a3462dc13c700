import type { LogoutDeadLetter, LogoutDeadLetterStore, LogoutDeliveryQueue, PendingLogoutDelivery } from '../../logout/deliveries.ts';

export class MemoryLogoutDeliveryQueue implements LogoutDeliveryQueue {
  readonly #deliveries = new Map<string, { delivery: PendingLogoutDelivery; dueAt: number }>();

  async schedule(delivery: PendingLogoutDelivery, dueAt: number) {
    this.#deliveries.set(delivery.id, { delivery: structuredClone(delivery), dueAt });
  }

  async claimDue(now: number, leaseMs: number, limit: number) {
    const due = [...this.#deliveries.values()].filter((entry) => entry.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt).slice(0, limit);
    for (const entry of due) entry.dueAt = now + leaseMs;
    return due.map((entry) => structuredClone(entry.delivery));
  }

  async remove(id: string) {
    this.#deliveries.delete(id);
  }

  async size() {
    return this.#deliveries.size;
  }
}

export class MemoryLogoutDeadLetterStore implements LogoutDeadLetterStore {
  readonly #letters = new Map<string, LogoutDeadLetter>();

  async record(letter: LogoutDeadLetter) {
    this.#letters.set(letter.id, structuredClone(letter));
  }

  async list({ clientId, limit = 100 }: { clientId?: string; limit?: number } = {}) {
    return [...this.#letters.values()]
      .filter((letter) => !clientId || letter.clientId === clientId)
      .sort((a, b) => b.lastAttemptAt.getTime() - a.lastAttemptAt.getTime())
      .slice(0, limit)
      .map((letter) => structuredClone(letter));
  }

  async take(id: string) {
    const letter = this.#letters.get(id);
    this.#letters.delete(id);
    return letter;
  }
}
