import type { AuditAction, AuditDraft, RequestedBy } from './audit.js';
import { type Booking, type BookingView, toBookingView } from './booking.js';
import { DomainError } from './errors.js';
import type { EventPatch, EventRecord } from './event.js';

export type EventCommand =
  | { kind: 'book'; userId: string; bookingId: string; by: RequestedBy }
  | { kind: 'cancel'; userId: string; by: RequestedBy }
  | { kind: 'update'; patch: EventPatch; by: RequestedBy };

/** What a batch of commands against one event needs to see, loaded under that event's lock. */
export interface EventState {
  event: EventRecord;
  /** The active booking of every user a command names (users without one are absent). */
  activeBookings: readonly Booking[];
  /** Waiting-list places of those active bookings that are waitlisted. */
  positions: ReadonlyMap<string, number>;
  /** The first waitlisted bookings in FIFO order; at least as many as the batch can promote. */
  waitlistHead: readonly Booking[];
}

/** How many waitlisted bookings, from the head, the commands may take off the list at most. */
export function waitlistHeadNeeded(commands: readonly EventCommand[], waitlistCount: number): number {
  let needed = 0;
  for (const command of commands) {
    if (command.kind === 'cancel') needed += 1;
    // The raise is unknown until the event is loaded; the new total bounds it.
    if (command.kind === 'update' && command.patch.totalTickets !== undefined) needed += command.patch.totalTickets;
  }
  return Math.min(needed, waitlistCount);
}

export type CommandOutcome =
  | { ok: true; kind: 'book'; booking: BookingView }
  | { ok: true; kind: 'cancel'; booking: BookingView; promoted: BookingView | null }
  | { ok: true; kind: 'update'; event: EventRecord }
  | { ok: false; error: DomainError };

export type Succeeded<K extends EventCommand['kind']> = Extract<CommandOutcome, { ok: true; kind: K }>;

export interface EventChanges {
  /** The event row as it must be stored, or null when nothing about it changed. */
  event: EventRecord | null;
  /** Bookings that did not exist before, in their final state. */
  created: Booking[];
  /** Bookings that existed before and changed, in their final state. */
  updated: Booking[];
  audit: AuditDraft[];
}

export interface Decision {
  outcomes: CommandOutcome[];
  changes: EventChanges;
}

/**
 * Applies the commands in order to the loaded state, as if each ran alone in turn.
 * A command that fails changes nothing and leaves the others unaffected.
 */
export function decide(state: EventState, commands: readonly EventCommand[], now: string): Decision {
  const ledger = new EventLedger(state, now);
  const drafts = commands.map((command) => ledger.apply(command));
  return { outcomes: drafts.map((draft) => ledger.present(draft)), changes: ledger.changes() };
}

type DraftOutcome =
  | { ok: true; kind: 'book'; booking: Booking }
  | { ok: true; kind: 'cancel'; booking: Booking; promoted: Booking | null }
  | { ok: true; kind: 'update' }
  | { ok: false; error: DomainError; existing?: Booking };

const EVENT_FIELDS = ['name', 'venue', 'startsAt', 'totalTickets', 'salesOpen'] as const;

class EventLedger {
  private readonly now: string;
  private readonly event: EventRecord;
  private eventChanged = false;
  private readonly activeByUser = new Map<string, Booking>();
  /** Loaded waitlisted bookings not yet taken off the list, FIFO. */
  private readonly head: Booking[];
  /** Waitlisted bookings in the database beyond the loaded head. */
  private unloaded: number;
  /** Bookings waitlisted by this batch, FIFO, behind everything in the database. */
  private readonly tail: Booking[] = [];
  private readonly startPositions = new Map<string, number>();
  private readonly leftWaitlist: number[] = [];
  private readonly created = new Map<string, Booking>();
  private readonly updated = new Map<string, Booking>();
  private readonly audit: AuditDraft[] = [];

