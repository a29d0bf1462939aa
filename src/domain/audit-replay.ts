import type { AuditEntry } from './audit.js';
import type { BookingStatus } from './booking.js';
import type { EventRecord } from './event.js';

/** The invariants of SPEC §1 a check can see broken in stored rows; I5 needs a crash to test, not a log. */
export const CHECKED_INVARIANTS = ['I1', 'I2', 'I3', 'I4', 'I6'] as const;
export type Invariant = (typeof CHECKED_INVARIANTS)[number];

export interface Discrepancy {
  eventId: string;
  bookingId: string | null;
  invariant: Invariant;
  message: string;
}

/** The event as its audit log says it must be. */
export interface ReplayedEvent
  extends Pick<EventRecord, 'name' | 'venue' | 'startsAt' | 'totalTickets' | 'salesOpen' | 'bookedCount' | 'waitlistCount'> {
  /** Bookings the event accepted, which is its stored lastQueueNo. */
  acceptedCount: number;
}

/** A booking as the audit log says it must be. */
export interface ReplayedBooking {
  id: string;
  userId: string;
  status: BookingStatus;
  /** 1-based place in the order the event accepted its bookings; FIFO order of the waiting list. */
  acceptedAs: number;
}

export interface AuditReplayResult {
  /** Null when the log holds no usable event.created: nothing can be compared with the stored event. */
  event: ReplayedEvent | null;
  bookings: ReadonlyMap<string, ReplayedBooking>;
  /** What was wrong in the log itself, in log order. */
  discrepancies: Discrepancy[];
}

type EventFields = Pick<ReplayedEvent, 'name' | 'venue' | 'startsAt' | 'totalTickets' | 'salesOpen'>;

const FIELD_CHECKS: { [K in keyof EventFields]: (value: unknown) => value is EventFields[K] } = {
  name: (value): value is string => typeof value === 'string',
  venue: (value): value is string | null => value === null || typeof value === 'string',
  startsAt: (value): value is string | null => value === null || typeof value === 'string',
  totalTickets: (value): value is number => Number.isSafeInteger(value) && (value as number) >= 1,
  salesOpen: (value): value is boolean => typeof value === 'boolean',
};

function isEventField(key: string): key is keyof EventFields {
  return Object.hasOwn(FIELD_CHECKS, key);
}

/**
 * Rebuilds one event and its bookings from its audit log alone, oldest entry first, and reports
 * every entry the rules could not have written. Feed it entries one by one; it keeps no entry.
 */
export class AuditReplay {
  private event: ReplayedEvent | null = null;
  private readonly bookings = new Map<string, ReplayedBooking>();
  private readonly activeByUser = new Map<string, string>();
  /** Ids of bookings that went onto the waiting list, in acceptance order; some have left it since. */
  private readonly waitlist: string[] = [];
  private waitlistStart = 0;
  /** A cancellation or a raise must be followed at once by its promotions; report a gap only once. */
  private unservedWaitlistReported = false;
  private lastSeq = 0;
  private readonly discrepancies: Discrepancy[] = [];

  constructor(readonly eventId: string) {}

  apply(entry: AuditEntry): void {
    if (entry.seq <= this.lastSeq) {
      this.report('I6', entry.bookingId, `entry ${entry.seq} comes after entry ${this.lastSeq}: the log is out of order`);
    }
    this.lastSeq = Math.max(this.lastSeq, entry.seq);
    if (entry.eventId !== this.eventId) {
      this.report('I6', entry.bookingId, `entry ${entry.seq} belongs to event ${entry.eventId}`);
      return;
    }
    if (entry.action !== 'booking.promoted') this.checkWaitlistServed(`before entry ${entry.seq}`);
    if (entry.action === 'event.created') {
      this.created(entry);
      return;
    }
    if (!this.event) {
      this.report('I6', entry.bookingId, `entry ${entry.seq} (${entry.action}) comes before event.created`);
      return;
    }
    switch (entry.action) {
      case 'event.updated':
        this.updated(this.event, entry);
        return;
      case 'booking.confirmed':
      case 'booking.waitlisted':
        this.accepted(this.event, entry);
        return;
      case 'booking.promoted':
        this.promoted(this.event, entry);
        return;
      case 'booking.cancelled':
        this.cancelled(this.event, entry);
        return;
      default:
        this.report('I6', entry.bookingId, `entry ${entry.seq} has an unknown action "${String(entry.action)}"`);
    }
  }

