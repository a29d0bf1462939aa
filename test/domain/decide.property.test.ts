import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditAction, AuditEntry, RequestedBy } from '../../src/domain/audit.js';
import { type Booking, type BookingStatus, type BookingView, isActive } from '../../src/domain/booking.js';
import {
  type CommandOutcome,
  type Decision,
  type EventCommand,
  type EventState,
  WaitlistNotLoaded,
  decide,
  stateNeeds,
  waitlistDepthGuess,
} from '../../src/domain/decide.js';
import { type EventPatch, type EventRecord, availableTickets } from '../../src/domain/event.js';
import { openEvent } from '../../src/domain/open-event.js';

const BY: RequestedBy = { actor: 'admin', requestId: null };
const START = Date.UTC(2030, 0, 1);
const HOLD_TTL = 10;
const OFFER_TTL = 20;

let bookingSequence = 0;
const nextBookingId = (): string => `b${String(++bookingSequence).padStart(6, '0')}`;

const book = (userId: string, quantity = 1, hold = false): EventCommand => ({
  kind: 'book',
  userId,
  bookingId: nextBookingId(),
  quantity,
  hold,
  by: BY,
});
const cancel = (userId: string): EventCommand => ({ kind: 'cancel', userId, by: BY });
const confirm = (userId: string): EventCommand => ({ kind: 'confirm', userId, by: BY });
const reduce = (userId: string, quantity: number): EventCommand => ({ kind: 'reduce', userId, quantity, by: BY });
const checkIn = (ticketCode: string): EventCommand => ({ kind: 'checkIn', ticketCode, by: BY });
const update = (patch: EventPatch): EventCommand => ({ kind: 'update', patch, by: BY });

/** A test double of the database: one event row, its bookings and its audit log, loaded as the store loads them. */
class SimulatedStore {
  event: EventRecord;
  readonly bookings = new Map<string, Booking>();
  readonly audit: AuditEntry[] = [];
  private codes = 0;

  constructor(totalTickets: number, maxPerBooking: number) {
    const input = { id: 'ev1', name: 'Concert', totalTickets, maxPerBooking, holdTtlSeconds: HOLD_TTL, offerTtlSeconds: OFFER_TTL };
    const opened = openEvent(input, BY, new Date(START).toISOString());
    this.event = opened.event;
    this.audit.push({ ...opened.audit, seq: 1 });
  }

  waitlist(): Booking[] {
    return [...this.bookings.values()].filter((b) => b.status === 'waitlisted').sort((a, b) => a.queueNo - b.queueNo);
  }

  latestOf(userId: string): Booking | undefined {
    return [...this.bookings.values()].filter((b) => b.userId === userId).sort((a, b) => b.queueNo - a.queueNo)[0];
  }

  load(commands: readonly EventCommand[], now: number): EventState {
    const { userIds, ticketCodes, placedUserIds } = stateNeeds(commands);
    const latestBookings = userIds.flatMap((userId) => this.latestOf(userId) ?? []);
    const ticketHolders = [...this.bookings.values()].filter((b) => b.ticketCode !== null && ticketCodes.includes(b.ticketCode));
    const lapsed = [...this.bookings.values()]
      .filter((b) => b.status === 'pending' && b.expiresAt !== null && Date.parse(b.expiresAt) <= now)
      .sort((a, b) => a.queueNo - b.queueNo);
    const waitlist = this.waitlist();
    const waitlistHead = waitlist.slice(0, waitlistDepthGuess(commands, this.event, lapsed.length));
    const positions = new Map<string, number>();
    for (const booking of latestBookings) {
      // As the store loads them: decide fails if it must show a place it was not given.
      if (booking.status !== 'waitlisted' || waitlistHead.includes(booking) || !placedUserIds.includes(booking.userId)) continue;
      positions.set(booking.id, 1 + waitlist.filter((b) => b.queueNo < booking.queueNo).length);
    }
    return structuredClone({ event: this.event, latestBookings, ticketHolders, positions, waitlistHead, lapsed });
  }

