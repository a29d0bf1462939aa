import { type Kysely, MysqlAdapter, sql } from 'kysely';

// Frozen: `bookings_by_status` keeps only the bookings that are not confirmed, `bookings_due_expiry` only
// those with a deadline. Both lead with a value that changes with each event (or, for the expiry index,
// put every booking without a deadline under its event), so a commit that confirms bookings of many events
// wrote one page of each per event, for entries no query reads: the waiting list, the pending holds and
// offers, and cancelled or expired bookings are what these indexes are searched for; confirmed bookings of
// an event are found along (event_id, queue_no). MySQL has no partial indexes and keeps both whole.
// Imports nothing from src/.

const NOT_CONFIRMED = sql<boolean>`status <> 'confirmed'`;
const HAS_DEADLINE = sql<boolean>`expires_at is not null`;

function isMysql(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof MysqlAdapter;
}

export async function up(db: Kysely<any>): Promise<void> {
  if (isMysql(db)) return;
  await db.schema.dropIndex('bookings_by_status').execute();
  await db.schema
    .createIndex('bookings_by_status')
    .on('bookings')
    .columns(['event_id', 'status', 'queue_no'])
    .where(NOT_CONFIRMED)
    .execute();
  await db.schema.dropIndex('bookings_due_expiry').execute();
  await db.schema.createIndex('bookings_due_expiry').on('bookings').columns(['expires_at', 'event_id']).where(HAS_DEADLINE).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  if (isMysql(db)) return;
  await db.schema.dropIndex('bookings_by_status').execute();
  await db.schema.createIndex('bookings_by_status').on('bookings').columns(['event_id', 'status', 'queue_no']).execute();
  await db.schema.dropIndex('bookings_due_expiry').execute();
  await db.schema.createIndex('bookings_due_expiry').on('bookings').columns(['expires_at', 'event_id']).execute();
}
