import type { AccountStore } from '../accounts/account.ts';
import type { CredentialStore } from '../accounts/credentials.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { ProtocolStateStore } from '../oidc/protocol-state.ts';
import type { RelyingPartyStore } from '../relying-parties/relying-party.ts';

/** Everything DinhDanh persists, as the composition root hands it out. One implementation per backend. */
export interface Stores {
  accounts: AccountStore;
  credentials: CredentialStore;
  relyingParties: RelyingPartyStore;
  audit: AuditLog;
  protocolState: ProtocolStateStore;
  close(): Promise<void>;
}
