import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEntry, RequestedBy } from '../../src/domain/audit.js';
import type { Booking, BookingStatus, BookingView } from '../../src/domain/booking.js';
import {
  type CommandOutcome,
  type Decision,
  type EventCommand,
  type EventState,
  decide,
  waitlistHeadNeeded,
} from '../../src/domain/decide.js';
import type { EventPatch, EventRecord } from '../../src/domain/event.js';
import { openEvent } from '../../src/domain/open-event.js';

const BY: RequestedBy = { actor: 'admin', requestId: null };

let bookingSequence = 0;
const nextBookingId = (): string => `b${++bookingSequence}`;

const book = (userId: string): EventCommand => ({ kind: 'book', userId, bookingId: nextBookingId(), by: BY });
const cancel = (userId: string): EventCommand => ({ kind: 'cancel', userId, by: BY });
const update = (patch: EventPatch): EventCommand => ({ kind: 'update', patch, by: BY });

const isActive = (booking: Booking): boolean => booking.status !== 'cancelled';

/** A test double of the database: one event row, its bookings and its audit log. */
class SimulatedStore {
  event: EventRecord;
  readonly bookings = new Map<string, Booking>();
  readonly audit: AuditEntry[] = [];
  private clock = 0;

  constructor(totalTickets: number) {
    const input = { id: 'ev1', name: 'Concert', venue: null, startsAt: null, totalTickets };
    const opened = openEvent(input, BY, this.tick());
    this.event = opened.event;
    this.audit.push({ ...opened.audit, seq: 1 });
  }

  private tick(): string {
    this.clock += 1;
    return new Date(Date.UTC(2025, 0, 1) + this.clock * 1000).toISOString();
  }

  waitlist(): Booking[] {
    return [...this.bookings.values()].filter((b) => b.status === 'waitlisted').sort((a, b) => a.queueNo - b.queueNo);
  }

  load(commands: readonly EventCommand[]): EventState {
    const named = new Set(commands.flatMap((c) => (c.kind === 'update' ? [] : [c.userId])));
    const activeBookings = [...this.bookings.values()].filter((b) => named.has(b.userId) && isActive(b));
    const waitlist = this.waitlist();
    const waitlistHead = waitlist.slice(0, waitlistHeadNeeded(commands, this.event.waitlistCount));
    const positions = new Map<string, number>();
    for (const booking of activeBookings) {
      if (booking.status !== 'waitlisted' || waitlistHead.some((b) => b.id === booking.id)) continue;
      positions.set(booking.id, 1 + waitlist.filter((b) => b.queueNo < booking.queueNo).length);
    }
    return {
      event: structuredClone(this.event),
      activeBookings: structuredClone(activeBookings),
      positions,
      waitlistHead: structuredClone(waitlistHead),
    };
  }

  run(commands: readonly EventCommand[]): Decision {
    const decision = decide(this.load(commands), commands, this.tick());
    const { changes } = decision;
    for (const booking of changes.created) {
      expect(this.bookings.has(booking.id), `created booking ${booking.id} already exists`).toBe(false);
      this.bookings.set(booking.id, { ...booking });
    }
    for (const booking of changes.updated) {
      expect(this.bookings.has(booking.id), `updated booking ${booking.id} does not exist`).toBe(true);
      this.bookings.set(booking.id, { ...booking });
    }
    if (changes.event) this.event = { ...changes.event };
    for (const draft of changes.audit) this.audit.push({ ...draft, seq: this.audit.length + 1 });
    return decision;
  }
}

type ErrorCode = 'ALREADY_BOOKED' | 'SALES_CLOSED' | 'BOOKING_NOT_FOUND' | 'CAPACITY_BELOW_BOOKED';

type Expected =
  | { ok: true; kind: 'book'; bookingId: string }
  | { ok: true; kind: 'cancel'; bookingId: string; promotedId: string | null }
  | { ok: true; kind: 'update' }
  | { ok: false; code: ErrorCode; existingId: string | null };