  /** One transaction: load, decide (deeper when promotions need it, as the service does), apply. */
  run(commands: readonly EventCommand[], now: number): Decision {
    let state = this.load(commands, now);
    let decision: Decision;
    for (;;) {
      try {
        decision = decide(state, commands, { now, newTicketCode: () => `CODE-${++this.codes}` });
        break;
      } catch (error) {
        if (!(error instanceof WaitlistNotLoaded)) throw error;
        state = { ...state, waitlistHead: structuredClone(this.waitlist().slice(0, error.depth)) };
      }
    }
    const { changes } = decision;
    for (const booking of changes.created) {
      expect(this.bookings.has(booking.id), `created booking ${booking.id} already exists`).toBe(false);
      this.bookings.set(booking.id, structuredClone(booking));
    }
    for (const booking of changes.updated) {
      expect(this.bookings.has(booking.id), `updated booking ${booking.id} does not exist`).toBe(true);
      this.bookings.set(booking.id, structuredClone(booking));
    }
    if (changes.event) this.event = structuredClone(changes.event);
    for (const draft of changes.audit) this.audit.push({ ...structuredClone(draft), seq: this.audit.length + 1 });
    return decision;
  }
}

type Expected =
  | { ok: true; kind: 'book' | 'confirm' | 'checkIn'; bookingId: string }
  | { ok: true; kind: 'cancel' | 'reduce'; bookingId: string; promotedIds: string[] }
  | { ok: true; kind: 'update' | 'expire' }
  | { ok: false; code: string; existingId: string | null };

interface ModelBooking {
  id: string;
  userId: string;
  quantity: number;
  hold: boolean;
  status: BookingStatus;
  expiresAt: number | null;
  hasCode: boolean;
  checkedIn: boolean;
}

/** The rules of SPEC §1, one command at a time, with the waiting list as a plain array. */
class ReferenceModel {
  totalTickets: number;
  maxPerBooking: number;
  salesOpen = true;
  waitlistMode: 'auto' | 'offer' = 'auto';
  readonly bookings = new Map<string, ModelBooking>();
  readonly latest = new Map<string, string>();
  readonly waitlist: string[] = [];
  /** Bookings taken off the list by promotion or offer, in order. */
  readonly promotions: string[] = [];

  constructor(totalTickets: number, maxPerBooking: number) {
    this.totalTickets = totalTickets;
    this.maxPerBooking = maxPerBooking;
  }

  tickets(status: BookingStatus): number {
    return [...this.bookings.values()].filter((b) => b.status === status).reduce((sum, b) => sum + b.quantity, 0);
  }

  get available(): number {
    return this.totalTickets - this.tickets('confirmed') - this.tickets('pending');
  }

  position(bookingId: string): number | null {
    return this.bookings.get(bookingId)?.status === 'waitlisted' ? this.waitlist.indexOf(bookingId) + 1 : null;
  }

  /** Lapses what is due, in acceptance order, then hands the tickets down the list. */
  lapse(now: number): void {
    let lapsedAny = false;
    for (const booking of this.bookings.values()) {
      if (booking.status === 'pending' && booking.expiresAt !== null && booking.expiresAt <= now) {
        booking.status = 'expired';
        booking.expiresAt = null;
        lapsedAny = true;
      }
    }
    if (lapsedAny) this.promote(now);
  }

