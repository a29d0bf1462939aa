import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookingView } from '../src/domain/booking.js';
import type { EventView } from '../src/domain/event.js';
import { ENGINES, type TestDatabase } from './helpers/engines.js';
import { type ServerProcess, adminRequest, startServer } from './helpers/server-process.js';

const SERVER_ENGINES = ENGINES.filter((engine) => engine.name !== 'sqlite');

describe.each(SERVER_ENGINES)('three app processes on one $name database', (engine) => {
  let database: TestDatabase;
  let servers: ServerProcess[] = [];

  beforeAll(async () => {
    database = await engine.create();
    // Started together, so their migrations race too.
    servers = await Promise.all([1, 2, 3].map(() => startServer({ DATABASE_URL: database.config.location })));
  });

  afterAll(async () => {
    const codes = await Promise.all(servers.map((server) => server.stop()));
    await database.drop();
    expect(codes).toEqual([0, 0, 0]);
  });

  const via = (i: number): string => servers[i % servers.length]?.url ?? '';

  async function waitlist(eventId: string): Promise<BookingView[]> {
    const all: BookingView[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?status=waitlisted&limit=200${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await adminRequest<{ bookings: BookingView[]; nextCursor: string | null }>(
        via(0),
        'GET',
        `/api/v1/events/${eventId}/bookings${query}`,
      );
      all.push(...page.body.bookings);
      cursor = page.body.nextCursor;
    } while (cursor);
    return all;
  }

  it('2,000 bookings spread over the processes into 100 tickets: exactly 100 confirmed, unique positions; 50 cancels promote the 50 earliest', async () => {
    const created = await adminRequest<EventView>(via(0), 'POST', '/api/v1/events', { name: 'Scale-out', totalTickets: 100 });
    expect(created.status).toBe(201);
    const eventId = created.body.id;

    const answers = await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        adminRequest<{ booking: BookingView }>(via(i), 'POST', `/api/v1/events/${eventId}/bookings`, { userId: `fan-${i}` }),
      ),
    );
    expect(answers.filter((answer) => answer.status !== 201)).toEqual([]);
    const bookings = answers.map((answer) => answer.body.booking);
    const confirmed = bookings.filter((booking) => booking.status === 'confirmed');
    expect(confirmed).toHaveLength(100);
    const positions = bookings.flatMap((booking) => (booking.position === null ? [] : [booking.position]));
    expect(positions.sort((a, b) => a - b)).toEqual(Array.from({ length: 1900 }, (_, i) => i + 1));

    const earliest = (await waitlist(eventId)).slice(0, 50).map((booking) => booking.userId);
    const cancels = await Promise.all(
      confirmed
        .slice(0, 50)
        .map((booking, i) =>
          adminRequest<{ booking: BookingView; promoted: BookingView | null }>(
            via(i),
            'DELETE',
            `/api/v1/events/${eventId}/bookings/${booking.userId}`,
          ),
        ),
    );
    expect(cancels.every((answer) => answer.status === 200)).toBe(true);
    expect(new Set(cancels.map((answer) => answer.body.promoted?.userId))).toEqual(new Set(earliest));

    const event = await adminRequest<EventView>(via(2), 'GET', `/api/v1/events/${eventId}`);
    expect(event.body).toMatchObject({ bookedCount: 100, availableTickets: 0, waitlistCount: 1850 });
    const rest = await waitlist(eventId);
    expect(rest.map((booking) => booking.position)).toEqual(Array.from({ length: 1850 }, (_, i) => i + 1));
  });
});
