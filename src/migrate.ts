import { ConfigError, loadConfig, loadDotEnv } from './config.js';
import { openDatabase } from './store/db.js';
import { migrateToLatest } from './store/migrate.js';

try {
  loadDotEnv();
  const config = loadConfig();
  const { db } = openDatabase(config.database);
  try {
    const applied = await migrateToLatest(db);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
  } finally {
    await db.destroy();
  }
} catch (error) {
  const message = error instanceof ConfigError ? `invalid configuration: ${error.message}` : String(error);
  process.stderr.write(`boxoffice migrate: ${message}\n`);
  process.exitCode = 1;
}