  apply(command: EventCommand, now: number): Expected {
    const refuse = (code: string, existingId: string | null = null): Expected => ({ ok: false, code, existingId });
    const activeOf = (userId: string): ModelBooking | undefined => {
      const booking = this.bookings.get(this.latest.get(userId) ?? '');
      return booking && ['confirmed', 'pending', 'waitlisted'].includes(booking.status) ? booking : undefined;
    };
    switch (command.kind) {
      case 'book': {
        const active = activeOf(command.userId);
        if (active) return refuse('ALREADY_BOOKED', active.id);
        if (command.quantity > Math.min(this.maxPerBooking, this.totalTickets)) return refuse('QUANTITY_NOT_ALLOWED');
        if (!this.salesOpen) return refuse('SALES_CLOSED');
        const booking: ModelBooking = {
          id: command.bookingId,
          userId: command.userId,
          quantity: command.quantity,
          hold: command.hold,
          status: 'waitlisted',
          expiresAt: null,
          hasCode: false,
          checkedIn: false,
        };
        this.bookings.set(booking.id, booking);
        this.latest.set(command.userId, booking.id);
        if (this.waitlist.length > 0 || this.available < command.quantity) this.waitlist.push(booking.id);
        else if (command.hold) this.holdFor(booking, now, HOLD_TTL);
        else this.confirmTickets(booking);
        return { ok: true, kind: 'book', bookingId: booking.id };
      }
      case 'cancel': {
        const booking = activeOf(command.userId);
        if (!booking) return refuse('BOOKING_NOT_FOUND');
        if (booking.checkedIn) return refuse('ALREADY_CHECKED_IN', booking.id);
        this.leaveWaitlist(booking.id);
        booking.status = 'cancelled';
        booking.expiresAt = null;
        return { ok: true, kind: 'cancel', bookingId: booking.id, promotedIds: this.promote(now) };
      }
      case 'confirm': {
        const booking = this.bookings.get(this.latest.get(command.userId) ?? '');
        if (!booking) return refuse('BOOKING_NOT_FOUND');
        if (booking.status === 'expired') return refuse('EXPIRED', booking.id);
        if (booking.status !== 'pending') return refuse('NOT_PENDING', booking.id);
        booking.expiresAt = null;
        this.confirmTickets(booking);
        return { ok: true, kind: 'confirm', bookingId: booking.id };
      }
      case 'reduce': {
        const booking = activeOf(command.userId);
        if (!booking) return refuse('BOOKING_NOT_FOUND');
        if (booking.checkedIn) return refuse('ALREADY_CHECKED_IN', booking.id);
        if (command.quantity >= booking.quantity) return refuse('QUANTITY_NOT_ALLOWED', booking.id);
        booking.quantity = command.quantity;
        return { ok: true, kind: 'reduce', bookingId: booking.id, promotedIds: this.promote(now) };
      }
      case 'checkIn': {
        const booking = this.bookings.get(command.ticketCode.replace('CODE-OF-', ''));
        if (!booking?.hasCode) return refuse('TICKET_NOT_FOUND');
        if (booking.checkedIn) return refuse('ALREADY_CHECKED_IN', booking.id);
        if (booking.status !== 'confirmed') return refuse('TICKET_NOT_VALID', booking.id);
        booking.checkedIn = true;
        return { ok: true, kind: 'checkIn', bookingId: booking.id };
      }
      case 'update': {
        const { totalTickets, salesOpen, waitlistMode } = command.patch;
        if (totalTickets !== undefined && totalTickets < this.tickets('confirmed') + this.tickets('pending')) {
          return refuse('CAPACITY_BELOW_BOOKED');
        }
        this.totalTickets = totalTickets ?? this.totalTickets;
        this.salesOpen = salesOpen ?? this.salesOpen;
        this.waitlistMode = waitlistMode ?? this.waitlistMode;
        this.promote(now);
        return { ok: true, kind: 'update' };
      }
      case 'expire':
        return { ok: true, kind: 'expire' };
    }
  }

  private promote(now: number): string[] {
    const promoted: string[] = [];
    for (;;) {
      const head = this.bookings.get(this.waitlist[0] ?? '');
      if (!head || head.quantity > this.available) return promoted;
      this.waitlist.shift();
      if (this.waitlistMode === 'offer') this.holdFor(head, now, OFFER_TTL);
      else if (head.hold) this.holdFor(head, now, HOLD_TTL);
      else this.confirmTickets(head);
      this.promotions.push(head.id);
      promoted.push(head.id);
    }
  }