  finish(): AuditReplayResult {
    this.checkWaitlistServed('at the end of the log');
    if (!this.event) this.report('I6', null, 'the audit log holds no event.created entry');
    return {
      event: this.event ? { ...this.event } : null,
      bookings: this.bookings,
      discrepancies: this.discrepancies,
    };
  }

  private created(entry: AuditEntry): void {
    if (this.event) {
      this.report('I6', null, `entry ${entry.seq} creates the event a second time`);
      return;
    }
    const fields = this.eventFields(entry);
    const missing = (Object.keys(FIELD_CHECKS) as (keyof EventFields)[]).filter((key) => fields[key] === undefined);
    if (missing.length > 0) {
      this.report('I6', null, `event.created entry ${entry.seq} lacks valid ${missing.join(', ')}`);
      return;
    }
    this.event = { ...(fields as EventFields), bookedCount: 0, waitlistCount: 0, acceptedCount: 0 };
  }

  private updated(event: ReplayedEvent, entry: AuditEntry): void {
    const fields = this.eventFields(entry);
    if (Object.keys(fields).length === 0) this.report('I6', null, `event.updated entry ${entry.seq} changes nothing`);
    // The rules record only fields that change, so a repeated value means an entry in between is missing.
    for (const [key, value] of Object.entries(fields)) {
      if (event[key as keyof EventFields] === value) {
        this.report('I6', null, `event.updated entry ${entry.seq} sets ${key} to the ${JSON.stringify(value)} it already has`);
      }
    }
    if (fields.totalTickets !== undefined && fields.totalTickets < event.bookedCount) {
      this.report(
        'I1',
        null,
        `entry ${entry.seq} lowers totalTickets to ${fields.totalTickets} below the ${event.bookedCount} booked`,
      );
    }
    Object.assign(event, fields);
  }

  private accepted(event: ReplayedEvent, entry: AuditEntry): void {
    const { bookingId, userId } = entry;
    if (bookingId === null || userId === null) {
      this.report('I6', bookingId, `${entry.action} entry ${entry.seq} names no booking or no user`);
      return;
    }
    if (this.bookings.has(bookingId)) {
      this.report('I6', bookingId, `entry ${entry.seq} accepts booking ${bookingId} a second time`);
      return;
    }
    const held = this.activeByUser.get(userId);
    if (held !== undefined) {
      this.report('I3', bookingId, `entry ${entry.seq} books user ${userId}, who still holds active booking ${held}`);
    }
    const confirmed = entry.action === 'booking.confirmed';
    if (confirmed && event.bookedCount >= event.totalTickets) {
      this.report('I1', bookingId, `entry ${entry.seq} confirms a booking with all ${event.totalTickets} tickets booked`);
    }
    // Inside an unserved stretch already reported, each further waitlisting is the same fault.
    if (!confirmed && event.bookedCount < event.totalTickets && !this.unservedWaitlistReported) {
      this.report(
        'I2',
        bookingId,
        `entry ${entry.seq} waitlists a booking while ${event.totalTickets - event.bookedCount} tickets are free`,
      );
      this.unservedWaitlistReported = true;
    }
    event.acceptedCount += 1;
    this.bookings.set(bookingId, {
      id: bookingId,
      userId,
      status: confirmed ? 'confirmed' : 'waitlisted',
      acceptedAs: event.acceptedCount,
    });
    this.activeByUser.set(userId, bookingId);
    if (confirmed) {
      event.bookedCount += 1;
    } else {
      event.waitlistCount += 1;
      this.waitlist.push(bookingId);
    }
  }

