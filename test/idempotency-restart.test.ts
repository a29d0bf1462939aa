import { afterAll, describe, expect, it } from 'vitest';
import { ENGINES, type TestDatabase } from './helpers/engines.js';
import { adminRequest, adminRequestRaw, startServer } from './helpers/server-process.js';
import { AUTH_SECRET } from './helpers/test-app.js';

const SETUPS = ENGINES.filter((engine) => engine.name === 'sqlite' || engine.name === 'postgres');

/** A POST with an Idempotency-Key, answered as status, replay header and body bytes. */
async function postWithKey(base: string, path: string, key: string, body: unknown) {
  const answer = await adminRequestRaw(base, 'POST', path, { body, headers: { 'idempotency-key': key } });
  return { status: answer.status, replayed: answer.headers['idempotent-replayed'], body: answer.text };
}

describe.each(SETUPS)('an idempotent retry after kill -9 and restart on $name', (engine) => {
  let database: TestDatabase | undefined;
  afterAll(async () => database?.drop());

  it('gets the stored first answer, and books nothing twice', async () => {
    database = await engine.create();
    // Fingerprints are keyed by AUTH_SECRET, so a replay across restarts needs the secret configured.
    const env = { DATABASE_URL: engine.name === 'sqlite' ? `sqlite:${database.config.location}` : database.config.location, AUTH_SECRET };
    const first = await startServer(env);
    const event = await adminRequest<{ id: string }>(first.url, 'POST', '/api/v1/events', { name: 'Crash', totalTickets: 2 });
    const answered = await postWithKey(first.url, `/api/v1/events/${event.body.id}/bookings`, 'retry-after-crash', { userId: 'survivor' });
    expect(answered.status).toBe(201);
    await first.stop('SIGKILL');

    const second = await startServer(env);
    const retried = await postWithKey(second.url, `/api/v1/events/${event.body.id}/bookings`, 'retry-after-crash', { userId: 'survivor' });
    expect(retried).toEqual({ status: 201, replayed: 'true', body: answered.body });
    const counts = await adminRequest<{ bookedCount: number }>(second.url, 'GET', `/api/v1/events/${event.body.id}`);
    expect(counts.body.bookedCount).toBe(1);
    expect(await second.stop()).toBe(0);
  });
});
