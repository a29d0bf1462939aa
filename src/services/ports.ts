import type { AuditEntry } from '../domain/audit.js';
import type { Booking, BookingStatus } from '../domain/booking.js';
import type { EventChanges, EventState } from '../domain/decide.js';
import type { EventRecord } from '../domain/event.js';
import type { OpenedEvent } from '../domain/open-event.js';
import type { KeptAnswer } from './idempotency.js';

/** Which rows a batch of commands against one event must see. */
export interface EventStateNeeds {
  userIds: readonly string[];
  ticketCodes: readonly string[];
  /** Users whose waitlisted booking an answer may show with its place: positions are counted for these only. */
  placedUserIds: readonly string[];
  /** The batch's instant: pending bookings due at or before it are loaded to lapse. */
  now: string;
  /** How many waitlisted bookings to load from the head, once the locked event and what lapses are known. */
  waitlistDepth(event: EventRecord, lapsed: number): number;
}

/** The writes a service may make inside one database transaction. */
export interface EventTransaction {
  /** Stores a new event and its audit entry; EVENT_EXISTS when the id is taken. */
  createEvent(opened: OpenedEvent): Promise<void>;
  /** Locks the event against concurrent writers; null if absent. */
  lockEvent(eventId: string): Promise<EventRecord | null>;
  /**
   * Locks these events against concurrent writers, always in the database's order of their ids, so
   * transactions locking overlapping sets never deadlock; the events that exist, in that order.
   */
  lockEvents(eventIds: readonly string[]): Promise<EventRecord[]>;
  /** Loads what each batch's commands need of its event, locked before; one state per entry, in order. */
  loadEventStates(wanted: readonly { event: EventRecord; needs: EventStateNeeds }[]): Promise<EventState[]>;
  /** The first `depth` waitlisted bookings, FIFO, for promotions that reach deeper than first loaded. */
  waitlistHead(eventId: string, depth: number): Promise<Booking[]>;
  /** Writes the changes of one or more events (one entry per event). */
  applyChanges(changes: readonly EventChanges[]): Promise<void>;
  /** Completes Idempotency-Key claims with their answers, in this transaction; UNAVAILABLE when one was lost. */
  keepAnswers(kept: readonly KeptAnswer[]): Promise<void>;
}

export interface EventCursor {
  createdAt: string;
  id: string;
}

export interface PlacedBooking {
  booking: Booking;
  /** 1-based waiting-list place while waitlisted, else null. */
  position: number | null;
}

/** What a user's ticket list shows of the event a booking is for. */
export interface BookedEvent {
  id: string;
  name: string;
  startsAt: string | null;
  timeZone: string;
}

export interface UserBooking extends PlacedBooking {
  event: BookedEvent;
}

/** Newest first: the page after the booking created at `createdAt` with this id. */
export interface UserBookingCursor {
  createdAt: string;
  id: string;
}

export interface BookingFilter {
  status: BookingStatus | null;
  afterQueueNo: number | null;
  limit: number;
}

export interface BoxofficeStore {
  /**
   * How many event transactions this process gains from running at once: 1 where there is one writer
   * (SQLite), more where a pool of connections writes in parallel.
   */
  readonly concurrentTransactions: number;
  /** One transaction, retried whole on transient conflicts; UNAVAILABLE when the database is out of reach. */
  transaction<T>(work: (tx: EventTransaction) => Promise<T>): Promise<T>;
  findEvent(id: string): Promise<EventRecord | null>;
  listEvents(after: EventCursor | null, limit: number): Promise<EventRecord[]>;
  latestBooking(eventId: string, userId: string): Promise<PlacedBooking | null>;
  /** Events with a pending booking due at or before `now`, soonest first. */
  eventsWithLapsed(now: string, limit: number): Promise<string[]>;
  listBookings(eventId: string, filter: BookingFilter): Promise<PlacedBooking[]>;
  listAudit(eventId: string, afterSeq: number, limit: number): Promise<AuditEntry[]>;
  /** A user's bookings across events, newest first, with their waiting-list places. */
  listUserBookings(userId: string, after: UserBookingCursor | null, limit: number): Promise<UserBooking[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
