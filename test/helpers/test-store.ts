import { compose } from '../../src/compose.js';
import { LocalChangeFeed } from '../../src/services/change-feed.js';
import type { BookingService } from '../../src/services/booking-service.js';
import type { Database } from '../../src/store/db.js';
import type { Db } from '../../src/store/dialect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import type { TestEngine } from './engines.js';
import { testConfig } from './test-app.js';

/** The store and booking service that compose() builds, on a fresh, migrated database of the given engine; no HTTP calls. */
export interface TestStore {
  database: Database;
  db: Db;
  store: SqlStore;
  service: BookingService;
  /** Closes the connections and drops the database. */
  close(): Promise<void>;
}

export async function createTestStore(engine: TestEngine): Promise<TestStore> {
  const created = await engine.create();
  const boxoffice = await compose(testConfig(created.config), { feed: new LocalChangeFeed(), redis: null });
  await migrateToLatest(boxoffice.database.db);
  return {
    database: boxoffice.database,
    db: boxoffice.database.db,
    store: boxoffice.store,
    service: boxoffice.service,
    close: async () => {
      await boxoffice.close();
      await created.drop();
    },
  };
}
