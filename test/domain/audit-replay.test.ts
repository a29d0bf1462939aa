import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditAction, AuditEntry, RequestedBy } from '../../src/domain/audit.js';
import { type Discrepancy, replayAuditLog } from '../../src/domain/audit-replay.js';
import type { Booking } from '../../src/domain/booking.js';
import { type EventCommand, decide, waitlistHeadNeeded } from '../../src/domain/decide.js';
import type { EventRecord } from '../../src/domain/event.js';
import { openEvent } from '../../src/domain/open-event.js';

const BY: RequestedBy = { actor: 'admin', requestId: null };
const AT = '2026-01-01T00:00:00.000Z';
const EVENT_ID = 'gig';

/** An audit log written by hand, entry by entry, to state what the replay must make of it. */
class AuditLog {
  readonly entries: AuditEntry[] = [];

  private add(action: AuditAction, bookingId: string | null, userId: string | null, data: Record<string, unknown> | null): this {
    this.entries.push({
      seq: this.entries.length + 1,
      eventId: EVENT_ID,
      action,
      userId,
      bookingId,
      actor: 'admin',
      requestId: null,
      at: AT,
      data,
    });
    return this;
  }

  created(totalTickets: number): this {
    return this.add('event.created', null, null, { name: 'Gig', venue: null, startsAt: null, totalTickets, salesOpen: true });
  }
  updated(data: Record<string, unknown>): this {
    return this.add('event.updated', null, null, data);
  }
  confirmed(user: string): this {
    return this.add('booking.confirmed', `b-${user}`, user, null);
  }
  waitlisted(user: string): this {
    return this.add('booking.waitlisted', `b-${user}`, user, null);
  }
  promoted(user: string): this {
    return this.add('booking.promoted', `b-${user}`, user, null);
  }
  cancelled(user: string): this {
    return this.add('booking.cancelled', `b-${user}`, user, null);
  }

  replay() {
    return replayAuditLog(EVENT_ID, this.entries);
  }

  discrepancies(): Pick<Discrepancy, 'invariant' | 'bookingId'>[] {
    return this.replay().discrepancies.map(({ invariant, bookingId }) => ({ invariant, bookingId }));
  }
}

describe('audit replay — a log the rules wrote', () => {
  it('rebuilds counts, statuses and acceptance order, promotions included', () => {
    const log = new AuditLog()
      .created(2)
      .confirmed('ann')
      .confirmed('bob')
      .waitlisted('cat')
      .waitlisted('dan')
      .cancelled('ann')
      .promoted('cat')
      .updated({ totalTickets: 3, name: 'Big gig' })
      .promoted('dan')
      .waitlisted('eve')
      .cancelled('eve');
    const { event, bookings, discrepancies } = log.replay();
    expect(discrepancies).toEqual([]);
    expect(event).toEqual({
      name: 'Big gig',
      venue: null,
      startsAt: null,
      totalTickets: 3,
      salesOpen: true,
      bookedCount: 3,
      waitlistCount: 0,
      acceptedCount: 5,
    });
    expect([...bookings.values()].map((b) => [b.userId, b.status, b.acceptedAs])).toEqual([
      ['ann', 'cancelled', 1],
      ['bob', 'confirmed', 2],
      ['cat', 'confirmed', 3],
      ['dan', 'confirmed', 4],
      ['eve', 'cancelled', 5],
    ]);
  });

  it('accepts a user booking again after cancelling', () => {
    const log = new AuditLog().created(1).confirmed('ann').cancelled('ann');
    log.entries.push({ ...log.entries[1]!, seq: 4, bookingId: 'b-ann-2' });
    expect(log.discrepancies()).toEqual([]);
    expect(log.replay().event).toMatchObject({ bookedCount: 1, acceptedCount: 2 });
  });
});

