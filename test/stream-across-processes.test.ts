import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, type TestDatabase } from './helpers/engines.js';
import { type ServerProcess, adminRequest, startServer } from './helpers/server-process.js';
import { SseClient } from './helpers/sse-client.js';

const REDIS_URL = process.env.TEST_REDIS_URL;
// PostgreSQL carries changes by LISTEN/NOTIFY; MySQL needs Redis for it.
const SETUPS = ENGINES.flatMap((engine) => {
  if (engine.name === 'postgres') return [{ engine, feed: 'LISTEN/NOTIFY', env: {} }];
  if (engine.name === 'mysql' && REDIS_URL) return [{ engine, feed: 'Redis pub/sub', env: { REDIS_URL } }];
  return [];
});

describe.each(SETUPS)('live stream across app processes on $engine.name via $feed', ({ engine, env }) => {
  let database: TestDatabase;
  let servers: ServerProcess[] = [];

  beforeAll(async () => {
    database = await engine.create();
    servers = await Promise.all([1, 2].map(() => startServer({ DATABASE_URL: database.config.location, ...env })));
  });
  afterAll(async () => {
    // Streams are still open here: shutdown must end them rather than wait for the clients.
    const codes = await Promise.all(servers.map((server) => server.stop()));
    await database.drop();
    expect(codes).toEqual([0, 0]);
  });

  it('a subscriber of one process sees a booking made through another', async () => {
    const [watching, booking] = servers as [ServerProcess, ServerProcess];
    const created = await adminRequest<{ id: string }>(booking.url, 'POST', '/api/v1/events', { name: 'Across', totalTickets: 2 });
    const stream = await SseClient.open(`${watching.url}/api/v1/events/${created.body.id}/stream`);
    await stream.next((data) => data.bookedCount === 0);
    const booked = await adminRequest(booking.url, 'POST', `/api/v1/events/${created.body.id}/bookings`, { userId: 'remote' });
    expect(booked.status).toBe(201);
    // Sooner than the 5 s re-check every stream does anyway: the feed carried it.
    expect(await stream.next((data) => data.bookedCount === 1, 4_000)).toMatchObject({ availableTickets: 1 });
  });
});
