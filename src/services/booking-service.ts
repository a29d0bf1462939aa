import { randomBytes } from 'node:crypto';
import type { AuditEntry, RequestedBy } from '../domain/audit.js';
import { type BookingStatus, type BookingView, toBookingView } from '../domain/booking.js';
import {
  type CommandOutcome,
  type EventChanges,
  type EventCommand,
  type EventState,
  type Succeeded,
  WaitlistNotLoaded,
  decide,
  stateNeeds,
  waitlistDepthGuess,
} from '../domain/decide.js';
import { DomainError } from '../domain/errors.js';
import { type EventPatch, type EventRecord, type EventView, type NewEvent, toEventView } from '../domain/event.js';
import { EVENT_ID_PATTERN } from '../domain/limits.js';
import { openEvent } from '../domain/open-event.js';
import { normalizeTicketCode } from '../domain/ticket-code.js';
import { newBookingId } from './booking-id.js';
import { type Clock, systemClock } from './clock.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { ChangeFeed } from './change-feed.js';
import { type BatchLimits, DEFAULT_BATCH_LIMITS, type EventBatch, EventBatcher } from './event-batcher.js';
import type { KeptAnswer, Receipt } from './idempotency.js';
import type { BookedEvent, BoxofficeStore, EventCursor, EventTransaction } from './ports.js';
import { newTicketCode } from './ticket-codes.js';

export interface OpenEventInput extends Omit<NewEvent, 'id'> {
  id?: string;
}

export interface Page {
  cursor?: string;
  limit: number;
}

export type UserBookingView = BookingView & { event: BookedEvent };

/** The answer to a cancel or a reduce: the booking, and where its freed tickets went. */
export interface ReleaseResult {
  booking: BookingView;
  /** The first booking the freed tickets were promoted or offered to, or null. */
  promoted: BookingView | null;
  /** Every one, in order. */
  promotedAll: BookingView[];
}

export interface BookOptions {
  quantity: number;
  hold: boolean;
}

/** Hears what each transaction wrote, once it has committed (the metrics). */
export interface CommitObserver {
  committed(changes: EventChanges): void;
}

export interface ServiceOptions {
  clock?: Clock;
  /** Group commit bounds; BATCH_MAX_SIZE=1 gives one transaction per command. */
  batch?: BatchLimits;
  /** Where the events a transaction changed are published after it commits, so nobody hears of a rolled-back change. */
  feed?: ChangeFeed;
  observers?: readonly CommitObserver[];
}

const EXPORT_PAGE = 1_000;

function eventNotFound(eventId: string): DomainError {
  return new DomainError('EVENT_NOT_FOUND', `No event with id "${eventId}".`);
}

const CURSOR_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$/;
const EVENT_ID = new RegExp(EVENT_ID_PATTERN);
/** queue_no is a 32-bit integer column on every engine. */
const QUEUE_NO_MAX = 2 ** 31 - 1;

/** [createdAt, id] as listEvents hands it out; anything else never reaches a query. */
function isEventCursor(value: unknown): value is [string, string] {
  if (!Array.isArray(value) || value.length !== 2) return false;
  const [createdAt, id] = value as unknown[];
  return typeof createdAt === 'string' && CURSOR_TIMESTAMP.test(createdAt) && typeof id === 'string' && EVENT_ID.test(id);
}

function isQueueCursor(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= QUEUE_NO_MAX;
}

/** Unwraps a successful outcome of the expected kind, or throws its error. */
function succeeded<K extends EventCommand['kind']>(outcome: CommandOutcome | undefined, kind: K): Succeeded<K> {
  if (!outcome) throw new Error('a command got no outcome');
  if (!outcome.ok) throw outcome.error;
  if (outcome.kind !== kind) throw new Error(`expected a ${kind} outcome, got ${outcome.kind}`);
  return outcome as Succeeded<K>;
}

/** Turns a command's outcome into the answer its Idempotency-Key keeps; null when there is nothing to keep. */
export type AnswerRecorder = (outcome: CommandOutcome) => KeptAnswer | null;

interface QueuedCommand {
  command: EventCommand;
  record?: AnswerRecorder | undefined;
}

function releaseResult({ booking, promoted }: Succeeded<'cancel' | 'reduce'>): ReleaseResult {
  return { booking, promoted: promoted[0] ?? null, promotedAll: promoted };
}

