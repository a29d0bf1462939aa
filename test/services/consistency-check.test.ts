import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditAction, AuditEntry, RequestedBy } from '../../src/domain/audit.js';
import type { Discrepancy } from '../../src/domain/audit-replay.js';
import type { Booking, BookingStatus } from '../../src/domain/booking.js';
import type { EventRecord } from '../../src/domain/event.js';
import type { BookingService } from '../../src/services/booking-service.js';
import { ConsistencyCheck, type ConsistencySource } from '../../src/services/consistency-check.js';
import { ConsistencyReader } from '../../src/store/consistency-reader.js';
import type { Db } from '../../src/store/dialect.js';
import { ENGINES } from '../helpers/engines.js';
import { type TestStore, createTestStore } from '../helpers/test-store.js';
import { uniqueId } from '../helpers/factories.js';

const BY: RequestedBy = { actor: 'admin', requestId: 'consistency-test' };
// Smaller than the scenarios below, so every read crosses page boundaries.
const PAGE_SIZE = 3;

type Found = Pick<Discrepancy, 'invariant' | 'bookingId'>;
const summary = (found: Discrepancy[] | null): Found[] => (found ?? []).map(({ invariant, bookingId }) => ({ invariant, bookingId }));

describe.each(ENGINES)('consistency check on $name', (engine) => {
  let t: TestStore;
  let db: Db;
  let service: BookingService;
  let check: ConsistencyCheck;

  beforeAll(async () => {
    t = await createTestStore(engine);
    ({ db, service } = t);
    check = new ConsistencyCheck(new ConsistencyReader(t.opened, PAGE_SIZE));
  });
  afterAll(async () => {
    await t.close();
  });

  const bookingIdOf = async (eventId: string, userId: string) => (await service.getBooking(eventId, userId)).id;

  /** An event with one ticket: ann holds it, bob then cat wait. */
  async function soldOut(): Promise<string> {
    const { id } = await service.openEvent({ name: 'Sold out', venue: null, startsAt: null, totalTickets: 1 }, BY);
    for (const userId of ['ann', 'bob', 'cat']) await service.book(id, userId, BY);
    return id;
  }

  /** Every kind of change the service makes: bookings, waitlist, cancels, promotions, a raise, a batch. */
  async function busyEvent(): Promise<string> {
    const { id } = await service.openEvent({ name: 'Busy', venue: 'Hall', startsAt: '2027-01-01', totalTickets: 2 }, BY);
    for (const userId of ['ann', 'bob', 'cat', 'dan', 'eve']) await service.book(id, userId, BY);
    await service.cancel(id, 'ann', BY);
    await service.cancel(id, 'dan', BY);
    await service.updateEvent(id, { totalTickets: 4 }, BY);
    await service.book(id, 'ann', BY);
    await service.book(id, 'fay', BY);
    await service.updateEvent(id, { name: 'Busy night', venue: null, salesOpen: false }, BY);
    await service.updateEvent(id, { salesOpen: true }, BY);
    await service.runBatch(id, [
      { kind: 'cancel', userId: 'bob', by: BY },
      { kind: 'book', userId: 'bob', bookingId: uniqueId('bk'), by: BY },
      { kind: 'book', userId: 'gus', bookingId: uniqueId('bk'), by: BY },
      { kind: 'cancel', userId: 'fay', by: BY },
    ]);
    return id;
  }

  it('finds nothing wrong with events the service wrote, across pages of bookings and audit entries', async () => {
    const ids = [await busyEvent(), await soldOut(), (await service.openEvent({ name: 'Empty', venue: null, startsAt: null, totalTickets: 5 }, BY)).id];
    for (const id of ids) expect(await check.checkEvent(id)).toEqual([]);
    const { entries } = await service.listAudit(ids[0]!, 0, 200);
    expect(entries.length).toBeGreaterThan(3 * PAGE_SIZE);
  });

  it('reads each event in one snapshot: bookings committed while it reads are no discrepancy', async () => {
    const { id } = await service.openEvent({ name: 'Live', venue: null, startsAt: null, totalTickets: 3 }, BY);
    for (let n = 0; n < 8; n++) await service.book(id, `w${n}`, BY);
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing; n++) {
        await service.cancel(id, `w${n % 8}`, BY).catch(() => undefined);
        await service.book(id, `w${n % 8}`, BY).catch(() => undefined);
      }
    })();
    const verdicts: (Discrepancy[] | null)[] = [];
    for (let round = 0; round < 10; round++) verdicts.push(await check.checkEvent(id));
    writing = false;
    await writer;
    expect(verdicts).toEqual(verdicts.map(() => []));
  });

  it('answers null for an event that does not exist', async () => {
    expect(await check.checkEvent('no-such-event')).toBeNull();
  });

  it('reports I1 and I6 when bookedCount no longer matches the confirmed bookings', async () => {
    const { id } = await service.openEvent({ name: 'Bumped', venue: null, startsAt: null, totalTickets: 3 }, BY);
    await service.book(id, 'ann', BY);
    await db.updateTable('events').set({ booked_count: sql`booked_count + 1` }).where('id', '=', id).execute();
    const found = await check.checkEvent(id);
    expect(summary(found)).toEqual([
      { invariant: 'I1', bookingId: null },
      { invariant: 'I6', bookingId: null },
    ]);
    expect(found?.map((d) => d.message).join('\n')).toMatch(/bookedCount 2 but 1 bookings are confirmed/);
  });

  it('reports I2 and I6 when waitlistCount no longer matches the waiting bookings', async () => {
    const id = await soldOut();
    await db.updateTable('events').set({ waitlist_count: 5 }).where('id', '=', id).execute();
    expect(summary(await check.checkEvent(id))).toEqual([
      { invariant: 'I2', bookingId: null },
      { invariant: 'I6', bookingId: null },
    ]);
  });

  it("reports I6 with the booking's id when its status was flipped behind the log's back", async () => {
    const { id } = await service.openEvent({ name: 'Flipped', venue: null, startsAt: null, totalTickets: 3 }, BY);
    await service.book(id, 'ann', BY);
    const annId = await bookingIdOf(id, 'ann');
    await db
      .updateTable('bookings')
      .set({ status: 'cancelled', active: null, cancelled_at: '2026-01-01T00:00:00.000Z' })
      .where('id', '=', annId)
      .execute();
    expect(summary(await check.checkEvent(id))).toEqual([
      { invariant: 'I1', bookingId: null },
      { invariant: 'I6', bookingId: annId },
    ]);
  });

  it('reports I6 for the booking whose audit entry was deleted', async () => {
    const id = await soldOut();
    await service.cancel(id, 'cat', BY);
    const catId = await bookingIdOf(id, 'cat');
    await db.deleteFrom('audit_log').where('event_id', '=', id).where('action', '=', 'booking.cancelled').execute();
    const found = summary(await check.checkEvent(id));
    expect(found).toContainEqual({ invariant: 'I6', bookingId: catId });
    expect(found.every((d) => d.invariant === 'I6')).toBe(true);
  });

  it('reports I6 for a stored booking the audit log never accepted', async () => {
    const id = await soldOut();
    await db
      .insertInto('bookings')
      .values({
        id: 'smuggled',
        event_id: id,
        user_id: 'zed',
        status: 'cancelled',
        queue_no: 99,
        active: null,
        created_at: '2026-01-01T00:00:00.000Z',
        updated_at: '2026-01-01T00:00:00.000Z',
        confirmed_at: null,
        cancelled_at: '2026-01-01T00:00:00.000Z',
      })
      .execute();
    expect(summary(await check.checkEvent(id))).toEqual([{ invariant: 'I6', bookingId: 'smuggled' }]);
  });

  it('reports I4 when the stored rows show a later booking confirmed while an earlier one still waits', async () => {
    const id = await soldOut();
    await service.cancel(id, 'ann', BY);
    const [bobId, catId] = [await bookingIdOf(id, 'bob'), await bookingIdOf(id, 'cat')];
    await db.updateTable('bookings').set({ status: 'waitlisted', confirmed_at: null }).where('id', '=', bobId).execute();
    await db.updateTable('bookings').set({ status: 'confirmed', confirmed_at: '2026-01-01T00:00:00.000Z' }).where('id', '=', catId).execute();
    const found = summary(await check.checkEvent(id));
    expect(found).toContainEqual({ invariant: 'I4', bookingId: catId });
    expect(found).toContainEqual({ invariant: 'I6', bookingId: bobId });
    expect(found).toContainEqual({ invariant: 'I6', bookingId: catId });
  });

  it('reports I4 when rows and log were forged alike to promote out of turn', async () => {
    const id = await soldOut();
    await service.cancel(id, 'ann', BY);
    const [bobId, catId] = [await bookingIdOf(id, 'bob'), await bookingIdOf(id, 'cat')];
    await db.updateTable('bookings').set({ status: 'waitlisted', confirmed_at: null }).where('id', '=', bobId).execute();
    await db.updateTable('bookings').set({ status: 'confirmed', confirmed_at: '2026-01-01T00:00:00.000Z' }).where('id', '=', catId).execute();
    await db
      .updateTable('audit_log')
      .set({ booking_id: catId, user_id: 'cat' })
      .where('event_id', '=', id)
      .where('action', '=', 'booking.promoted')
      .execute();
    expect(summary(await check.checkEvent(id))).toEqual([
      { invariant: 'I4', bookingId: catId },
      { invariant: 'I4', bookingId: catId },
    ]);
  });

  it('reports I4 when the waiting list was reordered by swapping queue numbers', async () => {
    const id = await soldOut();
    const [bobId, catId] = [await bookingIdOf(id, 'bob'), await bookingIdOf(id, 'cat')];
    const queueOf = async (bookingId: string) =>
      (await db.selectFrom('bookings').select('queue_no').where('id', '=', bookingId).executeTakeFirstOrThrow()).queue_no;
    const [bobQueue, catQueue] = [await queueOf(bobId), await queueOf(catId)];
    await db.updateTable('bookings').set({ queue_no: -1 }).where('id', '=', bobId).execute();
    await db.updateTable('bookings').set({ queue_no: bobQueue }).where('id', '=', catId).execute();
    await db.updateTable('bookings').set({ queue_no: catQueue }).where('id', '=', bobId).execute();
    expect(summary(await check.checkEvent(id))).toEqual([{ invariant: 'I4', bookingId: bobId }]);
  });

  it('reports I6 when a booking was moved to another user', async () => {
    const id = await soldOut();
    const bobId = await bookingIdOf(id, 'bob');
    await db.updateTable('bookings').set({ user_id: 'mallory' }).where('id', '=', bobId).execute();
    expect(summary(await check.checkEvent(id))).toEqual([{ invariant: 'I6', bookingId: bobId }]);
  });

  it('gives a verdict for every event, the clean ones with no discrepancies', async () => {
    const clean = await busyEvent();
    const tampered = await soldOut();
    await db.updateTable('events').set({ name: 'Renamed quietly' }).where('id', '=', tampered).execute();
    const verdicts = new Map<string, Discrepancy[]>();
    for await (const verdict of check.checkEveryEvent()) verdicts.set(verdict.eventId, verdict.discrepancies);
    const { count } = await db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
    expect(verdicts.size).toBe(Number(count));
    expect(verdicts.get(clean)).toEqual([]);
    expect(summary(verdicts.get(tampered) ?? null)).toEqual([{ invariant: 'I6', bookingId: null }]);
  });
});

