import { clearSession, currentSession } from './session.js';

// The shapes the server answers with, straight from its domain types (type-only: nothing of the
// server is bundled into the page).
import type { AuditEntry } from '../domain/audit.js';
import type { BookingStatus, BookingView as Booking } from '../domain/booking.js';
import type { EventView as BoxEvent, EventPatch, NewEvent } from '../domain/event.js';

export type { AuditEntry, Booking, BookingStatus, BoxEvent, EventPatch };

export interface TokenGrant {
  token: string;
  tokenType: 'Bearer';
  expiresIn: number;
  userId: string;
  role: 'admin' | 'user';
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
  errors?: { path: string; message: string }[];
  booking?: Booking;
}

/** A failed call: the server's problem details, or a problem made up for a request that never got an answer. */
export class ApiError extends Error {
  constructor(
    readonly problem: Problem,
    /** Seconds from Retry-After, when the server sent one. */
    readonly retryAfter: number | null = null,
  ) {
    super(problem.detail);
  }

  get code(): string {
    return this.problem.code;
  }
}

/** The code of a request that never reached the server or never came back. */
export const NETWORK_ERROR = 'NETWORK_ERROR';

/** What the organizer's form sends to create an event: the server makes an id when none is given. */
export type EventInput = Pick<NewEvent, 'name' | 'totalTickets'> & Partial<Pick<NewEvent, 'id' | 'venue' | 'startsAt'>>;

interface CallOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Makes a retried mutation safe: the server answers a repeat with the first answer. */
  idempotencyKey?: string;
  /** Sign-in sends credentials of its own; a stale token must not go along. */
  anonymous?: boolean;
}

async function call<T>(path: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const session = options.anonymous ? null : currentSession();
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError({ type: 'about:blank', title: 'Network error', status: 0, detail: 'The request did not reach the server.', code: NETWORK_ERROR });
  }
  const text = await response.text().catch(() => '');
  const parsed = parseJson(text);
  if (response.ok) return parsed as T;
  // A token the server no longer accepts is useless for every later call too.
  if (response.status === 401 && session) clearSession();
  const retryAfter = Number(response.headers.get('retry-after'));
  throw new ApiError(isProblem(parsed) ? parsed : unknownProblem(response.status), Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && typeof (value as Problem).code === 'string';
}

/** An answer without problem details: a proxy in between, most likely. */
function unknownProblem(status: number): Problem {
  const code = status === 404 ? 'NOT_FOUND' : status === 429 ? 'RATE_LIMITED' : status >= 500 ? 'UNAVAILABLE' : 'INTERNAL';
  return { type: 'about:blank', title: `HTTP ${status}`, status, detail: `The server answered ${status}.`, code };
}

/** A fresh Idempotency-Key; getRandomValues works on plain-HTTP origins too, unlike randomUUID. */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

const segment = encodeURIComponent;

export const api = {
  signUp: (input: { email: string; password: string; name?: string }) =>
    call<{ user: { id: string } }>('/users', { method: 'POST', body: input, anonymous: true }),
  signIn: (email: string, password: string) =>
    call<TokenGrant>('/auth/token', { method: 'POST', body: { email, password }, anonymous: true }),

  listEvents: (cursor?: string) =>
    call<{ events: BoxEvent[]; nextCursor: string | null }>(`/events?limit=50${cursor ? `&cursor=${segment(cursor)}` : ''}`),
  getEvent: (eventId: string) => call<BoxEvent>(`/events/${segment(eventId)}`),
  createEvent: (input: EventInput) => call<BoxEvent>('/events', { method: 'POST', body: input }),
  updateEvent: (eventId: string, patch: EventPatch) =>
    call<BoxEvent>(`/events/${segment(eventId)}`, { method: 'PATCH', body: patch }),

  book: (eventId: string, idempotencyKey: string) =>
    call<{ booking: Booking }>(`/events/${segment(eventId)}/bookings`, { method: 'POST', body: {}, idempotencyKey }),
  getBooking: (eventId: string, userId: string) =>
    call<{ booking: Booking }>(`/events/${segment(eventId)}/bookings/${segment(userId)}`),
  cancel: (eventId: string, userId: string, idempotencyKey: string) =>
    call<{ booking: Booking; promoted: Booking | null }>(`/events/${segment(eventId)}/bookings/${segment(userId)}`, {
      method: 'DELETE',
      idempotencyKey,
    }),

  waitlist: (eventId: string, cursor?: string) =>
    call<{ bookings: Booking[]; nextCursor: string | null }>(
      `/events/${segment(eventId)}/bookings?status=waitlisted&limit=50${cursor ? `&cursor=${segment(cursor)}` : ''}`,
    ),
  audit: (eventId: string, after: number, limit = 25) =>
    call<{ entries: AuditEntry[]; next: number | null }>(`/events/${segment(eventId)}/audit?after=${after}&limit=${limit}`),
};

export function streamUrl(eventId: string): string {
  return `/api/v1/events/${segment(eventId)}/stream`;
}
