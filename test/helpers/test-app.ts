import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { DeliverySettings } from '../../src/config.js';
import { type Deliveries, type DeliveryWiring, openDeliveries } from '../../src/deliveries.js';
import { buildApp } from '../../src/http/app.js';
import { AccountService } from '../../src/services/account-service.js';
import { EventStreamHub, type StreamOptions } from '../../src/http/event-stream-hub.js';
import { Metrics, type MetricsSources, WAITLIST_GAUGE_EVENTS } from '../../src/http/metrics.js';
import { BookingService } from '../../src/services/booking-service.js';
import type { Clock } from '../../src/services/clock.js';
import { ConsistencyCheck, type ConsistencySource } from '../../src/services/consistency-check.js';
import { IdempotencyService, type IdempotencyStore } from '../../src/services/idempotency.js';
import { type ChangeFeed, LocalChangeFeed } from '../../src/services/change-feed.js';
import type { BoxofficeStore } from '../../src/services/ports.js';
import { PublishingStore } from '../../src/services/publishing-store.js';
import { TokenIssuer } from '../../src/services/token-issuer.js';
import { openDatabase } from '../../src/store/db.js';
import { ConsistencyReader } from '../../src/store/consistency-reader.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { SqlStore } from '../../src/store/sql-store.js';
import { SqlIdempotencyStore } from '../../src/store/sql-idempotency-store.js';
import { SqlUserStore } from '../../src/store/sql-user-store.js';
import { WaitlistReader } from '../../src/store/waitlist-reader.js';
import type { WebhookService } from '../../src/services/webhook-service.js';
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
  waitlists?: MetricsSources['waitlists'];
  heldTickets?: MetricsSources['heldTickets'];
  consistency?: ConsistencySource;
  /** The app's one clock (bookings' deadlines and deliveries); the system clock when absent. */
  clock?: Clock;
  /** Webhook and e-mail settings; the engine is built but not started (tests run it with runOnce or start). */
  deliveries?: Partial<DeliverySettings> & DeliveryWiring;
  webhooks?: WebhookService;
}

export const TEST_DELIVERIES: DeliverySettings = {
  timeoutMs: 2_000,
  retryForMs: 24 * 3_600_000,
  mail: null,
  publicUrl: 'http://127.0.0.1:3000',
};

export interface AppOverStore {
  app: FastifyInstance;
  service: BookingService;
  hub: EventStreamHub;
  metrics: Metrics;
  accounts: AccountService;
  tokens: TokenIssuer;
}

/** The real HTTP app, wired as main.ts wires it, over the given stores. */
export async function buildAppOver(
  store: BoxofficeStore,
  users: ConstructorParameters<typeof AccountService>[0],
  keys: IdempotencyStore,
  options: TestAppOptions = {},
): Promise<AppOverStore> {
  const tokens = new TokenIssuer(AUTH_SECRET, options.tokenTtlMs ?? 3_600_000);
  const admin = { adminUser: ADMIN_USER, adminPassword: ADMIN_PASSWORD };
  const feed = options.feed ?? new LocalChangeFeed();
  const metrics: Metrics = new Metrics({
    streamConnections: () => hub.connections,
    waitlists: options.waitlists ?? (async () => []),
    heldTickets: options.heldTickets ?? (async () => 0),
    pool: () => null,
  });
  const service: BookingService = new BookingService(
    new PublishingStore(store, feed, [metrics]),
    options.clock ? { clock: options.clock } : {},
  );
  const hub: EventStreamHub = new EventStreamHub(feed, (eventId) => service.getEvent(eventId), options.stream);
  const accounts = new AccountService(users, tokens, admin);
  const app = await buildApp({
    service,
    hub,
    metrics,
    idempotency: new IdempotencyService(keys),
    consistency: new ConsistencyCheck(options.consistency ?? { eventIds: async function* () {}, readEvent: async () => null }),
    accounts,
    ...(options.webhooks ? { webhooks: options.webhooks } : {}),
    store,
    auth: { ...admin, openBooking: options.openBooking ?? false, tokens, authSecret: AUTH_SECRET },
    rateLimit: {
      max: options.rateLimitMax ?? 0,
      windowMs: options.rateLimitWindowMs ?? 60_000,
      authMax: options.authRateLimitMax ?? 30,
    },
    redis: options.redis ?? null,
  });
  app.addHook('onClose', async () => hub.close());
  return { app, service, hub, metrics, accounts, tokens };
}

export interface TestApp extends AppOverStore {
  store: SqlStore;
  deliveries: Deliveries;
  close(): Promise<void>;
}

/** The real app on a fresh, migrated database of the given engine. */
export async function createTestApp(engine: TestEngine, options: TestAppOptions = {}): Promise<TestApp> {
  const database = await engine.create();
  const opened = openDatabase(database.config);
  const store = new SqlStore(opened);
  await migrateToLatest(store.db);
  const waitlists = new WaitlistReader(opened.db);
  const { clock = options.clock, random, pollMs, log, ...settings } = options.deliveries ?? {};
  const deliveries = openDeliveries(
    database.config,
    opened,
    { ...TEST_DELIVERIES, ...settings },
    {
      ...(clock ? { clock } : {}),
      ...(random ? { random } : {}),
      ...(pollMs ? { pollMs } : {}),
      ...(log ? { log } : {}),
    },
  );
  const built = await buildAppOver(store, new SqlUserStore(opened), new SqlIdempotencyStore(opened), {
    consistency: new ConsistencyReader(opened),
    waitlists: () => waitlists.longest(WAITLIST_GAUGE_EVENTS),
    heldTickets: () => waitlists.heldTickets(),
    webhooks: deliveries.webhooks,
    ...options,
  });
  return {
    ...built,
    store,
    deliveries,
    close: async () => {
      await built.app.close();
      await deliveries.close();
      await store.close();
      await database.drop();
    },
  };
}
