/** The embedded default: every store in this process's memory. */
import type { Stores } from '../stores.ts';
import { MemoryAccountStore } from './accounts.ts';
import { MemoryAuditLog } from './audit-log.ts';
import { MemoryConsentStore } from './consents.ts';
import { MemoryCredentialStore } from './credentials.ts';
import { MemoryFailureCounterStore } from './failure-counters.ts';
import { MemoryOneTimeCodeStore } from './one-time-codes.ts';
import { MemoryProtocolStateStore } from './protocol-state.ts';
import { MemoryRelyingPartyStore } from './relying-parties.ts';
import { MemoryStaffStore } from './staff.ts';
import { MemoryApprovalInboxStore } from './approval-inbox.ts';
import { MemoryLogoutDeadLetterStore, MemoryLogoutDeliveryQueue } from './logout-deliveries.ts';

export function createMemoryStores(): Stores {
  const protocolState = new MemoryProtocolStateStore();
  return {
    accounts: new MemoryAccountStore(),
    credentials: new MemoryCredentialStore(),
    consents: new MemoryConsentStore(),
    relyingParties: new MemoryRelyingPartyStore(),
    staff: new MemoryStaffStore(),
    audit: new MemoryAuditLog(),
    protocolState,
    oneTimeCodes: new MemoryOneTimeCodeStore(),
    failureCounters: new MemoryFailureCounterStore(),
    approvalInbox: new MemoryApprovalInboxStore(),
    logoutDeliveries: { queue: new MemoryLogoutDeliveryQueue(), deadLetters: new MemoryLogoutDeadLetterStore() },
    async health() {
      return { memory: { ok: true } };
    },
    async close() {
      await protocolState.close();
    },
  };
}
