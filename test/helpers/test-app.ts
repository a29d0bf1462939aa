import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { BookingService } from '../../src/services/booking-service.js';
import { openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { SqlStore } from '../../src/store/sql-store.js';
import type { TestEngine } from './engines.js';

export const ADMIN_USER = 'admin';
export const ADMIN_PASSWORD = 'test-admin-password';
export const ADMIN_AUTH = `Basic ${Buffer.from(`${ADMIN_USER}:${ADMIN_PASSWORD}`).toString('base64')}`;

export interface TestApp {
  app: FastifyInstance;
  store: SqlStore;
  service: BookingService;
  close(): Promise<void>;
}

export interface TestAppOptions {
  openBooking?: boolean;
}

/** The real app on a fresh, migrated database of the given engine. */
export async function createTestApp(engine: TestEngine, options: TestAppOptions = {}): Promise<TestApp> {
  const database = await engine.create();
  const store = new SqlStore(openDatabase(database.config));
  await migrateToLatest(store.db);
  const service = new BookingService(store);
  const app = await buildApp({
    service,
    store,
    auth: { adminUser: ADMIN_USER, adminPassword: ADMIN_PASSWORD, openBooking: options.openBooking ?? false },
  });
  return {
    app,
    store,
    service,
    close: async () => {
      await app.close();
      await store.close();
      await database.drop();
    },
  };
}
