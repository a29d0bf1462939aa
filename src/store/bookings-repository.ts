import type { Selectable } from 'kysely';
import type { Booking, BookingStatus } from '../domain/booking.js';
import type { BookingFilter } from '../services/ports.js';
import type { Db } from './dialect.js';
import type { BookingsTable } from './schema.js';

// Ten columns a row: well under every engine's bound-parameter limit.
const INSERT_CHUNK = 500;

function toBooking(row: Selectable<BookingsTable>): Booking {
  return {
    id: row.id,
    eventId: row.event_id,
    userId: row.user_id,
    status: row.status as BookingStatus,
    queueNo: Number(row.queue_no),
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
    status: booking.status,
    queue_no: booking.queueNo,
    active: booking.status === 'cancelled' ? null : 1,
    created_at: booking.createdAt,
    updated_at: booking.updatedAt,
    confirmed_at: booking.confirmedAt,
    cancelled_at: booking.cancelledAt,
  };
}

export class BookingsRepository {
  constructor(private readonly db: Db) {}

  async activeForUsers(eventId: string, userIds: readonly string[]): Promise<Booking[]> {
    if (userIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('bookings')
      .selectAll()
      .where('event_id', '=', eventId)
      .where('user_id', 'in', [...userIds])
      .where('active', '=', 1)
      .execute();
    return rows.map(toBooking);
  }

  /** The first `limit` waitlisted bookings, earliest first. */
  async waitlistHead(eventId: string, limit: number): Promise<Booking[]> {
    if (limit <= 0) return [];
    const rows = await this.db
      .selectFrom('bookings')
      .selectAll()
      .where('event_id', '=', eventId)
      .where('status', '=', 'waitlisted')
      .orderBy('queue_no')
      .limit(limit)
      .execute();
    return rows.map(toBooking);
  }

  /** 1-based place in the waiting list of the waitlisted booking with this queue number. */
  async positionOf(eventId: string, queueNo: number): Promise<number> {
    const row = await this.db
      .selectFrom('bookings')
      .select((eb) => eb.fn.countAll().as('ahead'))
      .where('event_id', '=', eventId)
      .where('status', '=', 'waitlisted')
      .where('queue_no', '<', queueNo)
      .executeTakeFirstOrThrow();
    return Number(row.ahead) + 1;
  }

  async insertMany(bookings: readonly Booking[]): Promise<void> {
    for (let start = 0; start < bookings.length; start += INSERT_CHUNK) {
      const rows = bookings.slice(start, start + INSERT_CHUNK).map(toRow);
      await this.db.insertInto('bookings').values(rows).execute();
    }
  }

  async updateMany(bookings: readonly Booking[]): Promise<void> {
    for (const booking of bookings) {
      const { id, event_id: _eventId, user_id: _userId, queue_no: _queueNo, created_at: _createdAt, ...changes } =
        toRow(booking);
      await this.db.updateTable('bookings').set(changes).where('id', '=', id).execute();
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
    if (filter.afterQueueNo !== null) query = query.where('queue_no', '>', filter.afterQueueNo);
    const rows = await query.orderBy('queue_no').limit(filter.limit).execute();
    return rows.map(toBooking);
  }
}
