import { type AuditAction, type AuditDraft, type RequestedBy, SYSTEM } from './audit.js';
import { type Booking, type BookingView, isActive, toBookingView } from './booking.js';
import { DomainError, type ErrorCode } from './errors.js';
import { startInstant } from './starts-at.js';
import { EVENT_SETTINGS, type EventPatch, type EventRecord, availableTickets, toEventView } from './event.js';

export type EventCommand =
  | { kind: 'book'; userId: string; bookingId: string; quantity: number; hold: boolean; by: RequestedBy }
  | { kind: 'cancel'; userId: string; by: RequestedBy }
  | { kind: 'confirm'; userId: string; by: RequestedBy }
  | { kind: 'reduce'; userId: string; quantity: number; by: RequestedBy }
  | { kind: 'checkIn'; ticketCode: string; by: RequestedBy }
  | { kind: 'update'; patch: EventPatch; by: RequestedBy }
  /** Lapses what is due; every batch does that first, so this only asks for a batch. */
  | { kind: 'expire' };

/** What a batch of commands against one event needs to see, loaded under that event's lock. */
export interface EventState {
  event: EventRecord;
  /** The latest booking of every user a command names (users who never booked the event are absent). */
  latestBookings: readonly Booking[];
  /** The bookings whose codes the check-ins name, of any event (another event's code is unknown here). */
  ticketHolders: readonly Booking[];
  /**
   * Waiting-list places of the waitlisted bookings above that are not in the loaded head and whose users
   * have a command other than cancel (`stateNeeds().placedUserIds`): no other answer or entry shows one.
   */
  positions: ReadonlyMap<string, number>;
  /** The first waitlisted bookings in FIFO order. */
  waitlistHead: readonly Booking[];
  /** Pending bookings of the event whose deadline has passed: all of them, or the earliest chunk of a storm. */
  lapsed: readonly Booking[];
}

/** What to load for a batch besides the event and its waiting list. */
export function stateNeeds(commands: readonly EventCommand[]): { userIds: string[]; ticketCodes: string[]; placedUserIds: string[] } {
  const userIds = new Set<string>();
  const ticketCodes = new Set<string>();
  const placedUserIds = new Set<string>();
  for (const command of commands) {
    if ('userId' in command) userIds.add(command.userId);
    // A cancel answers with the booking cancelled: only the users' other commands can show a place in line.
    if ('userId' in command && command.kind !== 'cancel') placedUserIds.add(command.userId);
    if (command.kind === 'checkIn') ticketCodes.add(command.ticketCode);
  }
  return { userIds: [...userIds], ticketCodes: [...ticketCodes], placedUserIds: [...placedUserIds] };
}

/**
 * A first guess of how deep to load the waiting list; decide asks for more when it falls short. A capacity
 * raise can promote one booking per new ticket: loading that many at once spares a 10,000-offer raise the
 * four loads and decisions that growing from the small guess would redo.
 */
export function waitlistDepthGuess(commands: readonly EventCommand[], event: EventRecord, lapsed: number): number {
  let raised = 0;
  for (const command of commands) {
    const total = command.kind === 'update' ? command.patch.totalTickets : undefined;
    if (total !== undefined) raised = Math.max(raised, total - event.totalTickets);
  }
  return Math.min(event.waitlistCount, 8 + 2 * commands.length + lapsed + raised);
}

/** Thrown when promotions need more of the waiting list than was loaded: load `depth`, decide again. */
export class WaitlistNotLoaded extends Error {
  constructor(readonly depth: number) {
    super(`the waiting list must be loaded ${depth} deep`);
    this.name = 'WaitlistNotLoaded';
  }
}

export type CommandOutcome =
  | { ok: true; kind: 'book' | 'confirm' | 'checkIn'; booking: BookingView }
  /** `promoted`: every booking the freed tickets went to, in order. */
  | { ok: true; kind: 'cancel' | 'reduce'; booking: BookingView; promoted: BookingView[] }
  | { ok: true; kind: 'update'; event: EventRecord }
  | { ok: true; kind: 'expire' }
  | { ok: false; error: DomainError };

