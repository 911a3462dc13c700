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
