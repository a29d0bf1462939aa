import { afterEach, describe, expect, it } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { BookingService } from '../../src/services/booking-service.js';
import type { Dialect } from '../../src/store/dialect.js';
import { Database, openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { SQLITE, type TestDatabase } from '../helpers/engines.js';

const BY = { actor: 'admin', requestId: null };

/** A dialect whose first `failures` transactions lose a race (as a deadlock would) before running. */
function losingRaces(dialect: Dialect, failures: number): Dialect {
  let left = failures;
  return {
    ...dialect,
    transaction: async (db, work) => {
      if (left > 0) {
        left -= 1;
        throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
      }
      return dialect.transaction(db, work);
    },
  };
}

describe('transactions that lose a race', () => {
  let database: TestDatabase;
  let store: SqlStore;

  async function storeLosing(failures: number): Promise<SqlStore> {
    database = await SQLITE.create();
    const opened = openDatabase(database.config);
    await migrateToLatest(opened.db);
    store = new SqlStore(new Database(opened.db, losingRaces(opened.dialect, failures)));
    return store;
  }

  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  it('are retried whole, and the change is made exactly once', async () => {
    const service = new BookingService(await storeLosing(3));
    const event = await service.openEvent({ name: 'Retry', venue: null, startsAt: null, totalTickets: 1 }, BY);
    expect(event.totalTickets).toBe(1);
    const { entries } = await service.listAudit(event.id, 0, 10);
    expect(entries).toHaveLength(1);
  });

  it('turn into UNAVAILABLE, not an internal error, when every retry loses', async () => {
    const service = new BookingService(await storeLosing(100));
    const attempt = service.openEvent({ name: 'Never', venue: null, startsAt: null, totalTickets: 1 }, BY);
    await expect(attempt).rejects.toBeInstanceOf(DomainError);
    await expect(attempt).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
