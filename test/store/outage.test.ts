import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { type Boxoffice, compose } from '../../src/compose.js';
import { LocalChangeFeed } from '../../src/services/change-feed.js';
import { ConsistencyCheck } from '../../src/services/consistency-check.js';
import { ConsistencyReader } from '../../src/store/consistency-reader.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { ENGINES, type TestDatabase } from '../helpers/engines.js';
import { asAdmin, createEvent, getEvent } from '../helpers/factories.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { testConfig } from '../helpers/test-app.js';

const SERVER_ENGINES = ENGINES.filter((engine) => engine.name !== 'sqlite');

describe.each(SERVER_ENGINES)('database outage on $name', (engine) => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let boxoffice: Boxoffice;
  let app: FastifyInstance;

  beforeAll(async () => {
    database = await engine.create();
    const target = new URL(database.config.location);
    proxy = new TcpProxy(target.hostname, Number(target.port));
    target.port = String(await proxy.start());
    boxoffice = await compose(testConfig({ ...database.config, location: target.toString(), statementTimeoutMs: 3_000 }), {
      feed: new LocalChangeFeed(),
      redis: null,
    });
    await migrateToLatest(boxoffice.database.db);
    app = boxoffice.app;
  });

  afterEach(async () => {
    const discrepancies = [];
    for await (const verdict of new ConsistencyCheck(new ConsistencyReader(boxoffice.database)).checkEveryEvent()) {
      discrepancies.push(...verdict.discrepancies);
    }
    expect(discrepancies).toEqual([]);
  });

  afterAll(async () => {
    await boxoffice.close();
    await proxy.cut();
    await database.drop();
  });

  const bookUser = (eventId: string, userId: string) =>
    app.inject({ method: 'POST', url: `/api/v1/events/${eventId}/bookings`, headers: asAdmin(), payload: { userId } });

  async function eventually(check: () => Promise<boolean>): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error('the service did not recover');
  }

  it('answers 503 UNAVAILABLE with Retry-After while the database is cut off, then recovers without a restart', async () => {
    const event = await createEvent(app, { totalTickets: 5 });
    expect((await bookUser(event.id, 'before')).statusCode).toBe(201);

    await proxy.cut();
    const during = await bookUser(event.id, 'during');
    expect(during.statusCode).toBe(503);
    expect(during.headers['retry-after']).toBeDefined();
    expect(during.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(during.json().code).toBe('UNAVAILABLE');
    expect(during.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    expect((await app.inject({ method: 'GET', url: `/api/v1/events/${event.id}` })).statusCode).toBe(503);
    // The webhook admin runs on the delivery engine's own pool: the same answer there.
    expect((await app.inject({ method: 'GET', url: '/api/v1/webhooks', headers: asAdmin() })).statusCode).toBe(503);
    const register = await app.inject({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: asAdmin(),
      payload: { url: 'http://127.0.0.1:9/' },
    });
    expect(register.statusCode).toBe(503);

    await proxy.restore();
    await eventually(async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200);
    expect((await bookUser(event.id, 'after')).statusCode).toBe(201);

    const counts = await getEvent(app, event.id);
    expect(counts).toMatchObject({ bookedCount: 2, availableTickets: 3 });
    const audit = await app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/audit`, headers: asAdmin() });
    expect(audit.json().entries.map((entry: { userId: string | null }) => entry.userId)).toEqual([null, 'before', 'after']);
  });

  const postgresOnly = engine.name === 'postgres' ? it : () => {};
  postgresOnly('never answers 500 when PostgreSQL terminates its backends mid-load', async () => {
    const event = await createEvent(app, { totalTickets: 20 });
    const load = Array.from({ length: 60 }, (_, i) => bookUser(event.id, `terminated-${i}`));
    const admin = new pg.Client({ connectionString: database.config.location });
    await admin.connect();
    const { rows } = await admin.query(
      'select count(pg_terminate_backend(pid)) as terminated from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    await admin.end();
    const answers = await Promise.all(load);
    expect(Number(rows[0]?.terminated)).toBeGreaterThan(0);
    expect(answers.every((answer) => answer.statusCode === 201 || answer.statusCode === 503)).toBe(true);
    await eventually(async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200);
    expect((await bookUser(event.id, 'after-termination')).statusCode).toBe(201);
  });

  it('never answers 500 when the connections are dropped under load, and keeps the counts whole', async () => {
    const event = await createEvent(app, { totalTickets: 20 });
    const load = Array.from({ length: 60 }, (_, i) => bookUser(event.id, `load-${i}`));
    setTimeout(() => void proxy.cut().then(() => proxy.restore()), 5);
    const answers = await Promise.all(load);
    expect(answers.every((answer) => answer.statusCode === 201 || answer.statusCode === 503)).toBe(true);

    await eventually(async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200);
    const accepted = answers.filter((answer) => answer.statusCode === 201).map((answer) => answer.json().booking);
    const counts = await getEvent(app, event.id);
    const confirmed = accepted.filter((booking) => booking.status === 'confirmed').length;
    const waitlisted = accepted.filter((booking) => booking.status === 'waitlisted').length;
    // Every acknowledged booking is stored; a refused one may or may not have committed before the cut.
    expect(counts.bookedCount).toBeGreaterThanOrEqual(confirmed);
    expect(counts.bookedCount + counts.waitlistCount).toBeGreaterThanOrEqual(confirmed + waitlisted);
    expect(counts.bookedCount).toBeLessThanOrEqual(20);
    for (const booking of accepted) {
      const stored = await app.inject({ method: 'GET', url: `/api/v1/events/${event.id}/bookings/${booking.userId}`, headers: asAdmin() });
      expect(stored.json().booking.id).toBe(booking.id);
    }
  });
});