export type Succeeded<K extends EventCommand['kind']> = Extract<CommandOutcome, { ok: true }> & { kind: K };

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

export interface DecideContext {
  /** The instant of the batch, in milliseconds. */
  now: number;
  /** A fresh, unguessable ticket code. */
  newTicketCode: () => string;
}

/**
 * Applies the commands in order to the loaded state, as if each ran alone in turn, after lapsing what
 * is due. A command that fails changes nothing; each outcome describes the state its own command left.
 */
export function decide(state: EventState, commands: readonly EventCommand[], context: DecideContext): Decision {
  const ledger = new EventLedger(state, context);
  ledger.lapseDue();
  const outcomes = commands.map((command) => ledger.apply(command));
  return { outcomes, changes: ledger.changes() };
}

/** An expected refusal, about a booking the answer carries when there is one. */
class Refusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly booking: Booking | null = null,
  ) {
    super(message);
  }
}

class EventLedger {
  private readonly now: number;
  private readonly nowIso: string;
  private readonly newTicketCode: () => string;
  private readonly event: EventRecord;
  private eventChanged = false;
  private readonly copies = new Map<string, Booking>();
  private readonly latestByUser = new Map<string, Booking>();
  private readonly byTicketCode = new Map<string, Booking>();
  /** Loaded waitlisted bookings not yet taken off the list, FIFO. */
  private readonly head: Booking[];
  private readonly loadedDepth: number;
  /** Waitlisted bookings in the database beyond the loaded head. */
  private unloaded: number;
  /** Bookings waitlisted by this batch, FIFO, behind everything in the database. */
  private readonly tail: Booking[] = [];
  private readonly startPositions = new Map<string, number>();
  /** Queue numbers of the bookings that left the waiting list in this batch. */
  private readonly leftWaitlist: number[] = [];
  private readonly created = new Map<string, Booking>();
  private readonly updated = new Map<string, Booking>();
  private readonly audit: AuditDraft[] = [];

  constructor(state: EventState, context: DecideContext) {
    this.now = context.now;
    this.nowIso = new Date(context.now).toISOString();
    this.newTicketCode = context.newTicketCode;
    this.event = { ...state.event };
    for (const booking of state.latestBookings) {
      this.latestByUser.set(booking.userId, this.copyOf(booking));
      const position = state.positions.get(booking.id);
      if (position !== undefined) this.startPositions.set(booking.id, position);
    }
    for (const booking of state.ticketHolders) {
      if (booking.ticketCode !== null) this.byTicketCode.set(booking.ticketCode, this.copyOf(booking));
    }
    this.head = state.waitlistHead.map((booking) => this.copyOf(booking));
    this.head.forEach((booking, index) => this.startPositions.set(booking.id, index + 1));
    this.loadedDepth = this.head.length;
    this.unloaded = state.event.waitlistCount - this.head.length;
    for (const booking of state.lapsed) this.copyOf(booking);
  }

  /** One object per booking, however many of the loaded lists it appears in. */
  private copyOf(booking: Booking): Booking {
    let copy = this.copies.get(booking.id);
    if (!copy) {
      copy = { ...booking };
      this.copies.set(booking.id, copy);
    }
    return copy;
  }

  /**
   * Pending bookings past their deadline become expired, and their tickets go down the list (rule 5): the
   * lapsed ones loaded for that, and any other this batch loaded, so none is ever confirmed late (I7).
   */
  lapseDue(): void {
    const due = [...this.copies.values()]
      .filter((booking) => booking.status === 'pending' && this.hasLapsed(booking))
      .sort((a, b) => a.queueNo - b.queueNo);
    for (const booking of due) {
      this.event.heldCount -= booking.quantity;
      this.setStatus(booking, 'expired');
      booking.expiresAt = null;
      this.record('booking.expired', booking, SYSTEM);
    }
    if (due.length > 0) this.promoteWhileHeadFits(SYSTEM, false);
  }

