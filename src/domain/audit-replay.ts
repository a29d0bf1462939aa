import type { AuditAction, AuditEntry } from './audit.js';
import { type BookingStatus, isActive } from './booking.js';
import { EVENT_SETTINGS, type EventRecord, type EventSettings, WAITLIST_MODES, type WaitlistMode } from './event.js';
import {
  HOLD_TTL_DEFAULT_SECONDS,
  HOLD_TTL_MAX_SECONDS,
  MAX_PER_BOOKING_DEFAULT,
  OFFER_TTL_DEFAULT_SECONDS,
  OFFER_TTL_MAX_SECONDS,
  QUANTITY_MAX,
  TOTAL_TICKETS_MAX,
  TOTAL_TICKETS_MIN,
} from './limits.js';

/** The invariants of SPEC §1 a check can see broken in stored rows; I5 needs a crash to test, not a log. */
export const CHECKED_INVARIANTS = ['I1', 'I2', 'I3', 'I4', 'I6', 'I7', 'I8'] as const;
export type Invariant = (typeof CHECKED_INVARIANTS)[number];

export interface Discrepancy {
  eventId: string;
  bookingId: string | null;
  invariant: Invariant;
  message: string;
}

export const REPLAYED_COUNTS = ['bookedCount', 'heldCount', 'waitlistCount', 'waitlistTickets', 'checkedInCount'] as const;
type Counts = Pick<EventRecord, (typeof REPLAYED_COUNTS)[number]>;

/** The event as its audit log says it must be. */
export interface ReplayedEvent extends EventSettings, Counts {
  /** Bookings the event accepted, which is its stored lastQueueNo. */
  acceptedCount: number;
}

/** A booking as the audit log says it must be. */
export interface ReplayedBooking {
  id: string;
  userId: string;
  status: BookingStatus;
  quantity: number;
  /** 1-based place in the order the event accepted its bookings; FIFO order of the waiting list. */
  acceptedAs: number;
  /** While pending: the deadline it was held or offered with. */
  expiresAt: string | null;
  /** It was confirmed at some point, so it has a ticket code for good (I8). */
  everConfirmed: boolean;
  checkedInAt: string | null;
  /**
   * Whether it asked for a hold, where the log tells: a hold starts held, never confirmed outright, and
   * in auto mode leaves the waiting list offered, never promoted. Null while the log has not told.
   */
  hold: boolean | null;
}

export interface AuditReplayResult {
  /** Null when the log holds no usable event.created: nothing can be compared with the stored event. */
  event: ReplayedEvent | null;
  bookings: ReadonlyMap<string, ReplayedBooking>;
  /** What was wrong in the log itself, in log order. */
  discrepancies: Discrepancy[];
}

const isText = (value: unknown) => typeof value === 'string';
const isOptionalText = (value: unknown) => value === null || typeof value === 'string';
const isWhole = (min: number, max: number) => (value: unknown) =>
  Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;

const FIELD_CHECKS: { [K in keyof EventSettings]: (value: unknown) => boolean } = {
  name: isText,
  venue: isOptionalText,
  description: isOptionalText,
  startsAt: isOptionalText,
  timeZone: isText,
  totalTickets: isWhole(TOTAL_TICKETS_MIN, TOTAL_TICKETS_MAX),
  salesOpen: (value) => typeof value === 'boolean',
  maxPerBooking: isWhole(1, QUANTITY_MAX),
  waitlistMode: (value) => WAITLIST_MODES.includes(value as WaitlistMode),
  offerTtlSeconds: isWhole(1, OFFER_TTL_MAX_SECONDS),
  holdTtlSeconds: isWhole(1, HOLD_TTL_MAX_SECONDS),
};

