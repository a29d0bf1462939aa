import type { AuditEntry } from '../domain/audit.js';
import type { Booking } from '../domain/booking.js';
import type { ConsistencySource, StoredEventSnapshot } from '../services/consistency-check.js';
import type { Database, Repositories } from './db.js';

const PAGE_SIZE = 1000;

/**
 * Reads events, bookings and audit logs for the consistency check, page by page, each event inside
 * one read-only snapshot so that writes committed meanwhile cannot show up as discrepancies.
 */
export class ConsistencyReader implements ConsistencySource {
  constructor(
    private readonly database: Database,
    private readonly pageSize = PAGE_SIZE,
  ) {}

  async *eventIds(): AsyncIterable<string> {
    let after: string | null = null;
    for (;;) {
      const ids = await this.database.read(({ events }) => events.ids(after, this.pageSize));
      yield* ids;
      if (ids.length < this.pageSize) return;
      after = ids.at(-1) ?? null;
    }
  }

  readEvent<T>(eventId: string, check: (snapshot: StoredEventSnapshot) => Promise<T>): Promise<T | null> {
    return this.database.snapshot(async (repositories) => {
      const event = await repositories.events.find(eventId);
      if (!event) return null;
      return check({
        event,
        bookings: () => this.bookingPages(repositories, eventId),
        auditLog: () => this.auditPages(repositories, eventId),
      });
    });
  }

  private async *bookingPages({ bookings }: Repositories, eventId: string): AsyncIterable<Booking> {
    let afterQueueNo: number | null = null;
    for (;;) {
      const page = await bookings.list(eventId, { status: null, afterQueueNo, limit: this.pageSize });
      yield* page;
      if (page.length < this.pageSize) return;
      afterQueueNo = page.at(-1)?.queueNo ?? null;
    }
  }

  private async *auditPages({ audit }: Repositories, eventId: string): AsyncIterable<AuditEntry> {
    let afterSeq = 0;
    for (;;) {
      const page = await audit.list(eventId, afterSeq, this.pageSize);
      yield* page;
      if (page.length < this.pageSize) return;
      afterSeq = page.at(-1)?.seq ?? afterSeq;
    }
  }
}
