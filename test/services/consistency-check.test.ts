import { type Kysely, Migrator, type Updateable, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditAction, AuditEntry, RequestedBy } from '../../src/domain/audit.js';
import type { Discrepancy } from '../../src/domain/audit-replay.js';
import type { Booking, BookingStatus } from '../../src/domain/booking.js';
import type { EventRecord } from '../../src/domain/event.js';
import { BookingService, type OpenEventInput } from '../../src/services/booking-service.js';
import { ConsistencyCheck, type ConsistencySource } from '../../src/services/consistency-check.js';
import { ConsistencyReader } from '../../src/store/consistency-reader.js';
import { openDatabase } from '../../src/store/db.js';
import type { Db } from '../../src/store/dialect.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import type { BookingsTable } from '../../src/store/schema.js';
import { ENGINES } from '../helpers/engines.js';
import { uniqueId } from '../helpers/factories.js';
import { type TestStore, createTestStore } from '../helpers/test-store.js';

const BY: RequestedBy = { actor: 'admin', requestId: 'consistency-test' };
// Smaller than the scenarios below, so every read crosses page boundaries.
const PAGE_SIZE = 3;
const HOLD_TTL = 60;
const OFFER_TTL = 120;
const ONE = { quantity: 1, hold: false };
const iso = (ms: number) => new Date(ms).toISOString();

type Found = Pick<Discrepancy, 'invariant' | 'bookingId'>;
const summary = (found: Discrepancy[] | null): Found[] => (found ?? []).map(({ invariant, bookingId }) => ({ invariant, bookingId }));

