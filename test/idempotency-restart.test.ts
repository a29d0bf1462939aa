import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGINES, type TestDatabase } from './helpers/engines.js';
import { adminRequest, startServer } from './helpers/server-process.js';
import { ADMIN_AUTH } from './helpers/test-app.js';

const SETUPS = ENGINES.filter((engine) => engine.name === 'sqlite' || engine.name === 'postgres');

/** A POST with an Idempotency-Key, answered as raw status, headers and body bytes. */
function postWithKey(base: string, path: string, key: string, body: unknown): Promise<{ status: number; replayed: string | undefined; body: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      { method: 'POST', headers: { authorization: ADMIN_AUTH, 'content-type': 'application/json', 'idempotency-key': key } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, replayed: res.headers['idempotent-replayed'] as string | undefined, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe.each(SETUPS)('an idempotent retry after kill -9 and restart on $name', (engine) => {
  let database: TestDatabase | undefined;
  afterAll(async () => database?.drop());

  it('gets the stored first answer, and books nothing twice', async () => {
    database = await engine.create();
    const env = { DATABASE_URL: engine.name === 'sqlite' ? `sqlite:${database.config.location}` : database.config.location };
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