/** The rules of SPEC §1, one command at a time, with the waiting list as a plain FIFO array. */
class ReferenceModel {
  totalTickets: number;
  salesOpen = true;
  readonly status = new Map<string, BookingStatus>();
  readonly owner = new Map<string, string>();
  readonly activeOf = new Map<string, string>();
  readonly waitlist: string[] = [];
  readonly promotions: string[] = [];

  constructor(totalTickets: number) {
    this.totalTickets = totalTickets;
  }

  get bookedCount(): number {
    return [...this.status.values()].filter((s) => s === 'confirmed').length;
  }

  position(bookingId: string): number | null {
    return this.status.get(bookingId) === 'waitlisted' ? this.waitlist.indexOf(bookingId) + 1 : null;
  }

  apply(command: EventCommand): Expected {
    switch (command.kind) {
      case 'book': {
        const existing = this.activeOf.get(command.userId);
        if (existing !== undefined) return { ok: false, code: 'ALREADY_BOOKED', existingId: existing };
        if (!this.salesOpen) return { ok: false, code: 'SALES_CLOSED', existingId: null };
        const id = command.bookingId;
        this.owner.set(id, command.userId);
        this.activeOf.set(command.userId, id);
        if (this.bookedCount < this.totalTickets) {
          this.status.set(id, 'confirmed');
        } else {
          this.status.set(id, 'waitlisted');
          this.waitlist.push(id);
        }
        return { ok: true, kind: 'book', bookingId: id };
      }
      case 'cancel': {
        const id = this.activeOf.get(command.userId);
        if (id === undefined) return { ok: false, code: 'BOOKING_NOT_FOUND', existingId: null };
        const wasConfirmed = this.status.get(id) === 'confirmed';
        this.status.set(id, 'cancelled');
        this.activeOf.delete(command.userId);
        const place = this.waitlist.indexOf(id);
        if (place >= 0) this.waitlist.splice(place, 1);
        const promotedId = wasConfirmed ? this.promoteHead() : null;
        return { ok: true, kind: 'cancel', bookingId: id, promotedId };
      }
      case 'update': {
        const { totalTickets, salesOpen } = command.patch;
        if (totalTickets !== undefined && totalTickets < this.bookedCount) {
          return { ok: false, code: 'CAPACITY_BELOW_BOOKED', existingId: null };
        }
        if (totalTickets !== undefined) this.totalTickets = totalTickets;
        if (salesOpen !== undefined) this.salesOpen = salesOpen;
        while (this.bookedCount < this.totalTickets && this.waitlist.length > 0) this.promoteHead();
        return { ok: true, kind: 'update' };
      }
    }
  }

  private promoteHead(): string | null {
    const head = this.waitlist.shift();
    if (head === undefined) return null;
    this.status.set(head, 'confirmed');
    this.promotions.push(head);
    return head;
  }
}

function expectView(view: BookingView | undefined, model: ReferenceModel, bookingId: string): void {
  expect(view && { id: view.id, userId: view.userId, status: view.status, position: view.position }).toEqual({
    id: bookingId,
    userId: model.owner.get(bookingId),
    status: model.status.get(bookingId),
    position: model.position(bookingId),
  });
}

function expectOutcomesMatch(outcomes: CommandOutcome[], expected: Expected[], model: ReferenceModel): void {
  expect(outcomes).toHaveLength(expected.length);
  outcomes.forEach((outcome, index) => {
    const want = expected[index]!;
    if (!want.ok) {
      expect(outcome.ok ? `ok ${outcome.kind}` : outcome.error.code).toBe(want.code);
      if (outcome.ok) return;
      const extended = outcome.error.details.extensions?.['booking'] as BookingView | undefined;
      if (want.existingId === null) expect(extended).toBeUndefined();
      else expectView(extended, model, want.existingId);
      return;
    }
    expect(outcome.ok ? outcome.kind : `error ${outcome.error.code}`).toBe(want.kind);
    if (!outcome.ok) return;
    if (outcome.kind === 'book' && want.kind === 'book') expectView(outcome.booking, model, want.bookingId);
    if (outcome.kind === 'cancel' && want.kind === 'cancel') {
      expectView(outcome.booking, model, want.bookingId);
      expect(outcome.promoted?.userId ?? null).toBe(want.promotedId === null ? null : model.owner.get(want.promotedId));
      if (want.promotedId !== null) expectView(outcome.promoted ?? undefined, model, want.promotedId);
    }
  });
}