describe('audit replay — a log the rules could not have written', () => {
  it('reports I4 when a promotion skips the earliest waitlisted booking', () => {
    const log = new AuditLog().created(1).confirmed('ann').waitlisted('bob').waitlisted('cat').cancelled('ann').promoted('cat');
    expect(log.discrepancies()).toEqual([{ invariant: 'I4', bookingId: 'b-cat' }]);
    expect(log.replay().discrepancies[0]?.message).toMatch(/ahead of booking b-bob/);
  });

  it('judges FIFO among those still waiting: one who left the list is no longer skipped', () => {
    const log = new AuditLog().created(1).confirmed('ann').waitlisted('bob').waitlisted('cat').cancelled('bob').cancelled('ann').promoted('cat');
    expect(log.discrepancies()).toEqual([]);
  });

  it('reports I1 when a booking is confirmed with every ticket booked', () => {
    const log = new AuditLog().created(1).confirmed('ann').confirmed('bob');
    expect(log.discrepancies()).toEqual([{ invariant: 'I1', bookingId: 'b-bob' }]);
  });

  it('reports I1 when capacity is lowered below the booked tickets', () => {
    const log = new AuditLog().created(2).confirmed('ann').confirmed('bob').updated({ totalTickets: 1 });
    expect(log.discrepancies()).toEqual([{ invariant: 'I1', bookingId: null }]);
  });

  it('reports I2 when a booking is waitlisted while tickets are free', () => {
    const log = new AuditLog().created(2).confirmed('ann').waitlisted('bob');
    expect(log.discrepancies()).toEqual([{ invariant: 'I2', bookingId: 'b-bob' }]);
  });

  it('reports I2 once when a cancellation frees a ticket and nobody waiting is promoted', () => {
    const log = new AuditLog().created(1).confirmed('ann').waitlisted('bob').cancelled('ann').waitlisted('cat').waitlisted('dan');
    expect(log.discrepancies().filter((d) => d.invariant === 'I2')).toEqual([{ invariant: 'I2', bookingId: 'b-bob' }]);
  });

  it('reports I2 when the log ends with a free ticket and a waiting list', () => {
    const log = new AuditLog().created(1).confirmed('ann').waitlisted('bob').updated({ totalTickets: 2 });
    expect(log.discrepancies()).toEqual([{ invariant: 'I2', bookingId: 'b-bob' }]);
  });

  it('reports I3 when a user is booked twice while the first booking is active', () => {
    const log = new AuditLog().created(3).confirmed('ann');
    log.entries.push({ ...log.entries[1]!, seq: 3, bookingId: 'b-ann-2' });
    expect(log.discrepancies()).toEqual([{ invariant: 'I3', bookingId: 'b-ann-2' }]);
  });

  it.each([
    ['a promotion of a confirmed booking', new AuditLog().created(2).confirmed('ann').promoted('ann'), 'b-ann'],
    ['a cancellation of a booking never accepted', new AuditLog().created(2).cancelled('zed'), 'b-zed'],
    ['a second cancellation', new AuditLog().created(2).confirmed('ann').cancelled('ann').cancelled('ann'), 'b-ann'],
    ['a booking accepted twice', new AuditLog().created(2).confirmed('ann').confirmed('ann'), 'b-ann'],
    ['a booking before the event was created', new AuditLog().confirmed('ann').created(2), 'b-ann'],
    ['a second event.created', new AuditLog().created(2).created(3), null],
    ['an event.updated with an unknown field', new AuditLog().created(2).updated({ price: 10 }), null],
    ['an event.updated with a wrongly typed field', new AuditLog().created(2).updated({ totalTickets: '5' }), null],
    ['an event.updated that sets a value the event already has', new AuditLog().created(2).updated({ totalTickets: 2 }), null],
  ])('reports I6 for %s', (_case, log, bookingId) => {
    expect(log.discrepancies()).toContainEqual({ invariant: 'I6', bookingId });
  });

  it('reports I6 when the log has no event.created, and offers no event to compare', () => {
    const result = new AuditLog().replay();
    expect(result.event).toBeNull();
    expect(result.discrepancies).toEqual([expect.objectContaining({ invariant: 'I6', bookingId: null })]);
  });

  it('reports I6 when a promotion names another user than the booking holds', () => {
    const log = new AuditLog().created(1).confirmed('ann').waitlisted('bob').cancelled('ann');
    log.entries.push({ ...log.entries[2]!, seq: 5, action: 'booking.promoted', userId: 'mallory' });
    expect(log.discrepancies()).toEqual([{ invariant: 'I6', bookingId: 'b-bob' }]);
  });

  it('names the event and the offending booking in every discrepancy', () => {
    const [found] = new AuditLog().created(1).confirmed('ann').confirmed('bob').replay().discrepancies;
    expect(found).toEqual({ eventId: EVENT_ID, bookingId: 'b-bob', invariant: 'I1', message: expect.stringMatching(/entry 3/) });
  });
});

