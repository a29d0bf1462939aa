import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';

export type BenchEngine = 'sqlite' | 'postgres' | 'mysql';

/** A database made for one bench run, and how to remove it afterwards. */
export interface BenchDatabase {
  url: string;
  /** What the engine says it is, for the report. */
  version: string;
  drop(): Promise<void>;
}

// Server connections used only to create and drop the bench's own database.
const ADMIN_URLS: Record<Exclude<BenchEngine, 'sqlite'>, string> = {
  postgres: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  mysql: process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql',
};

function withDatabase(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function sqliteDatabase(): Promise<BenchDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'boxoffice-bench-'));
  const { default: SQLite } = await import('better-sqlite3');
  const probe = new SQLite(':memory:');
  const version = (probe.prepare('select sqlite_version() as v').get() as { v: string }).v;
  probe.close();
  return {
    url: `sqlite:${join(dir, 'boxoffice.db')}`,
    version: `SQLite ${version} (WAL, synchronous=FULL), file in ${tmpdir()}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresDatabase(name: string): Promise<BenchDatabase> {
  const admin = new pg.Client({ connectionString: ADMIN_URLS.postgres });
  await admin.connect();
  const { rows } = await admin.query<{ server_version: string }>('show server_version');
  await admin.query(`create database ${name}`);
  await admin.end();
  return {
    url: withDatabase(ADMIN_URLS.postgres, name),
    version: `PostgreSQL ${rows[0]?.server_version ?? '?'}`,
    drop: async () => {
      const client = new pg.Client({ connectionString: ADMIN_URLS.postgres });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

async function mysqlDatabase(name: string): Promise<BenchDatabase> {
  const admin = await mysql.createConnection(ADMIN_URLS.mysql);
  const [rows] = await admin.query('select version() as v');
  await admin.query(`create database ${name} character set utf8mb4 collate utf8mb4_bin`);
  await admin.end();
  return {
    url: withDatabase(ADMIN_URLS.mysql, name),
    version: `MySQL/MariaDB ${(rows as { v: string }[])[0]?.v ?? '?'}`,
    drop: async () => {
      const client = await mysql.createConnection(ADMIN_URLS.mysql);
      await client.query(`drop database if exists ${name}`);
      await client.end();
    },
  };
}

/** A fresh, empty database of the engine; PostgreSQL and MySQL get one named bo_bench_<random>. */
export function createBenchDatabase(engine: BenchEngine): Promise<BenchDatabase> {
  const name = `bo_bench_${randomBytes(6).toString('hex')}`;
  switch (engine) {
    case 'sqlite':
      return sqliteDatabase();
    case 'postgres':
      return postgresDatabase(name);
    case 'mysql':
      return mysqlDatabase(name);
  }
}
