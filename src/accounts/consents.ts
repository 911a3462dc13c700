/**
 * The durable record of what a citizen agreed to share with which relying party. oidc-provider keeps the
 * working copy as a Grant in protocol state; this record is what the citizen sees and revokes, and what
 * survives Redis being flushed.
 */

export interface Consent {
  accountId: string;
  clientId: string;
  /** Scopes granted, space-separated as in OAuth. */
  scope: string;
  /** oidc-provider grant id, for revocation (RFC 7009 / revokeByGrantId). */
  grantId: string;
  /** Why the data may be shared: the citizen's decision on the consent page, or a statute (legalBasis). */
  basis: 'consent' | 'legal_basis';
  /** The statute, with basis `legal_basis`. */
  legalBasis?: string;
  grantedAt: Date;
}

export interface ConsentStore {
  /** One consent per (account, client): a new decision replaces the previous one. */
  record(consent: Omit<Consent, 'grantedAt'>): Promise<Consent>;
  listForAccount(accountId: string): Promise<Consent[]>;
  /** Removes the consent; returns it so the caller can revoke its grant. */
  withdraw(accountId: string, clientId: string): Promise<Consent | undefined>;
}
