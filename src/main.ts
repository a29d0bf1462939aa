import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { type Config, ConfigError, loadConfig, loadDotEnv } from './config.js';
import { buildApp } from './http/app.js';
import { runPrimary } from './primary.js';
import { serverOptions } from './server-options.js';
import { BookingService } from './services/booking-service.js';
import { openDatabase } from './store/db.js';
import { migrateToLatest } from './store/migrate.js';
import { SqlStore } from './store/sql-store.js';

const SHUTDOWN_GRACE_MS = 10_000;

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

function announceGeneratedPassword(config: Readonly<Config>, log: { warn(message: string): void }): void {
  if (!config.adminPasswordGenerated) return;
  log.warn(`ADMIN_PASSWORD is not set; the admin password for this run is ${config.adminPassword} (user "${config.adminUser}")`);
}

async function migrate(config: Readonly<Config>): Promise<void> {
  const { db } = openDatabase(config.database);
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
}

/** One app process: database, service, HTTP server, graceful shutdown. */
async function serve(config: Readonly<Config>): Promise<void> {
  const store = new SqlStore(openDatabase(config.database));
  if (cluster.isPrimary) await migrateToLatest(store.db);
  const app = await buildApp({
    service: new BookingService(store, { batch: config.batch }),
    store,
    auth: config,
    server: serverOptions(config),
  });
  if (cluster.isPrimary) announceGeneratedPassword(config, app.log);
  installShutdown(app, store);
  await app.listen({ port: config.port, host: config.host });
}

function installShutdown(app: FastifyInstance, store: SqlStore): void {
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
      .then(() => store.close())
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
  if (config.workers > 1 && cluster.isPrimary) {
    // Migrate once, before any worker opens the schema.
    await migrate(config);
    const log = pino({ level: config.logLevel });
    announceGeneratedPassword(config, log);
    runPrimary(config, log);
    return;
  }
  await serve(config);
}

main().catch((error: unknown) => {
  process.stderr.write(`boxoffice: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