describe('consistency check — stored states the schema forbids', () => {
  const AT = '2026-01-01T00:00:00.000Z';

  /** Rows held in memory: an event of `totalTickets`, bookings in queue order, and the log that wrote them. */
  function sourceOf(event: Partial<EventRecord>, bookings: [string, string, BookingStatus][], log: [AuditAction, string][]): ConsistencySource {
    const stored: EventRecord = {
      id: 'ev',
      name: 'Gig',
      venue: null,
      startsAt: null,
      totalTickets: 1,
      salesOpen: true,
      bookedCount: 0,
      waitlistCount: 0,
      lastQueueNo: bookings.length,
      createdAt: AT,
      updatedAt: AT,
      ...event,
    };
    const rows: Booking[] = bookings.map(([id, userId, status], index) => ({
      id,
      eventId: 'ev',
      userId,
      status,
      queueNo: index + 1,
      createdAt: AT,
      updatedAt: AT,
      confirmedAt: null,
      cancelledAt: null,
    }));
    const entry = (seq: number, action: AuditAction, bookingId: string | null, data: Record<string, unknown> | null): AuditEntry => ({
      seq,
      eventId: 'ev',
      action,
      bookingId,
      userId: rows.find((row) => row.id === bookingId)?.userId ?? null,
      actor: 'admin',
      requestId: null,
      at: AT,
      data,
    });
    const created = { name: 'Gig', venue: null, startsAt: null, totalTickets: 1, salesOpen: true };
    const audit = [entry(1, 'event.created', null, created), ...log.map(([action, id], index) => entry(index + 2, action, id, null))];
    const each = async function* <T>(items: T[]) {
      yield* items;
    };
    return {
      eventIds: () => each(['ev']),
      readEvent: async (eventId, read) =>
        eventId === 'ev' ? read({ event: stored, bookings: () => each(rows), auditLog: () => each(audit) }) : null,
    };
  }

  it('reports I3 when one user holds two active bookings', async () => {
    const source = sourceOf(
      { totalTickets: 1, bookedCount: 1, waitlistCount: 1 },
      [['b1', 'ann', 'confirmed'], ['b2', 'ann', 'waitlisted']],
      [['booking.confirmed', 'b1'], ['booking.waitlisted', 'b2']],
    );
    expect(summary(await new ConsistencyCheck(source).checkEvent('ev'))).toEqual([
      { invariant: 'I3', bookingId: 'b2' },
      { invariant: 'I3', bookingId: 'b2' },
    ]);
  });

  it('reports I1 when more tickets are booked than the event has', async () => {
    const source = sourceOf(
      { totalTickets: 1, bookedCount: 2 },
      [['b1', 'ann', 'confirmed'], ['b2', 'bob', 'confirmed']],
      [['booking.confirmed', 'b1'], ['booking.confirmed', 'b2']],
    );
    expect(summary(await new ConsistencyCheck(source).checkEvent('ev'))).toEqual([
      { invariant: 'I1', bookingId: 'b2' },
      { invariant: 'I1', bookingId: null },
    ]);
  });

  it('reports I2 when bookings wait while tickets are available', async () => {
    const source = sourceOf(
      { totalTickets: 2, bookedCount: 1, waitlistCount: 1 },
      [['b1', 'ann', 'confirmed'], ['b2', 'bob', 'waitlisted']],
      [['booking.confirmed', 'b1'], ['booking.waitlisted', 'b2']],
    );
    expect(summary(await new ConsistencyCheck(source).checkEvent('ev'))).toEqual([
      { invariant: 'I2', bookingId: null },
      { invariant: 'I6', bookingId: null },
    ]);
  });
});
