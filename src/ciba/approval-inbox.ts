/**
 * The citizen's inbox of pending back-channel sign-in requests (CIBA): which requests wait for this account's
 * decision. oidc-provider keeps each request itself (BackchannelAuthenticationRequest, by id); this index is
 * what lets the citizen's phone list them. Entries expire with their request.
 */
export interface ApprovalInboxStore {
  /** Adds request `requestId` to the account's inbox until `expiresAt` (epoch ms). */
  add(accountId: string, requestId: string, expiresAt: number): Promise<void>;
  /** The account's requests not yet expired at `now`, oldest first. */
  list(accountId: string, now: number): Promise<string[]>;
  /** True when this call removed it: of concurrent removals (two taps on two devices) exactly one wins. */
  remove(accountId: string, requestId: string): Promise<boolean>;
}
