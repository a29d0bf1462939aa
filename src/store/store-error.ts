import { DomainError } from '../domain/errors.js';
import type { Dialect } from './dialect.js';

/** A driver error as the services see it: UNAVAILABLE when the database is out of reach or overloaded. */
export function storeError(dialect: Dialect, error: unknown): unknown {
  if (error instanceof DomainError) return error;
  // A conflict that outlived every retry means overload: the client should come back, not see a 500.
  if (dialect.isUnavailable(error) || dialect.isTransient(error)) {
    return new DomainError('UNAVAILABLE', 'The database cannot be reached right now; try again shortly.', {}, { cause: error });
  }
  return error;
}