  private promoted(event: ReplayedEvent, entry: AuditEntry): void {
    const booking = this.bookingOf(entry);
    if (!booking) return;
    if (booking.status !== 'waitlisted') {
      this.report('I6', booking.id, `entry ${entry.seq} promotes booking ${booking.id}, which is ${booking.status}`);
      return;
    }
    const head = this.waitlistHead();
    if (head && head.id !== booking.id) {
      this.report(
        'I4',
        booking.id,
        `entry ${entry.seq} promotes booking ${booking.id} (accepted #${booking.acceptedAs}) ahead of ` +
          `booking ${head.id} (accepted #${head.acceptedAs}), which waited longer`,
      );
    }
    if (event.bookedCount >= event.totalTickets) {
      this.report('I1', booking.id, `entry ${entry.seq} promotes a booking with all ${event.totalTickets} tickets booked`);
    }
    booking.status = 'confirmed';
    event.waitlistCount -= 1;
    event.bookedCount += 1;
  }

  private cancelled(event: ReplayedEvent, entry: AuditEntry): void {
    const booking = this.bookingOf(entry);
    if (!booking) return;
    if (booking.status === 'cancelled') {
      this.report('I6', booking.id, `entry ${entry.seq} cancels booking ${booking.id}, which is cancelled already`);
      return;
    }
    if (booking.status === 'confirmed') event.bookedCount -= 1;
    else event.waitlistCount -= 1;
    booking.status = 'cancelled';
    if (this.activeByUser.get(booking.userId) === booking.id) this.activeByUser.delete(booking.userId);
  }

  /** The booking a promoted/cancelled entry names, if the log accepted it before and the user matches. */
  private bookingOf(entry: AuditEntry): ReplayedBooking | null {
    const booking = entry.bookingId === null ? undefined : this.bookings.get(entry.bookingId);
    if (!booking) {
      const which = entry.bookingId === null ? 'no booking' : `booking ${entry.bookingId}, which the log never accepted`;
      this.report('I6', entry.bookingId, `${entry.action} entry ${entry.seq} names ${which}`);
      return null;
    }
    if (entry.userId !== booking.userId) {
      this.report('I6', booking.id, `entry ${entry.seq} names user ${String(entry.userId)} for booking of ${booking.userId}`);
    }
    return booking;
  }

  private waitlistHead(): ReplayedBooking | undefined {
    while (this.waitlistStart < this.waitlist.length) {
      const booking = this.bookings.get(this.waitlist[this.waitlistStart] as string);
      if (booking?.status === 'waitlisted') return booking;
      this.waitlistStart += 1;
    }
    return undefined;
  }

  private checkWaitlistServed(when: string): void {
    const event = this.event;
    if (!event) return;
    const unserved = event.waitlistCount > 0 && event.bookedCount < event.totalTickets;
    if (unserved && !this.unservedWaitlistReported) {
      this.report(
        'I2',
        this.waitlistHead()?.id ?? null,
        `${when}, ${event.totalTickets - event.bookedCount} tickets are free while ${event.waitlistCount} bookings wait`,
      );
    }
    this.unservedWaitlistReported = unserved;
  }

  private eventFields(entry: AuditEntry): Partial<EventFields> {
    const fields: Partial<Record<keyof EventFields, unknown>> = {};
    const data = entry.data;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      this.report('I6', null, `${entry.action} entry ${entry.seq} carries no event fields`);
      return {};
    }
    for (const [key, value] of Object.entries(data)) {
      if (!isEventField(key)) {
        this.report('I6', null, `${entry.action} entry ${entry.seq} sets an unknown field "${key}"`);
      } else if (!FIELD_CHECKS[key](value)) {
        this.report('I6', null, `${entry.action} entry ${entry.seq} sets ${key} to an invalid ${JSON.stringify(value)}`);
      } else {
        fields[key] = value;
      }
    }
    return fields as Partial<EventFields>;
  }

  private report(invariant: Invariant, bookingId: string | null, message: string): void {
    this.discrepancies.push({ eventId: this.eventId, bookingId, invariant, message });
  }
}

/** Replays a whole log at once; entries oldest first. */
export function replayAuditLog(eventId: string, entries: Iterable<AuditEntry>): AuditReplayResult {
  const replay = new AuditReplay(eventId);
  for (const entry of entries) replay.apply(entry);
  return replay.finish();
}
