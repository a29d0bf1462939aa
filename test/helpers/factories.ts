import type { EventCommand } from '../../src/domain/decide.js';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { AuditEntry } from '../../src/domain/audit.js';
import type { BookingView } from '../../src/domain/booking.js';
import type { EventView } from '../../src/domain/event.js';
import { ADMIN_AUTH } from './test-app.js';

let sequence = 0;

export function uniqueId(prefix: string): string {
  sequence += 1;
  return `${prefix}-${process.pid}-${sequence}`;
}

export function asAdmin(headers: Record<string, string> = {}): Record<string, string> {
  return { authorization: ADMIN_AUTH, ...headers };
}

function expectStatus(response: LightMyRequestResponse, status: number): void {
  if (response.statusCode !== status) {
    throw new Error(`expected ${status}, got ${response.statusCode}: ${response.body}`);
  }
}

export async function createEvent(
  app: FastifyInstance,
  fields: Partial<{
    id: string;
    name: string;
    venue: string;
    startsAt: string;
    totalTickets: number;
    maxPerBooking: number;
    waitlistMode: 'auto' | 'offer';
    offerTtlSeconds: number;
    holdTtlSeconds: number;
    timeZone: string;
  }> = {},
): Promise<EventView> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: asAdmin(),
    payload: { id: uniqueId('ev'), name: 'Test concert', totalTickets: 2, ...fields },
  });
  expectStatus(response, 201);
  return response.json<EventView>();
}

export async function book(
  app: FastifyInstance,
  eventId: string,
  userId: string,
  choice: { quantity?: number; hold?: boolean } = {},
): Promise<BookingView> {
  const response = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}/bookings`,
    headers: asAdmin(),
    payload: { userId, ...choice },
  });
  expectStatus(response, 201);
  return response.json<{ booking: BookingView }>().booking;
}

export async function cancel(
  app: FastifyInstance,
  eventId: string,
  userId: string,
): Promise<{ booking: BookingView; promoted: BookingView | null }> {
  const response = await app.inject({
    method: 'DELETE',
    url: `/api/v1/events/${eventId}/bookings/${userId}`,
    headers: asAdmin(),
  });
  expectStatus(response, 200);
  return response.json();
}

/** The event's whole audit log, oldest first. */
export async function auditOf(app: FastifyInstance, eventId: string): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let after = 0;
  for (;;) {
    const response = await app.inject({
      method: 'GET',
      url: `/api/v1/events/${eventId}/audit?after=${after}&limit=200`,
      headers: asAdmin(),
    });
    expectStatus(response, 200);
    const page = response.json<{ entries: AuditEntry[]; next: number | null }>();
    entries.push(...page.entries);
    if (page.next === null) return entries;
    after = page.next;
  }
}

/** Every booking of the event, in list order. */
export async function bookingsOf(app: FastifyInstance, eventId: string): Promise<BookingView[]> {
  const bookings: BookingView[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `limit=200${cursor ? `&cursor=${cursor}` : ''}`;
    const response = await app.inject({ method: 'GET', url: `/api/v1/events/${eventId}/bookings?${query}`, headers: asAdmin() });
    expectStatus(response, 200);
    const page = response.json<{ bookings: BookingView[]; nextCursor: string | null }>();
    bookings.push(...page.bookings);
    cursor = page.nextCursor;
  } while (cursor);
  return bookings;
}

/** The event's counts agree with its bookings (I1, I2, I3, I8 seen from outside). */
export async function expectCountsAgree(app: FastifyInstance, eventId: string): Promise<void> {
  const [event, bookings] = await Promise.all([getEvent(app, eventId), bookingsOf(app, eventId)]);
  const tickets = (status: string) => bookings.filter((b) => b.status === status).reduce((sum, b) => sum + b.quantity, 0);
  const waiting = bookings.filter((b) => b.status === 'waitlisted').sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  const active = bookings.filter((b) => ['confirmed', 'pending', 'waitlisted'].includes(b.status));
  const problems: string[] = [];
  const expectEqual = (what: string, actual: unknown, expected: unknown) => {
    if (actual !== expected) problems.push(`${what} is ${String(actual)}, the bookings give ${String(expected)}`);
  };
  expectEqual('bookedCount', event.bookedCount, tickets('confirmed'));
  expectEqual('heldCount', event.heldCount, tickets('pending'));
  expectEqual('availableTickets', event.availableTickets, event.totalTickets - event.bookedCount - event.heldCount);
  expectEqual('waitlistCount', event.waitlistCount, waiting.length);
  expectEqual('waitlistTickets', event.waitlistTickets, tickets('waitlisted'));
  const checkedIn = bookings.filter((b) => b.checkedInAt !== null).reduce((sum, b) => sum + b.quantity, 0);
  expectEqual('checkedInCount', event.checkedInCount, checkedIn);
  expectEqual('positions', waiting.map((b) => b.position).join(), waiting.map((_, i) => i + 1).join());
  expectEqual('active users', new Set(active.map((b) => b.userId)).size, active.length);
  if (event.availableTickets < 0) problems.push(`availableTickets is ${event.availableTickets}`);
  const head = waiting[0];
  if (head && head.quantity <= event.availableTickets) problems.push(`head ${head.userId} fits yet waits`);
  for (const b of bookings) {
    if ((b.ticketCode !== null) !== (b.confirmedAt !== null)) problems.push(`${b.userId} ${b.status} has ticketCode ${b.ticketCode}`);
  }
  if (problems.length > 0) throw new Error(`event ${eventId}: ${problems.join('; ')}`);
}

export async function getEvent(app: FastifyInstance, eventId: string): Promise<EventView> {
  const response = await app.inject({ method: 'GET', url: `/api/v1/events/${eventId}` });
  expectStatus(response, 200);
  return response.json<EventView>();
}

/** An event whose tickets are all booked by `holders`, with `waiters` on the list in that order. */
export async function soldOutEvent(app: FastifyInstance, holders: readonly string[], waiters: readonly string[]): Promise<EventView> {
  const event = await createEvent(app, { totalTickets: holders.length });
  for (const userId of [...holders, ...waiters]) await book(app, event.id, userId);
  return event;
}

/** The booking choice of a plain booking: one ticket, confirmed at once when free. */
export const ONE_TICKET = { quantity: 1, hold: false } as const;

/** Commands as the batcher queues them, without idempotency receipts. */
export function queued(commands: readonly EventCommand[]): { command: EventCommand }[] {
  return commands.map((command) => ({ command }));
}
