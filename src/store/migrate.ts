import { Migrator } from 'kysely';
import type { Db } from './dialect.js';
import { migrationProvider } from './migrations/index.js';

/** Brings the schema to the newest version; a failed migration stops the start. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