/** What migration 0004 gave events created before it, whose event.created entry lacks these settings. */
const PRE_0004_SETTINGS: Partial<EventSettings> = {
  description: null,
  timeZone: 'UTC',
  maxPerBooking: MAX_PER_BOOKING_DEFAULT,
  waitlistMode: 'auto',
  offerTtlSeconds: OFFER_TTL_DEFAULT_SECONDS,
  holdTtlSeconds: HOLD_TTL_DEFAULT_SECONDS,
};

/** Entries that follow a release in the same transaction, before the waiting list is served again. */
const PART_OF_A_RELEASE: readonly AuditAction[] = ['booking.promoted', 'booking.offered', 'booking.expired'];

function isEventField(key: string): key is keyof EventSettings {
  return Object.hasOwn(FIELD_CHECKS, key);
}

function available(event: ReplayedEvent): number {
  return event.totalTickets - event.bookedCount - event.heldCount;
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
  /** A release must be followed at once by its promotions; report a gap only once. */
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
    if (!PART_OF_A_RELEASE.includes(entry.action)) this.checkWaitlistServed(`before entry ${entry.seq}`);
    if (entry.action === 'event.created') {
      this.created(entry);
      return;
    }
    if (!this.event) {
      this.report('I6', entry.bookingId, `entry ${entry.seq} (${entry.action}) comes before event.created`);
      return;
    }
    const event = this.event;
    switch (entry.action) {
      case 'event.updated':
        this.updated(event, entry);
        return;
      case 'booking.confirmed':
        // Accepts a new booking, or confirms a pending one (a hold or an offer accepted).
        if (entry.bookingId !== null && this.bookings.has(entry.bookingId)) this.confirmedPending(event, entry);
        else this.accepted(event, entry, 'confirmed');
        return;
      case 'booking.held':
        this.accepted(event, entry, 'pending');
        return;
      case 'booking.waitlisted':
        this.accepted(event, entry, 'waitlisted');
        return;
      case 'booking.promoted':
      case 'booking.offered':
        this.promoted(event, entry);
        return;
      case 'booking.reduced':
        this.reduced(event, entry);
        return;
      case 'booking.cancelled':
        this.cancelled(event, entry);
        return;
      case 'booking.expired':
        this.expired(event, entry);
        return;
      case 'booking.checked_in':
        this.checkedIn(event, entry);
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
    const fields = { ...PRE_0004_SETTINGS, ...this.eventFields(entry) };
    const missing = EVENT_SETTINGS.filter((key) => fields[key] === undefined);
    if (missing.length > 0) {
      this.report('I6', null, `event.created entry ${entry.seq} lacks valid ${missing.join(', ')}`);
      return;
    }
    this.event = {
      ...(fields as EventSettings),
      bookedCount: 0,
      heldCount: 0,
      waitlistCount: 0,
      waitlistTickets: 0,
      checkedInCount: 0,
      acceptedCount: 0,
    };
  }

  private updated(event: ReplayedEvent, entry: AuditEntry): void {
    const fields = this.eventFields(entry);
    if (Object.keys(fields).length === 0) this.report('I6', null, `event.updated entry ${entry.seq} changes nothing`);
    // The rules record only fields that change, so a repeated value means an entry in between is missing.
    for (const [key, value] of Object.entries(fields)) {
      if (event[key as keyof EventSettings] === value) {
        this.report('I6', null, `event.updated entry ${entry.seq} sets ${key} to the ${JSON.stringify(value)} it already has`);
      }
    }
    const taken = event.bookedCount + event.heldCount;
    if (fields.totalTickets !== undefined && fields.totalTickets < taken) {
      this.report('I1', null, `entry ${entry.seq} lowers totalTickets to ${fields.totalTickets} below the ${taken} booked or held`);
    }
    Object.assign(event, fields);
  }

  private accepted(event: ReplayedEvent, entry: AuditEntry, status: 'confirmed' | 'pending' | 'waitlisted'): void {
    const { bookingId, userId } = entry;
    if (bookingId === null || userId === null) {
      this.report('I6', bookingId, `${entry.action} entry ${entry.seq} names no booking or no user`);
      return;
    }
    if (this.bookings.has(bookingId)) {
      this.report('I6', bookingId, `entry ${entry.seq} accepts booking ${bookingId} a second time`);
      return;
    }
    const quantity = this.quantityOf(entry);
    if (quantity === null) return;
    const held = this.activeByUser.get(userId);
    if (held !== undefined) {
      this.report('I3', bookingId, `entry ${entry.seq} books user ${userId}, who still holds active booking ${held}`);
    }
    const limit = Math.min(event.maxPerBooking, event.totalTickets);
    if (quantity > limit) {
      this.report('I6', bookingId, `entry ${entry.seq} accepts ${quantity} tickets in one booking; the event allows ${limit}`);
    }
    if (!event.salesOpen) this.report('I6', bookingId, `entry ${entry.seq} accepts a booking while sales are closed`);
    const free = available(event);
    if (status !== 'waitlisted' && quantity > free) {
      this.report('I1', bookingId, `entry ${entry.seq} takes ${quantity} tickets with ${free} free`);
    } else if (status !== 'waitlisted' && event.waitlistCount > 0) {
      this.report(
        'I2',
        bookingId,
        `entry ${entry.seq} gives ${quantity} free tickets to a newcomer while ${event.waitlistCount} bookings wait`,
      );
    }
    // Inside an unserved stretch already reported, each further waitlisting is the same fault.
    if (status === 'waitlisted' && event.waitlistCount === 0 && quantity <= free && !this.unservedWaitlistReported) {
      this.report('I2', bookingId, `entry ${entry.seq} waitlists a booking of ${quantity} tickets while ${free} are free`);
      this.unservedWaitlistReported = true;
    }
    event.acceptedCount += 1;
    const booking: ReplayedBooking = {
      id: bookingId,
      userId,
      status,
      quantity,
      acceptedAs: event.acceptedCount,
      expiresAt: null,
      everConfirmed: false,
      checkedInAt: null,
      hold: status === 'waitlisted' ? null : status === 'pending',
    };
    this.bookings.set(bookingId, booking);
    this.activeByUser.set(userId, bookingId);
    if (status === 'confirmed') {
      this.confirm(event, booking);
    } else if (status === 'pending') {
      this.hold(event, booking, entry, event.holdTtlSeconds);
    } else {
      event.waitlistCount += 1;
      event.waitlistTickets += quantity;
      this.waitlist.push(bookingId);
    }
  }

  /** A hold or an offer accepted: only before its deadline (I7). */
  private confirmedPending(event: ReplayedEvent, entry: AuditEntry): void {
    const booking = this.bookingOf(entry, true);
    if (!booking) return;
    if (booking.status !== 'pending') {
      this.report('I6', booking.id, `entry ${entry.seq} confirms booking ${booking.id}, which is ${booking.status}`);
      return;
    }
    if (booking.expiresAt !== null && !(Date.parse(entry.at) < Date.parse(booking.expiresAt))) {
      this.report(
        'I7',
        booking.id,
        `entry ${entry.seq} confirms booking ${booking.id} at ${entry.at}, not before its deadline ${booking.expiresAt}`,
      );
    }
    event.heldCount -= booking.quantity;
    booking.expiresAt = null;
    this.confirm(event, booking);
  }

  /** booking.promoted (to confirmed) or booking.offered (to pending): the head of the list, if it fits. */
  private promoted(event: ReplayedEvent, entry: AuditEntry): void {
    const booking = this.bookingOf(entry, true);
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
    if (booking.quantity > available(event)) {
      this.report('I1', booking.id, `entry ${entry.seq} promotes ${booking.quantity} tickets with ${available(event)} free`);
    }
    const offered = entry.action === 'booking.offered';
    if (!offered && event.waitlistMode === 'offer') {
      this.report('I6', booking.id, `entry ${entry.seq} confirms booking ${booking.id} outright although the event offers`);
    }
    if (event.waitlistMode === 'auto') booking.hold = offered;
    event.waitlistCount -= 1;
    event.waitlistTickets -= booking.quantity;
    if (!offered) this.confirm(event, booking);
    else this.hold(event, booking, entry, event.waitlistMode === 'offer' ? event.offerTtlSeconds : event.holdTtlSeconds);
  }

  /** The entry's quantity is the new one; the tickets it frees go back whence they came. */
  private reduced(event: ReplayedEvent, entry: AuditEntry): void {
    const booking = this.bookingOf(entry, false);
    const quantity = this.quantityOf(entry);
    if (!booking || quantity === null) return;
    if (!isActive(booking)) {
      this.report('I6', booking.id, `entry ${entry.seq} reduces booking ${booking.id}, which is ${booking.status}`);
      return;
    }
    if (booking.checkedInAt !== null) {
      this.report('I8', booking.id, `entry ${entry.seq} reduces booking ${booking.id}, whose code admitted ${booking.quantity} already`);
    }
    if (quantity >= booking.quantity) {
      this.report('I6', booking.id, `entry ${entry.seq} "reduces" booking ${booking.id} from ${booking.quantity} to ${quantity} tickets`);
    }
    const freed = booking.quantity - quantity;
    if (booking.status === 'confirmed') event.bookedCount -= freed;
    else if (booking.status === 'pending') event.heldCount -= freed;
    else event.waitlistTickets -= freed;
    booking.quantity = quantity;
  }

  private cancelled(event: ReplayedEvent, entry: AuditEntry): void {
    const booking = this.bookingOf(entry, true);
    if (!booking) return;
    if (!isActive(booking)) {
      this.report('I6', booking.id, `entry ${entry.seq} cancels booking ${booking.id}, which is ${booking.status} already`);
      return;
    }
    if (booking.checkedInAt !== null) {
      this.report('I8', booking.id, `entry ${entry.seq} cancels booking ${booking.id}, whose code admitted it already`);
    }
    this.leave(event, booking, 'cancelled');
  }

  private expired(event: ReplayedEvent, entry: AuditEntry): void {
    const booking = this.bookingOf(entry, true);
    if (!booking) return;
    if (booking.status !== 'pending') {
      this.report('I6', booking.id, `entry ${entry.seq} expires booking ${booking.id}, which is ${booking.status}`);
      return;
    }
    if (entry.actor !== 'system') {
      this.report('I6', booking.id, `entry ${entry.seq} expires booking ${booking.id} on behalf of ${entry.actor}, not the system`);
    }
    if (booking.expiresAt !== null && Date.parse(entry.at) < Date.parse(booking.expiresAt)) {
      this.report(
        'I6',
        booking.id,
        `entry ${entry.seq} expires booking ${booking.id} at ${entry.at}, before its deadline ${booking.expiresAt}`,
      );
    }
    this.leave(event, booking, 'expired');
  }

  /** A code admits once, and only while its booking is confirmed (I8). */
  private checkedIn(event: ReplayedEvent, entry: AuditEntry): void {
    const booking = this.bookingOf(entry, true);
    if (!booking) return;
    if (booking.checkedInAt !== null) {
      this.report('I8', booking.id, `entry ${entry.seq} admits booking ${booking.id} again; it checked in at ${booking.checkedInAt}`);
      return;
    }
    if (booking.status !== 'confirmed') {
      this.report('I8', booking.id, `entry ${entry.seq} admits booking ${booking.id}, which is ${booking.status}`);
    }
    booking.checkedInAt = entry.at;
    event.checkedInCount += booking.quantity;
  }

  private confirm(event: ReplayedEvent, booking: ReplayedBooking): void {
    event.bookedCount += booking.quantity;
    booking.status = 'confirmed';
    booking.everConfirmed = true;
  }

  /**
   * Pending until now + ttl. The entry's snapshot says which deadline the booker was given; it must be
   * the one the event's settings give, or the log disagrees with itself.
   */
  private hold(event: ReplayedEvent, booking: ReplayedBooking, entry: AuditEntry, ttlSeconds: number): void {
    event.heldCount += booking.quantity;
    booking.status = 'pending';
    const at = Date.parse(entry.at);
    const due = Number.isNaN(at) ? null : new Date(at + ttlSeconds * 1000).toISOString();
    const told = entry.booking?.expiresAt ?? null;
    if (entry.booking && told !== due) {
      this.report(
        'I6',
        booking.id,
        `entry ${entry.seq} holds booking ${booking.id} until ${String(told)}; the event's settings give ${String(due)}`,
      );
    }
    booking.expiresAt = told ?? due;
  }

  /** Cancelled or expired: its tickets, or its place in the list, are given up. */
  private leave(event: ReplayedEvent, booking: ReplayedBooking, status: 'cancelled' | 'expired'): void {
    if (booking.status === 'confirmed') event.bookedCount -= booking.quantity;
    else if (booking.status === 'pending') event.heldCount -= booking.quantity;
    else {
      event.waitlistCount -= 1;
      event.waitlistTickets -= booking.quantity;
    }
    booking.status = status;
    booking.expiresAt = null;
    if (this.activeByUser.get(booking.userId) === booking.id) this.activeByUser.delete(booking.userId);
  }

  /** The tickets an entry names; entries written before migration 0004 carry none and mean one. */
  private quantityOf(entry: AuditEntry): number | null {
    if (entry.quantity === null) {
      if (entry.booking === null) return 1;
      this.report('I6', entry.bookingId, `${entry.action} entry ${entry.seq} names no quantity`);
      return null;
    }
    if (!isWhole(1, QUANTITY_MAX)(entry.quantity)) {
      this.report('I6', entry.bookingId, `${entry.action} entry ${entry.seq} names an invalid quantity ${JSON.stringify(entry.quantity)}`);
      return null;
    }
    return entry.quantity;
  }

  /**
   * The booking an entry about an accepted booking names, if the log accepted it before and the user
   * matches; with `sameQuantity`, the entry must name the quantity the booking has.
   */
  private bookingOf(entry: AuditEntry, sameQuantity: boolean): ReplayedBooking | null {
    const booking = entry.bookingId === null ? undefined : this.bookings.get(entry.bookingId);
    if (!booking) {
      const which = entry.bookingId === null ? 'no booking' : `booking ${entry.bookingId}, which the log never accepted`;
      this.report('I6', entry.bookingId, `${entry.action} entry ${entry.seq} names ${which}`);
      return null;
    }
    if (entry.userId !== booking.userId) {
      this.report('I6', booking.id, `entry ${entry.seq} names user ${String(entry.userId)} for booking of ${booking.userId}`);
    }
    if (sameQuantity) {
      const quantity = this.quantityOf(entry);
      if (quantity !== null && quantity !== booking.quantity) {
        this.report('I6', booking.id, `entry ${entry.seq} names ${quantity} tickets for booking ${booking.id} of ${booking.quantity}`);
      }
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

  /** I2: once a change is done, the head of the waiting list must not fit into the free tickets. */
  private checkWaitlistServed(when: string): void {
    const event = this.event;
    if (!event) return;
    const head = this.waitlistHead();
    const unserved = head !== undefined && head.quantity <= available(event);
    if (head && unserved && !this.unservedWaitlistReported) {
      this.report(
        'I2',
        head.id,
        `${when}, ${available(event)} tickets are free while booking ${head.id} heads the waiting list for ${head.quantity}`,
      );
    }
    this.unservedWaitlistReported = unserved;
  }

  private eventFields(entry: AuditEntry): Partial<EventSettings> {
    const fields: Partial<Record<keyof EventSettings, unknown>> = {};
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
    return fields as Partial<EventSettings>;
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
