import SQLite from 'better-sqlite3';
import { type CompiledQuery, Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Booking } from '../../src/domain/booking.js';
import { BookingsRepository } from '../../src/store/bookings-repository.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { BoxofficeSchema } from '../../src/store/schema.js';

const SQLITE_DIALECT = {
  bindsArrays: false,
  insertsFromJson: false,
  readsJsonRows: true,
  upsert: 'on-conflict',
  keepsStatements: true,
} as const;

/** SQLite keeps no statistics unless asked, so its planner picks by the shape of the query alone: these pin the shapes that matter. */
describe('SQLite query plans', () => {
  let connection: SQLite.Database;
  let db: Kysely<BoxofficeSchema>;
  const sent: CompiledQuery[] = [];

  beforeEach(async () => {
    connection = new SQLite(':memory:');
    db = new Kysely<BoxofficeSchema>({
      dialect: new SqliteDialect({ database: connection }),
      log: (event) => {
        if (event.level === 'query') sent.push(event.query);
      },
    });
    await migrateToLatest(db);
    sent.length = 0;
  });

  afterEach(async () => {
    await db.destroy();
  });

  /** The plan of the one statement `run` sends, as SQLite's EXPLAIN QUERY PLAN details. */
  async function planOf(run: () => Promise<unknown>): Promise<string[]> {
    await run();
    expect(sent).toHaveLength(1);
    const [query] = sent as [CompiledQuery];
    const rows = connection.prepare(`explain query plan ${query.sql}`).all(...(query.parameters as unknown[])) as { detail: string }[];
    return rows.map((row) => row.detail);
  }

  it('finds the newest booking of each named user of each event by index, whatever the number of users', async () => {
    const bookings = new BookingsRepository(db, SQLITE_DIALECT);
    const plan = await planOf(() =>
      bookings.latestForUsers([
        { eventId: 'ev_a', userIds: ['u1', 'u2'] },
        { eventId: 'ev_b', userIds: ['u3'] },
      ]),
    );
    expect(plan.filter((detail) => /^SCAN bookings/.test(detail))).toEqual([]);
    // Both lookups pin two columns: one on the event id alone would read the whole event (max() along
    // (event_id, queue_no) walks it backwards until the user's booking turns up).
    const searches = plan.filter((detail) => /^SEARCH (bookings|newest) /.test(detail));
    expect(searches).toHaveLength(2);
    for (const search of searches) expect(search).toMatch(/INDEX \S+ \(event_id=\? AND (user_id|queue_no)=\?\)$/);
  });

  it('finds the events with something due through the expiry index, not by reading every booking', async () => {
    const bookings = new BookingsRepository(db, SQLITE_DIALECT);
    const plan = await planOf(() => bookings.eventsWithLapsed('2026-11-28T12:00:00.000Z', 100));
    expect(plan.some((detail) => /^SEARCH bookings USING COVERING INDEX bookings_due_expiry/.test(detail))).toBe(true);
    expect(plan.filter((detail) => detail.startsWith('SCAN'))).toEqual([]);
  });

  // bookings_by_status holds no confirmed booking (migration 0008): each search for the others must still
  // reach it, which on SQLite takes the index's own condition in the query.
  it.each([
    ['the head of the waiting list', (bookings: BookingsRepository) => bookings.waitlistHead('ev_a', 10)],
    ['one place in the list', (bookings: BookingsRepository) => bookings.positionOf('ev_a', 42)],
    ['the due holds and offers of an event', (bookings: BookingsRepository) => bookings.lapsed('ev_a', '2026-11-28T12:00:00.000Z', 10)],
    [
      'a page of cancelled bookings',
      (bookings: BookingsRepository) => bookings.list('ev_a', { status: 'cancelled', afterQueueNo: 7, limit: 10 }),
    ],
  ])('finds %s through the index of unconfirmed bookings', async (_, query) => {
    const plan = await planOf(() => query(new BookingsRepository(db, SQLITE_DIALECT)));
    expect(plan.some((detail) => /^SEARCH bookings USING (COVERING )?INDEX bookings_(by_status|due_expiry) /.test(detail))).toBe(true);
    expect(plan.filter((detail) => detail.startsWith('SCAN'))).toEqual([]);
  });

  it('ranks several places in the list along the index of unconfirmed bookings', async () => {
    const bookings = new BookingsRepository(db, SQLITE_DIALECT);
    const waiting = [3, 9].map((queueNo) => ({ id: `bk_${queueNo}`, queueNo }) as Booking);
    const plan = await planOf(() => bookings.positionsOf('ev_a', waiting));
    expect(plan.some((detail) => /^SEARCH bookings USING (COVERING )?INDEX bookings_by_status /.test(detail))).toBe(true);
    expect(plan.filter((detail) => /^SCAN bookings/.test(detail))).toEqual([]);
  });
});
