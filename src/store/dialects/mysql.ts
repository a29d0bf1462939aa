import { createRequire } from 'node:module';
import { Kysely, MysqlDialect } from 'kysely';
import type * as Mysql2 from 'mysql2';
import type { DatabaseConfig } from '../../config.js';
import { type Db, type Dialect, type OpenedDatabase, errorCode, isNetworkError } from '../dialect.js';
import type { BoxofficeSchema } from '../schema.js';

const DUPLICATE_ENTRY = 1062;
const TRANSIENT = new Set([1205, 1213]);
const UNAVAILABLE = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_QUERY_INTERRUPTED',
  'ER_STATEMENT_TIMEOUT',
  'POOL_CLOSED',
  // The database was dropped (or is not created yet): an outage, not a bug. Pooled connections see it
  // as tables gone, since migrations made every table before the server took a request.
  'ER_BAD_DB_ERROR',
  'ER_NO_DB_ERROR',
  'ER_NO_SUCH_TABLE',
]);

/** mysql2 keeps its pool's counts in fields it does not type. */
interface PoolInternals {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}

function errno(error: unknown): number | undefined {
  const value = (error as { errno?: unknown } | null)?.errno;
  return typeof value === 'number' ? value : undefined;
}

// Loaded when a MySQL database is opened: a server on another engine never holds this driver in memory.
const require = createRequire(import.meta.url);

export function openMysql(config: DatabaseConfig): OpenedDatabase {
  const { createPool } = require('mysql2') as typeof Mysql2;
  const pool = createPool({
    uri: config.location,
    connectionLimit: config.poolSize,
    connectTimeout: 5_000,
    timezone: 'Z',
    supportBigNumbers: true,
  });
  const seconds = Math.max(1, Math.ceil(config.statementTimeoutMs / 1000));
  pool.on('connection', (connection) => {
    connection.query(`set session innodb_lock_wait_timeout = ${seconds}`, () => {});
    // MariaDB limits every statement; MySQL names its (SELECT-only) limit differently, in ms.
    connection.query(`set session max_statement_time = ${seconds}`, (error) => {
      if (error) connection.query(`set session max_execution_time = ${seconds * 1000}`, () => {});
    });
  });

  const dialect: Dialect = {
    engine: 'mysql',
    rowLocks: true,
    skipLocked: true,
    oneConnection: false,
    readsJsonRows: false,
    joinsJsonTable: true,
    keepsStatements: false,
    bindsArrays: false,
    insertsFromJson: false,
    upsert: 'on-duplicate-key',
    // Every commit is flushed: InnoDB sets that server-wide only (innodb_flush_log_at_trx_commit), so `durable` has no say here.
    transaction: <T>(db: Db, work: (trx: Db) => Promise<T>) => db.transaction().setIsolationLevel('read committed').execute(work),
    isUniqueViolation: (error) => errno(error) === DUPLICATE_ENTRY,
    isTransient: (error) => TRANSIENT.has(errno(error) ?? 0),
    isUnavailable: (error) => isNetworkError(error) || UNAVAILABLE.has(String(errorCode(error))),
    poolStats: () => {
      const internals = pool as unknown as PoolInternals;
      return {
        total: internals._allConnections?.length ?? 0,
        idle: internals._freeConnections?.length ?? 0,
        waiting: internals._connectionQueue?.length ?? 0,
      };
    },
  };
  const db = new Kysely<BoxofficeSchema>({ dialect: new MysqlDialect({ pool }) });
  return { db, dialect };
}
