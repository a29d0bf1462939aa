import { inspect } from 'node:util';
import { Migrator } from 'kysely';
import type { DatabaseConfig } from '../config.js';
import { openDatabase } from './db.js';
import type { Db } from './dialect.js';
import { migrationProvider } from './migrations/index.js';

/** Brings the schema to the newest version; a failed migration stops the start. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(`a migration failed: ${inspect(error)}`, { cause: error });
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

/** Opens the configured database just to migrate it, then closes it again. */
export async function migrateDatabase(config: DatabaseConfig): Promise<string[]> {
  const database = openDatabase(config);
  try {
    return await migrateToLatest(database.db);
  } finally {
    await database.close();
  }
}
