import { createRequire } from 'node:module';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type PgDriver from 'pg';
import type { DatabaseConfig } from '../../config.js';
import { type Db, type Dialect, type OpenedDatabase, type TransactionOptions, errorCode, isNetworkError } from '../dialect.js';
import type { BoxofficeSchema } from '../schema.js';

// https://www.postgresql.org/docs/current/errcodes-appendix.html
const TRANSIENT = new Set(['40001', '40P01', '55P03']);
const UNAVAILABLE_CLASSES = ['08', '53', '57'];
/** invalid_catalog_name: the database was dropped (or is not created yet), an outage like a refused connection. */
const DATABASE_MISSING = '3D000';

// Loaded when a PostgreSQL database is opened: a server on another engine never holds this driver in memory.
const require = createRequire(import.meta.url);

export function openPostgres(config: DatabaseConfig): OpenedDatabase {
  const pg = require('pg') as typeof PgDriver;
  const pool = new pg.Pool({
    connectionString: config.location,
    max: config.poolSize,
    connectionTimeoutMillis: 5_000,
    statement_timeout: config.statementTimeoutMs,
    lock_timeout: config.statementTimeoutMs,
  });
  // A client whose server went away emits 'error'; the query it was running rejects on its own, and
  // without a listener the event would crash the process. Idle ones are dropped by the pool.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));

  const dialect: Dialect = {
    engine: 'postgres',
    rowLocks: true,
    skipLocked: true,
    oneConnection: false,
    readsJsonRows: false,
    joinsJsonTable: false,
    keepsStatements: false,
    bindsArrays: true,
    insertsFromJson: true,
    upsert: 'on-conflict',
    transaction: <T>(db: Db, work: (trx: Db) => Promise<T>, options?: TransactionOptions) =>
      db
        .transaction()
        .setIsolationLevel('read committed')
        .execute(async (trx) => {
          // The commit returns before its WAL record is flushed; a crash may undo it, never reorder it.
          if (options?.durable === false) await sql`set local synchronous_commit = off`.execute(trx);
          return work(trx);
        }),
    isUniqueViolation: (error) => errorCode(error) === '23505',
    isTransient: (error) => TRANSIENT.has(String(errorCode(error))),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    isUnavailable: (error) => {
      const code = String(errorCode(error) ?? '');
      if (code === DATABASE_MISSING || UNAVAILABLE_CLASSES.some((prefix) => code.startsWith(prefix))) return true;
      if (isNetworkError(error)) return true;
      const message = error instanceof Error ? error.message : '';
      return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is closed/i.test(
        message,
      );
    },
  };
  const db = new Kysely<BoxofficeSchema>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect };
}
