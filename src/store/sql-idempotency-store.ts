import type { IdempotencyStore, KeyRecord, KeyRef, StoredAnswer } from '../services/idempotency.js';
import type { OpenedDatabase } from './dialect.js';
import { IdempotencyRepository } from './idempotency-repository.js';
import { storeError } from './store-error.js';

/** Idempotency keys in the booking database, so an answer commits with the change it answers. */
export class SqlIdempotencyStore implements IdempotencyStore {
  private readonly keys: IdempotencyRepository;

  constructor(private readonly database: OpenedDatabase) {
    this.keys = new IdempotencyRepository(database.db);
  }

  async insertPending(
    ref: KeyRef & { token: string },
    requestHash: string,
    now: string,
    leaseUntil: string,
    expiresAt: string,
  ): Promise<boolean> {
    try {
      await this.keys.insertPending(ref, requestHash, now, leaseUntil, expiresAt);
      return true;
    } catch (error) {
      if (this.database.dialect.isUniqueViolation(error)) return false;
      throw storeError(this.database.dialect, error);
    }
  }

  find(ref: KeyRef): Promise<KeyRecord | null> {
    return this.guard(() => this.keys.find(ref));
  }

  takeOver(
    ref: KeyRef & { token: string },
    seen: KeyRecord,
    requestHash: string,
    now: string,
    leaseUntil: string,
    expiresAt: string,
  ): Promise<boolean> {
    return this.guard(() => this.keys.takeOver(ref, seen, requestHash, now, leaseUntil, expiresAt));
  }

  complete(ref: KeyRef, answer: StoredAnswer): Promise<boolean> {
    return this.guard(() => this.keys.complete(ref, answer));
  }

  renew(ref: KeyRef, leaseUntil: string): Promise<boolean> {
    return this.guard(() => this.keys.renew(ref, leaseUntil));
  }

  release(ref: KeyRef): Promise<void> {
    return this.guard(() => this.keys.release(ref));
  }

  purgeExpired(now: string): Promise<number> {
    return this.guard(() => this.keys.purgeExpired(now));
  }

  private async guard<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      throw storeError(this.database.dialect, error);
    }
  }
}
