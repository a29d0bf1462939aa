import type { IdempotencyStore, KeyRecord, KeyRef, StoredAnswer } from '../services/idempotency.js';
import type { Database } from './db.js';

/** Idempotency keys in the booking database, so an answer commits with the change it answers. */
export class SqlIdempotencyStore implements IdempotencyStore {
  constructor(private readonly database: Database) {}

  insertPending(
    ref: KeyRef & { token: string },
    requestHash: string,
    now: string,
    leaseUntil: string,
    expiresAt: string,
  ): Promise<boolean> {
    return this.database.read(
      async ({ keys }) => {
        await keys.insertPending(ref, requestHash, now, leaseUntil, expiresAt);
        return true;
      },
      () => false,
    );
  }

  find(ref: KeyRef): Promise<KeyRecord | null> {
    return this.database.read(({ keys }) => keys.find(ref));
  }

  takeOver(
    ref: KeyRef & { token: string },
    seen: KeyRecord,
    requestHash: string,
    now: string,
    leaseUntil: string,
    expiresAt: string,
  ): Promise<boolean> {
    return this.database.read(({ keys }) => keys.takeOver(ref, seen, requestHash, now, leaseUntil, expiresAt));
  }

  complete(ref: KeyRef, answer: StoredAnswer): Promise<boolean> {
    return this.database.read(({ keys }) => keys.complete(ref, answer));
  }

  renew(ref: KeyRef, leaseUntil: string): Promise<boolean> {
    return this.database.read(({ keys }) => keys.renew(ref, leaseUntil));
  }

  release(ref: KeyRef): Promise<void> {
    return this.database.read(({ keys }) => keys.release(ref));
  }

  purgeExpired(now: string): Promise<number> {
    return this.database.read(({ keys }) => keys.purgeExpired(now));
  }
}
