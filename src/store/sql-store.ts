import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditEntry } from '../domain/audit.js';
import type { Booking } from '../domain/booking.js';
import type { EventChanges, EventState } from '../domain/decide.js';
import { DomainError } from '../domain/errors.js';
import type { EventRecord } from '../domain/event.js';
import type { OpenedEvent } from '../domain/open-event.js';
import type { KeyRef, StoredAnswer } from '../services/idempotency.js';
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
import { AuditRepository } from './audit-repository.js';
import { BookingsRepository } from './bookings-repository.js';
import type { Db, Dialect, OpenedDatabase } from './dialect.js';
import { EventsRepository } from './events-repository.js';
import { IdempotencyRepository } from './idempotency-repository.js';
import { storeError } from './store-error.js';

const MAX_ATTEMPTS = 5;
// An expiry storm lapses in chunks, so bookings of the event get the lock between them.
const LAPSED_PER_TRANSACTION = 1_000;

class SqlEventTransaction implements EventTransaction {
  private readonly events: EventsRepository;
  private readonly bookings: BookingsRepository;
  private readonly audit: AuditRepository;
  private readonly keys: IdempotencyRepository;

  constructor(
    trx: Db,
    private readonly dialect: Dialect,
  ) {
    this.keys = new IdempotencyRepository(trx);
    this.events = new EventsRepository(trx, dialect);
    this.bookings = new BookingsRepository(trx, dialect);
    this.audit = new AuditRepository(trx);
  }

  async createEvent({ event, audit }: OpenedEvent): Promise<void> {
    try {
      await this.events.insert(event);
    } catch (error) {
      if (this.dialect.isUniqueViolation(error)) {
        throw new DomainError('EVENT_EXISTS', `An event with id "${event.id}" already exists.`);
      }
      throw error;
    }
    await this.audit.append([audit]);
  }

  lockEvent(eventId: string): Promise<EventRecord | null> {
    return this.events.lock(eventId);
  }

  lockEvents(eventIds: readonly string[]): Promise<EventRecord[]> {
    return this.events.lockMany(eventIds);
  }

  async loadEventStates(wanted: readonly { event: EventRecord; needs: EventStateNeeds }[]): Promise<EventState[]> {
    // The users of every event in one statement: a batch over a hundred events still reads them at once.
    const latest = await this.bookings.latestForUsers(wanted.map(({ event, needs }) => ({ eventId: event.id, userIds: needs.userIds })));
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
    const [ticketHolders, lapsed] = await Promise.all([
      this.bookings.withTicketCodes(needs.ticketCodes),
      event.heldCount > 0 ? this.bookings.lapsed(event.id, needs.now, LAPSED_PER_TRANSACTION) : [],
    ]);
    const waitlistHead = await this.bookings.waitlistHead(event.id, needs.waitlistDepth(event, lapsed.length));
    const headIds = new Set(waitlistHead.map((booking) => booking.id));
    const positions = await this.bookings.positionsOf(
      event.id,
      latestBookings.filter((booking) => booking.status === 'waitlisted' && !headIds.has(booking.id)),
    );
    return { event, latestBookings, ticketHolders, positions, waitlistHead, lapsed };
  }

  waitlistHead(eventId: string, depth: number): Promise<Booking[]> {
    return this.bookings.waitlistHead(eventId, depth);
  }

  async storeAnswer(ref: KeyRef, answer: StoredAnswer): Promise<void> {
    // The claim ran out and another request took the key over: this change must not commit beside its run.
    if (!(await this.keys.complete(ref, answer))) {
      throw new DomainError('UNAVAILABLE', 'An Idempotency-Key claim was lost while its request ran; nothing was changed, retry.');
    }
  }

