import { Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrate.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { openDatabase } from '../../src/store/db.js';
import { ENGINES } from '../helpers/engines.js';

interface IndexRow {
  name: string;
}

interface IndexDefinition extends IndexRow {
  definition: string | null;
}

/** A partial index's condition as the catalogue gives it back, without PostgreSQL's casts and parentheses; null for a whole index. */
function conditionOf(definition: string | null): string | null {
  const condition = /\bwhere\b(.*)$/i.exec(definition ?? '')?.[1];
  return condition === undefined
    ? null
    : condition
        .replace(/::\w+|[()"]/g, '')
        .trim()
        .toLowerCase();
}

describe.each(ENGINES)('migrations on $name', (engine) => {
  it('0007 drops bookings_latest_of_user, and its down step puts it back', async () => {
    const database = await engine.create();
    const opened = openDatabase(database.config);
    /** The names of the bookings table's indexes, from each engine's own catalogue. */
    const bookingIndexes = async () => {
      const catalogue = {
        sqlite: sql<IndexRow>`select name from sqlite_master where type = 'index' and tbl_name = 'bookings'`,
        postgres: sql<IndexRow>`select indexname as name from pg_indexes where tablename = 'bookings' and schemaname = current_schema()`,
        mysql: sql<IndexRow>`select distinct index_name as name from information_schema.statistics where table_name = 'bookings' and table_schema = database()`,
      }[engine.name];
      return (await catalogue.execute(opened.db)).rows.map((row) => row.name);
    };
    try {
      await migrateToLatest(opened.db);
      expect(await bookingIndexes()).not.toContain('bookings_latest_of_user');
      expect(await bookingIndexes()).toContain('bookings_by_status');

      const migrator = new Migrator({ db: opened.db, provider: migrationProvider });
      expect((await migrator.migrateTo('0006-idempotency-claim-token')).error).toBeUndefined();
      expect(await bookingIndexes()).toContain('bookings_latest_of_user');
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect(await bookingIndexes()).not.toContain('bookings_latest_of_user');
    } finally {
      await opened.close();
      await database.drop();
    }
  });

  // MySQL has no partial indexes: there 0008 leaves both whole, up and down.
  it('0008 keeps confirmed bookings out of bookings_by_status and bookings without a deadline out of bookings_due_expiry, and its down step indexes them all again', async () => {
    const database = await engine.create();
    const opened = openDatabase(database.config);
    /** Each partial index's condition as the engine's catalogue gives it; absent for a whole index. */
    const conditions = async () => {
      const catalogue = {
        sqlite: sql<IndexDefinition>`select name, sql as definition from sqlite_master where type = 'index' and tbl_name = 'bookings'`,
        postgres: sql<IndexDefinition>`select indexname as name, indexdef as definition from pg_indexes where tablename = 'bookings' and schemaname = current_schema()`,
        mysql: sql<IndexDefinition>`select distinct index_name as name, null as definition from information_schema.statistics where table_name = 'bookings' and table_schema = database()`,
      }[engine.name];
      const rows = (await catalogue.execute(opened.db)).rows;
      const indexes = rows.map(({ name, definition }) => [name, conditionOf(definition)] as const);
      return Object.fromEntries(indexes.filter(([, condition]) => condition !== null));
    };
    try {
      await migrateToLatest(opened.db);
      expect(await conditions()).toEqual(
        engine.name === 'mysql' ? {} : { bookings_by_status: "status <> 'confirmed'", bookings_due_expiry: 'expires_at is not null' },
      );

      const migrator = new Migrator({ db: opened.db, provider: migrationProvider });
      expect((await migrator.migrateTo('0007-drop-latest-of-user-index')).error).toBeUndefined();
      expect(await conditions()).toEqual({});
    } finally {
      await opened.close();
      await database.drop();
    }
  });
});
