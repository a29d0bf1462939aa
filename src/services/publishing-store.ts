import type { AuditEntry } from '../domain/audit.js';
import type { EventChanges } from '../domain/decide.js';
import type { EventRecord } from '../domain/event.js';
import type { OpenedEvent } from '../domain/open-event.js';
import type { ChangeFeed } from './change-feed.js';
import type {
  BookingFilter,
  BoxofficeStore,
  EventCursor,
  EventTransaction,
  PlacedBooking,
  UserBooking,
  UserBookingCursor,
} from './ports.js';

/** What a committed transaction wrote, for those who watch it (metrics). */
export interface CommitObserver {
  committed(applied: readonly EventChanges[], created: readonly OpenedEvent[]): void;
}

/**
 * The store, plus news of every commit: the events a transaction changed go to the change feed
 * only after it committed, so nobody hears of a change that was rolled back.
 */
export class PublishingStore implements BoxofficeStore {
  constructor(
    private readonly store: BoxofficeStore,
    private readonly feed: ChangeFeed,
    private readonly observers: readonly CommitObserver[] = [],
  ) {}

  get concurrentTransactions(): number {
    return this.store.concurrentTransactions;
  }

  async transaction<T>(work: (tx: EventTransaction) => Promise<T>): Promise<T> {
    let applied: EventChanges[] = [];
    let created: OpenedEvent[] = [];
    const result = await this.store.transaction((tx) => {
      // A retried transaction starts over: only the attempt that commits counts.
      applied = [];
      created = [];
      return work({
        lockEvent: (eventId) => tx.lockEvent(eventId),
        lockEvents: (eventIds) => tx.lockEvents(eventIds),
        loadEventStates: (wanted) => tx.loadEventStates(wanted),
        waitlistHead: (eventId, depth) => tx.waitlistHead(eventId, depth),
        storeAnswer: (ref, answer) => tx.storeAnswer(ref, answer),
        createEvent: async (opened) => {
          await tx.createEvent(opened);
          created.push(opened);
        },
        applyChanges: async (changes) => {
          await tx.applyChanges(changes);
          applied.push(...changes);
        },
      });
    });
    for (const observer of this.observers) observer.committed(applied, created);
    const changed = new Set([
      ...applied.flatMap((changes) => (changes.event ? [changes.event.id] : [])),
      ...created.map((opened) => opened.event.id),
    ]);
    for (const eventId of changed) this.feed.publish(eventId);
    return result;
  }

  findEvent(id: string): Promise<EventRecord | null> {
    return this.store.findEvent(id);
  }

  listEvents(after: EventCursor | null, limit: number): Promise<EventRecord[]> {
    return this.store.listEvents(after, limit);
  }

  latestBooking(eventId: string, userId: string): Promise<PlacedBooking | null> {
    return this.store.latestBooking(eventId, userId);
  }

  eventsWithLapsed(now: string, limit: number): Promise<string[]> {
    return this.store.eventsWithLapsed(now, limit);
  }

  listBookings(eventId: string, filter: BookingFilter): Promise<PlacedBooking[]> {
    return this.store.listBookings(eventId, filter);
  }

  listAudit(eventId: string, afterSeq: number, limit: number): Promise<AuditEntry[]> {
    return this.store.listAudit(eventId, afterSeq, limit);
  }

  listUserBookings(userId: string, after: UserBookingCursor | null, limit: number): Promise<UserBooking[]> {
    return this.store.listUserBookings(userId, after, limit);
  }

  ping(): Promise<void> {
    return this.store.ping();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
