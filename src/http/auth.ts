import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { RequestedBy } from '../domain/audit.js';
import { DomainError } from '../domain/errors.js';

export type Caller = { kind: 'admin' } | { kind: 'user'; userId: string } | { kind: 'anonymous' };

export interface AuthOptions {
  adminUser: string;
  adminPassword: string;
  openBooking: boolean;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Equal-length digests make the comparison constant-time whatever the input lengths. */
function safeEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function unauthorized(message: string): DomainError {
  return new DomainError('UNAUTHORIZED', message);
}

/** Who is calling, from the Authorization header; wrong credentials are a 401, never anonymous. */
export function identify(authorization: string | undefined, options: AuthOptions): Caller {
  if (authorization === undefined || authorization.trim() === '') return { kind: 'anonymous' };
  const [scheme = '', credentials = ''] = authorization.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() !== 'basic') {
    throw unauthorized('Use HTTP Basic credentials for this server.');
  }
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon >= 0 ? decoded.slice(0, colon) : '';
  const password = colon >= 0 ? decoded.slice(colon + 1) : '';
  const userMatches = safeEqual(user, options.adminUser);
  const passwordMatches = safeEqual(password, options.adminPassword);
  if (colon < 0 || !userMatches || !passwordMatches) throw unauthorized('The user name or password is wrong.');
  return { kind: 'admin' };
}

export function requestedBy(request: FastifyRequest, caller: Caller): RequestedBy {
  const actor = caller.kind === 'admin' ? 'admin' : caller.kind === 'user' ? caller.userId : 'public';
  return { actor, requestId: request.id };
}

export function requireAdmin(caller: Caller): void {
  if (caller.kind === 'admin') return;
  if (caller.kind === 'anonymous') throw unauthorized('This needs admin credentials.');
  throw new DomainError('FORBIDDEN', 'Only the admin may do this.');
}

function forOtherUser(userId: string): DomainError {
  return new DomainError('FORBIDDEN', `You may act only on your own bookings, not on those of ${userId}.`);
}

/**
 * The user a booking call acts for: the named one for the admin and for open booking,
 * the caller themself for a signed-in user.
 */
export function bookingUser(caller: Caller, named: string | undefined, options: AuthOptions): string {
  if (caller.kind === 'user') {
    if (named !== undefined && named !== caller.userId) throw forOtherUser(named);
    return caller.userId;
  }
  if (caller.kind === 'anonymous' && !options.openBooking) {
    throw unauthorized('Booking and cancelling need credentials.');
  }
  if (named === undefined) {
    throw new DomainError('VALIDATION_FAILED', 'Name the user: give userId or userEmail.', {
      errors: [{ path: '/body/userId', message: 'is required (or userEmail)' }],
    });
  }
  return named;
}

/** Reading one user's booking: that user, the admin, or anyone under open booking. */
export function requireBookingReader(caller: Caller, userId: string, options: AuthOptions): void {
  if (caller.kind === 'admin') return;
  if (caller.kind === 'user') {
    if (caller.userId !== userId) throw forOtherUser(userId);
    return;
  }
  if (!options.openBooking) throw unauthorized('Reading a booking needs credentials.');
}
