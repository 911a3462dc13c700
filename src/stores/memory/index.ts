/** The embedded default: every store in this process's memory. */
import { MemoryAccountStore } from './accounts.ts';
import { MemoryAuditLog } from './audit-log.ts';
import { MemoryCredentialStore } from './credentials.ts';
import { MemoryProtocolStateStore } from './protocol-state.ts';
import { MemoryRelyingPartyStore } from './relying-parties.ts';

export function createMemoryStores() {
  return {
    accounts: new MemoryAccountStore(),
    credentials: new MemoryCredentialStore(),
    relyingParties: new MemoryRelyingPartyStore(),
    audit: new MemoryAuditLog(),
    protocolState: new MemoryProtocolStateStore(),
    async close() {
      await this.protocolState.close();
    },
  };
}
