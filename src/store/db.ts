import { setTimeout as sleep } from 'node:timers/promises';
import type { DatabaseConfig, DatabaseEngine } from '../config.js';
import { DomainError } from '../domain/errors.js';
import type { KeptAnswer } from '../services/idempotency.js';
import { AuditRepository } from './audit-repository.js';
import { BookingsRepository } from './bookings-repository.js';
import type { Db, Dialect, DialectFactory } from './dialect.js';
import { openMysql } from './dialects/mysql.js';
import { openPostgres } from './dialects/postgres.js';
import { openSqlite } from './dialects/sqlite.js';
import { EventsRepository } from './events-repository.js';
import { IdempotencyRepository } from './idempotency-repository.js';
import { UsersRepository } from './users-repository.js';

const DIALECTS: Record<DatabaseEngine, DialectFactory> = {
  sqlite: openSqlite,
  postgres: openPostgres,
  mysql: openMysql,
};

/** A transaction that lost a race is run again this many times in all before its error counts. */
const MAX_ATTEMPTS = 5;

/** Every repository over one connection or transaction, each given the dialect the same way. */
export interface Repositories {
  events: EventsRepository;
  bookings: BookingsRepository;
  audit: AuditRepository;
  keys: IdempotencyRepository;
  users: UsersRepository;
}

export function repositoriesOver(db: Db, dialect: Dialect): Repositories {
  return {
    events: new EventsRepository(db, dialect),
    bookings: new BookingsRepository(db, dialect),
    audit: new AuditRepository(db, dialect),
    keys: new IdempotencyRepository(db, dialect),
    users: new UsersRepository(db),
  };
}

/**
 * The one database object: it owns the connection and its dialect, runs transactions (retried whole
 * when they lose a race), and is the only place a driver error becomes something the services know.
 */
export class Database {
  /** Repositories outside any transaction: each statement commits on its own. */
  readonly repositories: Repositories;

  constructor(
    readonly db: Db,
    readonly dialect: Dialect,
  ) {
    this.repositories = repositoriesOver(db, dialect);
  }

  /**
   * Runs `query` outside a transaction. A unique or primary-key violation is answered by `onDuplicate`
   * (a value, or a DomainError it throws) where the caller expects one.
   */
  async read<T>(query: (repositories: Repositories) => Promise<T>, onDuplicate?: () => T): Promise<T> {
    try {
      const result = await query(this.repositories);
      // What was read may be a commit not yet on disk: it is shown once it is.
      await this.dialect.durable?.();
      return result;
    } catch (error) {
      if (onDuplicate && this.dialect.isUniqueViolation(error)) return onDuplicate();
      throw this.translate(error);
    }
  }

  /**
   * One transaction that sees every commit made before its locks were granted; retried whole on transient
   * conflicts. It resolves once the commit is durable.
   */
  async transaction<T>(work: (repositories: Repositories) => Promise<T>): Promise<T> {
    const result = await this.committing(work);
    // Outside the retries: a commit that was made is never run again, whatever the sync says.
    try {
      await this.dialect.durable?.();
    } catch (error) {
      throw this.translate(error);
    }
    return result;
  }

  private async committing<T>(work: (repositories: Repositories) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dialect.transaction(this.db, (trx) => work(repositoriesOver(trx, this.dialect)));
      } catch (error) {
        if (attempt < MAX_ATTEMPTS && this.dialect.isTransient(error)) {
          await sleep(Math.random() * 5 * 2 ** attempt);
          continue;
        }
        throw this.translate(error);
      }
    }
  }

  /** One read-only snapshot, so that writes committed meanwhile stay out of what `work` reads. */
  snapshot<T>(work: (repositories: Repositories) => Promise<T>): Promise<T> {
    // SQLite ignores the settings: its deferred BEGIN already reads one WAL snapshot.
    return this.read(() =>
      this.db
        .transaction()
        .setIsolationLevel('repeatable read')
        .setAccessMode('read only')
        .execute((trx) => work(repositoriesOver(trx, this.dialect))),
    );
  }

  /** Whether the schema answers; a table, not `select 1`: a MySQL connection whose database was dropped still answers that. */
  async ping(): Promise<void> {
    await this.read(({ events }) => events.ids(null, 1));
  }

  async close(): Promise<void> {
    await this.db.destroy();
    await this.dialect.stopped?.();
  }

  /** A driver error as the services see it: UNAVAILABLE when the database is out of reach or overloaded. */
  private translate(error: unknown): unknown {
    if (error instanceof DomainError) return error;
    // A conflict that outlived every retry means overload: the client should come back, not see a 500.
    if (this.dialect.isUnavailable(error) || this.dialect.isTransient(error)) {
      return new DomainError('UNAVAILABLE', 'The database cannot be reached right now; try again shortly.', {}, { cause: error });
    }
    return error;
  }
}

/** Stores a request's answer in the transaction of `keys`; the change must not commit if its claim was lost. */
export async function keepAnswer(keys: IdempotencyRepository, kept: KeptAnswer): Promise<void> {
  await keepAnswers(keys, [kept]);
}

/** keepAnswer for a batch of requests, in one statement where the engine allows. */
export async function keepAnswers(keys: IdempotencyRepository, kept: readonly KeptAnswer[]): Promise<void> {
  // A claim ran out and another request took the key over: this change must not commit beside its run.
  if (kept.length > 0 && !(await keys.completeAll(kept))) {
    throw new DomainError('UNAVAILABLE', 'An Idempotency-Key claim was lost while its request ran; nothing was changed, retry.');
  }
}

/** Connects to the configured engine; no query is sent until first use. */
export function openDatabase(config: DatabaseConfig): Database {
  const { db, dialect } = DIALECTS[config.engine](config);
  return new Database(db, dialect);
}
