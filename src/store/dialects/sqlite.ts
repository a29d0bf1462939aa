import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import type { DatabaseConfig } from '../../config.js';
import { type Db, type Dialect, type OpenedDatabase, errorCode } from '../dialect.js';
import type { BoxofficeSchema } from '../schema.js';
import { startCheckpointer } from './sqlite-checkpointer.js';
import { type SyncFile, WalSync } from './sqlite-wal-sync.js';
import { SqliteWriter, SqliteWriterDialect } from './sqlite-writer.js';

// Statements are kept only while short: a multi-row insert for 256 rows compiles to ~200 KB, and
// batches of every size would fill memory with shapes that rarely recur. Multi-row writes come in at
// most 32 rows (RowStatement), whose texts (up to ~3.5 KB for events) fit.
const PREPARED_STATEMENTS_KEPT = 128;
const PREPARED_STATEMENT_MAX_SQL = 8_192;

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

/** Whether the file's journal is (now) a write-ahead log: the setting is kept in the file, for every connection. */
function inWalMode(location: string): boolean {
  const connection = new SQLite(location);
  try {
    return connection.pragma('journal_mode = WAL', { simple: true }) === 'wal';
  } finally {
    connection.close();
  }
}

export function openSqlite(config: DatabaseConfig, options: SqliteOptions = {}): OpenedDatabase {
  const inMemory = config.location === ':memory:';
  if (!inMemory) mkdirSync(dirname(config.location), { recursive: true });
  // Opened here first, so a file that cannot be opened fails the start, as it always did.
  const walMode = !inMemory && inWalMode(config.location);
  // A file's log is synced off the event loop before anyone hears of a commit (WalSync), so COMMIT itself
  // need not wait for the disk; anything else (no log: in memory, or a file system WAL cannot run on)
  // syncs at every commit.
  const wal = walMode ? new WalSync(config.location, options.syncFile) : null;
  const pragmas = [
    wal ? 'synchronous = NORMAL' : 'synchronous = FULL',
    'foreign_keys = ON',
    `cache_size = -${PAGE_CACHE_KIB}`,
    `busy_timeout = ${Math.floor(config.statementTimeoutMs)}`,
    // The log is checkpointed on a thread of its own (below), not by the writer's commits.
    ...(wal ? ['wal_autocheckpoint = 0'] : []),
  ];
  const writer = new SqliteWriter(
    { location: config.location, pragmas, keptStatements: PREPARED_STATEMENTS_KEPT, keptMaxSql: PREPARED_STATEMENT_MAX_SQL },
    () => wal?.wrote(),
  );
  const checkpointer = wal
    ? startCheckpointer(config.location, (pages) => {
        writer.execute(`pragma wal_autocheckpoint = ${pages}`, []).catch(() => {
          // The writer is closed: nothing is left to checkpoint after.
        });
      })
    : null;
  let stopping: Promise<void> | null = null;
  const closed = async () => {
    await writer.close();
    // The checkpointer's connection, closed last, moves what is left of the log into the file.
    stopping ??= Promise.all([wal?.close(), checkpointer?.close()]).then(() => undefined);
    await stopping;
  };

  const dialect: Dialect = {
    engine: 'sqlite',
    rowLocks: false,
    skipLocked: false,
    oneConnection: true,
    readsJsonRows: true,
    keepsStatements: true,
    bindsArrays: false,
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
          if (writer.inTransaction) await sql`rollback`.execute(conn);
          throw error;
        }
      }),
    ...(wal ? { durable: () => wal.durable() } : {}),
    stopped: () => stopping ?? Promise.resolve(),
    isUniqueViolation: (error) => /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test(sqliteCode(error)),
    isTransient: (error) => /^SQLITE_(BUSY|LOCKED)/.test(sqliteCode(error)),
    isUnavailable: (error) =>
      /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|NOTADB|CORRUPT)/.test(sqliteCode(error)) ||
      (error instanceof TypeError && /database connection is not open/i.test(error.message)),
  };
  const db = new Kysely<BoxofficeSchema>({ dialect: new SqliteWriterDialect(writer, closed) });
  return { db, dialect };
}