  private leaveWaitlist(bookingId: string): void {
    const place = this.waitlist.indexOf(bookingId);
    if (place >= 0) this.waitlist.splice(place, 1);
  }

  private holdFor(booking: ModelBooking, now: number, ttlSeconds: number): void {
    booking.status = 'pending';
    booking.expiresAt = now + ttlSeconds * 1000;
  }

  private confirmTickets(booking: ModelBooking): void {
    booking.status = 'confirmed';
    booking.hasCode = true;
  }

  view(bookingId: string) {
    const booking = this.bookings.get(bookingId);
    if (!booking) throw new Error(`the model has no booking ${bookingId}`);
    return {
      id: booking.id,
      userId: booking.userId,
      quantity: booking.quantity,
      status: booking.status,
      position: this.position(booking.id),
      expiresAt: booking.expiresAt === null ? null : new Date(booking.expiresAt).toISOString(),
      hasCode: booking.hasCode,
      checkedIn: booking.checkedIn,
    };
  }
}

function viewFacts(view: BookingView | undefined) {
  return (
    view && {
      id: view.id,
      userId: view.userId,
      quantity: view.quantity,
      status: view.status,
      position: view.position,
      expiresAt: view.expiresAt,
      hasCode: view.ticketCode !== null,
      checkedIn: view.checkedInAt !== null,
    }
  );
}

/** What the model says each command answers, compared when the command ran (rule 10), not after the batch. */
function expectOutcome(outcome: CommandOutcome | undefined, want: Expected, model: ReferenceModel): void {
  if (!outcome) throw new Error('a command got no outcome');
  if (!want.ok) {
    expect(outcome.ok ? `ok ${outcome.kind}` : outcome.error.code).toBe(want.code);
    if (outcome.ok) return;
    const carried = outcome.error.details.extensions?.['booking'] as BookingView | undefined;
    expect(viewFacts(carried)).toEqual(want.existingId === null ? undefined : model.view(want.existingId));
    return;
  }
  expect(outcome.ok ? outcome.kind : `error ${outcome.error.code}: ${outcome.error.message}`).toBe(want.kind);
  if (!outcome.ok || !('bookingId' in want) || !('booking' in outcome)) return;
  expect(viewFacts(outcome.booking)).toEqual(model.view(want.bookingId));
  if ((outcome.kind === 'cancel' || outcome.kind === 'reduce') && (want.kind === 'cancel' || want.kind === 'reduce')) {
    expect(outcome.promoted.map(viewFacts)).toEqual(want.promotedIds.map((id) => model.view(id)));
  }
}

function expectStoreMatchesModel(store: SimulatedStore, model: ReferenceModel): void {
  expect({
    totalTickets: store.event.totalTickets,
    salesOpen: store.event.salesOpen,
    waitlistMode: store.event.waitlistMode,
    bookedCount: store.event.bookedCount,
    heldCount: store.event.heldCount,
    waitlistCount: store.event.waitlistCount,
    waitlistTickets: store.event.waitlistTickets,
  }).toEqual({
    totalTickets: model.totalTickets,
    salesOpen: model.salesOpen,
    waitlistMode: model.waitlistMode,
    bookedCount: model.tickets('confirmed'),
    heldCount: model.tickets('pending'),
    waitlistCount: model.waitlist.length,
    waitlistTickets: model.tickets('waitlisted'),
  });
  const stored = new Map([...store.bookings.values()].map((b) => [b.id, viewFacts(toPlacedView(store, b))]));
  expect(stored).toEqual(new Map([...model.bookings.keys()].map((id) => [id, model.view(id)])));
  const promotedInAudit = store.audit
    .filter((e) => e.action === 'booking.promoted' || e.action === 'booking.offered')
    .map((e) => e.bookingId);
  expect(promotedInAudit).toEqual(model.promotions);
}

