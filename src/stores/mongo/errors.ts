import { MongoServerError } from 'mongodb';

import { DuplicateKeyError, NotFoundError, StoreUnavailableError } from '../errors.ts';

const DUPLICATE_KEY = 11000;

/**
 * Runs a driver call and maps its failures to the domain's errors: duplicate keys become DuplicateKeyError
 * (naming the field), anything else that means "cannot reach or use MongoDB" becomes StoreUnavailableError.
 */
export async function mongoCall<T>(entity: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof NotFoundError || error instanceof DuplicateKeyError) throw error;
    if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) {
      const field = Object.keys(error.keyPattern ?? error.keyValue ?? {})[0] ?? fieldFromMessage(error.message);
      throw new DuplicateKeyError(entity, field === '_id' ? 'id' : field);
    }
    throw new StoreUnavailableError('mongodb', error);
  }
}

/** Some MongoDB-protocol servers omit keyPattern; the index name in the message still names the field. */
function fieldFromMessage(message: string): string {
  return /index: (\w+?)(_1|_-1)?\b/.exec(message)?.[1] ?? 'id';
}
