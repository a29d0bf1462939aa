import { type Kysely, MysqlAdapter } from 'kysely';

// Frozen: `bookings_latest_of_user` (event_id, user_id, queue_no) goes. A person's bookings of an event
// are a handful, found along `bookings_one_active_per_user` (event_id, user_id, active) just as well, and
// every booking paid for the extra index: one more B-tree keyed at random within its event, whose pages a
// commit writes to the log. Imports nothing from src/.

const INDEX = 'bookings_latest_of_user';

export async function up(db: Kysely<any>): Promise<void> {
  const drop = db.schema.dropIndex(INDEX);
  // MySQL names the table an index belongs to; PostgreSQL and SQLite name indexes per schema.
  await (db.getExecutor().adapter instanceof MysqlAdapter ? drop.on('bookings') : drop).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex(INDEX).on('bookings').columns(['event_id', 'user_id', 'queue_no']).execute();
}
