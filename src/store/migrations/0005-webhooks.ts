import { type CreateTableBuilder, type Kysely, MysqlAdapter, PostgresAdapter, sql } from 'kysely';

// Frozen: webhooks and the delivery outbox as first shipped; imports nothing from src/.

type Engine = 'sqlite' | 'postgres' | 'mysql';

function engineOf(db: Kysely<any>): Engine {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof MysqlAdapter) return 'mysql';
  return 'sqlite';
}

export async function up(db: Kysely<any>): Promise<void> {
  const engine = engineOf(db);
  // MySQL compares text case-insensitively by default; ids and secrets are case-sensitive.
  const withOptions = <T extends string, C extends string>(builder: CreateTableBuilder<T, C>) =>
    engine === 'mysql' ? builder.modifyEnd(sql`engine = InnoDB default charset = utf8mb4 collate = utf8mb4_bin`) : builder;
  const seqType = engine === 'sqlite' ? 'integer' : 'bigint';

  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'varchar(40)', (col) => col.primaryKey())
    .addColumn('url', 'varchar(2048)', (col) => col.notNull())
    // A JSON array of audit actions; NULL: every action.
    .addColumn('actions', 'text')
    .addColumn('secret', 'varchar(128)', (col) => col.notNull())
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('deleted_at', 'varchar(32)')
    .$call(withOptions)
    .execute();
  await db.schema.createIndex('webhooks_created_order').on('webhooks').columns(['created_at', 'id']).execute();

  // One row per channel (a webhook, or e-mail): the last audit seq handed out to it.
  await db.schema
    .createTable('delivery_channels')
    .addColumn('id', 'varchar(64)', (col) => col.primaryKey())
    .addColumn('last_seq', seqType, (col) => col.notNull())
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addCheckConstraint('delivery_channels_seq_non_negative', sql`last_seq >= 0`)
    .$call(withOptions)
    .execute();

  // Seqs skipped by the cursor that a transaction still open may yet commit; looked at again until they expire.
  await db.schema
    .createTable('delivery_gaps')
    .addColumn('channel_id', 'varchar(64)', (col) => col.notNull())
    .addColumn('from_seq', seqType, (col) => col.notNull())
    .addColumn('to_seq', seqType, (col) => col.notNull())
    .addColumn('seen_at', 'varchar(32)', (col) => col.notNull())
    .addPrimaryKeyConstraint('delivery_gaps_pk', ['channel_id', 'from_seq'])
    .addCheckConstraint('delivery_gaps_range', sql`from_seq <= to_seq`)
    .$call(withOptions)
    .execute();

  // One row per (channel, audit entry) to deliver; the primary key makes handing out idempotent.
  await db.schema
    .createTable('deliveries')
    .addColumn('channel_id', 'varchar(64)', (col) => col.notNull())
    .addColumn('seq', seqType, (col) => col.notNull())
    .addColumn('action', 'varchar(32)', (col) => col.notNull())
    .addColumn('recipient', 'varchar(128)')
    .addColumn('state', 'varchar(16)', (col) => col.notNull())
    .addColumn('attempts', 'integer', (col) => col.notNull())
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .addColumn('next_attempt_at', 'varchar(32)', (col) => col.notNull())
    // Who runs the current attempt, and until when; a lease past its time is free to take over.
    .addColumn('lease_owner', 'varchar(64)')
    .addColumn('lease_until', 'varchar(32)')
    .addPrimaryKeyConstraint('deliveries_pk', ['channel_id', 'seq'])
    .addCheckConstraint('deliveries_state_known', sql`state in ('pending', 'delivered', 'failed', 'dropped')`)
    .addCheckConstraint('deliveries_attempts_non_negative', sql`attempts >= 0`)
    .$call(withOptions)
    .execute();
  await db.schema.createIndex('deliveries_due').on('deliveries').columns(['state', 'next_attempt_at']).execute();

  const attempts =
    engine === 'postgres'
      ? db.schema.createTable('delivery_attempts').addColumn('id', 'bigserial', (col) => col.primaryKey())
      : db.schema
          .createTable('delivery_attempts')
          .addColumn('id', engine === 'mysql' ? 'bigint' : 'integer', (col) => col.primaryKey().autoIncrement());
  await attempts
    .addColumn('channel_id', 'varchar(64)', (col) => col.notNull())
    .addColumn('seq', seqType, (col) => col.notNull())
    .addColumn('action', 'varchar(32)', (col) => col.notNull())
    .addColumn('attempt', 'integer', (col) => col.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'varchar(500)')
    .addColumn('duration_ms', 'integer', (col) => col.notNull())
    .addColumn('at', 'varchar(32)', (col) => col.notNull())
    .addColumn('next_attempt_at', 'varchar(32)')
    // An attempt is made once: two processes running the same attempt could not both record it.
    .addUniqueConstraint('delivery_attempts_once', ['channel_id', 'seq', 'attempt'])
    .$call(withOptions)
    .execute();
  await db.schema.createIndex('delivery_attempts_by_channel').on('delivery_attempts').columns(['channel_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('delivery_attempts').execute();
  await db.schema.dropTable('deliveries').execute();
  await db.schema.dropTable('delivery_gaps').execute();
  await db.schema.dropTable('delivery_channels').execute();
  await db.schema.dropTable('webhooks').execute();
}
