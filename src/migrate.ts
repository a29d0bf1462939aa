import { ConfigError, loadConfig, loadDotEnv } from './config.js';
import { migrateDatabase } from './store/migrate.js';

try {
  loadDotEnv();
  const applied = await migrateDatabase(loadConfig().database);
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
} catch (error) {
  const message = error instanceof ConfigError ? `invalid configuration: ${error.message}` : String(error);
  process.stderr.write(`boxoffice migrate: ${message}\n`);
  process.exitCode = 1;
}
