import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/store/db.js';
import type { Db } from '../../src/store/dialect.js';
import { RowStatement, statementSizes } from '../../src/store/row-statement.js';
import { ENGINES, type TestDatabase } from '../helpers/engines.js';

interface TestTable {
  id: string;
  n: number;
  note: string | null;
}

type TestRow = TestTable & Record<string, unknown>;

const asTestDb = (db: Db) => db as unknown as Kysely<{ row_statement_test: TestTable }>;

/** A statement over the test table that counts how often Kysely had to build and compile it. */
function countedStatement(columns: readonly (keyof TestTable)[]) {
  const counted = { builds: 0 };
  const statement = new RowStatement<TestRow>(columns, (db, rows) => {
    counted.builds += 1;
    return asTestDb(db).insertInto('row_statement_test').values(rows);
  });
  return { statement, counted };
}

describe('statementSizes', () => {
  it('cuts a batch into a few fixed row counts where statements are kept, else into statements of up to 500 rows', () => {
    expect(statementSizes(0, { keepsStatements: true })).toEqual([]);
    expect(statementSizes(50, { keepsStatements: true })).toEqual([32, 16, 2]);
    expect(statementSizes(70, { keepsStatements: true })).toEqual([32, 32, 4, 2]);
    expect(statementSizes(50, { keepsStatements: false })).toEqual([50]);
    expect(statementSizes(1_200, { keepsStatements: false })).toEqual([500, 500, 200]);
  });
});

describe.each(ENGINES)('RowStatement on $name', (engine) => {
  let testDatabase: TestDatabase;
  let database: Database;
  let nextId = 0;

  beforeAll(async () => {
    testDatabase = await engine.create();
    database = openDatabase(testDatabase.config);
    await asTestDb(database.db)
      .schema.createTable('row_statement_test')
      .addColumn('id', 'varchar(20)', (column) => column.primaryKey())
      .addColumn('n', 'integer', (column) => column.notNull())
      .addColumn('note', 'varchar(50)')
      .execute();
  });

  afterAll(async () => {
    await database.close();
    await testDatabase.drop();
  });

  const batchOf = (size: number): TestRow[] =>
    Array.from({ length: size }, () => {
      nextId += 1;
      return { id: `r${String(nextId).padStart(6, '0')}`, n: nextId * 7, note: nextId % 3 === 0 ? null : `note ${nextId}` };
    });

  async function stored(): Promise<TestTable[]> {
    const rows = await asTestDb(database.db).selectFrom('row_statement_test').selectAll().orderBy('id').execute();
    return rows.map((row) => ({ id: row.id, n: Number(row.n), note: row.note }));
  }

  async function truncate(): Promise<void> {
    await asTestDb(database.db).deleteFrom('row_statement_test').execute();
  }

  it('writes every row of batches of any size, building each row count once', async () => {
    await truncate();
    const { statement, counted } = countedStatement(['id', 'n', 'note']);
    const sizes = [1, 3, 50, 3, 50, 70];
    const written: TestRow[] = [];
    for (const size of sizes) {
      const batch = batchOf(size);
      await statement.execute(database.db, database.dialect, batch);
      written.push(...batch);
    }
    expect(await stored()).toEqual(written);
    const shapes = new Set(sizes.flatMap((size) => statementSizes(size, database.dialect)));
    // Where an insert reads its rows from JSON (PostgreSQL), one text carries every row count.
    expect(counted.builds).toBe(database.dialect.insertsFromJson ? 1 : shapes.size);
  });

  it('stores values an array literal or a JSON document would garble exactly as given', async () => {
    await truncate();
    const { statement } = countedStatement(['id', 'n', 'note']);
    const notes = ['NULL', '', ' padded ', 'a "quoted", {braced} \\ back\\slash', 'ünï — 😀', '{"json": [1, null]}', null];
    const written = notes.map((note, index) => ({ id: `odd${index}`, n: -1 - index, note }));
    await statement.execute(database.db, database.dialect, written);
    expect(await stored()).toEqual(written);
  });

  it('never reuses a text whose values Kysely binds in another order than the columns given', async () => {
    await truncate();
    // The rows' keys run id, n, note; Kysely binds in that order, not this one.
    const { statement, counted } = countedStatement(['note', 'n', 'id']);
    const written = [...batchOf(4), ...batchOf(4)];
    await statement.execute(database.db, database.dialect, written.slice(0, 4));
    await statement.execute(database.db, database.dialect, written.slice(4));
    expect(await stored()).toEqual(written);
    // JSON rows are read by column name, so one text serves.
    expect(counted.builds).toBe(database.dialect.insertsFromJson ? 1 : 2 * statementSizes(4, database.dialect).length);
  });
});
