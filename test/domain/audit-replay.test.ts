import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditAction, AuditEntry, RequestedBy } from '../../src/domain/audit.js';
import { type Discrepancy, replayAuditLog } from '../../src/domain/audit-replay.js';
import type { Booking, BookingView } from '../../src/domain/booking.js';
import { type EventCommand, type EventState, WaitlistNotLoaded, decide, stateNeeds, waitlistDepthGuess } from '../../src/domain/decide.js';
import type { EventPatch, EventRecord } from '../../src/domain/event.js';
import { openEvent } from '../../src/domain/open-event.js';

const BY: RequestedBy = { actor: 'admin', requestId: null };
const T0 = Date.UTC(2030, 0, 1);
const EVENT_ID = 'gig';
const HOLD_TTL = 60;
const OFFER_TTL = 120;

const iso = (ms: number) => new Date(ms).toISOString();

/** The snapshot a held or offered entry carries: only its deadline matters to the replay. */
function snapshotUntil(bookingId: string, userId: string, quantity: number, expiresAt: string): BookingView {
  return {
    id: bookingId,
    eventId: EVENT_ID,
    userId,
    quantity,
    hold: true,
    status: 'pending',
    position: null,
    expiresAt,
    ticketCode: null,
    checkedInAt: null,
    createdAt: expiresAt,
    updatedAt: expiresAt,
    confirmedAt: null,
    cancelledAt: null,
  };
}

/** An audit log written by hand, entry by entry, to state what the replay must make of it. */
class AuditLog {
  readonly entries: AuditEntry[] = [];
  /** The instant of the next entries, in ms. */
  now = T0;
  private readonly quantities = new Map<string, number>();

  at(seconds: number): this {
    this.now = T0 + seconds * 1000;
    return this;
  }

  add(
    action: AuditAction,
    user: string | null,
    fields: Partial<Pick<AuditEntry, 'quantity' | 'data' | 'booking' | 'actor' | 'bookingId'>> = {},
  ): this {
    const quantity = user === null ? null : (this.quantities.get(user) ?? 1);
    this.entries.push({
      seq: this.entries.length + 1,
      eventId: EVENT_ID,
      action,
      userId: user,
      bookingId: user === null ? null : `b-${user}`,
      quantity,
      actor: 'admin',
      requestId: null,
      at: iso(this.now),
      data: null,
      booking: null,
      event: null,
      ...fields,
    });
    return this;
  }

  private accept(action: AuditAction, user: string, quantity: number): this {
    this.quantities.set(user, quantity);
    return this.add(action, user);
  }

  /** With this log's TTLs unless `settings` says otherwise. */
  created(totalTickets: number, settings: Record<string, unknown> = {}): this {
    const data = { name: 'Gig', venue: null, startsAt: null, totalTickets, salesOpen: true };
    return this.add('event.created', null, {
      data: { ...data, holdTtlSeconds: HOLD_TTL, offerTtlSeconds: OFFER_TTL, ...settings },
    });
  }
  updated(data: Record<string, unknown>): this {
    return this.add('event.updated', null, { data });
  }
  confirmed(user: string, quantity = 1): this {
    return this.accept('booking.confirmed', user, quantity);
  }
  waitlisted(user: string, quantity = 1): this {
    return this.accept('booking.waitlisted', user, quantity);
  }
  /** Held for HOLD_TTL, as the entry's snapshot tells the booker. */
  held(user: string, quantity = 1, ttl = HOLD_TTL): this {
    this.quantities.set(user, quantity);
    return this.add('booking.held', user, { booking: snapshotUntil(`b-${user}`, user, quantity, iso(this.now + ttl * 1000)) });
  }
  offered(user: string, ttl = OFFER_TTL): this {
    const quantity = this.quantities.get(user) ?? 1;
    return this.add('booking.offered', user, { booking: snapshotUntil(`b-${user}`, user, quantity, iso(this.now + ttl * 1000)) });
  }
  /** A pending booking accepted: the same action as a booking confirmed at once. */
  accepted(user: string): this {
    return this.add('booking.confirmed', user);
  }
  promoted(user: string): this {
    return this.add('booking.promoted', user);
  }
  reduced(user: string, quantity: number): this {
    this.quantities.set(user, quantity);
    return this.add('booking.reduced', user);
  }
  cancelled(user: string): this {
    return this.add('booking.cancelled', user);
  }
  expired(user: string): this {
    return this.add('booking.expired', user, { actor: 'system' });
  }
  checkedIn(user: string): this {
    return this.add('booking.checked_in', user, { actor: 'staff:door' });
  }

