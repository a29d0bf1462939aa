import type { Migration, MigrationProvider } from 'kysely';
import * as initialSchema from './0001-initial-schema.js';
import * as users from './0002-users.js';
import * as idempotencyKeys from './0003-idempotency-keys.js';
import * as bookingModel from './0004-booking-model.js';
import * as webhooks from './0005-webhooks.js';
import * as idempotencyClaimToken from './0006-idempotency-claim-token.js';
import * as dropLatestOfUserIndex from './0007-drop-latest-of-user-index.js';
import * as partialBookingIndexes from './0008-partial-booking-indexes.js';

/** Every migration, by name, in the order they run; add new ones at the end, never edit old ones. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-initial-schema': initialSchema,
  '0002-users': users,
  '0003-idempotency-keys': idempotencyKeys,
  '0004-booking-model': bookingModel,
  '0005-webhooks': webhooks,
  '0006-idempotency-claim-token': idempotencyClaimToken,
  '0007-drop-latest-of-user-index': dropLatestOfUserIndex,
  '0008-partial-booking-indexes': partialBookingIndexes,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
