import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventView } from '../src/domain/event.js';
import { ENGINES, type TestDatabase } from './helpers/engines.js';
import { EXPIRY_BOUND_MS, auditOf, bookVia, bookingOf, openEvent, sleepUntil } from './helpers/real-clock.js';
import { type ServerProcess, adminRequest, startServer } from './helpers/server-process.js';

// Real seconds on purpose: these check the sweepers of real server processes, which no test clock reaches.

const SERVER_ENGINES = ENGINES.filter((engine) => engine.name !== 'sqlite');

describe.each(SERVER_ENGINES)('expiry with three app processes on one $name database', (engine) => {
  let database: TestDatabase;
  const servers: ServerProcess[] = [];
  beforeAll(async () => {
    database = await engine.create();
    // One after another: three at once compete for the CPU of a small machine.
    for (let i = 0; i < 3; i++) servers.push(await startServer({ DATABASE_URL: database.config.location }));
  }, 120_000);
  afterAll(async () => {
    const codes = await Promise.all(servers.map((server) => server.stop()));
    await database.drop();
    expect(codes).toEqual([0, 0, 0]);
  });

  const via = (i: number): string => servers[i % servers.length]?.url ?? '';

  it('expires every lapsed hold exactly once and offers each successor exactly once', async () => {
    const events = await Promise.all(
      [0, 1].map((i) => openEvent(via(i), { totalTickets: 10, holdTtlSeconds: 4, waitlistMode: 'offer', offerTtlSeconds: 3_600 })),
    );
    const deadlines: number[] = [];
    for (const event of events) {
      const holds = await Promise.all(
        Array.from({ length: 10 }, (_, i) => bookVia(via(i), event.id, { userId: `holder-${i}`, hold: true })),
      );
      deadlines.push(...holds.map((booking) => Date.parse(booking.expiresAt as string)));
      // In order, so the list order is known; all before the first hold lapses (4 s is ample).
      for (let i = 0; i < 10; i++)
        expect(await bookVia(via(i), event.id, { userId: `waiter-${i}` })).toMatchObject({ status: 'waitlisted' });
    }

    await sleepUntil(Math.max(...deadlines) + EXPIRY_BOUND_MS);
    for (const [n, event] of events.entries()) {
      const log = await auditOf(via(n), event.id);
      const expired = log.filter((entry) => entry.action === 'booking.expired');
      const offered = log.filter((entry) => entry.action === 'booking.offered');
      expect(expired.map((entry) => entry.userId).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `holder-${i}`).sort());
      expect(offered.map((entry) => entry.userId)).toEqual(Array.from({ length: 10 }, (_, i) => `waiter-${i}`));
      expect(new Set([...expired, ...offered].map((entry) => entry.actor))).toEqual(new Set(['system']));
      for (const entry of expired) expect(Date.parse(entry.at)).toBeLessThanOrEqual(Math.max(...deadlines) + EXPIRY_BOUND_MS);

      const after = await adminRequest<EventView>(via(n + 1), 'GET', `/api/v1/events/${event.id}`);
      expect(after.body).toMatchObject({ bookedCount: 0, heldCount: 10, availableTickets: 0, waitlistCount: 0 });
      expect(await bookingOf(via(n + 2), event.id, 'waiter-9')).toMatchObject({ status: 'pending' });
    }
  });
});
