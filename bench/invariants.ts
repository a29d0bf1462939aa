import { setTimeout as sleep } from 'node:timers/promises';
import type { BookingView } from '../src/domain/booking.js';
import type { BoxofficeApi } from './api.js';

const SETTLE_POLL_MS = 250;
const SETTLE_LIMIT_MS = 20_000;

/**
 * Waits until none of the events changes between two looks: requests the load generator gave up on at the
 * end of a run are still being committed by the server, and a check taken meanwhile would see them half.
 */
export async function waitUntilSettled(api: BoxofficeApi, eventIds: readonly string[]): Promise<void> {
  const look = async () =>
    (await Promise.all(eventIds.map((id) => api.event(id))))
      .map((event) => `${event.updatedAt}/${event.bookedCount}/${event.heldCount}/${event.waitlistCount}`)
      .join();
  const deadline = Date.now() + SETTLE_LIMIT_MS;
  let before = await look();
  while (Date.now() < deadline) {
    await sleep(SETTLE_POLL_MS);
    const now = await look();
    if (now === before) return;
    before = now;
  }
  throw new Error(`events still changing ${SETTLE_LIMIT_MS} ms after the load ended`);
}

/** What the load run was told about one event, by user id. */
export interface Answers {
  /** Bookings answered 2xx: each must be stored and active. */
  booked: ReadonlySet<string>;
  /** Cancels answered 2xx: none may still hold an active booking. */
  cancelled: ReadonlySet<string>;
  /** Requests that never got an answer: their outcome is unknown either way. */
  unanswered: ReadonlySet<string>;
  /** Users booked before the measured run. */
  earlier: ReadonlySet<string>;
}

/** Replays the audit log and says where a promotion or an offer did not take the head of the waiting list. */
function replayAudit(
  entries: Awaited<ReturnType<BoxofficeApi['audit']>>,
  violations: string[],
): { taking: Set<string>; waitlist: string[] } {
  // Bookings that hold tickets (confirmed or pending).
  const taking = new Set<string>();
  // A Map keeps insertion order, which is the FIFO order of the list; deletes are O(1).
  const waiting = new Map<string, true>();
  for (const entry of entries) {
    const bookingId = entry.bookingId ?? '';
    switch (entry.action) {
      case 'booking.confirmed':
      case 'booking.held':
        taking.add(bookingId);
        break;
      case 'booking.waitlisted':
        waiting.set(bookingId, true);
        break;
      case 'booking.promoted':
      case 'booking.offered': {
        const head = waiting.keys().next().value;
        if (head !== bookingId) violations.push(`audit seq ${entry.seq}: ${entry.action} ${bookingId}, but ${head} was first in line`);
        waiting.delete(bookingId);
        taking.add(bookingId);
        break;
      }
      case 'booking.cancelled':
      case 'booking.expired':
        if (!taking.delete(bookingId) && !waiting.delete(bookingId)) {
          violations.push(`audit seq ${entry.seq}: ${entry.action} ${bookingId}, which held no ticket and no place`);
        }
        break;
      default:
        break;
    }
  }
  return { taking, waitlist: [...waiting.keys()] };
}

function sameOrder(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/**
 * Checks one event through the API after a run: no oversell (I1, I2), one active booking per user (I3),
 * unique FIFO waiting-list positions, FIFO promotions replayed from the audit log (I4, I6), every 2xx
 * answer stored, and nothing stored for a request that was refused.
 */
export async function checkEvent(api: BoxofficeApi, eventId: string, answers: Answers): Promise<string[]> {
  const violations: string[] = [];
  const [event, bookings, audit] = await Promise.all([api.event(eventId), api.bookings(eventId), api.audit(eventId)]);

  const { bookedCount, heldCount, availableTickets, totalTickets } = event;
  if (bookedCount + heldCount + availableTickets !== totalTickets || availableTickets < 0) {
    violations.push(`counts: booked ${bookedCount} + held ${heldCount} + available ${availableTickets} vs total ${totalTickets}`);
  }

  const activeByUser = new Map<string, BookingView>();
  const taking: BookingView[] = [];
  const waitlisted: BookingView[] = [];
  const tickets = (status: BookingView['status']) =>
    bookings.filter((booking) => booking.status === status).reduce((sum, booking) => sum + booking.quantity, 0);
  for (const booking of bookings) {
    if (booking.status === 'cancelled' || booking.status === 'expired') continue;
    if (activeByUser.has(booking.userId)) violations.push(`user ${booking.userId} holds two active bookings`);
    activeByUser.set(booking.userId, booking);
    (booking.status === 'waitlisted' ? waitlisted : taking).push(booking);
  }
  const head = waitlisted[0];
  if (head && availableTickets >= head.quantity) {
    violations.push(`${event.waitlistCount} waiting while ${availableTickets} tickets are free for a head wanting ${head.quantity}`);
  }
  if (tickets('confirmed') !== bookedCount || tickets('pending') !== heldCount) {
    violations.push(`stored bookings hold ${tickets('confirmed')}+${tickets('pending')} tickets, event says ${bookedCount}+${heldCount}`);
  }
  if (waitlisted.length !== event.waitlistCount) {
    violations.push(`${waitlisted.length} waitlisted bookings stored, event says ${event.waitlistCount}`);
  }
  waitlisted.forEach((booking, index) => {
    if (booking.position !== index + 1)
      violations.push(`${booking.userId} is ${index + 1}. in line but shows position ${booking.position}`);
  });

  const replayed = replayAudit(audit, violations);
  if (replayed.taking.size !== taking.length || taking.some((booking) => !replayed.taking.has(booking.id))) {
    violations.push('the audit log does not replay to the stored confirmed and pending bookings');
  }
  if (
    !sameOrder(
      replayed.waitlist,
      waitlisted.map((booking) => booking.id),
    )
  ) {
    violations.push('the audit log does not replay to the stored waiting list');
  }

  for (const userId of answers.booked) {
    if (!activeByUser.has(userId)) violations.push(`booking of ${userId} was answered 2xx but is not stored`);
  }
  for (const userId of answers.cancelled) {
    if (activeByUser.has(userId)) violations.push(`cancel of ${userId} was answered 2xx but the booking is still active`);
  }
  const accounted = (userId: string) =>
    answers.booked.has(userId) || answers.cancelled.has(userId) || answers.unanswered.has(userId) || answers.earlier.has(userId);
  for (const booking of bookings) {
    if (!accounted(booking.userId)) violations.push(`booking of ${booking.userId} is stored but its request was refused`);
  }
  return violations;
}
