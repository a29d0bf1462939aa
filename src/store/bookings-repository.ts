import { type Selectable, sql } from 'kysely';
import { type Booking, type BookingStatus, isActive } from '../domain/booking.js';
import type { BookedEvent, BookingFilter, UserBookingCursor } from '../services/ports.js';
import type { Db, Dialect } from './dialect.js';
import { RowStatement, updatesById } from './row-statement.js';
import type { BookingsTable } from './schema.js';

function toBooking(row: Selectable<BookingsTable>): Booking {
  return {
    id: row.id,
    eventId: row.event_id,
    userId: row.user_id,
    quantity: Number(row.quantity),
    hold: Number(row.hold) === 1,
    status: row.status as BookingStatus,
    queueNo: Number(row.queue_no),
    expiresAt: row.expires_at,
    ticketCode: row.ticket_code,
    checkedInAt: row.checked_in_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    confirmedAt: row.confirmed_at,
    cancelledAt: row.cancelled_at,
  };
}

function toRow(booking: Booking): Selectable<BookingsTable> {
  return {
    id: booking.id,
    event_id: booking.eventId,
    user_id: booking.userId,
    quantity: booking.quantity,
    hold: booking.hold ? 1 : 0,
    status: booking.status,
    queue_no: booking.queueNo,
    active: isActive(booking) ? 1 : null,
    expires_at: booking.expiresAt,
    ticket_code: booking.ticketCode,
    checked_in_at: booking.checkedInAt,
    created_at: booking.createdAt,
    updated_at: booking.updatedAt,
    confirmed_at: booking.confirmedAt,
    cancelled_at: booking.cancelledAt,
  };
}

type BookingRow = Selectable<BookingsTable>;

/** toRow's columns, in its order. */
const BOOKING_COLUMNS = [
  'id',
  'event_id',
  'user_id',
  'quantity',
  'hold',
  'status',
  'queue_no',
  'active',
  'expires_at',
  'ticket_code',
  'checked_in_at',
  'created_at',
  'updated_at',
  'confirmed_at',
  'cancelled_at',
] as const satisfies readonly (keyof BookingRow)[];

/** What an update of a booking may change: its id, event, user, hold, queue number and creation never do. */
const CHANGING_COLUMNS = [
  'quantity',
  'status',
  'active',
  'expires_at',
  'ticket_code',
  'checked_in_at',
  'updated_at',
  'confirmed_at',
  'cancelled_at',
] as const satisfies readonly (keyof BookingRow)[];

const insertBookings = new RowStatement<BookingRow>(BOOKING_COLUMNS, (db, rows) => db.insertInto('bookings').values(rows));

/**
 * `bookings_by_status` holds only the bookings that are not confirmed (migration 0008). SQLite searches a
 * partial index only for a query that carries the index's condition word for word, so each query that
 * looks for such bookings repeats it; PostgreSQL proves it from the status itself, MySQL's index is whole.
 */
const NOT_CONFIRMED = sql<boolean>`status <> 'confirmed'`;

/** Every booking updated was loaded under the event's lock, so it exists. */
const upsertBookings = updatesById<BookingRow>('bookings', BOOKING_COLUMNS, CHANGING_COLUMNS);

export class BookingsRepository {
  constructor(
    private readonly db: Db,
    private readonly dialect: Pick<Dialect, 'bindsArrays' | 'readsJsonRows' | 'upsert' | 'keepsStatements' | 'insertsFromJson'>,
  ) {}