  apply(command: EventCommand): CommandOutcome {
    try {
      switch (command.kind) {
        case 'book':
          return this.book(command.userId, command.bookingId, command.quantity, command.hold, command.by);
        case 'cancel':
          return this.cancel(command.userId, command.by);
        case 'confirm':
          return this.confirm(command.userId, command.by);
        case 'reduce':
          return this.reduce(command.userId, command.quantity, command.by);
        case 'checkIn':
          return this.checkIn(command.ticketCode, command.by);
        case 'update':
          return this.update(command.patch, command.by);
        case 'expire':
          return { ok: true, kind: 'expire' };
      }
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      const extensions = error.booking ? { booking: this.view(error.booking) } : undefined;
      return { ok: false, error: new DomainError(error.code, error.message, extensions ? { extensions } : {}) };
    }
  }

  private book(userId: string, bookingId: string, quantity: number, hold: boolean, by: RequestedBy): CommandOutcome {
    const active = this.activeOf(userId);
    if (active) {
      throw new Refusal('ALREADY_BOOKED', `User ${userId} already holds an active booking for this event.`, active);
    }
    const limit = Math.min(this.event.maxPerBooking, this.event.totalTickets);
    if (quantity > limit) {
      throw new Refusal('QUANTITY_NOT_ALLOWED', `This event allows at most ${limit} tickets in one booking.`);
    }
    if (!this.event.salesOpen) throw new Refusal('SALES_CLOSED', 'Sales for this event are closed.');
    if (this.hasStarted()) throw new Refusal('SALES_CLOSED', 'This event has started; sales are closed.');
    const admitted = this.event.waitlistCount === 0 && availableTickets(this.event) >= quantity;
    this.event.lastQueueNo += 1;
    const booking: Booking = {
      id: bookingId,
      eventId: this.event.id,
      userId,
      quantity,
      hold,
      status: 'waitlisted',
      queueNo: this.event.lastQueueNo,
      expiresAt: null,
      ticketCode: null,
      checkedInAt: null,
      createdAt: this.nowIso,
      updatedAt: this.nowIso,
      confirmedAt: null,
      cancelledAt: null,
    };
    this.latestByUser.set(userId, booking);
    this.created.set(booking.id, booking);
    if (!admitted) {
      this.event.waitlistCount += 1;
      this.event.waitlistTickets += quantity;
      this.startPositions.set(booking.id, this.event.waitlistCount + this.leftWaitlist.length);
      this.tail.push(booking);
      this.touchEvent();
      this.record('booking.waitlisted', booking, by);
    } else if (hold) {
      this.holdUntil(booking, this.event.holdTtlSeconds);
      this.record('booking.held', booking, by);
    } else {
      this.confirmTickets(booking);
      this.record('booking.confirmed', booking, by);
    }
    return { ok: true, kind: 'book', booking: this.view(booking) };
  }

  private cancel(userId: string, by: RequestedBy): CommandOutcome {
    const booking = this.requireActive(userId);
    this.refuseCheckedIn(booking, 'cancelled');
    this.release(booking, booking.quantity);
    this.setStatus(booking, 'cancelled');
    booking.cancelledAt = this.nowIso;
    booking.expiresAt = null;
    this.record('booking.cancelled', booking, by);
    const promoted = this.promoteWhileHeadFits(by);
    return { ok: true, kind: 'cancel', booking: this.view(booking), promoted };
  }

  private confirm(userId: string, by: RequestedBy): CommandOutcome {
    const booking = this.latestByUser.get(userId);
    if (!booking) throw new Refusal('BOOKING_NOT_FOUND', `User ${userId} has no booking for this event.`);
    if (booking.status === 'expired') {
      throw new Refusal('EXPIRED', 'The tickets held for this booking have lapsed.', booking);
    }
    if (booking.status !== 'pending') {
      throw new Refusal('NOT_PENDING', `This booking is ${booking.status}; only a pending booking can be confirmed.`, booking);
    }
    this.event.heldCount -= booking.quantity;
    this.confirmTickets(booking);
    booking.expiresAt = null;
    this.record('booking.confirmed', booking, by);
    return { ok: true, kind: 'confirm', booking: this.view(booking) };
  }

