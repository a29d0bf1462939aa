import type { AuditEntry } from '../domain/audit.js';
import { AuditReplay, type Discrepancy, REPLAYED_COUNTS, type ReplayedBooking, type ReplayedEvent } from '../domain/audit-replay.js';
import { type Booking, isActive } from '../domain/booking.js';
import { EVENT_SETTINGS, type EventRecord, availableTickets } from '../domain/event.js';
import { type Clock, systemClock } from './clock.js';

/** One event as stored, read from one consistent snapshot of the database. */
export interface StoredEventSnapshot {
  event: EventRecord;
  /** Every booking of the event, in queue (acceptance) order. */
  bookings(): AsyncIterable<Booking>;
  /** The event's audit log, oldest entry first. */
  auditLog(): AsyncIterable<AuditEntry>;
}

/** What the consistency check reads; the store implements it. */
export interface ConsistencySource {
  /** The id of every event, in a stable order. */
  eventIds(): AsyncIterable<string>;
  /** Runs `check` while one snapshot of the event is open; null when there is no such event. */
  readEvent<T>(eventId: string, check: (snapshot: StoredEventSnapshot) => Promise<T>): Promise<T | null>;
}

export interface EventVerdict {
  eventId: string;
  discrepancies: Discrepancy[];
}

/** What the stored bookings add up to, counted as they stream past. */
interface Counted {
  confirmedTickets: number;
  pendingTickets: number;
  waitlisted: number;
  waitlistTickets: number;
  checkedInTickets: number;
  /** The first waitlisted booking in queue order. */
  waitlistHead: Booking | null;
}

/** How long a pending booking may outlive its deadline before the sweeper is late (I7, rule 5). */
const EXPIRY_GRACE_MS = 5_000;

const COMPARED_FIELDS = [...EVENT_SETTINGS, ...REPLAYED_COUNTS] as const;

/** The stored event against I1–I2 and against its replayed log (I6). */
function checkStoredEvent(event: EventRecord, counted: Counted, replayed: ReplayedEvent | null): Discrepancy[] {
  const found: Discrepancy[] = [];
  const report = (invariant: Discrepancy['invariant'], message: string, bookingId: string | null = null) =>
    found.push({ eventId: event.id, bookingId, invariant, message });
  const available = availableTickets(event);
  if (event.bookedCount < 0 || event.heldCount < 0 || available < 0) {
    report('I1', `bookedCount ${event.bookedCount} + heldCount ${event.heldCount} is outside 0..totalTickets ${event.totalTickets}`);
  }
  const counts: [keyof EventRecord, number, string][] = [
    ['bookedCount', counted.confirmedTickets, 'tickets are in confirmed bookings'],
    ['heldCount', counted.pendingTickets, 'tickets are in pending bookings'],
    ['waitlistCount', counted.waitlisted, 'bookings are waitlisted'],
    ['waitlistTickets', counted.waitlistTickets, 'tickets are in waitlisted bookings'],
    ['checkedInCount', counted.checkedInTickets, 'tickets are in checked-in bookings'],
  ];
  for (const [field, actual, what] of counts) {
    if (event[field] !== actual) report('I1', `${field} ${String(event[field])} but ${actual} ${what}`);
  }
  const head = counted.waitlistHead;
  if (head && available >= head.quantity) {
    report('I2', `booking ${head.id} heads the waiting list for ${head.quantity} tickets while ${available} are available`, head.id);
  }
  if (!replayed) return found;
  for (const field of COMPARED_FIELDS) {
    if (event[field] !== replayed[field]) {
      report('I6', `stored ${field} ${JSON.stringify(event[field])}, the audit log gives ${JSON.stringify(replayed[field])}`);
    }
  }
  if (event.lastQueueNo !== replayed.acceptedCount) {
    report('I6', `stored lastQueueNo ${event.lastQueueNo}, the audit log accepted ${replayed.acceptedCount} bookings`);
  }
  return found;
}