  /**
   * The newest booking of each named user of each event (an active one is always the newest), whatever
   * its status; one statement for all the events of a batch.
   */
  async latestForUsers(wanted: readonly { eventId: string; userIds: readonly string[] }[]): Promise<Booking[]> {
    const named = wanted.filter(({ userIds }) => userIds.length > 0);
    if (named.length === 0) return [];
    if (this.dialect.bindsArrays) {
      const eventIds = named.flatMap(({ eventId, userIds }) => userIds.map(() => eventId));
      const userIds = named.flatMap(({ userIds }) => userIds);
      // One index probe per user, whatever the planner believes about the event's size.
      const { rows } = await sql<Selectable<BookingsTable>>`
        select latest.* from unnest(${eventIds}::text[], ${userIds}::text[]) as wanted(event_id, user_id)
        cross join lateral (
          select * from bookings
          where event_id = wanted.event_id and user_id = wanted.user_id
          order by queue_no desc
          limit 1
        ) as latest`.execute(this.db);
      return rows.map(toBooking);
    }
    if (this.dialect.readsJsonRows) {
      const pairs = JSON.stringify(named.flatMap(({ eventId, userIds }) => userIds.map((userId) => [eventId, userId])));
      // One text for any number of users. Each user's newest place is found along (event_id, user_id, active),
      // a person's few bookings of the event, and its booking by (event_id, queue_no). The `+` keeps SQLite
      // from taking max() along (event_id, queue_no), which reads the event backwards until the user turns up.
      const { rows } = await sql<Selectable<BookingsTable>>`
        select bookings.* from json_each(${pairs}) as wanted
        join bookings on bookings.event_id = wanted.value ->> 0 and bookings.queue_no = (
          select max(+newest.queue_no) from bookings as newest
          where newest.event_id = wanted.value ->> 0 and newest.user_id = wanted.value ->> 1
        )`.execute(this.db);
      return rows.map(toBooking);
    }
    const newest = this.db
      .selectFrom('bookings')
      .select((eb) => ['event_id', 'user_id', eb.fn.max('queue_no').as('queue_no')])
      .where((eb) => eb.or(named.map(({ eventId, userIds }) => eb.and([eb('event_id', '=', eventId), eb('user_id', 'in', [...userIds])]))))
      .groupBy(['event_id', 'user_id'])
      .as('newest');
    const rows = await this.db
      .selectFrom('bookings')
      .innerJoin(newest, (join) =>
        join.onRef('newest.event_id', '=', 'bookings.event_id').onRef('newest.queue_no', '=', 'bookings.queue_no'),
      )
      .selectAll('bookings')
      .execute();
    return rows.map(toBooking);
  }

  /** The bookings that hold these ticket codes, of any event. */
  async withTicketCodes(ticketCodes: readonly string[]): Promise<Booking[]> {
    if (ticketCodes.length === 0) return [];
    const rows = await this.db
      .selectFrom('bookings')
      .selectAll()
      .where('ticket_code', 'in', [...ticketCodes])
      .execute();
    return rows.map(toBooking);
  }

  /** Pending bookings of the event whose deadline is at or before `now`, earliest first, at most `limit`. */
  async lapsed(eventId: string, now: string, limit: number): Promise<Booking[]> {
    const rows = await this.db
      .selectFrom('bookings')
      .selectAll()
      .where('event_id', '=', eventId)
      .where('status', '=', 'pending')
      .where(NOT_CONFIRMED)
      .where('expires_at', '<=', now)
      .orderBy('expires_at')
      .orderBy('queue_no')
      .limit(limit)
      .execute();
    return rows.map(toBooking);
  }

  /** Events with a pending booking due at or before `now`, soonest first. */
  async eventsWithLapsed(now: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('bookings')
      .select('event_id')
      // Redundant for the result, but it steers SQLite's planner to the due-expiry index: without it SQLite
      // reads every booking in event order to skip the sort, a scan that grows with the table.
      .where('expires_at', 'is not', null)
      .where('expires_at', '<=', now)
      .groupBy('event_id')
      .orderBy((eb) => eb.fn.min('expires_at'))
      .limit(limit)
      .execute();
    return rows.map((row) => row.event_id);
  }

  /** The first `limit` waitlisted bookings, earliest first. */
  async waitlistHead(eventId: string, limit: number): Promise<Booking[]> {
    if (limit <= 0) return [];
    const rows = await this.db
      .selectFrom('bookings')
      .selectAll()
      .where('event_id', '=', eventId)
      .where('status', '=', 'waitlisted')
      .where(NOT_CONFIRMED)
      .orderBy('queue_no')
      .limit(limit)
      .execute();
    return rows.map(toBooking);
  }

