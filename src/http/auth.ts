import type { FastifyRequest } from 'fastify';
import type { RequestedBy } from '../domain/audit.js';
import { DomainError } from '../domain/errors.js';
import { secretMatcher } from '../services/constant-time.js';
import type { TokenIssuer } from '../services/token-issuer.js';

export type Caller =
  | { kind: 'admin' }
  /** A signed-in person; staff may also check tickets in and read every event's bookings. */
  | { kind: 'user'; userId: string; staff: boolean }
  | { kind: 'anonymous' }
  /** Credentials were sent but are wrong; answered 401 after rate limiting has counted the attempt. */
  | { kind: 'rejected'; reason: string };

export interface AuthOptions {
  adminUser: string;
  adminPassword: string;
  openBooking: boolean;
  tokens: TokenIssuer;
  /** Keys the idempotency fingerprints too. */
  authSecret: string;
}

export interface BasicCredentials {
  login: string;
  password: string;
}

/** The user:password pair of a Basic Authorization header, or null when it is not one. */
export function basicCredentials(authorization: string | undefined): BasicCredentials | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { login: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Synchronous for Basic and anonymous callers; a bearer token is verified asynchronously. */
export type Identify = (authorization: string | undefined) => Caller | Promise<Caller>;

const ADMIN: Caller = Object.freeze({ kind: 'admin' });
const ANONYMOUS: Caller = Object.freeze({ kind: 'anonymous' });
/** Spellings of the admin's header remembered at most; a client sends one, Basic allows a few (case, spacing). */
const PROVEN_ADMIN_HEADERS = 16;

/** Who is calling, from the Authorization header; the admin's secrets are digested once, here. */
export function callerIdentifier(options: AuthOptions): Identify {
  const adminUser = secretMatcher(options.adminUser);
  const adminPassword = secretMatcher(options.adminPassword);
  const isAdmin = (login: string, password: string) => [adminUser(login), adminPassword(password)].every(Boolean);
  // A header once proven the admin's is known by a hash lookup, which never compares it byte by byte with a
  // secret; anything else still takes the two constant-time digests (they were 5 % of every admin request).
  const provenAdmin = new Set<string>();
  return (authorization) => {
    if (authorization !== undefined && provenAdmin.has(authorization)) return ADMIN;
    const caller = identify(authorization, options.tokens, isAdmin);
    if (caller === ADMIN && authorization !== undefined && provenAdmin.size < PROVEN_ADMIN_HEADERS) provenAdmin.add(authorization);
    return caller;
  };
}

function identify(
  authorization: string | undefined,
  tokens: TokenIssuer,
  isAdmin: (login: string, password: string) => boolean,
): Caller | Promise<Caller> {
  const header = authorization?.trim() ?? '';
  if (header === '') return ANONYMOUS;
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer?.[1]) return bearerCaller(tokens, bearer[1]);
  const basic = basicCredentials(header);
  if (basic) {
    if (isAdmin(basic.login, basic.password)) return ADMIN;
    return { kind: 'rejected', reason: 'The admin user name or password is wrong.' };
  }
  return { kind: 'rejected', reason: 'Send a bearer token, or admin credentials with HTTP Basic.' };
}

async function bearerCaller(tokens: TokenIssuer, token: string): Promise<Caller> {
  const claims = await tokens.verify(token);
  if (!claims) return { kind: 'rejected', reason: 'The bearer token is invalid or has expired; sign in again.' };
  if (claims.role === 'admin') return ADMIN;
  return { kind: 'user', userId: claims.userId, staff: claims.role === 'staff' };
}

export function unauthorized(message: string): DomainError {
  return new DomainError('UNAUTHORIZED', message);
}

/** Throws the 401 of a caller whose credentials were refused. */
export function refuseRejected(caller: Caller): void {
  if (caller.kind === 'rejected') throw unauthorized(caller.reason);
}

export function requestedBy(request: FastifyRequest, caller: Caller): RequestedBy {
  const actor = caller.kind === 'admin' ? 'admin' : caller.kind === 'user' ? caller.userId : 'public';
  return { actor, requestId: request.id };
}

/** Door work: the admin, or a user the admin made staff; the audit names staff as `staff:<id>`. */
export function requireStaff(request: FastifyRequest, caller: Caller): RequestedBy {
  if (caller.kind === 'admin') return { actor: 'admin', requestId: request.id };
  if (caller.kind === 'user' && caller.staff) return { actor: `staff:${caller.userId}`, requestId: request.id };
  if (caller.kind === 'user') throw new DomainError('FORBIDDEN', 'Only staff and the admin may do this.');
  throw unauthorized('This needs staff or admin credentials.');
}

export function requireAdmin(caller: Caller): void {
  if (caller.kind === 'admin') return;
  if (caller.kind === 'user') throw new DomainError('FORBIDDEN', 'Only the admin may do this.');
  throw unauthorized('This needs admin credentials.');
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
  if (caller.kind !== 'admin' && !options.openBooking) {
    throw unauthorized('Booking and cancelling need you to sign in.');
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
  if (!options.openBooking) throw unauthorized('Reading a booking needs you to sign in.');
}
