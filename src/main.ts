import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { type Boxoffice, compose } from './compose.js';
import { type Config, ConfigError, loadConfig, loadDotEnv } from './config.js';
import { runPrimary } from './primary.js';
import { createLogger, serverOptions } from './server-options.js';
import { migrateDatabase, migrateToLatest } from './store/migrate.js';
import { waitForDatabase } from './store/wait-for-database.js';
import { warmUp } from './warm-up.js';

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

/** One app process: everything compose() builds, listening, with graceful shutdown. */
async function serve(config: Readonly<Config>, log: Logger): Promise<void> {
  if (cluster.isPrimary) await waitForDatabase(config.database, config.databaseConnectTimeoutMs, log);
  const boxoffice = await compose(config, { server: serverOptions(log) });
  if (cluster.isPrimary) {
    // On the app's own connection: an in-memory SQLite database exists only there.
    await migrateToLatest(boxoffice.database.db);
    announceGeneratedSecrets(config, boxoffice.app.log);
  }
  installShutdown(boxoffice);
  await warmUp(config, log);
  await boxoffice.app.listen({ port: config.port, host: config.host });
  boxoffice.start();
}

function installShutdown({ app, close }: Boxoffice): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    setTimeout(() => {
      app.log.error('graceful shutdown timed out');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    close()
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
