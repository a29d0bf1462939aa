import { randomInt } from 'node:crypto';
import { type Kysely, MysqlAdapter, PostgresAdapter, sql } from 'kysely';

// Frozen: groups, holds, offers, ticket codes and check-in, staff, and the audit snapshot, as first
// shipped; imports nothing from src/.

type Engine = 'sqlite' | 'postgres' | 'mysql';

function engineOf(db: Kysely<any>): Engine {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof MysqlAdapter) return 'mysql';
  return 'sqlite';
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function ticketCode(): string {
  let symbols = '';
  for (let index = 0; index < 20; index++) symbols += CROCKFORD[randomInt(32)];
  return symbols.match(/.{5}/g)?.join('-') ?? symbols;
}

/** Checks that back the invariants in their quantity form; the same on every engine. */
const EVENT_CHECKS: [string, ReturnType<typeof sql>][] = [
  ['events_held_within_total', sql`held_count >= 0 and booked_count + held_count <= total_tickets`],
  [
    'events_waitlist_tickets',
    sql`(waitlist_count = 0 and waitlist_tickets = 0) or (waitlist_count > 0 and waitlist_tickets >= waitlist_count)`,
  ],
  // I2 in a form a row can hold: the head wants at most 100 tickets, so fewer than 100 can be free.
  ['events_waitlist_only_when_head_waits', sql`waitlist_count = 0 or total_tickets - booked_count - held_count < 100`],
  ['events_checked_in_within_booked', sql`checked_in_count >= 0 and checked_in_count <= booked_count`],
  ['events_max_per_booking_range', sql`max_per_booking between 1 and 100`],
  ['events_waitlist_mode_known', sql`waitlist_mode in ('auto', 'offer')`],
  ['events_offer_ttl_range', sql`offer_ttl_seconds between 1 and 2592000`],
  ['events_hold_ttl_range', sql`hold_ttl_seconds between 1 and 86400`],
];

const BOOKING_CHECKS: [string, ReturnType<typeof sql>][] = [
  ['bookings_quantity_range', sql`quantity between 1 and 100`],
  ['bookings_hold_flag', sql`hold in (0, 1)`],
  ['bookings_status_known_v2', sql`status in ('confirmed', 'pending', 'waitlisted', 'cancelled', 'expired')`],
  [
    'bookings_active_matches_status_v2',
    sql`(status in ('cancelled', 'expired') and active is null) or (status in ('confirmed', 'pending', 'waitlisted') and active = 1)`,
  ],
  [
    'bookings_expiry_only_while_pending',
    sql`(status = 'pending' and expires_at is not null) or (status <> 'pending' and expires_at is null)`,
  ],
  [
    'bookings_code_once_confirmed',
    sql`(ticket_code is null and confirmed_at is null) or (ticket_code is not null and confirmed_at is not null)`,
  ],
  ['bookings_check_in_needs_code', sql`checked_in_at is null or (ticket_code is not null and status = 'confirmed')`],
];

export async function up(db: Kysely<any>): Promise<void> {
  const engine = engineOf(db);
  if (engine === 'sqlite') await rebuildOnSqlite(db);
  else await alterInPlace(db, engine);

  await db.schema.createIndex('bookings_ticket_code_unique').unique().on('bookings').column('ticket_code').execute();
  await db.schema.createIndex('bookings_due_expiry').on('bookings').columns(['expires_at', 'event_id']).execute();
  await db.schema.createIndex('bookings_latest_of_user').on('bookings').columns(['event_id', 'user_id', 'queue_no']).execute();
  await db.schema.createIndex('bookings_of_user').on('bookings').columns(['user_id', 'created_at']).execute();

  await db.schema.alterTable('audit_log').addColumn('quantity', 'integer').execute();
  await db.schema.alterTable('audit_log').addColumn('snapshot', 'text').execute();
  await db.updateTable('audit_log').set({ quantity: 1 }).where('action', 'like', 'booking.%').execute();

  await db.schema
    .alterTable('users')
    .addColumn('role', 'varchar(16)', (col) => col.notNull().defaultTo('user'))
    .execute();
}

