import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type SqliteDatabase, SqliteDialect, type SqliteStatement, sql } from 'kysely';
import type { DatabaseConfig } from '../../config.js';
import { type Db, type Dialect, type OpenedDatabase, errorCode } from '../dialect.js';
import type { BoxofficeSchema } from '../schema.js';
import { type Checkpointer, startCheckpointer } from './sqlite-checkpointer.js';
import { type SyncFile, WalSync } from './sqlite-wal-sync.js';

// Statements are kept only while short: a multi-row insert for 256 rows compiles to ~200 KB, and
// batches of every size would fill memory with shapes that rarely recur. Multi-row writes come in at
// most 32 rows (RowStatement), whose texts (up to ~3.5 KB for events) fit.
const PREPARED_STATEMENTS_KEPT = 128;
const PREPARED_STATEMENT_MAX_SQL = 8_192;

/**
 * A statement that tells `wal` when it leaves a write in the log: it committed a transaction, or it wrote
 * outside one. Kysely runs `all` for statements that return rows, `run` for the others.
 */
function countingWrites(connection: SQLite.Database, statement: SQLite.Statement, wal: WalSync): SqliteStatement {
  // Read once: what a prepared statement does never changes.
  const writes = !statement.readonly;
  const noteWrite = (wasInTransaction: boolean) => {
    if (!connection.inTransaction && (wasInTransaction || writes)) wal.wrote();
  };
  return {
    reader: statement.reader,
    all: (parameters) => {
      const wasInTransaction = connection.inTransaction;
      const rows = statement.all(parameters);
      noteWrite(wasInTransaction);
      return rows;
    },
    run: (parameters) => {
      const wasInTransaction = connection.inTransaction;
      const result = statement.run(parameters);
      noteWrite(wasInTransaction);
      return result;
    },
    iterate: (parameters) => statement.iterate(parameters),
  };
}

/**
 * The connection as Kysely sees it, keeping short prepared statements by SQL text, least recently used out
 * first. Kysely closes it without waiting: `stopped` says when the threads beside it are done too.
 */
function keepingPreparedStatements(
  connection: SQLite.Database,
  wal: WalSync | null,
  checkpointer: Checkpointer | null,
): SqliteDatabase & { stopped: () => Promise<void> } {
  const prepared = new Map<string, SqliteStatement>();
  let stopping: Promise<void> | null = null;
  return {
    close: () => {
      connection.close();
      // The checkpointer's connection, closed last, moves what is left of the log into the file.
      stopping = Promise.all([wal?.close(), checkpointer?.close()]).then(() => undefined);
    },
    stopped: () => stopping ?? Promise.resolve(),
    prepare: (text) => {
      const kept = prepared.get(text);
      if (kept) {
        prepared.delete(text);
        prepared.set(text, kept);
        return kept;
      }
      const native = connection.prepare(text);
      const statement = wal ? countingWrites(connection, native, wal) : native;
      if (text.length <= PREPARED_STATEMENT_MAX_SQL) {
        if (prepared.size >= PREPARED_STATEMENTS_KEPT) prepared.delete(prepared.keys().next().value as string);
        prepared.set(text, statement);
      }
      return statement;
    },
  };
}

function sqliteCode(error: unknown): string {
  const code = errorCode(error);
  return typeof code === 'string' ? code : '';
}

/** What tests may replace: how the log is flushed to disk. */
export interface SqliteOptions {
  syncFile?: SyncFile;
}

/**
 * The writer's page cache: SQLite's own default of 2 MiB, where better-sqlite3 builds with 16 MiB. In
 * alternating runs the larger cache saved no CPU in the flash sale or the spread (the OS keeps the file's
 * pages) and cost ~15 MB of peak RSS (docs/benchmarks.md).
 */
const PAGE_CACHE_KIB = 2_000;

export function openSqlite(config: DatabaseConfig, options: SqliteOptions = {}): OpenedDatabase {
  const inMemory = config.location === ':memory:';
  if (!inMemory) mkdirSync(dirname(config.location), { recursive: true });
  const connection = new SQLite(config.location);
  const walMode = connection.pragma('journal_mode = WAL', { simple: true }) === 'wal';
  // A file's log is synced off the event loop before anyone hears of a commit (WalSync), so COMMIT itself
  // need not wait for the disk; anything else (no log: in memory, or a file system WAL cannot run on)
  // syncs at every commit.
  const wal = walMode && !inMemory ? new WalSync(config.location, options.syncFile) : null;
  connection.pragma(wal ? 'synchronous = NORMAL' : 'synchronous = FULL');
  connection.pragma('foreign_keys = ON');
  connection.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  connection.pragma(`busy_timeout = ${Math.floor(config.statementTimeoutMs)}`);
  // The log is checkpointed on a worker thread.
  const checkpointer = wal
    ? startCheckpointer(config.location, (pages) => {
        if (connection.open) connection.pragma(`wal_autocheckpoint = ${pages}`);
      })
    : null;
  if (checkpointer) connection.pragma('wal_autocheckpoint = 0');

  const database = keepingPreparedStatements(connection, wal, checkpointer);
  const dialect: Dialect = {
    engine: 'sqlite',
    rowLocks: false,
    skipLocked: false,
    oneConnection: true,
    readsJsonRows: true,
    joinsJsonTable: false,
    keepsStatements: true,
    bindsArrays: false,
    insertsFromJson: false,
    upsert: 'on-conflict',
    // Every commit waits for the log's group sync (WalSync) before anyone is told: `durable: false` changes nothing here.
    transaction: <T>(db: Db, work: (trx: Db) => Promise<T>) =>
      db.connection().execute(async (conn) => {
        // IMMEDIATE takes the write lock up front: no reader-turned-writer deadlock between processes.
        await sql`begin immediate`.execute(conn);
        try {
          const result = await work(conn);
          await sql`commit`.execute(conn);
          return result;
        } catch (error) {
          if (connection.inTransaction) await sql`rollback`.execute(conn);
          throw error;
        }
      }),
    ...(wal ? { durable: () => wal.durable() } : {}),
    stopped: () => database.stopped(),
    isUniqueViolation: (error) => /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test(sqliteCode(error)),
    isTransient: (error) => /^SQLITE_(BUSY|LOCKED)/.test(sqliteCode(error)),
    isUnavailable: (error) =>
      /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|NOTADB|CORRUPT)/.test(sqliteCode(error)) ||
      (error instanceof TypeError && /database connection is not open/i.test(error.message)),
  };
  const db = new Kysely<BoxofficeSchema>({
    dialect: new SqliteDialect({ database }),
  });
  return { db, dialect };
}
