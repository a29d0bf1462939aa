import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGINES, type TestEngine } from './helpers/engines.js';
import { adminRequest, spawnServer, startServer } from './helpers/server-process.js';
import { TcpProxy } from './helpers/tcp-proxy.js';
import { ADMIN_AUTH } from './helpers/test-app.js';

const SERVER_ENGINES = ENGINES.filter((engine) => engine.name !== 'sqlite');
const dataDir = mkdtempSync(join(tmpdir(), 'boxoffice-lifecycle-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function databaseUrl(engine: TestEngine) {
  const database = await engine.create();
  const url = engine.name === 'sqlite' ? `sqlite:${database.config.location}` : database.config.location;
  return { url, drop: () => database.drop() };
}

describe('start-up while the database is unreachable', () => {
  it.each(SERVER_ENGINES)('waits for $name, logging each retry, and serves once it answers', async (engine) => {
    const database = await engine.create();
    const target = new URL(database.config.location);
    const proxy = new TcpProxy(target.hostname, Number(target.port));
    target.port = String(await proxy.start());
    await proxy.cut();
    try {
      const child = spawnServer({ DATABASE_URL: target.toString(), DATABASE_CONNECT_TIMEOUT: '60s' });
      let output = '';
      let restored = false;
      const retries = () => output.match(/database not reachable yet; retrying/g)?.length ?? 0;
      const listening = new Promise<string>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          // The database comes up once the server has been seen waiting for it twice.
          if (retries() >= 2 && !restored) {
            restored = true;
            void proxy.restore();
          }
          const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
          if (url) resolve(url);
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
      });
      const url = await listening;
      expect(retries()).toBeGreaterThanOrEqual(2);
      expect((await adminRequest(url, 'POST', '/api/v1/events', { name: 'After the wait', totalTickets: 1 })).status).toBe(201);
      child.kill('SIGTERM');
      expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
    } finally {
      await proxy.cut();
      await database.drop();
    }
  });

  it.each(['postgres://postgres@127.0.0.1:1/none', 'mysql://root@127.0.0.1:1/none'])(
    'gives up on %s after DATABASE_CONNECT_TIMEOUT with one clear line',
    async (url) => {
      const child = spawnServer({ DATABASE_URL: url, DATABASE_CONNECT_TIMEOUT: '1500ms' });
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(1);
      expect(stdout.match(/database not reachable yet; retrying/g)?.length).toBeGreaterThanOrEqual(2);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/^boxoffice: could not start: the database was not reachable within 1500 ms \(DATABASE_CONNECT_TIMEOUT\)/);
    },
  );
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe.each(ENGINES)('requests that arrive during SIGTERM on $name', (engine) => {
  const workers = engine.name === 'sqlite' ? '1' : '2';

  it(`are answered problem+json 503 with Retry-After and Connection: close (WORKERS=${workers}); every 201 stays stored`, async () => {
    const database = await databaseUrl(engine);
    try {
      const server = await startServer({ DATABASE_URL: database.url, WORKERS: workers });
      for (let wait = 0; (server.output().match(/Server listening/g)?.length ?? 0) < Number(workers) && wait < 100; wait++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const event = await adminRequest<{ id: string }>(server.url, 'POST', '/api/v1/events', { name: 'Draining', totalTickets: 5_000 });
      const agent = new Agent({ keepAlive: true, maxSockets: 8 });
      const post = (i: number) =>
        new Promise<Answer | null>((resolve) => {
          const payload = JSON.stringify({ userId: `drain-${i}` });
          const req = request(
            `${server.url}/api/v1/events/${event.body.id}/bookings`,
            { method: 'POST', agent, headers: { authorization: ADMIN_AUTH, 'content-type': 'application/json' } },
            (res) => {
              let body = '';
              res.on('data', (chunk: Buffer) => (body += chunk.toString()));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
              res.on('error', () => resolve(null));
            },
          );
          // A request written to a socket the server closed meanwhile never reached it.
          req.on('error', () => resolve(null));
          req.end(payload);
        });
      let answered = 0;
      // Set in a callback, which TypeScript's narrowing does not see: without the assertion it stays `null`.
      let stopping = null as Promise<number | null> | null;
      const answers = await Promise.all(
        Array.from({ length: 600 }, (_, i) =>
          post(i).then((answer) => {
            if (++answered === 40) stopping = server.stop('SIGTERM');
            return answer;
          }),
        ),
      );
      agent.destroy();
      expect(await stopping).toBe(0);
      const refused = answers.filter((answer): answer is Answer => answer !== null && answer.status !== 201);
      expect(refused.length).toBeGreaterThan(0);
      for (const answer of refused) {
        expect(answer.status, answer.body).toBe(503);
        expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(JSON.parse(answer.body)).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
        expect(answer.headers['retry-after']).toBeDefined();
        expect(answer.headers.connection).toBe('close');
      }
      const booked = answers.filter((answer) => answer?.status === 201).length;
      const again = await startServer({ DATABASE_URL: database.url });
      const stored = await adminRequest<{ bookedCount: number }>(again.url, 'GET', `/api/v1/events/${event.body.id}`);
      expect(stored.body.bookedCount).toBe(booked);
      expect(await again.stop()).toBe(0);
    } finally {
      await database.drop();
    }
  });
});

describe.each(ENGINES)('bookings whose callers hung up just before SIGTERM on $name', (engine) => {
  it('still commit or roll back whole before the database closes: no error in the log, the event consistent afterwards', async () => {
    const database = await databaseUrl(engine);
    try {
      const server = await startServer({ DATABASE_URL: database.url });
      const event = await adminRequest<{ id: string }>(server.url, 'POST', '/api/v1/events', { name: 'Hung up', totalTickets: 5_000 });
      // A connection each, so every request is on the server's side at once, most of them queued for a batch.
      const agent = new Agent({ keepAlive: true, maxSockets: 400 });
      const sent = Array.from({ length: 400 }, (_, i) => {
        const req = request(`${server.url}/api/v1/events/${event.body.id}/bookings`, {
          method: 'POST',
          agent,
          headers: { authorization: ADMIN_AUTH, 'content-type': 'application/json' },
        });
        req.on('error', () => {});
        req.end(JSON.stringify({ userId: `gone-${i}` }));
        return req;
      });
      // The first answer: the server is deciding the next batches. Every caller hangs up, then the server is stopped.
      await new Promise<void>((resolve) => sent.forEach((req) => req.once('response', () => resolve())));
      agent.destroy();
      expect(await server.stop('SIGTERM')).toBe(0);
      expect(server.output()).not.toMatch(/"level":50/);

      const again = await startServer({ DATABASE_URL: database.url });
      const stored = await adminRequest<{ bookedCount: number }>(again.url, 'GET', `/api/v1/events/${event.body.id}`);
      expect(stored.body.bookedCount).toBeGreaterThan(0);
      // The audit log replayed against the stored event and bookings (I1-I4, I6-I8).
      const verdict = await adminRequest<{ ok: boolean; discrepancies: unknown[] }>(
        again.url,
        'GET',
        `/api/v1/events/${event.body.id}/verify`,
      );
      expect(verdict.body).toMatchObject({ ok: true, discrepancies: [] });
      expect(await again.stop()).toBe(0);
    } finally {
      await database.drop();
    }
  });
});