function recorder<K extends EventCommand['kind'], T>(
  kind: K,
  receipt: Receipt<T> | undefined,
  result: (outcome: Succeeded<K>) => T,
): AnswerRecorder | undefined {
  if (!receipt) return undefined;
  return (outcome) => (outcome.ok && outcome.kind === kind ? receipt.keep(result(outcome as Succeeded<K>)) : null);
}

/**
 * The booking use-cases: load under the event's lock, decide, apply — one transaction a batch.
 * Concurrent book, cancel and update calls for one event share a batch (group commit).
 */
export class BookingService {
  private readonly clock: Clock;
  private readonly batcher: EventBatcher<QueuedCommand, CommandOutcome>;
  private readonly feed: ChangeFeed | null;
  private readonly observers: readonly CommitObserver[];

  constructor(
    private readonly store: BoxofficeStore,
    options: ServiceOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.feed = options.feed ?? null;
    this.observers = options.observers ?? [];
    this.batcher = new EventBatcher(
      (batches) => this.runBatches(batches),
      options.batch ?? DEFAULT_BATCH_LIMITS,
      store.concurrentTransactions,
    );
  }

  /** Commands accepted and not yet answered: in a transaction, or queued for one (group commit). */
  get commandsInFlight(): number {
    return this.batcher.inFlight;
  }

  /** Resolves once every command accepted so far is answered (see EventBatcher.drain). */
  drain(): Promise<void> {
    return this.batcher.drain();
  }

  /** A receipt, when given, is stored in the transaction that creates the event (likewise below). */
  async openEvent(input: OpenEventInput, by: RequestedBy, receipt?: Receipt<EventView>): Promise<EventView> {
    const id = input.id ?? `ev_${randomBytes(12).toString('base64url')}`;
    const event = await this.store.transaction(async (tx) => {
      const opened = openEvent({ ...input, id, venue: input.venue || null }, by, new Date(this.clock()).toISOString());
      await tx.createEvent(opened);
      const view = toEventView(opened.event);
      if (receipt) await tx.keepAnswers([receipt.keep(view)]);
      return view;
    });
    this.feed?.publish(event.id);
    return event;
  }

  async getEvent(eventId: string): Promise<EventView> {
    return toEventView(await this.requireEvent(eventId));
  }

  async listEvents(page: Page): Promise<{ events: EventView[]; nextCursor: string | null }> {
    const after = page.cursor === undefined ? null : decodeCursor(page.cursor, isEventCursor);
    const cursor: EventCursor | null = after ? { createdAt: after[0], id: after[1] } : null;
    const rows = await this.store.listEvents(cursor, page.limit + 1);
    const events = rows.slice(0, page.limit);
    const last = events.at(-1);
    return {
      events: events.map(toEventView),
      nextCursor: rows.length > page.limit && last ? encodeCursor([last.createdAt, last.id]) : null,
    };
  }

  async updateEvent(eventId: string, patch: EventPatch, by: RequestedBy, receipt?: Receipt<EventView>): Promise<EventView> {
    const record = recorder('update', receipt, (outcome) => toEventView(outcome.event));
    // An empty venue means no venue, on both API shapes.
    const normalized = patch.venue === '' ? { ...patch, venue: null } : patch;
    const outcome = await this.batcher.submit(eventId, { command: { kind: 'update', patch: normalized, by }, record });
    return toEventView(succeeded(outcome, 'update').event);
  }

  async book(
    eventId: string,
    userId: string,
    { quantity, hold }: BookOptions,
    by: RequestedBy,
    receipt?: Receipt<BookingView>,
  ): Promise<BookingView> {
    const command: EventCommand = { kind: 'book', userId, bookingId: newBookingId(), quantity, hold, by };
    const record = recorder('book', receipt, (outcome) => outcome.booking);
    return succeeded(await this.batcher.submit(eventId, { command, record }), 'book').booking;
  }

  async cancel(eventId: string, userId: string, by: RequestedBy, receipt?: Receipt<ReleaseResult>): Promise<ReleaseResult> {
    const record = recorder('cancel', receipt, releaseResult);
    const outcome = await this.batcher.submit(eventId, { command: { kind: 'cancel', userId, by }, record });
    return releaseResult(succeeded(outcome, 'cancel'));
  }