  replay() {
    return replayAuditLog(EVENT_ID, this.entries);
  }

  discrepancies(): Pick<Discrepancy, 'invariant' | 'bookingId'>[] {
    return this.replay().discrepancies.map(({ invariant, bookingId }) => ({ invariant, bookingId }));
  }
}

describe('audit replay — a log the rules wrote', () => {
  it('rebuilds ticket counts and every booking from groups, holds, offers, reductions, expiry and check-in', () => {
    const log = new AuditLog()
      .created(4)
      .confirmed('ann', 2)
      .held('bob', 2)
      .waitlisted('cat', 3)
      .waitlisted('dan', 1)
      .reduced('ann', 1)
      .at(30)
      .accepted('bob')
      .checkedIn('bob')
      .cancelled('ann')
      .updated({ totalTickets: 5 })
      .promoted('cat')
      .updated({ waitlistMode: 'offer', totalTickets: 6, description: 'Doors at 8' })
      .offered('dan')
      .at(30 + OFFER_TTL)
      .expired('dan');
    const { event, bookings, discrepancies } = log.replay();
    expect(discrepancies).toEqual([]);
    expect(event).toMatchObject({
      totalTickets: 6,
      waitlistMode: 'offer',
      description: 'Doors at 8',
      bookedCount: 5,
      heldCount: 0,
      waitlistCount: 0,
      waitlistTickets: 0,
      checkedInCount: 2,
      acceptedCount: 4,
    });
    expect([...bookings.values()].map((b) => [b.userId, b.status, b.quantity, b.acceptedAs, b.everConfirmed, b.checkedInAt])).toEqual([
      ['ann', 'cancelled', 1, 1, true, null],
      ['bob', 'confirmed', 2, 2, true, iso(T0 + 30_000)],
      ['cat', 'confirmed', 3, 3, true, null],
      ['dan', 'expired', 1, 4, false, null],
    ]);
  });

  it('lets a group at the head hold everyone behind it while it does not fit', () => {
    const log = new AuditLog().created(3).confirmed('ann', 2).waitlisted('bob', 2).waitlisted('cat', 1).reduced('bob', 1).promoted('bob');
    expect(log.discrepancies()).toEqual([]);
    expect(log.replay().event).toMatchObject({ bookedCount: 3, waitlistCount: 1, waitlistTickets: 1 });
  });

  it('keeps the deadline an offer was made with, and the waiting booking it came from', () => {
    const log = new AuditLog().created(1, { waitlistMode: 'offer' }).confirmed('ann').waitlisted('bob').cancelled('ann').offered('bob');
    const booking = log.replay().bookings.get('b-bob');
    expect(booking).toMatchObject({ status: 'pending', expiresAt: iso(T0 + OFFER_TTL * 1000), acceptedAs: 2 });
  });

  it('reads entries written before migration 0004 as one ticket each, with the settings 0004 gave old events', () => {
    const log = new AuditLog();
    log.add('event.created', null, { data: { name: 'Old', venue: null, startsAt: null, totalTickets: 1, salesOpen: true } });
    for (const [action, user] of [
      ['booking.confirmed', 'ann'],
      ['booking.waitlisted', 'bob'],
      ['booking.cancelled', 'ann'],
      ['booking.promoted', 'bob'],
    ] as const) {
      log.add(action, user, { quantity: null });
    }
    const { event, discrepancies } = log.replay();
    expect(discrepancies).toEqual([]);
    expect(event).toMatchObject({ maxPerBooking: 10, waitlistMode: 'auto', holdTtlSeconds: 900, timeZone: 'UTC', bookedCount: 1 });
  });

  it('accepts a user booking again after cancelling or expiring', () => {
    const log = new AuditLog().created(1).held('ann').at(HOLD_TTL).expired('ann');
    log.add('booking.confirmed', 'ann', { bookingId: 'b-ann-2' });
    expect(log.discrepancies()).toEqual([]);
    expect(log.replay().event).toMatchObject({ bookedCount: 1, heldCount: 0, acceptedCount: 2 });
  });
});