  constructor(state: EventState, now: string) {
    this.now = now;
    this.event = { ...state.event };
    const copies = new Map<string, Booking>();
    const copyOf = (booking: Booking): Booking => {
      let copy = copies.get(booking.id);
      if (!copy) {
        copy = { ...booking };
        copies.set(booking.id, copy);
      }
      return copy;
    };
    for (const booking of state.activeBookings) {
      this.activeByUser.set(booking.userId, copyOf(booking));
      const position = state.positions.get(booking.id);
      if (position !== undefined) this.startPositions.set(booking.id, position);
    }
    this.head = state.waitlistHead.map(copyOf);
    this.head.forEach((booking, index) => this.startPositions.set(booking.id, index + 1));
    this.unloaded = state.event.waitlistCount - this.head.length;
  }

  apply(command: EventCommand): DraftOutcome {
    try {
      switch (command.kind) {
        case 'book':
          return this.book(command.userId, command.bookingId, command.by);
        case 'cancel':
          return this.cancel(command.userId, command.by);
        case 'update':
          return this.update(command.patch, command.by);
      }
    } catch (error) {
      if (error instanceof DomainError) return { ok: false, error, existing: this.activeOf(command) };
      throw error;
    }
  }

  private activeOf(command: EventCommand): Booking | undefined {
    return command.kind === 'book' ? this.activeByUser.get(command.userId) : undefined;
  }

  private book(userId: string, bookingId: string, by: RequestedBy): DraftOutcome {
    if (this.activeByUser.has(userId)) {
      throw new DomainError('ALREADY_BOOKED', `User ${userId} already holds an active booking for this event.`);
    }
    if (!this.event.salesOpen) throw new DomainError('SALES_CLOSED', 'Sales for this event are closed.');
    const confirmed = this.event.bookedCount < this.event.totalTickets;
    this.event.lastQueueNo += 1;
    const booking: Booking = {
      id: bookingId,
      eventId: this.event.id,
      userId,
      status: confirmed ? 'confirmed' : 'waitlisted',
      queueNo: this.event.lastQueueNo,
      createdAt: this.now,
      updatedAt: this.now,
      confirmedAt: confirmed ? this.now : null,
      cancelledAt: null,
    };
    if (confirmed) {
      this.event.bookedCount += 1;
    } else {
      this.event.waitlistCount += 1;
      this.startPositions.set(booking.id, this.event.waitlistCount + this.leftWaitlist.length);
      this.tail.push(booking);
    }
    this.touchEvent();
    this.activeByUser.set(userId, booking);
    this.created.set(booking.id, booking);
    this.record(confirmed ? 'booking.confirmed' : 'booking.waitlisted', booking, by);
    return { ok: true, kind: 'book', booking };
  }

  private cancel(userId: string, by: RequestedBy): DraftOutcome {
    const booking = this.activeByUser.get(userId);
    if (!booking) {
      throw new DomainError('BOOKING_NOT_FOUND', `User ${userId} holds no active booking for this event.`);
    }
    const wasConfirmed = booking.status === 'confirmed';
    if (!wasConfirmed) this.takeOffWaitlist(booking);
    booking.status = 'cancelled';
    booking.cancelledAt = this.now;
    booking.updatedAt = this.now;
    this.activeByUser.delete(userId);
    this.markChanged(booking);
    this.record('booking.cancelled', booking, by);
    let promoted: Booking | null = null;
    if (wasConfirmed) {
      this.event.bookedCount -= 1;
      promoted = this.promoteNext(by);
    }
    this.touchEvent();
    return { ok: true, kind: 'cancel', booking, promoted };
  }