  /** Lowers the quantity of the user's active booking; the tickets it frees go down the waiting list. */
  async reduce(
    eventId: string,
    userId: string,
    quantity: number,
    by: RequestedBy,
    receipt?: Receipt<ReleaseResult>,
  ): Promise<ReleaseResult> {
    const record = recorder('reduce', receipt, releaseResult);
    const outcome = await this.batcher.submit(eventId, { command: { kind: 'reduce', userId, quantity, by }, record });
    return releaseResult(succeeded(outcome, 'reduce'));
  }

  /** Accepts a hold or an offer: the user's latest booking, if pending and in time, becomes confirmed. */
  async confirm(eventId: string, userId: string, by: RequestedBy, receipt?: Receipt<BookingView>): Promise<BookingView> {
    const record = recorder('confirm', receipt, (outcome) => outcome.booking);
    const outcome = await this.batcher.submit(eventId, { command: { kind: 'confirm', userId, by }, record });
    return succeeded(outcome, 'confirm').booking;
  }

  /** Admits the holder of a ticket code at the door, once. */
  async checkIn(eventId: string, typedCode: string, by: RequestedBy, receipt?: Receipt<BookingView>): Promise<BookingView> {
    const ticketCode = normalizeTicketCode(typedCode);
    if (ticketCode === null) {
      throw new DomainError(
        'TICKET_NOT_FOUND',
        'That is not a ticket code: codes are 25 letters and digits, e.g. 0Q4ZM-7K3QD-M2X9P-R4T8V-WB6NC.',
      );
    }
    const record = recorder('checkIn', receipt, (outcome) => outcome.booking);
    const outcome = await this.batcher.submit(eventId, { command: { kind: 'checkIn', ticketCode, by }, record });
    return succeeded(outcome, 'checkIn').booking;
  }

  /** Lapses the event's pending bookings that are due; harmless when none is (the deadline is re-checked). */
  async expireDue(eventId: string): Promise<void> {
    const outcome = await this.batcher.submit(eventId, { command: { kind: 'expire' } });
    succeeded(outcome, 'expire');
  }

  /** Events with pending bookings due now. */
  eventsWithLapsed(limit: number): Promise<string[]> {
    return this.store.eventsWithLapsed(new Date(this.clock()).toISOString(), limit);
  }

  /** The user's latest booking for the event, active or not. */
  async getBooking(eventId: string, userId: string): Promise<BookingView> {
    await this.requireEvent(eventId);
    const placed = await this.store.latestBooking(eventId, userId);
    if (!placed) throw new DomainError('BOOKING_NOT_FOUND', `User ${userId} has no booking for this event.`);
    return toBookingView(placed.booking, placed.position);
  }

  async listBookings(
    eventId: string,
    status: BookingStatus | null,
    page: Page,
  ): Promise<{ bookings: BookingView[]; nextCursor: string | null }> {
    const afterQueueNo = page.cursor === undefined ? null : decodeCursor(page.cursor, isQueueCursor);
    await this.requireEvent(eventId);
    const rows = await this.store.listBookings(eventId, { status, afterQueueNo, limit: page.limit + 1 });
    const bookings = rows.slice(0, page.limit);
    const last = bookings.at(-1);
    return {
      bookings: bookings.map(({ booking, position }) => toBookingView(booking, position)),
      nextCursor: rows.length > page.limit && last ? encodeCursor(last.booking.queueNo) : null,
    };
  }

  /** Every booking of the event in list order, page by page, so a list of any size never sits in memory whole. */
  async *exportBookings(eventId: string, status: BookingStatus | null): AsyncIterable<BookingView> {
    await this.requireEvent(eventId);
    let afterQueueNo: number | null = null;
    for (;;) {
      const page = await this.store.listBookings(eventId, { status, afterQueueNo, limit: EXPORT_PAGE });
      for (const { booking, position } of page) yield toBookingView(booking, position);
      const last = page.at(-1);
      if (!last || page.length < EXPORT_PAGE) return;
      afterQueueNo = last.booking.queueNo;
    }
  }

  async listAudit(eventId: string, afterSeq: number, limit: number): Promise<{ entries: AuditEntry[]; next: number | null }> {
    await this.requireEvent(eventId);
    const rows = await this.store.listAudit(eventId, afterSeq, limit + 1);
    const entries = rows.slice(0, limit);
    return { entries, next: rows.length > limit ? (entries.at(-1)?.seq ?? null) : null };
  }