describe('audit replay — a log the rules could not have written', () => {
  it('reports I4 when a promotion skips the earliest waitlisted booking', () => {
    const log = new AuditLog().created(1).confirmed('ann').waitlisted('bob').waitlisted('cat').cancelled('ann').promoted('cat');
    expect(log.discrepancies()).toEqual([{ invariant: 'I4', bookingId: 'b-cat' }]);
    expect(log.replay().discrepancies[0]?.message).toMatch(/ahead of booking b-bob/);
  });

  it('reports I4 when an offer skips a head that does not fit yet', () => {
    const log = new AuditLog()
      .created(2, { waitlistMode: 'offer' })
      .confirmed('ann', 2)
      .waitlisted('bob', 2)
      .waitlisted('cat', 1)
      .reduced('ann', 1)
      .offered('cat');
    expect(log.discrepancies()).toEqual([{ invariant: 'I4', bookingId: 'b-cat' }]);
  });

  it('judges FIFO among those still waiting: one who left the list is no longer skipped', () => {
    const log = new AuditLog()
      .created(1)
      .confirmed('ann')
      .waitlisted('bob')
      .waitlisted('cat')
      .cancelled('bob')
      .cancelled('ann')
      .promoted('cat');
    expect(log.discrepancies()).toEqual([]);
  });

  it('reports I1 when a booking takes more tickets than are free', () => {
    const log = new AuditLog().created(3).confirmed('ann', 2).held('bob', 2);
    expect(log.discrepancies()).toEqual([{ invariant: 'I1', bookingId: 'b-bob' }]);
  });

  it('reports I1 when capacity is lowered below the booked and held tickets', () => {
    const log = new AuditLog().created(4).confirmed('ann', 2).held('bob', 1).updated({ totalTickets: 2 });
    expect(log.discrepancies()).toEqual([{ invariant: 'I1', bookingId: null }]);
  });

  it('reports I2 when a booking is waitlisted while its tickets are free', () => {
    const log = new AuditLog().created(3).confirmed('ann', 1).waitlisted('bob', 2);
    expect(log.discrepancies()).toEqual([{ invariant: 'I2', bookingId: 'b-bob' }]);
  });

  it('reports I2 when a newcomer takes free tickets while a group waits for more', () => {
    const log = new AuditLog().created(3).confirmed('ann', 2).waitlisted('bob', 2).confirmed('cat', 1);
    expect(log.discrepancies()).toEqual([{ invariant: 'I2', bookingId: 'b-cat' }]);
  });

  it("reports I2 once when a release frees the head's tickets and nobody is promoted", () => {
    const log = new AuditLog().created(2).confirmed('ann', 2).waitlisted('bob', 1).reduced('ann', 1).waitlisted('cat').waitlisted('dan');
    expect(log.discrepancies().filter((d) => d.invariant === 'I2')).toEqual([{ invariant: 'I2', bookingId: 'b-bob' }]);
  });

  it('reports I2 when the log ends with the head fitting into the free tickets', () => {
    const log = new AuditLog().created(1).confirmed('ann').waitlisted('bob').updated({ totalTickets: 2 });
    expect(log.discrepancies()).toEqual([{ invariant: 'I2', bookingId: 'b-bob' }]);
  });

  it('reports I3 when a user is booked twice while the first booking is active', () => {
    const log = new AuditLog().created(3).held('ann');
    log.add('booking.confirmed', 'ann', { bookingId: 'b-ann-2' });
    expect(log.discrepancies()).toEqual([{ invariant: 'I3', bookingId: 'b-ann-2' }]);
  });

  it('reports I7 when a hold is confirmed at its deadline', () => {
    const log = new AuditLog().created(2).held('bob').at(HOLD_TTL).accepted('bob');
    expect(log.discrepancies()).toEqual([{ invariant: 'I7', bookingId: 'b-bob' }]);
  });

  it('reports I7 when an offer is accepted after its deadline', () => {
    const log = new AuditLog().created(1, { waitlistMode: 'offer' }).confirmed('ann').waitlisted('bob').cancelled('ann').offered('bob');
    log.at(OFFER_TTL + 1).accepted('bob');
    expect(log.discrepancies()).toEqual([{ invariant: 'I7', bookingId: 'b-bob' }]);
  });

  it.each([
    ['a code admitted twice', new AuditLog().created(2).confirmed('ann').checkedIn('ann').checkedIn('ann')],
    ['a code admitted while its booking is pending', new AuditLog().created(2).held('ann').checkedIn('ann')],
    ['a cancellation after check-in', new AuditLog().created(2).confirmed('ann').checkedIn('ann').cancelled('ann')],
    ['a reduction after check-in', new AuditLog().created(2).confirmed('ann', 2).checkedIn('ann').reduced('ann', 1)],
  ])('reports I8 for %s', (_case, log) => {
    expect(log.discrepancies()).toEqual([{ invariant: 'I8', bookingId: 'b-ann' }]);
  });

  it.each([
    ['a promotion of a confirmed booking', new AuditLog().created(2).confirmed('ann').promoted('ann'), 'b-ann'],
    ['a cancellation of a booking never accepted', new AuditLog().created(2).cancelled('zed'), 'b-zed'],
    ['a second cancellation', new AuditLog().created(2).confirmed('ann').cancelled('ann').cancelled('ann'), 'b-ann'],
    ['a confirmation of a waitlisted booking', new AuditLog().created(1).confirmed('ann').waitlisted('bob').accepted('bob'), 'b-bob'],
    ['a reduction to more tickets', new AuditLog().created(3).confirmed('ann', 1).reduced('ann', 2), 'b-ann'],
    ['an expiry of a confirmed booking', new AuditLog().created(2).confirmed('ann').expired('ann'), 'b-ann'],
    [
      'an expiry before the deadline',
      new AuditLog()
        .created(2)
        .held('ann')
        .at(HOLD_TTL - 1)
        .expired('ann'),
      'b-ann',
    ],
    ['an expiry asked for by someone', new AuditLog().created(2).held('ann').at(HOLD_TTL).add('booking.expired', 'ann'), 'b-ann'],
    ["a hold whose deadline is not the event's TTL", new AuditLog().created(2).held('ann', 1, HOLD_TTL * 2), 'b-ann'],
    ['a group larger than the event allows', new AuditLog().created(20, { maxPerBooking: 4 }).confirmed('ann', 5), 'b-ann'],
    ['a booking while sales are closed', new AuditLog().created(2).updated({ salesOpen: false }).confirmed('ann'), 'b-ann'],
    [
      'an outright promotion while the event offers',
      new AuditLog().created(1, { waitlistMode: 'offer' }).confirmed('ann').waitlisted('bob').cancelled('ann').promoted('bob'),
      'b-bob',
    ],
    [
      'an entry naming another quantity than its booking has',
      new AuditLog().created(3).confirmed('ann', 2).add('booking.cancelled', 'ann', { quantity: 1 }),
      'b-ann',
    ],
    [
      'a booking entry with a snapshot but no quantity',
      new AuditLog()
        .created(3)
        .held('ann')
        .add('booking.cancelled', 'ann', { quantity: null, booking: snapshotUntil('b-ann', 'ann', 1, iso(T0)) }),
      'b-ann',
    ],
    ['a booking accepted twice', new AuditLog().created(2).held('ann').held('ann'), 'b-ann'],
    ['a booking before the event was created', new AuditLog().confirmed('ann').created(2), 'b-ann'],
    ['a second event.created', new AuditLog().created(2).created(3), null],
    ['an event.updated with an unknown field', new AuditLog().created(2).updated({ price: 10 }), null],
    ['an event.updated with a wrongly typed field', new AuditLog().created(2).updated({ totalTickets: '5' }), null],
    ['an event.updated with an unknown waitlist mode', new AuditLog().created(2).updated({ waitlistMode: 'lottery' }), null],
    ['an event.updated that sets a value the event already has', new AuditLog().created(2).updated({ holdTtlSeconds: HOLD_TTL }), null],
  ])('reports I6 for %s', (_case, log, bookingId) => {
    expect(log.discrepancies()).toContainEqual({ invariant: 'I6', bookingId });
    expect(log.discrepancies().every((d) => d.invariant === 'I6')).toBe(true);
  });

  it('reports I6 when the log has no event.created, and offers no event to compare', () => {
    const result = new AuditLog().replay();
    expect(result.event).toBeNull();
    expect(result.discrepancies).toEqual([expect.objectContaining({ invariant: 'I6', bookingId: null })]);
  });

  it('reports I6 when a promotion names another user than the booking holds', () => {
    const log = new AuditLog().created(1).confirmed('ann').waitlisted('bob').cancelled('ann');
    log.add('booking.promoted', 'mallory', { bookingId: 'b-bob' });
    expect(log.discrepancies()).toEqual([{ invariant: 'I6', bookingId: 'b-bob' }]);
  });

  it('names the event and the offending booking in every discrepancy', () => {
    const [found] = new AuditLog().created(1).confirmed('ann').confirmed('bob').replay().discrepancies;
    expect(found).toEqual({ eventId: EVENT_ID, bookingId: 'b-bob', invariant: 'I1', message: expect.stringMatching(/entry 3/) });
  });
});

