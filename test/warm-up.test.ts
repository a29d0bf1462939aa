import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { type Logger, pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { warmUp } from '../src/warm-up.js';
import { adminRequest, startServer } from './helpers/server-process.js';

const dataDir = mkdtempSync(join(tmpdir(), 'boxoffice-warm-up-test-'));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** A logger whose lines the test reads back. */
function capturedLog(): { log: Logger; lines: () => { level: number; msg: string }[] } {
  const written: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => written.push(line) });
  return { log, lines: () => written.map((line) => JSON.parse(line) as { level: number; msg: string }) };
}

describe('the warm-up before the server listens', () => {
  it('books on a private database, so the real database and the metrics stay as they were', async () => {
    const database = join(dataDir, 'real.db');
    const server = await startServer({ DATABASE_URL: `sqlite:${database}`, WARM_UP_BOOKINGS: '300' });
    try {
      expect(server.output()).toMatch(/"bookings":300,"ms":\d+,"msg":"warmed up"/);
      const listed = await adminRequest<{ events: unknown[] }>(server.url, 'GET', '/api/v1/events');
      expect(listed.body.events).toEqual([]);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const bookingCounts = metrics.split('\n').filter((line) => line.startsWith('boxoffice_bookings_total{'));
      expect(bookingCounts.filter((line) => !line.endsWith(' 0'))).toEqual([]);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    const stored = new SQLite(database, { readonly: true });
    try {
      for (const table of ['events', 'bookings', 'audit_log']) {
        expect(stored.prepare(`select count(*) as n from ${table}`).get(), table).toEqual({ n: 0 });
      }
    } finally {
      stored.close();
    }
  });

  it('never opens the configured database or Redis', async () => {
    // Opening the configured database would make its directory; nothing listens on port 1, so a publish
    // to Redis would fail the warm-up.
    const directory = join(dataDir, 'never-made');
    const config = loadConfig({
      DATABASE_URL: `sqlite:${join(directory, 'real.db')}`,
      REDIS_URL: 'redis://127.0.0.1:1',
      WARM_UP_BOOKINGS: '60',
    });
    const { log, lines } = capturedLog();
    await warmUp(config, log);
    expect(lines().map((line) => line.msg)).toEqual(['warmed up']);
    expect(existsSync(directory)).toBe(false);
  });

  it('is skipped on PostgreSQL and MySQL, and when WARM_UP_BOOKINGS is 0', async () => {
    const rehearsed: string[] = [];
    const rehearsal = async (config: { database: { engine: string } }) => {
      rehearsed.push(config.database.engine);
    };
    const { log, lines } = capturedLog();
    for (const env of [
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' },
      { DATABASE_URL: 'mysql://root@127.0.0.1:1/nowhere' },
      { DATABASE_URL: `sqlite:${join(dataDir, 'skipped.db')}`, WARM_UP_BOOKINGS: '0' },
    ]) {
      await warmUp(loadConfig(env), log, rehearsal);
    }
    expect(rehearsed).toEqual([]);
    expect(lines()).toEqual([]);
  });

  it('lets the server start all the same when it fails', async () => {
    const config = loadConfig({ DATABASE_URL: `sqlite:${join(dataDir, 'unused.db')}`, WARM_UP_BOOKINGS: '60' });
    const { log, lines } = capturedLog();
    const failing = () => Promise.reject(new Error('no loopback here'));
    await expect(warmUp(config, log, failing)).resolves.toBeUndefined();
    expect(lines()).toEqual([expect.objectContaining({ level: 40, msg: 'warm-up failed; starting without it' })]);
  });
});
