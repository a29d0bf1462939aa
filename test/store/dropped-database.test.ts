import { sql } from 'kysely';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/dialect.js';
import { ENGINES } from '../helpers/engines.js';
import { asAdmin, createEvent } from '../helpers/factories.js';
import { createTestApp } from '../helpers/test-app.js';

const SERVER_ENGINES = ENGINES.filter((engine) => engine.name !== 'sqlite');

/** Drops the database the app is using, from an admin connection, as an operator's mistake would. */
async function dropDatabaseOf(db: Db, engine: string): Promise<void> {
  if (engine === 'postgres') {
    const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(db);
    const admin = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL });
    await admin.connect();
    await admin.query(`drop database ${rows[0]!.name} with (force)`);
    await admin.end();
    return;
  }
  const { rows } = await sql<{ name: string }>`select database() as name`.execute(db);
  const admin = await mysql.createConnection(process.env.TEST_MYSQL_URL ?? '');
  await admin.query(`drop database ${rows[0]!.name}`);
  await admin.end();
}

describe.each(SERVER_ENGINES)('a dropped $name database', (engine) => {
  it('is an outage: every call answers 503 UNAVAILABLE with Retry-After, never 500', async () => {
    const t = await createTestApp(engine);
    try {
      const event = await createEvent(t.app, { totalTickets: 2 });
      await dropDatabaseOf(t.db, engine.name);
      const calls = [
        () => t.app.inject({ method: 'GET', url: `/api/v1/events/${event.id}` }),
        () =>
          t.app.inject({
            method: 'POST',
            url: `/api/v1/events/${event.id}/bookings`,
            headers: asAdmin(),
            payload: { userId: 'after-drop' },
          }),
        () => t.app.inject({ method: 'GET', url: '/api/v1/events' }),
        () => t.app.inject({ method: 'GET', url: '/readyz' }),
      ];
      // Twice round: first on pooled connections the drop cut, then on fresh ones the server refuses.
      for (let round = 0; round < 2; round++) {
        for (const call of calls) {
          const response = await call();
          expect(response.statusCode, response.body).toBe(503);
          expect(response.json().code).toBe('UNAVAILABLE');
          expect(response.headers['retry-after']).toBeDefined();
        }
      }
    } finally {
      await t.close();
    }
  });
});
