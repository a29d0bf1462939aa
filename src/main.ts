import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type Config, ConfigError, loadConfig, loadDotEnv } from './config.js';
import { openDeliveries } from './deliveries.js';
import { buildApp } from './http/app.js';
import { runPrimary } from './primary.js';
import { createLogger, serverOptions } from './server-options.js';
import { EventStreamHub } from './http/event-stream-hub.js';
import { Metrics, WAITLIST_GAUGE_EVENTS } from './http/metrics.js';
import { AccountService } from './services/account-service.js';
import { BookingService } from './services/booking-service.js';
import { ConsistencyCheck } from './services/consistency-check.js';
import { DEFAULT_SWEEPER, ExpirySweeper } from './services/expiry-sweeper.js';
import { IdempotencyService } from './services/idempotency.js';
import { type ChangeFeed, LocalChangeFeed } from './services/change-feed.js';
import { PublishingStore } from './services/publishing-store.js';
import { TokenIssuer } from './services/token-issuer.js';
import { openDatabase } from './store/db.js';
import { ConsistencyReader } from './store/consistency-reader.js';
import { migrateDatabase, migrateToLatest } from './store/migrate.js';
import { PostgresChangeFeed } from './store/postgres-change-feed.js';
import { RedisChangeFeed } from './store/redis-change-feed.js';
import { SqlStore } from './store/sql-store.js';
import { SqlIdempotencyStore } from './store/sql-idempotency-store.js';
import { SqlUserStore } from './store/sql-user-store.js';
import { waitForDatabase } from './store/wait-for-database.js';
import { WaitlistReader } from './store/waitlist-reader.js';

const SHUTDOWN_GRACE_MS = 10_000;
const IDEMPOTENCY_PURGE_MS = 3_600_000;

function readConfig(): Readonly<Config> {
  try {
    loadDotEnv();
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`boxoffice: invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** A generated admin password, framed on stderr where a person sees it, and kept out of the log stream. */
function announceGeneratedSecrets(config: Readonly<Config>, log: { warn(message: string): void }): void {
  if (config.adminPasswordGenerated) {
    log.warn('ADMIN_PASSWORD is not set; a password for this run is printed on stderr');
    const line = `ADMIN_PASSWORD is not set; the admin password for this run is ${config.adminPassword} (user "${config.adminUser}")`;
    const rule = '='.repeat(line.length + 4);
    process.stderr.write(`\n${rule}\n| ${line} |\n${rule}\n\n`);
  }
  if (config.authSecretGenerated) {
    log.warn('AUTH_SECRET is not set; using a random one, so every token dies with this process');
  }
}

/** Redis reaches every process on any engine; PostgreSQL can do it alone; otherwise this process only. */
function changeFeed(config: Readonly<Config>): ChangeFeed {
  if (config.redisUrl) return new RedisChangeFeed(config.redisUrl);
  if (config.database.engine === 'postgres') return new PostgresChangeFeed(config.database.location);
  return new LocalChangeFeed();
}

/** One app process: database, service, HTTP server, graceful shutdown. */
async function serve(config: Readonly<Config>, log: Logger): Promise<void> {
  const database = openDatabase(config.database);
  const store = new SqlStore(database);
  if (cluster.isPrimary) {
    await waitForDatabase(config.database, config.databaseConnectTimeoutMs, log);
    await migrateToLatest(store.db);
  }
  const tokens = new TokenIssuer(config.authSecret, config.tokenTtlMs);
  // Rate limiting fails open while Redis is away: bookings matter more than counters.
  const redis = config.redisUrl
    ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 })
    : null;
  redis?.on('error', () => {});
  const feed = changeFeed(config);
  const waitlists = new WaitlistReader(database.db);
  const metrics: Metrics = new Metrics({
    streamConnections: () => hub.connections,
    waitlists: () => waitlists.longest(WAITLIST_GAUGE_EVENTS),
    heldTickets: () => waitlists.heldTickets(),
    pool: () => database.dialect.poolStats?.() ?? null,
  });
  const service: BookingService = new BookingService(new PublishingStore(store, feed, [metrics]), { batch: config.batch });
  const hub: EventStreamHub = new EventStreamHub(feed, (eventId) => service.getEvent(eventId));
  const idempotency = new IdempotencyService(new SqlIdempotencyStore(database));
  const deliveries = openDeliveries(config.database, database, config.deliveries, {
    log: { warn: (object, message) => app.log.warn(object, message) },
  });
  const purge = setInterval(() => void idempotency.purgeExpired().catch(() => {}), IDEMPOTENCY_PURGE_MS);
  purge.unref();
  const app: FastifyInstance = await buildApp({
    service,
    hub,
    metrics,
    idempotency,
    consistency: new ConsistencyCheck(new ConsistencyReader(database)),
    accounts: new AccountService(new SqlUserStore(database), tokens, config),
    webhooks: deliveries.webhooks,
    store,
    auth: { ...config, tokens },
    rateLimit: config.rateLimit,
    redis,
    server: serverOptions(log),
  });
  if (cluster.isPrimary) announceGeneratedSecrets(config, app.log);
  const sweeper = new ExpirySweeper(service, {
    ...DEFAULT_SWEEPER,
    onError: (error) => app.log.warn({ err: error }, 'expiry sweep failed; the next one retries'),
  });
  installShutdown(app, async () => {
    await sweeper.stop();
    clearInterval(purge);
    hub.close();
    await deliveries.close();
    await feed.close();
    await store.close();
    await redis?.quit();
  });
  await app.listen({ port: config.port, host: config.host });
  sweeper.start();
  deliveries.start(feed);
}

function installShutdown(app: FastifyInstance, closeResources: () => Promise<void>): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    setTimeout(() => {
      app.log.error('graceful shutdown timed out');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    app
      .close()
      .then(closeResources)
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

async function main(): Promise<void> {
  const config = readConfig();
  const log = createLogger(config);
  if (config.workers > 1 && cluster.isPrimary) {
    // Migrate once, before any worker opens the schema.
    await waitForDatabase(config.database, config.databaseConnectTimeoutMs, log);
    await migrateDatabase(config.database);
    announceGeneratedSecrets(config, log);
    runPrimary(config, log);
    return;
  }
  await serve(config, log);
}

main().catch((error: unknown) => {
  process.stderr.write(`boxoffice: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