  private update(patch: EventPatch, by: RequestedBy): DraftOutcome {
    if (patch.totalTickets !== undefined && patch.totalTickets < this.event.bookedCount) {
      throw new DomainError(
        'CAPACITY_BELOW_BOOKED',
        `totalTickets ${patch.totalTickets} is below the ${this.event.bookedCount} tickets already booked.`,
      );
    }
    const changed: Record<string, unknown> = {};
    for (const field of EVENT_FIELDS) {
      const value = patch[field];
      if (value !== undefined && value !== this.event[field]) changed[field] = value;
    }
    if (Object.keys(changed).length === 0) return { ok: true, kind: 'update' };
    Object.assign(this.event, changed);
    this.touchEvent();
    this.audit.push(this.entry('event.updated', null, by, changed));
    while (this.event.bookedCount < this.event.totalTickets && this.event.waitlistCount > 0) {
      this.promoteNext(by);
    }
    return { ok: true, kind: 'update' };
  }

  /** Gives a free ticket to the earliest waitlisted booking, if anyone waits. */
  private promoteNext(by: RequestedBy): Booking | null {
    if (this.event.waitlistCount === 0) return null;
    const next = this.head[0] ?? (this.unloaded === 0 ? this.tail[0] : undefined);
    if (!next) throw new Error(`waitlist head of event ${this.event.id} was not loaded deep enough`);
    this.takeOffWaitlist(next);
    next.status = 'confirmed';
    next.confirmedAt = this.now;
    next.updatedAt = this.now;
    this.event.bookedCount += 1;
    this.markChanged(next);
    this.record('booking.promoted', next, by);
    return next;
  }

  private takeOffWaitlist(booking: Booking): void {
    const inHead = this.head.indexOf(booking);
    if (inHead >= 0) {
      this.head.splice(inHead, 1);
    } else {
      const inTail = this.tail.indexOf(booking);
      if (inTail >= 0) this.tail.splice(inTail, 1);
      else this.unloaded -= 1;
    }
    this.event.waitlistCount -= 1;
    this.leftWaitlist.push(booking.queueNo);
  }

  private markChanged(booking: Booking): void {
    if (!this.created.has(booking.id)) this.updated.set(booking.id, booking);
  }

  private touchEvent(): void {
    this.event.updatedAt = this.now;
    this.eventChanged = true;
  }

  private record(action: AuditAction, booking: Booking, by: RequestedBy): void {
    this.audit.push(this.entry(action, booking, by, null));
  }

  private entry(
    action: AuditAction,
    booking: Booking | null,
    by: RequestedBy,
    data: Record<string, unknown> | null,
  ): AuditDraft {
    return {
      eventId: this.event.id,
      action,
      userId: booking?.userId ?? null,
      bookingId: booking?.id ?? null,
      actor: by.actor,
      requestId: by.requestId,
      at: this.now,
      data,
    };
  }

  /** The booking as the batch leaves it, with its place in the final waiting list. */
  private view(booking: Booking): BookingView {
    if (booking.status !== 'waitlisted') return toBookingView(booking, null);
    const start = this.startPositions.get(booking.id);
    if (start === undefined) throw new Error(`no waiting-list position known for booking ${booking.id}`);
    const leftAhead = this.leftWaitlist.filter((queueNo) => queueNo < booking.queueNo).length;
    return toBookingView(booking, start - leftAhead);
  }

  present(draft: DraftOutcome): CommandOutcome {
    if (!draft.ok) {
      if (!draft.existing) return draft;
      const { error } = draft;
      const booking = this.view(draft.existing);
      return {
        ok: false,
        error: new DomainError(error.code, error.message, { ...error.details, extensions: { booking } }),
      };
    }
    switch (draft.kind) {
      case 'book':
        return { ok: true, kind: 'book', booking: this.view(draft.booking) };
      case 'cancel':
        return {
          ok: true,
          kind: 'cancel',
          booking: this.view(draft.booking),
          promoted: draft.promoted ? this.view(draft.promoted) : null,
        };
      case 'update':
        return { ok: true, kind: 'update', event: { ...this.event } };
    }
  }

  changes(): EventChanges {
    return {
      event: this.eventChanged ? { ...this.event } : null,
      created: [...this.created.values()],
      updated: [...this.updated.values()],
      audit: this.audit,
    };
  }
}
