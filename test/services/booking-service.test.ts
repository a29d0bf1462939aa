import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestedBy } from '../../src/domain/audit.js';
import type { EventCommand } from '../../src/domain/decide.js';
import type { BookingView } from '../../src/domain/booking.js';
import { DEFAULT_IDEMPOTENCY, IdempotencyService, type KeyRef, type Receipt } from '../../src/services/idempotency.js';
import { SqlIdempotencyStore } from '../../src/store/sql-idempotency-store.js';
import { ENGINES } from '../helpers/engines.js';
import { ONE_TICKET, queued, uniqueId } from '../helpers/factories.js';
import { type TestApp, createTestApp } from '../helpers/test-app.js';

const BY: RequestedBy = { actor: 'admin', requestId: 'batch-test' };

describe.each(ENGINES)('BookingService batches on $name', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(async () => t.close());

  const bookCommand = (userId: string): EventCommand => ({ kind: 'book', userId, bookingId: uniqueId('bk'), ...ONE_TICKET, by: BY });
  const cancelCommand = (userId: string): EventCommand => ({ kind: 'cancel', userId, by: BY });

  it('applies a mixed batch in one transaction, each command with its own outcome', async () => {
    const event = await t.service.openEvent({ name: 'Batch', venue: null, startsAt: null, totalTickets: 1 }, BY);
    const outcomes = await t.service.runBatch(
      event.id,
      queued([bookCommand('a'), bookCommand('b'), bookCommand('a'), cancelCommand('a'), bookCommand('c'), cancelCommand('nobody')]),
    );
    expect(outcomes.map((outcome) => (outcome.ok ? outcome.kind : outcome.error.code))).toEqual([
      'book',
      'book',
      'ALREADY_BOOKED',
      'cancel',
      'book',
      'BOOKING_NOT_FOUND',
    ]);
    const cancelled = outcomes[3];
    expect(cancelled?.ok && cancelled.kind === 'cancel' && cancelled.promoted[0]?.userId).toBe('b');
    expect(await t.service.getEvent(event.id)).toMatchObject({ bookedCount: 1, waitlistCount: 1 });
    expect(await t.service.getBooking(event.id, 'c')).toMatchObject({ status: 'waitlisted', position: 1 });

    const { entries } = await t.service.listAudit(event.id, 0, 50);
    expect(entries.map((entry) => `${entry.action}:${entry.userId ?? ''}`)).toEqual([
      'event.created:',
      'booking.confirmed:a',
      'booking.waitlisted:b',
      'booking.cancelled:a',
      'booking.promoted:b',
      'booking.waitlisted:c',
    ]);
  });

  it('shows the places of people far down a long list beside cancellations of others there', async () => {
    const event = await t.service.openEvent({ name: 'Deep', venue: null, startsAt: null, totalTickets: 2 }, BY);
    // 60 waiting behind d0 and d1: deeper than a batch of four loads from the head.
    for (let i = 0; i <= 61; i++) await t.service.book(event.id, `d${i}`, i === 50 ? { quantity: 2, hold: false } : ONE_TICKET, BY);
    const outcomes = await t.service.runBatch(
      event.id,
      queued([cancelCommand('d40'), { kind: 'reduce', userId: 'd50', quantity: 1, by: BY }, bookCommand('d55'), cancelCommand('d58')]),
    );
    const shown = outcomes.map((outcome) => {
      if (outcome.ok) return 'booking' in outcome ? [outcome.booking.status, outcome.booking.position] : null;
      const booking = outcome.error.details.extensions?.booking as BookingView | undefined;
      return [outcome.error.code, booking?.position];
    });
    // d40 left the list before d50 and d55: both move up one.
    expect(shown).toEqual([
      ['cancelled', null],
      ['waitlisted', 48],
      ['ALREADY_BOOKED', 53],
      ['cancelled', null],
    ]);
    expect(await t.service.getBooking(event.id, 'd61')).toMatchObject({ position: 58 });
  });

  it('lets a user cancel and book again within one batch', async () => {
    const event = await t.service.openEvent({ name: 'Again', venue: null, startsAt: null, totalTickets: 1 }, BY);
    await t.service.book(event.id, 'a', ONE_TICKET, BY);
    const outcomes = await t.service.runBatch(event.id, queued([cancelCommand('a'), bookCommand('a')]));
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(await t.service.getBooking(event.id, 'a')).toMatchObject({ status: 'confirmed' });
    const { bookings } = await t.service.listBookings(event.id, null, { limit: 10 });
    expect(bookings.map((booking) => booking.status)).toEqual(['cancelled', 'confirmed']);
  });

  it('answers EVENT_NOT_FOUND for every command of a batch against an unknown event', async () => {
    const outcomes = await t.service.runBatch(uniqueId('none'), queued([bookCommand('a'), cancelCommand('b')]));
    expect(outcomes.map((outcome) => !outcome.ok && outcome.error.code)).toEqual(['EVENT_NOT_FOUND', 'EVENT_NOT_FOUND']);
  });

  it('keeps the database constraint as a last line: a second active booking cannot be stored', async () => {
    const event = await t.service.openEvent({ name: 'Guard', venue: null, startsAt: null, totalTickets: 5 }, BY);
    const booking = await t.service.book(event.id, 'dup', ONE_TICKET, BY);
    await expect(
      t.store.transaction(async (tx) =>
        tx.applyChanges([
          {
            event: null,
            created: [
              {
                id: uniqueId('forged'),
                eventId: event.id,
                userId: 'dup',
                quantity: 1,
                hold: false,
                status: 'confirmed',
                queueNo: 999,
                expiresAt: null,
                ticketCode: null,
                checkedInAt: null,
                createdAt: booking.createdAt,
                updatedAt: booking.createdAt,
                confirmedAt: booking.createdAt,
                cancelledAt: null,
              },
            ],
            updated: [],
            audit: [],
          },
        ]),
      ),
    ).rejects.toThrow();
    expect(await t.service.getEvent(event.id)).toMatchObject({ bookedCount: 1 });
  });
});

