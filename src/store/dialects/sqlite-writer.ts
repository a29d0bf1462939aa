import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type Kysely,
  type Dialect as KyselyDialect,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';

/** What the writer thread is started with. */
export interface WriterThreadData {
  driver: string;
  location: string;
  /** Run in order once the connection is open, before any statement. */
  pragmas: string[];
  keptStatements: number;
  keptMaxSql: number;
}

// Bits of a statement's answer.
const IN_TRANSACTION = 1;
/** The statement left a write in the log: it committed (or rolled back) a transaction, or wrote outside one. */
const WROTE = 2;
const FAILED = 4;

/**
 * The writer thread: the process's one connection, running each statement it is sent and answering with
 * the rows (or changes), whether the connection is in a transaction, and whether a write was left in the
 * log. Statements are kept prepared by text, least recently used out first, those longer than
 * `keptMaxSql` not at all. Inline, so it runs the same from dist/ and from the TypeScript sources under test.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const { location, pragmas, keptStatements, keptMaxSql } = workerData;
let connection = null;
let failure = null;
try {
  connection = new SQLite(location);
  for (const pragma of pragmas) connection.pragma(pragma);
} catch (error) {
  failure = error;
}
const prepared = new Map();
function prepare(text) {
  const kept = prepared.get(text);
  if (kept) {
    prepared.delete(text);
    prepared.set(text, kept);
    return kept;
  }
  const statement = connection.prepare(text);
  if (text.length <= keptMaxSql) {
    if (prepared.size >= keptStatements) prepared.delete(prepared.keys().next().value);
    prepared.set(text, statement);
  }
  return statement;
}
// A Buffer crosses threads as a plain Uint8Array, which the driver does not bind.
function bindable(parameters) {
  for (let i = 0; i < parameters.length; i++) {
    const value = parameters[i];
    if (value instanceof Uint8Array && !Buffer.isBuffer(value)) parameters[i] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  return parameters;
}
parentPort.on('message', (message) => {
  if (message === 'close') {
    if (connection && connection.open) connection.close();
    parentPort.close();
    return;
  }
  const [id, text, parameters] = message;
  try {
    if (failure) throw failure;
    const statement = prepare(text);
    const wasInTransaction = connection.inTransaction;
    let rows = null;
    let changes = 0;
    let lastInsertRowid = 0;
    if (statement.reader) rows = statement.all(bindable(parameters));
    else ({ changes, lastInsertRowid } = statement.run(bindable(parameters)));
    const inTransaction = connection.inTransaction;
    const wrote = !inTransaction && (wasInTransaction || !statement.readonly);
    parentPort.postMessage([id, rows, changes, lastInsertRowid, (inTransaction ? ${IN_TRANSACTION} : 0) | (wrote ? ${WROTE} : 0)]);
  } catch (error) {
    const inTransaction = connection !== null && connection.open && connection.inTransaction;
    const code = error && typeof error.code === 'string' ? error.code : null;
    parentPort.postMessage([id, null, String(error && error.message), code, ${FAILED} | (inTransaction ? ${IN_TRANSACTION} : 0)]);
  }
});
`;

type Answer = [
  id: number,
  rows: unknown[] | null,
  changesOrMessage: number | string,
  lastInsertRowidOrCode: number | bigint | string | null,
  flags: number,
];

/** A statement the writer thread refused, with the driver's own message and code (SQLITE_…). */
export class SqliteWriterError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'SqliteError';
  }
}

/** The writer thread is gone: every statement fails as the driver's own does on a closed connection. */
function notOpen(): TypeError {
  return new TypeError('The database connection is not open');
}

interface Waiting {
  resolve: (result: QueryResult<unknown>) => void;
  reject: (error: Error) => void;
}

/**
 * The process's one SQLite connection, on a thread of its own: statements go over one at a time and their
 * answers come back, so the event loop serves HTTP while SQLite parses, reads and writes (about a third of
 * the event loop's time in the flash sale when it ran here; docs/benchmarks.md). `onWrite` hears of each
 * write left in the log, in order, before the statement's caller does (WalSync counts them).
 */
