import { BookingService } from '../../src/services/booking-service.js';
import { openDatabase } from '../../src/store/db.js';
import type { Db, OpenedDatabase } from '../../src/store/dialect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { SqlStore } from '../../src/store/sql-store.js';
import type { TestEngine } from './engines.js';

/** The store and booking service on a fresh, migrated database of the given engine, without HTTP. */
export interface TestStore {
  opened: OpenedDatabase;
  db: Db;
  store: SqlStore;
  service: BookingService;
  /** Closes the connections and drops the database. */
  close(): Promise<void>;
}

export async function createTestStore(engine: TestEngine): Promise<TestStore> {
  const database = await engine.create();
  const opened = openDatabase(database.config);
  await migrateToLatest(opened.db);
  const store = new SqlStore(opened);
  return {
    opened,
    db: opened.db,
    store,
    service: new BookingService(store),
    close: async () => {
      await store.close();
      await database.drop();
    },
  };
}
