import { randomBytes } from 'node:crypto';
import type { AuditEntry, RequestedBy } from '../domain/audit.js';
import { type BookingStatus, type BookingView, toBookingView } from '../domain/booking.js';
import {
  type CommandOutcome,
  type EventCommand,
  type Succeeded,
  decide,
  waitlistHeadNeeded,
} from '../domain/decide.js';
import { DomainError } from '../domain/errors.js';
import { type EventPatch, type EventRecord, type EventView, type NewEvent, toEventView } from '../domain/event.js';
import { openEvent } from '../domain/open-event.js';
import { newBookingId } from './booking-id.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { type BatchLimits, EventBatcher } from './event-batcher.js';
import type { KeyRef, Receipt, StoredAnswer } from './idempotency.js';
import type { BookedEvent, BoxofficeStore, EventCursor } from './ports.js';

export interface OpenEventInput extends Omit<NewEvent, 'id'> {
  id?: string;
}

export interface Page {
  cursor?: string;
  limit: number;
}

export type UserBookingView = BookingView & { event: BookedEvent };

export interface CancelResult {
  booking: BookingView;
  promoted: BookingView | null;
}

export interface ServiceOptions {
  now?: () => string;
  /** Group commit bounds; BATCH_MAX_SIZE=1 gives one transaction per command. */
  batch?: BatchLimits;
}

/** The same defaults as BATCH_MAX_SIZE and BATCH_MAX_QUEUE, for services built without a Config. */
const DEFAULT_BATCH: BatchLimits = { maxSize: 256, maxQueue: 10_000 };

function eventNotFound(eventId: string): DomainError {
  return new DomainError('EVENT_NOT_FOUND', `No event with id "${eventId}".`);
}

function isEventCursor(value: unknown): value is [string, string] {
  return Array.isArray(value) && value.length === 2 && value.every((part) => typeof part === 'string');
}

function isQueueCursor(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/** Unwraps a successful outcome of the expected kind, or throws its error. */
function expect<K extends EventCommand['kind']>(outcome: CommandOutcome | undefined, kind: K): Succeeded<K> {
  if (!outcome) throw new Error('a command got no outcome');
  if (!outcome.ok) throw outcome.error;
  if (outcome.kind !== kind) throw new Error(`expected a ${kind} outcome, got ${outcome.kind}`);
  return outcome as Succeeded<K>;
}

/** Turns a command's outcome into the answer its Idempotency-Key keeps; null when there is nothing to keep. */
export type AnswerRecorder = (outcome: CommandOutcome) => { ref: KeyRef; answer: StoredAnswer } | null;

interface QueuedCommand {
  command: EventCommand;
  record?: AnswerRecorder | undefined;
}

function recorder<K extends EventCommand['kind'], T>(
  kind: K,
  receipt: Receipt<T> | undefined,
  result: (outcome: Succeeded<K>) => T,
): AnswerRecorder | undefined {
  if (!receipt) return undefined;
  return (outcome) =>
    outcome.ok && outcome.kind === kind ? { ref: receipt.ref, answer: receipt.render(result(outcome as Succeeded<K>)) } : null;
}

/**
 * The booking use-cases: load under the event's lock, decide, apply — one transaction a batch.
 * Concurrent book, cancel and update calls for one event share a batch (group commit).
 */
export class BookingService {
  private readonly now: () => string;
  private readonly batcher: EventBatcher<QueuedCommand, CommandOutcome>;

  constructor(
    private readonly store: BoxofficeStore,
    options: ServiceOptions = {},
  ) {
    this.now = options.now ?? (() => new Date().toISOString());
    this.batcher = new EventBatcher(
      (eventId, queued) =>
        this.runBatch(
          eventId,
          queued.map((entry) => entry.command),
          queued.map((entry) => entry.record),
        ),
      options.batch ?? DEFAULT_BATCH,
    );
  }

  /** A receipt, when given, is stored in the transaction that creates the event (likewise below). */
  async openEvent(input: OpenEventInput, by: RequestedBy, receipt?: Receipt<EventView>): Promise<EventView> {
    const id = input.id ?? `ev_${randomBytes(12).toString('base64url')}`;
    return this.store.transaction(async (tx) => {
      const opened = openEvent({ ...input, id, venue: input.venue || null }, by, this.now());
      await tx.createEvent(opened);
      const event = toEventView(opened.event);
      if (receipt) await tx.storeAnswer(receipt.ref, receipt.render(event));
      return event;
    });
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
    return toEventView(expect(outcome, 'update').event);
  }

  async book(eventId: string, userId: string, by: RequestedBy, receipt?: Receipt<BookingView>): Promise<BookingView> {
    const command: EventCommand = { kind: 'book', userId, bookingId: newBookingId(), by };
    const record = recorder('book', receipt, (outcome) => outcome.booking);
    return expect(await this.batcher.submit(eventId, { command, record }), 'book').booking;
  }

  async cancel(eventId: string, userId: string, by: RequestedBy, receipt?: Receipt<CancelResult>): Promise<CancelResult> {
    const record = recorder('cancel', receipt, ({ booking, promoted }) => ({ booking, promoted }));
    const outcome = await this.batcher.submit(eventId, { command: { kind: 'cancel', userId, by }, record });
    const { booking, promoted } = expect(outcome, 'cancel');
    return { booking, promoted };
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
  async runBatch(
    eventId: string,
    commands: readonly EventCommand[],
    records: readonly (AnswerRecorder | undefined)[] = [],
  ): Promise<CommandOutcome[]> {
    const userIds = [...new Set(commands.flatMap((command) => ('userId' in command ? [command.userId] : [])))];
    return this.store.transaction(async (tx) => {
      const state = await tx.lockEventState(eventId, {
        userIds,
        waitlistDepth: (event) => waitlistHeadNeeded(commands, event.waitlistCount),
      });
      if (!state) return commands.map(() => ({ ok: false, error: eventNotFound(eventId) }) as const);
      // Taken under the lock, so timestamps follow commit order.
      const { outcomes, changes } = decide(state, commands, this.now());
      await tx.applyChanges(changes);
      // The answers keyed requests will get commit with the changes they answer.
      for (const [index, outcome] of outcomes.entries()) {
        const kept = records[index]?.(outcome);
        if (kept) await tx.storeAnswer(kept.ref, kept.answer);
      }
      return outcomes;
    });
  }

  private async requireEvent(eventId: string): Promise<EventRecord> {
    const event = await this.store.findEvent(eventId);
    if (!event) throw eventNotFound(eventId);
    return event;
  }
}