  private reduce(userId: string, quantity: number, by: RequestedBy): CommandOutcome {
    const booking = this.requireActive(userId);
    this.refuseCheckedIn(booking, 'reduced');
    if (quantity >= booking.quantity) {
      throw new Refusal('QUANTITY_NOT_ALLOWED', `A booking of ${booking.quantity} tickets can only be reduced to fewer tickets.`, booking);
    }
    this.release(booking, booking.quantity - quantity);
    booking.quantity = quantity;
    booking.updatedAt = this.nowIso;
    this.markChanged(booking);
    this.record('booking.reduced', booking, by);
    const promoted = this.promoteWhileHeadFits(by);
    return { ok: true, kind: 'reduce', booking: this.view(booking), promoted };
  }

  private checkIn(ticketCode: string, by: RequestedBy): CommandOutcome {
    const booking = this.byTicketCode.get(ticketCode);
    if (!booking || booking.eventId !== this.event.id) {
      throw new Refusal('TICKET_NOT_FOUND', 'No ticket of this event has that code.');
    }
    if (booking.checkedInAt !== null) {
      throw new Refusal('ALREADY_CHECKED_IN', `This ticket was checked in at ${booking.checkedInAt}.`, booking);
    }
    if (booking.status !== 'confirmed') {
      throw new Refusal('TICKET_NOT_VALID', `This ticket's booking is ${booking.status}.`, booking);
    }
    booking.checkedInAt = this.nowIso;
    booking.updatedAt = this.nowIso;
    this.markChanged(booking);
    this.event.checkedInCount += booking.quantity;
    this.touchEvent();
    this.record('booking.checked_in', booking, by);
    return { ok: true, kind: 'checkIn', booking: this.view(booking) };
  }

  private update(patch: EventPatch, by: RequestedBy): CommandOutcome {
    const taken = this.event.bookedCount + this.event.heldCount;
    if (patch.totalTickets !== undefined && patch.totalTickets < taken) {
      throw new Refusal(
        'CAPACITY_BELOW_BOOKED',
        `totalTickets ${patch.totalTickets} is below the ${taken} tickets already booked or held.`,
      );
    }
    const changed: Record<string, unknown> = {};
    for (const field of EVENT_SETTINGS) {
      const value = patch[field];
      if (value !== undefined && value !== this.event[field]) changed[field] = value;
    }
    if (Object.keys(changed).length > 0) {
      Object.assign(this.event, changed);
      this.touchEvent();
      this.audit.push(this.entry('event.updated', null, by, changed));
      this.promoteWhileHeadFits(by, false);
    }
    return { ok: true, kind: 'update', event: { ...this.event } };
  }

  /**
   * Rule 2: strictly in list order, while the head fits; a head that does not fit holds everyone behind it.
   * Returns the promoted bookings' views in order when the answer shows them (`answered`): not for a raise or a lapse.
   */
  private promoteWhileHeadFits(by: RequestedBy, answered = true): BookingView[] {
    const promoted: BookingView[] = [];
    while (this.event.waitlistCount > 0 && availableTickets(this.event) > 0) {
      const next = this.head[0] ?? (this.unloaded === 0 ? this.tail[0] : undefined);
      if (!next) throw new WaitlistNotLoaded(Math.max(64, this.loadedDepth * 4));
      if (next.quantity > availableTickets(this.event)) break;
      this.takeOffWaitlist(next);
      if (this.event.waitlistMode === 'offer') {
        this.holdUntil(next, this.event.offerTtlSeconds);
        this.record('booking.offered', next, by);
      } else if (next.hold) {
        this.holdUntil(next, this.event.holdTtlSeconds);
        this.record('booking.offered', next, by);
      } else {
        this.confirmTickets(next);
        this.record('booking.promoted', next, by);
      }
      if (answered) promoted.push(this.view(next));
    }
    return promoted;
  }

