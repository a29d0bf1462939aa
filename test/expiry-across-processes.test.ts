import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../src/domain/audit.js';
import type { BookingView } from '../src/domain/booking.js';
import type { EventView } from '../src/domain/event.js';
import { ENGINES, type TestDatabase, type TestEngine } from './helpers/engines.js';
import { type ServerProcess, adminRequest, startServer } from './helpers/server-process.js';

// Real seconds on purpose: these check the sweeper of real server processes, which no test clock reaches.

const SERVER_ENGINES = ENGINES.filter((engine) => engine.name !== 'sqlite');
const EXPIRY_BOUND_MS = 5_000;

const sleepUntil = (instant: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, instant - Date.now())));

function databaseUrl(engine: TestEngine, database: TestDatabase): string {
  return engine.name === 'sqlite' ? `sqlite:${database.config.location}` : database.config.location;
}

async function auditOf(base: string, eventId: string): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let after = 0;
  for (;;) {
    const page = await adminRequest<{ entries: AuditEntry[]; next: number | null }>(
      base,
      'GET',
      `/api/v1/events/${eventId}/audit?after=${after}&limit=200`,
    );
    entries.push(...page.body.entries);
    if (page.body.next === null) return entries;
    after = page.body.next;
  }
}

async function bookingOf(base: string, eventId: string, userId: string): Promise<BookingView> {
  return (await adminRequest<{ booking: BookingView }>(base, 'GET', `/api/v1/events/${eventId}/bookings/${userId}`)).body.booking;
}

async function openEvent(base: string, fields: Record<string, unknown>): Promise<EventView> {
  const created = await adminRequest<EventView>(base, 'POST', '/api/v1/events', { name: 'Expiry', ...fields });
  expect(created.status).toBe(201);
  return created.body;
}

async function bookVia(base: string, eventId: string, payload: Record<string, unknown>): Promise<BookingView> {
  const answer = await adminRequest<{ booking: BookingView }>(base, 'POST', `/api/v1/events/${eventId}/bookings`, payload);
  expect(answer.status).toBe(201);
  return answer.body.booking;
}

describe.each(ENGINES)('expiry in a real server process on $name', (engine) => {
  let database: TestDatabase;
  let server: ServerProcess;
  beforeAll(async () => {
    database = await engine.create();
    server = await startServer({ DATABASE_URL: databaseUrl(engine, database) });
  });
  afterAll(async () => {
    await server.stop();
    await database.drop();
  });

  it('expires a lapsed hold within 5 s with no request in between, and hands its tickets to the next in line', async () => {
    const event = await openEvent(server.url, { totalTickets: 2, holdTtlSeconds: 1 });
    const held = await bookVia(server.url, event.id, { userId: 'checkout', quantity: 2, hold: true });
    expect(await bookVia(server.url, event.id, { userId: 'next', quantity: 2 })).toMatchObject({ status: 'waitlisted' });
    const deadline = Date.parse(held.expiresAt as string);

    await sleepUntil(deadline + EXPIRY_BOUND_MS);
    expect(await bookingOf(server.url, event.id, 'checkout')).toMatchObject({ status: 'expired' });
    expect(await bookingOf(server.url, event.id, 'next')).toMatchObject({ status: 'confirmed' });
    const log = await auditOf(server.url, event.id);
    const expired = log.filter((entry) => entry.action === 'booking.expired');
    expect(expired).toEqual([expect.objectContaining({ userId: 'checkout', actor: 'system' })]);
    const at = Date.parse(expired[0]?.at ?? '');
    expect(at).toBeGreaterThanOrEqual(deadline);
    expect(at).toBeLessThanOrEqual(deadline + EXPIRY_BOUND_MS);
    expect(log.at(-1)).toMatchObject({ action: 'booking.promoted', userId: 'next', actor: 'system', at: expired[0]?.at });
  });

  it('expires at once what lapsed while the server was down', async () => {
    const env = { DATABASE_URL: databaseUrl(engine, database) };
    const event = await openEvent(server.url, { totalTickets: 1, holdTtlSeconds: 1 });
    const held = await bookVia(server.url, event.id, { userId: 'away', hold: true });
    expect(await bookVia(server.url, event.id, { userId: 'heir' })).toMatchObject({ status: 'waitlisted' });
    expect(await server.stop()).toBe(0);
    await sleepUntil(Date.parse(held.expiresAt as string) + 500);

    const restarting = Date.now();
    server = await startServer(env);
    const listening = Date.now();
    let away = await bookingOf(server.url, event.id, 'away');
    while (away.status === 'pending' && Date.now() < listening + 2_000) {
      await sleepUntil(Date.now() + 100);
      away = await bookingOf(server.url, event.id, 'away');
    }
    expect(away.status).toBe('expired');
    expect(await bookingOf(server.url, event.id, 'heir')).toMatchObject({ status: 'confirmed' });
    const expired = (await auditOf(server.url, event.id)).filter((entry) => entry.action === 'booking.expired');
    expect(expired).toHaveLength(1);
    expect(Date.parse(expired[0]?.at ?? '')).toBeGreaterThanOrEqual(restarting);
    expect(Date.parse(expired[0]?.at ?? '')).toBeLessThanOrEqual(listening + 1_000);
  });
});

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
