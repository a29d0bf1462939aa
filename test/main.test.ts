import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENGINES } from './helpers/engines.js';
import { adminRequest, spawnServer, startServer } from './helpers/server-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'boxoffice-main-'));
const sqliteUrl = (name: string) => `sqlite:${join(dataDir, `${name}.db`)}`;

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function exitOf(env: Record<string, string | undefined>): Promise<{ code: number | null; stderr: string }> {
  const child = spawnServer(env);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stderr };
}

describe('the server process', () => {
  it.each([
    ['PORT', 'abc'],
    ['DATABASE_URL', 'oracle://db'],
    ['TOKEN_TTL', 'forever'],
  ])('refuses to start with an invalid %s, in one line naming it', async (variable, value) => {
    const { code, stderr } = await exitOf({ [variable]: value, DATABASE_URL: variable === 'DATABASE_URL' ? value : sqliteUrl('bad') });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`${variable}:`);
  });

  it('refuses several workers on SQLite with a clear message', async () => {
    const { code, stderr } = await exitOf({ WORKERS: '2', DATABASE_URL: sqliteUrl('workers') });
    expect(code).toBe(1);
    expect(stderr).toMatch(/WORKERS: must be 1 with SQLite/);
  });

  it('prints a generated admin password once when ADMIN_PASSWORD is unset, and accepts it', async () => {
    const server = await startServer({ ADMIN_PASSWORD: undefined, DATABASE_URL: sqliteUrl('generated') });
    const announced = /admin password for this run is (\S+)/g;
    const matches = [...server.output().matchAll(announced)];
    expect(matches).toHaveLength(1);
    const password = matches[0]?.[1] ?? '';
    // Framed on a plain line of its own, never inside a JSON log line.
    expect(server.output()).toMatch(/^\| ADMIN_PASSWORD is not set; the admin password for this run is \S+ \(user "admin"\) \|$/m);
    expect(
      server
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{') && line.includes(password)),
    ).toEqual([]);
    const response = await fetch(`${server.url}/api/v1/events`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ name: 'With generated password', totalTickets: 1 }),
    });
    expect(response.status).toBe(201);
    expect(await server.stop()).toBe(0);
  });

  it('finishes the requests in flight on SIGTERM, then exits 0 with every answered booking stored', async () => {
    const database = sqliteUrl('graceful');
    const server = await startServer({ DATABASE_URL: database });
    const event = await adminRequest<{ id: string }>(server.url, 'POST', '/api/v1/events', { name: 'Graceful', totalTickets: 500 });
    const inFlight = Array.from({ length: 200 }, (_, i) =>
      adminRequest(server.url, 'POST', `/api/v1/events/${event.body.id}/bookings`, { userId: `g-${i}` }).catch(() => null),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    const exitCode = server.stop('SIGTERM');
    const answers = await Promise.all(inFlight);
    expect(await exitCode).toBe(0);
    const booked = answers.filter((answer) => answer?.status === 201).length;
    expect(booked).toBeGreaterThan(0);

    const again = await startServer({ DATABASE_URL: database });
    const stored = await adminRequest<{ bookedCount: number }>(again.url, 'GET', `/api/v1/events/${event.body.id}`);
    expect(stored.body.bookedCount).toBe(booked);
    expect(await again.stop()).toBe(0);
  });

  const postgres = ENGINES.find((engine) => engine.name === 'postgres');
  it.runIf(postgres)(
    'runs WORKERS=2 app processes on one port, reports the whole server in every scrape, and stops them all on SIGTERM',
    async () => {
      const database = await postgres!.create();
      try {
        const server = await startServer({ DATABASE_URL: database.config.location, WORKERS: '2' });
        const listening = () => server.output().match(/Server listening/g)?.length ?? 0;
        for (let wait = 0; listening() < 2 && wait < 100; wait++) await new Promise((resolve) => setTimeout(resolve, 100));
        expect(listening()).toBe(2);
        const event = await adminRequest<{ id: string }>(server.url, 'POST', '/api/v1/events', { name: 'Workers', totalTickets: 3 });
        const answers = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            adminRequest(server.url, 'POST', `/api/v1/events/${event.body.id}/bookings`, { userId: `w-${i}` }),
          ),
        );
        expect(answers.every((answer) => answer.status === 201)).toBe(true);
        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        expect(Number(/^boxoffice_db_pool_connections\{state="total"\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
        // Each scrape lands on either worker; aggregated, the count of health checks only grows.
        for (let i = 0; i < 20; i++) expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
        const healthChecks: number[] = [];
        for (let scrape = 0; scrape < 6; scrape++) {
          const text = await (await fetch(`${server.url}/metrics`, { headers: { connection: 'close' } })).text();
          healthChecks.push(Number(/^boxoffice_http_requests_total\{[^}]*route="\/healthz"[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0));
        }
        expect(
          healthChecks.every((count, i) => count >= 20 && count >= (healthChecks[i - 1] ?? 0)),
          healthChecks.join(', '),
        ).toBe(true);
        expect(await server.stop()).toBe(0);
      } finally {
        await database.drop();
      }
    },
  );
});