  /** Gives back `tickets` of an active booking: to the free pool, or off what the waiting list wants. */
  private release(booking: Booking, tickets: number): void {
    if (booking.status === 'confirmed') this.event.bookedCount -= tickets;
    else if (booking.status === 'pending') this.event.heldCount -= tickets;
    else if (tickets === booking.quantity) this.takeOffWaitlist(booking);
    else this.event.waitlistTickets -= tickets;
    this.touchEvent();
  }

  private confirmTickets(booking: Booking): void {
    this.event.bookedCount += booking.quantity;
    booking.confirmedAt ??= this.nowIso;
    booking.ticketCode ??= this.newTicketCode();
    this.setStatus(booking, 'confirmed');
  }

  private holdUntil(booking: Booking, ttlSeconds: number): void {
    this.event.heldCount += booking.quantity;
    booking.expiresAt = new Date(this.now + ttlSeconds * 1000).toISOString();
    this.setStatus(booking, 'pending');
  }

  private setStatus(booking: Booking, status: Booking['status']): void {
    booking.status = status;
    booking.updatedAt = this.nowIso;
    this.markChanged(booking);
    this.touchEvent();
  }

  private takeOffWaitlist(booking: Booking): void {
    const inHead = this.head.indexOf(booking);
    if (inHead === 0) {
      // Promotions take the head one by one: shift() trims the array's front where splice() moves the rest.
      this.head.shift();
    } else if (inHead > 0) {
      this.head.splice(inHead, 1);
    } else {
      const inTail = this.tail.indexOf(booking);
      if (inTail >= 0) this.tail.splice(inTail, 1);
      else this.unloaded -= 1;
    }
    this.event.waitlistCount -= 1;
    this.event.waitlistTickets -= booking.quantity;
    this.leftWaitlist.push(booking.queueNo);
    this.touchEvent();
  }

  private activeOf(userId: string): Booking | undefined {
    const latest = this.latestByUser.get(userId);
    return latest && isActive(latest) ? latest : undefined;
  }

  private requireActive(userId: string): Booking {
    const booking = this.activeOf(userId);
    if (!booking) throw new Refusal('BOOKING_NOT_FOUND', `User ${userId} holds no active booking for this event.`);
    return booking;
  }

  private refuseCheckedIn(booking: Booking, verb: string): void {
    if (booking.checkedInAt !== null) {
      throw new Refusal('ALREADY_CHECKED_IN', `A booking that has checked in cannot be ${verb}.`, booking);
    }
  }

  private hasLapsed(booking: Booking): boolean {
    return booking.expiresAt !== null && Date.parse(booking.expiresAt) <= this.now;
  }

  private hasStarted(): boolean {
    const startsAt = this.event.startsAt;
    return startsAt !== null && startInstant(startsAt, this.event.timeZone) <= this.now;
  }

  private markChanged(booking: Booking): void {
    if (!this.created.has(booking.id)) this.updated.set(booking.id, booking);
  }

  private touchEvent(): void {
    this.event.updatedAt = this.nowIso;
    this.eventChanged = true;
  }

  private record(action: AuditAction, booking: Booking, by: RequestedBy): void {
    this.audit.push(this.entry(action, booking, by, null));
  }

  private entry(action: AuditAction, booking: Booking | null, by: RequestedBy, data: Record<string, unknown> | null): AuditDraft {
    return {
      eventId: this.event.id,
      action,
      userId: booking?.userId ?? null,
      bookingId: booking?.id ?? null,
      quantity: booking?.quantity ?? null,
      actor: by.actor,
      requestId: by.requestId,
      at: this.nowIso,
      data,
      booking: booking ? this.view(booking) : null,
      event: toEventView(this.event),
    };
  }

  /** The booking as it is now, with its place in the waiting list as it is now. */
  private view(booking: Booking): BookingView {
    if (booking.status !== 'waitlisted') return toBookingView(booking, null);
    const start = this.startPositions.get(booking.id);
    if (start === undefined) throw new Error(`no waiting-list position known for booking ${booking.id}`);
    const leftAhead = this.leftWaitlist.filter((queueNo) => queueNo < booking.queueNo).length;
    return toBookingView(booking, start - leftAhead);
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