/** One event run through decide() batch by batch, its log kept as the store would number it. */
class DecidedEvent {
  event: EventRecord;
  readonly bookings = new Map<string, Booking>();
  readonly audit: AuditEntry[] = [];
  private nextBooking = 0;

  constructor(totalTickets: number) {
    const opened = openEvent({ id: EVENT_ID, name: 'Gig', venue: null, startsAt: null, totalTickets }, BY, AT);
    this.event = opened.event;
    this.audit.push({ ...opened.audit, seq: 1 });
  }

  command(step: Step): EventCommand {
    if (step.kind === 'book') return { kind: 'book', userId: `u${step.user}`, bookingId: `b${++this.nextBooking}`, by: BY };
    if (step.kind === 'cancel') return { kind: 'cancel', userId: `u${step.user}`, by: BY };
    return { kind: 'update', patch: step.patch, by: BY };
  }

  run(steps: readonly Step[]): void {
    const commands = steps.map((step) => this.command(step));
    const all = [...this.bookings.values()];
    const users = new Set(commands.flatMap((c) => (c.kind === 'update' ? [] : [c.userId])));
    const waitlist = all.filter((b) => b.status === 'waitlisted').sort((a, b) => a.queueNo - b.queueNo);
    const waitlistHead = waitlist.slice(0, waitlistHeadNeeded(commands, this.event.waitlistCount));
    const activeBookings = all.filter((b) => b.status !== 'cancelled' && users.has(b.userId));
    const positions = new Map(
      activeBookings.filter((b) => b.status === 'waitlisted').map((b) => [b.id, waitlist.indexOf(b) + 1] as const),
    );
    const { changes } = decide(structuredClone({ event: this.event, activeBookings, positions, waitlistHead }), commands, AT);
    for (const booking of [...changes.created, ...changes.updated]) this.bookings.set(booking.id, { ...booking });
    if (changes.event) this.event = { ...changes.event };
    for (const draft of changes.audit) this.audit.push({ ...draft, seq: this.audit.length + 1 });
  }
}

type Step =
  | { kind: 'book'; user: number }
  | { kind: 'cancel'; user: number }
  | { kind: 'update'; patch: { totalTickets?: number; salesOpen?: boolean; name?: string } };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('book' as const), user: fc.integer({ min: 1, max: 10 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('cancel' as const), user: fc.integer({ min: 1, max: 10 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('update' as const),
      patch: fc.record(
        { totalTickets: fc.integer({ min: 1, max: 8 }), salesOpen: fc.boolean(), name: fc.constantFrom('Gig', 'Gig II') },
        { requiredKeys: [] },
      ),
    }),
  },
);

describe('audit replay — against decide()', () => {
  it('reproduces every event count and booking status of any run of batches, with nothing to report', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.array(stepArb, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 20 }),
        (capacity, batches) => {
          const decided = new DecidedEvent(capacity);
          for (const batch of batches) decided.run(batch);
          const { event, bookings, discrepancies } = replayAuditLog(EVENT_ID, decided.audit);
          expect(discrepancies).toEqual([]);
          const stored = decided.event;
          expect(event).toEqual({
            name: stored.name,
            venue: stored.venue,
            startsAt: stored.startsAt,
            totalTickets: stored.totalTickets,
            salesOpen: stored.salesOpen,
            bookedCount: stored.bookedCount,
            waitlistCount: stored.waitlistCount,
            acceptedCount: stored.lastQueueNo,
          });
          const storedBookings = [...decided.bookings.values()].map((b) => [b.id, b.userId, b.status, b.queueNo]);
          const replayedBookings = [...bookings.values()].map((b) => [b.id, b.userId, b.status, b.acceptedAs]);
          expect(replayedBookings).toEqual(storedBookings);
        },
      ),
      { numRuns: 300 },
    );
  });
});
