import { createHash, timingSafeEqual } from 'node:crypto';

/** Compares secrets in time independent of where they differ, whatever their lengths. */
export function constantTimeEqual(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
