import { type Compilable, CompiledQuery, InsertQueryNode, type Kysely, sql } from 'kysely';
import type { Db, Dialect } from './dialect.js';
import type { BoxofficeSchema } from './schema.js';

/** Row counts of the statements a batch is cut into where statements are kept prepared by their text. */
const KEPT_SHAPES = [32, 16, 8, 4, 2, 1];
/** Where each statement is parsed anew, one statement carries this many rows at most. */
const ROWS_PER_STATEMENT = 500;
/** Compiled texts kept per statement and database; row counts recur (group commit batches), but not without bound. */
const TEXTS_KEPT = 64;

/** Row counts, in order, that `rows` rows are written in. */
export function statementSizes(rows: number, dialect: Pick<Dialect, 'keepsStatements'>): number[] {
  const sizes: number[] = [];
  let left = rows;
  while (left > 0) {
    const size = dialect.keepsStatements ? (KEPT_SHAPES.find((shape) => shape <= left) ?? 1) : Math.min(left, ROWS_PER_STATEMENT);
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

function sameValues(compiled: readonly unknown[], bound: readonly unknown[]): boolean {
  return compiled.length === bound.length && compiled.every((value, index) => Object.is(value, bound[index]));
}

/**
 * A multi-row statement whose SQL is compiled once per row count, then reused with each batch's values.
 * Kysely builds and compiles a node per value (about 200 µs for 50 bookings, on the event loop); here the
 * first batch of a size is compiled by Kysely like every other statement, and later ones only bind their
 * values, taken row by row in `columns` order. A text is kept only when Kysely's own parameters came out
 * in exactly that order, so a value is never bound to another column than Kysely would bind it to.
 * Where the engine keeps prepared statements by text (SQLite), rows go in a few fixed counts, so a
 * handful of texts are each parsed once. Where an insert reads its rows from JSON (PostgreSQL), one text
 * serves every count.
 */
export class RowStatement<Row extends Record<string, unknown>> {
  /** By the adapter of the database (one per engine and Database), then by row count. */
  private readonly texts = new WeakMap<object, Map<number, string>>();
  /** By adapter, where an insert reads its rows from JSON: one text for every row count, or null where the statement does not allow it. */
  private readonly jsonTexts = new WeakMap<object, string | null>();

  constructor(
    private readonly columns: readonly (keyof Row & string)[],
    private readonly build: (db: Db, rows: Row[]) => Compilable,
  ) {}

  execute(db: Db, dialect: Pick<Dialect, 'keepsStatements' | 'insertsFromJson'>, rows: readonly Row[]): Promise<void> {
    return this.executeEach(db, dialect, rows, (row) => row);
  }

  /**
   * Writes a row per item, each made by `toRow` only when its statement's turn comes: the rows of a large
   * batch (an expiry storm's 10,000 audit entries, each a snapshot in JSON) are never all alive at once.
   */
  async executeEach<Item>(
    db: Db,
    dialect: Pick<Dialect, 'keepsStatements' | 'insertsFromJson'>,
    items: readonly Item[],
    toRow: (item: Item) => Row,
  ): Promise<void> {
    if (items.length === 0) return;
    if (dialect.insertsFromJson) {
      const text = this.jsonText(db, () => toRow(items[0] as Item));
      if (text !== null) {
        // Still in bounded statements: each one's JSON is built whole, on both sides.
        for (let start = 0; start < items.length; start += ROWS_PER_STATEMENT) {
          const chunk = items.slice(start, start + ROWS_PER_STATEMENT).map(toRow);
          await db.executeQuery(CompiledQuery.raw(text, [JSON.stringify(chunk)]));
        }
        return;
      }
    }
    let start = 0;
    for (const size of statementSizes(items.length, dialect)) {
      await this.executeOne(db, items.slice(start, start + size).map(toRow));
      start += size;
    }
  }

  private async executeOne(db: Db, rows: Row[]): Promise<void> {
    const adapter = db.getExecutor().adapter;
    let texts = this.texts.get(adapter);
    if (!texts) {
      texts = new Map();
      this.texts.set(adapter, texts);
    }
    const values: unknown[] = [];
    for (const row of rows) for (const column of this.columns) values.push(row[column]);
    const text = texts.get(rows.length);
    if (text !== undefined) {
      await db.executeQuery(CompiledQuery.raw(text, values));
      return;
    }
    const compiled = this.build(db, rows).compile();
    if (sameValues(compiled.parameters, values)) {
      if (texts.size >= TEXTS_KEPT) texts.delete(texts.keys().next().value as number);
      texts.set(rows.length, compiled.sql);
    }
    await db.executeQuery(compiled);
  }

  /**
   * PostgreSQL: the statement with its VALUES list turned into `json_populate_recordset()` over the rows,
   * bound as one JSON parameter: one short text for any number of rows. A list of placeholders is parsed
   * anew on every run (a 500-row audit insert: 6 ms of parse, 12 of execution). The rows take the table's
   * own column types, and keep their order (WITH ORDINALITY) so sequences number them as the list did.
   * One typed array per column (`unnest`) measured slower: node-postgres escapes every element in JS.
   */
  private jsonText(db: Db, firstRow: () => Row): string | null {
    const adapter = db.getExecutor().adapter;
    const known = this.jsonTexts.get(adapter);
    if (known !== undefined) return known;
    const text = this.compileJsonText(db, firstRow());
    this.jsonTexts.set(adapter, text);
    return text;
  }

  private compileJsonText(db: Db, row: Row): string | null {
    const compiled = this.build(db, [row]).compile();
    const node = compiled.query;
    if (!InsertQueryNode.is(node) || !node.into || !node.columns) return null;
    const columns = node.columns.map((column) => column.column.name);
    const list = `values (${columns.map((_, index) => `$${index + 1}`).join(', ')})`;
    // Only where every parameter is a row's value, in the insert's column order, and nothing else is bound.
    const bound = columns.map((column) => row[column]);
    if (!sameValues(compiled.parameters, bound) || !compiled.sql.includes(list)) return null;
    const names = columns.map((column) => `"${column}"`).join(', ');
    const table = `"${node.into.table.identifier.name}"`;
    return compiled.sql.replace(
      list,
      `select ${names} from json_populate_recordset(null::${table}, $1::json) with ordinality order by ordinality`,
    );
  }
}

/** A table whose rows are keyed by `id`, as a statement over it alone sees it. */
type ById = Kysely<Record<string, { id: string }>>;

/**
 * Stores the new state of rows that all exist already, keyed by `id`, many in one statement: each insert
 * turns into the update of the `changing` columns (INSERT … ON CONFLICT, or ON DUPLICATE KEY UPDATE,
 * where MariaDB and MySQL both still take VALUES(column)).
 */
export function updatesById<Row extends Record<string, unknown>>(
  table: keyof BoxofficeSchema,
  columns: readonly (keyof Row & string)[],
  changing: readonly (keyof Row & string)[],
): Record<Dialect['upsert'], RowStatement<Row>> {
  const insert = (db: Db, rows: Row[]) => (db as unknown as ById).insertInto(table).values(rows as never);
  return {
    'on-conflict': new RowStatement<Row>(columns, (db, rows) =>
      insert(db, rows).onConflict((conflict) =>
        conflict.column('id').doUpdateSet(Object.fromEntries(changing.map((column) => [column, sql.ref(`excluded.${column}`)]))),
      ),
    ),
    'on-duplicate-key': new RowStatement<Row>(columns, (db, rows) =>
      insert(db, rows).onDuplicateKeyUpdate(Object.fromEntries(changing.map((column) => [column, sql.raw(`values(${column})`)]))),
    ),
  };
}