  /** The caller's bookings across events, newest first, each with its event's name, start and zone. */
  async listUserBookings(userId: string, page: Page): Promise<{ bookings: UserBookingView[]; nextCursor: string | null }> {
    const after = page.cursor === undefined ? null : decodeCursor(page.cursor, isEventCursor);
    const rows = await this.store.listUserBookings(userId, after ? { createdAt: after[0], id: after[1] } : null, page.limit + 1);
    const shown = rows.slice(0, page.limit);
    const last = shown.at(-1);
    return {
      bookings: shown.map(({ booking, position, event }) => ({ ...toBookingView(booking, position), event })),
      nextCursor: rows.length > page.limit && last ? encodeCursor([last.booking.createdAt, last.booking.id]) : null,
    };
  }

  /** Decides and applies commands against one event in ONE transaction; each gets its own outcome. */
  async runBatch(eventId: string, queued: readonly QueuedCommand[]): Promise<CommandOutcome[]> {
    const [outcomes] = await this.runBatches([{ eventId, commands: queued }]);
    return outcomes ?? [];
  }

  /**
   * Decides and applies the batches of several events in ONE transaction: the events are locked first, all
   * at once in the database's order of their ids, then each batch is decided on its own event's state
   * exactly as if it ran alone, and every command gets its own outcome.
   */
  async runBatches(batches: readonly EventBatch<QueuedCommand>[]): Promise<CommandOutcome[][]> {
    const { outcomes, changes } = await this.store.transaction(async (tx) => {
      const locked = new Map((await tx.lockEvents(batches.map((batch) => batch.eventId))).map((event) => [event.id, event]));
      // Taken under the locks, so timestamps follow commit order.
      const now = this.clock();
      const found = batches.flatMap((batch) => {
        const event = locked.get(batch.eventId);
        return event ? [{ batch, event, commands: batch.commands.map((entry) => entry.command) }] : [];
      });
      const states = await tx.loadEventStates(
        found.map(({ event, commands }) => ({
          event,
          needs: {
            ...stateNeeds(commands),
            now: new Date(now).toISOString(),
            waitlistDepth: (lockedEvent: EventRecord, lapsed: number) => waitlistDepthGuess(commands, lockedEvent, lapsed),
          },
        })),
      );
      const decided = new Map<string, CommandOutcome[]>();
      const changes: EventChanges[] = [];
      for (const [index, { batch, commands }] of found.entries()) {
        const state = states[index];
        if (!state) throw new Error(`no state loaded for event ${batch.eventId}`);
        const decision = await decideLoadingDeeper(tx, state, commands, now);
        decided.set(batch.eventId, decision.outcomes);
        changes.push(decision.changes);
      }
      await tx.applyChanges(changes);
      // The answers keyed requests will get commit with the changes they answer.
      const kept = found.flatMap(({ batch }) =>
        (decided.get(batch.eventId) ?? []).flatMap((outcome, index) => batch.commands[index]?.record?.(outcome) ?? []),
      );
      await tx.keepAnswers(kept);
      const outcomes = batches.map(
        (batch) => decided.get(batch.eventId) ?? batch.commands.map(() => ({ ok: false, error: eventNotFound(batch.eventId) }) as const),
      );
      return { outcomes, changes };
    });
    for (const change of changes) this.committed(change);
    return outcomes;
  }

  /** Tells the observers and the change feed what a transaction wrote, after it committed. */
  private committed(changes: EventChanges): void {
    for (const observer of this.observers) observer.committed(changes);
    if (changes.event) this.feed?.publish(changes.event.id);
  }

  private async requireEvent(eventId: string): Promise<EventRecord> {
    const event = await this.store.findEvent(eventId);
    if (!event) throw eventNotFound(eventId);
    return event;
  }
}

/** Decides; when promotions reach past the loaded head of the waiting list, loads deeper and decides again. */
async function decideLoadingDeeper(tx: EventTransaction, state: EventState, commands: readonly EventCommand[], now: number) {
  let current = state;
  for (;;) {
    try {
      return decide(current, commands, { now, newTicketCode: () => newTicketCode(now) });
    } catch (error) {
      if (!(error instanceof WaitlistNotLoaded)) throw error;
      const depth = Math.min(error.depth, current.event.waitlistCount);
      if (depth <= current.waitlistHead.length) throw error;
      current = { ...current, waitlistHead: await tx.waitlistHead(current.event.id, depth) };
    }
  }
}