describe.each(ENGINES)('answers kept with the change on $name', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(engine);
  });
  afterAll(async () => t.close());

  /** What replyOnce hands a service for a keyed booking request. */
  const receiptFor = (ref: KeyRef): Receipt<BookingView> => ({
    keep: (booking) => ({ ref, answer: { statusCode: 201, body: JSON.stringify({ booking }) } }),
  });
  const keyRow = (key: string) => t.db.selectFrom('idempotency_keys').selectAll().where('idempotency_key', '=', key).executeTakeFirst();

  it('stores a keyed booking’s answer in the booking’s own transaction', async () => {
    const event = await t.service.openEvent({ name: 'Receipts', venue: null, startsAt: null, totalTickets: 1 }, BY);
    const ref = { scope: 'admin', key: uniqueId('receipt') };
    const idempotency = new IdempotencyService(new SqlIdempotencyStore(t.database));
    await idempotency.claim(ref, 'hash');
    const booking = await t.service.book(event.id, 'kept', ONE_TICKET, BY, receiptFor(ref));
    const row = await keyRow(ref.key);
    expect(row).toMatchObject({ state: 'done', status_code: 201 });
    expect(JSON.parse(row?.response_body ?? '')).toEqual({ booking });
  });

  it('commits nothing for a request whose claim was taken over meanwhile; the taker’s run is the one that counts', async () => {
    const event = await t.service.openEvent({ name: 'Taken over', venue: null, startsAt: null, totalTickets: 2 }, BY);
    let now = Date.parse('2026-11-23T12:00:00.000Z');
    const keys = new IdempotencyService(new SqlIdempotencyStore(t.database), DEFAULT_IDEMPOTENCY, () => now);
    const ref = { scope: 'admin', key: uniqueId('taken-over') };
    const first = await keys.claim(ref, 'hash');
    now += DEFAULT_IDEMPOTENCY.leaseMs + 1; // the first request stalled past its lease without renewing it
    const second = await keys.claim(ref, 'hash');
    expect(second.kind).toBe('claimed');
    const token = (claim: typeof first) => (claim.kind === 'claimed' ? claim.token : '');
    await expect(t.service.book(event.id, 'once', ONE_TICKET, BY, receiptFor({ ...ref, token: token(first) }))).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    expect((await t.service.getEvent(event.id)).bookedCount).toBe(0);
    const booking = await t.service.book(event.id, 'once', ONE_TICKET, BY, receiptFor({ ...ref, token: token(second) }));
    expect(JSON.parse((await keyRow(ref.key))?.response_body ?? '')).toEqual({ booking });
  });

  it('keeps neither the change nor its answer when a refused command has a key', async () => {
    const event = await t.service.openEvent({ name: 'Refused', venue: null, startsAt: null, totalTickets: 1 }, BY);
    await t.service.book(event.id, 'first', ONE_TICKET, BY);
    const ref = { scope: 'admin', key: uniqueId('refused') };
    const idempotency = new IdempotencyService(new SqlIdempotencyStore(t.database));
    await idempotency.claim(ref, 'hash');
    await expect(t.service.book(event.id, 'first', ONE_TICKET, BY, receiptFor(ref))).rejects.toMatchObject({ code: 'ALREADY_BOOKED' });
    expect(await keyRow(ref.key)).toMatchObject({ state: 'pending', response_body: null });
  });
});
