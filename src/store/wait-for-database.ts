import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { DatabaseConfig } from '../config.js';
import { openDatabase } from './db.js';

const FIRST_RETRY_MS = 250;
const LONGEST_RETRY_MS = 5_000;

/**
 * Start-up waits for a database that is not reachable yet (it may be starting beside us), retrying
 * with growing pauses for at most `timeoutMs`; an error that waiting cannot cure (a wrong password)
 * ends the wait at once. Rejects with one line that names DATABASE_CONNECT_TIMEOUT.
 */
export async function waitForDatabase(config: DatabaseConfig, timeoutMs: number, log: Pick<Logger, 'warn'>): Promise<void> {
  const database = openDatabase(config);
  const { db, dialect } = database;
  const deadline = Date.now() + timeoutMs;
  try {
    for (let attempt = 1, pause = FIRST_RETRY_MS; ; attempt++, pause = Math.min(pause * 2, LONGEST_RETRY_MS)) {
      try {
        await sql`select 1`.execute(db);
        return;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        const left = deadline - Date.now();
        if (!dialect.isUnavailable(error)) throw error;
        if (left <= 0) {
          throw new Error(`the database was not reachable within ${timeoutMs} ms (DATABASE_CONNECT_TIMEOUT): ${reason}`, { cause: error });
        }
        const wait = Math.min(pause, left);
        log.warn({ attempt, retryInMs: wait, reason }, 'database not reachable yet; retrying');
        await sleep(wait);
      }
    }
  } finally {
    await database.close().catch(() => {});
  }
}