/** Streams the stored bookings past the replayed ones: counts, I3, I4, I7, I8, and I6 per booking. */
async function checkBookings(
  snapshot: StoredEventSnapshot,
  replayed: ReadonlyMap<string, ReplayedBooking> | null,
  now: number,
): Promise<{ found: Discrepancy[]; counted: Counted }> {
  const eventId = snapshot.event.id;
  const found: Discrepancy[] = [];
  const report = (invariant: Discrepancy['invariant'], bookingId: string, message: string) =>
    found.push({ eventId, bookingId, invariant, message });
  const counted: Counted = {
    confirmedTickets: 0,
    pendingTickets: 0,
    waitlisted: 0,
    waitlistTickets: 0,
    checkedInTickets: 0,
    waitlistHead: null,
  };
  const activeByUser = new Map<string, string>();
  const holderOfCode = new Map<string, string>();
  const unmatched = new Map(replayed);
  let latestAccepted: ReplayedBooking | null = null;

  for await (const booking of snapshot.bookings()) {
    if (booking.status === 'confirmed') counted.confirmedTickets += booking.quantity;
    if (booking.status === 'pending') counted.pendingTickets += booking.quantity;
    if (booking.status === 'waitlisted') {
      counted.waitlisted += 1;
      counted.waitlistTickets += booking.quantity;
    }
    if (booking.checkedInAt !== null) counted.checkedInTickets += booking.quantity;
    if (isActive(booking)) {
      const held = activeByUser.get(booking.userId);
      if (held !== undefined) report('I3', booking.id, `user ${booking.userId} holds active bookings ${held} and ${booking.id}`);
      else activeByUser.set(booking.userId, booking.id);
    }
    // Bookings come in queue order: one holding tickets behind a waiting one got them out of turn.
    const firstWaiting = counted.waitlistHead;
    if (booking.status === 'waitlisted' && !firstWaiting) counted.waitlistHead = booking;
    if ((booking.status === 'confirmed' || booking.status === 'pending') && firstWaiting) {
      report(
        'I4',
        booking.id,
        `booking ${booking.id} (queue ${booking.queueNo}) is ${booking.status} while booking ${firstWaiting.id} ` +
          `(queue ${firstWaiting.queueNo}), accepted earlier, still waits`,
      );
    }
    if (booking.status === 'pending' && booking.expiresAt !== null) {
      const late = now - Date.parse(booking.expiresAt);
      if (late > EXPIRY_GRACE_MS) {
        report(
          'I7',
          booking.id,
          `booking ${booking.id} is still pending ${Math.floor(late / 1000)} s after its deadline ${booking.expiresAt}`,
        );
      }
    }
    checkTicketCode(booking, holderOfCode, (message) => report('I8', booking.id, message));
    if (!replayed) continue;
    const expected = replayed.get(booking.id);
    if (!expected) {
      report('I6', booking.id, `booking ${booking.id} of user ${booking.userId} is stored but not in the audit log`);
      continue;
    }
    unmatched.delete(booking.id);
    const stored = `booking ${booking.id} of user ${booking.userId} is stored`;
    if (booking.status !== expected.status) report('I6', booking.id, `${stored} ${booking.status}, the audit log gives ${expected.status}`);
    if (booking.userId !== expected.userId) {
      report('I6', booking.id, `booking ${booking.id} is stored for user ${booking.userId}, the audit log gives ${expected.userId}`);
    }
    if (booking.quantity !== expected.quantity) {
      report('I6', booking.id, `${stored} for ${booking.quantity} tickets, the audit log gives ${expected.quantity}`);
    }
    if (expected.hold !== null && booking.hold !== expected.hold) {
      const log = expected.hold ? 'a hold' : 'a booking without a hold';
      report('I6', booking.id, `${stored} as ${booking.hold ? 'a hold' : 'a booking without a hold'}, the audit log gives ${log}`);
    }
    if (booking.checkedInAt !== expected.checkedInAt) {
      const log = expected.checkedInAt === null ? 'no check-in' : `check-in at ${expected.checkedInAt}`;
      report('I6', booking.id, `${stored} with check-in ${String(booking.checkedInAt)}, the audit log gives ${log}`);
    }
    if (booking.ticketCode !== null && !expected.everConfirmed) {
      report('I8', booking.id, `booking ${booking.id} has a ticket code, but the audit log never confirmed it`);
    }
    if (booking.ticketCode === null && expected.everConfirmed && booking.status !== 'confirmed') {
      report('I8', booking.id, `booking ${booking.id} was confirmed once, but has lost its ticket code`);
    }
    const storedDeadline = booking.status === 'pending' ? booking.expiresAt : null;
    const expectedDeadline = expected.status === 'pending' ? expected.expiresAt : null;
    if (storedDeadline !== null && expectedDeadline !== null && Date.parse(storedDeadline) !== Date.parse(expectedDeadline)) {
      report('I7', booking.id, `${stored} pending until ${storedDeadline}, the audit log held it until ${expectedDeadline}`);
    }
    if (latestAccepted && expected.acceptedAs < latestAccepted.acceptedAs) {
      report(
        'I4',
        booking.id,
        `booking ${booking.id} is queued after booking ${latestAccepted.id} though the audit log accepted it earlier`,
      );
    }
    if (!latestAccepted || expected.acceptedAs > latestAccepted.acceptedAs) latestAccepted = expected;
  }
  for (const missing of unmatched.values()) {
    report('I6', missing.id, `booking ${missing.id} of user ${missing.userId} is in the audit log but not stored`);
  }
  return { found, counted };
}