function toPlacedView(store: SimulatedStore, booking: Booking): BookingView {
  const position = booking.status === 'waitlisted' ? store.waitlist().indexOf(booking) + 1 : null;
  return {
    ...booking,
    position,
    expiresAt: booking.status === 'pending' ? booking.expiresAt : null,
  };
}

/** I1–I3, I7 and I8 on the stored rows, at the instant of the batch. */
function expectInvariants(store: SimulatedStore, now: number): void {
  const { event } = store;
  const bookings = [...store.bookings.values()];
  const sum = (status: BookingStatus) => bookings.filter((b) => b.status === status).reduce((s, b) => s + b.quantity, 0);
  expect(event.bookedCount).toBe(sum('confirmed'));
  expect(event.heldCount).toBe(sum('pending'));
  expect(event.waitlistTickets).toBe(sum('waitlisted'));
  expect(event.waitlistCount).toBe(bookings.filter((b) => b.status === 'waitlisted').length);
  const available = availableTickets(event);
  expect(available).toBeGreaterThanOrEqual(0);
  const head = store.waitlist()[0];
  if (head) expect(available).toBeLessThan(head.quantity);
  const activeUsers = bookings.filter(isActive).map((b) => b.userId);
  expect(new Set(activeUsers).size).toBe(activeUsers.length);
  for (const booking of bookings) {
    if (booking.status === 'pending') expect(Date.parse(booking.expiresAt ?? '')).toBeGreaterThan(now);
    else expect(booking.expiresAt).toBeNull();
    expect(booking.ticketCode !== null).toBe(booking.confirmedAt !== null);
    if (booking.checkedInAt !== null) expect(booking.status).toBe('confirmed');
  }
  const codes = bookings.flatMap((b) => b.ticketCode ?? []);
  expect(new Set(codes).size).toBe(codes.length);
  expect(event.checkedInCount).toBe(bookings.filter((b) => b.checkedInAt !== null).reduce((s, b) => s + b.quantity, 0));
}

const STATUS_AFTER: Partial<Record<AuditAction, BookingStatus>> = {
  'booking.confirmed': 'confirmed',
  'booking.held': 'pending',
  'booking.waitlisted': 'waitlisted',
  'booking.promoted': 'confirmed',
  'booking.offered': 'pending',
  'booking.cancelled': 'cancelled',
  'booking.expired': 'expired',
  'booking.checked_in': 'confirmed',
};

/** Every entry's snapshot shows its booking as the action left it, with the quantity the entry names (I6). */
function expectAuditSnapshots(store: SimulatedStore): void {
  store.audit.forEach((entry, index) => expect(entry.seq).toBe(index + 1));
  const lastState = new Map<string, { status: BookingStatus; quantity: number }>();
  for (const entry of store.audit) {
    expect(entry.event?.id).toBe('ev1');
    if (!entry.action.startsWith('booking.')) continue;
    const snapshot = entry.booking;
    expect(snapshot?.id).toBe(entry.bookingId);
    expect(snapshot?.quantity).toBe(entry.quantity);
    const status = STATUS_AFTER[entry.action];
    if (status) expect(snapshot?.status).toBe(status);
    if (snapshot) lastState.set(snapshot.id, { status: snapshot.status, quantity: snapshot.quantity });
  }
  const stored = new Map([...store.bookings.values()].map((b) => [b.id, { status: b.status, quantity: b.quantity }]));
  expect(lastState).toEqual(stored);
}

type Step =
  | { kind: 'book'; user: number; quantity: number; hold: boolean }
  | { kind: 'cancel' | 'confirm' | 'checkIn'; user: number }
  | { kind: 'reduce'; user: number; quantity: number }
  | { kind: 'capacity'; totalTickets: number }
  | { kind: 'sales'; open: boolean }
  | { kind: 'mode'; mode: 'auto' | 'offer' }
  | { kind: 'expire' };