/** One event run through decide() batch by batch, loaded as the store loads it, its log numbered as the store numbers it. */
class DecidedEvent {
  event: EventRecord;
  readonly bookings = new Map<string, Booking>();
  readonly audit: AuditEntry[] = [];
  now = T0;
  private nextBooking = 0;
  private nextCode = 0;

  constructor(totalTickets: number) {
    const input = { id: EVENT_ID, name: 'Gig', totalTickets, maxPerBooking: 3, holdTtlSeconds: HOLD_TTL, offerTtlSeconds: OFFER_TTL };
    const opened = openEvent(input, BY, iso(this.now));
    this.event = opened.event;
    this.audit.push({ ...opened.audit, seq: 1 });
  }

  private latestOf(userId: string): Booking | undefined {
    return [...this.bookings.values()].filter((b) => b.userId === userId).sort((a, b) => b.queueNo - a.queueNo)[0];
  }

  command(step: Step): EventCommand {
    const userId = 'user' in step ? `u${step.user}` : '';
    switch (step.kind) {
      case 'book':
        return { kind: 'book', userId, bookingId: `b${++this.nextBooking}`, quantity: step.quantity, hold: step.hold, by: BY };
      case 'cancel':
      case 'confirm':
        return { kind: step.kind, userId, by: BY };
      case 'reduce':
        return { kind: 'reduce', userId, quantity: step.quantity, by: BY };
      case 'checkIn':
        return { kind: 'checkIn', ticketCode: this.latestOf(userId)?.ticketCode ?? 'NO-CODE', by: BY };
      case 'update':
        return { kind: 'update', patch: step.patch, by: BY };
    }
  }