  /** 1-based places in the waiting list of these waitlisted bookings, in one pass over the list's head. */
  async positionsOf(eventId: string, waitlisted: readonly Booking[]): Promise<Map<string, number>> {
    const positions = new Map<string, number>();
    if (waitlisted.length === 0) return positions;
    if (waitlisted.length === 1 && waitlisted[0]) {
      positions.set(waitlisted[0].id, await this.positionOf(eventId, waitlisted[0].queueNo));
      return positions;
    }
    const lastQueueNo = Math.max(...waitlisted.map((booking) => booking.queueNo));
    const ranked = this.db
      .selectFrom('bookings')
      .select((eb) => [
        'id',
        eb.fn
          .agg<number>('row_number')
          .over((over) => over.orderBy('queue_no'))
          .as('position'),
      ])
      .where('event_id', '=', eventId)
      .where('status', '=', 'waitlisted')
      .where(NOT_CONFIRMED)
      .where('queue_no', '<=', lastQueueNo)
      .as('ranked');
    const rows = await this.db
      .selectFrom(ranked)
      .select(['ranked.id', 'ranked.position'])
      .where(
        'ranked.id',
        'in',
        waitlisted.map((booking) => booking.id),
      )
      .execute();
    for (const row of rows) positions.set(row.id, Number(row.position));
    return positions;
  }

  /** 1-based place in the waiting list of the waitlisted booking with this queue number. */
  async positionOf(eventId: string, queueNo: number): Promise<number> {
    const row = await this.db
      .selectFrom('bookings')
      .select((eb) => eb.fn.countAll().as('ahead'))
      .where('event_id', '=', eventId)
      .where('status', '=', 'waitlisted')
      .where(NOT_CONFIRMED)
      .where('queue_no', '<', queueNo)
      .executeTakeFirstOrThrow();
    return Number(row.ahead) + 1;
  }

  async insertMany(bookings: readonly Booking[]): Promise<void> {
    await insertBookings.executeEach(this.db, this.dialect, bookings, toRow);
  }

  /** Stores the new state of existing bookings; their id, event, user, hold, queue number and creation never change. */
  async updateMany(bookings: readonly Booking[]): Promise<void> {
    const [only] = bookings;
    if (bookings.length > 1) {
      await upsertBookings[this.dialect.upsert].executeEach(this.db, this.dialect, bookings, toRow);
    } else if (only) {
      const row = toRow(only);
      await this.db
        .updateTable('bookings')
        .set(Object.fromEntries(CHANGING_COLUMNS.map((column) => [column, row[column]])))
        .where('id', '=', row.id)
        .execute();
    }
  }

  async latestForUser(eventId: string, userId: string): Promise<Booking | null> {
    const row = await this.db
      .selectFrom('bookings')
      .selectAll()
      .where('event_id', '=', eventId)
      .where('user_id', '=', userId)
      .orderBy('queue_no', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toBooking(row) : null;
  }

  /** Bookings in acceptance order, which for the waitlisted ones is the FIFO order of the list. */
  async list(eventId: string, filter: BookingFilter): Promise<Booking[]> {
    let query = this.db.selectFrom('bookings').selectAll().where('event_id', '=', eventId);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.status && filter.status !== 'confirmed') query = query.where(NOT_CONFIRMED);
    if (filter.afterQueueNo !== null) query = query.where('queue_no', '>', filter.afterQueueNo);
    const rows = await query.orderBy('queue_no').limit(filter.limit).execute();
    return rows.map(toBooking);
  }

  /** A user's bookings across events, newest first, each with the event fields a ticket list shows. */
  async listForUser(userId: string, after: UserBookingCursor | null, limit: number): Promise<{ booking: Booking; event: BookedEvent }[]> {
    let query = this.db
      .selectFrom('bookings')
      .innerJoin('events', 'events.id', 'bookings.event_id')
      .selectAll('bookings')
      .select(['events.name as event_name', 'events.starts_at as event_starts_at', 'events.time_zone as event_time_zone'])
      .where('bookings.user_id', '=', userId);
    if (after) {
      query = query.where((eb) =>
        eb.or([
          eb('bookings.created_at', '<', after.createdAt),
          eb.and([eb('bookings.created_at', '=', after.createdAt), eb('bookings.id', '<', after.id)]),
        ]),
      );
    }
    const rows = await query.orderBy('bookings.created_at', 'desc').orderBy('bookings.id', 'desc').limit(limit).execute();
    return rows.map(({ event_name, event_starts_at, event_time_zone, ...row }) => ({
      booking: toBooking(row),
      event: { id: row.event_id, name: event_name, startsAt: event_starts_at, timeZone: event_time_zone },
    }));
  }
}
