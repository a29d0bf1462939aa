import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestedBy } from '../../src/domain/audit.js';
import { BOOKING_STATUSES, type BookingStatus, isActive } from '../../src/domain/booking.js';
import type { EventCommand } from '../../src/domain/decide.js';
import type { EventPatch } from '../../src/domain/event.js';
import { BookingService } from '../../src/services/booking-service.js';
import { ConsistencyCheck } from '../../src/services/consistency-check.js';
import { ConsistencyReader } from '../../src/store/consistency-reader.js';
import type { Db } from '../../src/store/dialect.js';
import { SQLITE } from '../helpers/engines.js';
import { type TestStore, createTestStore } from '../helpers/test-store.js';
import { uniqueId } from '../helpers/factories.js';

const BY: RequestedBy = { actor: 'admin', requestId: 'consistency-property' };
const HOLD_TTL = 60;
const OFFER_TTL = 120;

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
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('cancel' as const, 'confirm' as const, 'checkIn' as const), user }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reduce' as const), user, quantity: fc.integer({ min: 1, max: 2 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('update' as const),
      patch: fc.record(
        {
          totalTickets: fc.integer({ min: 1, max: 6 }),
          salesOpen: fc.boolean(),
          waitlistMode: fc.constantFrom('auto' as const, 'offer' as const),
        },
        { requiredKeys: [] },
      ),
    }),
  },
);

const pickOf = <T>(rows: readonly T[], pick: number): T | undefined => rows[pick % Math.max(rows.length, 1)];

/** One change an intruder or a bug could make to one row; `pick` chooses which row. */
type Tamper =
  | { kind: 'delete-audit-entry'; pick: number }
  | { kind: 'change-booking-status'; pick: number; to: BookingStatus }
  | { kind: 'change-booking-user' | 'change-booking-quantity' | 'give-ticket-code' | 'check-in-quietly'; pick: number }
  | { kind: 'move-deadline'; pick: number; seconds: number }
  | { kind: 'change-event-total'; delta: number };

const pick = fc.nat();
const tamperArb: fc.Arbitrary<Tamper> = fc.oneof(
  fc.record({ kind: fc.constant('delete-audit-entry' as const), pick }),
  fc.record({ kind: fc.constant('change-booking-status' as const), pick, to: fc.constantFrom(...BOOKING_STATUSES) }),
  fc.record({
    kind: fc.constantFrom(
      'change-booking-user' as const,
      'change-booking-quantity' as const,
      'give-ticket-code' as const,
      'check-in-quietly' as const,
    ),
    pick,
  }),
  fc.record({ kind: fc.constant('move-deadline' as const), pick, seconds: fc.constantFrom(-30, 30, 3_600) }),
  fc.record({ kind: fc.constant('change-event-total' as const), delta: fc.integer({ min: 1, max: 3 }) }),
);

