import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type SqliteDatabase, SqliteDialect, sql } from 'kysely';
import type { DatabaseConfig } from '../../config.js';
import { type Db, type Dialect, type OpenedDatabase, type TransactionOptions, errorCode } from '../dialect.js';
import type { BoxofficeSchema } from '../schema.js';
import { type Checkpointer, startCheckpointer } from './sqlite-checkpointer.js';

// Statements are kept only while short: a multi-row insert for 256 rows compiles to ~200 KB, and
// batches of every size would fill memory with shapes that rarely recur.
const PREPARED_STATEMENTS_KEPT = 128;
const PREPARED_STATEMENT_MAX_SQL = 2_048;

/** The connection as Kysely sees it, keeping short prepared statements by SQL text, least recently used out first. */
function keepingPreparedStatements(connection: SQLite.Database, checkpointer: Checkpointer | null): SqliteDatabase {
  const prepared = new Map<string, SQLite.Statement>();
  return {
    close: () => {
      connection.close();
      // The checkpointer's connection, closed last, moves what is left of the log into the file.
      void checkpointer?.close();
    },
    prepare: (text) => {
      const kept = prepared.get(text);
      if (kept) {
        prepared.delete(text);
        prepared.set(text, kept);
        return kept;
      }
      const statement = connection.prepare(text);
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

export function openSqlite(config: DatabaseConfig): OpenedDatabase {
  if (config.location !== ':memory:') mkdirSync(dirname(config.location), { recursive: true });
  const connection = new SQLite(config.location);
  connection.pragma('journal_mode = WAL');
  // FULL: the WAL is synced at every commit, so an acknowledged booking survives power loss.
  connection.pragma('synchronous = FULL');
  connection.pragma('foreign_keys = ON');
  connection.pragma(`busy_timeout = ${Math.floor(config.statementTimeoutMs)}`);
  // A file's log is checkpointed on a worker thread; an in-memory database has no log.
  const checkpointer =
    config.location === ':memory:'
      ? null
      : startCheckpointer(config.location, (pages) => {
          if (connection.open) connection.pragma(`wal_autocheckpoint = ${pages}`);
        });
  if (checkpointer) connection.pragma('wal_autocheckpoint = 0');

  const dialect: Dialect = {
    engine: 'sqlite',
    rowLocks: false,
    skipLocked: false,
    oneConnection: true,
    bindsArrays: false,
    upsert: 'on-conflict',
    transaction: <T>(db: Db, work: (trx: Db) => Promise<T>, options?: TransactionOptions) =>
      db.connection().execute(async (conn) => {
        // NORMAL in WAL mode: this commit is not synced, the next FULL commit (or checkpoint) syncs it with its own.
        const durable = options?.durable ?? true;
        if (!durable) await sql`pragma synchronous = NORMAL`.execute(conn);
        try {
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
        } finally {
          if (!durable) await sql`pragma synchronous = FULL`.execute(conn);
        }
      }),
    isUniqueViolation: (error) => /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test(sqliteCode(error)),
    isTransient: (error) => /^SQLITE_(BUSY|LOCKED)/.test(sqliteCode(error)),
    isUnavailable: (error) =>
      /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|NOTADB|CORRUPT)/.test(sqliteCode(error)) ||
      (error instanceof TypeError && /database connection is not open/i.test(error.message)),
  };
  const db = new Kysely<BoxofficeSchema>({ dialect: new SqliteDialect({ database: keepingPreparedStatements(connection, checkpointer) }) });
  return { db, dialect };
}
