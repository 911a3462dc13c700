import { StoreUnavailableError } from '../errors.ts';

/** Runs a Redis operation; any failure of the connection or server becomes the domain's StoreUnavailableError. */
export async function redisCall<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw new StoreUnavailableError('redis', error);
  }
}