function expectStoreMatchesModel(store: SimulatedStore, model: ReferenceModel): void {
  const { event } = store;
  expect({
    totalTickets: event.totalTickets,
    salesOpen: event.salesOpen,
    bookedCount: event.bookedCount,
    waitlistCount: event.waitlistCount,
  }).toEqual({
    totalTickets: model.totalTickets,
    salesOpen: model.salesOpen,
    bookedCount: model.bookedCount,
    waitlistCount: model.waitlist.length,
  });
  expect(new Map([...store.bookings.values()].map((b) => [b.id, b.status]))).toEqual(model.status);
  expect(store.waitlist().map((b) => b.id)).toEqual(model.waitlist);
  const promotedInAudit = store.audit.filter((e) => e.action === 'booking.promoted').map((e) => e.bookingId);
  expect(promotedInAudit).toEqual(model.promotions);
}

function expectInvariants(store: SimulatedStore): void {
  const { event } = store;
  const bookings = [...store.bookings.values()];
  const available = event.totalTickets - event.bookedCount;
  expect(event.bookedCount + available).toBe(event.totalTickets);
  expect(event.bookedCount).toBeLessThanOrEqual(event.totalTickets);
  expect(available).toBeGreaterThanOrEqual(0);
  expect(event.bookedCount).toBe(bookings.filter((b) => b.status === 'confirmed').length);
  expect(event.waitlistCount).toBe(bookings.filter((b) => b.status === 'waitlisted').length);
  if (event.waitlistCount > 0) expect(available).toBe(0);
  const activeUsers = bookings.filter(isActive).map((b) => b.userId);
  expect(new Set(activeUsers).size).toBe(activeUsers.length);
  const queueNos = bookings.map((b) => b.queueNo);
  queueNos.forEach((queueNo, index) => {
    if (index > 0) expect(queueNo).toBeGreaterThan(queueNos[index - 1]!);
  });
  expect(event.lastQueueNo).toBe(queueNos.at(-1) ?? 0);
}

/** Rebuilds the event and every booking from the audit log alone, checking FIFO promotion on the way. */
function expectAuditReplayReproduces(store: SimulatedStore): void {
  let totalTickets: number | null = null;
  let salesOpen: boolean | null = null;
  const status = new Map<string, BookingStatus>();
  const queueNoOf = (bookingId: string): number => {
    const booking = store.bookings.get(bookingId);
    if (!booking) throw new Error(`audit names unknown booking ${bookingId}`);
    return booking.queueNo;
  };
  store.audit.forEach((entry, index) => expect(entry.seq).toBe(index + 1));
  for (const entry of store.audit) {
    if (entry.action === 'event.created' || entry.action === 'event.updated') {
      const data = entry.data ?? {};
      if (typeof data['totalTickets'] === 'number') totalTickets = data['totalTickets'];
      if (typeof data['salesOpen'] === 'boolean') salesOpen = data['salesOpen'];
      continue;
    }
    const id = entry.bookingId;
    if (id === null) throw new Error(`${entry.action} entry ${entry.seq} names no booking`);
    switch (entry.action) {
      case 'booking.confirmed':
      case 'booking.waitlisted':
        expect(status.has(id)).toBe(false);
        status.set(id, entry.action === 'booking.confirmed' ? 'confirmed' : 'waitlisted');
        break;
      case 'booking.promoted': {
        const waiting = [...status].filter(([, s]) => s === 'waitlisted').map(([b]) => queueNoOf(b));
        expect(status.get(id)).toBe('waitlisted');
        expect(queueNoOf(id)).toBe(Math.min(...waiting));
        status.set(id, 'confirmed');
        break;
      }
      case 'booking.cancelled':
        expect(status.get(id)).toMatch(/^(confirmed|waitlisted)$/);
        status.set(id, 'cancelled');
        break;
    }
  }
  const statuses = [...status.values()];
  expect({
    totalTickets,
    salesOpen,
    bookedCount: statuses.filter((s) => s === 'confirmed').length,
    waitlistCount: statuses.filter((s) => s === 'waitlisted').length,
  }).toEqual({
    totalTickets: store.event.totalTickets,
    salesOpen: store.event.salesOpen,
    bookedCount: store.event.bookedCount,
    waitlistCount: store.event.waitlistCount,
  });
  expect(status).toEqual(new Map([...store.bookings.values()].map((b) => [b.id, b.status])));
}