const stepArb = (users: number): fc.Arbitrary<Step> => {
  const user = fc.integer({ min: 1, max: users });
  const quantity = fc.integer({ min: 1, max: 4 });
  return fc.oneof(
    { weight: 8, arbitrary: fc.record({ kind: fc.constant('book' as const), user, quantity, hold: fc.boolean() }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('cancel' as const), user }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('confirm' as const), user }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('reduce' as const), user, quantity }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('checkIn' as const), user }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('capacity' as const), totalTickets: fc.integer({ min: 1, max: 12 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('sales' as const), open: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('mode' as const), mode: fc.constantFrom('auto' as const, 'offer' as const) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'expire' as const }) },
  );
};

const scenarioArb = fc
  .record({ users: fc.integer({ min: 1, max: 10 }), capacity: fc.integer({ min: 1, max: 8 }), max: fc.integer({ min: 1, max: 4 }) })
  .chain(({ users, capacity, max }) =>
    fc.record({
      capacity: fc.constant(capacity),
      maxPerBooking: fc.constant(max),
      batches: fc.array(
        fc.record({
          /** Seconds that pass before the batch runs. */
          wait: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 25 })),
          steps: fc.array(stepArb(users), { minLength: 1, maxLength: 6 }),
        }),
        { minLength: 1, maxLength: 12 },
      ),
    }),
  );

/** Check-ins name a code the store handed out (or a made-up one); the model reads the booking from it. */
function toCommand(step: Step, store: SimulatedStore): EventCommand {
  switch (step.kind) {
    case 'book':
      return book(`u${step.user}`, step.quantity, step.hold);
    case 'cancel':
      return cancel(`u${step.user}`);
    case 'confirm':
      return confirm(`u${step.user}`);
    case 'reduce':
      return reduce(`u${step.user}`, step.quantity);
    case 'checkIn':
      return checkIn(store.latestOf(`u${step.user}`)?.ticketCode ?? 'CODE-NONE');
    case 'capacity':
      return update({ totalTickets: step.totalTickets });
    case 'sales':
      return update({ salesOpen: step.open });
    case 'mode':
      return update({ waitlistMode: step.mode });
    case 'expire':
      return { kind: 'expire' };
  }
}

/** The model finds a ticket by the booking the store gave that code to. */
function forModel(command: EventCommand, store: SimulatedStore): EventCommand {
  if (command.kind !== 'checkIn') return command;
  const owner = [...store.bookings.values()].find((b) => b.ticketCode === command.ticketCode);
  return { ...command, ticketCode: owner ? `CODE-OF-${owner.id}` : 'CODE-OF-nobody' };
}

