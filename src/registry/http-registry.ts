/**
 * The population registry over HTTP (registry-api.ts): the national registry's service, or DinhDanh's
 * simulator (`npm run registry`).
 *
 * Resilience, because every enrollment, login and release of claims asks the registry:
 *   - a timeout per attempt (REGISTRY_TIMEOUT_MS);
 *   - bounded retries (REGISTRY_RETRIES) with exponential backoff and decorrelated jitter, on network
 *     errors, timeouts, 429 and 5xx only. All three calls are reads — the match is a POST only to keep the
 *     identity data out of URLs and logs — so a retry cannot change anything;
 *   - a circuit breaker: after 5 consecutive failed calls it opens and calls fail at once (no waiting on a
 *     registry that is down), and one trial call after `halfOpenAfterMs` decides whether it closes;
 *   - answers validated against the contract: a malformed answer is an outage, not a crash.
 * Every failure reaches callers as RegistryUnavailableError. Metrics go to the prom-client registry given.
 */
import { BrokenCircuitError, ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, retry, wrap, CircuitState } from 'cockatiel';
import type { JWK } from 'jose';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { z } from 'zod';

import { createClientAssertionSigner } from './client-assertion.ts';
import {
  RegistryUnavailableError,
  type CitizenRecord,
  type CitizenStatus,
  type MatchQuery,
  type PopulationRegistry,
} from './population-registry.ts';
import { citizenRecordSchema, citizenStatusSchema, matchResponseSchema, registryAudience, registryPaths } from './registry-api.ts';

export interface HttpRegistryOptions {
  baseUrl: string;
  callerId: string;
  callerKey: JWK;
  timeoutMs: number;
  retries: number;
  logger: Logger;
  metrics?: Registry;
  /** Consecutive failed calls that open the circuit. */
  breakerThreshold?: number;
  /** How long the circuit stays open before one trial call. */
  halfOpenAfterMs?: number;
  /** First backoff delay; each retry waits longer, with jitter. */
  initialBackoffMs?: number;
}

/** A failure worth retrying: the registry may answer the same request next time. */
class TransientRegistryError extends Error {
  override name = 'TransientRegistryError';
}

type Operation = 'match' | 'citizen' | 'status';

export class HttpPopulationRegistry implements PopulationRegistry {
  readonly #options: HttpRegistryOptions;
  readonly #sign: Promise<() => Promise<string>>;
  readonly #policy;
  readonly #breaker;
  readonly #duration?: Histogram<'operation' | 'outcome'>;
  readonly #retries?: Counter;

  constructor(options: HttpRegistryOptions) {
    this.#options = options;
    this.#sign = createClientAssertionSigner(options.callerKey, options.callerId, registryAudience(options.baseUrl));
    const transient = handleWhen((error) => error instanceof TransientRegistryError);
    const retries = retry(transient, {
      maxAttempts: options.retries,
      backoff: new ExponentialBackoff({ initialDelay: options.initialBackoffMs ?? 50, maxDelay: 1000 }),
    });
    this.#breaker = circuitBreaker(transient, { halfOpenAfter: options.halfOpenAfterMs ?? 10_000, breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 5) });
    // The breaker outside the retries: one call that failed after all its retries counts once.
    this.#policy = wrap(this.#breaker, retries);

    if (options.metrics) {
      const registers = [options.metrics];
      this.#duration = new Histogram({
        name: 'dinhdanh_registry_request_duration_seconds',
        help: 'Population registry calls by operation and outcome, retries included',
        labelNames: ['operation', 'outcome'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers,
      });
      this.#retries = new Counter({ name: 'dinhdanh_registry_retries_total', help: 'Retried registry attempts', registers });
      const breaker = this.#breaker;
      new Gauge({
        name: 'dinhdanh_registry_circuit_open',
        help: '1 while the circuit breaker to the registry is open (calls fail at once)',
        registers,
        collect() {
          this.set(breaker.state === CircuitState.Open || breaker.state === CircuitState.Isolated ? 1 : 0);
        },
      });
      retries.onRetry(() => this.#retries?.inc());
    }
    this.#breaker.onBreak(() => options.logger.error({ registry: options.baseUrl }, 'population registry circuit OPEN: calls fail at once until a trial call succeeds'));
    this.#breaker.onReset(() => options.logger.warn({ registry: options.baseUrl }, 'population registry circuit closed again'));
  }

  /** One HTTP exchange: 2xx → validated body, 404 → undefined, 429/5xx/network/timeout → retried. */
  async #attempt<T>(path: string, schema: z.ZodType<T>, init: { method: 'GET' } | { method: 'POST'; body: unknown }): Promise<T | undefined> {
    const sign = await this.#sign;
    let response: Response;
    try {
      response = await fetch(new URL(path, `${registryAudience(this.#options.baseUrl)}/`), {
        method: init.method,
        headers: {
          authorization: `Bearer ${await sign()}`,
          accept: 'application/json',
          ...(init.method === 'POST' ? { 'content-type': 'application/json' } : {}),
        },
        body: init.method === 'POST' ? JSON.stringify(init.body) : undefined,
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
    } catch (error) {
      throw new TransientRegistryError(`registry did not answer: ${(error as Error).message}`, { cause: error });
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel();
      throw new TransientRegistryError(`registry answered ${response.status}`);
    }
    if (response.status === 401) {
      await response.body?.cancel();
      this.#options.logger.error({ registry: this.#options.baseUrl, callerId: this.#options.callerId }, 'the population registry refused our client assertion: is REGISTRY_CALLER_KEY_FILE the key it trusts?');
      throw new RegistryUnavailableError('the registry refused DinhDanh as a caller (401)');
    }
    if (!response.ok) {
      const text = await response.text();
      throw new RegistryUnavailableError(`registry answered ${response.status}: ${text.slice(0, 200)}`);
    }
    const parsed = schema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) throw new RegistryUnavailableError('registry answer does not follow the contract');
    return parsed.data;
  }

  async #call<T>(operation: Operation, run: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    let outcome = 'ok';
    try {
      return await this.#policy.execute(run);
    } catch (error) {
      outcome = error instanceof BrokenCircuitError ? 'circuit_open' : 'error';
      if (error instanceof RegistryUnavailableError) throw error;
      if (error instanceof BrokenCircuitError) throw new RegistryUnavailableError('registry circuit open: recent calls failed', { cause: error });
      throw new RegistryUnavailableError((error as Error).message, { cause: error });
    } finally {
      this.#duration?.observe({ operation, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  async match(query: MatchQuery): Promise<boolean> {
    const answer = await this.#call('match', () =>
      this.#attempt(registryPaths.match, matchResponseSchema, { method: 'POST', body: { personalId: query.personalId, fullName: query.fullName, birthDate: query.birthDate } }),
    );
    return answer?.match ?? false;
  }

  findCitizen(personalId: string): Promise<CitizenRecord | undefined> {
    if (!/^\d{12}$/.test(personalId)) return Promise.resolve(undefined);
    return this.#call('citizen', () => this.#attempt(registryPaths.citizen(personalId), citizenRecordSchema, { method: 'GET' }));
  }

  status(personalId: string): Promise<CitizenStatus | undefined> {
    if (!/^\d{12}$/.test(personalId)) return Promise.resolve(undefined);
    return this.#call('status', () => this.#attempt(registryPaths.status(personalId), citizenStatusSchema, { method: 'GET' }));
  }
}
