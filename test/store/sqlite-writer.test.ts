import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/store/db.js';
import { SqliteWriter } from '../../src/store/dialects/sqlite-writer.js';

/** Whether `promise` has settled by the next turn of the event loop. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await turn();
  return done;
}

function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: unknown) => error,
  );
}

describe('SQLite writer thread', () => {
  let directory: string;
  let database: Database;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'boxoffice-writer-'));
    database = openDatabase({ engine: 'sqlite', location: join(directory, 'boxoffice.db'), poolSize: 1, statementTimeoutMs: 5_000 });
    await sql`create table things (id text primary key, body blob)`.execute(database.db);
  });

  afterEach(async () => {
    await database.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('runs statements beside the event loop, which keeps turning while one runs', async () => {
    // A few hundred milliseconds of SQLite's own work, and nothing for the event loop to do in it.
    const counting = sql<{ n: number }>`
      with recursive c(x) as (select 1 union all select x + 1 from c where x < 500000) select count(*) as n from c
    `.execute(database.db);
    let turns = 0;
    while (!(await settled(counting))) turns += 1;
    expect((await counting).rows[0]?.n).toBe(500_000);
    expect(turns).toBeGreaterThan(0);
  });

  it('refuses with the driver’s own error codes, which the dialect reads', async () => {
    await sql`insert into things (id) values ('a')`.execute(database.db);
    const error = await caught(sql`insert into things (id) values ('a')`.execute(database.db));
    expect(error).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    expect(database.dialect.isUniqueViolation(error)).toBe(true);

    const syntax = await caught(sql`selct 1`.execute(database.db));
    expect(syntax).toMatchObject({ code: 'SQLITE_ERROR', message: expect.stringContaining('syntax error') });
    expect(database.dialect.isUnavailable(syntax)).toBe(false);
  });

  it('rolls back a transaction whose work failed, and the next one commits', async () => {
    const failing = database.dialect.transaction(database.db, async (trx) => {
      await sql`insert into things (id) values ('kept-out')`.execute(trx);
      await sql`insert into things (id) values ('kept-out')`.execute(trx);
    });
    expect(database.dialect.isUniqueViolation(await caught(failing))).toBe(true);
    await database.dialect.transaction(database.db, (trx) => sql`insert into things (id) values ('b')`.execute(trx));
    const { rows } = await sql<{ id: string }>`select id from things order by id`.execute(database.db);
    expect(rows.map((row) => row.id)).toEqual(['b']);
  });

  it('binds bytes and reads them back', async () => {
    const body = Buffer.from([0, 1, 2, 254, 255]);
    await sql`insert into things (id, body) values ('bytes', ${body})`.execute(database.db);
    const { rows } = await sql<{ body: Uint8Array }>`select body from things where id = 'bytes'`.execute(database.db);
    expect(Buffer.from(rows[0]!.body).equals(body)).toBe(true);
  });

  it('refuses as unavailable once its thread has ended', async () => {
    const writer = new SqliteWriter({ location: join(directory, 'other.db'), pragmas: [], keptStatements: 1, keptMaxSql: 100 }, () => {});
    await writer.execute('create table t (id integer)', []);
    await writer.close();
    const error = await caught(writer.execute('select 1', []));
    expect(database.dialect.isUnavailable(error)).toBe(true);
  });
});
