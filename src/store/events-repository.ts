import type { Selectable } from 'kysely';
import type { EventRecord, WaitlistMode } from '../domain/event.js';
import type { EventCursor } from '../services/ports.js';
import type { Db, Dialect } from './dialect.js';
import { updatesById } from './row-statement.js';
import type { EventsTable } from './schema.js';

function toEventRecord(row: Selectable<EventsTable>): EventRecord {
  return {
    id: row.id,
    name: row.name,
    venue: row.venue,
    description: row.description,
    startsAt: row.starts_at,
    timeZone: row.time_zone,
    totalTickets: Number(row.total_tickets),
    salesOpen: Number(row.sales_open) === 1,
    maxPerBooking: Number(row.max_per_booking),
    waitlistMode: row.waitlist_mode as WaitlistMode,
    offerTtlSeconds: Number(row.offer_ttl_seconds),
    holdTtlSeconds: Number(row.hold_ttl_seconds),
    bookedCount: Number(row.booked_count),
    heldCount: Number(row.held_count),
    waitlistCount: Number(row.waitlist_count),
    waitlistTickets: Number(row.waitlist_tickets),
    checkedInCount: Number(row.checked_in_count),
    lastQueueNo: Number(row.last_queue_no),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toRow(event: EventRecord): Selectable<EventsTable> {
  return {
    id: event.id,
    name: event.name,
    venue: event.venue,
    description: event.description,
    starts_at: event.startsAt,
    time_zone: event.timeZone,
    total_tickets: event.totalTickets,
    booked_count: event.bookedCount,
    held_count: event.heldCount,
    waitlist_count: event.waitlistCount,
    waitlist_tickets: event.waitlistTickets,
    checked_in_count: event.checkedInCount,
    last_queue_no: event.lastQueueNo,
    sales_open: event.salesOpen ? 1 : 0,
    max_per_booking: event.maxPerBooking,
    waitlist_mode: event.waitlistMode,
    offer_ttl_seconds: event.offerTtlSeconds,
    hold_ttl_seconds: event.holdTtlSeconds,
    created_at: event.createdAt,
    updated_at: event.updatedAt,
  };
}

type EventRow = Selectable<EventsTable>;

/** toRow's columns, in its order. */
const EVENT_COLUMNS = [
  'id',
  'name',
  'venue',
  'description',
  'starts_at',
  'time_zone',
  'total_tickets',
  'booked_count',
  'held_count',
  'waitlist_count',
  'waitlist_tickets',
  'checked_in_count',
  'last_queue_no',
  'sales_open',
  'max_per_booking',
  'waitlist_mode',
  'offer_ttl_seconds',
  'hold_ttl_seconds',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof EventRow)[];

/** What saving an event may change: all but its id and creation. */
const CHANGING_COLUMNS = EVENT_COLUMNS.filter((column) => column !== 'id' && column !== 'created_at');

/** Every event saved was locked and loaded first, so it exists. */
const upsertEvents = updatesById<EventRow>('events', EVENT_COLUMNS, CHANGING_COLUMNS);

export interface WaitlistSize {
  eventId: string;
  waitlistCount: number;
}

export class EventsRepository {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
  ) {}

  async insert(event: EventRecord): Promise<void> {
    await this.db.insertInto('events').values(toRow(event)).execute();
  }

  async find(id: string): Promise<EventRecord | null> {
    const row = await this.db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toEventRecord(row) : null;
  }

  /** Reads the event and holds its row lock until the transaction ends (SQLite: the file lock is held already). */
  async lock(id: string): Promise<EventRecord | null> {
    const query = this.db.selectFrom('events').selectAll().where('id', '=', id);
    const row = await (this.dialect.rowLocks ? query.forUpdate() : query).executeTakeFirst();
    return row ? toEventRecord(row) : null;
  }

  /**
   * Reads these events and holds their row locks until the transaction ends (SQLite: the file lock is held
   * already). One statement taking the rows in its ORDER BY, the same order in every transaction and process.
   */
  async lockMany(ids: readonly string[]): Promise<EventRecord[]> {
    if (ids.length === 0) return [];
    const query = this.db
      .selectFrom('events')
      .selectAll()
      .where('id', 'in', [...ids])
      .orderBy('id');
    const rows = await (this.dialect.rowLocks ? query.forUpdate() : query).execute();
    return rows.map(toEventRecord);
  }

  async save(event: EventRecord): Promise<void> {
    const { id, created_at: _createdAt, ...changes } = toRow(event);
    await this.db.updateTable('events').set(changes).where('id', '=', id).execute();
  }

  /** Stores the new state of existing events. */
  async saveMany(events: readonly EventRecord[]): Promise<void> {
    const [only] = events;
    if (events.length <= 1) {
      if (only) await this.save(only);
      return;
    }
    await upsertEvents[this.dialect.upsert].execute(this.db, this.dialect, events.map(toRow));
  }

  /** Event ids after `afterId` in id order: a stable order to walk every event in. */
  async ids(afterId: string | null, limit: number): Promise<string[]> {
    let query = this.db.selectFrom('events').select('id').orderBy('id').limit(limit);
    if (afterId !== null) query = query.where('id', '>', afterId);
    const rows = await query.execute();
    return rows.map((row) => row.id);
  }

  async list(after: EventCursor | null, limit: number): Promise<EventRecord[]> {
    let query = this.db.selectFrom('events').selectAll();
    if (after) {
      query = query.where((eb) =>
        eb.or([eb('created_at', '>', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '>', after.id)])]),
      );
    }
    const rows = await query.orderBy('created_at').orderBy('id').limit(limit).execute();
    return rows.map(toEventRecord);
  }

  /** The longest waiting lists of events still on sale, for the metrics page. */
  async longestWaitlists(limit: number): Promise<WaitlistSize[]> {
    const rows = await this.db
      .selectFrom('events')
      .select(['id', 'waitlist_count'])
      .where('sales_open', '=', 1)
      .where('waitlist_count', '>', 0)
      .orderBy('waitlist_count', 'desc')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ eventId: row.id, waitlistCount: Number(row.waitlist_count) }));
  }

  /** Tickets held by pending bookings (holds and offers) across every event. */
  async heldTickets(): Promise<number> {
    const row = await this.db
      .selectFrom('events')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('held_count'), eb.lit(0)).as('held'))
      .executeTakeFirstOrThrow();
    return Number(row.held);
  }
}
