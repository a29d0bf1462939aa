import { type Kysely, MysqlAdapter, sql } from 'kysely';

// Frozen: the accounts table as first shipped; imports nothing from src/.

export async function up(db: Kysely<any>): Promise<void> {
  const mysql = db.getExecutor().adapter instanceof MysqlAdapter;
  await db.schema
    .createTable('users')
    .addColumn('id', 'varchar(128)', (col) => col.primaryKey())
    .addColumn('name', 'varchar(200)')
    .addColumn('password_hash', 'varchar(255)', (col) => col.notNull())
    .addColumn('created_at', 'varchar(32)', (col) => col.notNull())
    .$call((builder) => (mysql ? builder.modifyEnd(sql`engine = InnoDB default charset = utf8mb4 collate = utf8mb4_bin`) : builder))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('users').execute();
}
