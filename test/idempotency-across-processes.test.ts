import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, type TestDatabase } from './helpers/engines.js';
import { type ServerProcess, adminRequest, adminRequestRaw, startServer } from './helpers/server-process.js';
import { AUTH_SECRET } from './helpers/test-app.js';

const SERVER_ENGINES = ENGINES.filter((engine) => engine.name !== 'sqlite');
const ROUNDS = 20;
const REPEATS_PER_PROCESS = 2;
/** Arrivals spread over a few milliseconds, so repeats land before, during and after the first one's transaction. */
const SPREAD_MS = 10;

describe.each(SERVER_ENGINES)('identical keyed requests on two app processes over one $name database', (engine) => {
  let database: TestDatabase;
  let servers: ServerProcess[] = [];

  beforeAll(async () => {
    database = await engine.create();
    // Processes behind one address share AUTH_SECRET: it keys tokens and request fingerprints alike.
    servers = await Promise.all([1, 2].map(() => startServer({ DATABASE_URL: database.config.location, AUTH_SECRET })));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await database?.drop();
  });

  it('runs the command once; every repeat gets its answer byte for byte, marked replayed', async () => {
    const event = await adminRequest<{ id: string }>(servers[0]!.url, 'POST', '/api/v1/events', { name: 'Keyed', totalTickets: ROUNDS });
    const bad: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const userId = `keyed-${round}`;
      expect((await adminRequest(servers[0]!.url, 'POST', `/api/v1/events/${event.body.id}/bookings`, { userId })).status).toBe(201);
      const path = `/api/v1/events/${event.body.id}/bookings/${userId}`;
      const headers = { 'idempotency-key': `cancel-${round}` };
      const answers = await Promise.all(
        servers.flatMap((server) =>
          Array.from({ length: REPEATS_PER_PROCESS }, async () => {
            await new Promise((resolve) => setTimeout(resolve, Math.random() * SPREAD_MS));
            return adminRequestRaw(server.url, 'DELETE', path, { headers });
          }),
        ),
      );
      const fresh = answers.filter((answer) => answer.headers['idempotent-replayed'] !== 'true');
      const firstBody = fresh[0]?.text;
      const consistent = answers.every(
        (answer) =>
          (answer.status === 200 && answer.text === firstBody) || (answer.status === 409 && answer.text.includes('IDEMPOTENCY_KEY_IN_USE')),
      );
      if (fresh.length !== 1 || fresh[0]?.status !== 200 || !consistent) {
        bad.push(
          `round ${round}: ${answers.map((answer) => `${answer.status}${answer.headers['idempotent-replayed'] ? ' replayed' : ''}`).join(', ')}`,
        );
      }
    }
    expect(bad).toEqual([]);
  });
});
