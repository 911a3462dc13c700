/**
 * Back-channel logout (OpenID Connect Back-Channel Logout 1.0) that survives a relying party being down.
 *
 * oidc-provider decides who is told: when a citizen logs out (RP-initiated logout, src/oidc/provider.ts), its
 * end_session action calls `client.backchannelLogout(accountId, sid)` for every relying party of the session
 * with a back-channel logout URI, and waits for them all before answering (lib/actions/end_session.js). Its
 * own delivery is a single try (a relying party restarting at that moment never learns of the logout),
 * with a fixed 2.5 s timeout, and it refuses relying parties on private addresses, which government networks
 * use. So DinhDanh takes over that one method on its provider's Client class (`deliverLogoutTokensThrough`;
 * each Provider instance has its own class) and delivers here:
 *
 * - the first attempt at once, within the logout request (the citizen waits at most ATTEMPT_TIMEOUT_MS);
 * - after a failure (network error, no answer in time, anything but 2xx) the delivery is queued and retried
 *   after each of RETRY_DELAYS_MS; after the last one it becomes a dead letter an operator can list and send
 *   again (`redeliver`). Delivery and final failure are audited.
 *
 * Every attempt issues a fresh logout token for the same account and `sid` (src/logout/logout-token.ts): a
 * logout token is valid for 120 s and relying parties must refuse one that is not recent (§2.6), so the
 * token of a first attempt could not be sent again ten minutes later. The queue and dead letters therefore
 * hold no token (src/logout/deliveries.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Provider } from 'oidc-provider';
import type { Logger } from 'pino';

import type { AuditLog } from '../audit/audit-log.ts';
import type { LogoutDeliveryStores, LogoutTarget, PendingLogoutDelivery } from './deliveries.ts';
import { issueLogoutToken, postLogoutToken, type ProviderClient } from './logout-token.ts';

/**
 * Waits before each retry, after the failure before it: six attempts over about 18 minutes. Relying parties
 * restart (a deployment takes minutes) and networks blip, so a single try loses logouts; the specification
 * says nothing about retrying, and a session a relying party has not ended after a quarter of an hour needs
 * a person (the dead letter), not more tries.
 */
export const RETRY_DELAYS_MS: readonly number[] = [10_000, 30_000, 2 * 60_000, 5 * 60_000, 10 * 60_000];
/** How long one attempt waits for the relying party's answer (also what a citizen's logout may wait). */
export const ATTEMPT_TIMEOUT_MS = 5_000;
/**
 * A claimed delivery is hidden from other processes this long: far longer than one attempt, so two processes
 * never send it at the same time, yet a process that dies mid-attempt delays it by only this much.
 */
const CLAIM_LEASE_MS = 2 * 60_000;
const WORKER_INTERVAL_MS = 5_000;
const BATCH_SIZE = 20;

interface BackChannelLogoutDependencies {
  provider: Provider;
  store: LogoutDeliveryStores;
  audit: AuditLog;
  logger: Logger;
  /** Epoch milliseconds (tests move it instead of waiting for the retries). */
  clock: () => number;
}

type Outcome = { sub?: string; error?: undefined } | { sub?: string; error: string; final: boolean };