/** Every booking ever confirmed gets its code, so the code-once-confirmed rule holds for old rows too. */
async function backfillTicketCodes(db: Kysely<any>): Promise<void> {
  const confirmed = await db
    .selectFrom('bookings')
    .select('id')
    .where('confirmed_at', 'is not', null)
    .where('ticket_code', 'is', null)
    .execute();
  for (const { id } of confirmed) {
    await db.updateTable('bookings').set({ ticket_code: ticketCode() }).where('id', '=', id).execute();
  }
}

async function alterInPlace(db: Kysely<any>, engine: Engine): Promise<void> {
  await db.schema.alterTable('events').dropConstraint('events_waitlist_only_when_sold_out').execute();
  const eventColumns = db.schema
    .alterTable('events')
    .addColumn('description', engine === 'mysql' ? 'text' : 'varchar(2000)')
    .addColumn('time_zone', 'varchar(64)', (col) => col.notNull().defaultTo('UTC'))
    .addColumn('max_per_booking', 'integer', (col) => col.notNull().defaultTo(10))
    .addColumn('waitlist_mode', 'varchar(8)', (col) => col.notNull().defaultTo('auto'))
    .addColumn('offer_ttl_seconds', 'integer', (col) => col.notNull().defaultTo(86400))
    .addColumn('hold_ttl_seconds', 'integer', (col) => col.notNull().defaultTo(900))
    .addColumn('held_count', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('waitlist_tickets', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('checked_in_count', 'integer', (col) => col.notNull().defaultTo(0));
  await eventColumns.execute();
  await db
    .updateTable('events')
    .set({ waitlist_tickets: sql`waitlist_count` })
    .execute();
  for (const [name, check] of EVENT_CHECKS) {
    await db.schema.alterTable('events').addCheckConstraint(name, check).execute();
  }

  await db.schema.alterTable('bookings').dropConstraint('bookings_status_known').execute();
  await db.schema.alterTable('bookings').dropConstraint('bookings_active_matches_status').execute();
  await db.schema
    .alterTable('bookings')
    .addColumn('quantity', 'integer', (col) => col.notNull().defaultTo(1))
    .addColumn('hold', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('expires_at', 'varchar(32)')
    .addColumn('ticket_code', 'varchar(32)')
    .addColumn('checked_in_at', 'varchar(32)')
    .execute();
  await backfillTicketCodes(db);
  for (const [name, check] of BOOKING_CHECKS) {
    await db.schema.alterTable('bookings').addCheckConstraint(name, check).execute();
  }
}

/**
 * SQLite cannot drop or add a table's checks: build each table anew, copy, swap (its documented
 * procedure), with foreign keys off so dropping the old table does not cascade into its children.
 */
async function rebuildOnSqlite(db: Kysely<any>): Promise<void> {
  await sql`pragma foreign_keys = off`.execute(db);
  await sql`begin immediate`.execute(db);
  try {
    let events = db.schema
      .createTable('events_v4')
      .addColumn('id', 'varchar(64)', (col) => col.primaryKey())
      .addColumn('name', 'varchar(200)', (col) => col.notNull())
      .addColumn('venue', 'varchar(200)')
      .addColumn('description', 'varchar(2000)')
      .addColumn('starts_at', 'varchar(32)')
      .addColumn('time_zone', 'varchar(64)', (col) => col.notNull().defaultTo('UTC'))
      .addColumn('total_tickets', 'integer', (col) => col.notNull())
      .addColumn('booked_count', 'integer', (col) => col.notNull())
      .addColumn('held_count', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('waitlist_count', 'integer', (col) => col.notNull())
      .addColumn('waitlist_tickets', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('checked_in_count', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('last_queue_no', 'integer', (col) => col.notNull())
      .addColumn('sales_open', 'integer', (col) => col.notNull())
      .addColumn('max_per_booking', 'integer', (col) => col.notNull().defaultTo(10))
      .addColumn('waitlist_mode', 'varchar(8)', (col) => col.notNull().defaultTo('auto'))
      .addColumn('offer_ttl_seconds', 'integer', (col) => col.notNull().defaultTo(86400))
      .addColumn('hold_ttl_seconds', 'integer', (col) => col.notNull().defaultTo(900))
      .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
      .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
      .addCheckConstraint('events_total_tickets_range', sql`total_tickets between 1 and 1000000`)
      .addCheckConstraint('events_booked_within_total', sql`booked_count >= 0 and booked_count <= total_tickets`)
      .addCheckConstraint('events_waitlist_non_negative', sql`waitlist_count >= 0`)
      .addCheckConstraint('events_sales_open_flag', sql`sales_open in (0, 1)`);
    for (const [name, check] of EVENT_CHECKS) events = events.addCheckConstraint(name, check);
    await events.execute();
    await sql`insert into events_v4 (id, name, venue, starts_at, total_tickets, booked_count, waitlist_count,
      waitlist_tickets, last_queue_no, sales_open, created_at, updated_at)
      select id, name, venue, starts_at, total_tickets, booked_count, waitlist_count,
      waitlist_count, last_queue_no, sales_open, created_at, updated_at from events`.execute(db);
    await sql`drop table events`.execute(db);
    await sql`alter table events_v4 rename to events`.execute(db);
    await db.schema.createIndex('events_created_order').on('events').columns(['created_at', 'id']).execute();

    await sql`alter table bookings add column ticket_code varchar(32)`.execute(db);
    await backfillTicketCodes(db);
    let bookings = db.schema
      .createTable('bookings_v4')
      .addColumn('id', 'varchar(40)', (col) => col.primaryKey())
      .addColumn('event_id', 'varchar(64)', (col) => col.notNull().references('events.id'))
      .addColumn('user_id', 'varchar(128)', (col) => col.notNull())
      .addColumn('quantity', 'integer', (col) => col.notNull().defaultTo(1))
      .addColumn('hold', 'integer', (col) => col.notNull().defaultTo(0))
      .addColumn('status', 'varchar(16)', (col) => col.notNull())
      .addColumn('queue_no', 'integer', (col) => col.notNull())
      .addColumn('active', 'integer')
      .addColumn('expires_at', 'varchar(32)')
      .addColumn('ticket_code', 'varchar(32)')
      .addColumn('checked_in_at', 'varchar(32)')
      .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
      .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
      .addColumn('confirmed_at', 'varchar(32)')
      .addColumn('cancelled_at', 'varchar(32)')
      .addUniqueConstraint('bookings_event_queue_unique', ['event_id', 'queue_no'])
      .addUniqueConstraint('bookings_one_active_per_user', ['event_id', 'user_id', 'active']);
    for (const [name, check] of BOOKING_CHECKS) bookings = bookings.addCheckConstraint(name, check);
    await bookings.execute();
    await sql`insert into bookings_v4 (id, event_id, user_id, status, queue_no, active, ticket_code, created_at,
      updated_at, confirmed_at, cancelled_at)
      select id, event_id, user_id, status, queue_no, active, ticket_code, created_at, updated_at, confirmed_at,
      cancelled_at from bookings`.execute(db);
    await sql`drop table bookings`.execute(db);
    await sql`alter table bookings_v4 rename to bookings`.execute(db);
    await db.schema.createIndex('bookings_by_status').on('bookings').columns(['event_id', 'status', 'queue_no']).execute();

    const broken = await sql`pragma foreign_key_check`.execute(db);
    if (broken.rows.length > 0) throw new Error('foreign keys broken while rebuilding events and bookings');
    await sql`commit`.execute(db);
  } catch (error) {
    await sql`rollback`.execute(db);
    throw error;
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}

export async function down(): Promise<void> {
  throw new Error('0004-booking-model cannot be undone: restore a backup taken before upgrading');
}
