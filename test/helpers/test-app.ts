import type { Redis } from 'ioredis';
import { type Boxoffice, type Wiring, compose } from '../../src/compose.js';
import { type Config, type DatabaseConfig, type DeliverySettings, loadConfig } from '../../src/config.js';
import type { DeliveryWiring } from '../../src/deliveries.js';
import type { StreamOptions } from '../../src/http/event-stream-hub.js';
import { type ChangeFeed, LocalChangeFeed } from '../../src/services/change-feed.js';
import type { Clock } from '../../src/services/clock.js';
import type { Db } from '../../src/store/dialect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { TestEngine } from './engines.js';

export const ADMIN_USER = 'admin';
export const ADMIN_PASSWORD = 'test-admin-password';
export const ADMIN_AUTH = `Basic ${Buffer.from(`${ADMIN_USER}:${ADMIN_PASSWORD}`).toString('base64')}`;
export const AUTH_SECRET = 'test-auth-secret-that-is-long-enough-0123456789';

export interface TestAppOptions {
  openBooking?: boolean;
  /** Requests per client per window; 0 (the default in tests) turns rate limiting off. */
  rateLimitMax?: number;
  authRateLimitMax?: number;
  rateLimitWindowMs?: number;
  tokenTtlMs?: number;
  redis?: Redis;
  /** Defaults to a feed within the test process. */
  feed?: ChangeFeed;
  stream?: StreamOptions;
  /** The app's one clock (bookings' deadlines, deliveries, idempotency leases); the system clock when absent. */
  clock?: Clock;
  /** Webhook and e-mail settings; the engine is built but not started (tests run it with runOnce or start). */
  deliveries?: Partial<DeliverySettings> & Omit<DeliveryWiring, 'clock'>;
}

/** The configuration a server started with these settings would load, over the given database. */
export function testConfig(database: DatabaseConfig, options: TestAppOptions = {}): Readonly<Config> {
  const { random: _random, pollMs: _pollMs, log: _log, ...delivery } = options.deliveries ?? {};
  const loaded = loadConfig({
    ADMIN_USER,
    ADMIN_PASSWORD,
    AUTH_SECRET,
    OPEN_BOOKING: String(options.openBooking ?? false),
    RATE_LIMIT_MAX: String(options.rateLimitMax ?? 0),
    WEBHOOK_TIMEOUT: '2s',
  });
  return {
    ...loaded,
    database,
    tokenTtlMs: options.tokenTtlMs ?? loaded.tokenTtlMs,
    rateLimit: {
      max: options.rateLimitMax ?? 0,
      windowMs: options.rateLimitWindowMs ?? 60_000,
      authMax: options.authRateLimitMax ?? 30,
    },
    deliveries: { ...loaded.deliveries, ...delivery },
  };
}

export interface TestApp extends Boxoffice {
  db: Db;
  /** Closes everything and drops the database. */
  close: () => Promise<void>;
}

/** The real app, built by the same compose() as main.ts, on a fresh, migrated database of the given engine. */
export async function createTestApp(engine: TestEngine, options: TestAppOptions = {}): Promise<TestApp> {
  const database = await engine.create();
  const config = testConfig(database.config, options);
  const { random, pollMs, log } = options.deliveries ?? {};
  const wiring: Wiring = {
    // One process in a test: a feed within it, unless the test brings a shared one.
    feed: options.feed ?? new LocalChangeFeed(),
    redis: options.redis ?? null,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.stream ? { stream: options.stream } : {}),
    deliveries: { ...(random ? { random } : {}), ...(pollMs ? { pollMs } : {}), ...(log ? { log } : {}) },
  };
  const boxoffice = await compose(config, wiring);
  await migrateToLatest(boxoffice.database.db);
  return {
    ...boxoffice,
    db: boxoffice.database.db,
    close: async () => {
      await boxoffice.close();
      await database.drop();
    },
  };
}
