import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/store/db.js';

const ROWS = 2_000;
const WAIT_MS = 10_000;

describe('SQLite checkpoints', () => {
  let directory: string | null = null;
  let database: Database | null = null;

  afterEach(async () => {
    await database?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
    database = null;
    directory = null;
  });

  it('move the log into the database file on a worker thread while the writer only appends to it', async () => {
    directory = mkdtempSync(join(tmpdir(), 'boxoffice-checkpoints-'));
    const file = join(directory, 'boxoffice.db');
    database = openDatabase({ engine: 'sqlite', location: file, poolSize: 1, statementTimeoutMs: 5_000 });
    const { db } = database;
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
    expect(rows[0]?.wal_autocheckpoint).toBe(0);

    await sql`create table rows (id integer primary key, body text not null)`.execute(db);
    const sizeBefore = statSync(file).size;
    for (let start = 0; start < ROWS; start += 100) {
      await database.dialect.transaction(db, async (trx) => {
        for (let id = start; id < start + 100; id++) await sql`insert into rows (id, body) values (${id}, ${'x'.repeat(500)})`.execute(trx);
      });
    }
    // About 1 MB of rows, committed into the log: the writer never checkpoints, so only the worker grows the file.
    const deadline = Date.now() + WAIT_MS;
    while (statSync(file).size < sizeBefore + ROWS * 500 && Date.now() < deadline) await sleep(50);
    expect(statSync(file).size).toBeGreaterThanOrEqual(sizeBefore + ROWS * 500);
    const { rows: counted } = await sql<{ n: number }>`select count(*) as n from rows`.execute(db);
    expect(counted[0]?.n).toBe(ROWS);
  });
});
