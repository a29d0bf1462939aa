import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

describe('the warm-up before the server listens', () => {
  it('books on a private database it deletes after, so the real database, the metrics and the temporary directory stay as they were', async () => {
    // The server's own temporary directory, so that the warm-up's scratch database can be looked for.
    const temporary = mkdtempSync(join(dataDir, 'tmp-'));
    const database = join(dataDir, 'real.db');
    const server = await startServer({ DATABASE_URL: `sqlite:${database}`, WARM_UP_BOOKINGS: '300', TMPDIR: temporary });
    try {
      expect(server.output()).toMatch(/"bookings":300,"ms":\d+,"msg":"warmed up"/);
      const listed = await adminRequest<{ events: unknown[] }>(server.url, 'GET', '/api/v1/events');
      expect(listed.body.events).toEqual([]);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const bookingCounts = metrics.split('\n').filter((line) => line.startsWith('boxoffice_bookings_total{'));
      expect(bookingCounts.filter((line) => !line.endsWith(' 0'))).toEqual([]);
      expect(readdirSync(temporary).filter((name) => name.startsWith('boxoffice-warm-up-'))).toEqual([]);
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

  /** A logger whose lines the test reads back. */
  function capturedLog(): { log: Logger; lines: () => { level: number; msg: string }[] } {
    const written: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => written.push(line) });
    return { log, lines: () => written.map((line) => JSON.parse(line) as { level: number; msg: string }) };
  }

  it('never opens the configured database or Redis', async () => {
    // Nothing listens on port 1: the warm-up would fail, or wait, at the first statement or publish sent there.
    const config = loadConfig({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere',
      REDIS_URL: 'redis://127.0.0.1:1',
      ADMIN_PASSWORD: 'warm-up-test-password',
      WARM_UP_BOOKINGS: '60',
    });
    const { log, lines } = capturedLog();
    await warmUp(config, log);
    expect(lines().map((line) => line.msg)).toEqual(['warmed up']);
  });

  it('lets the server start all the same when it cannot run', async () => {
    const config = loadConfig({ DATABASE_URL: `sqlite:${join(dataDir, 'unused.db')}`, WARM_UP_BOOKINGS: '60' });
    // A temporary "directory" that is a file: the warm-up's scratch directory cannot be made in it.
    const notADirectory = join(dataDir, 'not-a-directory');
    writeFileSync(notADirectory, '');
    const { log, lines } = capturedLog();
    const temporary = process.env.TMPDIR;
    process.env.TMPDIR = notADirectory;
    try {
      await expect(warmUp(config, log)).resolves.toBeUndefined();
    } finally {
      if (temporary === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = temporary;
    }
    expect(lines()).toEqual([expect.objectContaining({ level: 40, msg: 'warm-up failed; starting without it' })]);
  });
});
