import { DomainError } from '../domain/errors.js';

/** Opaque page cursors: base64url JSON, so clients pass them back without reading them. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string, isValid: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!isValid(value)) {
    throw new DomainError('VALIDATION_FAILED', 'The cursor is not one this server handed out.', {
      errors: [{ path: '/cursor', message: 'must be a nextCursor from a previous page' }],
    });
  }
  return value;
}
