import type { Consent, ConsentStore } from '../../accounts/consents.ts';

export class MemoryConsentStore implements ConsentStore {
  readonly #byKey = new Map<string, Consent>();

  async record(consent: Omit<Consent, 'grantedAt'>) {
    const stored: Consent = { ...consent, grantedAt: new Date() };
    this.#byKey.set(`${consent.accountId}\n${consent.clientId}`, stored);
    return structuredClone(stored);
  }

  async listForAccount(accountId: string) {
    return [...this.#byKey.values()].filter((consent) => consent.accountId === accountId).map((consent) => structuredClone(consent));
  }

  async withdraw(accountId: string, clientId: string) {
    const key = `${accountId}\n${clientId}`;
    const consent = this.#byKey.get(key);
    this.#byKey.delete(key);
    return consent && structuredClone(consent);
  }
}
