import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../src/domain/audit.js';
import type { BookingView } from '../src/domain/booking.js';
import type { EventView } from '../src/domain/event.js';
import { ENGINES, type TestDatabase } from './helpers/engines.js';
import { type ServerProcess, adminRequest, startServer } from './helpers/server-process.js';

const SERVER_ENGINES = ENGINES.filter((engine) => engine.name !== 'sqlite');
const TICKETS = 20;

describe.each(SERVER_ENGINES)('two doors on two app processes over one $name database', (engine) => {
  let database: TestDatabase;
  const doors: ServerProcess[] = [];
  beforeAll(async () => {
    database = await engine.create();
    for (let i = 0; i < 2; i++) doors.push(await startServer({ DATABASE_URL: database.config.location }));
  }, 120_000);
  afterAll(async () => {
    const codes = await Promise.all(doors.map((door) => door.stop()));
    await database.drop();
    expect(codes).toEqual([0, 0]);
  });

  it('admits each code exactly once when both doors scan it at the same instant; the other answers 409 ALREADY_CHECKED_IN', async () => {
    const [east, west] = doors.map((door) => door.url) as [string, string];
    const event = (await adminRequest<EventView>(east, 'POST', '/api/v1/events', { name: 'Two doors', totalTickets: TICKETS })).body;
    const bookings: BookingView[] = [];
    for (let i = 0; i < TICKETS; i++) {
      bookings.push(
        (await adminRequest<{ booking: BookingView }>(west, 'POST', `/api/v1/events/${event.id}/bookings`, { userId: `guest-${i}` })).body
          .booking,
      );
    }

    const scan = (door: string, ticketCode: string | null) =>
      adminRequest<{ booking: BookingView; code?: string }>(door, 'POST', `/api/v1/events/${event.id}/check-ins`, { ticketCode });
    const rounds = await Promise.all(
      bookings.map((booking) => Promise.all([scan(east, booking.ticketCode), scan(west, booking.ticketCode)])),
    );
    for (const answers of rounds) {
      const admitted = answers.filter((answer) => answer.status === 200);
      const refused = answers.filter((answer) => answer.status !== 200);
      expect(admitted).toHaveLength(1);
      expect(refused.map((answer) => [answer.status, answer.body.code])).toEqual([[409, 'ALREADY_CHECKED_IN']]);
      // The refusal tells the door when the first one came in.
      expect(refused[0]?.body.booking.checkedInAt).toBe(admitted[0]?.body.booking.checkedInAt);
    }

    const after = await adminRequest<EventView>(east, 'GET', `/api/v1/events/${event.id}`);
    expect(after.body).toMatchObject({ checkedInCount: TICKETS, bookedCount: TICKETS });
    const audit = await adminRequest<{ entries: AuditEntry[] }>(west, 'GET', `/api/v1/events/${event.id}/audit?limit=200`);
    expect(audit.body.entries.filter((entry) => entry.action === 'booking.checked_in')).toHaveLength(TICKETS);
  });
});