export class SqliteWriter {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private gone = false;
  private readonly exited: Promise<void>;
  /** Whether the connection was in a transaction after the last statement answered. */
  inTransaction = false;

  constructor(data: Omit<WriterThreadData, 'driver'>, onWrite: () => void) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ...data, driver } satisfies WriterThreadData });
    // Kept alive only while a statement is out: the process may end once nothing waits for the database.
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('message', ([id, rows, changesOrMessage, lastInsertRowidOrCode, flags]: Answer) => {
      const waiting = this.waiting.get(id);
      this.waiting.delete(id);
      if (this.waiting.size === 0) this.worker.unref();
      this.inTransaction = (flags & IN_TRANSACTION) !== 0;
      if (flags & FAILED) {
        waiting?.reject(new SqliteWriterError(changesOrMessage as string, lastInsertRowidOrCode as string | null));
        return;
      }
      if (flags & WROTE) onWrite();
      waiting?.resolve(
        rows !== null
          ? { rows }
          : { rows: [], numAffectedRows: BigInt(changesOrMessage), insertId: BigInt(lastInsertRowidOrCode as number | bigint) },
      );
    });
    const stop = () => {
      this.gone = true;
      this.inTransaction = false;
      for (const { reject } of this.waiting.values()) reject(notOpen());
      this.waiting.clear();
    };
    this.worker.on('error', stop);
    this.worker.once('exit', stop);
  }

  execute(text: string, parameters: readonly unknown[]): Promise<QueryResult<unknown>> {
    if (this.gone) return Promise.reject(notOpen());
    const id = this.nextId++;
    if (this.waiting.size === 0) this.worker.ref();
    this.worker.postMessage([id, text, parameters]);
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject }));
  }

  /** Closes the connection after the statements already sent, and resolves once the thread has ended. */
  async close(): Promise<void> {
    if (!this.gone) {
      this.gone = true;
      this.worker.ref();
      this.worker.postMessage('close');
    }
    await this.exited;
  }
}

/** One connection at a time, in the order asked for. */
class Turns {
  private busy = false;
  private readonly queue: Array<() => void> = [];

  async take(): Promise<void> {
    if (!this.busy) {
      this.busy = true;
      return;
    }
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }

  give(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.busy = false;
  }
}

class WriterConnection implements DatabaseConnection {
  constructor(private readonly writer: SqliteWriter) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return this.writer.execute(compiledQuery.sql, compiledQuery.parameters) as Promise<QueryResult<R>>;
  }

  // eslint-disable-next-line require-yield -- nothing streams: every read answers with its rows at once
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('the SQLite writer thread does not stream rows');
  }
}

/** Kysely's driver over the writer thread: one connection, taken in turn, as Kysely's own SQLite driver does. */
class WriterDriver implements Driver {
  private readonly turns = new Turns();
  private readonly connection: WriterConnection;

  constructor(
    writer: SqliteWriter,
    private readonly closed: () => Promise<void>,
  ) {
    this.connection = new WriterConnection(writer);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.turns.take();
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    this.turns.give();
  }

  destroy(): Promise<void> {
    return this.closed();
  }
}

/** Kysely's SQLite dialect with its statements run on the writer thread; `closed` runs at `destroy()`. */
export class SqliteWriterDialect implements KyselyDialect {
  constructor(
    private readonly writer: SqliteWriter,
    private readonly closed: () => Promise<void>,
  ) {}

  createDriver(): Driver {
    return new WriterDriver(this.writer, this.closed);
  }

  createQueryCompiler(): SqliteQueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): SqliteAdapter {
    return new SqliteAdapter();
  }

  createIntrospector(db: Kysely<unknown>): SqliteIntrospector {
    return new SqliteIntrospector(db);
  }
}
