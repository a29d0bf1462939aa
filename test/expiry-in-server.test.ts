import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, type TestDatabase } from './helpers/engines.js';
import { EXPIRY_BOUND_MS, auditOf, bookVia, bookingOf, databaseUrl, openEvent, sleepUntil } from './helpers/real-clock.js';
import { type ServerProcess, startServer } from './helpers/server-process.js';

// Real seconds on purpose: these check the sweeper of a real server process, which no test clock reaches.

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