type Step =
  | { kind: 'book'; user: number }
  | { kind: 'cancel'; user: number }
  | { kind: 'capacity'; totalTickets: number }
  | { kind: 'sales'; open: boolean };

const stepArb = (users: number): fc.Arbitrary<Step> => {
  const user = fc.integer({ min: 1, max: users });
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('book' as const), user }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('cancel' as const), user }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('capacity' as const), totalTickets: fc.integer({ min: 1, max: 10 }) }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('sales' as const), open: fc.boolean() }) },
  );
};

const scenarioArb = fc
  .record({ users: fc.integer({ min: 1, max: 12 }), capacity: fc.integer({ min: 1, max: 6 }) })
  .chain(({ users, capacity }) =>
    fc.record({
      capacity: fc.constant(capacity),
      batches: fc.array(fc.array(stepArb(users), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 15 }),
    }),
  );

function toCommand(step: Step): EventCommand {
  switch (step.kind) {
    case 'book':
      return book(`u${step.user}`);
    case 'cancel':
      return cancel(`u${step.user}`);
    case 'capacity':
      return update({ totalTickets: step.totalTickets });
    case 'sales':
      return update({ salesOpen: step.open });
  }
}

describe('decide — against a FIFO reference model', () => {
  it('batched commands behave as if each ran alone in turn and keep every invariant', () => {
    fc.assert(
      fc.property(scenarioArb, ({ capacity, batches }) => {
        const store = new SimulatedStore(capacity);
        const model = new ReferenceModel(capacity);
        for (const steps of batches) {
          const commands = steps.map(toCommand);
          const { outcomes } = store.run(commands);
          const expected = commands.map((command) => model.apply(command));
          expectOutcomesMatch(outcomes, expected, model);
          expectStoreMatchesModel(store, model);
          expectInvariants(store);
          expectAuditReplayReproduces(store);
        }
      }),
      { numRuns: 300 },
    );
  });
});

function bookingOf(outcome: CommandOutcome | undefined): BookingView {
  if (!outcome?.ok || outcome.kind !== 'book') throw new Error(`expected a booking, got ${JSON.stringify(outcome)}`);
  return outcome.booking;
}

function cancellationOf(outcome: CommandOutcome | undefined): { booking: BookingView; promoted: BookingView | null } {
  if (!outcome?.ok || outcome.kind !== 'cancel') {
    throw new Error(`expected a cancellation, got ${JSON.stringify(outcome)}`);
  }
  return outcome;
}

function errorCodeOf(outcome: CommandOutcome | undefined): string {
  if (!outcome || outcome.ok) throw new Error(`expected an error, got ${JSON.stringify(outcome)}`);
  return outcome.error.code;
}

