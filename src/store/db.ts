import type { DatabaseConfig, DatabaseEngine } from '../config.js';
import type { DialectFactory, OpenedDatabase } from './dialect.js';
import { openMysql } from './dialects/mysql.js';
import { openPostgres } from './dialects/postgres.js';
import { openSqlite } from './dialects/sqlite.js';

const DIALECTS: Record<DatabaseEngine, DialectFactory> = {
  sqlite: openSqlite,
  postgres: openPostgres,
  mysql: openMysql,
};

/** Connects to the configured engine; no query is sent until first use. */
export function openDatabase(config: DatabaseConfig): OpenedDatabase {
  return DIALECTS[config.engine](config);
}
