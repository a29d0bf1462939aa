import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { DatabaseConfig, DatabaseEngine } from '../../src/config.js';

/** A database of its own for one test file, and how to remove it. */
export interface TestDatabase {
  config: DatabaseConfig;
  drop(): Promise<void>;
}

export interface TestEngine {
  name: DatabaseEngine;
  create(): Promise<TestDatabase>;
}

const POOL = { poolSize: 10, statementTimeoutMs: 10_000 };

function uniqueName(): string {
  return `bo_test_${randomBytes(6).toString('hex')}`;
}

/** Always available: every machine has SQLite. */
export const SQLITE: TestEngine = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'boxoffice-test-'));
    return {
      config: { engine: 'sqlite', location: join(dir, 'boxoffice.db'), ...POOL },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

function postgres(adminUrl: string): TestEngine {
  return {
    name: 'postgres',
    async create() {
      const name = uniqueName();
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        config: { engine: 'postgres', location: url.toString(), ...POOL },
        drop: async () => {
          const client = new pg.Client({ connectionString: adminUrl });
          await client.connect();
          await client.query(`drop database if exists ${name} with (force)`);
          await client.end();
        },
      };
    },
  };
}

function mysqlEngine(adminUrl: string): TestEngine {
  return {
    name: 'mysql',
    async create() {
      const name = uniqueName();
      const admin = await mysql.createConnection(adminUrl);
      await admin.query(`create database ${name} character set utf8mb4 collate utf8mb4_bin`);
      await admin.end();
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        config: { engine: 'mysql', location: url.toString(), ...POOL },
        drop: async () => {
          const client = await mysql.createConnection(adminUrl);
          await client.query(`drop database if exists ${name}`);
          await client.end();
        },
      };
    },
  };
}

/** SQLite always; PostgreSQL and MySQL when TEST_POSTGRES_URL / TEST_MYSQL_URL name a server. */
export const ENGINES: readonly TestEngine[] = [
  SQLITE,
  ...(process.env.TEST_POSTGRES_URL ? [postgres(process.env.TEST_POSTGRES_URL)] : []),
  ...(process.env.TEST_MYSQL_URL ? [mysqlEngine(process.env.TEST_MYSQL_URL)] : []),
];
