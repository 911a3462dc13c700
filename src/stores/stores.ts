import type { AccountStore } from '../accounts/account.ts';
import type { ConsentStore } from '../accounts/consents.ts';
import type { CredentialStore } from '../accounts/credentials.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { FailureCounterStore } from '../authentication/login-throttle.ts';
import type { ApprovalInboxStore } from '../ciba/approval-inbox.ts';
import type { StaffStore } from '../desk/staff.ts';
import type { OneTimeCodeStore } from '../authentication/one-time-codes.ts';
import type { ProtocolStateStore } from '../oidc/protocol-state.ts';
import type { RelyingPartyStore } from '../relying-parties/relying-party.ts';

export interface BackendHealth {
  ok: boolean;
  /** Why it is not ok (never a secret: no URIs with credentials). */
  detail?: string;
}

/** Everything DinhDanh persists, as the composition root hands it out. One implementation per backend. */
export interface Stores {
  accounts: AccountStore;
  credentials: CredentialStore;
  consents: ConsentStore;
  relyingParties: RelyingPartyStore;
  /** Enrollment-desk staff and their roles. */
  staff: StaffStore;
  audit: AuditLog;
  protocolState: ProtocolStateStore;
  oneTimeCodes: OneTimeCodeStore;
  /** Pending back-channel (CIBA) sign-in requests per account (short-lived: Redis when configured). */
  approvalInbox: ApprovalInboxStore;
  /** Throttling and lockout counters (short-lived state: Redis when configured). */
  failureCounters: FailureCounterStore;
  /** Back-channel logout retries (Redis when configured) and dead letters (MongoDB). */
  logoutDeliveries: import('../logout/deliveries.ts').LogoutDeliveryStores;
  /** Readiness of each backend, answered within the backend's configured timeout. */
  health(): Promise<Record<string, BackendHealth>>;
  close(): Promise<void>;
}
