import { type CreateTableBuilder, type Kysely, MysqlAdapter, PostgresAdapter, sql } from 'kysely';

// Frozen: this file describes the schema as it was first shipped and imports nothing from src/.

type Engine = 'sqlite' | 'postgres' | 'mysql';

function engineOf(db: Kysely<any>): Engine {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof MysqlAdapter) return 'mysql';
  return 'sqlite';
}

function tableOptions(engine: Engine) {
  // MySQL compares text case-insensitively by default; ids and user ids are case-sensitive.
  return <T extends string, C extends string>(builder: CreateTableBuilder<T, C>) =>
    engine === 'mysql' ? builder.modifyEnd(sql`engine = InnoDB default charset = utf8mb4 collate = utf8mb4_bin`) : builder;
}

export async function up(db: Kysely<any>): Promise<void> {
  const engine = engineOf(db);
  const withOptions = tableOptions(engine);

  await db.schema
    .createTable('events')
    .addColumn('id', 'varchar(64)', (col) => col.primaryKey())
    .addColumn('name', 'varchar(200)', (col) => col.notNull())
    .addColumn('venue', 'varchar(200)')
    .addColumn('starts_at', 'varchar(32)')
    .addColumn('total_tickets', 'integer', (col) => col.notNull())
    .addColumn('booked_count', 'integer', (col) => col.notNull())
    .addColumn('waitlist_count', 'integer', (col) => col.notNull())
    .addColumn('last_queue_no', 'integer', (col) => col.notNull())
    .addColumn('sales_open', 'integer', (col) => col.notNull())
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
    .addCheckConstraint('events_total_tickets_range', sql`total_tickets between 1 and 1000000`)
    .addCheckConstraint('events_booked_within_total', sql`booked_count >= 0 and booked_count <= total_tickets`)
    .addCheckConstraint('events_waitlist_non_negative', sql`waitlist_count >= 0`)
    .addCheckConstraint('events_waitlist_only_when_sold_out', sql`waitlist_count = 0 or booked_count = total_tickets`)
    .addCheckConstraint('events_sales_open_flag', sql`sales_open in (0, 1)`)
    .$call(withOptions)
    .execute();
  await db.schema.createIndex('events_created_order').on('events').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('bookings')
    .addColumn('id', 'varchar(40)', (col) => col.primaryKey())
    .addColumn('event_id', 'varchar(64)', (col) => col.notNull().references('events.id'))
    .addColumn('user_id', 'varchar(128)', (col) => col.notNull())
    .addColumn('status', 'varchar(16)', (col) => col.notNull())
    .addColumn('queue_no', 'integer', (col) => col.notNull())
    .addColumn('active', 'integer')
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('updated_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('confirmed_at', 'varchar(32)')
    .addColumn('cancelled_at', 'varchar(32)')
    .addCheckConstraint('bookings_status_known', sql`status in ('confirmed', 'waitlisted', 'cancelled')`)
    .addCheckConstraint(
      'bookings_active_matches_status',
      sql`(status = 'cancelled' and active is null) or (status <> 'cancelled' and active = 1)`,
    )
    .addUniqueConstraint('bookings_event_queue_unique', ['event_id', 'queue_no'])
    .addUniqueConstraint('bookings_one_active_per_user', ['event_id', 'user_id', 'active'])
    .$call(withOptions)
    .execute();
  await db.schema.createIndex('bookings_by_status').on('bookings').columns(['event_id', 'status', 'queue_no']).execute();

  const seq =
    engine === 'postgres'
      ? db.schema.createTable('audit_log').addColumn('seq', 'bigserial', (col) => col.primaryKey())
      : db.schema
          .createTable('audit_log')
          .addColumn('seq', engine === 'mysql' ? 'bigint' : 'integer', (col) => col.primaryKey().autoIncrement());
  await seq
    .addColumn('event_id', 'varchar(64)', (col) => col.notNull().references('events.id'))
    .addColumn('action', 'varchar(32)', (col) => col.notNull())
    .addColumn('user_id', 'varchar(128)')
    .addColumn('booking_id', 'varchar(40)')
    .addColumn('actor', 'varchar(128)', (col) => col.notNull())
    .addColumn('request_id', 'varchar(128)')
    .addColumn('at', 'varchar(32)', (col) => col.notNull())
    .addColumn('data', 'text')
    .$call(withOptions)
    .execute();
  await db.schema.createIndex('audit_log_by_event').on('audit_log').columns(['event_id', 'seq']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_log').execute();
  await db.schema.dropTable('bookings').execute();
  await db.schema.dropTable('events').execute();
}
