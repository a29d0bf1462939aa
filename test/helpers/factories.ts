import type { EventCommand } from '../../src/domain/decide.js';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
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
  fields: Partial<{ id: string; name: string; venue: string; startsAt: string; totalTickets: number }> = {},
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

export async function book(app: FastifyInstance, eventId: string, userId: string): Promise<BookingView> {
  const response = await app.inject({
    method: 'POST',
    url: `/api/v1/events/${eventId}/bookings`,
    headers: asAdmin(),
    payload: { userId },
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

export async function getEvent(app: FastifyInstance, eventId: string): Promise<EventView> {
  const response = await app.inject({ method: 'GET', url: `/api/v1/events/${eventId}` });
  expectStatus(response, 200);
  return response.json<EventView>();
}

/** An event whose tickets are all booked by `holders`, with `waiters` on the list in that order. */
export async function soldOutEvent(
  app: FastifyInstance,
  holders: readonly string[],
  waiters: readonly string[],
): Promise<EventView> {
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
