import type { AuditEntry } from '../domain/audit.js';
import type { Booking } from '../domain/booking.js';
import type { EventChanges, EventState } from '../domain/decide.js';
import { DomainError } from '../domain/errors.js';
import type { EventRecord } from '../domain/event.js';
import type { OpenedEvent } from '../domain/open-event.js';
import type { KeptAnswer } from '../services/idempotency.js';
import type {
  BookingFilter,
  BoxofficeStore,
  EventCursor,
  EventStateNeeds,
  EventTransaction,
  PlacedBooking,
  UserBooking,
  UserBookingCursor,
} from '../services/ports.js';
import { type Database, type Repositories, keepAnswers } from './db.js';

// An expiry storm lapses in chunks, so bookings of the event get the lock between them.
const LAPSED_PER_TRANSACTION = 1_000;

class SqlEventTransaction implements EventTransaction {
  constructor(
    private readonly repositories: Repositories,
    private readonly isUniqueViolation: (error: unknown) => boolean,
  ) {}

  async createEvent({ event, audit }: OpenedEvent): Promise<void> {
    try {
      await this.repositories.events.insert(event);
    } catch (error) {
      if (this.isUniqueViolation(error)) throw new DomainError('EVENT_EXISTS', `An event with id "${event.id}" already exists.`);
      throw error;
    }
    await this.repositories.audit.append([audit]);
  }

  lockEvent(eventId: string): Promise<EventRecord | null> {
    return this.repositories.events.lock(eventId);
  }

  lockEvents(eventIds: readonly string[]): Promise<EventRecord[]> {
    return this.repositories.events.lockMany(eventIds);
  }

  async loadEventStates(wanted: readonly { event: EventRecord; needs: EventStateNeeds }[]): Promise<EventState[]> {
    // The users of every event in one statement: a batch over a hundred events still reads them at once.
    const latest = await this.repositories.bookings.latestForUsers(
      wanted.map(({ event, needs }) => ({ eventId: event.id, userIds: needs.userIds })),
    );
    return Promise.all(
      wanted.map(({ event, needs }) =>
        this.loadEventState(
          event,
          needs,
          latest.filter((booking) => booking.eventId === event.id),
        ),
      ),
    );
  }

  private async loadEventState(event: EventRecord, needs: EventStateNeeds, latestBookings: Booking[]): Promise<EventState> {
    const { bookings } = this.repositories;
    const [ticketHolders, lapsed] = await Promise.all([
      bookings.withTicketCodes(needs.ticketCodes),
      event.heldCount > 0 ? bookings.lapsed(event.id, needs.now, LAPSED_PER_TRANSACTION) : [],
    ]);
    const waitlistHead = await bookings.waitlistHead(event.id, needs.waitlistDepth(event, lapsed.length));
    const headIds = new Set(waitlistHead.map((booking) => booking.id));
    // Each place counts the list up to it: a cancel storm far down a long list paid 5-7 ms a batch
    // for places no answer shows.
    const placed = new Set(needs.placedUserIds);
    const positions = await bookings.positionsOf(
      event.id,
      latestBookings.filter((booking) => booking.status === 'waitlisted' && !headIds.has(booking.id) && placed.has(booking.userId)),
    );
    return { event, latestBookings, ticketHolders, positions, waitlistHead, lapsed };
  }

  waitlistHead(eventId: string, depth: number): Promise<Booking[]> {
    return this.repositories.bookings.waitlistHead(eventId, depth);
  }

  keepAnswers(kept: readonly KeptAnswer[]): Promise<void> {
    return keepAnswers(this.repositories.keys, kept);
  }

  async applyChanges(changes: readonly EventChanges[]): Promise<void> {
    const { bookings, events, audit } = this.repositories;
    // Cancellations free (event, user) before a re-booking by the same user takes it.
    await bookings.updateMany(changes.flatMap((change) => change.updated));
    await bookings.insertMany(changes.flatMap((change) => change.created));
    await events.saveMany(changes.flatMap((change) => (change.event ? [change.event] : [])));
    await audit.append(changes.flatMap((change) => change.audit));
  }
}

/** BoxofficeStore over the one Database, the same for every engine; the Dialect holds what differs. */
export class SqlStore implements BoxofficeStore {
  // One writer on SQLite; a pool writes a few events' batches at once without taking every connection.
  readonly concurrentTransactions: number;

  constructor(private readonly database: Database) {
    this.concurrentTransactions = database.dialect.oneConnection ? 1 : 2;
  }

  transaction<T>(work: (tx: EventTransaction) => Promise<T>): Promise<T> {
    return this.database.transaction((repositories) =>
      work(new SqlEventTransaction(repositories, (error) => this.database.dialect.isUniqueViolation(error))),
    );
  }

  findEvent(id: string): Promise<EventRecord | null> {
    return this.database.read(({ events }) => events.find(id));
  }

  listEvents(after: EventCursor | null, limit: number): Promise<EventRecord[]> {
    return this.database.read(({ events }) => events.list(after, limit));
  }

  latestBooking(eventId: string, userId: string): Promise<PlacedBooking | null> {
    return this.database.read(async ({ bookings }) => {
      const booking = await bookings.latestForUser(eventId, userId);
      if (!booking) return null;
      const position = booking.status === 'waitlisted' ? await bookings.positionOf(eventId, booking.queueNo) : null;
      return { booking, position };
    });
  }

  eventsWithLapsed(now: string, limit: number): Promise<string[]> {
    return this.database.read(({ bookings }) => bookings.eventsWithLapsed(now, limit));
  }

  listBookings(eventId: string, filter: BookingFilter): Promise<PlacedBooking[]> {
    return this.database.read(async ({ bookings }) => {
      const page = await bookings.list(eventId, filter);
      const firstWaitlisted = page.find((booking) => booking.status === 'waitlisted');
      // Pages run in FIFO order, so places count up from the first waitlisted booking on the page.
      let position = firstWaitlisted ? await bookings.positionOf(eventId, firstWaitlisted.queueNo) : 0;
      return page.map((booking) => ({ booking, position: booking.status === 'waitlisted' ? position++ : null }));
    });
  }

  listAudit(eventId: string, afterSeq: number, limit: number): Promise<AuditEntry[]> {
    return this.database.read(({ audit }) => audit.list(eventId, afterSeq, limit));
  }

  listUserBookings(userId: string, after: UserBookingCursor | null, limit: number): Promise<UserBooking[]> {
    return this.database.read(async ({ bookings }) => {
      const rows = await bookings.listForUser(userId, after, limit);
      // A user waits on few lists at once: one indexed count each.
      return Promise.all(
        rows.map(async ({ booking, event }) => ({
          booking,
          event,
          position: booking.status === 'waitlisted' ? await bookings.positionOf(booking.eventId, booking.queueNo) : null,
        })),
      );
    });
  }

  ping(): Promise<void> {
    return this.database.ping();
  }

  close(): Promise<void> {
    return this.database.close();
  }
}