  private load(commands: readonly EventCommand[]): EventState {
    const { userIds, ticketCodes, placedUserIds } = stateNeeds(commands);
    const all = [...this.bookings.values()];
    const latestBookings = userIds.flatMap((userId) => this.latestOf(userId) ?? []);
    const ticketHolders = all.filter((b) => b.ticketCode !== null && ticketCodes.includes(b.ticketCode));
    const lapsed = all
      .filter((b) => b.status === 'pending' && Date.parse(b.expiresAt ?? '') <= this.now)
      .sort((a, b) => a.queueNo - b.queueNo);
    const waitlist = all.filter((b) => b.status === 'waitlisted').sort((a, b) => a.queueNo - b.queueNo);
    const waitlistHead = waitlist.slice(0, waitlistDepthGuess(commands, this.event, lapsed.length));
    const positions = new Map(
      latestBookings
        .filter((b) => b.status === 'waitlisted' && !waitlistHead.includes(b) && placedUserIds.includes(b.userId))
        .map((b) => [b.id, waitlist.indexOf(b) + 1] as const),
    );
    return structuredClone({ event: this.event, latestBookings, ticketHolders, positions, waitlistHead, lapsed });
  }

  run(waitSeconds: number, steps: readonly Step[]): void {
    this.now += waitSeconds * 1000;
    const commands = [...steps.map((step) => this.command(step)), { kind: 'expire' } as const];
    let state = this.load(commands);
    for (;;) {
      try {
        const { changes } = decide(state, commands, { now: this.now, newTicketCode: () => `CODE-${++this.nextCode}` });
        for (const booking of [...changes.created, ...changes.updated]) this.bookings.set(booking.id, structuredClone(booking));
        if (changes.event) this.event = structuredClone(changes.event);
        for (const draft of changes.audit) this.audit.push({ ...structuredClone(draft), seq: this.audit.length + 1 });
        return;
      } catch (error) {
        if (!(error instanceof WaitlistNotLoaded)) throw error;
        const waitlist = [...this.bookings.values()].filter((b) => b.status === 'waitlisted').sort((a, b) => a.queueNo - b.queueNo);
        state = { ...state, waitlistHead: structuredClone(waitlist.slice(0, error.depth)) };
      }
    }
  }
}