  async applyChanges(changes: readonly EventChanges[]): Promise<void> {
    // Cancellations free (event, user) before a re-booking by the same user takes it.
    await this.bookings.updateMany(changes.flatMap((change) => change.updated));
    await this.bookings.insertMany(changes.flatMap((change) => change.created));
    await this.events.saveMany(changes.flatMap((change) => (change.event ? [change.event] : [])));
    await this.audit.append(changes.flatMap((change) => change.audit));
  }
}

/** BoxofficeStore over Kysely, the same for every engine; the Dialect holds what differs. */
export class SqlStore implements BoxofficeStore {
  readonly db: Db;
  readonly dialect: Dialect;
  // One writer on SQLite; a pool writes a few events' batches at once without taking every connection.
  readonly concurrentTransactions: number;
  private readonly events: EventsRepository;
  private readonly bookings: BookingsRepository;
  private readonly audit: AuditRepository;

  constructor({ db, dialect }: OpenedDatabase) {
    this.db = db;
    this.dialect = dialect;
    this.concurrentTransactions = dialect.oneConnection ? 1 : 2;
    this.events = new EventsRepository(db, dialect);
    this.bookings = new BookingsRepository(db);
    this.audit = new AuditRepository(db);
  }

  async transaction<T>(work: (tx: EventTransaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dialect.transaction(this.db, (trx) => work(new SqlEventTransaction(trx, this.dialect)));
      } catch (error) {
        if (attempt < MAX_ATTEMPTS && this.dialect.isTransient(error)) {
          await sleep(Math.random() * 5 * 2 ** attempt);
          continue;
        }
        throw this.translate(error);
      }
    }
  }

  findEvent(id: string): Promise<EventRecord | null> {
    return this.read(() => this.events.find(id));
  }

  listEvents(after: EventCursor | null, limit: number): Promise<EventRecord[]> {
    return this.read(() => this.events.list(after, limit));
  }

  latestBooking(eventId: string, userId: string): Promise<PlacedBooking | null> {
    return this.read(async () => {
      const booking = await this.bookings.latestForUser(eventId, userId);
      if (!booking) return null;
      const position = booking.status === 'waitlisted' ? await this.bookings.positionOf(eventId, booking.queueNo) : null;
      return { booking, position };
    });
  }

  eventsWithLapsed(now: string, limit: number): Promise<string[]> {
    return this.read(() => this.bookings.eventsWithLapsed(now, limit));
  }

  listBookings(eventId: string, filter: BookingFilter): Promise<PlacedBooking[]> {
    return this.read(async () => {
      const page = await this.bookings.list(eventId, filter);
      const firstWaitlisted = page.find((booking) => booking.status === 'waitlisted');
      // Pages run in FIFO order, so places count up from the first waitlisted booking on the page.
      let position = firstWaitlisted ? await this.bookings.positionOf(eventId, firstWaitlisted.queueNo) : 0;
      return page.map((booking) => ({ booking, position: booking.status === 'waitlisted' ? position++ : null }));
    });
  }

  listAudit(eventId: string, afterSeq: number, limit: number): Promise<AuditEntry[]> {
    return this.read(() => this.audit.list(eventId, afterSeq, limit));
  }

  listUserBookings(userId: string, after: UserBookingCursor | null, limit: number): Promise<UserBooking[]> {
    return this.read(async () => {
      const rows = await this.bookings.listForUser(userId, after, limit);
      // A user waits on few lists at once: one indexed count each.
      return Promise.all(
        rows.map(async ({ booking, event }) => ({
          booking,
          event,
          position: booking.status === 'waitlisted' ? await this.bookings.positionOf(booking.eventId, booking.queueNo) : null,
        })),
      );
    });
  }

  async ping(): Promise<void> {
    // A table, not `select 1`: a MySQL connection whose database was dropped still answers `select 1`.
    await this.read(() => this.db.selectFrom('events').select('id').limit(1).execute());
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  private async read<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      throw this.translate(error);
    }
  }

  private translate(error: unknown): unknown {
    return storeError(this.dialect, error);
  }
}
