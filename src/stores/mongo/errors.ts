import {
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';

import { DuplicateKeyError, NotFoundError, StoreUnavailableError } from '../errors.ts';

const DUPLICATE_KEY = 11000;

/**
 * Runs a driver call and maps its failures to the domain's errors: duplicate keys become DuplicateKeyError
 * (naming the field), anything else that means "cannot reach or use MongoDB" becomes StoreUnavailableError.
 * `violatedField` answers which unique field clashed when the server does not say (FerretDB omits keyPattern).
 */
export async function mongoCall<T>(entity: string, operation: () => Promise<T>, violatedField?: () => Promise<string>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof NotFoundError || error instanceof DuplicateKeyError) throw error;
    if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) {
      const reported = Object.keys(error.keyPattern ?? error.keyValue ?? {})[0];
      const field = reported ?? (violatedField ? await violatedField().catch(() => 'id') : 'id');
      throw new DuplicateKeyError(entity, field === '_id' ? 'id' : field);
    }
    if (isOutage(error)) throw new StoreUnavailableError('mongodb', error);
    // Anything else is a bug or an unsupported server feature: it must surface as such, not as an outage.
    throw error;
  }
}

/** Cannot reach the server, or it did not answer in time (network errors include socket timeouts). */
function isOutage(error: unknown): boolean {
  return (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoOperationTimeoutError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoNotConnectedError ||
    (error instanceof Error && error.name === 'MongoPoolClearedError')
  );
}
