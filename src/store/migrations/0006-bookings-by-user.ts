import type { Kysely } from 'kysely';

// Frozen: the index behind GET /me/bookings (a user's bookings across events, newest first); imports nothing from src/.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('bookings_by_user').on('bookings').columns(['user_id', 'created_at', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('bookings_by_user').on('bookings').execute();
}