describe('decide — examples', () => {
  it('promotes the earliest waitlisted booking on cancel', () => {
    const store = new SimulatedStore(1);
    store.run([book('ann'), book('bob'), book('cat')]);
    const { outcomes } = store.run([cancel('ann')]);
    const { booking, promoted } = cancellationOf(outcomes[0]);
    expect(booking.status).toBe('cancelled');
    expect(promoted).toMatchObject({ userId: 'bob', status: 'confirmed', position: null });
    expect(store.waitlist().map((b) => b.userId)).toEqual(['cat']);
    expect(store.audit.at(-1)).toMatchObject({ action: 'booking.promoted', userId: 'bob' });
  });

  it('a failing command in a batch leaves the rest of the batch applied', () => {
    const store = new SimulatedStore(3);
    const { outcomes, changes } = store.run([
      book('ann'),
      book('bob'),
      book('ann'),
      cancel('zed'),
      update({ totalTickets: 1 }),
      book('cat'),
    ]);
    expect(bookingOf(outcomes[0]).status).toBe('confirmed');
    expect(bookingOf(outcomes[1]).status).toBe('confirmed');
    expect(errorCodeOf(outcomes[2])).toBe('ALREADY_BOOKED');
    expect(errorCodeOf(outcomes[3])).toBe('BOOKING_NOT_FOUND');
    expect(errorCodeOf(outcomes[4])).toBe('CAPACITY_BELOW_BOOKED');
    expect(bookingOf(outcomes[5]).status).toBe('confirmed');
    expect(changes.created.map((b) => b.userId)).toEqual(['ann', 'bob', 'cat']);
    expect(store.event).toMatchObject({ totalTickets: 3, bookedCount: 3, waitlistCount: 0 });
  });

  it('a user who cancels and books again in one batch gets a new booking at the tail', () => {
    const store = new SimulatedStore(1);
    store.run([book('ann'), book('bob'), book('cat')]);
    const { outcomes } = store.run([cancel('bob'), book('bob')]);
    const old = cancellationOf(outcomes[0]).booking;
    const renewed = bookingOf(outcomes[1]);
    expect(old.status).toBe('cancelled');
    expect(renewed.id).not.toBe(old.id);
    expect(renewed).toMatchObject({ status: 'waitlisted', position: 2 });
    expect(store.waitlist().map((b) => b.userId)).toEqual(['cat', 'bob']);
  });

  it('raising capacity promotes from the head in FIFO order', () => {
    const store = new SimulatedStore(1);
    store.run([book('ann'), book('bob'), book('cat'), book('dan')]);
    store.run([update({ totalTickets: 3 })]);
    const promoted = store.audit.filter((e) => e.action === 'booking.promoted').map((e) => e.userId);
    expect(promoted).toEqual(['bob', 'cat']);
    expect(store.waitlist().map((b) => b.userId)).toEqual(['dan']);
    expect(store.event).toMatchObject({ totalTickets: 3, bookedCount: 3, waitlistCount: 1 });
  });

  it('closed sales refuse new bookings but a cancel still promotes the head', () => {
    const store = new SimulatedStore(1);
    store.run([book('ann'), book('bob')]);
    const { outcomes } = store.run([update({ salesOpen: false }), book('cat'), cancel('ann')]);
    expect(errorCodeOf(outcomes[1])).toBe('SALES_CLOSED');
    expect(cancellationOf(outcomes[2]).promoted).toMatchObject({ userId: 'bob', status: 'confirmed' });
    expect(store.event).toMatchObject({ salesOpen: false, bookedCount: 1, waitlistCount: 0 });
  });

  it('ALREADY_BOOKED carries the existing booking with its waiting-list place', () => {
    const store = new SimulatedStore(1);
    store.run([book('ann'), book('bob'), book('cat')]);
    const { outcomes } = store.run([book('cat')]);
    if (outcomes[0]?.ok !== false) throw new Error('expected ALREADY_BOOKED');
    expect(outcomes[0].error.code).toBe('ALREADY_BOOKED');
    expect(outcomes[0].error.details.extensions?.['booking']).toMatchObject({
      userId: 'cat',
      status: 'waitlisted',
      position: 2,
    });
  });
});
