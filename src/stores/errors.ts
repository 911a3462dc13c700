/**
 * Errors every store implementation maps its backend's failures to, so the domain never sees a driver error.
 */

/** A unique constraint was violated (one account per personal identification number, one client per id, …). */
export class DuplicateKeyError extends Error {
  override name = 'DuplicateKeyError';

  constructor(
    readonly entity: string,
    readonly field: string,
  ) {
    super(`${entity} with this ${field} already exists`);
  }
}

/** The record to change does not exist (any more). */
export class NotFoundError extends Error {
  override name = 'NotFoundError';

  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${id} not found`);
  }
}

/**
 * The backend did not answer in time or is unreachable. Nothing was changed by the failed call; the
 * citizen is asked to start again and readiness reports the backend as down.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';

  constructor(
    readonly backend: 'redis' | 'mongodb',
    cause: unknown,
  ) {
    super(`${backend} is unavailable: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}
