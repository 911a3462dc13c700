/**
 * Back-channel logout deliveries (OpenID Connect Back-Channel Logout 1.0) that did not reach their relying
 * party at once: the retry queue, and the dead letters an operator sees once the retries are spent. The
 * delivery itself is src/logout/back-channel-logout.ts.
 *
 * Neither holds a logout token. A logout token lives 120 seconds (oidc-provider's `expiresIn` for
 * `use: 'logout'`) and a relying party must refuse one that is not recent (§2.6), so every attempt issues a
 * fresh token for the same account and `sid`; keeping signed tokens around would only keep bearer artefacts.
 */

/** One relying party to tell that one session ended. */
export interface LogoutTarget {
  clientId: string;
  /**
   * DinhDanh's account id (never sent as such): oidc-provider derives the relying party's `sub` from it
   * (pairwise per sector) each time it issues the logout token.
   */
  accountId: string;
  /** The session id this relying party knows (`sid` of its ID tokens; one per relying party and session). */
  sid: string;
}

export interface PendingLogoutDelivery extends LogoutTarget {
  id: string;
  /** Attempts made so far. */
  attempts: number;
  /** When the session ended (epoch ms). */
  firstAttemptAt: number;
  /** Why the previous attempt failed. */
  lastError?: string;
  /** The `sub` of the previous attempt's logout token, as the relying party knows the citizen. */
  sub?: string;
}

/**
 * Pending retries, shared by every provider process (Redis when configured, so they survive a restart).
 * A claimed delivery is hidden for a lease rather than removed: a process that dies mid-attempt leaves it to
 * be claimed again when the lease ends, instead of losing it.
 */
export interface LogoutDeliveryQueue {
  /** Queues `delivery`, replacing the one with the same id, hidden from `claimDue` until `dueAt` (epoch ms). */
  schedule(delivery: PendingLogoutDelivery, dueAt: number): Promise<void>;
  /**
   * Up to `limit` deliveries due at `now`, earliest first, each hidden from every caller until `now + leaseMs`.
   * Of concurrent callers (several processes), each delivery goes to exactly one.
   */
  claimDue(now: number, leaseMs: number, limit: number): Promise<PendingLogoutDelivery[]>;
  /** Takes the delivery off the queue (delivered, or given up on). */
  remove(id: string): Promise<void>;
  /** How many deliveries are queued, due or not. */
  size(): Promise<number>;
}

/** A delivery given up on after its last retry: what an operator needs to follow it up with the relying party. */
export interface LogoutDeadLetter extends LogoutTarget {
  /** The delivery's id. */
  id: string;
  /** The `sub` of the last logout token (what the relying party's operator searches for), when one was issued. */
  sub?: string;
  attempts: number;
  lastError: string;
  firstAttemptAt: Date;
  lastAttemptAt: Date;
}

export interface LogoutDeadLetterStore {
  /** Records `letter`, replacing one with the same id (a delivery may be given up on twice after a crash). */
  record(letter: LogoutDeadLetter): Promise<void>;
  /** Most recent last attempt first. */
  list(filter?: { clientId?: string; limit?: number }): Promise<LogoutDeadLetter[]>;
  /** Removes and returns the record (an operator sends it again): of concurrent callers exactly one gets it. */
  take(id: string): Promise<LogoutDeadLetter | undefined>;
}

/** Where each backend keeps them (src/stores/stores.ts). */
export interface LogoutDeliveryStores {
  queue: LogoutDeliveryQueue;
  deadLetters: LogoutDeadLetterStore;
}
