import { clearSession, currentSession } from './session.js';

// The shapes the server answers with, from its HTTP contract (type-only: nothing of the server is
// bundled into the page).
import type {
  AuditEntryAnswer as AuditEntry,
  BookingAnswer as Booking,
  BookingStatus,
  DeliveryAttemptAnswer as Delivery,
  EventAnswer as BoxEvent,
  EventPatchBody as EventPatch,
  NewEventBody,
  ProblemAnswer,
  Role,
  SessionProfile as SessionInfo,
  WaitlistMode,
  WebhookAnswer as Webhook,
} from '../http/contract.js';

export type { AuditEntry, Booking, BookingStatus, BoxEvent, Delivery, EventPatch, Role, SessionInfo, WaitlistMode, Webhook };

/** The booking rules of an event, as the organizer's forms edit them. */
export type EventSettings = Pick<BoxEvent, 'maxPerBooking' | 'waitlistMode' | 'offerTtlSeconds' | 'holdTtlSeconds'>;

/** A booking of mine on My tickets: the booking with the event it belongs to. */
export type MyBooking = Booking & { event: { id: string; name: string; startsAt: string | null; timeZone: string } };

/** The server's problem details; a request that never got an answer gets one made up, with code NETWORK_ERROR. */
export type Problem = Omit<ProblemAnswer, 'code'> & { code: ProblemAnswer['code'] | typeof NETWORK_ERROR };

/** The code of a request that never reached the server or never came back. */
export const NETWORK_ERROR = 'NETWORK_ERROR';

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

/** What the organizer's form sends to create an event: the server makes an id when none is given. */
export type EventInput = Omit<NewEventBody, 'id'> & { id?: string };

interface CallOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Makes a retried mutation safe: the server answers a repeat with the first answer. */
  idempotencyKey?: string;
  accept?: string;
}

/**
 * Every call goes to this origin, so the browser sends the HttpOnly session cookie by itself and,
 * on changes, the Origin header the server checks it against. No token ever passes through here.
 */
async function send(path: string, options: CallOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method: options.method ?? 'GET',
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? null : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError({
      type: 'about:blank',
      title: 'Network error',
      status: 0,
      detail: 'The request did not reach the server.',
      code: NETWORK_ERROR,
    });
  }
  if (response.ok) return response;
  const parsed = parseJson(await response.text().catch(() => ''));
  // A session the server no longer accepts is useless for every later call too.
  if (response.status === 401 && currentSession()) clearSession();
  const retryAfter = Number(response.headers.get('retry-after'));
  throw new ApiError(
    isProblem(parsed) ? parsed : unknownProblem(response.status),
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  );
}

async function call<T>(path: string, options: CallOptions = {}): Promise<T> {
  const response = await send(path, options);
  return parseJson(await response.text().catch(() => '')) as T;
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

function page(limit: number, cursor: string | undefined): string {
  return `limit=${limit}${cursor ? `&cursor=${segment(cursor)}` : ''}`;
}

function bookingPath(eventId: string, userId: string): string {
  return `/events/${segment(eventId)}/bookings/${segment(userId)}`;
}

export interface CancelAnswer {
  booking: Booking;
  promoted: Booking | null;
}

export const api = {
  signUp: (input: { email: string; password: string; name?: string }) =>
    call<{ user: { id: string } }>('/users', { method: 'POST', body: input }),
  signIn: (email: string, password: string) =>
    call<{ session: SessionInfo }>('/auth/session', { method: 'POST', body: { email, password } }),
  whoAmI: () => call<{ session: SessionInfo | null }>('/auth/session'),
  signOut: () => call<{ session: null }>('/auth/session', { method: 'DELETE' }),

  listEvents: (cursor?: string, limit = 200) => call<{ events: BoxEvent[]; nextCursor: string | null }>(`/events?${page(limit, cursor)}`),
  getEvent: (eventId: string) => call<BoxEvent>(`/events/${segment(eventId)}`),
  createEvent: (input: EventInput) => call<BoxEvent>('/events', { method: 'POST', body: input }),
  updateEvent: (eventId: string, patch: EventPatch) => call<BoxEvent>(`/events/${segment(eventId)}`, { method: 'PATCH', body: patch }),

  /** Without userId: for the signed-in user; with one: the organizer books on someone's behalf. */
  book: (eventId: string, input: { quantity?: number; hold?: boolean; userId?: string; userEmail?: string }, idempotencyKey: string) =>
    call<{ booking: Booking }>(`/events/${segment(eventId)}/bookings`, { method: 'POST', body: input, idempotencyKey }),
  getBooking: (eventId: string, userId: string) => call<{ booking: Booking }>(bookingPath(eventId, userId)),
  cancel: (eventId: string, userId: string, idempotencyKey: string) =>
    call<CancelAnswer>(bookingPath(eventId, userId), { method: 'DELETE', idempotencyKey }),
  confirm: (eventId: string, userId: string, idempotencyKey: string) =>
    call<{ booking: Booking }>(`${bookingPath(eventId, userId)}/confirm`, { method: 'POST', body: {}, idempotencyKey }),
  reduce: (eventId: string, userId: string, quantity: number, idempotencyKey: string) =>
    call<CancelAnswer>(bookingPath(eventId, userId), { method: 'PATCH', body: { quantity }, idempotencyKey }),
  myBookings: (cursor?: string) => call<{ bookings: MyBooking[]; nextCursor: string | null }>(`/me/bookings?${page(50, cursor)}`),

  bookings: (eventId: string, status: BookingStatus | null, cursor?: string) =>
    call<{ bookings: Booking[]; nextCursor: string | null }>(
      `/events/${segment(eventId)}/bookings?${status ? `status=${status}&` : ''}${page(50, cursor)}`,
    ),
  attendeeCsv: async (eventId: string) => (await send(`/events/${segment(eventId)}/bookings`, { accept: 'text/csv' })).blob(),
  audit: (eventId: string, after: number, limit = 200) =>
    call<{ entries: AuditEntry[]; next: number | null }>(`/events/${segment(eventId)}/audit?after=${after}&limit=${limit}`),
  checkIn: (eventId: string, ticketCode: string, idempotencyKey: string) =>
    call<{ booking: Booking }>(`/events/${segment(eventId)}/check-ins`, { method: 'POST', body: { ticketCode }, idempotencyKey }),

  setRole: (userId: string, role: 'user' | 'staff') =>
    call<{ user: { id: string; role: Role } }>(`/users/${segment(userId)}`, { method: 'PATCH', body: { role } }),
  webhooks: () => call<{ webhooks: Webhook[] }>('/webhooks'),
  createWebhook: (url: string, actions: string[] | undefined) =>
    call<{ webhook: Webhook; secret: string }>('/webhooks', { method: 'POST', body: actions ? { url, actions } : { url } }),
  deleteWebhook: (id: string) => call<{ webhook: Webhook }>(`/webhooks/${segment(id)}`, { method: 'DELETE' }),
  deliveries: (id: string, cursor?: string) =>
    call<{ deliveries: Delivery[]; nextCursor: string | null }>(`/webhooks/${segment(id)}/deliveries?${page(20, cursor)}`),
  testWebhook: (id: string) =>
    call<{ delivered: boolean; statusCode: number | null; error: string | null; durationMs: number }>(`/webhooks/${segment(id)}/test`, {
      method: 'POST',
      body: {},
    }),
};

export function streamUrl(eventId: string): string {
  return `/api/v1/events/${segment(eventId)}/stream`;
}

export function calendarUrl(eventId: string): string {
  return `/api/v1/events/${segment(eventId)}/calendar.ics`;
}
