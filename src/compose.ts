import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { type Deliveries, type DeliveryWiring, openDeliveries } from './deliveries.js';
import { buildApp } from './http/app.js';
import { EventStreamHub, type StreamOptions } from './http/event-stream-hub.js';
import { Metrics, WAITLIST_GAUGE_EVENTS } from './http/metrics.js';
import { AccountService } from './services/account-service.js';
import { BookingService } from './services/booking-service.js';
import { type ChangeFeed, LocalChangeFeed } from './services/change-feed.js';
import { type Clock, systemClock } from './services/clock.js';
import { ConsistencyCheck } from './services/consistency-check.js';
import { DEFAULT_SWEEPER, ExpirySweeper } from './services/expiry-sweeper.js';
import { IdempotencyService } from './services/idempotency.js';
import { TokenIssuer } from './services/token-issuer.js';
import { ConsistencyReader } from './store/consistency-reader.js';
import { type Database, openDatabase } from './store/db.js';
import { PostgresChangeFeed } from './store/postgres-change-feed.js';
import { RedisChangeFeed } from './store/redis-change-feed.js';
import { SqlIdempotencyStore } from './store/sql-idempotency-store.js';
import { SqlStore } from './store/sql-store.js';
import { redisClient } from './store/redis-client.js';
import { SqlUserStore } from './store/sql-user-store.js';

const IDEMPOTENCY_PURGE_MS = 3_600_000;

/** What a caller may put in place of the configured parts; what it passes in, it also closes. */
export interface Wiring {
  /** The app's one clock: booking deadlines, deliveries, idempotency leases. */
  clock?: Clock;
  feed?: ChangeFeed;
  /** Shared rate-limit counters; from REDIS_URL when absent. */
  redis?: Redis | null;
  stream?: StreamOptions;
  /** Logger and socket options of the real server. */
  server?: FastifyServerOptions;
  deliveries?: Omit<DeliveryWiring, 'clock'>;
}

/** One Boxoffice process: the HTTP app and everything behind it, built the same way for main.ts and every test. */
export interface Boxoffice {
  app: FastifyInstance;
  database: Database;
  store: SqlStore;
  service: BookingService;
  hub: EventStreamHub;
  metrics: Metrics;
  accounts: AccountService;
  tokens: TokenIssuer;
  deliveries: Deliveries;
  feed: ChangeFeed;
  /** Starts the background work: expiry sweeps, deliveries, and purging expired idempotency keys. */
  start: () => void;
  /** Closes the app, stops the background work, then closes what this composition opened. */
  close: () => Promise<void>;
}

/** Redis reaches every process on any engine; PostgreSQL can do it alone; otherwise this process only. */
function changeFeed(config: Readonly<Config>): ChangeFeed {
  if (config.redisUrl) return new RedisChangeFeed(config.redisUrl);
  if (config.database.engine === 'postgres') return new PostgresChangeFeed(config.database.location);
  return new LocalChangeFeed();
}

function rateLimitRedis(config: Readonly<Config>): Redis | null {
  if (!config.redisUrl) return null;
  // Rate limiting fails open while Redis is away: bookings matter more than counters.
  const redis = redisClient(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 });
  redis.on('error', () => {});
  return redis;
}

/** The composition root. The schema must be migrated already (main.ts does it once, before any worker). */
export async function compose(config: Readonly<Config>, wiring: Wiring = {}): Promise<Boxoffice> {
  const clock = wiring.clock ?? systemClock;
  const database = openDatabase(config.database);
  const store = new SqlStore(database);
  const feed = wiring.feed ?? changeFeed(config);
  const redis = wiring.redis === undefined ? rateLimitRedis(config) : wiring.redis;
  const tokens = new TokenIssuer(config.authSecret, config.tokenTtlMs);
  const metrics: Metrics = new Metrics({
    streamConnections: () => hub.connections,
    commandsInFlight: () => service.commandsInFlight,
    waitlists: () => database.read(({ events }) => events.longestWaitlists(WAITLIST_GAUGE_EVENTS)),
    heldTickets: () => database.read(({ events }) => events.heldTickets()),
    pool: () => database.dialect.poolStats?.() ?? null,
  });
  const service = new BookingService(store, { clock, batch: config.batch, feed, observers: [metrics] });
  const hub: EventStreamHub = new EventStreamHub(feed, (eventId) => service.getEvent(eventId), wiring.stream);
  const idempotency = new IdempotencyService(new SqlIdempotencyStore(database), undefined, clock);
  const accounts = new AccountService(new SqlUserStore(database), tokens, config);
  const deliveries = openDeliveries(config.database, database, config.deliveries, {
    clock,
    log: { warn: (object, message) => app.log.warn(object, message) },
    ...wiring.deliveries,
  });
  const app: FastifyInstance = await buildApp({
    service,
    hub,
    metrics,
    idempotency,
    consistency: new ConsistencyCheck(new ConsistencyReader(database)),
    accounts,
    webhooks: deliveries.webhooks,
    store,
    auth: { ...config, tokens },
    rateLimit: config.rateLimit,
    redis,
    ...(wiring.server ? { server: wiring.server } : {}),
  });
  const sweeper = new ExpirySweeper(service, {
    ...DEFAULT_SWEEPER,
    onError: (error) => app.log.warn({ err: error }, 'expiry sweep failed; the next one retries'),
  });
  let purge: NodeJS.Timeout | undefined;
  return {
    app,
    database,
    store,
    service,
    hub,
    metrics,
    accounts,
    tokens,
    deliveries,
    feed,
    start: () => {
      sweeper.start();
      deliveries.start(feed);
      purge = setInterval(() => void idempotency.purgeExpired().catch(() => {}), IDEMPOTENCY_PURGE_MS).unref();
    },
    close: async () => {
      await app.close();
      await sweeper.stop();
      // Requests whose callers hung up are no longer the server's to wait for, but their commands may still
      // be queued for a transaction: they finish before the database closes.
      await service.drain();
      clearInterval(purge);
      hub.close();
      await deliveries.close();
      if (!wiring.feed) await feed.close();
      await database.close();
      if (wiring.redis === undefined) await redis?.quit();
    },
  };
}
