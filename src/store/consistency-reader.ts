import type { AuditEntry } from '../domain/audit.js';
import type { Booking } from '../domain/booking.js';
import { DomainError } from '../domain/errors.js';
import type { ConsistencySource, StoredEventSnapshot } from '../services/consistency-check.js';
import { AuditRepository } from './audit-repository.js';
import { BookingsRepository } from './bookings-repository.js';
import type { Db, Dialect, OpenedDatabase } from './dialect.js';
import { EventsRepository } from './events-repository.js';

const PAGE_SIZE = 1000;

/**
 * Reads events, bookings and audit logs for the consistency check, page by page, each event inside
 * one read-only snapshot so that writes committed meanwhile cannot show up as discrepancies.
 */
export class ConsistencyReader implements ConsistencySource {
  private readonly db: Db;
  private readonly dialect: Dialect;

  constructor(
    { db, dialect }: OpenedDatabase,
    private readonly pageSize = PAGE_SIZE,
  ) {
    this.db = db;
    this.dialect = dialect;
  }

  async *eventIds(): AsyncIterable<string> {
    const events = new EventsRepository(this.db, this.dialect);
    let after: string | null = null;
    for (;;) {
      const ids = await this.read(() => events.ids(after, this.pageSize));
      yield* ids;
      if (ids.length < this.pageSize) return;
      after = ids.at(-1) ?? null;
    }
  }

  async readEvent<T>(eventId: string, check: (snapshot: StoredEventSnapshot) => Promise<T>): Promise<T | null> {
    // SQLite ignores the settings: its deferred BEGIN already reads one WAL snapshot.
    return this.read(() =>
      this.db
        .transaction()
        .setIsolationLevel('repeatable read')
        .setAccessMode('read only')
        .execute(async (trx) => {
          const event = await new EventsRepository(trx, this.dialect).find(eventId);
          if (!event) return null;
          return check({
            event,
            bookings: () => this.bookingPages(trx, eventId),
            auditLog: () => this.auditPages(trx, eventId),
          });
        }),
    );
  }

  private async *bookingPages(trx: Db, eventId: string): AsyncIterable<Booking> {
    const bookings = new BookingsRepository(trx);
    let afterQueueNo: number | null = null;
    for (;;) {
      const page = await bookings.list(eventId, { status: null, afterQueueNo, limit: this.pageSize });
      yield* page;
      if (page.length < this.pageSize) return;
      afterQueueNo = page.at(-1)?.queueNo ?? null;
    }
  }

  private async *auditPages(trx: Db, eventId: string): AsyncIterable<AuditEntry> {
    const audit = new AuditRepository(trx);
    let afterSeq = 0;
    for (;;) {
      const page = await audit.list(eventId, afterSeq, this.pageSize);
      yield* page;
      if (page.length < this.pageSize) return;
      afterSeq = page.at(-1)?.seq ?? afterSeq;
    }
  }

  private async read<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      if (error instanceof DomainError || !(this.dialect.isUnavailable(error) || this.dialect.isTransient(error))) throw error;
      throw new DomainError('UNAVAILABLE', 'The database cannot be reached right now; try again shortly.', {}, { cause: error });
    }
  }
}