export function createBackChannelLogout({ provider, store, audit, logger, clock }: BackChannelLogoutDependencies) {
  /** One attempt; never throws (a store or relying-party problem is an outcome, a bug is logged). */
  async function send({ clientId, accountId, sid }: LogoutTarget): Promise<Outcome> {
    let sub: string | undefined;
    try {
      const client: ProviderClient | undefined = await provider.Client.find(clientId);
      if (!client?.backchannelLogoutUri) return { error: 'the relying party is disabled or no longer has a back-channel logout URI', final: true };
      const issued = await issueLogoutToken(provider, client, accountId, sid);
      sub = issued.sub;
      await postLogoutToken(client.backchannelLogoutUri, issued.token, ATTEMPT_TIMEOUT_MS);
      return { sub };
    } catch (error) {
      return { sub, error: (error as Error).message, final: false };
    }
  }

  /** Sends a claimed delivery and records what happened: delivered, retry later, or dead letter. */
  async function attempt(delivery: PendingLogoutDelivery): Promise<Outcome> {
    const outcome = await send(delivery);
    const attempts = delivery.attempts + 1;
    const { clientId, accountId, sid } = delivery;
    if (outcome.error === undefined) {
      await store.queue.remove(delivery.id);
      await audit.record({ type: 'logout.backchannel_delivered', accountId, clientId, details: { sid, attempts } });
      return outcome;
    }
    const attemptedAt = clock();
    const sub = outcome.sub ?? delivery.sub;
    const wait = outcome.final ? undefined : RETRY_DELAYS_MS[attempts - 1];
    if (wait !== undefined) {
      logger.warn({ clientId, sid, attempts, error: outcome.error, retryInMs: wait }, 'back-channel logout not acknowledged; will retry');
      await store.queue.schedule({ ...delivery, attempts, lastError: outcome.error, ...(sub ? { sub } : {}) }, attemptedAt + wait);
      return outcome;
    }
    logger.error({ clientId, sid, attempts, error: outcome.error }, 'back-channel logout given up: dead letter recorded');
    // The dead letter first: a crash before the removal only means the delivery is tried (and recorded) again.
    await store.deadLetters.record({
      id: delivery.id,
      clientId,
      accountId,
      sid,
      ...(sub ? { sub } : {}),
      attempts,
      lastError: outcome.error,
      firstAttemptAt: new Date(delivery.firstAttemptAt),
      lastAttemptAt: new Date(attemptedAt),
    });
    await store.queue.remove(delivery.id);
    await audit.record({ type: 'logout.backchannel_failed', accountId, clientId, details: { sid, attempts, error: outcome.error } });
    return outcome;
  }

  async function runOnce(): Promise<number> {
    let handled = 0;
    for (;;) {
      const batch = await store.queue.claimDue(clock(), CLAIM_LEASE_MS, BATCH_SIZE);
      await Promise.all(
        batch.map((delivery) =>
          attempt(delivery).catch((error: unknown) => logger.error({ err: error, clientId: delivery.clientId }, 'back-channel logout retry could not be recorded')),
        ),
      );
      handled += batch.length;
      if (batch.length < BATCH_SIZE) return handled;
    }
  }

  // Runs never overlap within a process (other processes are kept apart by the queue's claim).
  let running: Promise<number> = Promise.resolve(0);
  let timer: NodeJS.Timeout | undefined;
  let ticking = false;

  const backChannelLogout = {
    /**
     * Tells one relying party that a session ended, now; queues the retries if it does not acknowledge.
     * Rejects when this first attempt failed (oidc-provider then emits `backchannel.error`).
     */
    async deliver(target: LogoutTarget): Promise<void> {
      const now = clock();
      const delivery: PendingLogoutDelivery = { id: randomUUID(), ...target, attempts: 0, firstAttemptAt: now };
      // Queued, already claimed by this process, before the first try: if the process dies during it, another
      // process sends it when the claim lapses.
      await store.queue.schedule(delivery, now + CLAIM_LEASE_MS).catch((error: unknown) => logger.error({ err: error, clientId: target.clientId }, 'back-channel logout could not be queued'));
      const outcome = await attempt(delivery).catch((error: unknown) => {
        // Sent or not, the outcome could not be recorded; the queued delivery is tried again after its claim.
        logger.error({ err: error, clientId: target.clientId }, 'back-channel logout outcome could not be recorded');
        return undefined;
      });
      if (outcome?.error !== undefined) throw new Error(`back-channel logout to ${target.clientId} not acknowledged: ${outcome.error}`);
    },

    /** Sends every delivery due now (the worker calls it; so do tests, after moving the clock). Returns how many. */
    runDueDeliveries(): Promise<number> {
      running = running.catch(() => 0).then(runOnce);
      return running;
    },

    /** An operator sends a dead letter again: it is queued as a new delivery, due now, with all its retries. */
    async redeliver(deadLetterId: string): Promise<boolean> {
      const letter = await store.deadLetters.take(deadLetterId);
      if (!letter) return false;
      const now = clock();
      try {
        await store.queue.schedule({ id: randomUUID(), clientId: letter.clientId, accountId: letter.accountId, sid: letter.sid, attempts: 0, firstAttemptAt: now }, now);
      } catch (error) {
        await store.deadLetters.record(letter);
        throw error;
      }
      return true;
    },

    start() {
      timer ??= setInterval(() => {
        if (ticking) return;
        ticking = true;
        backChannelLogout
          .runDueDeliveries()
          .catch((error: unknown) => logger.warn({ err: error }, 'back-channel logout retries could not run; next try in a few seconds'))
          .finally(() => (ticking = false));
      }, WORKER_INTERVAL_MS).unref();
    },

    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running.catch(() => undefined);
    },
  };
  return backChannelLogout;
}

export type BackChannelLogout = ReturnType<typeof createBackChannelLogout>;

/**
 * Makes `provider` hand every back-channel logout to `backChannelLogout` (see the top of this file). Fails at
 * start-up, not at the first logout, if an oidc-provider upgrade no longer has the method end_session calls.
 */
export function deliverLogoutTokensThrough(provider: Provider, backChannelLogout: Pick<BackChannelLogout, 'deliver'>): void {
  const clientPrototype = provider.Client.prototype as unknown as { backchannelLogout?: (accountId: string, sid: string) => Promise<void> };
  if (typeof clientPrototype.backchannelLogout !== 'function') {
    throw new Error('oidc-provider has no Client#backchannelLogout any more: check src/logout/back-channel-logout.ts against its end_session action');
  }
  clientPrototype.backchannelLogout = async function (this: ProviderClient, accountId: string, sid: string) {
    await backChannelLogout.deliver({ clientId: this.clientId, accountId, sid });
  };
}