describe.each(ENGINES)('consistency check on $name', (engine) => {
  let t: TestStore;
  let db: Db;
  let service: BookingService;
  let check: ConsistencyCheck;
  /** One clock for the service and the check; tests only move it forward. */
  let now = Date.UTC(2030, 0, 1);
  const clock = () => now;

  beforeAll(async () => {
    t = await createTestStore(engine);
    db = t.db;
    service = new BookingService(t.store, { clock });
    check = new ConsistencyCheck(new ConsistencyReader(t.database, PAGE_SIZE), clock);
  });
  afterAll(async () => {
    await t.close();
  });

  const openEvent = async (input: Partial<OpenEventInput> & { totalTickets: number }) =>
    (await service.openEvent({ name: 'Gig', holdTtlSeconds: HOLD_TTL, offerTtlSeconds: OFFER_TTL, ...input }, BY)).id;
  const bookingOf = (eventId: string, userId: string) => service.getBooking(eventId, userId);
  const bookingIdOf = async (eventId: string, userId: string) => (await bookingOf(eventId, userId)).id;
  const setBooking = (bookingId: string, changes: Updateable<BookingsTable>) =>
    db.updateTable('bookings').set(changes).where('id', '=', bookingId).execute();

  /** An event with one ticket: ann holds it, bob then cat wait. */
  async function soldOut(): Promise<string> {
    const id = await openEvent({ totalTickets: 1 });
    for (const userId of ['ann', 'bob', 'cat']) await service.book(id, userId, ONE, BY);
    return id;
  }

  /** Every kind of change the service makes: groups, holds, offers, reduce, check-in, expiry, raises, a batch. */
  async function busyEvent(): Promise<string> {
    const id = await openEvent({ name: 'Busy', venue: 'Hall', startsAt: '2035-01-01T19:00:00.000Z', totalTickets: 4, maxPerBooking: 3 });
    await service.book(id, 'ann', { quantity: 2, hold: false }, BY);
    await service.book(id, 'bob', { quantity: 2, hold: true }, BY);
    await service.book(id, 'cat', { quantity: 3, hold: false }, BY);
    await service.book(id, 'dan', ONE, BY);
    await service.book(id, 'eve', { quantity: 1, hold: true }, BY);
    await service.reduce(id, 'ann', 1, BY);
    await service.confirm(id, 'bob', BY);
    await service.checkIn(id, (await bookingOf(id, 'bob')).ticketCode ?? '', BY);
    await service.cancel(id, 'ann', BY);
    await service.updateEvent(id, { totalTickets: 5 }, BY);
    await service.updateEvent(id, { totalTickets: 7, waitlistMode: 'offer', description: 'Doors at 7' }, BY);
    now += OFFER_TTL * 1000;
    await service.expireDue(id);
    await service.updateEvent(id, { name: 'Busy night', venue: null, salesOpen: false }, BY);
    await service.updateEvent(id, { salesOpen: true }, BY);
    await service.runBatch(id, [
      { command: { kind: 'cancel', userId: 'cat', by: BY } },
      { command: { kind: 'book', userId: 'ann', bookingId: uniqueId('bk'), quantity: 1, hold: true, by: BY } },
      { command: { kind: 'book', userId: 'fay', bookingId: uniqueId('bk'), quantity: 2, hold: false, by: BY } },
    ]);
    return id;
  }

  it('finds nothing wrong with events the service wrote, across pages of bookings and audit entries', async () => {
    const ids = [await busyEvent(), await soldOut(), await openEvent({ name: 'Empty', totalTickets: 5 })];
    for (const id of ids) expect(await check.checkEvent(id)).toEqual([]);
    const { entries } = await service.listAudit(ids[0]!, 0, 200);
    expect(new Set(entries.map((entry) => entry.action)).size).toBe(11);
  });

  it('reads each event in one snapshot: bookings committed while it reads are no discrepancy', async () => {
    const id = await openEvent({ totalTickets: 3 });
    for (let n = 0; n < 8; n++) await service.book(id, `w${n}`, { quantity: 1 + (n % 2), hold: n % 3 === 0 }, BY);
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing; n++) {
        await service.cancel(id, `w${n % 8}`, BY).catch(() => undefined);
        await service.book(id, `w${n % 8}`, { quantity: 1 + (n % 2), hold: false }, BY).catch(() => undefined);
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

  it('reports I1 and I6 when bookedCount no longer matches the confirmed tickets', async () => {
    const id = await openEvent({ totalTickets: 5 });
    await service.book(id, 'ann', { quantity: 2, hold: false }, BY);
    await db
      .updateTable('events')
      .set({ booked_count: sql`booked_count + 1` })
      .where('id', '=', id)
      .execute();
    const found = await check.checkEvent(id);
    expect(summary(found)).toEqual([
      { invariant: 'I1', bookingId: null },
      { invariant: 'I6', bookingId: null },
    ]);
    expect(found?.map((d) => d.message).join('\n')).toMatch(/bookedCount 3 but 2 tickets are in confirmed bookings/);
  });

  it.each([
    ['waitlistCount', { waitlist_count: 1 }],
    ['heldCount', { held_count: 2 }],
    ['checkedInCount', { checked_in_count: 1 }],
  ])('reports I1 and I6 when %s no longer matches the bookings', async (_field, change) => {
    const id = await openEvent({ totalTickets: 3 });
    await service.book(id, 'ann', ONE, BY);
    await service.book(id, 'bob', { quantity: 1, hold: true }, BY);
    await service.book(id, 'cat', { quantity: 2, hold: false }, BY);
    await service.book(id, 'dan', ONE, BY);
    await db.updateTable('events').set(change).where('id', '=', id).execute();
    expect(summary(await check.checkEvent(id))).toEqual([
      { invariant: 'I1', bookingId: null },
      { invariant: 'I6', bookingId: null },
    ]);
  });

  it('reports I2 and I6 when capacity was raised without serving the waiting list', async () => {
    const id = await soldOut();
    await db.updateTable('events').set({ total_tickets: 2 }).where('id', '=', id).execute();
    expect(summary(await check.checkEvent(id))).toEqual([
      { invariant: 'I2', bookingId: await bookingIdOf(id, 'bob') },
      { invariant: 'I6', bookingId: null },
    ]);
  });

  it("reports I6 with the booking's id when its status was flipped behind the log's back", async () => {
    const id = await openEvent({ totalTickets: 3 });
    await service.book(id, 'ann', ONE, BY);
    const annId = await bookingIdOf(id, 'ann');
    await setBooking(annId, { status: 'cancelled', active: null, cancelled_at: iso(now) });
    expect(summary(await check.checkEvent(id))).toEqual([
      { invariant: 'I1', bookingId: null },
      { invariant: 'I6', bookingId: annId },
    ]);
  });

  it("reports I6 when the quantity of a booking was changed behind the log's back", async () => {
    const id = await soldOut();
    await service.cancel(id, 'cat', BY);
    const catId = await bookingIdOf(id, 'cat');
    await setBooking(catId, { quantity: 4 });
    expect(summary(await check.checkEvent(id))).toEqual([{ invariant: 'I6', bookingId: catId }]);
  });

  it("reports I6 when a booking was checked in behind the log's back", async () => {
    const id = await openEvent({ totalTickets: 3 });
    await service.book(id, 'ann', { quantity: 2, hold: false }, BY);
    const annId = await bookingIdOf(id, 'ann');
    await setBooking(annId, { checked_in_at: iso(now) });
    await db.updateTable('events').set({ checked_in_count: 2 }).where('id', '=', id).execute();
    expect(summary(await check.checkEvent(id))).toEqual([
      { invariant: 'I6', bookingId: null },
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

  it('reports I6 when the booking.held entry of a hold that was confirmed is deleted: a hold is never confirmed outright', async () => {
    const id = await openEvent({ totalTickets: 2 });
    await service.book(id, 'ann', { quantity: 1, hold: true }, BY);
    await service.confirm(id, 'ann', BY);
    const annId = await bookingIdOf(id, 'ann');
    await db.deleteFrom('audit_log').where('event_id', '=', id).where('action', '=', 'booking.held').execute();
    expect(summary(await check.checkEvent(id))).toEqual([{ invariant: 'I6', bookingId: annId }]);
  });

  it('reports I6 for a stored booking the audit log never accepted', async () => {
    const id = await soldOut();
    await db
      .insertInto('bookings')
      .values({
        id: 'smuggled',
        event_id: id,
        user_id: 'zed',
        quantity: 1,
        hold: 0,
        status: 'cancelled',
        queue_no: 99,
        active: null,
        expires_at: null,
        ticket_code: null,
        checked_in_at: null,
        created_at: iso(now),
        updated_at: iso(now),
        confirmed_at: null,
        cancelled_at: iso(now),
      })
      .execute();
    expect(summary(await check.checkEvent(id))).toEqual([{ invariant: 'I6', bookingId: 'smuggled' }]);
  });

  it('reports I4 when the stored rows show a later booking confirmed while an earlier one still waits', async () => {
    const id = await soldOut();
    await service.cancel(id, 'ann', BY);
    const [bob, catId] = [await bookingOf(id, 'bob'), await bookingIdOf(id, 'cat')];
    await setBooking(bob.id, { status: 'waitlisted', confirmed_at: null, ticket_code: null });
    await setBooking(catId, { status: 'confirmed', confirmed_at: iso(now), ticket_code: bob.ticketCode });
    const found = summary(await check.checkEvent(id));
    expect(found).toContainEqual({ invariant: 'I4', bookingId: catId });
    expect(found).toContainEqual({ invariant: 'I6', bookingId: bob.id });
    expect(found).toContainEqual({ invariant: 'I6', bookingId: catId });
  });

  it('reports I4 when rows and log were forged alike to promote out of turn', async () => {
    const id = await soldOut();
    await service.cancel(id, 'ann', BY);
    const [bob, catId] = [await bookingOf(id, 'bob'), await bookingIdOf(id, 'cat')];
    await setBooking(bob.id, { status: 'waitlisted', confirmed_at: null, ticket_code: null });
    await setBooking(catId, { status: 'confirmed', confirmed_at: iso(now), ticket_code: bob.ticketCode });
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
    await setBooking(bobId, { queue_no: -1 });
    await setBooking(catId, { queue_no: bobQueue });
    await setBooking(bobId, { queue_no: catQueue });
    expect(summary(await check.checkEvent(id))).toEqual([{ invariant: 'I4', bookingId: bobId }]);
  });

  it('reports I6 when a booking was moved to another user', async () => {
    const id = await soldOut();
    const bobId = await bookingIdOf(id, 'bob');
    await setBooking(bobId, { user_id: 'mallory' });
    expect(summary(await check.checkEvent(id))).toEqual([{ invariant: 'I6', bookingId: bobId }]);
  });

  it('reports I7 for a booking still pending more than 5 s past its deadline, not before', async () => {
    const id = await openEvent({ totalTickets: 2 });
    await service.book(id, 'ann', { quantity: 1, hold: true }, BY);
    const annId = await bookingIdOf(id, 'ann');
    now += HOLD_TTL * 1000 + 4_000;
    expect(await check.checkEvent(id)).toEqual([]);
    now += 2_000;
    expect(summary(await check.checkEvent(id))).toEqual([{ invariant: 'I7', bookingId: annId }]);
    await service.expireDue(id);
    expect(await check.checkEvent(id)).toEqual([]);
  });

  it('reports I7 when the deadline of a pending booking was pushed back', async () => {
    const id = await openEvent({ totalTickets: 2 });
    await service.book(id, 'ann', { quantity: 1, hold: true }, BY);
    const ann = await bookingOf(id, 'ann');
    await setBooking(ann.id, { expires_at: iso(Date.parse(ann.expiresAt ?? '') + 3_600_000) });
    expect(summary(await check.checkEvent(id))).toEqual([{ invariant: 'I7', bookingId: ann.id }]);
  });

  it('reports I7 when the log shows a hold confirmed after its deadline', async () => {
    const id = await openEvent({ totalTickets: 2 });
    await service.book(id, 'ann', { quantity: 1, hold: true }, BY);
    const ann = await bookingOf(id, 'ann');
    await service.confirm(id, 'ann', BY);
    await db
      .updateTable('audit_log')
      .set({ at: iso(Date.parse(ann.expiresAt ?? '') + 1_000) })
      .where('event_id', '=', id)
      .where('booking_id', '=', ann.id)
      .where('action', '=', 'booking.confirmed')
      .execute();
    expect(summary(await check.checkEvent(id))).toEqual([{ invariant: 'I7', bookingId: ann.id }]);
  });

  it('reports I8 for a ticket code given to a booking that was never confirmed', async () => {
    const id = await soldOut();
    const catId = await bookingIdOf(id, 'cat');
    await setBooking(catId, { ticket_code: 'AAAAA-BBBBB-CCCCC-DDDDD', confirmed_at: iso(now) });
    expect(summary(await check.checkEvent(id))).toEqual([{ invariant: 'I8', bookingId: catId }]);
  });

  it('reports I8 for a confirmed booking without a ticket code', async () => {
    const id = await soldOut();
    const annId = await bookingIdOf(id, 'ann');
    await setBooking(annId, { ticket_code: null, confirmed_at: null });
    expect(summary(await check.checkEvent(id))).toEqual([{ invariant: 'I8', bookingId: annId }]);
  });

  it('reports I8 when the log admits a ticket code twice', async () => {
    const id = await soldOut();
    const ann = await bookingOf(id, 'ann');
    await service.checkIn(id, ann.ticketCode ?? '', BY);
    const [admitted] = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('booking_id', '=', ann.id)
      .where('action', '=', 'booking.checked_in')
      .execute();
    const { seq: _seq, ...again } = admitted!;
    await db
      .insertInto('audit_log')
      .values({ ...again, at: iso(now + 60_000) })
      .execute();
    expect(summary(await check.checkEvent(id))).toEqual([{ invariant: 'I8', bookingId: ann.id }]);
  });

  it('gives a verdict for every event, the clean ones with no discrepancies', async () => {
    const clean = await busyEvent();
    const tampered = await soldOut();
    await db.updateTable('events').set({ name: 'Renamed quietly' }).where('id', '=', tampered).execute();
    const verdicts = new Map<string, Discrepancy[]>();
    for await (const verdict of check.checkEveryEvent()) verdicts.set(verdict.eventId, verdict.discrepancies);
    const { count } = await db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    expect(verdicts.size).toBe(Number(count));
    expect(verdicts.get(clean)).toEqual([]);
    expect(summary(verdicts.get(tampered) ?? null)).toEqual([{ invariant: 'I6', bookingId: null }]);
  });
});

describe.each(ENGINES)('consistency check on $name — data written before migration 0004', (engine) => {
  const at = (minute: number) => `2025-06-01T10:0${minute}:00.000Z`;

  /** Rows as the 0001 schema stored them, frozen like a migration whatever the code says today. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- written like a frozen migration, against the schema as 0003 left it.
  async function writeOldModelEvent(old: Kysely<any>): Promise<void> {
    await old
      .insertInto('events')
      .values({
        id: 'old',
        name: 'Old',
        venue: null,
        starts_at: null,
        total_tickets: 1,
        booked_count: 1,
        waitlist_count: 1,
        last_queue_no: 3,
        sales_open: 1,
        created_at: at(0),
        updated_at: at(4),
      })
      .execute();
    const booking = (user: string, status: string, queueNo: number, confirmedAt: string | null) => ({
      id: `b-${user}`,
      event_id: 'old',
      user_id: user,
      status,
      queue_no: queueNo,
      active: status === 'cancelled' ? null : 1,
      created_at: at(queueNo),
      updated_at: at(4),
      confirmed_at: confirmedAt,
      cancelled_at: status === 'cancelled' ? at(4) : null,
    });
    await old
      .insertInto('bookings')
      .values([booking('ann', 'cancelled', 1, at(1)), booking('bob', 'confirmed', 2, at(4)), booking('cat', 'waitlisted', 3, null)])
      .execute();
    const entry = (action: string, user: string | null, minute: number, data: unknown = null) => ({
      event_id: 'old',
      action,
      user_id: user,
      booking_id: user === null ? null : `b-${user}`,
      actor: 'admin',
      request_id: null,
      at: at(minute),
      data: data === null ? null : JSON.stringify(data),
    });
    await old
      .insertInto('audit_log')
      .values([
        entry('event.created', null, 0, { name: 'Old', venue: null, startsAt: null, totalTickets: 1, salesOpen: true }),
        entry('booking.confirmed', 'ann', 1),
        entry('booking.waitlisted', 'bob', 2),
        entry('booking.waitlisted', 'cat', 3),
        entry('booking.cancelled', 'ann', 4),
        entry('booking.promoted', 'bob', 4),
      ])
      .execute();
  }

  it('finds nothing wrong with an event the old model wrote, once migrated', async () => {
    const database = await engine.create();
    const opened = openDatabase(database.config);
    try {
      const { error } = await new Migrator({ db: opened.db, provider: migrationProvider }).migrateTo('0003-idempotency-keys');
      expect(error).toBeUndefined();
      await writeOldModelEvent(opened.db);
      await migrateToLatest(opened.db);
      const check = new ConsistencyCheck(new ConsistencyReader(opened), () => Date.parse(at(5)));
      expect(await check.checkEvent('old')).toEqual([]);
    } finally {
      await opened.close();
      await database.drop();
    }
  });
});

describe('consistency check — stored states the schema forbids', () => {
  const AT = '2026-01-01T00:00:00.000Z';
  type Row = [id: string, userId: string, status: BookingStatus, extra?: Partial<Booking>];

  /** Rows held in memory: an event, bookings in queue order, and the log that accepted them (one ticket each). */
  function sourceOf(event: Partial<EventRecord>, bookings: Row[], log: [AuditAction, string][]): ConsistencySource {
    const stored: EventRecord = {
      id: 'ev',
      name: 'Gig',
      venue: null,
      description: null,
      startsAt: null,
      timeZone: 'UTC',
      totalTickets: 1,
      salesOpen: true,
      maxPerBooking: 10,
      waitlistMode: 'auto',
      offerTtlSeconds: 86_400,
      holdTtlSeconds: 900,
      bookedCount: 0,
      heldCount: 0,
      waitlistCount: 0,
      waitlistTickets: 0,
      checkedInCount: 0,
      lastQueueNo: bookings.length,
      createdAt: AT,
      updatedAt: AT,
      ...event,
    };
    const rows: Booking[] = bookings.map(([id, userId, status, extra], index) => ({
      id,
      eventId: 'ev',
      userId,
      quantity: 1,
      hold: false,
      status,
      queueNo: index + 1,
      expiresAt: null,
      ticketCode: status === 'confirmed' ? `CODE-${id}` : null,
      checkedInAt: null,
      createdAt: AT,
      updatedAt: AT,
      confirmedAt: status === 'confirmed' ? AT : null,
      cancelledAt: null,
      ...extra,
    }));
    const entry = (seq: number, action: AuditAction, bookingId: string | null, data: Record<string, unknown> | null): AuditEntry => ({
      seq,
      eventId: 'ev',
      action,
      bookingId,
      userId: rows.find((row) => row.id === bookingId)?.userId ?? null,
      quantity: bookingId === null ? null : 1,
      actor: 'admin',
      requestId: null,
      at: AT,
      data,
      booking: null,
      event: null,
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

  const checked = async (source: ConsistencySource) => summary(await new ConsistencyCheck(source, () => Date.parse(AT)).checkEvent('ev'));

  it('reports I3 when one user holds two active bookings', async () => {
    const source = sourceOf(
      { totalTickets: 1, bookedCount: 1, waitlistCount: 1, waitlistTickets: 1 },
      [
        ['b1', 'ann', 'confirmed'],
        ['b2', 'ann', 'waitlisted'],
      ],
      [
        ['booking.confirmed', 'b1'],
        ['booking.waitlisted', 'b2'],
      ],
    );
    expect(await checked(source)).toEqual([
      { invariant: 'I3', bookingId: 'b2' },
      { invariant: 'I3', bookingId: 'b2' },
    ]);
  });

  it('reports I1 when more tickets are booked than the event has', async () => {
    const source = sourceOf(
      { totalTickets: 1, bookedCount: 2 },
      [
        ['b1', 'ann', 'confirmed'],
        ['b2', 'bob', 'confirmed'],
      ],
      [
        ['booking.confirmed', 'b1'],
        ['booking.confirmed', 'b2'],
      ],
    );
    expect(await checked(source)).toEqual([
      { invariant: 'I1', bookingId: 'b2' },
      { invariant: 'I1', bookingId: null },
    ]);
  });

  it('reports I2 when bookings wait while the head fits into the available tickets', async () => {
    const source = sourceOf(
      { totalTickets: 2, bookedCount: 1, waitlistCount: 1, waitlistTickets: 1 },
      [
        ['b1', 'ann', 'confirmed'],
        ['b2', 'bob', 'waitlisted'],
      ],
      [
        ['booking.confirmed', 'b1'],
        ['booking.waitlisted', 'b2'],
      ],
    );
    expect(await checked(source)).toEqual([
      { invariant: 'I2', bookingId: 'b2' },
      { invariant: 'I6', bookingId: null },
    ]);
  });

  it('reports I8 for a cancelled booking that checked in, and for two bookings sharing a code', async () => {
    const source = sourceOf(
      { totalTickets: 1, bookedCount: 1, checkedInCount: 1 },
      [
        ['b1', 'ann', 'cancelled', { ticketCode: 'CODE-1', confirmedAt: AT, checkedInAt: AT }],
        ['b2', 'bob', 'confirmed', { ticketCode: 'CODE-1' }],
      ],
      [
        ['booking.confirmed', 'b1'],
        ['booking.checked_in', 'b1'],
        ['booking.cancelled', 'b1'],
        ['booking.confirmed', 'b2'],
      ],
    );
    expect(await checked(source)).toEqual([
      { invariant: 'I8', bookingId: 'b1' },
      { invariant: 'I8', bookingId: 'b1' },
      { invariant: 'I8', bookingId: 'b2' },
    ]);
  });
});
