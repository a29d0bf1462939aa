import type { IdempotencyStore, KeyRecord, KeyRef, StoredAnswer } from '../services/idempotency.js';
import type { Database, Repositories } from './db.js';
import type { PendingClaim } from './idempotency-repository.js';

function compareKeys(a: KeyRef, b: KeyRef): number {
  if (a.scope !== b.scope) return a.scope < b.scope ? -1 : 1;
  if (a.key === b.key) return 0;
  return a.key < b.key ? -1 : 1;
}

interface WaitingClaim {
  claim: PendingClaim;
  resolve: (inserted: boolean) => void;
  reject: (error: unknown) => void;
}

/** Idempotency keys in the booking database, so an answer commits with the change it answers. */
export class SqlIdempotencyStore implements IdempotencyStore {
  /** The claims of this turn of the event loop, inserted together (see insertPending). */
  private waiting: WaitingClaim[] = [];

  constructor(private readonly database: Database) {}

  /**
   * The claims that arrive in one turn of the event loop go into one statement (MySQL: one transaction),
   * each still won or lost on its own; a claim alone is a statement committed on its own. A commit per claim
   * made a keyed booking, as the page sends them, cost two to four times one without a key (measured with
   * the answers stored in one statement too, see completeAll: docs/benchmarks.md). They are inserted in key
   * order, so two processes' batches never wait on each other's keys in opposite orders.
   */
  insertPending(...claim: Parameters<IdempotencyStore['insertPending']>): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => void this.insertWaiting());
      this.waiting.push({ claim, resolve, reject });
    });
  }

  private async insertWaiting(): Promise<void> {
    const batch = this.waiting.sort((a, b) => compareKeys(a.claim[0], b.claim[0]));
    this.waiting = [];
    try {
      const insertAll = ({ keys }: Repositories) => keys.insertPending(batch.map(({ claim }) => claim));
      // One claim alone is one statement, committed on its own.
      const inserted = await (batch.length === 1 ? this.database.read(insertAll) : this.database.transaction(insertAll));
      batch.forEach(({ resolve }, index) => resolve(inserted[index] === true));
    } catch (error) {
      for (const { reject } of batch) reject(error);
    }
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