type Step =
  | { kind: 'book'; user: number; quantity: number; hold: boolean }
  | { kind: 'cancel' | 'confirm' | 'checkIn'; user: number }
  | { kind: 'reduce'; user: number; quantity: number }
  | { kind: 'update'; patch: EventPatch };

const user = fc.integer({ min: 1, max: 8 });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('book' as const), user, quantity: fc.integer({ min: 1, max: 3 }), hold: fc.boolean() }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('cancel' as const, 'confirm' as const, 'checkIn' as const), user }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reduce' as const), user, quantity: fc.integer({ min: 1, max: 2 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('update' as const),
      patch: fc.record(
        {
          totalTickets: fc.integer({ min: 1, max: 8 }),
          salesOpen: fc.boolean(),
          waitlistMode: fc.constantFrom('auto' as const, 'offer' as const),
          holdTtlSeconds: fc.constantFrom(HOLD_TTL, 2 * HOLD_TTL),
          maxPerBooking: fc.integer({ min: 1, max: 3 }),
        },
        { requiredKeys: [] },
      ),
    }),
  },
);

describe('audit replay — against decide()', () => {
  it('reproduces every count and every booking of any run of batches over time, with nothing to report', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.tuple(fc.constantFrom(0, 1, HOLD_TTL, OFFER_TTL), fc.array(stepArb, { minLength: 1, maxLength: 5 })), {
          minLength: 1,
          maxLength: 20,
        }),
        (capacity, batches) => {
          const decided = new DecidedEvent(capacity);
          for (const [wait, steps] of batches) decided.run(wait, steps);
          const { event, bookings, discrepancies } = replayAuditLog(EVENT_ID, decided.audit);
          expect(discrepancies).toEqual([]);
          const { id: _id, lastQueueNo, createdAt: _createdAt, updatedAt: _updatedAt, ...stored } = decided.event;
          expect(event).toEqual({ ...stored, acceptedCount: lastQueueNo });
          const storedBookings = [...decided.bookings.values()].map((b) => [
            b.id,
            b.userId,
            b.status,
            b.quantity,
            b.queueNo,
            b.status === 'pending' ? b.expiresAt : null,
            b.ticketCode !== null,
            b.checkedInAt,
          ]);
          const replayedBookings = [...bookings.values()].map((b) => [
            b.id,
            b.userId,
            b.status,
            b.quantity,
            b.acceptedAs,
            b.expiresAt,
            b.everConfirmed,
            b.checkedInAt,
          ]);
          expect(replayedBookings).toEqual(storedBookings);
        },
      ),
      { numRuns: 300 },
    );
  });
});
