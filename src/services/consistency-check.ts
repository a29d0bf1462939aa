import type { AuditEntry } from '../domain/audit.js';
import { AuditReplay, type Discrepancy, type ReplayedBooking, type ReplayedEvent } from '../domain/audit-replay.js';
import type { Booking } from '../domain/booking.js';
import type { EventRecord } from '../domain/event.js';

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

const COMPARED_FIELDS = ['name', 'venue', 'startsAt', 'totalTickets', 'salesOpen', 'bookedCount', 'waitlistCount'] as const;

/** The stored event against I1–I2 and against its replayed log (I6). */
function checkStoredEvent(
  event: EventRecord,
  counted: { confirmed: number; waitlisted: number },
  replayed: ReplayedEvent | null,
): Discrepancy[] {
  const found: Discrepancy[] = [];
  const report = (invariant: Discrepancy['invariant'], message: string) =>
    found.push({ eventId: event.id, bookingId: null, invariant, message });
  const available = event.totalTickets - event.bookedCount;
  if (event.bookedCount < 0 || available < 0) {
    report('I1', `bookedCount ${event.bookedCount} is outside 0..totalTickets ${event.totalTickets}`);
  }
  if (event.bookedCount !== counted.confirmed) {
    report('I1', `bookedCount ${event.bookedCount} but ${counted.confirmed} bookings are confirmed`);
  }
  if (event.waitlistCount !== counted.waitlisted) {
    report('I2', `waitlistCount ${event.waitlistCount} but ${counted.waitlisted} bookings are waitlisted`);
  }
  if (event.waitlistCount > 0 && available !== 0) {
    report('I2', `${event.waitlistCount} bookings wait while ${available} tickets are available`);
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

/** Streams the stored bookings past the replayed ones: I1–I4 counts and order, and I6 per booking. */
async function checkBookings(
  snapshot: StoredEventSnapshot,
  replayed: ReadonlyMap<string, ReplayedBooking> | null,
): Promise<{ found: Discrepancy[]; counted: { confirmed: number; waitlisted: number } }> {
  const eventId = snapshot.event.id;
  const found: Discrepancy[] = [];
  const report = (invariant: Discrepancy['invariant'], bookingId: string, message: string) =>
    found.push({ eventId, bookingId, invariant, message });
  const counted = { confirmed: 0, waitlisted: 0 };
  const activeByUser = new Map<string, string>();
  const unmatched = new Map(replayed);
  let firstWaiting: Booking | null = null;
  let latestAccepted: ReplayedBooking | null = null;

  for await (const booking of snapshot.bookings()) {
    if (booking.status === 'confirmed') counted.confirmed += 1;
    if (booking.status === 'waitlisted') counted.waitlisted += 1;
    if (booking.status !== 'cancelled') {
      const held = activeByUser.get(booking.userId);
      if (held !== undefined) report('I3', booking.id, `user ${booking.userId} holds active bookings ${held} and ${booking.id}`);
      else activeByUser.set(booking.userId, booking.id);
    }
    // Bookings come in queue order: one confirmed behind a waiting one was promoted out of turn.
    if (booking.status === 'waitlisted' && !firstWaiting) firstWaiting = booking;
    if (booking.status === 'confirmed' && firstWaiting) {
      report(
        'I4',
        booking.id,
        `booking ${booking.id} (queue ${booking.queueNo}) is confirmed while booking ${firstWaiting.id} ` +
          `(queue ${firstWaiting.queueNo}), accepted earlier, still waits`,
      );
    }
    if (!replayed) continue;
    const expected = replayed.get(booking.id);
    if (!expected) {
      report('I6', booking.id, `booking ${booking.id} of user ${booking.userId} is stored but not in the audit log`);
      continue;
    }
    unmatched.delete(booking.id);
    if (booking.status !== expected.status) {
      const stored = `booking ${booking.id} of user ${booking.userId} is stored ${booking.status}`;
      report('I6', booking.id, `${stored}, the audit log gives ${expected.status}`);
    }
    if (booking.userId !== expected.userId) {
      report('I6', booking.id, `booking ${booking.id} is stored for user ${booking.userId}, the audit log gives ${expected.userId}`);
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

async function checkSnapshot(snapshot: StoredEventSnapshot): Promise<Discrepancy[]> {
  const replay = new AuditReplay(snapshot.event.id);
  for await (const entry of snapshot.auditLog()) replay.apply(entry);
  const replayed = replay.finish();
  const bookings = await checkBookings(snapshot, replayed.event ? replayed.bookings : null);
  return [...replayed.discrepancies, ...checkStoredEvent(snapshot.event, bookings.counted, replayed.event), ...bookings.found];
}

/**
 * Proof after the fact: replays every event's audit log from empty and compares it with the stored
 * events and bookings (I6), and checks I1–I4 on what is stored.
 */
export class ConsistencyCheck {
  constructor(private readonly source: ConsistencySource) {}

  /** Every discrepancy of one event, or null when there is no such event. */
  checkEvent(eventId: string): Promise<Discrepancy[] | null> {
    return this.source.readEvent(eventId, checkSnapshot);
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