describe('consistency check — any single tampered row is found', () => {
  let t: TestStore;
  let db: Db;
  let service: BookingService;
  let check: ConsistencyCheck;
  let now = Date.UTC(2030, 0, 1);
  const clock = () => now;

  beforeAll(async () => {
    t = await createTestStore(SQLITE);
    db = t.db;
    service = new BookingService(t.store, { clock });
    check = new ConsistencyCheck(new ConsistencyReader(t.database, 4), clock);
  });
  afterAll(async () => {
    await t.close();
  });

  async function command(eventId: string, step: Step): Promise<EventCommand> {
    const userId = 'user' in step ? `u${step.user}` : '';
    switch (step.kind) {
      case 'book':
        return { kind: 'book', userId, bookingId: uniqueId('bk'), quantity: step.quantity, hold: step.hold, by: BY };
      case 'cancel':
      case 'confirm':
        return { kind: step.kind, userId, by: BY };
      case 'reduce':
        return { kind: 'reduce', userId, quantity: step.quantity, by: BY };
      case 'checkIn': {
        const booking = await service.getBooking(eventId, userId).catch(() => null);
        return { kind: 'checkIn', ticketCode: booking?.ticketCode ?? 'AAAAA-AAAAA-AAAAA-AAAAA', by: BY };
      }
      case 'update':
        return { kind: 'update', patch: step.patch, by: BY };
    }
  }

  /** Each batch runs after `wait` seconds, so holds and offers lapse along the way (and are expired by it). */
  async function play(capacity: number, batches: [number, Step[]][]): Promise<string> {
    const input = { name: 'Random', totalTickets: capacity, maxPerBooking: 3, holdTtlSeconds: HOLD_TTL, offerTtlSeconds: OFFER_TTL };
    const { id } = await service.openEvent(input, BY);
    for (const [wait, steps] of batches) {
      now += wait * 1000;
      const commands: EventCommand[] = [];
      for (const step of steps) commands.push(await command(id, step));
      await service.runBatch(
        id,
        commands.map((queued) => ({ command: queued })),
      );
    }
    return id;
  }

  const bookingsOf = (eventId: string) =>
    db.selectFrom('bookings').selectAll().where('event_id', '=', eventId).orderBy('queue_no').execute();

  /** Applies the tamper; false when the event has no row it could apply to (or the schema refused it). */
  async function tamper(eventId: string, change: Tamper): Promise<boolean> {
    try {
      switch (change.kind) {
        case 'delete-audit-entry': {
          // An event.updated whose fields later entries overwrite leaves no trace when deleted (the log is not
          // hash-chained); the state it replays to is unchanged, which is all I6 promises.
          const entries = await db
            .selectFrom('audit_log')
            .select('seq')
            .where('event_id', '=', eventId)
            .where('action', '!=', 'event.updated')
            .orderBy('seq')
            .execute();
          const victim = pickOf(entries, change.pick);
          if (!victim) return false;
          await db.deleteFrom('audit_log').where('seq', '=', victim.seq).execute();
          return true;
        }
        case 'change-booking-status': {
          const victim = pickOf(await bookingsOf(eventId), change.pick);
          if (!victim || victim.status === change.to) return false;
          const active = isActive({ status: change.to }) ? 1 : null;
          const expiresAt = change.to === 'pending' ? new Date(now + 3_600_000).toISOString() : null;
          await db.updateTable('bookings').set({ status: change.to, active, expires_at: expiresAt }).where('id', '=', victim.id).execute();
          return true;
        }
        case 'change-booking-user': {
          const victim = pickOf(await bookingsOf(eventId), change.pick);
          if (!victim) return false;
          await db.updateTable('bookings').set({ user_id: 'intruder' }).where('id', '=', victim.id).execute();
          return true;
        }
        case 'change-booking-quantity': {
          const victim = pickOf(await bookingsOf(eventId), change.pick);
          if (!victim) return false;
          await db
            .updateTable('bookings')
            .set({ quantity: victim.quantity === 1 ? 2 : victim.quantity - 1 })
            .where('id', '=', victim.id)
            .execute();
          return true;
        }
        case 'give-ticket-code': {
          const victim = pickOf(
            (await bookingsOf(eventId)).filter((row) => row.ticket_code === null),
            change.pick,
          );
          if (!victim) return false;
          const code = `ZZZZZ-ZZZZZ-${String(change.pick % 100_000).padStart(5, '0')}-ZZZZZ`;
          await db
            .updateTable('bookings')
            .set({ ticket_code: code, confirmed_at: victim.created_at })
            .where('id', '=', victim.id)
            .execute();
          return true;
        }
        case 'check-in-quietly': {
          const admissible = (await bookingsOf(eventId)).filter((row) => row.status === 'confirmed' && row.checked_in_at === null);
          const victim = pickOf(admissible, change.pick);
          if (!victim) return false;
          await db
            .updateTable('bookings')
            .set({ checked_in_at: new Date(now).toISOString() })
            .where('id', '=', victim.id)
            .execute();
          return true;
        }
        case 'move-deadline': {
          const victim = pickOf(
            (await bookingsOf(eventId)).filter((row) => row.status === 'pending'),
            change.pick,
          );
          if (!victim) return false;
          const moved = new Date(Date.parse(victim.expires_at ?? '') + change.seconds * 1000).toISOString();
          await db.updateTable('bookings').set({ expires_at: moved }).where('id', '=', victim.id).execute();
          return true;
        }
        case 'change-event-total':
          await db
            .updateTable('events')
            .set({ total_tickets: sql`total_tickets + ${change.delta}` })
            .where('id', '=', eventId)
            .execute();
          return true;
      }
    } catch {
      // A constraint (unique active booking, waitlist only when sold out) refused it: the schema held.
      return false;
    }
  }

  it('reports nothing before the tamper and at least one discrepancy after it', async () => {
    let tampered = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.tuple(fc.constantFrom(0, 1, HOLD_TTL, OFFER_TTL), fc.array(stepArb, { minLength: 1, maxLength: 4 })), {
          minLength: 1,
          maxLength: 10,
        }),
        tamperArb,
        async (capacity, batches, change) => {
          const eventId = await play(capacity, batches);
          expect(await check.checkEvent(eventId)).toEqual([]);
          if (!(await tamper(eventId, change))) return;
          tampered += 1;
          const found = await check.checkEvent(eventId);
          expect(found?.length, `no discrepancy after ${JSON.stringify(change)}`).toBeGreaterThan(0);
          expect(found?.every((d) => d.eventId === eventId)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
    expect(tampered).toBeGreaterThan(40);
  });
});