/** I8 on one stored booking: a code once confirmed, one booking per code, admitted only while confirmed. */
function checkTicketCode(booking: Booking, holderOfCode: Map<string, string>, report: (message: string) => void): void {
  if (booking.status === 'confirmed' && booking.ticketCode === null) {
    report(`booking ${booking.id} is confirmed but has no ticket code`);
  }
  if (booking.checkedInAt !== null && booking.ticketCode === null) {
    report(`booking ${booking.id} checked in at ${booking.checkedInAt} without a ticket code`);
  }
  if (booking.checkedInAt !== null && booking.status !== 'confirmed') {
    report(`booking ${booking.id} checked in at ${booking.checkedInAt} but is ${booking.status}`);
  }
  if (booking.ticketCode === null) return;
  const holder = holderOfCode.get(booking.ticketCode);
  if (holder !== undefined) report(`booking ${booking.id} has the ticket code of booking ${holder}`);
  else holderOfCode.set(booking.ticketCode, booking.id);
}

async function checkSnapshot(snapshot: StoredEventSnapshot, now: number): Promise<Discrepancy[]> {
  const replay = new AuditReplay(snapshot.event.id);
  for await (const entry of snapshot.auditLog()) replay.apply(entry);
  const replayed = replay.finish();
  const bookings = await checkBookings(snapshot, replayed.event ? replayed.bookings : null, now);
  return [...replayed.discrepancies, ...checkStoredEvent(snapshot.event, bookings.counted, replayed.event), ...bookings.found];
}

/**
 * Proof after the fact: replays every event's audit log from empty and compares it with the stored
 * events and bookings (I6), and checks I1–I4, I7 and I8 on what is stored.
 */
export class ConsistencyCheck {
  /** `clock` is what a pending booking's lateness is measured against (I7); tests move it. */
  constructor(
    private readonly source: ConsistencySource,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Every discrepancy of one event, or null when there is no such event. */
  checkEvent(eventId: string): Promise<Discrepancy[] | null> {
    // Read as the snapshot opens: a booking is judged late by when it was seen, not by when the check ends.
    return this.source.readEvent(eventId, (snapshot) => checkSnapshot(snapshot, this.clock()));
  }

  /** One verdict per event, as each is checked, so a large database never sits in memory at once. */
  async *checkEveryEvent(): AsyncGenerator<EventVerdict> {
    for await (const eventId of this.source.eventIds()) {
      const discrepancies = await this.checkEvent(eventId);
      // Events are never deleted; one that vanished since listing is itself worth reporting.
      const vanished: Discrepancy = { eventId, bookingId: null, invariant: 'I6', message: 'the event vanished while it was checked' };
      yield { eventId, discrepancies: discrepancies ?? [vanished] };
    }
  }
}
