import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { RequestedBy } from '../src/domain/audit.js';
import { BookingService } from '../src/services/booking-service.js';
import { openDatabase } from '../src/store/db.js';
import type { Db } from '../src/store/dialect.js';
import { migrateToLatest } from '../src/store/migrate.js';
import { SqlStore } from '../src/store/sql-store.js';

const VERIFY = fileURLToPath(new URL('../src/verify.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BY: RequestedBy = { actor: 'admin', requestId: 'verify-cli-test' };

const dataDir = mkdtempSync(join(tmpdir(), 'boxoffice-verify-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run verify` without the build step: the CLI on a database of its own. */
function runVerify(databaseUrl: string): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', VERIFY], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** A SQLite file with two events the service wrote: a sold-out one with a waiting list, and a quiet one with a hold. */
async function bookedDatabase(name: string): Promise<{ path: string; soldOut: string; bobBooking: string }> {
  const path = join(dataDir, `${name}.db`);
  const database = openDatabase({ engine: 'sqlite', location: path, poolSize: 1, statementTimeoutMs: 5_000 });
  const store = new SqlStore(database);
  try {
    await migrateToLatest(database.db);
    const service = new BookingService(store);
    const soldOut = await service.openEvent({ id: 'sold-out', name: 'Sold out', venue: null, startsAt: null, totalTickets: 1 }, BY);
    for (const userId of ['ann', 'bob', 'cat']) await service.book(soldOut.id, userId, { quantity: 1, hold: false }, BY);
    await service.cancel(soldOut.id, 'ann', BY);
    const quiet = await service.openEvent({ id: 'quiet', name: 'Quiet', venue: null, startsAt: null, totalTickets: 5 }, BY);
    await service.book(quiet.id, 'dan', { quantity: 3, hold: true }, BY);
    const bobBooking = (await service.getBooking(soldOut.id, 'bob')).id;
    return { path, soldOut: soldOut.id, bobBooking };
  } finally {
    await store.close();
  }
}

async function tamper(path: string, change: (db: Db) => Promise<unknown>): Promise<void> {
  const database = openDatabase({ engine: 'sqlite', location: path, poolSize: 1, statementTimeoutMs: 5_000 });
  try {
    await change(database.db);
  } finally {
    await database.close();
  }
}

describe('npm run verify', () => {
  it('exits 0 on a database the service wrote and says how many events it checked', async () => {
    const { path } = await bookedDatabase('clean');
    const run = await runVerify(`sqlite:${path}`);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('verify: 2 events checked, 0 discrepancies\n');
    expect(run.code).toBe(0);
  });

  it('exits 1 on a tampered database, printing each discrepancy with its event and booking ids', async () => {
    const { path, soldOut, bobBooking } = await bookedDatabase('tampered');
    await tamper(path, (db) =>
      db
        .updateTable('bookings')
        .set({ status: 'waitlisted', confirmed_at: null, ticket_code: null })
        .where('id', '=', bobBooking)
        .execute(),
    );
    const run = await runVerify(`sqlite:${path}`);
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toContain(
      `I6 event=${soldOut} booking=${bobBooking}: booking ${bobBooking} of user bob is stored waitlisted, the audit log gives confirmed`,
    );
    // bookedCount, waitlistCount and waitlistTickets no longer match the bookings.
    expect(lines.filter((line) => line.startsWith(`I1 event=${soldOut} booking=-:`))).toHaveLength(3);
    expect(lines).toContain(
      `I8 event=${soldOut} booking=${bobBooking}: booking ${bobBooking} was confirmed once, but has lost its ticket code`,
    );
    expect(lines.at(-1)).toMatch(/^verify: 2 events checked, [1-9]\d* discrepanc(y|ies)$/);
    expect(lines.slice(0, -1).every((line) => /^I[1-8] event=\S+ booking=\S+: /.test(line))).toBe(true);
  });

  it('exits 2 with one line on stderr when the database has no schema', async () => {
    const run = await runVerify(`sqlite:${join(dataDir, 'empty.db')}`);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^boxoffice verify: .*no such table/);
  });

  it('exits 2 naming the variable when the configuration is invalid', async () => {
    const run = await runVerify('oracle://db');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^boxoffice verify: invalid configuration: DATABASE_URL:/);
  });
});
