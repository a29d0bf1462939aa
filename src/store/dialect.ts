import type { Kysely } from 'kysely';
import type { DatabaseConfig, DatabaseEngine } from '../config.js';
import type { BoxofficeSchema } from './schema.js';

export type Db = Kysely<BoxofficeSchema>;

/**
 * What differs between the engines, in one object per engine; repositories ask it,
 * they never test the engine's name.
 */
export interface Dialect {
  engine: DatabaseEngine;
  /** SELECT … FOR UPDATE exists; SQLite instead takes the one write lock at BEGIN IMMEDIATE. */
  rowLocks: boolean;
  /**
   * A JS array binds as one parameter, so a lookup by many user ids can probe the index once per id
   * (unnest + LATERAL) instead of trusting the planner with an IN list it may scan by event.
   */
  bindsArrays: boolean;
  /**
   * An insert reads its rows from one JSON parameter as rows of the table's own type (PostgreSQL's
   * `json_populate_recordset`): one short text for any number of rows, where a list of placeholders is
   * parsed anew on every run (RowStatement).
   */
  insertsFromJson: boolean;
  /**
   * SELECT … FOR UPDATE SKIP LOCKED exists: app processes claiming due deliveries pass over rows another
   * process is claiming instead of queueing behind its lock. SQLite has one process and one writer.
   */
  skipLocked: boolean;
  /**
   * The process has one connection and must share it: a second SQLite connection would busy-wait on the
   * first one's write lock inside the event loop that has to release it. Background work (deliveries)
   * otherwise gets a pool of its own so it never takes a connection a booking needs.
   */
  oneConnection: boolean;
  /**
   * A JSON array bound as one parameter reads as rows (SQLite's json_each): a lookup by many keys keeps one
   * statement text, prepared once, where a list of placeholders would make a new text for every count.
   */
  readsJsonRows: boolean;
  /**
   * JSON_TABLE turns one JSON parameter into rows to join (MySQL 8, MariaDB 10.6, which SKIP LOCKED needs
   * already): a statement over many rows keeps one text where the engine has no json_each.
   */
  joinsJsonTable: boolean;
  /**
   * Statements are prepared once per SQL text and kept (SQLite, in-process): multi-row writes go in a few
   * fixed row counts so their texts recur. Elsewhere a statement is parsed on each run, so one carries all
   * (up to 500 rows).
   */
  keepsStatements: boolean;
  /** How many existing rows change in one statement: INSERT … ON CONFLICT DO UPDATE, or ON DUPLICATE KEY UPDATE. */
  upsert: 'on-conflict' | 'on-duplicate-key';
  /** Runs `work` in one transaction that sees every commit made before its locks were granted. */
  transaction<T>(db: Db, work: (trx: Db) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Where COMMIT returns before the commit is on disk (SQLite's log, synced in groups off the event loop):
   * resolves once every commit made so far is. Nobody may hear of a commit, nor read what it wrote, before.
   * Absent where COMMIT itself waits for the disk.
   */
  durable?(): Promise<void>;
  /**
   * Resolves once what the dialect runs beside the connection (SQLite's checkpoint thread, the log's file
   * descriptor) has let go of the database, after `db.destroy()`; absent where nothing runs beside it.
   */
  stopped?(): Promise<void>;
  /** A unique or primary-key constraint refused the write. */
  isUniqueViolation(error: unknown): boolean;
  /** Lost a race inside the database (deadlock, serialization, busy): the whole transaction may be retried. */
  isTransient(error: unknown): boolean;
  /** The database cannot be reached or is refusing work: the caller should come back later. */
  isUnavailable(error: unknown): boolean;
  /** Connections of this process's pool, for the metrics; absent where there is no pool (SQLite). */
  poolStats?(): { total: number; idle: number; waiting: number };
}

export interface TransactionOptions {
  /**
   * false: the commit is not flushed to disk before it returns, so a power loss or a crash of the database
   * may undo it (never tear it, nor keep a later commit without it). For bookkeeping that is redone when
   * lost, such as the delivery outbox's leases and attempt records; never for bookings. Default true.
   */
  durable?: boolean;
}

export interface OpenedDatabase {
  db: Db;
  dialect: Dialect;
}

export type DialectFactory = (config: DatabaseConfig) => OpenedDatabase;

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

export function errorCode(error: unknown): string | number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  if (typeof code === 'string' || typeof code === 'number') return code;
  return typeof errno === 'number' ? errno : undefined;
}

export function isNetworkError(error: unknown): boolean {
  const code = errorCode(error);
  return typeof code === 'string' && NETWORK_ERROR_CODES.has(code);
}
