/**
 * When a provider session was last used, for the level-2 idle limit (LEVEL_2_IDLE_SECONDS, 30 minutes by
 * default): a level-2 session that served no authorization request for that long counts as level 1 until the
 * citizen authenticates again. Kept in the protocol-state store (Redis when configured, so every process
 * sees the same activity) under the session's uid, which oidc-provider keeps across the session id rotation
 * at each login.
 */
import type { AdapterPayload } from 'oidc-provider';

import type { ProtocolStateStore } from '../oidc/protocol-state.ts';

const MODEL = 'SessionActivity';

export function createSessionActivity({ store, keepSeconds, clock }: { store: ProtocolStateStore; keepSeconds: number; clock: () => number }) {
  return {
    /** Epoch seconds of the session's last recorded use, if any. */
    async lastSeen(sessionUid: string): Promise<number | undefined> {
      const record = await store.find(MODEL, sessionUid);
      return typeof record?.lastSeen === 'number' ? record.lastSeen : undefined;
    },

    async touch(sessionUid: string): Promise<void> {
      await store.upsert(MODEL, sessionUid, { lastSeen: Math.floor(clock() / 1000) } as AdapterPayload, keepSeconds);
    },
  };
}

export type SessionActivity = ReturnType<typeof createSessionActivity>;