describe('decide — against a reference model with quantities, holds, offers and a clock', () => {
  it('answers every command as it left things, matches the model and keeps every invariant', () => {
    fc.assert(
      fc.property(scenarioArb, ({ capacity, maxPerBooking, batches }) => {
        const store = new SimulatedStore(capacity, maxPerBooking);
        const model = new ReferenceModel(capacity, maxPerBooking);
        let now = START;
        for (const batch of batches) {
          now += batch.wait * 1000;
          const commands = batch.steps.map((step) => toCommand(step, store));
          const forTheModel = commands.map((command) => forModel(command, store));
          const { outcomes } = store.run(commands, now);
          model.lapse(now);
          forTheModel.forEach((command, index) => expectOutcome(outcomes[index], model.apply(command, now), model));
          expectStoreMatchesModel(store, model);
          expectInvariants(store, now);
          expectAuditSnapshots(store);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('batch equivalence: command k of a batch answers as if commands 1..k had each run in a transaction of their own', () => {
    fc.assert(
      fc.property(scenarioArb, ({ capacity, maxPerBooking, batches }) => {
        const batched = new SimulatedStore(capacity, maxPerBooking);
        const alone = new SimulatedStore(capacity, maxPerBooking);
        let now = START;
        for (const batch of batches) {
          now += batch.wait * 1000;
          const commands = batch.steps.map((step) => toCommand(step, batched));
          const together = batched.run(commands, now).outcomes;
          const oneByOne = commands.map((command) => alone.run([command], now).outcomes[0]);
          expect(together).toEqual(oneByOne);
        }
        expect(batched.event).toEqual(alone.event);
        expect(batched.bookings).toEqual(alone.bookings);
        expect(batched.audit).toEqual(alone.audit);
      }),
      { numRuns: 300 },
    );
  });
});

function okBooking(outcome: CommandOutcome | undefined): BookingView {
  if (!outcome?.ok || !('booking' in outcome)) throw new Error(`expected a booking, got ${JSON.stringify(outcome)}`);
  return outcome.booking;
}

function released(outcome: CommandOutcome | undefined): { booking: BookingView; promoted: BookingView[] } {
  if (!outcome?.ok || (outcome.kind !== 'cancel' && outcome.kind !== 'reduce')) {
    throw new Error(`expected a cancel or reduce, got ${JSON.stringify(outcome)}`);
  }
  return outcome;
}

function errorCodeOf(outcome: CommandOutcome | undefined): string {
  if (!outcome || outcome.ok) throw new Error(`expected an error, got ${JSON.stringify(outcome)}`);
  return outcome.error.code;
}

describe('decide — examples', () => {
  it('a group waits whole, and a head that does not fit holds everyone behind it', () => {
    const store = new SimulatedStore(4, 4);
    store.run([book('ann', 4), book('bob', 3), book('cat', 1)], START);
    expect(store.event).toMatchObject({ bookedCount: 4, waitlistCount: 2, waitlistTickets: 4 });
    const { promoted } = released(store.run([reduce('ann', 3)], START).outcomes[0]);
    expect(promoted).toEqual([]);
    expect(store.waitlist().map((b) => b.userId)).toEqual(['bob', 'cat']);
    const after = released(store.run([reduce('ann', 1)], START).outcomes[0]);
    expect(after.promoted.map((b) => [b.userId, b.quantity, b.status])).toEqual([['bob', 3, 'confirmed']]);
    expect(store.waitlist().map((b) => b.userId)).toEqual(['cat']);
  });

  it('answers a book and a cancel of the same user in one batch each as its own command left the booking', () => {
    const store = new SimulatedStore(5, 2);
    const { outcomes } = store.run([book('ann'), cancel('ann')], START);
    expect(okBooking(outcomes[0]).status).toBe('confirmed');
    expect(released(outcomes[1]).booking.status).toBe('cancelled');
  });

  it('answers three updates in one batch each with the event as that update left it', () => {
    const store = new SimulatedStore(5, 2);
    const { outcomes } = store.run([update({ name: 'A', totalTickets: 6 }), update({ name: 'B' }), update({ totalTickets: 7 })], START);
    const events = outcomes.map((outcome) => (outcome.ok && outcome.kind === 'update' ? outcome.event : null));
    expect(events.map((event) => [event?.name, event?.totalTickets])).toEqual([
      ['A', 6],
      ['B', 6],
      ['B', 7],
    ]);
  });

  it('a hold confirms before its deadline and gets a ticket code; at the deadline it has expired', () => {
    const store = new SimulatedStore(3, 2);
    const held = okBooking(store.run([book('ann', 2, true)], START).outcomes[0]);
    expect(held).toMatchObject({ status: 'pending', ticketCode: null, expiresAt: new Date(START + HOLD_TTL * 1000).toISOString() });
    expect(store.event).toMatchObject({ heldCount: 2, bookedCount: 0 });
    const confirmed = okBooking(store.run([confirm('ann')], START + HOLD_TTL * 1000 - 1).outcomes[0]);
    expect(confirmed).toMatchObject({ status: 'confirmed', expiresAt: null });
    expect(confirmed.ticketCode).not.toBeNull();

    store.run([book('bob', 1, true), book('cat', 1)], START);
    const late = store.run([confirm('bob')], START + HOLD_TTL * 1000);
    expect(errorCodeOf(late.outcomes[0])).toBe('EXPIRED');
    expect(store.audit.find((e) => e.action === 'booking.expired')).toMatchObject({ userId: 'bob', actor: 'system' });
    expect(store.latestOf('cat')).toMatchObject({ status: 'confirmed' });
  });

  it('in offer mode a freed ticket is offered to the head, and an offer left to lapse passes to the next', () => {
    const store = new SimulatedStore(1, 1);
    store.run([book('ann'), book('bob'), book('cat'), update({ waitlistMode: 'offer' })], START);
    const { promoted } = released(store.run([cancel('ann')], START).outcomes[0]);
    expect(promoted.map((b) => [b.userId, b.status])).toEqual([['bob', 'pending']]);
    store.run([{ kind: 'expire' }], START + OFFER_TTL * 1000);
    expect(store.latestOf('bob')?.status).toBe('expired');
    expect(store.latestOf('cat')).toMatchObject({ status: 'pending' });
    expect(store.audit.filter((e) => e.action === 'booking.offered').map((e) => [e.userId, e.actor])).toEqual([
      ['bob', 'admin'],
      ['cat', 'system'],
    ]);
  });

  it('a ticket code admits once, only while its booking is confirmed, and a checked-in booking stays', () => {
    const store = new SimulatedStore(3, 1);
    store.run([book('ann'), book('bob')], START);
    const annCode = store.latestOf('ann')?.ticketCode ?? '';
    const bobCode = store.latestOf('bob')?.ticketCode ?? '';
    store.run([cancel('bob')], START);
    const { outcomes } = store.run([checkIn(annCode), checkIn(annCode), checkIn(bobCode), checkIn('NOPE'), cancel('ann')], START);
    expect(okBooking(outcomes[0]).checkedInAt).not.toBeNull();
    expect(outcomes.slice(1).map(errorCodeOf)).toEqual([
      'ALREADY_CHECKED_IN',
      'TICKET_NOT_VALID',
      'TICKET_NOT_FOUND',
      'ALREADY_CHECKED_IN',
    ]);
    expect(store.event.checkedInCount).toBe(1);
  });

  it('loads the waiting list deeper when an expiry storm frees more tickets than the first guess covers', () => {
    const store = new SimulatedStore(200, 1);
    store.run(
      Array.from({ length: 200 }, (_, i) => book(`held${i}`, 1, true)),
      START,
    );
    store.run(
      Array.from({ length: 200 }, (_, i) => book(`w${i}`)),
      START,
    );
    store.run([{ kind: 'expire' }], START + HOLD_TTL * 1000);
    expect(store.event).toMatchObject({ heldCount: 0, bookedCount: 200, waitlistCount: 0 });
    expect(store.audit.filter((e) => e.action === 'booking.promoted').map((e) => e.userId)).toEqual(
      Array.from({ length: 200 }, (_, i) => `w${i}`),
    );
  });

  it('loads a capacity raise deep enough at once: one decision offers every new ticket, none needs a deeper load', () => {
    const store = new SimulatedStore(1, 1);
    store.run([book('first')], START);
    store.run(
      Array.from({ length: 300 }, (_, i) => book(`w${i}`)),
      START,
    );
    const raise = [update({ totalTickets: 201 })];
    const decision = decide(store.load(raise, START), raise, { now: START, newTicketCode: () => 'CODE' });
    expect(decision.changes.audit.filter((e) => e.action === 'booking.promoted').map((e) => e.userId)).toEqual(
      Array.from({ length: 200 }, (_, i) => `w${i}`),
    );
  });
});
